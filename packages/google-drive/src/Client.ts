/**
 * The native Google Drive API v3 permissions client: one function per `drive.permissions.*`
 * method (list, get, create, update, delete), lists as a `Stream` that follows `nextPageToken`,
 * every input validated before any request.
 *
 * What every request carries:
 * - `supportsAllDrives=true` (without it, shared-drive items answer 404, gotcha G1);
 * - `fields`: every documented permission field (`Wire.permissionSelector`, `Wire.listSelector`),
 *   since Drive returns only `kind`, `id`, `type` and `role` by default (G2) and the caller needs
 *   `emailAddress`, `domain`, `expirationTime`, `pendingOwner` and `permissionDetails` (direct
 *   versus inherited access);
 * - lists always send `pageSize` (default and maximum 100): without it a My Drive item answers
 *   its whole list in one page and a shared-drive item at most 100 (G3);
 * - `Authorization: Bearer <token>`, from a fixed `Redacted` token or a token provider (see
 *   `Credentials`).
 *
 * Retries (core `HttpApi`, exponential backoff with jitter): 429, 5xx, and 403 whose reason is a
 * rate limit (`userRateLimitExceeded`, `rateLimitExceeded`, `sharingRateLimitExceeded`,
 * `quotaExceeded`); other 403s are refusals and are sent once. A create (POST) is retried only
 * when Drive said it did not process it (429, or a 403 rate-limit reason): a blind retry would
 * send the notification email again. So are a delete (resent after it landed it answers 404) and
 * an ownership transfer (resent, the old owner may no longer transfer). A write whose answer
 * leaves open whether it landed (5xx, reset, timeout, unreadable body) is settled by reading the
 * state (`HttpApi.confirmWrite`): found, it succeeded; not found after an answer, it is sent once
 * more; not found after a reset or timeout, it stays `Unavailable { maybeApplied: true }`.
 * Writes to one file are serialized (`KeyedLock`): Drive applies only the last of concurrent
 * permission writes on a file (G5).
 *
 * Batch (`POST /batch/drive/v3`, multipart/mixed) is deliberately not used: a batch of N calls
 * counts as N requests against every quota (so it does not cut what the rate limits count), two
 * writes to one file must not share a batch (G5), and every operation here addresses one file, so
 * a batch would only save round trips of reads across many files — which no operation here does.
 *
 * @since 0.1.0
 */
import {
  type Capabilities,
  Errors as CoreErrors,
  HttpApi,
  Ids,
  Input,
  KeyedLock,
  RequestBounds,
  Translation
} from "@unishare/core"
import { Clock, Duration, Effect, Option, Random, Redacted, Schema, Semaphore, Stream } from "effect"
import { HttpClient } from "effect/http"
import * as Errors from "./Errors.ts"
import * as Wire from "./Wire.ts"

const provider = Errors.provider

/**
 * The API base URL (discovery `rootUrl` + `servicePath`).
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/google-drive"
 * Client.defaultBaseUrl // "https://www.googleapis.com/drive/v3"
 * ```
 */
export const defaultBaseUrl = "https://www.googleapis.com/drive/v3"

/**
 * The largest `pageSize` of `permissions.list` (also the client's default).
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/google-drive"
 * Client.maxPageSize // 100
 * ```
 */
export const maxPageSize = 100

/**
 * An access token with its expiry (milliseconds since the epoch). A token provider that returns
 * one is called again only when the token is within `refreshMarginMillis` of `expiresAt` (or
 * after Drive answered 401).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Client } from "@unishare/google-drive"
 * const t: Client.AccessToken = { token: Redacted.make("ya29.a0…"), expiresAt: Date.now() + 3_600_000 }
 * ```
 */
export interface AccessToken {
  readonly token: Redacted.Redacted<string>
  readonly expiresAt?: number | undefined
}

/**
 * A function that yields an OAuth 2.0 access token: plug in any OAuth library (a service account
 * JWT with `subject` for domain-wide delegation, a user's refresh token, the metadata server)
 * without this package depending on it. A bare `Redacted` token is asked for again on every
 * request; an `AccessToken` with `expiresAt` is kept until shortly before it expires. After a 401
 * the provider is asked once more and the request sent again once. A failure that is a
 * `SharingError` passes through; any other failure becomes `AccessDenied` (no request is sent).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import type { Client } from "@unishare/google-drive"
 * const fromEnv: Client.TokenProvider = () => Effect.sync(() => Redacted.make(process.env.DRIVE_TOKEN ?? ""))
 * ```
 */
export type TokenProvider = () => Effect.Effect<Redacted.Redacted<string> | AccessToken, unknown>

/**
 * How requests authenticate: a fixed access token, or a token provider.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Client } from "@unishare/google-drive"
 * const fixed: Client.Credentials = Redacted.make("ya29.a0…")
 * ```
 */
export type Credentials = Redacted.Redacted<string> | TokenProvider

/**
 * Client configuration. There is no default client-side `rateLimit`: Drive's budgets are quota
 * units per minute per project and per user, and have changed over time, so the client relies on
 * backoff; give one to pace requests yourself (with a token provider it counts per token value).
 * `refreshMarginMillis` (default 60 s) is how long before `expiresAt` a cached token is renewed.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Client } from "@unishare/google-drive"
 * const config: Client.Config = { credentials: Redacted.make("ya29.a0…"), retry: { times: 6 } }
 * ```
 */
export interface Config {
  readonly credentials: Credentials
  readonly baseUrl?: string | undefined
  readonly timeoutMillis?: number | undefined
  readonly retry?: Partial<HttpApi.RetryPolicy> | undefined
  readonly rateLimit?: Capabilities.RateLimit | undefined
  readonly refreshMarginMillis?: number | undefined
}

const ConfigShape = Schema.Struct({
  ...Input.httpSettings,
  refreshMarginMillis: Schema.optional(Schema.Number.check(Schema.isFinite(), Schema.isGreaterThanOrEqualTo(0)))
})

/**
 * Decodes a configuration before anything is built: a `Redacted` token (its value is never shown)
 * or a function, the base URL, timeout, retry, rate limit and refresh margin.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/google-drive"
 * Client.decodeConfig({ credentials: "in clear" } as never) // fails at credentials, without showing it
 * ```
 */
export const decodeConfig = <C extends Config>(config: C): Effect.Effect<C, CoreErrors.InvalidInput> =>
  Input.config(provider, config, ConfigShape, (c) =>
    typeof c.credentials === "function" ? [] : [["credentials", c.credentials]]
  )

const idPattern = /^[A-Za-z0-9_-]{1,128}$/

/**
 * A file, folder or shared drive id: 1 to 128 letters, digits, `-` or `_` (the URL-safe alphabet
 * Drive ids are written in). Anything else — whitespace, `/`, `..`, a lone surrogate — is
 * `InvalidInput` before any request.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "@unishare/google-drive"
 * Schema.is(Client.FileId)("1AbCdEfGhIjKlMnOpQrStUvWxYz012345") // true
 * Schema.is(Client.FileId)("../x") // false
 * ```
 */
export const FileId = Schema.String.check(
  Schema.isPattern(idPattern, { message: "must be a Drive file or shared drive id (1 to 128 letters, digits, - or _)" })
)

/**
 * A permission id: 1 to 128 letters, digits, `-` or `_` (a grantee's numeric permission id,
 * `anyoneWithLink`, `anyone`, a domain permission id).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "@unishare/google-drive"
 * Schema.is(Client.PermissionId)("anyoneWithLink") // true
 * Schema.is(Client.PermissionId)("a b") // false
 * ```
 */
export const PermissionId = Schema.String.check(
  Schema.isPattern(idPattern, { message: "must be a Drive permission id (1 to 128 letters, digits, - or _)" })
)

const domainPattern =
  /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/**
 * A domain name (`example.com`): dot-separated labels of letters, digits and inner hyphens, at
 * least two labels, at most 253 characters.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "@unishare/google-drive"
 * Schema.is(Client.Domain)("example.com") // true
 * Schema.is(Client.Domain)("example") // false
 * ```
 */
export const Domain = Schema.String.check(
  Schema.isPattern(domainPattern, { message: "must be a domain name (example.com)" })
)

/**
 * Options of a list: `pageSize` (1–100, default 100), `includePermissionsForView` (only
 * `published`), `useDomainAdminAccess` (act as a Workspace admin on a shared drive of your domain).
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/google-drive"
 * const opts: Client.ListOptions = { pageSize: 50, useDomainAdminAccess: true }
 * ```
 */
export interface ListOptions {
  readonly pageSize?: number | undefined
  readonly includePermissionsForView?: "published" | undefined
  readonly useDomainAdminAccess?: boolean | undefined
}

/**
 * Options of one list page: `ListOptions` and the `pageToken` of the previous page.
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/google-drive"
 * const opts: Client.PageOptions = { pageToken: "token-from-the-previous-page" }
 * ```
 */
export interface PageOptions extends ListOptions {
  readonly pageToken?: string | undefined
}

const ListOptionsSchema = Schema.Struct({
  pageSize: Schema.optionalKey(Schema.UndefinedOr(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 })))),
  pageToken: Schema.optionalKey(Schema.UndefinedOr(Ids.WellFormedString.check(Schema.isMinLength(1)))),
  includePermissionsForView: Schema.optionalKey(Schema.UndefinedOr(Schema.Literal("published"))),
  useDomainAdminAccess: Schema.optionalKey(Schema.UndefinedOr(Schema.Boolean))
})

/**
 * Options of a get: `useDomainAdminAccess`.
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/google-drive"
 * const opts: Client.GetOptions = { useDomainAdminAccess: true }
 * ```
 */
export interface GetOptions {
  readonly useDomainAdminAccess?: boolean | undefined
}

const GetOptionsSchema = Schema.Struct({
  useDomainAdminAccess: Schema.optionalKey(Schema.UndefinedOr(Schema.Boolean))
})

/**
 * The permission to create, as the wire body (`Wire.CreatePermissionBody`):
 * - `user` / `group`: `emailAddress`; may carry `expirationTime` (RFC 3339, in the future, at
 *   most one year ahead);
 * - `domain`: `domain`; `anyone`: nothing; both may carry `allowFileDiscovery` (false = link only);
 * - `owner` only for a `user` (with `transferOwnership: true`); `pendingOwner: true` only for a
 *   `user` at `writer` (a consumer ownership offer).
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/google-drive"
 * const p: Client.CreatePermission = { type: "domain", role: "reader", domain: "example.com", allowFileDiscovery: true }
 * ```
 */
export type CreatePermission = Wire.CreatePermissionBody

/**
 * Options of a create:
 * - `sendNotificationEmail` (Drive's default: on for user and group; not allowed for domain and
 *   anyone; cannot be `false` for an ownership transfer) and `emailMessage` (plain text put in it);
 * - `transferOwnership` (required acknowledgement of `role: "owner"`: the old owner becomes a
 *   writer) and `moveToNewOwnersRoot` (only with a transfer: move the item to the new owner's My
 *   Drive root);
 * - `useDomainAdminAccess`, `enforceExpansiveAccess` (passed through as given).
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/google-drive"
 * const opts: Client.CreateOptions = { sendNotificationEmail: true, emailMessage: "Budget for Q3" }
 * ```
 */
export interface CreateOptions {
  readonly sendNotificationEmail?: boolean | undefined
  readonly emailMessage?: string | undefined
  readonly transferOwnership?: boolean | undefined
  readonly moveToNewOwnersRoot?: boolean | undefined
  readonly useDomainAdminAccess?: boolean | undefined
  readonly enforceExpansiveAccess?: boolean | undefined
}

const CreateOptionsSchema = Schema.Struct({
  sendNotificationEmail: Schema.optionalKey(Schema.UndefinedOr(Schema.Boolean)),
  emailMessage: Schema.optionalKey(Schema.UndefinedOr(Ids.WellFormedString)),
  transferOwnership: Schema.optionalKey(Schema.UndefinedOr(Schema.Boolean)),
  moveToNewOwnersRoot: Schema.optionalKey(Schema.UndefinedOr(Schema.Boolean)),
  useDomainAdminAccess: Schema.optionalKey(Schema.UndefinedOr(Schema.Boolean)),
  enforceExpansiveAccess: Schema.optionalKey(Schema.UndefinedOr(Schema.Boolean))
})

/**
 * The change of an update (PATCH): `role`, `expirationTime`, `pendingOwner` — only what is given
 * changes. Clearing an expiration is the `removeExpiration` option, not a field.
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/google-drive"
 * const change: Client.UpdatePermission = { role: "commenter" }
 * ```
 */
export type UpdatePermission = Wire.UpdatePermissionBody

/**
 * Options of an update: `transferOwnership` (required with `role: "owner"`), `removeExpiration`
 * (clear `expirationTime`; not together with a new one), `useDomainAdminAccess`,
 * `enforceExpansiveAccess`.
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/google-drive"
 * const opts: Client.UpdateOptions = { removeExpiration: true }
 * ```
 */
export interface UpdateOptions {
  readonly transferOwnership?: boolean | undefined
  readonly removeExpiration?: boolean | undefined
  readonly useDomainAdminAccess?: boolean | undefined
  readonly enforceExpansiveAccess?: boolean | undefined
}

const UpdateOptionsSchema = Schema.Struct({
  transferOwnership: Schema.optionalKey(Schema.UndefinedOr(Schema.Boolean)),
  removeExpiration: Schema.optionalKey(Schema.UndefinedOr(Schema.Boolean)),
  useDomainAdminAccess: Schema.optionalKey(Schema.UndefinedOr(Schema.Boolean)),
  enforceExpansiveAccess: Schema.optionalKey(Schema.UndefinedOr(Schema.Boolean))
})

/**
 * Options of a delete: `useDomainAdminAccess`, `enforceExpansiveAccess`.
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/google-drive"
 * const opts: Client.DeleteOptions = { useDomainAdminAccess: true }
 * ```
 */
export interface DeleteOptions {
  readonly useDomainAdminAccess?: boolean | undefined
  readonly enforceExpansiveAccess?: boolean | undefined
}

const DeleteOptionsSchema = Schema.Struct({
  useDomainAdminAccess: Schema.optionalKey(Schema.UndefinedOr(Schema.Boolean)),
  enforceExpansiveAccess: Schema.optionalKey(Schema.UndefinedOr(Schema.Boolean))
})

const issue = (path: string, message: string): CoreErrors.Issue => ({ path, message })

const unknownKeys = (input: object, allowed: ReadonlyArray<string>, path: string, what: string) =>
  Object.keys(input)
    .filter((k) => !allowed.includes(k))
    .map((k) => issue(`${path}.${k}`, `is not a field ${what}`))

const expirationIssues = (expirationTime: string, now: number, path: string): ReadonlyArray<CoreErrors.Issue> => {
  const at = Wire.parseDateTime(expirationTime)
  if (at === undefined) return [] // the schema reports the format
  if (at <= now) return [issue(path, "must be in the future")]
  if (at > Wire.maxExpiration(now)) return [issue(path, "must be at most one year in the future")]
  return []
}

/**
 * The combinations a create may not have, checked before sending (`now` for the expiration
 * rules): each documented rule of the Permission fields and the create parameters.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/google-drive"
 * Client.createRules({ type: "anyone", role: "reader", expirationTime: "2099-01-01T00:00:00Z" }, {}, Date.now())
 * // [{ path: "permission.expirationTime", message: "only user and group permissions can expire" }, …]
 * ```
 */
export const createRules = (p: CreatePermission, o: CreateOptions, now: number): ReadonlyArray<CoreErrors.Issue> => {
  const found: Array<CoreErrors.Issue> = []
  const person = p.type === "user" || p.type === "group"
  if (person) {
    if (p.emailAddress === undefined) found.push(issue("permission.emailAddress", `a ${p.type} permission needs one`))
    else found.push(...Input.issues(Ids.Email, p.emailAddress, "permission.emailAddress"))
    if (p.domain !== undefined) found.push(issue("permission.domain", `only for type domain, not ${p.type}`))
    if (p.allowFileDiscovery !== undefined) {
      found.push(issue("permission.allowFileDiscovery", "only for domain and anyone permissions"))
    }
  } else {
    if (p.emailAddress !== undefined)
      found.push(issue("permission.emailAddress", `only for user and group, not ${p.type}`))
    if (p.type === "domain") {
      if (p.domain === undefined) found.push(issue("permission.domain", "a domain permission needs one"))
      else found.push(...Input.issues(Domain, p.domain, "permission.domain"))
    } else if (p.domain !== undefined) found.push(issue("permission.domain", "only for type domain, not anyone"))
    if (p.expirationTime !== undefined) {
      found.push(issue("permission.expirationTime", "only user and group permissions can expire"))
    }
    if (o.sendNotificationEmail === true) {
      found.push(issue("options.sendNotificationEmail", `no notification can be sent for a ${p.type} permission`))
    }
    if (o.emailMessage !== undefined) {
      found.push(issue("options.emailMessage", `no notification is sent for a ${p.type} permission`))
    }
  }
  if (p.expirationTime !== undefined && person) {
    found.push(...expirationIssues(p.expirationTime, now, "permission.expirationTime"))
  }
  if (o.emailMessage !== undefined && o.sendNotificationEmail === false) {
    found.push(
      issue("options.emailMessage", "is put in the notification email, which sendNotificationEmail: false turns off")
    )
  }
  if (p.role === "owner") {
    if (p.type !== "user") found.push(issue("permission.role", "only a user can be the owner"))
    if (o.transferOwnership !== true) {
      found.push(
        issue("options.transferOwnership", "must be true to make someone the owner (the old owner becomes a writer)")
      )
    }
    if (o.sendNotificationEmail === false) {
      found.push(issue("options.sendNotificationEmail", "cannot be false for an ownership transfer"))
    }
  } else {
    if (o.transferOwnership === true) found.push(issue("options.transferOwnership", "only with role owner"))
    if (o.moveToNewOwnersRoot === true) {
      found.push(issue("options.moveToNewOwnersRoot", "only with an ownership transfer (role owner)"))
    }
  }
  if (p.pendingOwner === true) {
    if (p.type !== "user") found.push(issue("permission.pendingOwner", "only for a user permission"))
    if (p.role !== "writer") found.push(issue("permission.pendingOwner", "needs role writer"))
  }
  return found
}

/**
 * The combinations an update may not have, checked before sending.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/google-drive"
 * Client.updateRules({ role: "owner" }, {}, Date.now()) // [{ path: "options.transferOwnership", … }]
 * ```
 */
export const updateRules = (
  change: UpdatePermission,
  o: UpdateOptions,
  now: number
): ReadonlyArray<CoreErrors.Issue> => {
  const found: Array<CoreErrors.Issue> = []
  if (
    change.role === undefined &&
    change.expirationTime === undefined &&
    change.pendingOwner === undefined &&
    o.removeExpiration !== true
  ) {
    found.push(issue("change", "names nothing to change (role, expirationTime, pendingOwner or removeExpiration)"))
  }
  if (change.expirationTime !== undefined) {
    found.push(...expirationIssues(change.expirationTime, now, "change.expirationTime"))
    if (o.removeExpiration === true) {
      found.push(issue("options.removeExpiration", "cannot be combined with a new expirationTime"))
    }
  }
  if (change.role === "owner") {
    if (o.transferOwnership !== true) {
      found.push(
        issue("options.transferOwnership", "must be true to make someone the owner (the old owner becomes a writer)")
      )
    }
  } else if (o.transferOwnership === true) found.push(issue("options.transferOwnership", "only with role owner"))
  if (change.pendingOwner === true && change.role !== undefined && change.role !== "writer") {
    found.push(issue("change.pendingOwner", "needs role writer"))
  }
  return found
}

/**
 * The fewest requests of each client operation (what the tests check against the simulator's
 * log). A listing sends `pageSize` (default 100) and follows `nextPageToken`: ⌈n / pageSize⌉ pages
 * (one for an empty list). Every other call is one request; an ownership transfer inside an
 * organization is one create or update, a consumer transfer two (the owner's `pendingOwner`
 * offer, then the new owner's own update). Retries (429, 5xx, 403 rate limits) and the reads that
 * settle an ambiguous write add requests only when those happen; a token provider sends nothing
 * to Drive.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/google-drive"
 * Client.requestBounds.listPermissions(250) // 3
 * Client.requestBounds.listPermissions(250, 50) // 5
 * ```
 */
export const requestBounds = {
  listPermissions: (permissions: number, pageSize: number = maxPageSize): number =>
    RequestBounds.pages(permissions, pageSize),
  listPermissionsPage: 1,
  getPermission: 1,
  createPermission: 1,
  updatePermission: 1,
  deletePermission: 1,
  ownershipTransfer: 1,
  consumerOwnershipTransfer: 2
} as const

/**
 * The native client.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import type { Client } from "@unishare/google-drive"
 * const all = (client: Client.Client) => Stream.runCollect(client.listPermissions("1AbCdEfGhIjKlMnOpQrStUvWxYz012345"))
 * ```
 */
export interface Client {
  readonly baseUrl: string
  /** One page of `GET /files/{fileId}/permissions`. */
  readonly listPermissionsPage: (
    fileId: string,
    options?: PageOptions
  ) => Effect.Effect<Wire.PermissionList, CoreErrors.SharingError>
  /** Every permission of the item, following `nextPageToken` page by page. */
  readonly listPermissions: (
    fileId: string,
    options?: ListOptions
  ) => Stream.Stream<Wire.Permission, CoreErrors.SharingError>
  /** `GET /files/{fileId}/permissions/{permissionId}`. */
  readonly getPermission: (
    fileId: string,
    permissionId: string,
    options?: GetOptions
  ) => Effect.Effect<Wire.Permission, CoreErrors.SharingError>
  /** `POST /files/{fileId}/permissions`. */
  readonly createPermission: (
    fileId: string,
    permission: CreatePermission,
    options?: CreateOptions
  ) => Effect.Effect<Wire.Permission, CoreErrors.SharingError>
  /** `PATCH /files/{fileId}/permissions/{permissionId}`. */
  readonly updatePermission: (
    fileId: string,
    permissionId: string,
    change: UpdatePermission,
    options?: UpdateOptions
  ) => Effect.Effect<Wire.Permission, CoreErrors.SharingError>
  /** `DELETE /files/{fileId}/permissions/{permissionId}`; a missing permission is `NotFound`. */
  readonly deletePermission: (
    fileId: string,
    permissionId: string,
    options?: DeleteOptions
  ) => Effect.Effect<void, CoreErrors.SharingError>
}

const validate = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  input: unknown,
  operation: string,
  path: string
) => Translation.validate(schema, input, { provider, operation, path })

const fail = (
  operation: string,
  issues: ReadonlyArray<CoreErrors.Issue>
): Effect.Effect<void, CoreErrors.InvalidInput> =>
  issues.length === 0 ? Effect.void : Effect.fail(new CoreErrors.InvalidInput({ provider, operation, issues }))

const objectOr = (input: unknown, operation: string, path: string): Effect.Effect<object, CoreErrors.InvalidInput> =>
  typeof input === "object" && input !== null && !Array.isArray(input)
    ? Effect.succeed(input)
    : Effect.fail(CoreErrors.invalid(provider, operation, path, "must be an object"))

const flag = (value: boolean | undefined) => (value === true ? true : undefined)

const sameTime = (a: string | undefined, b: string | undefined) =>
  a === undefined || b === undefined ? a === b : Wire.parseDateTime(a) === Wire.parseDateTime(b)

/** Does a listed permission show the grant a create asked for (for settling an ambiguous create)? */
const showsCreate = (p: Wire.Permission, body: CreatePermission): boolean => {
  if (p.type !== body.type) return false
  if (body.role === "owner" ? p.role !== "owner" : p.role !== body.role) return false
  if (body.pendingOwner !== undefined && (p.pendingOwner ?? false) !== body.pendingOwner) return false
  if (body.expirationTime !== undefined && !sameTime(p.expirationTime, body.expirationTime)) return false
  const direct = p.permissionDetails === undefined || p.permissionDetails.some((d) => !d.inherited)
  if (!direct) return false
  switch (body.type) {
    case "user":
    case "group":
      return p.emailAddress?.toLowerCase() === body.emailAddress?.toLowerCase()
    case "domain":
      return p.domain?.toLowerCase() === body.domain?.toLowerCase()
    case "anyone":
      return (p.allowFileDiscovery ?? false) === (body.allowFileDiscovery ?? false)
  }
}

/** Does a permission show the change an update asked for? */
const showsUpdate = (p: Wire.Permission, change: UpdatePermission, o: UpdateOptions): boolean =>
  (change.role === undefined || p.role === change.role) &&
  (change.pendingOwner === undefined || (p.pendingOwner ?? false) === change.pendingOwner) &&
  (change.expirationTime === undefined || sameTime(p.expirationTime, change.expirationTime)) &&
  (o.removeExpiration !== true || p.expirationTime === undefined)

interface Current {
  readonly value: string
  readonly expiresAt: number | undefined
  readonly api: HttpApi.HttpApi
}

/**
 * Builds the client on the `HttpClient` in context. Writes to one file are serialized with the
 * `KeyedLock` service in context when `make` runs (default: one lock table per process).
 *
 * @example
 * ```ts
 * import { Effect, Redacted, Stream } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Client } from "@unishare/google-drive"
 * const program = Effect.gen(function* () {
 *   const client = yield* Client.make({ credentials: Redacted.make(process.env.DRIVE_TOKEN ?? "") })
 *   return yield* Stream.runCollect(client.listPermissions("1AbCdEfGhIjKlMnOpQrStUvWxYz012345"))
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 */
export const make = (config: Config): Effect.Effect<Client, CoreErrors.InvalidInput, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    yield* decodeConfig(config)
    const httpClient = yield* HttpClient.HttpClient
    const lock = yield* KeyedLock.KeyedLock
    const baseUrl = yield* HttpApi.checkBaseUrl(config.baseUrl ?? defaultBaseUrl, provider)
    const retry: HttpApi.RetryPolicy = { ...HttpApi.defaultRetry, ...config.retry }
    const margin = config.refreshMarginMillis ?? 60_000

    const apiFor = (token: Redacted.Redacted<string>) =>
      HttpApi.make({
        provider,
        baseUrl,
        auth: HttpApi.bearer(token, "credentials"),
        timeoutMillis: config.timeoutMillis,
        retry: config.retry,
        rateLimit: config.rateLimit,
        classify: Errors.classify,
        isTransient: Errors.isTransient
      }).pipe(Effect.provideService(HttpClient.HttpClient, httpClient))

    const credentials = config.credentials
    const fixed = typeof credentials === "function" ? undefined : yield* apiFor(credentials)
    let current: Current | undefined
    const refresh = Semaphore.makeUnsafe(1)

    /** A token from the provider, checked before it is used: never a request with a bad header. */
    const fetchToken = (source: TokenProvider, operation: string) =>
      Effect.gen(function* () {
        const answer = yield* Effect.suspend(source).pipe(
          Effect.mapError(
            (e): CoreErrors.SharingError =>
              CoreErrors.isSharingError(e)
                ? e
                : new CoreErrors.AccessDenied({
                    provider,
                    operation,
                    message: `${provider} ${operation}: the token provider failed${e instanceof Error ? `: ${e.message}` : ""}`
                  })
          )
        )
        const token = Redacted.isRedacted(answer) ? answer : (answer as AccessToken | undefined)?.token
        const expiresAt = Redacted.isRedacted(answer) ? undefined : (answer as AccessToken | undefined)?.expiresAt
        const value = Redacted.isRedacted(token) ? Redacted.value(token) : undefined
        if (token === undefined || typeof value !== "string" || value === "") {
          return yield* CoreErrors.invalid(
            provider,
            operation,
            "credentials",
            "the token provider must yield a non-empty Redacted string or { token: Redacted, expiresAt? }; the value is not shown"
          )
        }
        const problem = HttpApi.credentialProblem(value)
        if (problem !== undefined) {
          return yield* CoreErrors.invalid(provider, operation, "credentials", `the provided token ${problem}`)
        }
        const reuse = current !== undefined && current.value === value
        const api = reuse && current !== undefined ? current.api : yield* apiFor(token as Redacted.Redacted<string>)
        const next: Current = { value, expiresAt: typeof expiresAt === "number" ? expiresAt : undefined, api }
        current = next
        return next
      })

    /** The API to send with: the fixed token's, a cached token's, or a fresh one's. */
    const apiNow = (source: TokenProvider, operation: string, renew: boolean) =>
      refresh.withPermits(1)(
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const cached = current
          if (!renew && cached?.expiresAt !== undefined && now < cached.expiresAt - margin) return cached
          return yield* fetchToken(source, operation)
        })
      )

    /** Runs `use` with an API; with a token provider, a 401 renews the token and runs it once more. */
    const withApi = <A>(
      operation: string,
      use: (api: HttpApi.HttpApi) => Effect.Effect<A, CoreErrors.SharingError>
    ): Effect.Effect<A, CoreErrors.SharingError> => {
      if (fixed !== undefined) return use(fixed)
      const source = credentials as TokenProvider
      return Effect.flatMap(apiNow(source, operation, false), (first) =>
        use(first.api).pipe(
          Effect.catchIf(
            (e): e is CoreErrors.AccessDenied => e._tag === "AccessDenied" && Errors.statusOf(e) === 401,
            () => Effect.flatMap(apiNow(source, operation, true), (again) => use(again.api))
          )
        )
      )
    }

    const send = <S extends Schema.Top & { readonly DecodingServices: never }>(spec: HttpApi.RequestSpec<S>) =>
      withApi(spec.operation, (api) => api.json(spec))

    /**
     * A write refused with a 403 rate-limit reason was not processed: sent again with the same
     * backoff as every other retry. Only for requests `HttpApi` does not retry blindly (POST,
     * DELETE, a transfer PATCH): it retries those only on 429.
     */
    const retryRefused = <A>(effect: Effect.Effect<A, CoreErrors.SharingError>) => {
      const loop = (n: number): Effect.Effect<A, CoreErrors.SharingError> =>
        effect.pipe(
          Effect.catchIf(
            (e): e is CoreErrors.RateLimited =>
              e._tag === "RateLimited" && Errors.statusOf(e) === 403 && n < retry.times,
            () =>
              Effect.gen(function* () {
                const backoff = Math.min(retry.maxMillis, retry.baseMillis * 2 ** n)
                const jitter = yield* Random.nextBetween(0.5, 1)
                yield* Effect.sleep(Duration.millis(Math.round(backoff * jitter)))
                return yield* loop(n + 1)
              })
          )
        )
      return loop(0)
    }

    const withFileLock = <A>(fileId: string, operation: string, effect: Effect.Effect<A, CoreErrors.SharingError>) =>
      lock.withLock(`${provider}|${baseUrl}|file:${fileId}`, effect).pipe(
        Effect.mapError((e) =>
          e instanceof KeyedLock.LockUnavailable
            ? new CoreErrors.Unavailable({
                provider,
                operation,
                message:
                  e.maybeApplied === true
                    ? `${provider} ${operation}: lost the lock for file ${fileId} during the write: ${e.message}`
                    : `${provider} ${operation}: could not take the lock for file ${fileId}: ${e.message}`,
                maybeApplied: e.maybeApplied === true
              })
            : e
        )
      )

    const fetchPage = (fileId: string, o: PageOptions) =>
      send({
        operation: "listPermissions",
        method: "GET",
        path: HttpApi.path`/files/${fileId}/permissions`,
        query: {
          supportsAllDrives: true,
          pageSize: o.pageSize ?? maxPageSize,
          pageToken: o.pageToken,
          includePermissionsForView: o.includePermissionsForView,
          useDomainAdminAccess: flag(o.useDomainAdminAccess),
          fields: Wire.listSelector
        },
        response: Wire.PermissionList
      })

    const listPermissionsPage = (fileId: string, options: PageOptions = {}) =>
      Effect.gen(function* () {
        const id = yield* validate(FileId, fileId, "listPermissions", "fileId")
        const o = yield* validate(ListOptionsSchema, options, "listPermissions", "options")
        return yield* fetchPage(id, o)
      })

    // validated once for the walk; a token seen before in the same walk would loop forever: that
    // answer is a ProtocolError
    const walk = (fileId: string, o: ListOptions) => {
      const seen = new Set<string>()
      return Stream.paginate(Option.none<string>(), (token) =>
        fetchPage(fileId, Option.isSome(token) ? { ...o, pageToken: token.value } : o).pipe(
          Effect.flatMap((page) => {
            const next = page.nextPageToken !== undefined && page.nextPageToken !== "" ? page.nextPageToken : undefined
            if (next !== undefined && seen.has(next)) {
              return Effect.fail(
                new CoreErrors.ProtocolError({
                  provider,
                  operation: "listPermissions",
                  message: `${provider} listPermissions: the server repeated the page token ${JSON.stringify(next)}; stopping instead of reading the same pages forever`
                })
              )
            }
            if (next !== undefined) seen.add(next)
            return Effect.succeed([
              page.permissions,
              next !== undefined ? Option.some(Option.some(next)) : Option.none<Option.Option<string>>()
            ] as const)
          })
        )
      )
    }

    const listPermissions = (fileId: string, options: ListOptions = {}) =>
      Stream.unwrap(
        Effect.gen(function* () {
          const id = yield* validate(FileId, fileId, "listPermissions", "fileId")
          const o: ListOptions = yield* validate(ListOptionsSchema, options, "listPermissions", "options")
          return walk(id, { ...o, pageToken: undefined } as ListOptions)
        })
      )

    const fetchPermission = (fileId: string, permissionId: string, o: GetOptions, operation = "getPermission") =>
      send({
        operation,
        method: "GET",
        path: HttpApi.path`/files/${fileId}/permissions/${permissionId}`,
        query: {
          supportsAllDrives: true,
          useDomainAdminAccess: flag(o.useDomainAdminAccess),
          fields: Wire.permissionSelector
        },
        response: Wire.Permission
      })

    const getPermission = (fileId: string, permissionId: string, options: GetOptions = {}) =>
      Effect.gen(function* () {
        const id = yield* validate(FileId, fileId, "getPermission", "fileId")
        const pid = yield* validate(PermissionId, permissionId, "getPermission", "permissionId")
        const o = yield* validate(GetOptionsSchema, options, "getPermission", "options")
        return yield* fetchPermission(id, pid, o)
      })

    const createFields = Object.keys(Wire.CreatePermissionBody.fields)
    const updateFields = Object.keys(Wire.UpdatePermissionBody.fields)

    const createPermission = (fileId: string, permission: CreatePermission, options: CreateOptions = {}) =>
      Effect.gen(function* () {
        const operation = "createPermission"
        const id = yield* validate(FileId, fileId, operation, "fileId")
        yield* fail(
          operation,
          unknownKeys(
            yield* objectOr(permission, operation, "permission"),
            createFields,
            "permission",
            "a create sends"
          )
        )
        const body = yield* validate(Wire.CreatePermissionBody, permission, operation, "permission")
        const o = yield* validate(CreateOptionsSchema, options, operation, "options")
        yield* fail(operation, createRules(body, o, yield* Clock.currentTimeMillis))
        const wire: Record<string, unknown> = { type: body.type, role: body.role }
        for (const key of ["emailAddress", "domain", "allowFileDiscovery", "expirationTime", "pendingOwner"] as const) {
          if (body[key] !== undefined) wire[key] = body[key]
        }
        const write = retryRefused(
          send({
            operation,
            method: "POST",
            path: HttpApi.path`/files/${id}/permissions`,
            query: {
              supportsAllDrives: true,
              sendNotificationEmail: o.sendNotificationEmail,
              emailMessage: o.emailMessage,
              transferOwnership: flag(o.transferOwnership),
              moveToNewOwnersRoot: flag(o.moveToNewOwnersRoot),
              useDomainAdminAccess: flag(o.useDomainAdminAccess),
              enforceExpansiveAccess: o.enforceExpansiveAccess,
              fields: Wire.permissionSelector
            },
            body: wire,
            response: Wire.Permission
          })
        )
        // an ambiguous answer is settled by listing the item: the grant is there, or it is sent once more
        const check = Stream.runCollect(walk(id, { useDomainAdminAccess: o.useDomainAdminAccess })).pipe(
          Effect.map((all) => Option.fromUndefinedOr(Array.from(all).find((p) => showsCreate(p, body))))
        )
        return yield* withFileLock(id, operation, HttpApi.confirmWrite({ write, check }))
      })

    const updatePermission = (
      fileId: string,
      permissionId: string,
      change: UpdatePermission,
      options: UpdateOptions = {}
    ) =>
      Effect.gen(function* () {
        const operation = "updatePermission"
        const id = yield* validate(FileId, fileId, operation, "fileId")
        const pid = yield* validate(PermissionId, permissionId, operation, "permissionId")
        yield* fail(
          operation,
          unknownKeys(yield* objectOr(change, operation, "change"), updateFields, "change", "an update sends")
        )
        const body = yield* validate(Wire.UpdatePermissionBody, change, operation, "change")
        const o = yield* validate(UpdateOptionsSchema, options, operation, "options")
        yield* fail(operation, updateRules(body, o, yield* Clock.currentTimeMillis))
        const wire: Record<string, unknown> = {}
        for (const key of ["role", "expirationTime", "pendingOwner"] as const) {
          if (body[key] !== undefined) wire[key] = body[key]
        }
        const transfer = o.transferOwnership === true
        const patch = send({
          operation,
          method: "PATCH",
          path: HttpApi.path`/files/${id}/permissions/${pid}`,
          query: {
            supportsAllDrives: true,
            transferOwnership: flag(o.transferOwnership),
            removeExpiration: flag(o.removeExpiration),
            useDomainAdminAccess: flag(o.useDomainAdminAccess),
            enforceExpansiveAccess: o.enforceExpansiveAccess,
            fields: Wire.permissionSelector
          },
          body: wire,
          response: Wire.Permission,
          // a transfer sent twice fails the second time (the caller is no longer the owner): never
          // blindly resent, settled by reading the permission instead
          idempotent: !transfer
        })
        const write = transfer ? retryRefused(patch) : patch
        const check = fetchPermission(id, pid, { useDomainAdminAccess: o.useDomainAdminAccess }, operation).pipe(
          Effect.map((p) => (showsUpdate(p, body, o) ? Option.some(p) : Option.none()))
        )
        return yield* withFileLock(id, operation, HttpApi.confirmWrite({ write, check }))
      })

    const deletePermission = (fileId: string, permissionId: string, options: DeleteOptions = {}) =>
      Effect.gen(function* () {
        const operation = "deletePermission"
        const id = yield* validate(FileId, fileId, operation, "fileId")
        const pid = yield* validate(PermissionId, permissionId, operation, "permissionId")
        const o = yield* validate(DeleteOptionsSchema, options, operation, "options")
        // a DELETE resent after it landed answers 404: never blindly resent, settled by reading
        const write = retryRefused(
          send({
            operation,
            method: "DELETE",
            path: HttpApi.path`/files/${id}/permissions/${pid}`,
            query: {
              supportsAllDrives: true,
              useDomainAdminAccess: flag(o.useDomainAdminAccess),
              enforceExpansiveAccess: o.enforceExpansiveAccess
            },
            response: "empty",
            idempotent: false
          })
        )
        // gone (or left only as inherited access) means deleted
        const check = fetchPermission(id, pid, { useDomainAdminAccess: o.useDomainAdminAccess }, operation).pipe(
          Effect.map((p) =>
            p.permissionDetails?.every((d) => d.inherited) === true ? Option.some(undefined) : Option.none()
          ),
          Effect.catchTag("NotFound", () => Effect.succeed(Option.some(undefined)))
        )
        return yield* withFileLock(id, operation, HttpApi.confirmWrite<void, never, never>({ write, check }))
      })

    return {
      baseUrl,
      listPermissionsPage,
      listPermissions,
      getPermission,
      createPermission,
      updatePermission,
      deletePermission
    } satisfies Client
  })
