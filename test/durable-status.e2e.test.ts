import { type ChildProcess, execFile, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Simulator from "@unishare/eci/simulator"
import { describe, expect, it } from "vitest"
import { freshDatabase } from "./support/database.ts"
import { apiKey, seedFor, writePlan } from "./support/eciPlan.ts"

/** The real `unishare` command. */
const bin = Path.resolve(import.meta.dirname, "../packages/cli/src/bin.ts")
const LISTS = 30
const listIds = Array.from({ length: LISTS }, (_, i) => 2000 + i)
/** The list whose writes the simulator refuses (404): its unit fails. */
const refused = listIds[LISTS - 1] ?? 0
const env = { PATH: process.env.PATH ?? "", ECI_API_KEY: apiKey }

interface Status {
  readonly command: string
  readonly submitted: boolean
  readonly complete: boolean
  readonly units: number
  readonly applied: number
  readonly failed: number
  readonly pending: number
  readonly resources: ReadonlyArray<{
    readonly resource: string
    readonly units: number
    readonly applied: number
    readonly failed: number
    readonly pending: number
    readonly failures: ReadonlyArray<{ readonly unit: string; readonly message: string }>
  }>
}

/** Runs `unishare` with `args` (no provider credential: status needs none), resolving code and output. */
const cli = (args: ReadonlyArray<string>, extraEnv: Record<string, string> = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [bin, ...args],
      { timeout: 120_000, env: { PATH: process.env.PATH ?? "", ...extraEnv } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr })
    )
  )

const statusJson = async (plan: string, database: string): Promise<Status> => {
  const { code, stdout, stderr } = await cli(["status", "--plan", plan, "--database", database, "--json"])
  if (code !== 0) throw new Error(`status exited ${code}: ${stdout}\n${stderr}`)
  return JSON.parse(stdout) as Status
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode)
    child.on("exit", (code) => resolve(code))
  })

describe("unishare status (a durable run's progress from its store)", () => {
  it("watches a PostgreSQL run from another process: applied / failed / pending per resource, live and at the end", async () => {
    const database = await freshDatabase("status")
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-status-"))
    try {
      const plan = await writePlan(sim, dir, listIds)
      // before any apply: not submitted, nothing applied
      const before = await statusJson(plan, database)
      expect(before).toMatchObject({ command: "status", submitted: false, complete: false, applied: 0 })

      // one list refuses writes (its unit fails); every write is slow, so the run takes a while
      sim.inject({
        kind: "status",
        status: 404,
        method: "PUT",
        path: `/api/v3/list/${refused}/share`,
        times: Number.POSITIVE_INFINITY
      })
      sim.inject({ kind: "delay", millis: 400, method: "PUT", times: Number.POSITIVE_INFINITY })
      const child = spawn(
        process.execPath,
        [bin, "apply", "--plan", plan, "--database", database, "--eci-url", sim.url, "--concurrency", "2", "--json"],
        { stdio: ["ignore", "pipe", "pipe"], env }
      )
      let output = ""
      child.stdout?.on("data", (d: Buffer) => {
        output += d.toString()
      })
      child.stderr?.on("data", (d: Buffer) => {
        output += d.toString()
      })
      const done = exited(child)

      // while the run goes on, another process sees it progress (poll until it has)
      let live: Status | undefined
      const deadline = Date.now() + 240_000
      while (child.exitCode === null && Date.now() < deadline) {
        const s = await statusJson(plan, database)
        if (s.submitted) {
          expect(s.units, JSON.stringify(s)).toBe(LISTS)
          expect(s.applied + s.failed + s.pending).toBe(LISTS)
        }
        if (s.submitted && s.applied > 0 && s.pending > 0) {
          live = s
          break
        }
      }
      expect(live, `no status showed the run in progress; apply said:\n${output}`).toBeDefined()
      // what status reported applied was really written
      const writtenThen = listIds.filter((id) => (sim.share(id)?.sharedUserIds.length ?? 0) === 3).length
      expect(writtenThen).toBeGreaterThanOrEqual(live?.applied ?? Number.POSITIVE_INFINITY)

      const code = await done
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
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 600_000)

  it("the default SQLite store beside the plan: read after the run; a missing store is a clear error (exit 2)", async () => {
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-status-"))
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
  }, 600_000)
})
