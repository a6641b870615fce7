import { assert, describe, it } from "@effect/vitest"
import { type AccessLevel, Capabilities, Grantee, Granting, MemoryProvider, Planner, Sync } from "@unishare/core"
import { Effect, Result } from "effect"

const doc = { provider: "memory", kind: "doc", id: "d1" }
const fresh = () => MemoryProvider.make({ resources: [doc] })

describe("bad input is refused before any provider call", () => {
  it.effect("an unknown access level is InvalidInput naming the field", () =>
    Effect.gen(function* () {
      const memory = fresh()
      const error = yield* Effect.flip(
        memory.grant(doc, { grantee: Grantee.group("7"), level: "superuser" as AccessLevel.AccessLevel })
      )
      assert.strictEqual(error._tag, "InvalidInput")
      assert.isTrue(error._tag === "InvalidInput" && error.issues.some((i) => i.path === "level"))
      assert.strictEqual(memory.control.writes() + memory.control.reads(), 0)
    })
  )

  it.effect("a User with neither id nor email is InvalidInput naming the grantee", () =>
    Effect.gen(function* () {
      const memory = fresh()
      const error = yield* Effect.flip(memory.grant(doc, { grantee: { _tag: "User" }, level: "viewer" }))
      assert.strictEqual(error._tag, "InvalidInput")
      assert.isTrue(error._tag === "InvalidInput" && error.issues.some((i) => i.path.startsWith("grantee")))
      assert.include(error.message, "id or an email")
      assert.strictEqual(memory.control.writes() + memory.control.reads(), 0)
    })
  )

  it.effect("Everyone without the opt-in is InvalidInput; with it, it is granted", () =>
    Effect.gen(function* () {
      const memory = fresh()
      const error = yield* Effect.flip(memory.grant(doc, { grantee: Grantee.everyone, level: "viewer" }))
      assert.strictEqual(error._tag, "InvalidInput")
      assert.include(error.message, "allowEveryone")
      assert.strictEqual(memory.control.writes(), 0)
      const share = yield* memory.grant(doc, { grantee: Grantee.everyone, level: "viewer", allowEveryone: true })
      assert.strictEqual(share.grantee._tag, "Everyone")
    })
  )

  it.effect("an unsupported grantee kind is Unsupported naming the kind", () =>
    Effect.gen(function* () {
      const memory = MemoryProvider.make({ resources: [doc], capabilities: { granteeKinds: ["User"] } })
      const error = yield* Effect.flip(memory.grant(doc, { grantee: Grantee.account("a1"), level: "viewer" }))
      assert.strictEqual(error._tag, "Unsupported")
      assert.isTrue(error._tag === "Unsupported" && error.feature === "grantee kind Account")
      assert.strictEqual(memory.control.writes() + memory.control.reads(), 0)
    })
  )

  it.effect("a read-only level (owner) is Unsupported whatever the policy", () =>
    Effect.gen(function* () {
      const memory = fresh()
      const error = yield* Effect.flip(
        memory.grant(doc, { grantee: Grantee.group("7"), level: "owner", onLossy: "round-down" })
      )
      assert.strictEqual(error._tag, "Unsupported")
    })
  )

  it("the planner refuses duplicate grantees and Everyone mixed with others where exclusive", () => {
    const caps = Capabilities.make({
      provider: "eci",
      granteeKinds: ["User", "Group", "Everyone"],
      levels: ["viewer"],
      everyoneExclusive: true
    })
    const dup = Planner.plan(
      [],
      [
        { grantee: Grantee.user({ email: "A@x.io" }), level: "viewer" },
        { grantee: Grantee.user({ id: "5", email: "a@x.io" }), level: "viewer" }
      ],
      caps
    )
    assert.isTrue(Result.isFailure(dup))
    const mixed = Planner.plan(
      [],
      [
        { grantee: Grantee.everyone, level: "viewer" },
        { grantee: Grantee.group("1"), level: "viewer" }
      ],
      caps,
      { allowEveryone: true }
    )
    assert.isTrue(
      Result.isFailure(mixed) && mixed.failure._tag === "InvalidInput" && mixed.failure.issues[0]?.path === "desired"
    )
  })

  it.effect("sync with bad input fails before listing", () =>
    Effect.gen(function* () {
      const memory = fresh()
      const error = yield* Effect.flip(
        Sync.sync(memory, doc, [{ grantee: Grantee.group("1"), level: "boss" as AccessLevel.AccessLevel }])
      )
      assert.strictEqual(error._tag, "InvalidInput")
      assert.isTrue(error._tag === "InvalidInput" && error.issues[0]?.path === "desired.0.level")
      assert.strictEqual(memory.control.writes(), 0)
    })
  )

  it("a lossy level narrows with a warning by default, fails with onLossy fail, widens only with round-up", () => {
    const caps = Capabilities.make({ provider: "eci", granteeKinds: ["Group"], levels: ["viewer", "admin"] })
    const want = [{ grantee: Grantee.group("1"), level: "editor" as const }]
    const down = Result.getOrThrow(Planner.plan([], want, caps))
    assert.strictEqual(down.operations[0]?._tag === "Grant" && down.operations[0].level, "viewer")
    assert.strictEqual(down.warnings[0]?._tag, "Lossy")
    const fail = Planner.plan([], want, caps, { onLossy: "fail" })
    assert.isTrue(Result.isFailure(fail) && fail.failure._tag === "Unsupported")
    const up = Result.getOrThrow(Planner.plan([], want, caps, { onLossy: "round-up" }))
    assert.strictEqual(up.operations[0]?._tag === "Grant" && up.operations[0].fidelity, "widened")
    const skip = Result.getOrThrow(Planner.plan([], want, caps, { onLossy: "fail", onUnsupported: "skip" }))
    assert.strictEqual(skip.skipped.length, 1)
    assert.strictEqual(skip.operations.length, 0)
  })
})

describe("Granting.grant", () => {
  it.effect("reports the fidelity and warnings of a narrowed grant", () =>
    Effect.gen(function* () {
      const memory = MemoryProvider.make({ resources: [doc], capabilities: { levels: ["viewer", "admin"] } })
      const granted = yield* Granting.grant(memory, doc, { grantee: Grantee.group("7"), level: "editor" })
      assert.strictEqual(granted.share.level, "viewer")
      assert.strictEqual(granted.fidelity, "narrowed")
      assert.deepStrictEqual(
        granted.warnings.map((w) => w._tag),
        ["Lossy"]
      )
      const exact = yield* Granting.grant(memory, doc, { grantee: Grantee.group("8"), level: "admin" })
      assert.strictEqual(exact.fidelity, "exact")
      const refused = yield* Effect.flip(
        Granting.grant(memory, doc, { grantee: Grantee.group("9"), level: "editor", onLossy: "fail" })
      )
      assert.strictEqual(refused._tag, "Unsupported")
      assert.strictEqual(memory.control.snapshot(doc).length, 2)
    })
  )
})
