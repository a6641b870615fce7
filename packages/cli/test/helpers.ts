import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { expect } from "@effect/vitest"
import type { SimulatorKit } from "@unishare/core"
import * as EciSim from "@unishare/eci/simulator"
import * as SmartsheetSim from "@unishare/smartsheet/simulator"
import { testBin } from "./testBin.ts"

/** The bundled executable, built once per test run by `bundle.setup.ts` (see `testBin.ts`). */
export const bin = testBin

export interface CliRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Spawns the bundled bin and returns the child (to signal it) and its outcome. */
export const spawnCli = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {},
  options: { readonly cwd?: string } = {}
): { readonly child: ChildProcess; readonly done: Promise<CliRun> } => {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const done = new Promise<CliRun>((resolve, reject) => {
    let stdout = ""
    let stderr = ""
    child.stdout?.on("data", (c: Buffer) => {
      stdout += c.toString()
    })
    child.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString()
    })
    child.on("error", reject)
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
  return { child, done }
}

/** Spawns the bundled bin (asynchronously: the simulators live in this process). */
export const runCli = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>> = {},
  options: { readonly cwd?: string } = {}
): Promise<CliRun> => spawnCli(args, env, options).done

// biome-ignore lint/suspicious/noExplicitAny: a parsed JSON document; the assertions check its shape
export type Json = any

/** The single JSON document a `--json` run printed. */
export const json = (run: CliRun): Json => {
  try {
    return JSON.parse(run.stdout)
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`)
  }
}

export const tempDir = (): string => Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-cli-"))

export const writes = (sim: SimulatorKit.Running): number =>
  sim.log().filter((e) => e.method !== "GET" && e.method !== "HEAD").length

// Secrets chosen so that a leak is unmistakable.
export const smartsheetToken = "ss-secret-token-4e1f9c0b"
export const eciKey = "ZWNhcHx0ZXN0.dGVzdHxhZG1pbnwx.c2VjcmV0LWVjaS1rZXktOTlh"

export const ids = {
  owner: "1000000000000001",
  ada: "1000000000000002",
  grace: "1000000000000003",
  ghost: "1000000000000004",
  finance: "2000000000000001",
  sheet1: "4000000000000001",
  sheet2: "4000000000000002"
}

/** Smartsheet: ada (EDITOR), ghost (VIEWER, no EnergyCAP account) and the Finance group on sheet 1; grace (ADMIN) on sheet 2. */
export const smartsheetSeed: SmartsheetSim.Seed = {
  users: [
    { id: ids.owner, email: "owner@example.com", name: "Olivia Owner" },
    { id: ids.ada, email: "ada@example.com" },
    { id: ids.grace, email: "grace@example.com" },
    { id: ids.ghost, email: "ghost@example.com" }
  ],
  groups: [{ id: ids.finance, name: "Finance", members: ["ada@example.com"] }],
  tokens: [{ token: smartsheetToken, user: "owner@example.com" }],
  assets: [
    { type: "sheet", id: ids.sheet1, name: "Budget", owner: "owner@example.com" },
    { type: "sheet", id: ids.sheet2, name: "Roster", owner: "owner@example.com" }
  ],
  shares: [
    { assetType: "sheet", assetId: ids.sheet1, email: "ada@example.com", accessLevel: "EDITOR" },
    { assetType: "sheet", assetId: ids.sheet1, email: "ghost@example.com", accessLevel: "VIEWER" },
    { assetType: "sheet", assetId: ids.sheet1, groupId: ids.finance, accessLevel: "VIEWER" },
    { assetType: "sheet", assetId: ids.sheet2, email: "grace@example.com", accessLevel: "ADMIN" }
  ]
}

/** EnergyCAP: owner (1), ada (2), grace (3), IT help desk (9); group 10 = Finance; lists 42 and 43. */
export const eciSeed: EciSim.Seed = {
  users: [
    { userId: 1, userCode: "owner", email: "owner@example.com" },
    { userId: 2, userCode: "ada", email: "ada@example.com" },
    { userId: 3, userCode: "grace", email: "grace@example.com" },
    { userId: 9, userCode: "it", email: "it@example.com" }
  ],
  groups: [{ userGroupId: 10, userGroupName: "Finance", members: [2] }],
  lists: [
    { listId: 42, name: "Budget bills", kind: "bill", creatorId: 1 },
    { listId: 43, name: "Roster records", kind: "records", creatorId: 1 }
  ],
  apiKeys: [
    {
      key: eciKey,
      userId: 1,
      permissions: [
        "BillListAdministrator.Manage",
        "RecordsListAdministrator.Manage",
        "UsersAndUserGroups.View",
        "UsersAndRoles.View"
      ]
    }
  ]
}

export interface Sims {
  readonly smartsheet: SmartsheetSim.Simulator
  readonly eci: EciSim.Simulator
  readonly env: Record<string, string>
  readonly close: () => Promise<void>
}

/** Starts both simulators, seeded with `smartsheetSeed` and `eciSeed` unless other seeds are given. */
export const startSims = async (
  seeds: { readonly smartsheet?: SmartsheetSim.Seed; readonly eci?: EciSim.Seed } = {}
): Promise<Sims> => {
  const smartsheet = await SmartsheetSim.start({ seed: seeds.smartsheet ?? smartsheetSeed, rateLimit: false })
  const eci = await EciSim.start({ seed: seeds.eci ?? eciSeed })
  return {
    smartsheet,
    eci,
    env: {
      SMARTSHEET_ACCESS_TOKEN: smartsheetToken,
      SMARTSHEET_API_HOST: smartsheet.url,
      ECI_API_KEY: eciKey,
      ECI_BASE_URL: eci.url
    },
    close: async () => {
      await smartsheet.close()
      await eci.close()
    }
  }
}

/** Writes the identity map (Finance group) and the resource map (sheet 1 → list 42, sheet 2 → list 43). */
export const writeMaps = (dir: string) => {
  const identities = Path.join(dir, "identities.csv")
  const resources = Path.join(dir, "resources.json")
  Fs.writeFileSync(identities, `source,target\ngroup:${ids.finance},group:10\n`)
  Fs.writeFileSync(
    resources,
    JSON.stringify([
      { source: `smartsheet:sheet:${ids.sheet1}`, target: "eci:list:42" },
      { source: { provider: "smartsheet", kind: "sheet", id: ids.sheet2 }, target: "eci:list:43" }
    ])
  )
  return { identities, resources }
}

/** Runs export (both sheets) and plan (to EnergyCAP) with --json. */
export const exportAndPlan = async (
  sims: Sims,
  dir: string,
  extra: ReadonlyArray<string> = [],
  planName = "plan.json"
) => {
  const snapshot = Path.join(dir, "snapshot.json")
  const plan = Path.join(dir, planName)
  const maps = writeMaps(dir)
  const exported = await runCli(
    [
      "export",
      "--provider",
      "smartsheet",
      "--resource",
      `smartsheet:sheet:${ids.sheet1}`,
      "--resource",
      `smartsheet:sheet:${ids.sheet2}`,
      "--out",
      snapshot,
      "--json"
    ],
    sims.env
  )
  expect(exported.code, exported.stderr).toBe(0)
  const planned = await runCli(
    [
      "plan",
      "--snapshot",
      snapshot,
      "--target",
      "eci",
      "--identities",
      maps.identities,
      "--resources",
      maps.resources,
      "--out",
      plan,
      "--json",
      ...extra
    ],
    sims.env
  )
  return { exported, planned, snapshot, plan, maps }
}
