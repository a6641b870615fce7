/**
 * Google Drive and Box through the bundled `unishare`, on the simulators in this process with the
 * demo data (`DemoData.make()`): credentials checked before any request and never printed, a whole
 * Drive → Box migration (export → plan → apply → verify), `--allow-anyone` and `--on-expiry`
 * recorded in the plan and honoured by apply, and `sync --desired` with the public and an end date.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import * as BoxSim from "@unishare/box/simulator"
import { DemoData } from "@unishare/cli"
import * as DriveSim from "@unishare/google-drive/simulator"
import { type CliRun, type Json, json, runCli, tempDir, writes } from "./helpers.ts"

const data = DemoData.make()
const ids = DriveSim.demoIds
/** A file of Olivia Owner's with no share but hers: the target of the Drive → Drive migrations. */
const copyId = "1BudgetCopyGGGGGGGGGGGGGGGGGGGGGG"
/** A file of Olivia Owner's shared with Grace as a reader until `data.googleDrive.expiresAt`. */
const contractId = "1ContractHHHHHHHHHHHHHHHHHHHHHHHH"
/**
 * The demo data, with Grace's end date on "Contract" instead of "Budget": a plan file's desired set
 * (`Migration.Item.desired`) keeps no end date, so `verify` of a plan read from its file finds the
 * kept end date to differ; the end date is checked on its own below (planned, written, read back).
 */
const driveSeed: DriveSim.Seed = {
  ...data.googleDrive.seed,
  files: [
    ...(data.googleDrive.seed.files ?? []),
    { id: copyId, name: "Budget copy", owner: "owner@example.com" },
    { id: contractId, name: "Contract", owner: "owner@example.com" }
  ],
  permissions: [
    ...(data.googleDrive.seed.permissions ?? []).map(({ expirationTime: _, ...p }) => p),
    {
      file: contractId,
      type: "user",
      role: "reader",
      emailAddress: "grace@example.com",
      expirationTime: data.googleDrive.expiresAt
    }
  ]
}

interface Sims {
  readonly drive: DriveSim.Simulator
  readonly box: BoxSim.Simulator
  readonly env: Record<string, string>
}

const secrets = [data.googleDrive.token, data.box.token]

/** Every run's output, checked for the tokens at the end of each test. */
let runs: Array<CliRun> = []
const cli = async (args: ReadonlyArray<string>, env: Record<string, string>): Promise<CliRun> => {
  const run = await runCli(args, env)
  runs.push(run)
  return run
}

/** A snapshot or plan file (JSON Lines: a header, one record a line, a trailer) as one document. */
const readJson = (file: string): Json => {
  const [header, ...rest] = Fs.readFileSync(file, "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line))
  const trailer = rest.pop()
  return { ...header, ...trailer, [header.format === "unishare/snapshot" ? "resources" : "items"]: rest }
}

/** The plan's grant operations, per target resource, in notation-like text. */
const grantsOf = (plan: Json): Array<{ target: string; grantee: Json; level: string; expiresAt?: string }> =>
  plan.items.flatMap((item: Json) =>
    item.plan.operations
      .filter((op: Json) => op._tag === "Grant")
      .map((op: Json) => ({
        target: `${item.target.provider}:${item.target.kind}:${item.target.id}`,
        grantee: op.grantee,
        level: op.level,
        ...(op.expiresAt !== undefined ? { expiresAt: op.expiresAt } : {})
      }))
  )

describe("unishare with Google Drive and Box", () => {
  let sims: Sims
  let dir: string
  beforeEach(async () => {
    runs = []
    const drive = await DriveSim.start({ seed: driveSeed })
    const box = await BoxSim.start({ seed: data.box.seed })
    sims = {
      drive,
      box,
      env: {
        UNISHARE_SIMULATOR: "1",
        GOOGLE_DRIVE_ACCESS_TOKEN: data.googleDrive.token,
        GOOGLE_DRIVE_BASE_URL: drive.url,
        BOX_ACCESS_TOKEN: data.box.token,
        BOX_BASE_URL: box.url
      }
    }
    dir = tempDir()
  })
  afterEach(async () => {
    await sims.drive.close()
    await sims.box.close()
    Fs.rmSync(dir, { recursive: true, force: true })
    // no run printed a token, whatever it did
    for (const run of runs) for (const secret of secrets) expect(run.stdout + run.stderr).not.toContain(secret)
  })

  const maps = () => {
    const identities = Path.join(dir, "identities.csv")
    const resources = Path.join(dir, "resources.json")
    Fs.writeFileSync(identities, `${data.driveToBox.identitiesCsv}\n`)
    Fs.writeFileSync(resources, `${data.driveToBox.resourcesJson}\n`)
    return { identities, resources }
  }

  const exportDrive = async (resources: ReadonlyArray<string>, out: string) => {
    const run = await cli(
      ["export", "--provider", "google-drive", ...resources.flatMap((r) => ["--resource", r]), "--out", out, "--json"],
      sims.env
    )
    expect(run.code, run.stderr).toBe(0)
    return json(run)
  }

  it("a missing token, or export without --resource, exits 2 naming it before any request", async () => {
    const { GOOGLE_DRIVE_ACCESS_TOKEN: _drive, ...noDrive } = sims.env
    const missing = await cli(
      ["export", "--provider", "google-drive", "--resource", `google-drive:file:${ids.budget}`, "--json"],
      noDrive
    )
    expect(missing.code).toBe(2)
    expect(json(missing).error).toMatchObject({ _tag: "InvalidInput", exitCode: 2 })
    expect(missing.stderr).toContain("GOOGLE_DRIVE_ACCESS_TOKEN")

    const { BOX_ACCESS_TOKEN: _box, ...noBox } = sims.env
    const snapshot = Path.join(dir, "s.json")
    Fs.writeFileSync(
      snapshot,
      JSON.stringify({
        format: "unishare/snapshot",
        version: 1,
        provider: "google-drive",
        exportedAt: "2026-01-05T09:00:00.000Z",
        resources: []
      })
    )
    const plan = await cli(["plan", "--snapshot", snapshot, "--target", "box", "--create-missing"], noBox)
    expect(plan.code).toBe(2)
    expect(plan.stderr).toContain("BOX_ACCESS_TOKEN")

    // a fallback the target cannot grant is refused naming --fallback
    const resources = Path.join(dir, "resources.json")
    Fs.writeFileSync(resources, `${data.driveToBox.resourcesJson}\n`)
    for (const fallback of ["domain:acme.example", "anyone", "group:finance@example.com"]) {
      const refused = await cli(
        ["plan", "--snapshot", snapshot, "--target", "box", "--resources", resources, "--fallback", fallback],
        sims.env
      )
      expect(refused.code, refused.stderr).toBe(2)
      expect(refused.stderr).toContain("--fallback")
      expect(refused.stderr).toContain("cannot be granted on box")
    }

    for (const provider of ["google-drive", "box"]) {
      const unnamed = await cli(["export", "--provider", provider, "--log-level", "debug"], sims.env)
      expect(unnamed.code, unnamed.stderr).toBe(2)
      expect(unnamed.stderr).toContain("--resource")
      expect(unnamed.stderr).toContain(`${provider}:`)
      expect(unnamed.stderr).toContain("cannot list its resources")
    }
    expect(sims.drive.log()).toEqual([])
    expect(sims.box.log()).toEqual([])
  })

  it("export → plan → apply → verify, Drive → Box: every source share has a fidelity entry; verify exits 0", async () => {
    const snapshotFile = Path.join(dir, "drive.json")
    const exported = await exportDrive(
      data.googleDrive.resources.map((r) => `google-drive:file:${r.id}`),
      snapshotFile
    )
    expect(exported).toMatchObject({ command: "export", ok: true, provider: "google-drive", resources: 5, shares: 15 })

    const { identities, resources } = maps()
    const planFile = Path.join(dir, "plan.json")
    const report = Path.join(dir, "plan.html")
    const planned = await cli(
      [
        "plan",
        "--snapshot",
        snapshotFile,
        "--target",
        "box",
        "--identities",
        identities,
        "--resources",
        resources
      ].concat(["--out", planFile, "--report", report, "--json"]),
      sims.env
    )
    expect(planned.code, planned.stderr).toBe(0)
    const p = json(planned)
    expect(p.summary).toMatchObject({ shares: 15, exact: 3, narrowed: 1, unsupported: 5, skipped: 6, unresolved: 0 })
    expect(p.fidelity).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          grantee: "group:finance@example.com",
          level: "commenter",
          targetLevel: "viewer",
          outcome: "narrowed"
        }),
        expect.objectContaining({ grantee: "anyone", outcome: "unsupported" }),
        expect.objectContaining({ grantee: "domain:example.com", outcome: "unsupported" }),
        expect.objectContaining({ grantee: "user:owner@example.com", level: "owner", outcome: "unsupported" })
      ])
    )
    // the plan file has one fidelity entry per source share, by share id, resource by resource
    const snapshot = readJson(snapshotFile)
    const plan = readJson(planFile)
    for (const resource of snapshot.resources) {
      const item = plan.items.find((i: Json) => i.source.id === resource.resource.id)
      expect(item, resource.resource.id).toBeDefined()
      expect(item.entries.map((e: Json) => e.sourceShareId).sort()).toEqual(
        resource.shares.map((s: Json) => s.id).sort()
      )
    }
    expect(plan.options).not.toHaveProperty("allowAnyone")
    expect(grantsOf(plan)).toContainEqual({
      target: "box:file:4004",
      grantee: { _tag: "User", email: "grace@example.com" },
      level: "viewer"
    })
    expect(Fs.readFileSync(report, "utf8")).toContain('<tr data-option="on-expiry">')
    expect(writes(sims.box)).toBe(0)

    const applied = await cli(["apply", "--plan", planFile, "--json"], sims.env)
    expect(applied.code, applied.stderr).toBe(0)
    expect(json(applied)).toMatchObject({ ok: true, applied: 4, failed: 0 })
    expect(
      sims.box
        .collaborations("file", "4004")
        .map((c) => c.accessible_by?.id)
        .sort()
    ).toEqual(["1003", "2001"])

    const verified = await cli(["verify", "--plan", planFile, "--json"], sims.env)
    expect(verified.code, verified.stdout + verified.stderr).toBe(0)
    expect(json(verified)).toMatchObject({ ok: true, resources: 5, matching: 5 })
  })

  it("--allow-anyone: recorded in the plan and shown; without it the public share is not planned", async () => {
    const snapshotFile = Path.join(dir, "budget.json")
    await exportDrive([`google-drive:file:${ids.budget}`], snapshotFile)
    const resources = Path.join(dir, "resources.json")
    Fs.writeFileSync(
      resources,
      JSON.stringify([{ source: `google-drive:file:${ids.budget}`, target: `google-drive:file:${copyId}` }])
    )
    const plan = (out: string, ...extra: Array<string>) =>
      cli(
        [
          "plan",
          "--snapshot",
          snapshotFile,
          "--target",
          "google-drive",
          "--resources",
          resources,
          "--out",
          out,
          ...extra
        ],
        sims.env
      )

    const without = await plan(Path.join(dir, "without.json"), "--json")
    expect(without.code, without.stderr).toBe(0)
    expect(json(without).fidelity).toContainEqual(
      expect.objectContaining({ grantee: "anyone", outcome: "unsupported" })
    )
    expect(grantsOf(readJson(Path.join(dir, "without.json"))).filter((g) => g.grantee._tag === "Anyone")).toEqual([])

    const withFile = Path.join(dir, "with.json")
    const text = await plan(withFile, "--allow-anyone", "--report", Path.join(dir, "with.html"))
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/--allow-anyone yes/)
    expect(text.stdout).toMatch(/--on-expiry fail/)
    const planned = readJson(withFile)
    expect(planned.options.allowAnyone).toBe(true)
    expect(grantsOf(planned)).toContainEqual({
      target: `google-drive:file:${copyId}`,
      grantee: { _tag: "Anyone", discoverable: false },
      level: "viewer"
    })
    expect(Fs.readFileSync(Path.join(dir, "with.html"), "utf8")).toMatch(
      /<tr data-option="allow-anyone"><th><code>--allow-anyone<\/code><\/th><td>yes — /
    )

    const applied = await cli(["apply", "--plan", withFile, "--json"], sims.env)
    expect(applied.code, applied.stderr).toBe(0)
    const anyone = sims.drive.permissions(copyId).filter((p) => p.type === "anyone")
    expect(anyone).toMatchObject([{ role: "reader", allowFileDiscovery: false }])
    const verified = await cli(["verify", "--plan", withFile, "--json"], sims.env)
    expect(verified.code, verified.stdout + verified.stderr).toBe(0)
  })

  /** "Contract" (Grace, reader until the end date) exported and mapped to Box's "Q3 report" (file 4005). */
  const contract = async () => {
    const snapshot = Path.join(dir, "contract.json")
    await exportDrive([`google-drive:file:${contractId}`], snapshot)
    const resources = Path.join(dir, "contract-resources.json")
    Fs.writeFileSync(
      resources,
      JSON.stringify([{ source: `google-drive:file:${contractId}`, target: "box:file:4005" }])
    )
    return { snapshot, resources }
  }
  const graceOn4005 = () => sims.box.collaborations("file", "4005").find((c) => c.accessible_by?.id === "1003")

  it("an end date Box keeps is planned with the grant and written by apply", async () => {
    const { snapshot, resources } = await contract()
    const planFile = Path.join(dir, "keep.json")
    const planned = await cli(
      ["plan", "--snapshot", snapshot, "--target", "box", "--resources", resources, "--out", planFile, "--json"],
      sims.env
    )
    expect(planned.code, planned.stderr).toBe(0)
    expect(json(planned).fidelity.filter((r: Json) => r.grantee === "user:grace@example.com")).toEqual([])
    expect(grantsOf(readJson(planFile))).toEqual([
      {
        target: "box:file:4005",
        grantee: { _tag: "User", email: "grace@example.com" },
        level: "viewer",
        expiresAt: data.googleDrive.expiresAt
      }
    ])
    const applied = await cli(["apply", "--plan", planFile, "--json"], sims.env)
    expect(applied.code, applied.stderr).toBe(0)
    expect(Date.parse(String(graceOn4005()?.expires_at))).toBe(Date.parse(data.googleDrive.expiresAt))
  })

  it("--on-expiry drop: an end date Box cannot keep is widened with a note; without it, unsupported", async () => {
    const env = { ...sims.env, BOX_COLLABORATION_EXPIRY: "0" }
    const { snapshot, resources } = await contract()
    const plan = (out: string, ...extra: Array<string>) =>
      cli(
        ["plan", "--snapshot", snapshot, "--target", "box", "--resources", resources, "--out", out, "--json", ...extra],
        env
      )
    const graceRow = (run: CliRun) => json(run).fidelity.find((r: Json) => r.grantee === "user:grace@example.com")

    const failFile = Path.join(dir, "fail.json")
    const fail = await plan(failFile)
    expect(fail.code, fail.stderr).toBe(0)
    expect(graceRow(fail)).toMatchObject({ outcome: "unsupported", note: expect.stringMatching(/expir/) })
    expect(json(fail).options).not.toHaveProperty("onExpiry")
    expect(grantsOf(readJson(failFile))).toEqual([])

    const dropFile = Path.join(dir, "drop.json")
    const drop = await plan(dropFile, "--on-expiry", "drop")
    expect(drop.code, drop.stderr).toBe(0)
    expect(json(drop).options).toMatchObject({ onExpiry: "drop" })
    expect(graceRow(drop)).toMatchObject({
      outcome: "widened",
      targetLevel: "viewer",
      note: expect.stringMatching(/expir/)
    })
    expect(grantsOf(readJson(dropFile))).toEqual([
      { target: "box:file:4005", grantee: { _tag: "User", email: "grace@example.com" }, level: "viewer" }
    ])
    const shown = await cli(
      [
        "plan",
        "--snapshot",
        snapshot,
        "--target",
        "box",
        "--resources",
        resources,
        "--out",
        Path.join(dir, "t.json")
      ].concat(["--on-expiry", "drop"]),
      env
    )
    expect(shown.stdout).toMatch(/--on-expiry drop/)

    const applied = await cli(["apply", "--plan", dropFile, "--json"], env)
    expect(applied.code, applied.stderr).toBe(0)
    expect(graceOn4005()).toBeDefined()
    expect(graceOn4005()?.expires_at ?? null).toBeNull()
    const verified = await cli(["verify", "--plan", dropFile, "--json"], env)
    expect(verified.code, verified.stdout + verified.stderr).toBe(0)

    const bad = await plan(Path.join(dir, "bad.json"), "--on-expiry", "never")
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("on-expiry")
  })

  it("sync --desired: the public needs --allow-anyone (exit 2 before any write); an end date is kept", async () => {
    const desired = Path.join(dir, "desired.json")
    Fs.writeFileSync(
      desired,
      JSON.stringify({
        resource: `google-drive:file:${copyId}`,
        shares: [
          { grantee: "anyone:discoverable", level: "viewer" },
          { grantee: "user:ada@example.com", level: "commenter", expiresAt: data.googleDrive.expiresAt }
        ]
      })
    )
    const refused = await cli(["sync", "--desired", desired, "--json"], sims.env)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("--allow-anyone")
    expect(writes(sims.drive)).toBe(0)

    const synced = await cli(["sync", "--desired", desired, "--allow-anyone", "--json"], sims.env)
    expect(synced.code, synced.stderr).toBe(0)
    expect(json(synced)).toMatchObject({ ok: true, verified: true })
    const permissions = sims.drive.permissions(copyId)
    expect(permissions.filter((p) => p.type === "anyone")).toMatchObject([{ role: "reader", allowFileDiscovery: true }])
    const ada = permissions.find((p) => p.emailAddress === "ada@example.com")
    expect(Date.parse(String(ada?.expirationTime))).toBe(Date.parse(data.googleDrive.expiresAt))
  })
})
