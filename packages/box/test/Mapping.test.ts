/**
 * The neutral mapping, both ways, on the matrix seed: every grantee type (user, pending external
 * user, email without an account, managed group, the all-users group) × role (viewer, editor,
 * co-owner, previewer, uploader, previewer uploader, viewer uploader) × expiry × status (accepted,
 * pending, rejected) × inheritance (direct, from the parent folder, from the folder above it) lists
 * back as exactly the expected shares; each grant writes exactly the documented request and reads
 * back as the share it returned. Every answer of the simulator decodes with the Wire schemas.
 */
import { assert, describe, it } from "@effect/vitest"
import { Grantee, type ResourceRef, type Share, ShareStatus, type SharingProvider } from "@unishare/core"
import { Effect, Stream } from "effect"
import * as Provider from "../src/Provider.ts"
import { boxFixture, inDays, matrix } from "./providerSupport.ts"
import { ids } from "./support.ts"

type Expected = Omit<Share.Share, "raw" | "createdAt" | "updatedAt">

const strip = ({ raw: _, createdAt: _c, updatedAt: _u, ...rest }: Share.Share): Expected => rest
/** Box writes an instant with an offset: `…Z` comes back as `…+00:00`. */
const boxTime = (instant: string) => instant.replace(/Z$/, "+00:00")
const member = (i: number): Grantee.Grantee => Grantee.user({ id: matrix.memberId(i), email: matrix.member(i) })
const team = Grantee.group(matrix.team, "Team")
const finance = Grantee.group(ids.finance, "Finance")
const folderAt = (id: string): ResourceRef.ResourceRef => ({ provider: "box", kind: "folder", id })

const on =
  (resource: ResourceRef.ResourceRef) =>
  (
    id: string,
    grantee: Grantee.Grantee,
    level: Share.Share["level"],
    extra: Partial<Pick<Share.Share, "status" | "expiresAt" | "providerRole" | "inheritedFrom">> = {}
  ): Expected => ({
    id,
    resource,
    grantee,
    level,
    status: extra.status ?? ShareStatus.active,
    inherited: extra.inheritedFrom !== undefined,
    ...extra
  })

/** The matrix folder's collaborations as shares of `resource` (inherited from the folder unless `resource` is it). */
const matrixFolderShares = (resource: ResourceRef.ResourceRef, soon: string): ReadonlyArray<Expected> => {
  const from = resource.id === matrix.folder ? {} : { inheritedFrom: folderAt(matrix.folder) }
  const s = on(resource)
  const expiresAt = boxTime(soon)
  return [
    s("8001", member(1), "viewer", from),
    s("8002", member(2), "editor", from),
    s("8003", member(3), "admin", from),
    s("8004", member(4), "viewer", { ...from, providerRole: Provider.previewer }),
    s("8005", member(5), "viewer", { ...from, providerRole: Provider.uploader }),
    s("8006", member(6), "viewer", { ...from, providerRole: Provider.previewerUploader }),
    s("8007", member(7), "viewer", { ...from, providerRole: Provider.viewerUploader }),
    s("8008", member(8), "editor", { ...from, expiresAt }),
    s("8009", team, "viewer", { ...from, expiresAt }),
    s("8010", finance, "editor", from),
    s("8011", Grantee.everyone, "viewer", from),
    // pending: an external user (Box shows the login, not the name), an email without an account
    s("8012", Grantee.user({ id: matrix.partner, email: matrix.partnerLogin }), "viewer", {
      ...from,
      status: ShareStatus.invited,
      providerRole: Provider.viewerUploader
    }),
    s("8013", Grantee.user({ email: "newcomer@partner.example" }), "editor", {
      ...from,
      status: ShareStatus.invited,
      expiresAt
    })
    // 8014 was rejected: Box's lists leave it out
  ]
}

const listed = (
  provider: SharingProvider.Shape,
  resource: ResourceRef.ResourceRef,
  options?: SharingProvider.ListOptions
) => Effect.map(Stream.runCollect(provider.list(resource, options)), (all) => all.map(strip))

describe("list reads every grantee, role, expiry, status and inheritance back exactly", () => {
  it.live("a folder's own collaborations: every kind and role, expiring, pending; rejected left out", () =>
    Effect.gen(function* () {
      const { provider, soon } = yield* boxFixture()
      const resource = Provider.folder(matrix.folder)
      assert.deepStrictEqual(yield* listed(provider, resource), matrixFolderShares(resource, soon))
      // nothing above it but the root: includeInherited changes nothing, includeRevoked neither
      // (Box's lists never show a rejected invitation)
      assert.deepStrictEqual(
        yield* listed(provider, resource, { includeInherited: false, includeRevoked: true }),
        matrixFolderShares(resource, soon)
      )
    })
  )

  it.live("a subfolder: its own, then the parent's as inherited from it", () =>
    Effect.gen(function* () {
      const { provider, soon } = yield* boxFixture()
      const resource = Provider.folder(matrix.inner)
      const direct = [on(resource)("8015", member(10), "editor")]
      assert.deepStrictEqual(yield* listed(provider, resource), [...direct, ...matrixFolderShares(resource, soon)])
      assert.deepStrictEqual(yield* listed(provider, resource, { includeInherited: false }), direct)
    })
  )

  it.live("a file two folders down: its own, then the nearest folder's, then the one above", () =>
    Effect.gen(function* () {
      const { provider, soon } = yield* boxFixture()
      const resource = Provider.file(matrix.file)
      const s = on(resource)
      assert.deepStrictEqual(yield* listed(provider, resource), [
        s("8016", member(11), "viewer"),
        s("8017", team, "viewer", { providerRole: Provider.previewer, expiresAt: boxTime(soon) }),
        s("8015", member(10), "editor", { inheritedFrom: folderAt(matrix.inner) }),
        ...matrixFolderShares(resource, soon)
      ])
    })
  )

  it.live("get reads a direct, a pending, an inherited and a rejected collaboration as list does", () =>
    Effect.gen(function* () {
      const { provider, soon } = yield* boxFixture()
      const folder = Provider.folder(matrix.folder)
      const inner = Provider.folder(matrix.inner)
      const expected = matrixFolderShares(folder, soon)
      assert.deepStrictEqual(strip(yield* provider.get(folder, "8003")), expected[2])
      // pending: Box hides its item, the provider finds it in the folder's list
      assert.deepStrictEqual(strip(yield* provider.get(folder, "8013")), expected[12])
      assert.deepStrictEqual(strip(yield* provider.get(inner, "8002")), matrixFolderShares(inner, soon)[1] as Expected)
      // rejected: not listed, but get says what it is
      assert.deepStrictEqual(
        strip(yield* provider.get(folder, "8014")),
        on(folder)("8014", member(9), "viewer", { status: ShareStatus.revoked })
      )
      // a collaboration of another item is not this resource's
      const elsewhere = yield* Effect.flip(provider.get(folder, ids.graceCoOwner))
      assert.strictEqual(elsewhere._tag, "NotFound")
    })
  )
})

/** One grant case: the request, the exact body and query sent, and the share it reads back as. */
interface GrantCase {
  readonly label: string
  readonly resource: ResourceRef.ResourceRef
  readonly request: SharingProvider.GrantRequest
  readonly query: string
  readonly body: unknown
  readonly expected: (id: string) => Expected
}

describe("each grant writes exactly the documented request and reads back as it returned", () => {
  it.live("users, groups, the all-users group, pending invitations; every role; expiries; notify", () =>
    Effect.gen(function* () {
      const { provider, count, requests } = yield* boxFixture({ provider: { everyoneGroupId: ids.allUsers } })
      const empty = Provider.folder(matrix.empty)
      const fileRef = Provider.file(matrix.file)
      const until = inDays(10)
      const item = { type: "folder", id: matrix.empty }
      const s = on(empty)
      const cases: ReadonlyArray<GrantCase> = [
        {
          label: "user by email, viewer",
          resource: empty,
          request: { grantee: Grantee.user({ email: matrix.member(12) }), level: "viewer" },
          query: "?notify=false",
          body: { item, accessible_by: { type: "user", login: matrix.member(12) }, role: "viewer" },
          expected: (id) => s(id, member(12), "viewer")
        },
        {
          label: "user by id, editor",
          resource: empty,
          request: { grantee: Grantee.user({ id: matrix.memberId(13) }), level: "editor" },
          query: "?notify=false",
          body: { item, accessible_by: { type: "user", id: matrix.memberId(13) }, role: "editor" },
          expected: (id) => s(id, member(13), "editor")
        },
        {
          label: "user by id and email (the id is sent), admin = co-owner",
          resource: empty,
          request: { grantee: member(14), level: "admin" },
          query: "?notify=false",
          body: { item, accessible_by: { type: "user", id: matrix.memberId(14) }, role: "co-owner" },
          expected: (id) => s(id, member(14), "admin")
        },
        ...[Provider.previewer, Provider.uploader, Provider.previewerUploader, Provider.viewerUploader].map(
          (role, k): GrantCase => ({
            label: `provider role ${role.name}`,
            resource: empty,
            request: { grantee: member(15 + k), level: role.floor ?? "viewer", providerRole: role },
            query: "?notify=false",
            body: { item, accessible_by: { type: "user", id: matrix.memberId(15 + k) }, role: role.name },
            expected: (id) => s(id, member(15 + k), role.floor ?? "viewer", { providerRole: role })
          })
        ),
        {
          label: "commenter rounds down to viewer",
          resource: empty,
          request: { grantee: member(19), level: "commenter" },
          query: "?notify=false",
          body: { item, accessible_by: { type: "user", id: matrix.memberId(19) }, role: "viewer" },
          expected: (id) => s(id, member(19), "viewer")
        },
        {
          label: "sharer rounds down to editor, with an expiry, notified",
          resource: empty,
          request: { grantee: member(20), level: "sharer", expiresAt: until, notify: { message: "hello" } },
          query: "?notify=true",
          body: { item, accessible_by: { type: "user", id: matrix.memberId(20) }, role: "editor", expires_at: until },
          expected: (id) => s(id, member(20), "editor", { expiresAt: boxTime(until) })
        },
        {
          label: "managed group with an expiry",
          resource: empty,
          request: { grantee: team, level: "viewer", expiresAt: until },
          query: "?notify=false",
          body: { item, accessible_by: { type: "group", id: matrix.team }, role: "viewer", expires_at: until },
          expected: (id) => s(id, team, "viewer", { expiresAt: boxTime(until) })
        },
        {
          label: "Everyone = the all-users group",
          resource: empty,
          request: { grantee: Grantee.everyone, level: "viewer", allowEveryone: true },
          query: "?notify=false",
          body: { item, accessible_by: { type: "group", id: ids.allUsers }, role: "viewer" },
          expected: (id) => s(id, Grantee.everyone, "viewer")
        },
        {
          label: "external user: pending",
          resource: empty,
          request: { grantee: Grantee.user({ email: matrix.partnerLogin }), level: "editor" },
          query: "?notify=false",
          body: { item, accessible_by: { type: "user", login: matrix.partnerLogin }, role: "editor" },
          expected: (id) =>
            s(id, Grantee.user({ id: matrix.partner, email: matrix.partnerLogin }), "editor", {
              status: ShareStatus.invited
            })
        },
        {
          label: "email without an account: pending",
          resource: empty,
          request: { grantee: Grantee.user({ email: "someone@partner.example" }), level: "viewer", notify: {} },
          query: "?notify=true",
          body: { item, accessible_by: { type: "user", login: "someone@partner.example" }, role: "viewer" },
          expected: (id) =>
            s(id, Grantee.user({ email: "someone@partner.example" }), "viewer", { status: ShareStatus.invited })
        },
        {
          label: "a file",
          resource: fileRef,
          request: { grantee: member(12), level: "editor" },
          query: "?notify=false",
          body: {
            item: { type: "file", id: matrix.file },
            accessible_by: { type: "user", id: matrix.memberId(12) },
            role: "editor"
          },
          expected: (id) => on(fileRef)(id, member(12), "editor")
        }
      ]
      for (const c of cases) {
        const granted = yield* count(provider.grant(c.resource, c.request))
        assert.deepStrictEqual(
          requests(),
          [{ method: "POST", path: "/collaborations", query: c.query, body: c.body }],
          c.label
        )
        const share = strip(granted.value)
        assert.deepStrictEqual(share, c.expected(share.id), c.label)
        const back = (yield* listed(provider, c.resource, { includeInherited: false })).find((x) => x.id === share.id)
        assert.deepStrictEqual(back, share, `${c.label}: listed`)
      }
    })
  )

  it.live("canViewPath: folder grants send can_view_path true, file grants never", () =>
    Effect.gen(function* () {
      const { provider, requests } = yield* boxFixture({ provider: { canViewPath: true } })
      yield* provider.grant(Provider.folder(matrix.empty), { grantee: member(12), level: "viewer" })
      yield* provider.grant(Provider.file(matrix.file), { grantee: member(13), level: "viewer" })
      assert.deepStrictEqual(
        requests().map((r) => r.body),
        [
          {
            item: { type: "folder", id: matrix.empty },
            accessible_by: { type: "user", id: matrix.memberId(12) },
            role: "viewer",
            can_view_path: true
          },
          {
            item: { type: "file", id: matrix.file },
            accessible_by: { type: "user", id: matrix.memberId(13) },
            role: "viewer"
          }
        ]
      )
    })
  )

  it.live("an existing grantee: same role and expiry returned as is; another role or expiry updated", () =>
    Effect.gen(function* () {
      const { provider, count, requests } = yield* boxFixture()
      const resource = Provider.folder(matrix.folder)
      const s = on(resource)
      const list = {
        method: "GET",
        path: `/folders/${matrix.folder}/collaborations`,
        query: "?limit=1000",
        body: undefined
      }
      const post = (role: string, extra: Record<string, unknown> = {}) => ({
        method: "POST",
        path: "/collaborations",
        query: "?notify=false",
        body: {
          item: { type: "folder", id: matrix.folder },
          accessible_by: { type: "user", id: matrix.memberId(2) },
          role,
          ...extra
        }
      })
      // member 2 is editor already: the refused POST, then the list finds it
      const same = yield* count(provider.grant(resource, { grantee: member(2), level: "editor" }))
      assert.deepStrictEqual(strip(same.value), s("8002", member(2), "editor"))
      assert.deepStrictEqual(requests(), [post("editor"), list])
      // at another role: one PUT more
      const raised = yield* count(provider.grant(resource, { grantee: member(2), level: "admin" }))
      assert.deepStrictEqual(strip(raised.value), s("8002", member(2), "admin"))
      assert.deepStrictEqual(requests(), [
        post("co-owner"),
        list,
        { method: "PUT", path: "/collaborations/8002", query: "", body: { role: "co-owner" } }
      ])
      // member 8 expires: a later expiry is a PUT of expires_at only
      const later = inDays(40)
      const extended = yield* count(provider.grant(resource, { grantee: member(8), level: "editor", expiresAt: later }))
      assert.deepStrictEqual(strip(extended.value), s("8008", member(8), "editor", { expiresAt: boxTime(later) }))
      assert.deepStrictEqual(requests().at(-1), {
        method: "PUT",
        path: "/collaborations/8008",
        query: "",
        body: { expires_at: later }
      })
      // the listing agrees
      const back = yield* listed(provider, resource)
      assert.deepStrictEqual(
        back.filter((x) => x.id === "8002" || x.id === "8008"),
        [s("8002", member(2), "admin"), s("8008", member(8), "editor", { expiresAt: boxTime(later) })]
      )
    })
  )
})
