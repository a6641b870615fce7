import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { FetchTransport, HttpApi } from "@unishare/core"
import { Effect, Exit, Fiber, Redacted, Schema, Tracer } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { innerHangGuardMillis } from "../../../test/support/hangGuard.ts"

interface Seen {
  readonly url: string
  readonly method: string
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/** A loopback server: `/ok` answers JSON, `/stall` sends the headers and half a body, then nothing. */
const server = Effect.acquireRelease(
  Effect.promise(async () => {
    const seen: Array<Seen> = []
    let closedEarly = 0
    const s = Http.createServer((req, res) => {
      let body = ""
      req.on("data", (chunk) => {
        body += String(chunk)
      })
      req.on("end", () => {
        seen.push({ url: req.url ?? "", method: req.method ?? "", headers: req.headers, body })
        if (req.url === "/stall") {
          res.on("close", () => {
            if (!res.writableFinished) closedEarly++
          })
          res.writeHead(200, { "content-type": "application/json" })
          res.write('{"id": "half')
          return
        }
        if (req.url === "/hang") {
          res.on("close", () => {
            if (!res.writableFinished) closedEarly++
          })
          return
        }
        res.writeHead(200, { "content-type": "application/json", "x-page": "1" })
        res.end(JSON.stringify({ id: "7" }))
      })
    })
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))
    return {
      url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
      seen,
      closedEarly: () => closedEarly,
      close: () =>
        new Promise<void>((resolve) => {
          s.closeAllConnections()
          s.close(() => resolve())
        })
    }
  }),
  (s) => Effect.promise(s.close)
)

/** Polls `condition` on the real clock until it holds (or the hang guard runs out). */
const eventually = (condition: () => boolean) =>
  Effect.gen(function* () {
    const deadline = Date.now() + innerHangGuardMillis
    while (!condition() && Date.now() < deadline) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 10)))
    return condition()
  })

describe("FetchTransport", () => {
  it.live("its layer is effect's FetchHttpClient, marked for HttpApi; other layers are not marked", () =>
    Effect.gen(function* () {
      const s = yield* server
      const marked = yield* Effect.provide(
        Effect.gen(function* () {
          const client = yield* HttpClient.HttpClient
          // an ordinary HttpClient for anything else
          const response = yield* client.get(`${s.url}/ok`)
          assert.deepStrictEqual(yield* response.json, { id: "7" })
          return FetchTransport.isDirect(client)
        }),
        FetchTransport.layer
      )
      assert.isTrue(marked)
      const generic = yield* Effect.provide(
        Effect.map(HttpClient.HttpClient, FetchTransport.isDirect),
        FetchHttpClient.layer
      )
      assert.isFalse(generic)
    })
  )

  it.live("send: method, headers and body go out; status, headers and text come back", () =>
    Effect.gen(function* () {
      const s = yield* server
      const answer = yield* FetchTransport.send(
        {
          method: "PUT",
          url: `${s.url}/ok`,
          headers: { "x-one": "1", "content-type": "application/json" },
          body: "[1]"
        },
        5_000
      )
      assert.strictEqual(answer.status, 200)
      assert.strictEqual(answer.headers["x-page"], "1")
      assert.deepStrictEqual(JSON.parse(answer.text), { id: "7" })
      assert.strictEqual(s.seen[0]?.method, "PUT")
      assert.strictEqual(s.seen[0]?.headers["x-one"], "1")
      assert.strictEqual(s.seen[0]?.body, "[1]")
    })
  )

  it.live("send: the deadline covers the body: a stalled body is TimedOut and the connection is aborted", () =>
    Effect.gen(function* () {
      const s = yield* server
      const failure = yield* Effect.flip(
        FetchTransport.send({ method: "GET", url: `${s.url}/stall`, headers: {}, body: undefined }, 300)
      )
      assert.deepStrictEqual(failure, { _tag: "TimedOut" })
      assert.isTrue(yield* eventually(() => s.closedEarly() === 1))
      // and before the headers
      const before = yield* Effect.flip(
        FetchTransport.send({ method: "GET", url: `${s.url}/hang`, headers: {}, body: undefined }, 300)
      )
      assert.deepStrictEqual(before, { _tag: "TimedOut" })
      assert.isTrue(yield* eventually(() => s.closedEarly() === 2))
    })
  )

  it.live("send: interrupting it aborts the request", () =>
    Effect.gen(function* () {
      const s = yield* server
      const fiber = yield* Effect.forkChild(
        FetchTransport.send({ method: "GET", url: `${s.url}/hang`, headers: {}, body: undefined }, 60_000)
      )
      assert.isTrue(yield* eventually(() => s.seen.length === 1))
      const exit = yield* Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber)))
      assert.isTrue(Exit.hasInterrupts(exit))
      assert.isTrue(yield* eventually(() => s.closedEarly() === 1))
    })
  )

  it.live("send: a refused connection is a TransportError", () =>
    Effect.gen(function* () {
      const s = yield* server
      const url = s.url
      yield* Effect.promise(s.close)
      const failure = yield* Effect.flip(
        FetchTransport.send({ method: "GET", url: `${url}/ok`, headers: {}, body: undefined }, 5_000)
      )
      assert.deepStrictEqual(failure, { _tag: "Failed", reason: "TransportError", cause: "ECONNREFUSED" })
    })
  )

  it.live("send: uses the Fetch and the RequestInit defaults in context, as FetchHttpClient does", () =>
    Effect.gen(function* () {
      const s = yield* server
      let calls = 0
      const counting: typeof globalThis.fetch = (input, init) => {
        calls++
        return globalThis.fetch(input, init)
      }
      yield* FetchTransport.send(
        { method: "GET", url: `${s.url}/ok`, headers: { "x-one": "1" }, body: undefined },
        5_000
      ).pipe(
        Effect.provideService(FetchHttpClient.Fetch, counting),
        Effect.provideService(FetchHttpClient.RequestInit, { headers: { "x-default": "d", "x-one": "overridden" } })
      )
      assert.strictEqual(calls, 1)
      assert.strictEqual(s.seen[0]?.headers["x-default"], "d")
      assert.strictEqual(s.seen[0]?.headers["x-one"], "1")
    })
  )

  it.live("HttpApi over it: credentials, fixed headers and the JSON body are sent; trace context is propagated", () =>
    Effect.gen(function* () {
      const s = yield* server
      const api = yield* HttpApi.make({
        provider: "test",
        baseUrl: s.url,
        auth: HttpApi.bearer(Redacted.make("sk-secret")),
        headers: { "x-integration": "unishare-tests" }
      }).pipe(Effect.provide(FetchTransport.layer))
      const spans: Array<Tracer.NativeSpan> = []
      const tracer = Tracer.make({
        span(options) {
          const span = new Tracer.NativeSpan(options)
          spans.push(span)
          return span
        }
      })
      const item = yield* api
        .json({
          operation: "putItem",
          method: "PUT",
          path: "/ok",
          body: { a: 1 },
          response: Schema.Struct({ id: Schema.String })
        })
        .pipe(Effect.provideService(Tracer.Tracer, tracer))
      assert.deepStrictEqual(item, { id: "7" })
      const sent = s.seen[0]
      assert.strictEqual(sent?.headers.authorization, "Bearer sk-secret")
      assert.strictEqual(sent?.headers["x-integration"], "unishare-tests")
      assert.strictEqual(sent?.headers["content-type"], "application/json")
      assert.strictEqual(sent?.body, '{"a":1}')
      const span = spans.find((x) => x.name === "test.putItem")
      assert.isDefined(span)
      assert.strictEqual(sent?.headers.traceparent, `00-${span?.traceId}-${span?.spanId}-01`)
      // without a tracer: no span, no trace context
      yield* api.json({ operation: "getItem", method: "GET", path: "/ok", response: Schema.Unknown })
      assert.isUndefined(s.seen[1]?.headers.traceparent)
    })
  )

  it.live(
    "HttpApi over it: an auth that depends on the request, or touches more than headers, is applied per request",
    () =>
      Effect.gen(function* () {
        const s = yield* server
        const signing: HttpApi.Auth = {
          apply: (request) =>
            HttpClientRequest.setHeader(request, "x-signature", `signed ${request.method} ${request.url}`),
          secrets: [Redacted.make("signing-key")],
          headerNames: ["x-signature"]
        }
        const inQuery: HttpApi.Auth = {
          apply: (request) => HttpClientRequest.setUrlParam(request, "key", "query-key"),
          secrets: [Redacted.make("query-key")],
          headerNames: [],
          constant: true
        }
        const read = (auth: HttpApi.Auth) =>
          HttpApi.make({ provider: "test", baseUrl: s.url, auth }).pipe(
            Effect.flatMap((api) =>
              api.json({ operation: "get", method: "GET", path: "/ok", response: Schema.Unknown })
            ),
            Effect.provide(FetchTransport.layer)
          )
        yield* read(signing)
        assert.strictEqual(s.seen[0]?.headers["x-signature"], `signed GET ${s.url}/ok`)
        yield* read(inQuery)
        assert.strictEqual(s.seen[1]?.url, "/ok?key=query-key")
      })
  )
})
