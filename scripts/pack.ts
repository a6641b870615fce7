/**
 * Packs every published workspace package (each one not marked `private`) into a tarball, as
 * `pnpm publish` would: `publishConfig` applied, `workspace:*` replaced by versions, `prepack`
 * building `dist/` first. A new package joins by being a non-private workspace package.
 *
 * Tarballs an earlier run left in the destination for other versions of these packages are removed
 * first, so `packed/*.tgz` is always one consistent set (what the README's install from a clone
 * installs in one npm command).
 *
 * Usage: `pnpm pack:all [destination]` (default `packed/`). Prints the tarballs.
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

/** A published workspace package. */
export interface WorkspacePackage {
  readonly name: string
  readonly version: string
  readonly dir: string
}

/** A packed package: the workspace package and its tarball. */
export interface Packed extends WorkspacePackage {
  readonly tarball: string
}

/**
 * The workspace packages that are published (not `private`), in workspace order.
 *
 * @example
 * ```ts
 * import { publishedPackages } from "./pack.ts"
 * publishedPackages().map((p) => p.name) // ["@unishare/cli", "@unishare/cloudflare", …]
 * ```
 */
export const publishedPackages = (): Array<WorkspacePackage> => {
  const listed: Array<{ name: string; version?: string; path: string; private?: boolean }> = JSON.parse(
    execFileSync("pnpm", ["-r", "ls", "--depth", "-1", "--json"], { cwd: root, encoding: "utf8" })
  )
  return listed
    .filter((p) => p.private !== true && p.path !== root)
    .map((p) => ({ name: p.name, version: p.version ?? "0.0.0", dir: p.path }))
    .sort((a, b) => a.name.localeCompare(b.name))
}

const stem = (name: string) => name.replace(/^@/, "").replace("/", "-")

/**
 * `@scope/name` at `1.2.3` → `scope-name-1.2.3.tgz`, the file name pnpm and npm give a tarball.
 *
 * @example
 * ```ts
 * import { tarballName } from "./pack.ts"
 * tarballName({ name: "@unishare/cli", version: "0.1.0" }) // "unishare-cli-0.1.0.tgz"
 * ```
 */
export const tarballName = (p: Pick<WorkspacePackage, "name" | "version">): string => `${stem(p.name)}-${p.version}.tgz`

/** Whether `file` is a tarball of package `name`, of any version (`unishare-core-0.1.0.tgz` for `@unishare/core`). */
const isTarballOf = (name: string, file: string) =>
  file.startsWith(`${stem(name)}-`) && /^\d+\.\d+\.\d+[^/]*\.tgz$/.test(file.slice(stem(name).length + 1))

/**
 * Builds and packs every published package into `destination`; returns the tarballs.
 *
 * @example
 * ```ts
 * import { packAll } from "./pack.ts"
 * const packed = packAll("/tmp/tarballs")
 * ```
 */
export const packAll = (destination: string): Array<Packed> => {
  Fs.mkdirSync(destination, { recursive: true })
  const packages = publishedPackages()
  for (const file of Fs.readdirSync(destination))
    if (packages.some((p) => isTarballOf(p.name, file))) Fs.rmSync(Path.join(destination, file), { force: true })
  // only the published ones: `pnpm -r pack` would pack private packages too
  const filters = packages.flatMap((p) => ["--filter", p.name])
  execFileSync("pnpm", ["-r", ...filters, "pack", "--pack-destination", destination], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"]
  })
  return packages.map((p) => {
    const tarball = Path.join(destination, tarballName(p))
    if (!Fs.existsSync(tarball)) throw new Error(`pnpm pack produced no ${tarball} for ${p.name}`)
    return { ...p, tarball }
  })
}

if (process.argv[1] !== undefined && Path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const destination = Path.resolve(process.argv[2] ?? Path.join(root, "packed"))
  for (const p of packAll(destination)) console.log(Path.relative(process.cwd(), p.tarball))
}
