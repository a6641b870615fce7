/**
 * The migration engine: snapshot → identity and resource mapping → plan with per-share fidelity →
 * apply (bounded concurrency, journal, resumable) → verify by read-back.
 *
 * @since 0.1.0
 */
import { createHash, randomUUID } from "node:crypto"
import * as AccessLevel from "@unishare/core/AccessLevel"
import * as Apply from "@unishare/core/Apply"
import * as Errors from "@unishare/core/Errors"
import * as Grantee from "@unishare/core/Grantee"
import * as Planner from "@unishare/core/Planner"
import * as ResourceRef from "@unishare/core/ResourceRef"
import type { Grant, Share } from "@unishare/core/Share"
import * as ShareStatus from "@unishare/core/ShareStatus"
import type { Shape } from "@unishare/core/SharingProvider"
import * as Translation from "@unishare/core/Translation"
import { Effect, Result, Schema, Stream } from "effect"
import * as IdentityMap from "./IdentityMap.ts"
import type * as Journal from "./Journal.ts"
import type * as ResourceMap from "./ResourceMap.ts"
import type * as Snapshot from "./Snapshot.ts"

/**
 * What became of one source share: `exact`, `narrowed` or `widened` (translated), `unsupported`
 * (the target cannot express it), `unresolved` (no target principal), or `skipped` (inherited, or
 * covered by another grant); `via` tells how the principal was found.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const lossy = (e: Migration.FidelityEntry) => e.outcome !== "exact"
 * ```
 */
export const FidelityEntry = Schema.Struct({
  sourceShareId: Schema.String,
  source: Grantee.Grantee,
  sourceLevel: AccessLevel.AccessLevel,
  target: Schema.optionalKey(Grantee.Grantee),
  targetLevel: Schema.optionalKey(AccessLevel.AccessLevel),
  outcome: Schema.Literals(["exact", "narrowed", "widened", "unsupported", "unresolved", "skipped"]),
  via: Schema.optionalKey(Schema.Literals(["map", "auto", "fallback"])),
  note: Schema.optionalKey(Schema.String)
})
/** @example const entries: ReadonlyArray<Migration.FidelityEntry> = [] */
export type FidelityEntry = typeof FidelityEntry.Type

/**
 * One source resource and what the plan does to its target.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const writes = (i: Migration.Item) => i.plan.operations.length
 * ```
 */
export const Item = Schema.Struct({
  source: ResourceRef.ResourceRef,
  name: Schema.optionalKey(Schema.String),
  target: ResourceRef.ResourceRef,
  desired: Schema.Array(Schema.Struct({ grantee: Grantee.Grantee, level: AccessLevel.AccessLevel })),
  plan: Planner.Plan,
  entries: Schema.Array(FidelityEntry)
})
/** @example const items: ReadonlyArray<Migration.Item> = [] */
export type Item = typeof Item.Type

/**
 * A resource that could not be planned (no mapping, or the target could not be read).
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const p: Migration.Problem = { source: { provider: "a", kind: "k", id: "1" }, message: "no target resource mapped" }
 * ```
 */
export const Problem = Schema.Struct({ source: ResourceRef.ResourceRef, message: Schema.String })
/** @example const problems: ReadonlyArray<Migration.Problem> = [] */
export type Problem = typeof Problem.Type

/**
 * Counts over a whole plan.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const clean = (s: Migration.Summary) => s.unresolved === 0 && s.unsupported === 0
 * ```
 */
export const Summary = Schema.Struct({
  resources: Schema.Number,
  problems: Schema.Number,
  shares: Schema.Number,
  exact: Schema.Number,
  narrowed: Schema.Number,
  widened: Schema.Number,
  unsupported: Schema.Number,
  unresolved: Schema.Number,
  skipped: Schema.Number,
  fallback: Schema.Number,
  operations: Schema.Number,
  grants: Schema.Number,
  updates: Schema.Number,
  revokes: Schema.Number
})
/** @example const s = (p: Migration.MigrationPlan): Migration.Summary => p.summary */
export type Summary = typeof Summary.Type

/**
 * Plan options, recorded in the plan file. `mode: "merge"` (default) keeps target shares the
 * source does not have; `"mirror"` revokes them.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const opts: Migration.PlanOptions = { onLossy: "round-down", allowEveryone: true, includeInherited: false, mode: "merge" }
 * ```
 */
export const PlanOptions = Schema.Struct({
  onLossy: Translation.LossyPolicy,
  allowEveryone: Schema.Boolean,
  includeInherited: Schema.Boolean,
  mode: Schema.Literals(["merge", "mirror"]),
  fallback: Schema.optionalKey(Grantee.Grantee)
})
/** @example const o: Migration.PlanOptions = { onLossy: "fail", allowEveryone: false, includeInherited: false, mode: "mirror" } */
export type PlanOptions = typeof PlanOptions.Type

/**
 * The plan file.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Migration } from "@unishare/migration"
 * const encode = Schema.encodeSync(Schema.fromJsonString(Migration.MigrationPlan))
 * ```
 */
export const MigrationPlan = Schema.Struct({
  format: Schema.Literal("unishare/migration-plan"),
  version: Schema.Literal(1),
  id: Schema.String,
  createdAt: Schema.String,
  sourceProvider: Schema.String,
  targetProvider: Schema.String,
  options: PlanOptions,
  items: Schema.Array(Item),
  problems: Schema.Array(Problem),
  summary: Summary
})
/** @example const id = (p: Migration.MigrationPlan) => p.id */
export type MigrationPlan = typeof MigrationPlan.Type

/**
 * Inputs of `plan`.
 *
 * @example
 * ```ts
 * import { IdentityMap, ResourceMap, type Migration } from "@unishare/migration"
 * const input = (snapshot: Migration.PlanInput["snapshot"], target: Migration.PlanInput["target"]): Migration.PlanInput =>
 *   ({ snapshot, target, identities: IdentityMap.empty, resources: ResourceMap.fromEntries([]) })
 * ```
 */
export interface PlanInput {
  readonly snapshot: Snapshot.Snapshot
  readonly target: Shape
  readonly identities: IdentityMap.IdentityMap
  readonly resources: ResourceMap.ResourceMap
  readonly options?: Partial<PlanOptions> | undefined
}

const outcomeOf = (fidelity: Translation.Fidelity): FidelityEntry["outcome"] => fidelity

const summarize = (items: ReadonlyArray<Item>, problems: ReadonlyArray<Problem>): Summary => {
  const s = {
    resources: items.length,
    problems: problems.length,
    shares: 0,
    exact: 0,
    narrowed: 0,
    widened: 0,
    unsupported: 0,
    unresolved: 0,
    skipped: 0,
    fallback: 0,
    operations: 0,
    grants: 0,
    updates: 0,
    revokes: 0
  }
  for (const item of items) {
    for (const e of item.entries) {
      s.shares++
      s[e.outcome]++
      if (e.via === "fallback") s.fallback++
    }
    const p = Planner.summarize(item.plan)
    s.operations += p.writes
    s.grants += p.grants
    s.updates += p.updates
    s.revokes += p.revokes
  }
  return s
}

/**
 * Plans a migration: maps each snapshot resource and principal to the target, translates levels
 * with their fidelity, merges principals that map to the same target (keeping the higher level, with
 * a note), and plans the minimal operations against the target's current shares.
 *
 * @example
 * ```ts
 * import { type SharingProvider } from "@unishare/core"
 * import { Migration, type Snapshot, IdentityMap, ResourceMap } from "@unishare/migration"
 * const run = (snapshot: Snapshot.Snapshot, target: SharingProvider.Shape) =>
 *   Migration.plan({ snapshot, target, identities: IdentityMap.empty, resources: ResourceMap.fromEntries([]) })
 * ```
 */
export const plan = (input: PlanInput): Effect.Effect<MigrationPlan, Errors.SharingError> =>
  Effect.gen(function* () {
    const { snapshot, target } = input
    const caps = target.capabilities
    const options: PlanOptions = {
      onLossy: input.options?.onLossy ?? "round-down",
      allowEveryone: input.options?.allowEveryone ?? false,
      includeInherited: input.options?.includeInherited ?? false,
      mode: input.options?.mode ?? "merge",
      ...(input.options?.fallback !== undefined ? { fallback: input.options.fallback } : {})
    }
    const sources = snapshot.resources.flatMap((r) => r.shares.map((s) => s.grantee))
    const resolutions = yield* IdentityMap.resolveAll(sources, input.identities, target, {
      ...(options.fallback !== undefined ? { fallback: options.fallback } : {}),
      sameProvider: snapshot.provider === caps.provider
    })
    const problems: Array<Problem> = []
    const work: Array<{ resource: Snapshot.SnapshotResource; target: ResourceRef.ResourceRef }> = []
    for (const resource of snapshot.resources) {
      const mapped = input.resources.lookup(resource.resource)
      if (mapped === undefined) {
        problems.push({ source: resource.resource, message: "no target resource is mapped for it" })
      } else work.push({ resource, target: mapped })
    }

    const planOne = ({
      resource,
      target: targetRef
    }: (typeof work)[number]): Effect.Effect<Item | undefined, Errors.SharingError> =>
      Effect.gen(function* () {
        const entries: Array<FidelityEntry> = []
        const byTarget = new Map<string, { grant: Grant; entries: Array<number> }>()
        for (const share of resource.shares) {
          if (!ShareStatus.isLive(share.status)) continue
          const base = { sourceShareId: share.id, source: share.grantee, sourceLevel: share.level }
          if (share.inherited && !options.includeInherited) {
            entries.push({
              ...base,
              outcome: "skipped",
              note: "inherited on the source: migrate the parent it comes from"
            })
            continue
          }
          const resolution = IdentityMap.find(resolutions, share.grantee)
          if (resolution?.target === undefined) {
            entries.push({ ...base, outcome: "unresolved", note: resolution?.reason ?? "no identity map entry" })
            continue
          }
          const via = resolution.via
          const translated = Translation.translateGrantResult(
            caps,
            targetRef.kind,
            { grantee: resolution.target, level: share.level },
            options,
            "plan"
          )
          if (Result.isFailure(translated)) {
            entries.push({
              ...base,
              target: resolution.target,
              outcome: "unsupported",
              ...(via !== undefined ? { via } : {}),
              note: translated.failure.message
            })
            continue
          }
          const t = translated.success
          const note =
            via === "fallback"
              ? `unresolved (${resolution.reason ?? "no mapping"}): given to the fallback`
              : t.warnings.length > 0
                ? t.warnings.map((w) => ("message" in w ? w.message : "")).join("; ")
                : undefined
          entries.push({
            ...base,
            target: t.value.grantee,
            targetLevel: t.value.level,
            outcome: outcomeOf(t.fidelity),
            ...(via !== undefined ? { via } : {}),
            ...(note !== undefined ? { note } : {})
          })
          const key = Grantee.keys(t.value.grantee)[0]!
          const existing = byTarget.get(key)
          if (existing === undefined) byTarget.set(key, { grant: t.value, entries: [entries.length - 1] })
          else {
            existing.entries.push(entries.length - 1)
            existing.grant = {
              grantee: existing.grant.grantee,
              level: AccessLevel.max(existing.grant.level, t.value.level)
            }
          }
        }
        // principals merged onto one target grantee: note it on each entry
        for (const { grant, entries: indexes } of byTarget.values()) {
          if (indexes.length < 2) continue
          for (const i of indexes) {
            const e = entries[i]!
            entries[i] = {
              ...e,
              targetLevel: grant.level,
              outcome:
                grant.level === e.sourceLevel
                  ? e.outcome
                  : AccessLevel.isAbove(grant.level, e.sourceLevel)
                    ? "widened"
                    : "narrowed",
              note: `${e.note !== undefined ? `${e.note}; ` : ""}${indexes.length} source shares map to ${Grantee.describe(grant.grantee)}, which gets ${grant.level}`
            }
          }
        }
        const current = yield* Stream.runCollect(target.list(targetRef)).pipe(Effect.result)
        if (Result.isFailure(current)) {
          problems.push({
            source: resource.resource,
            message: `cannot read target ${ResourceRef.describe(targetRef)}: ${current.failure.message}`
          })
          return undefined
        }
        const live = (current.success as ReadonlyArray<Share>).filter(
          (s) => !s.inherited && ShareStatus.isLive(s.status)
        )
        let desired = [...byTarget.values()].map((v) => v.grant)
        // merge mode never removes access: an Everyone already on the target stays
        const targetEveryone = options.mode === "merge" ? live.find((s) => s.grantee._tag === "Everyone") : undefined
        if (
          caps.everyoneExclusive &&
          targetEveryone !== undefined &&
          !desired.some((g) => g.grantee._tag === "Everyone")
        ) {
          desired.push({ grantee: targetEveryone.grantee, level: targetEveryone.level })
        }
        const everyoneWanted = desired.some((g) => g.grantee._tag === "Everyone")
        if (caps.everyoneExclusive && everyoneWanted && desired.length > 1) {
          const covered = new Set(
            desired.filter((g) => g.grantee._tag !== "Everyone").map((g) => Grantee.keys(g.grantee)[0])
          )
          desired = desired.filter((g) => g.grantee._tag === "Everyone")
          entries.forEach((e, i) => {
            if (e.target !== undefined && covered.has(Grantee.keys(e.target)[0]) && e.outcome !== "unsupported") {
              entries[i] = {
                ...e,
                outcome: "skipped",
                note: `${caps.provider} shares with Everyone or explicit grantees, not both: covered by Everyone`
              }
            }
          })
        }
        if (options.mode === "merge" && !(caps.everyoneExclusive && everyoneWanted)) {
          const wanted = new Set(desired.flatMap((g) => Grantee.keys(g.grantee)))
          for (const share of live) {
            if (Grantee.keys(share.grantee).some((k) => wanted.has(k))) continue
            desired.push({ grantee: share.grantee, level: share.level })
          }
        }
        const planned = Planner.plan(current.success, desired, caps, {
          onLossy: options.onLossy,
          allowEveryone: true,
          onUnsupported: "skip",
          resourceKind: targetRef.kind
        })
        if (Result.isFailure(planned)) {
          problems.push({ source: resource.resource, message: planned.failure.message })
          return undefined
        }
        const item: Item = {
          source: resource.resource,
          ...(resource.name !== undefined ? { name: resource.name } : {}),
          target: targetRef,
          desired: planned.success.desired,
          plan: planned.success,
          entries
        }
        return item
      })

    const items = (yield* Effect.forEach(work, planOne, { concurrency: 4 })).filter((i): i is Item => i !== undefined)
    const createdAt = new Date(yield* Effect.clockWith((c) => c.currentTimeMillis)).toISOString()
    // unique per planning run: a journal belongs to one plan, never to a later plan that happens to look alike
    const id = createHash("sha256")
      .update(
        JSON.stringify({
          s: snapshot.provider,
          t: caps.provider,
          o: options,
          at: createdAt,
          n: randomUUID(),
          d: items.map((i) => [i.target, i.plan.operations])
        })
      )
      .digest("hex")
      .slice(0, 16)
    return {
      format: "unishare/migration-plan",
      version: 1,
      id,
      createdAt,
      sourceProvider: snapshot.provider,
      targetProvider: caps.provider,
      options,
      items,
      problems,
      summary: summarize(items, problems)
    } as const
  }).pipe(Effect.withSpan("unishare.migration.plan"))

/**
 * The journal unit key of an operation (stable across runs of the same plan).
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * import { Migration } from "@unishare/migration"
 * Migration.unitKey({ provider: "eci", kind: "list", id: "1" }, { _tag: "Revoke", shareId: "user:5", grantee: Grantee.user({ id: "5" }), level: "viewer" })
 * ```
 */
export const unitKey = (resource: ResourceRef.ResourceRef, op: Planner.Operation | "replace"): string => {
  const r = ResourceRef.key(resource)
  if (op === "replace") return `${r}|replace`
  switch (op._tag) {
    case "Grant":
      return `${r}|grant|${Grantee.keys(op.grantee)[0]}|${op.level}`
    case "Update":
      return `${r}|update|${op.shareId}|${op.level}`
    case "Revoke":
      return `${r}|revoke|${op.shareId}`
  }
}

/**
 * Progress of an apply, reported after each unit.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const show = (p: Migration.Progress) => `${p.done}/${p.total}`
 * ```
 */
export interface Progress {
  readonly done: number
  readonly total: number
  readonly failed: number
  readonly unit: string
}

/**
 * Apply options: `concurrency` across resources (writes to one resource stay serialized), `dryRun`,
 * a `journal` (resumes: units it lists as applied are skipped), and `onProgress`.
 *
 * @example
 * ```ts
 * import { Journal, type Migration } from "@unishare/migration"
 * const opts: Migration.ApplyOptions = { concurrency: 4, journal: Journal.memory("p1") }
 * ```
 */
export interface ApplyOptions {
  readonly concurrency?: number | undefined
  readonly dryRun?: boolean | undefined
  readonly journal?: Journal.Journal | undefined
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
}

/**
 * The outcome of one unit of work.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const failed = (r: Migration.ApplyReport) => r.units.filter((u) => u.outcome === "failed")
 * ```
 */
export interface UnitResult {
  readonly unit: string
  readonly resource: ResourceRef.ResourceRef
  readonly operations: number
  readonly outcome: "applied" | "already-applied" | "dry-run" | "failed"
  readonly error?: Errors.SharingError | undefined
}

/**
 * What an apply did.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const ok = (r: Migration.ApplyReport) => r.failed === 0
 * ```
 */
export interface ApplyReport {
  readonly planId: string
  readonly dryRun: boolean
  readonly units: ReadonlyArray<UnitResult>
  readonly applied: number
  readonly alreadyApplied: number
  readonly failed: number
  readonly writes: number
}

/**
 * Applies a plan. Resources run with bounded concurrency (the target client's rate limit paces the
 * requests); writes to one resource are serialized. A target with native replace gets one replace
 * per resource; others get the plan's operations one by one. Each finished unit is journaled before
 * the next starts, so a re-run of the same plan with the same journal skips what was applied and
 * issues no write for it. Never fails for a unit: failures are in the report.
 *
 * @example
 * ```ts
 * import { type SharingProvider } from "@unishare/core"
 * import { Migration } from "@unishare/migration"
 * const run = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) => Migration.apply(plan, target, { dryRun: true })
 * ```
 */
export const apply = (
  plan: MigrationPlan,
  target: Shape,
  options: ApplyOptions = {}
): Effect.Effect<ApplyReport, Errors.SharingError> =>
  Effect.gen(function* () {
    if (plan.targetProvider !== target.capabilities.provider) {
      return yield* Errors.invalid(
        target.capabilities.provider,
        "apply",
        "plan.targetProvider",
        `the plan targets ${plan.targetProvider}, not ${target.capabilities.provider}`
      )
    }
    const useReplace = target.capabilities.nativeReplace && target.replace !== undefined
    const units = plan.items.flatMap((item) =>
      item.plan.operations.length === 0
        ? []
        : useReplace
          ? [
              {
                item,
                key: unitKey(item.target, "replace"),
                ops: item.plan.operations as ReadonlyArray<Planner.Operation>
              }
            ]
          : item.plan.operations.map((op) => ({ item, key: unitKey(item.target, op), ops: [op] }))
    )
    const total = units.length
    let done = 0
    let failed = 0
    const runUnit = (unit: (typeof units)[number]): Effect.Effect<UnitResult> =>
      Effect.gen(function* () {
        const base = { unit: unit.key, resource: unit.item.target, operations: unit.ops.length }
        if (options.journal?.isDone(unit.key)) return { ...base, outcome: "already-applied" } as const
        if (options.dryRun) return { ...base, outcome: "dry-run" } as const
        const write =
          useReplace && target.replace !== undefined
            ? Effect.asVoid(
                target.replace(unit.item.target, unit.item.desired, {
                  allowEveryone: true,
                  onLossy: plan.options.onLossy
                })
              )
            : Effect.asVoid(
                Apply.applyOperation(target, unit.item.target, unit.ops[0]!, {
                  allowEveryone: true,
                  onLossy: plan.options.onLossy
                })
              )
        const exit = yield* Effect.result(Apply.resourceLocks.withLock(ResourceRef.key(unit.item.target), write))
        if (Result.isSuccess(exit)) {
          if (options.journal !== undefined)
            yield* Effect.orDie(options.journal.record({ unit: unit.key, outcome: "applied" }))
          return { ...base, outcome: "applied" } as const
        }
        if (options.journal !== undefined) {
          yield* Effect.orDie(
            options.journal.record({ unit: unit.key, outcome: "failed", message: exit.failure.message })
          )
        }
        return { ...base, outcome: "failed", error: exit.failure } as const
      }).pipe(
        Effect.tap((r) =>
          Effect.suspend(() => {
            done++
            if (r.outcome === "failed") failed++
            return options.onProgress?.({ done, total, failed, unit: r.unit }) ?? Effect.void
          })
        )
      )
    // one fiber per resource (its units in order), resources in parallel up to `concurrency`
    const byResource = new Map<string, Array<(typeof units)[number]>>()
    for (const u of units) {
      const k = ResourceRef.key(u.item.target)
      const list = byResource.get(k)
      if (list === undefined) byResource.set(k, [u])
      else list.push(u)
    }
    const results = (yield* Effect.forEach([...byResource.values()], (group) => Effect.forEach(group, runUnit), {
      concurrency: options.concurrency ?? 4
    })).flat()
    const count = (o: UnitResult["outcome"]) => results.filter((r) => r.outcome === o).length
    return {
      planId: plan.id,
      dryRun: options.dryRun === true,
      units: results,
      applied: count("applied"),
      alreadyApplied: count("already-applied"),
      failed: count("failed"),
      writes: count("applied")
    }
  }).pipe(Effect.withSpan("unishare.migration.apply"))

/**
 * The read-back of one target resource.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const drift = (v: Migration.Verification) => v.remaining.length
 * ```
 */
export interface Verification {
  readonly resource: ResourceRef.ResourceRef
  readonly ok: boolean
  readonly remaining: ReadonlyArray<Planner.Operation>
  readonly error?: Errors.SharingError | undefined
}

/**
 * The read-back of a whole plan.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const fine = (r: Migration.VerifyReport) => r.ok
 * ```
 */
export interface VerifyReport {
  readonly planId: string
  readonly ok: boolean
  readonly resources: ReadonlyArray<Verification>
}

/**
 * Reads every target resource back and checks that its shares equal the plan's desired set
 * (pending shares of asynchronous providers count as present).
 *
 * @example
 * ```ts
 * import { type SharingProvider } from "@unishare/core"
 * import { Migration } from "@unishare/migration"
 * const check = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) => Migration.verify(plan, target)
 * ```
 */
export const verify = (plan: MigrationPlan, target: Shape): Effect.Effect<VerifyReport> =>
  Effect.gen(function* () {
    const resources = yield* Effect.forEach(
      plan.items,
      (item) =>
        Stream.runCollect(target.list(item.target)).pipe(
          Effect.map((after): Verification => {
            const check = Planner.plan(after, item.desired, target.capabilities, {
              allowEveryone: true,
              onUnsupported: "skip",
              resourceKind: item.target.kind
            })
            const remaining = Result.isSuccess(check) ? check.success.operations : item.plan.operations
            return { resource: item.target, ok: remaining.length === 0, remaining }
          }),
          Effect.catch((error: Errors.SharingError) =>
            Effect.succeed<Verification>({ resource: item.target, ok: false, remaining: [], error })
          )
        ),
      { concurrency: 4 }
    )
    return { planId: plan.id, ok: resources.every((r) => r.ok), resources }
  }).pipe(Effect.withSpan("unishare.migration.verify"))

/**
 * Everything that does not keep the source's access exactly (for the fidelity report).
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * const lossy = (p: Migration.MigrationPlan) => Migration.lossyEntries(p).length
 * ```
 */
export const lossyEntries = (
  plan: MigrationPlan
): ReadonlyArray<{ readonly item: Item; readonly entry: FidelityEntry }> =>
  plan.items.flatMap((item) =>
    item.entries.filter((e) => e.outcome !== "exact" || e.via === "fallback").map((entry) => ({ item, entry }))
  )
