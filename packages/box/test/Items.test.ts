/**
 * The item reads behind computed inheritance: `Client.getFolder` / `getFile` send exactly
 * `GET /folders/{id}` / `GET /files/{id}` with `fields=path_collection`, and the simulator answers
 * the folders above the item that the caller sees (all of them for the owner; from the collaborated
 * folder down for a collaborator; all of them with `can_view_path`), 404 to a caller without a role,
 * and answers that decode strictly with `Wire.ItemDetails`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Wire from "../src/Wire.ts"
import { ids, requests, setup } from "./support.ts"

const decodeStrict = Schema.decodeUnknownExit(Wire.ItemDetails)
const pathOf = (item: Wire.ItemDetails) => (item.path_collection?.entries ?? []).map((f) => f.id)

describe("Client.getFolder / getFile", () => {
  it.live("the owner sees every folder above; the root has none", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const budgets = yield* client.getFolder(ids.budgets)
      assert.deepStrictEqual(requests(sim), [
        {
          method: "GET",
          path: `/folders/${ids.budgets}`,
          query: "?fields=path_collection",
          body: undefined,
          status: 200
        }
      ])
      assert.deepStrictEqual(budgets, {
        type: "folder",
        id: ids.budgets,
        sequence_id: "0",
        etag: "0",
        name: "Budgets 2026",
        path_collection: {
          total_count: 2,
          entries: [
            { type: "folder", id: "0", sequence_id: null, etag: null, name: "All Files" },
            { type: "folder", id: ids.financeFolder, sequence_id: "0", etag: "0", name: "Finance" }
          ]
        }
      })
      assert.deepStrictEqual(pathOf(yield* client.getFile(ids.budgetFile)), ["0", ids.financeFolder, ids.budgets])
      assert.deepStrictEqual(pathOf(yield* client.getFolder(ids.financeFolder)), ["0"])
      const root = yield* client.getFolder("0")
      assert.deepStrictEqual(root.path_collection, { total_count: 0, entries: [] })
      sim.clearLog()
      yield* client.getFile(ids.ndaFile, { fields: ["name", "path_collection"] })
      assert.deepStrictEqual(
        requests(sim).map((r) => `${r.path}${r.query}`),
        [`/files/${ids.ndaFile}?fields=${encodeURIComponent("name,path_collection")}`]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a collaborator sees the folders from the collaborated one down; with can_view_path, all", () =>
    Effect.gen(function* () {
      const { sim, clientAs } = yield* setup()
      sim.addUser({ id: "1010", login: "viewer@example.com" })
      sim.addUser({ id: "1011", login: "pathviewer@example.com" })
      sim.addCollaboration({ item: { type: "folder", id: ids.budgets }, user: "1010", role: "viewer" })
      sim.addCollaboration({
        item: { type: "folder", id: ids.budgets },
        user: "1011",
        role: "viewer",
        canViewPath: true
      })
      const viewer = yield* clientAs("1010")
      assert.deepStrictEqual(pathOf(yield* viewer.getFolder(ids.budgets)), ["0"])
      assert.deepStrictEqual(pathOf(yield* viewer.getFile(ids.budgetFile)), ["0", ids.budgets])
      const pathViewer = yield* clientAs("1011")
      assert.deepStrictEqual(pathOf(yield* pathViewer.getFile(ids.budgetFile)), ["0", ids.financeFolder, ids.budgets])
      // no role on Finance: its name shows through can_view_path, its collaborations do not
      const hidden = yield* Effect.flip(pathViewer.listFolderCollaborationsPage(ids.financeFolder))
      assert.strictEqual(hidden._tag, "NotFound")
      // no role at all on an item: 404
      const denied = yield* Effect.flip(viewer.getFolder(ids.contracts))
      assert.strictEqual(denied._tag, "NotFound")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("ids are checked before any request", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      sim.clearLog()
      for (const bad of [
        client.getFolder("abc"),
        client.getFolder("-1"),
        client.getFile("0"),
        client.getFile("../1")
      ]) {
        const error = yield* Effect.flip(bad)
        assert.strictEqual(error._tag, "InvalidInput")
      }
      assert.deepStrictEqual(sim.log(), [])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("every answer decodes strictly with Wire.ItemDetails", () =>
    Effect.gen(function* () {
      const { sim, token } = yield* setup()
      for (const path of [
        `/folders/${ids.budgets}`,
        `/files/${ids.budgetFile}`,
        "/folders/0",
        `/folders/${ids.contracts}?fields=path_collection`
      ]) {
        const body: unknown = yield* Effect.promise(() =>
          fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json())
        )
        const exit = decodeStrict(body, { onExcessProperty: "error" })
        assert.strictEqual(exit._tag, "Success", `${path}: ${JSON.stringify(body)}`)
      }
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
