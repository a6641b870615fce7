/**
 * Vitest global setup: bundles the `unishare` executable once per test run (into `.test-bin/`, see
 * `testBin.ts`), so the CLI tests spawn the same single-file bin that is published, not the
 * TypeScript sources.
 */
import { bundle } from "../scripts/bundle.ts"
import { testBinDir } from "./testBin.ts"

export const setup = async (): Promise<void> => {
  await bundle(testBinDir)
}
