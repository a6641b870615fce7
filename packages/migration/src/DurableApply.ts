/**
 * `apply` as durable workflows on Effect's own engine (`effect/workflow` on `effect/cluster`'s
 * `ClusterWorkflowEngine`, SQL storage): a run survives crashes and restarts, and resumes without
 * repeating a finished unit.
 *
 * - One workflow execution per target resource, one activity per unit (`Migration.unitsOf`).
 *   Execution ids derive from the plan's digest (checked first), the resource and a round, so re-running
 *   the same plan joins, resumes or reads the earlier executions instead of starting new ones.
 * - The plan itself is stored once in the database (`unishare_plans`, by digest), so payloads stay
 *   small and every runner reads the same plan.
 * - Guarantees: a finished activity never runs again; the activity in flight at a crash runs again
 *   (at-least-once), which is harmless because unit writes are idempotent (a replace to the state
 *   already there, a grant that exists, a revoke of what is gone write nothing new).
 * - A round whose units partly failed is finished; the next run starts the next round for that
 *   resource with only the units not yet applied. A run after a fully applied round writes nothing.
 * - `dryRun` reads the store only: units applied by earlier runs are `already-applied`, the rest
 *   `dry-run`.
 * - Progress lives in a table of our own (`unishare_units`: one row per unit, `pending` when the
 *   plan is submitted, `applied` or `failed` from the unit's activity), so `status` reads a run's
 *   progress from any machine with a plain `SqlClient`: no engine, no target credentials, and
 *   nothing read from the engine's own (internal, unstable) `cluster_*` tables.
 *
 * Stores: `layerEmbedded` (one SQLite file beside the plan through `SqliteClient`) or
 * `layerPostgres` (`@effect/sql-pg`); either way one runner in the process, built from
 * `SingleRunner`'s pieces with an explicit `ShardingConfig` so that `HOST`/`PORT` in the user's
 * environment change nothing.
 *
 * Many machines on one PostgreSQL store: `layerRunner` per machine (socket transport, a unique
 * runner address) and `layerSubmitter` (client-only: holds no shard, executes nothing) for the
 * process that submits and follows a run. Both compose the pieces `NodeClusterSocket.layer` would,
 * but on an explicit `ShardingConfig` (that layer starts from `ShardingConfig.layerFromEnv`, so
 * `PORT`, `LISTEN_HOST`, `SHARD_GROUPS`… of the machine would change the runner), with settings
 * agreed between all processes of the store (`RunnerCluster`).
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { NodeClusterSocket, NodeCrypto } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import * as Errors from "@unishare/core/Errors"
import * as ResourceRef from "@unishare/core/ResourceRef"
import type { Shape } from "@unishare/core/SharingProvider"
import { Context, Duration, Effect, Exit, Layer, Option, Redacted, Schema } from "effect"
import {
  ClusterWorkflowEngine,
  RunnerAddress,
  RunnerHealth,
  Runners,
  Sharding,
  ShardingConfig,
  SocketRunner,
  SqlMessageStorage,
  SqlRunnerStorage
} from "effect/cluster"
import { RpcSerialization } from "effect/rpc"
import { SqlClient, type SqlError } from "effect/sql"
import { Activity, Workflow, type WorkflowEngine } from "effect/workflow"
import * as Migration from "./Migration.ts"
import * as RunnerCluster from "./RunnerCluster.ts"
import * as SqliteClient from "./SqliteClient.ts"

/**
 * The target provider the runner writes to.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { MemoryProvider } from "@unishare/core"
 * import { DurableApply } from "@unishare/migration"
 * const TargetLive = Layer.succeed(DurableApply.Target, MemoryProvider.make())
 * ```
 */
export class Target extends Context.Service<Target, Shape>()("@unishare/migration/DurableApply/Target") {}

/**
 * What became of one unit in a durable run; `run` identifies the process that performed it.
 *
 * @example
 * ```ts
 * import type { DurableApply } from "@unishare/migration"
 * const ok = (u: DurableApply.UnitOutcome) => u.outcome === "applied"
 * ```
 */
export const UnitOutcome = Schema.Struct({
  unit: Schema.String,
  outcome: Schema.Literals(["applied", "failed"]),
  run: Schema.String,
  operations: Schema.Number,
  error: Schema.optionalKey(Schema.String),
  message: Schema.optionalKey(Schema.String)
})
/**
 * @example
 * ```ts
 * import type { DurableApply } from "@unishare/migration"
 * const failed = (us: ReadonlyArray<DurableApply.UnitOutcome>) => us.filter((u) => u.outcome === "failed")
 * ```
 */
export type UnitOutcome = typeof UnitOutcome.Type

/**
 * The durable workflow applying one resource of a plan.
 *
 * @example
 * ```ts
 * import { DurableApply } from "@unishare/migration"
 * const id = DurableApply.ApplyResource.executionId({ planDigest: "ab12", resource: "eci:list:42", round: 0, skip: [] })
 * ```
 */
export const ApplyResource = Workflow.make("unishare/ApplyResource", {
  payload: {
    planDigest: Schema.String,
    resource: Schema.String,
    round: Schema.Number,
    skip: Schema.Array(Schema.String)
  },
  success: Schema.Struct({ units: Schema.Array(UnitOutcome) }),
  idempotencyKey: ({ planDigest, resource, round }) => `${planDigest}/${resource}/${round}`
})

/** Identifies this process in unit outcomes (a unit performed by another process is "already applied"). */
const thisRun = randomUUID()

/**
 * This process's id in the store: recorded on the units it runs (`status` shows it), printed by
 * `unishare runner` when it is ready.
 *
 * @example
 * ```ts
 * import { DurableApply } from "@unishare/migration"
 * console.error(`process ${DurableApply.processId}`)
 * ```
 */
export const processId: string = thisRun

const encodePlan = Schema.encodeSync(Schema.fromJsonString(Migration.MigrationPlan))
const decodePlan = Schema.decodeUnknownSync(Schema.fromJsonString(Migration.MigrationPlan))

const plansTable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS unishare_plans (digest TEXT PRIMARY KEY, plan TEXT NOT NULL)`
  return sql
})

const unitsTable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS unishare_units (digest TEXT NOT NULL, resource TEXT NOT NULL, unit TEXT NOT NULL, outcome TEXT NOT NULL, message TEXT, process TEXT, PRIMARY KEY (digest, resource, unit))`
  return sql
})

/** Records what became of a unit (after its write, inside its activity: a crash in between re-runs both). */
const recordUnit = (planDigest: string, resource: string, outcome: UnitOutcome) =>
  Effect.gen(function* () {
    const sql = yield* unitsTable
    const message = outcome.outcome === "failed" ? `${outcome.error ?? "failed"}: ${outcome.message ?? ""}` : null
    yield* sql`INSERT INTO unishare_units (digest, resource, unit, outcome, message, process) VALUES (${planDigest}, ${resource}, ${outcome.unit}, ${outcome.outcome}, ${message}, ${thisRun}) ON CONFLICT (digest, resource, unit) DO UPDATE SET outcome = excluded.outcome, message = excluded.message, process = excluded.process`
  }).pipe(Effect.orDie)

/** Records that this process started a unit (its write follows). */
const recordRunning = (planDigest: string, resource: string, unit: string) =>
  Effect.gen(function* () {
    const sql = yield* unitsTable
    yield* sql`INSERT INTO unishare_units (digest, resource, unit, outcome, process) VALUES (${planDigest}, ${resource}, ${unit}, ${"running"}, ${thisRun}) ON CONFLICT (digest, resource, unit) DO UPDATE SET outcome = excluded.outcome, process = excluded.process`
  }).pipe(Effect.orDie)

const loaded = new Map<string, Migration.MigrationPlan>()

const loadPlan = (planDigest: string) =>
  Effect.gen(function* () {
    const cached = loaded.get(planDigest)
    if (cached !== undefined) return cached
    const sql = yield* plansTable
    const rows = yield* sql<{ readonly plan: string }>`SELECT plan FROM unishare_plans WHERE digest = ${planDigest}`
    const text = rows[0]?.plan
    if (text === undefined) return yield* Effect.die(new Error(`plan ${planDigest} is not in the store`))
    const plan = decodePlan(text)
    loaded.set(planDigest, plan)
    return plan
  }).pipe(Effect.orDie)

/**
 * The workflow's implementation: registers `ApplyResource` with the engine; needs the `Target` and
 * the store's `SqlClient`.
 *
 * @example
 * ```ts
 * import { DurableApply } from "@unishare/migration"
 * const WorkflowsLive = DurableApply.layerWorkflows
 * ```
 */
export const layerWorkflows = ApplyResource.toLayer((payload) =>
  Effect.gen(function* () {
    const plan = yield* loadPlan(payload.planDigest)
    const target = yield* Target
    const item = plan.items.find((i) => ResourceRef.key(i.target) === payload.resource)
    if (item === undefined) return { units: [] }
    if (plan.targetProvider !== target.capabilities.provider) {
      // a runner configured for another provider than the plan's: write nothing, say why
      const message = `this runner writes to ${target.capabilities.provider}, the plan targets ${plan.targetProvider}`
      const units = Migration.unitsOf(item, target).map(
        (unit): UnitOutcome => ({
          unit: unit.key,
          outcome: "failed",
          run: thisRun,
          operations: unit.ops.length,
          error: "InvalidInput",
          message
        })
      )
      return { units }
    }
    const skip = new Set(payload.skip)
    const outcomes: Array<UnitOutcome> = []
    for (const unit of Migration.unitsOf(item, target)) {
      if (skip.has(unit.key)) continue
      const outcome = yield* Activity.make({
        name: `unit/${unit.key}`,
        success: UnitOutcome,
        execute: recordRunning(payload.planDigest, payload.resource, unit.key).pipe(
          Effect.andThen(Migration.writeUnit(plan, target, item.target, unit)),
          Effect.map(
            (): UnitOutcome => ({ unit: unit.key, outcome: "applied", run: thisRun, operations: unit.ops.length })
          ),
          Effect.catch((e: Errors.SharingError) =>
            Effect.succeed<UnitOutcome>({
              unit: unit.key,
              outcome: "failed",
              run: thisRun,
              operations: unit.ops.length,
              error: e._tag,
              message: e.message
            })
          ),
          Effect.tap((outcome) => recordUnit(payload.planDigest, payload.resource, outcome))
        )
      })
      outcomes.push(outcome)
    }
    return { units: outcomes }
  })
)

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
 * store's `SqlClient`, with `ApplyResource` registered for `target`. The sharding configuration is
 * explicit (never read from `HOST`, `PORT`… in the environment).
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * import { DurableApply, SqliteClient } from "@unishare/migration"
 * const EngineLive = DurableApply.layerWith(SqliteClient.layer({ filename: "plan.unishare.db" }), MemoryProvider.make())
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

const definedOf = (options: EngineOptions) =>
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
const agreedConfig = (options: Parameters<typeof RunnerCluster.join>[0], runnerAddress?: RunnerCluster.Address) =>
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
 * const EngineLive = DurableApply.layerEmbedded({ filename: "plan.unishare.db" }, MemoryProvider.make())
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
 * file), without an engine: what `status` needs.
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
    ? PgClient.layer({ url: Redacted.make(database), applicationName: "unishare-status" })
    : SqliteClient.layer({ filename: database })

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

const storeError = (e: unknown) =>
  new Errors.Unavailable({
    provider: "unishare",
    operation: "apply",
    message: `the run store failed: ${e instanceof Error ? e.message : String(e)}`,
    maybeApplied: true
  })

/**
 * Applies a plan durably on the engine in context (`layerEmbedded`), with the same options and
 * report as `Migration.apply` (`journal` is not used: the store is the journal). Resources run
 * with bounded `concurrency`; progress is reported as each resource finishes.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { SharingProvider } from "@unishare/core"
 * import { DurableApply, type Migration } from "@unishare/migration"
 * const run = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) =>
 *   DurableApply.apply(plan, target).pipe(Effect.provide(DurableApply.layerEmbedded({ filename: "plan.unishare.db" }, target)))
 * ```
 */
export const apply = (
  plan: Migration.MigrationPlan,
  target: Shape,
  options: Omit<Migration.ApplyOptions, "journal"> & {
    /** Submitted to runners (`layerSubmitter`): units the runners performed in this run count as `applied`. */
    readonly submitted?: boolean | undefined
  } = {}
): Effect.Effect<Migration.ApplyReport, Errors.SharingError, WorkflowEngine.WorkflowEngine | SqlClient.SqlClient> =>
  Effect.gen(function* () {
    if (plan.targetProvider !== target.capabilities.provider) {
      return yield* Errors.invalid(
        target.capabilities.provider,
        "apply",
        "plan.targetProvider",
        `the plan targets ${plan.targetProvider}, not ${target.capabilities.provider}`
      )
    }
    yield* Migration.checkDigest(plan)
    if (plan.items.some((item) => item.create !== undefined)) {
      return yield* Errors.invalid(
        "unishare",
        "apply",
        "plan.items",
        "a durable run does not create missing targets yet: apply this plan without --database"
      )
    }
    const planDigest = plan.digest
    if (options.dryRun !== true) {
      // the plan and its units' rows in one transaction: `status` sees a submitted plan whole
      const sql = yield* Effect.mapError(plansTable, storeError)
      yield* Effect.mapError(unitsTable, storeError)
      const rows = plan.items.flatMap((item) =>
        Migration.unitsOf(item, target).map((unit) => ({
          digest: planDigest,
          resource: ResourceRef.key(item.target),
          unit: unit.key,
          outcome: "pending"
        }))
      )
      const text = encodePlan(plan)
      yield* Effect.gen(function* () {
        for (let i = 0; i < rows.length; i += 200) {
          const [first, ...rest] = rows.slice(i, i + 200)
          if (first === undefined) break
          yield* sql`INSERT INTO unishare_units ${sql.insert([first, ...rest])} ON CONFLICT (digest, resource, unit) DO NOTHING`
        }
        yield* sql`INSERT INTO unishare_plans (digest, plan) VALUES (${planDigest}, ${text}) ON CONFLICT (digest) DO NOTHING`
      }).pipe(sql.withTransaction, Effect.mapError(storeError))
    }
    const items = plan.items.filter((item) => Migration.unitsOf(item, target).length > 0)
    const total = items.reduce((n, item) => n + Migration.unitsOf(item, target).length, 0)
    let done = 0
    let failed = 0

    /** Earlier rounds of one resource: units applied in them, and the first round not finished. */
    const history = (resource: string) =>
      Effect.gen(function* () {
        const applied = new Map<string, UnitOutcome>()
        for (let round = 0; ; round++) {
          const payload = { planDigest, resource, round, skip: [...applied.keys()] }
          const id = yield* ApplyResource.executionId(payload)
          const result = yield* ApplyResource.poll(id)
          if (Option.isNone(result) || result.value._tag !== "Complete" || Exit.isFailure(result.value.exit)) {
            return { applied, next: payload, finished: false }
          }
          for (const u of result.value.exit.value.units) if (u.outcome === "applied") applied.set(u.unit, u)
          if (result.value.exit.value.units.every((u) => u.outcome === "applied")) {
            return { applied, next: payload, finished: true }
          }
        }
      })

    const runResource = (item: Migration.Item) =>
      Effect.gen(function* () {
        const resource = ResourceRef.key(item.target)
        const units = Migration.unitsOf(item, target)
        const before = yield* history(resource)
        const outcomes = new Map<string, UnitOutcome>(before.applied)
        if (!before.finished && options.dryRun !== true) {
          const result = yield* ApplyResource.execute(before.next)
          for (const u of result.units) outcomes.set(u.unit, u)
        }
        const results = units.map((unit): Migration.UnitResult => {
          const base = { unit: unit.key, resource: item.target, operations: unit.ops.length }
          const outcome = outcomes.get(unit.key)
          if (outcome === undefined) return { ...base, outcome: options.dryRun === true ? "dry-run" : "failed" }
          if (outcome.outcome === "applied") {
            return {
              ...base,
              outcome:
                (outcome.run === thisRun || options.submitted === true) && !before.applied.has(unit.key)
                  ? "applied"
                  : "already-applied"
            }
          }
          return {
            ...base,
            outcome: "failed",
            error: new Errors.Unavailable({
              provider: target.capabilities.provider,
              operation: "apply",
              message: `${outcome.error ?? "failed"}: ${outcome.message ?? ""}`,
              maybeApplied: true
            })
          }
        })
        for (const r of results) {
          done++
          if (r.outcome === "failed") failed++
          if (options.onProgress !== undefined) yield* options.onProgress({ done, total, failed, unit: r.unit })
        }
        return results
      })

    const results = (yield* Effect.forEach(items, runResource, { concurrency: options.concurrency ?? 4 })).flat()
    const count = (o: Migration.UnitResult["outcome"]) => results.filter((r) => r.outcome === o).length
    return {
      planId: plan.id,
      dryRun: options.dryRun === true,
      units: results,
      applied: count("applied"),
      alreadyApplied: count("already-applied"),
      failed: count("failed"),
      notRun: 0,
      writes: count("applied")
    }
  }).pipe(Effect.withSpan("unishare.migration.durableApply"))

/**
 * The progress of one target resource in a durable run: its units `applied`, `failed` (in the last
 * round that ran them; the next `apply` retries them) and `pending` (not run yet, or in flight).
 *
 * @example
 * ```ts
 * import type { DurableApply } from "@unishare/migration"
 * const finished = (r: DurableApply.ResourceStatus) => r.pending === 0 && r.failed === 0
 * ```
 */
export interface ResourceStatus {
  readonly resource: string
  readonly units: number
  readonly applied: number
  readonly failed: number
  readonly pending: number
  /** The last error of each failed unit. */
  readonly failures: ReadonlyArray<{ readonly unit: string; readonly message: string }>
  /** Units started and not finished (part of `pending`), with the process running them (`processId`). */
  readonly running: ReadonlyArray<{ readonly unit: string; readonly process: string }>
  /** The processes (`processId`) that applied its units. */
  readonly appliedBy: ReadonlyArray<string>
}

/**
 * A run's progress as the store records it: `submitted` is false when no `apply` has stored this
 * plan (by digest) in this database yet; `complete` when every unit is applied.
 *
 * @example
 * ```ts
 * import type { DurableApply } from "@unishare/migration"
 * const line = (s: DurableApply.RunStatus) => `${s.applied}/${s.units} applied, ${s.failed} failed`
 * ```
 */
export interface RunStatus {
  readonly planId: string
  readonly digest: string
  readonly submitted: boolean
  readonly complete: boolean
  readonly units: number
  readonly applied: number
  readonly failed: number
  readonly pending: number
  readonly resources: ReadonlyArray<ResourceStatus>
}

/**
 * Reads a run's progress from the store in context (any machine with access to the database: no
 * engine is started, no shard is claimed, the target provider is not contacted). Reads only.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DurableApply, SqliteClient, type Migration } from "@unishare/migration"
 * const show = (plan: Migration.MigrationPlan) =>
 *   DurableApply.status(plan).pipe(Effect.provide(SqliteClient.layer({ filename: "plan.json.unishare.db" })))
 * ```
 */
export const status = (
  plan: Migration.MigrationPlan
): Effect.Effect<RunStatus, Errors.SharingError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    yield* Migration.checkDigest(plan)
    // reads only (no DDL: a store no apply has used has no tables, so nothing was submitted)
    const sql = yield* SqlClient.SqlClient
    const tables = yield* Effect.mapError(
      sql.onDialectOrElse({
        pg: () =>
          sql<{
            readonly name: string
          }>`SELECT tablename AS name FROM pg_tables WHERE tablename IN ('unishare_plans', 'unishare_units') AND schemaname = current_schema()`,
        orElse: () =>
          sql<{
            readonly name: string
          }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('unishare_plans', 'unishare_units')`
      }),
      storeError
    )
    const ready = tables.length === 2
    // the plan row first: it is committed with its units' rows, so units read after it are whole
    const stored = ready
      ? yield* Effect.mapError(
          sql<{ readonly digest: string }>`SELECT digest FROM unishare_plans WHERE digest = ${plan.digest}`,
          storeError
        )
      : []
    const rows = ready
      ? yield* Effect.mapError(
          sql<{
            readonly resource: string
            readonly unit: string
            readonly outcome: string
            readonly message: string | null
            readonly process: string | null
          }>`SELECT resource, unit, outcome, message, process FROM unishare_units WHERE digest = ${plan.digest} ORDER BY resource, unit`,
          storeError
        )
      : []
    const byResource = new Map<string, Array<(typeof rows)[number]>>()
    for (const row of rows) {
      const list = byResource.get(row.resource)
      list === undefined ? byResource.set(row.resource, [row]) : list.push(row)
    }
    const resources = plan.items.flatMap((item): Array<ResourceStatus> => {
      const resource = ResourceRef.key(item.target)
      const units = byResource.get(resource) ?? []
      if (units.length === 0) return []
      const failed = units.filter((u) => u.outcome === "failed")
      const applied = units.filter((u) => u.outcome === "applied").length
      return [
        {
          resource,
          units: units.length,
          applied,
          failed: failed.length,
          pending: units.length - applied - failed.length,
          failures: failed.map((u) => ({ unit: u.unit, message: u.message ?? "failed" })),
          running: units
            .filter((u) => u.outcome === "running")
            .map((u) => ({ unit: u.unit, process: u.process ?? "unknown" })),
          appliedBy: [
            ...new Set(units.flatMap((u) => (u.outcome === "applied" && u.process !== null ? [u.process] : [])))
          ]
        }
      ]
    })
    const sum = (f: (r: ResourceStatus) => number) => resources.reduce((n, r) => n + f(r), 0)
    const units = sum((r) => r.units)
    const applied = sum((r) => r.applied)
    return {
      planId: plan.id,
      digest: plan.digest,
      submitted: stored.length > 0,
      complete: stored.length > 0 && applied === units,
      units,
      applied,
      failed: sum((r) => r.failed),
      pending: sum((r) => r.pending),
      resources
    }
  }).pipe(Effect.withSpan("unishare.migration.durableStatus"))

/**
 * Settings of a runner or submitter sharing one PostgreSQL store with others. `shardsPerGroup` and
 * `shardLockExpirationMillis` (how long a killed runner's shards stay locked before another runner
 * takes them over; the lock is refreshed at a fifth of it) must agree with what the store recorded
 * (`RunnerCluster`): left unset, the store's values are adopted (defaults 32 and 35 s for a new
 * store); set and different, the layer fails with `RunnerCluster.SettingsMismatch`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { DurableApply } from "@unishare/migration"
 * const options: DurableApply.ClusterOptions = { database: Redacted.make("postgres://localhost/runs"), shardLockExpirationMillis: 5000 }
 * ```
 */
export interface ClusterOptions extends EngineOptions {
  readonly database: Redacted.Redacted<string>
  readonly shardLockExpirationMillis?: number | undefined
}

const requestedOf = (options: ClusterOptions): RunnerCluster.Requested => ({
  shardsPerGroup: options.shardsPerGroup,
  shardLockExpirationMillis: options.shardLockExpirationMillis
})

/**
 * The socket cluster's pieces as `NodeClusterSocket.layer` composes them (socket server and client
 * protocol, ping health checks, SQL message and runner storage, binary RPC serialization), but on
 * the sharding configuration given here instead of one read from the environment.
 */
const socketSharding = <A, E, R>(transport: Layer.Layer<A, E, R>) =>
  transport.pipe(
    Layer.provideMerge(SqlMessageStorage.layer.pipe(Layer.provide(NodeCrypto.layerDigest))),
    Layer.provide(Layer.orDie(SqlRunnerStorage.layer)),
    Layer.provide(RpcSerialization.layerSchemaBinary())
  )

/** A runner's transport: the socket server on its address, clients to the others, ping health checks. */
const serverTransport = SocketRunner.layer.pipe(
  Layer.provide([NodeClusterSocket.layerSocketServer, NodeClusterSocket.layerClientProtocol]),
  Layer.provide(
    RunnerHealth.layerPing.pipe(Layer.provide(Runners.layerRpc), Layer.provide(NodeClusterSocket.layerClientProtocol))
  )
)

/** A submitter's transport: clients only. */
const clientTransport = SocketRunner.layerClientOnly.pipe(Layer.provide(NodeClusterSocket.layerClientProtocol))

/**
 * A runner: this process executes `ApplyResource` workflows for the shards it holds, talking to the
 * other runners over sockets (`runnerAddress`, unique per runner, reachable by the others; it also
 * listens there) and sharing the PostgreSQL store. Its sharding configuration is explicit (no
 * environment variable changes it) and agreed with the store (`RunnerCluster.join`: fails with
 * `SettingsMismatch`, or with `StoreInUse` while an in-process apply or another runner at the same
 * address is live). Runs until interrupted; a killed runner's work is taken over by the others once
 * its shard locks expire. Also provides the `RunnerCluster.ClusterSettings` it runs with.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { MemoryProvider } from "@unishare/core"
 * import { DurableApply } from "@unishare/migration"
 * const RunnerLive = DurableApply.layerRunner(
 *   { database: Redacted.make("postgres://localhost/runs"), runnerAddress: { host: "127.0.0.1", port: 34431 } },
 *   MemoryProvider.make()
 * )
 * const main = Layer.launch(RunnerLive)
 * ```
 */
export const layerRunner = (
  options: ClusterOptions & { readonly runnerAddress: RunnerCluster.Address },
  target: Shape
) =>
  layerWorkflows.pipe(
    Layer.provideMerge(ClusterWorkflowEngine.layer),
    Layer.provideMerge(socketSharding(serverTransport)),
    Layer.provideMerge(
      agreedConfig(
        {
          role: "runner",
          process: thisRun,
          address: RunnerCluster.formatAddress(options.runnerAddress),
          requested: requestedOf(options)
        },
        options.runnerAddress
      )
    ),
    Layer.provide(Layer.succeed(Target, target)),
    Layer.provideMerge(PgClient.layer({ url: options.database, applicationName: "unishare-runner" }))
  )

/**
 * A submitter: a client-only member of the cluster (it holds no shard and executes nothing) that
 * sends `ApplyResource` executions to the runners and follows them; what `apply` runs on with
 * `--submit`. Its sharding configuration is explicit and agreed with the store like a runner's
 * (`RunnerCluster.SettingsMismatch`; `StoreInUse` while an in-process apply is live).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { DurableApply } from "@unishare/migration"
 * const SubmitterLive = DurableApply.layerSubmitter({ database: Redacted.make("postgres://localhost/runs") })
 * ```
 */
export const layerSubmitter = (
  options: ClusterOptions
): Layer.Layer<
  WorkflowEngine.WorkflowEngine | SqlClient.SqlClient | RunnerCluster.ClusterSettings,
  SqlError.SqlError | RunnerCluster.InvalidClusterOptions | RunnerCluster.SettingsMismatch | RunnerCluster.StoreInUse
> =>
  ClusterWorkflowEngine.layer.pipe(
    Layer.provideMerge(socketSharding(clientTransport)),
    Layer.provideMerge(agreedConfig({ role: "submitter", process: thisRun, requested: requestedOf(options) })),
    Layer.provideMerge(PgClient.layer({ url: options.database, applicationName: "unishare-submit" }))
  )
