import { randomUUID } from "node:crypto"
import { Grantee } from "@unishare/core"
import { Conformance } from "@unishare/core/testing"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import { asset } from "../src/index.ts"
import * as Provider from "../src/Provider.ts"
import * as Simulator from "../src/Simulator.ts"

// Like every real Smartsheet asset, the sheet lists its owner's OWNER share from the start: the kit
// takes it as the baseline (a read-only level the planner leaves alone).
const setup = (assetType: "sheet" | "sight") =>
  Effect.gen(function* () {
    const token = `ss-conformance-${randomUUID()}`
    const sim = yield* Simulator.serve({
      seed: {
        users: [
          { email: "admin@example.com", name: "Sys Admin" },
          { email: "ada@example.com", name: "Ada Lovelace" },
          { email: "grace@example.com", name: "Grace Hopper" }
        ],
        groups: [{ id: "2000000000000001", name: "Finance" }],
        tokens: [{ token, user: "admin@example.com" }],
        assets: [
          { type: assetType, id: "5000000000000001", name: `Conformance ${assetType}`, owner: "admin@example.com" }
        ]
      }
    })
    const client = yield* Client.make({ token: Redacted.make(token), baseUrl: sim.url }).pipe(
      Effect.provide(FetchHttpClient.layer),
      Effect.orDie
    )
    return {
      provider: Provider.fromClient(client),
      resource: asset(assetType, "5000000000000001"),
      grantees: [
        Grantee.user({ email: "ada@example.com" }),
        Grantee.user({ email: "grace@example.com" }),
        Grantee.group("2000000000000001")
      ] as const,
      missingResource: asset(assetType, "5999999999999999")
    }
  })

Conformance.run({ name: "smartsheet sheet", setup: setup("sheet") })
// dashboards lack EDITOR: this run also exercises the lossy-level test
Conformance.run({ name: "smartsheet sight (dashboard)", setup: setup("sight") })
