/**
 * The workflow of `DurableApply` (internal): `ApplyChunk`, one execution per chunk of the plan
 * (`chunkItems` items) and round, its units performed in one activity with bounded concurrency,
 * each recorded in the run store as running before its write and as done after; a `create` made
 * at most once across attempts (`createMark`); a repair generation's read of each target; and what
 * a runner trusts (`chunkView`: the store alone says which units to skip and where a created
 * target is — a payload names a chunk and claims nothing else).
 * `layerWorkflows` registers it with whichever engine runs it (`DurableEngine`, `DurableRunners`).
 *
 * Why chunks: the workflow engine's own cost (a message, a reply, journal rows, serialization) per
 * execution and per activity is several milliseconds of CPU; paid per unit it was most of what a
 * durable apply cost. Paid per chunk it is a fraction of a millisecond per unit, and what remains
 * per unit is the store's two rows and the provider's requests. A crash inside a chunk's activity
 * re-runs it; the store's records make that skip every unit already applied.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import * as Errors from "@unishare/core/Errors"
import * as Planner from "@unishare/core/Planner"
import * as ResourceRef from "@unishare/core/ResourceRef"
import type { Shape } from "@unishare/core/SharingProvider"
import { Context, Effect, Option, Result, Schema, Semaphore, Stream } from "effect"
import type { SqlClient } from "effect/sql"
import { Activity, Workflow } from "effect/workflow"
import * as Migration from "../Migration.ts"
import {
  decodeRef,
  loadChunk,
  recordCreating,
  recordRunning,
  recordUnit,
  storedPlan,
  tables,
  thisRun,
  UnitOutcome,
  unitRow
} from "./RunStoreSchema.ts"

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
 * The durable workflow applying one chunk of a plan: `generation` 0 applies the chunk's units, a
 * repair generation (1, 2, …) re-reads each target and writes what drifted. `round` numbers the
 * attempts of one chunk by successive runs (a run retries the units an earlier round failed in a
 * new round). Which units to skip and which targets were created come from the store alone: a
 * payload claims nothing but the chunk it names.
 *
 * @example
 * ```ts
 * import { DurableApply } from "@unishare/migration"
 * const id = DurableApply.ApplyChunk.executionId({ planDigest: "ab12", chunk: 0, round: 0 })
 * ```
 */
export const ApplyChunk = Workflow.make("unishare/ApplyChunk", {
  payload: {
    planDigest: Schema.String,
    chunk: Schema.Number,
    round: Schema.Number,
    generation: Schema.optionalKey(Schema.Number),
    /** Writes at once within the chunk (capped by `maxConcurrency`; default: the target's). */
    concurrency: Schema.optionalKey(Schema.Number)
  },
  /** The units that failed, with their typed errors (every unit's outcome is in the store). */
  success: Schema.Struct({ units: Schema.Array(UnitOutcome) }),
  idempotencyKey: ({ planDigest, chunk, round, generation }) =>
    generation === undefined || generation === 0
      ? `${planDigest}/chunk-${chunk}/${round}`
      : `${planDigest}/repair-${generation}/chunk-${chunk}/${round}`
})

/**
 * Who in this process wants to hear of each unit this process's workflows finish, by plan digest:
 * the `apply` that runs the engine in the same process reports progress unit by unit (the store is
 * the record; this is only for the progress bar). Runners elsewhere are followed chunk by chunk.
 */
export const unitListeners = new Map<string, (outcome: UnitOutcome) => void>()

/**
 * Writes at once in this process, per plan and concurrency: the chunks this process runs at the
 * same time share them, so that when one chunk is down to its last writes the other takes the
 * free slots (the writes stay at the concurrency asked, and none waits for a chunk to drain).
 */
const writeSlots = new Map<string, Semaphore.Semaphore>()

const slotsFor = (planDigest: string, concurrency: number): Semaphore.Semaphore => {
  const key = `${planDigest}/${concurrency}`
  let slots = writeSlots.get(key)
  if (slots === undefined) {
    slots = Semaphore.makeUnsafe(concurrency)
    writeSlots.set(key, slots)
  }
  return slots
}

/** The most writes at once a payload can ask a runner for within one chunk. */
export const maxConcurrency = 64

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

/** One unit: its write (or create), recorded in the store as running before and as done after. */
const runUnit = (
  planDigest: string,
  resource: string,
  generation: number,
  plan: Pick<Migration.MigrationPlan, "options">,
  target: Shape,
  unit: Migration.Unit,
  ref: ResourceRef.ResourceRef | undefined
): Effect.Effect<UnitOutcome, never, SqlClient.SqlClient> =>
  (unit.kind === "create"
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

/** A repair's read of one target: the operations that make it match the plan again, or the read's failure. */
const readRepair = (
  plan: Pick<Migration.MigrationPlan, "options">,
  target: Shape,
  item: Migration.Item,
  ref: ResourceRef.ResourceRef
): Effect.Effect<{ readonly operations: ReadonlyArray<Planner.Operation>; readonly failure?: Errors.SharingError }> =>
  Stream.runCollect(target.list(ref)).pipe(
    Effect.map((current) => {
      const check = Planner.plan(current, item.desired, target.capabilities, {
        allowEveryone: true,
        allowAnyone: true,
        onLossy: plan.options.onLossy,
        onUnsupported: "skip",
        resourceKind: ref.kind
      })
      return { operations: Result.isSuccess(check) ? check.success.operations : item.plan.operations }
    }),
    Effect.catch((failure: Errors.SharingError) => Effect.succeed({ operations: [], failure }))
  )

/** The key of a repair's read of one resource (reported as a failed unit when the read fails). */
export const readKey = (generation: number, resource: string) => `${repairPrefix(generation)}${resource}|read`

const repairPrefix = (generation: number) => `repair-${generation}|`

/**
 * What the store records of a chunk's resources: the units applied (and by which process) and the
 * targets their `create` units made. The only source of what a runner skips and where it writes
 * (the payload names the chunk, nothing else).
 */
const chunkView = (planDigest: string, items: ReadonlyArray<Migration.Item>) =>
  Effect.gen(function* () {
    const sql = yield* tables
    const resources = [...new Set(items.map((item) => ResourceRef.key(item.target)))]
    const applied = new Map<string, string>()
    const created = new Map<string, ResourceRef.ResourceRef>()
    const running = new Map<string, Array<{ readonly unit: string; readonly operations: number }>>()
    for (let i = 0; i < resources.length; i += 200) {
      const rows = yield* sql<{
        readonly resource: string
        readonly unit: string
        readonly outcome: string
        readonly process: string | null
        readonly created: string | null
        readonly operations: number
      }>`SELECT resource, unit, outcome, process, created, operations FROM unishare_units WHERE digest = ${planDigest} AND resource IN ${sql.in(resources.slice(i, i + 200))} AND outcome IN ('applied', 'running')`
      for (const row of rows) {
        if (row.outcome === "running") {
          const list = running.get(row.resource) ?? []
          list.push({ unit: row.unit, operations: Number(row.operations) })
          running.set(row.resource, list)
          continue
        }
        applied.set(`${row.resource}\n${row.unit}`, row.process ?? "unknown")
        const ref = row.created != null ? decodeRef(row.created) : Option.none()
        if (Option.isSome(ref)) created.set(`${row.resource}\n${row.unit}`, ref.value)
      }
    }
    return {
      /** The units of `resource` an attempt started and did not finish (it crashed or was killed). */
      runningOf: (resource: string) => running.get(resource) ?? [],
      /** The process that applied `unit` of `resource`, when the store records it as applied. */
      appliedBy: (resource: string, unit: string) => applied.get(`${resource}\n${unit}`),
      /** The target the `create` unit of `item` made, when the store records it. */
      createdFor: (item: Migration.Item) =>
        item.create === undefined
          ? item.target
          : created.get(`${ResourceRef.key(item.target)}\n${Migration.createKey(item.source)}`)
    }
  }).pipe(Effect.orDie)

/**
 * One chunk applied: its items with bounded concurrency (the first alone), the units of one item
 * in order, every unit recorded in the store; units the store records as applied are returned as
 * `earlier` without being performed. A failure that stops a run (a refused credential, an
 * unreachable provider) leaves the items not started yet out of the result.
 */
const applyChunk = (
  payload: typeof ApplyChunk.payloadSchema.Type,
  plan: Pick<Migration.MigrationPlan, "options">,
  items: ReadonlyArray<Migration.Item>,
  target: Shape
) =>
  Effect.gen(function* () {
    const generation = payload.generation ?? 0
    const view = yield* chunkView(payload.planDigest, items)
    let stopped = false
    const one = (item: Migration.Item) =>
      Effect.gen(function* () {
        const outcomes: Array<UnitOutcome> = []
        if (stopped) return outcomes
        const resource = ResourceRef.key(item.target)
        let ref = view.createdFor(item)
        let units = Migration.unitsOf(item, target)
        if (generation > 0) {
          if (ref === undefined) return outcomes
          const read = yield* readRepair(plan, target, item, ref)
          if (read.failure !== undefined) {
            if (Migration.stopsRun(read.failure)) stopped = true
            return [
              {
                resource,
                unit: readKey(generation, resource),
                outcome: "failed" as const,
                run: thisRun,
                operations: 0,
                error: read.failure._tag,
                message: read.failure.message,
                failure: read.failure
              }
            ]
          }
          units = Migration.unitsOf(item, target, { operations: read.operations, prefix: repairPrefix(generation) })
          // a unit of this repair in flight when an earlier attempt stopped, which the read finds
          // done (its write landed): recorded as applied, not written again
          const wanted = new Set(units.map((unit) => unit.key))
          for (const started of view.runningOf(resource)) {
            if (!started.unit.startsWith(repairPrefix(generation)) || wanted.has(started.unit)) continue
            const outcome: UnitOutcome = {
              unit: started.unit,
              outcome: "applied",
              run: thisRun,
              operations: started.operations
            }
            yield* recordUnit(payload.planDigest, resource, generation, outcome)
            outcomes.push(outcome)
          }
        }
        for (const unit of units) {
          const by = view.appliedBy(resource, unit.key)
          if (by !== undefined) {
            outcomes.push({ unit: unit.key, outcome: "applied", run: by, operations: unit.ops.length, earlier: true })
            continue
          }
          // its target was to be created, and that has not happened
          if (unit.kind !== "create" && ref === undefined) break
          const outcome = yield* runUnit(payload.planDigest, resource, generation, plan, target, unit, ref)
          outcomes.push(outcome)
          if (generation === 0) unitListeners.get(payload.planDigest)?.(outcome)
          if (outcome.created !== undefined) ref = outcome.created
          if (outcome.outcome === "failed") {
            const stops = outcome.failure !== undefined && Migration.stopsRun(outcome.failure)
            if (stops) stopped = true
            // a target not created leaves its writes nowhere to go; a refused credential or an
            // unreachable provider would fail every further unit the same way
            if (unit.kind === "create" || stops) break
          }
        }
        return outcomes.map((outcome) => ({ ...outcome, resource }))
      })
    const concurrency = Math.min(
      maxConcurrency,
      Math.max(1, Math.floor(payload.concurrency ?? Migration.defaultConcurrency(target.capabilities)))
    )
    const slots = slotsFor(payload.planDigest, concurrency)
    return (yield* Migration.firstAlone(items, (item) => slots.withPermits(1)(one(item)), concurrency)).flat()
  })

/**
 * The workflow's implementation: registers `ApplyChunk` with the engine; needs the `Target` and
 * the store's `SqlClient`. A chunk is applied in one activity: a crash inside it re-runs the
 * activity, which skips every unit the store records as applied (so only the units in flight at
 * the crash are performed again).
 *
 * @example
 * ```ts
 * import { DurableApply } from "@unishare/migration"
 * const WorkflowsLive = DurableApply.layerWorkflows
 * ```
 */
export const layerWorkflows = ApplyChunk.toLayer((payload) =>
  Effect.gen(function* () {
    const stored = yield* Effect.orDie(storedPlan(payload.planDigest))
    if (stored === undefined) return yield* Effect.die(new Error(`plan ${payload.planDigest} is not in the store`))
    const target = yield* Target
    const generation = payload.generation ?? 0
    const execution = `chunk ${payload.chunk} (plan ${payload.planDigest.slice(0, 12)}, round ${payload.round}${generation > 0 ? `, repair ${generation}` : ""})`
    if (payload.chunk < 0 || payload.chunk >= stored.chunks || !Number.isInteger(payload.chunk)) {
      yield* Effect.logWarning(`refused the run of ${execution}: the plan has ${stored.chunks} chunk(s)`)
      return { units: [] }
    }
    if (generation > 0 && !(yield* repairRecorded(payload.planDigest, generation))) {
      yield* Effect.logWarning(
        `refused the run of ${execution}: the store records no repair ${generation} of this plan`
      )
      return { units: [] }
    }
    const items = yield* loadChunk(payload.planDigest, payload.chunk)
    if (stored.plan.targetProvider !== target.capabilities.provider) {
      // a runner configured for another provider than the plan's: write nothing, say why
      const error = new Errors.InvalidInput({
        provider: target.capabilities.provider,
        operation: "apply",
        issues: [
          {
            path: "plan.targetProvider",
            message: `this runner writes to ${target.capabilities.provider}, the plan targets ${stored.plan.targetProvider}`
          }
        ]
      })
      return {
        units: items.flatMap((item) => Migration.unitsOf(item, target).map((unit) => failedOutcome(unit, error)))
      }
    }
    // the store records every unit's outcome: what comes back is only the failures, with their
    // typed errors (a chunk's result is then a few bytes, whatever its size)
    const units = yield* Activity.make({
      name: "apply",
      success: Schema.Array(UnitOutcome),
      execute: Effect.map(applyChunk(payload, stored.plan, items, target), (outcomes) =>
        outcomes.filter((outcome) => outcome.outcome === "failed")
      )
    })
    return { units }
  })
)

/** Whether the store records repair `generation` of the plan. */
const repairRecorded = (planDigest: string, generation: number) =>
  Effect.gen(function* () {
    const sql = yield* tables
    const rows = yield* sql<{
      readonly generation: number
    }>`SELECT generation FROM unishare_repairs WHERE digest = ${planDigest} AND generation = ${generation}`
    return rows.length > 0
  }).pipe(Effect.orDie)
