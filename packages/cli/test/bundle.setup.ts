/**
 * Vitest global setup: bundles the `unishare` executable once per test run, so the CLI tests spawn
 * the same single-file bin that is published (`dist/bin.js`), not the TypeScript sources.
 */
import { bundle } from "../scripts/bundle.ts"

export const setup = async (): Promise<void> => {
  await bundle()
}
