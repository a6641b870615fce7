/**
 * The migration steps behind the commands (`export`, `plan`, `apply`, `verify`, `sync`), as
 * functions on providers and files, with the JSON summaries the commands print. The demo runs the
 * same steps.
 *
 * @since 0.1.0
 */
import * as NodeFs from "node:fs"
import { Errors, type Grantee, type ResourceRef, type SharingProvider, Sync, Translation } from "@unishare/core"
import {
  DurableApply,
  type IdentityMap,
  Migration,
  Report,
  type ResourceMap,
  RunnerAuth,
  RunnerCluster,
  Snapshot,
  SqliteClient
} from "@unishare/migration"
import { Duration, Effect, Fiber, type Layer, Option, Redacted, Result } from "effect"
import type { SqlClient, SqlError } from "effect/sql"
import type { WorkflowEngine } from "effect/workflow"
import * as Files from "./Files.ts"
import * as HtmlReport from "./HtmlReport.ts"
import * as Notation from "./Notation.ts"
import * as Output from "./Output.ts"
import * as Progress from "./Progress.ts"

/**
 * How a run store's failures read on the command line: a store held by another process is bad
 * input for `--database`, an unreachable one is `Unavailable` (nothing was written).
 */
const storeFailures = (operation: string) => ({
  DatabaseBusy: (e: { readonly message: string }) =>
    Effect.fail(Errors.invalid("unishare", operation, "--database", e.message)),
  SqlError: (e: { readonly message: string }) =>
    Effect.fail(
      new Errors.Unavailable({
        provider: "unishare",
        operation,
        message: `the run store is unreachable: ${e.message}`,
        maybeApplied: false
      })
    )
})

/**
 * How joining a shared PostgreSQL store fails on the command line: settings that differ from the
 * store's, or live processes this one must not run beside, are bad input (exit 2, nothing written).
 */
const clusterFailures = (operation: string) => ({
  InvalidClusterOptions: (e: RunnerCluster.InvalidClusterOptions) =>
    Effect.fail(Errors.invalid("unishare", operation, e.field, e.message)),
  SettingsMismatch: (e: RunnerCluster.SettingsMismatch) =>
    Effect.fail(
      Errors.invalid(
        "unishare",
        operation,
        e.setting === "shardLockExpiration" ? "--shard-lock-expiration" : "--database",
        e.message
      )
    ),
  StoreInUse: (e: RunnerCluster.StoreInUse) =>
    Effect.fail(Errors.invalid("unishare", operation, "--database", e.message))
})

/** A submission refused because no runner is live: bad input (exit 2), nothing stored. */
const noLiveRunner = (e: RunnerCluster.NoLiveRunner) =>
  Effect.fail(Errors.invalid("unishare", "apply", "--submit", e.message))

/**
 * The runners' shared secret for a runner or a submitter: from `secretFile` (`--secret-file`), else
 * from the environment variable `UNISHARE_RUNNER_SECRET` (set and empty counts as unset), else none.
 * An unusable one is bad input naming its source (exit 2); the secret itself is never shown.
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * const secret = Workflow.runnerSecret("runner", "/etc/unishare/runner.secret")
 * ```
 */
export const runnerSecret = (
  operation: string,
  secretFile: string | undefined,
  env: NodeJS.ProcessEnv = process.env
): Effect.Effect<RunnerAuth.Secret | undefined, Errors.InvalidInput> => {
  const text = env[RunnerAuth.secretVariable]
  const found =
    secretFile !== undefined
      ? RunnerAuth.fromFile(secretFile)
      : text !== undefined && text !== ""
        ? Effect.fromResult(RunnerAuth.fromText(Redacted.make(text), RunnerAuth.secretVariable))
        : Effect.succeed(undefined)
  return Effect.mapError(found, (e) => Errors.invalid("unishare", operation, e.source, e.message))
}

/** A runner or submitter refused for want of the secret: bad input (exit 2), nothing started. */
const secretRequired = (operation: string, field: string) => (e: RunnerAuth.SecretRequired) =>
  Effect.fail(Errors.invalid("unishare", operation, field, e.message))

/**
 * What a submitter says on stderr while it follows a run: every `interval`, the runners that left
 * (their registration expired, or they stopped) or joined, "no runner is live" when the last one
 * is gone and "live again" when one is back, and, when stderr is not a terminal (no progress bar),
 * a line with the run's counts from the store, so that a log shows the run moving (or not).
 * Reads only; a failed read (the database briefly away) is skipped. Runs until interrupted.
 */
const followRun = (
  plan: Migration.MigrationPlan,
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
 * Exports the shares of `resources` (or of every resource the provider lists) into a snapshot file.
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * import { MemoryProvider } from "@unishare/core"
 * const run = Workflow.exportTo(MemoryProvider.make(), { out: "snapshot.json" })
 * ```
 */
export const exportTo = (
  provider: SharingProvider.Shape,
  options: {
    readonly resources?: ReadonlyArray<ResourceRef.ResourceRef | SharingProvider.ResourceInfo> | undefined
    readonly out: string
    readonly force?: boolean | undefined
    readonly concurrency?: number | undefined
  }
): Effect.Effect<Snapshot.Snapshot, Errors.SharingError> =>
  Effect.gen(function* () {
    yield* Files.refuseOverwrite(options.out, "--out", options.force === true)
    const bar = Progress.make("Exporting")
    const snapshot = yield* Snapshot.exportSnapshot(provider, {
      ...(options.resources !== undefined && options.resources.length > 0 ? { resources: options.resources } : {}),
      concurrency: options.concurrency ?? 4,
      onProgress: bar.onProgress
    }).pipe(Effect.ensuring(bar.finish))
    yield* Files.writeSnapshot(options.out, snapshot, "--out", { force: options.force })
    return snapshot
  })

/**
 * The JSON summary of an export.
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * Workflow.exportSummary({ format: "unishare/snapshot", version: 1, provider: "eci", exportedAt: "", resources: [] }, "s.json").shares // 0
 * ```
 */
export const exportSummary = (snapshot: Snapshot.Snapshot, file: string) => ({
  command: "export" as const,
  ok: true,
  file,
  provider: snapshot.provider,
  exportedAt: snapshot.exportedAt,
  resources: snapshot.resources.length,
  shares: snapshot.resources.reduce((n, r) => n + r.shares.length, 0),
  inherited: snapshot.resources.reduce((n, r) => n + r.shares.filter((s) => s.inherited).length, 0)
})

/**
 * Plan options as the command line gives them.
 *
 * @example
 * ```ts
 * import type { Workflow } from "@unishare/cli"
 * const o: Workflow.PlanFlags = { onLossy: "round-down", allowEveryone: false, includeInherited: true, mode: "merge" }
 * ```
 */
export interface PlanFlags {
  readonly onLossy: Translation.LossyPolicy
  readonly allowEveryone: boolean
  readonly includeInherited: boolean
  readonly mode: "merge" | "mirror"
  readonly fallback?: Grantee.Grantee | undefined
  readonly createMissing?: boolean | undefined
  readonly createType?: string | undefined
}

/**
 * Resolves the fallback grantee on the target (so an email becomes the target's user), failing
 * with `InvalidInput` at `--fallback` when the target has no such principal.
 *
 * @example
 * ```ts
 * import { Grantee, MemoryProvider } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const fallback = Workflow.resolveFallback(MemoryProvider.make(), Grantee.group("7"))
 * ```
 */
export const resolveFallback = (
  target: SharingProvider.Shape,
  fallback: Grantee.Grantee
): Effect.Effect<Grantee.Grantee, Errors.SharingError> => {
  if (target.resolveGrantee === undefined || fallback._tag === "Everyone") return Effect.succeed(fallback)
  return target.resolveGrantee(fallback).pipe(
    Effect.catchTag("NotFound", () => Effect.succeed(Option.none<Grantee.Grantee>())),
    Effect.flatMap((found) =>
      Option.isSome(found)
        ? Effect.succeed(found.value)
        : Effect.fail(
            Errors.invalid(
              "unishare",
              "plan",
              "--fallback",
              `${Notation.formatGrantee(fallback)} does not exist on ${target.capabilities.provider}`
            )
          )
    )
  )
}

/**
 * Plans a migration of a snapshot onto the target and writes the plan file.
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * import { IdentityMap, ResourceMap } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const plan = Workflow.planTo({ format: "unishare/snapshot", version: 1, provider: "memory", exportedAt: "", resources: [] },
 *   MemoryProvider.make(), { identities: IdentityMap.empty, resources: ResourceMap.fromEntries([]),
 *   flags: { onLossy: "round-down", allowEveryone: false, includeInherited: false, mode: "merge" }, out: "plan.json" })
 * ```
 */
export const planTo = (
  snapshot: Snapshot.Snapshot,
  target: SharingProvider.Shape,
  options: {
    readonly identities: IdentityMap.IdentityMap
    readonly resources: ResourceMap.ResourceMap
    readonly flags: PlanFlags
    readonly out: string
    readonly report?: string | undefined
    readonly force?: boolean | undefined
  }
): Effect.Effect<Migration.MigrationPlan, Errors.SharingError> =>
  Effect.gen(function* () {
    const { flags } = options
    yield* Files.refuseOverwrite(options.out, "--out", options.force === true)
    if (options.report !== undefined) yield* Files.refuseOverwrite(options.report, "--report", options.force === true)
    if (flags.createMissing === true && target.createResource === undefined) {
      return yield* Errors.invalid(
        "unishare",
        "plan",
        "--create-missing",
        `${target.capabilities.provider} cannot create resources (EnergyCAP lists can be created)`
      )
    }
    for (const [i, entry] of options.resources.entries.entries()) {
      if (entry.target.parent !== undefined && entry.target.provider !== "cloudflare") {
        return yield* Errors.invalid(
          "unishare",
          "plan",
          `--resources: [${i}].target`,
          `a ${entry.target.provider} resource has no parent, got ${JSON.stringify(entry.target.parent)}`
        )
      }
    }
    for (const entry of options.resources.entries) {
      if (entry.target.provider !== target.capabilities.provider) {
        return yield* Errors.invalid(
          "unishare",
          "plan",
          "--resources",
          `${Notation.formatResource(entry.target)} is not a ${target.capabilities.provider} resource (the target is ${target.capabilities.provider})`
        )
      }
    }
    const fallback = flags.fallback === undefined ? undefined : yield* resolveFallback(target, flags.fallback)
    const plan = yield* Migration.plan({
      snapshot,
      target,
      identities: options.identities,
      resources: options.resources,
      options: {
        onLossy: flags.onLossy,
        allowEveryone: flags.allowEveryone,
        includeInherited: flags.includeInherited,
        mode: flags.mode,
        ...(fallback !== undefined ? { fallback } : {}),
        ...(flags.createMissing === true ? { createMissing: true } : {}),
        ...(flags.createType !== undefined ? { createType: flags.createType } : {})
      }
    })
    yield* Files.writePlan(options.out, plan, "--out", { force: options.force })
    if (options.report !== undefined)
      yield* Files.writeText(options.report, HtmlReport.render(plan), "--report", { force: options.force })
    return plan
  })

/**
 * One row of the fidelity report (everything a plan does not keep exactly), in notation.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const rows = (plan: Migration.MigrationPlan) => Workflow.fidelityRows(plan).length
 * ```
 */
export const fidelityRows = (plan: Migration.MigrationPlan) =>
  Migration.lossyEntries(plan).map(({ item, entry }) => ({
    source: Notation.formatResource(item.source),
    target: Notation.formatResource(item.target),
    sourceShareId: entry.sourceShareId,
    grantee: Notation.formatGrantee(entry.source),
    level: entry.sourceLevel,
    ...(entry.target !== undefined ? { targetGrantee: Notation.formatGrantee(entry.target) } : {}),
    ...(entry.targetLevel !== undefined ? { targetLevel: entry.targetLevel } : {}),
    outcome: entry.outcome,
    ...(entry.via !== undefined ? { via: entry.via } : {}),
    ...(entry.note !== undefined ? { note: entry.note } : {})
  }))

/**
 * The JSON summary of a plan: counts, problems and the fidelity report.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const summary = (plan: Migration.MigrationPlan) => Workflow.planSummary(plan, "plan.json").summary
 * ```
 */
export const planSummary = (plan: Migration.MigrationPlan, file: string, report?: string) => ({
  command: "plan" as const,
  ok: plan.problems.length === 0,
  file,
  ...(report !== undefined ? { report } : {}),
  planId: plan.id,
  sourceProvider: plan.sourceProvider,
  targetProvider: plan.targetProvider,
  options: plan.options,
  summary: plan.summary,
  problems: plan.problems.map((p) => ({ source: Notation.formatResource(p.source), message: p.message })),
  fidelity: fidelityRows(plan)
})

/**
 * Whether `store` names a run store that exists: a PostgreSQL URL always does (its tables may be
 * missing, which reads as "never applied"), a SQLite file when the file is there.
 */
const storeExists = (store: string) => DurableApply.isPostgres(store) || NodeFs.existsSync(store)

/**
 * The run store for reading only: the store named, or an empty in-memory one when its SQLite file
 * does not exist (so nothing is created on disk).
 */
const readStore = (store: string) =>
  storeExists(store) ? DurableApply.layerStore(store) : SqliteClient.layer({ filename: ":memory:" })

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
  plan: Migration.MigrationPlan,
  target: SharingProvider.Shape,
  options: {
    /** The run store: a SQLite file, or a `postgres://` URL. */
    readonly store: string
    readonly dryRun: boolean
    readonly concurrency: number
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
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1 || options.concurrency > 64) {
      return yield* Errors.invalid("unishare", "apply", "--concurrency", "expected an integer from 1 to 64")
    }
    yield* Migration.checkDigest(plan)
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
        concurrency: options.concurrency,
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
      concurrency: options.concurrency,
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

/**
 * Runs a runner of the PostgreSQL store `database` (see `DurableApply.layerRunner`) writing to
 * `target`, until interrupted (SIGINT / SIGTERM). Every flag is checked before anything connects:
 * the secret (`secretFile`, else `UNISHARE_RUNNER_SECRET`: see `runnerSecret`) is required for an
 * address that is not a loopback one, and authenticates every connection (`RunnerAuth`);
 * `maxConnections` caps the open connections (default 256). Says "ready" on stderr once it has
 * joined (and with `json`, as one JSON document on stdout with the settings it runs with).
 * `shardLockExpirationSeconds` left unset adopts the store's.
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const run = Workflow.runRunner(MemoryProvider.make(), { database: "postgres://localhost/runs", runnerAddress: "127.0.0.1:34431", shardLockExpirationSeconds: 35 })
 * ```
 */
export const runRunner = (
  target: SharingProvider.Shape,
  options: {
    readonly database: string
    readonly runnerAddress: string
    readonly shardLockExpirationSeconds?: number | undefined
    /** A file holding the runners' shared secret (else `UNISHARE_RUNNER_SECRET`). */
    readonly secretFile?: string | undefined
    /** At most this many open connections, authenticated or in their handshake (default 256). */
    readonly maxConnections?: number | undefined
    /** Also say "ready" as one JSON document on stdout. */
    readonly json?: boolean | undefined
  }
): Effect.Effect<never, Errors.SharingError> =>
  Effect.gen(function* () {
    if (!DurableApply.isPostgres(options.database)) {
      return yield* Errors.invalid("unishare", "runner", "--database", "runners share a PostgreSQL store: postgres://…")
    }
    const address = RunnerCluster.parseAddress(options.runnerAddress)
    if (Result.isFailure(address)) {
      return yield* Errors.invalid("unishare", "runner", "--runner-address", address.failure)
    }
    const seconds = options.shardLockExpirationSeconds
    if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 2 || seconds > 3600)) {
      return yield* Errors.invalid("unishare", "runner", "--shard-lock-expiration", "expected seconds from 2 to 3600")
    }
    const maxConnections = options.maxConnections ?? RunnerAuth.defaults.maxConnections
    if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > 65_535) {
      return yield* Errors.invalid("unishare", "runner", "--max-connections", "expected an integer from 1 to 65535")
    }
    const secret = yield* runnerSecret("runner", options.secretFile)
    yield* Effect.catchTag(
      RunnerAuth.requireSecret(address.success, secret),
      "SecretRequired",
      secretRequired("runner", "--runner-address")
    )
    const runnerAddress = RunnerCluster.formatAddress(address.success)
    const layer = DurableApply.layerRunner(
      {
        database: Redacted.make(options.database),
        runnerAddress: address.success,
        shardLockExpirationMillis: seconds === undefined ? undefined : seconds * 1000,
        secret,
        maxConnections
      },
      target
    )
    const ready = Effect.gen(function* () {
      const settings = yield* RunnerCluster.ClusterSettings
      const expiration = settings.shardLockExpirationMillis / 1000
      yield* Output.note(
        `runner ${runnerAddress} ready (process ${DurableApply.processId}; ${settings.shardsPerGroup} shards per group, shard-lock expiration ${expiration} s; ${secret === undefined ? "no secret: plain TCP on a loopback address" : "peers authenticated with the runner secret (TLS)"}, at most ${maxConnections} connections)`
      )
      if (options.json === true) {
        yield* Output.document(
          JSON.stringify({
            command: "runner",
            ok: true,
            ready: true,
            runnerAddress,
            process: DurableApply.processId,
            target: target.capabilities.provider,
            shardsPerGroup: settings.shardsPerGroup,
            shardLockExpirationSeconds: expiration,
            authenticated: secret !== undefined,
            maxConnections
          })
        )
      }
    })
    return yield* Effect.andThen(ready, Effect.never).pipe(
      Effect.provide(layer),
      Effect.catchTags({
        ...clusterFailures("runner"),
        SqlError: storeFailures("runner").SqlError,
        SecretRequired: secretRequired("runner", "--runner-address"),
        SocketServerError: (e) =>
          Effect.fail(
            Errors.invalid(
              "unishare",
              "runner",
              "--runner-address",
              `cannot listen on ${runnerAddress}: ${e.message} (is another process using it, or is it not an address of this machine?)`
            )
          )
      }),
      Effect.scoped
    )
  })

/**
 * What `status` shows: a run's progress and, on a PostgreSQL store, its live `members` (runners
 * with their address, process id and last heartbeat; an apply running in its own process). A
 * SQLite store has no members (its one process holds the file).
 *
 * @example
 * ```ts
 * import type { Workflow } from "@unishare/cli"
 * const runners = (s: Workflow.StoreStatus) => (s.members ?? []).filter((m) => m.role === "runner").length
 * ```
 */
export type StoreStatus = DurableApply.RunStatus & { readonly members?: ReadonlyArray<RunnerCluster.Member> }

/**
 * A durable run's progress from its store (`database`: a SQLite file or a `postgres://` URL), and
 * a PostgreSQL store's live members (`RunnerCluster.liveMembers`, from our own tables), read
 * without starting an engine or contacting the target, on a read-only connection (nothing is
 * written, even to a store an older version made). A SQLite file must exist (and is held by a
 * running `apply`: read it after that run, or use PostgreSQL to watch a run live).
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const show = (plan: Migration.MigrationPlan) => Workflow.runStatus(plan, "postgres://localhost/runs")
 * ```
 */
export const runStatus = (
  plan: Migration.MigrationPlan,
  database: string
): Effect.Effect<StoreStatus, Errors.SharingError> =>
  Effect.gen(function* () {
    if (!DurableApply.isPostgres(database) && !NodeFs.existsSync(database)) {
      return yield* Errors.invalid(
        "unishare",
        "status",
        "--database",
        `no run store at ${database}: apply creates it (run apply first, or name the store apply used)`
      )
    }
    const read = Effect.gen(function* () {
      const status = yield* DurableApply.status(plan)
      if (!DurableApply.isPostgres(database)) return status
      const members = yield* RunnerCluster.liveMembers
      return { ...status, members }
    })
    return yield* read.pipe(
      Effect.provide(DurableApply.layerStore(database)),
      Effect.catchTags(storeFailures("status")),
      Effect.scoped
    )
  })

/**
 * A run's status as text: totals, then one row per target resource that is not finished (pending
 * or failed units, with the failures' messages), then a PostgreSQL store's live members.
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * const text = (s: Workflow.StoreStatus) => Workflow.renderStatus(s, "plan.json")
 * ```
 */
export const renderStatus = (status: StoreStatus, planFile: string): string => {
  const members =
    status.members === undefined
      ? []
      : status.members.length === 0
        ? ["No runner and no apply is live on this store."]
        : [
            "Live on this store:",
            ...status.members.map(
              (m) =>
                `  ${m.role === "runner" ? `runner ${m.address ?? "?"}` : "apply (in its own process)"}: process ${m.process}, last heartbeat ${m.lastHeartbeat} (registration expires in ${m.expiresInSeconds} s unless renewed)`
            )
          ]
  if (!status.submitted)
    return [`${planFile} has not been applied with this store yet (0 of its units applied).`, ...members].join("\n")
  const lines = [
    `${planFile}: ${status.applied} of ${status.units} unit(s) applied, ${status.failed} failed, ${status.pending} pending on ${status.resources.length} resource(s)${status.complete ? " (complete)" : ""}`
  ]
  for (const r of status.resources) {
    if (r.created !== undefined) lines.push(`  ${r.resource}: created as ${r.created}`)
    if (r.pending === 0 && r.failed === 0) continue
    lines.push(`  ${r.resource}: ${r.applied} applied, ${r.failed} failed, ${r.pending} pending`)
    for (const f of r.failures) lines.push(`    ${f.unit}: ${f.message}`)
  }
  for (const g of status.repairs) {
    lines.push(
      `  repair ${g.generation}: ${g.applied} unit(s) written, ${g.failed} failed${g.finished ? "" : " (not finished: apply --repair resumes it)"}`
    )
  }
  if (status.failed > 0) lines.push("Failed units are retried by the next apply of the same plan.")
  lines.push(...members)
  return lines.join("\n")
}

/**
 * The JSON summary of an apply: counts, failures, the error that stopped the run and, for a dry
 * run, the operations per resource.
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
        operations: report.units
          .filter((u) => u.outcome === "dry-run")
          .map((u) => ({
            unit: u.unit,
            resource: Notation.formatResource(u.resource),
            ...(u.unit.endsWith("|create") ? { create: true } : {}),
            operations: operationRows(u.planned ?? [])
          }))
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
 * An apply report as text: what was (or, in a dry run, would be) written per resource, failures,
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
    for (const u of units) {
      if (u.unit.endsWith("|create")) {
        lines.push(
          `  create a ${Notation.formatResource(u.resource)} target (for ${u.unit.slice(0, -"|create".length)})`
        )
        continue
      }
      lines.push(`  ${Notation.formatResource(u.resource)}:`)
      for (const op of operationRows(u.planned ?? [])) lines.push(`    ${op.operation} ${op.grantee} ${op.level}`)
    }
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

/**
 * Verifies a plan against its target, with a progress bar on a terminal. Targets `apply` created
 * (`--create-missing`) are found in the run store `store`, read without changing it; without a
 * store they are reported as missing.
 *
 * @example
 * ```ts
 * import type { SharingProvider } from "@unishare/core"
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const check = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) =>
 *   Workflow.verifyPlan(plan, target, { store: "plan.run.db" })
 * ```
 */
export const verifyPlan = (
  plan: Migration.MigrationPlan,
  target: SharingProvider.Shape,
  options: { readonly store: string }
): Effect.Effect<Migration.VerifyReport, Errors.SharingError> =>
  Effect.gen(function* () {
    const created = plan.items.some((item) => item.create !== undefined)
      ? yield* DurableApply.createdTargets(plan).pipe(
          Effect.provide(readStore(options.store)),
          Effect.catchTags(storeFailures("verify")),
          Effect.scoped
        )
      : undefined
    const bar = Progress.make("Verifying")
    return yield* Migration.verify(plan, target, { created, onProgress: bar.onProgress }).pipe(
      Effect.ensuring(bar.finish)
    )
  })

/**
 * How a run store is shown: a SQLite file by its path, a PostgreSQL URL without its credentials.
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * Workflow.storeName("postgres://runs:secret@db:5432/unishare") // "postgres://db:5432/unishare"
 * ```
 */
export const storeName = (store: string): string => {
  if (!DurableApply.isPostgres(store)) return store
  try {
    const url = new URL(store)
    return `${url.protocol}//${url.host}${url.pathname}`
  } catch {
    return "postgres://…"
  }
}

/**
 * A run's audit log as JSON lines, oldest first: one line per write attempt (unit, outcome, time,
 * process, operation count, error message, created target), read from the run store only.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const lines = (plan: Migration.MigrationPlan) => Workflow.runAudit(plan, "plan.run.db")
 * ```
 */
export const runAudit = (
  plan: Migration.MigrationPlan,
  database: string
): Effect.Effect<ReadonlyArray<DurableApply.AuditEntry>, Errors.SharingError> =>
  Effect.gen(function* () {
    yield* Migration.checkDigest(plan)
    if (!storeExists(database)) {
      return yield* Errors.invalid(
        "unishare",
        "status",
        "--database",
        `no run store at ${database}: apply creates it (run apply first, or name the store apply used)`
      )
    }
    return yield* DurableApply.audit(plan).pipe(
      Effect.provide(DurableApply.layerStore(database)),
      Effect.catchTags(storeFailures("status")),
      Effect.scoped
    )
  })

/**
 * The JSON summary of a verification.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const summary = (r: Migration.VerifyReport) => Workflow.verifySummary(r).drift.length
 * ```
 */
export const verifySummary = (report: Migration.VerifyReport, planFile?: string) => ({
  command: "verify" as const,
  ok: report.ok,
  planId: report.planId,
  ...(report.stopped !== undefined ? { stopped: Output.errorJson(report.stopped) } : {}),
  ...(!report.ok && report.stopped === undefined && planFile !== undefined
    ? { repair: `unishare apply --plan ${planFile} --repair` }
    : {}),
  resources: report.resources.length,
  matching: report.resources.filter((r) => r.ok).length,
  drift: report.resources
    .filter((r) => !r.ok)
    .map((r) => ({
      resource: Notation.formatResource(r.resource),
      remaining: r.remaining.map((op) => ({
        operation: op._tag,
        grantee: Notation.formatGrantee(op.grantee),
        level: op.level
      })),
      ...(r.error !== undefined ? { error: Report.toJson(r.error) } : {})
    }))
})

/**
 * A verification as text: the drifted resources by name and what differs, and the command that
 * repairs them.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const text = (r: Migration.VerifyReport) => Workflow.renderVerify(r, "plan.json")
 * ```
 */
export const renderVerify = (report: Migration.VerifyReport, planFile: string): string => {
  const bad = report.resources.filter((r) => !r.ok)
  const lines = [
    `Verification of plan ${report.planId}: ${report.resources.length - bad.length}/${report.resources.length} resources match the plan${report.ok ? "" : report.stopped !== undefined ? " — STOPPED" : " — DRIFT"}`
  ]
  for (const r of bad) {
    lines.push(
      `  ${Notation.formatResource(r.resource)}: ${r.error !== undefined ? r.error.message : r.remaining.map((op) => `${op._tag.toLowerCase()} ${Notation.formatGrantee(op.grantee)} ${op.level}`).join(", ")}`
    )
  }
  if (report.stopped !== undefined) lines.push(`Stopped at the first ${report.stopped._tag}: ${report.stopped.message}`)
  else if (!report.ok)
    lines.push(`To write what the plan says on the drifted resources: unishare apply --plan ${planFile} --repair`)
  return lines.join("\n")
}

/**
 * Checks a desired state against the provider before any request: the resource belongs to it and
 * every grant can be expressed (grantee kind, level under `onLossy`, the Everyone opt-in). Fails with
 * the first grant's `InvalidInput` / `Unsupported`, its path naming the file entry.
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const check = Workflow.checkDesired(MemoryProvider.make(), { resource: { provider: "memory", kind: "doc", id: "d1" }, shares: [] },
 *   { onLossy: "fail", allowEveryone: false })
 * ```
 */
export const checkDesired = (
  provider: SharingProvider.Shape,
  desired: Files.DesiredState,
  options: { readonly onLossy: Translation.LossyPolicy; readonly allowEveryone: boolean }
): Effect.Effect<void, Errors.InvalidInput | Errors.Unsupported> =>
  Effect.gen(function* () {
    if (desired.resource.provider !== provider.capabilities.provider) {
      return yield* Errors.invalid(
        "unishare",
        "sync",
        "--desired: resource",
        `${Notation.formatResource(desired.resource)} is not a ${provider.capabilities.provider} resource`
      )
    }
    for (const [i, grant] of desired.shares.entries()) {
      const translated = Translation.translateGrantResult(
        provider.capabilities,
        desired.resource.kind,
        grant,
        options,
        "sync",
        `--desired: shares[${i}]`
      )
      if (Result.isFailure(translated)) return yield* translated.failure
    }
  })

/**
 * Makes one resource's shares equal a desired state (list, plan, write, read back).
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const run = Workflow.syncResource(MemoryProvider.make(), { resource: { provider: "memory", kind: "doc", id: "d1" }, shares: [] },
 *   { dryRun: true, onLossy: "fail", allowEveryone: false })
 * ```
 */
export const syncResource = (
  provider: SharingProvider.Shape,
  desired: Files.DesiredState,
  options: { readonly dryRun: boolean; readonly onLossy: Translation.LossyPolicy; readonly allowEveryone: boolean }
): Effect.Effect<Sync.SyncResult, Errors.SharingError> =>
  Effect.gen(function* () {
    if (desired.resource.provider !== provider.capabilities.provider) {
      return yield* Errors.invalid(
        "unishare",
        "sync",
        "--desired: resource",
        `${Notation.formatResource(desired.resource)} is not a ${provider.capabilities.provider} resource`
      )
    }
    return yield* Sync.sync(provider, desired.resource, desired.shares, {
      dryRun: options.dryRun,
      onLossy: options.onLossy,
      allowEveryone: options.allowEveryone
    })
  })

/**
 * The JSON summary of a sync.
 *
 * @example
 * ```ts
 * import type { Sync } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const ok = (r: Sync.SyncResult) => Workflow.syncSummary(r, false).ok
 * ```
 */
export const syncSummary = (result: Sync.SyncResult, dryRun: boolean) => ({
  command: "sync" as const,
  ok: result.failures.length === 0 && (dryRun || result.verified),
  resource: Notation.formatResource(result.resource),
  dryRun,
  strategy: result.strategy,
  operations: result.plan.operations.map((op) => ({
    operation: op._tag,
    grantee: Notation.formatGrantee(op.grantee),
    level: op.level
  })),
  unchanged: result.plan.unchanged.length,
  skipped: result.plan.skipped.map((s) => s.reason),
  failures: result.failures.map((e) => Report.toJson(e)),
  verified: result.verified,
  remaining: result.remaining.map((op) => ({
    operation: op._tag,
    grantee: Notation.formatGrantee(op.grantee),
    level: op.level
  })),
  attempts: result.attempts
})

/**
 * Text for a sync result.
 *
 * @example
 * ```ts
 * import type { Sync } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const text = (r: Sync.SyncResult) => Workflow.renderSync(r, true)
 * ```
 */
export const renderSync = (result: Sync.SyncResult, dryRun: boolean): string => {
  const s = syncSummary(result, dryRun)
  const ops = s.operations.map((o) => `  ${o.operation} ${o.grantee} ${o.level}`)
  const head = dryRun
    ? `Dry run for ${s.resource}: ${ops.length} operation(s) would be written, ${s.unchanged} share(s) already match`
    : `Synced ${s.resource} (${s.strategy}): ${ops.length} operation(s), ${s.failures.length} failed, ${s.verified ? "verified by read-back" : "NOT verified"}`
  return [
    head,
    ...ops,
    ...s.skipped.map((r) => `  skipped: ${r}`),
    ...s.remaining.filter(() => !dryRun).map((o) => `  still differs: ${o.operation} ${o.grantee} ${o.level}`)
  ].join("\n")
}
