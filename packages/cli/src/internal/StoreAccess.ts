/**
 * The run store and the runners' cluster as the commands reach them (internal, re-exported by
 * `Workflow`): how their failures read on the command line (bad input or `Unavailable`), the
 * runners' shared secret, the read-only store of `verify`, a dry run and `status`, and how a store
 * is named in messages.
 *
 * @since 0.1.0
 */
import * as NodeFs from "node:fs"
import { Errors } from "@unishare/core"
import { DurableApply, RunnerAuth, type RunnerCluster, SqliteClient } from "@unishare/migration"
import { Effect, Redacted } from "effect"

/**
 * How a run store's failures read on the command line: a store held by another process is bad
 * input for `--database`, an unreachable one is `Unavailable` (nothing was written).
 */
export const storeFailures = (operation: string) => ({
  DatabaseBusy: (e: { readonly message: string }) =>
    Effect.fail(Errors.invalid("unishare", operation, "--database", e.message)),
  SqlError: (e: { readonly message: string }) =>
    Effect.fail(
      new Errors.Unavailable({
        provider: "unishare",
        operation,
        message: `the run store is unreachable: ${e.message}`,
        maybeApplied: false
      })
    )
})

/**
 * How joining a shared PostgreSQL store fails on the command line: settings that differ from the
 * store's, or live processes this one must not run beside, are bad input (exit 2, nothing written).
 */
export const clusterFailures = (operation: string) => ({
  InvalidClusterOptions: (e: RunnerCluster.InvalidClusterOptions) =>
    Effect.fail(Errors.invalid("unishare", operation, e.field, e.message)),
  SettingsMismatch: (e: RunnerCluster.SettingsMismatch) =>
    Effect.fail(
      Errors.invalid(
        "unishare",
        operation,
        e.setting === "shardLockExpiration" ? "--shard-lock-expiration" : "--database",
        e.message
      )
    ),
  StoreInUse: (e: RunnerCluster.StoreInUse) =>
    Effect.fail(Errors.invalid("unishare", operation, "--database", e.message))
})

/** A submission refused because no runner is live: bad input (exit 2), nothing stored. */
export const noLiveRunner = (e: RunnerCluster.NoLiveRunner) =>
  Effect.fail(Errors.invalid("unishare", "apply", "--submit", e.message))

/**
 * The runners' shared secret for a runner or a submitter: from `secretFile` (`--secret-file`), else
 * from the environment variable `UNISHARE_RUNNER_SECRET` (set and empty counts as unset), else none.
 * An unusable one is bad input naming its source (exit 2); the secret itself is never shown.
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * const secret = Workflow.runnerSecret("runner", "/etc/unishare/runner.secret")
 * ```
 */
export const runnerSecret = (
  operation: string,
  secretFile: string | undefined,
  env: NodeJS.ProcessEnv = process.env
): Effect.Effect<RunnerAuth.Secret | undefined, Errors.InvalidInput> => {
  const text = env[RunnerAuth.secretVariable]
  const found =
    secretFile !== undefined
      ? RunnerAuth.fromFile(secretFile)
      : text !== undefined && text !== ""
        ? Effect.fromResult(RunnerAuth.fromText(Redacted.make(text), RunnerAuth.secretVariable))
        : Effect.succeed(undefined)
  return Effect.mapError(found, (e) => Errors.invalid("unishare", operation, e.source, e.message))
}

/** A runner or submitter refused for want of the secret: bad input (exit 2), nothing started. */
export const secretRequired = (operation: string, field: string) => (e: RunnerAuth.SecretRequired) =>
  Effect.fail(Errors.invalid("unishare", operation, field, e.message))

/**
 * Whether `store` names a run store that exists: a PostgreSQL URL always does (its tables may be
 * missing, which reads as "never applied"), a SQLite file when the file is there.
 */
export const storeExists = (store: string) => DurableApply.isPostgres(store) || NodeFs.existsSync(store)

/**
 * The run store for reading only: the store named, or an empty in-memory one when its SQLite file
 * does not exist (so nothing is created on disk).
 */
export const readStore = (store: string) =>
  storeExists(store) ? DurableApply.layerStore(store) : SqliteClient.layer({ filename: ":memory:" })

/**
 * How a run store is shown: a SQLite file by its path, a PostgreSQL URL without its credentials.
 *
 * @example
 * ```ts
 * import { Workflow } from "@unishare/cli"
 * Workflow.storeName("postgres://runs:secret@db:5432/unishare") // "postgres://db:5432/unishare"
 * ```
 */
export const storeName = (store: string): string => {
  if (!DurableApply.isPostgres(store)) return store
  try {
    const url = new URL(store)
    return `${url.protocol}//${url.host}${url.pathname}`
  } catch {
    return "postgres://…"
  }
}
