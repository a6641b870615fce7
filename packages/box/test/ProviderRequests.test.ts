/**
 * Request counts of the neutral provider: every operation and every `sync` case sends exactly
 * `Provider.requestBounds`, counted from the simulator's request log — on one page and on several,
 * for an item at the top and for one below folders that have collaborations of their own.
 */
import { assert, describe, it } from "@effect/vitest"
import { type AccessLevel, Grantee, RequestBounds, Sync } from "@unishare/core"
import { Effect, Stream } from "effect"
import * as Provider from "../src/Provider.ts"
import type * as Simulator from "../src/Simulator.ts"
import { assertAnswersDecode, boxFixture, matrix } from "./providerSupport.ts"
import { ids } from "./support.ts"

const bounds = Provider.requestBounds
const login = (i: number) => `reader${i}@example.com`
const userId = (i: number) => String(20_000 + i)
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i)

/** Adds users `from … to` to the simulator, each a viewer of `folder`. */
const readers = (sim: Simulator.Simulator, folder: string, from: number, to: number) => {
  for (const i of range(from, to)) {
    sim.addUser({ id: userId(i), login: login(i) })
    sim.addCollaboration({ item: { type: "folder", id: folder }, user: userId(i), role: "viewer" })
  }
}

describe("Box request counts equal Provider.requestBounds", () => {
  it.live("list, get, grant (new, existing, another role), update and revoke: one page and several", () =>
    Effect.gen(function* () {
      const { sim, client, provider, count, answers } = yield* boxFixture()
      let next = 1
      for (const n of [0, 1, 999, 1000, 1001]) {
        const folderId = String(60_000 + n)
        sim.addFolder({ id: folderId, name: `Bounds ${n}`, owner: ids.owner })
        readers(sim, folderId, next, next + n - 1)
        next += n
        const resource = Provider.folder(folderId)
        const label = `${n} collaborations`
        const listed = yield* count(Stream.runCollect(provider.list(resource)))
        assert.strictEqual(listed.value.length, n, label)
        assert.strictEqual(listed.requests, bounds.list(n), label)
        assert.strictEqual(listed.requests, bounds.list(n, []), label)
        const direct = yield* count(Stream.runCollect(provider.list(resource, { includeInherited: false })))
        assert.strictEqual(direct.requests, bounds.listDirect(n), label)

        const grantee = Grantee.user({ email: matrix.member(1) })
        const granted = yield* count(provider.grant(resource, { grantee, level: "viewer" }))
        assert.strictEqual(granted.requests, bounds.grant(n), label)
        assert.deepStrictEqual(granted.log, ["POST /collaborations"], label)
        // the new one is last in the item's list: the lookup reads every page
        const again = yield* count(provider.grant(resource, { grantee, level: "viewer" }))
        assert.strictEqual(again.value.id, granted.value.id, label)
        assert.strictEqual(again.requests, bounds.grantExistingAt(n), label)
        assert.strictEqual(again.requests, bounds.grantExisting(n + 1), label)
        const raised = yield* count(provider.grant(resource, { grantee, level: "editor" }))
        assert.strictEqual(raised.requests, bounds.grantExisting(n + 1) + 1, label)
        assert.strictEqual(raised.log.at(-1), `PUT /collaborations/${granted.value.id}`, label)

        assert.strictEqual((yield* count(provider.get(resource, granted.value.id))).requests, bounds.get, label)
        // seen by this provider (granted, listed or read here): the write alone
        assert.strictEqual(
          (yield* count(provider.update(resource, granted.value.id, "viewer"))).requests,
          bounds.update,
          label
        )
        // a provider that has not seen it reads it first
        const fresh = Provider.fromClient(client)
        assert.strictEqual(
          (yield* count(fresh.update(resource, granted.value.id, "editor"))).requests,
          bounds.updateUnseen,
          label
        )
        const other = Provider.fromClient(client)
        assert.strictEqual(
          (yield* count(other.revoke(resource, granted.value.id))).requests,
          bounds.revokeUnseen,
          label
        )
        // already gone: the read says so, nothing more is sent
        assert.strictEqual((yield* count(provider.revoke(resource, granted.value.id))).requests, 1, label)
        const seenRevoke = yield* provider.grant(resource, { grantee, level: "viewer" })
        assert.strictEqual((yield* count(provider.revoke(resource, seenRevoke.id))).requests, bounds.revoke, label)
      }
      assert.isAbove(assertAnswersDecode(answers), 0)
    })
  )

  it.live("an item below folders with collaborations: the path, then each folder's pages", () =>
    Effect.gen(function* () {
      const { sim, provider, count } = yield* boxFixture()
      // top (1,500 collaborations) › middle (none) › bottom (3) › a file (2)
      sim.addFolder({ id: "61000", name: "Top", owner: ids.owner })
      sim.addFolder({ id: "61001", name: "Middle", parent: "61000" })
      sim.addFolder({ id: "61002", name: "Bottom", parent: "61001" })
      sim.addFile({ id: "61003", name: "deep.txt", parent: "61002" })
      readers(sim, "61000", 1, 1500)
      readers(sim, "61002", 1501, 1503)
      sim.addUser({ id: userId(1504), login: login(1504) })
      sim.addUser({ id: userId(1505), login: login(1505) })
      sim.addCollaboration({ item: { type: "file", id: "61003" }, user: userId(1504), role: "viewer" })
      sim.addCollaboration({ item: { type: "file", id: "61003" }, user: userId(1505), role: "editor" })
      const fileRef = Provider.file("61003")
      const listed = yield* count(Stream.runCollect(provider.list(fileRef)))
      assert.strictEqual(listed.value.length, 2 + 3 + 1500)
      // nearest folder first
      assert.strictEqual(listed.requests, bounds.list(2, [3, 0, 1500]))
      assert.deepStrictEqual(listed.log, [
        "GET /files/61003/collaborations",
        "GET /files/61003",
        "GET /folders/61002/collaborations",
        "GET /folders/61001/collaborations",
        "GET /folders/61000/collaborations",
        "GET /folders/61000/collaborations"
      ])
      const inherited = listed.value.find((s) => s.inheritedFrom?.id === "61002")
      assert.isDefined(inherited)
      const got = yield* count(provider.get(fileRef, inherited?.id ?? ""))
      assert.strictEqual(got.requests, bounds.getInherited)
      assert.isTrue(got.value.inherited)
    })
  )

  it.live("sync: nothing to change, changes on one page, changes across pages, below a folder", () =>
    Effect.gen(function* () {
      const { sim, provider, count } = yield* boxFixture()
      const desired = (people: ReadonlyArray<number>, level: (i: number) => AccessLevel.AccessLevel = () => "viewer") =>
        people.map((i) => ({ grantee: Grantee.user({ id: userId(i), email: login(i) }), level: level(i) }))
      for (const i of range(1, 1010)) sim.addUser({ id: userId(i), login: login(i) })
      const viewers = (folder: string, people: ReadonlyArray<number>) => {
        for (const i of people)
          sim.addCollaboration({ item: { type: "folder", id: folder }, user: userId(i), role: "viewer" })
      }

      // one page: 3 viewers; keep 2, raise 3, remove 1, add 4 and 5
      sim.addFolder({ id: "62000", name: "Sync", owner: ids.owner })
      viewers("62000", [1, 2, 3])
      const want = desired([2, 3, 4, 5], (i) => (i === 3 ? "editor" : "viewer"))
      const first = yield* count(Sync.sync(provider, Provider.folder("62000"), want))
      assert.isTrue(first.value.verified)
      const c = RequestBounds.syncCase({ before: 3, after: 4, add: 2, remove: 1, upgrade: 1 })
      assert.strictEqual(first.requests, bounds.sync(c), first.log.join("\n"))
      const second = yield* count(Sync.sync(provider, Provider.folder("62000"), want))
      assert.strictEqual(second.value.strategy, "none")
      assert.strictEqual(second.requests, bounds.sync(RequestBounds.syncCase({ before: 4, after: 4 })))

      // several pages: 1,000 viewers, one more
      sim.addFolder({ id: "62001", name: "Sync pages", owner: ids.owner })
      viewers("62001", range(1, 1000))
      const many = yield* count(Sync.sync(provider, Provider.folder("62001"), desired(range(1, 1001))))
      assert.isTrue(many.value.verified)
      assert.strictEqual(many.requests, bounds.sync(RequestBounds.syncCase({ before: 1000, after: 1001, add: 1 })))

      // below a folder with collaborations of its own: they are listed (inherited) but left alone;
      // the bound takes the item's own collaborations and, apart, those of each folder above
      sim.addFolder({ id: "62002", name: "Below", parent: "62000" })
      viewers("62002", [1006])
      const below = yield* count(Sync.sync(provider, Provider.folder("62002"), desired([1006, 1007])))
      assert.isTrue(below.value.verified)
      assert.strictEqual(
        below.requests,
        bounds.sync(RequestBounds.syncCase({ before: 1, after: 2, add: 1 }), [4]),
        below.log.join("\n")
      )
    })
  )
})
