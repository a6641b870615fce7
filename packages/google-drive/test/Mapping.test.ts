/**
 * The neutral mapping, both ways, on the matrix seed: every grantee type (user, group, domain,
 * anyone; discoverable or not) × role (reader, commenter, writer, fileOrganizer, organizer, owner)
 * × expiry × inheritance (direct, inherited in My Drive without a named source, inherited in a
 * shared drive from a folder or from the drive's membership, granted here and inherited) lists
 * back as exactly the expected shares; each grant writes exactly the documented requests and reads
 * back as the share it returned. Every answer of the simulator decodes with the Wire schemas.
 */
import { assert, describe, it } from "@effect/vitest"
import { type Grantee, type ResourceRef, type Share, ShareStatus, type SharingProvider } from "@unishare/core"
import { Effect, Stream } from "effect"
import * as Provider from "../src/Provider.ts"
import { assertAnswersDecode, driveFixture, inDays, matrix, member, memberId, team } from "./providerSupport.ts"
import { ids, listFields, permissionFields, query, users } from "./support.ts"

type Expected = Omit<Share.Share, "raw">

const strip = ({ raw: _, ...rest }: Share.Share): Expected => rest
const user = (i: number): Grantee.Grantee => ({ _tag: "User", id: memberId(i), email: member(i) })
const group = (i: number): Grantee.Grantee => ({ _tag: "Group", id: team(i), name: `Team ${i}` })
const owner: Grantee.Grantee = { _tag: "User", id: users.owner, email: "owner@example.com" }
const organizer = { provider: "google-drive", kind: "drive", id: matrix.drive } as const
const driveFolder = { provider: "google-drive", kind: "file", id: matrix.driveFolder } as const

describe("list reads every kind, role, expiry and inheritance back exactly", () => {
  it.live("My Drive: direct grants of every kind and role; a folder's grants inherited without a source", () =>
    Effect.gen(function* () {
      const { sim, provider, soon, answers } = yield* driveFixture()
      const domainId = (item: string, domain: string) =>
        sim.permissions(item).find((p) => p.type === "domain" && p.domain === domain)?.id ?? ""
      const on =
        (resource: ResourceRef.ResourceRef) => (id: string, grantee: Grantee.Grantee, level: Share.Share["level"]) => ({
          id,
          resource,
          grantee,
          level,
          status: ShareStatus.active,
          inherited: false
        })
      const fileRef = Provider.file(matrix.file)
      const f = on(fileRef)
      const listed = yield* Stream.runCollect(provider.list(fileRef))
      assert.deepStrictEqual(listed.map(strip), [
        f(users.owner, owner, "owner"),
        f(memberId(5), user(5), "viewer"),
        { ...f(memberId(6), user(6), "viewer"), expiresAt: soon },
        f(memberId(7), user(7), "commenter"),
        { ...f(memberId(8), user(8), "commenter"), expiresAt: soon },
        f(memberId(9), user(9), "editor"),
        { ...f(memberId(10), user(10), "editor"), expiresAt: soon },
        { ...f("40000000000000000001", group(1), "viewer"), expiresAt: soon },
        f("40000000000000000002", group(2), "commenter"),
        f("40000000000000000003", group(3), "editor"),
        f(
          domainId(matrix.file, "example.com"),
          { _tag: "Domain", domain: "example.com", discoverable: true },
          "viewer"
        ),
        f(
          domainId(matrix.file, "partner.example"),
          { _tag: "Domain", domain: "partner.example", discoverable: false },
          "commenter"
        ),
        f("anyoneWithLink", { _tag: "Anyone", discoverable: false }, "viewer"),
        f("anyone", { _tag: "Anyone", discoverable: true }, "commenter")
      ] satisfies ReadonlyArray<Expected>)

      const innerRef = Provider.file(matrix.inner)
      const i = on(innerRef)
      const inherited = { inherited: true } as const
      const inner = yield* Stream.runCollect(provider.list(innerRef))
      assert.deepStrictEqual(inner.map(strip), [
        i(users.owner, owner, "owner"),
        // My Drive never names the folder it comes from: no inheritedFrom
        { ...i(memberId(11), user(11), "editor"), ...inherited },
        { ...i(memberId(12), user(12), "commenter"), ...inherited, expiresAt: soon },
        { ...i("40000000000000000002", group(2), "viewer"), ...inherited },
        {
          ...i(
            domainId(matrix.folder, "example.com"),
            { _tag: "Domain", domain: "example.com", discoverable: false },
            "viewer"
          ),
          ...inherited
        },
        { ...i("anyoneWithLink", { _tag: "Anyone", discoverable: false }, "viewer"), ...inherited }
      ] satisfies ReadonlyArray<Expected>)
      // includeInherited: false leaves only what is granted on the item
      const direct = yield* Stream.runCollect(provider.list(innerRef, { includeInherited: false }))
      assert.deepStrictEqual(
        direct.map((s) => s.id),
        [users.owner]
      )
      assert.isAbove(assertAnswersDecode(answers), 0)
    })
  )

  it.live(
    "shared drive: members at every role (organizer = admin, fileOrganizer a provider role); inheritedFrom names folder or drive",
    () =>
      Effect.gen(function* () {
        const { sim, provider, soon, answers } = yield* driveFixture()
        const driveRef = Provider.sharedDrive(matrix.drive)
        const at =
          (resource: ResourceRef.ResourceRef) =>
          (id: string, grantee: Grantee.Grantee, level: Share.Share["level"]) => ({
            id,
            resource,
            grantee,
            level,
            status: ShareStatus.active,
            inherited: false
          })
        const d = at(driveRef)
        const members = yield* Stream.runCollect(provider.list(driveRef))
        assert.deepStrictEqual(members.map(strip), [
          d(users.owner, owner, "admin"),
          { ...d(memberId(1), user(1), "editor"), providerRole: { name: "fileOrganizer", floor: "editor" } },
          d(memberId(2), user(2), "editor"),
          d(memberId(3), user(3), "commenter"),
          d(memberId(4), user(4), "viewer"),
          d("40000000000000000001", group(1), "viewer")
        ] satisfies ReadonlyArray<Expected>)

        const domainId = sim.permissions(matrix.driveFolder).find((p) => p.type === "domain")?.id ?? ""
        const folderRef = Provider.file(matrix.driveFolder)
        const f = at(folderRef)
        const fromDrive = { inherited: true, inheritedFrom: organizer } as const
        const folder = yield* Stream.runCollect(provider.list(folderRef))
        assert.deepStrictEqual(folder.map(strip), [
          { ...f(users.owner, owner, "admin"), ...fromDrive },
          {
            ...f(memberId(1), user(1), "editor"),
            ...fromDrive,
            providerRole: { name: "fileOrganizer", floor: "editor" }
          },
          // a member at writer granted commenter here: the direct grant, at the role granted here
          f(memberId(2), user(2), "commenter"),
          { ...f(memberId(3), user(3), "commenter"), ...fromDrive },
          { ...f(memberId(4), user(4), "viewer"), ...fromDrive },
          { ...f("40000000000000000001", group(1), "viewer"), ...fromDrive },
          { ...f(memberId(13), user(13), "editor"), providerRole: { name: "fileOrganizer", floor: "editor" } },
          { ...f(memberId(14), user(14), "editor"), expiresAt: soon },
          f("40000000000000000003", group(3), "commenter"),
          f(domainId, { _tag: "Domain", domain: "example.com", discoverable: true }, "viewer"),
          f("anyoneWithLink", { _tag: "Anyone", discoverable: false }, "viewer")
        ] satisfies ReadonlyArray<Expected>)

        const fileRef = Provider.file(matrix.driveFile)
        const g = at(fileRef)
        const fromFolder = { inherited: true, inheritedFrom: driveFolder } as const
        const below = yield* Stream.runCollect(provider.list(fileRef))
        assert.deepStrictEqual(below.map(strip), [
          { ...g(users.owner, owner, "admin"), ...fromDrive },
          {
            ...g(memberId(1), user(1), "editor"),
            ...fromDrive,
            providerRole: { name: "fileOrganizer", floor: "editor" }
          },
          // writer from the drive, commenter from the folder: the higher role, named by its source
          { ...g(memberId(2), user(2), "editor"), ...fromDrive },
          { ...g(memberId(3), user(3), "commenter"), ...fromDrive },
          { ...g(memberId(4), user(4), "viewer"), ...fromDrive },
          { ...g("40000000000000000001", group(1), "viewer"), ...fromDrive },
          {
            ...g(memberId(13), user(13), "editor"),
            ...fromFolder,
            providerRole: { name: "fileOrganizer", floor: "editor" }
          },
          { ...g(memberId(14), user(14), "editor"), ...fromFolder, expiresAt: soon },
          { ...g("40000000000000000003", group(3), "commenter"), ...fromFolder },
          { ...g(domainId, { _tag: "Domain", domain: "example.com", discoverable: true }, "viewer"), ...fromFolder },
          { ...g("anyoneWithLink", { _tag: "Anyone", discoverable: false }, "viewer"), ...fromFolder }
        ] satisfies ReadonlyArray<Expected>)
        // get agrees with list, share by share
        for (const share of below) assert.deepStrictEqual(strip(yield* provider.get(fileRef, share.id)), strip(share))
        assert.isAbove(assertAnswersDecode(answers), 0)
      })
  )

  it.live("an ownership offer (pendingOwner) stays in raw: the share is the writer it is", () =>
    Effect.gen(function* () {
      const { client, provider, answers } = yield* driveFixture({ user: "alice.consumer@gmail.com" })
      yield* client.updatePermission(ids.photos, users.bob, { pendingOwner: true })
      const share = yield* provider.get(Provider.file(ids.photos), users.bob)
      assert.strictEqual(share.level, "editor")
      assert.isUndefined(share.providerRole)
      assert.strictEqual(share.status._tag, "active")
      assert.strictEqual((share.raw as { pendingOwner?: boolean }).pendingOwner, true)
      assertAnswersDecode(answers)
    })
  )
})

interface GrantCase {
  readonly name: string
  /** Where to grant: a fresh item made for the case. */
  readonly on: "my-drive file" | "shared-drive folder" | "shared drive"
  readonly request: SharingProvider.GrantRequest
  readonly body: Record<string, unknown>
  /** `sendNotificationEmail=false` goes out for users and groups only. */
  readonly person: boolean
  readonly share: (id: string) => Partial<Expected>
}

const until = inDays(45)
const levels = [
  ["viewer", "reader"],
  ["commenter", "commenter"],
  ["editor", "writer"]
] as const

const grantCases: ReadonlyArray<GrantCase> = [
  ...levels.flatMap(([level, role], k) =>
    [false, true].map(
      (expiring, e): GrantCase => ({
        name: `user ${level}${expiring ? " until" : ""}`,
        on: "my-drive file",
        request: {
          grantee: { _tag: "User", email: member(20 + 2 * k + e) },
          level,
          ...(expiring ? { expiresAt: until } : {})
        },
        body: {
          type: "user",
          role,
          emailAddress: member(20 + 2 * k + e),
          ...(expiring ? { expirationTime: until } : {})
        },
        person: true,
        share: (id) => ({
          id,
          grantee: user(20 + 2 * k + e),
          level,
          ...(expiring ? { expiresAt: until } : {})
        })
      })
    )
  ),
  ...levels.flatMap(([level, role], k) =>
    [false, true].map(
      (expiring, e): GrantCase => ({
        name: `group ${level}${expiring ? " until" : ""}`,
        on: "my-drive file",
        request: {
          grantee: { _tag: "Group", id: team(2 + 2 * k + e) },
          level,
          ...(expiring ? { expiresAt: until } : {})
        },
        body: {
          type: "group",
          role,
          emailAddress: team(2 + 2 * k + e),
          ...(expiring ? { expirationTime: until } : {})
        },
        person: true,
        share: (id) => ({ id, grantee: group(2 + 2 * k + e), level, ...(expiring ? { expiresAt: until } : {}) })
      })
    )
  ),
  ...levels.flatMap(([level, role], k) =>
    [false, true].map(
      (discoverable, e): GrantCase => ({
        name: `domain ${level}${discoverable ? " discoverable" : ""}`,
        on: "my-drive file",
        request: {
          grantee: { _tag: "Domain", domain: `d${2 * k + e}.example`, discoverable },
          level,
          allowEveryone: true
        },
        body: { type: "domain", role, domain: `d${2 * k + e}.example`, allowFileDiscovery: discoverable },
        person: false,
        share: (id) => ({ id, grantee: { _tag: "Domain", domain: `d${2 * k + e}.example`, discoverable }, level })
      })
    )
  ),
  ...levels.flatMap(([level, role]) =>
    [false, true].map(
      (discoverable): GrantCase => ({
        name: `anyone ${level}${discoverable ? " discoverable" : " with the link"}`,
        on: "my-drive file",
        request: { grantee: { _tag: "Anyone", discoverable }, level, allowAnyone: true },
        body: { type: "anyone", role, allowFileDiscovery: discoverable },
        person: false,
        share: (id) => ({ id, grantee: { _tag: "Anyone", discoverable }, level })
      })
    )
  ),
  {
    name: "anyone without discoverable: link only",
    on: "my-drive file",
    request: { grantee: { _tag: "Anyone" }, level: "viewer", allowAnyone: true },
    body: { type: "anyone", role: "reader", allowFileDiscovery: false },
    person: false,
    share: (id) => ({ id, grantee: { _tag: "Anyone", discoverable: false }, level: "viewer" })
  },
  {
    name: "user fileOrganizer (provider role) on a shared-drive folder",
    on: "shared-drive folder",
    request: { grantee: { _tag: "User", email: member(30) }, level: "editor", providerRole: Provider.fileOrganizer },
    body: { type: "user", role: "fileOrganizer", emailAddress: member(30) },
    person: true,
    share: (id) => ({ id, grantee: user(30), level: "editor", providerRole: Provider.fileOrganizer })
  },
  {
    name: "group fileOrganizer until, on a shared-drive folder",
    on: "shared-drive folder",
    request: {
      grantee: { _tag: "Group", id: team(8) },
      level: "editor",
      providerRole: { name: "fileOrganizer" },
      expiresAt: until
    },
    body: { type: "group", role: "fileOrganizer", emailAddress: team(8), expirationTime: until },
    person: true,
    share: (id) => ({ id, grantee: group(8), level: "editor", providerRole: Provider.fileOrganizer, expiresAt: until })
  },
  {
    name: "user admin (organizer) of a shared drive",
    on: "shared drive",
    request: { grantee: { _tag: "User", email: member(31) }, level: "admin" },
    body: { type: "user", role: "organizer", emailAddress: member(31) },
    person: true,
    share: (id) => ({ id, grantee: user(31), level: "admin" })
  },
  {
    name: "group viewer of a shared drive",
    on: "shared drive",
    request: { grantee: { _tag: "Group", id: team(1) }, level: "viewer" },
    body: { type: "group", role: "reader", emailAddress: team(1) },
    person: true,
    share: (id) => ({ id, grantee: group(1), level: "viewer" })
  }
]

describe("grant writes exactly the documented requests and reads back as it returned", () => {
  it.live("every grantee type × level × expiry or discoverability, fileOrganizer, organizer", () =>
    Effect.gen(function* () {
      const { sim, provider, requests, answers } = yield* driveFixture()
      // a shared drive of its own, so the matrix drive's members are not in the way
      const drive = sim.addDrive({
        name: "Grants",
        organization: "example.com",
        members: [{ email: "owner@example.com", role: "organizer" }]
      })
      for (const c of grantCases) {
        const item =
          c.on === "shared drive"
            ? drive
            : sim.addFile(
                c.on === "my-drive file"
                  ? { name: c.name, owner: "owner@example.com" }
                  : { name: c.name, folder: true, drive: drive.id }
              )
        const resource = c.on === "shared drive" ? Provider.sharedDrive(item.id) : Provider.file(item.id)
        sim.clearLog()
        const share = yield* provider.grant(resource, c.request)
        assert.deepStrictEqual(
          requests(),
          [
            {
              method: "GET",
              path: `/files/${item.id}/permissions`,
              query: query([
                ["supportsAllDrives", true],
                ["pageSize", 100],
                ["fields", listFields]
              ]),
              body: undefined
            },
            {
              method: "POST",
              path: `/files/${item.id}/permissions`,
              query: query([
                ["supportsAllDrives", true],
                ...(c.person ? [["sendNotificationEmail", false] as const] : []),
                ["fields", permissionFields]
              ]),
              body: c.body
            }
          ],
          c.name
        )
        const expected: Expected = {
          id: share.id,
          resource,
          grantee: share.grantee,
          level: share.level,
          status: ShareStatus.active,
          inherited: false,
          ...c.share(share.id)
        }
        assert.deepStrictEqual(strip(share), expected, c.name)
        const listed = (yield* Stream.runCollect(provider.list(resource))).find((s) => s.id === share.id)
        assert.deepStrictEqual(listed === undefined ? undefined : strip(listed), expected, `${c.name}: listed`)
      }
      // Drive emailed nobody: every person grant said sendNotificationEmail=false
      assert.deepStrictEqual(sim.emails(), [])
      assert.isAbove(assertAnswersDecode(answers), 0)
    })
  )

  it.live(
    "an existing grant: the same is returned (one read); another role, expiry or discoverability is changed",
    () =>
      Effect.gen(function* () {
        const { sim, provider, requests, answers, soon } = yield* driveFixture()
        const resource = Provider.file(matrix.file)
        const path = `/files/${matrix.file}/permissions`
        const listRequest = {
          method: "GET",
          path,
          query: query([
            ["supportsAllDrives", true],
            ["pageSize", 100],
            ["fields", listFields]
          ]),
          body: undefined
        }
        const patch = (id: string, body: unknown, removeExpiration = false) => ({
          method: "PATCH",
          path: `${path}/${id}`,
          query: query([
            ["supportsAllDrives", true],
            ...(removeExpiration ? [["removeExpiration", true] as const] : []),
            ["fields", permissionFields]
          ]),
          body
        })
        const step = (request: SharingProvider.GrantRequest) =>
          Effect.gen(function* () {
            sim.clearLog()
            const share = yield* provider.grant(resource, request)
            return { share, log: requests() }
          })
        // the same role and expiry: returned as it is
        const same = yield* step({ grantee: { _tag: "User", email: member(6) }, level: "viewer", expiresAt: soon })
        assert.deepStrictEqual(same.log, [listRequest])
        assert.strictEqual(same.share.id, memberId(6))
        // the same role, expiry dropped: removeExpiration
        const permanent = yield* step({ grantee: { _tag: "User", email: member(6) }, level: "viewer" })
        assert.deepStrictEqual(permanent.log, [listRequest, patch(memberId(6), { role: "reader" }, true)])
        assert.isUndefined(permanent.share.expiresAt)
        // another role and an expiry
        const later = inDays(90)
        const changed = yield* step({ grantee: { _tag: "User", email: member(5) }, level: "editor", expiresAt: later })
        assert.deepStrictEqual(changed.log, [
          listRequest,
          patch(memberId(5), { role: "writer", expirationTime: later })
        ])
        assert.strictEqual(changed.share.level, "editor")
        assert.strictEqual(changed.share.expiresAt, later)
        // a domain whose discoverability changes: replaced (Drive cannot change it in place)
        const domainId = sim.permissions(matrix.file).find((p) => p.domain === "partner.example")?.id ?? ""
        const hidden = yield* step({
          grantee: { _tag: "Domain", domain: "partner.example", discoverable: true },
          level: "commenter",
          allowEveryone: true
        })
        assert.deepStrictEqual(hidden.log, [
          listRequest,
          {
            method: "DELETE",
            path: `${path}/${domainId}`,
            query: query([["supportsAllDrives", true]]),
            body: undefined
          },
          {
            method: "POST",
            path,
            query: query([
              ["supportsAllDrives", true],
              ["fields", permissionFields]
            ]),
            body: { type: "domain", role: "commenter", domain: "partner.example", allowFileDiscovery: true }
          }
        ])
        assert.deepStrictEqual(hidden.share.grantee, { _tag: "Domain", domain: "partner.example", discoverable: true })
        // anyone with the link at another role: PATCHed
        const published = yield* step({
          grantee: { _tag: "Anyone", discoverable: false },
          level: "commenter",
          allowAnyone: true
        })
        assert.deepStrictEqual(published.log, [listRequest, patch("anyoneWithLink", { role: "commenter" })])
        assertAnswersDecode(answers)
      })
  )

  it.live("update: role, expiry (new, removed), provider role; each one PATCH", () =>
    Effect.gen(function* () {
      const { sim, provider, requests, answers } = yield* driveFixture()
      const resource = Provider.file(matrix.driveFolder)
      const path = `/files/${matrix.driveFolder}/permissions/${memberId(14)}`
      const patch = (body: unknown, removeExpiration = false) => [
        {
          method: "PATCH",
          path,
          query: query([
            ["supportsAllDrives", true],
            ...(removeExpiration ? [["removeExpiration", true] as const] : []),
            ["fields", permissionFields]
          ]),
          body
        }
      ]
      const later = inDays(200)
      const run = (level: Share.Share["level"], options?: Parameters<SharingProvider.Shape["update"]>[3]) =>
        Effect.gen(function* () {
          sim.clearLog()
          const share = yield* provider.update(resource, memberId(14), level, options)
          return { share, log: requests() }
        })
      const extended = yield* run("commenter", { expiresAt: later })
      assert.deepStrictEqual(extended.log, patch({ role: "commenter", expirationTime: later }))
      assert.deepStrictEqual([extended.share.level, extended.share.expiresAt], ["commenter", later])
      const permanent = yield* run("commenter", { expiresAt: null })
      assert.deepStrictEqual(permanent.log, patch({ role: "commenter" }, true))
      assert.isUndefined(permanent.share.expiresAt)
      const organizerRole = yield* run("editor", { providerRole: Provider.fileOrganizer })
      assert.deepStrictEqual(organizerRole.log, patch({ role: "fileOrganizer" }))
      assert.deepStrictEqual(organizerRole.share.providerRole, Provider.fileOrganizer)
      const writer = yield* run("editor")
      assert.deepStrictEqual(writer.log, patch({ role: "writer" }))
      assert.isUndefined(writer.share.providerRole)
      assertAnswersDecode(answers)
    })
  )

  it.live("notify: Drive's email goes out with subject and message as its text; never for domain or anyone", () =>
    Effect.gen(function* () {
      const { sim, provider, requests, answers } = yield* driveFixture()
      const item = sim.addFile({ name: "Notified", owner: "owner@example.com" })
      const resource = Provider.file(item.id)
      sim.clearLog()
      yield* provider.grant(resource, {
        grantee: { _tag: "User", email: member(33) },
        level: "commenter",
        notify: { subject: "Q3 plan", message: "Please comment by Friday" }
      })
      assert.deepStrictEqual(
        requests()[1]?.query,
        query([
          ["supportsAllDrives", true],
          ["sendNotificationEmail", true],
          ["emailMessage", "Q3 plan\n\nPlease comment by Friday"],
          ["fields", permissionFields]
        ])
      )
      sim.clearLog()
      yield* provider.grant(resource, {
        grantee: { _tag: "Domain", domain: "example.com" },
        level: "viewer",
        allowEveryone: true,
        notify: { message: "ignored: Drive never emails a domain" }
      })
      assert.deepStrictEqual(
        requests()[1]?.query,
        query([
          ["supportsAllDrives", true],
          ["fields", permissionFields]
        ])
      )
      assert.deepStrictEqual(
        sim.emails().map((e) => [e.kind, e.to, e.message]),
        [["share", member(33), "Q3 plan\n\nPlease comment by Friday"]]
      )
      assertAnswersDecode(answers)
    })
  )
})
