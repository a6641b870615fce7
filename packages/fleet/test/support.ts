import { execFile } from "node:child_process"
import * as Path from "node:path"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { inject } from "vitest"
import { innerHangGuardMillis } from "../../../test/support/hangGuard.ts"

/** The throwaway PostgreSQL of this test run (see test/support/globalSetup.ts). */
export const databaseUrl = (): string => inject("postgresUrl")

/** A pool of its own on the test database (each pool is a separate set of sessions). */
export const pg = (maxConnections = 4, url = databaseUrl()) =>
  PgClient.layer({ url: Redacted.make(url), maxConnections })

/** Runs a fixture script in a child Node process with one JSON argument and parses its JSON output. */
export const runFixture = <A>(name: string, input: unknown): Promise<A> =>
  new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [Path.join(import.meta.dirname, "fixtures", name), JSON.stringify(input)],
      { timeout: innerHangGuardMillis, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error !== null) return reject(new Error(`${name} failed: ${error.message}\n${stderr}`))
        try {
          resolve(JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as A)
        } catch {
          reject(new Error(`${name} printed no JSON:\n${stdout}\n${stderr}`))
        }
      }
    )
  })

/**
 * Waits until `condition` holds, checking it every 10 ms of the live clock (`it.live`): a wait for
 * an event (a request held by a simulator, a session waiting for a lock), never for an amount of
 * time. Dies after the inner hang guard, naming `what`.
 */
export const until = <E, R>(what: string, condition: Effect.Effect<boolean, E, R>): Effect.Effect<void, E, R> =>
  Effect.gen(function* () {
    const deadline = Date.now() + innerHangGuardMillis
    while (!(yield* condition)) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`timed out waiting for ${what}`))
      yield* Effect.sleep("10 millis")
    }
  })

/**
 * How many sessions of the current database wait for an advisory lock that another session holds
 * (`key`: only the lock `SqlKeyedLock` takes for that namespaced key, e.g. `"test-1:list:42"`).
 */
export const advisoryWaiters = (key?: string): Effect.Effect<number, never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    // a 64-bit advisory key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits)
    const rows =
      key === undefined
        ? yield* sql<{ readonly n: number }>`
            SELECT count(*)::int AS n FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`
        : yield* sql<{ readonly n: number }>`
            SELECT count(*)::int AS n FROM pg_locks, (SELECT hashtextextended(${key}, 0) AS h) AS k
            WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1
              AND classid::bigint = (k.h >> 32) & 4294967295 AND objid::bigint = k.h & 4294967295`
    return rows[0]?.n ?? 0
  }).pipe(Effect.orDie)
