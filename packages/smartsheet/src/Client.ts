/**
 * The native Smartsheet sharing client: one function per `/2.0/shares` endpoint, every call naming
 * its asset with the `assetType` / `assetId` query parameters. Lists are `Stream`s that follow
 * `lastKey` (constant memory); input is validated before any request: asset ids are positive int64
 * numbers (sheets, reports, dashboards, workspaces) or URL-safe tokens (collections, files), share
 * ids are alphanumeric (`AAAMCmYGFOeE`), emails are exactly one address, and the configuration is
 * decoded before anything is built.
 *
 * @since 0.1.0
 */
import { Errors as CoreErrors, HttpApi, Ids, Input, Translation } from "@unishare/core"
import { Effect, Option, type Redacted, Schema, Stream } from "effect"
import type { HttpClient } from "effect/http"
import * as Errors from "./Errors.ts"
import * as Wire from "./Wire.ts"

/**
 * Smartsheet data regions. Tokens are bound to their region.
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/smartsheet"
 * const region: Client.Region = "eu"
 * ```
 */
export type Region = "us" | "eu" | "au" | "gov"

/**
 * Base URL of each region.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/smartsheet"
 * Client.baseUrls.eu // "https://api.smartsheet.eu/2.0"
 * ```
 */
export const baseUrls: Readonly<Record<Region, string>> = {
  us: "https://api.smartsheet.com/2.0",
  eu: "https://api.smartsheet.eu/2.0",
  au: "https://api.smartsheet.au/2.0",
  gov: "https://api.smartsheetgov.com/2.0"
}

/**
 * The documented budget: 300 requests per minute per access token.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/smartsheet"
 * Client.defaultRateLimit.requests // 300
 * ```
 */
export const defaultRateLimit = { requests: 300, windowMillis: 60_000 } as const

/**
 * Client configuration. `baseUrl` wins over `region` (default `us`). `integrationSource` is sent as
 * the `Smartsheet-Integration-Source` header (`TYPE,OrgName,SourceName`, TYPE one of AI, SCRIPT,
 * APPLICATION). `rateLimit` defaults to 300 requests/minute per token; `retry` tunes the backoff.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Client } from "@unishare/smartsheet"
 * const config: Client.Config = { token: Redacted.make("t"), region: "eu",
 *   integrationSource: "APPLICATION,Acme,ShareSync" }
 * ```
 */
export interface Config {
  readonly token: Redacted.Redacted<string>
  readonly region?: Region | undefined
  readonly baseUrl?: string | undefined
  readonly integrationSource?: string | undefined
  readonly timeoutMillis?: number | undefined
  readonly retry?: Partial<HttpApi.RetryPolicy> | undefined
  readonly rateLimit?: { readonly requests: number; readonly windowMillis: number } | undefined
}

/**
 * Names an asset: its type and its (opaque, string) id.
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/smartsheet"
 * const sheet: Client.Asset = { assetType: "sheet", assetId: "4583173393803140" }
 * ```
 */
export interface Asset {
  readonly assetType: Wire.AssetType
  readonly assetId: string
}

/**
 * The format of an asset id: a positive int64 in decimal for sheets, reports, dashboards (`sight`)
 * and workspaces; a URL-safe token (letters, digits, `-`, `_`) for collections and files, whose ids
 * the API documents as strings.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "@unishare/smartsheet"
 * Schema.is(Client.assetIdSchema("sheet"))("4583173393803140") // true
 * Schema.is(Client.assetIdSchema("sheet"))("../1") // false
 * ```
 */
export const assetIdSchema = (assetType: Wire.AssetType) =>
  assetType === "collection" || assetType === "file" ? Ids.Token : Ids.Int64Text

/**
 * Schema of an `Asset` (used to validate input before any request): a known `assetType` and an
 * `assetId` in that type's format (`assetIdSchema`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "@unishare/smartsheet"
 * Schema.decodeUnknownSync(Client.Asset)({ assetType: "sight", assetId: "1" })
 * ```
 */
export const Asset = Schema.Struct({
  assetType: Wire.AssetType,
  assetId: Schema.String
}).check(
  Schema.makeFilter(
    (a) => {
      const found = Input.issues(assetIdSchema(a.assetType), a.assetId, "")
      return found.length === 0 ? undefined : { path: ["assetId"], issue: found[0]?.message ?? "is invalid" }
    },
    { title: "assetId in the format of its assetType" }
  )
)

/**
 * A share id: 1 to 64 letters and digits (`AAAMCmYGFOeE`). A malformed id (`..`, whitespace) is
 * `InvalidInput`: it would otherwise address `/2.0/` or `/2.0/shares/` instead of one share.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "@unishare/smartsheet"
 * Schema.is(Client.ShareId)("AAAMCmYGFOeE") // true
 * Schema.is(Client.ShareId)("..") // false
 * ```
 */
export const ShareId = Ids.Alphanumeric

const ConfigShape = Schema.Struct({
  ...Input.httpSettings,
  region: Schema.optional(Schema.Literals(["us", "eu", "au", "gov"])),
  integrationSource: Schema.optional(
    Schema.String.check(
      Schema.isPattern(/^(AI|SCRIPT|APPLICATION),[^\p{Cc},]*,[^\p{Cc},]*$/u, {
        message: "must be TYPE,OrgName,SourceName with TYPE one of AI, SCRIPT, APPLICATION (no line breaks)"
      })
    )
  ),
  readOnlyCacheSize: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)))
})

/**
 * Decodes a configuration before anything is built: the `Redacted` token (its value is never
 * shown), region, base URL, integration source, timeout, retry and rate limit.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/smartsheet"
 * Client.decodeConfig({ token: "in clear" } as never) // fails at token, without showing it
 * ```
 */
export const decodeConfig = <C extends Config>(config: C): Effect.Effect<C, CoreErrors.InvalidInput> =>
  Input.config(Errors.provider, config, ConfigShape, (c) => [["token", c.token]])

/**
 * The neutral provider's input rules (`Input.Rules`): a resource names a known asset type and an
 * asset id in its format, share ids are alphanumeric, a `User` grantee's email is exactly one
 * address (its id, when given, a positive int64) and a `Group` id is a positive int64.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/smartsheet"
 * Client.inputRules.grantee?.({ _tag: "User", email: "a@b.c,d@e.f" }, "grantee") // [{ path: "grantee.email", … }]
 * ```
 */
export const inputRules: Input.Rules = {
  resource: (r) =>
    Wire.assetTypes.includes(r.kind as Wire.AssetType)
      ? Input.issues(assetIdSchema(r.kind as Wire.AssetType), r.id, "resource.id")
      : [
          {
            path: "resource.kind",
            message: `unknown assetType ${JSON.stringify(r.kind)} (expected one of ${Wire.assetTypes.join(", ")})`
          }
        ],
  shareId: (id) => Input.issues(ShareId, id, "shareId"),
  grantee: (g, path) =>
    g._tag === "User"
      ? [
          ...(g.email !== undefined ? Input.issues(Ids.Email, g.email, `${path}.email`) : []),
          ...(g.id !== undefined ? Input.issues(Ids.Int64Text, g.id, `${path}.id`) : [])
        ]
      : g._tag === "Group"
        ? Input.issues(Ids.Int64Text, g.id, `${path}.id`)
        : []
}

/**
 * Options of one list page: `maxItems` (default and minimum 100), `lastKey` from the previous page,
 * and `sharingInclude` (`WORKSPACE` also returns shares inherited from the workspace).
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/smartsheet"
 * const opts: Client.ListOptions = { maxItems: 500, sharingInclude: "WORKSPACE" }
 * ```
 */
export interface ListOptions {
  readonly maxItems?: number | undefined
  readonly lastKey?: string | undefined
  readonly sharingInclude?: Wire.ShareScope | undefined
}

const ListOptionsSchema = Schema.Struct({
  maxItems: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(100))),
  lastKey: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1))),
  sharingInclude: Schema.optionalKey(Wire.ShareScope)
})

/**
 * A share request as accepted by `shareAsset`: exactly one of `email` or `groupId` (string or
 * number), an `accessLevel`, and optional email fields.
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/smartsheet"
 * const req: Client.ShareRequest = { groupId: 1234567890, accessLevel: "VIEWER" }
 * ```
 */
export interface ShareRequest {
  readonly email?: string | undefined
  readonly groupId?: string | number | undefined
  readonly accessLevel: Wire.AccessLevel
  readonly subject?: string | undefined
  readonly message?: string | undefined
  readonly ccMe?: boolean | undefined
}

/**
 * Options of `shareAsset`: `sendEmail` notifies recipients (default `false`).
 *
 * @example
 * ```ts
 * import type { Client } from "@unishare/smartsheet"
 * const opts: Client.ShareOptions = { sendEmail: true }
 * ```
 */
export interface ShareOptions {
  readonly sendEmail?: boolean | undefined
}

/**
 * The native client.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import type { Client } from "@unishare/smartsheet"
 * const all = (client: Client.Client) => Stream.runCollect(client.listShares({ assetType: "sheet", assetId: "1" }))
 * ```
 */
export interface Client {
  readonly baseUrl: string
  /** One page of `GET /shares`. */
  readonly listSharesPage: (
    asset: Asset,
    options?: ListOptions
  ) => Effect.Effect<Wire.SharesPage, CoreErrors.SharingError>
  /** Every share of the asset, following `lastKey` page by page. */
  readonly listShares: (
    asset: Asset,
    options?: Omit<ListOptions, "lastKey">
  ) => Stream.Stream<Wire.Share, CoreErrors.SharingError>
  /** `GET /shares/{shareId}`. */
  readonly getShare: (asset: Asset, shareId: string) => Effect.Effect<Wire.Share, CoreErrors.SharingError>
  /** `POST /shares` with an array body; existing shares are skipped by the API and missing from `result`. */
  readonly shareAsset: (
    asset: Asset,
    requests: ReadonlyArray<ShareRequest>,
    options?: ShareOptions
  ) => Effect.Effect<Wire.ShareAssetResult, CoreErrors.SharingError>
  /** `PATCH /shares/{shareId}` with `{accessLevel}`. */
  readonly updateShare: (
    asset: Asset,
    shareId: string,
    accessLevel: Wire.AccessLevel
  ) => Effect.Effect<Wire.Share, CoreErrors.SharingError>
  /** `DELETE /shares/{shareId}`. */
  readonly deleteShare: (asset: Asset, shareId: string) => Effect.Effect<Wire.GenericSuccess, CoreErrors.SharingError>
}

const Requests = Schema.Array(Wire.CreateShareRequest).check(Schema.isMinLength(1))

const safeNumericId = /^[1-9][0-9]{0,15}$/

/**
 * The JSON of one share request: only the documented create fields (never `scope`); a numeric
 * `groupId` is sent as a JSON number, as documented, when it fits one exactly.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/smartsheet"
 * Client.requestBody({ groupId: "42", accessLevel: "VIEWER" }) // { groupId: 42, accessLevel: "VIEWER" }
 * ```
 */
export const requestBody = (request: Wire.CreateShareRequest): Record<string, unknown> => {
  const body: Record<string, unknown> = {}
  if (request.email !== undefined) body.email = request.email
  if (request.groupId !== undefined) {
    const id = request.groupId
    body.groupId = safeNumericId.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : id
  }
  body.accessLevel = request.accessLevel
  if (request.subject !== undefined) body.subject = request.subject
  if (request.message !== undefined) body.message = request.message
  if (request.ccMe !== undefined) body.ccMe = request.ccMe
  return body
}

/**
 * The base URL a configuration points at.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/smartsheet"
 * Client.baseUrlOf({ region: "gov" }) // "https://api.smartsheetgov.com/2.0"
 * ```
 */
export const baseUrlOf = (config: Pick<Config, "region" | "baseUrl">): string =>
  config.baseUrl ?? baseUrls[config.region ?? "us"]

const validate = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  input: unknown,
  operation: string,
  path: string
) => Translation.validate(schema, input, { provider: Errors.provider, operation, path })

/**
 * Builds the client on the `HttpClient` in context.
 *
 * @example
 * ```ts
 * import { Effect, Redacted, Stream } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Client } from "@unishare/smartsheet"
 * const program = Effect.gen(function* () {
 *   const client = yield* Client.make({ token: Redacted.make(process.env.SMARTSHEET_ACCESS_TOKEN ?? "") })
 *   return yield* Stream.runCollect(client.listShares({ assetType: "sheet", assetId: "4583173393803140" }))
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 */
export const make = (config: Config): Effect.Effect<Client, CoreErrors.InvalidInput, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    yield* decodeConfig(config)
    const api = yield* HttpApi.make({
      provider: Errors.provider,
      baseUrl: baseUrlOf(config),
      auth: HttpApi.bearer(config.token),
      timeoutMillis: config.timeoutMillis,
      retry: config.retry,
      rateLimit: config.rateLimit ?? defaultRateLimit,
      headers:
        config.integrationSource !== undefined ? { "Smartsheet-Integration-Source": config.integrationSource } : {},
      classify: Errors.classify,
      isTransient: Errors.isTransient
    })

    const assetQuery = (asset: Asset) => ({ assetType: asset.assetType, assetId: asset.assetId })

    /** One page of already validated input. */
    const fetchSharesPage = (a: Asset, o: ListOptions) =>
      api.json({
        operation: "listShares",
        method: "GET",
        path: "/shares",
        query: { ...assetQuery(a), maxItems: o.maxItems, lastKey: o.lastKey, sharingInclude: o.sharingInclude },
        response: Wire.SharesPage
      })

    const listSharesPage = (asset: Asset, options: ListOptions = {}) =>
      Effect.gen(function* () {
        const a = yield* validate(Asset, asset, "listShares", "asset")
        const o = yield* validate(ListOptionsSchema, options, "listShares", "options")
        return yield* fetchSharesPage(a, o)
      })

    // The input is validated once for the walk, not once per page. A key seen before in the same
    // walk would loop forever: that answer is a ProtocolError.
    const listShares = (asset: Asset, options: Omit<ListOptions, "lastKey"> = {}) =>
      Stream.unwrap(
        Effect.gen(function* () {
          const a = yield* validate(Asset, asset, "listShares", "asset")
          const o: ListOptions = yield* validate(ListOptionsSchema, options, "listShares", "options")
          const seen = new Set<string>()
          return Stream.paginate(Option.none<string>(), (lastKey) =>
            fetchSharesPage(a, Option.isSome(lastKey) ? { ...o, lastKey: lastKey.value } : o).pipe(
              Effect.flatMap((page) => {
                const next = page.lastKey !== undefined && page.lastKey !== "" && page.items.length > 0
                if (next && seen.has(page.lastKey!)) {
                  return Effect.fail(
                    new CoreErrors.ProtocolError({
                      provider: Errors.provider,
                      operation: "listShares",
                      message: `smartsheet listShares: the server repeated the page key ${JSON.stringify(page.lastKey)}; stopping instead of reading the same pages forever`
                    })
                  )
                }
                if (next) seen.add(page.lastKey!)
                return Effect.succeed([
                  page.items,
                  next ? Option.some(Option.some(page.lastKey!)) : Option.none<Option.Option<string>>()
                ] as const)
              })
            )
          )
        })
      )

    const getShare = (asset: Asset, shareId: string) =>
      Effect.gen(function* () {
        const a = yield* validate(Asset, asset, "getShare", "asset")
        const id = yield* validate(ShareId, shareId, "getShare", "shareId")
        return yield* api.json({
          operation: "getShare",
          method: "GET",
          path: HttpApi.path`/shares/${id}`,
          query: assetQuery(a),
          response: Wire.Share
        })
      })

    const shareAsset = (asset: Asset, requests: ReadonlyArray<ShareRequest>, options: ShareOptions = {}) =>
      Effect.gen(function* () {
        const a = yield* validate(Asset, asset, "shareAsset", "asset")
        const reqs = yield* validate(Requests, requests, "shareAsset", "requests")
        return yield* api.json({
          operation: "shareAsset",
          method: "POST",
          path: "/shares",
          query: { ...assetQuery(a), sendEmail: options.sendEmail === true },
          body: reqs.map(requestBody),
          response: Wire.ShareAssetResult
        })
      })

    const updateShare = (asset: Asset, shareId: string, accessLevel: Wire.AccessLevel) =>
      Effect.gen(function* () {
        const a = yield* validate(Asset, asset, "updateShare", "asset")
        const id = yield* validate(ShareId, shareId, "updateShare", "shareId")
        const body = yield* validate(Wire.UpdateShareRequest, { accessLevel }, "updateShare", "")
        // An ambiguous answer is settled by reading the share back.
        return yield* HttpApi.confirmWrite({
          write: api.json({
            operation: "updateShare",
            method: "PATCH",
            path: HttpApi.path`/shares/${id}`,
            query: assetQuery(a),
            body: { accessLevel: body.accessLevel },
            response: Wire.Share
          }),
          check: Effect.map(getShare(a, id), (share) =>
            share.accessLevel === body.accessLevel ? Option.some(share) : Option.none()
          )
        })
      })

    const deleteShare = (asset: Asset, shareId: string) =>
      Effect.gen(function* () {
        const a = yield* validate(Asset, asset, "deleteShare", "asset")
        const id = yield* validate(ShareId, shareId, "deleteShare", "shareId")
        // An ambiguous answer is settled by reading the share: gone means deleted.
        return yield* HttpApi.confirmWrite({
          write: api.json({
            operation: "deleteShare",
            method: "DELETE",
            path: HttpApi.path`/shares/${id}`,
            query: assetQuery(a),
            response: Wire.GenericSuccess
          }),
          check: getShare(a, id).pipe(
            Effect.as(Option.none<Wire.GenericSuccess>()),
            Effect.catchTag("NotFound", () => Effect.succeed(Option.some({ message: "SUCCESS", resultCode: 0 })))
          )
        })
      })

    return { baseUrl: api.baseUrl, listSharesPage, listShares, getShare, shareAsset, updateShare, deleteShare }
  })
