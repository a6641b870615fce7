import { execFile } from "node:child_process"
import * as Net from "node:net"
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
 * How many keys of the shared lock are held while another process asks for them (their lease row's
 * `contended_at` is set) — `key`: only that namespaced key, e.g. `"test-1:list:42"`. 0 while the lock
 * table does not exist yet.
 */
export const contendedLocks = (
  key?: string,
  table = "unishare_locks"
): Effect.Effect<number, never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows =
      key === undefined
        ? yield* sql<{
            readonly n: number
          }>`SELECT count(*)::int AS n FROM ${sql(table)} WHERE contended_at IS NOT NULL`
        : yield* sql<{
            readonly n: number
          }>`SELECT count(*)::int AS n FROM ${sql(table)} WHERE contended_at IS NOT NULL AND key = ${key}`
    return rows[0]?.n ?? 0
  }).pipe(Effect.orElseSucceed(() => 0))

/**
 * A TCP proxy in front of the database at `url`: `url` of the proxy (same credentials and database),
 * `cut()` drops every connection and refuses new ones (the database out of reach), `close()`.
 */
export const tcpProxy = async (
  url: string
): Promise<{ readonly url: string; readonly cut: () => void; readonly close: () => Promise<void> }> => {
  const target = new URL(url)
  const sockets = new Set<Net.Socket>()
  let open = true
  const server = Net.createServer((client) => {
    if (!open) return client.destroy()
    const upstream = Net.connect(Number(target.port || 5432), target.hostname)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on("error", () => {})
      s.on("close", () => {
        sockets.delete(s)
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address() as Net.AddressInfo
  const proxied = new URL(url)
  proxied.hostname = "127.0.0.1"
  proxied.port = String(address.port)
  const cut = () => {
    open = false
    for (const s of sockets) s.destroy()
  }
  return {
    url: proxied.toString(),
    cut,
    close: () =>
      new Promise((resolve) => {
        cut()
        server.close(() => resolve())
      })
  }
}
