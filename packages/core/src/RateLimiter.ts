/**
 * A client-side request budget per credential that uses the provider's budget fully without a `429`,
 * however late the process runs.
 *
 * **The problem.** A provider counts requests when they *arrive*; a client can only count when it
 * *sends*, and it does not control when that is: a process on a busy machine is descheduled at
 * random, so a request planned for one moment leaves later, and requests planned apart leave
 * together. A client that plans send times and trusts them is over the budget as soon as one
 * request leaves or travels later than the one planned a window after it. Some providers
 * punish the excess hard (Cloudflare locks the credential out for five minutes).
 *
 * **The invariant.** A request counts from the moment it is *confirmed* — the send time, read
 * inside one atomic update of the budget just before it is sent — until it is *settled*: answered,
 * failed or abandoned (`settle`, which `HttpApi` calls after every attempt). The provider counts it
 * once, at its arrival, somewhere in between. A send is confirmed only while, besides it, fewer
 * than `requests` requests are either in flight or were settled within the last
 * `windowMillis + marginMillis` (`marginMillis`: the limit's own, else 2% of the window, 100 ms to
 * 5 s). Then no window of the provider's holds more than `requests` arrivals: of the requests that
 * arrived in one window, take the one confirmed last. Every other one arrived less than
 * `windowMillis` before that one did, so after that one's confirmation minus `windowMillis`; it was
 * confirmed earlier, so at that confirmation it was either still in flight or already settled —
 * after its arrival, so within the `windowMillis + marginMillis` before — and was counted. This
 * holds whatever the delays between planning, confirming, sending, arriving and settling, stalls
 * longer than a window included (an unanswered request counts for as long as it is in flight). The
 * margin is for the clocks: the provider's time of a request may differ from ours by up to
 * `marginMillis` (servers behind one endpoint, the clocks of several processes sharing one
 * budget). A request answered at once holds its slot for the window and the margin, a slow one
 * from its answer, so a long run still uses about 98% of the budget.
 *
 * **Planning** (`reserve`). Callers do not poll: a caller that cannot be confirmed now *claims* the
 * earliest time its request could go and sleeps until it (on Effect's `Clock`, so tests can use
 * `TestClock`). Claims are only plans: each is the earliest time that satisfies all of
 * - **the budget**: at most `requests` confirmed, in-flight or claimed requests in any
 *   `windowMillis + marginMillis` (an in-flight request counts as leaving now);
 * - **a spread burst**: after a burst of `burst` (10% of the budget) requests go at once, the rest
 *   are paced `spacingMillis` apart — ten times the budget's average rate — so a large batch
 *   neither queues in the client nor reaches the provider as one spike, while a small one is not
 *   slowed down;
 * - **the queue**: not before an earlier caller's claim;
 * - **what the provider said**: nothing before `pausedUntil` (see `observe`).
 * On waking, the caller confirms (`confirm`) against what was actually sent and answered by then:
 * if an earlier request left or was answered later than planned, or the provider asked for a pause,
 * the send is not confirmed and the caller claims the earliest time the budget admits it. The spread
 * is a plan, not re-checked: requests a stall delayed go together, within the budget.
 *
 * **Learning from the provider** (`observe`, called by `HttpApi` after every response): a `429`
 * pauses the budget for its `Retry-After` (a whole window without one — Smartsheet sends none and
 * advises waiting a minute) plus the margin; the IETF / Cloudflare `RateLimit: "name";r=0;t=<s>`
 * header pauses it until the reset (rounded up to seconds by the provider), before any 429. Only Cloudflare documents rate-limit headers;
 * Smartsheet's `X-RateLimit-*` are unconfirmed and EnergyCAP documents none.
 *
 * **Where the state lives.** `effect/persistence`'s `RateLimiterStore` offers fixed windows and
 * token buckets only: a token bucket that never exceeds `requests` per window must refill at
 * `(requests - burst) / window`, which either forbids bursts or wastes the budget, a fixed window
 * allows twice the budget across a window edge, and neither knows which requests are still in
 * flight. The budget needs its own state, so the store is this module's `Store`: one atomic
 * read-modify-write of a small JSON-serialisable `State` per key. The default keeps the states in
 * memory, shared by every client of the process (`memoryStore`); a store shared by several
 * processes (a SQL row per key, updated in a transaction that locks it) is provided with
 * `Effect.provideService(RateLimiter.Store, store)`. A request whose process ends before settling
 * it counts as in flight until its `timeoutMillis` has passed, then as settled then.
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Schema } from "effect"
import type { RateLimit } from "./Capabilities.ts"

/**
 * The stored state of one budget: settled requests, requests in flight, the claims of waiting
 * callers, the pacing clock and the pause the provider asked for. Plain JSON; `inFlight` and
 * `claims` are absent in a state written before they existed.
 *
 * @example
 * ```ts
 * import type { RateLimiter } from "@unishare/core"
 * const fresh: RateLimiter.State = { recent: [], inFlight: [], claims: [], paceAt: 0, pausedUntil: 0 }
 * ```
 */
export interface State {
  /** When the last settled requests were answered (ascending; only those that can still count). */
  readonly recent: ReadonlyArray<number>
  /** Confirmed, not yet settled: `[sentAt, until]`, counted as leaving now until settled or `until`. */
  readonly inFlight?: ReadonlyArray<readonly [number, number]> | undefined
  /** The times waiting callers will wake up to confirm (ascending; the latest that can still count). */
  readonly claims?: ReadonlyArray<number> | undefined
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
  /** The provider's window plus `marginMillis`: the span the budget counts in. */
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

/** `sorted` with `value` inserted in order (after equal values). */
const insert = (sorted: ReadonlyArray<number>, value: number): Array<number> => {
  const out = [...sorted]
  let at = out.length
  while (at > 0 && (out[at - 1] ?? 0) > value) at--
  out.splice(at, 0, value)
  return out
}

/** `sorted` without one occurrence of `value`. */
const without = (sorted: ReadonlyArray<number>, value: number): ReadonlyArray<number> => {
  const at = sorted.indexOf(value)
  return at < 0 ? sorted : [...sorted.slice(0, at), ...sorted.slice(at + 1)]
}

/** The last `requests` of `sorted` later than `now - spanMillis`: no others can count again. */
const live = (sorted: ReadonlyArray<number>, pace: Pace, now: number): ReadonlyArray<number> => {
  let from = Math.max(0, sorted.length - pace.requests)
  while (from < sorted.length && (sorted[from] ?? 0) <= now - pace.spanMillis) from++
  return from === 0 ? sorted : sorted.slice(from)
}

interface Tidy {
  readonly recent: ReadonlyArray<number>
  readonly inFlight: ReadonlyArray<readonly [number, number]>
  readonly claims: ReadonlyArray<number>
  readonly paceAt: number | undefined
  readonly pausedUntil: number
}

/** `state` at `now`: in-flight requests past their `until` settled then, what can no longer count dropped. */
const tidy = (state: State | undefined, pace: Pace, now: number): Tidy => {
  let recent = state?.recent ?? []
  const inFlight: Array<readonly [number, number]> = []
  for (const entry of state?.inFlight ?? []) {
    if (entry[1] <= now) recent = insert(recent, entry[1])
    else inFlight.push(entry)
  }
  return {
    recent: live(recent, pace, now),
    inFlight,
    claims: live(state?.claims ?? [], pace, now),
    paceAt: state?.paceAt,
    pausedUntil: state?.pausedUntil ?? 0
  }
}

const stateOf = (t: Tidy, paceAt: number): State => ({
  recent: t.recent,
  inFlight: t.inFlight,
  claims: t.claims,
  paceAt,
  pausedUntil: t.pausedUntil
})

/** Two ascending lists as one. */
const merge = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): ReadonlyArray<number> => {
  if (b.length === 0) return a
  if (a.length === 0) return b
  const out: Array<number> = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    const x = a[i] ?? Number.POSITIVE_INFINITY
    const y = b[j] ?? Number.POSITIVE_INFINITY
    if (x <= y) {
      out.push(x)
      i++
    } else {
      out.push(y)
      j++
    }
  }
  return out
}

/** What counts against a send at `now`, ascending: settled requests, and in-flight ones as leaving now. */
const sentBy = (t: Tidy, now: number): ReadonlyArray<number> =>
  merge(
    t.recent,
    t.inFlight.map(([sentAt]) => Math.max(sentAt, now)).sort((a, b) => a - b)
  )

/** The `requests`-th latest of `sorted` plus the span: the earliest time one more fits (or `-∞`). */
const freeAfter = (sorted: ReadonlyArray<number>, pace: Pace): number =>
  sorted.length >= pace.requests
    ? (sorted[sorted.length - pace.requests] ?? 0) + pace.spanMillis
    : Number.NEGATIVE_INFINITY

/**
 * The planning rule: the earliest time at or after `now` a new request may go (counting requests
 * sent, in flight and claimed, the spread, the queue and the pause), and the state with that time
 * claimed. Pure: stores call it inside their atomic update. A claim is a plan only: whoever holds
 * it sends at that time if `confirm` admits it then.
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
  const t = tidy(state, pace, now)
  const counted = merge(sentBy(t, now), t.claims)
  let at = Math.max(now, t.pausedUntil, t.claims.at(-1) ?? Number.NEGATIVE_INFINITY, freeAfter(counted, pace))
  // the spread: GCRA, `burst` may run ahead of the pacing clock
  const paceAt = t.paceAt ?? at
  // whole milliseconds: the span arithmetic stays exact
  at = Math.ceil(Math.max(at, paceAt - (pace.burst - 1) * pace.spacingMillis))
  return [
    at,
    stateOf({ ...t, claims: live(insert(t.claims, at), pace, now) }, Math.max(paceAt, at) + pace.spacingMillis)
  ]
}

/**
 * What `confirm` decided: `sent` — the request goes now, at `at`, and counts as in flight until
 * settled; otherwise the caller claimed `at` and confirms again then.
 *
 * @example
 * ```ts
 * import type { RateLimiter } from "@unishare/core"
 * const wait: RateLimiter.Admission = { sent: false, at: 5_100 }
 * ```
 */
export interface Admission {
  readonly sent: boolean
  readonly at: number
}

/**
 * The sending rule, for the caller that claimed `claimedAt` and woke at `now`: the send is
 * confirmed when the provider asked for no pause and, besides it, fewer than `requests` requests
 * are in flight or were settled within the last `windowMillis + marginMillis`; it is then in flight
 * (counted until settled, or `timeoutMillis` after `now` at most). Otherwise the claim moves to the
 * earliest time the budget admits it, as far as is known now. Claims of others do not count here:
 * they are plans, each confirmed in its turn. Pure: stores call it inside their atomic update.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * const pace = RateLimiter.paceOf({ requests: 1, windowMillis: 1_000 })
 * const [, planned] = RateLimiter.reserve(undefined, pace, 0)
 * const [sent, s1] = RateLimiter.confirm(planned, pace, 0, 0, 30_000) // { sent: true, at: 0 }
 * // a second caller at 10 claims 1_110; the first request is answered at 400, so 1_110 is too early
 * const [claim, s2] = RateLimiter.reserve(s1, pace, 10)
 * const answered = RateLimiter.settleState(s2, pace, 0, 400)
 * RateLimiter.confirm(answered, pace, claim, claim, 30_000)[0] // { sent: false, at: 1_500 }
 * ```
 */
export const confirm = (
  state: State | undefined,
  pace: Pace,
  claimedAt: number,
  now: number,
  timeoutMillis: number
): readonly [Admission, State] => {
  const t = tidy(state, pace, now)
  const claims = without(t.claims, claimedAt)
  const paceAt = t.paceAt ?? now
  const sent = sentBy(t, now)
  let counted = 0
  for (const at of sent) if (at > now - pace.spanMillis) counted++
  if (now >= t.pausedUntil && counted < pace.requests) {
    return [
      { sent: true, at: now },
      stateOf({ ...t, claims, inFlight: [...t.inFlight, [now, now + Math.max(0, timeoutMillis)]] }, paceAt)
    ]
  }
  const at = Math.ceil(Math.max(now + 1, t.pausedUntil, freeAfter(sent, pace)))
  return [{ sent: false, at }, stateOf({ ...t, claims: live(insert(claims, at), pace, now) }, paceAt)]
}

/**
 * `state` with the claim at `claimedAt` withdrawn (its caller gave up waiting); when it was the
 * latest claim, the pacing clock goes back by the spacing it added.
 */
const withdraw = (state: State | undefined, pace: Pace, claimedAt: number): State => {
  if (state === undefined) return { recent: [], inFlight: [], claims: [], paceAt: 0, pausedUntil: 0 }
  const claims = state.claims ?? []
  const latest = claims.at(-1) === claimedAt
  return {
    ...state,
    claims: without(claims, claimedAt),
    paceAt: latest ? Math.max(claimedAt, state.paceAt - pace.spacingMillis) : state.paceAt
  }
}

/**
 * Waits until one more request fits the budget for `key`, confirms it (see `confirm`) and returns
 * its send time, for `settle`: send at once, and settle when it ended however it ended. Callers
 * that must wait sleep until their claim and confirm again on waking, so a late wake-up (a busy
 * machine) is checked against what happened meanwhile; they queue in order. `timeoutMillis`
 * (default 60 s) bounds how long the request can be in flight: if it is never settled (its
 * process ended), it counts as in flight that long, then as answered then.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RateLimiter } from "@unishare/core"
 * const limit = { requests: 300, windowMillis: 60_000 }
 * const send = Effect.succeed("sent")
 * const limited = RateLimiter.acquire("smartsheet:abc", limit, { timeoutMillis: 30_000 }).pipe(
 *   Effect.flatMap((sentAt) => Effect.ensuring(send, Effect.ignore(RateLimiter.settle("smartsheet:abc", limit, sentAt))))
 * )
 * ```
 */
export const acquire = (
  key: string,
  limit: RateLimit,
  options?: { readonly timeoutMillis?: number | undefined }
): Effect.Effect<number, StoreUnavailable> =>
  Effect.gen(function* () {
    const store = yield* Store
    const clock = yield* Clock.Clock
    const pace = paceOf(limit)
    const timeoutMillis = options?.timeoutMillis ?? 60_000
    // the time is read inside each update: a shared store may wait for the key's lock first, and
    // a time from before that wait would be too early
    let admission = yield* store.update(key, (state): readonly [Admission, State] => {
      const now = clock.currentTimeMillisUnsafe()
      const [at, planned] = reserve(state, pace, now)
      return at <= now ? confirm(planned, pace, at, now, timeoutMillis) : [{ sent: false, at }, planned]
    })
    while (!admission.sent) {
      const claimedAt = admission.at
      const now = clock.currentTimeMillisUnsafe()
      if (claimedAt > now) {
        yield* Effect.onInterrupt(Effect.sleep(Duration.millis(claimedAt - now)), () =>
          Effect.ignore(store.update(key, (state) => [undefined, withdraw(state, pace, claimedAt)]))
        )
      }
      admission = yield* store.update(key, (state) =>
        confirm(state, pace, claimedAt, clock.currentTimeMillisUnsafe(), timeoutMillis)
      )
    }
    return admission.at
  })

/**
 * Settles the request sent at `sentAt` (what `acquire` returned), answered or given up at
 * `answeredAt`: it is no longer in flight and counts from `answeredAt` on, the latest it can have
 * arrived. A request no longer in flight (settled already, or past its `timeoutMillis`) is left
 * alone.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * const pace = RateLimiter.paceOf({ requests: 2, windowMillis: 1_000 })
 * const [, planned] = RateLimiter.reserve(undefined, pace, 0)
 * const [, sent] = RateLimiter.confirm(planned, pace, 0, 0, 30_000)
 * RateLimiter.settleState(sent, pace, 0, 3_000).recent // [3_000]
 * ```
 */
export const settleState = (state: State, pace: Pace, sentAt: number, answeredAt: number): State => {
  const inFlight = state.inFlight ?? []
  const index = inFlight.findIndex(([at]) => at === sentAt)
  if (index < 0) return state
  const at = Math.max(sentAt, Math.ceil(answeredAt))
  return {
    ...state,
    inFlight: [...inFlight.slice(0, index), ...inFlight.slice(index + 1)],
    recent: live(insert(state.recent, at), pace, at)
  }
}

/**
 * Call when the request sent at `sentAt` (what `acquire` returned) was answered, failed or was
 * abandoned: it stops counting as in flight and counts from now, the latest it can have arrived
 * (`settleState`). One store update per request.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RateLimiter } from "@unishare/core"
 * const limit = { requests: 60, windowMillis: 5_000 }
 * const program = Effect.flatMap(RateLimiter.acquire("eci:1", limit), (sentAt) =>
 *   RateLimiter.settle("eci:1", limit, sentAt)
 * )
 * ```
 */
export const settle = (key: string, limit: RateLimit, sentAt: number): Effect.Effect<void, StoreUnavailable> =>
  Effect.gen(function* () {
    const clock = yield* Clock.Clock
    const store = yield* Store
    const pace = paceOf(limit)
    yield* store.update(key, (state) => [
      undefined,
      state === undefined
        ? { recent: [], inFlight: [], claims: [], paceAt: 0, pausedUntil: 0 }
        : settleState(state, pace, sentAt, clock.currentTimeMillisUnsafe())
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
          inFlight: state?.inFlight ?? [],
          claims: state?.claims ?? [],
          paceAt: state?.paceAt ?? now,
          pausedUntil: Math.max(state?.pausedUntil ?? 0, now + millis)
        }
      ]
    })
  })
}
