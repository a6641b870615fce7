/**
 * A durable run's progress and audit log (internal), read from the run store in context by any
 * machine with access to the database: no engine, no shard, no target credential, nothing written
 * (a store an older version made reads as its tables and columns allow: `storeShape`).
 *
 * @since 0.1.0
 */
import type * as Errors from "@unishare/core/Errors"
import * as ResourceRef from "@unishare/core/ResourceRef"
import { Effect, Option } from "effect"
import { SqlClient } from "effect/sql"
import * as Migration from "../Migration.ts"
import { decodeRef, storeError, storeShape } from "./RunStoreSchema.ts"

/**
 * The progress of one target resource in a durable run: its units `applied`, `failed` (in the last
 * round that ran them; the next `apply` retries them) and `pending` (not run yet, or in flight), and
 * the target its `create` unit made (`--create-missing`).
 *
 * @example
 * ```ts
 * import type { DurableApply } from "@unishare/migration"
 * const finished = (r: DurableApply.ResourceStatus) => r.pending === 0 && r.failed === 0
 * ```
 */
export interface ResourceStatus {
  readonly resource: string
  readonly units: number
  readonly applied: number
  readonly failed: number
  readonly pending: number
  /** The target created for it (`--create-missing`), once created. */
  readonly created?: string | undefined
  /** The last error of each failed unit. */
  readonly failures: ReadonlyArray<{ readonly unit: string; readonly message: string }>
  /** Units started and not finished (part of `pending`), with the process running them (`processId`). */
  readonly running: ReadonlyArray<{ readonly unit: string; readonly process: string }>
  /** The processes (`processId`) that applied its units. */
  readonly appliedBy: ReadonlyArray<string>
}

/**
 * A run's progress as the store records it: `submitted` is false when no `apply` has stored this
 * plan (by digest) in this database yet; `complete` when every unit is applied. `repairs`: the
 * repair generations (`apply --repair`) and the units each wrote.
 *
 * @example
 * ```ts
 * import type { DurableApply } from "@unishare/migration"
 * const line = (s: DurableApply.RunStatus) => `${s.applied}/${s.units} applied, ${s.failed} failed`
 * ```
 */
export interface RunStatus {
  readonly planId: string
  readonly digest: string
  readonly submitted: boolean
  readonly complete: boolean
  readonly units: number
  readonly applied: number
  readonly failed: number
  readonly pending: number
  readonly resources: ReadonlyArray<ResourceStatus>
  readonly repairs: ReadonlyArray<{
    readonly generation: number
    readonly finished: boolean
    readonly applied: number
    readonly failed: number
  }>
}

/**
 * Reads a run's progress from the store in context (any machine with access to the database: no
 * engine is started, no shard is claimed, the target provider is not contacted). Reads only.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DurableApply, SqliteClient, type Migration } from "@unishare/migration"
 * const show = (plan: Migration.MigrationPlan) =>
 *   DurableApply.status(plan).pipe(Effect.provide(SqliteClient.layer({ filename: "plan.run.db" })))
 * ```
 */
export const status = (
  plan: Migration.MigrationPlan | Migration.PlanStream
): Effect.Effect<RunStatus, Errors.SharingError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    // a plan in memory is checked here; a streamed one was opened from its file (its trailer
    // names the digest, and only the store's rows of that digest are read)
    if (!("itemCount" in plan)) yield* Migration.checkDigest(plan)
    // reads only (no DDL: a store no apply has used has no tables, so nothing was submitted)
    const sql = yield* SqlClient.SqlClient
    const shape = yield* Effect.mapError(storeShape, storeError)
    const ready = shape.plans && shape.units
    // the plan row first: it is committed with its units' rows, so units read after it are whole
    const stored = ready
      ? yield* Effect.mapError(
          sql<{ readonly digest: string }>`SELECT digest FROM unishare_plans WHERE digest = ${plan.digest}`,
          storeError
        )
      : []
    const rows = ready
      ? yield* Effect.mapError(
          sql<{
            readonly resource: string
            readonly unit: string
            readonly outcome: string
            readonly message: string | null
            readonly process: string | null
            readonly generation: number
            readonly created: string | null
            readonly seq: number | null
          }>`SELECT resource, unit, outcome, message, ${shape.unitColumn("process", "NULL")}, ${shape.unitColumn("generation", "0")}, ${shape.unitColumn("created", "NULL")}, ${shape.unitColumn("seq", "NULL")} FROM unishare_units WHERE digest = ${plan.digest} ORDER BY resource, unit`,
          storeError
        )
      : []
    const generations = shape.repairs
      ? yield* Effect.mapError(
          sql<{
            readonly generation: number
            readonly finished: number
          }>`SELECT generation, finished FROM unishare_repairs WHERE digest = ${plan.digest} ORDER BY generation`,
          storeError
        )
      : []
    const byResource = new Map<string, Array<(typeof rows)[number]>>()
    for (const row of rows) {
      if (Number(row.generation) !== 0) continue
      const list = byResource.get(row.resource)
      list === undefined ? byResource.set(row.resource, [row]) : list.push(row)
    }
    // in the plan's order (`seq`, the item's place in the plan; stores of older versions have none:
    // by resource key)
    const seqOf = (units: ReadonlyArray<(typeof rows)[number]>) => {
      const seq = units[0]?.seq
      return seq === null || seq === undefined ? Number.POSITIVE_INFINITY : Number(seq)
    }
    const ordered = [...byResource].sort(([a, ua], [b, ub]) => seqOf(ua) - seqOf(ub) || (a < b ? -1 : a > b ? 1 : 0))
    const resources = ordered.flatMap(([resource, units]): Array<ResourceStatus> => {
      if (units.length === 0) return []
      const failed = units.filter((u) => u.outcome === "failed")
      const applied = units.filter((u) => u.outcome === "applied").length
      const created = units.flatMap((u) => {
        const ref = u.created !== null ? decodeRef(u.created) : Option.none()
        return Option.isSome(ref) ? [ResourceRef.key(ref.value)] : []
      })[0]
      return [
        {
          resource,
          units: units.length,
          applied,
          failed: failed.length,
          pending: units.length - applied - failed.length,
          ...(created !== undefined ? { created } : {}),
          failures: failed.map((u) => ({ unit: u.unit, message: u.message ?? "failed" })),
          running: units
            .filter((u) => u.outcome === "running")
            .map((u) => ({ unit: u.unit, process: u.process ?? "unknown" })),
          appliedBy: [
            ...new Set(units.flatMap((u) => (u.outcome === "applied" && u.process !== null ? [u.process] : [])))
          ]
        }
      ]
    })
    const sum = (f: (r: ResourceStatus) => number) => resources.reduce((n, r) => n + f(r), 0)
    const units = sum((r) => r.units)
    const applied = sum((r) => r.applied)
    return {
      planId: plan.id,
      digest: plan.digest,
      submitted: stored.length > 0,
      complete: stored.length > 0 && applied === units,
      units,
      applied,
      failed: sum((r) => r.failed),
      pending: sum((r) => r.pending),
      resources,
      repairs: generations.map((g) => {
        const mine = rows.filter((r) => Number(r.generation) === Number(g.generation))
        return {
          generation: Number(g.generation),
          finished: Number(g.finished) !== 0,
          applied: mine.filter((r) => r.outcome === "applied").length,
          failed: mine.filter((r) => r.outcome === "failed").length
        }
      })
    }
  }).pipe(Effect.withSpan("unishare.migration.durableStatus"))

/**
 * One entry of a run's audit log: a write attempt of one unit (`generation` 0 for `apply`, 1, 2, …
 * for the repairs), its outcome, when it ended, the process that made it (`processId`), how many
 * operations it carried, the error of a failed one and the target a `create` made. An attempt
 * repeated after a crash (at-least-once) appears twice.
 *
 * @example
 * ```ts
 * import type { DurableApply } from "@unishare/migration"
 * const line = (e: DurableApply.AuditEntry) => `${e.at} ${e.unit} ${e.outcome}`
 * ```
 */
export interface AuditEntry {
  readonly at: string
  readonly resource: string
  readonly unit: string
  readonly generation: number
  readonly outcome: "applied" | "failed"
  readonly process: string
  readonly operations: number
  readonly message?: string | undefined
  readonly created?: string | undefined
}

/**
 * A run's audit log, read from the store in context (reads only), oldest first: every write
 * attempt of the plan's units, by `apply` and by its repairs.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { DurableApply, SqliteClient, type Migration } from "@unishare/migration"
 * const log = (plan: Migration.MigrationPlan) =>
 *   DurableApply.audit(plan).pipe(Effect.provide(SqliteClient.layer({ filename: "plan.run.db" })))
 * ```
 */
export const audit = (
  plan: Pick<Migration.MigrationPlan, "digest">
): Effect.Effect<ReadonlyArray<AuditEntry>, Errors.SharingError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (!(yield* storeShape).audit) return []
    const rows = yield* sql<{
      readonly at: string
      readonly resource: string
      readonly unit: string
      readonly generation: number
      readonly outcome: string
      readonly process: string
      readonly operations: number
      readonly message: string | null
      readonly created: string | null
    }>`SELECT at, resource, unit, generation, outcome, process, operations, message, created FROM unishare_audit WHERE digest = ${plan.digest} ORDER BY at, unit`
    return rows.map((row): AuditEntry => {
      const created = row.created !== null ? decodeRef(row.created) : Option.none()
      return {
        at: row.at,
        resource: row.resource,
        unit: row.unit,
        generation: Number(row.generation),
        outcome: row.outcome === "applied" ? "applied" : "failed",
        process: row.process,
        operations: Number(row.operations),
        ...(row.message !== null ? { message: row.message } : {}),
        ...(Option.isSome(created) ? { created: ResourceRef.key(created.value) } : {})
      }
    })
  }).pipe(Effect.mapError(storeError), Effect.withSpan("unishare.migration.durableAudit"))
