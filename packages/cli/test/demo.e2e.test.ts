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
      const [energycap, cloudflare] = report.migrations
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
      for (const f of ["energycap-plan.json", "energycap-plan.run.db", "cloudflare-snapshot.json", "report.json"]) {
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
