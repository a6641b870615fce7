/**
 * Google Drive and Box on the command line: their settings come from the environment only (tokens
 * as `Redacted`, never shown), the `--google-drive-url` / `--box-url` flags win over the
 * environment's base URL, the optional settings reach the providers' options
 * (`everyoneAsDomain`, `everyoneGroupId`, `collaborationExpiry`, `As-User`), bad values are invalid
 * input naming the variable, and `UNISHARE_SIMULATOR=1` lifts the client budget on loopback only.
 * The configurations built here answer from the simulators.
 */
import { assert, describe, it } from "@effect/vitest"
import * as BoxSim from "@unishare/box/simulator"
import { Providers } from "@unishare/cli"
import * as DriveSim from "@unishare/google-drive/simulator"
import { ConfigProvider, Effect, Exit, Redacted, Stream } from "effect"

const driveToken = "ya29.drive-secret-5c1e0d"
const boxToken = "box-secret-token-93be2f"

/** `configFromEnvironment` with exactly `env` as the environment. */
const configured = (name: "google-drive" | "box", env: Record<string, string>, endpoints: Providers.Endpoints = {}) =>
  Providers.configFromEnvironment(name, { endpoints }).pipe(
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
  )

/** The failure's text (an `InvalidInput`'s issues included), or fails the test when it succeeded. */
const failureOf = <A, E>(exit: Exit.Exit<A, E>): string => {
  assert.isTrue(Exit.isFailure(exit), "expected a failure")
  return Exit.isFailure(exit) ? JSON.stringify(exit.cause) : ""
}

describe("google-drive from the environment", () => {
  it.effect("token, base URL and the Everyone domain reach the provider's configuration; the flag wins", () =>
    Effect.gen(function* () {
      const env = {
        GOOGLE_DRIVE_ACCESS_TOKEN: driveToken,
        GOOGLE_DRIVE_BASE_URL: "http://127.0.0.1:9300/drive/v3",
        GOOGLE_DRIVE_EVERYONE_DOMAIN: "acme.example"
      }
      const resolved = yield* configured("google-drive", env)
      assert.strictEqual(resolved.provider, "google-drive")
      if (resolved.provider !== "google-drive") return
      assert.isTrue(Redacted.isRedacted(resolved.config.credentials))
      assert.strictEqual(Redacted.value(resolved.config.credentials as Redacted.Redacted<string>), driveToken)
      assert.strictEqual(resolved.config.baseUrl, "http://127.0.0.1:9300/drive/v3")
      assert.strictEqual(resolved.config.everyoneAsDomain, "acme.example")
      // the secret is not in the configuration's text
      assert.notInclude(JSON.stringify(resolved), driveToken)
      assert.notInclude(String(resolved.config.credentials), driveToken)

      const flag = yield* configured("google-drive", env, { "google-drive": "http://127.0.0.1:9400/drive/v3" })
      assert.strictEqual(flag.config.baseUrl, "http://127.0.0.1:9400/drive/v3")

      const minimal = yield* configured("google-drive", { GOOGLE_DRIVE_ACCESS_TOKEN: driveToken })
      assert.deepStrictEqual(Object.keys(minimal.config).sort(), ["credentials"])
    })
  )

  it.effect("a missing or empty token is invalid input naming GOOGLE_DRIVE_ACCESS_TOKEN", () =>
    Effect.gen(function* () {
      for (const env of [{}, { GOOGLE_DRIVE_ACCESS_TOKEN: "" }, { GOOGLE_DRIVE_ACCESS_TOKEN: "  " }]) {
        const text = failureOf(yield* Effect.exit(configured("google-drive", env)))
        assert.include(text, "InvalidInput")
        assert.include(text, "GOOGLE_DRIVE_ACCESS_TOKEN")
      }
    })
  )

  it.effect("a malformed Everyone domain is refused when the provider is built, naming the option", () =>
    Effect.gen(function* () {
      const config = yield* configured("google-drive", {
        GOOGLE_DRIVE_ACCESS_TOKEN: driveToken,
        GOOGLE_DRIVE_EVERYONE_DOMAIN: "not a domain"
      })
      const text = failureOf(yield* Effect.exit(Providers.make(config)))
      assert.include(text, "everyoneAsDomain")
      assert.notInclude(text, driveToken)
    })
  )

  it.effect("UNISHARE_SIMULATOR=1: no budget on loopback (Drive's client has none by default anyway)", () =>
    Effect.gen(function* () {
      const loopback = yield* configured(
        "google-drive",
        { GOOGLE_DRIVE_ACCESS_TOKEN: driveToken, UNISHARE_SIMULATOR: "1" },
        { "google-drive": "http://127.0.0.1:9300/drive/v3" }
      )
      assert.strictEqual(loopback.config.rateLimit, undefined)
      const remote = yield* configured("google-drive", {
        GOOGLE_DRIVE_ACCESS_TOKEN: driveToken,
        UNISHARE_SIMULATOR: "1"
      })
      assert.strictEqual(remote.config.baseUrl, undefined)
      assert.strictEqual(remote.config.rateLimit, undefined)
    })
  )

  it.live("the configuration builds a provider that reads from the simulator", () =>
    Effect.gen(function* () {
      const sim = yield* DriveSim.serve({ seed: DriveSim.demoSeed })
      const config = yield* configured(
        "google-drive",
        { GOOGLE_DRIVE_ACCESS_TOKEN: DriveSim.demoCredentials.owner, UNISHARE_SIMULATOR: "1" },
        { "google-drive": sim.url }
      )
      const provider = yield* Providers.make(config)
      const shares = yield* Stream.runCollect(
        provider.list({ provider: "google-drive", kind: "file", id: DriveSim.demoIds.projects })
      )
      assert.deepStrictEqual(shares.map((s) => s.level).sort(), ["editor", "owner"])
    })
  )
})

describe("box from the environment", () => {
  it.effect("token, base URL, Everyone group, collaboration expiry and As-User; the flag wins", () =>
    Effect.gen(function* () {
      const env = {
        BOX_ACCESS_TOKEN: boxToken,
        BOX_BASE_URL: "http://127.0.0.1:9500/2.0",
        BOX_EVERYONE_GROUP_ID: "2002",
        BOX_AS_USER: "1001",
        BOX_COLLABORATION_EXPIRY: "0"
      }
      const resolved = yield* configured("box", env)
      assert.strictEqual(resolved.provider, "box")
      if (resolved.provider !== "box") return
      assert.strictEqual(Redacted.value(resolved.config.token as Redacted.Redacted<string>), boxToken)
      assert.strictEqual(resolved.config.baseUrl, "http://127.0.0.1:9500/2.0")
      assert.strictEqual(resolved.config.everyoneGroupId, "2002")
      assert.strictEqual(resolved.config.collaborationExpiry, false)
      assert.strictEqual(resolved.asUser, "1001")
      assert.notInclude(JSON.stringify(resolved), boxToken)

      const flag = yield* configured("box", env, { box: "http://127.0.0.1:9600/2.0" })
      assert.strictEqual(flag.config.baseUrl, "http://127.0.0.1:9600/2.0")

      const minimal = yield* configured("box", { BOX_ACCESS_TOKEN: boxToken })
      assert.deepStrictEqual(Object.keys(minimal.config).sort(), ["token"])
      assert.notProperty(minimal, "asUser")
      const on = yield* configured("box", { BOX_ACCESS_TOKEN: boxToken, BOX_COLLABORATION_EXPIRY: "true" })
      assert.strictEqual(on.provider === "box" ? on.config.collaborationExpiry : undefined, true)
    })
  )

  it.effect("a missing token, or a bad id or switch, is invalid input naming the variable", () =>
    Effect.gen(function* () {
      for (const env of [{}, { BOX_ACCESS_TOKEN: "" }]) {
        const text = failureOf(yield* Effect.exit(configured("box", env)))
        assert.include(text, "BOX_ACCESS_TOKEN")
      }
      for (const [variable, value] of [
        ["BOX_EVERYONE_GROUP_ID", "all-users"],
        ["BOX_AS_USER", "ada@example.com"],
        ["BOX_COLLABORATION_EXPIRY", "sometimes"]
      ] as const) {
        const text = failureOf(yield* Effect.exit(configured("box", { BOX_ACCESS_TOKEN: boxToken, [variable]: value })))
        assert.include(text, "InvalidInput")
        assert.include(text, variable)
        assert.notInclude(text, boxToken)
      }
    })
  )

  it.effect("UNISHARE_SIMULATOR=1: a budget no run reaches on loopback; Box's default elsewhere", () =>
    Effect.gen(function* () {
      const env = { BOX_ACCESS_TOKEN: boxToken, UNISHARE_SIMULATOR: "1" }
      for (const url of ["http://127.0.0.1:9500/2.0", "http://localhost:9500/2.0", "http://[::1]:9500/2.0"]) {
        const budget = (yield* configured("box", env, { box: url })).config.rateLimit
        assert.isDefined(budget, url)
        if (budget !== undefined && budget !== false)
          assert.isAtLeast(budget.requests / budget.windowMillis, 1_000, url)
      }
      for (const box of [undefined, "https://api.box.com/2.0", "https://127.0.0.1.example.com/2.0"]) {
        assert.strictEqual((yield* configured("box", env, { box })).config.rateLimit, undefined, String(box))
      }
      const off = yield* configured("box", { BOX_ACCESS_TOKEN: boxToken }, { box: "http://127.0.0.1:9500/2.0" })
      assert.strictEqual(off.config.rateLimit, undefined)
    })
  )

  it.live("the configuration reads from the simulator; BOX_AS_USER sends every request as that user", () =>
    Effect.gen(function* () {
      const sim = yield* BoxSim.serve({ seed: BoxSim.demoSeed })
      const folder = { provider: "box", kind: "folder", id: "3003" }
      const own = yield* Providers.make(
        yield* configured("box", { BOX_ACCESS_TOKEN: BoxSim.demoCredentials.owner }, { box: sim.url })
      )
      // Contracts: Erin as "viewer uploader" (level viewer) and an invitation of an email as viewer
      const asOwner = (yield* Stream.runCollect(own.list(folder))).map((s) => s.id).sort()
      assert.deepStrictEqual(asOwner, ["5004", "5005"])

      // the admin's token, acting as Olivia Owner (user 1001): Box sees her as the caller
      const before = sim.log().length
      const admin = yield* Providers.make(
        yield* configured(
          "box",
          { BOX_ACCESS_TOKEN: BoxSim.demoCredentials.admin, BOX_AS_USER: "1001" },
          { box: sim.url }
        )
      )
      const asUser = (yield* Stream.runCollect(admin.list(folder))).map((s) => s.id).sort()
      assert.deepStrictEqual(asUser, asOwner)
      const requests = sim.log().slice(before)
      assert.isAbove(requests.length, 0)
      for (const r of requests) {
        assert.strictEqual(r.principal, "user:1001")
        assert.include(r.auth, "as-user by user:1004")
      }
    })
  )
})
