/**
 * Who may talk to a runner: the sockets between `unishare runner` processes and their submitters,
 * authenticated with one shared secret.
 *
 * **What was chosen, and why.** With a secret, every connection is TLS 1.3 keyed by a pre-shared
 * key derived from the secret (HKDF-SHA256; identity `unishare-runner/1`; cipher suites
 * `TLS_AES_128_GCM_SHA256` and `TLS_CHACHA20_POLY1305_SHA256`; an ephemeral key exchange on top, so
 * a secret that leaks later does not open recorded traffic). Both ends prove they hold the key in
 * the handshake (the client's binder, each side's `Finished`), so a runner authenticates its
 * submitters and other runners and they authenticate it; a server that offers a certificate
 * instead is refused by the client. TLS was chosen over a challenge-response of our own on a plain
 * socket because the latter authenticates only the start of a connection: every frame after it
 * could be read or changed by whoever sits on the path, whereas TLS encrypts and authenticates
 * every frame, with code that is OpenSSL's rather than ours. A pre-shared key was chosen over
 * mutual certificates because the processes of one store are one operator's, who then distributes
 * one secret (a file or an environment variable) instead of running a certificate authority, and
 * nothing has to be renewed.
 *
 * **On a runner's socket** (`layerSocketServer`):
 * - A connection reaches the cluster's protocol only once its handshake has completed: a peer
 *   without the key (a plain-TCP client replaying captured frames, a client with another secret)
 *   is closed by TLS, and no byte it sent is decoded by the cluster. Refusals are logged (the 1st,
 *   2nd, 4th, 8th… so that a flood cannot flood the log).
 * - A handshake has a deadline (`defaults.handshakeTimeoutMillis`): a peer that connects and says
 *   nothing is closed then.
 * - At most `maxConnections` connections are open at once, authenticated or still in their
 *   handshake (`defaults.maxConnections`); one more is closed as soon as it is accepted.
 * - Without a secret the socket is plain TCP and a runner may only listen on a loopback address
 *   (`requireSecret`): a one-machine setup needs nothing configured, and anything reachable from
 *   another machine is authenticated.
 *
 * **Assumptions**: the secret is random (at least `minimumSecretBytes`; e.g. `openssl rand -hex
 * 32`) and only the operator's processes can read it; every runner and submitter of a store uses
 * the same one; and whoever can write to the run store is trusted (the store, not the socket, is
 * where runs come from: see `DurableApply`). A runner without a secret on a loopback address trusts
 * every process of its machine.
 *
 * @since 0.1.0
 */
import { hkdfSync } from "node:crypto"
import * as NodeFs from "node:fs"
import * as Net from "node:net"
import * as Tls from "node:tls"
import { NodeSocket } from "@effect/platform-node"
import { Context, Effect, Exit, Fiber, Layer, Redacted, Result, Schema, Scope } from "effect"
import { type RunnerAddress, Runners } from "effect/cluster"
import { NetAddress } from "effect/net"
import { RpcClient, RpcSerialization } from "effect/rpc"
import { Socket, SocketServer } from "effect/socket"
import * as RunnerCluster from "./RunnerCluster.ts"

/**
 * The environment variable holding the runners' shared secret (the text itself); `--secret-file`
 * names a file holding it instead.
 *
 * @example
 * ```ts
 * import { RunnerAuth } from "@unishare/migration"
 * const text = process.env[RunnerAuth.secretVariable]
 * ```
 */
export const secretVariable = "UNISHARE_RUNNER_SECRET"

/**
 * The shortest secret accepted, in bytes (`openssl rand -hex 32` gives 64).
 *
 * @example
 * ```ts
 * import { RunnerAuth } from "@unishare/migration"
 * RunnerAuth.minimumSecretBytes // 32
 * ```
 */
export const minimumSecretBytes = 32

const maximumSecretBytes = 4096

/**
 * The defaults of a runner's socket: at most 256 open connections (authenticated or in their
 * handshake), and 5 s for a peer to complete its handshake.
 *
 * @example
 * ```ts
 * import { RunnerAuth } from "@unishare/migration"
 * RunnerAuth.defaults.maxConnections // 256
 * ```
 */
export const defaults = { maxConnections: 256, handshakeTimeoutMillis: 5000 } as const

/**
 * The runners' shared secret, as the key both ends of a connection use (derived from the secret's
 * text; the text itself is not kept). Never printed: it is `Redacted`.
 *
 * @example
 * ```ts
 * import { Redacted, Result } from "effect"
 * import { RunnerAuth } from "@unishare/migration"
 * const secret = RunnerAuth.fromText(Redacted.make("0123456789abcdef0123456789abcdef"), "UNISHARE_RUNNER_SECRET")
 * Result.isSuccess(secret) // true
 * ```
 */
export interface Secret {
  readonly _tag: "RunnerSecret"
  readonly key: Redacted.Redacted<Buffer>
}

/**
 * A secret that cannot be used: its file cannot be read, or it is too short or too long. `source`
 * names where it came from (`--secret-file` or the variable); the message never contains it.
 *
 * @example
 * ```ts
 * import { RunnerAuth } from "@unishare/migration"
 * new RunnerAuth.InvalidSecret({ source: "--secret-file", message: "the secret has 5 bytes; at least 32 are needed" })
 * ```
 */
export class InvalidSecret extends Schema.TaggedError<InvalidSecret>()("InvalidSecret", {
  source: Schema.String,
  message: Schema.String
}) {}

/**
 * A runner asked to listen on an address other machines can reach without a secret, or a
 * submitter without a secret facing such runners. Nothing was started.
 *
 * @example
 * ```ts
 * import { RunnerAuth } from "@unishare/migration"
 * new RunnerAuth.SecretRequired({ address: "10.0.0.5:34431", message: "…" })
 * ```
 */
export class SecretRequired extends Schema.TaggedError<SecretRequired>()("SecretRequired", {
  address: Schema.String,
  message: Schema.String
}) {}

const pskIdentity = "unishare-runner/1"

/**
 * TLS 1.3 only, with the suites whose hash (SHA-256) is the one OpenSSL uses for an external
 * pre-shared key.
 */
const tlsSettings = {
  minVersion: "TLSv1.3",
  maxVersion: "TLSv1.3",
  ciphers: "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"
} as const

/**
 * The secret from its text (`source` names where it came from, for the error): one trailing
 * newline is dropped (a file written with `echo`); at least `minimumSecretBytes` bytes must remain.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { RunnerAuth } from "@unishare/migration"
 * const secret = RunnerAuth.fromText(Redacted.make(process.env.UNISHARE_RUNNER_SECRET ?? ""), "UNISHARE_RUNNER_SECRET")
 * ```
 */
export const fromText = (text: Redacted.Redacted<string>, source: string): Result.Result<Secret, InvalidSecret> => {
  const bytes = Buffer.from(Redacted.value(text).replace(/\r?\n$/, ""), "utf8")
  if (bytes.length < minimumSecretBytes || bytes.length > maximumSecretBytes) {
    return Result.fail(
      new InvalidSecret({
        source,
        message: `the secret has ${bytes.length} byte(s); from ${minimumSecretBytes} to ${maximumSecretBytes} are accepted (make one with: openssl rand -hex 32)`
      })
    )
  }
  const key = Buffer.from(hkdfSync("sha256", bytes, "unishare runner secret", pskIdentity, 32))
  bytes.fill(0)
  return Result.succeed({ _tag: "RunnerSecret", key: Redacted.make(key) })
}

/**
 * The secret from the file `path` (see `fromText`); a file that is missing, unreadable, not a
 * regular file or larger than 4 KiB fails with `InvalidSecret` naming `--secret-file`.
 *
 * @example
 * ```ts
 * import { RunnerAuth } from "@unishare/migration"
 * const secret = RunnerAuth.fromFile("/etc/unishare/runner.secret")
 * ```
 */
export const fromFile = (path: string): Effect.Effect<Secret, InvalidSecret> =>
  Effect.gen(function* () {
    const source = "--secret-file"
    const text = yield* Effect.try({
      try: () => {
        const stat = NodeFs.statSync(path)
        if (!stat.isFile()) throw new Error("it is not a regular file")
        if (stat.size > maximumSecretBytes + 2) throw new Error(`it has ${stat.size} bytes, more than a secret`)
        return NodeFs.readFileSync(path, "utf8")
      },
      catch: (e) =>
        new InvalidSecret({
          source,
          message: `cannot read the secret from ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`
        })
    })
    return yield* Effect.fromResult(fromText(Redacted.make(text), source))
  })

const loopback = new Net.BlockList()
loopback.addSubnet("127.0.0.0", 8, "ipv4")
loopback.addAddress("::1", "ipv6")

/**
 * Whether `host` is a loopback address (127.0.0.0/8, `::1` or `localhost`): reachable from this
 * machine only.
 *
 * @example
 * ```ts
 * import { RunnerAuth } from "@unishare/migration"
 * RunnerAuth.isLoopback("127.0.0.1") // true
 * RunnerAuth.isLoopback("10.0.0.5") // false
 * ```
 */
export const isLoopback = (host: string): boolean => {
  if (host.toLowerCase() === "localhost") return true
  const family = Net.isIP(host)
  return family === 4 ? loopback.check(host, "ipv4") : family === 6 ? loopback.check(host, "ipv6") : false
}

/**
 * Refuses (`SecretRequired`) a runner address other machines could reach when there is no secret.
 *
 * @example
 * ```ts
 * import { RunnerAuth } from "@unishare/migration"
 * const check = RunnerAuth.requireSecret({ host: "10.0.0.5", port: 34431 }, undefined) // fails
 * ```
 */
export const requireSecret = (
  address: RunnerCluster.Address,
  secret: Secret | undefined
): Effect.Effect<void, SecretRequired> =>
  secret !== undefined || isLoopback(address.host)
    ? Effect.void
    : Effect.fail(
        new SecretRequired({
          address: RunnerCluster.formatAddress(address),
          message: `${RunnerCluster.formatAddress(address)} is not a loopback address: a runner other machines can reach authenticates its peers with a shared secret (--secret-file <file> or ${secretVariable}); without one it listens on 127.0.0.1, ::1 or localhost only`
        })
      )

/**
 * Options of a runner's socket: where it listens, the secret (none: plain TCP, loopback only),
 * the connection limit and the handshake deadline (`defaults` where left out).
 *
 * @example
 * ```ts
 * import type { RunnerAuth } from "@unishare/migration"
 * const options: RunnerAuth.ServerOptions = { address: { host: "127.0.0.1", port: 34431 }, maxConnections: 64 }
 * ```
 */
export interface ServerOptions {
  readonly address: RunnerCluster.Address
  readonly secret?: Secret | undefined
  readonly maxConnections?: number | undefined
  readonly handshakeTimeoutMillis?: number | undefined
}

/** Counts refusals and says so on the 1st, 2nd, 4th, 8th… (a flood of them cannot flood the log). */
const refusalLog = (log: (message: string) => void) => {
  let count = 0
  return (message: string) => {
    count++
    if ((count & (count - 1)) === 0) log(`${message} (${count} refused so far; logged at the 1st, 2nd, 4th, 8th…)`)
  }
}

const peerOf = (remoteAddress: string | undefined, remotePort: number | undefined) =>
  remoteAddress === undefined ? "an unknown peer" : `${remoteAddress}:${remotePort ?? "?"}`

/** Why a handshake failed, in words (the TLS error code names the detail). */
const handshakeFailure = (error: Error & { readonly code?: string }) => {
  const code = error.code ?? error.message
  if (code === "ERR_TLS_HANDSHAKE_TIMEOUT") return "it did not complete the TLS handshake in time"
  if (code.includes("BINDER") || code.includes("DECRYPT")) return `it holds another secret (${code})`
  if (code.includes("WRONG_VERSION") || code.includes("HTTP_REQUEST") || code.includes("UNEXPECTED_RECORD"))
    return `it did not start a TLS handshake: a peer without the runner secret (${code})`
  return `its TLS handshake failed (${code})`
}

/**
 * A runner's socket server (see the module doc): TLS keyed by the secret or, without one, plain
 * TCP; connections reach `run`'s handler only once authenticated; a handshake deadline and a
 * connection limit. Closed (with every connection) when the scope closes. Fails with
 * `SocketServerError` when it cannot listen.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RunnerAuth } from "@unishare/migration"
 * const server = Effect.scoped(RunnerAuth.makeSocketServer({ address: { host: "127.0.0.1", port: 34431 } }))
 * ```
 */
export const makeSocketServer = (
  options: ServerOptions
): Effect.Effect<SocketServer.SocketServer["Service"], SocketServer.SocketServerError, Scope.Scope> =>
  Effect.gen(function* () {
    const where = RunnerCluster.formatAddress(options.address)
    const maxConnections = options.maxConnections ?? defaults.maxConnections
    const context = yield* Effect.context<never>()
    const refused = refusalLog((message) => {
      Effect.runForkWith(context)(Effect.logWarning(`runner ${where}: ${message}`))
    })
    const key = options.secret === undefined ? undefined : Redacted.value(options.secret.key)
    const server: Net.Server =
      key === undefined
        ? Net.createServer()
        : Tls.createServer({
            ...tlsSettings,
            handshakeTimeout: options.handshakeTimeoutMillis ?? defaults.handshakeTimeoutMillis,
            pskCallback: (_socket, identity) => (identity === pskIdentity ? key : null)
          })
    server.maxConnections = maxConnections
    server.on("drop", (peer) =>
      refused(
        `closed a connection from ${peerOf(peer?.remoteAddress, peer?.remotePort)} at once: ${maxConnections} connections are open, the limit`
      )
    )
    server.on("tlsClientError", (error: Error, socket: Tls.TLSSocket) => {
      socket.destroy()
      refused(
        `closed a connection from ${peerOf(socket.remoteAddress, socket.remotePort)} before reading anything from it: ${handshakeFailure(error)}`
      )
    })
    // every TCP connection, in its handshake or not: all are closed with the server
    const connections = new Set<Net.Socket>()
    server.on("connection", (socket: Net.Socket) => {
      connections.add(socket)
      socket.once("close", () => connections.delete(socket))
    })
    const waiting: Array<Net.Socket> = []
    let accept = (socket: Net.Socket) => {
      waiting.push(socket)
    }
    server.on(key === undefined ? "connection" : "secureConnection", (socket: Net.Socket) => {
      // nothing is read until the cluster's protocol takes the socket
      socket.pause()
      // a socket that fails before that is closed by Node; its error is not the process's
      socket.on("error", () => {})
      accept(socket)
    })
    yield* Effect.acquireRelease(
      Effect.callback<void, SocketServer.SocketServerError>((resume) => {
        const failed = (cause: Error) =>
          resume(
            Effect.fail(
              new SocketServer.SocketServerError({ reason: new SocketServer.SocketServerOpenError({ cause }) })
            )
          )
        server.once("error", failed)
        server.listen({ host: options.address.host, port: options.address.port }, () => {
          server.off("error", failed)
          resume(Effect.void)
        })
      }),
      () =>
        Effect.callback<void>((resume) => {
          for (const socket of connections) socket.destroy()
          server.close(() => resume(Effect.void))
        })
    )
    const bound = server.address()
    const address = yield* Effect.mapError(
      Effect.fromResult(
        typeof bound === "object" && bound !== null
          ? NetAddress.inetAddressFromIpString(bound.address, bound.port)
          : Result.fail(new Error("the server has no address"))
      ),
      (cause) => new SocketServer.SocketServerError({ reason: new SocketServer.SocketServerOpenError({ cause }) })
    )
    const run = <R, E, _>(handler: (socket: Socket.Socket) => Effect.Effect<_, E, R>) =>
      Effect.gen(function* () {
        const scope = yield* Scope.make()
        const services = Context.omit(Scope.Scope)(yield* Effect.context<R>()) as Context.Context<R>
        const track = Fiber.runIn(scope)
        const previous = accept
        accept = (socket) => {
          const connection = NodeSocket.fromDuplex(
            Effect.acquireRelease(
              Effect.suspend(() =>
                socket.destroyed
                  ? Effect.fail(new Socket.SocketError({ reason: new Socket.SocketCloseError({ code: 1000 }) }))
                  : Effect.succeed(socket)
              ),
              (s) => Effect.sync(() => (s.destroyed ? undefined : s.destroySoon()))
            )
          )
          track(
            Effect.runForkWith(Context.add(services, NodeSocket.NetSocket, socket))(
              connection.pipe(
                Effect.flatMap(handler),
                Effect.ignoreCause({ log: "Debug", message: "runner connection ended" })
              )
            )
          )
        }
        for (const socket of waiting.splice(0)) accept(socket)
        return yield* Effect.never.pipe(
          Effect.ensuring(
            Effect.suspend(() => {
              accept = previous
              return Scope.close(scope, Exit.void)
            })
          )
        )
      })
    return SocketServer.SocketServer.of({ address, run })
  })

/**
 * `makeSocketServer` as the `SocketServer` layer a runner's transport needs.
 *
 * @example
 * ```ts
 * import { RunnerAuth } from "@unishare/migration"
 * const ServerLive = RunnerAuth.layerSocketServer({ address: { host: "127.0.0.1", port: 34431 } })
 * ```
 */
export const layerSocketServer = (
  options: ServerOptions
): Layer.Layer<SocketServer.SocketServer, SocketServer.SocketServerError> =>
  Layer.effect(SocketServer.SocketServer, makeSocketServer(options))

/** Opens a TLS connection keyed by `key` to `address` (refusing a server that offers a certificate). */
const connectTls = (address: RunnerAddress.RunnerAddress, key: Buffer, failed: (message: string) => void) =>
  Effect.acquireRelease(
    Effect.callback<Tls.TLSSocket, Socket.SocketError>((resume) => {
      let connected = false
      let secure = false
      const socket = Tls.connect({
        ...tlsSettings,
        host: address.host,
        port: address.port,
        pskCallback: () => ({ psk: key, identity: pskIdentity }),
        // only a pre-shared-key handshake is accepted: a certificate means the peer lacks the key
        checkServerIdentity: () => new Error("a runner authenticates with the shared secret, not a certificate")
      })
      socket.once("connect", () => {
        connected = true
      })
      socket.once("secureConnect", () => {
        secure = true
        resume(Effect.succeed(socket))
      })
      socket.on("error", (cause: Error & { readonly code?: string }) => {
        if (secure) return
        if (connected)
          failed(
            `runner ${address.host}:${address.port} refused the TLS handshake (${cause.code ?? cause.message}): do every runner and submitter of this store use the same secret?`
          )
        resume(Effect.fail(new Socket.SocketError({ reason: new Socket.SocketOpenError({ kind: "Unknown", cause }) })))
      })
      return Effect.sync(() => socket.destroy())
    }),
    (socket) => Effect.sync(() => (socket.destroyed ? undefined : socket.destroySoon()))
  )

/**
 * How a runner or submitter connects to runners: TLS keyed by `secret` (see the module doc), or
 * plain TCP without one. A runner that refuses the handshake is logged (the 1st, 2nd, 4th, 8th…
 * time).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { RpcSerialization } from "effect/rpc"
 * import { RunnerAuth } from "@unishare/migration"
 * const ClientLive = RunnerAuth.layerClientProtocol(undefined).pipe(Layer.provide(RpcSerialization.layerSchemaBinary()))
 * ```
 */
export const layerClientProtocol = (
  secret: Secret | undefined
): Layer.Layer<Runners.RpcClientProtocol, never, RpcSerialization.RpcSerialization> =>
  Layer.effect(
    Runners.RpcClientProtocol,
    Effect.gen(function* () {
      const serialization = yield* RpcSerialization.RpcSerialization
      const context = yield* Effect.context<never>()
      const failed = refusalLog((message) => {
        Effect.runForkWith(context)(Effect.logWarning(message))
      })
      const key = secret === undefined ? undefined : Redacted.value(secret.key)
      return {
        codecFor: serialization.codecFor,
        make: (address: RunnerAddress.RunnerAddress) =>
          Effect.gen(function* () {
            const socket =
              key === undefined
                ? yield* NodeSocket.makeNet({ host: address.host, port: address.port, openTimeout: 1000 })
                : yield* NodeSocket.fromDuplex(connectTls(address, key, failed), { openTimeout: 5000 })
            return yield* RpcClient.makeProtocolSocket().pipe(
              Effect.provideService(Socket.Socket, socket),
              Effect.provideService(RpcSerialization.RpcSerialization, serialization)
            )
          })
      }
    })
  )
