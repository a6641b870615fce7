/**
 * Bad input, server failures and secrets: every problem is a typed error that names it; bad input
 * sends nothing; credentials never reach errors or the request log.
 */
import { assert, describe, it } from "@effect/vitest"
import { Grantee } from "@unishare/core"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Provider from "../src/Provider.ts"
import * as Simulator from "../src/Simulator.ts"
import { accounts, environment, ORG, OWNER, R1, R2, ruleset } from "./support.ts"

const id33 = "0123456789abcdef0123456789abcdef0"

const SHARE = "3fd85f74b32742f1bff64a85009dda07"

describe("bad input is refused before any request", () => {
  it.live("a 33-character id → InvalidInput naming the parameter, zero requests", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const e1 = yield* Effect.flip(client.getShare(OWNER, id33))
      assert.strictEqual(e1._tag, "InvalidInput")
      assert.deepStrictEqual(e1._tag === "InvalidInput" ? e1.issues : [], [
        { path: "share_id", message: "must be a 32-character lowercase hexadecimal id" }
      ])
      const e2 = yield* Effect.flip(Stream.runCollect(client.listRecipients(id33, SHARE)))
      assert.include(e2.message, "account_id: must be a 32-character lowercase hexadecimal id")
      const e3 = yield* Effect.flip(client.deleteRecipient(OWNER, SHARE, id33))
      assert.include(e3.message, "recipient_id")
      const e4 = yield* Effect.flip(Stream.runCollect(client.listShares(OWNER, { perPage: 101 })))
      assert.strictEqual(e4._tag, "InvalidInput")
      assert.include(e4.message, "per_page")
      const provider = Provider.fromClient(client)
      const e5 = yield* Effect.flip(provider.get(Provider.share(OWNER, SHARE), id33))
      assert.include(e5.message, "shareId")
      const e6 = yield* Effect.flip(
        provider.grant(Provider.share(OWNER, id33), { grantee: Grantee.account(R1), level: "viewer" })
      )
      assert.include(e6.message, "resource.id")
      const e7 = yield* Effect.flip(
        provider.grant(Provider.share(OWNER, SHARE), { grantee: Grantee.account(id33), level: "viewer" })
      )
      assert.include(e7.message, "grantee.id")
      const e8 = yield* Effect.flip(
        client.createRecipient(OWNER, SHARE, { recipient_account_id: R1, organization_id: ORG })
      )
      assert.include(e8.message, "mutually exclusive")
      const e9 = yield* Effect.flip(
        client.createShare(OWNER, { name: "x", recipients: [], resources: [{ meta: {} } as never] })
      )
      assert.include(e9.message, "body.resources.0.resource_account_id")
      assert.deepStrictEqual(sim.log(), [])
    }).pipe(Effect.scoped)
  )

  it.live("an Organization grantee on PUT recipients → Unsupported naming desired.N.grantee, zero requests", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const provider = Provider.fromClient(client)
      const error = yield* Effect.flip(
        provider.replace!(Provider.share(OWNER, seeded.id), [
          { grantee: Grantee.account(R1), level: "viewer" },
          { grantee: Grantee.organization(ORG), level: "viewer" }
        ])
      )
      assert.strictEqual(error._tag, "Unsupported")
      assert.include(error.message, "PUT recipients takes accounts only")
      assert.include(error.message, "desired.1.grantee")
      assert.deepStrictEqual(sim.log(), [])
      // sent natively anyway, the simulator answers in Cloudflare's envelope → Rejected with the code
      const native = yield* Effect.flip(client.replaceRecipients(OWNER, seeded.id, [{ organization_id: ORG }]))
      assert.strictEqual(native._tag, "Rejected")
      assert.strictEqual(native._tag === "Rejected" ? native.code : "", "1002")
      assert.include(native.message, "organization recipients are not allowed")
      assert.deepStrictEqual(native.detail, {
        status: 400,
        errors: [{ code: 1002, message: "[0]: organization recipients are not allowed; give recipient_account_id" }]
      })
    }).pipe(Effect.scoped)
  )
})

describe("server failures become typed errors", () => {
  it.live("a malformed envelope (fault injection) → ProtocolError naming the problem", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      sim.inject({ kind: "malformed" })
      const broken = yield* Effect.flip(client.getShare(OWNER, seeded.id))
      assert.strictEqual(broken._tag, "ProtocolError")
      assert.include(broken.message, "expected a JSON body")

      sim.inject({
        kind: "status",
        status: 200,
        body: { success: true, errors: [], result: { ...seeded, status: "archived" } }
      })
      const wrongEnum = yield* Effect.flip(client.getShare(OWNER, seeded.id))
      assert.strictEqual(wrongEnum._tag, "ProtocolError")
      assert.include(wrongEnum.message, "does not match the documented schema")
      assert.include(wrongEnum.message, `["result"]["status"]`)

      sim.inject({ kind: "status", status: 200, body: { result: [] } })
      const noEnvelope = yield* Effect.flip(Stream.runCollect(client.listRecipients(OWNER, seeded.id)))
      assert.strictEqual(noEnvelope._tag, "ProtocolError")
      assert.include(noEnvelope.message, `["success"]`)

      sim.inject({ kind: "status", status: 200, body: { success: true, errors: [] } })
      const noResult = yield* Effect.flip(client.getShare(OWNER, seeded.id))
      assert.strictEqual(noResult._tag, "ProtocolError")
      assert.include(noResult.message, "no result")
    }).pipe(Effect.scoped)
  )

  it.live("status → error class; errors[] kept as detail", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({
        account_id: OWNER,
        name: "WAF",
        resources: [ruleset],
        recipients: [{ account_id: R1 }]
      })
      const missing = yield* Effect.flip(client.getShare(OWNER, "0000000000000000000000000000beef"))
      assert.strictEqual(missing._tag, "NotFound")
      assert.deepStrictEqual(missing.detail, { status: 404, errors: [{ code: 1004, message: "Share not found" }] })
      const dup = yield* Effect.flip(client.createRecipient(OWNER, seeded.id, { recipient_account_id: R1 }))
      assert.strictEqual(dup._tag, "Conflict")
      const invalid = yield* Effect.flip(
        client.createShare(OWNER, { name: "x", recipients: [{ recipient_account_id: "f".repeat(32) }], resources: [] })
      )
      assert.strictEqual(invalid._tag, "Rejected")
      assert.include(invalid.message, `recipients[0]: account ${"f".repeat(32)} does not exist`)
      sim.inject({
        kind: "status",
        status: 503,
        body: { success: false, errors: [{ code: 1000, message: "x" }], result: null }
      })
      const down = yield* Effect.flip(client.getShare(OWNER, seeded.id))
      assert.strictEqual(down._tag, "Unavailable")
      const unreachable = yield* Effect.flip(client.getShare("abcdefabcdefabcdefabcdefabcdefab", seeded.id))
      assert.strictEqual(unreachable._tag, "AccessDenied")
    }).pipe(Effect.scoped)
  )

  it.live("429 after the budget, with retry-after, and a five-minute lockout", () =>
    Effect.gen(function* () {
      let now = 1_000_000
      const { sim, client } = yield* environment({
        now: () => now,
        rateLimit: { requests: 5, windowMillis: 300_000 },
        client: { rateLimit: false }
      })
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      for (let i = 0; i < 5; i++) yield* client.getShare(OWNER, seeded.id)
      const limited = yield* Effect.flip(client.getShare(OWNER, seeded.id))
      assert.strictEqual(limited._tag, "RateLimited")
      assert.strictEqual(limited._tag === "RateLimited" ? limited.retryAfterMillis : 0, 300_000)
      assert.deepStrictEqual(limited.detail, {
        status: 429,
        errors: [{ code: 971, message: "Please wait and consider throttling your request speed" }]
      })
      now += 299_000
      assert.strictEqual((yield* Effect.flip(client.getShare(OWNER, seeded.id)))._tag, "RateLimited")
      now += 1_000
      assert.strictEqual((yield* client.getShare(OWNER, seeded.id)).id, seeded.id)
    }).pipe(Effect.scoped)
  )
})

describe("credentials", () => {
  it.live("API token and email + global key both work; wrong ones are AccessDenied; secrets never leak", () =>
    Effect.gen(function* () {
      const token = "cf-token-SECRET-1234567890"
      const email = "ops@example.com"
      const key = "cfk_GLOBAL-KEY-SECRET"
      const sim = yield* Simulator.serve({ credentials: [{ token }, { email, key }], seed: { accounts } })
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const make = (credentials: Client.Credentials) =>
        Client.make({ credentials, baseUrl: sim.url, retry: { times: 0 }, rateLimit: false }).pipe(
          Effect.provide(FetchHttpClient.layer)
        )
      const viaToken = yield* make(Client.apiToken(Redacted.make(token)))
      const viaKey = yield* make(Client.globalKey(Redacted.make(email), Redacted.make(key)))
      assert.strictEqual((yield* viaToken.getShare(OWNER, seeded.id)).id, seeded.id)
      assert.strictEqual((yield* viaKey.getShare(OWNER, seeded.id)).id, seeded.id)
      assert.deepStrictEqual(
        sim.log().map((r) => r.auth),
        ["bearer", "global-key"]
      )
      const wrong = yield* make(Client.apiToken(Redacted.make(`${token}-wrong`)))
      const denied = yield* Effect.flip(wrong.getShare(OWNER, seeded.id))
      assert.strictEqual(denied._tag, "AccessDenied")
      assert.deepStrictEqual(denied.detail, { status: 401, errors: [{ code: 10000, message: "Authentication error" }] })
      const bare = yield* Effect.promise(() => fetch(`${sim.url}/accounts/${OWNER}/shares`))
      assert.strictEqual(bare.status, 401)
      assert.deepStrictEqual(yield* Effect.promise(() => bare.json()), {
        success: false,
        errors: [{ code: 9106, message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers" }],
        result: null
      })
      const everything = JSON.stringify({
        log: sim.log(),
        errors: [denied, String(denied), denied.message],
        config: { token: Redacted.make(token), key: Redacted.make(key) }
      })
      for (const secret of [token, key, email]) assert.notInclude(everything, secret)
    }).pipe(Effect.scoped)
  )
})

describe("simulator semantics", () => {
  const errorsOf = (res: { readonly body?: Record<string, unknown> | undefined }) =>
    (res.body?.errors ?? []) as Array<{ readonly code: number; readonly message: string }>
  const raw = (sim: Simulator.CloudflareSimulator, token: string, path: string, init: RequestInit = {}) =>
    Effect.promise(async () => {
      const res = await fetch(`${sim.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }
      })
      const text = await res.text()
      return { status: res.status, body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>) }
    })

  it.live("pagination: neither page nor per_page → unpaginated; per_page defaults to 20; bounds enforced", () =>
    Effect.gen(function* () {
      const { sim, token } = yield* environment()
      const seeded = sim.seedShare({ account_id: OWNER, name: "big", resources: [ruleset] })
      for (let i = 0; i < 45; i++) sim.seedRecipient(seeded.id, { account_id: i.toString(16).padStart(32, "0") })
      const path = `/accounts/${OWNER}/shares/${seeded.id}/recipients`
      const all = yield* raw(sim, token, path)
      assert.strictEqual(((all.body?.result ?? []) as Array<unknown>).length, 45)
      assert.deepStrictEqual(all.body?.result_info, {
        count: 45,
        page: 1,
        per_page: 45,
        total_count: 45,
        total_pages: 1
      })
      const page2 = yield* raw(sim, token, `${path}?page=2`)
      assert.deepStrictEqual(page2.body?.result_info, {
        count: 20,
        page: 2,
        per_page: 20,
        total_count: 45,
        total_pages: 3
      })
      const perPage = yield* raw(sim, token, `${path}?per_page=40`)
      assert.deepStrictEqual(perPage.body?.result_info, {
        count: 40,
        page: 1,
        per_page: 40,
        total_count: 45,
        total_pages: 2
      })
      const tooBig = yield* raw(sim, token, `${path}?per_page=101`)
      assert.strictEqual(tooBig.status, 400)
      assert.deepStrictEqual(tooBig.body, {
        success: false,
        errors: [{ code: 1001, message: "per_page must be an integer between 1 and 100" }],
        result: null
      })
    }).pipe(Effect.scoped)
  )

  it.live("validation errors, routing and the organization rules answer in Cloudflare's envelope", () =>
    Effect.gen(function* () {
      const { sim, token } = yield* environment()
      const org = sim.seedShare({ account_id: OWNER, name: "org", target_type: "organization", resources: [ruleset] })
      const acct = sim.seedShare({ account_id: OWNER, name: "acct", resources: [ruleset] })
      const missing = yield* raw(sim, token, `/accounts/${OWNER}/shares`, {
        method: "POST",
        body: JSON.stringify({ name: "x" })
      })
      assert.deepStrictEqual(
        [missing.status, errorsOf(missing)[0]?.message],
        [400, "recipients is required and must be an array"]
      )
      const badJson = yield* raw(sim, token, `/accounts/${OWNER}/shares`, { method: "POST", body: "{nope" })
      assert.strictEqual(badJson.status, 400)
      const longId = yield* raw(sim, token, `/accounts/${OWNER}/shares/${id33}`)
      assert.strictEqual(longId.status, 400)
      assert.strictEqual(errorsOf(longId)[0]?.code, 7003)
      const noRoute = yield* raw(sim, token, "/zones")
      assert.deepStrictEqual(noRoute, {
        status: 404,
        body: { success: false, errors: [{ code: 7003, message: "No route for the URI" }], result: null }
      })
      const putOrg = yield* raw(sim, token, `/accounts/${OWNER}/shares/${org.id}/recipients`, {
        method: "PUT",
        body: JSON.stringify([{ recipient_account_id: R1 }])
      })
      assert.strictEqual(putOrg.status, 400)
      assert.include(errorsOf(putOrg)[0]?.message, "organization-targeted")
      const excludedOnAccount = yield* raw(sim, token, `/accounts/${OWNER}/shares/${acct.id}/excluded-recipients`)
      assert.strictEqual(excludedOnAccount.status, 400)
      // the deprecated alias is accepted by the server (as Cloudflare documents until 2027-05-26)
      const alias = yield* raw(sim, token, `/accounts/${OWNER}/shares/${acct.id}/recipients`, {
        method: "POST",
        body: JSON.stringify({ account_id: R2 })
      })
      assert.strictEqual(alias.status, 201)
      assert.strictEqual(((alias.body?.result ?? {}) as { account_id?: string }).account_id, R2)
      // bulk PUTs answer 204 with no body
      const put = yield* raw(sim, token, `/accounts/${OWNER}/shares/${acct.id}/recipients`, {
        method: "PUT",
        body: JSON.stringify([{ recipient_account_id: R1 }])
      })
      assert.deepStrictEqual(put, { status: 204, body: undefined })
    }).pipe(Effect.scoped)
  )

  it.live("the default budget is 1,200 requests per 5 minutes, then 429 with retry-after", () =>
    Effect.gen(function* () {
      let now = 0
      const { sim, token } = yield* environment({ now: () => now })
      for (let batch = 0; batch < 12; batch++) {
        yield* Effect.forEach(
          Array.from({ length: 100 }),
          () => raw(sim, token, `/accounts/${OWNER}/shares?page=1&per_page=1`),
          { concurrency: 25, discard: true }
        )
      }
      assert.strictEqual(sim.log().filter((r) => r.status === 200).length, 1200)
      const over = yield* Effect.promise(() =>
        fetch(`${sim.url}/accounts/${OWNER}/shares`, { headers: { authorization: `Bearer ${token}` } })
      )
      assert.strictEqual(over.status, 429)
      assert.strictEqual(over.headers.get("retry-after"), "300")
      now = 300_000
      assert.strictEqual((yield* raw(sim, token, `/accounts/${OWNER}/shares`)).status, 200)
    }).pipe(Effect.scoped)
  )

  it.live("demoSeed loads and the state accessor renders it", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed: Simulator.demoSeed })
      const state = sim.state()
      assert.strictEqual(state.accounts.length, 4)
      assert.deepStrictEqual(
        state.shares.map((s) => [s.share.target_type, s.recipients.length, s.excluded.length]),
        [
          ["account", 2, 0],
          ["organization", 2, 1]
        ]
      )
    }).pipe(Effect.scoped)
  )
})
