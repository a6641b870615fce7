/**
 * The workflow of `DurableApply` (internal): `ApplyResource`, one execution per target resource
 * and round, one activity per unit (`Migration.unitsOf`), each recorded in the run store before it
 * ends; a `create` made at most once across attempts (`createMark`); a repair generation's read of
 * the target as an activity of its own; and what the store allows a payload to claim
 * (`storeView`: a peer's word never makes a runner skip a unit or write elsewhere).
 * `layerWorkflows` registers it with whichever engine runs it (`DurableEngine`, `DurableRunners`).
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import * as Errors from "@unishare/core/Errors"
import * as Planner from "@unishare/core/Planner"
import * as ResourceRef from "@unishare/core/ResourceRef"
import type { Shape } from "@unishare/core/SharingProvider"
import { Context, Effect, Option, Result, Schema, Stream } from "effect"
import { Activity, Workflow } from "effect/workflow"
import * as Migration from "../Migration.ts"
import {
  decodeRef,
  loadPlan,
  recordCreating,
  recordRunning,
  recordUnit,
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
          allowAnyone: true,
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
export const readKey = (generation: number, resource: string) => `${repairPrefix(generation)}${resource}|read`

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
