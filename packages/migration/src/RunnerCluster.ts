/**
 * What the processes sharing one PostgreSQL run store agree on, recorded in tables of our own (never
 * in the engine's internal `cluster_*` tables):
 *
 * - **Settings** (`unishare_cluster_settings`, one row): `shardsPerGroup` (which shard a workflow
 *   belongs to: a process that computed it differently would send work to shards nobody owns) and
 *   the shard-lock expiration (how long a dead runner's work waits before another takes it over).
 *   The first process records them; a later one that asks for other values fails at start with
 *   `SettingsMismatch`, one that leaves a setting open adopts the recorded value.
 * - **Members** (`unishare_cluster_members`): the live runners and in-process applies, each with a
 *   heartbeat (`expires_at`, renewed at a fifth of its lifetime, deleted on a clean stop, left to
 *   expire after a crash). An in-process apply holds shards like a runner but cannot be reached by
 *   the runners, so it runs only on a store without live runners and without another in-process
 *   apply; a runner starts only on a store without a live in-process apply and with no live runner
 *   at its address. Anything else fails at start with `StoreInUse`.
 * - **Submitters** register nothing, but one starts only while a runner is live (else
 *   `NoLiveRunner`): a submitted run waits for a runner to execute it, so submitting to a store
 *   nobody runs would wait without end. Refusing at once (before anything is stored) was chosen
 *   over waiting with a bound: the submitter cannot start a runner itself, an operator or script
 *   that starts runners first and submits after is not slowed down, and a refused submission
 *   leaves nothing behind. Once submitted, `followRunners` tells the submitter when every
 *   runner's registration has expired mid-run (and when one is back): the run then waits in the
 *   store for a runner; it is not lost.
 *
 * Every check and registration runs in one transaction under one advisory lock, so two processes
 * starting at the same moment are serialized (one of them sees the other). Times are the database's
 * (`now()`), so clocks of the machines do not matter.
 *
 * @since 0.1.0
 */
import { isIP } from "node:net"
import { Context, Duration, Effect, Layer, Result, Schedule, Schema, type Scope } from "effect"
import { SqlClient, type SqlError } from "effect/sql"

/**
 * The settings every process of one store must share.
 *
 * @example
 * ```ts
 * import type { RunnerCluster } from "@unishare/migration"
 * const settings: RunnerCluster.Settings = { shardsPerGroup: 32, shardLockExpirationMillis: 35_000 }
 * ```
 */
export interface Settings {
  readonly shardsPerGroup: number
  readonly shardLockExpirationMillis: number
}

/**
 * The settings used where neither the process nor the store names one.
 *
 * @example
 * ```ts
 * import { RunnerCluster } from "@unishare/migration"
 * RunnerCluster.defaults.shardsPerGroup // 32
 * ```
 */
export const defaults: Settings = { shardsPerGroup: 32, shardLockExpirationMillis: 35_000 }

/**
 * The settings this process runs with (after agreeing with the store): a service, so a runner can
 * print what it uses.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RunnerCluster } from "@unishare/migration"
 * const show = Effect.map(RunnerCluster.ClusterSettings, (s) => s.shardsPerGroup)
 * ```
 */
export class ClusterSettings extends Context.Service<ClusterSettings, Settings>()(
  "@unishare/migration/RunnerCluster/ClusterSettings"
) {}

/**
 * A setting of this process differs from the one recorded in the store by the processes before it.
 *
 * @example
 * ```ts
 * import { RunnerCluster } from "@unishare/migration"
 * new RunnerCluster.SettingsMismatch({ setting: "shardLockExpiration", recorded: 35000, requested: 5000, message: "…" })
 * ```
 */
export class SettingsMismatch extends Schema.TaggedError<SettingsMismatch>()("SettingsMismatch", {
  setting: Schema.Literals(["shardsPerGroup", "shardLockExpiration"]),
  recorded: Schema.Number,
  requested: Schema.Number,
  message: Schema.String
}) {}

/**
 * A setting or address this process was given is out of range (checked before the store is touched).
 *
 * @example
 * ```ts
 * import { RunnerCluster } from "@unishare/migration"
 * new RunnerCluster.InvalidClusterOptions({ field: "shardsPerGroup", message: "expected an integer from 1 to 10000" })
 * ```
 */
export class InvalidClusterOptions extends Schema.TaggedError<InvalidClusterOptions>()("InvalidClusterOptions", {
  field: Schema.Literals(["shardsPerGroup", "shardLockExpirationMillis", "address"]),
  message: Schema.String
}) {}

/**
 * A live member of a store.
 *
 * @example
 * ```ts
 * import type { RunnerCluster } from "@unishare/migration"
 * const where = (m: RunnerCluster.Member) => m.address ?? m.process
 * ```
 */
export const Member = Schema.Struct({
  process: Schema.String,
  role: Schema.Literals(["runner", "in-process"]),
  address: Schema.NullOr(Schema.String),
  /** When it last renewed its registration (ISO 8601, the database's clock). */
  lastHeartbeat: Schema.String,
  /** Seconds until its registration expires when it stops renewing it (a crashed process). */
  expiresInSeconds: Schema.Number
})
/**
 * @example
 * ```ts
 * import type { RunnerCluster } from "@unishare/migration"
 * const runners = (ms: ReadonlyArray<RunnerCluster.Member>) => ms.filter((m) => m.role === "runner")
 * ```
 */
export type Member = typeof Member.Type

/**
 * The store is in use in a way that excludes this process (see the module doc); `members` are the
 * live ones in the way.
 *
 * @example
 * ```ts
 * import { RunnerCluster } from "@unishare/migration"
 * new RunnerCluster.StoreInUse({ role: "in-process", members: [], message: "runners are live on this store" })
 * ```
 */
export class StoreInUse extends Schema.TaggedError<StoreInUse>()("StoreInUse", {
  role: Schema.Literals(["runner", "submitter", "in-process"]),
  members: Schema.Array(Member),
  message: Schema.String
}) {}

/**
 * A submitter found no live runner on the store: nothing would execute its run (see the module
 * doc). Nothing was stored.
 *
 * @example
 * ```ts
 * import { RunnerCluster } from "@unishare/migration"
 * new RunnerCluster.NoLiveRunner({ message: "no runner is live on this store" })
 * ```
 */
export class NoLiveRunner extends Schema.TaggedError<NoLiveRunner>()("NoLiveRunner", {
  message: Schema.String
}) {}

/**
 * A runner's address, `host:port`.
 *
 * @example
 * ```ts
 * import type { RunnerCluster } from "@unishare/migration"
 * const address: RunnerCluster.Address = { host: "10.0.0.5", port: 34431 }
 * ```
 */
export interface Address {
  readonly host: string
  readonly port: number
}

const hostname = /^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/

/**
 * Parses `host:port` (an IPv4 address, a host name, or `[IPv6]:port`; port 1–65535), or says what
 * is wrong. Nothing else is accepted: no scheme, path, user, spaces or control characters.
 *
 * @example
 * ```ts
 * import { RunnerCluster } from "@unishare/migration"
 * RunnerCluster.parseAddress("10.0.0.5:34431") // Result.succeed({ host: "10.0.0.5", port: 34431 })
 * ```
 */
export const parseAddress = (text: string): Result.Result<Address, string> => {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(text)
  if (match === null) return Result.fail("expected host:port (or [IPv6]:port), e.g. 127.0.0.1:34431")
  const port = Number(match[3])
  if (!(port >= 1 && port <= 65535)) return Result.fail(`the port must be from 1 to 65535, not ${match[3]}`)
  const v6 = match[1]
  if (v6 !== undefined) {
    return isIP(v6) === 6 ? Result.succeed({ host: v6, port }) : Result.fail(`${v6} is not an IPv6 address`)
  }
  const host = match[2] ?? ""
  if (/^[0-9.]+$/.test(host)) {
    return isIP(host) === 4 ? Result.succeed({ host, port }) : Result.fail(`${host} is not an IPv4 address`)
  }
  return hostname.test(host)
    ? Result.succeed({ host, port })
    : Result.fail("the host must be an IP address or a host name (letters, digits, hyphens and dots)")
}

/**
 * `host:port` as text (`[IPv6]:port` for IPv6).
 *
 * @example
 * ```ts
 * import { RunnerCluster } from "@unishare/migration"
 * RunnerCluster.formatAddress({ host: "::1", port: 34431 }) // "[::1]:34431"
 * ```
 */
export const formatAddress = (address: Address): string =>
  isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`

/** Runs `effect` in a transaction holding the registry's advisory lock (released at its end). */
const exclusively = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(
      Effect.andThen(sql`SELECT pg_advisory_xact_lock(hashtextextended('unishare/cluster-registry', 0))`, effect)
    )
  })

const tables = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE IF NOT EXISTS unishare_cluster_settings (id INTEGER PRIMARY KEY CHECK (id = 1), shards_per_group INTEGER, shard_lock_expiration_millis INTEGER)`
  yield* sql`CREATE TABLE IF NOT EXISTS unishare_cluster_members (process TEXT PRIMARY KEY, role TEXT NOT NULL, address TEXT, lifetime_millis INTEGER NOT NULL, expires_at TIMESTAMPTZ NOT NULL)`
  return sql
})

/**
 * The role of a process on a store: a `runner`, a `submitter` (client-only; registers nothing) or
 * an `in-process` apply (its own engine, holding shards).
 *
 * @example
 * ```ts
 * import type { RunnerCluster } from "@unishare/migration"
 * const role: RunnerCluster.Role = "runner"
 * ```
 */
export type Role = "runner" | "submitter" | "in-process"

/**
 * What a process asks for: a setting left `undefined` adopts the store's (or the default when the
 * store has none yet).
 *
 * @example
 * ```ts
 * import type { RunnerCluster } from "@unishare/migration"
 * const requested: RunnerCluster.Requested = { shardLockExpirationMillis: 5000 }
 * ```
 */
export interface Requested {
  readonly shardsPerGroup?: number | undefined
  readonly shardLockExpirationMillis?: number | undefined
}

const describeSetting = {
  shardsPerGroup: (n: number) => `${n} shards per group`,
  shardLockExpiration: (n: number) => `a shard-lock expiration of ${n / 1000} s`
}

/**
 * Agrees this process's settings with the store: records the ones the store has not recorded yet
 * (only a runner records the shard-lock expiration: the others hold no lock a runner would wait
 * for), fails with `SettingsMismatch` where a requested one differs from the recorded one, and
 * returns the settings to run with. Inside the registry's transaction.
 */
const agree = (role: Role, requested: Requested) =>
  Effect.gen(function* () {
    const sql = yield* tables
    const shards = requested.shardsPerGroup ?? defaults.shardsPerGroup
    const expiration =
      role === "runner" ? (requested.shardLockExpirationMillis ?? defaults.shardLockExpirationMillis) : null
    yield* sql`INSERT INTO unishare_cluster_settings (id, shards_per_group, shard_lock_expiration_millis) VALUES (1, ${shards}, ${expiration}) ON CONFLICT (id) DO UPDATE SET shards_per_group = COALESCE(unishare_cluster_settings.shards_per_group, excluded.shards_per_group), shard_lock_expiration_millis = COALESCE(unishare_cluster_settings.shard_lock_expiration_millis, excluded.shard_lock_expiration_millis)`
    const rows = yield* sql<{
      readonly shards_per_group: number
      readonly shard_lock_expiration_millis: number | null
    }>`SELECT shards_per_group, shard_lock_expiration_millis FROM unishare_cluster_settings WHERE id = 1`
    const recorded = {
      shardsPerGroup: Number(rows[0]?.shards_per_group ?? shards),
      shardLockExpirationMillis:
        rows[0]?.shard_lock_expiration_millis == null ? undefined : Number(rows[0].shard_lock_expiration_millis)
    }
    const mismatch = (setting: "shardsPerGroup" | "shardLockExpiration", was: number, asked: number) =>
      new SettingsMismatch({
        setting,
        recorded: was,
        requested: asked,
        message: `the ${role === "in-process" ? "apply" : role} asks for ${describeSetting[setting](asked)}, but this store's processes use ${describeSetting[setting](was)}: every runner and submitter of one store must use the same settings (leave it unset to adopt the store's, or use another store)`
      })
    if (requested.shardsPerGroup !== undefined && requested.shardsPerGroup !== recorded.shardsPerGroup) {
      return yield* mismatch("shardsPerGroup", recorded.shardsPerGroup, requested.shardsPerGroup)
    }
    if (
      requested.shardLockExpirationMillis !== undefined &&
      recorded.shardLockExpirationMillis !== undefined &&
      requested.shardLockExpirationMillis !== recorded.shardLockExpirationMillis
    ) {
      return yield* mismatch(
        "shardLockExpiration",
        recorded.shardLockExpirationMillis,
        requested.shardLockExpirationMillis
      )
    }
    return {
      shardsPerGroup: recorded.shardsPerGroup,
      shardLockExpirationMillis:
        recorded.shardLockExpirationMillis ?? requested.shardLockExpirationMillis ?? defaults.shardLockExpirationMillis
    } satisfies Settings
  })

/** The live members (the tables exist). */
const liveMembersNow = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql<{
    readonly process: string
    readonly role: string
    readonly address: string | null
    readonly heartbeat: number | string
    readonly seconds: number | string
  }>`SELECT process, role, address, FLOOR(EXTRACT(EPOCH FROM (expires_at - lifetime_millis * interval '1 millisecond')) * 1000) AS heartbeat, CEIL(EXTRACT(EPOCH FROM (expires_at - now()))) AS seconds FROM unishare_cluster_members WHERE expires_at > now() ORDER BY role, address, process`
  return rows.map(
    (r): Member => ({
      process: r.process,
      role: r.role === "runner" ? "runner" : "in-process",
      address: r.address,
      lastHeartbeat: new Date(Number(r.heartbeat)).toISOString(),
      expiresInSeconds: Number(r.seconds)
    })
  )
})

/**
 * The live members of the store in context (PostgreSQL): runners and in-process applies whose
 * registration has not expired. Reads only (a store no process has joined has none, and gets no
 * table from this).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { PgClient } from "@effect/sql-pg"
 * import { RunnerCluster } from "@unishare/migration"
 * const members = RunnerCluster.liveMembers.pipe(Effect.provide(PgClient.layer({ url: Redacted.make("postgres://localhost/runs") })))
 * ```
 */
export const liveMembers: Effect.Effect<ReadonlyArray<Member>, SqlError.SqlError, SqlClient.SqlClient> = Effect.gen(
  function* () {
    const sql = yield* SqlClient.SqlClient
    const found = yield* sql<{
      readonly name: string | null
    }>`SELECT to_regclass('unishare_cluster_members')::text AS name`
    return found[0]?.name == null ? [] : yield* liveMembersNow
  }
)

const list = (members: ReadonlyArray<Member>) =>
  members
    .map(
      (m) =>
        `${m.address ?? `process ${m.process}`} (${m.role === "runner" ? "runner" : "in-process apply"}; registered for ${m.expiresInSeconds} s more unless it renews)`
    )
    .join(", ")

/** The live members that exclude a process of `role` (at `address`), with why. */
const inTheWay = (role: Role, address: string | undefined, members: ReadonlyArray<Member>) => {
  const inProcess = members.filter((m) => m.role === "in-process")
  const runners = members.filter((m) => m.role === "runner")
  if (role === "in-process" && runners.length > 0) {
    return {
      members: runners,
      message: `${runners.length} runner(s) are live on this store: ${list(runners)}. An apply in this process would take shards from them; hand the run to them with --submit (or stop the runners first)`
    }
  }
  if (inProcess.length > 0) {
    return {
      members: inProcess,
      message: `an apply running in its own process is live on this store: ${list(inProcess)}. Wait for it to finish (a killed one is released when its registration expires), then ${role === "in-process" ? "run again" : role === "runner" ? "start the runner" : "submit"}`
    }
  }
  const same = runners.filter((m) => address !== undefined && m.address === address)
  if (role === "runner" && same.length > 0) {
    return {
      members: same,
      message: `a runner is already live at ${address} on this store: ${list(same)}. Give each runner its own --runner-address`
    }
  }
  return undefined
}

/**
 * Who joins a store (`join`): its role, its process id (`DurableApply.processId`), a runner's
 * `host:port`, and the settings it asks for.
 *
 * @example
 * ```ts
 * import type { RunnerCluster } from "@unishare/migration"
 * const options: RunnerCluster.JoinOptions<"runner"> = { role: "runner", process: "p1", address: "10.0.0.5:34431", requested: {} }
 * ```
 */
export interface JoinOptions<R extends Role = Role> {
  readonly role: R
  /** This process's id (`DurableApply.processId`). */
  readonly process: string
  /** A runner's `host:port`. */
  readonly address?: string | undefined
  readonly requested: Requested
}

/**
 * How joining fails for a process of role `R`: only a submitter can find no live runner.
 *
 * @example
 * ```ts
 * import type { RunnerCluster } from "@unishare/migration"
 * const tag = (e: RunnerCluster.JoinError<"submitter">) => e._tag
 * ```
 */
export type JoinError<R extends Role> =
  | InvalidClusterOptions
  | SettingsMismatch
  | StoreInUse
  | SqlError.SqlError
  | (R extends "submitter" ? NoLiveRunner : never)

/**
 * Joins the store in context (PostgreSQL) as a process of `role`: checks the requested settings
 * and address (`InvalidClusterOptions`, before touching the store), agrees the settings (see
 * `SettingsMismatch`), checks no live member is in the way (see `StoreInUse`) and, for a runner or
 * an in-process apply, registers this process with a heartbeat renewed until the scope closes (then
 * its registration is deleted); a submitter fails with `NoLiveRunner` while no runner is live.
 * Returns the settings to run with.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { PgClient } from "@effect/sql-pg"
 * import { RunnerCluster } from "@unishare/migration"
 * const joined = RunnerCluster.join({ role: "runner", process: "p1", address: "10.0.0.5:34431", requested: {} }).pipe(
 *   Effect.scoped,
 *   Effect.provide(PgClient.layer({ url: Redacted.make("postgres://localhost/runs") }))
 * )
 * ```
 */
export const join = <R extends Role>(
  options: JoinOptions<R>
): Effect.Effect<Settings, JoinError<R>, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function* () {
    const { shardsPerGroup, shardLockExpirationMillis } = options.requested
    if (
      shardsPerGroup !== undefined &&
      !(Number.isInteger(shardsPerGroup) && shardsPerGroup >= 1 && shardsPerGroup <= 10_000)
    ) {
      return yield* new InvalidClusterOptions({
        field: "shardsPerGroup",
        message: "expected an integer from 1 to 10000"
      })
    }
    if (
      shardLockExpirationMillis !== undefined &&
      !(
        Number.isInteger(shardLockExpirationMillis) &&
        shardLockExpirationMillis >= 1000 &&
        shardLockExpirationMillis <= 3_600_000
      )
    ) {
      return yield* new InvalidClusterOptions({
        field: "shardLockExpirationMillis",
        message: "expected an integer number of milliseconds from 1000 to 3600000"
      })
    }
    if (options.address !== undefined) {
      const parsed = parseAddress(options.address)
      if (Result.isFailure(parsed))
        return yield* new InvalidClusterOptions({ field: "address", message: parsed.failure })
    }
    const sql = yield* SqlClient.SqlClient
    const settings = yield* exclusively(
      Effect.gen(function* () {
        const agreed = yield* agree(options.role, options.requested)
        const members = yield* liveMembersNow
        const blocking = inTheWay(options.role, options.address, members)
        if (blocking !== undefined) return yield* new StoreInUse({ role: options.role, ...blocking })
        if (options.role === "submitter" && !members.some((m) => m.role === "runner")) {
          return yield* new NoLiveRunner({
            message:
              "no runner is live on this store, so nothing would execute the run: start one first (unishare runner --database <this store> --runner-address <host:port> --target <provider>, one per machine), then submit again. Nothing was stored"
          })
        }
        if (options.role !== "submitter") {
          const lifetime = agreed.shardLockExpirationMillis
          yield* sql`INSERT INTO unishare_cluster_members (process, role, address, lifetime_millis, expires_at) VALUES (${options.process}, ${options.role}, ${options.address ?? null}, ${lifetime}, now() + ${lifetime} * interval '1 millisecond') ON CONFLICT (process) DO UPDATE SET role = excluded.role, address = excluded.address, lifetime_millis = excluded.lifetime_millis, expires_at = excluded.expires_at`
        }
        return agreed
      })
    )
    if (options.role !== "submitter") {
      yield* Effect.addFinalizer(() =>
        Effect.ignore(sql`DELETE FROM unishare_cluster_members WHERE process = ${options.process}`)
      )
      const lifetime = settings.shardLockExpirationMillis
      // renewed at a fifth of the lifetime; a failed renewal (the database briefly away) is retried
      yield* sql`UPDATE unishare_cluster_members SET expires_at = now() + lifetime_millis * interval '1 millisecond' WHERE process = ${options.process}`.pipe(
        Effect.ignore,
        Effect.repeat(Schedule.spaced(Duration.millis(Math.max(200, Math.floor(lifetime / 5))))),
        Effect.forkScoped
      )
    }
    return settings
  }) as Effect.Effect<Settings, JoinError<R>, SqlClient.SqlClient | Scope.Scope>

/**
 * `join` as a layer of `ClusterSettings` (registered while the layer lives).
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { PgClient } from "@effect/sql-pg"
 * import { RunnerCluster } from "@unishare/migration"
 * const SettingsLive = RunnerCluster.layer({ role: "submitter", process: "p1", requested: {} }).pipe(
 *   Layer.provide(PgClient.layer({ url: Redacted.make("postgres://localhost/runs") }))
 * )
 * ```
 */
export const layer = <R extends Role>(
  options: JoinOptions<R>
): Layer.Layer<ClusterSettings, JoinError<R>, SqlClient.SqlClient> => Layer.effect(ClusterSettings, join(options))

/**
 * Follows the live runners of the store in context (PostgreSQL) for a submitter, reading
 * `liveMembers` every `interval`: `onNone` runs when the last runner's registration has expired
 * (or it stopped), `onBack` with the live runners when one is there again. Starts from "runners
 * are live" (what `join` checked for a submitter). A failed read (the database briefly away) is
 * skipped. Runs until interrupted; reads only.
 *
 * @example
 * ```ts
 * import { Console } from "effect"
 * import { RunnerCluster } from "@unishare/migration"
 * const follow = RunnerCluster.followRunners({
 *   interval: "2 seconds",
 *   onNone: Console.error("no runner is live any more"),
 *   onBack: (runners) => Console.error(`${runners.length} runner(s) live again`)
 * })
 * ```
 */
export const followRunners = (options: {
  readonly interval: Duration.Input
  readonly onNone: Effect.Effect<void>
  readonly onBack: (runners: ReadonlyArray<Member>) => Effect.Effect<void>
}): Effect.Effect<never, never, SqlClient.SqlClient> =>
  Effect.suspend(() => {
    let live = true
    const check = Effect.gen(function* () {
      const runners = (yield* liveMembers).filter((m) => m.role === "runner")
      if (live && runners.length === 0) {
        live = false
        yield* options.onNone
      } else if (!live && runners.length > 0) {
        live = true
        yield* options.onBack(runners)
      }
    }).pipe(Effect.ignore)
    return Effect.forever(Effect.andThen(Effect.sleep(options.interval), check))
  })
