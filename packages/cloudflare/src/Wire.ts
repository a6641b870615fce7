/**
 * Schemas of the Cloudflare Resource Sharing JSON, exactly as documented (snake_case kept).
 *
 * - Unknown fields are tolerated (stripped on decode), `messages` is optional on every envelope
 *   (the resource-sharing envelopes do not declare it; the rest of the v4 API sends it).
 * - `resource_type` is an open enum: the documented values are typed, newer values are accepted.
 * - Identifiers are strings of at most 32 characters.
 *
 * @since 0.1.0
 */
import { Ids } from "@unishare/core"
import { Schema } from "effect"

/**
 * A Cloudflare identifier (account, share, recipient, resource, organization): 1 to 32 characters.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/cloudflare"
 * Schema.decodeUnknownSync(Wire.Id)("023e105f4ecef8ad9ca31a8372d0c353")
 * ```
 */
export const Id = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(32))
/** @example const id: Wire.Id = "023e105f4ecef8ad9ca31a8372d0c353" */
export type Id = typeof Id.Type

/**
 * An identifier this library sends (in a path or a body): 32 lowercase hexadecimal characters, the
 * format of every Cloudflare account, share, recipient, share-resource and organization id. Anything
 * else (whitespace, `..`, a lone surrogate, uppercase) is refused before a request.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/cloudflare"
 * Schema.is(Wire.RequestId)("023e105f4ecef8ad9ca31a8372d0c353") // true
 * Schema.is(Wire.RequestId)("..") // false
 * ```
 */
export const RequestId = Ids.Hex32

/**
 * The id of the underlying Cloudflare object in a resource request (`resource_id`: a ruleset,
 * policy or grant id): 1 to 32 letters, digits, `-` or `_`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/cloudflare"
 * Schema.is(Wire.ObjectId)("8ac8489932db6327334c9b6d58544cfe") // true
 * ```
 */
export const ObjectId = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9_-]{1,32}$/, { message: "must be 1 to 32 letters, digits, - or _" })
)

/**
 * The documented `resource_type` values (2026-08).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/cloudflare"
 * Wire.knownResourceTypes.includes("custom-ruleset") // true
 * ```
 */
export const knownResourceTypes = [
  "custom-ruleset",
  "gateway-policy",
  "gateway-destination-ip",
  "gateway-block-page-settings",
  "gateway-extended-email-matching",
  "idp-federation-grant"
] as const

/**
 * A documented resource type.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/cloudflare"
 * Schema.is(Wire.KnownResourceType)("gateway-policy") // true
 * ```
 */
export const KnownResourceType = Schema.Literals(knownResourceTypes)
/** @example const t: Wire.KnownResourceType = "custom-ruleset" */
export type KnownResourceType = typeof KnownResourceType.Type

/**
 * `resource_type`, open: known values are typed, unknown (newer) values decode as plain strings.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/cloudflare"
 * Schema.decodeUnknownSync(Wire.ResourceType)("trust-grant") // "trust-grant"
 * ```
 */
export const ResourceType = Schema.Union([KnownResourceType, Schema.String.check(Schema.isMinLength(1))])
/** @example const t: Wire.ResourceType = "gateway-policy" */
export type ResourceType = typeof ResourceType.Type

/**
 * `true` for a documented resource type.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/cloudflare"
 * Wire.isKnownResourceType("trust-grant") // false
 * ```
 */
export const isKnownResourceType = (u: string): u is KnownResourceType =>
  (knownResourceTypes as ReadonlyArray<string>).includes(u)

/**
 * Share status: `active`, `deleting` (deletion is asynchronous), `deleted`.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/cloudflare"
 * const s: Wire.ShareStatus = "deleting"
 * ```
 */
export const ShareStatus = Schema.Literals(["active", "deleting", "deleted"])
/** @example const s: Wire.ShareStatus = "active" */
export type ShareStatus = typeof ShareStatus.Type

/**
 * Share resource status (same values as the share status, separate component in the spec).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/cloudflare"
 * const s: Wire.ResourceStatus = "deleted"
 * ```
 */
export const ResourceStatus = Schema.Literals(["active", "deleting", "deleted"])
/** @example const s: Wire.ResourceStatus = "active" */
export type ResourceStatus = typeof ResourceStatus.Type

/**
 * Who a share targets: explicit accounts, or a whole organization.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/cloudflare"
 * const t: Wire.TargetType = "organization"
 * ```
 */
export const TargetType = Schema.Literals(["account", "organization"])
/** @example const t: Wire.TargetType = "account" */
export type TargetType = typeof TargetType.Type

/**
 * Whether the caller sent or received the share.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/cloudflare"
 * const k: Wire.ShareKind = "received"
 * ```
 */
export const ShareKind = Schema.Literals(["sent", "received"])
/** @example const k: Wire.ShareKind = "sent" */
export type ShareKind = typeof ShareKind.Type

/**
 * Recipient lifecycle: `associating → associated`, and after removal `disassociating → disassociated`.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/cloudflare"
 * const s: Wire.AssociationStatus = "associating"
 * ```
 */
export const AssociationStatus = Schema.Literals(["associating", "associated", "disassociating", "disassociated"])
/** @example const s: Wire.AssociationStatus = "associated" */
export type AssociationStatus = typeof AssociationStatus.Type

/**
 * One entry of an envelope's `errors[]` (`response_info`). Extra fields (such as `error_chain`) are tolerated.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/cloudflare"
 * const e: Wire.V4Error = { code: 7003, message: "No route for the URI" }
 * ```
 */
export const V4Error = Schema.Struct({
  code: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1000)),
  message: Schema.String,
  documentation_url: Schema.optionalKey(Schema.String),
  source: Schema.optionalKey(Schema.Struct({ pointer: Schema.optionalKey(Schema.String) }))
})
/** @example const e: Wire.V4Error = { code: 10000, message: "Authentication error" } */
export type V4Error = typeof V4Error.Type

/**
 * Pagination info of a collection. All five fields are documented as numbers (none required).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/cloudflare"
 * const info: Wire.ResultInfo = { count: 1, page: 1, per_page: 20, total_count: 1, total_pages: 1 }
 * ```
 */
export const ResultInfo = Schema.Struct({
  count: Schema.optionalKey(Schema.Number),
  page: Schema.optionalKey(Schema.Number),
  per_page: Schema.optionalKey(Schema.Number),
  total_count: Schema.optionalKey(Schema.Number),
  total_pages: Schema.optionalKey(Schema.Number)
})
/** @example const info: Wire.ResultInfo = { page: 2, total_pages: 5 } */
export type ResultInfo = typeof ResultInfo.Type

/**
 * A shared resource (`share_resource_object`). `id` is the share-resource id used in paths;
 * `resource_id` is the id of the underlying Cloudflare object.
 *
 * @example
 * ```ts
 * import type { Wire } from "@unishare/cloudflare"
 * const r: Wire.Resource = { id: "r1", resource_id: "rs1", resource_type: "custom-ruleset", resource_account_id: "a1",
 *   meta: {}, status: "active", created: "2023-09-21T18:56:32.624632Z", modified: "2023-09-21T18:56:32.624632Z",
 *   resource_version: 1 }
 * ```
 */
export const Resource = Schema.Struct({
  id: Id,
  resource_id: Id,
  resource_type: ResourceType,
  resource_account_id: Id,
  meta: Schema.Record(Schema.String, Schema.Unknown),
  status: ResourceStatus,
  created: Schema.String,
  modified: Schema.String,
  resource_version: Schema.Int
})
/** @example const rs: ReadonlyArray<Wire.Resource> = [] */
export type Resource = typeof Resource.Type

/**
 * A share (`share_object`). `resources` only with `include_resources=true`; the four counts only with
 * `include_recipient_counts=true`; `kind` is optional.
 *
 * @example
 * ```ts
 * import type { Wire } from "@unishare/cloudflare"
 * const s: Wire.Share = { id: "s1", name: "WAF rules", account_id: "a1", account_name: "Account A",
 *   organization_id: "o1", created: "2023-09-21T18:56:32.624632Z", modified: "2023-09-21T18:56:32.624632Z",
 *   status: "active", target_type: "account", kind: "sent" }
 * ```
 */
export const Share = Schema.Struct({
  id: Id,
  name: Schema.String,
  account_id: Id,
  account_name: Schema.String,
  organization_id: Id,
  created: Schema.String,
  modified: Schema.String,
  status: ShareStatus,
  target_type: TargetType,
  kind: Schema.optionalKey(ShareKind),
  resources: Schema.optionalKey(Schema.Array(Resource)),
  associated_recipient_count: Schema.optionalKey(Schema.Int),
  associating_recipient_count: Schema.optionalKey(Schema.Int),
  disassociated_recipient_count: Schema.optionalKey(Schema.Int),
  disassociating_recipient_count: Schema.optionalKey(Schema.Int)
})
/** @example const shares: ReadonlyArray<Wire.Share> = [] */
export type Share = typeof Share.Type

/**
 * Per-resource state of a recipient (with `include_resources=true`): `terminal` tells whether the
 * error is final or keeps being retried.
 *
 * @example
 * ```ts
 * import type { Wire } from "@unishare/cloudflare"
 * const e: Wire.RecipientResource = { error: "Recipient is missing necessary entitlement", resource_id: "r1",
 *   resource_version: 1, terminal: true }
 * ```
 */
export const RecipientResource = Schema.Struct({
  error: Schema.String,
  resource_id: Id,
  resource_version: Schema.Int,
  terminal: Schema.Boolean
})
/** @example const rs: ReadonlyArray<Wire.RecipientResource> = [] */
export type RecipientResource = typeof RecipientResource.Type

/**
 * A recipient (`share_recipient_object`). Soft-deleted recipients stay listed with their status.
 *
 * @example
 * ```ts
 * import type { Wire } from "@unishare/cloudflare"
 * const r: Wire.Recipient = { id: "rc1", account_id: "a2", association_status: "associating",
 *   created: "2023-09-21T18:56:32.624632Z", modified: "2023-09-21T18:56:32.624632Z" }
 * ```
 */
export const Recipient = Schema.Struct({
  id: Id,
  account_id: Id,
  association_status: AssociationStatus,
  created: Schema.String,
  modified: Schema.String,
  resources: Schema.optionalKey(Schema.Array(RecipientResource))
})
/** @example const rs: ReadonlyArray<Wire.Recipient> = [] */
export type Recipient = typeof Recipient.Type

/**
 * An account excluded from an organization-targeted share.
 *
 * @example
 * ```ts
 * import type { Wire } from "@unishare/cloudflare"
 * const x: Wire.ExcludedRecipient = { id: "x1", account_id: "a3", created: "2023-09-21T18:56:32.624632Z",
 *   modified: "2023-09-21T18:56:32.624632Z" }
 * ```
 */
export const ExcludedRecipient = Schema.Struct({
  id: Id,
  account_id: Id,
  created: Schema.String,
  modified: Schema.String
})
/** @example const xs: ReadonlyArray<Wire.ExcludedRecipient> = [] */
export type ExcludedRecipient = typeof ExcludedRecipient.Type

const envelopeFields = {
  success: Schema.Boolean,
  errors: Schema.Array(V4Error),
  messages: Schema.optionalKey(Schema.Array(Schema.Unknown))
}

/**
 * Envelope of a single object: `{ success, errors, messages?, result? }`.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/cloudflare"
 * const ShareResponse = Wire.single(Wire.Share)
 * ```
 */
export const single = <S extends Schema.Top>(result: S) =>
  Schema.Struct({ ...envelopeFields, result: Schema.optionalKey(result) })

/**
 * Envelope of a collection: `{ success, errors, messages?, result?: A[] | null, result_info? }`.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/cloudflare"
 * const SharesPage = Wire.collection(Wire.Share)
 * ```
 */
export const collection = <S extends Schema.Top>(item: S) =>
  Schema.Struct({
    ...envelopeFields,
    result: Schema.optionalKey(Schema.NullOr(Schema.Array(item))),
    result_info: Schema.optionalKey(ResultInfo)
  })

/** Single-share envelope. @example Wire.ShareResponse */
export const ShareResponse = single(Share)
/** Share collection envelope. @example Wire.ShareCollection */
export const ShareCollection = collection(Share)
/** Single-recipient envelope. @example Wire.RecipientResponse */
export const RecipientResponse = single(Recipient)
/** Recipient collection envelope. @example Wire.RecipientCollection */
export const RecipientCollection = collection(Recipient)
/** Single-resource envelope. @example Wire.ResourceResponse */
export const ResourceResponse = single(Resource)
/** Resource collection envelope. @example Wire.ResourceCollection */
export const ResourceCollection = collection(Resource)
/** Single excluded-recipient envelope. @example Wire.ExcludedRecipientResponse */
export const ExcludedRecipientResponse = single(ExcludedRecipient)
/** Excluded-recipient collection envelope. @example Wire.ExcludedRecipientCollection */
export const ExcludedRecipientCollection = collection(ExcludedRecipient)

/**
 * The failure envelope: `{ success: false, errors: V4Error[] (at least one), result: null }`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/cloudflare"
 * Schema.decodeUnknownSync(Wire.Failure)({ success: false, errors: [{ code: 7003, message: "No route for the URI" }], result: null })
 * ```
 */
export const Failure = Schema.Struct({
  success: Schema.Literal(false),
  errors: Schema.Array(V4Error).check(Schema.isMinLength(1)),
  messages: Schema.optionalKey(Schema.Array(Schema.Unknown)),
  result: Schema.Null
})
/** @example const f: Wire.Failure = { success: false, errors: [{ code: 1004, message: "not found" }], result: null } */
export type Failure = typeof Failure.Type

/**
 * A recipient in a request (`create_share_recipient_request`). Give `recipient_account_id` or
 * `organization_id` (mutually exclusive; neither = the caller's organization). `account_id` is the
 * deprecated alias of `recipient_account_id`, accepted by Cloudflare until 2027-05-26; this library
 * never sends it (see `Client.normalizeRecipient`).
 *
 * @example
 * ```ts
 * import type { Wire } from "@unishare/cloudflare"
 * const r: Wire.RecipientRequest = { recipient_account_id: "023e105f4ecef8ad9ca31a8372d0c353" }
 * ```
 */
export const RecipientRequest = Schema.Struct({
  recipient_account_id: Schema.optionalKey(RequestId),
  organization_id: Schema.optionalKey(RequestId),
  account_id: Schema.optionalKey(RequestId)
})
/** @example const r: Wire.RecipientRequest = { organization_id: "o1" } */
export type RecipientRequest = typeof RecipientRequest.Type

/**
 * A resource in a request (`create_share_resource_request`): all four fields required.
 *
 * @example
 * ```ts
 * import type { Wire } from "@unishare/cloudflare"
 * const r: Wire.CreateResourceRequest = { meta: {}, resource_account_id: "a1", resource_id: "rs1", resource_type: "custom-ruleset" }
 * ```
 */
export const CreateResourceRequest = Schema.Struct({
  meta: Schema.Record(Schema.String, Schema.Unknown),
  resource_account_id: RequestId,
  resource_id: ObjectId,
  resource_type: ResourceType
})
/** @example const rs: ReadonlyArray<Wire.CreateResourceRequest> = [] */
export type CreateResourceRequest = typeof CreateResourceRequest.Type

/**
 * Body of `POST /accounts/{account_id}/shares`: `name`, `recipients` and `resources` are all required.
 *
 * @example
 * ```ts
 * import type { Wire } from "@unishare/cloudflare"
 * const body: Wire.CreateShareRequest = { name: "WAF", recipients: [{ recipient_account_id: "a2" }],
 *   resources: [{ meta: {}, resource_account_id: "a1", resource_id: "rs1", resource_type: "custom-ruleset" }] }
 * ```
 */
export const CreateShareRequest = Schema.Struct({
  name: Schema.String,
  recipients: Schema.Array(RecipientRequest),
  resources: Schema.Array(CreateResourceRequest)
})
/** @example const b: Wire.CreateShareRequest = { name: "n", recipients: [], resources: [] } */
export type CreateShareRequest = typeof CreateShareRequest.Type

/**
 * Body of `PUT /accounts/{account_id}/shares/{share_id}`: `{ name }` (required).
 *
 * @example
 * ```ts
 * import type { Wire } from "@unishare/cloudflare"
 * const b: Wire.UpdateShareRequest = { name: "renamed" }
 * ```
 */
export const UpdateShareRequest = Schema.Struct({ name: Schema.String })
/** @example const b: Wire.UpdateShareRequest = { name: "n" } */
export type UpdateShareRequest = typeof UpdateShareRequest.Type

/**
 * Body of `PUT …/resources/{share_resource_id}`: `{ meta }` (required).
 *
 * @example
 * ```ts
 * import type { Wire } from "@unishare/cloudflare"
 * const b: Wire.UpdateResourceRequest = { meta: { priority: 1 } }
 * ```
 */
export const UpdateResourceRequest = Schema.Struct({ meta: Schema.Record(Schema.String, Schema.Unknown) })
/** @example const b: Wire.UpdateResourceRequest = { meta: {} } */
export type UpdateResourceRequest = typeof UpdateResourceRequest.Type

/**
 * Body of `POST …/excluded-recipients` (and the items of the PUT array): `{ account_id }`.
 *
 * @example
 * ```ts
 * import type { Wire } from "@unishare/cloudflare"
 * const b: Wire.ExcludedRecipientRequest = { account_id: "a3" }
 * ```
 */
export const ExcludedRecipientRequest = Schema.Struct({ account_id: RequestId })
/** @example const b: Wire.ExcludedRecipientRequest = { account_id: "a3" } */
export type ExcludedRecipientRequest = typeof ExcludedRecipientRequest.Type

/**
 * Query of the share lists (`GET /accounts/{A}/shares`; the organization list takes the same minus
 * `include_*` and `tag`). `page` / `per_page` are set by the client's paginator.
 *
 * @example
 * ```ts
 * import type { Wire } from "@unishare/cloudflare"
 * const q: Wire.ListSharesQuery = { status: "active", kind: "sent", resource_types: ["custom-ruleset"], tag: ["env=prod"] }
 * ```
 */
export const ListSharesQuery = Schema.Struct({
  status: Schema.optionalKey(ShareStatus),
  kind: Schema.optionalKey(ShareKind),
  target_type: Schema.optionalKey(TargetType),
  resource_types: Schema.optionalKey(Schema.Array(ResourceType)),
  order: Schema.optionalKey(Schema.Literals(["name", "created"])),
  direction: Schema.optionalKey(Schema.Literals(["asc", "desc"])),
  include_resources: Schema.optionalKey(Schema.Boolean),
  include_recipient_counts: Schema.optionalKey(Schema.Boolean),
  tag: Schema.optionalKey(Schema.Array(Schema.String.check(Schema.isMaxLength(1281))).check(Schema.isMaxLength(20)))
})
/** @example const q: Wire.ListSharesQuery = {} */
export type ListSharesQuery = typeof ListSharesQuery.Type

/**
 * Query of `GET /organizations/{O}/shares` (no `include_*`, no `tag`).
 *
 * @example
 * ```ts
 * import type { Wire } from "@unishare/cloudflare"
 * const q: Wire.ListOrganizationSharesQuery = { target_type: "organization", order: "name", direction: "desc" }
 * ```
 */
export const ListOrganizationSharesQuery = ListSharesQuery.mapFields(
  ({ include_resources: _r, include_recipient_counts: _c, tag: _t, ...rest }) => rest
)
/** @example const q: Wire.ListOrganizationSharesQuery = {} */
export type ListOrganizationSharesQuery = typeof ListOrganizationSharesQuery.Type

/**
 * Query of `GET …/resources`: `status` and a single `resource_type`.
 *
 * @example
 * ```ts
 * import type { Wire } from "@unishare/cloudflare"
 * const q: Wire.ListResourcesQuery = { status: "active", resource_type: "gateway-policy" }
 * ```
 */
export const ListResourcesQuery = Schema.Struct({
  status: Schema.optionalKey(ResourceStatus),
  resource_type: Schema.optionalKey(ResourceType)
})
/** @example const q: Wire.ListResourcesQuery = {} */
export type ListResourcesQuery = typeof ListResourcesQuery.Type
