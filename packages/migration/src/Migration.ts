/**
 * The migration engine: snapshot → identity and resource mapping → plan with per-share fidelity →
 * apply (bounded concurrency, resumable) → verify by read-back.
 *
 * `apply` here runs in the calling process and keeps what it applied in an `AppliedUnits` view it is
 * given (in memory: `appliedInMemory`). Durable runs that survive crashes, and the `unishare`
 * command, use `DurableApply`, which runs the same units (`unitsOf`, `writeUnit`, `createTarget`)
 * as workflow activities and keeps their outcomes in its SQL store.
 *
 * @since 0.1.0
 */
import { createHash, randomUUID } from "node:crypto"
import * as AccessLevel from "@unishare/core/AccessLevel"
import * as Apply from "@unishare/core/Apply"
import type * as Capabilities from "@unishare/core/Capabilities"
import * as Errors from "@unishare/core/Errors"
import * as Grantee from "@unishare/core/Grantee"
import * as Planner from "@unishare/core/Planner"
import * as ResourceRef from "@unishare/core/ResourceRef"
import type { Grant, Share } from "@unishare/core/Share"
import * as ShareModule from "@unishare/core/Share"
import * as ShareStatus from "@unishare/core/ShareStatus"
import type { Shape } from "@unishare/core/SharingProvider"
import * as Translation from "@unishare/core/Translation"
import { Deferred, Effect, Result, Schema, Stream } from "effect"
import * as IdentityMap from "./IdentityMap.ts"
import type * as ResourceMap from "./ResourceMap.ts"
import * as Snapshot from "./Snapshot.ts"

/**
 * What became of one source share: `exact`, `narrowed` or `widened` (translated), `unsupported`
 * (the target cannot express it), `unresolved` (no target principal), or `skipped` (inherited, or
 * covered by another grant); `via` tells how the principal was found.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const lossy = (e: Migration.FidelityEntry) => e.outcome !== "exact"
 * ```
 */
export const FidelityEntry = Schema.Struct({
  sourceShareId: Schema.String,
  source: Grantee.Grantee,
  sourceLevel: AccessLevel.AccessLevel,
  target: Schema.optionalKey(Grantee.Grantee),
  targetLevel: Schema.optionalKey(AccessLevel.AccessLevel),
  outcome: Schema.Literals(["exact", "narrowed", "widened", "unsupported", "unresolved", "skipped"]),
  via: Schema.optionalKey(Schema.Literals(["map", "auto", "fallback"])),
  note: Schema.optionalKey(Schema.String)
})
/** @example const entries: ReadonlyArray<Migration.FidelityEntry> = [] */
export type FidelityEntry = typeof FidelityEntry.Type

/**
 * One source resource and what the plan does to its target.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const writes = (i: Migration.Item) => i.plan.operations.length
 * ```
 */
export const Item = Schema.Struct({
  source: ResourceRef.ResourceRef,
  name: Schema.optionalKey(Schema.String),
  target: ResourceRef.ResourceRef,
  /** Set when the target does not exist yet: `apply` creates it first (`target` is then a placeholder). */
  create: Schema.optionalKey(Schema.Struct({ name: Schema.String, type: Schema.optionalKey(Schema.String) })),
  /** What the target should hold: grantee, level, and the expiry and provider role kept. */
  desired: Schema.Array(ShareModule.Grant),
  plan: Planner.Plan,
  entries: Schema.Array(FidelityEntry)
})
/** @example const items: ReadonlyArray<Migration.Item> = [] */
export type Item = typeof Item.Type

/**
 * A resource that could not be planned (no mapping, or the target could not be read).
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const p: Migration.Problem = { source: { provider: "a", kind: "k", id: "1" }, message: "no target resource mapped" }
 * ```
 */
export const Problem = Schema.Struct({ source: ResourceRef.ResourceRef, message: Schema.String })
/** @example const problems: ReadonlyArray<Migration.Problem> = [] */
export type Problem = typeof Problem.Type

/**
 * Counts over a whole plan.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const clean = (s: Migration.Summary) => s.unresolved === 0 && s.unsupported === 0
 * ```
 */
export const Summary = Schema.Struct({
  resources: Schema.Number,
  problems: Schema.Number,
  shares: Schema.Number,
  exact: Schema.Number,
  narrowed: Schema.Number,
  widened: Schema.Number,
  unsupported: Schema.Number,
  unresolved: Schema.Number,
  skipped: Schema.Number,
  fallback: Schema.Number,
  operations: Schema.Number,
  grants: Schema.Number,
  updates: Schema.Number,
  revokes: Schema.Number
})
/** @example const s = (p: Migration.MigrationPlan): Migration.Summary => p.summary */
export type Summary = typeof Summary.Type

/**
 * Plan options, recorded in the plan file. `mode: "merge"` (default) keeps target shares the
 * source does not have; `"mirror"` revokes them.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const opts: Migration.PlanOptions = { onLossy: "round-down", allowEveryone: true, includeInherited: false, mode: "merge" }
 * ```
 */
export const PlanOptions = Schema.Struct({
  onLossy: Translation.LossyPolicy,
  allowEveryone: Schema.Boolean,
  /** Grants to the public (`Anyone`) are planned (absent in plans made before it existed: `false`). */
  allowAnyone: Schema.optionalKey(Schema.Boolean),
  /** An expiry the target cannot keep: `fail` (the default: reported unsupported) or `drop`. */
  onExpiry: Schema.optionalKey(Translation.ExpiryPolicy),
  includeInherited: Schema.Boolean,
  mode: Schema.Literals(["merge", "mirror"]),
  fallback: Schema.optionalKey(Grantee.Grantee),
  /** Source resources without a mapped target get a new target resource (where the provider can create one). */
  createMissing: Schema.optionalKey(Schema.Boolean),
  /** The provider's type of the resources created (EnergyCAP: the list type id). */
  createType: Schema.optionalKey(Schema.String)
})
/** @example const o: Migration.PlanOptions = { onLossy: "fail", allowEveryone: false, includeInherited: false, mode: "mirror" } */
export type PlanOptions = typeof PlanOptions.Type

/**
 * The snapshot a plan was made from: its provider, when it was exported, its digest
 * (`Snapshot.digestOf`: SHA-256 of its canonical JSON, record by record) and how many resources and
 * shares it holds.
 * Plans written before it was recorded have no `snapshot` and still read (and apply) as before.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const s: Migration.PlanSnapshot = { provider: "smartsheet", exportedAt: "2026-01-05T09:00:00.000Z", digest: "…", resources: 2, shares: 4 }
 * ```
 */
export const PlanSnapshot = Schema.Struct({
  provider: Schema.String,
  exportedAt: Schema.String,
  digest: Schema.String,
  resources: Schema.Number,
  shares: Schema.Number
})
/** @example const from = (p: Migration.MigrationPlan): Migration.PlanSnapshot | undefined => p.snapshot */
export type PlanSnapshot = typeof PlanSnapshot.Type

/**
 * A migration plan — and the single-document file format of versions 1 and 2 (still read). Files
 * are now written as JSON Lines (format version 3: `PlanHeader`, one `Item` a line, `PlanTrailer`;
 * see `FileFormat`); the value read keeps the content's version (1 or 2, `versionOf`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Migration } from "@unishare/migration"
 * const encode = Schema.encodeSync(Schema.fromJsonString(Migration.MigrationPlan))
 * ```
 */
export const MigrationPlan = Schema.Struct({
  format: Schema.Literal("unishare/migration-plan"),
  version: Schema.Literals([1, 2]),
  id: Schema.String,
  /** SHA-256 over everything else in the plan: `apply` refuses a plan whose content no longer matches. */
  digest: Schema.String,
  createdAt: Schema.String,
  /** The snapshot it was made from (absent in plans written before it was recorded). */
  snapshot: Schema.optionalKey(PlanSnapshot),
  sourceProvider: Schema.String,
  targetProvider: Schema.String,
  options: PlanOptions,
  items: Schema.Array(Item),
  problems: Schema.Array(Problem),
  summary: Summary
})
/** @example const id = (p: Migration.MigrationPlan) => p.id */
export type MigrationPlan = typeof MigrationPlan.Type

/**
 * The first line of a plan file (JSON Lines, format version 3): every field of the plan but its
 * items, problems, summary and digest. One line per `Item` follows, then the `PlanTrailer`.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const from = (h: Migration.PlanHeader) => h.sourceProvider
 * ```
 */
export const PlanHeader = Schema.Struct({
  format: Schema.Literal("unishare/migration-plan"),
  version: Schema.Literal(3),
  id: Schema.String,
  createdAt: Schema.String,
  snapshot: Schema.optionalKey(PlanSnapshot),
  sourceProvider: Schema.String,
  targetProvider: Schema.String,
  options: PlanOptions
})
/** @example const id = (h: Migration.PlanHeader) => h.id */
export type PlanHeader = typeof PlanHeader.Type

/**
 * The last line of a plan file: how many items it holds, the problems, the summary and the digest
 * (`digestOf`). A file without it was cut short and is refused.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const clean = (t: Migration.PlanTrailer) => t.problems.length === 0
 * ```
 */
export const PlanTrailer = Schema.Struct({
  items: Schema.Number,
  problems: Schema.Array(Problem),
  summary: Summary,
  digest: Schema.String
})
/** @example const d = (t: Migration.PlanTrailer) => t.digest */
export type PlanTrailer = typeof PlanTrailer.Type

/**
 * A plan whose items are read as they are needed (`FileFormat.openPlan`): everything of a
 * `MigrationPlan` but its items and content version, known up front, the number of items, and the
 * items as a stream that may be run more than once (a file is read again each time; its end
 * checks the count and the digest). A plan of a million shares is used this way in bounded memory.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import type { Migration } from "@unishare/migration"
 * const targets = (p: Migration.PlanStream) => Stream.map(p.items, (item) => item.target)
 * ```
 */
export interface PlanStream extends Omit<MigrationPlan, "items" | "version" | "format"> {
  readonly itemCount: number
  readonly items: Stream.Stream<Item, Errors.InvalidInput>
}

/**
 * A plan in memory as a `PlanStream`.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * const streamed = (p: Migration.MigrationPlan) => Migration.streamOf(p).itemCount
 * ```
 */
export const streamOf = (plan: MigrationPlan): PlanStream => {
  const { items, version: _, format: __, ...rest } = plan
  return { ...rest, itemCount: items.length, items: Stream.fromIterable(items) }
}

/**
 * A `PlanStream` read whole into a `MigrationPlan` (its items held in memory; the content version
 * computed from them, `versionOf`).
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * const whole = (p: Migration.PlanStream) => Migration.collectPlan(p)
 * ```
 */
export const collectPlan = (plan: PlanStream): Effect.Effect<MigrationPlan, Errors.InvalidInput> =>
  Effect.map(Stream.runCollect(plan.items), (items): MigrationPlan => {
    const { items: _, itemCount: __, ...rest } = plan
    return { format: "unishare/migration-plan", version: versionOf(items), ...rest, items }
  })

/**
 * Inputs of `plan`.
 *
 * @example
 * ```ts
 * import { IdentityMap, ResourceMap, type Migration } from "@unishare/migration"
 * const input = (snapshot: Migration.PlanInput["snapshot"], target: Migration.PlanInput["target"]): Migration.PlanInput =>
 *   ({ snapshot, target, identities: IdentityMap.empty, resources: ResourceMap.fromEntries([]) })
 * ```
 */
export interface PlanInput {
  readonly snapshot: Snapshot.Snapshot
  readonly target: Shape
  readonly identities: IdentityMap.IdentityMap
  readonly resources: ResourceMap.ResourceMap
  readonly options?: Partial<PlanOptions> | undefined
}

const outcomeOf = (fidelity: Translation.Fidelity): FidelityEntry["outcome"] => fidelity

/**
 * The expiry of source grants merged onto one target grantee: least privilege (the earliest
 * expiry, permanent only when all are) unless `widest` (round-up: permanent when any is, else the
 * latest).
 */
const mergedExpiry = (expiries: ReadonlyArray<string | undefined>, widest: boolean): string | undefined => {
  const set = expiries.filter((e): e is string => e !== undefined)
  if (set.length === 0 || (widest && set.length < expiries.length)) return undefined
  return set.reduce((a, b) => (Date.parse(a) <= Date.parse(b) !== widest ? a : b))
}

/** The counts of `Summary` (but `problems`), kept as items stream by: nothing but numbers is held. */
const makeTally = () => {
  const s = {
    resources: 0,
    shares: 0,
    exact: 0,
    narrowed: 0,
    widened: 0,
    unsupported: 0,
    unresolved: 0,
    skipped: 0,
    fallback: 0,
    operations: 0,
    grants: 0,
    updates: 0,
    revokes: 0
  }
  return {
    add: (item: Item): void => {
      s.resources++
      for (const e of item.entries) {
        s.shares++
        s[e.outcome]++
        if (e.via === "fallback") s.fallback++
      }
      const p = Planner.summarize(item.plan)
      s.operations += p.writes
      s.grants += p.grants
      s.updates += p.updates
      s.revokes += p.revokes
    },
    summary: (problems: number): Summary => {
      const { resources, ...rest } = s
      return { resources, problems, ...rest }
    }
  }
}

/** The plan options `plan` records: the caller's, with the defaults filled in. */
const optionsOf = (given: Partial<PlanOptions> | undefined): PlanOptions => ({
  onLossy: given?.onLossy ?? "round-down",
  allowEveryone: given?.allowEveryone ?? false,
  ...(given?.allowAnyone === true ? { allowAnyone: true } : {}),
  ...(given?.onExpiry === "drop" ? { onExpiry: "drop" as const } : {}),
  includeInherited: given?.includeInherited ?? false,
  mode: given?.mode ?? "merge",
  ...(given?.fallback !== undefined ? { fallback: given.fallback } : {}),
  ...(given?.createMissing === true ? { createMissing: true } : {}),
  ...(given?.createType !== undefined ? { createType: given.createType } : {})
})

/** What one resource's planning works with: the target, the options and every principal's resolution. */
interface PlanContext {
  readonly target: Shape
  readonly options: PlanOptions
  readonly resolutions: ReadonlyMap<string, IdentityMap.Resolution>
}

/** A source resource with its target: a mapped one, or a placeholder for one `apply` creates. */
interface Work {
  readonly resource: Snapshot.SnapshotResource
  readonly target: ResourceRef.ResourceRef
  readonly create?: Item["create"]
}

/**
 * Plans one resource: its fidelity entries (principals merged onto one target grantee noted on
 * each), then the minimal operations against the target's current shares (one list of the target;
 * none for a resource to be created). A target that cannot be read, or a plan the planner refuses,
 * is the resource's `Problem`; a refused credential or an unreachable provider ends planning.
 */
const planOne = (
  context: PlanContext,
  { resource, target: targetRef, create }: Work
): Effect.Effect<Result.Result<Item, Problem>, Errors.SharingError> => {
  const { options, resolutions, target } = context
  const caps = target.capabilities
  return Effect.gen(function* () {
    const entries: Array<FidelityEntry> = []
    const byTarget = new Map<string, { grant: Grant; grants: Array<Grant>; entries: Array<number> }>()
    for (const share of resource.shares) {
      if (!ShareStatus.isLive(share.status)) continue
      const base = { sourceShareId: share.id, source: share.grantee, sourceLevel: share.level }
      if (share.inherited && !options.includeInherited) {
        entries.push({
          ...base,
          outcome: "skipped",
          note: "inherited on the source: migrate the parent it comes from"
        })
        continue
      }
      const resolution = IdentityMap.find(resolutions, share.grantee)
      if (resolution?.target === undefined) {
        entries.push({ ...base, outcome: "unresolved", note: resolution?.reason ?? "no identity map entry" })
        continue
      }
      const via = resolution.via
      if (ShareStatus.isInvitation(share.status) && !caps.invitations) {
        // not accepted on the source: granting it where access starts at once would widen it
        entries.push({
          ...base,
          target: resolution.target,
          outcome: "unsupported",
          ...(via !== undefined ? { via } : {}),
          note: `a pending invitation on the source (not accepted yet): ${caps.provider} would grant it at once; accept or re-send it on the source first`
        })
        continue
      }
      const translated = Translation.translateGrantResult(
        caps,
        targetRef.kind,
        { ...ShareModule.toGrant(share), grantee: resolution.target },
        options,
        "plan"
      )
      if (Result.isFailure(translated)) {
        entries.push({
          ...base,
          target: resolution.target,
          outcome: "unsupported",
          ...(via !== undefined ? { via } : {}),
          note: translated.failure.message
        })
        continue
      }
      const t = translated.success
      const note =
        via === "fallback"
          ? `unresolved (${resolution.reason ?? "no mapping"}): given to the fallback`
          : t.warnings.length > 0
            ? t.warnings.map((w) => ("message" in w ? w.message : "")).join("; ")
            : undefined
      entries.push({
        ...base,
        target: t.value.grantee,
        targetLevel: t.value.level,
        outcome: outcomeOf(t.fidelity),
        ...(via !== undefined ? { via } : {}),
        ...(note !== undefined ? { note } : {})
      })
      const key = Grantee.keys(t.value.grantee)[0]!
      const existing = byTarget.get(key)
      if (existing === undefined)
        byTarget.set(key, { grant: t.value, grants: [t.value], entries: [entries.length - 1] })
      else {
        existing.entries.push(entries.length - 1)
        existing.grants.push(t.value)
        existing.grant = {
          grantee: existing.grant.grantee,
          level: AccessLevel.max(existing.grant.level, t.value.level)
        }
      }
    }
    // principals merged onto one target grantee: the merged level follows onLossy (round-down: the
    // lowest, round-up: the highest, fail: none of them), noted on each entry
    for (const [key, group] of byTarget) {
      const { entries: indexes } = group
      if (indexes.length < 2) continue
      const levels = indexes.map((i) => entries[i]!.targetLevel!)
      const roles = new Set(group.grants.map((g) => g.providerRole?.name ?? ""))
      if (roles.size > 1) {
        // one grantee cannot hold two roles, and no rung stands for a role off the ladder
        byTarget.delete(key)
        for (const i of indexes) {
          const e = entries[i]!
          entries[i] = {
            ...e,
            outcome: "unsupported",
            note: `${indexes.length} source shares with different provider roles (${[...roles].map((r) => r || "none").join(", ")}) map to ${Grantee.describe(group.grant.grantee)}, which can hold one`
          }
        }
        continue
      }
      const differ = levels.some((l) => l !== levels[0])
      if (differ && options.onLossy === "fail") {
        byTarget.delete(key)
        for (const i of indexes) {
          const e = entries[i]!
          entries[i] = {
            ...e,
            outcome: "unsupported",
            note: `${indexes.length} source shares with different levels (${levels.join(", ")}) map to ${Grantee.describe(group.grant.grantee)}; --on-lossy fail does not merge them (use round-down or round-up)`
          }
        }
        continue
      }
      const level = options.onLossy === "round-up" ? levels.reduce(AccessLevel.max) : levels.reduce(AccessLevel.min)
      const expiresAt = mergedExpiry(
        group.grants.map((g) => g.expiresAt),
        options.onLossy === "round-up"
      )
      const role = group.grants[0]!.providerRole
      group.grant = {
        grantee: group.grant.grantee,
        level,
        ...(expiresAt !== undefined ? { expiresAt } : {}),
        ...(role !== undefined ? { providerRole: role } : {})
      }
      for (const i of indexes) {
        const e = entries[i]!
        const outcome =
          level === e.sourceLevel ? e.outcome : AccessLevel.isAbove(level, e.sourceLevel) ? "widened" : "narrowed"
        const merged = `${indexes.length} source shares map to ${Grantee.describe(group.grant.grantee)}, which gets ${level}${differ ? ` (${options.onLossy})` : ""}`
        entries[i] = {
          ...e,
          targetLevel: level,
          outcome,
          note: `${e.note !== undefined ? `${e.note}; ` : ""}${outcome === "widened" ? `Lossy: widened to ${level}; ` : ""}${merged}`
        }
      }
    }
    /** The item that makes the target hold `desired`, planned against its `current` shares. */
    const itemOf = (current: ReadonlyArray<Share>, desired: ReadonlyArray<Grant>) => {
      const planned = Planner.plan(current, desired, caps, {
        onLossy: options.onLossy,
        allowEveryone: true,
        allowAnyone: true,
        onExpiry: options.onExpiry,
        onUnsupported: "skip",
        resourceKind: targetRef.kind
      })
      if (Result.isFailure(planned)) {
        return Result.fail({ source: resource.resource, message: planned.failure.message })
      }
      return Result.succeed<Item>({
        source: resource.resource,
        ...(resource.name !== undefined ? { name: resource.name } : {}),
        target: targetRef,
        ...(create !== undefined ? { create } : {}),
        desired: planned.success.desired,
        plan: planned.success,
        entries
      })
    }
    // a target still to be created holds nothing yet: it is not read
    if (create !== undefined)
      return itemOf(
        [],
        [...byTarget.values()].map((v) => v.grant)
      )
    const current = yield* Stream.runCollect(target.list(targetRef)).pipe(Effect.result)
    if (Result.isFailure(current)) {
      // a bad target id, a refused credential or an unreachable provider ends the planning
      if (stopsPlanning(current.failure)) return yield* current.failure
      return Result.fail({
        source: resource.resource,
        message: `cannot read target ${ResourceRef.describe(targetRef)}: ${current.failure.message}`
      })
    }
    const live = (current.success as ReadonlyArray<Share>).filter((s) => !s.inherited && ShareStatus.isLive(s.status))
    let desired = [...byTarget.values()].map((v) => v.grant)
    // merge mode never removes access: an Everyone already on the target stays
    const targetEveryone = options.mode === "merge" ? live.find((s) => s.grantee._tag === "Everyone") : undefined
    if (caps.everyoneExclusive && targetEveryone !== undefined && !desired.some((g) => g.grantee._tag === "Everyone")) {
      desired.push(ShareModule.toGrant(targetEveryone))
    }
    const everyoneWanted = desired.some((g) => g.grantee._tag === "Everyone")
    if (caps.everyoneExclusive && everyoneWanted && desired.length > 1) {
      const covered = new Set(
        desired.filter((g) => g.grantee._tag !== "Everyone").map((g) => Grantee.keys(g.grantee)[0])
      )
      desired = desired.filter((g) => g.grantee._tag === "Everyone")
      entries.forEach((e, i) => {
        if (e.target !== undefined && covered.has(Grantee.keys(e.target)[0]) && e.outcome !== "unsupported") {
          entries[i] = {
            ...e,
            outcome: "skipped",
            note: `${caps.provider} shares with Everyone or explicit grantees, not both: covered by Everyone`
          }
        }
      })
    }
    if (options.mode === "merge" && !(caps.everyoneExclusive && everyoneWanted)) {
      const wanted = new Set(desired.flatMap((g) => Grantee.keys(g.grantee)))
      for (const share of live) {
        if (Grantee.keys(share.grantee).some((k) => wanted.has(k))) continue
        // kept as it is, expiry and provider role included
        desired.push(ShareModule.toGrant(share))
      }
    }
    return itemOf(current.success, desired)
  })
}

/**
 * A snapshot as `planStream` reads it: its provider, when it was exported, its trailer (counts and
 * digest) and its resources as a stream that runs more than once, giving the same resources each
 * time (`planStream` reads them twice, and refuses a second read short of the trailer's count).
 * `sourceOf` makes one of a snapshot in memory; the command line opens a file as one, opening the
 * file again for each read.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import type { Migration } from "@unishare/migration"
 * const names = (s: Migration.SnapshotSource) => Stream.map(s.resources, (r) => r.name)
 * ```
 */
export interface SnapshotSource<E = never> {
  readonly provider: string
  readonly exportedAt: string
  readonly trailer: Snapshot.SnapshotTrailer
  readonly resources: Stream.Stream<Snapshot.SnapshotResource, E>
}

/**
 * A snapshot in memory as a `SnapshotSource` (its trailer computed: counts and `Snapshot.digestOf`).
 *
 * @example
 * ```ts
 * import { Migration, type Snapshot } from "@unishare/migration"
 * const shares = (s: Snapshot.Snapshot) => Migration.sourceOf(s).trailer.shares
 * ```
 */
export const sourceOf = (snapshot: Snapshot.Snapshot): SnapshotSource => ({
  provider: snapshot.provider,
  exportedAt: snapshot.exportedAt,
  trailer: {
    resources: snapshot.resources.length,
    shares: snapshot.resources.reduce((n, r) => n + r.shares.length, 0),
    digest: Snapshot.digestOf(snapshot)
  },
  resources: Stream.fromIterable(snapshot.resources)
})

/**
 * Inputs of `planStream`: those of `plan`, with the snapshot as a `SnapshotSource` (a file is read
 * a resource at a time, never whole).
 *
 * @example
 * ```ts
 * import { IdentityMap, ResourceMap, type Migration } from "@unishare/migration"
 * const input = (snapshot: Migration.SnapshotSource, target: Migration.PlanInput["target"]): Migration.PlanStreamInput =>
 *   ({ snapshot, target, identities: IdentityMap.empty, resources: ResourceMap.fromEntries([]) })
 * ```
 */
export interface PlanStreamInput<E = never> extends Omit<PlanInput, "snapshot"> {
  readonly snapshot: SnapshotSource<E>
  /** The snapshot's principals, when `principalsOf` has collected them already: the snapshot is then read once, not twice. */
  readonly principals?: ReadonlyArray<Grantee.Grantee> | undefined
}

/**
 * The distinct source principals of a snapshot's resources: each once, by its first identity key
 * (the first seen kept, as `IdentityMap.resolveAll` keeps them), never one per share. It reads
 * every resource without a request, so a file's counts and digest are checked on the way: the
 * first pass of `planStream`, for a caller that wants a changed snapshot refused before it asks the
 * target anything (then given to `planStream` as `principals`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FileFormat, Migration } from "@unishare/migration"
 * const principals = Effect.flatMap(FileFormat.openSnapshot("snapshot.json"), (s) => Migration.principalsOf(s.resources))
 * ```
 */
export const principalsOf = <E>(
  resources: Stream.Stream<Snapshot.SnapshotResource, E>
): Effect.Effect<ReadonlyArray<Grantee.Grantee>, E> =>
  Effect.suspend(() => {
    const principals = new Map<string, Grantee.Grantee>()
    return Effect.map(
      Stream.runForEach(resources, (resource) =>
        Effect.sync(() => {
          for (const share of resource.shares) {
            const key = Grantee.keys(share.grantee)[0]
            if (key !== undefined && !principals.has(key)) principals.set(key, share.grantee)
          }
        })
      ),
      () => [...principals.values()]
    )
  })

/**
 * A plan being made (`planStream`): its header (everything known before any item: id, time,
 * snapshot, providers, options), its items as a stream that plans each resource as the snapshot's
 * resources are read, and `end`, the rest of its trailer (the number of items, the problems and the
 * summary, counted as the items went by) once `items` has run to its end. Run `items` once: each
 * run plans again (and lists the targets again). `FileFormat.writePlanStream` writes one to a file.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import type { Migration } from "@unishare/migration"
 * const count = (p: Migration.PlanInProgress) =>
 *   Effect.andThen(Stream.runDrain(p.items), p.end).pipe(Effect.map((end) => end.summary.shares))
 * ```
 */
export interface PlanInProgress<E = never> {
  readonly header: PlanHeader
  readonly items: Stream.Stream<Item, Errors.SharingError | E>
  readonly end: Effect.Effect<Omit<PlanTrailer, "digest">>
}

/**
 * Plans a migration as a stream, in memory that does not grow with the number of shares: a first
 * pass over the snapshot's resources keeps each distinct source principal once (`principalsOf`,
 * unless given as `principals`), they are resolved on the target together, once
 * (`IdentityMap.resolveAll`), and then `items` plans each resource as a second pass reads it — the
 * first alone, then four at a time, in the snapshot's order — with what `plan` does per resource (see there; requests are the same). Problems and the
 * summary's counts accumulate as items go by (`end`). A second read that does not give as many
 * resources as the snapshot's trailer counts (a stream that cannot run twice, a file replaced
 * meanwhile) fails the items with `InvalidInput` at `snapshot`, never with a plan short of them.
 *
 * The plan id is a hash of the providers, the options, the time and a random UUID: the header,
 * which carries it, comes before any item, so it cannot depend on them. What the id is for is to be
 * unique per planning run (a run store keeps runs by plan id and digest); the digest, computed over
 * the whole file as it is written, is what detects a changed plan.
 *
 * @example
 * ```ts
 * import { type SharingProvider } from "@unishare/core"
 * import { FileFormat, IdentityMap, Migration, ResourceMap, type Snapshot } from "@unishare/migration"
 * import { Effect } from "effect"
 * const run = (snapshot: Snapshot.Snapshot, target: SharingProvider.Shape) =>
 *   Effect.flatMap(
 *     Migration.planStream({ snapshot: Migration.sourceOf(snapshot), target, identities: IdentityMap.empty, resources: ResourceMap.fromEntries([]) }),
 *     (plan) => FileFormat.writePlanStream("plan.json", plan)
 *   )
 * ```
 */
export const planStream = <E>(input: PlanStreamInput<E>): Effect.Effect<PlanInProgress<E>, Errors.SharingError | E> =>
  Effect.gen(function* () {
    const { snapshot, target } = input
    const caps = target.capabilities
    const options = optionsOf(input.options)
    // first pass: each distinct source principal once
    const principals = input.principals ?? (yield* principalsOf(snapshot.resources))
    const resolutions = yield* IdentityMap.resolveAll(principals, input.identities, target, {
      ...(options.fallback !== undefined ? { fallback: options.fallback } : {}),
      sameProvider: snapshot.provider === caps.provider
    })
    const context: PlanContext = { target, options, resolutions }
    const createdAt = new Date(yield* Effect.clockWith((c) => c.currentTimeMillis)).toISOString()
    // unique per planning run: a run store keeps runs by plan digest and id, never to a later plan that happens to look alike
    const id = createHash("sha256")
      .update(JSON.stringify({ s: snapshot.provider, t: caps.provider, o: options, at: createdAt, n: randomUUID() }))
      .digest("hex")
      .slice(0, 16)
    const header: PlanHeader = {
      format: "unishare/migration-plan",
      version: 3,
      id,
      createdAt,
      snapshot: {
        provider: snapshot.provider,
        exportedAt: snapshot.exportedAt,
        digest: snapshot.trailer.digest,
        resources: snapshot.trailer.resources,
        shares: snapshot.trailer.shares
      },
      sourceProvider: snapshot.provider,
      targetProvider: caps.provider,
      options
    }
    let ended: Omit<PlanTrailer, "digest"> | undefined
    const items = Stream.suspend(() => {
      ended = undefined
      // the problems of resources without a target first (in the snapshot's order), then those of planning
      const unmapped: Array<Problem> = []
      const unplanned: Array<Problem> = []
      const tally = makeTally()
      let created = 0
      let read = 0
      const work = Stream.filterMap(snapshot.resources, (resource): Result.Result<Work, undefined> => {
        read++
        const mapped = input.resources.lookup(resource.resource)
        if (mapped !== undefined) return Result.succeed({ resource, target: mapped })
        if (options.createMissing === true && target.createResource !== undefined) {
          const name = (resource.name ?? `${resource.resource.kind} ${resource.resource.id}`).slice(0, 50)
          return Result.succeed({
            resource,
            target: { provider: caps.provider, kind: "new", id: String(++created) },
            create: { name, ...(options.createType !== undefined ? { type: options.createType } : {}) }
          })
        }
        unmapped.push({
          source: resource.resource,
          message:
            options.createMissing === true
              ? `no target resource is mapped for it, and ${caps.provider} cannot create one`
              : "no target resource is mapped for it (map it, or plan with --create-missing)"
        })
        return Result.fail(undefined)
      })
      // the first resource alone: a refused credential or an unreachable provider costs one request
      return firstAloneStream(work, (w) => planOne(context, w), 4).pipe(
        Stream.filterMap((planned): Result.Result<Item, undefined> => {
          if (Result.isFailure(planned)) {
            unplanned.push(planned.failure)
            return Result.fail(undefined)
          }
          tally.add(planned.success)
          return Result.succeed(planned.success)
        }),
        Stream.onEnd(
          Effect.suspend(() => {
            // a snapshot stream that cannot be read again would plan nothing, silently: refused
            if (read !== snapshot.trailer.resources) {
              return Effect.fail(
                Errors.invalid(
                  "unishare",
                  "plan",
                  "snapshot",
                  `${read} resource(s) read where the snapshot counts ${snapshot.trailer.resources}: its resources must be read twice (principals first, then each resource as it is planned), the same each time`
                )
              )
            }
            const problems = [...unmapped, ...unplanned]
            const summary = tally.summary(problems.length)
            ended = { items: summary.resources, problems, summary }
            return Effect.void
          })
        )
      )
    })
    const end = Effect.suspend(() =>
      ended !== undefined
        ? Effect.succeed(ended)
        : Effect.die(new Error("Migration.planStream: `end` is known once `items` has run to its end"))
    )
    return { header, items, end }
  }).pipe(Effect.withSpan("unishare.migration.planStream"))

/**
 * Plans a migration: maps each snapshot resource and principal to the target, translates levels
 * with their fidelity, merges principals that map to the same target (keeping the higher level, with
 * a note), and plans the minimal operations against the target's current shares. The whole plan is
 * held in memory: it is `planStream` with its items collected (for a snapshot too large to hold,
 * use `planStream` and `FileFormat.writePlanStream`).
 *
 * Requests: the target is asked once about every distinct principal and the fallback together
 * (`IdentityMap.resolveAll`), then each mapped target resource is listed once (a resource to be
 * created is not read): requests = resolution + Σ the target's `requestBounds.list(shares)`, where
 * resolution is ⌈E / 200⌉ on EnergyCAP (E distinct emails, the fallback's included; ids cost
 * nothing) and 0 on Smartsheet and Cloudflare. For example 1,000 lists shared with 5,000 people is
 * 25 + 1,000 requests.
 *
 * @example
 * ```ts
 * import { type SharingProvider } from "@unishare/core"
 * import { Migration, type Snapshot, IdentityMap, ResourceMap } from "@unishare/migration"
 * const run = (snapshot: Snapshot.Snapshot, target: SharingProvider.Shape) =>
 *   Migration.plan({ snapshot, target, identities: IdentityMap.empty, resources: ResourceMap.fromEntries([]) })
 * ```
 */
export const plan = (input: PlanInput): Effect.Effect<MigrationPlan, Errors.SharingError> =>
  Effect.gen(function* () {
    const planning = yield* planStream({ ...input, snapshot: sourceOf(input.snapshot) })
    const items = yield* Stream.runCollect(planning.items)
    const { problems, summary } = yield* planning.end
    const { format, version: _, ...header } = planning.header
    const unsigned = { format, version: versionOf(items), ...header, items, problems, summary }
    return { ...unsigned, digest: digestOf(unsigned) }
  }).pipe(Effect.withSpan("unishare.migration.plan"))

/**
 * The plan version its content needs: 2 when a planned write carries an expiry or a provider role (a
 * version that does not know them refuses the plan instead of dropping them), else 1. (Files are
 * written in format version 3, which holds both; a plan read back keeps this version.)
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * Migration.versionOf([]) // 1
 * ```
 */
export const versionOf = (items: ReadonlyArray<Item>): 1 | 2 =>
  items.some(
    (i) =>
      i.desired.some((g) => g.expiresAt !== undefined || g.providerRole !== undefined) ||
      i.plan.operations.some(
        (op) => op._tag !== "Revoke" && (op.expiresAt !== undefined || op.providerRole !== undefined)
      )
  )
    ? 2
    : 1

const encodePlan = Schema.encodeSync(MigrationPlan)
const encodeItem = Schema.encodeSync(Item)
const encodePlanHeader = Schema.encodeSync(PlanHeader)
const encodePlanTrailer = Schema.encodeSync(PlanTrailer.mapFields(({ digest: _, ...rest }) => rest))

/**
 * The header line of a plan's file (format version 3).
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * const header = (plan: Migration.MigrationPlan) => Migration.headerOf(plan).version // 3
 * ```
 */
export const headerOf = (plan: Omit<MigrationPlan, "digest">): PlanHeader => ({
  format: "unishare/migration-plan",
  version: 3,
  id: plan.id,
  createdAt: plan.createdAt,
  ...(plan.snapshot !== undefined ? { snapshot: plan.snapshot } : {}),
  sourceProvider: plan.sourceProvider,
  targetProvider: plan.targetProvider,
  options: plan.options
})

/**
 * The digest of a plan: the digest of its file (format version 3), SHA-256 (hex) over, in order, the
 * canonical JSON (`Snapshot.canonicalJson`) plus a newline of: the header (`headerOf`, encoded with
 * `PlanHeader`), each item (encoded with `Item`), and the trailer without its `digest`
 * (`{ items, problems, summary }`). Computed one record at a time (`Snapshot.makeDigest`), so a plan
 * of a million shares never becomes one string.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * const fresh = (plan: Migration.MigrationPlan) => Migration.digestOf(plan) === plan.digest
 * ```
 */
export const digestOf = (plan: Omit<MigrationPlan, "digest">): string => {
  const digest = Snapshot.makeDigest()
  digest.add(encodePlanHeader(headerOf(plan)))
  for (const item of plan.items) digest.add(encodeItem(item))
  digest.add(encodePlanTrailer({ items: plan.items.length, problems: plan.problems, summary: plan.summary }))
  return digest.hex()
}

/** The digest plans written as one document (versions 1 and 2) carry: over the whole plan at once. */
const singleDocumentDigestOf = (plan: MigrationPlan): string | undefined => {
  try {
    const { digest: _, ...rest } = encodePlan(plan)
    return createHash("sha256").update(Snapshot.canonicalJson(rest)).digest("hex")
  } catch {
    // past the longest string Node holds: no plan of that size was ever written as one document
    return undefined
  }
}

/**
 * Checks that a plan is the one `plan` wrote: its digest matches its content (`digestOf`, or for a
 * plan written as one document by an earlier version, the digest it computed then: SHA-256 of the
 * canonical JSON of every field but `digest`). A hand-edited plan is
 * `InvalidInput` at `plan.digest` (the digest detects edits; it is not a signature against someone
 * who recomputes it).
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * const check = (plan: Migration.MigrationPlan) => Migration.checkDigest(plan)
 * ```
 */
export const checkDigest = (plan: MigrationPlan): Effect.Effect<void, Errors.InvalidInput> =>
  digestOf(plan) === plan.digest || singleDocumentDigestOf(plan) === plan.digest
    ? Effect.void
    : Effect.fail(
        Errors.invalid(
          "unishare",
          "apply",
          "plan.digest",
          "the plan was changed after it was written (its digest does not match its content): plan again instead of editing the file"
        )
      )

/**
 * `true` for the errors that end planning or applying at once: our own input is wrong, the
 * credential is refused, or the provider is unreachable after retries — every further request would
 * fail the same way.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * import { Migration } from "@unishare/migration"
 * Migration.stopsRun(new Errors.AccessDenied({ provider: "eci", operation: "list", message: "401" })) // true
 * ```
 */
export const stopsRun = (error: Errors.SharingError): boolean =>
  error._tag === "AccessDenied" || error._tag === "Unavailable"

const stopsPlanning = (error: Errors.SharingError): boolean => stopsRun(error) || error._tag === "InvalidInput"

/**
 * The unit key of an operation (stable across runs of the same plan).
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * import { Migration } from "@unishare/migration"
 * Migration.unitKey({ provider: "eci", kind: "list", id: "1" }, { _tag: "Revoke", shareId: "user:5", grantee: Grantee.user({ id: "5" }), level: "viewer" })
 * ```
 */
export const unitKey = (resource: ResourceRef.ResourceRef, op: Planner.Operation | "replace"): string => {
  const r = ResourceRef.key(resource)
  if (op === "replace") return `${r}|replace`
  switch (op._tag) {
    case "Grant":
      return `${r}|grant|${Grantee.keys(op.grantee)[0]}|${op.level}`
    case "Update":
      return `${r}|update|${op.shareId}|${op.level}`
    case "Revoke":
      return `${r}|revoke|${op.shareId}`
  }
}

/**
 * The unit key of the creation of an item's target (`--create-missing`).
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * Migration.createKey({ provider: "smartsheet", kind: "sheet", id: "1" }) // "smartsheet:sheet:1|create"
 * ```
 */
export const createKey = (source: ResourceRef.ResourceRef): string => `${ResourceRef.key(source)}|create`

/**
 * Progress of an apply, reported after each unit.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const show = (p: Migration.Progress) => `${p.done}/${p.total}`
 * ```
 */
export interface Progress {
  readonly done: number
  readonly total: number
  readonly failed: number
  readonly unit: string
}

/**
 * How many resources an apply writes at once unless told: 4 where the target documents a request
 * budget (the client's limiter spaces requests anyway, so more would only queue), 16 where it
 * documents none (EnergyCAP): there most of a unit's time is the pause before its lost-update
 * re-read, which then overlaps with other resources' writes instead of adding up. Writes to one
 * resource stay serialized either way.
 *
 * @example
 * ```ts
 * import { Capabilities } from "@unishare/core"
 * import { Migration } from "@unishare/migration"
 * Migration.defaultConcurrency(Capabilities.make({ provider: "eci", granteeKinds: ["User"], levels: ["viewer"] })) // 16
 * ```
 */
export const defaultConcurrency = (capabilities: Capabilities.Capabilities): number =>
  capabilities.rateLimit === undefined ? 16 : 4

/**
 * Apply options: `concurrency` across resources (default `defaultConcurrency` of the target; writes to one resource stay serialized), `dryRun`
 * (no write; one read per existing target resource proves the credential can read it), `applied`
 * (resumes: units it lists as applied are skipped; each finished unit is recorded in it), `repair`
 * (re-read every target and write what the plan says where it drifted, under fresh unit keys), `interrupted` (set by the caller on
 * SIGINT/SIGTERM: no new unit starts) and `onProgress`.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * const opts: Migration.ApplyOptions = { concurrency: 4, applied: Migration.appliedInMemory() }
 * ```
 */
export interface ApplyOptions {
  readonly concurrency?: number | undefined
  readonly dryRun?: boolean | undefined
  readonly repair?: boolean | undefined
  readonly applied?: AppliedUnits | undefined
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
  readonly onUnit?: ((unit: UnitResult) => Effect.Effect<void>) | undefined
}

/**
 * The outcome of one unit of work. `not-run`: the run stopped before it (see `ApplyReport.stopped`).
 * A dry-run unit lists the operations it would write (`planned`) when it is among the report's
 * first `dryRunListedUnits` dry-run units; later ones keep only their count (`operations`).
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const failed = (r: Migration.ApplyReport) => r.units.filter((u) => u.outcome === "failed")
 * ```
 */
export interface UnitResult {
  readonly unit: string
  readonly resource: ResourceRef.ResourceRef
  readonly operations: number
  readonly outcome: "applied" | "already-applied" | "dry-run" | "failed" | "not-run"
  readonly planned?: ReadonlyArray<Planner.Operation> | undefined
  readonly created?: ResourceRef.ResourceRef | undefined
  readonly error?: Errors.SharingError | undefined
}

/**
 * What an apply did. `stopped` is the error that ended the run early (a refused credential or an
 * unreachable provider: the remaining units are `not-run`).
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const ok = (r: Migration.ApplyReport) => r.failed === 0
 * ```
 */
export interface ApplyReport {
  readonly planId: string
  readonly dryRun: boolean
  readonly units: ReadonlyArray<UnitResult>
  readonly applied: number
  readonly alreadyApplied: number
  readonly failed: number
  readonly notRun: number
  readonly writes: number
  readonly stopped?: Errors.SharingError | undefined
  /**
   * A dry run past `dryRunListedUnits` dry-run units: how many of them its `units` list without
   * their `planned` operations (the plan file has them). Absent when none is left out.
   */
  readonly operationsOmitted?: number | undefined
}

/**
 * One unit of work of an apply: creating a missing target, a replace of one resource's share set
 * (providers with native replace), or one operation. `key` names it in run stores and reports.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const describe = (u: Migration.Unit) => `${u.key} (${u.kind}, ${u.ops.length} operations)`
 * ```
 */
export interface Unit {
  readonly item: Item
  readonly key: string
  readonly kind: "create" | "replace" | "operation"
  readonly ops: ReadonlyArray<Planner.Operation>
  readonly desired: ReadonlyArray<Grant>
}

/**
 * The units of one plan item, in the order `apply` runs them: the `create` unit first when the
 * target is to be created (`--create-missing`), then one `replace` (providers with native replace)
 * or one unit per operation. `operations` replaces the plan's (a repair writes what a fresh read
 * found missing; no `create` unit then) and `prefix` goes before every key (a repair's own keys).
 *
 * @example
 * ```ts
 * import type { SharingProvider } from "@unishare/core"
 * import { Migration } from "@unishare/migration"
 * const count = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) =>
 *   plan.items.flatMap((item) => Migration.unitsOf(item, target)).length
 * ```
 */
export const unitsOf = (
  item: Item,
  target: Shape,
  options: { readonly operations?: ReadonlyArray<Planner.Operation> | undefined; readonly prefix?: string } = {}
): ReadonlyArray<Unit> => {
  const create: Array<Unit> =
    item.create !== undefined && options.operations === undefined
      ? [{ item, key: createKey(item.source), kind: "create", ops: [], desired: [] }]
      : []
  const ops = options.operations ?? item.plan.operations
  const prefix = options.prefix ?? ""
  if (ops.length === 0) return create
  return [
    ...create,
    ...(target.capabilities.nativeReplace && target.replace !== undefined
      ? [
          {
            item,
            key: prefix + unitKey(item.target, "replace"),
            kind: "replace" as const,
            ops,
            desired: item.desired
          }
        ]
      : ops.map((op) => ({
          item,
          key: prefix + unitKey(item.target, op),
          kind: "operation" as const,
          ops: [op],
          desired: item.desired
        })))
  ]
}

/**
 * Performs one `replace` or `operation` unit on `ref`, holding the resource's lock, with the plan's
 * options (Everyone only with the plan's opt-in, unless the plan merely keeps an Everyone the
 * target already had; the plan's `onLossy`).
 *
 * @example
 * ```ts
 * import type { SharingProvider } from "@unishare/core"
 * import { Migration } from "@unishare/migration"
 * const first = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) => {
 *   const unit = plan.items.flatMap((item) => Migration.unitsOf(item, target))[0]
 *   return unit === undefined ? undefined : Migration.writeUnit(plan, target, unit.item.target, unit)
 * }
 * ```
 */
export const writeUnit = (
  plan: Pick<MigrationPlan, "options">,
  target: Shape,
  ref: ResourceRef.ResourceRef,
  unit: Unit
): Effect.Effect<void, Errors.SharingError> => {
  const grants = (tag: "Everyone" | "Anyone") =>
    unit.ops.some((op) => op._tag !== "Revoke" && op.grantee._tag === tag) ||
    (unit.kind === "replace" &&
      unit.desired.some((g) => g.grantee._tag === tag) &&
      !unit.item.plan.unchanged.some((s) => s.grantee._tag === tag))
  const refused = !plan.options.allowEveryone && grants("Everyone") ? "Everyone" : undefined
  const refusedPublic = plan.options.allowAnyone !== true && grants("Anyone") ? "Anyone" : undefined
  const feature = refused ?? refusedPublic
  if (feature !== undefined) {
    return Effect.fail(
      new Errors.Unsupported({
        provider: target.capabilities.provider,
        operation: "apply",
        feature,
        message:
          feature === "Everyone"
            ? "the plan grants Everyone but was made without --allow-everyone"
            : "the plan grants the public (anyone with the link) but was made without --allow-anyone"
      })
    )
  }
  const translation = { allowEveryone: true, allowAnyone: true, onLossy: plan.options.onLossy }
  const write =
    unit.kind === "replace" && target.replace !== undefined
      ? Effect.asVoid(target.replace(ref, unit.desired, translation))
      : Effect.asVoid(Apply.applyOperation(target, ref, unit.ops[0]!, translation))
  return Apply.resourceLocks.withLock(ResourceRef.key(ref), write)
}

/**
 * Runs `f` on the first element alone, then on the rest with `concurrency`, results in the order of
 * `items`: a refused credential or an unreachable provider then costs one request, not
 * `concurrency` of them.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Migration } from "@unishare/migration"
 * const doubled = Migration.firstAlone([1, 2, 3], (n) => Effect.succeed(n * 2), 4) // [2, 4, 6]
 * ```
 */
export const firstAlone = <A, B, E, R>(
  items: ReadonlyArray<A>,
  f: (a: A) => Effect.Effect<B, E, R>,
  concurrency: number
): Effect.Effect<ReadonlyArray<B>, E, R> =>
  items.length === 0
    ? Effect.succeed([])
    : Effect.flatMap(f(items[0]!), (head) =>
        Effect.map(Effect.forEach(items.slice(1), f, { concurrency }), (tail) => [head, ...tail])
      )

/**
 * `firstAlone` over a stream: `f` runs on the first element alone, then on the rest with
 * `concurrency` as they are read, results emitted in order. Nothing is held but the elements in
 * flight (a plan of a million shares streams through it).
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Migration } from "@unishare/migration"
 * const doubled = Stream.runCollect(Migration.firstAloneStream(Stream.make(1, 2, 3), (n) => Effect.succeed(n * 2), 4))
 * ```
 */
export const firstAloneStream = <A, E1, B, E, R>(
  items: Stream.Stream<A, E1>,
  f: (a: A) => Effect.Effect<B, E, R>,
  concurrency: number
): Stream.Stream<B, E | E1, R> =>
  Stream.unwrap(
    Effect.map(Deferred.make<void>(), (firstDone) => {
      let first = true
      return Stream.mapEffect(
        items,
        (a) => {
          // `f` is called once the first has finished (it may look at what the first found)
          if (!first)
            return Effect.andThen(
              Deferred.await(firstDone),
              Effect.suspend(() => f(a))
            )
          first = false
          return Effect.ensuring(f(a), Deferred.succeed(firstDone, undefined))
        },
        { concurrency }
      )
    })
  )

/**
 * The target resources a run created (`--create-missing`), by the key of the `create` unit that made
 * each (`createKey`).
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const none: Migration.CreatedTargets = { createdBy: () => undefined }
 * ```
 */
export interface CreatedTargets {
  readonly createdBy: (unit: string) => ResourceRef.ResourceRef | undefined
}

/**
 * What an in-process `apply` has done so far: the units applied, the targets created, and `record`
 * for each finished unit. A re-run given the same view skips what it lists as applied. In memory
 * only (`appliedInMemory`); durable runs keep this in `DurableApply`'s store instead.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const skip = (applied: Migration.AppliedUnits, unit: string) => applied.isDone(unit)
 * ```
 */
export interface AppliedUnits extends CreatedTargets {
  readonly isDone: (unit: string) => boolean
  readonly record: (entry: {
    readonly unit: string
    readonly outcome: "applied" | "failed"
    readonly message?: string | undefined
    readonly created?: ResourceRef.ResourceRef | undefined
  }) => Effect.Effect<void>
}

/**
 * An `AppliedUnits` view kept in memory: pass the same one to a second `apply` of the same plan in
 * this process to resume it.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * const applied = Migration.appliedInMemory()
 * applied.isDone("eci:list:42|replace") // false
 * ```
 */
export const appliedInMemory = (): AppliedUnits => {
  const done = new Set<string>()
  const created = new Map<string, ResourceRef.ResourceRef>()
  return {
    isDone: (unit) => done.has(unit),
    createdBy: (unit) => created.get(unit),
    record: (entry) =>
      Effect.sync(() => {
        if (entry.outcome === "applied") done.add(entry.unit)
        if (entry.created !== undefined) created.set(entry.unit, entry.created)
      })
  }
}

/**
 * The target of an item: its mapped resource, or the one a previous run created (`created`).
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * const where = (item: Migration.Item) => Migration.targetOf(item, undefined)
 * ```
 */
export const targetOf = (item: Item, created: CreatedTargets | undefined): ResourceRef.ResourceRef | undefined =>
  item.create === undefined ? item.target : created?.createdBy(createKey(item.source))

/**
 * Applies a plan. The plan's digest is checked first (a hand-edited plan is refused) and its
 * options are honoured (Everyone only with `allowEveryone`, the plan's `onLossy`). Resources run
 * with bounded concurrency (the target client's rate limit paces the requests); writes to one
 * resource are serialized, and the very first unit runs alone. A target with native replace gets
 * one replace per resource; others get the plan's operations one by one; a target planned with
 * `createMissing` is created first. Each finished unit is recorded in `applied` (when given) before
 * the next starts, so a re-run of the same plan with the same view skips what was applied. The first refused
 * credential or unreachable provider stops the run (`stopped`); other unit failures are in the
 * report.
 *
 * @example
 * ```ts
 * import { type SharingProvider } from "@unishare/core"
 * import { Migration } from "@unishare/migration"
 * const run = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) => Migration.apply(plan, target, { dryRun: true })
 * ```
 */
export const apply = (
  plan: MigrationPlan,
  target: Shape,
  options: ApplyOptions = {}
): Effect.Effect<ApplyReport, Errors.SharingError> =>
  Effect.gen(function* () {
    yield* checkDigest(plan)
    if (plan.targetProvider !== target.capabilities.provider) {
      return yield* Errors.invalid(
        target.capabilities.provider,
        "apply",
        "plan.targetProvider",
        `the plan targets ${plan.targetProvider}, not ${target.capabilities.provider}`
      )
    }
    const applied = options.applied
    const concurrency = options.concurrency ?? defaultConcurrency(target.capabilities)
    const caps = target.capabilities
    const useReplace = caps.nativeReplace && target.replace !== undefined
    let stopped: Errors.SharingError | undefined
    const resolved = new Map<Item, ResourceRef.ResourceRef>()
    for (const item of plan.items) {
      const ref = targetOf(item, applied)
      if (ref !== undefined) resolved.set(item, ref)
    }

    // repair: the operations come from a fresh read of each target, not from the plan
    const repairOps = new Map<Item, ReadonlyArray<Planner.Operation>>()
    const readFailures = new Map<Item, Errors.SharingError>()
    const runId = new Date(yield* Effect.clockWith((c) => c.currentTimeMillis)).toISOString()
    if (options.repair === true || options.dryRun === true) {
      const readable = plan.items.filter((i) => resolved.has(i))
      yield* firstAlone(
        readable,
        (item) =>
          stopped !== undefined
            ? Effect.void
            : Stream.runCollect(target.list(resolved.get(item)!)).pipe(
                Effect.tap((current) =>
                  Effect.sync(() => {
                    if (options.repair !== true) return
                    const check = Planner.plan(current, item.desired, caps, {
                      allowEveryone: true,
                      allowAnyone: true,
                      onLossy: plan.options.onLossy,
                      onUnsupported: "skip",
                      resourceKind: resolved.get(item)!.kind
                    })
                    repairOps.set(item, Result.isSuccess(check) ? check.success.operations : item.plan.operations)
                  })
                ),
                Effect.catch((error: Errors.SharingError) =>
                  Effect.sync(() => {
                    readFailures.set(item, error)
                    if (stopsRun(error)) stopped ??= error
                  })
                )
              ),
        concurrency
      )
    }

    const prefix = options.repair === true ? `repair@${runId}|` : ""
    const units: Array<Unit> = plan.items.flatMap((item): Array<Unit> => {
      const create: Array<Unit> =
        item.create !== undefined ? [{ item, key: createKey(item.source), kind: "create", ops: [], desired: [] }] : []
      const ops = options.repair === true ? (repairOps.get(item) ?? []) : item.plan.operations
      if (ops.length === 0) return create
      const keyTarget = item.create !== undefined ? item.target : (resolved.get(item) ?? item.target)
      return [
        ...create,
        ...(useReplace
          ? [
              {
                item,
                key: prefix + unitKey(keyTarget, "replace"),
                kind: "replace" as const,
                ops,
                desired: item.desired
              }
            ]
          : ops.map((op) => ({
              item,
              key: prefix + unitKey(keyTarget, op),
              kind: "operation" as const,
              ops: [op],
              desired: item.desired
            })))
      ]
    })
    const total = units.length
    let done = 0
    let failed = 0

    const runUnit = (unit: Unit): Effect.Effect<UnitResult> =>
      Effect.gen(function* () {
        const ref = resolved.get(unit.item) ?? unit.item.target
        const base = { unit: unit.key, resource: ref, operations: unit.ops.length }
        if (applied?.isDone(unit.key)) return { ...base, outcome: "already-applied" } as const
        if (stopped !== undefined) return { ...base, outcome: "not-run" } as const
        const readFailure = readFailures.get(unit.item)
        if (readFailure !== undefined) return { ...base, outcome: "failed", error: readFailure } as const
        if (options.dryRun === true) return { ...base, outcome: "dry-run", planned: unit.ops } as const
        if (unit.kind === "create") {
          const created = yield* Effect.result(
            target.createResource !== undefined
              ? target.createResource({ name: unit.item.create!.name, type: unit.item.create!.type })
              : Effect.fail(
                  new Errors.Unsupported({
                    provider: caps.provider,
                    operation: "createResource",
                    feature: "createResource",
                    message: `${caps.provider} cannot create resources`
                  })
                )
          )
          if (Result.isSuccess(created)) {
            resolved.set(unit.item, created.success.resource)
            if (applied !== undefined)
              yield* applied.record({ unit: unit.key, outcome: "applied", created: created.success.resource })
            return {
              ...base,
              resource: created.success.resource,
              outcome: "applied",
              created: created.success.resource
            } as const
          }
          return yield* failedUnit(base, created.failure)
        }
        if (!resolved.has(unit.item)) {
          // its target was to be created, and that failed
          return { ...base, outcome: "not-run" } as const
        }
        const exit = yield* Effect.result(writeUnit(plan, target, ref, unit))
        if (Result.isSuccess(exit)) {
          if (applied !== undefined) yield* applied.record({ unit: unit.key, outcome: "applied" })
          return { ...base, outcome: "applied" } as const
        }
        return yield* failedUnit(base, exit.failure)
      }).pipe(
        Effect.tap((r) =>
          Effect.suspend(() => {
            done++
            if (r.outcome === "failed") failed++
            return Effect.andThen(
              options.onUnit?.(r) ?? Effect.void,
              options.onProgress?.({ done, total, failed, unit: r.unit }) ?? Effect.void
            )
          })
        )
      )

    const failedUnit = (
      base: { readonly unit: string; readonly resource: ResourceRef.ResourceRef; readonly operations: number },
      error: Errors.SharingError
    ): Effect.Effect<UnitResult> =>
      Effect.gen(function* () {
        if (stopsRun(error)) stopped ??= error
        if (applied !== undefined) yield* applied.record({ unit: base.unit, outcome: "failed", message: error.message })
        return { ...base, outcome: "failed", error } as const
      })

    // one fiber per resource (its units in order), resources in parallel up to `concurrency`; the
    // first unit runs alone, so a refused credential costs one request
    const byResource = new Map<Item, Array<Unit>>()
    for (const u of units) {
      const list = byResource.get(u.item)
      if (list === undefined) byResource.set(u.item, [u])
      else list.push(u)
    }
    const groups = [...byResource.values()]
    const results: Array<UnitResult> = []
    if (groups.length > 0) {
      const [head, ...tail] = groups[0]!
      results.push(yield* runUnit(head!))
      const rest = yield* Effect.forEach([tail, ...groups.slice(1)], (group) => Effect.forEach(group, runUnit), {
        concurrency
      })
      results.push(...rest.flat())
    }
    return applyReport(plan, options.dryRun === true, results, stopped)
  }).pipe(Effect.withSpan("unishare.migration.apply"))

/**
 * How many dry-run units of a report keep their `planned` operations; later ones keep only their
 * count. A dry run of a large plan (50,000 resources of 21 shares each) would otherwise hold, and
 * print, every one of its million operations; the first thousand units show what the run would
 * write, and the plan file has every one of them.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * const everyOperationListed = (r: Migration.ApplyReport) => r.operationsOmitted === undefined
 * const shown = `operations of the first ${Migration.dryRunListedUnits} units`
 * ```
 */
export const dryRunListedUnits = 1_000

/**
 * Keeps a dry run's results small as they go by, in the plan's order: the first `limit` dry-run
 * units (default `dryRunListedUnits`) keep their `planned` operations, later ones are returned
 * without them (their outcome and `operations` count stay). Other outcomes pass unchanged. Each
 * call makes a new counter; `applyReport` uses one, so a report never holds more.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * const shown = (results: ReadonlyArray<Migration.UnitResult>) => results.map(Migration.listPlanned(10))
 * ```
 */
export const listPlanned = (limit: number = dryRunListedUnits): ((result: UnitResult) => UnitResult) => {
  let listed = 0
  return (result) => {
    if (result.outcome !== "dry-run" || result.planned === undefined) return result
    if (listed < limit) {
      listed++
      return result
    }
    const { planned: _, ...counted } = result
    return counted
  }
}

/**
 * The report of an apply from what became of each unit (counted by outcome), and the error that
 * stopped it early, if one did. A dry run's units past the first `dryRunListedUnits` lose their
 * `planned` operations (`listPlanned`), counted in `operationsOmitted`.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * const summary = (plan: Migration.MigrationPlan, units: ReadonlyArray<Migration.UnitResult>) =>
 *   Migration.applyReport(plan, false, units, undefined).applied
 * ```
 */
export const applyReport = (
  plan: Pick<MigrationPlan, "id">,
  dryRun: boolean,
  results: ReadonlyArray<UnitResult>,
  stopped: Errors.SharingError | undefined
): ApplyReport => {
  const count = (o: UnitResult["outcome"]) => results.filter((r) => r.outcome === o).length
  const units = dryRun ? results.map(listPlanned()) : results
  const omitted = dryRun ? units.filter((r) => r.outcome === "dry-run" && r.planned === undefined).length : 0
  return {
    planId: plan.id,
    dryRun,
    units,
    applied: count("applied"),
    alreadyApplied: count("already-applied"),
    failed: count("failed"),
    notRun: count("not-run"),
    writes: count("applied"),
    ...(stopped !== undefined ? { stopped } : {}),
    ...(omitted > 0 ? { operationsOmitted: omitted } : {})
  }
}

/**
 * The read-back of one target resource.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const drift = (v: Migration.Verification) => v.remaining.length
 * ```
 */
export interface Verification {
  readonly resource: ResourceRef.ResourceRef
  readonly ok: boolean
  readonly remaining: ReadonlyArray<Planner.Operation>
  readonly error?: Errors.SharingError | undefined
}

/**
 * The read-back of a whole plan. `stopped`: the error that ended it early (refused credential,
 * unreachable provider); the resources not read are not listed.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * const fine = (r: Migration.VerifyReport) => r.ok
 * ```
 */
export interface VerifyReport {
  readonly planId: string
  readonly ok: boolean
  readonly resources: ReadonlyArray<Verification>
  readonly stopped?: Errors.SharingError | undefined
}

/**
 * Reads every target resource back and checks that its shares equal the plan's desired set
 * (pending shares of asynchronous providers count as present). Targets created by `apply` are found
 * through `created` (`DurableApply.createdTargets` reads them from a run store); without it, a
 * target still to be created is reported as missing. The first resource is read alone, and a refused credential or unreachable
 * provider stops the verification.
 *
 * @example
 * ```ts
 * import { type SharingProvider } from "@unishare/core"
 * import { Migration } from "@unishare/migration"
 * const check = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) => Migration.verify(plan, target)
 * ```
 */
export const verify = (
  plan: MigrationPlan | PlanStream,
  target: Shape,
  options: {
    readonly created?: CreatedTargets | undefined
    readonly concurrency?: number | undefined
    readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
  } = {}
): Effect.Effect<VerifyReport, Errors.InvalidInput> =>
  Effect.gen(function* () {
    let stopped: Errors.SharingError | undefined
    let done = 0
    const streamed = "itemCount" in plan ? plan : streamOf(plan)
    const total = streamed.itemCount
    const one = (item: Item): Effect.Effect<Verification | undefined> => {
      const ref = targetOf(item, options.created)
      if (stopped !== undefined) return Effect.succeed(undefined)
      const read: Effect.Effect<Verification> =
        ref === undefined
          ? Effect.succeed({
              resource: item.target,
              ok: false,
              remaining: item.plan.operations,
              error: new Errors.NotFound({
                provider: target.capabilities.provider,
                operation: "verify",
                message: `the target of ${ResourceRef.describe(item.source)} has not been created yet (run apply)`
              })
            })
          : Stream.runCollect(target.list(ref)).pipe(
              Effect.map((after): Verification => {
                const check = Planner.plan(after, item.desired, target.capabilities, {
                  allowEveryone: true,
                  allowAnyone: true,
                  onUnsupported: "skip",
                  resourceKind: ref.kind
                })
                const remaining = Result.isSuccess(check) ? check.success.operations : item.plan.operations
                return { resource: ref, ok: remaining.length === 0, remaining }
              }),
              Effect.catch((error: Errors.SharingError) =>
                Effect.sync((): Verification => {
                  if (stopsRun(error)) stopped ??= error
                  return { resource: ref, ok: false, remaining: [], error }
                })
              )
            )
      return Effect.tap(read, (v) =>
        Effect.suspend(() => {
          done++
          return options.onProgress?.({ done, total, failed: 0, unit: ResourceRef.key(v.resource) }) ?? Effect.void
        })
      )
    }
    // read as the items stream by: only the read-backs are kept (a plan of a million shares is never whole)
    const resources = yield* Stream.runCollect(
      Stream.filter(
        firstAloneStream(streamed.items, one, options.concurrency ?? defaultConcurrency(target.capabilities)),
        (v): v is Verification => v !== undefined
      )
    )
    return {
      planId: plan.id,
      ok: stopped === undefined && resources.length === total && resources.every((r) => r.ok),
      resources,
      ...(stopped !== undefined ? { stopped } : {})
    }
  }).pipe(Effect.withSpan("unishare.migration.verify"))

/**
 * Everything that does not keep the source's access exactly (for the fidelity report).
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * const lossy = (p: Migration.MigrationPlan) => Migration.lossyEntries(p).length
 * ```
 */
export const lossyEntries = (
  plan: MigrationPlan
): ReadonlyArray<{ readonly item: Item; readonly entry: FidelityEntry }> =>
  plan.items.flatMap((item) =>
    item.entries.filter((e) => e.outcome !== "exact" || e.via === "fallback").map((entry) => ({ item, entry }))
  )
