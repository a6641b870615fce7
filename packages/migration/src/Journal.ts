/**
 * The apply journal: a JSON-lines file with one record per finished unit of work, so an interrupted
 * run resumes without repeating what was applied. Records are appended synchronously, one write
 * each, before the next unit starts.
 *
 * Framing is checked when the journal is opened: a torn last line (a crash mid-write) is cut off
 * before anything is appended, so the next record starts on a line of its own; any other line that
 * is not a journal record is `InvalidInput` naming its line number. Each record of a plan carries a
 * `check`: SHA-256 over the plan's digest and the record, so a record written for another plan,
 * edited by hand or made up is refused (line number included) instead of silently skipping a unit.
 * The check detects edits and mix-ups; it is not a secret signature. Hand-written because the
 * format is a few lines of `node:fs` and `node:crypto` and no library adds to that.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Errors from "@unishare/core/Errors"
import * as ResourceRef from "@unishare/core/ResourceRef"
import { Effect, Schema } from "effect"

/**
 * One journal record. `created` records a target resource made by `apply` (`--create-missing`).
 *
 * @example
 * ```ts
 * import type { Journal } from "@unishare/migration"
 * const line: Journal.Line = { planId: "p1", unit: "eci:list:42|replace", outcome: "applied", at: "2026-11-23T00:00:00.000Z" }
 * ```
 */
export const Line = Schema.Struct({
  planId: Schema.String,
  unit: Schema.String,
  outcome: Schema.Literals(["applied", "failed"]),
  at: Schema.String,
  message: Schema.optionalKey(Schema.String),
  created: Schema.optionalKey(ResourceRef.ResourceRef),
  check: Schema.optionalKey(Schema.String)
})
/** @example const lines: ReadonlyArray<Journal.Line> = [] */
export type Line = typeof Line.Type

/**
 * An open journal for one plan: the units already applied, the resources it created, and `record`
 * for new lines.
 *
 * @example
 * ```ts
 * import type { Journal } from "@unishare/migration"
 * const skip = (j: Journal.Journal, unit: string) => j.isDone(unit)
 * ```
 */
export interface Journal {
  readonly path?: string | undefined
  readonly isDone: (unit: string) => boolean
  /** The resource a `create` unit made, if the journal records one. */
  readonly createdBy: (unit: string) => ResourceRef.ResourceRef | undefined
  readonly record: (line: Omit<Line, "planId" | "at" | "check">) => Effect.Effect<void, Errors.Unavailable>
  readonly lines: () => ReadonlyArray<Line>
}

/**
 * Who a journal belongs to: the plan's id and, for tamper evidence, its digest.
 *
 * @example
 * ```ts
 * import type { Journal } from "@unishare/migration"
 * const owner: Journal.Owner = { planId: "p1", digest: "ab12…" }
 * ```
 */
export interface Owner {
  readonly planId: string
  readonly digest?: string | undefined
}

const decodeLine = Schema.decodeUnknownOption(Line)

const checkOf = (digest: string, line: Omit<Line, "check">): string =>
  createHash("sha256")
    .update(
      JSON.stringify([
        digest,
        line.planId,
        line.unit,
        line.outcome,
        line.at,
        line.message ?? null,
        line.created ?? null
      ])
    )
    .digest("hex")
    .slice(0, 32)

const ownerOf = (owner: Owner | string): Owner => (typeof owner === "string" ? { planId: owner } : owner)

const make = (
  owner: Owner,
  existing: ReadonlyArray<Line>,
  append: ((text: string) => void) | undefined,
  path?: string
): Journal => {
  const lines = [...existing]
  const mine = lines.filter((l) => l.planId === owner.planId)
  const done = new Set(mine.filter((l) => l.outcome === "applied").map((l) => l.unit))
  const created = new Map(mine.flatMap((l) => (l.created !== undefined ? [[l.unit, l.created] as const] : [])))
  return {
    ...(path !== undefined ? { path } : {}),
    isDone: (unit) => done.has(unit),
    createdBy: (unit) => created.get(unit),
    record: (line) =>
      Effect.flatMap(
        Effect.clockWith((c) => c.currentTimeMillis),
        (now) =>
          Effect.try({
            try: () => {
              const base: Line = { planId: owner.planId, at: new Date(now).toISOString(), ...line }
              const full: Line = owner.digest !== undefined ? { ...base, check: checkOf(owner.digest, base) } : base
              append?.(`${JSON.stringify(full)}\n`)
              lines.push(full)
              if (full.outcome === "applied") done.add(full.unit)
              if (full.created !== undefined) created.set(full.unit, full.created)
            },
            catch: (e) =>
              new Errors.Unavailable({
                provider: "unishare",
                operation: "journal",
                message: `cannot write the journal${path !== undefined ? ` ${path}` : ""}: ${String(e)}`,
                maybeApplied: true
              })
          })
      ),
    lines: () => lines.slice()
  }
}

/**
 * Reads journal text: the records, and where a torn last line starts (to cut it off), or the
 * numbered lines that are not valid records of this plan.
 *
 * @example
 * ```ts
 * import { Journal } from "@unishare/migration"
 * Journal.parse("", { planId: "p1" }) // { lines: [], issues: [], keep: 0 }
 * ```
 */
export const parse = (
  text: string,
  owner: Owner | string
): { readonly lines: ReadonlyArray<Line>; readonly issues: ReadonlyArray<Errors.Issue>; readonly keep: number } => {
  const { planId, digest } = ownerOf(owner)
  const lines: Array<Line> = []
  const issues: Array<Errors.Issue> = []
  const rows = text.split("\n")
  const complete = text.endsWith("\n") || text === ""
  let keep = text.length
  let offset = 0
  rows.forEach((raw, i) => {
    const start = offset
    offset += raw.length + 1
    if (raw.trim() === "") return
    const last = i === rows.length - 1 && !complete
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch {
      if (last)
        keep = start // a torn tail: cut it off before appending
      else issues.push({ path: `journal:${i + 1}`, message: "not a journal record (corrupt line)" })
      return
    }
    const decoded = decodeLine(json)
    if (decoded._tag === "None") {
      if (last) keep = start
      else issues.push({ path: `journal:${i + 1}`, message: "not a journal record (unknown fields or values)" })
      return
    }
    const line = decoded.value
    if (line.planId === planId && digest !== undefined) {
      const { check, ...rest } = line
      if (check !== checkOf(digest, rest)) {
        issues.push({
          path: `journal:${i + 1}`,
          message: "this record does not belong to this plan's content (edited, forged, or written for an edited plan)"
        })
        return
      }
    }
    lines.push(line)
  })
  return { lines, issues, keep }
}

/**
 * Opens (or creates) a journal file for a plan (its id, and its digest to check and bind records).
 * Records of other plans are kept but ignored; a torn last line is cut off; any other bad line is
 * `InvalidInput` with its line number.
 *
 * @example
 * ```ts
 * import { Journal } from "@unishare/migration"
 * const journal = Journal.open(".unishare/journal.jsonl", { planId: "plan-123", digest: "…" })
 * ```
 */
export const open = (path: string, owner: Owner | string): Effect.Effect<Journal, Errors.InvalidInput> =>
  Effect.flatMap(read(path, owner), ({ lines, text, keep }) =>
    Effect.try({
      try: () => {
        Fs.mkdirSync(Path.dirname(path), { recursive: true })
        if (keep < text.length) Fs.truncateSync(path, Buffer.byteLength(text.slice(0, keep)))
        else if (text !== "" && !text.endsWith("\n")) Fs.appendFileSync(path, "\n")
        return make(ownerOf(owner), lines, (line) => Fs.appendFileSync(path, line), path)
      },
      catch: (e) => Errors.invalid("unishare", "open journal", "journal", `cannot open ${path}: ${String(e)}`)
    })
  )

const read = (path: string, owner: Owner | string) =>
  Effect.flatMap(
    Effect.try({
      try: () => (Fs.existsSync(path) ? Fs.readFileSync(path, "utf8") : ""),
      catch: (e) => Errors.invalid("unishare", "open journal", "journal", `cannot read ${path}: ${String(e)}`)
    }),
    (text) => {
      const parsed = parse(text, owner)
      return parsed.issues.length > 0
        ? Effect.fail(
            new Errors.InvalidInput({
              provider: "unishare",
              operation: "open journal",
              issues: parsed.issues.map((i) => ({
                path: `${path}:${i.path.slice("journal:".length)}`,
                message: i.message
              }))
            })
          )
        : Effect.succeed({ lines: parsed.lines, text, keep: parsed.keep })
    }
  )

/**
 * Reads a journal file without changing it (for dry runs and `verify`): an in-memory journal
 * holding its records.
 *
 * @example
 * ```ts
 * import { Journal } from "@unishare/migration"
 * const journal = Journal.readOnly("plan.journal.jsonl", { planId: "plan-123" })
 * ```
 */
export const readOnly = (path: string, owner: Owner | string): Effect.Effect<Journal, Errors.InvalidInput> =>
  Effect.map(read(path, owner), ({ lines }) => make(ownerOf(owner), lines, undefined))

/**
 * A journal kept in memory only (for tests and dry runs).
 *
 * @example
 * ```ts
 * import { Journal } from "@unishare/migration"
 * const j = Journal.memory("plan-1")
 * j.isDone("x") // false
 * ```
 */
export const memory = (owner: Owner | string, existing: ReadonlyArray<Line> = []): Journal =>
  make(ownerOf(owner), existing, undefined)
