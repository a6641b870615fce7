import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Redacted, Ref, Stream } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Filter from "../src/Filter.ts"
import { keys, leaks, setup } from "./support.ts"

/** A fake HttpClient recording exactly what is sent. */
const recording = (answer: (url: URL) => Response) =>
  Effect.gen(function* () {
    const sent = yield* Ref.make<
      ReadonlyArray<{ method: string; url: string; headers: Record<string, string>; body: string }>
    >([])
    const client = HttpClient.make((request, url) =>
      Effect.gen(function* () {
        const body = request.body._tag === "Uint8Array" ? new TextDecoder().decode(request.body.body) : ""
        yield* Ref.update(sent, (xs) => [
          ...xs,
          { method: request.method, url: url.href, headers: { ...request.headers }, body }
        ])
        return HttpClientResponse.fromWeb(request, answer(url))
      })
    )
    return { client, sent }
  })

const emptyShare = { sharedUserGroups: [], sharedUsers: [], sharedWithEveryone: false }

describe("Client: exact requests", () => {
  it.effect("environment hosts, api version, ECI-ApiKey and Content-Type headers on GET and PUT", () =>
    Effect.gen(function* () {
      for (const [environment, host] of Object.entries(Client.environments)) {
        const { client, sent } = yield* recording(() => Response.json(emptyShare))
        const eci = yield* Client.make({
          apiKey: Redacted.make("k-1"),
          environment: environment as Client.Environment
        }).pipe(Effect.provideService(HttpClient.HttpClient, client))
        yield* eci.getListShare(42)
        yield* eci.editListShare(42, { sharedUserGroupIds: [7], sharedUserIds: [1, 2], sharedWithEveryone: false })
        const [get, put] = yield* Ref.get(sent)
        assert.strictEqual(get?.method, "GET")
        assert.strictEqual(get?.url, `https://${host}/api/v3/list/42/share`)
        assert.strictEqual(get?.headers["eci-apikey"], "k-1")
        assert.strictEqual(get?.headers["content-type"], "application/json")
        assert.strictEqual(put?.method, "PUT")
        assert.strictEqual(put?.url, `https://${host}/api/v3/list/42/share`)
        assert.strictEqual(put?.headers["eci-apikey"], "k-1")
        assert.strictEqual(put?.headers["content-type"], "application/json")
        assert.deepStrictEqual(JSON.parse(put?.body ?? ""), {
          sharedUserGroupIds: [7],
          sharedUserIds: [1, 2],
          sharedWithEveryone: false
        })
      }
      const { client, sent } = yield* recording(() => Response.json(emptyShare))
      const dated = yield* Client.make({ apiKey: Redacted.make("k"), environment: "wce", apiVersion: "v202407" }).pipe(
        Effect.provideService(HttpClient.HttpClient, client)
      )
      yield* dated.getListShare(1)
      assert.strictEqual((yield* Ref.get(sent))[0]?.url, "https://wce.energycap.com/api/v202407/list/1/share")
    })
  )

  it.effect("bad configuration is InvalidInput naming the field", () =>
    Effect.gen(function* () {
      const { client } = yield* recording(() => Response.json(emptyShare))
      const run = (config: Client.Config) =>
        Effect.flip(Client.make(config).pipe(Effect.provideService(HttpClient.HttpClient, client)))
      const http = yield* run({ apiKey: Redacted.make("k"), baseUrl: "http://energycap.example" })
      assert.strictEqual(http.issues[0]?.path, "baseUrl")
      const version = yield* run({ apiKey: Redacted.make("k"), apiVersion: "3" })
      assert.strictEqual(version.issues[0]?.path, "apiVersion")
      const env = yield* run({ apiKey: Redacted.make("k"), environment: "moon" as Client.Environment })
      assert.strictEqual(env.issues[0]?.path, "environment")
    })
  )

  it.live("GET /list/{id}/share and PUT with the full body", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const before = yield* client.getListShare(43)
      assert.deepStrictEqual(before, {
        sharedUserGroups: [{ userGroupId: 7, userGroupName: "Finance" }],
        sharedUsers: [{ userId: 10, userCode: "user10", fullName: "User 10" }],
        sharedWithEveryone: false
      })
      const after = yield* client.editListShare(43, {
        sharedUserGroupIds: [],
        sharedUserIds: [11],
        sharedWithEveryone: false
      })
      assert.deepStrictEqual(
        after.sharedUsers.map((u) => u.userId),
        [11]
      )
      assert.deepStrictEqual(after.sharedUserGroups, [])
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.path, r.query, r.body, r.status, r.auth]),
        [
          ["GET", "/api/v3/list/43/share", "", undefined, 200, "ECI-ApiKey"],
          [
            "PUT",
            "/api/v3/list/43/share",
            "",
            { sharedUserGroupIds: [], sharedUserIds: [11], sharedWithEveryone: false },
            200,
            "ECI-ApiKey"
          ]
        ]
      )
    })
  )

  it.live("GET /list, with and without listTypeId", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup({ key: keys.creator })
      const visible = yield* client.getLists()
      // user 2 created 43 and sees 44 (shared with everyone), and was not shared 42
      assert.deepStrictEqual(
        visible.map((l) => l.listId),
        [43, 44]
      )
      assert.strictEqual(visible[0]?.listInfo, "High-cost bills")
      assert.strictEqual(visible[0]?.user?.userId, 2)
      assert.strictEqual(visible[0]?.sharedList, true)
      const records = yield* client.getLists({ listTypeId: 2 })
      assert.deepStrictEqual(
        records.map((l) => l.listId),
        [44]
      )
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.path, r.query]),
        [
          ["GET", "/api/v3/list", ""],
          ["GET", "/api/v3/list", "?listTypeId=2"]
        ]
      )
    })
  )

  it.live("GET /user?filter= by email and by systemUserCode, quoting a quote", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const byEmail = yield* client.usersByEmail("USER5@energy.test")
      assert.deepStrictEqual(
        byEmail.map((u) => [u.userId, u.email]),
        [[5, "user5@energy.test"]]
      )
      const byCode = yield* client.usersByCode("user9")
      assert.deepStrictEqual(
        byCode.map((u) => u.userId),
        [9]
      )
      const quoted = yield* client.usersByEmail("d.o'brien@energy.test")
      assert.deepStrictEqual(
        quoted.map((u) => u.userId),
        [700]
      )
      const none = yield* client.usersByEmail("nobody@energy.test")
      assert.deepStrictEqual(none, [])
      const queries = sim.log().map((r) => new URLSearchParams(r.query).get("filter"))
      assert.deepStrictEqual(queries, [
        "email equals 'USER5@energy.test'",
        "systemUserCode equals 'user9'",
        "email equals 'd.o''brien@energy.test'",
        "email equals 'nobody@energy.test'"
      ])
      assert.isTrue(sim.log().every((r) => r.path === "/api/v3/user"))
      assert.strictEqual(
        Filter.and(Filter.equals("active", true), Filter.oneOf("systemUserID", [1, 2])),
        "active equals 'true' and systemUserID one of '1'|'2'"
      )
    })
  )

  it.live("GET /userGroup streams every page and stops at TotalPages", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const groups = yield* Stream.runCollect(client.getUserGroups({ pageSize: 2 }))
      assert.deepStrictEqual(
        groups.map((g) => g.userGroupId),
        [7, 8, 9]
      )
      assert.deepStrictEqual(
        sim.log().map((r) => [r.path, r.query]),
        [
          ["/api/v3/userGroup", "?pageNumber=1&pageSize=2"],
          ["/api/v3/userGroup", "?pageNumber=2&pageSize=2"]
        ]
      )
      const page = yield* client.getUserGroupsPage(1, {
        pageSize: 2,
        filter: Filter.equals("userGroupName", "finance")
      })
      assert.deepStrictEqual(
        [
          page.items.map((g) => g.userGroupName),
          page.pageNumber,
          page.pageSize,
          page.totalNumberOfRecords,
          page.totalPages
        ],
        [["Finance"], 1, 2, 1, 1]
      )
      // only the first page is read when there is only one
      sim.clearLog()
      yield* Stream.runCollect(client.getUserGroups())
      assert.strictEqual(sim.log().length, 1)
    })
  )

  it.live("GET /userGroup/{id}/member is one unpaginated request (no pageNumber / pageSize)", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const members = yield* client.getUserGroupMembers(7)
      assert.deepStrictEqual(
        members.map((m) => m.userId),
        [2, 3, 4]
      )
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.path, r.query]),
        [["GET", "/api/v3/userGroup/7/member", ""]]
      )
      assert.deepStrictEqual(yield* client.getUserGroupMembers(9), [])
      const missing = yield* Effect.flip(client.getUserGroupMembers(99))
      assert.strictEqual(missing._tag, "NotFound")
    })
  )

  it.live("ids beyond int32 and malformed share requests fail before any request", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const tooBig = yield* Effect.flip(client.getListShare(2 ** 31))
      assert.strictEqual(tooBig._tag, "InvalidInput")
      assert.strictEqual(tooBig._tag === "InvalidInput" && tooBig.issues[0]?.path, "listId")
      const fraction = yield* Effect.flip(
        client.editListShare(1.5, { sharedUserGroupIds: [], sharedUserIds: [], sharedWithEveryone: false })
      )
      assert.strictEqual(fraction._tag, "InvalidInput")
      const everyoneWithIds = yield* Effect.flip(
        client.editListShare(42, { sharedUserGroupIds: [7], sharedUserIds: [1], sharedWithEveryone: true })
      )
      assert.deepStrictEqual(everyoneWithIds._tag === "InvalidInput" && everyoneWithIds.issues.map((i) => i.path), [
        "request.sharedUserIds",
        "request.sharedUserGroupIds"
      ])
      const missingField = yield* Effect.flip(
        client.editListShare(42, { sharedUserIds: [1], sharedWithEveryone: false } as never)
      )
      assert.strictEqual(
        missingField._tag === "InvalidInput" && missingField.issues[0]?.path,
        "request.sharedUserGroupIds"
      )
      const bigMember = yield* Effect.flip(
        client.editListShare(42, { sharedUserGroupIds: [], sharedUserIds: [2_147_483_648], sharedWithEveryone: false })
      )
      assert.strictEqual(bigMember._tag === "InvalidInput" && bigMember.issues[0]?.path, "request.sharedUserIds.0")
      const badPage = yield* Effect.flip(Stream.runCollect(client.getUserGroups({ pageSize: 5000 })))
      assert.strictEqual(badPage._tag === "InvalidInput" && badPage.issues[0]?.path, "pageSize")
      assert.strictEqual(sim.log().length, 0)
    })
  )

  it.live("401 is AccessDenied naming the permissions; 404 NotFound; 400 Rejected with problem details", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup({ key: keys.noLists })
      const denied = yield* Effect.flip(client.getListShare(42))
      assert.strictEqual(denied._tag, "AccessDenied")
      for (const needed of [
        "SharedBillLists: Create",
        "BillListAdministrator: Manage",
        "SharedRecordsLists: Create",
        "RecordsListAdministrator: Manage"
      ]) {
        assert.include(denied.message, needed)
      }
      const groupsDenied = yield* Effect.flip(Stream.runCollect(client.getUserGroups()))
      assert.strictEqual(groupsDenied._tag, "AccessDenied")
      assert.include(groupsDenied.message, "UsersAndUserGroups: View")
      const unknown = yield* Effect.flip(client.getListShare(4242))
      assert.strictEqual(unknown._tag, "NotFound")
      const admin = yield* setup()
      const rejected = yield* Effect.flip(
        admin.client.editListShare(42, { sharedUserGroupIds: [], sharedUserIds: [9999], sharedWithEveryone: false })
      )
      assert.strictEqual(rejected._tag, "Rejected")
      assert.strictEqual(rejected._tag === "Rejected" && rejected.status, 400)
      assert.include(rejected.message, "9999")
      assert.deepInclude(rejected.detail as object, { status: 400, title: "Bad Request" })
      const badKey = yield* setup({ key: "not-a-key-at-all" })
      const invalid = yield* Effect.flip(badKey.client.getLists())
      assert.strictEqual(invalid._tag, "AccessDenied")
      assert.include(invalid.message, "invalid or revoked")
      assert.deepStrictEqual(leaks([denied, groupsDenied, unknown, rejected, invalid, sim.log(), badKey.sim.log()]), [])
      assert.notInclude(JSON.stringify(badKey.sim.log()), "not-a-key-at-all")
    })
  )

  it.live(
    "transient 503 or malformed answer to a GET is retried; persistently malformed bodies are ProtocolError",
    () =>
      Effect.gen(function* () {
        const { sim, client } = yield* setup()
        sim.inject({
          kind: "status",
          status: 503,
          times: 1,
          method: "GET",
          body: { title: "Service Unavailable", status: 503 }
        })
        const share = yield* client.getListShare(42)
        assert.deepStrictEqual(share.sharedUsers, [])
        assert.deepStrictEqual(
          sim.log().map((r) => r.status),
          [503, 200]
        )
        sim.clearLog()
        sim.inject({ kind: "malformed", method: "GET" })
        assert.deepStrictEqual((yield* client.getListShare(42)).sharedUsers, [])
        assert.strictEqual(sim.log().length, 2)
        sim.inject({ kind: "malformed", method: "GET", times: Number.POSITIVE_INFINITY })
        const broken = yield* Effect.exit(client.getListShare(42))
        assert.isTrue(Exit.isFailure(broken))
        assert.strictEqual(
          Exit.isFailure(broken) && (yield* Effect.flip(Effect.failCause(broken.cause)))._tag,
          "ProtocolError"
        )
      })
  )
})
