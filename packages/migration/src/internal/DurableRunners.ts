/**
 * Many machines on one PostgreSQL store (internal): `layerRunner` (a runner: executes
 * `ApplyChunk` for the shards it holds, reachable by the others over an authenticated socket)
 * and `layerSubmitter` (client-only: holds no shard, executes nothing). Both compose the pieces
 * `NodeClusterSocket.layer` would, but on an explicit sharding configuration agreed with the store
 * (`DurableEngine.agreedConfig`, `RunnerCluster`), with `RunnerAuth`'s socket server and clients.
 *
 * @since 0.1.0
 */
import { NodeCrypto } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import type { Shape } from "@unishare/core/SharingProvider"
import { Effect, Layer, type Redacted, Result } from "effect"
import {
  ClusterWorkflowEngine,
  RunnerHealth,
  Runners,
  SocketRunner,
  SqlMessageStorage,
  SqlRunnerStorage
} from "effect/cluster"
import { RpcSerialization } from "effect/rpc"
import type { SqlClient } from "effect/sql"
import type { WorkflowEngine } from "effect/workflow"
import * as RunnerAuth from "../RunnerAuth.ts"
import * as RunnerCluster from "../RunnerCluster.ts"
import { agreedConfig, type EngineOptions } from "./DurableEngine.ts"
import { layerWorkflows, Target } from "./DurableWorkflow.ts"
import { thisRun } from "./RunStoreSchema.ts"

/**
 * Settings of a runner or submitter sharing one PostgreSQL store with others. `shardsPerGroup` and
 * `shardLockExpirationMillis` (how long a killed runner's shards stay locked before another runner
 * takes them over; the lock is refreshed at a fifth of it) must agree with what the store recorded
 * (`RunnerCluster`): left unset, the store's values are adopted (defaults 32 and 35 s for a new
 * store); set and different, the layer fails with `RunnerCluster.SettingsMismatch`.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { DurableApply } from "@unishare/migration"
 * const options: DurableApply.ClusterOptions = { database: Redacted.make("postgres://localhost/runs"), shardLockExpirationMillis: 5000 }
 * ```
 */
export interface ClusterOptions extends EngineOptions {
  readonly database: Redacted.Redacted<string>
  readonly shardLockExpirationMillis?: number | undefined
  /** The runners' shared secret (`RunnerAuth`): without it, sockets are plain TCP and runners loopback only. */
  readonly secret?: RunnerAuth.Secret | undefined
}

const requestedOf = (options: ClusterOptions): RunnerCluster.Requested => ({
  shardsPerGroup: options.shardsPerGroup,
  shardLockExpirationMillis: options.shardLockExpirationMillis
})

/**
 * The socket cluster's pieces as `NodeClusterSocket.layer` composes them (socket server and client
 * protocol, ping health checks, SQL message and runner storage, binary RPC serialization), but on
 * the sharding configuration given here instead of one read from the environment.
 */
const socketSharding = <A, E, R>(transport: Layer.Layer<A, E, R>) =>
  transport.pipe(
    Layer.provideMerge(SqlMessageStorage.layer.pipe(Layer.provide(NodeCrypto.layerDigest))),
    Layer.provide(Layer.orDie(SqlRunnerStorage.layer)),
    Layer.provide(RpcSerialization.layerSchemaBinary())
  )

/**
 * A runner's transport: its socket server (`RunnerAuth.layerSocketServer`: authenticated with the
 * secret, a connection limit, a handshake deadline), clients to the others, ping health checks.
 */
const serverTransport = (options: RunnerOptions) => {
  const client = RunnerAuth.layerClientProtocol(options.secret)
  return SocketRunner.layer.pipe(
    Layer.provide([
      RunnerAuth.layerSocketServer({
        address: options.runnerAddress,
        secret: options.secret,
        maxConnections: options.maxConnections,
        handshakeTimeoutMillis: options.handshakeTimeoutMillis
      }),
      client
    ]),
    Layer.provide(RunnerHealth.layerPing.pipe(Layer.provide(Runners.layerRpc), Layer.provide(client)))
  )
}

/** A submitter's transport: clients only (authenticated with the secret when there is one). */
const clientTransport = (secret: RunnerAuth.Secret | undefined) =>
  SocketRunner.layerClientOnly.pipe(Layer.provide(RunnerAuth.layerClientProtocol(secret)))

/**
 * Options of a runner: its address (where it listens, and where the others reach it), and its
 * socket's connection limit and handshake deadline (`RunnerAuth.defaults` when left out).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { DurableApply } from "@unishare/migration"
 * const options: DurableApply.RunnerOptions = {
 *   database: Redacted.make("postgres://localhost/runs"),
 *   runnerAddress: { host: "127.0.0.1", port: 34431 },
 *   maxConnections: 64
 * }
 * ```
 */
export interface RunnerOptions extends ClusterOptions {
  readonly runnerAddress: RunnerCluster.Address
  readonly maxConnections?: number | undefined
  readonly handshakeTimeoutMillis?: number | undefined
}

/**
 * A runner: this process executes `ApplyChunk` workflows for the shards it holds, talking to the
 * other runners over sockets (`runnerAddress`, unique per runner, reachable by the others; it also
 * listens there) and sharing the PostgreSQL store. Its sockets are authenticated with `secret`
 * (`RunnerAuth`); without one it refuses (`RunnerAuth.SecretRequired`, before touching anything) an
 * address that is not a loopback one. Its sharding configuration is explicit (no environment
 * variable changes it) and agreed with the store (`RunnerCluster.join`: fails with
 * `SettingsMismatch`, or with `StoreInUse` while an in-process apply or another runner at the same
 * address is live). Runs until interrupted; a killed runner's work is taken over by the others once
 * its shard locks expire. Also provides the `RunnerCluster.ClusterSettings` it runs with.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { MemoryProvider } from "@unishare/core"
 * import { DurableApply } from "@unishare/migration"
 * const RunnerLive = DurableApply.layerRunner(
 *   { database: Redacted.make("postgres://localhost/runs"), runnerAddress: { host: "127.0.0.1", port: 34431 } },
 *   MemoryProvider.make()
 * )
 * const main = Layer.launch(RunnerLive)
 * ```
 */
export const layerRunner = (options: RunnerOptions, target: Shape) => {
  const runner = layerWorkflows.pipe(
    Layer.provideMerge(ClusterWorkflowEngine.layer),
    Layer.provideMerge(socketSharding(serverTransport(options))),
    Layer.provideMerge(
      agreedConfig(
        {
          role: "runner",
          process: thisRun,
          address: RunnerCluster.formatAddress(options.runnerAddress),
          requested: requestedOf(options)
        },
        options.runnerAddress
      )
    ),
    Layer.provide(Layer.succeed(Target, target)),
    Layer.provideMerge(PgClient.layer({ url: options.database, applicationName: "unishare-runner" }))
  )
  // an address that does not parse is refused by `RunnerCluster.join` (InvalidClusterOptions)
  const parsed = Result.isSuccess(RunnerCluster.parseAddress(RunnerCluster.formatAddress(options.runnerAddress)))
  return parsed
    ? Layer.unwrap(Effect.as(RunnerAuth.requireSecret(options.runnerAddress, options.secret), runner))
    : runner
}

/**
 * Refuses a submitter without a secret while a live runner listens on an address that is not a
 * loopback one: such a runner has a secret (`layerRunner` requires it), and would refuse every
 * connection of this submitter while the run waited.
 */
const submitterMeetsRunners = (secret: RunnerAuth.Secret | undefined) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      if (secret !== undefined) return
      const remote = (yield* RunnerCluster.liveMembers).filter(
        (m) =>
          m.role === "runner" &&
          m.address !== null &&
          Result.match(RunnerCluster.parseAddress(m.address), {
            onFailure: () => true,
            onSuccess: (a) => !RunnerAuth.isLoopback(a.host)
          })
      )
      const first = remote[0]?.address
      if (first != null) {
        return yield* new RunnerAuth.SecretRequired({
          address: first,
          message: `the runners of this store listen on addresses other machines can reach (${remote.map((m) => m.address).join(", ")}), so they accept only peers holding their shared secret: give this submitter the same secret (--secret-file <file> or ${RunnerAuth.secretVariable}). Nothing was stored`
        })
      }
    })
  )

/**
 * A submitter: a client-only member of the cluster (it holds no shard and executes nothing) that
 * sends `ApplyChunk` executions to the runners and follows them; what `apply` runs on with
 * `--submit`. Its sharding configuration is explicit and agreed with the store like a runner's
 * (`RunnerCluster.SettingsMismatch`; `StoreInUse` while an in-process apply is live), and it fails
 * with `RunnerCluster.NoLiveRunner` (nothing stored) while no runner is live on the store.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { DurableApply } from "@unishare/migration"
 * const SubmitterLive = DurableApply.layerSubmitter({ database: Redacted.make("postgres://localhost/runs") })
 * ```
 */
export const layerSubmitter = (
  options: ClusterOptions
): Layer.Layer<
  WorkflowEngine.WorkflowEngine | SqlClient.SqlClient | RunnerCluster.ClusterSettings,
  RunnerCluster.JoinError<"submitter"> | RunnerAuth.SecretRequired
> =>
  ClusterWorkflowEngine.layer.pipe(
    Layer.provideMerge(socketSharding(clientTransport(options.secret))),
    Layer.provideMerge(submitterMeetsRunners(options.secret)),
    Layer.provideMerge(agreedConfig({ role: "submitter", process: thisRun, requested: requestedOf(options) })),
    Layer.provideMerge(PgClient.layer({ url: options.database, applicationName: "unishare-submit" }))
  )
