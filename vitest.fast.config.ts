import { defineConfig } from "vitest/config"
import DurationSequencer from "./test/support/DurationSequencer.ts"
import { hangGuardMillis } from "./test/support/hangGuard.ts"
import { allFiles, slowFiles } from "./vitest.config.ts"

/**
 * `pnpm test:fast`: every unit and property test, in-process simulators only (no PostgreSQL, no
 * child processes, no packing, no browser). The inner loop; `pnpm test` stays the full run.
 */
export default defineConfig({
  test: {
    include: allFiles,
    exclude: ["**/node_modules/**", ...slowFiles],
    testTimeout: hangGuardMillis,
    hookTimeout: hangGuardMillis,
    teardownTimeout: hangGuardMillis,
    pool: "forks",
    // the fault matrix's two files mostly wait on deadlines: a third worker keeps both cores busy
    maxWorkers: 3,
    // longest files first (test/durations.json): two workers finish together
    sequence: { sequencer: DurationSequencer },
    reporters: ["default", "./test/support/SlowestReporter.ts"]
  }
})
