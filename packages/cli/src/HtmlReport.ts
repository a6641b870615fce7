/**
 * The plan as one self-contained HTML file (`plan --report plan.html`), a document a reviewer can
 * sign: a summary (plan id and full digest, when it was made and from which snapshot, the plan's
 * options, counts by outcome, the unresolved principals, the writes) with a sign-off block, then
 * the unresolved and unsupported principals, the problems, the writes per target resource and every
 * source share. Everything is in the HTML itself: it reads, prints and saves as PDF with scripts
 * off. The one inline script only sorts the share table (click a column header) and filters it by
 * outcome, resource and principal; a print stylesheet prints every row, filtered or not.
 *
 * A share given to the `--fallback` principal is `unresolved` here (its principal has no target
 * counterpart), whatever the level translation was; the plan file keeps the translation's outcome
 * with `via: "fallback"`. Principals are shown with their names (group names, user emails) beside
 * their ids, from what the plan carries; nothing is requested. Every provider-controlled string is
 * made printable (control characters become visible escapes) and HTML-escaped, and the page's
 * Content-Security-Policy admits only its own script and style (by SHA-256). No network is needed.
 * Hand-written because it is one small page; a template or table library would have to be inlined
 * anyway.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { Grantee, Planner } from "@unishare/core"
import { type Migration, Report } from "@unishare/migration"
import * as Notation from "./Notation.ts"

/** A CSP source allowing exactly one inline element: the base64 SHA-256 of its text. */
const cspHash = (text: string): string => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`

/**
 * The outcomes the report classes a share by: the plan's, with a share given to the fallback
 * principal counted as `unresolved`.
 *
 * @example
 * ```ts
 * import { HtmlReport } from "@unishare/cli"
 * HtmlReport.outcomes.includes("unresolved") // true
 * ```
 */
export const outcomes = ["exact", "narrowed", "widened", "unsupported", "unresolved", "skipped"] as const

/**
 * One of `outcomes`.
 *
 * @example
 * ```ts
 * import type { HtmlReport } from "@unishare/cli"
 * const o: HtmlReport.Outcome = "unresolved"
 * ```
 */
export type Outcome = (typeof outcomes)[number]

/**
 * A principal or resource as the report shows it: its id in notation (`group:7`, `eci:list:42`) and,
 * when the plan carries one, its name (a group's name, a user's email beside the user id, a
 * resource's name).
 *
 * @example
 * ```ts
 * import type { HtmlReport } from "@unishare/cli"
 * const finance: HtmlReport.Labelled = { id: "group:2000000000000001", name: "Finance" }
 * ```
 */
export interface Labelled {
  readonly id: string
  readonly name?: string | undefined
}

/**
 * One row of the report: one source share. `outcome` is what the table shows; `classes` are the
 * outcomes it is filtered by (a share given to the fallback is `unresolved` first, then its level
 * translation's outcome, so it is found under either); `fallback` marks those shares.
 *
 * @example
 * ```ts
 * import type { HtmlReport } from "@unishare/cli"
 * const r: HtmlReport.Row = {
 *   resource: { id: "smartsheet:sheet:1", name: "Budget" }, target: { id: "eci:list:42" },
 *   principal: { id: "user:1000000000000004", name: "ghost@example.com" }, level: "viewer",
 *   targetPrincipal: { id: "user:9", name: "it@example.com" }, targetLevel: "viewer",
 *   outcome: "unresolved → fallback", classes: ["unresolved", "exact"], fallback: true,
 *   note: "unresolved (does not exist on eci): given to the fallback"
 * }
 * ```
 */
export interface Row {
  readonly resource: Labelled
  readonly target: Labelled
  readonly principal: Labelled
  readonly level: string
  readonly targetPrincipal: Labelled | undefined
  readonly targetLevel: string
  readonly outcome: string
  readonly classes: ReadonlyArray<Outcome>
  readonly fallback: boolean
  readonly note: string
}

type Known = { id?: string; email?: string; name?: string }

/** Adds what a grantee is known as to an index of names, merged over every appearance, by identity key. */
const addName = (index: Map<string, Known>, g: Grantee.Grantee): void => {
  const keys = Grantee.keys(g)
  const known: Known = {}
  for (const k of keys) Object.assign(known, index.get(k))
  if (g._tag === "User") {
    if (g.id !== undefined) known.id = g.id
    if (g.email !== undefined) known.email = g.email
  } else if (g._tag === "Group" && g.name !== undefined && g.name !== "") known.name = g.name
  for (const k of keys) index.set(k, known)
}

/** A grantee with the name the plan knows it by (users: id and email; groups: id and name). */
const labelGrantee = (g: Grantee.Grantee, index: Map<string, Known>): Labelled => {
  const known: Known = {}
  for (const k of Grantee.keys(g)) Object.assign(known, index.get(k))
  switch (g._tag) {
    case "User": {
      const id = g.id ?? known.id
      const email = g.email ?? known.email
      return id !== undefined
        ? { id: `user:${id}`, ...(email !== undefined ? { name: email } : {}) }
        : { id: `user:${email ?? ""}` }
    }
    case "Group": {
      const name = g.name !== undefined && g.name !== "" ? g.name : known.name
      return { id: `group:${g.id}`, ...(name !== undefined ? { name } : {}) }
    }
    default:
      return { id: Notation.formatGrantee(g) }
  }
}

/** How grantees are labelled: by the names of their side (source principals, target principals). */
interface Names {
  readonly source: (g: Grantee.Grantee) => Labelled
  readonly target: (g: Grantee.Grantee) => Labelled
}

const sourceOf = (item: Migration.Item): Labelled => ({
  id: Notation.formatResource(item.source),
  ...(item.name !== undefined && item.name !== "" ? { name: item.name } : {})
})

const targetOf = (item: Migration.Item): Labelled =>
  item.create !== undefined
    ? { id: `new ${item.target.provider} resource`, name: item.create.name }
    : { id: Notation.formatResource(item.target) }

/** The translation outcomes that gave the fallback a grant. */
const granted = (outcome: Migration.FidelityEntry["outcome"]) =>
  outcome === "exact" || outcome === "narrowed" || outcome === "widened"

/** The classes a share is filtered by: a share given to the fallback is `unresolved` first. */
const classesOf = (e: Migration.FidelityEntry): ReadonlyArray<Outcome> =>
  e.via === "fallback" && e.outcome !== "unresolved" ? ["unresolved", e.outcome] : [e.outcome]

/** One share's row, its principals labelled with the names of the whole plan. */
const rowOf = (resource: Labelled, target: Labelled, e: Migration.FidelityEntry, names: Names): Row => {
  const fallback = e.via === "fallback"
  return {
    resource,
    target,
    principal: names.source(e.source),
    level: e.sourceLevel,
    targetPrincipal: e.target !== undefined ? names.target(e.target) : undefined,
    targetLevel: e.targetLevel ?? "",
    outcome: fallback
      ? `unresolved → fallback${e.outcome === "exact" ? "" : ` (${granted(e.outcome) ? e.outcome : `${e.outcome}: not granted`})`}`
      : e.outcome,
    classes: classesOf(e),
    fallback,
    note: e.note ?? ""
  }
}

/**
 * The counts of the sign-off summary. `outcomes` counts each share once, by its first class (a
 * share given to the fallback is `unresolved`), so they add up to `shares`. `unresolved` counts the
 * source principals without a target counterpart and their shares, and how many of those shares the
 * fallback principal receives instead; `unsupported` the principals and shares the target cannot
 * express.
 *
 * @example
 * ```ts
 * import type { HtmlReport } from "@unishare/cli"
 * const clean = (s: HtmlReport.Summary) => s.unresolved.principals === 0 && s.unsupported.principals === 0
 * ```
 */
export interface Summary {
  readonly resources: number
  readonly resourcesWritten: number
  readonly problems: number
  readonly shares: number
  readonly outcomes: Readonly<Record<Outcome, number>>
  readonly unresolved: { readonly principals: number; readonly shares: number; readonly toFallback: number }
  readonly unsupported: { readonly principals: number; readonly shares: number }
  readonly writes: {
    readonly total: number
    readonly grants: number
    readonly updates: number
    readonly revokes: number
    readonly creates: number
  }
}

const principalKey = (g: Grantee.Grantee) => Grantee.keys(g)[0] ?? ""

/** One row of the principals table: a principal and outcome, its shares and the resources they are on. */
interface PrincipalRow {
  readonly principal: Grantee.Grantee
  readonly outcome: string
  readonly note: string
  readonly gets: Grantee.Grantee | undefined
  shares: number
  resources: number
  /** The last item it was counted on: items come one at a time, so a resource is counted once without a set of them. */
  lastItem: number
}

/** A share row kept for the table: its resources labelled, its entry (principals are labelled at the end). */
interface KeptShare {
  readonly resource: Labelled
  readonly target: Labelled
  readonly entry: Migration.FidelityEntry
}

/**
 * Everything the report shows, gathered as a plan's items go by: the names of both sides, the
 * counts, the principals aggregated, and the first `limit` share rows of each outcome and resources
 * with writes (the rest counted).
 */
const gather = (options: Pick<Migration.PlanOptions, "fallback">, limit: number) => {
  const sourceNames = new Map<string, Known>()
  const targetNames = new Map<string, Known>()
  if (options.fallback !== undefined) addName(targetNames, options.fallback)
  const names: Names = {
    source: (g) => labelGrantee(g, sourceNames),
    target: (g) => labelGrantee(g, targetNames)
  }
  const counts: Record<Outcome, number> = {
    exact: 0,
    narrowed: 0,
    widened: 0,
    unsupported: 0,
    unresolved: 0,
    skipped: 0
  }
  /** Shares by every class they are filtered by (a share given to the fallback is in two). */
  const byClass: Record<Outcome, number> = {
    exact: 0,
    narrowed: 0,
    widened: 0,
    unsupported: 0,
    unresolved: 0,
    skipped: 0
  }
  const kept: Record<Outcome, number> = { exact: 0, narrowed: 0, widened: 0, unsupported: 0, unresolved: 0, skipped: 0 }
  const unresolved = new Set<string>()
  const unsupported = new Set<string>()
  const principals = new Map<string, PrincipalRow>()
  const shares: Array<KeptShare> = []
  const writing: Array<Migration.Item> = []
  const writes = { total: 0, grants: 0, updates: 0, revokes: 0, creates: 0 }
  let toFallback = 0
  let total = 0
  let items = 0
  let written = 0
  const add = (item: Migration.Item): void => {
    items++
    const resource = sourceOf(item)
    const target = targetOf(item)
    for (const e of item.entries) {
      addName(sourceNames, e.source)
      if (e.target !== undefined) addName(targetNames, e.target)
      total++
      const isFallback = e.via === "fallback"
      if (isFallback || e.outcome === "unresolved") {
        counts.unresolved++
        unresolved.add(principalKey(e.source))
        if (isFallback && granted(e.outcome)) toFallback++
      } else {
        counts[e.outcome]++
        if (e.outcome === "unsupported") unsupported.add(principalKey(e.source))
      }
      const classes = classesOf(e)
      for (const k of classes) byClass[k]++
      const first = classes[0]!
      if (kept[first] < limit) {
        kept[first]++
        shares.push({ resource, target, entry: e })
      }
      // unresolved and unsupported principals, aggregated: one row per principal and outcome
      if (!isFallback && e.outcome !== "unresolved" && e.outcome !== "unsupported") continue
      const outcome = isFallback
        ? granted(e.outcome)
          ? "unresolved → fallback"
          : `unresolved → fallback (${e.outcome}: not granted)`
        : e.outcome
      const key = `${principalKey(e.source)}|${outcome}`
      let row = principals.get(key)
      if (row === undefined) {
        row = {
          principal: e.source,
          outcome,
          note: e.note ?? "",
          gets: isFallback ? e.target : undefined,
          shares: 0,
          resources: 0,
          lastItem: 0
        }
        principals.set(key, row)
      }
      row.shares++
      if (row.lastItem !== items) {
        row.resources++
        row.lastItem = items
      }
    }
    for (const d of item.desired) addName(targetNames, d.grantee)
    for (const op of item.plan.operations) addName(targetNames, op.grantee)
    for (const s of item.plan.unchanged) addName(targetNames, s.grantee)
    for (const s of item.plan.unmanaged) addName(targetNames, s.grantee)
    const p = Planner.summarize(item.plan)
    writes.grants += p.grants
    writes.updates += p.updates
    writes.revokes += p.revokes
    writes.total += p.writes
    if (item.create !== undefined) writes.creates++
    if (item.plan.operations.length > 0 || item.create !== undefined) {
      written++
      if (writing.length < limit) writing.push(item)
    }
  }
  const summary = (problems: number): Summary => ({
    resources: items,
    resourcesWritten: written,
    problems,
    shares: total,
    outcomes: counts,
    unresolved: { principals: unresolved.size, shares: counts.unresolved, toFallback },
    unsupported: { principals: unsupported.size, shares: counts.unsupported },
    writes
  })
  const rows = (): ReadonlyArray<Row> => shares.map((s) => rowOf(s.resource, s.target, s.entry, names))
  return {
    add,
    names,
    summary,
    rows,
    principals,
    writing,
    get written() {
      return written
    },
    byClass,
    kept,
    limit
  }
}

type Gathered = ReturnType<typeof gather>

const gathered = (plan: Migration.MigrationPlan): Gathered => {
  const g = gather(plan.options, Number.POSITIVE_INFINITY)
  for (const item of plan.items) g.add(item)
  return g
}

/**
 * The report's rows: one per source share, with names beside ids.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * import { HtmlReport } from "@unishare/cli"
 * const unresolved = (plan: Migration.MigrationPlan) =>
 *   HtmlReport.rows(plan).filter((r) => r.classes.includes("unresolved")).length
 * ```
 */
export const rows = (plan: Migration.MigrationPlan): ReadonlyArray<Row> => gathered(plan).rows()

/**
 * Counts a plan for the sign-off summary (see `Summary`).
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * import { HtmlReport } from "@unishare/cli"
 * const unresolvedShares = (plan: Migration.MigrationPlan) => HtmlReport.summarize(plan).unresolved.shares
 * ```
 */
export const summarize = (plan: Migration.MigrationPlan): Summary => gathered(plan).summary(plan.problems.length)

/** Provider-controlled text as HTML: control and bidi characters made visible, then escaped. */
const esc = (text: string) =>
  Report.printable(text).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!
  )

/** A name (when known) beside an id; the text reads "name id". */
const labelled = (l: Labelled | undefined) =>
  l === undefined
    ? ""
    : l.name !== undefined
      ? `<span class="name">${esc(l.name)}</span> <span class="id">${esc(l.id)}</span>`
      : `<span class="id">${esc(l.id)}</span>`

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

const script = `
const table = document.getElementById("shares");
const body = table.tBodies[0];
const columns = Array.from(table.tHead.rows[0].cells, (th) => th.dataset.key);
const rows = Array.from(body.rows, (tr) => ({
  tr,
  classes: tr.dataset.outcome.split(" "),
  text: Object.fromEntries(columns.map((c, i) => [c, tr.cells[i].textContent]))
}));
const filters = document.getElementById("filters");
const outcome = document.getElementById("outcome");
const resource = document.getElementById("resource");
const principal = document.getElementById("principal");
const count = document.getElementById("count");
let sortKey = "", sortUp = true;
function apply() {
  const o = outcome.value, r = resource.value.trim().toLowerCase(), p = principal.value.trim().toLowerCase();
  let shown = 0;
  for (const row of rows) {
    const visible = (o === "" || row.classes.includes(o))
      && (r === "" || (row.text.resource + " " + row.text.target).toLowerCase().includes(r))
      && (p === "" || (row.text.principal + " " + row.text.targetPrincipal).toLowerCase().includes(p));
    row.tr.hidden = !visible;
    if (visible) shown++;
  }
  count.textContent = shown + " of " + rows.length + " shares";
}
function sort(key) {
  sortUp = key === sortKey ? !sortUp : true;
  sortKey = key;
  const sorted = rows.slice().sort((a, b) => (a.text[key] < b.text[key] ? -1 : a.text[key] > b.text[key] ? 1 : 0) * (sortUp ? 1 : -1));
  for (const row of sorted) body.appendChild(row.tr);
  for (const th of table.tHead.rows[0].cells) th.setAttribute("aria-sort", th.dataset.key === key ? (sortUp ? "ascending" : "descending") : "none");
}
for (const th of table.tHead.rows[0].cells) {
  th.tabIndex = 0;
  th.addEventListener("click", () => sort(th.dataset.key));
  th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(th.dataset.key); } });
}
for (const input of [outcome, resource, principal]) input.addEventListener("input", apply);
filters.hidden = false;
table.classList.add("sortable");
apply();
`

const style = `
body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.35rem; margin-bottom: .25rem; } h2 { font-size: 1.1rem; margin-top: 2rem; } h3 { font-size: 1rem; }
.lead { margin-top: 0; color: #444; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
thead th { background: #f4f4f4; }
.facts { width: auto; } .facts th { background: none; font-weight: 600; white-space: nowrap; padding-right: 1.5rem; }
.counts { width: auto; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.digest, .id, code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .92em; overflow-wrap: anywhere; }
.id { color: #555; } .name { font-weight: 500; }
.signoff { border: 2px solid #333; padding: .25rem 1rem 1rem; margin: 1rem 0; }
.cols { display: flex; gap: 0 2rem; flex-wrap: wrap; align-items: flex-start; }
.cols > div:first-child { flex: 1 1 28rem; } .cols > div:last-child { flex: 0 0 auto; }
.attention { color: #b00020; font-weight: 600; }
.signoff h2 { margin-top: 1rem; }
.sign { width: calc(100% + 4rem); margin: 1rem -2rem 0; border-collapse: separate; border-spacing: 2rem 0; }
.sign td { border-bottom: 1px solid #333; height: 2.5rem; width: 33%; }
.sign th { border: none; font-weight: normal; color: #444; padding-top: 2px; }
.filters { margin: 1rem 0; display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; }
.filters[hidden] { display: none; }
table.sortable thead th { cursor: pointer; position: sticky; top: 0; }
th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
tr[data-outcome~="unresolved"] td.outcome, tr[data-outcome~="unsupported"] td.outcome { color: #b00020; font-weight: 600; }
tr[data-outcome~="widened"] td.outcome { color: #b36b00; font-weight: 600; } td.note { color: #555; }
ul.ops { margin: 0; padding-left: 1.1rem; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { margin: 0; font-size: 9pt; color: #000; }
  .filters, .screen-only { display: none !important; }
  #shares tbody tr[hidden] { display: table-row; }
  table.sortable thead th { position: static; cursor: auto; }
  th[aria-sort]::after { content: none; }
  thead { display: table-header-group; }
  h1 { font-size: 14pt; margin: 0; } h2 { font-size: 11pt; margin: 1rem 0 .4rem; } h3 { font-size: 10pt; margin: .6rem 0 .2rem; }
  .signoff { margin: .5rem 0; padding: 0 .75rem .5rem; } .signoff h2 { margin-top: .4rem; }
  th, td { padding: 2px 4px; } .sign td { height: 2rem; }
  tr, li, .signoff { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .id, td.note { color: #333; }
}
`

const yesNo = (b: boolean | undefined) => (b === true ? "yes" : "no")

/**
 * What the report shows of a plan besides its items: everything but the items and the summary
 * (the report counts the items itself). A `MigrationPlan` is one; so is a plan opened or made as a
 * stream, once its trailer is known.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * import type { HtmlReport } from "@unishare/cli"
 * const head = (plan: Migration.MigrationPlan): HtmlReport.Head => plan
 * ```
 */
export type Head = Omit<Migration.MigrationPlan, "items" | "format" | "version" | "summary">

/** The report of the items gathered (`gather`) and the plan's head. */
const renderGathered = (plan: Head, g: Gathered): string => {
  const s = g.summary(plan.problems.length)
  const names = g.names
  const all = g.rows()
  const o = plan.options
  const title = `Migration plan ${plan.id}: ${plan.sourceProvider} → ${plan.targetProvider}`
  const fallback = o.fallback !== undefined ? names.target(o.fallback) : undefined

  const snapshot =
    plan.snapshot !== undefined
      ? `<tr><th>Made from snapshot</th><td>${esc(plan.snapshot.provider)}, exported <time datetime="${esc(plan.snapshot.exportedAt)}">${esc(plan.snapshot.exportedAt)}</time>; ${plural(plan.snapshot.resources, "resource")}, ${plural(plan.snapshot.shares, "share")}</td></tr>
<tr><th>Snapshot digest (SHA-256)</th><td class="digest" id="snapshot-digest">${esc(plan.snapshot.digest)}</td></tr>`
      : `<tr><th>Made from snapshot</th><td class="attention">not recorded: this plan was written by a version of unishare that did not record its snapshot (plan again to record it)</td></tr>`

  const options: ReadonlyArray<[string, string]> = [
    [
      "--mode",
      `${esc(o.mode)} — ${o.mode === "mirror" ? "the target is made equal to the source: target shares the source lacks are revoked" : "target shares the source lacks are kept"}`
    ],
    [
      "--on-lossy",
      `${esc(o.onLossy)} — ${o.onLossy === "round-up" ? "a level the target lacks becomes the next higher one (widened)" : o.onLossy === "fail" ? "a level the target lacks is not granted (unsupported)" : "a level the target lacks becomes the next lower one (narrowed)"}`
    ],
    [
      "--include-inherited",
      `${yesNo(o.includeInherited)}${o.includeInherited ? " — inherited source shares are migrated" : " — inherited source shares are skipped"}`
    ],
    [
      "--fallback",
      fallback !== undefined
        ? `${labelled(fallback)} — receives the shares of unresolved principals`
        : "none — unresolved principals get no grant"
    ],
    [
      "--allow-everyone",
      `${yesNo(o.allowEveryone)}${o.allowEveryone ? " — source shares with everyone are migrated" : " — source shares with everyone are not migrated (unsupported)"}`
    ],
    [
      "--allow-anyone",
      `${yesNo(o.allowAnyone)}${o.allowAnyone === true ? " — source shares with the public (anyone) are migrated" : " — source shares with the public (anyone) are not migrated (unsupported)"}`
    ],
    [
      "--on-expiry",
      `${esc(o.onExpiry ?? "fail")} — ${o.onExpiry === "drop" ? "an expiry the target cannot keep is dropped: the share is granted without its end date (widened)" : "a share whose expiry the target cannot keep is not granted (unsupported)"}`
    ],
    [
      "--create-missing",
      `${yesNo(o.createMissing)}${o.createType !== undefined ? ` (--create-type ${esc(o.createType)})` : ""}`
    ]
  ]

  const unresolvedLine =
    s.unresolved.principals === 0
      ? "none"
      : `<span class="attention">${plural(s.unresolved.principals, "principal")}, ${plural(s.unresolved.shares, "share")}</span>${
          s.unresolved.toFallback > 0 && fallback !== undefined
            ? `; ${plural(s.unresolved.toFallback, "share")} given to the fallback ${labelled(fallback)} instead`
            : ""
        }${
          s.unresolved.shares - s.unresolved.toFallback > 0
            ? `; ${plural(s.unresolved.shares - s.unresolved.toFallback, "share")} ${fallback !== undefined ? "not given to the fallback" : "with no grant"}`
            : ""
        }`

  const countRows = outcomes
    .map((k) => {
      const extra =
        k === "unresolved" && s.unresolved.toFallback > 0 ? ` (${s.unresolved.toFallback} given to the fallback)` : ""
      return `<tr data-count="${k}"><td>${k}${extra}</td><td class="n">${s.outcomes[k]}</td></tr>`
    })
    .join("")

  const signoff = `<section class="signoff" id="summary">
<h2>Summary for sign-off</h2>
<table class="facts">
<tr><th>Plan</th><td><code>${esc(plan.id)}</code>, ${esc(plan.sourceProvider)} → ${esc(plan.targetProvider)}</td></tr>
<tr><th>Plan digest (SHA-256)</th><td class="digest" id="plan-digest">${esc(plan.digest)}</td></tr>
<tr><th>Created</th><td><time id="created" datetime="${esc(plan.createdAt)}">${esc(plan.createdAt)}</time></td></tr>
${snapshot}
</table>
<h3>What the plan does</h3>
<table class="facts" id="totals">
<tr><th>Resources</th><td>${plural(s.resources, "resource")} planned, ${s.resourcesWritten} with writes${s.writes.creates > 0 ? ` (${s.writes.creates} to create)` : ""}</td></tr>
<tr><th>Writes</th><td>${s.writes.total}: ${s.writes.grants} grant, ${s.writes.updates} update, ${s.writes.revokes} revoke${s.writes.revokes > 0 ? ' <span class="attention">(revokes remove access on the target)</span>' : ""}</td></tr>
<tr><th>Problems</th><td>${s.problems === 0 ? "none" : `<span class="attention">${plural(s.problems, "resource")} not planned</span> (below)`}</td></tr>
<tr><th>Unresolved principals</th><td id="unresolved-summary">${unresolvedLine}</td></tr>
<tr><th>Unsupported principals</th><td id="unsupported-summary">${s.unsupported.principals === 0 ? "none" : `<span class="attention">${plural(s.unsupported.principals, "principal")}, ${plural(s.unsupported.shares, "share")}</span> the target cannot express`}</td></tr>
</table>
<div class="cols">
<div>
<h3>Options</h3>
<table class="facts" id="options">
${options.map(([flag, value]) => `<tr data-option="${flag.slice(2)}"><th><code>${flag}</code></th><td>${value}</td></tr>`).join("\n")}
</table>
</div>
<div>
<h3>Source shares by outcome</h3>
<table class="counts" id="outcomes">
<thead><tr><th>outcome</th><th>shares</th></tr></thead>
<tbody>${countRows}<tr data-count="total"><th>total</th><td class="n">${s.shares}</td></tr></tbody>
</table>
</div>
</div>
<p>Reviewed and approved for apply: plan <code>${esc(plan.id)}</code>, digest <code class="digest">${esc(plan.digest)}</code>.</p>
<table class="sign"><tr><td></td><td></td><td></td></tr><tr><th>Name</th><th>Signature</th><th>Date</th></tr></table>
</section>`

  // unresolved and unsupported principals, aggregated: one row per principal and outcome
  const principals = [...g.principals.values()].map((r) => ({
    ...r,
    principal: names.source(r.principal),
    gets: r.gets !== undefined ? names.target(r.gets) : undefined
  }))
  const principalSection = `<section id="principals">
<h2>Unresolved and unsupported principals</h2>
${
  principals.length === 0
    ? "<p>None: every principal has a target counterpart the target can express.</p>"
    : `<table id="principal-table"><thead><tr><th>principal</th><th>outcome</th><th>given to</th><th>shares</th><th>resources</th><th>note</th></tr></thead><tbody>
${principals
  .sort(
    (a, b) => b.shares - a.shares || (a.principal.id < b.principal.id ? -1 : a.principal.id > b.principal.id ? 1 : 0)
  )
  .map(
    (r) =>
      `<tr data-outcome="${r.outcome.startsWith("unresolved") ? "unresolved" : "unsupported"}"><td>${labelled(r.principal)}</td><td class="outcome">${esc(r.outcome)}</td><td>${labelled(r.gets)}</td><td class="n">${r.shares}</td><td class="n">${r.resources}</td><td class="note">${esc(r.note)}</td></tr>`
  )
  .join("\n")}
</tbody></table>`
}
</section>`

  const problemSection = `<section id="problems">
<h2>Problems</h2>
${
  plan.problems.length === 0
    ? "<p>None: every source resource was planned.</p>"
    : `<table id="problem-table"><thead><tr><th>source resource</th><th>problem</th></tr></thead><tbody>
${plan.problems.map((p) => `<tr><td>${labelled({ id: Notation.formatResource(p.source) })}</td><td>${esc(p.message)}</td></tr>`).join("\n")}
</tbody></table>`
}
</section>`

  const op = (o: Migration.Item["plan"]["operations"][number]) => {
    const who = labelled(names.target(o.grantee))
    switch (o._tag) {
      case "Grant":
        return `<li>grant <b>${esc(o.level)}</b> to ${who}</li>`
      case "Update":
        return `<li>update ${who} from <b>${esc(o.from)}</b> to <b>${esc(o.level)}</b></li>`
      case "Revoke":
        return `<li class="attention">revoke <b>${esc(o.level)}</b> from ${who}</li>`
    }
  }
  const writing = g.writing
  const writesLeft = g.written - writing.length
  const writeSection = `<section id="writes">
<h2>Writes per target resource</h2>
<p>${g.written} of ${plural(s.resources, "planned resource")} change; ${plural(s.writes.total, "write")} in all.</p>
${
  g.written === 0
    ? "<p>Nothing to write: every target already matches.</p>"
    : `<table id="write-table"><thead><tr><th>target resource</th><th>source resource</th><th>grant</th><th>update</th><th>revoke</th><th>unchanged</th><th>writes</th></tr></thead><tbody>
${writing
  .map((item) => {
    const p = Planner.summarize(item.plan)
    const create =
      item.create !== undefined
        ? `<li>create a new ${esc(item.target.provider)} resource named <b>${esc(item.create.name)}</b>${item.create.type !== undefined ? ` (type ${esc(item.create.type)})` : ""}</li>`
        : ""
    return `<tr><td>${labelled(targetOf(item))}</td><td>${labelled(sourceOf(item))}</td><td class="n">${p.grants}</td><td class="n">${p.updates}</td><td class="n">${p.revokes}</td><td class="n">${p.unchanged}</td><td><ul class="ops">${create}${item.plan.operations.map(op).join("")}</ul></td></tr>`
  })
  .join("\n")}
</tbody></table>${writesLeft > 0 ? `\n<p class="more" id="writes-more">… and ${plural(writesLeft, "more resource")} with writes, not shown here (the plan file has every one).</p>` : ""}`
}
</section>`

  const headers: ReadonlyArray<[string, string]> = [
    ["resource", "source resource"],
    ["target", "target resource"],
    ["principal", "principal"],
    ["level", "level"],
    ["targetPrincipal", "target principal"],
    ["targetLevel", "target level"],
    ["outcome", "outcome"],
    ["note", "note"]
  ]
  const optionCount = (k: Outcome) => g.byClass[k]
  const left = outcomes.flatMap((k) => {
    const n = s.outcomes[k] - g.kept[k]
    return n > 0 ? [`${n} more ${k}`] : []
  })
  const shareSection = `<section id="share-list">
<h2>${
    left.length === 0
      ? `Every source share (${all.length})`
      : `Source shares (${s.shares}; the first ${all.length} shown, at most ${g.limit} of each outcome)`
  }</h2>${
    left.length > 0
      ? `\n<p class="more" id="shares-more">… and ${left.join(", ")} share(s), not shown here (the plan file has every one).</p>`
      : ""
  }
<div class="filters" id="filters" hidden>
<label>Outcome <select id="outcome"><option value="">all</option>${outcomes.map((k) => `<option value="${k}">${k} (${optionCount(k)})</option>`).join("")}</select></label>
<label>Resource <input id="resource" type="search" placeholder="filter resources"></label>
<label>Principal <input id="principal" type="search" placeholder="filter principals"></label>
<span id="count">${all.length} of ${all.length} shares</span>
<span class="screen-only">(printing includes every row)</span>
</div>
<table id="shares">
<thead><tr>${headers.map(([key, label]) => `<th data-key="${key}" aria-sort="none">${esc(label)}</th>`).join("")}</tr></thead>
<tbody>
${all
  .map(
    (r) =>
      `<tr data-outcome="${r.classes.join(" ")}"><td class="resource">${labelled(r.resource)}</td><td class="target">${labelled(r.target)}</td><td class="principal">${labelled(r.principal)}</td><td class="level">${esc(r.level)}</td><td class="targetPrincipal">${labelled(r.targetPrincipal)}</td><td class="targetLevel">${esc(r.targetLevel)}</td><td class="outcome">${esc(r.outcome)}</td><td class="note">${esc(r.note)}</td></tr>`
  )
  .join("\n")}
</tbody>
</table>
</section>`

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src ${cspHash(script)}; style-src ${cspHash(style)}">
<title>${esc(title)}</title>
<style>${style}</style>
</head>
<body>
<h1>${esc(title)}</h1>
<p class="lead">${plural(s.shares, "source share")} on ${plural(s.resources, "resource")}; ${plural(s.writes.total, "write")}; ${s.problems === 0 ? "no problems" : plural(s.problems, "problem")}.</p>
${signoff}
${principalSection}
${problemSection}
${writeSection}
${shareSection}
<script>${script}</script>
</body>
</html>
`
}

/**
 * Renders the self-contained HTML report of a plan: every share and every resource with writes.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * import { HtmlReport } from "@unishare/cli"
 * const html = (plan: Migration.MigrationPlan) => HtmlReport.render(plan)
 * ```
 */
export const render = (plan: Migration.MigrationPlan): string => renderGathered(plan, gathered(plan))

/**
 * The report built as a plan's items go by (`builder`): `add` each item in the plan's order, then
 * `render` once the plan's head (digest and problems included) is known.
 *
 * @example
 * ```ts
 * import type { HtmlReport } from "@unishare/cli"
 * const done = (report: HtmlReport.Builder, head: HtmlReport.Head) => report.render(head)
 * ```
 */
export interface Builder {
  readonly add: (item: Migration.Item) => void
  readonly render: (plan: Head) => string
}

/**
 * The HTML report of a plan too large to hold (made as a stream, or opened from its file), built as
 * its items go by: the full sign-off summary and counts, every unresolved and unsupported principal,
 * every problem, and the first `rowsPerOutcome` shares of each outcome (default 1,000) and resources
 * with writes, with how many more the plan file has. Memory grows with the principals, never with
 * the shares. A plan with no more than that many of each is reported in full, as `render` does.
 * `plan` gives the options known before the items (the fallback's name is shown from them).
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * import { HtmlReport } from "@unishare/cli"
 * const html = (plan: Migration.MigrationPlan) => {
 *   const report = HtmlReport.builder(plan, { rowsPerOutcome: 100 })
 *   for (const item of plan.items) report.add(item)
 *   return report.render(plan)
 * }
 * ```
 */
export const builder = (
  plan: { readonly options: Pick<Migration.PlanOptions, "fallback"> },
  options: { readonly rowsPerOutcome?: number | undefined } = {}
): Builder => {
  const g = gather(plan.options, options.rowsPerOutcome ?? 1_000)
  return { add: g.add, render: (head) => renderGathered(head, g) }
}
