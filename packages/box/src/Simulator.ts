/**
 * A stateful simulator of Box's collaboration API on core's `SimulatorKit`, following Box's
 * documentation (its developer guides and OpenAPI description), not this package's client. It is
 * hand-written rather than a mock generated from the OpenAPI description because a mock keeps no
 * state: invitations, waterfall access, ownership and paging need one. The data it holds is
 * described in `SimulatorSeed`; its state and access rules live in `internal/SimulatorState`;
 * this module serves them over HTTP:
 *
 * - the eight operations: `GET /collaborations?status=pending` (the caller's pending invitations,
 *   offset paged; without `status=pending` a 400), `POST /collaborations` (201),
 *   `GET` / `PUT` / `DELETE /collaborations/{id}` (PUT to `owner` answers 204 with no body, DELETE
 *   204), `GET /folders/{id}/collaborations` and `GET /files/{id}/collaborations` (marker paged),
 *   `GET /groups/{id}/collaborations` (offset paged, admins only); and the two item reads
 *   `GET /folders/{id}`, `GET /files/{id}` (the mini representation and `path_collection`, the only
 *   fields of `File` / `Folder` it keeps; the root `0` is "All Files");
 * - users (enterprise members or external), groups (managed and the all-users group), a folder
 *   tree with files, each item owned by a user; access is waterfall: a folder collaboration
 *   applies to everything below it (who may read, invite and manage follows from it), while the
 *   folder and file lists show the collaborations on that item itself, pending ones included
 *   (rejected ones are not: they give no access and invite no one);
 * - invitations: a user by id or login, a group by id, or an email without a Box account (then
 *   `accessible_by` is `null` and `invite_email` names it; a user added later with that login
 *   takes the invitation over); enterprise users are accepted at once (a setting), external users
 *   and unknown emails stay `pending` (with `item: null` and the invitee's `name` empty) until the
 *   invitee — by token or `As-User` — accepts or rejects; anyone else, or a second answer, is
 *   400 `invalid_status`;
 * - owner transfer: `PUT role=owner` by the owner makes the collaborator the owner of the item
 *   (and of what below it the old owner owned), deletes that collaboration and creates a new one
 *   (new id) making the old owner a `co-owner`; 204;
 * - the enterprise settings that change answers, as seed options (`Settings`, also changeable
 *   while running): collaboration expiry (off: `expires_at` is 403; on: it works for collaborations
 *   created after it was turned on, and expired collaborations disappear), automatic acceptance of
 *   enterprise users, allowed domains for external invitations, information barriers; per folder:
 *   `can_non_owners_invite` and `is_collaboration_restricted_to_enterprise`; per group: whether it
 *   can be invited;
 * - the documented errors, each in Box's `ClientError` object with a `request_id` (and the
 *   `box-request-id` header), using only codes Box documents; `limit` (default 100, at most 1,000:
 *   larger values are lowered and echoed) with an opaque `next_marker` / `prev_marker`, or `offset`
 *   (above 10,000: 400) with `total_count`; `fields` (the mini representation plus the fields
 *   named); `notify` (an email record per invitee);
 * - bearer tokens (401 `unauthorized` otherwise), `As-User` for admins, co-admins and service
 *   accounts whose app may act as users; a rate limit of 1,000 requests per minute per user
 *   (429 `rate_limit_exceeded` with `retry-after`; optional); the kit's fault injection and a request
 *   log that holds no token (a request's principal is the acting user; its `auth` names the token
 *   by its label, and the admin behind an `As-User` call).
 *
 * Where the documentation is silent the simulator makes a choice and names it here: the default
 * page size is 100; a bad marker is 400 `invalid_request_parameters`; an invitation refused by the
 * allowed domains or by a folder restricted to the enterprise is 403 `forbidden_by_policy` (the
 * real status is not confirmed); inviting the item's owner is 400 `user_already_collaborator`;
 * `expires_at` while the setting is off is 403 `forbidden`; an `As-User` the token may not use is
 * 403 `access_denied_insufficient_permissions`, an unknown one 404 `not_found`; anyone with a role
 * that can view the item (every role but `uploader`) sees its collaborations; owners and co-owners
 * manage collaborations (only the owner transfers ownership or changes `can_view_path`), editors
 * may invite (not as co-owner) where `can_non_owners_invite` is on, and a collaborator may delete
 * their own collaboration; notifications are recorded only for `notify=true`; an item's
 * `path_collection` lists the root and the folders above it that the caller has a role on, and all
 * of them above an item whose collaboration of the caller has `can_view_path` (a caller with no
 * role on the item gets 404).
 *
 * @since 0.1.0
 */
import { SimulatorKit } from "@unishare/core"
import { Effect, type Scope } from "effect"
import {
  allRoles,
  type CollaborationRecord,
  createRoles,
  domainOf,
  emailShape,
  type Grantee,
  type Internal,
  type ItemRecord,
  type ItemType,
  makeState as makeStateInternal,
  norm,
  parseTime,
  statuses
} from "./internal/SimulatorState.ts"
import type { Seed, State } from "./SimulatorSeed.ts"
import type * as Wire from "./Wire.ts"

export type {
  CollaborationSeed,
  FileSeed,
  FolderSeed,
  GroupSeed,
  Notification,
  Seed,
  Settings,
  State,
  TokenSeed,
  UserSeed
} from "./SimulatorSeed.ts"

/**
 * Simulator options. `rateLimit` defaults to Box's 1,000 requests per minute per user (`false`
 * turns it off); `now` drives time stamps, expiry, the log and the rate limit.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/box/simulator"
 * const opts: Simulator.Options = { rateLimit: { requests: 10, windowMillis: 1_000 } }
 * ```
 */
export interface Options {
  readonly seed?: Seed | undefined
  readonly rateLimit?: { readonly requests: number; readonly windowMillis: number } | false | undefined
  readonly port?: number | undefined
  readonly now?: (() => number) | undefined
}

/**
 * A running simulator: the kit's server (URL, log, faults) plus the state API.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/box/simulator"
 * const posts = (sim: Simulator.Simulator) => sim.log().filter((r) => r.method === "POST").length
 * ```
 */
export interface Simulator extends SimulatorKit.Running, State {}

let requestCounter = 0

/**
 * A Box error object, as the simulator answers it; for injecting faults that look like Box's.
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/box/simulator"
 * const fault = { kind: "status", status: 503, body: Simulator.errorBody(503, "unavailable", "Unavailable") } as const
 * ```
 */
export const errorBody = (status: number, code: Wire.ErrorCode, message: string): Wire.ClientError => ({
  type: "error",
  status,
  code,
  message,
  help_url: "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/",
  request_id: `sim${(++requestCounter).toString(36).padStart(8, "0")}`
})

const error = (
  status: number,
  code: Wire.ErrorCode,
  message: string,
  headers: Record<string, string> = {}
): SimulatorKit.SimResponse => {
  const body = errorBody(status, code, message)
  return { status, body, headers: { "box-request-id": body.request_id ?? "", ...headers } }
}

const errors = {
  unauthorized: () =>
    error(401, "unauthorized", "Unauthorized", { "www-authenticate": 'Bearer realm="Service", error="invalid_token"' }),
  badRequest: (message: string) => error(400, "bad_request", message),
  notFound: (what = "Not Found") => error(404, "not_found", what),
  denied: (message = "Access denied - insufficient permission") =>
    error(403, "access_denied_insufficient_permissions", message),
  forbidden: (message: string) => error(403, "forbidden", message),
  policy: (message: string) => error(403, "forbidden_by_policy", message),
  alreadyCollaborator: () => error(400, "user_already_collaborator", "User is already a collaborator"),
  invalidStatus: (message: string) => error(400, "invalid_status", message),
  invalidItem: () => error(400, "invalid_collaboration_item", "Item type must be file or folder"),
  rootFolder: () => error(400, "collaborations_not_available_on_root_folder", "Root folder cannot be collaborated"),
  invalidLimit: (value: string) => error(400, "invalid_limit", `Invalid value '${value}' for query parameter 'limit'`),
  invalidOffset: (value: string) =>
    error(400, "invalid_offset", `Invalid value '${value}' for query parameter 'offset'`),
  invalidParameters: (message: string) => error(400, "invalid_request_parameters", message),
  rateLimited: (seconds: number) =>
    error(429, "rate_limit_exceeded", "Request rate limit exceeded, please try again later", {
      "retry-after": String(seconds)
    })
}

/**
 * Builds an empty simulator state (`start` and `serve` use it; tools can prepare data with it).
 * `now` drives time stamps and expiry.
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/box/simulator"
 * const { state } = Simulator.makeState()
 * state.addUser({ id: "1", login: "owner@example.com" })
 * ```
 */
export const makeState = (now: () => number = Date.now): { readonly state: State } => {
  const { state } = makeStateInternal(now)
  return { state }
}

const encodeMarker = (afterSeq: number) => Buffer.from(`after:${afterSeq}`).toString("base64url")
const decodeMarker = (marker: string): number | undefined => {
  const m = /^after:(\d+)$/.exec(Buffer.from(marker, "base64url").toString("utf8"))
  return m === null ? undefined : Number(m[1])
}

const defaultLimit = 100
const maxLimit = 1000
const maxOffset = 10_000

/** `limit`: default 100, at most 1,000 (larger values are lowered, as the answer's `limit` shows). */
const limitOf = (req: SimulatorKit.SimRequest): number | SimulatorKit.SimResponse => {
  const text = req.query.get("limit")
  if (text === null) return defaultLimit
  if (!/^\d+$/.test(text) || Number(text) < 1) return errors.invalidLimit(text)
  return Math.min(maxLimit, Number(text))
}

const offsetOf = (req: SimulatorKit.SimRequest): number | SimulatorKit.SimResponse => {
  const text = req.query.get("offset")
  if (text === null) return 0
  if (!/^\d+$/.test(text) || Number(text) > maxOffset) return errors.invalidOffset(text)
  return Number(text)
}

const fieldsOf = (req: SimulatorKit.SimRequest): ReadonlyArray<string> | undefined => {
  const text = req.query.get("fields")
  return text === null || text === "" ? undefined : text.split(",").map((f) => f.trim())
}

const isResponse = (u: unknown): u is SimulatorKit.SimResponse => typeof u === "object" && u !== null && "status" in u

const routes = (s: Internal): ReadonlyArray<SimulatorKit.Route> => {
  /** The principal is `user:<id>`: the token's user, or the `As-User` target. */
  const callerOf = (req: SimulatorKit.SimRequest) => ({ userId: req.principal.replace(/^user:/, "") })

  const manages = (role: Wire.Role | undefined) => role === "owner" || role === "co-owner"
  const canView = (role: Wire.Role | undefined) => role !== undefined && role !== "uploader"

  const offsetPage = (req: SimulatorKit.SimRequest, entries: ReadonlyArray<CollaborationRecord>) => {
    const limit = limitOf(req)
    if (isResponse(limit)) return limit
    const offset = offsetOf(req)
    if (isResponse(offset)) return offset
    const fields = fieldsOf(req)
    return {
      status: 200,
      body: {
        total_count: entries.length,
        limit,
        offset,
        entries: entries.slice(offset, offset + limit).map((c) => s.render(c, fields))
      }
    }
  }

  const markerPage = (req: SimulatorKit.SimRequest, entries: ReadonlyArray<CollaborationRecord>) => {
    const limit = limitOf(req)
    if (isResponse(limit)) return limit
    const markerText = req.query.get("marker")
    let after = 0
    if (markerText !== null && markerText !== "") {
      const decoded = decodeMarker(markerText)
      if (decoded === undefined)
        return errors.invalidParameters(`Invalid value '${markerText}' for query parameter 'marker'`)
      after = decoded
    }
    const start = entries.findIndex((c) => c.seq > after)
    const from = start === -1 ? entries.length : start
    const page = entries.slice(from, from + limit)
    const last = page[page.length - 1]
    const prevFrom = Math.max(0, from - limit)
    const fields = fieldsOf(req)
    return {
      status: 200,
      body: {
        limit,
        next_marker: from + limit < entries.length && last !== undefined ? encodeMarker(last.seq) : null,
        prev_marker: from === 0 ? null : encodeMarker(prevFrom === 0 ? 0 : (entries[prevFrom - 1]?.seq ?? 0)),
        entries: page.map((c) => s.render(c, fields))
      }
    }
  }

  /** The item of a folder or file list route, or the error the caller gets. */
  const listable = (req: SimulatorKit.SimRequest, type: ItemType): ItemRecord | SimulatorKit.SimResponse => {
    const record = s.item(type, req.params.id ?? "")
    const role = record === undefined ? undefined : s.roleOn(callerOf(req).userId, record)
    if (record === undefined || role === undefined) return errors.notFound()
    if (!canView(role)) return errors.denied()
    return record
  }

  const itemList = (type: ItemType): SimulatorKit.Route => ({
    method: "GET",
    pattern: type === "folder" ? "/folders/:id/collaborations" : "/files/:id/collaborations",
    handle: (req) => {
      s.purgeExpired()
      // the root folder has no collaborations (it cannot have any)
      if (type === "folder" && req.params.id === "0") return markerPage(req, [])
      const record = listable(req, type)
      if (isResponse(record)) return record
      // usemarker is not a parameter of these endpoints: ignored
      return markerPage(
        req,
        s.byItem(type, record.id).filter((c) => c.status !== "rejected")
      )
    }
  })

  /** `GET /folders/{id}`, `GET /files/{id}`: the mini representation and `path_collection`. */
  const itemRead = (type: ItemType): SimulatorKit.Route => ({
    method: "GET",
    pattern: type === "folder" ? "/folders/:id" : "/files/:id",
    handle: (req) => {
      s.purgeExpired()
      const fields = fieldsOf(req)
      const wants = (f: string) => fields === undefined || fields.includes(f)
      const root = { type: "folder", id: "0", sequence_id: null, etag: null, name: "All Files" } as const
      if (type === "folder" && req.params.id === "0") {
        return {
          status: 200,
          body: { ...root, ...(wants("path_collection") ? { path_collection: { total_count: 0, entries: [] } } : {}) }
        }
      }
      const record = s.item(type, req.params.id ?? "")
      const caller = callerOf(req).userId
      if (record === undefined || s.roleOn(caller, record) === undefined) return errors.notFound()
      const path = [
        root,
        ...s.visibleAncestors(caller, record).map((f) => ({
          type: "folder",
          id: f.id,
          sequence_id: "0",
          etag: "0",
          name: f.name
        }))
      ]
      return {
        status: 200,
        body: {
          type: record.type,
          id: record.id,
          sequence_id: "0",
          etag: "0",
          name: record.name,
          ...(wants("path_collection") ? { path_collection: { total_count: path.length, entries: path } } : {})
        }
      }
    }
  })

  const listPending: SimulatorKit.Route = {
    method: "GET",
    pattern: "/collaborations",
    handle: (req) => {
      s.purgeExpired()
      const status = req.query.get("status")
      if (status !== "pending") {
        return errors.badRequest(
          status === null
            ? "Missing required query parameter 'status'"
            : `Invalid value '${status}' for query parameter 'status'`
        )
      }
      const me = callerOf(req).userId
      const mine = [...s.collaborations.values()]
        .filter((c) => c.status === "pending" && c.grantee.type === "user" && c.grantee.id === me)
        .sort((a, b) => a.seq - b.seq)
      return offsetPage(req, mine)
    }
  }

  const listGroup: SimulatorKit.Route = {
    method: "GET",
    pattern: "/groups/:id/collaborations",
    handle: (req) => {
      s.purgeExpired()
      const me = s.users.get(callerOf(req).userId)
      if (me === undefined || (me.role !== "admin" && me.role !== "coadmin")) return errors.denied()
      const group = s.groups.get(req.params.id ?? "")
      if (group === undefined) return errors.notFound()
      const entries = [...s.collaborations.values()]
        .filter((c) => c.grantee.type === "group" && c.grantee.id === group.id)
        .sort((a, b) => a.seq - b.seq)
      return offsetPage(req, entries)
    }
  }

  const create: SimulatorKit.Route = {
    method: "POST",
    pattern: "/collaborations",
    handle: (req) => {
      s.purgeExpired()
      const caller = callerOf(req)
      const notifyText = req.query.get("notify")
      if (notifyText !== null && notifyText !== "true" && notifyText !== "false") {
        return errors.badRequest(`Invalid value '${notifyText}' for query parameter 'notify'`)
      }
      const body = req.body
      if (typeof body !== "object" || body === null || Array.isArray(body)) return errors.badRequest("Missing body")
      const { item, accessible_by, role, is_access_only, can_view_path, expires_at } = body as Record<string, unknown>
      // the item
      if (typeof item !== "object" || item === null) return errors.badRequest("Missing required field 'item'")
      const itemType = (item as Record<string, unknown>).type
      const itemId = (item as Record<string, unknown>).id
      if (itemType !== "file" && itemType !== "folder") return errors.invalidItem()
      if (typeof itemId !== "string" || itemId === "") return errors.badRequest("Missing required field 'item.id'")
      if (itemType === "folder" && itemId === "0") return errors.rootFolder()
      const record = s.item(itemType, itemId)
      const callerRole = record === undefined ? undefined : s.roleOn(caller.userId, record)
      if (record === undefined || callerRole === undefined) return errors.notFound()
      // the grantee
      if (typeof accessible_by !== "object" || accessible_by === null) {
        return errors.badRequest("Missing required field 'accessible_by'")
      }
      const a = accessible_by as Record<string, unknown>
      if (a.type !== "user" && a.type !== "group") return errors.badRequest("accessible_by.type must be user or group")
      if ((a.id === undefined) === (a.login === undefined)) {
        return errors.badRequest("Give exactly one of accessible_by.id or accessible_by.login")
      }
      if (a.type === "group" && a.login !== undefined) return errors.badRequest("A group is given by id")
      if (a.id !== undefined && typeof a.id !== "string") return errors.badRequest("accessible_by.id must be a string")
      if (a.login !== undefined && (typeof a.login !== "string" || !emailShape.test(a.login))) {
        return errors.badRequest("accessible_by.login must be an email address")
      }
      // the role and options
      if (typeof role !== "string" || !createRoles.includes(role)) {
        return errors.badRequest(`Invalid value for 'role': ${JSON.stringify(role)}`)
      }
      if (is_access_only !== undefined && typeof is_access_only !== "boolean") {
        return errors.badRequest("is_access_only must be a boolean")
      }
      if (can_view_path !== undefined && typeof can_view_path !== "boolean") {
        return errors.badRequest("can_view_path must be a boolean")
      }
      if (can_view_path !== undefined && itemType !== "folder") {
        return errors.badRequest("can_view_path can only be used for folder collaborations")
      }
      let expiresAt: number | undefined
      if (expires_at !== undefined) {
        expiresAt = parseTime(expires_at)
        if (expiresAt === undefined) return errors.badRequest("expires_at must be a date-time")
      }
      // may the caller invite, and so?
      const inviteSetting =
        record.type === "folder"
          ? record.canNonOwnersInvite
          : (s.item("folder", record.parent)?.canNonOwnersInvite ?? true)
      const mayInvite = manages(callerRole) || (callerRole === "editor" && inviteSetting)
      if (!mayInvite) return errors.denied()
      if (role === "co-owner" && !manages(callerRole)) return errors.denied()
      if (can_view_path === true && !manages(callerRole)) return errors.denied()
      if (expiresAt !== undefined && s.settings().collaborationExpiry === undefined) {
        return errors.forbidden(
          "Collaboration expiry is not enabled for this enterprise (Automatically remove invited collaborators: Allow folder owners to extend the expiry date)"
        )
      }
      let grantee: Grantee
      if (a.type === "group") {
        const group = s.groups.get(a.id as string)
        if (group === undefined) return errors.notFound("Group not found")
        const me = s.users.get(caller.userId)
        if (!group.invitable && me?.role !== "admin" && me?.role !== "coadmin") {
          return errors.denied("This group cannot be invited to collaborate")
        }
        grantee = { type: "group", id: group.id }
      } else if (a.id !== undefined) {
        const u = s.users.get(a.id as string)
        if (u === undefined) return errors.notFound("User not found")
        grantee = { type: "user", id: u.id }
      } else {
        const u = s.user(a.login as string)
        grantee = u !== undefined ? { type: "user", id: u.id } : { type: "email", email: a.login as string }
      }
      // policies
      const invitee = grantee.type === "user" ? s.users.get(grantee.id) : undefined
      const external = grantee.type === "email" || (invitee !== undefined && !invitee.enterprise)
      const email = grantee.type === "email" ? grantee.email : invitee?.login
      if (invitee !== undefined) {
        const barriers = s.settings().informationBarriers ?? []
        const blocked = barriers.some(
          ([x, y]) => (x === caller.userId && y === invitee.id) || (y === caller.userId && x === invitee.id)
        )
        if (blocked) return errors.policy("Creating this collaboration is forbidden by an information barrier")
      }
      if (external && email !== undefined) {
        const allowed = s.settings().allowedDomains
        if (allowed !== undefined && !allowed.map(norm).includes(domainOf(email))) {
          return errors.policy(
            `Collaboration with ${domainOf(email)} is not allowed by the enterprise's allowed domains`
          )
        }
        const restricted = s.ancestors(record).some((r) => r.type === "folder" && r.restrictedToEnterprise)
        if (restricted) return errors.policy("This folder is restricted to collaborators in the enterprise")
      }
      // duplicates (the owner counts as a collaborator)
      if (grantee.type === "user" && grantee.id === record.owner) return errors.alreadyCollaborator()
      const same = (c: CollaborationRecord) =>
        c.status !== "rejected" &&
        (grantee.type === "email"
          ? c.grantee.type === "email" && norm(c.grantee.email) === norm(grantee.email)
          : c.grantee.type === grantee.type && c.grantee.id === grantee.id)
      if (s.byItem(record.type, record.id).some(same)) return errors.alreadyCollaborator()
      const created = s.newCollaboration({
        itemType: record.type,
        itemId: record.id,
        grantee,
        role: role as Wire.CreateRole,
        status: s.initialStatus(grantee),
        expiresAt,
        isAccessOnly: is_access_only as boolean | undefined,
        canViewPath: can_view_path as boolean | undefined,
        createdBy: caller.userId
      })
      if (notifyText === "true") {
        const recipients =
          grantee.type === "group"
            ? [...s.users.values()]
                .filter((u) => {
                  const g = s.groups.get(grantee.id)
                  return g !== undefined && s.isMember(u.id, g)
                })
                .map((u) => u.login)
            : [email ?? ""]
        for (const to of recipients) s.notifications.push({ to, from: caller.userId, collaborationId: created.id })
      }
      return { status: 201, body: s.render(created, fieldsOf(req)) }
    }
  }

  /** The collaboration of an id route and the caller's role on its item, or the error. */
  const found = (req: SimulatorKit.SimRequest) => {
    s.purgeExpired()
    const c = s.collaborations.get(req.params.id ?? "")
    if (c === undefined) return errors.notFound()
    const record = s.item(c.itemType, c.itemId)
    if (record === undefined) return errors.notFound()
    const caller = callerOf(req)
    const invitee = c.grantee.type === "user" && c.grantee.id === caller.userId
    const role = s.roleOn(caller.userId, record)
    if (!invitee && !canView(role)) return role === undefined ? errors.notFound() : errors.denied()
    return { c, record, caller, invitee, role }
  }

  const get: SimulatorKit.Route = {
    method: "GET",
    pattern: "/collaborations/:id",
    handle: (req) => {
      const f = found(req)
      if (isResponse(f)) return f
      return { status: 200, body: s.render(f.c, fieldsOf(req)) }
    }
  }

  const update: SimulatorKit.Route = {
    method: "PUT",
    pattern: "/collaborations/:id",
    handle: (req) => {
      const f = found(req)
      if (isResponse(f)) return f
      const { c, record, caller, invitee, role: callerRole } = f
      const body = req.body
      if (typeof body !== "object" || body === null || Array.isArray(body)) return errors.badRequest("Missing body")
      const { role, status, expires_at, can_view_path } = body as Record<string, unknown>
      if (role !== undefined && (typeof role !== "string" || !allRoles.includes(role))) {
        return errors.badRequest(`Invalid value for 'role': ${JSON.stringify(role)}`)
      }
      if (status !== undefined && (typeof status !== "string" || !statuses.includes(status))) {
        return errors.badRequest(`Invalid value for 'status': ${JSON.stringify(status)}`)
      }
      if (can_view_path !== undefined && typeof can_view_path !== "boolean") {
        return errors.badRequest("can_view_path must be a boolean")
      }
      let expiresAt: number | undefined
      if (expires_at !== undefined) {
        expiresAt = parseTime(expires_at)
        if (expiresAt === undefined) return errors.badRequest("expires_at must be a date-time")
      }
      const t = s.now()
      // accepting or rejecting: the invitee's own answer, while pending
      if (status !== undefined) {
        if (!invitee) return errors.invalidStatus("Only the invited user can accept or reject an invitation")
        if (c.status !== "pending" || status === "pending") {
          return errors.invalidStatus(`The collaboration is ${c.status}; only a pending invitation can be answered`)
        }
      }
      const changesMore = role !== undefined || expires_at !== undefined || can_view_path !== undefined
      if (changesMore && !manages(callerRole)) return errors.denied()
      if (can_view_path !== undefined) {
        if (record.type !== "folder")
          return errors.badRequest("can_view_path can only be used for folder collaborations")
        if (callerRole !== "owner") return errors.denied("Only the owner can change can_view_path")
      }
      if (expiresAt !== undefined) {
        const setting = s.settings().collaborationExpiry
        if (setting === undefined) {
          return errors.forbidden(
            "Collaboration expiry is not enabled for this enterprise (Automatically remove invited collaborators: Allow folder owners to extend the expiry date)"
          )
        }
        const enabledAt = parseTime(setting.enabledAt) ?? 0
        if (c.createdAt < enabledAt) {
          return errors.forbidden("This collaboration was created before collaboration expiry was enabled")
        }
      }
      if (role === "owner") {
        if (callerRole !== "owner") return errors.denied("Only the owner can transfer ownership")
        if (c.grantee.type !== "user" || c.status !== "accepted") {
          return errors.badRequest("Ownership can only be given to a user whose collaboration is accepted")
        }
        const oldOwner = record.owner
        const newOwner = c.grantee.id
        const transfer = (r: ItemRecord) => {
          if (r.owner === oldOwner) r.owner = newOwner
        }
        transfer(record)
        if (record.type === "folder") {
          for (const other of s.items.values()) {
            if (s.ancestors(other).some((a) => a.type === "folder" && a.id === record.id)) transfer(other)
          }
        }
        s.collaborations.delete(c.id)
        s.newCollaboration({
          itemType: record.type,
          itemId: record.id,
          grantee: { type: "user", id: oldOwner },
          role: "co-owner",
          status: "accepted",
          createdBy: caller.userId
        })
        return { status: 204 }
      }
      if (status !== undefined) {
        c.status = status as Wire.Status
        c.acknowledgedAt = t
      }
      if (role !== undefined) c.role = role as Wire.Role
      if (expiresAt !== undefined) c.expiresAt = expiresAt
      if (can_view_path !== undefined) c.canViewPath = can_view_path as boolean
      c.modifiedAt = t
      return { status: 200, body: s.render(c) }
    }
  }

  const remove: SimulatorKit.Route = {
    method: "DELETE",
    pattern: "/collaborations/:id",
    handle: (req) => {
      const f = found(req)
      if (isResponse(f)) return f
      if (!f.invitee && !manages(f.role)) return errors.denied()
      s.collaborations.delete(f.c.id)
      return { status: 204 }
    }
  }

  return [
    listPending,
    create,
    get,
    update,
    remove,
    itemList("file"),
    itemList("folder"),
    listGroup,
    itemRead("file"),
    itemRead("folder")
  ]
}

/**
 * Starts a simulator on loopback (Promise API). Its `url` is the API base, e.g.
 * `http://127.0.0.1:PORT/2.0`.
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/box/simulator"
 * const sim = await Simulator.start({ seed: Simulator.demoSeed })
 * await sim.close()
 * ```
 */
export const start = async (options: Options = {}): Promise<Simulator> => {
  const now = options.now ?? Date.now
  const { state, internal } = makeStateInternal(now)
  if (options.seed !== undefined) state.load(options.seed)
  const running = await SimulatorKit.start({
    name: "box",
    basePath: "/2.0",
    routes: routes(internal),
    now,
    ...(options.port !== undefined ? { port: options.port } : {}),
    authenticate: (req) => {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")
      const token = m?.[1] === undefined ? undefined : internal.tokens.get(m[1])
      if (token === undefined || token.expired) return { ok: false, response: errors.unauthorized() }
      const asUser = req.headers["as-user"]
      let userId = token.userId
      if (asUser !== undefined) {
        const me = internal.users.get(token.userId)
        const privileged = me !== undefined && (me.role === "admin" || me.role === "coadmin" || me.serviceAccount)
        if (!privileged || !token.canActAsUser)
          return { ok: false, response: errors.denied("As-User is not allowed for this token") }
        const target = internal.users.get(asUser)
        if (target === undefined) return { ok: false, response: errors.notFound("As-User user not found") }
        if (target.serviceAccount) {
          return { ok: false, response: errors.denied("A service account cannot be the target of As-User") }
        }
        userId = target.id
      }
      // the principal (the rate limit's key: Box counts per user) is the acting user; the scheme
      // names the token by its label and the admin behind an As-User call
      return {
        ok: true,
        principal: `user:${userId}`,
        scheme:
          asUser !== undefined
            ? `bearer token=${token.label} as-user by user:${token.userId}`
            : `bearer token=${token.label}`
      }
    },
    notFound: () => errors.notFound("Not Found"),
    badJson: () => errors.badRequest("Invalid JSON body"),
    ...(options.rateLimit === false
      ? {}
      : {
          rateLimit: {
            requests: options.rateLimit?.requests ?? 1000,
            windowMillis: options.rateLimit?.windowMillis ?? 60_000,
            reject: (seconds) => errors.rateLimited(seconds)
          }
        })
  })
  return { ...running, ...state }
}

/**
 * `start` as a scoped Effect: the server closes with the scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Simulator from "@unishare/box/simulator"
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const sim = yield* Simulator.serve({ seed: Simulator.demoSeed })
 *   return sim.url
 * }))
 * ```
 */
export const serve = (options: Options = {}): Effect.Effect<Simulator, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(options)),
    (sim) => Effect.promise(() => sim.close())
  )

/**
 * The tokens of `demoSeed`: `owner` (Olivia Owner, who owns every demo folder), `admin` (Alex
 * Admin, an enterprise admin whose app may act as users) and `external` (Erin External, who has a
 * pending invitation).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Client } from "@unishare/box"
 * import * as Simulator from "@unishare/box/simulator"
 * const sim = await Simulator.start({ seed: Simulator.demoSeed })
 * const client = Client.make({ token: Redacted.make(Simulator.demoCredentials.owner), baseUrl: sim.url })
 * ```
 */
export const demoCredentials = {
  owner: "sim-box-owner-token",
  admin: "sim-box-admin-token",
  external: "sim-box-external-token"
} as const

/**
 * Demo data: five users (one external), two groups, a folder tree with files, collaborations at
 * several roles (a folder one that reaches the files below it, a file one, a group one, a pending
 * invitation of an external user and one of an email without an account). The package README
 * lists its ids; `demoCredentials` reach it.
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/box/simulator"
 * const sim = await Simulator.start({ seed: Simulator.demoSeed })
 * ```
 */
export const demoSeed: Seed = {
  users: [
    { id: "1001", login: "owner@example.com", name: "Olivia Owner" },
    { id: "1002", login: "ada@example.com", name: "Ada Lovelace" },
    { id: "1003", login: "grace@example.com", name: "Grace Hopper" },
    { id: "1004", login: "admin@example.com", name: "Alex Admin", role: "admin" },
    { id: "1005", login: "erin@partner.example", name: "Erin External", enterprise: false }
  ],
  groups: [
    { id: "2001", name: "Finance", members: ["1002", "1003"] },
    { id: "2002", name: "All Users", type: "all_users_group" }
  ],
  tokens: [
    { token: demoCredentials.owner, user: "1001", label: "owner" },
    { token: demoCredentials.admin, user: "1004", label: "admin" },
    { token: demoCredentials.external, user: "1005", label: "external" }
  ],
  folders: [
    { id: "3001", name: "Finance", owner: "1001" },
    { id: "3002", name: "Budgets 2026", parent: "3001" },
    { id: "3003", name: "Contracts", owner: "1001", canNonOwnersInvite: false }
  ],
  files: [
    { id: "4001", name: "budget.xlsx", parent: "3002" },
    { id: "4002", name: "nda.pdf", parent: "3003" }
  ],
  collaborations: [
    { id: "5001", item: { type: "folder", id: "3001" }, group: "2001", role: "editor" },
    { id: "5002", item: { type: "folder", id: "3002" }, user: "1003", role: "co-owner" },
    { id: "5003", item: { type: "file", id: "4002" }, user: "1002", role: "previewer" },
    { id: "5004", item: { type: "folder", id: "3003" }, user: "1005", role: "viewer uploader" },
    { id: "5005", item: { type: "folder", id: "3003" }, email: "new.partner@partner.example", role: "viewer" }
  ],
  settings: { allowedDomains: ["partner.example"] }
}
