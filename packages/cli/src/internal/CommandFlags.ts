/**
 * The flags of every `unishare` command (internal, its `Flags` re-exported by `Commands`): what
 * `Commands` parses, and the parsed types (`Flags`) each handler in `Handlers` receives. Both
 * import it, so neither imports the other for these types. Light on purpose, like `Commands`:
 * parsing and `--help` load it.
 *
 * @since 0.1.0
 */
import { type Command, Flag } from "effect/cli"
import * as ProviderNames from "../ProviderNames.ts"

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
  ),
  googleDriveUrl: Flag.String("google-drive-url").pipe(
    Flag.optional,
    Flag.withDescription(
      "Google Drive API base URL, e.g. http://127.0.0.1:8090/drive/v3 (default: GOOGLE_DRIVE_BASE_URL or https://www.googleapis.com/drive/v3)"
    )
  ),
  boxUrl: Flag.String("box-url").pipe(
    Flag.optional,
    Flag.withDescription(
      "Box API base URL, e.g. http://127.0.0.1:8091/2.0 (default: BOX_BASE_URL or https://api.box.com/2.0)"
    )
  )
}

const providerList = "cloudflare, smartsheet, eci, google-drive or box"

const providerFlag = (name: string, description: string) =>
  Flag.Literals(name, ProviderNames.providers).pipe(Flag.withDescription(description))

const onLossyFlag = (fallback: "fail" | "round-down" | "round-up") =>
  Flag.Literals("on-lossy", ["fail", "round-down", "round-up"]).pipe(
    Flag.withDefault(fallback),
    Flag.withDescription(
      `a level the target does not have: fail, round-down (never grant more) or round-up (default ${fallback})`
    )
  )

const allowEveryoneFlag = Flag.Boolean("allow-everyone").pipe(
  Flag.withDefault(false),
  Flag.withDescription(
    "allow grants to Everyone (a whole organization) and to a domain (domain:acme.example): an explicit opt-in"
  )
)

const allowAnyoneFlag = Flag.Boolean("allow-anyone").pipe(
  Flag.withDefault(false),
  Flag.withDescription(
    "allow grants to the public (anyone: anyone with the link, e.g. Google Drive's 'anyone'): an explicit opt-in, separate from --allow-everyone; without it such shares are reported unsupported and never written"
  )
)

const onExpiryFlag = Flag.Literals("on-expiry", ["fail", "drop"]).pipe(
  Flag.withDefault("fail"),
  Flag.withDescription(
    "an expiry the target cannot keep: fail (default: the share is reported unsupported and not granted) or drop (granted without its end date: reported widened, with a note)"
  )
)

export const exportFlags = {
  provider: providerFlag("provider", `the provider to read: ${providerList}`),
  resource: Flag.String("resource").pipe(
    Flag.atLeast(0),
    Flag.withDescription(
      "a resource to export, repeatable: smartsheet:sheet:<id>, eci:list:<id>, cloudflare:share:<account>/<share>, google-drive:file:<id> (a file or folder), google-drive:drive:<id> (a shared drive's members), box:folder:<id>, box:file:<id> (default: every resource the provider lists; Smartsheet, Google Drive and Box list none, so name them)"
    )
  ),
  resourcesFrom: Flag.String("resources-from").pipe(
    Flag.optional,
    Flag.withDescription(
      "a file naming the resources to export, one provider:kind:id a line (blank lines and lines starting with # are skipped), added to any --resource: for more resources than a command line holds"
    )
  ),
  cloudflareAccount: Flag.String("cloudflare-account").pipe(
    Flag.atLeast(0),
    Flag.withDescription("a Cloudflare account whose sent shares are listed when no --resource is given (repeatable)")
  ),
  out: Flag.String("out").pipe(
    Flag.withDefault("snapshot.json"),
    Flag.withDescription(
      "the snapshot file to write (default snapshot.json; JSON Lines, written as resources are read; never overwritten without --force)"
    )
  ),
  force,
  json,
  ...endpoints
}

/** `--database`, optional, described for its command. */
const databaseFlag = (description: string) =>
  Flag.String("database").pipe(Flag.optional, Flag.withDescription(description))

export const planFlags = {
  snapshot: Flag.String("snapshot").pipe(
    Flag.withDescription(
      "the snapshot file (from export): JSON Lines, read a line at a time; a single-document file (versions 1 and 2) is still read"
    )
  ),
  target: providerFlag("target", `the provider to migrate to: ${providerList}`),
  identities: Flag.String("identities").pipe(
    Flag.optional,
    Flag.withDescription(
      "identity map: CSV with a header source,target in kind:value notation (user:ada@example.com, group:7, account:<id>, organization:<id>, everyone, domain:acme.example[:discoverable], anyone, anyone:discoverable), or JSON [{source, target}]. Emails map by themselves."
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
    Flag.withDescription(
      "a target grantee (kind:value, e.g. user:it@example.com, group:7, domain:acme.example) that receives the shares of unresolved identities"
    )
  ),
  onLossy: onLossyFlag("round-down"),
  allowEveryone: allowEveryoneFlag,
  allowAnyone: allowAnyoneFlag,
  onExpiry: onExpiryFlag,
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

const secretFileFlag = (who: string) =>
  Flag.String("secret-file").pipe(
    Flag.optional,
    Flag.withDescription(
      `a file holding the runners' shared secret (at least 32 bytes; e.g. openssl rand -hex 32 > runner.secret), the same for every runner and submitter of the store; default: the variable UNISHARE_RUNNER_SECRET. ${who}`
    )
  )

export const applyFlags = {
  plan: Flag.String("plan").pipe(
    Flag.withDescription(
      "the plan file (from plan): JSON Lines, its digest checked; a single-document plan (versions 1 and 2) is still read"
    )
  ),
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
    Flag.optional,
    Flag.withDescription(
      "resources written at once (1-64; writes to one resource stay serialized; default: 4 for a target with a documented request budget, 16 for one without, such as EnergyCAP, whose pause before each re-read then overlaps)"
    )
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

export const statusFlags = {
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

export const runnerFlags = {
  database: databaseFlag("the PostgreSQL store shared by the runners: postgres://… (default: UNISHARE_DATABASE_URL)"),
  runnerAddress: Flag.String("runner-address").pipe(
    Flag.withDefault("127.0.0.1:34431"),
    Flag.withDescription(
      "host:port (or [IPv6]:port) this runner listens on, reachable by the other runners (unique per runner)"
    )
  ),
  target: providerFlag("target", `the provider this runner writes to: ${providerList}`),
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

export const verifyFlags = {
  plan: Flag.String("plan").pipe(
    Flag.withDescription(
      "the plan file (from plan): JSON Lines, its digest checked; a single-document plan (versions 1 and 2) is still read"
    )
  ),
  target: providerFlag("target", "the target provider (default: the plan's)").pipe(Flag.optional),
  database: databaseFlag(
    "the run store apply used, read for the targets it created: a SQLite file, or postgres://… (default: UNISHARE_DATABASE_URL, else <plan>.run.db)"
  ),
  json,
  ...endpoints
}

export const syncFlags = {
  desired: Flag.String("desired").pipe(
    Flag.withDescription(
      'desired-state JSON: {"resource": "eci:list:42", "shares": [{"grantee": "user:ada@example.com", "level": "viewer"}]}; grantees in kind:value notation (everyone, domain:acme.example[:discoverable], anyone, anyone:discoverable too); a share may carry "expiresAt": "2027-03-01T00:00:00Z"'
    )
  ),
  provider: providerFlag("provider", "the provider (default: the resource's)").pipe(Flag.optional),
  dryRun: Flag.Boolean("dry-run").pipe(
    Flag.withDefault(false),
    Flag.withDescription("show the operations; write nothing")
  ),
  onLossy: onLossyFlag("fail"),
  allowEveryone: allowEveryoneFlag,
  allowAnyone: allowAnyoneFlag,
  onExpiry: onExpiryFlag,
  json,
  ...endpoints
}

export const simulateFlags = {
  outDir: Flag.String("out-dir").pipe(
    Flag.withDefault(".unishare/simulate"),
    Flag.withDescription("where to write the generated identity and resource maps (default .unishare/simulate)")
  ),
  port: Flag.Int("port").pipe(
    Flag.optional,
    Flag.withDescription(
      "first port: smartsheet on it, eci on +1, cloudflare on +2, google-drive on +3, box on +4 (default: free ports)"
    )
  ),
  force,
  json
}

export const demoFlags = {
  outDir: Flag.String("out-dir").pipe(
    Flag.withDefault(".unishare/demo"),
    Flag.withDescription(
      "where the demo writes its snapshot, plans, run stores and report (default .unishare/demo; emptied first)"
    )
  ),
  json
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
