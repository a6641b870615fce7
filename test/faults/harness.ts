/**
 * The fault harness shared by the fault matrix test and the soak benchmark: one fixture per adapter
 * (a fresh simulator, a provider with short loopback timeouts, a resource and three grantees), the
 * neutral operations, every fault kind of the simulator kit, and the checks each outcome must pass:
 * it finishes, it is typed, a success means the state shows the write, a failure after which the
 * state changed says `maybeApplied`, and no grantee is shared twice.
 */
import { randomUUID } from "node:crypto"
import * as Box from "@unishare/box"
import * as BoxSimulator from "@unishare/box/simulator"
import * as Cloudflare from "@unishare/cloudflare"
import * as CloudflareSimulator from "@unishare/cloudflare/simulator"
import {
  type AccessLevel,
  Errors,
  FetchTransport,
  Grantee,
  type ResourceRef,
  type Share,
  type SharingProvider,
  type SimulatorKit,
  Sync
} from "@unishare/core"
import * as Eci from "@unishare/eci"
import * as EciSimulator from "@unishare/eci/simulator"
import * as GoogleDrive from "@unishare/google-drive"
import * as GoogleDriveSimulator from "@unishare/google-drive/simulator"
import * as Smartsheet from "@unishare/smartsheet"
import * as SmartsheetSimulator from "@unishare/smartsheet/simulator"
import { Cause, Effect, Exit, type Layer, Option, Redacted, type Scope, Stream } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"

/** Per-attempt deadline of the providers under test: short, on loopback. */
export const timeoutMillis = 1_500
/** Retries without real waiting. */
export const retry = { times: 2, baseMillis: 2, maxMillis: 10, maxRetryAfterMillis: 50 }
/** A cell that takes longer than this has hung. */
export const cellDeadlineMillis = 60_000

export type AdapterName = "cloudflare" | "smartsheet" | "eci" | "google-drive" | "box"

/**
 * The `HttpClient` the providers run on: `FetchTransport.layer` (which `HttpApi` drives with
 * `fetch` directly) or effect's `FetchHttpClient.layer` (a generic `HttpClient`).
 */
export type TransportName = "FetchTransport" | "FetchHttpClient"

/** Every transport, by name. */
export const transports: ReadonlyArray<TransportName> = ["FetchTransport", "FetchHttpClient"]

const transportLayers: Record<TransportName, Layer.Layer<HttpClient.HttpClient>> = {
  FetchTransport: FetchTransport.layer,
  FetchHttpClient: FetchHttpClient.layer
}

/** A provider on a fresh simulator with one resource and three grantees, A already granted. */
export interface Fixture {
  readonly adapter: AdapterName
  readonly sim: SimulatorKit.Running
  /** The provider under test (short timeouts). */
  readonly provider: SharingProvider.Shape
  /** A second provider on the same simulator for reading the state (default timeouts). */
  readonly reader: SharingProvider.Shape
  readonly resource: ResourceRef.ResourceRef
  readonly grantees: readonly [Grantee.Grantee, Grantee.Grantee, Grantee.Grantee]
  /** The level every grant uses, and the level `update` moves A to. */
  readonly level: AccessLevel.AccessLevel
  readonly updateLevel: AccessLevel.AccessLevel
  /**
   * The provider's create skips what already exists (Smartsheet's array POST), so sending it again
   * cannot duplicate a share; the request-log check of single creates applies to the others.
   */
  readonly idempotentCreate: boolean
}

const CF_ORG = "4ae96b85c43850f2c0a7b9101a0eeb18"
const CF_OWNER = "023e105f4ecef8ad9ca31a8372d0c353"
const CF_RECIPIENTS = [
  "1b2c3d4e5f60718293a4b5c6d7e8f901",
  "2c3d4e5f60718293a4b5c6d7e8f90112",
  "3d4e5f60718293a4b5c6d7e8f9011223"
] as const

const provided = <A, E>(effect: Effect.Effect<A, E, HttpClient.HttpClient>, transport: TransportName) =>
  effect.pipe(Effect.provide(transportLayers[transport]), Effect.orDie)

const cloudflare = (transport: TransportName): Effect.Effect<Omit<Fixture, "adapter">, never, Scope.Scope> =>
  Effect.gen(function* () {
    const token = `cf-faults-${randomUUID()}`
    const sim = yield* CloudflareSimulator.serve({
      credentials: [{ token, principal: "tester" }],
      transitions: { mode: "reads", reads: 1 },
      rateLimit: false,
      seed: {
        accounts: [
          { id: CF_OWNER, name: "Owner", organization_id: CF_ORG },
          ...CF_RECIPIENTS.map((id, i) => ({ id, name: `Recipient ${i}`, organization_id: CF_ORG }))
        ]
      }
    })
    const seeded = sim.seedShare({
      account_id: CF_OWNER,
      name: "Faults",
      resources: [{ resource_id: "8ac8489932db6327334c9b6d58544cfe", resource_type: "custom-ruleset" }]
    })
    const config = (fast: boolean): Cloudflare.Provider.Config => ({
      credentials: Cloudflare.Client.apiToken(Redacted.make(token)),
      baseUrl: sim.url,
      rateLimit: false,
      ...(fast ? { timeoutMillis, retry } : {})
    })
    return {
      sim,
      provider: yield* provided(Cloudflare.make(config(true)), transport),
      reader: yield* provided(Cloudflare.make(config(false)), transport),
      resource: Cloudflare.share(CF_OWNER, seeded.id),
      grantees: [
        Grantee.account(CF_RECIPIENTS[0]),
        Grantee.account(CF_RECIPIENTS[1]),
        Grantee.account(CF_RECIPIENTS[2])
      ],
      level: "viewer",
      updateLevel: "viewer",
      idempotentCreate: false
    }
  })

const smartsheet = (transport: TransportName): Effect.Effect<Omit<Fixture, "adapter">, never, Scope.Scope> =>
  Effect.gen(function* () {
    const token = `ss-faults-${randomUUID()}`
    const sim = yield* SmartsheetSimulator.serve({
      // the client's own limit is not under test here; the soak sends far more than 300 a minute
      rateLimit: false,
      seed: {
        users: [
          { email: "admin@example.com", name: "Admin" },
          { email: "ada@example.com", name: "Ada" },
          { email: "grace@example.com", name: "Grace" }
        ],
        groups: [{ id: "2000000000000001", name: "Finance" }],
        tokens: [{ token, user: "admin@example.com" }],
        assets: [{ type: "sheet", id: "5000000000000001", name: "Faults", owner: "admin@example.com" }]
      }
    })
    const config = (fast: boolean): Smartsheet.Client.Config => ({
      token: Redacted.make(token),
      baseUrl: sim.url,
      rateLimit: { requests: 1_000_000, windowMillis: 1_000 },
      ...(fast ? { timeoutMillis, retry } : {})
    })
    return {
      sim,
      provider: yield* provided(Smartsheet.make(config(true)), transport),
      reader: yield* provided(Smartsheet.make(config(false)), transport),
      resource: Smartsheet.asset("sheet", "5000000000000001"),
      grantees: [
        Grantee.user({ email: "ada@example.com" }),
        Grantee.user({ email: "grace@example.com" }),
        Grantee.group("2000000000000001")
      ],
      level: "viewer",
      updateLevel: "editor",
      idempotentCreate: true
    }
  })

const eci = (transport: TransportName): Effect.Effect<Omit<Fixture, "adapter">, never, Scope.Scope> =>
  Effect.gen(function* () {
    const apiKey = `ZmF1bHRz.${randomUUID()}.c2VjcmV0`
    const sim = yield* EciSimulator.serve({
      seed: {
        users: Array.from({ length: 20 }, (_, i) => ({
          userId: i + 1,
          userCode: `user${i + 1}`,
          fullName: `User ${i + 1}`,
          email: `user${i + 1}@energy.test`
        })),
        groups: [{ userGroupId: 8, userGroupName: "Energy Managers", members: [5] }],
        lists: [{ listId: 42, name: "Bills", kind: "bill", creatorId: 1 }],
        apiKeys: [{ key: apiKey, userId: 1, permissions: EciSimulator.allPermissions }]
      }
    })
    const config = (fast: boolean): Eci.Config => ({
      apiKey: Redacted.make(apiKey),
      baseUrl: sim.url,
      ...(fast ? { timeoutMillis, retry } : {})
    })
    return {
      sim,
      provider: yield* provided(Eci.make(config(true)), transport),
      reader: yield* provided(Eci.make(config(false)), transport),
      resource: Eci.list(42),
      grantees: [Grantee.user({ id: "11" }), Grantee.user({ id: "12" }), Grantee.group("8")],
      level: "viewer",
      updateLevel: "viewer",
      idempotentCreate: false
    }
  })

const DRIVE_FILE = "1FaultsFolderAAAAAAAAAAAAAAAAAAAA"

const googleDrive = (transport: TransportName): Effect.Effect<Omit<Fixture, "adapter">, never, Scope.Scope> =>
  Effect.gen(function* () {
    const token = `drive-faults-${randomUUID()}`
    const sim = yield* GoogleDriveSimulator.serve({
      seed: {
        users: [
          { id: "10000000000000000001", email: "owner@example.com", name: "Owner", organization: "example.com" },
          { id: "10000000000000000002", email: "ada@example.com", name: "Ada", organization: "example.com" },
          { id: "10000000000000000003", email: "grace@example.com", name: "Grace", organization: "example.com" }
        ],
        groups: [
          { id: "20000000000000000001", email: "finance@example.com", name: "Finance", members: ["ada@example.com"] }
        ],
        tokens: [{ token, user: "owner@example.com" }],
        files: [{ id: DRIVE_FILE, name: "Faults", folder: true, owner: "owner@example.com" }]
      }
    })
    const config = (fast: boolean): GoogleDrive.Provider.Config => ({
      credentials: Redacted.make(token),
      baseUrl: sim.url,
      ...(fast ? { timeoutMillis, retry } : {})
    })
    return {
      sim,
      provider: yield* provided(GoogleDrive.make(config(true)), transport),
      reader: yield* provided(GoogleDrive.make(config(false)), transport),
      resource: GoogleDrive.file(DRIVE_FILE),
      grantees: [
        Grantee.user({ email: "ada@example.com" }),
        Grantee.user({ email: "grace@example.com" }),
        Grantee.group("finance@example.com")
      ],
      level: "viewer",
      updateLevel: "editor",
      idempotentCreate: false
    }
  })

const box = (transport: TransportName): Effect.Effect<Omit<Fixture, "adapter">, never, Scope.Scope> =>
  Effect.gen(function* () {
    const token = `box-faults-${randomUUID()}`
    const sim = yield* BoxSimulator.serve({
      seed: {
        users: [
          { id: "1001", login: "owner@example.com", name: "Owner" },
          { id: "1002", login: "ada@example.com", name: "Ada" },
          { id: "1003", login: "grace@example.com", name: "Grace" }
        ],
        groups: [{ id: "2001", name: "Finance", members: ["1002"] }],
        tokens: [{ token, user: "1001" }],
        folders: [{ id: "3001", name: "Faults", owner: "1001" }]
      }
    })
    const config = (fast: boolean): Box.Provider.Config => ({
      token: Redacted.make(token),
      baseUrl: sim.url,
      ...(fast ? { timeoutMillis, retry } : {})
    })
    return {
      sim,
      provider: yield* provided(Box.make(config(true)), transport),
      reader: yield* provided(Box.make(config(false)), transport),
      resource: Box.folder("3001"),
      grantees: [
        Grantee.user({ email: "ada@example.com" }),
        Grantee.user({ email: "grace@example.com" }),
        Grantee.group("2001")
      ],
      level: "viewer",
      updateLevel: "editor",
      idempotentCreate: false
    }
  })

/** Every adapter, by name. */
export const adapters: ReadonlyArray<AdapterName> = ["cloudflare", "smartsheet", "eci", "google-drive", "box"]

const fixtures: Record<
  AdapterName,
  (transport: TransportName) => Effect.Effect<Omit<Fixture, "adapter">, never, Scope.Scope>
> = {
  cloudflare,
  smartsheet,
  eci,
  "google-drive": googleDrive,
  box
}

/** A fresh fixture for an adapter: its own simulator, A granted at `level`. */
export const fixture = (
  adapter: AdapterName,
  transport: TransportName = "FetchTransport"
): Effect.Effect<Fixture & { readonly shareA: Share.Share }, never, Scope.Scope> =>
  Effect.gen(function* () {
    const base = yield* fixtures[adapter](transport)
    const f: Fixture = { adapter, ...base }
    const shareA = yield* f.reader.grant(f.resource, { grantee: f.grantees[0], level: f.level }).pipe(Effect.orDie)
    f.sim.clearLog()
    return { ...f, shareA }
  })

/** Who holds which level, among the three grantees (live shares only). */
export type State = ReadonlyMap<string, AccessLevel.AccessLevel>

const keyOf = (g: Grantee.Grantee) => Grantee.describe(g)

/** The managed state as the simulator holds it now, and how many live shares each grantee has. */
export const readState = (f: Fixture) =>
  Effect.gen(function* () {
    const shares = yield* Stream.runCollect(f.reader.list(f.resource))
    const state = new Map<string, AccessLevel.AccessLevel>()
    const counts = new Map<string, number>()
    for (const share of shares) {
      if (share.status._tag === "revoked" || share.status._tag === "revoking") continue
      const grantee = f.grantees.find((g) => Grantee.same(g, share.grantee))
      if (grantee === undefined) continue
      const key = keyOf(grantee)
      state.set(key, share.level)
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    return { state: state as State, counts: counts as ReadonlyMap<string, number> }
  }).pipe(Effect.orDie)

/** A neutral operation: what it does, whether it writes, and the state it intends from the one before. */
export interface Operation {
  readonly name: "list" | "get" | "grant" | "update" | "revoke" | "sync"
  readonly writes: boolean
  readonly run: (f: Fixture, shareA: Share.Share) => Effect.Effect<unknown, Errors.SharingError>
  readonly intended: (f: Fixture, before: State) => State
}

const withLevel = (state: State, g: Grantee.Grantee, level: AccessLevel.AccessLevel | undefined): State => {
  const next = new Map(state)
  if (level === undefined) next.delete(keyOf(g))
  else next.set(keyOf(g), level)
  return next
}

/** list, get, grant (B), update (A), revoke (A), sync (to exactly B and C). */
export const operations: ReadonlyArray<Operation> = [
  {
    name: "list",
    writes: false,
    run: (f) => Stream.runCollect(f.provider.list(f.resource)),
    intended: (_, s) => s
  },
  {
    name: "get",
    writes: false,
    run: (f, a) => f.provider.get(f.resource, a.id),
    intended: (_, s) => s
  },
  {
    name: "grant",
    writes: true,
    run: (f) => f.provider.grant(f.resource, { grantee: f.grantees[1], level: f.level }),
    intended: (f, s) => withLevel(s, f.grantees[1], f.level)
  },
  {
    name: "update",
    writes: true,
    run: (f, a) => f.provider.update(f.resource, a.id, f.updateLevel),
    intended: (f, s) => withLevel(s, f.grantees[0], f.updateLevel)
  },
  {
    name: "revoke",
    writes: true,
    run: (f, a) => f.provider.revoke(f.resource, a.id),
    intended: (f, s) => withLevel(s, f.grantees[0], undefined)
  },
  {
    name: "sync",
    writes: true,
    run: (f) =>
      Sync.sync(f.provider, f.resource, [
        { grantee: f.grantees[1], level: f.level },
        { grantee: f.grantees[2], level: f.level }
      ]),
    intended: (f) =>
      new Map([
        [keyOf(f.grantees[1]), f.level],
        [keyOf(f.grantees[2]), f.level]
      ])
  }
]

/** A named fault of the simulator kit (the matcher is added per operation). */
export interface FaultKind {
  readonly name: string
  /** The fault; a `hold` is released by `answered`, which settles once the operation has finished. */
  readonly fault: (persistent: boolean, answered: Promise<void>) => SimulatorKit.Fault
}

const times = (persistent: boolean) => (persistent ? Number.POSITIVE_INFINITY : 1)

/** Every fault kind: before the route ran, after it ran, and answers that cannot be read. */
export const faultKinds: ReadonlyArray<FaultKind> = [
  { name: "503", fault: (p) => ({ kind: "status", status: 503, times: times(p) }) },
  { name: "reset", fault: (p) => ({ kind: "drop", times: times(p) }) },
  {
    name: "slow",
    // held until the operation has given up (its deadline passed): the write lands after that
    fault: (p, answered) => ({ kind: "hold", until: answered, times: times(p) })
  },
  { name: "garbage", fault: (p) => ({ kind: "malformed", times: times(p) }) },
  { name: "applied+500", fault: (p) => ({ kind: "applied-then-status", status: 500, times: times(p) }) },
  { name: "applied+reset", fault: (p) => ({ kind: "applied-then-drop", times: times(p) }) },
  { name: "stalled body", fault: (p) => ({ kind: "stall", times: times(p) }) },
  ...(["html", "malformed", "truncated", "wrong-content-type"] as const).map(
    (style): FaultKind => ({
      name: `applied+${style}`,
      fault: (p) => ({ kind: "applied-then-garbled", style, times: times(p) })
    })
  )
]

const writeMethods = ["POST", "PUT", "PATCH", "DELETE"]

/** The outcome of one cell. */
export interface Outcome {
  /** `ok`, an error tag (with `?` when `maybeApplied`), `hang` or `defect`. */
  readonly label: string
  readonly violations: ReadonlyArray<string>
  readonly millis: number
}

const isSyncResult = (value: unknown): value is Sync.SyncResult =>
  typeof value === "object" && value !== null && "verified" in value && "failures" in value

const syncSucceeded = (result: Sync.SyncResult) => result.verified && result.failures.length === 0

const same = (a: State, b: State) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v)

const describeState = (s: State) => `{${[...s].map(([k, v]) => `${k}: ${v}`).join(", ")}}`

/**
 * Runs one operation on a fixture under a fault (or none) and checks its outcome against the state
 * before and after: the cell's label and every violated promise.
 */
export const runCell = (
  f: Fixture,
  shareA: Share.Share,
  op: Operation,
  kind: FaultKind | undefined,
  persistent: boolean
): Effect.Effect<Outcome> =>
  Effect.gen(function* () {
    const before = (yield* readState(f)).state
    f.sim.clearLog()
    let answer = () => {}
    const answered = new Promise<void>((resolve) => {
      answer = resolve
    })
    if (kind !== undefined) {
      f.sim.inject({
        ...kind.fault(persistent, answered),
        method: op.writes ? writeMethods : "GET"
      } as SimulatorKit.Fault)
    }
    const started = Date.now()
    const exit = yield* op.run(f, shareA).pipe(Effect.timeoutOption(cellDeadlineMillis), Effect.exit)
    const millis = Date.now() - started
    f.sim.clearFaults()
    // requests held past the answer land now: wait until the simulator has run every one
    answer()
    while (f.sim.held() > 0) yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
    const log = f.sim.log()
    const after = yield* readState(f)
    const intended = op.intended(f, before)
    const violations: Array<string> = []
    let label: string
    if (Exit.isSuccess(exit)) {
      if (Option.isNone(exit.value)) {
        label = "hang"
        violations.push(`did not finish within ${cellDeadlineMillis} ms`)
      } else if (isSyncResult(exit.value.value) && !syncSucceeded(exit.value.value)) {
        // sync reports per-operation failures in its result rather than failing
        const result = exit.value.value
        const maybe =
          result.failures.length > 0 && result.failures.every((e) => e._tag === "Unavailable" && e.maybeApplied)
        label = `${result.failures[0]?._tag ?? "unverified"}${maybe ? "?" : ""}`
        if (!same(after.state, before) && !maybe) {
          violations.push(
            `sync reported ${label} without maybeApplied, yet the state changed to ${describeState(after.state)}`
          )
        }
      } else {
        label = "ok"
        if (!same(after.state, intended)) {
          violations.push(`succeeded but the state is ${describeState(after.state)}, not ${describeState(intended)}`)
        }
      }
    } else {
      const error = Cause.findErrorOption(exit.cause)
      if (Option.isNone(error) || !Errors.isSharingError(error.value)) {
        label = "defect"
        violations.push(`not a typed error: ${Cause.pretty(exit.cause).slice(0, 300)}`)
      } else {
        const e = error.value
        const maybe = e._tag === "Unavailable" && e.maybeApplied
        label = `${e._tag}${maybe ? "?" : ""}`
        if (!same(after.state, before) && !maybe) {
          violations.push(
            `failed with ${e._tag} without maybeApplied, yet the state changed to ${describeState(after.state)}`
          )
        }
        if (!op.writes && !persistent) violations.push(`a read failed under a transient fault: ${e.message}`)
      }
    }
    for (const [grantee, count] of after.counts) {
      if (count > 1) violations.push(`${grantee} is shared ${count} times`)
    }
    if (op.name === "grant" && !f.idempotentCreate) {
      const applied = log.filter(
        (r) =>
          r.method === "POST" &&
          ((typeof r.status === "number" && r.status >= 200 && r.status < 300 && r.fault !== "malformed") ||
            (r.fault !== undefined && (r.fault.startsWith("applied") || r.fault === "stall")))
      )
      if (applied.length > 1) violations.push(`${applied.length} creates reached the provider`)
    }
    return { label, violations, millis }
  })

/** The errors a cell may end with, for callers that want the type. */
export type CellError = Errors.SharingError
