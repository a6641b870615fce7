/**
 * EnergyCAP error answers → neutral `SharingError`s.
 *
 * EnergyCAP answers errors with RFC 7807 problem details. Its documentation gives 401 two meanings:
 * the `ECI-ApiKey` is invalid or deleted, **or** the key's user lacks a permission for the
 * resource. A 401 (or 403) therefore becomes `AccessDenied` whose message names the permissions the
 * operation needs, so the caller can tell an admin what to grant.
 *
 * @since 0.1.0
 */
import { Errors, HttpApi } from "@unishare/core"
import { Schema } from "effect"
import * as Wire from "./Wire.ts"

/**
 * The provider name used in capabilities, resource refs and errors.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/eci"
 * Errors.provider // "eci"
 * ```
 */
export const provider = "eci"

/**
 * The native operation names (EnergyCAP operation ids in camel case), as they appear in errors and spans.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/eci"
 * Errors.operations.editListShare // "editListShare"
 * ```
 */
export const operations = {
  getListShare: "getListShare",
  editListShare: "editListShare",
  getLists: "getLists",
  getUsers: "getUsers",
  getUser: "getUser",
  getUserGroups: "getUserGroups",
  getUserGroup: "getUserGroup",
  getUserGroupMembers: "getUserGroupMembers",
  createList: "createList",
  editListVisibility: "editListVisibility",
  getUsersPaginated: "getUsersPaginated"
} as const

/**
 * The permissions EnergyCAP documents for reading or changing a list's sharing: any one of them.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/eci"
 * Errors.listSharePermissions.length // 4
 * ```
 */
export const listSharePermissions = [
  "creator of the list and SharedBillLists: Create",
  "BillListAdministrator: Manage",
  "creator of the list and SharedRecordsLists: Create",
  "RecordsListAdministrator: Manage"
] as const

/**
 * What each operation requires, in words, for `AccessDenied` messages.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/eci"
 * Errors.permissionsFor("getUserGroupMembers") // "UsersAndUserGroups: View"
 * ```
 */
export const permissionsFor = (operation: string): string | undefined => {
  switch (operation) {
    case operations.getListShare:
    case operations.editListShare:
      return `one of: ${listSharePermissions.join("; or ")}`
    case operations.getUsers:
    case operations.getUser:
      return "Users & Roles: View (without it EnergyCAP returns a restricted set of user properties)"
    case operations.getUserGroups:
    case operations.getUserGroup:
    case operations.getUserGroupMembers:
      return "UsersAndUserGroups: View"
    case operations.getLists:
    case operations.editListVisibility:
      return "a valid API key (lists are those the key's user created or can access)"
    case operations.createList:
      return "a valid API key whose user may create lists of that type"
    case operations.getUsersPaginated:
      return "Users & Roles: View (without it EnergyCAP returns a restricted set of user properties)"
    default:
      return undefined
  }
}

const decodeProblem = Schema.decodeUnknownOption(Wire.ProblemDetails)

/**
 * Reads problem details from an error body, when it is one.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/eci"
 * Errors.problemOf({ title: "Bad Request", status: 400 }) // { title: "Bad Request", status: 400 }
 * ```
 */
export const problemOf = (body: unknown): Wire.ProblemDetails | undefined => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined
  const decoded = decodeProblem(body)
  return decoded._tag === "Some" ? decoded.value : undefined
}

const summary = (body: unknown): string => {
  const problem = problemOf(body)
  if (problem !== undefined) {
    const parts = [problem.title, problem.detail].filter((s): s is string => typeof s === "string" && s !== "")
    if (problem.errors !== undefined && problem.errors !== null) {
      for (const [field, messages] of Object.entries(problem.errors)) {
        parts.push(`${field}: ${Array.isArray(messages) ? messages.join(", ") : String(messages)}`)
      }
    }
    if (parts.length > 0) return parts.join(" — ")
  }
  if (typeof body === "string") return body.length > 200 ? `${body.slice(0, 200)}…` : body
  return ""
}

/**
 * Maps a non-2xx answer to a `SharingError` (the `classify` given to `HttpApi`): 401/403 →
 * `AccessDenied` naming the required permissions, 404 → `NotFound`, 409 → `Conflict`, 429 →
 * `RateLimited`, 5xx → `Unavailable`, other 4xx → `Rejected`. Problem details ride in `detail`.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/eci"
 * Errors.classify({ status: 401, body: { title: "Unauthorized", status: 401 }, headers: {}, operation: "editListShare" })._tag
 * // "AccessDenied"
 * ```
 */
export const classify = (failure: HttpApi.Failure): Errors.SharingError => {
  const text = summary(failure.body)
  const problem = problemOf(failure.body)
  const detail = problem ?? (failure.body === undefined ? undefined : { body: failure.body })
  const base = `EnergyCAP ${failure.operation} answered ${failure.status}${text !== "" ? `: ${text}` : ""}`
  if (failure.status === 401 || failure.status === 403) {
    const needs = permissionsFor(failure.operation)
    const message =
      `${base.replace(/\.+$/, "")}. The ECI-ApiKey is invalid or revoked, or its user lacks a permission` +
      (needs !== undefined ? `; this operation requires ${needs}` : "")
    return new Errors.AccessDenied({
      provider,
      operation: failure.operation,
      message,
      ...(detail !== undefined ? { detail } : {})
    })
  }
  return HttpApi.errorFromStatus(provider, failure, base, {
    code: problem?.type ?? undefined,
    detail
  })
}

/**
 * Which failures are retried: the core default (408, 429, 500, 502, 503, 504).
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/eci"
 * Errors.isTransient({ status: 503, body: undefined, headers: {}, operation: "getListShare" }) // true
 * ```
 */
export const isTransient = (failure: HttpApi.Failure): boolean => HttpApi.isTransientStatus(failure)
