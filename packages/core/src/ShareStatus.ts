/**
 * Lifecycle of one share. Synchronous providers answer `active` at once; asynchronous ones
 * (Cloudflare) move `pending → active` and `revoking → revoked`, or end `failed`. An invitation
 * the grantee has not accepted yet (Box) is `pending` with `invitation: true`: it grants nothing
 * until accepted, and a rejected one is `revoked`.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * Access is being set up; `message` carries a non-terminal provider error, if any; `invitation`
 * says it waits for the grantee to accept.
 *
 * @example
 * ```ts
 * import { ShareStatus } from "@unishare/core"
 * ShareStatus.Pending.make({ invitation: true })
 * ```
 */
export const Pending = Schema.TaggedStruct("pending", {
  message: Schema.optionalKey(Schema.String),
  invitation: Schema.optionalKey(Schema.Boolean)
})
/** Access is in effect. @example ShareStatus.active */
export const Active = Schema.TaggedStruct("active", {})
/** Access is being removed. @example ShareStatus.revoking */
export const Revoking = Schema.TaggedStruct("revoking", {})
/** Access was removed; the record may still be listed. @example ShareStatus.revoked */
export const Revoked = Schema.TaggedStruct("revoked", {})
/** Setting up access failed; `terminal` tells whether the provider stopped retrying. @example ShareStatus.failed("no entitlement", true) */
export const Failed = Schema.TaggedStruct("failed", { message: Schema.String, terminal: Schema.Boolean })

/**
 * Any share status.
 *
 * @example
 * ```ts
 * import { ShareStatus } from "@unishare/core"
 * const s: ShareStatus.ShareStatus = ShareStatus.active
 * ```
 */
export const ShareStatus = Schema.Union([Pending, Active, Revoking, Revoked, Failed])
/** @example const s: ShareStatus.ShareStatus = { _tag: "active" } */
export type ShareStatus = typeof ShareStatus.Type

/** @example ShareStatus.pending("waiting for entitlement") */
export const pending = (message?: string): ShareStatus => Pending.make(message === undefined ? {} : { message })
/** An invitation waiting for the grantee to accept it. @example ShareStatus.invited */
export const invited: ShareStatus = Pending.make({ invitation: true })
/** @example ShareStatus.active */
export const active: ShareStatus = Active.make({})
/** @example ShareStatus.revoking */
export const revoking: ShareStatus = Revoking.make({})
/** @example ShareStatus.revoked */
export const revoked: ShareStatus = Revoked.make({})
/** @example ShareStatus.failed("Recipient is missing necessary entitlement", true) */
export const failed = (message: string, terminal: boolean): ShareStatus => Failed.make({ message, terminal })

/**
 * `true` when the status will not change on its own: `active`, `revoked`, a terminal `failed`, or
 * an invitation (it changes when the invitee accepts, which no polling can wait for).
 *
 * @example
 * ```ts
 * import { ShareStatus } from "@unishare/core"
 * ShareStatus.isSettled(ShareStatus.pending()) // false
 * ```
 */
export const isSettled = (status: ShareStatus): boolean =>
  status._tag === "active" ||
  status._tag === "revoked" ||
  (status._tag === "failed" && status.terminal) ||
  // an invitation waits for the invitee, not for the provider: polling would never see it change
  (status._tag === "pending" && status.invitation === true)

/**
 * `true` when the share grants (or will grant) access: `pending` or `active`.
 *
 * @example
 * ```ts
 * import { ShareStatus } from "@unishare/core"
 * ShareStatus.isLive(ShareStatus.revoking) // false
 * ```
 */
export const isLive = (status: ShareStatus): boolean => status._tag === "pending" || status._tag === "active"

/**
 * `true` for an invitation the grantee has not accepted yet.
 *
 * @example
 * ```ts
 * import { ShareStatus } from "@unishare/core"
 * ShareStatus.isInvitation(ShareStatus.invited) // true
 * ```
 */
export const isInvitation = (status: ShareStatus): boolean => status._tag === "pending" && status.invitation === true
