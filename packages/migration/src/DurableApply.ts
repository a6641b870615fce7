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
 *
 * Stores: `layerEmbedded` (one SQLite file beside the plan through `SqliteClient`) or
 * `layerPostgres` (`@effect/sql-pg`); either way one runner in the process, built from
 * `SingleRunner`'s pieces with an explicit `ShardingConfig` so that `HOST`/`PORT` in the user's
 * environment change nothing.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { NodeCrypto } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import * as Errors from "@unishare/core/Errors"
import * as ResourceRef from "@unishare/core/ResourceRef"
import type { Shape } from "@unishare/core/SharingProvider"
import { Context, Effect, Exit, Layer, Option, type Redacted, Schema } from "effect"
import {
  ClusterWorkflowEngine,
  RunnerHealth,
  Runners,
  Sharding,
  ShardingConfig,
  SqlMessageStorage,
  SqlRunnerStorage
} from "effect/cluster"
import { SqlClient, type SqlError } from "effect/sql"
import { Activity, Workflow, type WorkflowEngine } from "effect/workflow"
import * as Migration from "./Migration.ts"
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

const encodePlan = Schema.encodeSync(Schema.fromJsonString(Migration.MigrationPlan))
const decodePlan = Schema.decodeUnknownSync(Schema.fromJsonString(Migration.MigrationPlan))

const plansTable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS unishare_plans (digest TEXT PRIMARY KEY, plan TEXT NOT NULL)`
  return sql
})

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
    const skip = new Set(payload.skip)
    const outcomes: Array<UnitOutcome> = []
    for (const unit of Migration.unitsOf(item, target)) {
      if (skip.has(unit.key)) continue
      const outcome = yield* Activity.make({
        name: `unit/${unit.key}`,
        success: UnitOutcome,
        execute: Migration.writeUnit(plan, target, item.target, unit).pipe(
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
          )
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
): Layer.Layer<WorkflowEngine.WorkflowEngine | SqlClient.SqlClient, E> => {
  const config = ShardingConfig.layer({
    shardsPerGroup: options.shardsPerGroup ?? 32,
    entityMessagePollInterval: "1 second",
    entityReplyPollInterval: "200 millis",
    refreshAssignmentsInterval: "1 second"
  })
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
 * The engine on a PostgreSQL database (`@effect/sql-pg`), running in this process.
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
): Layer.Layer<WorkflowEngine.WorkflowEngine | SqlClient.SqlClient, SqlError.SqlError> =>
  layerWith(PgClient.layer({ url: options.database, applicationName: "unishare-apply" }), target, options)

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
  options: Omit<Migration.ApplyOptions, "journal"> = {}
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
      const sql = yield* Effect.mapError(plansTable, storeError)
      const text = encodePlan(plan)
      yield* Effect.mapError(
        sql`INSERT INTO unishare_plans (digest, plan) VALUES (${planDigest}, ${text}) ON CONFLICT (digest) DO NOTHING`,
        storeError
      )
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
              outcome: outcome.run === thisRun && !before.applied.has(unit.key) ? "applied" : "already-applied"
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
