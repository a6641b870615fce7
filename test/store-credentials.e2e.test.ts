/**
 * A PostgreSQL run store that refuses the credentials, or names a database that does not exist, is
 * bad configuration (exit 2, saying which user, host, port and database, never the password); only
 * one that cannot be reached is an outage (exit 5). Against the test run's real PostgreSQL, whose
 * `passwordRole` must give its password.
 */
import * as Simulator from "@unishare/eci/simulator"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli, freePort } from "./support/cli.ts"
import { freshDatabase, onStore } from "./support/database.ts"
import { apiKey, seedFor, tempDir, writePlan } from "./support/eciPlan.ts"
import { passwordRole } from "./support/postgres.ts"

const env = { PATH: process.env.PATH ?? "" }
const password = "the-right-password"
const wrongPassword = "wrongpassword-x7"

let database = ""
let plan = ""
let sim: Simulator.Simulator | undefined

/** `database` as the password role, with `secret` as its password. */
const withPassword = (secret: string, db = database) => {
  const url = new URL(db)
  url.username = passwordRole
  url.password = secret
  return url.toString()
}

beforeAll(async () => {
  database = await freshDatabase("credentials")
  await onStore(
    database,
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`CREATE ROLE ${passwordRole} LOGIN PASSWORD '${password}'`))
  )
  sim = await Simulator.start({ seed: seedFor([3001]) })
  plan = await writePlan(sim, tempDir("credentials"), [3001])
})

afterAll(async () => {
  await sim?.close()
})

describe("a PostgreSQL run store that refuses the connection", () => {
  it("the right password reads the store (exit 0): the role is real and only the password decides", async () => {
    const { code, stdout, stderr } = await cli(["status", "--plan", plan, "--database", withPassword(password)], env)
    expect(code, stderr).toBe(0)
    expect(stdout).toContain("has not been applied with this store yet")
  })

  it("a wrong password is refused credentials, not an outage: exit 2, names user and store, never the password", async () => {
    const url = withPassword(wrongPassword)
    const { hostname, port, pathname } = new URL(url)
    for (const command of [
      ["status", "--plan", plan, "--database", url],
      ["apply", "--plan", plan, "--database", url, "--eci-url", sim?.url ?? ""],
      ["apply", "--plan", plan, "--database", url, "--eci-url", sim?.url ?? "", "--dry-run"]
    ]) {
      const { code, stdout, stderr } = await cli(command, { ...env, ECI_API_KEY: apiKey })
      expect(code, stderr).toBe(2)
      expect(stderr).toContain(
        `PostgreSQL refused the credentials for user "${passwordRole}" at ${hostname}:${port}${pathname}`
      )
      expect(stderr).toContain("SQLSTATE 28P01")
      expect(stderr).not.toContain("Unavailable")
      expect(stdout + stderr).not.toContain(wrongPassword)
    }
    // with --json the error document says the same, with the exit code
    const json = await cli(["status", "--plan", plan, "--database", url, "--json"], env)
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { _tag: "InvalidInput", exitCode: 2 } })
    expect(json.stdout + json.stderr).not.toContain(wrongPassword)
  })

  it("the same from UNISHARE_DATABASE_URL, and for a runner", async () => {
    const { code, stdout, stderr } = await cli(["runner", "--target", "eci", "--eci-url", sim?.url ?? ""], {
      ...env,
      ECI_API_KEY: apiKey,
      UNISHARE_DATABASE_URL: withPassword(wrongPassword)
    })
    expect(code, stderr).toBe(2)
    expect(stderr).toContain(`PostgreSQL refused the credentials for user "${passwordRole}"`)
    expect(stdout + stderr).not.toContain(wrongPassword)
  })

  it("a database that does not exist is bad configuration too (exit 2)", async () => {
    const url = new URL(database)
    url.pathname = "/no_such_database"
    const { code, stderr } = await cli(["status", "--plan", plan, "--database", url.toString()], env)
    expect(code, stderr).toBe(2)
    expect(stderr).toContain(`has no database "no_such_database"`)
    expect(stderr).toContain("SQLSTATE 3D000")
  })

  it("a store nobody listens on is an outage (exit 5), its password not printed either", async () => {
    const closed = await freePort()
    const url = new URL(withPassword(wrongPassword))
    url.port = String(closed)
    const { code, stdout, stderr } = await cli(["status", "--plan", plan, "--database", url.toString()], env)
    expect(code, stderr).toBe(5)
    expect(stderr).toContain(`the run store 127.0.0.1:${closed}/`)
    expect(stderr).toContain("ECONNREFUSED")
    expect(stdout + stderr).not.toContain(wrongPassword)
  })
})
