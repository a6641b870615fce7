/**
 * `runner` (internal, re-exported by `Workflow`): this process as a runner of a PostgreSQL store,
 * every flag checked before anything connects, "ready" said once it has joined, until interrupted.
 *
 * @since 0.1.0
 */
import { Errors, type SharingProvider } from "@unishare/core"
import { DurableApply, RunnerAuth, RunnerCluster } from "@unishare/migration"
import { Effect, Redacted, Result } from "effect"
import * as Output from "../Output.ts"
import { clusterFailures, runnerSecret, secretRequired, storeFailures } from "./StoreAccess.ts"

/**
 * Runs a runner of the PostgreSQL store `database` (see `DurableApply.layerRunner`) writing to
 * `target`, until interrupted (SIGINT / SIGTERM). Every flag is checked before anything connects:
 * the secret (`secretFile`, else `UNISHARE_RUNNER_SECRET`: see `runnerSecret`) is required for an
 * address that is not a loopback one, and authenticates every connection (`RunnerAuth`);
 * `maxConnections` caps the open connections (default 256). Says "ready" on stderr once it has
 * joined (and with `json`, as one JSON document on stdout with the settings it runs with).
 * `shardLockExpirationSeconds` left unset adopts the store's.
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * import { Workflow } from "@unishare/cli"
 * const run = Workflow.runRunner(MemoryProvider.make(), { database: "postgres://localhost/runs", runnerAddress: "127.0.0.1:34431", shardLockExpirationSeconds: 35 })
 * ```
 */
export const runRunner = (
  target: SharingProvider.Shape,
  options: {
    readonly database: string
    readonly runnerAddress: string
    readonly shardLockExpirationSeconds?: number | undefined
    /** A file holding the runners' shared secret (else `UNISHARE_RUNNER_SECRET`). */
    readonly secretFile?: string | undefined
    /** At most this many open connections, authenticated or in their handshake (default 256). */
    readonly maxConnections?: number | undefined
    /** Also say "ready" as one JSON document on stdout. */
    readonly json?: boolean | undefined
  }
): Effect.Effect<never, Errors.SharingError> =>
  Effect.gen(function* () {
    if (!DurableApply.isPostgres(options.database)) {
      return yield* Errors.invalid("unishare", "runner", "--database", "runners share a PostgreSQL store: postgres://…")
    }
    const address = RunnerCluster.parseAddress(options.runnerAddress)
    if (Result.isFailure(address)) {
      return yield* Errors.invalid("unishare", "runner", "--runner-address", address.failure)
    }
    const seconds = options.shardLockExpirationSeconds
    if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 2 || seconds > 3600)) {
      return yield* Errors.invalid("unishare", "runner", "--shard-lock-expiration", "expected seconds from 2 to 3600")
    }
    const maxConnections = options.maxConnections ?? RunnerAuth.defaults.maxConnections
    if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > 65_535) {
      return yield* Errors.invalid("unishare", "runner", "--max-connections", "expected an integer from 1 to 65535")
    }
    const secret = yield* runnerSecret("runner", options.secretFile)
    yield* Effect.catchTag(
      RunnerAuth.requireSecret(address.success, secret),
      "SecretRequired",
      secretRequired("runner", "--runner-address")
    )
    const runnerAddress = RunnerCluster.formatAddress(address.success)
    const layer = DurableApply.layerRunner(
      {
        database: Redacted.make(options.database),
        runnerAddress: address.success,
        shardLockExpirationMillis: seconds === undefined ? undefined : seconds * 1000,
        secret,
        maxConnections
      },
      target
    )
    const ready = Effect.gen(function* () {
      const settings = yield* RunnerCluster.ClusterSettings
      const expiration = settings.shardLockExpirationMillis / 1000
      yield* Output.note(
        `runner ${runnerAddress} ready (process ${DurableApply.processId}; ${settings.shardsPerGroup} shards per group, shard-lock expiration ${expiration} s; ${secret === undefined ? "no secret: plain TCP on a loopback address" : "peers authenticated with the runner secret (TLS)"}, at most ${maxConnections} connections)`
      )
      if (options.json === true) {
        yield* Output.document(
          JSON.stringify({
            command: "runner",
            ok: true,
            ready: true,
            runnerAddress,
            process: DurableApply.processId,
            target: target.capabilities.provider,
            shardsPerGroup: settings.shardsPerGroup,
            shardLockExpirationSeconds: expiration,
            authenticated: secret !== undefined,
            maxConnections
          })
        )
      }
    })
    return yield* Effect.andThen(ready, Effect.never).pipe(
      Effect.provide(layer),
      Effect.catchTags({
        ...clusterFailures("runner"),
        SqlError: storeFailures("runner").SqlError,
        SecretRequired: secretRequired("runner", "--runner-address"),
        SocketServerError: (e) =>
          Effect.fail(
            Errors.invalid(
              "unishare",
              "runner",
              "--runner-address",
              `cannot listen on ${runnerAddress}: ${e.message} (is another process using it, or is it not an address of this machine?)`
            )
          )
      }),
      Effect.scoped
    )
  })
