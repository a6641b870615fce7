/**
 * A `SqlClient` (`effect/sql`) on Node's built-in `node:sqlite`: the embedded store of durable
 * migration runs, one file beside the plan, nothing to install.
 *
 * Hand-written because no SQLite driver published for effect loads with effect 4.1 (the
 * `@effect/sql-sqlite-node` 4.x betas import modules 4.1 no longer has); replace it with the
 * official driver once one is published. It is small: one connection, serialized by effect's own
 * `makeSqliteAcquirers`, statements compiled by effect's SQLite compiler.
 *
 * The file is opened with `locking_mode = EXCLUSIVE` and locked at once: a second process on the
 * same file fails with `DatabaseBusy` instead of running the same work twice.
 *
 * @since 0.1.0
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite"
import { Effect, Layer, Schema, type Scope, Semaphore, Stream } from "effect"
import { Reactivity } from "effect/reactivity"
import { SqlClient, type SqlConnection, SqlError, Statement } from "effect/sql"

/**
 * Another process holds the database file.
 *
 * @example
 * ```ts
 * import { SqliteClient } from "@unishare/migration"
 * new SqliteClient.DatabaseBusy({ filename: "plan.unishare.db", message: "in use by another process" })
 * ```
 */
export class DatabaseBusy extends Schema.TaggedError<DatabaseBusy>()("DatabaseBusy", {
  filename: Schema.String,
  message: Schema.String
}) {}

/**
 * Options: the database `filename`, `busyTimeoutMillis` — how long to wait for another process
 * to release the file before `DatabaseBusy` (default 2 s) — and `readOnly`: the file is locked
 * like any other (so a run in progress is never read half-written), its journal mode is left as
 * it is, and SQLite's `query_only` refuses every statement that would change it (a reader of a
 * store never writes to it, whatever version made it).
 *
 * @example
 * ```ts
 * import type { SqliteClient } from "@unishare/migration"
 * const options: SqliteClient.Options = { filename: "plan.unishare.db" }
 * ```
 */
export interface Options {
  readonly filename: string
  readonly busyTimeoutMillis?: number | undefined
  readonly readOnly?: boolean | undefined
}

const toInput = (value: unknown): SQLInputValue => {
  if (value === undefined || value === null) return null
  if (typeof value === "boolean") return value ? 1 : 0
  if (value instanceof Date) return value.toISOString()
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "string") return value
  if (value instanceof Uint8Array) return value
  return JSON.stringify(value)
}

const fail = (message: string, cause: unknown) =>
  new SqlError.SqlError({ reason: new SqlError.UnknownError({ message, cause, operation: "execute" }) })

/**
 * Opens the database file (creating it) and builds the client; closed with the scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SqliteClient } from "@unishare/migration"
 * const rows = Effect.gen(function* () {
 *   const sql = yield* SqliteClient.make({ filename: ":memory:" })
 *   return yield* sql`SELECT 1 AS one`
 * }).pipe(Effect.scoped, Effect.provide(SqliteClient.layerReactivity))
 * ```
 */
export const make = (
  options: Options
): Effect.Effect<SqlClient.SqlClient, DatabaseBusy, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function* () {
    const filename = options.filename
    const db = yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          const db = new DatabaseSync(filename, { timeout: options.busyTimeoutMillis ?? 2_000 })
          try {
            db.exec("PRAGMA locking_mode = EXCLUSIVE")
            if (options.readOnly !== true) {
              db.exec("PRAGMA journal_mode = WAL")
              db.exec("PRAGMA synchronous = NORMAL")
            }
            // take the exclusive lock now, so that a second process fails here and not mid-run
            db.exec("BEGIN EXCLUSIVE; COMMIT")
            // after the lock (taking it counts as a write); SQLite's node binding cannot open a
            // WAL file with SQLITE_OPEN_READONLY without its -shm file, hence this guard instead
            if (options.readOnly === true) db.exec("PRAGMA query_only = ON")
          } catch (e) {
            db.close()
            throw e
          }
          return db
        },
        catch: (e) =>
          new DatabaseBusy({
            filename,
            message: /locked|busy/i.test(String(e))
              ? `${filename} is in use by another unishare process (an apply or a runner on the same plan); wait for it to finish or stop it`
              : `cannot open ${filename}: ${String(e)}`
          })
      }),
      (db) => Effect.sync(() => db.isOpen && db.close())
    )
    const cache = new Map<string, StatementSync>()
    const prepare = (sql: string) => {
      let statement = cache.get(sql)
      if (statement === undefined) {
        statement = db.prepare(sql)
        if (cache.size > 500) cache.clear()
        cache.set(sql, statement)
      }
      return statement
    }
    const run = (sql: string, params: ReadonlyArray<unknown>, arrays: boolean): ReadonlyArray<object> => {
      const statement = prepare(sql)
      const inputs = params.map(toInput)
      if (statement.columns().length === 0) {
        statement.run(...inputs)
        return []
      }
      statement.setReturnArrays(arrays)
      return statement.all(...inputs)
    }
    const execute = (sql: string, params: ReadonlyArray<unknown>, arrays = false) =>
      Effect.try({ try: () => run(sql, params, arrays), catch: (e) => fail(`SQLite: ${String(e)}`, e) })
    const connection: SqlConnection.Connection = {
      execute: (sql, params, transformRows) =>
        Effect.map(execute(sql, params), (rows) => (transformRows ? transformRows(rows) : rows)),
      executeRaw: (sql, params) => execute(sql, params),
      executeStream: (sql, params, transformRows) =>
        Stream.fromIterableEffect(
          Effect.map(execute(sql, params), (rows) => (transformRows ? transformRows(rows) : rows))
        ),
      executeValues: (sql, params) =>
        execute(sql, params, true) as Effect.Effect<ReadonlyArray<ReadonlyArray<unknown>>, SqlError.SqlError>,
      executeValuesUnprepared: (sql, params) =>
        execute(sql, params, true) as Effect.Effect<ReadonlyArray<ReadonlyArray<unknown>>, SqlError.SqlError>,
      executeUnprepared: (sql, params, transformRows) =>
        Effect.try({
          try: () => {
            if (params.length === 0 && !/^\s*(select|with|pragma|insert|update|delete)/i.test(sql)) {
              db.exec(sql)
              return []
            }
            const rows = run(sql, params, false)
            return transformRows ? transformRows(rows) : rows
          },
          catch: (e) => fail(`SQLite: ${String(e)}`, e)
        })
    }
    const semaphore = yield* Semaphore.make(1)
    const acquirers = SqlClient.makeSqliteAcquirers({
      connection: Effect.succeed(connection),
      semaphore,
      isTransaction: () => db.isTransaction
    })
    return yield* SqlClient.make({
      acquirer: acquirers.acquirer,
      borrower: acquirers.borrower,
      transactionAcquirer: acquirers.transactionAcquirer,
      onCommitFailure: acquirers.onCommitFailure,
      isTransaction: acquirers.isTransaction,
      compiler: Statement.makeCompilerSqlite(),
      driver: "sqlite",
      spanAttributes: [["db.system.name", "sqlite"]]
    })
  })

/**
 * The `Reactivity` service `make` needs (effect's in-memory one).
 *
 * @example
 * ```ts
 * import { SqliteClient } from "@unishare/migration"
 * const ReactivityLive = SqliteClient.layerReactivity
 * ```
 */
export const layerReactivity: Layer.Layer<Reactivity.Reactivity> = Reactivity.layer

/**
 * The client as the `SqlClient` service.
 *
 * @example
 * ```ts
 * import { SqliteClient } from "@unishare/migration"
 * const SqlLive = SqliteClient.layer({ filename: "plan.unishare.db" })
 * ```
 */
export const layer = (options: Options): Layer.Layer<SqlClient.SqlClient, DatabaseBusy> =>
  Layer.effect(SqlClient.SqlClient, make(options)).pipe(Layer.provide(Reactivity.layer))
