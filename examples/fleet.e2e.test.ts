/** The fleet example against the run's throwaway PostgreSQL (see `test/support/globalSetup.ts`). */
import { assert, describe, it } from "@effect/vitest"
import { Errors, Grantee } from "@unishare/core"
import * as Eci from "@unishare/eci"
import * as EciSimulator from "@unishare/eci/simulator"
import { Cause, Effect, Exit, Option, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
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

  it.live("a provider made under a fleet layer that has closed fails with a typed error naming the cause", () =>
    Effect.gen(function* () {
      const sim = yield* EciSimulator.serve({
        seed: {
          users: [1, 11].map((userId) => ({ userId, userCode: `u${userId}`, email: `u${userId}@example.com` })),
          lists: [{ listId: 42, name: "Bills awaiting approval", kind: "bill", creatorId: 1 }],
          apiKeys: [{ key: "fleet-key", userId: 1, permissions: EciSimulator.allPermissions }]
        }
      })
      const database = Redacted.make(inject("postgresUrl"))
      // the misuse: the layer is provided to `make` alone, so it closes (pool included) when make returns
      const energycap = yield* Eci.make({
        apiKey: Redacted.make("fleet-key"),
        baseUrl: sim.url,
        rateLimit: { requests: 600, windowMillis: 60_000 }
      }).pipe(Effect.provide(FleetLive(database)))
      const exit = yield* Effect.exit(
        energycap.grant(Eci.list(42), { grantee: Grantee.user({ email: "u11@example.com" }), level: "viewer" })
      )
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? Cause.findErrorOption(exit.cause) : Option.none()
      assert.isTrue(Option.isSome(error) && Errors.isSharingError(error.value), String(exit))
      assert.include(Option.isSome(error) ? String((error.value as Errors.SharingError).message) : "", "Fleet.layer")
      // no write was sent (the e-mail lookup before the lock is a read)
      assert.deepStrictEqual(
        sim.log().filter((r) => r.method !== "GET"),
        []
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
