/**
 * Requests per operation: actual (from the simulators' request logs) against the lower bound the
 * documented API allows, per adapter × case. 100 grantees exist before each case; `sync` cases make
 * the resource equal a desired set (list, write, read back), neutral cases touch one grantee.
 *
 * Lower bounds (`bound`): `pages(n)` list requests to read n shares; a sync is the list, the writes,
 * and the read-back list. Smartsheet: one array `POST /shares` adds any number, `PATCH` / `DELETE`
 * are per share (100 shares per page). Cloudflare: one `GET` lists recipients (100 per page);
 * `PUT recipients` replaces the set in one request. EnergyCAP: the list's share is one resource
 * (`GET` / full-replace `PUT`), emails resolve with one filtered user query. Cases the issue gives
 * a figure for use it; the rest follow the same rules.
 */
import { randomUUID } from "node:crypto"
import * as Cloudflare from "@unishare/cloudflare"
import * as CloudflareSim from "@unishare/cloudflare/simulator"
import { Grantee, type Share, Sync } from "@unishare/core"
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

const pages = (n: number, per = 100) => Math.max(1, Math.ceil(n / per))
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
      { name: "sync no-op", bound: pages(101), run: Sync.sync(provider, resource, base) },
      {
        name: "sync add 50",
        bound: pages(101) + 1 + pages(151),
        run: Sync.sync(provider, resource, [...base, ...range(50, 100).map((i) => grant(i))])
      },
      {
        name: "sync remove 50",
        bound: pages(101) + 50 + pages(51),
        run: Sync.sync(provider, resource, base.slice(50))
      },
      {
        name: "sync change 50",
        bound: pages(101) + 50 + pages(101),
        run: Sync.sync(provider, resource, [...range(50).map((i) => grant(i, "editor")), ...base.slice(50)])
      },
      {
        name: "sync mixed (add, remove, change 20 each)",
        bound: pages(101) + 1 + 20 + 20 + pages(101),
        run: Sync.sync(provider, resource, [
          ...range(20).map((i) => grant(i, "editor")),
          ...base.slice(40),
          ...range(20, 100).map((i) => grant(i))
        ])
      },
      { name: "grant (new grantee)", bound: 2, run: provider.grant(resource, grant(150)) },
      {
        name: "revoke",
        bound: 1,
        run: Effect.flatMap(
          Effect.tap(shareOf(3), () => Effect.sync(() => sim.clearLog())),
          (id) => provider.revoke(resource, id)
        )
      },
      {
        name: "update",
        bound: 1,
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
    const seeded = sim.seedShare({
      account_id: owner,
      name: "Rules",
      resources: [{ resource_id: "8ac8489932db6327334c9b6d58544cfe", resource_type: "custom-ruleset" }]
    })
    const provider = yield* Cloudflare.make({
      credentials: Cloudflare.Client.apiToken(Redacted.make(token)),
      baseUrl: sim.url,
      rateLimit: false,
      accounts: [owner]
    })
    const resource = Cloudflare.share(owner, seeded.id)
    const grant = (i: number): Share.Grant => ({ grantee: Grantee.account(account(i)), level: "viewer" })
    const base = range(100).map(grant)
    const reset = Effect.gen(function* () {
      yield* Sync.sync(provider, resource, base).pipe(Effect.orDie)
      sim.clearLog()
    })
    const shareOf = (i: number) => Effect.map(provider.grant(resource, grant(i)), (s) => s.id).pipe(Effect.orDie)
    const cases: ReadonlyArray<Case> = [
      { name: "sync no-op", bound: 1, run: Sync.sync(provider, resource, base) },
      { name: "sync add 50", bound: 4, run: Sync.sync(provider, resource, [...base, ...range(50, 100).map(grant)]) },
      { name: "sync remove 50", bound: 3, run: Sync.sync(provider, resource, base.slice(50)) },
      { name: "sync change 50", bound: undefined, run: Effect.void },
      {
        name: "sync mixed (add 20, remove 20)",
        bound: 3,
        run: Sync.sync(provider, resource, [...base.slice(20), ...range(20, 100).map(grant)])
      },
      { name: "grant (new grantee)", bound: 1, run: provider.grant(resource, grant(150)) },
      {
        name: "revoke",
        bound: 1,
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
      { name: "sync no-op (100 users by email)", bound: 2, run: Sync.sync(provider, resource, base) },
      {
        name: "sync add 50 (150 emails)",
        bound: 4,
        run: Sync.sync(provider, resource, [...base, ...range(50, 100).map(grant)])
      },
      { name: "sync remove 50", bound: 4, run: Sync.sync(provider, resource, base.slice(50)) },
      { name: "sync change 50", bound: undefined, run: Effect.void },
      {
        name: "sync mixed (add 20, remove 20)",
        bound: 4,
        run: Sync.sync(provider, resource, [...base.slice(20), ...range(20, 100).map(grant)])
      },
      { name: "grant (new grantee, by email)", bound: 3, run: provider.grant(resource, grant(150)) },
      {
        name: "revoke",
        bound: 2,
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
