/**
 * Migration reports for people (plain-text tables) and for scripts (JSON-safe objects).
 *
 * @since 0.1.0
 */
import * as Grantee from "@unishare/core/Grantee"
import * as ResourceRef from "@unishare/core/ResourceRef"
import type * as Migration from "./Migration.ts"

/**
 * Shortens text to `width` characters with an ellipsis in the middle (ids keep both ends).
 *
 * @example
 * ```ts
 * import { Report } from "@unishare/migration"
 * Report.shorten("cloudflare:share:0123456789abcdef/fedcba9876543210", 24) // "cloudflare:s…9876543210"
 * ```
 */
export const shorten = (text: string, width: number): string => {
  if (text.length <= width) return text
  if (width <= 1) return text.slice(0, width)
  const tail = Math.floor((width - 1) / 2)
  return `${text.slice(0, width - 1 - tail)}…${text.slice(text.length - tail)}`
}

/**
 * Shortens prose to `width` characters at its end, at a word boundary when one is near, with an
 * ellipsis (`shorten` keeps both ends, for ids; a note cut in the middle reads as nonsense).
 *
 * @example
 * ```ts
 * import { Report } from "@unishare/migration"
 * Report.shortenEnd("unresolved (no identity map entry); fallback group gets viewer", 30) // "unresolved (no identity map…"
 * ```
 */
export const shortenEnd = (text: string, width: number): string => {
  if (text.length <= width) return text
  if (width <= 1) return text.slice(0, width)
  const cut = text.slice(0, width - 1)
  const space = cut.lastIndexOf(" ")
  return `${(space >= width / 2 ? cut.slice(0, space) : cut).trimEnd()}…`
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose
const unprintable = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/**
 * Text made safe to show on a terminal: every control character a terminal acts on (C0 but newline
 * and tab, DEL, C1, and the bidi controls that reorder text) becomes a visible escape (`\x1b`,
 * `\r`, `\u202e`). Names come from whoever controls a provider's data: escaped, they can neither
 * move the cursor, clear the screen, set the title, recolour nor reorder what is shown. Tables
 * escape their cells before measuring them.
 *
 * @example
 * ```ts
 * import { Report } from "@unishare/migration"
 * Report.printable("Budget\u001b[2J\rFAKE: all good") // "Budget\\x1b[2J\\rFAKE: all good"
 * ```
 */
export const printable = (text: string): string =>
  text.replace(unprintable, (c) => {
    const code = c.charCodeAt(0)
    if (c === "\r") return "\\r"
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`
  })

/**
 * Renders rows as an aligned text table. Cells are made `printable` first. With `maxWidth`, the
 * widest columns are narrowed until each line fits: cells shortened in the middle (ids keep both
 * ends), the last column (notes) at its end on a word boundary.
 *
 * @example
 * ```ts
 * import { Report } from "@unishare/migration"
 * Report.table(["a", "b"], [["1", "22"]], { maxWidth: 100 })
 * ```
 */
export const table = (
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string>>,
  options: { readonly maxWidth?: number | undefined } = {}
): string => {
  rows = rows.map((r) => r.map(printable))
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const max = options.maxWidth
  const last = widths.length - 1
  if (max !== undefined) {
    const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1)
    // the last column (notes) gives way first, then the widest
    while (total() > max) {
      const widest = (widths[last] ?? 0) > 24 ? last : widths.indexOf(Math.max(...widths))
      if ((widths[widest] ?? 0) <= 6) break
      widths[widest] = (widths[widest] ?? 0) - 1
    }
  }
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((c, i) => (i === last && i > 0 ? shortenEnd : shorten)(c, widths[i] ?? 0).padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd()
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")
}

/** A principal in a few characters: a user by email (else id), a group with its name. */
const principal = (grantee: Grantee.Grantee): string =>
  grantee._tag === "User" ? `user ${grantee.email ?? `#${grantee.id}`}` : Grantee.describe(grantee)

const describeGrant = (grantee: Grantee.Grantee | undefined, level: string | undefined) =>
  grantee === undefined ? "—" : `${principal(grantee)}${level !== undefined ? ` ${level}` : ""}`

/**
 * Options of `renderPlan`: `details` adds one row per source share; `width` is the line width the
 * tables fit (default 100); `rows` caps the per-resource table (default 30; the plan file has all).
 *
 * @example
 * ```ts
 * import type { Report } from "@unishare/migration"
 * const o: Report.PlanTextOptions = { details: true }
 * ```
 */
export interface PlanTextOptions {
  readonly details?: boolean | undefined
  readonly width?: number | undefined
  readonly rows?: number | undefined
}

/**
 * The plan as text for people, summary first: counts by outcome, the unresolved and unsupported
 * principals (aggregated), the problems, and what will be written per target resource; one row
 * per source share only with `details`. Every table fits `width` columns.
 *
 * @example
 * ```ts
 * import { Report, type Migration } from "@unishare/migration"
 * const print = (plan: Migration.MigrationPlan) => console.log(Report.renderPlan(plan))
 * ```
 */
export const renderPlan = (plan: Migration.MigrationPlan, options: PlanTextOptions = {}): string => {
  const width = options.width ?? 100
  const limit = options.rows ?? 30
  const s = plan.summary
  const out = [
    `Migration plan ${plan.id}: ${plan.sourceProvider} → ${plan.targetProvider} (${plan.options.mode}, on-lossy ${plan.options.onLossy}${plan.options.allowEveryone ? ", everyone allowed" : ""})`,
    `${s.resources} resource(s) planned, ${s.problems} problem(s); ${s.operations} write(s): ${s.grants} grant, ${s.updates} update, ${s.revokes} revoke`,
    "",
    `Source shares: ${s.shares} — exact ${s.exact}, narrowed ${s.narrowed}, widened ${s.widened}, unsupported ${s.unsupported}, unresolved ${s.unresolved}, skipped ${s.skipped}${s.fallback > 0 ? `; ${s.fallback} more unresolved, given to the fallback (counted above by their level)` : ""}`
  ]
  // unresolved / unsupported principals, one row per principal and outcome
  const principals = new Map<
    string,
    { principal: string; outcome: string; shares: number; resources: Set<string>; note: string }
  >()
  for (const item of plan.items) {
    for (const e of item.entries) {
      if (e.outcome !== "unresolved" && e.outcome !== "unsupported" && e.via !== "fallback") continue
      const outcome = e.via === "fallback" ? "fallback" : e.outcome
      const key = `${Grantee.keys(e.source)[0]}|${outcome}`
      const row = principals.get(key) ?? {
        principal: principal(e.source),
        outcome,
        shares: 0,
        resources: new Set<string>(),
        note: e.note ?? ""
      }
      row.shares++
      row.resources.add(ResourceRef.key(item.source))
      principals.set(key, row)
    }
  }
  if (principals.size > 0) {
    out.push(
      "",
      "Unresolved and unsupported principals:",
      table(
        ["principal", "outcome", "shares", "resources", "note"],
        [...principals.values()]
          .sort((a, b) => b.shares - a.shares || a.principal.localeCompare(b.principal))
          .slice(0, limit)
          .map((r) => [r.principal, r.outcome, String(r.shares), String(r.resources.size), r.note]),
        { maxWidth: width }
      )
    )
    if (principals.size > limit)
      out.push(`  … ${principals.size - limit} more principal(s) (all of them are in the plan file)`)
  }
  if (plan.problems.length > 0) {
    out.push(
      "",
      `Problems (${plan.problems.length}):`,
      table(
        ["source", "problem"],
        plan.problems.map((p) => [ResourceRef.describe(p.source), p.message]),
        { maxWidth: width }
      )
    )
  }
  const writing = plan.items.filter((i) => i.plan.operations.length > 0 || i.create !== undefined)
  if (writing.length > 0) {
    const rows = writing.slice(0, limit).map((item) => {
      const count = (tag: string) => String(item.plan.operations.filter((op) => op._tag === tag).length)
      return [
        item.create !== undefined ? `new: ${item.create.name}` : ResourceRef.describe(item.target),
        `${item.name !== undefined ? `${item.name} ` : ""}(${ResourceRef.describe(item.source)})`,
        count("Grant"),
        count("Update"),
        count("Revoke"),
        String(item.plan.unchanged.length)
      ]
    })
    out.push(
      "",
      `Writes per target resource (${writing.length} of ${plan.items.length} resources change):`,
      table(["target", "source", "grant", "update", "revoke", "unchanged"], rows, { maxWidth: width })
    )
    if (writing.length > limit) out.push(`  … ${writing.length - limit} more (all of them are in the plan file)`)
  } else out.push("", "Nothing to write: every target already matches.")
  if (options.details === true) {
    const rows = plan.items.flatMap((item) =>
      item.entries.map((e) => [
        ResourceRef.describe(item.source),
        describeGrant(e.source, e.sourceLevel),
        describeGrant(e.target, e.targetLevel),
        e.outcome,
        e.note ?? ""
      ])
    )
    out.push(
      "",
      "Every source share:",
      table(["source", "grantee", "target", "outcome", "note"], rows, { maxWidth: width })
    )
  } else if (s.shares > 0) out.push("", "Per-share rows: --details (or the plan file)")
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
    `${report.dryRun ? "Dry run" : "Applied"} plan ${report.planId}: ${report.dryRun ? report.units.filter((u) => u.outcome === "dry-run").length : report.applied} unit(s) ${report.dryRun ? "would be written" : "written"}, ${report.alreadyApplied} already applied (earlier runs), ${report.failed} failed`
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
