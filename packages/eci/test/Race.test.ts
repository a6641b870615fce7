/**
 * Two provider instances (two backend pods: separate clients, separate lock tables) writing one
 * EnergyCAP list at the same time. Without a shared lock, every update that another writer
 * overwrote must surface as `Conflict` — never as success — which is checked against the
 * simulator's final state after every pair. With one lock service shared by both, nothing is lost
 * and nothing conflicts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Grantee, KeyedLock, type SharingProvider } from "@unishare/core"
import { Effect, Exit, Layer } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Eci from "../src/index.ts"
import { setup } from "./support.ts"

const list = Eci.list(42)
const pairs = 20

/**
 * A pod whose writes take `millis` longer to reach EnergyCAP (a slower link): its read and its write
 * straddle the other pod's whole read-modify-write, the interleaving that loses updates.
 */
const slowWrites = (millis: number) =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      HttpClient.mapRequestEffect(client, (request) =>
        request.method === "PUT" ? Effect.as(Effect.sleep(millis), request) : Effect.succeed(request)
      )
    )
  ).pipe(Layer.provide(FetchHttpClient.layer))

interface Tally {
  conflicts: number
  successes: number
  lostButReportedSuccess: number
  otherFailures: Array<string>
}

const race = (a: SharingProvider.Shape, b: SharingProvider.Shape, sim: { share: (id: number) => unknown }) =>
  Effect.gen(function* () {
    const tally: Tally = { conflicts: 0, successes: 0, lostButReportedSuccess: 0, otherFailures: [] }
    const users = () => new Set((sim.share(42) as { sharedUserIds: ReadonlyArray<number> }).sharedUserIds)
    const record = (exit: Exit.Exit<unknown, { readonly _tag: string }>, inEffect: boolean) => {
      if (Exit.isSuccess(exit)) {
        tally.successes++
        if (!inEffect) tally.lostButReportedSuccess++
        return
      }
      const error = Exit.findErrorOption(exit)
      if (error._tag === "Some" && error.value._tag === "Conflict") tally.conflicts++
      else tally.otherFailures.push(String(exit.cause))
    }
    for (let i = 0; i < pairs; i++) {
      // grant / grant: two different users at once
      const [x, y] = [1 + 2 * i, 2 + 2 * i]
      const [gx, gy] = yield* Effect.all(
        [
          Effect.exit(a.grant(list, { grantee: Grantee.user({ id: String(x) }), level: "viewer" })),
          Effect.exit(b.grant(list, { grantee: Grantee.user({ id: String(y) }), level: "viewer" }))
        ],
        { concurrency: 2 }
      )
      record(gx, users().has(x))
      record(gy, users().has(y))
      // grant / revoke: a new user, and the removal of one shared now
      const z = 300 + i
      const v = [...users()][0]!
      const [gz, rv] = yield* Effect.all(
        [
          Effect.exit(a.grant(list, { grantee: Grantee.user({ id: String(z) }), level: "viewer" })),
          Effect.exit(b.revoke(list, `user:${v}`))
        ],
        { concurrency: 2 }
      )
      record(gz, users().has(z))
      record(rv, !users().has(v))
    }
    return tally
  })

describe("EnergyCAP: two instances writing one list", () => {
  it.live(
    "without a shared lock every lost update is a Conflict, never a success",
    () =>
      Effect.gen(function* () {
        const { sim, config } = yield* setup()
        const delay = { recheckDelay: { minMillis: 250, maxMillis: 500 } }
        const podA = yield* Client.make(config)
        const podB = yield* Client.make(config).pipe(Effect.provide(slowWrites(60)))
        const a = Eci.Provider.fromClient(podA, KeyedLock.make(), delay)
        const b = Eci.Provider.fromClient(podB, KeyedLock.make(), delay)
        const tally = yield* race(a, b, sim)
        assert.deepStrictEqual(tally.otherFailures, [])
        assert.strictEqual(tally.lostButReportedSuccess, 0)
        // the pods really raced (otherwise this test proves nothing)
        assert.isAbove(tally.conflicts, 0)
        assert.strictEqual(tally.conflicts + tally.successes, pairs * 4)
      }).pipe(Effect.provide(FetchHttpClient.layer)),
    120_000
  )

  it.live(
    "with one lock shared by both instances: no conflict, no lost update",
    () =>
      Effect.gen(function* () {
        const { sim, config } = yield* setup()
        const shared = KeyedLock.make()
        const delay = { recheckDelay: { minMillis: 1, maxMillis: 5 } }
        const a = Eci.Provider.fromClient(yield* Client.make(config), shared, delay)
        const b = Eci.Provider.fromClient(
          yield* Client.make(config).pipe(Effect.provide(slowWrites(60))),
          shared,
          delay
        )
        const tally = yield* race(a, b, sim)
        assert.deepStrictEqual(tally.otherFailures, [])
        assert.strictEqual(tally.conflicts, 0)
        assert.strictEqual(tally.lostButReportedSuccess, 0)
        assert.strictEqual(tally.successes, pairs * 4)
      }).pipe(Effect.provide(FetchHttpClient.layer)),
    120_000
  )
})
