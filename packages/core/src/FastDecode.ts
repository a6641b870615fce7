/**
 * A fast path for decoding large, well-formed response bodies. Effect Schema's generic decoder
 * costs a few microseconds per object: for a page of 100 shares that is more than the request
 * itself, and listing 10,000 shares cost more CPU than an untyped SDK. A wire schema can carry a
 * hand-written decoder (`withFastPath`) that either returns exactly what the schema would decode
 * or `undefined`; `HttpApi` tries it first and falls back to the schema, which then also produces
 * the precise error for a malformed body. Each fast path is checked against its schema by a
 * property test (same output, never accepts what the schema rejects).
 *
 * @since 0.1.0
 */
import type { Schema } from "effect"

const key = "@unishare/core/FastDecode"

/**
 * Attaches a fast decoder to a schema: `decode` returns the schema's decoded value for the inputs
 * it recognises and `undefined` for everything else.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { FastDecode } from "@unishare/core"
 * const Name = FastDecode.withFastPath(Schema.String, (u) => (typeof u === "string" ? u : undefined))
 * ```
 */
export const withFastPath = <S extends Schema.Top>(schema: S, decode: (input: unknown) => S["Type"] | undefined): S =>
  schema.annotate({ [key]: decode }) as S

/**
 * The fast decoder of a schema, if it has one.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { FastDecode } from "@unishare/core"
 * FastDecode.fastPathOf(Schema.String) // undefined
 * ```
 */
export const fastPathOf = (schema: Schema.Top): ((input: unknown) => unknown) | undefined => {
  const decode = schema.ast.annotations?.[key]
  return typeof decode === "function" ? (decode as (input: unknown) => unknown) : undefined
}

/**
 * Helpers for writing fast decoders over parsed JSON.
 *
 * @example
 * ```ts
 * import { FastDecode } from "@unishare/core"
 * FastDecode.isRecord({ a: 1 }) // true
 * ```
 */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * `true` when `key` is absent from `record` or holds a string.
 *
 * @example
 * ```ts
 * import { FastDecode } from "@unishare/core"
 * FastDecode.optionalString({}, "email") // true
 * ```
 */
export const optionalString = (record: Record<string, unknown>, key: string): boolean =>
  !(key in record) || typeof record[key] === "string"

/**
 * Decodes each element with `decode`; `undefined` when the input is not an array or an element
 * is not recognised.
 *
 * @example
 * ```ts
 * import { FastDecode } from "@unishare/core"
 * FastDecode.array([1, 2], (u) => (typeof u === "number" ? u : undefined)) // [1, 2]
 * ```
 */
export const array = <A>(u: unknown, decode: (element: unknown) => A | undefined): Array<A> | undefined => {
  if (!Array.isArray(u)) return undefined
  const out = new Array<A>(u.length)
  for (let i = 0; i < u.length; i++) {
    const value = decode(u[i])
    if (value === undefined) return undefined
    out[i] = value
  }
  return out
}
