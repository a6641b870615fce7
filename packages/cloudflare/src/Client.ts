/**
 * The native typed client of Cloudflare Resource Sharing: one function per endpoint (all 21
 * operations on 9 paths), lists as `Stream`s, every input validated before any request.
 *
 * - Lists always send explicit `page` and `per_page` (≤ 100, default 100): Cloudflare answers an
 *   unpaginated list when both are absent, so a paginator that omitted them would repeat items.
 *   Paging stops at `result_info.total_pages` or at the first empty page.
 * - Recipients are sent as `recipient_account_id` / `organization_id`. The deprecated alias
 *   `account_id` (accepted by Cloudflare until 2027-05-26) is accepted on input, sent as
 *   `recipient_account_id`, and reported as a `Warning.Deprecated`: logged with
 *   `Effect.logWarning` (annotation `unishare.warning=Deprecated`) by the client, and returned as a
 *   value by `normalizeRecipient` for callers who want to handle it themselves.
 * - Identifiers are validated first (32 lowercase hex characters, `Wire.RequestId`: whitespace, dot
 *   segments and lone surrogates never reach a path) and percent-encoded in paths; the configuration
 *   is decoded before anything is built.
 *
 * @since 0.1.0
 */
import { type Capabilities, Errors as CoreErrors, HttpApi, Ids, Input, Translation, Warning } from "@unishare/core"
import { Effect, Option, type Redacted, Schema, Stream } from "effect"
import type { HttpClient } from "effect/http"
import * as Errors from "./Errors.ts"
import * as Wire from "./Wire.ts"

const provider = Errors.provider

/**
 * The default API base URL.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/cloudflare"
 * Client.defaultBaseUrl // "https://api.cloudflare.com/client/v4"
 * ```
 */
export const defaultBaseUrl = "https://api.cloudflare.com/client/v4"

/**
 * Cloudflare's documented budget: 1,200 requests per 5 minutes per user; past it every call is
 * refused (429) for five minutes.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/cloudflare"
 * Client.documentedRateLimit.requests // 1200
 * ```
 */
export const documentedRateLimit: Capabilities.RateLimit = { requests: 1200, windowMillis: 300_000 }

/**
 * The largest page Cloudflare serves.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/cloudflare"
 * Client.maxPerPage // 100
 * ```
 */
export const maxPerPage = 100

/**
 * How to authenticate: an API token (`Authorization: Bearer`, preferred) or an email + Global API
 * key (`X-Auth-Email` + `X-Auth-Key`). Both are `Redacted`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Client } from "@unishare/cloudflare"
 * const c: Client.Credentials = { _tag: "ApiToken", token: Redacted.make("cf-token") }
 * ```
 */
export type Credentials =
  | { readonly _tag: "ApiToken"; readonly token: Redacted.Redacted<string> }
  | {
      readonly _tag: "GlobalKey"
      readonly email: Redacted.Redacted<string>
      readonly key: Redacted.Redacted<string>
    }

/**
 * API-token credentials.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Client } from "@unishare/cloudflare"
 * Client.apiToken(Redacted.make("cf-token"))
 * ```
 */
export const apiToken = (token: Redacted.Redacted<string>): Credentials => ({ _tag: "ApiToken", token })

/**
 * Email + Global API key credentials (legacy scheme).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Client } from "@unishare/cloudflare"
 * Client.globalKey(Redacted.make("ops@example.com"), Redacted.make("cfk_123"))
 * ```
 */
export const globalKey = (email: Redacted.Redacted<string>, key: Redacted.Redacted<string>): Credentials => ({
  _tag: "GlobalKey",
  email,
  key
})

/**
 * Client configuration. `rateLimit` defaults to the documented budget (`false` turns the
 * client-side limiter off).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Client } from "@unishare/cloudflare"
 * const config: Client.Config = { credentials: { _tag: "ApiToken", token: Redacted.make("t") } }
 * ```
 */
export interface Config {
  readonly credentials: Credentials
  readonly baseUrl?: string | undefined
  readonly timeoutMillis?: number | undefined
  readonly retry?: Partial<HttpApi.RetryPolicy> | undefined
  readonly rateLimit?: Capabilities.RateLimit | false | undefined
}

/**
 * The `HttpApi.Auth` for some credentials.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Client } from "@unishare/cloudflare"
 * Client.authOf(Client.apiToken(Redacted.make("t")))
 * ```
 */
export const authOf = (credentials: Credentials): HttpApi.Auth =>
  credentials._tag === "ApiToken"
    ? HttpApi.bearer(credentials.token, "credentials.token")
    : HttpApi.headers(
        { "X-Auth-Email": credentials.email, "X-Auth-Key": credentials.key },
        { "X-Auth-Email": "credentials.email", "X-Auth-Key": "credentials.key" }
      )

const isLiveRecipient = (r: Wire.Recipient) =>
  r.association_status === "associating" || r.association_status === "associated"

/**
 * A recipient as callers may give it: the wire request, where the deprecated `account_id` alias is
 * still accepted.
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/cloudflare"
 * const legacy: Client.RecipientInput = { account_id: "023e105f4ecef8ad9ca31a8372d0c353" }
 * ```
 */
export type RecipientInput = Wire.RecipientRequest

/**
 * The sunset date of the deprecated `account_id` recipient alias.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/cloudflare"
 * Client.accountIdAliasSunset // "2027-05-26"
 * ```
 */
export const accountIdAliasSunset = "2027-05-26"

/**
 * Validates a recipient and rewrites the deprecated `account_id` alias to `recipient_account_id`,
 * returning the wire value (never containing `account_id`) and the warnings. `recipient_account_id`
 * and `organization_id` are mutually exclusive.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Client } from "@unishare/cloudflare"
 * const r = Effect.runSync(Client.normalizeRecipient({ account_id: "a2" }, "createRecipient", "body"))
 * // r.value = { recipient_account_id: "a2" }, r.warnings[0]._tag = "Deprecated"
 * ```
 */
export const normalizeRecipient = (
  input: unknown,
  operation: string,
  path: string
): Effect.Effect<
  { readonly value: Wire.RecipientRequest; readonly warnings: ReadonlyArray<Warning.Warning> },
  CoreErrors.InvalidInput
> =>
  Effect.gen(function* () {
    const r = yield* Translation.validate(Wire.RecipientRequest, input, { provider, operation, path })
    const warnings: Array<Warning.Warning> = []
    let account = r.recipient_account_id
    if (r.account_id !== undefined) {
      if (account !== undefined && account !== r.account_id) {
        return yield* CoreErrors.invalid(
          provider,
          operation,
          `${path}.account_id`,
          "the deprecated alias account_id disagrees with recipient_account_id; give recipient_account_id only"
        )
      }
      account = r.account_id
      warnings.push(
        Warning.Deprecated.make({
          message: `recipient field account_id is a deprecated alias of recipient_account_id (accepted by Cloudflare until ${accountIdAliasSunset}); sent as recipient_account_id`
        })
      )
    }
    if (account !== undefined && r.organization_id !== undefined) {
      return yield* CoreErrors.invalid(
        provider,
        operation,
        path,
        "recipient_account_id and organization_id are mutually exclusive"
      )
    }
    const value: Wire.RecipientRequest = {
      ...(account !== undefined ? { recipient_account_id: account } : {}),
      ...(r.organization_id !== undefined ? { organization_id: r.organization_id } : {})
    }
    return { value, warnings }
  })

const logWarnings = (warnings: ReadonlyArray<Warning.Warning>, operation: string) =>
  Warning.log(warnings, { provider, operation })

/**
 * Options of every list: `perPage` (1..100, default 100).
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/cloudflare"
 * const o: Client.PageOptions = { perPage: 50 }
 * ```
 */
export interface PageOptions {
  readonly perPage?: number | undefined
}

/**
 * The native client. Every method validates its input first (zero requests on bad input) and fails
 * with a neutral `SharingError`.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import type { Client } from "@unishare/cloudflare"
 * const names = (c: Client.Client) => Stream.runCollect(c.listShares("023e105f4ecef8ad9ca31a8372d0c353"))
 * ```
 */
export interface Client {
  readonly baseUrl: string
  /** 1. `GET /accounts/{A}/shares` */
  readonly listShares: (
    accountId: string,
    query?: Wire.ListSharesQuery & PageOptions
  ) => Stream.Stream<Wire.Share, CoreErrors.SharingError>
  /** 2. `POST /accounts/{A}/shares` (201) */
  readonly createShare: (
    accountId: string,
    body: {
      readonly name: string
      readonly recipients: ReadonlyArray<RecipientInput>
      readonly resources: ReadonlyArray<Wire.CreateResourceRequest>
    }
  ) => Effect.Effect<Wire.Share, CoreErrors.SharingError>
  /** 3. `GET /accounts/{A}/shares/{S}` */
  readonly getShare: (
    accountId: string,
    shareId: string,
    query?: { readonly include_resources?: boolean; readonly include_recipient_counts?: boolean }
  ) => Effect.Effect<Wire.Share, CoreErrors.SharingError>
  /** 4. `PUT /accounts/{A}/shares/{S}` */
  readonly updateShare: (
    accountId: string,
    shareId: string,
    body: Wire.UpdateShareRequest
  ) => Effect.Effect<Wire.Share, CoreErrors.SharingError>
  /** 5. `DELETE /accounts/{A}/shares/{S}` (status becomes `deleting`) */
  readonly deleteShare: (accountId: string, shareId: string) => Effect.Effect<Wire.Share, CoreErrors.SharingError>
  /** 6. `GET /accounts/{A}/shares/{S}/recipients` (all statuses) */
  readonly listRecipients: (
    accountId: string,
    shareId: string,
    query?: { readonly include_resources?: boolean } & PageOptions
  ) => Stream.Stream<Wire.Recipient, CoreErrors.SharingError>
  /** 7. `POST /accounts/{A}/shares/{S}/recipients` (201) */
  readonly createRecipient: (
    accountId: string,
    shareId: string,
    body: RecipientInput
  ) => Effect.Effect<Wire.Recipient, CoreErrors.SharingError>
  /** 8. `PUT /accounts/{A}/shares/{S}/recipients` (204; account-targeted shares only) */
  readonly replaceRecipients: (
    accountId: string,
    shareId: string,
    body: ReadonlyArray<RecipientInput>
  ) => Effect.Effect<void, CoreErrors.SharingError>
  /** 9. `GET /accounts/{A}/shares/{S}/recipients/{R}` */
  readonly getRecipient: (
    accountId: string,
    shareId: string,
    recipientId: string,
    query?: { readonly include_resources?: boolean }
  ) => Effect.Effect<Wire.Recipient, CoreErrors.SharingError>
  /** 10. `DELETE /accounts/{A}/shares/{S}/recipients/{R}` (soft delete) */
  readonly deleteRecipient: (
    accountId: string,
    shareId: string,
    recipientId: string
  ) => Effect.Effect<Wire.Recipient, CoreErrors.SharingError>
  /** 11. `GET /accounts/{A}/shares/{S}/resources` */
  readonly listResources: (
    accountId: string,
    shareId: string,
    query?: Wire.ListResourcesQuery & PageOptions
  ) => Stream.Stream<Wire.Resource, CoreErrors.SharingError>
  /** 12. `POST /accounts/{A}/shares/{S}/resources` (201) */
  readonly createResource: (
    accountId: string,
    shareId: string,
    body: Wire.CreateResourceRequest
  ) => Effect.Effect<Wire.Resource, CoreErrors.SharingError>
  /** 13. `GET /accounts/{A}/shares/{S}/resources/{SR}` */
  readonly getResource: (
    accountId: string,
    shareId: string,
    shareResourceId: string
  ) => Effect.Effect<Wire.Resource, CoreErrors.SharingError>
  /** 14. `PUT /accounts/{A}/shares/{S}/resources/{SR}` */
  readonly updateResource: (
    accountId: string,
    shareId: string,
    shareResourceId: string,
    body: Wire.UpdateResourceRequest
  ) => Effect.Effect<Wire.Resource, CoreErrors.SharingError>
  /** 15. `DELETE /accounts/{A}/shares/{S}/resources/{SR}` */
  readonly deleteResource: (
    accountId: string,
    shareId: string,
    shareResourceId: string
  ) => Effect.Effect<Wire.Resource, CoreErrors.SharingError>
  /** 16. `GET /accounts/{A}/shares/{S}/excluded-recipients` (organization-targeted shares) */
  readonly listExcludedRecipients: (
    accountId: string,
    shareId: string,
    query?: PageOptions
  ) => Stream.Stream<Wire.ExcludedRecipient, CoreErrors.SharingError>
  /** 17. `POST /accounts/{A}/shares/{S}/excluded-recipients` (201) */
  readonly createExcludedRecipient: (
    accountId: string,
    shareId: string,
    body: Wire.ExcludedRecipientRequest
  ) => Effect.Effect<Wire.ExcludedRecipient, CoreErrors.SharingError>
  /** 18. `PUT /accounts/{A}/shares/{S}/excluded-recipients` (204) */
  readonly replaceExcludedRecipients: (
    accountId: string,
    shareId: string,
    body: ReadonlyArray<Wire.ExcludedRecipientRequest>
  ) => Effect.Effect<void, CoreErrors.SharingError>
  /** 19. `GET /accounts/{A}/shares/{S}/excluded-recipients/{X}` */
  readonly getExcludedRecipient: (
    accountId: string,
    shareId: string,
    excludedRecipientId: string
  ) => Effect.Effect<Wire.ExcludedRecipient, CoreErrors.SharingError>
  /** 20. `DELETE /accounts/{A}/shares/{S}/excluded-recipients/{X}` */
  readonly deleteExcludedRecipient: (
    accountId: string,
    shareId: string,
    excludedRecipientId: string
  ) => Effect.Effect<Wire.ExcludedRecipient, CoreErrors.SharingError>
  /** 21. `GET /organizations/{O}/shares` */
  readonly listOrganizationShares: (
    organizationId: string,
    query?: Wire.ListOrganizationSharesQuery & PageOptions
  ) => Stream.Stream<Wire.Share, CoreErrors.SharingError>
}

type Decodable = Schema.Top & { readonly DecodingServices: never }

const PerPage = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1), Schema.isLessThanOrEqualTo(maxPerPage))

/**
 * Validates path identifiers (each a 32-character lowercase hex id, `Wire.RequestId`); the issue
 * path names the parameter.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/cloudflare"
 * Client.validateIds("deleteRecipient", { account_id: "023e105f4ecef8ad9ca31a8372d0c353", recipient_id: ".." }) // fails: recipient_id
 * ```
 */
export const validateIds = (
  operation: string,
  ids: Readonly<Record<string, string>>
): Effect.Effect<void, CoreErrors.InvalidInput> =>
  Effect.suspend(() => {
    const issues = Object.entries(ids).flatMap(([name, value]) => Input.issues(Wire.RequestId, value, name))
    return issues.length === 0 ? Effect.void : Effect.fail(new CoreErrors.InvalidInput({ provider, operation, issues }))
  })

const CredentialsShape = Schema.Union([
  Schema.Struct({ _tag: Schema.Literal("ApiToken") }),
  Schema.Struct({ _tag: Schema.Literal("GlobalKey") })
])

const ConfigShape = Schema.Struct({
  credentials: CredentialsShape,
  ...Input.httpSettings,
  rateLimit: Schema.optional(Schema.Union([Schema.Literal(false), Input.httpSettings.rateLimit.schema])),
  /** `Provider.Config.accounts`, checked here with the rest. */
  accounts: Schema.optional(Schema.Array(Ids.Hex32))
})

/**
 * Decodes a client configuration before anything is built: credentials (`ApiToken` with a
 * `Redacted` token, or `GlobalKey` with a `Redacted` email and key; values never shown), base URL,
 * timeout, retry and rate limit. `InvalidInput` names the field.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/cloudflare"
 * Client.decodeConfig({ credentials: { _tag: "ApiToken", token: "in clear" } } as never) // fails at credentials.token
 * ```
 */
export const decodeConfig = <C extends Config>(config: C): Effect.Effect<C, CoreErrors.InvalidInput> =>
  Input.config(provider, config, ConfigShape, (c) => {
    const credentials = c.credentials as Record<string, unknown> | undefined
    if (typeof credentials !== "object" || credentials === null) return []
    return credentials._tag === "GlobalKey"
      ? [
          ["credentials.email", credentials.email],
          ["credentials.key", credentials.key]
        ]
      : credentials._tag === "ApiToken"
        ? [["credentials.token", credentials.token]]
        : []
  })

/**
 * The neutral provider's input rules (`Input.Rules`): a resource is `share(accountId, shareId)`
 * with both 32-hex ids, share ids (recipient or organization ids) are 32-hex, and so are `Account`
 * and `Organization` grantee ids.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/cloudflare"
 * Client.inputRules.shareId?.("..") // [{ path: "shareId", message: "must be a 32-character lowercase hexadecimal id" }]
 * ```
 */
export const inputRules: Input.Rules = {
  resource: (r) => [
    ...(r.kind === "share"
      ? []
      : [{ path: "resource.kind", message: `must be "share" (got ${JSON.stringify(r.kind)})` }]),
    ...(r.parent === undefined
      ? [
          {
            path: "resource.parent",
            message: "the owning account id is required (use Cloudflare.share(accountId, shareId))"
          }
        ]
      : Input.issues(Ids.Hex32, r.parent, "resource.parent")),
    ...Input.issues(Ids.Hex32, r.id, "resource.id")
  ],
  shareId: (id) => Input.issues(Ids.Hex32, id, "shareId"),
  grantee: (g, path) =>
    g._tag === "Account" || g._tag === "Organization" ? Input.issues(Ids.Hex32, g.id, `${path}.id`) : []
}

/**
 * Builds the client on the `HttpClient` in context.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Client } from "@unishare/cloudflare"
 * const program = Effect.gen(function* () {
 *   const cf = yield* Client.make({ credentials: Client.apiToken(Redacted.make("token")) })
 *   return yield* cf.getShare("023e105f4ecef8ad9ca31a8372d0c353", "3fd85f74b32742f1bff64a85009dda07")
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 */
export const make = (config: Config): Effect.Effect<Client, CoreErrors.InvalidInput, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    yield* decodeConfig(config)
    const api = yield* HttpApi.make({
      provider,
      baseUrl: config.baseUrl ?? defaultBaseUrl,
      auth: authOf(config.credentials),
      timeoutMillis: config.timeoutMillis,
      retry: config.retry,
      rateLimit: config.rateLimit === false ? undefined : (config.rateLimit ?? documentedRateLimit),
      classify: Errors.classify,
      isTransient: Errors.isTransient
    })

    const validate = <S extends Decodable>(schema: S, input: unknown, operation: string, path: string) =>
      Translation.validate(schema, input, { provider, operation, path })

    const envelopeFailure = (operation: string, status: number, body: unknown) =>
      Errors.classify({ status, body, headers: {}, operation })

    /** A single-object call: checks `success` and unwraps `result`. */
    const one = <A>(spec: HttpApi.RequestSpec<Schema.Codec<{ readonly success: boolean; readonly result?: A }>>) =>
      Effect.flatMap(
        api.request(spec as unknown as HttpApi.RequestSpec<Decodable>),
        (response): Effect.Effect<A, CoreErrors.SharingError> => {
          const body = response.body as { readonly success: boolean; readonly result?: A }
          if (!body.success) return Effect.fail(envelopeFailure(spec.operation, response.status, body))
          if (body.result === undefined) {
            return Effect.fail(
              new CoreErrors.ProtocolError({
                provider,
                operation: spec.operation,
                status: response.status,
                message: `cloudflare ${spec.operation}: the envelope has success: true but no result`
              })
            )
          }
          return Effect.succeed(body.result)
        }
      )

    const paginate = <A>(
      operation: string,
      path: string,
      query: HttpApi.Query,
      perPage: number,
      schema: Schema.Codec<{
        readonly success: boolean
        readonly result?: ReadonlyArray<A> | null
        readonly result_info?: Wire.ResultInfo
      }>
    ): Stream.Stream<A, CoreErrors.SharingError> =>
      Stream.paginate(1, (page: number) =>
        api
          .request({
            operation,
            method: "GET",
            path,
            query: { ...query, page, per_page: perPage },
            response: schema as unknown as Decodable
          })
          .pipe(
            Effect.flatMap((response) => {
              const body = response.body as {
                readonly success: boolean
                readonly result?: ReadonlyArray<A> | null
                readonly result_info?: Wire.ResultInfo
              }
              if (!body.success) return Effect.fail(envelopeFailure(operation, response.status, body))
              const items = body.result ?? []
              const totalPages = body.result_info?.total_pages
              const more = items.length > 0 && (totalPages === undefined || page < totalPages)
              return Effect.succeed([items, more ? Option.some(page + 1) : Option.none()] as const)
            })
          )
      )

    /** Validates ids, the query and `perPage` before the first request, then streams the pages. */
    const list = <A, Q extends Decodable>(options: {
      readonly operation: string
      readonly ids: Readonly<Record<string, string>>
      /** Built only after the ids are validated (a malformed id must not reach the path builder). */
      readonly path: () => string
      readonly querySchema: Q
      readonly query: (Q["Type"] & PageOptions) | undefined
      readonly schema: Schema.Codec<{
        readonly success: boolean
        readonly result?: ReadonlyArray<A> | null
        readonly result_info?: Wire.ResultInfo
      }>
    }): Stream.Stream<A, CoreErrors.SharingError> =>
      Stream.unwrap(
        Effect.gen(function* () {
          yield* validateIds(options.operation, options.ids)
          const { perPage, ...rest } = (options.query ?? {}) as PageOptions & Record<string, unknown>
          const size = yield* validate(PerPage, perPage ?? maxPerPage, options.operation, "per_page")
          const query = (yield* validate(options.querySchema, rest, options.operation, "query")) as HttpApi.Query
          return paginate(options.operation, options.path(), query, size, options.schema)
        })
      )

    const IncludeQuery = Schema.Struct({
      include_resources: Schema.optionalKey(Schema.Boolean),
      include_recipient_counts: Schema.optionalKey(Schema.Boolean)
    })
    const IncludeResources = Schema.Struct({ include_resources: Schema.optionalKey(Schema.Boolean) })
    const NoQuery = Schema.Struct({})

    const sharePath = (a: string, s: string) => HttpApi.path`/accounts/${a}/shares/${s}`

    const client: Client = {
      baseUrl: api.baseUrl,

      listShares: (accountId, query) =>
        list({
          operation: "listShares",
          ids: { account_id: accountId },
          path: () => HttpApi.path`/accounts/${accountId}/shares`,
          querySchema: Wire.ListSharesQuery,
          query,
          schema: Wire.ShareCollection
        }),

      createShare: (accountId, body) =>
        Effect.gen(function* () {
          const operation = "createShare"
          yield* validateIds(operation, { account_id: accountId })
          const input = yield* validate(
            Schema.Struct({
              name: Schema.String,
              recipients: Schema.Array(Schema.Unknown),
              resources: Schema.Array(Wire.CreateResourceRequest)
            }),
            body,
            operation,
            "body"
          )
          const recipients = yield* Effect.forEach(input.recipients, (r, i) =>
            normalizeRecipient(r, operation, `body.recipients.${i}`)
          )
          yield* logWarnings(
            recipients.flatMap((r) => r.warnings),
            operation
          )
          const wire: Wire.CreateShareRequest = {
            name: input.name,
            recipients: recipients.map((r) => r.value),
            resources: input.resources
          }
          return yield* one({
            operation,
            method: "POST",
            path: HttpApi.path`/accounts/${accountId}/shares`,
            body: wire,
            response: Wire.ShareResponse
          })
        }),

      getShare: (accountId, shareId, query) =>
        Effect.gen(function* () {
          const operation = "getShare"
          yield* validateIds(operation, { account_id: accountId, share_id: shareId })
          const q = yield* validate(IncludeQuery, query ?? {}, operation, "query")
          return yield* one({
            operation,
            method: "GET",
            path: sharePath(accountId, shareId),
            query: q,
            response: Wire.ShareResponse
          })
        }),

      updateShare: (accountId, shareId, body) =>
        Effect.gen(function* () {
          const operation = "updateShare"
          yield* validateIds(operation, { account_id: accountId, share_id: shareId })
          const wire = yield* validate(Wire.UpdateShareRequest, body, operation, "body")
          return yield* one({
            operation,
            method: "PUT",
            path: sharePath(accountId, shareId),
            body: wire,
            response: Wire.ShareResponse
          })
        }),

      deleteShare: (accountId, shareId) =>
        Effect.gen(function* () {
          const operation = "deleteShare"
          yield* validateIds(operation, { account_id: accountId, share_id: shareId })
          return yield* one({
            operation,
            method: "DELETE",
            path: sharePath(accountId, shareId),
            response: Wire.ShareResponse
          })
        }),

      listRecipients: (accountId, shareId, query) =>
        list({
          operation: "listRecipients",
          ids: { account_id: accountId, share_id: shareId },
          path: () => `${sharePath(accountId, shareId)}/recipients`,
          querySchema: IncludeResources,
          query,
          schema: Wire.RecipientCollection
        }),

      createRecipient: (accountId, shareId, body) =>
        Effect.gen(function* () {
          const operation = "createRecipient"
          yield* validateIds(operation, { account_id: accountId, share_id: shareId })
          const { value, warnings } = yield* normalizeRecipient(body, operation, "body")
          yield* logWarnings(warnings, operation)
          return yield* one({
            operation,
            method: "POST",
            path: `${sharePath(accountId, shareId)}/recipients`,
            body: value,
            response: Wire.RecipientResponse
          })
        }),

      replaceRecipients: (accountId, shareId, body) =>
        Effect.gen(function* () {
          const operation = "replaceRecipients"
          yield* validateIds(operation, { account_id: accountId, share_id: shareId })
          const items = yield* validate(Schema.Array(Schema.Unknown), body, operation, "body")
          const normalized = yield* Effect.forEach(items, (r, i) => normalizeRecipient(r, operation, `body.${i}`))
          yield* logWarnings(
            normalized.flatMap((r) => r.warnings),
            operation
          )
          const wanted = new Set(normalized.map((r) => r.value.recipient_account_id))
          // An ambiguous answer is settled by listing the recipients: the live ones must be exactly `wanted`.
          yield* HttpApi.confirmWrite({
            write: api.request({
              operation,
              method: "PUT",
              path: `${sharePath(accountId, shareId)}/recipients`,
              body: normalized.map((r) => r.value),
              response: "empty"
            }),
            check: Effect.map(Stream.runCollect(client.listRecipients(accountId, shareId)), (all) => {
              const live = all.filter(isLiveRecipient).map((r) => r.account_id)
              return live.length === wanted.size && live.every((id) => wanted.has(id))
                ? Option.some(undefined as never)
                : Option.none()
            })
          })
        }),

      getRecipient: (accountId, shareId, recipientId, query) =>
        Effect.gen(function* () {
          const operation = "getRecipient"
          yield* validateIds(operation, { account_id: accountId, share_id: shareId, recipient_id: recipientId })
          const q = yield* validate(IncludeResources, query ?? {}, operation, "query")
          return yield* one({
            operation,
            method: "GET",
            path: HttpApi.path`/accounts/${accountId}/shares/${shareId}/recipients/${recipientId}`,
            query: q,
            response: Wire.RecipientResponse
          })
        }),

      deleteRecipient: (accountId, shareId, recipientId) =>
        Effect.gen(function* () {
          const operation = "deleteRecipient"
          yield* validateIds(operation, { account_id: accountId, share_id: shareId, recipient_id: recipientId })
          // An ambiguous answer is settled by reading the recipient: no longer live means deleted.
          return yield* HttpApi.confirmWrite({
            write: one({
              operation,
              method: "DELETE",
              path: HttpApi.path`/accounts/${accountId}/shares/${shareId}/recipients/${recipientId}`,
              response: Wire.RecipientResponse
            }),
            check: Effect.map(client.getRecipient(accountId, shareId, recipientId), (r) =>
              isLiveRecipient(r) ? Option.none() : Option.some(r)
            )
          })
        }),

      listResources: (accountId, shareId, query) =>
        list({
          operation: "listResources",
          ids: { account_id: accountId, share_id: shareId },
          path: () => `${sharePath(accountId, shareId)}/resources`,
          querySchema: Wire.ListResourcesQuery,
          query,
          schema: Wire.ResourceCollection
        }),

      createResource: (accountId, shareId, body) =>
        Effect.gen(function* () {
          const operation = "createResource"
          yield* validateIds(operation, { account_id: accountId, share_id: shareId })
          const wire = yield* validate(Wire.CreateResourceRequest, body, operation, "body")
          return yield* one({
            operation,
            method: "POST",
            path: `${sharePath(accountId, shareId)}/resources`,
            body: wire,
            response: Wire.ResourceResponse
          })
        }),

      getResource: (accountId, shareId, shareResourceId) =>
        Effect.gen(function* () {
          const operation = "getResource"
          yield* validateIds(operation, {
            account_id: accountId,
            share_id: shareId,
            share_resource_id: shareResourceId
          })
          return yield* one({
            operation,
            method: "GET",
            path: HttpApi.path`/accounts/${accountId}/shares/${shareId}/resources/${shareResourceId}`,
            response: Wire.ResourceResponse
          })
        }),

      updateResource: (accountId, shareId, shareResourceId, body) =>
        Effect.gen(function* () {
          const operation = "updateResource"
          yield* validateIds(operation, {
            account_id: accountId,
            share_id: shareId,
            share_resource_id: shareResourceId
          })
          const wire = yield* validate(Wire.UpdateResourceRequest, body, operation, "body")
          return yield* one({
            operation,
            method: "PUT",
            path: HttpApi.path`/accounts/${accountId}/shares/${shareId}/resources/${shareResourceId}`,
            body: wire,
            response: Wire.ResourceResponse
          })
        }),

      deleteResource: (accountId, shareId, shareResourceId) =>
        Effect.gen(function* () {
          const operation = "deleteResource"
          yield* validateIds(operation, {
            account_id: accountId,
            share_id: shareId,
            share_resource_id: shareResourceId
          })
          return yield* one({
            operation,
            method: "DELETE",
            path: HttpApi.path`/accounts/${accountId}/shares/${shareId}/resources/${shareResourceId}`,
            response: Wire.ResourceResponse
          })
        }),

      listExcludedRecipients: (accountId, shareId, query) =>
        list({
          operation: "listExcludedRecipients",
          ids: { account_id: accountId, share_id: shareId },
          path: () => `${sharePath(accountId, shareId)}/excluded-recipients`,
          querySchema: NoQuery,
          query,
          schema: Wire.ExcludedRecipientCollection
        }),

      createExcludedRecipient: (accountId, shareId, body) =>
        Effect.gen(function* () {
          const operation = "createExcludedRecipient"
          yield* validateIds(operation, { account_id: accountId, share_id: shareId })
          const wire = yield* validate(Wire.ExcludedRecipientRequest, body, operation, "body")
          return yield* one({
            operation,
            method: "POST",
            path: `${sharePath(accountId, shareId)}/excluded-recipients`,
            body: wire,
            response: Wire.ExcludedRecipientResponse
          })
        }),

      replaceExcludedRecipients: (accountId, shareId, body) =>
        Effect.gen(function* () {
          const operation = "replaceExcludedRecipients"
          yield* validateIds(operation, { account_id: accountId, share_id: shareId })
          const wire = yield* validate(Schema.Array(Wire.ExcludedRecipientRequest), body, operation, "body")
          yield* api.request({
            operation,
            method: "PUT",
            path: `${sharePath(accountId, shareId)}/excluded-recipients`,
            body: wire,
            response: "empty"
          })
        }),

      getExcludedRecipient: (accountId, shareId, excludedRecipientId) =>
        Effect.gen(function* () {
          const operation = "getExcludedRecipient"
          yield* validateIds(operation, {
            account_id: accountId,
            share_id: shareId,
            excluded_recipient_id: excludedRecipientId
          })
          return yield* one({
            operation,
            method: "GET",
            path: HttpApi.path`/accounts/${accountId}/shares/${shareId}/excluded-recipients/${excludedRecipientId}`,
            response: Wire.ExcludedRecipientResponse
          })
        }),

      deleteExcludedRecipient: (accountId, shareId, excludedRecipientId) =>
        Effect.gen(function* () {
          const operation = "deleteExcludedRecipient"
          yield* validateIds(operation, {
            account_id: accountId,
            share_id: shareId,
            excluded_recipient_id: excludedRecipientId
          })
          return yield* one({
            operation,
            method: "DELETE",
            path: HttpApi.path`/accounts/${accountId}/shares/${shareId}/excluded-recipients/${excludedRecipientId}`,
            response: Wire.ExcludedRecipientResponse
          })
        }),

      listOrganizationShares: (organizationId, query) =>
        list({
          operation: "listOrganizationShares",
          ids: { organization_id: organizationId },
          path: () => HttpApi.path`/organizations/${organizationId}/shares`,
          querySchema: Wire.ListOrganizationSharesQuery,
          query,
          schema: Wire.ShareCollection
        })
    }
    return client
  })
