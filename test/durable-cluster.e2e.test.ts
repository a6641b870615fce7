/**
 * The processes sharing one PostgreSQL run store, through the real `unishare` command: runners and
 * submitters take their settings from their flags only (never from the environment), agree them
 * through the store, and an apply in its own process never runs beside live runners.
 */
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { PgClient } from "@effect/sql-pg"
import { MemoryProvider } from "@unishare/core"
import * as Simulator from "@unishare/eci/simulator"
import { DurableApply, RunnerCluster } from "@unishare/migration"
import { Effect, Exit, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { describe, expect, it } from "vitest"
import { type Child, cli, freePort, start, startRunner, stopAll, until } from "./support/cli.ts"
import { freshDatabase } from "./support/database.ts"
import { apiKey, seedFor, writePlan } from "./support/eciPlan.ts"

const env = { PATH: process.env.PATH ?? "", ECI_API_KEY: apiKey }

/**
 * Every key `ShardingConfig.layerFromEnv` reads, set to values that either fail its parsing or
 * parse and would change the runner (listen elsewhere, hold no shard, poll once a day…).
 */
const hostileEnv = {
  HOST: "192.0.2.1",
  PORT: "abc",
  LISTEN_HOST: "192.0.2.1",
  LISTEN_PORT: "1",
  RUNNER_SHARD_WEIGHT: "0",
  AVAILABLE_SHARD_GROUPS: "elsewhere",
  SHARD_GROUPS: "elsewhere",
  SHARDS_PER_GROUP: "3",
  SHARD_LOCK_REFRESH_INTERVAL: "1 day",
  SHARD_LOCK_EXPIRATION: "soon",
  SHARD_LOCK_DISABLE_ADVISORY: "true",
  PREEMPTIVE_SHUTDOWN: "maybe",
  ENTITY_MAILBOX_CAPACITY: "0",
  ENTITY_MAILBOX_METRICS: "true",
  MAX_RESIDENT_ENTITIES: "-1",
  UNPROCESSED_MESSAGE_BATCH_SIZE: "0",
  ENTITY_MAX_IDLE_TIME: "1 millis",
  ENTITY_REGISTRATION_TIMEOUT: "1 millis",
  ENTITY_TERMINATION_TIMEOUT: "1 millis",
  ENTITY_MESSAGE_POLL_INTERVAL: "1 day",
  ENTITY_REPLY_POLL_INTERVAL: "1 day",
  SEND_RETRY_INTERVAL: "1 day",
  REFRESH_ASSIGNMENTS_INTERVAL: "1 day",
  RUNNER_JOIN_DEBOUNCE: "1 day",
  RUNNER_HEALTH_CHECK_INTERVAL: "1 millis",
  SIMULATE_REMOTE_SERIALIZATION: "nope"
}

/** Starts a runner with `args` (and `extraEnv`), waiting until it is ready or has exited. */
const runner = (
  children: Array<Child>,
  database: string,
  simUrl: string,
  args: ReadonlyArray<string>,
  extraEnv: Record<string, string> = {},
  port?: number
) =>
  startRunner(children, {
    database,
    eciUrl: simUrl,
    env: { ...env, ...extraEnv },
    args,
    ...(port !== undefined ? { port } : {})
  })

/** Runs `effect` on the store `database` (its own small pool). */
const onStore = <A, E>(database: string, effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.runPromise(
    effect.pipe(Effect.provide(PgClient.layer({ url: Redacted.make(database), maxConnections: 1 })), Effect.scoped)
  )

const connects = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

const tempDir = () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-cluster-"))

describe("runner and submitter settings come from their flags only", () => {
  it("with every sharding variable of the environment set to hostile values, a runner listens on --runner-address and a submitted run completes", async () => {
    const listIds = [4100, 4101, 4102, 4103]
    const database = await freshDatabase("hostile")
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir()
    const children: Array<Child> = []
    try {
      const plan = await writePlan(sim, dir, listIds)
      const started = await runner(children, database, sim.url, ["--shard-lock-expiration", "5"], hostileEnv)
      expect(started.ready, started.child.output()).toMatchObject({
        runnerAddress: `127.0.0.1:${started.port}`,
        shardsPerGroup: 32,
        shardLockExpirationSeconds: 5
      })
      // it listens where we told it (not on HOST / LISTEN_HOST / LISTEN_PORT)
      expect(await connects(started.port)).toBe(true)
      const submitted = await cli(
        ["apply", "--plan", plan, "--database", database, "--submit", "--eci-url", sim.url, "--json"],
        { ...env, ...hostileEnv }
      )
      expect(submitted.code, submitted.stdout + submitted.stderr).toBe(0)
      expect(JSON.parse(submitted.stdout)).toMatchObject({ applied: listIds.length, failed: 0 })
      for (const id of listIds) expect([...(sim.share(id)?.sharedUserIds ?? [])].sort()).toEqual([11, 12, 13])
      const status = await cli(["status", "--plan", plan, "--database", database, "--json"], env)
      const appliedBy = (JSON.parse(status.stdout) as { resources: Array<{ appliedBy: Array<string> }> }).resources
      expect(appliedBy.flatMap((r) => r.appliedBy)).toEqual(listIds.map(() => started.ready?.process))
    } finally {
      await stopAll(children)
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)
})

describe("one store, one set of cluster settings", () => {
  it("a runner whose shard-lock expiration differs from the store's exits 2 before joining; one without the flag adopts the store's; a submitter or runner asking for other shardsPerGroup fails with SettingsMismatch", async () => {
    const database = await freshDatabase("settings")
    const sim = await Simulator.start({ seed: seedFor([4200]) })
    const children: Array<Child> = []
    try {
      const first = await runner(children, database, sim.url, ["--shard-lock-expiration", "5"])
      expect(first.ready, first.child.output()).toMatchObject({ shardsPerGroup: 32, shardLockExpirationSeconds: 5 })

      const other = await runner(children, database, sim.url, ["--shard-lock-expiration", "7"])
      expect((await other.child.exited).code, other.child.output()).toBe(2)
      expect(other.ready).toBeUndefined()
      expect(other.child.output()).toContain("--shard-lock-expiration")
      expect(other.child.output()).toContain("a shard-lock expiration of 5 s")
      expect(await connects(other.port)).toBe(false)

      const twin = await runner(children, database, sim.url, [], {}, first.port)
      expect((await twin.child.exited).code, twin.child.output()).toBe(2)
      expect(twin.child.output()).toContain(`a runner is already live at 127.0.0.1:${first.port}`)

      const adopting = await runner(children, database, sim.url, [])
      expect(adopting.ready, adopting.child.output()).toMatchObject({
        shardsPerGroup: 32,
        shardLockExpirationSeconds: 5
      })

      // the library's layers (shardsPerGroup has no flag): built against the same store
      const url = Redacted.make(database)
      const submitter = await Effect.runPromiseExit(
        Layer.build(DurableApply.layerSubmitter({ database: url, shardsPerGroup: 64 })).pipe(Effect.scoped)
      )
      expect(Exit.isFailure(submitter) && JSON.stringify(submitter.cause)).toContain('"_tag":"SettingsMismatch"')
      const port = await freePort()
      const mismatched = await Effect.runPromiseExit(
        Layer.build(
          DurableApply.layerRunner(
            { database: url, runnerAddress: { host: "127.0.0.1", port }, shardsPerGroup: 64 },
            MemoryProvider.make()
          )
        ).pipe(Effect.scoped)
      )
      expect(Exit.isFailure(mismatched) && JSON.stringify(mismatched.cause)).toContain('"setting":"shardsPerGroup"')
      expect(await connects(port)).toBe(false)
      const agreed = await Effect.runPromise(
        Effect.gen(function* () {
          return yield* RunnerCluster.ClusterSettings
        }).pipe(Effect.provide(DurableApply.layerSubmitter({ database: url })), Effect.scoped)
      )
      expect(agreed).toEqual({ shardsPerGroup: 32, shardLockExpirationMillis: 5000 })
      // only the two runners that started are registered
      const members = await onStore(database, RunnerCluster.liveMembers)
      expect(members.map((m) => m.address).sort()).toEqual(
        [`127.0.0.1:${first.port}`, `127.0.0.1:${adopting.port}`].sort()
      )
    } finally {
      await stopAll(children)
      await sim.close()
    }
  }, 300_000)
})

describe("an apply without --submit never runs beside live runners", () => {
  it("refused (exit 2, pointing to --submit, nothing written or stored) while a runner is live; accepted once it stopped; a runner is refused while such an apply runs", async () => {
    const listIds = [4300, 4301, 4302]
    const database = await freshDatabase("inprocess")
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir()
    const children: Array<Child> = []
    try {
      const plan = await writePlan(sim, dir, listIds)
      const live = await runner(children, database, sim.url, ["--shard-lock-expiration", "5"])
      expect(live.ready, live.child.output()).toBeDefined()
      sim.clearLog()
      const refused = await cli(["apply", "--plan", plan, "--database", database, "--eci-url", sim.url, "--json"], env)
      expect(refused.code, refused.stdout + refused.stderr).toBe(2)
      expect(refused.stderr + refused.stdout).toContain("--submit")
      expect(refused.stderr + refused.stdout).toContain(`127.0.0.1:${live.port}`)
      expect(sim.log()).toEqual([])
      const before = await cli(["status", "--plan", plan, "--database", database, "--json"], env)
      expect(JSON.parse(before.stdout)).toMatchObject({ submitted: false, applied: 0 })

      // a runner stopped cleanly deregisters at once
      live.child.process.kill("SIGTERM")
      await live.child.exited
      expect(await onStore(database, RunnerCluster.liveMembers)).toEqual([])

      // while an apply runs in its own process (slow writes), a runner is refused
      sim.inject({ kind: "delay", millis: 1500, method: "PUT", times: Number.POSITIVE_INFINITY })
      const applying = start(
        ["apply", "--plan", plan, "--database", database, "--eci-url", sim.url, "--concurrency", "1", "--json"],
        env
      )
      children.push(applying)
      await until(
        "the apply to register",
        async () =>
          (await onStore(database, RunnerCluster.liveMembers)).some((m) => m.role === "in-process") ||
          applying.process.exitCode !== null
      )
      const beside = await runner(children, database, sim.url, [])
      expect((await beside.child.exited).code, beside.child.output()).toBe(2)
      expect(beside.child.output()).toContain("an apply running in its own process is live on this store")
      expect(await connects(beside.port)).toBe(false)

      const done = await applying.exited
      expect(done.code, applying.output()).toBe(0)
      for (const id of listIds) expect([...(sim.share(id)?.sharedUserIds ?? [])].sort()).toEqual([11, 12, 13])
      expect(await onStore(database, RunnerCluster.liveMembers)).toEqual([])
    } finally {
      await stopAll(children)
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)

  it("a runner killed with SIGKILL keeps the store closed to in-process applies until its registration expires", async () => {
    const listIds = [4400]
    const database = await freshDatabase("killed")
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir()
    const children: Array<Child> = []
    try {
      const plan = await writePlan(sim, dir, listIds)
      const live = await runner(children, database, sim.url, ["--shard-lock-expiration", "20"])
      expect(live.ready, live.child.output()).toBeDefined()
      live.child.process.kill("SIGKILL")
      await live.child.exited
      const left = await onStore(database, RunnerCluster.liveMembers)
      expect(left.map((m) => m.address)).toEqual([`127.0.0.1:${live.port}`])
      expect(left[0]?.expiresInSeconds).toBeLessThanOrEqual(20)
      await until("the killed runner's registration to expire", async () =>
        (await onStore(database, RunnerCluster.liveMembers)).every((m) => m.address !== `127.0.0.1:${live.port}`)
      )
      const applied = await cli(["apply", "--plan", plan, "--database", database, "--eci-url", sim.url, "--json"], env)
      expect(applied.code, applied.stdout + applied.stderr).toBe(0)
    } finally {
      await stopAll(children)
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)
})

describe("registrations in the store", () => {
  it("a live member's registration is renewed past its lifetime, and deleted when it stops", async () => {
    const database = await freshDatabase("heartbeat")
    const seen = await onStore(
      database,
      Effect.gen(function* () {
        yield* RunnerCluster.join({
          role: "runner",
          process: "heartbeat-test",
          address: "127.0.0.1:1",
          requested: { shardLockExpirationMillis: 2000 }
        })
        // three lifetimes: without renewal the registration would have expired twice over
        const started = Date.now()
        let checks = 0
        while (Date.now() - started < 6000) {
          const members = yield* RunnerCluster.liveMembers
          expect(members.map((m) => m.process)).toEqual(["heartbeat-test"])
          checks++
          yield* Effect.sleep("200 millis")
        }
        return checks
      }).pipe(Effect.scoped)
    )
    expect(seen).toBeGreaterThan(3)
    expect(await onStore(database, RunnerCluster.liveMembers)).toEqual([])
  }, 120_000)
})

describe("runner flags are checked before anything connects", () => {
  it("bad --runner-address / --shard-lock-expiration values exit 2 and leave the store and the provider untouched", async () => {
    const database = await freshDatabase("badflags")
    const sim = await Simulator.start({ seed: seedFor([4500]) })
    try {
      const base = ["runner", "--database", database, "--target", "eci", "--eci-url", sim.url, "--json"]
      const addresses = [
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "127.0.0.1",
        "::1:34431",
        "999.1.1.1:80",
        "$(touch /tmp/x):80",
        "user@host:80",
        "http://host:80"
      ]
      for (const address of addresses) {
        const result = await cli([...base, "--runner-address", address], env)
        expect(result.code, `${address}: ${result.stdout}${result.stderr}`).toBe(2)
        expect(JSON.parse(result.stdout), address).toMatchObject({ ok: false })
        expect(result.stdout, address).toContain("--runner-address")
      }
      for (const seconds of ["1", "3601"]) {
        const result = await cli(
          [...base, "--runner-address", "127.0.0.1:34431", "--shard-lock-expiration", seconds],
          env
        )
        expect(result.code, result.stdout + result.stderr).toBe(2)
        expect(result.stdout).toContain("--shard-lock-expiration")
      }
      const tables = await onStore(
        database,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql<{ readonly n: number | string }>`SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'public'`
        )
      )
      expect(Number(tables[0]?.n)).toBe(0)
      expect(sim.log()).toEqual([])
      // the library's layers check the same before touching the store
      const url = Redacted.make(database)
      const built = <A, E>(layer: Layer.Layer<A, E>): Effect.Effect<void, unknown> =>
        Layer.build(layer).pipe(Effect.asVoid, Effect.scoped)
      const refusals = [
        built(
          DurableApply.layerRunner(
            { database: url, runnerAddress: { host: "127.0.0.1", port: 70_000 } },
            MemoryProvider.make()
          )
        ),
        built(
          DurableApply.layerRunner(
            { database: url, runnerAddress: { host: "a b", port: 34431 } },
            MemoryProvider.make()
          )
        ),
        built(DurableApply.layerSubmitter({ database: url, shardsPerGroup: 0 })),
        built(DurableApply.layerSubmitter({ database: url, shardLockExpirationMillis: 10 })),
        built(DurableApply.layerPostgres({ database: url, shardsPerGroup: 1.5 }, MemoryProvider.make()))
      ]
      for (const refusal of refusals) {
        const exit = await Effect.runPromiseExit(refusal)
        expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain('"_tag":"InvalidClusterOptions"')
      }
      const after = await onStore(
        database,
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql<{ readonly n: number | string }>`SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'public'`
        )
      )
      expect(Number(after[0]?.n)).toBe(0)
    } finally {
      await sim.close()
    }
  }, 300_000)
})
