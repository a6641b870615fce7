/**
 * The fleet's layers own their database pool: when a layer's scope closes, the pool closes with it.
 * A lock or budget used after that would fail on the closed pool with an untyped interrupt (the
 * misuse: `Fleet.layer` provided to the effect that makes a provider, not to the program that uses
 * it). `whenClosed` lets a layer's service notice and fail with its own typed error naming the cause.
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"

/**
 * Why a lock or budget from a closed fleet layer is unavailable, and what to do about it.
 *
 * @example
 * ```ts
 * import { LayerClosed } from "@unishare/fleet"
 * LayerClosed.message.includes("Fleet.layer") // true
 * ```
 */
export const message =
  "the fleet layer that provided it has closed, and its database pool with it: provide Fleet.layer to the whole program that uses the provider (Effect.provide on the program), not to the effect that makes the provider"

/**
 * In a layer's construction: a function telling whether the layer's scope has closed since.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { LayerClosed } from "@unishare/fleet"
 * const guarded = Effect.gen(function* () {
 *   const closed = yield* LayerClosed.watch
 *   return (key: string) => (closed() ? Effect.fail(new Error(LayerClosed.message)) : Effect.succeed(key))
 * })
 * ```
 */
export const watch: Effect.Effect<() => boolean, never, Scope.Scope> = Effect.gen(function* () {
  let closed = false
  yield* Effect.addFinalizer(() =>
    Effect.sync(() => {
      closed = true
    })
  )
  return () => closed
})
