/**
 * `status`, `status --audit` and a dry run on a store an older version made (`unishare_units`
 * without the later columns, no `unishare_audit` / `unishare_repairs`): they read what exists,
 * treat what is missing as empty, and write nothing (the store connection refuses writes); a real
 * `apply` then brings the store up to date.
 */
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { DatabaseSync } from "node:sqlite"
import * as Simulator from "@unishare/eci/simulator"
import { DurableApply, Migration } from "@unishare/migration"
import { Effect, Exit, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { describe, expect, it } from "vitest"
import { cli as run } from "./support/cli.ts"
import { freshDatabase, onStore as on } from "./support/database.ts"
import { apiKey, seedFor, tempDir, writePlan } from "./support/eciPlan.ts"

const env = { PATH: process.env.PATH ?? "", ECI_API_KEY: apiKey }
const cli = (args: ReadonlyArray<string>) => run(args, env)
const decodePlan = Schema.decodeUnknownSync(Schema.fromJsonString(Migration.MigrationPlan))

/** The plan's units as an older version recorded them: two applied, one failed, one pending. */
const oldRows = (plan: Migration.MigrationPlan) =>
  plan.items.slice(0, 4).map((item, i) => ({
    resource: `${item.target.provider}:${item.target.kind}:${item.target.id}`,
    unit: Migration.unitKey(item.target, "replace"),
    outcome: i < 2 ? "applied" : i === 2 ? "failed" : "pending",
    message: i === 2 ? "Unavailable: the provider timed out" : null
  }))

const expectedStatus = {
  command: "status",
  ok: true,
  submitted: true,
  complete: false,
  units: 4,
  applied: 2,
  failed: 1,
  pending: 1,
  repairs: []
}

const sha = (file: string) => createHash("sha256").update(Fs.readFileSync(file)).digest("hex")

describe("a store made by an older version", () => {
  it("SQLite (first shape: no process, generation, operations, at, created; no audit or repairs table): status, --audit and a dry run read it and change no byte; apply then upgrades it", async () => {
    const listIds = [5500, 5501, 5502, 5503]
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("old-store")
    try {
      const planFile = await writePlan(sim, dir, listIds)
      const plan = decodePlan(Fs.readFileSync(planFile, "utf8"))
      const store = Path.join(dir, "plan.run.db")
      const db = new DatabaseSync(store)
      db.exec("PRAGMA journal_mode = WAL")
      db.exec("CREATE TABLE unishare_plans (digest TEXT PRIMARY KEY, plan TEXT NOT NULL)")
      db.exec(
        "CREATE TABLE unishare_units (digest TEXT NOT NULL, resource TEXT NOT NULL, unit TEXT NOT NULL, outcome TEXT NOT NULL, message TEXT, PRIMARY KEY (digest, resource, unit))"
      )
      db.prepare("INSERT INTO unishare_plans (digest, plan) VALUES (?, ?)").run(
        plan.digest,
        Fs.readFileSync(planFile, "utf8")
      )
      const insert = db.prepare(
        "INSERT INTO unishare_units (digest, resource, unit, outcome, message) VALUES (?, ?, ?, ?, ?)"
      )
      for (const row of oldRows(plan)) insert.run(plan.digest, row.resource, row.unit, row.outcome, row.message)
      db.close()
      const before = sha(store)
      const files = Fs.readdirSync(dir).sort()

      const status = await cli(["status", "--plan", planFile, "--database", store, "--json"])
      expect(status.code, status.stdout + status.stderr).toBe(0)
      const parsed = JSON.parse(status.stdout)
      expect(parsed).toMatchObject(expectedStatus)
      expect(parsed).not.toHaveProperty("members")
      expect(parsed.resources[2]).toMatchObject({
        failed: 1,
        failures: [{ message: "Unavailable: the provider timed out" }]
      })
      const text = await cli(["status", "--plan", planFile, "--database", store])
      expect(text.code, text.stderr).toBe(0)
      expect(text.stdout).toContain("2 of 4 unit(s) applied, 1 failed, 1 pending")
      const audit = await cli(["status", "--plan", planFile, "--database", store, "--audit"])
      expect(audit.code, audit.stderr).toBe(0)
      expect(audit.stdout).toBe("")
      const dry = await cli([
        "apply",
        "--plan",
        planFile,
        "--database",
        store,
        "--dry-run",
        "--eci-url",
        sim.url,
        "--json"
      ])
      expect(dry.code, dry.stdout + dry.stderr).toBe(0)
      expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, alreadyApplied: 2, wouldApply: 2 })
      // not one byte written, no file left beside it
      expect(sha(store)).toBe(before)
      expect(Fs.readdirSync(dir).sort()).toEqual(files)

      // the read-only store connection refuses a write itself
      const write = await Effect.runPromiseExit(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE intruder (a INTEGER)`).pipe(
          Effect.provide(DurableApply.layerStore(store)),
          Effect.scoped
        )
      )
      expect(Exit.isFailure(write) && JSON.stringify(write.cause)).toContain("attempt to write a readonly database")
      expect(sha(store)).toBe(before)

      // a real apply brings the store up to date (the later columns and tables) and finishes the run:
      // the two units the older version applied (their lists hold the grants) are not written again
      for (const id of listIds.slice(0, 2)) sim.setShare(id, { sharedUserIds: [11, 12, 13] })
      sim.clearLog()
      const applied = await cli(["apply", "--plan", planFile, "--database", store, "--eci-url", sim.url, "--json"])
      expect(applied.code, applied.stdout + applied.stderr).toBe(0)
      expect(JSON.parse(applied.stdout)).toMatchObject({ applied: 2, alreadyApplied: 2, failed: 0 })
      expect(
        sim
          .log()
          .filter((e) => e.method === "PUT")
          .map((e) => e.path)
          .sort()
      ).toEqual(listIds.slice(2).map((id) => `/api/v3/list/${id}/share`))
      for (const id of listIds) expect([...(sim.share(id)?.sharedUserIds ?? [])].sort()).toEqual([11, 12, 13])
      const after = await cli(["status", "--plan", planFile, "--database", store, "--json"])
      expect(JSON.parse(after.stdout)).toMatchObject({ complete: true, applied: 4, failed: 0, pending: 0 })
      const lines = (await cli(["status", "--plan", planFile, "--database", store, "--audit"])).stdout
        .trim()
        .split("\n")
      expect(lines.length).toBeGreaterThanOrEqual(2)
    } finally {
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("PostgreSQL (units with a process column, no audit or repairs table, no engine tables): status and --audit read it without a write; a live member in our own table is shown", async () => {
    const listIds = [5600, 5601, 5602, 5603]
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("old-store")
    const database = await freshDatabase("oldstore")
    const onStore = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) => on(database, effect)
    const shape = () =>
      onStore(
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) =>
            sql<{
              readonly t: string
              readonly c: string
            }>`SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`
        )
      ).then((rows) => rows.map((r) => `${r.t}.${r.c}`))
    try {
      const planFile = await writePlan(sim, dir, listIds)
      const plan = decodePlan(Fs.readFileSync(planFile, "utf8"))
      await onStore(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`CREATE TABLE unishare_plans (digest TEXT PRIMARY KEY, plan TEXT NOT NULL)`
          yield* sql`CREATE TABLE unishare_units (digest TEXT NOT NULL, resource TEXT NOT NULL, unit TEXT NOT NULL, outcome TEXT NOT NULL, message TEXT, process TEXT, PRIMARY KEY (digest, resource, unit))`
          yield* sql`CREATE TABLE unishare_cluster_members (process TEXT PRIMARY KEY, role TEXT NOT NULL, address TEXT, lifetime_millis INTEGER NOT NULL, expires_at TIMESTAMPTZ NOT NULL)`
          yield* sql`INSERT INTO unishare_plans (digest, plan) VALUES (${plan.digest}, ${Fs.readFileSync(planFile, "utf8")})`
          for (const row of oldRows(plan)) {
            yield* sql`INSERT INTO unishare_units (digest, resource, unit, outcome, message, process) VALUES (${plan.digest}, ${row.resource}, ${row.unit}, ${row.outcome}, ${row.message}, ${row.outcome === "pending" ? null : "old-process"})`
          }
          yield* sql`INSERT INTO unishare_cluster_members (process, role, address, lifetime_millis, expires_at) VALUES ('runner-a', 'runner', '10.0.0.5:34431', 3600000, now() + interval '1 hour')`
        })
      )
      const before = await shape()
      expect(before.some((c) => c.startsWith("cluster_"))).toBe(false)

      const status = await cli(["status", "--plan", planFile, "--database", database, "--json"])
      expect(status.code, status.stdout + status.stderr).toBe(0)
      const parsed = JSON.parse(status.stdout)
      expect(parsed).toMatchObject(expectedStatus)
      expect(parsed.resources[0].appliedBy).toEqual(["old-process"])
      expect(parsed.members).toEqual([
        {
          process: "runner-a",
          role: "runner",
          address: "10.0.0.5:34431",
          lastHeartbeat: expect.any(String),
          expiresInSeconds: expect.any(Number)
        }
      ])
      const text = await cli(["status", "--plan", planFile, "--database", database])
      expect(text.code, text.stderr).toBe(0)
      expect(text.stdout).toContain("runner 10.0.0.5:34431: process runner-a, last heartbeat ")
      const audit = await cli(["status", "--plan", planFile, "--database", database, "--audit"])
      expect(audit.code, audit.stderr).toBe(0)
      expect(audit.stdout).toBe("")
      expect(await shape()).toEqual(before)

      // the read-only store connection refuses a write itself
      const write = await Effect.runPromiseExit(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE TABLE intruder (a INTEGER)`).pipe(
          Effect.provide(DurableApply.layerStore(database)),
          Effect.scoped
        )
      )
      // 25006: read_only_sql_transaction
      expect(Exit.isFailure(write) && JSON.stringify(write.cause)).toContain('"code":"25006"')
      expect(await shape()).toEqual(before)
    } finally {
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
