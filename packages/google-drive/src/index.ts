/**
 * @unishare/google-drive — Google Drive API v3 permissions (`drive.permissions.*`): the native,
 * provider-faithful client (`Client`), its wire schemas (`Wire`) and error mapping (`Errors`), the
 * neutral `SharingProvider` (`Provider`, `make`, `layer`) and (under
 * `@unishare/google-drive/simulator`) a stateful simulator.
 *
 * @example
 * ```ts
 * import { Effect, Redacted, Stream } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import * as GoogleDrive from "@unishare/google-drive"
 * const program = Effect.gen(function* () {
 *   const drive = yield* GoogleDrive.make({ credentials: Redacted.make(process.env.DRIVE_TOKEN ?? "") })
 *   return yield* Stream.runCollect(drive.list(GoogleDrive.file("1AbCdEfGhIjKlMnOpQrStUvWxYz012345")))
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 * @since 0.1.0
 */
import { type Errors as CoreErrors, SharingProvider } from "@unishare/core"
import { type Effect, Layer } from "effect"
import type { HttpClient } from "effect/http"
import * as Provider from "./Provider.ts"

export * as Client from "./Client.ts"
export * as Errors from "./Errors.ts"
export * as Provider from "./Provider.ts"
export * as Wire from "./Wire.ts"

/**
 * A file or folder (My Drive or a shared drive) as a neutral resource (`Provider.file`).
 *
 * @example
 * ```ts
 * import * as GoogleDrive from "@unishare/google-drive"
 * GoogleDrive.file("1AbCdEfGhIjKlMnOpQrStUvWxYz012345")
 * ```
 */
export const file = Provider.file

/**
 * A shared drive (its members) as a neutral resource (`Provider.sharedDrive`).
 *
 * @example
 * ```ts
 * import * as GoogleDrive from "@unishare/google-drive"
 * GoogleDrive.sharedDrive("0AFinanceDriveUk9PVA")
 * ```
 */
export const sharedDrive = Provider.sharedDrive

/**
 * Builds the neutral provider (a plain value: several providers can live in one program).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import * as GoogleDrive from "@unishare/google-drive"
 * const provider = GoogleDrive.make({ credentials: Redacted.make("ya29.a0…"), everyoneAsDomain: "example.com" })
 *   .pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 */
export const make = (
  config: Provider.Config
): Effect.Effect<SharingProvider.Shape, CoreErrors.InvalidInput, HttpClient.HttpClient> => Provider.make(config)

/**
 * The provider as the `SharingProvider` service.
 *
 * @example
 * ```ts
 * import { Layer, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import * as GoogleDrive from "@unishare/google-drive"
 * const live = GoogleDrive.layer({ credentials: Redacted.make("ya29.a0…") }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 */
export const layer = (
  config: Provider.Config
): Layer.Layer<SharingProvider.SharingProvider, CoreErrors.InvalidInput, HttpClient.HttpClient> =>
  Layer.effect(SharingProvider.SharingProvider, make(config))
