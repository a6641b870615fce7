/**
 * The neutral `SharingProvider` on Box collaborations.
 *
 * - Resources: `folder(id)` → `{ provider: "box", kind: "folder", id }` and `file(id)` → kind
 *   `file` (the root folder `0` has no collaborations and is refused). A share's `id` is the
 *   collaboration id.
 * - Grantees: `accessible_by.type=user` → `User{id, email: login}`; a managed group →
 *   `Group{id, name}`; the enterprise's all-users group (`group_type=all_users_group`) →
 *   `Everyone` (the enterprise, never the public). Granting `Everyone` needs the opt-in
 *   `allowEveryone` and the all-users group's id (`everyoneGroupId`): without it `Everyone` is
 *   `Unsupported`, naming the option. An invitation to an email without a Box account →
 *   `User{email: invite_email}`. `Domain` and `Anyone` are not Box grantees (public access is a
 *   shared link, outside collaborations): `Unsupported`, never mapped to the all-users group. A
 *   user is granted by id when the `User` has one, else by login (email).
 * - Levels: viewer = viewer, editor = editor, co-owner = admin, owner = owner. `owner` is
 *   read-only: an ownership transfer (Box replaces the collaboration, new id, the old owner becomes
 *   co-owner) is `Client.updateCollaboration(id, { role: "owner" })`, never a neutral grant or
 *   update. Box has no commenter and no sharer rung: they round down to viewer and editor (core's
 *   `onLossy` rules).
 * - Provider roles (`capabilities.providerRoles`, granted exactly): `previewer` (previews, cannot
 *   download: not a viewer), `uploader` (uploads, cannot see the content), `previewer uploader`
 *   (no floor either) and `viewer uploader` (floor viewer). A share with one of them has `level`
 *   = its floor, or `viewer` for the three without one (`providerRole` says what it really is;
 *   translations to another provider carry the floor at most and refuse the others).
 * - Status: `pending` → `ShareStatus.invited` (an invitation: grants nothing until accepted),
 *   `accepted` → active, `rejected` → revoked (listed only with `includeRevoked`).
 * - Expiry: `expiresAt` ↔ `expires_at`, for users and groups. Box keeps it only where the enterprise
 *   allows it ("Automatically remove invited collaborators: Allow folder owners to extend the
 *   expiry date"; on an update, only for collaborations created after it was turned on): Box's
 *   refusal is `Unsupported` (feature `expiry`), never a grant without the expiry. Box cannot
 *   remove an expiry (its API takes no `null`): `update` with `expiresAt: null` on a collaboration
 *   that expires, and a `grant` without expiry over one that expires, are `Unsupported` (revoke it
 *   and grant again). An enterprise without the setting can say so up front
 *   (`collaborationExpiry: false`): then no grantee kind expires, and an expiry is refused before
 *   any request (or dropped with a warning under `onExpiry: "drop"`). An expiry must lie in the
 *   future and be whole seconds.
 * - Inheritance (waterfall): a folder's collaborations reach everything below it, and Box marks
 *   none of them as inherited. `list` computes them: it reads the item's `path_collection` (the
 *   folders above it that the caller sees) and lists each folder's collaborations, reported with
 *   `inherited: true` and `inheritedFrom: { provider: "box", kind: "folder", id }` (direct ones
 *   first, then the nearest folder up). `includeInherited: false` lists only the item's own. A
 *   folder above that the caller may not list fails the listing (`AccessDenied` naming it). An
 *   inherited share cannot be changed on the item: update and revoke answer `Conflict` naming the
 *   folder. A grantee with a direct and an inherited collaboration is listed twice (two
 *   collaborations).
 * - Collaboration ids are global, so every write first makes sure the collaboration is on the
 *   resource: one `GET /collaborations/{id}` (and the item's path when it is on another folder),
 *   unless this provider has already seen it there (listed, granted or read: a collaboration never
 *   moves to another item). A pending invitation hides its item (`item: null`): it is looked up in
 *   the listings.
 * - Notifications: Box's `notify` query parameter, `false` unless the grant asks for a
 *   notification (then `true`; Box's email has no subject, message or copy to the sender: they are
 *   left out, with a warning).
 * - `can_view_path` (folders): lets the invitee see the names of the folders above (not their
 *   content). It stays off unless the provider is built with `canViewPath: true`; it cannot be read
 *   back, so an existing collaboration keeps its own.
 * - `grant` is idempotent: Box refuses a second collaboration for one grantee on an item
 *   (`400 user_already_collaborator`), and the client then finds the existing one in the item's
 *   list; at the same role and expiry it is returned, otherwise updated with one `PUT`. There is no
 *   bulk create (and so no `grantAll`).
 * - `resolveGrantee`: Box grants users by id or by login (email), so a user resolves to itself
 *   without a request (the client has no user lookup), as does a group; `Everyone` resolves to
 *   itself when `everyoneGroupId` is set.
 *
 * Requests (the fewest the documented API allows; `requestBounds` holds them as data, the tests
 * check them against the simulator's log). A listing is `⌈n / 1000⌉` pages (Box's maximum):
 *
 * | operation | requests |
 * | --- | --- |
 * | `list` | 1 (the item's path) + pages of the item + pages of each folder above it (the root excluded) |
 * | `list` with `includeInherited: false` | pages of the item |
 * | `get` | 1; 2 when the collaboration is on a folder above (+ the item's path) |
 * | `grant`, new grantee | 1 (POST) |
 * | `grant`, existing at that role and expiry | 1 + ⌈(position + 1) / 1000⌉ (the 400, then the item's list up to it) |
 * | `grant`, existing at another role or expiry | the same + 1 (PUT) |
 * | `update` (PUT), `revoke` (DELETE; one already gone counts as revoked) | 1 for a collaboration seen here; else 2 (+ the GET) |
 * | `sync`, nothing to change | one `list` |
 * | `sync`, changes | one `list` + revocations + level changes + grants + one `list` (the read-back) |
 * | `resolveGrantee` | 0 (so no batch `resolveGrantees`) |
 *
 * A pending invitation the provider has not seen costs its lookup on top: the item's list up to it
 * (and, for `get` of one inherited, the path and the folders' lists). `sync` writes revocations and
 * downgrades first, then upgrades, then grants (`Apply.writeOrder`).
 *
 * @since 0.1.0
 */
import {
  type AccessLevel,
  Capabilities,
  Errors as CoreErrors,
  RequestBounds as CoreRequestBounds,
  Grantee,
  Ids,
  Input,
  KeyedLock,
  ResourceRef,
  Share,
  ShareStatus,
  type SharingProvider,
  Translation,
  Warning
} from "@unishare/core"
import { Clock, Effect, Option, Schema, Stream } from "effect"
import type { HttpClient } from "effect/http"
import * as Client from "./Client.ts"
import * as Errors from "./Errors.ts"
import * as Wire from "./Wire.ts"

const provider = Errors.provider

/**
 * The resource kinds: `folder` and `file`.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.kinds // ["folder", "file"]
 * ```
 */
export const kinds = ["folder", "file"] as const

/**
 * A resource kind of this adapter.
 *
 * @example
 * ```ts
 * import type { Provider } from "@unishare/box"
 * const k: Provider.Kind = "folder"
 * ```
 */
export type Kind = (typeof kinds)[number]

/**
 * A Box folder as a neutral resource.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.folder("11446498") // { provider: "box", kind: "folder", id: "11446498" }
 * ```
 */
export const folder = (id: string): ResourceRef.ResourceRef => ({ provider, kind: "folder", id })

/**
 * A Box file as a neutral resource.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.file("12345") // { provider: "box", kind: "file", id: "12345" }
 * ```
 */
export const file = (id: string): ResourceRef.ResourceRef => ({ provider, kind: "file", id })

/**
 * Box's `previewer`: previews content online, cannot download it, so it includes no neutral level.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.previewer // { name: "previewer" }
 * ```
 */
export const previewer: Share.ProviderRole = { name: "previewer" }

/**
 * Box's `uploader`: uploads into a folder without seeing its content; no neutral level.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.uploader // { name: "uploader" }
 * ```
 */
export const uploader: Share.ProviderRole = { name: "uploader" }

/**
 * Box's `previewer uploader`: previews and uploads, cannot download; no neutral level.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.previewerUploader // { name: "previewer uploader" }
 * ```
 */
export const previewerUploader: Share.ProviderRole = { name: "previewer uploader" }

/**
 * Box's `viewer uploader`: a viewer who can also upload, so it fully includes `viewer`.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.viewerUploader // { name: "viewer uploader", floor: "viewer" }
 * ```
 */
export const viewerUploader: Share.ProviderRole = { name: "viewer uploader", floor: "viewer" }

/**
 * Box's roles off the neutral ladder, all grantable.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.providerRoles.map((r) => r.name) // ["previewer", "uploader", "previewer uploader", "viewer uploader"]
 * ```
 */
export const providerRoles: ReadonlyArray<Share.ProviderRole> = [previewer, uploader, previewerUploader, viewerUploader]

/**
 * The adapter's capabilities for the given options: `Everyone` is a grantee kind only with
 * `everyoneGroupId`; users and groups can expire unless `collaborationExpiry` is `false`.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.capabilitiesFor({ everyoneGroupId: "2002" }).granteeKinds // ["User", "Group", "Everyone"]
 * Provider.capabilitiesFor({ collaborationExpiry: false }).expiringGranteeKinds // []
 * ```
 */
export const capabilitiesFor = (
  options: Pick<Options, "everyoneGroupId" | "collaborationExpiry"> = {}
): Capabilities.Capabilities =>
  Capabilities.make({
    provider,
    granteeKinds: ["User", "Group", ...(options.everyoneGroupId !== undefined ? (["Everyone"] as const) : [])],
    levels: ["viewer", "editor", "admin"],
    readOnlyLevels: ["owner"],
    updateLevel: true,
    nativeReplace: false,
    asyncStatus: false,
    notify: true,
    inheritedShares: true,
    everyoneExclusive: false,
    expiringGranteeKinds: options.collaborationExpiry === false ? [] : ["User", "Group"],
    // Box takes no null expires_at: an expiry stays until the collaboration goes
    expiryRemovable: false,
    providerRoles,
    invitations: true,
    pageSize: Wire.maxLimit,
    rateLimit: Client.defaultRateLimit
  })

/**
 * The adapter's capabilities with the default options (no `everyoneGroupId`, expiries on).
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.capabilities.readOnlyLevels // ["owner"]
 * ```
 */
export const capabilities: Capabilities.Capabilities = capabilitiesFor()

/**
 * Grantable neutral level → Box role.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.toWireRole.admin // "co-owner"
 * ```
 */
export const toWireRole: Readonly<Record<"viewer" | "editor" | "admin", Wire.CreateRole>> = {
  viewer: "viewer",
  editor: "editor",
  admin: "co-owner"
}

/**
 * Box role → neutral level, and the provider role when the Box role is not a rung of the ladder
 * (its floor, or `viewer` when it has none).
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.fromWireRole("co-owner") // { level: "admin" }
 * Provider.fromWireRole("uploader") // { level: "viewer", providerRole: { name: "uploader" } }
 * ```
 */
export const fromWireRole = (
  role: Wire.Role
): { readonly level: AccessLevel.AccessLevel; readonly providerRole?: Share.ProviderRole } => {
  switch (role) {
    case "owner":
      return { level: "owner" }
    case "co-owner":
      return { level: "admin" }
    case "editor":
      return { level: "editor" }
    case "viewer":
      return { level: "viewer" }
    case "viewer uploader":
      return { level: "viewer", providerRole: viewerUploader }
    case "previewer":
      return { level: "viewer", providerRole: previewer }
    case "uploader":
      return { level: "viewer", providerRole: uploader }
    case "previewer uploader":
      return { level: "viewer", providerRole: previewerUploader }
  }
}

/**
 * A collaboration status as a neutral one: `pending` is an invitation, `accepted` active,
 * `rejected` revoked.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.statusOf("pending") // { _tag: "pending", invitation: true }
 * ```
 */
export const statusOf = (status: Wire.Status): ShareStatus.ShareStatus =>
  status === "pending" ? ShareStatus.invited : status === "accepted" ? ShareStatus.active : ShareStatus.revoked

/**
 * Box's request bounds: core's, plus the sizes that change them on Box: the collaborations on each
 * folder above the item (`ancestors`, nearest first; the root excluded), where in the item's list an
 * existing collaboration is (`position`, 0-based), and whether the provider has seen a collaboration
 * before a write. With `ancestors`, `shares` (and a sync case's `before` / `after`) count the item's
 * own collaborations only, the inherited ones being counted per folder in `ancestors`; for an item
 * whose only folder above is the root (no `ancestors`) that is everything the listing returns, as
 * core counts it.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * const nested: Provider.RequestBounds["list"] = Provider.requestBounds.list
 * nested(3, [1500, 0]) // 1 + 1 + 2 + 1 = 5
 * ```
 */
export interface RequestBounds extends CoreRequestBounds.RequestBounds {
  /** `list`: the path, the item's pages, each folder above's pages. */
  readonly list: (shares: number, ancestors?: ReadonlyArray<number>) => number
  /** `list` with `includeInherited: false`. */
  readonly listDirect: (shares: number) => number
  /** `get` of a collaboration on a folder above the item. */
  readonly getInherited: number
  /** `grant` of a grantee whose collaboration is at `position` in the item's list (same role and expiry). */
  readonly grantExistingAt: (position: number) => number
  /** `update` and `revoke` of a collaboration this provider has not seen on the item. */
  readonly updateUnseen: number
  readonly revokeUnseen: number
  /** `sync`, with the collaborations of the folders above the item. */
  readonly sync: (c: CoreRequestBounds.SyncCase, ancestors?: ReadonlyArray<number>) => number
}

const listPage = Wire.maxLimit
const pagesOf = (ancestors: ReadonlyArray<number>) =>
  ancestors.reduce((sum, n) => sum + CoreRequestBounds.pages(n, listPage), 0)
const listBound = (shares: number, ancestors: ReadonlyArray<number> = []) =>
  1 + CoreRequestBounds.pages(shares, listPage) + pagesOf(ancestors)

/**
 * The fewest requests per operation on Box (see the module documentation for why). `grantExisting`
 * is the case where the existing collaboration is the last of `shares` (the most pages);
 * `grantExistingAt` names its position. A `sync` lists (so every write is on a collaboration it has
 * seen: one request each), writes, and lists again.
 *
 * @example
 * ```ts
 * import { RequestBounds } from "@unishare/core"
 * import { Provider } from "@unishare/box"
 * Provider.requestBounds.sync(RequestBounds.syncCase({ before: 3, after: 53, add: 50 })) // 2 + 50 + 2 = 54
 * ```
 */
export const requestBounds: RequestBounds = {
  list: listBound,
  listDirect: (shares) => CoreRequestBounds.pages(shares, listPage),
  get: 1,
  getInherited: 2,
  grant: () => 1,
  grantExisting: (shares) => Client.requestBounds.createExisting(Math.max(0, shares - 1)),
  grantExistingAt: (position) => Client.requestBounds.createExisting(position),
  update: 1,
  revoke: 1,
  updateUnseen: 2,
  revokeUnseen: 2,
  sync: (c, ancestors = []) =>
    listBound(c.before, ancestors) +
    (CoreRequestBounds.writes(c) ? c.remove + c.downgrade + c.upgrade + c.add + listBound(c.after, ancestors) : 0)
}

const rootMessage = "the root folder (0) has no collaborations: name a folder or file below it"

/**
 * The id formats checked before the adapter runs (`Input.guard`): a resource is a folder or file
 * of a positive decimal id (not the root `0`; no `parent`: Box ids are global), a share id is a
 * collaboration id, a user's id a Box id and its email one address, a group's id a Box id.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.inputRules.grantee?.({ _tag: "Group", id: "finance" }, "grantee") // [{ path: "grantee.id", … }]
 * ```
 */
export const inputRules: Input.Rules = {
  resource: (r) => [
    ...((kinds as ReadonlyArray<string>).includes(r.kind)
      ? []
      : [{ path: "resource.kind", message: `must be "folder" or "file", got ${JSON.stringify(r.kind)}` }]),
    ...(r.id === "0" ? [{ path: "resource.id", message: rootMessage }] : Input.issues(Wire.Id, r.id, "resource.id")),
    ...(r.parent !== undefined
      ? [{ path: "resource.parent", message: "a Box id is global: give none (use Provider.folder or Provider.file)" }]
      : [])
  ],
  shareId: (id) => Input.issues(Wire.Id, id, "shareId"),
  grantee: (g, path) => {
    switch (g._tag) {
      case "User":
        return [
          ...(g.email !== undefined ? Input.issues(Ids.Email, g.email, `${path}.email`) : []),
          ...(g.id !== undefined ? Input.issues(Wire.Id, g.id, `${path}.id`) : [])
        ]
      case "Group":
        return Input.issues(Wire.Id, g.id, `${path}.id`)
      default:
        return []
    }
  }
}

/**
 * The neutral grantee of a collaboration (see the module documentation), or `None` when it names
 * nobody. `everyoneGroupId` also counts as the all-users group.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.granteeOf({ type: "collaboration", id: "1", accessible_by: null, invite_email: "new@partner.example" })
 * // Some({ _tag: "User", email: "new@partner.example" })
 * Provider.granteeOf({ type: "collaboration", id: "2", accessible_by: { type: "group", id: "2002", group_type: "all_users_group" } })
 * // Some({ _tag: "Everyone" })
 * ```
 */
export const granteeOf = (c: Wire.Collaboration, everyoneGroupId?: string): Option.Option<Grantee.Grantee> => {
  const a = c.accessible_by
  if (a === undefined || a === null) {
    return typeof c.invite_email === "string" && c.invite_email !== ""
      ? Option.some(Grantee.user({ email: c.invite_email }))
      : Option.none()
  }
  if (a.type === "group") {
    if (a.group_type === "all_users_group" || (everyoneGroupId !== undefined && a.id === everyoneGroupId)) {
      return Option.some(Grantee.everyone)
    }
    return a.id === "" ? Option.none() : Option.some(Grantee.group(a.id, a.name === "" ? undefined : a.name))
  }
  if (a.id === "") return Option.none()
  return Option.some(Grantee.user({ id: a.id, ...(a.login !== undefined && a.login !== "" ? { email: a.login } : {}) }))
}

const isInstant = Schema.is(Share.Instant)

const protocol = (operation: string, message: string) =>
  new CoreErrors.ProtocolError({ provider, operation, message: `${provider} ${operation}: ${message}` })

/**
 * A collaboration as a neutral share of `resource` (see the module documentation); `inheritedFrom`
 * is the folder above it that the collaboration is on, when it is not on the resource itself. A
 * collaboration that names no grantee, role or status is a `ProtocolError`.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/box"
 * Provider.toShare(Provider.file("4001"), { type: "collaboration", id: "5001", role: "editor", status: "accepted",
 *   accessible_by: { type: "group", id: "2001", name: "Finance", group_type: "managed_group" } }, "list", { inheritedFrom: "3001" })
 * // Effect succeeding with level "editor", inherited true, inheritedFrom folder 3001
 * ```
 */
export const toShare = (
  resource: ResourceRef.ResourceRef,
  c: Wire.Collaboration,
  operation: string,
  options: { readonly inheritedFrom?: string | undefined; readonly everyoneGroupId?: string | undefined } = {}
): Effect.Effect<Share.Share, CoreErrors.ProtocolError> => {
  const grantee = granteeOf(c, options.everyoneGroupId)
  if (Option.isNone(grantee)) {
    return Effect.fail(protocol(operation, `collaboration ${c.id} names neither a user, a group nor an invited email`))
  }
  if (c.role === undefined || c.status === undefined) {
    return Effect.fail(protocol(operation, `collaboration ${c.id} has no ${c.role === undefined ? "role" : "status"}`))
  }
  const expiresAt = typeof c.expires_at === "string" ? c.expires_at : undefined
  if (expiresAt !== undefined && !isInstant(expiresAt)) {
    return Effect.fail(protocol(operation, `collaboration ${c.id} has an unreadable expires_at ${expiresAt}`))
  }
  const { level, providerRole } = fromWireRole(c.role)
  const from = options.inheritedFrom
  return Effect.succeed({
    id: c.id,
    resource,
    grantee: grantee.value,
    level,
    status: statusOf(c.status),
    inherited: from !== undefined,
    ...(from !== undefined ? { inheritedFrom: { provider, kind: "folder", id: from } } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(providerRole !== undefined ? { providerRole } : {}),
    ...(c.created_at !== undefined ? { createdAt: c.created_at } : {}),
    ...(c.modified_at !== undefined ? { updatedAt: c.modified_at } : {}),
    raw: c
  })
}

/**
 * Options of the provider built from a client.
 *
 * - `everyoneGroupId`: the id of the enterprise's all-users group. `Everyone` is granted as a
 *   collaboration of that group (with `allowEveryone`); without it `Everyone` is `Unsupported`.
 *   Listings report the all-users group as `Everyone` either way.
 * - `canViewPath`: send `can_view_path: true` with every folder grant, so invitees see the names
 *   of the folders above it (never their content). Default `false`: Box only lets owners and
 *   co-owners set it, and it reveals folder names.
 * - `collaborationExpiry`: `false` says the enterprise does not let owners give collaborations an
 *   expiry: no grantee kind expires, and an expiry is refused before any request. Default `true`:
 *   expiries are sent, and Box's refusal is `Unsupported`.
 * - `logWarnings`: also log the warnings of writes (a narrowed level, a dropped expiry, notification
 *   text Box cannot carry) with `Warning.log`. Default `false`: `Granting.grant` returns them.
 *
 * @example
 * ```ts
 * import type { Provider } from "@unishare/box"
 * const opts: Provider.Options = { everyoneGroupId: "2002", canViewPath: false, logWarnings: true }
 * ```
 */
export interface Options {
  readonly everyoneGroupId?: string | undefined
  readonly canViewPath?: boolean | undefined
  readonly collaborationExpiry?: boolean | undefined
  readonly logWarnings?: boolean | undefined
}

/**
 * Provider configuration: the client's, plus the provider's `Options`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Provider } from "@unishare/box"
 * const config: Provider.Config = { token: Redacted.make("developer-token"), everyoneGroupId: "2002" }
 * ```
 */
export interface Config extends Client.Config, Options {}

const OptionsSchema = Schema.Struct({
  everyoneGroupId: Schema.optional(Wire.Id),
  canViewPath: Schema.optional(Schema.Boolean),
  collaborationExpiry: Schema.optional(Schema.Boolean),
  logWarnings: Schema.optional(Schema.Boolean)
})

/** The codes of Box's 403s that are about permissions, not about the expiry setting. */
const permissionCodes: ReadonlyArray<string> = [
  "access_denied_insufficient_permissions",
  "access_denied_item_locked",
  "forbidden_by_policy",
  "insufficient_scope",
  "unauthorized"
]

const statusOfError = (e: CoreErrors.SharingError): number | undefined => {
  const detail = e.detail
  return typeof detail === "object" && detail !== null && "status" in detail
    ? Number((detail as { status: unknown }).status)
    : undefined
}

/** A grant, validated and translated, ready to send. */
interface Prepared {
  readonly grantee: Grantee.Grantee
  readonly body: Wire.CreateCollaborationRequest
  readonly notify: boolean
}

/**
 * Where a collaboration is with respect to a resource: on it, on a folder above it, on another item,
 * or gone (Box answered 404 for the collaboration itself).
 */
type Located =
  | { readonly _tag: "Direct"; readonly collaboration: Wire.Collaboration }
  | { readonly _tag: "Inherited"; readonly collaboration: Wire.Collaboration; readonly from: string }
  | { readonly _tag: "Elsewhere"; readonly error: CoreErrors.NotFound }
  | { readonly _tag: "Gone"; readonly error: CoreErrors.NotFound }

/** How many collaborations seen on a resource the provider remembers (their place never changes). */
const seenLimit = 10_000

/**
 * The neutral provider on a native client.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { Client, Provider } from "@unishare/box"
 * const provider = Effect.map(Client.make({ token: Redacted.make("developer-token") }), (client) =>
 *   Provider.fromClient(client, { everyoneGroupId: "2002" }))
 * ```
 */
export const fromClient = (client: Client.Client, options: Options = {}): SharingProvider.Shape => {
  const caps = capabilitiesFor(options)
  const locks = KeyedLock.make()
  const everyoneGroupId = options.everyoneGroupId
  /** Collaboration id → the resource it is directly on and the kind of its grantee. */
  const seen = new Map<string, { readonly key: string; readonly kind: Grantee.Kind }>()

  const remember = (resource: ResourceRef.ResourceRef, share: Share.Share) => {
    if (share.inherited || share.level === "owner") return
    seen.delete(share.id)
    seen.set(share.id, { key: ResourceRef.key(resource), kind: share.grantee._tag })
    if (seen.size > seenLimit) {
      const oldest = seen.keys().next()
      if (oldest.done !== true) seen.delete(oldest.value)
    }
  }
  const seenOn = (resource: ResourceRef.ResourceRef, id: string) => {
    const s = seen.get(id)
    return s !== undefined && s.key === ResourceRef.key(resource) ? s : undefined
  }

  const logWarnings = (
    warnings: ReadonlyArray<Warning.Warning>,
    resource: ResourceRef.ResourceRef,
    operation: string
  ) =>
    options.logWarnings === true && warnings.length > 0
      ? Warning.log(warnings, { provider, operation, resource: ResourceRef.describe(resource) })
      : Effect.void

  const share = (resource: ResourceRef.ResourceRef, c: Wire.Collaboration, operation: string, from?: string) =>
    Effect.tap(toShare(resource, c, operation, { inheritedFrom: from, everyoneGroupId }), (s) =>
      Effect.sync(() => remember(resource, s))
    )

  /** An expiry Box can take: in the future, whole seconds. */
  const checkExpiry = (expiresAt: string, operation: string) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      if (Date.parse(expiresAt) <= now) {
        return yield* CoreErrors.invalid(provider, operation, "expiresAt", "must be in the future")
      }
      if (/\.\d*[1-9]/.test(expiresAt)) {
        return yield* CoreErrors.invalid(
          provider,
          operation,
          "expiresAt",
          "Box keeps collaboration expiries to the second: give an instant without fractions of a second"
        )
      }
      return expiresAt
    })

  /** Box's refusal of `expires_at` (a 403 that is not about permissions) as `Unsupported`. */
  const expiryRefused =
    (expiresAt: string | undefined, operation: string) =>
    <A>(effect: Effect.Effect<A, CoreErrors.SharingError>): Effect.Effect<A, CoreErrors.SharingError> =>
      expiresAt === undefined
        ? effect
        : Effect.catchIf(
            effect,
            (e) =>
              e._tag === "AccessDenied" &&
              statusOfError(e) === 403 &&
              !permissionCodes.includes(Errors.codeOf(e) ?? ""),
            (e) =>
              Effect.fail(
                new CoreErrors.Unsupported({
                  provider,
                  operation,
                  feature: "expiry",
                  message: `${provider} ${operation}: Box refused the expiry ${expiresAt}: the enterprise does not let owners set collaboration expiries ("Automatically remove invited collaborators: Allow folder owners to extend the expiry date"), or, on an update, the collaboration predates that setting. Nothing was granted without it (${e.message})`,
                  ...(e.detail !== undefined ? { detail: e.detail } : {})
                })
              )
          )

  const unsupportedGrantee = (grantee: Grantee.Grantee, operation: string, path: string) => {
    if (grantee._tag === "Everyone" && everyoneGroupId === undefined) {
      return Effect.fail(
        new CoreErrors.Unsupported({
          provider,
          operation,
          feature: "grantee kind Everyone",
          message: `${provider} ${operation}: Box shares with the whole enterprise through its all-users group; build the provider with everyoneGroupId (that group's id) to grant Everyone (field: ${path})`
        })
      )
    }
    if (grantee._tag === "Domain" || grantee._tag === "Anyone") {
      return Effect.fail(
        new CoreErrors.Unsupported({
          provider,
          operation,
          feature: `grantee kind ${grantee._tag}`,
          message: `${provider} ${operation}: Box collaborations are for users and groups; ${Grantee.describe(grantee)} would be a shared link, which this adapter does not manage (and never the enterprise's all-users group) (field: ${path})`
        })
      )
    }
    return Effect.void
  }

  /** Validates and translates one grant request; nothing is sent. */
  const prepare = (
    resource: ResourceRef.ResourceRef,
    request: SharingProvider.GrantRequest,
    operation: string
  ): Effect.Effect<Prepared, CoreErrors.SharingError> =>
    Effect.gen(function* () {
      yield* unsupportedGrantee(request.grantee, operation, "grantee")
      const translated = yield* Translation.translateRequest(caps, resource, request, operation)
      yield* logWarnings(translated.warnings, resource, operation)
      const { grantee, level, providerRole } = translated.value
      const expiresAt =
        translated.value.expiresAt === undefined ? undefined : yield* checkExpiry(translated.value.expiresAt, operation)
      const accessibleBy: Wire.CreateAccessibleBy =
        grantee._tag === "User"
          ? grantee.id !== undefined
            ? { type: "user", id: grantee.id }
            : { type: "user", login: grantee.email as string }
          : grantee._tag === "Group"
            ? { type: "group", id: grantee.id }
            : { type: "group", id: everyoneGroupId as string }
      const role: Wire.CreateRole =
        providerRole !== undefined
          ? (providerRole.name as Wire.CreateRole)
          : toWireRole[level as keyof typeof toWireRole]
      const notify = request.notify
      if (notify !== undefined) {
        const left = [
          notify.subject !== undefined && notify.subject !== "" ? "subject" : undefined,
          notify.message !== undefined && notify.message !== "" ? "message" : undefined,
          notify.ccMe === true ? "ccMe" : undefined
        ].filter((x) => x !== undefined)
        if (left.length > 0) {
          yield* logWarnings(
            [
              Warning.Unsupported.make({
                feature: "notification text",
                message: `Box's invitation email carries no ${left.join(", ")}; it was sent without`
              })
            ],
            resource,
            operation
          )
        }
      }
      return {
        grantee,
        notify: notify !== undefined,
        body: {
          item: { type: resource.kind as Kind, id: resource.id },
          accessible_by: accessibleBy,
          role,
          ...(options.canViewPath === true && resource.kind === "folder" ? { can_view_path: true } : {}),
          ...(expiresAt !== undefined ? { expires_at: expiresAt } : {})
        }
      }
    })

  const cannotRemoveExpiry = (c: Wire.Collaboration, grantee: Grantee.Grantee, operation: string) =>
    new CoreErrors.Unsupported({
      provider,
      operation,
      feature: "removing an expiry",
      message: `${provider} ${operation}: collaboration ${c.id} of ${Grantee.describe(grantee)} expires ${c.expires_at}, and Box cannot remove an expiry (expires_at takes no null); revoke it and grant again without one`
    })

  const ownerShare = (c: Wire.Collaboration, operation: string) =>
    new CoreErrors.Unsupported({
      provider,
      operation,
      feature: "changing the owner's access",
      message: `${provider} ${operation}: collaboration ${c.id} is the owner's; ownership moves with Client.updateCollaboration(id, { role: "owner" }), never through a neutral write`
    })

  const grant: SharingProvider.Shape["grant"] = (resource, request) =>
    Effect.gen(function* () {
      const prepared = yield* prepare(resource, request, "grant")
      const { body } = prepared
      return yield* locks.withLock(
        ResourceRef.key(resource),
        Effect.gen(function* () {
          // created, or (Box: user_already_collaborator) the existing one, found in the item's list
          const c = yield* client.createCollaboration(body, { notify: prepared.notify }).pipe(
            expiryRefused(body.expires_at, "grant"),
            Effect.catchIf(
              (e) => e._tag === "Conflict" && Errors.codeOf(e) === "user_already_collaborator",
              (e) =>
                Effect.fail(
                  new CoreErrors.Unsupported({
                    provider,
                    operation: "grant",
                    feature: "changing the owner's access",
                    message: `${provider} grant: Box says ${Grantee.describe(prepared.grantee)} already collaborates on ${ResourceRef.describe(resource)}, but no collaboration of theirs is on it: Box answers so for the item's owner, whose access a grant does not change`,
                    ...(e.detail !== undefined ? { detail: e.detail } : {})
                  })
                )
            )
          )
          if (c.role === body.role && Share.sameExpiry(c.expires_at ?? undefined, body.expires_at)) {
            return yield* share(resource, c, "grant")
          }
          if (c.role === "owner") return yield* ownerShare(c, "grant")
          if (typeof c.expires_at === "string" && body.expires_at === undefined) {
            return yield* cannotRemoveExpiry(c, prepared.grantee, "grant")
          }
          const change: Wire.UpdateCollaborationRequest = {
            ...(c.role !== body.role ? { role: body.role } : {}),
            ...(body.expires_at !== undefined && !Share.sameExpiry(c.expires_at ?? undefined, body.expires_at)
              ? { expires_at: body.expires_at }
              : {})
          }
          return yield* putShare(resource, c.id, change, "grant")
        })
      )
    })

  /** `PUT /collaborations/{id}` of a collaboration directly on the resource, read as a share. */
  const putShare = (
    resource: ResourceRef.ResourceRef,
    id: string,
    change: Wire.UpdateCollaborationRequest,
    operation: string
  ) =>
    client.updateCollaboration(id, change).pipe(
      expiryRefused(change.expires_at, operation),
      Effect.flatMap((result) =>
        result._tag === "Updated"
          ? share(resource, result.collaboration, operation)
          : Effect.fail(protocol(operation, `collaboration ${id} was replaced (ownership transferred)`))
      )
    )

  /** The folders above a resource that the caller sees, nearest first (the root excluded). */
  const foldersAbove = (resource: ResourceRef.ResourceRef) =>
    Effect.map(resource.kind === "folder" ? client.getFolder(resource.id) : client.getFile(resource.id), (item) =>
      (item.path_collection?.entries ?? [])
        .filter((f) => f.id !== "0")
        .map((f) => f.id)
        .reverse()
    )

  const itemList = (type: string, id: string) =>
    type === "folder" ? client.listFolderCollaborations(id) : client.listFileCollaborations(id)

  /** A folder above the resource whose collaborations the caller may not list. */
  const unlistable =
    (resource: ResourceRef.ResourceRef, folderId: string, operation: string) =>
    <A>(self: Stream.Stream<A, CoreErrors.SharingError>): Stream.Stream<A, CoreErrors.SharingError> =>
      Stream.catchIf(
        self,
        (e): e is CoreErrors.NotFound | CoreErrors.AccessDenied => e._tag === "NotFound" || e._tag === "AccessDenied",
        (e) =>
          Stream.fail(
            new CoreErrors.AccessDenied({
              provider,
              operation,
              message: `${provider} ${operation}: the collaborations of folder ${folderId}, above ${ResourceRef.describe(resource)}, cannot be listed by this caller (list with includeInherited: false for the item's own) (${e.message})`,
              ...(e.detail !== undefined ? { detail: e.detail } : {})
            })
          )
      )

  const inheritedStream = (resource: ResourceRef.ResourceRef, operation: string) =>
    Stream.unwrap(
      Effect.map(foldersAbove(resource), (folders) =>
        Stream.fromIterable(folders).pipe(
          Stream.flatMap((folderId) =>
            client.listFolderCollaborations(folderId).pipe(
              unlistable(resource, folderId, operation),
              Stream.map((c) => ({ c, folderId }))
            )
          )
        )
      )
    )

  /**
   * Where a collaboration is: on the resource, on a folder above it, elsewhere, or gone. One GET; the
   * item's path when the collaboration is on another folder; a pending invitation (Box hides its
   * item) is looked up in the item's list, then in the lists of the folders above.
   */
  const locate = (
    resource: ResourceRef.ResourceRef,
    id: string,
    operation: string
  ): Effect.Effect<Located, CoreErrors.SharingError> =>
    Effect.gen(function* () {
      const read = yield* Effect.catchTag(client.getCollaboration(id), "NotFound", (error) =>
        Effect.succeed({ _tag: "Gone", error } as const)
      )
      if ("_tag" in read) return read
      const c = read
      const elsewhere: Located = {
        _tag: "Elsewhere",
        error: new CoreErrors.NotFound({
          provider,
          operation,
          message: `${provider} ${operation}: collaboration ${id} is neither on ${ResourceRef.describe(resource)} nor on a folder above it`
        })
      }
      const item = c.item
      if (item !== undefined && item !== null) {
        if (item.type === resource.kind && item.id === resource.id) return { _tag: "Direct", collaboration: c }
        if (item.type !== "folder") return elsewhere
        const folders = yield* foldersAbove(resource)
        return folders.includes(item.id) ? { _tag: "Inherited", collaboration: c, from: item.id } : elsewhere
      }
      if (seenOn(resource, id) !== undefined) return { _tag: "Direct", collaboration: c }
      const direct = yield* Stream.runHead(Stream.filter(itemList(resource.kind, resource.id), (x) => x.id === id))
      if (Option.isSome(direct)) return { _tag: "Direct", collaboration: direct.value }
      const above = yield* Stream.runHead(Stream.filter(inheritedStream(resource, operation), (x) => x.c.id === id))
      return Option.isSome(above)
        ? { _tag: "Inherited", collaboration: above.value.c, from: above.value.folderId }
        : elsewhere
    })

  /** The located collaboration on the resource or above it; `NotFound` when it is elsewhere or gone. */
  const located = (resource: ResourceRef.ResourceRef, id: string, operation: string) =>
    Effect.flatMap(locate(resource, id, operation), (l) =>
      l._tag === "Elsewhere" || l._tag === "Gone" ? Effect.fail(l.error) : Effect.succeed(l)
    )

  const inheritedConflict = (
    located: Extract<Located, { _tag: "Inherited" }>,
    resource: ResourceRef.ResourceRef,
    operation: string
  ) =>
    new CoreErrors.Conflict({
      provider,
      operation,
      message: `${provider} ${operation}: collaboration ${located.collaboration.id} reaches ${ResourceRef.describe(resource)} from folder ${located.from} above it; change it there`,
      detail: { inheritedFrom: { provider, kind: "folder", id: located.from } }
    })

  const list: SharingProvider.Shape["list"] = (resource, listOptions = {}) => {
    const direct = itemList(resource.kind, resource.id).pipe(Stream.mapEffect((c) => share(resource, c, "list")))
    const inherited =
      listOptions.includeInherited === false
        ? Stream.empty
        : inheritedStream(resource, "list").pipe(Stream.mapEffect((x) => share(resource, x.c, "list", x.folderId)))
    return Stream.concat(direct, inherited).pipe(
      Stream.filter((s) => listOptions.includeRevoked === true || s.status._tag !== "revoked")
    )
  }

  const get: SharingProvider.Shape["get"] = (resource, shareId) =>
    Effect.flatMap(located(resource, shareId, "get"), (l) =>
      share(resource, l.collaboration, "get", l._tag === "Inherited" ? l.from : undefined)
    )

  const update: SharingProvider.Shape["update"] = (resource, shareId, level, updateOptions = {}) =>
    Effect.gen(function* () {
      const translated = yield* Effect.fromResult(
        Translation.translateUpdate(caps, resource.kind, level, updateOptions, "update")
      )
      let wanted = translated.value
      let warnings = translated.warnings
      if (typeof wanted.expiresAt === "string") yield* checkExpiry(wanted.expiresAt, "update")
      return yield* locks.withLock(
        ResourceRef.key(resource),
        Effect.gen(function* () {
          const known = seenOn(resource, shareId)
          // the collaboration is read unless the provider has seen it here (its place and grantee
          // never change); removing an expiry needs to know whether it has one
          let current: Share.Share | undefined
          if (known === undefined || wanted.expiresAt === null) {
            const l = yield* located(resource, shareId, "update")
            if (l._tag === "Inherited") return yield* inheritedConflict(l, resource, "update")
            const c = l.collaboration
            if (c.role === "owner") return yield* ownerShare(c, "update")
            current = yield* share(resource, c, "update")
            if (wanted.expiresAt === null && typeof c.expires_at === "string") {
              return yield* cannotRemoveExpiry(c, current.grantee, "update")
            }
          }
          const kind = current?.grantee._tag ?? known?.kind
          if (typeof wanted.expiresAt === "string" && kind !== undefined && !Capabilities.supportsExpiry(caps, kind)) {
            // that grantee's collaborations do not expire: refused, or dropped under onExpiry "drop"
            const again = yield* Effect.fromResult(
              Translation.translateUpdate(caps, resource.kind, level, updateOptions, "update", kind)
            )
            wanted = again.value
            warnings = again.warnings
          }
          yield* logWarnings(warnings, resource, "update")
          const role: Wire.Role =
            wanted.providerRole !== undefined
              ? (wanted.providerRole.name as Wire.Role)
              : toWireRole[wanted.level as keyof typeof toWireRole]
          const expiresAt = typeof wanted.expiresAt === "string" ? wanted.expiresAt : undefined
          if (
            current !== undefined &&
            (current.raw as Wire.Collaboration).role === role &&
            (expiresAt === undefined || Share.sameExpiry(current.expiresAt, expiresAt))
          ) {
            return current
          }
          return yield* putShare(
            resource,
            shareId,
            { role, ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}) },
            "update"
          )
        })
      )
    })

  const revoke: SharingProvider.Shape["revoke"] = (resource, shareId) =>
    locks.withLock(
      ResourceRef.key(resource),
      Effect.gen(function* () {
        if (seenOn(resource, shareId) === undefined) {
          const l = yield* locate(resource, shareId, "revoke")
          // gone (Box answers 404 for a deleted collaboration): already revoked
          if (l._tag === "Gone") return
          // on another item: not a share of this resource, left alone
          if (l._tag === "Elsewhere") return yield* l.error
          if (l._tag === "Inherited") return yield* inheritedConflict(l, resource, "revoke")
          if (l.collaboration.role === "owner") return yield* ownerShare(l.collaboration, "revoke")
          // a rejected invitation grants nothing: already revoked
          if (l.collaboration.status === "rejected") return
        }
        yield* Effect.catchTag(client.deleteCollaboration(shareId), "NotFound", () => Effect.void)
        seen.delete(shareId)
      })
    )

  const resolveGrantee: NonNullable<SharingProvider.Shape["resolveGrantee"]> = (grantee) =>
    Effect.gen(function* () {
      switch (grantee._tag) {
        case "User":
        case "Group":
          return Option.some(grantee)
        case "Everyone":
        case "Domain":
        case "Anyone":
          yield* unsupportedGrantee(grantee, "resolveGrantee", "grantee")
          return Option.some(grantee)
        default:
          return yield* new CoreErrors.Unsupported({
            provider,
            operation: "resolveGrantee",
            feature: `grantee kind ${grantee._tag}`,
            message: `${provider} resolveGrantee: Box collaborations are for users, groups and the enterprise's all-users group, not ${Grantee.describe(grantee)}`
          })
      }
    })

  // every entry point decodes its arguments and checks item ids, collaboration ids and emails first
  return Input.guard({ capabilities: caps, list, get, grant, update, revoke, resolveGrantee }, inputRules)
}

/**
 * Builds the provider (and its client) on the `HttpClient` in context; the options are checked
 * first (`everyoneGroupId` must be a Box id).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Provider } from "@unishare/box"
 * const provider = Provider.make({ token: Redacted.make("developer-token"), everyoneGroupId: "2002" })
 *   .pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 */
export const make = (
  config: Config
): Effect.Effect<SharingProvider.Shape, CoreErrors.InvalidInput, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    yield* Input.config(provider, config, OptionsSchema, () => [])
    const client = yield* Client.make(config)
    return fromClient(client, config)
  })
