/**
 * Resource mapping for migrations: which target resource receives each source resource's shares.
 *
 * @since 0.1.0
 */

import type * as Errors from "@unishare/core/Errors"
import * as ResourceRef from "@unishare/core/ResourceRef"
import { Effect, Schema } from "effect"
import { parseJson } from "./Snapshot.ts"

/**
 * One mapping.
 *
 * @example
 * ```ts
 * import type { ResourceMap } from "@unishare/migration"
 * const e: ResourceMap.Entry = { source: { provider: "smartsheet", kind: "sheet", id: "1" }, target: { provider: "eci", kind: "list", id: "42" } }
 * ```
 */
export const Entry = Schema.Struct({ source: ResourceRef.ResourceRef, target: ResourceRef.ResourceRef })
/** @example const entries: ReadonlyArray<ResourceMap.Entry> = [] */
export type Entry = typeof Entry.Type

/**
 * A lookup from source resource to target resource.
 *
 * @example
 * ```ts
 * import { ResourceMap } from "@unishare/migration"
 * const map = ResourceMap.fromEntries([])
 * map.lookup({ provider: "smartsheet", kind: "sheet", id: "1" }) // undefined
 * ```
 */
export interface ResourceMap {
  readonly entries: ReadonlyArray<Entry>
  readonly lookup: (source: ResourceRef.ResourceRef) => ResourceRef.ResourceRef | undefined
}

/**
 * Builds a map from entries.
 *
 * @example
 * ```ts
 * import { ResourceMap } from "@unishare/migration"
 * ResourceMap.fromEntries([{ source: { provider: "a", kind: "k", id: "1" }, target: { provider: "b", kind: "k", id: "9" } }])
 * ```
 */
export const fromEntries = (entries: ReadonlyArray<Entry>): ResourceMap => {
  const index = new Map(entries.map((e) => [ResourceRef.key(e.source), e.target]))
  return { entries, lookup: (source) => index.get(ResourceRef.key(source)) }
}

/**
 * Parses a JSON file: an array of `{ source, target }` resource references.
 *
 * @example
 * ```ts
 * import { ResourceMap } from "@unishare/migration"
 * ResourceMap.parse('[{"source":{"provider":"a","kind":"k","id":"1"},"target":{"provider":"b","kind":"k","id":"9"}}]')
 * ```
 */
export const parse = (text: string): Effect.Effect<ResourceMap, Errors.InvalidInput> =>
  Effect.map(parseJson(text, Schema.Array(Entry), "resources"), fromEntries)
