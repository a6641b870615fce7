/**
 * Each adapter README lists its simulator's `demoSeed` ids and `demoCredentials` exactly as they
 * are (tables rendered from the data by `support/simulatorSeeds.ts`), so the docs cannot drift; and
 * the three simulators name their seed and credentials alike, the old names kept as aliases.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import * as CloudflareSimulator from "@unishare/cloudflare/simulator"
import * as EciSimulator from "@unishare/eci/simulator"
import * as SmartsheetSimulator from "@unishare/smartsheet/simulator"
import { seedTables } from "./support/simulatorSeeds.ts"

const readme = (pkg: string) =>
  Fs.readFileSync(Path.resolve(import.meta.dirname, "..", "packages", pkg, "README.md"), "utf8")

describe("simulator READMEs", () => {
  for (const [pkg, tables] of Object.entries(seedTables())) {
    it(`packages/${pkg}/README.md lists demoSeed and demoCredentials as they are (pnpm exec node test/support/simulatorSeeds.ts prints them)`, () => {
      expect(readme(pkg)).toContain(tables)
    })
  }

  it("one naming in every simulator: demoSeed and demoCredentials; the old names are the same values", () => {
    for (const simulator of [CloudflareSimulator, SmartsheetSimulator, EciSimulator]) {
      expect(simulator.demoSeed).toBeDefined()
      expect(Object.keys(simulator.demoCredentials).length).toBeGreaterThan(0)
    }
    expect(CloudflareSimulator.defaultCredentials).toEqual([
      { token: CloudflareSimulator.demoCredentials.apiToken },
      CloudflareSimulator.demoCredentials.globalKey
    ])
    expect(SmartsheetSimulator.exampleSeed).toBe(SmartsheetSimulator.demoSeed)
    expect(SmartsheetSimulator.exampleToken).toBe(SmartsheetSimulator.demoCredentials.owner)
    expect(EciSimulator.demoKeys).toBe(EciSimulator.demoCredentials)
  })

  it("the credentials reach the seed: every Smartsheet and EnergyCAP demo credential is a seeded one", () => {
    const tokens = (SmartsheetSimulator.demoSeed.tokens ?? []).map((t) => t.token)
    expect(tokens).toEqual(expect.arrayContaining(Object.values(SmartsheetSimulator.demoCredentials)))
    const keys = (EciSimulator.demoSeed.apiKeys ?? []).map((k) => k.key)
    expect(keys).toEqual(expect.arrayContaining(Object.values(EciSimulator.demoCredentials)))
  })
})
