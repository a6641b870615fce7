/**
 * Google's JSON error envelope (`{error: {code, message, errors: [{domain, reason, message,
 * location, locationType}]}}`) → neutral `SharingError`, and the retry rule. Drive answers 403 both
 * for "slow down" and for "not allowed", so both key on `errors[0].reason`, not on the status:
 *
 * | reason | error |
 * | --- | --- |
 * | `notFound` (and any 404) | `NotFound` |
 * | `authError`, `required` (401), `insufficientFilePermissions`, `insufficientAdministratorPrivileges`, `insufficientPermissions`, `forbidden`, organisation policies (`shareOutNotPermitted`, `shareOutNotPermittedToUser`, `shareInNotPermitted`, `publishOutNotPermitted`, `teamDriveDomainUsersOnlyRestriction`, `teamDriveTeamMembersOnlyRestriction`, `targetUserRoleLimitedByLicenseRestriction`, `invalidLinkVisibility`, `abusiveContentRestriction`) | `AccessDenied` |
 * | refused combinations (`ownerOnTeamDriveItemNotSupported`, `organizerOnNonTeamDriveNotSupported`, `organizerOnNonTeamDriveItemNotSupported`, `fileOrganizerOnNonTeamDriveNotSupported`, `fileOrganizerOnFoldersInSharedDriveOnly`, `fileOrganizerNotYetEnabledForThisTeamDrive`, `cannotSetExpiration`, `cannotSetExpirationOnAnyoneOrDomain`, `cannotSetExpirationOnInsert`, `expirationDateNotAllowedForSharedDriveMembers`, `cannotShareTeamDriveTopFolderWithAnyoneOrDomains`, `cannotShareTeamDriveWithNonGoogleAccounts`, `teamDrivesSharingRestrictionNotAllowed`, `teamDrivesFolderSharingNotSupported`, `consentRequiredForOwnershipTransfer`, `ownershipChangeAcrossDomainNotPermitted`, `invalidOwnershipTransfer`, `cannotRemoveOwner`) | `Unsupported` (`feature` names what) |
 * | `cannotModifyInheritedTeamDrivePermission`, `cannotModifyInheritedPermission` | `Conflict` (change it where it is inherited from) |
 * | malformed requests (`badRequest`, `invalid`, `invalidParameter`, `required` on a 400, `parseError`, `expirationDatesMustBeInTheFuture`, `pendingOwnerWriterRequired`) | `InvalidInput` (the issue's `path` is the envelope's `location` when it has one; `detail.status` says the server refused it — the client's own checks refuse most of these before sending) |
 * | `userRateLimitExceeded`, `rateLimitExceeded`, `sharingRateLimitExceeded`, `quotaExceeded` (403), any 429 | `RateLimited` once retries ran out |
 * | `backendError`, `internalError`, `transientError`, `badGateway`, `gatewayTimeout`, any 5xx | `Unavailable` |
 * | anything else | by status (`HttpApi.errorFromStatus`): 400 and others → `Rejected` with `code` = the reason |
 *
 * Retried (`isTransient`): 429, 408, 5xx, and 403 with a rate-limit reason. Never retried: every
 * other 403 (`insufficientFilePermissions`, `cannotShareTeamDriveWithNonGoogleAccounts`, …). The
 * reason, status, message, `location` and `domain` ride along in `detail` (`Detail`).
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
 * import { Errors } from "@unishare/google-drive"
 * Errors.provider // "google-drive"
 * ```
 */
export const provider = "google-drive"

/**
 * What rides along in a neutral error's `detail`: the HTTP status and, when the body was Google's
 * envelope, the first item's `reason`, `domain` and `location`, every reason, and Google's message.
 *
 * @example
 * ```ts
 * import type { Errors } from "@unishare/google-drive"
 * const d: Errors.Detail = { status: 403, reason: "insufficientFilePermissions", reasons: ["insufficientFilePermissions"] }
 * ```
 */
export interface Detail {
  readonly status: number
  readonly reason?: string | undefined
  readonly reasons?: ReadonlyArray<string> | undefined
  readonly domain?: string | undefined
  readonly location?: string | undefined
  readonly message?: string | undefined
  readonly statusName?: string | undefined
}

/**
 * Reasons retried with backoff when they come with 403 (rate and quota limits: LIMITS, and the
 * retry list of GAM). `sharingRateLimitExceeded` is a long-window limit: the retry policy's cap
 * (`times`, `maxMillis`) bounds how long a caller waits for it.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/google-drive"
 * Errors.rateLimitReasons.includes("userRateLimitExceeded") // true
 * ```
 */
export const rateLimitReasons: ReadonlyArray<string> = [
  "userRateLimitExceeded",
  "rateLimitExceeded",
  "sharingRateLimitExceeded",
  "quotaExceeded"
]

/**
 * Server-side failures (normally with a 5xx status).
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/google-drive"
 * Errors.serverReasons.includes("backendError") // true
 * ```
 */
export const serverReasons: ReadonlyArray<string> = [
  "backendError",
  "internalError",
  "transientError",
  "badGateway",
  "gatewayTimeout"
]

/**
 * Reasons that mean the caller or an organisation policy may not do this: `AccessDenied`.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/google-drive"
 * Errors.accessReasons.includes("insufficientFilePermissions") // true
 * ```
 */
export const accessReasons: ReadonlyArray<string> = [
  "authError",
  "insufficientFilePermissions",
  "insufficientAdministratorPrivileges",
  "insufficientPermissions",
  "forbidden",
  "shareOutNotPermitted",
  "shareOutNotPermittedToUser",
  "shareInNotPermitted",
  "publishOutNotPermitted",
  "teamDriveDomainUsersOnlyRestriction",
  "teamDriveTeamMembersOnlyRestriction",
  "targetUserRoleLimitedByLicenseRestriction",
  "invalidLinkVisibility",
  "abusiveContentRestriction"
]

/**
 * Combinations Drive refuses whatever the caller's rights, each with the feature it names in
 * `Unsupported.feature`.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/google-drive"
 * Errors.unsupportedReasons.ownerOnTeamDriveItemNotSupported // "the owner role on a shared-drive item"
 * ```
 */
export const unsupportedReasons: Readonly<Record<string, string>> = {
  ownerOnTeamDriveItemNotSupported: "the owner role on a shared-drive item",
  organizerOnNonTeamDriveNotSupported: "the organizer role outside shared drives",
  organizerOnNonTeamDriveItemNotSupported: "the organizer role on an item (only on a shared drive itself)",
  fileOrganizerOnNonTeamDriveNotSupported: "the fileOrganizer role outside shared drives",
  fileOrganizerOnFoldersInSharedDriveOnly: "the fileOrganizer role on a file (only on shared drives and their folders)",
  fileOrganizerNotYetEnabledForThisTeamDrive: "the fileOrganizer role on this shared drive",
  cannotSetExpiration: "an expiration on this item",
  cannotSetExpirationOnAnyoneOrDomain: "an expiration on an anyone or domain permission",
  cannotSetExpirationOnInsert: "an expiration on create (create, then PATCH expirationTime)",
  expirationDateNotAllowedForSharedDriveMembers: "an expiration on a shared-drive membership",
  cannotShareTeamDriveTopFolderWithAnyoneOrDomains: "anyone or domain permissions on a shared drive itself",
  cannotShareTeamDriveWithNonGoogleAccounts: "sharing a shared-drive item with an account that is not a Google account",
  teamDrivesSharingRestrictionNotAllowed: "this sharing restriction on a shared-drive item",
  teamDrivesFolderSharingNotSupported: "sharing a folder in a shared drive",
  consentRequiredForOwnershipTransfer:
    "ownership transfer without the new owner's consent (consumer accounts: pendingOwner, then the new owner accepts)",
  ownershipChangeAcrossDomainNotPermitted: "ownership transfer to another organization",
  invalidOwnershipTransfer: "this ownership change",
  cannotRemoveOwner: "removing the owner's permission"
}

/**
 * Reasons of a change to a permission that the item inherits: `Conflict` (change it on the item
 * named by `permissionDetails[].inheritedFrom`).
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/google-drive"
 * Errors.inheritedReasons.includes("cannotModifyInheritedTeamDrivePermission") // true
 * ```
 */
export const inheritedReasons: ReadonlyArray<string> = [
  "cannotModifyInheritedTeamDrivePermission",
  "cannotModifyInheritedPermission"
]

/**
 * Reasons of a malformed request: `InvalidInput`.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/google-drive"
 * Errors.invalidReasons.includes("pendingOwnerWriterRequired") // true
 * ```
 */
export const invalidReasons: ReadonlyArray<string> = [
  "badRequest",
  "invalid",
  "invalidParameter",
  "parseError",
  "expirationDatesMustBeInTheFuture",
  "pendingOwnerWriterRequired"
]

const decodeBody = Schema.decodeUnknownOption(Wire.ErrorBody)

/**
 * Google's error envelope of a failure, when the body is one.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/google-drive"
 * Errors.envelope({ status: 404, body: { error: { code: 404, message: "File not found: x." } }, headers: {}, operation: "getPermission" })
 * ```
 */
export const envelope = (failure: HttpApi.Failure): Option.Option<Wire.ErrorBody> => decodeBody(failure.body)

/**
 * The `reason` of the first item of a failure's envelope, if any.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/google-drive"
 * Errors.reasonOfFailure({ status: 403, body: { error: { code: 403, message: "m",
 *   errors: [{ reason: "userRateLimitExceeded" }] } }, headers: {}, operation: "x" }) // "userRateLimitExceeded"
 * ```
 */
export const reasonOfFailure = (failure: HttpApi.Failure): string | undefined => {
  const body = envelope(failure)
  return Option.isSome(body) ? body.value.error.errors?.[0]?.reason : undefined
}

/**
 * Drive's retry rule: 429, 408 and 5xx, and a 403 whose reason is a rate or quota limit
 * (`rateLimitReasons`). Every other 403 is a refusal and is not retried.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/google-drive"
 * const f = (reason: string) => ({ status: 403, body: { error: { code: 403, message: "m", errors: [{ reason }] } }, headers: {}, operation: "x" })
 * Errors.isTransient(f("userRateLimitExceeded")) // true
 * Errors.isTransient(f("insufficientFilePermissions")) // false
 * ```
 */
export const isTransient = (failure: HttpApi.Failure): boolean => {
  if (failure.status === 403) {
    const reason = reasonOfFailure(failure)
    return reason !== undefined && rateLimitReasons.includes(reason)
  }
  return HttpApi.isTransientStatus(failure)
}

/**
 * Maps a non-2xx answer to a neutral error (see the module documentation for the table).
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/google-drive"
 * Errors.classify({ status: 403, body: { error: { code: 403, message: "Insufficient permissions for this file",
 *   errors: [{ domain: "global", reason: "insufficientFilePermissions", message: "Insufficient permissions for this file" }] } },
 *   headers: {}, operation: "createPermission" })._tag // "AccessDenied"
 * ```
 */
export const classify = (failure: HttpApi.Failure): Errors.SharingError => {
  const operation = failure.operation
  const body = envelope(failure)
  if (Option.isNone(body)) {
    const detail: Detail = { status: failure.status }
    return HttpApi.errorFromStatus(provider, failure, `${provider} ${operation}: HTTP ${failure.status}`, { detail })
  }
  const { message: text, errors, status: statusName } = body.value.error
  const first = errors?.[0]
  const reason = first?.reason
  const reasons = (errors ?? []).flatMap((e) => (e.reason !== undefined ? [e.reason] : []))
  const detail: Detail = {
    status: failure.status,
    ...(reason !== undefined ? { reason } : {}),
    ...(reasons.length > 0 ? { reasons } : {}),
    ...(first?.domain !== undefined ? { domain: first.domain } : {}),
    ...(first?.location !== undefined ? { location: first.location } : {}),
    message: text,
    ...(statusName !== undefined ? { statusName } : {})
  }
  const message = `${provider} ${operation}: ${text} (${reason !== undefined ? `${reason}, ` : ""}HTTP ${failure.status})`
  const common = { provider, operation, detail, message }
  const retryAfter = failure.retryAfterMillis !== undefined ? { retryAfterMillis: failure.retryAfterMillis } : {}
  if (failure.status === 404 || reason === "notFound") return new Errors.NotFound(common)
  if (failure.status === 401) return new Errors.AccessDenied(common)
  if (failure.status === 429 || (reason !== undefined && rateLimitReasons.includes(reason))) {
    return new Errors.RateLimited({ ...common, ...retryAfter })
  }
  if (failure.status >= 500 || (reason !== undefined && serverReasons.includes(reason))) {
    return new Errors.Unavailable({ ...common, status: failure.status, maybeApplied: false })
  }
  if (reason === undefined) {
    return HttpApi.errorFromStatus(provider, failure, message, { detail })
  }
  if (accessReasons.includes(reason)) return new Errors.AccessDenied(common)
  const feature = unsupportedReasons[reason]
  if (feature !== undefined) return new Errors.Unsupported({ ...common, feature })
  if (inheritedReasons.includes(reason)) {
    return new Errors.Conflict({
      ...common,
      message: `${message}: the permission is inherited; change it on the item it is inherited from (permissionDetails[].inheritedFrom)`
    })
  }
  if (invalidReasons.includes(reason) || (reason === "required" && failure.status === 400)) {
    return new Errors.InvalidInput({
      provider,
      operation,
      detail,
      issues: [{ path: first?.location ?? "request", message: `${text} (${reason}, HTTP ${failure.status})` }]
    })
  }
  return HttpApi.errorFromStatus(provider, failure, message, { code: reason, detail })
}

/**
 * The Drive `reason` carried by a neutral error, if any.
 *
 * @example
 * ```ts
 * import { Errors as Core } from "@unishare/core"
 * import { Errors } from "@unishare/google-drive"
 * Errors.reasonOf(new Core.NotFound({ provider: "google-drive", operation: "getPermission", message: "x",
 *   detail: { status: 404, reason: "notFound" } })) // "notFound"
 * ```
 */
export const reasonOf = (error: Errors.SharingError): string | undefined => {
  const detail = error.detail
  if (typeof detail === "object" && detail !== null && "reason" in detail) {
    const reason = (detail as { reason: unknown }).reason
    return typeof reason === "string" ? reason : undefined
  }
  return undefined
}

/**
 * The HTTP status carried by a neutral error's `detail`, if any.
 *
 * @example
 * ```ts
 * import { Errors as Core } from "@unishare/core"
 * import { Errors } from "@unishare/google-drive"
 * Errors.statusOf(new Core.AccessDenied({ provider: "google-drive", operation: "x", message: "m", detail: { status: 401 } })) // 401
 * ```
 */
export const statusOf = (error: Errors.SharingError): number | undefined => {
  const detail = error.detail
  if (typeof detail === "object" && detail !== null && "status" in detail) {
    const status = (detail as { status: unknown }).status
    return typeof status === "number" ? status : undefined
  }
  return undefined
}
