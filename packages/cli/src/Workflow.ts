/**
 * The migration steps behind the commands (`export`, `plan`, `apply`, `verify`, `sync`), as
 * functions on providers and files, with the JSON summaries the commands print. The demo runs the
 * same steps.
 *
 * Where each step lives (this module re-exports them; the parts are internal, not entries of the
 * package):
 *
 * - `internal/ExportStep.ts` — `export`: `exportStreamed`, `exportTo`, `exportSummary`;
 * - `internal/PlanStep.ts` — `plan`: `PlanFlags`, `resolveFallback`, `planFile` (a snapshot file
 *   streamed to a plan file: `PlanFileOptions`, `PlanWritten`, `listedRows`), `planTo`,
 *   `fidelityRows`, `planSummary`, `planOptionsLine`, `renderPlanText`;
 * - `internal/ApplyStep.ts` — `apply`: `applyPlan` (and following a submitted run), `applySummary`,
 *   `renderApply`;
 * - `internal/RunnerProcess.ts` — `runner`: `runRunner`;
 * - `internal/RunStatus.ts` — `status`: `StoreStatus`, `runStatus`, `renderStatus`, `runAudit`;
 * - `internal/VerifyStep.ts` — `verify`: `verifyPlan`, `verifySummary`, `renderVerify`;
 * - `internal/SyncStep.ts` — `sync`: `SyncFlags`, `checkDesired`, `syncResource`, `syncSummary`, `renderSync`;
 * - `internal/StoreAccess.ts` — what they share: the run store's and the cluster's failures on the
 *   command line, `runnerSecret`, `storeName`.
 *
 * @since 0.1.0
 */
export { applyPlan, applySummary, renderApply } from "./internal/ApplyStep.ts"
export type { Exported, ExportOptions } from "./internal/ExportStep.ts"
export { exportStreamed, exportSummary, exportTo } from "./internal/ExportStep.ts"
export type {
  FidelityRow,
  PlanFileOptions,
  PlanFlags,
  PlanSummary,
  PlanWritten
} from "./internal/PlanStep.ts"
export {
  fidelityRows,
  listedRows,
  planFile,
  planOptionsLine,
  planSummary,
  planTo,
  renderPlanText,
  resolveFallback
} from "./internal/PlanStep.ts"
export { runRunner } from "./internal/RunnerProcess.ts"
export type { StoreStatus } from "./internal/RunStatus.ts"
export { renderStatus, runAudit, runStatus } from "./internal/RunStatus.ts"
export { runnerSecret, storeName } from "./internal/StoreAccess.ts"
export type { SyncFlags } from "./internal/SyncStep.ts"
export { checkDesired, renderSync, syncResource, syncSummary } from "./internal/SyncStep.ts"
export { renderVerify, verifyPlan, verifySummary } from "./internal/VerifyStep.ts"
