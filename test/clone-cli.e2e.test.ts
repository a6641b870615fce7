/**
 * The CLI from a clone: `pnpm -s unishare … --json` prints exactly one JSON document on stdout, and
 * pnpm prints no engine warning even when the machine's own Node (the one pnpm runs on) is older
 * than the pinned Node 24 (`.npmrc` `node-version`).
 */
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as EciSimulator from "@unishare/eci/simulator"
import { innerHangGuardMillis } from "./support/hangGuard.ts"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
// the machine's PATH without the workspace's node_modules/.bin: `node` there is the system Node
const systemPath = (process.env.PATH ?? "")
  .split(Path.delimiter)
  .filter((dir) => !dir.includes("node_modules"))
  .join(Path.delimiter)

const pnpm = async (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  try {
    const { stdout, stderr } = await promisify(execFile)("pnpm", [...args], {
      cwd: root,
      env: { PATH: systemPath, HOME: process.env.HOME ?? Os.homedir(), ...env },
      timeout: innerHangGuardMillis
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string; message: string }
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? e.message }
  }
}

let simulator: EciSimulator.Simulator
const temp = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-clone-"))
beforeAll(async () => {
  simulator = await EciSimulator.start({ seed: EciSimulator.demoSeed })
})
afterAll(async () => {
  await simulator.close()
  Fs.rmSync(temp, { recursive: true, force: true })
})

describe("pnpm unishare from the clone", () => {
  it("pnpm -s unishare export --json: stdout is one JSON document", async () => {
    const run = await pnpm(
      ["-s", "unishare", "export", "--provider", "eci", "--out", Path.join(temp, "snapshot.json"), "--json"],
      { ECI_API_KEY: EciSimulator.demoCredentials.admin, ECI_BASE_URL: simulator.url }
    )
    expect(run.code, run.stderr).toBe(0)
    const document = JSON.parse(run.stdout)
    expect(document).toMatchObject({ command: "export", ok: true, provider: "eci" })
    expect(document.resources).toBeGreaterThan(0)
  })

  it("pnpm prints no engine warning on the machine's Node", async () => {
    const run = await pnpm(["unishare", "--version"])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain("unishare v")
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/Unsupported engine/i)
  })
})
