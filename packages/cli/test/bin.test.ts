/**
 * The published executable: `dist/bin.js` (bundled once per run by `bundle.setup.ts`) is what
 * `publishConfig.bin` names, prints the package's version, and starts from the single bundle.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Cli } from "@unishare/cli"
import { bin, runCli } from "./helpers.ts"

const packageDir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const manifest = JSON.parse(Fs.readFileSync(Path.join(packageDir, "package.json"), "utf8"))

describe("unishare bin", () => {
  it("is the file publishConfig.bin names, and loads one bundle with its source map", () => {
    expect(Path.resolve(packageDir, manifest.publishConfig.bin.unishare)).toBe(bin)
    const loader = Fs.readFileSync(bin, "utf8")
    expect(loader.startsWith("#!/usr/bin/env node\n")).toBe(true)
    expect(loader).toContain('import("./unishare.js")')
    const bundle = Fs.readFileSync(Path.join(Path.dirname(bin), "unishare.js"), "utf8")
    expect(bundle).not.toMatch(/from\s*["']\.\.?\//) // nothing imported from beside it: one file
    expect(bundle).toContain("//# sourceMappingURL=unishare.js.map")
    expect(Fs.existsSync(Path.join(Path.dirname(bin), "unishare.js.map"))).toBe(true)
  })

  it("--version prints the package version (Cli.version follows package.json)", async () => {
    expect(Cli.version).toBe(manifest.version)
    const run = await runCli(["--version"])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout.trim()).toBe(`unishare v${manifest.version}`)
  })
})
