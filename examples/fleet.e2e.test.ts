/** The fleet example against the run's throwaway PostgreSQL (see `test/support/globalSetup.ts`). */
import { assert, describe, it } from "@effect/vitest"
import * as EciSimulator from "@unishare/eci/simulator"
import { Effect, Redacted } from "effect"
import { inject } from "vitest"
import { FleetLive, grantViewer } from "./fleet-backend.ts"

describe("examples on PostgreSQL", () => {
  it.live("fleet backend: three instances grant on one EnergyCAP list at once; every grant survives", () =>
    Effect.gen(function* () {
      const sim = yield* EciSimulator.serve({
        seed: {
          users: [1, 11, 12, 13].map((userId) => ({ userId, userCode: `u${userId}`, email: `u${userId}@example.com` })),
          lists: [{ listId: 42, name: "Bills awaiting approval", kind: "bill", creatorId: 1 }],
          apiKeys: [{ key: "fleet-key", userId: 1, permissions: EciSimulator.allPermissions }]
        }
      })
      const config = { apiKey: Redacted.make("fleet-key"), baseUrl: sim.url }
      const database = Redacted.make(inject("postgresUrl"))
      // three instances: each its own pool and lock table, sharing the database
      yield* Effect.all(
        [11, 12, 13].map((u) => grantViewer(config, 42, `u${u}@example.com`).pipe(Effect.provide(FleetLive(database)))),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual([...(sim.share(42)?.sharedUserIds ?? [])].sort(), [11, 12, 13])
    })
  )
})
