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

  /** Level translation for writes that name no grantee (update): core's rules, warnings logged. */
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
  ) => Warning.log(warnings, { provider, operation, resource: ResourceRef.describe(resource) })

  /** The item-level share of this grantee, if any. */
  const findExisting = (a: Client.Asset, grantee: Grantee.Grantee) =>
    client.listShares(a, { sharingInclude: "ITEM" }).pipe(
      Stream.filter((share) => {
        if (share.scope !== "ITEM") return false
        const g = granteeOf(share)
        return Option.isSome(g) && g.value._tag === grantee._tag && Grantee.same(g.value, grantee)
      }),
      Stream.runHead
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

  const grant: SharingProvider.Shape["grant"] = (resource, request) =>
    Effect.gen(function* () {
      const a = yield* toAsset(resource, "grant")
      const translated = yield* Translation.translateRequest(capabilities, resource, request, "grant")
      const grantee = translated.value.grantee
      if (grantee._tag === "User" && grantee.email === undefined) {
        return yield* CoreErrors.invalid(
          provider,
          "grant",
          "grantee.email",
          "Smartsheet shares with users by their primary email; this User has only an id"
        )
      }
      if (grantee._tag === "Group" && !/^[0-9]+$/.test(grantee.id)) {
        return yield* CoreErrors.invalid(provider, "grant", "grantee.id", "a Smartsheet groupId is an integer (int64)")
      }
      const notify =
        request.notify === undefined
          ? undefined
          : yield* Translation.validate(NotifySchema, request.notify, { provider, operation: "grant", path: "notify" })
      yield* logWarnings(translated.warnings, resource, "grant")
      const level = toWireLevel[translated.value.level]
      const shareRequest: Client.ShareRequest = {
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
      return yield* locks.withLock(
        ResourceRef.key(resource),
        Effect.gen(function* () {
          const existing = yield* findExisting(a, grantee)
          if (Option.isSome(existing)) return yield* patch(resource, a, existing.value, level)
          const created = yield* HttpApi.createOnce({
            create: client
              .shareAsset(a, [shareRequest], { sendEmail: notify !== undefined })
              .pipe(Effect.map((r) => Option.fromNullishOr(r.result?.[0]))),
            check: findExisting(a, grantee).pipe(Effect.map(Option.map(Option.some)))
          })
          if (Option.isSome(created)) return yield* toShare(resource, created.value, "grant")
          // The array POST skipped it: a share for this grantee appeared meanwhile.
          const appeared = yield* findExisting(a, grantee)
          if (Option.isSome(appeared)) return yield* patch(resource, a, appeared.value, level)
          return yield* new CoreErrors.ProtocolError({
            provider,
            operation: "grant",
            message: `smartsheet grant: POST /shares created nothing for ${Grantee.describe(grantee)} and no existing share was found`
          })
        })
      )
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

  const resolveGrantee: NonNullable<SharingProvider.Shape["resolveGrantee"]> = (grantee) => {
    switch (grantee._tag) {
      case "User":
        if (grantee.email !== undefined) return Effect.succeed(Option.some(Grantee.user({ email: grantee.email })))
        return Effect.fail(
          new CoreErrors.Unsupported({
            provider,
            operation: "resolveGrantee",
            feature: "resolving a user id to an email",
            message:
              "smartsheet resolveGrantee: users are shared by primary email; this adapter does not look user ids up (field: grantee.email)"
          })
        )
      case "Group":
        return Effect.succeed(Option.some(Grantee.group(grantee.id, grantee.name)))
      default:
        return Effect.succeed(Option.none())
    }
  }

  // every entry point decodes its arguments and checks asset ids, share ids and emails first
  return Input.guard({ capabilities, list, get, grant, update, revoke, resolveGrantee }, Client.inputRules)
}
