/**
 * `@unishare/eci` — EnergyCAP list sharing for unishare. EnergyCAP's API authenticates with the
 * `ECI-ApiKey` header, so it is often called "the ECI API"; this package is the adapter for it:
 *
 * - `Client`: the native typed EnergyCAP client (list share GET/PUT, lists, users, user groups and
 *   their members, with pagination and EnergyCAP filters);
 * - `Provider` / `make` / `layer`: the neutral `SharingProvider` (User, Group and Everyone grantees,
 *   one access level, read-modify-write with per-list locking and read-back verification, `replace`
 *   as one PUT);
 * - `@unishare/eci/simulator`: a local EnergyCAP simulator for tests and demos (not loaded by this entry).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Grantee } from "@unishare/core"
 * import * as Eci from "@unishare/eci"
 *
 * const program = Effect.gen(function* () {
 *   const energycap = yield* Eci.make({ apiKey: Redacted.make(process.env.ECI_API_KEY ?? ""), environment: "app" })
 *   return yield* energycap.grant(Eci.list(42), { grantee: Grantee.user({ email: "ada@example.com" }), level: "viewer" })
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 * @since 0.1.0
 */
import { type Errors as CoreErrors, KeyedLock, SharingProvider } from "@unishare/core"
import { Effect, Config as EffectConfig, Layer, Option } from "effect"
import type { HttpClient } from "effect/http"
import * as Client from "./Client.ts"
import * as Provider from "./Provider.ts"

export * as Client from "./Client.ts"
export * as Errors from "./Errors.ts"
export * as Filter from "./Filter.ts"
export * as Provider from "./Provider.ts"
export * as Wire from "./Wire.ts"

/**
 * A reference to an EnergyCAP list: `list(42)` → `{ provider: "eci", kind: "list", id: "42" }`.
 *
 * @example
 * ```ts
 * import * as Eci from "@unishare/eci"
 * Eci.list(42).id // "42"
 * ```
 */
export const list = Provider.list

/**
 * Adapter configuration: the `ECI-ApiKey` (`Redacted`), the environment (`app`, `wce`, `app-eu`,
 * `fed`, `implement`; default `app`) or an explicit `baseUrl`, the API version (default `v3`),
 * timeouts, retries and an optional client-side rate limit.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type * as Eci from "@unishare/eci"
 * const config: Eci.Config = { apiKey: Redacted.make("…"), environment: "app-eu" }
 * ```
 */
export type Config = Client.Config

/**
 * Builds the neutral provider (a plain value: several can live in one program). Writes to one list
 * are serialized with the `KeyedLock` service in the context when `make` runs (default: the
 * process-wide lock table; provide a shared one when several processes write to the same lists).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import * as Eci from "@unishare/eci"
 * const energycap = Eci.make({ apiKey: Redacted.make("…"), environment: "implement" })
 * ```
 */
export const make = (
  config: Config
): Effect.Effect<SharingProvider.Shape, CoreErrors.InvalidInput, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const client = yield* Client.make(config)
    const lock = yield* KeyedLock.KeyedLock
    return Provider.fromClient(client, lock)
  })

/**
 * The provider as the `SharingProvider` service, for single-provider programs.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import * as Eci from "@unishare/eci"
 * const EnergyCapLive = Eci.layer({ apiKey: Redacted.make("…") })
 * ```
 */
export const layer = (
  config: Config
): Layer.Layer<SharingProvider.SharingProvider, CoreErrors.InvalidInput, HttpClient.HttpClient> =>
  Layer.effect(SharingProvider.SharingProvider, make(config))

/**
 * The configuration read from the environment: `ECI_API_KEY` (required, redacted),
 * `ECI_ENVIRONMENT` (`app` | `wce` | `app-eu` | `fed` | `implement`), `ECI_BASE_URL`, `ECI_API_VERSION`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Eci from "@unishare/eci"
 * const config = Effect.gen(function* () { return yield* Eci.config })
 * ```
 */
export const config = EffectConfig.all({
  apiKey: EffectConfig.Redacted("ECI_API_KEY"),
  environment: EffectConfig.option(
    EffectConfig.Literals(Object.keys(Client.environments) as ReadonlyArray<Client.Environment>, "ECI_ENVIRONMENT")
  ),
  baseUrl: EffectConfig.option(EffectConfig.String("ECI_BASE_URL")),
  apiVersion: EffectConfig.option(EffectConfig.String("ECI_API_VERSION"))
}).pipe(
  EffectConfig.map(
    (c): Config => ({
      apiKey: c.apiKey,
      environment: Option.getOrUndefined(c.environment),
      baseUrl: Option.getOrUndefined(c.baseUrl),
      apiVersion: Option.getOrUndefined(c.apiVersion)
    })
  )
)

/**
 * `layer` configured from the environment (see `config`).
 *
 * @example
 * ```ts
 * import { FetchHttpClient } from "effect/http"
 * import { Layer } from "effect"
 * import * as Eci from "@unishare/eci"
 * const Live = Eci.layerConfig.pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 */
export const layerConfig: Layer.Layer<
  SharingProvider.SharingProvider,
  CoreErrors.InvalidInput | EffectConfig.ConfigError,
  HttpClient.HttpClient
> = Layer.effect(SharingProvider.SharingProvider, Effect.flatMap(config, make))
