/**
 * Running a plan against a provider: one operation at a time per resource (writes to one resource
 * are serialized process-wide), failures collected per operation instead of stopping the run.
 *
 * Write order (`writeOrder`): revocations, then downgrades, then upgrades, then grants. At every
 * point between two writes the grantees hold no more than both the old and the new state allow, so
 * a run that stops half-way (a fault, a crash) has erred on the side of less access, and running
 * the same plan or sync again completes it. Grants come last and, where the provider has a bulk
 * create (`grantAll`, e.g. Smartsheet's array `POST /shares`), go out together in one call.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as AccessLevel from "./AccessLevel.ts"
import type { SharingError } from "./Errors.ts"
import * as KeyedLock from "./KeyedLock.ts"
import type { Operation, Plan } from "./Planner.ts"
import * as ResourceRef from "./ResourceRef.ts"
import type { Share } from "./Share.ts"
import type { Notification, Shape } from "./SharingProvider.ts"
import type * as Translation from "./Translation.ts"

/**
 * The process-wide lock table used for writes to a resource.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Apply } from "@unishare/core"
 * Apply.resourceLocks.withLock("eci:list:42", Effect.void)
 * ```
 */
export const resourceLocks: KeyedLock.InProcess = KeyedLock.make()

/**
 * What happened to one operation.
 *
 * @example
 * ```ts
 * import type { Apply } from "@unishare/core"
 * const failed = (r: ReadonlyArray<Apply.OperationResult>) => r.filter((x) => x.outcome === "failed")
 * ```
 */
export type OperationResult =
  | { readonly operation: Operation; readonly outcome: "applied"; readonly share?: Share | undefined }
  | { readonly operation: Operation; readonly outcome: "dry-run" }
  | { readonly operation: Operation; readonly outcome: "failed"; readonly error: SharingError }

/**
 * Options: `dryRun` sends nothing; `notify` is passed to grants; `onLossy`/`allowEveryone`/`allowAnyone` as for
 * the plan; `onOperation` observes each result (progress bars, run records).
 *
 * @example
 * ```ts
 * import type { Apply } from "@unishare/core"
 * const opts: Apply.Options = { dryRun: true }
 * ```
 */
export interface Options extends Translation.Options {
  readonly dryRun?: boolean | undefined
  readonly notify?: Notification | undefined
  readonly onOperation?: ((result: OperationResult) => Effect.Effect<void>) | undefined
  /** The caller already holds this resource's lock (as `sync` does). */
  readonly alreadyLocked?: boolean | undefined
}

/**
 * Applies one operation.
 *
 * @example
 * ```ts
 * import { Apply, Grantee, type SharingProvider } from "@unishare/core"
 * const run = (p: SharingProvider.Shape) =>
 *   Apply.applyOperation(p, { provider: "memory", kind: "doc", id: "d1" },
 *     { _tag: "Grant", grantee: Grantee.group("7"), level: "viewer", requested: "viewer", fidelity: "exact" })
 * ```
 */
export const applyOperation = (
  provider: Shape,
  resource: ResourceRef.ResourceRef,
  operation: Operation,
  options: Options = {}
): Effect.Effect<Share | undefined, SharingError> => {
  const translation = {
    onLossy: options.onLossy,
    allowEveryone: options.allowEveryone ?? true,
    allowAnyone: options.allowAnyone ?? true
  }
  switch (operation._tag) {
    case "Grant":
      return provider.grant(resource, {
        ...grantOf(operation),
        ...translation,
        ...(options.notify !== undefined ? { notify: options.notify } : {})
      })
    case "Update":
      return provider.update(resource, operation.shareId, operation.level, {
        ...translation,
        ...(operation.expiresAt !== undefined ? { expiresAt: operation.expiresAt } : {}),
        ...(operation.providerRole !== undefined ? { providerRole: operation.providerRole } : {})
      })
    case "Revoke":
      return Effect.as(provider.revoke(resource, operation.shareId), undefined)
  }
}

/** The grant a planned grant asks for: grantee, level, and the expiry and provider role it keeps. */
const grantOf = (op: Extract<Operation, { _tag: "Grant" }>) => ({
  grantee: op.grantee,
  level: op.level,
  ...(op.expiresAt !== undefined ? { expiresAt: op.expiresAt } : {}),
  ...(op.providerRole !== undefined ? { providerRole: op.providerRole } : {})
})

const orderOf = (op: Operation): number =>
  op._tag === "Revoke" ? 0 : op._tag === "Grant" ? 3 : AccessLevel.rank(op.level) < AccessLevel.rank(op.from) ? 1 : 2

/**
 * The order writes go out in: revocations, downgrades, upgrades, grants (stable within each).
 * Never grants more, at any point, than both the state before and the state after allow.
 *
 * @example
 * ```ts
 * import { Apply, Grantee, type Planner } from "@unishare/core"
 * const ops: ReadonlyArray<Planner.Operation> = [
 *   { _tag: "Grant", grantee: Grantee.group("7"), level: "viewer", requested: "viewer", fidelity: "exact" },
 *   { _tag: "Revoke", shareId: "s1", grantee: Grantee.group("8"), level: "editor" }
 * ]
 * Apply.writeOrder(ops).map((op) => op._tag) // ["Revoke", "Grant"]
 * ```
 */
export const writeOrder = (operations: ReadonlyArray<Operation>): ReadonlyArray<Operation> =>
  operations
    .map((operation, index) => ({ operation, index, order: orderOf(operation) }))
    .sort((a, b) => a.order - b.order || a.index - b.index)
    .map((x) => x.operation)

/**
 * Applies a plan's operations in `writeOrder`; two or more grants go out through the provider's
 * `grantAll` when it has one. Never fails: each operation's outcome is in the result.
 *
 * @example
 * ```ts
 * import { Apply, type Planner, type SharingProvider } from "@unishare/core"
 * const run = (p: SharingProvider.Shape, plan: Planner.Plan) =>
 *   Apply.apply(p, { provider: "memory", kind: "doc", id: "d1" }, plan, { dryRun: true })
 * ```
 */
export const apply = (
  provider: Shape,
  resource: ResourceRef.ResourceRef,
  plan: Plan,
  options: Options = {}
): Effect.Effect<ReadonlyArray<OperationResult>> => {
  const ordered = writeOrder(plan.operations)
  const locked = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    options.alreadyLocked ? effect : resourceLocks.withLock(ResourceRef.key(resource), effect)
  const observe = (run: Effect.Effect<OperationResult>) =>
    options.onOperation === undefined ? run : Effect.tap(run, options.onOperation)
  const grants = ordered.filter((op): op is Extract<Operation, { _tag: "Grant" }> => op._tag === "Grant")
  const grantAll = provider.grantAll
  const bulk = !options.dryRun && grantAll !== undefined && grants.length >= 2
  const single = bulk ? ordered.filter((op) => op._tag !== "Grant") : ordered
  const one = Effect.forEach(single, (operation) =>
    observe(
      options.dryRun
        ? Effect.succeed({ operation, outcome: "dry-run" })
        : locked(applyOperation(provider, resource, operation, options)).pipe(
            Effect.map((share): OperationResult => ({ operation, outcome: "applied", share })),
            Effect.catch((error: SharingError) =>
              Effect.succeed<OperationResult>({ operation, outcome: "failed", error })
            )
          )
    )
  )
  const all: Effect.Effect<ReadonlyArray<OperationResult>> = !bulk
    ? Effect.succeed([])
    : locked(
        grantAll(
          resource,
          grants.map((op) => ({
            ...grantOf(op),
            onLossy: options.onLossy,
            allowEveryone: options.allowEveryone ?? true,
            allowAnyone: options.allowAnyone ?? true,
            ...(options.notify !== undefined ? { notify: options.notify } : {})
          }))
        )
      ).pipe(
        Effect.map((shares) =>
          grants.map((operation, i): OperationResult => ({ operation, outcome: "applied", share: shares[i] }))
        ),
        Effect.catch((error: SharingError) =>
          Effect.succeed(grants.map((operation): OperationResult => ({ operation, outcome: "failed", error })))
        ),
        Effect.tap((results) =>
          options.onOperation === undefined
            ? Effect.void
            : Effect.forEach(results, options.onOperation, { discard: true })
        )
      )
  return Effect.zipWith(one, all, (a, b) => [...a, ...b]).pipe(
    Effect.withSpan("unishare.apply", { attributes: { "unishare.resource": ResourceRef.key(resource) } })
  )
}
