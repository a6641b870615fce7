/**
 * The run store of `DurableApply` (internal): the tables of our own that every runner, `status` and
 * `audit` share, and the reads and writes of their rows.
 *
 * - `unishare_plans` (a plan once, by digest), `unishare_units` (one row per unit: `pending`,
 *   `running`, then `applied` or `failed`), `unishare_audit` (one row per write attempt) and
 *   `unishare_repairs` (the repair generations) and `unishare_chunks` (a plan's items, `chunkItems` to a row); `tables` creates them when missing and brings a
 *   `unishare_units` an older version made up to date (`laterColumns`), once per store.
 * - `storeShape` tells the read-only readers (`status`, `audit`, a dry run, `verify`) what a store
 *   has without creating anything: a store an older version made lacks later tables or columns.
 * - `recordRunning`, `recordCreating` and `recordUnit` are what the workflow's activities write
 *   about a unit, `unitRow` what they read back, `storedPlan` and `loadChunk` the stored plan (in chunks of `chunkItems`), `recorded` what a run
 *   applied and created.
 * - `UnitOutcome` is what the store records of a unit (and what the workflow returns for it);
 *   `processId` identifies this process in those records.
 *
 * @since 0.1.0
 */

import { randomUUID } from "node:crypto"
import * as Zlib from "node:zlib"
import * as Errors from "@unishare/core/Errors"
import * as ResourceRef from "@unishare/core/ResourceRef"
import { Effect, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import * as Migration from "../Migration.ts"

/**
 * What became of one unit in a durable run; `run` identifies the process that performed it,
 * `failure` is the error of a failed unit, `created` the target a `create` unit made.
 *
 * @example
 * ```ts
 * import type { DurableApply } from "@unishare/migration"
 * const ok = (u: DurableApply.UnitOutcome) => u.outcome === "applied"
 * ```
 */
export const UnitOutcome = Schema.Struct({
  unit: Schema.String,
  outcome: Schema.Literals(["applied", "failed"]),
  run: Schema.String,
  operations: Schema.Number,
  error: Schema.optionalKey(Schema.String),
  message: Schema.optionalKey(Schema.String),
  failure: Schema.optionalKey(Errors.SharingError),
  created: Schema.optionalKey(ResourceRef.ResourceRef),
  /** Applied by an earlier attempt (the store records it): not performed again. */
  earlier: Schema.optionalKey(Schema.Boolean),
  /** The resource key (`ResourceRef.key`) of the item the unit belongs to. */
  resource: Schema.optionalKey(Schema.String)
})
/**
 * @example
 * ```ts
 * import type { DurableApply } from "@unishare/migration"
 * const failed = (us: ReadonlyArray<DurableApply.UnitOutcome>) => us.filter((u) => u.outcome === "failed")
 * ```
 */
export type UnitOutcome = typeof UnitOutcome.Type

/** Identifies this process in unit outcomes (a unit performed by another process is "already applied"). */
export const thisRun = randomUUID()

/**
 * This process's id in the store: recorded on the units it runs (`status` shows it), printed by
 * `unishare runner` when it is ready.
 *
 * @example
 * ```ts
 * import { DurableApply } from "@unishare/migration"
 * console.error(`process ${DurableApply.processId}`)
 * ```
 */
export const processId: string = thisRun

const parsePlan = Schema.decodeUnknownSync(Schema.fromJsonString(Migration.MigrationPlan))
const encodeShell = Schema.encodeSync(Migration.MigrationPlan)
const decodeShell = Schema.decodeUnknownSync(Migration.MigrationPlan)
const decodeItem = Schema.decodeUnknownSync(Migration.Item)

/**
 * The prefix of a plan stored compressed by the version before chunks: its lines (the plan without
 * items, then one item per line) Brotli-compressed, then base64, in the text column. Still read.
 */
const compressed = "br2:"

/** A stored plan of an older version: compressed lines or plain JSON (read whole: it was small enough to store whole). */
const decodeLegacyPlan = (text: string): Migration.MigrationPlan => {
  if (!text.startsWith(compressed)) return parsePlan(text)
  const bytes = Zlib.brotliDecompressSync(Buffer.from(text.slice(compressed.length), "base64"))
  const lines: Array<unknown> = []
  for (let from = 0; from < bytes.length; ) {
    const end = bytes.indexOf(10, from)
    const to = end < 0 ? bytes.length : end
    if (to > from) lines.push(JSON.parse(bytes.toString("utf8", from, to)))
    from = to + 1
  }
  const [shell, ...items] = lines
  return { ...decodeShell(shell), items: items.map((item) => decodeItem(item)) }
}

/**
 * How many plan items a chunk holds: the unit of storage and of work. One `ApplyChunk` workflow
 * execution applies a chunk (its units with bounded concurrency inside one activity), so the
 * engine's own cost — messages, replies, journal rows — is paid once per chunk, not per unit.
 */
export const chunkItems = 100

/**
 * The prefix of a stored chunk: its items as JSON Lines (the fidelity entries left out: applying
 * never reads them, the plan file keeps them), zstd-compressed, then base64 (a text column works on
 * SQLite and PostgreSQL alike). Node's zlib does it: no dependency.
 */
const chunkPrefix = "zs1:"

/** The prefix of a stored plan's shell (the plan without items, and how many chunks and items it has). */
const shellPrefix = "chunks1:"

/**
 * A chunk of items as the store keeps it (`chunkPrefix`). An item's encoded form is the value
 * itself (plain records, strings and numbers: `Migration.Item` transforms nothing), so it is
 * serialized as it is; the items were decoded from the plan file, its digest checked, before they
 * get here.
 */
export const encodeChunk = (items: ReadonlyArray<Migration.Item>): string => {
  const text = items.map((item) => JSON.stringify({ ...item, entries: [] })).join("\n")
  return `${chunkPrefix}${Zlib.zstdCompressSync(Buffer.from(text)).toString("base64")}`
}

/**
 * The items of a stored chunk, parsed (not decoded again with the schema: the store is the run's
 * record, written by `apply` from a checked plan — whoever can change its rows can already mark any
 * unit applied — and a chunk is read once per process). What the engine relies on is checked: each
 * line is an object with a source, a target and a plan.
 */
const decodeChunk = (text: string): ReadonlyArray<Migration.Item> => {
  if (!text.startsWith(chunkPrefix)) throw new Error("a stored chunk in an unknown format")
  const lines = Zlib.zstdDecompressSync(Buffer.from(text.slice(chunkPrefix.length), "base64")).toString("utf8")
  if (lines === "") return []
  return lines.split("\n").map((line) => {
    const item = JSON.parse(line) as Migration.Item
    if (
      typeof item !== "object" ||
      item === null ||
      typeof item.target?.id !== "string" ||
      typeof item.source?.id !== "string" ||
      !Array.isArray(item.plan?.operations) ||
      !Array.isArray(item.desired)
    ) {
      throw new Error("a stored chunk holds an item that is not one")
    }
    return item
  })
}

/**
 * A plan as the store keeps it: everything but its items (in `unishare_chunks`), and how many chunks
 * and items it has. A plan stored by an older version (whole, in the plans row) has `legacy`: its
 * items, to be stored in chunks by the next `apply`.
 */
export interface StoredPlan {
  readonly plan: Omit<Migration.MigrationPlan, "items">
  readonly chunks: number
  readonly items: number
  readonly legacy?: ReadonlyArray<Migration.Item> | undefined
}

/** The plans row of a plan stored in chunks. */
export const encodeShellRow = (plan: Omit<Migration.MigrationPlan, "items">, chunks: number, items: number): string =>
  `${shellPrefix}${JSON.stringify({ shell: encodeShell({ ...plan, items: [] }), chunks, items })}`

const decodeStored = (text: string): StoredPlan => {
  if (text.startsWith(shellPrefix)) {
    const row = JSON.parse(text.slice(shellPrefix.length)) as { shell: unknown; chunks: number; items: number }
    const { items: _, ...plan } = decodeShell(row.shell)
    return { plan, chunks: Number(row.chunks), items: Number(row.items) }
  }
  const { items, ...plan } = decodeLegacyPlan(text)
  return { plan, chunks: Math.ceil(items.length / chunkItems), items: items.length, legacy: items }
}

const encodeRef = Schema.encodeSync(Schema.fromJsonString(ResourceRef.ResourceRef))
export const decodeRef = Schema.decodeUnknownOption(Schema.fromJsonString(ResourceRef.ResourceRef))

const ddl = [
  "CREATE TABLE IF NOT EXISTS unishare_plans (digest TEXT PRIMARY KEY, plan TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS unishare_units (digest TEXT NOT NULL, resource TEXT NOT NULL, unit TEXT NOT NULL, outcome TEXT NOT NULL, message TEXT, process TEXT, generation INTEGER NOT NULL DEFAULT 0, operations INTEGER NOT NULL DEFAULT 0, at TEXT, created TEXT, mark TEXT, PRIMARY KEY (digest, resource, unit))",
  "CREATE TABLE IF NOT EXISTS unishare_audit (digest TEXT NOT NULL, resource TEXT NOT NULL, unit TEXT NOT NULL, generation INTEGER NOT NULL, outcome TEXT NOT NULL, at TEXT NOT NULL, process TEXT NOT NULL, operations INTEGER NOT NULL, message TEXT, created TEXT)",
  "CREATE TABLE IF NOT EXISTS unishare_repairs (digest TEXT NOT NULL, generation INTEGER NOT NULL, finished INTEGER NOT NULL, PRIMARY KEY (digest, generation))",
  "CREATE TABLE IF NOT EXISTS unishare_chunks (digest TEXT NOT NULL, chunk INTEGER NOT NULL, items TEXT NOT NULL, PRIMARY KEY (digest, chunk))"
]
const tableNames = ["unishare_plans", "unishare_units", "unishare_audit", "unishare_repairs", "unishare_chunks"]

/** Columns `unishare_units` gained after its first version: added to a store an older version made. */
const laterColumns: ReadonlyArray<readonly [string, string]> = [
  ["process", "TEXT"],
  ["generation", "INTEGER NOT NULL DEFAULT 0"],
  ["operations", "INTEGER NOT NULL DEFAULT 0"],
  ["at", "TEXT"],
  ["created", "TEXT"],
  ["mark", "TEXT"],
  ["seq", "INTEGER"]
]

/** The stores whose tables this process has created (DDL once per store, not per statement). */
const ready = new WeakSet<object>()

/**
 * The store's tables, created when missing (and `unishare_units` brought up to date when an older
 * version made it): only `apply` and the workflows' activities write.
 */
export const tables = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  if (!ready.has(sql)) {
    for (const statement of ddl) yield* sql.unsafe(statement)
    const present = yield* unitColumns
    for (const [name, type] of laterColumns) {
      if (!present.has(name)) yield* sql.unsafe(`ALTER TABLE unishare_units ADD COLUMN ${name} ${type}`)
    }
    ready.add(sql)
  }
  return sql
})

/** The columns `unishare_units` has in the store (none when the table is missing). */
const unitColumns = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const columns = yield* sql.onDialectOrElse({
    pg: () =>
      sql<{
        readonly name: string
      }>`SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'unishare_units' AND table_schema = current_schema()`,
    orElse: () => sql<{ readonly name: string }>`SELECT name FROM pragma_table_info('unishare_units')`
  })
  return new Set(columns.map((c) => c.name))
})

/**
 * What the store has of our tables and of `unishare_units`' columns, read only (no DDL, so a dry
 * run, `verify` or `status` creates nothing). A store an older version made lacks the later
 * tables or columns: the readers treat what is missing as empty (no audit entry, no repair,
 * generation 0, no process, no created target).
 */
export const storeShape = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const found = yield* sql.onDialectOrElse({
    pg: () =>
      sql<{
        readonly name: string
      }>`SELECT tablename AS name FROM pg_tables WHERE tablename IN ${sql.in(tableNames)} AND schemaname = current_schema()`,
    orElse: () =>
      sql<{
        readonly name: string
      }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ${sql.in(tableNames)}`
  })
  const tables = new Set(found.map((t) => t.name))
  const columns = tables.has("unishare_units") ? yield* unitColumns : new Set<string>()
  return {
    plans: tables.has("unishare_plans"),
    units: tables.has("unishare_units"),
    audit: tables.has("unishare_audit"),
    repairs: tables.has("unishare_repairs"),
    chunks: tables.has("unishare_chunks"),
    /** A column of `unishare_units` as selected: itself when present, else `fallback` under its name. */
    unitColumn: (name: string, fallback: "NULL" | "0") =>
      columns.has(name) ? sql.literal(name) : sql.literal(`${fallback} AS ${name}`)
  }
})

const now = Effect.map(
  Effect.clockWith((c) => c.currentTimeMillis),
  (millis) => new Date(millis).toISOString()
)

export const failureText = (outcome: UnitOutcome) => `${outcome.error ?? "failed"}: ${outcome.message ?? ""}`

/**
 * Appends what became of a unit to the audit log, then records it on the unit's row (after its
 * write, inside its activity: a crash before the row is updated re-runs the activity, and the
 * audit log then shows both attempts). Two single statements, no transaction: one round trip
 * fewer per unit on PostgreSQL.
 */
export const recordUnit = (planDigest: string, resource: string, generation: number, outcome: UnitOutcome) =>
  Effect.gen(function* () {
    const sql = yield* tables
    const at = yield* now
    const message = outcome.outcome === "failed" ? failureText(outcome) : null
    const created = outcome.created !== undefined ? encodeRef(outcome.created) : null
    yield* sql`INSERT INTO unishare_audit (digest, resource, unit, generation, outcome, at, process, operations, message, created) VALUES (${planDigest}, ${resource}, ${outcome.unit}, ${generation}, ${outcome.outcome}, ${at}, ${thisRun}, ${outcome.operations}, ${message}, ${created})`
    yield* sql`INSERT INTO unishare_units (digest, resource, unit, outcome, message, process, generation, operations, at, created) VALUES (${planDigest}, ${resource}, ${outcome.unit}, ${outcome.outcome}, ${message}, ${thisRun}, ${generation}, ${outcome.operations}, ${at}, ${created}) ON CONFLICT (digest, resource, unit) DO UPDATE SET outcome = excluded.outcome, message = excluded.message, process = excluded.process, operations = excluded.operations, at = excluded.at, created = COALESCE(excluded.created, unishare_units.created)`
  }).pipe(Effect.orDie)

/** Records that this process started a unit (its write follows). */
export const recordRunning = (planDigest: string, resource: string, generation: number, unit: Migration.Unit) =>
  Effect.gen(function* () {
    const sql = yield* tables
    const at = yield* now
    yield* sql`INSERT INTO unishare_units (digest, resource, unit, outcome, process, generation, operations, at) VALUES (${planDigest}, ${resource}, ${unit.key}, ${"running"}, ${thisRun}, ${generation}, ${unit.ops.length}, ${at}) ON CONFLICT (digest, resource, unit) DO UPDATE SET outcome = excluded.outcome, process = excluded.process, at = excluded.at`
  }).pipe(Effect.orDie)

/** Records that this process is about to create a unit's resource, bearing `mark`. */
export const recordCreating = (planDigest: string, resource: string, unit: Migration.Unit, mark: string) =>
  Effect.gen(function* () {
    const sql = yield* tables
    const at = yield* now
    yield* sql`INSERT INTO unishare_units (digest, resource, unit, outcome, process, generation, operations, at, mark) VALUES (${planDigest}, ${resource}, ${unit.key}, ${"running"}, ${thisRun}, ${0}, ${0}, ${at}, ${mark}) ON CONFLICT (digest, resource, unit) DO UPDATE SET outcome = excluded.outcome, process = excluded.process, at = excluded.at, mark = excluded.mark`
  }).pipe(Effect.orDie)

/** What the store says about one unit before this attempt: its outcome and the target it created. */
export const unitRow = (planDigest: string, resource: string, unit: string) =>
  Effect.gen(function* () {
    const sql = yield* tables
    const rows = yield* sql<{
      readonly outcome: string
      readonly created: string | null
      readonly mark: string | null
    }>`SELECT outcome, created, mark FROM unishare_units WHERE digest = ${planDigest} AND resource = ${resource} AND unit = ${unit}`
    return rows[0]
  }).pipe(Effect.orDie)

/** Plans read from the store by this process, by digest (a plan stored never changes). */
const shells = new Map<string, StoredPlan>()

/** The stored plan of `planDigest` (without its items), or `undefined` when it is not stored. */
export const storedPlan = (planDigest: string) =>
  Effect.gen(function* () {
    const cached = shells.get(planDigest)
    if (cached !== undefined && cached.legacy === undefined) return cached
    const sql = yield* tables
    const rows = yield* sql<{ readonly plan: string }>`SELECT plan FROM unishare_plans WHERE digest = ${planDigest}`
    const text = rows[0]?.plan
    if (text === undefined) return undefined
    const stored = decodeStored(text)
    if (stored.legacy === undefined) shells.set(planDigest, stored)
    return stored
  })

/** The last chunks read by this process (a chunk is read by the workflow and by `apply` for its report). */
const chunkCache = new Map<string, ReadonlyArray<Migration.Item>>()

/** The items of one chunk of a stored plan (dies when the store does not hold it). */
export const loadChunk = (planDigest: string, chunk: number) =>
  Effect.gen(function* () {
    const key = `${planDigest}/${chunk}`
    const cached = chunkCache.get(key)
    if (cached !== undefined) return cached
    const sql = yield* tables
    const rows = yield* sql<{
      readonly items: string
    }>`SELECT items FROM unishare_chunks WHERE digest = ${planDigest} AND chunk = ${chunk}`
    const text = rows[0]?.items
    if (text === undefined)
      return yield* Effect.die(new Error(`chunk ${chunk} of plan ${planDigest} is not in the store`))
    const items = decodeChunk(text)
    if (chunkCache.size >= 16) chunkCache.delete(chunkCache.keys().next().value!)
    chunkCache.set(key, items)
    return items
  }).pipe(Effect.orDie)

export const storeError = (e: unknown) =>
  new Errors.Unavailable({
    provider: "unishare",
    operation: "apply",
    message: `the run store failed: ${e instanceof Error ? e.message : String(e)}`,
    maybeApplied: true
  })

/**
 * What the store records of a plan's run (read only): the units applied by `apply` (generation 0)
 * and the targets its `create` units made.
 */
export const recorded = (planDigest: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const shape = yield* storeShape
    if (!shape.units) return { applied: new Set<string>(), created: new Map<string, ResourceRef.ResourceRef>() }
    const found = yield* sql<{
      readonly unit: string
      readonly created: string | null
      readonly generation: number | string
    }>`SELECT unit, ${shape.unitColumn("created", "NULL")}, ${shape.unitColumn("generation", "0")} FROM unishare_units WHERE digest = ${planDigest} AND outcome = 'applied'`
    const rows = found.filter((row) => Number(row.generation) === 0)
    const created = new Map<string, ResourceRef.ResourceRef>()
    for (const row of rows) {
      const ref = row.created !== null ? decodeRef(row.created) : Option.none()
      if (Option.isSome(ref)) created.set(row.unit, ref.value)
    }
    return { applied: new Set(rows.map((r) => r.unit)), created }
  }).pipe(Effect.mapError(storeError))
