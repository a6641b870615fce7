/**
 * A complete in-memory `SharingProvider`, for users' own tests and for trying unishare without a
 * provider account. Capabilities are configurable; `mode: "async"` makes shares pass through
 * `pending` / `revoking` before settling, after a number of reads, like Cloudflare does.
 *
 * @since 0.1.0
 */
import { Effect, Layer, Option, Result, Stream } from "effect"
import type { AccessLevel } from "./AccessLevel.ts"
import * as Capabilities from "./Capabilities.ts"
import * as Errors from "./Errors.ts"
import * as Grantee from "./Grantee.ts"
import * as ResourceRef from "./ResourceRef.ts"
import { type Grant, type ProviderRole, type Share, sameExpiry } from "./Share.ts"
import * as ShareStatus from "./ShareStatus.ts"
import { type Shape, SharingProvider } from "./SharingProvider.ts"
import * as Translation from "./Translation.ts"

/**
 * Options of the memory provider.
 *
 * @example
 * ```ts
 * import type { MemoryProvider } from "@unishare/core"
 * const opts: MemoryProvider.Options = { mode: "async", settleAfterReads: 2, resources: [{ provider: "memory", kind: "doc", id: "d1" }] }
 * ```
 */
export interface Options {
  readonly name?: string | undefined
  readonly capabilities?: Partial<Omit<Capabilities.Capabilities, "provider">> | undefined
  readonly mode?: "sync" | "async" | undefined
  /** Async mode: how many reads (get or list) of a share before it settles (default 2). */
  readonly settleAfterReads?: number | undefined
  /** Resources that exist at the start; more can be added with `control.addResource`. */
  readonly resources?: ReadonlyArray<ResourceRef.ResourceRef> | undefined
}

/**
 * Test controls beside the provider operations.
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * const memory = MemoryProvider.make()
 * memory.control.addResource({ provider: "memory", kind: "doc", id: "d1" })
 * memory.control.writes() // 0
 * ```
 */
export interface Control {
  readonly addResource: (
    resource: ResourceRef.ResourceRef,
    shares?: ReadonlyArray<Omit<Share, "resource" | "id"> & { readonly id?: string }>
  ) => void
  readonly snapshot: (resource: ResourceRef.ResourceRef) => ReadonlyArray<Share>
  readonly fail: (resource: ResourceRef.ResourceRef, shareId: string, message: string, terminal: boolean) => void
  readonly writes: () => number
  readonly reads: () => number
}

/**
 * The memory provider: the port plus `control`.
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * const provider: MemoryProvider.MemoryProvider = MemoryProvider.make({ mode: "sync" })
 * ```
 */
export interface MemoryProvider extends Shape {
  readonly control: Control
}

interface Entry {
  share: Share
  reads: number
}

/**
 * Creates a memory provider.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Grantee, MemoryProvider } from "@unishare/core"
 * const doc = { provider: "memory", kind: "doc", id: "d1" }
 * const memory = MemoryProvider.make({ resources: [doc] })
 * Effect.runPromise(memory.grant(doc, { grantee: Grantee.group("7"), level: "editor" }))
 * ```
 */
export const make = (options: Options = {}): MemoryProvider => {
  const provider = options.name ?? "memory"
  const mode = options.mode ?? "sync"
  const settleAfter = options.settleAfterReads ?? 2
  const capabilities = Capabilities.make({
    provider,
    granteeKinds: ["User", "Group", "Account", "Organization", "Everyone"],
    levels: ["viewer", "commenter", "editor", "sharer", "admin"],
    readOnlyLevels: ["owner"],
    updateLevel: true,
    nativeReplace: true,
    asyncStatus: mode === "async",
    notify: true,
    pageSize: 100,
    ...options.capabilities
  })
  const resources = new Map<string, { ref: ResourceRef.ResourceRef; shares: Map<string, Entry> }>()
  let counter = 0
  let writes = 0
  let reads = 0
  const nextId = () => `m${++counter}`

  const addResource: Control["addResource"] = (ref, shares = []) => {
    const entries = new Map<string, Entry>()
    for (const s of shares) {
      const id = s.id ?? nextId()
      entries.set(id, { share: { ...s, id, resource: ref }, reads: 0 })
    }
    resources.set(ResourceRef.key(ref), { ref, shares: entries })
  }
  for (const ref of options.resources ?? []) addResource(ref)

  const notFound = (operation: string, message: string) => new Errors.NotFound({ provider, operation, message })

  const resourceOf = (resource: ResourceRef.ResourceRef, operation: string) => {
    const found = resources.get(ResourceRef.key(resource))
    return found === undefined
      ? Effect.fail(notFound(operation, `${ResourceRef.describe(resource)} does not exist`))
      : Effect.succeed(found)
  }

  const observe = (entry: Entry): Share => {
    entry.reads++
    if (mode === "async" && entry.reads >= settleAfter) {
      if (entry.share.status._tag === "pending") entry.share = { ...entry.share, status: ShareStatus.active }
      else if (entry.share.status._tag === "revoking") entry.share = { ...entry.share, status: ShareStatus.revoked }
    }
    return entry.share
  }

  const liveFor = (shares: Map<string, Entry>, grantee: Grantee.Grantee): Entry | undefined => {
    for (const entry of shares.values()) {
      if (
        !entry.share.inherited &&
        ShareStatus.isLive(entry.share.status) &&
        Grantee.same(entry.share.grantee, grantee)
      )
        return entry
    }
    return undefined
  }

  const setLevel = (entry: Entry, level: AccessLevel) => {
    entry.share = { ...entry.share, level, updatedAt: new Date(0).toISOString() }
  }

  /** Sets the expiry (`null`: removes it) and provider role a write asked for; `true` when something changed. */
  const setTerms = (
    entry: Entry,
    terms: { readonly expiresAt?: string | null | undefined; readonly providerRole?: ProviderRole | undefined },
    replaceAll: boolean
  ): boolean => {
    const { expiresAt: currentExpiry, providerRole: currentRole, ...rest } = entry.share
    const expiresAt = terms.expiresAt === undefined && !replaceAll ? currentExpiry : (terms.expiresAt ?? undefined)
    const providerRole = terms.providerRole === undefined && !replaceAll ? currentRole : terms.providerRole
    if (sameExpiry(expiresAt, currentExpiry) && providerRole?.name === currentRole?.name) return false
    entry.share = {
      ...rest,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      ...(providerRole !== undefined ? { providerRole } : {})
    }
    return true
  }

  const list: Shape["list"] = (resource, listOptions = {}) =>
    Stream.unwrap(
      Effect.map(resourceOf(resource, "list"), (r) => {
        reads++
        const out: Array<Share> = []
        for (const entry of r.shares.values()) {
          const share = observe(entry)
          if (share.status._tag === "revoked" && listOptions.includeRevoked !== true) continue
          if (share.inherited && listOptions.includeInherited === false) continue
          out.push(share)
        }
        return Stream.fromIterable(out)
      })
    )

  const get: Shape["get"] = (resource, shareId) =>
    Effect.flatMap(resourceOf(resource, "get"), (r) => {
      reads++
      const entry = r.shares.get(shareId)
      return entry === undefined
        ? Effect.fail(notFound("get", `share ${shareId} does not exist on ${ResourceRef.describe(resource)}`))
        : Effect.succeed(observe(entry))
    })

  const grant: Shape["grant"] = (resource, request) =>
    Effect.gen(function* () {
      const translated = yield* Translation.translateRequest(capabilities, resource, request, "grant")
      const r = yield* resourceOf(resource, "grant")
      const { grantee, level } = translated.value
      if (capabilities.everyoneExclusive) {
        const others = [...r.shares.values()].filter((e) => ShareStatus.isLive(e.share.status) && !e.share.inherited)
        const clash =
          grantee._tag === "Everyone"
            ? others.some((e) => e.share.grantee._tag !== "Everyone")
            : others.some((e) => e.share.grantee._tag === "Everyone")
        if (clash) {
          return yield* new Errors.Conflict({
            provider,
            operation: "grant",
            message:
              "this resource is shared with Everyone or with explicit grantees, not both: revoke first or use replace"
          })
        }
      }
      const existing = liveFor(r.shares, grantee)
      if (existing !== undefined) {
        const rediscovered = Grantee.isDiscoverable(existing.share.grantee) !== Grantee.isDiscoverable(grantee)
        if (rediscovered) existing.share = { ...existing.share, grantee }
        const changed = existing.share.level !== level || rediscovered
        if (changed) setLevel(existing, level)
        if (setTerms(existing, translated.value, true) || changed) writes++
        return existing.share
      }
      writes++
      const id = nextId()
      const share: Share = {
        id,
        resource,
        grantee,
        level,
        ...(translated.value.expiresAt !== undefined ? { expiresAt: translated.value.expiresAt } : {}),
        ...(translated.value.providerRole !== undefined ? { providerRole: translated.value.providerRole } : {}),
        status: mode === "async" ? ShareStatus.pending() : ShareStatus.active,
        inherited: false,
        createdAt: new Date(0).toISOString()
      }
      r.shares.set(id, { share, reads: 0 })
      return share
    })

  const update: Shape["update"] = (resource, shareId, level, updateOptions = {}) =>
    Effect.gen(function* () {
      const r = yield* resourceOf(resource, "update")
      const entry = r.shares.get(shareId)
      if (entry === undefined || !ShareStatus.isLive(entry.share.status)) {
        return yield* notFound("update", `share ${shareId} does not exist on ${ResourceRef.describe(resource)}`)
      }
      // expiries and provider roles: kept where declared, refused (not ignored) where not
      const terms = yield* Effect.fromResult(
        Translation.translateUpdate(
          capabilities,
          resource.kind,
          level,
          updateOptions,
          "update",
          entry.share.grantee._tag
        )
      )
      const translated = yield* Translation.translateGrant(
        capabilities,
        resource,
        { grantee: entry.share.grantee, level },
        { ...updateOptions, allowEveryone: true, allowAnyone: true },
        "update"
      )
      if (entry.share.inherited) {
        return yield* new Errors.Conflict({
          provider,
          operation: "update",
          message: `share ${shareId} is inherited and cannot be changed here`
        })
      }
      const changed = entry.share.level !== translated.value.level
      if (changed) setLevel(entry, translated.value.level)
      if (setTerms(entry, terms.value, false) || changed) writes++
      return entry.share
    })

  const revoke: Shape["revoke"] = (resource, shareId) =>
    Effect.gen(function* () {
      const r = yield* resourceOf(resource, "revoke")
      const entry = r.shares.get(shareId)
      if (entry === undefined)
        return yield* notFound("revoke", `share ${shareId} does not exist on ${ResourceRef.describe(resource)}`)
      if (entry.share.inherited) {
        return yield* new Errors.Conflict({
          provider,
          operation: "revoke",
          message: `share ${shareId} is inherited and cannot be revoked here`
        })
      }
      if (!ShareStatus.isLive(entry.share.status)) return
      writes++
      entry.share = { ...entry.share, status: mode === "async" ? ShareStatus.revoking : ShareStatus.revoked }
      entry.reads = 0
    })

  const replace: Shape["replace"] = (resource, desired, replaceOptions = {}) =>
    Effect.gen(function* () {
      const r = yield* resourceOf(resource, "replace")
      const translated: Array<Grant> = []
      for (let i = 0; i < desired.length; i++) {
        const t = Translation.translateGrantResult(
          capabilities,
          resource.kind,
          desired[i],
          replaceOptions,
          "replace",
          `desired.${i}`
        )
        if (Result.isFailure(t)) return yield* Effect.fail(t.failure)
        translated.push(t.success.value)
      }
      if (
        capabilities.everyoneExclusive &&
        translated.some((g) => g.grantee._tag === "Everyone") &&
        translated.length > 1
      ) {
        return yield* Errors.invalid(provider, "replace", "desired", "Everyone cannot be combined with other grantees")
      }
      writes++
      const kept = new Set<Entry>()
      for (const g of translated) {
        const existing = liveFor(r.shares, g.grantee)
        if (existing !== undefined) {
          if (existing.share.level !== g.level) setLevel(existing, g.level)
          setTerms(existing, g, true)
          kept.add(existing)
          continue
        }
        const id = nextId()
        const entry: Entry = {
          share: {
            id,
            resource,
            grantee: g.grantee,
            level: g.level,
            ...(g.expiresAt !== undefined ? { expiresAt: g.expiresAt } : {}),
            ...(g.providerRole !== undefined ? { providerRole: g.providerRole } : {}),
            status: mode === "async" ? ShareStatus.pending() : ShareStatus.active,
            inherited: false
          },
          reads: 0
        }
        r.shares.set(id, entry)
        kept.add(entry)
      }
      for (const entry of r.shares.values()) {
        if (!kept.has(entry) && !entry.share.inherited && ShareStatus.isLive(entry.share.status)) {
          entry.share = { ...entry.share, status: mode === "async" ? ShareStatus.revoking : ShareStatus.revoked }
          entry.reads = 0
        }
      }
      return [...kept].map((e) => e.share)
    })

  return {
    capabilities,
    list,
    get,
    grant,
    update,
    revoke,
    ...(capabilities.nativeReplace ? { replace } : {}),
    listResources: Stream.suspend(() => Stream.fromIterable([...resources.values()].map((r) => ({ resource: r.ref })))),
    resolveGrantee: (grantee) => Effect.succeed(Option.some(grantee)),
    control: {
      addResource,
      snapshot: (resource) =>
        [...(resources.get(ResourceRef.key(resource))?.shares.values() ?? [])].map((e) => e.share),
      fail: (resource, shareId, message, terminal) => {
        const entry = resources.get(ResourceRef.key(resource))?.shares.get(shareId)
        if (entry !== undefined) entry.share = { ...entry.share, status: ShareStatus.failed(message, terminal) }
      },
      writes: () => writes,
      reads: () => reads
    }
  }
}

/**
 * The memory provider as the `SharingProvider` service.
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * const TestSharing = MemoryProvider.layer({ resources: [{ provider: "memory", kind: "doc", id: "d1" }] })
 * ```
 */
export const layer = (options: Options = {}): Layer.Layer<SharingProvider> =>
  Layer.sync(SharingProvider, () => make(options))
