/**
 * A `KeyedLock` shared by every process on one PostgreSQL database: read-modify-write cycles on one
 * resource (EnergyCAP's full-replace PUT) run one at a time across a fleet of backend instances or
 * migration runners.
 *
 * How: waiters inside one process queue on an in-process lock first (so a hundred waiters do not
 * hold a hundred connections); the process's one holder then reserves a connection, opens a
 * transaction and takes a transaction-level advisory lock (`pg_advisory_xact_lock` on a 64-bit hash
 * of the key) bounded by `lock_timeout`. Ending the transaction releases it, and so does PostgreSQL
 * when the holder's connection or process dies, so a crash never leaves a lock behind. Advisory locks
 * need no table and no migration. While the protected effect runs, the holder's connection is
 * pinged; if it fails, the lock may have passed to someone else, so the effect is interrupted and
 * fails with `LockUnavailable` (a write in flight at that moment may have been applied).
 *
 * @since 0.1.0
 */
import { KeyedLock } from "@unishare/core"
import { Duration, Effect, Layer, Schedule } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import * as LayerClosed from "./LayerClosed.ts"

/** The PostgreSQL error behind a `SqlError` (its SQLSTATE `code` and server message), if any. */
const postgresError = (e: SqlError.SqlError): { readonly code?: string; readonly message?: string } | undefined => {
  const reason = (e as { readonly reason?: { readonly cause?: unknown } }).reason
  const cause = reason?.cause ?? (e as { readonly cause?: unknown }).cause
  return typeof cause === "object" && cause !== null ? (cause as { code?: string; message?: string }) : undefined
}

const describe = (e: SqlError.SqlError): string => {
  const server = postgresError(e)?.message
  return server !== undefined && server !== "" ? `${e.message} (${server})` : e.message
}

/**
 * Options of the shared lock.
 *
 * - `namespace` — prefix of every key (default `"unishare"`), to keep apart applications that
 *   share one database.
 * - `acquireTimeout` — longest wait for a lock before `LockUnavailable` (default 60 s).
 * - `heartbeat` — how often the holder's connection is checked while the effect runs (default 5 s).
 *
 * @example
 * ```ts
 * import type { SqlKeyedLock } from "@unishare/fleet"
 * const options: SqlKeyedLock.Options = { namespace: "billing", acquireTimeout: "30 seconds" }
 * ```
 */
export interface Options {
  readonly namespace?: string | undefined
  readonly acquireTimeout?: Duration.Input | undefined
  readonly heartbeat?: Duration.Input | undefined
}

/**
 * Builds the shared lock on the PostgreSQL `SqlClient` in context.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { PgClient } from "@effect/sql-pg"
 * import { KeyedLock } from "@unishare/core"
 * import { SqlKeyedLock } from "@unishare/fleet"
 * const program = Effect.gen(function* () {
 *   const lock = yield* SqlKeyedLock.make()
 *   return yield* lock.withLock("eci:list:42", Effect.succeed("written"))
 * }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make("postgres://localhost/app") })))
 * ```
 */
export const make = (options: Options = {}): Effect.Effect<KeyedLock.KeyedLock, never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const local = KeyedLock.make()
    const namespace = options.namespace ?? "unishare"
    const timeoutMillis = Math.max(
      1,
      Math.round(Duration.toMillis(Duration.fromInputUnsafe(options.acquireTimeout ?? "60 seconds")))
    )
    const heartbeat = Duration.fromInputUnsafe(options.heartbeat ?? "5 seconds")

    const hold = <A, E, R>(key: string, effect: Effect.Effect<A, E, R>) =>
      Effect.scoped(
        Effect.gen(function* () {
          const unavailable = (what: string) => (e: SqlError.SqlError) =>
            new KeyedLock.LockUnavailable({ key, message: `${what}: ${describe(e)}` })
          const conn = yield* Effect.mapError(sql.reserve, unavailable("could not reach the lock database"))
          yield* Effect.acquireRelease(
            Effect.mapError(conn.executeRaw("BEGIN", []), unavailable("could not reach the lock database")),
            // ROLLBACK ends the transaction, which releases the advisory lock
            () => Effect.ignore(conn.executeRaw("ROLLBACK", []))
          )
          yield* conn.executeRaw(`SET LOCAL lock_timeout = ${timeoutMillis}`, []).pipe(
            Effect.andThen(
              conn.executeRaw("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`${namespace}:${key}`])
            ),
            Effect.mapError((e) =>
              postgresError(e)?.code === "55P03"
                ? new KeyedLock.LockUnavailable({
                    key,
                    message: `still held by another process after ${timeoutMillis} ms`
                  })
                : unavailable("could not take the lock")(e)
            )
          )
          const lost = conn.executeRaw("SELECT 1", []).pipe(
            Effect.repeat(Schedule.spaced(heartbeat)),
            Effect.flatMap(() => Effect.never),
            Effect.catch((e) =>
              Effect.fail(
                new KeyedLock.LockUnavailable({
                  key,
                  message: `lost the lock (its connection failed: ${describe(e)}); a write in flight may have been applied`
                })
              )
            ),
            Effect.delay(heartbeat)
          )
          return yield* Effect.raceFirst(effect, lost)
        })
      )

    return {
      withLock: (key, effect) => local.withLock(key, hold(key, effect)),
      size: local.size
    } satisfies KeyedLock.KeyedLock
  })

/**
 * The shared lock as the `KeyedLock` service: adapters made under this layer (`Eci.make`)
 * serialize their read-modify-write cycles across processes.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { PgClient } from "@effect/sql-pg"
 * import { SqlKeyedLock } from "@unishare/fleet"
 * const LockLive = SqlKeyedLock.layer().pipe(Layer.provide(PgClient.layer({ url: Redacted.make("postgres://localhost/app") })))
 * ```
 */
export const layer = (options: Options = {}): Layer.Layer<never, never, SqlClient.SqlClient> =>
  Layer.effect(
    KeyedLock.KeyedLock,
    Effect.gen(function* () {
      const lock = yield* make(options)
      // the layer's scope owns the pool: once it has closed, say so instead of failing on a closed pool
      const closed = yield* LayerClosed.watch
      return {
        withLock: (key, effect) =>
          closed()
            ? Effect.fail(new KeyedLock.LockUnavailable({ key, message: LayerClosed.message }))
            : lock.withLock(key, effect),
        size: lock.size
      } satisfies KeyedLock.KeyedLock
    })
  )
