/**
 * Grants with their fidelity: what the caller asked, what the provider got, and why. The port's
 * `grant` returns the share; this runs the same translation first (no request) so a backend can
 * tell its user "editor was granted as viewer on EnergyCAP" instead of finding out later.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { SharingError } from "./Errors.ts"
import * as Input from "./Input.ts"
import type { ResourceRef } from "./ResourceRef.ts"
import type { Share } from "./Share.ts"
import type { GrantRequest, Shape } from "./SharingProvider.ts"
import * as Translation from "./Translation.ts"
import type { Warning } from "./Warning.ts"

/**
 * A grant's outcome: the share, the fidelity of its level to the request, and the warnings.
 *
 * @example
 * ```ts
 * import type { Granting } from "@unishare/core"
 * const lossy = (g: Granting.Granted) => g.fidelity !== "exact"
 * ```
 */
export interface Granted {
  readonly share: Share
  readonly fidelity: Translation.Fidelity
  readonly warnings: ReadonlyArray<Warning>
}

/**
 * Validates and translates the request against the provider's capabilities (failing before any
 * request, like `grant` itself), then grants.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Grantee, Granting, MemoryProvider } from "@unishare/core"
 * const doc = { provider: "memory", kind: "doc", id: "d1" }
 * const memory = MemoryProvider.make({ resources: [doc], capabilities: { levels: ["viewer"] } })
 * const granted = Granting.grant(memory, doc, { grantee: Grantee.group("7"), level: "editor" })
 * // succeeds with fidelity "narrowed" and a Lossy warning "editor → viewer"
 * ```
 */
export const grant = (
  provider: Shape,
  resource: ResourceRef,
  request: GrantRequest
): Effect.Effect<Granted, SharingError> =>
  Effect.gen(function* () {
    yield* Input.resource(provider, resource, "grant")
    yield* Input.grantRequest(provider, request, "grant")
    const translated = yield* Translation.translateRequest(provider.capabilities, resource, request, "grant")
    const share = yield* provider.grant(resource, request)
    return { share, fidelity: translated.fidelity, warnings: translated.warnings }
  })
