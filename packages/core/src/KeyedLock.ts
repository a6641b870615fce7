/**
 * Serializes effects per key (per resource): writes to one resource run one at a time, writes to
 * different resources run in parallel. Read-modify-write APIs (EnergyCAP's full-replace PUT) lose
 * updates without it.
 *
 * `KeyedLock` is also a service (a `Context.Reference`): adapters take the lock they serialize
 * read-modify-write cycles with from it. Its default is one in-process lock table shared by the
 * whole process, which serializes writers inside one process only. Several processes (backend
 * instances, migration runners) need a shared lock: provide one with
 * `Effect.provideService(KeyedLock.KeyedLock, sharedLock)` or `Layer.succeed(KeyedLock.KeyedLock, sharedLock)`.
 *
 * @since 0.1.0
 */
import { Context, Effect, Schema, Semaphore } from "effect"

/**
 * A shared lock could not be taken or kept (its store is unreachable, or it lost its lease). The
 * protected effect was not started (`maybeApplied` absent or `false`), or was interrupted before it
 * finished (`maybeApplied: true`: a write it had in flight may have been applied).
 *
 * @example
 * ```ts
 * import { KeyedLock } from "@unishare/core"
 * new KeyedLock.LockUnavailable({ key: "eci:list:42", message: "database unreachable" })
 * new KeyedLock.LockUnavailable({ key: "eci:list:42", message: "lease lost", maybeApplied: true })
 * ```
 */
export class LockUnavailable extends Schema.TaggedError<LockUnavailable>()("LockUnavailable", {
  key: Schema.String,
  message: Schema.String,
  maybeApplied: Schema.optionalKey(Schema.Boolean)
}) {}

/**
 * A lock table: `withLock(key, effect)` runs `effect` while holding the lock for `key`.
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
  readonly withLock: <A, E, R>(key: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | LockUnavailable, R>
  /** Keys currently held or waited for in this process. */
  readonly size: () => number
}

/**
 * An in-process lock table: it never fails with `LockUnavailable`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KeyedLock } from "@unishare/core"
 * const lock: KeyedLock.InProcess = KeyedLock.make()
 * const written: Effect.Effect<string> = lock.withLock("eci:list:42", Effect.succeed("written"))
 * ```
 */
export interface InProcess extends KeyedLock {
  readonly withLock: <A, E, R>(key: string, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/**
 * Creates an empty in-process lock table. Entries are removed when nobody holds or waits for them.
 *
 * @example
 * ```ts
 * import { KeyedLock } from "@unishare/core"
 * const locks = KeyedLock.make()
 * locks.size() // 0
 * ```
 */
export const make = (): InProcess => {
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

const processLocks = make()

/**
 * The lock service adapters serialize read-modify-write cycles with. Default: one in-process table
 * for the whole process (serializes writers in this process only).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { KeyedLock } from "@unishare/core"
 * const shared = KeyedLock.make() // stands for a lock shared by several processes
 * const program = Effect.gen(function* () {
 *   const lock = yield* KeyedLock.KeyedLock
 *   return yield* lock.withLock("eci:list:42", Effect.succeed("written"))
 * }).pipe(Effect.provideService(KeyedLock.KeyedLock, shared))
 * ```
 */
export const KeyedLock: Context.Reference<KeyedLock> = Context.Reference<KeyedLock>("@unishare/core/KeyedLock", {
  defaultValue: () => processLocks
})
