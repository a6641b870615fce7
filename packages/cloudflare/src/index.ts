/**
 * `@unishare/cloudflare`: Cloudflare Resource Sharing for unishare — the native client for all 21
 * operations, the neutral `SharingProvider`, and (under `@unishare/cloudflare/simulator`) a local
 * simulator of the API.
 *
 * @example
 * ```ts
 * import { Effect, Redacted, Stream } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import * as Cloudflare from "@unishare/cloudflare"
 * const program = Effect.gen(function* () {
 *   const provider = yield* Cloudflare.make({ credentials: Cloudflare.Client.apiToken(Redacted.make("token")) })
 *   return yield* Stream.runCollect(provider.list(Cloudflare.share("023e105f4ecef8ad9ca31a8372d0c353", "3fd85f74b32742f1bff64a85009dda07")))
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 * @since 0.1.0
 */
import { type Errors, SharingProvider } from "@unishare/core"
import { Config, Effect, Layer, Option } from "effect"
import type { HttpClient } from "effect/http"
import * as Client from "./Client.ts"
import * as Provider from "./Provider.ts"

export * as Client from "./Client.ts"
export * as Errors from "./Errors.ts"
export * as Provider from "./Provider.ts"
export * as Wire from "./Wire.ts"

/**
 * A reference to a Cloudflare share: `{ provider: "cloudflare", kind: "share", id: shareId, parent: accountId }`.
 *
 * @example
 * ```ts
 * import * as Cloudflare from "@unishare/cloudflare"
 * Cloudflare.share("023e105f4ecef8ad9ca31a8372d0c353", "3fd85f74b32742f1bff64a85009dda07")
 * ```
 */
export const share = Provider.share

/**
 * Builds the neutral provider.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import * as Cloudflare from "@unishare/cloudflare"
 * const provider = Cloudflare.make({ credentials: Cloudflare.Client.apiToken(Redacted.make("token")) })
 * ```
 */
export const make = (
  config: Provider.Config
): Effect.Effect<SharingProvider.Shape, Errors.InvalidInput, HttpClient.HttpClient> => Provider.make(config)

/**
 * The provider as the `SharingProvider` service.
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import * as Cloudflare from "@unishare/cloudflare"
 * const layer = Cloudflare.layer({ credentials: Cloudflare.Client.apiToken(Redacted.make("token")) })
 * ```
 */
export const layer = (
  config: Provider.Config
): Layer.Layer<SharingProvider.SharingProvider, Errors.InvalidInput, HttpClient.HttpClient> =>
  Layer.effect(SharingProvider.SharingProvider, make(config))

/**
 * Reads the configuration from the environment: `CLOUDFLARE_API_TOKEN`, or `CLOUDFLARE_EMAIL` +
 * `CLOUDFLARE_API_KEY` (all `Redacted`); optional `CLOUDFLARE_BASE_URL` and `CLOUDFLARE_ACCOUNT_IDS`
 * (comma-separated, for `listResources`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Cloudflare from "@unishare/cloudflare"
 * const read = Effect.flatMap(Cloudflare.config, (c) => Effect.succeed(c.baseUrl))
 * ```
 */
export const config: Config.Config<Provider.Config> = Config.all({
  credentials: Config.Redacted("CLOUDFLARE_API_TOKEN").pipe(
    Config.map(Client.apiToken),
    Config.orElse(() =>
      Config.all({ email: Config.Redacted("CLOUDFLARE_EMAIL"), key: Config.Redacted("CLOUDFLARE_API_KEY") }).pipe(
        Config.map(({ email, key }) => Client.globalKey(email, key))
      )
    )
  ),
  baseUrl: Config.option(Config.String("CLOUDFLARE_BASE_URL")),
  accounts: Config.option(Config.String("CLOUDFLARE_ACCOUNT_IDS"))
}).pipe(
  Config.map(
    ({ credentials, baseUrl, accounts }): Provider.Config => ({
      credentials,
      ...(Option.isSome(baseUrl) ? { baseUrl: baseUrl.value } : {}),
      ...(Option.isSome(accounts)
        ? {
            accounts: accounts.value
              .split(",")
              .map((s) => s.trim())
              .filter((s) => s !== "")
          }
        : {})
    })
  )
)

/**
 * `layer` with the configuration read from the environment (see `config`).
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import * as Cloudflare from "@unishare/cloudflare"
 * const live = Cloudflare.layerConfig.pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 */
export const layerConfig: Layer.Layer<
  SharingProvider.SharingProvider,
  Errors.InvalidInput | Config.ConfigError,
  HttpClient.HttpClient
> = Layer.effect(
  SharingProvider.SharingProvider,
  Effect.flatMap(config, (c) => make(c))
)
