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
import { Effect, Option, Schema } from "effect"
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

const kinds = ["user", "group", "account", "organization", "everyone"] as const

/**
 * Parses the `kind:value` notation used by CSV files and CLI flags: `user:ada@example.com`,
 * `user:1001` (an id), `group:7`, `account:abc`, `organization:org1`, `everyone`. Strict, as the
 * library is: the kind in lower case, no whitespace around the kind, the value or the whole, a
 * non-empty value of well-formed Unicode (a lone surrogate is refused, never sent), and nothing
 * after `everyone`. The message names what is wrong.
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
  if (value === "") return refuse(`the ${kind} value is empty; ${expected}`)
  if (value !== value.trim()) return refuse(`whitespace around the ${kind} value`)
  switch (kind) {
    case "user":
      return { ok: true, grantee: value.includes("@") ? Grantee.user({ email: value }) : Grantee.user({ id: value }) }
    case "group":
      return { ok: true, grantee: Grantee.group(value) }
    case "account":
      return { ok: true, grantee: Grantee.account(value) }
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
 * maps users by email and `Everyone` to `Everyone` without an entry, and with `sameProvider` every
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
 * Resolves each distinct source principal once against the target (using its `resolveGrantee`).
 * The fallback is resolved too; one that does not exist on the target is `InvalidInput`.
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
    const out = new Map<string, Resolution>()
    let fallback = options.fallback
    if (fallback !== undefined && target.resolveGrantee !== undefined && fallback._tag !== "Everyone") {
      const found = yield* target
        .resolveGrantee(fallback)
        .pipe(Effect.catchTag("NotFound", () => Effect.succeed(Option.none<Grantee.Grantee>())))
      if (Option.isNone(found)) {
        return yield* Errors.invalid(
          target.capabilities.provider,
          "resolve identities",
          "fallback",
          `${Grantee.describe(fallback)} does not exist on ${target.capabilities.provider}`
        )
      }
      fallback = found.value
    }
    const unique = new Map<string, Grantee.Grantee>()
    for (const g of sources) {
      const key = Grantee.keys(g)[0]
      if (key !== undefined && !unique.has(key)) unique.set(key, g)
    }
    const resolveOne = (source: Grantee.Grantee) =>
      Effect.gen(function* () {
        const mapped = map.lookup(source)
        let candidate: Grantee.Grantee | undefined = mapped
        let via: Resolution["via"] = mapped !== undefined ? "map" : undefined
        if (candidate === undefined && options.autoMap !== false) {
          if (options.sameProvider === true) candidate = source
          else if (source._tag === "User" && source.email !== undefined)
            candidate = Grantee.user({ email: source.email })
          else if (source._tag === "Everyone") candidate = Grantee.everyone
          if (candidate !== undefined) via = "auto"
        }
        let reason = candidate === undefined ? "no identity map entry" : undefined
        if (candidate !== undefined && target.resolveGrantee !== undefined && candidate._tag !== "Everyone") {
          // a principal malformed for the target (an email that is not one address, an id out of
          // its format) is unresolved, like one that does not exist: reported, never fatal
          type Outcome = { readonly found: Option.Option<Grantee.Grantee>; readonly problem?: string }
          const outcome = yield* target.resolveGrantee(candidate).pipe(
            Effect.map((found): Outcome => ({ found })),
            Effect.catchTag("NotFound", (): Effect.Effect<Outcome> => Effect.succeed({ found: Option.none() })),
            Effect.catchTag(
              "InvalidInput",
              (e): Effect.Effect<Outcome> =>
                Effect.succeed({ found: Option.none(), problem: e.issues.map((i) => i.message).join("; ") })
            )
          )
          if (Option.isSome(outcome.found)) candidate = outcome.found.value
          else {
            reason =
              outcome.problem !== undefined
                ? `${Grantee.describe(candidate)} is not valid on ${target.capabilities.provider}: ${outcome.problem}`
                : `${Grantee.describe(candidate)} does not exist on ${target.capabilities.provider}`
            candidate = undefined
          }
        }
        if (candidate === undefined && fallback !== undefined) {
          return { source, target: fallback, via: "fallback", reason } satisfies Resolution
        }
        return candidate === undefined
          ? ({ source, reason } satisfies Resolution)
          : ({ source, target: candidate, via } satisfies Resolution)
      })
    // the first principal alone: a refused credential costs one request, not four
    const all = [...unique.values()]
    const resolved =
      all.length === 0
        ? []
        : [yield* resolveOne(all[0]!), ...(yield* Effect.forEach(all.slice(1), resolveOne, { concurrency: 4 }))]
    for (const r of resolved) for (const key of Grantee.keys(r.source)) out.set(key, r)
    return out
  })

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
