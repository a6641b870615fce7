/**
 * What the adapter refuses, and when: before any request where the answer is known (a tenant's
 * Everyone without `everyoneAsDomain`, owner, expiries Drive never keeps or that are out of range,
 * domain or anyone on a shared drive itself, malformed ids), or from Drive's own refusal, mapped to
 * a typed error (organizer outside shared drives, fileOrganizer on a file, inherited permissions —
 * named by their source —, the owner's permission). Every answer decodes with the Wire schemas.
 */
import { assert, describe, it } from "@effect/vitest"
import { type Errors, Grantee, Granting, Sync } from "@unishare/core"
import { Effect, Option, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Provider from "../src/Provider.ts"
import { assertAnswersDecode, driveFixture, inDays, matrix, member, memberId, team } from "./providerSupport.ts"
import { ids, users } from "./support.ts"

const tagOf = (e: Errors.SharingError) => e._tag
const paths = (e: Errors.SharingError) => (e._tag === "InvalidInput" ? e.issues.map((i) => i.path) : [e._tag])

describe("a tenant's Everyone", () => {
  it.live("is Unsupported without everyoneAsDomain, whatever the opt-ins, and never becomes anyone", () =>
    Effect.gen(function* () {
      const { provider, count, answers } = yield* driveFixture()
      const refused = yield* count(
        Effect.flip(
          provider.grant(Provider.file(matrix.file), {
            grantee: Grantee.everyone,
            level: "viewer",
            allowEveryone: true,
            allowAnyone: true,
            onLossy: "round-up"
          })
        )
      )
      assert.strictEqual(refused.value._tag, "Unsupported")
      assert.strictEqual(refused.requests, 0)
      const resolved = yield* Effect.flip(provider.resolveGrantee!(Grantee.everyone))
      assert.strictEqual(resolved._tag, "Unsupported")
      assert.include(resolved.message, "everyoneAsDomain")
      assert.notInclude(Provider.capabilities.granteeKinds, "Everyone")
      assertAnswersDecode(answers)
    })
  )

  it.live("with everyoneAsDomain: granted as exactly that domain, listed as Domain, and sync converges", () =>
    Effect.gen(function* () {
      const { sim, provider, count, requests, answers } = yield* driveFixture({
        provider: { everyoneAsDomain: "example.com" }
      })
      const item = sim.addFile({ name: "Everyone", owner: "owner@example.com" })
      const resource = Provider.file(item.id)
      // the opt-in is still needed
      const unasked = yield* count(
        Effect.flip(provider.grant(resource, { grantee: Grantee.everyone, level: "viewer" }))
      )
      assert.deepStrictEqual(paths(unasked.value), ["grantee"])
      assert.strictEqual(unasked.requests, 0)
      sim.clearLog()
      const share = yield* provider.grant(resource, { grantee: Grantee.everyone, level: "viewer", allowEveryone: true })
      assert.deepStrictEqual(requests()[1]?.body, {
        type: "domain",
        role: "reader",
        domain: "example.com",
        allowFileDiscovery: false
      })
      assert.deepStrictEqual(share.grantee, { _tag: "Domain", domain: "example.com", discoverable: false })
      assert.deepStrictEqual(
        Option.getOrThrow(yield* provider.resolveGrantee!(Grantee.everyone)),
        Grantee.domain("example.com")
      )
      // a desired Everyone resolves to the domain, so the plan matches what Drive lists
      const desired = [{ grantee: Grantee.everyone, level: "commenter" as const }]
      const first = yield* Sync.sync(provider, resource, desired, { allowEveryone: true })
      assert.isTrue(first.verified)
      assert.deepStrictEqual(
        first.plan.operations.map((op) => op._tag),
        ["Update"]
      )
      const second = yield* Sync.sync(provider, resource, desired, { allowEveryone: true })
      assert.strictEqual(second.strategy, "none")
      assert.isFalse(sim.log().some((r) => (r.body as { type?: string } | undefined)?.type === "anyone"))
      assertAnswersDecode(answers)
    })
  )

  it.effect("everyoneAsDomain must be a domain name", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Provider.make({ credentials: Redacted.make("t"), everyoneAsDomain: "not a domain" })
      )
      assert.deepStrictEqual(paths(error), ["everyoneAsDomain"])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("owner is read-only", () => {
  it.live(
    "granting or updating to owner is Unsupported before any request; the owner's permission is never changed",
    () =>
      Effect.gen(function* () {
        const { provider, count, answers } = yield* driveFixture()
        const resource = Provider.file(matrix.file)
        const grant = yield* count(
          Effect.flip(provider.grant(resource, { grantee: Grantee.user({ email: member(5) }), level: "owner" }))
        )
        assert.strictEqual(grant.value._tag, "Unsupported")
        assert.strictEqual(grant.requests, 0)
        const update = yield* count(Effect.flip(provider.update(resource, memberId(5), "owner")))
        assert.strictEqual(update.value._tag, "Unsupported")
        assert.strictEqual(update.requests, 0)
        // the owner granted something else: refused after the one read that finds them
        const demote = yield* count(
          Effect.flip(
            provider.grant(resource, { grantee: Grantee.user({ email: "owner@example.com" }), level: "editor" })
          )
        )
        assert.strictEqual(demote.value._tag, "Unsupported")
        assert.deepStrictEqual(demote.log, [`GET /files/${matrix.file}/permissions`])
        // Drive's own refusals, mapped
        const revoke = yield* Effect.flip(provider.revoke(resource, users.owner))
        assert.deepStrictEqual(
          [revoke._tag, (revoke as Errors.Unsupported).feature],
          ["Unsupported", "removing the owner's permission"]
        )
        const lower = yield* Effect.flip(provider.update(resource, users.owner, "viewer"))
        assert.strictEqual(lower._tag, "Unsupported")
        assert.strictEqual((yield* provider.get(resource, users.owner)).level, "owner")
        assertAnswersDecode(answers)
      })
  )
})

describe("expiry", () => {
  it.live("on a domain or anyone: Unsupported before any request; dropped with onExpiry: drop", () =>
    Effect.gen(function* () {
      const { sim, provider, count, answers } = yield* driveFixture()
      const item = sim.addFile({ name: "Expiry", owner: "owner@example.com" })
      const resource = Provider.file(item.id)
      const until = inDays(10)
      for (const grantee of [Grantee.domain("example.com"), Grantee.anyone(), Grantee.anyone({ discoverable: true })]) {
        const refused = yield* count(
          Effect.flip(
            provider.grant(resource, {
              grantee,
              level: "viewer",
              expiresAt: until,
              allowEveryone: true,
              allowAnyone: true
            })
          )
        )
        assert.strictEqual(refused.value._tag, "Unsupported", Grantee.describe(grantee))
        assert.strictEqual(refused.requests, 0)
      }
      const dropped = yield* Granting.grant(provider, resource, {
        grantee: Grantee.domain("example.com"),
        level: "viewer",
        expiresAt: until,
        allowEveryone: true,
        onExpiry: "drop"
      })
      assert.isUndefined(dropped.share.expiresAt)
      assert.strictEqual(dropped.warnings[0]?._tag === "Lossy" && dropped.warnings[0].aspect, "expiry")
      // an existing anyone share asked to expire: Drive's refusal, mapped
      const onAnyone = yield* Effect.flip(
        provider.update(Provider.file(matrix.file), "anyoneWithLink", "viewer", { expiresAt: until })
      )
      assert.deepStrictEqual(
        [onAnyone._tag, (onAnyone as Errors.Unsupported).feature],
        ["Unsupported", "an expiration on an anyone or domain permission"]
      )
      assertAnswersDecode(answers)
    })
  )

  it.live("in the past or more than a year ahead: InvalidInput at expiresAt before any request", () =>
    Effect.gen(function* () {
      const { provider, count, answers } = yield* driveFixture()
      const resource = Provider.file(matrix.file)
      for (const expiresAt of [inDays(-1), inDays(400)]) {
        const grant = yield* count(
          Effect.flip(
            provider.grant(resource, { grantee: Grantee.user({ email: member(20) }), level: "viewer", expiresAt })
          )
        )
        assert.deepStrictEqual(paths(grant.value), ["expiresAt"], expiresAt)
        assert.strictEqual(grant.requests, 0)
        const update = yield* count(Effect.flip(provider.update(resource, memberId(5), "viewer", { expiresAt })))
        assert.deepStrictEqual(paths(update.value), ["expiresAt"], expiresAt)
        assert.strictEqual(update.requests, 0)
      }
      assertAnswersDecode(answers)
    })
  )

  it.live("a shared drive's members never expire: refused before any request, or dropped on request", () =>
    Effect.gen(function* () {
      const { provider, count, answers } = yield* driveFixture()
      const resource = Provider.sharedDrive(matrix.drive)
      const grant = { grantee: Grantee.user({ email: member(20) }), level: "viewer" as const, expiresAt: inDays(10) }
      const refused = yield* count(Effect.flip(provider.grant(resource, grant)))
      assert.deepStrictEqual(
        [refused.value._tag, (refused.value as Errors.Unsupported).feature],
        ["Unsupported", "an expiration on a shared-drive membership"]
      )
      assert.strictEqual(refused.requests, 0)
      const update = yield* count(
        Effect.flip(provider.update(resource, memberId(2), "viewer", { expiresAt: inDays(5) }))
      )
      assert.strictEqual(update.value._tag, "Unsupported")
      assert.strictEqual(update.requests, 0)
      const dropped = yield* provider.grant(resource, { ...grant, onExpiry: "drop" })
      assert.isUndefined(dropped.expiresAt)
      assert.strictEqual(dropped.level, "viewer")
      assertAnswersDecode(answers)
    })
  )

  it.live("a writer of a My Drive folder cannot expire: Drive's cannotSetExpiration, mapped", () =>
    Effect.gen(function* () {
      const { provider, answers } = yield* driveFixture()
      const error = yield* Effect.flip(
        provider.grant(Provider.file(matrix.folder), {
          grantee: Grantee.user({ email: member(20) }),
          level: "editor",
          expiresAt: inDays(10)
        })
      )
      assert.deepStrictEqual(
        [error._tag, (error as Errors.Unsupported).feature],
        ["Unsupported", "an expiration on this item"]
      )
      assertAnswersDecode(answers)
    })
  )
})

describe("inherited shares cannot be changed on the item: Conflict naming the source", () => {
  it.live("shared drive: from the drive's membership, from a folder; My Drive: a folder above", () =>
    Effect.gen(function* () {
      const { provider, count, answers } = yield* driveFixture()
      const cases = [
        {
          item: matrix.driveFile,
          id: memberId(3),
          source: `shared drive ${matrix.drive}`,
          from: { kind: "drive", id: matrix.drive }
        },
        {
          item: matrix.driveFile,
          id: memberId(13),
          source: `folder ${matrix.driveFolder}`,
          from: { kind: "file", id: matrix.driveFolder }
        },
        { item: matrix.inner, id: memberId(11), source: "a folder above it", from: null }
      ] as const
      for (const c of cases) {
        const resource = Provider.file(c.item)
        const revoked = yield* count(Effect.flip(provider.revoke(resource, c.id)))
        assert.strictEqual(revoked.value._tag, "Conflict", c.source)
        assert.include(revoked.value.message, c.source)
        assert.deepStrictEqual(
          (revoked.value.detail as { inheritedFrom: unknown }).inheritedFrom,
          c.from === null ? null : { provider: "google-drive", ...c.from }
        )
        // the refused DELETE, then the read that names the source
        assert.deepStrictEqual(revoked.log, [
          `DELETE /files/${c.item}/permissions/${c.id}`,
          `GET /files/${c.item}/permissions/${c.id}`
        ])
        const updated = yield* Effect.flip(provider.update(resource, c.id, "viewer"))
        assert.strictEqual(updated._tag, "Conflict")
        assert.include(updated.message, c.source)
        // still there
        assert.isTrue((yield* provider.get(resource, c.id)).inherited)
      }
      assertAnswersDecode(answers)
    })
  )
})

describe("roles Drive has only in some places", () => {
  it.live(
    "admin on a file or folder: narrowed to editor with a warning, or refused under onLossy: fail; sharer rounds down",
    () =>
      Effect.gen(function* () {
        const { sim, provider, count, answers } = yield* driveFixture()
        const item = sim.addFile({ name: "Levels", owner: "owner@example.com" })
        const resource = Provider.file(item.id)
        const strict = yield* count(
          Effect.flip(
            provider.grant(resource, { grantee: Grantee.user({ email: member(20) }), level: "admin", onLossy: "fail" })
          )
        )
        assert.strictEqual(strict.value._tag, "Unsupported")
        assert.strictEqual(strict.requests, 0)
        for (const [i, level] of [
          [20, "admin"],
          [21, "sharer"]
        ] as const) {
          const granted = yield* Granting.grant(provider, resource, {
            grantee: Grantee.user({ email: member(i) }),
            level
          })
          assert.strictEqual(granted.share.level, "editor")
          assert.strictEqual(granted.fidelity, "narrowed")
          assert.deepStrictEqual(
            granted.warnings.map((w) => (w._tag === "Lossy" ? [w.from, w.to] : w._tag)),
            [[level, "editor"]]
          )
        }
        assertAnswersDecode(answers)
      })
  )

  it.live("organizer outside a shared drive and fileOrganizer on a file or in My Drive: Drive's refusals, mapped", () =>
    Effect.gen(function* () {
      const { sim, provider, answers } = yield* driveFixture()
      const feature = (e: Errors.SharingError) => [e._tag, e._tag === "Unsupported" ? e.feature : e.message]
      // a My Drive folder addressed as a shared drive
      const organizer = yield* Effect.flip(
        provider.grant(Provider.sharedDrive(matrix.folder), {
          grantee: Grantee.user({ email: member(20) }),
          level: "admin"
        })
      )
      assert.deepStrictEqual(feature(organizer), ["Unsupported", "the organizer role outside shared drives"])
      const fileOrganizer = {
        grantee: Grantee.user({ email: member(20) }),
        level: "editor" as const,
        providerRole: Provider.fileOrganizer
      }
      const onFile = yield* Effect.flip(provider.grant(Provider.file(matrix.driveFile), fileOrganizer))
      assert.deepStrictEqual(feature(onFile), [
        "Unsupported",
        "the fileOrganizer role on a file (only on shared drives and their folders)"
      ])
      const myDrive = sim.addFile({ name: "Mine", folder: true, owner: "owner@example.com" })
      const outside = yield* Effect.flip(provider.grant(Provider.file(myDrive.id), fileOrganizer))
      assert.deepStrictEqual(feature(outside), ["Unsupported", "the fileOrganizer role outside shared drives"])
      assertAnswersDecode(answers)
    })
  )

  it.live("a shared drive's members are users and groups: domain and anyone refused before any request", () =>
    Effect.gen(function* () {
      const { provider, count } = yield* driveFixture()
      for (const grantee of [Grantee.domain("example.com"), Grantee.anyone()]) {
        const refused = yield* count(
          Effect.flip(
            provider.grant(Provider.sharedDrive(matrix.drive), {
              grantee,
              level: "viewer",
              allowEveryone: true,
              allowAnyone: true
            })
          )
        )
        assert.strictEqual(refused.value._tag, "Unsupported")
        assert.strictEqual(refused.requests, 0)
      }
    })
  )
})

describe("grantees and ids", () => {
  it.live(
    "a user known only by a permission id cannot be granted; emails resolve to themselves without a request",
    () =>
      Effect.gen(function* () {
        const { provider, count } = yield* driveFixture()
        const resource = Provider.file(matrix.file)
        const idOnly = yield* count(
          Effect.flip(provider.grant(resource, { grantee: Grantee.user({ id: memberId(5) }), level: "viewer" }))
        )
        assert.deepStrictEqual(paths(idOnly.value), ["grantee.email"])
        assert.strictEqual(idOnly.requests, 0)
        const resolveId = yield* Effect.flip(provider.resolveGrantee!(Grantee.user({ id: memberId(5) })))
        assert.strictEqual(resolveId._tag, "Unsupported")
        const resolved = yield* count(
          Effect.all([
            provider.resolveGrantee!(Grantee.user({ email: member(5) })),
            provider.resolveGrantee!(Grantee.group(team(1))),
            provider.resolveGrantee!(Grantee.domain("example.com", { discoverable: true })),
            provider.resolveGrantee!(Grantee.anyone())
          ])
        )
        assert.deepStrictEqual(resolved.value.map(Option.getOrThrow), [
          Grantee.user({ email: member(5) }),
          Grantee.group(team(1)),
          Grantee.domain("example.com", { discoverable: true }),
          Grantee.anyone()
        ])
        assert.strictEqual(resolved.requests, 0)
        for (const grantee of [Grantee.account("1"), Grantee.organization("o")]) {
          assert.strictEqual(tagOf(yield* Effect.flip(provider.resolveGrantee!(grantee))), "Unsupported")
          assert.strictEqual(
            tagOf(yield* Effect.flip(provider.grant(resource, { grantee, level: "viewer" }))),
            "Unsupported"
          )
        }
      })
  )

  it.live("malformed resources, share ids and grantees: InvalidInput naming the field, nothing sent", () =>
    Effect.gen(function* () {
      const { provider, count } = yield* driveFixture()
      const bad = [
        [{ provider: "google-drive", kind: "folder", id: matrix.folder }, "resource.kind"],
        [{ provider: "google-drive", kind: "file", id: matrix.folder, parent: matrix.drive }, "resource.parent"],
        [{ provider: "google-drive", kind: "file", id: "a b" }, "resource.id"],
        [{ provider: "smartsheet", kind: "file", id: matrix.file }, "resource.provider"]
      ] as const
      for (const [resource, path] of bad) {
        const listed = yield* count(Effect.flip(Stream.runCollect(provider.list(resource))))
        assert.deepStrictEqual(paths(listed.value), [path])
        assert.strictEqual(listed.requests, 0)
      }
      const resource = Provider.file(matrix.file)
      const requests = yield* count(
        Effect.all([
          Effect.flip(provider.get(resource, "a/b")),
          Effect.flip(provider.revoke(resource, "x y")),
          Effect.flip(provider.grant(resource, { grantee: Grantee.group("20000000000000000001"), level: "viewer" })),
          Effect.flip(provider.grant(resource, { grantee: Grantee.user({ email: "a@b.c,d@e.f" }), level: "viewer" }))
        ])
      )
      assert.deepStrictEqual(requests.value.map(paths), [["shareId"], ["shareId"], ["grantee.id"], ["grantee.email"]])
      assert.strictEqual(requests.requests, 0)
    })
  )

  it.live("revoke: a permission already gone is revoked; a file that does not exist is NotFound", () =>
    Effect.gen(function* () {
      const { provider, count, answers } = yield* driveFixture()
      const gone = yield* count(provider.revoke(Provider.file(matrix.file), "09999999999999999999"))
      assert.strictEqual(gone.requests, 1)
      const missing = yield* Effect.flip(
        provider.revoke(Provider.file("1NoSuchFileZZZZZZZZZZZZZZZZZZZZZZZ"), users.ada)
      )
      assert.strictEqual(missing._tag, "NotFound")
      assert.strictEqual(
        (yield* Effect.flip(provider.get(Provider.file(ids.plan), "09999999999999999999")))._tag,
        "NotFound"
      )
      assertAnswersDecode(answers)
    })
  )
})
