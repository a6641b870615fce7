/**
 * The neutral `SharingProvider` for Cloudflare Resource Sharing.
 *
 * - Resource: one Cloudflare share, `share(accountId, shareId)` →
 *   `{ provider: "cloudflare", kind: "share", id: shareId, parent: accountId }`.
 * - Grantees: `Account` (a recipient, `recipient_account_id`) and `Organization`
 *   (`organization_id`). A neutral share's `id` is the recipient id. Cloudflare fixes a share's
 *   target when it is created: an organization-targeted share is reported as one share for the
 *   `Organization` grantee (its `id` is the organization id) plus one `inherited` share per member
 *   account (their access comes from membership; revoking one adds an excluded recipient,
 *   granting it again removes the exclusion). Organizations cannot be added to account-targeted
 *   shares (`Unsupported`).
 * - One implicit level: `viewer`, meaning "the recipient can use the shared resources". Other
 *   levels translate per `onLossy` (`round-down` → viewer with a `Lossy` warning; `fail` →
 *   `Unsupported`); `update` to viewer returns the share unchanged. Warnings are values
 *   (`Granting.grant` returns them, the planner reports them); the adapter logs nothing unless
 *   built with `logWarnings: true`.
 * - Status: associating → pending, associated → active, disassociating → revoking, disassociated →
 *   revoked; a share that is `deleting`/`deleted` makes its live recipients revoking. Per-resource
 *   errors (`resources[].error`): terminal → `failed{terminal: true}`, others → `pending` with the
 *   message.
 * - `replace` uses `PUT …/recipients` (account-targeted shares only; organization-targeted shares and
 *   `Organization` grantees fail with `Unsupported` before any write).
 * - Writes to one share are serialized (`KeyedLock`).
 *
 * Requests (the fewest the documented API allows; `requestBounds` holds them as data, the tests
 * check them against the simulator's log). Recipient listings are `⌈n / 100⌉` pages (`per_page` ≤ 100;
 * Cloudflare keeps revoked recipients in the listing). A recipient object carries neither the
 * share's status nor its target type, so reads that report shares also read the share (1). A share's
 * target type never changes: once read it is remembered, and writes to shares not known to be
 * organization-targeted go out without reading the share (Cloudflare refuses recipient writes on
 * organization-targeted shares; only then is the share read, to answer precisely). Cloudflare
 * documents no answer to a duplicate `POST …/recipients`, so `grant` lists before it posts.
 *
 * | operation | requests |
 * | --- | --- |
 * | `list` | 1 (the share) + pages |
 * | `get`, `update` (one level: validated, then a `get`) | 2 (share, recipient) |
 * | `grant`, new account | pages + 1 (POST) |
 * | `grant`, existing recipient | pages + 1 (the share, for the status) |
 * | `revoke` | 1 (DELETE; idempotent on a revoked recipient) |
 * | `replace` | 1 (PUT) + pages of the read-back |
 * | `sync`, nothing to change | 1 + pages |
 * | `sync`, changes | 1 + pages + 1 (PUT) + pages of the read-back (the verification) |
 * | `resolveGrantee` | 0 (accounts and organizations are given by id, checked locally: no batch `resolveGrantees`) |
 *
 * @since 0.1.0
 */
import {
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
import { Effect, Option, Stream } from "effect"
import type { HttpClient } from "effect/http"
import * as Client from "./Client.ts"
import { provider } from "./Errors.ts"
import type * as Wire from "./Wire.ts"

/**
 * The resource kind of a Cloudflare share.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/cloudflare"
 * Provider.kind // "share"
 * ```
 */
export const kind = "share"

/**
 * The single access level and what it means.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/cloudflare"
 * Provider.level // "viewer"
 * ```
 */
export const level = "viewer" as const

/**
 * What `viewer` means on Cloudflare.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/cloudflare"
 * Provider.levelMeaning // "recipient can use the shared resources"
 * ```
 */
export const levelMeaning = "recipient can use the shared resources"

/**
 * A reference to a Cloudflare share owned by `accountId`.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/cloudflare"
 * Provider.share("023e105f4ecef8ad9ca31a8372d0c353", "3fd85f74b32742f1bff64a85009dda07")
 * // { provider: "cloudflare", kind: "share", id: "3fd85f74…", parent: "023e105f…" }
 * ```
 */
export const share = (accountId: string, shareId: string): ResourceRef.ResourceRef => ({
  provider,
  kind,
  id: shareId,
  parent: accountId
})

/**
 * The adapter's capabilities.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/cloudflare"
 * Provider.capabilities.asyncStatus // true
 * ```
 */
export const capabilities: Capabilities.Capabilities = Capabilities.make({
  provider,
  granteeKinds: ["Account", "Organization"],
  levels: [level],
  updateLevel: false,
  nativeReplace: true,
  asyncStatus: true,
  inheritedShares: true,
  pageSize: Client.maxPerPage,
  rateLimit: Client.documentedRateLimit
})

/**
 * Options of the provider built from a client: the accounts whose shares `listResources`
 * enumerates (without them `listResources` is absent), and `logWarnings` (default `false`): also
 * log the warnings of writes (a level narrowed to `viewer`, an unsupported `notify`) with
 * `Warning.log`. By default the adapter logs nothing; `Granting.grant` returns the warnings.
 *
 * @example
 * ```ts
 * import type { Provider } from "@unishare/cloudflare"
 * const options: Provider.Options = { accounts: ["023e105f4ecef8ad9ca31a8372d0c353"], logWarnings: true }
 * ```
 */
export interface Options {
  readonly accounts?: ReadonlyArray<string> | undefined
  readonly logWarnings?: boolean | undefined
}

/**
 * Provider configuration: the client's, plus the provider's `Options`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Client, type Provider } from "@unishare/cloudflare"
 * const config: Provider.Config = { credentials: Client.apiToken(Redacted.make("t")), accounts: ["023e105f4ecef8ad9ca31a8372d0c353"] }
 * ```
 */
export interface Config extends Client.Config, Options {}

/**
 * Maps a recipient (with its share) to a neutral status.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/cloudflare"
 * Provider.statusOf("active", { id: "r", account_id: "a", association_status: "associating", created: "", modified: "",
 *   resources: [{ error: "Recipient is missing necessary entitlement", resource_id: "x", resource_version: 1, terminal: true }] })
 * // { _tag: "failed", message: "Recipient is missing necessary entitlement (resource x)", terminal: true }
 * ```
 */
export const statusOf = (shareStatus: Wire.ShareStatus, r: Wire.Recipient): ShareStatus.ShareStatus => {
  switch (r.association_status) {
    case "disassociated":
      return ShareStatus.revoked
    case "disassociating":
      return ShareStatus.revoking
    default: {
      if (shareStatus !== "active") return ShareStatus.revoking
      const errors = (r.resources ?? []).filter((e) => e.error !== "")
      const describe = (e: Wire.RecipientResource) => `${e.error} (resource ${e.resource_id})`
      const terminal = errors.filter((e) => e.terminal)
      if (terminal.length > 0) return ShareStatus.failed(terminal.map(describe).join("; "), true)
      if (errors.length > 0) return ShareStatus.pending(errors.map(describe).join("; "))
      return r.association_status === "associated" ? ShareStatus.active : ShareStatus.pending()
    }
  }
}

/** What a successful recipient write implies about its share: active and account-targeted. */
const activeAccountShare = { status: "active", target_type: "account" } as const

/** Recipients per listing page (Cloudflare's maximum `per_page`). */
const recipientPage = 100

/**
 * The fewest requests per operation on Cloudflare (see the module documentation for why). `shares`
 * counts the recipients Cloudflare lists, revoked ones included; there is one level, so `sync` has
 * no upgrades or downgrades.
 *
 * @example
 * ```ts
 * import { Provider } from "@unishare/cloudflare"
 * Provider.requestBounds.sync({ before: 0, after: 50, add: 50, remove: 0, upgrade: 0, downgrade: 0, emails: 0 }) // 4
 * ```
 */
export const requestBounds: RequestBounds.RequestBounds = {
  list: (shares) => 1 + RequestBounds.pages(shares, recipientPage),
  get: 2,
  grant: (shares) => RequestBounds.pages(shares, recipientPage) + 1,
  grantExisting: (shares) => RequestBounds.pages(shares, recipientPage) + 1,
  update: 2,
  revoke: 1,
  sync: (c) =>
    1 +
    RequestBounds.pages(c.before, recipientPage) +
    (RequestBounds.writes(c) ? 1 + RequestBounds.pages(c.after, recipientPage) : 0)
}

const isLive = (r: Wire.Recipient) => r.association_status === "associating" || r.association_status === "associated"

/**
 * Builds the provider on an existing native client.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { Client, Provider } from "@unishare/cloudflare"
 * const provider = Effect.map(Client.make({ credentials: Client.apiToken(Redacted.make("t")) }), (c) => Provider.fromClient(c))
 * ```
 */
export const fromClient = (client: Client.Client, options: Options = {}): SharingProvider.Shape => {
  const lock = KeyedLock.make()
  /**
   * Target type of the shares read so far (fixed when a share is created, so it never goes stale).
   * Writes to a share known to be organization-targeted take that path directly; to any other share
   * they go out without reading the share first.
   */
  const targets = new Map<string, Wire.Share["target_type"]>()
  const readShare = (accountId: string, shareId: string) =>
    Effect.tap(client.getShare(accountId, shareId), (s) =>
      Effect.sync(() => {
        targets.set(`${accountId}/${shareId}`, s.target_type)
        if (targets.size > 10_000) {
          const oldest = targets.keys().next()
          if (oldest.done !== true) targets.delete(oldest.value)
        }
      })
    )
  const knownOrganization = (accountId: string, shareId: string) =>
    targets.get(`${accountId}/${shareId}`) === "organization"

  const target = (resource: ResourceRef.ResourceRef, operation: string) =>
    Effect.gen(function* () {
      const issues: Array<CoreErrors.Issue> = []
      if (resource.provider !== provider)
        issues.push({ path: "resource.provider", message: `must be "cloudflare" (got ${resource.provider})` })
      if (resource.kind !== kind)
        issues.push({ path: "resource.kind", message: `must be "share" (got ${resource.kind})` })
      if (resource.parent === undefined || resource.parent === "")
        issues.push({ path: "resource.parent", message: "the owning account id is required (use Provider.share)" })
      else if (resource.parent.length > 32)
        issues.push({ path: "resource.parent", message: "an account id has at most 32 characters" })
      if (resource.id.length === 0 || resource.id.length > 32)
        issues.push({ path: "resource.id", message: "a share id has 1 to 32 characters" })
      if (issues.length > 0) return yield* new CoreErrors.InvalidInput({ provider, operation, issues })
      return { accountId: resource.parent!, shareId: resource.id }
    })

  const checkShareId = (shareId: string, operation: string) =>
    shareId.length === 0 || shareId.length > 32
      ? Effect.fail(CoreErrors.invalid(provider, operation, "shareId", "a recipient id has 1 to 32 characters"))
      : Effect.void

  const toShare = (
    resource: ResourceRef.ResourceRef,
    s: Pick<Wire.Share, "status" | "target_type">,
    r: Wire.Recipient
  ): Share.Share => ({
    id: r.id,
    resource,
    grantee: Grantee.account(r.account_id),
    level,
    status: statusOf(s.status, r),
    inherited: s.target_type === "organization",
    createdAt: r.created,
    updatedAt: r.modified,
    raw: r
  })

  /** The organization target of an organization-targeted share, as one neutral share. */
  const organizationShare = (resource: ResourceRef.ResourceRef, s: Wire.Share): Share.Share => ({
    id: s.organization_id,
    resource,
    grantee: Grantee.organization(s.organization_id),
    level,
    status:
      s.status === "active" ? ShareStatus.active : s.status === "deleting" ? ShareStatus.revoking : ShareStatus.revoked,
    inherited: false,
    createdAt: s.created,
    updatedAt: s.modified,
    raw: s
  })

  const recipients = (accountId: string, shareId: string) =>
    Stream.runCollect(client.listRecipients(accountId, shareId, { include_resources: true }))

  const findByAccount = (list: ReadonlyArray<Wire.Recipient>, accountId: string) =>
    list.find((r) => r.account_id === accountId && isLive(r)) ?? list.find((r) => r.account_id === accountId)

  /** Warnings are returned (`Granting.grant`), logged only on request (`logWarnings: true`). */
  const logWarnings = (warnings: ReadonlyArray<Warning.Warning>, operation: string) =>
    options.logWarnings === true ? Warning.log(warnings, { provider, operation }) : Effect.void

  const unsupportedOrganization = (operation: string) =>
    new CoreErrors.Unsupported({
      provider,
      operation,
      feature: "Organization grantee on an account-targeted share",
      message:
        "cloudflare fixes a share's target when it is created: create an organization-targeted share with Client.createShare({ recipients: [{ organization_id }] }) instead (field: grantee)"
    })

  const list: SharingProvider.Shape["list"] = (resource, opts = {}) =>
    Stream.unwrap(
      Effect.gen(function* () {
        const { accountId, shareId } = yield* target(resource, "list")
        const s = yield* readShare(accountId, shareId)
        const includeRevoked = opts.includeRevoked === true
        const includeInherited = opts.includeInherited !== false
        const head: Array<Share.Share> = []
        if (s.target_type === "organization") {
          const org = organizationShare(resource, s)
          if (includeRevoked || org.status._tag !== "revoked") head.push(org)
        }
        return Stream.fromIterable(head).pipe(
          Stream.concat(
            client.listRecipients(accountId, shareId, { include_resources: true }).pipe(
              Stream.map((r) => toShare(resource, s, r)),
              Stream.filter(
                (sh) => (includeRevoked || sh.status._tag !== "revoked") && (includeInherited || !sh.inherited)
              )
            )
          )
        )
      })
    )

  const get: SharingProvider.Shape["get"] = (resource, shareId) =>
    Effect.gen(function* () {
      const { accountId, shareId: sid } = yield* target(resource, "get")
      yield* checkShareId(shareId, "get")
      const s = yield* readShare(accountId, sid)
      if (s.target_type === "organization" && shareId === s.organization_id) return organizationShare(resource, s)
      const r = yield* client.getRecipient(accountId, sid, shareId, { include_resources: true })
      return toShare(resource, s, r)
    })

  const grant: SharingProvider.Shape["grant"] = (resource, request) =>
    Effect.gen(function* () {
      const operation = "grant"
      const translated = yield* Translation.translateRequest(capabilities, resource, request, operation)
      const { accountId, shareId } = yield* target(resource, operation)
      const grantee = translated.value.grantee
      const id = grantee._tag === "Account" || grantee._tag === "Organization" ? grantee.id : ""
      if (id.length > 32) return yield* CoreErrors.invalid(provider, operation, "grantee.id", "at most 32 characters")
      yield* logWarnings(translated.warnings, operation)
      if (request.notify !== undefined) {
        yield* logWarnings(
          [Warning.Unsupported.make({ feature: "notify", message: "cloudflare sends no notification for shares" })],
          operation
        )
      }
      /** Organization-targeted shares: the organization itself, or a member account (excluded or not). */
      const onOrganizationShare = (s: Wire.Share) =>
        Effect.gen(function* () {
          if (grantee._tag === "Organization") {
            if (s.target_type === "organization" && s.organization_id === id) return organizationShare(resource, s)
            return yield* unsupportedOrganization(operation)
          }
          const existing = findByAccount(yield* recipients(accountId, shareId), id)
          if (existing !== undefined && isLive(existing)) return toShare(resource, s, existing)
          if (existing === undefined) {
            return yield* new CoreErrors.Unsupported({
              provider,
              operation,
              feature: "Account grantee outside the organization of an organization-targeted share",
              message: `account ${id} does not receive this organization-targeted share: its recipients derive from organization membership (field: grantee)`
            })
          }
          const excluded = yield* Stream.runCollect(client.listExcludedRecipients(accountId, shareId))
          yield* Effect.forEach(
            excluded.filter((x) => x.account_id === id),
            (x) => client.deleteExcludedRecipient(accountId, shareId, x.id),
            { discard: true }
          )
          return toShare(resource, s, yield* client.getRecipient(accountId, shareId, existing.id))
        })
      if (grantee._tag === "Organization" || knownOrganization(accountId, shareId)) {
        return yield* lock.withLock(
          ResourceRef.key(resource),
          Effect.flatMap(readShare(accountId, shareId), onOrganizationShare)
        )
      }
      // Fewest requests that stay idempotent (Cloudflare documents no answer to a duplicate POST):
      // list the recipients; a live one for this account is the share (its share is read once, for
      // its status and target); otherwise POST it. A refused POST reads the share once to tell an
      // organization-targeted share from a real refusal.
      const direct = Effect.flatMap(recipients(accountId, shareId), (list) => {
        const existing = list.find((r) => r.account_id === id && isLive(r))
        if (existing !== undefined)
          return Effect.map(readShare(accountId, shareId), (s) => toShare(resource, s, existing))
        // not idempotent (a late first POST could make a second recipient): no resend after a reset
        return HttpApi.confirmWrite({
          write: client.createRecipient(accountId, shareId, { recipient_account_id: id }),
          check: Effect.map(recipients(accountId, shareId), (after) =>
            Option.fromNullishOr(after.find((r) => r.account_id === id && isLive(r)))
          )
        }).pipe(
          Effect.map((created) => toShare(resource, activeAccountShare, created)),
          Effect.catchIf(
            (e): e is CoreErrors.Rejected => e._tag === "Rejected",
            (refused) =>
              Effect.flatMap(readShare(accountId, shareId), (s) =>
                s.target_type === "organization" ? onOrganizationShare(s) : Effect.fail(refused)
              )
          )
        )
      })
      return yield* lock.withLock(ResourceRef.key(resource), direct)
    })

  const update: SharingProvider.Shape["update"] = (resource, shareId, wanted, opts = {}) =>
    Effect.gen(function* () {
      const current = yield* get(resource, shareId)
      const translated = yield* Translation.translateGrant(
        capabilities,
        resource,
        { grantee: current.grantee, level: wanted },
        { onLossy: opts.onLossy, allowEveryone: true },
        "update"
      )
      yield* logWarnings(translated.warnings, "update")
      return current
    })

  const revoke: SharingProvider.Shape["revoke"] = (resource, shareId) =>
    Effect.gen(function* () {
      const operation = "revoke"
      const { accountId, shareId: sid } = yield* target(resource, operation)
      yield* checkShareId(shareId, operation)
      // the share's own state, read when the direct DELETE cannot answer
      const viaShare = Effect.gen(function* () {
        const s = yield* readShare(accountId, sid)
        if (s.target_type === "organization" && shareId === s.organization_id) {
          if (s.status !== "active") return
          return yield* new CoreErrors.Unsupported({
            provider,
            operation,
            feature: "revoking the organization target",
            message:
              "cloudflare cannot remove the organization from an organization-targeted share: delete the share (Client.deleteShare) or exclude accounts (Client.createExcludedRecipient)"
          })
        }
        const r = yield* client.getRecipient(accountId, sid, shareId)
        if (!isLive(r)) return
        if (s.target_type === "organization") {
          yield* client
            .createExcludedRecipient(accountId, sid, { account_id: r.account_id })
            .pipe(Effect.catchTag("Conflict", () => Effect.void))
          return
        }
        yield* client.deleteRecipient(accountId, sid, shareId)
      })
      // Fewest requests: DELETE the recipient directly (idempotent on a revoked recipient). A 404
      // (an organization id, or no such recipient) or a refusal (organization-targeted share) reads
      // the share and recipient to answer precisely.
      if (knownOrganization(accountId, sid)) return yield* lock.withLock(ResourceRef.key(resource), viaShare)
      yield* lock.withLock(
        ResourceRef.key(resource),
        client.deleteRecipient(accountId, sid, shareId).pipe(
          Effect.asVoid,
          Effect.catchIf(
            (e) => e._tag === "NotFound" || e._tag === "Rejected",
            () => viaShare
          )
        )
      )
    })

  const replace: NonNullable<SharingProvider.Shape["replace"]> = (resource, desired, opts = {}) =>
    Effect.gen(function* () {
      const operation = "replace"
      const { accountId, shareId } = yield* target(resource, operation)
      const accounts: Array<string> = []
      for (const [i, grant] of desired.entries()) {
        const t = yield* Translation.translateGrant(
          capabilities,
          resource,
          grant,
          { onLossy: opts.onLossy, allowEveryone: opts.allowEveryone },
          operation
        )
        const g = t.value.grantee
        if (g._tag === "Organization") {
          return yield* new CoreErrors.Unsupported({
            provider,
            operation,
            feature: "Organization grantee in replace",
            message: `PUT recipients takes accounts only; ${Grantee.describe(g)} cannot be a recipient there (field: desired.${i}.grantee)`
          })
        }
        if (g._tag === "Account") {
          if (g.id.length > 32) {
            return yield* CoreErrors.invalid(provider, operation, `desired.${i}.grantee.id`, "at most 32 characters")
          }
          if (!accounts.includes(g.id)) accounts.push(g.id)
        }
        yield* logWarnings(t.warnings, operation)
      }
      // One PUT (Cloudflare refuses it on organization-targeted shares: only then is the share read,
      // to say so), then the recipients read back as `list` reports them.
      const organizationTarget = new CoreErrors.Unsupported({
        provider,
        operation,
        feature: "replace on an organization-targeted share",
        message:
          "cloudflare refuses PUT recipients on organization-targeted shares (recipients derive from organization membership); use Client.replaceExcludedRecipients"
      })
      if (knownOrganization(accountId, shareId)) return yield* organizationTarget
      return yield* lock.withLock(
        ResourceRef.key(resource),
        Effect.gen(function* () {
          yield* client
            .replaceRecipients(
              accountId,
              shareId,
              accounts.map((id) => ({ recipient_account_id: id }))
            )
            .pipe(
              Effect.catchIf(
                (e): e is CoreErrors.Rejected => e._tag === "Rejected",
                (refused) =>
                  Effect.flatMap(readShare(accountId, shareId), (s) =>
                    s.target_type === "organization"
                      ? Effect.fail<CoreErrors.SharingError>(organizationTarget)
                      : Effect.fail<CoreErrors.SharingError>(refused)
                  )
              )
            )
          const after = yield* Effect.mapError(recipients(accountId, shareId), CoreErrors.afterWrite)
          return after.map((r) => toShare(resource, activeAccountShare, r)).filter((sh) => sh.status._tag !== "revoked")
        })
      )
    })

  /** Validates an account / organization id (no request); other kinds are left for the planner to refuse. */
  const resolveGrantee: NonNullable<SharingProvider.Shape["resolveGrantee"]> = (grantee) =>
    Effect.gen(function* () {
      const valid = yield* Translation.validate(Grantee.Grantee, grantee, {
        provider,
        operation: "resolveGrantee",
        path: "grantee"
      })
      if (
        (valid._tag === "Account" || valid._tag === "Organization") &&
        (valid.id.length === 0 || valid.id.length > 32)
      )
        return yield* CoreErrors.invalid(
          provider,
          "resolveGrantee",
          "grantee.id",
          "a Cloudflare id has 1 to 32 characters"
        )
      return Option.some(valid)
    })

  const accounts = options.accounts ?? []
  const listResources: SharingProvider.Shape["listResources"] =
    accounts.length === 0
      ? undefined
      : Stream.fromIterable(accounts).pipe(
          Stream.flatMap((accountId) =>
            client.listShares(accountId, { kind: "sent" }).pipe(
              Stream.filter((s) => s.status !== "deleted"),
              Stream.map((s) => ({ resource: share(accountId, s.id), name: s.name }))
            )
          )
        )

  // every entry point decodes its arguments and checks the 32-hex ids before the code above runs
  return Input.guard(
    {
      capabilities,
      list,
      get,
      grant,
      update,
      revoke,
      replace,
      resolveGrantee,
      ...(listResources !== undefined ? { listResources } : {})
    },
    Client.inputRules
  )
}

/**
 * Builds the provider (and its client) on the `HttpClient` in context.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Client, Provider } from "@unishare/cloudflare"
 * const provider = Provider.make({ credentials: Client.apiToken(Redacted.make("t")) }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 */
export const make = (
  config: Config
): Effect.Effect<SharingProvider.Shape, CoreErrors.InvalidInput, HttpClient.HttpClient> =>
  Effect.map(Client.make(config), (client) => fromClient(client, config))
