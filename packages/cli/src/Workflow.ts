/**
 * The migration steps behind the commands (`export`, `plan`, `apply`, `verify`, `sync`), as
 * functions on providers and files, with the JSON summaries the commands print. The demo runs the
 * same steps.
 *
 * @since 0.1.0
 */
import { Errors, type Grantee, type ResourceRef, type SharingProvider, Sync, type Translation } from "@unishare/core"
import { type IdentityMap, Journal, Migration, Report, type ResourceMap, Snapshot } from "@unishare/migration"
import { Effect, Option } from "effect"
import * as Files from "./Files.ts"
import * as Notation from "./Notation.ts"
import * as Progress from "./Progress.ts"

/**
 * Exports the shares of `resources` (or of every resource the provider lists) into a snapshot file.
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * import { MemoryProvider } from "@unishare/core"
 * const run = Workflow.exportTo(MemoryProvider.make(), { out: "snapshot.json" })
 * ```
 */
export const exportTo = (
  provider: SharingProvider.Shape,
  options: {
    readonly resources?: ReadonlyArray<ResourceRef.ResourceRef | SharingProvider.ResourceInfo> | undefined
    readonly out: string
    readonly concurrency?: number | undefined
  }
): Effect.Effect<Snapshot.Snapshot, Errors.SharingError> =>
  Effect.gen(function* () {
    const snapshot = yield* Snapshot.exportSnapshot(provider, {
      ...(options.resources !== undefined && options.resources.length > 0 ? { resources: options.resources } : {}),
      concurrency: options.concurrency ?? 4
    })
    yield* Files.writeSnapshot(options.out, snapshot, "--out")
    return snapshot
  })

/**
 * The JSON summary of an export.
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * Workflow.exportSummary({ format: "unishare/snapshot", version: 1, provider: "eci", exportedAt: "", resources: [] }, "s.json").shares // 0
 * ```
 */
export const exportSummary = (snapshot: Snapshot.Snapshot, file: string) => ({
  command: "export" as const,
  ok: true,
  file,
  provider: snapshot.provider,
  exportedAt: snapshot.exportedAt,
  resources: snapshot.resources.length,
  shares: snapshot.resources.reduce((n, r) => n + r.shares.length, 0),
  inherited: snapshot.resources.reduce((n, r) => n + r.shares.filter((s) => s.inherited).length, 0)
})

/**
 * Plan options as the command line gives them.
 *
 * @example
 * ```ts
 * import type { Workflow } from "@unishare/cli"
 * const o: Workflow.PlanFlags = { onLossy: "round-down", allowEveryone: false, includeInherited: true, mode: "merge" }
 * ```
 */
export interface PlanFlags {
  readonly onLossy: Translation.LossyPolicy
  readonly allowEveryone: boolean
  readonly includeInherited: boolean
  readonly mode: "merge" | "mirror"
  readonly fallback?: Grantee.Grantee | undefined
}

/**
 * Resolves the fallback grantee on the target (so an email becomes the target's user), failing
 * with `InvalidInput` at `--fallback` when the target has no such principal.
 *
 * @example
 * ```ts
 * import { Grantee, MemoryProvider } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const fallback = Workflow.resolveFallback(MemoryProvider.make(), Grantee.group("7"))
 * ```
 */
export const resolveFallback = (
  target: SharingProvider.Shape,
  fallback: Grantee.Grantee
): Effect.Effect<Grantee.Grantee, Errors.SharingError> => {
  if (target.resolveGrantee === undefined || fallback._tag === "Everyone") return Effect.succeed(fallback)
  return target.resolveGrantee(fallback).pipe(
    Effect.catchTag("NotFound", () => Effect.succeed(Option.none<Grantee.Grantee>())),
    Effect.flatMap((found) =>
      Option.isSome(found)
        ? Effect.succeed(found.value)
        : Effect.fail(
            Errors.invalid(
              "unishare",
              "plan",
              "--fallback",
              `${Notation.formatGrantee(fallback)} does not exist on ${target.capabilities.provider}`
            )
          )
    )
  )
}

/**
 * Plans a migration of a snapshot onto the target and writes the plan file.
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * import { IdentityMap, ResourceMap } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const plan = Workflow.planTo({ format: "unishare/snapshot", version: 1, provider: "memory", exportedAt: "", resources: [] },
 *   MemoryProvider.make(), { identities: IdentityMap.empty, resources: ResourceMap.fromEntries([]),
 *   flags: { onLossy: "round-down", allowEveryone: false, includeInherited: false, mode: "merge" }, out: "plan.json" })
 * ```
 */
export const planTo = (
  snapshot: Snapshot.Snapshot,
  target: SharingProvider.Shape,
  options: {
    readonly identities: IdentityMap.IdentityMap
    readonly resources: ResourceMap.ResourceMap
    readonly flags: PlanFlags
    readonly out: string
  }
): Effect.Effect<Migration.MigrationPlan, Errors.SharingError> =>
  Effect.gen(function* () {
    const { flags } = options
    for (const entry of options.resources.entries) {
      if (entry.target.provider !== target.capabilities.provider) {
        return yield* Errors.invalid(
          "unishare",
          "plan",
          "--resources",
          `${Notation.formatResource(entry.target)} is not a ${target.capabilities.provider} resource (the target is ${target.capabilities.provider})`
        )
      }
    }
    const fallback = flags.fallback === undefined ? undefined : yield* resolveFallback(target, flags.fallback)
    const plan = yield* Migration.plan({
      snapshot,
      target,
      identities: options.identities,
      resources: options.resources,
      options: {
        onLossy: flags.onLossy,
        allowEveryone: flags.allowEveryone,
        includeInherited: flags.includeInherited,
        mode: flags.mode,
        ...(fallback !== undefined ? { fallback } : {})
      }
    })
    yield* Files.writePlan(options.out, plan, "--out")
    return plan
  })

/**
 * One row of the fidelity report (everything a plan does not keep exactly), in notation.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const rows = (plan: Migration.MigrationPlan) => Workflow.fidelityRows(plan).length
 * ```
 */
export const fidelityRows = (plan: Migration.MigrationPlan) =>
  Migration.lossyEntries(plan).map(({ item, entry }) => ({
    source: Notation.formatResource(item.source),
    target: Notation.formatResource(item.target),
    sourceShareId: entry.sourceShareId,
    grantee: Notation.formatGrantee(entry.source),
    level: entry.sourceLevel,
    ...(entry.target !== undefined ? { targetGrantee: Notation.formatGrantee(entry.target) } : {}),
    ...(entry.targetLevel !== undefined ? { targetLevel: entry.targetLevel } : {}),
    outcome: entry.outcome,
    ...(entry.via !== undefined ? { via: entry.via } : {}),
    ...(entry.note !== undefined ? { note: entry.note } : {})
  }))

/**
 * The JSON summary of a plan: counts, problems and the fidelity report.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const summary = (plan: Migration.MigrationPlan) => Workflow.planSummary(plan, "plan.json").summary
 * ```
 */
export const planSummary = (plan: Migration.MigrationPlan, file: string) => ({
  command: "plan" as const,
  ok: true,
  file,
  planId: plan.id,
  sourceProvider: plan.sourceProvider,
  targetProvider: plan.targetProvider,
  options: plan.options,
  summary: plan.summary,
  problems: plan.problems.map((p) => ({ source: Notation.formatResource(p.source), message: p.message })),
  fidelity: fidelityRows(plan)
})

/**
 * Applies a plan with a journal (resumable; a re-run issues no write for what it lists), bounded
 * concurrency and an optional progress bar.
 *
 * @example
 * ```ts
 * import { type SharingProvider } from "@unishare/core"
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const run = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) =>
 *   Workflow.applyPlan(plan, target, { journal: "plan.journal.jsonl", dryRun: false, concurrency: 4 })
 * ```
 */
export const applyPlan = (
  plan: Migration.MigrationPlan,
  target: SharingProvider.Shape,
  options: {
    readonly journal: string
    readonly dryRun: boolean
    readonly concurrency: number
    readonly progress?: string | undefined
  }
): Effect.Effect<Migration.ApplyReport, Errors.SharingError> =>
  Effect.gen(function* () {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1 || options.concurrency > 64) {
      return yield* Errors.invalid("unishare", "apply", "--concurrency", "expected an integer from 1 to 64")
    }
    const journal = options.dryRun
      ? yield* Effect.map(Journal.open(options.journal, plan.id), (j) => Journal.memory(plan.id, j.lines()))
      : yield* Journal.open(options.journal, plan.id)
    const bar = Progress.make(options.progress ?? "Applying")
    return yield* Migration.apply(plan, target, {
      journal,
      dryRun: options.dryRun,
      concurrency: options.concurrency,
      onProgress: bar.onProgress
    }).pipe(Effect.ensuring(bar.finish))
  })

/**
 * The JSON summary of an apply.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const summary = (r: Migration.ApplyReport) => Workflow.applySummary(r, "plan.journal.jsonl").failed
 * ```
 */
export const applySummary = (report: Migration.ApplyReport, journal: string) => ({
  command: "apply" as const,
  ok: report.failed === 0,
  planId: report.planId,
  dryRun: report.dryRun,
  journal,
  units: report.units.length,
  applied: report.applied,
  alreadyApplied: report.alreadyApplied,
  wouldApply: report.units.filter((u) => u.outcome === "dry-run").length,
  failed: report.failed,
  writes: report.writes,
  failures: report.units
    .filter((u) => u.outcome === "failed")
    .map((u) => ({ unit: u.unit, resource: Notation.formatResource(u.resource), error: Report.toJson(u.error) }))
})

/**
 * The JSON summary of a verification.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const summary = (r: Migration.VerifyReport) => Workflow.verifySummary(r).drift.length
 * ```
 */
export const verifySummary = (report: Migration.VerifyReport) => ({
  command: "verify" as const,
  ok: report.ok,
  planId: report.planId,
  resources: report.resources.length,
  matching: report.resources.filter((r) => r.ok).length,
  drift: report.resources
    .filter((r) => !r.ok)
    .map((r) => ({
      resource: Notation.formatResource(r.resource),
      remaining: r.remaining.map((op) => ({
        operation: op._tag,
        grantee: Notation.formatGrantee(op.grantee),
        level: op.level
      })),
      ...(r.error !== undefined ? { error: Report.toJson(r.error) } : {})
    }))
})

/**
 * Makes one resource's shares equal a desired state (list, plan, write, read back).
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const run = Workflow.syncResource(MemoryProvider.make(), { resource: { provider: "memory", kind: "doc", id: "d1" }, shares: [] },
 *   { dryRun: true, onLossy: "fail", allowEveryone: false })
 * ```
 */
export const syncResource = (
  provider: SharingProvider.Shape,
  desired: Files.DesiredState,
  options: { readonly dryRun: boolean; readonly onLossy: Translation.LossyPolicy; readonly allowEveryone: boolean }
): Effect.Effect<Sync.SyncResult, Errors.SharingError> =>
  Effect.gen(function* () {
    if (desired.resource.provider !== provider.capabilities.provider) {
      return yield* Errors.invalid(
        "unishare",
        "sync",
        "--desired: resource",
        `${Notation.formatResource(desired.resource)} is not a ${provider.capabilities.provider} resource`
      )
    }
    return yield* Sync.sync(provider, desired.resource, desired.shares, {
      dryRun: options.dryRun,
      onLossy: options.onLossy,
      allowEveryone: options.allowEveryone
    })
  })

/**
 * The JSON summary of a sync.
 *
 * @example
 * ```ts
 * import type { Sync } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const ok = (r: Sync.SyncResult) => Workflow.syncSummary(r, false).ok
 * ```
 */
export const syncSummary = (result: Sync.SyncResult, dryRun: boolean) => ({
  command: "sync" as const,
  ok: result.failures.length === 0 && (dryRun || result.verified),
  resource: Notation.formatResource(result.resource),
  dryRun,
  strategy: result.strategy,
  operations: result.plan.operations.map((op) => ({
    operation: op._tag,
    grantee: Notation.formatGrantee(op.grantee),
    level: op.level
  })),
  unchanged: result.plan.unchanged.length,
  skipped: result.plan.skipped.map((s) => s.reason),
  failures: result.failures.map((e) => Report.toJson(e)),
  verified: result.verified,
  remaining: result.remaining.map((op) => ({
    operation: op._tag,
    grantee: Notation.formatGrantee(op.grantee),
    level: op.level
  })),
  attempts: result.attempts
})

/**
 * Text for a sync result.
 *
 * @example
 * ```ts
 * import type { Sync } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const text = (r: Sync.SyncResult) => Workflow.renderSync(r, true)
 * ```
 */
export const renderSync = (result: Sync.SyncResult, dryRun: boolean): string => {
  const s = syncSummary(result, dryRun)
  const ops = s.operations.map((o) => `  ${o.operation} ${o.grantee} ${o.level}`)
  const head = dryRun
    ? `Dry run for ${s.resource}: ${ops.length} operation(s) would be written, ${s.unchanged} share(s) already match`
    : `Synced ${s.resource} (${s.strategy}): ${ops.length} operation(s), ${s.failures.length} failed, ${s.verified ? "verified by read-back" : "NOT verified"}`
  return [
    head,
    ...ops,
    ...s.skipped.map((r) => `  skipped: ${r}`),
    ...s.remaining.filter(() => !dryRun).map((o) => `  still differs: ${o.operation} ${o.grantee} ${o.level}`)
  ].join("\n")
}
