/**
 * Identity mapping for migrations: which target principal stands for each source principal.
 * Explicit entries come from a CSV or JSON file; emails map across by themselves and are resolved by
 * the target adapter (e.g. EnergyCAP email → user id). What cannot be resolved is reported, and with a
 * fallback grantee it goes to the fallback — it is never dropped silently.
 *
 * @since 0.1.0
 */

import * as Errors from "@unishare/core/Errors"
import * as Grantee from "@unishare/core/Grantee"
import * as Ids from "@unishare/core/Ids"
import type { Shape } from "@unishare/core/SharingProvider"
import { Effect, Option, Result, Schema } from "effect"
import { parseJson } from "./Snapshot.ts"

/**
 * One mapping: a source grantee and the target grantee that replaces it.
 *
 * @example
 * ```ts
 * import type { IdentityMap } from "@unishare/migration"
 * const e: IdentityMap.Entry = { source: { _tag: "Group", id: "42" }, target: { _tag: "Group", id: "7" } }
 * ```
 */
export const Entry = Schema.Struct({ source: Grantee.Grantee, target: Grantee.Grantee })
/** @example const entries: ReadonlyArray<IdentityMap.Entry> = [] */
export type Entry = typeof Entry.Type

/**
 * A lookup table of entries, matched through grantee identity keys.
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * import { IdentityMap } from "@unishare/migration"
 * const map = IdentityMap.fromEntries([{ source: Grantee.group("42"), target: Grantee.group("7") }])
 * map.lookup(Grantee.group("42")) // { _tag: "Group", id: "7" }
 * ```
 */
export interface IdentityMap {
  readonly entries: ReadonlyArray<Entry>
  readonly lookup: (source: Grantee.Grantee) => Grantee.Grantee | undefined
}

/**
 * Builds a map from entries.
 *
 * @example
 * ```ts
 * import { IdentityMap } from "@unishare/migration"
 * IdentityMap.fromEntries([]).entries.length // 0
 * ```
 */
export const fromEntries = (entries: ReadonlyArray<Entry>): IdentityMap => {
  const index = new Map<string, Grantee.Grantee>()
  for (const e of entries) for (const key of Grantee.keys(e.source)) index.set(key, e.target)
  return {
    entries,
    lookup: (source) => {
      for (const key of Grantee.keys(source)) {
        const found = index.get(key)
        if (found !== undefined) return found
      }
      return undefined
    }
  }
}

/**
 * The empty map (only automatic email mapping applies).
 *
 * @example
 * ```ts
 * import { IdentityMap } from "@unishare/migration"
 * IdentityMap.empty.lookup({ _tag: "Everyone" }) // undefined
 * ```
 */
export const empty: IdentityMap = fromEntries([])

const kinds = ["user", "group", "account", "organization", "domain", "everyone", "anyone"] as const

/**
 * Parses the `kind:value` notation used by CSV files and CLI flags: `user:ada@example.com`,
 * `user:1001` (an id), `group:7`, `account:abc`, `organization:org1`, `domain:acme.example`
 * (everyone of a domain, with the link; `domain:acme.example:discoverable` when they can find it by
 * search), `everyone` (the tenant), `anyone` (the public, with the link) and
 * `anyone:discoverable` (public and searchable). Strict, as the library is: the kind in lower case,
 * no whitespace around the kind, the value or the whole, a non-empty value of well-formed Unicode
 * (a lone surrogate is refused, never sent), and nothing after `everyone`. The message names what
 * is wrong.
 *
 * @example
 * ```ts
 * import { IdentityMap } from "@unishare/migration"
 * IdentityMap.parseGrantee("user:ada@example.com") // { ok: true, grantee: { _tag: "User", email: "ada@example.com" } }
 * IdentityMap.parseGrantee("group: 7").ok // false
 * ```
 */
export const parseGrantee = (
  text: string
): { readonly ok: true; readonly grantee: Grantee.Grantee } | { readonly ok: false; readonly message: string } => {
  const refuse = (why: string) => ({ ok: false as const, message: `${why}, got ${JSON.stringify(text)}` })
  const expected = `expected kind:value (kinds: ${kinds.join(", ")})`
  if (!Ids.isWellFormed(text)) return refuse("not well-formed Unicode (a lone surrogate)")
  if (text !== text.trim()) return refuse(`whitespace around the grantee; ${expected}`)
  if (text === "everyone") return { ok: true, grantee: Grantee.everyone }
  if (text === "anyone") return { ok: true, grantee: Grantee.anyone() }
  if (text === "anyone:discoverable") return { ok: true, grantee: Grantee.anyone({ discoverable: true }) }
  const colon = text.indexOf(":")
  if (colon < 0) return refuse(expected)
  const kind = text.slice(0, colon)
  const value = text.slice(colon + 1)
  if (!(kinds as ReadonlyArray<string>).includes(kind)) {
    const lower = kind.toLowerCase()
    return refuse(
      (kinds as ReadonlyArray<string>).includes(lower.trim())
        ? `the kind is written ${lower.trim()} (lower case, no spaces); ${expected}`
        : `unknown grantee kind ${JSON.stringify(kind)} (kinds: ${kinds.join(", ")})`
    )
  }
  if (kind === "everyone") return refuse("everyone takes no value")
  if (kind === "anyone") return refuse("anyone takes no value, or :discoverable")
  if (value === "") return refuse(`the ${kind} value is empty; ${expected}`)
  if (value !== value.trim()) return refuse(`whitespace around the ${kind} value`)
  switch (kind) {
    case "user":
      return { ok: true, grantee: value.includes("@") ? Grantee.user({ email: value }) : Grantee.user({ id: value }) }
    case "group":
      return { ok: true, grantee: Grantee.group(value) }
    case "account":
      return { ok: true, grantee: Grantee.account(value) }
    case "domain": {
      const discoverable = value.endsWith(":discoverable")
      const name = discoverable ? value.slice(0, -":discoverable".length) : value
      const decoded = Schema.decodeUnknownOption(Grantee.Domain)({ _tag: "Domain", domain: name })
      if (Option.isNone(decoded)) return refuse("the domain value must be a domain name such as example.com")
      return { ok: true, grantee: Grantee.domain(name, discoverable ? { discoverable } : undefined) }
    }
    default:
      return { ok: true, grantee: Grantee.organization(value) }
  }
}

const splitCsvLine = (line: string): Array<string> => {
  const out: Array<string> = []
  let cell = ""
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"'
        i++
      } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ",") {
      out.push(cell)
      cell = ""
    } else cell += c
  }
  out.push(cell)
  return out.map((s) => s.trim())
}

/**
 * Parses a CSV file with a header `source,target` whose cells use the `kind:value` notation
 * (`user:ada@old.example,user:ada@new.example`). Blank lines and lines starting with `#` are skipped.
 *
 * @example
 * ```ts
 * import { IdentityMap } from "@unishare/migration"
 * IdentityMap.parseCsv("source,target\ngroup:42,group:7\n")
 * ```
 */
export const parseCsv = (text: string): Effect.Effect<IdentityMap, Errors.InvalidInput> => {
  const issues: Array<Errors.Issue> = []
  const entries: Array<Entry> = []
  const lines = text.split(/\r?\n/)
  let header: Array<string> | undefined
  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (line === "" || line.startsWith("#")) return
    const cells = splitCsvLine(line)
    if (header === undefined) {
      header = cells.map((c) => c.toLowerCase())
      if (!header.includes("source") || !header.includes("target")) {
        issues.push({
          path: `identities:${i + 1}`,
          message: `the header must name the columns "source" and "target", got ${JSON.stringify(line)}`
        })
      }
      return
    }
    if (!header.includes("source") || !header.includes("target")) return
    const source = parseGrantee(cells[header.indexOf("source")] ?? "")
    const target = parseGrantee(cells[header.indexOf("target")] ?? "")
    if (!source.ok) issues.push({ path: `identities:${i + 1}.source`, message: source.message })
    if (!target.ok) issues.push({ path: `identities:${i + 1}.target`, message: target.message })
    if (source.ok && target.ok) entries.push({ source: source.grantee, target: target.grantee })
  })
  if (header === undefined) issues.push({ path: "identities", message: "empty file: expected a header source,target" })
  return issues.length > 0
    ? Effect.fail(new Errors.InvalidInput({ provider: "unishare", operation: "read identities", issues }))
    : Effect.succeed(fromEntries(entries))
}

/**
 * Parses a JSON file: an array of `{ source, target }`, each a grantee object or the same `kind:value`
 * notation as the CSV file (`"user:ada@example.com"`, `"group:7"`, `"everyone"`).
 *
 * @example
 * ```ts
 * import { IdentityMap } from "@unishare/migration"
 * IdentityMap.parseJsonText('[{"source":{"_tag":"Group","id":"42"},"target":{"_tag":"Group","id":"7"}}]')
 * ```
 */
export const parseJsonText = (text: string): Effect.Effect<IdentityMap, Errors.InvalidInput> =>
  Effect.flatMap(parseJson(text, Schema.Array(JsonEntry), "identities"), (rows) => {
    const issues: Array<Errors.Issue> = []
    const entries: Array<Entry> = []
    const toGrantee = (value: typeof GranteeField.Type, path: string): Grantee.Grantee | undefined => {
      if (typeof value !== "string") return value
      const parsed = parseGrantee(value)
      if (parsed.ok) return parsed.grantee
      issues.push({ path, message: parsed.message })
      return undefined
    }
    rows.forEach((row, i) => {
      const source = toGrantee(row.source, `identities[${i}].source`)
      const target = toGrantee(row.target, `identities[${i}].target`)
      if (source !== undefined && target !== undefined) entries.push({ source, target })
    })
    return issues.length > 0
      ? Effect.fail(new Errors.InvalidInput({ provider: "unishare", operation: "read identities", issues }))
      : Effect.succeed(fromEntries(entries))
  })

const GranteeField = Schema.Union([Schema.String, Grantee.Grantee])
const JsonEntry = Schema.Struct({ source: GranteeField, target: GranteeField })

/**
 * How one source principal was resolved.
 *
 * @example
 * ```ts
 * import type { IdentityMap } from "@unishare/migration"
 * const unresolved = (r: IdentityMap.Resolution) => r.target === undefined
 * ```
 */
export interface Resolution {
  readonly source: Grantee.Grantee
  readonly target?: Grantee.Grantee | undefined
  readonly via?: "map" | "auto" | "fallback" | undefined
  readonly reason?: string | undefined
}

/**
 * Resolution options: `fallback` receives what cannot be resolved; `autoMap` (default `true`)
 * maps users by email, `Everyone` to `Everyone`, and a `Domain` or `Anyone` to itself without an entry, and with `sameProvider` every
 * principal to itself.
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * import { type IdentityMap } from "@unishare/migration"
 * const opts: IdentityMap.ResolveOptions = { fallback: Grantee.user({ email: "it-admin@example.com" }) }
 * ```
 */
export interface ResolveOptions {
  readonly fallback?: Grantee.Grantee | undefined
  readonly autoMap?: boolean | undefined
  /** Source and target are the same provider (e.g. two Cloudflare accounts): every id maps to itself. */
  readonly sameProvider?: boolean | undefined
}

/**
 * Resolves each distinct source principal once against the target, in as few requests as the
 * target allows: when it has `resolveGrantees`, every distinct target principal to look up (the
 * fallback included) goes in one call, which the adapter batches (EnergyCAP: one
 * `email one of` query per 200 emails); otherwise one `resolveGrantee` per distinct principal.
 * The outcome of each principal is the same either way: resolved, does not exist, or not valid on
 * the target (an id out of its format, an email several target users share) with the target's
 * reason — reported, never fatal. A batch the target refuses for some of its principals is sent
 * again without them (one more pass per refusal). The fallback is resolved too; one that does not
 * exist on the target, or is not valid there, is `InvalidInput` at `fallback`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Grantee, MemoryProvider } from "@unishare/core"
 * import { IdentityMap } from "@unishare/migration"
 * const r = IdentityMap.resolveAll([Grantee.user({ email: "a@x.io" })], IdentityMap.empty, MemoryProvider.make())
 * ```
 */
export const resolveAll = (
  sources: ReadonlyArray<Grantee.Grantee>,
  map: IdentityMap,
  target: Shape,
  options: ResolveOptions = {}
): Effect.Effect<ReadonlyMap<string, Resolution>, Errors.SharingError> =>
  Effect.gen(function* () {
    const provider = target.capabilities.provider
    const resolves = target.resolveGrantees !== undefined || target.resolveGrantee !== undefined
    const asks = (g: Grantee.Grantee | undefined): g is Grantee.Grantee =>
      resolves && g !== undefined && g._tag !== "Everyone" && g._tag !== "Domain" && g._tag !== "Anyone"
    const unique = new Map<string, Grantee.Grantee>()
    for (const g of sources) {
      const key = Grantee.keys(g)[0]
      if (key !== undefined && !unique.has(key)) unique.set(key, g)
    }
    // the candidate of each principal: its map entry, or the automatic mapping (no requests)
    const candidates = [...unique.values()].map((source) => {
      const mapped = map.lookup(source)
      let candidate: Grantee.Grantee | undefined = mapped
      let via: Resolution["via"] = mapped !== undefined ? "map" : undefined
      if (candidate === undefined && options.autoMap !== false) {
        if (options.sameProvider === true) candidate = source
        else if (source._tag === "User" && source.email !== undefined) candidate = Grantee.user({ email: source.email })
        else if (source._tag === "Everyone") candidate = Grantee.everyone
        // a domain name and the public mean the same on every provider (whether the target has them
        // is the translation's business: Unsupported, never another population)
        else if (source._tag === "Domain" || source._tag === "Anyone") candidate = source
        if (candidate !== undefined) via = "auto"
      }
      return { source, candidate, via }
    })
    // what the target is asked about, each distinct grantee once (the fallback first)
    const asked: Array<Grantee.Grantee> = []
    const at = new Map<string, number>()
    const ask = (g: Grantee.Grantee) => {
      const key = exactKey(g)
      if (at.has(key)) return
      at.set(key, asked.length)
      asked.push(g)
    }
    const fallbackAsked = asks(options.fallback)
    if (fallbackAsked) ask(options.fallback!)
    for (const c of candidates) if (asks(c.candidate)) ask(c.candidate)
    const outcomes: Array<Outcome> = []
    if (target.resolveGrantees !== undefined) outcomes.push(...(yield* resolveBatch(target, asked)))
    else if (fallbackAsked) {
      // the fallback alone first: one that does not exist stops the plan after one request
      outcomes.push(...(yield* resolveEach(target, asked.slice(0, 1))))
      if (outcomes[0]!._tag === "found") outcomes.push(...(yield* resolveEach(target, asked.slice(1))))
    } else outcomes.push(...(yield* resolveEach(target, asked)))
    let fallback = options.fallback
    if (fallbackAsked) {
      const outcome = outcomes[0]!
      if (outcome._tag !== "found") {
        return yield* Errors.invalid(
          provider,
          "resolve identities",
          "fallback",
          outcome._tag === "invalid"
            ? `${Grantee.describe(fallback!)} is not valid on ${provider}: ${outcome.problem}`
            : `${Grantee.describe(fallback!)} does not exist on ${provider}`
        )
      }
      fallback = outcome.grantee
    }
    const out = new Map<string, Resolution>()
    for (const { source, candidate, via } of candidates) {
      let resolved = candidate
      let reason = candidate === undefined ? "no identity map entry" : undefined
      if (asks(candidate)) {
        const outcome = outcomes[at.get(exactKey(candidate))!]!
        if (outcome._tag === "found") resolved = outcome.grantee
        else {
          reason =
            outcome._tag === "invalid"
              ? `${Grantee.describe(candidate)} is not valid on ${provider}: ${outcome.problem}`
              : `${Grantee.describe(candidate)} does not exist on ${provider}`
          resolved = undefined
        }
      }
      const resolution: Resolution =
        resolved === undefined
          ? fallback !== undefined
            ? { source, target: fallback, via: "fallback", reason }
            : { source, reason }
          : { source, target: resolved, via }
      for (const key of Grantee.keys(source)) out.set(key, resolution)
    }
    return out
  })

/** What the target said about one grantee. */
type Outcome =
  | { readonly _tag: "found"; readonly grantee: Grantee.Grantee }
  | { readonly _tag: "missing" }
  | { readonly _tag: "invalid"; readonly problem: string }

/** Grantees that differ in any field are asked about separately (the target may answer differently). */
const exactKey = (g: Grantee.Grantee): string =>
  JSON.stringify([
    g._tag,
    "id" in g ? g.id : undefined,
    "email" in g ? g.email : undefined,
    "name" in g ? g.name : undefined
  ])

const problemOf = (e: Errors.InvalidInput): string => e.issues.map((i) => i.message).join("; ")

/**
 * One `resolveGrantee` per grantee (the first alone: a refused credential costs one request, not
 * four). A grantee malformed for the target (an email that is not one address, an id out of its
 * format) is `invalid`, like one that does not exist is `missing`: reported, never fatal.
 */
const resolveEach = (
  target: Shape,
  grantees: ReadonlyArray<Grantee.Grantee>
): Effect.Effect<ReadonlyArray<Outcome>, Errors.SharingError> => {
  const one = (g: Grantee.Grantee): Effect.Effect<Outcome, Errors.SharingError> =>
    target.resolveGrantee === undefined
      ? Effect.succeed({ _tag: "found", grantee: g })
      : target.resolveGrantee(g).pipe(
          Effect.map(
            (found): Outcome => (Option.isSome(found) ? { _tag: "found", grantee: found.value } : { _tag: "missing" })
          ),
          Effect.catchTag("NotFound", (): Effect.Effect<Outcome> => Effect.succeed({ _tag: "missing" })),
          Effect.catchTag(
            "InvalidInput",
            (e): Effect.Effect<Outcome> => Effect.succeed({ _tag: "invalid", problem: problemOf(e) })
          )
        )
  return grantees.length === 0
    ? Effect.succeed([])
    : Effect.gen(function* () {
        const first = yield* one(grantees[0]!)
        return [first, ...(yield* Effect.forEach(grantees.slice(1), one, { concurrency: 4 }))]
      })
}

/**
 * All grantees in one `resolveGrantees` call. When the target refuses the call with `InvalidInput`
 * naming some of them (`grantees.<k>…`), those are `invalid` with the target's messages and the call
 * is made again without them; a refusal it cannot attribute, or `NotFound`, is answered one grantee
 * at a time (`resolveGrantee`), so every grantee gets the outcome it would get alone.
 */
const resolveBatch = (
  target: Shape,
  grantees: ReadonlyArray<Grantee.Grantee>
): Effect.Effect<ReadonlyArray<Outcome>, Errors.SharingError> =>
  Effect.gen(function* () {
    const outcomes: Array<Outcome | undefined> = grantees.map(() => undefined)
    let pending = grantees.map((_, i) => i)
    while (pending.length > 0) {
      const answer = yield* Effect.result(target.resolveGrantees!(pending.map((i) => grantees[i]!)))
      if (Result.isSuccess(answer)) {
        pending.forEach((i, k) => {
          const found = answer.success[k]
          outcomes[i] =
            found !== undefined && Option.isSome(found) ? { _tag: "found", grantee: found.value } : { _tag: "missing" }
        })
        break
      }
      const e = answer.failure
      const refused = e._tag === "InvalidInput" ? attribute(e, pending.length) : undefined
      if (refused === undefined) {
        if ((e._tag !== "InvalidInput" && e._tag !== "NotFound") || target.resolveGrantee === undefined) return yield* e
        const each = yield* resolveEach(
          target,
          pending.map((i) => grantees[i]!)
        )
        pending.forEach((i, k) => {
          outcomes[i] = each[k]!
        })
        break
      }
      for (const [k, problem] of refused) outcomes[pending[k]!] = { _tag: "invalid", problem }
      pending = pending.filter((_, k) => !refused.has(k))
    }
    return outcomes.map((o): Outcome => o ?? { _tag: "missing" })
  })

/**
 * The grantees a batch refusal names, with their messages; `undefined` when some issue names none
 * of them (then the batch cannot be split by it).
 */
const attribute = (e: Errors.InvalidInput, size: number): ReadonlyMap<number, string> | undefined => {
  const byIndex = new Map<number, Array<string>>()
  for (const issue of e.issues) {
    const m = /^grantees\.(\d+)(?:\.|$)/.exec(issue.path)
    const k = m === null ? Number.NaN : Number(m[1])
    if (!(k >= 0 && k < size)) return undefined
    byIndex.set(k, [...(byIndex.get(k) ?? []), issue.message])
  }
  return byIndex.size === 0 ? undefined : new Map([...byIndex].map(([k, ms]) => [k, ms.join("; ")]))
}

/**
 * Finds the resolution of a source grantee in `resolveAll`'s result.
 *
 * @example
 * ```ts
 * import { Grantee } from "@unishare/core"
 * import { IdentityMap } from "@unishare/migration"
 * IdentityMap.find(new Map(), Grantee.group("1")) // undefined
 * ```
 */
export const find = (resolutions: ReadonlyMap<string, Resolution>, source: Grantee.Grantee): Resolution | undefined => {
  for (const key of Grantee.keys(source)) {
    const r = resolutions.get(key)
    if (r !== undefined) return r
  }
  return undefined
}
