import { defineConfig } from "vitest/config"
import DurationSequencer from "./test/support/DurationSequencer.ts"
import { hangGuardMillis } from "./test/support/hangGuard.ts"

/**
 * Files that need more than this process: PostgreSQL, child processes of the bundled bin, packed
 * tarballs, a browser or a TypeDoc build. `pnpm test:fast` (vitest.fast.config.ts) leaves them out;
 * `pnpm test` runs them all.
 */
export const slowFiles = ["**/*.e2e.test.ts", "**/*.browser.test.ts", "test/consumer.test.ts", "test/docs.test.ts"]

/** Every test file. */
export const allFiles = ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"]

export default defineConfig({
  test: {
    include: allFiles,
    // the CLI tests spawn the bundled bin: build it once per run; and one throwaway PostgreSQL for
    // the run (installed with apt-get when missing): inject("postgresUrl")
    globalSetup: ["packages/cli/test/bundle.setup.ts", "test/support/globalSetup.ts"],
    benchmark: { include: ["packages/*/bench/**/*.bench.ts", "test/**/*.bench.ts"] },
    // hang guards only (no test waits for time): one setting, see test/support/hangGuard.ts
    testTimeout: hangGuardMillis,
    hookTimeout: hangGuardMillis,
    teardownTimeout: hangGuardMillis,
    pool: "forks",
    maxWorkers: 2,
    // longest files first (test/durations.json): two workers finish together
    sequence: { sequencer: DurationSequencer },
    reporters: ["default", "./test/support/SlowestReporter.ts"]
  }
})
