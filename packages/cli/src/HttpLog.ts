/**
 * The command's HTTP client: `fetch`, plus with `--log-level debug` one line on stderr per HTTP
 * exchange (method, URL, status or transport failure, duration). Only the request line is shown:
 * headers and bodies never are, so no credential can reach the log. The last transport failure
 * (connection refused, timeout, TLS …) is remembered, so an "unavailable" error can name the URL
 * and the cause.
 *
 * @since 0.1.0
 */

import { FetchTransport } from "@unishare/core"
import { Effect, Layer, LogLevel } from "effect"
import { FetchHttpClient, HttpClient, type HttpClientRequest } from "effect/http"
import { terminalSafe } from "./Output.ts"

/**
 * The most recent transport failure: the URL (without query) and its cause.
 *
 * @example
 * ```ts
 * import { HttpLog } from "@unishare/cli"
 * const last = HttpLog.lastTransportFailure()
 * ```
 */
export const lastTransportFailure = (): { readonly url: string; readonly cause: string } | undefined => lastFailure

let lastFailure: { readonly url: string; readonly cause: string } | undefined

const urlOf = (request: HttpClientRequest.HttpClientRequest): string => {
  const params = new URLSearchParams(request.urlParams.params as Array<[string, string]>).toString()
  return params === "" ? request.url : `${request.url}?${params}`
}

/**
 * The root cause of a transport failure, as short text (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`,
 * a TLS error message, …): core's `FetchTransport.causeOf`, or "unknown cause".
 *
 * @example
 * ```ts
 * import { HttpLog } from "@unishare/cli"
 * HttpLog.causeOf(new Error("fetch failed", { cause: { code: "ECONNREFUSED" } })) // "ECONNREFUSED"
 * ```
 */
export const causeOf = (error: unknown): string => FetchTransport.causeOf(error) ?? "unknown cause"

const write = (text: string) => Effect.sync(() => process.stderr.write(`${terminalSafe(text)}\n`))

/**
 * `FetchHttpClient` with the debug log and failure capture described above.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { HttpLog } from "@unishare/cli"
 * const program = Effect.void.pipe(Effect.provide(HttpLog.layer))
 * ```
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(HttpClient.HttpClient, (client) =>
    HttpClient.transform(client, (response, request) =>
      Effect.gen(function* () {
        const debug = yield* LogLevel.isEnabled("Debug")
        const started = Date.now()
        const exit = yield* Effect.exit(response)
        const millis = Date.now() - started
        const url = urlOf(request)
        if (exit._tag === "Success") {
          if (debug) yield* write(`debug http ${request.method} ${url} -> ${exit.value.status} (${millis} ms)`)
        } else {
          const failure = exit.cause.reasons.find((r) => r._tag === "Fail" || r._tag === "Die")
          const cause = causeOf(failure === undefined ? undefined : "error" in failure ? failure.error : failure.defect)
          lastFailure = { url: request.url, cause }
          if (debug) yield* write(`debug http ${request.method} ${url} -> failed: ${cause} (${millis} ms)`)
        }
        return yield* exit
      })
    )
  )
).pipe(Layer.provide(FetchHttpClient.layer))
