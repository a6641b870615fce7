import { assert, describe, it } from "@effect/vitest"
import type { HttpApi } from "@unishare/core"
import { ConfigProvider, Effect, Redacted } from "effect"
import * as Errors from "../src/Errors.ts"
import * as Smartsheet from "../src/index.ts"

const failure = (status: number, body: unknown): HttpApi.Failure => ({ status, body, headers: {}, operation: "op" })
const env = (errorCode: number, status: number) =>
  failure(status, { errorCode, message: `m${errorCode}`, refId: "ref" })

describe("Errors.classify", () => {
  it("maps Smartsheet error codes to neutral errors with the code in detail", () => {
    const table: ReadonlyArray<readonly [number, number, string]> = [
      [1006, 404, "NotFound"],
      [1020, 404, "NotFound"],
      [1027, 404, "NotFound"],
      [1106, 404, "NotFound"],
      [1001, 401, "AccessDenied"],
      [1002, 401, "AccessDenied"],
      [1003, 401, "AccessDenied"],
      [1004, 403, "AccessDenied"],
      [1005, 401, "AccessDenied"],
      [1363, 403, "AccessDenied"],
      [5151, 500, "AccessDenied"],
      [1025, 400, "Conflict"],
      [1023, 400, "Conflict"],
      [1040, 400, "Conflict"],
      [1026, 403, "Unsupported"],
      [1028, 400, "Unsupported"],
      [1166, 400, "Unsupported"],
      [4003, 429, "RateLimited"],
      [4000, 500, "Unavailable"],
      [4001, 503, "Unavailable"],
      [4002, 500, "Unavailable"],
      [4004, 500, "Unavailable"],
      [1008, 400, "Rejected"],
      [1156, 400, "Rejected"],
      [1066, 400, "Rejected"]
    ]
    for (const [code, status, tag] of table) {
      const error = Errors.classify(env(code, status))
      assert.strictEqual(error._tag, tag, `errorCode ${code}`)
      assert.deepStrictEqual(error.detail, { status, errorCode: code, refId: "ref" })
      assert.strictEqual(Errors.errorCodeOf(error), code)
    }
    const rejected = Errors.classify(env(1156, 400))
    assert.isTrue(rejected._tag === "Rejected" && rejected.code === "1156" && rejected.status === 400)
    assert.include(Errors.classify(env(1023, 400)).message, "inherited from the workspace")
  })

  it("falls back to the HTTP status without an envelope", () => {
    assert.strictEqual(Errors.classify(failure(404, "nope"))._tag, "NotFound")
    assert.strictEqual(Errors.classify(failure(502, undefined))._tag, "Unavailable")
    assert.strictEqual(Errors.classify(failure(429, { message: "slow" }))._tag, "RateLimited")
    assert.strictEqual(
      Errors.classify({ ...failure(429, env(4003, 429).body), retryAfterMillis: 5 })._tag,
      "RateLimited"
    )
  })
})

describe("Errors.isTransient", () => {
  it("retries 4001-4004 and 429, not 4000, 5151 or client errors", () => {
    for (const [code, status] of [
      [4001, 503],
      [4002, 500],
      [4003, 429],
      [4004, 500]
    ] as const) {
      assert.isTrue(Errors.isTransient(env(code, status)), `errorCode ${code}`)
    }
    for (const [code, status] of [
      [4000, 500],
      [5151, 500],
      [1006, 404],
      [1025, 400]
    ] as const) {
      assert.isFalse(Errors.isTransient(env(code, status)), `errorCode ${code}`)
    }
    assert.isTrue(Errors.isTransient(failure(429, undefined)))
    assert.isTrue(Errors.isTransient(failure(502, "<html>bad gateway</html>")))
    assert.isFalse(Errors.isTransient(failure(400, undefined)))
  })
})

describe("config", () => {
  it.effect("reads the token (redacted), region, API host and integration source from the environment", () =>
    Effect.gen(function* () {
      const config = yield* Smartsheet.config.pipe(
        Effect.provideService(
          ConfigProvider.ConfigProvider,
          ConfigProvider.fromEnv({
            env: {
              SMARTSHEET_ACCESS_TOKEN: "tok-123",
              SMARTSHEET_REGION: "eu",
              SMARTSHEET_INTEGRATION_SOURCE: "SCRIPT,Acme,Nightly"
            }
          })
        )
      )
      assert.strictEqual(Redacted.value(config.token), "tok-123")
      assert.strictEqual(config.region, "eu")
      assert.strictEqual(config.integrationSource, "SCRIPT,Acme,Nightly")
      assert.notInclude(JSON.stringify(config), "tok-123")
      const bad = yield* Effect.flip(
        Smartsheet.config.pipe(
          Effect.provideService(
            ConfigProvider.ConfigProvider,
            ConfigProvider.fromEnv({ env: { SMARTSHEET_ACCESS_TOKEN: "t", SMARTSHEET_REGION: "mars" } })
          )
        )
      )
      assert.include(String(bad), "SMARTSHEET_REGION")
    })
  )
})
