/**
 * `@unishare/box` — Box collaborations for unishare:
 *
 * - `Client`: the native typed client of Box's collaboration endpoints (create, get, update,
 *   delete; lists per folder, per file, per group and the caller's pending invitations, with
 *   Box's marker and offset paging), `As-User`, a bearer token or a token function;
 * - `Wire`: the collaboration JSON as Schemas; `Errors`: Box error objects → typed errors;
 * - `Provider` (`make`, `layer`, `folder`, `file`): the neutral `SharingProvider` on them;
 * - `@unishare/box/simulator`: a stateful local Box simulator for tests and demos (not loaded by
 *   this entry).
 *
 * @example
 * ```ts
 * import { Effect, Redacted, Stream } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import * as Box from "@unishare/box"
 *
 * const program = Effect.gen(function* () {
 *   const box = yield* Box.make({ token: Redacted.make(process.env.BOX_ACCESS_TOKEN ?? "") })
 *   yield* box.grant(Box.folder("11446498"), { grantee: { _tag: "User", email: "ada@example.com" }, level: "editor" })
 *   return yield* Stream.runCollect(box.list(Box.folder("11446498")))
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
 * A Box folder as a neutral resource (`Provider.folder`).
 *
 * @example
 * ```ts
 * import * as Box from "@unishare/box"
 * Box.folder("11446498") // { provider: "box", kind: "folder", id: "11446498" }
 * ```
 */
export const folder = Provider.folder

/**
 * A Box file as a neutral resource (`Provider.file`).
 *
 * @example
 * ```ts
 * import * as Box from "@unishare/box"
 * Box.file("12345") // { provider: "box", kind: "file", id: "12345" }
 * ```
 */
export const file = Provider.file

/**
 * Builds the neutral provider (a plain value: several providers can live in one program).
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import * as Box from "@unishare/box"
 * const provider = Box.make({ token: Redacted.make("developer-token"), everyoneGroupId: "2002" })
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
 * import * as Box from "@unishare/box"
 * const live = Box.layer({ token: Redacted.make("developer-token") }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 */
export const layer = (
  config: Provider.Config
): Layer.Layer<SharingProvider.SharingProvider, CoreErrors.InvalidInput, HttpClient.HttpClient> =>
  Layer.effect(SharingProvider.SharingProvider, make(config))
