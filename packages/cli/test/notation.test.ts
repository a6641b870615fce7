/** The CLI's grantee inputs are strict: a malformed one is an `InvalidInput` naming its field, never a crash. */
import { assert, describe, it } from "@effect/vitest"
import { Files } from "@unishare/cli"
import { Effect, Exit } from "effect"

describe("sync --desired", () => {
  it.effect("a lone surrogate or a lenient spelling in a grantee is invalid input naming the field (exit 2)", () =>
    Effect.gen(function* () {
      for (const grantee of ["user:a\ud800@b.c", "group: 7", "USER:ada@example.com", "user:ada@example.com "]) {
        const text = JSON.stringify({ resource: "eci:list:42", shares: [{ grantee, level: "viewer" }] })
        const exit = yield* Effect.exit(Files.parseDesiredState(text, "--desired"))
        assert.isTrue(Exit.isFailure(exit), grantee)
        if (Exit.isFailure(exit)) {
          const error = exit.cause.reasons.find((r) => r._tag === "Fail")
          assert.strictEqual(error?._tag === "Fail" ? error.error._tag : "not a failure", "InvalidInput", grantee)
          assert.include(
            JSON.stringify(error?._tag === "Fail" ? error.error : {}),
            "--desired: shares[0].grantee",
            grantee
          )
        }
      }
    })
  )
})
