/**
 * The readable notations of the command line and its files: resources as `provider:kind:id`
 * (`smartsheet:sheet:123`, `eci:list:42`, `cloudflare:share:<account>/<share>`) and grantees as
 * `kind:value` (`user:ada@example.com`, `group:7`, `account:<id>`, `everyone`). Bad text is an
 * `InvalidInput` naming the field.
 *
 * @since 0.1.0
 */
import { Errors, type Grantee, type ResourceRef } from "@unishare/core"
import { IdentityMap } from "@unishare/migration"
import { Effect } from "effect"
import { isProvider, providers } from "./ProviderNames.ts"

export { isProvider, type ProviderName, providers } from "./ProviderNames.ts"

/**
 * Parses a resource: `provider:kind:id`, with `parent/id` for resources that live under a parent
 * (Cloudflare shares live under an account: `cloudflare:share:<account>/<share>`). Returns a
 * message naming what is wrong on failure.
 *
 * @example
 * ```ts
 * import { Notation } from "@unishare/cli"
 * Notation.parseResourceText("cloudflare:share:acc1/sh1") // { ok: true, resource: { provider: "cloudflare", kind: "share", id: "sh1", parent: "acc1" } }
 * ```
 */
export const parseResourceText = (
  text: string
):
  | { readonly ok: true; readonly resource: ResourceRef.ResourceRef }
  | { readonly ok: false; readonly message: string } => {
  const parts = text.trim().split(":")
  if (parts.length < 3) {
    return {
      ok: false,
      message: `expected provider:kind:id (e.g. smartsheet:sheet:123, eci:list:42, cloudflare:share:<account>/<share>), got ${JSON.stringify(text)}`
    }
  }
  const [provider = "", kind = ""] = parts
  const rest = parts.slice(2).join(":")
  if (!isProvider(provider)) {
    return { ok: false, message: `unknown provider ${JSON.stringify(provider)} (known: ${providers.join(", ")})` }
  }
  if (kind === "") return { ok: false, message: `the kind is empty in ${JSON.stringify(text)}` }
  const slash = rest.lastIndexOf("/")
  const parent = slash < 0 ? undefined : rest.slice(0, slash)
  const id = slash < 0 ? rest : rest.slice(slash + 1)
  if (id === "" || parent === "") return { ok: false, message: `the id is empty in ${JSON.stringify(text)}` }
  if (provider !== "cloudflare" && parent !== undefined) {
    return {
      ok: false,
      message: `a ${provider} resource has no parent: expected ${provider}:${kind}:<id>, got ${JSON.stringify(text)}`
    }
  }
  if (provider === "cloudflare" && parent === undefined) {
    return {
      ok: false,
      message: `a Cloudflare share is named with its account: cloudflare:share:<account>/<share>, got ${JSON.stringify(text)}`
    }
  }
  return {
    ok: true,
    resource: { provider, kind, id, ...(parent !== undefined ? { parent } : {}) }
  }
}

/**
 * Parses a resource, failing with `InvalidInput` at `field`.
 *
 * @example
 * ```ts
 * import { Notation } from "@unishare/cli"
 * const ref = Notation.parseResource("eci:list:42", "--resource")
 * ```
 */
export const parseResource = (
  text: string,
  field: string
): Effect.Effect<ResourceRef.ResourceRef, Errors.InvalidInput> => {
  const r = parseResourceText(text)
  return r.ok ? Effect.succeed(r.resource) : Effect.fail(Errors.invalid("unishare", "parse resource", field, r.message))
}

/**
 * Formats a resource in the notation `parseResource` reads.
 *
 * @example
 * ```ts
 * import { Notation } from "@unishare/cli"
 * Notation.formatResource({ provider: "eci", kind: "list", id: "42" }) // "eci:list:42"
 * ```
 */
export const formatResource = (ref: ResourceRef.ResourceRef): string =>
  `${ref.provider}:${ref.kind}:${ref.parent !== undefined ? `${ref.parent}/` : ""}${ref.id}`

/**
 * Parses a grantee in core's `kind:value` notation, failing with `InvalidInput` at `field`.
 *
 * @example
 * ```ts
 * import { Notation } from "@unishare/cli"
 * const g = Notation.parseGrantee("group:7", "--fallback")
 * ```
 */
export const parseGrantee = (text: string, field: string): Effect.Effect<Grantee.Grantee, Errors.InvalidInput> => {
  const r = IdentityMap.parseGrantee(text)
  return r.ok ? Effect.succeed(r.grantee) : Effect.fail(Errors.invalid("unishare", "parse grantee", field, r.message))
}

/**
 * Formats a grantee in the `kind:value` notation (users by email when known).
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * import { Notation } from "@unishare/cli"
 * Notation.formatGrantee(Grantee.group("7")) // "group:7"
 * ```
 */
export const formatGrantee = (grantee: Grantee.Grantee): string => {
  switch (grantee._tag) {
    case "User":
      return `user:${grantee.email ?? grantee.id ?? ""}`
    case "Group":
      return `group:${grantee.id}`
    case "Account":
      return `account:${grantee.id}`
    case "Organization":
      return `organization:${grantee.id}`
    case "Everyone":
      return "everyone"
    case "Domain":
      return `domain:${grantee.domain}${grantee.discoverable === true ? ":discoverable" : ""}`
    case "Anyone":
      return grantee.discoverable === true ? "anyone:discoverable" : "anyone"
  }
}
