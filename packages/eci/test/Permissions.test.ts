/** A refusal in a request the caller did not ask for says what that request was for. */
import { assert, describe, it } from "@effect/vitest"
import { Grantee } from "@unishare/core"
import { Effect } from "effect"
import * as Eci from "../src/index.ts"
import * as Simulator from "../src/Simulator.ts"
import { onVirtualTime, seed, setup } from "./support.ts"

const listsOnly = "bGlzdHMtb25seQ==.TElTVFMtT05MWQ==.bGlzdHMtb25seS1rZXk="

describe("a key that may manage lists but not read user groups", () => {
  it.effect("a group grant fails AccessDenied naming the all-users check and the permission; nothing is written", () =>
    onVirtualTime(
      Effect.gen(function* () {
        const { sim, provider } = yield* setup({
          key: listsOnly,
          simulator: {
            seed: {
              ...seed,
              apiKeys: [
                ...(seed.apiKeys ?? []),
                {
                  key: listsOnly,
                  userId: 1,
                  permissions: Simulator.allPermissions.filter((p) => p !== "UsersAndUserGroups.View")
                }
              ]
            }
          }
        })
        const error = yield* Effect.flip(provider.grant(Eci.list(43), { grantee: Grantee.group("8"), level: "viewer" }))
        assert.strictEqual(error._tag, "AccessDenied")
        assert.include(error.message, 'all-users group "Everyone"')
        assert.include(error.message, "UsersAndUserGroups: View")
        assert.include(error.message, "allowEveryone: true")
        assert.deepStrictEqual(
          sim.log().filter((r) => r.method !== "GET"),
          []
        )
      })
    )
  )
})
