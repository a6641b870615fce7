/**
 * Why a command's PostgreSQL run store (`--database`, else `UNISHARE_DATABASE_URL`) failed: when a
 * command fails because its store did, the store is connected to once more to tell bad
 * configuration from an outage. A store that refuses the credentials, names no existing database
 * or refuses the user access is bad configuration (`InvalidInput` at `--database`, exit 2); only a
 * store that cannot be reached stays `Unavailable` (exit 5), saying where and why. Messages name
 * the user, host, port and database, never the password.
 *
 * @since 0.1.0
 */
import { Errors } from "@unishare/core"
import { DurableApply } from "@unishare/migration"
import { Effect } from "effect"
import { SqlClient, type SqlError } from "effect/sql"

/**
 * Where a PostgreSQL URL points, without its password: the user (the URL's, else the operating
 * system user PostgreSQL clients default to), host, port and database (the server's default, the
 * user's name, when the URL names none). The query parameters `user`, `host`, `port` and `dbname`
 * override the URL's parts, as they do for the connection. `address` is `host:port` (an IPv6 host
 * in brackets), `text` is `address/database`.
 *
 * @example
 * ```ts
 * import { RunStore } from "@unishare/cli"
 * RunStore.location("postgres://app:secret@db.example.com/runs")
 * // { user: "app", host: "db.example.com", port: 5432, database: "runs",
 * //   address: "db.example.com:5432", text: "db.example.com:5432/runs" }
 * ```
 */
export const location = (
  database: string
): {
  readonly user: string
  readonly host: string
  readonly port: number
  readonly database: string
  readonly address: string
  readonly text: string
} => {
  const url = URL.canParse(database) ? new URL(database) : undefined
  const param = (name: string) => url?.searchParams.get(name) ?? undefined
  const decoded = (text: string | undefined) => {
    if (text === undefined || text === "") return undefined
    try {
      return decodeURIComponent(text)
    } catch {
      return text
    }
  }
  const user =
    param("user") ?? decoded(url?.username) ?? process.env.USER ?? process.env.USERNAME ?? "(the system user)"
  const host = param("host") ?? (decoded(url?.hostname)?.replace(/^\[(.*)\]$/, "$1") || "localhost")
  const port = Number(param("port") ?? (url?.port || 5432))
  const name = param("dbname") ?? decoded(url?.pathname.replace(/^\//, "")) ?? user
  const address = `${host.includes(":") ? `[${host}]` : host}:${port}`
  return { user, host, port, database: name, address, text: `${address}/${name}` }
}

/** The SQLSTATE (or the system error code, ECONNREFUSED…) behind a connection failure. */
const codeOf = (error: SqlError.SqlError): string | undefined => {
  const cause: unknown = error.reason.cause
  const code = typeof cause === "object" && cause !== null ? (cause as { readonly code?: unknown }).code : undefined
  return typeof code === "string" ? code : undefined
}

/** What PostgreSQL (with its SQLSTATE) or the socket said, without our driver's prefix. */
const detailOf = (error: SqlError.SqlError): string => {
  const cause: unknown = error.reason.cause
  const said = cause instanceof Error && cause.message !== "" ? cause.message : error.message
  const code = codeOf(error)
  if (code === undefined || said.includes(code)) return said
  return /^[0-9A-Z]{5}$/.test(code) ? `${said} (SQLSTATE ${code})` : `${said} (${code})`
}

const where = "the user and password in --database (or UNISHARE_DATABASE_URL)"

/**
 * The error a command reports when connecting to the PostgreSQL store `database` failed with
 * `error`: the credentials refused (SQLSTATE class 28, or a password the server asked for and the
 * URL lacks), no such database (3D000) or no access to it (42501) are bad input at `--database`
 * (exit 2); anything else (refused, unresolvable, timed out) is `Unavailable` (exit 5). The
 * password is never part of the message.
 *
 * @example
 * ```ts
 * import { SqlError } from "effect/sql"
 * import { RunStore } from "@unishare/cli"
 * const refused = new SqlError.SqlError({
 *   reason: new SqlError.AuthenticationError({ cause: { code: "28P01" }, message: "PgConnection: Failed to connect", operation: "connect" })
 * })
 * RunStore.connectFailure(refused, "postgres://app:wrong@db:5432/runs", "apply")._tag // "InvalidInput"
 * ```
 */
export const connectFailure = (
  error: SqlError.SqlError,
  database: string,
  operation: string
): Errors.InvalidInput | Errors.Unavailable => {
  const at = location(database)
  const code = codeOf(error)
  const detail = detailOf(error)
  if (error.reason._tag === "AuthenticationError") {
    return Errors.invalid(
      "unishare",
      operation,
      "--database",
      `PostgreSQL refused the credentials for user "${at.user}" at ${at.text}: ${detail}. Check ${where}`
    )
  }
  if (code === "3D000") {
    return Errors.invalid(
      "unishare",
      operation,
      "--database",
      `PostgreSQL at ${at.address} has no database "${at.database}": ${detail}. Create it, or name an existing one in --database (or UNISHARE_DATABASE_URL)`
    )
  }
  if (error.reason._tag === "AuthorizationError") {
    return Errors.invalid(
      "unishare",
      operation,
      "--database",
      `PostgreSQL refused user "${at.user}" access to ${at.text}: ${detail}. Grant it CONNECT, or check ${where}`
    )
  }
  return new Errors.Unavailable({
    provider: "unishare",
    operation,
    message: `the run store ${at.text} is unreachable: ${detail}`,
    maybeApplied: false
  })
}

/**
 * Connects to the store `database` once (a `SELECT 1` on a read-only session) when it is a
 * PostgreSQL URL, failing as `connectFailure` says; a SQLite file is left to the command (it is
 * created or read where it lies). A URL that does not parse is bad input.
 *
 * @example
 * ```ts
 * import { RunStore } from "@unishare/cli"
 * const ready = RunStore.check("postgres://app@localhost/runs", "apply")
 * ```
 */
export const check = (database: string, operation: string): Effect.Effect<void, Errors.SharingError> => {
  if (!DurableApply.isPostgres(database)) return Effect.void
  if (!URL.canParse(database)) {
    return Effect.fail(
      Errors.invalid(
        "unishare",
        operation,
        "--database",
        "not a valid URL: postgres://user:password@host:port/database"
      )
    )
  }
  return Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT 1`).pipe(
    Effect.provide(DurableApply.layerStore(database)),
    Effect.scoped,
    Effect.asVoid,
    Effect.catchTags({
      SqlError: (e) => Effect.fail(connectFailure(e, database, operation)),
      DatabaseBusy: () => Effect.void
    })
  )
}

/** Whether `error` is a run store's failure (the store errors are the `Unavailable`s of "unishare"). */
const isStoreFailure = (error: Errors.SharingError): error is Errors.Unavailable =>
  error._tag === "Unavailable" && error.provider === "unishare"

/**
 * `effect` (a command on the store `database`), its store failures explained: when it fails with
 * the store's `Unavailable`, `check` connects once more. A configuration error (credentials
 * refused, no such database, no CONNECT right) replaces the failure when nothing can have been
 * written (`readOnly`, or the failure says `maybeApplied: false`); an unreachable store keeps the
 * failure (its `maybeApplied` too) with the clearer message; a store that answers now leaves it as
 * it is. Nothing is connected to when `effect` succeeds or fails otherwise.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RunStore } from "@unishare/cli"
 * const status = Effect.void.pipe(RunStore.explainFailures("postgres://app@db/runs", "status", { readOnly: true }))
 * ```
 */
export const explainFailures =
  (database: string, operation: string, options: { readonly readOnly: boolean }) =>
  <A, R>(effect: Effect.Effect<A, Errors.SharingError, R>): Effect.Effect<A, Errors.SharingError, R> =>
    Effect.catchIf(effect, isStoreFailure, (failure) =>
      check(database, operation).pipe(
        Effect.matchEffect({
          onSuccess: () => Effect.fail(failure),
          onFailure: (found) =>
            Effect.fail(
              found._tag === "InvalidInput" && (options.readOnly || !failure.maybeApplied)
                ? found
                : found._tag === "Unavailable"
                  ? new Errors.Unavailable({ ...failure, message: found.message })
                  : failure
            )
        })
      )
    )
