/**
 * `createCollaboration` is idempotent: Box's `400 user_already_collaborator` becomes the existing
 * collaboration, found in the item's list with the fewest requests (pages of 1,000, stopping at
 * the page that holds it); an unclear answer to the POST is settled by the same lookup.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Errors from "../src/Errors.ts"
import { crowd, ids, lines, requests, setup } from "./support.ts"

describe("createCollaboration when the grantee already collaborates", () => {
  it.live("returns the existing collaboration as it is: one POST, one page of the item's list", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const existing = yield* client.createCollaboration({
        item: { type: "folder", id: ids.budgets },
        accessible_by: { type: "user", id: ids.grace },
        role: "viewer"
      })
      assert.strictEqual(existing.id, ids.graceCoOwner)
      assert.strictEqual(existing.role, "co-owner") // unchanged: the caller decides what to do about it
      assert.deepStrictEqual(requests(sim), [
        {
          method: "POST",
          path: "/collaborations",
          query: "",
          body: {
            item: { type: "folder", id: ids.budgets },
            accessible_by: { type: "user", id: ids.grace },
            role: "viewer"
          },
          status: 400
        },
        {
          method: "GET",
          path: `/folders/${ids.budgets}/collaborations`,
          query: "?limit=1000",
          body: undefined,
          status: 200
        }
      ])
      assert.strictEqual(sim.log().length, Client.requestBounds.createExisting(0))
      assert.strictEqual(sim.collaborations("folder", ids.budgets).length, 1)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("reads only the pages up to the one that holds it", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const made = crowd(sim, 2_600, { type: "folder", id: ids.budgets })
      // the listing: Grace's (position 0), then the crowd; user10005 sits at 1 + 1_205 = 1_206
      const late = { type: "user", id: String(10_000 + 1_205) } as const
      sim.clearLog()
      const found = yield* client.createCollaboration({
        item: { type: "folder", id: ids.budgets },
        accessible_by: late,
        role: "editor"
      })
      assert.strictEqual(found.id, made[1_205])
      assert.deepStrictEqual(
        lines(sim).map((l) => l.replace(/marker=[^&\s]+/, "marker=…")),
        [
          "POST /collaborations 400",
          `GET /folders/${ids.budgets}/collaborations?limit=1000 200`,
          `GET /folders/${ids.budgets}/collaborations?limit=1000&marker=… 200`
        ]
      )
      assert.strictEqual(sim.log().length, Client.requestBounds.createExisting(1_206))
      sim.clearLog()
      const early = yield* client.createCollaboration({
        item: { type: "folder", id: ids.budgets },
        accessible_by: { type: "user", login: "USER3@example.com" },
        role: "viewer"
      })
      assert.strictEqual(early.id, made[3])
      assert.strictEqual(sim.log().length, Client.requestBounds.createExisting(4))
      assert.strictEqual(sim.log().length, 2)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("finds a group, an email invitation by login, a user invited by id when asked by login", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const group = yield* client.createCollaboration({
        item: { type: "folder", id: ids.financeFolder },
        accessible_by: { type: "group", id: ids.finance },
        role: "viewer"
      })
      assert.strictEqual(group.id, ids.financeGroupCollab)
      const email = yield* client.createCollaboration({
        item: { type: "folder", id: ids.contracts },
        accessible_by: { type: "user", login: "new.partner@PARTNER.example" },
        role: "viewer"
      })
      assert.strictEqual(email.id, ids.emailPending)
      assert.strictEqual(email.invite_email, "new.partner@partner.example")
      const byLogin = yield* client.createCollaboration({
        item: { type: "file", id: ids.ndaFile },
        accessible_by: { type: "user", login: "ada@example.com" },
        role: "previewer"
      })
      assert.strictEqual(byLogin.id, ids.adaPreviewer)
      assert.deepStrictEqual(
        sim.log().map((r) => r.status),
        [400, 200, 400, 200, 400, 200]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("with fields, the lookup also asks for what it needs to recognise the collaboration", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const found = yield* client.createCollaboration(
        { item: { type: "folder", id: ids.budgets }, accessible_by: { type: "user", id: ids.grace }, role: "viewer" },
        { fields: ["role"] }
      )
      assert.deepStrictEqual(found, {
        type: "collaboration",
        id: ids.graceCoOwner,
        role: "co-owner",
        status: "accepted",
        accessible_by: {
          type: "user",
          id: ids.grace,
          name: "Grace Hopper",
          login: "grace@example.com",
          is_active: true
        },
        invite_email: null
      })
      assert.strictEqual(
        new URLSearchParams(requests(sim)[1]?.query).get("fields"),
        "role,status,accessible_by,invite_email"
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("Box says the owner is a collaborator, but no collaboration lists them: Conflict", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const error = yield* Effect.flip(
        client.createCollaboration({
          item: { type: "folder", id: ids.budgets },
          accessible_by: { type: "user", id: ids.owner },
          role: "editor"
        })
      )
      assert.strictEqual(error._tag, "Conflict")
      assert.strictEqual(Errors.codeOf(error), "user_already_collaborator")
      assert.include(error.message, "no pending or accepted collaboration")
      assert.deepStrictEqual(
        sim.log().map((r) => r.status),
        [400, 200]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a create that landed but was answered 503 is found, not made twice", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      sim.inject({ kind: "applied-then-status", status: 503, method: "POST" })
      const created = yield* client.createCollaboration({
        item: { type: "file", id: ids.budgetFile },
        accessible_by: { type: "user", id: ids.erin },
        role: "uploader"
      })
      assert.deepStrictEqual(lines(sim), [
        "POST /collaborations 503",
        `GET /files/${ids.budgetFile}/collaborations?limit=1000 200`
      ])
      assert.strictEqual(created.role, "uploader")
      assert.strictEqual(created.status, "pending")
      assert.deepStrictEqual(
        sim.collaborations("file", ids.budgetFile).map((c) => c.id),
        [created.id]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("As-User is kept for the lookup", () =>
    Effect.gen(function* () {
      const { sim, clientAs } = yield* setup()
      const admin = yield* clientAs(ids.admin)
      const found = yield* admin.createCollaboration(
        { item: { type: "folder", id: ids.budgets }, accessible_by: { type: "user", id: ids.grace }, role: "viewer" },
        { asUser: ids.owner }
      )
      assert.strictEqual(found.id, ids.graceCoOwner)
      assert.deepStrictEqual(
        sim.log().map((r) => [r.principal, r.auth, r.status]),
        [
          [`user:${ids.owner}`, `bearer token=test-${ids.admin} as-user by user:${ids.admin}`, 400],
          [`user:${ids.owner}`, `bearer token=test-${ids.admin} as-user by user:${ids.admin}`, 200]
        ]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("writes whose answer leaves open whether they landed", () => {
  it.live("a delete that landed but was answered 503: the read finds it gone, success", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      sim.inject({ kind: "applied-then-status", status: 503, method: "DELETE" })
      yield* client.deleteCollaboration(ids.adaPreviewer)
      assert.deepStrictEqual(lines(sim), [
        `DELETE /collaborations/${ids.adaPreviewer} 503`,
        `GET /collaborations/${ids.adaPreviewer} 404`
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a delete answered 503 that did not land: read, then sent once more", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      sim.inject({ kind: "status", status: 503, method: "DELETE" })
      yield* client.deleteCollaboration(ids.adaPreviewer)
      assert.deepStrictEqual(lines(sim), [
        `DELETE /collaborations/${ids.adaPreviewer} 503`,
        `GET /collaborations/${ids.adaPreviewer} 200`,
        `DELETE /collaborations/${ids.adaPreviewer} 204`
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("an ownership transfer that landed but was answered 503 is not repeated", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      sim.inject({ kind: "applied-then-status", status: 503, method: "PUT" })
      const result = yield* client.updateCollaboration(ids.graceCoOwner, { role: "owner" })
      assert.deepStrictEqual(result, { _tag: "OwnershipTransferred" })
      assert.deepStrictEqual(lines(sim), [
        `PUT /collaborations/${ids.graceCoOwner} 503`,
        `GET /collaborations/${ids.graceCoOwner} 404`
      ])
      assert.strictEqual(sim.ownerOf("folder", ids.budgets), ids.grace)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a role change is retried (a PUT of the same role is idempotent); a lost answer is settled by a read", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      sim.inject({ kind: "applied-then-status", status: 503, method: "PUT" })
      const result = yield* client.updateCollaboration(ids.graceCoOwner, { role: "editor" })
      assert.strictEqual(result._tag === "Updated" ? result.collaboration.role : undefined, "editor")
      assert.deepStrictEqual(lines(sim), [
        `PUT /collaborations/${ids.graceCoOwner} 503`,
        `PUT /collaborations/${ids.graceCoOwner} 200`
      ])
      sim.clearLog()
      sim.inject({ kind: "applied-then-drop", method: "PUT" })
      const dropped = yield* client.updateCollaboration(ids.graceCoOwner, { role: "viewer" })
      assert.strictEqual(dropped._tag === "Updated" ? dropped.collaboration.role : undefined, "viewer")
      assert.deepStrictEqual(lines(sim), [
        `PUT /collaborations/${ids.graceCoOwner} dropped`,
        `PUT /collaborations/${ids.graceCoOwner} 200`
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
