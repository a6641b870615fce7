/**
 * Durable apply: the workflow engine's time per unit (embedded SQLite store, and PostgreSQL) against
 * a zero-latency target (the memory provider), compared with the in-memory `Migration.apply`, and
 * units per second for each; the embedded store's size per unit.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Grantee, MemoryProvider, ShareStatus } from "@unishare/core"
import { DurableApply, IdentityMap, Migration, ResourceMap, type Snapshot } from "@unishare/migration"
import { Effect, Redacted } from "effect"
import * as Postgres from "../../test/support/postgres.ts"
import { maxRow, type Row, type Suite } from "./harness.ts"

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

const measure = async () => {
  const direct = await time("direct", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const { target, plan } = yield* setup()
        return (yield* Migration.apply(plan, target, { concurrency: CONCURRENCY })).applied
      })
    )
  )
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-bench-"))
  let n = 0
  let embedded: number
  let storeBytes: number
  try {
    embedded = await time("embedded", () =>
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
    storeBytes = Fs.readdirSync(dir).reduce((sum, f) => sum + Fs.statSync(Path.join(dir, f)).size, 0) / n
  } finally {
    Fs.rmSync(dir, { recursive: true, force: true })
  }
  const server = await Postgres.start()
  let postgres: number
  try {
    postgres = await time("postgres", () =>
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
  return { direct, embedded, postgres, storeBytes }
}

const info = (name: string, value: string): Row => ({ name, value, target: "", ok: undefined })

export const durable: Suite = {
  name: `durable apply: ${UNITS} units against a zero-latency target, concurrency ${CONCURRENCY}`,
  run: async () => {
    const m = await measure()
    const overhead = (millis: number) => (millis - m.direct) / UNITS
    const rate = (millis: number) => `${((UNITS / millis) * 1_000).toFixed(0)} units/s`
    return [
      maxRow("engine time per unit, embedded SQLite", overhead(m.embedded), 10, "ms", 2),
      info("engine time per unit, PostgreSQL", `${overhead(m.postgres).toFixed(2)} ms`),
      info("units/s: direct / embedded / PostgreSQL", `${rate(m.direct)} / ${rate(m.embedded)} / ${rate(m.postgres)}`),
      info("embedded store per unit", `${(m.storeBytes / UNITS / 1024).toFixed(1)} KB`)
    ]
  }
}
