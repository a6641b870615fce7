/**
 * What the Box adapter refuses, and that it refuses it with the right typed error before any
 * request (or, where only Box can tell, before any write): population-wide grantees Box has no
 * collaborator for (Domain, Anyone), Everyone without the all-users group's id or the opt-in, the
 * owner level, roles that would widen access, the root folder and malformed ids, expiries Box cannot
 * keep (in the past, fractions of a second, an enterprise without the setting, removing one),
 * inherited collaborations changed on the item, collaborations of another item, the owner's access.
 */
import { assert, describe, it } from "@effect/vitest"
import { Grantee, type ResourceRef, type SharingProvider } from "@unishare/core"
import { Effect, Option, Stream } from "effect"
import * as Provider from "../src/Provider.ts"
import { type BoxFixture, boxFixture, inDays, matrix, matrixSeed } from "./providerSupport.ts"
import { ids } from "./support.ts"

const member = (i: number) => Grantee.user({ id: matrix.memberId(i), email: matrix.member(i) })
const empty = Provider.folder(matrix.empty)

/** Runs `effect`, expecting it to fail, and returns the error with the requests it sent. */
const refused = <A, E extends { readonly _tag: string; readonly message: string }>(
  f: BoxFixture,
  effect: Effect.Effect<A, E>
) =>
  Effect.gen(function* () {
    f.sim.clearLog()
    const error = yield* Effect.flip(effect)
    return { error, log: f.requests() }
  })

const writesOf = (log: ReturnType<BoxFixture["requests"]>) => log.filter((r) => r.method !== "GET")

const count = (provider: SharingProvider.Shape, resource: ResourceRef.ResourceRef) =>
  Stream.runCount(provider.list(resource, { includeInherited: false }))

describe("refused before any request", () => {
  it.live("Domain and Anyone are Unsupported whatever the opt-ins, never the all-users group", () =>
    Effect.gen(function* () {
      const f = yield* boxFixture({ provider: { everyoneGroupId: ids.allUsers } })
      for (const grantee of [Grantee.domain("example.com"), Grantee.anyone(), Grantee.anyone({ discoverable: true })]) {
        const { error, log } = yield* refused(
          f,
          f.provider.grant(empty, {
            grantee,
            level: "viewer",
            allowEveryone: true,
            allowAnyone: true,
            onLossy: "round-up"
          })
        )
        assert.strictEqual(error._tag, "Unsupported", error.message)
        assert.include(error.message, "shared link")
        assert.deepStrictEqual(log, [])
        const resolved = yield* Effect.flip(f.provider.resolveGrantee!(grantee))
        assert.strictEqual(resolved._tag, "Unsupported")
      }
      assert.strictEqual(yield* count(f.provider, empty), 0)
    })
  )

  it.live("Everyone without everyoneGroupId is Unsupported naming the option; with it, it needs allowEveryone", () =>
    Effect.gen(function* () {
      const without = yield* boxFixture()
      const a = yield* refused(
        without,
        without.provider.grant(empty, { grantee: Grantee.everyone, level: "viewer", allowEveryone: true })
      )
      assert.strictEqual(a.error._tag, "Unsupported")
      assert.include(a.error.message, "everyoneGroupId")
      assert.deepStrictEqual(a.log, [])
      assert.notInclude(without.provider.capabilities.granteeKinds, "Everyone")
      assert.strictEqual((yield* Effect.flip(without.provider.resolveGrantee!(Grantee.everyone)))._tag, "Unsupported")

      const withId = yield* boxFixture({ provider: { everyoneGroupId: ids.allUsers } })
      const b = yield* refused(withId, withId.provider.grant(empty, { grantee: Grantee.everyone, level: "viewer" }))
      assert.strictEqual(b.error._tag, "InvalidInput")
      assert.include(b.error.message, "allowEveryone")
      assert.deepStrictEqual(b.log, [])
      const resolved = yield* withId.provider.resolveGrantee!(Grantee.everyone)
      assert.deepStrictEqual(Option.getOrUndefined(resolved), Grantee.everyone)
    })
  )

  it.live(
    "owner is read-only; a role without a floor is never granted as a level; a foreign role at most its floor",
    () =>
      Effect.gen(function* () {
        const f = yield* boxFixture()
        const owner = yield* refused(f, f.provider.grant(empty, { grantee: member(1), level: "owner" }))
        assert.strictEqual(owner.error._tag, "Unsupported")
        assert.deepStrictEqual(owner.log, [])
        for (const onLossy of ["round-down", "round-up"] as const) {
          const foreign = yield* refused(
            f,
            f.provider.grant(empty, {
              grantee: member(1),
              level: "editor",
              providerRole: { name: "commenter-lite" },
              onLossy
            })
          )
          assert.strictEqual(foreign.error._tag, "Unsupported", onLossy)
          assert.deepStrictEqual(foreign.log, [])
        }
        const strict = yield* refused(
          f,
          f.provider.grant(empty, { grantee: member(1), level: "commenter", onLossy: "fail" })
        )
        assert.strictEqual(strict.error._tag, "Unsupported")
        assert.deepStrictEqual(strict.log, [])
        // a role with a floor: granted at that floor, without the role (which Box does not have)
        f.sim.clearLog()
        const floored = yield* f.provider.grant(empty, {
          grantee: member(1),
          level: "admin",
          providerRole: { name: "fileOrganizer", floor: "editor" }
        })
        assert.strictEqual(floored.level, "editor")
        assert.isUndefined(floored.providerRole)
        assert.deepStrictEqual(
          f.requests().map((r) => (r.body as { role?: string } | undefined)?.role),
          ["editor"]
        )
      })
  )

  it.live("the root folder, other kinds, parents and malformed ids are InvalidInput", () =>
    Effect.gen(function* () {
      const f = yield* boxFixture()
      const cases: ReadonlyArray<readonly [string, Effect.Effect<unknown, { readonly _tag: string }>]> = [
        ["root folder", Stream.runCollect(f.provider.list(Provider.folder("0")))],
        ["web link kind", Stream.runCollect(f.provider.list({ provider: "box", kind: "web_link", id: "1" }))],
        ["parent", f.provider.get({ ...Provider.file("1"), parent: "2" }, "1")],
        ["share id", f.provider.revoke(empty, "../1")],
        ["group id", f.provider.grant(empty, { grantee: Grantee.group("finance@example.com"), level: "viewer" })],
        ["user id", f.provider.grant(empty, { grantee: Grantee.user({ id: "ada" }), level: "viewer" })],
        ["email", f.provider.grant(empty, { grantee: Grantee.user({ email: "not an email" }), level: "viewer" })]
      ]
      for (const [label, effect] of cases) {
        f.sim.clearLog()
        const error = yield* Effect.flip(effect)
        assert.strictEqual(error._tag, "InvalidInput", label)
        assert.deepStrictEqual(f.requests(), [], label)
      }
    })
  )

  it.live("an expiry in the past or with fractions of a second is InvalidInput", () =>
    Effect.gen(function* () {
      const f = yield* boxFixture()
      for (const expiresAt of ["2020-01-01T00:00:00Z", `${inDays(5).slice(0, 19)}.250Z`]) {
        const grant = yield* refused(f, f.provider.grant(empty, { grantee: member(1), level: "viewer", expiresAt }))
        assert.strictEqual(grant.error._tag, "InvalidInput", expiresAt)
        assert.deepStrictEqual(grant.log, [])
        const update = yield* refused(
          f,
          f.provider.update(Provider.folder(matrix.folder), "8001", "viewer", { expiresAt })
        )
        assert.strictEqual(update.error._tag, "InvalidInput", expiresAt)
        assert.deepStrictEqual(update.log, [])
      }
    })
  )

  it.live("collaborationExpiry: false refuses an expiry before any request, or drops it only when asked", () =>
    Effect.gen(function* () {
      const f = yield* boxFixture({ provider: { collaborationExpiry: false } })
      assert.deepStrictEqual(f.provider.capabilities.expiringGranteeKinds, [])
      const until = inDays(10)
      const a = yield* refused(f, f.provider.grant(empty, { grantee: member(1), level: "viewer", expiresAt: until }))
      assert.strictEqual(a.error._tag, "Unsupported")
      assert.deepStrictEqual(a.log, [])
      f.sim.clearLog()
      const dropped = yield* f.provider.grant(empty, {
        grantee: member(1),
        level: "viewer",
        expiresAt: until,
        onExpiry: "drop"
      })
      assert.isUndefined(dropped.expiresAt)
      assert.deepStrictEqual(
        f.requests().map((r) => r.body),
        [
          {
            item: { type: "folder", id: matrix.empty },
            accessible_by: { type: "user", id: matrix.memberId(1) },
            role: "viewer"
          }
        ]
      )
    })
  )
})

describe("refused by Box, or before the write", () => {
  it.live("an enterprise without the expiry setting: Box's 403 is Unsupported and nothing is granted", () =>
    Effect.gen(function* () {
      const { settings: _, ...seed } = matrixSeed()
      const f = yield* boxFixture({ seed })
      const { error, log } = yield* refused(
        f,
        f.provider.grant(empty, { grantee: member(1), level: "viewer", expiresAt: inDays(10) })
      )
      assert.strictEqual(error._tag, "Unsupported", error.message)
      assert.include(error.message, "Automatically remove invited collaborators")
      assert.deepStrictEqual(
        log.map((r) => `${r.method} ${r.path}`),
        ["POST /collaborations"]
      )
      assert.strictEqual(yield* count(f.provider, empty), 0)
    })
  )

  it.live("a 403 about permissions stays AccessDenied, expiry or not", () =>
    Effect.gen(function* () {
      // member 1 only views the matrix folder: Box refuses the invitation
      const f = yield* boxFixture({ user: matrix.memberId(1) })
      const { error } = yield* refused(
        f,
        f.provider.grant(Provider.folder(matrix.folder), {
          grantee: member(12),
          level: "viewer",
          expiresAt: inDays(10)
        })
      )
      assert.strictEqual(error._tag, "AccessDenied", error.message)
    })
  )

  it.live(
    "an expiry cannot be removed: update with null, or a grant without one, is Unsupported and writes nothing",
    () =>
      Effect.gen(function* () {
        const f = yield* boxFixture()
        const folder = Provider.folder(matrix.folder)
        const update = yield* refused(f, f.provider.update(folder, "8008", "editor", { expiresAt: null }))
        assert.strictEqual(update.error._tag, "Unsupported")
        assert.include(update.error.message, "cannot remove an expiry")
        assert.deepStrictEqual(writesOf(update.log), [])
        const grant = yield* refused(f, f.provider.grant(folder, { grantee: member(8), level: "editor" }))
        assert.strictEqual(grant.error._tag, "Unsupported")
        assert.deepStrictEqual(
          writesOf(grant.log).map((r) => `${r.method} ${r.path}`),
          ["POST /collaborations"],
          "only the refused create"
        )
        // and a collaboration without expiry takes null as nothing to change
        f.sim.clearLog()
        const same = yield* f.provider.update(folder, "8001", "viewer", { expiresAt: null })
        assert.isUndefined(same.expiresAt)
        assert.deepStrictEqual(writesOf(f.requests()), [])
        assert.strictEqual(f.sim.collaboration("8008")?.expires_at !== null, true)
      })
  )

  it.live("an inherited collaboration is changed where it is: update and revoke on the item are Conflict", () =>
    Effect.gen(function* () {
      const f = yield* boxFixture()
      const inner = Provider.folder(matrix.inner)
      for (const effect of [f.provider.update(inner, "8002", "viewer"), f.provider.revoke(inner, "8002")]) {
        const { error, log } = yield* refused(f, effect)
        assert.strictEqual(error._tag, "Conflict", error.message)
        assert.include(error.message, `folder ${matrix.folder}`)
        assert.deepStrictEqual(writesOf(log), [])
      }
      assert.strictEqual(f.sim.collaboration("8002")?.role, "editor")
    })
  )

  it.live("a collaboration of another item is NotFound for update and revoke, and is left alone", () =>
    Effect.gen(function* () {
      const f = yield* boxFixture()
      for (const effect of [f.provider.update(empty, "8002", "viewer"), f.provider.revoke(empty, "8002")]) {
        const { error, log } = yield* refused(f, effect)
        assert.strictEqual(error._tag, "NotFound", error.message)
        assert.deepStrictEqual(writesOf(log), [])
      }
      assert.strictEqual(f.sim.collaboration("8002")?.role, "editor")
    })
  )

  it.live("the owner's access is not changed by a grant", () =>
    Effect.gen(function* () {
      const f = yield* boxFixture()
      const { error, log } = yield* refused(
        f,
        f.provider.grant(empty, { grantee: Grantee.user({ email: "owner@example.com" }), level: "viewer" })
      )
      assert.strictEqual(error._tag, "Unsupported", error.message)
      assert.deepStrictEqual(
        writesOf(log).map((r) => `${r.method} ${r.path}`),
        ["POST /collaborations"]
      )
      assert.strictEqual(yield* count(f.provider, empty), 0)
    })
  )
})
