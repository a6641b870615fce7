/**
 * The HTML report's content without a browser (`report.browser.test.ts` opens it in Chromium): a
 * share given to the fallback is classed and counted "unresolved" whatever its level translation,
 * names are shown beside ids, every provider-controlled string is escaped, a plan written before
 * the snapshot was recorded still renders, and the CSP admits exactly the page's script and style.
 */
import { createHash } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { HtmlReport } from "@unishare/cli"
import { Migration } from "@unishare/migration"
import { Schema } from "effect"

const hostile = `<img src=x onerror="alert('x')">"'\u0007\u001b[31m\u202e&amp;`

const empty = { operations: [], unchanged: [], unmanaged: [], skipped: [], desired: [], warnings: [] }

/** Two resources: a fallback share (exact), a fallback share narrowed, one refused for the fallback, one unresolved with no fallback grant, one exact and one unsupported. */
const unsigned: Omit<Migration.MigrationPlan, "digest"> = {
  format: "unishare/migration-plan",
  version: 1,
  id: "0123456789abcdef",
  createdAt: "2026-03-01T10:00:00.000Z",
  snapshot: {
    provider: "smartsheet",
    exportedAt: "2026-03-01T09:59:00.000Z",
    digest: "a".repeat(64),
    resources: 2,
    shares: 6
  },
  sourceProvider: "smartsheet",
  targetProvider: "eci",
  options: {
    onLossy: "round-down",
    allowEveryone: false,
    includeInherited: false,
    mode: "mirror",
    fallback: { _tag: "User", id: "9", email: "it@example.com" }
  },
  items: [
    {
      source: { provider: "smartsheet", kind: "sheet", id: "1" },
      name: `Budget ${hostile}`,
      target: { provider: "eci", kind: "list", id: "42" },
      desired: [],
      plan: {
        ...empty,
        operations: [
          {
            _tag: "Grant",
            grantee: { _tag: "User", id: "9" },
            level: "viewer",
            requested: "viewer",
            fidelity: "exact"
          },
          { _tag: "Revoke", shareId: "s9", grantee: { _tag: "Group", id: "11", name: "Old team" }, level: "viewer" }
        ]
      },
      entries: [
        {
          sourceShareId: "a",
          source: { _tag: "User", id: "1001", email: "ghost@example.com" },
          sourceLevel: "viewer",
          target: { _tag: "User", id: "9", email: "it@example.com" },
          targetLevel: "viewer",
          outcome: "exact",
          via: "fallback",
          note: "unresolved (user ghost@example.com does not exist on eci): given to the fallback"
        },
        {
          sourceShareId: "b",
          source: { _tag: "Group", id: "2001", name: hostile },
          sourceLevel: "editor",
          target: { _tag: "User", id: "9" },
          targetLevel: "viewer",
          outcome: "narrowed",
          via: "fallback",
          note: `unresolved (no identity map entry): given to the fallback; ${hostile}`
        },
        {
          sourceShareId: "c",
          source: { _tag: "User", id: "1002", email: "ada@example.com" },
          sourceLevel: "viewer",
          target: { _tag: "User", id: "2", email: "ada@example.com" },
          targetLevel: "viewer",
          outcome: "exact",
          via: "auto"
        }
      ]
    },
    {
      source: { provider: "smartsheet", kind: "sheet", id: "2" },
      target: { provider: "eci", kind: "new", id: "1" },
      create: { name: `Roster ${hostile}` },
      desired: [],
      plan: empty,
      entries: [
        {
          sourceShareId: "d",
          source: { _tag: "User", id: "1001", email: "ghost@example.com" },
          sourceLevel: "editor",
          target: { _tag: "User", id: "9" },
          outcome: "unsupported",
          via: "fallback",
          note: "refused"
        },
        {
          sourceShareId: "e",
          source: { _tag: "Group", id: "2002", name: "Finance" },
          sourceLevel: "viewer",
          target: { _tag: "Group", id: "10" },
          outcome: "unsupported",
          via: "map",
          note: "groups are not supported here"
        }
      ]
    }
  ],
  problems: [{ source: { provider: "smartsheet", kind: "sheet", id: "3" }, message: `cannot read ${hostile}` }],
  summary: {
    resources: 2,
    problems: 1,
    shares: 5,
    exact: 2,
    narrowed: 1,
    widened: 0,
    unsupported: 2,
    unresolved: 0,
    skipped: 0,
    fallback: 3,
    operations: 2,
    grants: 1,
    updates: 0,
    revokes: 1
  }
}
const plan: Migration.MigrationPlan = { ...unsigned, digest: Migration.digestOf(unsigned) }

describe("HtmlReport", () => {
  it("classes every share given to the fallback as unresolved, and counts principals and shares", () => {
    const rows = HtmlReport.rows(plan)
    assert.deepStrictEqual(
      rows.map((r) => [r.outcome, r.classes]),
      [
        ["unresolved → fallback", ["unresolved", "exact"]],
        ["unresolved → fallback (narrowed)", ["unresolved", "narrowed"]],
        ["exact", ["exact"]],
        ["unresolved → fallback (unsupported: not granted)", ["unresolved", "unsupported"]],
        ["unsupported", ["unsupported"]]
      ]
    )
    const s = HtmlReport.summarize(plan)
    assert.deepStrictEqual(s.outcomes, { exact: 1, narrowed: 0, widened: 0, unsupported: 1, unresolved: 3, skipped: 0 })
    // ghost (twice) and the hostile group: two principals, three shares, two of them granted to the fallback
    assert.deepStrictEqual(s.unresolved, { principals: 2, shares: 3, toFallback: 2 })
    assert.deepStrictEqual(s.unsupported, { principals: 1, shares: 1 })
    assert.deepStrictEqual(s.writes, { total: 2, grants: 1, updates: 0, revokes: 1, creates: 1 })
  })

  it("shows names beside ids, from wherever the plan carries them", () => {
    const rows = HtmlReport.rows(plan)
    assert.deepStrictEqual(rows[0]?.principal, { id: "user:1001", name: "ghost@example.com" })
    // the second fallback entry names user 9 by id only: its email comes from the fallback option
    assert.deepStrictEqual(rows[1]?.targetPrincipal, { id: "user:9", name: "it@example.com" })
    assert.deepStrictEqual(rows[1]?.principal, { id: "group:2001", name: hostile })
    assert.deepStrictEqual(rows[0]?.resource, { id: "smartsheet:sheet:1", name: `Budget ${hostile}` })
    assert.deepStrictEqual(rows[3]?.target, { id: "new eci resource", name: `Roster ${hostile}` })
    const html = HtmlReport.render(plan)
    assert.include(html, '<span class="name">Old team</span> <span class="id">group:11</span>')
  })

  it("renders the sign-off summary: digest, time, snapshot, options, and every row in the HTML", () => {
    const html = HtmlReport.render(plan)
    assert.include(html, `<td class="digest" id="plan-digest">${plan.digest}</td>`)
    assert.include(html, `<td class="digest" id="snapshot-digest">${"a".repeat(64)}</td>`)
    assert.include(html, '<time id="created" datetime="2026-03-01T10:00:00.000Z">2026-03-01T10:00:00.000Z</time>')
    assert.include(html, "exported <time")
    for (const option of [
      "mode",
      "on-lossy",
      "include-inherited",
      "fallback",
      "allow-everyone",
      "allow-anyone",
      "on-expiry",
      "create-missing"
    ])
      assert.include(html, `<tr data-option="${option}">`)
    assert.include(html, "mirror — the target is made equal to the source")
    assert.include(html, '<tr data-outcome="unresolved exact">')
    assert.strictEqual(html.match(/<tr data-outcome="/g)?.length, 5 + 4) // 5 shares; 4 principal rows (ghost to the fallback, and refused for it; the group; Finance)
    assert.include(html, "revoke <b>viewer</b> from")
    assert.include(html, "create a new eci resource named <b>Roster")
    assert.include(html, '<div class="filters" id="filters" hidden>')
  })

  it("shows --allow-anyone and --on-expiry as the plan records them (defaults: no, fail)", () => {
    const option = (html: string, name: string) =>
      html.match(new RegExp(`<tr data-option="${name}"><th><code>--${name}</code></th><td>([^<]*)</td>`))?.[1]
    const defaults = HtmlReport.render(plan)
    assert.match(option(defaults, "allow-anyone") ?? "", /^no — .*not migrated/)
    assert.match(option(defaults, "on-expiry") ?? "", /^fail — .*not granted/)
    const opted = HtmlReport.render({ ...plan, options: { ...plan.options, allowAnyone: true, onExpiry: "drop" } })
    assert.match(option(opted, "allow-anyone") ?? "", /^yes — .*are migrated/)
    assert.match(option(opted, "on-expiry") ?? "", /^drop — .*without its end date/)
  })

  it("escapes every provider-controlled string and makes control characters visible", () => {
    const html = HtmlReport.render(plan)
    assert.notInclude(html, "<img")
    assert.notInclude(html, 'onerror="')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that none are left
    assert.notMatch(html, /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202e]/)
    assert.include(
      html,
      "&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&quot;&#39;\\x07\\x1b[31m\\u202e&amp;amp;"
    )
  })

  it("renders a plan written before the snapshot was recorded", () => {
    const { snapshot: _, ...rest } = unsigned
    const old = Schema.decodeUnknownSync(Migration.MigrationPlan)(
      JSON.parse(JSON.stringify({ ...rest, digest: Migration.digestOf(rest) }))
    )
    assert.strictEqual(old.snapshot, undefined)
    assert.strictEqual(Migration.digestOf(old), old.digest)
    const html = HtmlReport.render(old)
    assert.include(
      html,
      "not recorded: this plan was written by a version of unishare that did not record its snapshot"
    )
    assert.notInclude(html, 'id="snapshot-digest"')
  })

  it("admits exactly its own inline script and style by hash", () => {
    const html = HtmlReport.render(plan)
    const hash = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? ""
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? ""
    assert.include(html, `script-src ${hash(script)}; style-src ${hash(style)}"`)
    assert.notInclude(html, "unsafe-inline")
    assert.strictEqual(html.match(/<script/g)?.length, 1)
    assert.notInclude(html, " style=")
  })
})
