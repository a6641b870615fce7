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
 * The flags themselves, and `Flags` (their parsed types, re-exported here), live in
 * `internal/CommandFlags.ts`, which both this module and `Handlers` import: `Handlers` never
 * imports this module.
 *
 * Adding a command `prune`:
 *
 * 1. in `internal/CommandFlags.ts`, its flags: `export const pruneFlags = { …, json }`, and a row
 *    `readonly prune: Infer<typeof pruneFlags>` in `Flags`;
 * 2. in `Handlers.handlers`, its body: `prune: (flags) => reporting("prune", flags.json, …)`;
 * 3. here, the command (the one line that makes it lazy is `lazily("prune")`):
 *    `const pruneCommand = Command.make("prune", pruneFlags, lazily("prune")).pipe(Command.withDescription(…))`,
 *    added to `root`'s subcommands and to `names`.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { Command } from "effect/cli"
import * as ExitCode from "./ExitCode.ts"
import type * as Handlers from "./Handlers.ts"
import {
  applyFlags,
  demoFlags,
  exportFlags,
  type Flags,
  planFlags,
  runnerFlags,
  simulateFlags,
  statusFlags,
  syncFlags,
  verifyFlags
} from "./internal/CommandFlags.ts"

export type { Flags } from "./internal/CommandFlags.ts"

const credentialsHelp = [
  "Credentials come only from the environment: CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY),",
  "SMARTSHEET_ACCESS_TOKEN, ECI_API_KEY, GOOGLE_DRIVE_ACCESS_TOKEN, BOX_ACCESS_TOKEN. They are never printed.",
  "Google Drive and Box take an access token as it is (a token that renews itself is a feature of the",
  "libraries @unishare/google-drive and @unishare/box, not of the command). Optional: GOOGLE_DRIVE_EVERYONE_DOMAIN",
  "(the domain Everyone stands for on Drive), BOX_EVERYONE_GROUP_ID (Box's all-users group), BOX_AS_USER (act",
  "as that Box user: As-User), BOX_COLLABORATION_EXPIRY=0 (the Box enterprise allows no collaboration end date)."
].join("\n")

const describe = (summary: string, ...more: ReadonlyArray<string>) =>
  [summary, ...more, "", credentialsHelp, "", ExitCode.table].join("\n")

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
      "Name resources with --resource, or let the provider list them (EnergyCAP lists; Cloudflare with --cloudflare-account).",
      "Smartsheet, Google Drive and Box cannot list their resources: name each with --resource (exit 2 otherwise)."
    )
  ),
  Command.withExamples([
    {
      command: "unishare export --provider smartsheet --resource smartsheet:sheet:4000000000000001 --out snapshot.json",
      description: "export one sheet's sharing"
    },
    {
      command:
        "unishare export --provider google-drive --resource google-drive:file:1ProjectsFolderAAAAAAAAAAAAAAAAAA --out snapshot.json",
      description: "export a Google Drive folder's permissions"
    }
  ])
)

const planCommand = Command.make("plan", planFlags, lazily("plan")).pipe(
  Command.withShortDescription("Plan a migration of a snapshot onto a target provider (no writes)"),
  Command.withDescription(
    describe(
      "Plan a migration: map identities and resources, translate levels with their fidelity",
      "(exact / narrowed / widened / unsupported / unresolved / skipped) and compute the minimal writes",
      "against the target's current shares. Prints a summary (counts, unresolved and unsupported principals,",
      "problems, writes per target resource; per-share rows with --details) and writes the plan file",
      "(and with --report an HTML report). Unresolved identities are reported, never dropped silently; with",
      "--fallback they go to the fallback. A plan with problems is written and exits 8; apply refuses it.",
      "Shares with the public (anyone) are planned only with --allow-anyone, with Everyone or a domain only with",
      "--allow-everyone; an expiry the target cannot keep is unsupported unless --on-expiry drop (then widened).",
      "The options are recorded in the plan, and apply and verify follow them."
    )
  ),
  Command.withExamples([
    {
      command:
        "unishare plan --snapshot snapshot.json --target eci --identities identities.csv --resources resources.json --fallback user:it@example.com",
      description: "plan a Smartsheet → EnergyCAP migration"
    },
    {
      command:
        "unishare plan --snapshot drive.json --target box --identities identities.csv --resources resources.json --on-expiry drop",
      description: "plan a Google Drive → Box migration, granting shares whose expiry Box cannot keep without it"
    }
  ])
)

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

const syncCommand = Command.make("sync", syncFlags, lazily("sync")).pipe(
  Command.withShortDescription("Make one resource's shares equal a desired-state file"),
  Command.withDescription(
    describe(
      "Make one resource's shares exactly equal a desired-state file: list, plan, write, then read back",
      "to verify. Shares not in the file are revoked (inherited ones are left alone). Exits 7 if it did not converge.",
      "A share with the public (anyone) needs --allow-anyone, with Everyone or a domain --allow-everyone; a share's",
      "expiresAt the provider cannot keep is refused (exit 2) unless --on-expiry drop."
    )
  )
)

const simulateCommand = Command.make("simulate", simulateFlags, lazily("simulate")).pipe(
  Command.withShortDescription("Start the five simulators with seeded data until SIGINT/SIGTERM"),
  Command.withDescription(
    [
      "Start the Smartsheet, EnergyCAP, Cloudflare, Google Drive and Box simulators on loopback with the demo",
      "dataset, print their URLs, the environment to use them (credentials included: they are the simulators'",
      "own) and the generated identity/resource maps (Smartsheet → EnergyCAP, Cloudflare accounts, Google Drive →",
      "Box), then run until SIGINT or SIGTERM (exit 130).",
      "",
      ExitCode.table
    ].join("\n")
  )
)

const demoCommand = Command.make("demo", demoFlags, lazily("demo")).pipe(
  Command.withShortDescription("Run the end-to-end demo on the built-in simulators"),
  Command.withDescription(
    [
      "Start the simulators in-process with a deterministic dataset (hundreds of shares), migrate Smartsheet",
      "sharing to EnergyCAP lists, Cloudflare shares between accounts and Google Drive permissions to Box",
      "collaborations: export, plan (with the fidelity report: exact, narrowed, unsupported, expiries kept),",
      "apply with progress, verify. Exits 0 only if every verification passes (7 otherwise).",
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
      "unishare: export, plan, apply, verify and sync sharing across Cloudflare, Smartsheet, EnergyCAP,",
      "Google Drive and Box.",
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
