/**
 * Builds the published `unishare` executable:
 *
 * - `dist/unishare.js` — `src/bin.ts` and everything it imports (Effect included) bundled into one
 *   ES module with a linked source map, so Node parses one file instead of stripping types from
 *   every source module on each start. Code splitting keeps it small: what is reached only through
 *   a dynamic `import()` (the command bodies, `src/Handlers.ts`, see `src/Commands.ts`) goes to
 *   `dist/chunks/` with the code only it needs, and is loaded when a command runs, so
 *   `unishare --version` and `--help` parse and compile only the command-line layer;
 * - `dist/bin.js` — the `bin` entry: turns on Node's on-disk compile cache
 *   (`module.enableCompileCache`, as `tsc` does) so later starts reuse V8's compiled code, then
 *   imports the bundle.
 *
 * Files are written atomically (temporary file, then rename), chunks before the entry that imports
 * them, so a test spawning the bin while another build runs never sees half a file; chunk names
 * carry a content hash, and chunks of earlier builds are removed afterwards. Run as `node scripts/bundle.ts`, or import `bundle`.
 *
 * The bundle is self-contained: it imports nothing at run time but Node's built-in modules (the
 * workspace packages, Effect, the SQL and HTTP clients are all inside), and the build fails if
 * anything else is left external. That is why the package's tarball installs alone: the workspace
 * packages are only optional peers (for the library entries, `dist/index.js` …), so `npm install
 * --global unishare-cli-<version>.tgz` looks up no `@unishare/*` package.
 */
import * as Fs from "node:fs"
import { builtinModules } from "node:module"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"

const packageDir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

/** The directory the executable is written to (`publishConfig.bin.unishare` is `./dist/bin.js`). */
export const defaultOutdir = Path.join(packageDir, "dist")

/**
 * The oldest Node.js the command runs on (Effect 4; `node:sqlite` for the embedded run store): the
 * bin checks it before loading anything else and exits 2 naming both versions.
 *
 * @example
 * ```ts
 * import { minimumNode } from "./bundle.ts"
 * minimumNode // "22.19"
 * ```
 */
export const minimumNode = "22.19"

const loader = `#!/usr/bin/env node
// unishare: check the runtime before anything that needs a newer one is loaded, reuse V8's
// compiled code across starts, then run the bundled command line.
import * as Module from "node:module"
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number)
const [needMajor, needMinor] = "${minimumNode}".split(".").map(Number)
if (major < needMajor || (major === needMajor && minor < needMinor)) {
  const message = "unishare needs Node.js ${minimumNode} or newer; this is Node.js " + process.versions.node + ". Install a current Node.js (for example 24) and run the command again."
  if (process.argv.includes("--json"))
    process.stdout.write(JSON.stringify({ ok: false, error: { _tag: "UnsupportedRuntime", message, exitCode: 2 } }) + "\\n")
  process.stderr.write("error: " + message + "\\n")
  process.exit(2)
}
Module.enableCompileCache?.()
await import("./unishare.js")
`

const writeAtomically = (path: string, contents: string | Uint8Array, mode: number) => {
  const temporary = `${path}.${process.pid}.tmp`
  Fs.writeFileSync(temporary, contents, { mode })
  Fs.renameSync(temporary, path)
}

const builtins = new Set(builtinModules)

/**
 * The imports left outside the bundle that are not Node's built-in modules (`node:sqlite`, `fs`…),
 * each as `specifier (in output file)`; empty for a self-contained bundle.
 *
 * @example
 * ```ts
 * import { externalImports } from "./bundle.ts"
 * externalImports({ inputs: {}, outputs: { "dist/unishare.js": { imports: [{ path: "@unishare/core", kind: "import-statement", external: true }] } } } as never)
 * // ["@unishare/core (in dist/unishare.js)"]
 * ```
 */
export const externalImports = (metafile: esbuild.Metafile): Array<string> =>
  Object.entries(metafile.outputs).flatMap(([output, { imports }]) =>
    imports
      .filter((i) => i.external === true && !i.path.startsWith("node:") && !builtins.has(i.path))
      .map((i) => `${i.path} (in ${output})`)
  )

/** The directory of the chunks, inside the output directory. */
const chunkDir = "chunks"

/**
 * Bundles the bin into `outdir` (`bin.js`, `unishare.js`, `chunks/*.js`, each with its `.map`);
 * returns the path of `bin.js`.
 *
 * @example
 * ```ts
 * import { bundle } from "./bundle.ts"
 * const bin = await bundle()
 * ```
 */
export const bundle = async (outdir: string = defaultOutdir): Promise<string> => {
  const result = await esbuild.build({
    entryPoints: [Path.join(packageDir, "src", "bin.ts")],
    entryNames: "unishare",
    chunkNames: `${chunkDir}/[name]-[hash]`,
    outdir,
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: true,
    keepNames: true,
    sourcemap: "linked",
    legalComments: "none",
    // bundled CommonJS dependencies may call require(): give the module one
    banner: {
      js: 'import { createRequire as __unishareRequire } from "node:module";const require=__unishareRequire(import.meta.url);'
    },
    write: false,
    metafile: true,
    logLevel: "warning"
  })
  const external = externalImports(result.metafile)
  if (external.length > 0)
    throw new Error(
      `the unishare bundle must import only Node's built-in modules at run time, but imports ${external.join(", ")}: bundle them (or, for a native module, make it a dependency and allow it here)`
    )
  Fs.mkdirSync(Path.join(outdir, chunkDir), { recursive: true })
  const entry = Path.join(outdir, "unishare.js")
  const isEntry = (path: string) => path === entry || path === `${entry}.map`
  // chunks first, then the entry that imports them
  for (const file of result.outputFiles.filter((f) => !isEntry(f.path)))
    writeAtomically(file.path, file.contents, 0o644)
  for (const file of result.outputFiles.filter((f) => isEntry(f.path))) writeAtomically(file.path, file.contents, 0o644)
  const written = new Set(result.outputFiles.map((f) => f.path))
  for (const name of Fs.readdirSync(Path.join(outdir, chunkDir))) {
    const path = Path.join(outdir, chunkDir, name)
    if (!written.has(path) && !name.endsWith(".tmp")) Fs.rmSync(path, { force: true })
  }
  const bin = Path.join(outdir, "bin.js")
  writeAtomically(bin, loader, 0o755)
  return bin
}

if (process.argv[1] !== undefined && Path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bin = await bundle(process.argv[2] === undefined ? undefined : Path.resolve(process.argv[2]))
  console.log(`bundled ${Path.relative(process.cwd(), bin)}`)
}
