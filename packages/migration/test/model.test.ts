/**
 * Migrations across the grown model: expiries, provider roles off the ladder, pending invitations,
 * inherited shares with their source, and the population-wide grantees (Everyone, Domain, Anyone).
 * Every source share gets one fidelity entry (no silent drop) and nothing is widened without an
 * explicit option.
 */
import { assert, describe, it } from "@effect/vitest"
import { Grantee, MemoryProvider, type Share, ShareStatus } from "@unishare/core"
import { IdentityMap, Migration, ResourceMap, Snapshot } from "@unishare/migration"
import { Effect, Schema, Stream } from "effect"

const file = (id: string) => ({ provider: "drive-like", kind: "file", id })
const doc = (id: string) => ({ provider: "target", kind: "doc", id })
const until = "2027-06-30T00:00:00Z"
const active = ShareStatus.active

type Seed = Omit<Share.Share, "resource" | "id"> & { readonly id: string }

/** One share of every case: expiry, roles with and without a floor, invitation, inherited, public, domain, tenant. */
const cases: ReadonlyArray<Seed> = [
  {
    id: "expiring",
    grantee: Grantee.user({ email: "ada@x.io" }),
    level: "editor",
    status: active,
    inherited: false,
    expiresAt: until
  },
  { id: "plain", grantee: Grantee.group("g@x.io"), level: "commenter", status: active, inherited: false },
  {
    id: "organizer",
    grantee: Grantee.user({ email: "bob@x.io" }),
    level: "editor",
    status: active,
    inherited: false,
    providerRole: { name: "fileOrganizer", floor: "editor" }
  },
  {
    id: "uploader",
    grantee: Grantee.user({ email: "cy@x.io" }),
    level: "viewer",
    status: active,
    inherited: false,
    providerRole: { name: "uploader" }
  },
  {
    id: "invited",
    grantee: Grantee.user({ email: "dee@x.io" }),
    level: "viewer",
    status: ShareStatus.invited,
    inherited: false
  },
  {
    id: "inherited",
    grantee: Grantee.user({ email: "eve@x.io" }),
    level: "viewer",
    status: active,
    inherited: true,
    inheritedFrom: file("parent")
  },
  { id: "link", grantee: Grantee.anyone(), level: "viewer", status: active, inherited: false },
  { id: "domain", grantee: Grantee.domain("x.io"), level: "viewer", status: active, inherited: false }
]

const source = () => {
  const memory = MemoryProvider.make({
    name: "drive-like",
    capabilities: { granteeKinds: ["User", "Group", "Domain", "Anyone"], expiringGranteeKinds: ["User", "Group"] }
  })
  memory.control.addResource(file("f1"), cases)
  return memory
}

/** A target with domains, the public and expiries, and no provider roles or invitations. */
const rich = () =>
  MemoryProvider.make({
    name: "target",
    resources: [doc("d1")],
    capabilities: {
      granteeKinds: ["User", "Group", "Domain", "Anyone", "Everyone"],
      levels: ["viewer", "commenter", "editor", "admin"],
      readOnlyLevels: ["owner"],
      expiringGranteeKinds: ["User", "Group"]
    }
  })

/** A tenant-only target: users, groups and its Everyone; no expiry. */
const tenant = () =>
  MemoryProvider.make({
    name: "target",
    resources: [doc("d1")],
    capabilities: { granteeKinds: ["User", "Group", "Everyone"], levels: ["viewer", "editor"], readOnlyLevels: [] }
  })

const resources = ResourceMap.fromEntries([{ source: file("f1"), target: doc("d1") }])
const identities = IdentityMap.fromEntries([{ source: Grantee.group("g@x.io"), target: Grantee.group("g@x.io") }])

const planFor = (target: MemoryProvider.MemoryProvider, options: Partial<Migration.PlanOptions> = {}) =>
  Effect.gen(function* () {
    const snapshot = yield* Snapshot.exportSnapshot(source(), { resources: [file("f1")] })
    const plan = yield* Migration.plan({ snapshot, target, identities, resources, options })
    const item = plan.items[0]!
    const outcome = (id: string) => item.entries.find((e) => e.sourceShareId === id)
    return { snapshot, plan, item, outcome }
  })

describe("migrating the grown model", () => {
  it.effect(
    "to a target with expiries, domains and the public: each case exact, narrowed or unsupported, none dropped",
    () =>
      Effect.gen(function* () {
        const target = rich()
        const { snapshot, plan, item, outcome } = yield* planFor(target, { allowEveryone: true, allowAnyone: true })
        assert.strictEqual(snapshot.version, 2, "a snapshot with expiries is version 2")
        assert.strictEqual(item.entries.length, cases.length, "one entry per source share")
        assert.strictEqual(outcome("expiring")?.outcome, "exact")
        assert.strictEqual(outcome("plain")?.outcome, "exact")
        assert.strictEqual(outcome("organizer")?.outcome, "narrowed")
        assert.strictEqual(outcome("organizer")?.targetLevel, "editor")
        assert.strictEqual(outcome("uploader")?.outcome, "unsupported")
        assert.strictEqual(outcome("invited")?.outcome, "unsupported")
        assert.strictEqual(outcome("inherited")?.outcome, "skipped")
        assert.strictEqual(outcome("link")?.outcome, "exact")
        assert.strictEqual(outcome("domain")?.outcome, "exact")
        assert.isFalse(item.entries.some((e) => e.outcome === "widened"))
        assert.strictEqual(plan.version, 2, "a plan whose writes carry an expiry is version 2")

        const result = yield* Migration.apply(plan, target)
        assert.strictEqual(result.failed, 0, JSON.stringify(result))
        const after = yield* Stream.runCollect(target.list(doc("d1")))
        const ada = after.find((s) => s.grantee._tag === "User" && s.grantee.email === "ada@x.io")
        assert.strictEqual(ada?.expiresAt, until)
        assert.isTrue(after.some((s) => s.grantee._tag === "Anyone"))
        assert.isFalse(
          after.some((s) => s.grantee._tag === "Everyone"),
          "the public never becomes the tenant"
        )

        // the plan as its file holds it: desired keeps the expiry, so verify sees no drift
        const file = Schema.decodeUnknownSync(Schema.fromJsonString(Migration.MigrationPlan))(
          Schema.encodeSync(Schema.fromJsonString(Migration.MigrationPlan))(plan)
        )
        assert.strictEqual(file.items[0]!.desired.find((g) => g.expiresAt !== undefined)?.expiresAt, until)
        yield* Migration.checkDigest(file)
        const verified = yield* Migration.verify(file, target)
        assert.isTrue(verified.ok, JSON.stringify(verified.resources))

        const again = yield* planFor(target, { allowEveryone: true, allowAnyone: true })
        assert.strictEqual(again.item.plan.operations.length, 0, "a re-plan after the apply writes nothing")
      })
  )

  it.effect(
    "without the opt-ins the public and the domain are not planned; to a tenant-only target they are unsupported",
    () =>
      Effect.gen(function* () {
        const closed = yield* planFor(rich())
        assert.notInclude(["exact", "narrowed", "widened"], closed.outcome("link")?.outcome)
        assert.notInclude(["exact", "narrowed", "widened"], closed.outcome("domain")?.outcome)
        const t = yield* planFor(tenant(), { allowEveryone: true, allowAnyone: true })
        assert.strictEqual(t.outcome("link")?.outcome, "unsupported")
        assert.strictEqual(t.outcome("domain")?.outcome, "unsupported")
        assert.isFalse(t.item.plan.operations.some((op) => op._tag !== "Revoke" && op.grantee._tag === "Everyone"))
      })
  )

  it.effect('an expiry the target cannot keep is unsupported; under onExpiry "drop" it is widened and says so', () =>
    Effect.gen(function* () {
      const strict = yield* planFor(tenant())
      assert.strictEqual(strict.outcome("expiring")?.outcome, "unsupported")
      assert.include(strict.outcome("expiring")?.note ?? "", "onExpiry")
      const dropped = yield* planFor(tenant(), { onExpiry: "drop" })
      assert.strictEqual(dropped.outcome("expiring")?.outcome, "widened")
      assert.include(dropped.outcome("expiring")?.note ?? "", "dropped")
      assert.strictEqual(dropped.plan.options.onExpiry, "drop")
    })
  )

  it.effect("merge mode keeps a target share's expiry as it is", () =>
    Effect.gen(function* () {
      const target = rich()
      target.control.addResource(doc("d1"), [
        {
          grantee: Grantee.user({ email: "zed@x.io" }),
          level: "viewer",
          status: active,
          inherited: false,
          expiresAt: until
        }
      ])
      const { item } = yield* planFor(target, { allowEveryone: true, allowAnyone: true })
      assert.isFalse(
        item.plan.operations.some((op) => op._tag !== "Grant" && Grantee.describe(op.grantee).includes("zed")),
        JSON.stringify(item.plan.operations)
      )
    })
  )

  it.effect(
    "two source shares with different expiries merged onto one target grantee: the earliest, unless round-up",
    () =>
      Effect.gen(function* () {
        const src = MemoryProvider.make({
          name: "drive-like",
          capabilities: { expiringGranteeKinds: ["User", "Group"] }
        })
        src.control.addResource(file("f1"), [
          { id: "a", grantee: Grantee.group("a"), level: "viewer", status: active, inherited: false, expiresAt: until },
          { id: "b", grantee: Grantee.group("b"), level: "viewer", status: active, inherited: false }
        ])
        const snapshot = yield* Snapshot.exportSnapshot(src, { resources: [file("f1")] })
        const identities = IdentityMap.fromEntries([
          { source: Grantee.group("a"), target: Grantee.group("t") },
          { source: Grantee.group("b"), target: Grantee.group("t") }
        ])
        const down = yield* Migration.plan({ snapshot, target: rich(), identities, resources })
        const grant = down.items[0]!.plan.operations.find((op) => op._tag === "Grant")
        assert.strictEqual(grant?._tag === "Grant" ? grant.expiresAt : "none", until)
        const up = yield* Migration.plan({
          snapshot,
          target: rich(),
          identities,
          resources,
          options: { onLossy: "round-up" }
        })
        const wide = up.items[0]!.plan.operations.find((op) => op._tag === "Grant")
        assert.strictEqual(wide?._tag === "Grant" ? wide.expiresAt : "none", undefined)
      })
  )
})
