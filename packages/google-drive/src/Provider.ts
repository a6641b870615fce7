/**
 * The neutral `SharingProvider` on Google Drive's permissions (`drive.permissions.*`).
 *
 * - Resources: `file(id)` → `{ provider: "google-drive", kind: "file", id }` is a file or a folder,
 *   in My Drive or in a shared drive (every request sends `supportsAllDrives=true`);
 *   `sharedDrive(id)` → kind `drive` is a shared drive itself, whose permissions are its members.
 *   Drive takes both ids in the same `fileId` place; the kinds differ because their roles differ
 *   (`organizer` exists only on a shared drive, expirations never there), so the planner can
 *   translate before any write. A share's `id` is the permission id (the same for one grantee on
 *   every item; the resource in the reference scopes it).
 * - Grantees: `type=user` → `User{id: permission id, email}` (granted by email: a user known only
 *   by a permission id cannot be granted); `type=group` → `Group{id: the group's email, name}`;
 *   `type=domain` → `Domain{domain, discoverable: allowFileDiscovery}`; `type=anyone` →
 *   `Anyone{discoverable: allowFileDiscovery}` (the public: with the link, or searchable). A
 *   tenant's `Everyone` is `Unsupported`, unless built with `everyoneAsDomain: "acme.example"`:
 *   then `Everyone` is granted as exactly that domain (link only), `resolveGrantee` maps it to
 *   that `Domain`, and the share lists as `Domain` (Drive has no tenant grantee). `Everyone` is
 *   never the public.
 * - Levels: reader = viewer, commenter = commenter, writer = editor, organizer = admin (shared
 *   drives only: kind `drive`), owner = owner (read-only: an ownership transfer is
 *   `Client.createPermission` / `updatePermission` with `transferOwnership`, never a neutral grant).
 *   `fileOrganizer` is the provider role `{ name: "fileOrganizer", floor: "editor" }` at level
 *   editor, grantable (shared drives and their folders; Drive refuses it elsewhere). Drive has no
 *   `sharer`: a sharer grant rounds down to editor with a `Lossy` warning (Drive writers can share
 *   anyway, unless the file's `writersCanShare` is false). A role Drive adds later lists as a
 *   provider role without a floor, at level viewer.
 * - Expiry: `expiresAt` ↔ `expirationTime`, for users and groups; in the future and at most one
 *   year ahead (checked before any request), never on a shared drive's members (kind `drive`:
 *   refused before any request, or dropped with a warning under `onExpiry: "drop"`). `update` with
 *   `expiresAt: null` sends `removeExpiration=true`.
 * - Inheritance: a permission whose `permissionDetails` are all inherited is `inherited: true`,
 *   with `inheritedFrom` where Drive names the source (shared drives: the folder, or the drive for
 *   a membership; My Drive never says). It cannot be changed on the item: update and revoke answer
 *   `Conflict` naming the source. A permission both granted here and inherited lists once, as the
 *   direct grant at the role granted here (its inherited sources are in `raw.permissionDetails`).
 * - An ownership offer (`pendingOwner`) stays in `raw`; the share's level is its actual role.
 * - Notifications: Drive emails users and groups by default; without `notify` the adapter sends
 *   `sendNotificationEmail=false`. With it, Drive's email carries `subject` and `message` as its
 *   text (Drive has no subject line and no copy to the sender: `ccMe` is left out, with a warning).
 *   Domain and anyone grants never email.
 * - `grant` is idempotent: the item's permissions are listed first (Drive does not document what a
 *   second create for one grantee does, and it would email again); the same principal at the same
 *   role and expiry is returned as it is; at another role or expiry it is PATCHed; a domain or
 *   anyone grant whose discoverability differs is replaced (DELETE, then POST: Drive cannot change
 *   `allowFileDiscovery` in place). The owner's permission is never changed.
 * - There is no `listResources`: the permissions API enumerates no files (that is `files.list`,
 *   outside this package).
 *
 * Requests (the fewest the documented API allows; `requestBounds` holds them as data, the tests
 * check them against the simulator's log). A listing is `⌈n / 100⌉` pages (`pageSize` 100, Drive's
 * maximum):
 *
 * | operation | requests |
 * | --- | --- |
 * | `list` | pages |
 * | `get`, `update` (PATCH), `revoke` (DELETE; a permission already gone counts as revoked) | 1 |
 * | `grant`, new grantee | pages + 1 (POST) |
 * | `grant`, existing at that role and expiry | pages |
 * | `grant`, existing at another role or expiry | pages + 1 (PATCH) |
 * | `sync`, nothing to change | pages |
 * | `sync`, changes | pages + revocations + level changes + (pages of the listing `grantAll` reads + grants) + pages of the read-back |
 * | `resolveGrantee` | 0 (Drive grants by email and domain: nothing to look up, so no batch `resolveGrantees`) |
 *
 * `sync` writes revocations and downgrades first, then upgrades, then grants (`Apply.writeOrder`).
 * Refusals answer with one request more only where Drive's answer has to be explained: an
 * inherited permission is read to name its source.
 *
 * @since 0.1.0
 */
import {
  type AccessLevel,
  Capabilities,
  Errors as CoreErrors,
  Grantee,
  Ids,
  Input,
  KeyedLock,
  RequestBounds,
  ResourceRef,
  type Share,
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
 * The resource kinds: `file` (a file or folder, in My Drive or a shared drive) and `drive` (a
 * shared drive itself: its members).
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/google-drive"
 * Provider.kinds // ["file", "drive"]
 * ```
 */
export const kinds = ["file", "drive"] as const

/**
 * A resource kind of this adapter.
 *
 * @example
 * ```ts
 * import type { Provider } from "@unishare/google-drive"
 * const k: Provider.Kind = "drive"
 * ```
 */
export type Kind = (typeof kinds)[number]

/**
 * A file or folder (My Drive or shared drive) as a neutral resource.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/google-drive"
 * Provider.file("1AbCdEfGhIjKlMnOpQrStUvWxYz012345")
 * // { provider: "google-drive", kind: "file", id: "1AbCdEfGhIjKlMnOpQrStUvWxYz012345" }
 * ```
 */
export const file = (id: string): ResourceRef.ResourceRef => ({ provider, kind: "file", id })

/**
 * A shared drive (its members) as a neutral resource.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/google-drive"
 * Provider.sharedDrive("0AFinanceDriveUk9PVA") // { provider: "google-drive", kind: "drive", id: "0AFinanceDriveUk9PVA" }
 * ```
 */
export const sharedDrive = (id: string): ResourceRef.ResourceRef => ({ provider, kind: "drive", id })

/**
 * Drive's `fileOrganizer` ("content manager": adds, moves and deletes content of a shared drive or
 * folder, but does not manage members), a provider role that fully includes `editor`.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/google-drive"
 * Provider.fileOrganizer // { name: "fileOrganizer", floor: "editor" }
 * ```
 */
export const fileOrganizer: Share.ProviderRole = { name: "fileOrganizer", floor: "editor" }

/** Levels a file or folder takes (no organizer there). */
const fileLevels: ReadonlyArray<AccessLevel.AccessLevel> = ["viewer", "commenter", "editor"]

/**
 * The adapter's capabilities for the given options: `Everyone` is a grantee kind only with
 * `everyoneAsDomain`.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/google-drive"
 * Provider.capabilitiesFor({ everyoneAsDomain: "acme.example" }).granteeKinds.includes("Everyone") // true
 * ```
 */
export const capabilitiesFor = (options: Pick<Options, "everyoneAsDomain"> = {}): Capabilities.Capabilities =>
  Capabilities.make({
    provider,
    granteeKinds: [
      "User",
      "Group",
      "Domain",
      "Anyone",
      ...(options.everyoneAsDomain !== undefined ? (["Everyone"] as const) : [])
    ],
    levels: ["viewer", "commenter", "editor", "admin"],
    readOnlyLevels: ["owner"],
    levelsByResourceKind: { file: fileLevels },
    updateLevel: true,
    nativeReplace: false,
    asyncStatus: false,
    notify: true,
    inheritedShares: true,
    everyoneExclusive: false,
    expiringGranteeKinds: ["User", "Group"],
    providerRoles: [fileOrganizer],
    invitations: false,
    pageSize: Client.maxPageSize
  })

/**
 * The adapter's capabilities without `everyoneAsDomain`. No client rate limit: Drive's quotas are
 * per minute in quota units and have changed over time; the client backs off instead.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/google-drive"
 * Provider.capabilities.levelsByResourceKind.file // ["viewer", "commenter", "editor"]
 * ```
 */
export const capabilities: Capabilities.Capabilities = capabilitiesFor()

/**
 * Grantable neutral level → Drive role.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/google-drive"
 * Provider.toWireRole.editor // "writer"
 * ```
 */
export const toWireRole: Readonly<Record<"viewer" | "commenter" | "editor" | "admin", Wire.Role>> = {
  viewer: "reader",
  commenter: "commenter",
  editor: "writer",
  admin: "organizer"
}

/**
 * Drive role → neutral level, and the provider role when the Drive role is not a rung of the
 * ladder (`fileOrganizer`, or a role Drive added after this package: no floor, level viewer).
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/google-drive"
 * Provider.fromWireRole("fileOrganizer") // { level: "editor", providerRole: { name: "fileOrganizer", floor: "editor" } }
 * Provider.fromWireRole("writer") // { level: "editor" }
 * ```
 */
export const fromWireRole = (
  role: string
): { readonly level: AccessLevel.AccessLevel; readonly providerRole?: Share.ProviderRole } => {
  switch (role) {
    case "owner":
      return { level: "owner" }
    case "organizer":
      return { level: "admin" }
    case "fileOrganizer":
      return { level: "editor", providerRole: fileOrganizer }
    case "writer":
      return { level: "editor" }
    case "commenter":
      return { level: "commenter" }
    case "reader":
      return { level: "viewer" }
    default:
      return { level: "viewer", providerRole: { name: role } }
  }
}

/** Shares per listing page (Drive's maximum `pageSize`). */
const listPage = Client.maxPageSize

/**
 * The fewest requests per operation on Drive (see the module documentation for why). A `sync` that
 * grants reads the item once more before its grants (`grantAll` is idempotent: it lists, then
 * creates or PATCHes), after the revocations: `before − remove` shares.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/google-drive"
 * Provider.requestBounds.sync({ before: 3, after: 53, add: 50, remove: 0, upgrade: 0, downgrade: 0, emails: 0 }) // 53
 * ```
 */
export const requestBounds: RequestBounds.RequestBounds = {
  list: (shares) => RequestBounds.pages(shares, listPage),
  get: 1,
  grant: (shares) => RequestBounds.pages(shares, listPage) + 1,
  grantExisting: (shares) => RequestBounds.pages(shares, listPage),
  update: 1,
  revoke: 1,
  sync: (c) =>
    RequestBounds.pages(c.before, listPage) +
    (RequestBounds.writes(c)
      ? c.remove +
        c.downgrade +
        c.upgrade +
        (c.add > 0 ? RequestBounds.pages(c.before - c.remove, listPage) + c.add : 0) +
        RequestBounds.pages(c.after, listPage)
      : 0)
}

/**
 * The id formats checked before the adapter runs (`Input.guard`): a resource is a file or shared
 * drive id of kind `file` or `drive` (no `parent`: Drive ids are global), a share id is a
 * permission id, a user's email is one address and its id a permission id, a group is known by
 * its email.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/google-drive"
 * Provider.inputRules.grantee?.({ _tag: "Group", id: "42" }, "grantee") // [{ path: "grantee.id", … }]
 * ```
 */
export const inputRules: Input.Rules = {
  resource: (r) => [
    ...((kinds as ReadonlyArray<string>).includes(r.kind)
      ? []
      : [
          {
            path: "resource.kind",
            message: `must be "file" (a file or folder) or "drive" (a shared drive), got ${JSON.stringify(r.kind)}`
          }
        ]),
    ...Input.issues(Client.FileId, r.id, "resource.id"),
    ...(r.parent !== undefined
      ? [{ path: "resource.parent", message: "a Drive id is global: give none (use Provider.file or sharedDrive)" }]
      : [])
  ],
  shareId: (id) => Input.issues(Client.PermissionId, id, "shareId"),
  grantee: (g, path) => {
    switch (g._tag) {
      case "User":
        return [
          ...(g.email !== undefined ? Input.issues(Ids.Email, g.email, `${path}.email`) : []),
          ...(g.id !== undefined ? Input.issues(Client.PermissionId, g.id, `${path}.id`) : [])
        ]
      case "Group":
        return Input.issues(Ids.Email, g.id, `${path}.id`).map((i) => ({
          ...i,
          message: `a Drive group is known by its email address: ${i.message}`
        }))
      case "Domain":
        return Input.issues(Client.Domain, g.domain, `${path}.domain`)
      default:
        return []
    }
  }
}

const isGrantee = Schema.is(Grantee.Grantee)

/**
 * The neutral grantee of a Drive permission (see the module documentation), or `None` when the
 * permission lacks what names its grantee (a group or domain without its address).
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/google-drive"
 * Provider.granteeOf({ id: "anyoneWithLink", type: "anyone", role: "reader", allowFileDiscovery: false })
 * // Some({ _tag: "Anyone", discoverable: false })
 * ```
 */
export const granteeOf = (p: Wire.Permission): Option.Option<Grantee.Grantee> => {
  const discoverable = p.allowFileDiscovery !== undefined ? { discoverable: p.allowFileDiscovery } : {}
  const email = p.emailAddress !== undefined && p.emailAddress !== "" ? p.emailAddress : undefined
  let grantee: unknown
  switch (p.type) {
    case "user":
      grantee = { _tag: "User", id: p.id, ...(email !== undefined ? { email } : {}) }
      break
    case "group":
      grantee =
        email === undefined
          ? undefined
          : { _tag: "Group", id: email, ...(p.displayName !== undefined ? { name: p.displayName } : {}) }
      break
    case "domain":
      grantee = p.domain === undefined ? undefined : { _tag: "Domain", domain: p.domain, ...discoverable }
      break
    case "anyone":
      grantee = { _tag: "Anyone", ...discoverable }
  }
  return isGrantee(grantee) ? Option.some(grantee) : Option.none()
}

const directDetails = (p: Wire.Permission) => (p.permissionDetails ?? []).filter((d) => !d.inherited)

/** No direct source: the access comes only from an ancestor or from shared-drive membership. */
const inheritedOnly = (p: Wire.Permission) =>
  p.permissionDetails !== undefined && p.permissionDetails.length > 0 && directDetails(p).length === 0

/** The role granted on the item itself (the highest direct source), else the permission's role. */
const directRole = (p: Wire.Permission): string => {
  let best: string | undefined
  for (const d of directDetails(p)) {
    const role = d.role ?? p.role
    if (best === undefined || Wire.roleRank(role) > Wire.roleRank(best)) best = role
  }
  return best ?? p.role
}

/** Where an inherited permission comes from, when Drive says (shared drives only). */
const sourceOf = (p: Wire.Permission): ResourceRef.ResourceRef | undefined => {
  const named = (p.permissionDetails ?? []).filter((d) => d.inherited && d.inheritedFrom !== undefined)
  const d = named.find((x) => x.role === p.role) ?? named[0]
  if (d?.inheritedFrom === undefined) return undefined
  return { provider, kind: d.permissionType === "member" ? "drive" : "file", id: d.inheritedFrom }
}

/**
 * A Drive permission as a neutral share (always `active`; see the module documentation for
 * inheritance, roles and expiry). A permission whose grantee cannot be named is a `ProtocolError`.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/google-drive"
 * Provider.toShare(Provider.file("1PlanDocumentBBBBBBBBBBBBBBBBBBBBB"),
 *   { id: "10000000000000000002", type: "user", role: "writer", emailAddress: "ada@example.com",
 *     permissionDetails: [{ permissionType: "file", role: "writer", inherited: true }] }, "list")
 * // Effect succeeding with level "editor", inherited true
 * ```
 */
export const toShare = (
  resource: ResourceRef.ResourceRef,
  p: Wire.Permission,
  operation: string
): Effect.Effect<Share.Share, CoreErrors.ProtocolError> => {
  const grantee = granteeOf(p)
  if (Option.isNone(grantee)) {
    return Effect.fail(
      new CoreErrors.ProtocolError({
        provider,
        operation,
        message: `${provider} ${operation}: permission ${p.id} of type ${p.type} names no ${p.type === "domain" ? "valid domain" : "grantee address"}`
      })
    )
  }
  const inherited = inheritedOnly(p)
  const { level, providerRole } = fromWireRole(inherited ? p.role : directRole(p))
  const from = inherited ? sourceOf(p) : undefined
  return Effect.succeed({
    id: p.id,
    resource,
    grantee: grantee.value,
    level,
    status: ShareStatus.active,
    inherited,
    ...(from !== undefined ? { inheritedFrom: from } : {}),
    ...(p.expirationTime !== undefined ? { expiresAt: p.expirationTime } : {}),
    ...(providerRole !== undefined ? { providerRole } : {}),
    raw: p
  })
}

/**
 * Options of the provider built from a client.
 *
 * - `everyoneAsDomain`: the Workspace domain a tenant's `Everyone` stands for (granted as exactly
 *   that `type=domain` permission, link only). Without it `Everyone` is `Unsupported`; it is
 *   never mapped to `anyone`.
 * - `logWarnings`: also log the warnings of writes (a narrowed level, a dropped expiry, a `ccMe`
 *   Drive cannot honour) with `Warning.log`. Default `false`: `Granting.grant` returns them.
 *
 * @example
 * ```ts
 * import type { Provider } from "@unishare/google-drive"
 * const opts: Provider.Options = { everyoneAsDomain: "acme.example", logWarnings: true }
 * ```
 */
export interface Options {
  readonly everyoneAsDomain?: string | undefined
  readonly logWarnings?: boolean | undefined
}

/**
 * Provider configuration: the client's, plus the provider's `Options`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Provider } from "@unishare/google-drive"
 * const config: Provider.Config = { credentials: Redacted.make("ya29.a0…"), everyoneAsDomain: "acme.example" }
 * ```
 */
export interface Config extends Client.Config, Options {}

const OptionsSchema = Schema.Struct({
  everyoneAsDomain: Schema.optional(Client.Domain),
  logWarnings: Schema.optional(Schema.Boolean)
})

/** A create, validated and translated, ready to send. */
interface Prepared {
  readonly grantee: Grantee.Grantee
  readonly body: Client.CreatePermission
  readonly options: Client.CreateOptions
}

const sameTime = (a: string | undefined, b: string | undefined) =>
  a === undefined || b === undefined ? a === b : Wire.parseDateTime(a) === Wire.parseDateTime(b)

/**
 * The neutral provider on a native client.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { Client, Provider } from "@unishare/google-drive"
 * const provider = Effect.map(Client.make({ credentials: Redacted.make("ya29.a0…") }), (client) => Provider.fromClient(client))
 * ```
 */
export const fromClient = (client: Client.Client, options: Options = {}): SharingProvider.Shape => {
  const caps = capabilitiesFor(options)
  const locks = KeyedLock.make()
  const everyoneDomain = options.everyoneAsDomain

  const logWarnings = (
    warnings: ReadonlyArray<Warning.Warning>,
    resource: ResourceRef.ResourceRef,
    operation: string
  ) =>
    options.logWarnings === true && warnings.length > 0
      ? Warning.log(warnings, { provider, operation, resource: ResourceRef.describe(resource) })
      : Effect.void

  /** The expiry Drive keeps: kind `drive` has none (refused, or dropped under `onExpiry: "drop"`); in the future, ≤ 1 year. */
  const checkExpiry = <T extends string | null | undefined>(
    resource: ResourceRef.ResourceRef,
    expiresAt: T,
    policy: Translation.ExpiryPolicy | undefined,
    level: AccessLevel.AccessLevel,
    operation: string
  ): Effect.Effect<T | undefined, CoreErrors.InvalidInput | CoreErrors.Unsupported> =>
    Effect.gen(function* () {
      if (typeof expiresAt !== "string") return expiresAt
      if (resource.kind === "drive") {
        const message = `a shared drive's members cannot expire (Drive: expirationDateNotAllowedForSharedDriveMembers); expiry ${expiresAt}`
        if (policy !== "drop") {
          return yield* new CoreErrors.Unsupported({
            provider,
            operation,
            feature: "an expiration on a shared-drive membership",
            message: `${provider} ${operation}: ${message} (field: expiresAt; use onExpiry: "drop" to grant without it)`
          })
        }
        yield* logWarnings(
          [
            Warning.Lossy.make({
              from: level,
              to: level,
              direction: "widened",
              aspect: "expiry",
              message: `${message} was dropped because onExpiry is "drop"; the access no longer ends`
            })
          ],
          resource,
          operation
        )
        return undefined
      }
      const at = Wire.parseDateTime(expiresAt)
      const now = yield* Clock.currentTimeMillis
      if (at === undefined) {
        return yield* CoreErrors.invalid(
          provider,
          operation,
          "expiresAt",
          "must be an RFC 3339 instant with a time zone"
        )
      }
      if (at <= now) {
        return yield* CoreErrors.invalid(
          provider,
          operation,
          "expiresAt",
          "must be in the future (Drive: expirationDatesMustBeInTheFuture)"
        )
      }
      if (at > Wire.maxExpiration(now)) {
        return yield* CoreErrors.invalid(provider, operation, "expiresAt", "must be at most one year in the future")
      }
      return expiresAt
    })

  const roleFor = (level: AccessLevel.AccessLevel, role: Share.ProviderRole | undefined): Wire.Role =>
    role?.name === fileOrganizer.name ? "fileOrganizer" : toWireRole[level as keyof typeof toWireRole]

  /** Validates and translates one grant request; nothing is sent. */
  const prepare = (
    resource: ResourceRef.ResourceRef,
    request: SharingProvider.GrantRequest,
    operation: string,
    path: string
  ): Effect.Effect<Prepared, CoreErrors.SharingError> =>
    Effect.gen(function* () {
      const translated = yield* Translation.translateRequest(caps, resource, request, operation)
      const { grantee, level, providerRole } = translated.value
      yield* logWarnings(translated.warnings, resource, operation)
      if (grantee._tag === "User" && grantee.email === undefined) {
        return yield* CoreErrors.invalid(
          provider,
          operation,
          `${path}.email`,
          "Drive shares with users by email; this User has only a permission id"
        )
      }
      const wide = grantee._tag === "Domain" || grantee._tag === "Anyone" || grantee._tag === "Everyone"
      if (wide && resource.kind === "drive") {
        return yield* new CoreErrors.Unsupported({
          provider,
          operation,
          feature: "anyone or domain permissions on a shared drive itself",
          message: `${provider} ${operation}: a shared drive's members are users and groups; share ${Grantee.describe(grantee)} on its files and folders (field: ${path})`
        })
      }
      if (grantee._tag === "Everyone" && (everyoneDomain === undefined || !Schema.is(Client.Domain)(everyoneDomain))) {
        return yield* CoreErrors.invalid(
          provider,
          operation,
          "options.everyoneAsDomain",
          "must be the domain name Everyone stands for (example.com)"
        )
      }
      const expiresAt = yield* checkExpiry(resource, translated.value.expiresAt, request.onExpiry, level, operation)
      const role = roleFor(level, providerRole)
      const body: Client.CreatePermission =
        grantee._tag === "User" || grantee._tag === "Group"
          ? {
              type: grantee._tag === "User" ? "user" : "group",
              role,
              emailAddress: grantee._tag === "User" ? (grantee.email as string) : grantee.id,
              ...(expiresAt !== undefined ? { expirationTime: expiresAt } : {})
            }
          : grantee._tag === "Domain"
            ? { type: "domain", role, domain: grantee.domain, allowFileDiscovery: grantee.discoverable === true }
            : grantee._tag === "Everyone"
              ? { type: "domain", role, domain: everyoneDomain as string, allowFileDiscovery: false }
              : { type: "anyone", role, allowFileDiscovery: Grantee.isDiscoverable(grantee) }
      const person = body.type === "user" || body.type === "group"
      const notify = request.notify
      const text = [notify?.subject, notify?.message].filter((t): t is string => t !== undefined && t !== "")
      if (notify?.ccMe === true) {
        yield* logWarnings(
          [
            Warning.Unsupported.make({
              feature: "ccMe",
              message: "Drive's share email has no copy to the sender; it was sent without one"
            })
          ],
          resource,
          operation
        )
      }
      const createOptions: Client.CreateOptions = !person
        ? {}
        : {
            sendNotificationEmail: notify !== undefined,
            ...(notify !== undefined && text.length > 0 ? { emailMessage: text.join("\n\n") } : {})
          }
      return { grantee, body, options: createOptions }
    })

  /** Does a listed permission hold the principal of a create (a direct grant on this item)? */
  const holds = (p: Wire.Permission, body: Client.CreatePermission): boolean => {
    if (p.type !== body.type || inheritedOnly(p)) return false
    switch (body.type) {
      case "user":
      case "group":
        return Grantee.normalizeEmail(p.emailAddress ?? "") === Grantee.normalizeEmail(body.emailAddress ?? "")
      case "domain":
        return (p.domain ?? "").toLowerCase() === (body.domain ?? "").toLowerCase()
      case "anyone":
        return true
    }
  }

  const listAll = (fileId: string) =>
    Effect.map(Stream.runCollect(client.listPermissions(fileId)), (all): Array<Wire.Permission> => Array.from(all))

  /**
   * Makes one prepared grant true given the item's current permissions (updated in place): the
   * same principal at that role and expiry is returned; at another role or expiry PATCHed; with
   * another discoverability replaced; a new principal created. The owner is never changed.
   */
  const apply = (resource: ResourceRef.ResourceRef, current: Array<Wire.Permission>, prepared: Prepared) =>
    Effect.gen(function* () {
      const fileId = resource.id
      const { body } = prepared
      // a domain or anyone grant prefers the permission with the same discoverability
      const exact = current.findIndex(
        (p) => holds(p, body) && (p.allowFileDiscovery ?? false) === (body.allowFileDiscovery ?? false)
      )
      const at = exact >= 0 ? exact : current.findIndex((p) => holds(p, body))
      const existing = at < 0 ? undefined : current[at]
      let result: Wire.Permission
      if (existing === undefined) {
        result = yield* client.createPermission(fileId, body, prepared.options)
      } else if (directRole(existing) === "owner") {
        return yield* new CoreErrors.Unsupported({
          provider,
          operation: "grant",
          feature: "changing the owner's permission",
          message: `${provider} grant: ${Grantee.describe(prepared.grantee)} owns ${ResourceRef.describe(resource)}; the owner's permission is not changed by a grant (ownership transfer is Client.createPermission with transferOwnership)`
        })
      } else if (
        (body.type === "domain" || body.type === "anyone") &&
        (existing.allowFileDiscovery ?? false) !== (body.allowFileDiscovery ?? false)
      ) {
        // Drive cannot change allowFileDiscovery in place: the old grant goes first (less access)
        yield* client.deletePermission(fileId, existing.id)
        current.splice(at, 1)
        result = yield* client.createPermission(fileId, body, prepared.options)
      } else if (directRole(existing) === body.role && sameTime(existing.expirationTime, body.expirationTime)) {
        result = existing
      } else {
        const change: Client.UpdatePermission = {
          role: body.role,
          ...(body.expirationTime !== undefined ? { expirationTime: body.expirationTime } : {})
        }
        const removeExpiration = body.expirationTime === undefined && existing.expirationTime !== undefined
        result = yield* client.updatePermission(
          fileId,
          existing.id,
          change,
          removeExpiration ? { removeExpiration } : {}
        )
      }
      const i = current.findIndex((p) => p.id === result.id)
      if (i >= 0) current[i] = result
      else current.push(result)
      return yield* toShare(resource, result, "grant")
    })

  /** `effect`, with Drive's refusal of an inherited permission reworded to name where it comes from (one read). */
  const namedInherited = <A>(
    effect: Effect.Effect<A, CoreErrors.SharingError>,
    resource: ResourceRef.ResourceRef,
    shareId: string,
    operation: string
  ): Effect.Effect<A, CoreErrors.SharingError> =>
    Effect.catchIf(
      effect,
      (e): e is CoreErrors.Conflict =>
        e._tag === "Conflict" && Errors.inheritedReasons.includes(Errors.reasonOf(e) ?? ""),
      (refused) =>
        client.getPermission(resource.id, shareId).pipe(
          Effect.flatMap((p) => toShare(resource, p, operation)),
          Effect.flatMap((share) => Effect.fail(inheritedConflict(share, operation, refused.detail))),
          Effect.catchIf(
            (e): e is Exclude<CoreErrors.SharingError, CoreErrors.Conflict> => e._tag !== "Conflict",
            () => Effect.fail(refused)
          )
        )
    )

  const inheritedConflict = (share: Share.Share, operation: string, detail?: unknown) => {
    const from = share.inheritedFrom
    const where =
      from === undefined
        ? "a folder above it (Drive does not say which outside shared drives)"
        : from.kind === "drive"
          ? `the membership of shared drive ${from.id}`
          : `folder ${from.id}`
    return new CoreErrors.Conflict({
      provider,
      operation,
      message: `${provider} ${operation}: ${Grantee.describe(share.grantee)} (share ${share.id}) on ${ResourceRef.describe(share.resource)} is inherited from ${where}; change it there`,
      detail: { ...(typeof detail === "object" && detail !== null ? detail : {}), inheritedFrom: from ?? null }
    })
  }

  const list: SharingProvider.Shape["list"] = (resource, listOptions = {}) =>
    client.listPermissions(resource.id).pipe(
      Stream.mapEffect((p) => toShare(resource, p, "list")),
      Stream.filter((share) => listOptions.includeInherited !== false || !share.inherited)
    )

  const get: SharingProvider.Shape["get"] = (resource, shareId) =>
    Effect.flatMap(client.getPermission(resource.id, shareId), (p) => toShare(resource, p, "get"))

  const grant: SharingProvider.Shape["grant"] = (resource, request) =>
    Effect.gen(function* () {
      const prepared = yield* prepare(resource, request, "grant", "grantee")
      return yield* locks.withLock(
        ResourceRef.key(resource),
        Effect.flatMap(listAll(resource.id), (current) => apply(resource, current, prepared))
      )
    })

  const grantAll: NonNullable<SharingProvider.Shape["grantAll"]> = (resource, requests) =>
    Effect.gen(function* () {
      if (requests.length === 0) return []
      // every request is validated before the first request
      const prepared = yield* Effect.forEach(requests, (r, i) => prepare(resource, r, "grant", `requests.${i}.grantee`))
      return yield* locks.withLock(
        ResourceRef.key(resource),
        Effect.flatMap(listAll(resource.id), (current) => Effect.forEach(prepared, (p) => apply(resource, current, p)))
      )
    })

  const update: SharingProvider.Shape["update"] = (resource, shareId, level, updateOptions = {}) =>
    Effect.gen(function* () {
      const translated = yield* Effect.fromResult(
        Translation.translateUpdate(caps, resource.kind, level, updateOptions, "update")
      )
      yield* logWarnings(translated.warnings, resource, "update")
      const wanted = translated.value
      const expiresAt = yield* checkExpiry(resource, wanted.expiresAt, updateOptions.onExpiry, wanted.level, "update")
      const change: Client.UpdatePermission = {
        role: roleFor(wanted.level, wanted.providerRole),
        ...(typeof expiresAt === "string" ? { expirationTime: expiresAt } : {})
      }
      const patch = namedInherited(
        client.updatePermission(resource.id, shareId, change, expiresAt === null ? { removeExpiration: true } : {}),
        resource,
        shareId,
        "update"
      )
      return yield* locks.withLock(
        ResourceRef.key(resource),
        Effect.flatMap(patch, (p) => toShare(resource, p, "update"))
      )
    })

  const revoke: SharingProvider.Shape["revoke"] = (resource, shareId) =>
    locks.withLock(
      ResourceRef.key(resource),
      namedInherited(
        // a permission already gone is revoked; a missing file is not
        Effect.catchIf(
          client.deletePermission(resource.id, shareId),
          (e) => e._tag === "NotFound" && locationOf(e) === "permissionId",
          () => Effect.void
        ),
        resource,
        shareId,
        "revoke"
      )
    )

  const resolveGrantee: NonNullable<SharingProvider.Shape["resolveGrantee"]> = (grantee) =>
    Effect.gen(function* () {
      switch (grantee._tag) {
        case "User":
          if (grantee.email !== undefined) return Option.some(grantee)
          return yield* new CoreErrors.Unsupported({
            provider,
            operation: "resolveGrantee",
            feature: "resolving a permission id to an email",
            message: `${provider} resolveGrantee: Drive shares with users by email; ${Grantee.describe(grantee)} has only a permission id, which Drive cannot grant (field: grantee.email)`
          })
        case "Group":
        case "Domain":
        case "Anyone":
          return Option.some(grantee)
        case "Everyone":
          if (everyoneDomain !== undefined) return Option.some(Grantee.domain(everyoneDomain))
          return yield* new CoreErrors.Unsupported({
            provider,
            operation: "resolveGrantee",
            feature: "grantee kind Everyone",
            message: `${provider} resolveGrantee: Drive has no tenant-wide grantee; build the provider with everyoneAsDomain to share with your Workspace domain (never the public)`
          })
        default:
          return yield* new CoreErrors.Unsupported({
            provider,
            operation: "resolveGrantee",
            feature: `grantee kind ${grantee._tag}`,
            message: `${provider} resolveGrantee: Drive shares with users, groups, domains and anyone, not ${Grantee.describe(grantee)}`
          })
      }
    })

  // every entry point decodes its arguments and checks file ids, permission ids and emails first
  return Input.guard({ capabilities: caps, list, get, grant, grantAll, update, revoke, resolveGrantee }, inputRules)
}

/** The envelope's `location` carried in a neutral error's detail (`fileId`, `permissionId`). */
const locationOf = (error: CoreErrors.SharingError): string | undefined => {
  const detail = error.detail
  return typeof detail === "object" && detail !== null && "location" in detail
    ? String((detail as { location: unknown }).location)
    : undefined
}

/**
 * Builds the provider (and its client) on the `HttpClient` in context; the options are checked
 * first (`everyoneAsDomain` must be a domain name).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Provider } from "@unishare/google-drive"
 * const provider = Provider.make({ credentials: Redacted.make("ya29.a0…") }).pipe(Effect.provide(FetchHttpClient.layer))
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
