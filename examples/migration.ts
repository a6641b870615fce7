/**
 * Example: migrate Smartsheet sharing to EnergyCAP lists programmatically (the CLI does the same).
 * Both sides are the built-in simulators here; with real accounts, build the providers with real
 * credentials instead.
 *
 * Run: `pnpm exec node examples/migration.ts`
 */

import { Grantee } from "@unishare/core"
import * as Eci from "@unishare/eci"
import * as EciSimulator from "@unishare/eci/simulator"
import { IdentityMap, Migration, Report, ResourceMap, Snapshot } from "@unishare/migration"
import * as Smartsheet from "@unishare/smartsheet"
import * as SmartsheetSimulator from "@unishare/smartsheet/simulator"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"

/** Runs export → plan → apply → verify and returns the plan and the reports. */
export const migrate = Effect.gen(function* () {
  const smartsheetSim = yield* SmartsheetSimulator.serve({ seed: SmartsheetSimulator.demoSeed })
  const eciSim = yield* EciSimulator.serve({
    seed: {
      ...EciSimulator.demoSeed,
      users: [
        ...(EciSimulator.demoSeed.users ?? []),
        { userId: 40, userCode: "ada", email: "ada@example.com" },
        { userId: 41, userCode: "grace", email: "grace@example.com" },
        { userId: 42, userCode: "linus", email: "linus@example.com" }
      ]
    }
  })
  const smartsheet = yield* Smartsheet.make({
    token: Redacted.make(SmartsheetSimulator.demoCredentials.owner),
    baseUrl: smartsheetSim.url
  })
  const eci = yield* Eci.make({ apiKey: Redacted.make(EciSimulator.demoCredentials.admin), baseUrl: eciSim.url })

  const budget = Smartsheet.asset("sheet", "4000000000000001")
  const roster = Smartsheet.asset("sheet", "4000000000000004")
  const snapshot = yield* Snapshot.exportSnapshot(smartsheet, { resources: [budget, roster] })
  const plan = yield* Migration.plan({
    snapshot,
    target: eci,
    identities: IdentityMap.fromEntries([{ source: Grantee.group("2000000000000001"), target: Grantee.group("10") }]),
    resources: ResourceMap.fromEntries([
      { source: budget, target: Eci.list(1004) },
      { source: roster, target: Eci.list(1001) }
    ])
  })
  const applied = yield* Migration.apply(plan, eci)
  const verified = yield* Migration.verify(plan, eci)
  return { plan, applied, verified }
}).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))

if (import.meta.main) {
  const { plan, applied, verified } = await Effect.runPromise(migrate)
  console.log(Report.renderPlan(plan))
  console.log(Report.renderApply(applied))
  console.log(Report.renderVerify(verified))
}
