/**
 * `unishare apply --dry-run` past `Migration.dryRunListedUnits` units (the bundled bin against the
 * EnergyCAP simulator, a JSON Lines plan of ten lists more than that, one replace unit per list, two
 * of whose reads fail): the `--json` document and the text list the operations of the first units
 * only, in the plan's order, and say how many more there are; the counts are exact and every
 * failure is listed. Nothing is written.
 */
import * as Fs from "node:fs"
import * as Simulator from "@unishare/eci/simulator"
import { Migration } from "@unishare/migration"
import { describe, expect, it } from "vitest"
import { cli } from "./support/cli.ts"
import { applyArgs, env } from "./support/eciApply.ts"
import { seedFor, tempDir, writePlan } from "./support/eciPlan.ts"

const listed = Migration.dryRunListedUnits
const LISTS = listed + 10
const listIds = Array.from({ length: LISTS }, (_, i) => 20_000 + i)
/** Lists whose share read answers 404: one among the first units, one past them. */
const gone = [listIds[5]!, listIds[LISTS - 2]!]
const readable = listIds.filter((id) => !gone.includes(id))
const omitted = readable.length - listed

interface DryRunJson {
  readonly operations: ReadonlyArray<{ readonly resource: string; readonly operations: ReadonlyArray<unknown> }>
  readonly failures: ReadonlyArray<{ readonly resource: string; readonly error: { readonly _tag: string } }>
}

describe("unishare apply --dry-run past Migration.dryRunListedUnits units", () => {
  it("lists the first units' operations, counts the rest, keeps every failure and exact counts; writes nothing", async () => {
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("dry-run-listed")
    try {
      const plan = await writePlan(sim, dir, listIds, { jsonLines: true })
      for (const id of gone)
        sim.inject({
          kind: "status",
          status: 404,
          method: "GET",
          path: new RegExp(`^/api/v3/list/${id}/share$`),
          times: Number.POSITIVE_INFINITY
        })
      sim.clearLog()

      const json = await cli(applyArgs({ url: sim.url, plan, dryRun: true }), env)
      expect(json.code, json.stderr).toBe(4) // the two NotFound reads
      const d = JSON.parse(json.stdout) as DryRunJson
      expect(d).toMatchObject({
        command: "apply",
        ok: false,
        dryRun: true,
        units: LISTS,
        applied: 0,
        alreadyApplied: 0,
        wouldApply: readable.length,
        failed: 2,
        notRun: 0,
        writes: 0,
        operationsOmitted: omitted
      })
      expect(d.operations.map((o) => o.resource)).toEqual(readable.slice(0, listed).map((id) => `eci:list:${id}`))
      expect(d.operations.every((o) => o.operations.length === 3)).toBe(true)
      expect(d.failures.map((f) => [f.resource, f.error._tag])).toEqual(
        gone.map((id) => [`eci:list:${id}`, "NotFound"])
      )

      const text = await cli(["apply", "--plan", plan, "--eci-url", sim.url, "--dry-run"], env)
      expect(text.code, text.stderr).toBe(4)
      const lines = text.stdout.split("\n")
      expect(lines[0]).toMatch(
        new RegExp(
          `^Dry run of plan \\S+: ${3 * readable.length} write\\(s\\) on ${readable.length} resource\\(s\\) would be sent`
        )
      )
      expect(lines.filter((l) => /^ {2}eci:list:\d+:$/.test(l))).toEqual(
        readable.slice(0, listed).map((id) => `  eci:list:${id}:`)
      )
      expect(lines.filter((l) => l.startsWith("    Grant "))).toHaveLength(3 * listed)
      expect(lines).toContain(`  … and ${omitted} more unit(s) (see the plan file)`)
      expect(lines.filter((l) => l.startsWith("  failed "))).toHaveLength(2)

      // two dry runs: reads only, no run store
      expect(sim.log().filter((e) => e.method !== "GET")).toEqual([])
      expect(Fs.existsSync(plan.replace(/\.json$/, ".run.db"))).toBe(false)
    } finally {
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
