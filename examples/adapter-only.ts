/**
 * Example: one adapter alone — the native Smartsheet client, no neutral model needed.
 * Lists a sheet's shares page by page (a `Stream`), shares it with a group, and changes a level.
 *
 * Run: `pnpm exec node examples/adapter-only.ts`
 */

import { Client } from "@unishare/smartsheet"
import * as SmartsheetSimulator from "@unishare/smartsheet/simulator"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"

/** Shares the roster sheet with the Auditors group, then raises Ada to ADMIN; returns the final shares. */
export const run = Effect.gen(function* () {
  const sim = yield* SmartsheetSimulator.serve({ seed: SmartsheetSimulator.demoSeed })
  const smartsheet = yield* Client.make({
    token: Redacted.make(SmartsheetSimulator.demoCredentials.owner),
    baseUrl: sim.url
  })
  const roster = { assetType: "sheet", assetId: "4000000000000004" } as const
  yield* smartsheet.shareAsset(roster, [{ groupId: "2000000000000002", accessLevel: "VIEWER" }])
  const ada = (yield* Stream.runCollect(smartsheet.listShares(roster))).find((s) => s.email === "ada@example.com")!
  yield* smartsheet.updateShare(roster, ada.id, "ADMIN")
  return yield* Stream.runCollect(smartsheet.listShares(roster))
}).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))

if (import.meta.main) {
  for (const share of await Effect.runPromise(run)) {
    console.log(`${share.accessLevel.padEnd(12)} ${share.email ?? `group ${share.groupId}`}`)
  }
}
