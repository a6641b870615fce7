/**
 * Input validation happens before any request: malformed file and permission ids, emails, domain
 * names, roles, expiration times (format, past, more than a year ahead) and every documented
 * combination rule are `InvalidInput` naming the field, and the simulator's log stays empty.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Errors } from "@unishare/core"
import { Effect, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import type * as Client from "../src/Client.ts"
import * as Wire from "../src/Wire.ts"
import { fixture, ids, users } from "./support.ts"

const day = 86_400_000
const at = (millis: number) => new Date(Date.now() + millis).toISOString()
const paths = (e: Errors.SharingError) => (e._tag === "InvalidInput" ? e.issues.map((i) => i.path) : [e._tag])

describe("nothing is sent for invalid input", () => {
  it.live("ids: file and permission ids that are empty, hold separators, dot segments, spaces or lone surrogates", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const badIds = [
        "",
        ".",
        "..",
        "../x",
        "a/b",
        "a b",
        " x",
        "x?y",
        "x#y",
        "%2F",
        "\uD800",
        "a".repeat(129),
        42 as never
      ]
      for (const bad of badIds) {
        const label = JSON.stringify(bad)
        assert.deepStrictEqual(paths(yield* Effect.flip(client.getPermission(bad, users.owner))), ["fileId"], label)
        assert.deepStrictEqual(paths(yield* Effect.flip(client.getPermission(ids.plan, bad))), ["permissionId"], label)
        assert.deepStrictEqual(paths(yield* Effect.flip(client.listPermissionsPage(bad))), ["fileId"], label)
        assert.deepStrictEqual(
          paths(yield* Effect.flip(Stream.runCollect(client.listPermissions(bad)))),
          ["fileId"],
          label
        )
        assert.deepStrictEqual(
          paths(yield* Effect.flip(client.updatePermission(ids.plan, bad, { role: "reader" }))),
          ["permissionId"],
          label
        )
        assert.deepStrictEqual(
          paths(yield* Effect.flip(client.deletePermission(bad, "anyoneWithLink"))),
          ["fileId"],
          label
        )
        assert.deepStrictEqual(
          paths(yield* Effect.flip(client.createPermission(bad, { type: "anyone", role: "reader" }))),
          ["fileId"],
          label
        )
      }
      assert.deepStrictEqual(sim.log(), [])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("create: emails, domains, roles, types, field combinations and parameters", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const future = at(7 * day)
      const cases: ReadonlyArray<readonly [unknown, Client.CreateOptions, ReadonlyArray<string>]> = [
        [{ type: "user", role: "reader", emailAddress: "notanemail" }, {}, ["permission.emailAddress"]],
        [{ type: "user", role: "reader", emailAddress: "a@b.c,d@e.f" }, {}, ["permission.emailAddress"]],
        [{ type: "user", role: "reader", emailAddress: "Ada <ada@example.com>" }, {}, ["permission.emailAddress"]],
        [{ type: "user", role: "reader", emailAddress: "ad\uD800a@example.com" }, {}, ["permission.emailAddress"]],
        [{ type: "user", role: "reader" }, {}, ["permission.emailAddress"]],
        [{ type: "group", role: "reader" }, {}, ["permission.emailAddress"]],
        [
          { type: "user", role: "reader", emailAddress: "ada@example.com", domain: "example.com" },
          {},
          ["permission.domain"]
        ],
        [{ type: "domain", role: "reader" }, {}, ["permission.domain"]],
        [{ type: "domain", role: "reader", domain: "example" }, {}, ["permission.domain"]],
        [{ type: "domain", role: "reader", domain: "-bad-.example.com" }, {}, ["permission.domain"]],
        [{ type: "domain", role: "reader", domain: "exa mple.com" }, {}, ["permission.domain"]],
        [
          { type: "domain", role: "reader", domain: "example.com", emailAddress: "a@example.com" },
          {},
          ["permission.emailAddress"]
        ],
        [{ type: "anyone", role: "reader", domain: "example.com" }, {}, ["permission.domain"]],
        [{ type: "user", role: "editor", emailAddress: "ada@example.com" }, {}, ["permission.role"]],
        [{ type: "user", role: "Writer", emailAddress: "ada@example.com" }, {}, ["permission.role"]],
        [{ type: "user", emailAddress: "ada@example.com" }, {}, ["permission.role"]],
        [{ type: "robot", role: "reader" }, {}, ["permission.type"]],
        [{ role: "reader" }, {}, ["permission.type"]],
        [null, {}, ["permission"]],
        [{ type: "anyone", role: "reader", id: "anyoneWithLink" }, {}, ["permission.id"]],
        [{ type: "anyone", role: "reader", view: "published" }, {}, ["permission.view"]],
        [
          { type: "user", role: "reader", emailAddress: "ada@example.com", allowFileDiscovery: true },
          {},
          ["permission.allowFileDiscovery"]
        ],
        // expiration: format, only users and groups, future, at most a year
        [
          { type: "user", role: "reader", emailAddress: "ada@example.com", expirationTime: "2026-01-31" },
          {},
          ["permission.expirationTime"]
        ],
        [
          { type: "user", role: "reader", emailAddress: "ada@example.com", expirationTime: "tomorrow" },
          {},
          ["permission.expirationTime"]
        ],
        [
          { type: "user", role: "reader", emailAddress: "ada@example.com", expirationTime: "2026-02-30T00:00:00Z" },
          {},
          ["permission.expirationTime"]
        ],
        [
          { type: "user", role: "reader", emailAddress: "ada@example.com", expirationTime: at(-day) },
          {},
          ["permission.expirationTime"]
        ],
        [
          { type: "user", role: "reader", emailAddress: "ada@example.com", expirationTime: at(367 * day) },
          {},
          ["permission.expirationTime"]
        ],
        [{ type: "anyone", role: "reader", expirationTime: future }, {}, ["permission.expirationTime"]],
        [
          { type: "domain", role: "reader", domain: "example.com", expirationTime: future },
          {},
          ["permission.expirationTime"]
        ],
        // notifications
        [{ type: "anyone", role: "reader" }, { sendNotificationEmail: true }, ["options.sendNotificationEmail"]],
        [{ type: "domain", role: "reader", domain: "example.com" }, { emailMessage: "hi" }, ["options.emailMessage"]],
        [
          { type: "user", role: "reader", emailAddress: "ada@example.com" },
          { sendNotificationEmail: false, emailMessage: "hi" },
          ["options.emailMessage"]
        ],
        [
          { type: "user", role: "reader", emailAddress: "ada@example.com" },
          { sendNotificationEmail: "yes" as never },
          ["options.sendNotificationEmail"]
        ],
        // ownership
        [{ type: "user", role: "owner", emailAddress: "ada@example.com" }, {}, ["options.transferOwnership"]],
        [
          { type: "group", role: "owner", emailAddress: "finance@example.com" },
          { transferOwnership: true },
          ["permission.role"]
        ],
        [
          { type: "user", role: "owner", emailAddress: "ada@example.com" },
          { transferOwnership: true, sendNotificationEmail: false },
          ["options.sendNotificationEmail"]
        ],
        [
          { type: "user", role: "writer", emailAddress: "ada@example.com" },
          { transferOwnership: true },
          ["options.transferOwnership"]
        ],
        [
          { type: "user", role: "writer", emailAddress: "ada@example.com" },
          { moveToNewOwnersRoot: true },
          ["options.moveToNewOwnersRoot"]
        ],
        [
          { type: "user", role: "reader", emailAddress: "ada@example.com", pendingOwner: true },
          {},
          ["permission.pendingOwner"]
        ],
        [
          { type: "group", role: "writer", emailAddress: "finance@example.com", pendingOwner: true },
          {},
          ["permission.pendingOwner"]
        ]
      ]
      for (const [permission, options, expected] of cases) {
        const error = yield* Effect.flip(client.createPermission(ids.budget, permission as never, options))
        assert.deepStrictEqual(paths(error), expected, JSON.stringify([permission, options]))
      }
      assert.deepStrictEqual(sim.log(), [])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("update, list and delete: empty changes, contradictions, roles, page sizes, options", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const updates: ReadonlyArray<readonly [unknown, Client.UpdateOptions, ReadonlyArray<string>]> = [
        [{}, {}, ["change"]],
        [{ role: "owner" }, {}, ["options.transferOwnership"]],
        [{ role: "writer" }, { transferOwnership: true }, ["options.transferOwnership"]],
        [{ expirationTime: at(7 * day) }, { removeExpiration: true }, ["options.removeExpiration"]],
        [{ expirationTime: at(-1_000) }, {}, ["change.expirationTime"]],
        [{ expirationTime: at(400 * day) }, {}, ["change.expirationTime"]],
        [{ expirationTime: "31/01/2026" }, {}, ["change.expirationTime"]],
        [{ role: "reader", pendingOwner: true }, {}, ["change.pendingOwner"]],
        [{ role: "superuser" }, {}, ["change.role"]],
        [{ type: "anyone" }, {}, ["change.type"]],
        [{ emailAddress: "grace@example.com" }, {}, ["change.emailAddress"]],
        [[], {}, ["change"]]
      ]
      for (const [change, options, expected] of updates) {
        const error = yield* Effect.flip(client.updatePermission(ids.budget, users.finance, change as never, options))
        assert.deepStrictEqual(paths(error), expected, JSON.stringify([change, options]))
      }
      for (const options of [
        { pageSize: 0 },
        { pageSize: 101 },
        { pageSize: 1.5 },
        { includePermissionsForView: "metadata" }
      ]) {
        const error = yield* Effect.flip(client.listPermissionsPage(ids.plan, options as never))
        assert.strictEqual(error._tag, "InvalidInput", JSON.stringify(options))
        const walk = yield* Effect.flip(Stream.runCollect(client.listPermissions(ids.plan, options as never)))
        assert.strictEqual(walk._tag, "InvalidInput", JSON.stringify(options))
      }
      const token = yield* Effect.flip(client.listPermissionsPage(ids.plan, { pageToken: "" }))
      assert.deepStrictEqual(paths(token), ["options.pageToken"])
      const admin = yield* Effect.flip(
        client.deletePermission(ids.plan, users.ada, { useDomainAdminAccess: "yes" as never })
      )
      assert.deepStrictEqual(paths(admin), ["options.useDomainAdminAccess"])
      assert.deepStrictEqual(sim.log(), [])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it("the rules are the documented ones, usable on their own", () => {
    const now = Date.UTC(2026, 0, 31, 12)
    assert.deepStrictEqual(new Date(Wire.maxExpiration(now)).toISOString(), "2027-01-31T12:00:00.000Z")
    assert.strictEqual(Wire.parseDateTime("2026-01-31T12:00:00.123456+01:00"), Date.UTC(2026, 0, 31, 11, 0, 0, 123))
    assert.strictEqual(Wire.parseDateTime("2024-02-29T00:00:00Z"), Date.UTC(2024, 1, 29))
    assert.strictEqual(Wire.parseDateTime("2025-02-29T00:00:00Z"), undefined)
    assert.strictEqual(Wire.parseDateTime("2026-01-31T24:00:00Z"), undefined)
  })
})
