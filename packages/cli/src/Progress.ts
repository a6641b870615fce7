/**
 * A progress bar on stderr for `apply`, drawn only when stderr is a terminal (never in pipes, so
 * logs and `--json` output stay clean).
 *
 * @since 0.1.0
 */
import type { Migration } from "@unishare/migration"
import { Effect } from "effect"

/**
 * Renders one bar line.
 *
 * @example
 * ```ts
 * import { Progress } from "@unishare/cli"
 * Progress.render({ done: 5, total: 10, failed: 0, unit: "eci:list:1|replace" }, 10) // "[#####.....] 5/10 units"
 * ```
 */
export const render = (p: Migration.Progress, width = 30): string => {
  const filled = p.total === 0 ? width : Math.round((p.done / p.total) * width)
  const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`
  return `${bar} ${p.done}/${p.total} units${p.failed > 0 ? `, ${p.failed} failed` : ""}`
}

/**
 * A progress callback for `Migration.apply`: redraws the bar on a TTY, does nothing otherwise.
 * Call `finish` afterwards to end the line.
 *
 * @example
 * ```ts
 * import { Progress } from "@unishare/cli"
 * const bar = Progress.make("Applying")
 * ```
 */
export const make = (
  label: string,
  stream: NodeJS.WriteStream = process.stderr
): {
  readonly onProgress: (p: Migration.Progress) => Effect.Effect<void>
  readonly finish: Effect.Effect<void>
} => {
  const tty = stream.isTTY === true
  let drawn = false
  let last = 0
  return {
    onProgress: (p) =>
      Effect.sync(() => {
        if (!tty) return
        const now = Date.now()
        if (p.done !== p.total && now - last < 50) return
        last = now
        drawn = true
        stream.write(`\r${label} ${render(p, Math.max(10, Math.min(40, (stream.columns || 80) - label.length - 30)))}`)
      }),
    finish: Effect.sync(() => {
      if (tty && drawn) stream.write("\n")
    })
  }
}
