import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Simulator from "@unishare/eci/simulator"
import { describe, expect, it } from "vitest"
import { type Child, cli as run, start as spawnCli, startRunner, stopAll } from "./support/cli.ts"
import { freshDatabase } from "./support/database.ts"
import { apiKey, seedFor, writePlan } from "./support/eciPlan.ts"

const LISTS = 30
const listIds = Array.from({ length: LISTS }, (_, i) => 3000 + i)
const env = { PATH: process.env.PATH ?? "", ECI_API_KEY: apiKey }

const cli = (args: ReadonlyArray<string>) => run(args, env)

interface Status {
  readonly complete: boolean
  readonly resources: ReadonlyArray<{
    readonly resource: string
    readonly appliedBy: ReadonlyArray<string>
    readonly running: ReadonlyArray<{ readonly unit: string; readonly process: string }>
  }>
}

const status = async (plan: string, database: string): Promise<Status> => {
  const { code, stdout, stderr } = await cli(["status", "--plan", plan, "--database", database, "--json"])
  if (code !== 0) throw new Error(`status exited ${code}: ${stdout}\n${stderr}`)
  return JSON.parse(stdout) as Status
}

describe("unishare runner + apply --submit (durable, many machines on one PostgreSQL)", () => {
  it("two runners and a submitter; one runner killed with SIGKILL mid-run: the other finishes, state equals the plan, verify exits 0", async () => {
    const database = await freshDatabase("runners")
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-runners-"))
    const children: Array<Child> = []
    try {
      const plan = await writePlan(sim, dir, listIds)
      // slow writes, so that the kill lands mid-run
      sim.inject({ kind: "delay", millis: 4000, method: "PUT", times: Number.POSITIVE_INFINITY })
      const runner = async () => {
        const { child, port, ready } = await startRunner(children, {
          database,
          eciUrl: sim.url,
          env,
          args: ["--shard-lock-expiration", "10"]
        })
        // the note on stderr names the same process as the JSON document on stdout
        const id = /ready \(process ([0-9a-f-]+)[;)]/.exec(child.stderr())?.[1]
        expect(id, child.output()).toBeDefined()
        expect(ready).toEqual({
          command: "runner",
          ok: true,
          ready: true,
          runnerAddress: `127.0.0.1:${port}`,
          process: id,
          target: "eci",
          shardsPerGroup: 32,
          shardLockExpirationSeconds: 10
        })
        return { ...child, id: id ?? "" }
      }
      const first = await runner()
      const second = await runner()
      const submitter = spawnCli(
        [
          "apply",
          "--plan",
          plan,
          "--database",
          database,
          "--submit",
          "--eci-url",
          sim.url,
          "--concurrency",
          "8",
          "--json"
        ],
        env
      )
      children.push(submitter)
      const puts = () => sim.log().filter((e) => e.method === "PUT").length
      // kill the first runner while it is writing: once the store shows a unit it started and did not finish
      let inFlight: ReadonlyArray<string> = []
      const deadline = Date.now() + 240_000
      while (inFlight.length === 0 && submitter.process.exitCode === null && Date.now() < deadline) {
        const now = await status(plan, database)
        inFlight = now.resources.flatMap((r) => r.running.filter((u) => u.process === first.id).map(() => r.resource))
      }
      expect(inFlight.length, submitter.output()).toBeGreaterThan(0)
      first.process.kill("SIGKILL")
      expect((await first.exited).signal).toBe("SIGKILL")
      // what it had in flight at the kill (it may have finished some between the read and the kill;
      // the other runner takes the rest over only after the 10 s shard-lock expiration)
      const atKill = await status(plan, database)
      inFlight = atKill.resources.flatMap((r) => r.running.filter((u) => u.process === first.id).map(() => r.resource))
      expect(inFlight.length, "the killed runner had no unit in flight at the kill").toBeGreaterThan(0)
      expect(puts()).toBeLessThan(LISTS)

      const ended = await submitter.exited
      expect(ended.code, submitter.output()).toBe(0)
      const report = JSON.parse(submitter.output().slice(submitter.output().indexOf("{"))) as {
        applied: number
        alreadyApplied: number
        failed: number
      }
      expect(report.failed).toBe(0)
      expect(report).toMatchObject({ applied: LISTS, alreadyApplied: 0 })
      // final state equals the plan (from the simulator)
      for (const id of listIds) expect([...(sim.share(id)?.sharedUserIds ?? [])].sort()).toEqual([11, 12, 13])
      // every list written; repeats only for units in flight on the killed runner
      const paths = new Set(
        sim
          .log()
          .filter((e) => e.method === "PUT")
          .map((e) => e.path)
      )
      expect(paths.size).toBe(LISTS)
      expect(puts()).toBeLessThanOrEqual(LISTS + 8)
      expect(second.process.exitCode).toBeNull()

      sim.clearFaults()
      const verified = await cli(["verify", "--plan", plan, "--eci-url", sim.url, "--json"])
      expect(verified.code, verified.stdout + verified.stderr).toBe(0)
      const after = await status(plan, database)
      expect(after).toMatchObject({ complete: true, applied: LISTS, failed: 0, pending: 0 })
      // the units the killed runner had in flight were finished by the other runner
      for (const resource of inFlight) {
        expect(after.resources.find((r) => r.resource === resource)?.appliedBy).toEqual([second.id])
      }
      for (const r of after.resources) expect([first.id, second.id]).toEqual(expect.arrayContaining([...r.appliedBy]))
    } finally {
      await stopAll(children)
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 600_000)
})

describe("unishare runner / apply --submit: bad input is refused before anything starts (exit 2)", () => {
  it("a SQLite store, a bad --runner-address, a bad --shard-lock-expiration, --submit without PostgreSQL", async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-runners-"))
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    try {
      const base = ["runner", "--target", "eci", "--eci-url", sim.url]
      const sqlite = await cli([...base, "--database", Path.join(dir, "x.db")])
      expect(sqlite.code).toBe(2)
      expect(sqlite.stderr + sqlite.stdout).toContain("PostgreSQL")
      const address = await cli([...base, "--database", "postgres://127.0.0.1:1/x", "--runner-address", "nohost"])
      expect(address.code).toBe(2)
      expect(address.stderr + address.stdout).toContain("host:port")
      const expiration = await cli([...base, "--database", "postgres://127.0.0.1:1/x", "--shard-lock-expiration", "0"])
      expect(expiration.code).toBe(2)
      const plan = await writePlan(sim, dir, listIds)
      sim.clearLog()
      const submit = await cli([
        "apply",
        "--plan",
        plan,
        "--database",
        Path.join(dir, "x.db"),
        "--submit",
        "--eci-url",
        sim.url
      ])
      expect(submit.code).toBe(2)
      expect(submit.stderr + submit.stdout).toContain("--submit")
      expect(Fs.existsSync(Path.join(dir, "x.db"))).toBe(false)
      expect(sim.log()).toEqual([])
    } finally {
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)
})
