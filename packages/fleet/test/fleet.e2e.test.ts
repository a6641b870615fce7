/**
 * The fleet layer across real processes: two child processes on one PostgreSQL database write one
 * EnergyCAP list, or share one request budget. Nothing here waits for time or depends on the
 * machine's speed: the race is forced (the simulator holds the first write until the other process
 * has either queued for the shared lock or finished), and the budget is checked on the send times
 * it handed out, not on how fast the processes managed to send.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { RateLimiter } from "@unishare/core"
import { VirtualTime } from "@unishare/core/testing"
import * as Simulator from "@unishare/eci/simulator"
import { Effect, Fiber, Layer } from "effect"
import { freshDatabase } from "../../../test/support/database.ts"
import { innerHangGuardMillis } from "../../../test/support/hangGuard.ts"
import { contendedLocks, pg, runFixture, until } from "./support.ts"

interface RaceResult {
  readonly ok: number
  readonly errors: ReadonlyArray<{ readonly tag: string; readonly message: string }>
}

const users = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i)
const perProcess = 2
const rounds = 1
/** Writes per process: per user, `rounds` grant / revoke pairs and a final grant. */
const writesPerProcess = perProcess * (2 * rounds + 1)

/**
 * Two processes, users 100… and 120…, write list 42. The simulator holds the first PUT to arrive
 * (process "first"), before it is applied, until the other process ("second") is either waiting
 * for the shared lock in PostgreSQL or has finished all its writes. Without a lock shared between
 * the processes it finishes: it read the list after "first" did, and the held PUT, sent from that
 * older read, then replaces everything "second" wrote.
 */
const race = (database: string | undefined) =>
  Effect.gen(function* () {
    const sim = yield* Effect.promise(() =>
      Simulator.start({
        seed: {
          users: [
            { userId: 1, userCode: "admin" },
            ...[...users(100, perProcess), ...users(120, perProcess)].map((userId) => ({
              userId,
              userCode: `u${userId}`
            }))
          ],
          lists: [{ listId: 42, name: "Bills awaiting approval", kind: "bill", creatorId: 1 }],
          apiKeys: [{ key: "race-key", userId: 1, permissions: Simulator.allPermissions }]
        }
      })
    )
    yield* Effect.addFinalizer(() => Effect.promise(() => sim.close()))
    let release = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    sim.inject({ kind: "hold", method: "PUT", until: released })
    const run = (from: number) =>
      Effect.forkChild(
        Effect.promise(() =>
          runFixture<RaceResult>("eci-race.ts", {
            url: sim.url,
            apiKey: "race-key",
            listId: 42,
            users: users(from, perProcess),
            rounds,
            // the held PUT waits for the other process, however long that takes to start
            timeoutMillis: innerHangGuardMillis,
            ...(database !== undefined ? { database } : {})
          })
        )
      )
    const processes = [
      { from: 100, fiber: yield* run(100) },
      { from: 120, fiber: yield* run(120) }
    ]
    const finished = () => processes.filter((p) => p.fiber.pollUnsafe() !== undefined).map((p) => p.from)
    const waiting =
      database === undefined
        ? Effect.succeed(0)
        : Effect.provideContext(contendedLocks(), yield* Layer.build(pg(1, database)))
    yield* until(
      "the first PUT to be held and the other process to queue for the lock or to finish",
      Effect.map(waiting, (n) => sim.held() === 1 && (n > 0 || finished().length > 0))
    )
    const finishedWhileHeld = finished()
    release()
    const results = yield* Fiber.joinAll(processes.map((p) => p.fiber))
    return {
      results,
      finishedWhileHeld,
      final: [...(sim.share(42)?.sharedUserIds ?? [])].sort((a, b) => a - b),
      writes: sim.log().filter((e) => e.method === "PUT").length
    }
  })

describe("two processes writing one EnergyCAP list", () => {
  it.live("with the fleet's shared lock: the second process waits; every grant and revoke succeeds, none is lost", () =>
    Effect.gen(function* () {
      const { results, finishedWhileHeld, final, writes } = yield* race(
        yield* Effect.promise(() => freshDatabase("fleet_race"))
      )
      // the other process queued for the lock held by the process whose write was held
      assert.deepStrictEqual(finishedWhileHeld, [])
      assert.deepStrictEqual(
        results.flatMap((r) => r.errors),
        []
      )
      assert.strictEqual(
        results.reduce((n, r) => n + r.ok, 0),
        2 * writesPerProcess
      )
      assert.strictEqual(writes, 2 * writesPerProcess)
      assert.deepStrictEqual(final, [...users(100, perProcess), ...users(120, perProcess)])
    }).pipe(Effect.scoped)
  )

  it.live(
    "with only the in-process default lock, the same race loses the second process's writes (what the shared lock prevents)",
    () =>
      Effect.gen(function* () {
        const { results, finishedWhileHeld, final } = yield* race(undefined)
        // the second process did not wait: it wrote, and every write of it was reported a success …
        assert.strictEqual(finishedWhileHeld.length, 1)
        assert.deepStrictEqual(
          results.flatMap((r) => r.errors),
          []
        )
        assert.strictEqual(
          results.reduce((n, r) => n + r.ok, 0),
          2 * writesPerProcess
        )
        // … and the held PUT, computed before them, replaced them all: only the first's users remain
        const first = finishedWhileHeld[0] === 100 ? 120 : 100
        assert.deepStrictEqual(final, users(first, perProcess))
      }).pipe(Effect.scoped)
  )
})

describe("two processes sharing one request budget", () => {
  it.live("the fleet's budget: the send times both processes got never exceed the budget in any window", () =>
    Effect.gen(function* () {
      const limit = { requests: 10, windowMillis: 2_000 }
      const perProcessRequests = 10
      const sim = yield* Effect.promise(() =>
        Simulator.start({
          seed: {
            users: [{ userId: 1, userCode: "admin" }],
            lists: [{ listId: 42, name: "Bills awaiting approval", kind: "bill", creatorId: 1 }],
            apiKeys: [{ key: "budget-key", userId: 1, permissions: Simulator.allPermissions }]
          }
        })
      )
      yield* Effect.addFinalizer(() => Effect.promise(() => sim.close()))
      const barrier = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-budget-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(barrier, { recursive: true, force: true })))
      const input = {
        url: sim.url,
        apiKey: "budget-key",
        database: yield* Effect.promise(() => freshDatabase("fleet_budget")),
        listId: 42,
        barrier,
        parties: 2,
        requests: perProcessRequests,
        workers: 4,
        timeoutMillis: innerHangGuardMillis,
        rateLimit: limit
      }
      type Result = { ok: number; errors: ReadonlyArray<string>; reservations: ReadonlyArray<number> }
      const results = yield* Effect.promise(() =>
        Promise.all([runFixture<Result>("budget.ts", input), runFixture<Result>("budget.ts", input)])
      )
      assert.deepStrictEqual(
        results.flatMap((r) => r.errors),
        []
      )
      assert.deepStrictEqual(
        results.map((r) => [r.ok, r.reservations.length]),
        [
          [perProcessRequests, perProcessRequests],
          [perProcessRequests, perProcessRequests]
        ]
      )
      assert.strictEqual(sim.log().filter((e) => e.status === 200).length, 2 * perProcessRequests)
      // together they asked for twice the budget: reserved from one budget, at most `requests` of
      // their send times fall in any window plus margin (two budgets would allow twice that). Both
      // processes read one clock (this machine's), so this holds however slowly they ran; how much
      // of the budget a run uses, and arrival-time 429s, are checked on the virtual clock
      // (sql.test.ts, core's RateLimiter tests).
      const sent = results.flatMap((r) => r.reservations)
      assert.isAtMost(VirtualTime.busiestWindow(sent, RateLimiter.paceOf(limit).spanMillis), limit.requests)
    }).pipe(Effect.scoped)
  )
})
