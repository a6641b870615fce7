/**
 * A module whose documentation links to a symbol that does not exist: the docs test checks that
 * `scripts/docs.ts` reports it.
 *
 * @example
 * ```ts
 * import { answer } from "./broken-link.ts"
 * ```
 */

/**
 * The answer; see {@link doesNotExist}.
 *
 * @example
 * ```ts
 * answer // 42
 * ```
 */
export const answer = 42
