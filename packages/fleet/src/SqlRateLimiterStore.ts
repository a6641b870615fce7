/**
 * `effect/persistence`'s `RateLimiterStore` kept in a SQL database, so that every process using
 * one database shares one budget per key (effect 4.1 ships memory and Redis stores only).
 *
 * Each call is one short transaction: the key's row is created if missing, locked
 * (`SELECT … FOR UPDATE` on PostgreSQL; SQLite serializes writers itself), read, advanced and
 * written back. The arithmetic is the same as effect's memory store (fixed window, token bucket,
 * adaptive cooldown / learning / learned), written here as pure state transitions. Time is the
 * database's clock on PostgreSQL, so processes on machines whose clocks disagree still share one
 * timeline. Expired rows are deleted now and then by the callers themselves.
 *
 * The table (`unishare_rate_limits` unless renamed) is created when the store is made (under an
 * advisory lock on PostgreSQL, as processes starting together would race on it).
 *
 * @since 0.1.0
 */
import { Duration, Effect, Layer, Random } from "effect"
import { RateLimiter } from "effect/persistence"
import { SqlClient, type SqlError } from "effect/sql"
import { createTable } from "./SqlBudgetStore.ts"

/**
 * Options of the store: `table` (default `"unishare_rate_limits"`; letters, digits and `_`).
 *
 * @example
 * ```ts
 * import type { SqlRateLimiterStore } from "@unishare/fleet"
 * const options: SqlRateLimiterStore.Options = { table: "billing_rate_limits" }
 * ```
 */
export interface Options {
  readonly table?: string | undefined
}

interface Counter {
  readonly count: number
  readonly expiresAt: number
}
interface Bucket {
  readonly tokens: number
  readonly lastRefill: number
}
interface Adaptive {
  readonly phase: "cooldown" | "learning" | "learned"
  readonly epoch: number
  readonly cooldownUntil: number
  readonly learningStartedAt: number
  readonly observedTokens: number
  readonly learnedLimit: number
  readonly learnedWindowMillis: number
  readonly expiresAt: number
}

/** A transition: the result for the caller, and the row to store (`undefined`: leave it as it was). */
type Step<S, A> = readonly [result: A, next: { readonly state: S; readonly expiresAt: number } | undefined]

const graceMillis = 60_000
const maxWindowMillis = 60 * 60 * 1_000
const clampWindow = (millis: number) => (Number.isNaN(millis) || millis <= 0 ? 1 : Math.min(millis, maxWindowMillis))

const fixedWindowStep = (
  current: Counter | undefined,
  now: number,
  o: { readonly tokens: number; readonly refillMillis: number; readonly limit: number | undefined }
): Step<Counter, readonly [number, number]> => {
  const counter = current === undefined || current.expiresAt <= now ? { count: 0, expiresAt: now } : current
  if (o.limit !== undefined && o.limit > 0 && counter.count + o.tokens > o.limit) {
    return [[counter.count + o.tokens, counter.expiresAt - now], undefined]
  }
  const next = { count: counter.count + o.tokens, expiresAt: counter.expiresAt + o.refillMillis * o.tokens }
  return [[next.count, next.expiresAt - now], { state: next, expiresAt: next.expiresAt }]
}

const tokenBucketStep = (
  current: Bucket | undefined,
  now: number,
  o: { readonly tokens: number; readonly refillMillis: number; readonly limit: number; readonly allowOverflow: boolean }
): Step<Bucket, readonly [number, number]> => {
  let tokens = current?.tokens ?? o.limit
  let lastRefill = current?.lastRefill ?? now
  const toAdd = Math.floor((now - lastRefill) / o.refillMillis)
  if (toAdd > 0) {
    tokens = Math.min(o.limit, tokens + toAdd)
    lastRefill += toAdd * o.refillMillis
  }
  if (tokens >= o.limit) lastRefill = now
  const remaining = tokens - o.tokens
  const stored = o.allowOverflow || remaining >= 0 ? remaining : tokens
  const elapsed = Math.max(0, now - lastRefill)
  // the row is worth keeping until the bucket is full again
  const ttl = Math.max(1, Math.ceil(Math.ceil(o.limit - stored) * o.refillMillis - elapsed))
  return [[remaining, elapsed], { state: { tokens: stored, lastRefill }, expiresAt: now + ttl }]
}

const adaptiveConsumeStep = (
  current: Adaptive | undefined,
  now: number,
  o: { readonly tokens: number; readonly fallbackWindowMillis: number }
): Step<Adaptive, RateLimiter.AdaptiveConsumeResult> => {
  const state = current === undefined || current.expiresAt <= now ? undefined : current
  if (state === undefined) return [{ delay: Duration.zero, epoch: 0, phase: "inactive" }, undefined]
  if (state.phase === "cooldown") {
    if (state.cooldownUntil > now) {
      return [{ delay: Duration.millis(state.cooldownUntil - now), epoch: state.epoch, phase: "cooldown" }, undefined]
    }
    const next: Adaptive = {
      ...state,
      phase: "learning",
      epoch: state.epoch + 1,
      learningStartedAt: now,
      observedTokens: o.tokens,
      expiresAt: now + o.fallbackWindowMillis + graceMillis
    }
    return [
      { delay: Duration.zero, epoch: next.epoch, phase: "learning" },
      { state: next, expiresAt: next.expiresAt }
    ]
  }
  if (state.phase === "learning") {
    const next = { ...state, observedTokens: state.observedTokens + o.tokens }
    return [
      { delay: Duration.zero, epoch: state.epoch, phase: "learning" },
      { state: next, expiresAt: next.expiresAt }
    ]
  }
  const refillMillis = state.learnedWindowMillis / state.learnedLimit
  const restart = state.cooldownUntil <= now
  const observedTokens = (restart ? 0 : state.observedTokens) + o.tokens
  const cooldownUntil = (restart ? now : state.cooldownUntil) + refillMillis * o.tokens
  const ttl = cooldownUntil - now
  const elapsed = observedTokens * refillMillis - ttl
  const windowNumber = Math.floor((observedTokens - 1) / state.learnedLimit)
  const remaining = windowNumber * state.learnedWindowMillis - elapsed
  const next = { ...state, observedTokens, cooldownUntil }
  return [
    { delay: remaining <= 0 ? Duration.zero : Duration.millis(remaining), epoch: state.epoch, phase: "learned" },
    { state: next, expiresAt: next.expiresAt }
  ]
}

const cooldown = (epoch: number, cooldownUntil: number): Adaptive => ({
  phase: "cooldown",
  epoch,
  cooldownUntil,
  learningStartedAt: 0,
  observedTokens: 0,
  learnedLimit: 0,
  learnedWindowMillis: 0,
  expiresAt: cooldownUntil + graceMillis
})

const adaptiveFeedbackStep = (
  current: Adaptive | undefined,
  now: number,
  o: { readonly epoch: number; readonly tokens: number; readonly retryAfterMillis: number }
): Step<Adaptive, void> => {
  const state = current === undefined || current.expiresAt <= now ? undefined : current
  const cooldownUntil = now + clampWindow(o.retryAfterMillis)
  const keep = (next: Adaptive): Step<Adaptive, void> => [undefined, { state: next, expiresAt: next.expiresAt }]
  if (state === undefined) return o.epoch === 0 ? keep(cooldown(0, cooldownUntil)) : [undefined, undefined]
  if (state.epoch !== o.epoch) return [undefined, undefined]
  if (state.phase === "cooldown") {
    const until = Math.max(state.cooldownUntil, cooldownUntil)
    return keep({ ...state, cooldownUntil: until, expiresAt: until + graceMillis })
  }
  if (state.phase === "learning") {
    const accepted = state.observedTokens - o.tokens
    if (accepted <= 0) return keep(cooldown(state.epoch, cooldownUntil))
    const learnedWindowMillis = clampWindow(now - state.learningStartedAt + clampWindow(o.retryAfterMillis))
    return keep({
      phase: "learned",
      epoch: state.epoch + 1,
      cooldownUntil: state.learningStartedAt + learnedWindowMillis,
      learningStartedAt: state.learningStartedAt,
      observedTokens: accepted,
      learnedLimit: accepted,
      learnedWindowMillis,
      expiresAt: now + learnedWindowMillis + graceMillis
    })
  }
  return keep(cooldown(state.epoch, cooldownUntil))
}

/**
 * Builds the store on the `SqlClient` in context, creating its table if missing.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { PgClient } from "@effect/sql-pg"
 * import { RateLimiter } from "effect/persistence"
 * import { SqlRateLimiterStore } from "@unishare/fleet"
 * const program = Effect.gen(function* () {
 *   const store = yield* SqlRateLimiterStore.make()
 *   const limiter = yield* RateLimiter.make.pipe(Effect.provideService(RateLimiter.RateLimiterStore, store))
 *   return yield* limiter.consume({ key: "eci:1a2b", limit: 60, window: "5 seconds", onExceeded: "delay" })
 * }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make("postgres://localhost/app") })))
 * ```
 */
export const make = (
  options: Options = {}
): Effect.Effect<RateLimiter.RateLimiterStore["Service"], SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const tableName = options.table ?? "unishare_rate_limits"
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tableName)) {
      return yield* Effect.die(new Error(`SqlRateLimiterStore: invalid table name ${JSON.stringify(tableName)}`))
    }
    const table = sql(tableName)
    const isPg = sql.onDialectOrElse({ pg: () => true, orElse: () => false })
    const create = sql`CREATE TABLE IF NOT EXISTS ${table} (
      kind TEXT NOT NULL,
      key TEXT NOT NULL,
      state TEXT NOT NULL,
      expires_at DOUBLE PRECISION NOT NULL,
      PRIMARY KEY (kind, key)
    )`
    yield* createTable(sql, tableName, create)

    const now: Effect.Effect<number, SqlError.SqlError> = isPg
      ? Effect.map(
          sql<{ readonly now: number | string }>`SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS now`,
          (rows) => Number(rows[0]?.now)
        )
      : Effect.clockWith((clock) => clock.currentTimeMillis)

    /** Runs one transition on the row (kind, key) inside a transaction. */
    const transact = <S, A>(
      kind: string,
      key: string,
      step: (current: S | undefined, now: number) => Step<S, A>,
      operation: string
    ): Effect.Effect<A, RateLimiter.RateLimiterError> =>
      sql
        .withTransaction(
          Effect.gen(function* () {
            const t = yield* now
            yield* sql`INSERT INTO ${table} (kind, key, state, expires_at) VALUES (${kind}, ${key}, 'null', 0) ON CONFLICT (kind, key) DO NOTHING`
            const rows = isPg
              ? yield* sql<{
                  readonly state: string
                  readonly expires_at: number
                }>`SELECT state, expires_at FROM ${table} WHERE kind = ${kind} AND key = ${key} FOR UPDATE`
              : yield* sql<{
                  readonly state: string
                  readonly expires_at: number
                }>`SELECT state, expires_at FROM ${table} WHERE kind = ${kind} AND key = ${key}`
            const row = rows[0]
            const current = row === undefined || Number(row.expires_at) <= t ? undefined : (JSON.parse(row.state) as S)
            const [result, next] = step(current ?? undefined, t)
            if (next !== undefined) {
              yield* sql`UPDATE ${table} SET state = ${JSON.stringify(next.state)}, expires_at = ${next.expiresAt} WHERE kind = ${kind} AND key = ${key}`
            }
            return [result, t] as const
          })
        )
        .pipe(
          Effect.tap(([, t]) =>
            // now and then, delete rows that expired a while ago (outside the transaction)
            Effect.flatMap(Random.nextBetween(0, 1), (r) =>
              r < 0.01 ? Effect.ignore(sql`DELETE FROM ${table} WHERE expires_at < ${t - graceMillis}`) : Effect.void
            )
          ),
          Effect.map(([result]) => result),
          Effect.mapError(
            (cause) =>
              new RateLimiter.RateLimiterError({
                reason: new RateLimiter.RateLimitStoreError({ message: `Failed to execute ${operation} in SQL`, cause })
              })
          )
        )

    return RateLimiter.RateLimiterStore.of({
      fixedWindow: (o) =>
        transact<Counter, readonly [number, number]>(
          "fixed",
          o.key,
          (current, t) =>
            fixedWindowStep(current, t, {
              tokens: o.tokens,
              refillMillis: Duration.toMillis(o.refillRate),
              limit: o.limit
            }),
          "fixedWindow"
        ),
      tokenBucket: (o) =>
        transact<Bucket, readonly [number, number]>(
          "bucket",
          o.key,
          (current, t) =>
            tokenBucketStep(current, t, {
              tokens: o.tokens,
              refillMillis: Duration.toMillis(o.refillRate),
              limit: o.limit,
              allowOverflow: o.allowOverflow
            }),
          "tokenBucket"
        ),
      adaptiveConsume: (o) =>
        transact<Adaptive, RateLimiter.AdaptiveConsumeResult>(
          "adaptive",
          o.key,
          (current, t) =>
            adaptiveConsumeStep(current, t, {
              tokens: o.tokens,
              fallbackWindowMillis: Duration.toMillis(o.fallbackWindow)
            }),
          "adaptiveConsume"
        ),
      adaptiveFeedback: (o) =>
        o.status !== 429 || o.retryAfter === undefined
          ? Effect.void
          : transact<Adaptive, void>(
              "adaptive",
              o.key,
              (current, t) =>
                adaptiveFeedbackStep(current, t, {
                  epoch: o.epoch,
                  tokens: o.tokens,
                  retryAfterMillis: Duration.toMillis(o.retryAfter ?? Duration.zero)
                }),
              "adaptiveFeedback"
            )
    })
  })

/**
 * The store as `effect/persistence`'s `RateLimiterStore` service.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { PgClient } from "@effect/sql-pg"
 * import { RateLimiter } from "effect/persistence"
 * import { SqlRateLimiterStore } from "@unishare/fleet"
 * const LimiterLive = RateLimiter.layer.pipe(
 *   Layer.provide(SqlRateLimiterStore.layer()),
 *   Layer.provide(PgClient.layer({ url: Redacted.make("postgres://localhost/app") }))
 * )
 * ```
 */
export const layer = (
  options: Options = {}
): Layer.Layer<RateLimiter.RateLimiterStore, SqlError.SqlError, SqlClient.SqlClient> =>
  Layer.effect(RateLimiter.RateLimiterStore, make(options))
