/**
 * The `unishare` commands (Effect's CLI module): `export`, `plan`, `apply`, `verify`, `sync`,
 * `simulate` and `demo`, each with `--help` and `--json`.
 *
 * @since 0.1.0
 */
import { Errors } from "@unishare/core"
import { IdentityMap, Migration, Report, ResourceMap } from "@unishare/migration"
import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as Demo from "./Demo.ts"
import * as ExitCode from "./ExitCode.ts"
import * as Files from "./Files.ts"
import * as HttpLog from "./HttpLog.ts"
import * as Notation from "./Notation.ts"
import * as Output from "./Output.ts"
import * as Providers from "./Providers.ts"
import * as Simulate from "./Simulate.ts"
import * as Workflow from "./Workflow.ts"

const force = Flag.Boolean("force").pipe(
  Flag.withDefault(false),
  Flag.withDescription("replace output files that already exist (by default an existing file is never overwritten)")
)

const json = Flag.Boolean("json").pipe(
  Flag.withDefault(false),
  Flag.withDescription("print exactly one JSON document on stdout (for scripts); messages go to stderr")
)

const endpoints = {
  cloudflareUrl: Flag.String("cloudflare-url").pipe(
    Flag.optional,
    Flag.withDescription("Cloudflare API base URL (default: CLOUDFLARE_BASE_URL or the public API)")
  ),
  smartsheetUrl: Flag.String("smartsheet-url").pipe(
    Flag.optional,
    Flag.withDescription(
      "Smartsheet API base URL, e.g. http://127.0.0.1:8080/2.0 (default: SMARTSHEET_API_HOST or the region)"
    )
  ),
  eciUrl: Flag.String("eci-url").pipe(
    Flag.optional,
    Flag.withDescription("EnergyCAP API origin (default: ECI_BASE_URL or ECI_ENVIRONMENT)")
  )
}

type EndpointFlags = {
  readonly cloudflareUrl: Option.Option<string>
  readonly smartsheetUrl: Option.Option<string>
  readonly eciUrl: Option.Option<string>
}

const endpointsOf = (flags: EndpointFlags): Providers.Endpoints => ({
  cloudflare: Option.getOrUndefined(flags.cloudflareUrl),
  smartsheet: Option.getOrUndefined(flags.smartsheetUrl),
  eci: Option.getOrUndefined(flags.eciUrl)
})

const providerFlag = (name: string, description: string) =>
  Flag.Literals(name, Notation.providers).pipe(Flag.withDescription(description))

const onLossyFlag = (fallback: "fail" | "round-down" | "round-up") =>
  Flag.Literals("on-lossy", ["fail", "round-down", "round-up"]).pipe(
    Flag.withDefault(fallback),
    Flag.withDescription(
      `a level the target does not have: fail, round-down (never grant more) or round-up (default ${fallback})`
    )
  )

const credentialsHelp = [
  "Credentials come only from the environment: CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY),",
  "SMARTSHEET_ACCESS_TOKEN, ECI_API_KEY. They are never printed."
].join("\n")

const describe = (summary: string, ...more: ReadonlyArray<string>) =>
  [summary, ...more, "", credentialsHelp, "", ExitCode.table].join("\n")

/**
 * Runs a command body: a sharing error is reported (JSON on stdout with `--json`, text on stderr)
 * and becomes an `Output.Exit` with its exit code.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Commands } from "@unishare/cli"
 * const run = Commands.reporting("plan", true, Effect.void)
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
 * import { Commands } from "@unishare/cli"
 * Commands.explain(new Errors.AccessDenied({ provider: "eci", operation: "getListShare", message: "401" }), "eci").message
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

const exportCommand = Command.make(
  "export",
  {
    provider: providerFlag("provider", "the provider to read: cloudflare, smartsheet or eci"),
    resource: Flag.String("resource").pipe(
      Flag.atLeast(0),
      Flag.withDescription(
        "a resource to export, repeatable: smartsheet:sheet:<id>, eci:list:<id>, cloudflare:share:<account>/<share> (default: every resource the provider lists)"
      )
    ),
    cloudflareAccount: Flag.String("cloudflare-account").pipe(
      Flag.atLeast(0),
      Flag.withDescription("a Cloudflare account whose sent shares are listed when no --resource is given (repeatable)")
    ),
    out: Flag.String("out").pipe(
      Flag.withDefault("snapshot.json"),
      Flag.withDescription("the snapshot file to write (default snapshot.json; never overwritten without --force)")
    ),
    force,
    json,
    ...endpoints
  },
  (flags) =>
    reporting(
      "export",
      flags.json,
      Effect.gen(function* () {
        const resources = yield* parseResources(flags.resource)
        const provider = yield* Providers.fromEnvironment(flags.provider, {
          endpoints: endpointsOf(flags),
          cloudflareAccounts: flags.cloudflareAccount
        })
        const snapshot = yield* Workflow.exportTo(provider, { resources, out: flags.out, force: flags.force })
        const summary = Workflow.exportSummary(snapshot, flags.out)
        yield* Output.result(
          flags.json,
          summary,
          () =>
            `Exported ${summary.shares} share(s) (${summary.inherited} inherited) on ${summary.resources} ${summary.provider} resource(s) to ${flags.out}`
        )
      })
    )
).pipe(
  Command.withShortDescription("Export resources and their shares from a provider into a snapshot file"),
  Command.withDescription(
    describe(
      "Export resources and their shares from a provider into a versioned snapshot file (JSON).",
      "Name resources with --resource, or let the provider list them (EnergyCAP lists; Cloudflare with --cloudflare-account; Smartsheet needs --resource)."
    )
  ),
  Command.withExamples([
    {
      command: "unishare export --provider smartsheet --resource smartsheet:sheet:4000000000000001 --out snapshot.json",
      description: "export one sheet's sharing"
    }
  ])
)

const planCommand = Command.make(
  "plan",
  {
    snapshot: Flag.String("snapshot").pipe(Flag.withDescription("the snapshot file (from export)")),
    target: providerFlag("target", "the provider to migrate to: cloudflare, smartsheet or eci"),
    identities: Flag.String("identities").pipe(
      Flag.optional,
      Flag.withDescription(
        "identity map: CSV with a header source,target in kind:value notation (user:ada@example.com, group:7, account:<id>), or JSON [{source, target}]. Emails map by themselves."
      )
    ),
    resources: Flag.String("resources").pipe(
      Flag.optional,
      Flag.withDescription(
        'resource map JSON: [{"source": "smartsheet:sheet:1", "target": "eci:list:42"}] (notation or {provider, kind, id, parent?} objects); optional with --create-missing'
      )
    ),
    fallback: Flag.String("fallback").pipe(
      Flag.optional,
      Flag.withDescription("a target grantee (kind:value) that receives the shares of unresolved identities")
    ),
    onLossy: onLossyFlag("round-down"),
    allowEveryone: Flag.Boolean("allow-everyone").pipe(
      Flag.withDefault(false),
      Flag.withDescription("allow grants to Everyone (an explicit opt-in)")
    ),
    includeInherited: Flag.Boolean("include-inherited").pipe(
      Flag.withDefault(false),
      Flag.withDescription(
        "also migrate shares the source inherits from a parent (e.g. a Smartsheet workspace), flattened onto each target"
      )
    ),
    mode: Flag.Literals("mode", ["merge", "mirror"]).pipe(
      Flag.withDefault("merge"),
      Flag.withDescription("merge keeps target shares the source lacks; mirror revokes them (default merge)")
    ),
    createMissing: Flag.Boolean("create-missing").pipe(
      Flag.withDefault(false),
      Flag.withDescription(
        "plan a new target resource for every source resource the resource map does not map (EnergyCAP lists); apply creates it and journals its id"
      )
    ),
    createType: Flag.String("create-type").pipe(
      Flag.optional,
      Flag.withDescription("the type of the resources --create-missing creates (EnergyCAP: the list type id, e.g. 1)")
    ),
    details: Flag.Boolean("details").pipe(
      Flag.withDefault(false),
      Flag.withDescription("also print one row per source share (the plan file always has them)")
    ),
    report: Flag.String("report").pipe(
      Flag.optional,
      Flag.withDescription("also write the plan as a self-contained HTML report (sortable, filterable), e.g. plan.html")
    ),
    out: Flag.String("out").pipe(
      Flag.withDefault("plan.json"),
      Flag.withDescription("the plan file to write (default plan.json; never overwritten without --force)")
    ),
    force,
    json,
    ...endpoints
  },
  (flags) =>
    reporting(
      "plan",
      flags.json,
      Effect.gen(function* () {
        const snapshot = yield* Files.readSnapshot(flags.snapshot, "--snapshot")
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
        const plan = yield* Workflow.planTo(snapshot, target, {
          identities,
          resources,
          out: flags.out,
          report,
          force: flags.force,
          flags: {
            onLossy: flags.onLossy,
            allowEveryone: flags.allowEveryone,
            includeInherited: flags.includeInherited,
            mode: flags.mode,
            fallback,
            createMissing: flags.createMissing,
            createType: Option.getOrUndefined(flags.createType)
          }
        })
        yield* Output.result(
          flags.json,
          Workflow.planSummary(plan, flags.out, report),
          () =>
            `${Output.cliWording(Report.renderPlan(plan, { details: flags.details }))}\n\nPlan written to ${flags.out}${report !== undefined ? `; report: ${report}` : ""}`
        )
        if (plan.problems.length > 0) {
          return yield* new Output.Exit({
            code: ExitCode.codes.problems,
            reason: `the plan has ${plan.problems.length} problem(s)`
          })
        }
      })
    )
).pipe(
  Command.withShortDescription("Plan a migration of a snapshot onto a target provider (no writes)"),
  Command.withDescription(
    describe(
      "Plan a migration: map identities and resources, translate levels with their fidelity",
      "(exact / narrowed / widened / unsupported / unresolved / skipped) and compute the minimal writes",
      "against the target's current shares. Prints a summary (counts, unresolved and unsupported principals,",
      "problems, writes per target resource; per-share rows with --details) and writes the plan file",
      "(and with --report an HTML report). Unresolved identities are reported, never dropped silently; with",
      "--fallback they go to the fallback. A plan with problems is written and exits 8; apply refuses it."
    )
  ),
  Command.withExamples([
    {
      command:
        "unishare plan --snapshot snapshot.json --target eci --identities identities.csv --resources resources.json --fallback user:it@example.com",
      description: "plan a Smartsheet → EnergyCAP migration"
    }
  ])
)

const targetOf = (flag: Option.Option<Notation.ProviderName>, planTarget: string, field: string) =>
  Option.isSome(flag)
    ? Effect.succeed(flag.value)
    : Notation.isProvider(planTarget)
      ? Effect.succeed(planTarget)
      : Effect.fail(
          Errors.invalid("unishare", "select provider", field, `unknown provider ${JSON.stringify(planTarget)}`)
        )

const applyCommand = Command.make(
  "apply",
  {
    plan: Flag.String("plan").pipe(Flag.withDescription("the plan file (from plan)")),
    target: providerFlag("target", "the target provider (default: the plan's)").pipe(Flag.optional),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDefault(false),
      Flag.withDescription(
        "list the operations per resource and check the credential can read every target (one read each); write nothing, not even the journal"
      )
    ),
    repair: Flag.Boolean("repair").pipe(
      Flag.withDefault(false),
      Flag.withDescription("re-read every target and write what the plan says where it drifted (journaled)")
    ),
    allowProblems: Flag.Boolean("allow-problems").pipe(
      Flag.withDefault(false),
      Flag.withDescription("apply a plan that has problems (its problem resources are left alone)")
    ),
    journal: Flag.String("journal").pipe(
      Flag.optional,
      Flag.withDescription("the journal file (JSON lines; default: beside the plan, <plan>.journal.jsonl)")
    ),
    concurrency: Flag.Int("concurrency").pipe(
      Flag.withDefault(4),
      Flag.withDescription("resources written at once (1-64; writes to one resource stay serialized; default 4)")
    ),
    database: Flag.String("database").pipe(
      Flag.optional,
      Flag.withDescription(
        "run durably on Effect's workflow engine in this store: a SQLite file, or postgres://… (default: UNISHARE_DATABASE_URL if set)"
      )
    ),
    json,
    ...endpoints
  },
  (flags) =>
    reporting(
      "apply",
      flags.json,
      Effect.gen(function* () {
        const plan = yield* Files.readPlan(flags.plan, "--plan")
        yield* Migration.checkDigest(plan)
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
            yield* Output.line(
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
        const journal = Option.getOrElse(flags.journal, () => Files.journalPathFor(flags.plan))
        const database = Option.orElse(flags.database, () =>
          Option.filter(Option.fromNullishOr(process.env.UNISHARE_DATABASE_URL), (url) => url !== "")
        )
        const report = yield* Workflow.applyPlan(plan, target, {
          journal,
          dryRun: flags.dryRun,
          repair: flags.repair,
          concurrency: flags.concurrency,
          ...(Option.isSome(database) ? { database: database.value } : {})
        })
        const stopped = report.stopped !== undefined ? explain(report.stopped, name) : undefined
        const shown = stopped !== undefined ? { ...report, stopped } : report
        yield* Output.result(flags.json, Workflow.applySummary(shown, journal), () =>
          Output.cliWording(Workflow.renderApply(shown, journal))
        )
        const failures = report.units.flatMap((u) => (u.outcome === "failed" && u.error !== undefined ? [u.error] : []))
        const code = stopped !== undefined ? ExitCode.ofError(stopped) : ExitCode.ofFailures(failures)
        if (code !== ExitCode.codes.ok) {
          return yield* new Output.Exit({ code, reason: `${report.failed} unit(s) failed` })
        }
      })
    )
).pipe(
  Command.withShortDescription("Apply a plan to the target, journaled and resumable"),
  Command.withDescription(
    describe(
      "Apply a plan with bounded concurrency within the provider's rate limit. Every finished unit is",
      "journaled, so an interrupted run resumes without repeating applied writes and a second run issues",
      "zero writes. A progress bar is drawn on stderr when it is a terminal. The plan's digest is checked (an",
      "edited plan is refused) and a plan with problems is refused (exit 8) unless --allow-problems. The first",
      "refused credential (3) or unreachable provider (5) stops the run; when every failed unit failed the",
      "same way the exit code is that class's, 7 for a mix."
    )
  ),
  Command.withExamples([{ command: "unishare apply --plan plan.json", description: "apply (or resume) a plan" }])
)

const verifyCommand = Command.make(
  "verify",
  {
    plan: Flag.String("plan").pipe(Flag.withDescription("the plan file (from plan)")),
    target: providerFlag("target", "the target provider (default: the plan's)").pipe(Flag.optional),
    journal: Flag.String("journal").pipe(
      Flag.optional,
      Flag.withDescription("the apply journal, read for the targets apply created (default <plan>.journal.jsonl)")
    ),
    json,
    ...endpoints
  },
  (flags) =>
    reporting(
      "verify",
      flags.json,
      Effect.gen(function* () {
        const plan = yield* Files.readPlan(flags.plan, "--plan")
        const name = yield* targetOf(flags.target, plan.targetProvider, "--target")
        const target = yield* Providers.fromEnvironment(name, { endpoints: endpointsOf(flags) })
        const journal = Option.getOrElse(flags.journal, () => Files.journalPathFor(flags.plan))
        const verified = yield* Workflow.verifyPlan(plan, target, { journal })
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
    )
).pipe(
  Command.withShortDescription("Read the target back and check it matches the plan"),
  Command.withDescription(
    describe(
      "Read every target resource of a plan back and compare it with the plan's desired shares",
      "(pending shares of asynchronous providers count as present). Exits 7 on drift, naming the drifted",
      "resources and the command that repairs them (apply --repair); a refused credential (3) or an",
      "unreachable provider (5) stops it at once."
    )
  )
)

const syncCommand = Command.make(
  "sync",
  {
    desired: Flag.String("desired").pipe(
      Flag.withDescription(
        'desired-state JSON: {"resource": "eci:list:42", "shares": [{"grantee": "user:ada@example.com", "level": "viewer"}]}'
      )
    ),
    provider: providerFlag("provider", "the provider (default: the resource's)").pipe(Flag.optional),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDefault(false),
      Flag.withDescription("show the operations; write nothing")
    ),
    onLossy: onLossyFlag("fail"),
    allowEveryone: Flag.Boolean("allow-everyone").pipe(
      Flag.withDefault(false),
      Flag.withDescription("allow grants to Everyone (an explicit opt-in)")
    ),
    json,
    ...endpoints
  },
  (flags) =>
    reporting(
      "sync",
      flags.json,
      Effect.gen(function* () {
        const desired = yield* Files.readDesiredState(flags.desired, "--desired")
        const name = yield* targetOf(flags.provider, desired.resource.provider, "--desired: resource")
        const provider = yield* Providers.fromEnvironment(name, { endpoints: endpointsOf(flags) })
        yield* Workflow.checkDesired(provider, desired, { onLossy: flags.onLossy, allowEveryone: flags.allowEveryone })
        const result = yield* Workflow.syncResource(provider, desired, {
          dryRun: flags.dryRun,
          onLossy: flags.onLossy,
          allowEveryone: flags.allowEveryone
        })
        const summary = Workflow.syncSummary(result, flags.dryRun)
        yield* Output.result(flags.json, summary, () => Output.cliWording(Workflow.renderSync(result, flags.dryRun)))
        if (!summary.ok) {
          return yield* new Output.Exit({ code: ExitCode.codes.partial, reason: "the sync did not converge" })
        }
      })
    )
).pipe(
  Command.withShortDescription("Make one resource's shares equal a desired-state file"),
  Command.withDescription(
    describe(
      "Make one resource's shares exactly equal a desired-state file: list, plan, write, then read back",
      "to verify. Shares not in the file are revoked (inherited ones are left alone). Exits 7 if it did not converge."
    )
  )
)

const simulateCommand = Command.make(
  "simulate",
  {
    outDir: Flag.String("out-dir").pipe(
      Flag.withDefault(".unishare/simulate"),
      Flag.withDescription("where to write the generated identity and resource maps (default .unishare/simulate)")
    ),
    port: Flag.Int("port").pipe(
      Flag.optional,
      Flag.withDescription("first port: smartsheet on it, eci on +1, cloudflare on +2 (default: free ports)")
    ),
    json
  },
  (flags) =>
    reporting(
      "simulate",
      flags.json,
      Simulate.run({ outDir: flags.outDir, port: Option.getOrUndefined(flags.port), json: flags.json })
    )
).pipe(
  Command.withShortDescription("Start the three simulators with seeded data until SIGINT/SIGTERM"),
  Command.withDescription(
    [
      "Start the Smartsheet, EnergyCAP and Cloudflare simulators on loopback with the demo dataset, print",
      "their URLs, the environment to use them (credentials included: they are the simulators' own) and",
      "the generated identity/resource maps, then run until SIGINT or SIGTERM (exit 130).",
      "",
      ExitCode.table
    ].join("\n")
  )
)

const demoCommand = Command.make(
  "demo",
  {
    outDir: Flag.String("out-dir").pipe(
      Flag.withDefault(".unishare/demo"),
      Flag.withDescription(
        "where the demo writes its snapshot, plans, journals and report (default .unishare/demo; emptied first)"
      )
    ),
    json
  },
  (flags) => reporting("demo", flags.json, Demo.run({ outDir: flags.outDir, json: flags.json }))
).pipe(
  Command.withShortDescription("Run the end-to-end demo on the built-in simulators"),
  Command.withDescription(
    [
      "Start the three simulators in-process with a deterministic dataset (hundreds of shares), migrate",
      "Smartsheet sharing to EnergyCAP lists and Cloudflare shares between accounts: export, plan (with",
      "the fidelity report), apply with progress, verify. Exits 0 only if verification passes (7 otherwise).",
      "",
      ExitCode.table
    ].join("\n")
  )
)

/**
 * The root command with every subcommand.
 *
 * @example
 * ```ts
 * import { Command } from "effect/cli"
 * import { Commands } from "@unishare/cli"
 * const run = Command.runWith(Commands.root, { version: "0.1.0" })
 * ```
 */
export const root = Command.make("unishare").pipe(
  Command.withDescription(
    [
      "unishare: export, plan, apply, verify and sync sharing across Cloudflare, Smartsheet and EnergyCAP.",
      "",
      "A migration: export → plan → apply → verify. Every command takes --json and --help.",
      "",
      credentialsHelp,
      "",
      ExitCode.table
    ].join("\n")
  ),
  Command.withSubcommands([
    exportCommand,
    planCommand,
    applyCommand,
    verifyCommand,
    syncCommand,
    simulateCommand,
    demoCommand
  ])
)

/**
 * The names of the subcommands.
 *
 * @example
 * ```ts
 * import { Commands } from "@unishare/cli"
 * Commands.names.includes("plan") // true
 * ```
 */
export const names = ["export", "plan", "apply", "verify", "sync", "simulate", "demo"] as const
