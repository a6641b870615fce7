/**
 * Retries on the virtual clock (`VirtualTime.run` moves `TestClock` only while no request is in
 * flight; the simulator logs arrivals on the same clock): 403 rate-limit reasons and 429 are sent
 * again after exponential backoff with jitter, for reads and every write; other 403s are sent once;
 * a create answered 5xx is settled by listing, not blindly resent.
 */
import { assert, describe, it } from "@effect/vitest"
import { VirtualTime } from "@unishare/core/testing"
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import * as Errors from "../src/Errors.ts"
import * as Simulator from "../src/Simulator.ts"
import { fixture, ids, users } from "./support.ts"

const policy = { times: 4, baseMillis: 1_000, maxMillis: 8_000 }
const rateLimited = (reason: string, status: 403 | 429 = 403) => ({
  kind: "status" as const,
  status,
  body: Simulator.errorBody(
    status,
    reason,
    reason === "sharingRateLimitExceeded" ? "The user has reached a sharing limit." : "Rate Limit Exceeded"
  )
})

const virtual = Effect.gen(function* () {
  const clock = yield* TestClock.testClockWith(Effect.succeed)
  const f = yield* fixture({
    simulator: { now: () => clock.currentTimeMillisUnsafe() },
    client: { retry: policy, timeoutMillis: 600_000 }
  })
  const gaps = () => {
    const at = f.sim.log().map((r) => r.at)
    return at.slice(1).map((t, i) => t - (at[i] ?? 0))
  }
  return { ...f, gaps }
})

/** Each gap is the backoff of its retry: base · 2ⁿ (capped) times a jitter in [0.5, 1], plus the virtual step. */
const assertBackoff = (gaps: ReadonlyArray<number>, step = 50) =>
  gaps.forEach((gap, n) => {
    const full = Math.min(policy.maxMillis, policy.baseMillis * 2 ** n)
    assert.isAtLeast(gap, full * 0.5, `retry ${n + 1}: ${gap} ms`)
    assert.isAtMost(gap, full + step, `retry ${n + 1}: ${gap} ms`)
  })

const run = <A, E, R>(effect: Effect.Effect<A, E, R>) => VirtualTime.run(effect, { stepMillis: 50 })

describe("retry on rate limits (virtual clock)", () => {
  it.effect("403 userRateLimitExceeded on a read: sent again after 0.5–1 s, then 1–2 s", () =>
    Effect.gen(function* () {
      const { sim, client, gaps } = yield* virtual
      sim.inject({ ...rateLimited("userRateLimitExceeded"), times: 2 })
      const p = yield* run(client.getPermission(ids.budget, users.owner))
      assert.strictEqual(p.role, "owner")
      assert.deepStrictEqual(
        sim.log().map((r) => r.status),
        [403, 403, 200]
      )
      assertBackoff(gaps())
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect(
    "403 rateLimitExceeded and sharingRateLimitExceeded on a create: the POST is sent again, the grant made once",
    () =>
      Effect.gen(function* () {
        const { sim, client, gaps } = yield* virtual
        sim.inject({ ...rateLimited("rateLimitExceeded"), method: "POST", times: 1 })
        sim.inject({ ...rateLimited("sharingRateLimitExceeded"), method: "POST", times: 1 })
        const created = yield* run(
          client.createPermission(ids.budget, { type: "user", role: "reader", emailAddress: "grace@example.com" })
        )
        assert.strictEqual(created.id, users.grace)
        assert.deepStrictEqual(
          sim.log().map((r) => [r.method, r.status]),
          [
            ["POST", 403],
            ["POST", 403],
            ["POST", 200]
          ]
        )
        assertBackoff(gaps())
        assert.strictEqual(sim.emails().length, 1)
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("429 rateLimitExceeded on PATCH, DELETE and POST: each sent again", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* virtual
      for (const method of ["PATCH", "DELETE", "POST"]) sim.inject({ ...rateLimited("rateLimitExceeded", 429), method })
      yield* run(client.updatePermission(ids.budget, users.finance, { role: "reader" }))
      yield* run(client.deletePermission(ids.budget, "anyoneWithLink"))
      yield* run(client.createPermission(ids.budget, { type: "domain", role: "reader", domain: "example.com" }))
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.status]),
        [
          ["PATCH", 429],
          ["PATCH", 200],
          ["DELETE", 429],
          ["DELETE", 204],
          ["POST", 429],
          ["POST", 200]
        ]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect(
    "403 userRateLimitExceeded on a DELETE and on a transfer PATCH (writes HttpApi never resends blindly): sent again",
    () =>
      Effect.gen(function* () {
        const { sim, client, gaps } = yield* virtual
        sim.inject({ ...rateLimited("userRateLimitExceeded"), method: "DELETE", times: 2 })
        yield* run(client.deletePermission(ids.budget, "anyoneWithLink"))
        assert.deepStrictEqual(
          sim.log().map((r) => [r.method, r.status]),
          [
            ["DELETE", 403],
            ["DELETE", 403],
            ["DELETE", 204]
          ]
        )
        assertBackoff(gaps())
        yield* run(
          client.createPermission(
            ids.budget,
            { type: "user", role: "writer", emailAddress: "ada@example.com" },
            { sendNotificationEmail: false }
          )
        )
        sim.clearLog()
        sim.inject({ ...rateLimited("userRateLimitExceeded"), method: "PATCH", times: 1 })
        const owner = yield* run(
          client.updatePermission(ids.budget, users.ada, { role: "owner" }, { transferOwnership: true })
        )
        assert.strictEqual(owner.role, "owner")
        assert.deepStrictEqual(
          sim.log().map((r) => [r.method, r.status]),
          [
            ["PATCH", 403],
            ["PATCH", 200]
          ]
        )
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("retries run out: RateLimited after 1 + 4 attempts, with the reason", () =>
    Effect.gen(function* () {
      const { sim, client, gaps } = yield* virtual
      sim.inject({ ...rateLimited("userRateLimitExceeded"), times: Number.POSITIVE_INFINITY })
      const error = yield* Effect.flip(run(client.getPermission(ids.budget, users.owner)))
      assert.strictEqual(error._tag, "RateLimited")
      assert.strictEqual(Errors.reasonOf(error), "userRateLimitExceeded")
      assert.strictEqual(sim.log().length, 5)
      assertBackoff(gaps())
      // the create's own retry loop stops at the same count
      sim.clearLog()
      const refused = yield* Effect.flip(run(client.createPermission(ids.budget, { type: "anyone", role: "reader" })))
      assert.strictEqual(refused._tag, "RateLimited")
      assert.strictEqual(sim.log().length, 5)
      assertBackoff(gaps())
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("the simulator's own per-user limit: the client waits until the window frees", () =>
    Effect.gen(function* () {
      const clock = yield* TestClock.testClockWith(Effect.succeed)
      const { sim, client } = yield* fixture({
        simulator: { now: () => clock.currentTimeMillisUnsafe(), rateLimit: { requests: 3, windowMillis: 10_000 } },
        client: { retry: { times: 6, baseMillis: 1_000, maxMillis: 8_000 }, timeoutMillis: 600_000 }
      })
      for (let i = 0; i < 5; i++) yield* run(client.getPermission(ids.budget, users.owner))
      const log = sim.log()
      assert.strictEqual(log.filter((r) => r.status === 200).length, 5)
      assert.isAbove(log.filter((r) => r.status === 403).length, 0)
      // what the simulator accepted never exceeds its window: the client waited rather than failed
      assert.isAtMost(
        VirtualTime.busiestWindow(
          log.filter((r) => r.status === 200).map((r) => r.at),
          10_000
        ),
        3
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("never retried", () => {
  it.effect("403 insufficientFilePermissions and cannotShareTeamDriveWithNonGoogleAccounts: one request each", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* virtual
      for (const reason of ["insufficientFilePermissions", "cannotShareTeamDriveWithNonGoogleAccounts", "forbidden"]) {
        sim.clearLog()
        sim.inject({ kind: "status", status: 403, body: Simulator.errorBody(403, reason, reason) })
        const read = yield* Effect.flip(run(client.getPermission(ids.budget, users.owner)))
        assert.strictEqual(Errors.reasonOf(read), reason)
        sim.inject({ kind: "status", status: 403, body: Simulator.errorBody(403, reason, reason) })
        const write = yield* Effect.flip(
          run(client.createPermission(ids.budget, { type: "user", role: "reader", emailAddress: "grace@example.com" }))
        )
        assert.strictEqual(Errors.reasonOf(write), reason)
        assert.strictEqual(sim.log().length, 2, reason)
      }
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("ambiguous writes are settled by reading", () => {
  it.effect("a create answered 503 that did not land: listed, then sent once more", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* virtual
      sim.inject({
        kind: "status",
        status: 503,
        method: "POST",
        body: Simulator.errorBody(503, "backendError", "Backend Error")
      })
      const created = yield* run(
        client.createPermission(ids.budget, { type: "user", role: "reader", emailAddress: "grace@example.com" })
      )
      assert.strictEqual(created.id, users.grace)
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.status]),
        [
          ["POST", 503],
          ["GET", 200],
          ["POST", 200]
        ]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("a create that landed but was answered 500: the listing shows it, nothing is resent, one email", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* virtual
      sim.inject({ kind: "applied-then-status", status: 500, method: "POST" })
      const created = yield* run(
        client.createPermission(ids.budget, { type: "user", role: "reader", emailAddress: "grace@example.com" })
      )
      assert.strictEqual(created.role, "reader")
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.status]),
        [
          ["POST", 500],
          ["GET", 200]
        ]
      )
      assert.strictEqual(sim.emails().length, 1)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("an ownership transfer answered 500 after it landed: read back, never resent", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* virtual
      yield* run(
        client.createPermission(
          ids.budget,
          { type: "user", role: "writer", emailAddress: "ada@example.com" },
          { sendNotificationEmail: false }
        )
      )
      sim.clearLog()
      sim.inject({ kind: "applied-then-status", status: 500, method: "PATCH" })
      const owner = yield* run(
        client.updatePermission(ids.budget, users.ada, { role: "owner" }, { transferOwnership: true })
      )
      assert.strictEqual(owner.role, "owner")
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.status]),
        [
          ["PATCH", 500],
          ["GET", 200]
        ]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("a delete answered 503 that did not land: read back (still there), then sent once more", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* virtual
      sim.inject({
        kind: "status",
        status: 503,
        method: "DELETE",
        body: Simulator.errorBody(503, "backendError", "Backend Error")
      })
      yield* run(client.deletePermission(ids.budget, "anyoneWithLink"))
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.status]),
        [
          ["DELETE", 503],
          ["GET", 200],
          ["DELETE", 204]
        ]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect("a delete whose connection dropped after it landed: read back (gone), never resent into a 404", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* virtual
      sim.inject({ kind: "applied-then-drop", method: "DELETE" })
      yield* run(client.deletePermission(ids.budget, "anyoneWithLink"))
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.status]),
        [
          ["DELETE", "dropped"],
          ["GET", 404]
        ]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
