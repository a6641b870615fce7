/**
 * `sync` (internal, re-exported by `Workflow`): one resource's shares made equal to a desired state
 * (checked against the provider first), and the JSON summary and text the command prints.
 *
 * @since 0.1.0
 */
import { Errors, type SharingProvider, Sync, Translation } from "@unishare/core"
import { Report } from "@unishare/migration"
import { Effect, Result } from "effect"
import type * as Files from "../Files.ts"
import * as Notation from "../Notation.ts"

/**
 * The options of `sync` as the command line gives them: `--on-lossy`, `--allow-everyone`,
 * `--allow-anyone` (absent: `false`) and `--on-expiry` (absent: `fail`).
 *
 * @example
 * ```ts
 * import type { Workflow } from "@unishare/cli"
 * const o: Workflow.SyncFlags = { onLossy: "fail", allowEveryone: false, allowAnyone: true, onExpiry: "drop" }
 * ```
 */
export interface SyncFlags {
  readonly onLossy: Translation.LossyPolicy
  readonly allowEveryone: boolean
  readonly allowAnyone?: boolean | undefined
  readonly onExpiry?: Translation.ExpiryPolicy | undefined
}

/**
 * Checks a desired state against the provider before any request: the resource belongs to it and
 * every grant can be expressed (grantee kind, level under `onLossy`, the Everyone and Anyone opt-ins,
 * an expiry under `onExpiry`). Fails with the first grant's `InvalidInput` / `Unsupported`, its
 * path naming the file entry.
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const check = Workflow.checkDesired(MemoryProvider.make(), { resource: { provider: "memory", kind: "doc", id: "d1" }, shares: [] },
 *   { onLossy: "fail", allowEveryone: false })
 * ```
 */
export const checkDesired = (
  provider: SharingProvider.Shape,
  desired: Files.DesiredState,
  options: SyncFlags
): Effect.Effect<void, Errors.InvalidInput | Errors.Unsupported> =>
  Effect.gen(function* () {
    if (desired.resource.provider !== provider.capabilities.provider) {
      return yield* Errors.invalid(
        "unishare",
        "sync",
        "--desired: resource",
        `${Notation.formatResource(desired.resource)} is not a ${provider.capabilities.provider} resource`
      )
    }
    for (const [i, grant] of desired.shares.entries()) {
      const translated = Translation.translateGrantResult(
        provider.capabilities,
        desired.resource.kind,
        grant,
        options,
        "sync",
        `--desired: shares[${i}]`
      )
      if (Result.isFailure(translated)) return yield* translated.failure
    }
  })

/**
 * Makes one resource's shares equal a desired state (list, plan, write, read back).
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const run = Workflow.syncResource(MemoryProvider.make(), { resource: { provider: "memory", kind: "doc", id: "d1" }, shares: [] },
 *   { dryRun: true, onLossy: "fail", allowEveryone: false })
 * ```
 */
export const syncResource = (
  provider: SharingProvider.Shape,
  desired: Files.DesiredState,
  options: SyncFlags & { readonly dryRun: boolean }
): Effect.Effect<Sync.SyncResult, Errors.SharingError> =>
  Effect.gen(function* () {
    if (desired.resource.provider !== provider.capabilities.provider) {
      return yield* Errors.invalid(
        "unishare",
        "sync",
        "--desired: resource",
        `${Notation.formatResource(desired.resource)} is not a ${provider.capabilities.provider} resource`
      )
    }
    return yield* Sync.sync(provider, desired.resource, desired.shares, {
      dryRun: options.dryRun,
      onLossy: options.onLossy,
      allowEveryone: options.allowEveryone,
      allowAnyone: options.allowAnyone === true,
      onExpiry: options.onExpiry ?? "fail"
    })
  })

/**
 * The JSON summary of a sync.
 *
 * @example
 * ```ts
 * import type { Sync } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const ok = (r: Sync.SyncResult) => Workflow.syncSummary(r, false).ok
 * ```
 */
export const syncSummary = (result: Sync.SyncResult, dryRun: boolean) => ({
  command: "sync" as const,
  ok: result.failures.length === 0 && (dryRun || result.verified),
  resource: Notation.formatResource(result.resource),
  dryRun,
  strategy: result.strategy,
  operations: result.plan.operations.map((op) => ({
    operation: op._tag,
    grantee: Notation.formatGrantee(op.grantee),
    level: op.level
  })),
  unchanged: result.plan.unchanged.length,
  skipped: result.plan.skipped.map((s) => s.reason),
  failures: result.failures.map((e) => Report.toJson(e)),
  verified: result.verified,
  remaining: result.remaining.map((op) => ({
    operation: op._tag,
    grantee: Notation.formatGrantee(op.grantee),
    level: op.level
  })),
  attempts: result.attempts
})

/**
 * Text for a sync result.
 *
 * @example
 * ```ts
 * import type { Sync } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const text = (r: Sync.SyncResult) => Workflow.renderSync(r, true)
 * ```
 */
export const renderSync = (result: Sync.SyncResult, dryRun: boolean): string => {
  const s = syncSummary(result, dryRun)
  const ops = s.operations.map((o) => `  ${o.operation} ${o.grantee} ${o.level}`)
  const head = dryRun
    ? `Dry run for ${s.resource}: ${ops.length} operation(s) would be written, ${s.unchanged} share(s) already match`
    : `Synced ${s.resource} (${s.strategy}): ${ops.length} operation(s), ${s.failures.length} failed, ${s.verified ? "verified by read-back" : "NOT verified"}`
  return [
    head,
    ...ops,
    ...s.skipped.map((r) => `  skipped: ${r}`),
    ...s.remaining.filter(() => !dryRun).map((o) => `  still differs: ${o.operation} ${o.grantee} ${o.level}`)
  ].join("\n")
}
