/**
 * A tiny benchmark harness: runs a function after a warm-up, prints min / median / max wall time and
 * the heap growth, and tells whether the median is within budget.
 *
 * @example
 * ```ts
 * measure({ name: "noop", budgetMillis: 1, iterations: 3, run: () => {} })
 * ```
 */
export const measure = (options: {
  readonly name: string
  readonly budgetMillis: number
  readonly iterations: number
  readonly run: () => void
}): boolean => {
  options.run()
  globalThis.gc?.()
  const heapBefore = process.memoryUsage().heapUsed
  const times: Array<number> = []
  for (let i = 0; i < options.iterations; i++) {
    const start = performance.now()
    options.run()
    times.push(performance.now() - start)
  }
  const heapAfter = process.memoryUsage().heapUsed
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)]!
  const ok = median <= options.budgetMillis
  console.log(
    `${ok ? "ok  " : "SLOW"} ${options.name}\n  median ${median.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times.at(-1)!.toFixed(1)}) budget ${options.budgetMillis} ms; heap ${((heapAfter - heapBefore) / 1e6).toFixed(1)} MB growth over ${options.iterations} runs`
  )
  return ok
}
