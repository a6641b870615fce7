/**
 * The HTTP toolkit's rate budgets (`RateLimiter.Store` of `@unishare/core`) kept in a SQL database,
 * so that every process using one database shares one budget per credential: N instances together
 * stay within the provider's limit instead of sending N times it.
 *
 * Core's limiter keeps one small JSON state per key and changes it with one atomic
 * read-modify-write (`BudgetStore.update`). Here each is one short transaction (a request takes
 * two, when it is sent and when it is answered, and one more per wait): the key's row is created if
 * missing, locked (`SELECT … FOR UPDATE` on PostgreSQL; SQLite serializes writers itself), read,
 * passed to the limiter's pure step and written back. The send times in the state come from each
 * process's clock, so the machines of a fleet need clocks that agree (NTP) well within the
 * limiter's margin (2 % of the window, at least 100 ms).
 *
 * The table (`unishare_rate_budgets` unless renamed) is created when the store is made, under an
 * advisory lock on PostgreSQL (processes starting together would race on it).
 *
 * @since 0.1.0
 */
import { RateLimiter } from "@unishare/core"
import { Effect, Layer } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import * as LayerClosed from "./LayerClosed.ts"

/**
 * Options: `table` (default `"unishare_rate_budgets"`; letters, digits and `_`).
 *
 * @example
 * ```ts
 * import type { SqlBudgetStore } from "@unishare/fleet"
 * const options: SqlBudgetStore.Options = { table: "billing_rate_budgets" }
 * ```
 */
export interface Options {
  readonly table?: string | undefined
}

/**
 * Creates the table if missing (serialized on PostgreSQL, where `CREATE TABLE IF NOT EXISTS`
 * races between processes starting together).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SqlClient } from "effect/sql"
 * import { SqlBudgetStore } from "@unishare/fleet"
 * const ready = Effect.gen(function* () {
 *   const sql = yield* SqlClient.SqlClient
 *   yield* SqlBudgetStore.createTable(sql, "t", sql`CREATE TABLE IF NOT EXISTS t (x TEXT)`)
 * })
 * ```
 */
export const createTable = <A>(
  sql: SqlClient.SqlClient,
  name: string,
  create: Effect.Effect<A, SqlError.SqlError>
): Effect.Effect<void, SqlError.SqlError> =>
  sql.onDialectOrElse({
    pg: () =>
      Effect.asVoid(
        sql.withTransaction(
          Effect.andThen(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`ddl:${name}`}, 0))`, create)
        )
      ),
    orElse: () => Effect.asVoid(create)
  })

/**
 * Builds the store on the `SqlClient` in context, creating its table if missing.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { PgClient } from "@effect/sql-pg"
 * import { RateLimiter } from "@unishare/core"
 * import { SqlBudgetStore } from "@unishare/fleet"
 * const program = Effect.gen(function* () {
 *   const store = yield* SqlBudgetStore.make()
 *   yield* RateLimiter.acquire("eci:1a2b", { requests: 60, windowMillis: 5_000 }).pipe(
 *     Effect.provideService(RateLimiter.Store, store))
 * }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make("postgres://localhost/app") })))
 * ```
 */
export const make = (
  options: Options = {}
): Effect.Effect<RateLimiter.BudgetStore, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tableName = options.table ?? "unishare_rate_budgets"
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tableName)) {
      return yield* Effect.die(new Error(`SqlBudgetStore: invalid table name ${JSON.stringify(tableName)}`))
    }
    const table = sql(tableName)
    yield* createTable(
      sql,
      tableName,
      sql`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, state TEXT NOT NULL)`
    )
    const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    return {
      update: (key, f) =>
        sql
          .withTransaction(
            Effect.gen(function* () {
              yield* sql`INSERT INTO ${table} (key, state) VALUES (${key}, 'null') ON CONFLICT (key) DO NOTHING`
              const rows = isPg
                ? yield* sql<{ readonly state: string }>`SELECT state FROM ${table} WHERE key = ${key} FOR UPDATE`
                : yield* sql<{ readonly state: string }>`SELECT state FROM ${table} WHERE key = ${key}`
              const stored = JSON.parse(rows[0]?.state ?? "null") as RateLimiter.State | null
              const [result, next] = f(stored ?? undefined)
              yield* sql`UPDATE ${table} SET state = ${JSON.stringify(next)} WHERE key = ${key}`
              return result
            })
          )
          .pipe(
            Effect.mapError(
              (e) =>
                new RateLimiter.StoreUnavailable({
                  key,
                  message: `the shared rate budget is unreachable: ${e.message}`
                })
            )
          )
    } satisfies RateLimiter.BudgetStore
  })

/**
 * The store as core's `RateLimiter.Store`: clients under this layer (`Eci.make`,
 * `Smartsheet.make`, …) reserve every request from the shared budget.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { PgClient } from "@effect/sql-pg"
 * import { SqlBudgetStore } from "@unishare/fleet"
 * const BudgetLive = SqlBudgetStore.layer().pipe(Layer.provide(PgClient.layer({ url: Redacted.make("postgres://localhost/app") })))
 * ```
 */
export const layer = (options: Options = {}): Layer.Layer<never, SqlError.SqlError, SqlClient.SqlClient> =>
  Layer.effect(
    RateLimiter.Store,
    Effect.gen(function* () {
      const store = yield* make(options)
      // the layer's scope owns the pool: once it has closed, say so instead of failing on a closed pool
      const closed = yield* LayerClosed.watch
      return {
        update: (key, f) =>
          closed()
            ? Effect.fail(new RateLimiter.StoreUnavailable({ key, message: LayerClosed.message }))
            : store.update(key, f)
      } satisfies RateLimiter.BudgetStore
    })
  )
