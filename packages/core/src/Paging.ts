/**
 * Auto-pagination as a `Stream` (constant memory) for the two ways list endpoints page: by an
 * opaque marker the server hands out (Box `next_marker`, Google Drive `nextPageToken`), and by an
 * offset into a counted collection (Box `offset` / `total_count`). The adapter supplies the request
 * for one page; the walk, its stopping rule and its guards live here once:
 *
 * - marker: the walk stops when the server gives no next marker (absent, `null` or empty); a
 *   marker the server already handed out in this walk would read the same pages forever, so it
 *   fails with `ProtocolError` instead;
 * - offset: the next offset is the current one plus the entries received (a server may cap the
 *   page size below the one asked for); the walk stops on an empty page or once the total is
 *   reached, and fails with `Unsupported` rather than truncating silently when the next offset is
 *   past the largest one the provider accepts (`maxOffset`).
 *
 * @since 0.1.0
 */
import { Effect, Option, Stream } from "effect"
import * as Errors from "./Errors.ts"

/**
 * One page of a marker-paged listing: its items and the marker of the next page, if any.
 *
 * @example
 * ```ts
 * import type { Paging } from "@unishare/core"
 * const last: Paging.MarkerPage<string> = { items: ["a"], next: undefined }
 * ```
 */
export interface MarkerPage<A> {
  readonly items: ReadonlyArray<A>
  readonly next: string | null | undefined
}

/**
 * Every item of a marker-paged listing: `fetch(undefined)` reads the first page, then each page's
 * `next` marker the following one.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Paging } from "@unishare/core"
 * const pages: Record<string, Paging.MarkerPage<number>> = { first: { items: [1, 2], next: "m2" }, m2: { items: [3], next: null } }
 * const all = Stream.runCollect(
 *   Paging.byMarker({ provider: "box", operation: "list", fetch: (m) => Effect.succeed(pages[m ?? "first"]!) })
 * ) // [1, 2, 3]
 * ```
 */
export const byMarker = <A, E, R>(options: {
  readonly provider: string
  readonly operation: string
  readonly fetch: (marker: string | undefined) => Effect.Effect<MarkerPage<A>, E, R>
}): Stream.Stream<A, E | Errors.ProtocolError, R> =>
  Stream.suspend(() => {
    const seen = new Set<string>()
    return Stream.paginate(Option.none<string>(), (marker: Option.Option<string>) =>
      Effect.flatMap(options.fetch(Option.getOrUndefined(marker)), (page) => {
        const next = page.next
        if (next === undefined || next === null || next === "") {
          return Effect.succeed([page.items, Option.none<Option.Option<string>>()] as const)
        }
        if (seen.has(next)) {
          return Effect.fail(
            new Errors.ProtocolError({
              provider: options.provider,
              operation: options.operation,
              message: `${options.provider} ${options.operation}: the server repeated the page marker ${JSON.stringify(next)}; stopping instead of reading the same pages forever`
            })
          )
        }
        seen.add(next)
        return Effect.succeed([page.items, Option.some(Option.some(next))] as const)
      })
    )
  })

/**
 * One page of an offset-paged listing: its items and the collection's total, when given.
 *
 * @example
 * ```ts
 * import type { Paging } from "@unishare/core"
 * const page: Paging.OffsetPage<string> = { items: ["a", "b"], totalCount: 2 }
 * ```
 */
export interface OffsetPage<A> {
  readonly items: ReadonlyArray<A>
  readonly totalCount: number | undefined
}

/**
 * Every item of an offset-paged listing, from offset 0. Without a `totalCount` the walk reads until
 * an empty page. `maxOffset` is the largest offset the provider accepts (Box: 10,000); a listing
 * longer than that fails with `Unsupported` after the last reachable page.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Paging } from "@unishare/core"
 * const items = ["a", "b", "c"]
 * const all = Stream.runCollect(
 *   Paging.byOffset({ provider: "box", operation: "listPending", maxOffset: 10_000,
 *     fetch: (offset) => Effect.succeed({ items: items.slice(offset, offset + 2), totalCount: items.length }) })
 * ) // ["a", "b", "c"]
 * ```
 */
export const byOffset = <A, E, R>(options: {
  readonly provider: string
  readonly operation: string
  readonly fetch: (offset: number) => Effect.Effect<OffsetPage<A>, E, R>
  readonly maxOffset?: number | undefined
}): Stream.Stream<A, E | Errors.Unsupported, R> =>
  Stream.paginate(
    { offset: 0, total: undefined as number | undefined },
    ({
      offset,
      total
    }): Effect.Effect<
      readonly [ReadonlyArray<A>, Option.Option<{ offset: number; total: number | undefined }>],
      E | Errors.Unsupported,
      R
    > => {
      if (options.maxOffset !== undefined && offset > options.maxOffset) {
        return Effect.fail(
          new Errors.Unsupported({
            provider: options.provider,
            operation: options.operation,
            feature: `offsets above ${options.maxOffset}`,
            message: `${options.provider} ${options.operation}: the listing goes on past offset ${options.maxOffset}, the largest the provider accepts; ${offset} items were read${total === undefined ? "" : ` of ${total}`} and the rest cannot be reached`
          })
        )
      }
      return Effect.map(options.fetch(offset), (page) => {
        const next = offset + page.items.length
        const more = page.items.length > 0 && (page.totalCount === undefined || next < page.totalCount)
        return [page.items, more ? Option.some({ offset: next, total: page.totalCount }) : Option.none()] as const
      })
    }
  )
