/**
 * The command's snapshot and plan files are JSON Lines (format version 3): export (its resources
 * named in a `--resources-from` file) → plan → apply → verify → status through the command, a plan
 * cut short or edited is refused before any request, and a plan written as one document (version 2)
 * by an earlier version still applies.
 */
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { FileFormat, Migration, Snapshot } from "@unishare/migration"
import { Effect, Schema } from "effect"
import { ids, json, runCli, type Sims, startSims, tempDir, writeMaps, writes } from "./helpers.ts"

const linesOf = (file: string) =>
  Fs.readFileSync(file, "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line))

describe("snapshot and plan files through the command (JSON Lines)", () => {
  let sims: Sims
  let dir: string
  beforeAll(async () => {
    sims = await startSims()
    dir = tempDir()
  })
  afterAll(async () => {
    await sims?.close()
    Fs.rmSync(dir, { recursive: true, force: true })
  })

  it("export --resources-from → plan → apply → verify → status, every file JSON Lines", async () => {
    const list = Path.join(dir, "resources.txt")
    Fs.writeFileSync(list, `# the two sheets\nsmartsheet:sheet:${ids.sheet1}\n\n  smartsheet:sheet:${ids.sheet2}\n`)
    const snapshot = Path.join(dir, "snapshot.json")
    const exported = await runCli(
      ["export", "--provider", "smartsheet", "--resources-from", list, "--out", snapshot, "--json"],
      sims.env
    )
    expect(exported.code, exported.stderr).toBe(0)
    const snapshotLines = linesOf(snapshot)
    expect(snapshotLines[0]).toMatchObject({ format: "unishare/snapshot", version: 3, provider: "smartsheet" })
    expect(snapshotLines.slice(1, -1).map((r) => r.resource.id)).toEqual([ids.sheet1, ids.sheet2])
    const trailer = snapshotLines.at(-1)
    expect(trailer).toMatchObject({ resources: 2, shares: json(exported).shares })
    expect(json(exported)).toMatchObject({ resources: 2, exportedAt: snapshotLines[0].exportedAt })
    const read = await Effect.runPromise(FileFormat.readSnapshot(snapshot))
    expect(Snapshot.digestOf(read)).toBe(trailer.digest)

    const maps = writeMaps(dir)
    const plan = Path.join(dir, "plan.json")
    const planned = await runCli(
      [
        "plan",
        ...["--snapshot", snapshot, "--target", "eci", "--identities", maps.identities],
        ...["--resources", maps.resources, "--out", plan, "--json"]
      ],
      sims.env
    )
    expect(planned.code, planned.stderr).toBe(0)
    const planLines = linesOf(plan)
    expect(planLines[0]).toMatchObject({ format: "unishare/migration-plan", version: 3 })
    expect(planLines[0].snapshot.digest).toBe(trailer.digest)
    expect(planLines.slice(1, -1)).toHaveLength(2)
    expect(planLines.at(-1)).toMatchObject({ items: 2, problems: [], summary: json(planned).summary })

    const dry = await runCli(["apply", "--plan", plan, "--dry-run", "--json"], sims.env)
    expect(dry.code, dry.stderr).toBe(0)
    expect(writes(sims.eci)).toBe(0)
    const applied = await runCli(["apply", "--plan", plan, "--json"], sims.env)
    expect(applied.code, applied.stderr).toBe(0)
    expect(json(applied).failed).toBe(0)
    expect(writes(sims.eci)).toBeGreaterThan(0)
    const verified = await runCli(["verify", "--plan", plan, "--json"], sims.env)
    expect(verified.code, verified.stderr).toBe(0)
    const status = await runCli(["status", "--plan", plan, "--json"], sims.env)
    expect(status.code, status.stderr).toBe(0)
    expect(JSON.stringify(json(status))).toContain(planLines.at(-1).digest)

    // the same plan as an earlier version wrote it (one document, its digest over the whole plan) still applies
    const value = await Effect.runPromise(FileFormat.readPlan(plan))
    const { digest: _, ...rest } = Schema.encodeSync(Migration.MigrationPlan)(value)
    const legacyDigest = createHash("sha256").update(Snapshot.canonicalJson(rest)).digest("hex")
    const legacy = Path.join(dir, "legacy-plan.json")
    Fs.writeFileSync(legacy, `${JSON.stringify({ ...rest, digest: legacyDigest }, null, 2)}\n`)
    const again = await runCli(["apply", "--plan", legacy, "--json"], sims.env)
    expect(again.code, again.stderr).toBe(0)
    expect(json(again).failed).toBe(0)
    const legacyStatus = await runCli(["status", "--plan", legacy, "--json"], sims.env)
    expect(legacyStatus.code, legacyStatus.stderr).toBe(0)
    expect(JSON.stringify(json(legacyStatus))).toContain(legacyDigest)
  })

  it("a plan cut short or edited, and a --resources-from line that is not a resource, are refused before any request", async () => {
    const sub = Path.join(dir, "refused")
    Fs.mkdirSync(sub)
    const list = Path.join(sub, "resources.txt")
    Fs.writeFileSync(list, `smartsheet:sheet:${ids.sheet1}\nsmartsheet:sheet\n`)
    const reads = sims.smartsheet.log().length
    const badList = await runCli(
      ["export", "--provider", "smartsheet", "--resources-from", list, "--out", Path.join(sub, "s.json"), "--json"],
      sims.env
    )
    expect(badList.code).toBe(2)
    expect(json(badList).error.issues[0].path).toBe(`--resources-from: ${list}:2`)
    expect(sims.smartsheet.log().length).toBe(reads)
    expect(Fs.existsSync(Path.join(sub, "s.json"))).toBe(false)

    const snapshot = Path.join(sub, "snapshot.json")
    Fs.writeFileSync(list, `smartsheet:sheet:${ids.sheet1}\n`)
    const exported = await runCli(
      ["export", "--provider", "smartsheet", "--resources-from", list, "--out", snapshot, "--json"],
      sims.env
    )
    expect(exported.code, exported.stderr).toBe(0)
    const maps = writeMaps(sub)
    const plan = Path.join(sub, "plan.json")
    const planned = await runCli(
      ["plan", "--snapshot", snapshot, "--target", "eci", "--resources", maps.resources, "--out", plan, "--json"],
      sims.env
    )
    expect(planned.code, planned.stderr).toBe(0)
    const text = Fs.readFileSync(plan, "utf8").trimEnd().split("\n")

    const cut = Path.join(sub, "cut.json")
    Fs.writeFileSync(cut, `${text.slice(0, -1).join("\n")}\n`)
    const edited = Path.join(sub, "edited.json")
    Fs.writeFileSync(edited, `${[text[0], text[1]!.replace('"viewer"', '"editor"'), ...text.slice(2)].join("\n")}\n`)
    expect(Fs.readFileSync(edited, "utf8")).not.toBe(Fs.readFileSync(plan, "utf8"))
    const before = sims.eci.log().length
    const [truncated, tampered] = await Promise.all([
      runCli(["apply", "--plan", cut, "--json"], sims.env),
      runCli(["apply", "--plan", edited, "--json"], sims.env)
    ])
    expect(truncated.code).toBe(2)
    expect(json(truncated).error.issues[0]).toMatchObject({
      path: `--plan: ${cut}:${text.length - 1}`,
      message: expect.stringContaining("without its trailer line")
    })
    expect(tampered.code).toBe(2)
    expect(json(tampered).error.issues[0]).toMatchObject({
      path: "--plan: plan.digest",
      message: expect.stringContaining("changed after it was written")
    })
    expect(sims.eci.log().length).toBe(before)
  })
})
