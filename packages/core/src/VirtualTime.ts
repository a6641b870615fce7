/**
 * Runs an effect that talks to a local simulator on `TestClock`, moving virtual time only while
 * no request is in flight. Every request then reaches the simulator at the virtual time it was
 * sent, so rate-limit tests see exactly the pacing the client chose — plus whatever skew the test
 * models on purpose (see `skewedClock`) — however slow or loaded the machine is.
 *
 * In-flight requests are counted by wrapping the `fetch` that `FetchHttpClient` uses (its `Fetch`
 * reference); virtual time moves by `stepMillis` only after the count has stayed at zero, with no
 * new request started, for several turns of the event loop.
 *
 * @since 0.1.0
 */
import { Effect, Fiber } from "effect"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Runs `effect` to completion under `TestClock`, advancing virtual time in `stepMillis` steps while
 * the program waits on the clock and no request is in flight. Fails the effect's way; dies after
 * `maxSteps` steps (a program that never finishes).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { VirtualTime } from "@unishare/core/testing"
 * const program = VirtualTime.run(Effect.sleep("10 seconds").pipe(Effect.as("done")), { stepMillis: 100 })
 * ```
 */
export const run = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options: { readonly stepMillis: number; readonly maxSteps?: number | undefined }
): Effect.Effect<A, E, R> =>
  Effect.gen(function* () {
    let inFlight = 0
    let started = 0
    const counting: typeof globalThis.fetch = async (input, init) => {
      inFlight++
      started++
      try {
        return await globalThis.fetch(input, init)
      } finally {
        inFlight--
      }
    }
    const fiber = yield* Effect.forkChild(Effect.provideService(effect, FetchHttpClient.Fetch, counting))
    const maxSteps = options.maxSteps ?? 1_000_000
    for (let step = 0; step < maxSteps; step++) {
      // quiet: nothing in flight and nothing new started for three turns of the event loop
      let quiet = 0
      while (quiet < 3) {
        const before = started
        yield* Effect.promise(turn)
        if (fiber.pollUnsafe() !== undefined) return yield* Fiber.join(fiber)
        quiet = inFlight === 0 && started === before ? quiet + 1 : 0
      }
      yield* TestClock.adjust(options.stepMillis)
    }
    return yield* Effect.die(new Error(`VirtualTime.run: not finished after ${maxSteps} steps`))
  })

/**
 * A simulator clock: the test clock's time plus a network delay drawn from `[0, maxSkewMillis]`
 * (seeded, repeatable), never going backwards — arrival time as a provider would see it.
 *
 * @example
 * ```ts
 * import { VirtualTime } from "@unishare/core/testing"
 * const arrival = VirtualTime.skewedClock(() => 0, { maxSkewMillis: 50, seed: 7 })
 * arrival() >= 0 // true
 * ```
 */
export const skewedClock = (
  sent: () => number,
  options: { readonly maxSkewMillis: number; readonly seed?: number | undefined }
): (() => number) => {
  let state = (options.seed ?? 1) >>> 0 || 1
  let last = Number.NEGATIVE_INFINITY
  return () => {
    // xorshift32: a small repeatable generator
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    const at = Math.max(last, sent() + (state / 0x1_0000_0000) * options.maxSkewMillis)
    last = at
    return at
  }
}

/**
 * The largest number of entries in any `windowMillis` span of `times` (sorted or not): what a
 * provider counting by arrival in a sliding window would have seen.
 *
 * @example
 * ```ts
 * import { VirtualTime } from "@unishare/core/testing"
 * VirtualTime.busiestWindow([0, 10, 20, 1_000], 100) // 3
 * ```
 */
export const busiestWindow = (times: ReadonlyArray<number>, windowMillis: number): number => {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[start] ?? 0) <= (sorted[end] ?? 0) - windowMillis) start++
    best = Math.max(best, end - start + 1)
  }
  return best
}
