/**
 * The neutral `SharingProvider` for EnergyCAP list sharing (the `ECI-ApiKey` API).
 *
 * Model:
 * - Resources are lists: `list(42)` → `{ provider: "eci", kind: "list", id: "42" }`; ids are int32.
 * - Grantees: `User` (EnergyCAP `userId`, or an email resolved through `GET /api/v3/user`), `Group`
 *   (`userGroupId`) and `Everyone` (`sharedWithEveryone`, needs `allowEveryone: true`).
 * - One implicit access level, `viewer`; other levels follow `onLossy` (default round-down:
 *   `editor` becomes `viewer` with a warning; `"fail"` refuses).
 * - Share ids are synthetic and stable: `user:12`, `group:7`, `everyone`.
 *
 * Writes: EnergyCAP's `PUT …/share` replaces the whole share state and has no concurrency token
 * (no ETag, no version). `grant` / `revoke` are read-modify-write: GET, PUT, then — after a short
 * jittered pause (`Options.recheckDelay`, default 100–250 ms) — one more GET. When the PUT answer or
 * that re-read does not show our change (the grantee present after a grant, absent after a revoke),
 * another writer overwrote it and the call fails with `Conflict` (nothing of ours is in effect; retry
 * or sync). Changes by others that keep ours are not conflicts. `replace` is one PUT and the same
 * re-read; it fails with `Conflict` unless the list is exactly what we wrote.
 *
 * What holds without a shared lock (several processes writing one list, each with its own
 * `KeyedLock`): writers in one process never lose each other's updates (the in-process lock). Across
 * processes, a lost update — a writer that read the list before our PUT and wrote after it — is
 * reported as `Conflict` when its PUT lands before our re-read, i.e. when its read-to-write time is
 * shorter than our pause; an overwrite that lands after our re-read (a writer stalled between its
 * GET and its PUT for longer than the pause, or a process that does not re-read) is NOT detected and
 * our call reports success although the change is gone. The overwriting writer's own call succeeds
 * (its change is in effect). Only a lock shared by every writer (`KeyedLock` service, e.g. SQL-backed)
 * prevents lost updates; with one, no write is ever lost or reported as a conflict among its users.
 *
 * Email resolution: every email of a call (a grant, a `replace` or a `sync`'s desired set, via
 * `resolveGrantees`) is resolved with `GET /user?filter=email one of '…'|'…'` — one query per batch
 * of up to 200 emails (`Options.emailsPerQuery`) and 6,000 filter characters; one email is an
 * `equals` query. An email containing `|` cannot be listed in `one of` and gets its own query.
 *
 * Requests (the fewest the documented API allows; `requestBounds` holds them as data, the tests
 * check them against the simulator's log). E = email queries (0 when every user is given by id):
 *
 * | operation | requests |
 * | --- | --- |
 * | `list`, `get`, `update` (one level: validated, then a `get`) | 1 |
 * | `grant`, new grantee | E + 3 (GET, PUT, re-read) |
 * | `grant`, already shared | E + 1 |
 * | `revoke`, shared | 3 (GET, PUT, re-read); not shared: 1 |
 * | `replace` | E + 2 (PUT, re-read) |
 * | `sync`, nothing to change | E + 1 |
 * | `sync`, changes | E + 3 (GET, PUT, re-read: the re-read is the verification) |
 *
 * A grant, `replace` or `sync` that names a group without `allowEveryone: true` adds one
 * `GET /userGroup?filter=userGroupName equals 'Everyone'` the first time per provider (see below).
 *
 * All-users group: EnergyCAP's docs describe a built-in user group named "Everyone" that all
 * users belong to by default. They give no flag or fixed id for it, so this adapter identifies it
 * by that name (`allUsersGroupName`, compared case-insensitively, looked up once per provider and
 * remembered) and treats sharing with it like sharing with Everyone: without `allowEveryone: true`
 * it is `InvalidInput` before any write. A renamed all-users group cannot be recognised; a customer
 * group that happens to be called "Everyone" is treated as the all-users group.
 *
 * A re-read that fails after our PUT landed is `Unavailable { maybeApplied: true }` (the write is in
 * effect; only its verification is missing), never an error that reads as "nothing was written".
 *
 * Everyone is exclusive: EnergyCAP requires empty id lists while `sharedWithEveryone` is true, and
 * this adapter never sends ids with it. `grant(Everyone)` on a list with explicit user/group shares,
 * and `grant(User|Group)` on a list shared with Everyone, fail with `Conflict` and change nothing:
 * to switch, call `replace` with the whole new set (e.g. `[Everyone]`, which drops the explicit
 * shares, or a list of users, which drops Everyone). A desired set with Everyone plus others is
 * `InvalidInput`.
 *
 * @since 0.1.0
 */
import {
  AccessLevel,
  Capabilities,
  Errors,
  Grantee,
  Input,
  KeyedLock,
  RequestBounds,
  type ResourceRef,
  type Share,
  ShareStatus,
  type SharingProvider,
  Translation
} from "@unishare/core"
import { Duration, Effect, Option, Random, Result, Stream } from "effect"
import * as Client from "./Client.ts"
import * as EciErrors from "./Errors.ts"
import * as Filter from "./Filter.ts"
import * as Wire from "./Wire.ts"

const provider = EciErrors.provider

/**
 * A reference to an EnergyCAP list (bill list or records list).
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/eci"
 * Provider.list(42) // { provider: "eci", kind: "list", id: "42" }
 * ```
 */
export const list = (listId: number | string): ResourceRef.ResourceRef => ({
  provider,
  kind: "list",
  id: String(listId)
})

/**
 * What this adapter can do: User, Group and Everyone grantees, the single level `viewer`, native
 * replace, synchronous status, Everyone exclusive of other grantees, no notifications.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/eci"
 * Provider.capabilities.nativeReplace // true
 * ```
 */
export const capabilities: Capabilities.Capabilities = Capabilities.make({
  provider,
  granteeKinds: ["User", "Group", "Everyone"],
  levels: ["viewer"],
  updateLevel: false,
  nativeReplace: true,
  asyncStatus: false,
  notify: false,
  inheritedShares: false,
  everyoneExclusive: true,
  pageSize: Wire.defaultPageSize
})

/**
 * A principal as the share body names it.
 *
 * @example
 * ```ts
 * import type { Provider } from "@unishare/eci"
 * const t: Provider.Target = { _tag: "User", userId: 12 }
 * ```
 */
export type Target =
  | { readonly _tag: "User"; readonly userId: number; readonly email?: string | undefined }
  | { readonly _tag: "Group"; readonly userGroupId: number }
  | { readonly _tag: "Everyone" }

/**
 * The stable share id of a target: `user:12`, `group:7`, `everyone`.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/eci"
 * Provider.shareIdOf({ _tag: "Group", userGroupId: 7 }) // "group:7"
 * ```
 */
export const shareIdOf = (target: Target): string =>
  target._tag === "User"
    ? `user:${target.userId}`
    : target._tag === "Group"
      ? `group:${target.userGroupId}`
      : "everyone"

const parseIdText = (text: string): number | undefined => {
  if (!/^\d{1,10}$/.test(text)) return undefined
  const n = Number(text)
  return n >= 1 && n <= Wire.maxId ? n : undefined
}

/**
 * Parses a share id; `undefined` when it is not one this adapter produces.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/eci"
 * Provider.parseShareId("user:12") // { _tag: "User", userId: 12 }
 * ```
 */
export const parseShareId = (shareId: string): Target | undefined => {
  if (shareId === "everyone") return { _tag: "Everyone" }
  const m = /^(user|group):(.+)$/.exec(shareId)
  if (m === null) return undefined
  const id = parseIdText(m[2] ?? "")
  if (id === undefined) return undefined
  return m[1] === "user" ? { _tag: "User", userId: id } : { _tag: "Group", userGroupId: id }
}

/**
 * The list id of a resource reference, validated (provider `eci`, kind `list`, id a positive int32).
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/eci"
 * Provider.listIdOf(Provider.list(2 ** 31), "list") // fails with InvalidInput at resource.id
 * ```
 */
export const listIdOf = (
  resource: ResourceRef.ResourceRef,
  operation: string
): Effect.Effect<number, Errors.InvalidInput> => {
  const issues: Array<Errors.Issue> = []
  if (resource.provider !== provider)
    issues.push({
      path: "resource.provider",
      message: `expected "${provider}", got ${JSON.stringify(resource.provider)}`
    })
  if (resource.kind !== "list")
    issues.push({
      path: "resource.kind",
      message: `EnergyCAP shares lists only; got kind ${JSON.stringify(resource.kind)}`
    })
  const id = parseIdText(String(resource.id))
  if (id === undefined)
    issues.push({
      path: "resource.id",
      message: `must be an EnergyCAP list id, a positive int32 (1 … ${Wire.maxId}); got ${JSON.stringify(resource.id)}`
    })
  return issues.length > 0 || id === undefined
    ? Effect.fail(new Errors.InvalidInput({ provider, operation, issues }))
    : Effect.succeed(id)
}

/** Share state as sets, for comparisons. */
interface State {
  readonly everyone: boolean
  readonly users: ReadonlyArray<number>
  readonly groups: ReadonlyArray<number>
}

const stateOf = (r: Wire.ShareResponse): State => ({
  everyone: r.sharedWithEveryone,
  users: r.sharedUsers.map((u) => u.userId),
  groups: r.sharedUserGroups.map((g) => g.userGroupId)
})

const requestOf = (s: State): Wire.ShareRequest =>
  s.everyone
    ? { sharedUserGroupIds: [], sharedUserIds: [], sharedWithEveryone: true }
    : { sharedUserGroupIds: [...s.groups], sharedUserIds: [...s.users], sharedWithEveryone: false }

const sameSet = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => {
  const sa = new Set(a)
  const sb = new Set(b)
  return sa.size === sb.size && [...sa].every((x) => sb.has(x))
}

const sameState = (a: State, b: State) =>
  a.everyone === b.everyone && sameSet(a.users, b.users) && sameSet(a.groups, b.groups)

const contains = (s: State, t: Target): boolean =>
  t._tag === "Everyone" ? s.everyone : t._tag === "User" ? s.users.includes(t.userId) : s.groups.includes(t.userGroupId)

const hasExplicit = (s: State) => s.users.length > 0 || s.groups.length > 0

const add = (s: State, t: Target): State =>
  t._tag === "Everyone"
    ? { everyone: true, users: [], groups: [] }
    : t._tag === "User"
      ? { ...s, users: [...s.users, t.userId] }
      : { ...s, groups: [...s.groups, t.userGroupId] }

const remove = (s: State, t: Target): State =>
  t._tag === "Everyone"
    ? { ...s, everyone: false }
    : t._tag === "User"
      ? { ...s, users: s.users.filter((u) => u !== t.userId) }
      : { ...s, groups: s.groups.filter((g) => g !== t.userGroupId) }

const describeState = (s: State) =>
  s.everyone ? "everyone" : `users [${s.users.join(", ")}], groups [${s.groups.join(", ")}]`

const shareOf = (
  resource: ResourceRef.ResourceRef,
  grantee: Grantee.Grantee,
  id: string,
  raw: unknown
): Share.Share => ({
  id,
  resource,
  grantee,
  level: "viewer",
  status: ShareStatus.active,
  inherited: false,
  raw
})

/**
 * The neutral shares of a `ShareResponse`: Everyone, then users, then groups.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/eci"
 * Provider.sharesOf(Provider.list(1), { sharedWithEveryone: false, sharedUsers: [{ userId: 3 }], sharedUserGroups: [] })[0]?.id // "user:3"
 * ```
 */
export const sharesOf = (resource: ResourceRef.ResourceRef, r: Wire.ShareResponse): ReadonlyArray<Share.Share> => [
  ...(r.sharedWithEveryone ? [shareOf(resource, Grantee.everyone, "everyone", { sharedWithEveryone: true })] : []),
  ...r.sharedUsers.map((u) => shareOf(resource, Grantee.user({ id: String(u.userId) }), `user:${u.userId}`, u)),
  ...r.sharedUserGroups.map((g) =>
    shareOf(
      resource,
      typeof g.userGroupName === "string" && g.userGroupName !== ""
        ? Grantee.group(String(g.userGroupId), g.userGroupName)
        : Grantee.group(String(g.userGroupId)),
      `group:${g.userGroupId}`,
      g
    )
  )
]

const granteeOf = (t: Target, response: Wire.ShareResponse | undefined): Grantee.Grantee => {
  switch (t._tag) {
    case "Everyone":
      return Grantee.everyone
    case "User":
      return Grantee.user(t.email !== undefined ? { id: String(t.userId), email: t.email } : { id: String(t.userId) })
    case "Group": {
      const name = response?.sharedUserGroups.find((g) => g.userGroupId === t.userGroupId)?.userGroupName
      return typeof name === "string" && name !== ""
        ? Grantee.group(String(t.userGroupId), name)
        : Grantee.group(String(t.userGroupId))
    }
  }
}

const rawOf = (t: Target, response: Wire.ShareResponse): unknown =>
  t._tag === "Everyone"
    ? { sharedWithEveryone: true }
    : t._tag === "User"
      ? (response.sharedUsers.find((u) => u.userId === t.userId) ?? { userId: t.userId })
      : (response.sharedUserGroups.find((g) => g.userGroupId === t.userGroupId) ?? { userGroupId: t.userGroupId })

const prefixIssues = (error: Errors.InvalidInput | Errors.Unsupported, prefix: string) =>
  error._tag === "InvalidInput"
    ? new Errors.InvalidInput({
        provider: error.provider,
        operation: error.operation,
        issues: error.issues.map((i) => ({ path: i.path === "" ? prefix : `${prefix}.${i.path}`, message: i.message })),
        ...(error.detail !== undefined ? { detail: error.detail } : {})
      })
    : new Errors.Unsupported({
        provider: error.provider,
        operation: error.operation,
        feature: error.feature,
        message: `${prefix}: ${error.message}`,
        ...(error.detail !== undefined ? { detail: error.detail } : {})
      })

/**
 * Options of the provider built on a client.
 *
 * - `recheckDelay`: the jittered pause before the lost-update re-read that follows every PUT
 *   (default 100–250 ms). It is the window in which a foreign overwrite is detected; see the module
 *   documentation.
 * - `emailsPerQuery`: the most emails resolved by one `GET /user?filter=email one of …` (default 200;
 *   a query also stays under 6,000 filter characters).
 *
 * @example
 * ```ts
 * import type { Provider } from "@unishare/eci"
 * const opts: Provider.Options = { recheckDelay: { minMillis: 200, maxMillis: 500 }, emailsPerQuery: 100 }
 * ```
 */
export interface Options {
  readonly recheckDelay?: { readonly minMillis: number; readonly maxMillis: number } | undefined
  readonly emailsPerQuery?: number | undefined
}

/** Default most emails per user query. */
const defaultEmailsPerQuery = 200

/**
 * The fewest requests per operation on EnergyCAP with the default options, user grantees given by id
 * unless `emails` says otherwise (see the module documentation for why). The single level makes
 * `upgrade` / `downgrade` impossible; `replace` costs `sync`'s figure minus its GET.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/eci"
 * Provider.requestBounds.sync({ before: 100, after: 150, add: 50, remove: 0, upgrade: 0, downgrade: 0, emails: 150 }) // 4
 * ```
 */
export const requestBounds: RequestBounds.RequestBounds = {
  list: () => 1,
  get: 1,
  grant: () => 3,
  grantExisting: () => 1,
  update: 1,
  revoke: 3,
  sync: (c) => Math.ceil(c.emails / defaultEmailsPerQuery) + 1 + (RequestBounds.writes(c) ? 2 : 0)
}

/** Longest `one of` filter we send (the URL length EnergyCAP accepts is not documented). */
const maxFilterChars = 6_000

/**
 * The name of EnergyCAP's built-in all-users group ("By default, all users belong to the group
 * Everyone"). EnergyCAP documents no flag or fixed id for it, so the name is the marker: a group
 * with this name (compared case-insensitively) counts as Everyone for the `allowEveryone` opt-in.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/eci"
 * Provider.allUsersGroupName // "Everyone"
 * ```
 */
export const allUsersGroupName = "Everyone"

const isAllUsersName = (name: string | null | undefined) =>
  typeof name === "string" && name.trim().toLowerCase() === allUsersGroupName.toLowerCase()

/** One grantee to turn into a body target, with the field path its errors name. */
interface Wanted {
  readonly grantee: Grantee.Grantee
  readonly path: string
}

/**
 * Builds the neutral provider on a native client. `lock` serializes read-modify-write cycles per
 * list (default: the process-wide table; pass one shared by all processes to serialize them too).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { Client, Provider } from "@unishare/eci"
 * const provider = Effect.map(Client.make({ apiKey: Redacted.make("k") }), (client) => Provider.fromClient(client))
 * ```
 */
export const fromClient = (
  client: Client.Client,
  lock: KeyedLock.KeyedLock = KeyedLock.KeyedLock.defaultValue(),
  options: Options = {}
): SharingProvider.Shape => {
  const recheck = options.recheckDelay ?? { minMillis: 100, maxMillis: 250 }
  const emailsPerQuery = Math.max(1, Math.floor(options.emailsPerQuery ?? defaultEmailsPerQuery))

  const withListLock = <A, E, R>(listId: number, effect: Effect.Effect<A, E, R>, operation = "write") =>
    lock.withLock(`${client.apiUrl}|list:${listId}`, effect).pipe(
      Effect.mapError((e) =>
        e instanceof KeyedLock.LockUnavailable
          ? new Errors.Unavailable({
              provider: "eci",
              operation,
              message:
                e.maybeApplied === true
                  ? `lost the lock for list ${listId} during the write: ${e.message}`
                  : `could not take the lock for list ${listId}: ${e.message}`,
              maybeApplied: e.maybeApplied === true
            })
          : e
      )
    )

  /** The jittered pause before the lost-update re-read. */
  const pause = Effect.flatMap(
    Random.nextBetween(recheck.minMillis, Math.max(recheck.minMillis, recheck.maxMillis)),
    (ms) => Effect.sleep(Duration.millis(Math.max(0, ms)))
  )

  const normal = (email: string) => email.trim().toLowerCase()

  /**
   * The users of each email, in as few requests as the API allows: one `email one of '…'|'…'`
   * query per batch (a single email: `email equals '…'`). An email containing `|` cannot be put in
   * a `one of` list and gets its own `equals` query. Results are matched back case-insensitively.
   */
  const usersOf = (
    emails: ReadonlyArray<string>
  ): Effect.Effect<ReadonlyMap<string, ReadonlyArray<Wire.UserResponse>>, Errors.SharingError> => {
    const unique = [...new Map(emails.map((e) => [normal(e), e.trim()])).values()]
    const batches: Array<Array<string>> = []
    let current: Array<string> = []
    let chars = 0
    for (const email of unique) {
      if (email.includes("|")) {
        batches.push([email])
        continue
      }
      const cost = email.length + 3
      if (current.length > 0 && (current.length >= emailsPerQuery || chars + cost > maxFilterChars)) {
        batches.push(current)
        current = []
        chars = 0
      }
      current.push(email)
      chars += cost
    }
    if (current.length > 0) batches.push(current)
    const byEmail = new Map<string, Array<Wire.UserResponse>>(unique.map((e) => [normal(e), []]))
    const query = (batch: ReadonlyArray<string>): Effect.Effect<void, Errors.SharingError> =>
      batch.length === 1
        ? Effect.map(client.usersByEmail(batch[0]!), (users) => {
            byEmail.get(normal(batch[0]!))?.push(...users)
          })
        : Effect.flatMap(client.getUsers({ filter: Filter.oneOf("email", batch) }), (users) => {
            // without "Users & Roles: View" the answer may omit emails: ask one by one then
            if (users.some((u) => typeof u.email !== "string"))
              return Effect.forEach(batch, (e) => query([e]), { discard: true })
            for (const u of users) byEmail.get(normal(u.email as string))?.push(u)
            return Effect.void
          })
    return Effect.as(Effect.forEach(batches, query, { concurrency: 2, discard: true }), byEmail)
  }

  const invalidId = (operation: string, path: string, what: string, value: string) =>
    Errors.invalid(
      provider,
      operation,
      path,
      `must be an EnergyCAP ${what}, a positive int32; got ${JSON.stringify(value)}`
    )

  /**
   * Turns validated grantees into body targets: ids are checked (no request), all emails are
   * resolved together (`usersOf`). `undefined` marks an email no EnergyCAP user has; an email that
   * several users share is `InvalidInput`.
   */
  const targetsOf = (
    wanted: ReadonlyArray<Wanted>,
    operation: string
  ): Effect.Effect<ReadonlyArray<Target | undefined>, Errors.SharingError> =>
    Effect.gen(function* () {
      const issues: Array<Errors.Issue> = []
      const emails: Array<string> = []
      for (const { grantee, path } of wanted) {
        switch (grantee._tag) {
          case "Everyone":
            break
          case "Group":
            if (parseIdText(grantee.id) === undefined)
              issues.push(invalidId(operation, `${path}.id`, "userGroupId", grantee.id).issues[0]!)
            break
          case "User":
            if (grantee.id !== undefined) {
              if (parseIdText(grantee.id) === undefined)
                issues.push(invalidId(operation, `${path}.id`, "userId", grantee.id).issues[0]!)
            } else if ((grantee.email ?? "").trim() === "") {
              issues.push({ path: `${path}.email`, message: "must not be empty" })
            } else emails.push(grantee.email!)
            break
          default:
            return yield* new Errors.Unsupported({
              provider,
              operation,
              feature: `grantee kind ${grantee._tag}`,
              message: `EnergyCAP shares lists with users, user groups and everyone only (field: ${path})`
            })
        }
      }
      if (issues.length > 0) return yield* new Errors.InvalidInput({ provider, operation, issues })
      const users = emails.length === 0 ? new Map<string, ReadonlyArray<Wire.UserResponse>>() : yield* usersOf(emails)
      return yield* Effect.forEach(
        wanted,
        ({ grantee, path }): Effect.Effect<Target | undefined, Errors.SharingError> => {
          switch (grantee._tag) {
            case "Group":
              return Effect.succeed({ _tag: "Group", userGroupId: parseIdText(grantee.id)! })
            case "User": {
              if (grantee.id !== undefined)
                return Effect.succeed({ _tag: "User", userId: parseIdText(grantee.id)!, email: grantee.email })
              const email = grantee.email!.trim()
              const found = users.get(normal(email)) ?? []
              if (found.length > 1)
                return Effect.fail(
                  Errors.invalid(
                    provider,
                    operation,
                    `${path}.email`,
                    `${found.length} EnergyCAP users have the email ${JSON.stringify(email)} (ids ${found.map((u) => u.userId).join(", ")}); use the user id instead`
                  )
                )
              const first = found[0]
              return Effect.succeed(first === undefined ? undefined : { _tag: "User", userId: first.userId, email })
            }
            default:
              return Effect.succeed({ _tag: "Everyone" })
          }
        }
      )
    })

  /** Targets that must all exist: an unknown email is `InvalidInput` naming its field. */
  const existingTargetsOf = (wanted: ReadonlyArray<Wanted>, operation: string) =>
    Effect.flatMap(targetsOf(wanted, operation), (targets) => {
      const missing = targets.indexOf(undefined)
      if (missing < 0) return Effect.succeed(targets as ReadonlyArray<Target>)
      const w = wanted[missing]!
      return Effect.fail(
        Errors.invalid(
          provider,
          operation,
          `${w.path}.email`,
          `no EnergyCAP user has the email ${JSON.stringify((w.grantee as Grantee.User).email)}`
        )
      )
    })

  /** Ids of the all-users group(s), looked up once per provider (`userGroupName equals 'Everyone'`). */
  let allUsersGroups: ReadonlySet<number> | undefined
  const allUsersGroupIds = Effect.suspend(() =>
    allUsersGroups !== undefined
      ? Effect.succeed(allUsersGroups)
      : Effect.map(
          Stream.runCollect(client.getUserGroups({ filter: Filter.equals("userGroupName", allUsersGroupName) })),
          (groups) => {
            allUsersGroups = new Set(groups.filter((g) => isAllUsersName(g.userGroupName)).map((g) => g.userGroupId))
            return allUsersGroups
          }
        )
  )

  /**
   * The `allowEveryone` opt-in for EnergyCAP's all-users group: without it, sharing with that group
   * is `InvalidInput` exactly like sharing with Everyone. Costs one group query the first time a
   * group is shared without the opt-in.
   */
  const checkAllUsers = (
    targets: ReadonlyArray<Target>,
    paths: ReadonlyArray<string>,
    allowEveryone: boolean | undefined,
    operation: string
  ): Effect.Effect<void, Errors.SharingError> => {
    if (allowEveryone === true || !targets.some((t) => t._tag === "Group")) return Effect.void
    // the check is a query the caller did not ask for: a refusal says what it was for
    const lookup = Effect.mapError(allUsersGroupIds, (e) =>
      e._tag === "AccessDenied"
        ? new Errors.AccessDenied({
            provider: e.provider,
            operation,
            message: `sharing with a group first checks that it is not EnergyCAP's all-users group "${allUsersGroupName}" (one user-group query), which the API key may not do: ${e.message}. Give the key UsersAndUserGroups: View, or pass allowEveryone: true to skip the check`
          })
        : e
    )
    return Effect.flatMap(lookup, (ids) => {
      const at = targets.findIndex((t) => t._tag === "Group" && ids.has(t.userGroupId))
      if (at < 0) return Effect.void
      return Effect.fail(
        Errors.invalid(
          provider,
          operation,
          `${paths[at]}.id`,
          `group ${(targets[at] as { userGroupId: number }).userGroupId} is EnergyCAP's all-users group "${allUsersGroupName}": sharing with it shares with everyone and needs the explicit opt-in allowEveryone: true`
        )
      )
    })
  }

  /**
   * PUT `next`, then, after a short jittered pause, read the list once more: when our change (the
   * target present for a grant, absent for a revoke) is not there, another writer overwrote it
   * and the write fails with `Conflict`. Changes by others that keep ours are fine.
   */
  const writeVerified = (
    listId: number,
    next: State,
    operation: string,
    change: { readonly target: Target; readonly present: boolean }
  ): Effect.Effect<Wire.ShareResponse, Errors.SharingError> =>
    Effect.gen(function* () {
      const lost = (seen: State, stage: string) =>
        new Errors.Conflict({
          provider,
          operation,
          message:
            `EnergyCAP list ${listId} was written by someone else at the same time: we wrote ${describeState(next)}, ` +
            `${stage} ${describeState(seen)}; our ${change.present ? "grant" : "revoke"} of ${shareIdOf(change.target)} ` +
            "is not in effect. Retry, or reconcile with sync; share a lock between processes to prevent this.",
          detail: { listId, wrote: requestOf(next), readBack: requestOf(seen), ourChangeInEffect: false }
        })
      const answered = yield* client.editListShare(listId, requestOf(next))
      if (contains(stateOf(answered), change.target) !== change.present)
        return yield* lost(stateOf(answered), "EnergyCAP answered")
      yield* pause
      const readBack = yield* Effect.mapError(client.getListShare(listId), Errors.afterWrite)
      if (contains(stateOf(readBack), change.target) !== change.present)
        return yield* lost(stateOf(readBack), "read back")
      return readBack
    })

  const listShares: SharingProvider.Shape["list"] = (resource, listOptions = {}) =>
    Stream.unwrap(
      Effect.gen(function* () {
        const listId = yield* listIdOf(resource, "list")
        const response = yield* client.getListShare(listId)
        void listOptions // no inherited or revoked shares on EnergyCAP lists
        return Stream.fromIterable(sharesOf(resource, response))
      })
    )

  const get: SharingProvider.Shape["get"] = (resource, shareId) =>
    Effect.gen(function* () {
      const listId = yield* listIdOf(resource, "get")
      const target = parseShareId(shareId)
      const notFound = new Errors.NotFound({
        provider,
        operation: "get",
        message: `EnergyCAP list ${listId} has no share ${JSON.stringify(shareId)}`
      })
      if (target === undefined) return yield* notFound
      const response = yield* client.getListShare(listId)
      const found = sharesOf(resource, response).find((s) => s.id === shareId)
      return found ?? (yield* notFound)
    })

  const grant: SharingProvider.Shape["grant"] = (resource, request) =>
    Effect.gen(function* () {
      const listId = yield* listIdOf(resource, "grant")
      const translated = yield* Translation.translateRequest(capabilities, resource, request, "grant")
      const [target] = yield* existingTargetsOf([{ grantee: translated.value.grantee, path: "grantee" }], "grant")
      yield* checkAllUsers([target!], ["grantee"], request.allowEveryone, "grant")
      return yield* withListLock(
        listId,
        Effect.gen(function* () {
          const t = target!
          const before = yield* client.getListShare(listId)
          const state = stateOf(before)
          if (contains(state, t)) {
            return shareOf(resource, granteeOf(t, before), shareIdOf(t), rawOf(t, before))
          }
          if (t._tag === "Everyone" && hasExplicit(state)) {
            return yield* new Errors.Conflict({
              provider,
              operation: "grant",
              message:
                `EnergyCAP list ${listId} is shared with ${describeState(state)}; sharing with Everyone would drop those ` +
                "explicit shares. Revoke them first, or call replace with [Everyone] to switch on purpose.",
              detail: { listId, current: requestOf(state) }
            })
          }
          if (t._tag !== "Everyone" && state.everyone) {
            return yield* new Errors.Conflict({
              provider,
              operation: "grant",
              message:
                `EnergyCAP list ${listId} is shared with Everyone, which cannot be combined with ${shareIdOf(t)}. ` +
                "Revoke Everyone first, or call replace with the explicit set to switch on purpose.",
              detail: { listId, current: requestOf(state) }
            })
          }
          const after = yield* writeVerified(listId, add(state, t), "grant", { target: t, present: true })
          return shareOf(resource, granteeOf(t, after), shareIdOf(t), rawOf(t, after))
        }),
        "grant"
      )
    })

  const update: SharingProvider.Shape["update"] = (resource, shareId, level, updateOptions = {}) =>
    Effect.gen(function* () {
      yield* listIdOf(resource, "update")
      // EnergyCAP has one level: validate and translate it (before any request), then report the share as is
      const wanted = yield* Translation.validate(AccessLevel.AccessLevel, level, {
        provider,
        operation: "update",
        path: "level"
      })
      const translated = Translation.translateLevel(wanted, capabilities.levels, updateOptions.onLossy ?? "round-down")
      if (Result.isFailure(translated)) {
        return yield* new Errors.Unsupported({
          provider,
          operation: "update",
          feature: `access level ${wanted} on list`,
          message: `eci list: ${translated.failure} (field: level)`
        })
      }
      return yield* get(resource, shareId)
    })

  const revoke: SharingProvider.Shape["revoke"] = (resource, shareId) =>
    Effect.gen(function* () {
      const listId = yield* listIdOf(resource, "revoke")
      const target = parseShareId(shareId)
      if (target === undefined) {
        return yield* new Errors.NotFound({
          provider,
          operation: "revoke",
          message: `${JSON.stringify(shareId)} is not an EnergyCAP share id (user:<id>, group:<id> or everyone)`
        })
      }
      yield* withListLock(
        listId,
        Effect.gen(function* () {
          const state = stateOf(yield* client.getListShare(listId))
          if (!contains(state, target)) return
          yield* writeVerified(listId, remove(state, target), "revoke", { target, present: false })
        }),
        "revoke"
      )
    })

  const replace: NonNullable<SharingProvider.Shape["replace"]> = (resource, desired, replaceOptions = {}) =>
    Effect.gen(function* () {
      const listId = yield* listIdOf(resource, "replace")
      if (!Array.isArray(desired))
        return yield* Errors.invalid(provider, "replace", "desired", "must be an array of grants")
      const grants: Array<Grantee.Grantee> = []
      for (const [i, wanted] of desired.entries()) {
        const t = yield* Translation.translateGrant(capabilities, resource, wanted, replaceOptions, "replace").pipe(
          Effect.mapError((e) => prefixIssues(e, `desired.${i}`))
        )
        grants.push(t.value.grantee)
      }
      const everyoneAt = grants.findIndex((g) => g._tag === "Everyone")
      if (everyoneAt >= 0 && grants.length > 1) {
        return yield* Errors.invalid(
          provider,
          "replace",
          `desired.${everyoneAt}.grantee`,
          "EnergyCAP shares a list with Everyone or with explicit users and groups, not both: remove Everyone or the others"
        )
      }
      const paths = grants.map((_, i) => `desired.${i}.grantee`)
      const targets = yield* existingTargetsOf(
        grants.map((grantee, i) => ({ grantee, path: paths[i]! })),
        "replace"
      )
      yield* checkAllUsers(targets, paths, replaceOptions.allowEveryone, "replace")
      const next: State = {
        everyone: everyoneAt >= 0,
        users: [...new Set(targets.flatMap((t) => (t._tag === "User" ? [t.userId] : [])))],
        groups: [...new Set(targets.flatMap((t) => (t._tag === "Group" ? [t.userGroupId] : [])))]
      }
      const readBack = yield* withListLock(
        listId,
        Effect.gen(function* () {
          const answered = yield* client.editListShare(listId, requestOf(next))
          const conflict = (seen: State, stage: string) =>
            new Errors.Conflict({
              provider,
              operation: "replace",
              message: `EnergyCAP list ${listId} is not what we wrote (another writer): we wrote ${describeState(next)}, ${stage} ${describeState(seen)}`,
              detail: { listId, wrote: requestOf(next), readBack: requestOf(seen) }
            })
          if (!sameState(stateOf(answered), next)) return yield* conflict(stateOf(answered), "EnergyCAP answered")
          yield* pause
          const again = yield* Effect.mapError(client.getListShare(listId), Errors.afterWrite)
          if (!sameState(stateOf(again), next)) return yield* conflict(stateOf(again), "read back")
          return again
        }),
        "replace"
      )
      const emails = new Map(
        targets.flatMap((t) => (t._tag === "User" && t.email !== undefined ? [[t.userId, t.email]] : []))
      )
      return sharesOf(resource, readBack).map((s) => {
        const email =
          s.grantee._tag === "User" && s.grantee.id !== undefined ? emails.get(Number(s.grantee.id)) : undefined
        return email === undefined
          ? s
          : { ...s, grantee: Grantee.user({ id: (s.grantee as Grantee.User).id ?? "", email }) }
      })
    })

  const validGrantee = (grantee: unknown, operation: string, path: string) =>
    Translation.validate(Grantee.Grantee, grantee, { provider, operation, path })

  const resolveGrantees: NonNullable<SharingProvider.Shape["resolveGrantees"]> = (grantees) =>
    Effect.gen(function* () {
      if (!Array.isArray(grantees))
        return yield* Errors.invalid(provider, "resolveGrantees", "grantees", "must be an array of grantees")
      const valid = yield* Effect.forEach(grantees, (g, i) => validGrantee(g, "resolveGrantees", `grantees.${i}`))
      const targets = yield* targetsOf(
        valid.map((grantee, i) => ({ grantee, path: `grantees.${i}` })),
        "resolveGrantees"
      )
      return targets.map((t, i) => {
        if (t === undefined) return Option.none()
        const g = valid[i]!
        if (t._tag === "User") return Option.some(granteeOf(t, undefined))
        return Option.some(g)
      })
    })

  const resolveGrantee: NonNullable<SharingProvider.Shape["resolveGrantee"]> = (grantee) =>
    Effect.gen(function* () {
      const valid = yield* validGrantee(grantee, "resolveGrantee", "grantee")
      const [t] = yield* targetsOf([{ grantee: valid, path: "grantee" }], "resolveGrantee")
      if (t === undefined) return Option.none()
      return Option.some(t._tag === "User" ? granteeOf(t, undefined) : valid)
    })

  // every entry point decodes its arguments and checks int32 ids and emails first
  return Input.guard(
    {
      capabilities,
      list: listShares,
      get,
      grant,
      update,
      revoke,
      replace,
      listResources: Stream.unwrap(
        Effect.map(client.getLists(), (lists) =>
          Stream.fromIterable(
            lists.map((l) => ({
              resource: list(l.listId),
              ...(typeof l.listInfo === "string" ? { name: l.listInfo } : {}),
              ...(typeof l.listDescription === "string" && l.listDescription !== ""
                ? { description: l.listDescription }
                : {})
            }))
          )
        )
      ),
      createResource: (request) =>
        Effect.gen(function* () {
          if (request.kind !== undefined && request.kind !== "list") {
            return yield* Errors.invalid(
              provider,
              "createResource",
              "request.kind",
              `EnergyCAP creates lists, not ${JSON.stringify(request.kind)}`
            )
          }
          const type = request.type ?? ""
          if (!/^[1-9][0-9]{0,9}$/.test(type)) {
            return yield* Errors.invalid(
              provider,
              "createResource",
              "request.type",
              "the EnergyCAP list type id (a positive integer, as GET /api/v3/list shows in listType.listTypeId) is required"
            )
          }
          const created = yield* client.createList({
            listInfo: request.name,
            ...(request.description !== undefined ? { listDescription: request.description } : {}),
            listTypeId: Number(type)
          })
          return {
            resource: list(created.listId),
            ...(typeof created.listInfo === "string" ? { name: created.listInfo } : {})
          }
        }),
      resolveGrantee,
      resolveGrantees
    },
    Client.inputRules
  )
}
