/**
 * What an adapter can do, declared statically so that callers, the planner and the conformance
 * suite can adapt (or skip) without trying.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccessLevel } from "./AccessLevel.ts"
import { Kind } from "./Grantee.ts"
import { ProviderRole } from "./Share.ts"

/**
 * A documented request budget: `requests` per `windowMillis`, per credential. `marginMillis`
 * (optional) is how late a request may reach the provider after the client sent it (the provider
 * counts by arrival); the limiter keeps that much slack. Default: 2% of the window, 100 ms to 5 s.
 * Raise it for clients far from the provider or on heavily loaded machines.
 *
 * @example
 * ```ts
 * import type { Capabilities } from "@unishare/core"
 * const cloudflare: Capabilities.RateLimit = { requests: 1200, windowMillis: 300_000 }
 * const farAway: Capabilities.RateLimit = { requests: 300, windowMillis: 60_000, marginMillis: 2_000 }
 * ```
 */
export const RateLimit = Schema.Struct({
  requests: Schema.Int,
  windowMillis: Schema.Int,
  marginMillis: Schema.optionalKey(Schema.Int)
})
/** @example const r: Capabilities.RateLimit = { requests: 300, windowMillis: 60_000 } */
export type RateLimit = typeof RateLimit.Type

/**
 * Static capabilities of one adapter.
 *
 * - `granteeKinds`: the grantee kinds it accepts.
 * - `levels`: levels that can be granted; `readOnlyLevels`: levels that appear on reads only
 *   (Smartsheet `owner`). Single-level providers list one level.
 * - `levelsByResourceKind`: narrower grantable sets for some resource kinds (Smartsheet dashboards).
 * - `updateLevel`: a share's level can be changed in place.
 * - `nativeReplace`: the provider sets the whole grantee set in one call (`replace`).
 * - `asyncStatus`: shares pass through `pending` / `revoking`.
 * - `notify`: grants can send a notification.
 * - `inheritedShares`: lists may contain inherited, read-only shares.
 * - `everyoneExclusive`: `Everyone` cannot be combined with other grantees on one resource.
 * - `expiringGranteeKinds`: grantee kinds whose grants can carry an expiry (`expiresAt`); none
 *   means the provider has no expiring access. `expiryRemovable`: an expiry can be removed from
 *   a share in place (Box cannot: a permanent grant then replaces the share).
 * - `providerRoles`: the provider's own roles off the ladder that can be granted (`Grant.providerRole`),
 *   each with its floor.
 * - `invitations`: a grant may stay a pending invitation until the grantee accepts it.
 * - `pageSize`: largest page the adapter requests; `rateLimit`: documented budget, if any.
 *
 * @example
 * ```ts
 * import { Capabilities } from "@unishare/core"
 * const caps = Capabilities.make({ provider: "memory", granteeKinds: ["User"], levels: ["viewer", "editor"] })
 * ```
 */
export const Capabilities = Schema.Struct({
  provider: Schema.String,
  granteeKinds: Schema.Array(Kind),
  levels: Schema.Array(AccessLevel),
  readOnlyLevels: Schema.Array(AccessLevel),
  levelsByResourceKind: Schema.Record(Schema.String, Schema.Array(AccessLevel)),
  updateLevel: Schema.Boolean,
  nativeReplace: Schema.Boolean,
  asyncStatus: Schema.Boolean,
  notify: Schema.Boolean,
  inheritedShares: Schema.Boolean,
  everyoneExclusive: Schema.Boolean,
  expiringGranteeKinds: Schema.Array(Kind),
  expiryRemovable: Schema.Boolean,
  providerRoles: Schema.Array(ProviderRole),
  invitations: Schema.Boolean,
  pageSize: Schema.Int,
  rateLimit: Schema.optionalKey(RateLimit)
})
/** @example const c: Capabilities.Capabilities = Capabilities.make({ provider: "x", granteeKinds: ["User"], levels: ["viewer"] }) */
export type Capabilities = typeof Capabilities.Type

/**
 * Builds capabilities with conservative defaults for everything not given.
 *
 * @example
 * ```ts
 * import { Capabilities } from "@unishare/core"
 * Capabilities.make({ provider: "eci", granteeKinds: ["User", "Group", "Everyone"], levels: ["viewer"], nativeReplace: true })
 * ```
 */
export const make = (
  fields: Pick<Capabilities, "provider" | "granteeKinds" | "levels"> & Partial<Capabilities>
): Capabilities => ({
  readOnlyLevels: [],
  levelsByResourceKind: {},
  updateLevel: fields.levels.length > 1,
  nativeReplace: false,
  asyncStatus: false,
  notify: false,
  inheritedShares: false,
  everyoneExclusive: false,
  expiringGranteeKinds: [],
  expiryRemovable: true,
  providerRoles: [],
  invitations: false,
  pageSize: 100,
  ...fields
})

/**
 * Levels that can be granted on a resource of the given kind.
 *
 * @example
 * ```ts
 * import { Capabilities } from "@unishare/core"
 * const caps = Capabilities.make({ provider: "s", granteeKinds: ["User"], levels: ["viewer", "editor"],
 *   levelsByResourceKind: { sight: ["viewer"] } })
 * Capabilities.grantableLevels(caps, "sight") // ["viewer"]
 * ```
 */
export const grantableLevels = (caps: Capabilities, resourceKind: string): ReadonlyArray<AccessLevel> =>
  caps.levelsByResourceKind[resourceKind] ?? caps.levels

/**
 * `true` when the adapter accepts this kind of grantee.
 *
 * @example
 * ```ts
 * import { Capabilities } from "@unishare/core"
 * Capabilities.supportsGrantee(Capabilities.make({ provider: "x", granteeKinds: ["User"], levels: ["viewer"] }), "Group") // false
 * ```
 */
export const supportsGrantee = (caps: Capabilities, kind: Kind): boolean => caps.granteeKinds.includes(kind)

/**
 * `true` when grants to this kind of grantee can carry an expiry.
 *
 * @example
 * ```ts
 * import { Capabilities } from "@unishare/core"
 * Capabilities.supportsExpiry(Capabilities.make({ provider: "x", granteeKinds: ["User"], levels: ["viewer"] }), "User") // false
 * ```
 */
export const supportsExpiry = (caps: Capabilities, kind: Kind): boolean => caps.expiringGranteeKinds.includes(kind)

/**
 * The provider's own role of that name, when it can be granted.
 *
 * @example
 * ```ts
 * import { Capabilities } from "@unishare/core"
 * const caps = Capabilities.make({ provider: "box", granteeKinds: ["User"], levels: ["viewer"], providerRoles: [{ name: "uploader" }] })
 * Capabilities.providerRole(caps, "uploader") // { name: "uploader" }
 * ```
 */
export const providerRole = (caps: Capabilities, name: string) => caps.providerRoles.find((r) => r.name === name)
