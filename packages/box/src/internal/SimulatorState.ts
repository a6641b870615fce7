/**
 * The state of the Box simulator: users, groups, tokens, the folder tree with its files and
 * collaborations, and the rules the routes apply to it — waterfall access (ownership, else the best
 * accepted collaboration on the item or a folder above it), the status a new invitation starts
 * with, automatic removal at `expires_at`, and how a collaboration is rendered as Box's JSON
 * (pending: no item and the invitee's name redacted; `fields`: the mini representation plus the
 * fields named). `Simulator.ts` serves it over HTTP.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import type {
  CollaborationSeed,
  GroupSeed,
  Notification,
  Seed,
  Settings,
  State,
  TokenSeed,
  UserSeed
} from "../SimulatorSeed.ts"
import type * as Wire from "../Wire.ts"

export type ItemType = "file" | "folder"
export type Grantee =
  | { readonly type: "user"; readonly id: string }
  | { readonly type: "group"; readonly id: string }
  | { readonly type: "email"; readonly email: string }

export interface UserRecord {
  readonly id: string
  readonly login: string
  readonly name: string
  readonly enterprise: boolean
  readonly role: "admin" | "coadmin" | "user"
  readonly serviceAccount: boolean
  readonly active: boolean
}

export interface GroupRecord {
  readonly id: string
  readonly name: string
  readonly type: Wire.GroupType
  readonly members: Set<string>
  readonly invitable: boolean
}

export interface TokenRecord {
  readonly label: string
  readonly userId: string
  readonly expired: boolean
  readonly canActAsUser: boolean
}

export interface ItemRecord {
  readonly type: ItemType
  readonly id: string
  readonly name: string
  readonly parent: string
  owner: string
  readonly canNonOwnersInvite: boolean
  readonly restrictedToEnterprise: boolean
}

export interface CollaborationRecord {
  readonly seq: number
  readonly id: string
  readonly itemType: ItemType
  readonly itemId: string
  grantee: Grantee
  role: Wire.Role
  status: Wire.Status
  expiresAt: number | undefined
  readonly isAccessOnly: boolean
  canViewPath: boolean
  readonly createdBy: string
  readonly createdAt: number
  modifiedAt: number
  acknowledgedAt: number | undefined
}

export const roleRank: Readonly<Record<Wire.Role, number>> = {
  uploader: 1,
  previewer: 2,
  viewer: 3,
  "previewer uploader": 4,
  "viewer uploader": 5,
  editor: 6,
  "co-owner": 7,
  owner: 8
}
export const createRoles: ReadonlyArray<string> = [
  "editor",
  "viewer",
  "previewer",
  "uploader",
  "previewer uploader",
  "viewer uploader",
  "co-owner"
]
export const allRoles: ReadonlyArray<string> = [...createRoles, "owner"]
export const statuses: ReadonlyArray<string> = ["accepted", "pending", "rejected"]

export const itemKey = (type: string, id: string) => `${type}:${id}`
export const norm = (email: string) => email.trim().toLowerCase()
export const domainOf = (email: string) => norm(email).slice(norm(email).lastIndexOf("@") + 1)
export const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
export const parseTime = (text: unknown): number | undefined =>
  typeof text === "string" && dateTime.test(text) && Number.isFinite(Date.parse(text)) ? Date.parse(text) : undefined
export const emailShape = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** Box writes date-times with an offset. */
export const formatTime = (millis: number) => new Date(millis).toISOString().replace(/\.\d{3}Z$/, "+00:00")

/**
 * Builds an empty simulator state (`start` and `serve` use it; tools can prepare data with it).
 *
 * @example
 * ```ts
 * import * as Simulator from "@unishare/box/simulator"
 * const { state } = Simulator.makeState()
 * state.addUser({ id: "1", login: "owner@example.com" })
 * ```
 */
export const makeState = (now: () => number = Date.now) => {
  const users = new Map<string, UserRecord>()
  const logins = new Map<string, string>()
  const groups = new Map<string, GroupRecord>()
  const tokens = new Map<string, TokenRecord>()
  const items = new Map<string, ItemRecord>()
  const collaborations = new Map<string, CollaborationRecord>()
  const notifications: Array<Notification> = []
  let settings: Settings = {}
  let seq = 0
  let nextId = 9_000_000_000

  const user = (idOrLogin: string): UserRecord | undefined => {
    const byId = users.get(idOrLogin)
    if (byId !== undefined) return byId
    const id = logins.get(norm(idOrLogin))
    return id === undefined ? undefined : users.get(id)
  }
  const mustUser = (idOrLogin: string): UserRecord => {
    const found = user(idOrLogin)
    if (found === undefined) throw new Error(`box simulator: unknown user ${idOrLogin}`)
    return found
  }
  const item = (type: string, id: string) => items.get(itemKey(type, id))

  const addUser = (seed: UserSeed): void => {
    if (users.has(seed.id) || logins.has(norm(seed.login))) throw new Error(`box simulator: user ${seed.id} exists`)
    const record: UserRecord = {
      id: seed.id,
      login: seed.login,
      name: seed.name ?? seed.login.slice(0, seed.login.indexOf("@")),
      enterprise: seed.enterprise ?? true,
      role: seed.role ?? "user",
      serviceAccount: seed.serviceAccount === true,
      active: seed.active ?? true
    }
    users.set(record.id, record)
    logins.set(norm(record.login), record.id)
    // invitations to this email now belong to the new account
    for (const c of collaborations.values()) {
      if (c.grantee.type === "email" && norm(c.grantee.email) === norm(record.login)) {
        c.grantee = { type: "user", id: record.id }
      }
    }
  }

  const addGroup = (seed: GroupSeed): void => {
    groups.set(seed.id, {
      id: seed.id,
      name: seed.name,
      type: seed.type ?? "managed_group",
      members: new Set((seed.members ?? []).map((m) => mustUser(m).id)),
      invitable: seed.invitable ?? true
    })
  }

  const addToken = (seed: TokenSeed): void => {
    tokens.set(seed.token, {
      label: seed.label ?? createHash("sha256").update(seed.token).digest("hex").slice(0, 12),
      userId: mustUser(seed.user).id,
      expired: seed.expired === true,
      canActAsUser: seed.canActAsUser ?? true
    })
  }

  const addItem = (
    type: ItemType,
    seed: { id: string; name: string; parent?: string | undefined; owner?: string | undefined },
    options: { canNonOwnersInvite?: boolean | undefined; restrictedToEnterprise?: boolean | undefined } = {}
  ): void => {
    if (seed.id === "0") throw new Error("box simulator: 0 is the root folder")
    if (items.has(itemKey(type, seed.id))) throw new Error(`box simulator: ${type} ${seed.id} exists`)
    const parentId = seed.parent ?? "0"
    const parent = parentId === "0" ? undefined : item("folder", parentId)
    if (parentId !== "0" && parent === undefined) throw new Error(`box simulator: unknown folder ${parentId}`)
    const owner = seed.owner !== undefined ? mustUser(seed.owner).id : parent?.owner
    if (owner === undefined) throw new Error(`box simulator: ${type} ${seed.id} needs an owner`)
    items.set(itemKey(type, seed.id), {
      type,
      id: seed.id,
      name: seed.name,
      parent: parentId,
      owner,
      canNonOwnersInvite: options.canNonOwnersInvite ?? true,
      restrictedToEnterprise: options.restrictedToEnterprise ?? false
    })
  }

  const isMember = (userId: string, group: GroupRecord): boolean =>
    group.type === "all_users_group" ? users.get(userId)?.enterprise === true : group.members.has(userId)

  const ancestors = (record: ItemRecord): ReadonlyArray<ItemRecord> => {
    const out: Array<ItemRecord> = [record]
    let parent = record.parent
    while (parent !== "0") {
      const folder = item("folder", parent)
      if (folder === undefined) break
      out.push(folder)
      parent = folder.parent
    }
    return out
  }

  /** Removes collaborations whose expiry has passed (Box removes them automatically). */
  const purgeExpired = () => {
    const t = now()
    for (const [id, c] of collaborations) if (c.expiresAt !== undefined && c.expiresAt <= t) collaborations.delete(id)
  }

  const grants = (c: CollaborationRecord, userId: string): boolean =>
    c.status === "accepted" &&
    (c.grantee.type === "user"
      ? c.grantee.id === userId
      : c.grantee.type === "group"
        ? (() => {
            const g = groups.get(c.grantee.id)
            return g !== undefined && isMember(userId, g)
          })()
        : false)

  /** Ownership, else the best accepted collaboration on the item or a folder above it (waterfall). */
  const roleOn = (userId: string, record: ItemRecord): Wire.Role | undefined => {
    if (record.owner === userId) return "owner"
    const chain = new Set(ancestors(record).map((r) => itemKey(r.type, r.id)))
    let best: Wire.Role | undefined
    for (const c of collaborations.values()) {
      if (!chain.has(itemKey(c.itemType, c.itemId)) || !grants(c, userId)) continue
      if (best === undefined || roleRank[c.role] > roleRank[best]) best = c.role
    }
    return best
  }

  /**
   * The folders above an item that a user sees in its `path_collection`, from the top down (the
   * root `0` not included): those the user has a role on, and every folder above an item of the
   * chain whose collaboration of the user has `can_view_path`.
   */
  const visibleAncestors = (userId: string, record: ItemRecord): ReadonlyArray<ItemRecord> => {
    const chain = ancestors(record)
    let revealedFrom = chain.length
    for (let k = 0; k < chain.length && revealedFrom === chain.length; k++) {
      const at = chain[k] as ItemRecord
      for (const c of collaborations.values()) {
        if (c.canViewPath && c.itemType === at.type && c.itemId === at.id && grants(c, userId)) {
          revealedFrom = k
          break
        }
      }
    }
    return chain
      .slice(1)
      .filter((folder, i) => i + 1 > revealedFrom || roleOn(userId, folder) !== undefined)
      .reverse()
  }

  const newId = () => String(++nextId)

  const newCollaboration = (fields: {
    readonly id?: string | undefined
    readonly itemType: ItemType
    readonly itemId: string
    readonly grantee: Grantee
    readonly role: Wire.Role
    readonly status: Wire.Status
    readonly expiresAt?: number | undefined
    readonly isAccessOnly?: boolean | undefined
    readonly canViewPath?: boolean | undefined
    readonly createdBy: string
    readonly createdAt?: number | undefined
  }): CollaborationRecord => {
    const at = fields.createdAt ?? now()
    const record: CollaborationRecord = {
      seq: ++seq,
      id: fields.id ?? newId(),
      itemType: fields.itemType,
      itemId: fields.itemId,
      grantee: fields.grantee,
      role: fields.role,
      status: fields.status,
      expiresAt: fields.expiresAt,
      isAccessOnly: fields.isAccessOnly === true,
      canViewPath: fields.canViewPath === true,
      createdBy: fields.createdBy,
      createdAt: at,
      modifiedAt: at,
      acknowledgedAt: fields.status === "pending" ? undefined : at
    }
    collaborations.set(record.id, record)
    return record
  }

  /** The status a new invitation starts with. */
  const initialStatus = (grantee: Grantee): Wire.Status => {
    if (grantee.type === "group") return "accepted"
    if (grantee.type === "email") return "pending"
    const u = users.get(grantee.id)
    return u?.enterprise === true && (settings.autoAcceptEnterpriseUsers ?? true) ? "accepted" : "pending"
  }

  const addCollaboration = (seed: CollaborationSeed): string => {
    const record = item(seed.item.type, seed.item.id)
    if (record === undefined) throw new Error(`box simulator: unknown ${seed.item.type} ${seed.item.id}`)
    const given = [seed.user, seed.group, seed.email].filter((g) => g !== undefined).length
    if (given !== 1) throw new Error("box simulator: a collaboration needs exactly one of user, group or email")
    let grantee: Grantee
    if (seed.user !== undefined) grantee = { type: "user", id: mustUser(seed.user).id }
    else if (seed.group !== undefined) {
      if (!groups.has(seed.group)) throw new Error(`box simulator: unknown group ${seed.group}`)
      grantee = { type: "group", id: seed.group }
    } else {
      const existing = user(seed.email ?? "")
      grantee = existing !== undefined ? { type: "user", id: existing.id } : { type: "email", email: seed.email ?? "" }
    }
    const expiresAt = seed.expiresAt === undefined ? undefined : parseTime(seed.expiresAt)
    if (seed.expiresAt !== undefined && expiresAt === undefined) throw new Error("box simulator: bad expiresAt")
    const createdAt = seed.createdAt === undefined ? undefined : parseTime(seed.createdAt)
    return newCollaboration({
      id: seed.id,
      itemType: record.type,
      itemId: record.id,
      grantee,
      role: seed.role,
      status: seed.status ?? initialStatus(grantee),
      expiresAt,
      isAccessOnly: seed.isAccessOnly,
      canViewPath: seed.canViewPath,
      createdBy: seed.createdBy !== undefined ? mustUser(seed.createdBy).id : record.owner,
      createdAt
    }).id
  }

  const renderUser = (u: UserRecord, redactName: boolean): Wire.CollaborationUser => ({
    type: "user",
    id: u.id,
    name: redactName ? "" : u.name,
    login: u.login,
    is_active: u.active
  })

  const renderItem = (record: ItemRecord): Wire.Item => ({
    type: record.type,
    id: record.id,
    name: record.name,
    etag: "0",
    sequence_id: "0"
  })

  const render = (c: CollaborationRecord, fields?: ReadonlyArray<string> | undefined): Wire.Collaboration => {
    const pending = c.status === "pending"
    const record = item(c.itemType, c.itemId)
    const invitee = c.grantee.type === "user" ? users.get(c.grantee.id) : undefined
    const group = c.grantee.type === "group" ? groups.get(c.grantee.id) : undefined
    const creator = users.get(c.createdBy)
    const full: Wire.Collaboration = {
      type: "collaboration",
      id: c.id,
      item: pending || record === undefined ? null : renderItem(record),
      app_item: null,
      accessible_by:
        invitee !== undefined
          ? renderUser(invitee, pending)
          : group !== undefined
            ? { type: "group", id: group.id, name: group.name, group_type: group.type }
            : null,
      invite_email: c.grantee.type === "email" ? c.grantee.email : null,
      role: c.role,
      expires_at: c.expiresAt === undefined ? null : formatTime(c.expiresAt),
      is_access_only: c.isAccessOnly,
      status: c.status,
      ...(c.acknowledgedAt !== undefined ? { acknowledged_at: formatTime(c.acknowledgedAt) } : {}),
      ...(creator !== undefined ? { created_by: renderUser(creator, false) } : {}),
      created_at: formatTime(c.createdAt),
      modified_at: formatTime(c.modifiedAt)
    }
    if (fields === undefined) return full
    const external = invitee === undefined ? group === undefined : !invitee.enterprise
    const extra: Record<string, unknown> = {
      acceptance_requirements_status: {
        terms_of_service_requirement: { is_accepted: external && pending ? null : true },
        strong_password_requirement: {
          enterprise_has_strong_password_required_for_external_users: false,
          user_has_strong_password: external && pending ? null : true
        },
        two_factor_authentication_requirement: {
          enterprise_has_two_factor_auth_enabled: false,
          user_has_two_factor_authentication_enabled: external && pending ? null : false
        }
      }
    }
    const picked: Record<string, unknown> = { type: "collaboration", id: c.id }
    for (const f of fields) {
      if (f in full) picked[f] = (full as Record<string, unknown>)[f]
      else if (f in extra) picked[f] = extra[f]
    }
    return picked as Wire.Collaboration
  }

  const byItem = (type: ItemType, id: string) =>
    [...collaborations.values()].filter((c) => c.itemType === type && c.itemId === id).sort((a, b) => a.seq - b.seq)

  const load = (seed: Seed): void => {
    if (seed.settings !== undefined) settings = { ...settings, ...seed.settings }
    for (const u of seed.users ?? []) addUser(u)
    for (const g of seed.groups ?? []) addGroup(g)
    for (const t of seed.tokens ?? []) addToken(t)
    for (const f of seed.folders ?? []) addItem("folder", f, f)
    for (const f of seed.files ?? []) addItem("file", f)
    for (const c of seed.collaborations ?? []) addCollaboration(c)
  }

  const state: State = {
    addUser,
    addGroup,
    addToken,
    addFolder: (seed) => addItem("folder", seed, seed),
    addFile: (seed) => addItem("file", seed),
    addCollaboration,
    load,
    settings: () => settings,
    setSettings: (next) => {
      settings = { ...settings, ...next }
    },
    collaborations: (type, id) => {
      purgeExpired()
      return byItem(type, id).map((c) => render(c))
    },
    collaboration: (id) => {
      purgeExpired()
      const c = collaborations.get(id)
      return c === undefined ? undefined : render(c)
    },
    ownerOf: (type, id) => item(type, id)?.owner,
    roleOf: (userId, type, id) => {
      purgeExpired()
      const record = item(type, id)
      return record === undefined ? undefined : roleOn(userId, record)
    },
    notifications: () => notifications.slice()
  }

  return {
    state,
    internal: {
      users,
      groups,
      tokens,
      items,
      collaborations,
      notifications,
      user,
      item,
      isMember,
      ancestors,
      visibleAncestors,
      roleOn,
      purgeExpired,
      newCollaboration,
      initialStatus,
      render,
      byItem,
      settings: () => settings,
      now
    }
  }
}

/** What the routes use of the state. */
export type Internal = ReturnType<typeof makeState>["internal"]
