/**
 * The package entry points: `make`, `layer`, `layerConfig` (environment), and the simulator export.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cloudflare from "@unishare/cloudflare"
import * as Simulator from "@unishare/cloudflare/simulator"
import { Grantee, SharingProvider } from "@unishare/core"
import { ConfigProvider, Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { accounts, OWNER, R1, ruleset } from "./support.ts"

const env = (vars: Record<string, string>) => ConfigProvider.fromEnv({ env: vars })

describe("@unishare/cloudflare", () => {
  it.effect("config reads an API token, or email + global key, base URL and accounts", () =>
    Effect.gen(function* () {
      const token = yield* Effect.provideService(
        Cloudflare.config,
        ConfigProvider.ConfigProvider,
        env({
          CLOUDFLARE_API_TOKEN: "t0k",
          CLOUDFLARE_ACCOUNT_IDS: "a1, a2,",
          CLOUDFLARE_BASE_URL: "http://127.0.0.1:9"
        })
      )
      assert.strictEqual(token.credentials._tag, "ApiToken")
      assert.deepStrictEqual(token.accounts, ["a1", "a2"])
      assert.strictEqual(token.baseUrl, "http://127.0.0.1:9")
      assert.notInclude(JSON.stringify(token), "t0k")
      const key = yield* Effect.provideService(
        Cloudflare.config,
        ConfigProvider.ConfigProvider,
        env({ CLOUDFLARE_EMAIL: "ops@example.com", CLOUDFLARE_API_KEY: "k" })
      )
      assert.strictEqual(key.credentials._tag, "GlobalKey")
      const none = yield* Effect.flip(Effect.provideService(Cloudflare.config, ConfigProvider.ConfigProvider, env({})))
      assert.include(String(none), "CLOUDFLARE")
    })
  )

  it.live("layerConfig serves the SharingProvider against the simulator", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ credentials: [{ token: "layer-config-token" }], seed: { accounts } })
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const live = Cloudflare.layerConfig.pipe(
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(
          ConfigProvider.layer(
            env({
              CLOUDFLARE_API_TOKEN: "layer-config-token",
              CLOUDFLARE_BASE_URL: sim.url,
              CLOUDFLARE_ACCOUNT_IDS: OWNER
            })
          )
        )
      )
      const share = yield* SharingProvider.SharingProvider.use((p) =>
        p.grant(Cloudflare.share(OWNER, seeded.id), { grantee: Grantee.account(R1), level: "viewer" })
      ).pipe(Effect.provide(live))
      assert.strictEqual(share.status._tag, "pending")
      assert.deepStrictEqual(share.resource, { provider: "cloudflare", kind: "share", id: seeded.id, parent: OWNER })
    }).pipe(Effect.scoped)
  )

  it.live("make refuses a plain-http base URL that is not loopback", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Cloudflare.make({
          credentials: Cloudflare.Client.apiToken(Redacted.make("t")),
          baseUrl: "http://api.example.com"
        })
      ).pipe(Effect.provide(FetchHttpClient.layer))
      assert.strictEqual(error._tag, "InvalidInput")
      assert.include(error.message, "baseUrl")
    })
  )
})
