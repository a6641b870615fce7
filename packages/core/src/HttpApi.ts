/**
 * The HTTP toolkit adapters configure instead of re-implementing: base URL checks, auth from a
 * `Redacted` secret, timeouts, retries of transient failures with exponential backoff + jitter that
 * honour `Retry-After`, no blind retry of writes that may have been applied, a client-side rate
 * limit per credential, a span per operation, and HTTP status → `SharingError` mapping.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { Duration, Effect, Option, Random, Redacted, Result, Schema } from "effect"
import { Headers, HttpClient, HttpClientRequest } from "effect/http"
import type { RateLimit } from "./Capabilities.ts"
import * as Errors from "./Errors.ts"
import * as FastDecode from "./FastDecode.ts"
import * as RateLimiter from "./RateLimiter.ts"

/**
 * Adds credentials to a request. Build one with `bearer`, `headers` or your own function.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { HttpApi } from "@unishare/core"
 * const auth: HttpApi.Auth = HttpApi.bearer(Redacted.make("token"))
 * ```
 */
export interface Auth {
  readonly apply: (request: HttpClientRequest.HttpClientRequest) => HttpClientRequest.HttpClientRequest
  /** The secret(s) behind it: used only to derive a rate-limit key, never sent anywhere else. */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /** Names of the headers that carry them: redacted wherever headers are recorded (spans, logs). */
  readonly headerNames: ReadonlyArray<string>
}

/**
 * `Authorization: Bearer <token>`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { HttpApi } from "@unishare/core"
 * HttpApi.bearer(Redacted.make(process.env.SMARTSHEET_ACCESS_TOKEN ?? ""))
 * ```
 */
export const bearer = (token: Redacted.Redacted<string>): Auth => ({
  apply: HttpClientRequest.bearerToken(token),
  secrets: [token],
  headerNames: ["authorization"]
})

/**
 * One or more secret headers, e.g. `{ "ECI-ApiKey": key }` or Cloudflare's email + global key.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { HttpApi } from "@unishare/core"
 * HttpApi.headers({ "ECI-ApiKey": Redacted.make("k") })
 * ```
 */
export const headers = (record: Readonly<Record<string, Redacted.Redacted<string>>>): Auth => ({
  apply: (request) =>
    Object.entries(record).reduce(
      (req, [name, value]) => HttpClientRequest.setHeader(req, name, Redacted.value(value)),
      request
    ),
  secrets: Object.values(record),
  headerNames: Object.keys(record).map((name) => name.toLowerCase())
})

/**
 * Retry settings: `times` retries after the first attempt, exponential from `baseMillis` capped at
 * `maxMillis`, with jitter; a `Retry-After` longer than `maxRetryAfterMillis` is not waited for.
 *
 * @example
 * ```ts
 * import type { HttpApi } from "@unishare/core"
 * const policy: HttpApi.RetryPolicy = { times: 4, baseMillis: 500, maxMillis: 8_000, maxRetryAfterMillis: 360_000 }
 * ```
 */
export interface RetryPolicy {
  readonly times: number
  readonly baseMillis: number
  readonly maxMillis: number
  readonly maxRetryAfterMillis: number
}

/**
 * The default retry policy: 4 retries, 500 ms doubling to 8 s, waits up to 6 minutes for `Retry-After`.
 *
 * @example
 * ```ts
 * import { HttpApi } from "@unishare/core"
 * const patient = { ...HttpApi.defaultRetry, times: 8 }
 * ```
 */
export const defaultRetry: RetryPolicy = { times: 4, baseMillis: 500, maxMillis: 8_000, maxRetryAfterMillis: 360_000 }

/**
 * A non-2xx answer, handed to the adapter's `classify` to become a `SharingError`.
 * `body` is the parsed JSON when the body was JSON, else the text (or `undefined` when empty).
 *
 * @example
 * ```ts
 * import type { HttpApi } from "@unishare/core"
 * const f: HttpApi.Failure = { status: 404, body: { errorCode: 1006 }, headers: {}, operation: "get" }
 * ```
 */
export interface Failure {
  readonly status: number
  readonly body: unknown
  readonly headers: Readonly<Record<string, string>>
  readonly operation: string
  readonly retryAfterMillis?: number | undefined
}

/**
 * Configuration of one provider client.
 *
 * - `classify` turns a non-2xx answer into a `SharingError` (default: `errorFromStatus`).
 * - `isTransient` says which failures may be retried (default: 408, 429, 500, 502, 503, 504).
 * - `rateLimit` is the documented budget per credential; requests wait client-side rather than hit 429.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { HttpApi } from "@unishare/core"
 * const config: HttpApi.Config = {
 *   provider: "eci", baseUrl: "https://app.energycap.com", auth: HttpApi.headers({ "ECI-ApiKey": Redacted.make("k") })
 * }
 * ```
 */
export interface Config {
  readonly provider: string
  readonly baseUrl: string
  readonly auth: Auth
  readonly timeoutMillis?: number | undefined
  readonly retry?: Partial<RetryPolicy> | undefined
  readonly rateLimit?: RateLimit | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly classify?: ((failure: Failure) => Errors.SharingError) | undefined
  readonly isTransient?: ((failure: Failure) => boolean) | undefined
}

/**
 * Query values: arrays are sent as repeated keys; `undefined` is left out.
 *
 * @example
 * ```ts
 * import type { HttpApi } from "@unishare/core"
 * const q: HttpApi.Query = { page: 1, resource_types: ["custom-ruleset", "gateway-policy"], tag: undefined }
 * ```
 */
export type Query = Readonly<
  Record<string, string | number | boolean | ReadonlyArray<string | number | boolean> | undefined>
>

/**
 * One request. `response` is the schema of a 2xx JSON body, or `"empty"` for answers with no body
 * (204). `idempotent` defaults to `true` for everything but POST; a non-idempotent request is
 * retried only when the server said it did not process it (429).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { HttpApi } from "@unishare/core"
 * const spec: HttpApi.RequestSpec<typeof Schema.Unknown> = {
 *   operation: "getShare", method: "GET", path: HttpApi.path`/api/v3/list/${42}/share`, response: Schema.Unknown
 * }
 * ```
 */
export interface RequestSpec<S extends Schema.Top> {
  readonly operation: string
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"
  readonly path: string
  readonly query?: Query | undefined
  readonly body?: unknown
  readonly response: S | "empty"
  readonly idempotent?: boolean | undefined
}

/**
 * A decoded answer with its status and headers (for providers that page in headers).
 *
 * @example
 * ```ts
 * import type { HttpApi } from "@unishare/core"
 * const r: HttpApi.Response<number> = { status: 200, headers: { totalpages: "3" }, body: 1 }
 * ```
 */
export interface Response<A> {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: A
}

/**
 * A configured provider client.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import type { HttpApi } from "@unishare/core"
 * const read = (api: HttpApi.HttpApi) =>
 *   api.json({ operation: "getShare", method: "GET", path: "/api/v3/list/1/share", response: Schema.Unknown })
 * ```
 */
export interface HttpApi {
  readonly provider: string
  readonly baseUrl: string
  readonly request: <S extends Schema.Top & { readonly DecodingServices: never }>(
    spec: RequestSpec<S>
  ) => Effect.Effect<Response<S["Type"]>, Errors.SharingError>
  readonly json: <S extends Schema.Top & { readonly DecodingServices: never }>(
    spec: RequestSpec<S>
  ) => Effect.Effect<S["Type"], Errors.SharingError>
}

/**
 * Builds a path from a template, percent-encoding every interpolated segment.
 *
 * @example
 * ```ts
 * import { HttpApi } from "@unishare/core"
 * HttpApi.path`/shares/${"a/b"}` // "/shares/a%2Fb"
 * ```
 */
export const path = (strings: TemplateStringsArray, ...segments: ReadonlyArray<string | number>): string =>
  strings.reduce((out, s, i) => out + s + (i < segments.length ? encodeURIComponent(String(segments[i])) : ""), "")

const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]", "::1"])

/**
 * Checks a base URL: it must parse, and use https unless it points at a loopback address.
 *
 * @example
 * ```ts
 * import { HttpApi } from "@unishare/core"
 * HttpApi.checkBaseUrl("http://example.com", "eci") // Effect failing with InvalidInput at baseUrl
 * ```
 */
export const checkBaseUrl = (baseUrl: string, provider: string): Effect.Effect<string, Errors.InvalidInput> => {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    return Effect.fail(Errors.invalid(provider, "configure", "baseUrl", `not a URL: ${JSON.stringify(baseUrl)}`))
  }
  const loopback = loopbackHosts.has(url.hostname) || url.hostname.startsWith("127.")
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    return Effect.fail(
      Errors.invalid(provider, "configure", "baseUrl", `must use https (plain http only for loopback): ${url.origin}`)
    )
  }
  return Effect.succeed(url.href.replace(/\/+$/, ""))
}

/**
 * The default mapping of a non-2xx status to a neutral error.
 *
 * @example
 * ```ts
 * import { HttpApi } from "@unishare/core"
 * HttpApi.errorFromStatus("eci", { status: 404, body: undefined, headers: {}, operation: "get" }, "no such list")._tag // "NotFound"
 * ```
 */
export const errorFromStatus = (
  provider: string,
  failure: Failure,
  message: string,
  extra: { readonly code?: string | undefined; readonly detail?: unknown } = {}
): Errors.SharingError => {
  const common = {
    provider,
    operation: failure.operation,
    ...(extra.detail !== undefined ? { detail: extra.detail } : {})
  }
  const s = failure.status
  if (s === 401 || s === 403) return new Errors.AccessDenied({ ...common, message })
  if (s === 404 || s === 410) return new Errors.NotFound({ ...common, message })
  if (s === 409) return new Errors.Conflict({ ...common, message })
  if (s === 429)
    return new Errors.RateLimited({
      ...common,
      message,
      ...(failure.retryAfterMillis !== undefined ? { retryAfterMillis: failure.retryAfterMillis } : {})
    })
  if (s >= 500 || s === 408) return new Errors.Unavailable({ ...common, message, status: s, maybeApplied: false })
  return new Errors.Rejected({
    ...common,
    status: s,
    message,
    ...(extra.code !== undefined ? { code: extra.code } : {})
  })
}

const transientStatuses = new Set([408, 429, 500, 502, 503, 504])

/**
 * The default transient test: 408, 429, 500, 502, 503 and 504.
 *
 * @example
 * ```ts
 * import { HttpApi } from "@unishare/core"
 * HttpApi.isTransientStatus({ status: 503, body: undefined, headers: {}, operation: "get" }) // true
 * ```
 */
export const isTransientStatus = (failure: Failure): boolean => transientStatuses.has(failure.status)

const describeBody = (body: unknown): string => {
  if (body === undefined) return ""
  const text = typeof body === "string" ? body : JSON.stringify(body)
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}

const retryAfterOf = (headers: Readonly<Record<string, string>>, now: number): number | undefined => {
  const ms = headers["retry-after-ms"]
  if (ms !== undefined && Number.isFinite(Number(ms))) return Math.max(0, Number(ms))
  const value = headers["retry-after"]
  if (value === undefined) return undefined
  const parsed = Headers.parseRetryAfter(value)
  return Result.isSuccess(parsed) ? Duration.toMillis(Headers.retryAfterDelay(parsed.success, now)) : undefined
}

const buildQuery = (query: Query | undefined): string => {
  if (query === undefined) return ""
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const v of value) params.append(key, String(v))
    else params.append(key, String(value))
  }
  const text = params.toString()
  return text === "" ? "" : `?${text}`
}

/** Outcome of one attempt that did not produce a decoded body. */
type AttemptFailure =
  | { readonly _tag: "Status"; readonly failure: Failure }
  | { readonly _tag: "Transport"; readonly message: string }
  | { readonly _tag: "Budget"; readonly message: string }

/** The rate-limit store failed: reported as `Unavailable`, never retried here, nothing sent. */
const budgetFailure = (error: RateLimiter.StoreUnavailable): AttemptFailure => ({
  _tag: "Budget",
  message: `rate-limit store unavailable: ${error.message}`
})

/**
 * Fingerprint of the credential for rate-limit keys: a truncated SHA-256, never the secret.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { HttpApi } from "@unishare/core"
 * HttpApi.credentialKey("eci", HttpApi.headers({ "ECI-ApiKey": Redacted.make("k") })).startsWith("eci:") // true
 * ```
 */
export const credentialKey = (provider: string, auth: Auth): string => {
  const hash = createHash("sha256")
  for (const secret of auth.secrets) hash.update(Redacted.value(secret)).update("\u0000")
  return `${provider}:${hash.digest("hex").slice(0, 16)}`
}

/**
 * Builds a provider client on the `HttpClient` in context.
 *
 * @example
 * ```ts
 * import { Effect, Redacted, Schema } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { HttpApi } from "@unishare/core"
 * const program = Effect.gen(function* () {
 *   const api = yield* HttpApi.make({ provider: "eci", baseUrl: "https://app.energycap.com",
 *     auth: HttpApi.headers({ "ECI-ApiKey": Redacted.make("k") }), rateLimit: { requests: 600, windowMillis: 60_000 } })
 *   return yield* api.json({ operation: "lists", method: "GET", path: "/api/v3/list", response: Schema.Unknown })
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 */
export const make = (config: Config): Effect.Effect<HttpApi, Errors.InvalidInput, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const provider = config.provider
    const baseUrl = yield* checkBaseUrl(config.baseUrl, provider)
    const client = yield* HttpClient.HttpClient
    const retry: RetryPolicy = { ...defaultRetry, ...config.retry }
    const timeoutMillis = config.timeoutMillis ?? 30_000
    const classify =
      config.classify ??
      ((failure: Failure) =>
        errorFromStatus(
          provider,
          failure,
          `${provider} answered ${failure.status} ${describeBody(failure.body)}`.trim()
        ))
    const isTransient = config.isTransient ?? isTransientStatus
    const limiterKey = config.rateLimit !== undefined ? credentialKey(provider, config.auth) : undefined

    const attempt = <S extends Schema.Top & { readonly DecodingServices: never }>(spec: RequestSpec<S>) =>
      Effect.gen(function* () {
        if (limiterKey !== undefined && config.rateLimit !== undefined) {
          yield* RateLimiter.acquire(limiterKey, config.rateLimit).pipe(Effect.mapError(budgetFailure))
        }
        let request = HttpClientRequest.make(spec.method)(`${baseUrl}${spec.path}${buildQuery(spec.query)}`).pipe(
          HttpClientRequest.acceptJson,
          HttpClientRequest.setHeaders({ "user-agent": "unishare/0.1", ...config.headers }),
          config.auth.apply
        )
        if (spec.body !== undefined) request = HttpClientRequest.bodyJsonUnsafe(request, spec.body)
        const redacted = yield* Headers.CurrentRedactedNames
        const response = yield* client.execute(request).pipe(
          Effect.provideService(Headers.CurrentRedactedNames, [...redacted, ...config.auth.headerNames]),
          Effect.timeoutOrElse({
            duration: Duration.millis(timeoutMillis),
            orElse: () =>
              Effect.fail<AttemptFailure>({ _tag: "Transport", message: `timed out after ${timeoutMillis} ms` })
          }),
          Effect.mapError(
            (e): AttemptFailure =>
              "_tag" in e && e._tag === "Transport"
                ? (e as AttemptFailure)
                : { _tag: "Transport", message: transportMessage(e) }
          )
        )
        const text = yield* response.text.pipe(
          Effect.mapError((e): AttemptFailure => ({ _tag: "Transport", message: transportMessage(e) }))
        )
        const headerRecord: Record<string, string> = { ...response.headers }
        if (response.status >= 200 && response.status < 300) {
          if (limiterKey !== undefined && config.rateLimit !== undefined) {
            yield* RateLimiter.observe(limiterKey, config.rateLimit, {
              status: response.status,
              headers: headerRecord
            }).pipe(Effect.mapError(budgetFailure))
          }
          return { status: response.status, headers: headerRecord, text }
        }
        let body: unknown = text === "" ? undefined : text
        try {
          if (text !== "") body = JSON.parse(text)
        } catch {
          // not JSON: keep the text
        }
        const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
        const retryAfterMillis = retryAfterOf(headerRecord, now)
        if (limiterKey !== undefined && config.rateLimit !== undefined) {
          // the budget learns from 429 / Retry-After / RateLimit headers (see RateLimiter.observe)
          yield* RateLimiter.observe(limiterKey, config.rateLimit, {
            status: response.status,
            headers: headerRecord,
            retryAfterMillis
          }).pipe(Effect.mapError(budgetFailure))
        }
        return yield* Effect.fail<AttemptFailure>({
          _tag: "Status",
          failure: {
            status: response.status,
            body,
            headers: headerRecord,
            operation: spec.operation,
            ...(retryAfterMillis !== undefined ? { retryAfterMillis } : {})
          }
        })
      })

    const request = <S extends Schema.Top & { readonly DecodingServices: never }>(
      spec: RequestSpec<S>
    ): Effect.Effect<Response<S["Type"]>, Errors.SharingError> => {
      const idempotent = spec.idempotent ?? spec.method !== "POST"
      const loop = (
        n: number
      ): Effect.Effect<{ status: number; headers: Record<string, string>; text: string }, Errors.SharingError> =>
        attempt(spec).pipe(
          Effect.catch((failure: AttemptFailure) =>
            Effect.gen(function* () {
              if (failure._tag === "Budget") {
                return yield* new Errors.Unavailable({
                  provider,
                  operation: spec.operation,
                  message: `${provider} ${spec.operation}: ${failure.message}`,
                  maybeApplied: false
                })
              }
              const retryable =
                failure._tag === "Transport"
                  ? idempotent
                  : isTransient(failure.failure) && (idempotent || failure.failure.status === 429)
              const retryAfter = failure._tag === "Status" ? failure.failure.retryAfterMillis : undefined
              const waitTooLong = retryAfter !== undefined && retryAfter > retry.maxRetryAfterMillis
              if (retryable && n < retry.times && !waitTooLong) {
                const backoff = Math.min(retry.maxMillis, retry.baseMillis * 2 ** n)
                const jitter = yield* Random.nextBetween(0.5, 1)
                const delay = Math.max(Math.round(backoff * jitter), retryAfter ?? 0)
                yield* Effect.annotateCurrentSpan({ [`unishare.retry.${n + 1}`]: delay })
                yield* Effect.sleep(Duration.millis(delay))
                return yield* loop(n + 1)
              }
              const attempts = n + 1
              if (failure._tag === "Transport") {
                return yield* new Errors.Unavailable({
                  provider,
                  operation: spec.operation,
                  message: `${provider} ${spec.operation}: ${failure.message} (${attempts} attempt${attempts === 1 ? "" : "s"})`,
                  maybeApplied: !idempotent
                })
              }
              const error = classify(failure.failure)
              if (error._tag === "Unavailable" && !idempotent && failure.failure.status !== 429) {
                return yield* new Errors.Unavailable({
                  provider: error.provider,
                  operation: error.operation,
                  message: error.message,
                  ...(error.status !== undefined ? { status: error.status } : {}),
                  ...(error.detail !== undefined ? { detail: error.detail } : {}),
                  maybeApplied: true
                })
              }
              return yield* Effect.fail(error)
            })
          )
        )
      return loop(0).pipe(
        Effect.flatMap(({ status, headers, text }) =>
          decodeBody(provider, spec, status, text).pipe(Effect.map((body) => ({ status, headers, body })))
        ),
        Effect.withSpan(`${provider}.${spec.operation}`, {
          attributes: { "http.request.method": spec.method, "unishare.provider": provider, "url.path": spec.path }
        })
      )
    }

    return {
      provider,
      baseUrl,
      request,
      json: (spec) => Effect.map(request(spec), (r) => r.body)
    } satisfies HttpApi
  })

const transportMessage = (e: unknown): string => {
  if (typeof e === "object" && e !== null && "reason" in e) {
    const reason = (e as { reason: { _tag?: string; description?: string } }).reason
    return `${reason._tag ?? "transport error"}${reason.description !== undefined ? `: ${reason.description}` : ""}`
  }
  return "transport error"
}

const decodeBody = <S extends Schema.Top & { readonly DecodingServices: never }>(
  provider: string,
  spec: RequestSpec<S>,
  status: number,
  text: string
): Effect.Effect<S["Type"], Errors.ProtocolError> => {
  if (spec.response === "empty") return Effect.succeed(undefined as S["Type"])
  const schema = spec.response
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return Effect.fail(
      new Errors.ProtocolError({
        provider,
        operation: spec.operation,
        status,
        message: `${provider} ${spec.operation}: expected a JSON body, got ${JSON.stringify(describeBody(text))}`
      })
    )
  }
  // a wire schema's hand-written fast path, when it recognises the body (see FastDecode)
  const fast = FastDecode.fastPathOf(schema)
  if (fast !== undefined) {
    const value = fast(json)
    if (value !== undefined) return Effect.succeed(value as S["Type"])
  }
  return Effect.mapError(
    decodeUnknown(schema, json),
    (error) =>
      new Errors.ProtocolError({
        provider,
        operation: spec.operation,
        status,
        message: `${provider} ${spec.operation}: response does not match the documented schema: ${error.message}`
      })
  )
}

const decodeUnknown = <Sc extends Schema.Top & { readonly DecodingServices: never }>(schema: Sc, input: unknown) =>
  Schema.decodeUnknownEffect(schema)(input) as Effect.Effect<Sc["Type"], Schema.SchemaError>

/**
 * Runs a create that must not be repeated blindly: when it fails with `Unavailable` and
 * `maybeApplied`, `check` looks for the result first, and only when nothing is found is the
 * create sent again (once).
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { HttpApi } from "@unishare/core"
 * const created = HttpApi.createOnce({ create: Effect.succeed("share-1"), check: Effect.succeed(Option.none()) })
 * ```
 */
export const createOnce = <A, R1, R2>(options: {
  readonly create: Effect.Effect<A, Errors.SharingError, R1>
  readonly check: Effect.Effect<Option.Option<A>, Errors.SharingError, R2>
}): Effect.Effect<A, Errors.SharingError, R1 | R2> =>
  options.create.pipe(
    Effect.catchIf(
      (e): e is Errors.Unavailable => e._tag === "Unavailable" && e.maybeApplied,
      () =>
        Effect.flatMap(options.check, (found) => (Option.isSome(found) ? Effect.succeed(found.value) : options.create))
    )
  )
