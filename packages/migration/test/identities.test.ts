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

describe("IdentityMap.parseGrantee is strict, as the library is", () => {
  it("refuses what it once read leniently, naming the problem; accepts the exact notation", () => {
    const refused: ReadonlyArray<readonly [string, string]> = [
      ["group: 7", "whitespace around the group value"],
      ["USER:ada@example.com", "lower case"],
      ["User:ada@example.com", "lower case"],
      ["user:", "the user value is empty"],
      ["user:ada@example.com ", "whitespace around the grantee"],
      [" group:7", "whitespace around the grantee"],
      ["everyone:all", "everyone takes no value"],
      ["Everyone", "expected kind:value"],
      ["user:a\ud800@b.c", "lone surrogate"],
      ["team:7", "unknown grantee kind"]
    ]
    for (const [text, why] of refused) {
      const r = IdentityMap.parseGrantee(text)
      assert.isFalse(r.ok, text)
      assert.include(r.ok ? "" : r.message, why, text)
    }
    assert.deepStrictEqual(IdentityMap.parseGrantee("group:7"), { ok: true, grantee: Grantee.group("7") })
    assert.deepStrictEqual(IdentityMap.parseGrantee("everyone"), { ok: true, grantee: Grantee.everyone })
    assert.deepStrictEqual(IdentityMap.parseGrantee("user:1001"), { ok: true, grantee: Grantee.user({ id: "1001" }) })
  })
})
