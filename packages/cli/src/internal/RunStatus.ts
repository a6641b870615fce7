/**
 * `status` (internal, re-exported by `Workflow`): a durable run's progress, a PostgreSQL store's
 * live members and a run's audit log, read from the run store only, and the status as text.
 *
 * @since 0.1.0
 */
import * as NodeFs from "node:fs"
import { Errors } from "@unishare/core"
import { DurableApply, Migration, RunnerCluster } from "@unishare/migration"
import { Effect } from "effect"
import { storeExists, storeFailures } from "./StoreAccess.ts"

/**
 * What `status` shows: a run's progress and, on a PostgreSQL store, its live `members` (runners
 * with their address, process id and last heartbeat; an apply running in its own process). A
 * SQLite store has no members (its one process holds the file).
 *
 * @example
 * ```ts
 * import type { Workflow } from "@unishare/cli"
 * const runners = (s: Workflow.StoreStatus) => (s.members ?? []).filter((m) => m.role === "runner").length
 * ```
 */
export type StoreStatus = DurableApply.RunStatus & { readonly members?: ReadonlyArray<RunnerCluster.Member> }

/**
 * A durable run's progress from its store (`database`: a SQLite file or a `postgres://` URL), and
 * a PostgreSQL store's live members (`RunnerCluster.liveMembers`, from our own tables), read
 * without starting an engine or contacting the target, on a read-only connection (nothing is
 * written, even to a store an older version made). A SQLite file must exist (and is held by a
 * running `apply`: read it after that run, or use PostgreSQL to watch a run live).
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const show = (plan: Migration.MigrationPlan) => Workflow.runStatus(plan, "postgres://localhost/runs")
 * ```
 */
export const runStatus = (
  plan: Migration.MigrationPlan | Migration.PlanStream,
  database: string
): Effect.Effect<StoreStatus, Errors.SharingError> =>
  Effect.gen(function* () {
    if (!DurableApply.isPostgres(database) && !NodeFs.existsSync(database)) {
      return yield* Errors.invalid(
        "unishare",
        "status",
        "--database",
        `no run store at ${database}: apply creates it (run apply first, or name the store apply used)`
      )
    }
    const read = Effect.gen(function* () {
      const status = yield* DurableApply.status(plan)
      if (!DurableApply.isPostgres(database)) return status
      const members = yield* RunnerCluster.liveMembers
      return { ...status, members }
    })
    return yield* read.pipe(
      Effect.provide(DurableApply.layerStore(database)),
      Effect.catchTags(storeFailures("status")),
      Effect.scoped
    )
  })

/**
 * A run's status as text: totals, then one row per target resource that is not finished (pending
 * or failed units, with the failures' messages), then a PostgreSQL store's live members.
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * const text = (s: Workflow.StoreStatus) => Workflow.renderStatus(s, "plan.json")
 * ```
 */
export const renderStatus = (status: StoreStatus, planFile: string): string => {
  const members =
    status.members === undefined
      ? []
      : status.members.length === 0
        ? ["No runner and no apply is live on this store."]
        : [
            "Live on this store:",
            ...status.members.map(
              (m) =>
                `  ${m.role === "runner" ? `runner ${m.address ?? "?"}` : "apply (in its own process)"}: process ${m.process}, last heartbeat ${m.lastHeartbeat} (registration expires in ${m.expiresInSeconds} s unless renewed)`
            )
          ]
  if (!status.submitted)
    return [`${planFile} has not been applied with this store yet (0 of its units applied).`, ...members].join("\n")
  const lines = [
    `${planFile}: ${status.applied} of ${status.units} unit(s) applied, ${status.failed} failed, ${status.pending} pending on ${status.resources.length} resource(s)${status.complete ? " (complete)" : ""}`
  ]
  for (const r of status.resources) {
    if (r.created !== undefined) lines.push(`  ${r.resource}: created as ${r.created}`)
    if (r.pending === 0 && r.failed === 0) continue
    lines.push(`  ${r.resource}: ${r.applied} applied, ${r.failed} failed, ${r.pending} pending`)
    for (const f of r.failures) lines.push(`    ${f.unit}: ${f.message}`)
  }
  for (const g of status.repairs) {
    lines.push(
      `  repair ${g.generation}: ${g.applied} unit(s) written, ${g.failed} failed${g.finished ? "" : " (not finished: apply --repair resumes it)"}`
    )
  }
  if (status.failed > 0) lines.push("Failed units are retried by the next apply of the same plan.")
  lines.push(...members)
  return lines.join("\n")
}

/**
 * A run's audit log as JSON lines, oldest first: one line per write attempt (unit, outcome, time,
 * process, operation count, error message, created target), read from the run store only.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const lines = (plan: Migration.MigrationPlan) => Workflow.runAudit(plan, "plan.run.db")
 * ```
 */
export const runAudit = (
  plan: Migration.MigrationPlan | Migration.PlanStream,
  database: string
): Effect.Effect<ReadonlyArray<DurableApply.AuditEntry>, Errors.SharingError> =>
  Effect.gen(function* () {
    if (!("itemCount" in plan)) yield* Migration.checkDigest(plan)
    if (!storeExists(database)) {
      return yield* Errors.invalid(
        "unishare",
        "status",
        "--database",
        `no run store at ${database}: apply creates it (run apply first, or name the store apply used)`
      )
    }
    return yield* DurableApply.audit(plan).pipe(
      Effect.provide(DurableApply.layerStore(database)),
      Effect.catchTags(storeFailures("status")),
      Effect.scoped
    )
  })
