/**
 * `apply` as durable workflows on Effect's own engine (`effect/workflow` on `effect/cluster`'s
 * `ClusterWorkflowEngine`, SQL storage): a run survives crashes and restarts, and resumes without
 * repeating a finished unit. This is the one way `unishare apply` runs: on one machine with an
 * embedded SQLite file beside the plan, on many with PostgreSQL.
 *
 * - One workflow execution per target resource, one activity per unit (`Migration.unitsOf`: the
 *   `create` of a missing target first, then the writes). Execution ids derive from the plan's
 *   digest (checked first), the resource, a round and, for a repair, its generation, so re-running
 *   the same plan joins, resumes or reads the earlier executions instead of starting new ones.
 * - The plan itself is stored once in the database (`unishare_plans`, by digest), so payloads stay
 *   small and every runner reads the same plan.
 * - Guarantees: a finished activity never runs again; the activity in flight at a crash runs again
 *   (at-least-once), which is harmless because unit writes are idempotent (a replace to the state
 *   already there, a grant that exists, a revoke of what is gone write nothing new). A `create`
 *   is made harmless explicitly: it records a random mark in the store, then creates the resource
 *   bearing that mark (its description), and an attempt that follows a started one first looks for a
 *   resource bearing the recorded mark and adopts it instead of creating a second (a resource made
 *   by anyone else cannot bear it: the mark is unguessable).
 * - A round whose units partly failed is finished; the next run starts the next round for that
 *   resource with only the units not yet applied. A run after a fully applied round writes nothing.
 *   The first refused credential or unreachable provider stops the run (`stopped`; the first
 *   resource runs alone, so that costs one request).
 * - `repair`: every target is read again (an activity) and what the plan says is written where it
 *   drifted, as executions of a repair generation (`unishare_repairs`): each repair invocation is a
 *   new generation, and a crashed one resumes within its generation.
 * - `dryRun` reads the store only (no table is created): units applied by earlier runs are
 *   `already-applied`, the rest `dry-run`; one read per existing target proves the credential.
 * - Progress lives in tables of our own, so `status` and `audit` read a run from any machine with a
 *   plain `SqlClient` (no engine, no target credentials, nothing read from the engine's internal
 *   `cluster_*` tables): `unishare_units` (one row per unit: `pending` when submitted, `running`,
 *   then `applied` or `failed`, with the target a `create` made) and `unishare_audit` (one row per
 *   write attempt: unit, outcome, time, process, operation count, error message).
 *
 * Stores: `layerEmbedded` (one SQLite file beside the plan through `SqliteClient`) or
 * `layerPostgres` (`@effect/sql-pg`); either way one runner in the process, built from
 * `SingleRunner`'s pieces with an explicit `ShardingConfig` so that `HOST`/`PORT` in the user's
 * environment change nothing.
 *
 * Many machines on one PostgreSQL store: `layerRunner` per machine (socket transport, a unique
 * runner address) and `layerSubmitter` (client-only: holds no shard, executes nothing) for the
 * process that submits and follows a run. Their sockets are authenticated with the runners' shared
 * secret (`RunnerAuth`: TLS keyed by it; without one, runners listen on loopback only), and a runner
 * takes which units to skip and where a create's grants go from the store, not from the payload a
 * peer sent. Both compose the pieces `NodeClusterSocket.layer` would,
 * but on an explicit `ShardingConfig` (that layer starts from `ShardingConfig.layerFromEnv`, so
 * `PORT`, `LISTEN_HOST`, `SHARD_GROUPS`… of the machine would change the runner), with settings
 * agreed between all processes of the store (`RunnerCluster`).
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { NodeCrypto } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import * as Errors from "@unishare/core/Errors"
import * as Planner from "@unishare/core/Planner"
import * as ResourceRef from "@unishare/core/ResourceRef"
import type { Shape } from "@unishare/core/SharingProvider"
import { Context, Duration, Effect, Exit, Layer, Option, Redacted, Result, Schema, Stream } from "effect"
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
import * as RunnerAuth from "./RunnerAuth.ts"
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
 * What became of one unit in a durable run; `run` identifies the process that performed it,
 * `failure` is the error of a failed unit, `created` the target a `create` unit made.
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
  message: Schema.optionalKey(Schema.String),
  failure: Schema.optionalKey(Errors.SharingError),
  created: Schema.optionalKey(ResourceRef.ResourceRef)
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
 * The durable workflow applying one resource of a plan: `generation` 0 applies the plan's units,
 * a repair generation (1, 2, …) re-reads the target and writes what drifted; `skip` are the units
 * earlier rounds applied and `created` the target an earlier round created (`--create-missing`).
 * The runner checks both against the store and uses the store's values where they differ.
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
    skip: Schema.Array(Schema.String),
    generation: Schema.optionalKey(Schema.Number),
    created: Schema.optionalKey(ResourceRef.ResourceRef)
  },
  success: Schema.Struct({ units: Schema.Array(UnitOutcome) }),
  idempotencyKey: ({ planDigest, resource, round, generation }) =>
    generation === undefined || generation === 0
      ? `${planDigest}/${resource}/${round}`
      : `${planDigest}/repair-${generation}/${resource}/${round}`
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
const encodeRef = Schema.encodeSync(Schema.fromJsonString(ResourceRef.ResourceRef))
const decodeRef = Schema.decodeUnknownOption(Schema.fromJsonString(ResourceRef.ResourceRef))

const ddl = [
  "CREATE TABLE IF NOT EXISTS unishare_plans (digest TEXT PRIMARY KEY, plan TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS unishare_units (digest TEXT NOT NULL, resource TEXT NOT NULL, unit TEXT NOT NULL, outcome TEXT NOT NULL, message TEXT, process TEXT, generation INTEGER NOT NULL DEFAULT 0, operations INTEGER NOT NULL DEFAULT 0, at TEXT, created TEXT, mark TEXT, PRIMARY KEY (digest, resource, unit))",
  "CREATE TABLE IF NOT EXISTS unishare_audit (digest TEXT NOT NULL, resource TEXT NOT NULL, unit TEXT NOT NULL, generation INTEGER NOT NULL, outcome TEXT NOT NULL, at TEXT NOT NULL, process TEXT NOT NULL, operations INTEGER NOT NULL, message TEXT, created TEXT)",
  "CREATE TABLE IF NOT EXISTS unishare_repairs (digest TEXT NOT NULL, generation INTEGER NOT NULL, finished INTEGER NOT NULL, PRIMARY KEY (digest, generation))"
]
const tableNames = ["unishare_plans", "unishare_units", "unishare_audit", "unishare_repairs"]

/** Columns `unishare_units` gained after its first version: added to a store an older version made. */
const laterColumns: ReadonlyArray<readonly [string, string]> = [
  ["process", "TEXT"],
  ["generation", "INTEGER NOT NULL DEFAULT 0"],
  ["operations", "INTEGER NOT NULL DEFAULT 0"],
  ["at", "TEXT"],
  ["created", "TEXT"],
  ["mark", "TEXT"]
]

/** The stores whose tables this process has created (DDL once per store, not per statement). */
const ready = new WeakSet<object>()

/**
 * The store's tables, created when missing (and `unishare_units` brought up to date when an older
 * version made it): only `apply` and the workflows' activities write.
 */
const tables = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  if (!ready.has(sql)) {
    for (const statement of ddl) yield* sql.unsafe(statement)
    const present = yield* unitColumns
    for (const [name, type] of laterColumns) {
      if (!present.has(name)) yield* sql.unsafe(`ALTER TABLE unishare_units ADD COLUMN ${name} ${type}`)
    }
    ready.add(sql)
  }
  return sql
})

/** The columns `unishare_units` has in the store (none when the table is missing). */
const unitColumns = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = yield* sql.onDialectOrElse({
    pg: () =>
      sql<{
        readonly name: string
      }>`SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'unishare_units' AND table_schema = current_schema()`,
    orElse: () => sql<{ readonly name: string }>`SELECT name FROM pragma_table_info('unishare_units')`
  })
  return new Set(columns.map((c) => c.name))
})

/**
 * What the store has of our tables and of `unishare_units`' columns, read only (no DDL, so a dry
 * run, `verify` or `status` creates nothing). A store an older version made lacks the later
 * tables or columns: the readers treat what is missing as empty (no audit entry, no repair,
 * generation 0, no process, no created target).
 */
const storeShape = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const found = yield* sql.onDialectOrElse({
    pg: () =>
      sql<{
        readonly name: string
      }>`SELECT tablename AS name FROM pg_tables WHERE tablename IN ${sql.in(tableNames)} AND schemaname = current_schema()`,
    orElse: () =>
      sql<{
        readonly name: string
      }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ${sql.in(tableNames)}`
  })
  const tables = new Set(found.map((t) => t.name))
  const columns = tables.has("unishare_units") ? yield* unitColumns : new Set<string>()
  return {
    plans: tables.has("unishare_plans"),
    units: tables.has("unishare_units"),
    audit: tables.has("unishare_audit"),
    repairs: tables.has("unishare_repairs"),
    /** A column of `unishare_units` as selected: itself when present, else `fallback` under its name. */
    unitColumn: (name: string, fallback: "NULL" | "0") =>
      columns.has(name) ? sql.literal(name) : sql.literal(`${fallback} AS ${name}`)
  }
})

const now = Effect.map(
  Effect.clockWith((c) => c.currentTimeMillis),
  (millis) => new Date(millis).toISOString()
)

const failureText = (outcome: UnitOutcome) => `${outcome.error ?? "failed"}: ${outcome.message ?? ""}`

/**
 * Appends what became of a unit to the audit log, then records it on the unit's row (after its
 * write, inside its activity: a crash before the row is updated re-runs the activity, and the
 * audit log then shows both attempts). Two single statements, no transaction: one round trip
 * fewer per unit on PostgreSQL.
 */
const recordUnit = (planDigest: string, resource: string, generation: number, outcome: UnitOutcome) =>
  Effect.gen(function* () {
    const sql = yield* tables
    const at = yield* now
    const message = outcome.outcome === "failed" ? failureText(outcome) : null
    const created = outcome.created !== undefined ? encodeRef(outcome.created) : null
    yield* sql`INSERT INTO unishare_audit (digest, resource, unit, generation, outcome, at, process, operations, message, created) VALUES (${planDigest}, ${resource}, ${outcome.unit}, ${generation}, ${outcome.outcome}, ${at}, ${thisRun}, ${outcome.operations}, ${message}, ${created})`
    yield* sql`INSERT INTO unishare_units (digest, resource, unit, outcome, message, process, generation, operations, at, created) VALUES (${planDigest}, ${resource}, ${outcome.unit}, ${outcome.outcome}, ${message}, ${thisRun}, ${generation}, ${outcome.operations}, ${at}, ${created}) ON CONFLICT (digest, resource, unit) DO UPDATE SET outcome = excluded.outcome, message = excluded.message, process = excluded.process, operations = excluded.operations, at = excluded.at, created = COALESCE(excluded.created, unishare_units.created)`
  }).pipe(Effect.orDie)

/** Records that this process started a unit (its write follows). */
const recordRunning = (planDigest: string, resource: string, generation: number, unit: Migration.Unit) =>
  Effect.gen(function* () {
    const sql = yield* tables
    const at = yield* now
    yield* sql`INSERT INTO unishare_units (digest, resource, unit, outcome, process, generation, operations, at) VALUES (${planDigest}, ${resource}, ${unit.key}, ${"running"}, ${thisRun}, ${generation}, ${unit.ops.length}, ${at}) ON CONFLICT (digest, resource, unit) DO UPDATE SET outcome = excluded.outcome, process = excluded.process, at = excluded.at`
  }).pipe(Effect.orDie)

/** Records that this process is about to create a unit's resource, bearing `mark`. */
const recordCreating = (planDigest: string, resource: string, unit: Migration.Unit, mark: string) =>
  Effect.gen(function* () {
    const sql = yield* tables
    const at = yield* now
    yield* sql`INSERT INTO unishare_units (digest, resource, unit, outcome, process, generation, operations, at, mark) VALUES (${planDigest}, ${resource}, ${unit.key}, ${"running"}, ${thisRun}, ${0}, ${0}, ${at}, ${mark}) ON CONFLICT (digest, resource, unit) DO UPDATE SET outcome = excluded.outcome, process = excluded.process, at = excluded.at, mark = excluded.mark`
  }).pipe(Effect.orDie)

/** What the store says about one unit before this attempt: its outcome and the target it created. */
const unitRow = (planDigest: string, resource: string, unit: string) =>
  Effect.gen(function* () {
    const sql = yield* tables
    const rows = yield* sql<{
      readonly outcome: string
      readonly created: string | null
      readonly mark: string | null
    }>`SELECT outcome, created, mark FROM unishare_units WHERE digest = ${planDigest} AND resource = ${resource} AND unit = ${unit}`
    return rows[0]
  }).pipe(Effect.orDie)

const loaded = new Map<string, Migration.MigrationPlan>()

const loadPlan = (planDigest: string) =>
  Effect.gen(function* () {
    const cached = loaded.get(planDigest)
    if (cached !== undefined) return cached
    const sql = yield* tables
    const rows = yield* sql<{ readonly plan: string }>`SELECT plan FROM unishare_plans WHERE digest = ${planDigest}`
    const text = rows[0]?.plan
    if (text === undefined) return yield* Effect.die(new Error(`plan ${planDigest} is not in the store`))
    const plan = decodePlan(text)
    loaded.set(planDigest, plan)
    return plan
  }).pipe(Effect.orDie)

/**
 * A fresh mark for a `create` unit to leave on the resource it creates (its description): random
 * and recorded in the store before the create is sent, so that a repeated attempt finds the resource
 * an earlier attempt created, and nobody who cannot read the store can make a resource that would
 * be adopted in its place (a guessable mark would let anyone able to create resources on the target
 * receive the migrated grants).
 *
 * @example
 * ```ts
 * import { DurableApply } from "@unishare/migration"
 * DurableApply.createMark() // "unishare migration 3b2f…"
 * ```
 */
export const createMark = (): string => `unishare migration ${randomUUID()}`

const unsupportedCreate = (provider: string) =>
  new Errors.Unsupported({
    provider,
    operation: "createResource",
    feature: "createResource",
    message: `${provider} cannot create resources`
  })

/**
 * Creates an item's target at most once across attempts: a target recorded in the store is
 * returned; after an attempt that recorded its mark (and may have created the resource before a
 * crash) the target's resources are listed first and the one bearing that mark is adopted;
 * otherwise a fresh mark is recorded and the resource is created bearing it.
 */
const createOnce = (planDigest: string, resource: string, target: Shape, unit: Migration.Unit) =>
  Effect.gen(function* () {
    const create = unit.item.create!
    const row = yield* unitRow(planDigest, resource, unit.key)
    const recorded = row?.created != null ? decodeRef(row.created) : Option.none()
    if (Option.isSome(recorded)) return recorded.value
    const earlier = row?.mark
    if (earlier != null && target.listResources !== undefined) {
      const found = yield* Stream.runHead(Stream.filter(target.listResources, (r) => r.description === earlier))
      if (Option.isSome(found)) return found.value.resource
    }
    if (target.createResource === undefined) return yield* unsupportedCreate(target.capabilities.provider)
    const mark = createMark()
    yield* recordCreating(planDigest, resource, unit, mark)
    const created = yield* target.createResource({
      name: create.name,
      ...(create.type !== undefined ? { type: create.type } : {}),
      description: mark
    })
    return created.resource
  })

const failedOutcome = (unit: Migration.Unit, e: Errors.SharingError): UnitOutcome => ({
  unit: unit.key,
  outcome: "failed",
  run: thisRun,
  operations: unit.ops.length,
  error: e._tag,
  message: e.message,
  failure: e
})

/** One unit as an activity: its write (or create), recorded in the store before the activity ends. */
const unitActivity = (
  planDigest: string,
  resource: string,
  generation: number,
  plan: Migration.MigrationPlan,
  target: Shape,
  unit: Migration.Unit,
  ref: ResourceRef.ResourceRef | undefined
) =>
  Activity.make({
    name: `unit/${unit.key}`,
    success: UnitOutcome,
    execute: (unit.kind === "create"
      ? Effect.map(
          createOnce(planDigest, resource, target, unit),
          (created): UnitOutcome => ({ unit: unit.key, outcome: "applied", run: thisRun, operations: 0, created })
        )
      : recordRunning(planDigest, resource, generation, unit).pipe(
          Effect.andThen(Migration.writeUnit(plan, target, ref ?? unit.item.target, unit)),
          Effect.as<UnitOutcome>({ unit: unit.key, outcome: "applied", run: thisRun, operations: unit.ops.length })
        )
    ).pipe(
      Effect.catch((e: Errors.SharingError) => Effect.succeed(failedOutcome(unit, e))),
      Effect.tap((outcome) => recordUnit(planDigest, resource, generation, outcome))
    )
  })

const ReadOutcome = Schema.Struct({
  operations: Schema.Array(Planner.Operation),
  failure: Schema.optionalKey(Errors.SharingError)
})

/** A repair's read of one target, as an activity: the operations that make it match the plan again. */
const readActivity = (
  plan: Migration.MigrationPlan,
  target: Shape,
  item: Migration.Item,
  ref: ResourceRef.ResourceRef
) =>
  Activity.make({
    name: "read",
    success: ReadOutcome,
    execute: Stream.runCollect(target.list(ref)).pipe(
      Effect.map((current): typeof ReadOutcome.Type => {
        const check = Planner.plan(current, item.desired, target.capabilities, {
          allowEveryone: true,
          onLossy: plan.options.onLossy,
          onUnsupported: "skip",
          resourceKind: ref.kind
        })
        return { operations: Result.isSuccess(check) ? check.success.operations : item.plan.operations }
      }),
      Effect.catch((failure: Errors.SharingError) => Effect.succeed({ operations: [], failure }))
    )
  })

/** The key of a repair's read of one resource (reported as a failed unit when the read fails). */
const readKey = (generation: number, resource: string) => `${repairPrefix(generation)}${resource}|read`

const repairPrefix = (generation: number) => `repair-${generation}|`

/**
 * What the store allows an `ApplyResource` payload to claim: the units to skip are those of
 * `payload.skip` the store records as applied, the target a create made is the one the store
 * records (never the payload's; an item without a create has its mapped target), and a repair
 * generation must be one the store records. A payload that claims anything else is logged (to
 * stderr in the command line) and the store's values are used: a peer's word never makes a runner
 * skip a unit or write to another resource. Read on every replay of the workflow, and stable across
 * them for a payload the store agrees with (a unit the store records as applied stays so, a created
 * target stays recorded); for a payload it does not, a unit run because of it is skipped on a later
 * replay, which only leaves that unit out of the execution's result.
 */
const storeView = (payload: typeof ApplyResource.payloadSchema.Type, item: Migration.Item) =>
  Effect.gen(function* () {
    const sql = yield* tables
    const generation = payload.generation ?? 0
    const execution = `${payload.resource} (plan ${payload.planDigest.slice(0, 12)}, round ${payload.round}${generation > 0 ? `, repair ${generation}` : ""})`
    if (generation > 0) {
      const repairs = yield* sql<{
        readonly generation: number
      }>`SELECT generation FROM unishare_repairs WHERE digest = ${payload.planDigest} AND generation = ${generation}`
      if (repairs.length === 0) {
        yield* Effect.logWarning(
          `refused the run of ${execution}: the store records no repair ${generation} of this plan`
        )
        return { refused: true, skip: new Set<string>(), created: undefined }
      }
    }
    const rows = yield* sql<{
      readonly unit: string
      readonly created: string | null
    }>`SELECT unit, created FROM unishare_units WHERE digest = ${payload.planDigest} AND resource = ${payload.resource} AND outcome = 'applied'`
    const applied = new Set(rows.map((r) => r.unit))
    const row = item.create === undefined ? undefined : rows.find((r) => r.unit === Migration.createKey(item.source))
    const created =
      item.create === undefined
        ? item.target
        : Option.getOrUndefined(row?.created != null ? decodeRef(row.created) : Option.none())
    const claims: Array<string> = []
    const unapplied = payload.skip.filter((unit) => !applied.has(unit))
    if (unapplied.length > 0)
      claims.push(
        `to skip ${unapplied.length} unit(s) the store does not record as applied (${unapplied.slice(0, 3).join(", ")}${unapplied.length > 3 ? ", …" : ""}): they run`
      )
    const claimed = payload.created === undefined ? undefined : ResourceRef.key(payload.created)
    const actual = created === undefined ? undefined : ResourceRef.key(created)
    if (claimed !== undefined && claimed !== actual)
      claims.push(
        `that its target was created as ${claimed}, which the store does not record (${actual === undefined ? "no target created yet" : `the store's: ${actual}`}): the store's is used`
      )
    if (claims.length > 0) yield* Effect.logWarning(`the run of ${execution} claimed ${claims.join("; and ")}`)
    return { refused: false, skip: new Set(payload.skip.filter((unit) => applied.has(unit))), created }
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
    const generation = payload.generation ?? 0
    if (plan.targetProvider !== target.capabilities.provider) {
      // a runner configured for another provider than the plan's: write nothing, say why
      const error = new Errors.InvalidInput({
        provider: target.capabilities.provider,
        operation: "apply",
        issues: [
          {
            path: "plan.targetProvider",
            message: `this runner writes to ${target.capabilities.provider}, the plan targets ${plan.targetProvider}`
          }
        ]
      })
      return { units: Migration.unitsOf(item, target).map((unit) => failedOutcome(unit, error)) }
    }
    // skip and created come from the store, never from the payload alone (a peer's word)
    const view = yield* storeView(payload, item)
    if (view.refused) return { units: [] }
    let ref = item.create === undefined ? item.target : view.created
    let units = Migration.unitsOf(item, target)
    if (generation > 0) {
      if (ref === undefined) return { units: [] }
      const read = yield* readActivity(plan, target, item, ref)
      if (read.failure !== undefined) {
        const key = readKey(generation, payload.resource)
        return {
          units: [
            {
              unit: key,
              outcome: "failed" as const,
              run: thisRun,
              operations: 0,
              error: read.failure._tag,
              message: read.failure.message,
              failure: read.failure
            }
          ]
        }
      }
      units = Migration.unitsOf(item, target, { operations: read.operations, prefix: repairPrefix(generation) })
    }
    const skip = view.skip
    const outcomes: Array<UnitOutcome> = []
    for (const unit of units) {
      if (skip.has(unit.key)) continue
      // its target was to be created, and that has not happened
      if (unit.kind !== "create" && ref === undefined) break
      const outcome = yield* unitActivity(payload.planDigest, payload.resource, generation, plan, target, unit, ref)
      outcomes.push(outcome)
      if (outcome.created !== undefined) ref = outcome.created
      if (outcome.outcome === "failed") {
        // a target not created leaves its writes nowhere to go; a refused credential or an
        // unreachable provider would fail every further unit the same way
        if (unit.kind === "create" || (outcome.failure !== undefined && Migration.stopsRun(outcome.failure))) break
      }
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
const agreedConfig = <R extends RunnerCluster.Role>(
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

const storeError = (e: unknown) =>
  new Errors.Unavailable({
    provider: "unishare",
    operation: "apply",
    message: `the run store failed: ${e instanceof Error ? e.message : String(e)}`,
    maybeApplied: true
  })

/**
 * What the store records of a plan's run (read only): the units applied by `apply` (generation 0)
 * and the targets its `create` units made.
 */
const recorded = (planDigest: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const shape = yield* storeShape
    if (!shape.units) return { applied: new Set<string>(), created: new Map<string, ResourceRef.ResourceRef>() }
    const found = yield* sql<{
      readonly unit: string
      readonly created: string | null
      readonly generation: number | string
    }>`SELECT unit, ${shape.unitColumn("created", "NULL")}, ${shape.unitColumn("generation", "0")} FROM unishare_units WHERE digest = ${planDigest} AND outcome = 'applied'`
    const rows = found.filter((row) => Number(row.generation) === 0)
    const created = new Map<string, ResourceRef.ResourceRef>()
    for (const row of rows) {
      const ref = row.created !== null ? decodeRef(row.created) : Option.none()
      if (Option.isSome(ref)) created.set(row.unit, ref.value)
    }
    return { applied: new Set(rows.map((r) => r.unit)), created }
  }).pipe(Effect.mapError(storeError))

/**
 * The targets a durable run of `plan` created (`--create-missing`), read from the store in context
 * without changing it (no table is created): what `Migration.verify` needs to find them.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { SharingProvider } from "@unishare/core"
 * import { DurableApply, Migration, SqliteClient } from "@unishare/migration"
 * const check = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) =>
 *   Effect.flatMap(DurableApply.createdTargets(plan), (created) => Migration.verify(plan, target, { created })).pipe(
 *     Effect.provide(SqliteClient.layer({ filename: "plan.run.db" }))
 *   )
 * ```
 */
export const createdTargets = (
  plan: Migration.MigrationPlan
): Effect.Effect<Migration.CreatedTargets, Errors.SharingError, SqlClient.SqlClient> =>
  Effect.map(recorded(plan.digest), ({ created }) => ({ createdBy: (unit: string) => created.get(unit) }))

/**
 * Options of a durable apply: those of `Migration.apply` but the in-memory `applied` view (the
 * store keeps it), and `submitted` for a run handed to runners (`layerSubmitter`): units the
 * runners performed in this run count as `applied`.
 *
 * @example
 * ```ts
 * import type { DurableApply } from "@unishare/migration"
 * const options: DurableApply.ApplyOptions = { concurrency: 8, repair: true }
 * ```
 */
export interface ApplyOptions extends Omit<Migration.ApplyOptions, "applied" | "onUnit"> {
  readonly submitted?: boolean | undefined
}

const checkPlan = (plan: Migration.MigrationPlan, target: Shape) =>
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
  })

/**
 * What a durable apply would do, read from the store in context without changing it (no table is
 * created; an empty store, e.g. an in-memory SQLite, stands for "never applied"): units applied by
 * earlier runs are `already-applied`, the rest `dry-run` with their operations. Every target that
 * exists (mapped, or created by an earlier run) is read once, which proves the credential can read
 * it; with `repair`, the units listed are what that read found drifted.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { SharingProvider } from "@unishare/core"
 * import { DurableApply, SqliteClient, type Migration } from "@unishare/migration"
 * const preview = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) =>
 *   DurableApply.dryRun(plan, target).pipe(Effect.provide(SqliteClient.layer({ filename: ":memory:" })))
 * ```
 */
export const dryRun = (
  plan: Migration.MigrationPlan,
  target: Shape,
  options: Omit<ApplyOptions, "dryRun" | "submitted"> = {}
): Effect.Effect<Migration.ApplyReport, Errors.SharingError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    yield* checkPlan(plan, target)
    const store = yield* recorded(plan.digest)
    const created = { createdBy: (unit: string) => store.created.get(unit) }
    let stopped: Errors.SharingError | undefined
    const reads = new Map<Migration.Item, Result.Result<ReadonlyArray<Planner.Operation>, Errors.SharingError>>()
    const readable = plan.items.filter((item) => Migration.targetOf(item, created) !== undefined)
    yield* Migration.firstAlone(
      readable,
      (item) => {
        if (stopped !== undefined) return Effect.void
        const ref = Migration.targetOf(item, created)!
        return Stream.runCollect(target.list(ref)).pipe(
          Effect.tap((current) => {
            const check = Planner.plan(current, item.desired, target.capabilities, {
              allowEveryone: true,
              onLossy: plan.options.onLossy,
              onUnsupported: "skip",
              resourceKind: ref.kind
            })
            reads.set(item, Result.succeed(Result.isSuccess(check) ? check.success.operations : item.plan.operations))
            return Effect.void
          }),
          Effect.asVoid,
          Effect.catch((error: Errors.SharingError) =>
            Effect.sync(() => {
              reads.set(item, Result.fail(error))
              if (Migration.stopsRun(error)) stopped ??= error
            })
          )
        )
      },
      options.concurrency ?? 4
    )
    const results: Array<Migration.UnitResult> = []
    const total = plan.items.length
    let done = 0
    for (const item of plan.items) {
      const ref = Migration.targetOf(item, created) ?? item.target
      const read = reads.get(item)
      const units =
        options.repair === true
          ? read !== undefined && Result.isSuccess(read)
            ? Migration.unitsOf(item, target, { operations: read.success, prefix: "repair|" })
            : []
          : Migration.unitsOf(item, target)
      for (const unit of units) {
        const base = { unit: unit.key, resource: ref, operations: unit.ops.length }
        if (options.repair !== true && store.applied.has(unit.key))
          results.push({ ...base, outcome: "already-applied" })
        else if (read !== undefined && Result.isFailure(read))
          results.push({ ...base, outcome: "failed", error: read.failure })
        else if (stopped !== undefined) results.push({ ...base, outcome: "not-run" })
        else results.push({ ...base, outcome: "dry-run", planned: unit.ops })
      }
      done++
      if (options.onProgress !== undefined)
        yield* options.onProgress({ done, total, failed: 0, unit: ResourceRef.key(item.target) })
    }
    return Migration.applyReport(plan, true, results, stopped)
  }).pipe(Effect.withSpan("unishare.migration.durableDryRun"))

/** The generation of a repair: the last one if it did not finish (a crash), else a new one. */
const repairGeneration = (planDigest: string) =>
  Effect.gen(function* () {
    const sql = yield* tables
    const rows = yield* sql<{
      readonly generation: number
      readonly finished: number
    }>`SELECT generation, finished FROM unishare_repairs WHERE digest = ${planDigest} ORDER BY generation DESC LIMIT 1`
    const last = rows[0]
    if (last !== undefined && Number(last.finished) === 0) return Number(last.generation)
    const generation = Number(last?.generation ?? 0) + 1
    yield* sql`INSERT INTO unishare_repairs (digest, generation, finished) VALUES (${planDigest}, ${generation}, 0)`
    return generation
  }).pipe(Effect.mapError(storeError))

/**
 * Applies a plan durably on the engine in context (`layerEmbedded`, `layerPostgres` or
 * `layerSubmitter`), with the same options and report as `Migration.apply` (the store keeps what
 * was applied). Resources run with bounded `concurrency`, the first alone; progress is reported as
 * each resource finishes. A target to create is created first (`--create-missing`), at most once.
 * `repair` re-reads every target and writes what drifted, as a new repair generation (a crashed
 * repair resumes in its own). `dryRun` is `dryRun` (reads only).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { SharingProvider } from "@unishare/core"
 * import { DurableApply, type Migration } from "@unishare/migration"
 * const run = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) =>
 *   DurableApply.apply(plan, target).pipe(Effect.provide(DurableApply.layerEmbedded({ filename: "plan.run.db" }, target)))
 * ```
 */
export const apply = (
  plan: Migration.MigrationPlan,
  target: Shape,
  options: ApplyOptions = {}
): Effect.Effect<Migration.ApplyReport, Errors.SharingError, WorkflowEngine.WorkflowEngine | SqlClient.SqlClient> =>
  Effect.gen(function* () {
    yield* checkPlan(plan, target)
    if (options.dryRun === true) return yield* dryRun(plan, target, options)
    const planDigest = plan.digest
    // the plan and its units' rows in one transaction: `status` sees a submitted plan whole
    const sql = yield* Effect.mapError(tables, storeError)
    const rows = plan.items.flatMap((item) =>
      Migration.unitsOf(item, target).map((unit) => ({
        digest: planDigest,
        resource: ResourceRef.key(item.target),
        unit: unit.key,
        outcome: "pending",
        operations: unit.ops.length
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
    const generation = options.repair === true ? yield* repairGeneration(planDigest) : 0
    const store = yield* recorded(planDigest)
    const items = plan.items.filter((item) => Migration.unitsOf(item, target).length > 0 || generation > 0)
    const total =
      generation > 0 ? items.length : items.reduce((n, item) => n + Migration.unitsOf(item, target).length, 0)
    let done = 0
    let failed = 0
    let stopped: Errors.SharingError | undefined

    /** Earlier rounds of one resource: units applied in them, and the first round not finished. */
    const history = (resource: string, created: ResourceRef.ResourceRef | undefined) =>
      Effect.gen(function* () {
        const applied = new Map<string, UnitOutcome>()
        let made = created
        for (let round = 0; ; round++) {
          const payload = {
            planDigest,
            resource,
            round,
            skip: [...applied.keys()],
            ...(generation > 0 ? { generation } : {}),
            ...(made !== undefined ? { created: made } : {})
          }
          const id = yield* ApplyResource.executionId(payload)
          const result = yield* ApplyResource.poll(id)
          if (Option.isNone(result) || result.value._tag !== "Complete" || Exit.isFailure(result.value.exit)) {
            return { applied, next: payload, finished: false, last: undefined }
          }
          const units = result.value.exit.value.units
          for (const u of units) {
            if (u.outcome === "applied") applied.set(u.unit, u)
            if (u.created !== undefined) made = u.created
          }
          // a repair generation runs one round: the next repair re-reads everything anyway
          if (generation > 0 || units.every((u) => u.outcome === "applied")) {
            return { applied, next: payload, finished: true, last: units }
          }
        }
      })

    const failureOf = (outcome: UnitOutcome) =>
      outcome.failure ??
      new Errors.Unavailable({
        provider: target.capabilities.provider,
        operation: "apply",
        message: failureText(outcome),
        maybeApplied: true
      })

    const runResource = (item: Migration.Item) =>
      Effect.gen(function* () {
        const resource = ResourceRef.key(item.target)
        const known = item.create === undefined ? item.target : store.created.get(Migration.createKey(item.source))
        const planned = generation === 0 ? Migration.unitsOf(item, target) : []
        if (stopped !== undefined || (generation > 0 && known === undefined)) {
          const results = planned.map(
            (unit): Migration.UnitResult => ({
              unit: unit.key,
              resource: item.target,
              operations: unit.ops.length,
              outcome: "not-run"
            })
          )
          if (generation > 0 && known === undefined && stopped === undefined) {
            // nothing to repair where the target was never created: apply creates it
            results.push({
              unit: readKey(generation, resource),
              resource: item.target,
              operations: 0,
              outcome: "failed",
              error: new Errors.NotFound({
                provider: target.capabilities.provider,
                operation: "repair",
                message: `the target of ${ResourceRef.describe(item.source)} has not been created yet (run apply)`
              })
            })
          }
          return yield* progress(results)
        }
        const before = yield* history(resource, known)
        const outcomes = new Map<string, UnitOutcome>(before.applied)
        let latest = before.last ?? []
        if (!before.finished) {
          const result = yield* ApplyResource.execute(before.next)
          latest = result.units
          for (const u of result.units) outcomes.set(u.unit, u)
        } else if (generation > 0) {
          for (const u of latest) outcomes.set(u.unit, u)
        }
        let ref = known
        for (const u of outcomes.values()) if (u.created !== undefined) ref = u.created
        const fresh = (outcome: UnitOutcome) =>
          (outcome.run === thisRun || options.submitted === true) && !before.applied.has(outcome.unit)
        const toResult = (unit: string, operations: number, outcome: UnitOutcome | undefined): Migration.UnitResult => {
          const base = { unit, resource: ref ?? item.target, operations }
          if (outcome === undefined) return { ...base, outcome: "not-run" }
          if (outcome.outcome === "applied") {
            return fresh(outcome)
              ? { ...base, outcome: "applied", ...(outcome.created !== undefined ? { created: outcome.created } : {}) }
              : { ...base, outcome: "already-applied" }
          }
          const error = failureOf(outcome)
          if (Migration.stopsRun(error)) stopped ??= error
          return { ...base, outcome: "failed", error }
        }
        const results =
          generation === 0
            ? planned.map((unit) => toResult(unit.key, unit.ops.length, outcomes.get(unit.key)))
            : [...outcomes.values()].map((u) => toResult(u.unit, u.operations, u))
        return yield* progress(results, generation > 0 ? resource : undefined)
      })

    const progress = (results: ReadonlyArray<Migration.UnitResult>, resource?: string) =>
      Effect.gen(function* () {
        if (resource !== undefined) {
          // a repair counts resources (its units are known only once each target is read)
          done++
          failed += results.filter((r) => r.outcome === "failed").length
          if (options.onProgress !== undefined) yield* options.onProgress({ done, total, failed, unit: resource })
          return results
        }
        for (const r of results) {
          done++
          if (r.outcome === "failed") failed++
          if (options.onProgress !== undefined) yield* options.onProgress({ done, total, failed, unit: r.unit })
        }
        return results
      })

    const results = (yield* Migration.firstAlone(items, runResource, options.concurrency ?? 4)).flat()
    if (generation > 0) {
      yield* Effect.mapError(
        sql`UPDATE unishare_repairs SET finished = 1 WHERE digest = ${planDigest} AND generation = ${generation}`,
        storeError
      )
    }
    return Migration.applyReport(plan, false, results, stopped)
  }).pipe(Effect.withSpan("unishare.migration.durableApply"))

/**
 * The progress of one target resource in a durable run: its units `applied`, `failed` (in the last
 * round that ran them; the next `apply` retries them) and `pending` (not run yet, or in flight), and
 * the target its `create` unit made (`--create-missing`).
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
  /** The target created for it (`--create-missing`), once created. */
  readonly created?: string | undefined
  /** The last error of each failed unit. */
  readonly failures: ReadonlyArray<{ readonly unit: string; readonly message: string }>
  /** Units started and not finished (part of `pending`), with the process running them (`processId`). */
  readonly running: ReadonlyArray<{ readonly unit: string; readonly process: string }>
  /** The processes (`processId`) that applied its units. */
  readonly appliedBy: ReadonlyArray<string>
}

/**
 * A run's progress as the store records it: `submitted` is false when no `apply` has stored this
 * plan (by digest) in this database yet; `complete` when every unit is applied. `repairs`: the
 * repair generations (`apply --repair`) and the units each wrote.
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
  readonly repairs: ReadonlyArray<{
    readonly generation: number
    readonly finished: boolean
    readonly applied: number
    readonly failed: number
  }>
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
 *   DurableApply.status(plan).pipe(Effect.provide(SqliteClient.layer({ filename: "plan.run.db" })))
 * ```
 */
export const status = (
  plan: Migration.MigrationPlan
): Effect.Effect<RunStatus, Errors.SharingError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    yield* Migration.checkDigest(plan)
    // reads only (no DDL: a store no apply has used has no tables, so nothing was submitted)
    const sql = yield* SqlClient.SqlClient
    const shape = yield* Effect.mapError(storeShape, storeError)
    const ready = shape.plans && shape.units
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
            readonly generation: number
            readonly created: string | null
          }>`SELECT resource, unit, outcome, message, ${shape.unitColumn("process", "NULL")}, ${shape.unitColumn("generation", "0")}, ${shape.unitColumn("created", "NULL")} FROM unishare_units WHERE digest = ${plan.digest} ORDER BY resource, unit`,
          storeError
        )
      : []
    const generations = shape.repairs
      ? yield* Effect.mapError(
          sql<{
            readonly generation: number
            readonly finished: number
          }>`SELECT generation, finished FROM unishare_repairs WHERE digest = ${plan.digest} ORDER BY generation`,
          storeError
        )
      : []
    const byResource = new Map<string, Array<(typeof rows)[number]>>()
    for (const row of rows) {
      if (Number(row.generation) !== 0) continue
      const list = byResource.get(row.resource)
      list === undefined ? byResource.set(row.resource, [row]) : list.push(row)
    }
    const resources = plan.items.flatMap((item): Array<ResourceStatus> => {
      const resource = ResourceRef.key(item.target)
      const units = byResource.get(resource) ?? []
      if (units.length === 0) return []
      const failed = units.filter((u) => u.outcome === "failed")
      const applied = units.filter((u) => u.outcome === "applied").length
      const created = units.flatMap((u) => {
        const ref = u.created !== null ? decodeRef(u.created) : Option.none()
        return Option.isSome(ref) ? [ResourceRef.key(ref.value)] : []
      })[0]
      return [
        {
          resource,
          units: units.length,
          applied,
          failed: failed.length,
          pending: units.length - applied - failed.length,
          ...(created !== undefined ? { created } : {}),
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
      resources,
      repairs: generations.map((g) => {
        const mine = rows.filter((r) => Number(r.generation) === Number(g.generation))
        return {
          generation: Number(g.generation),
          finished: Number(g.finished) !== 0,
          applied: mine.filter((r) => r.outcome === "applied").length,
          failed: mine.filter((r) => r.outcome === "failed").length
        }
      })
    }
  }).pipe(Effect.withSpan("unishare.migration.durableStatus"))

/**
 * One entry of a run's audit log: a write attempt of one unit (`generation` 0 for `apply`, 1, 2, …
 * for the repairs), its outcome, when it ended, the process that made it (`processId`), how many
 * operations it carried, the error of a failed one and the target a `create` made. An attempt
 * repeated after a crash (at-least-once) appears twice.
 *
 * @example
 * ```ts
 * import type { DurableApply } from "@unishare/migration"
 * const line = (e: DurableApply.AuditEntry) => `${e.at} ${e.unit} ${e.outcome}`
 * ```
 */
export interface AuditEntry {
  readonly at: string
  readonly resource: string
  readonly unit: string
  readonly generation: number
  readonly outcome: "applied" | "failed"
  readonly process: string
  readonly operations: number
  readonly message?: string | undefined
  readonly created?: string | undefined
}

/**
 * A run's audit log, read from the store in context (reads only), oldest first: every write
 * attempt of the plan's units, by `apply` and by its repairs.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DurableApply, SqliteClient, type Migration } from "@unishare/migration"
 * const log = (plan: Migration.MigrationPlan) =>
 *   DurableApply.audit(plan).pipe(Effect.provide(SqliteClient.layer({ filename: "plan.run.db" })))
 * ```
 */
export const audit = (
  plan: Migration.MigrationPlan
): Effect.Effect<ReadonlyArray<AuditEntry>, Errors.SharingError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (!(yield* storeShape).audit) return []
    const rows = yield* sql<{
      readonly at: string
      readonly resource: string
      readonly unit: string
      readonly generation: number
      readonly outcome: string
      readonly process: string
      readonly operations: number
      readonly message: string | null
      readonly created: string | null
    }>`SELECT at, resource, unit, generation, outcome, process, operations, message, created FROM unishare_audit WHERE digest = ${plan.digest} ORDER BY at, unit`
    return rows.map((row): AuditEntry => {
      const created = row.created !== null ? decodeRef(row.created) : Option.none()
      return {
        at: row.at,
        resource: row.resource,
        unit: row.unit,
        generation: Number(row.generation),
        outcome: row.outcome === "applied" ? "applied" : "failed",
        process: row.process,
        operations: Number(row.operations),
        ...(row.message !== null ? { message: row.message } : {}),
        ...(Option.isSome(created) ? { created: ResourceRef.key(created.value) } : {})
      }
    })
  }).pipe(Effect.mapError(storeError), Effect.withSpan("unishare.migration.durableAudit"))

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
  /** The runners' shared secret (`RunnerAuth`): without it, sockets are plain TCP and runners loopback only. */
  readonly secret?: RunnerAuth.Secret | undefined
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

/**
 * A runner's transport: its socket server (`RunnerAuth.layerSocketServer`: authenticated with the
 * secret, a connection limit, a handshake deadline), clients to the others, ping health checks.
 */
const serverTransport = (options: RunnerOptions) => {
  const client = RunnerAuth.layerClientProtocol(options.secret)
  return SocketRunner.layer.pipe(
    Layer.provide([
      RunnerAuth.layerSocketServer({
        address: options.runnerAddress,
        secret: options.secret,
        maxConnections: options.maxConnections,
        handshakeTimeoutMillis: options.handshakeTimeoutMillis
      }),
      client
    ]),
    Layer.provide(RunnerHealth.layerPing.pipe(Layer.provide(Runners.layerRpc), Layer.provide(client)))
  )
}

/** A submitter's transport: clients only (authenticated with the secret when there is one). */
const clientTransport = (secret: RunnerAuth.Secret | undefined) =>
  SocketRunner.layerClientOnly.pipe(Layer.provide(RunnerAuth.layerClientProtocol(secret)))

/**
 * Options of a runner: its address (where it listens, and where the others reach it), and its
 * socket's connection limit and handshake deadline (`RunnerAuth.defaults` when left out).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { DurableApply } from "@unishare/migration"
 * const options: DurableApply.RunnerOptions = {
 *   database: Redacted.make("postgres://localhost/runs"),
 *   runnerAddress: { host: "127.0.0.1", port: 34431 },
 *   maxConnections: 64
 * }
 * ```
 */
export interface RunnerOptions extends ClusterOptions {
  readonly runnerAddress: RunnerCluster.Address
  readonly maxConnections?: number | undefined
  readonly handshakeTimeoutMillis?: number | undefined
}

/**
 * A runner: this process executes `ApplyResource` workflows for the shards it holds, talking to the
 * other runners over sockets (`runnerAddress`, unique per runner, reachable by the others; it also
 * listens there) and sharing the PostgreSQL store. Its sockets are authenticated with `secret`
 * (`RunnerAuth`); without one it refuses (`RunnerAuth.SecretRequired`, before touching anything) an
 * address that is not a loopback one. Its sharding configuration is explicit (no environment
 * variable changes it) and agreed with the store (`RunnerCluster.join`: fails with
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
export const layerRunner = (options: RunnerOptions, target: Shape) => {
  const runner = layerWorkflows.pipe(
    Layer.provideMerge(ClusterWorkflowEngine.layer),
    Layer.provideMerge(socketSharding(serverTransport(options))),
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
  // an address that does not parse is refused by `RunnerCluster.join` (InvalidClusterOptions)
  const parsed = Result.isSuccess(RunnerCluster.parseAddress(RunnerCluster.formatAddress(options.runnerAddress)))
  return parsed
    ? Layer.unwrap(Effect.as(RunnerAuth.requireSecret(options.runnerAddress, options.secret), runner))
    : runner
}

/**
 * Refuses a submitter without a secret while a live runner listens on an address that is not a
 * loopback one: such a runner has a secret (`layerRunner` requires it), and would refuse every
 * connection of this submitter while the run waited.
 */
const submitterMeetsRunners = (secret: RunnerAuth.Secret | undefined) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      if (secret !== undefined) return
      const remote = (yield* RunnerCluster.liveMembers).filter(
        (m) =>
          m.role === "runner" &&
          m.address !== null &&
          Result.match(RunnerCluster.parseAddress(m.address), {
            onFailure: () => true,
            onSuccess: (a) => !RunnerAuth.isLoopback(a.host)
          })
      )
      const first = remote[0]?.address
      if (first != null) {
        return yield* new RunnerAuth.SecretRequired({
          address: first,
          message: `the runners of this store listen on addresses other machines can reach (${remote.map((m) => m.address).join(", ")}), so they accept only peers holding their shared secret: give this submitter the same secret (--secret-file <file> or ${RunnerAuth.secretVariable}). Nothing was stored`
        })
      }
    })
  )

/**
 * A submitter: a client-only member of the cluster (it holds no shard and executes nothing) that
 * sends `ApplyResource` executions to the runners and follows them; what `apply` runs on with
 * `--submit`. Its sharding configuration is explicit and agreed with the store like a runner's
 * (`RunnerCluster.SettingsMismatch`; `StoreInUse` while an in-process apply is live), and it fails
 * with `RunnerCluster.NoLiveRunner` (nothing stored) while no runner is live on the store.
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
  RunnerCluster.JoinError<"submitter"> | RunnerAuth.SecretRequired
> =>
  ClusterWorkflowEngine.layer.pipe(
    Layer.provideMerge(socketSharding(clientTransport(options.secret))),
    Layer.provideMerge(submitterMeetsRunners(options.secret)),
    Layer.provideMerge(agreedConfig({ role: "submitter", process: thisRun, requested: requestedOf(options) })),
    Layer.provideMerge(PgClient.layer({ url: options.database, applicationName: "unishare-submit" }))
  )
