/**
 * Authenticated runners, through the real `unishare` command: a runner's socket hands a connection
 * to the cluster's protocol only once it has proved it holds the runners' shared secret (TLS keyed
 * by it), refuses a non-loopback address without one, caps its connections and closes a silent
 * peer at the handshake deadline; and a runner takes what to skip and where a create's grants go
 * from the store, never from the payload a peer sent (it names a chunk of a stored plan, nothing more).
 */
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Path from "node:path"
import * as Tls from "node:tls"
import { NodeCrypto, NodeSocket } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import * as Simulator from "@unishare/eci/simulator"
import { DurableApply, RunnerAuth, RunnerCluster } from "@unishare/migration"
import { Effect, Layer, Option, Redacted, Result, Schema } from "effect"
import {
  ClusterWorkflowEngine,
  Runners,
  ShardingConfig,
  SocketRunner,
  SqlMessageStorage,
  SqlRunnerStorage
} from "effect/cluster"
import { RpcClient, RpcSerialization } from "effect/rpc"
import { Socket } from "effect/socket"
import type { WorkflowEngine } from "effect/workflow"
import { describe, expect, it } from "vitest"
import { type Child, cli, running, startRunner, statusJson, stopAll, until } from "./support/cli.ts"
import { freshDatabase, tablesOf } from "./support/database.ts"
import { apiKey, seedFor, tempDir, writeCreatePlan, writePlan } from "./support/eciPlan.ts"
import { innerHangGuardMillis } from "./support/hangGuard.ts"

const env = { PATH: process.env.PATH ?? "", ECI_API_KEY: apiKey }

/** A fresh random secret in a file of `dir` (mode 600). */
const secretIn = (dir: string) => {
  const text = Crypto.randomBytes(32).toString("hex")
  const file = Path.join(dir, `runner-${Crypto.randomUUID()}.secret`)
  Fs.writeFileSync(file, `${text}\n`, { mode: 0o600 })
  return { text, file }
}

/** A TCP proxy on loopback to `127.0.0.1:target` that records what its clients send. */
const recordingProxy = async (target: number) => {
  const sent: Array<Buffer> = []
  const server = Net.createServer((client) => {
    const upstream = Net.connect({ host: "127.0.0.1", port: target })
    client.on("data", (d: Buffer) => {
      sent.push(Buffer.from(d))
      upstream.write(d)
    })
    upstream.on("data", (d: Buffer) => client.write(d))
    client.on("close", () => upstream.destroy())
    upstream.on("close", () => client.destroy())
    client.on("error", () => upstream.destroy())
    upstream.on("error", () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return { port, sent: () => Buffer.concat(sent), close: () => new Promise<void>((r) => server.close(() => r())) }
}

/**
 * Sends `bytes` on a raw TCP connection to `127.0.0.1:port` and waits until the server closes it
 * (or, with `until`, until what it answered satisfies it): what came back, and whether it closed.
 */
const rawExchange = (port: number, bytes: Buffer, answered?: (reply: Buffer) => boolean) =>
  new Promise<{ readonly reply: Buffer; readonly closed: boolean }>((resolve) => {
    const chunks: Array<Buffer> = []
    const socket = Net.connect({ host: "127.0.0.1", port }, () => socket.write(bytes))
    const reply = () => Buffer.concat(chunks)
    socket.on("data", (d: Buffer) => {
      chunks.push(d)
      if (answered?.(reply())) {
        socket.destroy()
        resolve({ reply: reply(), closed: false })
      }
    })
    socket.on("error", () => {})
    socket.on("close", () => resolve({ reply: reply(), closed: true }))
  })

describe("a runner's socket without the secret", () => {
  it("a raw-socket client replaying a frame captured from a submitter, without the secret, is closed before anything is decoded and nothing runs; the same bytes make a runner without a secret run the workflow", async () => {
    const capture = await freshDatabase("capture")
    const database = await freshDatabase("replay")
    const listIds = [6100, 6101]
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("auth")
    const children: Array<Child> = []
    try {
      const plan = await writePlan(sim, dir, listIds)
      const digest = (JSON.parse(Fs.readFileSync(plan, "utf8")) as { digest: string }).digest
      // 1. capture: a runner without a secret (loopback) and a cluster client of the test whose
      // connections go through a recording proxy; it submits a run of the plan's chunk
      const open = await startRunner(children, { database: capture, eciUrl: sim.url, env })
      expect(open.ready, open.child.output()).toMatchObject({ authenticated: false })
      const proxy = await recordingProxy(open.port)
      const recorded = Layer.effect(
        Runners.RpcClientProtocol,
        Effect.gen(function* () {
          const serialization = yield* RpcSerialization.RpcSerialization
          return {
            codecFor: serialization.codecFor,
            make: () =>
              Effect.gen(function* () {
                const socket = yield* NodeSocket.makeNet({ host: "127.0.0.1", port: proxy.port })
                return yield* RpcClient.makeProtocolSocket().pipe(
                  Effect.provideService(Socket.Socket, socket),
                  Effect.provideService(RpcSerialization.RpcSerialization, serialization)
                )
              })
          }
        })
      )
      const client = ClusterWorkflowEngine.layer.pipe(
        Layer.provideMerge(SocketRunner.layerClientOnly),
        Layer.provide(recorded),
        Layer.provideMerge(SqlMessageStorage.layer),
        Layer.provide(Layer.orDie(SqlRunnerStorage.layer)),
        Layer.provide(RpcSerialization.layerSchemaBinary()),
        Layer.provide(ShardingConfig.layer({ shardsPerGroup: 32, runnerAddress: Option.none() })),
        Layer.provide(NodeCrypto.layerDigest),
        Layer.provide(PgClient.layer({ url: Redacted.make(capture) }))
      )
      // a run submitted before the client has read the shard assignments is only stored (the
      // runner finds it there): submit runs (rounds 9, 10, …) until a notification goes out
      await Effect.runPromise(
        Effect.gen(function* () {
          for (let round = 9; proxy.sent().length === 0; round++) {
            yield* DurableApply.ApplyChunk.execute({ planDigest: digest, chunk: 0, round }, { discard: true })
            yield* Effect.sleep("50 millis")
          }
          // the client stays up until its notification has gone out whole
          yield* Effect.promise(() => until("the notification to go out", () => proxy.sent().length > 0))
        }).pipe(Effect.timeout(innerHangGuardMillis), Effect.provide(client), Effect.scoped)
      )
      await proxy.close()
      open.child.process.kill("SIGTERM")
      await open.child.exited
      // the captured bytes: one Notify request carrying the run's envelope (persisted: the runner
      // reads it from its store); the same frame with `persisted: false` makes a runner run the
      // envelope as it is, which is what a peer speaking the protocol would send
      const frame = proxy.sent()
      const serialization = Effect.runSync(
        Effect.gen(function* () {
          return yield* RpcSerialization.RpcSerialization
        }).pipe(Effect.provide(RpcSerialization.layerSchemaBinary()))
      )
      const [notify] = serialization.makeUnsafe().decode(frame) as Array<{
        readonly _tag: string
        readonly tag?: string
        readonly payload?: unknown
      }>
      expect(notify).toMatchObject({ _tag: "Request", tag: "Notify" })
      const codec = serialization.codecFor(Runners.Rpcs.requests.get("Notify")!.payloadSchema)
      const captured = Schema.decodeUnknownSync(codec)(notify?.payload) as { readonly persisted: boolean }
      expect(captured.persisted).toBe(true)
      const attack = Buffer.from(
        serialization.makeUnsafe().encode({
          ...notify,
          payload: Schema.encodeSync(codec)({ ...captured, persisted: false } as typeof codec.Type)
        }) as Uint8Array
      )

      // 2. a runner with a secret, on a store where the plan has run, the second list's write
      // refused (400): the store records that unit as failed, so a run of the chunk would write it
      const secret = secretIn(dir)
      const guarded = await startRunner(children, {
        database,
        eciUrl: sim.url,
        env,
        args: ["--secret-file", secret.file]
      })
      expect(guarded.ready, guarded.child.output()).toMatchObject({ authenticated: true })
      sim.inject({ kind: "status", status: 400, method: "PUT", path: /6101/, times: Number.POSITIVE_INFINITY })
      const applied = await cli(
        ["apply", "--plan", plan, "--database", database, "--submit", "--eci-url", sim.url, "--json"],
        { ...env, UNISHARE_RUNNER_SECRET: secret.text }
      )
      expect(JSON.parse(applied.stdout), applied.stderr).toMatchObject({ applied: 1, failed: 1 })
      sim.clearFaults()
      const puts = () => sim.log().filter((e) => e.method === "PUT").length
      const before = puts()
      expect(before).toBe(listIds.length)

      // 3. both frames, replayed without the secret: closed, nothing answered
      for (const bytes of [frame, attack]) {
        const exchange = await rawExchange(guarded.port, bytes, (reply) => reply.length > 0)
        expect(exchange).toEqual({ reply: Buffer.alloc(0), closed: true })
      }
      await until(
        "the runner to log both refusals",
        () => (guarded.child.stderr().match(/before reading anything from it/g) ?? []).length >= 2
      )
      expect(guarded.child.stderr()).toContain("it did not start a TLS handshake: a peer without the runner secret")
      expect(running(guarded.child)).toBe(true)

      // 4. the same attack bytes to a runner without a secret, on the same store: it runs the
      // workflow (the failed unit's write), which therefore had not run before
      guarded.child.process.kill("SIGTERM")
      await guarded.child.exited
      expect(puts()).toBe(before)
      const plain = await startRunner(children, { database, eciUrl: sim.url, env })
      expect(plain.ready, plain.child.output()).toMatchObject({ authenticated: false })
      const answered = await rawExchange(plain.port, frame, (reply) => reply.length > 0)
      expect(answered.reply.length).toBeGreaterThan(0)
      // a runner that has not taken its shards yet answers the frame without running it: the attack
      // is sent again, on a new connection, every second until the run writes
      await until("the replayed run to write", async () => {
        if (puts() > before) return true
        void rawExchange(plain.port, attack, () => puts() > before)
        await new Promise((resolve) => setTimeout(resolve, 1_000))
        return puts() > before
      })
      const replayed = sim
        .log()
        .filter((e) => e.method === "PUT")
        .slice(before)
        .map((e) => e.path)
      expect(replayed.length).toBeGreaterThan(0)
      // only the unit the store did not record as applied: the first list is not written again
      expect(replayed.every((path) => path.includes(String(listIds[1])))).toBe(true)
    } finally {
      await stopAll(children)
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("the runner secret is required off loopback, and checked before anything starts", () => {
  it("a runner on a non-loopback address without a secret exits 2 naming --secret-file and UNISHARE_RUNNER_SECRET, as does an unusable secret (never shown); the store is untouched; a submitter without the secret facing such a runner exits 2, nothing stored", async () => {
    const database = await freshDatabase("noauth")
    const listIds = [6200]
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("auth")
    try {
      const base = ["runner", "--database", database, "--target", "eci", "--eci-url", sim.url, "--json"]
      const short = "not-thirty-two-bytes"
      const [remote, wildcard, tooShort, missingFile] = await Promise.all([
        cli([...base, "--runner-address", "10.0.0.5:34431"], env),
        cli([...base, "--runner-address", "0.0.0.0:34431"], env),
        cli([...base, "--runner-address", "127.0.0.1:34431"], { ...env, UNISHARE_RUNNER_SECRET: short }),
        cli([...base, "--runner-address", "127.0.0.1:34431", "--secret-file", Path.join(dir, "missing")], env)
      ])
      for (const refused of [remote, wildcard]) {
        expect(refused.code, refused.stdout + refused.stderr).toBe(2)
        expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false })
        expect(refused.stdout).toContain("--runner-address")
        expect(refused.stdout).toContain("is not a loopback address")
        expect(refused.stdout).toContain("--secret-file")
        expect(refused.stdout).toContain("UNISHARE_RUNNER_SECRET")
      }
      expect(tooShort.code, tooShort.stdout + tooShort.stderr).toBe(2)
      expect(tooShort.stdout).toContain("UNISHARE_RUNNER_SECRET")
      expect(tooShort.stdout).toContain(`${short.length} byte(s)`)
      expect(tooShort.stdout + tooShort.stderr).not.toContain(short)
      expect(missingFile.code, missingFile.stdout + missingFile.stderr).toBe(2)
      expect(missingFile.stdout).toContain("--secret-file")
      expect(missingFile.stdout).toContain("ENOENT")
      expect(await tablesOf(database)).toEqual([])

      // a runner other machines reach (registered as the command would, from this process) holds a
      // secret: a submitter without one is refused at once
      const plan = await writePlan(sim, dir, listIds)
      const submitted = await Effect.runPromise(
        RunnerCluster.join({ role: "runner", process: "remote", address: "10.0.0.5:34431", requested: {} }).pipe(
          Effect.andThen(
            Effect.promise(() =>
              cli(["apply", "--plan", plan, "--database", database, "--submit", "--eci-url", sim.url, "--json"], env)
            )
          ),
          Effect.scoped,
          Effect.provide(PgClient.layer({ url: Redacted.make(database), maxConnections: 1 }))
        )
      )
      expect(submitted.code, submitted.stdout + submitted.stderr).toBe(2)
      expect(submitted.stdout).toContain("--secret-file")
      expect(submitted.stdout).toContain("10.0.0.5:34431")
      expect(submitted.stdout).toContain("UNISHARE_RUNNER_SECRET")
      expect(await statusJson(plan, database, env)).toMatchObject({ submitted: false })
      expect(sim.log().filter((e) => e.method === "PUT")).toEqual([])
    } finally {
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

/** A TLS connection keyed by `key` as a runner's peers make it: whether the handshake completed. */
const tlsHandshake = (port: number, key: Buffer) =>
  new Promise<{ readonly ok: boolean; readonly code?: string }>((resolve) => {
    const socket = Tls.connect({
      host: "127.0.0.1",
      port,
      minVersion: "TLSv1.3",
      ciphers: "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256",
      pskCallback: () => ({ psk: key, identity: "unishare-runner/1" }),
      checkServerIdentity: () => new Error("no certificate expected")
    })
    socket.once("secureConnect", () => {
      socket.destroy()
      resolve({ ok: true })
    })
    socket.once("error", (e: Error & { code?: string }) => resolve({ ok: false, code: e.code ?? e.message }))
  })

/** Opens a raw TCP connection that sends nothing: resolves when the server has closed it, with what came. */
const silentPeer = (port: number) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Array<Buffer> = []
    const socket = Net.connect({ host: "127.0.0.1", port })
    socket.on("data", (d: Buffer) => chunks.push(d))
    socket.on("error", () => {})
    socket.on("close", () => resolve(Buffer.concat(chunks)))
  })

describe("a runner's socket with the secret", () => {
  it("a peer with another secret fails the handshake; silent peers are closed at the handshake deadline; connections past --max-connections are closed at once; a peer with the secret then connects", async () => {
    const database = await freshDatabase("limits")
    const sim = await Simulator.start({ seed: seedFor([6250]) })
    const dir = tempDir("auth")
    const children: Array<Child> = []
    try {
      const secret = secretIn(dir)
      const key = Result.getOrThrow(RunnerAuth.fromText(Redacted.make(secret.text), "test")).key
      const runner = await startRunner(children, {
        database,
        eciUrl: sim.url,
        env,
        args: ["--secret-file", secret.file, "--max-connections", "4"]
      })
      expect(runner.ready, runner.child.output()).toMatchObject({ authenticated: true, maxConnections: 4 })
      const stderr = () => runner.child.stderr()

      const other = await tlsHandshake(runner.port, Crypto.randomBytes(32))
      expect(other.ok).toBe(false)
      await until("the runner to log the other secret", () => stderr().includes("it holds another secret"))

      // eight silent peers at once: past the limit they are closed as soon as accepted, the others
      // when their handshake deadline passes; none is sent a byte
      const silent = await Promise.all(Array.from({ length: 8 }, () => silentPeer(runner.port)))
      expect(silent.map((b) => b.length)).toEqual(Array.from({ length: 8 }, () => 0))
      expect(stderr()).toContain("connections are open, the limit")
      expect(stderr()).toContain("it did not complete the TLS handshake in time")
      expect(running(runner.child)).toBe(true)

      const good = await tlsHandshake(runner.port, Redacted.value(key))
      expect(good).toEqual({ ok: true })
      expect(stderr()).not.toContain(secret.text)
    } finally {
      await stopAll(children)
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("a runner takes what to skip and where to write from the store: a payload names a chunk, nothing more", () => {
  it("a peer with the secret can only name a chunk: the runner runs what the store records as not applied, skips what it records as applied, writes a create's grants to the list the store records, and refuses (and logs) a chunk the plan does not have or a repair the store does not record", async () => {
    const database = await freshDatabase("claims")
    const decoy = 6399
    const sim = await Simulator.start({ seed: seedFor([6300, 6301, decoy]) })
    const dir = tempDir("auth")
    const createDir = tempDir("auth")
    const children: Array<Child> = []
    try {
      const secret = secretIn(dir)
      const runner = await startRunner(children, {
        database,
        eciUrl: sim.url,
        env,
        args: ["--secret-file", secret.file]
      })
      expect(runner.ready, runner.child.output()).toMatchObject({ authenticated: true })
      const withSecret = { ...env, UNISHARE_RUNNER_SECRET: secret.text }
      const submit = (plan: string) =>
        cli(["apply", "--plan", plan, "--database", database, "--submit", "--eci-url", sim.url, "--json"], withSecret)
      const digestOf = (plan: string) => (JSON.parse(Fs.readFileSync(plan, "utf8")) as { digest: string }).digest
      const peer = <A, E>(effect: Effect.Effect<A, E, WorkflowEngine.WorkflowEngine>) =>
        Effect.runPromise(
          effect.pipe(
            Effect.provide(
              DurableApply.layerSubmitter({
                database: Redacted.make(database),
                secret: Result.getOrThrow(RunnerAuth.fromText(Redacted.make(secret.text), "test"))
              })
            ),
            Effect.scoped
          )
        )

      // 1. list 6300's write fails (400): the store records its unit as failed
      const plan = await writePlan(sim, dir, [6300, 6301])
      sim.inject({ kind: "status", status: 400, method: "PUT", path: /6300/, times: Number.POSITIVE_INFINITY })
      const first = await submit(plan)
      expect(JSON.parse(first.stdout), first.stderr).toMatchObject({ applied: 1, failed: 1 })
      sim.clearFaults()
      const failed = (await statusJson(plan, database, env)).resources.find((r) => r.resource === "eci:list:6300")
      const unit = failed?.failures[0]?.unit ?? ""
      expect(unit).not.toBe("")
      // a peer runs the chunk again (a round of its choosing): the failed unit runs, the applied one
      // is not written again (the store says so, whatever the peer would like)
      const puts = () => sim.log().filter((e) => e.method === "PUT").length
      const before = puts()
      const again = await peer(DurableApply.ApplyChunk.execute({ planDigest: digestOf(plan), chunk: 0, round: 7 }))
      // (a chunk's result lists its failures only: none)
      expect(again.units).toEqual([])
      expect(puts() - before).toBe(1)
      expect(
        sim
          .log()
          .filter((e) => e.method === "PUT")
          .slice(before)
          .map((e) => e.path)
      ).toEqual(["/api/v3/list/6300/share"])
      expect((await statusJson(plan, database, env)).resources.every((r) => r.failed === 0 && r.applied === 1)).toBe(
        true
      )
      expect([...(sim.share(6300)?.sharedUserIds ?? [])].sort()).toEqual([11, 12, 13])

      // 2. a list created by the run: running its chunk again writes to the list the store records
      const createPlan = await writeCreatePlan(sim, createDir, [6350])
      const created = await submit(createPlan)
      expect(created.code, created.stdout + created.stderr).toBe(0)
      const resource = (await statusJson(createPlan, database, env)).resources[0]
      const made = Number(resource?.created?.split(":").pop())
      expect(made).toBeGreaterThan(0)
      const rerun = await peer(
        DurableApply.ApplyChunk.execute({ planDigest: digestOf(createPlan), chunk: 0, round: 7 })
      )
      expect(rerun.units).toEqual([])
      expect(sim.share(decoy)?.sharedUserIds ?? []).toEqual([])
      expect(sim.log().filter((e) => e.method === "PUT" && e.path.includes(String(decoy)))).toEqual([])
      expect([...(sim.share(made)?.sharedUserIds ?? [])].sort()).toEqual([11, 12, 13])

      // 3. a chunk the plan does not have, and a repair generation the store does not record: refused, logged
      const beforeRefusals = puts()
      const none = await peer(DurableApply.ApplyChunk.execute({ planDigest: digestOf(plan), chunk: 5, round: 0 }))
      expect(none.units).toEqual([])
      const repair = await peer(
        DurableApply.ApplyChunk.execute({ planDigest: digestOf(plan), chunk: 0, round: 0, generation: 9 })
      )
      expect(repair.units).toEqual([])
      await until("the runner to log the refusals", () => {
        const log = runner.child.stderr()
        return log.includes("the plan has 1 chunk(s)") && log.includes("the store records no repair 9 of this plan")
      })
      expect(puts()).toBe(beforeRefusals)
    } finally {
      await stopAll(children)
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
      Fs.rmSync(createDir, { recursive: true, force: true })
    }
  })
})
