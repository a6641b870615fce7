/**
 * Serializes effects per key (per resource): writes to one resource run one at a time, writes to
 * different resources run in parallel. Full-replace APIs lose updates without it.
 *
 * @since 0.1.0
 */
import { Effect, Semaphore } from "effect"

/**
 * A lock table.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KeyedLock } from "@unishare/core"
 * const lock = KeyedLock.make()
 * const write = lock.withLock("eci:list:42", Effect.succeed("written"))
 * ```
 */
export interface KeyedLock {
  readonly withLock: <A, E, R>(key: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Keys currently held or waited for. */
  readonly size: () => number
}

/**
 * Creates an empty lock table. Entries are removed when nobody holds or waits for them.
 *
 * @example
 * ```ts
 * import { KeyedLock } from "@unishare/core"
 * const locks = KeyedLock.make()
 * locks.size() // 0
 * ```
 */
export const make = (): KeyedLock => {
  const entries = new Map<string, { readonly semaphore: Semaphore.Semaphore; users: number }>()
  return {
    withLock: (key, effect) =>
      Effect.suspend(() => {
        let entry = entries.get(key)
        if (entry === undefined) {
          entry = { semaphore: Semaphore.makeUnsafe(1), users: 0 }
          entries.set(key, entry)
        }
        const held = entry
        held.users++
        return held.semaphore
          .withPermits(1)(effect)
          .pipe(
            Effect.ensuring(
              Effect.sync(() => {
                held.users--
                if (held.users === 0 && entries.get(key) === held) entries.delete(key)
              })
            )
          )
      }),
    size: () => entries.size
  }
}
