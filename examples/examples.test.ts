import { assert, describe, it } from "@effect/vitest"
import { MemoryProvider } from "@unishare/core"
import { Effect } from "effect"
import { run as adapterOnly } from "./adapter-only.ts"
import { start } from "./backend-endpoint.ts"
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
})
