/**
 * Crash safety of `unishare apply` at 100,000 shares: 5,000 EnergyCAP lists, each shared with 20 of
 * 5,000 users (one full-replace `PUT …/share` per list: 5,000 units). For each of 10 %, 50 % and
 * 90 %, the bundled CLI's apply (`--concurrency 32`, `--json`) is SIGKILLed once the simulator has
 * received that fraction of the 5,000 PUTs — the later PUTs stall (each lands, its answer never
 * comes), so the process is still writing at the kill — then run again to its end, then a third
 * time. Asserted per percentage:
 *
 * 1. the final state equals the plan: every list's shares in the simulator are the plan's desired
 *    grants, and `unishare verify --json` exits 0 with no drift;
 * 2. only the units in flight at the kill were repeated: across the killed run and its re-run, at
 *    most `2 × concurrency` lists were PUT more than once (units started but not recorded at the
 *    kill), each of them had a PUT in the killed run, and a repeat wrote what the first write did;
 * 3. a third apply sends no PUT (no write of any kind) and reports every unit already applied.
 *
 * One fresh simulator and run store per percentage (the same plan file, made once against the same
 * seed, copied beside each store), not one run killed three times: each case is then exactly the
 * claim — an apply of the whole plan killed at that point and re-run to its end — and the PUTs of
 * the killed run and of its re-run are told apart without attributing a repeat to one of several
 * kills. The runs are judged only from outside the engine (the CLI's exit and JSON output, the
 * simulator's log and state, `verify`), never from the run store's tables.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Simulator from "@unishare/eci/simulator"
import { FileFormat, type Migration } from "@unishare/migration"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { applyJson, killAfterWrites, verifyJson } from "./support/eciApply.ts"
import { type Sharing, seedFor, tempDir, userIdsOf, writePlan } from "./support/eciPlan.ts"

const LISTS = 5_000
const sharing: Sharing = { usersPerList: 20, users: 5_000 }
const listIds = Array.from({ length: LISTS }, (_, i) => 100_000 + i)
const seed = seedFor(listIds, sharing)
/** Lists in flight at once; the default re-read pause after each PUT overlaps across them. */
const concurrency = 32
/**
 * Units started but not recorded at the kill: the `concurrency` in flight, and as many finished
 * whose record had not reached the store yet.
 */
const inFlightBound = 2 * concurrency

/** The plan's desired users per list id, read from the plan file (ascending ids). */
const desiredOf = (plan: Migration.MigrationPlan): ReadonlyMap<number, ReadonlyArray<number>> =>
  new Map(
    plan.items.map((item) => [
      Number(item.target.id),
      item.desired
        .map(({ grantee }) => (grantee._tag === "User" && grantee.id !== undefined ? Number(grantee.id) : Number.NaN))
        .sort((a, b) => a - b)
    ])
  )

const sharedUsers = (sim: Simulator.Simulator, listId: number) => {
  const state = sim.share(listId)
  return state === undefined
    ? undefined
    : {
        everyone: state.sharedWithEveryone,
        groups: [...state.sharedUserGroupIds],
        users: [...state.sharedUserIds].sort((a, b) => a - b)
      }
}

/** PUTs per list path in `log`. */
const putsPerList = (log: ReadonlyArray<{ readonly method: string; readonly path: string }>) => {
  const counts = new Map<string, number>()
  for (const request of log) if (request.method === "PUT") counts.set(request.path, (counts.get(request.path) ?? 0) + 1)
  return counts
}

describe(`unishare apply of ${LISTS * sharing.usersPerList} shares (${LISTS} lists × ${sharing.usersPerList} users), SIGKILLed and re-run`, () => {
  let planDir = ""
  let planFile = ""
  let desired: ReadonlyMap<number, ReadonlyArray<number>> = new Map()

  beforeAll(async () => {
    planDir = tempDir("crash-100k-plan")
    const sim = await Simulator.start({ seed })
    try {
      planFile = await writePlan(sim, planDir, listIds, { sharing, jsonLines: true })
    } finally {
      await sim.close()
    }
    desired = desiredOf(await Effect.runPromise(FileFormat.readPlan(planFile)))
    // the plan asks for exactly the seeded sharing, one unit per list
    expect(desired.size).toBe(LISTS)
    for (const [index, id] of listIds.entries()) expect(desired.get(id)).toEqual(userIdsOf(sharing, index))
  })

  afterAll(() => Fs.rmSync(planDir, { recursive: true, force: true }))

  it.each([{ percent: 10 }, { percent: 50 }, { percent: 90 }])(
    "killed at $percent % of the PUTs: the re-run ends with the plan's state and repeats only the units in flight; a third run writes nothing",
    async ({ percent }) => {
      const sim = await Simulator.start({ seed })
      const dir = tempDir("crash-100k")
      try {
        const plan = Path.join(dir, "plan.json")
        Fs.copyFileSync(planFile, plan)
        const input = { url: sim.url, plan, concurrency }

        const writes = (LISTS * percent) / 100
        await killAfterWrites(sim, input, writes)
        const killedLog = sim.log()
        sim.clearLog()
        const killed = putsPerList(killedLog)
        // the kill came at that fraction, the apply still writing (killAfterWrites rejects otherwise)
        expect([...killed.values()].reduce((n, c) => n + c, 0)).toBeGreaterThanOrEqual(writes)
        expect(killed.size).toBeLessThan(LISTS)

        const second = await applyJson(input)
        const rerunLog = sim.log()
        expect(second).toMatchObject({ ok: true, units: LISTS, failed: 0, notRun: 0 })
        expect(second.applied + second.alreadyApplied).toBe(LISTS)

        // (1) final state equals the plan, read from the simulator, and verify agrees
        for (const id of listIds) {
          expect(sharedUsers(sim, id), `list ${id}`).toEqual({ everyone: false, groups: [], users: desired.get(id) })
        }
        const verified = await verifyJson(input)
        expect(verified.code).toBe(0)
        expect(verified.summary).toMatchObject({ ok: true, resources: LISTS, matching: LISTS, drift: [] })

        // (2) only the units in flight at the kill were repeated, each writing the same share set again
        const both = putsPerList([...killedLog, ...rerunLog])
        expect(both.size).toBe(LISTS)
        const repeated = [...both].filter(([, count]) => count > 1).map(([path]) => path)
        expect(repeated.length).toBeLessThanOrEqual(inFlightBound)
        for (const path of repeated) {
          expect(killed.has(path), `${path} repeated without a PUT in the killed run`).toBe(true)
          const bodies = [...killedLog, ...rerunLog].filter((r) => r.method === "PUT" && r.path === path)
          expect(new Set(bodies.map((r) => JSON.stringify(r.body))).size, `${path} written differently`).toBe(1)
        }

        // (3) a third run writes nothing and reports every unit already applied
        sim.clearLog()
        const third = await applyJson(input)
        expect(third).toEqual({
          ok: true,
          units: LISTS,
          applied: 0,
          alreadyApplied: LISTS,
          wouldApply: 0,
          failed: 0,
          notRun: 0
        })
        expect(sim.log().filter((r) => r.method !== "GET")).toEqual([])
      } finally {
        await sim.close()
        Fs.rmSync(dir, { recursive: true, force: true })
      }
    }
  )
})
