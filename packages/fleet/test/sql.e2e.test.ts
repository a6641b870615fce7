import { assert, describe, it } from "@effect/vitest"
import { RateLimiter as Budget, KeyedLock } from "@unishare/core"
import { SqlBudgetStore, SqlKeyedLock, SqlRateLimiterStore } from "@unishare/fleet"
import { Deferred, Duration, Effect, Exit, Fiber, Layer } from "effect"
import { RateLimiter } from "effect/persistence"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { contendedLocks, databaseUrl, pg, tcpProxy, until } from "./support.ts"

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
      const ns = namespace()
      const { a, b } = yield* twoLocks({ namespace: ns })
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
      // b's session waits in PostgreSQL for the key a holds (an event, not a pause)
      yield* until(
        "b to wait for the lock a holds",
        Effect.map(contendedLocks(`${ns}:list:42`), (n) => n > 0)
      ).pipe(Effect.provide(pg(1)))
      assert.deepStrictEqual(events, ["a in", "b other key"])
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      assert.deepStrictEqual(events, ["a in", "b other key", "a out", "b in"])
    }).pipe(Effect.scoped)
  )

  it.live("fails with LockUnavailable when another process keeps the lock past acquireTimeout", () =>
    Effect.gen(function* () {
      const ns = namespace()
      const { a, b } = yield* twoLocks({ namespace: ns, acquireTimeout: "200 millis", requestDeadline: "100 millis" })
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
      assert.isUndefined((failure as KeyedLock.LockUnavailable).maybeApplied)
      yield* Fiber.interrupt(holder)
      // the interrupted holder's lease ends requestDeadline later: then the other process gets it
      const patient = yield* SqlKeyedLock.make({ namespace: ns, acquireTimeout: "10 minutes" }).pipe(
        Effect.provideContext(yield* Layer.build(pg()))
      )
      assert.strictEqual(yield* patient.withLock("list:42", Effect.succeed("ran")), "ran")
    }).pipe(Effect.scoped)
  )

  it.live(
    "a holder that finishes frees the key at once; an interrupted one keeps it for requestDeadline (a write in flight may still land)",
    () =>
      Effect.gen(function* () {
        const ns = namespace()
        const lock = yield* SqlKeyedLock.make({ namespace: ns, requestDeadline: "1 hour" }).pipe(
          Effect.provideContext(yield* Layer.build(pg()))
        )
        const sql = yield* SqlClient.SqlClient
        const lease = (key: string) =>
          sql<{
            readonly left: number
          }>`SELECT extract(epoch FROM until - now())::float8 AS left FROM unishare_locks WHERE key = ${`${ns}:${key}`}`
        assert.strictEqual(yield* lock.withLock("done", Effect.succeed(1)), 1)
        assert.deepStrictEqual(yield* lease("done"), [])
        const held = yield* Deferred.make<void>()
        const holder = yield* lock
          .withLock("interrupted", Effect.andThen(Deferred.succeed(held, undefined), Effect.never))
          .pipe(Effect.forkScoped)
        yield* Deferred.await(held)
        // while held: the lease runs requestDeadline + 2 heartbeats (1 h + 10 s) from the last renewal
        assert.isAbove((yield* lease("interrupted"))[0]?.left ?? 0, 3600)
        yield* Fiber.interrupt(holder)
        const left = (yield* lease("interrupted"))[0]?.left ?? 0
        assert.isAbove(left, 0)
        assert.isAtMost(left, 3600)
      }).pipe(Effect.provide(pg(1)), Effect.scoped)
  )

  // the holder's own clock is the virtual one: the test moves it past two heartbeats after the
  // database became unreachable (a proxy in front of it is cut); the database's clock is real
  it.effect(
    "a holder that cannot renew its lease for two heartbeats is stopped with LockUnavailable { maybeApplied: true }; its lease outlives it",
    () =>
      Effect.gen(function* () {
        const ns = namespace()
        const proxy = yield* Effect.acquireRelease(
          Effect.promise(() => tcpProxy(databaseUrl())),
          (p) => Effect.promise(() => p.close())
        )
        const lock = yield* SqlKeyedLock.make({ namespace: ns, requestDeadline: "1 hour" }).pipe(
          Effect.provideContext(yield* Layer.build(pg(2, proxy.url)))
        )
        const held = yield* Deferred.make<void>()
        const holder = yield* lock
          .withLock("list:42", Effect.andThen(Deferred.succeed(held, undefined), Effect.never))
          .pipe(Effect.forkScoped)
        yield* Deferred.await(held)
        proxy.cut()
        // one heartbeat: a renewal fails; no second chance comes before two heartbeats have passed
        yield* TestClock.adjust("5 seconds")
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
        assert.isUndefined(holder.pollUnsafe())
        for (let i = 0; i < 600 && holder.pollUnsafe() === undefined; i++) {
          yield* TestClock.adjust("1 second")
          yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10)))
        }
        const exit = yield* Fiber.await(holder)
        const reason = Exit.isFailure(exit) ? exit.cause.reasons[0] : undefined
        const failure = reason?._tag === "Fail" ? reason.error : undefined
        assert.instanceOf(failure, KeyedLock.LockUnavailable)
        assert.match((failure as KeyedLock.LockUnavailable).message, /could not be renewed for 10000 ms/)
        assert.isTrue((failure as KeyedLock.LockUnavailable).maybeApplied)
        // the lease was neither freed nor shortened (the database was out of reach): nobody else can
        // start while a request of the stopped holder may still land
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{
          readonly left: number
        }>`SELECT extract(epoch FROM until - now())::float8 AS left FROM unishare_locks WHERE key = ${`${ns}:list:42`}`
        assert.isAbove(rows[0]?.left ?? 0, 1800)
      }).pipe(Effect.provide(pg(1)), Effect.scoped)
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

/**
 * Runs `effect` between two readings of this machine's clock. The store computes with the
 * database's clock (PostgreSQL runs on this machine, so it is the same clock): its reading lies
 * between the two, so a figure derived from it is checked against the interval they span. A slower
 * machine widens the interval; it never moves the exact value out of it.
 */
const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const before = Date.now()
    const value = yield* effect
    // Date.now() is whole milliseconds, the database's clock is not
    return { value, before: before - 1, after: Date.now() + 1 }
  })

const hour = 60 * 60 * 1_000
const day = 24 * hour

/** Windows of days: no window can end while a test runs, however slow the machine (hang guard: minutes). */
describe("SqlRateLimiterStore (the database's clock)", () => {
  it.live("fixed window: the limit holds across processes; past it, RateLimitExceeded with a retry delay", () =>
    Effect.gen(function* () {
      const [a, b] = [yield* limiter, yield* limiter]
      const options = { key: key(), limit: 5, window: "5 days" as const }
      const first = yield* timed(a.consume(options))
      for (const l of [b, a, b, a]) yield* l.consume(options)
      const last = yield* timed(Effect.exit(b.consume(options)))
      const reason = Exit.isFailure(last.value) ? last.value.cause.reasons[0] : undefined
      const error = reason?._tag === "Fail" ? reason.error : undefined
      assert.strictEqual(error?.reason._tag, "RateLimitExceeded")
      // the window ends 5 days after the first consumption
      const retryAfter = error?.reason._tag === "RateLimitExceeded" ? Duration.toMillis(error.reason.retryAfter) : 0
      assert.isAtLeast(retryAfter, 5 * day - (last.after - first.before))
      assert.isAtMost(retryAfter, 5 * day - (last.before - first.after))
    }).pipe(Effect.scoped)
  )

  it.live("fixed window with delay: each consumption past the limit is delayed by one more window", () =>
    Effect.gen(function* () {
      const [a, b] = [yield* limiter, yield* limiter]
      const window = 2 * day
      const options = { key: key(), limit: 2, window: "2 days" as const, onExceeded: "delay" as const }
      const calls = []
      for (const l of [a, b, a, b, a]) calls.push(yield* timed(l.consume(options)))
      const start = calls[0]!
      // may go: at once, at once, a window after the first, again, two windows after the first
      const windows = [0, 0, 1, 1, 2]
      for (const [i, call] of calls.entries()) {
        const delay = Duration.toMillis(call.value.delay)
        const n = windows[i] ?? 0
        if (n === 0) {
          assert.strictEqual(delay, 0, `consumption ${i}`)
          continue
        }
        // delay = the first consumption's time + n windows - this one's time
        assert.isAtLeast(delay, start.before + n * window - call.after, `consumption ${i}`)
        assert.isAtMost(delay, start.after + n * window - call.before, `consumption ${i}`)
      }
    }).pipe(Effect.scoped)
  )

  it.live("token bucket: the bucket is shared; an empty bucket fails, overflow delays until the next token", () =>
    Effect.gen(function* () {
      const [a, b] = [yield* limiter, yield* limiter]
      const options = { key: key(), limit: 3, window: "3 days" as const, algorithm: "token-bucket" as const }
      const first = yield* timed(a.consume(options))
      assert.strictEqual(first.value.remaining, 2)
      assert.strictEqual((yield* b.consume(options)).remaining, 1)
      assert.strictEqual((yield* a.consume(options)).remaining, 0)
      assert.isTrue(Exit.isFailure(yield* Effect.exit(b.consume(options))))
      // one token a day: the next one comes a day after the bucket was full
      const delayed = yield* timed(b.consume({ ...options, onExceeded: "delay" }))
      const delay = Duration.toMillis(delayed.value.delay)
      assert.isAtLeast(delay, day - (delayed.after - first.before))
      assert.isAtMost(delay, day - (delayed.before - first.after))
    }).pipe(Effect.scoped)
  )

  it.live("adaptive: a 429 seen by one process puts every process in cooldown for Retry-After", () =>
    Effect.gen(function* () {
      const [a, b] = [yield* limiter, yield* limiter]
      const k = key()
      const consume = { key: k, tokens: 1, fallbackLimit: 10, fallbackWindow: Duration.seconds(10) }
      const before = yield* a.adaptiveConsume(consume)
      assert.strictEqual(before.phase, "inactive")
      const feedback = yield* timed(
        a.adaptiveFeedback({ key: k, epoch: 0, tokens: 1, status: 429, retryAfter: Duration.hours(1) })
      )
      const after = yield* timed(b.adaptiveConsume(consume))
      assert.strictEqual(after.value.phase, "cooldown")
      const delay = Duration.toMillis(after.value.delay)
      assert.isAtLeast(delay, hour - (after.after - feedback.before))
      assert.isAtMost(delay, hour - (after.before - feedback.after))
    }).pipe(Effect.scoped)
  )
})

/** A budget store on its own pool (another "process"), sharing the table. */
const budgetStore = Effect.gen(function* () {
  return yield* SqlBudgetStore.make({ table: "rate_budgets_test" }).pipe(
    Effect.provideContext(yield* Layer.build(pg(2)))
  )
})

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

/**
 * On the virtual clock (`it.effect`): the budget's updates read the time from `TestClock`, which stands
 * still until the test moves it, so the schedule is exact however slow the machine or the database.
 */
describe("SqlBudgetStore (the shared client budget)", () => {
  it.effect("two processes on one budget plan exactly what one process would: every update atomic", () =>
    Effect.gen(function* () {
      const limit = { requests: 20, windowMillis: 5_000 }
      const k = key()
      const stores = [yield* budgetStore, yield* budgetStore]
      const total = 60
      let updated = 0
      const allPlanned = yield* Deferred.make<void>()
      const counting = (store: Budget.BudgetStore): Budget.BudgetStore => ({
        update: (key, f) =>
          Effect.tap(store.update(key, f), () =>
            ++updated === total ? Deferred.succeed(allPlanned, undefined) : Effect.void
          )
      })
      // 60 requests at once, alternately from each process, each with its own connection: each
      // makes one update (sent at once, or a time claimed to wake up at), then waits
      const fibers = yield* Effect.forEach(range(total), (i) =>
        Budget.acquire(k, limit).pipe(
          Effect.provideService(Budget.Store, counting(stores[i % 2]!)),
          Effect.forkChild({ startImmediately: true })
        )
      )
      // time stands still at 0 until every request has made its update
      yield* Deferred.await(allPlanned)
      // one process making the same 60 updates one after another
      const pace = Budget.paceOf(limit)
      let expected: Budget.State | undefined
      for (const _ of range(total)) {
        const [at, planned] = Budget.reserve(expected, pace, 0)
        expected = at <= 0 ? Budget.confirm(planned, pace, at, 0, 60_000)[1] : planned
      }
      const stored = yield* stores[0]!.update(k, (state) => [state, state ?? { recent: [], paceAt: 0, pausedUntil: 0 }])
      // a lost update (two processes updating from the same stored state) would repeat a time
      assert.deepStrictEqual(
        { inFlight: stored?.inFlight, claims: stored?.claims, paceAt: stored?.paceAt },
        { inFlight: expected?.inFlight, claims: expected?.claims, paceAt: expected?.paceAt }
      )
      yield* Fiber.interruptAll(fibers)
    }).pipe(Effect.scoped)
  )

  it.effect("a 429 seen by one process pauses the other for Retry-After plus the margin", () =>
    Effect.gen(function* () {
      const limit = { requests: 60, windowMillis: 5_000 }
      const k = key()
      const [a, b] = [yield* budgetStore, yield* budgetStore]
      yield* Budget.observe(k, limit, { status: 429, headers: {}, retryAfterMillis: 3_000 }).pipe(
        Effect.provideService(Budget.Store, a)
      )
      const next = yield* Budget.acquire(k, limit).pipe(
        Effect.provideService(Budget.Store, b),
        Effect.forkChild({ startImmediately: true })
      )
      yield* TestClock.adjust(3_000 + Budget.paceOf(limit).marginMillis)
      assert.strictEqual(yield* Fiber.join(next), 3_000 + Budget.paceOf(limit).marginMillis)
    }).pipe(Effect.scoped)
  )
})
