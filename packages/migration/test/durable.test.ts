/**
 * The durable apply's run store, in process on a memory target: progress is bound to the plan's
 * digest (a store shared by several plans never lets one plan's progress skip another's units),
 * and a dry run reads the store without changing it (no table is created).
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Grantee, MemoryProvider, ShareStatus } from "@unishare/core"
import { DurableApply, IdentityMap, Migration, ResourceMap, Snapshot, SqliteClient } from "@unishare/migration"
import { Effect, Schema } from "effect"
import { SqlClient } from "effect/sql"

const sheet = (id: string) => ({ provider: "source", kind: "sheet", id })
const list = (id: string) => ({ provider: "target", kind: "list", id })

const setup = Effect.gen(function* () {
  const source = MemoryProvider.make({ name: "source" })
  for (const id of ["1", "2", "3"]) {
    source.control.addResource(sheet(id), [
      {
        grantee: Grantee.user({ email: "ada@example.com" }),
        level: "viewer",
        status: ShareStatus.active,
        inherited: false
      }
    ])
  }
  const snapshot = yield* Snapshot.exportSnapshot(source)
  const targetOf = () => MemoryProvider.make({ name: "target", resources: ["1", "2", "3"].map((id) => list(id)) })
  const planFor = (target: ReturnType<typeof targetOf>) =>
    Migration.plan({
      snapshot,
      target,
      identities: IdentityMap.empty,
      resources: ResourceMap.fromEntries(["1", "2", "3"].map((id) => ({ source: sheet(id), target: list(id) })))
    })
  return { targetOf, planFor }
})

const tempStore = () => Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-durable-")), "plan.run.db")

describe("DurableApply run store", () => {
  it.live("progress is bound to the plan's digest: another plan's units in the same store are not skipped", () =>
    Effect.gen(function* () {
      const { targetOf, planFor } = yield* setup
      const store = tempStore()
      const first = targetOf()
      const planA = yield* planFor(first)
      const a = yield* DurableApply.apply(planA, first).pipe(
        Effect.provide(DurableApply.layerEmbedded({ filename: store }, first))
      )
      assert.strictEqual(a.applied, 3)
      assert.strictEqual(first.control.writes(), 3)
      // a second plan with the very same unit keys (planned again, for a fresh target) in the same store
      const second = targetOf()
      const planB = yield* planFor(second)
      assert.notStrictEqual(planB.digest, planA.digest)
      assert.deepStrictEqual(
        planB.items.flatMap((i) => Migration.unitsOf(i, second).map((u) => u.key)),
        planA.items.flatMap((i) => Migration.unitsOf(i, first).map((u) => u.key))
      )
      const b = yield* DurableApply.apply(planB, second).pipe(
        Effect.provide(DurableApply.layerEmbedded({ filename: store }, second))
      )
      assert.strictEqual(b.applied, 3)
      assert.strictEqual(b.alreadyApplied, 0)
      assert.strictEqual(second.control.writes(), 3)
      // and each plan's status and audit log show only its own units
      const [statusA, auditB] = yield* Effect.all([DurableApply.status(planA), DurableApply.audit(planB)]).pipe(
        Effect.provide(SqliteClient.layer({ filename: store }))
      )
      assert.strictEqual(statusA.units, 3)
      assert.strictEqual(statusA.applied, 3)
      assert.strictEqual(auditB.length, 3)
      assert.isTrue(auditB.every((e) => e.outcome === "applied" && e.generation === 0 && e.operations === 1))
      // the store keeps each plan once: its shell in the plans row, its items compressed in chunks
      const stored = yield* Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const plans = yield* sql<{
          readonly plan: string
        }>`SELECT plan FROM unishare_plans WHERE digest = ${planA.digest}`
        const chunks = yield* sql<{
          readonly items: string
        }>`SELECT items FROM unishare_chunks WHERE digest = ${planA.digest} ORDER BY chunk`
        return { plan: plans[0]!.plan, chunks: chunks.map((c) => c.items) }
      }).pipe(Effect.provide(SqliteClient.layer({ filename: store })))
      assert.isTrue(stored.plan.startsWith("chunks1:"))
      assert.strictEqual(stored.chunks.length, 1)
      assert.isTrue(stored.chunks[0]!.startsWith("zs1:"))
      // a chunk holds the items as they are: an item's encoded form is the item itself
      for (const item of planA.items) assert.deepStrictEqual(Schema.encodeSync(Migration.Item)(item), item)
    })
  )

  it.live("a dry run reads the store without changing it, and counts what an earlier run applied", () =>
    Effect.gen(function* () {
      const { targetOf, planFor } = yield* setup
      const store = tempStore()
      const target = targetOf()
      const plan = yield* planFor(target)
      const tablesIn = SqlClient.SqlClient.pipe(
        Effect.flatMap((sql) => sql<{ readonly name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`),
        Effect.map((rows) => rows.map((r) => r.name).sort())
      )
      // a store no apply has used: every unit would be written; no table is created
      const [dry, tables] = yield* Effect.all([DurableApply.dryRun(plan, target), tablesIn]).pipe(
        Effect.provide(SqliteClient.layer({ filename: store }))
      )
      assert.strictEqual(dry.units.filter((u) => u.outcome === "dry-run").length, 3)
      assert.deepStrictEqual(tables, [])
      assert.strictEqual(target.control.writes(), 0)
      yield* DurableApply.apply(plan, target).pipe(
        Effect.provide(DurableApply.layerEmbedded({ filename: store }, target))
      )
      const size = Fs.statSync(store).size
      const again = yield* DurableApply.dryRun(plan, target).pipe(
        Effect.provide(SqliteClient.layer({ filename: store }))
      )
      assert.strictEqual(again.alreadyApplied, 3)
      assert.strictEqual(again.units.filter((u) => u.outcome === "dry-run").length, 0)
      assert.strictEqual(target.control.writes(), 3)
      assert.strictEqual(Fs.statSync(store).size, size)
    })
  )

  it.live("a store an earlier version made (its units table without the later columns) is brought up to date", () =>
    Effect.gen(function* () {
      const { targetOf, planFor } = yield* setup
      const store = tempStore()
      yield* SqlClient.SqlClient.pipe(
        Effect.flatMap((sql) =>
          sql.unsafe(
            "CREATE TABLE unishare_units (digest TEXT NOT NULL, resource TEXT NOT NULL, unit TEXT NOT NULL, outcome TEXT NOT NULL, message TEXT, process TEXT, PRIMARY KEY (digest, resource, unit))"
          )
        ),
        Effect.provide(SqliteClient.layer({ filename: store }))
      )
      const target = targetOf()
      const plan = yield* planFor(target)
      const report = yield* DurableApply.apply(plan, target).pipe(
        Effect.provide(DurableApply.layerEmbedded({ filename: store }, target))
      )
      assert.strictEqual(report.applied, 3)
      const status = yield* DurableApply.status(plan).pipe(Effect.provide(SqliteClient.layer({ filename: store })))
      assert.isTrue(status.complete)
    })
  )
})
