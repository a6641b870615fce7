import { assert, describe, expect, it } from "@effect/vitest"
import { Errors, Grantee, MemoryProvider, ShareStatus, type SharingProvider } from "@unishare/core"
import { IdentityMap, Migration, Report, ResourceMap, Snapshot } from "@unishare/migration"
import { Effect, Option, Schema } from "effect"

const sheet = (id: string) => ({ provider: "source", kind: "sheet", id })
const list = (id: string) => ({ provider: "target", kind: "list", id })

const makeSource = () => {
  const source = MemoryProvider.make({ name: "source" })
  const active = ShareStatus.active
  source.control.addResource(sheet("1"), [
    { grantee: Grantee.user({ email: "ada@example.com" }), level: "editor", status: active, inherited: false },
    { grantee: Grantee.user({ email: "ghost@example.com" }), level: "viewer", status: active, inherited: false },
    { grantee: Grantee.group("g-finance"), level: "viewer", status: active, inherited: false },
    { grantee: Grantee.user({ email: "bob@example.com" }), level: "viewer", status: active, inherited: true }
  ])
  source.control.addResource(sheet("2"), [
    { grantee: Grantee.user({ email: "ada@example.com" }), level: "viewer", status: active, inherited: false }
  ])
  return source
}

/** A target like EnergyCAP: users, groups, everyone; one level; native replace; resolves known emails only. */
const makeTarget = () => {
  const known = new Map([
    ["ada@example.com", "1001"],
    ["it@example.com", "1999"]
  ])
  const memory = MemoryProvider.make({
    name: "target",
    resources: [list("42"), list("43")],
    capabilities: {
      granteeKinds: ["User", "Group", "Everyone"],
      levels: ["viewer"],
      readOnlyLevels: [],
      everyoneExclusive: true,
      updateLevel: false
    }
  })
  const target: SharingProvider.Shape & { control: MemoryProvider.Control } = {
    ...memory,
    resolveGrantee: (g) =>
      Effect.succeed(
        g._tag === "User" && g.email !== undefined
          ? Option.map(Option.fromNullishOr(known.get(g.email)), (id) => Grantee.user({ id, email: g.email! }))
          : Option.some(g)
      )
  }
  return target
}

const identities = IdentityMap.fromEntries([{ source: Grantee.group("g-finance"), target: Grantee.group("77") }])
const resources = ResourceMap.fromEntries([
  { source: sheet("1"), target: list("42") },
  { source: sheet("2"), target: list("43") }
])

describe("migration engine", () => {
  it.effect("export → plan reports fidelity, unresolved identities and inherited shares", () =>
    Effect.gen(function* () {
      const snapshot = yield* Snapshot.exportSnapshot(makeSource())
      assert.strictEqual(snapshot.resources.length, 2)
      const roundTrip = yield* Snapshot.parse(JSON.stringify(snapshot))
      assert.deepStrictEqual(roundTrip, snapshot)
      const target = makeTarget()
      const plan = yield* Migration.plan({ snapshot, target, identities, resources })
      const item = plan.items.find((i) => i.target.id === "42")!
      const outcome = (email: string) =>
        item.entries.find((e) => e.source._tag === "User" && e.source.email === email)?.outcome
      assert.strictEqual(outcome("ada@example.com"), "narrowed")
      assert.strictEqual(outcome("ghost@example.com"), "unresolved")
      assert.strictEqual(outcome("bob@example.com"), "skipped")
      assert.deepStrictEqual(
        item.desired.map((d) => d.grantee).sort((a, b) => a._tag.localeCompare(b._tag)),
        [Grantee.group("77"), Grantee.user({ id: "1001", email: "ada@example.com" })]
      )
      assert.strictEqual(plan.summary.unresolved, 1)
      assert.include(Report.renderPlan(plan), "ghost@example.com")
      assert.strictEqual(target.control.writes(), 0)
      // the plan file round-trips through its schema
      const encoded = Schema.encodeSync(Schema.fromJsonString(Migration.MigrationPlan))(plan)
      assert.deepStrictEqual(Schema.decodeUnknownSync(Schema.fromJsonString(Migration.MigrationPlan))(encoded), plan)
    })
  )

  it.effect("with a fallback, unresolved identities go to the fallback and say so", () =>
    Effect.gen(function* () {
      const snapshot = yield* Snapshot.exportSnapshot(makeSource())
      const plan = yield* Migration.plan({
        snapshot,
        target: makeTarget(),
        identities,
        resources,
        options: { fallback: Grantee.user({ id: "1999", email: "it@example.com" }) }
      })
      const ghost = plan.items[0]!.entries.find(
        (e) => e.source._tag === "User" && e.source.email === "ghost@example.com"
      )!
      assert.strictEqual(ghost.via, "fallback")
      assert.deepStrictEqual(ghost.target, Grantee.user({ id: "1999", email: "it@example.com" }))
      assert.include(ghost.note ?? "", "fallback")
      assert.strictEqual(plan.summary.unresolved, 0)
      assert.strictEqual(plan.summary.fallback, 1)
      // the text summary does not read "unresolved 0" alone: the fallback shares are named unresolved
      assert.include(Report.renderPlan(plan), "1 more unresolved, given to the fallback")
    })
  )

  it.effect("apply twice: the second run issues zero writes; verify passes", () =>
    Effect.gen(function* () {
      const snapshot = yield* Snapshot.exportSnapshot(makeSource())
      const target = makeTarget()
      const plan = yield* Migration.plan({ snapshot, target, identities, resources })
      const applied = Migration.appliedInMemory()
      const first = yield* Migration.apply(plan, target, { applied })
      assert.strictEqual(first.applied, 2)
      const writes = target.control.writes()
      const second = yield* Migration.apply(plan, target, { applied })
      assert.strictEqual(second.applied, 0)
      assert.strictEqual(second.alreadyApplied, 2)
      assert.strictEqual(target.control.writes(), writes)
      assert.isTrue((yield* Migration.verify(plan, target)).ok)
      // and planning again against the new state finds nothing to do
      const again = yield* Migration.plan({ snapshot, target, identities, resources })
      assert.strictEqual(again.summary.operations, 0)
    })
  )

  it.effect("an interrupted apply resumes from its applied view without repeating applied units", () =>
    Effect.gen(function* () {
      const snapshot = yield* Snapshot.exportSnapshot(makeSource())
      const memory = makeTarget()
      let calls = 0
      const flaky: SharingProvider.Shape = {
        ...memory,
        capabilities: { ...memory.capabilities, nativeReplace: false },
        replace: undefined as never
      }
      const failing: SharingProvider.Shape = {
        ...flaky,
        grant: (r, req) =>
          ++calls === 2
            ? Effect.fail(
                new Errors.Unavailable({
                  provider: "target",
                  operation: "grant",
                  message: "injected",
                  maybeApplied: false
                })
              )
            : memory.grant(r, req)
      }
      const plan = yield* Migration.plan({ snapshot, target: flaky, identities, resources })
      const applied = Migration.appliedInMemory()
      const first = yield* Migration.apply(plan, failing, { applied, concurrency: 1 })
      assert.strictEqual(first.failed, 1)
      // an unreachable provider stops the run: the units after it are not run
      assert.strictEqual(first.stopped?._tag, "Unavailable")
      assert.isAbove(first.notRun, 0)
      assert.strictEqual(first.applied + first.failed + first.notRun, first.units.length)
      const writesAfterFirst = memory.control.writes()
      const second = yield* Migration.apply(plan, failing, { applied, concurrency: 1 })
      assert.strictEqual(second.failed, 0)
      assert.strictEqual(second.alreadyApplied, first.applied)
      assert.strictEqual(second.applied, first.failed + first.notRun)
      assert.strictEqual(memory.control.writes(), writesAfterFirst + second.applied)
      assert.isTrue((yield* Migration.verify(plan, memory)).ok)
    })
  )

  it.effect("a dry run writes nothing", () =>
    Effect.gen(function* () {
      const snapshot = yield* Snapshot.exportSnapshot(makeSource())
      const target = makeTarget()
      const plan = yield* Migration.plan({ snapshot, target, identities, resources })
      const report = yield* Migration.apply(plan, target, { dryRun: true })
      assert.strictEqual(report.units.length, 2)
      assert.strictEqual(target.control.writes(), 0)
      assert.isFalse((yield* Migration.verify(plan, target)).ok)
    })
  )

  it.effect("identity files: CSV and JSON, with errors naming the line", () =>
    Effect.gen(function* () {
      const map = yield* IdentityMap.parseCsv("source,target\n# comment\ngroup:42,group:7\nuser:a@x.io,user:1001\n")
      assert.deepStrictEqual(map.lookup(Grantee.group("42")), Grantee.group("7"))
      assert.deepStrictEqual(map.lookup(Grantee.user({ email: "A@X.io" })), Grantee.user({ id: "1001" }))
      const bad = yield* Effect.flip(IdentityMap.parseCsv("source,target\nteam:1,group:7\n"))
      assert.strictEqual(bad.issues[0]?.path, "identities:2.source")
      const json = yield* IdentityMap.parseJsonText(
        JSON.stringify([{ source: Grantee.group("1"), target: Grantee.group("2") }])
      )
      assert.deepStrictEqual(json.lookup(Grantee.group("1")), Grantee.group("2"))
    })
  )

  it.effect("merge mode keeps an Everyone already on an exclusive target; mirror mode replaces it", () =>
    Effect.gen(function* () {
      const snapshot = yield* Snapshot.exportSnapshot(makeSource())
      const target = makeTarget()
      yield* target.grant(list("42"), { grantee: Grantee.everyone, level: "viewer", allowEveryone: true })
      const merged = yield* Migration.plan({ snapshot, target, identities, resources })
      const item = merged.items.find((i) => i.target.id === "42")!
      assert.deepStrictEqual(
        item.desired.map((d) => d.grantee._tag),
        ["Everyone"]
      )
      assert.strictEqual(item.plan.operations.length, 0)
      assert.isTrue(item.entries.some((e) => e.outcome === "skipped" && (e.note ?? "").includes("covered by Everyone")))
      const mirrored = yield* Migration.plan({ snapshot, target, identities, resources, options: { mode: "mirror" } })
      const ops = mirrored.items
        .find((i) => i.target.id === "42")!
        .plan.operations.map((o) => `${o._tag}:${o.grantee._tag}`)
      assert.include(ops, "Revoke:Everyone")
    })
  )

  it.effect("between two accounts of the same provider, principals map to themselves", () =>
    Effect.gen(function* () {
      const a = MemoryProvider.make({ name: "cloud" })
      a.control.addResource({ provider: "cloud", kind: "share", id: "s1" }, [
        { grantee: Grantee.account("acct-9"), level: "viewer", status: ShareStatus.active, inherited: false }
      ])
      const b = MemoryProvider.make({ name: "cloud", resources: [{ provider: "cloud", kind: "share", id: "s2" }] })
      const snapshot = yield* Snapshot.exportSnapshot(a)
      const plan = yield* Migration.plan({
        snapshot,
        target: b,
        identities: IdentityMap.empty,
        resources: ResourceMap.fromEntries([
          {
            source: { provider: "cloud", kind: "share", id: "s1" },
            target: { provider: "cloud", kind: "share", id: "s2" }
          }
        ])
      })
      assert.strictEqual(plan.summary.exact, 1)
      assert.deepStrictEqual(plan.items[0]?.desired, [{ grantee: Grantee.account("acct-9"), level: "viewer" }])
      // two plannings of the same thing are two plans: a run store never carries one's progress over
      const again = yield* Migration.plan({
        snapshot,
        target: b,
        identities: IdentityMap.empty,
        resources: ResourceMap.fromEntries([
          {
            source: { provider: "cloud", kind: "share", id: "s1" },
            target: { provider: "cloud", kind: "share", id: "s2" }
          }
        ])
      })
      assert.notStrictEqual(again.id, plan.id)
    })
  )
})

describe("Report tables", () => {
  it("escape control characters before measuring (columns stay aligned) and cut notes at a word boundary", () => {
    const text = Report.table(
      ["source", "note"],
      [
        ["list \u001b[2J", "unresolved (no identity map entry); the fallback group gets viewer"],
        ["list 2", "exact"]
      ],
      { maxWidth: 40 }
    )
    const [header, , first, second] = text.split("\n")
    expect(first).toContain("list \\x1b[2J")
    expect(first).not.toContain("\u001b")
    // aligned: the note column starts at the same place in every row
    expect(first?.indexOf("unresolved")).toBe(header?.indexOf("note"))
    expect(second?.indexOf("exact")).toBe(header?.indexOf("note"))
    // cut at the end, on a word
    expect(first).toMatch(/unresolved \(no identity map…$|unresolved \(no identity…$|unresolved \(no…$/)
    expect(Report.shortenEnd("unresolved (no identity map entry); fallback group gets viewer", 30)).toBe(
      "unresolved (no identity map…"
    )
  })
})
