/**
 * Hostile ids and emails on EnergyCAP: list, user and user group ids are int32, share ids are
 * `user:<id>`, `group:<id>` or `everyone`, emails exactly one address — checked before any request.
 * A lone surrogate in an email used to be sent as U+FFFD (resolving to whoever has that address),
 * and a non-array desired set revoked every share of the list.
 */
import { assert, describe, it } from "@effect/vitest"
import { Errors, Grantee, Sync } from "@unishare/core"
import { SharingClient } from "@unishare/core/promise"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Eci from "../src/index.ts"
import { keys, setup } from "./support.ts"

const paths = (e: unknown) => (e instanceof Errors.InvalidInput ? e.issues.map((i) => i.path) : [])
const ref = (id: string) => ({ provider: "eci", kind: "list", id })
const viewer = (grantee: Grantee.Grantee) => ({ grantee, level: "viewer" as const })

describe("ids and emails are checked before any request", () => {
  it.live("list, user and group ids; share ids; emails; non-array desired sets", () =>
    Effect.gen(function* () {
      const { sim, provider, client } = yield* setup()
      const before = sim.share(43)
      const cases: ReadonlyArray<readonly [Effect.Effect<unknown, Errors.SharingError>, string]> = [
        [provider.revoke(ref("NaN"), "user:10"), "resource.id"],
        [provider.revoke(ref(" 43"), "user:10"), "resource.id"],
        [provider.revoke(ref("43.0"), "user:10"), "resource.id"],
        [provider.revoke(ref(String(2 ** 31)), "user:10"), "resource.id"],
        [provider.revoke(Eci.list(43), "user:NaN"), "shareId"],
        [provider.revoke(Eci.list(43), "user:10 "), "shareId"],
        [provider.revoke(Eci.list(43), "group:-7"), "shareId"],
        [provider.get(Eci.list(43), "../user:10"), "shareId"],
        [provider.grant(Eci.list(43), viewer(Grantee.user({ id: "1e3" }))), "grantee.id"],
        [provider.grant(Eci.list(43), viewer(Grantee.group("2147483648"))), "grantee.id"],
        [
          provider.grant(Eci.list(43), viewer(Grantee.user({ email: "user5@energy.test,user6@energy.test" }))),
          "grantee.email"
        ],
        [
          provider.grant(Eci.list(43), viewer({ _tag: "User", email: "user5@energy.test\uD800" } as never)),
          "grantee.email"
        ],
        [provider.resolveGrantee!(Grantee.user({ email: "notanemail" })), "grantee.email"],
        [provider.replace!(Eci.list(43), [viewer(Grantee.user({ id: "0" }))]), "desired.0.grantee.id"],
        [client.usersByEmail("user5@energy.test\uDC00"), "email"],
        [
          Sync.sync(provider, Eci.list(43), [viewer(Grantee.user({ email: "a@b.c,d@e.f" }))]),
          "desired.0.grantee.email"
        ],
        [Sync.sync(provider, Eci.list(43), {} as never), "desired"],
        [Sync.sync(provider, Eci.list(43), null as never), "desired"]
      ]
      for (const [effect, path] of cases) {
        const error = yield* Effect.flip(effect)
        assert.strictEqual(error._tag, "InvalidInput", path)
        assert.include(paths(error), path)
      }
      assert.deepStrictEqual(sim.log(), [])
      assert.deepStrictEqual(sim.share(43), before)
    })
  )

  it.live("through the Promise facade: null / undefined / {} desired sets leave the list as it is", () =>
    Effect.gen(function* () {
      const { sim, config } = yield* setup()
      const before = sim.share(43)
      const facade = SharingClient.create(Eci.make(config))
      const outcomes = yield* Effect.promise(() =>
        Promise.all(
          [
            facade.sync(Eci.list(43), null as never),
            facade.sync(Eci.list(43), undefined as never),
            facade.sync(Eci.list(43), {} as never),
            facade.grant(null as never, viewer(Grantee.group("7"))),
            facade.update(Eci.list(43), "user:10", "viewer", { onLossy: "never" as never }),
            facade.revoke(Eci.list(43), "\uD800")
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
      assert.deepStrictEqual(sim.share(43), before)
    })
  )

  it.effect("a configuration with the key in clear text, or an unknown environment, is InvalidInput", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Eci.make({ apiKey: keys.admin as never }))
      assert.deepStrictEqual(paths(error), ["apiKey"])
      assert.notInclude(JSON.stringify(error), keys.admin)
      const env = yield* Effect.flip(Eci.make({ apiKey: Redacted.make("k"), environment: "toString" as never }))
      assert.deepStrictEqual(paths(env), ["environment"])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
