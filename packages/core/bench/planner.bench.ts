/**
 * Planner benchmark: 100,000 current shares against 100,000 desired grants.
 * Run with `pnpm bench`. Prints timings and memory; exits non-zero when the median exceeds the budget.
 */

import { Capabilities, Planner, type Share, ShareStatus } from "@unishare/core"
import { Result } from "effect"
import { measure } from "./measure.ts"

const resource = { provider: "memory", kind: "doc", id: "d1" }
const caps = Capabilities.make({
  provider: "memory",
  granteeKinds: ["User", "Group"],
  levels: ["viewer", "commenter", "editor", "sharer", "admin"]
})
const levels = caps.levels
const N = 100_000

// current: 100k shares; desired keeps 90% of them (a third at another level), drops 10%, adds 10k
const current: Array<Share.Share> = Array.from({ length: N }, (_, i) => ({
  id: `s${i}`,
  resource,
  grantee: i % 2 === 0 ? { _tag: "User", email: `user${i}@example.com` } : { _tag: "Group", id: `g${i}` },
  level: levels[i % levels.length]!,
  status: ShareStatus.active,
  inherited: false
}))
const desired: Array<Share.Grant> = []
for (let i = 0; i < N; i++) {
  if (i % 10 === 0) continue
  const share = current[i]!
  desired.push({ grantee: share.grantee, level: i % 3 === 0 ? levels[(i + 1) % levels.length]! : share.level })
}
for (let i = 0; i < N / 10; i++)
  desired.push({ grantee: { _tag: "User", email: `new${i}@example.com` }, level: "viewer" })

let summary: ReturnType<typeof Planner.summarize> | undefined
const ok = measure({
  name: `planner: ${N.toLocaleString("en")} current shares vs ${desired.length.toLocaleString("en")} desired grants`,
  budgetMillis: 500,
  iterations: 7,
  run: () => {
    summary = Planner.summarize(Result.getOrThrow(Planner.plan(current, desired, caps)))
  }
})
console.log(`  plan: ${JSON.stringify(summary)}`)
if (!ok) process.exitCode = 1
