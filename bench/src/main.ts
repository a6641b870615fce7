/**
 * `pnpm bench`: runs every suite, prints one table with the target beside each figure, and exits
 * non-zero when a target is missed (or a suite fails). `--only <text>` runs the suites whose name
 * contains the text.
 */
import { print, type Row } from "./harness.ts"
import { suites } from "./suites.ts"

const only = process.argv.indexOf("--only")
const filter = only >= 0 ? (process.argv[only + 1] ?? "") : ""
const sections: Array<{ name: string; rows: ReadonlyArray<Row> }> = []
let failed = false
for (const suite of suites) {
  if (filter !== "" && !suite.name.includes(filter)) continue
  const started = performance.now()
  try {
    const rows = await suite.run()
    sections.push({ name: suite.name, rows })
    if (rows.some((r) => r.ok === false)) failed = true
  } catch (error) {
    failed = true
    sections.push({
      name: suite.name,
      rows: [{ name: "suite failed", value: String(error), target: "—", ok: false }]
    })
  }
  console.error(`${suite.name}: ${((performance.now() - started) / 1_000).toFixed(1)} s`)
}
print(sections)
if (failed) {
  console.log("\nSome targets were missed.")
  process.exitCode = 1
}
