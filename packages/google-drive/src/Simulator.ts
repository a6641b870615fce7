/**
 * A stateful simulator of the Google Drive API v3 permissions methods on `SimulatorKit`, under
 * `/drive/v3`: list, get, create, update (PATCH) and delete on files, folders and shared drives,
 * with Google's error envelope, Bearer auth, `fields` selection, paging, faults (the kit's) and a
 * request log without secrets.
 *
 * State: users (Workspace users belong to an organization, consumer accounts to none; an email
 * the simulator does not know is an account outside Google), groups, shared drives (their members
 * are permissions on the drive id), and files in My Drive (one `owner`) or in a shared drive
 * (no owner), under parent folders.
 *
 * What it enforces (the research notes' §11, reasons as in their §4):
 * - `supportsAllDrives=true` or shared-drive items are `404 notFound`; an item the caller cannot
 *   see is `404 notFound`; writing needs `writer`/`owner` in My Drive (`owner` when
 *   `writersCanShare` is off; a writer whose own access expires cannot share), `writer`,
 *   `fileOrganizer` or `organizer` in a shared drive, `organizer` for the drive itself
 *   (`403 insufficientFilePermissions`); `useDomainAdminAccess` lets an admin of the drive's
 *   organization act as its organizer (`403 insufficientAdministratorPrivileges` for others);
 * - inheritance: folder permissions reach everything below, shared-drive members reach every item
 *   (`permissionDetails` with `permissionType` `file` / `member`, `inherited`, and `inheritedFrom`
 *   only in shared drives); `role` is the highest of the sources; a limited-access item
 *   (`inheritedPermissionsDisabled`) keeps only organizers and direct grants;
 * - list: `pageSize` 1–100 (none: the whole list on a My Drive item, 100 on a shared-drive item),
 *   opaque `nextPageToken` (a token for another item or a garbled one is `400 invalid`);
 * - create: `type` + `role`, email or domain (`400 badRequest`); notifications not for domain or
 *   anyone, never off for a transfer; expiration only for users and groups
 *   (`cannotSetExpirationOnAnyoneOrDomain`), in the future (`expirationDatesMustBeInTheFuture`),
 *   at most a year ahead (`400 badRequest`), not on shared-drive memberships
 *   (`expirationDateNotAllowedForSharedDriveMembers`) nor for writers on My Drive folders
 *   (`cannotSetExpiration`); `owner` needs `transferOwnership=true` (`403 forbidden`), is refused in
 *   shared drives (`ownerOnTeamDriveItemNotSupported`), across organizations
 *   (`ownershipChangeAcrossDomainNotPermitted`) and between consumer accounts without consent
 *   (`consentRequiredForOwnershipTransfer`: offer with `pendingOwner=true` on a writer, then the
 *   new owner accepts by updating its own permission; `pendingOwnerWriterRequired` otherwise);
 *   `organizer` only on a shared drive itself, `fileOrganizer` only on shared drives and their
 *   folders (`organizerOnNonTeamDriveNotSupported`, `organizerOnNonTeamDriveItemNotSupported`,
 *   `fileOrganizerOnNonTeamDriveNotSupported`, `fileOrganizerOnFoldersInSharedDriveOnly`); anyone or
 *   domain on a shared drive itself (`cannotShareTeamDriveTopFolderWithAnyoneOrDomains`); accounts
 *   outside Google in shared drives (`cannotShareTeamDriveWithNonGoogleAccounts`); a shared drive
 *   restricted to its domain refuses other users, groups and domains
 *   (`teamDriveDomainUsersOnlyRestriction`); an unknown group is `400 invalidSharingRequest`;
 * - update: `role`, `expirationTime`, `pendingOwner`, `removeExpiration`; transfer demotes the old
 *   owner to `writer`; the owner's own permission cannot be lowered (`invalidOwnershipTransfer`);
 *   inherited-only permissions cannot be changed (`cannotModifyInheritedTeamDrivePermission` in
 *   shared drives, `cannotModifyInheritedPermission` in My Drive);
 * - delete: `204`; the owner (`cannotRemoveOwner`) and inherited-only permissions are refused;
 *   anyone may remove their own access;
 * - expired permissions disappear; `fields` selects the answer (an unknown field is
 *   `400 invalidParameter`); without it only `kind`, `id`, `type` and `role` come back;
 * - optional rate limit per user (`403 userRateLimitExceeded`, or `429 rateLimitExceeded`).
 *
 * Where the notes leave a question open the simulator picks and says so: a create for a grantee
 * that already has a direct permission changes that permission's role (same id); discoverable
 * anyone is `anyone`, link-only anyone `anyoneWithLink`, a domain's id is its digits and `k`;
 * statuses the notes mark "?" are 403 for refusals and 400 for malformed requests; create accepts
 * `expirationTime` (the historic `cannotSetExpirationOnInsert` is not reproduced).
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { SimulatorKit } from "@unishare/core"
import { Effect, type Scope } from "effect"
import * as Wire from "./Wire.ts"

/**
 * A user. `organization` is the Workspace domain the account belongs to; a consumer (gmail-like)
 * account has none. `admin` makes them a Workspace admin of their organization.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/google-drive/simulator"
 * const ada: Simulator.UserSeed = { email: "ada@example.com", name: "Ada Lovelace", organization: "example.com" }
 * ```
 */
export interface UserSeed {
  readonly email: string
  readonly name?: string | undefined
  readonly id?: string | undefined
  readonly organization?: string | undefined
  readonly admin?: boolean | undefined
  readonly deleted?: boolean | undefined
}

/**
 * A group and its members (user emails).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/google-drive/simulator"
 * const finance: Simulator.GroupSeed = { email: "finance@example.com", name: "Finance", members: ["ada@example.com"] }
 * ```
 */
export interface GroupSeed {
  readonly email: string
  readonly name?: string | undefined
  readonly id?: string | undefined
  readonly members?: ReadonlyArray<string> | undefined
}

/**
 * An access token and the user (email) it acts for; `expired` tokens answer 401.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/google-drive/simulator"
 * const t: Simulator.TokenSeed = { token: "sim-drive-owner", user: "owner@example.com" }
 * ```
 */
export interface TokenSeed {
  readonly token: string
  readonly user: string
  readonly expired?: boolean | undefined
}

/**
 * A shared drive: its organization, members (`organizer` … `reader`, users or groups by email)
 * and the "domain users only" restriction.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/google-drive/simulator"
 * const d: Simulator.DriveSeed = { id: "0AFinanceDriveUk9PVA", name: "Finance", organization: "example.com",
 *   members: [{ email: "owner@example.com", role: "organizer" }] }
 * ```
 */
export interface DriveSeed {
  readonly id?: string | undefined
  readonly name: string
  readonly organization: string
  readonly members?: ReadonlyArray<{ readonly email: string; readonly role: Wire.Role }> | undefined
  readonly domainUsersOnly?: boolean | undefined
}

/**
 * A file or folder: in a shared drive (`drive`) or in its `owner`'s My Drive, under `parent` (a
 * folder id; default: the drive or the owner's root). `writersCanShare` defaults to true;
 * `inheritedPermissionsDisabled` makes it a limited-access item.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/google-drive/simulator"
 * const f: Simulator.FileSeed = { id: "1PlanDocAAAAAAAAAAAAAAAAAAAAAAAAA", name: "Plan", owner: "owner@example.com" }
 * ```
 */
export interface FileSeed {
  readonly id?: string | undefined
  readonly name: string
  readonly folder?: boolean | undefined
  readonly owner?: string | undefined
  readonly drive?: string | undefined
  readonly parent?: string | undefined
  readonly writersCanShare?: boolean | undefined
  readonly inheritedPermissionsDisabled?: boolean | undefined
}

/**
 * A direct permission to seed (never `owner`: owners come from the file).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/google-drive/simulator"
 * const p: Simulator.PermissionSeed = { file: "1PlanDocAAAAAAAAAAAAAAAAAAAAAAAAA", type: "user",
 *   role: "writer", emailAddress: "ada@example.com" }
 * ```
 */
export interface PermissionSeed {
  readonly file: string
  readonly type: Wire.GranteeType
  readonly role: Exclude<Wire.Role, "owner">
  readonly emailAddress?: string | undefined
  readonly domain?: string | undefined
  readonly allowFileDiscovery?: boolean | undefined
  readonly expirationTime?: string | undefined
  readonly pendingOwner?: boolean | undefined
}

/**
 * Everything to load at once, in dependency order.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/google-drive/simulator"
 * const seed: Simulator.Seed = { users: [{ email: "o@example.com", organization: "example.com" }],
 *   tokens: [{ token: "t", user: "o@example.com" }], files: [{ name: "Doc", owner: "o@example.com" }] }
 * ```
 */
export interface Seed {
  readonly users?: ReadonlyArray<UserSeed> | undefined
  readonly groups?: ReadonlyArray<GroupSeed> | undefined
  readonly tokens?: ReadonlyArray<TokenSeed> | undefined
  readonly drives?: ReadonlyArray<DriveSeed> | undefined
  readonly files?: ReadonlyArray<FileSeed> | undefined
  readonly permissions?: ReadonlyArray<PermissionSeed> | undefined
}

/**
 * A simulated user (`id` is the permission id it has on every file).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/google-drive/simulator"
 * const u: Simulator.User = { id: "10000000000000000001", email: "o@example.com", google: true, admin: false, deleted: false }
 * ```
 */
export interface User {
  readonly id: string
  readonly email: string
  readonly name?: string | undefined
  readonly organization?: string | undefined
  /** `false` for an address the simulator first saw in a share (an account outside Google). */
  readonly google: boolean
  readonly admin: boolean
  readonly deleted: boolean
}

/**
 * A simulated group.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/google-drive/simulator"
 * const g: Simulator.Group = { id: "20000000000000000001", email: "finance@example.com", members: [] }
 * ```
 */
export interface Group {
  readonly id: string
  readonly email: string
  readonly name?: string | undefined
  readonly members: ReadonlyArray<string>
}

/**
 * A simulated file, folder or shared drive, as the state API shows it.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/google-drive/simulator"
 * const f: Simulator.Item = { id: "1x", name: "Doc", kind: "file", parents: ["root-1"] }
 * ```
 */
export interface Item {
  readonly id: string
  readonly name: string
  readonly kind: "file" | "folder" | "drive"
  readonly parents: ReadonlyArray<string>
  readonly drive?: string | undefined
  readonly owner?: string | undefined
}

/**
 * An email the simulator "sent": a share notification, an ownership offer (`pendingOwner`), or the
 * notice of a completed transfer.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/google-drive/simulator"
 * const e: Simulator.Email = { kind: "share", to: "ada@example.com", from: "owner@example.com", file: "1x" }
 * ```
 */
export interface Email {
  readonly kind: "share" | "ownershipOffer" | "ownershipTransferred"
  readonly to: string
  readonly from: string
  readonly file: string
  readonly message?: string | undefined
}

/**
 * Simulator options. `rateLimit` (off by default) refuses requests past `requests` per
 * `windowMillis` per user with `403 userRateLimitExceeded` (or `429 rateLimitExceeded` with
 * `status: 429`); `now` drives expirations, the log and the rate limit.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/google-drive/simulator"
 * const opts: Simulator.Options = { rateLimit: { requests: 10, windowMillis: 1_000 } }
 * ```
 */
export interface Options {
  readonly seed?: Seed | undefined
  readonly rateLimit?:
    | { readonly requests: number; readonly windowMillis: number; readonly status?: 403 | 429 | undefined }
    | undefined
  readonly port?: number | undefined
  readonly now?: (() => number) | undefined
}

/**
 * The typed seeding and inspection API of a simulator.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/google-drive/simulator"
 * const direct = (s: Simulator.State, file: string) => s.permissions(file).filter((p) => p.permissionDetails?.some((d) => !d.inherited))
 * ```
 */
export interface State {
  readonly addUser: (seed: UserSeed) => User
  readonly addGroup: (seed: GroupSeed) => Group
  readonly addToken: (seed: TokenSeed) => void
  readonly addDrive: (seed: DriveSeed) => Item
  readonly addFile: (seed: FileSeed) => Item
  readonly addPermission: (seed: PermissionSeed) => Wire.Permission
  readonly load: (seed: Seed) => void
  /** Every permission of an item as `permissions.list` renders it with every field (expired ones left out). */
  readonly permissions: (fileId: string) => ReadonlyArray<Wire.Permission>
  readonly item: (id: string) => Item | undefined
  readonly user: (emailOrId: string) => User | undefined
  readonly group: (emailOrId: string) => Group | undefined
  readonly emails: () => ReadonlyArray<Email>
}

/**
 * A running simulator: the kit's server (URL, log, faults) plus the state API. Its `log` shows
 * no secret: the kit never records headers, and the `access_token`, `oauth_token` and `key` query
 * parameters are redacted.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/google-drive/simulator"
 * const posts = (sim: Simulator.Simulator) => sim.log().filter((r) => r.method === "POST").length
 * ```
 */
export interface Simulator extends SimulatorKit.Running, State {}

interface PermissionRecord {
  readonly seq: number
  readonly id: string
  readonly type: Wire.GranteeType
  role: Wire.Role
  readonly emailAddress?: string | undefined
  readonly domain?: string | undefined
  readonly allowFileDiscovery?: boolean | undefined
  expirationTime?: string | undefined
  pendingOwner?: boolean | undefined
}

interface ItemRecord {
  readonly id: string
  readonly name: string
  readonly kind: "file" | "folder" | "drive"
  parents: Array<string>
  /** The shared drive it is in (for a drive: itself). */
  readonly drive: string | undefined
  /** My Drive items: the owner's user id. */
  owner: string | undefined
  readonly writersCanShare: boolean
  readonly inheritedPermissionsDisabled: boolean
  readonly organization: string | undefined
  readonly domainUsersOnly: boolean
  readonly permissions: Array<PermissionRecord>
}

/** One source of access on an item: a permission record on the item itself or on an ancestor. */
interface Source {
  readonly record: PermissionRecord
  readonly from: ItemRecord
  readonly inherited: boolean
  readonly member: boolean
}

interface TokenRecord {
  readonly principal: string
  readonly userId: string
  readonly expired: boolean
}

const defaultFields = ["kind", "id", "type", "role"]
const permissionFieldNames = new Set<string>([...Object.keys(Wire.Permission.fields)])
const bodyFields = new Set([
  "type",
  "role",
  "emailAddress",
  "domain",
  "allowFileDiscovery",
  "expirationTime",
  "pendingOwner"
])
const patchFields = new Set(["role", "expirationTime", "pendingOwner"])
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

const digitsOf = (text: string, length: number) => {
  const hash = createHash("sha256").update(text).digest()
  let out = ""
  for (let i = 0; out.length < length; i++) out += String((hash[i % hash.length] ?? 0) % 10)
  return `1${out.slice(1)}`
}

/**
 * Builds an empty simulator state. `start` and `serve` use it; tools can use it directly to
 * prepare data.
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/google-drive/simulator"
 * const { state } = Simulator.makeState(() => Date.now())
 * state.addUser({ email: "ada@example.com", organization: "example.com" })
 * ```
 */
export const makeState = (now: () => number) => {
  const users = new Map<string, User>()
  const userByEmail = new Map<string, string>()
  const groups = new Map<string, Group>()
  const groupByEmail = new Map<string, string>()
  const tokens = new Map<string, TokenRecord>()
  const principals = new Map<string, TokenRecord>()
  const items = new Map<string, ItemRecord>()
  const emails: Array<Email> = []
  let counter = 0
  let seq = 0

  const norm = (email: string) => email.trim().toLowerCase()
  /** A fresh 20-digit id (the shape of a Drive permission id), never one already given out. */
  const nextDigits = (prefix: string) => {
    let id: string
    do id = `${prefix}${String(++counter).padStart(19, "0")}`.slice(0, 20)
    while (users.has(id) || groups.has(id))
    return id
  }
  const nextItemId = (prefix: string, length: number) => {
    let out: string
    do {
      let n = ++counter * 2_654_435_761
      out = prefix
      while (out.length < length) {
        out += idAlphabet[n % 62]
        n = Math.floor(n / 62) + out.length * 7_919
      }
    } while (items.has(out))
    return out
  }

  const user = (emailOrId: string): User | undefined =>
    users.get(emailOrId) ?? users.get(userByEmail.get(norm(emailOrId)) ?? "")
  const group = (emailOrId: string): Group | undefined =>
    groups.get(emailOrId) ?? groups.get(groupByEmail.get(norm(emailOrId)) ?? "")

  const addUser = (seed: UserSeed & { readonly google?: boolean | undefined }): User => {
    const existing = user(seed.email)
    if (existing !== undefined) return existing
    const created: User = {
      id: seed.id ?? nextDigits("1"),
      email: seed.email,
      ...(seed.name !== undefined ? { name: seed.name } : {}),
      ...(seed.organization !== undefined ? { organization: seed.organization } : {}),
      google: seed.google ?? true,
      admin: seed.admin === true,
      deleted: seed.deleted === true
    }
    users.set(created.id, created)
    userByEmail.set(norm(created.email), created.id)
    return created
  }

  const mustUser = (email: string): User => {
    const found = user(email)
    if (found === undefined) throw new Error(`google-drive simulator: unknown user ${email}`)
    return found
  }

  const addGroup = (seed: GroupSeed): Group => {
    const created: Group = {
      id: seed.id ?? nextDigits("2"),
      email: seed.email,
      ...(seed.name !== undefined ? { name: seed.name } : {}),
      members: (seed.members ?? []).map((m) => mustUser(m).id)
    }
    groups.set(created.id, created)
    groupByEmail.set(norm(created.email), created.id)
    return created
  }

  const addToken = (seed: TokenSeed): void => {
    const userId = mustUser(seed.user).id
    const fingerprint = createHash("sha256").update(seed.token).digest("hex").slice(0, 12)
    const record: TokenRecord = {
      principal: `user:${userId}/token:${fingerprint}`,
      userId,
      expired: seed.expired === true
    }
    tokens.set(seed.token, record)
    principals.set(record.principal, record)
  }

  const rootOf = (userId: string) => `root-${userId}`

  const show = (r: ItemRecord): Item => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    parents: r.parents.slice(),
    ...(r.drive !== undefined && r.kind !== "drive" ? { drive: r.drive } : {}),
    ...(r.owner !== undefined ? { owner: users.get(r.owner)?.email } : {})
  })

  const newPermission = (fields: Omit<PermissionRecord, "seq">): PermissionRecord => ({ seq: ++seq, ...fields })

  /** The id a grantee's permission has on every item. */
  const permissionIdOf = (
    type: Wire.GranteeType,
    principal: { readonly id?: string; readonly domain?: string; readonly discoverable?: boolean }
  ): string => {
    switch (type) {
      case "user":
      case "group":
        return principal.id ?? ""
      case "domain":
        return `${digitsOf(`domain:${(principal.domain ?? "").toLowerCase()}`, 20)}k`
      case "anyone":
        return principal.discoverable === true ? "anyone" : "anyoneWithLink"
    }
  }

  const addDrive = (seed: DriveSeed): Item => {
    const record: ItemRecord = {
      id: seed.id ?? nextItemId("0A", 19),
      name: seed.name,
      kind: "drive",
      parents: [],
      drive: undefined,
      owner: undefined,
      writersCanShare: true,
      inheritedPermissionsDisabled: false,
      organization: seed.organization,
      domainUsersOnly: seed.domainUsersOnly === true,
      permissions: []
    }
    const withDrive: ItemRecord = { ...record, drive: record.id }
    for (const m of seed.members ?? []) {
      const g = group(m.email)
      const type: Wire.GranteeType = g !== undefined ? "group" : "user"
      const id = g?.id ?? mustUser(m.email).id
      withDrive.permissions.push(
        newPermission({ id, type, role: m.role, emailAddress: g?.email ?? mustUser(m.email).email })
      )
    }
    items.set(withDrive.id, withDrive)
    return show(withDrive)
  }

  const addFile = (seed: FileSeed): Item => {
    const parent = seed.parent !== undefined ? items.get(seed.parent) : undefined
    if (seed.parent !== undefined && (parent === undefined || parent.kind === "file")) {
      throw new Error(`google-drive simulator: ${seed.parent} is not a folder or a drive`)
    }
    const driveId = seed.drive ?? parent?.drive
    const drive = driveId !== undefined ? items.get(driveId) : undefined
    if (driveId !== undefined && drive?.kind !== "drive") {
      throw new Error(`google-drive simulator: unknown shared drive ${driveId}`)
    }
    const ownerId = drive === undefined ? mustUser(seed.owner ?? parent?.owner ?? "").id : undefined
    if (drive !== undefined && seed.owner !== undefined) {
      throw new Error("google-drive simulator: items in shared drives have no owner")
    }
    const record: ItemRecord = {
      id: seed.id ?? nextItemId("1", 33),
      name: seed.name,
      kind: seed.folder === true ? "folder" : "file",
      parents: [parent?.id ?? drive?.id ?? rootOf(ownerId ?? "")],
      drive: drive?.id,
      owner: ownerId,
      writersCanShare: seed.writersCanShare ?? true,
      inheritedPermissionsDisabled: seed.inheritedPermissionsDisabled === true,
      organization: drive?.organization ?? (ownerId !== undefined ? users.get(ownerId)?.organization : undefined),
      domainUsersOnly: false,
      permissions: []
    }
    if (ownerId !== undefined) {
      const owner = users.get(ownerId)
      record.permissions.push(newPermission({ id: ownerId, type: "user", role: "owner", emailAddress: owner?.email }))
    }
    items.set(record.id, record)
    return show(record)
  }

  /** Ancestors from the parent up (folders, then the drive for shared-drive items). */
  const ancestors = (item: ItemRecord): ReadonlyArray<ItemRecord> => {
    const out: Array<ItemRecord> = []
    const seen = new Set<string>([item.id])
    let next = item.parents[0]
    while (next !== undefined && !seen.has(next)) {
      seen.add(next)
      const parent = items.get(next)
      if (parent === undefined) break
      out.push(parent)
      next = parent.parents[0]
    }
    return out
  }

  const expired = (p: PermissionRecord) => {
    if (p.expirationTime === undefined) return false
    const at = Wire.parseDateTime(p.expirationTime)
    return at !== undefined && at <= now()
  }

  /** Drops expired permissions everywhere (Drive removes them when they expire). */
  const sweep = () => {
    for (const item of items.values()) {
      for (let i = item.permissions.length - 1; i >= 0; i--) {
        const p = item.permissions[i]
        if (p !== undefined && expired(p)) item.permissions.splice(i, 1)
      }
    }
  }

  /** Every source of access on an item, grouped by permission id, in first-seen order. */
  const effective = (item: ItemRecord): Map<string, Array<Source>> => {
    sweep()
    const sources: Array<Source> = item.permissions.map((record) => ({
      record,
      from: item,
      inherited: false,
      member: item.kind === "drive"
    }))
    for (const ancestor of ancestors(item)) {
      for (const record of ancestor.permissions) {
        if (record.role === "owner") continue // an owner of a folder is not an owner of what is in it
        const member = ancestor.kind === "drive"
        if (item.inheritedPermissionsDisabled && !(member && record.role === "organizer")) continue
        sources.push({ record, from: ancestor, inherited: true, member })
      }
    }
    const grouped = new Map<string, Array<Source>>()
    for (const s of sources.sort((a, b) => a.record.seq - b.record.seq)) {
      const list = grouped.get(s.record.id) ?? []
      list.push(s)
      grouped.set(s.record.id, list)
    }
    return grouped
  }

  const render = (item: ItemRecord, sources: ReadonlyArray<Source>): Wire.Permission => {
    const direct = sources.find((s) => !s.inherited)
    const main = direct ?? sources[0]!
    const r = main.record
    const best = sources.reduce((a, s) => (Wire.roleRank(s.record.role) > Wire.roleRank(a) ? s.record.role : a), r.role)
    const inDrive = item.drive !== undefined
    const u = r.type === "user" ? users.get(r.id) : undefined
    const g = r.type === "group" ? groups.get(r.id) : undefined
    const displayName = u?.name ?? g?.name ?? (r.type === "domain" ? r.domain : undefined)
    const emailDomain = r.emailAddress?.split("@")[1]
    return {
      kind: "drive#permission",
      id: r.id,
      type: r.type,
      role: best,
      ...(r.emailAddress !== undefined ? { emailAddress: r.emailAddress } : {}),
      ...(r.domain !== undefined ? { domain: r.domain } : emailDomain !== undefined ? { domain: emailDomain } : {}),
      ...(displayName !== undefined ? { displayName } : {}),
      ...(r.allowFileDiscovery !== undefined ? { allowFileDiscovery: r.allowFileDiscovery } : {}),
      ...(r.expirationTime !== undefined ? { expirationTime: r.expirationTime } : {}),
      ...(r.type === "user" || r.type === "group" ? { deleted: u?.deleted ?? false } : {}),
      ...(r.type === "user" ? { pendingOwner: r.pendingOwner === true } : {}),
      permissionDetails: sources.map((s) => ({
        permissionType: s.member ? "member" : "file",
        role: s.record.role,
        ...(s.inherited && inDrive ? { inheritedFrom: s.from.id } : {}),
        inherited: s.inherited
      })),
      ...(item.inheritedPermissionsDisabled ? { inheritedPermissionsDisabled: true } : {})
    }
  }

  const addPermission = (seed: PermissionSeed): Wire.Permission => {
    const item = items.get(seed.file)
    if (item === undefined) throw new Error(`google-drive simulator: unknown item ${seed.file}`)
    const principal =
      seed.type === "user"
        ? addUser({ email: seed.emailAddress ?? "" })
        : seed.type === "group"
          ? group(seed.emailAddress ?? "")
          : undefined
    if (seed.type === "group" && principal === undefined) {
      throw new Error(`google-drive simulator: unknown group ${seed.emailAddress}`)
    }
    const id = permissionIdOf(seed.type, {
      ...(principal !== undefined ? { id: principal.id } : {}),
      ...(seed.domain !== undefined ? { domain: seed.domain } : {}),
      discoverable: seed.allowFileDiscovery === true
    })
    if (item.permissions.some((p) => p.id === id))
      throw new Error(`google-drive simulator: ${id} is already on ${item.id}`)
    item.permissions.push(
      newPermission({
        id,
        type: seed.type,
        role: seed.role,
        ...(principal !== undefined ? { emailAddress: principal.email } : {}),
        ...(seed.domain !== undefined ? { domain: seed.domain } : {}),
        ...(seed.allowFileDiscovery !== undefined ? { allowFileDiscovery: seed.allowFileDiscovery } : {}),
        ...(seed.expirationTime !== undefined ? { expirationTime: seed.expirationTime } : {}),
        ...(seed.pendingOwner !== undefined ? { pendingOwner: seed.pendingOwner } : {})
      })
    )
    return render(item, effective(item).get(id) ?? [])
  }

  const load = (seed: Seed): void => {
    for (const u of seed.users ?? []) addUser(u)
    for (const g of seed.groups ?? []) addGroup(g)
    for (const t of seed.tokens ?? []) addToken(t)
    for (const d of seed.drives ?? []) addDrive(d)
    for (const f of seed.files ?? []) addFile(f)
    for (const p of seed.permissions ?? []) addPermission(p)
  }

  const state: State = {
    addUser,
    addGroup,
    addToken,
    addDrive,
    addFile,
    addPermission,
    load,
    permissions: (fileId) => {
      const item = items.get(fileId)
      return item === undefined ? [] : [...effective(item).values()].map((sources) => render(item, sources))
    },
    item: (id) => {
      const r = items.get(id)
      return r === undefined ? undefined : show(r)
    },
    user,
    group,
    emails: () => emails.slice()
  }

  return {
    state,
    internal: {
      users,
      groups,
      tokens,
      principals,
      items,
      emails,
      user,
      group,
      addUser,
      newPermission,
      permissionIdOf,
      effective,
      render,
      ancestors,
      rootOf
    }
  }
}

type Internal = ReturnType<typeof makeState>["internal"]

/**
 * A Google error envelope: `{error: {code, message, errors: [{domain, reason, message, location?,
 * locationType?}]}}`. Use it for injected faults (`sim.inject({ kind: "status", status: 403, body:
 * Simulator.errorBody(403, "userRateLimitExceeded", "User rate limit exceeded.") })`).
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/google-drive/simulator"
 * Simulator.errorBody(404, "notFound", "File not found: x.", { location: "fileId" }).error.code // 404
 * ```
 */
export const errorBody = (
  status: number,
  reason: string,
  message: string,
  extra: { readonly domain?: string; readonly location?: string; readonly locationType?: string } = {}
) => ({
  error: {
    code: status,
    message,
    errors: [
      {
        domain:
          extra.domain ??
          (reason.endsWith("RateLimitExceeded") && reason !== "sharingRateLimitExceeded" ? "usageLimits" : "global"),
        reason,
        message,
        ...(extra.location !== undefined
          ? { location: extra.location, locationType: extra.locationType ?? "parameter" }
          : {})
      }
    ]
  }
})

const fail = (
  status: number,
  reason: string,
  message: string,
  extra?: { readonly domain?: string; readonly location?: string; readonly locationType?: string }
): SimulatorKit.SimResponse => ({ status, body: errorBody(status, reason, message, extra) })

const errors = {
  loginRequired: () => fail(401, "required", "Login Required.", { location: "Authorization", locationType: "header" }),
  invalidCredentials: () =>
    fail(401, "authError", "Invalid Credentials", { location: "Authorization", locationType: "header" }),
  fileNotFound: (id: string) => fail(404, "notFound", `File not found: ${id}.`, { location: "fileId" }),
  permissionNotFound: (id: string) =>
    fail(404, "notFound", `Permission not found: ${id}.`, { location: "permissionId" }),
  routeNotFound: () => fail(404, "notFound", "Not Found"),
  badRequest: (message: string, location?: string) =>
    fail(400, "badRequest", message, location !== undefined ? { location } : {}),
  invalid: (name: string) => fail(400, "invalid", "Invalid Value", { location: name }),
  invalidParameter: (name: string, message: string) => fail(400, "invalidParameter", message, { location: name }),
  parseError: () => fail(400, "parseError", "Invalid JSON payload received."),
  forbidden: (message: string) => fail(403, "forbidden", message),
  refused: (reason: string, message: string) => fail(403, reason, message),
  insufficient: () =>
    fail(403, "insufficientFilePermissions", "The user does not have sufficient permissions for this file."),
  notAdmin: () =>
    fail(
      403,
      "insufficientAdministratorPrivileges",
      "The user does not have sufficient administrator privileges for this domain."
    ),
  invalidSharingRequest: (message: string) =>
    fail(400, "invalidSharingRequest", `Bad Request. User message: "${message}"`),
  rateLimited: (status: 403 | 429) =>
    status === 429
      ? fail(429, "rateLimitExceeded", "Rate Limit Exceeded")
      : fail(403, "userRateLimitExceeded", "User Rate Limit Exceeded")
}

/** Parses a `fields` selector: `a,b,c(d,e)`; `*` selects everything. Undefined when malformed. */
const parseFields = (text: string): Map<string, Map<string, unknown> | true> | undefined => {
  const out = new Map<string, Map<string, unknown> | true>()
  let i = 0
  const parseList = (target: Map<string, Map<string, unknown> | true>, nested: boolean): boolean => {
    while (i < text.length) {
      const start = i
      while (i < text.length && /[A-Za-z0-9_*/]/.test(text[i] ?? "")) i++
      const name = text.slice(start, i).trim()
      if (name === "") return false
      if (text[i] === "(") {
        i++
        const sub = new Map<string, Map<string, unknown> | true>()
        if (!parseList(sub, true)) return false
        if (text[i] !== ")") return false
        i++
        target.set(name, sub as Map<string, unknown>)
      } else target.set(name, true)
      if (text[i] === ",") {
        i++
        continue
      }
      if (text[i] === ")" && nested) return true
      if (i >= text.length) return true
      return false
    }
    return !nested
  }
  return parseList(out, false) && i === text.length ? out : undefined
}

const pick = (value: Record<string, unknown>, names: ReadonlyArray<string> | "all") =>
  names === "all" ? value : Object.fromEntries(Object.entries(value).filter(([k]) => names.includes(k)))

const routes = (s: Internal, now: () => number): ReadonlyArray<SimulatorKit.Route> => {
  const caller = (req: SimulatorKit.SimRequest) => s.users.get(s.principals.get(req.principal)?.userId ?? "")

  const flagOf = (req: SimulatorKit.SimRequest, name: string): boolean | SimulatorKit.SimResponse => {
    const v = req.query.get(name)
    if (v === null) return false
    if (v === "true") return true
    if (v === "false") return false
    return errors.invalid(name)
  }

  /** The roles that reach a user on an item: direct, through a group, inherited; `anyone` / domain grants included. */
  const accessOf = (item: ItemRecord, userId: string) => {
    const u = s.users.get(userId)
    const emailDomain = u?.email.split("@")[1]?.toLowerCase()
    let best: Wire.Role | undefined
    let expires = false
    for (const sources of s.effective(item).values()) {
      for (const src of sources) {
        const r = src.record
        const reaches =
          (r.type === "user" && r.id === userId) ||
          (r.type === "group" && (s.groups.get(r.id)?.members.includes(userId) ?? false)) ||
          (r.type === "domain" &&
            (r.domain?.toLowerCase() === u?.organization?.toLowerCase() || r.domain?.toLowerCase() === emailDomain)) ||
          r.type === "anyone"
        if (!reaches) continue
        if (best === undefined || Wire.roleRank(r.role) > Wire.roleRank(best)) {
          best = r.role
          expires = r.expirationTime !== undefined
        }
      }
    }
    return { role: best, expires }
  }

  type Resolved = { readonly item: ItemRecord; readonly admin: boolean }

  /** The item, visible to the caller (`supportsAllDrives`, access or domain admin access). */
  const resolve = (req: SimulatorKit.SimRequest): Resolved | SimulatorKit.SimResponse => {
    const fileId = req.params.fileId ?? ""
    const item = s.items.get(fileId)
    if (item === undefined) return errors.fileNotFound(fileId)
    const all = flagOf(req, "supportsAllDrives")
    if (typeof all !== "boolean") return all
    const adminAccess = flagOf(req, "useDomainAdminAccess")
    if (typeof adminAccess !== "boolean") return adminAccess
    if (item.drive !== undefined && !all) return errors.fileNotFound(fileId)
    const me = caller(req)
    if (adminAccess) {
      if (me?.admin !== true || me.organization === undefined || me.organization !== item.organization) {
        return errors.notAdmin()
      }
      if (item.kind === "drive") return { item, admin: true }
    }
    if (accessOf(item, me?.id ?? "").role === undefined) return errors.fileNotFound(fileId)
    return { item, admin: false }
  }

  /** Write access: who may change the permissions of the item. */
  const mayShare = (r: Resolved, req: SimulatorKit.SimRequest): SimulatorKit.SimResponse | undefined => {
    if (r.admin) return undefined
    const { role, expires } = accessOf(r.item, caller(req)?.id ?? "")
    if (role === undefined) return errors.insufficient()
    if (r.item.kind === "drive") return role === "organizer" ? undefined : errors.insufficient()
    if (r.item.drive !== undefined) {
      return role === "organizer" || role === "fileOrganizer" || role === "writer" ? undefined : errors.insufficient()
    }
    if (expires) return errors.insufficient()
    if (role === "owner") return undefined
    return role === "writer" && r.item.writersCanShare ? undefined : errors.insufficient()
  }

  /** The `fields` selection of a permission answer (list: the `permissions(...)` part). */
  const selection = (
    req: SimulatorKit.SimRequest,
    list: boolean
  ):
    | { readonly top: ReadonlyArray<string> | "all"; readonly each: ReadonlyArray<string> | "all" }
    | SimulatorKit.SimResponse => {
    const text = req.query.get("fields")
    if (text === null || text === "") {
      return list
        ? { top: ["kind", "nextPageToken", "permissions"], each: defaultFields }
        : { top: "all", each: defaultFields }
    }
    const parsed = parseFields(text)
    if (parsed === undefined) return errors.invalidParameter("fields", `Invalid field selection ${text}`)
    const check = (names: Iterable<string>, known: ReadonlySet<string>): string | undefined => {
      for (const n of names) if (n !== "*" && !known.has(n)) return n
      return undefined
    }
    const fieldsOf = (m: Map<string, unknown>): ReadonlyArray<string> | "all" => (m.has("*") ? "all" : [...m.keys()])
    if (!list) {
      const bad = check(parsed.keys(), permissionFieldNames)
      if (bad !== undefined) return errors.invalidParameter("fields", `Invalid field selection ${bad}`)
      for (const [k, v] of parsed) {
        if (v !== true && k !== "permissionDetails" && k !== "teamDrivePermissionDetails") {
          return errors.invalidParameter("fields", `Invalid field selection ${k}`)
        }
      }
      return { top: "all", each: fieldsOf(parsed) }
    }
    const bad = check(parsed.keys(), new Set(["kind", "nextPageToken", "permissions"]))
    if (bad !== undefined) return errors.invalidParameter("fields", `Invalid field selection ${bad}`)
    const sub = parsed.get("permissions")
    let each: ReadonlyArray<string> | "all" = sub === true || parsed.has("*") ? "all" : []
    if (sub instanceof Map) {
      const badSub = check(sub.keys(), permissionFieldNames)
      if (badSub !== undefined)
        return errors.invalidParameter("fields", `Invalid field selection permissions(${badSub})`)
      each = fieldsOf(sub)
    }
    return { top: fieldsOf(parsed), each }
  }

  const selected = (permission: Wire.Permission, each: ReadonlyArray<string> | "all") =>
    pick(permission as unknown as Record<string, unknown>, each)

  const encodeToken = (fileId: string, offset: number) => Buffer.from(`${fileId}:${offset}`).toString("base64url")
  const decodeToken = (token: string, fileId: string): number | undefined => {
    const m = /^(.+):(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"))
    return m === null || m[1] !== fileId ? undefined : Number(m[2])
  }

  const list: SimulatorKit.Route = {
    method: "GET",
    pattern: "/files/:fileId/permissions",
    handle: (req) => {
      const r = resolve(req)
      if (!("item" in r)) return r
      const sel = selection(req, true)
      if (!("top" in sel)) return sel
      const sizeText = req.query.get("pageSize")
      let size = r.item.drive !== undefined ? 100 : Number.POSITIVE_INFINITY
      if (sizeText !== null) {
        const n = Number(sizeText)
        if (!/^\d+$/.test(sizeText) || n < 1 || n > 100) return errors.invalid("pageSize")
        size = n
      }
      const view = req.query.get("includePermissionsForView")
      if (view !== null && view !== "published") return errors.invalid("includePermissionsForView")
      const token = req.query.get("pageToken")
      let offset = 0
      if (token !== null && token !== "") {
        const decoded = decodeToken(token, r.item.id)
        if (decoded === undefined) return errors.invalid("pageToken")
        offset = decoded
      }
      const all = [...s.effective(r.item).values()].map((sources) => s.render(r.item, sources))
      const page = all.slice(offset, offset + size)
      const next = offset + size < all.length ? encodeToken(r.item.id, offset + size) : undefined
      const body: Record<string, unknown> = {
        kind: "drive#permissionList",
        ...(next !== undefined ? { nextPageToken: next } : {}),
        permissions: page.map((p) => selected(p, sel.each))
      }
      return { status: 200, body: pick(body, sel.top) }
    }
  }

  const findPermission = (item: ItemRecord, permissionId: string) => {
    const sources = s.effective(item).get(permissionId)
    return sources === undefined || sources.length === 0 ? undefined : sources
  }

  const answer = (req: SimulatorKit.SimRequest, item: ItemRecord, permissionId: string) => {
    const sel = selection(req, false)
    if (!("top" in sel)) return sel
    const sources = findPermission(item, permissionId)
    if (sources === undefined) return errors.permissionNotFound(permissionId)
    return { status: 200, body: selected(s.render(item, sources), sel.each) }
  }

  const get: SimulatorKit.Route = {
    method: "GET",
    pattern: "/files/:fileId/permissions/:permissionId",
    handle: (req) => {
      const r = resolve(req)
      if (!("item" in r)) return r
      const sel = selection(req, false)
      if (!("top" in sel)) return sel
      return answer(req, r.item, req.params.permissionId ?? "")
    }
  }

  /** Expiration rules shared by create and update; `undefined` when fine. */
  const expirationProblem = (
    item: ItemRecord,
    type: Wire.GranteeType,
    role: Wire.Role,
    text: unknown
  ): SimulatorKit.SimResponse | undefined => {
    if (typeof text !== "string") return errors.badRequest("Invalid value for expirationTime.", "expirationTime")
    const at = Wire.parseDateTime(text)
    if (at === undefined) return errors.badRequest(`Invalid value for expirationTime: ${text}`, "expirationTime")
    if (type === "domain" || type === "anyone") {
      return errors.refused(
        "cannotSetExpirationOnAnyoneOrDomain",
        "Expiration dates cannot be set on anyone or domain permissions."
      )
    }
    if (item.kind === "drive") {
      return errors.refused(
        "expirationDateNotAllowedForSharedDriveMembers",
        "Expiration dates are not allowed for shared drive members."
      )
    }
    if (item.drive === undefined && item.kind === "folder" && role === "writer") {
      return errors.refused("cannotSetExpiration", "Expiration dates cannot be set on this item.")
    }
    if (at <= now())
      return errors.refused("expirationDatesMustBeInTheFuture", "Expiration dates must be in the future.")
    if (at > Wire.maxExpiration(now())) {
      return errors.badRequest("The expiration date cannot be more than a year in the future.", "expirationTime")
    }
    return undefined
  }

  /** Role rules that depend on where the item is. */
  const roleProblem = (item: ItemRecord, role: Wire.Role): SimulatorKit.SimResponse | undefined => {
    if (role === "organizer" && item.kind !== "drive") {
      return item.drive !== undefined
        ? errors.refused(
            "organizerOnNonTeamDriveItemNotSupported",
            "The organizer role is only supported on shared drives themselves."
          )
        : errors.refused(
            "organizerOnNonTeamDriveNotSupported",
            "The organizer role is not supported outside shared drives."
          )
    }
    if (role === "fileOrganizer" && item.kind === "file") {
      return item.drive !== undefined
        ? errors.refused(
            "fileOrganizerOnFoldersInSharedDriveOnly",
            "The fileOrganizer role is only supported on shared drives and their folders."
          )
        : errors.refused(
            "fileOrganizerOnNonTeamDriveNotSupported",
            "The fileOrganizer role is not supported outside shared drives."
          )
    }
    if (role === "fileOrganizer" && item.drive === undefined) {
      return errors.refused(
        "fileOrganizerOnNonTeamDriveNotSupported",
        "The fileOrganizer role is not supported outside shared drives."
      )
    }
    if (role === "owner" && item.drive !== undefined) {
      return errors.refused("ownerOnTeamDriveItemNotSupported", "Items in shared drives cannot have an owner.")
    }
    return undefined
  }

  const transferWithoutFlag = () =>
    errors.forbidden("The transferOwnership parameter must be enabled when the permission role is 'owner'.")

  /**
   * Makes `target` the owner of a My Drive item: checks the caller is the owner (or the consenting
   * pending owner), the organizations, and consent; demotes the old owner to writer.
   */
  const transfer = (
    req: SimulatorKit.SimRequest,
    item: ItemRecord,
    target: User,
    existing: PermissionRecord | undefined,
    moveToRoot: boolean
  ): SimulatorKit.SimResponse | undefined => {
    const me = caller(req)
    const oldOwner = item.owner !== undefined ? s.users.get(item.owner) : undefined
    if (oldOwner === undefined || me === undefined) return errors.insufficient()
    if (target.id === oldOwner.id) return undefined
    const consenting = me.id === target.id && existing?.pendingOwner === true
    if (me.id !== oldOwner.id && !consenting) return errors.insufficient()
    if (oldOwner.organization !== undefined || target.organization !== undefined) {
      if (oldOwner.organization !== target.organization) {
        return errors.refused(
          "ownershipChangeAcrossDomainNotPermitted",
          "Ownership can only be transferred to another user in the same organization as the current owner."
        )
      }
    } else if (!consenting) {
      return errors.refused(
        "consentRequiredForOwnershipTransfer",
        "Consent is required to transfer ownership of a file to another user."
      )
    }
    const ownerRecord = item.permissions.find((p) => p.role === "owner")
    if (ownerRecord !== undefined) ownerRecord.role = "writer"
    if (existing !== undefined) {
      existing.role = "owner"
      existing.pendingOwner = false
      existing.expirationTime = undefined
    } else {
      item.permissions.push(s.newPermission({ id: target.id, type: "user", role: "owner", emailAddress: target.email }))
    }
    item.owner = target.id
    if (moveToRoot) item.parents = [s.rootOf(target.id)]
    s.emails.push({ kind: "ownershipTransferred", to: oldOwner.email, from: target.email, file: item.id })
    if (!consenting) s.emails.push({ kind: "share", to: target.email, from: oldOwner.email, file: item.id })
    return undefined
  }

  const create: SimulatorKit.Route = {
    method: "POST",
    pattern: "/files/:fileId/permissions",
    handle: (req) => {
      const r = resolve(req)
      if (!("item" in r)) return r
      const sel = selection(req, false)
      if (!("top" in sel)) return sel
      const flags: Record<string, boolean> = {}
      for (const name of ["transferOwnership", "moveToNewOwnersRoot", "enforceExpansiveAccess"]) {
        const v = flagOf(req, name)
        if (typeof v !== "boolean") return v
        flags[name] = v
      }
      const notifyText = req.query.get("sendNotificationEmail")
      if (notifyText !== null && notifyText !== "true" && notifyText !== "false") {
        return errors.invalid("sendNotificationEmail")
      }
      const body = req.body
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        return errors.badRequest("The permission type field is required.", "permission.type")
      }
      const record = body as Record<string, unknown>
      for (const key of Object.keys(record)) {
        if (!bodyFields.has(key)) {
          return errors.badRequest(`The field ${key} cannot be set when creating a permission.`, `permission.${key}`)
        }
      }
      const { type, role, emailAddress, domain, allowFileDiscovery, expirationTime, pendingOwner } = record
      if (type === undefined) return errors.badRequest("The permission type field is required.", "permission.type")
      if (typeof type !== "string" || !(Wire.GranteeType.literals as ReadonlyArray<string>).includes(type)) {
        return errors.badRequest(`Invalid permission type: ${String(type)}`, "permission.type")
      }
      if (role === undefined) return errors.badRequest("The permission role field is required.", "permission.role")
      if (typeof role !== "string" || !Wire.isKnownRole(role)) {
        return errors.badRequest(`Invalid permission role: ${String(role)}`, "permission.role")
      }
      const t = type as Wire.GranteeType
      const person = t === "user" || t === "group"
      if (person && (typeof emailAddress !== "string" || emailAddress === "")) {
        return errors.badRequest("The permission emailAddress field is required.", "permission.emailAddress")
      }
      if (person && !/^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/.test(emailAddress as string)) {
        return errors.badRequest(`Invalid email address: ${String(emailAddress)}`, "permission.emailAddress")
      }
      if (t === "domain" && (typeof domain !== "string" || domain === "")) {
        return errors.badRequest("The permission domain field is required.", "permission.domain")
      }
      if (!person && emailAddress !== undefined) {
        return errors.badRequest("emailAddress is only for user and group permissions.", "permission.emailAddress")
      }
      if (allowFileDiscovery !== undefined && (typeof allowFileDiscovery !== "boolean" || person)) {
        return errors.badRequest(
          "allowFileDiscovery is only for domain and anyone permissions.",
          "permission.allowFileDiscovery"
        )
      }
      if (pendingOwner !== undefined && typeof pendingOwner !== "boolean") {
        return errors.badRequest("Invalid value for pendingOwner.", "permission.pendingOwner")
      }
      if (!person && notifyText === "true") {
        return errors.badRequest(
          "Notification emails cannot be sent for domain or anyone permissions.",
          "sendNotificationEmail"
        )
      }
      const item = r.item
      const denied = mayShare(r, req)
      if (denied !== undefined) return denied
      const roleRefused = roleProblem(item, role)
      if (roleRefused !== undefined) return roleRefused
      if (role === "owner" && t !== "user") {
        return errors.badRequest("Only a user can be the owner of an item.", "permission.role")
      }
      if (role === "owner" && !flags.transferOwnership) return transferWithoutFlag()
      if (role === "owner" && notifyText === "false") {
        return errors.badRequest(
          "sendNotificationEmail cannot be false for an ownership transfer.",
          "sendNotificationEmail"
        )
      }
      if (flags.moveToNewOwnersRoot && role !== "owner") {
        return errors.badRequest("moveToNewOwnersRoot is only for ownership transfers.", "moveToNewOwnersRoot")
      }
      if (!person && item.kind === "drive") {
        return errors.refused(
          "cannotShareTeamDriveTopFolderWithAnyoneOrDomains",
          "Shared drives cannot be shared with anyone or domains."
        )
      }
      if (expirationTime !== undefined) {
        const problem = expirationProblem(item, t, role, expirationTime)
        if (problem !== undefined) return problem
      }
      // the grantee
      let principal: User | Group | undefined
      if (t === "group") {
        principal = s.group(emailAddress as string)
        if (principal === undefined) {
          return errors.invalidSharingRequest(`${String(emailAddress)} is not a valid group.`)
        }
      } else if (t === "user") {
        principal = s.user(emailAddress as string)
        if ((principal === undefined || !(principal as User).google) && item.drive !== undefined) {
          return errors.refused(
            "cannotShareTeamDriveWithNonGoogleAccounts",
            "Shared drive items cannot be shared with accounts that are not Google accounts."
          )
        }
      }
      const organization = item.organization?.toLowerCase()
      if (item.drive !== undefined && s.items.get(item.drive)?.domainUsersOnly === true) {
        const outside =
          t === "anyone" ||
          (t === "domain" && (domain as string).toLowerCase() !== organization) ||
          (t === "user" && (principal as User | undefined)?.organization?.toLowerCase() !== organization) ||
          (t === "group" && (emailAddress as string).split("@")[1]?.toLowerCase() !== organization)
        if (outside) {
          return errors.refused(
            "teamDriveDomainUsersOnlyRestriction",
            "This shared drive can only be shared with users of its organization."
          )
        }
      }
      if (pendingOwner === true) {
        if (t !== "user")
          return errors.badRequest("pendingOwner is only for user permissions.", "permission.pendingOwner")
        if (item.drive !== undefined) {
          return errors.badRequest("pendingOwner is not supported on shared drive items.", "permission.pendingOwner")
        }
        if (role !== "writer") {
          return errors.refused("pendingOwnerWriterRequired", "The pending owner must be a writer.")
        }
      }
      const me = caller(req)
      if (t === "user" && principal === undefined) {
        principal = s.addUser({ email: emailAddress as string, google: false })
      }
      const id = s.permissionIdOf(t, {
        ...(principal !== undefined ? { id: principal.id } : {}),
        ...(typeof domain === "string" ? { domain } : {}),
        discoverable: allowFileDiscovery === true
      })
      const existing = item.permissions.find((p) => p.id === id)
      if (role === "owner") {
        const refused = transfer(req, item, principal as User, existing, flags.moveToNewOwnersRoot === true)
        if (refused !== undefined) return refused
      } else if (existing !== undefined) {
        if (existing.role === "owner") {
          return errors.refused("invalidOwnershipTransfer", "The owner's role cannot be changed this way.")
        }
        existing.role = role
        if (typeof expirationTime === "string") existing.expirationTime = expirationTime
        if (typeof pendingOwner === "boolean") existing.pendingOwner = pendingOwner
      } else {
        item.permissions.push(
          s.newPermission({
            id,
            type: t,
            role,
            ...(principal !== undefined ? { emailAddress: principal.email } : {}),
            ...(typeof domain === "string" ? { domain } : {}),
            ...(typeof allowFileDiscovery === "boolean" ? { allowFileDiscovery } : {}),
            ...(typeof expirationTime === "string" ? { expirationTime } : {}),
            ...(pendingOwner === true ? { pendingOwner: true } : {})
          })
        )
      }
      const message = req.query.get("emailMessage") ?? undefined
      if (person && role !== "owner" && notifyText !== "false" && principal !== undefined) {
        const recipients =
          t === "user" ? [principal.email] : (principal as Group).members.map((m) => s.users.get(m)?.email ?? "")
        for (const to of recipients) {
          s.emails.push({
            kind: pendingOwner === true ? "ownershipOffer" : "share",
            to,
            from: me?.email ?? "",
            file: item.id,
            ...(message !== undefined ? { message } : {})
          })
        }
      } else if (pendingOwner === true && principal !== undefined) {
        s.emails.push({ kind: "ownershipOffer", to: principal.email, from: me?.email ?? "", file: item.id })
      }
      return answer(req, item, id)
    }
  }

  const update: SimulatorKit.Route = {
    method: "PATCH",
    pattern: "/files/:fileId/permissions/:permissionId",
    handle: (req) => {
      const r = resolve(req)
      if (!("item" in r)) return r
      const sel = selection(req, false)
      if (!("top" in sel)) return sel
      const flags: Record<string, boolean> = {}
      for (const name of ["transferOwnership", "removeExpiration", "enforceExpansiveAccess"]) {
        const v = flagOf(req, name)
        if (typeof v !== "boolean") return v
        flags[name] = v
      }
      const body = req.body ?? {}
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        return errors.badRequest("The request body must be a Permission.")
      }
      const item = r.item
      const permissionId = req.params.permissionId ?? ""
      const sources = findPermission(item, permissionId)
      if (sources === undefined) return errors.permissionNotFound(permissionId)
      const direct = sources.find((src) => !src.inherited)
      const record = body as Record<string, unknown>
      for (const key of Object.keys(record)) {
        if (patchFields.has(key)) continue
        if (key === "type" && record.type === direct?.record.type) continue
        return errors.badRequest(`The field ${key} cannot be changed by an update.`, `permission.${key}`)
      }
      const { role, expirationTime, pendingOwner } = record
      if (role !== undefined && (typeof role !== "string" || !Wire.isKnownRole(role))) {
        return errors.badRequest(`Invalid permission role: ${String(role)}`, "permission.role")
      }
      if (pendingOwner !== undefined && typeof pendingOwner !== "boolean") {
        return errors.badRequest("Invalid value for pendingOwner.", "permission.pendingOwner")
      }
      if (expirationTime !== undefined && flags.removeExpiration) {
        return errors.badRequest("expirationTime and removeExpiration cannot be combined.", "removeExpiration")
      }
      const me = caller(req)
      const target = direct?.record
      const selfConsent =
        role === "owner" && target?.type === "user" && target.id === me?.id && target.pendingOwner === true
      if (!selfConsent) {
        const denied = mayShare(r, req)
        if (denied !== undefined) return denied
      }
      if (target === undefined) {
        return item.drive !== undefined
          ? errors.refused(
              "cannotModifyInheritedTeamDrivePermission",
              "Inherited permissions cannot be changed on an item in a shared drive; change them where they are inherited from."
            )
          : errors.refused("cannotModifyInheritedPermission", "Inherited permissions cannot be changed on this item.")
      }
      const newRole = (role as Wire.Role | undefined) ?? target.role
      if (role !== undefined) {
        const refused = roleProblem(item, newRole)
        if (refused !== undefined) return refused
      }
      if (role === "owner" && !flags.transferOwnership) return transferWithoutFlag()
      if (target.role === "owner" && role !== undefined && role !== "owner") {
        return errors.refused(
          "invalidOwnershipTransfer",
          "The owner's role cannot be lowered; transfer ownership to another user instead."
        )
      }
      if (role === "owner" && target.type !== "user") {
        return errors.badRequest("Only a user can be the owner of an item.", "permission.role")
      }
      if (expirationTime !== undefined) {
        const problem = expirationProblem(item, target.type, newRole, expirationTime)
        if (problem !== undefined) return problem
      }
      const pending = (pendingOwner as boolean | undefined) ?? target.pendingOwner === true
      if (pendingOwner === true) {
        if (target.type !== "user" || item.drive !== undefined) {
          return errors.badRequest(
            "pendingOwner is only for user permissions outside shared drives.",
            "permission.pendingOwner"
          )
        }
        if (newRole !== "writer")
          return errors.refused("pendingOwnerWriterRequired", "The pending owner must be a writer.")
      }
      if (role === "owner" && target.role !== "owner") {
        const targetUser = s.users.get(target.id)
        if (targetUser === undefined) return errors.insufficient()
        const refused = transfer(req, item, targetUser, target, false)
        if (refused !== undefined) return refused
        return answer(req, item, permissionId)
      }
      target.role = newRole
      if (typeof expirationTime === "string") target.expirationTime = expirationTime
      if (flags.removeExpiration) target.expirationTime = undefined
      if (target.type === "user") {
        const offered = pendingOwner === true && target.pendingOwner !== true
        target.pendingOwner = pending && newRole === "writer"
        if (offered)
          s.emails.push({ kind: "ownershipOffer", to: target.emailAddress ?? "", from: me?.email ?? "", file: item.id })
      }
      return answer(req, item, permissionId)
    }
  }

  const remove: SimulatorKit.Route = {
    method: "DELETE",
    pattern: "/files/:fileId/permissions/:permissionId",
    handle: (req) => {
      const r = resolve(req)
      if (!("item" in r)) return r
      const flag = flagOf(req, "enforceExpansiveAccess")
      if (typeof flag !== "boolean") return flag
      const item = r.item
      const permissionId = req.params.permissionId ?? ""
      const sources = findPermission(item, permissionId)
      if (sources === undefined) return errors.permissionNotFound(permissionId)
      const direct = sources.find((src) => !src.inherited)
      const me = caller(req)
      const self = direct?.record.type === "user" && direct.record.id === me?.id
      if (!self) {
        const denied = mayShare(r, req)
        if (denied !== undefined) return denied
      }
      if (direct === undefined) {
        return item.drive !== undefined
          ? errors.refused(
              "cannotModifyInheritedTeamDrivePermission",
              "Inherited permissions cannot be removed from an item in a shared drive; remove them where they are inherited from."
            )
          : errors.refused("cannotModifyInheritedPermission", "Inherited permissions cannot be removed from this item.")
      }
      if (direct.record.role === "owner")
        return errors.refused("cannotRemoveOwner", "The owner of an item cannot be removed.")
      item.permissions.splice(item.permissions.indexOf(direct.record), 1)
      return { status: 204 }
    }
  }

  return [list, get, create, update, remove]
}

const secretParams = ["access_token", "oauth_token", "key"]

const scrubQuery = (query: string): string => {
  if (query === "") return query
  const params = new URLSearchParams(query)
  let changed = false
  for (const name of secretParams) {
    if (params.has(name)) {
      params.set(name, "<redacted>")
      changed = true
    }
  }
  return changed ? `?${params.toString()}` : query
}

/**
 * Starts a simulator on loopback (Promise API). Its `url` is the API base,
 * `http://127.0.0.1:PORT/drive/v3`.
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/google-drive/simulator"
 * const sim = await Simulator.start({ seed: Simulator.demoSeed })
 * await sim.close()
 * ```
 */
export const start = async (options: Options = {}): Promise<Simulator> => {
  const now = options.now ?? Date.now
  const { state, internal } = makeState(now)
  if (options.seed !== undefined) state.load(options.seed)
  const rateLimit = options.rateLimit
  const running = await SimulatorKit.start({
    name: "google-drive",
    basePath: "/drive/v3",
    routes: routes(internal, now),
    now,
    ...(options.port !== undefined ? { port: options.port } : {}),
    authenticate: (req) => {
      const header = req.headers.authorization
      if (header === undefined || header === "") return { ok: false, response: errors.loginRequired() }
      const m = /^Bearer\s+(\S+)$/i.exec(header)
      const token = m?.[1] === undefined ? undefined : internal.tokens.get(m[1])
      if (token === undefined || token.expired) return { ok: false, response: errors.invalidCredentials() }
      return { ok: true, principal: token.principal, scheme: "bearer" }
    },
    notFound: () => errors.routeNotFound(),
    badJson: () => errors.parseError(),
    ...(rateLimit !== undefined
      ? {
          rateLimit: {
            requests: rateLimit.requests,
            windowMillis: rateLimit.windowMillis,
            reject: () => errors.rateLimited(rateLimit.status ?? 403)
          }
        }
      : {})
  })
  return {
    ...running,
    log: () => running.log().map((entry) => ({ ...entry, query: scrubQuery(entry.query) })),
    ...state
  }
}

/**
 * `start` as a scoped Effect: the server closes with the scope.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Simulator from "@unishare/google-drive/simulator"
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
 * The access tokens of `demoSeed` (the same name in every adapter's simulator): `owner` (Olivia
 * Owner, owner of the My Drive demo items and organizer of the Finance shared drive), `ada` (a
 * writer), `admin` (a Workspace admin of example.com, for `useDomainAdminAccess`), and the two
 * consumer accounts `alice` and `bob` (for the two-step ownership transfer).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Client } from "@unishare/google-drive"
 * import * as Simulator from "@unishare/google-drive/simulator"
 * const sim = await Simulator.start({ seed: Simulator.demoSeed })
 * const config: Client.Config = { credentials: Redacted.make(Simulator.demoCredentials.owner), baseUrl: sim.url }
 * ```
 */
export const demoCredentials = {
  owner: "sim-drive-owner-token",
  ada: "sim-drive-ada-token",
  admin: "sim-drive-admin-token",
  alice: "sim-drive-alice-token",
  bob: "sim-drive-bob-token"
} as const

/**
 * The ids of `demoSeed`'s items, for tests and examples.
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/google-drive/simulator"
 * Simulator.demoIds.financeDrive // "0AFinanceDriveUk9PVA"
 * ```
 */
export const demoIds = {
  projects: "1ProjectsFolderAAAAAAAAAAAAAAAAAA",
  plan: "1PlanDocumentBBBBBBBBBBBBBBBBBBBBB",
  budget: "1BudgetSheetCCCCCCCCCCCCCCCCCCCCC",
  financeDrive: "0AFinanceDriveUk9PVA",
  reports: "1ReportsFolderDDDDDDDDDDDDDDDDDDDD",
  q3: "1Q3ReportEEEEEEEEEEEEEEEEEEEEEEEEE",
  photos: "1HolidayPhotosFFFFFFFFFFFFFFFFFFFF"
} as const

/**
 * Realistic demo data: the example.com organization (Olivia Owner, Ada, Grace, an admin), a
 * partner-organization user, two consumer accounts, the Finance group; in My Drive a "Projects"
 * folder holding "Plan" and a standalone "Budget" sheet; a "Finance" shared drive with a
 * "Reports" folder and a "Q3 report"; and a consumer's "Holiday photos". The package README lists
 * its ids; `demoCredentials` reach it.
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/google-drive/simulator"
 * const sim = await Simulator.start({ seed: Simulator.demoSeed })
 * ```
 */
export const demoSeed: Seed = {
  users: [
    { id: "10000000000000000001", email: "owner@example.com", name: "Olivia Owner", organization: "example.com" },
    { id: "10000000000000000002", email: "ada@example.com", name: "Ada Lovelace", organization: "example.com" },
    { id: "10000000000000000003", email: "grace@example.com", name: "Grace Hopper", organization: "example.com" },
    {
      id: "10000000000000000004",
      email: "admin@example.com",
      name: "Workspace Admin",
      organization: "example.com",
      admin: true
    },
    {
      id: "10000000000000000005",
      email: "linus@partner.example",
      name: "Linus Partner",
      organization: "partner.example"
    },
    { id: "10000000000000000006", email: "alice.consumer@gmail.com", name: "Alice Consumer" },
    { id: "10000000000000000007", email: "bob.consumer@gmail.com", name: "Bob Consumer" }
  ],
  groups: [
    {
      id: "20000000000000000001",
      email: "finance@example.com",
      name: "Finance",
      members: ["ada@example.com", "grace@example.com"]
    }
  ],
  tokens: [
    { token: demoCredentials.owner, user: "owner@example.com" },
    { token: demoCredentials.ada, user: "ada@example.com" },
    { token: demoCredentials.admin, user: "admin@example.com" },
    { token: demoCredentials.alice, user: "alice.consumer@gmail.com" },
    { token: demoCredentials.bob, user: "bob.consumer@gmail.com" }
  ],
  drives: [
    {
      id: demoIds.financeDrive,
      name: "Finance",
      organization: "example.com",
      members: [
        { email: "owner@example.com", role: "organizer" },
        { email: "finance@example.com", role: "writer" }
      ]
    }
  ],
  files: [
    { id: demoIds.projects, name: "Projects", folder: true, owner: "owner@example.com" },
    { id: demoIds.plan, name: "Plan", parent: demoIds.projects },
    { id: demoIds.budget, name: "Budget", owner: "owner@example.com" },
    { id: demoIds.reports, name: "Reports", folder: true, drive: demoIds.financeDrive },
    { id: demoIds.q3, name: "Q3 report", parent: demoIds.reports },
    { id: demoIds.photos, name: "Holiday photos", owner: "alice.consumer@gmail.com" }
  ],
  permissions: [
    { file: demoIds.projects, type: "user", role: "writer", emailAddress: "ada@example.com" },
    { file: demoIds.budget, type: "group", role: "commenter", emailAddress: "finance@example.com" },
    { file: demoIds.budget, type: "anyone", role: "reader", allowFileDiscovery: false },
    { file: demoIds.reports, type: "user", role: "reader", emailAddress: "linus@partner.example" },
    { file: demoIds.photos, type: "user", role: "writer", emailAddress: "bob.consumer@gmail.com" }
  ]
}
