/**
 * A `KeyedLock` shared by every process on one PostgreSQL database: read-modify-write cycles on one
 * resource (EnergyCAP's full-replace PUT) run one at a time across a fleet of backend instances or
 * migration runners — including when a holder's database session drops while its write is in flight.
 *
 * How: a lease per key, one row of a small table (`unishare_locks`). Taking the lock is one atomic
 * upsert that succeeds only when the key has no row or its lease has expired by the database's
 * clock; the holder renews its lease every `heartbeat` and deletes the row when its effect is done.
 * Waiters inside one process queue on an in-process lock first (one waiter per key per process asks
 * the database, with a short capped back-off). No connection is held while the effect runs, so a
 * dropped session (a PostgreSQL restart, failover, `pg_terminate_backend`) does not release the lock:
 * the next renewal simply uses a new connection.
 *
 * Why a lease and not an advisory lock: a session-bound lock passes to the next process the moment
 * the holder's session drops, while the holder's write can still be on its way to the provider — the
 * new holder reads the old state, writes, and the late write replaces it (a lost update reported as
 * success by both). A lease outlives the session, and its length fences writes by time:
 *
 * - A lease lasts `requestDeadline + 2 × heartbeat` (default 30 s + 10 s) from the moment of its last
 *   renewal, measured on the database's clock. The holder counts the same span on its own clock
 *   from the moment it *sent* the renewal (never later than the database's reading).
 * - If no renewal has been confirmed for `2 × heartbeat`, the holder interrupts its effect and fails
 *   with `LockUnavailable { maybeApplied: true }` — before its lease can expire, and at least
 *   `requestDeadline` before it does. Requests it sent earlier can therefore land for another
 *   `requestDeadline` without reaching a new holder's turn.
 * - When the effect was interrupted (lost lease, or the caller's interruption) the lease is not
 *   deleted but shortened to `requestDeadline` from now: whatever was in flight may still land.
 * - A holder that dies leaves its lease to expire: others wait up to `requestDeadline + 2 × heartbeat`.
 *
 * Assumption (documented in the README's Guarantees): every request to the provider takes effect
 * within `requestDeadline` of being sent, or never; and the clocks of the database host and of the
 * application hosts run at the same rate (no agreement on the time of day is needed).
 *
 * The table is created when missing, serialized on PostgreSQL (processes starting together race on
 * `CREATE TABLE IF NOT EXISTS`). A row's `contended_at` tells when another process last asked for a
 * key someone holds (monitoring, and what tests wait for).
 *
 * @since 0.1.0
 */
import { KeyedLock } from "@unishare/core"
import { Cause, Clock, Duration, Effect, Exit, Layer, Random, Schedule } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import * as LayerClosed from "./LayerClosed.ts"
import { createTable } from "./SqlBudgetStore.ts"

/** The PostgreSQL error behind a `SqlError` (its server message), if any. */
const describe = (e: SqlError.SqlError): string => {
  const reason = (e as { readonly reason?: { readonly cause?: unknown } }).reason
  const cause = reason?.cause ?? (e as { readonly cause?: unknown }).cause
  const server =
    typeof cause === "object" && cause !== null ? (cause as { readonly message?: unknown }).message : undefined
  return typeof server === "string" && server !== "" ? `${e.message} (${server})` : e.message
}

/**
 * Options of the shared lock.
 *
 * - `namespace` — prefix of every key (default `"unishare"`), to keep apart applications that
 *   share one database.
 * - `acquireTimeout` — longest wait for a lock before `LockUnavailable` (default 60 s).
 * - `heartbeat` — how often the holder renews its lease (default 5 s).
 * - `requestDeadline` — the longest a provider request may take to take effect after it was sent
 *   (default 30 s): a lease outlives its holder's last confirmed renewal by this plus two heartbeats.
 * - `table` — the lease table (default `"unishare_locks"`; letters, digits and `_`).
 *
 * @example
 * ```ts
 * import type { SqlKeyedLock } from "@unishare/fleet"
 * const options: SqlKeyedLock.Options = { namespace: "billing", acquireTimeout: "30 seconds", requestDeadline: "20 seconds" }
 * ```
 */
export interface Options {
  readonly namespace?: string | undefined
  readonly acquireTimeout?: Duration.Input | undefined
  readonly heartbeat?: Duration.Input | undefined
  readonly requestDeadline?: Duration.Input | undefined
  readonly table?: string | undefined
}

const millisOf = (input: Duration.Input): number =>
  Math.max(1, Math.round(Duration.toMillis(Duration.fromInputUnsafe(input))))

/**
 * How long a lease lasts after its last renewal: `requestDeadline + 2 × heartbeat` (defaults: 40 s).
 * Also the longest a key stays locked after its holder died.
 *
 * @example
 * ```ts
 * import { SqlKeyedLock } from "@unishare/fleet"
 * SqlKeyedLock.leaseMillis({ heartbeat: "1 second", requestDeadline: "10 seconds" }) // 12000
 * ```
 */
export const leaseMillis = (options: Options = {}): number =>
  millisOf(options.requestDeadline ?? "30 seconds") + 2 * millisOf(options.heartbeat ?? "5 seconds")

/**
 * Builds the shared lock on the PostgreSQL `SqlClient` in context, creating its table if missing.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { PgClient } from "@effect/sql-pg"
 * import { SqlKeyedLock } from "@unishare/fleet"
 * const program = Effect.gen(function* () {
 *   const lock = yield* SqlKeyedLock.make()
 *   return yield* lock.withLock("eci:list:42", Effect.succeed("written"))
 * }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make("postgres://localhost/app") })))
 * ```
 */
export const make = (
  options: Options = {}
): Effect.Effect<KeyedLock.KeyedLock, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tableName = options.table ?? "unishare_locks"
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tableName)) {
      return yield* Effect.die(new Error(`SqlKeyedLock: invalid table name ${JSON.stringify(tableName)}`))
    }
    const table = sql(tableName)
    yield* createTable(
      sql,
      tableName,
      sql`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, token TEXT NOT NULL, until TIMESTAMPTZ NOT NULL, contended_at TIMESTAMPTZ)`
    )
    const local = KeyedLock.make()
    const namespace = options.namespace ?? "unishare"
    const acquireMillis = millisOf(options.acquireTimeout ?? "60 seconds")
    const heartbeatMillis = millisOf(options.heartbeat ?? "5 seconds")
    const deadlineMillis = millisOf(options.requestDeadline ?? "30 seconds")
    const lease = leaseMillis(options)

    /** One attempt: the lease is ours when the key is free or its lease has expired. */
    const tryTake = (name: string, token: string) =>
      Effect.map(
        sql<{ readonly token: string }>`
          INSERT INTO ${table} AS l (key, token, until) VALUES (${name}, ${token}, now() + ${lease} * interval '1 millisecond')
          ON CONFLICT (key) DO UPDATE SET
            token = CASE WHEN l.until <= now() THEN excluded.token ELSE l.token END,
            until = CASE WHEN l.until <= now() THEN excluded.until ELSE l.until END,
            contended_at = CASE WHEN l.until <= now() THEN NULL ELSE now() END
          RETURNING token`,
        (rows) => rows[0]?.token === token
      )

    const renew = (name: string, token: string) =>
      Effect.map(
        sql`UPDATE ${table} SET until = now() + ${lease} * interval '1 millisecond' WHERE key = ${name} AND token = ${token} RETURNING 1`,
        (rows) => rows.length === 1
      )

    /** The effect completed: the key is free at once. */
    const free = (name: string, token: string) =>
      sql`DELETE FROM ${table} WHERE key = ${name} AND token = ${token}`.pipe(
        Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 2 }),
        Effect.ignore
      )

    /** The effect was interrupted: whatever it had in flight may land within `requestDeadline`. */
    const shorten = (name: string, token: string) =>
      sql`UPDATE ${table} SET until = LEAST(until, now() + ${deadlineMillis} * interval '1 millisecond') WHERE key = ${name} AND token = ${token}`.pipe(
        Effect.ignore
      )

    const hold = <A, E, R>(key: string, effect: Effect.Effect<A, E, R>) =>
      Effect.gen(function* () {
        const name = `${namespace}:${key}`
        const token = crypto.randomUUID()
        const unavailable = (what: string) => (e: SqlError.SqlError) =>
          new KeyedLock.LockUnavailable({ key, message: `${what}: ${describe(e)}` })

        // take the lease: ask until it is free, with a capped back-off, for at most acquireTimeout
        const started = yield* Clock.currentTimeMillis
        let confirmed = 0
        let wait = 5
        for (;;) {
          const sent = yield* Clock.currentTimeMillis
          const taken = yield* tryTake(name, token).pipe(
            // the answer may be lost after the row was written: never leave a stray lease behind
            Effect.tapError(() => free(name, token)),
            Effect.mapError(unavailable("could not reach the lock database"))
          )
          if (taken) {
            confirmed = sent
            break
          }
          const now = yield* Clock.currentTimeMillis
          if (now - started >= acquireMillis) {
            return yield* new KeyedLock.LockUnavailable({
              key,
              message: `still held by another process after ${acquireMillis} ms`
            })
          }
          const jitter = yield* Random.nextBetween(0.5, 1)
          yield* Effect.sleep(Duration.millis(Math.min(wait * jitter, acquireMillis - (now - started))))
          wait = Math.min(wait * 2, 100)
        }

        // keep the lease: renew every heartbeat; without a confirmed renewal for two heartbeats,
        // stop the effect while every request it sent can still land inside the lease
        const keep = Effect.gen(function* () {
          let retry = false
          for (;;) {
            const deadline = confirmed + 2 * heartbeatMillis
            const now = yield* Clock.currentTimeMillis
            const next = Math.min(deadline, retry ? now + Math.ceil(heartbeatMillis / 5) : confirmed + heartbeatMillis)
            if (next > now) yield* Effect.sleep(Duration.millis(next - now))
            const sent = yield* Clock.currentTimeMillis
            if (sent >= deadline) {
              return yield* new KeyedLock.LockUnavailable({
                key,
                message: `lost the lock: its lease could not be renewed for ${2 * heartbeatMillis} ms; a write in flight may have been applied (no other holder starts before it can no longer land)`,
                maybeApplied: true
              })
            }
            const renewed = yield* renew(name, token).pipe(
              Effect.timeoutOption(Duration.millis(deadline - sent)),
              Effect.result
            )
            if (renewed._tag === "Success" && renewed.success._tag === "Some") {
              if (!renewed.success.value) {
                return yield* new KeyedLock.LockUnavailable({
                  key,
                  message: "lost the lock: its lease was taken over; a write in flight may have been applied",
                  maybeApplied: true
                })
              }
              confirmed = sent
              retry = false
            } else {
              retry = true
            }
          }
        })

        return yield* Effect.raceFirst(effect, keep).pipe(
          Effect.onExit((exit) =>
            Exit.isSuccess(exit) || (!Cause.hasInterrupts(exit.cause) && !lostLease(exit.cause))
              ? free(name, token)
              : shorten(name, token)
          )
        )
      })

    return {
      withLock: (key, effect) => local.withLock(key, hold(key, effect)),
      size: local.size
    } satisfies KeyedLock.KeyedLock
  })

/** The holder's own lease-lost failure (its effect was interrupted mid-way). */
const lostLease = <E>(cause: Cause.Cause<E>): boolean =>
  cause.reasons.some(
    (r) => r._tag === "Fail" && r.error instanceof KeyedLock.LockUnavailable && r.error.maybeApplied === true
  )

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
export const layer = (options: Options = {}): Layer.Layer<never, SqlError.SqlError, SqlClient.SqlClient> =>
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
