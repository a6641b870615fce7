/**
 * Cloudflare's failure envelope → neutral `SharingError`. The HTTP status decides the error class
 * (Cloudflare publishes no per-product code list); `errors[]` codes and messages ride along as
 * `detail.errors` and the first code becomes `Rejected.code`.
 *
 * @since 0.1.0
 */
import { type Errors, HttpApi } from "@unishare/core"

/** The provider name used in every error. @example Errors.provider // "cloudflare" */
export const provider = "cloudflare"

/**
 * One entry of `errors[]`, read leniently (codes below 1000 or extra fields are kept as they are).
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/cloudflare"
 * const e: Errors.ErrorEntry = { code: 10000, message: "Authentication error" }
 * ```
 */
export interface ErrorEntry {
  readonly code?: number | undefined
  readonly message?: string | undefined
}

/**
 * Extracts `errors[]` from a body when it looks like a Cloudflare envelope; otherwise `[]`.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/cloudflare"
 * Errors.envelopeErrors({ success: false, errors: [{ code: 7003, message: "No route for the URI" }], result: null })
 * // [{ code: 7003, message: "No route for the URI" }]
 * ```
 */
export const envelopeErrors = (body: unknown): ReadonlyArray<ErrorEntry> => {
  if (typeof body !== "object" || body === null || !("errors" in body)) return []
  const errors = (body as { errors: unknown }).errors
  if (!Array.isArray(errors)) return []
  return errors.flatMap((e: unknown): Array<ErrorEntry> => {
    if (typeof e !== "object" || e === null) return []
    const { code, message } = e as { code?: unknown; message?: unknown }
    return [
      {
        ...(typeof code === "number" ? { code } : {}),
        ...(typeof message === "string" ? { message } : {})
      }
    ]
  })
}

/**
 * Formats `errors[]` as `code: message; code: message`.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/cloudflare"
 * Errors.describeErrors([{ code: 1004, message: "share not found" }]) // "1004: share not found"
 * ```
 */
export const describeErrors = (errors: ReadonlyArray<ErrorEntry>): string =>
  errors.map((e) => `${e.code ?? "?"}: ${e.message ?? "(no message)"}`).join("; ")

/**
 * `classify` for `HttpApi`: status → error class, envelope codes kept in `detail.errors`.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/cloudflare"
 * const e = Errors.classify({ status: 404, headers: {}, operation: "getShare",
 *   body: { success: false, errors: [{ code: 1004, message: "share not found" }], result: null } })
 * e._tag // "NotFound"
 * ```
 */
export const classify = (failure: HttpApi.Failure): Errors.SharingError => {
  const errors = envelopeErrors(failure.body)
  const text =
    errors.length > 0
      ? describeErrors(errors)
      : typeof failure.body === "string" && failure.body !== ""
        ? failure.body.slice(0, 300)
        : "no error details"
  const first = errors[0]?.code
  return HttpApi.errorFromStatus(
    provider,
    failure,
    `cloudflare ${failure.operation}: HTTP ${failure.status}: ${text}`,
    {
      ...(first !== undefined ? { code: String(first) } : {}),
      detail: { status: failure.status, errors }
    }
  )
}

/**
 * Which failures are retried: 408, 429 and 5xx. A 429 from Cloudflare comes with `retry-after`
 * (the whole user is locked out for five minutes), which `HttpApi` honours.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/cloudflare"
 * Errors.isTransient({ status: 502, body: undefined, headers: {}, operation: "listShares" }) // true
 * ```
 */
export const isTransient = (failure: HttpApi.Failure): boolean =>
  failure.status === 408 || failure.status === 429 || failure.status >= 500
