/**
 * Planner scaling: n current shares against n desired grants at 10k, 100k and 1M — CPU time
 * (median), time per share across sizes, and the memory the plan retains per share.
 */
import { Planner } from "@unishare/core"
import { Result } from "effect"
import { cpuMillis, maxRow, median, type Row, ratioRow, type Suite } from "./harness.ts"
import { capabilities, plannerInput } from "./plannerData.ts"

const gc = () => (globalThis as { gc?: () => void }).gc?.()

const measure = async (n: number, runs: number) => {
  const { current, desired } = plannerInput(n)
  const plan = () => Result.getOrThrow(Planner.plan(current, desired, capabilities))
  plan() // warm-up
  const times: Array<number> = []
  for (let i = 0; i < runs; i++) {
    gc()
    times.push(await cpuMillis(plan))
  }
  gc()
  const before = process.memoryUsage().heapUsed
  const kept = plan()
  gc()
  const retained = process.memoryUsage().heapUsed - before
  if (kept.operations.length === 0) throw new Error("planner bench: empty plan")
  return { millis: median(times), retainedPerShare: retained / n }
}

export const planner: Suite = {
  name: "planner: n current shares vs n desired grants (CPU ms, median)",
  run: async () => {
    if ((globalThis as { gc?: unknown }).gc === undefined) throw new Error("run with node --expose-gc")
    const small = await measure(10_000, 9)
    const medium = await measure(100_000, 5)
    const large = await measure(1_000_000, 3)
    const perShare = (m: { millis: number }, n: number) => (m.millis / n) * 1_000
    const rows: Array<Row> = [
      {
        name: "plan 10,000 vs 10,000",
        value: `${small.millis.toFixed(1)} ms`,
        target: "—",
        ok: undefined
      },
      maxRow("plan 100,000 vs 100,000", medium.millis, 200, "ms"),
      maxRow("plan 1,000,000 vs 1,000,000", large.millis, 2_000, "ms", 0),
      ratioRow(
        "time per share, 1M / 10k (linear: constant)",
        perShare(large, 1_000_000) / perShare(small, 10_000),
        1.5,
        `${perShare(large, 1_000_000).toFixed(2)} / ${perShare(small, 10_000).toFixed(2)} µs`
      ),
      ratioRow(
        "retained memory per share, 1M / 10k (linear: constant)",
        large.retainedPerShare / small.retainedPerShare,
        1.5,
        `${large.retainedPerShare.toFixed(0)} / ${small.retainedPerShare.toFixed(0)} B`
      )
    ]
    return rows
  }
}
