/**
 * `@unishare/box` — Box collaborations for unishare: the provider-faithful layer.
 *
 * - `Client`: the native typed client of Box's collaboration endpoints (create, get, update,
 *   delete; lists per folder, per file, per group and the caller's pending invitations, with
 *   Box's marker and offset paging), `As-User`, a bearer token or a token function;
 * - `Wire`: the collaboration JSON as Schemas; `Errors`: Box error objects → typed errors;
 * - `@unishare/box/simulator`: a stateful local Box simulator for tests and demos (not loaded by
 *   this entry).
 *
 * The neutral `SharingProvider` for Box is not part of this package yet.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import * as Box from "@unishare/box"
 *
 * const program = Effect.gen(function* () {
 *   const box = yield* Box.Client.make({ token: Redacted.make(process.env.BOX_ACCESS_TOKEN ?? "") })
 *   return yield* box.createCollaboration({
 *     item: { type: "folder", id: "11446498" },
 *     accessible_by: { type: "user", login: "ada@example.com" },
 *     role: "previewer uploader"
 *   })
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 * @since 0.1.0
 */
export * as Client from "./Client.ts"
export * as Errors from "./Errors.ts"
export * as Wire from "./Wire.ts"
