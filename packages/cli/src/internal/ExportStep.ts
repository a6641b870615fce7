/**
 * `export` (internal, re-exported by `Workflow`): a provider's shares into a snapshot file (streamed
 * to it as they are read), and the JSON summary the command prints.
 *
 * @since 0.1.0
 */
import type { Errors, ResourceRef, SharingProvider } from "@unishare/core"
import { Snapshot } from "@unishare/migration"
import { Effect, Stream } from "effect"
import * as Files from "../Files.ts"
import * as Progress from "../Progress.ts"

/**
 * What `exportTo` and `exportStreamed` take: the resources (else the provider's own listing), the
 * snapshot file, `force` to replace it, and how many resources are read at once.
 *
 * @example
 * ```ts
 * import type { Workflow } from "@unishare/cli"
 * const options: Workflow.ExportOptions = { out: "snapshot.json", concurrency: 4 }
 * ```
 */
export interface ExportOptions {
  readonly resources?: ReadonlyArray<ResourceRef.ResourceRef | SharingProvider.ResourceInfo> | undefined
  readonly out: string
  readonly force?: boolean | undefined
  readonly concurrency?: number | undefined
}

/**
 * Exports the shares of `resources` (or of every resource the provider lists) into a snapshot file,
 * and returns the snapshot (held in memory: for a large export use `exportStreamed`).
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
  options: ExportOptions
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
 * What a streamed export wrote: the source provider, when the export began, the counts and the
 * file's digest (`Snapshot.digestOf`).
 *
 * @example
 * ```ts
 * import type { Workflow } from "@unishare/cli"
 * const e: Workflow.Exported = { provider: "eci", exportedAt: "", resources: 0, shares: 0, inherited: 0, digest: "…" }
 * ```
 */
export interface Exported {
  readonly provider: string
  readonly exportedAt: string
  readonly resources: number
  readonly shares: number
  readonly inherited: number
  readonly digest: string
}

/**
 * Exports the shares of `resources` (or of every resource the provider lists) into a snapshot file,
 * writing each resource as soon as it is read (`Snapshot.exportResources`): memory does not grow
 * with the number of shares. `exportedAt` is when the export began. A failed export leaves no file.
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * import { MemoryProvider } from "@unishare/core"
 * const run = Workflow.exportStreamed(MemoryProvider.make(), { out: "snapshot.json" })
 * ```
 */
export const exportStreamed = (
  provider: SharingProvider.Shape,
  options: ExportOptions
): Effect.Effect<Exported, Errors.SharingError> =>
  Effect.gen(function* () {
    yield* Files.refuseOverwrite(options.out, "--out", options.force === true)
    const bar = Progress.make("Exporting")
    const exportedAt = new Date(yield* Effect.clockWith((c) => c.currentTimeMillis)).toISOString()
    const name = provider.capabilities.provider
    let inherited = 0
    const resources = Snapshot.exportResources(provider, {
      ...(options.resources !== undefined && options.resources.length > 0 ? { resources: options.resources } : {}),
      concurrency: options.concurrency ?? 4,
      onProgress: bar.onProgress
    }).pipe(
      Stream.tap((r) =>
        Effect.sync(() => {
          for (const s of r.shares) if (s.inherited) inherited++
        })
      )
    )
    const trailer = yield* Files.writeSnapshotStream(options.out, { provider: name, exportedAt }, resources, "--out", {
      force: options.force
    }).pipe(Effect.ensuring(bar.finish))
    return {
      provider: name,
      exportedAt,
      resources: trailer.resources,
      shares: trailer.shares,
      inherited,
      digest: trailer.digest
    }
  })

/**
 * The JSON summary of an export (of a snapshot in memory, or of what a streamed export wrote).
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * Workflow.exportSummary({ format: "unishare/snapshot", version: 1, provider: "eci", exportedAt: "", resources: [] }, "s.json").shares // 0
 * ```
 */
export const exportSummary = (snapshot: Snapshot.Snapshot | Exported, file: string) => ({
  command: "export" as const,
  ok: true,
  file,
  provider: snapshot.provider,
  exportedAt: snapshot.exportedAt,
  ...("format" in snapshot
    ? {
        resources: snapshot.resources.length,
        shares: snapshot.resources.reduce((n, r) => n + r.shares.length, 0),
        inherited: snapshot.resources.reduce((n, r) => n + r.shares.filter((s) => s.inherited).length, 0)
      }
    : { resources: snapshot.resources, shares: snapshot.shares, inherited: snapshot.inherited })
})
