/**
 * Regression tests: apply honours the plan's options and refuses a hand-edited plan; principals
 * merged onto one target grantee follow onLossy.
 */
import { assert, describe, it } from "@effect/vitest"
import { Grantee, MemoryProvider, ShareStatus } from "@unishare/core"
import { IdentityMap, Migration, Report, ResourceMap, Snapshot } from "@unishare/migration"
import { Effect, Exit, Option } from "effect"

const sheet = (id: string) => ({ provider: "source", kind: "sheet", id })
const list = (id: string) => ({ provider: "target", kind: "list", id })
const active = ShareStatus.active

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit) ? (exit.cause.reasons[0] as { error?: E } | undefined)?.error : undefined

describe("apply honours the plan (issue 9 #7)", () => {
  const setup = () =>
    Effect.gen(function* () {
      const source = MemoryProvider.make({ name: "source" })
      source.control.addResource(sheet("1"), [
        { grantee: Grantee.everyone, level: "viewer", status: active, inherited: false },
        { grantee: Grantee.user({ email: "ada@example.com" }), level: "viewer", status: active, inherited: false }
      ])
      const target = MemoryProvider.make({
        name: "target",
        resources: [list("42")],
        capabilities: { granteeKinds: ["User", "Group", "Everyone"], levels: ["viewer"], readOnlyLevels: [] }
      })
      const snapshot = yield* Snapshot.exportSnapshot(source)
      const plan = yield* Migration.plan({
        snapshot,
        target,
        identities: IdentityMap.empty,
        resources: ResourceMap.fromEntries([{ source: sheet("1"), target: list("42") }]),
        options: { allowEveryone: false }
      })
      return { target, plan }
    })

  it.effect("without allowEveryone the plan does not share with Everyone, and neither does apply", () =>
    Effect.gen(function* () {
      const { target, plan } = yield* setup()
      const everyone = plan.items[0]!.entries.find((e) => e.source._tag === "Everyone")!
      assert.strictEqual(everyone.outcome, "unsupported")
      assert.isFalse(plan.items[0]!.desired.some((g) => g.grantee._tag === "Everyone"))
      assert.strictEqual(Migration.digestOf(plan), plan.digest)
      const report = yield* Migration.apply(plan, target)
      assert.strictEqual(report.failed, 0)
      assert.isFalse(target.control.snapshot(list("42")).some((s) => s.grantee._tag === "Everyone"))
    })
  )

  it.effect("a hand-edited plan is refused with a clear message before any write", () =>
    Effect.gen(function* () {
      const { target, plan } = yield* setup()
      const edited = {
        ...plan,
        items: plan.items.map((item) => ({
          ...item,
          desired: [...item.desired, { grantee: Grantee.everyone, level: "viewer" as const }]
        }))
      }
      const exit = yield* Effect.exit(Migration.apply(edited, target))
      const error = failureOf(exit)
      assert.strictEqual(error?._tag, "InvalidInput")
      assert.include(error?.message ?? "", "changed after it was written")
      assert.strictEqual(target.control.writes(), 0)
    })
  )

  it.effect("even with a recomputed digest, apply does not grant Everyone against the plan's options", () =>
    Effect.gen(function* () {
      const { target, plan } = yield* setup()
      const grant = {
        _tag: "Grant" as const,
        grantee: Grantee.everyone,
        level: "viewer" as const,
        requested: "viewer" as const,
        fidelity: "exact" as const
      }
      const unsigned = {
        ...plan,
        items: plan.items.map((item) => ({
          ...item,
          desired: [{ grantee: Grantee.everyone, level: "viewer" as const }],
          plan: {
            ...item.plan,
            operations: [grant],
            desired: [{ grantee: Grantee.everyone, level: "viewer" as const }]
          }
        }))
      }
      const forged = { ...unsigned, digest: Migration.digestOf(unsigned) }
      const report = yield* Migration.apply(forged, target)
      assert.strictEqual(report.failed, 1)
      assert.strictEqual(report.units[0]!.error?._tag, "Unsupported")
      assert.include(report.units[0]!.error?.message ?? "", "--allow-everyone")
      assert.strictEqual(target.control.writes(), 0)
    })
  )
})

describe("merging principals follows onLossy (issue 9 #8)", () => {
  const run = (onLossy: "fail" | "round-down" | "round-up") =>
    Effect.gen(function* () {
      const source = MemoryProvider.make({ name: "source" })
      source.control.addResource(sheet("1"), [
        { grantee: Grantee.user({ email: "viewer@example.com" }), level: "viewer", status: active, inherited: false },
        { grantee: Grantee.user({ email: "admin@example.com" }), level: "admin", status: active, inherited: false }
      ])
      const target = MemoryProvider.make({ name: "target", resources: [list("42")] })
      const snapshot = yield* Snapshot.exportSnapshot(source)
      const identities = IdentityMap.fromEntries([
        { source: Grantee.user({ email: "viewer@example.com" }), target: Grantee.group("7") },
        { source: Grantee.user({ email: "admin@example.com" }), target: Grantee.group("7") }
      ])
      const plan = yield* Migration.plan({
        snapshot,
        target,
        identities,
        resources: ResourceMap.fromEntries([{ source: sheet("1"), target: list("42") }]),
        options: { onLossy }
      })
      return plan.items[0]!
    })

  it.effect("fail: both shares are unsupported and nothing is granted", () =>
    Effect.gen(function* () {
      const item = yield* run("fail")
      assert.deepStrictEqual(
        item.entries.map((e) => e.outcome),
        ["unsupported", "unsupported"]
      )
      assert.include(item.entries[0]!.note ?? "", "--on-lossy fail")
      assert.deepStrictEqual(item.desired, [])
      assert.deepStrictEqual(item.plan.operations, [])
    })
  )

  it.effect("round-down: the lower level, the admin share narrowed", () =>
    Effect.gen(function* () {
      const item = yield* run("round-down")
      assert.deepStrictEqual(item.desired, [{ grantee: Grantee.group("7"), level: "viewer" }])
      assert.deepStrictEqual(
        item.entries.map((e) => [e.sourceLevel, e.targetLevel, e.outcome]),
        [
          ["viewer", "viewer", "exact"],
          ["admin", "viewer", "narrowed"]
        ]
      )
    })
  )

  it.effect("round-up: the higher level, the viewer share widened with a Lossy note", () =>
    Effect.gen(function* () {
      const item = yield* run("round-up")
      assert.deepStrictEqual(item.desired, [{ grantee: Grantee.group("7"), level: "admin" }])
      const viewer = item.entries.find((e) => e.sourceLevel === "viewer")!
      assert.strictEqual(viewer.outcome, "widened")
      assert.include(viewer.note ?? "", "Lossy")
    })
  )
})

describe("identity files", () => {
  it.effect("a CSV with a bad header reports the header it got, not empty cells", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(IdentityMap.parseCsv("src,tgt\ngroup:1,group:2\n"))
      const error = failureOf(exit)
      assert.strictEqual(error?._tag, "InvalidInput")
      const issues = error?._tag === "InvalidInput" ? error.issues : []
      assert.strictEqual(issues.length, 1)
      assert.include(issues[0]!.message, '"src,tgt"')
      assert.notInclude(issues[0]!.message, 'got ""')
    })
  )

  it.effect("a JSON identity map accepts the kind:value notation next to grantee objects", () =>
    Effect.gen(function* () {
      const map = yield* IdentityMap.parseJsonText(
        '[{"source":"group:42","target":"group:7"},{"source":{"_tag":"User","email":"a@x.io"},"target":"user:1001"}]'
      )
      assert.deepStrictEqual(map.lookup(Grantee.group("42")), Grantee.group("7"))
      assert.deepStrictEqual(map.lookup(Grantee.user({ email: "a@x.io" })), Grantee.user({ id: "1001" }))
      const bad = failureOf(yield* Effect.exit(IdentityMap.parseJsonText('[{"source":"robot:1","target":"group:7"}]')))
      assert.strictEqual(bad?._tag === "InvalidInput" ? bad.issues[0]!.path : "", "identities[0].source")
    })
  )
})

describe("plan text for people", () => {
  it.effect("summary first, long Cloudflare-like ids shortened so every line fits 100 columns; rows with details", () =>
    Effect.gen(function* () {
      const account = "023e105f4ecef8ad9ca31a8372d0c353"
      const source = MemoryProvider.make({ name: "source" })
      // two accounts of one provider: every principal maps to itself (users are unknown there)
      const target = MemoryProvider.make({
        name: "source",
        capabilities: { granteeKinds: ["User", "Group", "Account"], levels: ["viewer"], readOnlyLevels: [] }
      })
      const entries: Array<{
        source: ReturnType<typeof sheet>
        target: { provider: string; kind: string; id: string; parent: string }
      }> = []
      for (let i = 0; i < 40; i++) {
        const id = `${i}`.padStart(32, "a")
        source.control.addResource({ provider: "source", kind: "share", id, parent: account }, [
          { grantee: Grantee.account(`${i}`.padStart(32, "b")), level: "viewer", status: active, inherited: false },
          {
            grantee: Grantee.user({ email: `nobody${i}@example.com` }),
            level: "editor",
            status: active,
            inherited: false
          }
        ])
        const ref = { provider: "source", kind: "share", id: `${i}`.padStart(32, "c"), parent: account }
        target.control.addResource(ref)
        entries.push({ source: { provider: "source", kind: "share", id, parent: account } as never, target: ref })
      }
      const snapshot = yield* Snapshot.exportSnapshot(source)
      const plan = yield* Migration.plan({
        snapshot,
        target: {
          ...target,
          resolveGrantee: (g) => Effect.succeed(g._tag === "User" ? Option.none() : Option.some(g))
        },
        identities: IdentityMap.empty,
        resources: ResourceMap.fromEntries(entries)
      })
      const text = Report.renderPlan(plan)
      for (const line of text.split("\n")) assert.isAtMost(line.length, 100, line)
      assert.isBelow(text.indexOf("Source shares:"), text.indexOf("Writes per target resource"))
      assert.include(text, "Unresolved and unsupported principals:")
      assert.include(text, "… 10 more principal(s)")
      assert.include(text, "… 10 more (all of them are in the plan file)")
      assert.notInclude(text, "Every source share:")
      const details = Report.renderPlan(plan, { details: true })
      assert.include(details, "Every source share:")
      for (const line of details.split("\n")) assert.isAtMost(line.length, 100, line)
    })
  )
})
