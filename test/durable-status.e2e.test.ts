import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Simulator from "@unishare/eci/simulator"
import { describe, expect, it } from "vitest"
import { type Child, cli as run, running, start, statusJson as status, stopAll, until } from "./support/cli.ts"
import { freshDatabase } from "./support/database.ts"
import { apiKey, holdWrites, seedFor, tempDir, writePlan } from "./support/eciPlan.ts"

const LISTS = 30
const listIds = Array.from({ length: LISTS }, (_, i) => 2000 + i)
/** The list whose writes the simulator refuses (404): its unit fails. */
const refused = listIds[LISTS - 1] ?? 0
/** No provider credential: status needs none. */
const base = { PATH: process.env.PATH ?? "" }
const env = { ...base, ECI_API_KEY: apiKey }

/** Runs `unishare` with `args` (no provider credential unless `extraEnv` gives one). */
const cli = (args: ReadonlyArray<string>, extraEnv: Record<string, string> = {}) => run(args, { ...base, ...extraEnv })

const statusJson = (plan: string, database: string) => status(plan, database, base)

describe("unishare status (a durable run's progress from its store)", () => {
  it("watches a PostgreSQL run from another process: applied / failed / pending per resource, live and at the end", async () => {
    const database = await freshDatabase("status")
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("status")
    const children: Array<Child> = []
    try {
      const plan = await writePlan(sim, dir, listIds)
      // before any apply: not submitted, nothing applied
      const before = await statusJson(plan, database)
      expect(before).toMatchObject({ command: "status", submitted: false, complete: false, applied: 0 })

      // one list refuses writes (its unit fails)
      sim.inject({
        kind: "status",
        status: 404,
        method: "PUT",
        path: `/api/v3/list/${refused}/share`,
        times: Number.POSITIVE_INFINITY
      })
      // the first writes go through, the others are held: the run is in progress until released
      const writes = holdWrites(sim, { after: 3 })
      const child = start(
        ["apply", "--plan", plan, "--database", database, "--eci-url", sim.url, "--concurrency", "2", "--json"],
        env
      )
      children.push(child)

      // while the run goes on, another process sees it progress (poll until it has)
      let live: Awaited<ReturnType<typeof statusJson>> | undefined
      await until("a status showing the run in progress", async () => {
        if (!running(child)) return true
        const s = await statusJson(plan, database)
        if (s.submitted) {
          expect(s.units, JSON.stringify(s)).toBe(LISTS)
          expect(s.applied + s.failed + s.pending).toBe(LISTS)
        }
        if (s.submitted && s.applied > 0 && s.pending > 0) live = s
        return live !== undefined
      })
      expect(live, `no status showed the run in progress; apply said:\n${child.output()}`).toBeDefined()
      // what status reported applied was really written
      const writtenThen = listIds.filter((id) => (sim.share(id)?.sharedUserIds.length ?? 0) === 3).length
      expect(writtenThen).toBeGreaterThanOrEqual(live?.applied ?? Number.POSITIVE_INFINITY)
      writes.release()

      const { code } = await child.exited
      const output = child.output()
      expect(code, output).not.toBe(0) // one unit failed

      const after = await statusJson(plan, database)
      expect(after).toMatchObject({
        submitted: true,
        complete: false,
        units: LISTS,
        applied: LISTS - 1,
        failed: 1,
        pending: 0
      })
      expect(after.resources).toHaveLength(LISTS)
      const failedRow = after.resources.find((r) => r.failed > 0)
      expect(failedRow).toMatchObject({ resource: `eci:list:${refused}`, units: 1, applied: 0, failed: 1, pending: 0 })
      expect(failedRow?.failures[0]?.message).toMatch(/NotFound/)
      for (const r of after.resources.filter((r) => r.resource !== `eci:list:${refused}`)) {
        expect(r).toMatchObject({ units: 1, applied: 1, failed: 0, pending: 0 })
      }

      // the text form names the unfinished resource; UNISHARE_DATABASE_URL stands in for --database
      const text = await cli(["status", "--plan", plan], { UNISHARE_DATABASE_URL: database })
      expect(text.code).toBe(0)
      expect(text.stdout).toContain(`${LISTS - 1} of ${LISTS} unit(s) applied, 1 failed, 0 pending`)
      expect(text.stdout).toContain(`eci:list:${refused}: 0 applied, 1 failed, 0 pending`)

      // the next apply retries the failed unit only; then status says complete
      sim.clearFaults()
      sim.clearLog()
      const rerun = await cli(["apply", "--plan", plan, "--database", database, "--eci-url", sim.url, "--json"], {
        ECI_API_KEY: apiKey
      })
      expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0)
      expect(
        sim
          .log()
          .filter((e) => e.method === "PUT")
          .map((e) => e.path)
      ).toEqual([`/api/v3/list/${refused}/share`])
      const complete = await statusJson(plan, database)
      expect(complete).toMatchObject({ complete: true, applied: LISTS, failed: 0, pending: 0 })
    } finally {
      await stopAll(children)
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("the default SQLite store beside the plan: read after the run; a missing store is a clear error (exit 2)", async () => {
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("status")
    try {
      const plan = await writePlan(sim, dir, listIds)
      const store = plan.replace(/\.json$/, ".run.db")
      const missing = await cli(["status", "--plan", plan, "--json"])
      expect(missing.code).toBe(2)
      expect(missing.stdout).toContain(`no run store at ${store}`)
      expect(Fs.existsSync(store)).toBe(false)
      const named = await cli(["status", "--plan", plan, "--database", Path.join(dir, "other.db")])
      expect(named.code).toBe(2)
      expect(named.stderr + named.stdout).toContain("no run store at")

      // apply without --database runs durably in the default store beside the plan
      const applied = await cli(["apply", "--plan", plan, "--eci-url", sim.url, "--json"], { ECI_API_KEY: apiKey })
      expect(applied.code, applied.stdout + applied.stderr).toBe(0)
      expect(JSON.parse(applied.stdout).store).toBe(store)
      expect(Fs.existsSync(store)).toBe(true)
      sim.clearLog()
      const s = await statusJson(plan, store)
      expect(s).toMatchObject({ submitted: true, complete: true, units: LISTS, applied: LISTS, failed: 0, pending: 0 })
      // status reads the store only: the target is not contacted
      expect(sim.log()).toEqual([])
    } finally {
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
