/**
 * The `fetch` transport `HttpApi` drives directly. `layer` provides effect's own `FetchHttpClient`
 * — anything else that needs an `HttpClient` gets exactly that — marked so that `HttpApi` sends its
 * requests with `fetch` itself (`send`): one `AbortController` and one timer per attempt, whose
 * expiry aborts the request wherever it is (connecting, waiting for the headers, reading the
 * body). Over a generic `HttpClient`, every request also builds effect's request and response
 * wrappers, parses its URL again, registers the response for finalization, merges the layer's
 * context and forks a child fiber for the deadline: on a loopback request that is about half the
 * CPU of the request itself (`pnpm bench:http`). Hand-written because that cost is what it saves;
 * it keeps `FetchHttpClient`'s inputs: the `FetchHttpClient.Fetch` implementation and the
 * `FetchHttpClient.RequestInit` defaults in context.
 *
 * `HttpApi` works over any `HttpClient` layer; over this one it is as cheap as it can be.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import { FetchHttpClient, Headers, HttpClient } from "effect/http"

const direct = new WeakSet<HttpClient.HttpClient>()

/**
 * `FetchHttpClient.layer`, with its client marked for `HttpApi` to drive with `send`.
 *
 * @example
 * ```ts
 * import { Effect, Redacted, Schema } from "effect"
 * import { FetchTransport, HttpApi } from "@unishare/core"
 * const program = Effect.gen(function* () {
 *   const api = yield* HttpApi.make({ provider: "eci", baseUrl: "https://app.energycap.com",
 *     auth: HttpApi.headers({ "ECI-ApiKey": Redacted.make("k") }) })
 *   return yield* api.json({ operation: "lists", method: "GET", path: "/api/v3/list", response: Schema.Unknown })
 * }).pipe(Effect.provide(FetchTransport.layer))
 * ```
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.effect(
  HttpClient.HttpClient,
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    direct.add(client)
    return client
  })
).pipe(Layer.provide(FetchHttpClient.layer))

/**
 * `true` for the client of `layer`, which `send` may stand in for.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpClient } from "effect/http"
 * import { FetchTransport } from "@unishare/core"
 * const check = Effect.map(Effect.service(HttpClient.HttpClient), FetchTransport.isDirect).pipe(
 *   Effect.provide(FetchTransport.layer)
 * ) // true
 * ```
 */
export const isDirect = (client: HttpClient.HttpClient): boolean => direct.has(client)

/**
 * What `send` sends: a complete URL, header names in lower case, an already encoded body.
 *
 * @example
 * ```ts
 * import type { FetchTransport } from "@unishare/core"
 * const out: FetchTransport.Outgoing = { method: "GET", url: "https://example.com/a", headers: { accept: "application/json" }, body: undefined }
 * ```
 */
export interface Outgoing {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string | undefined
}

/**
 * An answer read to its end: the status, the headers (names in lower case) and the body text.
 *
 * @example
 * ```ts
 * import type { FetchTransport } from "@unishare/core"
 * const answer: FetchTransport.Incoming = { status: 200, headers: { "content-type": "application/json" }, text: "{}" }
 * ```
 */
export interface Incoming {
  readonly status: number
  readonly headers: Record<string, string>
  readonly text: string
}

/**
 * Why `send` got no complete answer: the deadline passed (the request was aborted), the request
 * failed (`TransportError`), or the body could not be read to its end (`DecodeError`) — the
 * reasons `FetchHttpClient` gives the same failures.
 *
 * @example
 * ```ts
 * import type { FetchTransport } from "@unishare/core"
 * const failure: FetchTransport.SendFailure = { _tag: "TimedOut" }
 * ```
 */
export type SendFailure =
  | { readonly _tag: "TimedOut" }
  | {
      readonly _tag: "Failed"
      readonly reason: "TransportError" | "DecodeError"
      /** Why the request failed, when known (see `causeOf`): `ECONNREFUSED`, `ENOTFOUND`, a TLS error, … */
      readonly cause?: string
    }

const timedOut: SendFailure = { _tag: "TimedOut" }
const transportError: SendFailure = { _tag: "Failed", reason: "TransportError" }
const decodeError: SendFailure = { _tag: "Failed", reason: "DecodeError" }

/**
 * The root cause of a failed request, as short text: the first error code in the chain of causes
 * (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, …), else the innermost message (a TLS error, "bad
 * port"); `undefined` when there is neither. Follows `cause` and effect's `reason`.
 *
 * @example
 * ```ts
 * import { FetchTransport } from "@unishare/core"
 * FetchTransport.causeOf(new Error("fetch failed", { cause: { code: "ECONNREFUSED" } })) // "ECONNREFUSED"
 * ```
 */
export const causeOf = (error: unknown): string | undefined => {
  let current: unknown = error
  let text: string | undefined
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown; reason?: unknown }
    if (typeof e.code === "string" && e.code !== "") return e.code
    if (typeof e.message === "string" && e.message !== "") text = e.message
    current = e.cause ?? (typeof e.reason === "object" ? e.reason : undefined)
  }
  return text
}

/** A failed `fetch`, with its root cause when there is one. */
const transportFailure = (e: unknown): SendFailure => {
  const cause = causeOf(e)
  return cause === undefined ? transportError : { ...transportError, cause }
}

const recordOf = (headers: globalThis.Headers): Record<string, string> => {
  const record: Record<string, string> = {}
  headers.forEach((value, name) => {
    record[name] = value
  })
  return record
}

/**
 * Sends one request with the `fetch` in context and reads its body, all under one deadline of
 * `timeoutMillis` (at most 2^31 − 1, a timer's range) on the real clock: when it passes, the
 * request is aborted wherever it is and the result is `TimedOut`. Interrupting the effect aborts
 * the request too.
 *
 * @example
 * ```ts
 * import { FetchTransport } from "@unishare/core"
 * const answer = FetchTransport.send(
 *   { method: "GET", url: "https://example.com/", headers: {}, body: undefined },
 *   30_000
 * )
 * ```
 */
export const send = (outgoing: Outgoing, timeoutMillis: number): Effect.Effect<Incoming, SendFailure> =>
  Effect.withFiber((fiber) => {
    const fetch = fiber.getRef(FetchHttpClient.Fetch)
    const defaults = Context.getOrUndefined(fiber.context, FetchHttpClient.RequestInit)
    return Effect.callback<Incoming, SendFailure>((resume) => {
      const controller = new AbortController()
      let settled = false
      const settle = (result: Effect.Effect<Incoming, SendFailure>) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        resume(result)
      }
      const timer = setTimeout(() => {
        settle(Effect.fail(timedOut))
        controller.abort()
      }, timeoutMillis)
      const init: RequestInit =
        defaults === undefined
          ? {
              method: outgoing.method,
              headers: outgoing.headers,
              body: outgoing.body ?? null,
              signal: controller.signal
            }
          : {
              ...defaults,
              method: outgoing.method,
              headers:
                defaults.headers === undefined
                  ? outgoing.headers
                  : Headers.merge(
                      Headers.fromInput(defaults.headers as Headers.Input),
                      Headers.fromInput(outgoing.headers)
                    ),
              body: outgoing.body ?? null,
              signal: controller.signal
            }
      let started: Promise<Response>
      try {
        started = fetch(outgoing.url, init)
      } catch {
        settle(Effect.fail(transportError))
        return
      }
      started.then(
        (response) => {
          const status = response.status
          const headers = recordOf(response.headers)
          response.text().then(
            (text) => settle(Effect.succeed({ status, headers, text })),
            () => settle(Effect.fail(decodeError))
          )
        },
        (e: unknown) => settle(Effect.fail(transportFailure(e)))
      )
      return Effect.sync(() => {
        settled = true
        clearTimeout(timer)
        controller.abort()
      })
    })
  })
