/**
 * Test fixtures: a seeded simulator and a provider / client pointed at it.
 */
import { VirtualTime } from "@unishare/core/testing"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Eci from "../src/index.ts"
import * as Simulator from "../src/Simulator.ts"

/** Secret values: tests assert they never show up in errors or logs. */
export const keys = {
  admin: "c2VjcmV0LWFkbWlu.QURNSU4tS0VZ.c3VwZXItc2VjcmV0LWFkbWluLWtleQ==",
  creator: "c2VjcmV0LWNyZWF0b3I=.Q1JFQVRPUi1LRVk=.c3VwZXItc2VjcmV0LWNyZWF0b3I=",
  noLists: "c2VjcmV0LW5vbGlzdHM=.Tk8tTElTVFM=.c3VwZXItc2VjcmV0LW5vbGlzdHM="
} as const

/** 600 users (ids 1…600, emails user<N>@energy.test), groups 7, 8, 9, lists 42 (empty), 43, 44. */
export const seed: Simulator.Seed = {
  users: [
    ...Array.from({ length: 600 }, (_, i) => ({
      userId: i + 1,
      userCode: `user${i + 1}`,
      fullName: `User ${i + 1}`,
      email: `user${i + 1}@energy.test`
    })),
    { userId: 700, userCode: "dobrien", fullName: "Dana O'Brien", email: "d.o'brien@energy.test" }
  ],
  groups: [
    { userGroupId: 7, userGroupName: "Finance", members: [2, 3, 4] },
    { userGroupId: 8, userGroupName: "Energy Managers", members: [5] },
    { userGroupId: 9, userGroupName: "Auditors", members: [] }
  ],
  lists: [
    { listId: 42, name: "Bills awaiting approval", kind: "bill", creatorId: 1 },
    {
      listId: 43,
      name: "High-cost bills",
      kind: "bill",
      creatorId: 2,
      share: { sharedUserIds: [10], sharedUserGroupIds: [7] }
    },
    { listId: 44, name: "Active meters", kind: "records", creatorId: 1, share: { sharedWithEveryone: true } }
  ],
  apiKeys: [
    { key: keys.admin, userId: 1, permissions: Simulator.allPermissions },
    { key: keys.creator, userId: 2, permissions: ["SharedBillLists.Create"] },
    { key: keys.noLists, userId: 3, permissions: [] }
  ]
}

/** No waiting between retries in tests that inject faults. */
export const fastRetry = { times: 2, baseMillis: 1, maxMillis: 5, maxRetryAfterMillis: 10 }

/**
 * A fresh simulator plus a provider and a native client on it.
 */
export const setup = (options: { readonly key?: string; readonly simulator?: Simulator.Options } = {}) =>
  Effect.gen(function* () {
    const sim = yield* Simulator.serve({ seed, ...options.simulator })
    const config: Eci.Config = {
      apiKey: Redacted.make(options.key ?? keys.admin),
      baseUrl: sim.url,
      retry: fastRetry
    }
    const provider = yield* Eci.make(config)
    const client = yield* Client.make(config)
    return { sim, provider, client, config }
  }).pipe(Effect.orDie, Effect.provide(FetchHttpClient.layer))

/** Asserts no secret appears in a value (error, log, …). */
export const leaks = (value: unknown): ReadonlyArray<string> => {
  const text =
    typeof value === "string"
      ? value
      : JSON.stringify(value, (_k, v) => (v instanceof Error ? { ...v, message: v.message, stack: v.stack } : v))
  return Object.values(keys).filter((k) => text.includes(k))
}

/**
 * Runs `effect` on the virtual clock (under `it.effect`): the provider pauses 100–250 ms before the
 * re-read that follows each PUT (`recheckDelay`), and here virtual time moves by 250 ms whenever no
 * request is in flight (`VirtualTime.run`), so a pause ends at once and every request still reaches
 * the simulator in the order the provider sends it. Nothing waits for real time.
 */
export const onVirtualTime = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  VirtualTime.run(effect, { stepMillis: 250 })
