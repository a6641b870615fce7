/**
 * The neutral access ladder shared by every provider.
 *
 * `viewer < commenter < editor < sharer < admin < owner`, where `sharer` means
 * "edit and re-share" (Smartsheet `EDITOR_SHARE`).
 *
 * @since 0.1.0
 */
import { type Order, Schema } from "effect"

/**
 * Every neutral level, lowest first.
 *
 * @example
 * ```ts
 * import { AccessLevel } from "@unishare/core"
 * AccessLevel.ladder[0] // "viewer"
 * ```
 */
export const ladder = ["viewer", "commenter", "editor", "sharer", "admin", "owner"] as const

/**
 * Schema of a neutral access level.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { AccessLevel } from "@unishare/core"
 * Schema.decodeUnknownSync(AccessLevel.AccessLevel)("editor") // "editor"
 * ```
 */
export const AccessLevel = Schema.Literals(ladder)

/**
 * A neutral access level.
 *
 * @example
 * ```ts
 * import type { AccessLevel } from "@unishare/core"
 * const level: AccessLevel.AccessLevel = "viewer"
 * ```
 */
export type AccessLevel = typeof AccessLevel.Type

/**
 * Position of a level on the ladder (viewer = 0 … owner = 5).
 *
 * @example
 * ```ts
 * import { AccessLevel } from "@unishare/core"
 * AccessLevel.rank("sharer") // 3
 * ```
 */
export const rank = (level: AccessLevel): number => ladder.indexOf(level)

/**
 * Orders levels from least to most privileged.
 *
 * @example
 * ```ts
 * import { AccessLevel } from "@unishare/core"
 * const sorted = (["admin", "viewer"] as const).toSorted(AccessLevel.order) // ["viewer", "admin"]
 * ```
 */
export const order: Order.Order<AccessLevel> = (a, b) => {
  const d = rank(a) - rank(b)
  return d < 0 ? -1 : d > 0 ? 1 : 0
}

/**
 * `true` when `level` grants at least what `than` grants.
 *
 * @example
 * ```ts
 * import { AccessLevel } from "@unishare/core"
 * AccessLevel.isAtLeast("admin", "editor") // true
 * ```
 */
export const isAtLeast = (level: AccessLevel, than: AccessLevel): boolean => rank(level) >= rank(than)

/**
 * `true` when `level` grants strictly more than `than`.
 *
 * @example
 * ```ts
 * import { AccessLevel } from "@unishare/core"
 * AccessLevel.isAbove("viewer", "viewer") // false
 * ```
 */
export const isAbove = (level: AccessLevel, than: AccessLevel): boolean => rank(level) > rank(than)

/**
 * The more privileged of two levels.
 *
 * @example
 * ```ts
 * import { AccessLevel } from "@unishare/core"
 * AccessLevel.max("viewer", "editor") // "editor"
 * ```
 */
export const max = (a: AccessLevel, b: AccessLevel): AccessLevel => (rank(a) >= rank(b) ? a : b)

/**
 * The less privileged of two levels.
 *
 * @example
 * ```ts
 * import { AccessLevel } from "@unishare/core"
 * AccessLevel.min("viewer", "editor") // "viewer"
 * ```
 */
export const min = (a: AccessLevel, b: AccessLevel): AccessLevel => (rank(a) <= rank(b) ? a : b)

/**
 * Type guard for untrusted strings.
 *
 * @example
 * ```ts
 * import { AccessLevel } from "@unishare/core"
 * AccessLevel.isAccessLevel("writer") // false
 * ```
 */
export const isAccessLevel = (u: unknown): u is AccessLevel =>
  typeof u === "string" && ladder.includes(u as AccessLevel)
