/**
 * Builds EnergyCAP filter expressions (the `filter` query parameter): statements of the form
 * `field operator 'value'` joined by ` and `, e.g. `email equals 'ada@example.com'`.
 *
 * Quoting: every value is wrapped in single quotes. EnergyCAP documents no escape for a quote
 * inside a value; we double it (`O''Brien`), the SQL convention its filters are modelled on
 * (inference, see the provider notes). `one of` separates values with `|`, so a value containing
 * `|` cannot be expressed there and is refused.
 *
 * @since 0.1.0
 */

/**
 * A filter expression, ready for the `filter` query parameter (the HTTP layer URL-encodes it).
 *
 * @example
 * ```ts
 * import { Filter } from "@unishare/eci"
 * const f: Filter.Filter = Filter.equals("email", "ada@example.com")
 * ```
 */
export type Filter = string & { readonly Filter: unique symbol }

const fieldPattern = /^[A-Za-z][A-Za-z0-9]*$/

const checkField = (field: string): string => {
  if (!fieldPattern.test(field)) throw new TypeError(`not an EnergyCAP filter field name: ${JSON.stringify(field)}`)
  return field
}

/**
 * Quotes one value: `'…'`, with embedded single quotes doubled.
 *
 * @example
 * ```ts
 * import { Filter } from "@unishare/eci"
 * Filter.quote("O'Brien") // "'O''Brien'"
 * ```
 */
export const quote = (value: string | number | boolean): string => `'${String(value).replaceAll("'", "''")}'`

/**
 * `field equals 'value'`.
 *
 * @example
 * ```ts
 * import { Filter } from "@unishare/eci"
 * Filter.equals("systemUserCode", "ada") // "systemUserCode equals 'ada'"
 * ```
 */
export const equals = (field: string, value: string | number | boolean): Filter =>
  `${checkField(field)} equals ${quote(value)}` as Filter

/**
 * `field not equals 'value'`.
 *
 * @example
 * ```ts
 * import { Filter } from "@unishare/eci"
 * Filter.notEquals("active", false) // "active not equals 'false'"
 * ```
 */
export const notEquals = (field: string, value: string | number | boolean): Filter =>
  `${checkField(field)} not equals ${quote(value)}` as Filter

/**
 * `field one of 'a'|'b'|'c'`. Throws a `TypeError` for a value containing `|` (not expressible).
 *
 * @example
 * ```ts
 * import { Filter } from "@unishare/eci"
 * Filter.oneOf("systemUserID", [1, 2]) // "systemUserID one of '1'|'2'"
 * ```
 */
export const oneOf = (field: string, values: ReadonlyArray<string | number>): Filter => {
  for (const v of values) {
    if (String(v).includes("|")) throw new TypeError(`a "one of" value cannot contain "|": ${JSON.stringify(v)}`)
  }
  return `${checkField(field)} one of ${values.map(quote).join("|")}` as Filter
}

/**
 * Joins statements with ` and `.
 *
 * @example
 * ```ts
 * import { Filter } from "@unishare/eci"
 * Filter.and(Filter.equals("active", true), Filter.equals("email", "a@b.c")) // "active equals 'true' and email equals 'a@b.c'"
 * ```
 */
export const and = (...filters: ReadonlyArray<Filter>): Filter => filters.join(" and ") as Filter
