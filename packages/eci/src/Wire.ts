/**
 * Schemas of the EnergyCAP (ECI-ApiKey) API v3 JSON, as the EnergyCAP developer reference documents
 * it: list sharing (`ShareRequest` / `ShareResponse`), lists, users, user groups and RFC 7807
 * problem details. Property names are the wire names; unknown properties are tolerated (ignored),
 * and the descriptive strings EnergyCAP may leave out or send as `null` are optional and nullable.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * A 32-bit signed integer, the type of every EnergyCAP identifier (`format: int32`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/eci"
 * Schema.is(Wire.Int32)(2_147_483_648) // false
 * ```
 */
export const Int32 = Schema.Number.check(Schema.isInt32())

/**
 * An identifier we accept as input: a positive int32 (`1 … 2147483647`). EnergyCAP ids start at 1.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/eci"
 * Schema.is(Wire.Id)(42) // true
 * Schema.is(Wire.Id)(0) // false
 * ```
 */
export const Id = Schema.Number.check(
  Schema.isInt32(),
  Schema.isBetween({ minimum: 1, maximum: 2_147_483_647 }, { message: "must be a positive int32 (1 … 2147483647)" })
)

/** Largest int32, the upper bound of every EnergyCAP id. @example Wire.maxId // 2147483647 */
export const maxId = 2_147_483_647

const Text = Schema.optionalKey(Schema.NullOr(Schema.String))
const Flag = Schema.optionalKey(Schema.NullOr(Schema.Boolean))
const Count = Schema.optionalKey(Schema.NullOr(Int32))

/**
 * Body of `PUT /api/v3/list/{listId}/share` (EditListShareV3). All three fields are required;
 * both id lists must be empty when `sharedWithEveryone` is `true`.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/eci"
 * const body: Wire.ShareRequest = { sharedUserGroupIds: [1], sharedUserIds: [1], sharedWithEveryone: false }
 * ```
 */
export const ShareRequest = Schema.Struct({
  sharedUserGroupIds: Schema.Array(Int32),
  sharedUserIds: Schema.Array(Int32),
  sharedWithEveryone: Schema.Boolean
})
/** @example const none: Wire.ShareRequest = { sharedUserGroupIds: [], sharedUserIds: [], sharedWithEveryone: false } */
export type ShareRequest = typeof ShareRequest.Type

/**
 * A user as nested in other objects (`UserChild`): id, login name (`userCode`) and full name.
 * There is no email here; resolve emails with `GET /api/v3/user`.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/eci"
 * const u: Wire.UserChild = { userId: 12, userCode: "ada", fullName: "Ada Lovelace" }
 * ```
 */
export const UserChild = Schema.Struct({ userId: Int32, userCode: Text, fullName: Text })
/** @example const u: Wire.UserChild = { userId: 1 } */
export type UserChild = typeof UserChild.Type

/**
 * A user group as nested in other objects (`UserGroupChild`).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/eci"
 * const g: Wire.UserGroupChild = { userGroupId: 7, userGroupName: "Finance" }
 * ```
 */
export const UserGroupChild = Schema.Struct({ userGroupId: Int32, userGroupName: Text })
/** @example const g: Wire.UserGroupChild = { userGroupId: 7 } */
export type UserGroupChild = typeof UserGroupChild.Type

/**
 * Answer of `GET` / `PUT /api/v3/list/{listId}/share`. `sharedUsers` holds only users shared with
 * directly, not the members of shared groups.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/eci"
 * const r: Wire.ShareResponse = { sharedUserGroups: [{ userGroupId: 7 }], sharedUsers: [], sharedWithEveryone: false }
 * ```
 */
export const ShareResponse = Schema.Struct({
  sharedUserGroups: Schema.Array(UserGroupChild),
  sharedUsers: Schema.Array(UserChild),
  sharedWithEveryone: Schema.Boolean
})
/** @example const r: Wire.ShareResponse = { sharedUserGroups: [], sharedUsers: [], sharedWithEveryone: true } */
export type ShareResponse = typeof ShareResponse.Type

/**
 * A list type (`ListTypeChild`): bill lists, records lists, … (numeric ids are tenant data).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/eci"
 * const t: Wire.ListTypeChild = { listTypeId: 1, listTypeInfo: "Bill" }
 * ```
 */
export const ListTypeChild = Schema.Struct({ listTypeId: Int32, listTypeInfo: Text, listTypeDescription: Text })
/** @example const t: Wire.ListTypeChild = { listTypeId: 2 } */
export type ListTypeChild = typeof ListTypeChild.Type

/**
 * A list as `GET /api/v3/list` returns it (`ListCreateResponse`); `listInfo` is its name and
 * `user` its creator.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/eci"
 * const l: Wire.ListCreateResponse = { listId: 42, listInfo: "Open bills", sharedList: true }
 * ```
 */
export const ListCreateResponse = Schema.Struct({
  listId: Int32,
  listInfo: Text,
  listDescription: Text,
  listType: Schema.optionalKey(Schema.NullOr(ListTypeChild)),
  sharedList: Flag,
  user: Schema.optionalKey(Schema.NullOr(UserChild)),
  visible: Flag
})
/** @example const l: Wire.ListCreateResponse = { listId: 1 } */
export type ListCreateResponse = typeof ListCreateResponse.Type

/**
 * Body of `POST /api/v3/list` (CreateDefaultListV3): the list's name (`listInfo`, required, at most
 * 50 characters), an optional description (at most 255) and its list type (required).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/eci"
 * const body: Wire.ListCreate = { listInfo: "Open bills", listTypeId: 1 }
 * ```
 */
export const ListCreate = Schema.Struct({
  listInfo: Schema.String.check(
    Schema.isMinLength(1, { message: "must not be empty" }),
    Schema.isMaxLength(50, { message: "must be at most 50 characters" })
  ),
  listDescription: Schema.optionalKey(
    Schema.String.check(Schema.isMaxLength(255, { message: "must be at most 255 characters" }))
  ),
  listTypeId: Id
})
/** @example const c: Wire.ListCreate = { listInfo: "Meters", listTypeId: 2 } */
export type ListCreate = typeof ListCreate.Type

/**
 * Body of `PUT /api/v3/list/{listId}/visible` (EditListShareVisibilityV3): shows or hides a list for
 * the calling user only. It does not change who the list is shared with.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/eci"
 * const body: Wire.ToggleVisible = { visible: false }
 * ```
 */
export const ToggleVisible = Schema.Struct({ visible: Schema.Boolean })
/** @example const t: Wire.ToggleVisible = { visible: true } */
export type ToggleVisible = typeof ToggleVisible.Type

/**
 * A user as `GET /api/v3/user` returns it. Only the identity fields are modelled; the real object
 * has many more, which are ignored. Without the "Users & Roles: View" permission EnergyCAP returns a
 * restricted set of properties, so `email` may be missing.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/eci"
 * const u: Wire.UserResponse = { userId: 12, userCode: "ada", email: "ada@example.com", active: true }
 * ```
 */
export const UserResponse = Schema.Struct({
  userId: Int32,
  userCode: Text,
  fullName: Text,
  email: Text,
  active: Flag
})
/** @example const u: Wire.UserResponse = { userId: 1 } */
export type UserResponse = typeof UserResponse.Type

/**
 * A user group as `GET /api/v3/userGroup` returns it.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/eci"
 * const g: Wire.UserGroupResponse = { userGroupId: 7, userGroupName: "Finance", memberCount: 3 }
 * ```
 */
export const UserGroupResponse = Schema.Struct({
  userGroupId: Int32,
  userGroupName: Text,
  description: Text,
  memberCount: Count,
  lastUpdated: Text
})
/** @example const g: Wire.UserGroupResponse = { userGroupId: 7 } */
export type UserGroupResponse = typeof UserGroupResponse.Type

/**
 * RFC 7807 problem details, EnergyCAP's error body (ASP.NET style; validation failures may add
 * `errors`, a map from field to messages).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/eci"
 * const p: Wire.ProblemDetails = { title: "Bad Request", status: 400, detail: "sharedUserIds is required" }
 * ```
 */
export const ProblemDetails = Schema.Struct({
  type: Text,
  title: Text,
  status: Schema.optionalKey(Schema.NullOr(Schema.Number)),
  detail: Text,
  instance: Text,
  errors: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown)))
})
/** @example const p: Wire.ProblemDetails = { title: "Unauthorized", status: 401 } */
export type ProblemDetails = typeof ProblemDetails.Type

/**
 * The pagination headers EnergyCAP sends on paginated operations (names as documented; HTTP
 * header names are case-insensitive, so we read them lower-cased).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/eci"
 * Wire.pageHeaders.totalPages // "TotalPages"
 * ```
 */
export const pageHeaders = {
  pageNumber: "PageNumber",
  pageSize: "PageSize",
  totalNumberOfRecords: "TotalNumberOfRecords",
  totalPages: "TotalPages"
} as const

/** Documented default page size. @example Wire.defaultPageSize // 250 */
export const defaultPageSize = 250
/** Documented maximum page size (larger values are capped by the server). @example Wire.maxPageSize // 1000 */
export const maxPageSize = 1000
