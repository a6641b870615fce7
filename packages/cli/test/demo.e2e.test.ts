import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { bin, type Json, json, runCli, tempDir } from "./helpers.ts"

describe("unishare demo", () => {
  it("migrates the seeded dataset, verifies it and exits 0", async () => {
    const dir = tempDir()
    try {
      const run = await runCli(["demo", "--json", "--out-dir", Path.join(dir, "demo")])
      expect(run.code, run.stderr).toBe(0)
      const report = json(run)
      expect(report.ok).toBe(true)
      const [energycap, cloudflare, box] = report.migrations
      // hundreds of shares, levels EnergyCAP lacks narrowed, unmapped identities reported
      expect(energycap.export.shares).toBeGreaterThan(300)
      expect(energycap.export.inherited).toBeGreaterThan(0)
      // the header's count is the export's count of direct shares
      expect(energycap.export.shares - energycap.export.inherited).toBe(report.dataset.smartsheet.directShares)
      expect(energycap.plan.summary.narrowed).toBeGreaterThan(0)
      expect(energycap.plan.summary.unresolved).toBeGreaterThan(0)
      expect(energycap.plan.fidelityCounts["narrowed: sharer → viewer"]).toBeGreaterThan(0)
      expect(energycap.plan.fidelityCounts["narrowed: admin → viewer"]).toBeGreaterThan(0)
      expect(energycap.apply).toMatchObject({ failed: 0 })
      expect(energycap.apply.writeRequests).toBeGreaterThan(0)
      expect(energycap.verify.ok).toBe(true)
      expect(energycap.reapply).toMatchObject({ applied: 0, writeRequests: 0 })
      expect(cloudflare.plan.summary.exact).toBeGreaterThan(0)
      expect(cloudflare.verify.ok).toBe(true)
      expect(cloudflare.reapply.writeRequests).toBe(0)
      // Google Drive → Box: exact, commenter → viewer, the owner, the domain and the public not migrated,
      // and an end date kept (read back from Box after apply)
      expect(box.name).toBe("box")
      expect(box.export).toMatchObject({ provider: "google-drive", resources: 5 })
      expect(box.plan.summary.exact).toBeGreaterThan(0)
      expect(box.plan.fidelityCounts["narrowed: commenter → viewer"]).toBe(1)
      expect(box.plan.unsupported).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ grantee: "user:owner@example.com", level: "owner" }),
          expect.objectContaining({ grantee: "domain:example.com" }),
          expect.objectContaining({ grantee: "anyone" })
        ])
      )
      expect(box.plan.expiries).toHaveLength(1)
      const [kept] = box.plan.expiries
      expect(kept).toMatchObject({ target: "box:file:4004", grantee: "user:grace@example.com", level: "viewer" })
      expect(Date.parse(kept.readBack)).toBe(Date.parse(kept.expiresAt))
      expect(box.apply).toMatchObject({ failed: 0 })
      expect(box.verify.ok).toBe(true)
      expect(box.reapply).toMatchObject({ applied: 0, writeRequests: 0 })
      expect(report.migrations).toHaveLength(3)
      for (const f of [
        "energycap-plan.json",
        "energycap-plan.run.db",
        "cloudflare-snapshot.json",
        "box-plan.json",
        "box-snapshot.json",
        "report.json"
      ]) {
        expect(Fs.existsSync(Path.join(dir, "demo", f)), f).toBe(true)
      }
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("unishare simulate", () => {
  it("prints URLs and credentials that the other commands can use, and stops on SIGTERM", async () => {
    const dir = tempDir()
    const child = spawn(process.execPath, [bin, "simulate", "--json", "--out-dir", dir], {
      env: { PATH: process.env.PATH ?? "" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    try {
      let stdout = ""
      const info = await new Promise<Json>((resolve, reject) => {
        child.stdout.on("data", (c: Buffer) => {
          stdout += c.toString()
          try {
            resolve(JSON.parse(stdout))
          } catch {
            // not complete yet
          }
        })
        child.on("exit", (code) => reject(new Error(`simulate exited early with ${code}`)))
      })
      expect(info).toMatchObject({ command: "simulate", ok: true })
      expect(info.env.ECI_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(info.env.GOOGLE_DRIVE_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/drive\/v3$/)
      expect(info.env.BOX_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/2\.0$/)
      const exported = await runCli(
        ["export", "--provider", "eci", "--json", "--out", Path.join(dir, "s.json")],
        info.env
      )
      expect(exported.code, exported.stderr).toBe(0)
      expect(json(exported).resources).toBe(150)
      const cf = await runCli(
        [
          "export",
          "--provider",
          "cloudflare",
          "--cloudflare-account",
          info.simulators.cloudflare.sourceAccount,
          "--json",
          "--out",
          Path.join(dir, "c.json")
        ],
        info.env
      )
      expect(cf.code, cf.stderr).toBe(0)
      expect(json(cf).resources).toBe(16)
      expect(Fs.readFileSync(info.files.energycapIdentities, "utf8")).toContain("source,target")
      // the Drive → Box maps the simulators' data fit: export the named Drive items, plan onto Box
      const driveResources = Fs.readFileSync(info.files.googleDriveResources, "utf8").trim().split("\n")
      const drive = await runCli(
        ["export", "--provider", "google-drive", ...driveResources.flatMap((r) => ["--resource", r])].concat([
          "--json",
          "--out",
          Path.join(dir, "d.json")
        ]),
        info.env
      )
      expect(drive.code, drive.stderr).toBe(0)
      expect(json(drive).resources).toBe(driveResources.length)
      const boxPlan = await runCli(
        ["plan", "--snapshot", Path.join(dir, "d.json"), "--target", "box", "--json"]
          .concat(["--identities", info.files.boxIdentities, "--resources", info.files.boxResources])
          .concat(["--out", Path.join(dir, "d-plan.json")]),
        info.env
      )
      expect(boxPlan.code, boxPlan.stderr).toBe(0)
      expect(json(boxPlan).summary).toMatchObject({ problems: 0, unresolved: 0 })
      expect(json(boxPlan).summary.grants).toBeGreaterThan(0)
      const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
      child.kill("SIGTERM")
      expect(await exit).toBe(130)

      // again in the same directory: the maps are not replaced without --force, which the command has
      const again = await runCli(["simulate", "--json", "--out-dir", dir], { PATH: process.env.PATH ?? "" })
      expect(again.code, again.stderr).toBe(2)
      expect(again.stderr).toContain("pass --force")
      const forced = spawn(process.execPath, [bin, "simulate", "--json", "--force", "--out-dir", dir], {
        env: { PATH: process.env.PATH ?? "" },
        stdio: ["ignore", "pipe", "pipe"]
      })
      const forcedExit = new Promise<number | null>((resolve) => forced.on("exit", (code) => resolve(code)))
      let forcedOut = ""
      await new Promise<void>((resolve, reject) => {
        forced.stdout.on("data", (c: Buffer) => {
          forcedOut += c.toString()
          if (forcedOut.includes('"ok": true')) resolve()
        })
        forced.on("exit", (code) => reject(new Error(`simulate --force exited with ${code}: ${forcedOut}`)))
      })
      forced.kill("SIGTERM")
      expect(await forcedExit).toBe(130)
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL")
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
