/**
 * Who receives access: a user, a group, a provider account or organization, everyone in the
 * tenant, everyone in an internet domain, or anyone on the internet (link sharing).
 *
 * The three population-wide grantees are distinct on purpose and never stand in for one another:
 * `Everyone` is the provider's own tenant (an EnergyCAP installation, a Box enterprise), `Domain`
 * is every account of one domain (Google Workspace `type=domain`), and `Anyone` is the public
 * (Google Drive `type=anyone`). A translation that would turn one into another is refused.
 *
 * IDs are opaque strings on the neutral side; adapters validate and convert them.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { WellFormedString } from "./Ids.ts"

/** Ids and emails: non-empty and well-formed Unicode (a lone surrogate would reach the server as U+FFFD). */
const NonEmpty = WellFormedString.check(Schema.isMinLength(1))

/** A DNS name of two labels or more (letters, digits, hyphens; at most 253 characters). */
const DomainName = Schema.String.check(
  Schema.isPattern(
    /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9]$/,
    {
      message: "must be a domain name such as example.com"
    }
  )
)

/**
 * A person, known by a provider id, an email address, or both.
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * const ada = Grantee.User.make({ email: "ada@example.com" })
 * ```
 */
export const User = Schema.TaggedStruct("User", {
  id: Schema.optionalKey(NonEmpty),
  email: Schema.optionalKey(NonEmpty)
}).check(
  Schema.makeFilter((u) => u.id !== undefined || u.email !== undefined || "a User needs an id or an email", {
    title: "User with id or email"
  })
)
/** @example const u: Grantee.User = { _tag: "User", email: "a@b.c" } */
export type User = typeof User.Type

/**
 * A group of users, known by the provider's group id.
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * const team = Grantee.Group.make({ id: "42", name: "Finance" })
 * ```
 */
export const Group = Schema.TaggedStruct("Group", { id: NonEmpty, name: Schema.optionalKey(Schema.String) })
/** @example const g: Grantee.Group = { _tag: "Group", id: "42" } */
export type Group = typeof Group.Type

/**
 * A provider account (Cloudflare `recipient_account_id`).
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * const acct = Grantee.Account.make({ id: "023e105f4ecef8ad9ca31a8372d0c353" })
 * ```
 */
export const Account = Schema.TaggedStruct("Account", { id: NonEmpty })
/** @example const a: Grantee.Account = { _tag: "Account", id: "abc" } */
export type Account = typeof Account.Type

/**
 * A whole provider organization (Cloudflare `organization_id`).
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * const org = Grantee.Organization.make({ id: "org1" })
 * ```
 */
export const Organization = Schema.TaggedStruct("Organization", { id: NonEmpty })
/** @example const o: Grantee.Organization = { _tag: "Organization", id: "org1" } */
export type Organization = typeof Organization.Type

/**
 * Everybody in the provider's tenant (EnergyCAP `sharedWithEveryone`, Box's all-users group):
 * never the public (that is `Anyone`) nor another organization's domain (that is `Domain`).
 * Needs the explicit opt-in `allowEveryone`.
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * const all = Grantee.Everyone.make({})
 * ```
 */
export const Everyone = Schema.TaggedStruct("Everyone", {})
/** @example const e: Grantee.Everyone = { _tag: "Everyone" } */
export type Everyone = typeof Everyone.Type

/**
 * Every account of an internet domain (Google Drive `type=domain`), which need not be the tenant's
 * own. `discoverable: true` lets them find the item by search; absent or `false`, they need the
 * link. Domains compare case-insensitively. Needs the explicit opt-in `allowEveryone`.
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * const acme = Grantee.Domain.make({ domain: "acme.example", discoverable: false })
 * ```
 */
export const Domain = Schema.TaggedStruct("Domain", {
  domain: DomainName,
  discoverable: Schema.optionalKey(Schema.Boolean)
})
/** @example const d: Grantee.Domain = { _tag: "Domain", domain: "acme.example" } */
export type Domain = typeof Domain.Type

/**
 * Anyone on the internet (Google Drive `type=anyone`): with `discoverable: true` the item is public
 * and searchable, absent or `false` it is "anyone with the link". Never a tenant's `Everyone`.
 * Needs the explicit opt-in `allowAnyone`.
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * const link = Grantee.Anyone.make({})
 * const published = Grantee.Anyone.make({ discoverable: true })
 * ```
 */
export const Anyone = Schema.TaggedStruct("Anyone", { discoverable: Schema.optionalKey(Schema.Boolean) })
/** @example const a: Grantee.Anyone = { _tag: "Anyone" } */
export type Anyone = typeof Anyone.Type

/**
 * Any grantee.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Grantee } from "@unishare/core"
 * Schema.decodeUnknownSync(Grantee.Grantee)({ _tag: "Group", id: "7" })
 * ```
 */
export const Grantee = Schema.Union([User, Group, Account, Organization, Everyone, Domain, Anyone])
/** @example const g: Grantee.Grantee = { _tag: "Everyone" } */
export type Grantee = typeof Grantee.Type

/**
 * The kinds of grantee, as named by their tags.
 *
 * @example
 * ```ts
 * import type { Grantee } from "@unishare/core"
 * const kinds: ReadonlyArray<Grantee.Kind> = ["User", "Group"]
 * ```
 */
export type Kind = Grantee["_tag"]

/**
 * Schema of a grantee kind.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Grantee } from "@unishare/core"
 * Schema.decodeUnknownSync(Grantee.Kind)("Account")
 * ```
 */
export const Kind = Schema.Literals(["User", "Group", "Account", "Organization", "Everyone", "Domain", "Anyone"])

/**
 * Shorthand constructors that validate their input.
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * Grantee.user({ email: "ada@example.com" })
 * Grantee.group("42")
 * ```
 */
export const user = (fields: { readonly id?: string; readonly email?: string }): User => User.make(fields)
/** @example Grantee.group("42", "Finance") */
export const group = (id: string, name?: string): Group => Group.make(name === undefined ? { id } : { id, name })
/** @example Grantee.account("023e105f4ecef8ad9ca31a8372d0c353") */
export const account = (id: string): Account => Account.make({ id })
/** @example Grantee.organization("org1") */
export const organization = (id: string): Organization => Organization.make({ id })
/** @example Grantee.everyone */
export const everyone: Everyone = Everyone.make({})
/** @example Grantee.domain("acme.example", { discoverable: true }) */
export const domain = (name: string, options?: { readonly discoverable?: boolean }): Domain =>
  Domain.make(
    options?.discoverable === undefined ? { domain: name } : { domain: name, discoverable: options.discoverable }
  )
/** @example Grantee.anyone({ discoverable: false }) */
export const anyone = (options?: { readonly discoverable?: boolean }): Anyone =>
  Anyone.make(options?.discoverable === undefined ? {} : { discoverable: options.discoverable })

/**
 * Whether a `Domain` or `Anyone` grantee can find the item by search (`false` when not said):
 * part of what a grant gives, so two grants that differ in it are different grants.
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * Grantee.isDiscoverable(Grantee.anyone()) // false
 * ```
 */
export const isDiscoverable = (grantee: Grantee): boolean =>
  (grantee._tag === "Domain" || grantee._tag === "Anyone") && grantee.discoverable === true

/**
 * The form an email is compared in (trimmed, lower case): emails match case-insensitively.
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * Grantee.normalizeEmail(" Ada@Example.com ") // "ada@example.com"
 * ```
 */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase()

/**
 * Identity keys of a grantee: two grantees denote the same principal when they share a key.
 * A user with both an id and an email has two keys; emails compare case-insensitively.
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * Grantee.keys(Grantee.user({ id: "7", email: "Ada@X.io" })) // ["user-id:7", "user-email:ada@x.io"]
 * ```
 */
export const keys = (grantee: Grantee): ReadonlyArray<string> => {
  switch (grantee._tag) {
    case "User": {
      const out: Array<string> = []
      if (grantee.id !== undefined) out.push(`user-id:${grantee.id}`)
      if (grantee.email !== undefined) out.push(`user-email:${normalizeEmail(grantee.email)}`)
      return out
    }
    case "Group":
      return [`group:${grantee.id}`]
    case "Account":
      return [`account:${grantee.id}`]
    case "Organization":
      return [`organization:${grantee.id}`]
    case "Everyone":
      return ["everyone"]
    case "Domain":
      return [`domain:${grantee.domain.toLowerCase()}`]
    case "Anyone":
      return ["anyone"]
  }
}

/**
 * `true` when both grantees denote the same principal.
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * Grantee.same(Grantee.user({ email: "a@x.io" }), Grantee.user({ id: "1", email: "A@x.io" })) // true
 * ```
 */
export const same = (a: Grantee, b: Grantee): boolean => {
  const ka = keys(a)
  return keys(b).some((k) => ka.includes(k))
}

/**
 * A short human label for reports and error messages.
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * Grantee.describe(Grantee.group("42", "Finance")) // "group 42 (Finance)"
 * ```
 */
export const describe = (grantee: Grantee): string => {
  switch (grantee._tag) {
    case "User":
      return grantee.email !== undefined
        ? `user ${grantee.email}${grantee.id !== undefined ? ` (#${grantee.id})` : ""}`
        : `user #${grantee.id}`
    case "Group":
      return `group ${grantee.id}${grantee.name !== undefined ? ` (${grantee.name})` : ""}`
    case "Account":
      return `account ${grantee.id}`
    case "Organization":
      return `organization ${grantee.id}`
    case "Everyone":
      return "everyone"
    case "Domain":
      return `domain ${grantee.domain}${grantee.discoverable === true ? " (discoverable)" : ""}`
    case "Anyone":
      return grantee.discoverable === true ? "anyone (public, discoverable)" : "anyone with the link"
  }
}
