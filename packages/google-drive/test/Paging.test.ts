/**
 * Paging: `pageSize` on every page, `pageToken` = the previous page's `nextPageToken`, the walk
 * ends when a page has none; an empty page with a token is followed; a repeated token stops the
 * walk (`ProtocolError`). And the simulator's defaults without `pageSize` (G3).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import type * as Simulator from "../src/Simulator.ts"
import { fixture, ids, listFields, query, requests } from "./support.ts"

const addReaders = (sim: Simulator.Simulator, fileId: string, count: number) => {
  for (let i = 0; i < count; i++) {
    sim.addPermission({ file: fileId, type: "user", role: "reader", emailAddress: `reader${i}@example.com` })
  }
}

describe("paging", () => {
  it.live("250 permissions: 3 pages of 100, each token the one the server handed out", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      addReaders(sim, ids.budget, 247) // + owner, Finance, anyoneWithLink
      const all = yield* Stream.runCollect(client.listPermissions(ids.budget))
      assert.strictEqual(all.length, 250)
      assert.strictEqual(new Set(Array.from(all).map((p) => p.id)).size, 250)
      const log = requests(sim)
      assert.strictEqual(log.length, 3)
      const tokens = log.map((r) => new URLSearchParams(r.query).get("pageToken"))
      assert.strictEqual(tokens[0], null)
      assert.notStrictEqual(tokens[1], null)
      assert.notStrictEqual(tokens[2], tokens[1])
      assert.deepStrictEqual(
        log[1]?.query,
        query([
          ["supportsAllDrives", true],
          ["pageSize", 100],
          ["pageToken", tokens[1] ?? ""],
          ["fields", listFields]
        ])
      )
      const first = yield* client.listPermissionsPage(ids.budget)
      assert.strictEqual(first.nextPageToken, tokens[1])
      const second = yield* client.listPermissionsPage(ids.budget, { pageToken: first.nextPageToken })
      assert.strictEqual(second.nextPageToken, tokens[2])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("pageSize 50: 5 pages; exactly 100 with pageSize 100: one page", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      addReaders(sim, ids.budget, 247)
      const all = yield* Stream.runCollect(client.listPermissions(ids.budget, { pageSize: 50 }))
      assert.strictEqual(all.length, 250)
      assert.strictEqual(sim.log().length, 5)
      sim.clearLog()
      addReaders(sim, ids.plan, 98) // + owner + Ada (inherited)
      assert.strictEqual((yield* Stream.runCollect(client.listPermissions(ids.plan))).length, 100)
      assert.strictEqual(sim.log().length, 1)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("an empty listing is one request", () =>
    Effect.gen(function* () {
      const { sim, as } = yield* fixture()
      sim.addDrive({ id: "0AEmptyDriveAAAAAAAA", name: "Empty", organization: "example.com" })
      const admin = yield* as("admin@example.com")
      sim.clearLog()
      const all = yield* Stream.runCollect(
        admin.listPermissions("0AEmptyDriveAAAAAAAA", { useDomainAdminAccess: true })
      )
      assert.strictEqual(all.length, 0)
      assert.strictEqual(sim.log().length, 1)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("an empty page that still has a token is followed", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const one = sim.permissions(ids.budget)[0]
      sim.inject({
        kind: "status",
        status: 200,
        method: "GET",
        body: { kind: "drive#permissionList", nextPageToken: "t1", permissions: [] }
      })
      sim.inject({
        kind: "status",
        status: 200,
        method: "GET",
        body: { kind: "drive#permissionList", permissions: [one] }
      })
      const all = yield* Stream.runCollect(client.listPermissions(ids.budget))
      assert.deepStrictEqual(Array.from(all), [one])
      assert.deepStrictEqual(
        requests(sim).map((r) => new URLSearchParams(r.query).get("pageToken")),
        [null, "t1"]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a server that repeats a token: ProtocolError after the second page, not an endless walk", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const one = sim.permissions(ids.budget)[0]
      sim.inject({
        kind: "status",
        status: 200,
        method: "GET",
        times: Number.POSITIVE_INFINITY,
        body: { kind: "drive#permissionList", nextPageToken: "again", permissions: [one] }
      })
      const error = yield* Effect.flip(Stream.runCollect(client.listPermissions(ids.budget)))
      assert.strictEqual(error._tag, "ProtocolError")
      assert.strictEqual(sim.log().length, 2)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("simulator defaults without pageSize (G3)", () => {
  it.live("a My Drive item answers its whole list; a shared-drive item at most 100", () =>
    Effect.gen(function* () {
      const { sim, token } = yield* fixture()
      addReaders(sim, ids.budget, 247)
      for (let i = 0; i < 150; i++) {
        sim.addUser({ email: `member${i}@example.com`, organization: "example.com" })
        sim.addPermission({ file: ids.q3, type: "user", role: "reader", emailAddress: `member${i}@example.com` })
      }
      const get = (fileId: string) =>
        Effect.promise(async () => {
          const res = await fetch(`${sim.url}/files/${fileId}/permissions?supportsAllDrives=true`, {
            headers: { authorization: `Bearer ${token}` }
          })
          return (await res.json()) as { permissions: ReadonlyArray<Record<string, unknown>>; nextPageToken?: string }
        })
      const myDrive = yield* get(ids.budget)
      assert.strictEqual(myDrive.permissions.length, 250)
      assert.strictEqual(myDrive.nextPageToken, undefined)
      // and only the default fields
      assert.deepStrictEqual(Object.keys(myDrive.permissions[0] ?? {}), ["kind", "id", "type", "role"])
      const shared = yield* get(ids.q3)
      assert.strictEqual(shared.permissions.length, 100)
      assert.isString(shared.nextPageToken)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
