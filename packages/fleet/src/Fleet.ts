/**
 * Everything a fleet of backend instances needs on one PostgreSQL database, as one layer: the
 * shared `KeyedLock` (read-modify-write providers serialize per resource across processes) and the
 * shared request budget per credential (N instances together stay within the provider's limit).
 * Adapters made under the layer (`Eci.make(…)` and the like) pick both up.
 *
 * This lives in its own package so that a backend that runs one instance, or only grants and
 * lists, never installs a SQL driver: it opts in by adding `@unishare/fleet`.
 *
 * @since 0.1.0
 */
import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Layer, type Redacted } from "effect"
import type { SqlClient, SqlError } from "effect/sql"
import * as SqlBudgetStore from "./SqlBudgetStore.ts"
import * as SqlKeyedLock from "./SqlKeyedLock.ts"

/**
 * Options of the fleet layer.
 *
 * - `database` — the PostgreSQL URL (`postgres://user:password@host:5432/db`), redacted.
 * - `lock`, `budget` — options of `SqlKeyedLock` and `SqlBudgetStore`.
 * - `maxConnections` — pool size (default 10); a lock holder keeps one connection per locked resource.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Fleet } from "@unishare/fleet"
 * const options: Fleet.Options = { database: Redacted.make("postgres://app@db:5432/app"), lock: { acquireTimeout: "30 seconds" } }
 * ```
 */
export interface Options {
  readonly database: Redacted.Redacted<string>
  readonly lock?: SqlKeyedLock.Options | undefined
  readonly budget?: SqlBudgetStore.Options | undefined
  readonly maxConnections?: number | undefined
}

/**
 * The shared lock and budget on the `SqlClient` in context (bring your own client).
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { PgClient } from "@effect/sql-pg"
 * import { Fleet } from "@unishare/fleet"
 * const FleetLive = Fleet.layerSql().pipe(Layer.provide(PgClient.layer({ url: Redacted.make("postgres://localhost/app") })))
 * ```
 */
export const layerSql = (
  options: Omit<Options, "database" | "maxConnections"> = {}
): Layer.Layer<never, SqlError.SqlError, SqlClient.SqlClient> =>
  Layer.mergeAll(SqlKeyedLock.layer(options.lock), SqlBudgetStore.layer(options.budget))

/**
 * The shared lock and budget on a PostgreSQL database given by URL.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Grantee } from "@unishare/core"
 * import * as Eci from "@unishare/eci"
 * import { Fleet } from "@unishare/fleet"
 * // provide the layer to the whole program that uses the provider (its scope owns the pool)
 * const program = Effect.gen(function* () {
 *   const energycap = yield* Eci.make({ apiKey: Redacted.make("…") })
 *   return yield* energycap.grant(Eci.list(42), { grantee: Grantee.user({ id: "7" }), level: "viewer" })
 * }).pipe(
 *   Effect.provide(Fleet.layer({ database: Redacted.make("postgres://app@db:5432/app") })),
 *   Effect.provide(FetchHttpClient.layer)
 * )
 * ```
 */
export const layer = (options: Options): Layer.Layer<never, SqlError.SqlError> =>
  layerSql(options).pipe(
    Layer.provide(
      PgClient.layer({
        url: options.database,
        maxConnections: options.maxConnections ?? 10,
        applicationName: "unishare-fleet"
      })
    )
  )

/**
 * `layer` with the database URL read from `UNISHARE_DATABASE_URL` (redacted).
 *
 * @example
 * ```ts
 * import { Fleet } from "@unishare/fleet"
 * const FleetLive = Fleet.layerConfig()
 * ```
 */
export const layerConfig = (
  options: Omit<Options, "database"> = {}
): Layer.Layer<never, SqlError.SqlError | Config.ConfigError> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const database = yield* Config.Redacted("UNISHARE_DATABASE_URL")
      return layer({ ...options, database })
    })
  )
