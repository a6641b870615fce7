/**
 * Hostile ids and emails: asset ids are int64 numbers (or tokens for collections and files), share
 * ids alphanumeric, emails exactly one address, all checked before any request. They used to reach
 * the server: a revoke of `..` "succeeded" while the real share stayed, an asset id with `../` or
 * `NaN` was sent, `a@b.c,d@e.f` was sent as the email, a lone surrogate became U+FFFD.
 */
import { assert, describe, it } from "@effect/vitest"
import { Errors, Grantee, Sync } from "@unishare/core"
import { SharingClient } from "@unishare/core/promise"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Smartsheet from "../src/index.ts"
import { fixture, ids } from "./fixtures.ts"

const paths = (e: unknown) => (e instanceof Errors.InvalidInput ? e.issues.map((i) => i.path) : [])
const roster = Smartsheet.asset("sheet", ids.roster)
/** A reference built by hand: `Smartsheet.asset` itself refuses these ids when it is called. */
const ref = (kind: string, id: string) => ({ provider: "smartsheet", kind, id })

describe("revoke", () => {
  it.effect("a malformed share id is InvalidInput with zero requests, and the real share stays", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* fixture()
      const before = sim.shares("sheet", ids.roster)
      for (const id of ["..", ".", "", " ", "AAA..", "../shares", `${before[1]?.id} `, "\uD800", "a/b"]) {
        const error = yield* Effect.flip(provider.revoke(roster, id))
        assert.strictEqual(error._tag, "InvalidInput", JSON.stringify(id))
        assert.deepStrictEqual(paths(error), ["shareId"])
      }
      assert.deepStrictEqual(sim.log(), [])
      assert.deepStrictEqual(sim.shares("sheet", ids.roster), before)
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))
  )

  it.effect("a well-formed id that names no share still succeeds (revoke stays idempotent)", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* fixture()
      const before = sim.shares("sheet", ids.roster)
      yield* provider.revoke(roster, "AAAAbsentShare1")
      assert.deepStrictEqual(sim.shares("sheet", ids.roster), before)
      assert.strictEqual(sim.log().length, 1)
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))
  )
})

describe("asset ids, emails and group ids are checked before any request", () => {
  it.effect("whitespace, ../ and NaN asset ids; one-address emails; int64 group ids", () =>
    Effect.gen(function* () {
      const { sim, provider, client } = yield* fixture()
      const viewer = (grantee: Grantee.Grantee) => ({ grantee, level: "viewer" as const })
      const cases: ReadonlyArray<readonly [Effect.Effect<unknown, Errors.SharingError>, string]> = [
        [provider.grant(ref("sheet", ` ${ids.roster}`), viewer(Grantee.group(ids.finance))), "resource.id"],
        [provider.grant(ref("sheet", `../${ids.roster}`), viewer(Grantee.group(ids.finance))), "resource.id"],
        [provider.grant(ref("sheet", "NaN"), viewer(Grantee.group(ids.finance))), "resource.id"],
        [provider.grant(ref("file", "a b"), viewer(Grantee.group(ids.finance))), "resource.id"],
        [provider.grant(roster, viewer(Grantee.user({ email: "notanemail" }))), "grantee.email"],
        [provider.grant(roster, viewer(Grantee.user({ email: "a@b.c,d@e.f" }))), "grantee.email"],
        [provider.grant(roster, viewer({ _tag: "User", email: "ad\uD800a@example.com" } as never)), "grantee.email"],
        [provider.grant(roster, viewer(Grantee.group("-1"))), "grantee.id"],
        [provider.grant(roster, viewer(Grantee.group("1e3"))), "grantee.id"],
        [provider.update(roster, "..", "viewer"), "shareId"],
        [
          client.shareAsset({ assetType: "sheet", assetId: ids.roster }, [
            { email: "a@b.c,d@e.f", accessLevel: "VIEWER" }
          ]),
          "requests.0.email"
        ],
        [client.deleteShare({ assetType: "sheet", assetId: ids.roster }, ".."), "shareId"],
        [
          client.updateShare({ assetType: "sheet", assetId: `${ids.roster}/..` }, "AAAMCmYGFOeE", "VIEWER"),
          "asset.assetId"
        ],
        [Sync.sync(provider, roster, [viewer(Grantee.user({ email: "a@b.c,d@e.f" }))]), "desired.0.grantee.email"],
        [Sync.sync(provider, roster, [viewer(Grantee.group("-1"))]), "desired.0.grantee.id"],
        [Sync.sync(provider, roster, {} as never), "desired"]
      ]
      for (const [effect, path] of cases) {
        const error = yield* Effect.flip(effect)
        assert.strictEqual(error._tag, "InvalidInput", path)
        assert.include(paths(error), path)
      }
      assert.deepStrictEqual(sim.log(), [])
      assert.strictEqual(sim.shares("sheet", ids.roster).length, 3)
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))
  )

  it.effect("through the Promise facade: null and undefined arguments, unknown onLossy", () =>
    Effect.gen(function* () {
      const { sim, token } = yield* fixture()
      const facade = SharingClient.create(Smartsheet.make({ token: Redacted.make(token), baseUrl: sim.url }))
      const outcomes = yield* Effect.promise(() =>
        Promise.all(
          [
            facade.sync(roster, null as never),
            facade.sync(roster, undefined as never),
            facade.sync(roster, {} as never),
            facade.grant(roster, { grantee: Grantee.group(ids.finance), level: "viewer", onLossy: "maybe" as never }),
            facade.grant(undefined as never, { grantee: Grantee.group(ids.finance), level: "viewer" }),
            facade.revoke(roster, undefined as never)
          ].map((p) =>
            p.then(
              () => "resolved",
              (e: unknown) => e
            )
          )
        )
      )
      yield* Effect.promise(() => facade.close())
      for (const e of outcomes) assert.isTrue(e instanceof Errors.InvalidInput, String(e))
      assert.deepStrictEqual(sim.log(), [])
      assert.strictEqual(sim.shares("sheet", ids.roster).length, 3)
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))
  )

  it.effect("a configuration with the token in clear text is InvalidInput that does not show it", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Smartsheet.make({ token: "ss-secret-value" as never }))
      assert.deepStrictEqual(paths(error), ["token"])
      assert.notInclude(JSON.stringify(error), "ss-secret-value")
      const region = yield* Effect.flip(Smartsheet.make({ token: Redacted.make("t"), region: "mars" as never }))
      assert.deepStrictEqual(paths(region), ["region"])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
