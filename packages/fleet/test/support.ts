import { execFile } from "node:child_process"
import * as Path from "node:path"
import { PgClient } from "@effect/sql-pg"
import { Redacted } from "effect"
import { inject } from "vitest"

/** The throwaway PostgreSQL of this test run (see test/support/globalSetup.ts). */
export const databaseUrl = (): string => inject("postgresUrl")

/** A pool of its own on the test database (each pool is a separate set of sessions). */
export const pg = (maxConnections = 4) => PgClient.layer({ url: Redacted.make(databaseUrl()), maxConnections })

/** Runs a fixture script in a child Node process with one JSON argument and parses its JSON output. */
export const runFixture = <A>(name: string, input: unknown): Promise<A> =>
  new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [Path.join(import.meta.dirname, "fixtures", name), JSON.stringify(input)],
      { timeout: 280_000, maxBuffer: 16 * 1024 * 1024 },
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
