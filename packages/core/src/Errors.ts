/**
 * The typed errors every operation can fail with. Each names the `provider` and the `operation`;
 * provider extras (Cloudflare `errors[]`, Smartsheet `errorCode` / `refId`, ECI problem details)
 * ride along in `detail`. No error ever carries a credential.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

const Common = {
  provider: Schema.String,
  operation: Schema.String,
  detail: Schema.optionalKey(Schema.Unknown)
}

/**
 * The resource or share does not exist (or is not visible to the caller).
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * new Errors.NotFound({ provider: "eci", operation: "get", message: "list 42 not found" })
 * ```
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  ...Common,
  message: Schema.String
}) {}

/**
 * The credential is missing, invalid, or lacks a permission the operation needs.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * new Errors.AccessDenied({ provider: "smartsheet", operation: "grant", message: "token expired" })
 * ```
 */
export class AccessDenied extends Schema.TaggedError<AccessDenied>()("AccessDenied", {
  ...Common,
  message: Schema.String
}) {}

/**
 * The provider throttled us and retries ran out; `retryAfterMillis` is its advice, when given.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * new Errors.RateLimited({ provider: "cloudflare", operation: "list", message: "429", retryAfterMillis: 300_000 })
 * ```
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  ...Common,
  message: Schema.String,
  retryAfterMillis: Schema.optionalKey(Schema.Number)
}) {}

/**
 * The write conflicts with the resource's current state (concurrent writer, existing or inherited share).
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * new Errors.Conflict({ provider: "eci", operation: "grant", message: "list changed during the write" })
 * ```
 */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  ...Common,
  message: Schema.String
}) {}

/**
 * One problem found by our own validation, before any request: `path` names the field.
 *
 * @example
 * ```ts
 * import type { Errors } from "@unishare/core"
 * const issue: Errors.Issue = { path: "grantee.email", message: "a User needs an id or an email" }
 * ```
 */
export const Issue = Schema.Struct({ path: Schema.String, message: Schema.String })
/** @example const i: Errors.Issue = { path: "level", message: "unknown access level" } */
export type Issue = typeof Issue.Type

/**
 * The input failed our own validation; nothing was sent.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * const e = new Errors.InvalidInput({ provider: "eci", operation: "grant",
 *   issues: [{ path: "resource.id", message: "must be an int32" }] })
 * e.message // "eci grant: invalid input: resource.id: must be an int32"
 * ```
 */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  ...Common,
  issues: Schema.Array(Issue)
}) {
  override get message(): string {
    return `${this.provider} ${this.operation}: invalid input: ${this.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`
  }
}

/**
 * The provider refused the request for a reason of its own (`status`, provider `code`, `message`).
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * new Errors.Rejected({ provider: "smartsheet", operation: "grant", status: 400, code: "1156", message: "Invalid email" })
 * ```
 */
export class Rejected extends Schema.TaggedError<Rejected>()("Rejected", {
  ...Common,
  status: Schema.Number,
  code: Schema.optionalKey(Schema.String),
  message: Schema.String
}) {}

/**
 * The provider could not be reached or kept failing after retries. `maybeApplied` is `true` when a
 * non-idempotent write may have taken effect before the failure.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * new Errors.Unavailable({ provider: "eci", operation: "replace", message: "503 after 4 attempts", maybeApplied: false })
 * ```
 */
export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", {
  ...Common,
  message: Schema.String,
  status: Schema.optionalKey(Schema.Number),
  maybeApplied: Schema.Boolean
}) {}

/**
 * The adapter or provider cannot do this (`feature` names what), e.g. an `owner` grant on
 * Smartsheet or an `Account` grantee on ECI.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * new Errors.Unsupported({ provider: "eci", operation: "grant", feature: "grantee kind Account",
 *   message: "eci accepts User, Group and Everyone grantees" })
 * ```
 */
export class Unsupported extends Schema.TaggedError<Unsupported>()("Unsupported", {
  ...Common,
  feature: Schema.String,
  message: Schema.String
}) {}

/**
 * The provider answered with something that does not match its documented schema.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * new Errors.ProtocolError({ provider: "cloudflare", operation: "list", message: "Missing key at [\"success\"]" })
 * ```
 */
export class ProtocolError extends Schema.TaggedError<ProtocolError>()("ProtocolError", {
  ...Common,
  message: Schema.String,
  status: Schema.optionalKey(Schema.Number)
}) {}

/**
 * Every error a sharing operation can fail with.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Errors } from "@unishare/core"
 * const recover = <A>(e: Effect.Effect<A, Errors.SharingError>) =>
 *   e.pipe(Effect.catchTag("NotFound", () => Effect.succeed(undefined)))
 * ```
 */
export type SharingError =
  | NotFound
  | AccessDenied
  | RateLimited
  | Conflict
  | InvalidInput
  | Rejected
  | Unavailable
  | Unsupported
  | ProtocolError

/**
 * Schema of any sharing error (for run stores and reports).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Errors } from "@unishare/core"
 * Schema.is(Errors.SharingError)(new Errors.Conflict({ provider: "x", operation: "y", message: "z" })) // true
 * ```
 */
export const SharingError = Schema.Union([
  NotFound,
  AccessDenied,
  RateLimited,
  Conflict,
  InvalidInput,
  Rejected,
  Unavailable,
  Unsupported,
  ProtocolError
])

const tags = new Set([
  "NotFound",
  "AccessDenied",
  "RateLimited",
  "Conflict",
  "InvalidInput",
  "Rejected",
  "Unavailable",
  "Unsupported",
  "ProtocolError"
])

/**
 * Type guard for any sharing error.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * Errors.isSharingError(new Error("x")) // false
 * ```
 */
export const isSharingError = (u: unknown): u is SharingError =>
  typeof u === "object" &&
  u !== null &&
  "_tag" in u &&
  tags.has(String((u as { _tag: unknown })._tag)) &&
  "provider" in u

/**
 * Shorthand for an `InvalidInput` with one issue.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * Errors.invalid("eci", "grant", "grantee.email", "no EnergyCAP user has this email")
 * ```
 */
export const invalid = (provider: string, operation: string, path: string, message: string): InvalidInput =>
  new InvalidInput({ provider, operation, issues: [{ path, message }] })

/**
 * The failure of a read that follows a write which landed (a verifying read-back): the write is in
 * effect, so anything but a `Conflict` becomes `Unavailable { maybeApplied: true }`, never an error
 * that would let the caller believe nothing was written.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * const e = Errors.afterWrite(new Errors.RateLimited({ provider: "eci", operation: "grant", message: "429" }))
 * e._tag // "Unavailable"
 * ```
 */
export const afterWrite = (error: SharingError): SharingError =>
  error._tag === "Conflict" || (error._tag === "Unavailable" && error.maybeApplied)
    ? error
    : new Unavailable({
        provider: error.provider,
        operation: error.operation,
        message: `the write was applied, but reading it back failed: ${error.message}`,
        maybeApplied: true,
        ...(error.detail !== undefined ? { detail: error.detail } : {})
      })
