import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import {
  eciKey,
  exportAndPlan,
  ids,
  json,
  runCli,
  type Sims,
  smartsheetToken,
  startSims,
  tempDir,
  writeMaps
} from "./helpers.ts"

const commands = ["export", "plan", "apply", "verify", "sync", "simulate", "demo"] as const

describe("unishare --help", () => {
  it("works for the root and every command, with the exit-code table", async () => {
    const runs = await Promise.all([runCli(["--help"]), ...commands.map((c) => runCli([c, "--help"]))])
    for (const [i, run] of runs.entries()) {
      const name = i === 0 ? "unishare" : commands[i - 1]!
      expect(run.code, `${name} --help exit code`).toBe(0)
      expect(run.stdout, name).toContain("USAGE")
      expect(run.stdout, name).toContain("7    partial failure")
    }
    expect(runs[0]!.stdout).toContain("SUBCOMMANDS")
    for (const c of commands) expect(runs[0]!.stdout).toContain(c)
    expect(runs[3]!.stdout).toContain("--dry-run")
    expect(runs[2]!.stdout).toContain("--fallback")
  })

  it("apply, status and runner --help say what a fleet needs: live runners before --submit, live members in status", async () => {
    const [apply, status, runner] = await Promise.all([
      runCli(["apply", "--help"]),
      runCli(["status", "--help"]),
      runCli(["runner", "--help"])
    ])
    const flat = (text: string) => text.replace(/\s+/g, " ")
    expect(flat(apply.stdout)).toContain("a submission to a store without a live runner is refused (exit 2)")
    expect(flat(apply.stdout)).toContain("when they all disappear mid-run a note on stderr says so")
    expect(flat(status.stdout)).toContain("live members (`members` in --json)")
    expect(flat(status.stdout)).toContain("a store made by an older version is read as it is")
    expect(flat(runner.stdout)).toContain("apply --submit is refused while none is live")
  })

  it("without a command: usage on stderr, exit 2; an unknown flag: the error first, not the whole help", async () => {
    const [run, unknown] = await Promise.all([runCli([]), runCli(["plan", "--bogus-flag"])])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe("")
    expect(run.stderr).toContain("SUBCOMMANDS")
    expect(unknown.code).toBe(2)
    const lines = unknown.stderr.trim().split("\n")
    expect(lines.slice(0, 2).join(" ")).toContain("Unrecognized flag: --bogus-flag")
    expect(lines.length).toBeLessThan(10)
    expect(unknown.stderr).toContain('Run "unishare plan --help" for usage.')
  })
})

describe("unishare input and failures", () => {
  let sims: Sims
  let dir: string
  beforeEach(async () => {
    sims = await startSims()
    dir = tempDir()
  })
  afterEach(async () => {
    await sims.close()
    Fs.rmSync(dir, { recursive: true, force: true })
  })

  it("bad input exits 2 naming the field, before any request", async () => {
    const maps = writeMaps(dir)
    const badMap = Path.join(dir, "bad-resources.json")
    Fs.writeFileSync(
      badMap,
      JSON.stringify([{ source: `smartsheet:sheet:${ids.sheet1}`, target: "sharepoint:list:1" }])
    )
    const wrongTarget = Path.join(dir, "wrong-target.json")
    Fs.writeFileSync(
      wrongTarget,
      JSON.stringify([{ source: `smartsheet:sheet:${ids.sheet1}`, target: "smartsheet:sheet:2" }])
    )
    const snapshot = Path.join(dir, "empty-snapshot.json")
    Fs.writeFileSync(
      snapshot,
      JSON.stringify({ format: "unishare/snapshot", version: 1, provider: "smartsheet", exportedAt: "", resources: [] })
    )
    // issue 9 #14: a parent on a provider without parents, a malformed EnergyCAP id, an unknown snapshot provider
    const parentMap = Path.join(dir, "parent-resources.json")
    Fs.writeFileSync(
      parentMap,
      JSON.stringify([{ source: `smartsheet:sheet:${ids.sheet1}`, target: "eci:list:1000/1001" }])
    )
    const malformedMap = Path.join(dir, "malformed-resources.json")
    Fs.writeFileSync(
      malformedMap,
      JSON.stringify([{ source: `smartsheet:sheet:${ids.sheet1}`, target: "eci:list:abc" }])
    )
    const oneSheet = Path.join(dir, "one-sheet-snapshot.json")
    Fs.writeFileSync(
      oneSheet,
      JSON.stringify({
        format: "unishare/snapshot",
        version: 1,
        provider: "smartsheet",
        exportedAt: "",
        resources: [{ resource: { provider: "smartsheet", kind: "sheet", id: ids.sheet1 }, shares: [] }]
      })
    )
    const bogus = Path.join(dir, "bogus-snapshot.json")
    Fs.writeFileSync(
      bogus,
      JSON.stringify({ format: "unishare/snapshot", version: 1, provider: "bogus", exportedAt: "", resources: [] })
    )
    const everyone = Path.join(dir, "everyone-desired.json")
    Fs.writeFileSync(
      everyone,
      JSON.stringify({ resource: "eci:list:42", shares: [{ grantee: "everyone", level: "viewer" }] })
    )
    const badSnapshot = Path.join(dir, "bad-snapshot.json")
    Fs.writeFileSync(badSnapshot, JSON.stringify({ format: "unishare/snapshot", version: 2 }))
    const plan = (...args: ReadonlyArray<string>) => ["plan", "--target", "eci", "--json", ...args]
    const cases: ReadonlyArray<{ args: ReadonlyArray<string>; field?: string; env?: Record<string, string> }> = [
      { args: plan("--snapshot", oneSheet, "--resources", parentMap), field: "--resources: [0].target" },
      { args: plan("--snapshot", oneSheet, "--resources", malformedMap) },
      { args: plan("--snapshot", bogus, "--resources", maps.resources), field: "--snapshot: provider" },
      { args: ["sync", "--desired", everyone, "--json"] },
      { args: plan("--resources", maps.resources), field: "--snapshot" },
      { args: ["export", "--provider", "eci", "--resource", "eci:list", "--json"], field: "--resource[0]" },
      { args: ["export", "--provider", "dropbox", "--json"], field: "--provider" },
      { args: ["apply", "--plan", "x.json", "--target", "eci", "--json"], field: "--plan" },
      { args: ["apply", "--plan", "x.json", "--concurrency", "many", "--json"], field: "--concurrency" },
      { args: plan("--snapshot", snapshot, "--resources", maps.resources, "--on-lossy", "maybe"), field: "--on-lossy" },
      { args: plan("--snapshot", snapshot, "--resources", badMap), field: "--resources: [0].target" },
      { args: plan("--snapshot", snapshot, "--resources", wrongTarget), field: "--resources" },
      { args: plan("--snapshot", badSnapshot, "--resources", maps.resources), field: "--snapshot: snapshot" },
      {
        args: plan("--snapshot", snapshot, "--resources", maps.resources, "--fallback", "robot:1"),
        field: "--fallback"
      },
      {
        args: ["export", "--provider", "eci", "--json"],
        field: "environment",
        env: { ECI_BASE_URL: sims.eci.url }
      }
    ]
    const runs = await Promise.all(cases.map((c) => runCli(c.args, c.env ?? sims.env)))
    for (const [i, run] of runs.entries()) {
      const c = cases[i]!
      expect(run.code, `${c.args.join(" ")}\n${run.stderr}`).toBe(2)
      const doc = json(run)
      expect(doc.ok).toBe(false)
      expect(doc.error.exitCode).toBe(2)
      if (c.field !== undefined) expect(doc.error.issues[0].path, c.args.join(" ")).toBe(c.field)
      expect(run.stderr).not.toBe("")
    }
    expect(json(runs[runs.length - 1]!).error.issues[0].message).toContain("ECI_API_KEY")
    // messages name the command-line flags, not the library options
    expect(json(runs[3]!).error.message).toContain("--allow-everyone")
    expect(json(runs[3]!).error.message).not.toContain("allowEveryone")
    expect(sims.smartsheet.log().length + sims.eci.log().length).toBe(0)
  })

  it("provider failures map to their exit codes: access denied 3, not found 4", async () => {
    const denied = await runCli(["export", "--provider", "eci", "--json"], {
      ...sims.env,
      ECI_API_KEY: "wrong-key-1234"
    })
    expect(denied.code).toBe(3)
    expect(json(denied).error._tag).toBe("AccessDenied")
    expect(denied.stdout + denied.stderr).not.toContain("wrong-key-1234")

    const missing = await runCli(["export", "--provider", "eci", "--resource", "eci:list:999", "--json"], sims.env)
    expect(missing.code).toBe(4)
    expect(json(missing).error._tag).toBe("NotFound")
  })

  it("secrets are never printed (help, results, errors, files)", async () => {
    const { exported, planned, plan, snapshot } = await exportAndPlan(sims, dir)
    const outputs = [
      exported,
      planned,
      await runCli(["apply", "--plan", plan], sims.env),
      ...(await Promise.all([
        runCli(["verify", "--plan", plan], sims.env),
        runCli(["plan", "--help"], sims.env),
        runCli(["export", "--provider", "smartsheet", "--resource", "smartsheet:sheet:9"], sims.env),
        runCli(["export", "--provider", "smartsheet", "--resource", "smartsheet:sheet:1"], {
          ...sims.env,
          SMARTSHEET_ACCESS_TOKEN: `${smartsheetToken}-revoked`
        })
      ]))
    ]
    outputs.push(await runCli(["status", "--plan", plan, "--audit"], sims.env))
    // the run store (and its write-ahead log, if any) holds no secret either
    const store = plan.replace(/\.json$/, ".run.db")
    expect(Fs.existsSync(store)).toBe(true)
    const files = [snapshot, plan, store, `${store}-wal`]
      .filter((f) => Fs.existsSync(f))
      .map((f) => Fs.readFileSync(f, "latin1"))
    for (const text of [...outputs.flatMap((o) => [o.stdout, o.stderr]), ...files]) {
      expect(text).not.toContain(smartsheetToken)
      expect(text).not.toContain(eciKey)
    }
  })
})
