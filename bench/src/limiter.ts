/**
 * The client budget against a provider that counts by arrival: the client's limit set to exactly
 * the simulator's (60 / 5 s), 500 creates through the neutral adapter on virtual time with up to
 * 50 ms of modelled network delay. Counts 429s and the share of the budget used: requests over the
 * budget of the windows the run occupied.
 */
import { randomUUID } from "node:crypto"
import * as Cloudflare from "@unishare/cloudflare"
import * as CloudflareSim from "@unishare/cloudflare/simulator"
import { Grantee } from "@unishare/core"
import { VirtualTime } from "@unishare/core/testing"
import * as Smartsheet from "@unishare/smartsheet"
import * as SmartsheetSim from "@unishare/smartsheet/simulator"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import type { Row, Suite } from "./harness.ts"

const budget = { requests: 60, windowMillis: 5_000 }
const creates = 500

const outcome = (log: ReadonlyArray<{ readonly at: number; readonly status: number | "dropped" }>) => {
  const first = log[0]?.at ?? 0
  const last = log.at(-1)?.at ?? 0
  return {
    rejected: log.filter((r) => r.status === 429).length,
    // of the budget of the windows the run occupied (from its first request), the share it used
    used: log.length / (Math.ceil((last - first) / budget.windowMillis) * budget.requests)
  }
}

const rows = (name: string, o: { rejected: number; used: number }): ReadonlyArray<Row> => [
  { name: `${name}: 429s in ${creates} creates`, value: String(o.rejected), target: "0", ok: o.rejected === 0 },
  { name: `${name}: share of the budget used`, value: o.used.toFixed(2), target: "≥ 0.9", ok: o.used >= 0.9 }
]

const cloudflare = Effect.gen(function* () {
  const clock = yield* TestClock.testClockWith(Effect.succeed)
  const token = `bench-${randomUUID()}`
  const owner = "023e105f4ecef8ad9ca31a8372d0c353"
  const org = "4ae96b85c43850f2c0a7b9101a0eeb18"
  const recipients = ["1", "2", "3"].map((d) => d.repeat(32))
  const sim = yield* CloudflareSim.serve({
    now: VirtualTime.skewedClock(() => clock.currentTimeMillisUnsafe(), { maxSkewMillis: 50, seed: 5 }),
    transitions: { mode: "reads", reads: 0 },
    rateLimit: budget,
    credentials: [{ token, principal: "bench" }],
    seed: {
      accounts: [owner, ...recipients].map((id) => ({ id, organization_id: org }))
    }
  })
  const seeded = sim.seedShare({
    account_id: owner,
    name: "Rules",
    resources: [{ resource_id: "8ac8489932db6327334c9b6d58544cfe", resource_type: "custom-ruleset" }]
  })
  const provider = yield* Cloudflare.make({
    credentials: Cloudflare.Client.apiToken(Redacted.make(token)),
    baseUrl: sim.url,
    rateLimit: budget,
    timeoutMillis: 600_000,
    retry: { times: 0 }
  })
  const resource = Cloudflare.share(owner, seeded.id)
  yield* VirtualTime.run(
    Effect.forEach(
      recipients,
      (account, w) =>
        Effect.forEach(
          Array.from({ length: Math.ceil((creates - w) / recipients.length) }),
          () =>
            Effect.flatMap(provider.grant(resource, { grantee: Grantee.account(account), level: "viewer" }), (s) =>
              provider.revoke(resource, s.id)
            ),
          { discard: true }
        ),
      { concurrency: "unbounded", discard: true }
    ),
    { stepMillis: 25 }
  ).pipe(Effect.ignore)
  return outcome(sim.log())
})

const smartsheet = Effect.gen(function* () {
  const clock = yield* TestClock.testClockWith(Effect.succeed)
  const token = `bench-${randomUUID()}`
  const owner = "owner@example.com"
  const sheet = "3000000000000001"
  const sim = yield* SmartsheetSim.serve({
    now: VirtualTime.skewedClock(() => clock.currentTimeMillisUnsafe(), { maxSkewMillis: 50, seed: 9 }),
    rateLimit: budget,
    seed: {
      users: [{ email: owner }],
      tokens: [{ token, user: owner }],
      assets: [{ type: "sheet", id: sheet, name: "Sheet", owner }]
    }
  })
  const provider = yield* Smartsheet.make({
    token: Redacted.make(token),
    baseUrl: sim.url,
    rateLimit: budget,
    timeoutMillis: 600_000,
    retry: { times: 0 }
  })
  const resource = Smartsheet.asset("sheet", sheet)
  yield* VirtualTime.run(
    Effect.forEach(
      Array.from({ length: creates }, (_, i) => i),
      (i) => provider.grant(resource, { grantee: Grantee.user({ email: `user${i}@example.com` }), level: "viewer" }),
      { concurrency: 4, discard: true }
    ),
    { stepMillis: 25 }
  ).pipe(Effect.ignore)
  return outcome(sim.log())
})

export const limiter: Suite = {
  name: `client budget = server budget (60 / 5 s, counted by arrival, ≤ 50 ms skew), ${creates} creates`,
  run: async () => {
    const run = <A>(
      effect: Effect.Effect<A, unknown, import("effect").Scope.Scope | import("effect/http").HttpClient.HttpClient>
    ) =>
      Effect.runPromise(
        Effect.scoped(effect).pipe(Effect.provide(FetchHttpClient.layer), Effect.provide(TestClock.layer()))
      )
    return [...rows("Cloudflare", await run(cloudflare)), ...rows("Smartsheet", await run(smartsheet))]
  }
}
