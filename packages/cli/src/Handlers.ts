/**
 * What each `unishare` command does, by command name: the body that runs once `Commands` has
 * parsed the flags. `Commands` imports this module only when a command runs (a dynamic
 * `import()`), so everything heavy (providers, simulators, the migration engine, the HTML report)
 * is loaded by the commands that need it and never by `--help` or `--version`.
 *
 * @since 0.1.0
 */
import { Errors } from "@unishare/core"
import { IdentityMap, ResourceMap } from "@unishare/migration"
import { Effect, Option } from "effect"
import * as Demo from "./Demo.ts"
import * as ExitCode from "./ExitCode.ts"
import * as Files from "./Files.ts"
import * as HttpLog from "./HttpLog.ts"
import type * as CommandFlags from "./internal/CommandFlags.ts"
import * as Notation from "./Notation.ts"
import * as Output from "./Output.ts"
import * as Providers from "./Providers.ts"
import * as RunStore from "./RunStore.ts"
import * as Simulate from "./Simulate.ts"
import * as Workflow from "./Workflow.ts"

type EndpointFlags = {
  readonly cloudflareUrl: Option.Option<string>
  readonly smartsheetUrl: Option.Option<string>
  readonly eciUrl: Option.Option<string>
  readonly googleDriveUrl: Option.Option<string>
  readonly boxUrl: Option.Option<string>
}

const endpointsOf = (flags: EndpointFlags): Providers.Endpoints => ({
  cloudflare: Option.getOrUndefined(flags.cloudflareUrl),
  smartsheet: Option.getOrUndefined(flags.smartsheetUrl),
  eci: Option.getOrUndefined(flags.eciUrl),
  "google-drive": Option.getOrUndefined(flags.googleDriveUrl),
  box: Option.getOrUndefined(flags.boxUrl)
})

/**
 * How `export` names the resources of a provider that cannot list them (`--resource` is then
 * required).
 */
const resourceExamples: Readonly<Partial<Record<Notation.ProviderName, string>>> = {
  smartsheet: "smartsheet:<kind>:<id> (e.g. smartsheet:sheet:<id>)",
  "google-drive": "google-drive:file:<id> (a file or folder) or google-drive:drive:<id> (a shared drive's members)",
  box: "box:folder:<id> or box:file:<id>"
}

/**
 * Runs a command body: a sharing error is reported (JSON on stdout with `--json`, text on stderr)
 * and becomes an `Output.Exit` with its exit code.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Handlers } from "@unishare/cli"
 * const run = Handlers.reporting("plan", true, Effect.void)
 * ```
 */
export const reporting = <A, R>(
  command: string,
  asJson: boolean,
  body: Effect.Effect<A, Errors.SharingError | Output.Exit, R>
): Effect.Effect<A, Output.Exit, R> =>
  Effect.catch(body, (e) =>
    e._tag === "Exit"
      ? Effect.fail(e)
      : Effect.andThen(
          Output.failure(asJson, command, explain(e)),
          Effect.fail(new Output.Exit({ code: ExitCode.ofError(e), reason: e.message }))
        )
  )

/**
 * Adds what the person at the terminal needs to an error that stops a run: for a refused
 * credential, the environment variable that holds it; for an unreachable provider, the URL and the
 * transport cause.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * import { Handlers } from "@unishare/cli"
 * Handlers.explain(new Errors.AccessDenied({ provider: "eci", operation: "getListShare", message: "401" }), "eci").message
 * ```
 */
export const explain = <E extends Errors.SharingError>(error: E, provider?: Notation.ProviderName): E => {
  if (error._tag === "AccessDenied" && error.message.includes("(credential: ")) return error
  const name = provider ?? (Notation.isProvider(error.provider) ? error.provider : undefined)
  if (error._tag === "AccessDenied" && name !== undefined) {
    const variables = Providers.credentialVariables[name].filter((v) => (process.env[v] ?? "") !== "")
    return new Errors.AccessDenied({
      ...error,
      message: `${error.message} (credential: ${variables.join(" + ") || Providers.credentialVariables[name].join(", ")})`
    }) as unknown as E
  }
  const failure = HttpLog.lastTransportFailure()
  if (error._tag === "Unavailable" && failure !== undefined && !error.message.includes(failure.cause)) {
    return new Errors.Unavailable({
      ...error,
      message: `${error.message} (${failure.url}: ${failure.cause})`
    }) as unknown as E
  }
  return error
}

const parseResources = (texts: ReadonlyArray<string>) =>
  Effect.forEach(texts, (t, i) => Notation.parseResource(t, `--resource[${i}]`))

/** `--resources-from`: one `provider:kind:id` a line; blank lines and `#` comments skipped; errors name the line. */
const readResourcesFrom = (path: string) =>
  Effect.flatMap(Files.readText(path, "--resources-from"), (text) =>
    Effect.forEach(
      text
        .split(/\r?\n/)
        .map((line, i) => ({ line: line.trim(), at: i + 1 }))
        .filter(({ line }) => line !== "" && !line.startsWith("#")),
      ({ line, at }) => Notation.parseResource(line, `--resources-from: ${path}:${at}`)
    ).pipe(
      Effect.filterOrFail(
        (resources) => resources.length > 0,
        () =>
          Errors.invalid(
            "unishare",
            "export",
            "--resources-from",
            `${path} names no resource (one provider:kind:id a line)`
          )
      )
    )
  )

const targetOf = (flag: Option.Option<Notation.ProviderName>, planTarget: string, field: string) =>
  Option.isSome(flag)
    ? Effect.succeed(flag.value)
    : Notation.isProvider(planTarget)
      ? Effect.succeed(planTarget)
      : Effect.fail(
          Errors.invalid("unishare", "select provider", field, `unknown provider ${JSON.stringify(planTarget)}`)
        )

/**
 * The run store of a plan: `--database`, else `UNISHARE_DATABASE_URL`, else `<plan>.run.db`
 * beside the plan file.
 */
const storeOf = (flag: Option.Option<string>, planFile: string): string =>
  Option.getOrElse(databaseOf(flag), () => Files.storePathFor(planFile))

/** `--database`, else a non-empty `UNISHARE_DATABASE_URL`. */
const databaseOf = (flag: Option.Option<string>): Option.Option<string> =>
  Option.orElse(flag, () => Option.filter(Option.fromNullishOr(process.env.UNISHARE_DATABASE_URL), (url) => url !== ""))

/**
 * How a command ends other than with success: an `Output.Exit` carrying its exit code (the error
 * was already reported).
 *
 * @example
 * ```ts
 * import type { Handlers } from "@unishare/cli"
 * const failure: Handlers.Failure["_tag"] = "Exit"
 * ```
 */
export type Failure = Output.Exit

/**
 * The body of every command, by name, given its parsed flags.
 *
 * @example
 * ```ts
 * import { Handlers } from "@unishare/cli"
 * const run = Handlers.handlers.demo({ outDir: ".unishare/demo", json: true })
 * ```
 */
export const handlers: {
  readonly [Name in keyof CommandFlags.Flags]: (flags: CommandFlags.Flags[Name]) => Effect.Effect<void, Failure>
} = {
  export: (flags) =>
    reporting(
      "export",
      flags.json,
      Effect.gen(function* () {
        const resources = [
          ...(yield* parseResources(flags.resource)),
          ...(Option.isSome(flags.resourcesFrom) ? yield* readResourcesFrom(flags.resourcesFrom.value) : [])
        ]
        const provider = yield* Providers.fromEnvironment(flags.provider, {
          endpoints: endpointsOf(flags),
          cloudflareAccounts: flags.cloudflareAccount
        })
        if (resources.length === 0 && provider.listResources === undefined) {
          return yield* Errors.invalid(
            "unishare",
            "export",
            "--resource",
            `${flags.provider} cannot list its resources: name each one with --resource ${resourceExamples[flags.provider] ?? `${flags.provider}:<kind>:<id>`} (repeatable)`
          )
        }
        const exported = yield* Workflow.exportStreamed(provider, { resources, out: flags.out, force: flags.force })
        const summary = Workflow.exportSummary(exported, flags.out)
        yield* Output.result(
          flags.json,
          summary,
          () =>
            `Exported ${summary.shares} share(s) (${summary.inherited} inherited) on ${summary.resources} ${summary.provider} resource(s) to ${flags.out}`
        )
      })
    ),
  plan: (flags) =>
    reporting(
      "plan",
      flags.json,
      Effect.gen(function* () {
        const snapshot = yield* Files.openSnapshot(flags.snapshot, "--snapshot")
        const identities = Option.isSome(flags.identities)
          ? yield* Files.readIdentities(flags.identities.value, "--identities")
          : IdentityMap.empty
        if (Option.isNone(flags.resources) && !flags.createMissing) {
          return yield* Errors.invalid(
            "unishare",
            "plan",
            "--resources",
            "a resource map is required (or --create-missing)"
          )
        }
        const resources = Option.isSome(flags.resources)
          ? yield* Files.readResourceMap(flags.resources.value, "--resources")
          : ResourceMap.fromEntries([])
        const fallback = Option.isSome(flags.fallback)
          ? yield* Notation.parseGrantee(flags.fallback.value, "--fallback")
          : undefined
        const target = yield* Providers.fromEnvironment(flags.target, { endpoints: endpointsOf(flags) })
        const report = Option.getOrUndefined(flags.report)
        const written = yield* Workflow.planFile(snapshot, target, {
          identities,
          resources,
          out: flags.out,
          report,
          force: flags.force,
          details: flags.details,
          flags: {
            onLossy: flags.onLossy,
            allowEveryone: flags.allowEveryone,
            allowAnyone: flags.allowAnyone,
            onExpiry: flags.onExpiry,
            includeInherited: flags.includeInherited,
            mode: flags.mode,
            fallback,
            createMissing: flags.createMissing,
            createType: Option.getOrUndefined(flags.createType)
          }
        })
        yield* Output.result(
          flags.json,
          written.summary,
          () =>
            `${Output.cliWording(written.text)}\n\nPlan written to ${flags.out}${report !== undefined ? `; report: ${report}` : ""}`
        )
        const { problems } = written.plan
        if (problems.length > 0) {
          return yield* new Output.Exit({
            code: ExitCode.codes.problems,
            reason: `the plan has ${problems.length} problem(s)`
          })
        }
      })
    ),
  apply: (flags) =>
    reporting(
      "apply",
      flags.json,
      Effect.gen(function* () {
        // opened, not read whole: the items stream into the run store (their digest checked at the end)
        const plan = yield* Files.openPlan(flags.plan, "--plan")
        if (plan.problems.length > 0 && !flags.allowProblems) {
          const error = Errors.invalid(
            "unishare",
            "apply",
            "--plan",
            `the plan has ${plan.problems.length} problem(s) (${plan.problems
              .slice(0, 3)
              .map((p) => `${Notation.formatResource(p.source)}: ${p.message}`)
              .join("; ")}${plan.problems.length > 3 ? "; …" : ""}): fix them and plan again, or pass --allow-problems`
          )
          if (flags.json) {
            yield* Output.document(
              JSON.stringify(
                {
                  command: "apply",
                  ok: false,
                  error: { ...Output.errorJson(error), exitCode: ExitCode.codes.problems }
                },
                null,
                2
              )
            )
          }
          yield* Output.note(`${Output.errorText(error).replace(/\(exit \d+\)$/, "")}(exit ${ExitCode.codes.problems})`)
          return yield* new Output.Exit({ code: ExitCode.codes.problems, reason: "the plan has problems" })
        }
        const name = yield* targetOf(flags.target, plan.targetProvider, "--target")
        const target = yield* Providers.fromEnvironment(name, { endpoints: endpointsOf(flags) })
        const store = storeOf(flags.database, flags.plan)
        const report = yield* Workflow.applyPlan(plan, target, {
          store,
          dryRun: flags.dryRun,
          repair: flags.repair,
          concurrency: Option.getOrUndefined(flags.concurrency),
          submit: flags.submit,
          secretFile: Option.getOrUndefined(flags.secretFile),
          progressIntervalSeconds: flags.progressInterval
        }).pipe(RunStore.explainFailures(store, "apply", { readOnly: flags.dryRun }))
        const stopped = report.stopped !== undefined ? explain(report.stopped, name) : undefined
        const shown = stopped !== undefined ? { ...report, stopped } : report
        yield* Output.result(flags.json, Workflow.applySummary(shown, store), () =>
          Output.cliWording(Workflow.renderApply(shown, store))
        )
        const failures = report.units.flatMap((u) => (u.outcome === "failed" && u.error !== undefined ? [u.error] : []))
        const code = stopped !== undefined ? ExitCode.ofError(stopped) : ExitCode.ofFailures(failures)
        if (code !== ExitCode.codes.ok) {
          return yield* new Output.Exit({ code, reason: `${report.failed} unit(s) failed` })
        }
      })
    ),
  status: (flags) =>
    reporting(
      "status",
      flags.json,
      Effect.gen(function* () {
        const plan = yield* Files.openPlan(flags.plan, "--plan")
        const store = storeOf(flags.database, flags.plan)
        const explained = RunStore.explainFailures(store, "status", { readOnly: true })
        if (flags.audit) {
          const entries = yield* explained(Workflow.runAudit(plan, store))
          for (const entry of entries) yield* Output.document(JSON.stringify(entry))
          return
        }
        const status = yield* explained(Workflow.runStatus(plan, store))
        yield* Output.result(flags.json, { command: "status", ok: true, ...status }, () =>
          Workflow.renderStatus(status, flags.plan)
        )
      })
    ),
  runner: (flags) =>
    reporting(
      "runner",
      flags.json,
      Effect.gen(function* () {
        const database = databaseOf(flags.database)
        if (Option.isNone(database)) {
          return yield* Errors.invalid(
            "unishare",
            "runner",
            "--database",
            "name the store: --database postgres://… or UNISHARE_DATABASE_URL"
          )
        }
        const target = yield* Providers.fromEnvironment(flags.target, { endpoints: endpointsOf(flags) })
        yield* Workflow.runRunner(target, {
          database: database.value,
          runnerAddress: flags.runnerAddress,
          shardLockExpirationSeconds: Option.getOrUndefined(flags.shardLockExpiration),
          secretFile: Option.getOrUndefined(flags.secretFile),
          maxConnections: flags.maxConnections,
          json: flags.json
        }).pipe(RunStore.explainFailures(database.value, "runner", { readOnly: false }))
      })
    ),
  verify: (flags) =>
    reporting(
      "verify",
      flags.json,
      Effect.gen(function* () {
        const plan = yield* Files.openPlan(flags.plan, "--plan")
        const name = yield* targetOf(flags.target, plan.targetProvider, "--target")
        const target = yield* Providers.fromEnvironment(name, { endpoints: endpointsOf(flags) })
        const store = storeOf(flags.database, flags.plan)
        const verified = yield* Workflow.verifyPlan(plan, target, { store }).pipe(
          RunStore.explainFailures(store, "verify", { readOnly: true })
        )
        const report =
          verified.stopped !== undefined ? { ...verified, stopped: explain(verified.stopped, name) } : verified
        yield* Output.result(flags.json, Workflow.verifySummary(report, flags.plan), () =>
          Output.cliWording(Workflow.renderVerify(report, flags.plan))
        )
        if (!report.ok) {
          const drifted = report.resources.some((r) => !r.ok && r.error === undefined)
          const errors = report.resources.flatMap((r) => (r.error !== undefined ? [r.error] : []))
          const code =
            report.stopped !== undefined
              ? ExitCode.ofError(report.stopped)
              : drifted || errors.length === 0
                ? ExitCode.codes.partial
                : ExitCode.ofFailures(errors)
          return yield* new Output.Exit({ code, reason: "verification found drift" })
        }
      })
    ),
  sync: (flags) =>
    reporting(
      "sync",
      flags.json,
      Effect.gen(function* () {
        const desired = yield* Files.readDesiredState(flags.desired, "--desired")
        const name = yield* targetOf(flags.provider, desired.resource.provider, "--desired: resource")
        const provider = yield* Providers.fromEnvironment(name, { endpoints: endpointsOf(flags) })
        const options: Workflow.SyncFlags = {
          onLossy: flags.onLossy,
          allowEveryone: flags.allowEveryone,
          allowAnyone: flags.allowAnyone,
          onExpiry: flags.onExpiry
        }
        yield* Workflow.checkDesired(provider, desired, options)
        const result = yield* Workflow.syncResource(provider, desired, { ...options, dryRun: flags.dryRun })
        const summary = Workflow.syncSummary(result, flags.dryRun)
        yield* Output.result(flags.json, summary, () => Output.cliWording(Workflow.renderSync(result, flags.dryRun)))
        if (!summary.ok) {
          return yield* new Output.Exit({ code: ExitCode.codes.partial, reason: "the sync did not converge" })
        }
      })
    ),
  simulate: (flags) =>
    reporting(
      "simulate",
      flags.json,
      Simulate.run({
        outDir: flags.outDir,
        port: Option.getOrUndefined(flags.port),
        json: flags.json,
        force: flags.force
      })
    ),
  demo: (flags) => reporting("demo", flags.json, Demo.run({ outDir: flags.outDir, json: flags.json }))
}
