/**
 * What every published workspace package must carry to be installable (checked without packing;
 * `consumer.test.ts` checks the tarballs themselves): `files`, a `prepack` that builds, `engines`,
 * `repository`, `homepage`, `sideEffects`, a `publishConfig.exports` entry in `dist/` (types and
 * JavaScript) for every entry of `exports`, the root LICENSE, a README, and no optional peer that
 * no source imports.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { publishedPackages } from "../scripts/pack.ts"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const license = Fs.readFileSync(Path.join(root, "LICENSE"), "utf8")
const packages = publishedPackages()

const sources = (dir: string): string =>
  Fs.readdirSync(Path.join(dir, "src"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => Fs.readFileSync(Path.join(dir, "src", f), "utf8"))
    .join("\n")

describe("published package manifests", () => {
  it("are found", () => {
    expect(packages.map((p) => p.name)).toEqual(expect.arrayContaining(["@unishare/core", "@unishare/cli"]))
  })

  for (const p of packages) {
    it(`${p.name}: files, scripts, metadata, LICENSE and README`, () => {
      const manifest = JSON.parse(Fs.readFileSync(Path.join(p.dir, "package.json"), "utf8"))
      expect(manifest.files).toEqual(expect.arrayContaining(["dist", "README.md", "LICENSE"]))
      expect(manifest.scripts?.prepack).toMatch(/build/)
      expect(manifest.scripts?.build).toBeTypeOf("string")
      expect(manifest.license).toBe("MIT")
      expect(manifest.engines?.node).toBe(">=22.19")
      expect(manifest.type).toBe("module")
      expect(manifest.repository).toMatchObject({ type: "git", directory: Path.relative(root, p.dir) })
      expect(manifest.homepage).toMatch(/^https:\/\//)
      expect(manifest.sideEffects).toBeDefined()
      expect(manifest.description).toBeTypeOf("string")
      expect(Fs.readFileSync(Path.join(p.dir, "LICENSE"), "utf8")).toBe(license)
      const readme = Fs.readFileSync(Path.join(p.dir, "README.md"), "utf8")
      for (const section of ["## Install", "## Capabilities", "## API reference"])
        expect(readme, section).toContain(section)
    })

    it(`${p.name}: every entry is published from dist with types`, () => {
      const manifest = JSON.parse(Fs.readFileSync(Path.join(p.dir, "package.json"), "utf8"))
      const published = manifest.publishConfig?.exports ?? {}
      for (const [subpath, target] of Object.entries(manifest.exports as Record<string, string | null>)) {
        if (target === null) {
          expect(published[subpath], subpath).toBeNull()
          continue
        }
        expect(published[subpath], subpath).toEqual({
          types: expect.stringMatching(/^\.\/dist\/.*\.d\.ts$/),
          default: expect.stringMatching(/^\.\/dist\/.*\.js$/)
        })
        const stem = (file: string) => file.replace(/^\.\/(src|dist)\//, "").replace(/\.(d\.ts|ts|js)$/, "")
        expect(stem(published[subpath].default), subpath).toBe(stem(target))
      }
    })

    it(`${p.name}: every optional peer is imported by its sources`, () => {
      const manifest = JSON.parse(Fs.readFileSync(Path.join(p.dir, "package.json"), "utf8"))
      const code = sources(p.dir)
      for (const [peer, meta] of Object.entries(
        (manifest.peerDependenciesMeta ?? {}) as Record<string, { optional?: boolean }>
      )) {
        if (meta.optional === true) expect(code, peer).toMatch(new RegExp(`from "${peer}(/[^"]*)?"`))
      }
    })
  }
})
