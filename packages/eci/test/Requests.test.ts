/**
 * Request counts: every neutral operation and every `sync` case sends exactly the documented lower
 * bound (`Provider.requestBounds`), counted from the simulator's request log.
 */
import { assert, describe, it } from "@effect/vitest"
import { Grantee, KeyedLock, RequestBounds, Sync } from "@unishare/core"
import { Effect, Stream } from "effect"
import * as Eci from "../src/index.ts"
import { seed, setup } from "./support.ts"

const bounds = Eci.Provider.requestBounds
const fast = { recheckDelay: { minMillis: 1, maxMillis: 3 } }
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const byEmail = (ids: ReadonlyArray<number>) =>
  ids.map((id) => ({ grantee: Grantee.user({ email: `user${id}@energy.test` }), level: "viewer" as const }))
const sizes = RequestBounds.syncCase

const environment = Effect.gen(function* () {
  const env = yield* setup()
  const provider = Eci.Provider.fromClient(env.client, KeyedLock.make(), fast)
  const count = <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.gen(function* () {
      env.sim.clearLog()
      const value = yield* effect
      return { value, requests: env.sim.log().length, log: env.sim.log().map((r) => `${r.method} ${r.path}`) }
    })
  return { ...env, provider, count }
})

describe("EnergyCAP request counts equal the documented lower bounds", () => {
  it.live("neutral operations", () =>
    Effect.gen(function* () {
      const { provider, count } = yield* environment
      const list43 = Eci.list(43)
      assert.strictEqual((yield* count(Stream.runCollect(provider.list(list43)))).requests, bounds.list(2))
      assert.strictEqual((yield* count(provider.get(list43, "user:10"))).requests, bounds.get)
      const granted = yield* count(provider.grant(list43, { grantee: Grantee.user({ id: "11" }), level: "viewer" }))
      assert.deepStrictEqual(granted.log, [
        "GET /api/v3/list/43/share",
        "PUT /api/v3/list/43/share",
        "GET /api/v3/list/43/share"
      ])
      assert.strictEqual(granted.requests, bounds.grant(2))
      const again = yield* count(provider.grant(list43, { grantee: Grantee.user({ id: "11" }), level: "viewer" }))
      assert.strictEqual(again.requests, bounds.grantExisting(3))
      // an email costs one user query on top
      const email = yield* count(
        provider.grant(list43, { grantee: Grantee.user({ email: "user12@energy.test" }), level: "viewer" })
      )
      assert.strictEqual(email.requests, bounds.grant(3) + 1)
      assert.strictEqual((yield* count(provider.update(list43, "user:11", "viewer"))).requests, bounds.update)
      assert.strictEqual((yield* count(provider.revoke(list43, "user:11"))).requests, bounds.revoke)
      // revoking what is not shared is the read alone
      assert.strictEqual((yield* count(provider.revoke(list43, "user:11"))).requests, 1)
    })
  )

  it.live("sync: no-op, add 50, remove 50, change 50, mixed, and 300 emails in two queries", () =>
    Effect.gen(function* () {
      const { sim, provider, count } = yield* environment
      const list = Eci.list(42)
      const run = (desired: ReturnType<typeof byEmail>) => count(Sync.sync(provider, list, desired))
      const check = (
        name: string,
        result: { value: Sync.SyncResult; requests: number },
        c: Partial<RequestBounds.SyncCase>,
        users: ReadonlyArray<number>
      ) => {
        assert.isTrue(result.value.verified, name)
        assert.strictEqual(result.value.attempts, 1, name)
        assert.strictEqual(result.requests, bounds.sync(sizes(c)), name)
        assert.deepStrictEqual(
          [...(sim.share(42)?.sharedUserIds ?? [])].sort((a, b) => a - b),
          [...users],
          name
        )
      }

      sim.setShare(42, { sharedUserIds: range(1, 100) })
      check("no-op", yield* run(byEmail(range(1, 100))), { before: 100, after: 100, emails: 100 }, range(1, 100))
      check(
        "add 50",
        yield* run(byEmail(range(1, 150))),
        { before: 100, after: 150, add: 50, emails: 150 },
        range(1, 150)
      )
      check(
        "remove 50",
        yield* run(byEmail(range(1, 100))),
        { before: 150, after: 100, remove: 50, emails: 100 },
        range(1, 100)
      )
      // one level: editor rounds down to viewer, so changing 50 levels writes nothing
      const change = yield* count(
        Sync.sync(
          provider,
          list,
          byEmail(range(1, 100)).map((g, i) => (i < 50 ? { ...g, level: "editor" as const } : g))
        )
      )
      check("change 50", change, { before: 100, after: 100, emails: 100 }, range(1, 100))
      check(
        "mixed",
        yield* run(byEmail(range(26, 125))),
        { before: 100, after: 100, add: 25, remove: 25, emails: 100 },
        range(26, 125)
      )
      check(
        "300 emails",
        yield* run(byEmail(range(1, 300))),
        { before: 100, after: 300, add: 200, remove: 0, emails: 300 },
        range(1, 300)
      )
      // the 300 emails went out as two `one of` queries
      const userQueries = sim.log().filter((r) => r.path === "/api/v3/user")
      assert.strictEqual(userQueries.length, 2)
      assert.include(
        new URLSearchParams(userQueries[0]!.query ?? "").get("filter") ?? "",
        "email one of 'user1@energy.test'|"
      )
    })
  )

  it.live("sync validates the whole desired set first: one invalid grantee → InvalidInput, zero writes", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* environment
      const before = sim.share(43)
      for (const strategy of ["auto", "operations"] as const) {
        for (const [bad, path] of [
          [Grantee.group("-1"), "desired.1.grantee.id"],
          [Grantee.user({ email: "nobody@energy.test" }), "desired.1.grantee"]
        ] as const) {
          sim.clearLog()
          const error = yield* Effect.flip(
            Sync.sync(
              provider,
              Eci.list(43),
              [
                { grantee: Grantee.user({ id: "11" }), level: "viewer" },
                { grantee: bad, level: "viewer" }
              ],
              { strategy }
            )
          )
          assert.strictEqual(error._tag, "InvalidInput")
          assert.deepStrictEqual(
            (error as { issues: ReadonlyArray<{ path: string }> }).issues.map((i) => i.path),
            [path]
          )
          assert.deepStrictEqual(
            sim.log().filter((r) => r.method !== "GET"),
            []
          )
        }
      }
      assert.deepStrictEqual(sim.share(43), before)
    })
  )

  it.live("the all-users group counts as Everyone: without allowEveryone it is refused before any write", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup({
        simulator: {
          seed: {
            ...seed,
            groups: [...(seed.groups ?? []), { userGroupId: 1, userGroupName: "Everyone", members: [1, 2, 3] }]
          }
        }
      })
      const provider = Eci.Provider.fromClient(client, KeyedLock.make(), fast)
      const allUsers = Grantee.group("1")
      const refused = yield* Effect.flip(provider.grant(Eci.list(43), { grantee: allUsers, level: "viewer" }))
      assert.strictEqual(refused._tag, "InvalidInput")
      assert.include(refused.message, "allowEveryone")
      const viaSync = yield* Effect.flip(Sync.sync(provider, Eci.list(43), [{ grantee: allUsers, level: "viewer" }]))
      assert.strictEqual(viaSync._tag, "InvalidInput")
      const viaReplace = yield* Effect.flip(provider.replace!(Eci.list(43), [{ grantee: allUsers, level: "viewer" }]))
      assert.strictEqual(viaReplace._tag, "InvalidInput")
      assert.deepStrictEqual(
        sim.log().filter((r) => r.method !== "GET"),
        []
      )
      // the group lookup happened once for the provider
      assert.strictEqual(sim.log().filter((r) => r.path === "/api/v3/userGroup").length, 1)
      // other groups need no opt-in; with it, the all-users group is shared
      yield* provider.grant(Eci.list(43), { grantee: Grantee.group("8"), level: "viewer" })
      yield* provider.grant(Eci.list(43), { grantee: allUsers, level: "viewer", allowEveryone: true })
      assert.deepStrictEqual(sim.share(43)?.sharedUserGroupIds, [7, 8, 1])
    })
  )

  it.live("a re-read that fails after the PUT landed is Unavailable { maybeApplied: true }", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* environment
      sim.inject({ kind: "status", status: 503, method: "GET", after: 1, times: Number.POSITIVE_INFINITY })
      const error = yield* Effect.flip(
        provider.grant(Eci.list(43), { grantee: Grantee.user({ id: "11" }), level: "viewer" })
      )
      sim.clearFaults()
      assert.strictEqual(error._tag, "Unavailable")
      assert.isTrue((error as { maybeApplied: boolean }).maybeApplied)
      assert.include(sim.share(43)?.sharedUserIds ?? [], 11)
    })
  )
})
