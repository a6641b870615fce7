/**
 * The `unishare` commands (Effect's CLI module): `export`, `plan`, `apply`, `status`, `runner`,
 * `verify`, `sync`, `simulate` and `demo`, each with `--help` and `--json`.
 *
 * This module holds only what parsing and `--help` need: each command's name, flags and text.
 * What a command does lives in `Handlers` and is loaded (`import()`) only when that command runs,
 * so `unishare --version` and `--help` never load the providers, simulators, migration engine or
 * HTML report (the bundled bin splits `Handlers` into its own chunk: see `scripts/bundle.ts`).
 * Keep this module's imports light for that reason.
 *
 * Adding a command `prune`:
 *
 * 1. here, its flags: `const pruneFlags = { …, json }`, and a row `readonly prune: Infer<typeof pruneFlags>` in `Flags`;
 * 2. in `Handlers.handlers`, its body: `prune: (flags) => reporting("prune", flags.json, …)`;
 * 3. here, the command (the one line that makes it lazy is `lazily("prune")`):
 *    `const pruneCommand = Command.make("prune", pruneFlags, lazily("prune")).pipe(Command.withDescription(…))`,
 *    added to `root`'s subcommands and to `names`.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { Command, Flag } from "effect/cli"
import * as ExitCode from "./ExitCode.ts"
import type * as Handlers from "./Handlers.ts"
import * as ProviderNames from "./ProviderNames.ts"

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

const providerFlag = (name: string, description: string) =>
  Flag.Literals(name, ProviderNames.providers).pipe(Flag.withDescription(description))

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

const exportFlags = {
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
}

type Infer<Config extends Command.Command.Config> = Command.Command.Config.Infer<Config>

/**
 * The parsed flags of each command, by command name: what its handler in `Handlers` receives.
 *
 * @example
 * ```ts
 * import type { Commands } from "@unishare/cli"
 * const demo: Commands.Flags["demo"] = { outDir: ".unishare/demo", json: false }
 * ```
 */
export interface Flags {
  readonly export: Infer<typeof exportFlags>
  readonly plan: Infer<typeof planFlags>
  readonly apply: Infer<typeof applyFlags>
  readonly status: Infer<typeof statusFlags>
  readonly runner: Infer<typeof runnerFlags>
  readonly verify: Infer<typeof verifyFlags>
  readonly sync: Infer<typeof syncFlags>
  readonly simulate: Infer<typeof simulateFlags>
  readonly demo: Infer<typeof demoFlags>
}

/**
 * The handler of command `name`, loaded when the command runs: `Handlers` (and everything it
 * imports) is imported on the first call only, never for `--help`, `--version` or a parse error.
 */
const lazily =
  <Name extends keyof Flags>(name: Name) =>
  (flags: Flags[Name]): Effect.Effect<void, Handlers.Failure> =>
    Effect.flatMap(
      Effect.promise(() => import("./Handlers.ts")),
      (loaded) => loaded.handlers[name](flags)
    )

const exportCommand = Command.make("export", exportFlags, lazily("export")).pipe(
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

/** `--database`, optional, described for its command. */
const databaseFlag = (description: string) =>
  Flag.String("database").pipe(Flag.optional, Flag.withDescription(description))

const planFlags = {
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
      "plan a new target resource for every source resource the resource map does not map (EnergyCAP lists); apply creates it (once) and keeps its id in the run store"
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
}

const planCommand = Command.make("plan", planFlags, lazily("plan")).pipe(
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

const secretFileFlag = (who: string) =>
  Flag.String("secret-file").pipe(
    Flag.optional,
    Flag.withDescription(
      `a file holding the runners' shared secret (at least 32 bytes; e.g. openssl rand -hex 32 > runner.secret), the same for every runner and submitter of the store; default: the variable UNISHARE_RUNNER_SECRET. ${who}`
    )
  )

const applyFlags = {
  plan: Flag.String("plan").pipe(Flag.withDescription("the plan file (from plan)")),
  target: providerFlag("target", "the target provider (default: the plan's)").pipe(Flag.optional),
  dryRun: Flag.Boolean("dry-run").pipe(
    Flag.withDefault(false),
    Flag.withDescription(
      "list the operations per resource and check the credential can read every target (one read each); write nothing, not even the run store"
    )
  ),
  repair: Flag.Boolean("repair").pipe(
    Flag.withDefault(false),
    Flag.withDescription(
      "re-read every target and write what the plan says where it drifted (a new repair generation in the run store; a crashed repair resumes)"
    )
  ),
  allowProblems: Flag.Boolean("allow-problems").pipe(
    Flag.withDefault(false),
    Flag.withDescription("apply a plan that has problems (its problem resources are left alone)")
  ),
  concurrency: Flag.Int("concurrency").pipe(
    Flag.withDefault(4),
    Flag.withDescription("resources written at once (1-64; writes to one resource stay serialized; default 4)")
  ),
  database: databaseFlag(
    "the run store: a SQLite file, or postgres://… (default: UNISHARE_DATABASE_URL if set, else <plan>.run.db beside the plan)"
  ),
  submit: Flag.Boolean("submit").pipe(
    Flag.withDefault(false),
    Flag.withDescription(
      "with a postgres:// store: hand the run to the `unishare runner` processes on it and follow its progress (this process writes nothing). Refused (exit 2, nothing stored) while no runner is live on the store; if every runner disappears mid-run it says so on stderr and goes on following"
    )
  ),
  secretFile: secretFileFlag(
    "With --submit: connects to the runners over TLS keyed by it (required when they listen on non-loopback addresses)"
  ),
  progressInterval: Flag.Int("progress-interval").pipe(
    Flag.withDefault(5),
    Flag.withDescription(
      "with --submit: seconds (1-3600) between reports on stderr while following: runners gone or joined and, when stderr is not a terminal, the run's applied / failed / pending counts (default 5)"
    )
  ),
  json,
  ...endpoints
}

const applyCommand = Command.make("apply", applyFlags, lazily("apply")).pipe(
  Command.withShortDescription("Apply a plan to the target, durably and resumably"),
  Command.withDescription(
    describe(
      "Apply a plan with bounded concurrency within the provider's rate limit, as durable workflows on",
      "Effect's engine. Every finished unit is recorded in the run store (default <plan>.run.db beside the",
      "plan, a SQLite file; or PostgreSQL with --database), so an interrupted or killed run resumes without",
      "repeating applied writes and a second run issues zero writes; `status --audit` prints every write.",
      "A progress bar is drawn on stderr when it is a terminal. The plan's digest is checked (an",
      "edited plan is refused) and a plan with problems is refused (exit 8) unless --allow-problems. The first",
      "refused credential (3) or unreachable provider (5) stops the run; when every failed unit failed the",
      "same way the exit code is that class's, 7 for a mix. With --submit the runners of a PostgreSQL store do",
      "the writes: start them first (`unishare runner`), a submission to a store without a live runner is",
      "refused (exit 2); when they all disappear mid-run a note on stderr says so, and another when one is back;",
      "without a terminal it prints the run's counts on stderr every --progress-interval seconds. Runners and",
      "submitters share a secret (--secret-file or UNISHARE_RUNNER_SECRET) when runners listen off loopback."
    )
  ),
  Command.withExamples([
    { command: "unishare apply --plan plan.json", description: "apply (or resume) a plan" },
    {
      command: "unishare apply --plan plan.json --database postgres://runs@db/unishare --submit",
      description: "hand the run to the live runners of a PostgreSQL store and follow it"
    }
  ])
)

const statusFlags = {
  plan: Flag.String("plan").pipe(Flag.withDescription("the plan file (from plan) whose run to show")),
  database: databaseFlag(
    "the run store apply used: a SQLite file, or postgres://… (default: UNISHARE_DATABASE_URL, else <plan>.run.db)"
  ),
  audit: Flag.Boolean("audit").pipe(
    Flag.withDefault(false),
    Flag.withDescription(
      "print the run's audit log instead: one JSON line per write attempt (unit, outcome, time, process, operations, error)"
    )
  ),
  json
}

const statusCommand = Command.make("status", statusFlags, lazily("status")).pipe(
  Command.withShortDescription("Show a run's progress, or its audit log, from its store (any machine)"),
  Command.withDescription(
    [
      "Show the progress of a plan's apply: units applied, failed and pending per target resource, the targets",
      "created and the repairs, read from the run store only (no engine is started, the target is not",
      "contacted, no credential is needed). With PostgreSQL it works from any machine while the run goes on; a",
      "SQLite store is held by its running apply, so read it after that run. With --audit it prints the audit",
      "log: one JSON line per write attempt (time, unit, outcome, process, operation count, error message).",
      "On PostgreSQL it also lists the store's live members (`members` in --json): runners with their address,",
      "process id and last heartbeat, and an apply running in its own process. The store is opened read-only;",
      "a store made by an older version is read as it is (missing columns or tables read as empty).",
      "",
      ExitCode.table
    ].join("\n")
  ),
  Command.withExamples([
    {
      command: "unishare status --plan plan.json --database postgres://runs@db/unishare --json",
      description: "a run's progress as JSON"
    },
    { command: "unishare status --plan plan.json --audit", description: "every write of the run, as JSON lines" }
  ])
)

const runnerFlags = {
  database: databaseFlag("the PostgreSQL store shared by the runners: postgres://… (default: UNISHARE_DATABASE_URL)"),
  runnerAddress: Flag.String("runner-address").pipe(
    Flag.withDefault("127.0.0.1:34431"),
    Flag.withDescription(
      "host:port (or [IPv6]:port) this runner listens on, reachable by the other runners (unique per runner)"
    )
  ),
  target: providerFlag("target", "the provider this runner writes to: cloudflare, smartsheet or eci"),
  shardLockExpiration: Flag.Int("shard-lock-expiration").pipe(
    Flag.optional,
    Flag.withDescription(
      "seconds (2-3600) before a dead runner's work is taken over by the others: the first runner of a store records it (default 35), later ones must match it or leave it unset"
    )
  ),
  secretFile: secretFileFlag(
    "Every connection to and from this runner is then TLS keyed by it; required to listen on an address that is not a loopback one (127.0.0.0/8, ::1, localhost)"
  ),
  maxConnections: Flag.Int("max-connections").pipe(
    Flag.withDefault(256),
    Flag.withDescription(
      "at most this many connections open at once on the runner's socket, authenticated or in their handshake (1-65535, default 256); one more is closed at once"
    )
  ),
  json,
  ...endpoints
}

const runnerCommand = Command.make("runner", runnerFlags, lazily("runner")).pipe(
  Command.withShortDescription("Run durable applies submitted to a PostgreSQL store, until SIGINT/SIGTERM"),
  Command.withDescription(
    describe(
      "Join the runners of a PostgreSQL store and execute the durable runs submitted to it (apply --database",
      "postgres://… --submit): each target resource's workflow runs on the runner holding its shard. A runner",
      "that dies (even kill -9) loses nothing: the others take its work over once its shard locks expire.",
      "Its settings come from its flags only (never from HOST, PORT or other variables of the environment); the",
      "store records them and refuses a runner or submitter with different ones (exit 2), and refuses a runner",
      "while an apply without --submit is running on the store. With --json, 'ready' is one JSON document with",
      "the settings the runner uses. Start runners before submitting: apply --submit is refused while none is",
      "live; `unishare status` lists the live runners with their last heartbeat. With a shared secret",
      "(--secret-file or UNISHARE_RUNNER_SECRET) every connection is TLS keyed by it and a peer without it is",
      "closed before anything it sent is read; without one a runner listens on a loopback address only."
    )
  ),
  Command.withExamples([
    {
      command:
        "unishare runner --database postgres://runs@db/unishare --runner-address 10.0.0.5:34431 --target eci --secret-file /etc/unishare/runner.secret",
      description: "one runner per machine"
    }
  ])
)

const verifyFlags = {
  plan: Flag.String("plan").pipe(Flag.withDescription("the plan file (from plan)")),
  target: providerFlag("target", "the target provider (default: the plan's)").pipe(Flag.optional),
  database: databaseFlag(
    "the run store apply used, read for the targets it created: a SQLite file, or postgres://… (default: UNISHARE_DATABASE_URL, else <plan>.run.db)"
  ),
  json,
  ...endpoints
}

const verifyCommand = Command.make("verify", verifyFlags, lazily("verify")).pipe(
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

const syncFlags = {
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
}

const syncCommand = Command.make("sync", syncFlags, lazily("sync")).pipe(
  Command.withShortDescription("Make one resource's shares equal a desired-state file"),
  Command.withDescription(
    describe(
      "Make one resource's shares exactly equal a desired-state file: list, plan, write, then read back",
      "to verify. Shares not in the file are revoked (inherited ones are left alone). Exits 7 if it did not converge."
    )
  )
)

const simulateFlags = {
  outDir: Flag.String("out-dir").pipe(
    Flag.withDefault(".unishare/simulate"),
    Flag.withDescription("where to write the generated identity and resource maps (default .unishare/simulate)")
  ),
  port: Flag.Int("port").pipe(
    Flag.optional,
    Flag.withDescription("first port: smartsheet on it, eci on +1, cloudflare on +2 (default: free ports)")
  ),
  force,
  json
}

const simulateCommand = Command.make("simulate", simulateFlags, lazily("simulate")).pipe(
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

const demoFlags = {
  outDir: Flag.String("out-dir").pipe(
    Flag.withDefault(".unishare/demo"),
    Flag.withDescription(
      "where the demo writes its snapshot, plans, run stores and report (default .unishare/demo; emptied first)"
    )
  ),
  json
}

const demoCommand = Command.make("demo", demoFlags, lazily("demo")).pipe(
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
    statusCommand,
    runnerCommand,
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
export const names = ["export", "plan", "apply", "status", "runner", "verify", "sync", "simulate", "demo"] as const
