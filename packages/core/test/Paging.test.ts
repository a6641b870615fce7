import { assert, describe, it } from "@effect/vitest"
import { Paging } from "@unishare/core"
import { Effect, Stream } from "effect"

describe("Paging.byMarker", () => {
  it.effect("follows the markers until none is given (null, absent or empty), one fetch per page", () =>
    Effect.gen(function* () {
      for (const last of [null, undefined, ""]) {
        const asked: Array<string | undefined> = []
        const pages: Record<string, Paging.MarkerPage<number>> = {
          start: { items: [1, 2], next: "m2" },
          m2: { items: [], next: "m3" },
          m3: { items: [3], next: last }
        }
        const all = yield* Stream.runCollect(
          Paging.byMarker({
            provider: "p",
            operation: "list",
            fetch: (marker) =>
              Effect.sync(() => {
                asked.push(marker)
                return pages[marker ?? "start"]!
              })
          })
        )
        assert.deepStrictEqual(all, [1, 2, 3])
        assert.deepStrictEqual(asked, [undefined, "m2", "m3"])
      }
    })
  )

  it.effect("reads no page beyond what the consumer takes", () =>
    Effect.gen(function* () {
      let fetched = 0
      const first = yield* Stream.runHead(
        Paging.byMarker({
          provider: "p",
          operation: "list",
          fetch: () => Effect.sync(() => ({ items: [++fetched], next: `m${fetched}` }))
        })
      )
      assert.strictEqual(first._tag === "Some" ? first.value : undefined, 1)
      assert.strictEqual(fetched, 1)
    })
  )

  it.effect("a marker handed out twice is a ProtocolError", () =>
    Effect.gen(function* () {
      let fetched = 0
      const error = yield* Effect.flip(
        Stream.runCollect(
          Paging.byMarker({
            provider: "p",
            operation: "list",
            fetch: () => Effect.sync(() => ({ items: [++fetched], next: "again" }))
          })
        )
      )
      assert.strictEqual(error._tag, "ProtocolError")
      assert.include(error.message, '"again"')
      assert.strictEqual(fetched, 2)
    })
  )
})

describe("Paging.byOffset", () => {
  const source = (
    n: number,
    pageSize: number,
    options: { readonly total?: (n: number) => number | undefined } = {}
  ) => {
    const asked: Array<number> = []
    const fetch = (offset: number) =>
      Effect.sync(() => {
        asked.push(offset)
        const items = Array.from({ length: Math.max(0, Math.min(pageSize, n - offset)) }, (_, i) => offset + i)
        return { items, totalCount: options.total === undefined ? n : options.total(n) }
      })
    return { asked, fetch }
  }

  it.effect("steps by the entries received and stops at the total", () =>
    Effect.gen(function* () {
      const s = source(7, 3)
      const all = yield* Stream.runCollect(Paging.byOffset({ provider: "p", operation: "list", fetch: s.fetch }))
      assert.deepStrictEqual(all, [0, 1, 2, 3, 4, 5, 6])
      assert.deepStrictEqual(s.asked, [0, 3, 6])
      const empty = source(0, 3)
      assert.deepStrictEqual(
        yield* Stream.runCollect(Paging.byOffset({ provider: "p", operation: "list", fetch: empty.fetch })),
        []
      )
      assert.deepStrictEqual(empty.asked, [0])
    })
  )

  it.effect("without a total, or with one larger than the entries, an empty page ends it", () =>
    Effect.gen(function* () {
      for (const total of [() => undefined, (n: number) => n + 1]) {
        const s = source(4, 2, { total })
        const all = yield* Stream.runCollect(Paging.byOffset({ provider: "p", operation: "list", fetch: s.fetch }))
        assert.deepStrictEqual(all, [0, 1, 2, 3])
        assert.deepStrictEqual(s.asked, [0, 2, 4])
      }
    })
  )

  it.effect("past maxOffset: the reachable items, then Unsupported (never a silent truncation)", () =>
    Effect.gen(function* () {
      const s = source(10, 3)
      const seen: Array<number> = []
      const error = yield* Effect.flip(
        Stream.runForEach(Paging.byOffset({ provider: "p", operation: "list", fetch: s.fetch, maxOffset: 5 }), (n) =>
          Effect.sync(() => seen.push(n))
        )
      )
      assert.strictEqual(error._tag, "Unsupported")
      assert.deepStrictEqual(seen, [0, 1, 2, 3, 4, 5])
      assert.deepStrictEqual(s.asked, [0, 3])
      assert.include(error.message, "6 items were read of 10")
      // exactly at the limit is fine
      const edge = source(6, 3)
      const all = yield* Stream.runCollect(
        Paging.byOffset({ provider: "p", operation: "list", fetch: edge.fetch, maxOffset: 3 })
      )
      assert.strictEqual(all.length, 6)
    })
  )
})
