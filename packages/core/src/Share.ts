/**
 * One grantee's access to one resource.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccessLevel } from "./AccessLevel.ts"
import { Grantee } from "./Grantee.ts"
import { ResourceRef } from "./ResourceRef.ts"
import { ShareStatus } from "./ShareStatus.ts"

/**
 * An instant in RFC 3339 form with a time zone (`2027-03-01T00:00:00Z`,
 * `2027-03-01T09:30:00.000+02:00`), as providers write expiry times.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Share } from "@unishare/core"
 * Schema.decodeUnknownSync(Share.Instant)("2027-03-01T00:00:00Z")
 * ```
 */
export const Instant = Schema.String.check(
  Schema.makeFilter(
    (s) =>
      (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(s) &&
        !Number.isNaN(Date.parse(s))) ||
      "must be an RFC 3339 instant with a time zone, such as 2027-03-01T00:00:00Z",
    { title: "RFC 3339 instant" }
  )
)

/**
 * A provider's own role when it has no exact place on the neutral ladder (Box `uploader`,
 * `previewer`, `viewer uploader`; Google Drive `fileOrganizer`). `floor` is the highest neutral
 * level the role fully includes; it is absent when the role includes none (a Box uploader cannot
 * view what it uploads into). Translations carry `floor` at most, never more: a role without one
 * cannot be moved to another provider.
 *
 * @example
 * ```ts
 * import type { Share } from "@unishare/core"
 * const uploader: Share.ProviderRole = { name: "uploader" }
 * const viewerUploader: Share.ProviderRole = { name: "viewer uploader", floor: "viewer" }
 * ```
 */
export const ProviderRole = Schema.Struct({
  name: Schema.String.check(Schema.isMinLength(1)),
  floor: Schema.optionalKey(AccessLevel)
})
/** @example const r: Share.ProviderRole = { name: "previewer" } */
export type ProviderRole = typeof ProviderRole.Type

/**
 * A share as every adapter reports it. `raw` keeps the provider's own object as an escape hatch;
 * `inherited` marks access that comes from a parent (Smartsheet `scope: WORKSPACE`, a Drive or Box
 * folder) and cannot be changed on this resource; `inheritedFrom` names that parent when the
 * provider says which. `expiresAt` is when the provider removes the access by itself. With
 * `providerRole` the provider's role is not a rung of the ladder: `level` is then its `floor`, or
 * `viewer` when it has none (and the role does not even include viewing).
 *
 * @example
 * ```ts
 * import { Grantee, Share, ShareStatus } from "@unishare/core"
 * const share: Share.Share = {
 *   id: "s1", resource: { provider: "memory", kind: "doc", id: "d1" },
 *   grantee: Grantee.group("7"), level: "viewer", status: ShareStatus.active, inherited: false
 * }
 * ```
 */
export const Share = Schema.Struct({
  id: Schema.String,
  resource: ResourceRef,
  grantee: Grantee,
  level: AccessLevel,
  status: ShareStatus,
  inherited: Schema.Boolean,
  inheritedFrom: Schema.optionalKey(ResourceRef),
  expiresAt: Schema.optionalKey(Instant),
  providerRole: Schema.optionalKey(ProviderRole),
  createdAt: Schema.optionalKey(Schema.String),
  updatedAt: Schema.optionalKey(Schema.String),
  raw: Schema.optionalKey(Schema.Unknown)
})
/** @example const shares: ReadonlyArray<Share.Share> = [] */
export type Share = typeof Share.Type

/**
 * A wanted grant: who should have which level. Used by `grant`, `replace`, the planner and `sync`.
 * `expiresAt` asks the provider to end the access then (where it cannot, the translation refuses,
 * or drops it with a `Lossy` warning under `onExpiry: "drop"`). `providerRole` asks for a
 * provider's own role (see `ProviderRole`): a provider that has it grants it; one that does not
 * gets the role's `floor` (narrowed, with a warning) and refuses a role without a floor.
 *
 * @example
 * ```ts
 * import { Grantee, type Share } from "@unishare/core"
 * const want: Share.Grant = { grantee: Grantee.user({ email: "ada@example.com" }), level: "editor" }
 * const until: Share.Grant = { grantee: Grantee.group("7"), level: "viewer", expiresAt: "2027-01-31T00:00:00Z" }
 * ```
 */
export const Grant = Schema.Struct({
  grantee: Grantee,
  level: AccessLevel,
  expiresAt: Schema.optionalKey(Instant),
  providerRole: Schema.optionalKey(ProviderRole)
})
/** @example const g: Share.Grant = { grantee: { _tag: "Everyone" }, level: "viewer" } */
export type Grant = typeof Grant.Type

/**
 * The grant a share amounts to: its grantee, level, expiry and provider role.
 *
 * @example
 * ```ts
 * import { Grantee, Share, ShareStatus } from "@unishare/core"
 * const share: Share.Share = { id: "s1", resource: { provider: "memory", kind: "doc", id: "d1" }, grantee: Grantee.group("7"),
 *   level: "viewer", status: ShareStatus.active, inherited: false, expiresAt: "2027-01-31T00:00:00Z" }
 * Share.toGrant(share) // { grantee: …, level: "viewer", expiresAt: "2027-01-31T00:00:00Z" }
 * ```
 */
export const toGrant = (share: Pick<Share, "grantee" | "level" | "expiresAt" | "providerRole">): Grant => ({
  grantee: share.grantee,
  level: share.level,
  ...(share.expiresAt !== undefined ? { expiresAt: share.expiresAt } : {}),
  ...(share.providerRole !== undefined ? { providerRole: share.providerRole } : {})
})

/**
 * `true` when two expiry times denote the same instant (both absent counts as equal).
 *
 * @example
 * ```ts
 * import { Share } from "@unishare/core"
 * Share.sameExpiry("2027-01-31T00:00:00Z", "2027-01-31T01:00:00+01:00") // true
 * ```
 */
export const sameExpiry = (a: string | undefined, b: string | undefined): boolean =>
  a === undefined || b === undefined ? a === b : Date.parse(a) === Date.parse(b)
