/**
 * @unishare/google-drive — Google Drive API v3 permissions (`drive.permissions.*`): the native,
 * provider-faithful client (`Client`), its wire schemas (`Wire`) and error mapping (`Errors`), and
 * (under `@unishare/google-drive/simulator`) a stateful simulator. The neutral `SharingProvider`
 * on top of it is not part of this package yet.
 *
 * @example
 * ```ts
 * import { Effect, Redacted, Stream } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Client } from "@unishare/google-drive"
 * const program = Effect.gen(function* () {
 *   const drive = yield* Client.make({ credentials: Redacted.make(process.env.DRIVE_TOKEN ?? "") })
 *   return yield* Stream.runCollect(drive.listPermissions("1AbCdEfGhIjKlMnOpQrStUvWxYz012345"))
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 * @since 0.1.0
 */
export * as Client from "./Client.ts"
export * as Errors from "./Errors.ts"
export * as Wire from "./Wire.ts"
