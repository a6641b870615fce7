/**
 * The HTTP toolkit adapters configure instead of re-implementing: base URL checks, auth from a
 * `Redacted` secret, timeouts, retries of transient failures with exponential backoff + jitter that
 * honour `Retry-After`, no blind retry of writes that may have been applied, a client-side rate
 * limit per credential, a span per operation, and HTTP status → `SharingError` mapping.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import {
  Clock,
  Context,
  Duration,
  Effect,
  type Exit,
  type Fiber,
  Option,
  Random,
  Redacted,
  Result,
  Schema,
  Tracer
} from "effect"
import { Headers, HttpClient, HttpClientRequest } from "effect/http"
import type { RateLimit } from "./Capabilities.ts"
import * as Errors from "./Errors.ts"
import * as FastDecode from "./FastDecode.ts"
import * as FetchTransport from "./FetchTransport.ts"
import * as HttpPath from "./HttpPath.ts"
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
  /** The secret(s) behind it: checked at construction, used for a rate-limit key, scrubbed from messages. */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
  /** Names of the headers that carry them: redacted wherever headers are recorded (spans, logs). */
  readonly headerNames: ReadonlyArray<string>
  /**
   * The configuration variable behind each secret (same order as `secrets`), named in the
   * `InvalidInput` of a credential that cannot be sent; the header name when absent.
   */
  readonly variables?: ReadonlyArray<string> | undefined
  /**
   * `true` when `apply` only sets headers that do not depend on the request (as `bearer` and
   * `headers` do): `HttpApi` then applies it once, to the template every request starts from,
   * instead of to each request.
   */
  readonly constant?: boolean | undefined
}

/**
 * `Authorization: Bearer <token>`; `variable` names the setting in errors (default `token`).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { HttpApi } from "@unishare/core"
 * HttpApi.bearer(Redacted.make(process.env.SMARTSHEET_ACCESS_TOKEN ?? ""), "SMARTSHEET_ACCESS_TOKEN")
 * ```
 */
export const bearer = (token: Redacted.Redacted<string>, variable = "token"): Auth => ({
  apply: HttpClientRequest.bearerToken(token),
  secrets: [token],
  headerNames: ["authorization"],
  variables: [variable],
  constant: true
})

/**
 * One or more secret headers, e.g. `{ "ECI-ApiKey": key }` or Cloudflare's email + global key;
 * `variables` names the setting behind each header in errors (default: the header name).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { HttpApi } from "@unishare/core"
 * HttpApi.headers({ "ECI-ApiKey": Redacted.make("k") }, { "ECI-ApiKey": "apiKey" })
 * ```
 */
export const headers = (
  record: Readonly<Record<string, Redacted.Redacted<string>>>,
  variables: Readonly<Record<string, string>> = {}
): Auth => ({
  apply: (request) =>
    Object.entries(record).reduce(
      (req, [name, value]) => HttpClientRequest.setHeader(req, name, Redacted.value(value)),
      request
    ),
  secrets: Object.values(record),
  headerNames: Object.keys(record).map((name) => name.toLowerCase()),
  variables: Object.keys(record).map((name) => variables[name] ?? name),
  constant: true
})

/**
 * The reason a credential cannot be sent in an HTTP header, or `undefined` when it can: CR, LF and
 * NUL are refused by every HTTP stack (whose error text would then quote the header, secret
 * included), and header values are Latin-1.
 *
 * @example
 * ```ts
 * import { HttpApi } from "@unishare/core"
 * HttpApi.credentialProblem("abc\n") // "contains a line break, NUL or another control character"
 * ```
 */
export const credentialProblem = (value: string): string | undefined => {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code === 0x7f || (code < 0x20 && code !== 0x09)) {
      return "contains a line break, NUL or another control character"
    }
    if (code > 0xff) return "contains a character outside Latin-1, which an HTTP header cannot carry"
  }
  return undefined
}

/**
 * Checks every secret of an `Auth` before anything is sent: `InvalidInput` naming the variable
 * (never the value) for a credential that cannot be an HTTP header value.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { HttpApi } from "@unishare/core"
 * HttpApi.checkAuth(HttpApi.headers({ "ECI-ApiKey": Redacted.make("k\r\n") }, { "ECI-ApiKey": "apiKey" }), "eci")
 * // fails with InvalidInput at apiKey
 * ```
 */
export const checkAuth = (auth: Auth, provider: string): Effect.Effect<Auth, Errors.InvalidInput> => {
  const issues: Array<Errors.Issue> = []
  auth.secrets.forEach((secret, i) => {
    const found = credentialProblem(Redacted.value(secret))
    if (found !== undefined) {
      const variable = auth.variables?.[i] ?? auth.headerNames[i] ?? `credential ${i + 1}`
      issues.push({ path: variable, message: `the credential ${found}` })
    }
  })
  return issues.length === 0
    ? Effect.succeed(auth)
    : Effect.fail(new Errors.InvalidInput({ provider, operation: "configure", issues }))
}

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
 * Builds a path from a template, percent-encoding every interpolated segment (see `HttpPath`:
 * every request path is checked for empty, `.`, `..` and non-Unicode segments before it is sent).
 *
 * @example
 * ```ts
 * import { HttpApi } from "@unishare/core"
 * HttpApi.path`/shares/${"a/b"}` // "/shares/a%2Fb"
 * ```
 */
export const path = HttpPath.path

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
  // 127.0.0.0/8 as an IPv4 literal only: a name such as 127.evil.example is not loopback
  const loopback = loopbackHosts.has(url.hostname) || /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(url.hostname)
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
  /** A 2xx we cannot read: HTML, malformed or truncated JSON, a content type that is not JSON. */
  | { readonly _tag: "Garbled"; readonly status: number; readonly message: string }
  /** A 2xx JSON body that does not match the documented schema. */
  | { readonly _tag: "Mismatch"; readonly status: number; readonly message: string }
  /** The rate-limit store failed. */
  | { readonly _tag: "Budget"; readonly message: string }

interface Decoded<A> {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: A
}
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

const tracerDisabled = () => true

/** The clock and tracer a program gets when it installs none (`Clock.Clock`, `Tracer.Tracer` defaults). */
const defaultClock = Context.get(Context.empty(), Clock.Clock)
const defaultTracer = Context.get(Context.empty(), Tracer.Tracer)
const maxTimerMillis = 2 ** 31 - 1

/**
 * `effect` under a deadline of `millis`, failing with `timedOut` when it passes (the effect is
 * interrupted, which aborts its request). On the default clock this costs one child fiber and one
 * timer, where `Effect.timeoutOrElse` races two fibers (one of them a sleeper), a measurable share
 * of a loopback request; under any other clock (`TestClock`) it is `Effect.timeoutOrElse`, so the
 * deadline follows that clock.
 */
const withDeadline = <A, E>(
  effect: Effect.Effect<A, E>,
  millis: number,
  timedOut: Effect.Effect<never, E>
): Effect.Effect<A, E> =>
  Effect.withFiber((fiber) => {
    if (fiber.getRef(Clock.Clock) !== defaultClock || millis > maxTimerMillis) {
      return Effect.timeoutOrElse(effect, { duration: Duration.millis(millis), orElse: () => timedOut })
    }
    return Effect.flatMap(Effect.forkChild(effect, { startImmediately: true }), (child) =>
      Effect.callback<A, E>((resume) => {
        let settled = false
        const settle = (exit: Effect.Effect<A, E>) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          resume(exit)
        }
        const timer = setTimeout(() => {
          settle(timedOut)
          child.interruptUnsafe(fiber.id)
        }, millis)
        child.addObserver((exit: Exit.Exit<A, E>) => settle(exit))
        return Effect.sync(() => {
          settled = true
          clearTimeout(timer)
          child.interruptUnsafe(fiber.id)
        })
      })
    )
  })
const isWriteMethod = (method: RequestSpec<Schema.Top>["method"]) => method !== "GET"

/**
 * Builds a provider client on the `HttpClient` in context: any layer works; over
 * `FetchTransport.layer`'s client (on the real clock, with a `constant` auth such as `bearer` or
 * `headers`) it sends with `fetch` itself, which costs a fraction of the generic path's CPU (see
 * `FetchTransport`).
 *
 * Every attempt runs under one deadline (`timeoutMillis`, default 30 s) that covers the whole
 * exchange: connecting, the headers, the body and its decoding; a server that stalls half-way
 * through a body fails the attempt like a dropped connection. Over `FetchTransport` the deadline
 * is one timer that aborts the request; over any other client it interrupts the exchange.
 *
 * Outcomes of writes (every method but GET) are honest: an answer that leaves open whether the
 * write landed — a 5xx after retries, a reset or timeout, a 2xx whose body cannot be read (HTML,
 * malformed or truncated JSON, a content type that is not JSON, a body off the schema) — is
 * `Unavailable { maybeApplied: true }`; pair the write with `confirmWrite` to turn it into the
 * answer the state gives. A read answered by an unreadable 2xx is retried like a 5xx.
 *
 * Credentials never reach a span: the request carrying them is executed with the `HttpClient`'s
 * own span disabled, and the operation's span (made only when a tracer is installed: the default
 * one records nothing) (`<provider>.<operation>`, with the method, path,
 * status and retries as attributes, and W3C trace context propagated to the server) sees only the
 * secret-free request description. A credential that cannot be a header value (CR, LF, NUL,
 * outside Latin-1) is refused here with `InvalidInput` naming its variable.
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
    yield* checkAuth(config.auth, provider)
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
    const redactedNames = [...(yield* Headers.CurrentRedactedNames), ...config.auth.headerNames]
    const secretValues = config.auth.secrets.map((s) => Redacted.value(s)).filter((v) => v.length >= 4)
    const scrub = (text: string): string =>
      secretValues.reduce((out, secret) => out.split(secret).join("<redacted>"), text)
    const fixedHeaders = { accept: "application/json", "user-agent": "unishare/0.1", ...config.headers }
    const timedOutFailure: AttemptFailure = { _tag: "Transport", message: `timed out after ${timeoutMillis} ms` }
    const timedOut = Effect.fail(timedOutFailure)
    const toTransport = (e: unknown): AttemptFailure => ({ _tag: "Transport", message: scrub(transportMessage(e)) })
    const sendFailure = (failure: FetchTransport.SendFailure): AttemptFailure =>
      failure._tag === "TimedOut"
        ? timedOutFailure
        : {
            _tag: "Transport",
            message: scrub(failure.cause === undefined ? failure.reason : `${failure.reason}: ${failure.cause}`)
          }
    const direct = FetchTransport.isDirect(client)
    /** The base URL as messages show it: origin and path (never user info or a query). */
    const shownBase = (() => {
      const u = new URL(baseUrl)
      return `${u.origin}${u.pathname}`.replace(/\/+$/, "")
    })()

    // Everything about a request that does not depend on the request is built here, once: the
    // fixed headers (with the credentials when the `Auth` is `constant`), one template request per
    // method, and the context the exchange runs in (the `HttpClient`'s own span off, the auth
    // headers redacted wherever headers are recorded).
    const blank = HttpClientRequest.setHeaders(HttpClientRequest.get(""), fixedHeaders)
    const applied = config.auth.constant === true ? config.auth.apply(blank) : blank
    // an auth that says it is constant but touches more than the headers is applied per request
    const constantAuth =
      config.auth.constant === true &&
      applied.url === "" &&
      applied.method === "GET" &&
      applied.body._tag === "Empty" &&
      applied.urlParams.params.length === 0 &&
      Option.isNone(applied.hash)
    const withAuth = constantAuth ? applied : blank
    const templates: Record<RequestSpec<Schema.Top>["method"], HttpClientRequest.HttpClientRequest> = {
      GET: withAuth,
      POST: HttpClientRequest.setMethod(withAuth, "POST"),
      PUT: HttpClientRequest.setMethod(withAuth, "PUT"),
      PATCH: HttpClientRequest.setMethod(withAuth, "PATCH"),
      DELETE: HttpClientRequest.setMethod(withAuth, "DELETE")
    }
    const exchangeContext = Context.make(HttpClient.TracerDisabledWhen, tracerDisabled).pipe(
      Context.add(Headers.CurrentRedactedNames, redactedNames)
    )
    const observeBudget =
      limiterKey !== undefined && config.rateLimit !== undefined
        ? (feedback: RateLimiter.Feedback) =>
            Effect.mapError(RateLimiter.observe(limiterKey, config.rateLimit!, feedback), budgetFailure)
        : undefined
    /**
     * `send` within the budget: confirmed just before it goes, in flight until it ended however it
     * ended, then settled (see `RateLimiter.acquire` and `RateLimiter.settle`).
     */
    const withinBudget =
      limiterKey !== undefined && config.rateLimit !== undefined
        ? <A>(send: Effect.Effect<A, AttemptFailure>): Effect.Effect<A, AttemptFailure> =>
            Effect.flatMap(
              Effect.mapError(RateLimiter.acquire(limiterKey, config.rateLimit!, { timeoutMillis }), budgetFailure),
              (sentAt) =>
                Effect.ensuring(send, Effect.ignore(RateLimiter.settle(limiterKey, config.rateLimit!, sentAt)))
            )
        : undefined

    /** The outcome of an answer read to its end: decoded, or why not. */
    const answer = <S extends Schema.Top & { readonly DecodingServices: never }>(
      spec: RequestSpec<S>,
      status: number,
      headerRecord: Record<string, string>,
      text: string
    ): Effect.Effect<Decoded<S["Type"]>, AttemptFailure> => {
      if (status >= 200 && status < 300) {
        const decoded = decodeAnswer(spec, status, headerRecord, text)
        // the budget learns from the provider's RateLimit headers before any 429
        return observeBudget === undefined
          ? decoded
          : Effect.andThen(observeBudget({ status, headers: headerRecord }), decoded)
      }
      let body: unknown = text === "" ? undefined : text
      try {
        if (text !== "") body = JSON.parse(text)
      } catch {
        // not JSON: keep the text
      }
      return Effect.clockWith((clock) => {
        const retryAfterMillis = retryAfterOf(headerRecord, clock.currentTimeMillisUnsafe())
        const failed = Effect.fail<AttemptFailure>({
          _tag: "Status",
          failure: {
            status,
            body,
            headers: headerRecord,
            operation: spec.operation,
            ...(retryAfterMillis !== undefined ? { retryAfterMillis } : {})
          }
        })
        // the budget learns from 429 / Retry-After / RateLimit headers (see RateLimiter.observe)
        return observeBudget === undefined
          ? failed
          : Effect.andThen(observeBudget({ status, headers: headerRecord, retryAfterMillis }), failed)
      })
    }

    /** W3C trace context of the operation's span (the client's own span, which would see the credentials, is off). */
    const traceparentOf = (fiber: Fiber.Fiber<unknown, unknown>): string | undefined => {
      const span = Context.getOrUndefined(fiber.context, Tracer.ParentSpan)
      return span !== undefined && fiber.getRef(HttpClient.TracerPropagationEnabled)
        ? `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`
        : undefined
    }

    /** One attempt with `fetch` itself (the client is `FetchTransport.layer`'s), under one timer that aborts it. */
    const attemptDirect = <S extends Schema.Top & { readonly DecodingServices: never }>(
      spec: RequestSpec<S>,
      url: string
    ): Effect.Effect<Decoded<S["Type"]>, AttemptFailure> => {
      const send = Effect.withFiber((fiber) => {
        const traceparent = traceparentOf(fiber)
        let headers: Readonly<Record<string, string>> = templates[spec.method].headers
        if (traceparent !== undefined) headers = { ...headers, traceparent }
        let body: string | undefined
        if (spec.body !== undefined) {
          body = JSON.stringify(spec.body)
          headers = { ...headers, "content-type": "application/json" }
        }
        return Effect.flatMap(
          Effect.mapError(FetchTransport.send({ method: spec.method, url, headers, body }, timeoutMillis), sendFailure),
          (answered) => answer(spec, answered.status, answered.headers, answered.text)
        )
      })
      return withinBudget === undefined ? send : withinBudget(send)
    }

    /** One attempt over the `HttpClient` in context, under a deadline that interrupts it. */
    const attemptGeneric = <S extends Schema.Top & { readonly DecodingServices: never }>(
      spec: RequestSpec<S>,
      url: string
    ): Effect.Effect<Decoded<S["Type"]>, AttemptFailure> => {
      const send = Effect.withFiber((fiber) => {
        let request = HttpClientRequest.setUrl(templates[spec.method], url)
        const traceparent = traceparentOf(fiber)
        if (traceparent !== undefined) request = HttpClientRequest.setHeader(request, "traceparent", traceparent)
        if (spec.body !== undefined) request = HttpClientRequest.bodyJsonUnsafe(request, spec.body)
        if (!constantAuth) request = config.auth.apply(request)
        const exchange = Effect.flatMap(Effect.mapError(client.execute(request), toTransport), (response) =>
          Effect.flatMap(Effect.mapError(response.text, toTransport), (text) =>
            answer(spec, response.status, { ...response.headers }, text)
          )
        )
        return withDeadline(exchange, timeoutMillis, timedOut)
      })
      return withinBudget === undefined ? send : withinBudget(send)
    }

    const request = <S extends Schema.Top & { readonly DecodingServices: never }>(
      spec: RequestSpec<S>
    ): Effect.Effect<Response<S["Type"]>, Errors.SharingError> => {
      const invalidPath = HttpPath.problem(spec.path)
      if (invalidPath !== undefined) {
        return Effect.fail(Errors.invalid(provider, spec.operation, "path", `request path ${invalidPath}`))
      }
      const url = `${baseUrl}${spec.path}${buildQuery(spec.query)}`
      const write = isWriteMethod(spec.method)
      const idempotent = spec.idempotent ?? spec.method !== "POST"
      const attemptCount = (n: number) => `${n} attempt${n === 1 ? "" : "s"}`
      const loop = (attempt: typeof attemptDirect, n: number): Effect.Effect<Decoded<S["Type"]>, Errors.SharingError> =>
        attempt(spec, url).pipe(
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
                  : failure._tag === "Garbled"
                    ? !write
                    : failure._tag === "Mismatch"
                      ? false
                      : isTransient(failure.failure) && (idempotent || failure.failure.status === 429)
              const retryAfter = failure._tag === "Status" ? failure.failure.retryAfterMillis : undefined
              const waitTooLong = retryAfter !== undefined && retryAfter > retry.maxRetryAfterMillis
              if (retryable && n < retry.times && !waitTooLong) {
                const backoff = Math.min(retry.maxMillis, retry.baseMillis * 2 ** n)
                const jitter = yield* Random.nextBetween(0.5, 1)
                const delay = Math.max(Math.round(backoff * jitter), retryAfter ?? 0)
                yield* Effect.annotateCurrentSpan(`unishare.retry.${n + 1}`, delay)
                yield* Effect.sleep(Duration.millis(delay))
                return yield* loop(attempt, n + 1)
              }
              const common = { provider, operation: spec.operation }
              switch (failure._tag) {
                case "Transport":
                  return yield* new Errors.Unavailable({
                    ...common,
                    // where it went (origin and path: no credentials, no query) and why
                    message: `${provider} ${spec.operation}: ${failure.message} (${spec.method} ${scrub(`${shownBase}${spec.path}`)}; ${attemptCount(n + 1)})`,
                    maybeApplied: write
                  })
                case "Garbled":
                case "Mismatch":
                  if (write) {
                    return yield* new Errors.Unavailable({
                      ...common,
                      status: failure.status,
                      message: `${provider} ${spec.operation}: the write was answered ${failure.status} but the answer cannot be read (${failure.message}); it has probably been applied`,
                      maybeApplied: true
                    })
                  }
                  return yield* new Errors.ProtocolError({
                    ...common,
                    status: failure.status,
                    message: `${provider} ${spec.operation}: ${failure.message} (${attemptCount(n + 1)})`
                  })
                case "Status": {
                  const error = classify(failure.failure)
                  if (error._tag === "Unavailable" && write && failure.failure.status !== 429) {
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
                }
              }
            })
          )
        )
      // the default tracer records nothing: without an installed one, the span would be made and dropped
      return Effect.withFiber((fiber) => {
        // `fetch` itself when the client is `FetchTransport.layer`'s, the credentials are constant
        // headers and the deadline can be a real timer; else the `HttpClient` in context, in the
        // context its requests need
        const attempts =
          direct && constantAuth && timeoutMillis <= maxTimerMillis && fiber.getRef(Clock.Clock) === defaultClock
            ? loop(attemptDirect, 0)
            : Effect.provideContext(loop(attemptGeneric, 0), exchangeContext)
        return fiber.getRef(Tracer.Tracer) === defaultTracer
          ? attempts
          : attempts.pipe(
              Effect.tap((r) => Effect.annotateCurrentSpan("http.response.status_code", r.status)),
              Effect.withSpan(
                `${provider}.${spec.operation}`,
                {
                  kind: "client",
                  attributes: {
                    "http.request.method": spec.method,
                    "unishare.provider": provider,
                    "url.path": spec.path
                  }
                },
                { captureStackTrace: false }
              )
            )
      })
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
    const reason = (e as { reason: { _tag?: string; description?: string; cause?: unknown } }).reason
    const cause = reason.cause === undefined ? undefined : FetchTransport.causeOf(reason.cause)
    const detail = [reason.description, cause].filter((d) => d !== undefined && d !== "").join(": ")
    return `${reason._tag ?? "transport error"}${detail !== "" ? `: ${detail}` : ""}`
  }
  return "transport error"
}

const decoders = new WeakMap<Schema.Top, (input: unknown) => Result.Result<unknown, Schema.SchemaError>>()

const decoderOf = (schema: Schema.Top & { readonly DecodingServices: never }) => {
  let decode = decoders.get(schema)
  if (decode === undefined) {
    decode = Schema.decodeUnknownResult(schema as Schema.Codec<unknown, unknown>)
    decoders.set(schema, decode)
  }
  return decode
}

const jsonType = /[/+]json\b/i

/** Decodes a 2xx answer: the documented schema, or `Garbled` / `Mismatch`. */
const decodeAnswer = <S extends Schema.Top & { readonly DecodingServices: never }>(
  spec: RequestSpec<S>,
  status: number,
  headers: Record<string, string>,
  text: string
): Effect.Effect<Decoded<S["Type"]>, AttemptFailure> => {
  const contentType = headers["content-type"]
  if (spec.response === "empty") {
    // the body is not used, but one that is not JSON (an HTML page, a broken or cut body) says the
    // answer may not come from the API at all
    if (text !== "") {
      let readable = contentType === undefined || jsonType.test(contentType)
      if (readable) {
        try {
          JSON.parse(text)
        } catch {
          readable = false
        }
      }
      if (!readable) {
        return Effect.fail({
          _tag: "Garbled",
          status,
          message: `answered ${status} with a body that is not JSON (${JSON.stringify(contentType ?? "no content type")}): ${JSON.stringify(describeBody(text))}`
        })
      }
    }
    return Effect.succeed({ status, headers, body: undefined as S["Type"] })
  }
  if (contentType !== undefined && !jsonType.test(contentType)) {
    return Effect.fail({
      _tag: "Garbled",
      status,
      message: `expected a JSON body, got content type ${JSON.stringify(contentType)}: ${JSON.stringify(describeBody(text))}`
    })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return Effect.fail({
      _tag: "Garbled",
      status,
      message: `expected a JSON body, got ${JSON.stringify(describeBody(text))}`
    })
  }
  // a wire schema's hand-written fast path, when it recognises the body (see FastDecode)
  const fast = FastDecode.fastPathOf(spec.response)
  if (fast !== undefined) {
    const value = fast(json)
    if (value !== undefined) return Effect.succeed({ status, headers, body: value as S["Type"] })
  }
  const decoded = decoderOf(spec.response)(json)
  if (Result.isSuccess(decoded)) return Effect.succeed({ status, headers, body: decoded.success as S["Type"] })
  return Effect.fail({
    _tag: "Mismatch",
    status,
    message: `response does not match the documented schema: ${decoded.failure.message}`
  })
}

const settle = <A, R1, R2>(
  write: Effect.Effect<A, Errors.SharingError, R1>,
  check: Effect.Effect<Option.Option<A>, Errors.SharingError, R2>,
  resendAfterReset: boolean
): Effect.Effect<A, Errors.SharingError, R1 | R2> => {
  const checked = (error: Errors.Unavailable, resend: boolean): Effect.Effect<A, Errors.SharingError, R1 | R2> =>
    check.pipe(
      Effect.catch(() => Effect.succeed(undefined)),
      Effect.flatMap((found) => {
        if (found !== undefined && Option.isSome(found)) return Effect.succeed(found.value)
        if (found !== undefined && resend && (resendAfterReset || error.status !== undefined)) {
          return write.pipe(
            Effect.catchIf(
              (e): e is Errors.Unavailable => e._tag === "Unavailable" && e.maybeApplied,
              (again) => checked(again, false)
            )
          )
        }
        return Effect.fail(error)
      })
    )
  return write.pipe(
    Effect.catchIf(
      (e): e is Errors.Unavailable => e._tag === "Unavailable" && e.maybeApplied,
      (error) => checked(error, true)
    )
  )
}

/**
 * Runs a write whose answer may leave open whether it landed. When it fails with `Unavailable`
 * and `maybeApplied`, `check` reads the state: when it shows the write, that is the result; when
 * it does not, and the server did answer (a status, so the request is no longer in flight), the
 * write is sent once more (itself checked the same way); otherwise — a reset or timeout, where the
 * first request could still land — the result stays `Unavailable { maybeApplied: true }`. A check
 * that fails leaves the original error. The adapter only supplies the read.
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { HttpApi } from "@unishare/core"
 * const updated = HttpApi.confirmWrite({ write: Effect.succeed("share-1"), check: Effect.succeed(Option.none()) })
 * ```
 */
export const confirmWrite = <A, R1, R2>(options: {
  readonly write: Effect.Effect<A, Errors.SharingError, R1>
  readonly check: Effect.Effect<Option.Option<A>, Errors.SharingError, R2>
}): Effect.Effect<A, Errors.SharingError, R1 | R2> => settle(options.write, options.check, false)

/**
 * `confirmWrite` for a create the provider makes idempotent (Smartsheet's array POST skips what
 * already exists; a create refused as a duplicate): when `check` finds nothing, the create is sent
 * once more even after a reset or timeout, since a late first request cannot make a second share.
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
}): Effect.Effect<A, Errors.SharingError, R1 | R2> => settle(options.create, options.check, true)
