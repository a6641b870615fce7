/**
 * Request counts: every client operation sends exactly `Client.requestBounds`, counted from the
 * simulator's request log.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import { crowd, ids, setup } from "./support.ts"

const bounds = Client.requestBounds

describe("request counts equal Client.requestBounds", () => {
  it.live("create, create existing, get, update, transfer, delete", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* setup()
      const count = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.gen(function* () {
          sim.clearLog()
          const value = yield* effect
          return { value, requests: sim.log().length }
        })
      const item = { type: "folder", id: ids.contracts } as const
      const created = yield* count(
        client.createCollaboration({ item, accessible_by: { type: "user", id: ids.grace }, role: "editor" })
      )
      assert.strictEqual(created.requests, bounds.createCollaboration)
      // Grace's is the third on Contracts (after the two pending invitations)
      const existing = yield* count(
        client.createCollaboration({
          item,
          accessible_by: { type: "user", login: "grace@example.com" },
          role: "viewer"
        })
      )
      assert.strictEqual(existing.value.id, created.value.id)
      assert.strictEqual(existing.requests, bounds.createExisting(2))
      assert.strictEqual((yield* count(client.getCollaboration(created.value.id))).requests, bounds.getCollaboration)
      assert.strictEqual(
        (yield* count(client.updateCollaboration(created.value.id, { role: "viewer" }))).requests,
        bounds.updateCollaboration
      )
      const transfer = yield* count(client.updateCollaboration(created.value.id, { role: "owner" }))
      assert.strictEqual(transfer.value._tag, "OwnershipTransferred")
      assert.strictEqual(transfer.requests, bounds.updateCollaboration)
      const coOwner = sim.collaborations("folder", ids.contracts).find((c) => c.accessible_by?.id === ids.owner)
      // the old owner, now a co-owner, leaves: a collaborator may delete their own collaboration
      assert.strictEqual(
        (yield* count(client.deleteCollaboration(coOwner?.id ?? ""))).requests,
        bounds.deleteCollaboration
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("listings: 0, 1, 1000, 1001 and 3000 collaborations", () =>
    Effect.gen(function* () {
      const { sim, client, clientAs } = yield* setup()
      const admin = yield* clientAs(ids.admin)
      const sizes = [0, 1, 1_000, 1_001, 3_000]
      let made = 0
      for (const [i, n] of sizes.entries()) {
        const folder = String(80_000 + i)
        sim.addFolder({ id: folder, name: `bounds ${n}`, owner: ids.owner })
        crowd(sim, n, { type: "folder", id: folder }, { from: made })
        made += n
        sim.clearLog()
        const all = yield* Stream.runCollect(client.listFolderCollaborations(folder))
        assert.strictEqual(all.length, n)
        assert.strictEqual(sim.log().length, bounds.listItemCollaborations(n), `folder of ${n}`)
      }
      // offset paging: a group with 1,001 collaborations, in pages of 1,000 and of 100
      for (let i = 0; i < 1_000; i++) {
        const id = String(90_000 + i)
        sim.addFile({ id, name: `b${i}`, parent: ids.contracts })
        sim.addCollaboration({ item: { type: "file", id }, group: ids.finance, role: "viewer" })
      }
      for (const limit of [1_000, 100]) {
        sim.clearLog()
        const all = yield* Stream.runCollect(admin.listGroupCollaborations(ids.finance, { limit }))
        assert.strictEqual(all.length, 1_001)
        assert.strictEqual(sim.log().length, bounds.listGroupCollaborations(1_001, limit))
      }
      sim.clearLog()
      const none = yield* Stream.runCollect(client.listPendingCollaborations())
      assert.strictEqual(none.length, 0)
      assert.strictEqual(sim.log().length, bounds.listPendingCollaborations(0))
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
