/**
 * Request counts of the neutral provider: every operation and every `sync` case sends exactly
 * `Provider.requestBounds`, counted from the simulator's request log, on one page and on several.
 */
import { assert, describe, it } from "@effect/vitest"
import { type AccessLevel, Grantee, RequestBounds, type Share, Sync } from "@unishare/core"
import { Effect, Stream } from "effect"
import * as Provider from "../src/Provider.ts"
import { type Answer, assertAnswersDecode, driveFixture, inDays, matrix } from "./providerSupport.ts"

const bounds = Provider.requestBounds
const email = (i: number) => `reader${i}@example.com`
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const desired = (ids: ReadonlyArray<number>, level: (i: number) => AccessLevel.AccessLevel = () => "viewer") =>
  ids.map((i) => ({ grantee: Grantee.user({ email: email(i) }), level: level(i) }))

describe("Google Drive request counts equal Provider.requestBounds", () => {
  it.live("list, get, grant (new, existing, another level), update, revoke: one page and two", () =>
    Effect.gen(function* () {
      const { sim, provider, count, answers } = yield* driveFixture()
      for (const extra of [0, 149]) {
        const item = sim.addFile({ name: `Bounds ${extra}`, owner: "owner@example.com" })
        for (const i of range(1, extra))
          sim.addPermission({ file: item.id, type: "user", role: "reader", emailAddress: email(i) })
        const resource = Provider.file(item.id)
        const n = () => sim.permissions(item.id).length
        const before = n()
        assert.strictEqual(before, extra + 1, "the owner and the readers")
        const label = `${before} shares`
        assert.strictEqual(
          (yield* count(Stream.runCollect(provider.list(resource)))).requests,
          bounds.list(before),
          label
        )
        const granted = yield* count(
          provider.grant(resource, { grantee: Grantee.user({ email: "new@example.com" }), level: "viewer" })
        )
        assert.strictEqual(granted.requests, bounds.grant(before), label)
        assert.deepStrictEqual(granted.log.at(-1), `POST /files/${item.id}/permissions`)
        const again = yield* count(
          provider.grant(resource, { grantee: Grantee.user({ email: "new@example.com" }), level: "viewer" })
        )
        assert.strictEqual(again.value.id, granted.value.id)
        assert.strictEqual(again.requests, bounds.grantExisting(n()), label)
        const raised = yield* count(
          provider.grant(resource, { grantee: Grantee.user({ email: "new@example.com" }), level: "editor" })
        )
        assert.strictEqual(raised.requests, bounds.grantExisting(n()) + 1, label)
        assert.strictEqual((yield* count(provider.get(resource, granted.value.id))).requests, bounds.get)
        assert.strictEqual(
          (yield* count(provider.update(resource, granted.value.id, "commenter"))).requests,
          bounds.update
        )
        assert.strictEqual((yield* count(provider.revoke(resource, granted.value.id))).requests, bounds.revoke)
        assert.strictEqual(n(), before)
      }
      assert.isAbove(assertAnswersDecode(answers), 0)
    })
  )

  it.live("sync: no-op, add 50, remove 50, change 50, mixed; with inherited shares in the listing", () =>
    Effect.gen(function* () {
      const { sim, provider, count, answers } = yield* driveFixture()
      // a shared-drive folder: the drive's six members are listed (inherited) and left alone
      const item = sim.addFile({ name: "Sync", folder: true, drive: matrix.drive })
      const resource = Provider.file(item.id)
      const shares = () => sim.permissions(item.id).length
      const inherited = shares()
      assert.strictEqual(inherited, 6)
      for (const i of range(1, 100)) sim.addUser({ email: email(i), organization: "example.com" })
      const run = (name: string, wanted: ReturnType<typeof desired>, c: Partial<RequestBounds.SyncCase>) =>
        Effect.gen(function* () {
          const before = shares()
          const result = yield* count(Sync.sync(provider, resource, wanted))
          assert.isTrue(result.value.verified, name)
          assert.strictEqual(result.value.attempts, 1, name)
          assert.strictEqual(
            result.requests,
            bounds.sync(RequestBounds.syncCase({ before, after: shares(), ...c })),
            `${name}: ${result.log.join(", ")}`
          )
          assert.strictEqual(shares(), wanted.length + inherited, name)
          return result
        })
      const initial = yield* run("initial", desired(range(1, 50)), { add: 50 })
      // list, then grantAll: one listing and 50 POSTs, then the read-back
      assert.deepStrictEqual(initial.log, [
        `GET /files/${item.id}/permissions`,
        `GET /files/${item.id}/permissions`,
        ...Array(50).fill(`POST /files/${item.id}/permissions`),
        `GET /files/${item.id}/permissions`
      ])
      const noop = yield* run("no-op", desired(range(1, 50)), {})
      assert.strictEqual(noop.value.strategy, "none")
      yield* run("add 50", desired(range(1, 100)), { add: 50 })
      yield* run("remove 50", desired(range(1, 50)), { remove: 50 })
      const change = yield* run(
        "change 50",
        desired(range(1, 50), () => "editor"),
        { upgrade: 50 }
      )
      assert.strictEqual(change.log.length, 52)
      assert.isTrue(change.log.slice(1, -1).every((l) => l.startsWith("PATCH ")))
      // mixed: 10 removed, 10 downgraded (editor → viewer), 10 upgraded (→ fileOrganizer role), 20 added
      const mixed = yield* run(
        "mixed",
        [
          ...desired(range(11, 20), () => "viewer"),
          ...range(21, 30).map((i) => ({
            grantee: Grantee.user({ email: email(i) }),
            level: "editor" as const,
            providerRole: Provider.fileOrganizer
          })),
          ...desired(range(31, 50), () => "editor"),
          ...desired(range(51, 70))
        ],
        { remove: 10, downgrade: 10, upgrade: 10, add: 20 }
      )
      const methods = mixed.log.map((l) => l.split(" ")[0])
      // least access first: revocations, downgrades, upgrades, then one listing and the grants
      assert.deepStrictEqual(methods, [
        "GET",
        ...Array(10).fill("DELETE"),
        ...Array(20).fill("PATCH"),
        "GET",
        ...Array(20).fill("POST"),
        "GET"
      ])
      assert.isAbove(assertAnswersDecode(answers), 0)
    })
  )

  it.live("sync carries expiry, the fileOrganizer role, the public and discoverability, and converges", () =>
    Effect.gen(function* () {
      const { sim, provider, count, requests } = yield* driveFixture()
      const item = sim.addFile({ name: "Sync extras", folder: true, drive: matrix.drive })
      const resource = Provider.file(item.id)
      const path = `/files/${item.id}/permissions`
      const [first, later] = [inDays(20), inDays(40)]
      const ada = Grantee.user({ email: email(1) })
      const bob = Grantee.user({ email: email(2) })
      for (const i of [1, 2]) sim.addUser({ email: email(i), organization: "example.com" })
      const options = { allowEveryone: true, allowAnyone: true }
      const step = (name: string, wanted: ReadonlyArray<Share.Grant>, c: Partial<RequestBounds.SyncCase>) =>
        Effect.gen(function* () {
          const before = sim.permissions(item.id).length
          const result = yield* count(Sync.sync(provider, resource, wanted, options))
          assert.isTrue(result.value.verified, `${name}: ${JSON.stringify(result.value.remaining)}`)
          assert.strictEqual(result.value.attempts, 1, name)
          const after = sim.permissions(item.id).length
          assert.strictEqual(result.requests, bounds.sync(RequestBounds.syncCase({ before, after, ...c })), name)
          return requests().map(
            (r) =>
              `${r.method} ${r.path.slice(path.length) || "/"} ${JSON.stringify(r.body ?? null)}${r.query.includes("removeExpiration") ? " removeExpiration" : ""}`
          )
        })
      const grants = (
        adaUntil: string | undefined,
        bobRole: boolean,
        anyoneDiscoverable: boolean
      ): Array<Share.Grant> => [
        { grantee: ada, level: "viewer", ...(adaUntil !== undefined ? { expiresAt: adaUntil } : {}) },
        { grantee: bob, level: "editor", ...(bobRole ? { providerRole: Provider.fileOrganizer } : {}) },
        { grantee: Grantee.anyone({ discoverable: anyoneDiscoverable }), level: "viewer" },
        { grantee: Grantee.domain("example.com"), level: "viewer" }
      ]
      const list = "GET / null"
      assert.deepStrictEqual(yield* step("grant all four", grants(first, true, false), { add: 4 }), [
        list,
        list,
        `POST / ${JSON.stringify({ type: "user", role: "reader", emailAddress: email(1), expirationTime: first })}`,
        `POST / ${JSON.stringify({ type: "user", role: "fileOrganizer", emailAddress: email(2) })}`,
        `POST / ${JSON.stringify({ type: "anyone", role: "reader", allowFileDiscovery: false })}`,
        `POST / ${JSON.stringify({ type: "domain", role: "reader", domain: "example.com", allowFileDiscovery: false })}`,
        list
      ])
      assert.deepStrictEqual(yield* step("nothing to change", grants(first, true, false), {}), [list])
      const ids = Object.fromEntries(sim.permissions(item.id).map((p) => [p.emailAddress ?? p.type, p.id]))
      // a later expiry and a plain writer are updates; link-only becoming public is a new grant
      assert.deepStrictEqual(yield* step("change", grants(later, false, true), { remove: 1, upgrade: 2, add: 1 }), [
        list,
        "DELETE /anyoneWithLink null",
        `PATCH /${ids[email(1)]} ${JSON.stringify({ role: "reader", expirationTime: later })}`,
        `PATCH /${ids[email(2)]} ${JSON.stringify({ role: "writer" })}`,
        list,
        `POST / ${JSON.stringify({ type: "anyone", role: "reader", allowFileDiscovery: true })}`,
        list
      ])
      assert.deepStrictEqual(yield* step("permanent", grants(undefined, false, true), { upgrade: 1 }), [
        list,
        `PATCH /${ids[email(1)]} ${JSON.stringify({ role: "reader" })} removeExpiration`,
        list
      ])
    })
  )

  it("the figures", () => {
    assert.strictEqual(bounds.list(0), 1)
    assert.strictEqual(bounds.list(101), 2)
    assert.strictEqual(bounds.grant(100), 2)
    assert.strictEqual(bounds.grantExisting(150), 2)
    assert.strictEqual(bounds.sync(RequestBounds.syncCase({ before: 7, after: 7 })), 1)
    // 1 listing + 10 DELETE + 20 PATCH + (1 listing + 20 POST) + 1 read-back
    assert.strictEqual(
      bounds.sync(RequestBounds.syncCase({ before: 56, after: 66, remove: 10, downgrade: 10, upgrade: 10, add: 20 })),
      53
    )
  })

  it("the answer check refuses a field the Wire schemas do not declare", () => {
    const answer = (text: string): Answer => ({ method: "GET", path: "/files/x/permissions/p", status: 200, text })
    assert.strictEqual(assertAnswersDecode([answer(JSON.stringify({ id: "p", type: "user", role: "reader" }))]), 1)
    assert.throws(() => assertAnswersDecode([answer(JSON.stringify({ id: "p", type: "user", role: "reader", x: 1 }))]))
    assert.throws(() => assertAnswersDecode([answer(JSON.stringify({ id: "p", type: "robot", role: "reader" }))]))
  })
})
