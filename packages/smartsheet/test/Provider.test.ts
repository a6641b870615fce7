import { assert, describe, it } from "@effect/vitest"
import { Grantee, Granting, RateLimiter, SharingProvider } from "@unishare/core"
import { VirtualTime } from "@unishare/core/testing"
import { Effect, Logger, Option, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import * as Client from "../src/Client.ts"
import * as Smartsheet from "../src/index.ts"
import * as Provider from "../src/Provider.ts"
import * as Simulator from "../src/Simulator.ts"
import { fixture, ids, requests } from "./fixtures.ts"

const { asset } = Smartsheet
const roster = asset("sheet", ids.roster)
const budget = asset("sheet", ids.budget)
const dashboard = asset("sight", ids.dashboard)
const workspace = asset("workspace", ids.workspace)
const linus = Grantee.user({ email: "linus@example.com" })
const finance = Grantee.group(ids.finance)

describe("Provider: idempotent grant", () => {
  it.live(
    "granting the same grantee twice → one share (the second array POST creates nothing, one listing finds it)",
    () =>
      Effect.gen(function* () {
        const { sim, provider } = yield* fixture()
        const first = yield* provider.grant(roster, { grantee: linus, level: "commenter" })
        assert.deepStrictEqual(
          sim.log().map((r) => r.method),
          ["POST"]
        )
        sim.clearLog()
        const second = yield* provider.grant(roster, {
          grantee: Grantee.user({ email: "LINUS@example.com" }),
          level: "commenter"
        })
        assert.strictEqual(second.id, first.id)
        assert.strictEqual(second.level, "commenter")
        assert.deepStrictEqual(
          sim.log().map((r) => r.method),
          ["POST", "GET"]
        )
        assert.strictEqual(sim.shares("sheet", ids.roster).filter((s) => s.email === "linus@example.com").length, 1)
        assert.deepStrictEqual(first.grantee, Grantee.user({ id: ids.linus, email: "linus@example.com" }))
        assert.isFalse(first.inherited)
        assert.strictEqual(first.status._tag, "active")
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("granting at a new level → the array POST skips it, then PATCH", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* fixture()
      const first = yield* provider.grant(roster, { grantee: finance, level: "viewer" })
      sim.clearLog()
      const second = yield* provider.grant(roster, { grantee: finance, level: "sharer" })
      assert.strictEqual(second.id, first.id)
      assert.strictEqual(second.level, "sharer")
      assert.deepStrictEqual(
        requests(sim).filter((r) => r.method !== "GET"),
        [
          {
            method: "POST",
            path: "/shares",
            query: `?assetType=sheet&assetId=${ids.roster}&sendEmail=false`,
            body: [{ groupId: Number(ids.finance), accessLevel: "EDITOR_SHARE" }],
            status: 200
          },
          {
            method: "PATCH",
            path: `/shares/${first.id}`,
            query: `?assetType=sheet&assetId=${ids.roster}`,
            body: { accessLevel: "EDITOR_SHARE" },
            status: 200
          }
        ]
      )
      assert.deepStrictEqual(
        sim
          .shares("sheet", ids.roster)
          .filter((s) => s.groupId === ids.finance)
          .map((s) => s.accessLevel),
        ["EDITOR_SHARE"]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a new grant is one array POST without scope (no listing first)", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* fixture()
      yield* provider.grant(roster, { grantee: finance, level: "admin" })
      assert.deepStrictEqual(requests(sim), [
        {
          method: "POST",
          path: "/shares",
          query: `?assetType=sheet&assetId=${ids.roster}&sendEmail=false`,
          body: [{ groupId: Number(ids.finance), accessLevel: "ADMIN" }],
          status: 200
        }
      ])
      assert.deepStrictEqual(sim.emails(), [])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live(
    "a POST applied but lost in transit is sent again (an array POST skips what exists) and found by one listing",
    () =>
      Effect.gen(function* () {
        const { sim, provider } = yield* fixture()
        sim.inject({ kind: "applied-then-drop", method: "POST" })
        const share = yield* provider.grant(roster, { grantee: linus, level: "viewer" })
        assert.strictEqual(share.level, "viewer")
        assert.deepStrictEqual(
          sim.log().map((r) => [r.method, r.status]),
          [
            ["POST", "dropped"],
            ["POST", 200],
            ["GET", 200]
          ]
        )
        assert.strictEqual(sim.shares("sheet", ids.roster).filter((s) => s.email === "linus@example.com").length, 1)
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("notifications: notify → sendEmail=true with subject, message, ccMe", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* fixture()
      yield* provider.grant(roster, {
        grantee: linus,
        level: "editor",
        notify: { subject: "Roster", message: "Please update", ccMe: true }
      })
      const post = requests(sim).find((r) => r.method === "POST")
      assert.strictEqual(post?.query, `?assetType=sheet&assetId=${ids.roster}&sendEmail=true`)
      assert.deepStrictEqual(post?.body, [
        { email: "linus@example.com", accessLevel: "EDITOR", subject: "Roster", message: "Please update", ccMe: true }
      ])
      assert.deepStrictEqual(sim.emails(), [
        {
          to: "linus@example.com",
          from: "owner@example.com",
          assetType: "sheet",
          assetId: ids.roster,
          subject: "Roster",
          message: "Please update",
          ccMe: true
        }
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("Provider: bad input fails before any request", () => {
  it.live(
    "User with only an id, User with neither, a non-integer group id, unknown assetType, OWNER grant, unsupported kinds",
    () =>
      Effect.gen(function* () {
        const { sim, provider } = yield* fixture()
        const idOnly = yield* Effect.flip(
          provider.grant(roster, { grantee: Grantee.user({ id: ids.linus }), level: "viewer" })
        )
        assert.strictEqual(idOnly._tag, "InvalidInput")
        assert.include(idOnly.message, "grantee.email")
        const neither = yield* Effect.flip(
          provider.grant(roster, { grantee: { _tag: "User" } as Grantee.Grantee, level: "viewer" })
        )
        assert.strictEqual(neither._tag, "InvalidInput")
        const namedGroup = yield* Effect.flip(
          provider.grant(roster, { grantee: Grantee.group("finance"), level: "viewer" })
        )
        assert.strictEqual(namedGroup._tag, "InvalidInput")
        assert.include(namedGroup.message, "grantee.id")
        const badKind = yield* Effect.flip(
          provider.grant({ provider: "smartsheet", kind: "folder", id: "1" }, { grantee: linus, level: "viewer" })
        )
        assert.strictEqual(badKind._tag, "InvalidInput")
        assert.include(badKind.message, "resource.kind")
        const otherProvider = yield* Effect.flip(provider.get({ provider: "eci", kind: "list", id: "1" }, "x"))
        assert.include(otherProvider.message, "resource.provider")
        const owner = yield* Effect.flip(provider.grant(roster, { grantee: linus, level: "owner" }))
        assert.strictEqual(owner._tag, "Unsupported")
        const ownerUpdate = yield* Effect.flip(provider.update(roster, "AAAanything", "owner"))
        assert.strictEqual(ownerUpdate._tag, "Unsupported")
        const account = yield* Effect.flip(provider.grant(roster, { grantee: Grantee.account("a1"), level: "viewer" }))
        assert.strictEqual(account._tag, "Unsupported")
        const everyone = yield* Effect.flip(
          provider.grant(roster, { grantee: Grantee.everyone, level: "viewer", allowEveryone: true })
        )
        assert.strictEqual(everyone._tag, "Unsupported")
        const strict = yield* Effect.flip(
          provider.grant(dashboard, { grantee: linus, level: "editor", onLossy: "fail" })
        )
        assert.strictEqual(strict._tag, "Unsupported")
        const badNotify = yield* Effect.flip(
          provider.grant(roster, { grantee: linus, level: "viewer", notify: { ccMe: "yes" as unknown as boolean } })
        )
        assert.strictEqual(badNotify._tag, "InvalidInput")
        assert.include(badNotify.message, "notify.ccMe")
        const noId = yield* Effect.flip(provider.revoke(roster, ""))
        assert.strictEqual(noId._tag, "InvalidInput")
        const listBad = yield* Effect.flip(
          Stream.runCollect(provider.list({ provider: "smartsheet", kind: "folder", id: "1" }))
        )
        assert.strictEqual(listBad._tag, "InvalidInput")
        assert.deepStrictEqual(sim.log(), [])
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("Provider: Smartsheet rules", () => {
  it.live(
    "dashboards have no EDITOR: editor narrows to COMMENTER with a warning, returned (logged only on request)",
    () =>
      Effect.gen(function* () {
        const { sim, client, provider } = yield* fixture()
        const logs: Array<string> = []
        const logger = Logger.layer([
          Logger.make((options) => {
            logs.push(`${options.logLevel} ${String(options.message)}`)
          })
        ])
        const granted = yield* Granting.grant(provider, dashboard, { grantee: linus, level: "editor" }).pipe(
          Effect.provide(logger)
        )
        assert.strictEqual(granted.share.level, "commenter")
        assert.deepStrictEqual(
          granted.warnings.map((w) => w._tag),
          ["Lossy"]
        )
        assert.deepStrictEqual(requests(sim).find((r) => r.method === "POST")?.body, [
          { email: "linus@example.com", accessLevel: "COMMENTER" }
        ])
        assert.deepStrictEqual(logs, [])
        yield* Provider.fromClient(client, { logWarnings: true })
          .grant(dashboard, { grantee: linus, level: "editor" })
          .pipe(Effect.provide(logger))
        assert.isTrue(logs.some((l) => l.startsWith("Warn") && l.includes("editor") && l.includes("commenter")))
        const widened = yield* provider.grant(dashboard, { grantee: finance, level: "editor", onLossy: "round-up" })
        assert.strictEqual(widened.level, "sharer")
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("list asks for workspace shares and reports them inherited; not for a workspace", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* fixture()
      const shares = yield* Stream.runCollect(provider.list(budget))
      assert.deepStrictEqual(
        shares.map((s) => [Grantee.describe(s.grantee), s.level, s.inherited]),
        [
          [`user owner@example.com (#${ids.owner})`, "owner", false],
          [`group ${ids.finance} (Finance)`, "editor", true],
          [`user linus@example.com (#${ids.linus})`, "viewer", false]
        ]
      )
      const itemOnly = yield* Stream.runCollect(provider.list(budget, { includeInherited: false }))
      assert.isTrue(itemOnly.every((s) => !s.inherited))
      assert.strictEqual(itemOnly.length, 2)
      const ws = yield* Stream.runCollect(provider.list(workspace))
      assert.isTrue(ws.every((s) => !s.inherited))
      assert.deepStrictEqual(
        sim.log().map((r) => r.query),
        [
          `?assetType=sheet&assetId=${ids.budget}&sharingInclude=WORKSPACE`,
          `?assetType=sheet&assetId=${ids.budget}`,
          `?assetType=workspace&assetId=${ids.workspace}`
        ]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("inherited shares are refused for update/revoke: before any request once known, 1023 otherwise", () =>
    Effect.gen(function* () {
      const { sim, client, provider } = yield* fixture()
      const inherited = (yield* Stream.runCollect(provider.list(budget))).find((s) => s.inherited)!
      sim.clearLog()
      const update = yield* Effect.flip(provider.update(budget, inherited.id, "viewer"))
      assert.strictEqual(update._tag, "Conflict")
      assert.include(update.message, "workspace")
      const revoke = yield* Effect.flip(provider.revoke(budget, inherited.id))
      assert.strictEqual(revoke._tag, "Conflict")
      assert.deepStrictEqual(sim.log(), [])
      // a provider that has not seen the share yet gets the server's 1023
      const fresh = Provider.fromClient(client)
      const server = yield* Effect.flip(fresh.revoke(budget, inherited.id))
      assert.strictEqual(server._tag, "Conflict")
      assert.include(server.message, "inherited from the workspace")
      assert.deepInclude(server.detail as object, { errorCode: 1023 })
      assert.strictEqual(sim.log().length, 1)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("the owner's share cannot be changed or revoked: 1028 → Unsupported, then refused without a request", () =>
    Effect.gen(function* () {
      const { sim, client, provider } = yield* fixture()
      const owner = sim.shares("sheet", ids.roster).find((s) => s.accessLevel === "OWNER")!
      const fresh = Provider.fromClient(client)
      const update = yield* Effect.flip(fresh.update(roster, owner.id, "viewer"))
      assert.strictEqual(update._tag, "Unsupported")
      assert.deepInclude(update.detail as object, { errorCode: 1028 })
      const listed = (yield* Stream.runCollect(provider.list(roster))).find((s) => s.level === "owner")!
      assert.strictEqual(listed.id, owner.id)
      sim.clearLog()
      const revoke = yield* Effect.flip(provider.revoke(roster, owner.id))
      assert.strictEqual(revoke._tag, "Unsupported")
      const change = yield* Effect.flip(provider.update(roster, owner.id, "admin"))
      assert.strictEqual(change._tag, "Unsupported")
      assert.deepStrictEqual(sim.log(), [])
      const regrant = yield* Effect.flip(
        provider.grant(roster, { grantee: Grantee.user({ email: "owner@example.com" }), level: "viewer" })
      )
      assert.strictEqual(regrant._tag, "Unsupported")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("get, update, revoke; revoking twice succeeds; a missing asset is NotFound", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* fixture()
      const granted = yield* provider.grant(roster, { grantee: linus, level: "viewer" })
      const got = yield* provider.get(roster, granted.id)
      assert.deepStrictEqual([got.id, got.level, got.grantee], [granted.id, "viewer", granted.grantee])
      const updated = yield* provider.update(roster, granted.id, "admin")
      assert.strictEqual(updated.level, "admin")
      yield* provider.revoke(roster, granted.id)
      yield* provider.revoke(roster, granted.id)
      assert.isFalse(sim.shares("sheet", ids.roster).some((s) => s.id === granted.id))
      const gone = yield* Effect.flip(provider.get(roster, granted.id))
      assert.strictEqual(gone._tag, "NotFound")
      const missing = yield* Effect.flip(Stream.runCollect(provider.list(asset("sheet", "999"))))
      assert.strictEqual(missing._tag, "NotFound")
      assert.deepInclude(missing.detail as object, { errorCode: 1006 })
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("resolveGrantee: an email resolves to itself, a group to itself, an id-only user is unsupported", () =>
    Effect.gen(function* () {
      const { provider } = yield* fixture()
      const resolve = provider.resolveGrantee!
      assert.deepStrictEqual(yield* resolve(linus), Option.some(linus))
      assert.deepStrictEqual(yield* resolve(finance), Option.some(finance))
      assert.deepStrictEqual(yield* resolve(Grantee.account("x")), Option.none())
      const idOnly = yield* Effect.flip(resolve(Grantee.user({ id: "1" })))
      assert.strictEqual(idOnly._tag, "Unsupported")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("Provider: rate limits", () => {
  it.effect("client side: 300 requests per minute per token, paced (a small burst, then evenly spread)", () =>
    Effect.gen(function* () {
      const clock = yield* TestClock.testClockWith(Effect.succeed)
      const { sim, client } = yield* fixture({
        simulator: { rateLimit: false, now: () => clock.currentTimeMillisUnsafe() },
        client: { timeoutMillis: 600_000 }
      })
      yield* VirtualTime.run(
        Effect.forEach(
          Array.from({ length: 331 }, (_, i) => i),
          () => client.listSharesPage({ assetType: "sheet", assetId: ids.roster }),
          { concurrency: 20, discard: true }
        ),
        { stepMillis: 5 }
      )
      const at = sim.log().map((r) => r.at)
      assert.strictEqual(at.length, 331)
      const pace = RateLimiter.paceOf({ requests: 300, windowMillis: 60_000 })
      // the burst goes at once, the rest is spread; no minute (plus the margin) ever holds more than 300
      assert.strictEqual(at.filter((t) => t === at[0]).length, pace.burst)
      assert.isAtMost(VirtualTime.busiestWindow(at, 60_000 + pace.marginMillis), 300)
      assert.isAbove((at.at(-1) ?? 0) - (at[0] ?? 0), 60_000)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect(
    "server side: past the budget the simulator answers 429 / 4003 → RateLimited; the client then waits the minute out",
    () =>
      Effect.gen(function* () {
        const clock = yield* TestClock.testClockWith(Effect.succeed)
        const { sim, client } = yield* fixture({
          simulator: { rateLimit: { requests: 3, windowMillis: 60_000 }, now: () => clock.currentTimeMillisUnsafe() },
          client: { retry: { times: 0 }, timeoutMillis: 600_000 }
        })
        const provider = Provider.fromClient(client)
        const error = yield* VirtualTime.run(
          Effect.gen(function* () {
            for (let i = 0; i < 3; i++) yield* Stream.runCollect(provider.list(roster))
            return yield* Effect.flip(Stream.runCollect(provider.list(roster)))
          }),
          { stepMillis: 100 }
        )
        assert.strictEqual(error._tag, "RateLimited")
        assert.deepInclude(error.detail as object, { errorCode: 4003, status: 429 })
        // no Retry-After from Smartsheet: the budget pauses a whole window (Smartsheet advises ≥ 60 s)
        yield* VirtualTime.run(Stream.runCollect(provider.list(roster)), { stepMillis: 100 })
        const log = sim.log()
        assert.deepStrictEqual(
          log.map((r) => r.status),
          [200, 200, 200, 429, 200]
        )
        assert.isAtLeast((log[4]?.at ?? 0) - (log[3]?.at ?? 0), 60_000)
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("Provider: secrets", () => {
  it.live("no token in errors, shares or the request log", () =>
    Effect.gen(function* () {
      const { sim, provider, token } = yield* fixture()
      const share = yield* provider.grant(roster, { grantee: linus, level: "viewer" })
      const errors = [
        yield* Effect.flip(provider.get(roster, "nope")),
        yield* Effect.flip(provider.update(roster, share.id, "owner"))
      ]
      const other = yield* Client.make({ token: Redacted.make("another-secret"), baseUrl: sim.url })
      errors.push(yield* Effect.flip(Provider.fromClient(other).get(roster, share.id)))
      const text = JSON.stringify({ share, errors, messages: errors.map(String), log: sim.log() })
      assert.notInclude(text, token)
      assert.notInclude(text, "another-secret")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("layer", () => {
  it.live("Smartsheet.layer serves the SharingProvider service", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed: Simulator.demoSeed })
      const token = `layer-${Math.random()}`
      sim.addToken({ token, user: "owner@example.com" })
      const shares = yield* Effect.gen(function* () {
        const provider = yield* SharingProvider.SharingProvider
        return yield* Stream.runCollect(provider.list(roster))
      }).pipe(Effect.provide(Smartsheet.layer({ token: Redacted.make(token), baseUrl: sim.url })))
      assert.strictEqual(shares.length, 3)
      assert.strictEqual(shares[0]?.resource.provider, "smartsheet")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
