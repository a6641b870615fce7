/**
 * Vitest global setup: one throwaway PostgreSQL for the whole run (see `postgres.ts`), its URL
 * provided to tests as `inject("postgresUrl")`, stopped when the run ends.
 */
import type { TestProject } from "vitest/node"
import * as Postgres from "./postgres.ts"

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string
  }
}

export default async function setup(project: TestProject) {
  const server = await Postgres.start()
  project.provide("postgresUrl", server.url)
  return () => server.stop()
}
