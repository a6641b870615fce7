/**
 * A reference to a shareable resource on one provider.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { OpaqueId, WellFormedString } from "./Ids.ts"

/**
 * `{ provider, kind, id, parent? }`; `id` and `parent` are opaque ids safe in a URL path (non-empty, no
 * `.`/`..`, whitespace or lone surrogates), which each adapter narrows to its provider's format.
 * Adapters export typed constructors
 * (`Smartsheet.asset("sheet", "123")`, `Eci.list(42)`, `Cloudflare.share(accountId, shareId)`).
 *
 * @example
 * ```ts
 * import { ResourceRef } from "@unishare/core"
 * const ref = ResourceRef.make({ provider: "memory", kind: "doc", id: "d1" })
 * ```
 */
export const ResourceRef = Schema.Struct({
  provider: WellFormedString.check(Schema.isMinLength(1)),
  kind: WellFormedString.check(Schema.isMinLength(1)),
  id: OpaqueId,
  parent: Schema.optionalKey(OpaqueId)
})
/** @example const r: ResourceRef.ResourceRef = { provider: "eci", kind: "list", id: "42" } */
export type ResourceRef = typeof ResourceRef.Type

/**
 * Builds a validated reference.
 *
 * @example
 * ```ts
 * import { ResourceRef } from "@unishare/core"
 * ResourceRef.make({ provider: "smartsheet", kind: "sheet", id: "123" })
 * ```
 */
export const make = (fields: ResourceRef): ResourceRef => ResourceRef.make(fields)

/**
 * A stable string key for maps, locks and run stores.
 *
 * @example
 * ```ts
 * import { ResourceRef } from "@unishare/core"
 * ResourceRef.key({ provider: "cloudflare", kind: "share", id: "s1", parent: "acct" }) // "cloudflare:share:acct/s1"
 * ```
 */
export const key = (ref: ResourceRef): string =>
  `${ref.provider}:${ref.kind}:${ref.parent !== undefined ? `${ref.parent}/` : ""}${ref.id}`

/**
 * A short human label.
 *
 * @example
 * ```ts
 * import { ResourceRef } from "@unishare/core"
 * ResourceRef.describe({ provider: "eci", kind: "list", id: "42" }) // "eci list 42"
 * ```
 */
export const describe = (ref: ResourceRef): string =>
  `${ref.provider} ${ref.kind} ${ref.parent !== undefined ? `${ref.parent}/` : ""}${ref.id}`
