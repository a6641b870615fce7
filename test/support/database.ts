/**
 * PostgreSQL stores for the durable-run tests: a database of its own on the throwaway PostgreSQL of
 * the test run (`freshDatabase`), so that durable runs of different tests (running in parallel)
 * never share a cluster, and reading one from the test (`onStore`, `tablesOf`).
 */
import { randomUUID } from "node:crypto"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { inject } from "vitest"

/** Runs `effect` on the database `url` (its own one-connection pool, closed at the end). */
export const onStore = <A, E>(url: string, effect: Effect.Effect<A, E, SqlClient.SqlClient>): Promise<A> =>
  Effect.runPromise(
    effect.pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })), Effect.scoped)
  )

/** Creates a fresh database and returns its URL. */
export const freshDatabase = async (prefix: string): Promise<string> => {
  const server: string = inject("postgresUrl")
  const name = `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 12)}`
  await onStore(
    server,
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`CREATE DATABASE ${name}`))
  )
  const url = new URL(server)
  url.pathname = `/${name}`
  return url.toString()
}

/** The tables of the store's public schema, by name. */
export const tablesOf = (database: string): Promise<ReadonlyArray<string>> =>
  onStore(
    database,
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) =>
        sql<{ readonly name: string }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`
    )
  ).then((rows) => rows.map((r) => r.name))
