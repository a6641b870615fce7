/**
 * A dry run's report stays small past `Migration.dryRunListedUnits` units: the counts are exact,
 * only the first units (in the plan's order) keep their `planned` operations, the rest are counted
 * in `operationsOmitted`, and every failure stays. The durable dry run (store read, items streamed)
 * and the in-memory engine's share the rule; a report of fewer units is what it always was.
 */
import { assert, describe, it } from "@effect/vitest"
import { Grantee, MemoryProvider, Planner, ShareStatus } from "@unishare/core"
import { DurableApply, IdentityMap, Migration, ResourceMap, Snapshot, SqliteClient } from "@unishare/migration"
import { Effect } from "effect"

const sheet = (id: string) => ({ provider: "source", kind: "sheet", id })
const list = (id: string) => ({ provider: "target", kind: "list", id })

/** Ten resources more than a report lists: one replace unit each. */
const RESOURCES = Migration.dryRunListedUnits + 10
const ids = Array.from({ length: RESOURCES }, (_, i) => String(100_000 + i))

const setupOf = (ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const source = MemoryProvider.make({ name: "source" })
    for (const id of ids) {
      source.control.addResource(sheet(id), [
        {
          grantee: Grantee.user({ email: "ada@example.com" }),
          level: "viewer",
          status: ShareStatus.active,
          inherited: false
        },
        {
          grantee: Grantee.user({ email: "bob@example.com" }),
          level: "editor",
          status: ShareStatus.active,
          inherited: false
        }
      ])
    }
    const snapshot = yield* Snapshot.exportSnapshot(source)
    const targetWith = (present: ReadonlyArray<string>) =>
      MemoryProvider.make({ name: "target", resources: present.map((id) => list(id)) })
    const plan = yield* Migration.plan({
      snapshot,
      target: targetWith(ids),
      identities: IdentityMap.empty,
      resources: ResourceMap.fromEntries(ids.map((id) => ({ source: sheet(id), target: list(id) })))
    })
    return { plan, targetWith }
  })
const setup = setupOf(ids)

/** The plan's unit keys in its order. */
const unitKeys = (plan: Migration.MigrationPlan, target: MemoryProvider.MemoryProvider) =>
  plan.items.flatMap((item) => Migration.unitsOf(item, target).map((u) => u.key))

describe("a dry run past Migration.dryRunListedUnits units", () => {
  it.live("durable: exact counts, the first units with their operations, the rest counted, every failure kept", () =>
    Effect.gen(function* () {
      const { plan, targetWith } = yield* setup
      // two targets are gone: one among the first units, one past them — their reads fail
      const gone = [ids[5]!, ids[RESOURCES - 2]!]
      const target = targetWith(ids.filter((id) => !gone.includes(id)))
      const keys = unitKeys(plan, target)
      assert.strictEqual(keys.length, RESOURCES)
      const dry = yield* DurableApply.dryRun(plan, target).pipe(
        Effect.provide(SqliteClient.layer({ filename: ":memory:" }))
      )
      assert.strictEqual(target.control.writes(), 0)
      // every unit is there, in the plan's order, with its outcome and operation count
      assert.deepStrictEqual(
        dry.units.map((u) => u.unit),
        keys
      )
      assert.isTrue(dry.units.every((u) => u.operations === 2))
      const wouldApply = dry.units.filter((u) => u.outcome === "dry-run")
      assert.strictEqual(wouldApply.length, RESOURCES - 2)
      assert.strictEqual(dry.failed, 2)
      assert.strictEqual(dry.applied + dry.alreadyApplied + dry.notRun + dry.writes, 0)
      // the first dryRunListedUnits dry-run units keep their operations, the plan's; the rest none
      const listed = wouldApply.slice(0, Migration.dryRunListedUnits)
      for (const u of listed) {
        const item = plan.items.find((i) => i.target.id === u.resource.id)!
        assert.deepStrictEqual(u.planned, item.plan.operations)
      }
      assert.isTrue(wouldApply.slice(Migration.dryRunListedUnits).every((u) => u.planned === undefined))
      assert.strictEqual(dry.operationsOmitted, RESOURCES - 2 - Migration.dryRunListedUnits)
      // both failures are reported with their errors, wherever they are
      const failed = dry.units.filter((u) => u.outcome === "failed")
      assert.deepStrictEqual(
        failed.map((u) => u.resource.id),
        gone
      )
      assert.isTrue(failed.every((u) => u.error?._tag === "NotFound" && u.planned === undefined))
    })
  )

  it.effect("in memory: the same rule, already-applied units not counted among those listed", () =>
    Effect.gen(function* () {
      const { plan, targetWith } = yield* setup
      const target = targetWith(ids)
      const keys = unitKeys(plan, target)
      const applied = Migration.appliedInMemory()
      for (const unit of keys.slice(0, 4)) yield* applied.record({ unit, outcome: "applied" })
      const dry = yield* Migration.apply(plan, target, { dryRun: true, applied })
      assert.strictEqual(target.control.writes(), 0)
      assert.strictEqual(dry.units.length, RESOURCES)
      assert.strictEqual(dry.alreadyApplied, 4)
      const wouldApply = dry.units.filter((u) => u.outcome === "dry-run")
      assert.strictEqual(wouldApply.length, RESOURCES - 4)
      assert.deepStrictEqual(
        wouldApply.filter((u) => u.planned !== undefined).map((u) => u.unit),
        keys.slice(4, 4 + Migration.dryRunListedUnits)
      )
      assert.strictEqual(dry.operationsOmitted, RESOURCES - 4 - Migration.dryRunListedUnits)
    })
  )

  it.live("a dry run of no more units than that is reported whole, without operationsOmitted", () =>
    Effect.gen(function* () {
      const { plan, targetWith } = yield* setupOf(ids.slice(0, Migration.dryRunListedUnits))
      const target = targetWith(ids)
      const dry = yield* DurableApply.dryRun(plan, target).pipe(
        Effect.provide(SqliteClient.layer({ filename: ":memory:" }))
      )
      assert.strictEqual(dry.units.length, Migration.dryRunListedUnits)
      assert.isTrue(dry.units.every((u) => u.outcome === "dry-run" && u.planned?.length === 2))
      assert.isFalse("operationsOmitted" in dry)
    })
  )

  it("listPlanned and applyReport: counted in the order given, other outcomes untouched, small reports unchanged", () => {
    const ref = list("1")
    const op = Planner.GrantOp.make({
      grantee: Grantee.user({ email: "ada@example.com" }),
      level: "viewer",
      requested: "viewer",
      fidelity: "exact"
    })
    const dryRun = (unit: string): Migration.UnitResult => ({
      unit,
      resource: ref,
      operations: 1,
      outcome: "dry-run",
      planned: [op]
    })
    const failed: Migration.UnitResult = { unit: "f", resource: ref, operations: 1, outcome: "failed" }
    const results = [dryRun("a"), failed, dryRun("b"), dryRun("c")]
    const kept = results.map(Migration.listPlanned(2))
    assert.deepStrictEqual(
      kept.map((u) => u.planned?.length),
      [1, undefined, 1, undefined]
    )
    assert.strictEqual(kept[1], failed)
    assert.deepStrictEqual(kept[3], { unit: "c", resource: ref, operations: 1, outcome: "dry-run" })
    // a report of fewer units than listed is the results as given, without operationsOmitted
    const report = Migration.applyReport({ id: "p" }, true, results, undefined)
    assert.deepStrictEqual(report, {
      planId: "p",
      dryRun: true,
      units: results,
      applied: 0,
      alreadyApplied: 0,
      failed: 1,
      notRun: 0,
      writes: 0
    })
    // past the limit, applyReport strips and counts (results already stripped stay counted)
    const many = Array.from({ length: Migration.dryRunListedUnits + 3 }, (_, i) => dryRun(`u${i}`))
    const big = Migration.applyReport({ id: "p" }, true, many, undefined)
    assert.strictEqual(big.operationsOmitted, 3)
    assert.strictEqual(Migration.applyReport({ id: "p" }, true, big.units, undefined).operationsOmitted, 3)
  })
})
