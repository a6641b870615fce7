/**
 * A client-side request budget per credential: at most `requests` in any sliding window of
 * `windowMillis`. Requests over the budget wait (on Effect's `Clock`, so tests can use `TestClock`).
 * Budgets are shared by every client of the same process that uses the same key.
 *
 * @since 0.1.0
 */
import { Clock, Effect } from "effect"
import type { RateLimit } from "./Capabilities.ts"

interface Window {
  readonly slots: Array<number>
  next: number
  lastNow: number
}

const windows = new Map<string, Window>()

/**
 * Waits until one more request fits the budget for `key`, then reserves it.
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
  Effect.flatMap(Clock.currentTimeMillis, (now) => {
    let window = windows.get(key)
    // a new budget, a changed limit, or a clock that went backwards (a test clock after the real one)
    if (window === undefined || window.slots.length !== limit.requests || now < window.lastNow) {
      window = {
        slots: Array.from({ length: Math.max(1, limit.requests) }, () => Number.NEGATIVE_INFINITY),
        next: 0,
        lastNow: now
      }
      windows.set(key, window)
    }
    window.lastNow = now
    const oldest = window.slots[window.next] ?? Number.NEGATIVE_INFINITY
    const sendAt = Math.max(now, oldest + limit.windowMillis)
    window.slots[window.next] = sendAt
    window.next = (window.next + 1) % window.slots.length
    return sendAt > now ? Effect.sleep(sendAt - now) : Effect.void
  })

/**
 * Forgets every budget (for tests that need a clean slate).
 *
 * @example
 * ```ts
 * import { RateLimiter } from "@unishare/core"
 * RateLimiter.resetAll()
 * ```
 */
export const resetAll = (): void => windows.clear()
