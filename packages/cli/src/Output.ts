/**
 * Output of the command: human text, or with `--json` exactly one JSON document on stdout; errors
 * rendered with their exit code; and `Exit`, the failure a command ends with when it has already
 * reported its outcome but must exit non-zero.
 *
 * @since 0.1.0
 */
import type { Errors } from "@unishare/core"
import * as Report from "@unishare/migration/Report"
import { Effect, Schema } from "effect"
import * as ExitCode from "./ExitCode.ts"

/**
 * Ends a command with an exit code after its output was printed (partial failure, drift, …).
 *
 * @example
 * ```ts
 * import { Output } from "@unishare/cli"
 * new Output.Exit({ code: 7, reason: "2 units failed" })
 * ```
 */
export class Exit extends Schema.TaggedError<Exit>()("Exit", {
  code: Schema.Number,
  reason: Schema.String
}) {}

/**
 * Human text made safe for a terminal: every control character that could move the cursor, clear
 * the screen, set the title, recolour or reorder text (ESC, OSC, CR, C1, DEL, bidi controls) is
 * shown as a visible escape (`\x1b`, `\r`, `\u202e`), so a name chosen by whoever controls a
 * provider's data can neither hide nor forge lines. Newlines and tabs stay. JSON output is not
 * passed through it: JSON is exact.
 *
 * @example
 * ```ts
 * import { Output } from "@unishare/cli"
 * Output.terminalSafe("Budget\u001b[2J\rFAKE: all good") // "Budget\\x1b[2J\\rFAKE: all good"
 * ```
 */
export const terminalSafe = (text: string): string => Report.printable(text)

/**
 * Writes human text to stdout (a newline is added), made safe for a terminal (`terminalSafe`).
 *
 * @example
 * ```ts
 * import { Output } from "@unishare/cli"
 * const hello = Output.line("hello")
 * ```
 */
export const line = (text: string): Effect.Effect<void> =>
  Effect.sync(() => {
    process.stdout.write(`${terminalSafe(text)}\n`)
  })

/**
 * Writes a JSON document (or one JSON line) to stdout exactly as given (a newline is added).
 *
 * @example
 * ```ts
 * import { Output } from "@unishare/cli"
 * const doc = Output.document(JSON.stringify({ ok: true }))
 * ```
 */
export const document = (json: string): Effect.Effect<void> =>
  Effect.sync(() => {
    process.stdout.write(`${json}\n`)
  })

/**
 * Writes human text to stderr (a newline is added), made safe for a terminal (`terminalSafe`).
 *
 * @example
 * ```ts
 * import { Output } from "@unishare/cli"
 * const note = Output.note("working…")
 * ```
 */
export const note = (text: string): Effect.Effect<void> =>
  Effect.sync(() => {
    process.stderr.write(`${terminalSafe(text)}\n`)
  })

/**
 * Prints a command's result: `value` as one JSON document when `json`, otherwise `text`.
 *
 * @example
 * ```ts
 * import { Output } from "@unishare/cli"
 * const print = Output.result(true, { ok: true }, () => "done")
 * ```
 */
export const result = (json: boolean, value: unknown, text: () => string): Effect.Effect<void> =>
  json ? document(JSON.stringify(Report.toJson(value), null, 2)) : line(text())

/**
 * Rewrites the library's option names in a message to the command-line flags that set them
 * (`allowEveryone: true` → `--allow-everyone`, `onLossy: "round-up"` → `--on-lossy round-up`,
 * `allowAnyone: true` → `--allow-anyone`, `onExpiry: "drop"` → `--on-expiry drop`).
 *
 * @example
 * ```ts
 * import { Output } from "@unishare/cli"
 * Output.cliWording('use onLossy: "round-up" to allow it') // "use --on-lossy round-up to allow it"
 * ```
 */
export const cliWording = (text: string): string =>
  text
    .replace(/allowEveryone: true/g, "--allow-everyone")
    .replace(/onLossy: "([a-z-]+)"/g, "--on-lossy $1")
    .replace(/onLossy is "([a-z-]+)"/g, "--on-lossy is $1")
    .replace(/\bonLossy\b/g, "--on-lossy")
    .replace(/\ballowEveryone\b/g, "--allow-everyone")
    .replace(/allowAnyone: true/g, "--allow-anyone")
    .replace(/\ballowAnyone\b/g, "--allow-anyone")
    .replace(/onExpiry: "([a-z-]+)"/g, "--on-expiry $1")
    .replace(/\bonExpiry\b/g, "--on-expiry")

/**
 * A JSON-safe description of a sharing error, with its exit code.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * import { Output } from "@unishare/cli"
 * Output.errorJson(new Errors.NotFound({ provider: "eci", operation: "list", message: "no list 9" })).exitCode // 4
 * ```
 */
export const errorJson = (error: Errors.SharingError): Record<string, unknown> => ({
  _tag: error._tag,
  message: cliWording(error.message),
  provider: error.provider,
  operation: error.operation,
  exitCode: ExitCode.ofError(error),
  ...(error._tag === "InvalidInput" ? { issues: error.issues } : {}),
  ...(error._tag === "Unavailable" ? { maybeApplied: error.maybeApplied } : {}),
  ...(error._tag === "RateLimited" && error.retryAfterMillis !== undefined
    ? { retryAfterMillis: error.retryAfterMillis }
    : {}),
  ...(error._tag === "Rejected"
    ? { status: error.status, ...(error.code !== undefined ? { code: error.code } : {}) }
    : {})
})

/**
 * Human text for a sharing error (for stderr).
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * import { Output } from "@unishare/cli"
 * Output.errorText(Errors.invalid("unishare", "plan", "--mode", "expected merge or mirror"))
 * ```
 */
export const errorText = (error: Errors.SharingError): string => {
  if (error._tag === "InvalidInput") {
    return [
      `error: invalid input (${error.operation})`,
      ...error.issues.map((i) => `  ${i.path}: ${cliWording(i.message)}`),
      `(exit ${ExitCode.ofError(error)})`
    ].join("\n")
  }
  return `error: ${error._tag}: ${cliWording(error.message)}\n(exit ${ExitCode.ofError(error)})`
}

/**
 * Reports a failed command: a JSON document on stdout with `--json` (and the text on stderr),
 * otherwise the text on stderr.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * import { Output } from "@unishare/cli"
 * const show = Output.failure(true, "plan", new Errors.NotFound({ provider: "eci", operation: "list", message: "no list 9" }))
 * ```
 */
export const failure = (json: boolean, command: string, error: Errors.SharingError): Effect.Effect<void> =>
  Effect.andThen(
    json ? document(JSON.stringify({ command, ok: false, error: errorJson(error) }, null, 2)) : Effect.void,
    note(errorText(error))
  )
