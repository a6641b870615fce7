import { assert, describe, it } from "@effect/vitest"
import { Grantee, Ids, Input, MemoryProvider } from "@unishare/core"
import { IdentityMap } from "@unishare/migration"
import { Effect, Option } from "effect"

describe("identity resolution against a target that validates its input", () => {
  it.effect("a principal malformed for the target is unresolved with the reason, not a failed plan", () =>
    Effect.gen(function* () {
      const memory = MemoryProvider.make()
      const target = Input.guard(
        { ...memory, resolveGrantee: (g) => Effect.succeed(Option.some(g)) },
        {
          grantee: (g, path) =>
            g._tag === "User" && g.email !== undefined ? Input.issues(Ids.Email, g.email, `${path}.email`) : []
        }
      )
      const bad = Grantee.user({ email: "a@b.c,d@e.f" })
      const good = Grantee.user({ email: "ada@example.com" })
      const resolved = yield* IdentityMap.resolveAll([bad, good], IdentityMap.empty, target)
      const badResolution = IdentityMap.find(resolved, bad)
      assert.isUndefined(badResolution?.target)
      assert.include(badResolution?.reason ?? "", "is not valid on memory")
      assert.deepStrictEqual(IdentityMap.find(resolved, good)?.target, good)
    })
  )
})
