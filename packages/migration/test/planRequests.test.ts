/**
 * `plan`'s requests against the EnergyCAP simulator, counted from its request log: identity
 * resolution is one `email one of` query per 200 distinct emails (the fallback included), plus one
 * read per mapped list — the documented minimum, exactly. Each principal's outcome (resolved, does
 * not exist, not valid, several users with one email) is the one it gets when resolved alone.
 */
import { assert, describe, it } from "@effect/vitest"
import { Grantee, ShareStatus, type SharingProvider } from "@unishare/core"
import * as Eci from "@unishare/eci"
import * as EciSimulator from "@unishare/eci/simulator"
import { IdentityMap, Migration, ResourceMap, type Snapshot } from "@unishare/migration"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"

const apiKey = "cGxhbg==.cGxhbi1rZXk=.cGxhbi1zZWNyZXQ="
const emailsPerQuery = 200
const bounds = Eci.Provider.requestBounds

const email = (i: number) => `person${i}@corp.example`
const sheet = (i: number) => ({ provider: "smartsheet", kind: "sheet", id: String(5000 + i) })

/** `users` people on EnergyCAP (ids 100…), the IT desk, two users sharing one email, groups 10 and 11, `lists` lists (2000…). */
const serve = (users: number, lists: number) =>
  Effect.gen(function* () {
    const sim = yield* EciSimulator.serve({
      seed: {
        users: [
          { userId: 1, userCode: "admin", email: "admin@corp.example" },
          { userId: 99, userCode: "it", email: "it@corp.example" },
          { userId: 97, userCode: "front1", email: "frontdesk@corp.example" },
          { userId: 98, userCode: "front2", email: "frontdesk@corp.example" },
          ...Array.from({ length: users }, (_, i) => ({ userId: 100 + i, userCode: `p${i}`, email: email(i) }))
        ],
        groups: [
          { userGroupId: 10, userGroupName: "Finance" },
          { userGroupId: 11, userGroupName: "Facilities" }
        ],
        lists: Array.from({ length: lists }, (_, i) => ({ listId: 2000 + i, name: `Bills ${i}`, creatorId: 1 })),
        apiKeys: [{ key: apiKey, userId: 1, permissions: EciSimulator.allPermissions }]
      }
    })
    const eci = yield* Eci.make({
      apiKey: Redacted.make(apiKey),
      baseUrl: sim.url,
      retry: { times: 1, baseMillis: 1, maxMillis: 5 }
    }).pipe(Effect.provide(FetchHttpClient.layer))
    return { sim, eci }
  })

/** A Smartsheet snapshot: sheet `i` shares with each grantee of `granteesOf(i)`. */
const snapshotOf = (sheets: number, granteesOf: (i: number) => ReadonlyArray<Grantee.Grantee>): Snapshot.Snapshot => ({
  format: "unishare/snapshot",
  version: 1,
  provider: "smartsheet",
  exportedAt: new Date(0).toISOString(),
  resources: Array.from({ length: sheets }, (_, i) => ({
    resource: sheet(i),
    shares: granteesOf(i).map((grantee, k) => ({
      id: `s${i}-${k}`,
      grantee,
      level: "viewer" as const,
      status: ShareStatus.active,
      inherited: false
    }))
  }))
})

const resourcesFor = (sheets: number) =>
  ResourceMap.fromEntries(Array.from({ length: sheets }, (_, i) => ({ source: sheet(i), target: Eci.list(2000 + i) })))
const groups = IdentityMap.fromEntries([
  { source: Grantee.group("501"), target: Grantee.group("10") },
  { source: Grantee.group("502"), target: Grantee.group("11") }
])

/** The requests `effect` sends, by kind: user queries, share reads, anything else. */
const counted = <A, E>(sim: EciSimulator.Simulator, effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    sim.clearLog()
    const value = yield* effect
    const log = sim.log().map((r) => `${r.method} ${r.path}`)
    const userQueries = log.filter((l) => l === "GET /api/v3/user").length
    const shareReads = log.filter((l) => /^GET \/api\/v3\/list\/\d+\/share$/.test(l)).length
    return { value, requests: log.length, userQueries, shareReads, others: log.length - userQueries - shareReads }
  })

describe("plan resolves identities in the fewest requests EnergyCAP allows", () => {
  it.live("450 distinct emails (fallback included) across 12 lists: ⌈450 / 200⌉ user queries + 12 list reads", () =>
    Effect.gen(function* () {
      const SHEETS = 12
      const { sim, eci } = yield* serve(440, SHEETS)
      // 440 people who exist and 9 who do not (449 emails), spread over the sheets with repeats, and a group
      const people = [
        ...Array.from({ length: 440 }, (_, i) => email(i)),
        ...Array.from({ length: 9 }, (_, i) => `ghost${i}@corp.example`)
      ]
      const snapshot = snapshotOf(SHEETS, (i) => [
        ...people.filter((_, p) => p % SHEETS === i || p % 7 === i).map((e) => Grantee.user({ email: e })),
        Grantee.group(i % 2 === 0 ? "501" : "502")
      ])
      const distinct = new Set(snapshot.resources.flatMap((r) => r.shares.map((s) => Grantee.keys(s.grantee)[0])))
      assert.strictEqual(distinct.size, 449 + 2)
      const fallback = Grantee.user({ email: "it@corp.example" })
      const emails = 449 + 1
      const minimum =
        Math.ceil(emails / emailsPerQuery) + snapshot.resources.reduce((n, r) => n + bounds.list(r.shares.length), 0)

      const { value: plan, ...requests } = yield* counted(
        sim,
        Migration.plan({
          snapshot,
          target: eci,
          identities: groups,
          resources: resourcesFor(SHEETS),
          options: { fallback }
        })
      )
      assert.deepStrictEqual(requests, {
        requests: minimum,
        userQueries: Math.ceil(emails / emailsPerQuery),
        shareReads: SHEETS,
        others: 0
      })
      assert.strictEqual(minimum, 3 + 12)
      // the outcomes: people by id, the ghosts to the fallback with the reason, groups as mapped
      assert.strictEqual(plan.problems.length, 0)
      const entries = plan.items.flatMap((item) => item.entries)
      const ghost = entries.find((e) => e.source._tag === "User" && e.source.email === "ghost3@corp.example")
      assert.deepStrictEqual(ghost?.target, Grantee.user({ id: "99", email: "it@corp.example" }))
      assert.strictEqual(ghost?.via, "fallback")
      assert.isTrue(
        ghost?.note?.startsWith("unresolved (user ghost3@corp.example does not exist on eci): given to the fallback"),
        ghost?.note
      )
      const person = entries.find((e) => e.source._tag === "User" && e.source.email === email(123))
      assert.deepStrictEqual(person?.target, Grantee.user({ id: "223", email: email(123) }))
      assert.strictEqual(person?.via, "auto")
      assert.strictEqual(
        plan.summary.fallback,
        entries.filter((e) => e.source._tag === "User" && e.source.email?.startsWith("ghost")).length
      )
    })
  )

  it.live(
    "every outcome is the one the principal gets alone; a refused principal costs one more pass, not a query each",
    () =>
      Effect.gen(function* () {
        const { sim, eci } = yield* serve(300, 1)
        const sources = [
          ...Array.from({ length: 300 }, (_, i) => Grantee.user({ email: email(i) })),
          Grantee.account("acc2"), // mapped to a person another source already is: asked once
          Grantee.user({ email: "ghost@corp.example" }),
          Grantee.user({ email: "frontdesk@corp.example" }), // two EnergyCAP users have it
          Grantee.user({ email: "a@b.c,d@e.f" }), // not one address
          Grantee.group("501"),
          Grantee.group("502"),
          Grantee.group("503"),
          Grantee.everyone,
          Grantee.account("acc1")
        ]
        const identities = IdentityMap.fromEntries([
          { source: Grantee.group("501"), target: Grantee.group("10") },
          { source: Grantee.group("502"), target: Grantee.group("ten") }, // not an EnergyCAP id
          { source: Grantee.account("acc1"), target: Grantee.user({ id: "99" }) },
          { source: Grantee.account("acc2"), target: Grantee.user({ email: email(5) }) }
        ])
        const fallback = Grantee.user({ email: "it@corp.example" })
        const { resolveGrantees: _, ...oneByOne } = eci
        const alone = yield* counted(sim, IdentityMap.resolveAll(sources, identities, oneByOne, { fallback }))
        const together = yield* counted(sim, IdentityMap.resolveAll(sources, identities, eci, { fallback }))
        assert.deepStrictEqual([...together.value.entries()], [...alone.value.entries()])
        // one request per email alone (fallback + 300 + ghost + frontdesk; the malformed one is refused unsent)
        assert.strictEqual(alone.requests, 303)
        // together: the malformed email and group id are refused unsent; the shared email after one pass
        // of ⌈303 / 200⌉ queries, then the rest again
        assert.deepStrictEqual(
          { requests: together.requests, userQueries: together.userQueries },
          { requests: 2 + 2, userQueries: 4 }
        )
        const reason = (g: Grantee.Grantee) => IdentityMap.find(together.value, g)?.reason
        assert.strictEqual(
          reason(Grantee.user({ email: "ghost@corp.example" })),
          "user ghost@corp.example does not exist on eci"
        )
        assert.match(
          reason(Grantee.user({ email: "frontdesk@corp.example" })) ?? "",
          /^user frontdesk@corp\.example is not valid on eci: 2 EnergyCAP users have the email/
        )
        assert.match(reason(Grantee.user({ email: "a@b.c,d@e.f" })) ?? "", /^user a@b\.c,d@e\.f is not valid on eci: /)
        assert.match(reason(Grantee.group("502")) ?? "", /^group ten is not valid on eci: .*userGroupId/)
        assert.strictEqual(reason(Grantee.group("503")), "no identity map entry")
        assert.deepStrictEqual(
          IdentityMap.find(together.value, Grantee.account("acc1"))?.target,
          Grantee.user({ id: "99" })
        )
        assert.deepStrictEqual(
          IdentityMap.find(together.value, Grantee.user({ email: email(5) }))?.target,
          Grantee.user({ id: "105", email: email(5) })
        )
        assert.deepStrictEqual(
          IdentityMap.find(together.value, Grantee.account("acc2"))?.target,
          Grantee.user({ id: "105", email: email(5) })
        )
      })
  )

  it.live("a fallback EnergyCAP does not have stops the plan, after the same queries", () =>
    Effect.gen(function* () {
      const { sim, eci } = yield* serve(10, 1)
      const snapshot = snapshotOf(1, () => [Grantee.user({ email: email(1) })])
      const run = (target: SharingProvider.Shape) =>
        counted(
          sim,
          Effect.flip(
            Migration.plan({
              snapshot,
              target,
              identities: IdentityMap.empty,
              resources: resourcesFor(1),
              options: { fallback: Grantee.user({ email: "nobody@corp.example" }) }
            })
          )
        )
      const together = yield* run(eci)
      const { resolveGrantees: _, ...oneByOne } = eci
      const alone = yield* run(oneByOne)
      for (const r of [together, alone]) {
        assert.strictEqual(r.value._tag, "InvalidInput")
        assert.deepStrictEqual(r.value._tag === "InvalidInput" ? r.value.issues : [], [
          { path: "fallback", message: "user nobody@corp.example does not exist on eci" }
        ])
      }
      // together: one query for both emails; alone: the fallback first, nothing after it
      assert.deepStrictEqual([together.requests, alone.requests], [1, 1])
    })
  )

  it.live("21,000 shares (1,000 sheets × 20 people of 5,000, and a group): requests ≤ 1.05 × the minimum", () =>
    Effect.gen(function* () {
      const SHEETS = 1000
      const { sim, eci } = yield* serve(5000, SHEETS)
      const snapshot = snapshotOf(SHEETS, (i) => [
        ...Array.from({ length: 20 }, (_, k) => Grantee.user({ email: email((i * 20 + k) % 5000) })),
        Grantee.group("501")
      ])
      assert.strictEqual(
        snapshot.resources.reduce((n, r) => n + r.shares.length, 0),
        21_000
      )
      const emails = new Set(
        snapshot.resources.flatMap((r) => r.shares.flatMap((s) => (s.grantee._tag === "User" ? [s.grantee.email] : [])))
      ).size
      assert.strictEqual(emails, 5000)
      const minimum = Math.ceil(emails / emailsPerQuery) + SHEETS * bounds.list(0)
      assert.strictEqual(minimum, 1025)
      const { value: plan, ...requests } = yield* counted(
        sim,
        Migration.plan({ snapshot, target: eci, identities: groups, resources: resourcesFor(SHEETS) })
      )
      assert.isAtMost(requests.requests, 1.05 * minimum)
      assert.deepStrictEqual(requests, { requests: minimum, userQueries: 25, shareReads: SHEETS, others: 0 })
      assert.strictEqual(plan.summary.shares, 21_000)
      assert.strictEqual(plan.summary.unresolved, 0)
    })
  )
})
