/**
 * Identifier and email formats shared by the adapters, as Schemas. Every id that reaches a URL
 * path, a query or a request body is checked against its provider's format before any request:
 * a malformed id (whitespace, `.`/`..`, a lone surrogate, `NaN`, a number out of range) is
 * `InvalidInput`, never a request to another endpoint or another principal.
 *
 * The checks are written here rather than taken from a library because they are provider formats
 * (Cloudflare's 32-hex ids, Smartsheet's int64 and alphanumeric ids, EnergyCAP's int32 ids), not
 * general-purpose validators; the email check is deliberately narrow (exactly one address, no
 * display name, no list separators, well-formed Unicode) because the value is sent to a provider
 * that resolves it to a person.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * `true` when the string has no lone (unpaired) UTF-16 surrogate. A lone surrogate cannot be
 * percent-encoded (`encodeURIComponent` throws) and becomes U+FFFD in a query or a JSON body, so it
 * would name a different value on the server.
 *
 * @example
 * ```ts
 * import { Ids } from "@unishare/core"
 * Ids.isWellFormed("abc") // true
 * Ids.isWellFormed("a\uD800") // false
 * ```
 */
export const isWellFormed = (s: string): boolean => (s as unknown as WellFormedCheck).isWellFormed()

/** `String.prototype.isWellFormed` (ES2024, in every Node.js this runs on; the compiler's lib is ES2023). */
interface WellFormedCheck {
  readonly isWellFormed: () => boolean
}

const wellFormed = Schema.makeFilter<string>(
  (s) => isWellFormed(s) || "must be well-formed Unicode (it contains a lone surrogate)",
  { title: "well-formed Unicode" }
)

/**
 * A string without lone surrogates.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Ids } from "@unishare/core"
 * Schema.is(Ids.WellFormedString)("\uDC00") // false
 * ```
 */
export const WellFormedString = Schema.String.check(wellFormed)

/**
 * An opaque identifier that is safe in a URL path segment: non-empty, well-formed, not `.` or `..`,
 * with no whitespace, control character, `/`, `\`, `?` or `#`. Providers whose ids have a known
 * format use a stricter schema.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Ids } from "@unishare/core"
 * Schema.is(Ids.OpaqueId)("s-1") // true
 * Schema.is(Ids.OpaqueId)("..") // false
 * ```
 */
export const OpaqueId = Schema.String.check(
  Schema.makeFilter<string>(
    (s) =>
      s.length === 0
        ? "must not be empty"
        : !isWellFormed(s)
          ? "must be well-formed Unicode (it contains a lone surrogate)"
          : s === "." || s === ".."
            ? "must not be a dot segment (. or ..)"
            : /[\s\p{Cc}/\\?#]/u.test(s)
              ? "must not contain whitespace, control characters, /, \\, ? or #"
              : true,
    { title: "opaque id" }
  )
)

const pattern = (re: RegExp, message: string) => Schema.isPattern(re, { message })

/**
 * A Cloudflare identifier: exactly 32 lowercase hexadecimal characters (account, share, recipient,
 * share-resource, excluded-recipient and organization ids).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Ids } from "@unishare/core"
 * Schema.is(Ids.Hex32)("023e105f4ecef8ad9ca31a8372d0c353") // true
 * Schema.is(Ids.Hex32)(" 023e105f4ecef8ad9ca31a8372d0c353") // false
 * ```
 */
export const Hex32 = Schema.String.check(pattern(/^[0-9a-f]{32}$/, "must be a 32-character lowercase hexadecimal id"))

const maxInt64 = 9_223_372_036_854_775_807n

/**
 * A positive int64 written in decimal without sign, leading zeros or spaces (Smartsheet sheet,
 * report, dashboard, workspace and group ids). Kept as text: int64 ids exceed `Number`'s precision.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Ids } from "@unishare/core"
 * Schema.is(Ids.Int64Text)("4583173393803140") // true
 * Schema.is(Ids.Int64Text)("NaN") // false
 * ```
 */
export const Int64Text = Schema.String.check(
  Schema.makeFilter<string>(
    (s) =>
      (/^[1-9][0-9]{0,18}$/.test(s) && BigInt(s) <= maxInt64) ||
      "must be a positive integer id (decimal digits, at most 9223372036854775807)",
    { title: "int64 id" }
  )
)

/**
 * The largest int32, the upper bound of an EnergyCAP id.
 *
 * @example
 * ```ts
 * import { Ids } from "@unishare/core"
 * Ids.maxInt32 // 2147483647
 * ```
 */
export const maxInt32 = 2_147_483_647

/**
 * A positive int32 written in decimal (an EnergyCAP list, user or user group id given as text).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Ids } from "@unishare/core"
 * Schema.is(Ids.Int32Text)("42") // true
 * Schema.is(Ids.Int32Text)("2147483648") // false
 * ```
 */
export const Int32Text = Schema.String.check(
  Schema.makeFilter<string>(
    (s) =>
      (/^[1-9][0-9]{0,9}$/.test(s) && Number(s) <= maxInt32) ||
      `must be a positive int32 id (1 … ${maxInt32}, decimal digits only)`,
    { title: "int32 id" }
  )
)

/**
 * Parses a positive int32 id from text or a number; `undefined` when it is not one.
 *
 * @example
 * ```ts
 * import { Ids } from "@unishare/core"
 * Ids.parseInt32("42") // 42
 * Ids.parseInt32(" 42") // undefined
 * ```
 */
export const parseInt32 = (input: unknown): number | undefined => {
  if (typeof input === "number") return Number.isInteger(input) && input >= 1 && input <= maxInt32 ? input : undefined
  return typeof input === "string" && Schema.is(Int32Text)(input) ? Number(input) : undefined
}

/**
 * An alphanumeric token of 1 to 64 characters (a Smartsheet share id such as `AAAMCmYGFOeE`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Ids } from "@unishare/core"
 * Schema.is(Ids.Alphanumeric)("AAAMCmYGFOeE") // true
 * Schema.is(Ids.Alphanumeric)("..") // false
 * ```
 */
export const Alphanumeric = Schema.String.check(pattern(/^[A-Za-z0-9]{1,64}$/, "must be 1 to 64 letters and digits"))

/**
 * A URL-safe token of 1 to 64 characters: letters, digits, `-` and `_` (ids of assets whose format
 * a provider leaves open, such as Smartsheet collections and files).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Ids } from "@unishare/core"
 * Schema.is(Ids.Token)("col_01-ab") // true
 * Schema.is(Ids.Token)("../x") // false
 * ```
 */
export const Token = Schema.String.check(pattern(/^[A-Za-z0-9_-]{1,64}$/, "must be 1 to 64 letters, digits, - or _"))

const atom = String.raw`[^\s\p{Cc}@,;:<>()[\]\\"]`
const label = String.raw`[^\s\p{Cc}@,;:<>()[\]\\".]`
const emailShape = new RegExp(`^${atom}{1,64}@(?:${label}{1,63}\\.)+${label}{1,63}$`, "u")

/**
 * `undefined` when `s` is exactly one email address, else why not. Rejected: no `@` or a domain
 * without a dot (`notanemail`), lists and display names (`a@b.c,d@e.f`, `Ada <a@b.c>`), spaces and
 * control characters, lone surrogates, a local part starting or ending with `.` or containing `..`,
 * and addresses longer than 254 characters.
 *
 * @example
 * ```ts
 * import { Ids } from "@unishare/core"
 * Ids.emailProblem("ada@example.com") // undefined
 * Ids.emailProblem("a@b.c,d@e.f") // "must be exactly one email address …"
 * ```
 */
export const emailProblem = (s: string): string | undefined => {
  if (!isWellFormed(s)) return "must be well-formed Unicode (it contains a lone surrogate)"
  const local = s.slice(0, s.lastIndexOf("@"))
  if (
    s.length > 254 ||
    !emailShape.test(s) ||
    local.startsWith(".") ||
    local.endsWith(".") ||
    local.includes("..") ||
    s.includes("..")
  ) {
    return "must be exactly one email address (name@domain.tld: no spaces, lists, display names or dot runs)"
  }
  return undefined
}

/**
 * Exactly one email address (see `emailProblem`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Ids } from "@unishare/core"
 * Schema.is(Ids.Email)("ada@example.com") // true
 * Schema.is(Ids.Email)("notanemail") // false
 * ```
 */
export const Email = Schema.String.check(
  Schema.makeFilter<string>((s) => emailProblem(s) ?? true, { title: "one email address" })
)
