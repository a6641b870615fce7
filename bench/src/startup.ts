/**
 * `unishare --version` start-up, bundled bin (cold and warm compile cache) against the TypeScript
 * sources: wall time, CPU time and peak memory of a fresh process. The measurement lives beside the
 * bin (`packages/cli/bench/startup.bench.ts`, also runnable on its own); this suite puts its
 * figures in the table, the bundled ones against the target.
 */
import { measureStartup, target, withinTarget } from "../../packages/cli/bench/startup.bench.ts"
import type { Row, Suite } from "./harness.ts"

/**
 * The start-up suite.
 *
 * @example
 * ```ts
 * import { startup } from "./startup.ts"
 * const rows = await startup.run()
 * ```
 */
export const startup: Suite = {
  name: "unishare start-up",
  run: async () => {
    const figures = await measureStartup(7)
    return figures.map(
      (figure, i): Row => ({
        name: `unishare --version: ${figure.name}`,
        value: `${figure.medianMillis.toFixed(0)} ms (CPU ${figure.cpuMillis.toFixed(0)} ms), ${figure.peakMegabytes.toFixed(1)} MB`,
        // the two bundled variants are the product; the source run is the figure they replace
        target: i < 2 ? `≤ ${target.millis} ms, ≤ ${target.megabytes} MB` : "—",
        ok: i < 2 ? withinTarget(figure) : undefined
      })
    )
  }
}
