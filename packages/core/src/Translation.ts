/**
 * Neutral → provider translation with an explicit fidelity. Access is never widened unless the
 * caller chose `onLossy: "round-up"`, and then a `Lossy` warning says so.
 *
 * @since 0.1.0
 */
import { Effect, Result, Schema, SchemaIssue } from "effect"
import * as AccessLevel from "./AccessLevel.ts"
import * as Capabilities from "./Capabilities.ts"
import * as Errors from "./Errors.ts"
import * as Grantee from "./Grantee.ts"
import type { ResourceRef } from "./ResourceRef.ts"
import { Grant, Instant, type ProviderRole, ProviderRole as ProviderRoleSchema } from "./Share.ts"
import * as Warning from "./Warning.ts"

/**
 * How close a translated value is to what was asked.
 *
 * @example
 * ```ts
 * import type { Translation } from "@unishare/core"
 * const f: Translation.Fidelity = "narrowed"
 * ```
 */
export const Fidelity = Schema.Literals(["exact", "narrowed", "widened"])
/** @example const f: Translation.Fidelity = "exact" */
export type Fidelity = typeof Fidelity.Type

/**
 * What to do when a level does not exist on the target: fail, take the closest lower level
 * (default, least privilege), or take the closest higher one (widening, with a warning).
 *
 * @example
 * ```ts
 * import type { Translation } from "@unishare/core"
 * const policy: Translation.LossyPolicy = "round-down"
 * ```
 */
export const LossyPolicy = Schema.Literals(["fail", "round-down", "round-up"])
/** @example const p: Translation.LossyPolicy = "fail" */
export type LossyPolicy = typeof LossyPolicy.Type

/**
 * A translated value with its fidelity and the warnings that explain it.
 *
 * @example
 * ```ts
 * import type { Translation } from "@unishare/core"
 * const t: Translation.Translated<"viewer"> = { value: "viewer", fidelity: "exact", warnings: [] }
 * ```
 */
export interface Translated<A> {
  readonly value: A
  readonly fidelity: Fidelity
  readonly warnings: ReadonlyArray<Warning.Warning>
}

/**
 * What to do with an expiry the target cannot keep: refuse the grant (default: a permanent grant
 * would outlive what was asked), or grant without it and say so with a `Lossy` warning.
 *
 * @example
 * ```ts
 * import type { Translation } from "@unishare/core"
 * const policy: Translation.ExpiryPolicy = "drop"
 * ```
 */
export const ExpiryPolicy = Schema.Literals(["fail", "drop"])
/** @example const p: Translation.ExpiryPolicy = "fail" */
export type ExpiryPolicy = typeof ExpiryPolicy.Type

/**
 * Options shared by every write: the lossy policy, the opt-ins for population-wide grantees
 * (`allowEveryone` for a tenant's `Everyone` and a `Domain`, `allowAnyone` for the public `Anyone`)
 * and the expiry policy.
 *
 * @example
 * ```ts
 * import type { Translation } from "@unishare/core"
 * const opts: Translation.Options = { onLossy: "fail", allowEveryone: true, onExpiry: "drop" }
 * ```
 */
export interface Options {
  readonly onLossy?: LossyPolicy | undefined
  readonly allowEveryone?: boolean | undefined
  readonly allowAnyone?: boolean | undefined
  readonly onExpiry?: ExpiryPolicy | undefined
}

/**
 * Options of an update: the translation options, plus a new expiry (`null` removes it; absent
 * keeps the current one) and a provider role to set.
 *
 * @example
 * ```ts
 * import type { Translation } from "@unishare/core"
 * const extend: Translation.UpdateOptions = { expiresAt: "2027-06-30T00:00:00Z" }
 * const permanent: Translation.UpdateOptions = { expiresAt: null }
 * ```
 */
export interface UpdateOptions extends Options {
  readonly expiresAt?: string | null | undefined
  readonly providerRole?: ProviderRole | undefined
}

/**
 * Maps a level onto the levels a target offers, following the policy. Fails with a reason when
 * the policy forbids every candidate.
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import { Translation } from "@unishare/core"
 * const t = Translation.translateLevel("editor", ["viewer", "admin"], "round-down")
 * Result.getOrThrow(t).value // "viewer"
 * ```
 */
export const translateLevel = (
  level: AccessLevel.AccessLevel,
  available: ReadonlyArray<AccessLevel.AccessLevel>,
  policy: LossyPolicy = "round-down"
): Result.Result<Translated<AccessLevel.AccessLevel>, string> => {
  if (available.includes(level)) return Result.succeed({ value: level, fidelity: "exact", warnings: [] })
  const rank = AccessLevel.rank(level)
  let below: AccessLevel.AccessLevel | undefined
  let above: AccessLevel.AccessLevel | undefined
  for (const candidate of available) {
    const r = AccessLevel.rank(candidate)
    if (r < rank && (below === undefined || r > AccessLevel.rank(below))) below = candidate
    if (r > rank && (above === undefined || r < AccessLevel.rank(above))) above = candidate
  }
  const offered = available.length === 0 ? "none" : available.join(", ")
  const narrowed = (to: AccessLevel.AccessLevel): Translated<AccessLevel.AccessLevel> => ({
    value: to,
    fidelity: "narrowed",
    warnings: [
      Warning.Lossy.make({
        from: level,
        to,
        direction: "narrowed",
        message: `level ${level} is not available (offered: ${offered}); granted ${to} instead`
      })
    ]
  })
  switch (policy) {
    case "fail":
      return Result.fail(`level ${level} is not available (offered: ${offered}) and onLossy is "fail"`)
    case "round-down":
      return below !== undefined
        ? Result.succeed(narrowed(below))
        : Result.fail(
            `no level at or below ${level} is available (offered: ${offered}); granting more would widen access (use onLossy: "round-up" to allow it)`
          )
    case "round-up":
      if (above !== undefined) {
        return Result.succeed({
          value: above,
          fidelity: "widened",
          warnings: [
            Warning.Lossy.make({
              from: level,
              to: above,
              direction: "widened",
              message: `level ${level} is not available (offered: ${offered}); granted ${above} because onLossy is "round-up"`
            })
          ]
        })
      }
      return below !== undefined
        ? Result.succeed(narrowed(below))
        : Result.fail(`no level is available (offered: ${offered})`)
  }
}

const issuesOf = (error: Schema.SchemaError, prefix: string): ReadonlyArray<Errors.Issue> =>
  SchemaIssue.makeFormatterStandardSchemaV1()(error.issue).issues.map((issue) => ({
    path: [prefix, ...(issue.path ?? []).map((p) => String(typeof p === "object" ? p.key : p))]
      .filter((s) => s !== "")
      .join("."),
    message: issue.message
  }))

/**
 * Validates untrusted input against a schema, failing with `InvalidInput` whose issues name the fields.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Translation } from "@unishare/core"
 * Translation.validate(Schema.Int, 1.5, { provider: "eci", operation: "get", path: "listId" })
 * ```
 */
export const validate = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  input: unknown,
  context: { readonly provider: string; readonly operation: string; readonly path: string }
): Effect.Effect<S["Type"], Errors.InvalidInput> =>
  Schema.decodeUnknownEffect(schema)(input, { errors: "all" }).pipe(
    Effect.mapError(
      (error) =>
        new Errors.InvalidInput({
          provider: context.provider,
          operation: context.operation,
          issues: issuesOf(error, context.path)
        })
    )
  ) as Effect.Effect<S["Type"], Errors.InvalidInput>

const GrantsDecoder = Schema.decodeUnknownResult(Grant)

const nonEmpty = (u: unknown): u is string => typeof u === "string" && u.length > 0
const optionalNonEmpty = (u: unknown) => u === undefined || nonEmpty(u)

/** A fast structural check that accepts only what the `Grant` schema accepts (the schema reports errors). */
const isWellFormedGrant = (input: unknown): input is Grant => {
  if (typeof input !== "object" || input === null) return false
  const { grantee, level, expiresAt, providerRole } = input as {
    grantee?: unknown
    level?: unknown
    expiresAt?: unknown
    providerRole?: unknown
  }
  // expiries and provider roles are rare: the schema checks them
  if (expiresAt !== undefined || providerRole !== undefined) return false
  if (!AccessLevel.isAccessLevel(level) || typeof grantee !== "object" || grantee === null) return false
  const g = grantee as { _tag?: unknown; id?: unknown; email?: unknown; name?: unknown; discoverable?: unknown }
  switch (g._tag) {
    case "User":
      return optionalNonEmpty(g.id) && optionalNonEmpty(g.email) && (g.id !== undefined || g.email !== undefined)
    case "Group":
      return nonEmpty(g.id) && (g.name === undefined || typeof g.name === "string")
    case "Account":
    case "Organization":
      return nonEmpty(g.id)
    case "Everyone":
      return true
    case "Anyone":
      return g.discoverable === undefined || typeof g.discoverable === "boolean"
    default:
      // Domain (its name is checked by the schema) and anything unknown
      return false
  }
}

/**
 * The synchronous core of `translateGrant`, for hot paths such as the planner.
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import { Capabilities, Grantee, Translation } from "@unishare/core"
 * const caps = Capabilities.make({ provider: "eci", granteeKinds: ["Group"], levels: ["viewer"] })
 * const r = Translation.translateGrantResult(caps, "list", { grantee: Grantee.group("1"), level: "viewer" }, {}, "plan")
 * Result.isSuccess(r) // true
 * ```
 */
export const translateGrantResult = (
  caps: Capabilities.Capabilities,
  resourceKind: string,
  input: unknown,
  options: Options,
  operation: string,
  path = ""
): Result.Result<Translated<Grant>, Errors.InvalidInput | Errors.Unsupported> => {
  const provider = caps.provider
  let grant: Grant
  if (isWellFormedGrant(input)) {
    grant = input
  } else {
    const decoded = GrantsDecoder(input, { errors: "all" })
    if (Result.isFailure(decoded)) {
      return Result.fail(new Errors.InvalidInput({ provider, operation, issues: issuesOf(decoded.failure, path) }))
    }
    grant = decoded.success
  }
  const at = (field: string) => (path === "" ? field : `${path}.${field}`)
  const kind = grant.grantee._tag
  if (!Capabilities.supportsGrantee(caps, kind)) {
    return Result.fail(
      new Errors.Unsupported({
        provider,
        operation,
        feature: `grantee kind ${kind}`,
        message: `${provider} cannot share with ${Grantee.describe(grant.grantee)}: it accepts ${caps.granteeKinds.join(", ")} grantees (field: ${at("grantee")})`
      })
    )
  }
  if ((kind === "Everyone" || kind === "Domain") && options.allowEveryone !== true) {
    return Result.fail(
      Errors.invalid(
        provider,
        operation,
        at("grantee"),
        `sharing with ${Grantee.describe(grant.grantee)} needs the explicit opt-in allowEveryone: true`
      )
    )
  }
  if (kind === "Anyone" && options.allowAnyone !== true) {
    return Result.fail(
      Errors.invalid(
        provider,
        operation,
        at("grantee"),
        `sharing with ${Grantee.describe(grant.grantee)} (the public) needs the explicit opt-in allowAnyone: true`
      )
    )
  }
  const expiry = translateExpiry(caps, kind, grant.expiresAt, options, operation, at("expiresAt"))
  if (Result.isFailure(expiry)) return Result.fail(expiry.failure)
  const level = translateRoleAndLevel(caps, resourceKind, grant, options, operation, at)
  if (Result.isFailure(level)) return Result.fail(level.failure)
  const { providerRole, ...translated } = level.success
  const expiresAt = expiry.success.value
  const fidelity: Fidelity =
    translated.fidelity === "widened" || expiry.success.fidelity === "widened"
      ? "widened"
      : translated.fidelity === "narrowed"
        ? "narrowed"
        : "exact"
  return Result.succeed({
    value: {
      grantee: grant.grantee,
      level: translated.value,
      ...(typeof expiresAt === "string" ? { expiresAt } : {}),
      ...(providerRole !== undefined ? { providerRole } : {})
    },
    fidelity,
    warnings:
      expiry.success.warnings.length === 0 ? translated.warnings : [...translated.warnings, ...expiry.success.warnings]
  })
}

/**
 * An expiry on a target: kept where the grantee kind can expire there; elsewhere refused, or
 * dropped with a `Lossy` warning (widened: access for longer) under `onExpiry: "drop"`.
 */
const translateExpiry = (
  caps: Capabilities.Capabilities,
  kind: Grantee.Kind | undefined,
  expiresAt: string | null | undefined,
  options: Options,
  operation: string,
  field: string,
  level: AccessLevel.AccessLevel = "viewer"
): Result.Result<Translated<string | null | undefined>, Errors.Unsupported> => {
  if (expiresAt === undefined || expiresAt === null)
    return Result.succeed({ value: expiresAt, fidelity: "exact", warnings: [] })
  const supported = kind === undefined ? caps.expiringGranteeKinds.length > 0 : Capabilities.supportsExpiry(caps, kind)
  if (supported) return Result.succeed({ value: expiresAt, fidelity: "exact", warnings: [] })
  const where =
    caps.expiringGranteeKinds.length === 0
      ? `${caps.provider} has no expiring access`
      : `${caps.provider} lets only ${caps.expiringGranteeKinds.join(", ")} grants expire`
  if (options.onExpiry !== "drop") {
    return Result.fail(
      new Errors.Unsupported({
        provider: caps.provider,
        operation,
        feature: "expiry",
        message: `${where}: a grant ending ${expiresAt} would become permanent (field: ${field}; use onExpiry: "drop" to grant without it)`
      })
    )
  }
  return Result.succeed({
    value: undefined,
    fidelity: "widened",
    warnings: [
      Warning.Lossy.make({
        from: level,
        to: level,
        direction: "widened",
        aspect: "expiry",
        message: `${where}: the expiry ${expiresAt} was dropped because onExpiry is "drop"; the access no longer ends`
      })
    ]
  })
}

/**
 * A level, or a provider's own role: the role itself where the target grants it, else its floor
 * translated as a level (narrowed, with a warning); a role without a floor is refused elsewhere.
 */
const translateRoleAndLevel = (
  caps: Capabilities.Capabilities,
  resourceKind: string,
  request: { readonly level: AccessLevel.AccessLevel; readonly providerRole?: ProviderRole | undefined },
  options: Options,
  operation: string,
  at: (field: string) => string
): Result.Result<
  Translated<AccessLevel.AccessLevel> & { readonly providerRole?: ProviderRole | undefined },
  Errors.Unsupported
> => {
  const provider = caps.provider
  const role = request.providerRole
  if (role !== undefined && Capabilities.providerRole(caps, role.name) !== undefined) {
    return Result.succeed({ value: request.level, fidelity: "exact", warnings: [], providerRole: role })
  }
  if (role !== undefined && role.floor === undefined) {
    return Result.fail(
      new Errors.Unsupported({
        provider,
        operation,
        feature: `provider role ${role.name}`,
        message: `${provider} has no role ${JSON.stringify(role.name)}, and that role includes no neutral level: granting any level would widen access (field: ${at("providerRole")})`
      })
    )
  }
  const wanted = role?.floor !== undefined ? AccessLevel.min(role.floor, request.level) : request.level
  const grantable = Capabilities.grantableLevels(caps, resourceKind)
  if (caps.readOnlyLevels.includes(wanted) && !grantable.includes(wanted)) {
    return Result.fail(
      new Errors.Unsupported({
        provider,
        operation,
        feature: `grant level ${wanted}`,
        message: `${provider} reports ${wanted} access but cannot grant it (field: ${at("level")})`
      })
    )
  }
  if (role !== undefined && options.onLossy === "fail") {
    return Result.fail(
      new Errors.Unsupported({
        provider,
        operation,
        feature: `provider role ${role.name}`,
        message: `${provider} has no role ${JSON.stringify(role.name)} and onLossy is "fail" (field: ${at("providerRole")})`
      })
    )
  }
  const level = translateLevel(wanted, grantable, options.onLossy ?? "round-down")
  if (Result.isFailure(level)) {
    return Result.fail(
      new Errors.Unsupported({
        provider,
        operation,
        feature: `access level ${wanted} on ${resourceKind}`,
        message: `${provider} ${resourceKind}: ${level.failure} (field: ${at("level")})`
      })
    )
  }
  if (role === undefined) return Result.succeed(level.success)
  return Result.succeed({
    value: level.success.value,
    fidelity: level.success.fidelity === "widened" ? "widened" : "narrowed",
    warnings: [
      Warning.Lossy.make({
        from: wanted,
        to: level.success.value,
        direction: level.success.fidelity === "widened" ? "widened" : "narrowed",
        aspect: "role",
        message: `${provider} has no role ${JSON.stringify(role.name)}: granted ${level.success.value}, ${level.success.value === wanted ? "the level that role fully includes" : `for ${wanted}, the level that role fully includes`}`
      }),
      ...level.success.warnings
    ]
  })
}

/**
 * Validates one grant for a provider and translates its level: the grantee must be well formed and
 * of a supported kind, `Everyone` needs `allowEveryone`, read-only levels are refused, and lossy
 * levels follow `onLossy`. Runs before any request.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Capabilities, Grantee, Translation } from "@unishare/core"
 * const caps = Capabilities.make({ provider: "eci", granteeKinds: ["User"], levels: ["viewer"] })
 * const t = Translation.translateGrant(caps, { provider: "eci", kind: "list", id: "1" },
 *   { grantee: Grantee.user({ id: "5" }), level: "editor" }, {}, "grant")
 * // Effect succeeding with value.level "viewer", fidelity "narrowed"
 * ```
 */
export const translateGrant = (
  caps: Capabilities.Capabilities,
  resource: ResourceRef,
  input: unknown,
  options: Options,
  operation: string
): Effect.Effect<Translated<Grant>, Errors.InvalidInput | Errors.Unsupported> =>
  Effect.fromResult(translateGrantResult(caps, resource.kind, input, options, operation))

/**
 * What an update asks for once translated: the level, and the expiry (`null` removes it) and
 * provider role when they were asked.
 *
 * @example
 * ```ts
 * import type { Translation } from "@unishare/core"
 * const u: Translation.UpdateValue = { level: "viewer", expiresAt: null }
 * ```
 */
export interface UpdateValue {
  readonly level: AccessLevel.AccessLevel
  readonly expiresAt?: string | null
  readonly providerRole?: ProviderRole
}

const decodeInstant = Schema.decodeUnknownResult(Instant)
const decodeRole = Schema.decodeUnknownResult(ProviderRoleSchema)

/**
 * Translates an update (which names no new grantee): an unknown level, a malformed expiry or
 * provider role is `InvalidInput`; read-only levels are `Unsupported`; lossy levels follow
 * `onLossy`; an expiry the provider cannot keep follows `onExpiry`; a provider role follows the
 * rules of `translateGrant`. `granteeKind`, when known, narrows the expiry check to that kind.
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import { Capabilities, Translation } from "@unishare/core"
 * const caps = Capabilities.make({ provider: "d", granteeKinds: ["User"], levels: ["viewer", "editor"], expiringGranteeKinds: ["User"] })
 * Result.getOrThrow(Translation.translateUpdate(caps, "file", "editor", { expiresAt: null }, "update")).value
 * // { level: "editor", expiresAt: null }
 * ```
 */
export const translateUpdate = (
  caps: Capabilities.Capabilities,
  resourceKind: string,
  level: unknown,
  options: UpdateOptions,
  operation: string,
  granteeKind?: Grantee.Kind
): Result.Result<Translated<UpdateValue>, Errors.InvalidInput | Errors.Unsupported> => {
  const provider = caps.provider
  if (!AccessLevel.isAccessLevel(level)) {
    return Result.fail(
      Errors.invalid(
        provider,
        operation,
        "level",
        `unknown access level ${JSON.stringify(level)}: expected one of ${AccessLevel.ladder.join(", ")}`
      )
    )
  }
  const askedExpiry = options.expiresAt
  if (askedExpiry !== undefined && askedExpiry !== null && Result.isFailure(decodeInstant(askedExpiry))) {
    return Result.fail(
      Errors.invalid(
        provider,
        operation,
        "expiresAt",
        "must be an RFC 3339 instant with a time zone, such as 2027-03-01T00:00:00Z, or null to remove the expiry"
      )
    )
  }
  const askedRole = options.providerRole
  if (askedRole !== undefined) {
    const decoded = decodeRole(askedRole, { errors: "all" })
    if (Result.isFailure(decoded)) {
      return Result.fail(
        new Errors.InvalidInput({ provider, operation, issues: issuesOf(decoded.failure, "providerRole") })
      )
    }
  }
  const expiry = translateExpiry(caps, granteeKind, askedExpiry, options, operation, "expiresAt", level)
  if (Result.isFailure(expiry)) return Result.fail(expiry.failure)
  const translated = translateRoleAndLevel(
    caps,
    resourceKind,
    { level, providerRole: askedRole },
    options,
    operation,
    (field) => field
  )
  if (Result.isFailure(translated)) return Result.fail(translated.failure)
  const { providerRole, ...t } = translated.success
  const expiresAt = expiry.success.value
  return Result.succeed({
    value: {
      level: t.value,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      ...(providerRole !== undefined ? { providerRole } : {})
    },
    fidelity: t.fidelity === "widened" || expiry.success.fidelity === "widened" ? "widened" : t.fidelity,
    warnings: [...t.warnings, ...expiry.success.warnings]
  })
}

/**
 * Translates a level alone (for `update`): `translateUpdate`'s checks, returning the level. An
 * adapter that keeps expiries or provider roles uses `translateUpdate` for them; one that has
 * neither refuses them here instead of ignoring them.
 *
 * @example
 * ```ts
 * import { Result } from "effect"
 * import { Capabilities, Translation } from "@unishare/core"
 * const caps = Capabilities.make({ provider: "s", granteeKinds: ["User"], levels: ["viewer", "admin"] })
 * Result.getOrThrow(Translation.translateLevelFor(caps, "sheet", "editor", {}, "update")).value // "viewer"
 * ```
 */
export const translateLevelFor = (
  caps: Capabilities.Capabilities,
  resourceKind: string,
  level: unknown,
  options: UpdateOptions,
  operation: string
): Result.Result<Translated<AccessLevel.AccessLevel>, Errors.InvalidInput | Errors.Unsupported> =>
  Result.map(translateUpdate(caps, resourceKind, level, options, operation), (t) => ({
    value: t.value.level,
    fidelity: t.fidelity,
    warnings: t.warnings
  }))

/**
 * `translateGrant` for a `grant` request: the grant and its translation options come from the
 * request itself (what every adapter's `grant` needs).
 *
 * @example
 * ```ts
 * import { Capabilities, Grantee, Translation } from "@unishare/core"
 * const caps = Capabilities.make({ provider: "eci", granteeKinds: ["Group"], levels: ["viewer"] })
 * Translation.translateRequest(caps, { provider: "eci", kind: "list", id: "1" }, { grantee: Grantee.group("7"), level: "editor", onLossy: "fail" })
 * // fails with Unsupported: editor does not exist and onLossy is "fail"
 * ```
 */
export const translateRequest = (
  caps: Capabilities.Capabilities,
  resource: ResourceRef,
  request: {
    readonly grantee: unknown
    readonly level: unknown
    readonly expiresAt?: unknown
    readonly providerRole?: unknown
  } & Options,
  operation = "grant"
): Effect.Effect<Translated<Grant>, Errors.InvalidInput | Errors.Unsupported> =>
  translateGrant(
    caps,
    resource,
    {
      grantee: request.grantee,
      level: request.level,
      ...(request.expiresAt !== undefined ? { expiresAt: request.expiresAt } : {}),
      ...(request.providerRole !== undefined ? { providerRole: request.providerRole } : {})
    },
    {
      onLossy: request.onLossy,
      allowEveryone: request.allowEveryone,
      allowAnyone: request.allowAnyone,
      onExpiry: request.onExpiry
    },
    operation
  )
