/**
 * The client's budget against a simulator that counts by arrival (with a modelled network delay)
 * and locks the credential out on the first excess request, as Cloudflare does.
 */
import { assert, describe, it } from "@effect/vitest"
import { Grantee, RateLimiter } from "@unishare/core"
import { VirtualTime } from "@unishare/core/testing"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import * as Provider from "../src/Provider.ts"
import { environment, OWNER, R1, R2, R3, ruleset } from "./support.ts"

const budget = { requests: 60, windowMillis: 5_000 }

describe("rate limit", () => {
  it.effect("60 / 5 s counted by arrival: 500 grants, zero 429s, at least 0.9 of the budget used", () =>
    Effect.gen(function* () {
      const clock = yield* TestClock.testClockWith(Effect.succeed)
      const { sim, client } = yield* environment({
        now: VirtualTime.skewedClock(() => clock.currentTimeMillisUnsafe(), { maxSkewMillis: 50, seed: 13 }),
        transitions: { mode: "reads", reads: 0 },
        rateLimit: budget,
        client: { rateLimit: budget, timeoutMillis: 600_000 }
      })
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const resource = Provider.share(OWNER, seeded.id)
      const provider = Provider.fromClient(client)
      // three workers, one recipient each, grant and revoke in turn: 500 grants, all at once
      const grants = [167, 167, 166]
      yield* VirtualTime.run(
        Effect.forEach(
          [R1, R2, R3],
          (account, w) =>
            Effect.forEach(
              Array.from({ length: grants[w] ?? 0 }),
              () =>
                Effect.flatMap(provider.grant(resource, { grantee: Grantee.account(account), level: "viewer" }), (s) =>
                  provider.revoke(resource, s.id)
                ),
              { discard: true }
            ),
          { concurrency: "unbounded", discard: true }
        ),
        { stepMillis: 25 }
      )
      const log = sim.log()
      const granted = log.filter((r) => r.method === "POST" && r.status === 201).length
      assert.isAtLeast(granted, 500)
      assert.deepStrictEqual(
        log.filter((r) => r.status === 429),
        []
      )
      assert.isAtMost(
        VirtualTime.busiestWindow(
          log.map((r) => r.at),
          budget.windowMillis
        ),
        budget.requests
      )
      const first = log[0]?.at ?? 0
      const last = log.at(-1)?.at ?? 0
      const used = log.length / (((last - first) / budget.windowMillis) * budget.requests)
      assert.isAtLeast(used, 0.9, `used ${used.toFixed(3)} of the budget`)
    })
  )

  it.effect("a burst is spread: the first few go at once, the rest one interval apart", () =>
    Effect.gen(function* () {
      const clock = yield* TestClock.testClockWith(Effect.succeed)
      const { sim, client } = yield* environment({
        now: () => clock.currentTimeMillisUnsafe(),
        rateLimit: false,
        client: { rateLimit: budget, timeoutMillis: 600_000 }
      })
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      yield* VirtualTime.run(
        Effect.forEach(Array.from({ length: 40 }), () => client.getShare(OWNER, seeded.id), {
          concurrency: "unbounded",
          discard: true
        }),
        { stepMillis: 1 }
      )
      const at = sim.log().map((r) => r.at)
      const pace = RateLimiter.paceOf(budget)
      assert.strictEqual(at.filter((t) => t === at[0]).length, pace.burst)
      const gaps = at.slice(pace.burst).map((t, i) => t - (at[pace.burst + i - 1] ?? 0))
      for (const gap of gaps) assert.isAtLeast(gap, Math.floor(pace.spacingMillis))
    })
  )

  it.effect("learns from the provider: RateLimit r=0 pauses until its reset; a 429 pauses for Retry-After", () =>
    Effect.gen(function* () {
      const clock = yield* TestClock.testClockWith(Effect.succeed)
      const { sim, client } = yield* environment({
        now: () => clock.currentTimeMillisUnsafe(),
        // the provider's budget is smaller than the client believes (another client shares the token)
        rateLimit: { requests: 5, windowMillis: 5_000, lockoutMillis: 5_000 },
        client: { rateLimit: budget, timeoutMillis: 600_000, retry: { times: 3 } }
      })
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      yield* VirtualTime.run(
        Effect.forEach(Array.from({ length: 12 }), () => client.getShare(OWNER, seeded.id), { discard: true }),
        { stepMillis: 10 }
      )
      const log = sim.log()
      // the fifth answer says r=0: the sixth waits for the reset instead of hitting 429
      assert.deepStrictEqual(
        log.filter((r) => r.status === 429),
        []
      )
      assert.strictEqual(log.length, 12)
      assert.isAtMost(
        VirtualTime.busiestWindow(
          log.map((r) => r.at),
          5_000
        ),
        5
      )
    })
  )
})
