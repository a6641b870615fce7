import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"],
    // the CLI tests spawn the bundled bin: build it once per run; and one throwaway PostgreSQL for
    // the run (installed with apt-get when missing): inject("postgresUrl")
    globalSetup: ["packages/cli/test/bundle.setup.ts", "test/support/globalSetup.ts"],
    benchmark: { include: ["packages/*/bench/**/*.bench.ts", "test/**/*.bench.ts"] },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2
  }
})
