/**
 * The apply journal: a JSON-lines file with one line per finished unit of work, so an interrupted
 * run resumes without repeating what was applied. Lines are appended synchronously, one write each,
 * before the next unit starts.
 *
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Errors from "@unishare/core/Errors"
import { Effect, Schema } from "effect"

/**
 * One journal line.
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
  message: Schema.optionalKey(Schema.String)
})
/** @example const lines: ReadonlyArray<Journal.Line> = [] */
export type Line = typeof Line.Type

/**
 * An open journal for one plan: the units already applied, and `record` for new lines.
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
  readonly record: (line: Omit<Line, "planId" | "at">) => Effect.Effect<void, Errors.Unavailable>
  readonly lines: () => ReadonlyArray<Line>
}

const decodeLine = Schema.decodeUnknownOption(Line)

const make = (
  planId: string,
  existing: ReadonlyArray<Line>,
  append: ((text: string) => void) | undefined,
  path?: string
): Journal => {
  const lines = [...existing]
  const done = new Set(lines.filter((l) => l.planId === planId && l.outcome === "applied").map((l) => l.unit))
  return {
    ...(path !== undefined ? { path } : {}),
    isDone: (unit) => done.has(unit),
    record: (line) =>
      Effect.flatMap(
        Effect.clockWith((c) => c.currentTimeMillis),
        (now) =>
          Effect.try({
            try: () => {
              const full: Line = { planId, at: new Date(now).toISOString(), ...line }
              append?.(`${JSON.stringify(full)}\n`)
              lines.push(full)
              if (full.outcome === "applied") done.add(full.unit)
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
 * Opens (or creates) a journal file for a plan. Lines of other plans are kept but ignored; a torn
 * last line (a crash mid-write) is ignored.
 *
 * @example
 * ```ts
 * import { Journal } from "@unishare/migration"
 * const journal = Journal.open(".unishare/journal.jsonl", "plan-123")
 * ```
 */
export const open = (path: string, planId: string): Effect.Effect<Journal, Errors.InvalidInput> =>
  Effect.try({
    try: () => {
      const text = Fs.existsSync(path) ? Fs.readFileSync(path, "utf8") : ""
      const existing: Array<Line> = []
      for (const raw of text.split("\n")) {
        if (raw.trim() === "") continue
        try {
          const decoded = decodeLine(JSON.parse(raw))
          if (decoded._tag === "Some") existing.push(decoded.value)
        } catch {
          // torn line: ignore
        }
      }
      const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ""
      if (dir !== "") Fs.mkdirSync(dir, { recursive: true })
      return make(planId, existing, (line) => Fs.appendFileSync(path, line), path)
    },
    catch: (e) => Errors.invalid("unishare", "open journal", "journal", `cannot open ${path}: ${String(e)}`)
  })

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
export const memory = (planId: string, existing: ReadonlyArray<Line> = []): Journal => make(planId, existing, undefined)
