/**
 * The published executable: `bundle()` writes `bin.js` (here bundled once per run into `.test-bin/`
 * by `bundle.setup.ts`; packed into `dist/`, which `publishConfig.bin` names); it prints the
 * package's version and starts from the bundle; the command bodies are split into chunks that
 * `--version` and `--help` never load.
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Cli } from "@unishare/cli"
import { bin, runCli } from "./helpers.ts"

const packageDir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const manifest = JSON.parse(Fs.readFileSync(Path.join(packageDir, "package.json"), "utf8"))

describe("unishare bin", () => {
  it("is the file publishConfig.bin names, and loads one bundle (and its chunks) with source maps", () => {
    expect(manifest.publishConfig.bin.unishare).toBe("./dist/bin.js")
    expect(Path.basename(bin)).toBe("bin.js")
    const loader = Fs.readFileSync(bin, "utf8")
    expect(loader.startsWith("#!/usr/bin/env node\n")).toBe(true)
    expect(loader).toContain('import("./unishare.js")')
    const bundle = Fs.readFileSync(Path.join(Path.dirname(bin), "unishare.js"), "utf8")
    expect(bundle).toContain("//# sourceMappingURL=unishare.js.map")
    expect(Fs.existsSync(Path.join(Path.dirname(bin), "unishare.js.map"))).toBe(true)
    // everything it imports is a chunk beside it, each with its source map
    const chunks = [...bundle.matchAll(/(?:from|import\()\s*["'](\.\.?\/[^"']+)["']/g)].map((m) => m[1]!)
    expect(chunks.length).toBeGreaterThan(0)
    for (const chunk of chunks) {
      expect(chunk).toMatch(/^\.\/chunks\//)
      const path = Path.join(Path.dirname(bin), chunk)
      expect(Fs.readFileSync(path, "utf8")).toContain(`//# sourceMappingURL=${Path.basename(chunk)}.map`)
      expect(Fs.existsSync(`${path}.map`)).toBe(true)
    }
  })

  it("--version and --help load no command body; a command loads it", () => {
    // a preload that records every module file the process loads
    const dir = Fs.mkdtempSync(Path.join(packageDir, "node_modules", ".bin-test-"))
    try {
      const log = Path.join(dir, "loaded")
      const preload = Path.join(dir, "record.mjs")
      Fs.writeFileSync(
        preload,
        `import { registerHooks } from "node:module"\nimport { appendFileSync } from "node:fs"\nregisterHooks({ load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + "\\n"); return next(url, context) } })\n`
      )
      const loaded = (args: ReadonlyArray<string>) => {
        Fs.rmSync(log, { force: true })
        const child = spawnSync(process.execPath, ["--import", preload, bin, ...args], { encoding: "utf8" })
        expect(child.status, child.stderr).toBe(0)
        return Fs.readFileSync(log, "utf8")
          .split("\n")
          .filter((url) => url.includes("/dist/chunks/"))
          .map((url) => Path.basename(url))
      }
      const commandBody = (names: ReadonlyArray<string>) => names.some((n) => n.startsWith("Handlers-"))
      expect(commandBody(loaded(["--version"]))).toBe(false)
      expect(commandBody(loaded(["--help"]))).toBe(false)
      expect(commandBody(loaded(["demo", "--help"]))).toBe(false)
      expect(commandBody(loaded(["plan", "--help"]))).toBe(false)
      // a command that runs loads its body (and fails on the missing file, after loading it)
      const child = spawnSync(
        process.execPath,
        ["--import", preload, bin, "apply", "--plan", Path.join(dir, "missing.json"), "--json"],
        { encoding: "utf8" }
      )
      expect(child.status).not.toBe(0)
      expect(
        commandBody(
          Fs.readFileSync(log, "utf8")
            .split("\n")
            .map((url) => Path.basename(url))
        )
      ).toBe(true)
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("--version prints the package version (Cli.version follows package.json)", async () => {
    expect(Cli.version).toBe(manifest.version)
    const run = await runCli(["--version"])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout.trim()).toBe(`unishare v${manifest.version}`)
  })
})
