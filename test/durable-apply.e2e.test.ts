import * as Fs from "node:fs"
import { DatabaseSync } from "node:sqlite"
import * as Simulator from "@unishare/eci/simulator"
import { describe, expect, it } from "vitest"
import { cli, killWhen } from "./support/cli.ts"
import { apiKey, seedFor, tempDir, writePlan as writeEciPlan } from "./support/eciPlan.ts"

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
const env = { PATH: process.env.PATH ?? "", ECI_API_KEY: apiKey }

const run = async (input: Input): Promise<Counts> => {
  const { code, stdout, stderr } = await cli(argsOf(input), env)
  if (code !== 0) throw new Error(`apply exited ${code}\n${stdout}\n${stderr}`)
  const { applied, alreadyApplied, failed, wouldApply } = JSON.parse(stdout) as Counts
  return { applied, alreadyApplied, failed, wouldApply }
}

const putsOf = (sim: Simulator.Simulator) => sim.log().filter((e) => e.method === "PUT").length

/**
 * Starts an apply and SIGKILLs it once the simulator has run `writes` PUTs in all: the writes after
 * those stall (each lands, its answer never comes), so the apply is still writing at the kill,
 * whatever the machine's speed.
 */
const killAfter = async (sim: Simulator.Simulator, input: Input, writes: number): Promise<void> => {
  sim.inject({ kind: "stall", method: "PUT", after: writes - putsOf(sim), times: Number.POSITIVE_INFINITY })
  try {
    await killWhen(argsOf(input), env, `${writes} writes`, () => putsOf(sim) >= writes)
  } finally {
    sim.clearFaults()
  }
}

describe("unishare apply (durable, embedded store beside the plan)", () => {
  it("SIGKILL at ~10 %, ~50 %, ~90 % and re-run: state equals the plan, no unit repeated beyond those in flight, a third run writes nothing", async () => {
    const sim = await Simulator.start({ seed })
    const dir = tempDir("durable")
    try {
      const plan = await writePlan(sim, dir)
      const concurrency = 4
      const input: Input = { url: sim.url, plan, concurrency }
      for (const fraction of [0.1, 0.5, 0.9]) await killAfter(sim, input, Math.round(LISTS * fraction))
      const putsBefore = putsOf(sim)
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
  })

  it("a second process on the same store is refused with a clear message, before any write", async () => {
    const sim = await Simulator.start({ seed })
    const dir = tempDir("durable")
    try {
      const plan = await writePlan(sim, dir)
      // another process holds the store (as a running apply does)
      const holder = new DatabaseSync(plan.replace(/\.json$/, ".run.db"))
      holder.exec("PRAGMA locking_mode = EXCLUSIVE")
      holder.exec("BEGIN EXCLUSIVE; COMMIT")
      sim.clearLog()
      const refused = await cli(argsOf({ url: sim.url, plan, concurrency: 4 }), env)
      holder.close()
      expect(refused.code).toBe(2)
      expect(refused.stdout).toMatch(/in use by another unishare process/)
      expect(sim.log().filter((e) => e.method !== "GET")).toEqual([])
    } finally {
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
