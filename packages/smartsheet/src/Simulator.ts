/**
 * A stateful simulator of the Smartsheet `/2.0/shares` API on `SimulatorKit`: the five operations
 * with their documented envelopes, token pagination (`maxItems` default and minimum 100,
 * `lastKey`), `sharingInclude=WORKSPACE`, the duplicate rules (single-object POST → 1025, array
 * POST skips existing shares and leaves them out of `result`), owner rules (1026, 1028), workspace
 * inheritance (1023), dashboards without EDITOR (1166), `scope` in a create body (1008), Bearer
 * auth (1001–1004), 300 requests/minute per token (429 with errorCode 4003), fault injection and
 * a request log without secrets.
 *
 * Where the docs are silent the simulator picks a documented-looking answer and says so here:
 * an email with no account becomes a new (invited) user; `maxItems` below 100 is raised to 100;
 * a workspace share looked up through an item is returned with `scope: "WORKSPACE"` and cannot be
 * changed there (1023); writes need OWNER, ADMIN or EDITOR_SHARE access (or a system-admin token).
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { SimulatorKit } from "@unishare/core"
import { Effect, type Scope } from "effect"
import type * as Wire from "./Wire.ts"

const assetTypes: ReadonlyArray<Wire.AssetType> = ["sheet", "report", "sight", "workspace", "collection", "file"]
const accessLevels: ReadonlyArray<Wire.AccessLevel> = [
  "ADMIN",
  "COMMENTER",
  "EDITOR",
  "EDITOR_SHARE",
  "OWNER",
  "VIEWER"
]
const createFields = new Set(["email", "groupId", "accessLevel", "subject", "message", "ccMe"])

/**
 * A user of the simulated account. `alternateEmails` cannot be shared to (1159).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/smartsheet/simulator"
 * const ada: Simulator.UserSeed = { email: "ada@example.com", name: "Ada Lovelace" }
 * ```
 */
export interface UserSeed {
  readonly id?: string | undefined
  readonly email: string
  readonly name?: string | undefined
  readonly alternateEmails?: ReadonlyArray<string> | undefined
}

/**
 * A group; `members` are user emails or ids (they get the group's access).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/smartsheet/simulator"
 * const finance: Simulator.GroupSeed = { name: "Finance", members: ["ada@example.com"] }
 * ```
 */
export interface GroupSeed {
  readonly id?: string | undefined
  readonly name: string
  readonly members?: ReadonlyArray<string> | undefined
}

/**
 * An access token and the user (email or id) it authenticates. `systemAdmin` tokens may manage
 * every asset; `expired` tokens answer 1003.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/smartsheet/simulator"
 * const t: Simulator.TokenSeed = { token: "ss-token-1", user: "owner@example.com" }
 * ```
 */
export interface TokenSeed {
  readonly token: string
  readonly user: string
  readonly systemAdmin?: boolean | undefined
  readonly expired?: boolean | undefined
}

/**
 * An asset. `owner` (email or user id) gets the OWNER share; an asset in a `workspace` (the id of a
 * workspace asset) inherits that workspace's shares (and its owner when none is given). An asset
 * with neither has no OWNER share, unlike every real asset: use it only where a suite needs an
 * empty share list (manage it with a `systemAdmin` token).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/smartsheet/simulator"
 * const sheet: Simulator.AssetSeed = { type: "sheet", id: "4583173393803140", name: "Budget", owner: "owner@example.com" }
 * ```
 */
export interface AssetSeed {
  readonly type: Wire.AssetType
  readonly id?: string | undefined
  readonly name?: string | undefined
  readonly owner?: string | undefined
  readonly workspace?: string | undefined
}

/**
 * An item-level share to seed: exactly one of `email` or `groupId`. Never OWNER (owners come from
 * the asset).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/smartsheet/simulator"
 * const s: Simulator.ShareSeed = { assetType: "sheet", assetId: "4583173393803140", email: "ada@example.com", accessLevel: "EDITOR" }
 * ```
 */
export interface ShareSeed {
  readonly assetType: Wire.AssetType
  readonly assetId: string
  readonly email?: string | undefined
  readonly groupId?: string | undefined
  readonly accessLevel: Exclude<Wire.AccessLevel, "OWNER">
  readonly id?: string | undefined
}

/**
 * Everything to load at once, in dependency order.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/smartsheet/simulator"
 * const seed: Simulator.Seed = { users: [{ email: "o@x.io" }], tokens: [{ token: "t", user: "o@x.io" }],
 *   assets: [{ type: "sheet", id: "1", owner: "o@x.io" }] }
 * ```
 */
export interface Seed {
  readonly users?: ReadonlyArray<UserSeed> | undefined
  readonly groups?: ReadonlyArray<GroupSeed> | undefined
  readonly tokens?: ReadonlyArray<TokenSeed> | undefined
  readonly assets?: ReadonlyArray<AssetSeed> | undefined
  readonly shares?: ReadonlyArray<ShareSeed> | undefined
}

/**
 * A simulated user.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/smartsheet/simulator"
 * const u: Simulator.User = { id: "1", email: "a@x.io", alternateEmails: [] }
 * ```
 */
export interface User {
  readonly id: string
  readonly email: string
  readonly name?: string | undefined
  readonly alternateEmails: ReadonlyArray<string>
}

/**
 * A simulated group.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/smartsheet/simulator"
 * const g: Simulator.Group = { id: "2", name: "Finance", members: ["1"] }
 * ```
 */
export interface Group {
  readonly id: string
  readonly name: string
  readonly members: ReadonlyArray<string>
}

/**
 * A simulated asset.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/smartsheet/simulator"
 * const a: Simulator.Asset = { type: "sheet", id: "1" }
 * ```
 */
export interface Asset {
  readonly type: Wire.AssetType
  readonly id: string
  readonly name?: string | undefined
  readonly workspace?: string | undefined
}

/**
 * An email the simulator "sent" because a create had `sendEmail=true`.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/smartsheet/simulator"
 * const e: Simulator.Email = { to: "a@x.io", from: "o@x.io", assetType: "sheet", assetId: "1", ccMe: false }
 * ```
 */
export interface Email {
  readonly to: string
  readonly from: string
  readonly assetType: Wire.AssetType
  readonly assetId: string
  readonly subject?: string | undefined
  readonly message?: string | undefined
  readonly ccMe: boolean
}

/**
 * Simulator options. `rateLimit` defaults to the documented 300 requests/minute per token (`false`
 * turns it off); `now` drives the log and the rate limit.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/smartsheet/simulator"
 * const opts: Simulator.Options = { seed: { users: [] }, rateLimit: { requests: 10, windowMillis: 1_000 } }
 * ```
 */
export interface Options {
  readonly seed?: Seed | undefined
  readonly rateLimit?: { readonly requests: number; readonly windowMillis: number } | false | undefined
  readonly port?: number | undefined
  readonly now?: (() => number) | undefined
}

/**
 * The typed seeding and inspection API of a running simulator.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/smartsheet/simulator"
 * const shareCount = (s: Simulator.State) => s.shares("sheet", "1").length
 * ```
 */
export interface State {
  readonly addUser: (seed: UserSeed) => User
  readonly addGroup: (seed: GroupSeed) => Group
  readonly addToken: (seed: TokenSeed) => void
  readonly addAsset: (seed: AssetSeed) => Asset
  readonly addShare: (seed: ShareSeed) => Wire.Share
  readonly load: (seed: Seed) => void
  /** Item-level shares of an asset (the owner's included), as the API renders them. */
  readonly shares: (assetType: Wire.AssetType, assetId: string) => ReadonlyArray<Wire.Share>
  readonly user: (emailOrId: string) => User | undefined
  readonly group: (id: string) => Group | undefined
  readonly asset: (assetType: Wire.AssetType, assetId: string) => Asset | undefined
  readonly emails: () => ReadonlyArray<Email>
}

/**
 * A running simulator: the kit's server (URL, log, faults) plus the state API.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/smartsheet/simulator"
 * const posts = (sim: Simulator.Simulator) => sim.log().filter((r) => r.method === "POST").length
 * ```
 */
export interface Simulator extends SimulatorKit.Running, State {}

interface ShareRecord {
  readonly seq: number
  readonly id: string
  readonly type: Wire.ShareType
  readonly principalId: string
  accessLevel: Wire.AccessLevel
}

interface AssetRecord extends Asset {
  readonly shares: Array<ShareRecord>
}

interface TokenRecord {
  /** Non-secret name of the token (user id + a hash prefix): the kit's principal, logged. */
  readonly principal: string
  readonly userId: string
  readonly systemAdmin: boolean
  readonly expired: boolean
}

const assetKey = (type: string, id: string) => `${type}:${id}`
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/**
 * Builds an empty simulator state. `start` and `serve` use it; tests and tools can use it directly
 * to prepare data.
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/smartsheet/simulator"
 * const { state } = Simulator.makeState()
 * state.addUser({ email: "ada@example.com" })
 * ```
 */
export const makeState = () => {
  const users = new Map<string, User>()
  const emailIndex = new Map<string, string>()
  const alternateIndex = new Map<string, string>()
  const groups = new Map<string, Group>()
  const tokens = new Map<string, TokenRecord>()
  const principals = new Map<string, TokenRecord>()
  const assets = new Map<string, AssetRecord>()
  const shareIds = new Set<string>()
  const emails: Array<Email> = []
  let counter = 0
  let seq = 0

  const nextNumericId = () => String(4_583_173_393_800_000 + ++counter * 7_919)
  const nextShareId = () => {
    let n = (++counter * 2_654_435_761) % 62 ** 9
    let out = ""
    for (let i = 0; i < 9; i++) {
      out += alphabet[n % 62]
      n = Math.floor(n / 62)
    }
    return `AAA${out}`
  }
  const norm = (email: string) => email.trim().toLowerCase()

  const user = (emailOrId: string): User | undefined => {
    const byId = users.get(emailOrId)
    if (byId !== undefined) return byId
    const id = emailIndex.get(norm(emailOrId))
    return id === undefined ? undefined : users.get(id)
  }

  const addUser = (seed: UserSeed): User => {
    const existing = user(seed.email)
    if (existing !== undefined) return existing
    const created: User = {
      id: seed.id ?? nextNumericId(),
      email: seed.email,
      ...(seed.name !== undefined ? { name: seed.name } : {}),
      alternateEmails: seed.alternateEmails ?? []
    }
    users.set(created.id, created)
    emailIndex.set(norm(created.email), created.id)
    for (const alt of created.alternateEmails) alternateIndex.set(norm(alt), created.id)
    return created
  }

  const mustUser = (emailOrId: string): User => {
    const found = user(emailOrId)
    if (found === undefined) throw new Error(`smartsheet simulator: unknown user ${emailOrId}`)
    return found
  }

  const addGroup = (seed: GroupSeed): Group => {
    const created: Group = {
      id: seed.id ?? nextNumericId(),
      name: seed.name,
      members: (seed.members ?? []).map((m) => mustUser(m).id)
    }
    groups.set(created.id, created)
    return created
  }

  const addToken = (seed: TokenSeed): void => {
    const userId = mustUser(seed.user).id
    const fingerprint = createHash("sha256").update(seed.token).digest("hex").slice(0, 12)
    const record: TokenRecord = {
      principal: `user:${userId}/token:${fingerprint}`,
      userId,
      systemAdmin: seed.systemAdmin === true,
      expired: seed.expired === true
    }
    tokens.set(seed.token, record)
    principals.set(record.principal, record)
  }

  const newShare = (type: Wire.ShareType, principalId: string, accessLevel: Wire.AccessLevel, id?: string) => {
    const shareId = id ?? nextShareId()
    shareIds.add(shareId)
    return { seq: ++seq, id: shareId, type, principalId, accessLevel } satisfies ShareRecord
  }

  const addAsset = (seed: AssetSeed): Asset => {
    if (!assetTypes.includes(seed.type)) throw new Error(`smartsheet simulator: unknown asset type ${seed.type}`)
    let workspace: AssetRecord | undefined
    if (seed.workspace !== undefined) {
      if (seed.type === "workspace") throw new Error("smartsheet simulator: a workspace cannot sit in a workspace")
      workspace = assets.get(assetKey("workspace", seed.workspace))
      if (workspace === undefined) throw new Error(`smartsheet simulator: unknown workspace ${seed.workspace}`)
    }
    const record: AssetRecord = {
      type: seed.type,
      id: seed.id ?? nextNumericId(),
      ...(seed.name !== undefined ? { name: seed.name } : {}),
      ...(workspace !== undefined ? { workspace: workspace.id } : {}),
      shares: []
    }
    const ownerId =
      seed.owner !== undefined
        ? mustUser(seed.owner).id
        : workspace?.shares.find((s) => s.accessLevel === "OWNER")?.principalId
    if (ownerId !== undefined) record.shares.push(newShare("USER", ownerId, "OWNER"))
    assets.set(assetKey(record.type, record.id), record)
    const { shares: _shares, ...asset } = record
    return asset
  }

  const render = (share: ShareRecord, scope: Wire.ShareScope): Wire.Share => {
    if (share.type === "USER") {
      const u = users.get(share.principalId)
      return {
        id: share.id,
        email: u?.email ?? "",
        userId: share.principalId,
        ...(u?.name !== undefined ? { name: u.name } : {}),
        type: "USER",
        accessLevel: share.accessLevel,
        scope
      }
    }
    const g = groups.get(share.principalId)
    return {
      id: share.id,
      groupId: share.principalId,
      ...(g !== undefined ? { name: g.name } : {}),
      type: "GROUP",
      accessLevel: share.accessLevel,
      scope
    }
  }

  const addShare = (seed: ShareSeed): Wire.Share => {
    const asset = assets.get(assetKey(seed.assetType, seed.assetId))
    if (asset === undefined) throw new Error(`smartsheet simulator: unknown asset ${seed.assetType} ${seed.assetId}`)
    if ((seed.email === undefined) === (seed.groupId === undefined)) {
      throw new Error("smartsheet simulator: a share needs exactly one of email or groupId")
    }
    const type: Wire.ShareType = seed.email !== undefined ? "USER" : "GROUP"
    const principalId =
      seed.email !== undefined ? addUser({ email: seed.email }).id : (groups.get(seed.groupId ?? "")?.id ?? "")
    if (principalId === "") throw new Error(`smartsheet simulator: unknown group ${seed.groupId}`)
    if (asset.shares.some((s) => s.type === type && s.principalId === principalId)) {
      throw new Error("smartsheet simulator: the share already exists")
    }
    const share = newShare(type, principalId, seed.accessLevel, seed.id)
    asset.shares.push(share)
    return render(share, "ITEM")
  }

  const load = (seed: Seed): void => {
    for (const u of seed.users ?? []) addUser(u)
    for (const g of seed.groups ?? []) addGroup(g)
    for (const t of seed.tokens ?? []) addToken(t)
    for (const a of seed.assets ?? []) addAsset(a)
    for (const s of seed.shares ?? []) addShare(s)
  }

  const state: State = {
    addUser,
    addGroup,
    addToken,
    addAsset,
    addShare,
    load,
    shares: (type, id) => (assets.get(assetKey(type, id))?.shares ?? []).map((s) => render(s, "ITEM")),
    user,
    group: (id) => groups.get(id),
    asset: (type, id) => {
      const a = assets.get(assetKey(type, id))
      if (a === undefined) return undefined
      const { shares: _shares, ...asset } = a
      return asset
    },
    emails: () => emails.slice()
  }

  return {
    state,
    internal: {
      users,
      groups,
      tokens,
      principals,
      assets,
      emails,
      user,
      addUser,
      newShare,
      render,
      norm,
      alternateIndex
    }
  }
}

type Internal = ReturnType<typeof makeState>["internal"]

const error = (status: number, errorCode: number, message: string): SimulatorKit.SimResponse => ({
  status,
  body: { errorCode, message, refId: `sim-${errorCode}-${Math.random().toString(36).slice(2, 10)}` }
})

const errors = {
  tokenMissing: () => error(401, 1001, "An Access Token is required."),
  tokenInvalid: () => error(401, 1002, "Your Access Token is invalid."),
  tokenExpired: () => error(401, 1003, "Your Access Token has expired."),
  notAuthorized: () => error(403, 1004, "You are not authorized to perform this action."),
  notFound: () => error(404, 1006, "Not Found."),
  unparsable: (detail: string) => error(400, 1008, `Unable to parse request. The following error occurred: ${detail}`),
  missingParameter: (name: string) => error(400, 1009, `A required parameter is missing from your request: ${name}.`),
  missingAttribute: (name: string) =>
    error(400, 1012, `Required object attribute(s) are missing from your request: ${name}.`),
  invalidParameter: (name: string, value: string) =>
    error(400, 1018, `The value for ${name} is invalid: ${JSON.stringify(value)}.`),
  sharedAtWorkspace: () => error(400, 1023, "The sheet specified is shared at the Workspace level."),
  shareExists: () => error(400, 1025, "The share already exists."),
  ownershipTransfer: () => error(403, 1026, "Transferring ownership is not currently supported."),
  shareNotFound: () => error(404, 1027, "The share specified could not be found."),
  ownerShare: () => error(400, 1028, "You cannot edit the share of the owner."),
  invalidAttribute: (name: string) => error(400, 1031, `The value for ${name} is invalid.`),
  attributeNotAllowed: (name: string) =>
    error(400, 1032, `The attribute(s) ${name} are not allowed for this operation.`),
  ownShare: () => error(400, 1040, "Cannot edit your own share."),
  groupNotFound: () => error(404, 1106, "Group not found."),
  invalidEmail: (email: string) => error(400, 1156, `Invalid email address: ${email}.`),
  alternateEmail: (email: string) =>
    error(400, 1159, `The email address ${email} is an alternate address of another user; use the primary address.`),
  dashboardEditor: () => error(400, 1166, "You cannot share Sights as an Editor."),
  rateLimited: () => ({ status: 429, body: { errorCode: 4003, message: "Rate limit exceeded." } })
}

const writeLevels: ReadonlyArray<Wire.AccessLevel> = ["OWNER", "ADMIN", "EDITOR_SHARE"]

const routes = (s: Internal): ReadonlyArray<SimulatorKit.Route> => {
  type Resolved = { readonly asset: AssetRecord; readonly workspace: AssetRecord | undefined }

  const resolveAsset = (req: SimulatorKit.SimRequest): Resolved | SimulatorKit.SimResponse => {
    const type = req.query.get("assetType")
    const id = req.query.get("assetId")
    if (type === null || type === "") return errors.missingParameter("assetType")
    if (id === null || id === "") return errors.missingParameter("assetId")
    const asset = s.assets.get(assetKey(type, id))
    if (asset === undefined) return errors.notFound()
    const workspace = asset.workspace !== undefined ? s.assets.get(assetKey("workspace", asset.workspace)) : undefined
    return { asset, workspace }
  }

  const levelOf = (resolved: Resolved, userId: string): Wire.AccessLevel | undefined => {
    const mine = (share: ShareRecord) =>
      (share.type === "USER" && share.principalId === userId) ||
      (share.type === "GROUP" && (s.groups.get(share.principalId)?.members.includes(userId) ?? false))
    const rank = (l: Wire.AccessLevel) => ["VIEWER", "COMMENTER", "EDITOR", "EDITOR_SHARE", "ADMIN", "OWNER"].indexOf(l)
    let best: Wire.AccessLevel | undefined
    for (const share of [...resolved.asset.shares, ...(resolved.workspace?.shares ?? [])]) {
      if (mine(share) && (best === undefined || rank(share.accessLevel) > rank(best))) best = share.accessLevel
    }
    return best
  }

  const caller = (req: SimulatorKit.SimRequest) => {
    const token = s.principals.get(req.principal)
    return { userId: token?.userId ?? "", systemAdmin: token?.systemAdmin === true }
  }

  /** Resolves the asset and checks the caller may read (or write) its shares. */
  const authorize = (req: SimulatorKit.SimRequest, write: boolean): Resolved | SimulatorKit.SimResponse => {
    const resolved = resolveAsset(req)
    if (!("asset" in resolved)) return resolved
    const who = caller(req)
    if (who.systemAdmin) return resolved
    const level = levelOf(resolved, who.userId)
    if (level === undefined) return errors.notFound()
    if (write && !writeLevels.includes(level)) return errors.notAuthorized()
    return resolved
  }

  /** Item shares then inherited workspace shares (never the workspace owner's), in creation order. */
  const visible = (resolved: Resolved, includeWorkspace: boolean) => {
    const out: Array<{ share: ShareRecord; scope: Wire.ShareScope }> = resolved.asset.shares.map((share) => ({
      share,
      scope: "ITEM"
    }))
    if (includeWorkspace && resolved.workspace !== undefined) {
      for (const share of resolved.workspace.shares) {
        if (share.accessLevel !== "OWNER") out.push({ share, scope: "WORKSPACE" })
      }
    }
    return out.sort((a, b) => a.share.seq - b.share.seq)
  }

  const findShare = (resolved: Resolved, shareId: string) =>
    visible(resolved, true).find((entry) => entry.share.id === shareId)

  const encodeKey = (seq: number) => Buffer.from(`seq:${seq}`).toString("base64url")
  const decodeKey = (key: string): number | undefined => {
    const text = Buffer.from(key, "base64url").toString("utf8")
    const m = /^seq:(\d+)$/.exec(text)
    return m === null ? undefined : Number(m[1])
  }

  const list: SimulatorKit.Route = {
    method: "GET",
    pattern: "/shares",
    handle: (req) => {
      const resolved = authorize(req, false)
      if (!("asset" in resolved)) return resolved
      const include = req.query.get("sharingInclude")
      if (include !== null && include !== "ITEM" && include !== "WORKSPACE") {
        return errors.invalidParameter("sharingInclude", include)
      }
      const maxText = req.query.get("maxItems")
      let maxItems = 100
      if (maxText !== null) {
        const n = Number(maxText)
        if (!/^\d+$/.test(maxText) || !Number.isSafeInteger(n)) return errors.invalidParameter("maxItems", maxText)
        maxItems = Math.max(100, n)
      }
      const lastKey = req.query.get("lastKey")
      let after = 0
      if (lastKey !== null && lastKey !== "") {
        const decoded = decodeKey(lastKey)
        if (decoded === undefined) return errors.invalidParameter("lastKey", lastKey)
        after = decoded
      }
      const all = visible(resolved, include === "WORKSPACE" && resolved.asset.type !== "workspace")
      const rest = all.filter((entry) => entry.share.seq > after)
      const page = rest.slice(0, maxItems)
      const last = page[page.length - 1]
      return {
        status: 200,
        body: {
          items: page.map((entry) => s.render(entry.share, entry.scope)),
          ...(rest.length > maxItems && last !== undefined ? { lastKey: encodeKey(last.share.seq) } : {})
        }
      }
    }
  }

  const get: SimulatorKit.Route = {
    method: "GET",
    pattern: "/shares/:shareId",
    handle: (req) => {
      const resolved = authorize(req, false)
      if (!("asset" in resolved)) return resolved
      const found = findShare(resolved, req.params.shareId ?? "")
      if (found === undefined) return errors.shareNotFound()
      return { status: 200, body: s.render(found.share, found.scope) }
    }
  }

  const create: SimulatorKit.Route = {
    method: "POST",
    pattern: "/shares",
    handle: (req) => {
      const resolved = authorize(req, true)
      if (!("asset" in resolved)) return resolved
      const sendEmailText = req.query.get("sendEmail")
      if (sendEmailText !== null && sendEmailText !== "true" && sendEmailText !== "false") {
        return errors.invalidParameter("sendEmail", sendEmailText)
      }
      const sendEmail = sendEmailText === "true"
      const single = !Array.isArray(req.body)
      const items: ReadonlyArray<unknown> = Array.isArray(req.body) ? req.body : [req.body]
      if (items.length === 0 || req.body === undefined) return errors.missingAttribute("accessLevel")
      type Planned = {
        readonly type: Wire.ShareType
        readonly principalId: string
        readonly newUser?: string | undefined
        readonly accessLevel: Wire.AccessLevel
        readonly subject?: string | undefined
        readonly message?: string | undefined
        readonly ccMe: boolean
      }
      const planned: Array<Planned> = []
      // validate everything first: a bad item fails the whole request
      for (const item of items) {
        if (typeof item !== "object" || item === null || Array.isArray(item)) {
          return errors.unparsable("a share request must be an object")
        }
        const record = item as Record<string, unknown>
        for (const key of Object.keys(record)) {
          if (!createFields.has(key)) return errors.unparsable(`'${key}' is not a valid property`)
        }
        const { email, groupId, accessLevel, subject, message, ccMe } = record
        if (accessLevel === undefined) return errors.missingAttribute("accessLevel")
        if (typeof accessLevel !== "string" || !accessLevels.includes(accessLevel as Wire.AccessLevel)) {
          return errors.invalidAttribute("accessLevel")
        }
        if (email !== undefined && groupId !== undefined) return errors.attributeNotAllowed("email, groupId")
        if (email === undefined && groupId === undefined) return errors.missingAttribute("email or groupId")
        if (subject !== undefined && typeof subject !== "string") return errors.invalidAttribute("subject")
        if (message !== undefined && typeof message !== "string") return errors.invalidAttribute("message")
        if (ccMe !== undefined && typeof ccMe !== "boolean") return errors.invalidAttribute("ccMe")
        const level = accessLevel as Wire.AccessLevel
        if (level === "OWNER") return errors.ownershipTransfer()
        if (level === "EDITOR" && resolved.asset.type === "sight") return errors.dashboardEditor()
        const mail = { subject, message, ccMe: ccMe === true } as {
          subject?: string
          message?: string
          ccMe: boolean
        }
        if (email !== undefined) {
          if (typeof email !== "string" || !emailPattern.test(email)) return errors.invalidEmail(String(email))
          const existing = s.user(email)
          if (existing === undefined && s.alternateIndex.has(s.norm(email))) return errors.alternateEmail(email)
          planned.push({
            type: "USER",
            principalId: existing?.id ?? "",
            ...(existing === undefined ? { newUser: email } : {}),
            accessLevel: level,
            ...mail
          })
        } else {
          if (typeof groupId !== "string" && typeof groupId !== "number") return errors.invalidAttribute("groupId")
          const group = s.groups.get(String(groupId))
          if (group === undefined) return errors.groupNotFound()
          planned.push({ type: "GROUP", principalId: group.id, accessLevel: level, ...mail })
        }
      }
      const exists = (p: Planned) =>
        p.principalId !== "" &&
        resolved.asset.shares.some((share) => share.type === p.type && share.principalId === p.principalId)
      const first = planned[0]
      if (single && first !== undefined && exists(first)) return errors.shareExists()
      const sharer = s.users.get(caller(req).userId)
      const result: Array<Wire.Share> = []
      for (const p of planned) {
        const principalId = p.newUser !== undefined ? s.addUser({ email: p.newUser }).id : p.principalId
        const resolvedPlan = { ...p, principalId }
        if (exists(resolvedPlan)) continue // bulk semantics: existing shares are skipped and omitted
        const share = s.newShare(p.type, principalId, p.accessLevel)
        resolved.asset.shares.push(share)
        result.push(s.render(share, "ITEM"))
        if (sendEmail) {
          const recipients =
            p.type === "USER"
              ? [s.users.get(principalId)?.email ?? ""]
              : (s.groups.get(principalId)?.members ?? []).map((m) => s.users.get(m)?.email ?? "")
          for (const to of recipients) {
            s.emails.push({
              to,
              from: sharer?.email ?? "",
              assetType: resolved.asset.type,
              assetId: resolved.asset.id,
              ...(p.subject !== undefined ? { subject: p.subject } : {}),
              ...(p.message !== undefined ? { message: p.message } : {}),
              ccMe: p.ccMe
            })
          }
        }
      }
      return { status: 200, body: { message: "SUCCESS", resultCode: 0, result } }
    }
  }

  const update: SimulatorKit.Route = {
    method: "PATCH",
    pattern: "/shares/:shareId",
    handle: (req) => {
      const resolved = authorize(req, true)
      if (!("asset" in resolved)) return resolved
      const body = req.body
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        return errors.missingAttribute("accessLevel")
      }
      const record = body as Record<string, unknown>
      for (const key of Object.keys(record)) {
        if (key !== "accessLevel") return errors.unparsable(`'${key}' is not a valid property`)
      }
      const level = record.accessLevel
      if (level === undefined) return errors.missingAttribute("accessLevel")
      if (typeof level !== "string" || !accessLevels.includes(level as Wire.AccessLevel)) {
        return errors.invalidAttribute("accessLevel")
      }
      const found = findShare(resolved, req.params.shareId ?? "")
      if (found === undefined) return errors.shareNotFound()
      if (found.scope === "WORKSPACE") return errors.sharedAtWorkspace()
      if (found.share.accessLevel === "OWNER") return errors.ownerShare()
      if (level === "OWNER") return errors.ownershipTransfer()
      if (level === "EDITOR" && resolved.asset.type === "sight") return errors.dashboardEditor()
      const who = caller(req)
      if (!who.systemAdmin && found.share.type === "USER" && found.share.principalId === who.userId) {
        return errors.ownShare()
      }
      found.share.accessLevel = level as Wire.AccessLevel
      return { status: 200, body: s.render(found.share, "ITEM") }
    }
  }

  const remove: SimulatorKit.Route = {
    method: "DELETE",
    pattern: "/shares/:shareId",
    handle: (req) => {
      const resolved = authorize(req, true)
      if (!("asset" in resolved)) return resolved
      const found = findShare(resolved, req.params.shareId ?? "")
      if (found === undefined) return errors.shareNotFound()
      if (found.scope === "WORKSPACE") return errors.sharedAtWorkspace()
      if (found.share.accessLevel === "OWNER") return errors.ownerShare()
      const index = resolved.asset.shares.indexOf(found.share)
      resolved.asset.shares.splice(index, 1)
      return { status: 200, body: { message: "SUCCESS", resultCode: 0 } }
    }
  }

  return [list, get, create, update, remove]
}

/**
 * Starts a simulator on loopback (Promise API, for the CLI and non-Effect callers). Its `url` is
 * the API base, e.g. `http://127.0.0.1:PORT/2.0`.
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/smartsheet/simulator"
 * const sim = await Simulator.start({ seed: Simulator.demoSeed })
 * await sim.close()
 * ```
 */
export const start = async (options: Options = {}): Promise<Simulator> => {
  const { state, internal } = makeState()
  if (options.seed !== undefined) state.load(options.seed)
  const now = options.now ?? Date.now
  const running = await SimulatorKit.start({
    name: "smartsheet",
    basePath: "/2.0",
    routes: routes(internal),
    now,
    ...(options.port !== undefined ? { port: options.port } : {}),
    authenticate: (req) => {
      const header = req.headers.authorization
      if (header === undefined || header === "") return { ok: false, response: errors.tokenMissing() }
      const m = /^Bearer\s+(\S+)$/i.exec(header)
      const token = m?.[1] === undefined ? undefined : internal.tokens.get(m[1])
      if (m?.[1] === undefined || token === undefined) return { ok: false, response: errors.tokenInvalid() }
      if (token.expired) return { ok: false, response: errors.tokenExpired() }
      return { ok: true, principal: token.principal, scheme: "bearer" }
    },
    notFound: () => errors.notFound(),
    badJson: () => errors.unparsable("the body is not valid JSON"),
    ...(options.rateLimit === false
      ? {}
      : {
          rateLimit: {
            requests: options.rateLimit?.requests ?? 300,
            windowMillis: options.rateLimit?.windowMillis ?? 60_000,
            reject: () => errors.rateLimited()
          }
        })
  })
  return { ...running, ...state }
}

/**
 * `start` as a scoped Effect: the server closes with the scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Simulator from "@unishare/smartsheet/simulator"
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const sim = yield* Simulator.serve({ seed: Simulator.demoSeed })
 *   return sim.url
 * }))
 * ```
 */
export const serve = (options: Options = {}): Effect.Effect<Simulator, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(options)),
    (sim) => Effect.promise(() => sim.close())
  )

/**
 * The credentials of `demoSeed` (the same name in every adapter's simulator): `owner`, the API
 * token of Olivia Owner (owner@example.com), who owns every demo asset.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import * as Smartsheet from "@unishare/smartsheet"
 * import * as Simulator from "@unishare/smartsheet/simulator"
 * const sim = await Simulator.start({ seed: Simulator.demoSeed })
 * const provider = Smartsheet.make({ token: Redacted.make(Simulator.demoCredentials.owner), baseUrl: sim.url })
 * ```
 */
export const demoCredentials = { owner: "sim-owner-token" } as const

/**
 * Realistic demo data: a "Finance" workspace holding a budget sheet, a report and a dashboard, a
 * standalone sheet, four users, two groups, and a few shares at several levels. The package README
 * lists its ids; `demoCredentials` reach it.
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/smartsheet/simulator"
 * const sim = await Simulator.start({ seed: Simulator.demoSeed })
 * ```
 */
export const demoSeed: Seed = {
  users: [
    { id: "1000000000000001", email: "owner@example.com", name: "Olivia Owner" },
    {
      id: "1000000000000002",
      email: "ada@example.com",
      name: "Ada Lovelace",
      alternateEmails: ["ada@old.example.com"]
    },
    { id: "1000000000000003", email: "grace@example.com", name: "Grace Hopper" },
    { id: "1000000000000004", email: "linus@example.com", name: "Linus Torvalds" }
  ],
  groups: [
    { id: "2000000000000001", name: "Finance", members: ["ada@example.com", "grace@example.com"] },
    { id: "2000000000000002", name: "Auditors", members: ["linus@example.com"] }
  ],
  tokens: [{ token: demoCredentials.owner, user: "owner@example.com" }],
  assets: [
    { type: "workspace", id: "3000000000000001", name: "Finance", owner: "owner@example.com" },
    { type: "sheet", id: "4000000000000001", name: "Budget 2026", workspace: "3000000000000001" },
    { type: "report", id: "4000000000000002", name: "Spend by team", workspace: "3000000000000001" },
    { type: "sight", id: "4000000000000003", name: "Finance dashboard", workspace: "3000000000000001" },
    { type: "sheet", id: "4000000000000004", name: "Team roster", owner: "owner@example.com" }
  ],
  shares: [
    { assetType: "workspace", assetId: "3000000000000001", groupId: "2000000000000001", accessLevel: "EDITOR" },
    { assetType: "sheet", assetId: "4000000000000001", email: "linus@example.com", accessLevel: "VIEWER" },
    { assetType: "sight", assetId: "4000000000000003", groupId: "2000000000000002", accessLevel: "COMMENTER" },
    { assetType: "sheet", assetId: "4000000000000004", email: "ada@example.com", accessLevel: "EDITOR_SHARE" },
    { assetType: "sheet", assetId: "4000000000000004", email: "grace@example.com", accessLevel: "ADMIN" }
  ]
}

/**
 * The token of the demo seed.
 *
 * @deprecated Use `demoCredentials.owner`, the name every adapter's simulator uses.
 * @example
 * ```ts
 * import * as Simulator from "@unishare/smartsheet/simulator"
 * Simulator.exampleToken // "sim-owner-token"
 * ```
 */
export const exampleToken = demoCredentials.owner

/**
 * The demo seed.
 *
 * @deprecated Use `demoSeed`, the name every adapter's simulator uses.
 * @example
 * ```ts
 * import * as Simulator from "@unishare/smartsheet/simulator"
 * Simulator.exampleSeed === Simulator.demoSeed // true
 * ```
 */
export const exampleSeed: Seed = demoSeed
