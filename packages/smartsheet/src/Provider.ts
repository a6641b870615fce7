/**
 * The neutral `SharingProvider` on Smartsheet's `/shares` endpoints.
 *
 * - Resources are assets: `asset("sheet", "123")` → `{ provider: "smartsheet", kind: "sheet", id: "123" }`.
 * - Grantees: `User` with an email (Smartsheet shares to users by primary email) or `Group` (groupId).
 * - Levels map one to one: viewer=VIEWER, commenter=COMMENTER, editor=EDITOR, sharer=EDITOR_SHARE,
 *   admin=ADMIN, owner=OWNER. OWNER is read-only (ownership transfer is unsupported); dashboards
 *   (`sight`) have no EDITOR, so an `editor` grant there follows the `onLossy` policy.
 * - Shares with `scope: WORKSPACE` are reported `inherited: true` and cannot be changed on the item.
 * - `grant` is idempotent: existing share at the same level → returned; at another level → PATCHed.
 *
 * Requests (the fewest the documented API allows; `requestBounds` holds them as data, the tests
 * check them against the simulator's log). A listing is `⌈n / 100⌉` pages (`maxItems` is at least
 * 100 and its maximum is not documented). An array `POST /shares` creates every grantee that has no
 * share yet and silently skips the others, so it is idempotent on its own:
 *
 * | operation | requests |
 * | --- | --- |
 * | `list` | pages |
 * | `get`, `update` (PATCH), `revoke` (DELETE; an unknown share, 1027, counts as revoked) | 1 |
 * | `grant`, new grantee | 1 (the array POST; its `result` is the share) |
 * | `grant`, existing share | 1 + pages (the POST skipped it: one `ITEM` listing finds it; + 1 PATCH at another level) |
 * | `sync`, nothing to change | pages |
 * | `sync`, changes | pages + revocations + level changes + ⌈grants / 100⌉ (array POSTs) + pages of the read-back |
 * | `resolveGrantee` | 0 (users are shared by email and groups by id: nothing to look up, so no batch `resolveGrantees`) |
 *
 * `sync` writes revocations and downgrades first, then upgrades, then grants (`Apply.writeOrder`).
 *
 * @since 0.1.0
 */
import {
  type AccessLevel,
  Capabilities,
  Errors as CoreErrors,
  Grantee,
  HttpApi,
  Input,
  KeyedLock,
  RequestBounds,
  ResourceRef,
  type Share,
  ShareStatus,
  type SharingProvider,
  Translation,
  Warning
} from "@unishare/core"
import { Effect, Option, Schema, Stream } from "effect"
import * as Client from "./Client.ts"
import * as Errors from "./Errors.ts"
import * as Wire from "./Wire.ts"

/**
 * What the adapter can do.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/smartsheet"
 * Provider.capabilities.readOnlyLevels // ["owner"]
 * ```
 */
export const capabilities: Capabilities.Capabilities = Capabilities.make({
  provider: Errors.provider,
  granteeKinds: ["User", "Group"],
  levels: ["viewer", "commenter", "editor", "sharer", "admin"],
  readOnlyLevels: ["owner"],
  levelsByResourceKind: { sight: ["viewer", "commenter", "sharer", "admin"] },
  updateLevel: true,
  nativeReplace: false,
  asyncStatus: false,
  notify: true,
  inheritedShares: true,
  everyoneExclusive: false,
  pageSize: 100,
  rateLimit: { requests: 300, windowMillis: 60_000 }
})

/** Shares per listing page (the documented default and minimum of `maxItems`). */
const listPage = 100
/** Share requests per array `POST /shares`. */
const postBatch = 100

/**
 * The fewest requests per operation on Smartsheet (see the module documentation for why).
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/smartsheet"
 * Provider.requestBounds.sync({ before: 51, after: 101, add: 50, remove: 0, upgrade: 0, downgrade: 0, emails: 0 }) // 4
 * ```
 */
export const requestBounds: RequestBounds.RequestBounds = {
  list: (shares) => RequestBounds.pages(shares, listPage),
  get: 1,
  grant: () => 1,
  grantExisting: (shares) => 1 + RequestBounds.pages(shares, listPage),
  update: 1,
  revoke: 1,
  sync: (c) =>
    RequestBounds.pages(c.before, listPage) +
    (RequestBounds.writes(c)
      ? c.remove + c.downgrade + c.upgrade + Math.ceil(c.add / postBatch) + RequestBounds.pages(c.after, listPage)
      : 0)
}

/**
 * A Smartsheet asset as a neutral resource reference.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/smartsheet"
 * Provider.asset("sight", "4000000000000003") // { provider: "smartsheet", kind: "sight", id: "4000000000000003" }
 * ```
 */
export const asset = (assetType: Wire.AssetType, assetId: string): ResourceRef.ResourceRef =>
  ResourceRef.make({ provider: Errors.provider, kind: assetType, id: assetId })

/**
 * Neutral level → Smartsheet access level.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/smartsheet"
 * Provider.toWireLevel.sharer // "EDITOR_SHARE"
 * ```
 */
export const toWireLevel: Readonly<Record<AccessLevel.AccessLevel, Wire.AccessLevel>> = {
  viewer: "VIEWER",
  commenter: "COMMENTER",
  editor: "EDITOR",
  sharer: "EDITOR_SHARE",
  admin: "ADMIN",
  owner: "OWNER"
}

/**
 * Smartsheet access level → neutral level.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/smartsheet"
 * Provider.fromWireLevel.EDITOR_SHARE // "sharer"
 * ```
 */
export const fromWireLevel: Readonly<Record<Wire.AccessLevel, AccessLevel.AccessLevel>> = {
  VIEWER: "viewer",
  COMMENTER: "commenter",
  EDITOR: "editor",
  EDITOR_SHARE: "sharer",
  ADMIN: "admin",
  OWNER: "owner"
}

/**
 * The native asset named by a resource reference, or `InvalidInput` naming the bad field
 * (`resource.provider`, `resource.kind` for an unknown assetType, `resource.id`).
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/smartsheet"
 * Provider.toAsset(Provider.asset("sheet", "1"), "get") // Effect succeeding with { assetType: "sheet", assetId: "1" }
 * ```
 */
export const toAsset = (
  resource: ResourceRef.ResourceRef,
  operation: string
): Effect.Effect<Client.Asset, CoreErrors.InvalidInput> => {
  const issues: Array<CoreErrors.Issue> = []
  if (resource.provider !== Errors.provider) {
    issues.push({
      path: "resource.provider",
      message: `expected "smartsheet", got ${JSON.stringify(resource.provider)}`
    })
  }
  if (!Wire.assetTypes.includes(resource.kind as Wire.AssetType)) {
    issues.push({
      path: "resource.kind",
      message: `unknown assetType ${JSON.stringify(resource.kind)} (expected one of ${Wire.assetTypes.join(", ")})`
    })
  }
  if (typeof resource.id !== "string" || resource.id === "") {
    issues.push({ path: "resource.id", message: "assetId must be a non-empty string" })
  }
  return issues.length > 0
    ? Effect.fail(new CoreErrors.InvalidInput({ provider: Errors.provider, operation, issues }))
    : Effect.succeed({ assetType: resource.kind as Wire.AssetType, assetId: resource.id })
}

/**
 * The neutral grantee of a Smartsheet share (`USER` → `User{id, email}`, `GROUP` → `Group{id, name}`).
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/smartsheet"
 * Provider.granteeOf({ id: "s", type: "GROUP", groupId: "7", name: "Finance", accessLevel: "VIEWER", scope: "ITEM" })
 * // Some({ _tag: "Group", id: "7", name: "Finance" })
 * ```
 */
export const granteeOf = (share: Wire.Share): Option.Option<Grantee.Grantee> => {
  if (share.type === "GROUP") {
    return share.groupId !== undefined && share.groupId !== ""
      ? Option.some(Grantee.group(share.groupId, share.name))
      : Option.none()
  }
  const id = share.userId !== undefined && share.userId !== "" ? share.userId : undefined
  const email = share.email !== undefined && share.email !== "" ? share.email : undefined
  if (id === undefined && email === undefined) return Option.none()
  return Option.some(Grantee.user({ ...(id !== undefined ? { id } : {}), ...(email !== undefined ? { email } : {}) }))
}

/**
 * A Smartsheet share as a neutral share (`inherited` when `scope` is `WORKSPACE`; always `active`).
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/smartsheet"
 * Provider.toShare(Provider.asset("sheet", "1"),
 *   { id: "AAA", type: "USER", email: "a@x.io", userId: "5", accessLevel: "EDITOR_SHARE", scope: "WORKSPACE" }, "list")
 * // Effect succeeding with level "sharer", inherited true
 * ```
 */
export const toShare = (
  resource: ResourceRef.ResourceRef,
  share: Wire.Share,
  operation: string
): Effect.Effect<Share.Share, CoreErrors.ProtocolError> => {
  const grantee = granteeOf(share)
  if (Option.isNone(grantee)) {
    return Effect.fail(
      new CoreErrors.ProtocolError({
        provider: Errors.provider,
        operation,
        message: `smartsheet ${operation}: share ${share.id} of type ${share.type} names no ${share.type === "GROUP" ? "groupId" : "email or userId"}`
      })
    )
  }
  return Effect.succeed({
    id: share.id,
    resource,
    grantee: grantee.value,
    level: fromWireLevel[share.accessLevel],
    status: ShareStatus.active,
    inherited: share.scope === "WORKSPACE",
    raw: share
  })
}

const NotifySchema = Schema.Struct({
  subject: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String),
  ccMe: Schema.optional(Schema.Boolean)
})

const ShareId = Schema.String.check(Schema.isMinLength(1))

/**
 * Options of the provider built from a client.
 *
 * @example
 * ```ts
 * import type { Provider } from "@unishare/smartsheet"
 * const opts: Provider.Options = { readOnlyCacheSize: 1_000 }
 * ```
 */
export interface Options {
  /**
   * How many read-only share ids (seen with `scope: WORKSPACE`, or the owner's) to remember, so
   * that update and revoke refuse them without a request. Default 10 000.
   */
  readonly readOnlyCacheSize?: number | undefined
  /**
   * Also log the warnings of writes (a narrowed or widened level) with `Warning.log`. Default
   * `false`: the adapter logs nothing; `Granting.grant` returns the warnings.
   */
  readonly logWarnings?: boolean | undefined
}

/**
 * The neutral provider on a native client.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { Client, Provider } from "@unishare/smartsheet"
 * const provider = Effect.map(Client.make({ token: Redacted.make("t") }), (client) => Provider.fromClient(client))
 * ```
 */
export const fromClient = (client: Client.Client, options: Options = {}): SharingProvider.Shape => {
  const provider = Errors.provider
  const locks = KeyedLock.make()
  /** Share ids seen read-only on a resource: inherited from the workspace, or the owner's share. */
  const readOnly = new Map<string, "inherited" | "owner">()
  const cacheSize = options.readOnlyCacheSize ?? 10_000
  const shareKey = (resource: ResourceRef.ResourceRef, shareId: string) => `${ResourceRef.key(resource)}#${shareId}`

  const remember = (share: Share.Share) =>
    Effect.sync(() => {
      const key = shareKey(share.resource, share.id)
      readOnly.delete(key)
      const kind = share.inherited ? "inherited" : share.level === "owner" ? "owner" : undefined
      if (kind !== undefined) {
        readOnly.set(key, kind)
        if (readOnly.size > cacheSize) {
          const oldest = readOnly.keys().next()
          if (oldest.done !== true) readOnly.delete(oldest.value)
        }
      }
      return share
    })

  /** Refuses, without a request, writes to a share already seen as inherited or as the owner's. */
  const refuseReadOnly = (resource: ResourceRef.ResourceRef, shareId: string, operation: string) => {
    const kind = readOnly.get(shareKey(resource, shareId))
    if (kind === "inherited") {
      return Effect.fail(
        new CoreErrors.Conflict({
          provider,
          operation,
          message: `smartsheet ${operation}: share ${shareId} on ${ResourceRef.describe(resource)} is inherited from its workspace (scope WORKSPACE); change it on the workspace asset`,
          detail: { shareId, scope: "WORKSPACE" }
        })
      )
    }
    if (kind === "owner") {
      return Effect.fail(
        new CoreErrors.Unsupported({
          provider,
          operation,
          feature: "changing the owner's share",
          message: `smartsheet ${operation}: share ${shareId} is the owner's share of ${ResourceRef.describe(resource)}; it cannot be changed or removed`,
          detail: { shareId, accessLevel: "OWNER" }
        })
      )
    }
    return Effect.void
  }

  const validShareId = (shareId: string, operation: string) =>
    Translation.validate(ShareId, shareId, { provider, operation, path: "shareId" })

  /** Level translation for writes that name no grantee (update): core's rules, warnings logged on request. */
  const translateLevel = (
    resource: ResourceRef.ResourceRef,
    level: unknown,
    translation: Translation.Options,
    operation: string
  ) =>
    Effect.fromResult(Translation.translateLevelFor(capabilities, resource.kind, level, translation, operation)).pipe(
      Effect.tap((t) => logWarnings(t.warnings, resource, operation)),
      Effect.map((t) => t.value)
    )

  const logWarnings = (
    warnings: ReadonlyArray<Warning.Warning>,
    resource: ResourceRef.ResourceRef,
    operation: string
  ) =>
    options.logWarnings === true
      ? Warning.log(warnings, { provider, operation, resource: ResourceRef.describe(resource) })
      : Effect.void

  /** The item-level shares of these grantees, from one listing (`sharingInclude=ITEM`). */
  const findExisting = (a: Client.Asset, grantees: ReadonlyArray<Grantee.Grantee>) =>
    Effect.map(Stream.runCollect(client.listShares(a, { sharingInclude: "ITEM" })), (shares) =>
      grantees.map((grantee) =>
        Option.fromNullishOr(
          shares.find((share) => {
            if (share.scope !== "ITEM") return false
            const g = granteeOf(share)
            return Option.isSome(g) && g.value._tag === grantee._tag && Grantee.same(g.value, grantee)
          })
        )
      )
    )

  const list: SharingProvider.Shape["list"] = (resource, listOptions = {}) =>
    Stream.unwrap(
      Effect.map(toAsset(resource, "list"), (a) => {
        const wantInherited = listOptions.includeInherited !== false && a.assetType !== "workspace"
        return client
          .listShares(a, wantInherited ? { sharingInclude: "WORKSPACE" } : {})
          .pipe(Stream.mapEffect((share) => Effect.flatMap(toShare(resource, share, "list"), remember)))
      })
    )

  const get: SharingProvider.Shape["get"] = (resource, shareId) =>
    Effect.gen(function* () {
      const a = yield* toAsset(resource, "get")
      const id = yield* validShareId(shareId, "get")
      const share = yield* client.getShare(a, id)
      return yield* Effect.flatMap(toShare(resource, share, "get"), remember)
    })

  const patch = (resource: ResourceRef.ResourceRef, a: Client.Asset, share: Wire.Share, level: Wire.AccessLevel) =>
    Effect.gen(function* () {
      if (share.accessLevel === level) return yield* toShare(resource, share, "grant")
      if (share.accessLevel === "OWNER") {
        return yield* new CoreErrors.Unsupported({
          provider,
          operation: "grant",
          feature: "changing the owner's share",
          message: `smartsheet grant: ${ResourceRef.describe(resource)} is owned by this grantee; the owner's share cannot be changed`
        })
      }
      const updated = yield* client.updateShare(a, share.id, level)
      return yield* toShare(resource, updated, "grant")
    })

  /** A grantee Smartsheet can share with: a user by email, a group by its integer id. */
  const checkGrantee = (grantee: Grantee.Grantee, operation: string, path: string) => {
    if (grantee._tag === "User" && grantee.email === undefined) {
      return Effect.fail(
        CoreErrors.invalid(
          provider,
          operation,
          `${path}.email`,
          "Smartsheet shares with users by their primary email; this User has only an id"
        )
      )
    }
    if (grantee._tag === "Group" && !/^[0-9]+$/.test(grantee.id)) {
      return Effect.fail(
        CoreErrors.invalid(provider, operation, `${path}.id`, "a Smartsheet groupId is an integer (int64)")
      )
    }
    return Effect.void
  }

  /** A validated, translated grant ready for the array POST. */
  interface Prepared {
    readonly grantee: Grantee.Grantee
    readonly level: Wire.AccessLevel
    readonly request: Client.ShareRequest
    readonly sendEmail: boolean
  }

  const prepare = (
    resource: ResourceRef.ResourceRef,
    request: SharingProvider.GrantRequest,
    operation: string,
    path: string
  ): Effect.Effect<Prepared, CoreErrors.SharingError> =>
    Effect.gen(function* () {
      const translated = yield* Translation.translateRequest(capabilities, resource, request, operation)
      const grantee = translated.value.grantee
      yield* checkGrantee(grantee, operation, path)
      const notify =
        request.notify === undefined
          ? undefined
          : yield* Translation.validate(NotifySchema, request.notify, { provider, operation, path: "notify" })
      yield* logWarnings(translated.warnings, resource, operation)
      const level = toWireLevel[translated.value.level]
      return {
        grantee,
        level,
        sendEmail: notify !== undefined,
        request: {
          ...(grantee._tag === "User"
            ? { email: grantee.email }
            : grantee._tag === "Group"
              ? { groupId: grantee.id }
              : {}),
          accessLevel: level,
          ...(notify?.subject !== undefined ? { subject: notify.subject } : {}),
          ...(notify?.message !== undefined ? { message: notify.message } : {}),
          ...(notify?.ccMe !== undefined ? { ccMe: notify.ccMe } : {})
        }
      }
    })

  /**
   * Creates shares with array `POST /shares` (one per batch of 100 with the same notification).
   * The API skips grantees that already have a share and leaves them out of `result`; only then is
   * the asset listed (once) to find those shares, and the ones at another level are PATCHed. A POST
   * whose outcome is unknown is sent again: an array POST never duplicates.
   */
  const createAll = (
    resource: ResourceRef.ResourceRef,
    a: Client.Asset,
    prepared: ReadonlyArray<Prepared>
  ): Effect.Effect<ReadonlyArray<Share.Share>, CoreErrors.SharingError> =>
    Effect.gen(function* () {
      const found: Array<Wire.Share | undefined> = prepared.map(() => undefined)
      const groups = new Map<string, Array<number>>()
      prepared.forEach((p, i) => {
        const key = JSON.stringify([p.sendEmail, p.request.subject, p.request.message, p.request.ccMe])
        const g = groups.get(key) ?? []
        g.push(i)
        groups.set(key, g)
      })
      const batches: Array<ReadonlyArray<number>> = []
      for (const indices of groups.values())
        for (let k = 0; k < indices.length; k += postBatch) batches.push(indices.slice(k, k + postBatch))
      for (const batch of batches) {
        const post = client.shareAsset(
          a,
          batch.map((i) => prepared[i]!.request),
          { sendEmail: prepared[batch[0]!]!.sendEmail }
        )
        const result = yield* HttpApi.createOnce({ create: post, check: Effect.succeedNone })
        for (const share of result.result ?? []) {
          const g = granteeOf(share)
          if (Option.isNone(g)) continue
          const at = batch.find(
            (i) =>
              found[i] === undefined &&
              prepared[i]!.grantee._tag === g.value._tag &&
              Grantee.same(prepared[i]!.grantee, g.value)
          )
          if (at !== undefined) found[at] = share
        }
      }
      const skipped = prepared.flatMap((_, i) => (found[i] === undefined ? [i] : []))
      const existing =
        skipped.length === 0
          ? []
          : yield* findExisting(
              a,
              skipped.map((i) => prepared[i]!.grantee)
            )
      const shares: Array<Share.Share> = []
      for (const [i, p] of prepared.entries()) {
        const created = found[i]
        if (created !== undefined) {
          shares.push(yield* toShare(resource, created, "grant"))
          continue
        }
        const e = existing[skipped.indexOf(i)]
        if (e === undefined || Option.isNone(e)) {
          return yield* new CoreErrors.ProtocolError({
            provider,
            operation: "grant",
            message: `smartsheet grant: POST /shares created nothing for ${Grantee.describe(p.grantee)} and no existing share was found`
          })
        }
        shares.push(yield* patch(resource, a, e.value, p.level))
      }
      return shares
    })

  const grant: SharingProvider.Shape["grant"] = (resource, request) =>
    Effect.gen(function* () {
      const a = yield* toAsset(resource, "grant")
      const prepared = yield* prepare(resource, request, "grant", "grantee")
      const [share] = yield* locks.withLock(ResourceRef.key(resource), createAll(resource, a, [prepared]))
      return share!
    })

  const grantAll: NonNullable<SharingProvider.Shape["grantAll"]> = (resource, requests) =>
    Effect.gen(function* () {
      const a = yield* toAsset(resource, "grant")
      if (!Array.isArray(requests)) return yield* CoreErrors.invalid(provider, "grant", "requests", "must be an array")
      if (requests.length === 0) return []
      // every request is validated before the first POST
      const prepared = yield* Effect.forEach(requests, (r, i) => prepare(resource, r, "grant", `requests.${i}.grantee`))
      return yield* locks.withLock(ResourceRef.key(resource), createAll(resource, a, prepared))
    })

  const update: SharingProvider.Shape["update"] = (resource, shareId, level, translation = {}) =>
    Effect.gen(function* () {
      const a = yield* toAsset(resource, "update")
      const id = yield* validShareId(shareId, "update")
      const wanted = yield* translateLevel(resource, level, translation, "update")
      yield* refuseReadOnly(resource, id, "update")
      return yield* locks.withLock(
        ResourceRef.key(resource),
        Effect.flatMap(client.updateShare(a, id, toWireLevel[wanted]), (share) =>
          Effect.flatMap(toShare(resource, share, "update"), remember)
        )
      )
    })

  const revoke: SharingProvider.Shape["revoke"] = (resource, shareId) =>
    Effect.gen(function* () {
      const a = yield* toAsset(resource, "revoke")
      const id = yield* validShareId(shareId, "revoke")
      yield* refuseReadOnly(resource, id, "revoke")
      yield* locks.withLock(
        ResourceRef.key(resource),
        client.deleteShare(a, id).pipe(
          Effect.asVoid,
          Effect.catchIf(
            (e) => Errors.errorCodeOf(e) === Errors.codes.shareNotFound,
            () => Effect.void
          )
        )
      )
    })

  const resolveGrantee: NonNullable<SharingProvider.Shape["resolveGrantee"]> = (grantee) =>
    Effect.gen(function* () {
      const valid = yield* Translation.validate(Grantee.Grantee, grantee, {
        provider,
        operation: "resolveGrantee",
        path: "grantee"
      })
      switch (valid._tag) {
        case "User":
          if (valid.email !== undefined) return Option.some(Grantee.user({ email: valid.email }))
          return yield* new CoreErrors.Unsupported({
            provider,
            operation: "resolveGrantee",
            feature: "resolving a user id to an email",
            message:
              "smartsheet resolveGrantee: users are shared by primary email; this adapter does not look user ids up (field: grantee.email)"
          })
        case "Group":
          yield* checkGrantee(valid, "resolveGrantee", "grantee")
          return Option.some(Grantee.group(valid.id, valid.name))
        default:
          return Option.none()
      }
    })

  // every entry point decodes its arguments and checks asset ids, share ids and emails first
  return Input.guard({ capabilities, list, get, grant, grantAll, update, revoke, resolveGrantee }, Client.inputRules)
}
