/**
 * The native Box collaborations client: one function per endpoint of Box's collaboration API
 * (create, get, update, delete; list per folder, per file, per group and the caller's pending
 * invitations), the lists also as `Stream`s that follow Box's paging (marker paging for folders
 * and files, offset paging for pending invitations and groups), and the two item reads that give
 * the folders an item is in (`getFolder`, `getFile` with `fields=path_collection`: what waterfall
 * access comes through); every call optionally on behalf of another user (`As-User`).
 *
 * Authentication is a bearer token: a `Redacted` token (a developer token, an access token) or a
 * function returning the current one (`TokenSource`), so JWT and Client Credentials Grant apps
 * bring their own token code and need no OAuth library here. The function is called before every
 * request; after a 401 it is asked once more and, when it gives a new token, the request is sent
 * again with it.
 *
 * Everything the caller passes is checked before any request: ids are Box's decimal ids, a login
 * is exactly one email address, roles are Box's (with the spaces of `previewer uploader`),
 * `expires_at` is an RFC 3339 date-time, `can_view_path` is for folders, the root folder `0` is
 * never collaborated, page sizes are 1 … 1000 and offsets 0 … 10,000. Bad input is `InvalidInput`
 * naming the field, and nothing is sent.
 *
 * Writes:
 * - `createCollaboration` is idempotent: when Box answers `400 user_already_collaborator`, the
 *   existing collaboration of that user or group on the item is looked up in the item's list
 *   (pages of 1,000, stopping at the page that holds it) and returned as it is (its role may differ
 *   from the one asked for). An answer that leaves open whether the create landed (a 5xx, a reset)
 *   is settled the same way: the lookup decides, and the create is sent again only when it finds
 *   nothing.
 * - `updateCollaboration` with `role: "owner"` transfers ownership: Box deletes the collaboration,
 *   makes a new one (new id) that makes the previous owner a co-owner, and answers 204 without a
 *   body; the result says so (`OwnershipTransferred`) and the new ids need a new listing.
 * - `deleteCollaboration` is sent once; an unclear outcome is settled by reading the collaboration
 *   (gone means deleted), so a retry never turns a successful delete into `NotFound`.
 *
 * Requests per operation are `requestBounds` (data, checked by the tests against the simulator's
 * request log).
 *
 * Written on core's `HttpApi` (through `TokenSource`) rather than on Box's SDK: the SDK brings its
 * own HTTP stack, retry loop and error classes, where every unishare adapter shares core's
 * deadlines, retries, rate limit, spans and typed errors.
 *
 * @since 0.1.0
 */
import {
  type Capabilities,
  Errors as CoreErrors,
  RequestBounds as CoreRequestBounds,
  HttpApi,
  Ids,
  Input,
  Paging,
  TokenSource,
  Translation
} from "@unishare/core"
import { Effect, Option, Schema, Stream } from "effect"
import type { HttpClient } from "effect/http"
import * as Errors from "./Errors.ts"
import * as Wire from "./Wire.ts"

const provider = Errors.provider
const ops = Errors.operations

/**
 * Box's API base URL.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/box"
 * Client.defaultBaseUrl // "https://api.box.com/2.0"
 * ```
 */
export const defaultBaseUrl = "https://api.box.com/2.0"

/**
 * The documented budget for general API calls: 1,000 requests per minute per user.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/box"
 * Client.defaultRateLimit.requests // 1000
 * ```
 */
export const defaultRateLimit: Capabilities.RateLimit = { requests: 1000, windowMillis: 60_000 }

/**
 * Client configuration. `token` is a `Redacted` token or a function returning the current one;
 * `baseUrl` defaults to `https://api.box.com/2.0`; `rateLimit` (the client-side budget per token)
 * to 1,000 requests per minute; `retry` tunes `HttpApi`'s backoff (default: 4 retries, which with
 * the first attempt is the 5 attempts Box's SDK makes).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import type { Client } from "@unishare/box"
 * const fixed: Client.Config = { token: Redacted.make("developer-token") }
 * const ccg: Client.Config = { token: () => Effect.succeed(Redacted.make("token from your CCG code")) }
 * ```
 */
export interface Config {
  readonly token: TokenSource.TokenSource
  readonly baseUrl?: string | undefined
  readonly timeoutMillis?: number | undefined
  readonly retry?: Partial<HttpApi.RetryPolicy> | undefined
  readonly rateLimit?: Capabilities.RateLimit | undefined
}

/**
 * Options every call takes: `asUser`, the id of the user to act as (`As-User` header; the token
 * must be an admin's or a service account's, with "Perform actions as users" enabled).
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/box"
 * const asAda: Client.CallOptions = { asUser: "23522323" }
 * ```
 */
export interface CallOptions {
  readonly asUser?: string | undefined
}

/**
 * `CallOptions` plus `fields`: Box then answers the mini representation (`id`, `type`) plus
 * these fields only.
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/box"
 * const opts: Client.FieldsOptions = { fields: ["role", "status", "accessible_by", "acceptance_requirements_status"] }
 * ```
 */
export interface FieldsOptions extends CallOptions {
  readonly fields?: ReadonlyArray<string> | undefined
}

/**
 * Options of `createCollaboration`: `notify` asks Box to email the invitee (sent only when given).
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/box"
 * const quiet: Client.CreateOptions = { notify: false }
 * ```
 */
export interface CreateOptions extends FieldsOptions {
  readonly notify?: boolean | undefined
}

/**
 * Options of one page of a folder or file list: `limit` (1 … 1000) and the `marker` of the page
 * (a previous page's `next_marker`).
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/box"
 * const opts: Client.MarkerPageOptions = { limit: 1000, marker: "JV9IRGZmieiBasejOG9yDCRNgd2ymoZIbjsxbJMjIs3kioVii" }
 * ```
 */
export interface MarkerPageOptions extends FieldsOptions {
  readonly limit?: number | undefined
  readonly marker?: string | undefined
}

/**
 * Options of one page of the pending list: `offset` (0 … 10,000) and `limit` (1 … 1000).
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/box"
 * const second: Client.OffsetPageOptions = { offset: 1000, limit: 1000 }
 * ```
 */
export interface OffsetPageOptions extends FieldsOptions {
  readonly offset?: number | undefined
  readonly limit?: number | undefined
}

/**
 * Options of one page of a group's list (the endpoint takes no `fields`).
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/box"
 * const opts: Client.GroupPageOptions = { offset: 0, limit: 500 }
 * ```
 */
export interface GroupPageOptions extends CallOptions {
  readonly offset?: number | undefined
  readonly limit?: number | undefined
}

/**
 * What an update did: the updated collaboration, or an ownership transfer (Box answered 204: the
 * collaboration was replaced by a new one, the previous owner's, as co-owner).
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/box"
 * const roleOf = (r: Client.UpdateResult) => (r._tag === "Updated" ? r.collaboration.role : "owner")
 * ```
 */
export type UpdateResult =
  | { readonly _tag: "Updated"; readonly collaboration: Wire.Collaboration }
  | { readonly _tag: "OwnershipTransferred" }

/**
 * The native client.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import type { Client } from "@unishare/box"
 * const all = (client: Client.Client) => Stream.runCollect(client.listFolderCollaborations("11446498"))
 * ```
 */
export interface Client {
  readonly baseUrl: string
  /** `POST /collaborations`; idempotent (an existing collaboration of the grantee is returned). */
  readonly createCollaboration: (
    body: Wire.CreateCollaborationRequest,
    options?: CreateOptions
  ) => Effect.Effect<Wire.Collaboration, CoreErrors.SharingError>
  /**
   * The pending or accepted collaboration of a user (by id or login, or an invitation to that
   * email) or group directly on an item: its list read page by page (1,000 per page) up to it.
   */
  readonly findCollaboration: (
    item: Wire.CreateItem,
    accessibleBy: Wire.CreateAccessibleBy,
    options?: FieldsOptions
  ) => Effect.Effect<Option.Option<Wire.Collaboration>, CoreErrors.SharingError>
  /** `GET /collaborations/{id}`. */
  readonly getCollaboration: (
    collaborationId: string,
    options?: FieldsOptions
  ) => Effect.Effect<Wire.Collaboration, CoreErrors.SharingError>
  /** `PUT /collaborations/{id}`: role, expiry, `can_view_path`, accept / reject, ownership transfer. */
  readonly updateCollaboration: (
    collaborationId: string,
    body: Wire.UpdateCollaborationRequest,
    options?: CallOptions
  ) => Effect.Effect<UpdateResult, CoreErrors.SharingError>
  /** `DELETE /collaborations/{id}`. */
  readonly deleteCollaboration: (
    collaborationId: string,
    options?: CallOptions
  ) => Effect.Effect<void, CoreErrors.SharingError>
  /** One page of `GET /folders/{id}/collaborations` (pending and accepted, on that folder itself). */
  readonly listFolderCollaborationsPage: (
    folderId: string,
    options?: MarkerPageOptions
  ) => Effect.Effect<Wire.Collaborations, CoreErrors.SharingError>
  /** Every collaboration of `GET /folders/{id}/collaborations`, following `next_marker` (1,000 per page by default). */
  readonly listFolderCollaborations: (
    folderId: string,
    options?: Omit<MarkerPageOptions, "marker">
  ) => Stream.Stream<Wire.Collaboration, CoreErrors.SharingError>
  /** One page of `GET /files/{id}/collaborations`. */
  readonly listFileCollaborationsPage: (
    fileId: string,
    options?: MarkerPageOptions
  ) => Effect.Effect<Wire.Collaborations, CoreErrors.SharingError>
  /** Every collaboration of `GET /files/{id}/collaborations`, following `next_marker`. */
  readonly listFileCollaborations: (
    fileId: string,
    options?: Omit<MarkerPageOptions, "marker">
  ) => Stream.Stream<Wire.Collaboration, CoreErrors.SharingError>
  /** One page of `GET /collaborations?status=pending`: the caller's (or `asUser`'s) pending invitations. */
  readonly listPendingCollaborationsPage: (
    options?: OffsetPageOptions
  ) => Effect.Effect<Wire.CollaborationsOffsetPaginated, CoreErrors.SharingError>
  /** Every pending invitation of the caller, by offset (1,000 per page by default). */
  readonly listPendingCollaborations: (
    options?: Omit<OffsetPageOptions, "offset">
  ) => Stream.Stream<Wire.Collaboration, CoreErrors.SharingError>
  /** One page of `GET /groups/{id}/collaborations` (needs an admin). */
  readonly listGroupCollaborationsPage: (
    groupId: string,
    options?: GroupPageOptions
  ) => Effect.Effect<Wire.CollaborationsOffsetPaginated, CoreErrors.SharingError>
  /** Every collaboration of a group, by offset. */
  readonly listGroupCollaborations: (
    groupId: string,
    options?: Omit<GroupPageOptions, "offset">
  ) => Stream.Stream<Wire.Collaboration, CoreErrors.SharingError>
  /** `GET /folders/{id}` (default `fields=path_collection`): the folder and the folders it is in. */
  readonly getFolder: (
    folderId: string,
    options?: FieldsOptions
  ) => Effect.Effect<Wire.ItemDetails, CoreErrors.SharingError>
  /** `GET /files/{id}` (default `fields=path_collection`): the file and the folders it is in. */
  readonly getFile: (
    fileId: string,
    options?: FieldsOptions
  ) => Effect.Effect<Wire.ItemDetails, CoreErrors.SharingError>
}

/**
 * The requests each operation sends when nothing fails (retries, and the reads that settle an
 * unclear write, come on top). `position` is the 0-based place of the existing collaboration in the
 * item's list; `collaborations` how many a listing returns; `limit` its page size (the streams use
 * 1,000, the most Box allows). A listing is at least one request, even when empty.
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/box"
 * const b: Client.RequestBounds = { createCollaboration: 1, createExisting: () => 2, getCollaboration: 1,
 *   updateCollaboration: 1, deleteCollaboration: 1, listItemCollaborations: () => 1,
 *   listPendingCollaborations: () => 1, listGroupCollaborations: () => 1, getItem: 1 }
 * ```
 */
export interface RequestBounds {
  readonly createCollaboration: number
  readonly createExisting: (position: number) => number
  readonly getCollaboration: number
  readonly updateCollaboration: number
  readonly deleteCollaboration: number
  readonly listItemCollaborations: (collaborations: number, limit?: number) => number
  readonly listPendingCollaborations: (collaborations: number, limit?: number) => number
  readonly listGroupCollaborations: (collaborations: number, limit?: number) => number
  /** `getFolder`, `getFile`. */
  readonly getItem: number
}

/**
 * The fewest requests Box's documented API allows for each client operation:
 *
 * | operation | requests |
 * | --- | --- |
 * | create | 1 |
 * | create, grantee already a collaborator | 1 + ⌈(position + 1) / 1000⌉ (the 400, then the item's list up to the page holding it) |
 * | get, update (ownership transfer included), delete | 1 |
 * | get a folder or a file (`getFolder`, `getFile`) | 1 |
 * | list a folder's or a file's collaborations (marker) | ⌈n / limit⌉, at least 1 |
 * | list pending invitations or a group's collaborations (offset) | ⌈n / limit⌉, at least 1 |
 *
 * A token function adds no request of its own (it is called before each one); a 401 answered to an
 * expired token that the function then replaces adds one.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/box"
 * Client.requestBounds.createExisting(1500) // 3
 * Client.requestBounds.listItemCollaborations(0) // 1
 * ```
 */
export const requestBounds: RequestBounds = {
  createCollaboration: 1,
  createExisting: (position) => 1 + CoreRequestBounds.pages(position + 1, Wire.maxLimit),
  getCollaboration: 1,
  updateCollaboration: 1,
  deleteCollaboration: 1,
  listItemCollaborations: (n, limit = Wire.maxLimit) => CoreRequestBounds.pages(n, limit),
  listPendingCollaborations: (n, limit = Wire.maxLimit) => CoreRequestBounds.pages(n, limit),
  listGroupCollaborations: (n, limit = Wire.maxLimit) => CoreRequestBounds.pages(n, limit),
  getItem: 1
}

const Limit = Schema.Number.check(
  Schema.makeFilter<number>(
    (n) => (Number.isInteger(n) && n >= 1 && n <= Wire.maxLimit) || `must be an integer in 1 … ${Wire.maxLimit}`,
    { title: "page size" }
  )
)
const Offset = Schema.Number.check(
  Schema.makeFilter<number>(
    (n) =>
      (Number.isInteger(n) && n >= 0 && n <= Wire.maxOffset) ||
      `must be an integer in 0 … ${Wire.maxOffset} (Box refuses larger offsets)`,
    { title: "offset" }
  )
)
const FieldName = Schema.String.check(
  Schema.isPattern(/^[a-z][a-z0-9_]{0,63}$/, { message: "must be a Box field name (lowercase letters, digits, _)" })
)
const Marker = Ids.WellFormedString.check(
  Schema.makeFilter<string>(
    (s) => (s.length > 0 && !/[\p{Cc}]/u.test(s)) || "must be a non-empty marker from a previous page",
    { title: "marker" }
  )
)

const callFields = {
  asUser: Schema.optionalKey(Schema.UndefinedOr(Wire.Id)),
  fields: Schema.optionalKey(Schema.UndefinedOr(Schema.Array(FieldName)))
}
const CreateOptionsSchema = Schema.Struct({
  ...callFields,
  notify: Schema.optionalKey(Schema.UndefinedOr(Schema.Boolean))
})
const FieldsOptionsSchema = Schema.Struct(callFields)
const CallOptionsSchema = Schema.Struct({ asUser: callFields.asUser })
const MarkerPageOptionsSchema = Schema.Struct({
  ...callFields,
  limit: Schema.optionalKey(Schema.UndefinedOr(Limit)),
  marker: Schema.optionalKey(Schema.UndefinedOr(Marker))
})
const OffsetPageOptionsSchema = Schema.Struct({
  ...callFields,
  limit: Schema.optionalKey(Schema.UndefinedOr(Limit)),
  offset: Schema.optionalKey(Schema.UndefinedOr(Offset))
})
const GroupPageOptionsSchema = Schema.Struct({
  asUser: callFields.asUser,
  limit: Schema.optionalKey(Schema.UndefinedOr(Limit)),
  offset: Schema.optionalKey(Schema.UndefinedOr(Offset))
})

const ConfigShape = Schema.Struct({ ...Input.httpSettings })

/**
 * Decodes a configuration before anything is built: the token (a `Redacted` string that can be
 * sent in a header, or a function; never shown), base URL, timeout, retry and rate limit.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/box"
 * Client.decodeConfig({ token: "in clear" } as never) // fails at token, without showing it
 * ```
 */
export const decodeConfig = <C extends Config>(config: C): Effect.Effect<C, CoreErrors.InvalidInput> =>
  Effect.flatMap(
    Input.config(provider, config, ConfigShape, () => []),
    (c) => {
      const issues = TokenSource.issues((c as { readonly token?: unknown }).token, "token")
      return issues.length === 0
        ? Effect.succeed(c)
        : Effect.fail(new CoreErrors.InvalidInput({ provider, operation: "configure", issues: [...issues] }))
    }
  )

const validate = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  input: unknown,
  operation: string,
  path: string
) => Translation.validate(schema, input, { provider, operation, path })

const headersOf = (asUser: string | undefined): TokenSource.Headers =>
  asUser === undefined ? {} : { "as-user": asUser }

const fieldsParam = (fields: ReadonlyArray<string> | undefined): string | undefined =>
  fields === undefined || fields.length === 0 ? undefined : fields.join(",")

/** The fields the lookup of an existing collaboration needs to recognise it. */
const lookupFields = ["status", "accessible_by", "invite_email"] as const

/**
 * Whether a listed collaboration is the one of `accessibleBy` (a rejected invitation is not):
 * the same user id, the same group id, or — for a login — the user with that login or an
 * invitation to that email (compared without case).
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/box"
 * Client.isCollaborationOf({ type: "collaboration", id: "1", status: "pending", accessible_by: null,
 *   invite_email: "New@Example.com" }, { type: "user", login: "new@example.com" }) // true
 * ```
 */
export const isCollaborationOf = (entry: Wire.Collaboration, accessibleBy: Wire.CreateAccessibleBy): boolean => {
  if (entry.status === "rejected") return false
  const grantee = entry.accessible_by
  if (accessibleBy.login !== undefined) {
    const login = accessibleBy.login.toLowerCase()
    return (
      (grantee?.type === "user" && grantee.login?.toLowerCase() === login) ||
      (typeof entry.invite_email === "string" && entry.invite_email.toLowerCase() === login)
    )
  }
  return (
    grantee !== undefined && grantee !== null && grantee.type === accessibleBy.type && grantee.id === accessibleBy.id
  )
}

/** The JSON of a create, in the documented field order, with only the fields given. */
const createBody = (b: Wire.CreateCollaborationRequest): Record<string, unknown> => ({
  item: { type: b.item.type, id: b.item.id },
  accessible_by:
    b.accessible_by.login !== undefined
      ? { type: b.accessible_by.type, login: b.accessible_by.login }
      : { type: b.accessible_by.type, id: b.accessible_by.id },
  role: b.role,
  ...(b.is_access_only !== undefined ? { is_access_only: b.is_access_only } : {}),
  ...(b.can_view_path !== undefined ? { can_view_path: b.can_view_path } : {}),
  ...(b.expires_at !== undefined ? { expires_at: b.expires_at } : {})
})

const updateBody = (b: Wire.UpdateCollaborationRequest): Record<string, unknown> => ({
  ...(b.role !== undefined ? { role: b.role } : {}),
  ...(b.status !== undefined ? { status: b.status } : {}),
  ...(b.expires_at !== undefined ? { expires_at: b.expires_at } : {}),
  ...(b.can_view_path !== undefined ? { can_view_path: b.can_view_path } : {})
})

/** Whether a collaboration read back shows an update (`can_view_path` cannot be read back). */
const showsUpdate = (c: Wire.Collaboration, b: Wire.UpdateCollaborationRequest): boolean =>
  (b.role !== undefined || b.status !== undefined || b.expires_at !== undefined) &&
  (b.role === undefined || c.role === b.role) &&
  (b.status === undefined || c.status === b.status) &&
  (b.expires_at === undefined ||
    (typeof c.expires_at === "string" && Date.parse(c.expires_at) === Date.parse(b.expires_at)))

/** A 403 to a write that set `expires_at` may be the enterprise setting: say so. */
const withExpiryHint =
  (expiresAt: string | undefined) =>
  <A>(effect: Effect.Effect<A, CoreErrors.SharingError>): Effect.Effect<A, CoreErrors.SharingError> =>
    expiresAt === undefined
      ? effect
      : Effect.mapError(effect, (error) =>
          error._tag === "AccessDenied" && (error.detail as Errors.Detail | undefined)?.status === 403
            ? new CoreErrors.AccessDenied({
                provider: error.provider,
                operation: error.operation,
                message: `${error.message}. Box also refuses expires_at with 403 when the enterprise setting "Automatically remove invited collaborators: Allow folder owners to extend the expiry date" is off (and, on an update, for collaborations created before it was turned on)`,
                ...(error.detail !== undefined ? { detail: error.detail } : {})
              })
            : error
        )

/**
 * Builds the client on the `HttpClient` in context. Fails with `InvalidInput` for a bad
 * configuration (token, `baseUrl`: https required except on loopback).
 *
 * @example
 * ```ts
 * import { Effect, Redacted, Stream } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Client } from "@unishare/box"
 * const program = Effect.gen(function* () {
 *   const box = yield* Client.make({ token: Redacted.make(process.env.BOX_ACCESS_TOKEN ?? "") })
 *   yield* box.createCollaboration({ item: { type: "folder", id: "11446498" },
 *     accessible_by: { type: "user", login: "ada@example.com" }, role: "viewer uploader" })
 *   return yield* Stream.runCollect(box.listFolderCollaborations("11446498"))
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 */
export const make = (config: Config): Effect.Effect<Client, CoreErrors.InvalidInput, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    yield* decodeConfig(config)
    const api = yield* TokenSource.make({
      provider,
      baseUrl: config.baseUrl ?? defaultBaseUrl,
      token: config.token,
      variable: "token",
      timeoutMillis: config.timeoutMillis,
      retry: config.retry,
      rateLimit: config.rateLimit ?? defaultRateLimit,
      classify: Errors.classify,
      isTransient: Errors.isTransient
    })

    const fetchCollaboration = (id: string, o: FieldsOptions) =>
      api.json(
        {
          operation: ops.getCollaboration,
          method: "GET",
          path: HttpApi.path`/collaborations/${id}`,
          query: { fields: fieldsParam(o.fields) },
          response: Wire.Collaboration
        },
        headersOf(o.asUser)
      )

    const getCollaboration = (collaborationId: string, options: FieldsOptions = {}) =>
      Effect.gen(function* () {
        const id = yield* validate(Wire.Id, collaborationId, ops.getCollaboration, "collaborationId")
        const o = yield* validate(FieldsOptionsSchema, options, ops.getCollaboration, "options")
        return yield* fetchCollaboration(id, o)
      })

    /** One page of a folder's or file's list, input already validated. */
    const fetchItemPage = (type: "file" | "folder", id: string, o: MarkerPageOptions) =>
      api.json(
        {
          operation: type === "folder" ? ops.listFolderCollaborations : ops.listFileCollaborations,
          method: "GET",
          path:
            type === "folder" ? HttpApi.path`/folders/${id}/collaborations` : HttpApi.path`/files/${id}/collaborations`,
          query: { fields: fieldsParam(o.fields), limit: o.limit, marker: o.marker },
          response: Wire.Collaborations
        },
        headersOf(o.asUser)
      )

    const itemStream = (type: "file" | "folder", id: string, o: Omit<MarkerPageOptions, "marker">) =>
      Paging.byMarker({
        provider,
        operation: type === "folder" ? ops.listFolderCollaborations : ops.listFileCollaborations,
        fetch: (marker) =>
          Effect.map(
            fetchItemPage(type, id, {
              ...o,
              limit: o.limit ?? Wire.maxLimit,
              ...(marker !== undefined ? { marker } : {})
            }),
            (page) => ({ items: page.entries, next: page.next_marker })
          )
      })

    const itemPage =
      (type: "file" | "folder", idSchema: typeof Wire.Id, path: string) =>
      (itemId: string, options: MarkerPageOptions = {}) =>
        Effect.gen(function* () {
          const operation = type === "folder" ? ops.listFolderCollaborations : ops.listFileCollaborations
          const id = yield* validate(idSchema, itemId, operation, path)
          const o = yield* validate(MarkerPageOptionsSchema, options, operation, "options")
          return yield* fetchItemPage(type, id, o)
        })

    const itemList =
      (type: "file" | "folder", idSchema: typeof Wire.Id, path: string) =>
      (itemId: string, options: Omit<MarkerPageOptions, "marker"> = {}) =>
        Stream.unwrap(
          Effect.gen(function* () {
            const operation = type === "folder" ? ops.listFolderCollaborations : ops.listFileCollaborations
            const id = yield* validate(idSchema, itemId, operation, path)
            const o = yield* validate(MarkerPageOptionsSchema, options, operation, "options")
            return itemStream(type, id, o)
          })
        )

    /** The lookup behind the idempotent create, input already validated. */
    const lookup = (item: Wire.CreateItem, accessibleBy: Wire.CreateAccessibleBy, o: FieldsOptions) =>
      itemStream(item.type, item.id, {
        ...(o.asUser !== undefined ? { asUser: o.asUser } : {}),
        ...(o.fields !== undefined && o.fields.length > 0
          ? { fields: [...new Set([...o.fields, ...lookupFields])] }
          : {})
      }).pipe(
        Stream.filter((entry) => isCollaborationOf(entry, accessibleBy)),
        Stream.runHead
      )

    const findCollaboration = (
      item: Wire.CreateItem,
      accessibleBy: Wire.CreateAccessibleBy,
      options: FieldsOptions = {}
    ) =>
      Effect.gen(function* () {
        const i = yield* validate(Wire.CreateItem, item, "findCollaboration", "item")
        const a = yield* validate(Wire.CreateAccessibleBy, accessibleBy, "findCollaboration", "accessibleBy")
        const o = yield* validate(FieldsOptionsSchema, options, "findCollaboration", "options")
        return yield* lookup(i, a, o)
      })

    const createCollaboration = (body: Wire.CreateCollaborationRequest, options: CreateOptions = {}) =>
      Effect.gen(function* () {
        const b = yield* validate(Wire.CreateCollaborationRequest, body, ops.createCollaboration, "body")
        const o = yield* validate(CreateOptionsSchema, options, ops.createCollaboration, "options")
        const existing = lookup(b.item, b.accessible_by, o)
        const post = api.json(
          {
            operation: ops.createCollaboration,
            method: "POST",
            path: "/collaborations",
            query: { fields: fieldsParam(o.fields), notify: o.notify },
            body: createBody(b),
            response: Wire.Collaboration
          },
          headersOf(o.asUser)
        )
        const idempotent = post.pipe(
          Effect.catchIf(
            (e): e is CoreErrors.Conflict => e._tag === "Conflict" && Errors.codeOf(e) === "user_already_collaborator",
            (conflict) =>
              Effect.flatMap(existing, (found) =>
                Option.isSome(found)
                  ? Effect.succeed(found.value)
                  : Effect.fail(
                      new CoreErrors.Conflict({
                        provider,
                        operation: ops.createCollaboration,
                        message: `${conflict.message}; but no pending or accepted collaboration of this ${b.accessible_by.type} is on ${b.item.type} ${b.item.id} itself (Box says so for the item's owner too)`,
                        ...(conflict.detail !== undefined ? { detail: conflict.detail } : {})
                      })
                    )
              )
          )
        )
        return yield* HttpApi.createOnce({ create: idempotent, check: existing }).pipe(withExpiryHint(b.expires_at))
      })

    const updateCollaboration = (
      collaborationId: string,
      body: Wire.UpdateCollaborationRequest,
      options: CallOptions = {}
    ) =>
      Effect.gen(function* () {
        const id = yield* validate(Wire.Id, collaborationId, ops.updateCollaboration, "collaborationId")
        const b = yield* validate(Wire.UpdateCollaborationRequest, body, ops.updateCollaboration, "body")
        const o = yield* validate(CallOptionsSchema, options, ops.updateCollaboration, "options")
        const headers = headersOf(o.asUser)
        const spec = {
          operation: ops.updateCollaboration,
          method: "PUT",
          path: HttpApi.path`/collaborations/${id}`,
          body: updateBody(b)
        } as const
        const read = fetchCollaboration(id, o.asUser !== undefined ? { asUser: o.asUser } : {})
        if (b.role === "owner") {
          // 204: the collaboration is replaced, so the PUT cannot be repeated (it would be a 404)
          return yield* HttpApi.confirmWrite({
            write: Effect.as(api.request({ ...spec, response: "empty", idempotent: false }, headers), {
              _tag: "OwnershipTransferred"
            } as UpdateResult),
            check: read.pipe(
              Effect.as(Option.none<UpdateResult>()),
              Effect.catchTag("NotFound", () =>
                Effect.succeed(Option.some<UpdateResult>({ _tag: "OwnershipTransferred" }))
              )
            )
          }).pipe(withExpiryHint(b.expires_at))
        }
        return yield* HttpApi.confirmWrite({
          write: Effect.map(
            api.json({ ...spec, response: Wire.Collaboration }, headers),
            (collaboration): UpdateResult => ({ _tag: "Updated", collaboration })
          ),
          check: Effect.map(read, (c) =>
            showsUpdate(c, b) ? Option.some<UpdateResult>({ _tag: "Updated", collaboration: c }) : Option.none()
          )
        }).pipe(withExpiryHint(b.expires_at))
      })

    const deleteCollaboration = (collaborationId: string, options: CallOptions = {}) =>
      Effect.gen(function* () {
        const id = yield* validate(Wire.Id, collaborationId, ops.deleteCollaboration, "collaborationId")
        const o = yield* validate(CallOptionsSchema, options, ops.deleteCollaboration, "options")
        // sent once (not retried blindly: a second DELETE after one that landed answers 404);
        // an unclear outcome is settled by reading the collaboration
        return yield* HttpApi.confirmWrite({
          write: Effect.asVoid(
            api.request(
              {
                operation: ops.deleteCollaboration,
                method: "DELETE",
                path: HttpApi.path`/collaborations/${id}`,
                response: "empty",
                idempotent: false
              },
              headersOf(o.asUser)
            )
          ),
          check: fetchCollaboration(id, o.asUser !== undefined ? { asUser: o.asUser } : {}).pipe(
            Effect.as(Option.none<void>()),
            Effect.catchTag("NotFound", () => Effect.succeed(Option.some<void>(undefined)))
          )
        })
      })

    const itemRead =
      (type: "file" | "folder") =>
      (itemId: string, options: FieldsOptions = {}) =>
        Effect.gen(function* () {
          const operation = type === "folder" ? ops.getFolder : ops.getFile
          const id = yield* validate(
            type === "folder" ? Wire.FolderId : Wire.Id,
            itemId,
            operation,
            type === "folder" ? "folderId" : "fileId"
          )
          const o = yield* validate(FieldsOptionsSchema, options, operation, "options")
          return yield* api.json(
            {
              operation,
              method: "GET",
              path: type === "folder" ? HttpApi.path`/folders/${id}` : HttpApi.path`/files/${id}`,
              query: { fields: fieldsParam(o.fields) ?? "path_collection" },
              response: Wire.ItemDetails
            },
            headersOf(o.asUser)
          )
        })

    const fetchPendingPage = (o: OffsetPageOptions) =>
      api.json(
        {
          operation: ops.listPendingCollaborations,
          method: "GET",
          path: "/collaborations",
          query: { status: "pending", fields: fieldsParam(o.fields), offset: o.offset, limit: o.limit },
          response: Wire.CollaborationsOffsetPaginated
        },
        headersOf(o.asUser)
      )

    const fetchGroupPage = (id: string, o: GroupPageOptions) =>
      api.json(
        {
          operation: ops.listGroupCollaborations,
          method: "GET",
          path: HttpApi.path`/groups/${id}/collaborations`,
          query: { offset: o.offset, limit: o.limit },
          response: Wire.CollaborationsOffsetPaginated
        },
        headersOf(o.asUser)
      )

    const offsetStream = (operation: string, fetch: (offset: number) => ReturnType<typeof fetchPendingPage>) =>
      Paging.byOffset({
        provider,
        operation,
        maxOffset: Wire.maxOffset,
        fetch: (offset) => Effect.map(fetch(offset), (page) => ({ items: page.entries, totalCount: page.total_count }))
      })

    return {
      baseUrl: api.baseUrl,
      createCollaboration,
      findCollaboration,
      getCollaboration,
      updateCollaboration,
      deleteCollaboration,
      listFolderCollaborationsPage: itemPage("folder", Wire.FolderId, "folderId"),
      listFolderCollaborations: itemList("folder", Wire.FolderId, "folderId"),
      listFileCollaborationsPage: itemPage("file", Wire.Id, "fileId"),
      listFileCollaborations: itemList("file", Wire.Id, "fileId"),
      listPendingCollaborationsPage: (options = {}) =>
        Effect.flatMap(
          validate(OffsetPageOptionsSchema, options, ops.listPendingCollaborations, "options"),
          fetchPendingPage
        ),
      listPendingCollaborations: (options = {}) =>
        Stream.unwrap(
          Effect.map(validate(OffsetPageOptionsSchema, options, ops.listPendingCollaborations, "options"), (o) =>
            offsetStream(ops.listPendingCollaborations, (offset) =>
              fetchPendingPage({ ...o, offset, limit: o.limit ?? Wire.maxLimit })
            )
          )
        ),
      listGroupCollaborationsPage: (groupId, options = {}) =>
        Effect.gen(function* () {
          const id = yield* validate(Wire.Id, groupId, ops.listGroupCollaborations, "groupId")
          const o = yield* validate(GroupPageOptionsSchema, options, ops.listGroupCollaborations, "options")
          return yield* fetchGroupPage(id, o)
        }),
      listGroupCollaborations: (groupId, options = {}) =>
        Stream.unwrap(
          Effect.gen(function* () {
            const id = yield* validate(Wire.Id, groupId, ops.listGroupCollaborations, "groupId")
            const o = yield* validate(GroupPageOptionsSchema, options, ops.listGroupCollaborations, "options")
            return offsetStream(ops.listGroupCollaborations, (offset) =>
              fetchGroupPage(id, { ...o, offset, limit: o.limit ?? Wire.maxLimit })
            )
          })
        ),
      getFolder: itemRead("folder"),
      getFile: itemRead("file")
    } satisfies Client
  })
