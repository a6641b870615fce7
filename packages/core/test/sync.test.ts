import { assert, describe, it } from "@effect/vitest"
import { Apply, Errors, Grantee, MemoryProvider, ShareStatus, type SharingProvider, Sync } from "@unishare/core"
import { Effect, Option, Stream } from "effect"

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

  it.effect("validates the whole desired set before the first write (operations strategy)", () =>
    Effect.gen(function* () {
      const memory = MemoryProvider.make({ resources: [doc], capabilities: { nativeReplace: false } })
      yield* Sync.sync(memory, doc, desired)
      const writes = memory.control.writes()
      const strict: SharingProvider.Shape = {
        ...memory,
        resolveGrantee: (g) =>
          g._tag === "Group" && g.id === "bad"
            ? Effect.fail(Errors.invalid("memory", "resolveGrantee", "grantee.id", "not a memory group id"))
            : Effect.succeed(Option.some(g))
      }
      // the desired set drops "a" (a revocation) and names one invalid group: nothing may be written
      const error = yield* Effect.flip(
        Sync.sync(strict, doc, [desired[1]!, { grantee: Grantee.group("bad"), level: "viewer" }])
      )
      assert.strictEqual(error._tag, "InvalidInput")
      assert.deepStrictEqual(
        (error as Errors.InvalidInput).issues.map((i) => i.path),
        ["desired.1.grantee.id"]
      )
      assert.strictEqual(memory.control.writes(), writes)
      // not an array at all: refused, nothing revoked
      const notArray = yield* Effect.flip(Sync.sync(memory, doc, {} as never))
      assert.strictEqual(notArray._tag, "InvalidInput")
      assert.strictEqual(memory.control.writes(), writes)
    })
  )

  it.effect("writes revocations, downgrades, upgrades, then grants — grants in one grantAll", () =>
    Effect.gen(function* () {
      const memory = MemoryProvider.make({ resources: [doc], capabilities: { nativeReplace: false } })
      yield* Sync.sync(memory, doc, [
        { grantee: Grantee.group("gone"), level: "viewer" },
        { grantee: Grantee.group("down"), level: "admin" },
        { grantee: Grantee.group("up"), level: "viewer" }
      ])
      const calls: Array<string> = []
      const traced: SharingProvider.Shape = {
        ...memory,
        grant: (r, req) => Effect.tap(memory.grant(r, req), () => Effect.sync(() => calls.push("grant"))),
        update: (r, id, level, o) =>
          Effect.tap(memory.update(r, id, level, o), () => Effect.sync(() => calls.push(`update ${level}`))),
        revoke: (r, id) => Effect.tap(memory.revoke(r, id), () => Effect.sync(() => calls.push("revoke"))),
        grantAll: (r, requests) =>
          Effect.tap(
            Effect.forEach(requests, (req) => memory.grant(r, req)),
            () => Effect.sync(() => calls.push(`grantAll ${requests.length}`))
          )
      }
      const result = yield* Sync.sync(traced, doc, [
        { grantee: Grantee.group("new1"), level: "editor" },
        { grantee: Grantee.group("up"), level: "admin" },
        { grantee: Grantee.group("new2"), level: "viewer" },
        { grantee: Grantee.group("down"), level: "viewer" }
      ])
      assert.isTrue(result.verified)
      assert.deepStrictEqual(calls, ["revoke", "update viewer", "update admin", "grantAll 2"])
      assert.deepStrictEqual(
        Apply.writeOrder(result.plan.operations).map((op) => op._tag),
        ["Revoke", "Update", "Update", "Grant", "Grant"]
      )
    })
  )
})
