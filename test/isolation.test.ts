/**
 * Each adapter stands alone: its modules import only core, effect and its own files, so importing
 * `@unishare/eci` loads no Cloudflare or Smartsheet code (and so on); core imports no adapter and no
 * migration code; the migration engine imports only core, so a backend that grants and lists never
 * installs it.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"

const root = Path.resolve(import.meta.dirname, "..")
const importsOf = (dir: string) =>
  Fs.readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .flatMap((f) =>
      // comments (and the examples in JSDoc) are not code
      [
        ...Fs.readFileSync(Path.join(dir, f), "utf8")
          .replace(/\/\*[\s\S]*?\*\//g, "")
          .replace(/^\s*\/\/.*$/gm, "")
          .matchAll(/^(?:import|export)\b[^;"]*?from\s+"([^"]+)"|^import\s+"([^"]+)"/gm)
      ].map((m) => ({
        file: f,
        specifier: (m[1] ?? m[2])!
      }))
    )

describe("package isolation", () => {
  for (const adapter of ["cloudflare", "smartsheet", "eci", "google-drive", "box"]) {
    it(`@unishare/${adapter} imports no other adapter`, () => {
      const foreign = importsOf(Path.join(root, "packages", adapter, "src")).filter(
        (i) => i.specifier.startsWith("@unishare/") && !i.specifier.startsWith("@unishare/core")
      )
      expect(foreign).toEqual([])
    })
    it(`@unishare/${adapter} entry does not load its simulator`, () => {
      const entry = Fs.readFileSync(Path.join(root, "packages", adapter, "src", "index.ts"), "utf8")
      expect(entry).not.toMatch(/Simulator/)
    })
  }
  it("core imports no adapter and no migration code", () => {
    const foreign = importsOf(Path.join(root, "packages", "core", "src")).filter(
      (i) => i.specifier.startsWith("@unishare/") && !i.specifier.startsWith("@unishare/core")
    )
    expect(foreign).toEqual([])
  })
  it("@unishare/migration imports only core among the workspace packages", () => {
    const foreign = importsOf(Path.join(root, "packages", "migration", "src")).filter(
      (i) => i.specifier.startsWith("@unishare/") && !i.specifier.startsWith("@unishare/core")
    )
    expect(foreign).toEqual([])
    const manifest = JSON.parse(Fs.readFileSync(Path.join(root, "packages", "core", "package.json"), "utf8"))
    expect(Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })).not.toContain("@unishare/migration")
  })
})
