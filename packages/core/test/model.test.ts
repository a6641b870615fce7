/**
 * The neutral model's population-wide grantees (Everyone, Domain, Anyone), expiries and provider
 * roles off the ladder: what translation keeps, refuses or narrows, and never widens unasked.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  AccessLevel,
  Capabilities,
  Grantee,
  Input,
  MemoryProvider,
  Planner,
  Share,
  ShareStatus,
  Translation
} from "@unishare/core"
import { Effect, Result, Schema } from "effect"
import * as fc from "fast-check"

const resource = { provider: "memory", kind: "doc", id: "d1" }

/** A tenant-wide provider: users, groups and its own Everyone; no expiry, no domain, no public. */
const tenant = Capabilities.make({
  provider: "tenant",
  granteeKinds: ["User", "Group", "Everyone"],
  levels: ["viewer", "editor", "owner"]
})

/** A Drive-like provider: domains, the public, expiries on users and groups, one role off the ladder. */
const drive = Capabilities.make({
  provider: "drive",
  granteeKinds: ["User", "Group", "Domain", "Anyone"],
  levels: ["viewer", "commenter", "editor", "admin", "owner"],
  expiringGranteeKinds: ["User", "Group"],
  providerRoles: [{ name: "fileOrganizer", floor: "editor" }]
})

/** A Box-like provider: roles below viewer, invitations. */
const box = Capabilities.make({
  provider: "box",
  granteeKinds: ["User", "Group", "Everyone"],
  levels: ["viewer", "editor", "admin", "owner"],
  expiringGranteeKinds: ["User", "Group"],
  providerRoles: [{ name: "uploader" }, { name: "previewer" }, { name: "viewer uploader", floor: "viewer" }],
  invitations: true
})

const translate = (caps: Capabilities.Capabilities, grant: unknown, options: Translation.Options = {}) =>
  Translation.translateGrantResult(caps, "doc", grant, options, "grant")

const failure = <A, E>(r: Result.Result<A, E>): E => {
  if (Result.isSuccess(r)) assert.fail(`expected a failure, got ${JSON.stringify(r.success)}`)
  return (r as Result.Failure<A, E>).failure
}

const success = <A, E>(r: Result.Result<A, E>): A => {
  if (Result.isFailure(r)) assert.fail(`expected a success, got ${String(r.failure)}`)
  return (r as Result.Success<A, E>).success
}

describe("population-wide grantees never stand in for one another", () => {
  it("Domain: a DNS name, compared case-insensitively, discoverability part of the grant", () => {
    assert.isTrue(Schema.is(Grantee.Grantee)({ _tag: "Domain", domain: "acme.example" }))
    for (const bad of [
      "",
      "acme",
      "acme..example",
      "-acme.example",
      "acme.example/",
      "ac me.example",
      "acme.example\u202e"
    ]) {
      assert.isFalse(Schema.is(Grantee.Grantee)({ _tag: "Domain", domain: bad }), bad)
    }
    assert.isTrue(Grantee.same(Grantee.domain("ACME.example"), Grantee.domain("acme.example", { discoverable: true })))
    assert.isFalse(Grantee.same(Grantee.domain("acme.example"), Grantee.everyone))
    assert.isFalse(Grantee.same(Grantee.anyone(), Grantee.everyone))
    assert.strictEqual(Grantee.describe(Grantee.anyone()), "anyone with the link")
    assert.strictEqual(Grantee.describe(Grantee.anyone({ discoverable: true })), "anyone (public, discoverable)")
  })

  it("the public (Anyone) needs allowAnyone; allowEveryone does not open it", () => {
    const grant = { grantee: Grantee.anyone(), level: "viewer" }
    assert.strictEqual(failure(translate(drive, grant, { allowEveryone: true }))._tag, "InvalidInput")
    assert.strictEqual(success(translate(drive, grant, { allowAnyone: true })).fidelity, "exact")
  })

  it("a domain needs allowEveryone; allowAnyone does not open it", () => {
    const grant = { grantee: Grantee.domain("acme.example"), level: "viewer" }
    assert.strictEqual(failure(translate(drive, grant, { allowAnyone: true }))._tag, "InvalidInput")
    assert.strictEqual(success(translate(drive, grant, { allowEveryone: true })).fidelity, "exact")
  })

  it("a tenant's Everyone on a provider with only the public and domains: Unsupported, whatever the opt-ins", () => {
    const e = failure(
      translate(drive, { grantee: Grantee.everyone, level: "viewer" }, { allowEveryone: true, allowAnyone: true })
    )
    assert.strictEqual(e._tag, "Unsupported")
  })

  it("the public or a domain on a tenant-only provider: Unsupported, never its Everyone", () => {
    const all = { allowEveryone: true, allowAnyone: true, onLossy: "round-up" as const }
    for (const grantee of [Grantee.anyone(), Grantee.anyone({ discoverable: true }), Grantee.domain("acme.example")]) {
      assert.strictEqual(failure(translate(tenant, { grantee, level: "viewer" }, all))._tag, "Unsupported")
    }
  })
})

describe("expiry", () => {
  const until = "2027-03-01T00:00:00Z"

  it("is kept where the grantee kind can expire", () => {
    const t = success(
      translate(drive, { grantee: Grantee.user({ email: "a@x.io" }), level: "viewer", expiresAt: until })
    )
    assert.strictEqual(t.value.expiresAt, until)
    assert.strictEqual(t.fidelity, "exact")
  })

  it("is refused by default where it cannot be kept: a permanent grant would outlive what was asked", () => {
    const e = failure(translate(tenant, { grantee: Grantee.group("7"), level: "viewer", expiresAt: until }))
    assert.strictEqual(e._tag, "Unsupported")
    assert.include(e.message, "onExpiry")
    const domain = failure(
      translate(
        drive,
        { grantee: Grantee.domain("acme.example"), level: "viewer", expiresAt: until },
        { allowEveryone: true }
      )
    )
    assert.strictEqual(domain._tag, "Unsupported")
  })

  it('under onExpiry: "drop" the grant goes without it, with a Lossy warning (widened in time)', () => {
    const t = success(
      translate(tenant, { grantee: Grantee.group("7"), level: "viewer", expiresAt: until }, { onExpiry: "drop" })
    )
    assert.isUndefined(t.value.expiresAt)
    assert.strictEqual(t.fidelity, "widened")
    const w = t.warnings[0]
    assert.strictEqual(w?._tag, "Lossy")
    if (w?._tag === "Lossy") {
      assert.strictEqual(w.aspect, "expiry")
      assert.strictEqual(w.direction, "widened")
    }
  })

  it("a malformed expiry is InvalidInput naming the field, before any request", () =>
    Effect.gen(function* () {
      const provider = MemoryProvider.make()
      const guarded = Input.guard(provider)
      const e = yield* Effect.flip(
        guarded.grant(resource, { grantee: Grantee.group("7"), level: "viewer", expiresAt: "next tuesday" })
      )
      assert.strictEqual(e._tag, "InvalidInput")
      const u = yield* Effect.flip(guarded.update(resource, "s1", "viewer", { expiresAt: "2027-13-01" }))
      assert.strictEqual(u._tag, "InvalidInput")
    }).pipe(Effect.runPromise))

  it("an update asking an expiry of a provider without expiries is refused, not ignored", () => {
    const e = failure(Translation.translateLevelFor(tenant, "doc", "viewer", { expiresAt: until }, "update"))
    assert.strictEqual(e._tag, "Unsupported")
    const removal = success(Translation.translateUpdate(drive, "doc", "viewer", { expiresAt: null }, "update"))
    assert.strictEqual(removal.value.expiresAt, null)
  })

  it("instants compare by the moment they denote", () => {
    assert.isTrue(Share.sameExpiry("2027-01-31T00:00:00Z", "2027-01-31T01:00:00.000+01:00"))
    assert.isFalse(Share.sameExpiry("2027-01-31T00:00:00Z", undefined))
  })
})

describe("provider roles off the ladder", () => {
  it("a provider with the role grants it exactly", () => {
    const t = success(
      translate(box, { grantee: Grantee.group("7"), level: "viewer", providerRole: { name: "uploader" } })
    )
    assert.deepStrictEqual(t.value.providerRole, { name: "uploader" })
    assert.strictEqual(t.fidelity, "exact")
  })

  it("a provider without it gets the role's floor, narrowed with a warning; a role without a floor is refused", () => {
    const t = success(
      translate(tenant, {
        grantee: Grantee.group("7"),
        level: "viewer",
        providerRole: { name: "viewer uploader", floor: "viewer" }
      })
    )
    assert.strictEqual(t.value.level, "viewer")
    assert.isUndefined(t.value.providerRole)
    assert.strictEqual(t.fidelity, "narrowed")
    assert.strictEqual(t.warnings[0]?._tag === "Lossy" && t.warnings[0].aspect, "role")
    for (const name of ["uploader", "previewer"]) {
      const e = failure(
        translate(
          drive,
          { grantee: Grantee.group("7"), level: "viewer", providerRole: { name } },
          { onLossy: "round-up" }
        )
      )
      assert.strictEqual(e._tag, "Unsupported")
    }
    const strict = failure(
      translate(
        tenant,
        { grantee: Grantee.group("7"), level: "viewer", providerRole: { name: "viewer uploader", floor: "viewer" } },
        { onLossy: "fail" }
      )
    )
    assert.strictEqual(strict._tag, "Unsupported")
  })

  it("property: a role is never granted above its floor on a provider without it, whatever the policy", () => {
    const level = fc.constantFrom(...AccessLevel.ladder)
    fc.assert(
      fc.property(
        level,
        fc.option(level, { nil: undefined }),
        fc.subarray([...AccessLevel.ladder], { minLength: 1 }),
        fc.constantFrom("fail", "round-down", "round-up"),
        (asked, floor, offered, onLossy) => {
          const caps = Capabilities.make({ provider: "p", granteeKinds: ["User"], levels: offered })
          const role = floor === undefined ? { name: "odd" } : { name: "odd", floor }
          const r = translate(
            caps,
            { grantee: Grantee.user({ id: "1" }), level: asked, providerRole: role },
            { onLossy }
          )
          if (Result.isSuccess(r)) {
            assert.isDefined(floor)
            assert.isTrue(AccessLevel.isAtLeast(floor ?? "owner", r.success.value.level) || onLossy === "round-up")
            if (onLossy !== "round-up") assert.notStrictEqual(r.success.fidelity, "widened")
          }
        }
      )
    )
  })
})

describe("the planner compares expiry, role and discoverability, not only the level", () => {
  const share = (grantee: Grantee.Grantee, extra: Partial<Share.Share> = {}): Share.Share => ({
    id: "s1",
    resource,
    grantee,
    level: "viewer",
    status: ShareStatus.active,
    inherited: false,
    ...extra
  })
  const ada = Grantee.user({ email: "ada@x.io" })

  it("a changed expiry is one update carrying it; a removed one an update with null; the same instant nothing", () => {
    const current = [share(ada, { expiresAt: "2027-01-01T00:00:00Z" })]
    const changed = success(
      Planner.plan(current, [{ grantee: ada, level: "viewer", expiresAt: "2027-02-01T00:00:00Z" }], drive)
    )
    assert.deepStrictEqual(
      changed.operations.map((op) => (op._tag === "Update" ? op.expiresAt : op._tag)),
      ["2027-02-01T00:00:00Z"]
    )
    const removed = success(Planner.plan(current, [{ grantee: ada, level: "viewer" }], drive))
    assert.deepStrictEqual(
      removed.operations.map((op) => (op._tag === "Update" ? op.expiresAt : op._tag)),
      [null]
    )
    const same = success(
      Planner.plan(current, [{ grantee: ada, level: "viewer", expiresAt: "2027-01-01T01:00:00+01:00" }], drive)
    )
    assert.strictEqual(same.operations.length, 0)
  })

  it("where an expiry cannot be removed in place (Box), a permanent grant replaces the expiring share", () => {
    const current = [share(ada, { expiresAt: "2027-01-01T00:00:00Z" })]
    const plan = success(Planner.plan(current, [{ grantee: ada, level: "viewer" }], { ...box, expiryRemovable: false }))
    assert.deepStrictEqual(
      plan.operations.map((op) => op._tag),
      ["Revoke", "Grant"]
    )
    const extended = success(
      Planner.plan(current, [{ grantee: ada, level: "viewer", expiresAt: "2027-02-01T00:00:00Z" }], {
        ...box,
        expiryRemovable: false
      })
    )
    assert.deepStrictEqual(
      extended.operations.map((op) => op._tag),
      ["Update"]
    )
  })

  it("a domain becoming discoverable is a new share (revoke, then grant), not a silent match", () => {
    const current = [share(Grantee.domain("acme.example"))]
    const plan = success(
      Planner.plan(
        current,
        [{ grantee: Grantee.domain("acme.example", { discoverable: true }), level: "viewer" }],
        drive,
        {
          allowEveryone: true
        }
      )
    )
    assert.deepStrictEqual(
      plan.operations.map((op) => op._tag),
      ["Revoke", "Grant"]
    )
  })

  it("a role changed in place keeps the grantee; a pending invitation is live and matched", () => {
    const current = [share(ada, { providerRole: { name: "uploader" }, status: ShareStatus.invited })]
    const plan = success(Planner.plan(current, [{ grantee: ada, level: "viewer" }], box))
    assert.deepStrictEqual(
      plan.operations.map((op) => op._tag),
      ["Update"]
    )
    const kept = success(
      Planner.plan(current, [{ grantee: ada, level: "viewer", providerRole: { name: "uploader" } }], box)
    )
    assert.strictEqual(kept.operations.length, 0)
    assert.isTrue(ShareStatus.isInvitation(current[0]!.status))
    // an invitation waits for the invitee: nothing a poll could wait for (awaitSettled returns at once)
    assert.isTrue(ShareStatus.isSettled(ShareStatus.invited))
    assert.isTrue(ShareStatus.isLive(ShareStatus.invited))
    assert.isFalse(ShareStatus.isSettled(ShareStatus.pending()))
  })
})
