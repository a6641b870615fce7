/**
 * `@unishare/core/testing`: an `HttpClient` that keeps the text of every answer a client receives,
 * and the check that each one decodes — strictly, so a field the schemas do not declare fails —
 * with the adapter's own Wire schemas. Adapters' tests use it to prove that what their simulator
 * sends is what their client understands, on every request a test makes.
 *
 * @since 0.1.0
 */
import { Effect, Layer, Schema } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { assert } from "vitest"

/**
 * One answer a client received: the request's method and path, the status and the body's text.
 *
 * @example
 * ```ts
 * import type { RecordedAnswers } from "@unishare/core/testing"
 * const a: RecordedAnswers.Answer = { method: "GET", path: "/2.0/folders/1/collaborations", status: 200, text: "{}" }
 * ```
 */
export interface Answer {
  readonly method: string
  readonly path: string
  readonly status: number
  readonly text: string
}

/**
 * An `HttpClient` layer (fetch by default) that appends every answer to `answers`. The body is
 * read once and cached by the response, so the client reads the same text afterwards.
 *
 * @example
 * ```ts
 * import { RecordedAnswers } from "@unishare/core/testing"
 * const answers: Array<RecordedAnswers.Answer> = []
 * const layer = RecordedAnswers.recording(answers)
 * ```
 */
export const recording = (
  answers: Array<Answer>,
  base: Layer.Layer<HttpClient.HttpClient> = FetchHttpClient.layer
): Layer.Layer<HttpClient.HttpClient> =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      HttpClient.tap(client, (response) =>
        response.text.pipe(
          Effect.tap((text) =>
            Effect.sync(() =>
              answers.push({
                method: response.request.method,
                path: new URL(response.request.url).pathname,
                status: response.status,
                text
              })
            )
          ),
          Effect.ignore
        )
      )
    )
  ).pipe(Layer.provide(base))

const strict = { onExcessProperty: "error" } as const

/**
 * Asserts that every answer decodes strictly with the schema `schemaFor` picks for it (a 204 must
 * have an empty body) and returns how many there were.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { RecordedAnswers } from "@unishare/core/testing"
 * const Item = Schema.Struct({ id: Schema.String })
 * RecordedAnswers.assertDecode([{ method: "GET", path: "/items/1", status: 200, text: '{"id":"1"}' }], () => Item) // 1
 * ```
 */
export const assertDecode = (
  answers: ReadonlyArray<Answer>,
  schemaFor: (answer: Answer) => Schema.Top & { readonly DecodingServices: never }
): number => {
  for (const a of answers) {
    const label = `${a.method} ${a.path} ${a.status}: ${a.text.slice(0, 300)}`
    if (a.status === 204) {
      assert.strictEqual(a.text, "", label)
      continue
    }
    const exit = Schema.decodeUnknownExit(schemaFor(a))(JSON.parse(a.text), strict)
    assert.strictEqual(exit._tag, "Success", `${label} does not decode: ${String(exit)}`)
  }
  return answers.length
}
