/**
 * One grantee's access to one resource.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccessLevel } from "./AccessLevel.ts"
import { Grantee } from "./Grantee.ts"
import { ResourceRef } from "./ResourceRef.ts"
import { ShareStatus } from "./ShareStatus.ts"

/**
 * A share as every adapter reports it. `raw` keeps the provider's own object as an escape hatch;
 * `inherited` marks access that comes from a parent (Smartsheet `scope: WORKSPACE`) and cannot be
 * changed on this resource.
 *
 * @example
 * ```ts
 * import { Grantee, Share, ShareStatus } from "@unishare/core"
 * const share: Share.Share = {
 *   id: "s1", resource: { provider: "memory", kind: "doc", id: "d1" },
 *   grantee: Grantee.group("7"), level: "viewer", status: ShareStatus.active, inherited: false
 * }
 * ```
 */
export const Share = Schema.Struct({
  id: Schema.String,
  resource: ResourceRef,
  grantee: Grantee,
  level: AccessLevel,
  status: ShareStatus,
  inherited: Schema.Boolean,
  createdAt: Schema.optionalKey(Schema.String),
  updatedAt: Schema.optionalKey(Schema.String),
  raw: Schema.optionalKey(Schema.Unknown)
})
/** @example const shares: ReadonlyArray<Share.Share> = [] */
export type Share = typeof Share.Type

/**
 * A wanted grant: who should have which level. Used by `grant`, `replace`, the planner and `sync`.
 *
 * @example
 * ```ts
 * import { Grantee, type Share } from "@unishare/core"
 * const want: Share.Grant = { grantee: Grantee.user({ email: "ada@example.com" }), level: "editor" }
 * ```
 */
export const Grant = Schema.Struct({ grantee: Grantee, level: AccessLevel })
/** @example const g: Share.Grant = { grantee: { _tag: "Everyone" }, level: "viewer" } */
export type Grant = typeof Grant.Type
