/**
 * Start-up benchmark of the `unishare` executable: wall time and peak memory (max RSS) of
 * `unishare --version` in a fresh process, for
 *
 * - the bundled bin, cold (an empty compile cache, as on the first run after install),
 * - the bundled bin, warm (Node's compile cache filled by an earlier run: every later start),
 * - the TypeScript sources run directly (`node src/bin.ts`, what the bin was before bundling).
 *
 * `pnpm bench` shows these figures (suite `bench/src/startup.ts`); on its own:
 * `node packages/cli/bench/startup.bench.ts [runs]`, which exits non-zero when the bundled bin
 * (warm) misses the target (median ≤ 300 ms and peak ≤ 80 MB).
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { bundle } from "../scripts/bundle.ts"

const packageDir = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

/** The start-up targets of the bundled bin. */
export const target = { millis: 300, megabytes: 80 } as const

/** One measured way of starting the CLI: medians over the runs. */
export interface StartupFigure {
  readonly name: string
  readonly medianMillis: number
  readonly minMillis: number
  readonly maxMillis: number
  readonly peakMegabytes: number
  /** CPU time (user + system) of the process: what the start costs, less sensitive to a loaded machine than wall time. */
  readonly cpuMillis: number
}

/** How the CLI is started in a measurement. */
export interface Variant {
  readonly name: string
  readonly script: string
  /** A fresh compile-cache directory for every run (a cold start), or one shared by all runs. */
  readonly coldCache: boolean
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/**
 * Starts `node <script> --version` `runs` times (after one unmeasured warm-up), each in a new
 * process; peak memory is the child's own peak resident set (`VmHWM`, else `maxRSS`), written at
 * exit by a one-line preload.
 *
 * @example
 * ```ts
 * import { measureVariant } from "./startup.bench.ts"
 * const figure = measureVariant({ name: "bundled", script: "dist/bin.js", coldCache: false }, 5)
 * ```
 */
export const measureVariant = (variant: Variant, runs: number): StartupFigure => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-startup-"))
  try {
    const preload = Path.join(dir, "max-rss.cjs")
    const report = Path.join(dir, "max-rss")
    Fs.writeFileSync(
      preload,
      // the peak of the process's own memory image (VmHWM): on Linux, `maxRSS` also counts the
      // parent's image copied at fork, so a large benchmark process would inflate it
      `process.on("exit", () => { const fs = require("node:fs"); const u = process.resourceUsage(); let peak = u.maxRSS; try { const m = /VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8")); if (m) peak = Number(m[1]) } catch {} fs.writeFileSync(${JSON.stringify(report)}, JSON.stringify([peak, (u.userCPUTime + u.systemCPUTime) / 1000])) })\n`
    )
    const times: Array<number> = []
    const peaks: Array<number> = []
    const cpu: Array<number> = []
    for (let i = 0; i <= runs; i++) {
      const cache = variant.coldCache ? Fs.mkdtempSync(Path.join(dir, "cache-")) : Path.join(dir, "cache")
      const start = performance.now()
      const child = spawnSync(process.execPath, ["--require", preload, variant.script, "--version"], {
        cwd: packageDir,
        env: { PATH: process.env.PATH ?? "", NODE_COMPILE_CACHE: cache },
        encoding: "utf8"
      })
      const elapsed = performance.now() - start
      if (child.status !== 0 || !/^unishare v\d/.test(child.stdout)) {
        throw new Error(`${variant.name}: unishare --version failed (${child.status}): ${child.stdout}${child.stderr}`)
      }
      if (i === 0) continue // warm-up: file system cache, and the compile cache of the warm variant
      times.push(elapsed)
      const [maxRss, cpuMillis] = JSON.parse(Fs.readFileSync(report, "utf8")) as [number, number]
      peaks.push(maxRss / 1024)
      cpu.push(cpuMillis)
    }
    return {
      name: variant.name,
      medianMillis: median(times),
      minMillis: Math.min(...times),
      maxMillis: Math.max(...times),
      peakMegabytes: median(peaks),
      cpuMillis: median(cpu)
    }
  } finally {
    Fs.rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Bundles the bin, then measures the bundled bin (cold and warm) and the source run.
 *
 * @example
 * ```ts
 * import { measureStartup } from "./startup.bench.ts"
 * const [cold, warm, source] = await measureStartup(5)
 * ```
 */
export const measureStartup = async (runs = 7): Promise<ReadonlyArray<StartupFigure>> => {
  const bin = await bundle()
  return [
    measureVariant({ name: "bundled bin, cold (empty compile cache)", script: bin, coldCache: true }, runs),
    measureVariant({ name: "bundled bin, warm (compile cache)", script: bin, coldCache: false }, runs),
    measureVariant(
      { name: "sources (node src/bin.ts)", script: Path.join(packageDir, "src", "bin.ts"), coldCache: false },
      runs
    )
  ]
}

/**
 * Whether a figure is within `target`.
 *
 * @example
 * ```ts
 * import { withinTarget } from "./startup.bench.ts"
 * withinTarget({ name: "x", medianMillis: 120, minMillis: 110, maxMillis: 130, peakMegabytes: 70, cpuMillis: 100 }) // true
 * ```
 */
export const withinTarget = (figure: StartupFigure): boolean =>
  figure.medianMillis <= target.millis && figure.peakMegabytes <= target.megabytes

const format = (f: StartupFigure) =>
  `  ${f.name.padEnd(42)} median ${f.medianMillis.toFixed(0).padStart(5)} ms (min ${f.minMillis.toFixed(0)}, max ${f.maxMillis.toFixed(0)}), CPU ${f.cpuMillis.toFixed(0)} ms, peak ${f.peakMegabytes.toFixed(1)} MB`

if (process.argv[1] !== undefined && Path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const figures = await measureStartup(Number(process.argv[2] ?? 7))
  const warm = figures[1]!
  const ok = withinTarget(warm)
  console.log(
    `${ok ? "ok  " : "SLOW"} unishare --version start-up (target ≤ ${target.millis} ms, ≤ ${target.megabytes} MB, bundled warm)`
  )
  for (const figure of figures) console.log(format(figure))
  if (!ok) process.exitCode = 1
}
