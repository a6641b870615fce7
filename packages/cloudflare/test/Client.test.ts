/**
 * One test per native operation against the simulator: the exact request (method, path, query,
 * body from the simulator's log) and the decoded result.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, Stream } from "effect"
import type * as Simulator from "../src/Simulator.ts"
import { environment, ORG, OWNER, R1, R2, R3, ruleset } from "./support.ts"

const base = "/accounts/023e105f4ecef8ad9ca31a8372d0c353/shares"

/** The requests the simulator received, as `METHOD path?query` plus body. */
const requests = (sim: Simulator.CloudflareSimulator) =>
  sim.log().map((r) => ({ method: r.method, path: r.path, query: r.query, body: r.body, status: r.status }))

const only = (sim: Simulator.CloudflareSimulator) => {
  const log = requests(sim)
  assert.strictEqual(log.length, 1, JSON.stringify(log))
  return log[0]!
}

const isoMicros = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/

describe("Client: shares", () => {
  it.live("1 listShares sends every filter and explicit page/per_page, decodes the collection", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const a = sim.seedShare({ account_id: OWNER, name: "b-rules", tags: ["env=prod"], resources: [ruleset] })
      const b = sim.seedShare({ account_id: OWNER, name: "a-rules", tags: ["env=prod", "team"], resources: [ruleset] })
      sim.seedShare({ account_id: OWNER, name: "untagged", resources: [ruleset] })
      sim.seedShare({
        account_id: OWNER,
        name: "gateway",
        tags: ["env=prod"],
        resources: [{ resource_id: "g1", resource_type: "gateway-policy" }]
      })
      const shares = yield* Stream.runCollect(
        client.listShares(OWNER, {
          status: "active",
          kind: "sent",
          target_type: "account",
          resource_types: ["custom-ruleset"],
          order: "name",
          direction: "desc",
          include_resources: true,
          include_recipient_counts: true,
          tag: ["env=prod"],
          perPage: 50
        })
      )
      const req = only(sim)
      assert.deepStrictEqual([req.method, req.path, req.body], ["GET", base, undefined])
      assert.strictEqual(
        req.query,
        "?status=active&kind=sent&target_type=account&resource_types=custom-ruleset&order=name&direction=desc&include_resources=true&include_recipient_counts=true&tag=env%3Dprod&page=1&per_page=50"
      )
      assert.deepStrictEqual(
        shares.map((s) => s.id),
        [a.id, b.id]
      )
      const first = shares[0]!
      assert.strictEqual(first.kind, "sent")
      assert.strictEqual(first.target_type, "account")
      assert.strictEqual(first.organization_id, ORG)
      assert.strictEqual(first.account_name, "Acme Security")
      assert.match(first.created, isoMicros)
      assert.strictEqual(first.resources?.[0]?.resource_type, "custom-ruleset")
      assert.strictEqual(first.associated_recipient_count, 0)
    }).pipe(Effect.scoped)
  )

  it.live("2 createShare sends recipient_account_id (deprecated account_id rewritten, warned) → 201", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const logged: Array<string> = []
      const share = yield* client
        .createShare(OWNER, {
          name: "My Shared WAF Managed Rule",
          recipients: [{ recipient_account_id: R1 }, { account_id: R2 }],
          resources: [{ meta: { note: "x" }, resource_account_id: OWNER, ...ruleset }]
        })
        .pipe(
          Effect.provide(
            Logger.layer([
              Logger.make((o) => logged.push(`${o.logLevel}: ${String((o.message as Array<unknown>)[0])}`))
            ])
          )
        )
      const req = only(sim)
      assert.deepStrictEqual(req, {
        method: "POST",
        path: base,
        query: "",
        status: 201,
        body: {
          name: "My Shared WAF Managed Rule",
          recipients: [{ recipient_account_id: R1 }, { recipient_account_id: R2 }],
          resources: [{ meta: { note: "x" }, resource_account_id: OWNER, ...ruleset }]
        }
      })
      assert.strictEqual(share.name, "My Shared WAF Managed Rule")
      assert.strictEqual(share.status, "active")
      assert.strictEqual(share.target_type, "account")
      assert.strictEqual(share.account_id, OWNER)
      assert.strictEqual(logged.length, 1)
      assert.include(logged[0], "Warn")
      assert.include(logged[0], "account_id is a deprecated alias of recipient_account_id")
      assert.include(logged[0], "2027-05-26")
    }).pipe(Effect.scoped)
  )

  it.live("3 getShare sends the include flags and decodes resources and counts", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({
        account_id: OWNER,
        name: "WAF",
        resources: [ruleset],
        recipients: [
          { account_id: R1, association_status: "associated" },
          { account_id: R2, association_status: "associating" }
        ]
      })
      const share = yield* client.getShare(OWNER, seeded.id, {
        include_resources: true,
        include_recipient_counts: true
      })
      assert.deepStrictEqual(only(sim), {
        method: "GET",
        path: `${base}/${seeded.id}`,
        query: "?include_resources=true&include_recipient_counts=true",
        body: undefined,
        status: 200
      })
      assert.strictEqual(share.id, seeded.id)
      assert.strictEqual(share.resources?.length, 1)
      assert.strictEqual(share.associated_recipient_count, 1)
      assert.strictEqual(share.associating_recipient_count, 1)
      assert.strictEqual(share.disassociated_recipient_count, 0)
    }).pipe(Effect.scoped)
  )

  it.live("4 updateShare sends { name } with PUT", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const share = yield* client.updateShare(OWNER, seeded.id, { name: "WAF (renamed)" })
      assert.deepStrictEqual(only(sim), {
        method: "PUT",
        path: `${base}/${seeded.id}`,
        query: "",
        body: { name: "WAF (renamed)" },
        status: 200
      })
      assert.strictEqual(share.name, "WAF (renamed)")
    }).pipe(Effect.scoped)
  )

  it.live("5 deleteShare answers the share with status deleting", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const share = yield* client.deleteShare(OWNER, seeded.id)
      assert.deepStrictEqual(only(sim), {
        method: "DELETE",
        path: `${base}/${seeded.id}`,
        query: "",
        body: undefined,
        status: 200
      })
      assert.strictEqual(share.status, "deleting")
    }).pipe(Effect.scoped)
  )
})

describe("Client: recipients", () => {
  it.live("6 listRecipients returns all statuses, with include_resources and explicit paging", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({
        account_id: OWNER,
        name: "WAF",
        resources: [ruleset],
        recipients: [
          { account_id: R1, association_status: "associated" },
          { account_id: R2, association_status: "disassociated" }
        ]
      })
      const [r1] = sim.state().shares[0]!.recipients
      sim.failRecipient(seeded.id, r1!.id, { error: "Recipient is missing necessary entitlement", terminal: true })
      const list = yield* Stream.runCollect(client.listRecipients(OWNER, seeded.id, { include_resources: true }))
      assert.deepStrictEqual(only(sim), {
        method: "GET",
        path: `${base}/${seeded.id}/recipients`,
        query: "?include_resources=true&page=1&per_page=100",
        body: undefined,
        status: 200
      })
      assert.deepStrictEqual(
        list.map((r) => [r.account_id, r.association_status]),
        [
          [R1, "associated"],
          [R2, "disassociated"]
        ]
      )
      assert.deepStrictEqual(list[0]?.resources, [
        {
          error: "Recipient is missing necessary entitlement",
          resource_id: ruleset.resource_id,
          resource_version: 1,
          terminal: true
        }
      ])
    }).pipe(Effect.scoped)
  )

  it.live("7 createRecipient sends recipient_account_id only → 201 associating", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const r = yield* client.createRecipient(OWNER, seeded.id, { account_id: R3 })
      assert.deepStrictEqual(only(sim), {
        method: "POST",
        path: `${base}/${seeded.id}/recipients`,
        query: "",
        body: { recipient_account_id: R3 },
        status: 201
      })
      assert.strictEqual(r.account_id, R3)
      assert.strictEqual(r.association_status, "associating")
    }).pipe(Effect.scoped)
  )

  it.live("8 replaceRecipients PUTs the array and accepts 204 with no body", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment({ transitions: { mode: "reads", reads: 0 } })
      const seeded = sim.seedShare({
        account_id: OWNER,
        name: "WAF",
        resources: [ruleset],
        recipients: [{ account_id: R1 }]
      })
      const result = yield* client.replaceRecipients(OWNER, seeded.id, [
        { recipient_account_id: R2 },
        { recipient_account_id: R3 }
      ])
      assert.deepStrictEqual(only(sim), {
        method: "PUT",
        path: `${base}/${seeded.id}/recipients`,
        query: "",
        body: [{ recipient_account_id: R2 }, { recipient_account_id: R3 }],
        status: 204
      })
      assert.strictEqual(result, undefined)
      const after = sim.state().shares[0]!.recipients.map((r) => [r.account_id, r.association_status])
      assert.deepStrictEqual(after, [
        [R1, "disassociating"],
        [R2, "associating"],
        [R3, "associating"]
      ])
    }).pipe(Effect.scoped)
  )

  it.live("9 getRecipient sends include_resources and decodes the recipient", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const rec = sim.seedRecipient(seeded.id, { account_id: R1, association_status: "associated" })
      const r = yield* client.getRecipient(OWNER, seeded.id, rec.id, { include_resources: true })
      assert.deepStrictEqual(only(sim), {
        method: "GET",
        path: `${base}/${seeded.id}/recipients/${rec.id}`,
        query: "?include_resources=true",
        body: undefined,
        status: 200
      })
      assert.deepStrictEqual(r, { ...rec, resources: [] })
    }).pipe(Effect.scoped)
  )

  it.live("10 deleteRecipient soft-deletes: disassociating, still listed", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
      const rec = sim.seedRecipient(seeded.id, { account_id: R1, association_status: "associated" })
      const r = yield* client.deleteRecipient(OWNER, seeded.id, rec.id)
      assert.deepStrictEqual(only(sim), {
        method: "DELETE",
        path: `${base}/${seeded.id}/recipients/${rec.id}`,
        query: "",
        body: undefined,
        status: 200
      })
      assert.strictEqual(r.association_status, "disassociating")
      const listed = yield* Stream.runCollect(client.listRecipients(OWNER, seeded.id))
      assert.deepStrictEqual(
        listed.map((x) => x.id),
        [rec.id]
      )
    }).pipe(Effect.scoped)
  )
})

describe("Client: resources", () => {
  it.live("11 listResources sends status and resource_type", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({
        account_id: OWNER,
        name: "mixed",
        resources: [ruleset, { resource_id: "g1", resource_type: "gateway-policy" }]
      })
      const list = yield* Stream.runCollect(
        client.listResources(OWNER, seeded.id, { status: "active", resource_type: "gateway-policy", perPage: 10 })
      )
      assert.deepStrictEqual(only(sim), {
        method: "GET",
        path: `${base}/${seeded.id}/resources`,
        query: "?status=active&resource_type=gateway-policy&page=1&per_page=10",
        body: undefined,
        status: 200
      })
      assert.deepStrictEqual(
        list.map((r) => [r.resource_id, r.resource_type, r.status]),
        [["g1", "gateway-policy", "active"]]
      )
    }).pipe(Effect.scoped)
  )

  it.live("12 createResource sends the four fields → 201", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [] })
      const body = {
        meta: { priority: 1 },
        resource_account_id: OWNER,
        resource_id: "d1",
        resource_type: "gateway-destination-ip"
      }
      const r = yield* client.createResource(OWNER, seeded.id, body)
      assert.deepStrictEqual(only(sim), {
        method: "POST",
        path: `${base}/${seeded.id}/resources`,
        query: "",
        body,
        status: 201
      })
      assert.deepStrictEqual(
        [r.resource_id, r.resource_type, r.meta, r.resource_version, r.status],
        ["d1", "gateway-destination-ip", { priority: 1 }, 1, "active"]
      )
    }).pipe(Effect.scoped)
  )

  it.live("13 getResource decodes the resource", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [] })
      const res = sim.seedResource(seeded.id, ruleset)
      const r = yield* client.getResource(OWNER, seeded.id, res.id)
      assert.deepStrictEqual(only(sim), {
        method: "GET",
        path: `${base}/${seeded.id}/resources/${res.id}`,
        query: "",
        body: undefined,
        status: 200
      })
      assert.deepStrictEqual(r, res)
    }).pipe(Effect.scoped)
  )

  it.live("14 updateResource PUTs { meta } and bumps resource_version", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [] })
      const res = sim.seedResource(seeded.id, ruleset)
      const r = yield* client.updateResource(OWNER, seeded.id, res.id, { meta: { mode: "block" } })
      assert.deepStrictEqual(only(sim), {
        method: "PUT",
        path: `${base}/${seeded.id}/resources/${res.id}`,
        query: "",
        body: { meta: { mode: "block" } },
        status: 200
      })
      assert.deepStrictEqual([r.meta, r.resource_version], [{ mode: "block" }, 2])
    }).pipe(Effect.scoped)
  )

  it.live("15 deleteResource answers status deleting", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [] })
      const res = sim.seedResource(seeded.id, ruleset)
      const r = yield* client.deleteResource(OWNER, seeded.id, res.id)
      assert.deepStrictEqual(only(sim), {
        method: "DELETE",
        path: `${base}/${seeded.id}/resources/${res.id}`,
        query: "",
        body: undefined,
        status: 200
      })
      assert.strictEqual(r.status, "deleting")
    }).pipe(Effect.scoped)
  )
})

describe("Client: excluded recipients (organization-targeted shares)", () => {
  const orgShare = (sim: Simulator.CloudflareSimulator) =>
    sim.seedShare({ account_id: OWNER, name: "org-wide", target_type: "organization", resources: [ruleset] })

  it.live("16 listExcludedRecipients pages explicitly", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const share = sim.seedShare({
        account_id: OWNER,
        name: "org",
        target_type: "organization",
        excluded: [R3],
        resources: [ruleset]
      })
      const list = yield* Stream.runCollect(client.listExcludedRecipients(OWNER, share.id))
      assert.deepStrictEqual(only(sim), {
        method: "GET",
        path: `${base}/${share.id}/excluded-recipients`,
        query: "?page=1&per_page=100",
        body: undefined,
        status: 200
      })
      assert.deepStrictEqual(
        list.map((x) => x.account_id),
        [R3]
      )
    }).pipe(Effect.scoped)
  )

  it.live("17 createExcludedRecipient sends { account_id } → 201, and the member starts disassociating", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const share = orgShare(sim)
      const x = yield* client.createExcludedRecipient(OWNER, share.id, { account_id: R2 })
      assert.deepStrictEqual(only(sim), {
        method: "POST",
        path: `${base}/${share.id}/excluded-recipients`,
        query: "",
        body: { account_id: R2 },
        status: 201
      })
      assert.strictEqual(x.account_id, R2)
      const r2 = sim.state().shares[0]!.recipients.find((r) => r.account_id === R2)
      assert.strictEqual(r2?.association_status, "disassociating")
    }).pipe(Effect.scoped)
  )

  it.live("18 replaceExcludedRecipients PUTs the array → 204", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const share = sim.seedShare({
        account_id: OWNER,
        name: "org",
        target_type: "organization",
        excluded: [R3],
        resources: [ruleset]
      })
      yield* client.replaceExcludedRecipients(OWNER, share.id, [{ account_id: R1 }])
      assert.deepStrictEqual(only(sim), {
        method: "PUT",
        path: `${base}/${share.id}/excluded-recipients`,
        query: "",
        body: [{ account_id: R1 }],
        status: 204
      })
      assert.deepStrictEqual(
        sim.state().shares[0]!.excluded.map((x) => x.account_id),
        [R1]
      )
    }).pipe(Effect.scoped)
  )

  it.live("19 getExcludedRecipient decodes it", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const share = sim.seedShare({
        account_id: OWNER,
        name: "org",
        target_type: "organization",
        excluded: [R3],
        resources: [ruleset]
      })
      const seeded = sim.state().shares[0]!.excluded[0]!
      const x = yield* client.getExcludedRecipient(OWNER, share.id, seeded.id)
      assert.deepStrictEqual(only(sim), {
        method: "GET",
        path: `${base}/${share.id}/excluded-recipients/${seeded.id}`,
        query: "",
        body: undefined,
        status: 200
      })
      assert.deepStrictEqual(x, seeded)
    }).pipe(Effect.scoped)
  )

  it.live("20 deleteExcludedRecipient returns it and the account becomes eligible again", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const share = sim.seedShare({
        account_id: OWNER,
        name: "org",
        target_type: "organization",
        excluded: [R3],
        resources: [ruleset]
      })
      const seeded = sim.state().shares[0]!.excluded[0]!
      const x = yield* client.deleteExcludedRecipient(OWNER, share.id, seeded.id)
      assert.deepStrictEqual(only(sim), {
        method: "DELETE",
        path: `${base}/${share.id}/excluded-recipients/${seeded.id}`,
        query: "",
        body: undefined,
        status: 200
      })
      assert.deepStrictEqual(x, seeded)
      const r3 = sim.state().shares[0]!.recipients.find((r) => r.account_id === R3)
      assert.strictEqual(r3?.association_status, "associating")
    }).pipe(Effect.scoped)
  )
})

describe("Client: organization shares", () => {
  it.live("21 listOrganizationShares sends the filters (no include_*, no tag)", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const a = sim.seedShare({
        account_id: OWNER,
        name: "org-wide",
        target_type: "organization",
        resources: [ruleset]
      })
      sim.seedShare({ account_id: OWNER, name: "accounts", resources: [ruleset] })
      const list = yield* Stream.runCollect(
        client.listOrganizationShares(ORG, { target_type: "organization", order: "created", direction: "asc" })
      )
      assert.deepStrictEqual(only(sim), {
        method: "GET",
        path: `/organizations/${ORG}/shares`,
        query: "?target_type=organization&order=created&direction=asc&page=1&per_page=100",
        body: undefined,
        status: 200
      })
      assert.deepStrictEqual(
        list.map((s) => [s.id, s.target_type, s.kind]),
        [[a.id, "organization", "sent"]]
      )
    }).pipe(Effect.scoped)
  )
})
