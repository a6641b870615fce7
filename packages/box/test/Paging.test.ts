/**
 * Both paging styles: marker paging (folder and file lists) follows the `next_marker` the server
 * hands out, 1,000 per page; offset paging (pending invitations, a group's list) steps by the
 * entries received until `total_count`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import { crowd, ids, requests, setup } from "./support.ts"

describe("marker paging", () => {
  it.live("a folder with 2,502 collaborations: 3 pages of at most 1,000, following next_marker", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      crowd(sim, 2_500, { type: "folder", id: ids.contracts })
      const all = yield* Stream.runCollect(client.listFolderCollaborations(ids.contracts))
      assert.strictEqual(all.length, 2_502)
      assert.strictEqual(new Set(all.map((c) => c.id)).size, 2_502)
      assert.deepStrictEqual(
        all.map((c) => c.id),
        sim.collaborations("folder", ids.contracts).map((c) => c.id)
      )
      const log = requests(sim)
      assert.strictEqual(log.length, Client.requestBounds.listItemCollaborations(2_502))
      assert.strictEqual(log.length, 3)
      const queries = log.map((r) => new URLSearchParams(r.query))
      assert.deepStrictEqual(
        queries.map((q) => q.get("limit")),
        ["1000", "1000", "1000"]
      )
      assert.strictEqual(queries[0]?.get("marker"), null)
      assert.isFalse(queries.some((q) => q.has("usemarker")))
      // each marker is the one the previous page handed out
      sim.clearLog()
      const first = yield* client.listFolderCollaborationsPage(ids.contracts, { limit: 1000 })
      const second = yield* client.listFolderCollaborationsPage(ids.contracts, {
        limit: 1000,
        marker: first.next_marker ?? ""
      })
      assert.strictEqual(queries[1]?.get("marker"), first.next_marker)
      assert.strictEqual(queries[2]?.get("marker"), second.next_marker)
      assert.strictEqual(first.prev_marker, null)
      assert.isString(second.prev_marker)
      const back = yield* client.listFolderCollaborationsPage(ids.contracts, {
        limit: 1000,
        marker: second.prev_marker ?? ""
      })
      assert.deepStrictEqual(back.entries, first.entries)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a file list with a chosen page size; an empty list is one request", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      crowd(sim, 25, { type: "file", id: ids.budgetFile })
      const all = yield* Stream.runCollect(client.listFileCollaborations(ids.budgetFile, { limit: 10 }))
      assert.strictEqual(all.length, 25)
      assert.deepStrictEqual(
        requests(sim).map((r) => new URLSearchParams(r.query).get("limit")),
        ["10", "10", "10"]
      )
      sim.clearLog()
      const none = yield* Stream.runCollect(client.listFolderCollaborations(ids.financeFolder, { fields: ["role"] }))
      assert.strictEqual(none.length, 1) // the Finance group's
      assert.deepStrictEqual(requests(sim), [
        {
          method: "GET",
          path: `/folders/${ids.financeFolder}/collaborations`,
          query: "?fields=role&limit=1000",
          body: undefined,
          status: 200
        }
      ])
      sim.clearLog()
      const root = yield* Stream.runCollect(client.listFolderCollaborations("0"))
      assert.deepStrictEqual(root, [])
      assert.strictEqual(requests(sim).length, Client.requestBounds.listItemCollaborations(0))
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a server that hands out a marker twice is a ProtocolError, not an endless walk", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const page = {
        limit: 1,
        next_marker: "same",
        prev_marker: null,
        entries: [{ type: "collaboration", id: "1" }]
      }
      sim.inject({ kind: "status", status: 200, body: page, times: 3 })
      const error = yield* Effect.flip(Stream.runCollect(client.listFolderCollaborations(ids.contracts)))
      assert.strictEqual(error._tag, "ProtocolError")
      assert.strictEqual(sim.log().length, 2)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("offset paging", () => {
  it.live("2,100 pending invitations: offsets 0, 1000, 2000 until total_count", () =>
    Effect.gen(function* () {
      const { sim, clientAs } = yield* setup()
      for (let i = 0; i < 2_100; i++) {
        const id = String(60_000 + i)
        sim.addFile({ id, name: `f${i}.txt`, parent: ids.contracts })
        sim.addCollaboration({ item: { type: "file", id }, user: ids.erin, role: "viewer" })
      }
      const erin = yield* clientAs(ids.erin)
      sim.clearLog()
      const all = yield* Stream.runCollect(erin.listPendingCollaborations({ fields: ["status"] }))
      assert.strictEqual(all.length, 2_101) // and the demo invitation
      assert.isTrue(all.every((c) => c.status === "pending"))
      assert.deepStrictEqual(
        requests(sim).map((r) => r.query),
        [
          "?status=pending&fields=status&offset=0&limit=1000",
          "?status=pending&fields=status&offset=1000&limit=1000",
          "?status=pending&fields=status&offset=2000&limit=1000"
        ]
      )
      assert.strictEqual(requests(sim).length, Client.requestBounds.listPendingCollaborations(2_101))
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a group's collaborations, by an admin, in pages of 400", () =>
    Effect.gen(function* () {
      const { sim, clientAs } = yield* setup()
      for (let i = 0; i < 999; i++) {
        const id = String(70_000 + i)
        sim.addFile({ id, name: `g${i}.txt`, parent: ids.contracts })
        sim.addCollaboration({ item: { type: "file", id }, group: ids.finance, role: "editor" })
      }
      const admin = yield* clientAs(ids.admin)
      sim.clearLog()
      const all = yield* Stream.runCollect(admin.listGroupCollaborations(ids.finance, { limit: 400 }))
      assert.strictEqual(all.length, 1_000)
      assert.deepStrictEqual(
        requests(sim).map((r) => `${r.path}${r.query}`),
        [
          `/groups/${ids.finance}/collaborations?offset=0&limit=400`,
          `/groups/${ids.finance}/collaborations?offset=400&limit=400`,
          `/groups/${ids.finance}/collaborations?offset=800&limit=400`
        ]
      )
      assert.strictEqual(requests(sim).length, Client.requestBounds.listGroupCollaborations(1_000, 400))
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a page shorter than asked is followed from where it ended, and an empty page ends the walk", () =>
    Effect.gen(function* () {
      const { sim, clientAs } = yield* setup()
      const admin = yield* clientAs(ids.admin)
      const entry = (id: string) => ({ type: "collaboration", id })
      // the server caps the page at 2 entries and counts one more than it has
      sim.inject({
        kind: "status",
        status: 200,
        body: { total_count: 4, limit: 2, offset: 0, entries: [entry("1"), entry("2")] }
      })
      sim.inject({
        kind: "status",
        status: 200,
        body: { total_count: 4, limit: 2, offset: 2, entries: [entry("3")] },
        after: 0
      })
      sim.inject({ kind: "status", status: 200, body: { total_count: 4, limit: 2, offset: 3, entries: [] } })
      const all = yield* Stream.runCollect(admin.listGroupCollaborations(ids.finance, { limit: 5 }))
      assert.deepStrictEqual(
        all.map((c) => c.id),
        ["1", "2", "3"]
      )
      assert.deepStrictEqual(
        requests(sim).map((r) => new URLSearchParams(r.query).get("offset")),
        ["0", "2", "3"]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
