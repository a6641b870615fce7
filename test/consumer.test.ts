/**
 * The packages as a user gets them: this is the test behind the README's Install section, and it
 * runs that section's install-from-clone blocks as written (they are marked
 * `<!-- install-from-clone … -->` and `<!-- install-from-clone-libraries … -->`; the test reads
 * them from README.md, it does not retype them):
 *
 * - in an empty directory, a copy of the working tree stands in for the block's `git clone` (the
 *   one line it does not run; the URL must be the packages' repository), then the block's lines up
 *   to `pnpm pack:all` run once: `pnpm install` and the packing (`prepack` builds `dist/`) in that
 *   "clone", which is the only packing of this file;
 * - on Node 22 and on Node 24, the rest of the block (the CLI tarball installed alone with
 *   `npm install --global`, `unishare --version`, `unishare demo`) runs in its own empty
 *   directory, with its own npm prefix (never the machine's global one), and the prefix must
 *   hold no `@unishare/*` package but the command;
 * - each tarball is linted with `publint --strict` and `attw` (ESM-only profile: the packages are
 *   ES modules, which Node ≥ 22.12 also loads through `require`);
 * - the libraries block installs the tarballs with npm into a project next to the clone, whose
 *   package.json adds what the checks need: `effect` (pinned), `vitest` (the optional peer of
 *   `@unishare/core/testing`), Node 22 and Node 20 from the npm packages `node@22` and `node@20`,
 *   and `@types/node`;
 * - on Node 22 and on Node 24: `import` and `require` of every entry (each `./simulator` started
 *   and closed) and a grant + list against the EnergyCAP simulator; on Node 20, every command of
 *   the installed bin exits 2 naming the Node it needs;
 * - `tsc --noEmit` over typed consumer code and every entry, in NodeNext and Bundler modes with
 *   `skipLibCheck: false`.
 *
 * Only the npm registry is reached (npm's and pnpm's caches keep reruns fast).
 */
import { execFile, execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type Packed, publishedPackages, tarballName } from "../scripts/pack.ts"
import { innerHangGuardMillis } from "./support/hangGuard.ts"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const fixtures = Path.join(root, "test", "consumer")
const rootManifest = JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8"))
const cliManifest = JSON.parse(Fs.readFileSync(Path.join(root, "packages", "cli", "package.json"), "utf8"))
// the machine's PATH without the workspace's node_modules/.bin (its `node`, `tsc`…): what a user has
const systemPath = (process.env.PATH ?? "")
  .split(Path.delimiter)
  .filter((dir) => !dir.includes("node_modules"))
  .join(Path.delimiter)

/**
 * The commands of the README's ```sh block marked `<!-- marker … -->`, one per line, without
 * comments and blank lines.
 */
const readmeCommands = (file: string, marker: string): Array<string> => {
  const text = Fs.readFileSync(file, "utf8")
  const block = new RegExp(`<!-- ${marker}[:\\s][^>]*-->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(text)
  if (block === null) throw new Error(`${Path.relative(root, file)}: no \`\`\`sh block marked <!-- ${marker}: … -->`)
  return (block[1] ?? "")
    .split("\n")
    .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
    .filter((line) => line !== "")
}

/** A shell script running `commands` in order, stopping at the first that fails (its trace on stderr). */
const script = (commands: ReadonlyArray<string>) => ["set -x", ...commands.map((c) => `${c} || exit`)].join("\n")

/** npm settings for every npm the README's commands start: quiet, and offline-first (its cache). */
const npmQuiet = {
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
  npm_config_prefer_offline: "true",
  npm_config_loglevel: "error"
}

/** Copies what a clone of the working tree holds (tracked and untracked files, not ignored ones). */
const copyWorkingTree = (from: string, to: string) => {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: from,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })
    .split("\0")
    .filter((file) => file !== "")
  for (const file of files) {
    const source = Path.join(from, file)
    const stat = Fs.lstatSync(source, { throwIfNoEntry: false })
    if (stat === undefined) continue // deleted in the working tree, not yet in the index
    Fs.mkdirSync(Path.dirname(Path.join(to, file)), { recursive: true })
    if (stat.isSymbolicLink()) Fs.symlinkSync(Fs.readlinkSync(source), Path.join(to, file))
    else Fs.copyFileSync(source, Path.join(to, file))
  }
}

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a program to completion; never rejects (the exit code is part of the result). */
const run = async (
  file: string,
  args: ReadonlyArray<string>,
  options: {
    readonly cwd: string
    readonly path?: string
    readonly timeout?: number
    /** set after the filtering below (an npm prefix, npm settings) */
    readonly env?: Record<string, string>
  }
): Promise<Run> => {
  // the machine's environment (proxy and certificate settings reach npm), without what the test
  // runner and pnpm set for their own processes
  const env: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(NODE_OPTIONS|VITEST|npm_|PNPM_|TEST$)/i.test(name))
  )
  env.PATH = options.path ?? `${Path.dirname(process.execPath)}${Path.delimiter}${process.env.PATH ?? ""}`
  Object.assign(env, options.env)
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

const readme = Path.join(root, "README.md")
// the README's install from a clone: the command (pack once, then install per Node), the libraries
const commandBlock = readmeCommands(readme, "install-from-clone")
const librariesBlock = readmeCommands(readme, "install-from-clone-libraries")
const packLine = commandBlock.findIndex((line) => /\bpnpm pack:all\b/.test(line))
const repositoryUrl = String(cliManifest.repository.url).replace(/^git\+/, "")
const cloneName = Path.basename(repositoryUrl, ".git")

let workDir = ""
/** The empty directory the README's blocks start in; the clone is `home/unishare`. */
let home = ""
let clone = ""
let packed: Array<Packed> = []

beforeAll(async () => {
  // the block: clone, install and pack (once), then install the command and run it (per Node)
  expect(commandBlock[0], "the block starts by cloning the repository").toBe(`git clone ${repositoryUrl}`)
  expect(packLine, "the block packs with pnpm pack:all").toBeGreaterThan(0)
  expect(commandBlock.slice(packLine + 1).join("\n")).toMatch(/^npm install --global .*unishare-cli-/)
  workDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-consumer-"))
  home = Path.join(workDir, "home")
  clone = Path.join(home, cloneName)
  Fs.mkdirSync(home)
  // `git clone`: the working tree as a clone of it would hold it (uncommitted changes included)
  copyWorkingTree(root, clone)
  const packing = await run("sh", ["-c", script(commandBlock.slice(1, packLine + 1))], {
    cwd: home,
    path: `${Path.dirname(process.execPath)}${Path.delimiter}${systemPath}`,
    env: { ...npmQuiet, npm_config_prefix: Path.join(workDir, "npm-global-packing") }
  })
  expectSuccess(packing, "the README's install from a clone, up to pnpm pack:all")
  packed = publishedPackages().map((p) => ({ ...p, tarball: Path.join(clone, "packed", tarballName(p)) }))
  expect(Fs.readdirSync(Path.join(clone, "packed")).sort()).toEqual(packed.map((p) => Path.basename(p.tarball)).sort())
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

  it("the CLI's tarball depends on no other @unishare package (its bundle holds them; they are optional peers of its library entries)", async () => {
    const cli = packed.find((p) => p.name === "@unishare/cli")!
    const manifest = await run("tar", ["-xzOf", cli.tarball, "package/package.json"], { cwd: workDir })
    expectSuccess(manifest, "tar @unishare/cli")
    const { dependencies = {}, peerDependencies = {}, peerDependenciesMeta = {} } = JSON.parse(manifest.stdout)
    expect(Object.keys(dependencies).filter((name) => name.startsWith("@unishare/"))).toEqual([])
    const internal = Object.keys(peerDependencies).filter((name) => name.startsWith("@unishare/"))
    expect(internal).toEqual(expect.arrayContaining(["@unishare/core", "@unishare/migration"]))
    for (const name of internal) expect(peerDependenciesMeta[name], name).toEqual({ optional: true })
  })

  it("the CLI README's install lines are the root README's (which run below)", () => {
    const lines = readmeCommands(Path.join(root, "packages", "cli", "README.md"), "install-from-clone")
    expect(lines.filter((line) => line !== "unishare --help")).toEqual(commandBlock.slice(0, packLine + 2))
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
    // a project next to the clone, as the README's libraries block expects (`../unishare/packed/*.tgz`)
    project = Path.join(home, "project")
    Fs.mkdirSync(project)
    const dev = rootManifest.devDependencies as Record<string, string>
    Fs.writeFileSync(
      Path.join(project, "package.json"),
      JSON.stringify(
        {
          name: "unishare-consumer",
          private: true,
          type: "module",
          // what the checks need beside the tarballs, which the README's block adds:
          // effect pinned to the workspace's (the tarballs' peer) and vitest, the optional peer of
          // @unishare/core/testing (the conformance kit)
          dependencies: { effect: dev.effect, vitest: dev.vitest },
          // Node 22 for the Node 22 runs, and Node 20 (too old): the installed command must refuse
          // it with a clear message
          devDependencies: { "@types/node": dev["@types/node"], node: "^22.19.0", node20: "npm:node@20" }
        },
        null,
        2
      )
    )
    for (const file of Fs.readdirSync(fixtures)) Fs.copyFileSync(Path.join(fixtures, file), Path.join(project, file))
    const install = await run("sh", ["-c", script(librariesBlock)], {
      cwd: project,
      path: `${Path.dirname(process.execPath)}${Path.delimiter}${systemPath}`,
      env: npmQuiet
    })
    expectSuccess(install, "the README's libraries install from a clone")
    // every package came from its tarball: the tarballs depend on each other by version, which the
    // tarballs installed together satisfy
    const manifest = JSON.parse(Fs.readFileSync(Path.join(project, "package.json"), "utf8"))
    for (const p of packed) expect(manifest.dependencies[p.name], p.name).toMatch(/^file:.*\.tgz$/)
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

    it(`Node ${major}: the README's install from a clone — the CLI tarball installs alone, unishare --version and demo pass`, async () => {
      const node = nodes[major]!
      // an empty directory holding the clone packed above (the block's lines up to pnpm pack:all)
      const dir = Path.join(workDir, `from-a-clone-on-node-${major}`)
      Fs.mkdirSync(dir)
      Fs.symlinkSync(clone, Path.join(dir, cloneName))
      const prefix = Path.join(workDir, `npm-global-node-${major}`)
      const path = [Path.join(prefix, "bin"), Path.dirname(node), systemPath].join(Path.delimiter)
      const env = { ...npmQuiet, npm_config_prefix: prefix }
      const result = await run("sh", ["-c", script(commandBlock.slice(packLine + 1))], { cwd: dir, path, env })
      expectSuccess(result, `the README's install from a clone on Node ${major}`)
      expect(result.stdout).toContain(`unishare v${cliManifest.version}`)
      expect(result.stdout).toMatch(/Demo passed in .*: all 3 migrations verified/)
      // the command that ran is the one just installed, on this Node
      const which = await run("sh", ["-c", "command -v unishare; node --version; unishare --help"], {
        cwd: dir,
        path,
        env
      })
      expectSuccess(which, "unishare --help")
      expect(which.stdout.split("\n").slice(0, 2)).toEqual([
        Path.join(prefix, "bin", "unishare"),
        expect.stringMatching(new RegExp(`^v${major}\\.`))
      ])
      // alone: no other @unishare package was installed (nor looked up: none is published)
      const global = Path.join(prefix, "lib", "node_modules")
      expect(Fs.readdirSync(global)).toEqual(["@unishare"])
      expect(Fs.readdirSync(Path.join(global, "@unishare"))).toEqual(["cli"])
      expect(Fs.existsSync(Path.join(global, "@unishare", "cli", "node_modules", "@unishare"))).toBe(false)
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
