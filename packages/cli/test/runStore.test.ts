/** How a PostgreSQL store's connection failure reads: configuration (exit 2) or outage (exit 5), never the password. */
import { describe, expect, it } from "@effect/vitest"
import { ExitCode, RunStore } from "@unishare/cli"
import { Errors } from "@unishare/core"
import { Effect } from "effect"
import { SqlError } from "effect/sql"

const failure = (reason: SqlError.SqlError["reason"]) => new SqlError.SqlError({ reason })
const props = (code: string, message: string) => ({
  cause: Object.assign(new Error(message), { code }),
  message: "PgConnection: Failed to connect",
  operation: "connect"
})
const url = "postgres://app:s3cret-pw@db.example.com:6543/runs"

describe("RunStore", () => {
  it("locates a store from its URL and query parameters, without the password", () => {
    expect(RunStore.location(url)).toEqual({
      user: "app",
      host: "db.example.com",
      port: 6543,
      database: "runs",
      address: "db.example.com:6543",
      text: "db.example.com:6543/runs"
    })
    expect(RunStore.location("postgres://[::1]/x?user=ops&port=7000&dbname=other&password=pw").text).toBe(
      "[::1]:7000/other"
    )
    expect(RunStore.location("postgresql://a%40b@h").database).toBe("a@b")
  })

  it("refused credentials, a missing database and no CONNECT right are bad input; anything else is an outage", () => {
    const cases = [
      [new SqlError.AuthenticationError(props("28P01", 'password authentication failed for user "app"')), 2],
      [new SqlError.AuthenticationError(props("28000", 'role "app" does not exist')), 2],
      [new SqlError.UnknownError(props("3D000", 'database "runs" does not exist')), 2],
      [new SqlError.AuthorizationError(props("42501", "permission denied for database runs")), 2],
      [new SqlError.ConnectionError(props("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.1:6543")), 5]
    ] as const
    for (const [reason, code] of cases) {
      const error = RunStore.connectFailure(failure(reason), url, "apply")
      expect(ExitCode.ofError(error), reason.message).toBe(code)
      const text = JSON.stringify(error)
      expect(text).toContain("db.example.com:6543")
      expect(text).not.toContain("s3cret-pw")
    }
    const refused = RunStore.connectFailure(failure(cases[0][0]), url, "apply")
    expect(refused.message).toContain(
      'PostgreSQL refused the credentials for user "app" at db.example.com:6543/runs: password authentication failed for user "app" (SQLSTATE 28P01)'
    )
  })

  it.effect(
    "explainFailures: a store failure becomes the configuration error only when nothing can have been written",
    () =>
      Effect.gen(function* () {
        // a URL that does not parse is bad configuration, found without any connection
        const broken = "postgres://[::1/runs"
        const storeFailure = (maybeApplied: boolean) =>
          new Errors.Unavailable({
            provider: "unishare",
            operation: "apply",
            message: "the run store failed",
            maybeApplied
          })
        const explained = (error: Errors.SharingError, readOnly: boolean) =>
          Effect.flip(Effect.fail(error).pipe(RunStore.explainFailures(broken, "apply", { readOnly })))
        expect((yield* explained(storeFailure(false), false))._tag).toBe("InvalidInput")
        expect((yield* explained(storeFailure(true), true))._tag).toBe("InvalidInput")
        // writes may have landed: the failure stays what it was
        expect(yield* explained(storeFailure(true), false)).toEqual(storeFailure(true))
        // not the store's failure: untouched
        const provider = new Errors.Unavailable({
          provider: "eci",
          operation: "grant",
          message: "503",
          maybeApplied: false
        })
        expect(yield* explained(provider, true)).toBe(provider)
      })
  )
})
