import { assert, describe, it } from "@effect/vitest"
import { KeyedLock } from "@unishare/core"
import { SqlKeyedLock, SqlRateLimiterStore } from "@unishare/fleet"
import { Deferred, Duration, Effect, Exit, Fiber, Layer } from "effect"
import { RateLimiter } from "effect/persistence"
import { SqlClient } from "effect/sql"
import { pg } from "./support.ts"

/** Two lock tables on two separate pools: two "processes" as far as PostgreSQL can tell. */
const twoLocks = (options: SqlKeyedLock.Options) =>
  Effect.gen(function* () {
    const a = yield* SqlKeyedLock.make(options).pipe(Effect.provideContext(yield* Layer.build(pg())))
    const b = yield* SqlKeyedLock.make(options).pipe(Effect.provideContext(yield* Layer.build(pg())))
    return { a, b }
  })

const namespace = () => `test-${Math.random().toString(36).slice(2)}`

describe("SqlKeyedLock", () => {
  it.live("serializes holders of one key across sessions, not of different keys", () =>
    Effect.gen(function* () {
      const { a, b } = yield* twoLocks({ namespace: namespace() })
      const events: Array<string> = []
      const held = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const first = yield* a
        .withLock(
          "list:42",
          Effect.gen(function* () {
            events.push("a in")
            yield* Deferred.succeed(held, undefined)
            yield* Deferred.await(release)
            events.push("a out")
          })
        )
        .pipe(Effect.forkScoped)
      yield* Deferred.await(held)
      // another key is free at once
      yield* b.withLock(
        "list:43",
        Effect.sync(() => events.push("b other key"))
      )
      const second = yield* b
        .withLock(
          "list:42",
          Effect.sync(() => events.push("b in"))
        )
        .pipe(Effect.forkScoped)
      yield* Effect.sleep(Duration.millis(300))
      assert.deepStrictEqual(events, ["a in", "b other key"])
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      assert.deepStrictEqual(events, ["a in", "b other key", "a out", "b in"])
    }).pipe(Effect.scoped)
  )

  it.live("fails with LockUnavailable when another process keeps the lock past acquireTimeout", () =>
    Effect.gen(function* () {
      const { a, b } = yield* twoLocks({ namespace: namespace(), acquireTimeout: "200 millis" })
      const held = yield* Deferred.make<void>()
      const holder = yield* a
        .withLock("list:42", Effect.andThen(Deferred.succeed(held, undefined), Effect.never))
        .pipe(Effect.forkScoped)
      yield* Deferred.await(held)
      const exit = yield* Effect.exit(b.withLock("list:42", Effect.succeed("never runs")))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      assert.strictEqual(error?._tag, "Fail")
      const failure = error?._tag === "Fail" ? error.error : undefined
      assert.instanceOf(failure, KeyedLock.LockUnavailable)
      assert.match((failure as KeyedLock.LockUnavailable).message, /still held by another process after 200 ms/)
      yield* Fiber.interrupt(holder)
      // released by the holder's interruption: the other process gets it now
      assert.strictEqual(yield* b.withLock("list:42", Effect.succeed("ran")), "ran")
    }).pipe(Effect.scoped)
  )

  it.live("a holder whose connection dies loses the lock: its effect is interrupted with LockUnavailable", () =>
    Effect.gen(function* () {
      const ns = namespace()
      const lock = yield* SqlKeyedLock.make({ namespace: ns, heartbeat: "100 millis" }).pipe(
        Effect.provideContext(yield* Layer.build(pg()))
      )
      const held = yield* Deferred.make<void>()
      const holder = yield* lock
        .withLock("list:42", Effect.andThen(Deferred.succeed(held, undefined), Effect.never))
        .pipe(Effect.forkScoped)
      yield* Deferred.await(held)
      const sql = yield* SqlClient.SqlClient
      yield* sql`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()`
      const exit = yield* Fiber.await(holder)
      assert.isTrue(Exit.isFailure(exit))
      const reason = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      const failure = reason?._tag === "Fail" ? reason.error : undefined
      assert.instanceOf(failure, KeyedLock.LockUnavailable)
      assert.match((failure as KeyedLock.LockUnavailable).message, /lost the lock/)
    }).pipe(Effect.provide(pg()), Effect.scoped)
  )
})

/** A limiter on its own pool and store instance (another "process"), sharing the table. */
const limiter = Effect.gen(function* () {
  const store = yield* SqlRateLimiterStore.make({ table: "rate_limits_test" }).pipe(
    Effect.provideContext(yield* Layer.build(pg(2)))
  )
  return yield* RateLimiter.make.pipe(Effect.provideService(RateLimiter.RateLimiterStore, store))
})

const key = () => `k-${Math.random().toString(36).slice(2)}`

describe("SqlRateLimiterStore", () => {
  it.live("fixed window: the limit holds across processes; past it, RateLimitExceeded with a retry delay", () =>
    Effect.gen(function* () {
      const [a, b] = [yield* limiter, yield* limiter]
      const k = key()
      const options = { key: k, limit: 5, window: "10 seconds" as const }
      for (const l of [a, b, a, b, a]) yield* l.consume(options)
      const exit = yield* Effect.exit(b.consume(options))
      assert.isTrue(Exit.isFailure(exit))
      const reason = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
      const error = reason?._tag === "Fail" ? reason.error : undefined
      assert.strictEqual(error?.reason._tag, "RateLimitExceeded")
      const retryAfter = error?.reason._tag === "RateLimitExceeded" ? Duration.toMillis(error.reason.retryAfter) : 0
      assert.isTrue(retryAfter > 5_000 && retryAfter <= 10_000, `retryAfter ${retryAfter}`)
    }).pipe(Effect.scoped)
  )

  it.live("fixed window with delay: each consumption past the limit is delayed by one more window", () =>
    Effect.gen(function* () {
      const [a, b] = [yield* limiter, yield* limiter]
      const k = key()
      const options = { key: k, limit: 2, window: "4 seconds" as const, onExceeded: "delay" as const }
      // when each consumption may go, relative to the first (the calls themselves take time)
      const sendAt: Array<number> = []
      for (const l of [a, b, a, b, a]) {
        const at = Date.now()
        sendAt.push(at + Duration.toMillis((yield* l.consume(options)).delay))
      }
      const start = sendAt[0] ?? 0
      const expected = [0, 0, 4_000, 4_000, 8_000]
      sendAt.forEach((t, i) => {
        assert.isTrue(Math.abs(t - start - (expected[i] ?? 0)) < 250, `consumption ${i} at +${t - start} ms`)
      })
    }).pipe(Effect.scoped)
  )

  it.live("token bucket: the bucket is shared; an empty bucket fails, overflow delays", () =>
    Effect.gen(function* () {
      const [a, b] = [yield* limiter, yield* limiter]
      const k = key()
      const options = { key: k, limit: 3, window: "30 seconds" as const, algorithm: "token-bucket" as const }
      assert.strictEqual((yield* a.consume(options)).remaining, 2)
      assert.strictEqual((yield* b.consume(options)).remaining, 1)
      assert.strictEqual((yield* a.consume(options)).remaining, 0)
      assert.isTrue(Exit.isFailure(yield* Effect.exit(b.consume(options))))
      const delayed = yield* b.consume({ ...options, onExceeded: "delay" })
      assert.isTrue(Duration.toMillis(delayed.delay) > 5_000)
    }).pipe(Effect.scoped)
  )

  it.live("adaptive: a 429 seen by one process puts every process in cooldown for Retry-After", () =>
    Effect.gen(function* () {
      const [a, b] = [yield* limiter, yield* limiter]
      const k = key()
      const consume = { key: k, tokens: 1, fallbackLimit: 10, fallbackWindow: Duration.seconds(10) }
      const before = yield* a.adaptiveConsume(consume)
      assert.strictEqual(before.phase, "inactive")
      yield* a.adaptiveFeedback({ key: k, epoch: 0, tokens: 1, status: 429, retryAfter: Duration.seconds(3) })
      const after = yield* b.adaptiveConsume(consume)
      assert.strictEqual(after.phase, "cooldown")
      assert.isTrue(Duration.toMillis(after.delay) > 2_000 && Duration.toMillis(after.delay) <= 3_000)
    }).pipe(Effect.scoped)
  )
})
