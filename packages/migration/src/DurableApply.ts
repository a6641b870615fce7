/**
 * `apply` as durable workflows on Effect's own engine (`effect/workflow` on `effect/cluster`'s
 * `ClusterWorkflowEngine`, SQL storage): a run survives crashes and restarts, and resumes without
 * repeating a finished unit. This is the one way `unishare apply` runs: on one machine with an
 * embedded SQLite file beside the plan, on many with PostgreSQL.
 *
 * - One workflow execution per target resource, one activity per unit (`Migration.unitsOf`: the
 *   `create` of a missing target first, then the writes). Execution ids derive from the plan's
 *   digest (checked first), the resource, a round and, for a repair, its generation, so re-running
 *   the same plan joins, resumes or reads the earlier executions instead of starting new ones.
 * - The plan itself is stored once in the database (`unishare_plans`, by digest), so payloads stay
 *   small and every runner reads the same plan.
 * - Guarantees: a finished activity never runs again; the activity in flight at a crash runs again
 *   (at-least-once), which is harmless because unit writes are idempotent (a replace to the state
 *   already there, a grant that exists, a revoke of what is gone write nothing new). A `create`
 *   is made harmless explicitly: it records a random mark in the store, then creates the resource
 *   bearing that mark (its description), and an attempt that follows a started one first looks for a
 *   resource bearing the recorded mark and adopts it instead of creating a second (a resource made
 *   by anyone else cannot bear it: the mark is unguessable).
 * - A round whose units partly failed is finished; the next run starts the next round for that
 *   resource with only the units not yet applied. A run after a fully applied round writes nothing.
 *   The first refused credential or unreachable provider stops the run (`stopped`; the first
 *   resource runs alone, so that costs one request).
 * - `repair`: every target is read again (an activity) and what the plan says is written where it
 *   drifted, as executions of a repair generation (`unishare_repairs`): each repair invocation is a
 *   new generation, and a crashed one resumes within its generation.
 * - `dryRun` reads the store only (no table is created): units applied by earlier runs are
 *   `already-applied`, the rest `dry-run`; one read per existing target proves the credential.
 * - Progress lives in tables of our own, so `status` and `audit` read a run from any machine with a
 *   plain `SqlClient` (no engine, no target credentials, nothing read from the engine's internal
 *   `cluster_*` tables): `unishare_units` (one row per unit: `pending` when submitted, `running`,
 *   then `applied` or `failed`, with the target a `create` made) and `unishare_audit` (one row per
 *   write attempt: unit, outcome, time, process, operation count, error message).
 *
 * Stores: `layerEmbedded` (one SQLite file beside the plan through `SqliteClient`) or
 * `layerPostgres` (`@effect/sql-pg`); either way one runner in the process, built from
 * `SingleRunner`'s pieces with an explicit `ShardingConfig` so that `HOST`/`PORT` in the user's
 * environment change nothing.
 *
 * Many machines on one PostgreSQL store: `layerRunner` per machine (socket transport, a unique
 * runner address) and `layerSubmitter` (client-only: holds no shard, executes nothing) for the
 * process that submits and follows a run. Their sockets are authenticated with the runners' shared
 * secret (`RunnerAuth`: TLS keyed by it; without one, runners listen on loopback only), and a runner
 * takes which units to skip and where a create's grants go from the store, not from the payload a
 * peer sent. Both compose the pieces `NodeClusterSocket.layer` would,
 * but on an explicit `ShardingConfig` (that layer starts from `ShardingConfig.layerFromEnv`, so
 * `PORT`, `LISTEN_HOST`, `SHARD_GROUPS`… of the machine would change the runner), with settings
 * agreed between all processes of the store (`RunnerCluster`).
 *
 * Where it lives (this module re-exports it; the parts are internal, not entries of the package):
 *
 * - `internal/RunStoreSchema.ts` — the run store: its tables, their upgrade from older versions,
 *   what a read-only reader finds, the unit and plan rows, `UnitOutcome` and `processId`;
 * - `internal/DurableWorkflow.ts` — the workflow: `Target`, `ApplyChunk`, its activities (units,
 *   a create made at most once with `createMark`, a repair's read), `layerWorkflows`;
 * - `internal/DurableEngine.ts` — engines in this process: `layerWith`, `layerEmbedded`,
 *   `layerPostgres`, the sharding configuration, and the read-only `layerStore`, `isPostgres`;
 * - `internal/DurableRun.ts` — `apply`, `dryRun`, repair generations, `createdTargets`;
 * - `internal/DurableStatus.ts` — `status` and `audit`, read from the store only;
 * - `internal/DurableRunners.ts` — many machines on one store: `layerRunner`, `layerSubmitter`.
 *
 * @since 0.1.0
 */
export type { EngineOptions } from "./internal/DurableEngine.ts"
export { isPostgres, layerEmbedded, layerPostgres, layerStore, layerWith } from "./internal/DurableEngine.ts"
export type { ApplyOptions } from "./internal/DurableRun.ts"
export { apply, createdTargets, dryRun } from "./internal/DurableRun.ts"
export type { ClusterOptions, RunnerOptions } from "./internal/DurableRunners.ts"
export { layerRunner, layerSubmitter } from "./internal/DurableRunners.ts"
export type { AuditEntry, ResourceStatus, RunStatus } from "./internal/DurableStatus.ts"
export { audit, status } from "./internal/DurableStatus.ts"
export { ApplyChunk, createMark, layerWorkflows, maxConcurrency, Target } from "./internal/DurableWorkflow.ts"
export { processId, UnitOutcome } from "./internal/RunStoreSchema.ts"
