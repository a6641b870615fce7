/**
 * Runs the longest test files first, by the durations the suite recorded (`test/durations.json`,
 * written by `SlowestReporter` with `UNISHARE_TEST_DURATIONS`). On two workers the run then ends
 * when the work does, not when a long file that started last does. vitest's own order needs a
 * previous run's cache, which a fresh clone (CI) does not have: it falls back to file size, and our
 * longest files (the fault matrix: a few lines per transport) are among the smallest.
 *
 * Files not recorded yet go first (they may be long), largest first, as vitest orders them.
 *
 * @example
 * ```ts
 * // vitest.config.ts
 * // test: { sequence: { sequencer: DurationSequencer } }
 * ```
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { BaseSequencer, type TestSpecification } from "vitest/node"
import type { Durations } from "./SlowestReporter.ts"

/** Where the recorded durations live. */
export const durationsFile = Path.resolve(import.meta.dirname, "..", "durations.json")

const recorded = (root: string): ReadonlyMap<string, number> => {
  if (!Fs.existsSync(durationsFile)) return new Map()
  const durations = JSON.parse(Fs.readFileSync(durationsFile, "utf8")) as Durations
  return new Map(durations.files.map((f) => [Path.resolve(root, f.name), f.millis]))
}

/**
 * A vitest sequencer: longest recorded file first, unrecorded files before all of them.
 *
 * @example
 * ```ts
 * import DurationSequencer from "./DurationSequencer.ts"
 * const sequencer: typeof DurationSequencer = DurationSequencer
 * ```
 */
export default class DurationSequencer extends BaseSequencer {
  override async sort(files: Array<TestSpecification>): Promise<Array<TestSpecification>> {
    const byDuration = recorded(this.ctx.config.root)
    const unknown = files.filter((f) => !byDuration.has(f.moduleId))
    const known = files.filter((f) => byDuration.has(f.moduleId))
    const unknownFirst = await super.sort(unknown)
    const longestFirst = known.sort((a, b) => (byDuration.get(b.moduleId) ?? 0) - (byDuration.get(a.moduleId) ?? 0))
    return [...unknownFirst, ...longestFirst]
  }
}
