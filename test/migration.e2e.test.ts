/**
 * End to end across simulators: Smartsheet sharing → EnergyCAP lists.
 * export → plan → apply → verify; then a durable apply interrupted halfway by injected faults is
 * re-run on the same run store: the final state equals the plan and no unit is applied twice.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Grantee } from "@unishare/core"
import * as Eci from "@unishare/eci"
import * as EciSimulator from "@unishare/eci/simulator"
import { DurableApply, IdentityMap, Migration, ResourceMap, Snapshot, SqliteClient } from "@unishare/migration"
import * as Smartsheet from "@unishare/smartsheet"
import * as SmartsheetSimulator from "@unishare/smartsheet/simulator"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"

const SHEETS = 12
const token = "e2e-smartsheet-token"
const apiKey = "ZTJl.a2V5.c2VjcmV0"
const emails = Array.from({ length: 30 }, (_, i) => `person${i}@corp.example`)
const levels = ["VIEWER", "COMMENTER", "EDITOR", "EDITOR_SHARE", "ADMIN"] as const

const smartsheetSeed: SmartsheetSimulator.Seed = {
  users: [
    { id: "900", email: "owner@corp.example" },
    ...emails.map((email, i) => ({ id: String(1000 + i), email })),
    { id: "999", email: "contractor@elsewhere.example" }
  ],
  groups: [
    { id: "501", name: "Finance", members: emails.slice(0, 5) },
    { id: "502", name: "Facilities", members: emails.slice(5, 10) }
  ],
  tokens: [{ token, user: "owner@corp.example" }],
  assets: [
    { type: "workspace", id: "77", name: "Energy", owner: "owner@corp.example" },
    ...Array.from({ length: SHEETS }, (_, i) => ({
      type: "sheet" as const,
      id: String(5000 + i),
      name: `Utility bills ${i}`,
      owner: "owner@corp.example",
      ...(i < 2 ? { workspace: "77" } : {})
    }))
  ],
  shares: [
    { assetType: "workspace", assetId: "77", email: emails[29]!, accessLevel: "VIEWER" },
    ...Array.from({ length: SHEETS }, (_, i) => [
      { assetType: "sheet" as const, assetId: String(5000 + i), email: emails[i]!, accessLevel: levels[i % 5]! },
      {
        assetType: "sheet" as const,
        assetId: String(5000 + i),
        email: emails[i + 12]!,
        accessLevel: "VIEWER" as const
      },
      {
        assetType: "sheet" as const,
        assetId: String(5000 + i),
        groupId: i % 2 === 0 ? "501" : "502",
        accessLevel: "EDITOR" as const
      }
    ]).flat(),
    { assetType: "sheet", assetId: "5003", email: "contractor@elsewhere.example", accessLevel: "VIEWER" }
  ]
}

const eciSeed: EciSimulator.Seed = {
  users: [
    { userId: 1, userCode: "admin", email: "admin@corp.example" },
    ...emails.map((email, i) => ({ userId: 100 + i, userCode: `p${i}`, email })),
    { userId: 99, userCode: "it", email: "it@corp.example" }
  ],
  groups: [
    { userGroupId: 10, userGroupName: "Finance" },
    { userGroupId: 11, userGroupName: "Facilities" }
  ],
  lists: Array.from({ length: SHEETS }, (_, i) => ({ listId: 2000 + i, name: `Utility bills ${i}`, creatorId: 1 })),
  apiKeys: [{ key: apiKey, userId: 1, permissions: EciSimulator.allPermissions }]
}

const identities = IdentityMap.fromEntries([
  { source: Grantee.group("501"), target: Grantee.group("10") },
  { source: Grantee.group("502"), target: Grantee.group("11") }
])
const resources = ResourceMap.fromEntries(
  Array.from({ length: SHEETS }, (_, i) => ({
    source: Smartsheet.asset("sheet", String(5000 + i)),
    target: Eci.list(2000 + i)
  }))
)

const setup = Effect.gen(function* () {
  const source = yield* SmartsheetSimulator.serve({ seed: smartsheetSeed, rateLimit: false })
  const target = yield* EciSimulator.serve({ seed: eciSeed })
  const smartsheet = yield* Smartsheet.make({ token: Redacted.make(token), baseUrl: source.url })
  const eci = yield* Eci.make({
    apiKey: Redacted.make(apiKey),
    baseUrl: target.url,
    retry: { times: 1, baseMillis: 1, maxMillis: 5 }
  })
  const snapshot = yield* Snapshot.exportSnapshot(smartsheet, {
    resources: Array.from({ length: SHEETS }, (_, i) => Smartsheet.asset("sheet", String(5000 + i)))
  })
  return { source, target, smartsheet, eci, snapshot }
})

const writes = (sim: { log: () => ReadonlyArray<{ method: string; status: number | "dropped"; path: string }> }) =>
  sim.log().filter((r) => r.method === "PUT")

describe("migration e2e: Smartsheet → EnergyCAP", () => {
  it.live("export → plan → apply → verify, with fidelity, inheritance and unmapped identities reported", () =>
    Effect.gen(function* () {
      const { target, eci, snapshot } = yield* setup
      assert.strictEqual(snapshot.resources.length, SHEETS)
      const plan = yield* Migration.plan({ snapshot, target: eci, identities, resources })
      assert.strictEqual(plan.problems.length, 0)
      // every source share is accounted for
      const sourceShares = snapshot.resources.reduce((n, r) => n + r.shares.length, 0)
      assert.strictEqual(plan.summary.shares, sourceShares)
      assert.isAbove(plan.summary.narrowed, 0, "levels above viewer narrow to EnergyCAP's single level")
      assert.isAbove(plan.summary.skipped, 0, "workspace-inherited shares are skipped with a note")
      assert.isAbove(plan.summary.unresolved, 0, "the contractor has no EnergyCAP user")
      const contractor = plan.items
        .flatMap((i) => i.entries)
        .find((e) => e.source._tag === "User" && e.source.email === "contractor@elsewhere.example")
      assert.strictEqual(contractor?.outcome, "unresolved")
      assert.strictEqual(writes(target).length, 0, "planning writes nothing")

      const applied = Migration.appliedInMemory()
      const report = yield* Migration.apply(plan, eci, { applied })
      assert.strictEqual(report.failed, 0)
      assert.strictEqual(report.applied, SHEETS)
      assert.strictEqual(writes(target).length, SHEETS, "one full-replace PUT per list")
      const verification = yield* Migration.verify(plan, eci)
      assert.isTrue(verification.ok)
      // the contractor was not applied anywhere
      for (const list of target.lists()) {
        const share = target.share(list.listId)!
        assert.notInclude(share.sharedUserIds, 99)
      }
      // running apply again issues zero writes
      target.clearLog()
      const again = yield* Migration.apply(plan, eci, { applied })
      assert.strictEqual(again.applied, 0)
      assert.strictEqual(writes(target).length, 0)
    }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))
  )

  it.live(
    "a durable apply interrupted halfway resumes from its run store: final state equals the plan, nothing applied twice",
    () =>
      Effect.gen(function* () {
        const { target, eci, snapshot } = yield* setup
        const plan = yield* Migration.plan({
          snapshot,
          target: eci,
          identities,
          resources,
          options: { fallback: Grantee.user({ email: "it@corp.example" }) }
        })
        assert.strictEqual(plan.summary.unresolved, 0)
        // the contractor and the sheet owner (no EnergyCAP account) go to the fallback
        assert.strictEqual(plan.summary.fallback, 1 + SHEETS)
        const file = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-")), "plan.run.db")
        // each run opens the store (a SQLite file) and its engine, and closes them at its end
        const durably = (concurrency: number) =>
          DurableApply.apply(plan, eci, { concurrency }).pipe(
            Effect.provide(DurableApply.layerEmbedded({ filename: file }, eci))
          )
        // the target goes down after 5 writes
        target.inject({ kind: "drop", method: "PUT", after: 5, times: Number.POSITIVE_INFINITY })
        const first = yield* durably(1)
        assert.strictEqual(first.applied, 5)
        // the unreachable target stops the run: one unit fails, the rest are not run
        assert.strictEqual(first.stopped?._tag, "Unavailable")
        assert.strictEqual(first.failed, 1)
        assert.strictEqual(first.notRun, SHEETS - 6)
        assert.isFalse((yield* Migration.verify(plan, eci)).ok)

        // the target is back; the same plan is applied again on the same store
        target.clearFaults()
        const second = yield* durably(2)
        assert.strictEqual(second.alreadyApplied, 5)
        assert.strictEqual(second.applied, SHEETS - 5)
        assert.strictEqual(second.failed, 0)
        const verified = yield* Migration.verify(plan, eci)
        assert.isTrue(verified.ok, JSON.stringify(verified.resources.filter((r) => !r.ok)))

        // every list received exactly one successful PUT across both runs
        const okPuts = writes(target).filter((r) => r.status === 200)
        const perList = new Map<string, number>()
        for (const r of okPuts) perList.set(r.path, (perList.get(r.path) ?? 0) + 1)
        assert.strictEqual(perList.size, SHEETS)
        assert.isTrue(
          [...perList.values()].every((n) => n === 1),
          JSON.stringify([...perList])
        )
        // the store's audit log says the same: the failed write, then each unit applied once
        const log = yield* DurableApply.audit(plan).pipe(Effect.provide(SqliteClient.layer({ filename: file })))
        assert.strictEqual(log.filter((e) => e.outcome === "failed").length, 1)
        const applied = log.filter((e) => e.outcome === "applied").map((e) => e.unit)
        assert.strictEqual(new Set(applied).size, applied.length)
        assert.strictEqual(applied.length, SHEETS)
        // the fallback got access where the contractor had it
        assert.include(target.share(2003)!.sharedUserIds, 99)
      }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))
  )
})
