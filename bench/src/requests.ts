/**
 * Requests per operation: actual (from the simulators' request logs) against the lower bound the
 * documented API allows, per adapter × case. The bounds are each adapter's `Provider.requestBounds`
 * (documented in its module). 100 grantees exist before each case (Smartsheet lists the owner's
 * share too); `sync` cases make the resource equal a desired set, neutral cases touch one grantee.
 */
import { randomUUID } from "node:crypto"
import * as Cloudflare from "@unishare/cloudflare"
import * as CloudflareSim from "@unishare/cloudflare/simulator"
import { Grantee, type RequestBounds, type Share, Sync } from "@unishare/core"
import * as Eci from "@unishare/eci"
import * as EciSim from "@unishare/eci/simulator"
import * as Smartsheet from "@unishare/smartsheet"
import * as SmartsheetSim from "@unishare/smartsheet/simulator"
import { Effect, Redacted, type Scope } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import type { Row, Suite } from "./harness.ts"

interface Case {
  readonly name: string
  /** The lower bound, or `undefined` where the adapter cannot express the case (one level only). */
  readonly bound: number | undefined
  readonly run: Effect.Effect<unknown, unknown>
}

interface Adapter {
  readonly name: string
  readonly setup: Effect.Effect<
    { readonly cases: ReadonlyArray<Case>; readonly reset: Effect.Effect<void>; readonly requests: () => number },
    unknown,
    Scope.Scope | HttpClient.HttpClient
  >
}

const change = (c: Partial<RequestBounds.SyncCase> & { readonly before: number }): RequestBounds.SyncCase => ({
  after: c.before,
  add: 0,
  remove: 0,
  upgrade: 0,
  downgrade: 0,
  emails: 0,
  ...c
})
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from)

const smartsheet: Adapter = {
  name: "Smartsheet",
  setup: Effect.gen(function* () {
    const owner = "owner@example.com"
    const token = `bench-${randomUUID()}`
    const sheet = "2000000000000001"
    const email = (i: number) => `user${i}@example.com`
    const sim = yield* SmartsheetSim.serve({
      rateLimit: false,
      seed: {
        users: [{ email: owner, name: "Owner" }, ...range(200).map((i) => ({ email: email(i) }))],
        tokens: [{ token, user: owner }],
        assets: [{ type: "sheet", id: sheet, name: "Sheet", owner }]
      }
    })
    const provider = yield* Smartsheet.make({
      token: Redacted.make(token),
      baseUrl: sim.url,
      rateLimit: { requests: 1_000_000, windowMillis: 1 }
    })
    const resource = Smartsheet.asset("sheet", sheet)
    const grant = (i: number, level: Share.Grant["level"] = "viewer"): Share.Grant => ({
      grantee: Grantee.user({ email: email(i) }),
      level
    })
    const base = range(100).map((i) => grant(i))
    // the owner's share is listed too: 101 shares before
    const reset = Effect.gen(function* () {
      yield* Sync.sync(provider, resource, base).pipe(Effect.orDie)
      sim.clearLog()
    })
    const shareOf = (i: number) =>
      Effect.flatMap(provider.grant(resource, grant(i)), (s) => Effect.succeed(s.id)).pipe(Effect.orDie)
    const cases: ReadonlyArray<Case> = [
      {
        name: "sync no-op",
        bound: Smartsheet.Provider.requestBounds.sync(change({ before: 101 })),
        run: Sync.sync(provider, resource, base)
      },
      {
        name: "sync add 50",
        bound: Smartsheet.Provider.requestBounds.sync(change({ before: 101, after: 151, add: 50 })),
        run: Sync.sync(provider, resource, [...base, ...range(50, 100).map((i) => grant(i))])
      },
      {
        name: "sync remove 50",
        bound: Smartsheet.Provider.requestBounds.sync(change({ before: 101, after: 51, remove: 50 })),
        run: Sync.sync(provider, resource, base.slice(50))
      },
      {
        name: "sync change 50",
        bound: Smartsheet.Provider.requestBounds.sync(change({ before: 101, upgrade: 50 })),
        run: Sync.sync(provider, resource, [...range(50).map((i) => grant(i, "editor")), ...base.slice(50)])
      },
      {
        name: "sync mixed (add, remove, change 20 each)",
        bound: Smartsheet.Provider.requestBounds.sync(change({ before: 101, add: 20, remove: 20, upgrade: 20 })),
        run: Sync.sync(provider, resource, [
          ...range(20).map((i) => grant(i, "editor")),
          ...base.slice(40),
          ...range(20, 100).map((i) => grant(i))
        ])
      },
      {
        name: "grant (new grantee)",
        bound: Smartsheet.Provider.requestBounds.grant(101),
        run: provider.grant(resource, grant(150))
      },
      {
        name: "revoke",
        bound: Smartsheet.Provider.requestBounds.revoke,
        run: Effect.flatMap(
          Effect.tap(shareOf(3), () => Effect.sync(() => sim.clearLog())),
          (id) => provider.revoke(resource, id)
        )
      },
      {
        name: "update",
        bound: Smartsheet.Provider.requestBounds.update,
        run: Effect.flatMap(
          Effect.tap(shareOf(4), () => Effect.sync(() => sim.clearLog())),
          (id) => provider.update(resource, id, "editor")
        )
      }
    ]
    return { cases, reset, requests: () => sim.log().length }
  })
}

const cloudflare: Adapter = {
  name: "Cloudflare",
  setup: Effect.gen(function* () {
    const token = `bench-${randomUUID()}`
    const owner = "023e105f4ecef8ad9ca31a8372d0c353"
    const org = "4ae96b85c43850f2c0a7b9101a0eeb18"
    const account = (i: number) => (i + 1).toString(16).padStart(32, "0")
    const sim = yield* CloudflareSim.serve({
      rateLimit: false,
      transitions: { mode: "reads", reads: 0 },
      credentials: [{ token, principal: "bench" }],
      seed: {
        accounts: [
          { id: owner, name: "Owner", organization_id: org },
          ...range(200).map((i) => ({ id: account(i), organization_id: org }))
        ]
      }
    })
    const provider = yield* Cloudflare.make({
      credentials: Cloudflare.Client.apiToken(Redacted.make(token)),
      baseUrl: sim.url,
      rateLimit: false,
      accounts: [owner]
    })
    const grant = (i: number): Share.Grant => ({ grantee: Grantee.account(account(i)), level: "viewer" })
    const base = range(100).map(grant)
    // a fresh share per case: Cloudflare keeps listing revoked recipients, so each case starts at 100
    let resource = Cloudflare.share(owner, "")
    const reset = Effect.gen(function* () {
      const seeded = sim.seedShare({
        account_id: owner,
        name: "Rules",
        resources: [{ resource_id: "8ac8489932db6327334c9b6d58544cfe", resource_type: "custom-ruleset" }]
      })
      resource = Cloudflare.share(owner, seeded.id)
      yield* Sync.sync(provider, resource, base).pipe(Effect.orDie)
      sim.clearLog()
    })
    const bounds = Cloudflare.Provider.requestBounds
    const sync = (desired: ReadonlyArray<Share.Grant>) => Effect.suspend(() => Sync.sync(provider, resource, desired))
    const cases: ReadonlyArray<Case> = [
      { name: "sync no-op", bound: bounds.sync(change({ before: 100 })), run: sync(base) },
      {
        name: "sync add 50",
        bound: bounds.sync(change({ before: 100, after: 150, add: 50 })),
        run: sync([...base, ...range(50, 100).map(grant)])
      },
      {
        name: "sync remove 50",
        bound: bounds.sync(change({ before: 100, remove: 50 })),
        run: sync(base.slice(50))
      },
      { name: "sync change 50", bound: undefined, run: Effect.void },
      {
        name: "sync mixed (add 20, remove 20)",
        bound: bounds.sync(change({ before: 100, after: 120, add: 20, remove: 20 })),
        run: sync([...base.slice(20), ...range(20, 100).map(grant)])
      },
      {
        name: "grant (new grantee)",
        bound: bounds.grant(100),
        run: Effect.suspend(() => provider.grant(resource, grant(150)))
      },
      {
        name: "revoke",
        bound: bounds.revoke,
        run: Effect.suspend(() =>
          Effect.flatMap(
            Effect.tap(Effect.map(provider.grant(resource, grant(3)), (s) => s.id).pipe(Effect.orDie), () =>
              Effect.sync(() => sim.clearLog())
            ),
            (id) => provider.revoke(resource, id)
          )
        )
      },
      { name: "update", bound: undefined, run: Effect.void }
    ]
    return { cases, reset, requests: () => sim.log().length }
  })
}

const eci: Adapter = {
  name: "EnergyCAP",
  setup: Effect.gen(function* () {
    const key = `bench-${randomUUID()}`
    const email = (i: number) => `user${i}@example.com`
    const sim = yield* EciSim.serve({
      seed: {
        users: [
          { userId: 1, userCode: "admin", email: "admin@example.com" },
          ...range(200).map((i) => ({ userId: 100 + i, userCode: `u${i}`, email: email(i) }))
        ],
        lists: [{ listId: 42, name: "Bills", kind: "bill", creatorId: 1 }],
        apiKeys: [{ key, userId: 1, permissions: EciSim.allPermissions }]
      }
    })
    const provider = yield* Eci.make({ apiKey: Redacted.make(key), baseUrl: sim.url })
    const resource = Eci.list(42)
    const grant = (i: number): Share.Grant => ({ grantee: Grantee.user({ email: email(i) }), level: "viewer" })
    const base = range(100).map(grant)
    const reset = Effect.gen(function* () {
      yield* Sync.sync(provider, resource, base).pipe(Effect.orDie)
      sim.clearLog()
    })
    const shareOf = (i: number) => Effect.map(provider.grant(resource, grant(i)), (s) => s.id).pipe(Effect.orDie)
    const cases: ReadonlyArray<Case> = [
      {
        name: "sync no-op (100 users by email)",
        bound: Eci.Provider.requestBounds.sync(change({ before: 100, emails: 100 })),
        run: Sync.sync(provider, resource, base)
      },
      {
        name: "sync add 50 (150 emails)",
        bound: Eci.Provider.requestBounds.sync(change({ before: 100, after: 150, add: 50, emails: 150 })),
        run: Sync.sync(provider, resource, [...base, ...range(50, 100).map(grant)])
      },
      {
        name: "sync remove 50",
        bound: Eci.Provider.requestBounds.sync(change({ before: 100, after: 50, remove: 50, emails: 50 })),
        run: Sync.sync(provider, resource, base.slice(50))
      },
      { name: "sync change 50", bound: undefined, run: Effect.void },
      {
        name: "sync mixed (add 20, remove 20)",
        bound: Eci.Provider.requestBounds.sync(change({ before: 100, add: 20, remove: 20, emails: 100 })),
        run: Sync.sync(provider, resource, [...base.slice(20), ...range(20, 100).map(grant)])
      },
      {
        name: "grant (new grantee, by user id)",
        bound: Eci.Provider.requestBounds.grant(100),
        run: provider.grant(resource, { grantee: Grantee.user({ id: "250" }), level: "viewer" })
      },
      {
        name: "revoke",
        bound: Eci.Provider.requestBounds.revoke,
        run: Effect.flatMap(
          Effect.tap(shareOf(3), () => Effect.sync(() => sim.clearLog())),
          (id) => provider.revoke(resource, id)
        )
      },
      { name: "update", bound: undefined, run: Effect.void }
    ]
    return { cases, reset, requests: () => sim.log().length }
  })
}

/** The request-count table: one row per adapter × case, `actual / bound`. */
export const requestCounts: Suite = {
  name: "requests per operation: actual / lower bound (simulator request logs)",
  run: async () => {
    const rows: Array<Row> = []
    for (const adapter of [smartsheet, cloudflare, eci]) {
      const adapterRows = await Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const { cases, reset, requests } = yield* adapter.setup
            const out: Array<Row> = []
            for (const c of cases) {
              if (c.bound === undefined) {
                out.push({ name: `${adapter.name} ${c.name}`, value: "n/a (one level)", target: "—", ok: undefined })
                continue
              }
              yield* reset
              const outcome = yield* Effect.result(c.run)
              const actual = requests()
              const failed = outcome._tag === "Failure" ? ` (failed: ${String(outcome.failure)})` : ""
              out.push({
                name: `${adapter.name} ${c.name}`,
                value: `${actual} / ${c.bound} = ${(actual / c.bound).toFixed(2)}×${failed}`,
                target: `${c.bound} (1.00×)`,
                ok: actual <= c.bound && failed === ""
              })
            }
            return out
          })
        ).pipe(Effect.provide(FetchHttpClient.layer))
      )
      rows.push(...adapterRows)
    }
    return rows
  }
}
