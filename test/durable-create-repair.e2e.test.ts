/**
 * `unishare apply` with `--create-missing` and `--repair`, killed (SIGKILL) at the worst moment and
 * re-run: a create whose resource was made but not yet recorded is not made twice, a write that
 * failed after its create goes to the created list in the next round, and a crashed repair resumes
 * in its own generation without repeating the writes it finished.
 */
import * as Fs from "node:fs"
import * as Eci from "@unishare/eci"
import * as Simulator from "@unishare/eci/simulator"
import { Migration } from "@unishare/migration"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { describe, expect, it } from "vitest"
import { killWhen as kill, cli as run } from "./support/cli.ts"
import { apiKey, seedFor, tempDir, writeCreatePlan, writePlan } from "./support/eciPlan.ts"

const env = { PATH: process.env.PATH ?? "", ECI_API_KEY: apiKey }

const cli = (args: ReadonlyArray<string>) => run(args, env)

/** Starts `unishare args` and SIGKILLs it once `seen` holds (what it waits for keeps it running: a stall). */
const killWhen = (args: ReadonlyArray<string>, what: string, seen: () => boolean) => kill(args, env, what, seen)

const auditOf = async (plan: string) => {
  const run = await cli(["status", "--plan", plan, "--audit"])
  expect(run.code, run.stderr).toBe(0)
  return run.stdout
    .trim()
    .split("\n")
    .map(
      (l) =>
        JSON.parse(l) as {
          unit: string
          outcome: string
          generation: number
          created?: string
          process: string
          at: string
          operations: number
        }
    )
}

describe("unishare apply --create-missing, durable", () => {
  it("killed after a list was created and before it was recorded: the re-run adopts that list (not a look-alike), exactly one per source", async () => {
    const sources = [501, 502, 503]
    const sim = await Simulator.start({ seed: seedFor([]) })
    const dir = tempDir("create")
    try {
      const plan = await writeCreatePlan(sim, dir, sources)
      // look-alikes made by someone else on the target before the run: same names, descriptions made
      // of what anyone can know (the plan's digest, the unit); none of them may be adopted
      const { digest } = JSON.parse(Fs.readFileSync(plan, "utf8")) as { digest: string }
      const decoys = await Effect.runPromise(
        Effect.gen(function* () {
          const target = yield* Eci.make({ apiKey: Redacted.make(apiKey), baseUrl: sim.url })
          return yield* Effect.forEach(sources, (id) => {
            const unit = Migration.createKey({ provider: "source", kind: "sheet", id: String(id) })
            return Effect.map(
              target.createResource!({
                name: `sheet ${id}`,
                type: "1",
                description: `unishare ${digest.slice(0, 16)} ${unit}`
              }),
              (created) => Number(created.resource.id)
            )
          })
        }).pipe(Effect.provide(FetchHttpClient.layer))
      )
      const ours = () => sim.lists().filter((l) => !decoys.includes(l.listId))
      sim.clearLog()
      const posts = () => sim.log().filter((e) => e.method === "POST" && e.path === "/api/v3/list")
      // the second create is made by the simulator, which then answers half and stalls: the process is
      // killed while it waits for the answer, so the list exists and the store does not know it
      sim.inject({ kind: "stall", method: "POST", path: "/api/v3/list", after: 1, times: 1 })
      const args = ["apply", "--plan", plan, "--eci-url", sim.url, "--concurrency", "1", "--json"]
      await killWhen(args, "the second create", () => posts().length >= 2)
      expect(ours()).toHaveLength(2)

      const again = await cli(args)
      expect(again.code, again.stdout + again.stderr).toBe(0)
      const report = JSON.parse(again.stdout)
      expect(report).toMatchObject({ failed: 0, notRun: 0 })
      // exactly one list per source: the stalled create was adopted, not repeated
      const lists = ours()
      expect(lists.map((l) => l.name).sort()).toEqual(sources.map((id) => `sheet ${id}`))
      expect(posts()).toHaveLength(3)
      for (const l of lists) expect([...(sim.share(l.listId)?.sharedUserIds ?? [])].sort()).toEqual([11, 12, 13])
      // and nothing was granted on a look-alike
      for (const id of decoys) expect([...(sim.share(id)?.sharedUserIds ?? [])]).toEqual([])

      // the store knows every created list: status, the audit log and verify find them
      const status = JSON.parse((await cli(["status", "--plan", plan, "--json"])).stdout)
      expect(status).toMatchObject({ complete: true, failed: 0, pending: 0 })
      expect(status.resources.map((r: { created: string }) => r.created).sort()).toEqual(
        lists.map((l) => `eci:list:${l.listId}`).sort()
      )
      const creates = (await auditOf(plan)).filter((e) => e.unit.endsWith("|create"))
      expect(creates.map((e) => e.created).sort()).toEqual(lists.map((l) => `eci:list:${l.listId}`).sort())
      const verified = await cli(["verify", "--plan", plan, "--eci-url", sim.url, "--json"])
      expect(verified.code, verified.stdout).toBe(0)

      // a third run writes nothing
      sim.clearLog()
      const third = await cli(args)
      expect(JSON.parse(third.stdout)).toMatchObject({ applied: 0, alreadyApplied: 6, failed: 0 })
      expect(sim.log().filter((e) => e.method !== "GET")).toEqual([])
    } finally {
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("unishare apply --create-missing, a failed write after the create", () => {
  it("the next run (a new round) writes to the list the first run created, and creates nothing more", async () => {
    const sources = [601, 602]
    const sim = await Simulator.start({ seed: seedFor([]) })
    const dir = tempDir("create")
    try {
      const plan = await writeCreatePlan(sim, dir, sources)
      // the first list's share write is refused once: its create stands, its write fails
      sim.inject({ kind: "status", status: 400, method: "PUT", times: 1 })
      const args = ["apply", "--plan", plan, "--eci-url", sim.url, "--concurrency", "1", "--json"]
      const first = await cli(args)
      expect(first.code, first.stdout).toBe(6)
      expect(JSON.parse(first.stdout)).toMatchObject({ applied: 3, failed: 1 })
      const again = await cli(args)
      expect(again.code, again.stdout + again.stderr).toBe(0)
      expect(JSON.parse(again.stdout)).toMatchObject({ applied: 1, alreadyApplied: 3, failed: 0 })
      const lists = sim.lists()
      expect(lists).toHaveLength(2)
      for (const l of lists) expect([...(sim.share(l.listId)?.sharedUserIds ?? [])].sort()).toEqual([11, 12, 13])
      expect(sim.log().filter((e) => e.method === "POST")).toHaveLength(2)
      expect((await cli(["verify", "--plan", plan, "--eci-url", sim.url, "--json"])).code).toBe(0)
    } finally {
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("unishare apply --repair, durable", () => {
  it("a repair killed mid-way resumes in its own generation: finished writes are not repeated; the next repair is a new generation", async () => {
    const listIds = [701, 702, 703, 704]
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("repair")
    try {
      const plan = await writePlan(sim, dir, listIds)
      const args = ["apply", "--plan", plan, "--eci-url", sim.url, "--concurrency", "1", "--json"]
      expect((await cli(args)).code).toBe(0)
      // someone removes the shares of three lists
      for (const id of [701, 702, 703]) sim.setShare(id, { sharedUserIds: [] })
      const verified = await cli(["verify", "--plan", plan, "--eci-url", sim.url, "--json"])
      expect(verified.code).toBe(7)

      sim.clearLog()
      const puts = () => sim.log().filter((e) => e.method === "PUT")
      // the repair's second write stalls: the process is killed while it waits
      sim.inject({ kind: "stall", method: "PUT", after: 1, times: 1 })
      await killWhen([...args, "--repair"], "the second repair write", () => puts().length >= 2)
      const resumed = await cli([...args, "--repair"])
      expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0)
      expect(JSON.parse(resumed.stdout)).toMatchObject({ failed: 0 })
      for (const id of listIds) expect([...(sim.share(id)?.sharedUserIds ?? [])].sort()).toEqual([11, 12, 13])
      // each drifted list written once, but the one in flight at the kill (written again, the same);
      // the list that did not drift is not written
      const perList = new Map<string, number>()
      for (const p of puts()) perList.set(p.path, (perList.get(p.path) ?? 0) + 1)
      expect([...perList.keys()].sort()).toEqual([701, 702, 703].map((id) => `/api/v3/list/${id}/share`))
      expect([...perList.values()].reduce((n, c) => n + c, 0)).toBeLessThanOrEqual(4)
      expect(perList.get("/api/v3/list/701/share")).toBe(1)

      // one repair generation (the resumed one), finished, its units recorded
      const status = JSON.parse((await cli(["status", "--plan", plan, "--json"])).stdout)
      expect(status.repairs).toEqual([{ generation: 1, finished: true, applied: 3, failed: 0 }])
      const repairs = (await auditOf(plan)).filter((e) => e.generation === 1 && e.outcome === "applied")
      expect(repairs.map((e) => e.unit).sort()).toEqual([701, 702, 703].map((id) => `repair-1|eci:list:${id}|replace`))
      expect((await cli(["verify", "--plan", plan, "--eci-url", sim.url, "--json"])).code).toBe(0)

      // the next repair is a new generation: it reads every list again and writes nothing (no drift)
      sim.clearLog()
      const next = await cli([...args, "--repair"])
      expect(JSON.parse(next.stdout)).toMatchObject({ applied: 0, failed: 0 })
      expect(sim.log().filter((e) => e.method !== "GET")).toEqual([])
      expect(sim.log().filter((e) => e.method === "GET")).toHaveLength(listIds.length)
      const after = JSON.parse((await cli(["status", "--plan", plan, "--json"])).stdout)
      expect(after.repairs.map((g: { generation: number; finished: boolean }) => [g.generation, g.finished])).toEqual([
        [1, true],
        [2, true]
      ])
    } finally {
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
