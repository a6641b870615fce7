/**
 * Smartsheet error envelope (`{errorCode, message, refId?, detail?}`) → neutral `SharingError`,
 * plus the retry rule: errorCodes 4001, 4002, 4003 and 4004 (and HTTP 429) are transient; 4000
 * and 5151 are not, although they come with HTTP 500.
 *
 * @since 0.1.0
 */
import { Errors, HttpApi } from "@unishare/core"
import { Option, Schema } from "effect"
import * as Wire from "./Wire.ts"

/**
 * The provider name used in every error and span.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/smartsheet"
 * Errors.provider // "smartsheet"
 * ```
 */
export const provider = "smartsheet"

/**
 * What rides along in a neutral error's `detail`: the Smartsheet `errorCode`, `refId` and
 * `detail`, and the HTTP status.
 *
 * @example
 * ```ts
 * import type { Errors } from "@unishare/smartsheet"
 * const d: Errors.Detail = { status: 404, errorCode: 1006, refId: "abc" }
 * ```
 */
export interface Detail {
  readonly status: number
  readonly errorCode?: number | undefined
  readonly refId?: string | undefined
  readonly detail?: unknown
}

/**
 * Error codes worth naming.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/smartsheet"
 * Errors.codes.shareAlreadyExists // 1025
 * ```
 */
export const codes = {
  tokenMissing: 1001,
  tokenInvalid: 1002,
  tokenExpired: 1003,
  notAuthorized: 1004,
  ssoRequired: 1005,
  notFound: 1006,
  unparsable: 1008,
  missingParameter: 1009,
  missingAttribute: 1012,
  invalidParameter: 1018,
  userNotFound: 1020,
  sharedAtWorkspaceLevel: 1023,
  shareAlreadyExists: 1025,
  ownershipTransfer: 1026,
  shareNotFound: 1027,
  ownerShare: 1028,
  invalidAttribute: 1031,
  attributeNotAllowed: 1032,
  ownShare: 1040,
  tooManyUsers: 1066,
  groupNotFound: 1106,
  invalidEmail: 1156,
  alternateEmail: 1159,
  dashboardEditor: 1166,
  unexpectedError: 4000,
  maintenance: 4001,
  serverTimeout: 4002,
  rateLimited: 4003,
  retryableError: 4004,
  versionRetired: 4005,
  domainNotApproved: 5151
} as const

const transientCodes: ReadonlySet<number> = new Set([4001, 4002, 4003, 4004])

const decodeBody = Schema.decodeUnknownOption(Wire.ErrorBody)

/**
 * The Smartsheet error envelope of a failure, when the body is one.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/smartsheet"
 * Errors.envelope({ status: 404, body: { errorCode: 1006, message: "Not Found" }, headers: {}, operation: "getShare" })
 * ```
 */
export const envelope = (failure: HttpApi.Failure): Option.Option<Wire.ErrorBody> => decodeBody(failure.body)

/**
 * Smartsheet's retry rule: errorCode 4001/4002/4003/4004, or HTTP 429. A 5xx with a Smartsheet
 * errorCode outside that set (4000 "contact support", 5151 "domain not approved") is not retried;
 * a 5xx without an envelope (a proxy in between) falls back to the generic transient statuses.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/smartsheet"
 * Errors.isTransient({ status: 500, body: { errorCode: 4004, message: "retry" }, headers: {}, operation: "x" }) // true
 * Errors.isTransient({ status: 500, body: { errorCode: 4000, message: "support" }, headers: {}, operation: "x" }) // false
 * ```
 */
export const isTransient = (failure: HttpApi.Failure): boolean => {
  if (failure.status === 429) return true
  const body = envelope(failure)
  if (Option.isSome(body)) return transientCodes.has(body.value.errorCode)
  return HttpApi.isTransientStatus(failure)
}

/**
 * Maps a non-2xx answer to a neutral error: not-found codes (1006, 1020, 1027, 1106) →
 * `NotFound`; auth and policy codes (1001–1005, 1361–1363, 5151) → `AccessDenied`; 1025 (share
 * exists), 1023 (inherited from the workspace) and 1040 → `Conflict`; owner rules (1026, 1028) and
 * 1166 (no EDITOR on dashboards) → `Unsupported`; 4003 / 429 → `RateLimited`; 4000–4004 →
 * `Unavailable`; other codes → `Rejected` with the code. The code, `refId` and `detail` go in `detail`.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/smartsheet"
 * Errors.classify({ status: 400, body: { errorCode: 1025, message: "The share already exists." }, headers: {}, operation: "shareAsset" })._tag
 * // "Conflict"
 * ```
 */
export const classify = (failure: HttpApi.Failure): Errors.SharingError => {
  const body = envelope(failure)
  const operation = failure.operation
  if (Option.isNone(body)) {
    return HttpApi.errorFromStatus(provider, failure, `smartsheet ${operation}: HTTP ${failure.status}`, {
      detail: { status: failure.status } satisfies Detail
    })
  }
  const { errorCode, message: text, refId, detail: extra } = body.value
  const detail: Detail = {
    status: failure.status,
    errorCode,
    ...(refId !== undefined ? { refId } : {}),
    ...(extra !== undefined ? { detail: extra } : {})
  }
  const message = `smartsheet ${operation}: ${text} (errorCode ${errorCode}${refId !== undefined ? `, refId ${refId}` : ""})`
  const common = { provider, operation, detail, message }
  switch (errorCode) {
    case 1006:
    case 1020:
    case 1027:
    case 1106:
      return new Errors.NotFound(common)
    case 1001:
    case 1002:
    case 1003:
    case 1004:
    case 1005:
    case 1361:
    case 1362:
    case 1363:
    case 5151:
      return new Errors.AccessDenied(common)
    case 1023:
      return new Errors.Conflict({
        ...common,
        message: `${message}: the share is inherited from the workspace; change it on the workspace asset`
      })
    case 1025:
    case 1040:
      return new Errors.Conflict(common)
    case 1026:
      return new Errors.Unsupported({ ...common, feature: "ownership transfer (OWNER access level)" })
    case 1028:
      return new Errors.Unsupported({ ...common, feature: "changing the owner's share" })
    case 1166:
      return new Errors.Unsupported({ ...common, feature: "EDITOR access on dashboards (sight)" })
    case 4003:
      return new Errors.RateLimited({
        ...common,
        ...(failure.retryAfterMillis !== undefined ? { retryAfterMillis: failure.retryAfterMillis } : {})
      })
    case 4000:
    case 4001:
    case 4002:
    case 4004:
      return new Errors.Unavailable({ ...common, status: failure.status, maybeApplied: false })
    default:
      if (failure.status === 429) {
        return new Errors.RateLimited({
          ...common,
          ...(failure.retryAfterMillis !== undefined ? { retryAfterMillis: failure.retryAfterMillis } : {})
        })
      }
      if (failure.status >= 500) {
        return new Errors.Unavailable({ ...common, status: failure.status, maybeApplied: false })
      }
      if (failure.status === 401 || failure.status === 403) return new Errors.AccessDenied(common)
      if (failure.status === 404) return new Errors.NotFound(common)
      return new Errors.Rejected({ ...common, status: failure.status, code: String(errorCode), message })
  }
}

/**
 * The Smartsheet errorCode carried by a neutral error, if any.
 *
 * @example
 * ```ts
 * import { Errors as Core } from "@unishare/core"
 * import { Errors } from "@unishare/smartsheet"
 * Errors.errorCodeOf(new Core.NotFound({ provider: "smartsheet", operation: "get", message: "x",
 *   detail: { status: 404, errorCode: 1027 } })) // 1027
 * ```
 */
export const errorCodeOf = (error: Errors.SharingError): number | undefined => {
  const detail = error.detail
  if (typeof detail === "object" && detail !== null && "errorCode" in detail) {
    const code = (detail as { errorCode: unknown }).errorCode
    return typeof code === "number" ? code : undefined
  }
  return undefined
}
