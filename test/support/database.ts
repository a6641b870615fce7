/**
 * A database of its own on the throwaway PostgreSQL of the test run, so that durable runs of
 * different tests (running in parallel) never share a cluster.
 */
import { randomUUID } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { inject } from "vitest"

/** Creates a fresh database and returns its URL. */
export const freshDatabase = async (prefix: string): Promise<string> => {
  const server: string = inject("postgresUrl")
  const name = `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 12)}`
  await Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`CREATE DATABASE ${name}`)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(server), maxConnections: 1 })), Effect.scoped)
  )
  const url = new URL(server)
  url.pathname = `/${name}`
  return url.toString()
}
