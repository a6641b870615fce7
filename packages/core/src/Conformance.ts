/**
 * `@unishare/core/testing`: the conformance suite every adapter runs against its simulator (and
 * that users can run against their own adapters). Tests are skipped only by declared capabilities.
 *
 * @since 0.1.0
 */

import { Effect, Exit, Schedule, type Scope, Stream } from "effect"
import { assert, describe, it } from "vitest"
import * as AccessLevel from "./AccessLevel.ts"
import * as Capabilities from "./Capabilities.ts"
import type * as Grantee from "./Grantee.ts"
import type { ResourceRef } from "./ResourceRef.ts"
import * as Settle from "./Settle.ts"
import type { Share } from "./Share.ts"
import * as ShareModule from "./Share.ts"
import * as ShareStatus from "./ShareStatus.ts"
import type { Shape } from "./SharingProvider.ts"
import * as Sync from "./Sync.ts"

/**
 * What a conformance run needs for each test: a fresh provider, a resource that exists and has no
 * managed shares (unmanaged ones — inherited, or at a read-only level such as a Smartsheet owner —
 * may be there: the suite takes them as the baseline), three distinct grantees the provider
 * accepts, optionally a resource that does not exist, and optionally a well-formed share id in the
 * provider's format that names no share (default: a 32-hex id).
 *
 * @example
 * ```ts
 * import type { Conformance } from "@unishare/core/testing"
 * const needs = (f: Conformance.Fixture) => f.grantees.length === 3
 * ```
 */
export interface Fixture {
  readonly provider: Shape
  readonly resource: ResourceRef
  readonly grantees: readonly [Grantee.Grantee, Grantee.Grantee, Grantee.Grantee]
  readonly missingResource?: ResourceRef | undefined
  readonly unknownShareId?: string | undefined
}

/**
 * Options: a `name` for the describe block, a scoped `setup` run for every test, and the polling
 * schedule used to wait for asynchronous providers (default: every 20 ms, up to 250 times).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MemoryProvider } from "@unishare/core"
 * import type { Conformance } from "@unishare/core/testing"
 * const doc = { provider: "memory", kind: "doc", id: "d1" }
 * const options: Conformance.Options = { name: "memory", setup: Effect.sync(() => ({
 *   provider: MemoryProvider.make({ resources: [doc] }), resource: doc,
 *   grantees: [{ _tag: "Group", id: "1" }, { _tag: "Group", id: "2" }, { _tag: "Group", id: "3" }] })) }
 * ```
 */
export interface Options {
  readonly name: string
  readonly setup: Effect.Effect<Fixture, never, Scope.Scope>
  readonly settleSchedule?: Schedule.Schedule<unknown> | undefined
}

/** An instant `days` from now, to the second (what every provider can store). */
const inDays = (days: number) => `${new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 19)}Z`

const levelsOf = (f: Fixture) => Capabilities.grantableLevels(f.provider.capabilities, f.resource.kind)

const settled = (f: Fixture, schedule: Schedule.Schedule<unknown>) => (share: Share) =>
  f.provider.capabilities.asyncStatus
    ? Settle.awaitSettled(f.provider, f.resource, share.id, schedule)
    : Effect.succeed(share)

const baselines = new WeakMap<Fixture, ReadonlySet<string>>()

/** The shares listed now, minus those present when the test started. */
const collect = (f: Fixture) =>
  Effect.map(Stream.runCollect(f.provider.list(f.resource)), (shares) => {
    const baseline = baselines.get(f)
    return baseline === undefined ? shares : shares.filter((s) => !baseline.has(s.id))
  })

/**
 * Registers the conformance tests with vitest (real time and real sockets). Skips are decided by capabilities.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { MemoryProvider } from "@unishare/core"
 * import { Conformance } from "@unishare/core/testing"
 * const doc = { provider: "memory", kind: "doc", id: "d1" }
 * Conformance.run({ name: "memory", setup: Effect.sync(() => ({
 *   provider: MemoryProvider.make({ resources: [doc] }), resource: doc,
 *   grantees: [{ _tag: "Group", id: "1" }, { _tag: "Group", id: "2" }, { _tag: "Group", id: "3" }] })) })
 * ```
 */
export const run = (options: Options): void => {
  const schedule = options.settleSchedule ?? Schedule.max([Schedule.spaced("20 millis"), Schedule.recurs(250)])
  const test = (name: string, body: (f: Fixture) => Effect.Effect<void, unknown>, when?: (f: Fixture) => boolean) =>
    it(name, async (ctx) => {
      const outcome = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const fixture = yield* options.setup
            if (when !== undefined && !when(fixture)) return "skipped" as const
            const initial = yield* Stream.runCollect(fixture.provider.list(fixture.resource))
            baselines.set(fixture, new Set(initial.map((s) => s.id)))
            yield* body(fixture)
            return "ran" as const
          })
        )
      )
      if (outcome === "skipped") ctx.skip()
    })

  describe(`conformance: ${options.name}`, () => {
    test("declares coherent capabilities", (f) =>
      Effect.sync(() => {
        const caps = f.provider.capabilities
        assert.strictEqual(caps.provider, f.resource.provider)
        assert.isAbove(caps.granteeKinds.length, 0)
        assert.isAbove(levelsOf(f).length, 0)
        for (const g of f.grantees) assert.include(caps.granteeKinds, g._tag)
        assert.strictEqual(caps.nativeReplace, f.provider.replace !== undefined)
        assert.isAbove(caps.pageSize, 0)
        for (const kind of caps.expiringGranteeKinds) assert.include(caps.granteeKinds, kind)
        for (const role of caps.providerRoles) assert.notInclude(AccessLevel.ladder as ReadonlyArray<string>, role.name)
      }))

    test("a fresh resource lists no shares", (f) =>
      Effect.gen(function* () {
        assert.deepStrictEqual(yield* collect(f), [])
      }))

    test("grant creates a share that list and get report", (f) =>
      Effect.gen(function* () {
        const level = levelsOf(f)[0]!
        const share = yield* f.provider.grant(f.resource, { grantee: f.grantees[0], level })
        assert.strictEqual(share.level, level)
        assert.isTrue(ShareStatus.isLive(share.status), `status ${share.status._tag}`)
        const listed = yield* collect(f)
        assert.strictEqual(listed.length, 1)
        assert.strictEqual(listed[0]?.id, share.id)
        const got = yield* f.provider.get(f.resource, share.id)
        assert.strictEqual(got.id, share.id)
        assert.strictEqual(got.level, level)
        assert.deepStrictEqual(got.resource, f.resource)
        const final = yield* settled(f, schedule)(share)
        assert.strictEqual(final.status._tag, "active")
      }))

    test("grant is idempotent: the same grant twice gives one share", (f) =>
      Effect.gen(function* () {
        const level = levelsOf(f)[0]!
        const a = yield* f.provider.grant(f.resource, { grantee: f.grantees[0], level })
        const b = yield* f.provider.grant(f.resource, { grantee: f.grantees[0], level })
        assert.strictEqual(a.id, b.id)
        assert.strictEqual((yield* collect(f)).length, 1)
      }))

    test(
      "grant at another level updates the share instead of duplicating it",
      (f) =>
        Effect.gen(function* () {
          const [low, high] = [levelsOf(f)[0]!, levelsOf(f).at(-1)!]
          const a = yield* f.provider.grant(f.resource, { grantee: f.grantees[0], level: low })
          const b = yield* f.provider.grant(f.resource, { grantee: f.grantees[0], level: high })
          assert.strictEqual(b.level, high)
          const listed = yield* collect(f)
          assert.strictEqual(listed.length, 1)
          assert.strictEqual(listed[0]?.level, high)
          assert.strictEqual(listed[0]?.id, b.id)
          void a
        }),
      (f) => f.provider.capabilities.updateLevel && levelsOf(f).length > 1
    )

    test(
      "update changes the level",
      (f) =>
        Effect.gen(function* () {
          const [low, high] = [levelsOf(f)[0]!, levelsOf(f).at(-1)!]
          const share = yield* f.provider.grant(f.resource, { grantee: f.grantees[1], level: low })
          const updated = yield* f.provider.update(f.resource, share.id, high)
          assert.strictEqual(updated.level, high)
          assert.strictEqual((yield* f.provider.get(f.resource, updated.id)).level, high)
        }),
      (f) => f.provider.capabilities.updateLevel && levelsOf(f).length > 1
    )

    test("revoke removes the share, and revoking again succeeds", (f) =>
      Effect.gen(function* () {
        const level = levelsOf(f)[0]!
        const share = yield* f.provider.grant(f.resource, { grantee: f.grantees[0], level })
        yield* settled(f, schedule)(share)
        yield* f.provider.revoke(f.resource, share.id)
        if (f.provider.capabilities.asyncStatus) {
          const after = yield* Settle.awaitSettled(f.provider, f.resource, share.id, schedule)
          assert.strictEqual(after.status._tag, "revoked")
        }
        const live = (yield* collect(f)).filter((s) => s.id === share.id)
        assert.deepStrictEqual(live, [])
        yield* f.provider.revoke(f.resource, share.id)
      }))

    test("get of an unknown share is NotFound", (f) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          f.provider.get(f.resource, f.unknownShareId ?? "0000000000000000000000000000dead")
        )
        assert.strictEqual(error._tag, "NotFound")
      }))

    test(
      "a resource that does not exist is NotFound",
      (f) =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(collect({ ...f, resource: f.missingResource! }))
          assert.strictEqual(error._tag, "NotFound")
        }),
      (f) => f.missingResource !== undefined
    )

    test("bad input fails with InvalidInput or Unsupported before any write", (f) =>
      Effect.gen(function* () {
        const level = levelsOf(f)[0]!
        const noIdentity = yield* Effect.flip(
          f.provider.grant(f.resource, { grantee: { _tag: "User" } as Grantee.Grantee, level })
        )
        assert.include(["InvalidInput", "Unsupported"], noIdentity._tag)
        const badLevel = yield* Effect.flip(
          f.provider.grant(f.resource, { grantee: f.grantees[0], level: "superuser" as AccessLevel.AccessLevel })
        )
        assert.strictEqual(badLevel._tag, "InvalidInput")
        assert.include(badLevel.message, "level")
        const kinds = ["User", "Group", "Account", "Organization"] as const
        const missing = kinds.find((k) => !f.provider.capabilities.granteeKinds.includes(k))
        if (missing !== undefined) {
          const grantee = (
            missing === "User" ? { _tag: "User", email: "x@example.com" } : { _tag: missing, id: "1" }
          ) as Grantee.Grantee
          const unsupported = yield* Effect.flip(f.provider.grant(f.resource, { grantee, level }))
          assert.strictEqual(unsupported._tag, "Unsupported")
        }
        const everyone = yield* Effect.flip(f.provider.grant(f.resource, { grantee: { _tag: "Everyone" }, level }))
        assert.include(["InvalidInput", "Unsupported"], everyone._tag)
        assert.deepStrictEqual(yield* collect(f), [])
      }))

    test(
      'a level the provider lacks fails under onLossy "fail" and never widens under "round-down"',
      (f) =>
        Effect.gen(function* () {
          const levels = levelsOf(f)
          const absent = AccessLevel.ladder.filter(
            (l) => !levels.includes(l) && !f.provider.capabilities.readOnlyLevels.includes(l)
          )
          const lossy = absent[0]!
          const strict = yield* Effect.flip(
            f.provider.grant(f.resource, { grantee: f.grantees[0], level: lossy, onLossy: "fail" })
          )
          assert.strictEqual(strict._tag, "Unsupported")
          assert.deepStrictEqual(yield* collect(f), [])
          for (const wanted of absent) {
            const exit = yield* Effect.exit(f.provider.grant(f.resource, { grantee: f.grantees[0], level: wanted }))
            if (Exit.isSuccess(exit))
              assert.isTrue(AccessLevel.isAtLeast(wanted, exit.value.level), `${wanted} → ${exit.value.level}`)
            else assert.strictEqual(Exit.isFailure(exit), true)
          }
        }),
      (f) =>
        AccessLevel.ladder.some((l) => !levelsOf(f).includes(l) && !f.provider.capabilities.readOnlyLevels.includes(l))
    )

    test(
      "replace sets exactly the desired grantees",
      (f) =>
        Effect.gen(function* () {
          const level = levelsOf(f)[0]!
          yield* f.provider.grant(f.resource, { grantee: f.grantees[0], level })
          yield* f.provider.replace!(f.resource, [
            { grantee: f.grantees[1], level },
            { grantee: f.grantees[2], level }
          ])
          const after = yield* Settle.awaitResourceSettled(f.provider, f.resource, schedule)
          const tags = after.map((s) => JSON.stringify(s.grantee)).sort()
          assert.strictEqual(after.length, 2)
          assert.notInclude(tags, JSON.stringify(f.grantees[0]))
        }),
      (f) => f.provider.capabilities.nativeReplace
    )

    test("sync converges and a second sync writes nothing", (f) =>
      Effect.gen(function* () {
        const level = levelsOf(f)[0]!
        yield* f.provider.grant(f.resource, { grantee: f.grantees[2], level })
        const desired = [
          { grantee: f.grantees[0], level },
          { grantee: f.grantees[1], level }
        ]
        const first = yield* Sync.sync(f.provider, f.resource, desired)
        assert.isTrue(first.verified, `remaining: ${JSON.stringify(first.remaining)}`)
        assert.strictEqual(first.failures.length, 0)
        yield* Settle.awaitResourceSettled(f.provider, f.resource, schedule)
        const second = yield* Sync.sync(f.provider, f.resource, desired)
        assert.strictEqual(second.strategy, "none")
        assert.strictEqual(second.plan.operations.length, 0)
        const dry = yield* Sync.sync(f.provider, f.resource, [{ grantee: f.grantees[2], level }], { dryRun: true })
        assert.strictEqual(dry.strategy, "dry-run")
        assert.strictEqual(dry.plan.operations.length, 3)
        assert.strictEqual((yield* collect(f)).length, 2)
      }))

    test(
      "asynchronous shares settle: pending → active, revoking → revoked",
      (f) =>
        Effect.gen(function* () {
          const level = levelsOf(f)[0]!
          const share = yield* f.provider.grant(f.resource, { grantee: f.grantees[0], level })
          const active = yield* Settle.awaitSettled(f.provider, f.resource, share.id, schedule)
          assert.strictEqual(active.status._tag, "active")
          yield* f.provider.revoke(f.resource, share.id)
          const during = yield* f.provider.get(f.resource, share.id)
          assert.include(["revoking", "revoked"], during.status._tag)
          const revoked = yield* Settle.awaitSettled(f.provider, f.resource, share.id, schedule)
          assert.strictEqual(revoked.status._tag, "revoked")
        }),
      (f) => f.provider.capabilities.asyncStatus
    )

    test(
      "an expiry the provider cannot keep is refused before any write, or dropped with a warning only when asked",
      (f) =>
        Effect.gen(function* () {
          const level = levelsOf(f)[0]!
          const grant = { grantee: f.grantees[0], level, expiresAt: inDays(30) }
          const refused = yield* Effect.flip(f.provider.grant(f.resource, grant))
          assert.strictEqual(refused._tag, "Unsupported")
          assert.deepStrictEqual(yield* collect(f), [])
          const dropped = yield* f.provider.grant(f.resource, { ...grant, onExpiry: "drop" })
          assert.isUndefined(dropped.expiresAt)
        }),
      (f) => !Capabilities.supportsExpiry(f.provider.capabilities, f.grantees[0]._tag)
    )

    test(
      "an expiry is kept, listed, changed and removed (or its removal refused where the provider cannot)",
      (f) =>
        Effect.gen(function* () {
          const level = levelsOf(f)[0]!
          const until = inDays(30)
          const share = yield* f.provider.grant(f.resource, { grantee: f.grantees[0], level, expiresAt: until })
          assert.isTrue(ShareModule.sameExpiry(share.expiresAt, until), `granted ${share.expiresAt}, asked ${until}`)
          const listed = (yield* collect(f)).find((s) => s.id === share.id)
          assert.isTrue(ShareModule.sameExpiry(listed?.expiresAt, until), `listed ${listed?.expiresAt}`)
          if (!f.provider.capabilities.updateLevel) return
          const later = inDays(60)
          const changed = yield* f.provider.update(f.resource, share.id, level, { expiresAt: later })
          assert.isTrue(ShareModule.sameExpiry(changed.expiresAt, later), `updated ${changed.expiresAt}`)
          if (!f.provider.capabilities.expiryRemovable) {
            const refused = yield* Effect.flip(f.provider.update(f.resource, share.id, level, { expiresAt: null }))
            assert.strictEqual(refused._tag, "Unsupported")
            assert.isTrue(ShareModule.sameExpiry((yield* f.provider.get(f.resource, share.id)).expiresAt, later))
            return
          }
          const permanent = yield* f.provider.update(f.resource, share.id, level, { expiresAt: null })
          assert.isUndefined(permanent.expiresAt)
          assert.isUndefined((yield* f.provider.get(f.resource, share.id)).expiresAt)
        }),
      (f) => Capabilities.supportsExpiry(f.provider.capabilities, f.grantees[0]._tag)
    )

    test("population-wide grantees the provider lacks are Unsupported whatever the opt-ins", (f) =>
      Effect.gen(function* () {
        const level = levelsOf(f)[0]!
        const kinds = f.provider.capabilities.granteeKinds
        const wide: ReadonlyArray<Grantee.Grantee> = [
          { _tag: "Everyone" },
          { _tag: "Domain", domain: "conformance.example" },
          { _tag: "Anyone" },
          { _tag: "Anyone", discoverable: true }
        ]
        for (const grantee of wide.filter((g) => !kinds.includes(g._tag))) {
          const error = yield* Effect.flip(
            f.provider.grant(f.resource, {
              grantee,
              level,
              allowEveryone: true,
              allowAnyone: true,
              onLossy: "round-up"
            })
          )
          assert.strictEqual(error._tag, "Unsupported", `${grantee._tag}: ${error.message}`)
        }
        assert.deepStrictEqual(yield* collect(f), [])
      }))

    test(
      "the provider's own roles are granted and read back exactly",
      (f) =>
        Effect.gen(function* () {
          for (const role of f.provider.capabilities.providerRoles) {
            const share = yield* f.provider.grant(f.resource, {
              grantee: f.grantees[0],
              level: role.floor ?? "viewer",
              providerRole: role
            })
            assert.strictEqual(share.providerRole?.name, role.name)
            const got = yield* f.provider.get(f.resource, share.id)
            assert.strictEqual(got.providerRole?.name, role.name)
            assert.deepStrictEqual(got.providerRole?.floor, role.floor)
          }
        }),
      (f) => f.provider.capabilities.providerRoles.length > 0
    )

    test("a role the provider lacks is granted at most its floor, and refused without one", (f) =>
      Effect.gen(function* () {
        const levels = levelsOf(f)
        const noFloor = yield* Effect.flip(
          f.provider.grant(f.resource, {
            grantee: f.grantees[0],
            level: levels[0]!,
            providerRole: { name: "conformance-role" },
            onLossy: "round-up"
          })
        )
        assert.strictEqual(noFloor._tag, "Unsupported")
        assert.deepStrictEqual(yield* collect(f), [])
        const floor = levels[0]!
        const share = yield* f.provider.grant(f.resource, {
          grantee: f.grantees[0],
          level: levels.at(-1)!,
          providerRole: { name: "conformance-role", floor }
        })
        assert.isTrue(AccessLevel.isAtLeast(floor, share.level), `${floor} → ${share.level}`)
        assert.isUndefined(share.providerRole)
      }))

    test("list and get agree for every share", (f) =>
      Effect.gen(function* () {
        const level = levelsOf(f)[0]!
        for (const grantee of f.grantees) yield* f.provider.grant(f.resource, { grantee, level })
        const listed = yield* collect(f)
        assert.strictEqual(listed.length, 3)
        for (const share of listed) {
          const got = yield* f.provider.get(f.resource, share.id)
          assert.deepStrictEqual([got.id, got.level, got.grantee._tag], [share.id, share.level, share.grantee._tag])
        }
      }))
  })
}
