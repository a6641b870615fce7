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
  decodeRef,
  encodeChunk,
  encodeShellRow,
  failureText,
  loadChunk,
  recorded,
  storedPlan,
  storeError,
  tables,
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
 * earlier runs are `already-applied`, the rest `dry-run` with their operations (the first
 * `Migration.dryRunListedUnits` of them; the report counts the rest). Every target that
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
    // in the plan's order, only the first units keep their operations: the rest are counted
    const listed = Migration.listPlanned()
    const results = yield* Stream.runCollect(
      Migration.firstAloneStream(
        streamed.items,
        one,
        options.concurrency ?? Migration.defaultConcurrency(target.capabilities)
      ).pipe(Stream.map((units) => units.map(listed)))
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
 * stored first, chunk by chunk, then the chunks run two at a time, sharing `concurrency`
 * writes at once (the first chunk alone, and its first resource alone). Progress is reported as each
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
    // chunks run in this process share its write slots (`concurrency` in all); chunks sent to
    // runners elsewhere get their part of it each
    const perChunk = options.submitted === true ? Math.max(1, Math.ceil(concurrency / chunkConcurrency)) : concurrency
    let done = 0
    let failed = 0
    let stopped: Errors.SharingError | undefined

    /** What the store records of a chunk's units (of this generation): by unit key. */
    const rowsOf = (items: ReadonlyArray<Migration.Item>) =>
      Effect.gen(function* () {
        const resources = [...new Set(items.map((item) => ResourceRef.key(item.target)))]
        const rows = new Map<string, UnitRow>()
        for (let i = 0; i < resources.length; i += 200) {
          const found =
            yield* sql<UnitRow>`SELECT resource, unit, outcome, message, created, generation, operations FROM unishare_units WHERE digest = ${planDigest} AND resource IN ${sql.in(resources.slice(i, i + 200))}`
          for (const row of found) if (Number(row.generation) === generation) rows.set(row.unit, row)
        }
        return rows
      }).pipe(Effect.mapError(storeError))

    /**
     * Runs a chunk's workflow unless the store records all its units applied: the first round
     * whose execution did not complete (a run cut short resumes it), else a new round (a round
     * that finished with failures is retried in the next one). A repair generation runs one round.
     * Returns the failures it reported (their typed errors; the store has their text).
     */
    const execute = (chunk: number) =>
      Effect.gen(function* () {
        for (let round = 0; ; round++) {
          const payload = {
            planDigest,
            chunk,
            round,
            ...(generation > 0 ? { generation } : {}),
            concurrency: perChunk
          }
          const result = yield* ApplyChunk.poll(yield* ApplyChunk.executionId(payload))
          const complete =
            Option.isSome(result) && result.value._tag === "Complete" && Exit.isSuccess(result.value.exit)
          if (complete && generation > 0) return result.value.exit.value.units
          if (!complete) return (yield* ApplyChunk.execute(payload)).units
        }
      })

    const failureOf = (unit: string, row: UnitRow | undefined, reported: ReadonlyMap<string, UnitOutcome>) =>
      reported.get(unit)?.failure ??
      new Errors.Unavailable({
        provider: target.capabilities.provider,
        operation: "apply",
        message: reported.has(unit)
          ? failureText(reported.get(unit)!)
          : (row?.message ?? "the unit failed (the run store has no message)"),
        maybeApplied: true
      })

    const runChunk = (chunk: number) =>
      Effect.gen(function* () {
        const items = yield* loadChunk(planDigest, chunk)
        const planned =
          generation === 0
            ? items.flatMap((item) => Migration.unitsOf(item, target).map((unit) => ({ item, unit })))
            : []
        if (stopped !== undefined) {
          return yield* progress(
            planned.map(({ item, unit }) => ({
              unit: unit.key,
              resource: item.target,
              operations: unit.ops.length,
              outcome: "not-run" as const
            })),
            items.length
          )
        }
        const before = yield* rowsOf(items)
        const appliedBefore = new Set([...before].filter(([, row]) => row.outcome === "applied").map(([unit]) => unit))
        const done = generation === 0 && planned.every(({ unit }) => appliedBefore.has(unit.key))
        const reported = new Map<string, UnitOutcome>()
        if (!done) for (const u of yield* execute(chunk)) if (u.outcome === "failed") reported.set(u.unit, u)
        const after = done ? before : yield* rowsOf(items)
        const createdRefs = new Map<string, ResourceRef.ResourceRef>()
        for (const row of after.values()) {
          const ref = row.created != null ? decodeRef(row.created) : Option.none()
          if (Option.isSome(ref)) createdRefs.set(row.resource, ref.value)
        }
        const byResource = new Map(items.map((item) => [ResourceRef.key(item.target), item] as const))
        const refOf = (resource: string) => createdRefs.get(resource) ?? byResource.get(resource)?.target ?? missingRef
        const toResult = (resource: string, unit: string, operations: number): Migration.UnitResult => {
          const base = { unit, resource: refOf(resource), operations }
          const row = after.get(unit)
          if (row?.outcome === "applied") {
            if (appliedBefore.has(unit)) return { ...base, outcome: "already-applied" }
            const created = row.created != null ? decodeRef(row.created) : Option.none()
            return { ...base, outcome: "applied", ...(Option.isSome(created) ? { created: created.value } : {}) }
          }
          if (row?.outcome === "failed" || reported.has(unit)) {
            const error = failureOf(unit, row, reported)
            if (Migration.stopsRun(error)) stopped ??= error
            return { ...base, outcome: "failed", error }
          }
          return { ...base, outcome: "not-run" }
        }
        const results =
          generation === 0
            ? planned.map(({ item, unit }) => toResult(ResourceRef.key(item.target), unit.key, unit.ops.length))
            : [
                ...[...after.values()]
                  .filter((row) => row.outcome === "applied" || row.outcome === "failed")
                  .map((row) => toResult(row.resource, row.unit, Number(row.operations))),
                // a repair's failed read is reported, not recorded as a unit
                ...[...reported.values()]
                  .filter((u) => !after.has(u.unit))
                  .map((u) => toResult(u.resource ?? "", u.unit, u.operations))
              ]
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

/** A unit's row in the store, as a run reads it back. */
interface UnitRow {
  readonly resource: string
  readonly unit: string
  readonly outcome: string
  readonly message: string | null
  readonly created: string | null
  readonly generation: number
  readonly operations: number
}

/** The resource of an outcome no item of its chunk names (not expected: outcomes carry their resource). */
const missingRef: ResourceRef.ResourceRef = { provider: "unishare", kind: "unknown", id: "unknown" }
