/**
 * Request counts: every client operation sends exactly `Client.requestBounds`, counted from the
 * simulator's request log.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import { fixture, ids, users } from "./support.ts"

const bounds = Client.requestBounds

describe("request counts equal Client.requestBounds", () => {
  it.live("list at several sizes and page sizes", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* fixture()
      const count = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.gen(function* () {
          sim.clearLog()
          yield* effect
          return sim.log().length
        })
      let added = 0
      for (const target of [3, 4, 99, 100, 101, 200, 201, 350]) {
        while (sim.permissions(ids.budget).length < target) {
          sim.addPermission({ file: ids.budget, type: "user", role: "reader", emailAddress: `r${added++}@example.com` })
        }
        const n = sim.permissions(ids.budget).length
        assert.strictEqual(n, target)
        for (const pageSize of n <= 101 ? [undefined, 1, 7, 50, 100] : [undefined, 7, 50, 100]) {
          const listed = yield* count(Stream.runCollect(client.listPermissions(ids.budget, { pageSize })))
          assert.strictEqual(listed, bounds.listPermissions(n, pageSize), `${n} permissions, pageSize ${pageSize}`)
        }
      }
      assert.strictEqual(yield* count(client.listPermissionsPage(ids.budget)), bounds.listPermissionsPage)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.live("get, create, update, delete, transfers", () =>
    Effect.gen(function* () {
      const { sim, client, as } = yield* fixture()
      const alice = yield* as("alice.consumer@gmail.com")
      const bob = yield* as("bob.consumer@gmail.com")
      const count = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.gen(function* () {
          sim.clearLog()
          yield* effect
          return sim.log().length
        })
      assert.strictEqual(yield* count(client.getPermission(ids.budget, users.owner)), bounds.getPermission)
      assert.strictEqual(
        yield* count(
          client.createPermission(ids.budget, { type: "user", role: "writer", emailAddress: "ada@example.com" })
        ),
        bounds.createPermission
      )
      assert.strictEqual(
        yield* count(client.updatePermission(ids.budget, users.ada, { role: "commenter" })),
        bounds.updatePermission
      )
      assert.strictEqual(yield* count(client.deletePermission(ids.budget, users.ada)), bounds.deletePermission)
      assert.strictEqual(
        yield* count(
          client.createPermission(
            ids.budget,
            { type: "user", role: "owner", emailAddress: "grace@example.com" },
            { transferOwnership: true }
          )
        ),
        bounds.ownershipTransfer
      )
      assert.strictEqual(
        yield* count(
          Effect.andThen(
            alice.updatePermission(ids.photos, users.bob, { pendingOwner: true }),
            bob.updatePermission(ids.photos, users.bob, { role: "owner" }, { transferOwnership: true })
          )
        ),
        bounds.consumerOwnershipTransfer
      )
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it("the figures", () => {
    assert.strictEqual(bounds.listPermissions(0), 1)
    assert.strictEqual(bounds.listPermissions(100), 1)
    assert.strictEqual(bounds.listPermissions(101), 2)
    assert.strictEqual(bounds.listPermissions(250, 50), 5)
  })
})
