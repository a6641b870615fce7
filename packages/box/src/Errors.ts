/**
 * Box error answers → neutral `SharingError`s, and the retry rule.
 *
 * Box answers errors with its `ClientError` object (`{type: "error", status, code, message,
 * context_info, help_url, request_id}`). Box's own advice is to trust the HTTP status before the
 * `code` (some real answers carry garbled codes), so the status decides the error class and the
 * code only refines a `400`:
 *
 * | status | code | error |
 * | --- | --- | --- |
 * | 400 | `user_already_collaborator` | `Conflict` (the client's create turns it into the existing collaboration) |
 * | 400 | `invalid_status` | `Conflict` (status changed when not pending, or not by the invitee) |
 * | 400 | any other (`bad_request`, `invalid_limit`, `collaborations_not_available_on_root_folder`, …) | `Rejected` with the code |
 * | 401, 403 | any (`unauthorized`, `access_denied_insufficient_permissions`, `forbidden_by_policy`, …) | `AccessDenied` |
 * | 404 | `not_found` | `NotFound` (Box also answers 404 for what the caller may not see) |
 * | 409, 412 | `conflict`, `precondition_failed` | `Conflict` |
 * | 429 | `rate_limit_exceeded` | `RateLimited` with the `retry-after` advice (after the retries) |
 * | 408, 5xx | `internal_server_error`, `unavailable`, … | `Unavailable` (after the retries) |
 *
 * The code, `request_id`, `context_info` and `help_url` ride along in `detail`.
 *
 * @since 0.1.0
 */
import { Errors, type HttpApi } from "@unishare/core"
import { Option, Schema } from "effect"
import * as Wire from "./Wire.ts"

/**
 * The provider name used in every error and span.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/box"
 * Errors.provider // "box"
 * ```
 */
export const provider = "box"

/**
 * The native operation names (Box's operation ids in camel case), as errors and spans name them:
 * the collaboration operations, and the two item reads (`getFolder`, `getFile`) that give an item's
 * parent folders.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/box"
 * Errors.operations.createCollaboration // "createCollaboration"
 * ```
 */
export const operations = {
  listPendingCollaborations: "listPendingCollaborations",
  createCollaboration: "createCollaboration",
  getCollaboration: "getCollaboration",
  updateCollaboration: "updateCollaboration",
  deleteCollaboration: "deleteCollaboration",
  listFileCollaborations: "listFileCollaborations",
  listFolderCollaborations: "listFolderCollaborations",
  listGroupCollaborations: "listGroupCollaborations",
  getFolder: "getFolder",
  getFile: "getFile"
} as const

/**
 * What rides along in a neutral error's `detail`: the HTTP status and, when the body was a Box
 * error object, its `code`, `request_id`, `context_info` and `help_url`.
 *
 * @example
 * ```ts
 * import type { Errors } from "@unishare/box"
 * const d: Errors.Detail = { status: 400, code: "user_already_collaborator", requestId: "abcdef123456" }
 * ```
 */
export interface Detail {
  readonly status: number
  readonly code?: string | undefined
  readonly requestId?: string | undefined
  readonly contextInfo?: unknown
  readonly helpUrl?: string | undefined
}

const decodeBody = Schema.decodeUnknownOption(Wire.ClientError)

/**
 * The Box error object of a failure, when the body is one.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/box"
 * Errors.envelope({ status: 404, body: { type: "error", status: 404, code: "not_found" }, headers: {}, operation: "getCollaboration" })
 * ```
 */
export const envelope = (failure: HttpApi.Failure): Option.Option<Wire.ClientError> =>
  typeof failure.body === "object" && failure.body !== null && !Array.isArray(failure.body)
    ? decodeBody(failure.body)
    : Option.none()

/**
 * Box's retry rule, as its SDK applies it: 429 and every status from 500 up (and 408). A write is
 * re-sent only when `HttpApi` may (429 always; other statuses only for idempotent requests).
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/box"
 * Errors.isTransient({ status: 507, body: undefined, headers: {}, operation: "getCollaboration" }) // true
 * Errors.isTransient({ status: 400, body: undefined, headers: {}, operation: "getCollaboration" }) // false
 * ```
 */
export const isTransient = (failure: HttpApi.Failure): boolean =>
  failure.status === 429 || failure.status === 408 || failure.status >= 500

/**
 * Maps a non-2xx answer to a neutral error (the `classify` given to `HttpApi`); see the module
 * docs for the table.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/box"
 * Errors.classify({ status: 400, body: { type: "error", status: 400, code: "user_already_collaborator",
 *   message: "User is already a collaborator" }, headers: {}, operation: "createCollaboration" })._tag // "Conflict"
 * ```
 */
export const classify = (failure: HttpApi.Failure): Errors.SharingError => {
  const body = envelope(failure)
  const operation = failure.operation
  const error = Option.getOrUndefined(body)
  const code = error?.code
  const detail: Detail = {
    status: failure.status,
    ...(code !== undefined ? { code } : {}),
    ...(error?.request_id !== undefined ? { requestId: error.request_id } : {}),
    ...(error?.context_info !== undefined && error.context_info !== null ? { contextInfo: error.context_info } : {}),
    ...(error?.help_url !== undefined ? { helpUrl: error.help_url } : {})
  }
  const text =
    error?.message ??
    (typeof failure.body === "string" && failure.body !== "" ? failure.body.slice(0, 200) : `HTTP ${failure.status}`)
  const suffix = [
    code !== undefined ? `code ${code}` : undefined,
    error?.request_id ? `request_id ${error.request_id}` : undefined
  ]
    .filter((s) => s !== undefined)
    .join(", ")
  const message = `box ${operation}: ${text}${suffix !== "" ? ` (${suffix})` : ""}`
  const common = { provider, operation, detail, message }
  const s = failure.status
  if (s === 400 && (code === "user_already_collaborator" || code === "invalid_status")) {
    return new Errors.Conflict(common)
  }
  if (s === 401 || s === 403) return new Errors.AccessDenied(common)
  if (s === 404) {
    return new Errors.NotFound({
      ...common,
      message: `${message}; Box answers 404 also for what the caller may not see`
    })
  }
  if (s === 409 || s === 412) return new Errors.Conflict(common)
  if (s === 429) {
    return new Errors.RateLimited({
      ...common,
      ...(failure.retryAfterMillis !== undefined ? { retryAfterMillis: failure.retryAfterMillis } : {})
    })
  }
  if (s === 408 || s >= 500) return new Errors.Unavailable({ ...common, status: s, maybeApplied: false })
  return new Errors.Rejected({ ...common, status: s, ...(code !== undefined ? { code } : {}) })
}

/**
 * The Box error code a neutral error carries, if any.
 *
 * @example
 * ```ts
 * import { Errors as Core } from "@unishare/core"
 * import { Errors } from "@unishare/box"
 * Errors.codeOf(new Core.Conflict({ provider: "box", operation: "createCollaboration", message: "x",
 *   detail: { status: 400, code: "user_already_collaborator" } })) // "user_already_collaborator"
 * ```
 */
export const codeOf = (error: Errors.SharingError): string | undefined => {
  const detail = error.detail
  if (typeof detail === "object" && detail !== null && "code" in detail) {
    const code = (detail as { code: unknown }).code
    return typeof code === "string" ? code : undefined
  }
  return undefined
}
