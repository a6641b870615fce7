import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import { exportAndPlan, ids, json, runCli, type Sims, startSims, tempDir, writes } from "./helpers.ts"

describe("unishare against the simulators", () => {
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

  it("export → plan → apply → verify with --json; a second apply issues zero writes", async () => {
    const { exported, planned, plan } = await exportAndPlan(sims, dir)
    const ex = json(exported)
    expect(ex).toMatchObject({ command: "export", ok: true, provider: "smartsheet", resources: 2 })
    expect(ex.shares).toBe(6) // 4 direct + 2 owner shares

    expect(planned.code, planned.stderr).toBe(0)
    const p = json(planned)
    expect(p).toMatchObject({ command: "plan", ok: true, sourceProvider: "smartsheet", targetProvider: "eci" })
    // owner, ada and Finance on list 42; owner and grace on list 43; ghost has no EnergyCAP account
    expect(p.summary).toMatchObject({ resources: 2, unresolved: 1, operations: 5, grants: 5, problems: 0 })
    // levels EnergyCAP does not have are narrowed and reported
    expect(p.fidelity).toContainEqual(
      expect.objectContaining({
        grantee: "user:grace@example.com",
        level: "admin",
        outcome: "narrowed",
        targetLevel: "viewer"
      })
    )
    expect(writes(sims.eci)).toBe(0) // planning never writes

    const applied = await runCli(["apply", "--plan", plan, "--json"], sims.env)
    expect(applied.code, applied.stderr).toBe(0)
    expect(json(applied)).toMatchObject({ command: "apply", ok: true, applied: 2, failed: 0, alreadyApplied: 0 })
    expect(json(applied).store).toBe(plan.replace(/\.json$/, ".run.db"))
    expect(Fs.existsSync(plan.replace(/\.json$/, ".run.db"))).toBe(true)
    const writesAfterFirst = writes(sims.eci)
    expect(writesAfterFirst).toBe(2) // one replace (PUT) per list
    expect(sims.eci.share(42)).toEqual({ sharedWithEveryone: false, sharedUserIds: [1, 2], sharedUserGroupIds: [10] })
    expect(sims.eci.share(43)).toEqual({ sharedWithEveryone: false, sharedUserIds: [1, 3], sharedUserGroupIds: [] })

    const verified = await runCli(["verify", "--plan", plan, "--json"], sims.env)
    expect(verified.code, verified.stderr).toBe(0)
    expect(json(verified)).toMatchObject({ command: "verify", ok: true, resources: 2, matching: 2, drift: [] })

    const again = await runCli(["apply", "--plan", plan, "--json"], sims.env)
    expect(again.code, again.stderr).toBe(0)
    expect(json(again)).toMatchObject({ applied: 0, alreadyApplied: 2, failed: 0, writes: 0 })
    expect(writes(sims.eci)).toBe(writesAfterFirst)
  })

  it("apply --dry-run writes nothing and says what it would do", async () => {
    const { plan } = await exportAndPlan(sims, dir)
    const before = sims.eci.log().length
    const dry = await runCli(["apply", "--plan", plan, "--dry-run", "--json"], sims.env)
    expect(dry.code, dry.stderr).toBe(0)
    const d = json(dry)
    expect(d).toMatchObject({ dryRun: true, applied: 0, wouldApply: 2 })
    // the operations per resource, like sync --dry-run
    expect(d.operations).toEqual([
      {
        unit: "eci:list:42|replace",
        resource: "eci:list:42",
        operations: expect.arrayContaining([{ operation: "Grant", grantee: "user:ada@example.com", level: "viewer" }])
      },
      expect.objectContaining({ resource: "eci:list:43" })
    ])
    // one read per target resource proves the credential can read it; no write; no run store
    const requests = sims.eci.log().slice(before)
    expect(requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      "GET /api/v3/list/42/share",
      "GET /api/v3/list/43/share"
    ])
    expect(writes(sims.eci)).toBe(0)
    expect(d.store).toBeUndefined()
    expect(Fs.existsSync(plan.replace(/\.json$/, ".run.db"))).toBe(false)
    const text = await runCli(["apply", "--plan", plan, "--dry-run"], sims.env)
    expect(text.stdout).toContain("eci:list:42:")
    expect(text.stdout).toContain("Grant user:ada@example.com viewer")
    expect(text.stdout).toContain("nothing was written")
    expect(text.stdout).not.toContain("Run store")
    expect(Fs.readdirSync(dir).filter((f) => f.includes(".run.db"))).toEqual([])
    expect(writes(sims.eci)).toBe(0)
  })

  it("an unmapped identity is reported in the plan and not applied", async () => {
    const { planned, plan } = await exportAndPlan(sims, dir)
    const p = json(planned)
    const ghost = p.fidelity.filter((r: { grantee: string }) => r.grantee === "user:ghost@example.com")
    expect(ghost).toEqual([
      expect.objectContaining({
        source: `smartsheet:sheet:${ids.sheet1}`,
        outcome: "unresolved",
        note: expect.stringContaining("does not exist on eci")
      })
    ])
    const text = await runCli(
      [
        "plan",
        "--snapshot",
        Path.join(dir, "snapshot.json"),
        "--target",
        "eci",
        ...["--resources", Path.join(dir, "resources.json")],
        "--out",
        Path.join(dir, "p2.json")
      ],
      sims.env
    )
    expect(text.code).toBe(0)
    expect(text.stdout).toContain("ghost@example.com")
    expect(text.stdout).toContain("unresolved")
    // summary first; tables fit 100 columns; per-share rows only with --details
    expect(text.stdout.indexOf("Source shares:")).toBeLessThan(text.stdout.indexOf("Writes per target resource"))
    for (const line of text.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(100)
    expect(text.stdout).not.toContain("Every source share:")

    expect((await runCli(["apply", "--plan", plan, "--json"], sims.env)).code).toBe(0)
    const shared = sims.eci.share(42)!
    expect(shared.sharedUserIds).toEqual([1, 2]) // owner and ada; ghost has no EnergyCAP account
    const body = JSON.stringify(
      sims.eci
        .log()
        .filter((e) => e.method === "PUT")
        .map((e) => e.body)
    )
    expect(body).not.toContain("ghost")
  })

  it("with --fallback the unmapped identity goes to the fallback", async () => {
    const { planned, plan } = await exportAndPlan(sims, dir, ["--fallback", "user:it@example.com"])
    expect(planned.code, planned.stderr).toBe(0)
    const p = json(planned)
    expect(p.summary).toMatchObject({ unresolved: 0, fallback: 1 })
    expect(p.fidelity).toContainEqual(
      expect.objectContaining({
        grantee: "user:ghost@example.com",
        via: "fallback",
        targetGrantee: "user:it@example.com"
      })
    )
    const applied = await runCli(["apply", "--plan", plan, "--json"], sims.env)
    expect(applied.code, applied.stderr).toBe(0)
    expect(sims.eci.share(42)!.sharedUserIds).toEqual([1, 2, 9]) // the IT help desk (9) got ghost's access
    expect(json(await runCli(["verify", "--plan", plan, "--json"], sims.env)).ok).toBe(true)
  })

  it("a fallback that does not exist on the target is invalid input (exit 2) before any write", async () => {
    const { planned } = await exportAndPlan(sims, dir, ["--fallback", "user:nobody@example.com"])
    expect(planned.code).toBe(2)
    expect(json(planned).error.issues[0].path).toBe("--fallback")
    expect(writes(sims.eci)).toBe(0)
  })

  it("verify reports drift with exit 7", async () => {
    const { plan } = await exportAndPlan(sims, dir)
    expect((await runCli(["apply", "--plan", plan, "--json"], sims.env)).code).toBe(0)
    sims.eci.setShare(42, { sharedUserIds: [1] }) // someone removed ada and Finance
    const verified = await runCli(["verify", "--plan", plan, "--json"], sims.env)
    expect(verified.code).toBe(7)
    const v = json(verified)
    expect(v.ok).toBe(false)
    expect(v.drift).toEqual([expect.objectContaining({ resource: "eci:list:42" })])
    expect(v.repair).toBe(`unishare apply --plan ${plan} --repair`)
    // a plain re-run writes nothing (the run store says done); --repair re-reads and writes what the plan says
    const text = await runCli(["verify", "--plan", plan], sims.env)
    expect(text.code).toBe(7)
    expect(text.stdout).toContain("eci:list:42: grant")
    expect(text.stdout).toContain(`unishare apply --plan ${plan} --repair`)
    const writesBefore = writes(sims.eci)
    const repaired = await runCli(["apply", "--plan", plan, "--repair", "--json"], sims.env)
    expect(repaired.code, repaired.stderr).toBe(0)
    expect(json(repaired)).toMatchObject({ applied: 1, failed: 0 })
    expect(writes(sims.eci)).toBe(writesBefore + 1) // one replace, on list 42 only
    expect(sims.eci.share(42)!.sharedUserIds).toEqual([1, 2])
    const again = await runCli(["verify", "--plan", plan, "--json"], sims.env)
    expect(again.code, again.stdout).toBe(0)
    // the repair is recorded in the run store: status counts it, the audit log lists its write
    const status = json(await runCli(["status", "--plan", plan, "--json"], sims.env))
    expect(status).toMatchObject({ complete: true, applied: 2, units: 2 })
    expect(status.repairs).toEqual([{ generation: 1, finished: true, applied: 1, failed: 0 }])
    const audit = await runCli(["status", "--plan", plan, "--audit"], sims.env)
    expect(audit.code, audit.stderr).toBe(0)
    const entries = audit.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
    expect(entries.map((e: { unit: string; generation: number }) => [e.unit, e.generation])).toEqual([
      ...[
        ["eci:list:42|replace", 0],
        ["eci:list:43|replace", 0]
      ].sort(),
      ["repair-1|eci:list:42|replace", 1]
    ])
    for (const e of entries) {
      expect(e).toMatchObject({ outcome: "applied", operations: expect.any(Number), process: expect.any(String) })
      expect(Number.isNaN(Date.parse(e.at))).toBe(false)
    }
    // a second repair is a new generation, which writes nothing where nothing drifted
    const none = await runCli(["apply", "--plan", plan, "--repair", "--json"], sims.env)
    expect(json(none)).toMatchObject({ applied: 0, failed: 0 })
    expect(writes(sims.eci)).toBe(writesBefore + 1)
    expect(json(await runCli(["status", "--plan", plan, "--json"], sims.env)).repairs).toHaveLength(2)
  })

  it("apply with a failing unit exits with its class (6 rejected); re-running resumes from the run store", async () => {
    const { plan } = await exportAndPlan(sims, dir)
    sims.eci.inject({ kind: "status", status: 400, method: "PUT", path: /\/list\/43\/share$/, times: 1 })
    const first = await runCli(["apply", "--plan", plan, "--json", "--concurrency", "1"], sims.env)
    expect(first.code).toBe(6)
    const f = json(first)
    expect(f).toMatchObject({ ok: false, applied: 1, failed: 1 })
    expect(f.failures[0].resource).toBe("eci:list:43")
    const second = await runCli(["apply", "--plan", plan, "--json"], sims.env)
    expect(second.code, second.stderr).toBe(0)
    expect(json(second)).toMatchObject({ applied: 1, alreadyApplied: 1, failed: 0 })
    const puts = sims.eci.log().filter((e) => e.method === "PUT")
    expect(puts.filter((e) => e.path.includes("/list/42/")).length).toBe(1) // never applied twice
    // the audit log has both attempts of list 43: the failure (with its error) and the success
    const audit = (await runCli(["status", "--plan", plan, "--audit"], sims.env)).stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((e: { unit: string }) => e.unit === "eci:list:43|replace")
    expect(audit.map((e: { outcome: string }) => e.outcome)).toEqual(["failed", "applied"])
    expect(audit[0].message).toMatch(/^Rejected: /)
  })

  it("sync makes one resource equal a desired-state file (dry run writes nothing)", async () => {
    const desired = Path.join(dir, "desired.json")
    Fs.writeFileSync(
      desired,
      JSON.stringify({
        resource: "eci:list:43",
        shares: [
          { grantee: "user:ada@example.com", level: "viewer" },
          { grantee: { _tag: "Group", id: "10" }, level: "viewer" }
        ]
      })
    )
    const dry = await runCli(["sync", "--desired", desired, "--dry-run", "--json"], sims.env)
    expect(dry.code, dry.stderr).toBe(0)
    expect(json(dry)).toMatchObject({ command: "sync", dryRun: true, resource: "eci:list:43" })
    expect(json(dry).operations).toHaveLength(2)
    expect(writes(sims.eci)).toBe(0)
    const run = await runCli(["sync", "--desired", desired, "--json"], sims.env)
    expect(run.code, run.stderr).toBe(0)
    expect(json(run)).toMatchObject({ ok: true, verified: true })
    expect(sims.eci.share(43)).toEqual({ sharedWithEveryone: false, sharedUserIds: [2], sharedUserGroupIds: [10] })
    const again = await runCli(["sync", "--desired", desired, "--json"], sims.env)
    expect(json(again)).toMatchObject({ ok: true, strategy: "none", operations: [] })
  })

  it("a level the target cannot express fails sync with exit 2 and no write (default --on-lossy fail)", async () => {
    const desired = Path.join(dir, "desired.json")
    Fs.writeFileSync(
      desired,
      JSON.stringify({ resource: "eci:list:43", shares: [{ grantee: "user:ada@example.com", level: "editor" }] })
    )
    const run = await runCli(["sync", "--desired", desired, "--json"], sims.env)
    expect(run.code).toBe(2)
    expect(writes(sims.eci)).toBe(0)
  })
})
