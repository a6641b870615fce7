import { assert, describe, it } from "@effect/vitest"
import { RateLimiter } from "@unishare/core"
import { VirtualTime } from "@unishare/core/testing"
import { Clock, Effect } from "effect"
import { RateLimiter as Persistence } from "effect/persistence"
import * as fc from "fast-check"

const freshStore = Effect.provide(Persistence.RateLimiterStore, Persistence.layerStoreMemory)

/** Send times (from the start) of `n` acquisitions started together, on the test clock, with a store of their own. */
const sendTimes = (
  limit: { requests: number; windowMillis: number },
  n: number,
  before: Effect.Effect<void> = Effect.void,
  shared?: RateLimiter.StoreShape
) =>
  Effect.gen(function* () {
    const store = shared ?? (yield* freshStore)
    const times: Array<number> = []
    const start = yield* Clock.currentTimeMillis
    yield* VirtualTime.run(
      Effect.gen(function* () {
        yield* before
        yield* Effect.forEach(
          Array.from({ length: n }),
          () =>
            RateLimiter.acquire("k", limit).pipe(
              Effect.andThen(Clock.currentTimeMillis),
              Effect.map((t) => times.push(t - start))
            ),
          { concurrency: "unbounded", discard: true }
        )
      }).pipe(Effect.provideService(RateLimiter.Store, store)),
      { stepMillis: Math.max(1, Math.floor(limit.windowMillis / 200)) }
    )
    return times.sort((a, b) => a - b)
  })

describe("RateLimiter", () => {
  it.effect("any window plus the margin holds at most the budget, and a long run uses at least 0.9 of it", () =>
    Effect.gen(function* () {
      for (const limit of [
        { requests: 60, windowMillis: 5_000 },
        { requests: 300, windowMillis: 60_000 },
        { requests: 7, windowMillis: 1_000 }
      ]) {
        const n = limit.requests * 4
        const times = yield* sendTimes(limit, n)
        const pace = RateLimiter.budgetOf(limit)
        assert.isAtMost(VirtualTime.busiestWindow(times, limit.windowMillis + pace.marginMillis), limit.requests)
        const span = (times.at(-1) ?? 0) - (times[0] ?? 0)
        if (limit.requests >= 60) assert.isAtLeast(n / ((span / limit.windowMillis) * limit.requests), 0.9)
      }
    })
  )

  it("the pace never lets a window plus margin hold more than the budget (any budget)", () =>
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 100, max: 600_000 }),
        (requests, windowMillis) => {
          const pace = RateLimiter.budgetOf({ requests, windowMillis })
          const perWindow = pace.burst + Math.ceil((windowMillis + pace.marginMillis) / pace.intervalMillis)
          return pace.burst >= 1 && (requests === 1 ? pace.burst === 1 : perWindow <= requests)
        }
      )
    ))

  it.effect("a 429 without Retry-After pauses a whole window and the margin; with one, that long", () =>
    Effect.gen(function* () {
      const limit = { requests: 60, windowMillis: 5_000 }
      const pace = RateLimiter.budgetOf(limit)
      const told = (feedback: RateLimiter.Feedback) =>
        RateLimiter.acquire("k", limit).pipe(Effect.andThen(RateLimiter.observe("k", limit, feedback)))
      const [second] = yield* sendTimes(limit, 1, told({ status: 429, headers: {} }))
      assert.isAtLeast(second ?? 0, limit.windowMillis + pace.marginMillis)
      const [next] = yield* sendTimes(limit, 1, told({ status: 429, headers: {}, retryAfterMillis: 1_000 }))
      assert.isAtLeast(next ?? 0, 1_000 + pace.marginMillis)
      assert.isBelow(next ?? 0, limit.windowMillis)
    })
  )

  it.effect("RateLimit headers: r=0 pauses until t; a low r drains the burst", () =>
    Effect.gen(function* () {
      const limit = { requests: 60, windowMillis: 5_000 }
      const header = (value: string) => RateLimiter.observe("k", limit, { status: 200, headers: { ratelimit: value } })
      const [paused] = yield* sendTimes(limit, 1, header('"default";r=0;t=3'))
      assert.isAtLeast(paused ?? 0, 3_000)
      // three at once normally; the provider says one remains: one at once, the others paced
      const drained = yield* sendTimes(limit, 3, header('"default";r=1;t=5'))
      assert.strictEqual(drained.filter((t) => t === drained[0]).length, 1)
      assert.deepStrictEqual(RateLimiter.parseRateLimitHeader('"default";r=50;t=30'), {
        remaining: 50,
        resetMillis: 30_000
      })
      assert.isUndefined(RateLimiter.parseRateLimitHeader("garbage"))
    })
  )

  it.effect("the budget lives in the provided store: the same store, one budget; another store, another", () =>
    Effect.gen(function* () {
      const limit = { requests: 20, windowMillis: 5_000 }
      const store = yield* freshStore
      const first = yield* sendTimes(limit, 1, Effect.void, store)
      const again = yield* sendTimes(limit, 1, Effect.void, store)
      const elsewhere = yield* sendTimes(limit, 1)
      assert.deepStrictEqual(first, [0])
      // the shared store remembers the token just used: the next waits one interval
      assert.isAtLeast(again[0] ?? 0, RateLimiter.budgetOf(limit).intervalMillis - 1)
      assert.deepStrictEqual(elsewhere, [0])
    })
  )
})
