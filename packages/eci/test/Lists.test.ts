import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Filter from "../src/Filter.ts"
import * as Eci from "../src/index.ts"
import { keys, leaks, setup } from "./support.ts"

const failureTag = <A, E extends { _tag: string }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) ? (exit.cause.reasons[0] as { error?: E } | undefined)?.error?._tag : undefined

describe("EnergyCAP list endpoints: CreateDefaultListV3, EditListShareVisibilityV3", () => {
  it.live("POST /api/v3/list creates an unshared list owned by the key's user, visible in GET /list", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup({ key: keys.creator })
      const created = yield* client.createList({
        listInfo: "Migrated budget",
        listDescription: "from Smartsheet",
        listTypeId: 1
      })
      assert.strictEqual(created.listInfo, "Migrated budget")
      assert.strictEqual(created.listDescription, "from Smartsheet")
      assert.strictEqual(created.listType?.listTypeId, 1)
      assert.strictEqual(created.sharedList, false)
      assert.strictEqual(created.user?.userId, 2)
      assert.deepStrictEqual(sim.share(created.listId), {
        sharedWithEveryone: false,
        sharedUserIds: [],
        sharedUserGroupIds: []
      })
      const post = sim.log().filter((r) => r.method === "POST")
      assert.strictEqual(post.length, 1)
      assert.strictEqual(post[0]!.path, "/api/v3/list")
      assert.deepStrictEqual(post[0]!.body, {
        listInfo: "Migrated budget",
        listDescription: "from Smartsheet",
        listTypeId: 1
      })
      const lists = yield* client.getLists()
      assert.isTrue(lists.some((l) => l.listId === created.listId))
      // the creator holds SharedBillLists.Create: it can share its new list
      const shared = yield* client.editListShare(created.listId, {
        sharedUserGroupIds: [7],
        sharedUserIds: [],
        sharedWithEveryone: false
      })
      assert.deepStrictEqual(
        shared.sharedUserGroups.map((g) => g.userGroupId),
        [7]
      )
    })
  )

  it.live(
    "invalid ListCreate bodies are InvalidInput before any request; the simulator rejects them with 400 too",
    () =>
      Effect.gen(function* () {
        const { sim, client, config } = yield* setup()
        for (const bad of [
          { listInfo: "", listTypeId: 1 },
          { listInfo: "x".repeat(51), listTypeId: 1 },
          { listInfo: "ok", listDescription: "d".repeat(256), listTypeId: 1 },
          { listInfo: "ok", listTypeId: 0 },
          { listInfo: "ok", listTypeId: 2 ** 31 }
        ]) {
          const exit = yield* Effect.exit(client.createList(bad))
          assert.strictEqual(failureTag(exit), "InvalidInput", JSON.stringify(bad))
        }
        assert.strictEqual(sim.log().length, 0)
        // the simulator enforces the documented rules itself (a raw request)
        const raw = (body: unknown) =>
          Effect.promise(() =>
            fetch(`${config.baseUrl}/api/v3/list`, {
              method: "POST",
              headers: { "content-type": "application/json", "ECI-ApiKey": keys.admin },
              body: JSON.stringify(body)
            }).then((r) => r.status)
          )
        assert.strictEqual(yield* raw({ listTypeId: 1 }), 400)
        assert.strictEqual(yield* raw({ listInfo: "x".repeat(51), listTypeId: 1 }), 400)
        assert.strictEqual(yield* raw({ listInfo: "ok", listTypeId: 99 }), 400)
        assert.strictEqual(yield* raw({ listInfo: "ok", listTypeId: 2 }), 200)
      })
  )

  it.live("a create whose answer is lost after it landed is found by reading, not sent twice", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      sim.inject({ kind: "applied-then-drop", method: "POST", path: "/api/v3/list", times: 1 })
      const created = yield* client.createList({ listInfo: "Exactly once", listTypeId: 2 })
      assert.strictEqual(created.listInfo, "Exactly once")
      assert.strictEqual(sim.lists().filter((l) => l.name === "Exactly once").length, 1)
      assert.strictEqual(sim.log().filter((r) => r.method === "POST").length, 1)
    })
  )

  it.live("PUT /visible hides a list for the caller only and does not change its sharing", () =>
    Effect.gen(function* () {
      const { sim, client, config } = yield* setup()
      const before = sim.share(44)
      const hidden = yield* client.editListVisibility(44, false)
      assert.strictEqual(hidden.visible, false)
      assert.deepStrictEqual(sim.share(44), before)
      const put = sim.log().filter((r) => r.method === "PUT")
      assert.deepStrictEqual(
        put.map((r) => r.path),
        ["/api/v3/list/44/visible"]
      )
      assert.deepStrictEqual(put[0]!.body, { visible: false })
      assert.strictEqual((yield* client.getLists()).find((l) => l.listId === 44)?.visible, false)
      // another user still sees it
      const other = yield* Client.make({ ...config, apiKey: Redacted.make(keys.creator) }).pipe(
        Effect.provide(FetchHttpClient.layer)
      )
      assert.strictEqual((yield* other.getLists()).find((l) => l.listId === 44)?.visible, true)
      assert.strictEqual((yield* client.editListVisibility(44, true)).visible, true)
      // a list the caller cannot see is NotFound; a bad id is InvalidInput without a request
      const noLists = yield* Client.make({ ...config, apiKey: Redacted.make(keys.noLists) }).pipe(
        Effect.provide(FetchHttpClient.layer)
      )
      assert.strictEqual(failureTag(yield* Effect.exit(noLists.editListVisibility(42, false))), "NotFound")
      const count = sim.log().length
      assert.strictEqual(failureTag(yield* Effect.exit(client.editListVisibility(0, false))), "InvalidInput")
      assert.strictEqual(sim.log().length, count)
    })
  )
})

describe("EnergyCAP GET /api/v202512/user/paginated", () => {
  it.live("pages through every user with the page headers, filters, and needs v202512", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const all = yield* Stream.runCollect(client.getUsersPaginated({ pageSize: 250 }))
      assert.strictEqual(all.length, 601)
      const gets = sim.log().filter((r) => r.path === "/api/v202512/user/paginated")
      assert.strictEqual(gets.length, 3) // 601 users / 250 per page
      const page2 = yield* client.getUsersPaginatedPage(2, { pageSize: 100 })
      assert.strictEqual(page2.items[0]?.userId, 101)
      assert.strictEqual(page2.totalPages, 7)
      assert.strictEqual(page2.totalNumberOfRecords, 601)
      const ada = yield* Stream.runCollect(
        client.getUsersPaginated({ filter: Filter.equals("email", "user7@energy.test") })
      )
      assert.deepStrictEqual(
        ada.map((u) => u.userId),
        [7]
      )
      const raw = yield* Effect.promise(() =>
        fetch(`${sim.url}/api/v3/user/paginated`, {
          headers: { "content-type": "application/json", "ECI-ApiKey": keys.admin }
        })
      )
      assert.strictEqual(raw.status, 404)
      assert.deepStrictEqual(leaks(sim.log()), [])
    })
  )
})

describe("EnergyCAP adapter: createResource", () => {
  it.live("creates a list of the given type; a missing type or another kind is InvalidInput with no request", () =>
    Effect.gen(function* () {
      const { sim, provider } = yield* setup()
      const info = yield* provider.createResource!({ kind: "list", name: "New list", type: "2" })
      assert.strictEqual(info.resource.kind, "list")
      assert.strictEqual(info.name, "New list")
      assert.strictEqual(sim.lists().find((l) => String(l.listId) === info.resource.id)?.kind, "records")
      const count = sim.log().length
      assert.strictEqual(
        failureTag(yield* Effect.exit(provider.createResource!({ kind: "list", name: "x" }))),
        "InvalidInput"
      )
      assert.strictEqual(
        failureTag(yield* Effect.exit(provider.createResource!({ kind: "sheet", name: "x", type: "1" }))),
        "InvalidInput"
      )
      assert.strictEqual(sim.log().length, count)
      assert.deepStrictEqual(Eci.list(info.resource.id), info.resource)
    })
  )
})
