/**
 * `sync`: make one resource's shares equal a desired set — list, plan, write, then read back to
 * verify. Runs under the resource's process-wide lock; a `Conflict`, or a read-back that differs
 * although every write succeeded (another writer got in between), restarts it from the read.
 *
 * Validate first, write second: the whole desired set is checked (an array of grants), resolved by
 * the provider (`resolveGrantees`, or `resolveGrantee` one by one: ids in the provider's format,
 * emails looked up) and translated (grantee kinds, levels, `onLossy`, the Everyone opt-in) before
 * the first write. One invalid grantee fails the sync with `InvalidInput` and nothing is written.
 *
 * Write order: revocations, then downgrades, then upgrades, then grants (`Apply.writeOrder`), so
 * nobody ever holds more than both the old and the new state allow; a sync that stops half-way has
 * erred on the side of less access and running it again completes it. With native replace the
 * provider writes the whole set at once and its read-back (the `replace` result) is the
 * verification; otherwise the shares are listed again after the writes.
 *
 * Requests: one `list` before planning, the writes (grants batched through `grantAll` where the
 * provider has it), one `list` after writing (none after `replace`, none when nothing changed).
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
    const canonical = yield* resolveDesired(provider, grants, "plan")
    const current = yield* Stream.runCollect(provider.list(resource))
    const plan = yield* planOrFail(current, canonical, provider, resource, options)
    return { current, plan }
  })

/**
 * Checks that `desired` is an array and maps its grantees to the provider's canonical form (e.g. an
 * EnergyCAP email to its user id) so they match what `list` reports; the provider refuses malformed
 * ids and emails here, before any write. Grants whose shape is wrong are left for the planner,
 * which reports every one of them.
 */
const resolveDesired = (
  provider: Shape,
  desired: ReadonlyArray<Grant>,
  operation: string
): Effect.Effect<ReadonlyArray<Grant>, Errors.SharingError> => {
  const name = provider.capabilities.provider
  if (!Array.isArray(desired)) {
    return Effect.fail(
      Errors.invalid(
        name,
        operation,
        "desired",
        `must be an array of grants; got ${desired === null ? "null" : typeof desired}`
      )
    )
  }
  const at: Array<number> = []
  const grantees: Array<Grantee.Grantee> = []
  desired.forEach((grant, i) => {
    const g = (grant as Partial<Grant> | undefined)?.grantee
    if (g !== undefined && Grantee.Grantee.pipe(Schema.is)(g)) {
      at.push(i)
      grantees.push(g)
    }
  })
  if (grantees.length === 0) return Effect.succeed(desired)
  const many = provider.resolveGrantees
  const one = provider.resolveGrantee
  const resolved: Effect.Effect<ReadonlyArray<Option.Option<Grantee.Grantee>>, Errors.SharingError> | undefined =
    many !== undefined
      ? Effect.mapError(many(grantees), (e) => prefixIssues(e, at, operation))
      : one !== undefined
        ? Effect.forEach(grantees, (g, k) => Effect.mapError(one(g), (e) => prefixIssues(e, [at[k]!], operation)), {
            concurrency: 4
          })
        : undefined
  if (resolved === undefined) return Effect.succeed(desired)
  return resolved.pipe(
    Effect.flatMap((found) => {
      const out = [...desired]
      for (let k = 0; k < at.length; k++) {
        const i = at[k]!
        const f = found[k]
        if (f === undefined || Option.isNone(f)) {
          return Effect.fail(
            Errors.invalid(
              name,
              operation,
              `desired.${i}.grantee`,
              `${Grantee.describe(grantees[k]!)} does not exist on ${name}`
            )
          )
        }
        out[i] = { ...desired[i]!, grantee: f.value }
      }
      return Effect.succeed(out)
    })
  )
}

/** Re-roots `grantee…` / `grantees.<k>…` issue paths of a resolver at `desired.<i>.grantee…`. */
const prefixIssues = (
  error: Errors.SharingError,
  at: ReadonlyArray<number>,
  operation: string
): Errors.SharingError => {
  if (error._tag !== "InvalidInput") return error
  return new Errors.InvalidInput({
    provider: error.provider,
    operation,
    issues: error.issues.map((issue) => {
      const m = /^grantees\.(\d+)(.*)$/.exec(issue.path)
      if (m !== null) return { ...issue, path: `desired.${at[Number(m[1])] ?? m[1]}.grantee${m[2] ?? ""}` }
      return at.length === 1 && issue.path.startsWith("grantee")
        ? { ...issue, path: `desired.${at[0]}.${issue.path}` }
        : issue
    }),
    ...(error.detail !== undefined ? { detail: error.detail } : {})
  })
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
    let replaced: ReadonlyArray<Share> | undefined
    if (useReplace) {
      if (provider.replace === undefined) {
        return yield* new Errors.Unsupported({
          provider: provider.capabilities.provider,
          operation: "sync",
          feature: "replace",
          message: `${provider.capabilities.provider} has no native replace; use strategy "operations"`
        })
      }
      // the planner already applied the Everyone opt-in to `plan.desired`; the provider re-checks it
      // (EnergyCAP's all-users group counts as Everyone there)
      replaced = yield* provider.replace(resource, plan.desired, {
        onLossy: options.onLossy,
        allowEveryone: options.allowEveryone === true,
        allowAnyone: options.allowAnyone === true,
        onExpiry: options.onExpiry
      })
      results = Apply.writeOrder(plan.operations).map((operation) => ({ operation, outcome: "applied" as const }))
      if (options.onOperation !== undefined) yield* Effect.forEach(results, options.onOperation, { discard: true })
    } else {
      results = yield* Apply.apply(provider, resource, plan, {
        ...options,
        allowEveryone: options.allowEveryone === true,
        allowAnyone: options.allowAnyone === true,
        alreadyLocked: true
      })
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
    // after replace, the provider's read-back is the verification; otherwise read the resource again
    // (unmanaged shares — inherited, read-only — are not the replace's business: kept as planned)
    const after =
      replaced !== undefined
        ? [...replaced, ...plan.unmanaged.filter((u) => !replaced!.some((r) => r.id === u.id))]
        : yield* Effect.mapError(
            Stream.runCollect(provider.list(resource)),
            results.some((r) => r.outcome === "applied") ? Errors.afterWrite : (e: Errors.SharingError) => e
          )
    const check = Planner.plan(after, plan.desired, provider.capabilities, {
      ...options,
      allowEveryone: true,
      allowAnyone: true,
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
