/**
 * A client-side request budget per credential that uses the provider's budget fully without a `429`.
 *
 * **The problem.** A provider counts requests when they *arrive*; a client can only count when it
 * *sends*. A client that sends exactly `requests` per `windowMillis` by its own clock is over the
 * budget as soon as one request travels slower than the one a window before it, and a burst sent
 * at once queues in the client, so its arrivals spread far from its send times. Some providers
 * punish the excess hard (Cloudflare locks the credential out for five minutes).
 *
 * **The algorithm** (`reserve`, a pure function of the budget's `State`). Each request reserves a
 * send time, the earliest that satisfies all of:
 * - **the budget with a skew margin**: at most `requests` reservations in any
 *   `windowMillis + marginMillis` (a sliding log of the last `requests` send times). Whatever
 *   arrives within `marginMillis` (the limit's own, else 2% of the window, 100 ms to 5 s) of its send time still fits
 *   the provider's window, and a long run still uses about 98% of the budget.
 * - **a spread burst**: after a burst of `burst` (10% of the budget) requests go at once, the rest
 *   are paced `spacingMillis` apart — ten times the budget's average rate — so a large batch
 *   neither queues in the client nor reaches the provider as one spike, while a small one is not
 *   slowed down.
 * - **what the provider said**: nothing before `pausedUntil` (see `observe`).
 * Callers sleep until their reserved time on Effect's `Clock` (tests can use `TestClock`).
 *
 * **Counting a slow request by its answer** (`settle`, called by `HttpApi` after every attempt): a
 * request answered later than the margin after its reserved time may have arrived that late (the
 * process stalled before sending, or the network was slow); its log entry moves to its answer time
 * minus the margin, so requests reserved after that keep a whole window from its latest possible
 * arrival. Normally answers come within the margin and `settle` does not touch the store.
 *
 * **Learning from the provider** (`observe`, called by `HttpApi` after every response): a `429`
 * pauses the budget for its `Retry-After` (a whole window without one — Smartsheet sends none and
 * advises waiting a minute) plus the margin; the IETF / Cloudflare `RateLimit: "name";r=0;t=<s>`
 * header pauses it until the reset (rounded up to seconds by the provider), before any 429. Only Cloudflare documents rate-limit headers;
 * Smartsheet's `X-RateLimit-*` are unconfirmed and EnergyCAP documents none.
 *
 * **Where the state lives.** `effect/persistence`'s `RateLimiterStore` offers fixed windows and
 * token buckets only: a token bucket that never exceeds `requests` per window must refill at
 * `(requests - burst) / window`, which either forbids bursts or wastes the budget, and a fixed
 * window allows twice the budget across a window edge. The sliding log above needs its own state,
 * so the store is this module's `Store`: one atomic read-modify-write of a small JSON-serialisable
 * `State` per key. The default keeps the states in memory, shared by every client of the process
 * (`memoryStore`); a store shared by several processes (a SQL row per key, updated in a
 * transaction that locks it) is provided with `Effect.provideService(RateLimiter.Store, store)`.
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Schema } from "effect"
import type { RateLimit } from "./Capabilities.ts"

/**
 * The stored state of one budget: the last reservations (ascending, at most `requests`), the
 * pacing clock and the pause the provider asked for. Plain JSON.
 *
 * @example
 * ```ts
 * import type { RateLimiter } from "@unishare/core"
 * const fresh: RateLimiter.State = { recent: [], paceAt: 0, pausedUntil: 0 }
 * ```
 */
export interface State {
  readonly recent: ReadonlyArray<number>
  /** Theoretical time of the next paced send (GCRA): a burst may run ahead of it by `burst` spacings. */
  readonly paceAt: number
  readonly pausedUntil: number
}

/**
 * The rate-limit store could not be read or written (a shared store is unreachable). Nothing was
 * sent.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * new RateLimiter.StoreUnavailable({ key: "cloudflare:abc", message: "database unreachable" })
 * ```
 */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  key: Schema.String,
  message: Schema.String
}) {}

/**
 * Where budgets live: `update(key, f)` runs `f` on the key's state (`undefined` when new) and
 * stores the state it returns, atomically — no other update of the same key in between.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RateLimiter } from "@unishare/core"
 * const states = new Map<string, RateLimiter.State>()
 * const store: RateLimiter.BudgetStore = {
 *   update: (key, f) => Effect.sync(() => { const [a, next] = f(states.get(key)); states.set(key, next); return a })
 * }
 * ```
 */
export interface BudgetStore {
  readonly update: <A>(
    key: string,
    f: (state: State | undefined) => readonly [A, State]
  ) => Effect.Effect<A, StoreUnavailable>
}

/**
 * An in-memory store (updates are synchronous, hence atomic).
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * const store = RateLimiter.memoryStore()
 * ```
 */
export const memoryStore = (): BudgetStore => {
  const states = new Map<string, State>()
  return {
    update: (key, f) =>
      Effect.sync(() => {
        const [result, next] = f(states.get(key))
        states.set(key, next)
        return result
      })
  }
}

/**
 * The store budgets are kept in. Default: one in-memory store for the whole process.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RateLimiter } from "@unishare/core"
 * const program = RateLimiter.acquire("k", { requests: 60, windowMillis: 5_000 }).pipe(
 *   Effect.provideService(RateLimiter.Store, RateLimiter.memoryStore()))
 * ```
 */
export const Store: Context.Reference<BudgetStore> = Context.Reference<BudgetStore>(
  "@unishare/core/RateLimiter/Store",
  { defaultValue: memoryStore }
)

/**
 * How a documented budget is paced.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * const pace: RateLimiter.Pace = RateLimiter.paceOf({ requests: 60, windowMillis: 5_000 })
 * ```
 */
export interface Pace {
  readonly requests: number
  /** The provider's window plus `marginMillis`: the span the sliding log counts in. */
  readonly spanMillis: number
  readonly marginMillis: number
  readonly burst: number
  readonly spacingMillis: number
}

/**
 * The pace of a budget: at most `requests` per `windowMillis + marginMillis`, `burst` at once,
 * then `spacingMillis` apart.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * RateLimiter.paceOf({ requests: 60, windowMillis: 5_000 }).burst // 6
 * ```
 */
export const paceOf = (limit: RateLimit): Pace => {
  const requests = Math.max(1, Math.floor(limit.requests))
  const marginMillis = Math.ceil(
    limit.marginMillis !== undefined && limit.marginMillis >= 0
      ? limit.marginMillis
      : Math.min(5_000, Math.max(100, limit.windowMillis * 0.02))
  )
  const spanMillis = limit.windowMillis + marginMillis
  return {
    requests,
    spanMillis,
    marginMillis,
    burst: Math.max(1, Math.ceil(requests / 10)),
    spacingMillis: spanMillis / requests / 10
  }
}

/**
 * The reservation rule: the earliest send time at or after `now` that keeps the budget, and the
 * state after it. Pure: stores call it inside their atomic update.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * const pace = RateLimiter.paceOf({ requests: 2, windowMillis: 1_000 })
 * const [first, s1] = RateLimiter.reserve(undefined, pace, 0)
 * const [second, s2] = RateLimiter.reserve(s1, pace, 0)
 * const [third] = RateLimiter.reserve(s2, pace, 0) // 1_100: a window and the margin after the first
 * ```
 */
export const reserve = (state: State | undefined, pace: Pace, now: number): readonly [number, State] => {
  const recent = state?.recent ?? []
  let at = Math.max(now, state?.pausedUntil ?? 0, recent.at(-1) ?? Number.NEGATIVE_INFINITY)
  // the sliding log: the request `requests` back must have left the span
  if (recent.length >= pace.requests) {
    at = Math.max(at, (recent[recent.length - pace.requests] ?? 0) + pace.spanMillis)
  }
  // the spread: GCRA, `burst` may run ahead of the pacing clock
  const paceAt = state?.paceAt ?? at
  // whole milliseconds: the span arithmetic stays exact
  at = Math.ceil(Math.max(at, paceAt - (pace.burst - 1) * pace.spacingMillis))
  // keep the last `requests - 1` reservations that can still count, then this one
  let from = Math.max(0, recent.length - pace.requests + 1)
  while (from < recent.length && (recent[from] ?? 0) <= at - pace.spanMillis) from++
  const kept = recent.slice(from)
  kept.push(at)
  return [at, { recent: kept, paceAt: Math.max(paceAt, at) + pace.spacingMillis, pausedUntil: state?.pausedUntil ?? 0 }]
}

/**
 * Waits until one more request fits the budget for `key`, then reserves it, and returns the
 * reserved send time (for `settle`). Concurrent callers queue in order.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RateLimiter } from "@unishare/core"
 * const limit = { requests: 300, windowMillis: 60_000 }
 * const send = Effect.succeed("sent")
 * const limited = RateLimiter.acquire("smartsheet:abc", limit).pipe(
 *   Effect.flatMap((reservedAt) => Effect.ensuring(send, Effect.ignore(RateLimiter.settle("smartsheet:abc", limit, reservedAt))))
 * )
 * ```
 */
export const acquire = (key: string, limit: RateLimit): Effect.Effect<number, StoreUnavailable> =>
  Effect.gen(function* () {
    const store = yield* Store
    const clock = yield* Clock.Clock
    const pace = paceOf(limit)
    // the time is read inside the update: a shared store may wait for the key's lock first, and a
    // reservation made with the time from before that wait would be recorded too early
    const at = yield* store.update(key, (state) => reserve(state, pace, clock.currentTimeMillisUnsafe()))
    const now = clock.currentTimeMillisUnsafe()
    if (at > now) yield* Effect.sleep(Duration.millis(at - now))
    return at
  })

/**
 * Moves a reservation to the latest time its request can have arrived: a request reserved at
 * `reservedAt` whose answer came at `answeredAt` arrived at the provider by `answeredAt`. Within
 * the margin (`answeredAt - reservedAt ≤ marginMillis`) the log already covers it and the state is
 * returned unchanged; later (the process stalled before sending, or the request travelled slowly)
 * its entry becomes `answeredAt - marginMillis`, so every request reserved after the answer keeps a
 * whole window from that request's arrival. A reservation no longer in the log is left alone.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * const pace = RateLimiter.paceOf({ requests: 2, windowMillis: 1_000 })
 * const [at, state] = RateLimiter.reserve(undefined, pace, 0)
 * RateLimiter.settleState(state, pace, at, 3_000).recent // [2_900]: the default margin is 100 ms
 * ```
 */
export const settleState = (state: State, pace: Pace, reservedAt: number, answeredAt: number): State => {
  const latest = Math.ceil(answeredAt - pace.marginMillis)
  if (latest <= reservedAt) return state
  const index = state.recent.indexOf(reservedAt)
  if (index < 0) return state
  const recent = [...state.recent.slice(0, index), ...state.recent.slice(index + 1)]
  let at = recent.length
  while (at > 0 && (recent[at - 1] ?? 0) > latest) at--
  recent.splice(at, 0, latest)
  return { ...state, recent }
}

/**
 * Call when the request reserved at `reservedAt` (what `acquire` returned) was answered, failed or
 * was abandoned: a request slower than the margin is counted from the latest time it can have
 * arrived (`settleState`), so a stall between reserving and sending, or a slow network, cannot put
 * more than the budget into one of the provider's windows. Costs nothing (no store access) when
 * the answer came within the margin.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RateLimiter } from "@unishare/core"
 * const limit = { requests: 60, windowMillis: 5_000 }
 * const program = Effect.flatMap(RateLimiter.acquire("eci:1", limit), (reservedAt) =>
 *   RateLimiter.settle("eci:1", limit, reservedAt)
 * )
 * ```
 */
export const settle = (key: string, limit: RateLimit, reservedAt: number): Effect.Effect<void, StoreUnavailable> =>
  Effect.gen(function* () {
    const clock = yield* Clock.Clock
    const pace = paceOf(limit)
    if (clock.currentTimeMillisUnsafe() - pace.marginMillis <= reservedAt) return
    const store = yield* Store
    yield* store.update(key, (state) => [
      undefined,
      state === undefined
        ? { recent: [], paceAt: 0, pausedUntil: 0 }
        : settleState(state, pace, reservedAt, clock.currentTimeMillisUnsafe())
    ])
  })

/**
 * What the provider said about the budget in one response.
 *
 * @example
 * ```ts
 * import type { RateLimiter } from "@unishare/core"
 * const seen: RateLimiter.Feedback = { status: 429, headers: { "retry-after": "3" }, retryAfterMillis: 3_000 }
 * ```
 */
export interface Feedback {
  readonly status: number
  /** Response headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The parsed `Retry-After` / `Retry-After-Ms`, when sent. */
  readonly retryAfterMillis?: number | undefined
}

/**
 * Reads the IETF draft `RateLimit` header (`"default";r=50;t=30`, as Cloudflare sends it):
 * remaining requests and time until they reset. `undefined` when absent or unreadable.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * RateLimiter.parseRateLimitHeader('"default";r=50;t=30') // { remaining: 50, resetMillis: 30000 }
 * ```
 */
export const parseRateLimitHeader = (
  value: string | undefined
): { readonly remaining: number; readonly resetMillis: number } | undefined => {
  if (value === undefined) return undefined
  const r = /(?:^|;)\s*r=(\d+)/.exec(value)
  const t = /(?:^|;)\s*t=(\d+)/.exec(value)
  if (r === null || t === null) return undefined
  return { remaining: Number(r[1]), resetMillis: Number(t[1]) * 1_000 }
}

/**
 * Tells the budget for `key` what the provider answered: a `429` pauses it for the provider's
 * `Retry-After` (a whole window without one) plus the margin; a `RateLimit` header with `r=0`
 * pauses it until the reset.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * const learn = RateLimiter.observe("cloudflare:abc", { requests: 1200, windowMillis: 300_000 },
 *   { status: 200, headers: { ratelimit: '"default";r=0;t=30' } })
 * ```
 */
export const observe = (key: string, limit: RateLimit, feedback: Feedback): Effect.Effect<void, StoreUnavailable> => {
  const header = parseRateLimitHeader(feedback.headers.ratelimit)
  const pace = paceOf(limit)
  let pauseMillis: number | undefined
  if (feedback.status === 429) {
    pauseMillis = (feedback.retryAfterMillis ?? header?.resetMillis ?? limit.windowMillis) + pace.marginMillis
  } else if (header !== undefined && header.remaining === 0) {
    // `t` is rounded up to whole seconds and a request sent after it arrives after it: no margin
    pauseMillis = header.resetMillis
  }
  if (pauseMillis === undefined) return Effect.void
  const millis = pauseMillis
  return Effect.gen(function* () {
    const store = yield* Store
    const clock = yield* Clock.Clock
    yield* store.update(key, (state) => {
      const now = clock.currentTimeMillisUnsafe()
      return [
        undefined,
        {
          recent: state?.recent ?? [],
          paceAt: state?.paceAt ?? now,
          pausedUntil: Math.max(state?.pausedUntil ?? 0, now + millis)
        }
      ]
    })
  })
}
