/**
 * The engines of `DurableApply` in one process (internal): `ApplyChunk` registered on
 * `effect/cluster`'s `ClusterWorkflowEngine` with one runner in this process (`SingleRunner`'s
 * pieces), over an embedded SQLite file (`layerEmbedded`) or PostgreSQL (`layerPostgres`, agreed
 * with the store's other processes through `RunnerCluster`); the read-only store for `status`,
 * `audit`, `verify` and a dry run (`layerStore`). Every sharding configuration is explicit
 * (`shardingConfig`): nothing is read from `HOST`, `PORT`… in the environment.
 *
 * @since 0.1.0
 */
import { NodeCrypto } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import type { Shape } from "@unishare/core/SharingProvider"
import { Duration, Effect, Layer, Option, Redacted } from "effect"
import {
  ClusterWorkflowEngine,
  RunnerAddress,
  RunnerHealth,
  Runners,
  Sharding,
  ShardingConfig,
  SqlMessageStorage,
  SqlRunnerStorage
} from "effect/cluster"
import type { SqlClient, SqlError } from "effect/sql"
import type { WorkflowEngine } from "effect/workflow"
import * as RunnerCluster from "../RunnerCluster.ts"
import * as SqliteClient from "../SqliteClient.ts"
import { layerWorkflows, Target } from "./DurableWorkflow.ts"
import { thisRun } from "./RunStoreSchema.ts"

/**
 * Engine settings shared by both stores: `shardsPerGroup` (default 32; identical on every runner of
 * one database).
 *
 * @example
 * ```ts
 * import type { DurableApply } from "@unishare/migration"
 * const options: DurableApply.EngineOptions = { shardsPerGroup: 64 }
 * ```
 */
export interface EngineOptions {
  readonly shardsPerGroup?: number | undefined
}

/**
 * The engine running in this process on the `SqlClient` given by `sql`: `WorkflowEngine` and the
 * store's `SqlClient`, with `ApplyChunk` registered for `target`. The sharding configuration is
 * explicit (never read from `HOST`, `PORT`… in the environment).
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * import { DurableApply, SqliteClient } from "@unishare/migration"
 * const EngineLive = DurableApply.layerWith(SqliteClient.layer({ filename: "plan.run.db" }), MemoryProvider.make())
 * ```
 */
export const layerWith = <E>(
  sql: Layer.Layer<SqlClient.SqlClient, E>,
  target: Shape,
  options: EngineOptions = {}
): Layer.Layer<WorkflowEngine.WorkflowEngine | SqlClient.SqlClient, E> =>
  layerInProcess(
    sql,
    target,
    Layer.succeed(ShardingConfig.ShardingConfig, shardingConfig({ ...RunnerCluster.defaults, ...definedOf(options) }))
  )

export const definedOf = (options: EngineOptions) =>
  options.shardsPerGroup === undefined ? {} : { shardsPerGroup: options.shardsPerGroup }

/** One runner in this process (`SingleRunner`'s pieces) on the sharding configuration `config`. */
const layerInProcess = <E, E2>(
  sql: Layer.Layer<SqlClient.SqlClient, E>,
  target: Shape,
  config: Layer.Layer<ShardingConfig.ShardingConfig, E2, SqlClient.SqlClient>
): Layer.Layer<WorkflowEngine.WorkflowEngine | SqlClient.SqlClient, E | E2> => {
  const sharding = Sharding.layer.pipe(
    Layer.provideMerge(Runners.layerNoop),
    Layer.provideMerge(SqlMessageStorage.layer),
    Layer.provide([Layer.orDie(SqlRunnerStorage.layer), RunnerHealth.layerNoop]),
    Layer.provide(config)
  )
  const engine = ClusterWorkflowEngine.layer.pipe(Layer.provideMerge(sharding))
  return layerWorkflows.pipe(
    Layer.provideMerge(engine),
    Layer.provide(Layer.succeed(Target, target)),
    Layer.provide(NodeCrypto.layerDigest),
    Layer.provideMerge(sql)
  )
}

/**
 * The complete sharding configuration of a process: every field explicit (Effect's defaults, then
 * ours), so nothing is read from the environment (`HOST`, `PORT`, `SHARDS_PER_GROUP`,
 * `SHARD_GROUPS`, `LISTEN_HOST`…, which `ShardingConfig.layerFromEnv` would read).
 */
const shardingConfig = (
  settings: RunnerCluster.Settings,
  runnerAddress?: RunnerCluster.Address
): ShardingConfig.ShardingConfig["Service"] => {
  const expiration = settings.shardLockExpirationMillis
  return {
    ...ShardingConfig.defaults,
    shardsPerGroup: settings.shardsPerGroup,
    entityMessagePollInterval: Duration.seconds(1),
    entityReplyPollInterval: Duration.millis(200),
    refreshAssignmentsInterval: Duration.seconds(1),
    shardLockExpiration: Duration.millis(expiration),
    shardLockRefreshInterval: Duration.millis(Math.max(200, Math.floor(expiration / 5))),
    ...(runnerAddress === undefined
      ? {}
      : { runnerAddress: Option.some(RunnerAddress.make(runnerAddress.host, runnerAddress.port)) }),
    runnerListenAddress: Option.none()
  }
}

/** The sharding configuration agreed with the store (`RunnerCluster.join`), registered while it lives. */
export const agreedConfig = <R extends RunnerCluster.Role>(
  options: RunnerCluster.JoinOptions<R>,
  runnerAddress?: RunnerCluster.Address
) =>
  Layer.effect(
    ShardingConfig.ShardingConfig,
    Effect.map(RunnerCluster.ClusterSettings, (settings) => shardingConfig(settings, runnerAddress))
  ).pipe(Layer.provideMerge(RunnerCluster.layer(options)))

/**
 * The embedded engine: one SQLite file (`filename`, beside the plan), nothing to install. Fails
 * with `SqliteClient.DatabaseBusy` when another process holds the file.
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * import { DurableApply } from "@unishare/migration"
 * const EngineLive = DurableApply.layerEmbedded({ filename: "plan.run.db" }, MemoryProvider.make())
 * ```
 */
export const layerEmbedded = (
  options: EngineOptions & { readonly filename: string },
  target: Shape
): Layer.Layer<WorkflowEngine.WorkflowEngine | SqlClient.SqlClient, SqliteClient.DatabaseBusy> =>
  layerWith(SqliteClient.layer({ filename: options.filename }), target, options)

/**
 * The engine on a PostgreSQL database (`@effect/sql-pg`), running in this process. It holds shards
 * like a runner but cannot be reached by runners, so it refuses a store with live runners or
 * another live in-process apply (`RunnerCluster.StoreInUse`: submit with `layerSubmitter` instead),
 * and registers itself (`RunnerCluster.join`) while it runs so that runners wait for it.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { MemoryProvider } from "@unishare/core"
 * import { DurableApply } from "@unishare/migration"
 * const EngineLive = DurableApply.layerPostgres({ database: Redacted.make("postgres://localhost/runs") }, MemoryProvider.make())
 * ```
 */
export const layerPostgres = (
  options: EngineOptions & { readonly database: Redacted.Redacted<string> },
  target: Shape
): Layer.Layer<
  WorkflowEngine.WorkflowEngine | SqlClient.SqlClient,
  SqlError.SqlError | RunnerCluster.InvalidClusterOptions | RunnerCluster.SettingsMismatch | RunnerCluster.StoreInUse
> =>
  layerInProcess(
    PgClient.layer({ url: options.database, applicationName: "unishare-apply" }),
    target,
    agreedConfig({ role: "in-process", process: thisRun, requested: definedOf(options) })
  )

/**
 * Only the store named by `database` (a `postgres://` or `postgresql://` URL, otherwise a SQLite
 * file), without an engine, read only: what `status`, `audit`, `verify` and a dry run need. The
 * store refuses writes itself (SQLite's `query_only`, PostgreSQL's `default_transaction_read_only`
 * for the session), so reading a store, even one an older version made, never changes it.
 *
 * @example
 * ```ts
 * import { DurableApply } from "@unishare/migration"
 * const StoreLive = DurableApply.layerStore("postgres://localhost/runs")
 * ```
 */
export const layerStore = (
  database: string
): Layer.Layer<SqlClient.SqlClient, SqliteClient.DatabaseBusy | SqlError.SqlError> =>
  isPostgres(database)
    ? PgClient.layer({
        url: Redacted.make(database),
        applicationName: "unishare-status",
        startupParameters: { default_transaction_read_only: "on" }
      })
    : SqliteClient.layer({ filename: database, readOnly: true })

/**
 * Whether `database` names a PostgreSQL database (`postgres://…` or `postgresql://…`) rather than a
 * SQLite file.
 *
 * @example
 * ```ts
 * import { DurableApply } from "@unishare/migration"
 * DurableApply.isPostgres("postgres://localhost/runs") // true
 * ```
 */
export const isPostgres = (database: string): boolean => /^postgres(ql)?:\/\//.test(database)
