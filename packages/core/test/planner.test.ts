import { assert, describe, it } from "@effect/vitest"
import { Capabilities, Grantee, Planner, type Share, ShareStatus } from "@unishare/core"
import { Result } from "effect"

const caps = Capabilities.make({ provider: "memory", granteeKinds: ["User", "Group"], levels: ["viewer", "editor"] })
const resource = { provider: "memory", kind: "doc", id: "d1" }
const share = (id: string, grantee: Share.Share["grantee"], level: Share.Share["level"] = "viewer"): Share.Share => ({
  id,
  resource,
  grantee,
  level,
  status: ShareStatus.active,
  inherited: false
})

describe("Planner: principals across identity keys", () => {
  it("a user found by id, then the same user by email (a key of the matched share): duplicate", () => {
    const current = [share("s1", Grantee.user({ id: "7", email: "ada@example.com" }))]
    const result = Planner.plan(
      current,
      [
        { grantee: Grantee.user({ id: "7" }), level: "editor" },
        { grantee: Grantee.user({ email: "ADA@example.com" }), level: "viewer" }
      ],
      caps
    )
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.strictEqual(result.failure._tag, "InvalidInput")
      assert.include(result.failure.message, "desired.1")
    }
  })

  it("a user given with id and email matched by id; a later grant by that email is a duplicate", () => {
    const current = [share("s1", Grantee.user({ id: "7" }))]
    const result = Planner.plan(
      current,
      [
        { grantee: Grantee.user({ id: "7", email: "ada@example.com" }), level: "viewer" },
        { grantee: Grantee.user({ email: "ada@example.com" }), level: "editor" }
      ],
      caps
    )
    assert.isTrue(Result.isFailure(result))
  })

  it("distinct principals of every kind: one operation each, unmatched shares revoked", () => {
    const current = [
      share("s1", Grantee.user({ email: "a@example.com" })),
      share("s2", Grantee.group("g1"), "editor"),
      share("s3", Grantee.user({ id: "9" }))
    ]
    const plan = Result.getOrThrow(
      Planner.plan(
        current,
        [
          { grantee: Grantee.user({ email: "A@Example.com" }), level: "viewer" },
          { grantee: Grantee.group("g1"), level: "viewer" },
          { grantee: Grantee.group("g2"), level: "editor" }
        ],
        caps
      )
    )
    assert.deepStrictEqual(
      plan.operations.map((op) => [op._tag, op._tag === "Grant" ? Grantee.describe(op.grantee) : op.shareId]),
      [
        ["Revoke", "s3"],
        ["Update", "s2"],
        ["Grant", Grantee.describe(Grantee.group("g2"))]
      ]
    )
    assert.deepStrictEqual(
      plan.unchanged.map((s) => s.id),
      ["s1"]
    )
  })
})
