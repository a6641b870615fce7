/** The CLI's inputs are strict and bounded: a malformed or oversized one is an `InvalidInput` naming its field, never a crash. */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
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

describe("reading an input file", () => {
  it.effect("a file too large to read whole is invalid input naming its size and the limit", () =>
    Effect.gen(function* () {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-large-"))
      const path = Path.join(dir, "snapshot.json")
      // sparse: the size without the disk space
      Fs.writeFileSync(path, "")
      Fs.truncateSync(path, Files.maxTextBytes + 1)
      const exit = yield* Effect.exit(Files.readText(path, "--snapshot"))
      Fs.rmSync(dir, { recursive: true, force: true })
      assert.isTrue(Exit.isFailure(exit))
      const text = JSON.stringify(exit)
      assert.include(text, "InvalidInput")
      assert.include(text, "--snapshot")
      assert.include(text, `at most ${Math.round(Files.maxTextBytes / 1_048_576)} MiB fits`)
    })
  )
})
