/**
 * Input validation: every malformed argument is `InvalidInput` naming the field, and not one
 * request reaches the simulator.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Errors } from "@unishare/core"
import { Effect, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import type * as Client from "../src/Client.ts"
import type * as Wire from "../src/Wire.ts"
import { ids, setup } from "./support.ts"

const folder = { type: "folder", id: ids.contracts } as const
const grace = { type: "user", id: ids.grace } as const
const body = (patch: Record<string, unknown>) =>
  ({ item: folder, accessible_by: grace, role: "viewer", ...patch }) as unknown as Wire.CreateCollaborationRequest

const cases = (
  client: Client.Client
): ReadonlyArray<readonly [string, Effect.Effect<unknown, Errors.SharingError>, string]> => [
  ["root folder", client.createCollaboration(body({ item: { type: "folder", id: "0" } })), "body.item.id"],
  ["dot segment id", client.createCollaboration(body({ item: { type: "file", id: "../1" } })), "body.item.id"],
  ["web link item", client.createCollaboration(body({ item: { type: "web_link", id: "1" } })), "body.item.type"],
  [
    "id and login",
    client.createCollaboration(body({ accessible_by: { type: "user", id: "1", login: "a@example.com" } })),
    "body.accessible_by.login"
  ],
  [
    "neither id nor login",
    client.createCollaboration(body({ accessible_by: { type: "user" } })),
    "body.accessible_by.id"
  ],
  [
    "group by login",
    client.createCollaboration(body({ accessible_by: { type: "group", login: "g@example.com" } })),
    "body.accessible_by.login"
  ],
  [
    "two emails",
    client.createCollaboration(body({ accessible_by: { type: "user", login: "a@b.co,c@d.co" } })),
    "body.accessible_by.login"
  ],
  [
    "display name",
    client.createCollaboration(body({ accessible_by: { type: "user", login: "Ada <ada@example.com>" } })),
    "body.accessible_by.login"
  ],
  ["owner on create", client.createCollaboration(body({ role: "owner" })), "body.role"],
  ["role with underscore", client.createCollaboration(body({ role: "viewer_uploader" })), "body.role"],
  [
    "can_view_path on a file",
    client.createCollaboration(body({ item: { type: "file", id: ids.ndaFile }, can_view_path: true })),
    "body.can_view_path"
  ],
  ["date without time", client.createCollaboration(body({ expires_at: "2030-01-01" })), "body.expires_at"],
  ["month 13", client.createCollaboration(body({ expires_at: "2030-13-01T00:00:00Z" })), "body.expires_at"],
  ["no time zone", client.createCollaboration(body({ expires_at: "2030-01-01T00:00:00" })), "body.expires_at"],
  ["is_access_only text", client.createCollaboration(body({ is_access_only: "yes" })), "body.is_access_only"],
  ["asUser not an id", client.createCollaboration(body({}), { asUser: "me" }), "options.asUser"],
  ["field name", client.createCollaboration(body({}), { fields: ["Role"] }), "options.fields.0"],
  ["notify text", client.createCollaboration(body({}), { notify: "yes" as never }), "options.notify"],
  ["empty id", client.getCollaboration(""), "collaborationId"],
  ["id with letters", client.getCollaboration("12a"), "collaborationId"],
  ["id with a leading zero", client.getCollaboration("012"), "collaborationId"],
  ["field with a comma", client.getCollaboration("1", { fields: ["role,status"] }), "options.fields.0"],
  ["nothing to update", client.updateCollaboration("1", {} as never), "body"],
  ["unknown role", client.updateCollaboration("1", { role: "admin" as never }), "body.role"],
  ["unknown status", client.updateCollaboration("1", { status: "done" as never }), "body.status"],
  ["bad expiry on update", client.updateCollaboration("1", { expires_at: "tomorrow" }), "body.expires_at"],
  ["dot dot id", client.updateCollaboration("..", { role: "viewer" }), "collaborationId"],
  ["negative id", client.deleteCollaboration("-1"), "collaborationId"],
  ["asUser with a space", client.deleteCollaboration("1", { asUser: " 1" }), "options.asUser"],
  ["folder id", client.listFolderCollaborationsPage("abc"), "folderId"],
  ["limit 0", client.listFolderCollaborationsPage(ids.contracts, { limit: 0 }), "options.limit"],
  ["limit 1001", client.listFolderCollaborationsPage(ids.contracts, { limit: 1001 }), "options.limit"],
  ["limit 1.5", client.listFolderCollaborationsPage(ids.contracts, { limit: 1.5 }), "options.limit"],
  ["empty marker", client.listFolderCollaborationsPage(ids.contracts, { marker: "" }), "options.marker"],
  ["file 0", client.listFileCollaborationsPage("0"), "fileId"],
  ["stream limit", Stream.runCollect(client.listFileCollaborations(ids.ndaFile, { limit: 5000 })), "options.limit"],
  ["stream folder id", Stream.runCollect(client.listFolderCollaborations("1 2")), "folderId"],
  ["offset above 10000", client.listPendingCollaborationsPage({ offset: 10_001 }), "options.offset"],
  ["negative offset", client.listPendingCollaborationsPage({ offset: -1 }), "options.offset"],
  ["NaN limit", Stream.runCollect(client.listPendingCollaborations({ limit: Number.NaN })), "options.limit"],
  ["group id", client.listGroupCollaborationsPage("x"), "groupId"],
  [
    "group stream limit",
    Stream.runCollect(client.listGroupCollaborations(ids.finance, { limit: -5 })),
    "options.limit"
  ],
  ["lookup without a grantee", client.findCollaboration(folder, {} as never), "accessibleBy.type"]
]

describe("input validation", () => {
  it.live("every malformed argument is InvalidInput at its field; no request is sent", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      for (const [name, effect, path] of cases(client)) {
        const error = yield* Effect.flip(effect)
        assert.strictEqual(error._tag, "InvalidInput", name)
        const paths = error._tag === "InvalidInput" ? error.issues.map((i) => i.path) : []
        assert.include(paths, path, `${name}: ${JSON.stringify(paths)}`)
      }
      assert.deepStrictEqual(sim.log(), [])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("the messages say what is expected", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      const root = yield* Effect.flip(client.createCollaboration(body({ item: { type: "folder", id: "0" } })))
      assert.include(root.message, "the root folder (0) cannot be collaborated")
      const owner = yield* Effect.flip(client.createCollaboration(body({ role: "owner" })))
      assert.include(owner.message, "owner is given by an update")
      const offset = yield* Effect.flip(client.listPendingCollaborationsPage({ offset: 20_000 }))
      assert.include(offset.message, "0 … 10000")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
