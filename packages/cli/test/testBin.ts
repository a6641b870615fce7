/**
 * Where the test run's bundled `unishare` lives: `packages/cli/.test-bin/bin.js`, built once per run
 * by `bundle.setup.ts` with the same `bundle()` that builds the published `dist/bin.js`. Its own
 * directory, because packing (the consumer test's `prepack`: `tsc` then the bundle) rewrites `dist/`
 * while other tests are spawning the bin.
 *
 * @example
 * ```ts
 * import { testBin } from "./testBin.ts"
 * // spawn(process.execPath, [testBin, "--version"])
 * ```
 */
import * as Path from "node:path"

/** The directory of the test run's bundle. */
export const testBinDir: string = Path.resolve(import.meta.dirname, "..", ".test-bin")

/** The test run's `unishare` executable. */
export const testBin: string = Path.join(testBinDir, "bin.js")
