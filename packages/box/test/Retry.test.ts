/**
 * Retries on the virtual clock (`VirtualTime.run`: time moves only while no request is in flight,
 * and the simulator stamps its log with the same clock): a 429 is retried after exactly the
 * `retry-after` Box sent, by core `HttpApi`'s policy; the simulator's own rate limit answers 429
 * with `retry-after` too, and the client waits it out.
 */
import { assert, describe, it } from "@effect/vitest"
import { VirtualTime } from "@unishare/core/testing"
import { type Clock, Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Simulator from "../src/Simulator.ts"
import { ids, setup } from "./support.ts"

/** The test clock, read synchronously (the simulator's `now`). */
const testNow = Effect.map(
  Effect.clockWith(Effect.succeed),
  (clock: Clock.Clock) => () => clock.currentTimeMillisUnsafe()
)

describe("retries on the virtual clock", () => {
  it.effect("a 429 with retry-after: 30 is retried 30 s later, not sooner (a write too)", () =>
    Effect.gen(function* () {
      const now = yield* testNow
      const { sim, client } = yield* setup({
        simulator: { now },
        // no margin on the client's own budget, so the wait is Box's advice exactly
        client: { rateLimit: { requests: 1000, windowMillis: 60_000, marginMillis: 0 } }
      })
      const limited = {
        kind: "status",
        status: 429,
        body: Simulator.errorBody(429, "rate_limit_exceeded", "Request rate limit exceeded"),
        headers: { "retry-after": "30" }
      } as const
      sim.inject(limited)
      const start = now()
      const got = yield* VirtualTime.run(client.getCollaboration(ids.graceCoOwner), { stepMillis: 1_000 })
      assert.strictEqual(got.id, ids.graceCoOwner)
      assert.deepStrictEqual(
        sim.log().map((r) => [r.status, r.at - start]),
        [
          [429, 0],
          [200, 30_000]
        ]
      )
      // a POST answered 429 was not processed: it is sent again, after the advice
      sim.clearLog()
      sim.inject(limited)
      const postStart = now()
      yield* VirtualTime.run(
        client.createCollaboration({
          item: { type: "folder", id: ids.contracts },
          accessible_by: { type: "user", id: ids.grace },
          role: "viewer"
        }),
        { stepMillis: 1_000 }
      )
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.status, r.at - postStart]),
        [
          ["POST", 429, 0],
          ["POST", 201, 30_000]
        ]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("retries run out: RateLimited with Box's advice", () =>
    Effect.gen(function* () {
      const now = yield* testNow
      const { sim, client } = yield* setup({
        simulator: { now },
        client: { retry: { times: 2, baseMillis: 1, maxMillis: 2 } }
      })
      sim.inject({
        kind: "status",
        status: 429,
        body: Simulator.errorBody(429, "rate_limit_exceeded", "Request rate limit exceeded"),
        headers: { "retry-after": "5" },
        times: Infinity
      })
      const error = yield* Effect.flip(
        VirtualTime.run(client.getCollaboration(ids.graceCoOwner), { stepMillis: 1_000 })
      )
      assert.isTrue(error._tag === "RateLimited" && error.retryAfterMillis === 5_000)
      assert.strictEqual(sim.log().length, 3)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("the simulator's rate limit (1,000 per minute per user; here 2): 429 with retry-after, waited out", () =>
    Effect.gen(function* () {
      const now = yield* testNow
      const { sim, client } = yield* setup({
        simulator: { now, rateLimit: { requests: 2, windowMillis: 60_000 } },
        client: { rateLimit: { requests: 1000, windowMillis: 60_000, marginMillis: 0 } }
      })
      const start = now()
      yield* VirtualTime.run(
        Effect.forEach([1, 2, 3], () => client.getCollaboration(ids.graceCoOwner)),
        { stepMillis: 1_000 }
      )
      assert.deepStrictEqual(
        sim.log().map((r) => [r.status, r.at - start]),
        [
          [200, 0],
          [200, 0],
          [429, 0],
          [200, 60_000]
        ]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
