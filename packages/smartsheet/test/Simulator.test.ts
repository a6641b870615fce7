import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Simulator from "../src/Simulator.ts"
import { ids } from "./fixtures.ts"

const token = "sim-test-token"

/** Raw protocol access: the simulator is checked against the docs, not against our client. */
const setup = (options: Simulator.Options = {}) =>
  Effect.gen(function* () {
    const sim = yield* Simulator.serve({ seed: Simulator.demoSeed, ...options })
    sim.addToken({ token, user: "owner@example.com" })
    sim.addToken({ token: "viewer-token", user: "linus@example.com" })
    sim.addToken({ token: "expired-token", user: "ada@example.com", expired: true })
    const call = (
      method: string,
      path: string,
      query: Record<string, string>,
      body?: unknown,
      auth: string | null = `Bearer ${token}`
    ) =>
      Effect.promise(async () => {
        const headers: Record<string, string> = { "content-type": "application/json" }
        if (auth !== null) headers.authorization = auth
        const res = await fetch(`${sim.url}${path}?${new URLSearchParams(query)}`, {
          method,
          headers,
          ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {})
        })
        const text = await res.text()
        return { status: res.status, body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>) }
      })
    return { sim, call }
  })

const roster = { assetType: "sheet", assetId: ids.roster }
const budget = { assetType: "sheet", assetId: ids.budget }
const code = (r: { body: Record<string, unknown> | undefined }) => r.body?.errorCode
const count = (r: { body: Record<string, unknown> | undefined }) => ((r.body?.items ?? []) as Array<unknown>).length

describe("Simulator: create", () => {
  it.live("array POST creates, skips existing shares and omits them from result", () =>
    Effect.gen(function* () {
      const { sim, call } = yield* setup()
      const r = yield* call("POST", "/shares", roster, [
        { email: "ada@example.com", accessLevel: "VIEWER" },
        { email: "new.person@example.com", accessLevel: "COMMENTER" },
        { groupId: ids.finance, accessLevel: "EDITOR" }
      ])
      assert.strictEqual(r.status, 200)
      assert.strictEqual(r.body?.message, "SUCCESS")
      assert.strictEqual(r.body?.resultCode, 0)
      const result = r.body?.result as Array<Record<string, unknown>>
      assert.deepStrictEqual(
        result.map((s) => [s.type, s.email ?? s.groupId, s.accessLevel, s.scope]),
        [
          ["USER", "new.person@example.com", "COMMENTER", "ITEM"],
          ["GROUP", ids.finance, "EDITOR", "ITEM"]
        ]
      )
      assert.isTrue(
        result.every((s) => typeof s.id === "string" && (typeof s.userId === "string" || typeof s.groupId === "string"))
      )
      // ada's existing EDITOR_SHARE was not changed by the POST
      assert.strictEqual(
        sim.shares("sheet", ids.roster).find((s) => s.email === "ada@example.com")?.accessLevel,
        "EDITOR_SHARE"
      )
    })
  )

  it.live("single-object POST of an existing share → 1025; scope → 1008; OWNER → 1026", () =>
    Effect.gen(function* () {
      const { call } = yield* setup()
      const dup = yield* call("POST", "/shares", roster, { email: "ada@example.com", accessLevel: "VIEWER" })
      assert.deepStrictEqual([dup.status, code(dup)], [400, 1025])
      const single = yield* call("POST", "/shares", roster, { email: "linus@example.com", accessLevel: "VIEWER" })
      assert.strictEqual(single.status, 200)
      const scope = yield* call("POST", "/shares", roster, [
        { email: "x@example.com", accessLevel: "VIEWER", scope: "ITEM" }
      ])
      assert.deepStrictEqual([scope.status, code(scope)], [400, 1008])
      assert.include(String(scope.body?.message), "'scope' is not a valid property")
      const owner = yield* call("POST", "/shares", roster, [{ email: "x@example.com", accessLevel: "OWNER" }])
      assert.deepStrictEqual([owner.status, code(owner)], [403, 1026])
    })
  )

  it.live("create validation: both/neither, bad email, alternate email, unknown group, dashboards, sendEmail", () =>
    Effect.gen(function* () {
      const { sim, call } = yield* setup()
      const both = yield* call("POST", "/shares", roster, [
        { email: "x@example.com", groupId: ids.finance, accessLevel: "VIEWER" }
      ])
      assert.strictEqual(both.status, 400)
      const neither = yield* call("POST", "/shares", roster, [{ accessLevel: "VIEWER" }])
      assert.deepStrictEqual([neither.status, code(neither)], [400, 1012])
      const badEmail = yield* call("POST", "/shares", roster, [{ email: "not-an-email", accessLevel: "VIEWER" }])
      assert.deepStrictEqual([badEmail.status, code(badEmail)], [400, 1156])
      const alt = yield* call("POST", "/shares", roster, [{ email: "ada@old.example.com", accessLevel: "VIEWER" }])
      assert.deepStrictEqual([alt.status, code(alt)], [400, 1159])
      const group = yield* call("POST", "/shares", roster, [{ groupId: 42, accessLevel: "VIEWER" }])
      assert.deepStrictEqual([group.status, code(group)], [404, 1106])
      const sight = yield* call("POST", "/shares", { assetType: "sight", assetId: ids.dashboard }, [
        { email: "x@example.com", accessLevel: "EDITOR" }
      ])
      assert.deepStrictEqual([sight.status, code(sight)], [400, 1166])
      const bad = yield* call("POST", "/shares", { ...roster, sendEmail: "maybe" }, [
        { email: "x@example.com", accessLevel: "VIEWER" }
      ])
      assert.deepStrictEqual([bad.status, code(bad)], [400, 1018])
      const json = yield* call("POST", "/shares", roster, "{not json")
      assert.deepStrictEqual([json.status, code(json)], [400, 1008])
      // nothing above changed state
      assert.strictEqual(sim.shares("sheet", ids.roster).length, 3)
      assert.deepStrictEqual(sim.emails(), [])
      const quiet = yield* call("POST", "/shares", roster, [
        { email: "x@example.com", accessLevel: "VIEWER", subject: "s", message: "m" }
      ])
      assert.strictEqual(quiet.status, 200)
      assert.deepStrictEqual(sim.emails(), []) // subject/message take effect only with sendEmail=true
    })
  )
})

describe("Simulator: list and get", () => {
  it.live("token pagination: maxItems default and minimum 100, lastKey absent on the last page", () =>
    Effect.gen(function* () {
      const { sim, call } = yield* setup()
      for (let i = 0; i < 230; i++) {
        sim.addShare({ ...roster, assetType: "sheet", email: `u${i}@example.com`, accessLevel: "VIEWER" })
      }
      const first = yield* call("GET", "/shares", { ...roster, maxItems: "10" })
      assert.strictEqual(count(first), 100)
      assert.isString(first.body?.lastKey)
      const second = yield* call("GET", "/shares", { ...roster, lastKey: String(first.body?.lastKey) })
      assert.strictEqual(count(second), 100)
      const third = yield* call("GET", "/shares", { ...roster, lastKey: String(second.body?.lastKey) })
      assert.strictEqual(count(third), 33)
      assert.notProperty(third.body, "lastKey")
      const big = yield* call("GET", "/shares", { ...roster, maxItems: "1000" })
      assert.strictEqual(count(big), 233)
      const badKey = yield* call("GET", "/shares", { ...roster, lastKey: "garbage" })
      assert.deepStrictEqual([badKey.status, code(badKey)], [400, 1018])
    })
  )

  it.live("sharingInclude=WORKSPACE adds scope WORKSPACE shares; no effect on a workspace", () =>
    Effect.gen(function* () {
      const { call } = yield* setup()
      const item = yield* call("GET", "/shares", budget)
      const scopes = (r: typeof item) =>
        ((r.body?.items ?? []) as Array<Record<string, unknown>>).map((s) => `${s.accessLevel}/${s.scope}`)
      assert.deepStrictEqual(scopes(item), ["OWNER/ITEM", "VIEWER/ITEM"])
      const withWs = yield* call("GET", "/shares", { ...budget, sharingInclude: "WORKSPACE" })
      assert.deepStrictEqual(scopes(withWs), ["OWNER/ITEM", "EDITOR/WORKSPACE", "VIEWER/ITEM"])
      const ws = { assetType: "workspace", assetId: ids.workspace }
      const a = yield* call("GET", "/shares", ws)
      const b = yield* call("GET", "/shares", { ...ws, sharingInclude: "WORKSPACE" })
      assert.deepStrictEqual(scopes(a), scopes(b))
    })
  )

  it.live("unknown asset or assetType → 404 1006; missing params → 1009; unknown share → 1027", () =>
    Effect.gen(function* () {
      const { call } = yield* setup()
      const asset = yield* call("GET", "/shares", { assetType: "sheet", assetId: "1" })
      assert.deepStrictEqual([asset.status, code(asset)], [404, 1006])
      const kind = yield* call("GET", "/shares", { assetType: "folder", assetId: ids.roster })
      assert.deepStrictEqual([kind.status, code(kind)], [404, 1006])
      const missing = yield* call("GET", "/shares", { assetId: ids.roster })
      assert.deepStrictEqual([missing.status, code(missing)], [400, 1009])
      const share = yield* call("GET", "/shares/AAAnothere", roster)
      assert.deepStrictEqual([share.status, code(share)], [404, 1027])
      assert.isString(share.body?.refId)
    })
  )
})

describe("Simulator: update and delete", () => {
  it.live(
    "PATCH returns the bare share; owner 1028, transfer 1026, workspace 1023, dashboard 1166, extra field 1008",
    () =>
      Effect.gen(function* () {
        const { sim, call } = yield* setup()
        const [owner, ada] = sim.shares("sheet", ids.roster)
        const ok = yield* call("PATCH", `/shares/${ada?.id}`, roster, { accessLevel: "VIEWER" })
        assert.strictEqual(ok.status, 200)
        assert.deepStrictEqual(ok.body, { ...ada, accessLevel: "VIEWER" })
        const ownerShare = yield* call("PATCH", `/shares/${owner?.id}`, roster, { accessLevel: "ADMIN" })
        assert.deepStrictEqual([ownerShare.status, code(ownerShare)], [400, 1028])
        const transfer = yield* call("PATCH", `/shares/${ada?.id}`, roster, { accessLevel: "OWNER" })
        assert.deepStrictEqual([transfer.status, code(transfer)], [403, 1026])
        const extra = yield* call("PATCH", `/shares/${ada?.id}`, roster, { accessLevel: "VIEWER", scope: "ITEM" })
        assert.deepStrictEqual([extra.status, code(extra)], [400, 1008])
        const wsShare = sim.shares("workspace", ids.workspace).find((s) => s.type === "GROUP")!
        const viaItem = yield* call("GET", `/shares/${wsShare.id}`, budget)
        assert.strictEqual(viaItem.body?.scope, "WORKSPACE")
        const inherited = yield* call("PATCH", `/shares/${wsShare.id}`, budget, { accessLevel: "VIEWER" })
        assert.deepStrictEqual([inherited.status, code(inherited)], [400, 1023])
        const del = yield* call("DELETE", `/shares/${wsShare.id}`, budget)
        assert.deepStrictEqual([del.status, code(del)], [400, 1023])
        const sightShare = sim.shares("sight", ids.dashboard).find((s) => s.type === "GROUP")!
        const sight = yield* call(
          "PATCH",
          `/shares/${sightShare.id}`,
          { assetType: "sight", assetId: ids.dashboard },
          {
            accessLevel: "EDITOR"
          }
        )
        assert.deepStrictEqual([sight.status, code(sight)], [400, 1166])
      })
  )

  it.live("DELETE answers SUCCESS, then 1027; the owner's share → 1028", () =>
    Effect.gen(function* () {
      const { sim, call } = yield* setup()
      const [owner, , grace] = sim.shares("sheet", ids.roster)
      const del = yield* call("DELETE", `/shares/${grace?.id}`, roster)
      assert.deepStrictEqual(del, { status: 200, body: { message: "SUCCESS", resultCode: 0 } })
      const again = yield* call("DELETE", `/shares/${grace?.id}`, roster)
      assert.deepStrictEqual([again.status, code(again)], [404, 1027])
      const ownerDel = yield* call("DELETE", `/shares/${owner?.id}`, roster)
      assert.deepStrictEqual([ownerDel.status, code(ownerDel)], [400, 1028])
    })
  )
})

describe("Simulator: auth, permissions, rate limit, faults", () => {
  it.live("1001 without a token, 1002 for an unknown one, 1003 expired, 1004 for a viewer's write", () =>
    Effect.gen(function* () {
      const { sim, call } = yield* setup()
      const none = yield* call("GET", "/shares", roster, undefined, null)
      assert.deepStrictEqual([none.status, code(none)], [401, 1001])
      const bad = yield* call("GET", "/shares", roster, undefined, "Bearer nope")
      assert.deepStrictEqual([bad.status, code(bad)], [401, 1002])
      const expired = yield* call("GET", "/shares", roster, undefined, "Bearer expired-token")
      assert.deepStrictEqual([expired.status, code(expired)], [401, 1003])
      // linus is VIEWER on the budget sheet: he may read, not share
      const read = yield* call("GET", "/shares", budget, undefined, "Bearer viewer-token")
      assert.strictEqual(read.status, 200)
      const write = yield* call(
        "POST",
        "/shares",
        budget,
        [{ email: "x@example.com", accessLevel: "VIEWER" }],
        "Bearer viewer-token"
      )
      assert.deepStrictEqual([write.status, code(write)], [403, 1004])
      // linus has no access at all to the roster sheet
      const hidden = yield* call("GET", "/shares", roster, undefined, "Bearer viewer-token")
      assert.deepStrictEqual([hidden.status, code(hidden)], [404, 1006])
      const log = JSON.stringify(sim.log())
      for (const secret of [token, "viewer-token", "expired-token"]) assert.notInclude(log, secret)
    })
  )

  it.live("rate limit per token: 429 with errorCode 4003", () =>
    Effect.gen(function* () {
      const { call } = yield* setup({ rateLimit: { requests: 2, windowMillis: 60_000 } })
      yield* call("GET", "/shares", roster)
      yield* call("GET", "/shares", roster)
      const limited = yield* call("GET", "/shares", roster)
      assert.deepStrictEqual([limited.status, code(limited)], [429, 4003])
      const other = yield* call("GET", "/shares", budget, undefined, "Bearer viewer-token")
      assert.strictEqual(other.status, 200)
    })
  )

  it.live("fault injection and the request log", () =>
    Effect.gen(function* () {
      const { sim, call } = yield* setup()
      sim.inject({ kind: "status", status: 500, method: "GET", body: { errorCode: 4004, message: "Please retry." } })
      const failed = yield* call("GET", "/shares", roster)
      assert.deepStrictEqual([failed.status, code(failed)], [500, 4004])
      const ok = yield* call("GET", "/shares", roster)
      assert.strictEqual(ok.status, 200)
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.path, r.status, r.fault]),
        [
          ["GET", "/shares", 500, "status"],
          ["GET", "/shares", 200, undefined]
        ]
      )
    })
  )
})
