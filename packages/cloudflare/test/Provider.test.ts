/**
 * The neutral adapter on the simulator: status mapping, idempotent grant, no-op revoke, update per
 * policy, replace (and its refusals), organization-targeted shares, listResources, pagination.
 */
import { randomUUID } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Grantee, Granting, ShareStatus } from "@unishare/core"
import { SharingClient } from "@unishare/core/promise"
import { Effect, Logger, Redacted, Stream } from "effect"
import { afterEach, vi } from "vitest"
import * as Client from "../src/Client.ts"
import * as Provider from "../src/Provider.ts"
import * as Simulator from "../src/Simulator.ts"
import { accounts, environment, ORG, OWNER, R1, R2, R3, ruleset } from "./support.ts"

const writes = <A extends { readonly method: string }>(log: ReadonlyArray<A>) => log.filter((r) => r.method !== "GET")

describe("Provider", () => {
  it.live("capabilities: Account + Organization, one level, async, native replace, documented rate limit", () =>
    Effect.sync(() => {
      const caps = Provider.capabilities
      assert.deepStrictEqual(caps.granteeKinds, ["Account", "Organization"])
      assert.deepStrictEqual(caps.levels, ["viewer"])
      assert.deepStrictEqual([caps.asyncStatus, caps.nativeReplace, caps.updateLevel], [true, true, false])
      assert.deepStrictEqual(caps.rateLimit, { requests: 1200, windowMillis: 300_000 })
      assert.strictEqual(caps.pageSize, 100)
      assert.deepStrictEqual(Provider.share("a", "s"), { provider: "cloudflare", kind: "share", id: "s", parent: "a" })
    })
  )

  it.live("status mapping: terminal resource errors → failed, non-terminal → pending with the message", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment({ transitions: { mode: "reads", reads: 0 } })
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const resource = Provider.share(OWNER, seeded.id)
      const provider = Provider.fromClient(client)
      const a = sim.seedRecipient(seeded.id, { account_id: R1, association_status: "associating" })
      const b = sim.seedRecipient(seeded.id, { account_id: R2, association_status: "associating" })
      sim.failRecipient(seeded.id, a.id, { error: "Recipient is missing necessary entitlement", terminal: true })
      sim.failRecipient(seeded.id, b.id, { error: "Upstream busy", terminal: false })
      const failed = yield* provider.get(resource, a.id)
      assert.deepStrictEqual(
        failed.status,
        ShareStatus.failed(`Recipient is missing necessary entitlement (resource ${ruleset.resource_id})`, true)
      )
      const held = yield* provider.get(resource, b.id)
      assert.deepStrictEqual(held.status, ShareStatus.pending(`Upstream busy (resource ${ruleset.resource_id})`))
      // the non-terminal error clears: the recipient proceeds to associated
      sim.clearRecipientFailures(seeded.id, b.id)
      assert.strictEqual((yield* provider.get(resource, b.id)).status._tag, "active")
      // the pure mapping, for every association status
      const r = { id: "r", account_id: R1, created: "", modified: "" }
      assert.deepStrictEqual(
        (["associating", "associated", "disassociating", "disassociated"] as const).map(
          (s) => Provider.statusOf("active", { ...r, association_status: s })._tag
        ),
        ["pending", "active", "revoking", "revoked"]
      )
      assert.strictEqual(Provider.statusOf("deleting", { ...r, association_status: "associated" })._tag, "revoking")
    }).pipe(Effect.scoped)
  )

  it.live("grant is idempotent; revoke of a disassociated recipient is one idempotent DELETE; update per onLossy", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment({ transitions: { mode: "reads", reads: 0 } })
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const resource = Provider.share(OWNER, seeded.id)
      const provider = Provider.fromClient(client)
      const first = yield* provider.grant(resource, { grantee: Grantee.account(R1), level: "viewer" })
      const again = yield* provider.grant(resource, { grantee: Grantee.account(R1), level: "editor" })
      assert.strictEqual(again.id, first.id)
      assert.strictEqual(again.level, "viewer")
      assert.strictEqual(writes(sim.log()).length, 1)

      const same = yield* provider.update(resource, first.id, "admin")
      assert.strictEqual(same.id, first.id)
      const strict = yield* Effect.flip(provider.update(resource, first.id, "editor", { onLossy: "fail" }))
      assert.strictEqual(strict._tag, "Unsupported")
      assert.include(strict.message, "level")

      yield* provider.revoke(resource, first.id)
      assert.strictEqual(writes(sim.log()).length, 2)
      yield* provider.get(resource, first.id) // settles to disassociated (reads: 0)
      yield* provider.revoke(resource, first.id)
      assert.deepStrictEqual(
        writes(sim.log()).map((r) => r.method),
        ["POST", "DELETE", "DELETE"]
      )
      assert.strictEqual((yield* provider.get(resource, first.id)).status._tag, "revoked")
      // soft-deleted recipients are listed only with includeRevoked
      assert.strictEqual((yield* Stream.runCollect(provider.list(resource))).length, 0)
      assert.strictEqual((yield* Stream.runCollect(provider.list(resource, { includeRevoked: true }))).length, 1)
      // granting again re-associates the same recipient record
      const back = yield* provider.grant(resource, { grantee: Grantee.account(R1), level: "viewer" })
      assert.strictEqual(back.id, first.id)
      assert.strictEqual(back.status._tag, "pending")
    }).pipe(Effect.scoped)
  )

  it.live("replace uses one PUT recipients on an account-targeted share", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment({ transitions: { mode: "reads", reads: 0 } })
      const seeded = sim.seedShare({
        account_id: OWNER,
        name: "WAF",
        resources: [ruleset],
        recipients: [{ account_id: R1 }]
      })
      const resource = Provider.share(OWNER, seeded.id)
      const provider = Provider.fromClient(client)
      const shares = yield* provider.replace!(resource, [
        { grantee: Grantee.account(R2), level: "viewer" },
        { grantee: Grantee.account(R3), level: "viewer" }
      ])
      assert.deepStrictEqual(
        shares.map((s) => (s.grantee as Grantee.Account).id),
        [R2, R3]
      )
      const put = writes(sim.log())
      assert.deepStrictEqual(
        put.map((r) => [r.method, r.body, r.status]),
        [["PUT", [{ recipient_account_id: R2 }, { recipient_account_id: R3 }], 204]]
      )
    }).pipe(Effect.scoped)
  )

  it.live("organization-targeted shares: Organization share + inherited members; exclusion on revoke; no replace", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment({ transitions: { mode: "reads", reads: 0 } })
      const seeded = sim.seedShare({
        account_id: OWNER,
        name: "org",
        target_type: "organization",
        resources: [ruleset]
      })
      const resource = Provider.share(OWNER, seeded.id)
      const provider = Provider.fromClient(client)
      const listed = yield* Stream.runCollect(provider.list(resource))
      assert.deepStrictEqual(
        listed.map((s) => [Grantee.describe(s.grantee), s.inherited]),
        [
          [`organization ${ORG}`, false],
          [`account ${R1}`, true],
          [`account ${R2}`, true],
          [`account ${R3}`, true]
        ]
      )
      assert.strictEqual((yield* Stream.runCollect(provider.list(resource, { includeInherited: false }))).length, 1)
      const org = yield* provider.grant(resource, { grantee: Grantee.organization(ORG), level: "viewer" })
      assert.strictEqual(org.id, ORG)
      assert.strictEqual((yield* provider.get(resource, ORG)).grantee._tag, "Organization")

      // revoking a member excludes it; granting it again lifts the exclusion
      const member = listed[2]!
      yield* provider.revoke(resource, member.id)
      assert.deepStrictEqual(
        writes(sim.log()).map((r) => [r.method, r.path.split("/").at(-1), r.body]),
        [["POST", "excluded-recipients", { account_id: R2 }]]
      )
      assert.strictEqual((yield* provider.get(resource, member.id)).status._tag, "revoked")
      const regranted = yield* provider.grant(resource, { grantee: Grantee.account(R2), level: "viewer" })
      assert.strictEqual(regranted.id, member.id)
      assert.strictEqual(sim.state().shares[0]!.excluded.length, 0)

      // replace is refused before any write
      sim.clearLog()
      const refused = yield* Effect.flip(
        provider.replace!(resource, [{ grantee: Grantee.account(R1), level: "viewer" }])
      )
      assert.strictEqual(refused._tag, "Unsupported")
      assert.include(refused.message, "organization-targeted")
      assert.deepStrictEqual(writes(sim.log()), [])
      const revokeOrg = yield* Effect.flip(provider.revoke(resource, ORG))
      assert.strictEqual(revokeOrg._tag, "Unsupported")
    }).pipe(Effect.scoped)
  )

  it.live("an Organization grantee on an account-targeted share is Unsupported and writes nothing", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const provider = Provider.fromClient(client)
      const error = yield* Effect.flip(
        provider.grant(Provider.share(OWNER, seeded.id), { grantee: Grantee.organization(ORG), level: "viewer" })
      )
      assert.strictEqual(error._tag, "Unsupported")
      assert.include(error.message, "organization-targeted share")
      assert.deepStrictEqual(writes(sim.log()), [])
    }).pipe(Effect.scoped)
  )

  it.live("listResources streams the shares of the configured accounts", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const a = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const b = sim.seedShare({ account_id: OWNER, name: "Gateway", resources: [ruleset] })
      sim.seedShare({ account_id: R1, name: "someone else's", resources: [ruleset] })
      const provider = Provider.fromClient(client, { accounts: [OWNER] })
      const found = yield* Stream.runCollect(provider.listResources!)
      assert.deepStrictEqual(found, [
        { resource: Provider.share(OWNER, a.id), name: "WAF" },
        { resource: Provider.share(OWNER, b.id), name: "Gateway" }
      ])
      assert.strictEqual(Provider.fromClient(client).listResources, undefined)
    }).pipe(Effect.scoped)
  )

  it.live("a write that was applied but whose answer was lost is not duplicated (check, then create)", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment({ client: { retry: { times: 2, baseMillis: 1, maxMillis: 5 } } })
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const provider = Provider.fromClient(client)
      sim.inject({ kind: "applied-then-drop", method: "POST" })
      const share = yield* provider.grant(Provider.share(OWNER, seeded.id), {
        grantee: Grantee.account(R1),
        level: "viewer"
      })
      assert.strictEqual((share.grantee as Grantee.Account).id, R1)
      assert.strictEqual(writes(sim.log()).length, 1)
      assert.strictEqual(sim.state().shares[0]!.recipients.length, 1)
    }).pipe(Effect.scoped)
  )
})

describe("pagination", () => {
  it.live("1,050 recipients stream in ceil(n / per_page) requests, each with explicit page and per_page", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({ account_id: OWNER, name: "big", resources: [ruleset] })
      const n = 1050
      for (let i = 0; i < n; i++) {
        sim.seedRecipient(seeded.id, { account_id: i.toString(16).padStart(32, "0"), association_status: "associated" })
      }
      const provider = Provider.fromClient(client)
      const all = yield* Stream.runCollect(provider.list(Provider.share(OWNER, seeded.id)))
      assert.strictEqual(all.length, n)
      assert.strictEqual(new Set(all.map((s) => s.id)).size, n)
      const pages = sim.log().filter((r) => r.path.endsWith("/recipients"))
      assert.strictEqual(pages.length, Math.ceil(n / 100))
      assert.deepStrictEqual(
        pages.map((r) => r.query),
        Array.from({ length: 11 }, (_, i) => `?include_resources=true&page=${i + 1}&per_page=100`)
      )

      sim.clearLog()
      const count = yield* Stream.runCount(client.listRecipients(OWNER, seeded.id, { perPage: 30 }))
      assert.strictEqual(count, n)
      assert.strictEqual(sim.log().length, Math.ceil(n / 30))

      // constant memory: taking a few items reads only the first page
      sim.clearLog()
      const few = yield* Stream.runCollect(client.listRecipients(OWNER, seeded.id).pipe(Stream.take(5)))
      assert.strictEqual(few.length, 5)
      assert.strictEqual(sim.log().length, 1)
    }).pipe(Effect.scoped)
  )

  it.live("a lossy grant logs nothing by default: its warning is returned; logWarnings: true also logs it", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment({ transitions: { mode: "reads", reads: 0 } })
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const resource = Provider.share(OWNER, seeded.id)
      const logged: Array<string> = []
      const capture = Logger.layer([Logger.make((o) => logged.push(`${o.logLevel}: ${String(o.message)}`))])
      const editor = { grantee: Grantee.account(R1), level: "editor", notify: { message: "hi" } } as const

      const quiet = yield* Granting.grant(Provider.fromClient(client), resource, editor).pipe(Effect.provide(capture))
      assert.strictEqual(quiet.share.level, "viewer")
      assert.strictEqual(quiet.fidelity, "narrowed")
      assert.deepStrictEqual(
        quiet.warnings.map((w) => w._tag),
        ["Lossy"]
      )
      yield* Provider.fromClient(client).update(resource, quiet.share.id, "admin").pipe(Effect.provide(capture))
      assert.deepStrictEqual(logged, [])

      yield* Granting.grant(Provider.fromClient(client, { logWarnings: true }), resource, editor).pipe(
        Effect.provide(capture)
      )
      assert.strictEqual(logged.length, 2)
      assert.match(logged[0] ?? "", /^Warn: cloudflare grant: narrowed editor → viewer/)
      assert.match(logged[1] ?? "", /^Warn: cloudflare grant: unsupported notify/)
    }).pipe(Effect.scoped)
  )
})

describe("Provider under the Promise facade", () => {
  afterEach(() => vi.restoreAllMocks())

  it("a lossy grant writes nothing to the console and returns its warning", async () => {
    const consoleOutput: Array<unknown> = []
    for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
      vi.spyOn(console, method).mockImplementation((...args) => void consoleOutput.push(args))
    }
    const token = `cf-facade-${randomUUID()}`
    const sim = await Simulator.start({ credentials: [{ token }], seed: { accounts } })
    const cloudflare = SharingClient.create(
      Provider.make({ credentials: Client.apiToken(Redacted.make(token)), baseUrl: sim.url })
    )
    try {
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const granted = await cloudflare.grantWithFidelity(Provider.share(OWNER, seeded.id), {
        grantee: Grantee.account(R1),
        level: "editor"
      })
      assert.strictEqual(granted.share.level, "viewer")
      assert.deepStrictEqual(
        granted.warnings.map((w) => w._tag),
        ["Lossy"]
      )
      assert.deepStrictEqual(consoleOutput, [])
    } finally {
      await cloudflare.close()
      await sim.close()
    }
  })
})
