import { assert, describe, it } from "@effect/vitest"
import { MemoryProvider } from "@unishare/core"
import * as EciSimulator from "@unishare/eci/simulator"
import { Effect, Redacted } from "effect"
import { inject } from "vitest"
import { run as adapterOnly } from "./adapter-only.ts"
import { start } from "./backend-endpoint.ts"
import { FleetLive, grantViewer } from "./fleet-backend.ts"
import { migrate } from "./migration.ts"

describe("examples", () => {
  it("backend endpoint: shares, and maps typed errors to HTTP statuses", async () => {
    const provider = MemoryProvider.make({ resources: [{ provider: "memory", kind: "doc", id: "handbook" }] })
    const server = await start(provider)
    try {
      const post = (path: string, body: unknown) =>
        fetch(`${server.url}${path}`, { method: "POST", body: JSON.stringify(body) }).then(
          async (r) => [r.status, await r.json()] as const
        )
      const [created, share] = await post("/documents/handbook/shares", { email: "ada@example.com", level: "editor" })
      assert.strictEqual(created, 201)
      assert.strictEqual((share as { level: string }).level, "editor")
      assert.strictEqual(
        (await post("/documents/handbook/shares", { email: "ada@example.com", level: "boss" }))[0],
        400
      )
      assert.strictEqual(
        (await post("/documents/handbook/shares", { email: "ada@example.com", level: "owner" }))[0],
        422
      )
      assert.strictEqual(
        (await post("/documents/missing/shares", { email: "ada@example.com", level: "viewer" }))[0],
        404
      )
      assert.strictEqual(provider.control.snapshot({ provider: "memory", kind: "doc", id: "handbook" }).length, 1)
    } finally {
      await server.close()
    }
  })

  it.live("migration: Smartsheet → EnergyCAP verifies", () =>
    Effect.gen(function* () {
      const { plan, applied, verified } = yield* migrate
      assert.strictEqual(applied.failed, 0)
      assert.isTrue(verified.ok)
      assert.isAbove(plan.summary.narrowed, 0)
    })
  )

  it.live("adapter only: the native Smartsheet client", () =>
    Effect.gen(function* () {
      const shares = yield* adapterOnly
      assert.strictEqual(shares.find((s) => s.email === "ada@example.com")?.accessLevel, "ADMIN")
      assert.isDefined(shares.find((s) => s.groupId === "2000000000000002"))
    })
  )

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
