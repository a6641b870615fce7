import { type ChildProcess, execFile, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { DatabaseSync } from "node:sqlite"
import * as Simulator from "@unishare/eci/simulator"
import { describe, expect, it } from "vitest"
import { seedFor, writePlan as writeEciPlan } from "./support/eciPlan.ts"

/** The real `unishare` command. */
const bin = Path.resolve(import.meta.dirname, "../packages/cli/src/bin.ts")
const LISTS = 60
const listIds = Array.from({ length: LISTS }, (_, i) => 1000 + i)

const seed = seedFor(listIds)
const writePlan = (sim: Simulator.Simulator, dir: string) => writeEciPlan(sim, dir, listIds)

interface Input {
  readonly url: string
  readonly plan: string
  readonly concurrency: number
  readonly dryRun?: boolean
}

interface Counts {
  readonly applied: number
  readonly alreadyApplied: number
  readonly failed: number
  readonly wouldApply: number
}

/** `unishare apply --plan … --json` against the simulator: durable in the default store, `<plan>.run.db`. */
const argsOf = (input: Input) => [
  bin,
  "apply",
  "--plan",
  input.plan,
  "--eci-url",
  input.url,
  "--concurrency",
  String(input.concurrency),
  "--json",
  ...(input.dryRun === true ? ["--dry-run"] : [])
]
const env = { PATH: process.env.PATH ?? "", ECI_API_KEY: "durable-key" }

const run = (input: Input): Promise<Counts> =>
  new Promise((resolve, reject) =>
    execFile(process.execPath, argsOf(input), { timeout: 240_000, env }, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`${error.message}\n${stdout}\n${stderr}`))
      const { applied, alreadyApplied, failed, wouldApply } = JSON.parse(stdout) as Counts
      resolve({ applied, alreadyApplied, failed, wouldApply })
    })
  )

/** Starts an apply and SIGKILLs it once the simulator has seen `writes` PUTs. */
const killAfter = (sim: Simulator.Simulator, input: Input, writes: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, argsOf(input), { stdio: ["ignore", "pipe", "pipe"], env })
    let stderr = ""
    child.stdout?.on("data", (d: Buffer) => {
      stderr += d.toString()
    })
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString()
    })
    const timer = setInterval(() => {
      if (sim.log().filter((e) => e.method === "PUT").length >= writes) {
        clearInterval(timer)
        child.kill("SIGKILL")
      }
    }, 5)
    child.on("exit", (_code, signal) => {
      clearInterval(timer)
      signal === "SIGKILL"
        ? resolve()
        : reject(new Error(`the apply ended before the kill at ${writes} writes: ${stderr}`))
    })
  })

describe("unishare apply (durable, embedded store beside the plan)", () => {
  it("SIGKILL at ~10 %, ~50 %, ~90 % and re-run: state equals the plan, no unit repeated beyond those in flight, a third run writes nothing", async () => {
    const sim = await Simulator.start({ seed })
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-durable-"))
    try {
      const plan = await writePlan(sim, dir)
      const concurrency = 4
      const input: Input = { url: sim.url, plan, concurrency }
      for (const fraction of [0.1, 0.5, 0.9]) await killAfter(sim, input, Math.round(LISTS * fraction))
      const putsBefore = sim.log().filter((e) => e.method === "PUT").length
      expect(putsBefore).toBeLessThan(LISTS + 3 * concurrency)
      const second = await run(input)
      expect(second.failed).toBe(0)
      expect(second.applied + second.alreadyApplied).toBe(LISTS)
      // final state equals the plan
      for (const id of listIds) expect([...(sim.share(id)?.sharedUserIds ?? [])].sort()).toEqual([11, 12, 13])
      // each list written once, except the units in flight at each kill (≤ concurrency per kill)
      const puts = sim.log().filter((e) => e.method === "PUT")
      const perList = new Map<string, number>()
      for (const p of puts) perList.set(p.path, (perList.get(p.path) ?? 0) + 1)
      expect(perList.size).toBe(LISTS)
      const repeated = [...perList.values()].reduce((n, c) => n + (c - 1), 0)
      // a repeated unit wrote the same share set again: nothing new
      for (const [path] of [...perList].filter(([, c]) => c > 1)) {
        const bodies = puts.filter((p) => p.path === path).map((p) => JSON.stringify(p.body))
        expect(new Set(bodies).size).toBe(1)
      }
      expect(repeated).toBeLessThanOrEqual(3 * concurrency)
      // a third run writes nothing and reads nothing
      sim.clearLog()
      const third = await run(input)
      expect(third).toEqual({ applied: 0, alreadyApplied: LISTS, failed: 0, wouldApply: 0 })
      expect(sim.log().filter((e) => e.method !== "GET")).toEqual([])
      // and a dry run says so too, without writing
      const dry = await run({ ...input, dryRun: true })
      expect(dry.alreadyApplied).toBe(LISTS)
      expect(sim.log().filter((e) => e.method !== "GET")).toEqual([])
    } finally {
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 600_000)

  it("a second process on the same store is refused with a clear message, before any write", async () => {
    const sim = await Simulator.start({ seed })
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-durable-"))
    try {
      const plan = await writePlan(sim, dir)
      // another process holds the store (as a running apply does)
      const holder = new DatabaseSync(plan.replace(/\.json$/, ".run.db"))
      holder.exec("PRAGMA locking_mode = EXCLUSIVE")
      holder.exec("BEGIN EXCLUSIVE; COMMIT")
      sim.clearLog()
      const refused = await new Promise<{ code: number | null; stdout: string }>((resolve) =>
        execFile(process.execPath, argsOf({ url: sim.url, plan, concurrency: 4 }), { env }, (error, stdout) =>
          resolve({ code: error === null ? 0 : (error.code as number), stdout })
        )
      )
      holder.close()
      expect(refused.code).toBe(2)
      expect(refused.stdout).toMatch(/in use by another unishare process/)
      expect(sim.log().filter((e) => e.method !== "GET")).toEqual([])
    } finally {
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)
})
