/**
 * `verify` (internal, re-exported by `Workflow`): a plan checked against its target (created
 * targets found in the run store, read only), and the JSON summary and text the command prints.
 *
 * @since 0.1.0
 */
import type { Errors, SharingProvider } from "@unishare/core"
import { DurableApply, Migration, Report } from "@unishare/migration"
import { Effect } from "effect"
import * as Notation from "../Notation.ts"
import * as Output from "../Output.ts"
import * as Progress from "../Progress.ts"
import { readStore, storeFailures } from "./StoreAccess.ts"

/**
 * Verifies a plan against its target, with a progress bar on a terminal. Targets `apply` created
 * (`--create-missing`) are found in the run store `store`, read without changing it; without a
 * store they are reported as missing.
 *
 * @example
 * ```ts
 * import type { SharingProvider } from "@unishare/core"
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const check = (plan: Migration.MigrationPlan, target: SharingProvider.Shape) =>
 *   Workflow.verifyPlan(plan, target, { store: "plan.run.db" })
 * ```
 */
export const verifyPlan = (
  plan: Migration.MigrationPlan | Migration.PlanStream,
  target: SharingProvider.Shape,
  options: { readonly store: string }
): Effect.Effect<Migration.VerifyReport, Errors.SharingError> =>
  Effect.gen(function* () {
    // targets are created only by a plan made with --create-missing
    const created =
      plan.options.createMissing === true
        ? yield* DurableApply.createdTargets(plan).pipe(
            Effect.provide(readStore(options.store)),
            Effect.catchTags(storeFailures("verify")),
            Effect.scoped
          )
        : undefined
    const bar = Progress.make("Verifying")
    return yield* Migration.verify(plan, target, { created, onProgress: bar.onProgress }).pipe(
      Effect.ensuring(bar.finish)
    )
  })

/**
 * The JSON summary of a verification.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const summary = (r: Migration.VerifyReport) => Workflow.verifySummary(r).drift.length
 * ```
 */
export const verifySummary = (report: Migration.VerifyReport, planFile?: string) => ({
  command: "verify" as const,
  ok: report.ok,
  planId: report.planId,
  ...(report.stopped !== undefined ? { stopped: Output.errorJson(report.stopped) } : {}),
  ...(!report.ok && report.stopped === undefined && planFile !== undefined
    ? { repair: `unishare apply --plan ${planFile} --repair` }
    : {}),
  resources: report.resources.length,
  matching: report.resources.filter((r) => r.ok).length,
  drift: report.resources
    .filter((r) => !r.ok)
    .map((r) => ({
      resource: Notation.formatResource(r.resource),
      remaining: r.remaining.map((op) => ({
        operation: op._tag,
        grantee: Notation.formatGrantee(op.grantee),
        level: op.level
      })),
      ...(r.error !== undefined ? { error: Report.toJson(r.error) } : {})
    }))
})

/**
 * A verification as text: the drifted resources by name and what differs, and the command that
 * repairs them.
 *
 * @example
 * ```ts
 * import { Migration } from "@unishare/migration"
 * import { Workflow } from "@unishare/cli"
 * const text = (r: Migration.VerifyReport) => Workflow.renderVerify(r, "plan.json")
 * ```
 */
export const renderVerify = (report: Migration.VerifyReport, planFile: string): string => {
  const bad = report.resources.filter((r) => !r.ok)
  const lines = [
    `Verification of plan ${report.planId}: ${report.resources.length - bad.length}/${report.resources.length} resources match the plan${report.ok ? "" : report.stopped !== undefined ? " — STOPPED" : " — DRIFT"}`
  ]
  for (const r of bad) {
    lines.push(
      `  ${Notation.formatResource(r.resource)}: ${r.error !== undefined ? r.error.message : r.remaining.map((op) => `${op._tag.toLowerCase()} ${Notation.formatGrantee(op.grantee)} ${op.level}`).join(", ")}`
    )
  }
  if (report.stopped !== undefined) lines.push(`Stopped at the first ${report.stopped._tag}: ${report.stopped.message}`)
  else if (!report.ok)
    lines.push(`To write what the plan says on the drifted resources: unishare apply --plan ${planFile} --repair`)
  return lines.join("\n")
}
