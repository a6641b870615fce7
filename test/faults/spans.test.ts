/**
 * No credential of any provider in any span. An in-memory tracer keeps every span with its
 * attributes, events, exit value and failure cause; after successful calls, provider errors and
 * injected transport faults on every adapter (Cloudflare with a token and with email + global key),
 * a deep walk of everything recorded — getters included, so a response's `request.headers` are
 * reached — finds no credential. Credentials with CR/LF, NUL or a non-Latin-1 character are refused
 * at construction with `InvalidInput` naming the variable, before any request, and never quoted.
 */
import { randomUUID } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import * as Cloudflare from "@unishare/cloudflare"
import * as CloudflareSimulator from "@unishare/cloudflare/simulator"
import { FetchTransport, Grantee, type SharingProvider, type SimulatorKit } from "@unishare/core"
import * as Eci from "@unishare/eci"
import * as EciSimulator from "@unishare/eci/simulator"
import * as Smartsheet from "@unishare/smartsheet"
import * as SmartsheetSimulator from "@unishare/smartsheet/simulator"
import { Effect, type Exit, type Layer, Redacted, type Scope, Stream, Tracer } from "effect"
import { FetchHttpClient, type HttpClient, HttpClientRequest } from "effect/http"

class RecordingSpan extends Tracer.NativeSpan {
  exit: Exit.Exit<unknown, unknown> | undefined
  override end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    this.exit = exit
    super.end(endTime, exit)
  }
}

const recorder = () => {
  const spans: Array<RecordingSpan> = []
  const tracer = Tracer.make({
    span(options) {
      const span = new RecordingSpan(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer }
}

/** Every string reachable from a value: own properties, symbols, Map/Set entries and getters of its prototypes. */
const strings = (root: unknown): Array<string> => {
  const out: Array<string> = []
  const seen = new Set<unknown>()
  const visit = (value: unknown, depth: number): void => {
    if (typeof value === "string") {
      out.push(value)
      return
    }
    if (typeof value === "bigint" || typeof value === "number") return
    if ((typeof value !== "object" && typeof value !== "function") || value === null) return
    if (seen.has(value) || depth > 40) return
    seen.add(value)
    if (value instanceof Map) {
      for (const [k, v] of value) {
        visit(k, depth + 1)
        visit(v, depth + 1)
      }
    }
    if (value instanceof Set) for (const v of value) visit(v, depth + 1)
    if (value instanceof Error) visit(value.message, depth + 1)
    const keys = new Set<string | symbol>(Reflect.ownKeys(value))
    for (let proto = Object.getPrototypeOf(value); proto !== null && proto !== Object.prototype; ) {
      for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) if (d.get !== undefined) keys.add(k)
      proto = Object.getPrototypeOf(proto)
    }
    for (const key of keys) {
      let v: unknown
      try {
        v = (value as Record<string | symbol, unknown>)[key]
      } catch {
        continue
      }
      visit(v, depth + 1)
    }
  }
  visit(root, 0)
  return out
}

const dump = (spans: ReadonlyArray<RecordingSpan>): Array<string> =>
  spans.flatMap((s) => [s.name, ...strings([...s.attributes.entries()]), ...strings(s.events), ...strings(s.exit)])

const leaked = (spans: ReadonlyArray<RecordingSpan>, secrets: ReadonlyArray<string>) => {
  const all = dump(spans)
  return secrets.filter((secret) => all.some((text) => text.includes(secret)))
}

interface Target {
  readonly name: string
  readonly secrets: ReadonlyArray<string>
  readonly sim: SimulatorKit.Running
  readonly provider: SharingProvider.Shape
  readonly exercise: (provider: SharingProvider.Shape) => Effect.Effect<unknown, unknown>
}

const fast = { timeoutMillis: 2_000, retry: { times: 1, baseMillis: 1, maxMillis: 2, maxRetryAfterMillis: 10 } }
const CF_ORG = "4ae96b85c43850f2c0a7b9101a0eeb18"
const CF_OWNER = "023e105f4ecef8ad9ca31a8372d0c353"
const CF_R1 = "1b2c3d4e5f60718293a4b5c6d7e8f901"

type Transport = Layer.Layer<HttpClient.HttpClient>

const cloudflare = (style: "token" | "global key", transport: Transport): Effect.Effect<Target, never, Scope.Scope> =>
  Effect.gen(function* () {
    const token = `cf-span-token-${randomUUID()}`
    const email = `span-${randomUUID()}@example.com`
    const key = `cfglobalkey${randomUUID().replaceAll("-", "")}`
    const sim = yield* CloudflareSimulator.serve({
      credentials: style === "token" ? [{ token, principal: "p" }] : [{ email, key, principal: "p" }],
      rateLimit: false,
      seed: {
        accounts: [
          { id: CF_OWNER, name: "Owner", organization_id: CF_ORG },
          { id: CF_R1, name: "R1", organization_id: CF_ORG }
        ]
      }
    })
    const share = sim.seedShare({
      account_id: CF_OWNER,
      name: "Spans",
      resources: [{ resource_id: "8ac8489932db6327334c9b6d58544cfe", resource_type: "custom-ruleset" }]
    })
    const provider = yield* Cloudflare.make({
      credentials:
        style === "token"
          ? Cloudflare.Client.apiToken(Redacted.make(token))
          : Cloudflare.Client.globalKey(Redacted.make(email), Redacted.make(key)),
      baseUrl: sim.url,
      rateLimit: false,
      ...fast
    }).pipe(Effect.provide(transport), Effect.orDie)
    const resource = Cloudflare.share(CF_OWNER, share.id)
    return {
      name: `cloudflare (${style})`,
      secrets: style === "token" ? [token] : [email, key],
      sim,
      provider,
      exercise: (p) =>
        Effect.gen(function* () {
          const granted = yield* p.grant(resource, { grantee: Grantee.account(CF_R1), level: "viewer" })
          yield* Stream.runCollect(p.list(resource))
          yield* p.get(resource, granted.id)
          yield* Effect.exit(p.get(Cloudflare.share(CF_OWNER, "0000000000000000000000000000beef"), granted.id))
          yield* p.revoke(resource, granted.id)
        })
    }
  })

const smartsheet = (transport: Transport): Effect.Effect<Target, never, Scope.Scope> =>
  Effect.gen(function* () {
    const token = `ss-span-token-${randomUUID()}`
    const sim = yield* SmartsheetSimulator.serve({
      seed: {
        users: [
          { email: "admin@example.com", name: "Admin" },
          { email: "ada@example.com", name: "Ada" }
        ],
        groups: [],
        tokens: [{ token, user: "admin@example.com" }],
        assets: [{ type: "sheet", id: "5000000000000001", name: "Spans", owner: "admin@example.com" }]
      }
    })
    const provider = yield* Smartsheet.make({ token: Redacted.make(token), baseUrl: sim.url, ...fast }).pipe(
      Effect.provide(transport),
      Effect.orDie
    )
    const resource = Smartsheet.asset("sheet", "5000000000000001")
    return {
      name: "smartsheet",
      secrets: [token],
      sim,
      provider,
      exercise: (p) =>
        Effect.gen(function* () {
          const granted = yield* p.grant(resource, {
            grantee: Grantee.user({ email: "ada@example.com" }),
            level: "viewer"
          })
          yield* Stream.runCollect(p.list(resource))
          yield* p.update(resource, granted.id, "editor")
          yield* Effect.exit(p.get(Smartsheet.asset("sheet", "5999999999999999"), granted.id))
          yield* p.revoke(resource, granted.id)
        })
    }
  })

const eci = (transport: Transport): Effect.Effect<Target, never, Scope.Scope> =>
  Effect.gen(function* () {
    const apiKey = `c3Bhbg==.${randomUUID()}.a2V5`
    const sim = yield* EciSimulator.serve({
      seed: {
        users: [{ userId: 11, userCode: "u11", fullName: "U 11", email: "u11@energy.test" }],
        groups: [],
        lists: [{ listId: 42, name: "Bills", kind: "bill", creatorId: 11 }],
        apiKeys: [{ key: apiKey, userId: 11, permissions: EciSimulator.allPermissions }]
      }
    })
    const provider = yield* Eci.make({ apiKey: Redacted.make(apiKey), baseUrl: sim.url, ...fast }).pipe(
      Effect.provide(transport),
      Effect.orDie
    )
    return {
      name: "eci",
      secrets: [apiKey],
      sim,
      provider,
      exercise: (p) =>
        Effect.gen(function* () {
          const granted = yield* p.grant(Eci.list(42), { grantee: Grantee.user({ id: "11" }), level: "viewer" })
          yield* Stream.runCollect(p.list(Eci.list(42)))
          yield* Effect.exit(Stream.runCollect(p.list(Eci.list(4242))))
          yield* p.revoke(Eci.list(42), granted.id)
        })
    }
  })

// over `FetchTransport` (driven with `fetch` directly) and effect's `FetchHttpClient` (a generic `HttpClient`)
const transports = [
  ["FetchTransport", FetchTransport.layer],
  ["FetchHttpClient", FetchHttpClient.layer]
] as const

const targets = transports.flatMap(
  ([over, transport]) =>
    [
      [`cloudflare (token) over ${over}`, cloudflare("token", transport)],
      [`cloudflare (email + global key) over ${over}`, cloudflare("global key", transport)],
      [`smartsheet over ${over}`, smartsheet(transport)],
      [`eci over ${over}`, eci(transport)]
    ] as const
)

describe("no credential in any span", () => {
  it("the walk finds a secret wherever a request object carries one (the check can fail)", () => {
    const request = HttpClientRequest.get("http://127.0.0.1/").pipe(
      HttpClientRequest.setHeader("eci-apikey", "needle-123")
    )
    assert.isTrue(strings({ exit: { value: { request } } }).some((s) => s.includes("needle-123")))
  })

  for (const [name, target] of targets) {
    it.live(`${name}: successes, provider errors and transport faults leave no credential in spans`, () =>
      Effect.gen(function* () {
        const t = yield* target
        const { spans, tracer } = recorder()
        yield* t.exercise(t.provider).pipe(Effect.provideService(Tracer.Tracer, tracer))
        // transport faults: a dropped connection, an unreadable answer, a 503
        for (const fault of [
          { kind: "drop", method: "GET" },
          { kind: "malformed", method: "GET", times: 5 },
          { kind: "status", status: 503, method: "GET", times: 5 }
        ] satisfies ReadonlyArray<SimulatorKit.Fault>) {
          t.sim.inject(fault)
          yield* Effect.exit(t.exercise(t.provider)).pipe(Effect.provideService(Tracer.Tracer, tracer))
          t.sim.clearFaults()
        }
        assert.isAbove(spans.length, 10, t.name)
        assert.isTrue(
          spans.some((s) => s.exit !== undefined && s.exit._tag === "Failure"),
          `${t.name}: some span failed`
        )
        assert.deepStrictEqual(leaked(spans, t.secrets), [], t.name)
      })
    )
  }

  const forbidden = ["line\r\nX-Injected: 1", "nul\u0000byte", "tab-ok\u2028separator", "emoji-\u{1F511}-key"]

  it.live("credentials that cannot be a header value are refused at construction, naming the variable", () =>
    Effect.gen(function* () {
      for (const bad of forbidden) {
        const secret = `${bad}-${randomUUID()}`
        const { spans, tracer } = recorder()
        const attempts = [
          ["apiKey", Eci.make({ apiKey: Redacted.make(secret), baseUrl: "http://127.0.0.1:9" })],
          ["token", Smartsheet.make({ token: Redacted.make(secret), baseUrl: "http://127.0.0.1:9" })],
          [
            "credentials.token",
            Cloudflare.make({
              credentials: Cloudflare.Client.apiToken(Redacted.make(secret)),
              baseUrl: "http://127.0.0.1:9"
            })
          ],
          [
            "credentials.key",
            Cloudflare.make({
              credentials: Cloudflare.Client.globalKey(Redacted.make("ops@example.com"), Redacted.make(secret)),
              baseUrl: "http://127.0.0.1:9"
            })
          ],
          [
            "credentials.email",
            Cloudflare.make({
              credentials: Cloudflare.Client.globalKey(Redacted.make(secret), Redacted.make("k")),
              baseUrl: "http://127.0.0.1:9"
            })
          ]
        ] as const
        for (const [variable, make] of attempts) {
          const error = yield* Effect.flip(
            make.pipe(
              Effect.withSpan("construct"),
              Effect.provideService(Tracer.Tracer, tracer),
              Effect.provide(FetchHttpClient.layer)
            )
          )
          assert.strictEqual(error._tag, "InvalidInput", variable)
          assert.deepStrictEqual(
            error.issues.map((i) => i.path),
            [variable]
          )
          for (const text of strings(error)) assert.notInclude(text, secret)
        }
        assert.deepStrictEqual(leaked(spans, [secret, bad]), [])
      }
    })
  )
})
