/**
 * Waiting for asynchronous providers (Cloudflare) to reach a final status, by polling with a `Schedule`.
 *
 * @since 0.1.0
 */
import { Effect, Schedule, Stream } from "effect"
import * as Errors from "./Errors.ts"
import type { ResourceRef } from "./ResourceRef.ts"
import type { Share } from "./Share.ts"
import * as ShareStatus from "./ShareStatus.ts"
import type { Shape } from "./SharingProvider.ts"

/**
 * The default polling: 500 ms doubling up to 10 s between polls, at most 40 polls.
 *
 * @example
 * ```ts
 * import { Schedule } from "effect"
 * import { Settle } from "@unishare/core"
 * const fast = Schedule.max([Schedule.spaced("10 millis"), Schedule.recurs(100)])
 * ```
 */
export const defaultSchedule: Schedule.Schedule<unknown> = Schedule.max([
  Schedule.min([Schedule.exponential("500 millis"), Schedule.spaced("10 seconds")]),
  Schedule.recurs(40)
])

/**
 * Polls one share until its status is settled (`active`, `revoked` or terminally `failed`).
 * Fails with `Unavailable` when the schedule ends first.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Settle, type SharingProvider, type ResourceRef } from "@unishare/core"
 * const ready = (p: SharingProvider.Shape, r: ResourceRef.ResourceRef, id: string) => Settle.awaitSettled(p, r, id)
 * ```
 */
export const awaitSettled = (
  provider: Shape,
  resource: ResourceRef,
  shareId: string,
  schedule: Schedule.Schedule<unknown> = defaultSchedule
): Effect.Effect<Share, Errors.SharingError> =>
  provider.get(resource, shareId).pipe(
    Effect.repeat({ schedule, until: (share: Share) => ShareStatus.isSettled(share.status) }),
    Effect.flatMap((share) =>
      ShareStatus.isSettled(share.status)
        ? Effect.succeed(share)
        : Effect.fail(
            new Errors.Unavailable({
              provider: provider.capabilities.provider,
              operation: "awaitSettled",
              message: `share ${shareId} is still ${share.status._tag} after polling`,
              maybeApplied: false
            })
          )
    ),
    Effect.withSpan("unishare.awaitSettled")
  )

/**
 * Polls a resource until every listed share (revoked ones included) is settled; returns the live shares.
 *
 * @example
 * ```ts
 * import { Settle, type SharingProvider, type ResourceRef } from "@unishare/core"
 * const settled = (p: SharingProvider.Shape, r: ResourceRef.ResourceRef) => Settle.awaitResourceSettled(p, r)
 * ```
 */
export const awaitResourceSettled = (
  provider: Shape,
  resource: ResourceRef,
  schedule: Schedule.Schedule<unknown> = defaultSchedule
): Effect.Effect<ReadonlyArray<Share>, Errors.SharingError> => {
  const unsettled = (shares: ReadonlyArray<Share>) => shares.filter((s) => !ShareStatus.isSettled(s.status)).length
  return Stream.runCollect(provider.list(resource, { includeRevoked: true })).pipe(
    Effect.repeat({ schedule, until: (shares: ReadonlyArray<Share>) => unsettled(shares) === 0 }),
    Effect.flatMap((shares) =>
      unsettled(shares) === 0
        ? Effect.succeed(shares.filter((s) => ShareStatus.isLive(s.status)))
        : Effect.fail(
            new Errors.Unavailable({
              provider: provider.capabilities.provider,
              operation: "awaitResourceSettled",
              message: `${unsettled(shares)} share(s) still in transition after polling`,
              maybeApplied: false
            })
          )
    ),
    Effect.withSpan("unishare.awaitResourceSettled")
  )
}
