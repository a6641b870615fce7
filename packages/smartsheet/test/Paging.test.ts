import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Redacted, Stream } from "effect"
import { HttpClient, HttpClientResponse } from "effect/http"
import * as Client from "../src/Client.ts"

const share = (n: number) => ({
  id: `s${n}`,
  type: "USER",
  email: `user${n}@example.com`,
  accessLevel: "VIEWER",
  scope: "ITEM"
})

describe("Client.listShares: a repeated lastKey", () => {
  it.effect("ends the walk with ProtocolError after the page that repeats it", () =>
    Effect.gen(function* () {
      let calls = 0
      // a server that answers every page with the same key
      const looping = HttpClient.make((request) =>
        Effect.sync(() => {
          calls++
          const body = { items: [share(calls)], lastKey: calls === 1 ? "k1" : "k2" }
          return HttpClientResponse.fromWeb(request, Response.json(body))
        })
      )
      const client = yield* Client.make({ token: Redacted.make("t"), baseUrl: "http://127.0.0.1:9/2.0" }).pipe(
        Effect.provideService(HttpClient.HttpClient, looping)
      )
      const exit = yield* Effect.exit(Stream.runCollect(client.listShares({ assetType: "sheet", assetId: "1" })))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit)
        ? (exit.cause.reasons[0] as { error?: { _tag: string; message: string } }).error
        : undefined
      assert.strictEqual(error?._tag, "ProtocolError")
      assert.include(error?.message ?? "", "repeated the page key")
      assert.strictEqual(calls, 3) // k1, k2, then k2 again
    })
  )
})
