import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Simulator from "@unishare/eci/simulator"
import { describe, expect, it } from "vitest"
import { databaseUrl, runFixture } from "./support.ts"

interface RaceResult {
  readonly ok: number
  readonly errors: ReadonlyArray<{ readonly tag: string; readonly message: string }>
}

const users = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i)

const raceSimulator = () =>
  Simulator.start({
    seed: {
      users: [
        { userId: 1, userCode: "admin" },
        ...users(100, 40).map((userId) => ({ userId, userCode: `u${userId}` }))
      ],
      lists: [{ listId: 42, name: "Bills awaiting approval", kind: "bill", creatorId: 1 }],
      apiKeys: [{ key: "race-key", userId: 1, permissions: Simulator.allPermissions }]
    }
  })

const race = async (database: string | undefined) => {
  const sim = await raceSimulator()
  try {
    const input = (from: number) => ({
      url: sim.url,
      apiKey: "race-key",
      listId: 42,
      users: users(from, 20),
      rounds: 3,
      ...(database !== undefined ? { database } : {})
    })
    const results = await Promise.all([
      runFixture<RaceResult>("eci-race.ts", input(100)),
      runFixture<RaceResult>("eci-race.ts", input(120))
    ])
    const final = [...(sim.share(42)?.sharedUserIds ?? [])].sort((a, b) => a - b)
    const writes = sim.log().filter((e) => e.method === "PUT").length
    return { results, final, writes }
  } finally {
    await sim.close()
  }
}

describe("two processes writing one EnergyCAP list", () => {
  it("with the fleet's shared lock: every grant and revoke succeeds and none is lost", async () => {
    const { results, final, writes } = await race(databaseUrl())
    expect(results.flatMap((r) => r.errors)).toEqual([])
    // 40 users × (3 grant/revoke pairs + a final grant), every one applied
    expect(results.reduce((n, r) => n + r.ok, 0)).toBe(40 * 7)
    expect(writes).toBe(40 * 7)
    expect(final).toEqual(users(100, 40))
  }, 300_000)

  it("with only the in-process default lock, the same race collides (what the shared lock prevents)", async () => {
    const { results, final } = await race(undefined)
    const conflicts = results.flatMap((r) => r.errors).filter((e) => e.tag === "Conflict").length
    const lost =
      users(100, 40).filter((u) => !final.includes(u)).length + final.filter((u) => !users(100, 40).includes(u)).length
    expect(conflicts + lost).toBeGreaterThan(0)
  }, 300_000)
})

describe("two processes sharing one request budget", () => {
  it("60 requests / 5 s against a simulator enforcing it: no 429 and at least 90 % of the budget used", async () => {
    const limit = { requests: 60, windowMillis: 5_000 }
    const sim = await Simulator.start({
      seed: {
        users: [{ userId: 1, userCode: "admin" }],
        lists: [{ listId: 42, name: "Bills awaiting approval", kind: "bill", creatorId: 1 }],
        apiKeys: [{ key: "budget-key", userId: 1, permissions: Simulator.allPermissions }]
      },
      rateLimit: limit
    })
    // both processes wait for each other, then hammer the list for 12 s
    const barrier = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-budget-"))
    try {
      const input = {
        url: sim.url,
        apiKey: "budget-key",
        database: databaseUrl(),
        listId: 42,
        barrier,
        parties: 2,
        durationMs: 12_000,
        workers: 4,
        // the client allows 300 ms between its send and the simulator's count: two processes
        // racing on a loaded 2-core CI machine stall for longer than the 100 ms default margin
        rateLimit: { ...limit, marginMillis: 300 }
      }
      const results = await Promise.all([
        runFixture<{ ok: number; errors: ReadonlyArray<string> }>("budget.ts", input),
        runFixture<{ ok: number; errors: ReadonlyArray<string> }>("budget.ts", input)
      ])
      expect(results.flatMap((r) => r.errors)).toEqual([])
      const log = sim.log()
      expect(log.filter((e) => e.status === 429)).toEqual([])
      expect(results.every((r) => r.ok > 0)).toBe(true)
      const first = log[0]?.at ?? 0
      const last = log.at(-1)?.at ?? 0
      // the budget over the run: `requests` per window of its length
      const budget = (limit.requests * (last - first)) / limit.windowMillis
      const used = log.length / budget
      expect(log.length).toBeGreaterThan(100)
      expect(used).toBeGreaterThanOrEqual(0.9)
    } finally {
      await sim.close()
      Fs.rmSync(barrier, { recursive: true, force: true })
    }
  }, 300_000)
})
