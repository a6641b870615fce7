/**
 * A stateful simulator of the EnergyCAP API (the `ECI-ApiKey` API) for list sharing, on core's
 * `SimulatorKit`: `GET` / `PUT /api/{v}/list/{listId}/share` (full replace, the everyone-or-lists
 * rule), `GET /api/{v}/list`, `GET /api/{v}/user[/{id}]` with EnergyCAP filters,
 * `GET /api/{v}/userGroup[/{id}]` (the group list with `pageNumber` / `pageSize` and the pagination
 * headers), `GET /api/{v}/userGroup/{id}/member` (not paginated: every member), `ECI-ApiKey` authentication, permission checks, RFC 7807 problem details, fault
 * injection, a request log without secrets, a typed seeding API and a hook to play a concurrent
 * writer elsewhere.
 *
 * It follows the EnergyCAP documentation. Where the documentation is silent it takes the
 * inferences of the provider notes and says so: a missing permission answers 401 (EnergyCAP uses 401
 * for both a bad key and a missing permission); an unknown list answers 404; ids sent with
 * `sharedWithEveryone: true`, a missing body field or an unknown user / group id answer 400; string
 * filters compare case-insensitively (SQL Server's default collation) and a quote inside a value is
 * written doubled (`''`); a request without `Content-Type: application/json` answers 415.
 *
 * @since 0.1.0
 */
import { SimulatorKit } from "@unishare/core"
import { Effect, type Scope } from "effect"

/**
 * The EnergyCAP permissions the simulator knows (`Module.Action`). Sharing a bill list needs
 * creator + `SharedBillLists.Create` or `BillListAdministrator.Manage`; a records list needs creator +
 * `SharedRecordsLists.Create` or `RecordsListAdministrator.Manage`. Groups need
 * `UsersAndUserGroups.View`; user emails are returned only with `UsersAndRoles.View`.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/eci/simulator"
 * const p: Simulator.Permission = "SharedBillLists.Create"
 * ```
 */
export type Permission =
  | "SharedBillLists.Create"
  | "BillListAdministrator.Manage"
  | "SharedRecordsLists.Create"
  | "RecordsListAdministrator.Manage"
  | "UsersAndUserGroups.View"
  | "UsersAndRoles.View"

/**
 * Every permission (an all-powerful key).
 *
 * @example
 * ```ts
 * import { allPermissions } from "@unishare/eci/simulator"
 * allPermissions.includes("BillListAdministrator.Manage") // true
 * ```
 */
export const allPermissions: ReadonlyArray<Permission> = [
  "SharedBillLists.Create",
  "BillListAdministrator.Manage",
  "SharedRecordsLists.Create",
  "RecordsListAdministrator.Manage",
  "UsersAndUserGroups.View",
  "UsersAndRoles.View"
]

/** A user to seed. @example const u: Simulator.UserSeed = { userId: 12, userCode: "ada", email: "ada@example.com" } */
export interface UserSeed {
  readonly userId: number
  readonly userCode: string
  readonly fullName?: string | undefined
  readonly email?: string | undefined
  readonly active?: boolean | undefined
}

/** A user group to seed, with its members' user ids. @example const g: Simulator.GroupSeed = { userGroupId: 7, userGroupName: "Finance", members: [12] } */
export interface GroupSeed {
  readonly userGroupId: number
  readonly userGroupName: string
  readonly description?: string | undefined
  readonly members?: ReadonlyArray<number> | undefined
}

/**
 * A list's share state, as the API stores it.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/eci/simulator"
 * const s: Simulator.ShareState = { sharedWithEveryone: false, sharedUserIds: [12], sharedUserGroupIds: [] }
 * ```
 */
export interface ShareState {
  readonly sharedWithEveryone: boolean
  readonly sharedUserIds: ReadonlyArray<number>
  readonly sharedUserGroupIds: ReadonlyArray<number>
}

/** A bill list or a records list. @example const k: Simulator.ListKind = "records" */
export type ListKind = "bill" | "records"

/** A list to seed: its creator and (optionally) its sharing. @example const l: Simulator.ListSeed = { listId: 42, name: "Open bills", creatorId: 1 } */
export interface ListSeed {
  readonly listId: number
  readonly name: string
  readonly description?: string | undefined
  readonly kind?: ListKind | undefined
  readonly creatorId: number
  readonly share?: Partial<ShareState> | undefined
}

/** An API key bound to a user and that user's permissions. @example const k: Simulator.ApiKeySeed = { key: "k1", userId: 1, permissions: ["SharedBillLists.Create"] } */
export interface ApiKeySeed {
  readonly key: string
  readonly userId: number
  readonly permissions: ReadonlyArray<Permission>
}

/**
 * Data to load into a simulator.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/eci/simulator"
 * const seed: Simulator.Seed = {
 *   users: [{ userId: 1, userCode: "admin" }],
 *   lists: [{ listId: 42, name: "Open bills", creatorId: 1 }],
 *   apiKeys: [{ key: "k", userId: 1, permissions: ["SharedBillLists.Create"] }]
 * }
 * ```
 */
export interface Seed {
  readonly users?: ReadonlyArray<UserSeed> | undefined
  readonly groups?: ReadonlyArray<GroupSeed> | undefined
  readonly lists?: ReadonlyArray<ListSeed> | undefined
  readonly apiKeys?: ReadonlyArray<ApiKeySeed> | undefined
}

/**
 * A direct change to run right after a matching request was applied (before its answer is sent),
 * to play a writer elsewhere: e.g. after our `PUT` and before our read-back `GET`.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/eci/simulator"
 * const hook: Simulator.Interleave = { method: "PUT", path: /\/share$/, run: (sim) =>
 *   sim.setShare(42, { sharedUserIds: [99] }) }
 * ```
 */
export interface Interleave {
  readonly method?: string | undefined
  readonly path?: RegExp | string | undefined
  /** How many matching requests trigger it (default 1). */
  readonly times?: number | undefined
  /** Matching requests to let through first. */
  readonly after?: number | undefined
  readonly run: (sim: Simulator) => void
}

/**
 * Simulator options. `rateLimit` is off by default (EnergyCAP documents none).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/eci/simulator"
 * const options: Simulator.Options = { seed: { users: [] }, rateLimit: { requests: 100, windowMillis: 60_000 } }
 * ```
 */
export interface Options {
  readonly seed?: Seed | undefined
  readonly port?: number | undefined
  readonly rateLimit?: { readonly requests: number; readonly windowMillis: number } | undefined
}

/**
 * A running simulator: the kit's controls (URL, log, faults, close) plus state access for tests.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/eci/simulator"
 * const writes = (sim: Simulator.Simulator) => sim.log().filter((r) => r.method === "PUT").length
 * ```
 */
export interface Simulator extends SimulatorKit.Running {
  /** Loads more data (users, groups, lists, keys); existing ids are replaced. */
  readonly seed: (seed: Seed) => void
  /** The stored share state of a list, or `undefined` when the list does not exist. */
  readonly share: (listId: number) => ShareState | undefined
  /** Changes a list's share state directly, as another writer would (no permission check). */
  readonly setShare: (listId: number, state: Partial<ShareState>) => void
  /** Registers a direct change to run right after a matching request. */
  readonly interleave: (hook: Interleave) => void
  /** Snapshots of the seeded data. */
  readonly users: () => ReadonlyArray<UserSeed>
  readonly groups: () => ReadonlyArray<GroupSeed>
  readonly lists: () => ReadonlyArray<ListSeed>
}

interface ListRecord {
  listId: number
  name: string
  description: string
  kind: ListKind
  creatorId: number
  share: ShareState
  /** Users who hid the list for themselves (EditListShareVisibilityV3); sharing is unaffected. */
  hiddenFor: Set<number>
}

interface KeyRecord {
  readonly principal: string
  readonly userId: number
  readonly permissions: ReadonlySet<Permission>
}

interface ActiveHook {
  readonly hook: Interleave
  remaining: number
  skip: number
}

const listTypes: Record<ListKind, { listTypeId: number; listTypeInfo: string; listTypeDescription: string }> = {
  bill: { listTypeId: 1, listTypeInfo: "Bill", listTypeDescription: "Bill list" },
  records: { listTypeId: 2, listTypeInfo: "Account", listTypeDescription: "Records list" }
}

const problem = (status: number, title: string, detail?: string, extra: Record<string, unknown> = {}) => ({
  status,
  headers: { "content-type": "application/problem+json" },
  body: {
    type: `https://tools.ietf.org/html/rfc9110#section-15.${status >= 500 ? 6 : 5}`,
    title,
    status,
    ...(detail !== undefined ? { detail } : {}),
    ...extra
  }
})

const int32Max = 2_147_483_647
const parseId = (text: string | undefined): number | undefined => {
  if (text === undefined || !/^\d+$/.test(text)) return undefined
  const n = Number(text)
  return n >= 1 && n <= int32Max ? n : undefined
}

const isIdArray = (u: unknown): u is ReadonlyArray<number> =>
  Array.isArray(u) &&
  u.every((v) => typeof v === "number" && Number.isInteger(v) && v >= -2_147_483_648 && v <= int32Max)

const unique = (ids: ReadonlyArray<number>): ReadonlyArray<number> => [...new Set(ids)]

// ---------------------------------------------------------------------------------------------
// EnergyCAP filter expressions: `field op 'value'` joined by ` and `

interface Clause {
  readonly field: string
  readonly op: "equals" | "not equals" | "one of" | "not one of"
  readonly values: ReadonlyArray<string>
}

const operators = ["not one of", "one of", "not equals", "equals"] as const

/**
 * Parses an EnergyCAP filter (`equals`, `not equals`, `one of`, `not one of`; `''` inside quotes
 * is a quote). Returns an error message for anything else.
 *
 * @example
 * ```ts
 * import { parseFilter } from "@unishare/eci/simulator"
 * parseFilter("email equals 'a@b.com'") // [{ field: "email", op: "equals", values: ["a@b.com"] }]
 * ```
 */
export const parseFilter = (text: string): ReadonlyArray<Clause> | string => {
  const clauses: Array<Clause> = []
  let i = 0
  const quoted = (): string | undefined => {
    if (text[i] !== "'") return undefined
    i++
    let out = ""
    while (i < text.length) {
      const c = text[i]
      if (c === "'") {
        if (text[i + 1] === "'") {
          out += "'"
          i += 2
          continue
        }
        i++
        return out
      }
      out += c
      i++
    }
    return undefined
  }
  for (;;) {
    const field = /^\s*([A-Za-z][A-Za-z0-9]*)\s+/.exec(text.slice(i))
    if (field === null) return `expected a field name at position ${i}`
    i += field[0].length
    const rest = text.slice(i)
    const op = operators.find((o) => rest.startsWith(`${o} `))
    if (op === undefined) return `unsupported operator after ${field[1]}`
    i += op.length + 1
    while (text[i] === " ") i++
    const values: Array<string> = []
    for (;;) {
      const v = quoted()
      if (v === undefined) return `expected a quoted value for ${field[1]}`
      values.push(v)
      if ((op === "one of" || op === "not one of") && text[i] === "|") {
        i++
        continue
      }
      break
    }
    if ((op === "equals" || op === "not equals") && values.length !== 1) return `${op} takes one value`
    clauses.push({ field: field[1] ?? "", op, values })
    const tail = /^\s+and\s+/i.exec(text.slice(i))
    if (tail !== null) {
      i += tail[0].length
      continue
    }
    if (text.slice(i).trim() !== "") return `unexpected text at position ${i}`
    return clauses
  }
}

const matchClause = (clause: Clause, value: string | number | boolean | undefined): boolean => {
  const actual = value === undefined ? "" : String(value).toLowerCase()
  const hit = clause.values.some((v) => v.toLowerCase() === actual)
  return clause.op === "equals" || clause.op === "one of" ? hit : !hit
}

// ---------------------------------------------------------------------------------------------

const paginate = <A>(items: ReadonlyArray<A>, query: URLSearchParams) => {
  const rawNumber = query.get("pageNumber")
  const rawSize = query.get("pageSize")
  const pageNumber = rawNumber === null ? 1 : parseId(rawNumber)
  const requested = rawSize === null ? 250 : parseId(rawSize)
  if (pageNumber === undefined || requested === undefined) {
    return { error: problem(400, "Bad Request", "pageNumber and pageSize must be positive integers") }
  }
  const pageSize = Math.min(requested, 1000)
  const totalPages = Math.ceil(items.length / pageSize)
  return {
    ok: {
      status: 200,
      body: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
      headers: {
        PageNumber: String(pageNumber),
        PageSize: String(pageSize),
        TotalNumberOfRecords: String(items.length),
        TotalPages: String(totalPages)
      }
    }
  }
}

/**
 * Starts a simulator on loopback. Its `url` is the API origin: give it to the client as `baseUrl`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import * as Eci from "@unishare/eci"
 * import { start, demoCredentials, demoSeed } from "@unishare/eci/simulator"
 * const sim = await start({ seed: demoSeed })
 * const energycap = Eci.make({ baseUrl: sim.url, apiKey: Redacted.make(demoCredentials.admin) })
 * await sim.close()
 * ```
 */
export const start = async (options: Options = {}): Promise<Simulator> => {
  const users = new Map<number, UserSeed>()
  const groups = new Map<number, { seed: GroupSeed; members: Array<number>; lastUpdated: string }>()
  const lists = new Map<number, ListRecord>()
  const keys = new Map<string, KeyRecord>()
  const principals = new Map<string, KeyRecord>()
  const hooks: Array<ActiveHook> = []
  let keyCount = 0

  const seed = (data: Seed) => {
    for (const u of data.users ?? []) users.set(u.userId, { ...u })
    for (const g of data.groups ?? [])
      groups.set(g.userGroupId, {
        seed: { ...g },
        members: unique(g.members ?? []).slice(),
        lastUpdated: new Date().toISOString()
      })
    for (const l of data.lists ?? [])
      lists.set(l.listId, {
        listId: l.listId,
        name: l.name,
        description: l.description ?? "",
        kind: l.kind ?? "bill",
        creatorId: l.creatorId,
        share: {
          sharedWithEveryone: l.share?.sharedWithEveryone ?? false,
          sharedUserIds: unique(l.share?.sharedUserIds ?? []),
          sharedUserGroupIds: unique(l.share?.sharedUserGroupIds ?? [])
        },
        hiddenFor: new Set()
      })
    for (const k of data.apiKeys ?? []) {
      const record: KeyRecord = {
        principal: `user-${k.userId}#key${++keyCount}`,
        userId: k.userId,
        permissions: new Set(k.permissions)
      }
      keys.set(k.key, record)
      principals.set(record.principal, record)
    }
  }
  seed(options.seed ?? {})

  const userChild = (userId: number) => {
    const u = users.get(userId)
    return { userId, userCode: u?.userCode ?? null, fullName: u?.fullName ?? null }
  }
  const shareResponse = (s: ShareState) => ({
    sharedUserGroups: s.sharedUserGroupIds.map((id) => ({
      userGroupId: id,
      userGroupName: groups.get(id)?.seed.userGroupName ?? null
    })),
    sharedUsers: s.sharedUserIds.map(userChild),
    sharedWithEveryone: s.sharedWithEveryone
  })
  const isShared = (s: ShareState) =>
    s.sharedWithEveryone || s.sharedUserIds.length > 0 || s.sharedUserGroupIds.length > 0
  const canSee = (list: ListRecord, userId: number) =>
    list.creatorId === userId ||
    list.share.sharedWithEveryone ||
    list.share.sharedUserIds.includes(userId) ||
    list.share.sharedUserGroupIds.some((g) => groups.get(g)?.members.includes(userId) === true)
  const canManage = (list: ListRecord, key: KeyRecord) =>
    list.kind === "bill"
      ? (list.creatorId === key.userId && key.permissions.has("SharedBillLists.Create")) ||
        key.permissions.has("BillListAdministrator.Manage")
      : (list.creatorId === key.userId && key.permissions.has("SharedRecordsLists.Create")) ||
        key.permissions.has("RecordsListAdministrator.Manage")

  const listResponse = (l: ListRecord, userId: number) => ({
    listId: l.listId,
    listInfo: l.name,
    listDescription: l.description,
    listType: listTypes[l.kind],
    sharedList: isShared(l.share),
    user: userChild(l.creatorId),
    visible: !l.hiddenFor.has(userId)
  })

  const validateListCreate = (
    body: unknown
  ): { create: { name: string; description: string; kind: ListKind } } | { error: SimulatorKit.SimResponse } => {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return { error: problem(400, "Bad Request", "A ListCreate body is required.") }
    }
    const b = body as Record<string, unknown>
    const errors: Record<string, Array<string>> = {}
    if (typeof b.listInfo !== "string" || b.listInfo.trim() === "")
      errors.ListInfo = ["The ListInfo field is required."]
    else if (b.listInfo.length > 50) errors.ListInfo = ["ListInfo must be at most 50 characters."]
    if (b.listDescription !== undefined && b.listDescription !== null) {
      if (typeof b.listDescription !== "string") errors.ListDescription = ["Must be a string."]
      else if (b.listDescription.length > 255)
        errors.ListDescription = ["ListDescription must be at most 255 characters."]
    }
    const kind = (Object.keys(listTypes) as Array<ListKind>).find((k) => listTypes[k].listTypeId === b.listTypeId)
    if (b.listTypeId === undefined || b.listTypeId === null) errors.ListTypeId = ["The ListTypeId field is required."]
    else if (kind === undefined) errors.ListTypeId = [`Unknown list type ${JSON.stringify(b.listTypeId)}.`]
    if (Object.keys(errors).length > 0 || kind === undefined) {
      return { error: problem(400, "One or more validation errors occurred.", undefined, { errors }) }
    }
    return {
      create: {
        name: b.listInfo as string,
        description: typeof b.listDescription === "string" ? b.listDescription : "",
        kind
      }
    }
  }

  const matchingUsers = (req: SimulatorKit.SimRequest): ReadonlyArray<UserSeed> | SimulatorKit.SimResponse => {
    const text = req.query.get("filter")
    let clauses: ReadonlyArray<Clause> = []
    if (text !== null && text.trim() !== "") {
      const parsed = parseFilter(text)
      if (typeof parsed === "string") return problem(400, "Bad Request", `Invalid filter: ${parsed}`)
      clauses = parsed
    }
    const known = ["email", "systemusercode", "fullname", "systemuserid", "active", "usergroupid"]
    const unknown = clauses.find((c) => !known.includes(c.field.toLowerCase()))
    if (unknown !== undefined) return problem(400, "Bad Request", `Invalid filter field: ${unknown.field}`)
    return [...users.values()]
      .filter((u) =>
        clauses.every((c) => {
          if (c.field.toLowerCase() === "usergroupid") {
            const hit = c.values.some((v) => groups.get(Number(v))?.members.includes(u.userId) === true)
            return c.op === "equals" || c.op === "one of" ? hit : !hit
          }
          const v = userFilterValue(u, c.field)
          return matchClause(c, v ?? undefined)
        })
      )
      .sort((a, b) => a.userId - b.userId)
  }

  const denied = () =>
    problem(401, "Unauthorized", "The authenticated user does not have permission to the specified resource.")
  const keyOf = (req: SimulatorKit.SimRequest): KeyRecord => principals.get(req.principal) as KeyRecord

  type Handler = (req: SimulatorKit.SimRequest) => SimulatorKit.SimResponse
  let self: Simulator | undefined
  const wrap =
    (handler: Handler): Handler =>
    (req) => {
      if (!/^v\d+$/.test(req.params.version ?? ""))
        return problem(404, "Not Found", `unknown API version ${req.params.version}`)
      const contentType = req.headers["content-type"] ?? ""
      if (!contentType.toLowerCase().startsWith("application/json")) {
        return problem(
          415,
          "Unsupported Media Type",
          "EnergyCAP requires Content-Type: application/json on every request"
        )
      }
      const response = handler(req)
      for (const active of hooks) {
        const { hook } = active
        if (active.remaining <= 0) continue
        if (hook.method !== undefined && hook.method !== req.method) continue
        const p = hook.path
        if (p !== undefined && !(typeof p === "string" ? req.path.startsWith(p) : p.test(req.path))) continue
        if (active.skip > 0) {
          active.skip--
          continue
        }
        active.remaining--
        if (self !== undefined) hook.run(self)
      }
      return response
    }

  const withList = (
    req: SimulatorKit.SimRequest,
    f: (list: ListRecord, key: KeyRecord) => SimulatorKit.SimResponse
  ) => {
    const id = parseId(req.params.listId)
    const list = id === undefined ? undefined : lists.get(id)
    if (list === undefined) return problem(404, "Not Found", `List ${req.params.listId} was not found.`)
    const key = keyOf(req)
    if (!canManage(list, key)) return denied()
    return f(list, key)
  }

  const validateShare = (body: unknown): { state: ShareState } | { error: SimulatorKit.SimResponse } => {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return { error: problem(400, "Bad Request", "A ShareRequest body is required.") }
    }
    const b = body as Record<string, unknown>
    const errors: Record<string, Array<string>> = {}
    if (b.sharedUserGroupIds === undefined || b.sharedUserGroupIds === null)
      errors.SharedUserGroupIds = ["The SharedUserGroupIds field is required."]
    else if (!isIdArray(b.sharedUserGroupIds)) errors.SharedUserGroupIds = ["Must be a list of int32 ids."]
    if (b.sharedUserIds === undefined || b.sharedUserIds === null)
      errors.SharedUserIds = ["The SharedUserIds field is required."]
    else if (!isIdArray(b.sharedUserIds)) errors.SharedUserIds = ["Must be a list of int32 ids."]
    if (b.sharedWithEveryone === undefined || b.sharedWithEveryone === null)
      errors.SharedWithEveryone = ["The SharedWithEveryone field is required."]
    else if (typeof b.sharedWithEveryone !== "boolean") errors.SharedWithEveryone = ["Must be a boolean."]
    if (Object.keys(errors).length > 0) {
      return { error: problem(400, "One or more validation errors occurred.", undefined, { errors }) }
    }
    const state: ShareState = {
      sharedWithEveryone: b.sharedWithEveryone as boolean,
      sharedUserIds: unique(b.sharedUserIds as ReadonlyArray<number>),
      sharedUserGroupIds: unique(b.sharedUserGroupIds as ReadonlyArray<number>)
    }
    if (state.sharedWithEveryone && (state.sharedUserIds.length > 0 || state.sharedUserGroupIds.length > 0)) {
      return {
        error: problem(
          400,
          "Bad Request",
          "SharedUserIds and SharedUserGroupIds must be empty lists when SharedWithEveryone is true."
        )
      }
    }
    const missingUsers = state.sharedUserIds.filter((id) => !users.has(id))
    const missingGroups = state.sharedUserGroupIds.filter((id) => !groups.has(id))
    if (missingUsers.length > 0 || missingGroups.length > 0) {
      const parts = [
        missingUsers.length > 0 ? `user id(s) ${missingUsers.join(", ")} not found` : "",
        missingGroups.length > 0 ? `user group id(s) ${missingGroups.join(", ")} not found` : ""
      ].filter((s) => s !== "")
      return { error: problem(400, "Bad Request", `${parts.join("; ")}.`) }
    }
    return { state }
  }

  const userFields = (u: UserSeed, withEmail: boolean) => ({
    userId: u.userId,
    userCode: u.userCode,
    fullName: u.fullName ?? null,
    ...(withEmail ? { email: u.email ?? null } : {}),
    active: u.active ?? true
  })

  const userFilterValue = (u: UserSeed, field: string): string | number | boolean | undefined | null => {
    switch (field.toLowerCase()) {
      case "email":
        return u.email
      case "systemusercode":
        return u.userCode
      case "fullname":
        return u.fullName
      case "systemuserid":
        return u.userId
      case "active":
        return u.active ?? true
      case "usergroupid":
        return null // handled separately
      default:
        return undefined
    }
  }

  const routes: ReadonlyArray<SimulatorKit.Route> = [
    {
      method: "GET",
      pattern: "/api/:version/list/:listId/share",
      handle: wrap((req) => withList(req, (list) => ({ status: 200, body: shareResponse(list.share) })))
    },
    {
      method: "PUT",
      pattern: "/api/:version/list/:listId/share",
      handle: wrap((req) =>
        withList(req, (list) => {
          const checked = validateShare(req.body)
          if ("error" in checked) return checked.error
          list.share = checked.state
          return { status: 200, body: shareResponse(list.share) }
        })
      )
    },
    {
      method: "GET",
      pattern: "/api/:version/list",
      handle: wrap((req) => {
        const key = keyOf(req)
        const rawType = req.query.get("listTypeId")
        const typeId = rawType === null ? undefined : Number(rawType)
        if (typeId !== undefined && !Number.isInteger(typeId))
          return problem(400, "Bad Request", "listTypeId must be an integer")
        const body = [...lists.values()]
          .filter((l) => canSee(l, key.userId))
          .filter((l) => typeId === undefined || listTypes[l.kind].listTypeId === typeId)
          .sort((a, b) => a.listId - b.listId)
          .map((l) => listResponse(l, key.userId))
        return { status: 200, body }
      })
    },
    {
      method: "POST",
      pattern: "/api/:version/list",
      handle: wrap((req) => {
        const key = keyOf(req)
        const checked = validateListCreate(req.body)
        if ("error" in checked) return checked.error
        const listId = Math.max(0, ...lists.keys()) + 1
        const list: ListRecord = {
          listId,
          name: checked.create.name,
          description: checked.create.description,
          kind: checked.create.kind,
          creatorId: key.userId,
          share: { sharedWithEveryone: false, sharedUserIds: [], sharedUserGroupIds: [] },
          hiddenFor: new Set()
        }
        lists.set(listId, list)
        return { status: 200, body: listResponse(list, key.userId) }
      })
    },
    {
      method: "PUT",
      pattern: "/api/:version/list/:listId/visible",
      handle: wrap((req) => {
        const id = parseId(req.params.listId)
        const list = id === undefined ? undefined : lists.get(id)
        const key = keyOf(req)
        // a list the caller neither created nor can see is invisible to it: 404, as for an unknown id
        if (list === undefined || !canSee(list, key.userId))
          return problem(404, "Not Found", `List ${req.params.listId} was not found.`)
        const b = req.body as Record<string, unknown> | null
        if (typeof b !== "object" || b === null || typeof b.visible !== "boolean") {
          return problem(400, "One or more validation errors occurred.", undefined, {
            errors: { Visible: ["The Visible field is required and must be a boolean."] }
          })
        }
        if (b.visible) list.hiddenFor.delete(key.userId)
        else list.hiddenFor.add(key.userId)
        return { status: 200, body: listResponse(list, key.userId) }
      })
    },
    {
      method: "GET",
      pattern: "/api/:version/user",
      handle: wrap((req) => {
        const matches = matchingUsers(req)
        if (!Array.isArray(matches)) return matches as SimulatorKit.SimResponse
        const withEmail = keyOf(req).permissions.has("UsersAndRoles.View")
        return { status: 200, body: (matches as ReadonlyArray<UserSeed>).map((u) => userFields(u, withEmail)) }
      })
    },
    {
      method: "GET",
      pattern: "/api/:version/user/paginated",
      handle: wrap((req) => {
        if (req.params.version !== "v202512")
          return problem(404, "Not Found", `No resource at ${req.method} ${req.path}`)
        const matches = matchingUsers(req)
        if (!Array.isArray(matches)) return matches as SimulatorKit.SimResponse
        const withEmail = keyOf(req).permissions.has("UsersAndRoles.View")
        const page = paginate(
          (matches as ReadonlyArray<UserSeed>).map((u) => userFields(u, withEmail)),
          req.query
        )
        return page.error ?? page.ok
      })
    },
    {
      method: "GET",
      pattern: "/api/:version/user/:userId",
      handle: wrap((req) => {
        const id = parseId(req.params.userId)
        const user = id === undefined ? undefined : users.get(id)
        if (user === undefined) return problem(404, "Not Found", `User ${req.params.userId} was not found.`)
        return { status: 200, body: userFields(user, keyOf(req).permissions.has("UsersAndRoles.View")) }
      })
    },
    {
      method: "GET",
      pattern: "/api/:version/userGroup",
      handle: wrap((req) => {
        if (!keyOf(req).permissions.has("UsersAndUserGroups.View")) return denied()
        const text = req.query.get("filter")
        let clauses: ReadonlyArray<Clause> = []
        if (text !== null && text.trim() !== "") {
          const parsed = parseFilter(text)
          if (typeof parsed === "string") return problem(400, "Bad Request", `Invalid filter: ${parsed}`)
          clauses = parsed
        }
        const memberOf = (g: { members: Array<number> }, field: string, c: Clause) => {
          const hit = g.members.some((m) => {
            const u = users.get(m)
            return u !== undefined && matchClause({ ...c, op: "equals" }, userFilterValue(u, field) ?? undefined)
          })
          return c.op === "equals" || c.op === "one of" ? hit : !hit
        }
        for (const c of clauses) {
          if (!["usergroupname", "email", "fullname", "systemusercode"].includes(c.field.toLowerCase()))
            return problem(400, "Bad Request", `Invalid filter field: ${c.field}`)
        }
        const all = [...groups.values()]
          .filter((g) =>
            clauses.every((c) =>
              c.field.toLowerCase() === "usergroupname" ? matchClause(c, g.seed.userGroupName) : memberOf(g, c.field, c)
            )
          )
          .sort((a, b) => a.seed.userGroupId - b.seed.userGroupId)
          .map((g) => ({
            userGroupId: g.seed.userGroupId,
            userGroupName: g.seed.userGroupName,
            description: g.seed.description ?? null,
            memberCount: g.members.length,
            lastUpdated: g.lastUpdated
          }))
        const page = paginate(all, req.query)
        return page.error ?? page.ok
      })
    },
    {
      method: "GET",
      pattern: "/api/:version/userGroup/:userGroupId",
      handle: wrap((req) => {
        if (!keyOf(req).permissions.has("UsersAndUserGroups.View")) return denied()
        const id = parseId(req.params.userGroupId)
        const g = id === undefined ? undefined : groups.get(id)
        if (g === undefined) return problem(404, "Not Found", `User group ${req.params.userGroupId} was not found.`)
        return {
          status: 200,
          body: {
            userGroupId: g.seed.userGroupId,
            userGroupName: g.seed.userGroupName,
            description: g.seed.description ?? null,
            memberCount: g.members.length,
            lastUpdated: g.lastUpdated
          }
        }
      })
    },
    {
      method: "GET",
      pattern: "/api/:version/userGroup/:userGroupId/member",
      handle: wrap((req) => {
        if (!keyOf(req).permissions.has("UsersAndUserGroups.View")) return denied()
        const id = parseId(req.params.userGroupId)
        const g = id === undefined ? undefined : groups.get(id)
        if (g === undefined) return problem(404, "Not Found", `User group ${req.params.userGroupId} was not found.`)
        // GetUserGroupMembersV3 is not a paginated operation: the whole UserChild[] in one answer
        return { status: 200, body: [...g.members].sort((a, b) => a - b).map(userChild) }
      })
    }
  ]

  const running = await SimulatorKit.start({
    name: "eci",
    routes,
    authenticate: (req) => {
      const key = req.headers["eci-apikey"]
      const record = key === undefined ? undefined : keys.get(key)
      if (record === undefined) {
        return {
          ok: false,
          response: problem(401, "Unauthorized", "The request requires user authentication (a valid ECI-ApiKey).")
        }
      }
      return { ok: true, principal: record.principal, scheme: "ECI-ApiKey" }
    },
    notFound: (req) => problem(404, "Not Found", `No resource at ${req.method} ${req.path}`),
    badJson: () => problem(400, "Bad Request", "The request body is not valid JSON."),
    port: options.port,
    rateLimit:
      options.rateLimit === undefined
        ? undefined
        : {
            ...options.rateLimit,
            reject: (seconds) => ({
              ...problem(429, "Too Many Requests", "Rate limit exceeded."),
              headers: { "content-type": "application/problem+json", "retry-after": String(seconds) }
            })
          }
  })

  const sim: Simulator = {
    ...running,
    seed,
    share: (listId) => {
      const l = lists.get(listId)
      return l === undefined ? undefined : { ...l.share }
    },
    setShare: (listId, state) => {
      const l = lists.get(listId)
      if (l === undefined) throw new Error(`no list ${listId} in the simulator`)
      l.share = {
        sharedWithEveryone: state.sharedWithEveryone ?? l.share.sharedWithEveryone,
        sharedUserIds: unique(state.sharedUserIds ?? l.share.sharedUserIds),
        sharedUserGroupIds: unique(state.sharedUserGroupIds ?? l.share.sharedUserGroupIds)
      }
    },
    interleave: (hook) => hooks.push({ hook, remaining: hook.times ?? 1, skip: hook.after ?? 0 }),
    users: () => [...users.values()],
    groups: () => [...groups.values()].map((g) => ({ ...g.seed, members: [...g.members] })),
    lists: () =>
      [...lists.values()].map((l) => ({
        listId: l.listId,
        name: l.name,
        description: l.description,
        kind: l.kind,
        creatorId: l.creatorId,
        share: { ...l.share }
      }))
  }
  self = sim
  return sim
}

/**
 * `start` as a scoped Effect: the server closes with the scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { serve, demoSeed } from "@unishare/eci/simulator"
 * const url = Effect.scoped(Effect.map(serve({ seed: demoSeed }), (sim) => sim.url))
 * ```
 */
export const serve = (options: Options = {}): Effect.Effect<Simulator, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(options)),
    (sim) => Effect.promise(() => sim.close())
  )

/**
 * The credentials of `demoSeed` (the same name in every adapter's simulator), its API keys:
 * `admin` (BillListAdministrator, RecordsListAdministrator, users and groups), `analyst` (creator
 * of list 1002 with SharedBillLists.Create) and `readonly` (no list permission: list-share calls
 * answer 401).
 *
 * @example
 * ```ts
 * import { demoCredentials } from "@unishare/eci/simulator"
 * demoCredentials.admin.split(".").length // 3
 * ```
 */
export const demoCredentials = {
  admin: "ZWNhcHxkZW1v.ZGVtb3xhZG1pbnwx.c2ltLWFkbWluLWtleQ==",
  analyst: "ZWNhcHxkZW1v.ZGVtb3xhbmFseXN0fDI=.c2ltLWFuYWx5c3Qta2V5",
  readonly: "ZWNhcHxkZW1v.ZGVtb3xyZWFkb25seXwz.c2ltLXJlYWRvbmx5LWtleQ=="
} as const

/**
 * Realistic demo data: a utility-bill team (users with emails and login names), groups (including
 * EnergyCAP's built-in "Everyone" group), bill and records lists with creators and shares, and the
 * API keys of `demoCredentials`. The package README lists its ids.
 *
 * @example
 * ```ts
 * import { demoSeed } from "@unishare/eci/simulator"
 * demoSeed.lists?.length // 4
 * ```
 */
export const demoSeed: Seed = {
  users: [
    { userId: 1, userCode: "admin", fullName: "Pat Admin", email: "admin@energy.example" },
    { userId: 2, userCode: "aturing", fullName: "Alan Turing", email: "alan.turing@energy.example" },
    { userId: 3, userCode: "ghopper", fullName: "Grace Hopper", email: "grace.hopper@energy.example" },
    { userId: 4, userCode: "alovelace", fullName: "Ada Lovelace", email: "ada.lovelace@energy.example" },
    { userId: 5, userCode: "kjohnson", fullName: "Katherine Johnson", email: "katherine.johnson@energy.example" },
    { userId: 6, userCode: "dobrien", fullName: "Dana O'Brien", email: "d.o'brien@energy.example" },
    { userId: 7, userCode: "former", fullName: "Former Employee", email: "former@energy.example", active: false }
  ],
  groups: [
    { userGroupId: 1, userGroupName: "Everyone", description: "All users (built in)", members: [1, 2, 3, 4, 5, 6, 7] },
    { userGroupId: 10, userGroupName: "Accounts Payable", description: "Bill entry and approval", members: [2, 3] },
    { userGroupId: 11, userGroupName: "Energy Managers", description: "Site energy managers", members: [4, 5] },
    { userGroupId: 12, userGroupName: "Auditors", members: [6] }
  ],
  lists: [
    { listId: 1001, name: "Bills awaiting approval", kind: "bill", creatorId: 1, share: { sharedUserGroupIds: [10] } },
    {
      listId: 1002,
      name: "High-cost electric bills",
      kind: "bill",
      creatorId: 2,
      share: { sharedUserIds: [3, 4], sharedUserGroupIds: [11] }
    },
    { listId: 1003, name: "Active meters", kind: "records", creatorId: 1, share: { sharedWithEveryone: true } },
    { listId: 1004, name: "Sites without a budget", kind: "records", creatorId: 1 }
  ],
  apiKeys: [
    {
      key: demoCredentials.admin,
      userId: 1,
      permissions: [
        "BillListAdministrator.Manage",
        "RecordsListAdministrator.Manage",
        "SharedBillLists.Create",
        "SharedRecordsLists.Create",
        "UsersAndUserGroups.View",
        "UsersAndRoles.View"
      ]
    },
    { key: demoCredentials.analyst, userId: 2, permissions: ["SharedBillLists.Create", "UsersAndUserGroups.View"] },
    { key: demoCredentials.readonly, userId: 5, permissions: [] }
  ]
}

/**
 * The API keys of the demo seed.
 *
 * @deprecated Use `demoCredentials`, the name every adapter's simulator uses.
 * @example
 * ```ts
 * import { demoKeys } from "@unishare/eci/simulator"
 * demoKeys.admin.split(".").length // 3
 * ```
 */
export const demoKeys = demoCredentials
