/**
 * Box error objects → typed errors: the mapping table, and every mapped error as the client meets
 * it from the simulator (the simulator's own answers where it gives them, Box-shaped injected
 * faults for 409 and 5xx).
 */
import { assert, describe, it } from "@effect/vitest"
import type { HttpApi } from "@unishare/core"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Errors from "../src/Errors.ts"
import * as Simulator from "../src/Simulator.ts"
import { ids, lines, setup } from "./support.ts"

const failure = (status: number, code: string | undefined, extra: Partial<HttpApi.Failure> = {}): HttpApi.Failure => ({
  status,
  body:
    code === undefined
      ? undefined
      : {
          type: "error",
          status,
          code,
          message: `m-${code}`,
          request_id: "req-1",
          help_url: "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/",
          context_info: { errors: [{ reason: "invalid_parameter", name: "collab", message: "x" }] }
        },
  headers: {},
  operation: "op",
  ...extra
})

describe("Errors.classify", () => {
  it("maps status first, then the code, with Box's details in detail", () => {
    const table: ReadonlyArray<readonly [number, string, string]> = [
      [400, "user_already_collaborator", "Conflict"],
      [400, "invalid_status", "Conflict"],
      [400, "bad_request", "Rejected"],
      [400, "invalid_collaboration_item", "Rejected"],
      [400, "collaborations_not_available_on_root_folder", "Rejected"],
      [400, "invalid_limit", "Rejected"],
      [400, "invalid_offset", "Rejected"],
      [400, "invalid_request_parameters", "Rejected"],
      [400, "invalid_grant", "Rejected"],
      [401, "unauthorized", "AccessDenied"],
      [403, "access_denied_insufficient_permissions", "AccessDenied"],
      [403, "insufficient_scope", "AccessDenied"],
      [403, "forbidden_by_policy", "AccessDenied"],
      [403, "access_denied_item_locked", "AccessDenied"],
      [404, "not_found", "NotFound"],
      [409, "conflict", "Conflict"],
      [412, "precondition_failed", "Conflict"],
      [429, "rate_limit_exceeded", "RateLimited"],
      [500, "internal_server_error", "Unavailable"],
      [502, "internal_server_error", "Unavailable"],
      [503, "unavailable", "Unavailable"],
      // a garbled code: the status decides
      [404, "---uest", "NotFound"],
      [400, "---uest", "Rejected"]
    ]
    for (const [status, code, tag] of table) {
      const error = Errors.classify(failure(status, code))
      assert.strictEqual(error._tag, tag, `${status} ${code}`)
      assert.deepStrictEqual(
        error.detail,
        {
          status,
          code,
          requestId: "req-1",
          contextInfo: { errors: [{ reason: "invalid_parameter", name: "collab", message: "x" }] },
          helpUrl: "https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/"
        },
        `${status} ${code}`
      )
      assert.strictEqual(Errors.codeOf(error), code)
      assert.include(error.message, `m-${code}`)
      assert.include(error.message, "request_id req-1")
    }
    const rejected = Errors.classify(failure(400, "invalid_limit"))
    assert.isTrue(rejected._tag === "Rejected" && rejected.code === "invalid_limit" && rejected.status === 400)
    const limited = Errors.classify(failure(429, "rate_limit_exceeded", { retryAfterMillis: 7_000 }))
    assert.isTrue(limited._tag === "RateLimited" && limited.retryAfterMillis === 7_000)
    const down = Errors.classify(failure(503, "unavailable"))
    assert.isTrue(down._tag === "Unavailable" && down.status === 503 && !down.maybeApplied)
  })

  it("without a Box error object: the status alone, the text kept short", () => {
    assert.strictEqual(Errors.classify(failure(404, undefined))._tag, "NotFound")
    assert.strictEqual(Errors.classify(failure(502, undefined))._tag, "Unavailable")
    assert.strictEqual(Errors.classify(failure(401, undefined))._tag, "AccessDenied")
    const html = Errors.classify({ ...failure(500, undefined), body: "<html>gateway</html>" })
    assert.include(html.message, "<html>gateway</html>")
    assert.deepStrictEqual(html.detail, { status: 500 })
  })

  it("retries 408, 429 and every 5xx", () => {
    for (const status of [408, 429, 500, 501, 502, 503, 504, 507]) {
      assert.isTrue(Errors.isTransient(failure(status, undefined)), String(status))
    }
    for (const status of [400, 401, 403, 404, 409, 412]) {
      assert.isFalse(Errors.isTransient(failure(status, undefined)), String(status))
    }
  })
})

describe("mapped errors, as the client meets them", () => {
  it.live("401: an unknown or expired token is AccessDenied, and the token shows nowhere", () =>
    Effect.gen(function* () {
      const { sim } = yield* setup()
      sim.addToken({ token: "expired-secret-token", user: ids.owner, expired: true })
      for (const token of ["no-such-secret-token", "expired-secret-token"]) {
        const client = yield* Client.make({ token: Redacted.make(token), baseUrl: sim.url })
        const error = yield* Effect.flip(client.getCollaboration(ids.graceCoOwner))
        assert.strictEqual(error._tag, "AccessDenied")
        assert.strictEqual(Errors.codeOf(error), "unauthorized")
        assert.notInclude(JSON.stringify([error, error.message, sim.log()]), token)
      }
      assert.deepStrictEqual(
        sim.log().map((r) => [r.status, r.auth]),
        [
          [401, "rejected"],
          [401, "rejected"]
        ]
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("403: no right to invite, a policy, an expiry the enterprise does not allow", () =>
    Effect.gen(function* () {
      const { clientAs, client, sim } = yield* setup()
      // Ada only previews nda.pdf: no invitations; she edits Budgets (through the Finance group on
      // the folder above) and may invite there, but not as co-owner
      const ada = yield* clientAs(ids.ada)
      const onContracts = yield* Effect.flip(
        ada.createCollaboration({
          item: { type: "file", id: ids.ndaFile },
          accessible_by: { type: "user", id: ids.grace },
          role: "viewer"
        })
      )
      assert.strictEqual(onContracts._tag, "AccessDenied")
      assert.strictEqual(Errors.codeOf(onContracts), "access_denied_insufficient_permissions")
      const coOwner = yield* Effect.flip(
        ada.createCollaboration({
          item: { type: "folder", id: ids.budgets },
          accessible_by: { type: "user", id: ids.admin },
          role: "co-owner"
        })
      )
      assert.strictEqual(coOwner._tag, "AccessDenied")
      const policy = yield* Effect.flip(
        client.createCollaboration({
          item: { type: "folder", id: ids.budgets },
          accessible_by: { type: "user", login: "someone@elsewhere.example" },
          role: "viewer"
        })
      )
      assert.strictEqual(policy._tag, "AccessDenied")
      assert.strictEqual(Errors.codeOf(policy), "forbidden_by_policy")
      const expiry = yield* Effect.flip(
        client.updateCollaboration(ids.graceCoOwner, { expires_at: "2099-01-01T00:00:00Z" })
      )
      assert.strictEqual(expiry._tag, "AccessDenied")
      assert.include(expiry.message, "Allow folder owners to extend the expiry date")
      assert.strictEqual(sim.log().length, 4)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("404: an unknown collaboration, an item the caller cannot see", () =>
    Effect.gen(function* () {
      const { client, clientAs } = yield* setup()
      const unknown = yield* Effect.flip(client.getCollaboration("99999"))
      assert.strictEqual(unknown._tag, "NotFound")
      assert.strictEqual(Errors.codeOf(unknown), "not_found")
      const erin = yield* clientAs(ids.erin)
      const hidden = yield* Effect.flip(erin.listFolderCollaborationsPage(ids.financeFolder))
      assert.strictEqual(hidden._tag, "NotFound")
      const deleted = yield* Effect.flip(client.deleteCollaboration("99999"))
      assert.strictEqual(deleted._tag, "NotFound")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("400: invalid_status is a Conflict; other 400s are Rejected with Box's code", () =>
    Effect.gen(function* () {
      const { client, sim } = yield* setup()
      // only the invitee answers an invitation
      const notInvitee = yield* Effect.flip(client.updateCollaboration(ids.erinPending, { status: "accepted" }))
      assert.strictEqual(notInvitee._tag, "Conflict")
      assert.strictEqual(Errors.codeOf(notInvitee), "invalid_status")
      // ownership goes to accepted users only
      const toPending = yield* Effect.flip(client.updateCollaboration(ids.erinPending, { role: "owner" }))
      assert.isTrue(toPending._tag === "Rejected" && toPending.code === "bad_request" && toPending.status === 400)
      assert.deepStrictEqual(lines(sim), [
        `PUT /collaborations/${ids.erinPending} 400`,
        `PUT /collaborations/${ids.erinPending} 400`
      ])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("409 conflict and 5xx: Box-shaped faults; reads are retried, a POST only after checking", () =>
    Effect.gen(function* () {
      const { client, sim } = yield* setup()
      sim.inject({ kind: "status", status: 409, body: Simulator.errorBody(409, "conflict", "Conflict") })
      const conflict = yield* Effect.flip(client.getCollaboration(ids.graceCoOwner))
      assert.strictEqual(conflict._tag, "Conflict")
      assert.strictEqual(Errors.codeOf(conflict), "conflict")
      sim.clearLog()
      // a read through two 5xx
      sim.inject({ kind: "status", status: 500, body: Simulator.errorBody(500, "internal_server_error", "x") })
      sim.inject({ kind: "status", status: 503, body: Simulator.errorBody(503, "unavailable", "y") })
      yield* client.getCollaboration(ids.graceCoOwner)
      assert.deepStrictEqual(
        sim.log().map((r) => r.status),
        [500, 503, 200]
      )
      sim.clearLog()
      // a read that keeps failing: Unavailable after 1 + 4 attempts
      sim.inject({
        kind: "status",
        status: 502,
        body: Simulator.errorBody(502, "internal_server_error", "z"),
        times: Infinity
      })
      const down = yield* Effect.flip(client.getCollaboration(ids.graceCoOwner))
      assert.isTrue(down._tag === "Unavailable" && down.status === 502 && !down.maybeApplied)
      assert.strictEqual(sim.log().length, 5)
      sim.clearFaults()
      sim.clearLog()
      // a POST answered 503 may have landed: the item's list decides; here it did not, so it is sent again
      sim.inject({ kind: "status", status: 503, method: "POST", body: Simulator.errorBody(503, "unavailable", "u") })
      const created = yield* client.createCollaboration({
        item: { type: "folder", id: ids.contracts },
        accessible_by: { type: "user", id: ids.grace },
        role: "viewer"
      })
      assert.deepStrictEqual(lines(sim), [
        "POST /collaborations 503",
        `GET /folders/${ids.contracts}/collaborations?limit=1000 200`,
        "POST /collaborations 201"
      ])
      assert.strictEqual(created.accessible_by?.id, ids.grace)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
