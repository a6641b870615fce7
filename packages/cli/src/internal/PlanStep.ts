/**
 * `plan` (internal, re-exported by `Workflow`): the command line's plan options, the fallback
 * grantee resolved on the target, the plan file (and its HTML report) written, and the JSON
 * summary with the fidelity report. `planFile` streams a snapshot file to a plan file in memory
 * that does not grow with the number of shares (what it prints is bounded too); `planTo` plans a
 * snapshot in memory.
 *
 * @since 0.1.0
 */
import { Errors, type Grantee, type SharingProvider, type Translation } from "@unishare/core"
import { type IdentityMap, Migration, Report, type ResourceMap, type Snapshot } from "@unishare/migration"
import { Effect, Option, Stream } from "effect"
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
  options: PlanFileOptions
): Effect.Effect<Migration.MigrationPlan, Errors.SharingError> =>
  Effect.gen(function* () {
    yield* checkFlags(target, options)
    const plan = yield* Migration.plan({
      snapshot,
      target,
      identities: options.identities,
      resources: options.resources,
      options: yield* optionsOf(target, options.flags)
    })
    yield* Files.writePlan(options.out, plan, "--out", { force: options.force })
    if (options.report !== undefined)
      yield* Files.writeText(options.report, HtmlReport.render(plan), "--report", { force: options.force })
    return plan
  })

/**
 * Where and how `planTo` and `planFile` plan: the identity and resource maps, the flags, the plan
 * file (`out`), the HTML report's file, and `force` (replace existing files).
 *
 * @example
 * ```ts
 * import { IdentityMap, ResourceMap } from "@unishare/migration"
 * import type { Workflow } from "@unishare/cli"
 * const o: Workflow.PlanFileOptions = { identities: IdentityMap.empty, resources: ResourceMap.fromEntries([]),
 *   flags: { onLossy: "round-down", allowEveryone: false, includeInherited: false, mode: "merge" }, out: "plan.json" }
 * ```
 */
export interface PlanFileOptions {
  readonly identities: IdentityMap.IdentityMap
  readonly resources: ResourceMap.ResourceMap
  readonly flags: PlanFlags
  readonly out: string
  readonly report?: string | undefined
  readonly force?: boolean | undefined
}

/** Refuses, before any request, files that exist and flags or resource maps the target cannot take. */
const checkFlags = (
  target: SharingProvider.Shape,
  options: PlanFileOptions
): Effect.Effect<void, Errors.InvalidInput> =>
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
  })

/** The plan options of the flags, the fallback resolved on the target (one request when there is one). */
const optionsOf = (
  target: SharingProvider.Shape,
  flags: PlanFlags
): Effect.Effect<Partial<Migration.PlanOptions>, Errors.SharingError> =>
  Effect.map(
    flags.fallback === undefined ? Effect.succeed(undefined) : resolveFallback(target, flags.fallback),
    (fallback) => ({
      onLossy: flags.onLossy,
      allowEveryone: flags.allowEveryone,
      ...(flags.allowAnyone === true ? { allowAnyone: true } : {}),
      ...(flags.onExpiry !== undefined ? { onExpiry: flags.onExpiry } : {}),
      includeInherited: flags.includeInherited,
      mode: flags.mode,
      ...(fallback !== undefined ? { fallback } : {}),
      ...(flags.createMissing === true ? { createMissing: true } : {}),
      ...(flags.createType !== undefined ? { createType: flags.createType } : {})
    })
  )

/**
 * How many rows of each long list `plan` prints and reports for a streamed plan (`planFile`): the
 * fidelity rows of each outcome (text with `--details`, and `--json`), the problems in the text,
 * and in the HTML report the shares of each outcome and the resources with writes. The plan file
 * has every one; a plan with no more than this many prints in full.
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * Workflow.listedRows // 1000
 * ```
 */
export const listedRows = 1_000

/**
 * A plan `planFile` wrote: the plan without its items (as `FileFormat.openPlan` gives it: header,
 * digest, item count, problems and summary), the JSON summary and the text `plan` prints (both
 * bounded: at most `listedRows` rows of each outcome, the rest counted).
 *
 * @example
 * ```ts
 * import type { Workflow } from "@unishare/cli"
 * const clean = (written: Workflow.PlanWritten) => written.plan.problems.length === 0
 * ```
 */
export interface PlanWritten {
  readonly plan: Omit<Migration.PlanStream, "items">
  readonly summary: PlanSummary
  readonly text: string
}

/**
 * Plans a migration of a snapshot opened as a stream (`Files.openSnapshot`) onto the target and
 * writes the plan file as it is made: never all items at once, whatever the number of shares. The
 * snapshot is read twice — its principals first (its digest checked before any request), then
 * resource by resource as each is planned and written — and what is printed and reported (the
 * text, with `details` its per-share rows; the JSON summary's fidelity rows; the `--report` HTML)
 * is gathered on the way, at most `rows` rows of each outcome (default `listedRows`).
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * import { IdentityMap, ResourceMap } from "@unishare/migration"
 * import { Effect } from "effect"
 * import { Files, Workflow } from "@unishare/cli"
 * const written = Effect.flatMap(Files.openSnapshot("snapshot.json", "--snapshot"), (snapshot) =>
 *   Workflow.planFile(snapshot, MemoryProvider.make(), { identities: IdentityMap.empty, resources: ResourceMap.fromEntries([]),
 *     flags: { onLossy: "round-down", allowEveryone: false, includeInherited: false, mode: "merge" }, out: "plan.json" }))
 * ```
 */
export const planFile = <E>(
  snapshot: Migration.SnapshotSource<E>,
  target: SharingProvider.Shape,
  options: PlanFileOptions & {
    readonly details?: boolean | undefined
    readonly width?: number | undefined
    readonly rows?: number | undefined
  }
): Effect.Effect<PlanWritten, Errors.SharingError | E> =>
  Effect.gen(function* () {
    const rows = options.rows ?? listedRows
    yield* checkFlags(target, options)
    // every resource read once without a request: a changed snapshot is refused before the target is asked anything
    const principals = yield* Migration.principalsOf(snapshot.resources)
    const planning = yield* Migration.planStream({
      snapshot,
      principals,
      target,
      identities: options.identities,
      resources: options.resources,
      options: yield* optionsOf(target, options.flags)
    })
    const text = Report.planText({ details: options.details, width: options.width, listRows: rows })
    const fidelity = fidelityOf(rows)
    const html =
      options.report !== undefined ? HtmlReport.builder(planning.header, { rowsPerOutcome: rows }) : undefined
    const trailer = yield* Files.writePlanStream(
      options.out,
      {
        ...planning,
        items: Stream.tap(planning.items, (item) =>
          Effect.sync(() => {
            text.add(item)
            fidelity.add(item)
            html?.add(item)
          })
        )
      },
      "--out",
      { force: options.force }
    )
    const { problems, summary } = yield* planning.end
    const { format: _, version: __, ...header } = planning.header
    const plan = { ...header, digest: trailer.digest, itemCount: trailer.items, problems, summary }
    if (options.report !== undefined && html !== undefined)
      yield* Files.writeText(options.report, html.render(plan), "--report", { force: options.force })
    return {
      plan,
      summary: summaryOf(plan, fidelity.rows, fidelity.omitted, options.out, options.report),
      text: withOptionsLine(plan, text.render(plan), options.width)
    }
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
export const fidelityRows = (plan: Migration.MigrationPlan): ReadonlyArray<FidelityRow> => {
  const fidelity = fidelityOf(Number.POSITIVE_INFINITY)
  for (const item of plan.items) fidelity.add(item)
  return fidelity.rows
}

/**
 * One row of the fidelity report (`fidelityRows`).
 *
 * @example
 * ```ts
 * import type { Workflow } from "@unishare/cli"
 * const who = (row: Workflow.FidelityRow) => row.grantee
 * ```
 */
export interface FidelityRow {
  readonly source: string
  readonly target: string
  readonly sourceShareId: string
  readonly grantee: string
  readonly level: string
  readonly targetGrantee?: string
  readonly targetLevel?: string
  readonly outcome: Migration.FidelityEntry["outcome"]
  readonly via?: NonNullable<Migration.FidelityEntry["via"]>
  readonly note?: string
}

const fidelityRow = (item: Migration.Item, entry: Migration.FidelityEntry): FidelityRow => ({
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
})

/** The fidelity rows of a plan gathered as its items go by: at most `limit` of each outcome, the rest counted. */
const fidelityOf = (limit: number) => {
  const rows: Array<FidelityRow> = []
  const kept = new Map<string, number>()
  const omitted: Partial<Record<Migration.FidelityEntry["outcome"], number>> = {}
  return {
    rows,
    omitted,
    add: (item: Migration.Item) => {
      for (const entry of item.entries) {
        // everything that does not keep the source's access exactly (as `Migration.lossyEntries`)
        if (entry.outcome === "exact" && entry.via !== "fallback") continue
        const n = kept.get(entry.outcome) ?? 0
        if (n < limit) {
          kept.set(entry.outcome, n + 1)
          rows.push(fidelityRow(item, entry))
        } else omitted[entry.outcome] = (omitted[entry.outcome] ?? 0) + 1
      }
    }
  }
}

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
export const planSummary = (plan: Migration.MigrationPlan, file: string, report?: string): PlanSummary =>
  summaryOf(plan, fidelityRows(plan), {}, file, report)

/**
 * The JSON summary `plan --json` prints (`planSummary`). `fidelityOmitted`, by outcome, counts the
 * fidelity rows a streamed plan left out of `fidelity` (`listedRows` of each are printed; the plan
 * file has every one); it is there only when some were.
 *
 * @example
 * ```ts
 * import type { Workflow } from "@unishare/cli"
 * const complete = (s: Workflow.PlanSummary) => s.fidelityOmitted === undefined
 * ```
 */
export interface PlanSummary {
  readonly command: "plan"
  readonly ok: boolean
  readonly file: string
  readonly report?: string
  readonly planId: string
  readonly sourceProvider: string
  readonly targetProvider: string
  readonly options: Migration.PlanOptions
  readonly summary: Migration.Summary
  readonly problems: ReadonlyArray<{ readonly source: string; readonly message: string }>
  readonly fidelity: ReadonlyArray<FidelityRow>
  readonly fidelityOmitted?: Partial<Record<Migration.FidelityEntry["outcome"], number>>
}

const summaryOf = (
  plan: Pick<Migration.MigrationPlan, "id" | "sourceProvider" | "targetProvider" | "options" | "summary" | "problems">,
  fidelity: ReadonlyArray<FidelityRow>,
  omitted: Partial<Record<Migration.FidelityEntry["outcome"], number>>,
  file: string,
  report: string | undefined
): PlanSummary => ({
  command: "plan",
  ok: plan.problems.length === 0,
  file,
  ...(report !== undefined ? { report } : {}),
  planId: plan.id,
  sourceProvider: plan.sourceProvider,
  targetProvider: plan.targetProvider,
  options: plan.options,
  summary: plan.summary,
  problems: plan.problems.map((p) => ({ source: Notation.formatResource(p.source), message: p.message })),
  fidelity,
  ...(Object.keys(omitted).length > 0 ? { fidelityOmitted: omitted } : {})
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
export const planOptionsLine = (plan: Pick<Migration.MigrationPlan, "options">, width = 100): string => {
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
export const renderPlanText = (plan: Migration.MigrationPlan, options: Report.PlanTextOptions = {}): string =>
  withOptionsLine(plan, Report.renderPlan(plan, options), options.width)

/** The text of a plan with the line of its options under its heading. */
const withOptionsLine = (plan: Pick<Migration.MigrationPlan, "options">, text: string, width = 100): string => {
  const [heading = "", ...rest] = text.split("\n")
  return [heading, planOptionsLine(plan, width), ...rest].join("\n")
}
