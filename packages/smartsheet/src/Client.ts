/**
 * The native Smartsheet sharing client: one function per `/2.0/shares` endpoint, every call naming
 * its asset with the `assetType` / `assetId` query parameters. Lists are `Stream`s that follow
 * `lastKey` (constant memory); input is validated before any request.
 *
 * @since 0.1.0
 */
import { type Errors as CoreErrors, HttpApi, Translation } from "@unishare/core"
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
 * Schema of an `Asset` (used to validate input before any request).
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
  assetId: Schema.String.check(Schema.isMinLength(1))
})

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

const ShareId = Schema.String.check(Schema.isMinLength(1))
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

    const listSharesPage = (asset: Asset, options: ListOptions = {}) =>
      Effect.gen(function* () {
        const a = yield* validate(Asset, asset, "listShares", "asset")
        const o = yield* validate(ListOptionsSchema, options, "listShares", "options")
        return yield* api.json({
          operation: "listShares",
          method: "GET",
          path: "/shares",
          query: { ...assetQuery(a), maxItems: o.maxItems, lastKey: o.lastKey, sharingInclude: o.sharingInclude },
          response: Wire.SharesPage
        })
      })

    const listShares = (asset: Asset, options: Omit<ListOptions, "lastKey"> = {}) =>
      Stream.paginate(Option.none<string>(), (lastKey: Option.Option<string>) =>
        listSharesPage(asset, { ...options, ...(Option.isSome(lastKey) ? { lastKey: lastKey.value } : {}) }).pipe(
          Effect.map(
            (page) =>
              [
                page.items,
                page.lastKey !== undefined && page.lastKey !== "" && page.items.length > 0
                  ? Option.some(Option.some(page.lastKey))
                  : Option.none()
              ] as const
          )
        )
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
        return yield* api.json({
          operation: "updateShare",
          method: "PATCH",
          path: HttpApi.path`/shares/${id}`,
          query: assetQuery(a),
          body: { accessLevel: body.accessLevel },
          response: Wire.Share
        })
      })

    const deleteShare = (asset: Asset, shareId: string) =>
      Effect.gen(function* () {
        const a = yield* validate(Asset, asset, "deleteShare", "asset")
        const id = yield* validate(ShareId, shareId, "deleteShare", "shareId")
        return yield* api.json({
          operation: "deleteShare",
          method: "DELETE",
          path: HttpApi.path`/shares/${id}`,
          query: assetQuery(a),
          response: Wire.GenericSuccess
        })
      })

    return { baseUrl: api.baseUrl, listSharesPage, listShares, getShare, shareAsset, updateShare, deleteShare }
  })
