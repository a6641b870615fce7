/**
 * Request counts: every neutral operation and every `sync` case sends exactly the documented lower
 * bound (`Provider.requestBounds`), counted from the simulator's request log.
 */
import { assert, describe, it } from "@effect/vitest"
import { type AccessLevel, Grantee, RequestBounds, Sync } from "@unishare/core"
import { Effect, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Provider from "../src/Provider.ts"
import * as Simulator from "../src/Simulator.ts"
import { fixture } from "./fixtures.ts"

const bounds = Provider.requestBounds
const sheetId = "4000000000000099"
const sheet = Provider.asset("sheet", sheetId)
const email = (i: number) => `member${i}@example.com`
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const desired = (ids: ReadonlyArray<number>, level: (i: number) => AccessLevel.AccessLevel = () => "viewer") =>
  ids.map((i) => ({ grantee: Grantee.user({ email: email(i) }), level: level(i) }))
const sizes = RequestBounds.syncCase

const environment = Effect.gen(function* () {
  const f = yield* fixture({
    simulator: {
      seed: {
        ...Simulator.demoSeed,
        assets: [
          ...(Simulator.demoSeed.assets ?? []),
          { type: "sheet", id: sheetId, name: "Bounds", owner: "owner@example.com" }
        ]
      }
    }
  })
  const count = <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.gen(function* () {
      f.sim.clearLog()
      const value = yield* effect
      return { value, requests: f.sim.log().length, log: f.sim.log().map((r) => r.method) }
    })
  const shares = () => f.sim.shares("sheet", sheetId)
  return { ...f, count, shares }
})

describe("Smartsheet request counts equal the documented lower bounds", () => {
  it.live("neutral operations", () =>
    Effect.gen(function* () {
      const { provider, count, shares } = yield* environment
      const n = shares().length // the owner's share
      assert.strictEqual((yield* count(Stream.runCollect(provider.list(sheet)))).requests, bounds.list(n))
      const granted = yield* count(
        provider.grant(sheet, { grantee: Grantee.user({ email: email(1) }), level: "viewer" })
      )
      assert.deepStrictEqual(granted.log, ["POST"])
      assert.strictEqual(granted.requests, bounds.grant(n))
      const again = yield* count(provider.grant(sheet, { grantee: Grantee.user({ email: email(1) }), level: "viewer" }))
      assert.strictEqual(again.value.id, granted.value.id)
      assert.strictEqual(again.requests, bounds.grantExisting(shares().length))
      assert.strictEqual((yield* count(provider.get(sheet, granted.value.id))).requests, bounds.get)
      assert.strictEqual((yield* count(provider.update(sheet, granted.value.id, "editor"))).requests, bounds.update)
      assert.strictEqual((yield* count(provider.revoke(sheet, granted.value.id))).requests, bounds.revoke)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("sync: no-op, add 50, remove 50, change 50, mixed", () =>
    Effect.gen(function* () {
      const { provider, count, shares } = yield* environment
      const run = (name: string, wanted: ReturnType<typeof desired>, c: Partial<RequestBounds.SyncCase>) =>
        Effect.gen(function* () {
          const before = shares().length
          const result = yield* count(Sync.sync(provider, sheet, wanted))
          assert.isTrue(result.value.verified, name)
          assert.strictEqual(result.value.attempts, 1, name)
          assert.strictEqual(result.requests, bounds.sync(sizes({ before, after: shares().length, ...c })), name)
          // the owner plus exactly the desired shares
          assert.strictEqual(shares().length, wanted.length + 1, name)
          return result
        })
      yield* run("initial", desired(range(1, 50)), { add: 50 })
      yield* run("no-op", desired(range(1, 50)), {})
      const add = yield* run("add 50", desired(range(1, 100)), { add: 50 })
      assert.strictEqual(add.log.filter((m) => m === "POST").length, 1)
      yield* run("remove 50", desired(range(1, 50)), { remove: 50 })
      const change = yield* run(
        "change 50",
        desired(range(1, 50), () => "editor"),
        { upgrade: 50 }
      )
      assert.deepStrictEqual(change.log, ["GET", ...Array(50).fill("PATCH"), "GET"])
      // mixed: 10 removed, 10 downgraded (editor → viewer), 10 upgraded (editor → admin), 20 added
      const mixed = yield* run(
        "mixed",
        desired([...range(11, 50), ...range(51, 70)], (i) =>
          i <= 20 ? "viewer" : i <= 30 ? "admin" : i <= 50 ? "editor" : "viewer"
        ),
        { remove: 10, downgrade: 10, upgrade: 10, add: 20 }
      )
      // least access first: revocations, downgrades, upgrades, then the one array POST
      assert.deepStrictEqual(mixed.log, ["GET", ...Array(10).fill("DELETE"), ...Array(20).fill("PATCH"), "POST", "GET"])
      const patches = mixed.value.results.filter((r) => r.operation._tag === "Update")
      assert.deepStrictEqual(
        patches.map((r) => (r.operation as { level: string }).level),
        [...Array(10).fill("viewer"), ...Array(10).fill("admin")]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("sync validates the whole desired set first: one invalid grantee → InvalidInput, zero writes", () =>
    Effect.gen(function* () {
      const { provider, sim, shares } = yield* environment
      yield* Sync.sync(provider, sheet, desired(range(1, 5)))
      const before = shares()
      sim.clearLog()
      for (const strategy of ["auto", "operations"] as const) {
        const error = yield* Effect.flip(
          Sync.sync(provider, sheet, [...desired([1]), { grantee: Grantee.group("-1"), level: "viewer" }], { strategy })
        )
        assert.strictEqual(error._tag, "InvalidInput")
        assert.deepStrictEqual(
          (error as { issues: ReadonlyArray<{ path: string }> }).issues.map((i) => i.path),
          ["desired.1.grantee.id"]
        )
      }
      assert.deepStrictEqual(
        sim.log().filter((r) => r.method !== "GET"),
        []
      )
      assert.deepStrictEqual(shares(), before)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
