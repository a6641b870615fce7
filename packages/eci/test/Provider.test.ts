import { assert, describe, it } from "@effect/vitest"
import { Errors, Grantee, Sync } from "@unishare/core"
import { Effect, Option, Redacted, type Scope, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Eci from "../src/index.ts"
import { keys, leaks, onVirtualTime, setup } from "./support.ts"

const user = (id: number) => Grantee.user({ id: String(id) })
const shareLog = (log: ReadonlyArray<{ method: string; path: string }>) => log.map((r) => `${r.method} ${r.path}`)

/** A test on the virtual clock (`onVirtualTime`): no write waits out the re-read pause in real time. */
const virtual = <E>(name: string, body: () => Effect.Effect<void, E, Scope.Scope>) =>
  it.effect(name, () => onVirtualTime(body()))

describe("Provider", () => {
  virtual("list is one GET and maps users, groups and everyone to stable share ids", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup()
      const shares = yield* Stream.runCollect(provider.list(Eci.list(43)))
      assert.deepStrictEqual(
        shares.map((s) => [s.id, s.grantee, s.level, s.status._tag, s.inherited]),
        [
          ["user:10", { _tag: "User", id: "10" }, "viewer", "active", false],
          ["group:7", { _tag: "Group", id: "7", name: "Finance" }, "viewer", "active", false]
        ]
      )
      assert.deepStrictEqual(shareLog(sim.log()), ["GET /api/v3/list/43/share"])
      const everyone = yield* Stream.runCollect(provider.list(Eci.list(44)))
      assert.deepStrictEqual(
        everyone.map((s) => [s.id, s.grantee._tag]),
        [["everyone", "Everyone"]]
      )
      const got = yield* provider.get(Eci.list(43), "group:7")
      assert.strictEqual(got.grantee._tag, "Group")
      assert.strictEqual((yield* Effect.flip(provider.get(Eci.list(43), "user:11")))._tag, "NotFound")
      assert.strictEqual((yield* Effect.flip(Stream.runCollect(provider.list(Eci.list(4242)))))._tag, "NotFound")
    })
  )

  virtual("grant by id is GET + PUT of the full set + verifying GET; the same grant again writes nothing", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup()
      const share = yield* provider.grant(Eci.list(43), { grantee: user(11), level: "viewer" })
      assert.deepStrictEqual([share.id, share.grantee, share.level], ["user:11", { _tag: "User", id: "11" }, "viewer"])
      assert.deepStrictEqual(shareLog(sim.log()), [
        "GET /api/v3/list/43/share",
        "PUT /api/v3/list/43/share",
        "GET /api/v3/list/43/share"
      ])
      assert.deepStrictEqual(sim.log()[1]?.body, {
        sharedUserGroupIds: [7],
        sharedUserIds: [10, 11],
        sharedWithEveryone: false
      })
      sim.clearLog()
      const again = yield* provider.grant(Eci.list(43), { grantee: user(11), level: "viewer" })
      assert.strictEqual(again.id, share.id)
      assert.deepStrictEqual(shareLog(sim.log()), ["GET /api/v3/list/43/share"])
      const group = yield* provider.grant(Eci.list(43), { grantee: Grantee.group("8"), level: "viewer" })
      assert.deepStrictEqual(group.grantee, { _tag: "Group", id: "8", name: "Energy Managers" })
      assert.deepStrictEqual(sim.share(43), {
        sharedWithEveryone: false,
        sharedUserIds: [10, 11],
        sharedUserGroupIds: [7, 8]
      })
    })
  )

  virtual("grant by email resolves the user through /user and keeps the email on the share", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup()
      const share = yield* provider.grant(Eci.list(42), {
        grantee: Grantee.user({ email: "User5@energy.test" }),
        level: "viewer"
      })
      assert.deepStrictEqual(
        [share.id, share.grantee],
        ["user:5", { _tag: "User", id: "5", email: "User5@energy.test" }]
      )
      assert.deepStrictEqual(shareLog(sim.log()), [
        "GET /api/v3/user",
        "GET /api/v3/list/42/share",
        "PUT /api/v3/list/42/share",
        "GET /api/v3/list/42/share"
      ])
      assert.strictEqual(new URLSearchParams(sim.log()[0]?.query).get("filter"), "email equals 'User5@energy.test'")
    })
  )

  virtual(
    "bad input: listId beyond int32, Everyone with users, unknown email → typed errors, nothing sent or written",
    () =>
      Effect.gen(function* () {
        const { sim, provider } = yield* setup()
        const big = Eci.list(2 ** 31)
        const errors = [
          yield* Effect.flip(Stream.runCollect(provider.list(big))),
          yield* Effect.flip(provider.get(big, "user:1")),
          yield* Effect.flip(provider.grant(big, { grantee: user(1), level: "viewer" })),
          yield* Effect.flip(provider.revoke(big, "user:1")),
          yield* Effect.flip(provider.replace!(big, [{ grantee: user(1), level: "viewer" }])),
          yield* Effect.flip(Stream.runCollect(provider.list(Eci.list("12abc"))))
        ]
        for (const e of errors) {
          assert.strictEqual(e._tag, "InvalidInput")
          assert.strictEqual(e._tag === "InvalidInput" && e.issues[0]?.path, "resource.id")
        }
        const mixed = yield* Effect.flip(
          provider.replace!(
            Eci.list(42),
            [
              { grantee: user(1), level: "viewer" },
              { grantee: Grantee.everyone, level: "viewer" },
              { grantee: Grantee.group("7"), level: "viewer" }
            ],
            { allowEveryone: true }
          )
        )
        assert.strictEqual(mixed._tag, "InvalidInput")
        assert.strictEqual(mixed._tag === "InvalidInput" && mixed.issues[0]?.path, "desired.1.grantee")
        const badUserId = yield* Effect.flip(provider.grant(Eci.list(42), { grantee: user(2 ** 31), level: "viewer" }))
        assert.strictEqual(badUserId._tag === "InvalidInput" && badUserId.issues[0]?.path, "grantee.id")
        const badInReplace = yield* Effect.flip(
          provider.replace!(Eci.list(42), [
            { grantee: user(1), level: "viewer" },
            { grantee: Grantee.group("x7"), level: "viewer" }
          ])
        )
        assert.strictEqual(badInReplace._tag === "InvalidInput" && badInReplace.issues[0]?.path, "desired.1.grantee.id")
        const noOptIn = yield* Effect.flip(provider.grant(Eci.list(42), { grantee: Grantee.everyone, level: "viewer" }))
        assert.strictEqual(noOptIn._tag, "InvalidInput")
        const account = yield* Effect.flip(
          provider.grant(Eci.list(42), { grantee: Grantee.account("a"), level: "viewer" })
        )
        assert.strictEqual(account._tag, "Unsupported")
        assert.deepStrictEqual(sim.log(), [], "no request was sent")

        const unknownEmail = yield* Effect.flip(
          provider.grant(Eci.list(42), { grantee: Grantee.user({ email: "ghost@energy.test" }), level: "viewer" })
        )
        assert.strictEqual(unknownEmail._tag, "InvalidInput")
        assert.strictEqual(unknownEmail._tag === "InvalidInput" && unknownEmail.issues[0]?.path, "grantee.email")
        const unknownInReplace = yield* Effect.flip(
          provider.replace!(Eci.list(42), [
            { grantee: user(1), level: "viewer" },
            { grantee: Grantee.user({ email: "ghost@energy.test" }), level: "viewer" }
          ])
        )
        assert.strictEqual(
          unknownInReplace._tag === "InvalidInput" && unknownInReplace.issues[0]?.path,
          "desired.1.grantee.email"
        )
        sim.seed({ users: [{ userId: 601, userCode: "twin", email: "user1@energy.test" }] })
        const ambiguous = yield* Effect.flip(
          provider.grant(Eci.list(42), { grantee: Grantee.user({ email: "user1@energy.test" }), level: "viewer" })
        )
        assert.strictEqual(ambiguous._tag, "InvalidInput")
        assert.include(ambiguous.message, "2 EnergyCAP users")
        assert.deepStrictEqual([...new Set(shareLog(sim.log()))], ["GET /api/v3/user"], "only lookups, no write")
        assert.deepStrictEqual(sim.share(42), { sharedWithEveryone: false, sharedUserIds: [], sharedUserGroupIds: [] })
      })
  )

  virtual("a sync whose desired set has Everyone and users fails with InvalidInput and writes nothing", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup()
      const error = yield* Effect.flip(
        Sync.sync(
          provider,
          Eci.list(43),
          [
            { grantee: Grantee.everyone, level: "viewer" },
            { grantee: user(1), level: "viewer" }
          ],
          { allowEveryone: true }
        )
      )
      assert.strictEqual(error._tag, "InvalidInput")
      assert.isTrue(sim.log().every((r) => r.method === "GET"))
      assert.deepStrictEqual(sim.share(43), { sharedWithEveryone: false, sharedUserIds: [10], sharedUserGroupIds: [7] })
    })
  )

  virtual("Everyone: opt-in, sent without ids, exclusive of explicit grants (Conflict), switched with replace", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup()
      const everyone = yield* provider.grant(Eci.list(42), {
        grantee: Grantee.everyone,
        level: "viewer",
        allowEveryone: true
      })
      assert.strictEqual(everyone.id, "everyone")
      assert.deepStrictEqual(sim.log()[1]?.body, {
        sharedUserGroupIds: [],
        sharedUserIds: [],
        sharedWithEveryone: true
      })
      sim.clearLog()
      // a user on a list shared with everyone: Conflict, nothing written
      const userOnEveryone = yield* Effect.flip(provider.grant(Eci.list(42), { grantee: user(1), level: "viewer" }))
      assert.strictEqual(userOnEveryone._tag, "Conflict")
      assert.include(userOnEveryone.message, "replace")
      // everyone on a list with explicit shares: Conflict, nothing written
      const everyoneOnExplicit = yield* Effect.flip(
        provider.grant(Eci.list(43), { grantee: Grantee.everyone, level: "viewer", allowEveryone: true })
      )
      assert.strictEqual(everyoneOnExplicit._tag, "Conflict")
      assert.include(everyoneOnExplicit.message, "users [10], groups [7]")
      assert.isTrue(sim.log().every((r) => r.method === "GET"))
      assert.deepStrictEqual(sim.share(43), { sharedWithEveryone: false, sharedUserIds: [10], sharedUserGroupIds: [7] })
      // replace switches on purpose: one PUT (and the lost-update re-read), explicit shares gone
      sim.clearLog()
      const replaced = yield* provider.replace!(Eci.list(43), [{ grantee: Grantee.everyone, level: "viewer" }], {
        allowEveryone: true
      })
      assert.deepStrictEqual(
        replaced.map((s) => s.id),
        ["everyone"]
      )
      assert.deepStrictEqual(shareLog(sim.log()), ["PUT /api/v3/list/43/share", "GET /api/v3/list/43/share"])
      assert.deepStrictEqual(sim.share(43), { sharedWithEveryone: true, sharedUserIds: [], sharedUserGroupIds: [] })
      // revoking everyone leaves an unshared list
      yield* provider.revoke(Eci.list(43), "everyone")
      assert.deepStrictEqual(sim.share(43), { sharedWithEveryone: false, sharedUserIds: [], sharedUserGroupIds: [] })
    })
  )

  virtual("one implicit level: editor rounds down to viewer, onLossy fail is Unsupported before any request", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup()
      const strict = yield* Effect.flip(
        provider.grant(Eci.list(42), { grantee: user(1), level: "editor", onLossy: "fail" })
      )
      assert.strictEqual(strict._tag, "Unsupported")
      const strictUpdate = yield* Effect.flip(provider.update(Eci.list(43), "user:10", "admin", { onLossy: "fail" }))
      assert.strictEqual(strictUpdate._tag, "Unsupported")
      const badLevel = yield* Effect.flip(provider.update(Eci.list(43), "user:10", "boss" as never))
      assert.strictEqual(badLevel._tag === "InvalidInput" && badLevel.issues[0]?.path, "level")
      assert.strictEqual(sim.log().length, 0)
      const narrowed = yield* provider.grant(Eci.list(42), { grantee: user(1), level: "editor" })
      assert.strictEqual(narrowed.level, "viewer")
      const updated = yield* provider.update(Eci.list(43), "user:10", "owner")
      assert.deepStrictEqual([updated.id, updated.level], ["user:10", "viewer"])
      assert.isFalse(provider.capabilities.updateLevel)
    })
  )

  virtual("revoke is GET + PUT + verifying GET; revoking again, or an unknown grantee, writes nothing", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup()
      yield* provider.revoke(Eci.list(43), "user:10")
      assert.deepStrictEqual(shareLog(sim.log()), [
        "GET /api/v3/list/43/share",
        "PUT /api/v3/list/43/share",
        "GET /api/v3/list/43/share"
      ])
      assert.deepStrictEqual(sim.log()[1]?.body, {
        sharedUserGroupIds: [7],
        sharedUserIds: [],
        sharedWithEveryone: false
      })
      sim.clearLog()
      yield* provider.revoke(Eci.list(43), "user:10")
      yield* provider.revoke(Eci.list(43), "group:9")
      assert.isTrue(sim.log().every((r) => r.method === "GET"))
      // a malformed share id is bad input, refused before any request
      sim.clearLog()
      assert.strictEqual((yield* Effect.flip(provider.revoke(Eci.list(43), "bogus")))._tag, "InvalidInput")
      assert.deepStrictEqual(sim.log(), [])
    })
  )

  virtual("N concurrent grants on one list in one process: all N present, no lost update", () =>
    Effect.gen(function* () {
      const { sim, provider, config } = yield* setup()
      // a second provider instance in the same process shares the per-list lock
      const other = yield* Eci.make(config).pipe(Effect.provide(FetchHttpClient.layer))
      const n = 30
      const ids = Array.from({ length: n }, (_, i) => 100 + i)
      const shares = yield* Effect.forEach(
        ids,
        (id, i) => (i % 2 === 0 ? provider : other).grant(Eci.list(42), { grantee: user(id), level: "viewer" }),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(shares.length, n)
      assert.deepStrictEqual(
        [...(sim.share(42)?.sharedUserIds ?? [])].sort((a, b) => a - b),
        ids
      )
      const listed = yield* Stream.runCollect(provider.list(Eci.list(42)))
      assert.strictEqual(listed.length, n)
      assert.strictEqual(sim.log().filter((r) => r.method === "PUT").length, n)
    })
  )

  virtual("a concurrent writer elsewhere is detected by the read-back and reported as Conflict", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup()
      // another writer replaces the whole set right after our PUT: our grant is lost
      sim.interleave({
        method: "PUT",
        path: "/api/v3/list/42/share",
        run: (s) => s.setShare(42, { sharedUserIds: [99] })
      })
      const lost = yield* Effect.flip(provider.grant(Eci.list(42), { grantee: user(1), level: "viewer" }))
      assert.strictEqual(lost._tag, "Conflict")
      assert.include(lost.message, "is not in effect")
      assert.deepInclude(lost.detail as object, { listId: 42, ourChangeInEffect: false })
      // another writer adds someone right after our PUT: our grant survived, which is all a grant promises
      sim.interleave({
        method: "PUT",
        path: "/api/v3/list/42/share",
        run: (s) => s.setShare(42, { sharedUserIds: [...(s.share(42)?.sharedUserIds ?? []), 98] })
      })
      const kept = yield* provider.grant(Eci.list(42), { grantee: user(2), level: "viewer" })
      assert.strictEqual(kept.id, "user:2")
      assert.deepStrictEqual(sim.share(42)?.sharedUserIds, [99, 2, 98])
      // revoke too: a stale writer puts the revoked user back
      sim.interleave({
        method: "PUT",
        path: "/api/v3/list/42/share",
        run: (s) => s.setShare(42, { sharedUserIds: [99, 2, 98] })
      })
      const revokeRaced = yield* Effect.flip(provider.revoke(Eci.list(42), "user:98"))
      assert.strictEqual(revokeRaced._tag, "Conflict")
    })
  )

  virtual("Sync retries a Conflict and converges (operations strategy)", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup()
      sim.interleave({
        method: "PUT",
        path: "/api/v3/list/42/share",
        run: (s) => s.setShare(42, { sharedUserIds: [99] })
      })
      const result = yield* Sync.sync(
        provider,
        Eci.list(42),
        [
          { grantee: user(1), level: "viewer" },
          { grantee: user(2), level: "viewer" }
        ],
        { strategy: "operations" }
      )
      assert.isTrue(result.verified)
      assert.strictEqual(result.attempts, 2)
      // the foreign writer's 99 was in the state when the retry read it, and the plan revoked it
      assert.deepStrictEqual([...(sim.share(42)?.sharedUserIds ?? [])].sort(), [1, 2])
    })
  )

  virtual("sync of 500 desired grantees is exactly 1 GET + 1 PUT + the verifying GET", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup()
      const desired = Array.from({ length: 500 }, (_, i) => ({ grantee: user(i + 1), level: "viewer" as const }))
      const result = yield* Sync.sync(provider, Eci.list(43), desired)
      assert.strictEqual(result.strategy, "replace")
      assert.isTrue(result.verified)
      assert.strictEqual(result.shares.length, 500)
      assert.deepStrictEqual(shareLog(sim.log()), [
        "GET /api/v3/list/43/share",
        "PUT /api/v3/list/43/share",
        "GET /api/v3/list/43/share"
      ])
      const body = sim.log()[1]?.body as { sharedUserIds: Array<number>; sharedUserGroupIds: Array<number> }
      assert.strictEqual(body.sharedUserIds.length, 500)
      assert.deepStrictEqual(body.sharedUserGroupIds, [])
      // converged: a second sync only reads
      sim.clearLog()
      const second = yield* Sync.sync(provider, Eci.list(43), desired)
      assert.strictEqual(second.strategy, "none")
      assert.deepStrictEqual(shareLog(sim.log()), ["GET /api/v3/list/43/share"])
    })
  )

  virtual("replace is one PUT and sets exactly the desired set (duplicates collapse)", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup()
      const shares = yield* provider.replace!(Eci.list(43), [
        { grantee: user(3), level: "viewer" },
        { grantee: user(3), level: "editor" },
        { grantee: Grantee.group("8"), level: "viewer" }
      ])
      assert.deepStrictEqual(
        shares.map((s) => s.id),
        ["user:3", "group:8"]
      )
      // the PUT, the lost-update re-read, and (once per provider) the all-users group lookup
      assert.deepStrictEqual(shareLog(sim.log()), [
        "GET /api/v3/userGroup",
        "PUT /api/v3/list/43/share",
        "GET /api/v3/list/43/share"
      ])
      sim.clearLog()
      yield* provider.replace!(Eci.list(43), [])
      assert.deepStrictEqual(sim.log()[0]?.body, {
        sharedUserGroupIds: [],
        sharedUserIds: [],
        sharedWithEveryone: false
      })
    })
  )

  virtual("a PUT that failed after being applied is retried (PUT is idempotent) and verified", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup()
      sim.inject({ kind: "applied-then-status", status: 503, method: "PUT" })
      const share = yield* provider.grant(Eci.list(42), { grantee: user(1), level: "viewer" })
      assert.strictEqual(share.id, "user:1")
      assert.deepStrictEqual(
        sim.log().map((r) => `${r.method} ${r.status}`),
        ["GET 200", "PUT 503", "PUT 200", "GET 200"]
      )
    })
  )

  virtual("401 on a list without permission is AccessDenied naming the documented permissions; nothing written", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup({ key: keys.noLists })
      const denied = yield* Effect.flip(provider.grant(Eci.list(42), { grantee: user(1), level: "viewer" }))
      assert.strictEqual(denied._tag, "AccessDenied")
      assert.include(denied.message, "creator of the list and SharedBillLists: Create")
      assert.include(denied.message, "BillListAdministrator: Manage")
      assert.include(denied.message, "SharedRecordsLists: Create")
      assert.include(denied.message, "RecordsListAdministrator: Manage")
      assert.isTrue(sim.log().every((r) => r.method === "GET"))
      const creator = yield* setup({ key: keys.creator })
      const notCreator = yield* Effect.flip(creator.provider.revoke(Eci.list(42), "user:1"))
      assert.strictEqual(notCreator._tag, "AccessDenied")
      yield* creator.provider.grant(Eci.list(43), { grantee: user(12), level: "viewer" })
      assert.include(creator.sim.share(43)?.sharedUserIds ?? [], 12)
      assert.deepStrictEqual(leaks([denied, notCreator, sim.log(), creator.sim.log()]), [])
    })
  )

  virtual("listResources uses GET /list; resolveGrantee maps emails to ids and leaves ids alone", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup()
      const resources = yield* Stream.runCollect(provider.listResources!)
      assert.deepStrictEqual(resources, [
        { resource: Eci.list(42), name: "Bills awaiting approval" },
        { resource: Eci.list(44), name: "Active meters" }
      ])
      assert.deepStrictEqual(shareLog(sim.log()), ["GET /api/v3/list"])
      sim.clearLog()
      const resolved = yield* provider.resolveGrantee!(Grantee.user({ email: "user8@energy.test" }))
      assert.deepStrictEqual(resolved, Option.some(Grantee.user({ id: "8", email: "user8@energy.test" })))
      assert.deepStrictEqual(
        yield* provider.resolveGrantee!(Grantee.user({ email: "ghost@energy.test" })),
        Option.none()
      )
      assert.strictEqual(sim.log().length, 2)
      sim.clearLog()
      assert.deepStrictEqual(yield* provider.resolveGrantee!(user(8)), Option.some(user(8)))
      assert.deepStrictEqual(yield* provider.resolveGrantee!(Grantee.group("7")), Option.some(Grantee.group("7")))
      assert.deepStrictEqual(yield* provider.resolveGrantee!(Grantee.everyone), Option.some(Grantee.everyone))
      assert.strictEqual(sim.log().length, 0)
      assert.strictEqual((yield* Effect.flip(provider.resolveGrantee!(Grantee.account("x"))))._tag, "Unsupported")
      assert.strictEqual((yield* Effect.flip(provider.resolveGrantee!(Grantee.group("-1"))))._tag, "InvalidInput")
    })
  )

  virtual("layerConfig reads ECI_* variables; the key stays redacted", () =>
    Effect.gen(function* () {
      const { sim } = yield* setup()
      const { ConfigProvider, Layer } = yield* Effect.promise(() => import("effect"))
      const { SharingProvider } = yield* Effect.promise(() => import("@unishare/core"))
      const env = ConfigProvider.fromEnv({
        env: { ECI_API_KEY: keys.admin, ECI_BASE_URL: sim.url, ECI_ENVIRONMENT: "app-eu" }
      })
      const shares = yield* SharingProvider.SharingProvider.use((p) => Stream.runCollect(p.list(Eci.list(43)))).pipe(
        Effect.provide(Eci.layerConfig.pipe(Layer.provide([FetchHttpClient.layer, ConfigProvider.layer(env)])))
      )
      assert.strictEqual(shares.length, 2)
      const config = yield* Eci.config.parse(env)
      assert.notInclude(String(config.apiKey), keys.admin)
      assert.strictEqual(Redacted.value(config.apiKey), keys.admin)
      const missing = yield* Effect.flip(Eci.config.parse(ConfigProvider.fromEnv({ env: {} })))
      assert.include(missing.message, "ECI_API_KEY")
      void Errors
    })
  )
})
