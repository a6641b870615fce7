/**
 * Authentication: a token function is asked before every request and once more after a 401 (a
 * new token is tried once, the same one is not); what it returns is checked before anything is
 * sent; `As-User` acts for another user where Box allows it; no token shows in errors or the log.
 */
import { assert, describe, it } from "@effect/vitest"
import { Errors as CoreErrors } from "@unishare/core"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Errors from "../src/Errors.ts"
import { fastRetry, ids, lines, setup } from "./support.ts"

describe("token function", () => {
  it.live("is called before each request; the token it gives is the one sent", () =>
    Effect.gen(function* () {
      const { sim } = yield* setup()
      sim.addToken({ token: "fn-secret-a", user: ids.owner, label: "a" })
      sim.addToken({ token: "fn-secret-b", user: ids.grace, label: "b" })
      const given: Array<string> = []
      let next = "fn-secret-a"
      const client = yield* Client.make({
        baseUrl: sim.url,
        token: () =>
          Effect.sync(() => {
            given.push(next)
            return Redacted.make(next)
          })
      })
      yield* client.getCollaboration(ids.graceCoOwner)
      yield* client.getCollaboration(ids.graceCoOwner)
      next = "fn-secret-b"
      yield* client.getCollaboration(ids.graceCoOwner)
      assert.deepStrictEqual(given, ["fn-secret-a", "fn-secret-a", "fn-secret-b"])
      assert.deepStrictEqual(
        sim.log().map((r) => [r.principal, r.auth]),
        [
          [`user:${ids.owner}`, "bearer token=a"],
          [`user:${ids.owner}`, "bearer token=a"],
          [`user:${ids.grace}`, "bearer token=b"]
        ]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("after a 401 it is asked once more: a new token is sent once, the same one is not", () =>
    Effect.gen(function* () {
      const { sim } = yield* setup()
      sim.addToken({ token: "fn-expired", user: ids.owner, label: "old", expired: true })
      sim.addToken({ token: "fn-fresh", user: ids.owner, label: "new" })
      const queue = ["fn-expired", "fn-fresh"]
      let calls = 0
      const client = yield* Client.make({
        baseUrl: sim.url,
        token: () =>
          Effect.sync(() => {
            calls++
            return Redacted.make(queue.length > 1 ? (queue.shift() ?? "") : (queue[0] ?? ""))
          })
      })
      // a write: a 401 means it was not processed, so it is sent again with the new token
      const created = yield* client.createCollaboration({
        item: { type: "folder", id: ids.contracts },
        accessible_by: { type: "user", id: ids.grace },
        role: "editor"
      })
      assert.strictEqual(created.role, "editor")
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.status, r.auth]),
        [
          ["POST", 401, "rejected"],
          ["POST", 201, "bearer token=new"]
        ]
      )
      assert.strictEqual(calls, 2)
      sim.clearLog()
      // the same token after the 401: the error stands, no second request
      sim.addToken({ token: "fn-stuck", user: ids.owner, expired: true })
      let stuckCalls = 0
      const stuck = yield* Client.make({
        baseUrl: sim.url,
        token: () =>
          Effect.sync(() => {
            stuckCalls++
            return Redacted.make("fn-stuck")
          })
      })
      const denied = yield* Effect.flip(stuck.getCollaboration(ids.graceCoOwner))
      assert.strictEqual(denied._tag, "AccessDenied")
      assert.strictEqual(Errors.codeOf(denied), "unauthorized")
      assert.strictEqual(sim.log().length, 1)
      assert.strictEqual(stuckCalls, 2)
      const everything = JSON.stringify([denied, denied.message, sim.log(), created])
      for (const secret of ["fn-expired", "fn-fresh", "fn-stuck"]) assert.notInclude(everything, secret)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a token it returns that cannot be sent is InvalidInput at token, and nothing is sent", () =>
    Effect.gen(function* () {
      const { sim } = yield* setup()
      const cases: ReadonlyArray<() => Effect.Effect<Redacted.Redacted<string>, CoreErrors.SharingError>> = [
        () => Effect.succeed(Redacted.make("line\r\nbreak-secret")),
        () => Effect.succeed("plain-secret" as unknown as Redacted.Redacted<string>),
        () => Effect.succeed(Redacted.make("ünïcødé-💥-secret"))
      ]
      for (const token of cases) {
        const client = yield* Client.make({ baseUrl: sim.url, token })
        const error = yield* Effect.flip(client.getCollaboration(ids.graceCoOwner))
        assert.strictEqual(error._tag, "InvalidInput")
        assert.deepStrictEqual(error._tag === "InvalidInput" ? error.issues.map((i) => i.path) : [], ["token"])
        assert.notInclude(JSON.stringify([error, error.message]), "secret")
      }
      // its own failure (a JWT exchange that failed) is the call's failure
      const failing = yield* Client.make({
        baseUrl: sim.url,
        token: () =>
          Effect.fail(new CoreErrors.AccessDenied({ provider: "box", operation: "token", message: "invalid_grant" }))
      })
      const error = yield* Effect.flip(failing.getCollaboration(ids.graceCoOwner))
      assert.isTrue(error._tag === "AccessDenied" && error.message === "invalid_grant")
      assert.deepStrictEqual(sim.log(), [])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("a fixed token in clear text, or one with a line break, is refused when the client is made", () =>
    Effect.gen(function* () {
      const plain = yield* Effect.flip(Client.make({ token: "plain-secret" as never }))
      const broken = yield* Effect.flip(Client.make({ token: Redacted.make("a\nb-secret") }))
      for (const error of [plain, broken]) {
        assert.strictEqual(error._tag, "InvalidInput")
        assert.deepStrictEqual(
          error.issues.map((i) => i.path),
          ["token"]
        )
        assert.notInclude(JSON.stringify([error, error.message]), "secret")
      }
      const http = yield* Effect.flip(Client.make({ token: Redacted.make("t"), baseUrl: "http://api.box.com/2.0" }))
      assert.deepStrictEqual(
        http.issues.map((i) => i.path),
        ["baseUrl"]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})

describe("As-User", () => {
  it.live("an admin's token acts as a user: the header is sent, Box sees that user", () =>
    Effect.gen(function* () {
      const { sim, clientAs } = yield* setup()
      const admin = yield* clientAs(ids.admin)
      const pending = yield* Stream.runCollect(admin.listPendingCollaborations({ asUser: ids.erin }))
      assert.deepStrictEqual(
        pending.map((c) => c.id),
        [ids.erinPending]
      )
      const accepted = yield* admin.updateCollaboration(ids.erinPending, { status: "accepted" }, { asUser: ids.erin })
      assert.strictEqual(accepted._tag === "Updated" ? accepted.collaboration.status : undefined, "accepted")
      const unseen = yield* Effect.flip(admin.getCollaboration(ids.erinPending))
      assert.strictEqual(unseen._tag, "NotFound")
      assert.deepStrictEqual(
        sim.log().map((r) => [r.method, r.principal, r.auth]),
        [
          ["GET", `user:${ids.erin}`, `bearer token=test-${ids.admin} as-user by user:${ids.admin}`],
          ["PUT", `user:${ids.erin}`, `bearer token=test-${ids.admin} as-user by user:${ids.admin}`],
          // without asUser: the admin, who cannot see the folder
          ["GET", `user:${ids.admin}`, `bearer token=test-${ids.admin}`]
        ]
      )
      assert.deepStrictEqual(
        sim.log().map((r) => r.status),
        [200, 200, 404]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live(
    "Box refuses As-User for a plain user's token, for an app without the permission, and for an unknown user",
    () =>
      Effect.gen(function* () {
        const { sim, client } = yield* setup()
        const notAdmin = yield* Effect.flip(client.getCollaboration(ids.graceCoOwner, { asUser: ids.ada }))
        assert.strictEqual(notAdmin._tag, "AccessDenied")
        sim.addToken({ token: "no-as-user-secret", user: ids.admin, canActAsUser: false })
        const app = yield* Client.make({
          token: Redacted.make("no-as-user-secret"),
          baseUrl: sim.url,
          retry: fastRetry
        })
        const noPermission = yield* Effect.flip(app.getCollaboration(ids.graceCoOwner, { asUser: ids.owner }))
        assert.strictEqual(noPermission._tag, "AccessDenied")
        assert.strictEqual(Errors.codeOf(noPermission), "access_denied_insufficient_permissions")
        sim.addToken({ token: "admin-secret", user: ids.admin })
        const good = yield* Client.make({ token: Redacted.make("admin-secret"), baseUrl: sim.url })
        const unknown = yield* Effect.flip(good.getCollaboration(ids.graceCoOwner, { asUser: "424242" }))
        assert.strictEqual(unknown._tag, "NotFound")
        assert.deepStrictEqual(lines(sim), [
          `GET /collaborations/${ids.graceCoOwner} 403`,
          `GET /collaborations/${ids.graceCoOwner} 403`,
          `GET /collaborations/${ids.graceCoOwner} 404`
        ])
        assert.notInclude(JSON.stringify(sim.log()), "secret")
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
