/**
 * A vitest reporter that ends every run with the suite's health: the slowest test files (wall time
 * of each file: set-up, import and tests) and the slowest tests, so that a slow test is seen the day
 * it lands. With `UNISHARE_TEST_DURATIONS=<file>` it also writes every file's and test's duration
 * as JSON; `test/durations.json`, made so by a full run on a quiet machine, is the order in which
 * `DurationSequencer` starts the files (longest first).
 *
 * vitest's own `slowTestThreshold` only colours a test; nothing in it ranks them, hence this module.
 *
 * @example
 * ```ts
 * // vitest.config.ts
 * // test: { reporters: ["default", "./test/support/SlowestReporter.ts"] }
 * ```
 */
import * as Fs from "node:fs"
import type { Reporter, TestModule } from "vitest/node"

/** One measured file or test. */
export interface Timing {
  readonly name: string
  readonly millis: number
}

/** What the reporter writes to `UNISHARE_TEST_DURATIONS`. */
export interface Durations {
  readonly files: ReadonlyArray<Timing>
  readonly tests: ReadonlyArray<Timing>
}

/** How many rows of each ranking are printed. */
const shown = 10

const seconds = (millis: number) => `${(millis / 1000).toFixed(1).padStart(6)} s`

/** Every file's and test's duration, slowest first. */
export const durationsOf = (modules: ReadonlyArray<TestModule>): Durations => {
  const files: Array<Timing> = []
  const tests: Array<Timing> = []
  for (const module of modules) {
    const d = module.diagnostic()
    files.push({
      name: module.relativeModuleId,
      millis: d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration + d.duration
    })
    for (const test of module.children.allTests()) {
      const millis = test.diagnostic()?.duration
      if (millis !== undefined) tests.push({ name: `${module.relativeModuleId} > ${test.fullName}`, millis })
    }
  }
  const slowestFirst = (a: Timing, b: Timing) => b.millis - a.millis
  return { files: files.sort(slowestFirst), tests: tests.sort(slowestFirst) }
}

/**
 * Prints the ten slowest files and tests after the run (and writes all of them where
 * `UNISHARE_TEST_DURATIONS` says).
 *
 * @example
 * ```ts
 * import SlowestReporter from "./SlowestReporter.ts"
 * const reporter = new SlowestReporter()
 * ```
 */
export default class SlowestReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const durations = durationsOf(modules)
    const out = process.stdout
    const clip = (name: string) => (name.length > 140 ? `${name.slice(0, 139)}…` : name)
    out.write(`\nSlowest test files (of ${durations.files.length}):\n`)
    for (const f of durations.files.slice(0, shown)) out.write(`  ${seconds(f.millis)}  ${f.name}\n`)
    out.write(`Slowest tests (of ${durations.tests.length}):\n`)
    for (const t of durations.tests.slice(0, shown)) out.write(`  ${seconds(t.millis)}  ${clip(t.name)}\n`)
    const target = process.env.UNISHARE_TEST_DURATIONS
    if (target !== undefined && target !== "") Fs.writeFileSync(target, `${JSON.stringify(durations, null, 2)}\n`)
  }
}
