/**
 * @unishare/fleet — fleet-safe writes for backends that run several instances: a PostgreSQL-backed
 * `KeyedLock` and a shared request budget per credential (core's `RateLimiter.Store` on SQL), as
 * one layer; and `effect/persistence`'s `RateLimiterStore` on SQL for code that uses effect's limiter.
 *
 * @example
 * ```ts
 * import { Fleet, LayerClosed, SqlBudgetStore, SqlKeyedLock, SqlRateLimiterStore } from "@unishare/fleet"
 * ```
 * @since 0.1.0
 */
export * as Fleet from "./Fleet.ts"
export * as LayerClosed from "./LayerClosed.ts"
export * as SqlBudgetStore from "./SqlBudgetStore.ts"
export * as SqlKeyedLock from "./SqlKeyedLock.ts"
export * as SqlRateLimiterStore from "./SqlRateLimiterStore.ts"
