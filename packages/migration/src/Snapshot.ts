/**
 * A versioned, Schema-defined JSON snapshot of resources and their shares, exported from any provider.
 *
 * @since 0.1.0
 */

import { createHash } from "node:crypto"
import { AccessLevel } from "@unishare/core/AccessLevel"
import * as Errors from "@unishare/core/Errors"
import { Grantee } from "@unishare/core/Grantee"
import { ResourceRef } from "@unishare/core/ResourceRef"
import { Instant, ProviderRole } from "@unishare/core/Share"
import { ShareStatus } from "@unishare/core/ShareStatus"
import type { ResourceInfo, Shape } from "@unishare/core/SharingProvider"
import { Effect, Schema, Stream } from "effect"

/**
 * One share in a snapshot.
 *
 * @example
 * ```ts
 * import type { Snapshot } from "@unishare/migration"
 * const s: Snapshot.SnapshotShare = { id: "s1", grantee: { _tag: "Group", id: "7" }, level: "editor", status: { _tag: "active" }, inherited: false }
 * ```
 */
export const SnapshotShare = Schema.Struct({
  id: Schema.String,
  grantee: Grantee,
  level: AccessLevel,
  status: ShareStatus,
  inherited: Schema.Boolean,
  inheritedFrom: Schema.optionalKey(ResourceRef),
  expiresAt: Schema.optionalKey(Instant),
  providerRole: Schema.optionalKey(ProviderRole)
})
/** @example const shares: ReadonlyArray<Snapshot.SnapshotShare> = [] */
export type SnapshotShare = typeof SnapshotShare.Type

/**
 * One resource with its shares.
 *
 * @example
 * ```ts
 * import type { Snapshot } from "@unishare/migration"
 * const r: Snapshot.SnapshotResource = { resource: { provider: "eci", kind: "list", id: "42" }, name: "Open bills", shares: [] }
 * ```
 */
export const SnapshotResource = Schema.Struct({
  resource: ResourceRef,
  name: Schema.optionalKey(Schema.String),
  shares: Schema.Array(SnapshotShare)
})
/** @example const rs: ReadonlyArray<Snapshot.SnapshotResource> = [] */
export type SnapshotResource = typeof SnapshotResource.Type

/**
 * A snapshot: `format`, `version`, the source `provider`, when it was taken, and the resources —
 * and the single-document file format of versions 1 and 2 (still read). Version 2 is the content's
 * version when a share carries an expiry, a provider role or its inherited source: a version that
 * does not know them refuses the file instead of dropping them (a dropped expiry would make access
 * permanent). Files are now written as JSON Lines (version 3: `SnapshotHeader`, one
 * `SnapshotResource` a line, `SnapshotTrailer`; see `FileFormat`); the value read keeps the
 * content's version (1 or 2).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Snapshot } from "@unishare/migration"
 * const parse = Schema.decodeUnknownSync(Schema.fromJsonString(Snapshot.Snapshot))
 * ```
 */
export const Snapshot = Schema.Struct({
  format: Schema.Literal("unishare/snapshot"),
  version: Schema.Literals([1, 2]),
  provider: Schema.String,
  exportedAt: Schema.String,
  resources: Schema.Array(SnapshotResource)
})
/** @example const empty: Snapshot.Snapshot = { format: "unishare/snapshot", version: 1, provider: "memory", exportedAt: "", resources: [] } */
export type Snapshot = typeof Snapshot.Type

/**
 * JSON with object keys sorted and no whitespace, so a digest depends on content only, not on key
 * order or indentation (the plan's digest and the snapshot's use it).
 *
 * @example
 * ```ts
 * import { Snapshot } from "@unishare/migration"
 * Snapshot.canonicalJson({ b: 1, a: [2] }) // '{"a":[2],"b":1}'
 * ```
 */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        )
      : v
  )

/**
 * The first line of a snapshot file (JSON Lines, format version 3): the source `provider` and when
 * the export began. One line per `SnapshotResource` follows, then the `SnapshotTrailer`.
 *
 * @example
 * ```ts
 * import type { Snapshot } from "@unishare/migration"
 * const h: Snapshot.SnapshotHeader = { format: "unishare/snapshot", version: 3, provider: "eci", exportedAt: "2026-01-05T09:00:00.000Z" }
 * ```
 */
export const SnapshotHeader = Schema.Struct({
  format: Schema.Literal("unishare/snapshot"),
  version: Schema.Literal(3),
  provider: Schema.String,
  exportedAt: Schema.String
})
/** @example const h = (s: Snapshot.SnapshotHeader) => s.provider */
export type SnapshotHeader = typeof SnapshotHeader.Type

/**
 * The last line of a snapshot file: how many resources and shares it holds and its `digest`
 * (`digestOf`). A file without it was cut short and is refused.
 *
 * @example
 * ```ts
 * import type { Snapshot } from "@unishare/migration"
 * const t: Snapshot.SnapshotTrailer = { resources: 0, shares: 0, digest: "…" }
 * ```
 */
export const SnapshotTrailer = Schema.Struct({
  resources: Schema.Number,
  shares: Schema.Number,
  digest: Schema.String
})
/** @example const t = (s: Snapshot.SnapshotTrailer) => s.digest */
export type SnapshotTrailer = typeof SnapshotTrailer.Type

/**
 * A SHA-256 over records taken one at a time: each record adds its canonical JSON (`canonicalJson`)
 * and a newline, so a digest of a million records never needs them in one string. `add` returns the
 * canonical JSON it hashed (the line a file writer writes).
 *
 * @example
 * ```ts
 * import { Snapshot } from "@unishare/migration"
 * const d = Snapshot.makeDigest()
 * d.add({ b: 1, a: 2 }) // '{"a":2,"b":1}'
 * d.hex().length // 64
 * ```
 */
export interface Digest {
  readonly add: (record: unknown) => string
  /** Adds a line that already is a record's canonical JSON (read back from a file), as it is. */
  readonly addLine: (line: string) => void
  readonly hex: () => string
}

/**
 * A new, empty `Digest`.
 *
 * @example
 * ```ts
 * import { Snapshot } from "@unishare/migration"
 * const empty = Snapshot.makeDigest().hex()
 * ```
 */
export const makeDigest = (): Digest => {
  const hash = createHash("sha256")
  return {
    add: (record) => {
      const line = canonicalJson(record)
      hash.update(line)
      hash.update("\n")
      return line
    },
    addLine: (line) => {
      hash.update(line)
      hash.update("\n")
    },
    hex: () => hash.digest("hex")
  }
}

const encodeResource = Schema.encodeSync(SnapshotResource)
const encodeHeader = Schema.encodeSync(SnapshotHeader)

/**
 * The header line of a snapshot's file (version 3).
 *
 * @example
 * ```ts
 * import { Snapshot } from "@unishare/migration"
 * Snapshot.headerOf({ provider: "eci", exportedAt: "" }).version // 3
 * ```
 */
export const headerOf = (snapshot: { readonly provider: string; readonly exportedAt: string }): SnapshotHeader => ({
  format: "unishare/snapshot",
  version: 3,
  provider: snapshot.provider,
  exportedAt: snapshot.exportedAt
})

/**
 * The digest of a snapshot: the digest of its file (format version 3), SHA-256 (hex) over, in order,
 * the canonical JSON (`canonicalJson`) plus a newline of: the header (`headerOf`), each resource
 * (encoded with `SnapshotResource`), and the trailer without its `digest` (`{ resources, shares }`).
 * It depends on content only (not on key order or indentation), is computed one record at a time,
 * and is the same for a snapshot read from a version 1 or 2 file. A plan records the digest of the
 * snapshot it was made from (`plan.snapshot.digest`), so a reviewer can tell which snapshot a plan
 * (and its report) came from.
 *
 * @example
 * ```ts
 * import { Snapshot } from "@unishare/migration"
 * Snapshot.digestOf({ format: "unishare/snapshot", version: 1, provider: "eci", exportedAt: "", resources: [] }).length // 64
 * ```
 */
export const digestOf = (snapshot: Snapshot): string => {
  const digest = makeDigest()
  digest.add(encodeHeader(headerOf(snapshot)))
  let shares = 0
  for (const r of snapshot.resources) {
    digest.add(encodeResource(r))
    shares += r.shares.length
  }
  digest.add({ resources: snapshot.resources.length, shares })
  return digest.hex()
}

/**
 * Export options: explicit `resources` (otherwise the provider's `listResources`), and how many
 * resources to read at once.
 *
 * @example
 * ```ts
 * import type { Snapshot } from "@unishare/migration"
 * const opts: Snapshot.ExportOptions = { concurrency: 4 }
 * ```
 */
export interface ExportOptions {
  readonly resources?: ReadonlyArray<ResourceRef | ResourceInfo> | undefined
  readonly concurrency?: number | undefined
  /** Called after each resource is read (for a progress bar). */
  readonly onProgress?:
    | ((progress: {
        readonly done: number
        readonly total: number
        readonly failed: number
        readonly unit: string
      }) => Effect.Effect<void>)
    | undefined
}

/**
 * Reads every resource's live shares, emitting each resource as soon as it is read (in the order
 * of `resources`, or of the provider's `listResources`), so a caller can write it out and let it go:
 * memory does not grow with the number of shares. The first resource is read alone (a refused
 * credential costs one request), then `concurrency` at a time.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import { MemoryProvider } from "@unishare/core"
 * import { Snapshot } from "@unishare/migration"
 * const resources = Snapshot.exportResources(MemoryProvider.make({ resources: [{ provider: "memory", kind: "doc", id: "d1" }] }))
 * const count = Stream.runCount(resources)
 * ```
 */
export const exportResources = (
  provider: Shape,
  options: ExportOptions = {}
): Stream.Stream<SnapshotResource, Errors.SharingError> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const name = provider.capabilities.provider
      let infos: ReadonlyArray<ResourceInfo>
      if (options.resources !== undefined) {
        infos = options.resources.map((r) => ("resource" in r ? r : { resource: r }))
      } else if (provider.listResources !== undefined) {
        infos = yield* Stream.runCollect(provider.listResources)
      } else {
        return yield* new Errors.Unsupported({
          provider: name,
          operation: "export",
          feature: "listResources",
          message: `${name} cannot enumerate resources: name them explicitly`
        })
      }
      let done = 0
      const readOne = (info: ResourceInfo) =>
        Stream.runCollect(provider.list(info.resource)).pipe(
          Effect.map(
            (shares): SnapshotResource => ({
              resource: info.resource,
              ...(info.name !== undefined ? { name: info.name } : {}),
              shares: shares.map((s) => ({
                id: s.id,
                grantee: s.grantee,
                level: s.level,
                status: s.status,
                inherited: s.inherited,
                ...(s.inheritedFrom !== undefined ? { inheritedFrom: s.inheritedFrom } : {}),
                ...(s.expiresAt !== undefined ? { expiresAt: s.expiresAt } : {}),
                ...(s.providerRole !== undefined ? { providerRole: s.providerRole } : {})
              }))
            })
          ),
          Effect.tap((r) =>
            Effect.suspend(() => {
              done++
              return options.onProgress?.({ done, total: infos.length, failed: 0, unit: r.resource.id }) ?? Effect.void
            })
          )
        )
      if (infos.length === 0) return Stream.empty
      // the first resource alone: a refused credential costs one request
      return Stream.concat(
        Stream.fromEffect(readOne(infos[0]!)),
        Stream.mapEffect(Stream.fromIterable(infos.slice(1)), readOne, { concurrency: options.concurrency ?? 4 })
      )
    })
  ).pipe(Stream.withSpan("unishare.export"))

/**
 * Reads every resource's live shares into a snapshot held in memory (`exportResources` collected;
 * to write a large export to a file as it is read, stream `exportResources` instead).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MemoryProvider } from "@unishare/core"
 * import { Snapshot } from "@unishare/migration"
 * const snap = Snapshot.exportSnapshot(MemoryProvider.make({ resources: [{ provider: "memory", kind: "doc", id: "d1" }] }))
 * ```
 */
export const exportSnapshot = (
  provider: Shape,
  options: ExportOptions = {}
): Effect.Effect<Snapshot, Errors.SharingError> =>
  Effect.gen(function* () {
    const resources = yield* Stream.runCollect(exportResources(provider, options))
    const exportedAt = new Date(yield* Effect.clockWith((c) => c.currentTimeMillis)).toISOString()
    return {
      format: "unishare/snapshot",
      version: versionOf(resources),
      provider: provider.capabilities.provider,
      exportedAt,
      resources
    } as const
  })

/**
 * The snapshot version its content needs: 2 when a share carries an expiry, a provider role or its
 * inherited source, else 1 (readable by every version).
 *
 * @example
 * ```ts
 * import { Snapshot } from "@unishare/migration"
 * Snapshot.versionOf([]) // 1
 * ```
 */
export const versionOf = (resources: ReadonlyArray<SnapshotResource>): 1 | 2 =>
  resources.some((r) =>
    r.shares.some((s) => s.expiresAt !== undefined || s.providerRole !== undefined || s.inheritedFrom !== undefined)
  )
    ? 2
    : 1

/**
 * Parses snapshot JSON text, failing with `InvalidInput` that names the bad field.
 *
 * @example
 * ```ts
 * import { Snapshot } from "@unishare/migration"
 * Snapshot.parse('{"format":"unishare/snapshot","version":1,"provider":"x","exportedAt":"","resources":[]}')
 * ```
 */
export const parse = (text: string): Effect.Effect<Snapshot, Errors.InvalidInput> =>
  parseJson(text, Snapshot, "snapshot")

/**
 * Parses JSON text against a schema, with `InvalidInput` errors (shared by the engine's file formats).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Snapshot } from "@unishare/migration"
 * Snapshot.parseJson('{"a":1}', Schema.Struct({ a: Schema.Number }), "config")
 * ```
 */
export const parseJson = <S extends Schema.Top & { readonly DecodingServices: never }>(
  text: string,
  schema: S,
  what: string
): Effect.Effect<S["Type"], Errors.InvalidInput> =>
  Effect.try({
    try: () => JSON.parse(text) as unknown,
    catch: () => Errors.invalid("unishare", `read ${what}`, what, "not valid JSON")
  }).pipe(
    Effect.flatMap((json) =>
      Schema.decodeUnknownEffect(schema)(json, { errors: "all" }).pipe(
        Effect.mapError((e) => Errors.invalid("unishare", `read ${what}`, what, e.message))
      )
    )
  ) as Effect.Effect<S["Type"], Errors.InvalidInput>
