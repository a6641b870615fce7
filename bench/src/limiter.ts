/**
 * The client budget against a provider that counts by arrival: the client's limit set to exactly
 * the simulator's (60 / 5 s), counting 429s and the share of the budget used (requests over the
 * budget of the windows the run occupied).
 *
 * - **Quiet**: 500 creates through the neutral adapter on virtual time with up to 50 ms of modelled
 *   network delay.
 * - **Busy**: 500 creates started at once through each client on the real clock, with three
 *   processes spinning beside it on the CPU, so this process is descheduled at random between
 *   deciding to send and sending. The simulator runs in this process (its arrival times stall with
 *   it) and its clock runs up to 50 ms ahead of the client's at random. Cloudflare's lockout is
 *   shortened to one window there, so that a run that draws a `429` ends in seconds rather than
 *   five minutes; the first `429` is what counts.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { randomUUID } from "node:crypto"
import * as Cloudflare from "@unishare/cloudflare"
import * as CloudflareSim from "@unishare/cloudflare/simulator"
import { Grantee } from "@unishare/core"
import { VirtualTime } from "@unishare/core/testing"
import * as Smartsheet from "@unishare/smartsheet"
import * as SmartsheetSim from "@unishare/smartsheet/simulator"
import { Effect, Redacted, type Scope } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import type { Row, Suite } from "./harness.ts"

const budget = { requests: 60, windowMillis: 5_000 }
const creates = 500
const busyProcesses = 3

const outcome = (log: ReadonlyArray<{ readonly at: number; readonly status: number | "dropped" }>) => {
  const first = log[0]?.at ?? 0
  const last = log.at(-1)?.at ?? 0
  return {
    rejected: log.filter((r) => r.status === 429).length,
    // of the budget of the windows the run occupied (from its first request), the share it used
    used: log.length / (Math.ceil((last - first) / budget.windowMillis) * budget.requests)
  }
}

const rows = (name: string, o: { rejected: number; used: number }, minUsed: number): ReadonlyArray<Row> => [
  { name: `${name}: 429s in ${creates} creates`, value: String(o.rejected), target: "0", ok: o.rejected === 0 },
  {
    name: `${name}: share of the budget used`,
    value: o.used.toFixed(2),
    target: `≥ ${minUsed}`,
    ok: o.used >= minUsed
  }
]

const cloudflareIds = {
  owner: "023e105f4ecef8ad9ca31a8372d0c353",
  org: "4ae96b85c43850f2c0a7b9101a0eeb18",
  ruleset: "8ac8489932db6327334c9b6d58544cfe"
}

const cloudflare = Effect.gen(function* () {
  const clock = yield* TestClock.testClockWith(Effect.succeed)
  const token = `bench-${randomUUID()}`
  const { owner, org } = cloudflareIds
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
    resources: [{ resource_id: cloudflareIds.ruleset, resource_type: "custom-ruleset" }]
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

/** `busyProcesses` processes spinning on the CPU for the scope's lifetime (killed when it closes). */
const busyMachine = Effect.acquireRelease(
  Effect.sync(() =>
    Array.from({ length: busyProcesses }, () => spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }))
  ),
  (children: ReadonlyArray<ChildProcess>) =>
    Effect.promise(() =>
      Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve()
              child.once("exit", () => resolve())
              child.kill("SIGKILL")
            })
        )
      )
    )
)

/** The simulator's clock: the real one, up to 50 ms ahead at random. */
const realArrivalClock = (seed: number) => VirtualTime.skewedClock(() => Date.now(), { maxSkewMillis: 50, seed })

/** 500 recipients created at once on one share (one `POST …/recipients` each), on the real clock. */
const cloudflareBusy = Effect.gen(function* () {
  const token = `bench-${randomUUID()}`
  const { owner, org } = cloudflareIds
  const recipients = Array.from({ length: creates }, (_, i) => (i + 1).toString(16).padStart(32, "0"))
  const sim = yield* CloudflareSim.serve({
    now: realArrivalClock(5),
    transitions: { mode: "reads", reads: 0 },
    rateLimit: { ...budget, lockoutMillis: budget.windowMillis },
    credentials: [{ token, principal: "bench" }],
    seed: { accounts: [owner, ...recipients].map((id) => ({ id, organization_id: org })) }
  })
  const seeded = sim.seedShare({
    account_id: owner,
    name: "Rules",
    resources: [{ resource_id: cloudflareIds.ruleset, resource_type: "custom-ruleset" }]
  })
  const client = yield* Cloudflare.Client.make({
    credentials: Cloudflare.Client.apiToken(Redacted.make(token)),
    baseUrl: sim.url,
    rateLimit: budget,
    timeoutMillis: 600_000,
    retry: { times: 0 }
  })
  yield* busyMachine
  yield* Effect.forEach(
    recipients,
    (account) => Effect.ignore(client.createRecipient(owner, seeded.id, { recipient_account_id: account })),
    { concurrency: "unbounded", discard: true }
  )
  return outcome(sim.log())
})

/** 500 shares created at once on one sheet (one `POST /shares` each), on the real clock. */
const smartsheetBusy = Effect.gen(function* () {
  const token = `bench-${randomUUID()}`
  const owner = "owner@example.com"
  const sheet = "3000000000000001"
  const sim = yield* SmartsheetSim.serve({
    now: realArrivalClock(9),
    rateLimit: budget,
    seed: {
      users: [{ email: owner }],
      tokens: [{ token, user: owner }],
      assets: [{ type: "sheet", id: sheet, name: "Sheet", owner }]
    }
  })
  const client = yield* Smartsheet.Client.make({
    token: Redacted.make(token),
    baseUrl: sim.url,
    rateLimit: budget,
    timeoutMillis: 600_000,
    retry: { times: 0 }
  })
  yield* busyMachine
  yield* Effect.forEach(
    Array.from({ length: creates }, (_, i) => i),
    (i) =>
      Effect.ignore(
        client.shareAsset({ assetType: "sheet", assetId: sheet }, [
          { email: `user${i}@example.com`, accessLevel: "VIEWER" }
        ])
      ),
    { concurrency: "unbounded", discard: true }
  )
  return outcome(sim.log())
})

const quiet = <A>(effect: Effect.Effect<A, unknown, Scope.Scope | HttpClient.HttpClient>) =>
  Effect.runPromise(
    Effect.scoped(effect).pipe(Effect.provide(FetchHttpClient.layer), Effect.provide(TestClock.layer()))
  )

const real = <A>(effect: Effect.Effect<A, unknown, Scope.Scope | HttpClient.HttpClient>) =>
  Effect.runPromise(Effect.scoped(effect).pipe(Effect.provide(FetchHttpClient.layer)))

export const limiter: Suite = {
  name: `client budget = server budget (60 / 5 s, counted by arrival, ≤ 50 ms skew), ${creates} creates`,
  run: async () => [
    ...rows("Cloudflare", await quiet(cloudflare), 0.9),
    ...rows("Smartsheet", await quiet(smartsheet), 0.9)
  ]
}

export const limiterBusy: Suite = {
  name: `client budget = server budget on a busy machine (${busyProcesses} processes spinning beside it, real clock), ${creates} creates at once`,
  run: async () => [
    ...rows("Cloudflare", await real(cloudflareBusy), 0.85),
    ...rows("Smartsheet", await real(smartsheetBusy), 0.85)
  ]
}
