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
import { Grant } from "./Share.ts"
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
 * Options shared by every write: the lossy policy and the `Everyone` opt-in.
 *
 * @example
 * ```ts
 * import type { Translation } from "@unishare/core"
 * const opts: Translation.Options = { onLossy: "fail", allowEveryone: true }
 * ```
 */
export interface Options {
  readonly onLossy?: LossyPolicy | undefined
  readonly allowEveryone?: boolean | undefined
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
  const { grantee, level } = input as { grantee?: unknown; level?: unknown }
  if (!AccessLevel.isAccessLevel(level) || typeof grantee !== "object" || grantee === null) return false
  const g = grantee as { _tag?: unknown; id?: unknown; email?: unknown; name?: unknown }
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
    default:
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
  if (kind === "Everyone" && options.allowEveryone !== true) {
    return Result.fail(
      Errors.invalid(
        provider,
        operation,
        at("grantee"),
        "sharing with Everyone needs the explicit opt-in allowEveryone: true"
      )
    )
  }
  const grantable = Capabilities.grantableLevels(caps, resourceKind)
  if (caps.readOnlyLevels.includes(grant.level) && !grantable.includes(grant.level)) {
    return Result.fail(
      new Errors.Unsupported({
        provider,
        operation,
        feature: `grant level ${grant.level}`,
        message: `${provider} reports ${grant.level} access but cannot grant it (field: ${at("level")})`
      })
    )
  }
  const level = translateLevel(grant.level, grantable, options.onLossy ?? "round-down")
  if (Result.isFailure(level)) {
    return Result.fail(
      new Errors.Unsupported({
        provider,
        operation,
        feature: `access level ${grant.level} on ${resourceKind}`,
        message: `${provider} ${resourceKind}: ${level.failure} (field: ${at("level")})`
      })
    )
  }
  return Result.succeed({
    value: { grantee: grant.grantee, level: level.success.value },
    fidelity: level.success.fidelity,
    warnings: level.success.warnings
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
 * Translates a level alone (for `update`, which names no new grantee): read-only levels are
 * `Unsupported`, an unknown level is `InvalidInput` at `level`, lossy levels follow `onLossy`.
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
  options: Options,
  operation: string
): Result.Result<Translated<AccessLevel.AccessLevel>, Errors.InvalidInput | Errors.Unsupported> => {
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
  const grantable = Capabilities.grantableLevels(caps, resourceKind)
  if (caps.readOnlyLevels.includes(level) && !grantable.includes(level)) {
    return Result.fail(
      new Errors.Unsupported({
        provider,
        operation,
        feature: `grant level ${level}`,
        message: `${provider} reports ${level} access but cannot grant it (field: level)`
      })
    )
  }
  const translated = translateLevel(level, grantable, options.onLossy ?? "round-down")
  return Result.isSuccess(translated)
    ? Result.succeed(translated.success)
    : Result.fail(
        new Errors.Unsupported({
          provider,
          operation,
          feature: `access level ${level} on ${resourceKind}`,
          message: `${provider} ${resourceKind}: ${translated.failure} (field: level)`
        })
      )
}

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
  request: { readonly grantee: unknown; readonly level: unknown } & Options,
  operation = "grant"
): Effect.Effect<Translated<Grant>, Errors.InvalidInput | Errors.Unsupported> =>
  translateGrant(
    caps,
    resource,
    { grantee: request.grantee, level: request.level },
    { onLossy: request.onLossy, allowEveryone: request.allowEveryone },
    operation
  )
