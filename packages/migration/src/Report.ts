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
 * tables fit (default 100); `rows` caps the per-resource table (default 30; the plan file has all);
 * `listRows` caps the problems and each outcome's per-share rows (default: none).
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
  /**
   * At most this many rows of each long list: the problems, and with `details` the per-share rows
   * of each outcome; the rest are counted (default: every one).
   */
  readonly listRows?: number | undefined
}

/**
 * What the text of a plan says besides its items: its id, providers, options, summary and problems
 * (a `MigrationPlan` is one; so is a plan opened or made as a stream, with its trailer).
 *
 * @example
 * ```ts
 * import type { Migration, Report } from "@unishare/migration"
 * const head = (plan: Migration.MigrationPlan): Report.PlanHead => plan
 * ```
 */
export type PlanHead = Pick<
  Migration.MigrationPlan,
  "id" | "sourceProvider" | "targetProvider" | "options" | "summary" | "problems"
>

/**
 * The text of a plan, built as its items go by (`planText`): `add` each item in the plan's order,
 * then `render` with the plan's head.
 *
 * @example
 * ```ts
 * import type { Migration, Report } from "@unishare/migration"
 * const render = (text: Report.PlanText, plan: Migration.MigrationPlan) => {
 *   for (const item of plan.items) text.add(item)
 *   return text.render(plan)
 * }
 * ```
 */
export interface PlanText {
  readonly add: (item: Migration.Item) => void
  readonly render: (plan: PlanHead) => string
}

/** One row of the unresolved and unsupported principals: its shares, and the resources they are on. */
interface PrincipalRow {
  readonly principal: string
  readonly outcome: string
  readonly note: string
  shares: number
  resources: number
  /** The last item it was counted on (items come one at a time: a resource is counted once without a set of them). */
  lastItem: number
}

/**
 * `renderPlan` as its items go by, for a plan too large to hold (streamed from its file or from the
 * planner): it keeps the principals aggregated (one row per principal and outcome), the first
 * `rows` resources with writes, and with `details` the first `listRows` per-share rows of each
 * outcome — never the plan. The text is `renderPlan`'s for the same plan when nothing is left out.
 *
 * @example
 * ```ts
 * import { Report, type Migration } from "@unishare/migration"
 * const text = Report.planText({ details: true, listRows: 1_000 })
 * const render = (plan: Migration.MigrationPlan) => {
 *   for (const item of plan.items) text.add(item)
 *   return text.render(plan)
 * }
 * ```
 */
export const planText = (options: PlanTextOptions = {}): PlanText => {
  const width = options.width ?? 100
  const limit = options.rows ?? 30
  const listRows = options.listRows ?? Number.POSITIVE_INFINITY
  const principals = new Map<string, PrincipalRow>()
  const writes: Array<ReadonlyArray<string>> = []
  let writing = 0
  let items = 0
  const details: Array<ReadonlyArray<string>> = []
  const detailsByOutcome = new Map<string, number>()
  const detailsLeft = new Map<string, number>()
  return {
    add: (item) => {
      items++
      for (const e of item.entries) {
        if (options.details === true) {
          const kept = detailsByOutcome.get(e.outcome) ?? 0
          if (kept < listRows) {
            detailsByOutcome.set(e.outcome, kept + 1)
            details.push([
              ResourceRef.describe(item.source),
              describeGrant(e.source, e.sourceLevel),
              describeGrant(e.target, e.targetLevel),
              e.outcome,
              e.note ?? ""
            ])
          } else detailsLeft.set(e.outcome, (detailsLeft.get(e.outcome) ?? 0) + 1)
        }
        // unresolved / unsupported principals, one row per principal and outcome
        if (e.outcome !== "unresolved" && e.outcome !== "unsupported" && e.via !== "fallback") continue
        const outcome = e.via === "fallback" ? "fallback" : e.outcome
        const key = `${Grantee.keys(e.source)[0]}|${outcome}`
        let row = principals.get(key)
        if (row === undefined) {
          row = { principal: principal(e.source), outcome, note: e.note ?? "", shares: 0, resources: 0, lastItem: 0 }
          principals.set(key, row)
        }
        row.shares++
        if (row.lastItem !== items) {
          row.resources++
          row.lastItem = items
        }
      }
      if (item.plan.operations.length > 0 || item.create !== undefined) {
        writing++
        if (writes.length < limit) {
          const count = (tag: string) => String(item.plan.operations.filter((op) => op._tag === tag).length)
          writes.push([
            item.create !== undefined ? `new: ${item.create.name}` : ResourceRef.describe(item.target),
            `${item.name !== undefined ? `${item.name} ` : ""}(${ResourceRef.describe(item.source)})`,
            count("Grant"),
            count("Update"),
            count("Revoke"),
            String(item.plan.unchanged.length)
          ])
        }
      }
    },
    render: (plan) => {
      const s = plan.summary
      const out = [
        `Migration plan ${plan.id}: ${plan.sourceProvider} → ${plan.targetProvider} (${plan.options.mode}, on-lossy ${plan.options.onLossy}${plan.options.allowEveryone ? ", everyone allowed" : ""})`,
        `${s.resources} resource(s) planned, ${s.problems} problem(s); ${s.operations} write(s): ${s.grants} grant, ${s.updates} update, ${s.revokes} revoke`,
        "",
        `Source shares: ${s.shares} — exact ${s.exact}, narrowed ${s.narrowed}, widened ${s.widened}, unsupported ${s.unsupported}, unresolved ${s.unresolved}, skipped ${s.skipped}${s.fallback > 0 ? `; ${s.fallback} more unresolved, given to the fallback (counted above by their level)` : ""}`
      ]
      if (principals.size > 0) {
        out.push(
          "",
          "Unresolved and unsupported principals:",
          table(
            ["principal", "outcome", "shares", "resources", "note"],
            [...principals.values()]
              .sort((a, b) => b.shares - a.shares || a.principal.localeCompare(b.principal))
              .slice(0, limit)
              .map((r) => [r.principal, r.outcome, String(r.shares), String(r.resources), r.note]),
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
            plan.problems.slice(0, listRows).map((p) => [ResourceRef.describe(p.source), p.message]),
            { maxWidth: width }
          )
        )
        if (plan.problems.length > listRows)
          out.push(`  … ${plan.problems.length - listRows} more problem(s) (all of them are in the plan file)`)
      }
      if (writing > 0) {
        out.push(
          "",
          `Writes per target resource (${writing} of ${items} resources change):`,
          table(["target", "source", "grant", "update", "revoke", "unchanged"], writes, { maxWidth: width })
        )
        if (writing > limit) out.push(`  … ${writing - limit} more (all of them are in the plan file)`)
      } else out.push("", "Nothing to write: every target already matches.")
      if (options.details === true) {
        out.push(
          "",
          "Every source share:",
          table(["source", "grantee", "target", "outcome", "note"], details, { maxWidth: width })
        )
        for (const [outcome, left] of detailsLeft)
          out.push(`  … ${left} more ${outcome} share(s) (all of them are in the plan file)`)
      } else if (s.shares > 0) out.push("", "Per-share rows: --details (or the plan file)")
      return out.join("\n")
    }
  }
}

/**
 * The plan as text for people, summary first: counts by outcome, the unresolved and unsupported
 * principals (aggregated), the problems, and what will be written per target resource; one row
 * per source share only with `details`. Every table fits `width` columns. (`planText` builds the
 * same text as a streamed plan's items go by.)
 *
 * @example
 * ```ts
 * import { Report, type Migration } from "@unishare/migration"
 * const print = (plan: Migration.MigrationPlan) => console.log(Report.renderPlan(plan))
 * ```
 */
export const renderPlan = (plan: Migration.MigrationPlan, options: PlanTextOptions = {}): string => {
  const text = planText(options)
  for (const item of plan.items) text.add(item)
  return text.render(plan)
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
