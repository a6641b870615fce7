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
import { type Grant, Share } from "./Share.ts"
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
  fidelity: Translation.Fidelity
})

/**
 * Change the level of an existing share.
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
  fidelity: Translation.Fidelity
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
  desired: Schema.Array(Schema.Struct({ grantee: Grantee.Grantee, level: AccessLevel })),
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
 * Computes the plan. Current shares that are not live (`revoking`, `revoked`, `failed`) count as
 * absent; a failed one is mentioned in the warnings. Unmanaged shares — inherited ones, and those at a
 * level the provider reports but cannot grant (a Smartsheet owner) — are never written: a desired
 * grant that one already satisfies is left alone; an inherited one at another level gets a direct share. Duplicate grantees in `desired`, and `Everyone` next to other grantees where the provider
 * makes it exclusive, are `InvalidInput`.
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
  const warnings: Array<Warning.Warning> = []
  const skipped: Array<Skipped> = []
  const translated: Array<{
    grant: Grant
    requested: AccessLevel
    fidelity: Translation.Fidelity
    keys: ReadonlyArray<string>
  }> = []
  const seen = new Map<string, number>()
  const issues: Array<Errors.Issue> = []
  let everyone = false

  for (let i = 0; i < desired.length; i++) {
    const result = Translation.translateGrantResult(
      capabilities,
      resourceKind,
      desired[i],
      options,
      "plan",
      `desired.${i}`
    )
    if (Result.isFailure(result)) {
      if (options.onUnsupported === "skip" && result.failure._tag === "Unsupported") {
        skipped.push({ grant: desired[i], reason: result.failure.message, feature: result.failure.feature })
        warnings.push(Warning.Unsupported.make({ feature: result.failure.feature, message: result.failure.message }))
        continue
      }
      return Result.fail(result.failure)
    }
    const t = result.success
    const keys = Grantee.keys(t.value.grantee)
    for (const key of keys) {
      const previous = seen.get(key)
      if (previous !== undefined) {
        issues.push({ path: `desired.${i}.grantee`, message: `same principal as desired.${previous} (${key})` })
      }
      seen.set(key, i)
    }
    if (t.value.grantee._tag === "Everyone") everyone = true
    if (t.warnings.length > 0) warnings.push(...t.warnings)
    translated.push({ grant: t.value, requested: (desired[i] as Grant).level, fidelity: t.fidelity, keys })
  }
  if (capabilities.everyoneExclusive && everyone && translated.length > 1) {
    issues.push({
      path: "desired",
      message: `${provider} shares with Everyone or with explicit grantees, not both: remove Everyone or the other grantees`
    })
  }
  if (issues.length > 0) return Result.fail(new Errors.InvalidInput({ provider, operation: "plan", issues }))

  const grantable = Capabilities.grantableLevels(capabilities, resourceKind)
  const readOnly = (share: Share) =>
    capabilities.readOnlyLevels.includes(share.level) && !grantable.includes(share.level)
  const byKey = new Map<string, Share>()
  const inherited: Array<Share> = []
  const direct: Array<Share> = []
  for (const share of current) {
    if (!live(share)) {
      if (share.status._tag === "failed") {
        warnings.push(
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
  // direct shares win over inherited ones for the same principal
  for (const share of inherited) for (const key of Grantee.keys(share.grantee)) byKey.set(key, share)
  for (const share of direct) for (const key of Grantee.keys(share.grantee)) byKey.set(key, share)

  const matched = new Set<Share>()
  const revokes: Array<Operation> = []
  const updates: Array<Operation> = []
  const grants: Array<Operation> = []
  const unchanged: Array<Share> = []

  for (const { grant, requested, fidelity, keys } of translated) {
    let found: Share | undefined
    for (const key of keys) {
      found = byKey.get(key)
      if (found !== undefined) break
    }
    if (found === undefined) {
      grants.push({ _tag: "Grant", grantee: grant.grantee, level: grant.level, requested, fidelity })
      continue
    }
    matched.add(found)
    if (found.level === grant.level) {
      unchanged.push(found)
    } else if (readOnly(found)) {
      warnings.push(
        Warning.Note.make({
          message: `${Grantee.describe(grant.grantee)} holds ${found.level}, which ${provider} does not let us change; left as is`
        })
      )
    } else if (found.inherited) {
      warnings.push(
        Warning.Note.make({
          message: `${Grantee.describe(grant.grantee)} inherits ${found.level}; a direct ${grant.level} share will be added`
        })
      )
      grants.push({ _tag: "Grant", grantee: grant.grantee, level: grant.level, requested, fidelity })
    } else if (capabilities.updateLevel) {
      updates.push(
        UpdateOp.make({
          shareId: found.id,
          grantee: found.grantee,
          from: found.level,
          level: grant.level,
          requested,
          fidelity
        })
      )
    } else {
      revokes.push({ _tag: "Revoke", shareId: found.id, grantee: found.grantee, level: found.level })
      grants.push({ _tag: "Grant", grantee: grant.grantee, level: grant.level, requested, fidelity })
    }
  }
  for (const share of direct) {
    if (!matched.has(share))
      revokes.push(RevokeOp.make({ shareId: share.id, grantee: share.grantee, level: share.level }))
  }
  return Result.succeed({
    operations: [...revokes, ...updates, ...grants],
    unchanged,
    unmanaged: inherited,
    skipped,
    desired: translated.map((t) => t.grant),
    warnings
  })
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
