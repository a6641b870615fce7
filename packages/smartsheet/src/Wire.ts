/**
 * Schemas of the Smartsheet `/2.0/shares` JSON, as documented (camelCase is Smartsheet's own
 * spelling). Unknown fields are tolerated on decode; ids that the docs type as numbers but the
 * live API returns as strings (`userId`, `groupId`) are accepted as either and decoded to strings.
 *
 * @since 0.1.0
 */
import { FastDecode, Ids } from "@unishare/core"
import { Schema, SchemaGetter } from "effect"

/**
 * The kinds of asset the unified sharing endpoints accept. `sight` is a dashboard.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/smartsheet"
 * Schema.decodeUnknownSync(Wire.AssetType)("sight") // "sight"
 * ```
 */
export const AssetType = Schema.Literals(["sheet", "report", "sight", "workspace", "collection", "file"])
/** @example const t: Wire.AssetType = "sheet" */
export type AssetType = typeof AssetType.Type

/**
 * Every asset type, in documentation order.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/smartsheet"
 * Wire.assetTypes.includes("file") // true
 * ```
 */
export const assetTypes: ReadonlyArray<AssetType> = AssetType.literals

/**
 * Smartsheet access levels. `OWNER` is reported on reads; it cannot be granted (1026).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/smartsheet"
 * Schema.decodeUnknownSync(Wire.AccessLevel)("EDITOR_SHARE")
 * ```
 */
export const AccessLevel = Schema.Literals(["ADMIN", "COMMENTER", "EDITOR", "EDITOR_SHARE", "OWNER", "VIEWER"])
/** @example const l: Wire.AccessLevel = "VIEWER" */
export type AccessLevel = typeof AccessLevel.Type

/**
 * Where a share comes from: the item itself, or the workspace that contains it.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/smartsheet"
 * Wire.ShareScope.literals // ["ITEM", "WORKSPACE"]
 * ```
 */
export const ShareScope = Schema.Literals(["ITEM", "WORKSPACE"])
/** @example const s: Wire.ShareScope = "WORKSPACE" */
export type ShareScope = typeof ShareScope.Type

/**
 * Whether a share is to a user or to a group.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/smartsheet"
 * Wire.ShareType.literals // ["USER", "GROUP"]
 * ```
 */
export const ShareType = Schema.Literals(["USER", "GROUP"])
/** @example const t: Wire.ShareType = "GROUP" */
export type ShareType = typeof ShareType.Type

/**
 * A user or group id: a JSON string or number on the wire, always a string once decoded.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/smartsheet"
 * Schema.decodeUnknownSync(Wire.Id)(9876543210) // "9876543210"
 * ```
 */
export const Id = Schema.Union([Schema.String, Schema.Number]).pipe(
  Schema.decodeTo(Schema.String, {
    decode: SchemaGetter.transform((value: string | number) => String(value)),
    encode: SchemaGetter.transform((value: string) => value)
  })
)
/** @example const id: Wire.Id = "9876543210" */
export type Id = typeof Id.Type

/**
 * One share, as returned by get, update, list (`items`) and create (`result`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/smartsheet"
 * Schema.decodeUnknownSync(Wire.Share)({ id: "AAAMCmYGFOeE", email: "a@b.co", userId: "9876543210",
 *   type: "USER", accessLevel: "ADMIN", scope: "ITEM" })
 * ```
 */
export const Share = Schema.Struct({
  id: Schema.String,
  email: Schema.optionalKey(Schema.String),
  userId: Schema.optionalKey(Id),
  groupId: Schema.optionalKey(Id),
  name: Schema.optionalKey(Schema.String),
  type: ShareType,
  accessLevel: AccessLevel,
  scope: ShareScope
})
/** @example const s: Wire.Share = { id: "AAA", type: "GROUP", groupId: "1", accessLevel: "VIEWER", scope: "ITEM" } */
export type Share = typeof Share.Type

const accessLevels: ReadonlySet<unknown> = new Set(AccessLevel.literals)
const shareTypes: ReadonlySet<unknown> = new Set(ShareType.literals)
const shareScopes: ReadonlySet<unknown> = new Set(ShareScope.literals)
const fastId = (u: unknown): string | undefined =>
  typeof u === "string" ? u : typeof u === "number" ? String(u) : undefined

/** `Share`'s fast path (see `FastDecode`): the same result as the schema, or `undefined`. */
const fastShare = (u: unknown): Share | undefined => {
  if (!FastDecode.isRecord(u)) return undefined
  if (typeof u.id !== "string" || !shareTypes.has(u.type) || !accessLevels.has(u.accessLevel)) return undefined
  if (!shareScopes.has(u.scope) || !FastDecode.optionalString(u, "email") || !FastDecode.optionalString(u, "name")) {
    return undefined
  }
  const share: { -readonly [K in keyof Share]: Share[K] } = {
    id: u.id,
    type: u.type as ShareType,
    accessLevel: u.accessLevel as AccessLevel,
    scope: u.scope as ShareScope
  }
  if ("email" in u) share.email = u.email as string
  if ("name" in u) share.name = u.name as string
  if ("userId" in u) {
    const id = fastId(u.userId)
    if (id === undefined) return undefined
    share.userId = id
  }
  if ("groupId" in u) {
    const id = fastId(u.groupId)
    if (id === undefined) return undefined
    share.groupId = id
  }
  return share
}

/**
 * One page of `GET /shares`: the shares in `items`, and `lastKey` unless this is the last page.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/smartsheet"
 * Schema.decodeUnknownSync(Wire.SharesPage)({ items: [] }).lastKey // undefined
 * ```
 */
export const SharesPage = FastDecode.withFastPath(
  Schema.Struct({
    items: Schema.Array(Share),
    lastKey: Schema.optionalKey(Schema.String)
  }),
  (u) => {
    if (!FastDecode.isRecord(u) || !FastDecode.optionalString(u, "lastKey")) return undefined
    const items = FastDecode.array(u.items, fastShare)
    if (items === undefined) return undefined
    return "lastKey" in u ? { items, lastKey: u.lastKey as string } : { items }
  }
)
/** @example const p: Wire.SharesPage = { items: [], lastKey: "k" } */
export type SharesPage = typeof SharesPage.Type

/**
 * One share request of `POST /shares`: exactly one of `email` (exactly one primary address, see
 * `Ids.Email`) or `groupId` (a positive int64),
 * an `accessLevel`, and the email fields that only matter with `sendEmail=true`. Read-only share
 * fields such as `scope` are not part of it (the API rejects them with 1008).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/smartsheet"
 * Schema.decodeUnknownSync(Wire.CreateShareRequest)({ groupId: 42, accessLevel: "VIEWER" }).groupId // "42"
 * ```
 */
export const CreateShareRequest = Schema.Struct({
  email: Schema.optionalKey(Ids.Email),
  groupId: Schema.optionalKey(Id.pipe(Schema.decodeTo(Ids.Int64Text))),
  accessLevel: AccessLevel,
  subject: Schema.optionalKey(Schema.String),
  message: Schema.optionalKey(Schema.String),
  ccMe: Schema.optionalKey(Schema.Boolean)
}).check(
  Schema.makeFilter(
    (r) =>
      r.email !== undefined && r.groupId !== undefined
        ? { path: ["groupId"], issue: "give exactly one of email or groupId, not both" }
        : r.email === undefined && r.groupId === undefined
          ? { path: ["email"], issue: "give exactly one of email or groupId" }
          : undefined,
    { title: "exactly one of email or groupId" }
  )
)
/** @example const r: Wire.CreateShareRequest = { email: "ada@example.com", accessLevel: "EDITOR" } */
export type CreateShareRequest = typeof CreateShareRequest.Type

/**
 * Body of `PATCH /shares/{shareId}`: the new access level and nothing else.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/smartsheet"
 * const body: Wire.UpdateShareRequest = { accessLevel: "COMMENTER" }
 * ```
 */
export const UpdateShareRequest = Schema.Struct({ accessLevel: AccessLevel })
/** @example const u: Wire.UpdateShareRequest = { accessLevel: "VIEWER" } */
export type UpdateShareRequest = typeof UpdateShareRequest.Type

/**
 * Answer of `POST /shares`: the shares created. Requests for shares that already existed are left
 * out of `result` (array bodies).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/smartsheet"
 * Schema.decodeUnknownSync(Wire.ShareAssetResult)({ message: "SUCCESS", resultCode: 0, result: [] })
 * ```
 */
export const ShareAssetResult = Schema.Struct({
  message: Schema.String,
  resultCode: Schema.Number,
  result: Schema.optionalKey(Schema.Array(Share))
})
/** @example const r: Wire.ShareAssetResult = { message: "SUCCESS", resultCode: 0, result: [] } */
export type ShareAssetResult = typeof ShareAssetResult.Type

/**
 * Answer of `DELETE /shares/{shareId}`.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/smartsheet"
 * const ok: Wire.GenericSuccess = { message: "SUCCESS", resultCode: 0 }
 * ```
 */
export const GenericSuccess = Schema.Struct({ message: Schema.String, resultCode: Schema.Number })
/** @example const ok: Wire.GenericSuccess = { message: "SUCCESS", resultCode: 0 } */
export type GenericSuccess = typeof GenericSuccess.Type

/**
 * The error envelope: `errorCode`, `message`, and usually `refId`; `detail` on some errors.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/smartsheet"
 * Schema.decodeUnknownSync(Wire.ErrorBody)({ errorCode: 1006, message: "Not Found", refId: "abc" })
 * ```
 */
export const ErrorBody = Schema.Struct({
  errorCode: Schema.Number,
  message: Schema.String,
  refId: Schema.optionalKey(Schema.String),
  detail: Schema.optionalKey(Schema.Unknown)
})
/** @example const e: Wire.ErrorBody = { errorCode: 4003, message: "Rate limit exceeded." } */
export type ErrorBody = typeof ErrorBody.Type
