/**
 * Authentication: a fixed `Redacted` token, or a token provider called per request (a bare token)
 * or cached until shortly before `expiresAt`; after a 401 the provider is asked again and the
 * request sent once more. No token reaches the simulator's log or an error message.
 */
import { randomUUID } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Errors as Core } from "@unishare/core"
import { VirtualTime } from "@unishare/core/testing"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import * as Client from "../src/Client.ts"
import * as Simulator from "../src/Simulator.ts"
import { ids, users } from "./support.ts"

/** A simulator with the demo seed, tokens for Ada, and a counter of provider calls. */
const environment = Effect.gen(function* () {
  const sim = yield* Simulator.serve({ seed: Simulator.demoSeed })
  const issue = () => {
    const token = `ya29.sim-${randomUUID()}`
    sim.addToken({ token, user: "ada@example.com" })
    return token
  }
  let calls = 0
  const counted =
    <A>(answer: () => A): Client.TokenProvider =>
    () =>
      Effect.sync(() => {
        calls++
        return answer() as never
      })
  return { sim, issue, counted, calls: () => calls }
})

const make = (sim: Simulator.Simulator, credentials: Client.Credentials, extra: Partial<Client.Config> = {}) =>
  Client.make({ credentials, baseUrl: sim.url, retry: { baseMillis: 5, maxMillis: 20 }, ...extra }).pipe(Effect.orDie)

describe("token provider", () => {
  it.live("a bare Redacted token: the provider is asked before every request", () =>
    Effect.gen(function* () {
      const { sim, issue, counted, calls } = yield* environment
      const tokens = [issue(), issue(), issue()]
      let next = 0
      const client = yield* make(
        sim,
        counted(() => Redacted.make(tokens[next++ % tokens.length] ?? ""))
      )
      for (let i = 0; i < 3; i++) yield* client.getPermission(ids.plan, users.ada)
      assert.strictEqual(calls(), 3)
      assert.deepStrictEqual(
        sim.log().map((r) => [r.status, r.auth]),
        [
          [200, "bearer"],
          [200, "bearer"],
          [200, "bearer"]
        ]
      )
      // three tokens, one user: three principals of one user id
      assert.strictEqual(new Set(sim.log().map((r) => r.principal)).size, 3)
      assert.isTrue(sim.log().every((r) => r.principal.startsWith(`user:${users.ada}/`)))
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect(
    "an AccessToken with expiresAt: cached (one call for concurrent requests) until the margin before expiry",
    () =>
      Effect.gen(function* () {
        const clock = yield* TestClock.testClockWith(Effect.succeed)
        const { sim, issue, counted, calls } = yield* environment
        const client = yield* make(
          sim,
          counted(() => ({ token: Redacted.make(issue()), expiresAt: clock.currentTimeMillisUnsafe() + 3_600_000 })),
          { refreshMarginMillis: 60_000 }
        )
        yield* VirtualTime.run(
          Effect.forEach(Array.from({ length: 8 }), () => client.getPermission(ids.plan, users.ada), {
            concurrency: "unbounded",
            discard: true
          }),
          { stepMillis: 100 }
        )
        assert.strictEqual(calls(), 1)
        assert.strictEqual(new Set(sim.log().map((r) => r.principal)).size, 1)
        // 58 minutes later the token is still good; at 59 minutes it is within the margin
        yield* TestClock.adjust("58 minutes")
        yield* VirtualTime.run(client.getPermission(ids.plan, users.ada), { stepMillis: 100 })
        assert.strictEqual(calls(), 1)
        yield* TestClock.adjust("1 minute")
        yield* VirtualTime.run(client.getPermission(ids.plan, users.ada), { stepMillis: 100 })
        assert.strictEqual(calls(), 2)
        assert.strictEqual(new Set(sim.log().map((r) => r.principal)).size, 2)
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("401 (revoked token): asked once more, the request sent again with the new token — reads and writes", () =>
    Effect.gen(function* () {
      const { sim, issue, counted, calls } = yield* environment
      let current = issue()
      const client = yield* make(
        sim,
        counted(() => ({ token: Redacted.make(current), expiresAt: Date.now() + 3_600_000 }))
      )
      yield* client.getPermission(ids.plan, users.ada)
      assert.strictEqual(calls(), 1)
      // the cached token is revoked on the server side (Drive answers 401); the provider has a new one
      sim.addToken({ token: current, user: "ada@example.com", expired: true })
      current = issue()
      sim.clearLog()
      const created = yield* client.createPermission(
        ids.plan,
        { type: "user", role: "reader", emailAddress: "grace@example.com" },
        { sendNotificationEmail: false }
      )
      assert.strictEqual(created.id, users.grace)
      assert.strictEqual(calls(), 2)
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.status]),
        [
          ["POST", 401],
          ["POST", 200]
        ]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("401 again after renewing: AccessDenied, two requests, no loop", () =>
    Effect.gen(function* () {
      const { sim, counted, calls } = yield* environment
      const client = yield* make(
        sim,
        counted(() => Redacted.make("ya29.never-valid"))
      )
      const error = yield* Effect.flip(client.getPermission(ids.plan, users.ada))
      assert.strictEqual(error._tag, "AccessDenied")
      assert.strictEqual(sim.log().length, 2)
      assert.strictEqual(calls(), 2)
      assert.notInclude(JSON.stringify(error), "ya29.never-valid")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a failing provider: AccessDenied (or its own SharingError), nothing sent", () =>
    Effect.gen(function* () {
      const { sim } = yield* environment
      const failing = yield* make(sim, () => Effect.fail(new Error("invalid_grant: Invalid JWT Signature.")))
      const error = yield* Effect.flip(failing.getPermission(ids.plan, users.ada))
      assert.strictEqual(error._tag, "AccessDenied")
      assert.include(error.message, "invalid_grant")
      const own = yield* make(sim, () =>
        Effect.fail(
          new Core.Unavailable({ provider: "metadata", operation: "token", message: "down", maybeApplied: false })
        )
      )
      const passed = yield* Effect.flip(own.getPermission(ids.plan, users.ada))
      assert.strictEqual(passed._tag, "Unavailable")
      assert.deepStrictEqual(sim.log(), [])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live(
    "a provider yielding no token, an empty one, or one with a line break: InvalidInput, nothing sent, never shown",
    () =>
      Effect.gen(function* () {
        const { sim } = yield* environment
        const answers: ReadonlyArray<unknown> = [
          "ya29.in-clear",
          Redacted.make(""),
          Redacted.make("ya29.line\r\nX-Evil: 1"),
          { token: "ya29.in-clear-too" },
          null
        ]
        for (const answer of answers) {
          const client = yield* make(sim, () => Effect.succeed(answer as never))
          const error = yield* Effect.flip(client.getPermission(ids.plan, users.ada))
          assert.strictEqual(error._tag, "InvalidInput", String(answer))
          assert.deepStrictEqual(error._tag === "InvalidInput" ? error.issues.map((i) => i.path) : [], ["credentials"])
          assert.notInclude(error.message, "ya29")
        }
        assert.deepStrictEqual(sim.log(), [])
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("fixed token", () => {
  it.live("a token in clear text or with a line break is refused at make, without showing it", () =>
    Effect.gen(function* () {
      const { sim } = yield* environment
      const clear = yield* Effect.flip(Client.make({ credentials: "ya29.clear" as never, baseUrl: sim.url }))
      assert.strictEqual(clear._tag, "InvalidInput")
      assert.deepStrictEqual(
        clear.issues.map((i) => i.path),
        ["credentials"]
      )
      assert.notInclude(clear.message, "ya29")
      const broken = yield* Effect.flip(Client.make({ credentials: Redacted.make("ya29.a\nb"), baseUrl: sim.url }))
      assert.strictEqual(broken._tag, "InvalidInput")
      assert.notInclude(broken.message, "ya29")
      const http = yield* Effect.flip(Client.make({ credentials: Redacted.make("t"), baseUrl: "http://drive.example" }))
      assert.deepStrictEqual(
        http.issues.map((i) => i.path),
        ["baseUrl"]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("the log never holds a token: no headers are recorded, access_token in a query is redacted", () =>
    Effect.gen(function* () {
      const { sim, issue } = yield* environment
      const token = issue()
      const client = yield* make(sim, Redacted.make(token))
      yield* client.getPermission(ids.plan, users.ada)
      yield* Effect.promise(() =>
        fetch(`${sim.url}/files/${ids.plan}/permissions?access_token=${token}&key=${token}`, {
          headers: { authorization: `Bearer ${token}` }
        })
      )
      const logged = JSON.stringify(sim.log())
      assert.notInclude(logged, token)
      assert.include(logged, "access_token=%3Credacted%3E")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
