/**
 * The hand-written fast path of `Wire.SharesPage` decodes exactly as the schema does, and never
 * accepts what the schema rejects.
 */
import { assert, describe, it } from "@effect/vitest"
import { FastDecode } from "@unishare/core"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import * as Wire from "../src/Wire.ts"

const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom("USER", "GROUP", "VIEWER", "EDITOR_SHARE", "OWNER", "ITEM", "WORKSPACE", "x", ""),
  fc.string({ maxLength: 4 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({})
)
const share = fc.record(
  {
    id: fc.oneof(fc.string({ maxLength: 6 }), anyValue),
    email: anyValue,
    userId: fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), anyValue),
    groupId: fc.oneof(fc.integer(), anyValue),
    name: anyValue,
    type: fc.oneof(fc.constantFrom("USER", "GROUP"), anyValue),
    accessLevel: fc.oneof(fc.constantFrom("ADMIN", "COMMENTER", "EDITOR", "EDITOR_SHARE", "OWNER", "VIEWER"), anyValue),
    scope: fc.oneof(fc.constantFrom("ITEM", "WORKSPACE"), anyValue),
    extra: anyValue
  },
  { requiredKeys: [] }
)
// drop the keys whose value is undefined most of the time, as JSON would
const json = (u: unknown) => (u === undefined ? u : JSON.parse(JSON.stringify(u)))
const page = fc.oneof(
  fc.record({ items: fc.array(share, { maxLength: 4 }), lastKey: anyValue }, { requiredKeys: ["items"] }),
  anyValue
)

describe("Wire.SharesPage fast path", () => {
  const fast = FastDecode.fastPathOf(Wire.SharesPage)
  const decode = Schema.decodeUnknownResult(Wire.SharesPage)

  it("exists, and decodes a well-formed page (string and numeric ids)", () => {
    assert.isDefined(fast)
    const body = {
      items: [{ id: "a", type: "USER", userId: 12, email: "x@y.z", accessLevel: "VIEWER", scope: "ITEM", extra: 1 }],
      lastKey: "k"
    }
    assert.deepStrictEqual(fast?.(body), Result.getOrThrow(decode(body)))
    assert.deepStrictEqual(fast?.(body), {
      items: [{ id: "a", type: "USER", userId: "12", email: "x@y.z", accessLevel: "VIEWER", scope: "ITEM" }],
      lastKey: "k"
    })
  })

  it("agrees with the schema on arbitrary input", () =>
    fc.assert(
      fc.property(page, (raw) => {
        const input = json(raw)
        const quick = fast?.(input)
        const full = decode(input)
        if (Result.isFailure(full)) return quick === undefined
        return quick === undefined || JSON.stringify(sortKeys(quick)) === JSON.stringify(sortKeys(full.success))
      }),
      { numRuns: 2_000 }
    ))
})

const sortKeys = (u: unknown): unknown =>
  Array.isArray(u)
    ? u.map(sortKeys)
    : typeof u === "object" && u !== null
      ? Object.fromEntries(
          Object.keys(u)
            .sort()
            .map((k) => [k, sortKeys((u as Record<string, unknown>)[k])])
        )
      : u
