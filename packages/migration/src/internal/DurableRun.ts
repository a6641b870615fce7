/**
 * Applying a plan with `DurableApply` (internal): `apply` on the engine in context (the plan and
 * its units' rows stored first, then one `ApplyResource` execution per resource, resumed or read
 * back round by round), `repair` as a new repair generation, `dryRun` (the store read, nothing
 * written), and `createdTargets` for `Migration.verify`.
 *
 * @since 0.1.0
 */
import * as Errors from "@unishare/core/Errors"
import * as Planner from "@unishare/core/Planner"
import * as ResourceRef from "@unishare/core/ResourceRef"
import type { Shape } from "@unishare/core/SharingProvider"
import { Effect, Exit, Option, Result, Stream } from "effect"
import type { SqlClient } from "effect/sql"
import type { WorkflowEngine } from "effect/workflow"
import * as Migration from "../Migration.ts"
import { ApplyResource, readKey } from "./DurableWorkflow.ts"
import { encodePlan, failureText, recorded, storeError, tables, thisRun, type UnitOutcome } from "./RunStoreSchema.ts"

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
              allowAnyone: true,
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
      options.concurrency ?? Migration.defaultConcurrency(target.capabilities)
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

    const results = (yield* Migration.firstAlone(
      items,
      runResource,
      options.concurrency ?? Migration.defaultConcurrency(target.capabilities)
    )).flat()
    if (generation > 0) {
      yield* Effect.mapError(
        sql`UPDATE unishare_repairs SET finished = 1 WHERE digest = ${planDigest} AND generation = ${generation}`,
        storeError
      )
    }
    return Migration.applyReport(plan, false, results, stopped)
  }).pipe(Effect.withSpan("unishare.migration.durableApply"))
