/**
 * @unishare/smartsheet — Smartsheet asset sharing (`/2.0/shares`): a native client, the neutral
 * `SharingProvider` adapter and (under `@unishare/smartsheet/simulator`) a simulator.
 *
 * @example
 * ```ts
 * import { Effect, Redacted, Stream } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import * as Smartsheet from "@unishare/smartsheet"
 * const program = Effect.gen(function* () {
 *   const provider = yield* Smartsheet.make({ token: Redacted.make("token"), region: "eu" })
 *   return yield* Stream.runCollect(provider.list(Smartsheet.asset("sheet", "4583173393803140")))
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 * @since 0.1.0
 */
import { type Errors as CoreErrors, SharingProvider } from "@unishare/core"
import { Config, Effect, Layer, Option } from "effect"
import type { HttpClient } from "effect/http"
import * as Client from "./Client.ts"
import * as Provider from "./Provider.ts"

export * as Client from "./Client.ts"
export * as Errors from "./Errors.ts"
export * as Provider from "./Provider.ts"
export * as Wire from "./Wire.ts"

/**
 * A Smartsheet asset as a neutral resource (`Provider.asset`).
 *
 * @example
 * ```ts
 * import * as Smartsheet from "@unishare/smartsheet"
 * Smartsheet.asset("sheet", "4583173393803140")
 * ```
 */
export const asset = Provider.asset

/**
 * Adapter configuration: the client's (token, region or baseUrl, integration source, retry,
 * rate limit) plus the provider's options.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type * as Smartsheet from "@unishare/smartsheet"
 * const config: Smartsheet.SmartsheetConfig = { token: Redacted.make("t"), region: "au" }
 * ```
 */
export interface SmartsheetConfig extends Client.Config, Provider.Options {}

/**
 * Builds the neutral provider (a plain value: several providers can live in one program).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import * as Smartsheet from "@unishare/smartsheet"
 * const provider = Smartsheet.make({ token: Redacted.make("t") }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 */
export const make = (
  config: SmartsheetConfig
): Effect.Effect<SharingProvider.Shape, CoreErrors.InvalidInput, HttpClient.HttpClient> =>
  Effect.map(Client.make(config), (client) => Provider.fromClient(client, config))

/**
 * The provider as the `SharingProvider` service.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import * as Smartsheet from "@unishare/smartsheet"
 * const live = Smartsheet.layer({ token: Redacted.make("t") }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 */
export const layer = (
  config: SmartsheetConfig
): Layer.Layer<SharingProvider.SharingProvider, CoreErrors.InvalidInput, HttpClient.HttpClient> =>
  Layer.effect(SharingProvider.SharingProvider, make(config))

const regions: ReadonlyArray<Client.Region> = ["us", "eu", "au", "gov"]

/**
 * The configuration read from the environment: `SMARTSHEET_ACCESS_TOKEN` (required, redacted),
 * `SMARTSHEET_REGION` (us, eu, au, gov), `SMARTSHEET_API_HOST` (a base URL, wins over the region)
 * and `SMARTSHEET_INTEGRATION_SOURCE`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Smartsheet from "@unishare/smartsheet"
 * const config = Effect.runSync(Smartsheet.config.pipe(Effect.orDie))
 * ```
 */
export const config: Config.Config<SmartsheetConfig> = Config.all({
  token: Config.Redacted("SMARTSHEET_ACCESS_TOKEN"),
  region: Config.option(Config.Literals(regions, "SMARTSHEET_REGION")),
  baseUrl: Config.option(Config.String("SMARTSHEET_API_HOST")),
  integrationSource: Config.option(Config.String("SMARTSHEET_INTEGRATION_SOURCE"))
}).pipe(
  Config.map(
    (c): SmartsheetConfig => ({
      token: c.token,
      ...(Option.isSome(c.region) ? { region: c.region.value } : {}),
      ...(Option.isSome(c.baseUrl) ? { baseUrl: c.baseUrl.value } : {}),
      ...(Option.isSome(c.integrationSource) ? { integrationSource: c.integrationSource.value } : {})
    })
  )
)

/**
 * `layer` configured from the environment (see `config`).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import * as Smartsheet from "@unishare/smartsheet"
 * const live = Smartsheet.layerConfig.pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 */
export const layerConfig: Layer.Layer<
  SharingProvider.SharingProvider,
  CoreErrors.InvalidInput | Config.ConfigError,
  HttpClient.HttpClient
> = Layer.effect(
  SharingProvider.SharingProvider,
  Effect.flatMap(config, (c) => make(c))
)
