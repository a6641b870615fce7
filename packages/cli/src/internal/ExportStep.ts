/**
 * `export` (internal, re-exported by `Workflow`): a provider's shares into a snapshot file, and the
 * JSON summary the command prints.
 *
 * @since 0.1.0
 */
import type { Errors, ResourceRef, SharingProvider } from "@unishare/core"
import { Snapshot } from "@unishare/migration"
import { Effect } from "effect"
import * as Files from "../Files.ts"
import * as Progress from "../Progress.ts"

/**
 * Exports the shares of `resources` (or of every resource the provider lists) into a snapshot file.
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * import { MemoryProvider } from "@unishare/core"
 * const run = Workflow.exportTo(MemoryProvider.make(), { out: "snapshot.json" })
 * ```
 */
export const exportTo = (
  provider: SharingProvider.Shape,
  options: {
    readonly resources?: ReadonlyArray<ResourceRef.ResourceRef | SharingProvider.ResourceInfo> | undefined
    readonly out: string
    readonly force?: boolean | undefined
    readonly concurrency?: number | undefined
  }
): Effect.Effect<Snapshot.Snapshot, Errors.SharingError> =>
  Effect.gen(function* () {
    yield* Files.refuseOverwrite(options.out, "--out", options.force === true)
    const bar = Progress.make("Exporting")
    const snapshot = yield* Snapshot.exportSnapshot(provider, {
      ...(options.resources !== undefined && options.resources.length > 0 ? { resources: options.resources } : {}),
      concurrency: options.concurrency ?? 4,
      onProgress: bar.onProgress
    }).pipe(Effect.ensuring(bar.finish))
    yield* Files.writeSnapshot(options.out, snapshot, "--out", { force: options.force })
    return snapshot
  })

/**
 * The JSON summary of an export.
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * Workflow.exportSummary({ format: "unishare/snapshot", version: 1, provider: "eci", exportedAt: "", resources: [] }, "s.json").shares // 0
 * ```
 */
export const exportSummary = (snapshot: Snapshot.Snapshot, file: string) => ({
  command: "export" as const,
  ok: true,
  file,
  provider: snapshot.provider,
  exportedAt: snapshot.exportedAt,
  resources: snapshot.resources.length,
  shares: snapshot.resources.reduce((n, r) => n + r.shares.length, 0),
  inherited: snapshot.resources.reduce((n, r) => n + r.shares.filter((s) => s.inherited).length, 0)
})
