import { assert, describe, it } from "@effect/vitest"
import { HttpApi, RateLimiter, SimulatorKit } from "@unishare/core"
import { VirtualTime } from "@unishare/core/testing"
import { Clock, Effect, Fiber, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientResponse } from "effect/http"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"

/**
 * Send times (from the start) of `n` acquisitions started together, on the test clock; each request
 * is answered the moment it is sent (settled at once).
 */
const sendTimes = (
  limit: { requests: number; windowMillis: number; marginMillis?: number },
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
              Effect.tap(() => Effect.map(Clock.currentTimeMillis, (t) => times.push(t - start))),
              Effect.flatMap((sentAt) => RateLimiter.settle("k", limit, sentAt))
            ),
          { concurrency: "unbounded", discard: true }
        )
      }).pipe(Effect.provideService(RateLimiter.Store, store)),
      { stepMillis }
    )
    return times.sort((a, b) => a - b)
  })

/**
 * Delays of one request in `protocolArrivals`: how late its caller wakes after each claim, how long
 * after being confirmed it reaches the provider, how long its answer takes, how late it is settled
 * after that, and how far ahead of ours the provider's clock is when it counts the request.
 */
interface Delays {
  readonly late: ReadonlyArray<number>
  readonly travel: number
  readonly answer: number
  readonly settleLate: number
  readonly skew: number
}

/**
 * The times the provider counts `delays.length` requests at (its own clock), run through the pure
 * steps exactly as `acquire` and `settle` run them, each step at a time an event queue decides:
 * caller `i` starts at `starts[i]`, claims, wakes late, confirms or claims again, travels, is
 * answered, is settled late.
 */
const protocolArrivals = (
  pace: RateLimiter.Pace,
  starts: ReadonlyArray<number>,
  delays: ReadonlyArray<Delays>
): Array<number> => {
  let state: RateLimiter.State | undefined
  const counted: Array<number> = []
  const queue: Array<{ at: number; seq: number; run: (now: number) => void }> = []
  let seq = 0
  const schedule = (at: number, run: (now: number) => void) => queue.push({ at, seq: seq++, run })
  const timeout = 1_000_000
  delays.forEach((d, i) => {
    let wakes = 0
    const sent = (sentAt: number) => {
      const arrival = sentAt + d.travel
      counted.push(arrival + d.skew)
      schedule(arrival + d.answer + d.settleLate, (now) => {
        if (state !== undefined) state = RateLimiter.settleState(state, pace, sentAt, now)
      })
    }
    const wake = (claimedAt: number) =>
      schedule(claimedAt + (d.late[wakes++ % d.late.length] ?? 0), (now) => {
        const [admission, next] = RateLimiter.confirm(state, pace, claimedAt, now, timeout)
        state = next
        if (admission.sent) sent(admission.at)
        else wake(admission.at)
      })
    schedule(starts[i] ?? 0, (now) => {
      const [at, planned] = RateLimiter.reserve(state, pace, now)
      state = planned
      if (at > now) return wake(at)
      const [admission, next] = RateLimiter.confirm(planned, pace, at, now, timeout)
      state = next
      if (admission.sent) sent(admission.at)
      else wake(admission.at)
    })
  })
  while (queue.length > 0) {
    queue.sort((a, b) => a.at - b.at || a.seq - b.seq)
    const event = queue.shift()
    event?.run(event.at)
  }
  return counted
}

describe("RateLimiter", () => {
  it("the protocol: whatever the delays between claiming, waking, sending, arriving, answering and settling (stalls longer than the window included) and a provider clock up to the margin ahead, no window of the provider's holds more than the budget", () => {
    const stall = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 8_000 }))
    const delays = (marginMillis: number) =>
      fc.record({
        late: fc.array(stall, { minLength: 1, maxLength: 3 }),
        travel: stall,
        answer: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000 })),
        settleLate: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 300 })),
        skew: fc.integer({ min: 0, max: marginMillis })
      })
    fc.assert(
      fc.property(
        fc
          .record({
            requests: fc.integer({ min: 1, max: 12 }),
            windowMillis: fc.integer({ min: 100, max: 3_000 }),
            marginMillis: fc.integer({ min: 0, max: 200 })
          })
          .chain((limit) =>
            fc.record({
              limit: fc.constant(limit),
              starts: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10_000 })), {
                minLength: 1,
                maxLength: 60
              }),
              delays: fc.array(delays(limit.marginMillis), { minLength: 60, maxLength: 60 })
            })
          ),
        ({ limit, starts, delays }) => {
          const pace = RateLimiter.paceOf(limit)
          const counted = protocolArrivals(pace, starts, delays.slice(0, starts.length))
          return (
            counted.length === starts.length && VirtualTime.busiestWindow(counted, limit.windowMillis) <= limit.requests
          )
        }
      ),
      { numRuns: 300 }
    )
  })

  it("reserve: claims keep the budget in every span of window + margin, queue in order and spread a burst", () =>
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 100, max: 10_000 }),
        fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 1, maxLength: 300 }),
        (requests, windowMillis, gaps) => {
          const pace = RateLimiter.paceOf({ requests, windowMillis })
          let state: RateLimiter.State | undefined
          let now = 0
          const claimed: Array<number> = []
          for (const gap of gaps) {
            now += gap
            const [at, next] = RateLimiter.reserve(state, pace, now)
            if (at < now || at < (claimed.at(-1) ?? 0)) return false
            claimed.push(at)
            state = next
          }
          return VirtualTime.busiestWindow(claimed, pace.spanMillis) <= requests
        }
      )
    ))

  it("confirm: a claim that woke into a full budget, or into a pause, is not sent and claims the earliest time it fits", () => {
    const pace = RateLimiter.paceOf({ requests: 2, windowMillis: 1_000, marginMillis: 100 })
    // two requests answered at 10 and 50; a third claimed 1_100 when it expected them answered at once
    const state: RateLimiter.State = { recent: [10, 50], inFlight: [], claims: [1_100], paceAt: 0, pausedUntil: 0 }
    const [late, moved] = RateLimiter.confirm(state, pace, 1_100, 1_100, 30_000)
    assert.deepStrictEqual(late, { sent: false, at: 1_110 })
    assert.deepStrictEqual(moved.claims, [1_110])
    const [sent, after] = RateLimiter.confirm(moved, pace, 1_110, 1_110, 30_000)
    assert.deepStrictEqual(sent, { sent: true, at: 1_110 })
    assert.deepStrictEqual(after.claims, [])
    assert.deepStrictEqual(after.inFlight, [[1_110, 31_110]])
    // in flight, it counts however long it is out: long after the span it still takes one of the two slots
    const [alone] = RateLimiter.confirm({ ...after, recent: [50] }, pace, 9_000, 9_000, 30_000)
    assert.isTrue(alone.sent)
    const [full] = RateLimiter.confirm({ ...after, recent: [8_990] }, pace, 9_000, 9_000, 30_000)
    assert.deepStrictEqual(full, { sent: false, at: 8_990 + 1_100 })
    // the provider asked for a pause after the claim was made: not before its end
    const [paused] = RateLimiter.confirm({ ...state, recent: [], pausedUntil: 4_000 }, pace, 1_100, 1_100, 30_000)
    assert.deepStrictEqual(paused, { sent: false, at: 4_000 })
  })

  it("settleState: the in-flight request counts from its answer, in order; one not in flight is left alone", () => {
    const pace = RateLimiter.paceOf({ requests: 3, windowMillis: 1_000, marginMillis: 100 })
    const state: RateLimiter.State = {
      recent: [0, 300],
      inFlight: [
        [10, 30_010],
        [20, 30_020]
      ],
      claims: [],
      paceAt: 30,
      pausedUntil: 0
    }
    const settled = RateLimiter.settleState(state, pace, 10, 200)
    assert.deepStrictEqual(settled.recent, [0, 200, 300])
    assert.deepStrictEqual(settled.inFlight, [[20, 30_020]])
    assert.strictEqual(RateLimiter.settleState(settled, pace, 10, 500), settled)
  })

  it.effect(
    "a stall between waking up and sending, shorter or longer than the window, puts no more than the budget into any window of the provider's (counted by arrival)",
    () =>
      Effect.gen(function* () {
        const limit = { requests: 5, windowMillis: 1_000, marginMillis: 100 }
        for (const stallMillis of [300, 3_000]) {
          const arrivals: Array<number> = []
          yield* VirtualTime.run(
            Effect.forEach(
              Array.from({ length: 30 }, (_, i) => i),
              (i) =>
                Effect.flatMap(RateLimiter.acquire("k", limit), (sentAt) =>
                  Effect.gen(function* () {
                    // let through, then stalled before it leaves: every seventh request
                    if (i % 7 === 0) yield* Effect.sleep(stallMillis)
                    // the provider counts it on arrival and answers at once
                    arrivals.push(yield* Clock.currentTimeMillis)
                    yield* RateLimiter.settle("k", limit, sentAt)
                  })
                ),
              { concurrency: "unbounded", discard: true }
            ).pipe(Effect.provideService(RateLimiter.Store, RateLimiter.memoryStore())),
            { stepMillis: 10 }
          )
          assert.strictEqual(arrivals.length, 30)
          assert.isAtMost(
            VirtualTime.busiestWindow(arrivals, limit.windowMillis),
            limit.requests,
            `stalled ${stallMillis} ms`
          )
        }
      })
  )

  it.effect("a 429 holds back callers that were already waiting, not only later ones", () =>
    Effect.gen(function* () {
      const limit = { requests: 2, windowMillis: 1_000, marginMillis: 100 }
      const times: Array<number> = []
      yield* VirtualTime.run(
        Effect.all(
          [
            // six callers at 0: the first goes at once, the others claim later times and wait
            Effect.forEach(
              Array.from({ length: 6 }),
              () =>
                RateLimiter.acquire("k", limit).pipe(
                  Effect.tap(() => Effect.map(Clock.currentTimeMillis, (t) => times.push(t))),
                  Effect.flatMap((sentAt) => RateLimiter.settle("k", limit, sentAt))
                ),
              { concurrency: "unbounded", discard: true }
            ),
            // at 10 ms the provider answers 429, retry in 5 s
            Effect.andThen(
              Effect.sleep(10),
              RateLimiter.observe("k", limit, { status: 429, headers: {}, retryAfterMillis: 5_000 })
            )
          ],
          { concurrency: "unbounded" }
        ).pipe(Effect.provideService(RateLimiter.Store, RateLimiter.memoryStore())),
        { stepMillis: 10 }
      )
      assert.strictEqual(times.length, 6)
      assert.strictEqual(times[0], 0)
      for (const t of times.slice(1)) assert.isAtLeast(t, 10 + 5_000 + limit.marginMillis)
    })
  )

  it.effect("a caller interrupted while waiting gives its claim back", () =>
    Effect.gen(function* () {
      const limit = { requests: 1, windowMillis: 1_000, marginMillis: 100 }
      const store = RateLimiter.memoryStore()
      const times = yield* sendTimes(limit, 1, Effect.void, store)
      assert.deepStrictEqual(times, [0])
      // a second caller claims 1_100 and gives up; a third then gets 1_100, not the slot after it
      const gaveUp = yield* Effect.forkChild(
        RateLimiter.acquire("k", limit).pipe(Effect.provideService(RateLimiter.Store, store))
      )
      yield* TestClock.adjust(1)
      yield* Fiber.interrupt(gaveUp)
      const [next] = yield* sendTimes(limit, 1, Effect.void, store)
      assert.strictEqual(next, 1_099)
    })
  )

  it.effect(
    "a request never settled (its process ended) counts as in flight until its timeout, then as answered then",
    () =>
      Effect.gen(function* () {
        const limit = { requests: 1, windowMillis: 1_000, marginMillis: 100 }
        const store = RateLimiter.memoryStore()
        yield* RateLimiter.acquire("k", limit, { timeoutMillis: 3_000 }).pipe(
          Effect.provideService(RateLimiter.Store, store)
        )
        const [next] = yield* sendTimes(limit, 1, Effect.void, store)
        assert.strictEqual(next, 3_000 + 1_100)
      })
  )

  it.effect(
    "HttpApi confirms each attempt just before sending it, counts it as in flight while it is out, then from its answer",
    () =>
      Effect.gen(function* () {
        // the provider answers after `answerAfter` ms of the test clock: the time each request
        // takes is decided here, not by how fast the machine runs
        let answerAfter = 0
        let arrived = 0
        let arrivedAt = Number.NaN
        let inFlightAtArrival: ReadonlyArray<readonly [number, number]> = []
        const provider = HttpClient.make((request) =>
          Effect.gen(function* () {
            arrived++
            arrivedAt = yield* Clock.currentTimeMillis
            inFlightAtArrival = last?.inFlight ?? []
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
        // a burst of 10: neither request waits for a paced slot
        const limit = { requests: 100, windowMillis: 60_000, marginMillis: 100 }
        const api = yield* HttpApi.make({
          provider: "settle",
          baseUrl: "http://127.0.0.1:9",
          auth: HttpApi.bearer(Redacted.make("t")),
          rateLimit: limit,
          timeoutMillis: 5_000
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
        // answered at once: two updates (confirmed, settled); in flight when it arrived, then counted from its answer
        yield* get
        assert.strictEqual(updates, 2)
        assert.deepStrictEqual(inFlightAtArrival, [[1_000, 1_000 + 5_000]])
        assert.deepStrictEqual(last?.inFlight, [])
        assert.deepStrictEqual(last?.recent, [1_000])
        // a slow answer: counted from the answer, the latest it can have arrived
        answerAfter = 400
        yield* answeredLater(get)
        assert.strictEqual(updates, 4)
        assert.deepStrictEqual(inFlightAtArrival, [[arrivedAt, arrivedAt + 5_000]])
        assert.deepStrictEqual(last?.inFlight, [])
        assert.deepStrictEqual(last?.recent, [1_000, arrivedAt + 400])
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
