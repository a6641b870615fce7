/**
 * The fewest requests each neutral operation and each `sync` case needs on a provider, given its
 * documented API. Every adapter exports its own `requestBounds` (and documents how each figure
 * follows from the API); its tests assert, from the simulator's request log, that it sends exactly
 * that many, and `pnpm bench` prints actual against bound.
 *
 * Counts are functions of the sizes that change them: how many shares a listing returns (pages),
 * how many grants, updates and revocations a sync writes, how many emails it resolves.
 *
 * @since 0.1.0
 */

/**
 * The sizes a `sync` bound depends on. `before` / `after`: shares a listing returns before and
 * after the writes (owner and inherited shares included, and on Cloudflare revoked recipients it
 * still lists); `add` / `remove` / `upgrade` / `downgrade`: the planned writes; `emails`: distinct
 * emails in the desired set that the provider has to resolve to ids.
 *
 * @example
 * ```ts
 * import type { RequestBounds } from "@unishare/core"
 * const add50: RequestBounds.SyncCase = { before: 50, after: 100, add: 50, remove: 0, upgrade: 0, downgrade: 0, emails: 0 }
 * ```
 */
export interface SyncCase {
  readonly before: number
  readonly after: number
  readonly add: number
  readonly remove: number
  readonly upgrade: number
  readonly downgrade: number
  readonly emails: number
}

/**
 * A sync case from the counts that matter; the others are 0.
 *
 * @example
 * ```ts
 * import { RequestBounds } from "@unishare/core"
 * RequestBounds.syncCase({ before: 50, after: 100, add: 50 }).remove // 0
 * ```
 */
export const syncCase = (c: Partial<SyncCase>): SyncCase => ({
  before: 0,
  after: 0,
  add: 0,
  remove: 0,
  upgrade: 0,
  downgrade: 0,
  emails: 0,
  ...c
})

/**
 * A provider's request bounds. `shares` is how many shares a listing of the resource returns.
 *
 * - `list`, `get`: reads.
 * - `grant`: a grantee who has no share yet; `grantExisting`: one who already has it at that level
 *   (the idempotent no-op); `update`: a level change; `revoke`: a live share.
 * - `sync`: list, plan, write, read back (no read-back when nothing changed).
 *
 * @example
 * ```ts
 * import type { RequestBounds } from "@unishare/core"
 * const one: RequestBounds.RequestBounds = {
 *   list: () => 1, get: 1, grant: () => 1, grantExisting: () => 1, update: 1, revoke: 1,
 *   sync: (c) => (c.add + c.remove + c.upgrade + c.downgrade === 0 ? 1 : 3)
 * }
 * ```
 */
export interface RequestBounds {
  readonly list: (shares: number) => number
  readonly get: number
  readonly grant: (shares: number) => number
  readonly grantExisting: (shares: number) => number
  readonly update: number
  readonly revoke: number
  readonly sync: (c: SyncCase) => number
}

/**
 * Pages needed to list `items` with `pageSize` per page; an empty listing is still one request.
 *
 * @example
 * ```ts
 * import { RequestBounds } from "@unishare/core"
 * RequestBounds.pages(101, 100) // 2
 * RequestBounds.pages(0, 100) // 1
 * ```
 */
export const pages = (items: number, pageSize: number): number => Math.max(1, Math.ceil(items / pageSize))

/**
 * Whether a sync case writes anything.
 *
 * @example
 * ```ts
 * import { RequestBounds } from "@unishare/core"
 * RequestBounds.writes({ before: 3, after: 3, add: 0, remove: 0, upgrade: 0, downgrade: 0, emails: 0 }) // false
 * ```
 */
export const writes = (c: SyncCase): boolean => c.add + c.remove + c.upgrade + c.downgrade > 0
