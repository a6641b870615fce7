/**
 * The simulator's own rules, seen over HTTP: `supportsAllDrives`, auth and the envelope, limited
 * access, `writersCanShare`, expiring access, expiry of permissions, duplicate creates, leaving an
 * item; and the README's tables of the demo seed, rendered from it.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Errors from "../src/Errors.ts"
import * as Simulator from "../src/Simulator.ts"
import { fixture, ids, seedTables, users } from "./support.ts"

const raw = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const res = await fetch(url, init)
    const text = await res.text()
    return { status: res.status, body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>) }
  })
const reason = (body: unknown) => (body as { error: { errors: Array<{ reason: string }> } }).error.errors[0]?.reason

describe("HTTP behaviour", () => {
  it.live("without supportsAllDrives, shared-drive items are 404 notFound; My Drive items are not affected", () =>
    Effect.gen(function* () {
      const { sim, token } = yield* fixture()
      const auth = { headers: { authorization: `Bearer ${token}` } }
      const hidden = yield* raw(`${sim.url}/files/${ids.q3}/permissions`, auth)
      assert.strictEqual(hidden.status, 404)
      assert.strictEqual(reason(hidden.body), "notFound")
      assert.strictEqual((yield* raw(`${sim.url}/files/${ids.financeDrive}/permissions`, auth)).status, 404)
      assert.strictEqual((yield* raw(`${sim.url}/files/${ids.budget}/permissions`, auth)).status, 200)
      assert.strictEqual(
        (yield* raw(`${sim.url}/files/${ids.q3}/permissions?supportsAllDrives=true`, auth)).status,
        200
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live(
    "auth and envelopes: 401 required / authError, 400 parseError, 403 forbidden for an owner without transferOwnership",
    () =>
      Effect.gen(function* () {
        const { sim, token } = yield* fixture()
        const url = `${sim.url}/files/${ids.budget}/permissions`
        const none = yield* raw(url)
        assert.deepStrictEqual([none.status, reason(none.body)], [401, "required"])
        const bad = yield* raw(url, { headers: { authorization: "Bearer nope" } })
        assert.deepStrictEqual([bad.status, reason(bad.body)], [401, "authError"])
        const post = (body: string, q = "") =>
          raw(`${url}?supportsAllDrives=true${q}`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body
          })
        const garbled = yield* post("{not json")
        assert.deepStrictEqual([garbled.status, reason(garbled.body)], [400, "parseError"])
        const owner = yield* post(JSON.stringify({ type: "user", role: "owner", emailAddress: "ada@example.com" }))
        assert.deepStrictEqual([owner.status, reason(owner.body)], [403, "forbidden"])
        assert.include(JSON.stringify(owner.body), "transferOwnership")
        const missing = yield* post(JSON.stringify({ role: "reader" }))
        assert.deepStrictEqual([missing.status, reason(missing.body)], [400, "badRequest"])
        const notify = yield* post(JSON.stringify({ type: "anyone", role: "reader" }), "&sendNotificationEmail=true")
        assert.deepStrictEqual([notify.status, reason(notify.body)], [400, "badRequest"])
        const readOnly = yield* post(JSON.stringify({ type: "anyone", role: "reader", id: "x" }))
        assert.deepStrictEqual([readOnly.status, reason(readOnly.body)], [400, "badRequest"])
        const route = yield* raw(`${sim.url}/files/${ids.budget}/nothing`, {
          headers: { authorization: `Bearer ${token}` }
        })
        assert.strictEqual(route.status, 404)
        // a transfer may not switch notifications off
        const quiet = yield* post(
          JSON.stringify({ type: "user", role: "owner", emailAddress: "ada@example.com" }),
          "&transferOwnership=true&sendNotificationEmail=false"
        )
        assert.deepStrictEqual([quiet.status, reason(quiet.body)], [400, "badRequest"])
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("sharing rules", () => {
  it.live("writersCanShare off: a writer cannot share; a writer whose access expires cannot share either", () =>
    Effect.gen(function* () {
      const { sim, as } = yield* fixture()
      sim.addFile({
        id: "1LockedDocAAAAAAAAAAAAAAAAAAAAAAAA",
        name: "Locked",
        owner: "owner@example.com",
        writersCanShare: false
      })
      sim.addPermission({
        file: "1LockedDocAAAAAAAAAAAAAAAAAAAAAAAA",
        type: "user",
        role: "writer",
        emailAddress: "ada@example.com"
      })
      sim.addPermission({
        file: ids.budget,
        type: "user",
        role: "writer",
        emailAddress: "ada@example.com",
        expirationTime: new Date(Date.now() + 86_400_000).toISOString()
      })
      const ada = yield* as("ada@example.com")
      for (const fileId of ["1LockedDocAAAAAAAAAAAAAAAAAAAAAAAA", ids.budget]) {
        const error = yield* Effect.flip(ada.createPermission(fileId, { type: "anyone", role: "reader" }))
        assert.strictEqual(Errors.reasonOf(error), "insufficientFilePermissions", fileId)
      }
      // on Plan (inherited writer, writersCanShare on, no expiry) she can
      const ok = yield* ada.createPermission(ids.plan, { type: "anyone", role: "reader" })
      assert.strictEqual(ok.id, "anyoneWithLink")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("limited access (inheritedPermissionsDisabled): only organizers and direct grants remain", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      sim.addFile({
        id: "1SecretAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        name: "Secret",
        parent: ids.reports,
        inheritedPermissionsDisabled: true
      })
      sim.addPermission({
        file: "1SecretAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        type: "user",
        role: "reader",
        emailAddress: "grace@example.com"
      })
      const listed = sim.permissions("1SecretAAAAAAAAAAAAAAAAAAAAAAAAAAA")
      assert.deepStrictEqual(
        listed.map((p) => [p.id, p.role, p.inheritedPermissionsDisabled]),
        [
          [users.owner, "organizer", true],
          [users.grace, "reader", true]
        ]
      )
      const got = yield* client.getPermission("1SecretAAAAAAAAAAAAAAAAAAAAAAAAAAA", users.grace)
      assert.strictEqual(got.inheritedPermissionsDisabled, true)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("an expiration that passes removes the permission", () =>
    Effect.gen(function* () {
      let offset = 0
      const { sim, client } = yield* fixture({ simulator: { now: () => Date.now() + offset } })
      const at = new Date(Date.now() + 3_600_000).toISOString()
      yield* client.createPermission(
        ids.budget,
        { type: "user", role: "reader", emailAddress: "grace@example.com", expirationTime: at },
        { sendNotificationEmail: false }
      )
      assert.isTrue(sim.permissions(ids.budget).some((p) => p.id === users.grace))
      offset = 2 * 3_600_000
      assert.isFalse(sim.permissions(ids.budget).some((p) => p.id === users.grace))
      const gone = yield* Effect.flip(client.getPermission(ids.budget, users.grace))
      assert.strictEqual(gone._tag, "NotFound")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a second create for the same grantee changes its permission (same id); anyone may leave an item", () =>
    Effect.gen(function* () {
      const { sim, client, as } = yield* fixture()
      const first = yield* client.createPermission(
        ids.budget,
        { type: "user", role: "reader", emailAddress: "grace@example.com" },
        { sendNotificationEmail: false }
      )
      const second = yield* client.createPermission(
        ids.budget,
        { type: "user", role: "writer", emailAddress: "grace@example.com" },
        { sendNotificationEmail: false }
      )
      assert.strictEqual(second.id, first.id)
      assert.strictEqual(second.role, "writer")
      assert.strictEqual(sim.permissions(ids.budget).filter((p) => p.id === first.id).length, 1)
      const grace = yield* as("grace@example.com")
      yield* grace.deletePermission(ids.budget, users.grace)
      assert.isFalse(sim.permissions(ids.budget).some((p) => p.id === users.grace))
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("an address outside Google can be invited in My Drive (a new account, not a Google one)", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const invited = yield* client.createPermission(ids.budget, {
        type: "user",
        role: "reader",
        emailAddress: "visitor@elsewhere.example"
      })
      assert.strictEqual(invited.emailAddress, "visitor@elsewhere.example")
      assert.strictEqual(sim.user("visitor@elsewhere.example")?.google, false)
      assert.deepStrictEqual(
        sim.emails().map((e) => e.to),
        ["visitor@elsewhere.example"]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("README", () => {
  it("lists demoSeed and demoCredentials as they are", () => {
    const readme = Fs.readFileSync(Path.resolve(import.meta.dirname, "..", "README.md"), "utf8")
    assert.include(readme, seedTables())
  })

  it.live("every demo credential reaches the seed", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed: Simulator.demoSeed })
      for (const [name, token] of Object.entries(Simulator.demoCredentials)) {
        const client = yield* Client.make({ credentials: Redacted.make(token), baseUrl: sim.url })
        const file = name === "alice" || name === "bob" ? ids.photos : ids.financeDrive
        const page = yield* client.listPermissionsPage(file, name === "admin" ? { useDomainAdminAccess: true } : {})
        assert.isAbove(page.permissions.length, 0, name)
      }
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
