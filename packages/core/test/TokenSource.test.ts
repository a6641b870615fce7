import { assert, describe, it } from "@effect/vitest"
import { Errors, SimulatorKit, TokenSource } from "@unishare/core"
import { Effect, Redacted, Schema } from "effect"
import { FetchHttpClient } from "effect/http"

const Echo = Schema.Struct({ token: Schema.String, as: Schema.optionalKey(Schema.String) })

/** A server that knows two live tokens and one expired one, and echoes which token and `as-user` it saw. */
const server = SimulatorKit.serve({
  name: "tokens",
  routes: [
    {
      method: "GET",
      pattern: "/echo",
      handle: (req) => ({
        status: 200,
        body: { token: req.principal, ...(req.headers["as-user"] !== undefined ? { as: req.headers["as-user"] } : {}) }
      })
    }
  ],
  authenticate: (req) => {
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "")
    return token === "live-one" || token === "live-two"
      ? { ok: true, principal: token === "live-one" ? "one" : "two", scheme: "bearer" }
      : { ok: false, response: { status: 401, body: { message: "expired" } } }
  },
  notFound: () => ({ status: 404 })
})

const echo = { operation: "echo", method: "GET", path: "/echo", response: Echo } as const

describe("TokenSource", () => {
  it.live("a fixed token, and extra headers chosen per request", () =>
    Effect.gen(function* () {
      const sim = yield* server
      const api = yield* TokenSource.make({
        provider: "t",
        baseUrl: sim.url,
        token: Redacted.make("live-one"),
        maxCached: 1
      })
      assert.deepStrictEqual(yield* api.json(echo), { token: "one" })
      assert.deepStrictEqual(yield* api.json(echo, { "as-user": "7" }), { token: "one", as: "7" })
      assert.deepStrictEqual(yield* api.json(echo), { token: "one" })
      assert.deepStrictEqual(yield* api.json(echo, { "As-User": "8" }), { token: "one", as: "8" })
      assert.strictEqual(sim.log().length, 4)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a token function: asked before every request; after a 401 a new token is tried once", () =>
    Effect.gen(function* () {
      const sim = yield* server
      const tokens = ["expired-secret", "live-two", "live-one"]
      let calls = 0
      const api = yield* TokenSource.make({
        provider: "t",
        baseUrl: sim.url,
        token: () => Effect.sync(() => Redacted.make(tokens[Math.min(calls++, tokens.length - 1)] ?? ""))
      })
      assert.deepStrictEqual(yield* api.json(echo), { token: "two" })
      assert.strictEqual(calls, 2)
      assert.deepStrictEqual(yield* api.json(echo), { token: "one" })
      assert.strictEqual(calls, 3)
      assert.deepStrictEqual(
        sim.log().map((r) => r.status),
        [401, 200, 200]
      )
      // the same token after the 401: the 401's error, one request
      sim.clearLog()
      const stuck = yield* TokenSource.make({
        provider: "t",
        baseUrl: sim.url,
        token: () => Effect.succeed(Redacted.make("expired-secret"))
      })
      const error = yield* Effect.flip(stuck.json(echo))
      assert.strictEqual(error._tag, "AccessDenied")
      assert.strictEqual(sim.log().length, 1)
      assert.notInclude(JSON.stringify([error, error.message, sim.log()]), "expired-secret")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a fixed token never retries a 401", () =>
    Effect.gen(function* () {
      const sim = yield* server
      const api = yield* TokenSource.make({ provider: "t", baseUrl: sim.url, token: Redacted.make("expired") })
      assert.strictEqual((yield* Effect.flip(api.json(echo)))._tag, "AccessDenied")
      assert.strictEqual(sim.log().length, 1)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("what cannot be sent is InvalidInput at the variable, before any request; the value is never shown", () =>
    Effect.gen(function* () {
      const sim = yield* server
      const fixed = yield* Effect.flip(
        TokenSource.make({
          provider: "t",
          baseUrl: sim.url,
          token: Redacted.make("x\r\nsecret"),
          variable: "BOX_TOKEN"
        })
      )
      assert.deepStrictEqual(
        fixed.issues.map((i) => [i.path, fixed.operation]),
        [["BOX_TOKEN", "configure"]]
      )
      const clear = yield* Effect.flip(TokenSource.make({ provider: "t", baseUrl: sim.url, token: "secret" as never }))
      assert.deepStrictEqual(
        clear.issues.map((i) => i.path),
        ["token"]
      )
      const api = yield* TokenSource.make({
        provider: "t",
        baseUrl: sim.url,
        token: () => Effect.succeed("secret" as unknown as Redacted.Redacted<string>)
      })
      const fromFunction = yield* Effect.flip(api.json(echo))
      assert.isTrue(fromFunction._tag === "InvalidInput" && fromFunction.operation === "echo")
      const failing = yield* TokenSource.make({
        provider: "t",
        baseUrl: sim.url,
        token: () =>
          Effect.fail(
            new Errors.Unavailable({ provider: "t", operation: "token", message: "idp down", maybeApplied: false })
          )
      })
      assert.strictEqual((yield* Effect.flip(failing.json(echo)))._tag, "Unavailable")
      for (const e of [fixed, clear, fromFunction]) assert.notInclude(JSON.stringify([e, e.message]), "secret")
      assert.deepStrictEqual(sim.log(), [])
      assert.deepStrictEqual(
        TokenSource.issues(() => Effect.never, "token"),
        []
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
