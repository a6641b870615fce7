/**
 * The port every adapter implements. All effects fail with typed `SharingError`s; nothing throws.
 *
 * @since 0.1.0
 */
import { Context, type Effect, type Option, type Stream } from "effect"
import type { AccessLevel } from "./AccessLevel.ts"
import type { Capabilities } from "./Capabilities.ts"
import type { SharingError } from "./Errors.ts"
import type { Grantee } from "./Grantee.ts"
import type { ResourceRef } from "./ResourceRef.ts"
import type { Grant, Share } from "./Share.ts"
import type { Options as TranslationOptions, UpdateOptions } from "./Translation.ts"

/**
 * A notification sent with a grant, where the provider supports it (`capabilities.notify`).
 * Without it no email is sent.
 *
 * @example
 * ```ts
 * import type { SharingProvider } from "@unishare/core"
 * const n: SharingProvider.Notification = { subject: "Q3 budget", message: "Please review", ccMe: true }
 * ```
 */
export interface Notification {
  readonly subject?: string | undefined
  readonly message?: string | undefined
  readonly ccMe?: boolean | undefined
}

/**
 * A grant request: who, which level, an optional notification, and the translation options.
 *
 * @example
 * ```ts
 * import { Grantee, type SharingProvider } from "@unishare/core"
 * const req: SharingProvider.GrantRequest = { grantee: Grantee.group("7"), level: "editor", onLossy: "fail" }
 * ```
 */
export interface GrantRequest extends Grant, TranslationOptions {
  readonly notify?: Notification | undefined
}

/**
 * Listing options. By default inherited shares are included and revoked ones are not.
 *
 * @example
 * ```ts
 * import type { SharingProvider } from "@unishare/core"
 * const opts: SharingProvider.ListOptions = { includeRevoked: true }
 * ```
 */
export interface ListOptions {
  readonly includeInherited?: boolean | undefined
  readonly includeRevoked?: boolean | undefined
}

/**
 * A resource an adapter can enumerate, with its display name when known.
 *
 * @example
 * ```ts
 * import type { SharingProvider } from "@unishare/core"
 * const r: SharingProvider.ResourceInfo = { resource: { provider: "eci", kind: "list", id: "42" }, name: "Open bills" }
 * ```
 */
export interface ResourceInfo {
  readonly resource: ResourceRef
  readonly name?: string | undefined
  /** The provider's description of it, where it has one (EnergyCAP lists). */
  readonly description?: string | undefined
}

/**
 * A resource to create (`Shape.createResource`, where the provider can): its kind (default: the
 * provider's one creatable kind), name, an optional description and the provider's own type of it
 * (EnergyCAP: the list type id).
 *
 * @example
 * ```ts
 * import type { SharingProvider } from "@unishare/core"
 * const r: SharingProvider.CreateRequest = { kind: "list", name: "Budget bills", type: "1" }
 * ```
 */
export interface CreateRequest {
  readonly kind?: string | undefined
  readonly name: string
  readonly description?: string | undefined
  readonly type?: string | undefined
}

/**
 * The operations of one sharing provider.
 *
 * - `list` streams the shares of a resource, paginating with constant memory.
 * - `grant` is idempotent: an existing share for the same grantee at the same level is returned;
 *   at another level it is updated, never duplicated.
 * - `update` changes a share's level, and where the provider keeps them its expiry
 *   (`expiresAt`, `null` removes it) and provider role; a provider without them refuses those options.
 * - `revoke` of a share that is already revoked succeeds.
 * - `replace` (only where the provider has native set semantics) makes the grantee set equal to `desired`
 *   and returns the resource's shares as read back after the write (`Sync.sync` verifies with them).
 * - `grantAll` (only where the provider has a bulk create) grants several at once with `grant`'s
 *   semantics for each, in as few requests as the provider allows; it returns one share per request.
 * - `createResource` creates an empty, unshared resource where the provider can (EnergyCAP lists).
 * - `listResources` enumerates resources where the provider can; `resolveGrantee` maps a grantee to the
 *   provider's canonical form (for instance an email to a user id), `None` when nobody matches, and
 *   fails with `InvalidInput` / `Unsupported` when the grantee can never be valid there.
 *   `resolveGrantees` does the same for many grantees in as few requests as possible.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { type SharingProvider } from "@unishare/core"
 * const count = (p: SharingProvider.Shape, resource: Parameters<SharingProvider.Shape["list"]>[0]) =>
 *   Stream.runCount(p.list(resource))
 * ```
 */
export interface Shape {
  readonly capabilities: Capabilities
  readonly list: (resource: ResourceRef, options?: ListOptions) => Stream.Stream<Share, SharingError>
  readonly get: (resource: ResourceRef, shareId: string) => Effect.Effect<Share, SharingError>
  readonly grant: (resource: ResourceRef, request: GrantRequest) => Effect.Effect<Share, SharingError>
  readonly update: (
    resource: ResourceRef,
    shareId: string,
    level: AccessLevel,
    options?: UpdateOptions
  ) => Effect.Effect<Share, SharingError>
  readonly revoke: (resource: ResourceRef, shareId: string) => Effect.Effect<void, SharingError>
  readonly replace?: (
    resource: ResourceRef,
    desired: ReadonlyArray<Grant>,
    options?: TranslationOptions
  ) => Effect.Effect<ReadonlyArray<Share>, SharingError>
  readonly grantAll?: (
    resource: ResourceRef,
    requests: ReadonlyArray<GrantRequest>
  ) => Effect.Effect<ReadonlyArray<Share>, SharingError>
  readonly listResources?: Stream.Stream<ResourceInfo, SharingError>
  readonly createResource?: (request: CreateRequest) => Effect.Effect<ResourceInfo, SharingError>
  readonly resolveGrantee?: (grantee: Grantee) => Effect.Effect<Option.Option<Grantee>, SharingError>
  readonly resolveGrantees?: (
    grantees: ReadonlyArray<Grantee>
  ) => Effect.Effect<ReadonlyArray<Option.Option<Grantee>>, SharingError>
}

/**
 * The `SharingProvider` service, for single-provider programs. Several providers in one program
 * (a migration) are plain `Shape` values built by each adapter's `make`.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { SharingProvider } from "@unishare/core"
 * const shares = Effect.gen(function* () {
 *   const provider = yield* SharingProvider.SharingProvider
 *   return yield* Stream.runCollect(provider.list({ provider: "memory", kind: "doc", id: "d1" }))
 * })
 * ```
 */
export class SharingProvider extends Context.Service<SharingProvider, Shape>()("@unishare/core/SharingProvider") {}
