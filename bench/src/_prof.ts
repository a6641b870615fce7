import { Planner } from "@unishare/core"
import { Result } from "effect"
import { capabilities, plannerInput } from "./plannerData.ts"

const n = Number(process.argv[2] ?? 1_000_000)
const { current, desired } = plannerInput(n)
for (let i = 0; i < 3; i++) {
  const t = performance.now()
  const c = process.cpuUsage()
  const p = Result.getOrThrow(Planner.plan(current, desired, capabilities))
  const cu = process.cpuUsage(c)
  console.log(
    n,
    (performance.now() - t).toFixed(0),
    "ms wall",
    ((cu.user + cu.system) / 1000).toFixed(0),
    "ms cpu",
    p.operations.length
  )
}
