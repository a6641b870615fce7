/**
 * Who receives access: a user, a group, a provider account or organization, or everyone.
 *
 * IDs are opaque strings on the neutral side; adapters validate and convert them.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { WellFormedString } from "./Ids.ts"

/** Ids and emails: non-empty and well-formed Unicode (a lone surrogate would reach the server as U+FFFD). */
const NonEmpty = WellFormedString.check(Schema.isMinLength(1))

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
 * Everybody who can reach the resource (ECI `sharedWithEveryone`). Needs an explicit opt-in.
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
 * Any grantee.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Grantee } from "@unishare/core"
 * Schema.decodeUnknownSync(Grantee.Grantee)({ _tag: "Group", id: "7" })
 * ```
 */
export const Grantee = Schema.Union([User, Group, Account, Organization, Everyone])
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
export const Kind = Schema.Literals(["User", "Group", "Account", "Organization", "Everyone"])

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
  }
}
