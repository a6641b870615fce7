import { assert, describe, it } from "@effect/vitest"
import { HttpApi, RateLimiter, SimulatorKit } from "@unishare/core"
import { VirtualTime } from "@unishare/core/testing"
import { Clock, Effect, Fiber, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientResponse } from "effect/http"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"

/** Send times (from the start) of `n` acquisitions started together, on the test clock. */
const sendTimes = (
  limit: { requests: number; windowMillis: number },
  n: number,
  before: Effect.Effect<void, RateLimiter.StoreUnavailable> = Effect.void,
  store: RateLimiter.BudgetStore = RateLimiter.memoryStore(),
  stepMillis = 1
) =>
  Effect.gen(function* () {
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
      { stepMillis }
    )
    return times.sort((a, b) => a - b)
  })

describe("RateLimiter", () => {
  it("reserve: whatever the call times, no span of window + margin holds more than the budget", () =>
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 100, max: 10_000 }),
        fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 1, maxLength: 300 }),
        (requests, windowMillis, gaps) => {
          const pace = RateLimiter.paceOf({ requests, windowMillis })
          let state: RateLimiter.State | undefined
          let now = 0
          const sent: Array<number> = []
          for (const gap of gaps) {
            now += gap
            const [at, next] = RateLimiter.reserve(state, pace, now)
            if (at < now) return false
            sent.push(at)
            state = next
          }
          return VirtualTime.busiestWindow(sent, pace.spanMillis) <= requests
        }
      )
    ))

  it("settle: requests sent one after another, each arriving anywhere up to its answer: no window of the provider's holds more than the budget (counted by arrival)", () => {
    /** Arrival times of a sequential run; `settled` applies `settleState` after each answer. */
    const arrivals = (
      requests: number,
      windowMillis: number,
      steps: ReadonlyArray<{ readonly delay: number; readonly gap: number }>,
      settled: boolean
    ) => {
      const pace = RateLimiter.paceOf({ requests, windowMillis })
      let state: RateLimiter.State | undefined
      let now = 0
      const arrived: Array<number> = []
      for (const { delay, gap } of steps) {
        const [at, next] = RateLimiter.reserve(state, pace, now)
        // sent at `at` (or later: a stall), arrives `delay` after it, answered 1 ms after arriving
        const arrival = at + delay
        arrived.push(arrival)
        state = settled ? RateLimiter.settleState(next, pace, at, arrival + 1) : next
        now = arrival + 1 + gap
      }
      return arrived
    }
    const step = fc.record({ delay: fc.integer({ min: 0, max: 2_000 }), gap: fc.integer({ min: 0, max: 50 }) })
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 500, max: 5_000 }),
        fc.array(step, { minLength: 1, maxLength: 200 }),
        (requests, windowMillis, steps) =>
          VirtualTime.busiestWindow(arrivals(requests, windowMillis, steps, true), windowMillis) <= requests
      )
    )
    // without settling, one slow request in a budget of 2 / 1 s already puts three in a window
    const slowFirst = [
      { delay: 900, gap: 0 },
      { delay: 0, gap: 0 },
      { delay: 0, gap: 0 }
    ]
    assert.isAbove(VirtualTime.busiestWindow(arrivals(2, 1_000, slowFirst, false), 1_000), 2)
    assert.isAtMost(VirtualTime.busiestWindow(arrivals(2, 1_000, slowFirst, true), 1_000), 2)
  })

  it("settleState: within the margin, or a reservation no longer logged, changes nothing; later, the entry moves in order", () => {
    const pace = RateLimiter.paceOf({ requests: 3, windowMillis: 1_000, marginMillis: 100 })
    const state: RateLimiter.State = { recent: [0, 10, 20], paceAt: 30, pausedUntil: 0 }
    assert.strictEqual(RateLimiter.settleState(state, pace, 10, 110), state)
    assert.strictEqual(RateLimiter.settleState(state, pace, 5, 5_000), state)
    assert.deepStrictEqual(RateLimiter.settleState(state, pace, 0, 500).recent, [10, 20, 400])
    assert.deepStrictEqual(RateLimiter.settleState(state, pace, 10, 115).recent, [0, 15, 20])
  })

  it.effect(
    "HttpApi settles each attempt: an answer within the margin never touches the store again; a slow one moves its reservation to its answer",
    () =>
      Effect.gen(function* () {
        // the provider answers after `answerAfter` ms of the test clock: the time each request
        // takes is decided here, not by how fast the machine runs
        let answerAfter = 0
        let arrived = 0
        let arrivedAt = Number.NaN
        const provider = HttpClient.make((request) =>
          Effect.gen(function* () {
            arrived++
            arrivedAt = yield* Clock.currentTimeMillis
            if (answerAfter > 0) yield* Effect.sleep(answerAfter)
            return HttpClientResponse.fromWeb(request, Response.json({}))
          })
        )
        /**
         * Runs `request`: the test clock moves on in 1 ms steps until the request reaches the
         * provider (the limiter may hold it for its slot), then by `answerAfter` at once.
         */
        const answeredLater = <A, E>(request: Effect.Effect<A, E>) =>
          Effect.gen(function* () {
            const before = arrived
            const fiber = yield* Effect.forkChild(request)
            yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
            while (arrived === before) {
              yield* TestClock.adjust(1)
              yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
            }
            yield* TestClock.adjust(answerAfter)
            return yield* Fiber.join(fiber)
          })
        const limit = { requests: 10, windowMillis: 60_000, marginMillis: 100 }
        const api = yield* HttpApi.make({
          provider: "settle",
          baseUrl: "http://127.0.0.1:9",
          auth: HttpApi.bearer(Redacted.make("t")),
          rateLimit: limit
        }).pipe(Effect.provideService(HttpClient.HttpClient, provider))
        const memory = RateLimiter.memoryStore()
        let updates = 0
        let last: RateLimiter.State | undefined
        const counting: RateLimiter.BudgetStore = {
          update: (key, f) =>
            memory.update(key, (state) => {
              updates++
              const [a, next] = f(state)
              last = next
              return [a, next]
            })
        }
        const get = api
          .json({ operation: "get", method: "GET", path: "/x", response: Schema.Unknown })
          .pipe(Effect.provideService(RateLimiter.Store, counting))
        yield* TestClock.adjust(1_000)
        // an answer within the margin (here: at once): one update (the reservation), none for settling
        yield* get
        assert.strictEqual(updates, 1)
        const reservedFast = last?.recent[0] ?? Number.NaN
        // an answer at the margin's edge still changes nothing
        answerAfter = limit.marginMillis
        yield* answeredLater(get)
        assert.strictEqual(updates, 2)
        // a slow answer: the reservation and its settling
        answerAfter = 400
        yield* answeredLater(get)
        assert.strictEqual(updates, 4)
        assert.strictEqual(last?.recent[0], reservedFast)
        // the slow request's entry is its answer time minus the margin (the latest it can have arrived)
        assert.strictEqual(last?.recent.at(-1), arrivedAt + 400 - limit.marginMillis)
      })
  )

  it.effect("a limit's own marginMillis replaces the default skew margin", () =>
    Effect.gen(function* () {
      assert.strictEqual(RateLimiter.paceOf({ requests: 60, windowMillis: 5_000 }).marginMillis, 100)
      const limit = { requests: 60, windowMillis: 5_000, marginMillis: 400 }
      const pace = RateLimiter.paceOf(limit)
      assert.strictEqual(pace.marginMillis, 400)
      assert.strictEqual(pace.spanMillis, 5_400)
      const times = yield* sendTimes(limit, 180, Effect.void, RateLimiter.memoryStore(), 5)
      // no window of the provider's length plus the margin holds more than the budget
      assert.isAtMost(VirtualTime.busiestWindow(times, 5_400), 60)
    })
  )

  it.effect("a long run uses at least 0.95 of the budget; a burst goes at once, then is spread", () =>
    Effect.gen(function* () {
      for (const limit of [
        { requests: 60, windowMillis: 5_000 },
        { requests: 300, windowMillis: 60_000 }
      ]) {
        const n = limit.requests * 4
        const times = yield* sendTimes(limit, n, Effect.void, RateLimiter.memoryStore(), limit.windowMillis / 1_000)
        const pace = RateLimiter.paceOf(limit)
        assert.isAtMost(VirtualTime.busiestWindow(times, pace.spanMillis), limit.requests)
        const span = (times.at(-1) ?? 0) - (times[0] ?? 0)
        // n requests need (n / requests - 1) full windows after the first
        const used = (n - limit.requests) / ((span / limit.windowMillis) * limit.requests)
        assert.isAtLeast(used, 0.95)
        assert.strictEqual(times.filter((t) => t === 0).length, pace.burst)
        assert.isAtLeast((times[pace.burst] ?? 0) - (times[pace.burst - 1] ?? 0), Math.floor(pace.spacingMillis))
      }
    })
  )

  it.effect("a 429 without Retry-After pauses a whole window and the margin; with one, that long", () =>
    Effect.gen(function* () {
      const limit = { requests: 60, windowMillis: 5_000 }
      const pace = RateLimiter.paceOf(limit)
      const told = (feedback: RateLimiter.Feedback) => RateLimiter.observe("k", limit, feedback)
      const [second] = yield* sendTimes(limit, 1, told({ status: 429, headers: {} }))
      assert.isAtLeast(second ?? 0, limit.windowMillis + pace.marginMillis)
      const [next] = yield* sendTimes(limit, 1, told({ status: 429, headers: {}, retryAfterMillis: 1_000 }))
      assert.isAtLeast(next ?? 0, 1_000 + pace.marginMillis)
      assert.isBelow(next ?? 0, limit.windowMillis)
      // a success says nothing: no pause
      const [free] = yield* sendTimes(limit, 1, told({ status: 200, headers: {} }))
      assert.strictEqual(free, 0)
    })
  )

  it.effect("RateLimit header: r=0 pauses until t; r>0 does not", () =>
    Effect.gen(function* () {
      const limit = { requests: 60, windowMillis: 5_000 }
      const header = (value: string) => RateLimiter.observe("k", limit, { status: 200, headers: { ratelimit: value } })
      const [paused] = yield* sendTimes(limit, 1, header('"default";r=0;t=3'))
      assert.isAtLeast(paused ?? 0, 3_000)
      const [free] = yield* sendTimes(limit, 1, header('"default";r=4;t=3'))
      assert.strictEqual(free, 0)
      assert.deepStrictEqual(RateLimiter.parseRateLimitHeader('"default";r=50;t=30'), {
        remaining: 50,
        resetMillis: 30_000
      })
      assert.isUndefined(RateLimiter.parseRateLimitHeader("garbage"))
    })
  )

  it.effect("the budget lives in the provided store: the same store, one budget; another store, another", () =>
    Effect.gen(function* () {
      const limit = { requests: 2, windowMillis: 5_000 }
      const store = RateLimiter.memoryStore()
      const first = yield* sendTimes(limit, 2, Effect.void, store)
      const again = yield* sendTimes(limit, 1, Effect.void, store)
      const elsewhere = yield* sendTimes(limit, 1)
      assert.strictEqual(first.length, 2)
      // the shared store remembers both: the next waits for the window
      assert.isAtLeast(again[0] ?? 0, RateLimiter.paceOf(limit).spanMillis - (first[1] ?? 0))
      assert.deepStrictEqual(elsewhere, [0])
    })
  )

  it.effect("a failing store: Unavailable, not maybe applied, and nothing sent", () =>
    Effect.gen(function* () {
      const sim = yield* SimulatorKit.serve({
        name: "test",
        routes: [{ method: "GET", pattern: "/x", handle: () => ({ status: 200, body: {} }) }],
        authenticate: () => ({ ok: true, principal: "p", scheme: "bearer" }),
        notFound: () => ({ status: 404 })
      })
      const api = yield* HttpApi.make({
        provider: "test",
        baseUrl: sim.url,
        auth: HttpApi.bearer(Redacted.make("t")),
        rateLimit: { requests: 10, windowMillis: 1_000 }
      })
      const down: RateLimiter.BudgetStore = {
        update: (key) => Effect.fail(new RateLimiter.StoreUnavailable({ key, message: "database unreachable" }))
      }
      const error = yield* Effect.flip(
        api
          .json({ operation: "get", method: "GET", path: "/x", response: Schema.Unknown })
          .pipe(Effect.provideService(RateLimiter.Store, down))
      )
      assert.strictEqual(error._tag, "Unavailable")
      assert.isTrue(error._tag === "Unavailable" && !error.maybeApplied)
      assert.include(error.message, "database unreachable")
      assert.strictEqual(sim.log().length, 0)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
