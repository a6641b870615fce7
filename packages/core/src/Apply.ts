/**
 * Running a plan against a provider: one operation at a time per resource (writes to one resource
 * are serialized process-wide), failures collected per operation instead of stopping the run.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
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
 * Options: `dryRun` sends nothing; `notify` is passed to grants; `onLossy`/`allowEveryone` as for
 * the plan; `onOperation` observes each result (progress bars, journals).
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
  const translation = { onLossy: options.onLossy, allowEveryone: options.allowEveryone ?? true }
  switch (operation._tag) {
    case "Grant":
      return provider.grant(resource, {
        grantee: operation.grantee,
        level: operation.level,
        ...translation,
        ...(options.notify !== undefined ? { notify: options.notify } : {})
      })
    case "Update":
      return provider.update(resource, operation.shareId, operation.level, translation)
    case "Revoke":
      return Effect.as(provider.revoke(resource, operation.shareId), undefined)
  }
}

/**
 * Applies a plan's operations in order. Never fails: each operation's outcome is in the result.
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
): Effect.Effect<ReadonlyArray<OperationResult>> =>
  Effect.forEach(plan.operations, (operation) => {
    const run: Effect.Effect<OperationResult> = options.dryRun
      ? Effect.succeed({ operation, outcome: "dry-run" })
      : (options.alreadyLocked
          ? applyOperation(provider, resource, operation, options)
          : resourceLocks.withLock(ResourceRef.key(resource), applyOperation(provider, resource, operation, options))
        ).pipe(
          Effect.map((share): OperationResult => ({ operation, outcome: "applied", share })),
          Effect.catch((error: SharingError) =>
            Effect.succeed<OperationResult>({ operation, outcome: "failed", error })
          )
        )
    return options.onOperation === undefined ? run : Effect.tap(run, options.onOperation)
  }).pipe(Effect.withSpan("unishare.apply", { attributes: { "unishare.resource": ResourceRef.key(resource) } }))
