/**
 * Durable apply benchmark: the engine's overhead per unit, embedded (SQLite) and PostgreSQL, against
 * a zero-latency target (the memory provider), compared with the in-memory `Migration.apply`.
 * Run with `pnpm bench`. Exits non-zero when the embedded overhead exceeds 10 ms per unit.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Grantee, MemoryProvider, ShareStatus } from "@unishare/core"
import { DurableApply, IdentityMap, Migration, ResourceMap, type Snapshot } from "@unishare/migration"
import { Effect, Redacted } from "effect"
import * as Postgres from "../../../test/support/postgres.ts"

const UNITS = 300
const CONCURRENCY = 4
const ITERATIONS = 3

const refs = Array.from({ length: UNITS }, (_, i) => ({ provider: "memory", kind: "doc", id: `d${i}` }))
const snapshot: Snapshot.Snapshot = {
  format: "unishare/snapshot",
  version: 1,
  provider: "memory",
  exportedAt: new Date(0).toISOString(),
  resources: refs.map((resource, i) => ({
    resource,
    shares: [
      {
        id: `s${i}`,
        grantee: Grantee.user({ email: `user${i}@example.com` }),
        level: "editor" as const,
        status: ShareStatus.active,
        inherited: false
      }
    ]
  }))
}

/** A fresh target and a fresh plan for it (a new plan id, so a new digest). */
const setup = () =>
  Effect.gen(function* () {
    const target = MemoryProvider.make({ resources: refs })
    const plan = yield* Migration.plan({
      snapshot,
      target,
      identities: IdentityMap.empty,
      resources: ResourceMap.fromEntries(refs.map((r) => ({ source: r, target: r })))
    })
    return { target, plan }
  })

const time = async (name: string, run: () => Promise<number>) => {
  const times: Array<number> = []
  for (let i = 0; i < ITERATIONS; i++) {
    const start = performance.now()
    const written = await run()
    times.push(performance.now() - start)
    if (written !== UNITS) throw new Error(`${name}: ${written} of ${UNITS} units applied`)
  }
  times.sort((a, b) => a - b)
  const median = times[Math.floor(times.length / 2)]!
  console.log(
    `  ${name}: median ${median.toFixed(0)} ms for ${UNITS} units (${((UNITS / median) * 1000).toFixed(0)} units/s)`
  )
  return median
}

const direct = await time("direct Migration.apply", () =>
  Effect.runPromise(
    Effect.gen(function* () {
      const { target, plan } = yield* setup()
      return (yield* Migration.apply(plan, target, { concurrency: CONCURRENCY })).applied
    })
  )
)

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-bench-"))
let n = 0
const embedded = await time("durable, embedded SQLite", () =>
  Effect.runPromise(
    Effect.gen(function* () {
      const { target, plan } = yield* setup()
      const report = yield* DurableApply.apply(plan, target, { concurrency: CONCURRENCY }).pipe(
        Effect.provide(DurableApply.layerEmbedded({ filename: Path.join(dir, `run${++n}.db`) }, target))
      )
      return report.applied
    }).pipe(Effect.scoped)
  )
)
const storeBytes = Fs.readdirSync(dir).reduce((n, f) => n + Fs.statSync(Path.join(dir, f)).size, 0) / n
console.log(`  embedded store: ${(storeBytes / UNITS / 1024).toFixed(1)} KB per unit`)
Fs.rmSync(dir, { recursive: true, force: true })

const server = await Postgres.start()
let postgres: number
try {
  postgres = await time("durable, PostgreSQL", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const { target, plan } = yield* setup()
        const report = yield* DurableApply.apply(plan, target, { concurrency: CONCURRENCY }).pipe(
          Effect.provide(DurableApply.layerPostgres({ database: Redacted.make(server.url) }, target))
        )
        return report.applied
      }).pipe(Effect.scoped)
    )
  )
} finally {
  server.stop()
}

const overhead = (median: number) => (median - direct) / UNITS
const ok = overhead(embedded) <= 10
console.log(
  `${ok ? "ok  " : "SLOW"} durable apply engine overhead per unit: embedded ${overhead(embedded).toFixed(2)} ms, ` +
    `PostgreSQL ${overhead(postgres).toFixed(2)} ms (budget 10 ms, concurrency ${CONCURRENCY})`
)
if (!ok) process.exitCode = 1
process.exit()
