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
 * Writes: EnergyCAP's `PUT …/share` replaces the whole share state and has no concurrency token.
 * `grant` / `revoke` are therefore read-modify-write (one GET, one PUT) serialized per list in this
 * process, then verified by reading back (one more GET). When the PUT answer or the read-back differs
 * from what we wrote, another writer changed the list at the same time and the write fails with
 * `Conflict` (its `detail` says whether our own change survived; `Sync.sync` retries on it). A
 * foreign write that lands between our read and our write is overwritten by our PUT and cannot be
 * seen from here (the API offers no version to compare); that writer's own read-back sees it.
 * `replace` is one PUT and needs no read.
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
  type ResourceRef,
  type Share,
  ShareStatus,
  type SharingProvider,
  Translation
} from "@unishare/core"
import { Effect, Option, Result, Stream } from "effect"
import * as Client from "./Client.ts"
import * as EciErrors from "./Errors.ts"
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
 * Builds the neutral provider on a native client.
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
  lock: KeyedLock.KeyedLock = KeyedLock.KeyedLock.defaultValue()
): SharingProvider.Shape => {
  /**
   * Read-modify-write cycles on one list are serialized by `lock` (keyed by API URL and list id).
   * The default is the process-wide table; a lock shared by several processes serializes them too.
   */
  const withListLock = <A, E, R>(listId: number, effect: Effect.Effect<A, E, R>, operation = "write") =>
    lock.withLock(`${client.apiUrl}|list:${listId}`, effect).pipe(
      Effect.mapError((e) =>
        e instanceof KeyedLock.LockUnavailable
          ? new Errors.Unavailable({
              provider: "eci",
              operation,
              message: `could not take the lock for list ${listId}: ${e.message}`,
              maybeApplied: false
            })
          : e
      )
    )

  /** The user with this email (`GET /user?filter=email equals '…'`); more than one is ambiguous. */
  const userByEmail = (
    email: string,
    operation: string,
    path: string
  ): Effect.Effect<Option.Option<Wire.UserResponse>, Errors.SharingError> =>
    Effect.flatMap(client.usersByEmail(email), (users) => {
      const first = users[0]
      if (first === undefined) return Effect.succeed(Option.none())
      if (users.length > 1)
        return Effect.fail(
          Errors.invalid(
            provider,
            operation,
            path,
            `${users.length} EnergyCAP users have the email ${JSON.stringify(email)} (ids ${users.map((u) => u.userId).join(", ")}); use the user id instead`
          )
        )
      return Effect.succeed(Option.some(first))
    })

  /** Turns a validated grantee into a body target; emails are looked up (a GET, never a write). */
  const targetOf = (
    grantee: Grantee.Grantee,
    operation: string,
    path: string
  ): Effect.Effect<Target, Errors.SharingError> => {
    switch (grantee._tag) {
      case "Everyone":
        return Effect.succeed({ _tag: "Everyone" })
      case "Group": {
        const id = parseIdText(grantee.id)
        return id === undefined
          ? Effect.fail(
              Errors.invalid(
                provider,
                operation,
                `${path}.id`,
                `must be an EnergyCAP userGroupId, a positive int32; got ${JSON.stringify(grantee.id)}`
              )
            )
          : Effect.succeed({ _tag: "Group", userGroupId: id })
      }
      case "User": {
        if (grantee.id !== undefined) {
          const id = parseIdText(grantee.id)
          return id === undefined
            ? Effect.fail(
                Errors.invalid(
                  provider,
                  operation,
                  `${path}.id`,
                  `must be an EnergyCAP userId, a positive int32; got ${JSON.stringify(grantee.id)}`
                )
              )
            : Effect.succeed({ _tag: "User", userId: id, email: grantee.email })
        }
        const email = grantee.email ?? ""
        return Effect.flatMap(userByEmail(email, operation, `${path}.email`), (found) =>
          Option.isSome(found)
            ? Effect.succeed<Target>({ _tag: "User", userId: found.value.userId, email })
            : Effect.fail(
                Errors.invalid(
                  provider,
                  operation,
                  `${path}.email`,
                  `no EnergyCAP user has the email ${JSON.stringify(email)}`
                )
              )
        )
      }
      default:
        return Effect.fail(
          new Errors.Unsupported({
            provider,
            operation,
            feature: `grantee kind ${grantee._tag}`,
            message: `EnergyCAP shares lists with users, user groups and everyone only (field: ${path})`
          })
        )
    }
  }

  /** PUT `next`, then check the answer and a read-back against it. */
  const writeVerified = (
    listId: number,
    next: State,
    operation: string,
    change: { readonly target: Target; readonly present: boolean }
  ): Effect.Effect<Wire.ShareResponse, Errors.SharingError> =>
    Effect.gen(function* () {
      const answered = yield* client.editListShare(listId, requestOf(next))
      // the PUT answer already differs: no need to read again
      const readBack = sameState(stateOf(answered), next) ? yield* client.getListShare(listId) : answered
      const seen = stateOf(readBack)
      if (!sameState(seen, next)) {
        const survived = contains(seen, change.target) === change.present
        return yield* new Errors.Conflict({
          provider,
          operation,
          message:
            `EnergyCAP list ${listId} changed while we wrote it (another writer): we wrote ${describeState(next)}, ` +
            `read back ${describeState(seen)}; our ${change.present ? "grant" : "revoke"} of ${shareIdOf(change.target)} ` +
            `${survived ? "is in effect" : "was lost"}. Retry, or reconcile with sync.`,
          detail: { listId, wrote: requestOf(next), readBack: requestOf(seen), ourChangeInEffect: survived }
        })
      }
      return readBack
    })

  const listShares: SharingProvider.Shape["list"] = (resource, options = {}) =>
    Stream.unwrap(
      Effect.gen(function* () {
        const listId = yield* listIdOf(resource, "list")
        const response = yield* client.getListShare(listId)
        void options // no inherited or revoked shares on EnergyCAP lists
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
      const target = yield* targetOf(translated.value.grantee, "grant", "grantee")
      return yield* withListLock(
        listId,
        Effect.gen(function* () {
          const before = yield* client.getListShare(listId)
          const state = stateOf(before)
          if (contains(state, target)) {
            return shareOf(resource, granteeOf(target, before), shareIdOf(target), rawOf(target, before))
          }
          if (target._tag === "Everyone" && hasExplicit(state)) {
            return yield* new Errors.Conflict({
              provider,
              operation: "grant",
              message:
                `EnergyCAP list ${listId} is shared with ${describeState(state)}; sharing with Everyone would drop those ` +
                "explicit shares. Revoke them first, or call replace with [Everyone] to switch on purpose.",
              detail: { listId, current: requestOf(state) }
            })
          }
          if (target._tag !== "Everyone" && state.everyone) {
            return yield* new Errors.Conflict({
              provider,
              operation: "grant",
              message:
                `EnergyCAP list ${listId} is shared with Everyone, which cannot be combined with ${shareIdOf(target)}. ` +
                "Revoke Everyone first, or call replace with the explicit set to switch on purpose.",
              detail: { listId, current: requestOf(state) }
            })
          }
          const after = yield* writeVerified(listId, add(state, target), "grant", { target, present: true })
          return shareOf(resource, granteeOf(target, after), shareIdOf(target), rawOf(target, after))
        })
      )
    })

  const update: SharingProvider.Shape["update"] = (resource, shareId, level, options = {}) =>
    Effect.gen(function* () {
      yield* listIdOf(resource, "update")
      // EnergyCAP has one level: validate and translate it (before any request), then report the share as is
      const wanted = yield* Translation.validate(AccessLevel.AccessLevel, level, {
        provider,
        operation: "update",
        path: "level"
      })
      const translated = Translation.translateLevel(wanted, capabilities.levels, options.onLossy ?? "round-down")
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
        })
      )
    })

  const replace: NonNullable<SharingProvider.Shape["replace"]> = (resource, desired, options = {}) =>
    Effect.gen(function* () {
      const listId = yield* listIdOf(resource, "replace")
      const grants: Array<Grantee.Grantee> = []
      for (const [i, wanted] of desired.entries()) {
        const t = yield* Translation.translateGrant(capabilities, resource, wanted, options, "replace").pipe(
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
      const targets = yield* Effect.forEach(grants, (g, i) => targetOf(g, "replace", `desired.${i}.grantee`), {
        concurrency: 8
      })
      const next: State = {
        everyone: everyoneAt >= 0,
        users: [...new Set(targets.flatMap((t) => (t._tag === "User" ? [t.userId] : [])))],
        groups: [...new Set(targets.flatMap((t) => (t._tag === "Group" ? [t.userGroupId] : [])))]
      }
      const answered = yield* withListLock(listId, client.editListShare(listId, requestOf(next)))
      const seen = stateOf(answered)
      if (!sameState(seen, next)) {
        return yield* new Errors.Conflict({
          provider,
          operation: "replace",
          message: `EnergyCAP answered the write of list ${listId} with ${describeState(seen)}, not ${describeState(next)}`,
          detail: { listId, wrote: requestOf(next), answered: requestOf(seen) }
        })
      }
      const emails = new Map(
        targets.flatMap((t) => (t._tag === "User" && t.email !== undefined ? [[t.userId, t.email]] : []))
      )
      return sharesOf(resource, answered).map((s) => {
        const email =
          s.grantee._tag === "User" && s.grantee.id !== undefined ? emails.get(Number(s.grantee.id)) : undefined
        return email === undefined
          ? s
          : { ...s, grantee: Grantee.user({ id: (s.grantee as Grantee.User).id ?? "", email }) }
      })
    })

  const resolveGrantee: NonNullable<SharingProvider.Shape["resolveGrantee"]> = (grantee) =>
    Effect.gen(function* () {
      const valid = yield* Translation.validate(Grantee.Grantee, grantee, {
        provider,
        operation: "resolveGrantee",
        path: "grantee"
      })
      if (valid._tag === "User" && valid.id === undefined) {
        const email = valid.email ?? ""
        const found = yield* userByEmail(email, "resolveGrantee", "grantee.email")
        return Option.map(found, (u) => Grantee.user({ id: String(u.userId), email }))
      }
      // ids are canonical already: validate them, no request
      const target = yield* targetOf(valid, "resolveGrantee", "grantee")
      return Option.some(target._tag === "User" ? granteeOf(target, undefined) : valid)
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
              ...(typeof l.listInfo === "string" ? { name: l.listInfo } : {})
            }))
          )
        )
      ),
      resolveGrantee
    },
    Client.inputRules
  )
}
