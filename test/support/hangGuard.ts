/**
 * The one setting behind every hang guard of the test suite. No test waits for time to pass: each
 * waits for an event (a line on stdout, a row in the store, a request in a simulator's log), and a
 * timeout exists only so that a wait that never ends fails instead of hanging the run. Every such
 * timeout (vitest's test, hook and teardown timeouts, `until`, child processes) derives from
 * `hangGuardMillis`, so a slower machine needs one change: `UNISHARE_TEST_HANG_GUARD_SECONDS`.
 *
 * @example
 * ```ts
 * import { hangGuardMillis, innerHangGuardMillis } from "./hangGuard.ts"
 * const waitAtMost = innerHangGuardMillis // a wait inside a test gives up before the test does
 * ```
 */

const fromEnvironment = (): number => {
  const raw = process.env.UNISHARE_TEST_HANG_GUARD_SECONDS
  if (raw === undefined || raw === "") return 600_000
  const seconds = Number(raw)
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(`UNISHARE_TEST_HANG_GUARD_SECONDS must be a positive number of seconds, got ${JSON.stringify(raw)}`)
  }
  return Math.round(seconds * 1000)
}

/** How long any one test, hook or worker teardown may take before it counts as hung (default 600 s). */
export const hangGuardMillis: number = fromEnvironment()

/** How long a wait inside a test may take: shorter than the test's own guard, so it fails with its own message. */
export const innerHangGuardMillis: number = Math.round(hangGuardMillis * 0.8)
