/**
 * The command on a real run: exit codes by failure class with fail-fast, files never overwritten,
 * plans with problems refused, a hand-edited plan refused, interruption guidance, the debug HTTP log,
 * JSON identity maps in notation, and a migration into EnergyCAP that creates its target lists.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@effect/vitest"
import * as CloudflareSim from "@unishare/cloudflare/simulator"
import * as EciSim from "@unishare/eci/simulator"
import { freePort, until } from "../../../test/support/cli.ts"
import {
  eciKey,
  eciSeed,
  exportAndPlan,
  ids,
  json,
  runCli,
  type Sims,
  smartsheetToken,
  spawnCli,
  startSims,
  tempDir,
  writes
} from "./helpers.ts"

const storeOf = (plan: string) => plan.replace(/\.json$/, ".run.db")

describe("unishare on a real run (read-only checks on one exported plan)", () => {
  let sims: Sims
  let dir: string
  let plan: string
  let snapshot: string
  let resources: string
  beforeAll(async () => {
    sims = await startSims()
    dir = tempDir()
    const made = await exportAndPlan(sims, dir)
    expect(made.planned.code, made.planned.stderr).toBe(0)
    plan = made.plan
    snapshot = made.snapshot
    resources = made.maps.resources
  })
  afterAll(async () => {
    await sims.close()
    Fs.rmSync(dir, { recursive: true, force: true })
  })

  it("a wrong credential exits 3 after one request per provider, naming the credential and permission", async () => {
    const wrongEci = { ...sims.env, ECI_API_KEY: "wrong-eci-key-0000" }
    const eciBefore = sims.eci.log().length
    const verified = await runCli(["verify", "--plan", plan, "--json"], wrongEci)
    expect(verified.code, verified.stderr).toBe(3)
    const v = json(verified)
    expect(v.stopped._tag).toBe("AccessDenied")
    expect(v.stopped.message).toContain("ECI_API_KEY")
    expect(v.stopped.message).toContain("requires one of")
    expect(v.stopped.message).not.toContain("..")
    expect(sims.eci.log().length - eciBefore).toBe(1)

    const applyBefore = sims.eci.log().length
    const applied = await runCli(["apply", "--plan", plan, "--json"], wrongEci)
    expect(applied.code, applied.stderr).toBe(3)
    expect(json(applied)).toMatchObject({ applied: 0, failed: 1, notRun: 1, stopped: { _tag: "AccessDenied" } })
    const sent = sims.eci.log().slice(applyBefore)
    expect(sent.length).toBe(1)
    expect(sent[0]!.status).toBe(401)
    expect(sims.eci.share(42)!.sharedUserIds).toEqual([])

    const ssBefore = sims.smartsheet.log().length
    const exported = await runCli(
      [
        "export",
        "--provider",
        "smartsheet",
        ...["--resource", `smartsheet:sheet:${ids.sheet1}`, "--resource", `smartsheet:sheet:${ids.sheet2}`],
        "--out",
        Path.join(dir, "denied.json"),
        "--json"
      ],
      { ...sims.env, SMARTSHEET_ACCESS_TOKEN: "wrong-smartsheet-token" }
    )
    expect(exported.code, exported.stderr).toBe(3)
    expect(json(exported).error.message).toContain("SMARTSHEET_ACCESS_TOKEN")
    expect(sims.smartsheet.log().length - ssBefore).toBe(1)
    const cloudflare = await CloudflareSim.start({ seed: CloudflareSim.demoSeed })
    try {
      const account = CloudflareSim.demoSeed.accounts[0]!.id
      const cf = await runCli(
        [
          "export",
          "--provider",
          "cloudflare",
          "--cloudflare-account",
          account,
          "--out",
          Path.join(dir, "cf.json")
        ].concat(["--json"]),
        {
          PATH: process.env.PATH ?? "",
          CLOUDFLARE_API_TOKEN: "wrong-cloudflare-token",
          CLOUDFLARE_BASE_URL: cloudflare.url
        }
      )
      expect(cf.code, cf.stderr).toBe(3)
      expect(json(cf).error.message).toContain("CLOUDFLARE_API_TOKEN")
      expect(cloudflare.log().length).toBe(1)
      expect(cf.stdout + cf.stderr).not.toContain("wrong-cloudflare-token")
    } finally {
      await cloudflare.close()
    }
    for (const run of [verified, applied, exported]) {
      expect(run.stdout + run.stderr).not.toContain("wrong-eci-key-0000")
      expect(run.stdout + run.stderr).not.toContain("wrong-smartsheet-token")
    }
  })

  it("an unreachable URL exits 5 after the first unit's retries, naming the URL and the cause", async () => {
    const port = await freePort()
    const run = await runCli(
      ["verify", "--plan", plan, "--eci-url", `http://127.0.0.1:${port}`, "--json", "--log-level", "debug"],
      sims.env
    )
    expect(run.code, run.stderr).toBe(5)
    const doc = json(run)
    expect(doc.stopped._tag).toBe("Unavailable")
    expect(doc.stopped.message).toContain(`http://127.0.0.1:${port}`)
    expect(doc.stopped.message).toContain("ECONNREFUSED")
    // every attempt (the first one and its retries) was for the first resource; no other was tried
    const attempts = run.stderr.split("\n").filter((l) => l.startsWith("debug http "))
    expect(attempts.length).toBeGreaterThan(1)
    for (const a of attempts)
      expect(a).toMatch(
        new RegExp(
          `^debug http GET http://127\\.0\\.0\\.1:${port}/api/v3/list/42/share -> failed: ECONNREFUSED \\(\\d+ ms\\)$`
        )
      )
  })

  it("--log-level debug shows each request's method, URL, status and duration, and no secret", async () => {
    const before = sims.eci.log().length
    const run = await runCli(["verify", "--plan", plan, "--log-level", "debug"], sims.env)
    const lines = run.stderr.split("\n").filter((l) => l.startsWith("debug http "))
    expect(lines.length).toBe(sims.eci.log().length - before)
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^debug http GET ${sims.eci.url}/api/v3/list/42/share -> 200 \\(\\d+ ms\\)$`)),
        expect.stringMatching(new RegExp(`^debug http GET ${sims.eci.url}/api/v3/list/43/share -> 200 \\(\\d+ ms\\)$`))
      ])
    )
    expect(run.stdout + run.stderr).not.toContain(eciKey)
    const quiet = await runCli(["verify", "--plan", plan], sims.env)
    expect(quiet.stderr).not.toContain("debug http")
  })

  it("--json with --log-level debug: stdout is exactly one JSON document (every log line on stderr) for apply, status and verify", async () => {
    const own = tempDir()
    const { plan } = await exportAndPlan(sims, own)
    for (const args of [
      ["apply", "--plan", plan],
      ["status", "--plan", plan],
      ["verify", "--plan", plan]
    ]) {
      const run = await runCli([...args, "--json", "--log-level", "debug"], sims.env)
      expect(run.code, `${args[0]}: ${run.stderr}`).toBe(0)
      // one document: the whole of stdout parses, and it is one line of JSON plus its newline
      expect(() => JSON.parse(run.stdout), `${args[0]} stdout:\n${run.stdout.slice(0, 2000)}`).not.toThrow()
      // the durable engine's own debug lines went to stderr
      if (args[0] === "apply") expect(run.stderr).toContain("DEBUG")
    }
    Fs.rmSync(own, { recursive: true, force: true })
  })

  it("refuses to overwrite a file without --force (before any request); help shows the defaults", async () => {
    const original = Fs.readFileSync(snapshot, "utf8")
    const ss = sims.smartsheet.log().length
    const eci = sims.eci.log().length
    const exportArgs = ["export", "--provider", "smartsheet", "--resource", `smartsheet:sheet:${ids.sheet1}`]
    const [refused, planRefused, help] = await Promise.all([
      runCli([...exportArgs, "--out", snapshot, "--json"], sims.env),
      runCli(
        ["plan", "--snapshot", snapshot, "--target", "eci", "--resources", resources, "--out", plan, "--json"],
        sims.env
      ),
      runCli(["export", "--help"])
    ])
    expect(refused.code).toBe(2)
    expect(json(refused).error.issues[0]).toMatchObject({ path: "--out", message: expect.stringContaining("--force") })
    expect(planRefused.code).toBe(2)
    expect(json(planRefused).error.issues[0].path).toBe("--out")
    expect(Fs.readFileSync(snapshot, "utf8")).toBe(original)
    expect(sims.smartsheet.log().length).toBe(ss)
    expect(sims.eci.log().length).toBe(eci)
    expect(help.stdout).toContain("default snapshot.json")
    expect(help.stdout).toContain("--force")

    const forced = await runCli([...exportArgs, "--out", Path.join(dir, "again.json"), "--json"], sims.env)
    expect(forced.code).toBe(0)
    const replaced = await runCli([...exportArgs, "--out", Path.join(dir, "again.json"), "--force", "--json"], sims.env)
    expect(replaced.code, replaced.stderr).toBe(0)
    expect(Fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]) // atomic: no temp file left
    // under `pnpm unishare` (run from the workspace root) a relative path is the caller's directory
    const relative = await runCli([...exportArgs, "--out", "relative.json"], {
      ...sims.env,
      npm_lifecycle_event: "unishare",
      INIT_CWD: dir
    })
    expect(relative.code, relative.stderr).toBe(0)
    expect(Fs.existsSync(Path.join(dir, "relative.json"))).toBe(true)
  })

  it("a JSON identity map takes the kind:value notation", async () => {
    const identities = Path.join(dir, "identities.json")
    Fs.writeFileSync(
      identities,
      JSON.stringify([
        { source: `group:${ids.finance}`, target: "group:10" },
        { source: { _tag: "User", email: "ghost@example.com" }, target: "user:it@example.com" }
      ])
    )
    const run = await runCli(
      [
        "plan",
        ...["--snapshot", snapshot, "--target", "eci", "--identities", identities, "--resources", resources],
        ...["--out", Path.join(dir, "json-identities-plan.json"), "--json"]
      ],
      sims.env
    )
    expect(run.code, run.stderr).toBe(0)
    expect(json(run).summary.unresolved).toBe(0)
    // a plan file is JSON Lines: a header, one line per item, a trailer
    const written = Fs.readFileSync(Path.join(dir, "json-identities-plan.json"), "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line))
    const entries = written.slice(1, -1).flatMap((i: { entries: Array<unknown> }) => i.entries)
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          source: expect.objectContaining({ _tag: "Group", id: ids.finance }),
          target: expect.objectContaining({ _tag: "Group", id: "10" }),
          via: "map"
        }),
        expect.objectContaining({
          source: expect.objectContaining({ email: "ghost@example.com" }),
          target: expect.objectContaining({ _tag: "User", id: "9" }),
          via: "map"
        })
      ])
    )
  })
})

describe("unishare on a real run (writes)", () => {
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

  it("failures of different classes exit 7", async () => {
    const { plan } = await exportAndPlan(sims, dir)
    sims.eci.inject({ kind: "status", status: 404, method: "PUT", path: /\/list\/42\/share$/, times: 1 })
    sims.eci.inject({ kind: "status", status: 400, method: "PUT", path: /\/list\/43\/share$/, times: 1 })
    const run = await runCli(["apply", "--plan", plan, "--json", "--concurrency", "1"], sims.env)
    expect(run.code, run.stderr).toBe(7)
    const doc = json(run)
    expect(doc.failed).toBe(2)
    expect(doc.failures.map((f: { error: { _tag: string } }) => f.error._tag).sort()).toEqual(["NotFound", "Rejected"])
  })

  it("a plan with problems exits 8 and apply refuses it unless --allow-problems", async () => {
    const resources = Path.join(dir, "partial-resources.json")
    Fs.writeFileSync(resources, JSON.stringify([{ source: `smartsheet:sheet:${ids.sheet1}`, target: "eci:list:42" }]))
    const { planned, plan } = await exportAndPlan(sims, dir)
    expect(planned.code).toBe(0)
    const partial = Path.join(dir, "partial-plan.json")
    const withProblems = await runCli(
      ["plan", "--snapshot", Path.join(dir, "snapshot.json"), "--target", "eci"].concat([
        "--resources",
        resources,
        "--out",
        partial
      ]),
      sims.env
    )
    expect(withProblems.code).toBe(8)
    expect(withProblems.stdout).toContain("Problems (1)")
    expect(withProblems.stdout).toContain(ids.sheet2)
    const refused = await runCli(["apply", "--plan", partial, "--json"], sims.env)
    expect(refused.code).toBe(8)
    expect(json(refused).error).toMatchObject({ exitCode: 8, message: expect.stringContaining("--allow-problems") })
    expect(writes(sims.eci)).toBe(0)
    const allowed = await runCli(["apply", "--plan", partial, "--allow-problems", "--json"], sims.env)
    expect(allowed.code, allowed.stderr).toBe(0)
    expect(json(allowed)).toMatchObject({ applied: 1 })

    // a hand-edited plan is refused before any request (its digest no longer matches)
    const edited = Fs.readFileSync(plan, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line))
    edited[0].options.allowEveryone = true
    edited[1].desired = [{ grantee: { _tag: "Everyone" }, level: "viewer" }]
    Fs.writeFileSync(plan, `${edited.map((line) => JSON.stringify(line)).join("\n")}\n`)
    const before = sims.eci.log().length
    const tampered = await runCli(["apply", "--plan", plan, "--json"], sims.env)
    expect(tampered.code).toBe(2)
    expect(json(tampered).error.issues[0]).toMatchObject({
      path: "--plan: plan.digest",
      message: expect.stringContaining("changed")
    })
    expect(sims.eci.log().length).toBe(before)
    expect(sims.eci.share(42)!.sharedWithEveryone).toBe(false)
  })

  it("SIGINT before any unit finished says the run was starting (not 'of ? units'); the same command resumes", async () => {
    const { plan } = await exportAndPlan(sims, tempDir())
    let release = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    // every request to the target waits: no unit can finish
    sims.eci.inject({ kind: "hold", until: released, times: Number.POSITIVE_INFINITY })
    const running = spawnCli(["apply", "--plan", plan, "--concurrency", "1"], sims.env)
    await until("the first request to be held", () => sims.eci.held() > 0)
    running.child.kill("SIGINT")
    const interrupted = await running.done
    sims.eci.clearFaults()
    release()
    expect(interrupted.code, JSON.stringify(interrupted)).toBe(130)
    expect(interrupted.stderr).toContain("interrupted while starting the run")
    expect(interrupted.stderr).not.toContain("of ? units")
    const resumed = await runCli(["apply", "--plan", plan, "--json"], sims.env)
    expect(resumed.code, resumed.stderr).toBe(0)
  })

  it("SIGINT during apply says how far it got and how to resume; the same command resumes", async () => {
    const { plan } = await exportAndPlan(sims, dir)
    // list 43's replace is held in its read-back (after its write) until the run has been
    // interrupted: the run is interrupted while it waits, however slow the machine
    let release = () => {}
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    sims.eci.inject({ kind: "hold", until: released, method: "GET", path: /\/list\/43\/share$/, times: 1 })
    const running = spawnCli(["apply", "--plan", plan, "--concurrency", "1"], sims.env)
    // list 42 is written and recorded before list 43 starts (one resource at a time), and list 43's
    // read-back comes after its write: once it is held, list 42 is done and list 43 is in flight
    await until("list 43's read-back to be held", () => sims.eci.held() > 0)
    running.child.kill("SIGINT")
    const interrupted = await running.done
    release()
    expect(interrupted.code, JSON.stringify(interrupted)).toBe(130)
    expect(interrupted.stderr).toMatch(/interrupted after 1 of 2 units; run the same command to resume/)
    expect(interrupted.stderr).toContain(storeOf(plan))
    const resumed = await runCli(["apply", "--plan", plan, "--json"], sims.env)
    expect(resumed.code, resumed.stderr).toBe(0)
    expect(json(resumed)).toMatchObject({ alreadyApplied: 1, applied: 1, failed: 0 })
  })
})

describe("a migration into EnergyCAP with --create-missing", () => {
  it("creates every target list (none exists beforehand), shares it, verifies, and a re-run writes nothing", async () => {
    const sims = await startSims()
    await sims.eci.close()
    const eci = await EciSim.start({ seed: { ...eciSeed, lists: [] } })
    const env = { ...sims.env, ECI_BASE_URL: eci.url }
    const dir = tempDir()
    try {
      const snapshot = Path.join(dir, "snapshot.json")
      const identities = Path.join(dir, "identities.csv")
      Fs.writeFileSync(identities, `source,target\ngroup:${ids.finance},group:10\n`)
      const exported = await runCli(
        ["export", "--provider", "smartsheet", "--out", snapshot].concat([
          "--resource",
          `smartsheet:sheet:${ids.sheet1}`,
          "--resource",
          `smartsheet:sheet:${ids.sheet2}`
        ]),
        env
      )
      expect(exported.code, exported.stderr).toBe(0)
      const plan = Path.join(dir, "plan.json")
      const planned = await runCli(
        ["plan", "--snapshot", snapshot, "--target", "eci", "--identities", identities].concat([
          "--create-missing",
          "--create-type",
          "1",
          "--out",
          plan,
          "--json"
        ]),
        env
      )
      expect(planned.code, planned.stderr).toBe(0)
      expect(json(planned).problems).toEqual([])
      expect(eci.lists()).toEqual([])
      expect(writes(eci)).toBe(0)

      const applied = await runCli(["apply", "--plan", plan, "--json"], env)
      expect(applied.code, applied.stderr).toBe(0)
      const a = json(applied)
      expect(a.created.map((c: { unit: string }) => c.unit).sort()).toEqual([
        `smartsheet:sheet:${ids.sheet1}|create`,
        `smartsheet:sheet:${ids.sheet2}|create`
      ])
      const lists = eci.lists()
      // Smartsheet's sharing API does not name assets: the lists are named after the source resources
      expect(lists.map((l) => l.name).sort()).toEqual([`sheet ${ids.sheet1}`, `sheet ${ids.sheet2}`])
      const budget = lists.find((l) => l.name === `sheet ${ids.sheet1}`)!
      expect(eci.share(budget.listId)).toEqual({
        sharedWithEveryone: false,
        sharedUserIds: [1, 2],
        sharedUserGroupIds: [10]
      })
      const posts = eci.log().filter((e) => e.method === "POST")
      expect(posts.length).toBe(2)
      // the created lists are recorded in the run store: status shows them, the audit log lists the creates
      const status = json(await runCli(["status", "--plan", plan, "--json"], env))
      expect(status.resources.map((r: { created: string }) => r.created).sort()).toEqual(
        lists.map((l) => `eci:list:${l.listId}`).sort()
      )
      expect(Fs.existsSync(storeOf(plan))).toBe(true)
      const audit = (await runCli(["status", "--plan", plan, "--audit"], env)).stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
      expect(audit.filter((e: { unit: string }) => e.unit.endsWith("|create"))).toContainEqual(
        expect.objectContaining({
          unit: `smartsheet:sheet:${ids.sheet1}|create`,
          outcome: "applied",
          created: `eci:list:${budget.listId}`
        })
      )

      const verified = await runCli(["verify", "--plan", plan, "--json"], env)
      expect(verified.code, verified.stdout).toBe(0)
      // without the run store, verify cannot know the created lists: they are reported missing
      const elsewhere = await runCli(
        ["verify", "--plan", plan, "--database", Path.join(dir, "none.run.db"), "--json"],
        env
      )
      expect(elsewhere.code).toBe(4)
      expect(json(elsewhere).drift.map((d: { error: { _tag: string } }) => d.error._tag)).toEqual([
        "NotFound",
        "NotFound"
      ])
      expect(Fs.existsSync(Path.join(dir, "none.run.db"))).toBe(false)
      const writesBefore = writes(eci)
      const again = await runCli(["apply", "--plan", plan, "--json"], env)
      expect(again.code).toBe(0)
      expect(json(again)).toMatchObject({ applied: 0, alreadyApplied: 4 })
      expect(writes(eci)).toBe(writesBefore)
      for (const run of [exported, planned, applied, verified, again]) {
        expect(run.stdout + run.stderr).not.toContain(eciKey)
        expect(run.stdout + run.stderr).not.toContain(smartsheetToken)
      }
    } finally {
      await eci.close()
      await sims.smartsheet.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
