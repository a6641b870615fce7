/**
 * Decoding of every argument that crosses a public entry point, before any request. Callers of
 * the Promise facade (or of a provider from plain JavaScript) can pass anything: `null`, an object
 * where an array belongs, a lone surrogate, `NaN`. Each is decoded with a Schema first, so bad input
 * is an `InvalidInput` whose `issues[].path` names the field, never a thrown `TypeError`/`URIError`
 * and never a request.
 *
 * - `guard(provider, rules)` wraps a `SharingProvider.Shape`: every method decodes its arguments
 *   (resource, share id, grant request, level, options, desired set) and applies the provider's own
 *   id `Rules` (Cloudflare 32-hex ids, Smartsheet numeric asset ids, EnergyCAP int32 ids, one email
 *   address) before calling the adapter. Every adapter's `fromClient` returns a guarded provider.
 * - `desired(provider, input, operation)` decodes a desired set (an array: `{}` or `null` is not
 *   "no shares") and checks each grantee against the provider's rules; `Sync` runs it before its
 *   first request, so a malformed id in a desired set never lets the revocations start.
 * - `issues(schema, input, path)` is the synchronous building block adapters use in their rules.
 *
 * @since 0.1.0
 */
import { Effect, Redacted, Schema, SchemaIssue, Stream } from "effect"
import { AccessLevel } from "./AccessLevel.ts"
import * as Errors from "./Errors.ts"
import { Grantee } from "./Grantee.ts"
import * as Ids from "./Ids.ts"
import { ResourceRef } from "./ResourceRef.ts"
import { Grant, Instant, ProviderRole } from "./Share.ts"
import type { Shape } from "./SharingProvider.ts"
import { ExpiryPolicy, LossyPolicy } from "./Translation.ts"

/**
 * The translation options every write takes (`onLossy`, `allowEveryone`, `allowAnyone`,
 * `onExpiry`); unknown keys are ignored.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Input } from "@unishare/core"
 * Schema.is(Input.TranslationOptions)({ onLossy: "sideways" }) // false
 * ```
 */
export const TranslationOptions = Schema.Struct({
  onLossy: Schema.optional(LossyPolicy),
  allowEveryone: Schema.optional(Schema.Boolean),
  allowAnyone: Schema.optional(Schema.Boolean),
  onExpiry: Schema.optional(ExpiryPolicy)
})

/**
 * The options of `update`: the translation options, a new expiry (an instant, or `null` to remove
 * it) and a provider role.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Input } from "@unishare/core"
 * Schema.is(Input.UpdateOptions)({ expiresAt: null }) // true
 * Schema.is(Input.UpdateOptions)({ expiresAt: "tomorrow" }) // false
 * ```
 */
export const UpdateOptions = Schema.Struct({
  ...TranslationOptions.fields,
  expiresAt: Schema.optional(Schema.NullOr(Instant)),
  providerRole: Schema.optional(ProviderRole)
})

/**
 * A grant notification (`subject`, `message`, `ccMe`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Input } from "@unishare/core"
 * Schema.is(Input.Notification)({ subject: "Q3", ccMe: true }) // true
 * ```
 */
export const Notification = Schema.Struct({
  subject: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String),
  ccMe: Schema.optional(Schema.Boolean)
})

/**
 * A grant request: grantee, level, translation options and an optional notification.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Input } from "@unishare/core"
 * Schema.is(Input.GrantRequest)({ grantee: { _tag: "Group", id: "7" }, level: "viewer" }) // true
 * ```
 */
export const GrantRequest = Schema.Struct({
  grantee: Grantee,
  level: AccessLevel,
  expiresAt: Schema.optional(Instant),
  providerRole: Schema.optional(ProviderRole),
  onLossy: Schema.optional(LossyPolicy),
  allowEveryone: Schema.optional(Schema.Boolean),
  allowAnyone: Schema.optional(Schema.Boolean),
  onExpiry: Schema.optional(ExpiryPolicy),
  notify: Schema.optional(Notification)
})

/**
 * Listing options (`includeInherited`, `includeRevoked`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Input } from "@unishare/core"
 * Schema.is(Input.ListOptions)({ includeRevoked: "yes" }) // false
 * ```
 */
export const ListOptions = Schema.Struct({
  includeInherited: Schema.optional(Schema.Boolean),
  includeRevoked: Schema.optional(Schema.Boolean)
})

const AFunction = Schema.declare(
  (u: unknown): u is (...args: ReadonlyArray<never>) => unknown => typeof u === "function",
  {
    title: "a function"
  }
)

/**
 * The options of `Sync.sync` and `Sync.planFor` (planner, apply and sync options; unknown keys are
 * ignored).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Input } from "@unishare/core"
 * Schema.is(Input.SyncOptions)({ strategy: "replace", dryRun: true }) // true
 * Schema.is(Input.SyncOptions)({ conflictRetries: -1 }) // false
 * ```
 */
export const SyncOptions = Schema.Struct({
  onLossy: Schema.optional(LossyPolicy),
  allowEveryone: Schema.optional(Schema.Boolean),
  allowAnyone: Schema.optional(Schema.Boolean),
  onExpiry: Schema.optional(ExpiryPolicy),
  resourceKind: Schema.optional(Ids.WellFormedString.check(Schema.isMinLength(1))),
  onUnsupported: Schema.optional(Schema.Literals(["fail", "skip"])),
  dryRun: Schema.optional(Schema.Boolean),
  notify: Schema.optional(Notification),
  onOperation: Schema.optional(AFunction),
  strategy: Schema.optional(Schema.Literals(["auto", "operations", "replace"])),
  verify: Schema.optional(Schema.Boolean),
  conflictRetries: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 100 })))
})

/**
 * A desired set: an array of grants. An object, `null` or `undefined` is not an empty set.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Input } from "@unishare/core"
 * Schema.is(Input.Desired)({}) // false
 * Schema.is(Input.Desired)([]) // true
 * ```
 */
export const Desired = Schema.Array(Grant)

const OptionalText = Schema.optionalKey(Schema.UndefinedOr(Schema.String))

/**
 * The argument of `createResource`: a name, and optionally the kind, a description and the
 * provider's type of the resource.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Input } from "@unishare/core"
 * Schema.is(Input.CreateRequest)({ name: "Budget bills", type: "1" }) // true
 * ```
 */
export const CreateRequest = Schema.Struct({
  kind: OptionalText,
  name: Schema.String,
  description: OptionalText,
  type: OptionalText
})

const text = (u: unknown): boolean => typeof u === "string" && u.length > 0 && Ids.isWellFormed(u)
const absentOr = (o: object, key: string, ok: (u: unknown) => boolean): boolean =>
  !Object.hasOwn(o, key) || ok((o as Record<string, unknown>)[key])

/**
 * A fast structural check that accepts only grants the `Grant` schema accepts (desired sets can hold
 * 100,000 grants; the schema runs only to report what is wrong when this says no).
 */
const isGrant = (u: unknown): boolean => {
  if (typeof u !== "object" || u === null) return false
  const { grantee: g, level } = u as { readonly grantee?: unknown; readonly level?: unknown }
  // expiries and provider roles are rare: the schema checks them
  if (Object.hasOwn(u, "expiresAt") || Object.hasOwn(u, "providerRole")) return false
  if (typeof level !== "string" || !(AccessLevel.literals as ReadonlyArray<string>).includes(level)) return false
  if (typeof g !== "object" || g === null) return false
  switch ((g as { readonly _tag?: unknown })._tag) {
    case "User":
      return (
        absentOr(g, "id", text) && absentOr(g, "email", text) && (Object.hasOwn(g, "id") || Object.hasOwn(g, "email"))
      )
    case "Group":
      return text((g as { readonly id?: unknown }).id) && absentOr(g, "name", (n) => typeof n === "string")
    case "Account":
    case "Organization":
      return text((g as { readonly id?: unknown }).id)
    case "Everyone":
      return true
    case "Anyone":
      return absentOr(g, "discoverable", (d) => typeof d === "boolean")
    default:
      // Domain (its name is checked by the schema) and anything unknown
      return false
  }
}

/**
 * A share id as the port takes it: an opaque id safe in a URL path (providers narrow it further).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Input } from "@unishare/core"
 * Schema.is(Input.ShareId)("..") // false
 * ```
 */
export const ShareId = Ids.OpaqueId

/**
 * The problems `schema` finds in `input`, each with a dotted `path` under `path`. Messages name the
 * expectation; callers must not run this on secrets (a schema's message may quote the value).
 *
 * @example
 * ```ts
 * import { Ids, Input } from "@unishare/core"
 * Input.issues(Ids.Hex32, "abc", "resource.parent")
 * // [{ path: "resource.parent", message: "must be a 32-character lowercase hexadecimal id" }]
 * ```
 */
export const issues = (
  schema: Schema.Top & { readonly DecodingServices: never },
  input: unknown,
  path: string
): ReadonlyArray<Errors.Issue> => {
  const exit = Schema.decodeUnknownExit(schema as Schema.Codec<unknown, unknown>)(input, { errors: "all" })
  if (exit._tag === "Success") return []
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")?.error
  if (!Schema.isSchemaError(error)) return [{ path, message: "is invalid" }]
  return SchemaIssue.makeFormatterStandardSchemaV1()(error.issue).issues.map((issue) => ({
    path:
      [path, ...(issue.path ?? []).map((p) => String(typeof p === "object" ? p.key : p))]
        .filter((s) => s !== "")
        .join(".") || "input",
    message: issue.message
  }))
}

/**
 * A provider's own formats, checked after the generic decoding and before the adapter runs. Each
 * returns the issues it finds (paths as given: `resource.id`, `shareId`, `grantee.id`,
 * `desired.3.grantee.email`). `grantee` is asked only about kinds the provider supports; the others
 * are left to translation, which answers `Unsupported`.
 *
 * @example
 * ```ts
 * import { Ids, Input } from "@unishare/core"
 * const rules: Input.Rules = {
 *   resource: (r) => Input.issues(Ids.Int32Text, r.id, "resource.id"),
 *   shareId: (id) => Input.issues(Ids.Int32Text, id, "shareId")
 * }
 * ```
 */
export interface Rules {
  readonly resource?: ((resource: ResourceRef) => ReadonlyArray<Errors.Issue>) | undefined
  readonly shareId?: ((shareId: string) => ReadonlyArray<Errors.Issue>) | undefined
  readonly grantee?: ((grantee: Grantee, path: string) => ReadonlyArray<Errors.Issue>) | undefined
}

const RulesKey: unique symbol = Symbol.for("@unishare/core/Input/rules")

type Guarded = Shape & { readonly [RulesKey]: Rules }

const rulesOf = (provider: Shape): Rules | undefined => (provider as Partial<Guarded>)[RulesKey]

const providerName = (provider: Shape): string => {
  const name = (provider as { capabilities?: { provider?: unknown } } | null | undefined)?.capabilities?.provider
  return typeof name === "string" ? name : "unknown"
}

/** Collects every problem, then fails once with all of them. */
const fail = (provider: string, operation: string, found: ReadonlyArray<Errors.Issue>) =>
  found.length === 0 ? Effect.void : Effect.fail(new Errors.InvalidInput({ provider, operation, issues: [...found] }))

const resourceIssues = (provider: Shape, rules: Rules, resource: unknown): ReadonlyArray<Errors.Issue> => {
  const found = issues(ResourceRef, resource, "resource")
  if (found.length > 0) return found
  const ref = resource as ResourceRef
  const expected = providerName(provider)
  if (ref.provider !== expected) {
    return [{ path: "resource.provider", message: `must be ${JSON.stringify(expected)}` }]
  }
  return rules.resource?.(ref) ?? []
}

const shareIdIssues = (rules: Rules, shareId: unknown): ReadonlyArray<Errors.Issue> => {
  const found = issues(ShareId, shareId, "shareId")
  return found.length > 0 ? found : (rules.shareId?.(shareId as string) ?? [])
}

const granteeIssues = (provider: Shape, rules: Rules, grantee: Grantee, path: string): ReadonlyArray<Errors.Issue> =>
  rules.grantee !== undefined && provider.capabilities.granteeKinds.includes(grantee._tag)
    ? rules.grantee(grantee, path)
    : []

/**
 * Checks a resource reference for `provider`: its shape, the provider name and the provider's rules.
 *
 * @example
 * ```ts
 * import { Input, MemoryProvider } from "@unishare/core"
 * Input.resource(MemoryProvider.make(), null, "list") // fails with InvalidInput at resource
 * ```
 */
export const resource = (
  provider: Shape,
  input: unknown,
  operation: string
): Effect.Effect<ResourceRef, Errors.InvalidInput> =>
  Effect.suspend(() =>
    Effect.as(
      fail(providerName(provider), operation, resourceIssues(provider, rulesOf(provider) ?? {}, input)),
      input as ResourceRef
    )
  )

/**
 * Decodes a desired set for `provider`: an array of well-formed grants whose grantees match the
 * provider's id formats. `{}`, `null` and `undefined` are `InvalidInput` at `desired`; an empty
 * array is a legitimate "no shares".
 *
 * @example
 * ```ts
 * import { Input, MemoryProvider } from "@unishare/core"
 * Input.desired(MemoryProvider.make(), {}, "sync") // fails with InvalidInput at desired
 * ```
 */
export const desired = (
  provider: Shape,
  input: unknown,
  operation: string
): Effect.Effect<ReadonlyArray<Grant>, Errors.InvalidInput> =>
  Effect.suspend(() => {
    const name = providerName(provider)
    const found = Array.isArray(input) && input.every(isGrant) ? [] : issues(Desired, input, "desired")
    if (found.length > 0) return Effect.fail(new Errors.InvalidInput({ provider: name, operation, issues: [...found] }))
    const grants = input as ReadonlyArray<Grant>
    const rules = rulesOf(provider) ?? {}
    const byRule = grants.flatMap((g, i) => granteeIssues(provider, rules, g.grantee, `desired.${i}.grantee`))
    return Effect.as(fail(name, operation, byRule), grants)
  })

/**
 * Decodes a grant request for `provider` (grantee, level, options, notification) and checks the
 * grantee against the provider's rules.
 *
 * @example
 * ```ts
 * import { Input, MemoryProvider } from "@unishare/core"
 * Input.grantRequest(MemoryProvider.make(), { grantee: null, level: "viewer" }, "grant") // fails at grantee
 * ```
 */
export const grantRequest = <A>(provider: Shape, input: A, operation: string): Effect.Effect<A, Errors.InvalidInput> =>
  Effect.suspend(() =>
    Effect.as(fail(providerName(provider), operation, requestIssues(provider, rulesOf(provider) ?? {}, input)), input)
  )

const requestIssues = (provider: Shape, rules: Rules, request: unknown): ReadonlyArray<Errors.Issue> => {
  const found = issues(GrantRequest, request, typeof request === "object" && request !== null ? "" : "request")
  return found.length > 0 ? found : granteeIssues(provider, rules, (request as Grant).grantee, "grantee")
}

/**
 * Checks options against a schema (unknown keys are left alone); the value is returned as given.
 *
 * @example
 * ```ts
 * import { Input, MemoryProvider } from "@unishare/core"
 * Input.options(MemoryProvider.make(), Input.TranslationOptions, { onLossy: "up" }, "update")
 * // fails with InvalidInput at options.onLossy
 * ```
 */
export const options = <A>(
  provider: Shape,
  schema: Schema.Top & { readonly DecodingServices: never },
  input: A,
  operation: string
): Effect.Effect<A, Errors.InvalidInput> =>
  Effect.suspend(() =>
    Effect.as(
      fail(providerName(provider), operation, input === undefined ? [] : issues(schema, input, "options")),
      input
    )
  )

/**
 * `provider` with every method decoding its arguments first (see the module docs). Guarding twice
 * keeps the first rules and adds no second layer.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Input, MemoryProvider } from "@unishare/core"
 * const memory = Input.guard(MemoryProvider.make())
 * const refused = Effect.flip(memory.revoke({ provider: "memory", kind: "doc", id: "d1" }, ".."))
 * // InvalidInput at shareId, and the memory provider was never called
 * ```
 */
export const guard = (provider: Shape, rules: Rules = {}): Shape => {
  if (rulesOf(provider) !== undefined) return provider
  const name = providerName(provider)
  const check = (operation: string, ...groups: ReadonlyArray<() => ReadonlyArray<Errors.Issue>>) =>
    Effect.suspend(() => {
      const found: Array<Errors.Issue> = []
      for (const group of groups) found.push(...group())
      return fail(name, operation, found)
    })
  const onResource = (r: unknown) => () => resourceIssues(provider, rules, r)
  const onShareId = (id: unknown) => () => shareIdIssues(rules, id)
  const onOptions = (schema: Schema.Top & { readonly DecodingServices: never }, o: unknown) => () =>
    o === undefined ? [] : issues(schema, o, "options")

  const guarded: Guarded = {
    [RulesKey]: rules,
    capabilities: provider.capabilities,
    list: (r, o) =>
      Stream.unwrap(Effect.map(check("list", onResource(r), onOptions(ListOptions, o)), () => provider.list(r, o))),
    get: (r, id) => Effect.flatMap(check("get", onResource(r), onShareId(id)), () => provider.get(r, id)),
    grant: (r, request) =>
      Effect.flatMap(
        check("grant", onResource(r), () => requestIssues(provider, rules, request)),
        () => provider.grant(r, request)
      ),
    update: (r, id, level, o) =>
      Effect.flatMap(
        check(
          "update",
          onResource(r),
          onShareId(id),
          () => issues(AccessLevel, level, "level"),
          onOptions(UpdateOptions, o)
        ),
        () => provider.update(r, id, level, o)
      ),
    revoke: (r, id) => Effect.flatMap(check("revoke", onResource(r), onShareId(id)), () => provider.revoke(r, id)),
    ...(provider.replace !== undefined
      ? {
          replace: (r, d, o) =>
            Effect.flatMap(
              check("replace", onResource(r), onOptions(TranslationOptions, o), () => {
                const found = Array.isArray(d) && d.every(isGrant) ? [] : issues(Desired, d, "desired")
                return found.length > 0
                  ? found
                  : d.flatMap((g, i) => granteeIssues(provider, rules, g.grantee, `desired.${i}.grantee`))
              }),
              () => provider.replace!(r, d, o)
            )
        }
      : {}),
    ...(provider.grantAll !== undefined
      ? {
          grantAll: (r, requests) =>
            Effect.flatMap(
              check("grantAll", onResource(r), () =>
                Array.isArray(requests)
                  ? requests.flatMap((request, i) =>
                      requestIssues(provider, rules, request).map((issue) => ({
                        ...issue,
                        path:
                          issue.path === "" || issue.path === "request"
                            ? `requests.${i}`
                            : `requests.${i}.${issue.path}`
                      }))
                    )
                  : [{ path: "requests", message: "must be an array of grant requests" }]
              ),
              () => provider.grantAll!(r, requests)
            )
        }
      : {}),
    ...(provider.listResources !== undefined ? { listResources: provider.listResources } : {}),
    ...(provider.createResource !== undefined
      ? {
          createResource: (request) =>
            Effect.flatMap(
              check("createResource", () => issues(CreateRequest, request, "request")),
              () => provider.createResource!(request)
            )
        }
      : {}),
    ...(provider.resolveGrantee !== undefined
      ? {
          resolveGrantee: (g) =>
            Effect.flatMap(
              check("resolveGrantee", () => {
                const found = issues(Grantee, g, "grantee")
                return found.length > 0 ? found : granteeIssues(provider, rules, g, "grantee")
              }),
              () => provider.resolveGrantee!(g)
            )
        }
      : {}),
    ...(provider.resolveGrantees !== undefined
      ? {
          resolveGrantees: (gs) =>
            Effect.flatMap(
              check("resolveGrantees", () =>
                Array.isArray(gs)
                  ? gs.flatMap((g, i) => {
                      const found = issues(Grantee, g, `grantees.${i}`)
                      return found.length > 0 ? found : granteeIssues(provider, rules, g, `grantees.${i}`)
                    })
                  : [{ path: "grantees", message: "must be an array of grantees" }]
              ),
              () => provider.resolveGrantees!(gs)
            )
        }
      : {})
  }
  return guarded
}

/**
 * `true` when the value looks like a provider: an object with `capabilities` (naming its provider
 * and grantee kinds) and the port's functions.
 *
 * @example
 * ```ts
 * import { Input, MemoryProvider } from "@unishare/core"
 * Input.isProvider(MemoryProvider.make()) // true
 * Input.isProvider({}) // false
 * ```
 */
export const isProvider = (u: unknown): u is Shape => {
  if (typeof u !== "object" || u === null) return false
  const p = u as Record<string, unknown>
  const caps = p.capabilities as { provider?: unknown; granteeKinds?: unknown } | undefined
  return (
    typeof caps === "object" &&
    caps !== null &&
    typeof caps.provider === "string" &&
    Array.isArray(caps.granteeKinds) &&
    ["list", "get", "grant", "update", "revoke"].every((k) => typeof p[k] === "function")
  )
}

const positive = Schema.Number.check(Schema.isFinite(), Schema.isGreaterThan(0))
const count = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 1_000 }))

/**
 * The HTTP settings every adapter's configuration shares: `baseUrl`, `timeoutMillis`, `retry` and
 * `rateLimit` (each optional; an adapter may allow `rateLimit: false`).
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Input } from "@unishare/core"
 * const Config = Schema.Struct({ ...Input.httpSettings })
 * Schema.is(Config)({ timeoutMillis: -1 }) // false
 * ```
 */
export const httpSettings = {
  baseUrl: Schema.optional(Ids.WellFormedString),
  timeoutMillis: Schema.optional(positive),
  retry: Schema.optional(
    Schema.Struct({
      times: Schema.optional(count),
      baseMillis: Schema.optional(positive),
      maxMillis: Schema.optional(positive),
      maxRetryAfterMillis: Schema.optional(Schema.Number.check(Schema.isFinite(), Schema.isGreaterThanOrEqualTo(0)))
    })
  ),
  rateLimit: Schema.optional(
    Schema.Struct({ requests: Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)), windowMillis: positive })
  )
}

/**
 * The issue of a secret that is not a `Redacted` string. The message never shows the value: a
 * secret passed in clear text is not echoed into an error.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Input } from "@unishare/core"
 * Input.secretIssues(Redacted.make("t"), "token") // []
 * Input.secretIssues("t", "token") // [{ path: "token", message: "must be a Redacted string …" }]
 * ```
 */
export const secretIssues = (input: unknown, path: string): ReadonlyArray<Errors.Issue> =>
  Redacted.isRedacted(input) && typeof Redacted.value(input) === "string"
    ? []
    : [{ path, message: "must be a Redacted string (Redacted.make(…)); the value is not shown" }]

/**
 * Decodes an adapter configuration before anything is built: `schema` checks the plain fields
 * (paths under `config`), `secrets` lists the secret fields, checked by `secretIssues` (the value
 * never appears in a message). Returns the configuration as given.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Input } from "@unishare/core"
 * const check = Input.config("eci", null, Schema.Struct({ ...Input.httpSettings }), () => [])
 * // fails with InvalidInput at config
 * ```
 */
export const config = <A>(
  provider: string,
  input: A,
  schema: Schema.Top & { readonly DecodingServices: never },
  secrets: (config: Record<string, unknown>) => ReadonlyArray<readonly [path: string, value: unknown]>
): Effect.Effect<A, Errors.InvalidInput> =>
  Effect.suspend(() => {
    if (typeof input !== "object" || input === null) {
      return Effect.fail(Errors.invalid(provider, "configure", "config", "must be a configuration object"))
    }
    const found = [
      ...secrets(input as Record<string, unknown>).flatMap(([path, value]) => secretIssues(value, path)),
      ...issues(schema, input, "")
    ]
    return Effect.as(fail(provider, "configure", found), input)
  })
