/**
 * Applying a plan with `DurableApply` (internal): `apply` on the engine in context (the plan stored
 * first in chunks with its units' rows, streamed from its file in one transaction, then one
 * `ApplyChunk` execution per chunk, resumed or read back round by round), `repair` as a new repair
 * generation, `dryRun` (the store read, nothing written), and `createdTargets` for
 * `Migration.verify`. Memory does not grow with the plan: items are read one chunk at a time.
 *
 * @since 0.1.0
 */
import * as Errors from "@unishare/core/Errors"
import * as Planner from "@unishare/core/Planner"
import * as ResourceRef from "@unishare/core/ResourceRef"
import type { Shape } from "@unishare/core/SharingProvider"
import { Effect, Exit, Option, Queue, Result, Stream } from "effect"
import type { SqlClient } from "effect/sql"
import type { WorkflowEngine } from "effect/workflow"
import * as Migration from "../Migration.ts"
import { ApplyChunk, unitListeners } from "./DurableWorkflow.ts"
import {
  chunkItems,
  encodeChunk,
  encodeShellRow,
  failureText,
  loadChunk,
  recorded,
  storedPlan,
  storeError,
  tables,
  thisRun,
  type UnitOutcome
} from "./RunStoreSchema.ts"

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
  plan: Pick<Migration.MigrationPlan, "digest">
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

/** A plan in memory or streamed from its file, as a stream (an in-memory plan's digest checked here). */
const streamedOf = (
  plan: Migration.MigrationPlan | Migration.PlanStream,
  target: Shape
): Effect.Effect<Migration.PlanStream, Errors.InvalidInput> =>
  Effect.gen(function* () {
    if (plan.targetProvider !== target.capabilities.provider) {
      return yield* Errors.invalid(
        target.capabilities.provider,
        "apply",
        "plan.targetProvider",
        `the plan targets ${plan.targetProvider}, not ${target.capabilities.provider}`
      )
    }
    if ("itemCount" in plan) return plan
    yield* Migration.checkDigest(plan)
    return Migration.streamOf(plan)
  })

/**
 * What a durable apply would do, read from the store in context without changing it (no table is
 * created; an empty store, e.g. an in-memory SQLite, stands for "never applied"): units applied by
 * earlier runs are `already-applied`, the rest `dry-run` with their operations. Every target that
 * exists (mapped, or created by an earlier run) is read once, which proves the credential can read
 * it; with `repair`, the units listed are what that read found drifted. Items are read as they
 * stream by.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { SharingProvider } from "@unishare/core"
 * import { DurableApply, SqliteClient, type Migration } from "@unishare/migration"
 * const preview = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) =>
 *   DurableApply.dryRun(plan, target).pipe(Effect.provide(SqliteClient.layer({ filename: "plan.run.db", readOnly: true })))
 * ```
 */
export const dryRun = (
  plan: Migration.MigrationPlan | Migration.PlanStream,
  target: Shape,
  options: Omit<ApplyOptions, "dryRun" | "submitted"> = {}
): Effect.Effect<Migration.ApplyReport, Errors.SharingError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const streamed = yield* streamedOf(plan, target)
    const store = yield* recorded(streamed.digest)
    const created = { createdBy: (unit: string) => store.created.get(unit) }
    let stopped: Errors.SharingError | undefined
    let done = 0
    const total = streamed.itemCount
    const one = (item: Migration.Item) =>
      Effect.gen(function* () {
        const found = Migration.targetOf(item, created)
        let read: Result.Result<ReadonlyArray<Planner.Operation>, Errors.SharingError> | undefined
        if (found !== undefined && stopped === undefined) {
          const current = yield* Effect.result(Stream.runCollect(target.list(found)))
          if (Result.isSuccess(current)) {
            const check = Planner.plan(current.success, item.desired, target.capabilities, {
              allowEveryone: true,
              allowAnyone: true,
              onLossy: streamed.options.onLossy,
              onUnsupported: "skip",
              resourceKind: found.kind
            })
            read = Result.succeed(Result.isSuccess(check) ? check.success.operations : item.plan.operations)
          } else {
            read = Result.fail(current.failure)
            if (Migration.stopsRun(current.failure)) stopped ??= current.failure
          }
        }
        const ref = found ?? item.target
        const units =
          options.repair === true
            ? read !== undefined && Result.isSuccess(read)
              ? Migration.unitsOf(item, target, { operations: read.success, prefix: "repair|" })
              : []
            : Migration.unitsOf(item, target)
        const results = units.map((unit): Migration.UnitResult => {
          const base = { unit: unit.key, resource: ref, operations: unit.ops.length }
          if (options.repair !== true && store.applied.has(unit.key)) return { ...base, outcome: "already-applied" }
          if (read !== undefined && Result.isFailure(read)) return { ...base, outcome: "failed", error: read.failure }
          if (stopped !== undefined) return { ...base, outcome: "not-run" }
          return { ...base, outcome: "dry-run", planned: unit.ops }
        })
        done++
        if (options.onProgress !== undefined)
          yield* options.onProgress({ done, total, failed: 0, unit: ResourceRef.key(item.target) })
        return results
      })
    const results = yield* Stream.runCollect(
      Migration.firstAloneStream(
        streamed.items,
        one,
        options.concurrency ?? Migration.defaultConcurrency(target.capabilities)
      )
    )
    return Migration.applyReport(streamed, true, results.flat(), stopped)
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
 * Stores a plan: its items in chunks of `chunkItems` and a row per unit (`pending`), streamed from
 * the plan in one transaction with the plans row last, so `status` and the runners see a stored plan
 * whole, and a plan file whose digest fails at its end stores nothing. A plan an older version
 * stored whole gets its chunks (its units' rows keep their outcomes).
 */
const storePlan = (plan: Migration.PlanStream, target: Shape) =>
  Effect.gen(function* () {
    const sql = yield* tables
    let chunk = 0
    let seq = 0
    let items = 0
    yield* Stream.runForEach(Stream.grouped(plan.items, chunkItems), (group) =>
      Effect.gen(function* () {
        const rows = group.flatMap((item) => {
          const at = seq++
          return Migration.unitsOf(item, target).map((unit) => ({
            digest: plan.digest,
            resource: ResourceRef.key(item.target),
            unit: unit.key,
            outcome: "pending",
            operations: unit.ops.length,
            seq: at
          }))
        })
        for (let i = 0; i < rows.length; i += 200) {
          const [first, ...rest] = rows.slice(i, i + 200)
          if (first === undefined) break
          yield* sql`INSERT INTO unishare_units ${sql.insert([first, ...rest])} ON CONFLICT (digest, resource, unit) DO UPDATE SET seq = excluded.seq`
        }
        yield* sql`INSERT INTO unishare_chunks (digest, chunk, items) VALUES (${plan.digest}, ${chunk}, ${encodeChunk(group)}) ON CONFLICT (digest, chunk) DO NOTHING`
        chunk++
        items += group.length
      })
    )
    const { items: _, itemCount: __, ...shell } = plan
    const row = encodeShellRow({ format: "unishare/migration-plan", version: 1, ...shell }, chunk, items)
    yield* sql`INSERT INTO unishare_plans (digest, plan) VALUES (${plan.digest}, ${row}) ON CONFLICT (digest) DO UPDATE SET plan = excluded.plan`
  }).pipe((self) =>
    Effect.flatMap(Effect.mapError(tables, storeError), (sql) =>
      sql
        .withTransaction(self)
        .pipe(
          Effect.catch(
            (e): Effect.Effect<never, Errors.InvalidInput | Errors.Unavailable> =>
              e instanceof Errors.InvalidInput ? Effect.fail(e) : Effect.fail(storeError(e))
          )
        )
    )
  )

/**
 * Applies a plan durably on the engine in context (`layerEmbedded`, `layerPostgres` or
 * `layerSubmitter`), with the same options and report as `Migration.apply` (the store keeps what
 * was applied). The plan may be in memory or streamed from its file (`FileFormat.openPlan`): it is
 * stored first, chunk by chunk, then the chunks run — two at a time, each with half the
 * `concurrency`, the first chunk alone and its first resource alone. Progress is reported as each
 * chunk finishes. A target to create is created first (`--create-missing`), at most once.
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
  plan: Migration.MigrationPlan | Migration.PlanStream,
  target: Shape,
  options: ApplyOptions = {}
): Effect.Effect<Migration.ApplyReport, Errors.SharingError, WorkflowEngine.WorkflowEngine | SqlClient.SqlClient> =>
  Effect.gen(function* () {
    if (options.dryRun === true) return yield* dryRun(plan, target, options)
    const streamed = yield* streamedOf(plan, target)
    const planDigest = streamed.digest
    const before = yield* Effect.mapError(storedPlan(planDigest), storeError)
    if (before === undefined || before.legacy !== undefined) yield* storePlan(streamed, target)
    const stored = yield* Effect.mapError(storedPlan(planDigest), storeError)
    if (stored === undefined) return yield* storeError(new Error(`plan ${planDigest} was not stored`))
    const generation = options.repair === true ? yield* repairGeneration(planDigest) : 0
    const sql = yield* Effect.mapError(tables, storeError)
    const counted = yield* Effect.mapError(
      sql<{
        readonly n: number | string
      }>`SELECT COUNT(*) AS n FROM unishare_units WHERE digest = ${planDigest} AND generation = 0`,
      storeError
    )
    const total = generation > 0 ? stored.items : Number(counted[0]?.n ?? 0)
    const concurrency = options.concurrency ?? Migration.defaultConcurrency(target.capabilities)
    const chunkConcurrency = stored.chunks > 1 ? 2 : 1
    const perChunk = Math.max(1, Math.ceil(concurrency / chunkConcurrency))
    let done = 0
    let failed = 0
    let stopped: Errors.SharingError | undefined

    /** Earlier rounds of one chunk: units applied in them, and the first round not finished. */
    const history = (chunk: number, items: ReadonlyArray<Migration.Item>) =>
      Effect.gen(function* () {
        const applied = new Map<string, UnitOutcome>()
        const planned = generation === 0 ? items.flatMap((item) => Migration.unitsOf(item, target)) : []
        for (let round = 0; ; round++) {
          const payload = {
            planDigest,
            chunk,
            round,
            ...(generation > 0 ? { generation } : {}),
            concurrency: perChunk
          }
          const id = yield* ApplyChunk.executionId(payload)
          const result = yield* ApplyChunk.poll(id)
          if (Option.isNone(result) || result.value._tag !== "Complete" || Exit.isFailure(result.value.exit)) {
            return { applied, next: payload, finished: false, last: undefined }
          }
          const units = result.value.exit.value.units
          for (const u of units) if (u.outcome === "applied") applied.set(u.unit, u)
          // a repair generation runs one round: the next repair re-reads everything anyway
          if (generation > 0 || planned.every((unit) => applied.has(unit.key))) {
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

    const runChunk = (chunk: number) =>
      Effect.gen(function* () {
        const items = yield* loadChunk(planDigest, chunk)
        const notRun = () =>
          items.flatMap((item) =>
            (generation === 0 ? Migration.unitsOf(item, target) : []).map(
              (unit): Migration.UnitResult => ({
                unit: unit.key,
                resource: item.target,
                operations: unit.ops.length,
                outcome: "not-run"
              })
            )
          )
        if (stopped !== undefined) return yield* progress(notRun(), items.length)
        const earlier = yield* history(chunk, items)
        const outcomes = new Map<string, UnitOutcome>(earlier.applied)
        let latest = earlier.last ?? []
        if (!earlier.finished) {
          const result = yield* ApplyChunk.execute(earlier.next)
          latest = result.units
          for (const u of result.units) outcomes.set(u.unit, u)
        } else if (generation > 0) {
          for (const u of latest) outcomes.set(u.unit, u)
        }
        const createdRefs = new Map<string, ResourceRef.ResourceRef>()
        for (const u of outcomes.values())
          if (u.created !== undefined && u.resource !== undefined) createdRefs.set(u.resource, u.created)
        const byResource = new Map(items.map((item) => [ResourceRef.key(item.target), item] as const))
        const refOf = (item: Migration.Item) => createdRefs.get(ResourceRef.key(item.target)) ?? item.target
        const fresh = (outcome: UnitOutcome) =>
          outcome.earlier !== true &&
          (outcome.run === thisRun || options.submitted === true) &&
          !earlier.applied.has(outcome.unit)
        const toResult = (
          item: Migration.Item | undefined,
          unit: string,
          operations: number,
          outcome: UnitOutcome | undefined
        ): Migration.UnitResult => {
          const base = { unit, resource: item === undefined ? missingRef : refOf(item), operations }
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
            ? items.flatMap((item) =>
                Migration.unitsOf(item, target).map((unit) =>
                  toResult(item, unit.key, unit.ops.length, outcomes.get(unit.key))
                )
              )
            : [...outcomes.values()].map((u) =>
                toResult(u.resource !== undefined ? byResource.get(u.resource) : undefined, u.unit, u.operations, u)
              )
        return yield* progress(results, items.length)
      })

    const progress = (results: ReadonlyArray<Migration.UnitResult>, resources: number) =>
      Effect.gen(function* () {
        if (generation > 0) {
          // a repair counts resources (its units are known only once each target is read)
          done += resources
          failed += results.filter((r) => r.outcome === "failed").length
          if (options.onProgress !== undefined && resources > 0) {
            yield* options.onProgress({ done, total, failed, unit: results[results.length - 1]?.unit ?? "" })
          }
          return results
        }
        for (const r of results) {
          // a unit this process ran was reported as it finished
          if (reported.delete(r.unit)) continue
          done++
          if (r.outcome === "failed") failed++
          if (options.onProgress !== undefined) yield* options.onProgress({ done, total, failed, unit: r.unit })
        }
        return results
      })

    // units finished by the workflows in this process, reported as they finish (the rest — a
    // runner's, or units skipped — as their chunk finishes)
    const reported = new Set<string>()
    const live = yield* Queue.unbounded<UnitOutcome>()
    if (generation === 0 && options.submitted !== true) {
      unitListeners.set(planDigest, (outcome) => {
        Queue.offerUnsafe(live, outcome)
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => unitListeners.delete(planDigest)))
      yield* Effect.forkScoped(
        Effect.forever(
          Effect.flatMap(Queue.take(live), (outcome) => {
            reported.add(outcome.unit)
            done++
            if (outcome.outcome === "failed") failed++
            return options.onProgress?.({ done, total, failed, unit: outcome.unit }) ?? Effect.void
          })
        )
      )
    }

    const chunks = Array.from({ length: stored.chunks }, (_, i) => i)
    const results = (yield* Migration.firstAlone(chunks, runChunk, chunkConcurrency)).flat()
    if (generation > 0) {
      yield* Effect.mapError(
        sql`UPDATE unishare_repairs SET finished = 1 WHERE digest = ${planDigest} AND generation = ${generation}`,
        storeError
      )
    }
    return Migration.applyReport(streamed, false, results, stopped)
  }).pipe(Effect.scoped, Effect.withSpan("unishare.migration.durableApply"))

/** The resource of an outcome no item of its chunk names (not expected: outcomes carry their resource). */
const missingRef: ResourceRef.ResourceRef = { provider: "unishare", kind: "unknown", id: "unknown" }
