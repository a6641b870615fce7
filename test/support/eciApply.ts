/**
 * `unishare apply` and `unishare verify` (the bundled bin, `--json`) against the EnergyCAP simulator,
 * durable in the default store beside the plan (`<plan>.run.db`): a run to its end with its JSON
 * summary (`applyJson`), a run SIGKILLed once the simulator has received a number of share writes
 * while it is still writing (`killAfterWrites`), and `verifyJson`. Only what the command prints and
 * what the simulator saw are read, never the run store's tables.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/eci/simulator"
 * import { applyJson, killAfterWrites } from "./eciApply.ts"
 * const crashThenResume = async (sim: Simulator.Simulator, plan: string) => {
 *   await killAfterWrites(sim, { url: sim.url, plan, concurrency: 8 }, 10)
 *   return applyJson({ url: sim.url, plan, concurrency: 8 })
 * }
 * ```
 */
import type * as Simulator from "@unishare/eci/simulator"
import { cli, killWhen } from "./cli.ts"
import { apiKey } from "./eciPlan.ts"

/** One apply: the simulator's URL, the plan file, `--concurrency` (the target's default when absent), `--dry-run`. */
export interface ApplyInput {
  readonly url: string
  readonly plan: string
  readonly concurrency?: number | undefined
  readonly dryRun?: boolean | undefined
}

/** The counts of `unishare apply --json` the durable-run tests judge a run by. */
export interface ApplySummary {
  readonly ok: boolean
  readonly units: number
  readonly applied: number
  readonly alreadyApplied: number
  readonly wouldApply: number
  readonly failed: number
  readonly notRun: number
}

/** What `unishare verify --json` prints: per resource, whether the target holds what the plan wants. */
export interface VerifySummary {
  readonly ok: boolean
  readonly resources: number
  readonly matching: number
  readonly drift: ReadonlyArray<unknown>
}

/** The environment of every command: `PATH` and the seeded API key (`ECI_API_KEY`), nothing else. */
export const env: Record<string, string> = { PATH: process.env.PATH ?? "", ECI_API_KEY: apiKey }

/** `unishare apply --plan … --eci-url … [--concurrency n] --json [--dry-run]`. */
export const applyArgs = (input: ApplyInput): ReadonlyArray<string> => [
  "apply",
  "--plan",
  input.plan,
  "--eci-url",
  input.url,
  ...(input.concurrency === undefined ? [] : ["--concurrency", String(input.concurrency)]),
  "--json",
  ...(input.dryRun === true ? ["--dry-run"] : [])
]

/** Runs an apply to its end; it must exit 0. Resolves with its JSON summary. */
export const applyJson = async (input: ApplyInput): Promise<ApplySummary> => {
  const { code, stdout, stderr } = await cli(applyArgs(input), env)
  if (code !== 0) throw new Error(`apply exited ${code}\n${stdout}\n${stderr}`)
  const { ok, units, applied, alreadyApplied, wouldApply, failed, notRun } = JSON.parse(stdout) as ApplySummary
  return { ok, units, applied, alreadyApplied, wouldApply, failed, notRun }
}

/** Runs `unishare verify --plan … --json` to its end: its exit code and JSON summary. */
export const verifyJson = async (input: Pick<ApplyInput, "url" | "plan">) => {
  const { code, stdout, stderr } = await cli(["verify", "--plan", input.plan, "--eci-url", input.url, "--json"], env)
  try {
    return { code, summary: JSON.parse(stdout) as VerifySummary }
  } catch {
    throw new Error(`verify exited ${code} without a JSON summary\n${stdout}\n${stderr}`)
  }
}

/** How many share writes (`PUT`) the simulator has received. */
export const putsOf = (sim: Simulator.Simulator): number => {
  let n = 0
  for (const request of sim.log()) if (request.method === "PUT") n++
  return n
}

/**
 * Starts an apply and SIGKILLs it once the simulator has received `writes` PUTs in all (those
 * before the call included): the writes after those stall (each lands, its answer never comes),
 * so the apply is still writing at the kill, whatever the machine's speed. Rejects when the apply
 * ended on its own first. The stall is lifted once the process is dead.
 */
export const killAfterWrites = async (sim: Simulator.Simulator, input: ApplyInput, writes: number): Promise<void> => {
  sim.inject({ kind: "stall", method: "PUT", after: writes - putsOf(sim), times: Number.POSITIVE_INFINITY })
  try {
    await killWhen(applyArgs(input), env, `${writes} writes`, () => putsOf(sim) >= writes)
  } finally {
    sim.clearFaults()
  }
}
