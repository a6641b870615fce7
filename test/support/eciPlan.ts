/**
 * The EnergyCAP simulator side of the durable-run tests: migration plans onto it — users (by email)
 * granted viewer on each of `listIds`, by default the same three on every list (`Sharing`), one
 * replace unit per list (`writePlan`), or on new lists that apply creates (`writeCreatePlan`) —
 * written to a directory of their own (`tempDir`), and its share writes held in flight for as long
 * as a test needs (`holdWrites`).
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Grantee, ShareStatus } from "@unishare/core"
import * as Eci from "@unishare/eci"
import * as Simulator from "@unishare/eci/simulator"
import { FileFormat, IdentityMap, Migration, ResourceMap, type Snapshot } from "@unishare/migration"
import { Effect, Redacted, Schema } from "effect"
import { FetchHttpClient } from "effect/http"

/** The API key the seed grants every permission. */
export const apiKey = "durable-key"

/**
 * Who each list is shared with: `users` users (ids 11, 12, …, email `u<id>@example.com`), the list
 * at index `i` of `listIds` with `usersPerList` of them, `(i × usersPerList + k) mod users` for
 * `k < usersPerList` (so every user has shares once there are enough lists, and no list names one
 * twice while `usersPerList ≤ users`).
 */
export interface Sharing {
  readonly usersPerList: number
  readonly users: number
}

/** The default: users 11, 12 and 13 on every list. */
export const threeUsers: Sharing = { usersPerList: 3, users: 3 }

/** The EnergyCAP user ids the list at index `index` of `listIds` is shared with, ascending. */
export const userIdsOf = (sharing: Sharing, index: number): ReadonlyArray<number> =>
  Array.from(
    { length: sharing.usersPerList },
    (_, k) => 11 + ((index * sharing.usersPerList + k) % sharing.users)
  ).sort((a, b) => a - b)

const emailOf = (userId: number) => `u${userId}@example.com`

/** The users of `sharing` (11, 12, 13 by default) and the lists `listIds`, all created by the admin. */
export const seedFor = (listIds: ReadonlyArray<number>, sharing: Sharing = threeUsers): Simulator.Seed => ({
  users: [
    { userId: 1, userCode: "admin" },
    ...Array.from({ length: sharing.users }, (_, u) => 11 + u).map((userId) => ({
      userId,
      userCode: `u${userId}`,
      email: emailOf(userId)
    }))
  ],
  lists: listIds.map((listId) => ({ listId, name: `List ${listId}`, kind: "bill" as const, creatorId: 1 })),
  apiKeys: [{ key: apiKey, userId: 1, permissions: Simulator.allPermissions }]
})

/** A new empty directory under the system's temporary directory (the caller removes it). */
export const tempDir = (prefix: string): string => Fs.mkdtempSync(Path.join(Os.tmpdir(), `unishare-${prefix}-`))

/**
 * Holds the simulator's share writes (`PUT`), after letting the first `after` through (default 0),
 * until `release()` (a `hold` fault: a held write waits before it runs; `sim.held()` counts them).
 * A write held for a process killed meanwhile still runs at the release (its connection is only
 * half-closed), as a write that reached the target just before the crash. Replaces no earlier
 * fault: a fault injected before still takes the requests it matches first.
 */
export const holdWrites = (sim: Simulator.Simulator, options: { readonly after?: number } = {}) => {
  let release = (): void => {}
  const until = new Promise<void>((resolve) => {
    release = resolve
  })
  sim.inject({ kind: "hold", until, method: "PUT", after: options.after ?? 0, times: Number.POSITIVE_INFINITY })
  return { release: () => release() }
}

/**
 * How `writePlan` plans and writes: the users per list (`sharing`, default `threeUsers`; the
 * simulator must be seeded with the same, `seedFor`), and the file's form — one JSON document
 * (default: the tests that read the plan file parse it whole) or, with `jsonLines`, the JSON Lines
 * file `unishare plan` writes (`FileFormat.writePlan`).
 */
export interface PlanOptions {
  readonly sharing?: Sharing | undefined
  readonly jsonLines?: boolean | undefined
}

/** Plans the grants of `sharing` on each list against the simulator and writes the plan to `<dir>/plan.json`. */
export const writePlan = (
  sim: Simulator.Simulator,
  dir: string,
  listIds: ReadonlyArray<number>,
  options: PlanOptions = {}
): Promise<string> => write(sim, dir, listIds, false, options)

/**
 * Plans the three grants on a new list (`--create-missing`, list type 1) for each source sheet
 * `sourceIds` (no list is mapped) and writes the plan to `<dir>/plan.json`.
 */
export const writeCreatePlan = (
  sim: Simulator.Simulator,
  dir: string,
  sourceIds: ReadonlyArray<number>
): Promise<string> => write(sim, dir, sourceIds, true, {})

const write = async (
  sim: Simulator.Simulator,
  dir: string,
  listIds: ReadonlyArray<number>,
  createMissing: boolean,
  options: PlanOptions
): Promise<string> => {
  const sharing = options.sharing ?? threeUsers
  const snapshot: Snapshot.Snapshot = {
    format: "unishare/snapshot",
    version: 1,
    provider: "source",
    exportedAt: new Date(0).toISOString(),
    resources: listIds.map((id, index) => ({
      resource: { provider: "source", kind: "sheet", id: String(id) },
      shares: userIdsOf(sharing, index).map((u) => ({
        id: `s${u}`,
        resource: { provider: "source", kind: "sheet", id: String(id) },
        grantee: Grantee.user({ email: emailOf(u) }),
        level: "viewer" as const,
        status: ShareStatus.active,
        inherited: false
      }))
    }))
  } as unknown as Snapshot.Snapshot
  const plan = await Effect.runPromise(
    Effect.gen(function* () {
      const target = yield* Eci.make({ apiKey: Redacted.make(apiKey), baseUrl: sim.url })
      return yield* Migration.plan({
        snapshot,
        target,
        identities: IdentityMap.empty,
        resources: ResourceMap.fromEntries(
          createMissing
            ? []
            : listIds.map((id) => ({
                source: { provider: "source", kind: "sheet", id: String(id) },
                target: Eci.list(id)
              }))
        ),
        options: createMissing ? { createMissing: true, createType: "1" } : {}
      })
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
  if (plan.items.filter((i) => i.plan.operations.length > 0).length !== listIds.length) {
    throw new Error("the plan does not write every list")
  }
  const file = Path.join(dir, "plan.json")
  if (options.jsonLines === true) await Effect.runPromise(FileFormat.writePlan(file, plan))
  else Fs.writeFileSync(file, Schema.encodeSync(Schema.fromJsonString(Migration.MigrationPlan))(plan))
  return file
}
