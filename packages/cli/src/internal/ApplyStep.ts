/**
 * `apply` (internal, re-exported by `Workflow`): a plan applied durably in its run store (embedded
 * SQLite, PostgreSQL, or submitted to the runners and followed on stderr), a dry run, a repair, and
 * the JSON summary and text the command prints.
 *
 * @since 0.1.0
 */
import { Errors, type Grantee, type SharingProvider } from "@unishare/core"
import { DurableApply, Migration, Report, type RunnerAuth, RunnerCluster, type SqliteClient } from "@unishare/migration"
import { Duration, Effect, Fiber, type Layer, Redacted } from "effect"
import type { SqlClient, SqlError } from "effect/sql"
import type { WorkflowEngine } from "effect/workflow"
import * as Notation from "../Notation.ts"
import * as Output from "../Output.ts"
import * as Progress from "../Progress.ts"
import {
  clusterFailures,
  noLiveRunner,
  readStore,
  runnerSecret,
  secretRequired,
  storeFailures,
  storeName
} from "./StoreAccess.ts"

/**
 * What a submitter says on stderr while it follows a run: every `interval`, the runners that left
 * (their registration expired, or they stopped) or joined, "no runner is live" when the last one
 * is gone and "live again" when one is back, and, when stderr is not a terminal (no progress bar),
 * a line with the run's counts from the store, so that a log shows the run moving (or not).
 * Reads only; a failed read (the database briefly away) is skipped. Runs until interrupted.
 */
const followRun = (
  plan: Migration.MigrationPlan | Migration.PlanStream,
  store: string,
  options: { readonly interval: Duration.Input; readonly counts: boolean }
): Effect.Effect<never, never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const where = storeName(store)
    const named = (m: RunnerCluster.Member) => m.address ?? `process ${m.process}`
    let known: ReadonlyMap<string, RunnerCluster.Member> | undefined
    const tick = Effect.gen(function* () {
      const runners = (yield* RunnerCluster.liveMembers).filter((m) => m.role === "runner")
      const now = new Map(runners.map((m) => [m.process, m]))
      const live = runners.length === 0 ? "none" : runners.map(named).join(", ")
      // joining required a live runner: a first read without any means they are gone already
      const hadRunners = known === undefined || known.size > 0
      for (const [process, m] of known ?? []) {
        if (!now.has(process))
          yield* Output.note(
            `runner ${named(m)} is gone from ${where} (it stopped, or its registration expired: killed or cut off from the store); the other runners take over its work once its shard locks expire. Live runners: ${live}`
          )
      }
      if (hadRunners && now.size === 0)
        yield* Output.note(
          `no runner is live on ${where} any more (their registrations expired): the run waits in the store. Start \`unishare runner\` on it to continue (this command goes on following; Ctrl-C stops following, the same apply --submit follows again)`
        )
      else if (known !== undefined && known.size === 0 && now.size > 0)
        yield* Output.note(`runner(s) live again on ${where}: ${live}; the run continues`)
      else if (known !== undefined)
        for (const [process, m] of now)
          if (!known.has(process)) yield* Output.note(`runner ${named(m)} joined ${where}. Live runners: ${live}`)
      known = now
      if (options.counts) {
        const status = yield* DurableApply.status(plan)
        if (status.submitted)
          yield* Output.note(
            `apply --submit: ${status.applied} of ${status.units} unit(s) applied, ${status.failed} failed, ${status.pending} pending; live runners: ${live}`
          )
      }
    }).pipe(Effect.ignore)
    yield* tick
    return yield* Effect.forever(Effect.andThen(Effect.sleep(options.interval), tick))
  })

/**
 * Applies a plan durably (`DurableApply`: resumable, a re-run writes nothing for what the store
 * records as applied) in the run store `store` — a SQLite file (created when missing) or a
 * `postgres://` URL — with bounded concurrency and an optional progress bar. A dry run reads the
 * store without changing it (and creates no file) and writes nothing; `repair` re-reads every
 * target and writes what the plan says where it drifted (a new repair generation; a crashed repair
 * resumes in its own). Interrupted (SIGINT / SIGTERM), it says how far it got and how to resume.
 * With `submit`, the runners of the PostgreSQL store execute the run: refused (`--submit`, exit 2,
 * nothing stored) while none is live, or without the secret (`secretFile`, see `runnerSecret`) while
 * they listen on addresses other machines can reach; followed on stderr every
 * `progressIntervalSeconds` (default 5): a note when a runner
 * is gone or joins, when every runner's registration has expired and when one is back, and, when
 * stderr is not a terminal, a line with the run's counts from the store.
 *
 * @example
 * ```ts
 * import { type SharingProvider } from "@unishare/core"
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const run = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) =>
 *   Workflow.applyPlan(plan, target, { store: "plan.run.db", dryRun: false, concurrency: 4 })
 * ```
 */
export const applyPlan = (
  plan: Migration.MigrationPlan | Migration.PlanStream,
  target: SharingProvider.Shape,
  options: {
    /** The run store: a SQLite file, or a `postgres://` URL. */
    readonly store: string
    readonly dryRun: boolean
    /** Default: `Migration.defaultConcurrency` of the target. */
    readonly concurrency?: number | undefined
    readonly repair?: boolean | undefined
    readonly progress?: string | undefined
    /** With a `postgres://` store: submit to the `unishare runner` processes and follow (execute nothing here). */
    readonly submit?: boolean | undefined
    /** With `submit`: a file holding the runners' shared secret (else `UNISHARE_RUNNER_SECRET`; see `runnerSecret`). */
    readonly secretFile?: string | undefined
    /** With `submit`: seconds between reports on stderr while following (1-3600, default 5). */
    readonly progressIntervalSeconds?: number | undefined
  }
): Effect.Effect<Migration.ApplyReport, Errors.SharingError> =>
  Effect.gen(function* () {
    const concurrency = options.concurrency ?? Migration.defaultConcurrency(target.capabilities)
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
      return yield* Errors.invalid("unishare", "apply", "--concurrency", "expected an integer from 1 to 64")
    }
    // a plan in memory is checked here; one streamed from its file is checked as it is read (a
    // file whose digest fails at its end stores nothing and runs nothing)
    if (!("itemCount" in plan)) yield* Migration.checkDigest(plan)
    const store = options.store
    if (options.submit === true && !DurableApply.isPostgres(store)) {
      return yield* Errors.invalid(
        "unishare",
        "apply",
        "--submit",
        "--submit hands the run to runners on a shared store: use --database postgres://…"
      )
    }
    const interval = options.progressIntervalSeconds ?? 5
    if (!Number.isInteger(interval) || interval < 1 || interval > 3600) {
      return yield* Errors.invalid("unishare", "apply", "--progress-interval", "expected seconds from 1 to 3600")
    }
    const secret = options.submit === true ? yield* runnerSecret("apply", options.secretFile) : undefined
    const bar = Progress.make(options.progress ?? (options.repair === true ? "Repairing" : "Applying"))
    if (options.dryRun) {
      return yield* DurableApply.dryRun(plan, target, {
        concurrency,
        repair: options.repair,
        onProgress: bar.onProgress
      }).pipe(
        Effect.ensuring(bar.finish),
        Effect.provide(readStore(store)),
        Effect.catchTags(storeFailures("apply")),
        Effect.scoped
      )
    }
    const engine: Layer.Layer<
      WorkflowEngine.WorkflowEngine | SqlClient.SqlClient,
      | SqliteClient.DatabaseBusy
      | SqlError.SqlError
      | RunnerCluster.InvalidClusterOptions
      | RunnerCluster.SettingsMismatch
      | RunnerCluster.StoreInUse
      | RunnerCluster.NoLiveRunner
      | RunnerAuth.SecretRequired
    > =
      options.submit === true
        ? DurableApply.layerSubmitter({ database: Redacted.make(store), secret })
        : DurableApply.isPostgres(store)
          ? DurableApply.layerPostgres({ database: Redacted.make(store) }, target)
          : DurableApply.layerEmbedded({ filename: store }, target)
    let done = 0
    let total = 0
    const applying = DurableApply.apply(plan, target, {
      concurrency,
      repair: options.repair,
      submitted: options.submit === true,
      onProgress: (p) =>
        Effect.andThen(
          Effect.sync(() => {
            done = p.done
            total = p.total
          }),
          bar.onProgress(p)
        )
    })
    // a submitter says on stderr how the run goes and when runners come and go, so that it never
    // waits without a word; the run itself waits in the store for a runner
    const following =
      options.submit === true
        ? Effect.raceFirst(
            applying,
            followRun(plan, store, {
              interval: Duration.seconds(interval),
              counts: process.stderr.isTTY !== true
            })
          )
        : applying
    const run = following.pipe(
      Effect.provide(engine),
      Effect.catchTags({
        ...storeFailures("apply"),
        ...clusterFailures("apply"),
        NoLiveRunner: noLiveRunner,
        SecretRequired: secretRequired("apply", "--secret-file")
      }),
      Effect.scoped
    )
    // The engine waits for a workflow's reply without giving way to interruption. The run goes on in
    // a fiber of its own, so that SIGINT / SIGTERM ends the command at once: the process exits, and
    // the store keeps every finished unit (the unit in flight runs again on the next apply, as after
    // a crash).
    const fiber = yield* Effect.forkDetach(run)
    return yield* Fiber.join(fiber).pipe(
      Effect.ensuring(bar.finish),
      Effect.onInterrupt(() =>
        Output.note(
          total === 0
            ? `interrupted while starting the run (opening the run store ${storeName(store)}${options.submit === true ? ", submitting to the runners" : ""} and the first units), before any unit finished; run the same command to resume (the run store keeps what was recorded)`
            : `interrupted after ${done} of ${total} units; run the same command to resume (the run store ${storeName(store)} keeps what was applied)`
        )
      )
    )
  })

const operationRows = (ops: ReadonlyArray<{ _tag: string; grantee: Grantee.Grantee; level: string }>) =>
  ops.map((op) => ({ operation: op._tag, grantee: Notation.formatGrantee(op.grantee), level: op.level }))

/** The dry-run units a report lists with their operations (the first `Migration.dryRunListedUnits`). */
const listedDryRun = (report: Migration.ApplyReport) =>
  report.units.filter((u) => u.outcome === "dry-run" && u.planned !== undefined)

/**
 * The JSON summary of an apply: counts, failures, the error that stopped the run and, for a dry
 * run, the operations per resource — those of its first `Migration.dryRunListedUnits` units, with
 * `operationsOmitted` counting the units left out when there are more (the counts are exact).
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const summary = (r: Migration.ApplyReport) => Workflow.applySummary(r, "plan.run.db").failed
 * ```
 */
export const applySummary = (report: Migration.ApplyReport, store: string) => ({
  command: "apply" as const,
  ok: report.failed === 0 && report.stopped === undefined,
  planId: report.planId,
  dryRun: report.dryRun,
  ...(report.dryRun ? {} : { store: storeName(store) }),
  units: report.units.length,
  applied: report.applied,
  alreadyApplied: report.alreadyApplied,
  wouldApply: report.units.filter((u) => u.outcome === "dry-run").length,
  failed: report.failed,
  notRun: report.notRun,
  writes: report.writes,
  ...(report.stopped !== undefined ? { stopped: Output.errorJson(report.stopped) } : {}),
  ...(report.dryRun
    ? {
        operations: listedDryRun(report).map((u) => ({
          unit: u.unit,
          resource: Notation.formatResource(u.resource),
          ...(u.unit.endsWith("|create") ? { create: true } : {}),
          operations: operationRows(u.planned ?? [])
        })),
        ...(report.operationsOmitted !== undefined && report.operationsOmitted > 0
          ? { operationsOmitted: report.operationsOmitted }
          : {})
      }
    : {}),
  created: report.units.flatMap((u) =>
    u.created !== undefined ? [{ unit: u.unit, resource: Notation.formatResource(u.created) }] : []
  ),
  failures: report.units
    .filter((u) => u.outcome === "failed")
    .map((u) => ({ unit: u.unit, resource: Notation.formatResource(u.resource), error: Report.toJson(u.error) }))
})

/**
 * An apply report as text: what was (or, in a dry run, would be) written per resource — in a dry
 * run, for its first `Migration.dryRunListedUnits` units, then how many more there are — failures,
 * and why the run stopped.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const text = (r: Migration.ApplyReport) => Workflow.renderApply(r, "plan.run.db")
 * ```
 */
export const renderApply = (report: Migration.ApplyReport, store: string): string => {
  const lines: Array<string> = []
  if (report.dryRun) {
    const units = report.units.filter((u) => u.outcome === "dry-run")
    const writes = units.reduce((n, u) => n + (u.unit.endsWith("|create") ? 1 : u.operations), 0)
    lines.push(
      `Dry run of plan ${report.planId}: ${writes} write(s) on ${new Set(units.map((u) => Notation.formatResource(u.resource))).size} resource(s) would be sent, ${report.alreadyApplied} unit(s) already applied (run store); nothing was written`
    )
    for (const u of listedDryRun(report)) {
      if (u.unit.endsWith("|create")) {
        lines.push(
          `  create a ${Notation.formatResource(u.resource)} target (for ${u.unit.slice(0, -"|create".length)})`
        )
        continue
      }
      lines.push(`  ${Notation.formatResource(u.resource)}:`)
      for (const op of operationRows(u.planned ?? [])) lines.push(`    ${op.operation} ${op.grantee} ${op.level}`)
    }
    if (report.operationsOmitted !== undefined && report.operationsOmitted > 0)
      lines.push(`  … and ${report.operationsOmitted} more unit(s) (see the plan file)`)
  } else {
    lines.push(
      `Applied plan ${report.planId}: ${report.applied} unit(s) written, ${report.alreadyApplied} already applied (run store), ${report.failed} failed${report.notRun > 0 ? `, ${report.notRun} not run` : ""}`
    )
    for (const u of report.units)
      if (u.created !== undefined) lines.push(`  created ${Notation.formatResource(u.created)} (${u.unit})`)
  }
  for (const u of report.units) {
    if (u.outcome === "failed") lines.push(`  failed ${u.unit}: ${u.error?.message ?? "unknown error"}`)
  }
  if (report.stopped !== undefined) lines.push(`Stopped at the first ${report.stopped._tag}: ${report.stopped.message}`)
  if (!report.dryRun) lines.push(`Run store: ${storeName(store)}`)
  return lines.join("\n")
}
