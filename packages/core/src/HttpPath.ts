/**
 * Request paths built from untrusted segments. `encodeURIComponent` alone is not enough: it leaves
 * `.` and `..` as they are, and URL parsing collapses them (`/shares/..` becomes `/`), so an id of
 * `..` would address the parent resource; it also throws a `URIError` on a lone surrogate. `path`
 * never throws: it encodes every segment (a lone surrogate as its WTF-8 bytes, which no server
 * decodes as text), and `check` — run by `HttpApi` on every request before anything is sent —
 * refuses empty, `.` / `..` (also percent-encoded) and non-Unicode segments with `InvalidInput`.
 * Hand-written because no URL library refuses dot segments: they all normalise them.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Errors from "./Errors.ts"

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const hex = (byte: number): string => `%${byte.toString(16).toUpperCase().padStart(2, "0")}`

/** Percent-encodes one segment; lone surrogates become their (ill-formed) UTF-8 bytes. */
const encodeSegment = (value: string): string => {
  if (!loneSurrogate.test(value)) return encodeURIComponent(value)
  let out = ""
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0
    if (code >= 0xd800 && code <= 0xdfff) {
      out += hex(0xe0 | (code >> 12)) + hex(0x80 | ((code >> 6) & 0x3f)) + hex(0x80 | (code & 0x3f))
    } else {
      out += encodeURIComponent(char)
    }
  }
  return out
}

/**
 * Builds a path from a template, percent-encoding every interpolated segment. A bad segment is
 * not thrown: `check` (which `HttpApi` runs on every request) refuses the result.
 *
 * @example
 * ```ts
 * import { HttpPath } from "@unishare/core"
 * HttpPath.path`/shares/${"a/b"}` // "/shares/a%2Fb"
 * ```
 */
export const path = (strings: TemplateStringsArray, ...segments: ReadonlyArray<string | number>): string => {
  let out = strings[0] ?? ""
  for (let i = 0; i < segments.length; i++) out += encodeSegment(String(segments[i])) + (strings[i + 1] ?? "")
  return out
}

/**
 * The problem with a path, or `undefined` when every segment is usable: no empty segment, no `.`
 * or `..` (in any percent-encoding), and every segment decodes to well-formed Unicode.
 *
 * @example
 * ```ts
 * import { HttpPath } from "@unishare/core"
 * HttpPath.problem("/accounts/a/shares/s/recipients/..") // 'segment 6 is ".."…'
 * ```
 */
export const problem = (value: string): string | undefined => {
  if (!value.startsWith("/")) return `must start with "/"`
  if (value === "/") return undefined // the root
  // one pass over the segments without splitting: this runs before every request
  let start = 1
  for (let i = 0; start <= value.length; i++) {
    const slash = value.indexOf("/", start)
    const end = slash === -1 ? value.length : slash
    if (end === start) return `segment ${i + 1} is empty (an id was empty)`
    const raw = value.slice(start, end)
    let decoded = raw
    if (raw.includes("%")) {
      try {
        decoded = decodeURIComponent(raw)
      } catch {
        return `segment ${i + 1} is not well-formed Unicode (a lone surrogate or a broken escape)`
      }
    }
    if (decoded === "." || decoded === "..") {
      return `segment ${i + 1} is ${JSON.stringify(decoded)}: URL parsing would collapse it into another path`
    }
    start = end + 1
  }
  return undefined
}

/**
 * `problem` as an Effect: the path, or `InvalidInput` at `path` before any request.
 *
 * @example
 * ```ts
 * import { HttpPath } from "@unishare/core"
 * HttpPath.check("/shares/..", "smartsheet", "deleteShare") // fails with InvalidInput
 * ```
 */
export const check = (
  value: string,
  provider: string,
  operation: string
): Effect.Effect<string, Errors.InvalidInput> => {
  const found = problem(value)
  return found === undefined
    ? Effect.succeed(value)
    : Effect.fail(Errors.invalid(provider, operation, "path", `request path ${found}`))
}
