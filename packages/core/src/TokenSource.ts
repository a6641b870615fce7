/**
 * An `HttpApi` whose bearer token may come from a function, and whose requests may carry extra
 * constant headers chosen per request (Box `As-User`, Smartsheet `Assume-User`).
 *
 * `HttpApi` takes one credential, fixed when it is built, and fixed headers. Server-to-server apps
 * get short-lived tokens instead (Box JWT and Client Credentials Grant: one hour; OAuth access
 * tokens), and an app acting for several users sends a different header per call. So:
 *
 * - `token` is either a `Redacted` token or a function `() => Effect<Redacted<string>>` that the
 *   app implements however it obtains tokens (no OAuth library needed here). The function is
 *   called before every request (`HttpApi`'s retries of that request reuse its token): caching a
 *   token until it expires is the function's job.
 * - For each token value and each set of extra headers, one `HttpApi` is built (on the
 *   `HttpClient` captured at `make`) and kept: a new token value drops the ones built for the old
 *   token; at most `maxCached` header sets are kept per token (least recently used go first).
 *   Retries, deadlines, the client-side rate limit (per token value), spans and error mapping
 *   are `HttpApi`'s, unchanged.
 * - After a `401` with a token function, the function is asked once more: when it gives another
 *   token, the request is sent once more with it (a `401` means the request was not processed,
 *   so this is safe for writes too); when it gives the same token, the `401`'s error stands.
 * - A token the function returns that is not a `Redacted` string, or cannot be an HTTP header
 *   value, is `InvalidInput` naming the token's variable (never its value), before any request.
 *
 * Hand-written because effect's `HttpClient` has no notion of a credential that changes, and
 * `HttpApi` keeps its credential constant on purpose (it is applied once, to a request template).
 *
 * @since 0.1.0
 */
import { Effect, Redacted, type Schema } from "effect"
import { HttpClient } from "effect/http"
import * as Errors from "./Errors.ts"
import * as HttpApi from "./HttpApi.ts"
import * as Input from "./Input.ts"

/**
 * A bearer token: a `Redacted` value, or a function that returns the current one.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import type { TokenSource } from "@unishare/core"
 * const fixed: TokenSource.TokenSource = Redacted.make("developer-token")
 * const fetched: TokenSource.TokenSource = () => Effect.succeed(Redacted.make("access-token"))
 * ```
 */
export type TokenSource =
  | Redacted.Redacted<string>
  | (() => Effect.Effect<Redacted.Redacted<string>, Errors.SharingError>)

/**
 * The issues of a token source as given in a configuration: a function, or a `Redacted` string
 * that can be sent in a header. The value is never shown.
 *
 * @example
 * ```ts
 * import { TokenSource } from "@unishare/core"
 * TokenSource.issues("in clear", "token") // [{ path: "token", message: "must be a Redacted string …" }]
 * ```
 */
export const issues = (input: unknown, path: string): ReadonlyArray<Errors.Issue> => {
  if (typeof input === "function") return []
  const found = Input.secretIssues(input, path)
  if (found.length > 0) return found
  const problem = HttpApi.credentialProblem(Redacted.value(input as Redacted.Redacted<string>))
  return problem === undefined ? [] : [{ path, message: `the credential ${problem}` }]
}

/**
 * Configuration: `HttpApi.Config` with `token` in place of `auth`. `variable` names the token in
 * errors (default `token`); `maxCached` bounds the `HttpApi`s kept per token (default 256).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import type { TokenSource } from "@unishare/core"
 * const config: TokenSource.Config = {
 *   provider: "box", baseUrl: "https://api.box.com/2.0", token: () => Effect.succeed(Redacted.make("t"))
 * }
 * ```
 */
export interface Config extends Omit<HttpApi.Config, "auth"> {
  readonly token: TokenSource
  readonly variable?: string | undefined
  readonly maxCached?: number | undefined
}

/**
 * Extra headers of one request (their names and values are not secret: they are recorded like any
 * other header).
 *
 * @example
 * ```ts
 * import type { TokenSource } from "@unishare/core"
 * const asUser: TokenSource.Headers = { "as-user": "23522323" }
 * ```
 */
export type Headers = Readonly<Record<string, string>>

/**
 * The client: `HttpApi`'s `request` and `json`, each with optional extra headers.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import type { TokenSource } from "@unishare/core"
 * const read = (api: TokenSource.Api) =>
 *   api.json({ operation: "get", method: "GET", path: "/collaborations/1", response: Schema.Unknown }, { "as-user": "7" })
 * ```
 */
export interface Api {
  readonly provider: string
  readonly baseUrl: string
  readonly request: <S extends Schema.Top & { readonly DecodingServices: never }>(
    spec: HttpApi.RequestSpec<S>,
    headers?: Headers
  ) => Effect.Effect<HttpApi.Response<S["Type"]>, Errors.SharingError>
  readonly json: <S extends Schema.Top & { readonly DecodingServices: never }>(
    spec: HttpApi.RequestSpec<S>,
    headers?: Headers
  ) => Effect.Effect<S["Type"], Errors.SharingError>
}

const headersKey = (headers: Headers): string =>
  JSON.stringify(
    Object.keys(headers)
      .sort()
      .map((k) => [k.toLowerCase(), headers[k]])
  )

/**
 * Builds the client on the `HttpClient` in context. A fixed token and the base URL are checked
 * here; a token from a function is checked each time it is returned.
 *
 * @example
 * ```ts
 * import { Effect, Redacted, Schema } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { TokenSource } from "@unishare/core"
 * const program = Effect.gen(function* () {
 *   const api = yield* TokenSource.make({ provider: "box", baseUrl: "https://api.box.com/2.0",
 *     token: () => Effect.succeed(Redacted.make("access-token")) })
 *   return yield* api.json({ operation: "get", method: "GET", path: "/collaborations/1", response: Schema.Unknown })
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 */
export const make = (config: Config): Effect.Effect<Api, Errors.InvalidInput, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const { token: source, variable: variableName, maxCached: maxCachedOption, ...httpConfig } = config
    const provider = config.provider
    const variable = variableName ?? "token"
    const maxCached = Math.max(1, maxCachedOption ?? 256)
    const client = yield* HttpClient.HttpClient
    const baseUrl = yield* HttpApi.checkBaseUrl(config.baseUrl, provider)
    const configured = issues(source, variable)
    if (configured.length > 0) {
      return yield* new Errors.InvalidInput({ provider, operation: "configure", issues: [...configured] })
    }

    // the errors of 401 answers, recognised when they come back out of `HttpApi`
    const unauthorized = new WeakSet<object>()
    const classify = config.classify
    const classifyMarking = (failure: HttpApi.Failure): Errors.SharingError => {
      const error =
        classify !== undefined
          ? classify(failure)
          : HttpApi.errorFromStatus(provider, failure, `${provider} answered ${failure.status}`)
      if (failure.status === 401) unauthorized.add(error)
      return error
    }

    const tokenOf = (operation: string): Effect.Effect<Redacted.Redacted<string>, Errors.SharingError> =>
      typeof source === "function"
        ? Effect.flatMap(
            Effect.suspend(() => source()),
            (token) => {
              const found = issues(token, variable)
              return found.length === 0
                ? Effect.succeed(token)
                : Effect.fail(new Errors.InvalidInput({ provider, operation, issues: [...found] }))
            }
          )
        : Effect.succeed(source)

    let current: { readonly value: string; readonly apis: Map<string, HttpApi.HttpApi> } | undefined
    const apiFor = (token: Redacted.Redacted<string>, headers: Headers) =>
      Effect.suspend(() => {
        const value = Redacted.value(token)
        if (current === undefined || current.value !== value) current = { value, apis: new Map() }
        const slot = current
        const key = headersKey(headers)
        const cached = slot.apis.get(key)
        if (cached !== undefined) {
          slot.apis.delete(key)
          slot.apis.set(key, cached)
          return Effect.succeed(cached)
        }
        return HttpApi.make({
          ...httpConfig,
          baseUrl,
          auth: HttpApi.bearer(token, variable),
          headers: { ...httpConfig.headers, ...headers },
          classify: classifyMarking
        }).pipe(
          Effect.provideService(HttpClient.HttpClient, client),
          Effect.tap((api) =>
            Effect.sync(() => {
              slot.apis.set(key, api)
              if (slot.apis.size > maxCached) {
                const oldest = slot.apis.keys().next()
                if (!oldest.done) slot.apis.delete(oldest.value)
              }
            })
          )
        )
      })

    const request = <S extends Schema.Top & { readonly DecodingServices: never }>(
      spec: HttpApi.RequestSpec<S>,
      headers: Headers = {}
    ): Effect.Effect<HttpApi.Response<S["Type"]>, Errors.SharingError> =>
      Effect.gen(function* () {
        const token = yield* tokenOf(spec.operation)
        const api = yield* apiFor(token, headers)
        return yield* api.request(spec).pipe(
          Effect.catchIf(
            (error): error is Errors.SharingError => typeof source === "function" && unauthorized.has(error),
            (error) =>
              Effect.gen(function* () {
                const fresh = yield* tokenOf(spec.operation)
                if (Redacted.value(fresh) === Redacted.value(token)) return yield* Effect.fail(error)
                const again = yield* apiFor(fresh, headers)
                return yield* again.request(spec)
              })
          )
        )
      })

    return {
      provider,
      baseUrl,
      request,
      json: (spec, headers) => Effect.map(request(spec, headers), (r) => r.body)
    } satisfies Api
  })
