import { assert, describe, it } from "@effect/vitest"
import { FetchTransport, HttpApi, HttpPath, RateLimiter, SimulatorKit } from "@unishare/core"
import { VirtualTime } from "@unishare/core/testing"
import { Effect, Fiber, Option, Redacted, Schema, Tracer } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { TestClock } from "effect/testing"

const Item = Schema.Struct({ id: Schema.String })
const secret = "sk-very-secret-value"

const simulator = (routes: ReadonlyArray<SimulatorKit.Route>) =>
  SimulatorKit.serve({
    name: "test",
    routes,
    authenticate: (req) =>
      req.headers.authorization === `Bearer ${secret}`
        ? { ok: true, principal: "tester", scheme: "bearer" }
        : { ok: false, response: { status: 401, body: { message: "bad token" } } },
    notFound: () => ({ status: 404, body: { message: "no route" } })
  })

const api = (url: string, overrides: Partial<HttpApi.Config> = {}) =>
  HttpApi.make({ provider: "test", baseUrl: url, auth: HttpApi.bearer(Redacted.make(secret)), ...overrides })

const realPause = Effect.promise(() => new Promise((r) => setTimeout(r, 5)))

/**
 * Lets real I/O and virtual time interleave: advances the test clock by `step` after each short real
 * pause, without going past `maxVirtual`, until `until` holds (or a generous bound of real pauses).
 */
const drive = (options: { readonly step: number; readonly until: () => boolean; readonly maxVirtual?: number }) =>
  Effect.gen(function* () {
    let virtual = 0
    for (let i = 0; i < 4_000 && !options.until(); i++) {
      yield* realPause
      if (options.maxVirtual === undefined || virtual + options.step <= options.maxVirtual) {
        yield* TestClock.adjust(options.step)
        virtual += options.step
      }
    }
  })

const runFor = <A, E>(effect: Effect.Effect<A, E>, millis: number) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.forkChild(effect)
    yield* drive({ step: millis / 40, until: () => fiber.pollUnsafe() !== undefined })
    return yield* Fiber.join(fiber)
  })

// every behaviour holds over a generic `HttpClient` (effect's own fetch client) and over the
// transport `HttpApi` drives directly
const transports = [
  ["effect's FetchHttpClient", FetchHttpClient.layer],
  ["FetchTransport", FetchTransport.layer]
] as const

for (const [transportName, transport] of transports)
  describe(`HttpApi over ${transportName}`, () => {
    it.effect("retries a 503 and then succeeds", () =>
      Effect.gen(function* () {
        const sim = yield* simulator([
          { method: "GET", pattern: "/items/:id", handle: (r) => ({ status: 200, body: { id: r.params.id } }) }
        ])
        sim.inject({ kind: "status", status: 503, times: 2 })
        const client = yield* api(sim.url)
        const item = yield* runFor(
          client.json({ operation: "getItem", method: "GET", path: "/items/7", response: Item }),
          20_000
        )
        assert.deepStrictEqual(item, { id: "7" })
        assert.deepStrictEqual(
          sim.log().map((r) => r.status),
          [503, 503, 200]
        )
      }).pipe(Effect.provide(transport))
    )

    it.effect("honours Retry-After on 429", () =>
      Effect.gen(function* () {
        const sim = yield* simulator([
          { method: "GET", pattern: "/items/:id", handle: (r) => ({ status: 200, body: { id: r.params.id } }) }
        ])
        sim.inject({ kind: "status", status: 429, headers: { "retry-after": "60" } })
        const client = yield* api(sim.url)
        const fiber = yield* Effect.forkChild(
          client.json({ operation: "getItem", method: "GET", path: "/items/1", response: Item })
        )
        // wait (in real time) for the 429, then let 50 s of virtual time pass
        yield* drive({ step: 0, until: () => sim.log().length === 1 })
        for (let i = 0; i < 10; i++) {
          yield* realPause
          yield* TestClock.adjust("5 seconds")
        }
        // backoff alone (≤ 500 ms) would have retried by now; Retry-After says 60 s
        assert.strictEqual(sim.log().length, 1)
        yield* drive({ step: 2_000, until: () => fiber.pollUnsafe() !== undefined })
        assert.deepStrictEqual(yield* Fiber.join(fiber), { id: "1" })
        assert.strictEqual(sim.log().length, 2)
      }).pipe(Effect.provide(transport))
    )

    it.effect("does not re-send a POST that may have been applied", () =>
      Effect.gen(function* () {
        let created = 0
        const sim = yield* simulator([
          { method: "POST", pattern: "/items", handle: () => ({ status: 201, body: { id: `i${++created}` } }) }
        ])
        sim.inject({ kind: "applied-then-status", status: 503 })
        const client = yield* api(sim.url)
        const error = yield* runFor(
          Effect.flip(
            client.json({ operation: "createItem", method: "POST", path: "/items", body: {}, response: Item })
          ),
          20_000
        )
        assert.strictEqual(error._tag, "Unavailable")
        assert.isTrue(error._tag === "Unavailable" && error.maybeApplied)
        assert.strictEqual(sim.log().filter((r) => r.method === "POST").length, 1)
        assert.strictEqual(created, 1)
      }).pipe(Effect.provide(transport))
    )

    it.effect("createOnce checks before creating again", () =>
      Effect.gen(function* () {
        const items: Array<string> = []
        const sim = yield* simulator([
          {
            method: "POST",
            pattern: "/items",
            handle: () => {
              items.push(`i${items.length + 1}`)
              return { status: 201, body: { id: items.at(-1) } }
            }
          },
          { method: "GET", pattern: "/items", handle: () => ({ status: 200, body: items.map((id) => ({ id })) }) }
        ])
        sim.inject({ kind: "applied-then-drop" })
        const client = yield* api(sim.url)
        const create = client.json({
          operation: "createItem",
          method: "POST",
          path: "/items",
          body: {},
          response: Item
        })
        const check = client
          .json({ operation: "listItems", method: "GET", path: "/items", response: Schema.Array(Item) })
          .pipe(Effect.map((all) => (all.length > 0 ? Option.some(all[0]!) : Option.none())))
        const item = yield* runFor(HttpApi.createOnce({ create, check }), 5_000)
        assert.deepStrictEqual(item, { id: "i1" })
        assert.deepStrictEqual(
          sim.log().map((r) => `${r.method} ${r.status}`),
          ["POST dropped", "GET 200"]
        )
      }).pipe(Effect.provide(transport))
    )

    it.effect("a POST answered 429 is retried (the server did not process it)", () =>
      Effect.gen(function* () {
        const sim = yield* simulator([
          { method: "POST", pattern: "/items", handle: () => ({ status: 201, body: { id: "x" } }) }
        ])
        sim.inject({ kind: "status", status: 429, headers: { "retry-after": "1" } })
        const client = yield* api(sim.url)
        const item = yield* runFor(
          client.json({ operation: "createItem", method: "POST", path: "/items", body: {}, response: Item }),
          4_000
        )
        assert.deepStrictEqual(item, { id: "x" })
      }).pipe(Effect.provide(transport))
    )

    it.effect("maps statuses to typed errors and never leaks the secret", () =>
      Effect.gen(function* () {
        const sim = yield* simulator([
          { method: "GET", pattern: "/missing", handle: () => ({ status: 404, body: { message: "nope" } }) },
          { method: "GET", pattern: "/bad", handle: () => ({ status: 200, body: { wrong: true } }) }
        ])
        const client = yield* api(sim.url)
        const notFound = yield* Effect.flip(
          client.json({ operation: "get", method: "GET", path: "/missing", response: Item })
        )
        assert.strictEqual(notFound._tag, "NotFound")
        const protocol = yield* Effect.flip(
          client.json({ operation: "get", method: "GET", path: "/bad", response: Item })
        )
        assert.strictEqual(protocol._tag, "ProtocolError")
        assert.include(protocol.message, "id")
        const wrongKey = yield* HttpApi.make({
          provider: "test",
          baseUrl: sim.url,
          auth: HttpApi.bearer(Redacted.make("nope-wrong"))
        })
        const denied = yield* Effect.flip(
          wrongKey.json({ operation: "get", method: "GET", path: "/missing", response: Item })
        )
        assert.strictEqual(denied._tag, "AccessDenied")
        for (const error of [notFound, protocol, denied]) {
          assert.notInclude(error.message, secret)
          assert.notInclude(JSON.stringify(error), secret)
          assert.notInclude(String(error), secret)
        }
        assert.notInclude(JSON.stringify(sim.log()), secret)
      }).pipe(Effect.provide(transport))
    )

    it.effect(
      "a refused connection is Unavailable naming the method, the URL (origin and path only) and the cause",
      () =>
        Effect.gen(function* () {
          // a port nothing listens on: the simulator is started, then closed
          const sim = yield* Effect.promise(() =>
            SimulatorKit.start({
              name: "gone",
              routes: [],
              authenticate: () => ({ ok: true, principal: "p", scheme: "none" }),
              notFound: () => ({ status: 404 })
            })
          )
          yield* Effect.promise(() => sim.close())
          const client = yield* api(`http://127.0.0.1:${sim.port}/v2?tenant=t`, {
            retry: { times: 1, baseMillis: 1, maxMillis: 1 }
          })
          const error = yield* Effect.flip(
            runFor(client.json({ operation: "getItem", method: "GET", path: "/items/7", response: Item }), 1_000)
          )
          assert.strictEqual(error._tag, "Unavailable")
          assert.include(error.message, `(GET http://127.0.0.1:${sim.port}/v2/items/7; 2 attempts)`)
          assert.include(error.message, "ECONNREFUSED")
          assert.notInclude(error.message, "tenant")
          assert.notInclude(error.message, secret)
        }).pipe(Effect.provide(transport))
    )

    it.effect("refuses plain http to a non-loopback host before any request", () =>
      Effect.gen(function* () {
        // a name that merely starts like a loopback address is a name anyone can register
        for (const url of ["http://api.example.com", "http://127.evil.example", "http://127.0.0.1.example.com"]) {
          const error = yield* Effect.flip(api(url))
          assert.strictEqual(error._tag, "InvalidInput", url)
          assert.strictEqual(error.issues[0]?.path, "baseUrl")
        }
        for (const url of ["http://127.0.0.1:9", "http://127.1.2.3:9", "http://localhost:9", "http://[::1]:9"]) {
          assert.strictEqual(yield* Effect.map(HttpApi.checkBaseUrl(url, "test"), () => "ok"), "ok", url)
        }
      }).pipe(Effect.provide(transport))
    )

    it.effect("the client-side rate limit spaces requests per credential", () =>
      Effect.gen(function* () {
        const clock = yield* TestClock.testClockWith(Effect.succeed)
        const sim = yield* SimulatorKit.serve({
          name: "test",
          routes: [
            { method: "GET", pattern: "/items/:id", handle: (r) => ({ status: 200, body: { id: r.params.id } }) }
          ],
          authenticate: () => ({ ok: true, principal: "tester", scheme: "bearer" }),
          notFound: () => ({ status: 404 }),
          now: () => clock.currentTimeMillisUnsafe()
        })
        const budget = { requests: 2, windowMillis: 10_000 }
        // the budget of a credential is process-wide: a provider name of its own per transport
        const provider = `test over ${transportName}`
        const client = yield* api(sim.url, { provider, rateLimit: budget, timeoutMillis: 600_000 })
        const other = yield* api(sim.url, {
          provider,
          rateLimit: budget,
          timeoutMillis: 600_000,
          auth: HttpApi.bearer(Redacted.make("another credential"))
        })
        const get = (c: HttpApi.HttpApi, n: number) =>
          c.json({ operation: "get", method: "GET", path: `/items/${n}`, response: Item })
        yield* VirtualTime.run(
          Effect.all([Effect.forEach([1, 2, 3], (n) => get(client, n)), get(other, 4)], { concurrency: "unbounded" }),
          { stepMillis: 100 }
        )
        const at = (path: string) => sim.log().find((r) => r.path === path)?.at ?? Number.NaN
        const pace = RateLimiter.paceOf(budget)
        // two per 10 s plus the skew margin: the burst (one), the next one spacing later, the third
        // when the first has left the window
        assert.strictEqual(at("/items/1"), 0)
        assert.strictEqual(at("/items/4"), 0) // another credential has its own budget
        assert.isAtLeast(at("/items/2") - at("/items/1"), pace.spacingMillis)
        assert.isBelow(at("/items/2") - at("/items/1"), budget.windowMillis)
        assert.isAtLeast(at("/items/3") - at("/items/1"), budget.windowMillis + pace.marginMillis)
      }).pipe(Effect.provide(transport))
    )

    it.live("a span per operation, with no secret in any span (headers included)", () =>
      Effect.gen(function* () {
        const spans: Array<Tracer.NativeSpan> = []
        const tracer = Tracer.make({
          span(options) {
            const span = new Tracer.NativeSpan(options)
            spans.push(span)
            return span
          }
        })
        const sim = yield* simulator([
          { method: "GET", pattern: "/items/:id", handle: (r) => ({ status: 200, body: { id: r.params.id } }) }
        ])
        const keyed = yield* HttpApi.make({
          provider: "test",
          baseUrl: sim.url,
          auth: HttpApi.headers({
            "ECI-ApiKey": Redacted.make(secret),
            authorization: Redacted.make(`Bearer ${secret}`)
          })
        })
        yield* keyed.json({ operation: "getItem", method: "GET", path: "/items/3", response: Item }).pipe(
          Effect.provideService(Tracer.Tracer, tracer),
          // record every header on the client spans, as a curious operator might
          Effect.provideService(HttpClient.TracerHeaderFilter, () => true)
        )
        assert.isTrue(spans.some((s) => s.name === "test.getItem"))
        const dump = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: [...s.attributes.entries()] })))
        assert.include(dump, "/items/3")
        assert.notInclude(dump, secret)
      }).pipe(Effect.provide(transport))
    )

    it.effect("a request that outlives its timeout fails as Unavailable (and an idempotent one is retried)", () =>
      Effect.gen(function* () {
        const sim = yield* simulator([
          { method: "GET", pattern: "/items/:id", handle: (r) => ({ status: 200, body: { id: r.params.id } }) }
        ])
        sim.inject({ kind: "delay", millis: 60_000, times: 2 })
        const once = yield* api(sim.url, { timeoutMillis: 1_000, retry: { times: 0 } })
        const error = yield* runFor(
          Effect.flip(once.json({ operation: "getItem", method: "GET", path: "/items/1", response: Item })),
          2_000
        )
        assert.strictEqual(error._tag, "Unavailable")
        assert.include(error.message, "timed out after 1000 ms")
        const retrying = yield* api(sim.url, {
          timeoutMillis: 1_000,
          retry: { times: 2, baseMillis: 10, maxMillis: 10 }
        })
        const item = yield* runFor(
          retrying.json({ operation: "getItem", method: "GET", path: "/items/2", response: Item }),
          2_000
        )
        assert.deepStrictEqual(item, { id: "2" })
      }).pipe(Effect.provide(transport))
    )

    const fastRetry = { times: 2, baseMillis: 1, maxMillis: 2, maxRetryAfterMillis: 10 }

    it.live(
      "the deadline covers the body: a stalled read is retried, a stalled write is Unavailable { maybeApplied }",
      () =>
        Effect.gen(function* () {
          let writes = 0
          const sim = yield* simulator([
            { method: "GET", pattern: "/items/:id", handle: (r) => ({ status: 200, body: { id: r.params.id } }) },
            {
              method: "PUT",
              pattern: "/items/:id",
              handle: (r) => {
                writes++
                return { status: 200, body: { id: r.params.id } }
              }
            }
          ])
          const client = yield* api(sim.url, { timeoutMillis: 300, retry: fastRetry })
          sim.inject({ kind: "stall", method: "GET" })
          assert.deepStrictEqual(
            yield* client.json({ operation: "getItem", method: "GET", path: "/items/1", response: Item }),
            { id: "1" }
          )
          sim.inject({ kind: "stall", method: "GET", times: Number.POSITIVE_INFINITY })
          const read = yield* Effect.flip(
            client.json({ operation: "getItem", method: "GET", path: "/items/1", response: Item })
          )
          assert.strictEqual(read._tag, "Unavailable")
          assert.isFalse(read._tag === "Unavailable" && read.maybeApplied)
          assert.include(read.message, "timed out after 300 ms (GET ")
          assert.include(read.message, "; 3 attempts)")
          sim.clearFaults()
          sim.inject({ kind: "stall", method: "PUT", times: Number.POSITIVE_INFINITY })
          const write = yield* Effect.flip(
            client.json({ operation: "putItem", method: "PUT", path: "/items/2", body: {}, response: Item })
          )
          assert.strictEqual(write._tag, "Unavailable")
          assert.isTrue(write._tag === "Unavailable" && write.maybeApplied)
          assert.isAtLeast(writes, 1)
        }).pipe(Effect.provide(transport))
    )

    it.live("an unreadable 2xx: a read retries it once; a write is maybeApplied, never a ProtocolError", () =>
      Effect.gen(function* () {
        const sim = yield* simulator([
          { method: "GET", pattern: "/items/:id", handle: (r) => ({ status: 200, body: { id: r.params.id } }) },
          { method: "POST", pattern: "/items", handle: () => ({ status: 201, body: { id: "new" } }) },
          { method: "PUT", pattern: "/items/:id", handle: () => ({ status: 200, body: { ok: true } }) }
        ])
        const client = yield* api(sim.url, { retry: fastRetry })
        for (const style of SimulatorKit.garbleStyles) {
          // a write whose answer is not used still must not pass for a success on an unreadable body
          sim.inject({ kind: "applied-then-garbled", style, method: "PUT" })
          const put = yield* Effect.flip(
            client.request({ operation: "putItem", method: "PUT", path: "/items/5", body: {}, response: "empty" })
          )
          assert.isTrue(put._tag === "Unavailable" && put.maybeApplied, style)
          sim.clearLog()
          sim.inject({ kind: "applied-then-garbled", style, method: "GET" })
          assert.deepStrictEqual(
            yield* client.json({ operation: "getItem", method: "GET", path: "/items/5", response: Item }),
            { id: "5" },
            style
          )
          assert.strictEqual(sim.log().length, 2, style)
          sim.inject({ kind: "applied-then-garbled", style, method: "POST" })
          const error = yield* Effect.flip(
            client.json({ operation: "createItem", method: "POST", path: "/items", body: {}, response: Item })
          )
          assert.strictEqual(error._tag, "Unavailable", style)
          assert.isTrue(error._tag === "Unavailable" && error.maybeApplied, style)
        }
      }).pipe(Effect.provide(transport))
    )

    it.live(
      "path segments: empty, dot, dot-dot (also encoded) and lone surrogates are InvalidInput before any request",
      () =>
        Effect.gen(function* () {
          const sim = yield* simulator([])
          const client = yield* api(sim.url)
          const bad: ReadonlyArray<string> = [
            HttpApi.path`/shares/${".."}`,
            HttpApi.path`/shares/${"."}/x`,
            HttpApi.path`/shares/${""}`,
            HttpApi.path`/shares/${"a\uD800b"}`,
            HttpApi.path`/shares/${"\uDC00"}`,
            "/shares/%2E%2e",
            "/shares//x"
          ]
          for (const path of bad) {
            const error = yield* Effect.flip(
              client.json({ operation: "deleteShare", method: "DELETE", path, response: "empty" })
            )
            assert.strictEqual(error._tag, "InvalidInput", path)
            assert.strictEqual(error._tag === "InvalidInput" && error.issues[0]?.path, "path")
          }
          assert.strictEqual(sim.log().length, 0)
          assert.strictEqual(HttpApi.path`/shares/${"..."}/${"a.b"}/${"\u{1F511}"}`, "/shares/.../a.b/%F0%9F%94%91")
          assert.isUndefined(HttpPath.problem(HttpApi.path`/shares/${"..."}`))
        }).pipe(Effect.provide(transport))
    )

    it.live("confirmWrite: the read decides; a resend only after an answered failure, never after a reset", () =>
      Effect.gen(function* () {
        const items: Array<string> = []
        const sim = yield* simulator([
          {
            method: "POST",
            pattern: "/items",
            handle: () => {
              items.push("x")
              return { status: 201, body: { id: "x" } }
            }
          },
          { method: "GET", pattern: "/items", handle: () => ({ status: 200, body: items.map((id) => ({ id })) }) }
        ])
        const client = yield* api(sim.url, { retry: fastRetry })
        const write = client.json({ operation: "createItem", method: "POST", path: "/items", body: {}, response: Item })
        const check = client
          .json({ operation: "listItems", method: "GET", path: "/items", response: Schema.Array(Item) })
          .pipe(Effect.map((all) => (all.length > 0 ? Option.some(all[0]!) : Option.none())))
        // applied, then an HTML page: the read shows it, no second POST
        sim.inject({ kind: "applied-then-garbled", style: "html", method: "POST" })
        assert.deepStrictEqual(yield* HttpApi.confirmWrite({ write, check }), { id: "x" })
        assert.strictEqual(items.length, 1)
        items.length = 0
        // a 503 before anything happened: the read shows nothing, the server answered, one resend
        sim.inject({ kind: "status", status: 503, method: "POST" })
        assert.deepStrictEqual(yield* HttpApi.confirmWrite({ write, check }), { id: "x" })
        assert.strictEqual(items.length, 1)
        items.length = 0
        // a reset before anything happened: the request could still land, so no resend
        sim.inject({ kind: "drop", method: "POST" })
        const error = yield* Effect.flip(HttpApi.confirmWrite({ write, check }))
        assert.isTrue(error._tag === "Unavailable" && error.maybeApplied)
        assert.strictEqual(items.length, 0)
      }).pipe(Effect.provide(transport))
    )

    it.effect(
      "a credential with CR/LF, NUL or beyond Latin-1 is InvalidInput naming the variable, never the value",
      () =>
        Effect.gen(function* () {
          for (const bad of ["a\r\nb", "a\u0000b", "a\u0100b", "a\nb"]) {
            const error = yield* Effect.flip(
              HttpApi.make({
                provider: "test",
                baseUrl: "https://api.example.com",
                auth: HttpApi.headers({ "X-Key": Redacted.make(`secret-${bad}`) }, { "X-Key": "TEST_KEY" })
              })
            )
            assert.deepStrictEqual(
              error.issues.map((i) => i.path),
              ["TEST_KEY"]
            )
            assert.notInclude(JSON.stringify(error), "secret-")
          }
          assert.isUndefined(HttpApi.credentialProblem("plain-ascii_token.with/latin1-\u00e9"))
        }).pipe(Effect.provide(transport))
    )
  })
