/**
 * The bench harness: a suite returns rows (what was measured, the figure, the target, pass or
 * fail); `main.ts` runs every suite, prints one table and exits non-zero when a target is missed.
 * To add rows, write a module exporting a `Suite` and list it in `suites.ts`.
 */

/** One line of the table. `ok` is `undefined` for a figure without a target (information only). */
export interface Row {
  readonly name: string
  readonly value: string
  readonly target: string
  readonly ok: boolean | undefined
}

/** A group of rows, measured together. */
export interface Suite {
  readonly name: string
  readonly run: () => Promise<ReadonlyArray<Row>>
}

/** The median of some numbers. */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** CPU time (user + system, all threads of this process) of `run`, in milliseconds. */
export const cpuMillis = async (run: () => Promise<unknown> | unknown): Promise<number> => {
  const start = process.cpuUsage()
  await run()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / 1_000
}

/**
 * Runs `a` and `b` alternately `rounds` times after one warm-up each (so both see the same machine
 * load) and returns the median of each and the median of the per-round ratios `a / b` (each pair
 * ran back to back, so a load change on a shared machine moves both sides of a ratio alike).
 */
export const interleaved = async (
  rounds: number,
  a: () => Promise<number>,
  b: () => Promise<number>
): Promise<{ readonly a: number; readonly b: number; readonly ratio: number }> => {
  await a()
  await b()
  const as: Array<number> = []
  const bs: Array<number> = []
  for (let i = 0; i < rounds; i++) {
    // alternate which goes first, too
    if (i % 2 === 0) {
      as.push(await a())
      bs.push(await b())
    } else {
      bs.push(await b())
      as.push(await a())
    }
  }
  const ratios = as.map((x, i) => x / (bs[i] ?? Number.NaN))
  return { a: median(as), b: median(bs), ratio: median(ratios) }
}

const fmt = (n: number, digits = 2) => n.toLocaleString("en", { maximumFractionDigits: digits })

/** A row that compares a ratio with a maximum. */
export const ratioRow = (name: string, ratio: number, max: number, detail = ""): Row => ({
  name,
  value: `${fmt(ratio)}×${detail === "" ? "" : ` (${detail})`}`,
  target: `≤ ${fmt(max)}×`,
  ok: ratio <= max
})

/** A row that compares a figure with a maximum. */
export const maxRow = (name: string, value: number, max: number, unit: string, digits = 1): Row => ({
  name,
  value: `${fmt(value, digits)} ${unit}`,
  target: `< ${fmt(max, digits)} ${unit}`,
  ok: value < max
})

/** Prints the rows as a Markdown table (section headers between suites). */
export const print = (sections: ReadonlyArray<{ readonly name: string; readonly rows: ReadonlyArray<Row> }>) => {
  const lines = ["| what | measured | target | ok |", "| --- | --- | --- | --- |"]
  for (const section of sections) {
    lines.push(`| **${section.name}** | | | |`)
    for (const row of section.rows) {
      const ok = row.ok === undefined ? "" : row.ok ? "yes" : "**MISSED**"
      lines.push(`| ${row.name} | ${row.value} | ${row.target} | ${ok} |`)
    }
  }
  console.log(lines.join("\n"))
}
