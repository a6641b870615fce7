/**
 * Wire schemas: open `resource_type`, unknown fields tolerated, `messages` optional, envelope shapes.
 */
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as Wire from "../src/Wire.ts"

const resource = {
  id: "r1",
  resource_id: "rs1",
  resource_type: "custom-ruleset",
  resource_account_id: "a1",
  meta: {},
  status: "active",
  created: "2023-09-21T18:56:32.624632Z",
  modified: "2023-09-21T18:56:32.624632Z",
  resource_version: 1
}

describe("Wire", () => {
  it("resource_type is open: documented values typed, newer ones accepted, empty refused", () => {
    assert.isTrue(Wire.isKnownResourceType("idp-federation-grant"))
    assert.isFalse(Wire.isKnownResourceType("trust-grant"))
    const newer = Schema.decodeUnknownSync(Wire.Resource)({ ...resource, resource_type: "trust-grant" })
    assert.strictEqual(newer.resource_type, "trust-grant")
    assert.throws(() => Schema.decodeUnknownSync(Wire.Resource)({ ...resource, resource_type: "" }))
  })

  it("envelopes tolerate unknown fields and a missing or present messages", () => {
    const decode = Schema.decodeUnknownSync(Wire.ResourceCollection)
    const page = decode({
      success: true,
      errors: [],
      result: [{ ...resource, future_field: 1 }],
      result_info: { page: 1, per_page: 20, count: 1, total_count: 1, total_pages: 1 },
      extra: true
    })
    assert.deepStrictEqual(page.result?.[0], resource)
    assert.strictEqual(decode({ success: true, errors: [], messages: [], result: null }).result, null)
  })

  it("ids have at most 32 characters; V4Error codes are ≥ 1000; failure envelopes need an error", () => {
    assert.throws(() => Schema.decodeUnknownSync(Wire.Id)("x".repeat(33)))
    assert.doesNotThrow(() => Schema.decodeUnknownSync(Wire.Id)("x".repeat(32)))
    assert.throws(() => Schema.decodeUnknownSync(Wire.V4Error)({ code: 42, message: "x" }))
    assert.throws(() => Schema.decodeUnknownSync(Wire.Failure)({ success: false, errors: [], result: null }))
    const f = Schema.decodeUnknownSync(Wire.Failure)({
      success: false,
      errors: [{ code: 6003, message: "Invalid request headers", error_chain: [{ code: 6103, message: "x" }] }],
      result: null
    })
    assert.deepStrictEqual(f.errors, [{ code: 6003, message: "Invalid request headers" }])
  })
})
