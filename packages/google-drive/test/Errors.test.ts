/**
 * Error mapping: every reason `Errors` maps, from Google's envelope to a core error (unit), and
 * every refusal the simulator implements, through the client: the error, its reason, and exactly
 * one request (refusals are never retried).
 */
import { assert, describe, it } from "@effect/vitest"
import type { Errors as Core, HttpApi } from "@unishare/core"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Errors from "../src/Errors.ts"
import * as Simulator from "../src/Simulator.ts"
import { fixture, ids, users } from "./support.ts"

const envelope = (status: number, reason: string, location?: string): HttpApi.Failure => ({
  status,
  body: Simulator.errorBody(status, reason, `message for ${reason}`, location !== undefined ? { location } : {}),
  headers: {},
  operation: "op"
})

describe("Errors.classify: every mapped reason", () => {
  const table: ReadonlyArray<readonly [string, number, Core.SharingError["_tag"]]> = [
    ["notFound", 404, "NotFound"],
    ["authError", 401, "AccessDenied"],
    ["required", 401, "AccessDenied"],
    ...Errors.accessReasons.map((r) => [r, 403, "AccessDenied"] as const),
    ...Object.keys(Errors.unsupportedReasons).map((r) => [r, 403, "Unsupported"] as const),
    ...Errors.inheritedReasons.map((r) => [r, 403, "Conflict"] as const),
    ...Errors.invalidReasons.map((r) => [r, 400, "InvalidInput"] as const),
    ["required", 400, "InvalidInput"],
    ...Errors.rateLimitReasons.map((r) => [r, 403, "RateLimited"] as const),
    ["rateLimitExceeded", 429, "RateLimited"],
    ...Errors.serverReasons.map((r) => [r, 503, "Unavailable"] as const),
    ["invalidSharingRequest", 400, "Rejected"],
    ["somethingNew", 400, "Rejected"]
  ]

  it("maps each reason and keeps it, the status and the message in detail", () => {
    for (const [reason, status, tag] of table) {
      const error = Errors.classify(envelope(status, reason, "permission.role"))
      assert.strictEqual(error._tag, tag, `${status} ${reason}`)
      assert.strictEqual(Errors.reasonOf(error), reason, reason)
      assert.strictEqual(Errors.statusOf(error), status, reason)
      assert.include(JSON.stringify(error.detail), `message for ${reason}`)
    }
  })

  it("names what is unsupported, where an input went wrong, and what to do about inheritance", () => {
    const unsupported = Errors.classify(envelope(403, "consentRequiredForOwnershipTransfer"))
    assert.isTrue(unsupported._tag === "Unsupported" && unsupported.feature.includes("pendingOwner"))
    const invalid = Errors.classify(envelope(400, "invalid", "pageToken"))
    assert.isTrue(invalid._tag === "InvalidInput" && invalid.issues[0]?.path === "pageToken")
    assert.include(Errors.classify(envelope(403, "cannotModifyInheritedTeamDrivePermission")).message, "inheritedFrom")
    const rejected = Errors.classify(envelope(400, "invalidSharingRequest"))
    assert.isTrue(rejected._tag === "Rejected" && rejected.code === "invalidSharingRequest" && rejected.status === 400)
    const busy = Errors.classify({ ...envelope(429, "rateLimitExceeded"), retryAfterMillis: 1_500 })
    assert.isTrue(busy._tag === "RateLimited" && busy.retryAfterMillis === 1_500)
  })

  it("falls back to the status without an envelope; newer envelope fields are tolerated", () => {
    const bare = (status: number, body: unknown): HttpApi.Failure => ({ status, body, headers: {}, operation: "op" })
    assert.strictEqual(Errors.classify(bare(404, "<html>Not Found</html>"))._tag, "NotFound")
    assert.strictEqual(Errors.classify(bare(401, undefined))._tag, "AccessDenied")
    assert.strictEqual(Errors.classify(bare(429, undefined))._tag, "RateLimited")
    assert.strictEqual(Errors.classify(bare(502, "<html>Bad Gateway</html>"))._tag, "Unavailable")
    assert.strictEqual(Errors.classify(bare(400, { error: "not Google's shape" }))._tag, "Rejected")
    const newer = Errors.classify(
      bare(403, {
        error: {
          code: 403,
          message: "Insufficient permissions for this file",
          status: "PERMISSION_DENIED",
          errors: [
            { domain: "global", reason: "insufficientFilePermissions", message: "x", extendedHelp: "https://…" }
          ],
          details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "X" }],
          somethingNew: true
        }
      })
    )
    assert.strictEqual(newer._tag, "AccessDenied")
    assert.strictEqual((newer.detail as Errors.Detail).statusName, "PERMISSION_DENIED")
    // an envelope without errors[]: by status, the message kept
    const noItems = Errors.classify(bare(403, { error: { code: 403, message: "Forbidden" } }))
    assert.strictEqual(noItems._tag, "AccessDenied")
    assert.include(noItems.message, "Forbidden")
  })
})

describe("Errors.isTransient", () => {
  it("403 only with a rate-limit reason; 429, 408 and 5xx always; other 4xx never", () => {
    for (const reason of Errors.rateLimitReasons) assert.isTrue(Errors.isTransient(envelope(403, reason)), reason)
    for (const reason of [
      "insufficientFilePermissions",
      "cannotShareTeamDriveWithNonGoogleAccounts",
      "forbidden",
      "ownerOnTeamDriveItemNotSupported",
      "domainPolicy"
    ]) {
      assert.isFalse(Errors.isTransient(envelope(403, reason)), reason)
    }
    assert.isFalse(Errors.isTransient({ status: 403, body: "<html>", headers: {}, operation: "x" }))
    assert.isTrue(Errors.isTransient(envelope(429, "rateLimitExceeded")))
    for (const reason of Errors.serverReasons) assert.isTrue(Errors.isTransient(envelope(500, reason)), reason)
    assert.isTrue(Errors.isTransient({ status: 503, body: undefined, headers: {}, operation: "x" }))
    assert.isFalse(Errors.isTransient(envelope(400, "badRequest")))
    assert.isFalse(Errors.isTransient(envelope(404, "notFound")))
  })
})

describe("refusals from the simulator, through the client: one request each, never retried", () => {
  const inAWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString()

  it.live("each refused combination and missing right maps to its error and keeps its reason", () =>
    Effect.gen(function* () {
      const { sim, client, as } = yield* fixture()
      const grace = yield* as("grace@example.com")
      const ada = yield* as("ada@example.com")
      const alice = yield* as("alice.consumer@gmail.com")
      const quiet = { sendNotificationEmail: false } as const
      const user = (role: "reader" | "writer" | "organizer" | "fileOrganizer", email: string) =>
        ({ type: "user", role, emailAddress: email }) as const
      const cases: ReadonlyArray<
        readonly [string, Effect.Effect<unknown, Core.SharingError>, Core.SharingError["_tag"] | "Ok", string]
      > = [
        [
          "organizer on a My Drive file",
          client.createPermission(ids.budget, user("organizer", "ada@example.com"), quiet),
          "Unsupported",
          "organizerOnNonTeamDriveNotSupported"
        ],
        [
          "organizer on a folder in a shared drive",
          client.createPermission(ids.reports, user("organizer", "ada@example.com"), quiet),
          "Unsupported",
          "organizerOnNonTeamDriveItemNotSupported"
        ],
        [
          "fileOrganizer in My Drive",
          client.createPermission(ids.projects, user("fileOrganizer", "ada@example.com"), quiet),
          "Unsupported",
          "fileOrganizerOnNonTeamDriveNotSupported"
        ],
        [
          "fileOrganizer on a file in a shared drive",
          client.createPermission(ids.q3, user("fileOrganizer", "ada@example.com"), quiet),
          "Unsupported",
          "fileOrganizerOnFoldersInSharedDriveOnly"
        ],
        [
          "owner in a shared drive",
          client.createPermission(
            ids.q3,
            { type: "user", role: "owner", emailAddress: "ada@example.com" },
            { transferOwnership: true }
          ),
          "Unsupported",
          "ownerOnTeamDriveItemNotSupported"
        ],
        [
          "owner across organizations",
          client.createPermission(
            ids.budget,
            { type: "user", role: "owner", emailAddress: "linus@partner.example" },
            { transferOwnership: true }
          ),
          "Unsupported",
          "ownershipChangeAcrossDomainNotPermitted"
        ],
        [
          "consumer transfer without consent",
          alice.updatePermission(ids.photos, users.bob, { role: "owner" }, { transferOwnership: true }),
          "Unsupported",
          "consentRequiredForOwnershipTransfer"
        ],
        [
          "pendingOwner on a reader",
          client.updatePermission(ids.reports, users.linus, { pendingOwner: true }),
          "InvalidInput",
          "badRequest"
        ],
        [
          "pendingOwner on a commenter in My Drive",
          client.updatePermission(ids.budget, users.finance, { pendingOwner: true }),
          "InvalidInput",
          "badRequest"
        ],
        [
          "expiration on a shared-drive membership",
          client.updatePermission(ids.financeDrive, users.finance, { expirationTime: inAWeek() }),
          "Unsupported",
          "expirationDateNotAllowedForSharedDriveMembers"
        ],
        [
          "expiring writer on a My Drive folder",
          client.createPermission(
            ids.projects,
            { ...user("writer", "grace@example.com"), expirationTime: inAWeek() },
            quiet
          ),
          "Unsupported",
          "cannotSetExpiration"
        ],
        [
          "expiration on an anyone permission (PATCH)",
          client.updatePermission(ids.budget, "anyoneWithLink", { expirationTime: inAWeek() }),
          "Unsupported",
          "cannotSetExpirationOnAnyoneOrDomain"
        ],
        [
          "anyone on a shared drive itself",
          client.createPermission(ids.financeDrive, { type: "anyone", role: "reader" }),
          "Unsupported",
          "cannotShareTeamDriveTopFolderWithAnyoneOrDomains"
        ],
        [
          "an account outside Google in a shared drive",
          client.createPermission(ids.reports, user("reader", "someone@elsewhere.example"), quiet),
          "Unsupported",
          "cannotShareTeamDriveWithNonGoogleAccounts"
        ],
        [
          "an unknown group",
          client.createPermission(
            ids.budget,
            { type: "group", role: "reader", emailAddress: "nogroup@example.com" },
            quiet
          ),
          "Rejected",
          "invalidSharingRequest"
        ],
        [
          "a commenter shares",
          grace.createPermission(ids.budget, user("reader", "linus@partner.example"), quiet),
          "AccessDenied",
          "insufficientFilePermissions"
        ],
        [
          "a writer whose folder has writersCanShare on shares a file in it",
          ada.createPermission(ids.plan, user("reader", "grace@example.com"), quiet),
          "Ok",
          ""
        ],
        [
          "domain admin access without being an admin",
          ada.listPermissionsPage(ids.financeDrive, { useDomainAdminAccess: true }),
          "AccessDenied",
          "insufficientAdministratorPrivileges"
        ],
        [
          "an inherited shared-drive membership changed on an item",
          client.updatePermission(ids.q3, users.finance, { role: "reader" }),
          "Conflict",
          "cannotModifyInheritedTeamDrivePermission"
        ],
        [
          "an inherited shared-drive membership removed from an item",
          client.deletePermission(ids.q3, users.finance),
          "Conflict",
          "cannotModifyInheritedTeamDrivePermission"
        ],
        [
          "an inherited My Drive grant changed on an item",
          client.updatePermission(ids.plan, users.ada, { role: "reader" }),
          "Conflict",
          "cannotModifyInheritedPermission"
        ],
        [
          "the owner lowered",
          client.updatePermission(ids.budget, users.owner, { role: "writer" }),
          "Unsupported",
          "invalidOwnershipTransfer"
        ],
        ["the owner removed", client.deletePermission(ids.budget, users.owner), "Unsupported", "cannotRemoveOwner"],
        [
          "an unknown file",
          client.getPermission("1NoSuchFileAAAAAAAAAAAAAAAAAAAAAA", users.owner),
          "NotFound",
          "notFound"
        ],
        ["an unknown permission", client.getPermission(ids.budget, "99999999999999999999"), "NotFound", "notFound"],
        [
          "a page token of another item",
          client.listPermissionsPage(ids.plan, { pageToken: "bm90LWEtdG9rZW4" }),
          "InvalidInput",
          "invalid"
        ]
      ]
      for (const [name, effect, tag, reason] of cases) {
        sim.clearLog()
        const exit = yield* Effect.exit(effect)
        if (tag === "Ok") {
          assert.strictEqual(exit._tag, "Success", name)
          continue
        }
        assert.strictEqual(exit._tag, "Failure", name)
        const error = yield* Effect.flip(Effect.suspend(() => exit))
        assert.strictEqual(error._tag, tag, `${name}: ${error.message}`)
        assert.strictEqual(Errors.reasonOf(error), reason, name)
        assert.strictEqual(sim.log().length, 1, `${name}: requests`)
      }
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("pendingOwner on a non-writer (role given as reader on the same PATCH) is refused before sending", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const error = yield* Effect.flip(
        client.updatePermission(ids.photos, users.bob, { role: "reader", pendingOwner: true })
      )
      assert.strictEqual(error._tag, "InvalidInput")
      assert.deepStrictEqual(sim.log(), [])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("pendingOwnerWriterRequired: a consumer owner offers ownership to a reader", () =>
    Effect.gen(function* () {
      const { sim, as } = yield* fixture()
      const alice = yield* as("alice.consumer@gmail.com")
      yield* alice.createPermission(
        ids.photos,
        { type: "user", role: "reader", emailAddress: "grace@example.com" },
        { sendNotificationEmail: false }
      )
      sim.clearLog()
      const error = yield* Effect.flip(alice.updatePermission(ids.photos, users.grace, { pendingOwner: true }))
      assert.strictEqual(error._tag, "InvalidInput")
      assert.strictEqual(Errors.reasonOf(error), "pendingOwnerWriterRequired")
      assert.strictEqual(sim.log().length, 1)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("teamDriveDomainUsersOnlyRestriction: a restricted drive refuses users of other organizations", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      sim.addDrive({
        id: "0ALockedDriveAAAAAAA",
        name: "Locked",
        organization: "example.com",
        domainUsersOnly: true,
        members: [{ email: "owner@example.com", role: "organizer" }]
      })
      const error = yield* Effect.flip(
        client.createPermission(
          "0ALockedDriveAAAAAAA",
          { type: "user", role: "reader", emailAddress: "linus@partner.example" },
          { sendNotificationEmail: false }
        )
      )
      assert.strictEqual(error._tag, "AccessDenied")
      assert.strictEqual(Errors.reasonOf(error), "teamDriveDomainUsersOnlyRestriction")
      const inside = yield* client.createPermission(
        "0ALockedDriveAAAAAAA",
        { type: "user", role: "reader", emailAddress: "grace@example.com" },
        { sendNotificationEmail: false }
      )
      assert.strictEqual(inside.role, "reader")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live(
    "clock skew: the server's own expiration rules (past, more than a year) answer what the client let through",
    () =>
      Effect.gen(function* () {
        const day = 86_400_000
        // the server runs two days ahead: an expiration one day ahead is already past there
        const ahead = yield* fixture({ simulator: { now: () => Date.now() + 2 * day } })
        const past = yield* Effect.flip(
          ahead.client.createPermission(
            ids.budget,
            {
              type: "user",
              role: "reader",
              emailAddress: "grace@example.com",
              expirationTime: new Date(Date.now() + day).toISOString()
            },
            { sendNotificationEmail: false }
          )
        )
        assert.strictEqual(past._tag, "InvalidInput")
        assert.strictEqual(Errors.reasonOf(past), "expirationDatesMustBeInTheFuture")
        // the server runs two days behind: 364 days ahead of the client is more than a year for it
        const behind = yield* fixture({ simulator: { now: () => Date.now() - 2 * day } })
        const far = yield* Effect.flip(
          behind.client.updatePermission(ids.budget, users.finance, {
            expirationTime: new Date(Date.now() + 364 * day).toISOString()
          })
        )
        assert.strictEqual(far._tag, "InvalidInput")
        assert.strictEqual(Errors.reasonOf(far), "badRequest")
        assert.deepStrictEqual(far._tag === "InvalidInput" ? far.issues.map((i) => i.path) : [], ["expirationTime"])
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("401 with a fixed token: AccessDenied, sent once", () =>
    Effect.gen(function* () {
      const { sim } = yield* fixture()
      const client = yield* Client.make({ credentials: Redacted.make("not-a-token"), baseUrl: sim.url })
      sim.clearLog()
      const error = yield* Effect.flip(client.getPermission(ids.budget, users.owner))
      assert.strictEqual(error._tag, "AccessDenied")
      assert.strictEqual(Errors.reasonOf(error), "authError")
      assert.strictEqual(sim.log().length, 1)
      assert.notInclude(JSON.stringify(sim.log()), "not-a-token")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
