/**
 * Each client operation against the simulator: the exact request it sends (from the request log)
 * and what it returns.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { ids, requests, setup } from "./support.ts"

describe("Client: exact requests", () => {
  it.live("createCollaboration: a user by id, on a folder, with can_view_path and notify", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const created = yield* client.createCollaboration(
        {
          item: { type: "folder", id: ids.contracts },
          accessible_by: { type: "user", id: ids.grace },
          role: "previewer uploader",
          can_view_path: true
        },
        { notify: true }
      )
      assert.deepStrictEqual(requests(sim), [
        {
          method: "POST",
          path: "/collaborations",
          query: "?notify=true",
          body: {
            item: { type: "folder", id: ids.contracts },
            accessible_by: { type: "user", id: ids.grace },
            role: "previewer uploader",
            can_view_path: true
          },
          status: 201
        }
      ])
      assert.strictEqual(created.role, "previewer uploader")
      assert.strictEqual(created.status, "accepted") // an enterprise user
      assert.deepStrictEqual(created.item, {
        type: "folder",
        id: ids.contracts,
        name: "Contracts",
        etag: "0",
        sequence_id: "0"
      })
      assert.deepStrictEqual(created.accessible_by, {
        type: "user",
        id: ids.grace,
        name: "Grace Hopper",
        login: "grace@example.com",
        is_active: true
      })
      assert.deepStrictEqual(
        sim.notifications().map((n) => [n.to, n.collaborationId]),
        [["grace@example.com", created.id]]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("createCollaboration: every create role, users by login, a group, an email without an account", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const roles = ["editor", "viewer", "previewer", "uploader", "viewer uploader", "co-owner"] as const
      for (const [i, role] of roles.entries()) {
        sim.addUser({ id: String(7000 + i), login: `role${i}@example.com` })
        const c = yield* client.createCollaboration({
          item: { type: "file", id: ids.budgetFile },
          accessible_by: { type: "user", login: `Role${i}@Example.com` },
          role
        })
        assert.strictEqual(c.role, role)
        assert.strictEqual(c.accessible_by?.id, String(7000 + i))
      }
      const group = yield* client.createCollaboration({
        item: { type: "folder", id: ids.contracts },
        accessible_by: { type: "group", id: ids.allUsers },
        role: "viewer"
      })
      assert.deepStrictEqual(group.accessible_by, {
        type: "group",
        id: ids.allUsers,
        name: "All Users",
        group_type: "all_users_group"
      })
      sim.clearLog()
      const invite = yield* client.createCollaboration(
        {
          item: { type: "folder", id: ids.budgets },
          accessible_by: { type: "user", login: "someone@partner.example" },
          role: "viewer",
          is_access_only: true
        },
        { fields: ["role", "status", "invite_email", "accessible_by", "item"] }
      )
      assert.deepStrictEqual(requests(sim), [
        {
          method: "POST",
          path: "/collaborations",
          query: `?fields=${encodeURIComponent("role,status,invite_email,accessible_by,item")}`,
          body: {
            item: { type: "folder", id: ids.budgets },
            accessible_by: { type: "user", login: "someone@partner.example" },
            role: "viewer",
            is_access_only: true
          },
          status: 201
        }
      ])
      // the fields asked for and the mini representation, nothing else; pending: no item yet
      assert.deepStrictEqual(invite, {
        type: "collaboration",
        id: invite.id,
        role: "viewer",
        status: "pending",
        invite_email: "someone@partner.example",
        accessible_by: null,
        item: null
      })
      assert.deepStrictEqual(sim.notifications(), [])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("createCollaboration with expires_at, where the enterprise allows it", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      sim.setSettings({ collaborationExpiry: { enabledAt: "2020-01-01T00:00:00Z" } })
      const c = yield* client.createCollaboration({
        item: { type: "folder", id: ids.contracts },
        accessible_by: { type: "user", id: ids.grace },
        role: "editor",
        expires_at: "2099-08-29T23:59:00-07:00"
      })
      assert.strictEqual(Date.parse(c.expires_at ?? ""), Date.parse("2099-08-29T23:59:00-07:00"))
      assert.deepStrictEqual(requests(sim)[0]?.body, {
        item: { type: "folder", id: ids.contracts },
        accessible_by: { type: "user", id: ids.grace },
        role: "editor",
        expires_at: "2099-08-29T23:59:00-07:00"
      })
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("getCollaboration, with and without fields", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const full = yield* client.getCollaboration(ids.graceCoOwner)
      assert.strictEqual(full.role, "co-owner")
      assert.strictEqual(full.item?.id, ids.budgets)
      const some = yield* client.getCollaboration(ids.erinPending, {
        fields: ["status", "acceptance_requirements_status"]
      })
      assert.deepStrictEqual(some, {
        type: "collaboration",
        id: ids.erinPending,
        status: "pending",
        acceptance_requirements_status: {
          terms_of_service_requirement: { is_accepted: null },
          strong_password_requirement: {
            enterprise_has_strong_password_required_for_external_users: false,
            user_has_strong_password: null
          },
          two_factor_authentication_requirement: {
            enterprise_has_two_factor_auth_enabled: false,
            user_has_two_factor_authentication_enabled: null
          }
        }
      })
      assert.deepStrictEqual(requests(sim), [
        { method: "GET", path: `/collaborations/${ids.graceCoOwner}`, query: "", body: undefined, status: 200 },
        {
          method: "GET",
          path: `/collaborations/${ids.erinPending}`,
          query: `?fields=${encodeURIComponent("status,acceptance_requirements_status")}`,
          body: undefined,
          status: 200
        }
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("updateCollaboration: role and can_view_path; expiry where allowed", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      sim.setSettings({ collaborationExpiry: { enabledAt: "2000-01-01T00:00:00Z" } })
      const result = yield* client.updateCollaboration(ids.graceCoOwner, {
        role: "viewer uploader",
        can_view_path: false
      })
      assert.strictEqual(result._tag, "Updated")
      assert.strictEqual(result._tag === "Updated" ? result.collaboration.role : undefined, "viewer uploader")
      const expiring = yield* client.updateCollaboration(ids.graceCoOwner, { expires_at: "2099-01-01T00:00:00Z" })
      assert.strictEqual(
        expiring._tag === "Updated" ? Date.parse(expiring.collaboration.expires_at ?? "") : 0,
        Date.parse("2099-01-01T00:00:00Z")
      )
      assert.deepStrictEqual(requests(sim), [
        {
          method: "PUT",
          path: `/collaborations/${ids.graceCoOwner}`,
          query: "",
          body: { role: "viewer uploader", can_view_path: false },
          status: 200
        },
        {
          method: "PUT",
          path: `/collaborations/${ids.graceCoOwner}`,
          query: "",
          body: { expires_at: "2099-01-01T00:00:00Z" },
          status: 200
        }
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("updateCollaboration: the invitee accepts or rejects a pending invitation (status only)", () =>
    Effect.gen(function* () {
      const { sim, clientAs } = yield* setup()
      const erin = yield* clientAs(ids.erin)
      const pending = yield* Stream.runCollect(erin.listPendingCollaborations())
      assert.deepStrictEqual(
        pending.map((c) => [c.id, c.status, c.item]),
        [[ids.erinPending, "pending", null]]
      )
      sim.clearLog()
      const accepted = yield* erin.updateCollaboration(ids.erinPending, { status: "accepted" })
      assert.strictEqual(accepted._tag === "Updated" ? accepted.collaboration.status : undefined, "accepted")
      assert.strictEqual(accepted._tag === "Updated" ? accepted.collaboration.item?.id : undefined, ids.contracts)
      assert.deepStrictEqual(requests(sim), [
        {
          method: "PUT",
          path: `/collaborations/${ids.erinPending}`,
          query: "",
          body: { status: "accepted" },
          status: 200
        }
      ])
      assert.strictEqual(sim.roleOf(ids.erin, "file", ids.ndaFile), "viewer uploader")
      // a second answer is refused: no longer pending
      const again = yield* Effect.flip(erin.updateCollaboration(ids.erinPending, { status: "rejected" }))
      assert.strictEqual(again._tag, "Conflict")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live(
    "updateCollaboration role owner: 204, ownership moves, the old owner is co-owner on a new collaboration",
    () =>
      Effect.gen(function* () {
        const { sim, client } = yield* setup()
        const before = sim.collaborations("folder", ids.budgets)
        const result = yield* client.updateCollaboration(ids.graceCoOwner, { role: "owner" })
        assert.deepStrictEqual(result, { _tag: "OwnershipTransferred" })
        assert.deepStrictEqual(requests(sim), [
          {
            method: "PUT",
            path: `/collaborations/${ids.graceCoOwner}`,
            query: "",
            body: { role: "owner" },
            status: 204
          }
        ])
        assert.strictEqual(sim.ownerOf("folder", ids.budgets), ids.grace)
        assert.strictEqual(sim.ownerOf("file", ids.budgetFile), ids.grace) // what was below and the old owner's
        assert.strictEqual(sim.ownerOf("folder", ids.financeFolder), ids.owner)
        const after = sim.collaborations("folder", ids.budgets)
        assert.strictEqual(before.length, 1)
        assert.strictEqual(after.length, 1)
        assert.notStrictEqual(after[0]?.id, ids.graceCoOwner)
        assert.deepStrictEqual([after[0]?.accessible_by?.id, after[0]?.role], [ids.owner, "co-owner"])
        // the old id is gone: repeating the transfer is a 404
        const again = yield* Effect.flip(client.getCollaboration(ids.graceCoOwner))
        assert.strictEqual(again._tag, "NotFound")
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("deleteCollaboration: DELETE, 204, gone", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      yield* client.deleteCollaboration(ids.adaPreviewer)
      assert.deepStrictEqual(requests(sim), [
        { method: "DELETE", path: `/collaborations/${ids.adaPreviewer}`, query: "", body: undefined, status: 204 }
      ])
      assert.strictEqual(sim.collaboration(ids.adaPreviewer), undefined)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("lists: folder and file pages, the pending list, a group's list", () =>
    Effect.gen(function* () {
      const { sim, client, clientAs } = yield* setup()
      const folder = yield* client.listFolderCollaborationsPage(ids.contracts, { limit: 10, fields: ["status"] })
      assert.deepStrictEqual(folder, {
        limit: 10,
        next_marker: null,
        prev_marker: null,
        entries: [
          { type: "collaboration", id: ids.erinPending, status: "pending" },
          { type: "collaboration", id: ids.emailPending, status: "pending" }
        ]
      })
      const file = yield* client.listFileCollaborationsPage(ids.ndaFile)
      assert.deepStrictEqual(
        file.entries.map((c) => [c.id, c.role]),
        [[ids.adaPreviewer, "previewer"]]
      )
      const admin = yield* clientAs(ids.admin)
      const group = yield* admin.listGroupCollaborationsPage(ids.finance, { offset: 0, limit: 5 })
      assert.deepStrictEqual(
        [group.total_count, group.offset, group.limit, group.entries.map((c) => c.id)],
        [1, 0, 5, [ids.financeGroupCollab]]
      )
      const mine = yield* client.listPendingCollaborationsPage({ offset: 0, limit: 3 })
      assert.deepStrictEqual([mine.total_count, mine.entries], [0, []])
      assert.deepStrictEqual(requests(sim), [
        {
          method: "GET",
          path: `/folders/${ids.contracts}/collaborations`,
          query: "?fields=status&limit=10",
          body: undefined,
          status: 200
        },
        { method: "GET", path: `/files/${ids.ndaFile}/collaborations`, query: "", body: undefined, status: 200 },
        {
          method: "GET",
          path: `/groups/${ids.finance}/collaborations`,
          query: "?offset=0&limit=5",
          body: undefined,
          status: 200
        },
        {
          method: "GET",
          path: "/collaborations",
          query: "?status=pending&offset=0&limit=3",
          body: undefined,
          status: 200
        }
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("findCollaboration: a pending invitation of an email, found by login", () =>
    Effect.gen(function* () {
      const { client } = yield* setup()
      const found = yield* client.findCollaboration(
        { type: "folder", id: ids.contracts },
        { type: "user", login: "New.Partner@partner.example" }
      )
      assert.strictEqual(Option.getOrUndefined(found)?.id, ids.emailPending)
      const none = yield* client.findCollaboration(
        { type: "folder", id: ids.contracts },
        { type: "group", id: ids.finance }
      )
      assert.isTrue(Option.isNone(none))
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
