/**
 * Every suite `pnpm bench` runs, in order. Add a suite here to add rows to the table.
 */
import { durable } from "./durable.ts"
import type { Suite } from "./harness.ts"
import { httpOverhead } from "./httpOverhead.ts"
import { limiter, limiterBusy } from "./limiter.ts"
import { listing } from "./listing.ts"
import { planner } from "./planner.ts"
import { requestCounts } from "./requests.ts"
import { startup } from "./startup.ts"

export const suites: ReadonlyArray<Suite> = [
  planner,
  listing({ n: 10_000, rounds: 21 }),
  httpOverhead({ requests: 250, rounds: 31 }),
  requestCounts,
  limiter,
  limiterBusy,
  startup,
  durable
]
