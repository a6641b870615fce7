/**
 * A client-side request budget per credential that uses the provider's budget fully without a `429`.
 *
 * **The problem.** A provider counts requests when they *arrive*; a client can only count when it
 * *sends*. A client that sends exactly `requests` per `windowMillis` by its own clock is over the
 * budget as soon as one request travels slower than the one a window before it. Some providers
 * punish that hard (Cloudflare locks the credential out for five minutes).
 *
 * **The algorithm.** A token bucket per credential key, derived from the documented budget
 * (`budgetOf`):
 * - a small burst (`burst`, 5% of the budget, at least 1) may go at once;
 * - the rest is spread evenly: one token every `intervalMillis = (windowMillis + marginMillis) / (requests - burst)`
 *   (plus 1 ms), so any span of `windowMillis + marginMillis` by send time holds at most `requests`
 *   sends. `marginMillis` (2% of the window, 100 ms to 5 s) is the send → arrival skew the budget
 *   absorbs: whatever arrives within that skew still fits the provider's window. The cost is
 *   about 7% of the budget (≥ 0.9 of it is used).
 * - A burst of calls does not go at once: each caller reserves the next token (the bucket goes
 *   into debt) and sleeps until its turn, on Effect's `Clock` (tests can use `TestClock`).
 *
 * **Learning from the provider** (`observe`, called by `HttpApi` after every response):
 * - `429` (with `Retry-After`, or for a whole window without one): nothing more is sent until the
 *   provider's wait plus the margin has passed, then the even pace resumes (no burst).
 * - the IETF / Cloudflare `RateLimit: "name";r=<remaining>;t=<seconds>` header: when the provider
 *   says fewer requests remain than the bucket would send at once, the bucket is drained down to
 *   that number; `r=0` is treated as a `Retry-After` of `t` seconds. (Only Cloudflare documents
 *   rate-limit headers; Smartsheet's `X-RateLimit-*` are unconfirmed and EnergyCAP documents none.)
 *
 * **Where the state lives.** The bucket state is kept in a `RateLimiterStore` from
 * `effect/persistence` — the store Effect's own `RateLimiter` uses — and only its atomic
 * `tokenBucket` operation is used (`allowOverflow: true` for reservations, fractional refill
 * intervals). Effect's `RateLimiter.consume` itself is not used because its token bucket refills
 * `limit` tokens per `window` (a full burst plus a full window: up to twice the budget in one
 * window) and has no skew margin; its fixed window allows the same doubling at window edges.
 * The store comes from the `Store` reference: by default one in-memory store
 * (`layerStoreMemory`) shared by every client of the process; provide another (Redis from Effect,
 * or a SQL one) to share one budget between processes:
 * `Effect.provideService(RateLimiter.Store, store)`.
 *
 * @since 0.1.0
 */
import { Context, Duration, Effect } from "effect"
import { RateLimiter as Persistence } from "effect/persistence"
import type { RateLimit } from "./Capabilities.ts"

/**
 * The store that holds every budget: an `effect/persistence` `RateLimiterStore`.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * const uses = (store: RateLimiter.StoreShape) => store.tokenBucket
 * ```
 */
export type StoreShape = Persistence.RateLimiterStore["Service"]

/**
 * Where budgets are kept. Default: one in-memory store for the whole process.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { RateLimiter as Persistence } from "effect/persistence"
 * import { RateLimiter } from "@unishare/core"
 * // one store per test (or a shared Redis/SQL store in production)
 * const fresh = Effect.gen(function* () {
 *   const store = yield* Persistence.RateLimiterStore
 *   return store
 * }).pipe(Effect.provide(Persistence.layerStoreMemory))
 * const program = Effect.flatMap(fresh, (store) =>
 *   RateLimiter.acquire("k", { requests: 60, windowMillis: 5_000 }).pipe(Effect.provideService(RateLimiter.Store, store)))
 * ```
 */
export const Store: Context.Reference<StoreShape> = Context.Reference<StoreShape>("@unishare/core/RateLimiter/Store", {
  defaultValue: () => Effect.runSync(Effect.provide(Persistence.RateLimiterStore, Persistence.layerStoreMemory))
})

/**
 * How a documented budget is paced: the burst allowed at once, the pace after it and the skew
 * margin it leaves.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * const pace: RateLimiter.Pace = RateLimiter.budgetOf({ requests: 60, windowMillis: 5_000 })
 * ```
 */
export interface Pace {
  readonly burst: number
  readonly intervalMillis: number
  readonly marginMillis: number
}

/**
 * The pace for a budget: `burst` at once (5%, at least 1), then one request per `intervalMillis`,
 * so that any `windowMillis + marginMillis` of sends holds at most `requests`.
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * RateLimiter.budgetOf({ requests: 60, windowMillis: 5_000 }).burst // 3
 * ```
 */
export const budgetOf = (limit: RateLimit): Pace => {
  const requests = Math.max(1, limit.requests)
  const burst = Math.max(1, Math.floor(requests / 20))
  const marginMillis = Math.min(5_000, Math.max(100, limit.windowMillis * 0.02))
  const sustained = Math.max(1, requests - burst)
  return { burst, marginMillis, intervalMillis: (limit.windowMillis + marginMillis) / sustained + 1 }
}

const bucket = (store: StoreShape, key: string, pace: Pace, tokens: number) =>
  store
    .tokenBucket({
      key,
      tokens,
      limit: pace.burst,
      refillRate: Duration.millis(pace.intervalMillis),
      allowOverflow: true
    })
    .pipe(Effect.orDie)

/**
 * Waits until one more request fits the budget for `key`, then reserves it. Concurrent callers
 * queue in order, one `intervalMillis` apart once the burst is used.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RateLimiter } from "@unishare/core"
 * const send = Effect.succeed("sent")
 * const limited = RateLimiter.acquire("smartsheet:abc", { requests: 300, windowMillis: 60_000 }).pipe(Effect.andThen(send))
 * ```
 */
export const acquire = (key: string, limit: RateLimit): Effect.Effect<void> =>
  Effect.flatMap(Store, (store: StoreShape) => {
    const pace = budgetOf(limit)
    return Effect.flatMap(bucket(store, key, pace, 1), ([remaining, elapsedMillis]) => {
      const delay = remaining < 0 ? Math.ceil(-remaining) * pace.intervalMillis - elapsedMillis : 0
      return delay > 0 ? Effect.sleep(Duration.millis(delay)) : Effect.void
    })
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
 * remaining requests and seconds until they reset. `undefined` when absent or unreadable.
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
 * `Retry-After` (a whole window without one) plus the margin; a `RateLimit` header with fewer
 * remaining requests than the bucket holds drains it (`r=0` pauses until the reset).
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * const learn = RateLimiter.observe("cloudflare:abc", { requests: 1200, windowMillis: 300_000 },
 *   { status: 200, headers: { ratelimit: '"default";r=0;t=30' } })
 * ```
 */
export const observe = (key: string, limit: RateLimit, feedback: Feedback): Effect.Effect<void> => {
  const header = parseRateLimitHeader(feedback.headers.ratelimit)
  let pauseMillis: number | undefined
  if (feedback.status === 429) pauseMillis = feedback.retryAfterMillis ?? header?.resetMillis ?? limit.windowMillis
  else if (header !== undefined && header.remaining === 0) pauseMillis = header.resetMillis
  if (pauseMillis === undefined && header === undefined) return Effect.void
  return Effect.flatMap(Store, (store: StoreShape) => {
    const pace = budgetOf(limit)
    return Effect.flatMap(bucket(store, key, pace, 0), ([remaining, elapsedMillis]) => {
      let take = 0
      if (pauseMillis !== undefined) {
        // leave the bucket in debt so that the next reservation waits out the pause and the margin
        const owed = Math.ceil((pauseMillis + pace.marginMillis + elapsedMillis) / pace.intervalMillis)
        take = remaining + owed
      } else if (header !== undefined && header.remaining < remaining) {
        take = remaining - header.remaining
      }
      return take > 0 ? Effect.asVoid(bucket(store, key, pace, take)) : Effect.void
    })
  })
}
