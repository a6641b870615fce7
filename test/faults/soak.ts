/**
 * Soak benchmark (`pnpm bench:soak`): thousands of mixed neutral operations (list, get, grant,
 * update, revoke, sync) across the three adapters, each on its simulators, with a share of them
 * (5% by default) hit by a transient fault of a random kind. Every operation is checked like a
 * cell of the fault matrix (finished, typed, honest `maybeApplied`, no duplicate, a success left the
 * intended state); a failed write is re-run, as a caller would, until it succeeds; at the end each
 * resource's state must equal the state the successful operations intended. Prints its figures
 * and exits non-zero on any violation.
 *
 *   pnpm bench:soak [--ops 6000] [--fault-rate 0.05] [--lanes 4] [--seed 1]
 */
import { parseArgs } from "node:util"
import { Grantee, type Share, Sync } from "@unishare/core"
import { Effect, Stream } from "effect"
import {
  type AdapterName,
  adapters,
  type FaultKind,
  type Fixture,
  faultKinds,
  fixture,
  type Operation,
  readState,
  runCell,
  type State
} from "./harness.ts"

/** Soak settings. */
export interface SoakOptions {
  readonly ops: number
  readonly faultRate: number
  /** Resources (one simulator each) per adapter, worked in parallel. */
  readonly lanes: number
  readonly seed: number
}

/** What the soak counted. */
export interface SoakFigures {
  readonly ops: number
  readonly byOperation: Record<string, number>
  readonly faults: Record<string, number>
  readonly outcomes: Record<string, number>
  readonly reruns: number
  readonly hangs: number
  readonly untyped: number
  readonly violations: ReadonlyArray<string>
  readonly finalMismatches: ReadonlyArray<string>
  readonly millis: number
}

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed with its seed. */
const random = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const keyOf = (g: Grantee.Grantee) => Grantee.describe(g)

const setLevel = (state: State, g: Grantee.Grantee, level: string | undefined): State => {
  const next = new Map(state)
  if (level === undefined) next.delete(keyOf(g))
  else next.set(keyOf(g), level as never)
  return next
}

/** Picks the next operation from the current state. */
const nextOperation = (f: Fixture, shares: ReadonlyArray<Share.Share>, state: State, rnd: () => number): Operation => {
  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(rnd() * items.length)] as A
  const held = f.grantees.flatMap((g) => {
    const share = shares.find(
      (s) => Grantee.same(s.grantee, g) && s.status._tag !== "revoked" && s.status._tag !== "revoking"
    )
    return share === undefined ? [] : [{ grantee: g, share }]
  })
  const kind = pick(["list", "get", "grant", "grant", "update", "revoke", "revoke", "sync"] as const)
  if ((kind === "get" || kind === "update" || kind === "revoke") && held.length > 0) {
    const { grantee, share } = pick(held)
    if (kind === "get") {
      return { name: "get", writes: false, run: (x) => x.provider.get(x.resource, share.id), intended: (_, s) => s }
    }
    if (kind === "revoke") {
      return {
        name: "revoke",
        writes: true,
        run: (x) => x.provider.revoke(x.resource, share.id),
        intended: (_, s) => setLevel(s, grantee, undefined)
      }
    }
    const level = f.updateLevel !== f.level && state.get(keyOf(grantee)) === f.updateLevel ? f.level : f.updateLevel
    return {
      name: "update",
      writes: true,
      run: (x) => x.provider.update(x.resource, share.id, level),
      intended: (_, s) => setLevel(s, grantee, level)
    }
  }
  if (kind === "sync") {
    const desired = f.grantees.filter(() => rnd() < 0.5)
    return {
      name: "sync",
      writes: true,
      run: (x) =>
        Sync.sync(
          x.provider,
          x.resource,
          desired.map((grantee) => ({ grantee, level: f.level }))
        ),
      intended: () => new Map(desired.map((g) => [keyOf(g), f.level]))
    }
  }
  if (kind === "list") {
    return {
      name: "list",
      writes: false,
      run: (x) => Stream.runCollect(x.provider.list(x.resource)),
      intended: (_, s) => s
    }
  }
  const grantee = pick(f.grantees)
  return {
    name: "grant",
    writes: true,
    run: (x) => x.provider.grant(x.resource, { grantee, level: f.level }),
    intended: (_, s) => setLevel(s, grantee, f.level)
  }
}

const same = (a: State, b: State) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v)
const show = (s: State) => `{${[...s].map(([k, v]) => `${k}: ${v}`).join(", ")}}`
const bump = (record: Record<string, number>, key: string) => {
  record[key] = (record[key] ?? 0) + 1
}

/**
 * Runs the soak: `lanes` resources per adapter worked in parallel, `ops` operations in all.
 *
 * @example
 * ```ts
 * const figures = await runSoak({ ops: 300, faultRate: 0.05, lanes: 2, seed: 1 })
 * ```
 */
export const runSoak = (options: SoakOptions): Promise<SoakFigures> =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const started = Date.now()
        const figures = {
          byOperation: {} as Record<string, number>,
          faults: {} as Record<string, number>,
          outcomes: {} as Record<string, number>,
          reruns: 0,
          hangs: 0,
          untyped: 0,
          violations: [] as Array<string>,
          finalMismatches: [] as Array<string>
        }
        const lanes: Array<{ adapter: AdapterName; index: number }> = adapters.flatMap((adapter) =>
          Array.from({ length: options.lanes }, (_, index) => ({ adapter, index }))
        )
        const perLane = Math.ceil(options.ops / lanes.length)
        let done = 0
        yield* Effect.forEach(
          lanes,
          ({ adapter, index }, laneNumber) =>
            Effect.gen(function* () {
              const rnd = random(options.seed * 1_000 + laneNumber)
              const f = yield* fixture(adapter)
              let model: State = new Map([[keyOf(f.grantees[0]), f.level]])
              for (let i = 0; i < perLane; i++) {
                const shares = yield* Stream.runCollect(f.reader.list(f.resource)).pipe(Effect.orDie)
                const op = nextOperation(f, shares, model, rnd)
                const kind: FaultKind | undefined =
                  rnd() < options.faultRate ? faultKinds[Math.floor(rnd() * faultKinds.length)] : undefined
                bump(figures.byOperation, `${adapter} ${op.name}`)
                if (kind !== undefined) bump(figures.faults, kind.name)
                const where = `${adapter}#${index} op ${i} ${op.name}${kind !== undefined ? ` under ${kind.name}` : ""}`
                let outcome = yield* runCell(f, f.shareA, op, kind, false)
                const intended = op.intended(f, model)
                let reruns = 0
                for (;;) {
                  bump(figures.outcomes, outcome.label)
                  if (outcome.label === "hang") figures.hangs++
                  if (outcome.label === "defect") figures.untyped++
                  figures.violations.push(...outcome.violations.map((v) => `${where}: ${v}`))
                  if (outcome.label === "ok" || !op.writes || reruns >= 3) break
                  // a failed write is run again, as a caller told "maybe applied" would
                  reruns++
                  figures.reruns++
                  outcome = yield* runCell(f, f.shareA, op, undefined, false)
                }
                if (op.writes) {
                  if (outcome.label === "ok") model = intended
                  else figures.violations.push(`${where}: still failing after ${reruns} re-runs (${outcome.label})`)
                }
                done++
                if (done % 500 === 0) process.stderr.write(`  ${done} operations…\n`)
              }
              const final = (yield* readState(f)).state
              if (!same(final, model)) {
                figures.finalMismatches.push(`${adapter}#${index}: state ${show(final)}, intended ${show(model)}`)
              }
            }),
          { concurrency: "unbounded" }
        )
        return { ops: done, ...figures, millis: Date.now() - started }
      })
    )
  )

const formatRecord = (record: Record<string, number>) =>
  Object.entries(record)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `    ${k.padEnd(28)} ${v}`)
    .join("\n")

const main = async () => {
  const { values } = parseArgs({
    options: {
      ops: { type: "string", default: "6000" },
      "fault-rate": { type: "string", default: "0.05" },
      lanes: { type: "string", default: "4" },
      seed: { type: "string", default: "1" }
    }
  })
  const options: SoakOptions = {
    ops: Number(values.ops),
    faultRate: Number(values["fault-rate"]),
    lanes: Number(values.lanes),
    seed: Number(values.seed)
  }
  process.stderr.write(
    `soak: ${options.ops} operations, ${options.faultRate * 100}% faulted, ${options.lanes} resources per adapter, seed ${options.seed}\n`
  )
  const figures = await runSoak(options)
  const faulted = Object.values(figures.faults).reduce((a, b) => a + b, 0)
  const lines = [
    `operations             ${figures.ops} in ${(figures.millis / 1000).toFixed(1)} s`,
    "  by adapter and operation:",
    formatRecord(figures.byOperation),
    `faults injected        ${faulted} (${((faulted / figures.ops) * 100).toFixed(1)}%)`,
    formatRecord(figures.faults),
    "outcomes (Tag? = Unavailable with maybeApplied; failed writes are re-run):",
    formatRecord(figures.outcomes),
    `re-runs of failed writes ${figures.reruns}`,
    `hangs                  ${figures.hangs}`,
    `untyped errors         ${figures.untyped}`,
    `violations             ${figures.violations.length} (lost, duplicate, success without the write, dishonest maybeApplied)`,
    `final state mismatches ${figures.finalMismatches.length}`
  ]
  console.log(lines.join("\n"))
  for (const v of [...figures.violations, ...figures.finalMismatches].slice(0, 50)) console.log(`  ! ${v}`)
  const failed =
    figures.hangs > 0 || figures.untyped > 0 || figures.violations.length > 0 || figures.finalMismatches.length > 0
  console.log(failed ? "SOAK FAILED" : "SOAK PASSED")
  process.exitCode = failed ? 1 : 0
}

if (import.meta.main) await main()
