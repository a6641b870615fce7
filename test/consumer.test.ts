/**
 * The packages as a user gets them. Packs every published workspace package once (`scripts/pack.ts`:
 * `prepack` builds `dist/`), then:
 *
 * - lints each tarball with `publint --strict` and `attw` (ESM-only profile: the packages are ES
 *   modules, which Node ≥ 22.12 also loads through `require`);
 * - installs the tarballs with npm into a temporary project outside the workspace, with `effect` as
 *   the peer (and `vitest`, the optional peer of `@unishare/core/testing`), Node 22 from the npm
 *   package `node@22`, and `@types/node`;
 * - on Node 22 and on Node 24: `import` and `require` of every entry (each `./simulator` started
 *   and closed), a grant + list against the EnergyCAP simulator, and the installed `unishare demo`;
 * - `tsc --noEmit` over typed consumer code and every entry, in NodeNext and Bundler modes with
 *   `skipLibCheck: false`.
 *
 * This is the test behind the README's Install section. npm's own cache keeps reruns offline-fast.
 */
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type Packed, packAll } from "../scripts/pack.ts"
import { innerHangGuardMillis } from "./support/hangGuard.ts"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const fixtures = Path.join(root, "test", "consumer")
const rootManifest = JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8"))

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a program to completion; never rejects (the exit code is part of the result). */
const run = async (
  file: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly path?: string; readonly timeout?: number }
): Promise<Run> => {
  // the machine's environment (proxy and certificate settings reach npm), without what the test
  // runner and pnpm set for their own processes
  const env: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(NODE_OPTIONS|VITEST|npm_|PNPM_|TEST$)/i.test(name))
  )
  env.PATH = options.path ?? `${Path.dirname(process.execPath)}${Path.delimiter}${process.env.PATH ?? ""}`
  try {
    const { stdout, stderr } = await promisify(execFile)(file, [...args], {
      cwd: options.cwd,
      env,
      timeout: options.timeout ?? innerHangGuardMillis,
      maxBuffer: 64 * 1024 * 1024
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message: string }
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? e.message }
  }
}

const expectSuccess = (result: Run, what: string) =>
  expect(result.code, `${what} failed:\n${result.stdout}\n${result.stderr}`).toBe(0)

const bin = (name: string) => Path.join(root, "node_modules", ".bin", name)

let workDir = ""
let packed: Array<Packed> = []

beforeAll(() => {
  workDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-consumer-"))
  packed = packAll(Path.join(workDir, "tarballs"))
})

afterAll(() => {
  if (workDir !== "") Fs.rmSync(workDir, { recursive: true, force: true })
})

describe("packed tarballs", () => {
  it("include every published workspace package, each with dist, README.md, LICENSE and no sources", async () => {
    expect(packed.map((p) => p.name)).toEqual(expect.arrayContaining(["@unishare/core", "@unishare/eci"]))
    for (const p of packed) {
      const listing = await run("tar", ["-tzf", p.tarball], { cwd: workDir })
      expectSuccess(listing, `tar ${p.name}`)
      const files = listing.stdout.split("\n").filter((f) => f !== "")
      expect(files, p.name).toEqual(
        expect.arrayContaining([
          "package/package.json",
          "package/README.md",
          "package/LICENSE",
          "package/dist/index.js"
        ])
      )
      expect(
        files.filter((f) => /^package\/(src|test|bench|scripts)\/|tsconfig/.test(f)),
        p.name
      ).toEqual([])
      if (p.name === "@unishare/cli") {
        // the bin, its entry bundle and the chunks the commands are loaded from
        expect(files).toEqual(expect.arrayContaining(["package/dist/bin.js", "package/dist/unishare.js"]))
        expect(files.filter((f) => /^package\/dist\/chunks\/Handlers-[^/]+\.js$/.test(f))).toHaveLength(1)
      }
    }
  })

  it("pass publint --strict", async () => {
    const results = await Promise.all(
      packed.map((p) => run(bin("publint"), ["run", "--strict", p.tarball], { cwd: workDir }))
    )
    for (const [i, result] of results.entries()) expectSuccess(result, `publint ${packed[i]?.name}`)
  })

  it("pass attw (are the types wrong)", async () => {
    const results = await Promise.all(
      packed.map((p) => run(bin("attw"), [p.tarball, "--profile", "esm-only", "--format", "ascii"], { cwd: workDir }))
    )
    for (const [i, result] of results.entries()) expectSuccess(result, `attw ${packed[i]?.name}`)
  })
})

// the checks below read the installed project and write only files of their own (each demo runs in
// its own directory): they run at once, the demos' waits overlapping the type checks
describe.concurrent("an npm project installing the tarballs", () => {
  let project = ""
  const nodes: Record<string, string> = {}

  beforeAll(async () => {
    project = Path.join(workDir, "project")
    Fs.mkdirSync(project)
    const own = Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`]))
    const dev = rootManifest.devDependencies as Record<string, string>
    Fs.writeFileSync(
      Path.join(project, "package.json"),
      JSON.stringify(
        {
          name: "unishare-consumer",
          private: true,
          type: "module",
          // vitest: the optional peer of @unishare/core/testing (the conformance kit)
          dependencies: { ...own, effect: dev.effect, vitest: dev.vitest },
          // the tarballs depend on each other by version, which the tarballs installed here satisfy
          // Node 20 (too old) beside it: the installed command must refuse it with a clear message
          devDependencies: { "@types/node": dev["@types/node"], node: "^22.19.0", node20: "npm:node@20" }
        },
        null,
        2
      )
    )
    for (const file of Fs.readdirSync(fixtures)) Fs.copyFileSync(Path.join(fixtures, file), Path.join(project, file))
    const install = await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
      cwd: project,
      timeout: innerHangGuardMillis
    })
    expectSuccess(install, "npm install")
    nodes["22"] = Path.join(project, "node_modules", "node", "bin", "node")
    nodes["24"] = process.execPath
  })

  for (const major of ["22", "24"]) {
    const on = (file: string) => `${Path.dirname(file)}${Path.delimiter}${process.env.PATH ?? ""}`

    it(`Node ${major}: import of every entry, each simulator, a grant + list on the EnergyCAP simulator`, async () => {
      const node = nodes[major]!
      const result = await run(node, ["check.mjs"], { cwd: project, path: on(node) })
      expectSuccess(result, "check.mjs")
      const report = JSON.parse(result.stdout)
      expect(report.node).toMatch(new RegExp(`^v${major}\\.`))
      expect(report.imported).toEqual(
        expect.arrayContaining(["@unishare/eci", "@unishare/core/promise", "@unishare/cli"])
      )
      expect(report.simulators).toEqual(
        expect.arrayContaining([
          "@unishare/eci/simulator",
          "@unishare/smartsheet/simulator",
          "@unishare/cloudflare/simulator"
        ])
      )
      expect(report).toMatchObject({ granted: "user:4", listed: 1 })
    })

    it(`Node ${major}: require of every entry, a grant + list on the EnergyCAP simulator`, async () => {
      const node = nodes[major]!
      const result = await run(node, ["check.cjs"], { cwd: project, path: on(node) })
      expectSuccess(result, "check.cjs")
      const report = JSON.parse(result.stdout)
      expect(report.node).toMatch(new RegExp(`^v${major}\\.`))
      expect(report.required).toEqual(expect.arrayContaining(["@unishare/eci", "@unishare/core/promise"]))
      expect(report).toMatchObject({ granted: "group:12", listed: 2 })
    })

    it(`Node ${major}: the installed unishare demo passes`, async () => {
      const node = nodes[major]!
      const cwd = Path.join(project, `demo-on-node-${major}`)
      Fs.mkdirSync(cwd)
      const result = await run(Path.join(project, "node_modules", ".bin", "unishare"), ["demo", "--json"], {
        cwd,
        path: on(node)
      })
      expectSuccess(result, "unishare demo")
      const report = JSON.parse(result.stdout)
      expect(report).toMatchObject({ command: "demo", ok: true })
      const version = await run(node, ["-e", "process.stdout.write(process.version)"], { cwd: project })
      expect(version.stdout).toMatch(new RegExp(`^v${major}\\.`))
    })
  }

  it("Node 20: every command exits 2 naming the required and the running version, before loading anything", async () => {
    const node20 = Path.join(project, "node_modules", "node20", "bin", "node")
    const unishare = Path.join(project, "node_modules", "@unishare", "cli", "dist", "bin.js")
    const commands = ["--version", "demo", "export", "plan", "apply", "status", "runner", "verify", "sync", "simulate"]
    const runs = await Promise.all(
      commands.flatMap((command) => [
        run(node20, [unishare, command], { cwd: project }),
        run(node20, [unishare, command, "--json"], { cwd: project })
      ])
    )
    for (const [i, result] of runs.entries()) {
      const what = `${commands[Math.floor(i / 2)]}${i % 2 === 1 ? " --json" : ""}`
      expect(result.code, `${what}: ${result.stdout}${result.stderr}`).toBe(2)
      expect(result.stderr, what).toMatch(/needs Node\.js 22\.19 or newer; this is Node\.js 20\.\d+\.\d+/)
      expect(result.stderr, what).not.toContain("node:sqlite")
      if (i % 2 === 1) expect(JSON.parse(result.stdout), what).toMatchObject({ ok: false, error: { exitCode: 2 } })
    }
  })

  for (const [mode, options] of [
    ["NodeNext", { module: "NodeNext", moduleResolution: "NodeNext" }],
    ["Bundler", { module: "ESNext", moduleResolution: "Bundler" }]
  ] as const) {
    it(`tsc --noEmit in ${mode} mode with skipLibCheck false`, async () => {
      const specifiers = packed.flatMap((p) => {
        const manifest = JSON.parse(
          Fs.readFileSync(Path.join(project, "node_modules", p.name, "package.json"), "utf8")
        ) as { exports: Record<string, unknown> }
        return Object.entries(manifest.exports)
          .filter(([subpath, target]) => target !== null && !subpath.includes("*"))
          .map(([subpath]) => (subpath === "." ? p.name : `${p.name}/${subpath.slice(2)}`))
      })
      Fs.writeFileSync(
        Path.join(project, `entries.${mode}.ts`),
        `${specifiers.map((s, i) => `import * as m${i} from "${s}"`).join("\n")}\nexport const modules = [${specifiers.map((_, i) => `m${i}`).join(", ")}]\n`
      )
      const tsconfig = `tsconfig.${mode}.json`
      Fs.writeFileSync(
        Path.join(project, tsconfig),
        JSON.stringify({
          compilerOptions: {
            ...options,
            target: "ES2023",
            // Effect's declarations use Web Crypto types (CryptoKey, JsonWebKey) that only lib DOM declares
            lib: ["ES2023", "DOM"],
            types: ["node"],
            strict: true,
            skipLibCheck: false,
            noEmit: true
          },
          files: ["usage.ts", `entries.${mode}.ts`]
        })
      )
      const result = await run(
        process.execPath,
        [Path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", tsconfig],
        {
          cwd: project
        }
      )
      expectSuccess(result, `tsc (${mode})`)
    })
  }
})
