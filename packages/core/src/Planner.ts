/**
 * The planner: from the current shares of one resource and the desired grants, the minimal
 * operations that make them equal. Pure and O(n): grantees are matched through their identity keys.
 *
 * @since 0.1.0
 */
import { Result, Schema } from "effect"
import { AccessLevel } from "./AccessLevel.ts"
import * as Capabilities from "./Capabilities.ts"
import * as Errors from "./Errors.ts"
import * as Grantee from "./Grantee.ts"
import { type Grant, Instant, ProviderRole, Share, sameExpiry } from "./Share.ts"
import * as ShareStatus from "./ShareStatus.ts"
import * as Translation from "./Translation.ts"
import * as Warning from "./Warning.ts"

/**
 * Create a share for a grantee who has none. `requested` is the level asked for; `level` what the
 * provider will get after translation (`fidelity` tells which way it moved).
 *
 * @example
 * ```ts
 * import { Grantee, Planner } from "@unishare/core"
 * const op = Planner.GrantOp.make({ grantee: Grantee.group("7"), level: "viewer", requested: "viewer", fidelity: "exact" })
 * ```
 */
export const GrantOp = Schema.TaggedStruct("Grant", {
  grantee: Grantee.Grantee,
  level: AccessLevel,
  requested: AccessLevel,
  fidelity: Translation.Fidelity,
  expiresAt: Schema.optionalKey(Instant),
  providerRole: Schema.optionalKey(ProviderRole)
})

/**
 * Change the level of an existing share, and its expiry (`expiresAt`: a new instant, or `null` to
 * remove it; absent when it does not change) or provider role when they differ.
 *
 * @example
 * ```ts
 * import { Grantee, Planner } from "@unishare/core"
 * Planner.UpdateOp.make({ shareId: "s1", grantee: Grantee.group("7"), from: "viewer", level: "editor", requested: "editor", fidelity: "exact" })
 * ```
 */
export const UpdateOp = Schema.TaggedStruct("Update", {
  shareId: Schema.String,
  grantee: Grantee.Grantee,
  from: AccessLevel,
  level: AccessLevel,
  requested: AccessLevel,
  fidelity: Translation.Fidelity,
  expiresAt: Schema.optionalKey(Schema.NullOr(Instant)),
  providerRole: Schema.optionalKey(ProviderRole)
})

/**
 * Remove an existing share.
 *
 * @example
 * ```ts
 * import { Grantee, Planner } from "@unishare/core"
 * Planner.RevokeOp.make({ shareId: "s1", grantee: Grantee.group("7"), level: "viewer" })
 * ```
 */
export const RevokeOp = Schema.TaggedStruct("Revoke", {
  shareId: Schema.String,
  grantee: Grantee.Grantee,
  level: AccessLevel
})

/**
 * One planned write.
 *
 * @example
 * ```ts
 * import type { Planner } from "@unishare/core"
 * const isWrite = (op: Planner.Operation) => op._tag !== "Revoke"
 * ```
 */
export const Operation = Schema.Union([GrantOp, UpdateOp, RevokeOp])
/** @example const ops: ReadonlyArray<Planner.Operation> = [] */
export type Operation = typeof Operation.Type

/**
 * A desired grant that cannot be planned (unsupported grantee or level), kept for the report.
 *
 * @example
 * ```ts
 * import type { Planner } from "@unishare/core"
 * const reasons = (plan: Planner.Plan) => plan.skipped.map((s) => s.reason)
 * ```
 */
export const Skipped = Schema.Struct({
  grant: Schema.Unknown,
  reason: Schema.String,
  feature: Schema.optionalKey(Schema.String)
})
/** @example const s: Planner.Skipped = { grant: {}, reason: "unsupported" } */
export type Skipped = typeof Skipped.Type

/**
 * A plan: operations in the order they should run (revocations first, least privilege), the shares
 * that already match, unmanaged shares left alone (inherited ones, and read-only levels such as a
 * Smartsheet owner), skipped grants and every warning.
 *
 * @example
 * ```ts
 * import type { Planner } from "@unishare/core"
 * const writes = (plan: Planner.Plan) => plan.operations.length
 * ```
 */
export const Plan = Schema.Struct({
  operations: Schema.Array(Operation),
  unchanged: Schema.Array(Share),
  unmanaged: Schema.Array(Share),
  skipped: Schema.Array(Skipped),
  desired: Schema.Array(
    Schema.Struct({
      grantee: Grantee.Grantee,
      level: AccessLevel,
      expiresAt: Schema.optionalKey(Instant),
      providerRole: Schema.optionalKey(ProviderRole)
    })
  ),
  warnings: Schema.Array(Warning.Warning)
})
/** @example const empty: Planner.Plan = { operations: [], unchanged: [], unmanaged: [], skipped: [], desired: [], warnings: [] } */
export type Plan = typeof Plan.Type

/**
 * Planner options: translation policy, the `Everyone` opt-in, the kind of the resource (levels can
 * depend on it) and what to do with grants that cannot be translated (`"fail"`, the default, or
 * `"skip"` to list them in `skipped` — migrations use this to report instead of stopping).
 *
 * @example
 * ```ts
 * import type { Planner } from "@unishare/core"
 * const opts: Planner.Options = { resourceKind: "sheet", onLossy: "round-down", onUnsupported: "skip" }
 * ```
 */
export interface Options extends Translation.Options {
  readonly resourceKind?: string | undefined
  readonly onUnsupported?: "fail" | "skip" | undefined
}

const live = (share: Share): boolean => ShareStatus.isLive(share.status)

/**
 * Principals indexed by identity (the keys of `Grantee.keys`), one map per kind of key so that the
 * ids themselves are the map keys: no key string is built per lookup, which keeps the planner
 * linear and allocation-light at a million shares.
 */
class PrincipalIndex {
  private readonly userIds = new Map<string, number>()
  private readonly emails = new Map<string, number>()
  private readonly groups = new Map<string, number>()
  private readonly accounts = new Map<string, number>()
  private readonly organizations = new Map<string, number>()
  private readonly domains = new Map<string, number>()
  private everyone: number | undefined = undefined
  private anyone: number | undefined = undefined

  /** The entry under the first identity key of `grantee` that is present (a user's id before its email). */
  get(grantee: Grantee.Grantee): number | undefined {
    switch (grantee._tag) {
      case "User": {
        const byId = grantee.id === undefined ? undefined : this.userIds.get(grantee.id)
        if (byId !== undefined || grantee.email === undefined) return byId
        return this.emails.get(Grantee.normalizeEmail(grantee.email))
      }
      case "Group":
        return this.groups.get(grantee.id)
      case "Account":
        return this.accounts.get(grantee.id)
      case "Organization":
        return this.organizations.get(grantee.id)
      case "Everyone":
        return this.everyone
      case "Domain":
        return this.domains.get(grantee.domain.toLowerCase())
      case "Anyone":
        return this.anyone
    }
  }

  /** The entry under a user's email when it also has an id (its second key), else `undefined`. */
  second(grantee: Grantee.Grantee): number | undefined {
    return grantee._tag === "User" && grantee.id !== undefined && grantee.email !== undefined
      ? this.emails.get(Grantee.normalizeEmail(grantee.email))
      : undefined
  }

  /** Sets `entry` under every identity key of `grantee` (`onlyMissing`: only under keys not present). */
  set(grantee: Grantee.Grantee, entry: number, onlyMissing = false): void {
    switch (grantee._tag) {
      case "User":
        if (grantee.id !== undefined && !(onlyMissing && this.userIds.has(grantee.id))) {
          this.userIds.set(grantee.id, entry)
        }
        if (grantee.email !== undefined) {
          const email = Grantee.normalizeEmail(grantee.email)
          if (!(onlyMissing && this.emails.has(email))) this.emails.set(email, entry)
        }
        return
      case "Group":
        if (!onlyMissing) this.groups.set(grantee.id, entry)
        return
      case "Account":
        if (!onlyMissing) this.accounts.set(grantee.id, entry)
        return
      case "Organization":
        if (!onlyMissing) this.organizations.set(grantee.id, entry)
        return
      case "Everyone":
        if (!onlyMissing || this.everyone === undefined) this.everyone = entry
        return
      case "Domain":
        if (!onlyMissing) this.domains.set(grantee.domain.toLowerCase(), entry)
        return
      case "Anyone":
        if (!onlyMissing || this.anyone === undefined) this.anyone = entry
    }
  }
}

/**
 * Computes the plan. Current shares that are not live (`revoking`, `revoked`, `failed`) count as
 * absent; a failed one is mentioned in the warnings. Unmanaged shares — inherited ones, and those at a
 * level the provider reports but cannot grant (a Smartsheet owner) — are never written: a desired
 * grant that one already satisfies is left alone; an inherited one at another level gets a direct share. Duplicate grantees in `desired` (two grants with an identity key in common, or that both
 * denote the principal of one current share), and `Everyone` next to other grantees where the
 * provider makes it exclusive, are `InvalidInput`.
 *
 * Linear in `current + desired`: the live shares go into one principal index (a hash map per kind
 * of identity key); each desired grant is one lookup in it, and one insertion when it is new (so
 * that a later grant for the same principal is seen as a duplicate).
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import { Capabilities, Grantee, Planner } from "@unishare/core"
 * const caps = Capabilities.make({ provider: "memory", granteeKinds: ["User", "Group"], levels: ["viewer", "editor"] })
 * const plan = Planner.plan([], [{ grantee: Grantee.group("7"), level: "editor" }], caps)
 * Result.getOrThrow(plan).operations.length // 1
 * ```
 */
export const plan = (
  current: ReadonlyArray<Share>,
  desired: ReadonlyArray<Grant>,
  capabilities: Capabilities.Capabilities,
  options: Options = {}
): Result.Result<Plan, Errors.InvalidInput | Errors.Unsupported> => {
  const provider = capabilities.provider
  const resourceKind = options.resourceKind ?? current[0]?.resource.kind ?? ""
  const grantable = Capabilities.grantableLevels(capabilities, resourceKind)
  const readOnly = (share: Share) =>
    capabilities.readOnlyLevels.includes(share.level) && !grantable.includes(share.level)

  // live shares: unmanaged (inherited, read-only) first, then direct ones, which win over an
  // unmanaged share of the same principal because they are indexed last
  const failedNotes: Array<Warning.Warning> = []
  const inherited: Array<Share> = []
  const direct: Array<Share> = []
  for (const share of current) {
    if (!live(share)) {
      if (share.status._tag === "failed") {
        failedNotes.push(
          Warning.Note.make({
            message: `share ${share.id} for ${Grantee.describe(share.grantee)} failed: ${share.status.message}`
          })
        )
      }
      continue
    }
    if (share.inherited || readOnly(share)) inherited.push(share)
    else direct.push(share)
  }
  const indexed: Array<Share> = inherited.concat(direct)
  // entries: i ≥ 0 is indexed[i]; -(n + 1) is the n-th desired grant that matched no share
  const index = new PrincipalIndex()
  for (let i = 0; i < indexed.length; i++) index.set((indexed[i] as Share).grantee, i)
  // claimedBy[i]: 1 + the position of the desired grant that matched indexed[i]
  const claimedBy = new Int32Array(indexed.length)

  const translationWarnings: Array<Warning.Warning> = []
  const matchNotes: Array<Warning.Warning> = []
  const skipped: Array<Skipped> = []
  const grants: Array<Grant> = []
  const issues: Array<Errors.Issue> = []
  const revokes: Array<Operation> = []
  const updates: Array<Operation> = []
  const creates: Array<Operation> = []
  const unchanged: Array<Share> = []
  let everyone = false

  const earlier = (entry: number | undefined): number | undefined => {
    if (entry === undefined) return undefined
    if (entry < 0) return -entry - 1
    const claimant = claimedBy[entry] ?? 0
    return claimant === 0 ? undefined : claimant - 1
  }

  for (let i = 0; i < desired.length; i++) {
    const input = desired[i]
    // the path only matters in an error: build it then, not for every grant
    let result = Translation.translateGrantResult(capabilities, resourceKind, input, options, "plan")
    if (Result.isFailure(result)) {
      result = Translation.translateGrantResult(capabilities, resourceKind, input, options, "plan", `desired.${i}`)
    }
    if (Result.isFailure(result)) {
      if (options.onUnsupported === "skip" && result.failure._tag === "Unsupported") {
        skipped.push({ grant: input, reason: result.failure.message, feature: result.failure.feature })
        translationWarnings.push(
          Warning.Unsupported.make({ feature: result.failure.feature, message: result.failure.message })
        )
        continue
      }
      return Result.fail(result.failure)
    }
    const t = result.success
    const grant = t.value
    const grantee = grant.grantee
    if (grantee._tag === "Everyone") everyone = true
    if (t.warnings.length > 0) translationWarnings.push(...t.warnings)
    grants.push(grant)

    const entry = index.get(grantee)
    const duplicateOf = earlier(entry) ?? earlier(index.second(grantee))
    if (duplicateOf !== undefined) {
      issues.push({
        path: `desired.${i}.grantee`,
        message: `same principal as desired.${duplicateOf} (${Grantee.describe(grantee)})`
      })
      continue
    }
    const requested = (input as Grant).level
    const fidelity = t.fidelity
    const extra = {
      ...(grant.expiresAt !== undefined ? { expiresAt: grant.expiresAt } : {}),
      ...(grant.providerRole !== undefined ? { providerRole: grant.providerRole } : {})
    }
    if (entry === undefined) {
      index.set(grantee, -(i + 1))
      creates.push({ _tag: "Grant", grantee, level: grant.level, requested, fidelity, ...extra })
      continue
    }
    claimedBy[entry] = i + 1
    // a user found by one of two keys: a later grant under the other key is a duplicate too
    if (grantee._tag === "User" && grantee.id !== undefined && grantee.email !== undefined) {
      index.set(grantee, entry, true)
    }
    const found = indexed[entry] as Share
    const sameRole = found.providerRole?.name === grant.providerRole?.name
    const sameGrant =
      found.level === grant.level &&
      sameRole &&
      sameExpiry(found.expiresAt, grant.expiresAt) &&
      Grantee.isDiscoverable(found.grantee) === Grantee.isDiscoverable(grantee)
    if (sameGrant) {
      unchanged.push(found)
    } else if (readOnly(found)) {
      matchNotes.push(
        Warning.Note.make({
          message: `${Grantee.describe(grantee)} holds ${found.level}, which ${provider} does not let us change; left as is`
        })
      )
    } else if (found.inherited) {
      matchNotes.push(
        Warning.Note.make({
          message: `${Grantee.describe(grantee)} inherits ${found.level}; a direct ${grant.level} share will be added`
        })
      )
      creates.push({ _tag: "Grant", grantee, level: grant.level, requested, fidelity, ...extra })
    } else if (
      capabilities.updateLevel &&
      Grantee.isDiscoverable(found.grantee) === Grantee.isDiscoverable(grantee) &&
      // an expiry the provider cannot remove in place: a new permanent share replaces it
      !(found.expiresAt !== undefined && grant.expiresAt === undefined && !capabilities.expiryRemovable)
    ) {
      // discoverability is part of the grantee (a new share); level, expiry and role update in place
      const expiry = sameExpiry(found.expiresAt, grant.expiresAt) ? {} : { expiresAt: grant.expiresAt ?? null }
      updates.push({
        _tag: "Update",
        shareId: found.id,
        grantee: found.grantee,
        from: found.level,
        level: grant.level,
        requested,
        fidelity,
        ...expiry,
        ...(grant.providerRole !== undefined && !sameRole ? { providerRole: grant.providerRole } : {})
      })
    } else {
      revokes.push({ _tag: "Revoke", shareId: found.id, grantee: found.grantee, level: found.level })
      creates.push({ _tag: "Grant", grantee, level: grant.level, requested, fidelity, ...extra })
    }
  }
  if (capabilities.everyoneExclusive && everyone && grants.length > 1) {
    issues.push({
      path: "desired",
      message: `${provider} shares with Everyone or with explicit grantees, not both: remove Everyone or the other grantees`
    })
  }
  if (issues.length > 0) return Result.fail(new Errors.InvalidInput({ provider, operation: "plan", issues }))

  for (let i = inherited.length; i < indexed.length; i++) {
    if (claimedBy[i] !== 0) continue
    const share = indexed[i] as Share
    revokes.push({ _tag: "Revoke", shareId: share.id, grantee: share.grantee, level: share.level })
  }
  const operations: Array<Operation> = revokes
  for (const op of updates) operations.push(op)
  for (const op of creates) operations.push(op)
  const warnings = translationWarnings
  for (const w of failedNotes) warnings.push(w)
  for (const w of matchNotes) warnings.push(w)
  return Result.succeed({ operations, unchanged, unmanaged: inherited, skipped, desired: grants, warnings })
}

/**
 * Counts of a plan, for summaries.
 *
 * @example
 * ```ts
 * import { Planner } from "@unishare/core"
 * Planner.summarize({ operations: [], unchanged: [], unmanaged: [], skipped: [], desired: [], warnings: [] }).writes // 0
 * ```
 */
export const summarize = (p: Plan) => {
  let grants = 0
  let updates = 0
  let revokes = 0
  let lossy = 0
  for (const op of p.operations) {
    if (op._tag === "Grant") grants++
    else if (op._tag === "Update") updates++
    else revokes++
    if (op._tag !== "Revoke" && op.fidelity !== "exact") lossy++
  }
  return {
    writes: p.operations.length,
    grants,
    updates,
    revokes,
    lossy,
    unchanged: p.unchanged.length,
    unmanaged: p.unmanaged.length,
    skipped: p.skipped.length,
    warnings: p.warnings.length
  }
}
