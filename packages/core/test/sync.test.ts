import { assert, describe, it } from "@effect/vitest"
import { Errors, Grantee, MemoryProvider, ShareStatus, type SharingProvider, Sync } from "@unishare/core"
import { Effect, Stream } from "effect"

const doc = { provider: "memory", kind: "doc", id: "d1" }
const desired = [
  { grantee: Grantee.group("a"), level: "viewer" as const },
  { grantee: Grantee.group("b"), level: "editor" as const }
]

describe("sync", () => {
  it.effect("uses the native replace when the provider has one, and verifies by read-back", () =>
    Effect.gen(function* () {
      const memory = MemoryProvider.make({ resources: [doc] })
      const result = yield* Sync.sync(memory, doc, desired)
      assert.strictEqual(result.strategy, "replace")
      assert.isTrue(result.verified)
      assert.strictEqual(memory.control.writes(), 1)
      const again = yield* Sync.sync(memory, doc, desired)
      assert.strictEqual(again.strategy, "none")
      assert.strictEqual(memory.control.writes(), 1)
    })
  )

  it.effect("restarts when another writer changes the resource after our write", () =>
    Effect.gen(function* () {
      const memory = MemoryProvider.make({ resources: [doc] })
      let interfered = false
      const racy: SharingProvider.Shape = {
        ...memory,
        // another writer gets in between our write and the read-back that replace returns
        replace: (r, d, o) =>
          memory.replace!(r, d, o).pipe(
            Effect.tap(() =>
              Effect.sync(() => {
                if (interfered) return
                interfered = true
                memory.control.addResource(doc, [
                  ...memory.control.snapshot(doc),
                  { grantee: Grantee.group("intruder"), level: "admin", status: ShareStatus.active, inherited: false }
                ])
              })
            ),
            Effect.flatMap(() => Stream.runCollect(memory.list(r)))
          )
      }
      const result = yield* Sync.sync(racy, doc, desired)
      assert.isTrue(result.verified)
      assert.strictEqual(result.attempts, 2)
      assert.notInclude(
        memory.control
          .snapshot(doc)
          .filter((s) => ShareStatus.isLive(s.status))
          .map((s) => s.grantee._tag === "Group" && s.grantee.id),
        "intruder"
      )
    })
  )

  it.effect("restarts on Conflict from an operation, then gives up after the retries", () =>
    Effect.gen(function* () {
      const memory = MemoryProvider.make({ resources: [doc], capabilities: { nativeReplace: false } })
      let conflicts = 0
      const contended = (times: number): SharingProvider.Shape => ({
        ...memory,
        grant: (r, req) =>
          conflicts++ < times
            ? Effect.fail(new Errors.Conflict({ provider: "memory", operation: "grant", message: "changed under us" }))
            : memory.grant(r, req)
      })
      const ok = yield* Sync.sync(contended(2), doc, desired)
      assert.isTrue(ok.verified)
      assert.strictEqual(ok.attempts, 2) // both grants of the first attempt conflicted
      conflicts = 0
      const error = yield* Effect.flip(
        Sync.sync(contended(100), { ...doc, id: "d1" }, [{ grantee: Grantee.group("c"), level: "viewer" }], {
          conflictRetries: 2
        })
      )
      assert.strictEqual(error._tag, "Conflict")
    })
  )

  it.effect("a dry run plans without writing", () =>
    Effect.gen(function* () {
      const memory = MemoryProvider.make({ resources: [doc] })
      const result = yield* Sync.sync(memory, doc, desired, { dryRun: true })
      assert.strictEqual(result.strategy, "dry-run")
      assert.strictEqual(result.plan.operations.length, 2)
      assert.strictEqual(memory.control.writes(), 0)
    })
  )
})
