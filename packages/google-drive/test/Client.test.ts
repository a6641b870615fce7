/**
 * Each client operation against the simulator: the exact requests (method, path, query in the
 * client's order, body) from the simulator's log, and what they did to the simulated state.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { fixture, ids, listFields, permissionFields, query, requests, users } from "./support.ts"

const inAWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString()
const direct = [{ permissionType: "file", role: "reader", inherited: false }]

describe("listPermissions", () => {
  it.live("one page: supportsAllDrives, pageSize 100, every field; My Drive inheritance without inheritedFrom", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const page = yield* client.listPermissionsPage(ids.plan)
      assert.strictEqual(page.kind, "drive#permissionList")
      assert.strictEqual(page.nextPageToken, undefined)
      assert.deepStrictEqual(page.permissions, [
        {
          kind: "drive#permission",
          id: users.owner,
          type: "user",
          role: "owner",
          emailAddress: "owner@example.com",
          domain: "example.com",
          displayName: "Olivia Owner",
          deleted: false,
          pendingOwner: false,
          permissionDetails: [{ permissionType: "file", role: "owner", inherited: false }]
        },
        {
          kind: "drive#permission",
          id: users.ada,
          type: "user",
          role: "writer",
          emailAddress: "ada@example.com",
          domain: "example.com",
          displayName: "Ada Lovelace",
          deleted: false,
          pendingOwner: false,
          // inherited from the Projects folder; My Drive never says from where
          permissionDetails: [{ permissionType: "file", role: "writer", inherited: true }]
        }
      ])
      assert.deepStrictEqual(requests(sim), [
        {
          method: "GET",
          path: `/files/${ids.plan}/permissions`,
          query: query([
            ["supportsAllDrives", true],
            ["pageSize", 100],
            ["fields", listFields]
          ]),
          body: undefined,
          status: 200
        }
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("shared drive: members inherited from the drive, folder grants from the folder, with inheritedFrom", () =>
    Effect.gen(function* () {
      const { client } = yield* fixture()
      const all = yield* Stream.runCollect(client.listPermissions(ids.q3))
      assert.deepStrictEqual(
        Array.from(all).map((p) => [p.id, p.type, p.role, p.permissionDetails]),
        [
          [
            users.owner,
            "user",
            "organizer",
            [{ permissionType: "member", role: "organizer", inheritedFrom: ids.financeDrive, inherited: true }]
          ],
          [
            users.finance,
            "group",
            "writer",
            [{ permissionType: "member", role: "writer", inheritedFrom: ids.financeDrive, inherited: true }]
          ],
          [
            users.linus,
            "user",
            "reader",
            [{ permissionType: "file", role: "reader", inheritedFrom: ids.reports, inherited: true }]
          ]
        ]
      )
      // the drive itself lists its members as direct "member" grants
      const members = yield* Stream.runCollect(client.listPermissions(ids.financeDrive))
      assert.deepStrictEqual(
        Array.from(members).map((p) => p.permissionDetails),
        [
          [{ permissionType: "member", role: "organizer", inherited: false }],
          [{ permissionType: "member", role: "writer", inherited: false }]
        ]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a direct grant on top of an inherited one: one permission, both sources, the higher role", () =>
    Effect.gen(function* () {
      const { client } = yield* fixture()
      yield* client
        .createPermission(
          ids.q3,
          { type: "group", role: "fileOrganizer", emailAddress: "finance@example.com" },
          { sendNotificationEmail: false }
        )
        .pipe(Effect.flip) // fileOrganizer is refused on a file …
      const created = yield* client.createPermission(
        ids.reports,
        { type: "group", role: "fileOrganizer", emailAddress: "finance@example.com" },
        { sendNotificationEmail: false }
      ) // … and allowed on a folder
      assert.strictEqual(created.id, users.finance)
      assert.strictEqual(created.role, "fileOrganizer")
      assert.deepStrictEqual(created.permissionDetails, [
        { permissionType: "member", role: "writer", inheritedFrom: ids.financeDrive, inherited: true },
        { permissionType: "file", role: "fileOrganizer", inherited: false }
      ])
      const onFile = yield* client.getPermission(ids.q3, users.finance)
      assert.strictEqual(onFile.role, "fileOrganizer")
      assert.deepStrictEqual(
        onFile.permissionDetails?.map((d) => d.inheritedFrom),
        [ids.financeDrive, ids.reports]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("useDomainAdminAccess and includePermissionsForView are sent as given", () =>
    Effect.gen(function* () {
      const { sim, as } = yield* fixture()
      const admin = yield* as("admin@example.com")
      sim.clearLog()
      const page = yield* admin.listPermissionsPage(ids.financeDrive, {
        pageSize: 10,
        useDomainAdminAccess: true,
        includePermissionsForView: "published"
      })
      assert.strictEqual(page.permissions.length, 2)
      assert.strictEqual(
        requests(sim)[0]?.query,
        query([
          ["supportsAllDrives", true],
          ["pageSize", 10],
          ["includePermissionsForView", "published"],
          ["useDomainAdminAccess", true],
          ["fields", listFields]
        ])
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("getPermission", () => {
  it.live("GET /files/{fileId}/permissions/{permissionId} with every field", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const link = yield* client.getPermission(ids.budget, "anyoneWithLink")
      assert.deepStrictEqual(link, {
        kind: "drive#permission",
        id: "anyoneWithLink",
        type: "anyone",
        role: "reader",
        allowFileDiscovery: false,
        permissionDetails: direct
      })
      assert.deepStrictEqual(requests(sim), [
        {
          method: "GET",
          path: `/files/${ids.budget}/permissions/anyoneWithLink`,
          query: query([
            ["supportsAllDrives", true],
            ["fields", permissionFields]
          ]),
          body: undefined,
          status: 200
        }
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("createPermission", () => {
  it.live("user: the body, sendNotificationEmail and emailMessage in the query; the email is sent", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const created = yield* client.createPermission(
        ids.budget,
        { type: "user", role: "reader", emailAddress: "grace@example.com" },
        { sendNotificationEmail: true, emailMessage: "Budget for Q3 & Q4" }
      )
      assert.deepStrictEqual(
        [created.id, created.type, created.role, created.emailAddress, created.permissionDetails],
        [users.grace, "user", "reader", "grace@example.com", direct]
      )
      assert.deepStrictEqual(requests(sim), [
        {
          method: "POST",
          path: `/files/${ids.budget}/permissions`,
          query: query([
            ["supportsAllDrives", true],
            ["sendNotificationEmail", true],
            ["emailMessage", "Budget for Q3 & Q4"],
            ["fields", permissionFields]
          ]),
          body: { type: "user", role: "reader", emailAddress: "grace@example.com" },
          status: 200
        }
      ])
      assert.deepStrictEqual(sim.emails(), [
        {
          kind: "share",
          to: "grace@example.com",
          from: "owner@example.com",
          file: ids.budget,
          message: "Budget for Q3 & Q4"
        }
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("group, domain, anyone with the link, public anyone: ids per grantee, no notification where off", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const group = yield* client.createPermission(
        ids.plan,
        { type: "group", role: "commenter", emailAddress: "finance@example.com" },
        { sendNotificationEmail: false }
      )
      const domain = yield* client.createPermission(ids.plan, {
        type: "domain",
        role: "reader",
        domain: "example.com",
        allowFileDiscovery: true
      })
      const link = yield* client.createPermission(ids.plan, {
        type: "anyone",
        role: "reader",
        allowFileDiscovery: false
      })
      const open = yield* client.createPermission(ids.budget, {
        type: "anyone",
        role: "commenter",
        allowFileDiscovery: true
      })
      assert.deepStrictEqual(
        [group, domain, link, open].map((p) => [
          p.id,
          p.type,
          p.role,
          p.emailAddress ?? p.domain ?? p.allowFileDiscovery
        ]),
        [
          [users.finance, "group", "commenter", "finance@example.com"],
          [domain.id, "domain", "reader", "example.com"],
          ["anyoneWithLink", "anyone", "reader", false],
          ["anyone", "anyone", "commenter", true]
        ]
      )
      assert.match(domain.id, /^\d+k$/)
      assert.deepStrictEqual(
        requests(sim).map((r) => [r.query, r.body]),
        [
          [
            query([
              ["supportsAllDrives", true],
              ["sendNotificationEmail", false],
              ["fields", permissionFields]
            ]),
            { type: "group", role: "commenter", emailAddress: "finance@example.com" }
          ],
          [
            query([
              ["supportsAllDrives", true],
              ["fields", permissionFields]
            ]),
            { type: "domain", role: "reader", domain: "example.com", allowFileDiscovery: true }
          ],
          [
            query([
              ["supportsAllDrives", true],
              ["fields", permissionFields]
            ]),
            { type: "anyone", role: "reader", allowFileDiscovery: false }
          ],
          [
            query([
              ["supportsAllDrives", true],
              ["fields", permissionFields]
            ]),
            { type: "anyone", role: "commenter", allowFileDiscovery: true }
          ]
        ]
      )
      assert.deepStrictEqual(sim.emails(), [])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live(
    "every role where Drive has it: reader, commenter, writer in My Drive; fileOrganizer, organizer in a shared drive",
    () =>
      Effect.gen(function* () {
        const { sim, client } = yield* fixture()
        const grant = (
          fileId: string,
          role: "reader" | "commenter" | "writer" | "fileOrganizer" | "organizer",
          email: string
        ) =>
          client.createPermission(fileId, { type: "user", role, emailAddress: email }, { sendNotificationEmail: false })
        const made = [
          yield* grant(ids.budget, "reader", "grace@example.com"),
          yield* grant(ids.budget, "commenter", "ada@example.com"),
          yield* grant(ids.budget, "writer", "linus@partner.example"),
          yield* grant(ids.reports, "fileOrganizer", "grace@example.com"),
          yield* grant(ids.financeDrive, "organizer", "ada@example.com")
        ]
        assert.deepStrictEqual(
          made.map((p) => p.role),
          ["reader", "commenter", "writer", "fileOrganizer", "organizer"]
        )
        assert.deepStrictEqual(
          requests(sim).map((r) => [r.method, r.path, r.status]),
          [
            ["POST", `/files/${ids.budget}/permissions`, 200],
            ["POST", `/files/${ids.budget}/permissions`, 200],
            ["POST", `/files/${ids.budget}/permissions`, 200],
            ["POST", `/files/${ids.reports}/permissions`, 200],
            ["POST", `/files/${ids.financeDrive}/permissions`, 200]
          ]
        )
        // the new organizer reaches everything in the drive
        const q3 = sim.permissions(ids.q3).find((p) => p.id === users.ada)
        assert.deepStrictEqual(q3?.permissionDetails, [
          { permissionType: "member", role: "organizer", inheritedFrom: ids.financeDrive, inherited: true }
        ])
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("expirationTime on a user grant is sent in the body and kept", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const at = inAWeek()
      const created = yield* client.createPermission(
        ids.budget,
        { type: "user", role: "reader", emailAddress: "grace@example.com", expirationTime: at },
        { sendNotificationEmail: false }
      )
      assert.strictEqual(created.expirationTime, at)
      assert.deepStrictEqual(requests(sim)[0]?.body, {
        type: "user",
        role: "reader",
        emailAddress: "grace@example.com",
        expirationTime: at
      })
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live(
    "ownership transfer in one organization: transferOwnership and moveToNewOwnersRoot; the old owner becomes a writer",
    () =>
      Effect.gen(function* () {
        const { sim, client } = yield* fixture()
        const owner = yield* client.createPermission(
          ids.budget,
          { type: "user", role: "owner", emailAddress: "ada@example.com" },
          { transferOwnership: true, moveToNewOwnersRoot: true }
        )
        assert.deepStrictEqual([owner.id, owner.role], [users.ada, "owner"])
        assert.deepStrictEqual(requests(sim), [
          {
            method: "POST",
            path: `/files/${ids.budget}/permissions`,
            query: query([
              ["supportsAllDrives", true],
              ["transferOwnership", true],
              ["moveToNewOwnersRoot", true],
              ["fields", permissionFields]
            ]),
            body: { type: "user", role: "owner", emailAddress: "ada@example.com" },
            status: 200
          }
        ])
        const roles = Object.fromEntries(sim.permissions(ids.budget).map((p) => [p.id, p.role]))
        assert.strictEqual(roles[users.ada], "owner")
        assert.strictEqual(roles[users.owner], "writer")
        assert.deepStrictEqual(sim.item(ids.budget)?.parents, [`root-${users.ada}`])
        assert.strictEqual(sim.item(ids.budget)?.owner, "ada@example.com")
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("updatePermission", () => {
  it.live("PATCH sends only the change: role, expirationTime, then removeExpiration", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const finance = users.finance
      const role = yield* client.updatePermission(ids.budget, finance, { role: "writer" })
      assert.strictEqual(role.role, "writer")
      const at = inAWeek()
      const expiring = yield* client.updatePermission(ids.budget, finance, { expirationTime: at })
      assert.strictEqual(expiring.expirationTime, at)
      const cleared = yield* client.updatePermission(ids.budget, finance, {}, { removeExpiration: true })
      assert.strictEqual(cleared.expirationTime, undefined)
      const path = `/files/${ids.budget}/permissions/${finance}`
      assert.deepStrictEqual(requests(sim), [
        {
          method: "PATCH",
          path,
          query: query([
            ["supportsAllDrives", true],
            ["fields", permissionFields]
          ]),
          body: { role: "writer" },
          status: 200
        },
        {
          method: "PATCH",
          path,
          query: query([
            ["supportsAllDrives", true],
            ["fields", permissionFields]
          ]),
          body: { expirationTime: at },
          status: 200
        },
        {
          method: "PATCH",
          path,
          query: query([
            ["supportsAllDrives", true],
            ["removeExpiration", true],
            ["fields", permissionFields]
          ]),
          body: {},
          status: 200
        }
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("transferOwnership on PATCH: the writer becomes the owner, the owner a writer", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      yield* client.createPermission(
        ids.budget,
        { type: "user", role: "writer", emailAddress: "grace@example.com" },
        { sendNotificationEmail: false }
      )
      sim.clearLog()
      const owner = yield* client.updatePermission(
        ids.budget,
        users.grace,
        { role: "owner" },
        { transferOwnership: true }
      )
      assert.strictEqual(owner.role, "owner")
      assert.deepStrictEqual(requests(sim), [
        {
          method: "PATCH",
          path: `/files/${ids.budget}/permissions/${users.grace}`,
          query: query([
            ["supportsAllDrives", true],
            ["transferOwnership", true],
            ["fields", permissionFields]
          ]),
          body: { role: "owner" },
          status: 200
        }
      ])
      assert.strictEqual(sim.permissions(ids.budget).find((p) => p.id === users.owner)?.role, "writer")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live(
    "consumer accounts: the owner offers (pendingOwner on a writer), the new owner accepts with its own credentials — two requests",
    () =>
      Effect.gen(function* () {
        const { sim, as } = yield* fixture()
        const alice = yield* as("alice.consumer@gmail.com")
        const bob = yield* as("bob.consumer@gmail.com")
        sim.clearLog()
        const offered = yield* alice.updatePermission(ids.photos, users.bob, { pendingOwner: true })
        assert.deepStrictEqual([offered.role, offered.pendingOwner], ["writer", true])
        const accepted = yield* bob.updatePermission(
          ids.photos,
          users.bob,
          { role: "owner" },
          { transferOwnership: true }
        )
        assert.deepStrictEqual([accepted.role, accepted.pendingOwner], ["owner", false])
        assert.deepStrictEqual(
          requests(sim).map((r) => [r.method, r.path, r.body, r.status]),
          [
            ["PATCH", `/files/${ids.photos}/permissions/${users.bob}`, { pendingOwner: true }, 200],
            ["PATCH", `/files/${ids.photos}/permissions/${users.bob}`, { role: "owner" }, 200]
          ]
        )
        assert.deepStrictEqual(
          sim.log().map((r) => r.principal.split("/")[0]),
          [`user:${users.alice}`, `user:${users.bob}`]
        )
        assert.strictEqual(sim.permissions(ids.photos).find((p) => p.id === users.alice)?.role, "writer")
        assert.deepStrictEqual(
          sim.emails().map((e) => [e.kind, e.to]),
          [
            ["ownershipOffer", "bob.consumer@gmail.com"],
            ["ownershipTransferred", "alice.consumer@gmail.com"]
          ]
        )
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("deletePermission", () => {
  it.live("DELETE answers 204; the permission is gone", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      yield* client.deletePermission(ids.budget, "anyoneWithLink")
      assert.deepStrictEqual(requests(sim), [
        {
          method: "DELETE",
          path: `/files/${ids.budget}/permissions/anyoneWithLink`,
          query: query([["supportsAllDrives", true]]),
          body: undefined,
          status: 204
        }
      ])
      assert.isFalse(sim.permissions(ids.budget).some((p) => p.id === "anyoneWithLink"))
      const again = yield* Effect.flip(client.deletePermission(ids.budget, "anyoneWithLink"))
      assert.strictEqual(again._tag, "NotFound")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("enforceExpansiveAccess and useDomainAdminAccess pass through", () =>
    Effect.gen(function* () {
      const { sim, as } = yield* fixture()
      const admin = yield* as("admin@example.com")
      sim.clearLog()
      yield* admin.deletePermission(ids.financeDrive, users.finance, {
        useDomainAdminAccess: true,
        enforceExpansiveAccess: false
      })
      assert.strictEqual(
        requests(sim)[0]?.query,
        query([
          ["supportsAllDrives", true],
          ["useDomainAdminAccess", true],
          ["enforceExpansiveAccess", false]
        ])
      )
      // the group's access to everything in the drive went with its membership
      assert.isFalse(sim.permissions(ids.q3).some((p) => p.id === users.finance))
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
