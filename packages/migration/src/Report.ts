/**
 * Migration reports for people (plain-text tables) and for scripts (JSON-safe objects).
 *
 * @since 0.1.0
 */
import * as Grantee from "@unishare/core/Grantee"
import * as ResourceRef from "@unishare/core/ResourceRef"
import type * as Migration from "./Migration.ts"

/**
 * Renders rows as an aligned text table.
 *
 * @example
 * ```ts
 * import { Report } from "@unishare/migration"
 * Report.table(["a", "b"], [["1", "22"]])
 * ```
 */
export const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd()
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")
}

const name = (item: Migration.Item) =>
  `${item.name !== undefined ? `${item.name} ` : ""}(${ResourceRef.describe(item.source)})`

/**
 * The plan as text: per-resource operations, the fidelity summary and every lossy or unresolved share.
 *
 * @example
 * ```ts
 * import { Report, type Migration } from "@unishare/migration"
 * const print = (plan: Migration.MigrationPlan) => console.log(Report.renderPlan(plan))
 * ```
 */
export const renderPlan = (plan: Migration.MigrationPlan): string => {
  const s = plan.summary
  const rows = plan.items.map((item) => {
    let grants = 0
    let updates = 0
    let revokes = 0
    for (const op of item.plan.operations) {
      if (op._tag === "Grant") grants++
      else if (op._tag === "Update") updates++
      else revokes++
    }
    const lossy = item.entries.filter((e) => e.outcome !== "exact").length
    return [
      name(item),
      ResourceRef.describe(item.target),
      String(grants),
      String(updates),
      String(revokes),
      String(item.plan.unchanged.length),
      String(lossy)
    ]
  })
  const out = [
    `Migration plan ${plan.id}: ${plan.sourceProvider} → ${plan.targetProvider} (${plan.options.mode}, onLossy ${plan.options.onLossy})`,
    "",
    table(["source", "target", "grant", "update", "revoke", "unchanged", "not exact"], rows),
    "",
    `Fidelity: ${s.shares} source shares — ${s.exact} exact, ${s.narrowed} narrowed, ${s.widened} widened, ${s.unsupported} unsupported, ${s.unresolved} unresolved, ${s.skipped} skipped${s.fallback > 0 ? ` (${s.fallback} given to the fallback)` : ""}`,
    `Operations: ${s.operations} (${s.grants} grant, ${s.updates} update, ${s.revokes} revoke) on ${s.resources} resources`
  ]
  const lossy = plan.items.flatMap((item) =>
    item.entries
      .filter((e) => e.outcome !== "exact" || e.via === "fallback")
      .map((e) => [
        ResourceRef.describe(item.source),
        `${Grantee.describe(e.source)} ${e.sourceLevel}`,
        e.target !== undefined ? `${Grantee.describe(e.target)} ${e.targetLevel ?? ""}`.trim() : "—",
        e.outcome,
        e.note ?? ""
      ])
  )
  if (lossy.length > 0) {
    out.push(
      "",
      "Fidelity report (everything not kept exactly):",
      table(["resource", "source", "target", "outcome", "note"], lossy)
    )
  }
  if (plan.problems.length > 0) {
    out.push("", "Problems:", ...plan.problems.map((p) => `  ${ResourceRef.describe(p.source)}: ${p.message}`))
  }
  return out.join("\n")
}

/**
 * An apply report as text.
 *
 * @example
 * ```ts
 * import { Report, type Migration } from "@unishare/migration"
 * const print = (r: Migration.ApplyReport) => console.log(Report.renderApply(r))
 * ```
 */
export const renderApply = (report: Migration.ApplyReport): string => {
  const lines = [
    `${report.dryRun ? "Dry run" : "Applied"} plan ${report.planId}: ${report.dryRun ? report.units.filter((u) => u.outcome === "dry-run").length : report.applied} unit(s) ${report.dryRun ? "would be written" : "written"}, ${report.alreadyApplied} already applied (journal), ${report.failed} failed`
  ]
  for (const u of report.units) {
    if (u.outcome === "failed") lines.push(`  failed ${u.unit}: ${u.error?.message ?? "unknown error"}`)
  }
  return lines.join("\n")
}

/**
 * A verification report as text.
 *
 * @example
 * ```ts
 * import { Report, type Migration } from "@unishare/migration"
 * const print = (r: Migration.VerifyReport) => console.log(Report.renderVerify(r))
 * ```
 */
export const renderVerify = (report: Migration.VerifyReport): string => {
  const bad = report.resources.filter((r) => !r.ok)
  const lines = [
    `Verification of plan ${report.planId}: ${report.resources.length - bad.length}/${report.resources.length} resources match the plan${report.ok ? "" : " — DRIFT"}`
  ]
  for (const r of bad) {
    lines.push(
      `  ${ResourceRef.describe(r.resource)}: ${r.error !== undefined ? r.error.message : r.remaining.map((op) => `${op._tag} ${Grantee.describe(op.grantee)}`).join(", ")}`
    )
  }
  return lines.join("\n")
}

/**
 * A JSON-safe copy of any report (errors become `{ _tag, message, provider, operation }`).
 *
 * @example
 * ```ts
 * import { Report } from "@unishare/migration"
 * JSON.stringify(Report.toJson({ ok: true }))
 * ```
 */
export const toJson = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (_key, v: unknown) => {
      if (v instanceof Error) {
        const e = v as Error & { _tag?: string; provider?: string; operation?: string }
        return { _tag: e._tag ?? e.name, message: e.message, provider: e.provider, operation: e.operation }
      }
      return v
    })
  )
