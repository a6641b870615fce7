/**
 * Request counts: every neutral operation and every `sync` case sends exactly the documented lower
 * bound (`Provider.requestBounds`), counted from the simulator's request log.
 */
import { randomUUID } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import type { AccessLevel } from "@unishare/core"
import { Grantee, RequestBounds, Sync } from "@unishare/core"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Provider from "../src/Provider.ts"
import * as Simulator from "../src/Simulator.ts"
import { ORG, OWNER, ruleset } from "./support.ts"

const bounds = Provider.requestBounds
const account = (i: number) => i.toString(16).padStart(32, "a")
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const desired = (ids: ReadonlyArray<number>) =>
  ids.map((i) => ({ grantee: Grantee.account(account(i)), level: "viewer" as AccessLevel.AccessLevel }))
const sizes = RequestBounds.syncCase

const environment = Effect.gen(function* () {
  const token = `cf-test-${randomUUID()}`
  const sim = yield* Simulator.serve({
    credentials: [{ token, principal: "tester" }],
    transitions: { mode: "reads", reads: 0 },
    rateLimit: false,
    seed: {
      accounts: [
        { id: OWNER, name: "Owner", organization_id: ORG },
        ...range(1, 200).map((i) => ({ id: account(i), name: `Member ${i}`, organization_id: ORG }))
      ]
    }
  })
  const client = yield* Client.make({
    credentials: Client.apiToken(Redacted.make(token)),
    baseUrl: sim.url,
    retry: { times: 0 }
  }).pipe(Effect.provide(FetchHttpClient.layer), Effect.orDie)
  const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
  const resource = Provider.share(OWNER, seeded.id)
  const provider = Provider.fromClient(client)
  const count = <A, E>(effect: Effect.Effect<A, E>) =>
    Effect.gen(function* () {
      sim.clearLog()
      const value = yield* effect
      return { value, requests: sim.log().length, log: sim.log().map((r) => r.method) }
    })
  /** Recipients Cloudflare lists for the share (revoked ones included). */
  const listed = () => sim.state().shares.find((s) => s.share.id === seeded.id)!.recipients.length
  return { sim, provider, resource, count, listed }
})

describe("Cloudflare request counts equal the documented lower bounds", () => {
  it.live("neutral operations", () =>
    Effect.gen(function* () {
      const { provider, resource, count, listed } = yield* environment
      const n = listed()
      const granted = yield* count(provider.grant(resource, { grantee: Grantee.account(account(1)), level: "viewer" }))
      assert.deepStrictEqual(granted.log, ["GET", "POST"])
      assert.strictEqual(granted.requests, bounds.grant(n))
      const again = yield* count(provider.grant(resource, { grantee: Grantee.account(account(1)), level: "viewer" }))
      assert.strictEqual(again.value.id, granted.value.id)
      assert.strictEqual(again.requests, bounds.grantExisting(listed()))
      assert.strictEqual((yield* count(Stream.runCollect(provider.list(resource)))).requests, bounds.list(listed()))
      assert.strictEqual((yield* count(provider.get(resource, granted.value.id))).requests, bounds.get)
      assert.strictEqual((yield* count(provider.update(resource, granted.value.id, "viewer"))).requests, bounds.update)
      const revoked = yield* count(provider.revoke(resource, granted.value.id))
      assert.deepStrictEqual(revoked.log, ["DELETE"])
      assert.strictEqual(revoked.requests, bounds.revoke)
    }).pipe(Effect.scoped)
  )

  it.live("sync: no-op, add 50, remove 50, change 50 (one level: nothing to write), mixed", () =>
    Effect.gen(function* () {
      const { provider, resource, count, listed } = yield* environment
      const run = (name: string, wanted: ReturnType<typeof desired>, c: Partial<RequestBounds.SyncCase>) =>
        Effect.gen(function* () {
          const before = listed()
          const result = yield* count(Sync.sync(provider, resource, wanted))
          assert.isTrue(result.value.verified, name)
          assert.strictEqual(result.value.attempts, 1, name)
          assert.strictEqual(result.requests, bounds.sync(sizes({ before, after: listed(), ...c })), name)
          const live = yield* Stream.runCollect(provider.list(resource))
          assert.deepStrictEqual(
            live.map((s) => (s.grantee as Grantee.Account).id).sort(),
            wanted.map((g) => (g.grantee as Grantee.Account).id).sort(),
            name
          )
          return result
        })
      yield* run("initial", desired(range(1, 50)), { add: 50 })
      const noop = yield* run("no-op", desired(range(1, 50)), {})
      assert.deepStrictEqual(noop.log, ["GET", "GET"])
      const add = yield* run("add 50", desired(range(1, 100)), { add: 50 })
      assert.deepStrictEqual(add.log, ["GET", "GET", "PUT", "GET"])
      yield* run("remove 50", desired(range(1, 50)), { remove: 50 })
      yield* run(
        "change 50",
        desired(range(1, 50)).map((g) => ({ ...g, level: "editor" as const })),
        {}
      )
      yield* run("mixed", desired([...range(21, 50), ...range(101, 130)]), { remove: 20, add: 30 })
    }).pipe(Effect.scoped)
  )

  it.live("sync validates the whole desired set first: one invalid grantee → InvalidInput, zero writes", () =>
    Effect.gen(function* () {
      const { sim, provider, resource } = yield* environment
      yield* Sync.sync(provider, resource, desired(range(1, 5)))
      sim.clearLog()
      for (const strategy of ["auto", "operations"] as const) {
        const error = yield* Effect.flip(
          Sync.sync(
            provider,
            resource,
            [...desired([1]), { grantee: Grantee.account("f".repeat(40)), level: "viewer" }],
            {
              strategy
            }
          )
        )
        assert.strictEqual(error._tag, "InvalidInput")
        assert.deepStrictEqual(
          (error as { issues: ReadonlyArray<{ path: string }> }).issues.map((i) => i.path),
          ["desired.1.grantee.id"]
        )
      }
      assert.deepStrictEqual(
        sim.log().filter((r) => r.method !== "GET"),
        []
      )
      assert.strictEqual((yield* Stream.runCollect(provider.list(resource))).length, 5)
    }).pipe(Effect.scoped)
  )
})
