/**
 * `sync`: make one resource's shares equal a desired set — list, plan, write, then read back to
 * verify. Runs under the resource's process-wide lock; a `Conflict`, or a read-back that differs
 * although every write succeeded (another writer got in between), restarts it from the read.
 *
 * @since 0.1.0
 */
import { Effect, Option, Result, Schema, Stream } from "effect"
import * as Apply from "./Apply.ts"
import * as Errors from "./Errors.ts"
import * as Grantee from "./Grantee.ts"
import * as Input from "./Input.ts"
import * as Planner from "./Planner.ts"
import * as ResourceRef from "./ResourceRef.ts"
import type { Grant, Share } from "./Share.ts"
import type { Shape } from "./SharingProvider.ts"

/**
 * Options: the planner's, the apply options, the write `strategy` (`"auto"` uses the provider's
 * native replace when it has one and there is something to write), whether to `verify` by read-back
 * (default `true`) and how many times to restart on `Conflict` (default 3).
 *
 * @example
 * ```ts
 * import type { Sync } from "@unishare/core"
 * const opts: Sync.Options = { strategy: "operations", dryRun: true }
 * ```
 */
export interface Options extends Planner.Options, Omit<Apply.Options, "alreadyLocked"> {
  readonly strategy?: "auto" | "operations" | "replace" | undefined
  readonly verify?: boolean | undefined
  readonly conflictRetries?: number | undefined
}

/**
 * What a sync did. `strategy` is how it wrote (`"none"` when nothing had to change); `verified` is
 * `true` when the read-back matched the desired set (`remaining` lists what still differs).
 *
 * @example
 * ```ts
 * import type { Sync } from "@unishare/core"
 * const ok = (r: Sync.SyncResult) => r.verified && r.failures.length === 0
 * ```
 */
export interface SyncResult {
  readonly resource: ResourceRef.ResourceRef
  readonly plan: Planner.Plan
  readonly strategy: "none" | "dry-run" | "operations" | "replace"
  readonly results: ReadonlyArray<Apply.OperationResult>
  readonly failures: ReadonlyArray<Errors.SharingError>
  readonly shares: ReadonlyArray<Share>
  readonly verified: boolean
  readonly remaining: ReadonlyArray<Planner.Operation>
  readonly attempts: number
}

const planOrFail = (
  current: ReadonlyArray<Share>,
  desired: ReadonlyArray<Grant>,
  provider: Shape,
  resource: ResourceRef.ResourceRef,
  options: Options
) =>
  Effect.fromResult(
    Planner.plan(current, desired, provider.capabilities, {
      ...options,
      resourceKind: options.resourceKind ?? resource.kind
    })
  )

/**
 * Computes the plan for one resource without writing anything.
 *
 * @example
 * ```ts
 * import { Grantee, Sync, type SharingProvider } from "@unishare/core"
 * const preview = (p: SharingProvider.Shape) =>
 *   Sync.planFor(p, { provider: "memory", kind: "doc", id: "d1" }, [{ grantee: Grantee.group("7"), level: "viewer" }])
 * ```
 */
export const planFor = (
  provider: Shape,
  resource: ResourceRef.ResourceRef,
  desired: ReadonlyArray<Grant>,
  options: Options = {}
): Effect.Effect<{ readonly current: ReadonlyArray<Share>; readonly plan: Planner.Plan }, Errors.SharingError> =>
  Effect.gen(function* () {
    yield* Input.resource(provider, resource, "sync")
    yield* Input.options(provider, Input.SyncOptions, options, "sync")
    const grants = yield* Input.desired(provider, desired, "sync")
    // the desired set's own problems (translation, duplicates, Everyone rules) do not depend on the
    // current shares: report them before the first request
    yield* planOrFail([], grants, provider, resource, options)
    const canonical = yield* resolveDesired(provider, grants)
    const current = yield* Stream.runCollect(provider.list(resource))
    const plan = yield* planOrFail(current, canonical, provider, resource, options)
    return { current, plan }
  })

/**
 * Maps desired grantees to the provider's canonical form (e.g. an EnergyCAP email to its user id)
 * so they match what `list` reports. Malformed grants are left for the planner to report.
 */
const resolveDesired = (
  provider: Shape,
  desired: ReadonlyArray<Grant>
): Effect.Effect<ReadonlyArray<Grant>, Errors.SharingError> => {
  const resolve = provider.resolveGrantee
  if (resolve === undefined) return Effect.succeed(desired)
  return Effect.forEach(
    desired,
    (grant, i) => {
      const g = grant as Partial<Grant> | undefined
      if (g?.grantee === undefined || !Grantee.Grantee.pipe(Schema.is)(g.grantee)) return Effect.succeed(grant)
      return Effect.flatMap(resolve(g.grantee), (found) =>
        Option.isSome(found)
          ? Effect.succeed({ ...grant, grantee: found.value })
          : Effect.fail(
              Errors.invalid(
                provider.capabilities.provider,
                "sync",
                `desired.${i}.grantee`,
                `${Grantee.describe(g.grantee!)} does not exist on ${provider.capabilities.provider}`
              )
            )
      )
    },
    { concurrency: 4 }
  )
}

const once = (
  provider: Shape,
  resource: ResourceRef.ResourceRef,
  desired: ReadonlyArray<Grant>,
  options: Options,
  attempt: number
): Effect.Effect<SyncResult, Errors.SharingError> =>
  Effect.gen(function* () {
    const { plan } = yield* planFor(provider, resource, desired, options)
    const base = { resource, plan, attempts: attempt }
    if (options.dryRun) {
      const results = yield* Apply.apply(provider, resource, plan, { ...options, dryRun: true })
      return {
        ...base,
        strategy: "dry-run",
        results,
        failures: [],
        shares: [],
        verified: false,
        remaining: plan.operations
      } as const
    }
    if (plan.operations.length === 0) {
      return {
        ...base,
        strategy: "none",
        results: [],
        failures: [],
        shares: [...plan.unchanged, ...plan.unmanaged],
        verified: true,
        remaining: []
      } as const
    }
    const strategy = options.strategy ?? "auto"
    const useReplace =
      strategy === "replace" ||
      (strategy === "auto" && provider.capabilities.nativeReplace && provider.replace !== undefined)
    let results: ReadonlyArray<Apply.OperationResult> = []
    let failures: ReadonlyArray<Errors.SharingError> = []
    if (useReplace) {
      if (provider.replace === undefined) {
        return yield* new Errors.Unsupported({
          provider: provider.capabilities.provider,
          operation: "sync",
          feature: "replace",
          message: `${provider.capabilities.provider} has no native replace; use strategy "operations"`
        })
      }
      yield* provider.replace(resource, plan.desired, { onLossy: options.onLossy, allowEveryone: true })
      results = plan.operations.map((operation) => ({ operation, outcome: "applied" as const }))
      if (options.onOperation !== undefined) yield* Effect.forEach(results, options.onOperation, { discard: true })
    } else {
      results = yield* Apply.apply(provider, resource, plan, { ...options, alreadyLocked: true })
      failures = results.flatMap((r) => (r.outcome === "failed" ? [r.error] : []))
      const conflict = failures.find((f) => f._tag === "Conflict")
      if (conflict !== undefined) return yield* Effect.fail(conflict)
    }
    if (options.verify === false) {
      return {
        ...base,
        strategy: useReplace ? "replace" : "operations",
        results,
        failures,
        shares: [],
        verified: false,
        remaining: []
      } as const
    }
    const after = yield* Stream.runCollect(provider.list(resource))
    const check = Planner.plan(after, plan.desired, provider.capabilities, {
      ...options,
      allowEveryone: true,
      onUnsupported: "skip",
      resourceKind: options.resourceKind ?? resource.kind
    })
    const remaining = Result.isSuccess(check) ? check.success.operations : plan.operations
    return {
      ...base,
      strategy: useReplace ? "replace" : "operations",
      results,
      failures,
      shares: after,
      verified: remaining.length === 0,
      remaining
    } as const
  })

/**
 * Makes the shares of `resource` equal `desired`. Fails on read or planning errors; bad input is
 * `InvalidInput` before any request: `desired` must be an array (`{}`, `null` or `undefined` is
 * refused, never read as "no shares"; an empty array does mean "revoke everything"), and every
 * argument is decoded (`Input`). Per-operation failures are reported in the result.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Grantee, Sync, type SharingProvider } from "@unishare/core"
 * const run = (p: SharingProvider.Shape) =>
 *   Sync.sync(p, { provider: "memory", kind: "doc", id: "d1" }, [{ grantee: Grantee.group("7"), level: "editor" }])
 *     .pipe(Effect.map((r) => r.verified))
 * ```
 */
export const sync = (
  provider: Shape,
  resource: ResourceRef.ResourceRef,
  desired: ReadonlyArray<Grant>,
  options: Options = {}
): Effect.Effect<SyncResult, Errors.SharingError> =>
  Effect.gen(function* () {
    yield* Input.resource(provider, resource, "sync")
    yield* Input.options(provider, Input.SyncOptions, options, "sync")
    const grants = yield* Input.desired(provider, desired, "sync")
    return yield* syncChecked(provider, resource, grants, options ?? {})
  })

const syncChecked = (
  provider: Shape,
  resource: ResourceRef.ResourceRef,
  desired: ReadonlyArray<Grant>,
  options: Options
): Effect.Effect<SyncResult, Errors.SharingError> => {
  const retries = options.conflictRetries ?? 3
  const attempt = (n: number): Effect.Effect<SyncResult, Errors.SharingError> =>
    once(provider, resource, desired, options, n).pipe(
      Effect.catchIf(
        (e): e is Errors.Conflict => e._tag === "Conflict" && n <= retries,
        () => attempt(n + 1)
      ),
      // every write succeeded but the read-back differs: another writer got in; start again
      Effect.flatMap((result) =>
        !result.verified &&
        result.strategy !== "dry-run" &&
        result.failures.length === 0 &&
        result.remaining.length > 0 &&
        n <= retries
          ? attempt(n + 1)
          : Effect.succeed(result)
      )
    )
  return Apply.resourceLocks
    .withLock(ResourceRef.key(resource), attempt(1))
    .pipe(Effect.withSpan("unishare.sync", { attributes: { "unishare.resource": ResourceRef.key(resource) } }))
}
