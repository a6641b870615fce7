/**
 * The plan as one self-contained HTML file (`plan --report plan.html`): every source share with its
 * outcome, sortable by any column (click its header) and filterable by outcome, resource and
 * principal. No network is needed to open it: the data, styles and script are inline. Hand-written
 * because it is one small page; a template or table library would have to be inlined anyway.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import type { Migration } from "@unishare/migration"
import * as Notation from "./Notation.ts"

/** A CSP source allowing exactly one inline element: the base64 SHA-256 of its text. */
const cspHash = (text: string): string => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`

/**
 * One row of the report.
 *
 * @example
 * ```ts
 * import type { HtmlReport } from "@unishare/cli"
 * const r: HtmlReport.Row = { resource: "smartsheet:sheet:1", target: "eci:list:42", principal: "user:ada@example.com",
 *   level: "editor", targetPrincipal: "user:2", targetLevel: "viewer", outcome: "narrowed", note: "" }
 * ```
 */
export interface Row {
  readonly resource: string
  readonly target: string
  readonly principal: string
  readonly level: string
  readonly targetPrincipal: string
  readonly targetLevel: string
  readonly outcome: string
  readonly note: string
}

/**
 * The report's rows: one per source share.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * import { HtmlReport } from "@unishare/cli"
 * const count = (plan: Migration.MigrationPlan) => HtmlReport.rows(plan).length
 * ```
 */
export const rows = (plan: Migration.MigrationPlan): ReadonlyArray<Row> =>
  plan.items.flatMap((item) =>
    item.entries.map((e) => ({
      resource: `${Notation.formatResource(item.source)}${item.name !== undefined ? ` (${item.name})` : ""}`,
      target: item.create !== undefined ? `new: ${item.create.name}` : Notation.formatResource(item.target),
      principal: Notation.formatGrantee(e.source),
      level: e.sourceLevel,
      targetPrincipal: e.target !== undefined ? Notation.formatGrantee(e.target) : "",
      targetLevel: e.targetLevel ?? "",
      outcome: e.via === "fallback" ? `${e.outcome} (fallback)` : e.outcome,
      note: e.note ?? ""
    }))
  )

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)

/** JSON safe inside a script element. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029")

const outcomes = ["exact", "narrowed", "widened", "unsupported", "unresolved", "skipped"] as const

const script = `
const data = JSON.parse(document.getElementById("data").textContent);
const body = document.querySelector("#shares tbody");
const columns = ["resource", "target", "principal", "level", "targetPrincipal", "targetLevel", "outcome", "note"];
let sortKey = "resource", sortUp = true;
for (const row of data) {
  const tr = document.createElement("tr");
  tr.dataset.outcome = row.outcome.split(" ")[0];
  for (const c of columns) {
    const td = document.createElement("td");
    td.textContent = row[c];
    td.className = c;
    tr.appendChild(td);
  }
  row.element = tr;
  body.appendChild(tr);
}
const outcome = document.getElementById("outcome");
const resource = document.getElementById("resource");
const principal = document.getElementById("principal");
const count = document.getElementById("count");
function apply() {
  const o = outcome.value, r = resource.value.trim().toLowerCase(), p = principal.value.trim().toLowerCase();
  let shown = 0;
  for (const row of data) {
    const visible = (o === "" || row.element.dataset.outcome === o)
      && (r === "" || (row.resource + " " + row.target).toLowerCase().includes(r))
      && (p === "" || (row.principal + " " + row.targetPrincipal).toLowerCase().includes(p));
    row.element.hidden = !visible;
    if (visible) shown++;
  }
  count.textContent = shown + " of " + data.length + " shares";
}
function sort(key) {
  sortUp = key === sortKey ? !sortUp : true;
  sortKey = key;
  const sorted = data.slice().sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0) * (sortUp ? 1 : -1));
  for (const row of sorted) body.appendChild(row.element);
  for (const th of document.querySelectorAll("th")) th.setAttribute("aria-sort", th.dataset.key === key ? (sortUp ? "ascending" : "descending") : "none");
}
for (const th of document.querySelectorAll("th")) th.addEventListener("click", () => sort(th.dataset.key));
for (const input of [outcome, resource, principal]) input.addEventListener("input", apply);
apply();
`

const style = `
body { font: 14px system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.3rem; } .summary span { margin-right: 1rem; }
.filters { margin: 1rem 0; display: flex; gap: 1rem; flex-wrap: wrap; align-items: center; }
table { border-collapse: collapse; width: 100%; } th, td { border-bottom: 1px solid #ddd; padding: 4px 6px; text-align: left; vertical-align: top; }
th { cursor: pointer; background: #f4f4f4; position: sticky; top: 0; } th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
tr[data-outcome="unresolved"] .outcome, tr[data-outcome="unsupported"] .outcome { color: #b00020; font-weight: 600; }
tr[data-outcome="widened"] .outcome { color: #b36b00; font-weight: 600; } td.note { color: #555; }
`

/**
 * Renders the self-contained HTML report of a plan.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * import { HtmlReport } from "@unishare/cli"
 * const html = (plan: Migration.MigrationPlan) => HtmlReport.render(plan)
 * ```
 */
export const render = (plan: Migration.MigrationPlan): string => {
  const s = plan.summary
  const title = `Migration plan ${plan.id}: ${plan.sourceProvider} → ${plan.targetProvider}`
  const headers: ReadonlyArray<[keyof Row, string]> = [
    ["resource", "source resource"],
    ["target", "target resource"],
    ["principal", "principal"],
    ["level", "level"],
    ["targetPrincipal", "target principal"],
    ["targetLevel", "target level"],
    ["outcome", "outcome"],
    ["note", "note"]
  ]
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src ${cspHash(script)}; style-src ${cspHash(style)}">
<title>${escapeHtml(title)}</title>
<style>${style}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="summary">${outcomes.map((o) => `<span>${o}: <b>${s[o]}</b></span>`).join("")}<span>problems: <b>${s.problems}</b></span><span>writes: <b>${s.operations}</b></span></p>
${plan.problems.length > 0 ? `<ul class="problems">${plan.problems.map((p) => `<li>${escapeHtml(`${Notation.formatResource(p.source)}: ${p.message}`)}</li>`).join("")}</ul>` : ""}
<div class="filters">
<label>Outcome <select id="outcome"><option value="">all</option>${outcomes.map((o) => `<option value="${o}">${o}</option>`).join("")}</select></label>
<label>Resource <input id="resource" type="search" placeholder="filter resources"></label>
<label>Principal <input id="principal" type="search" placeholder="filter principals"></label>
<span id="count"></span>
</div>
<table id="shares">
<thead><tr>${headers.map(([key, label]) => `<th data-key="${key}" aria-sort="none">${escapeHtml(label)}</th>`).join("")}</tr></thead>
<tbody></tbody>
</table>
<script type="application/json" id="data">${scriptJson(rows(plan))}</script>
<script>${script}</script>
</body>
</html>
`
}
