/**
 * `plan` (internal, re-exported by `Workflow`): the command line's plan options, the fallback
 * grantee resolved on the target, the plan file (and its HTML report) written, and the JSON
 * summary with the fidelity report.
 *
 * @since 0.1.0
 */
import { Errors, type Grantee, type SharingProvider, type Translation } from "@unishare/core"
import { type IdentityMap, Migration, Report, type ResourceMap, type Snapshot } from "@unishare/migration"
import { Effect, Option } from "effect"
import * as Files from "../Files.ts"
import * as HtmlReport from "../HtmlReport.ts"
import * as Notation from "../Notation.ts"

/**
 * Plan options as the command line gives them.
 *
 * @example
 * ```ts
 * import type { Workflow } from "@unishare/cli"
 * const o: Workflow.PlanFlags = { onLossy: "round-down", allowEveryone: false, allowAnyone: true, onExpiry: "drop", includeInherited: true, mode: "merge" }
 * ```
 */
export interface PlanFlags {
  readonly onLossy: Translation.LossyPolicy
  readonly allowEveryone: boolean
  /** `--allow-anyone`: grants to the public are planned (absent: `false`). */
  readonly allowAnyone?: boolean | undefined
  /** `--on-expiry`: an expiry the target cannot keep fails (default) or is dropped. */
  readonly onExpiry?: Translation.ExpiryPolicy | undefined
  readonly includeInherited: boolean
  readonly mode: "merge" | "mirror"
  readonly fallback?: Grantee.Grantee | undefined
  readonly createMissing?: boolean | undefined
  readonly createType?: string | undefined
}

/**
 * Resolves the fallback grantee on the target (so an email becomes the target's user), failing
 * with `InvalidInput` at `--fallback` when the target has no such principal or cannot grant that
 * kind (a domain or the public on Box, a group id on Google Drive).
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
  const cannot = (e: Errors.InvalidInput | Errors.Unsupported) =>
    Effect.fail(
      Errors.invalid(
        "unishare",
        "plan",
        "--fallback",
        `${Notation.formatGrantee(fallback)} cannot be granted on ${target.capabilities.provider}: ${e._tag === "InvalidInput" ? e.issues.map((i) => i.message).join("; ") : e.message}`
      )
    )
  return target.resolveGrantee(fallback).pipe(
    Effect.catchTag("NotFound", () => Effect.succeed(Option.none<Grantee.Grantee>())),
    Effect.catchTags({ InvalidInput: cannot, Unsupported: cannot }),
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
    readonly report?: string | undefined
    readonly force?: boolean | undefined
  }
): Effect.Effect<Migration.MigrationPlan, Errors.SharingError> =>
  Effect.gen(function* () {
    const { flags } = options
    yield* Files.refuseOverwrite(options.out, "--out", options.force === true)
    if (options.report !== undefined) yield* Files.refuseOverwrite(options.report, "--report", options.force === true)
    if (flags.createMissing === true && target.createResource === undefined) {
      return yield* Errors.invalid(
        "unishare",
        "plan",
        "--create-missing",
        `${target.capabilities.provider} cannot create resources (EnergyCAP lists can be created)`
      )
    }
    for (const [i, entry] of options.resources.entries.entries()) {
      if (entry.target.parent !== undefined && entry.target.provider !== "cloudflare") {
        return yield* Errors.invalid(
          "unishare",
          "plan",
          `--resources: [${i}].target`,
          `a ${entry.target.provider} resource has no parent, got ${JSON.stringify(entry.target.parent)}`
        )
      }
    }
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
        ...(flags.allowAnyone === true ? { allowAnyone: true } : {}),
        ...(flags.onExpiry !== undefined ? { onExpiry: flags.onExpiry } : {}),
        includeInherited: flags.includeInherited,
        mode: flags.mode,
        ...(fallback !== undefined ? { fallback } : {}),
        ...(flags.createMissing === true ? { createMissing: true } : {}),
        ...(flags.createType !== undefined ? { createType: flags.createType } : {})
      }
    })
    yield* Files.writePlan(options.out, plan, "--out", { force: options.force })
    if (options.report !== undefined)
      yield* Files.writeText(options.report, HtmlReport.render(plan), "--report", { force: options.force })
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
export const planSummary = (plan: Migration.MigrationPlan, file: string, report?: string) => ({
  command: "plan" as const,
  ok: plan.problems.length === 0,
  file,
  ...(report !== undefined ? { report } : {}),
  planId: plan.id,
  sourceProvider: plan.sourceProvider,
  targetProvider: plan.targetProvider,
  options: plan.options,
  summary: plan.summary,
  problems: plan.problems.map((p) => ({ source: Notation.formatResource(p.source), message: p.message })),
  fidelity: fidelityRows(plan)
})

/**
 * The plan's options as the flags that set them, for the text summary: every option the plan
 * records, defaults included (`--allow-anyone no`, `--on-expiry fail`), so what a plan allows is
 * read off its summary. Wrapped at `width` columns (default 100).
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const line = (plan: Migration.MigrationPlan) => Workflow.planOptionsLine(plan)
 * // "Options: --mode merge, --on-lossy round-down, --allow-everyone no, --allow-anyone yes, --on-expiry drop, …"
 * ```
 */
export const planOptionsLine = (plan: Migration.MigrationPlan, width = 100): string => {
  const o = plan.options
  const yesNo = (b: boolean | undefined) => (b === true ? "yes" : "no")
  const parts = [
    `--mode ${o.mode}`,
    `--on-lossy ${o.onLossy}`,
    `--allow-everyone ${yesNo(o.allowEveryone)}`,
    `--allow-anyone ${yesNo(o.allowAnyone)}`,
    `--on-expiry ${o.onExpiry ?? "fail"}`,
    `--include-inherited ${yesNo(o.includeInherited)}`,
    ...(o.fallback !== undefined ? [`--fallback ${Notation.formatGrantee(o.fallback)}`] : []),
    ...(o.createMissing === true
      ? [`--create-missing${o.createType !== undefined ? ` --create-type ${o.createType}` : ""}`]
      : [])
  ]
  // wrapped at `width` columns, continuation lines indented under the first option
  const lines: Array<string> = []
  let line = "Options:"
  for (const [i, part] of parts.entries()) {
    const piece = `${part}${i < parts.length - 1 ? "," : ""}`
    if (line.length + 1 + piece.length > width && line.trim() !== "Options:") {
      lines.push(line)
      line = `         ${piece}`
    } else line = `${line} ${piece}`
  }
  lines.push(line)
  return lines.join("\n")
}

/**
 * The plan's text summary as `plan` prints it: the migration library's `Report.renderPlan`, with
 * the line of options (`planOptionsLine`) under its heading.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const text = (plan: Migration.MigrationPlan) => Workflow.renderPlanText(plan, { details: false })
 * ```
 */
export const renderPlanText = (plan: Migration.MigrationPlan, options: Report.PlanTextOptions = {}): string => {
  const [heading = "", ...rest] = Report.renderPlan(plan, options).split("\n")
  return [heading, planOptionsLine(plan, options.width ?? 100), ...rest].join("\n")
}
