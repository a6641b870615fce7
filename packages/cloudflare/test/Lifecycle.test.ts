/**
 * The asynchronous lifecycle, timed with TestClock: the simulator runs in time mode on the test's
 * clock (`now = TestClock`), and core's `Settle.awaitSettled` polls with a `Schedule` in virtual time.
 */
import { assert, describe, it } from "@effect/vitest"
import { Settle, type SharingProvider } from "@unishare/core"
import { Clock, Effect, Fiber, Schedule } from "effect"
import { TestClock } from "effect/testing"
import * as Provider from "../src/Provider.ts"
import { environment, OWNER, R1, R2, ruleset } from "./support.ts"

/**
 * Wraps a provider so the driver knows when a request is in flight: virtual time only moves while
 * the poller sleeps, so each poll happens at an exact virtual instant.
 */
const tracked = (provider: SharingProvider.Shape) => {
  let inFlight = 0
  const get: SharingProvider.Shape["get"] = (resource, id) =>
    Effect.suspend(() => {
      inFlight++
      return provider.get(resource, id)
    }).pipe(Effect.ensuring(Effect.sync(() => inFlight--)))
  return { provider: { ...provider, get }, busy: () => inFlight > 0 }
}

const tick = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 1)))

/** Runs `effect`, moving virtual time 1 s at a time whenever no request is in flight. */
const drive = <A, E>(effect: Effect.Effect<A, E>, busy: () => boolean, maxSeconds = 600) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.forkChild(effect)
    let seconds = 0
    while (fiber.pollUnsafe() === undefined && seconds < maxSeconds) {
      yield* tick
      if (busy() || fiber.pollUnsafe() !== undefined) continue
      yield* tick
      if (busy()) continue
      yield* TestClock.adjust("1 second")
      seconds++
    }
    return yield* Fiber.join(fiber)
  })

describe("lifecycle (time-driven simulator on TestClock)", () => {
  it.effect(
    "create share → add recipient → pending → active; delete → revoking → revoked; share deleting → deleted",
    () =>
      Effect.gen(function* () {
        const clock = yield* Clock.Clock
        const { sim, client } = yield* environment({
          now: () => clock.currentTimeMillisUnsafe(),
          transitions: { mode: "time", associateMillis: 30_000, disassociateMillis: 20_000, deleteMillis: 60_000 },
          client: { timeoutMillis: 86_400_000 }
        })
        const every5s = Schedule.spaced("5 seconds")

        // create share (with R1) → add recipient R2 through the neutral provider
        const created = yield* client.createShare(OWNER, {
          name: "WAF",
          recipients: [{ recipient_account_id: R1 }],
          resources: [{ meta: {}, resource_account_id: OWNER, ...ruleset }]
        })
        const resource = Provider.share(OWNER, created.id)
        const { provider, busy } = tracked(Provider.fromClient(client))
        const granted = yield* provider.grant(resource, { grantee: { _tag: "Account", id: R2 }, level: "viewer" })
        assert.strictEqual(granted.status._tag, "pending")

        // settles after 30 virtual seconds: polls at t = 0, 5, …, 30
        sim.clearLog()
        const active = yield* drive(Settle.awaitSettled(provider, resource, granted.id, every5s), busy)
        assert.strictEqual(active.status._tag, "active")
        assert.strictEqual(clock.currentTimeMillisUnsafe(), 30_000)
        const polls = sim.log().filter((r) => r.path.endsWith(`/recipients/${granted.id}`))
        assert.strictEqual(polls.length, 7)
        assert.deepStrictEqual(
          polls.map((r) => r.at),
          [0, 5_000, 10_000, 15_000, 20_000, 25_000, 30_000]
        )

        // revoke → revoking at once, revoked 20 virtual seconds later
        yield* provider.revoke(resource, granted.id)
        assert.strictEqual((yield* provider.get(resource, granted.id)).status._tag, "revoking")
        const revoked = yield* drive(Settle.awaitSettled(provider, resource, granted.id, every5s), busy)
        assert.strictEqual(revoked.status._tag, "revoked")
        assert.strictEqual(clock.currentTimeMillisUnsafe(), 50_000)

        // delete the share: its remaining recipient goes revoking → revoked, the share deleting → deleted
        const deleting = yield* client.deleteShare(OWNER, created.id)
        assert.strictEqual(deleting.status, "deleting")
        const recipientOfR1 = sim.state().shares[0]!.recipients.find((r) => r.account_id === R1)!
        assert.strictEqual((yield* provider.get(resource, recipientOfR1.id)).status._tag, "revoking")
        const gone = yield* drive(Settle.awaitSettled(provider, resource, recipientOfR1.id, every5s), busy)
        assert.strictEqual(gone.status._tag, "revoked")
        assert.strictEqual(clock.currentTimeMillisUnsafe(), 70_000)
        assert.strictEqual((yield* client.getShare(OWNER, created.id)).status, "deleting")
        yield* TestClock.adjust("40 seconds")
        assert.strictEqual((yield* client.getShare(OWNER, created.id)).status, "deleted")
      })
  )
})
