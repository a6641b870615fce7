import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Simulator from "@unishare/eci/simulator"
import { describe, expect, it } from "vitest"
import {
  type Child,
  cli as run,
  running,
  start as spawnCli,
  startRunner,
  statusJson,
  stopAll,
  until
} from "./support/cli.ts"
import { freshDatabase } from "./support/database.ts"
import { apiKey, holdWrites, seedFor, tempDir, writePlan } from "./support/eciPlan.ts"

const LISTS = 30
const listIds = Array.from({ length: LISTS }, (_, i) => 3000 + i)
const env = { PATH: process.env.PATH ?? "", ECI_API_KEY: apiKey }

const cli = (args: ReadonlyArray<string>) => run(args, env)

const status = (plan: string, database: string) => statusJson(plan, database, env)

describe("unishare runner + apply --submit (durable, many machines on one PostgreSQL)", () => {
  it("two runners and a submitter sharing a secret (TLS); one runner killed with SIGKILL mid-run: the other finishes, state equals the plan, verify exits 0; the submitter reports counts and the runner gone on stderr, stdout is one JSON document", async () => {
    const database = await freshDatabase("runners")
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("runners")
    const children: Array<Child> = []
    try {
      const plan = await writePlan(sim, dir, listIds)
      // the runners read the secret from a file, the submitter from the environment
      const secret = Crypto.randomBytes(32).toString("hex")
      const secretFile = Path.join(dir, "runner.secret")
      Fs.writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 })
      // every write is held: a unit a runner started stays in flight until the kill
      const writes = holdWrites(sim)
      const runner = async () => {
        const { child, port, ready } = await startRunner(children, {
          database,
          eciUrl: sim.url,
          env,
          // the shortest the command accepts: the other runner takes the killed one's work over after it
          args: ["--shard-lock-expiration", "2", "--secret-file", secretFile]
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
          shardLockExpirationSeconds: 2,
          authenticated: true,
          maxConnections: 256
        })
        expect(child.stderr()).toContain("peers authenticated with the runner secret (TLS)")
        return { ...child, id: id ?? "", port }
      }
      const runners = [await runner(), await runner()]
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
          "--progress-interval",
          "1",
          "--json"
        ],
        { ...env, UNISHARE_RUNNER_SECRET: secret }
      )
      children.push(submitter)
      const puts = () => sim.log().filter((e) => e.method === "PUT").length
      // kill a runner while it is writing: once the store shows units it started (none can finish)
      const runningOn = (now: Awaited<ReturnType<typeof status>>, id: string) =>
        now.resources.flatMap((r) => r.running.filter((u) => u.process === id).map(() => r.resource))
      let inFlight: ReadonlyArray<string> = []
      let killed = runners[0]!
      await until("a runner to start units", async () => {
        if (!running(submitter)) return true
        const now = await status(plan, database)
        const busy = runners.find((r) => runningOn(now, r.id).length > 0)
        if (busy !== undefined) {
          killed = busy
          inFlight = runningOn(now, busy.id)
        }
        return busy !== undefined
      })
      expect(inFlight.length, submitter.output()).toBeGreaterThan(0)
      const survivor = runners.find((r) => r !== killed)!
      // without a terminal, the submitter reports the run's counts on stderr while it follows
      await until(
        "the submitter to report counts",
        () =>
          /apply --submit: 0 of 30 unit\(s\) applied, 0 failed, 30 pending/.test(submitter.stderr()) ||
          !running(submitter)
      )
      expect(submitter.stderr()).toMatch(/apply --submit: 0 of 30 unit\(s\) applied, 0 failed, 30 pending/)
      killed.process.kill("SIGKILL")
      expect((await killed.exited).signal).toBe("SIGKILL")
      // and says when the killed runner's registration has expired
      const gone = `runner 127.0.0.1:${killed.port} is gone`
      await until(
        "the submitter to say the killed runner is gone",
        () => submitter.stderr().includes(gone) || !running(submitter)
      )
      expect(submitter.stderr()).toContain(gone)
      expect(submitter.stderr()).toContain(`Live runners: 127.0.0.1:${survivor.port}`)
      // nothing was written yet: the units it had in flight are taken over by the other runner once
      // its shard locks expire
      expect(puts()).toBe(0)
      writes.release()

      const ended = await submitter.exited
      expect(ended.code, submitter.output()).toBe(0)
      // stdout is the JSON report alone; the progress went to stderr
      const report = JSON.parse(submitter.stdout()) as {
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
      expect(running(survivor)).toBe(true)

      sim.clearFaults()
      const verified = await cli(["verify", "--plan", plan, "--eci-url", sim.url, "--json"])
      expect(verified.code, verified.stdout + verified.stderr).toBe(0)
      const after = await status(plan, database)
      expect(after).toMatchObject({ complete: true, applied: LISTS, failed: 0, pending: 0 })
      // the units the killed runner had in flight were finished by the other runner
      for (const resource of inFlight) {
        expect(after.resources.find((r) => r.resource === resource)?.appliedBy).toEqual([survivor.id])
      }
      for (const r of after.resources)
        expect(runners.map((x) => x.id)).toEqual(expect.arrayContaining([...r.appliedBy]))
    } finally {
      await stopAll(children)
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("unishare runner / apply --submit: bad input is refused before anything starts (exit 2)", () => {
  it("a SQLite store, a bad --runner-address, a bad --shard-lock-expiration, --submit without PostgreSQL", async () => {
    const dir = tempDir("runners")
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    try {
      const base = ["runner", "--target", "eci", "--eci-url", sim.url]
      const plan = await writePlan(sim, dir, listIds)
      sim.clearLog()
      // independent runs, each refused before it connects: run together
      const [sqlite, address, expiration, submit] = await Promise.all([
        cli([...base, "--database", Path.join(dir, "x.db")]),
        cli([...base, "--database", "postgres://127.0.0.1:1/x", "--runner-address", "nohost"]),
        cli([...base, "--database", "postgres://127.0.0.1:1/x", "--shard-lock-expiration", "0"]),
        cli(["apply", "--plan", plan, "--database", Path.join(dir, "x.db"), "--submit", "--eci-url", sim.url])
      ])
      expect(sqlite.code).toBe(2)
      expect(sqlite.stderr + sqlite.stdout).toContain("PostgreSQL")
      expect(address.code).toBe(2)
      expect(address.stderr + address.stdout).toContain("host:port")
      expect(expiration.code).toBe(2)
      expect(submit.code).toBe(2)
      expect(submit.stderr + submit.stdout).toContain("--submit")
      expect(Fs.existsSync(Path.join(dir, "x.db"))).toBe(false)
      expect(sim.log()).toEqual([])
    } finally {
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
