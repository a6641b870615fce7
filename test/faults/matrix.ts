/**
 * The fault matrix: every transport (`FetchTransport`, which `HttpApi` drives with `fetch` directly,
 * and effect's `FetchHttpClient` as a generic `HttpClient`) × adapter × operation × fault kind,
 * transient (one hit) and persistent (every matching request), each on its own simulator. A cell passes when the operation finished
 * within the deadline with a typed outcome, a success left the intended state, a failure after
 * which the state changed said `maybeApplied`, a transient fault on a read was absorbed, no grantee
 * ended up shared twice and no create reached the provider twice. The matrix is printed as a table.
 * Each transport's matrix is its own test file (`faults.*.test.ts`), so the two run side by side.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  type AdapterName,
  adapters,
  faultKinds,
  fixture,
  type Operation,
  operations,
  runCell,
  type TransportName
} from "./harness.ts"

interface Row {
  readonly transport: TransportName
  readonly adapter: AdapterName
  readonly op: Operation["name"]
  readonly fault: string
  readonly persistent: boolean
  readonly label: string
  readonly violations: ReadonlyArray<string>
}

const cellsOf = (transport: TransportName) =>
  adapters.flatMap((adapter) =>
    operations.flatMap((op) =>
      [undefined, ...faultKinds].flatMap((kind) =>
        (kind === undefined ? [false] : [false, true]).map((persistent) => ({
          transport,
          adapter,
          op,
          kind,
          persistent
        }))
      )
    )
  )

const table = (transport: TransportName, all: ReadonlyArray<Row>): string => {
  const rows = all.filter((r) => r.transport === transport)
  const columns = ["none", ...faultKinds.map((k) => k.name)]
  const header = ["adapter", "op", ...columns]
  const lines = [header]
  for (const adapter of adapters) {
    for (const op of operations) {
      const line: Array<string> = [adapter, op.name]
      for (const column of columns) {
        const of = (persistent: boolean) =>
          rows.find(
            (r) => r.adapter === adapter && r.op === op.name && r.fault === column && r.persistent === persistent
          )
        const t = of(false)
        const p = column === "none" ? undefined : of(true)
        const mark = (r: Row | undefined) => (r === undefined ? "" : `${r.label}${r.violations.length > 0 ? "!" : ""}`)
        line.push(p === undefined ? mark(t) : `${mark(t)} / ${mark(p)}`)
      }
      lines.push(line)
    }
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? "").length)))
  return `on ${transport}:\n${lines.map((l) => l.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")).join("\n")}`
}

/**
 * The fault matrix on one transport, as a vitest suite: every adapter × operation × fault kind,
 * transient and persistent. Each transport is its own test file, so the two run side by side.
 *
 * @example
 * ```ts
 * import { faultMatrix } from "./matrix.ts"
 * faultMatrix("FetchTransport")
 * ```
 */
export const faultMatrix = (transport: TransportName): void => {
  const cells = cellsOf(transport)
  describe(`fault matrix on ${transport}`, () => {
    it.live(`${cells.length} cells: finish, typed, honest maybeApplied, no duplicate, no lost write`, () =>
      Effect.gen(function* () {
        const rows = yield* Effect.forEach(
          cells,
          ({ transport, adapter, op, kind, persistent }) =>
            Effect.scoped(
              Effect.gen(function* () {
                const f = yield* fixture(adapter, transport)
                const outcome = yield* runCell(f, f.shareA, op, kind, persistent)
                return {
                  transport,
                  adapter,
                  op: op.name,
                  fault: kind?.name ?? "none",
                  persistent,
                  label: outcome.label,
                  violations: outcome.violations
                } satisfies Row
              })
            ),
          // the cells mostly wait for short deadlines: many at once cost little CPU
          { concurrency: 32 }
        )
        console.log(
          `fault matrix (transient / persistent; ok = success, Tag? = Unavailable with maybeApplied, ! = violation)\n${table(transport, rows)}`
        )
        const failures = rows.flatMap((r) =>
          r.violations.map(
            (v) => `${r.transport} ${r.adapter} ${r.op} ${r.fault} ${r.persistent ? "persistent" : "transient"}: ${v}`
          )
        )
        assert.deepStrictEqual(failures, [])
        // Sanity: the matrix ran every cell, and unfaulted cells all succeed.
        assert.strictEqual(rows.length, cells.length)
        assert.isTrue(rows.filter((r) => r.fault === "none").every((r) => r.label === "ok"))
      })
    )
  })
}
