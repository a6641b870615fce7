/**
 * A stateful local simulator of Cloudflare Resource Sharing (all 21 operations), built on core's
 * `SimulatorKit`. It follows the provider documentation, not this package's client:
 *
 * - Envelopes `{ success, errors, result, result_info }`, 201 on creates, 204 with no body on the
 *   bulk PUTs, failures as `{ success: false, errors: [{ code, message }], result: null }`.
 * - Auth by API token (`Authorization: Bearer`) or email + Global API key; 401 code 9106 when no
 *   credentials are sent, 401 code 10000 when they are wrong, 403 code 10000 for an account the
 *   credential cannot reach.
 * - Pagination: explicit `page` / `per_page` (defaults 1 / 20 when only one is given, `per_page`
 *   ≤ 100); neither → one unpaginated answer with everything.
 * - Asynchronous lifecycles: recipients `associating → associated`, `disassociating →
 *   disassociated`; shares and resources `deleting → deleted`. They advance with time (an injectable
 *   `now()`), or after N reads of the object (so real-time suites settle quickly).
 * - Soft-deleted recipients stay listed; PUT/POST/DELETE recipients are refused on
 *   organization-targeted shares (their recipients derive from organization membership, minus the
 *   excluded recipients); excluded recipients exist only on organization-targeted shares.
 * - 1,200 requests per 5 minutes per credential, then 429 with `retry-after` and a five-minute lockout.
 * - Fault injection and a request log without secrets (from `SimulatorKit`).
 *
 * Error codes Cloudflare does not document for this product are the simulator's own choice:
 * 1001 invalid request, 1002 invalid recipient, 1003 conflict, 1004 not found, 971 rate limited
 * (7003 "could not route" for a malformed identifier, 9106 / 10000 for auth, as Cloudflare answers).
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { SimulatorKit } from "@unishare/core"
import { Effect, type Scope } from "effect"
import type * as Wire from "./Wire.ts"
import { knownResourceTypes } from "./Wire.ts"

/**
 * How asynchronous states advance: after `*Millis` of the simulator's clock (`mode: "time"`), or
 * after the object was read `reads` times (`mode: "reads"`; `reads: 0` settles at once).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/cloudflare/simulator"
 * const fast: Simulator.Transitions = { mode: "reads", reads: 1 }
 * const timed: Simulator.Transitions = { mode: "time", associateMillis: 30_000, disassociateMillis: 30_000 }
 * ```
 */
export type Transitions =
  | {
      readonly mode: "time"
      readonly associateMillis?: number | undefined
      readonly disassociateMillis?: number | undefined
      readonly deleteMillis?: number | undefined
    }
  | { readonly mode: "reads"; readonly reads?: number | undefined }

/**
 * A credential the simulator accepts. `accounts` restricts which accounts it may reach (all when absent).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/cloudflare/simulator"
 * const creds: ReadonlyArray<Simulator.Credential> = [{ token: "t1" }, { email: "ops@example.com", key: "k1" }]
 * ```
 */
export type Credential = ({ readonly token: string } | { readonly email: string; readonly key: string }) & {
  readonly principal?: string | undefined
  readonly accounts?: ReadonlyArray<string> | undefined
}

/**
 * The credentials the simulator accepts when started without `credentials` (the same name in every
 * adapter's simulator): an API token, and a global API key with its email. Each reaches every account.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import * as Cloudflare from "@unishare/cloudflare"
 * import * as Simulator from "@unishare/cloudflare/simulator"
 * const sim = await Simulator.start({ seed: Simulator.demoSeed })
 * const provider = Cloudflare.make({
 *   credentials: Cloudflare.Client.apiToken(Redacted.make(Simulator.demoCredentials.apiToken)),
 *   baseUrl: sim.url
 * })
 * ```
 */
export const demoCredentials = {
  apiToken: "cf-simulator-token",
  globalKey: { email: "simulator@example.com", key: "cf-simulator-global-key" }
} as const

/** `demoCredentials` as the list `Options.credentials` takes: what the simulator accepts by default. */
const acceptedByDefault: ReadonlyArray<Credential> = [{ token: demoCredentials.apiToken }, demoCredentials.globalKey]

/**
 * The credentials accepted when none are configured, as a list.
 *
 * @deprecated Use `demoCredentials` (`demoCredentials.apiToken`, `demoCredentials.globalKey`), the
 * name every adapter's simulator uses.
 * @example
 * ```ts
 * import * as Simulator from "@unishare/cloudflare/simulator"
 * Simulator.defaultCredentials[0] // { token: "cf-simulator-token" }
 * ```
 */
export const defaultCredentials: ReadonlyArray<Credential> = acceptedByDefault

/**
 * A seeded account (`organization_id` groups accounts into an organization).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/cloudflare/simulator"
 * const a: Simulator.SeedAccount = { id: "a1", name: "Account A", organization_id: "o1" }
 * ```
 */
export interface SeedAccount {
  readonly id: string
  readonly name?: string | undefined
  readonly organization_id: string
}

/**
 * A seeded recipient.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/cloudflare/simulator"
 * const r: Simulator.SeedRecipient = { account_id: "a2", association_status: "associated" }
 * ```
 */
export interface SeedRecipient {
  readonly id?: string | undefined
  readonly account_id: string
  readonly association_status?: Wire.AssociationStatus | undefined
}

/**
 * A seeded share resource.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/cloudflare/simulator"
 * const r: Simulator.SeedResource = { resource_id: "rs1", resource_type: "custom-ruleset" }
 * ```
 */
export interface SeedResource {
  readonly id?: string | undefined
  readonly resource_id: string
  readonly resource_type: string
  readonly resource_account_id?: string | undefined
  readonly meta?: Readonly<Record<string, unknown>> | undefined
  readonly status?: Wire.ResourceStatus | undefined
  readonly resource_version?: number | undefined
}

/**
 * A seeded share. `organization_id` defaults to the owner's; `tags` are hidden (only the `tag` filter sees them).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/cloudflare/simulator"
 * const s: Simulator.SeedShare = { account_id: "a1", name: "WAF rules", recipients: [{ account_id: "a2" }] }
 * ```
 */
export interface SeedShare {
  readonly id?: string | undefined
  readonly account_id: string
  readonly name: string
  readonly target_type?: Wire.TargetType | undefined
  readonly status?: Wire.ShareStatus | undefined
  readonly tags?: ReadonlyArray<string> | undefined
  readonly recipients?: ReadonlyArray<SeedRecipient> | undefined
  readonly resources?: ReadonlyArray<SeedResource> | undefined
  readonly excluded?: ReadonlyArray<string> | undefined
}

/**
 * A whole data set to load (CLI `simulate`, demos).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/cloudflare/simulator"
 * const seed: Simulator.Seed = { accounts: [{ id: "a1", organization_id: "o1" }], shares: [] }
 * ```
 */
export interface Seed {
  readonly accounts: ReadonlyArray<SeedAccount>
  readonly shares?: ReadonlyArray<SeedShare> | undefined
}

/**
 * A small realistic data set: one organization with four accounts, an account-targeted WAF share
 * and an organization-targeted Gateway share. The package README lists its ids; `demoCredentials`
 * reach it.
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/cloudflare/simulator"
 * Simulator.demoSeed.accounts.length // 4
 * ```
 */
export const demoSeed: Seed = {
  accounts: [
    {
      id: "023e105f4ecef8ad9ca31a8372d0c353",
      name: "Acme Security",
      organization_id: "4ae96b85c43850f2c0a7b9101a0eeb18"
    },
    {
      id: "1b2c3d4e5f60718293a4b5c6d7e8f901",
      name: "Acme Retail",
      organization_id: "4ae96b85c43850f2c0a7b9101a0eeb18"
    },
    { id: "2c3d4e5f60718293a4b5c6d7e8f90112", name: "Acme Media", organization_id: "4ae96b85c43850f2c0a7b9101a0eeb18" },
    { id: "3d4e5f60718293a4b5c6d7e8f9011223", name: "Acme Labs", organization_id: "4ae96b85c43850f2c0a7b9101a0eeb18" }
  ],
  shares: [
    {
      id: "3fd85f74b32742f1bff64a85009dda07",
      account_id: "023e105f4ecef8ad9ca31a8372d0c353",
      name: "My Shared WAF Managed Rule",
      tags: ["env=prod"],
      recipients: [
        { account_id: "1b2c3d4e5f60718293a4b5c6d7e8f901", association_status: "associated" },
        { account_id: "2c3d4e5f60718293a4b5c6d7e8f90112", association_status: "associating" }
      ],
      resources: [{ resource_id: "8ac8489932db6327334c9b6d58544cfe", resource_type: "custom-ruleset" }]
    },
    {
      id: "5e2f1a9c0b7d4e3f8a6b2c1d0e9f8a7b",
      account_id: "023e105f4ecef8ad9ca31a8372d0c353",
      name: "Org-wide Gateway block page",
      target_type: "organization",
      resources: [{ resource_id: "9bd9590a43ec7438445dac7e69655d0f", resource_type: "gateway-block-page-settings" }],
      excluded: ["3d4e5f60718293a4b5c6d7e8f9011223"]
    }
  ]
}

/**
 * Simulator options. `now` drives timestamps, time-based transitions and the rate limit.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/cloudflare/simulator"
 * const options: Simulator.Options = { transitions: { mode: "reads", reads: 1 }, rateLimit: false }
 * ```
 */
export interface Options {
  readonly port?: number | undefined
  readonly now?: (() => number) | undefined
  readonly transitions?: Transitions | undefined
  /** The credentials accepted; default `demoCredentials` (its token and its global key). */
  readonly credentials?: ReadonlyArray<Credential> | undefined
  readonly rateLimit?:
    | { readonly requests: number; readonly windowMillis: number; readonly lockoutMillis?: number | undefined }
    | false
    | undefined
  /** Resource types accepted on top of the documented ones (Cloudflare adds new types over time). */
  readonly extraResourceTypes?: ReadonlyArray<string> | undefined
  readonly seed?: Seed | undefined
}

/**
 * A per-resource failure of a recipient (see `failRecipient`).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/cloudflare/simulator"
 * const f: Simulator.RecipientFailure = { error: "Recipient is missing necessary entitlement", terminal: true }
 * ```
 */
export interface RecipientFailure {
  readonly error: string
  readonly terminal: boolean
  readonly resource_id?: string | undefined
}

/**
 * A running Cloudflare simulator: the kit's server (url, log, faults) plus seeding and state access.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/cloudflare/simulator"
 * const shareCount = (sim: Simulator.CloudflareSimulator) => sim.state().shares.length
 * ```
 */
export interface CloudflareSimulator extends SimulatorKit.Running {
  readonly seedAccount: (account: SeedAccount) => void
  readonly seedShare: (share: SeedShare) => Wire.Share
  readonly seedRecipient: (shareId: string, recipient: SeedRecipient) => Wire.Recipient
  readonly seedResource: (shareId: string, resource: SeedResource) => Wire.Resource
  readonly load: (seed: Seed) => void
  /** Makes a recipient's resource fail: terminal errors stop it for good, others hold it in `associating`. */
  readonly failRecipient: (shareId: string, recipientId: string, failure: RecipientFailure) => void
  readonly clearRecipientFailures: (shareId: string, recipientId: string) => void
  /** Everything, as the API would render it (reading it does not count as a read). */
  readonly state: () => {
    readonly accounts: ReadonlyArray<SeedAccount>
    readonly shares: ReadonlyArray<{
      readonly share: Wire.Share
      readonly recipients: ReadonlyArray<Wire.Recipient>
      readonly resources: ReadonlyArray<Wire.Resource>
      readonly excluded: ReadonlyArray<Wire.ExcludedRecipient>
    }>
  }
}

// ---------------------------------------------------------------------------------------------
// state

type Transitional = "associating" | "disassociating" | "deleting"
const finalOf: Record<Transitional, "associated" | "disassociated" | "deleted"> = {
  associating: "associated",
  disassociating: "disassociated",
  deleting: "deleted"
}
const isTransitional = (s: string): s is Transitional => s in finalOf

interface Lifecycle<S extends string> {
  value: S
  since: number
  reads: number
}

interface RecipientState {
  readonly id: string
  readonly account_id: string
  readonly status: Lifecycle<Wire.AssociationStatus>
  readonly created: number
  modified: number
  failures: Array<RecipientFailure>
}

interface ResourceState {
  readonly id: string
  readonly resource_id: string
  readonly resource_type: string
  readonly resource_account_id: string
  meta: Readonly<Record<string, unknown>>
  readonly status: Lifecycle<Wire.ResourceStatus>
  readonly created: number
  modified: number
  resource_version: number
}

interface ExcludedState {
  readonly id: string
  readonly account_id: string
  readonly created: number
  readonly modified: number
}

interface ShareState {
  readonly id: string
  name: string
  readonly account_id: string
  readonly organization_id: string
  readonly target_type: Wire.TargetType
  readonly status: Lifecycle<Wire.ShareStatus>
  readonly created: number
  modified: number
  readonly tags: ReadonlyArray<string>
  readonly recipients: Map<string, RecipientState>
  readonly resources: Map<string, ResourceState>
  readonly excluded: Map<string, ExcludedState>
}

const iso = (millis: number): string => new Date(millis).toISOString().replace(/Z$/, "000Z")

// ---------------------------------------------------------------------------------------------
// envelopes

const failure = (status: number, code: number, message: string): SimulatorKit.SimResponse => ({
  status,
  body: { success: false, errors: [{ code, message }], result: null }
})
const ok = (result: unknown, status = 200): SimulatorKit.SimResponse => ({
  status,
  body: { success: true, errors: [], result }
})

class Reject {
  readonly response: SimulatorKit.SimResponse
  constructor(response: SimulatorKit.SimResponse) {
    this.response = response
  }
}
const reject = (status: number, code: number, message: string): never => {
  throw new Reject(failure(status, code, message))
}
const invalid = (message: string): never => reject(400, 1001, message)

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const checkId = (value: unknown, field: string): string => {
  if (typeof value !== "string" || value.length === 0) return invalid(`${field} is required and must be a string`)
  if (value.length > 32) return invalid(`${field} must be at most 32 characters`)
  return value
}

// ---------------------------------------------------------------------------------------------

/**
 * Starts the simulator on loopback.
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/cloudflare/simulator"
 * const sim = await Simulator.start({ seed: Simulator.demoSeed })
 * // sim.url === "http://127.0.0.1:<port>/client/v4"
 * await sim.close()
 * ```
 */
export const start = async (options: Options = {}): Promise<CloudflareSimulator> => {
  const now = options.now ?? Date.now
  const transitions: Transitions = options.transitions ?? { mode: "time" }
  const credentials = options.credentials ?? acceptedByDefault
  const resourceTypes = new Set<string>([...knownResourceTypes, ...(options.extraResourceTypes ?? [])])
  const accounts = new Map<string, SeedAccount>()
  const shares = new Map<string, ShareState>()
  let counter = 0
  const newId = (kind: string) => createHash("md5").update(`${kind}:${++counter}`).digest("hex")

  // --- lifecycle ------------------------------------------------------------------------------

  const delayOf = (value: Transitional): number => {
    if (transitions.mode !== "time") return 0
    if (value === "associating") return transitions.associateMillis ?? 30_000
    if (value === "disassociating") return transitions.disassociateMillis ?? 30_000
    return transitions.deleteMillis ?? 30_000
  }

  const move = <S extends string>(lc: Lifecycle<S>, value: S, at = now()) => {
    lc.value = value
    lc.since = at
    lc.reads = 0
  }

  /**
   * Advances a lifecycle if due; `read` counts one observation. In reads mode the object changes after
   * `reads` observations (so observation `reads + 1` sees the final state). Returns when it changed.
   */
  const advance = <S extends string>(lc: Lifecycle<S>, read: boolean, blocked = false): number | undefined => {
    const value = lc.value
    if (!isTransitional(value) || blocked) return undefined
    if (transitions.mode === "time") {
      const due = lc.since + delayOf(value)
      if (now() >= due) {
        move(lc, finalOf[value] as string as S, due)
        return due
      }
      return undefined
    }
    const n = transitions.reads ?? 1
    if (read) lc.reads++
    if (lc.reads > n || n === 0) {
      const at = now()
      move(lc, finalOf[value] as string as S, at)
      return at
    }
    return undefined
  }

  const syncOrganization = (share: ShareState) => {
    if (share.target_type !== "organization") return
    const live = share.status.value === "active"
    const excluded = new Set([...share.excluded.values()].map((x) => x.account_id))
    for (const account of accounts.values()) {
      if (account.organization_id !== share.organization_id || account.id === share.account_id) continue
      let recipient = [...share.recipients.values()].find((r) => r.account_id === account.id)
      const wanted = live && !excluded.has(account.id)
      if (recipient === undefined) {
        if (!wanted) continue
        const t = now()
        recipient = {
          id: newId("recipient"),
          account_id: account.id,
          status: { value: "associating", since: t, reads: 0 },
          created: t,
          modified: t,
          failures: []
        }
        share.recipients.set(recipient.id, recipient)
        continue
      }
      const s = recipient.status.value
      if (wanted && (s === "disassociating" || s === "disassociated")) {
        move(recipient.status, "associating")
        recipient.modified = now()
      } else if (!wanted && (s === "associating" || s === "associated")) {
        move(recipient.status, "disassociating")
        recipient.modified = now()
      }
    }
  }

  const touchRecipient = (r: RecipientState, read: boolean) => {
    const blocked = r.status.value === "associating" && r.failures.length > 0
    const at = advance(r.status, read, blocked)
    if (at !== undefined) r.modified = at
  }
  const touchResource = (r: ResourceState, read: boolean) => {
    const at = advance(r.status, read)
    if (at !== undefined) r.modified = at
  }
  const touchShare = (s: ShareState, read: boolean) => {
    const at = advance(s.status, read)
    if (at !== undefined) s.modified = at
    syncOrganization(s)
  }

  // --- rendering ------------------------------------------------------------------------------

  const renderResource = (r: ResourceState): Wire.Resource => ({
    id: r.id,
    resource_id: r.resource_id,
    resource_type: r.resource_type,
    resource_account_id: r.resource_account_id,
    meta: r.meta,
    status: r.status.value,
    created: iso(r.created),
    modified: iso(r.modified),
    resource_version: r.resource_version
  })

  const renderRecipient = (share: ShareState, r: RecipientState, includeResources: boolean): Wire.Recipient => ({
    id: r.id,
    account_id: r.account_id,
    association_status: r.status.value,
    created: iso(r.created),
    modified: iso(r.modified),
    ...(includeResources
      ? {
          resources: r.failures.map((f) => {
            const resource =
              (f.resource_id !== undefined
                ? [...share.resources.values()].find((x) => x.resource_id === f.resource_id)
                : undefined) ?? [...share.resources.values()][0]
            return {
              error: f.error,
              resource_id: f.resource_id ?? resource?.resource_id ?? share.id,
              resource_version: resource?.resource_version ?? 1,
              terminal: f.terminal
            }
          })
        }
      : {})
  })

  const renderShare = (
    s: ShareState,
    viewer: string | undefined,
    include: { readonly resources?: boolean; readonly counts?: boolean } = {}
  ): Wire.Share => {
    const counts = { associated: 0, associating: 0, disassociated: 0, disassociating: 0 }
    if (include.counts === true) for (const r of s.recipients.values()) counts[r.status.value]++
    return {
      id: s.id,
      name: s.name,
      account_id: s.account_id,
      account_name: accounts.get(s.account_id)?.name ?? `Account ${s.account_id.slice(0, 8)}`,
      organization_id: s.organization_id,
      created: iso(s.created),
      modified: iso(s.modified),
      status: s.status.value,
      target_type: s.target_type,
      ...(viewer !== undefined ? { kind: viewer === s.account_id ? ("sent" as const) : ("received" as const) } : {}),
      ...(include.resources === true ? { resources: [...s.resources.values()].map(renderResource) } : {}),
      ...(include.counts === true
        ? {
            associated_recipient_count: counts.associated,
            associating_recipient_count: counts.associating,
            disassociated_recipient_count: counts.disassociated,
            disassociating_recipient_count: counts.disassociating
          }
        : {})
    }
  }

  const renderExcluded = (x: ExcludedState): Wire.ExcludedRecipient => ({
    id: x.id,
    account_id: x.account_id,
    created: iso(x.created),
    modified: iso(x.modified)
  })

  // --- request helpers ------------------------------------------------------------------------

  const principals = new Map<string, Credential>()
  for (const [i, c] of credentials.entries()) principals.set(c.principal ?? `principal-${i + 1}`, c)
  const principalOf = (name: string) => principals.get(name)

  const canReach = (principal: string, accountId: string): boolean => {
    const cred = principalOf(principal)
    return accounts.has(accountId) && (cred?.accounts === undefined || cred.accounts.includes(accountId))
  }

  const checkParams = (req: SimulatorKit.SimRequest) => {
    for (const value of Object.values(req.params)) {
      if (value.length > 32) {
        reject(400, 7003, `Could not route to ${req.path}, perhaps your object identifier is invalid?`)
      }
    }
  }

  const account = (req: SimulatorKit.SimRequest): string => {
    const id = req.params.account_id ?? ""
    if (!canReach(req.principal, id)) reject(403, 10000, "Authentication error")
    return id
  }

  /** The share owned by the path account (management endpoints). */
  const ownedShare = (req: SimulatorKit.SimRequest, read: boolean): ShareState => {
    const owner = account(req)
    const share = shares.get(req.params.share_id ?? "")
    if (share === undefined || share.account_id !== owner) return reject(404, 1004, "Share not found")
    touchShare(share, read)
    return share
  }

  const bool = (req: SimulatorKit.SimRequest, name: string): boolean => {
    const v = req.query.get(name)
    if (v === null) return false
    if (v === "true") return true
    if (v === "false") return false
    return invalid(`${name} must be true or false`)
  }

  const oneOf = <T extends string>(req: SimulatorKit.SimRequest, name: string, values: ReadonlyArray<T>) => {
    const v = req.query.get(name)
    if (v === null) return undefined
    if (!(values as ReadonlyArray<string>).includes(v)) return invalid(`${name} must be one of ${values.join(", ")}`)
    return v as T
  }

  const intParam = (req: SimulatorKit.SimRequest, name: string, min: number, max: number): number | undefined => {
    const v = req.query.get(name)
    if (v === null) return undefined
    const n = Number(v)
    if (!/^\d+$/.test(v) || !Number.isInteger(n) || n < min || n > max) {
      return invalid(`${name} must be an integer between ${min} and ${max}`)
    }
    return n
  }

  /** Pages `items`; `observe` is called for the returned items only. */
  const paged = <A, W>(
    req: SimulatorKit.SimRequest,
    items: ReadonlyArray<A>,
    render: (a: A) => W,
    observe: (a: A) => void = () => {}
  ): SimulatorKit.SimResponse => {
    const page = intParam(req, "page", 1, Number.MAX_SAFE_INTEGER)
    const perPage = intParam(req, "per_page", 1, 100)
    const total = items.length
    let slice: ReadonlyArray<A>
    let info: Wire.ResultInfo
    if (page === undefined && perPage === undefined) {
      slice = items
      info = { count: total, page: 1, per_page: total, total_count: total, total_pages: total === 0 ? 0 : 1 }
    } else {
      const p = page ?? 1
      const pp = perPage ?? 20
      slice = items.slice((p - 1) * pp, p * pp)
      info = { count: slice.length, page: p, per_page: pp, total_count: total, total_pages: Math.ceil(total / pp) }
    }
    for (const a of slice) observe(a)
    return { status: 200, body: { success: true, errors: [], result: slice.map(render), result_info: info } }
  }

  const resourceRequest = (u: unknown, field: string) => {
    if (!isObject(u)) return invalid(`${field} must be an object`)
    if (!isObject(u.meta)) invalid(`${field}.meta is required and must be an object`)
    const resource_account_id = checkId(u.resource_account_id, `${field}.resource_account_id`)
    const resource_id = checkId(u.resource_id, `${field}.resource_id`)
    if (typeof u.resource_type !== "string" || !resourceTypes.has(u.resource_type)) {
      invalid(`${field}.resource_type must be one of ${[...resourceTypes].join(", ")}`)
    }
    return {
      meta: u.meta as Record<string, unknown>,
      resource_account_id,
      resource_id,
      resource_type: u.resource_type as string
    }
  }

  /** A recipient request: `{ account }` or `{ organization }` (the deprecated `account_id` alias accepted). */
  const recipientRequest = (
    u: unknown,
    field: string
  ): { readonly account?: string; readonly organization?: string } => {
    if (!isObject(u)) return invalid(`${field} must be an object`)
    const recipient =
      u.recipient_account_id === undefined
        ? undefined
        : checkId(u.recipient_account_id, `${field}.recipient_account_id`)
    const alias = u.account_id === undefined ? undefined : checkId(u.account_id, `${field}.account_id`)
    const organization =
      u.organization_id === undefined ? undefined : checkId(u.organization_id, `${field}.organization_id`)
    if (recipient !== undefined && alias !== undefined && recipient !== alias) {
      invalid(`${field}: account_id (deprecated alias) and recipient_account_id disagree`)
    }
    const acct = recipient ?? alias
    if (acct !== undefined && organization !== undefined) {
      invalid(`${field}: recipient_account_id and organization_id are mutually exclusive`)
    }
    return acct !== undefined ? { account: acct } : organization !== undefined ? { organization } : {}
  }

  const checkRecipientAccount = (share: ShareState, accountId: string, field: string) => {
    const target = accounts.get(accountId)
    if (target === undefined) reject(400, 1002, `${field}: account ${accountId} does not exist`)
    if (accountId === share.account_id) reject(400, 1002, `${field}: a share cannot be shared with its owner account`)
    if (target !== undefined && target.organization_id !== share.organization_id) {
      reject(400, 1002, `${field}: account ${accountId} does not belong to the share owner's organization`)
    }
  }

  const addRecipient = (share: ShareState, accountId: string): RecipientState => {
    const existing = [...share.recipients.values()].find((r) => r.account_id === accountId)
    const t = now()
    if (existing !== undefined) {
      move(existing.status, "associating", t)
      existing.modified = t
      existing.failures = []
      return existing
    }
    const recipient: RecipientState = {
      id: newId("recipient"),
      account_id: accountId,
      status: { value: "associating", since: t, reads: 0 },
      created: t,
      modified: t,
      failures: []
    }
    share.recipients.set(recipient.id, recipient)
    return recipient
  }

  const removeRecipient = (r: RecipientState) => {
    if (r.status.value === "associating" || r.status.value === "associated") {
      move(r.status, "disassociating")
      r.modified = now()
    }
  }

  const requireActive = (share: ShareState) => {
    if (share.status.value !== "active") reject(400, 1001, `Share ${share.id} is ${share.status.value}`)
  }
  const requireAccountTarget = (share: ShareState, what: string) => {
    if (share.target_type === "organization") {
      reject(
        400,
        1002,
        `${what} is not allowed on an organization-targeted share: its recipients derive from organization membership (use excluded recipients)`
      )
    }
  }
  const requireOrganizationTarget = (share: ShareState) => {
    if (share.target_type !== "organization") {
      reject(400, 1002, "Excluded recipients apply only to organization-targeted shares")
    }
  }

  const createResourceState = (share: ShareState, r: ReturnType<typeof resourceRequest>): ResourceState => {
    const t = now()
    const state: ResourceState = {
      id: newId("resource"),
      resource_id: r.resource_id,
      resource_type: r.resource_type,
      resource_account_id: r.resource_account_id,
      meta: r.meta,
      status: { value: "active", since: t, reads: 0 },
      created: t,
      modified: t,
      resource_version: 1
    }
    share.resources.set(state.id, state)
    return state
  }

  // --- share lists ----------------------------------------------------------------------------

  const filterShares = (
    req: SimulatorKit.SimRequest,
    candidates: ReadonlyArray<{ readonly share: ShareState; readonly kind: Wire.ShareKind }>,
    withTags: boolean
  ) => {
    const status = oneOf(req, "status", ["active", "deleting", "deleted"] as const)
    const kind = oneOf(req, "kind", ["sent", "received"] as const)
    const target = oneOf(req, "target_type", ["account", "organization"] as const)
    const order = oneOf(req, "order", ["name", "created"] as const) ?? "created"
    const direction = oneOf(req, "direction", ["asc", "desc"] as const) ?? "asc"
    const types = req.query.getAll("resource_types")
    for (const t of types) if (!resourceTypes.has(t)) invalid(`resource_types: unknown resource type ${t}`)
    const tags = withTags ? req.query.getAll("tag") : []
    if (tags.length > 20) invalid("at most 20 tag parameters are allowed")
    for (const t of tags) if (t.length > 1281) invalid("a tag must be at most 1281 characters")
    const matchesTag = (share: ShareState, tag: string) => {
      const eq = tag.indexOf("=")
      return eq < 0 ? share.tags.some((x) => x === tag || x.startsWith(`${tag}=`)) : share.tags.includes(tag)
    }
    const list = candidates.filter(
      ({ share, kind: k }) =>
        (status === undefined || share.status.value === status) &&
        (kind === undefined || k === kind) &&
        (target === undefined || share.target_type === target) &&
        (types.length === 0 || [...share.resources.values()].some((r) => types.includes(r.resource_type))) &&
        tags.every((t) => matchesTag(share, t))
    )
    const sign = direction === "asc" ? 1 : -1
    return list.toSorted(
      (a, b) =>
        sign *
        (order === "name"
          ? a.share.name.localeCompare(b.share.name) || a.share.created - b.share.created
          : a.share.created - b.share.created || a.share.id.localeCompare(b.share.id))
    )
  }

  type Candidate = { readonly share: ShareState; readonly kind: Wire.ShareKind }

  const isLiveRecipient = (r: RecipientState) => r.status.value === "associating" || r.status.value === "associated"

  // --- routes ---------------------------------------------------------------------------------

  const S = "/accounts/:account_id/shares"
  const one = "/accounts/:account_id/shares/:share_id"

  const routes: Array<SimulatorKit.Route> = [
    {
      method: "GET",
      pattern: S,
      handle: (req) => {
        const viewer = account(req)
        for (const s of shares.values()) touchShare(s, false)
        const candidates = [...shares.values()].flatMap(
          (share): Array<Candidate> =>
            share.account_id === viewer
              ? [{ share, kind: "sent" as const }]
              : [...share.recipients.values()].some((r) => r.account_id === viewer && isLiveRecipient(r))
                ? [{ share, kind: "received" as const }]
                : []
        )
        const resources = bool(req, "include_resources")
        const counts = bool(req, "include_recipient_counts")
        return paged(
          req,
          filterShares(req, candidates, true),
          ({ share }) => renderShare(share, viewer, { resources, counts }),
          ({ share }) => touchShare(share, true)
        )
      }
    },
    {
      method: "POST",
      pattern: S,
      handle: (req) => {
        const owner = account(req)
        const body = req.body
        if (!isObject(body)) return invalid("request body must be a JSON object")
        if (typeof body.name !== "string" || body.name === "") invalid("name is required")
        if (!Array.isArray(body.recipients)) invalid("recipients is required and must be an array")
        if (!Array.isArray(body.resources)) invalid("resources is required and must be an array")
        const recipients = (body.recipients as Array<unknown>).map((r, i) => recipientRequest(r, `recipients[${i}]`))
        const resources = (body.resources as Array<unknown>).map((r, i) => resourceRequest(r, `resources[${i}]`))
        const orgOfOwner = accounts.get(owner)!.organization_id
        const orgTargets = recipients.filter((r) => r.account === undefined)
        for (const r of orgTargets) {
          if (r.organization !== undefined && r.organization !== orgOfOwner) {
            reject(400, 1002, `organization_id ${r.organization} is not the caller's organization`)
          }
        }
        if (orgTargets.length > 0 && orgTargets.length !== recipients.length) {
          invalid("a share targets either accounts or the organization, not both")
        }
        const t = now()
        const share: ShareState = {
          id: newId("share"),
          name: body.name as string,
          account_id: owner,
          organization_id: orgOfOwner,
          target_type: orgTargets.length > 0 ? "organization" : "account",
          status: { value: "active", since: t, reads: 0 },
          created: t,
          modified: t,
          tags: [],
          recipients: new Map(),
          resources: new Map(),
          excluded: new Map()
        }
        recipients.forEach((r, i) => {
          if (r.account !== undefined) checkRecipientAccount(share, r.account, `recipients[${i}]`)
        })
        shares.set(share.id, share)
        for (const r of resources) createResourceState(share, r)
        for (const r of recipients) if (r.account !== undefined) addRecipient(share, r.account)
        syncOrganization(share)
        return ok(renderShare(share, owner), 201)
      }
    },
    {
      method: "GET",
      pattern: one,
      handle: (req) => {
        const viewer = account(req)
        const share = shares.get(req.params.share_id ?? "")
        const visible =
          share !== undefined &&
          (share.account_id === viewer ||
            [...share.recipients.values()].some((r) => r.account_id === viewer && isLiveRecipient(r)))
        if (!visible || share === undefined) return reject(404, 1004, "Share not found")
        touchShare(share, true)
        return ok(
          renderShare(share, viewer, {
            resources: bool(req, "include_resources"),
            counts: bool(req, "include_recipient_counts")
          })
        )
      }
    },
    {
      method: "PUT",
      pattern: one,
      handle: (req) => {
        const share = ownedShare(req, false)
        const body = req.body
        if (!isObject(body) || typeof body.name !== "string" || body.name === "") return invalid("name is required")
        requireActive(share)
        share.name = body.name
        share.modified = now()
        return ok(renderShare(share, share.account_id))
      }
    },
    {
      method: "DELETE",
      pattern: one,
      handle: (req) => {
        const share = ownedShare(req, false)
        if (share.status.value === "active") {
          move(share.status, "deleting")
          share.modified = now()
          for (const r of share.recipients.values()) removeRecipient(r)
          for (const r of share.resources.values()) {
            if (r.status.value === "active") {
              move(r.status, "deleting")
              r.modified = now()
            }
          }
        }
        return ok(renderShare(share, share.account_id))
      }
    },
    // recipients
    {
      method: "GET",
      pattern: `${one}/recipients`,
      handle: (req) => {
        const share = ownedShare(req, false)
        const include = bool(req, "include_resources")
        const all = [...share.recipients.values()]
        for (const r of all) touchRecipient(r, false)
        return paged(
          req,
          all,
          (r) => renderRecipient(share, r, include),
          (r) => touchRecipient(r, true)
        )
      }
    },
    {
      method: "POST",
      pattern: `${one}/recipients`,
      handle: (req) => {
        const share = ownedShare(req, false)
        requireAccountTarget(share, "Adding a recipient")
        requireActive(share)
        const r = recipientRequest(req.body, "body")
        if (r.account === undefined) {
          return reject(
            400,
            1002,
            "recipient_account_id is required: organization recipients are set when an organization-targeted share is created"
          )
        }
        checkRecipientAccount(share, r.account, "recipient_account_id")
        const existing = [...share.recipients.values()].find((x) => x.account_id === r.account)
        if (existing !== undefined) touchRecipient(existing, false)
        if (existing !== undefined && isLiveRecipient(existing)) {
          return reject(409, 1003, `Account ${r.account} is already a recipient of this share`)
        }
        return ok(renderRecipient(share, addRecipient(share, r.account), false), 201)
      }
    },
    {
      method: "PUT",
      pattern: `${one}/recipients`,
      handle: (req) => {
        const share = ownedShare(req, false)
        requireAccountTarget(share, "Replacing recipients")
        requireActive(share)
        if (!Array.isArray(req.body)) return invalid("request body must be a JSON array of recipients")
        const wanted = new Set<string>()
        ;(req.body as Array<unknown>).forEach((u, i) => {
          const r = recipientRequest(u, `[${i}]`)
          if (r.account === undefined) {
            reject(400, 1002, `[${i}]: organization recipients are not allowed; give recipient_account_id`)
          } else {
            checkRecipientAccount(share, r.account, `[${i}]`)
            wanted.add(r.account)
          }
        })
        for (const r of share.recipients.values()) {
          touchRecipient(r, false)
          if (!wanted.has(r.account_id)) removeRecipient(r)
        }
        for (const accountId of wanted) {
          const existing = [...share.recipients.values()].find((x) => x.account_id === accountId)
          if (existing === undefined || !isLiveRecipient(existing)) addRecipient(share, accountId)
        }
        return { status: 204 }
      }
    },
    {
      method: "GET",
      pattern: `${one}/recipients/:recipient_id`,
      handle: (req) => {
        const share = ownedShare(req, false)
        const include = bool(req, "include_resources")
        const r = share.recipients.get(req.params.recipient_id ?? "")
        if (r === undefined) return reject(404, 1004, "Share recipient not found")
        touchRecipient(r, true)
        return ok(renderRecipient(share, r, include))
      }
    },
    {
      method: "DELETE",
      pattern: `${one}/recipients/:recipient_id`,
      handle: (req) => {
        const share = ownedShare(req, false)
        const r = share.recipients.get(req.params.recipient_id ?? "")
        if (r === undefined) return reject(404, 1004, "Share recipient not found")
        requireAccountTarget(share, "Deleting a recipient")
        touchRecipient(r, false)
        removeRecipient(r)
        return ok(renderRecipient(share, r, false))
      }
    },
    // resources
    {
      method: "GET",
      pattern: `${one}/resources`,
      handle: (req) => {
        const share = ownedShare(req, false)
        const status = oneOf(req, "status", ["active", "deleting", "deleted"] as const)
        const type = req.query.get("resource_type")
        if (type !== null && !resourceTypes.has(type)) invalid(`resource_type: unknown resource type ${type}`)
        const all = [...share.resources.values()]
        for (const r of all) touchResource(r, false)
        return paged(
          req,
          all.filter(
            (r) => (status === undefined || r.status.value === status) && (type === null || r.resource_type === type)
          ),
          renderResource,
          (r) => touchResource(r, true)
        )
      }
    },
    {
      method: "POST",
      pattern: `${one}/resources`,
      handle: (req) => {
        const share = ownedShare(req, false)
        requireActive(share)
        const r = resourceRequest(req.body, "body")
        return ok(renderResource(createResourceState(share, r)), 201)
      }
    },
    {
      method: "GET",
      pattern: `${one}/resources/:share_resource_id`,
      handle: (req) => {
        const share = ownedShare(req, false)
        const r = share.resources.get(req.params.share_resource_id ?? "")
        if (r === undefined) return reject(404, 1004, "Share resource not found")
        touchResource(r, true)
        return ok(renderResource(r))
      }
    },
    {
      method: "PUT",
      pattern: `${one}/resources/:share_resource_id`,
      handle: (req) => {
        const share = ownedShare(req, false)
        const r = share.resources.get(req.params.share_resource_id ?? "")
        if (r === undefined) return reject(404, 1004, "Share resource not found")
        if (!isObject(req.body) || !isObject(req.body.meta)) return invalid("meta is required and must be an object")
        touchResource(r, false)
        if (r.status.value !== "active") return reject(400, 1001, `Share resource ${r.id} is ${r.status.value}`)
        r.meta = req.body.meta
        r.resource_version++
        r.modified = now()
        return ok(renderResource(r))
      }
    },
    {
      method: "DELETE",
      pattern: `${one}/resources/:share_resource_id`,
      handle: (req) => {
        const share = ownedShare(req, false)
        const r = share.resources.get(req.params.share_resource_id ?? "")
        if (r === undefined) return reject(404, 1004, "Share resource not found")
        touchResource(r, false)
        if (r.status.value === "active") {
          move(r.status, "deleting")
          r.modified = now()
        }
        return ok(renderResource(r))
      }
    },
    // excluded recipients
    {
      method: "GET",
      pattern: `${one}/excluded-recipients`,
      handle: (req) => {
        const share = ownedShare(req, false)
        requireOrganizationTarget(share)
        return paged(req, [...share.excluded.values()], renderExcluded)
      }
    },
    {
      method: "POST",
      pattern: `${one}/excluded-recipients`,
      handle: (req) => {
        const share = ownedShare(req, false)
        requireOrganizationTarget(share)
        if (!isObject(req.body)) return invalid("request body must be a JSON object")
        const accountId = checkId(req.body.account_id, "account_id")
        if ([...share.excluded.values()].some((x) => x.account_id === accountId)) {
          return reject(409, 1003, `Account ${accountId} is already excluded`)
        }
        const t = now()
        const x: ExcludedState = { id: newId("excluded"), account_id: accountId, created: t, modified: t }
        share.excluded.set(x.id, x)
        syncOrganization(share)
        return ok(renderExcluded(x), 201)
      }
    },
    {
      method: "PUT",
      pattern: `${one}/excluded-recipients`,
      handle: (req) => {
        const share = ownedShare(req, false)
        requireOrganizationTarget(share)
        if (!Array.isArray(req.body)) return invalid("request body must be a JSON array")
        const wanted = new Set(
          (req.body as Array<unknown>).map((u, i) =>
            isObject(u) ? checkId(u.account_id, `[${i}].account_id`) : invalid(`[${i}] must be an object`)
          )
        )
        for (const [id, x] of share.excluded) if (!wanted.has(x.account_id)) share.excluded.delete(id)
        const t = now()
        for (const accountId of wanted) {
          if (![...share.excluded.values()].some((x) => x.account_id === accountId)) {
            const x: ExcludedState = { id: newId("excluded"), account_id: accountId, created: t, modified: t }
            share.excluded.set(x.id, x)
          }
        }
        syncOrganization(share)
        return { status: 204 }
      }
    },
    {
      method: "GET",
      pattern: `${one}/excluded-recipients/:excluded_recipient_id`,
      handle: (req) => {
        const share = ownedShare(req, false)
        const x = share.excluded.get(req.params.excluded_recipient_id ?? "")
        if (x === undefined) return reject(404, 1004, "Share excluded recipient not found")
        return ok(renderExcluded(x))
      }
    },
    {
      method: "DELETE",
      pattern: `${one}/excluded-recipients/:excluded_recipient_id`,
      handle: (req) => {
        const share = ownedShare(req, false)
        const x = share.excluded.get(req.params.excluded_recipient_id ?? "")
        if (x === undefined) return reject(404, 1004, "Share excluded recipient not found")
        share.excluded.delete(x.id)
        syncOrganization(share)
        return ok(renderExcluded(x))
      }
    },
    // organization shares
    {
      method: "GET",
      pattern: "/organizations/:organization_id/shares",
      handle: (req) => {
        const org = req.params.organization_id ?? ""
        const members = [...accounts.values()].filter((a) => a.organization_id === org)
        if (members.length === 0 || !members.some((a) => canReach(req.principal, a.id))) {
          return reject(403, 10000, "Authentication error")
        }
        const memberIds = new Set(members.map((a) => a.id))
        for (const s of shares.values()) touchShare(s, false)
        const candidates = [...shares.values()].flatMap(
          (share): Array<Candidate> =>
            share.organization_id === org
              ? [{ share, kind: "sent" as const }]
              : [...share.recipients.values()].some((r) => memberIds.has(r.account_id) && isLiveRecipient(r))
                ? [{ share, kind: "received" as const }]
                : []
        )
        return paged(
          req,
          filterShares(req, candidates, false),
          ({ share, kind }) => ({ ...renderShare(share, undefined), kind }),
          ({ share }) => touchShare(share, true)
        )
      }
    }
  ]

  const guarded: Array<SimulatorKit.Route> = routes.map((route) => ({
    ...route,
    handle: (req) => {
      try {
        checkParams(req)
        return route.handle(req)
      } catch (e) {
        if (e instanceof Reject) return e.response
        throw e
      }
    }
  }))

  // --- auth -----------------------------------------------------------------------------------

  const authenticate: SimulatorKit.Options["authenticate"] = (req) => {
    const authorization = req.headers.authorization
    const email = req.headers["x-auth-email"]
    const key = req.headers["x-auth-key"]
    if (authorization === undefined && (email === undefined || key === undefined)) {
      return { ok: false, response: failure(401, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers") }
    }
    for (const [principal, c] of principals) {
      if ("token" in c && authorization === `Bearer ${c.token}`) return { ok: true, principal, scheme: "bearer" }
      if ("email" in c && email === c.email && key === c.key) return { ok: true, principal, scheme: "global-key" }
    }
    return { ok: false, response: failure(401, 10000, "Authentication error") }
  }

  const rl = options.rateLimit === false ? undefined : (options.rateLimit ?? { requests: 1200, windowMillis: 300_000 })

  const running = await SimulatorKit.start({
    name: "cloudflare",
    basePath: "/client/v4",
    routes: guarded,
    authenticate,
    now,
    ...(options.port !== undefined ? { port: options.port } : {}),
    notFound: () => failure(404, 7003, "No route for the URI"),
    badJson: () => failure(400, 1001, "Malformed JSON in request body"),
    ...(rl !== undefined
      ? {
          rateLimit: {
            requests: rl.requests,
            windowMillis: rl.windowMillis,
            lockoutMillis: rl.lockoutMillis ?? 300_000,
            reject: (seconds: number) => ({
              ...failure(429, 971, "Please wait and consider throttling your request speed"),
              headers: { "retry-after": String(seconds) }
            }),
            // Cloudflare's documented rate-limit headers, on every answer
            headers: ({ limit, remaining, resetSeconds }) => ({
              ratelimit: `"default";r=${remaining};t=${resetSeconds}`,
              "ratelimit-policy": `"default";q=${limit};w=${Math.round(rl.windowMillis / 1000)}`
            })
          }
        }
      : {})
  })

  // --- seeding --------------------------------------------------------------------------------

  const seedAccount = (a: SeedAccount) => {
    accounts.set(a.id, a)
    for (const s of shares.values()) syncOrganization(s)
  }

  const shareOf = (shareId: string): ShareState => {
    const share = shares.get(shareId)
    if (share === undefined) throw new Error(`cloudflare simulator: no share ${shareId}`)
    return share
  }

  const seedRecipient = (shareId: string, r: SeedRecipient): Wire.Recipient => {
    const share = shareOf(shareId)
    const t = now()
    const state: RecipientState = {
      id: r.id ?? newId("recipient"),
      account_id: r.account_id,
      status: { value: r.association_status ?? "associated", since: t, reads: 0 },
      created: t,
      modified: t,
      failures: []
    }
    share.recipients.set(state.id, state)
    return renderRecipient(share, state, false)
  }

  const seedResource = (shareId: string, r: SeedResource): Wire.Resource => {
    const share = shareOf(shareId)
    const t = now()
    const state: ResourceState = {
      id: r.id ?? newId("resource"),
      resource_id: r.resource_id,
      resource_type: r.resource_type,
      resource_account_id: r.resource_account_id ?? share.account_id,
      meta: r.meta ?? {},
      status: { value: r.status ?? "active", since: t, reads: 0 },
      created: t,
      modified: t,
      resource_version: r.resource_version ?? 1
    }
    share.resources.set(state.id, state)
    return renderResource(state)
  }

  const seedShare = (s: SeedShare): Wire.Share => {
    const owner = accounts.get(s.account_id)
    if (owner === undefined) throw new Error(`cloudflare simulator: seed the account ${s.account_id} first`)
    const t = now()
    const share: ShareState = {
      id: s.id ?? newId("share"),
      name: s.name,
      account_id: s.account_id,
      organization_id: owner.organization_id,
      target_type: s.target_type ?? "account",
      status: { value: s.status ?? "active", since: t, reads: 0 },
      created: t,
      modified: t,
      tags: s.tags ?? [],
      recipients: new Map(),
      resources: new Map(),
      excluded: new Map()
    }
    shares.set(share.id, share)
    for (const x of s.excluded ?? []) {
      const e: ExcludedState = { id: newId("excluded"), account_id: x, created: t, modified: t }
      share.excluded.set(e.id, e)
    }
    for (const r of s.resources ?? []) seedResource(share.id, r)
    for (const r of s.recipients ?? []) seedRecipient(share.id, r)
    syncOrganization(share)
    return renderShare(share, share.account_id)
  }

  const load = (seed: Seed) => {
    for (const a of seed.accounts) seedAccount(a)
    for (const s of seed.shares ?? []) seedShare(s)
  }
  if (options.seed !== undefined) load(options.seed)

  const recipientOf = (shareId: string, recipientId: string): RecipientState => {
    const r = shareOf(shareId).recipients.get(recipientId)
    if (r === undefined) throw new Error(`cloudflare simulator: no recipient ${recipientId} on share ${shareId}`)
    return r
  }

  return {
    ...running,
    seedAccount,
    seedShare,
    seedRecipient,
    seedResource,
    load,
    failRecipient: (shareId, recipientId, f) => {
      const r = recipientOf(shareId, recipientId)
      r.failures.push(f)
      r.modified = now()
    },
    clearRecipientFailures: (shareId, recipientId) => {
      const r = recipientOf(shareId, recipientId)
      r.failures = []
      r.status.since = now()
      r.status.reads = 0
    },
    state: () => ({
      accounts: [...accounts.values()],
      shares: [...shares.values()].map((s) => ({
        share: renderShare(s, s.account_id, { counts: true }),
        recipients: [...s.recipients.values()].map((r) => renderRecipient(s, r, true)),
        resources: [...s.resources.values()].map(renderResource),
        excluded: [...s.excluded.values()].map(renderExcluded)
      }))
    })
  }
}

/**
 * `start` as a scoped Effect: the server closes with the scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Simulator from "@unishare/cloudflare/simulator"
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const sim = yield* Simulator.serve({ transitions: { mode: "reads", reads: 1 } })
 *   return sim.url
 * }))
 * ```
 */
export const serve = (options: Options = {}): Effect.Effect<CloudflareSimulator, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(options)),
    (sim) => Effect.promise(() => sim.close())
  )
