/**
 * Builds the API reference with TypeDoc: one section per published workspace package, one module per
 * explicit entry of its `exports` (`@unishare/core`, `@unishare/core/promise`, …), then checks it:
 * TypeDoc's own validation (a `{@link}` to nothing, a documented symbol left out) and every local
 * link of the generated HTML (the file exists, and so does the `#anchor` in it). A new package
 * joins by being a non-private workspace package.
 *
 * Usage: `pnpm docs [outdir]` (default `docs/api/`); exits non-zero on any problem.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as TypeDoc from "typedoc"
import { publishedPackages } from "./pack.ts"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

/** What `buildDocs` found wrong; all empty when the reference is complete and every link resolves. */
export interface DocsReport {
  readonly outDir: string
  readonly pages: number
  readonly problems: ReadonlyArray<string>
}

/** A documented module: the specifier users import and its source file. */
export interface Entry {
  readonly specifier: string
  readonly file: string
}

/** Each explicit (non-pattern, non-null) entry of a package's `exports`. */
const entries = (dir: string): Array<Entry> => {
  const manifest = JSON.parse(Fs.readFileSync(Path.join(dir, "package.json"), "utf8")) as {
    name: string
    exports?: Record<string, string | null>
  }
  return Object.entries(manifest.exports ?? {})
    .filter((entry): entry is [string, string] => typeof entry[1] === "string" && !entry[0].includes("*"))
    .map(([subpath, target]) => ({
      specifier: subpath === "." ? manifest.name : `${manifest.name}/${subpath.slice(2)}`,
      file: Path.resolve(dir, target)
    }))
}

/**
 * Local links (`href`/`src` without a scheme) of every HTML page under `outDir` that point at a
 * missing file or a missing `id` in it.
 *
 * @example
 * ```ts
 * import { brokenLinks } from "./docs.ts"
 * brokenLinks("docs/api") // [] when every link resolves
 * ```
 */
export const brokenLinks = (outDir: string): Array<string> => {
  const pages = Fs.readdirSync(outDir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".html"))
  const ids = new Map<string, Set<string>>()
  const idsOf = (file: string) => {
    let found = ids.get(file)
    if (found === undefined) {
      const html = Fs.readFileSync(file, "utf8")
      found = new Set([...html.matchAll(/\s(?:id|name)="([^"]+)"/g)].map((m) => m[1]!))
      ids.set(file, found)
    }
    return found
  }
  const broken: Array<string> = []
  for (const page of pages) {
    const file = Path.join(outDir, page)
    const html = Fs.readFileSync(file, "utf8")
    for (const [, link] of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      if (link === undefined || link === "" || /^[a-z][a-z0-9+.-]*:/i.test(link)) continue
      const [target = "", anchor] = link.split("#")
      const targetFile = target === "" ? file : Path.resolve(Path.dirname(file), decodeURIComponent(target))
      if (!Fs.existsSync(targetFile)) broken.push(`${page}: ${link} (no such file)`)
      else if (
        anchor !== undefined &&
        anchor !== "" &&
        targetFile.endsWith(".html") &&
        !idsOf(targetFile).has(decodeURIComponent(anchor))
      )
        broken.push(`${page}: ${link} (no such anchor)`)
    }
  }
  return broken
}

/**
 * The entries of every published workspace package.
 *
 * @example
 * ```ts
 * import { publishedEntries } from "./docs.ts"
 * publishedEntries().map((e) => e.specifier) // ["@unishare/cli", …, "@unishare/core/promise", …]
 * ```
 */
export const publishedEntries = (): Array<Entry> => publishedPackages().flatMap((p) => entries(p.dir))

/**
 * Builds the reference of `modules` (default: every published entry) into `outDir` and checks it.
 *
 * @example
 * ```ts
 * import { buildDocs } from "./docs.ts"
 * const report = await buildDocs("docs/api")
 * report.problems // []
 * ```
 */
export const buildDocs = async (
  outDir: string,
  modules: ReadonlyArray<Entry> = publishedEntries()
): Promise<DocsReport> => {
  const specifierOf = new Map(modules.map((m) => [m.file, m.specifier]))
  const app = await TypeDoc.Application.bootstrapWithPlugins({
    name: "unishare",
    entryPoints: modules.map((m) => m.file),
    entryPointStrategy: "resolve",
    readme: "none",
    out: outDir,
    tsconfig: Path.join(root, "tsconfig.docs.json"), // the packages' sources (and the docs test fixture)
    excludePrivate: true,
    excludeInternal: true,
    validation: { invalidLink: true, notExported: true, notDocumented: false, rewrittenLink: true },
    // links that Effect's own doc comments (inherited by our classes) make into Effect
    externalSymbolLinkMappings: { effect: { "*": "https://effect.website/docs" } },
    logLevel: "Warn",
    disableSources: true
  })
  // a module is named by the specifier users import it with, not by its file path
  app.converter.on(TypeDoc.Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(TypeDoc.ReflectionKind.Module)) return
    const file = context.getSymbolFromReflection(reflection)?.declarations?.[0]?.getSourceFile().fileName
    const specifier = file === undefined ? undefined : specifierOf.get(Path.resolve(file))
    if (specifier !== undefined) reflection.name = specifier
  })
  const problems: Array<string> = []
  const logger = app.logger
  const log = logger.log.bind(logger)
  logger.log = (message, level) => {
    if (level === TypeDoc.LogLevel.Warn || level === TypeDoc.LogLevel.Error) problems.push(String(message))
    log(message, level)
  }
  const project = await app.convert()
  const counted = () =>
    app.logger.errorCount + app.logger.warningCount > problems.length
      ? [`TypeDoc reported ${app.logger.errorCount} error(s) and ${app.logger.warningCount} warning(s)`]
      : []
  if (project === undefined)
    return { outDir, pages: 0, problems: [...problems, ...counted(), "TypeDoc could not convert the project"] }
  app.validate(project)
  Fs.rmSync(outDir, { recursive: true, force: true })
  await app.generateDocs(project, outDir)
  const pages = Fs.readdirSync(outDir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".html")).length
  return { outDir, pages, problems: [...problems, ...counted(), ...brokenLinks(outDir)] }
}

if (process.argv[1] !== undefined && Path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = await buildDocs(Path.resolve(process.argv[2] ?? Path.join(root, "docs", "api")))
  if (report.problems.length > 0) {
    console.error(`docs: ${report.problems.length} problem(s):\n${report.problems.join("\n")}`)
    process.exitCode = 1
  } else console.log(`docs: ${report.pages} pages in ${Path.relative(process.cwd(), report.outDir)}, no broken link`)
}
