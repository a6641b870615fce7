/**
 * The EnergyCAP simulator side of the durable-run tests: migration plans onto it — three users (by
 * email) granted viewer on each of `listIds`, one replace unit per list (`writePlan`), or on new
 * lists that apply creates (`writeCreatePlan`) — written to a directory of their own (`tempDir`),
 * and its share writes held in flight for as long as a test needs (`holdWrites`).
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Grantee, ShareStatus } from "@unishare/core"
import * as Eci from "@unishare/eci"
import * as Simulator from "@unishare/eci/simulator"
import { IdentityMap, Migration, ResourceMap, type Snapshot } from "@unishare/migration"
import { Effect, Redacted, Schema } from "effect"
import { FetchHttpClient } from "effect/http"

/** The API key the seed grants every permission. */
export const apiKey = "durable-key"

/** Users 11, 12, 13 and the lists `listIds`, all created by the admin. */
export const seedFor = (listIds: ReadonlyArray<number>): Simulator.Seed => ({
  users: [
    { userId: 1, userCode: "admin" },
    ...[11, 12, 13].map((userId) => ({ userId, userCode: `u${userId}`, email: `u${userId}@example.com` }))
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

/** Plans the three grants on each list against the simulator and writes the plan to `<dir>/plan.json`. */
export const writePlan = (sim: Simulator.Simulator, dir: string, listIds: ReadonlyArray<number>): Promise<string> =>
  write(sim, dir, listIds, false)

/**
 * Plans the three grants on a new list (`--create-missing`, list type 1) for each source sheet
 * `sourceIds` (no list is mapped) and writes the plan to `<dir>/plan.json`.
 */
export const writeCreatePlan = (
  sim: Simulator.Simulator,
  dir: string,
  sourceIds: ReadonlyArray<number>
): Promise<string> => write(sim, dir, sourceIds, true)

const write = async (
  sim: Simulator.Simulator,
  dir: string,
  listIds: ReadonlyArray<number>,
  createMissing: boolean
): Promise<string> => {
  const snapshot: Snapshot.Snapshot = {
    format: "unishare/snapshot",
    version: 1,
    provider: "source",
    exportedAt: new Date(0).toISOString(),
    resources: listIds.map((id) => ({
      resource: { provider: "source", kind: "sheet", id: String(id) },
      shares: [11, 12, 13].map((u) => ({
        id: `s${u}`,
        resource: { provider: "source", kind: "sheet", id: String(id) },
        grantee: Grantee.user({ email: `u${u}@example.com` }),
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
  Fs.writeFileSync(file, Schema.encodeSync(Schema.fromJsonString(Migration.MigrationPlan))(plan))
  return file
}
