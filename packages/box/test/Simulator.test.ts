/**
 * The simulator follows Box's documentation: raw HTTP against it (no client), checking the
 * documented answers, waterfall access, invitations, enterprise settings, owner transfer, paging
 * parameters, the rate limit, errors in Box's error object with documented codes only, and a
 * request log without tokens.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Simulator from "../src/Simulator.ts"
import * as Wire from "../src/Wire.ts"
import { ids } from "./support.ts"

const owner = Simulator.demoCredentials.owner

interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly body: Record<string, unknown> | undefined
}

const call = (
  sim: Simulator.Simulator,
  method: string,
  path: string,
  options: { readonly token?: string | null; readonly body?: unknown; readonly asUser?: string } = {}
) =>
  Effect.promise(async (): Promise<Answer> => {
    const headers: Record<string, string> = {}
    if (options.token !== null) headers.authorization = `Bearer ${options.token ?? owner}`
    if (options.asUser !== undefined) headers["as-user"] = options.asUser
    if (options.body !== undefined) headers["content-type"] = "application/json"
    const res = await fetch(`${sim.url}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {})
    })
    const text = await res.text()
    const body = text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>)
    // every error is Box's error object with a code Box documents
    if (res.status >= 400) {
      assert.strictEqual(body?.type, "error", text)
      assert.include(Wire.errorCodes as ReadonlyArray<string>, body?.code, text)
    }
    return { status: res.status, headers: res.headers, text, body }
  })

const create = (
  sim: Simulator.Simulator,
  body: Record<string, unknown>,
  options: { readonly token?: string; readonly asUser?: string; readonly query?: string } = {}
) => call(sim, "POST", `/collaborations${options.query ?? ""}`, { ...options, body })

const user = (id: string) => ({ type: "user", id }) as const
const folder = (id: string) => ({ type: "folder", id }) as const
const file = (id: string) => ({ type: "file", id }) as const
const entries = (a: Answer) => (a.body?.entries ?? []) as ReadonlyArray<Wire.Collaboration>

describe("Simulator", () => {
  it.live("bearer tokens: 401 in Box's error object; the log holds no token", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed: Simulator.demoSeed })
      const none = yield* call(sim, "GET", `/collaborations/${ids.graceCoOwner}`, { token: null })
      const wrong = yield* call(sim, "GET", `/collaborations/${ids.graceCoOwner}`, { token: "nope" })
      for (const a of [none, wrong]) {
        assert.strictEqual(a.status, 401)
        assert.strictEqual(a.body?.type, "error")
        assert.strictEqual(a.body?.code, "unauthorized")
        assert.strictEqual(a.body?.status, 401)
        assert.strictEqual(a.headers.get("box-request-id"), a.body?.request_id)
        assert.include(a.headers.get("www-authenticate") ?? "", "Bearer")
      }
      const ok = yield* call(sim, "GET", `/collaborations/${ids.graceCoOwner}`)
      assert.strictEqual(ok.status, 200)
      const log = JSON.stringify(sim.log())
      for (const token of Object.values(Simulator.demoCredentials)) assert.notInclude(log, token)
      assert.deepStrictEqual(
        sim.log().map((r) => [r.status, r.principal, r.auth]),
        [
          [401, "", "rejected"],
          [401, "", "rejected"],
          [200, `user:${ids.owner}`, "bearer token=owner"]
        ]
      )
    })
  )

  it.live("create: 201, the documented 400s and 404s, duplicates", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed: Simulator.demoSeed })
      const ok = yield* create(sim, { item: folder(ids.contracts), accessible_by: user(ids.grace), role: "editor" })
      assert.strictEqual(ok.status, 201)
      assert.strictEqual(ok.body?.type, "collaboration")
      const expect = (a: Answer, status: number, code: string) => {
        assert.strictEqual(a.status, status, a.text)
        assert.strictEqual(a.body?.code, code, a.text)
      }
      expect(
        yield* create(sim, { item: folder("0"), accessible_by: user(ids.grace), role: "editor" }),
        400,
        "collaborations_not_available_on_root_folder"
      )
      expect(
        yield* create(sim, { item: { type: "web_link", id: "1" }, accessible_by: user(ids.grace), role: "editor" }),
        400,
        "invalid_collaboration_item"
      )
      expect(
        yield* create(sim, { item: folder(ids.contracts), accessible_by: user(ids.ada), role: "owner" }),
        400,
        "bad_request"
      )
      expect(yield* create(sim, { item: folder(ids.contracts), role: "viewer" }), 400, "bad_request")
      expect(
        yield* create(sim, { item: folder(ids.contracts), accessible_by: { type: "user" }, role: "viewer" }),
        400,
        "bad_request"
      )
      expect(
        yield* create(sim, {
          item: file(ids.ndaFile),
          accessible_by: user(ids.grace),
          role: "viewer",
          can_view_path: true
        }),
        400,
        "bad_request"
      )
      expect(
        yield* create(sim, { item: folder("999"), accessible_by: user(ids.grace), role: "viewer" }),
        404,
        "not_found"
      )
      expect(
        yield* create(sim, { item: folder(ids.contracts), accessible_by: user("999"), role: "viewer" }),
        404,
        "not_found"
      )
      expect(
        yield* create(sim, {
          item: folder(ids.contracts),
          accessible_by: { type: "group", id: "999" },
          role: "viewer"
        }),
        404,
        "not_found"
      )
      expect(
        yield* create(sim, { item: folder(ids.contracts), accessible_by: user(ids.grace), role: "viewer" }),
        400,
        "user_already_collaborator"
      )
      expect(
        yield* create(sim, {
          item: folder(ids.contracts),
          accessible_by: { type: "user", login: "NEW.partner@partner.example" },
          role: "viewer"
        }),
        400,
        "user_already_collaborator"
      )
      expect(
        yield* create(sim, { item: folder(ids.contracts), accessible_by: user(ids.owner), role: "viewer" }),
        400,
        "user_already_collaborator"
      )
      expect(
        yield* create(
          sim,
          { item: folder(ids.contracts), accessible_by: user(ids.ada), role: "viewer" },
          { query: "?notify=maybe" }
        ),
        400,
        "bad_request"
      )
      const badJson = yield* Effect.promise(() =>
        fetch(`${sim.url}/collaborations`, {
          method: "POST",
          headers: { authorization: `Bearer ${owner}`, "content-type": "application/json" },
          body: "{"
        })
      )
      assert.strictEqual(badJson.status, 400)
      assert.strictEqual(sim.collaborations("folder", ids.contracts).length, 3)
    })
  )

  it.live("waterfall: a folder collaboration reaches everything below; the lists show the item's own", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed: Simulator.demoSeed })
      sim.addToken({ token: "ada-token", user: ids.ada, label: "ada" })
      sim.addToken({ token: "grace-token", user: ids.grace, label: "grace" })
      // Ada edits Finance through her group: Budgets and its file too
      assert.strictEqual(sim.roleOf(ids.ada, "folder", ids.financeFolder), "editor")
      assert.strictEqual(sim.roleOf(ids.ada, "folder", ids.budgets), "editor")
      assert.strictEqual(sim.roleOf(ids.ada, "file", ids.budgetFile), "editor")
      assert.strictEqual(sim.roleOf(ids.ada, "folder", ids.contracts), undefined)
      assert.strictEqual(sim.roleOf(ids.grace, "file", ids.budgetFile), "co-owner") // her own beats the group's
      const budgets = yield* call(sim, "GET", `/folders/${ids.budgets}/collaborations`, { token: "ada-token" })
      assert.strictEqual(budgets.status, 200)
      assert.deepStrictEqual(
        entries(budgets).map((c) => c.id),
        [ids.graceCoOwner]
      )
      const budgetFile = yield* call(sim, "GET", `/files/${ids.budgetFile}/collaborations`, { token: "ada-token" })
      assert.deepStrictEqual(entries(budgetFile), [])
      // an editor may invite below (not as co-owner); a co-owner of the folder manages the file below
      const invite = yield* create(
        sim,
        { item: file(ids.budgetFile), accessible_by: user(ids.admin), role: "viewer" },
        { token: "ada-token" }
      )
      assert.strictEqual(invite.status, 201)
      const coOwner = yield* create(
        sim,
        { item: file(ids.budgetFile), accessible_by: user(ids.erin), role: "co-owner" },
        { token: "ada-token" }
      )
      assert.strictEqual(coOwner.status, 403)
      const managed = yield* call(sim, "PUT", `/collaborations/${invite.body?.id}`, {
        token: "grace-token",
        body: { role: "editor" }
      })
      assert.strictEqual(managed.status, 200)
      assert.strictEqual(managed.body?.role, "editor")
      // no access at all: 404, as for an item that does not exist
      const hidden = yield* call(sim, "GET", `/folders/${ids.financeFolder}/collaborations`, {
        token: Simulator.demoCredentials.external
      })
      assert.strictEqual(hidden.status, 404)
      // an uploader cannot see the collaborators
      sim.addCollaboration({ item: folder(ids.contracts), user: ids.admin, role: "uploader" })
      const uploader = yield* call(sim, "GET", `/folders/${ids.contracts}/collaborations`, {
        token: Simulator.demoCredentials.admin
      })
      assert.strictEqual(uploader.status, 403)
    })
  )

  it.live("invitations: pending ones show no item and no name; the invitee alone answers, once", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed: Simulator.demoSeed })
      const external = Simulator.demoCredentials.external
      const pending = yield* call(sim, "GET", `/collaborations/${ids.erinPending}`)
      assert.strictEqual(pending.body?.status, "pending")
      assert.strictEqual(pending.body?.item, null)
      assert.deepStrictEqual(pending.body?.accessible_by, {
        type: "user",
        id: ids.erin,
        name: "",
        login: "erin@partner.example",
        is_active: true
      })
      assert.isFalse("acknowledged_at" in (pending.body ?? {}))
      const email = yield* call(sim, "GET", `/collaborations/${ids.emailPending}`)
      assert.strictEqual(email.body?.accessible_by, null)
      assert.strictEqual(email.body?.invite_email, "new.partner@partner.example")
      // the pending list: the caller's own; status=pending is required
      const mine = yield* call(sim, "GET", "/collaborations?status=pending", { token: external })
      assert.deepStrictEqual([mine.body?.total_count, entries(mine).map((c) => c.id)], [1, [ids.erinPending]])
      assert.strictEqual((yield* call(sim, "GET", "/collaborations", { token: external })).status, 400)
      assert.strictEqual((yield* call(sim, "GET", "/collaborations?status=accepted", { token: external })).status, 400)
      // the owner cannot answer for Erin; Erin can, once
      const byOwner = yield* call(sim, "PUT", `/collaborations/${ids.erinPending}`, { body: { status: "accepted" } })
      assert.strictEqual(byOwner.body?.code, "invalid_status")
      const rejected = yield* call(sim, "PUT", `/collaborations/${ids.erinPending}`, {
        token: external,
        body: { status: "rejected" }
      })
      assert.strictEqual(rejected.status, 200)
      assert.strictEqual(rejected.body?.status, "rejected")
      assert.isString(rejected.body?.acknowledged_at)
      const twice = yield* call(sim, "PUT", `/collaborations/${ids.erinPending}`, {
        token: external,
        body: { status: "accepted" }
      })
      assert.strictEqual(twice.body?.code, "invalid_status")
      // rejected: no access, not listed, and Erin may be invited again
      assert.strictEqual(sim.roleOf(ids.erin, "folder", ids.contracts), undefined)
      const listed = yield* call(sim, "GET", `/folders/${ids.contracts}/collaborations`)
      assert.deepStrictEqual(
        entries(listed).map((c) => c.id),
        [ids.emailPending]
      )
      const again = yield* create(sim, { item: folder(ids.contracts), accessible_by: user(ids.erin), role: "viewer" })
      assert.strictEqual(again.status, 201)
      // an email without an account: its new account takes the invitation over and can accept it
      sim.addUser({ id: "1006", login: "new.partner@partner.example", name: "Nia New", enterprise: false })
      sim.addToken({ token: "nia-token", user: "1006" })
      const nia = yield* call(sim, "GET", `/collaborations/${ids.emailPending}`, { token: "nia-token" })
      assert.strictEqual((nia.body?.accessible_by as { id?: string } | undefined)?.id, "1006")
      const accepted = yield* call(sim, "PUT", `/collaborations/${ids.emailPending}`, {
        token: "nia-token",
        body: { status: "accepted" }
      })
      assert.strictEqual(accepted.body?.status, "accepted")
      assert.strictEqual((accepted.body?.item as { id?: string } | undefined)?.id, ids.contracts)
      assert.strictEqual(sim.roleOf("1006", "file", ids.ndaFile), "viewer")
      // enterprise users start accepted, unless the setting says otherwise
      sim.setSettings({ autoAcceptEnterpriseUsers: false })
      const internal = yield* create(sim, { item: folder(ids.contracts), accessible_by: user(ids.ada), role: "viewer" })
      assert.strictEqual(internal.body?.status, "pending")
    })
  )

  it.live(
    "enterprise settings: expiry, allowed domains, information barriers, restricted folders, invitable groups",
    () =>
      Effect.gen(function* () {
        let now = Date.parse("2026-03-01T00:00:00Z")
        const sim = yield* Simulator.serve({ seed: Simulator.demoSeed, now: () => now })
        const expiring = {
          item: folder(ids.contracts),
          accessible_by: user(ids.grace),
          role: "viewer",
          expires_at: "2026-03-02T00:00:00-00:00"
        }
        const off = yield* create(sim, expiring)
        assert.deepStrictEqual([off.status, off.body?.code], [403, "forbidden"])
        sim.setSettings({ collaborationExpiry: { enabledAt: "2026-02-01T00:00:00Z" } })
        const on = yield* create(sim, expiring)
        assert.strictEqual(on.status, 201)
        assert.strictEqual(Date.parse(String(on.body?.expires_at)), Date.parse("2026-03-02T00:00:00Z"))
        // collaborations made before the setting was on cannot get an expiry
        const before = sim.addCollaboration({
          item: folder(ids.budgets),
          user: ids.admin,
          role: "viewer",
          createdAt: "2026-01-15T00:00:00Z"
        })
        const old = yield* call(sim, "PUT", `/collaborations/${before}`, {
          body: { expires_at: "2026-04-01T00:00:00Z" }
        })
        assert.deepStrictEqual([old.status, old.body?.code], [403, "forbidden"])
        const fresh = yield* call(sim, "PUT", `/collaborations/${ids.adaPreviewer}`, {
          body: { expires_at: "2026-04-01T00:00:00Z" }
        })
        assert.strictEqual(fresh.status, 200)
        // the expiry passes: the collaboration is removed
        now = Date.parse("2026-03-02T00:00:01Z")
        const gone = yield* call(sim, "GET", `/collaborations/${on.body?.id}`)
        assert.strictEqual(gone.status, 404)
        // allowed domains: external invitations only to partner.example
        const elsewhere = yield* create(sim, {
          item: folder(ids.contracts),
          accessible_by: { type: "user", login: "x@elsewhere.example" },
          role: "viewer"
        })
        assert.deepStrictEqual([elsewhere.status, elsewhere.body?.code], [403, "forbidden_by_policy"])
        // information barrier between the owner and Ada
        sim.setSettings({ informationBarriers: [[ids.owner, ids.ada]] })
        const barrier = yield* create(sim, {
          item: folder(ids.contracts),
          accessible_by: user(ids.ada),
          role: "viewer"
        })
        assert.deepStrictEqual([barrier.status, barrier.body?.code], [403, "forbidden_by_policy"])
        // a folder restricted to the enterprise refuses external invitations
        sim.addFolder({ id: "3010", name: "Internal", owner: ids.owner, restrictedToEnterprise: true })
        const restricted = yield* create(sim, { item: folder("3010"), accessible_by: user(ids.erin), role: "viewer" })
        assert.deepStrictEqual([restricted.status, restricted.body?.code], [403, "forbidden_by_policy"])
        // editors may not invite where non-owners may not
        sim.addToken({ token: "grace-token", user: ids.grace })
        sim.addCollaboration({ item: folder(ids.contracts), user: ids.grace, role: "editor" })
        const editor = yield* create(
          sim,
          { item: folder(ids.contracts), accessible_by: user(ids.admin), role: "viewer" },
          { token: "grace-token" }
        )
        assert.deepStrictEqual([editor.status, editor.body?.code], [403, "access_denied_insufficient_permissions"])
        // a group that cannot be invited, except by an admin
        sim.addGroup({ id: "2003", name: "Board", members: [ids.admin], invitable: false })
        const board = { item: folder(ids.contracts), accessible_by: { type: "group", id: "2003" }, role: "viewer" }
        assert.strictEqual((yield* create(sim, board)).status, 403)
        sim.addCollaboration({ item: folder(ids.contracts), user: ids.admin, role: "co-owner" })
        assert.strictEqual((yield* create(sim, board, { token: Simulator.demoCredentials.admin })).status, 201)
      })
  )

  it.live("owner transfer: only the owner, only to an accepted user; 204 without a body", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed: Simulator.demoSeed })
      sim.addToken({ token: "grace-token", user: ids.grace })
      const byCoOwner = yield* call(sim, "PUT", `/collaborations/${ids.graceCoOwner}`, {
        token: "grace-token",
        body: { role: "owner" }
      })
      assert.strictEqual(byCoOwner.status, 403)
      const toGroup = yield* call(sim, "PUT", `/collaborations/${ids.financeGroupCollab}`, { body: { role: "owner" } })
      assert.deepStrictEqual([toGroup.status, toGroup.body?.code], [400, "bad_request"])
      const done = yield* call(sim, "PUT", `/collaborations/${ids.graceCoOwner}`, { body: { role: "owner" } })
      assert.strictEqual(done.status, 204)
      assert.strictEqual(done.text, "")
      assert.strictEqual(sim.ownerOf("folder", ids.budgets), ids.grace)
      const [replacement] = sim.collaborations("folder", ids.budgets)
      assert.deepStrictEqual(
        [replacement?.accessible_by?.id, replacement?.role, replacement?.status],
        [ids.owner, "co-owner", "accepted"]
      )
      assert.notStrictEqual(replacement?.id, ids.graceCoOwner)
      assert.strictEqual(
        (yield* call(sim, "PUT", `/collaborations/${ids.graceCoOwner}`, { body: { role: "owner" } })).status,
        404
      )
      // the new owner now manages; the old one is a co-owner who may still manage, not transfer
      assert.strictEqual(sim.roleOf(ids.owner, "file", ids.budgetFile), "co-owner")
      const back = yield* call(sim, "PUT", `/collaborations/${replacement?.id}`, { body: { role: "owner" } })
      assert.strictEqual(back.status, 403)
      const can = yield* call(sim, "PUT", `/collaborations/${replacement?.id}`, { body: { can_view_path: true } })
      assert.strictEqual(can.status, 403) // only the owner changes can_view_path
    })
  )

  it.live("paging parameters: limit default, cap and errors; markers; offsets above 10,000; usemarker ignored", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed: Simulator.demoSeed })
      for (let i = 0; i < 150; i++) {
        sim.addUser({ id: String(20_000 + i), login: `p${i}@example.com` })
        sim.addCollaboration({ item: folder(ids.contracts), user: String(20_000 + i), role: "viewer" })
      }
      const first = yield* call(sim, "GET", `/folders/${ids.contracts}/collaborations?usemarker=true`)
      assert.strictEqual(first.body?.limit, 100)
      assert.strictEqual(entries(first).length, 100)
      assert.isString(first.body?.next_marker)
      const capped = yield* call(sim, "GET", `/folders/${ids.contracts}/collaborations?limit=5000`)
      assert.strictEqual(capped.body?.limit, 1000)
      assert.strictEqual(entries(capped).length, 152)
      assert.strictEqual(capped.body?.next_marker, null)
      for (const limit of ["0", "-1", "x"]) {
        const bad = yield* call(sim, "GET", `/folders/${ids.contracts}/collaborations?limit=${limit}`)
        assert.deepStrictEqual([bad.status, bad.body?.code], [400, "invalid_limit"])
      }
      const marker = yield* call(sim, "GET", `/folders/${ids.contracts}/collaborations?marker=bogus`)
      assert.deepStrictEqual([marker.status, marker.body?.code], [400, "invalid_request_parameters"])
      sim.addToken({ token: "erin-token", user: ids.erin })
      const offset = yield* call(sim, "GET", "/collaborations?status=pending&offset=10001", { token: "erin-token" })
      assert.deepStrictEqual([offset.status, offset.body?.code], [400, "invalid_offset"])
      const edge = yield* call(sim, "GET", "/collaborations?status=pending&offset=10000", { token: "erin-token" })
      assert.deepStrictEqual([edge.status, edge.body?.total_count, entries(edge)], [200, 1, []])
      const group = yield* call(sim, "GET", `/groups/${ids.finance}/collaborations`)
      assert.deepStrictEqual([group.status, group.body?.code], [403, "access_denied_insufficient_permissions"])
      const root = yield* call(sim, "GET", "/folders/0/collaborations")
      assert.deepStrictEqual([root.status, entries(root)], [200, []])
    })
  )

  it.live(
    "rate limit: 1,000 requests a minute per user by default, then 429 rate_limit_exceeded with retry-after",
    () =>
      Effect.gen(function* () {
        let now = 0
        const sim = yield* Simulator.serve({ seed: Simulator.demoSeed, now: () => now })
        for (let i = 0; i < 1_000; i++) {
          if ((yield* call(sim, "GET", `/collaborations/${ids.graceCoOwner}`)).status !== 200)
            assert.fail(`request ${i}`)
        }
        now = 15_000
        const limited = yield* call(sim, "GET", `/collaborations/${ids.graceCoOwner}`)
        assert.deepStrictEqual([limited.status, limited.body?.code], [429, "rate_limit_exceeded"])
        assert.strictEqual(limited.headers.get("retry-after"), "45")
        // another user has a budget of their own
        const other = yield* call(sim, "GET", "/collaborations?status=pending", {
          token: Simulator.demoCredentials.external
        })
        assert.strictEqual(other.status, 200)
        now = 60_000
        assert.strictEqual((yield* call(sim, "GET", `/collaborations/${ids.graceCoOwner}`)).status, 200)
      })
  )

  it.live("As-User: admins act as users, a service account cannot be a target", () =>
    Effect.gen(function* () {
      const sim = yield* Simulator.serve({ seed: Simulator.demoSeed })
      sim.addUser({ id: "1099", login: "svc@boxdevedition.com", serviceAccount: true })
      const admin = Simulator.demoCredentials.admin
      const asErin = yield* call(sim, "GET", "/collaborations?status=pending", { token: admin, asUser: ids.erin })
      assert.deepStrictEqual(
        entries(asErin).map((c) => c.id),
        [ids.erinPending]
      )
      const asService = yield* call(sim, "GET", "/collaborations?status=pending", { token: admin, asUser: "1099" })
      assert.strictEqual(asService.status, 403)
      const byUser = yield* call(sim, "GET", "/collaborations?status=pending", { asUser: ids.erin })
      assert.strictEqual(byUser.status, 403)
    })
  )

  it("the README lists the demo seed's ids and credentials", () => {
    const readme = Fs.readFileSync(Path.resolve(import.meta.dirname, "..", "README.md"), "utf8")
    const seed = Simulator.demoSeed
    const seeded = [
      ...(seed.users ?? []).flatMap((u) => [u.id, u.login]),
      ...(seed.groups ?? []).map((g) => g.id),
      ...(seed.folders ?? []).map((f) => f.id),
      ...(seed.files ?? []).map((f) => f.id),
      ...(seed.collaborations ?? []).map((c) => c.id ?? ""),
      ...Object.values(Simulator.demoCredentials)
    ]
    for (const value of seeded) assert.include(readme, `\`${value}\``, value)
  })
})
