import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import { fixture, ids, requests } from "./fixtures.ts"

const roster = { assetType: "sheet", assetId: ids.roster } as const

describe("Client: exact requests", () => {
  it.live("GET /shares carries assetType, assetId, maxItems, sharingInclude", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const page = yield* client.listSharesPage(roster, { maxItems: 250, sharingInclude: "ITEM" })
      assert.deepStrictEqual(
        page.items.map((s) => [s.email, s.accessLevel, s.scope]),
        [
          ["owner@example.com", "OWNER", "ITEM"],
          ["ada@example.com", "EDITOR_SHARE", "ITEM"],
          ["grace@example.com", "ADMIN", "ITEM"]
        ]
      )
      assert.strictEqual(page.lastKey, undefined)
      assert.deepStrictEqual(requests(sim), [
        {
          method: "GET",
          path: "/shares",
          query: `?assetType=sheet&assetId=${ids.roster}&maxItems=250&sharingInclude=ITEM`,
          body: undefined,
          status: 200
        }
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("token pagination follows lastKey across 3+ pages", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      for (let i = 0; i < 257; i++) {
        sim.addShare({ assetType: "sheet", assetId: ids.roster, email: `user${i}@example.com`, accessLevel: "VIEWER" })
      }
      const all = yield* Stream.runCollect(client.listShares(roster, { maxItems: 100 }))
      assert.strictEqual(all.length, 260) // owner + 2 seeded + 257
      assert.strictEqual(new Set(all.map((s) => s.id)).size, 260)
      const log = requests(sim)
      assert.strictEqual(log.length, 3)
      const queries = log.map((r) => new URLSearchParams(r.query))
      assert.deepStrictEqual(
        queries.map((q) => [q.get("assetType"), q.get("assetId"), q.get("maxItems")]),
        [
          ["sheet", ids.roster, "100"],
          ["sheet", ids.roster, "100"],
          ["sheet", ids.roster, "100"]
        ]
      )
      assert.strictEqual(queries[0]?.get("lastKey"), null)
      assert.notStrictEqual(queries[1]?.get("lastKey"), null)
      assert.notStrictEqual(queries[2]?.get("lastKey"), queries[1]?.get("lastKey"))
      // the keys are the ones the server handed out
      const pages = yield* client.listSharesPage(roster, { maxItems: 100 })
      assert.strictEqual(queries[1]?.get("lastKey"), pages.lastKey)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("GET /shares/{shareId}", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const target = sim.shares("sheet", ids.roster)[1]!
      const share = yield* client.getShare(roster, target.id)
      assert.deepStrictEqual(share, {
        id: target.id,
        email: "ada@example.com",
        userId: ids.ada,
        name: "Ada Lovelace",
        type: "USER",
        accessLevel: "EDITOR_SHARE",
        scope: "ITEM"
      })
      assert.deepStrictEqual(requests(sim), [
        {
          method: "GET",
          path: `/shares/${target.id}`,
          query: `?assetType=sheet&assetId=${ids.roster}`,
          body: undefined,
          status: 200
        }
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("POST /shares sends an array body, sendEmail in the query, no scope", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const result = yield* client.shareAsset(
        roster,
        [
          { email: "linus@example.com", accessLevel: "COMMENTER", subject: "Roster", message: "FYI", ccMe: true },
          { groupId: Number(ids.finance), accessLevel: "VIEWER" }
        ],
        { sendEmail: true }
      )
      assert.deepStrictEqual(result.message, "SUCCESS")
      assert.deepStrictEqual(
        result.result?.map((s) => [s.type, s.userId ?? s.groupId, s.accessLevel]),
        [
          ["USER", ids.linus, "COMMENTER"],
          ["GROUP", ids.finance, "VIEWER"]
        ]
      )
      assert.deepStrictEqual(requests(sim), [
        {
          method: "POST",
          path: "/shares",
          query: `?assetType=sheet&assetId=${ids.roster}&sendEmail=true`,
          body: [
            { email: "linus@example.com", accessLevel: "COMMENTER", subject: "Roster", message: "FYI", ccMe: true },
            { groupId: Number(ids.finance), accessLevel: "VIEWER" }
          ],
          status: 200
        }
      ])
      assert.deepStrictEqual(
        sim.emails().map((e) => e.to),
        ["linus@example.com", "ada@example.com", "grace@example.com"]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("POST /shares: groupId given as a string is sent as the documented number", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      yield* client.shareAsset(roster, [{ groupId: ids.finance, accessLevel: "VIEWER" }])
      const [entry] = requests(sim)
      assert.deepStrictEqual(entry?.body, [{ groupId: Number(ids.finance), accessLevel: "VIEWER" }])
      assert.strictEqual(entry?.query, `?assetType=sheet&assetId=${ids.roster}&sendEmail=false`)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("PATCH /shares/{shareId} sends only {accessLevel}", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const target = sim.shares("sheet", ids.roster)[1]!
      const updated = yield* client.updateShare(roster, target.id, "VIEWER")
      assert.strictEqual(updated.accessLevel, "VIEWER")
      assert.deepStrictEqual(requests(sim), [
        {
          method: "PATCH",
          path: `/shares/${target.id}`,
          query: `?assetType=sheet&assetId=${ids.roster}`,
          body: { accessLevel: "VIEWER" },
          status: 200
        }
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("DELETE /shares/{shareId}", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const target = sim.shares("sheet", ids.roster)[2]!
      const result = yield* client.deleteShare(roster, target.id)
      assert.deepStrictEqual(result, { message: "SUCCESS", resultCode: 0 })
      assert.deepStrictEqual(requests(sim), [
        {
          method: "DELETE",
          path: `/shares/${target.id}`,
          query: `?assetType=sheet&assetId=${ids.roster}`,
          body: undefined,
          status: 200
        }
      ])
      assert.isFalse(sim.shares("sheet", ids.roster).some((s) => s.id === target.id))
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("string and numeric ids both decode to strings", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      sim.inject({
        kind: "status",
        status: 200,
        method: "GET",
        body: {
          id: "AAAMCmYGFOeE",
          email: "test.email@smartsheet.com",
          userId: 9876543210,
          groupId: "1234567890",
          type: "USER",
          accessLevel: "ADMIN",
          scope: "ITEM",
          somethingNew: true
        }
      })
      const share = yield* client.getShare(roster, "AAAMCmYGFOeE")
      assert.strictEqual(share.userId, "9876543210")
      assert.strictEqual(share.groupId, "1234567890")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("Smartsheet-Integration-Source is sent when configured; regions pick base URLs", () =>
    Effect.gen(function* () {
      const { client } = yield* fixture({ client: { integrationSource: "APPLICATION,Acme,ShareSync" } })
      assert.match(client.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/2\.0$/)
      const token = Redacted.make("t")
      assert.strictEqual(Client.baseUrlOf({}), "https://api.smartsheet.com/2.0")
      assert.strictEqual(Client.baseUrlOf({ region: "eu" }), "https://api.smartsheet.eu/2.0")
      assert.strictEqual(Client.baseUrlOf({ region: "au" }), "https://api.smartsheet.au/2.0")
      assert.strictEqual(Client.baseUrlOf({ region: "gov" }), "https://api.smartsheetgov.com/2.0")
      const insecure = yield* Effect.flip(Client.make({ token, baseUrl: "http://api.smartsheet.com/2.0" }))
      assert.strictEqual(insecure._tag, "InvalidInput")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("Client: bad input fails before any request", () => {
  it.live(
    "both email and groupId, neither, a non-integer groupId, unknown assetType, maxItems < 100, empty shareId",
    () =>
      Effect.gen(function* () {
        const { sim, client } = yield* fixture()
        const both = yield* Effect.flip(
          client.shareAsset(roster, [{ email: "ada@example.com", groupId: ids.finance, accessLevel: "VIEWER" }])
        )
        assert.strictEqual(both._tag, "InvalidInput")
        assert.include(both.message, "requests.0.groupId")
        const neither = yield* Effect.flip(client.shareAsset(roster, [{ accessLevel: "VIEWER" }]))
        assert.strictEqual(neither._tag, "InvalidInput")
        assert.include(neither.message, "requests.0.email")
        const named = yield* Effect.flip(client.shareAsset(roster, [{ groupId: "finance", accessLevel: "VIEWER" }]))
        assert.strictEqual(named._tag, "InvalidInput")
        assert.include(named.message, "requests.0.groupId")
        const fraction = yield* Effect.flip(client.shareAsset(roster, [{ groupId: 1.5, accessLevel: "VIEWER" }]))
        assert.include(fraction.message, "requests.0.groupId")
        const empty = yield* Effect.flip(client.shareAsset(roster, []))
        assert.strictEqual(empty._tag, "InvalidInput")
        const kind = yield* Effect.flip(
          client.listSharesPage({ assetType: "folder" as never, assetId: ids.roster }, {})
        )
        assert.strictEqual(kind._tag, "InvalidInput")
        assert.include(kind.message, "asset.assetType")
        const small = yield* Effect.flip(client.listSharesPage(roster, { maxItems: 50 }))
        assert.include(small.message, "options.maxItems")
        const noId = yield* Effect.flip(client.deleteShare(roster, ""))
        assert.include(noId.message, "shareId")
        const owner = yield* Effect.flip(client.updateShare(roster, "AAA", "ROOT" as never))
        assert.include(owner.message, "accessLevel")
        assert.deepStrictEqual(sim.log(), [])
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("Client: retries", () => {
  it.live("retries errorCode 4004 (HTTP 500) and succeeds", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      sim.inject({ kind: "status", status: 500, times: 2, body: { errorCode: 4004, message: "Please retry." } })
      const page = yield* client.listSharesPage(roster)
      assert.strictEqual(page.items.length, 3)
      assert.deepStrictEqual(
        sim.log().map((r) => r.status),
        [500, 500, 200]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("retries 4001, 4002 and 429/4003", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      sim.inject({ kind: "status", status: 503, body: { errorCode: 4001, message: "Maintenance" } })
      sim.inject({ kind: "status", status: 500, body: { errorCode: 4002, message: "Timeout" } })
      // with Retry-After (without one the client's budget pauses a whole minute, as Smartsheet advises)
      sim.inject({
        kind: "status",
        status: 429,
        body: { errorCode: 4003, message: "Rate limit exceeded." },
        headers: { "retry-after": "1" }
      })
      yield* client.listSharesPage(roster)
      assert.deepStrictEqual(
        sim.log().map((r) => r.status),
        [503, 500, 429, 200]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("does not retry errorCode 4000 or 5151 although they are HTTP 500", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      sim.inject({ kind: "status", status: 500, body: { errorCode: 4000, message: "Contact support.", refId: "r1" } })
      const e4000 = yield* Effect.flip(client.listSharesPage(roster))
      assert.strictEqual(e4000._tag, "Unavailable")
      assert.deepInclude(e4000.detail as object, { errorCode: 4000, refId: "r1", status: 500 })
      assert.strictEqual(sim.log().length, 1)
      sim.clearLog()
      sim.inject({ kind: "status", status: 500, body: { errorCode: 5151, message: "Domain not approved." } })
      const e5151 = yield* Effect.flip(client.shareAsset(roster, [{ email: "x@elsewhere.io", accessLevel: "VIEWER" }]))
      assert.strictEqual(e5151._tag, "AccessDenied")
      assert.strictEqual(sim.log().length, 1)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a POST hit by 4004 is not re-sent blindly (maybe applied)", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      sim.inject({ kind: "status", status: 500, method: "POST", body: { errorCode: 4004, message: "Please retry." } })
      const error = yield* Effect.flip(
        client.shareAsset(roster, [{ email: "linus@example.com", accessLevel: "VIEWER" }])
      )
      assert.strictEqual(error._tag, "Unavailable")
      assert.isTrue(error._tag === "Unavailable" && error.maybeApplied)
      assert.strictEqual(sim.log().length, 1)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("Client: secrets", () => {
  it.live("the token never appears in errors, the request log or the client", () =>
    Effect.gen(function* () {
      const { sim, client, token } = yield* fixture()
      const errors: Array<unknown> = []
      errors.push(yield* Effect.flip(client.getShare(roster, "nope")))
      sim.inject({ kind: "status", status: 500, body: { errorCode: 4000, message: "x" } })
      errors.push(yield* Effect.flip(client.listSharesPage(roster)))
      errors.push(yield* Effect.flip(client.shareAsset(roster, [{ accessLevel: "VIEWER" }])))
      const bad = yield* Client.make({ token: Redacted.make("wrong-token-value"), baseUrl: sim.url })
      const denied = yield* Effect.flip(bad.listSharesPage(roster))
      assert.strictEqual(denied._tag, "AccessDenied")
      assert.deepInclude(denied.detail as object, { errorCode: 1002 })
      errors.push(denied)
      const everything = JSON.stringify({ errors, messages: errors.map(String), log: sim.log(), client })
      assert.notInclude(everything, token)
      assert.notInclude(everything, "wrong-token-value")
      assert.isTrue(sim.log().every((r) => r.auth === "bearer" || r.auth === "rejected"))
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
