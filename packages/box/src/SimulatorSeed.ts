/**
 * The data a Box simulator holds, as a caller gives it and inspects it: users, groups, tokens,
 * folders and files, collaborations, the enterprise settings that change the API's answers, the
 * notifications a create with `notify=true` records, and the typed state API of a running
 * simulator. `@unishare/box/simulator` re-exports every type here.
 *
 * @since 0.1.0
 */
import type * as Wire from "./Wire.ts"

/**
 * A user. `enterprise: false` makes an external user (default: a member of the simulated
 * enterprise). `role` `admin` or `coadmin` may use `As-User` and list groups' collaborations, as may
 * a `serviceAccount` (which cannot be an `As-User` target).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/box/simulator"
 * const ada: Simulator.UserSeed = { id: "1002", login: "ada@example.com", name: "Ada Lovelace" }
 * ```
 */
export interface UserSeed {
  readonly id: string
  readonly login: string
  readonly name?: string | undefined
  readonly enterprise?: boolean | undefined
  readonly role?: "admin" | "coadmin" | "user" | undefined
  readonly serviceAccount?: boolean | undefined
  readonly active?: boolean | undefined
}

/**
 * A group. `members` are user ids or logins; an `all_users_group` holds every enterprise user
 * whatever `members` says. `invitable: false` lets only admins invite it.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/box/simulator"
 * const finance: Simulator.GroupSeed = { id: "2001", name: "Finance", members: ["ada@example.com"] }
 * ```
 */
export interface GroupSeed {
  readonly id: string
  readonly name: string
  readonly type?: Wire.GroupType | undefined
  readonly members?: ReadonlyArray<string> | undefined
  readonly invitable?: boolean | undefined
}

/**
 * An access token and its user (id or login). `label` names it in the request log (default: a
 * hash prefix); `expired` tokens answer 401; `canActAsUser: false` is an app without "Perform
 * actions as users".
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/box/simulator"
 * const t: Simulator.TokenSeed = { token: "box-owner-token", user: "1001", label: "owner" }
 * ```
 */
export interface TokenSeed {
  readonly token: string
  readonly user: string
  readonly label?: string | undefined
  readonly expired?: boolean | undefined
  readonly canActAsUser?: boolean | undefined
}

/**
 * A folder. `parent` defaults to the root (`0`); `owner` (user id or login) to the parent's owner.
 * `canNonOwnersInvite` (default true) lets editors invite; `restrictedToEnterprise` (default false)
 * refuses new invitations of external users.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/box/simulator"
 * const f: Simulator.FolderSeed = { id: "3001", name: "Contracts", owner: "owner@example.com" }
 * ```
 */
export interface FolderSeed {
  readonly id: string
  readonly name: string
  readonly parent?: string | undefined
  readonly owner?: string | undefined
  readonly canNonOwnersInvite?: boolean | undefined
  readonly restrictedToEnterprise?: boolean | undefined
}

/**
 * A file in a folder; `owner` defaults to the folder's.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/box/simulator"
 * const f: Simulator.FileSeed = { id: "4001", name: "nda.pdf", parent: "3001" }
 * ```
 */
export interface FileSeed {
  readonly id: string
  readonly name: string
  readonly parent: string
  readonly owner?: string | undefined
}

/**
 * A collaboration to seed: exactly one of `user` (id or login), `group` (id) or `email` (an address
 * with no account). `status` defaults as a create would decide it; `createdBy` to the item's owner.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/box/simulator"
 * const c: Simulator.CollaborationSeed = { id: "5001", item: { type: "folder", id: "3001" }, user: "1002", role: "editor" }
 * ```
 */
export interface CollaborationSeed {
  readonly id?: string | undefined
  readonly item: { readonly type: "file" | "folder"; readonly id: string }
  readonly user?: string | undefined
  readonly group?: string | undefined
  readonly email?: string | undefined
  readonly role: Wire.CreateRole
  readonly status?: Wire.Status | undefined
  readonly expiresAt?: string | undefined
  readonly isAccessOnly?: boolean | undefined
  readonly canViewPath?: boolean | undefined
  readonly createdBy?: string | undefined
  readonly createdAt?: string | undefined
}

/**
 * The enterprise settings that change the API's answers.
 *
 * - `collaborationExpiry`: "Automatically remove invited collaborators: Allow folder owners to
 *   extend the expiry date"; absent: off (`expires_at` is refused); `enabledAt`: when it was turned
 *   on (an update can give an expiry only to collaborations created after it).
 * - `autoAcceptEnterpriseUsers` (default true): invitations of enterprise users start accepted.
 * - `allowedDomains`: when given, external users and emails may only be invited from these domains.
 * - `informationBarriers`: pairs of user ids that may not collaborate (403 `forbidden_by_policy`).
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/box/simulator"
 * const s: Simulator.Settings = { collaborationExpiry: { enabledAt: "2026-01-01T00:00:00Z" }, allowedDomains: ["partner.example"] }
 * ```
 */
export interface Settings {
  readonly collaborationExpiry?: { readonly enabledAt: string } | undefined
  readonly autoAcceptEnterpriseUsers?: boolean | undefined
  readonly allowedDomains?: ReadonlyArray<string> | undefined
  readonly informationBarriers?: ReadonlyArray<readonly [string, string]> | undefined
}

/**
 * Everything to load at once, in dependency order.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/box/simulator"
 * const seed: Simulator.Seed = { users: [{ id: "1", login: "o@example.com" }], tokens: [{ token: "t", user: "1" }],
 *   folders: [{ id: "10", name: "Shared", owner: "1" }] }
 * ```
 */
export interface Seed {
  readonly users?: ReadonlyArray<UserSeed> | undefined
  readonly groups?: ReadonlyArray<GroupSeed> | undefined
  readonly tokens?: ReadonlyArray<TokenSeed> | undefined
  readonly folders?: ReadonlyArray<FolderSeed> | undefined
  readonly files?: ReadonlyArray<FileSeed> | undefined
  readonly collaborations?: ReadonlyArray<CollaborationSeed> | undefined
  readonly settings?: Settings | undefined
}

/**
 * An email the simulator "sent" for a create with `notify=true`.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/box/simulator"
 * const e: Simulator.Notification = { to: "ada@example.com", from: "1001", collaborationId: "5001" }
 * ```
 */
export interface Notification {
  readonly to: string
  readonly from: string
  readonly collaborationId: string
}

/**
 * The typed seeding and inspection API of a running simulator.
 *
 * @example
 * ```ts
 * import type * as Simulator from "@unishare/box/simulator"
 * const count = (s: Simulator.State) => s.collaborations("folder", "3001").length
 * ```
 */
export interface State {
  readonly addUser: (seed: UserSeed) => void
  readonly addGroup: (seed: GroupSeed) => void
  readonly addToken: (seed: TokenSeed) => void
  readonly addFolder: (seed: FolderSeed) => void
  readonly addFile: (seed: FileSeed) => void
  /** Adds a collaboration; returns its id. */
  readonly addCollaboration: (seed: CollaborationSeed) => string
  readonly load: (seed: Seed) => void
  readonly settings: () => Settings
  readonly setSettings: (settings: Settings) => void
  /** The collaborations on an item itself (as its owner lists them, rejected ones too), oldest first. */
  readonly collaborations: (type: "file" | "folder", id: string) => ReadonlyArray<Wire.Collaboration>
  /** One collaboration as its owner sees it, or `undefined`. */
  readonly collaboration: (id: string) => Wire.Collaboration | undefined
  /** The owner's user id. */
  readonly ownerOf: (type: "file" | "folder", id: string) => string | undefined
  /** A user's role on an item: ownership, or the best accepted collaboration on it or above it. */
  readonly roleOf: (userId: string, type: "file" | "folder", id: string) => Wire.Role | undefined
  readonly notifications: () => ReadonlyArray<Notification>
}
