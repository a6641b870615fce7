/**
 * `UNISHARE_SIMULATOR=1` turns the client-side request budget off only for a provider whose base
 * URL is a loopback address: every other base URL (the public endpoints, look-alike host names)
 * keeps the documented budget, and without the variable nothing changes. The configuration it
 * gives is one the adapters accept: a provider built from it answers from a simulator.
 */
import { assert, describe, it } from "@effect/vitest"
import { Providers } from "@unishare/cli"
import * as SmartsheetSim from "@unishare/smartsheet/simulator"
import { ConfigProvider, Effect, Exit, Stream } from "effect"

const credentials = {
  SMARTSHEET_ACCESS_TOKEN: "sim-token",
  ECI_API_KEY: "sim-key",
  CLOUDFLARE_API_TOKEN: "sim-cf-token"
}

/** `configFromEnvironment` with exactly `env` as the environment. */
const configured = (
  name: "smartsheet" | "eci" | "cloudflare",
  env: Record<string, string>,
  endpoints: Providers.Endpoints
) =>
  Providers.configFromEnvironment(name, { endpoints }).pipe(
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env: { ...credentials, ...env } }))
  )

/** The client-side budget a configuration asks for (`undefined`: the adapter's default, or none for EnergyCAP). */
const budgetOf = (config: Providers.ProviderConfig) => config.config.rateLimit

const loopbackUrls = {
  smartsheet: [
    "http://127.0.0.1:8080/2.0",
    "http://localhost:8080/2.0",
    "http://[::1]:8080/2.0",
    "http://127.8.9.10/2.0"
  ],
  eci: ["http://127.0.0.1:9000", "http://localhost:9000", "http://[::1]:9000"],
  cloudflare: ["http://127.0.0.1:9100/client/v4", "http://localhost:9100/client/v4", "http://[::1]:9100/client/v4"]
}

const remoteUrls = {
  smartsheet: [
    undefined, // the region's public endpoint
    "https://api.smartsheet.com/2.0",
    "https://127.0.0.1.example.com/2.0",
    "https://localhost.example.com/2.0",
    "https://10.0.0.5/2.0"
  ],
  eci: [undefined, "https://app.energycap.com", "https://127.0.0.1.example.com", "https://192.168.1.20"],
  cloudflare: [undefined, "https://api.cloudflare.com/client/v4", "https://localhost.example.com/client/v4"]
}

describe("UNISHARE_SIMULATOR", () => {
  it("isLoopbackUrl: loopback addresses and localhost only; look-alike names and bad URLs are not", () => {
    for (const url of [...loopbackUrls.smartsheet, ...loopbackUrls.eci, ...loopbackUrls.cloudflare])
      assert.isTrue(Providers.isLoopbackUrl(url), url)
    for (const url of [...remoteUrls.smartsheet, ...remoteUrls.eci, ...remoteUrls.cloudflare]) {
      if (url !== undefined) assert.isFalse(Providers.isLoopbackUrl(url), url)
    }
    assert.isFalse(Providers.isLoopbackUrl("not a url"))
    assert.isFalse(Providers.isLoopbackUrl("http://[::2]:80"))
  })

  it.effect("=1 with a loopback base URL: no client-side budget (Smartsheet: one no run reaches)", () =>
    Effect.gen(function* () {
      for (const value of ["1", "true"]) {
        for (const url of loopbackUrls.smartsheet) {
          const budget = budgetOf(yield* configured("smartsheet", { UNISHARE_SIMULATOR: value }, { smartsheet: url }))
          assert.isDefined(budget, url)
          // at least a million requests per second
          if (budget !== undefined && budget !== false)
            assert.isAtLeast(budget.requests / budget.windowMillis, 1_000, url)
        }
        for (const url of loopbackUrls.cloudflare) {
          const config = yield* configured("cloudflare", { UNISHARE_SIMULATOR: value }, { cloudflare: url })
          assert.strictEqual(budgetOf(config), false, url)
        }
        for (const url of loopbackUrls.eci) {
          const config = yield* configured("eci", { UNISHARE_SIMULATOR: value }, { eci: url })
          assert.strictEqual(budgetOf(config), undefined, url)
        }
      }
      // the base URL from the environment counts like the flag
      const fromEnv = yield* configured(
        "smartsheet",
        { UNISHARE_SIMULATOR: "1", SMARTSHEET_API_HOST: "http://127.0.0.1:8080/2.0" },
        {}
      )
      assert.isDefined(budgetOf(fromEnv))
    })
  )

  it.effect("=1 with any other base URL (or none: the public endpoint) is ignored: the documented budget stays", () =>
    Effect.gen(function* () {
      for (const url of remoteUrls.smartsheet) {
        const config = yield* configured("smartsheet", { UNISHARE_SIMULATOR: "1" }, { smartsheet: url })
        assert.strictEqual(budgetOf(config), undefined, String(url))
      }
      for (const url of remoteUrls.cloudflare) {
        const config = yield* configured("cloudflare", { UNISHARE_SIMULATOR: "1" }, { cloudflare: url })
        assert.strictEqual(budgetOf(config), undefined, String(url))
      }
      for (const url of remoteUrls.eci) {
        const config = yield* configured("eci", { UNISHARE_SIMULATOR: "1" }, { eci: url })
        assert.notProperty(config.config, "rateLimit", String(url))
      }
      // a loopback URL in the environment, a public one on the command line: the flag wins, and is not loopback
      const flagWins = yield* configured(
        "smartsheet",
        { UNISHARE_SIMULATOR: "1", SMARTSHEET_API_HOST: "http://127.0.0.1:8080/2.0" },
        { smartsheet: "https://api.smartsheet.com/2.0" }
      )
      assert.strictEqual(budgetOf(flagWins), undefined)
    })
  )

  it.effect("unset or 0: nothing changes, loopback or not; another value is invalid input", () =>
    Effect.gen(function* () {
      for (const env of [{}, { UNISHARE_SIMULATOR: "0" }, { UNISHARE_SIMULATOR: "false" }]) {
        const smartsheet = yield* configured("smartsheet", env, { smartsheet: loopbackUrls.smartsheet[0] })
        assert.strictEqual(budgetOf(smartsheet), undefined)
        const cloudflare = yield* configured("cloudflare", env, { cloudflare: loopbackUrls.cloudflare[0] })
        assert.strictEqual(budgetOf(cloudflare), undefined)
      }
      const exit = yield* Effect.exit(
        configured("smartsheet", { UNISHARE_SIMULATOR: "yes please" }, { smartsheet: loopbackUrls.smartsheet[0] })
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.include(String(exit.cause), "UNISHARE_SIMULATOR")
    })
  )

  it.live("the configuration it gives builds a Smartsheet provider that reads from the simulator", () =>
    Effect.gen(function* () {
      const sim = yield* SmartsheetSim.serve({
        rateLimit: false,
        seed: {
          users: [{ email: "owner@example.com" }, { email: "ada@example.com" }],
          tokens: [{ token: credentials.SMARTSHEET_ACCESS_TOKEN, user: "owner@example.com" }],
          assets: [{ type: "sheet", id: "4000000000000001", owner: "owner@example.com" }],
          shares: [{ assetType: "sheet", assetId: "4000000000000001", email: "ada@example.com", accessLevel: "EDITOR" }]
        }
      })
      const config = yield* configured("smartsheet", { UNISHARE_SIMULATOR: "1" }, { smartsheet: sim.url })
      assert.isDefined(budgetOf(config))
      const provider = yield* Providers.make(config)
      const shares = yield* Stream.runCollect(
        provider.list({ provider: "smartsheet", kind: "sheet", id: "4000000000000001" })
      )
      assert.deepStrictEqual(shares.map((s) => s.level).sort(), ["editor", "owner"])
    })
  )
})
