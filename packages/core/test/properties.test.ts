import { assert, describe, it } from "@effect/vitest"
import {
  AccessLevel,
  Capabilities,
  type Grantee,
  MemoryProvider,
  Planner,
  type Share,
  ShareStatus,
  Sync,
  Translation
} from "@unishare/core"
import { Effect, Result } from "effect"
import * as fc from "fast-check"

const levelArb = fc.constantFrom(...AccessLevel.ladder)
const grantable = AccessLevel.ladder.filter((l) => l !== "owner")
const grantableArb = fc.constantFrom(...grantable)
const granteeArb: fc.Arbitrary<Grantee.Grantee> = fc.oneof(
  fc.integer({ min: 1, max: 40 }).map((n) => ({ _tag: "User" as const, email: `user${n}@example.com` })),
  fc.integer({ min: 1, max: 40 }).map((n) => ({ _tag: "Group" as const, id: `g${n}` })),
  fc.integer({ min: 1, max: 40 }).map((n) => ({ _tag: "Account" as const, id: `a${n}` }))
)
const uniqueGrants = (level: fc.Arbitrary<AccessLevel.AccessLevel>) =>
  fc.uniqueArray(fc.record({ grantee: granteeArb, level }), {
    selector: (g) => JSON.stringify(g.grantee),
    maxLength: 30
  })

const resource = { provider: "memory", kind: "doc", id: "d1" }
const caps = Capabilities.make({
  provider: "memory",
  granteeKinds: ["User", "Group", "Account"],
  levels: grantable,
  readOnlyLevels: ["owner"]
})

const toShares = (grants: ReadonlyArray<Share.Grant>): ReadonlyArray<Share.Share> =>
  grants.map((g, i) => ({
    id: `s${i}`,
    resource,
    grantee: g.grantee,
    level: g.level,
    status: ShareStatus.active,
    inherited: false
  }))

/** A pure model of a provider: applies operations to a list of shares. */
const applyModel = (current: ReadonlyArray<Share.Share>, ops: ReadonlyArray<Planner.Operation>) => {
  const state = new Map(current.map((s) => [s.id, { grantee: s.grantee, level: s.level }]))
  let n = 0
  for (const op of ops) {
    if (op._tag === "Revoke") {
      assert.isTrue(state.delete(op.shareId), `revoke of unknown ${op.shareId}`)
    } else if (op._tag === "Update") {
      const s = state.get(op.shareId)
      assert.isDefined(s)
      state.set(op.shareId, { grantee: s!.grantee, level: op.level })
    } else {
      state.set(`new${n++}`, { grantee: op.grantee, level: op.level })
    }
  }
  return [...state.values()]
}
const canonical = (grants: ReadonlyArray<{ grantee: Grantee.Grantee; level: string }>) =>
  grants.map((g) => `${JSON.stringify(g.grantee)}=${g.level}`).sort()

describe("planner properties", () => {
  it("applying plan(current, desired) to current yields desired", () =>
    fc.assert(
      fc.property(uniqueGrants(grantableArb), uniqueGrants(grantableArb), (currentGrants, desired) => {
        const current = toShares(currentGrants)
        const plan = Result.getOrThrow(Planner.plan(current, desired, caps))
        assert.deepStrictEqual(canonical(applyModel(current, plan.operations)), canonical(desired))
        // minimal: every operation is needed, and unchanged shares are exactly the equal ones
        const unchangedExpected = desired.filter((d) =>
          currentGrants.some((c) => JSON.stringify(c.grantee) === JSON.stringify(d.grantee) && c.level === d.level)
        ).length
        assert.strictEqual(plan.unchanged.length, unchangedExpected)
        assert.strictEqual(
          plan.operations.length + plan.unchanged.length,
          desired.length +
            currentGrants.length -
            unchangedExpected -
            desired.filter((d) =>
              currentGrants.some((c) => JSON.stringify(c.grantee) === JSON.stringify(d.grantee) && c.level !== d.level)
            ).length
        )
      }),
      { numRuns: 300 }
    ))

  it("a second plan after applying the first is empty", () =>
    fc.assert(
      fc.property(uniqueGrants(grantableArb), uniqueGrants(grantableArb), (currentGrants, desired) => {
        const current = toShares(currentGrants)
        const first = Result.getOrThrow(Planner.plan(current, desired, caps))
        const after = toShares(applyModel(current, first.operations))
        assert.strictEqual(Result.getOrThrow(Planner.plan(after, desired, caps)).operations.length, 0)
      }),
      { numRuns: 200 }
    ))

  it.effect("sync on the memory provider reaches the desired state", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          uniqueGrants(grantableArb),
          uniqueGrants(grantableArb),
          fc.boolean(),
          async (currentGrants, desired, replace) => {
            const memory = MemoryProvider.make()
            memory.control.addResource(
              resource,
              toShares(currentGrants).map(({ resource: _, ...s }) => s)
            )
            const result = await Effect.runPromise(
              Sync.sync(memory, resource, desired, { strategy: replace ? "replace" : "operations" })
            )
            assert.isTrue(result.verified)
            const live = memory.control.snapshot(resource).filter((s) => ShareStatus.isLive(s.status))
            assert.deepStrictEqual(canonical(live), canonical(desired))
          }
        ),
        { numRuns: 100 }
      )
    )
  )
})

describe("translation properties", () => {
  const subsetArb = fc.subarray([...AccessLevel.ladder], { minLength: 1 })

  it("round-down never raises a level", () =>
    fc.assert(
      fc.property(levelArb, subsetArb, (level, available) => {
        const r = Translation.translateLevel(level, available, "round-down")
        if (Result.isSuccess(r)) {
          assert.isTrue(AccessLevel.isAtLeast(level, r.success.value))
          assert.include(available, r.success.value)
          assert.notStrictEqual(r.success.fidelity, "widened")
        } else {
          assert.isTrue(available.every((a) => AccessLevel.isAbove(a, level)))
        }
      }),
      { numRuns: 500 }
    ))

  it("translation never widens access silently", () =>
    fc.assert(
      fc.property(
        levelArb,
        subsetArb,
        fc.constantFrom("fail", "round-down", "round-up") as fc.Arbitrary<Translation.LossyPolicy>,
        (level, available, policy) => {
          const r = Translation.translateLevel(level, available, policy)
          if (Result.isFailure(r)) return
          const { value, fidelity, warnings } = r.success
          if (AccessLevel.isAbove(value, level)) {
            assert.strictEqual(policy, "round-up")
            assert.strictEqual(fidelity, "widened")
            assert.isTrue(warnings.some((w) => w._tag === "Lossy" && w.direction === "widened"))
          }
          if (value === level) assert.strictEqual(fidelity, "exact")
          else assert.isAbove(warnings.length, 0)
          if (policy === "fail") assert.strictEqual(value, level)
        }
      ),
      { numRuns: 500 }
    ))
})
