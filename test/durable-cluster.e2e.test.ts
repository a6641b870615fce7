/**
 * The processes sharing one PostgreSQL run store, through the real `unishare` command: runners and
 * submitters take their settings from their flags only (never from the environment), agree them
 * through the store, and an apply in its own process never runs beside live runners.
 */
import * as Fs from "node:fs"
import * as Net from "node:net"
import { MemoryProvider } from "@unishare/core"
import * as Simulator from "@unishare/eci/simulator"
import { DurableApply, RunnerCluster } from "@unishare/migration"
import { Effect, Exit, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { describe, expect, it } from "vitest"
import { type Child, cli, freePort, running, start, startRunner, stopAll, until } from "./support/cli.ts"
import { freshDatabase, onStore, tablesOf } from "./support/database.ts"
import { apiKey, holdWrites, seedFor, tempDir, writePlan } from "./support/eciPlan.ts"
import { innerHangGuardMillis } from "./support/hangGuard.ts"

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

const connects = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = Net.connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

describe("runner and submitter settings come from their flags only", () => {
  it("with every sharding variable of the environment set to hostile values, a runner listens on --runner-address and a submitted run completes", async () => {
    const listIds = [4100, 4101, 4102, 4103]
    const database = await freshDatabase("hostile")
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("cluster")
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
  })
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
  })
})

describe("an apply without --submit never runs beside live runners", () => {
  it("refused (exit 2, pointing to --submit, nothing written or stored) while a runner is live; accepted once it stopped; a runner is refused while such an apply runs", async () => {
    const listIds = [4300, 4301, 4302]
    const database = await freshDatabase("inprocess")
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("cluster")
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

      // while an apply runs in its own process (its writes held in flight), a runner is refused
      const writes = holdWrites(sim)
      const applying = start(
        ["apply", "--plan", plan, "--database", database, "--eci-url", sim.url, "--concurrency", "1", "--json"],
        env
      )
      children.push(applying)
      await until("the apply to write", () => sim.held() > 0 || !running(applying))
      expect(sim.held(), applying.output()).toBe(1)
      expect((await onStore(database, RunnerCluster.liveMembers)).map((m) => m.role)).toEqual(["in-process"])
      const beside = await runner(children, database, sim.url, [])
      expect((await beside.child.exited).code, beside.child.output()).toBe(2)
      expect(beside.child.output()).toContain("an apply running in its own process is live on this store")
      expect(await connects(beside.port)).toBe(false)
      expect(running(applying), applying.output()).toBe(true)
      writes.release()

      const done = await applying.exited
      expect(done.code, applying.output()).toBe(0)
      for (const id of listIds) expect([...(sim.share(id)?.sharedUserIds ?? [])].sort()).toEqual([11, 12, 13])
      expect(await onStore(database, RunnerCluster.liveMembers)).toEqual([])
    } finally {
      await stopAll(children)
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it("a runner killed with SIGKILL keeps the store closed to in-process applies until its registration expires", async () => {
    const listIds = [4400]
    const database = await freshDatabase("killed")
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("cluster")
    const children: Array<Child> = []
    try {
      const plan = await writePlan(sim, dir, listIds)
      // the shortest lifetime the command accepts: the test waits it out
      const live = await runner(children, database, sim.url, ["--shard-lock-expiration", "2"])
      expect(live.ready, live.child.output()).toBeDefined()
      const address = `127.0.0.1:${live.port}`
      // PostgreSQL's now() is the start of the transaction: pinned just before the kill, it shows what
      // an apply joining before the registration expires finds in the store the killed runner left
      const atKill = await onStore(
        database,
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return yield* sql.withTransaction(
            Effect.gen(function* () {
              yield* sql`SELECT now()`
              yield* Effect.promise(async () => {
                live.child.process.kill("SIGKILL")
                await live.child.exited
              })
              const left = yield* RunnerCluster.liveMembers
              const joined = yield* Effect.exit(
                Effect.scoped(RunnerCluster.join({ role: "in-process", process: "probe", requested: {} }))
              )
              return { left, joined }
            })
          )
        })
      )
      // SIGKILL leaves the registration behind (a clean stop deletes it), and it closes the store
      expect(atKill.left.map((m) => m.address)).toEqual([address])
      expect(atKill.left[0]?.expiresInSeconds).toBeLessThanOrEqual(2)
      const refusal = Exit.isFailure(atKill.joined) ? JSON.stringify(atKill.joined.cause) : "joined"
      expect(refusal).toContain('"_tag":"StoreInUse"')
      expect(refusal).toContain(`runner(s) are live on this store: ${address}`)
      await until("the killed runner's registration to expire", async () =>
        (await onStore(database, RunnerCluster.liveMembers)).every((m) => m.address !== address)
      )
      const applied = await cli(["apply", "--plan", plan, "--database", database, "--eci-url", sim.url, "--json"], env)
      expect(applied.code, applied.stdout + applied.stderr).toBe(0)
    } finally {
      await stopAll(children)
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("registrations in the store", () => {
  it("a live member's registration is renewed past its lifetime, and deleted when it stops", async () => {
    const database = await freshDatabase("heartbeat")
    await onStore(
      database,
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        // the shortest lifetime a registration accepts
        yield* RunnerCluster.join({
          role: "runner",
          process: "heartbeat-test",
          address: "127.0.0.1:1",
          requested: { shardLockExpirationMillis: 1000 }
        })
        const registered = yield* sql<{
          readonly expires: string
        }>`SELECT expires_at::text AS expires FROM unishare_cluster_members`
        const first = registered[0]?.expires ?? ""
        // the lifetime runs on PostgreSQL's clock (expires_at > now()), which no clock of this process
        // drives: wait until the store's clock is past the first expiry and the member is still live
        const past = sql<{ readonly past: boolean }>`SELECT now() > ${first}::timestamptz AS past`
        const renewed = Effect.gen(function* () {
          for (;;) {
            if ((yield* past)[0]?.past === true) {
              const members = yield* RunnerCluster.liveMembers
              if (members.some((m) => m.process === "heartbeat-test")) return members
            }
            yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
          }
        })
        const members = yield* renewed.pipe(Effect.timeout(innerHangGuardMillis))
        expect(members.map((m) => m.process)).toEqual(["heartbeat-test"])
      }).pipe(Effect.scoped)
    )
    expect(await onStore(database, RunnerCluster.liveMembers)).toEqual([])
  })
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
      // independent runs, each refused before it connects: run together
      const byAddress = await Promise.all(addresses.map((address) => cli([...base, "--runner-address", address], env)))
      addresses.forEach((address, i) => {
        const result = byAddress[i]!
        expect(result.code, `${address}: ${result.stdout}${result.stderr}`).toBe(2)
        expect(JSON.parse(result.stdout), address).toMatchObject({ ok: false })
        expect(result.stdout, address).toContain("--runner-address")
      })
      const bySeconds = await Promise.all(
        ["1", "3601"].map((seconds) =>
          cli([...base, "--runner-address", "127.0.0.1:34431", "--shard-lock-expiration", seconds], env)
        )
      )
      for (const result of bySeconds) {
        expect(result.code, result.stdout + result.stderr).toBe(2)
        expect(result.stdout).toContain("--shard-lock-expiration")
      }
      expect(await tablesOf(database)).toEqual([])
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
      expect(await tablesOf(database)).toEqual([])
    } finally {
      await sim.close()
    }
  })
})
