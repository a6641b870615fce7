/**
 * The shared lock when the holder's PostgreSQL session drops while its write is in flight (a
 * restart, a failover, `pg_terminate_backend`). Two EnergyCAP providers, each on its own pool
 * ("processes" A and B as far as PostgreSQL can tell), grant different users on one list. The
 * simulator holds A's PUT; A's sessions are terminated; B asks for the lock; then A's PUT is
 * released and lands. Before the lease, B took the lock the moment A's session dropped, read the list
 * without A's user, wrote, and A's late PUT replaced B's write: both reported success, B's grant was
 * gone. Now no run may end with a grant missing unless a writer reported a typed error.
 *
 * Two timings, 20 runs each: the PUT released before A's next renewal (heartbeat far away), and the
 * PUT held until A has renewed its lease twice on new connections (heartbeat shorter than the hold).
 * Everything waits for events (a held request, a contended lease, a renewal), never for time.
 */
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Errors, Grantee, KeyedLock } from "@unishare/core"
import * as Eci from "@unishare/eci"
import * as Simulator from "@unishare/eci/simulator"
import { SqlKeyedLock } from "@unishare/fleet"
import { Cause, type Duration, Effect, Exit, Fiber, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { SqlClient } from "effect/sql"
import { databaseUrl, until } from "./support.ts"

const runs = 20
const table = "unishare_locks_fencing"

/** A pool with its own application name: its sessions can be told apart and terminated. */
const pool = (applicationName: string) =>
  PgClient.layer({ url: Redacted.make(databaseUrl()), maxConnections: 2, applicationName })

interface Timing {
  readonly name: string
  readonly heartbeat: Duration.Input
  /** How many renewals of A's lease to wait for (on new sessions) before releasing its PUT. */
  readonly renewalsBeforeRelease: number
}

const timings: ReadonlyArray<Timing> = [
  { name: "PUT held shorter than the heartbeat", heartbeat: "1 hour", renewalsBeforeRelease: 0 },
  { name: "PUT held longer than the heartbeat (two renewals)", heartbeat: "100 millis", renewalsBeforeRelease: 2 }
]

/** The lease of the run's one key (its namespace is the run's own). */
const leaseOf = (sql: SqlClient.SqlClient, namespace: string) =>
  Effect.map(
    sql<{
      readonly until: string
      readonly contended: boolean
    }>`SELECT until::text AS until, contended_at IS NOT NULL AS contended FROM ${sql(table)} WHERE key LIKE ${`${namespace}:%`}`,
    (rows) => rows[0]
  )

const oneRun = (timing: Timing, run: number, sim: Simulator.Simulator, observer: SqlClient.SqlClient) =>
  Effect.gen(function* () {
    const listId = 100 + run
    const namespace = `fencing-${timing.renewalsBeforeRelease}-${run}-${Math.random().toString(36).slice(2)}`
    const options: SqlKeyedLock.Options = {
      namespace,
      table,
      heartbeat: timing.heartbeat,
      requestDeadline: "60 seconds",
      acquireTimeout: "10 minutes"
    }
    const provider = (app: string) =>
      Effect.gen(function* () {
        const lock = yield* SqlKeyedLock.make(options).pipe(Effect.provideContext(yield* Layer.build(pool(app))))
        return yield* Eci.make({
          apiKey: Redacted.make("fencing-key"),
          baseUrl: sim.url,
          timeoutMillis: 10 * 60_000
        }).pipe(Effect.provideService(KeyedLock.KeyedLock, lock))
      })
    const appA = `${namespace}-a`
    const a = yield* provider(appA)
    const b = yield* provider(`${namespace}-b`)

    let release = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    sim.inject({ kind: "hold", method: "PUT", path: `/api/v3/list/${listId}/share`, until: released })
    const grantA = yield* Effect.forkChild(
      Effect.exit(a.grant(Eci.list(listId), { grantee: Grantee.user({ id: "2" }), level: "viewer" }))
    )
    yield* until(
      "A's PUT to be held",
      Effect.sync(() => sim.held() === 1)
    )
    // A's sessions die while its PUT is in flight
    const before = yield* leaseOf(observer, namespace)
    yield* observer`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${appA}`
    const grantB = yield* Effect.forkChild(
      Effect.exit(b.grant(Eci.list(listId), { grantee: Grantee.user({ id: "3" }), level: "viewer" }))
    )
    // B asks for the lock (its lease is contended) or — what the lease prevents — has already written
    yield* until(
      "B to ask for the lock, or to finish",
      Effect.map(
        leaseOf(observer, namespace),
        (lease) => lease?.contended === true || grantB.pollUnsafe() !== undefined
      )
    )
    if (timing.renewalsBeforeRelease > 0) {
      // A renews its lease on new sessions: each renewal moves `until` on
      let seen = before?.until
      for (let i = 0; i < timing.renewalsBeforeRelease; i++) {
        yield* until(
          "A to renew its lease",
          Effect.map(leaseOf(observer, namespace), (lease) => lease !== undefined && lease.until !== seen)
        )
        seen = (yield* leaseOf(observer, namespace))?.until
      }
    }
    release()
    const exitA = yield* Fiber.join(grantA)
    const exitB = yield* Fiber.join(grantB)
    const final = new Set(sim.share(listId)?.sharedUserIds ?? [])
    return { exitA, exitB, hasA: final.has(2), hasB: final.has(3) }
  })

describe("the fleet lock when the holder's session drops during its write", () => {
  for (const timing of timings) {
    it.live(`${timing.name}: ${runs} runs, no lost update`, () =>
      Effect.gen(function* () {
        const sim = yield* Effect.acquireRelease(
          Effect.promise(() =>
            Simulator.start({
              seed: {
                users: [1, 2, 3].map((userId) => ({ userId, userCode: `u${userId}` })),
                lists: Array.from({ length: runs }, (_, i) => ({
                  listId: 100 + i,
                  name: `list ${i}`,
                  kind: "bill" as const,
                  creatorId: 1
                })),
                apiKeys: [{ key: "fencing-key", userId: 1, permissions: Simulator.allPermissions }]
              }
            })
          ),
          (s) => Effect.promise(() => s.close())
        )
        const observer = yield* SqlClient.SqlClient.pipe(
          Effect.provideContext(yield* Layer.build(pool("fencing-observer")))
        )
        const outcomes: Array<string> = []
        const violations: Array<string> = []
        for (let run = 0; run < runs; run++) {
          const { exitA, exitB, hasA, hasB } = yield* Effect.scoped(oneRun(timing, run, sim, observer))
          const judge = (who: string, exit: Exit.Exit<unknown, unknown>, has: boolean) => {
            if (Exit.isSuccess(exit)) {
              // a writer that reports success has its grant in the final state
              if (!has) violations.push(`run ${run}: ${who} reported success, its grant is gone (silent loss)`)
              return `${who} ok`
            }
            const error = Cause.squash(exit.cause)
            if (!Errors.isSharingError(error)) violations.push(`run ${run}: ${who} failed untyped: ${String(error)}`)
            // a writer whose grant landed may not say it did not
            else if (has && !("maybeApplied" in error && error.maybeApplied === true))
              violations.push(`run ${run}: ${who} failed with ${error._tag} without maybeApplied, yet its grant landed`)
            return `${who} failed${Errors.isSharingError(error) ? ` (${error._tag})` : ""}`
          }
          outcomes.push(
            `${judge("A", exitA, hasA)}, ${judge("B", exitB, hasB)}, final ${hasA ? "A" : ""}${hasB ? "B" : ""}`
          )
        }
        // with the lease, B waits for A: normally both writes succeed and both grants stay; on a
        // machine slow enough to miss heartbeats a writer may fail honestly (maybeApplied), never silently
        console.log(
          `${timing.name}: ${outcomes.filter((o) => o === "A ok, B ok, final AB").length} of ${runs} runs both ok\n${outcomes.join("\n")}`
        )
        assert.deepStrictEqual(violations, [])
      }).pipe(Effect.provide(FetchHttpClient.layer), Effect.scoped)
    )
  }
})
