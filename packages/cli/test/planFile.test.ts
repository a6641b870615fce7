/**
 * `plan` streamed (`Workflow.planFile`): a snapshot file planned into a plan file without holding
 * the plan. A small plan prints, summarizes and reports exactly what the in-memory functions make of
 * the plan read back; a large one prints at most `rows` rows of each outcome (JSON fidelity, text
 * details, HTML shares and writes) with the rest counted, while the file has every item; and a
 * changed snapshot is refused before the target is asked anything, even with a `--fallback`.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Files, HtmlReport, Workflow } from "@unishare/cli"
import { type AccessLevel, Errors, Grantee, MemoryProvider, ShareStatus, type SharingProvider } from "@unishare/core"
import { FileFormat, IdentityMap, ResourceMap, type Snapshot } from "@unishare/migration"
import { Effect, Exit, Option, Stream } from "effect"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-planfile-"))
afterAll(() => Fs.rmSync(dir, { recursive: true, force: true }))
let n = 0
const fresh = (name: string) => Path.join(dir, `${n++}-${name}`)

const sheet = (id: string) => ({ provider: "smartsheet", kind: "sheet", id })
const list = (id: string) => ({ provider: "eci", kind: "list", id })

const share = (id: string, grantee: Grantee.Grantee, level: AccessLevel.AccessLevel): Snapshot.SnapshotShare => ({
  id,
  grantee,
  level,
  status: ShareStatus.active,
  inherited: false
})

/** Sheet `i`: an editor (narrowed to viewer on the target), a viewer (exact) and the unknown ghost (unresolved). */
const resourceAt = (i: number): Snapshot.SnapshotResource => ({
  resource: sheet(String(i)),
  name: `Sheet ${i}`,
  shares: [
    share(`${i}-a`, Grantee.user({ email: `editor${i % 7}@example.com` }), "editor"),
    share(`${i}-b`, Grantee.user({ email: `viewer${i % 5}@example.com` }), "viewer"),
    share(`${i}-c`, Grantee.user({ email: "ghost@example.com" }), "viewer")
  ]
})

/** An EnergyCAP-like target (one level: viewer) that knows every user but the ghost, counting what it is asked. */
const makeTarget = (count: number) => {
  const memory = MemoryProvider.make({
    name: "eci",
    resources: Array.from({ length: count }, (_, i) => list(String(i))),
    capabilities: { granteeKinds: ["User"], levels: ["viewer"], readOnlyLevels: [], updateLevel: false }
  })
  let asked = 0
  const target: SharingProvider.Shape = {
    ...memory,
    resolveGrantee: (g) =>
      Effect.sync(() => {
        asked++
        return g._tag === "User" && g.email === "ghost@example.com" ? Option.none() : Option.some(g)
      })
  }
  return { target, asked: () => asked + memory.control.reads() }
}

const writeSnapshot = (count: number) =>
  Effect.gen(function* () {
    const path = fresh("snapshot.json")
    yield* FileFormat.writeSnapshot(
      path,
      { provider: "smartsheet", exportedAt: "2026-03-01T09:00:00.000Z" },
      Stream.fromIterable(Array.from({ length: count }, (_, i) => resourceAt(i)))
    )
    return path
  })

const flags: Workflow.PlanFlags = {
  onLossy: "round-down",
  allowEveryone: false,
  includeInherited: false,
  mode: "merge"
}

const planOf = (count: number, options: { readonly rows?: number; readonly mapped?: number } = {}) =>
  Effect.gen(function* () {
    const snapshot = yield* Files.openSnapshot(yield* writeSnapshot(count), "--snapshot")
    const out = fresh("plan.json")
    const report = fresh("plan.html")
    const written = yield* Workflow.planFile(snapshot, makeTarget(count).target, {
      identities: IdentityMap.empty,
      resources: ResourceMap.fromEntries(
        Array.from({ length: options.mapped ?? count }, (_, i) => ({
          source: sheet(String(i)),
          target: list(String(i))
        }))
      ),
      flags,
      out,
      report,
      details: true,
      rows: options.rows
    })
    return { written, out, report }
  })

describe("Workflow.planFile", () => {
  it.effect("a small plan prints, summarizes and reports what the in-memory functions make of the file", () =>
    Effect.gen(function* () {
      // two sheets unmapped: problems too
      const { written, out, report } = yield* planOf(12, { mapped: 10 })
      const plan = yield* FileFormat.readPlan(out)
      assert.strictEqual(written.plan.digest, plan.digest)
      assert.strictEqual(written.plan.itemCount, 10)
      assert.strictEqual(written.plan.problems.length, 2)
      assert.deepStrictEqual(written.summary, Workflow.planSummary(plan, out, report))
      assert.isUndefined(written.summary.fidelityOmitted)
      assert.strictEqual(written.text, Workflow.renderPlanText(plan, { details: true }))
      assert.strictEqual(Fs.readFileSync(report, "utf8"), HtmlReport.render(plan))
    })
  )

  it.effect(
    "a large plan prints at most `rows` rows of each outcome and counts the rest; the file has every item",
    () =>
      Effect.gen(function* () {
        const count = 60
        const rows = 5
        const { written, out, report } = yield* planOf(count, { rows })
        const s = written.plan.summary
        assert.strictEqual(s.shares, 3 * count)
        assert.strictEqual(s.narrowed, count)
        assert.strictEqual(s.unresolved, count)
        // JSON: the first rows of each lossy outcome, the rest counted by outcome
        const byOutcome = (outcome: string) => written.summary.fidelity.filter((r) => r.outcome === outcome)
        assert.lengthOf(byOutcome("narrowed"), rows)
        assert.lengthOf(byOutcome("unresolved"), rows)
        assert.deepStrictEqual(
          byOutcome("narrowed").map((r) => r.source),
          ["0", "1", "2", "3", "4"].map((i) => `smartsheet:sheet:${i}`)
        )
        assert.deepStrictEqual(written.summary.fidelityOmitted, { narrowed: count - rows, unresolved: count - rows })
        // text: the per-share rows of each outcome capped, the rest counted
        assert.include(written.text, `… ${count - rows} more exact share(s) (all of them are in the plan file)`)
        assert.include(written.text, `… ${count - rows} more narrowed share(s)`)
        assert.include(written.text, `Writes per target resource (${count} of ${count} resources change):`)
        // HTML: the full counts, the first rows of each outcome and of the resources with writes
        const html = Fs.readFileSync(report, "utf8")
        assert.include(html, `<tr data-count="narrowed"><td>narrowed</td><td class="n">${count}</td></tr>`)
        assert.strictEqual(html.match(/<tr data-outcome="narrowed">/g)?.length, rows)
        assert.strictEqual(html.match(/<tr data-outcome="exact">/g)?.length, rows)
        assert.include(
          html,
          `… and ${count - rows} more exact, ${count - rows} more narrowed, ${count - rows} more unresolved share(s)`
        )
        assert.include(html, `… and ${count - rows} more resources with writes`)
        assert.include(html, `<td class="digest" id="plan-digest">${written.plan.digest}</td>`)
        // the file: every item, its digest checked
        const plan = yield* FileFormat.readPlan(out)
        assert.lengthOf(plan.items, count)
        assert.strictEqual(plan.digest, written.plan.digest)
        assert.lengthOf(Workflow.fidelityRows(plan), 2 * count)
      })
  )

  it.effect("a changed snapshot is refused before any request, even with a --fallback to resolve", () =>
    Effect.gen(function* () {
      const path = yield* writeSnapshot(4)
      const lines = Fs.readFileSync(path, "utf8").split("\n")
      lines[2] = lines[2]!.replace('"level":"editor"', '"level":"viewer"')
      Fs.writeFileSync(path, lines.join("\n"))
      const snapshot = yield* Files.openSnapshot(path, "--snapshot")
      const { target, asked } = makeTarget(4)
      const out = fresh("plan.json")
      const exit = yield* Effect.exit(
        Workflow.planFile(snapshot, target, {
          identities: IdentityMap.empty,
          resources: ResourceMap.fromEntries([{ source: sheet("0"), target: list("0") }]),
          flags: { ...flags, fallback: Grantee.user({ email: "editor1@example.com" }) },
          out
        })
      )
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined
      assert.instanceOf(error, Errors.InvalidInput)
      assert.strictEqual((error as Errors.InvalidInput).issues[0]?.path, "--snapshot: snapshot.digest")
      assert.strictEqual(asked(), 0)
      assert.isFalse(Fs.existsSync(out))
    })
  )
})
