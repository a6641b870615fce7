import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Simulator from "../src/Simulator.ts"
import { keys, seed } from "./support.ts"

const call = (
  sim: Simulator.Simulator,
  method: string,
  path: string,
  options: { key?: string | null; body?: unknown; contentType?: string | null } = {}
) =>
  Effect.promise(async () => {
    const headers: Record<string, string> = {}
    if (options.key !== null) headers["ECI-ApiKey"] = options.key ?? keys.admin
    if (options.contentType !== null) headers["Content-Type"] = options.contentType ?? "application/json"
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {})
    })
    const text = await res.text()
    return {
      status: res.status,
      headers: res.headers,
      body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>)
    }
  })

const share = (sharedUserIds: Array<number>, sharedUserGroupIds: Array<number>, sharedWithEveryone = false) => ({
  sharedUserIds,
  sharedUserGroupIds,
  sharedWithEveryone
})

describe("Simulator", () => {
  it.live("ECI-ApiKey is required (401 problem details) and Content-Type: application/json too (415)", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed })
      const noKey = yield* call(sim, "GET", "/api/v3/list", { key: null })
      assert.strictEqual(noKey.status, 401)
      assert.strictEqual(noKey.body?.title, "Unauthorized")
      const badKey = yield* call(sim, "GET", "/api/v3/list", { key: "nope" })
      assert.strictEqual(badKey.status, 401)
      const noType = yield* call(sim, "GET", "/api/v3/list", { contentType: null })
      assert.strictEqual(noType.status, 415)
      assert.strictEqual((yield* call(sim, "GET", "/api/v3/list")).status, 200)
      assert.notInclude(JSON.stringify(sim.log()), keys.admin)
    })
  )

  it.live("PUT replaces the whole share state and enforces the everyone-or-lists rule", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed })
      const first = yield* call(sim, "PUT", "/api/v3/list/42/share", { body: share([1, 2, 2], [7]) })
      assert.strictEqual(first.status, 200)
      assert.deepStrictEqual(sim.share(42), share([1, 2], [7]))
      yield* call(sim, "PUT", "/api/v3/list/42/share", { body: share([3], []) })
      assert.deepStrictEqual(sim.share(42), share([3], []))
      const mixed = yield* call(sim, "PUT", "/api/v3/list/42/share", { body: share([3], [], true) })
      assert.strictEqual(mixed.status, 400)
      assert.include(String(mixed.body?.detail), "must be empty")
      assert.deepStrictEqual(sim.share(42), share([3], []))
      const everyone = yield* call(sim, "PUT", "/api/v3/list/42/share", { body: share([], [], true) })
      assert.deepStrictEqual(everyone.body, { sharedUserGroups: [], sharedUsers: [], sharedWithEveryone: true })
      const none = yield* call(sim, "PUT", "/api/v3/list/42/share", { body: share([], []) })
      assert.deepStrictEqual(none.body, { sharedUserGroups: [], sharedUsers: [], sharedWithEveryone: false })
    })
  )

  it.live("PUT with a missing field, a wrong type or unknown ids is 400 and changes nothing", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed })
      const missing = yield* call(sim, "PUT", "/api/v3/list/43/share", {
        body: { sharedUserIds: [1], sharedWithEveryone: false }
      })
      assert.strictEqual(missing.status, 400)
      assert.deepStrictEqual(Object.keys(missing.body?.errors as object), ["SharedUserGroupIds"])
      const wrong = yield* call(sim, "PUT", "/api/v3/list/43/share", {
        body: { ...share([1], []), sharedWithEveryone: "yes" }
      })
      assert.strictEqual(wrong.status, 400)
      const unknownUser = yield* call(sim, "PUT", "/api/v3/list/43/share", { body: share([1, 9999], []) })
      assert.strictEqual(unknownUser.status, 400)
      assert.include(String(unknownUser.body?.detail), "9999")
      const unknownGroup = yield* call(sim, "PUT", "/api/v3/list/43/share", { body: share([], [77]) })
      assert.strictEqual(unknownGroup.status, 400)
      const noBody = yield* call(sim, "PUT", "/api/v3/list/43/share")
      assert.strictEqual(noBody.status, 400)
      assert.deepStrictEqual(sim.share(43), share([10], [7]))
    })
  )

  it.live(
    "permissions: creator + SharedBillLists.Create, administrators, and 401 for everybody else; unknown list 404",
    () =>
      Effect.gen(function* () {
        const sim = yield* Simulator.serve({ seed })
        // user 2 created bill list 43 and has SharedBillLists.Create
        assert.strictEqual((yield* call(sim, "GET", "/api/v3/list/43/share", { key: keys.creator })).status, 200)
        // … but did not create 42
        assert.strictEqual((yield* call(sim, "GET", "/api/v3/list/42/share", { key: keys.creator })).status, 401)
        // a records list needs SharedRecordsLists.Create / RecordsListAdministrator.Manage
        sim.seed({ lists: [{ listId: 50, name: "Meters", kind: "records", creatorId: 2 }] })
        assert.strictEqual((yield* call(sim, "GET", "/api/v3/list/50/share", { key: keys.creator })).status, 401)
        sim.seed({ apiKeys: [{ key: "records-creator", userId: 2, permissions: ["SharedRecordsLists.Create"] }] })
        assert.strictEqual((yield* call(sim, "GET", "/api/v3/list/50/share", { key: "records-creator" })).status, 200)
        // no list permission at all
        const denied = yield* call(sim, "PUT", "/api/v3/list/43/share", { key: keys.noLists, body: share([], []) })
        assert.strictEqual(denied.status, 401)
        assert.deepStrictEqual(sim.share(43), share([10], [7]))
        // administrators manage lists they did not create
        assert.strictEqual((yield* call(sim, "GET", "/api/v3/list/43/share")).status, 200)
        assert.strictEqual((yield* call(sim, "GET", "/api/v3/list/4242/share")).status, 404)
        assert.strictEqual((yield* call(sim, "GET", "/api/v3/list/99999999999/share")).status, 404)
      })
  )

  it.live("users: filter equals on email / systemUserCode, emails only with Users & Roles: View", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed })
      const q = (filter: string, key?: string) =>
        call(sim, "GET", `/api/v3/user?filter=${encodeURIComponent(filter)}`, key === undefined ? {} : { key })
      const byEmail = yield* q("email equals 'User7@Energy.Test'")
      assert.deepStrictEqual(byEmail.body, [
        { userId: 7, userCode: "user7", fullName: "User 7", email: "user7@energy.test", active: true }
      ] as never)
      const byCode = yield* q("systemUserCode equals 'dobrien'")
      assert.deepStrictEqual(
        (byCode.body as unknown as Array<{ userId: number }>).map((u) => u.userId),
        [700]
      )
      const quoted = yield* q("email equals 'd.o''brien@energy.test'")
      assert.strictEqual((quoted.body as unknown as Array<unknown>).length, 1)
      const both = yield* q("systemUserCode one of 'user1'|'user2' and email not equals 'user1@energy.test'")
      assert.deepStrictEqual(
        (both.body as unknown as Array<{ userId: number }>).map((u) => u.userId),
        [2]
      )
      const restricted = yield* q("systemUserCode equals 'user1'", keys.creator)
      assert.notProperty((restricted.body as unknown as Array<object>)[0], "email")
      assert.strictEqual((yield* q("email equals 'unterminated")).status, 400)
      assert.strictEqual((yield* q("shoeSize equals '9'")).status, 400)
      assert.deepStrictEqual(Simulator.parseFilter("a equals 'x''y' and b one of '1'|'2'"), [
        { field: "a", op: "equals", values: ["x'y"] },
        { field: "b", op: "one of", values: ["1", "2"] }
      ])
    })
  )

  it.live("user groups and members: pagination headers, capped page size, 401 without UsersAndUserGroups.View", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed })
      const page2 = yield* call(sim, "GET", "/api/v3/userGroup?pageNumber=2&pageSize=2")
      assert.deepStrictEqual(
        (page2.body as unknown as Array<{ userGroupId: number }>).map((g) => g.userGroupId),
        [9]
      )
      assert.deepStrictEqual(
        ["PageNumber", "PageSize", "TotalNumberOfRecords", "TotalPages"].map((h) => page2.headers.get(h)),
        ["2", "2", "3", "2"]
      )
      const capped = yield* call(sim, "GET", "/api/v3/userGroup?pageSize=5000")
      assert.strictEqual(capped.headers.get("PageSize"), "1000")
      // GetUserGroupMembersV3 is not paginated: every member, no page headers, paging parameters ignored
      const members = yield* call(sim, "GET", "/api/v3/userGroup/7/member?pageNumber=2&pageSize=1")
      assert.deepStrictEqual(
        (members.body as unknown as Array<{ userId: number }>).map((m) => m.userId),
        [2, 3, 4]
      )
      assert.strictEqual(members.headers.get("TotalPages"), null)
      assert.strictEqual((yield* call(sim, "GET", "/api/v3/userGroup?pageNumber=0")).status, 400)
      assert.strictEqual((yield* call(sim, "GET", "/api/v3/userGroup", { key: keys.creator })).status, 401)
      assert.strictEqual((yield* call(sim, "GET", "/api/v3/userGroup/77/member")).status, 404)
      const byName = yield* call(
        sim,
        "GET",
        `/api/v3/userGroup?filter=${encodeURIComponent("userGroupName equals 'auditors'")}`
      )
      assert.deepStrictEqual(
        (byName.body as unknown as Array<{ userGroupId: number }>).map((g) => g.userGroupId),
        [9]
      )
    })
  )

  it.live("interleave runs a direct change after a matching request; faults and the log come from the kit", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed })
      sim.interleave({
        method: "PUT",
        path: "/api/v3/list/42/share",
        run: (s) => s.setShare(42, { sharedUserIds: [99] })
      })
      const put = yield* call(sim, "PUT", "/api/v3/list/42/share", { body: share([1], []) })
      assert.deepStrictEqual(
        ((put.body?.sharedUsers ?? []) as Array<{ userId: number }>).map((u) => u.userId),
        [1]
      )
      assert.deepStrictEqual(sim.share(42), share([99], []))
      yield* call(sim, "PUT", "/api/v3/list/42/share", { body: share([2], []) })
      assert.deepStrictEqual(sim.share(42), share([2], []), "the hook ran once")
      sim.inject({ kind: "status", status: 503, method: "GET" })
      assert.strictEqual((yield* call(sim, "GET", "/api/v3/list/42/share")).status, 503)
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.status, r.fault ?? ""]),
        [
          ["PUT", 200, ""],
          ["PUT", 200, ""],
          ["GET", 503, "status"]
        ]
      )
    })
  )

  it.live("the demo seed loads: demo keys, lists with creators and shares", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed: Simulator.demoSeed })
      const lists = yield* call(sim, "GET", "/api/v3/list", { key: Simulator.demoCredentials.analyst })
      assert.deepStrictEqual(
        (lists.body as unknown as Array<{ listId: number }>).map((l) => l.listId),
        [1001, 1002, 1003]
      )
      assert.strictEqual(
        (yield* call(sim, "GET", "/api/v3/list/1002/share", { key: Simulator.demoCredentials.analyst })).status,
        200
      )
      assert.strictEqual(
        (yield* call(sim, "GET", "/api/v3/list/1001/share", { key: Simulator.demoCredentials.readonly })).status,
        401
      )
    })
  )

  it.live("a hold fault keeps the write waiting until released, counted by held(); the write then runs as usual", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed })
      let release: () => void = () => {}
      const gate = new Promise<void>((resolve) => {
        release = resolve
      })
      sim.inject({ kind: "hold", until: gate, method: "PUT" })
      const put = call(sim, "PUT", "/api/v3/list/42/share", { body: share([3], []) }).pipe(Effect.runPromise)
      while (sim.held() === 0) yield* Effect.promise(() => new Promise((r) => setImmediate(r)))
      // held before the route ran: nothing logged, nothing changed; other requests pass
      assert.deepStrictEqual(sim.log(), [])
      assert.strictEqual((yield* call(sim, "GET", "/api/v3/list")).status, 200)
      assert.notDeepEqual(sim.share(42), share([3], []))
      release()
      assert.strictEqual((yield* Effect.promise(() => put)).status, 200)
      assert.strictEqual(sim.held(), 0)
      assert.deepStrictEqual(sim.share(42), share([3], []))
    })
  )
})
