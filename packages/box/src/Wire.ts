/**
 * Schemas of the Box collaborations JSON (API 2.0, `https://api.box.com/2.0`), as Box's OpenAPI
 * description documents it; snake_case stays snake_case.
 *
 * Responses are read tolerantly: unknown fields are ignored, and every field but `id` and `type`
 * is optional, since a request with `fields=` answers the mini representation plus the fields
 * asked for. Nullable fields accept `null` as documented; `acknowledged_at` (documented as a
 * date-time) also accepts `null`, which is what a pending invitation has. Date-times are read as
 * strings (Box writes them with an offset, `2019-08-29T23:59:00-07:00`).
 *
 * Request bodies are strict: they are what the client checks before sending anything (ids are
 * decimal digit strings, a login is exactly one email address, roles are Box's spelling with
 * spaces, `expires_at` is an RFC 3339 date-time with an offset).
 *
 * Written by hand from Box's OpenAPI description rather than generated from it: a generated
 * schema would carry the description's strictness where Box's answers need the tolerances above
 * (optional fields under `fields=`, the `null`s of pending invitations, error codes outside the
 * listed enum), and its laxness where requests need the checks above.
 *
 * @since 0.1.0
 */
import { Ids } from "@unishare/core"
import { Schema } from "effect"

/**
 * Every collaboration role Box reports. The combined roles are spelled with a space
 * (`previewer uploader`); `owner` appears in answers and in an update (ownership transfer), never
 * in a create.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/box"
 * Schema.is(Wire.Role)("viewer uploader") // true
 * Schema.is(Wire.Role)("viewer_uploader") // false
 * ```
 */
export const Role = Schema.Literals([
  "editor",
  "viewer",
  "previewer",
  "uploader",
  "previewer uploader",
  "viewer uploader",
  "co-owner",
  "owner"
])
/** @example const r: Wire.Role = "co-owner" */
export type Role = typeof Role.Type

/**
 * The roles a create may grant: every role but `owner`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/box"
 * Schema.is(Wire.CreateRole)("owner") // false
 * ```
 */
export const CreateRole = Schema.Literals([
  "editor",
  "viewer",
  "previewer",
  "uploader",
  "previewer uploader",
  "viewer uploader",
  "co-owner"
])
/** @example const r: Wire.CreateRole = "previewer uploader" */
export type CreateRole = typeof CreateRole.Type

/**
 * The status of a collaboration: `pending` until the invitee accepts or rejects it.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * Wire.Status.literals // ["accepted", "pending", "rejected"]
 * ```
 */
export const Status = Schema.Literals(["accepted", "pending", "rejected"])
/** @example const s: Wire.Status = "pending" */
export type Status = typeof Status.Type

/**
 * A user as collaborations show it (`User--Collaborations`). While an invitation is pending,
 * `name` is empty and `login` is given.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * const u: Wire.CollaborationUser = { type: "user", id: "23522323", name: "Ada", login: "ada@example.com", is_active: true }
 * ```
 */
export const CollaborationUser = Schema.Struct({
  type: Schema.Literal("user"),
  id: Schema.String,
  name: Schema.optionalKey(Schema.String),
  login: Schema.optionalKey(Schema.String),
  is_active: Schema.optionalKey(Schema.Boolean)
})
/** @example const u: Wire.CollaborationUser = { type: "user", id: "1" } */
export type CollaborationUser = typeof CollaborationUser.Type

/**
 * The kinds of group (`Group--Mini.group_type`): `all_users_group` is the enterprise's
 * "all users" group.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * Wire.GroupType.literals // ["managed_group", "all_users_group"]
 * ```
 */
export const GroupType = Schema.Literals(["managed_group", "all_users_group"])
/** @example const t: Wire.GroupType = "managed_group" */
export type GroupType = typeof GroupType.Type

/**
 * A group as collaborations show it (`Group--Mini`).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * const g: Wire.GroupMini = { type: "group", id: "11446498", name: "Finance", group_type: "managed_group" }
 * ```
 */
export const GroupMini = Schema.Struct({
  type: Schema.Literal("group"),
  id: Schema.String,
  name: Schema.optionalKey(Schema.String),
  group_type: Schema.optionalKey(GroupType)
})
/** @example const g: Wire.GroupMini = { type: "group", id: "1" } */
export type GroupMini = typeof GroupMini.Type

/**
 * Who a collaboration is for: a user or a group.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/box"
 * Schema.decodeUnknownSync(Wire.AccessibleBy)({ type: "group", id: "7", somethingNew: 1 }) // { type: "group", id: "7" }
 * ```
 */
export const AccessibleBy = Schema.Union([CollaborationUser, GroupMini])
/** @example const a: Wire.AccessibleBy = { type: "user", id: "1", login: "a@example.com" } */
export type AccessibleBy = typeof AccessibleBy.Type

/**
 * The item a collaboration is on: a file, a folder or a web link (the fields every variant shares;
 * the rest of `File` / `Folder` / `WebLink` is ignored).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * const folder: Wire.Item = { type: "folder", id: "11446498", name: "Contracts", etag: "1", sequence_id: "3" }
 * ```
 */
export const Item = Schema.Struct({
  type: Schema.Literals(["file", "folder", "web_link"]),
  id: Schema.String,
  name: Schema.optionalKey(Schema.String),
  etag: Schema.optionalKey(Schema.NullOr(Schema.String)),
  sequence_id: Schema.optionalKey(Schema.NullOr(Schema.String))
})
/** @example const i: Wire.Item = { type: "file", id: "12345" } */
export type Item = typeof Item.Type

/**
 * A folder in its mini representation (`Folder--Mini`), as a path lists it. The root folder
 * (`0`, "All Files") has `null` for `etag` and `sequence_id`.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * const root: Wire.FolderMini = { type: "folder", id: "0", name: "All Files", etag: null, sequence_id: null }
 * ```
 */
export const FolderMini = Schema.Struct({
  type: Schema.Literal("folder"),
  id: Schema.String,
  name: Schema.optionalKey(Schema.String),
  etag: Schema.optionalKey(Schema.NullOr(Schema.String)),
  sequence_id: Schema.optionalKey(Schema.NullOr(Schema.String))
})
/** @example const f: Wire.FolderMini = { type: "folder", id: "11446498" } */
export type FolderMini = typeof FolderMini.Type

/**
 * The folders an item is in (`path_collection`), from the root (`0`, "All Files") down to its
 * parent. Box lists only the folders the caller may see: a collaborator on a subfolder sees the
 * root and the folders from the collaborated one down (all of them when the collaboration has
 * `can_view_path`).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * const path: Wire.PathCollection = { total_count: 1, entries: [{ type: "folder", id: "0", name: "All Files" }] }
 * ```
 */
export const PathCollection = Schema.Struct({
  total_count: Schema.Int,
  entries: Schema.Array(FolderMini)
})
/** @example const p: Wire.PathCollection = { total_count: 0, entries: [] } */
export type PathCollection = typeof PathCollection.Type

/**
 * A file or folder as `GET /files/{id}` and `GET /folders/{id}` answer it with
 * `fields=path_collection`: the mini representation plus the folders it is in (every other field
 * of `File` / `Folder` is ignored).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/box"
 * const budgets = Schema.decodeUnknownSync(Wire.ItemDetails)({ type: "folder", id: "3002", name: "Budgets 2026",
 *   path_collection: { total_count: 2, entries: [{ type: "folder", id: "0", name: "All Files" },
 *     { type: "folder", id: "3001", name: "Finance" }] } })
 * budgets.path_collection?.entries.map((f) => f.id) // ["0", "3001"]
 * ```
 */
export const ItemDetails = Schema.Struct({
  type: Schema.Literals(["file", "folder"]),
  id: Schema.String,
  name: Schema.optionalKey(Schema.String),
  etag: Schema.optionalKey(Schema.NullOr(Schema.String)),
  sequence_id: Schema.optionalKey(Schema.NullOr(Schema.String)),
  path_collection: Schema.optionalKey(PathCollection)
})
/** @example const i: Wire.ItemDetails = { type: "file", id: "4001" } */
export type ItemDetails = typeof ItemDetails.Type

/**
 * An app item (e.g. a Box Hub): the role cascades to every item of it.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * const hub: Wire.AppItem = { type: "app_item", id: "3", application_type: "hubs" }
 * ```
 */
export const AppItem = Schema.Struct({
  type: Schema.Literal("app_item"),
  id: Schema.String,
  application_type: Schema.String
})
/** @example const a: Wire.AppItem = { type: "app_item", id: "1", application_type: "hubs" } */
export type AppItem = typeof AppItem.Type

/**
 * What an external invitee must satisfy before the invitation can be accepted (terms of service,
 * strong password, two-factor authentication).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * const r: Wire.AcceptanceRequirementsStatus = { strong_password_requirement: {
 *   enterprise_has_strong_password_required_for_external_users: true, user_has_strong_password: null } }
 * ```
 */
export const AcceptanceRequirementsStatus = Schema.Struct({
  terms_of_service_requirement: Schema.optionalKey(
    Schema.Struct({
      is_accepted: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
      terms_of_service: Schema.optionalKey(
        Schema.Struct({ type: Schema.Literal("terms_of_service"), id: Schema.String })
      )
    })
  ),
  strong_password_requirement: Schema.optionalKey(
    Schema.Struct({
      enterprise_has_strong_password_required_for_external_users: Schema.optionalKey(Schema.Boolean),
      user_has_strong_password: Schema.optionalKey(Schema.NullOr(Schema.Boolean))
    })
  ),
  two_factor_authentication_requirement: Schema.optionalKey(
    Schema.Struct({
      enterprise_has_two_factor_auth_enabled: Schema.optionalKey(Schema.Boolean),
      user_has_two_factor_authentication_enabled: Schema.optionalKey(Schema.NullOr(Schema.Boolean))
    })
  )
})
/** @example const r: Wire.AcceptanceRequirementsStatus = {} */
export type AcceptanceRequirementsStatus = typeof AcceptanceRequirementsStatus.Type

/**
 * One collaboration. `item` is `null` while the invitation is pending (and when the collaboration
 * is on an `app_item`); `accessible_by` is `null` for an invitation to an email address that has
 * no Box account, which `invite_email` then names. `can_view_path` is not part of it: it can be
 * set, never read back.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/box"
 * const c = Schema.decodeUnknownSync(Wire.Collaboration)({ type: "collaboration", id: "1", role: "viewer",
 *   status: "pending", item: null, accessible_by: null, invite_email: "new@example.com" })
 * c.invite_email // "new@example.com"
 * ```
 */
export const Collaboration = Schema.Struct({
  id: Schema.String,
  type: Schema.Literal("collaboration"),
  item: Schema.optionalKey(Schema.NullOr(Item)),
  app_item: Schema.optionalKey(Schema.NullOr(AppItem)),
  accessible_by: Schema.optionalKey(Schema.NullOr(AccessibleBy)),
  invite_email: Schema.optionalKey(Schema.NullOr(Schema.String)),
  role: Schema.optionalKey(Role),
  expires_at: Schema.optionalKey(Schema.NullOr(Schema.String)),
  is_access_only: Schema.optionalKey(Schema.Boolean),
  status: Schema.optionalKey(Status),
  acknowledged_at: Schema.optionalKey(Schema.NullOr(Schema.String)),
  created_by: Schema.optionalKey(CollaborationUser),
  created_at: Schema.optionalKey(Schema.String),
  modified_at: Schema.optionalKey(Schema.String),
  acceptance_requirements_status: Schema.optionalKey(AcceptanceRequirementsStatus)
})
/** @example const c: Wire.Collaboration = { type: "collaboration", id: "1" } */
export type Collaboration = typeof Collaboration.Type

/**
 * A marker-paged list (`GET /files/{id}/collaborations`, `GET /folders/{id}/collaborations`): the
 * next page is asked for with `marker=<next_marker>`; there is none when `next_marker` is `null`
 * or absent. `limit` echoes the page size used (lower than asked when above the maximum).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * const last: Wire.Collaborations = { limit: 1000, next_marker: null, prev_marker: null, entries: [] }
 * ```
 */
export const Collaborations = Schema.Struct({
  limit: Schema.optionalKey(Schema.Int),
  next_marker: Schema.optionalKey(Schema.NullOr(Schema.String)),
  prev_marker: Schema.optionalKey(Schema.NullOr(Schema.String)),
  entries: Schema.Array(Collaboration)
})
/** @example const l: Wire.Collaborations = { entries: [] } */
export type Collaborations = typeof Collaborations.Type

/**
 * An offset-paged list (`GET /collaborations?status=pending`, `GET /groups/{id}/collaborations`):
 * the next page starts at `offset + entries.length`; the list ends at `total_count` or at an empty
 * page. Offsets above 10,000 are refused.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * const page: Wire.CollaborationsOffsetPaginated = { total_count: 0, limit: 100, offset: 0, entries: [] }
 * ```
 */
export const CollaborationsOffsetPaginated = Schema.Struct({
  total_count: Schema.optionalKey(Schema.Int),
  limit: Schema.optionalKey(Schema.Int),
  offset: Schema.optionalKey(Schema.Int),
  entries: Schema.Array(Collaboration)
})
/** @example const p: Wire.CollaborationsOffsetPaginated = { entries: [] } */
export type CollaborationsOffsetPaginated = typeof CollaborationsOffsetPaginated.Type

/**
 * Box's error object (`ClientError`). `code` is read as any string: Box documents more codes than
 * its schema lists, and some real answers carry garbled ones, so the status decides first.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * const e: Wire.ClientError = { type: "error", status: 400, code: "user_already_collaborator",
 *   message: "User is already a collaborator", request_id: "abcdef123456" }
 * ```
 */
export const ClientError = Schema.Struct({
  type: Schema.optionalKey(Schema.Literal("error")),
  status: Schema.optionalKey(Schema.Int),
  code: Schema.optionalKey(Schema.String),
  message: Schema.optionalKey(Schema.String),
  context_info: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
  help_url: Schema.optionalKey(Schema.String),
  request_id: Schema.optionalKey(Schema.String)
})
/** @example const e: Wire.ClientError = { type: "error", status: 404, code: "not_found" } */
export type ClientError = typeof ClientError.Type

/**
 * The error codes Box documents for these endpoints (generic codes and the collaboration ones).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * Wire.errorCodes.includes("user_already_collaborator") // true
 * ```
 */
export const errorCodes = [
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "method_not_allowed",
  "conflict",
  "precondition_failed",
  "too_many_requests",
  "internal_server_error",
  "unavailable",
  "insufficient_scope",
  "user_already_collaborator",
  "access_denied_insufficient_permissions",
  "access_denied_item_locked",
  "forbidden_by_policy",
  "rate_limit_exceeded",
  "invalid_status",
  "invalid_collaboration_item",
  "collaborations_not_available_on_root_folder",
  "invalid_limit",
  "invalid_offset",
  "invalid_request_parameters",
  "invalid_grant"
] as const
/** @example const c: Wire.ErrorCode = "invalid_status" */
export type ErrorCode = (typeof errorCodes)[number]

const digits = (what: string, allowZero: boolean) =>
  Schema.String.check(
    Schema.makeFilter<string>(
      (s) =>
        (allowZero ? /^(0|[1-9][0-9]{0,19})$/ : /^[1-9][0-9]{0,19}$/).test(s) ||
        `must be a Box ${what} id: ${allowZero ? "" : "a positive "}decimal number without sign, spaces or leading zeros`,
      { title: `Box ${what} id` }
    )
  )

/**
 * A Box id (collaboration, user, group, file): a positive decimal number, kept as text.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/box"
 * Schema.is(Wire.Id)("11446498") // true
 * Schema.is(Wire.Id)("../1") // false
 * ```
 */
export const Id = digits("", false)

/**
 * A folder id: `0` is the caller's root folder (it can be listed, never collaborated).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/box"
 * Schema.is(Wire.FolderId)("0") // true
 * ```
 */
export const FolderId = digits("folder", true)

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/

/**
 * An RFC 3339 date-time with a time zone (`2019-08-29T23:59:00-07:00` or `…Z`), as Box takes
 * `expires_at`.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Wire } from "@unishare/box"
 * Schema.is(Wire.DateTime)("2019-08-29T23:59:00-07:00") // true
 * Schema.is(Wire.DateTime)("2019-08-29") // false
 * ```
 */
export const DateTime = Schema.String.check(
  Schema.makeFilter<string>(
    (s) => {
      const m = rfc3339.exec(s)
      const valid =
        m !== null &&
        Number(m[2]) >= 1 &&
        Number(m[2]) <= 12 &&
        Number(m[3]) >= 1 &&
        Number(m[3]) <= 31 &&
        Number(m[4]) <= 23 &&
        Number(m[5]) <= 59 &&
        Number(m[6]) <= 59 &&
        Number.isFinite(Date.parse(s))
      return valid || "must be an RFC 3339 date-time with a time zone, e.g. 2019-08-29T23:59:00-07:00"
    },
    { title: "RFC 3339 date-time" }
  )
)

/**
 * The item of a create: a file or a folder (not the root folder `0`).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * const item: Wire.CreateItem = { type: "folder", id: "11446498" }
 * ```
 */
export const CreateItem = Schema.Struct({
  type: Schema.Literals(["file", "folder"]),
  id: Schema.String.check(
    Schema.makeFilter<string>(
      (s) =>
        s === "0"
          ? "the root folder (0) cannot be collaborated"
          : /^[1-9][0-9]{0,19}$/.test(s) ||
            "must be a Box file or folder id: a positive decimal number without sign, spaces or leading zeros",
      { title: "Box item id" }
    )
  )
})
/** @example const i: Wire.CreateItem = { type: "file", id: "12345" } */
export type CreateItem = typeof CreateItem.Type

/**
 * The grantee of a create: a user by `id` or by `login` (email), or a group by `id`.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * const byEmail: Wire.CreateAccessibleBy = { type: "user", login: "john@example.com" }
 * ```
 */
export const CreateAccessibleBy = Schema.Struct({
  type: Schema.Literals(["user", "group"]),
  id: Schema.optionalKey(Id),
  login: Schema.optionalKey(Ids.Email)
}).check(
  Schema.makeFilter(
    (a) =>
      a.id !== undefined && a.login !== undefined
        ? { path: ["login"], issue: "give exactly one of id or login, not both" }
        : a.id === undefined && a.login === undefined
          ? { path: ["id"], issue: "give exactly one of id or login" }
          : a.type === "group" && a.login !== undefined
            ? { path: ["login"], issue: "a group is named by id; login is for users only" }
            : undefined,
    { title: "exactly one of id or login" }
  )
)
/** @example const g: Wire.CreateAccessibleBy = { type: "group", id: "11446498" } */
export type CreateAccessibleBy = typeof CreateAccessibleBy.Type

/**
 * Body of `POST /collaborations`. `can_view_path` is for folders only; `expires_at` needs the
 * enterprise setting that lets folder owners extend the expiry date.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * const body: Wire.CreateCollaborationRequest = {
 *   item: { type: "folder", id: "11446498" }, accessible_by: { type: "user", login: "john@example.com" },
 *   role: "viewer uploader", can_view_path: true, expires_at: "2030-08-29T23:59:00-07:00"
 * }
 * ```
 */
export const CreateCollaborationRequest = Schema.Struct({
  item: CreateItem,
  accessible_by: CreateAccessibleBy,
  role: CreateRole.annotate({
    message:
      "must be one of editor, viewer, previewer, uploader, previewer uploader, viewer uploader, co-owner (owner is given by an update, never by a create)"
  }),
  is_access_only: Schema.optionalKey(Schema.Boolean),
  can_view_path: Schema.optionalKey(Schema.Boolean),
  expires_at: Schema.optionalKey(DateTime)
}).check(
  Schema.makeFilter(
    (r) =>
      r.can_view_path !== undefined && r.item.type !== "folder"
        ? { path: ["can_view_path"], issue: "can_view_path is for folder collaborations only" }
        : undefined,
    { title: "can_view_path on folders only" }
  )
)
/** @example const c: Wire.CreateCollaborationRequest = { item: { type: "file", id: "1" }, accessible_by: { type: "group", id: "2" }, role: "editor" } */
export type CreateCollaborationRequest = typeof CreateCollaborationRequest.Type

/**
 * Body of `PUT /collaborations/{id}`: at least one of a new `role` (`owner` transfers ownership),
 * a `status` (the invitee accepts or rejects a pending invitation), `expires_at` and
 * `can_view_path`.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * const accept: Wire.UpdateCollaborationRequest = { status: "accepted" }
 * ```
 */
export const UpdateCollaborationRequest = Schema.Struct({
  role: Schema.optionalKey(Role),
  status: Schema.optionalKey(Status),
  expires_at: Schema.optionalKey(DateTime),
  can_view_path: Schema.optionalKey(Schema.Boolean)
}).check(
  Schema.makeFilter(
    (r) =>
      r.role === undefined && r.status === undefined && r.expires_at === undefined && r.can_view_path === undefined
        ? "give at least one of role, status, expires_at or can_view_path"
        : undefined,
    { title: "something to update" }
  )
)
/** @example const u: Wire.UpdateCollaborationRequest = { role: "editor" } */
export type UpdateCollaborationRequest = typeof UpdateCollaborationRequest.Type

/**
 * The largest page (`limit`) of every collaboration list.
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * Wire.maxLimit // 1000
 * ```
 */
export const maxLimit = 1000

/**
 * The largest `offset` the offset-paged lists accept (above it: 400).
 *
 * @example
 * ```ts
 * import { Wire } from "@unishare/box"
 * Wire.maxOffset // 10000
 * ```
 */
export const maxOffset = 10_000
