/**
 * Schemas of the Google Drive API v3 permissions JSON (`drive.permissions.*`), as the Drive v3
 * discovery document describes them (`Permission`, `PermissionList`) plus Google's JSON error
 * envelope. Property names are the wire names (Google's camelCase). Unknown properties are
 * tolerated on decode (ignored), as Google adds fields over time; every documented field but
 * `id`, `type` and `role` is optional, because Drive returns only the fields a request's `fields`
 * selector names.
 *
 * - `type` is one of `user`, `group`, `domain`, `anyone` (the only values a simulator or a proxy
 *   validating the extract may emit).
 * - `role` is open on decode: the discovery document lists `owner`, `organizer`, `fileOrganizer`,
 *   `writer`, `commenter`, `reader` and warns that more may be added, so a newer role decodes as
 *   a plain string (`isKnownRole` tells them apart). Request bodies accept only the six.
 * - `permissionDetails[].permissionType` (`file`, `member`) and `view` (`published`, `metadata`)
 *   are open for the same reason.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"

const NonEmpty = Schema.String.check(Schema.isMinLength(1))

/**
 * The six documented roles, from most to least access (`organizer` and `fileOrganizer` exist only
 * in shared drives; `owner` only outside them).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * Wire.roles[0] // "owner"
 * ```
 */
export const roles = ["owner", "organizer", "fileOrganizer", "writer", "commenter", "reader"] as const

/**
 * A documented role (what request bodies accept).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/google-drive"
 * Schema.is(Wire.Role)("fileOrganizer") // true
 * Schema.is(Wire.Role)("editor") // false
 * ```
 */
export const Role = Schema.Literals(roles)
/** @example const r: Wire.Role = "writer" */
export type Role = typeof Role.Type

/**
 * `role` as responses carry it: a documented role, or a newer one as a plain non-empty string.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/google-drive"
 * Schema.decodeUnknownSync(Wire.RoleValue)("contentManager") // "contentManager"
 * ```
 */
export const RoleValue = Schema.Union([Role, NonEmpty])
/** @example const r: Wire.RoleValue = "reader" */
export type RoleValue = typeof RoleValue.Type

/**
 * `true` for one of the six documented roles.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * Wire.isKnownRole("writer") // true
 * Wire.isKnownRole("contentManager") // false
 * ```
 */
export const isKnownRole = (u: string): u is Role => (roles as ReadonlyArray<string>).includes(u)

/**
 * The rank of a role, higher is more access (`owner` 6 … `reader` 1); 0 for a role this package
 * does not know.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * Wire.roleRank("writer") > Wire.roleRank("commenter") // true
 * ```
 */
export const roleRank = (role: string): number => (isKnownRole(role) ? roles.length - roles.indexOf(role) : 0)

/**
 * The four grantee types: `user` and `group` name an `emailAddress`, `domain` a `domain`, and
 * `anyone` nothing else.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * Wire.GranteeType.literals // ["user", "group", "domain", "anyone"]
 * ```
 */
export const GranteeType = Schema.Literals(["user", "group", "domain", "anyone"])
/** @example const t: Wire.GranteeType = "domain" */
export type GranteeType = typeof GranteeType.Type

/**
 * Documented values of `permissionDetails[].permissionType`: `file` (a grant on the item or a
 * folder above it) and `member` (shared-drive membership).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * Wire.permissionTypes.includes("member") // true
 * ```
 */
export const permissionTypes = ["file", "member"] as const

/**
 * Documented values of `view`: `published`, and `metadata` (folders only).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * Wire.views // ["published", "metadata"]
 * ```
 */
export const views = ["published", "metadata"] as const

/**
 * One source of a permission (`permissionDetails[]`): where the access comes from and at which
 * role. `inherited` is always present; `inheritedFrom` (the id of the ancestor item) is filled only
 * for items in shared drives.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/google-drive"
 * Schema.decodeUnknownSync(Wire.PermissionDetail)({ permissionType: "member", role: "writer",
 *   inheritedFrom: "0AFinanceDriveAAAAAAA", inherited: true })
 * ```
 */
export const PermissionDetail = Schema.Struct({
  permissionType: Schema.optionalKey(NonEmpty),
  role: Schema.optionalKey(RoleValue),
  inheritedFrom: Schema.optionalKey(Schema.String),
  inherited: Schema.Boolean
})
/** @example const d: Wire.PermissionDetail = { permissionType: "file", role: "reader", inherited: false } */
export type PermissionDetail = typeof PermissionDetail.Type

/**
 * One entry of the deprecated `teamDrivePermissionDetails[]` (the old twin of `permissionDetails`;
 * this package never asks for it, and decodes it when a response carries it anyway).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * const d: Wire.TeamDrivePermissionDetail = { teamDrivePermissionType: "member", role: "reader", inherited: true }
 * ```
 */
export const TeamDrivePermissionDetail = Schema.Struct({
  teamDrivePermissionType: Schema.optionalKey(Schema.String),
  role: Schema.optionalKey(Schema.String),
  inheritedFrom: Schema.optionalKey(Schema.String),
  inherited: Schema.optionalKey(Schema.Boolean)
})
/** @example const d: Wire.TeamDrivePermissionDetail = { inherited: false } */
export type TeamDrivePermissionDetail = typeof TeamDrivePermissionDetail.Type

/**
 * The `Permission` resource as responses carry it. Only `kind`, `id`, `type` and `role` come back
 * unless `fields` asks for more (the client always asks for every field below but the deprecated
 * `teamDrivePermissionDetails`, see `permissionFields`).
 *
 * - `id` is the grantee's permission id (the same for a user on every file); `anyoneWithLink` is
 *   the id of an `anyone` permission with `allowFileDiscovery: false`.
 * - `expirationTime` is RFC 3339; `pendingOwner` marks a consumer ownership offer.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/google-drive"
 * Schema.decodeUnknownSync(Wire.Permission)({ kind: "drive#permission", id: "anyoneWithLink",
 *   type: "anyone", role: "reader", allowFileDiscovery: false, somethingNew: 1 })
 * ```
 */
export const Permission = Schema.Struct({
  kind: Schema.optionalKey(Schema.String),
  id: NonEmpty,
  type: GranteeType,
  role: RoleValue,
  emailAddress: Schema.optionalKey(Schema.String),
  domain: Schema.optionalKey(Schema.String),
  displayName: Schema.optionalKey(Schema.String),
  photoLink: Schema.optionalKey(Schema.String),
  allowFileDiscovery: Schema.optionalKey(Schema.Boolean),
  expirationTime: Schema.optionalKey(Schema.String),
  deleted: Schema.optionalKey(Schema.Boolean),
  pendingOwner: Schema.optionalKey(Schema.Boolean),
  permissionDetails: Schema.optionalKey(Schema.Array(PermissionDetail)),
  teamDrivePermissionDetails: Schema.optionalKey(Schema.Array(TeamDrivePermissionDetail)),
  view: Schema.optionalKey(Schema.String),
  inheritedPermissionsDisabled: Schema.optionalKey(Schema.Boolean)
})
/** @example const p: Wire.Permission = { id: "07965465427357485231", type: "user", role: "writer" } */
export type Permission = typeof Permission.Type

/**
 * The fields of `Permission` the client asks for with `fields`: every documented field except the
 * deprecated `teamDrivePermissionDetails`.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * Wire.permissionFields.includes("permissionDetails") // true
 * ```
 */
export const permissionFields: ReadonlyArray<keyof Permission> = Object.keys(Permission.fields).filter(
  (f) => f !== "teamDrivePermissionDetails"
) as ReadonlyArray<keyof Permission>

/**
 * The `fields` selector of a single-permission answer (get, create, update).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * Wire.permissionSelector.startsWith("kind,id,type,role") // true
 * ```
 */
export const permissionSelector: string = permissionFields.join(",")

/**
 * The `fields` selector of a list page: `kind`, `nextPageToken` and every permission field.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * Wire.listSelector.startsWith("kind,nextPageToken,permissions(") // true
 * ```
 */
export const listSelector = `kind,nextPageToken,permissions(${permissionSelector})`

/**
 * One page of `permissions.list`: `nextPageToken` is absent on the last page (a page may be empty
 * while a token is present). A body without `permissions` decodes to an empty page.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/google-drive"
 * Schema.decodeUnknownSync(Wire.PermissionList)({ kind: "drive#permissionList" }).permissions // []
 * ```
 */
export const PermissionList = Schema.Struct({
  kind: Schema.optionalKey(Schema.String),
  nextPageToken: Schema.optionalKey(Schema.String),
  permissions: Schema.Array(Permission).pipe(Schema.withDecodingDefaultKey(Effect.succeed([])))
})
/** @example const page: Wire.PermissionList = { permissions: [], nextPageToken: "t" } */
export type PermissionList = typeof PermissionList.Type

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/

/**
 * Milliseconds since the epoch of an RFC 3339 date-time, or `undefined` when the text is not one
 * (including impossible dates such as February 30).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * Wire.parseDateTime("1970-01-01T00:00:01Z") // 1000
 * Wire.parseDateTime("2026-02-30T00:00:00Z") // undefined
 * ```
 */
export const parseDateTime = (s: string): number | undefined => {
  const m = rfc3339.exec(s)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number
  ]
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (day > days) return undefined
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return undefined
  const millis = Date.parse(s.toUpperCase())
  return Number.isFinite(millis) ? millis : undefined
}

/**
 * RFC 3339 date-time with a time zone (`2026-01-31T12:00:00Z`, `2026-01-31T12:00:00.000+01:00`):
 * the format of `expirationTime`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/google-drive"
 * Schema.is(Wire.DateTime)("2026-01-31T12:00:00Z") // true
 * Schema.is(Wire.DateTime)("2026-01-31") // false
 * ```
 */
export const DateTime = Schema.String.check(
  Schema.makeFilter<string>(
    (s) => parseDateTime(s) !== undefined || "must be an RFC 3339 date-time with a time zone (2026-01-31T12:00:00Z)",
    { title: "RFC 3339 date-time" }
  )
)

/**
 * The latest expiration Drive accepts for a grant made at `now`: one calendar year later (the
 * discovery document: "at most one year in the future").
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * new Date(Wire.maxExpiration(Date.UTC(2026, 0, 31))).toISOString() // "2027-01-31T00:00:00.000Z"
 * ```
 */
export const maxExpiration = (now: number): number => {
  const d = new Date(now)
  d.setUTCFullYear(d.getUTCFullYear() + 1)
  return d.getTime()
}

/**
 * Body of `permissions.create`: `type` and `role` are required; `emailAddress` for `user` and
 * `group`, `domain` for `domain`; `allowFileDiscovery` only for `domain` and `anyone`;
 * `expirationTime` only for `user` and `group`; `pendingOwner` only for a `user` at `writer` (see
 * `Client.createRules` for the combinations the client refuses before sending).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * const body: Wire.CreatePermissionBody = { type: "user", role: "reader", emailAddress: "bob@example.com" }
 * ```
 */
export const CreatePermissionBody = Schema.Struct({
  type: GranteeType,
  role: Role,
  emailAddress: Schema.optionalKey(Schema.String),
  domain: Schema.optionalKey(Schema.String),
  allowFileDiscovery: Schema.optionalKey(Schema.Boolean),
  expirationTime: Schema.optionalKey(DateTime),
  pendingOwner: Schema.optionalKey(Schema.Boolean)
})
/** @example const b: Wire.CreatePermissionBody = { type: "anyone", role: "reader", allowFileDiscovery: false } */
export type CreatePermissionBody = typeof CreatePermissionBody.Type

/**
 * Body of `permissions.update` (PATCH: only the fields present change): `role`, `expirationTime`
 * and `pendingOwner`. The grantee (`type`, `emailAddress`, `domain`) cannot be changed.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * const body: Wire.UpdatePermissionBody = { role: "commenter" }
 * ```
 */
export const UpdatePermissionBody = Schema.Struct({
  role: Schema.optionalKey(Role),
  expirationTime: Schema.optionalKey(DateTime),
  pendingOwner: Schema.optionalKey(Schema.Boolean)
})
/** @example const b: Wire.UpdatePermissionBody = { expirationTime: "2026-12-31T00:00:00Z" } */
export type UpdatePermissionBody = typeof UpdatePermissionBody.Type

/**
 * One item of `error.errors[]`: `reason` is the machine-readable cause the client keys on
 * (`notFound`, `insufficientFilePermissions`, `userRateLimitExceeded`, …); `location` names the
 * parameter or header concerned.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/google-drive"
 * const item: Wire.ErrorItem = { domain: "global", reason: "notFound", message: "File not found: x.", location: "fileId" }
 * ```
 */
export const ErrorItem = Schema.Struct({
  domain: Schema.optionalKey(Schema.String),
  reason: Schema.optionalKey(Schema.String),
  message: Schema.optionalKey(Schema.String),
  location: Schema.optionalKey(Schema.String),
  locationType: Schema.optionalKey(Schema.String),
  extendedHelp: Schema.optionalKey(Schema.String)
})
/** @example const item: Wire.ErrorItem = { reason: "userRateLimitExceeded" } */
export type ErrorItem = typeof ErrorItem.Type

/**
 * Google's JSON error envelope: `error.code` repeats the HTTP status; newer answers may add
 * `error.status` (`PERMISSION_DENIED`, …) and `error.details`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/google-drive"
 * Schema.decodeUnknownSync(Wire.ErrorBody)({ error: { code: 403, message: "The user has reached a sharing limit.",
 *   errors: [{ domain: "global", reason: "sharingRateLimitExceeded", message: "The user has reached a sharing limit." }] } })
 * ```
 */
export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    code: Schema.Number,
    message: Schema.String,
    status: Schema.optionalKey(Schema.String),
    errors: Schema.optionalKey(Schema.Array(ErrorItem)),
    details: Schema.optionalKey(Schema.Array(Schema.Unknown))
  })
})
/** @example const e: Wire.ErrorBody = { error: { code: 404, message: "File not found: x." } } */
export type ErrorBody = typeof ErrorBody.Type
