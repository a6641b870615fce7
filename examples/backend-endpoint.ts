/**
 * Example: a SaaS backend endpoint that shares a customer's document on whichever provider that
 * customer uses. The handler speaks the neutral model only; typed errors become HTTP answers.
 *
 * Run: `pnpm exec node examples/backend-endpoint.ts` (starts on a free port with the memory provider).
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { type Errors, Grantee, MemoryProvider, type ResourceRef, type SharingProvider } from "@unishare/core"
import { Effect, Schema } from "effect"

/** The body of `POST /documents/:id/shares`. */
const ShareBody = Schema.Struct({
  email: Schema.String,
  level: Schema.String
})

/** Maps each neutral error to the HTTP status a backend would answer. */
export const statusOf = (error: Errors.SharingError): number => {
  switch (error._tag) {
    case "InvalidInput":
      return 400
    case "Unsupported":
      return 422
    case "NotFound":
      return 404
    case "AccessDenied":
      return 403
    case "Conflict":
      return 409
    case "RateLimited":
      return 429
    case "Rejected":
      return 422
    case "Unavailable":
    case "ProtocolError":
      return 502
  }
}

/** Shares `resource` with the user named in `body`; answers `[status, json]`. */
export const shareDocument = (
  provider: SharingProvider.Shape,
  resource: ResourceRef.ResourceRef,
  body: unknown
): Effect.Effect<readonly [number, unknown]> =>
  Schema.decodeUnknownEffect(ShareBody)(body).pipe(
    Effect.mapError((e) => ({ status: 400, body: { error: "InvalidInput", message: e.message } })),
    Effect.flatMap(({ email, level }) =>
      provider
        .grant(resource, { grantee: Grantee.user({ email }), level: level as never })
        .pipe(Effect.mapError((e) => ({ status: statusOf(e), body: { error: e._tag, message: e.message } })))
    ),
    Effect.map((share) => [201, { id: share.id, level: share.level, status: share.status._tag }] as const),
    Effect.catch((failure) => Effect.succeed([failure.status, failure.body] as const))
  )

/** Starts the example server; resolves with its URL and a `close`. */
export const start = async (provider: SharingProvider.Shape) => {
  const server = Http.createServer((req, res) => {
    const match = /^\/documents\/([^/]+)\/shares$/.exec(req.url ?? "")
    if (req.method !== "POST" || match === null) return res.writeHead(404).end()
    let text = ""
    req.on("data", (c) => (text += c))
    req.on("end", () => {
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        body = undefined
      }
      const resource = { provider: provider.capabilities.provider, kind: "doc", id: decodeURIComponent(match[1]!) }
      Effect.runPromise(shareDocument(provider, resource, body)).then(([status, json]) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json))
      )
    })
  })
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r()))
  }
}

if (import.meta.main) {
  const provider = MemoryProvider.make({ resources: [{ provider: "memory", kind: "doc", id: "handbook" }] })
  const { url } = await start(provider)
  console.log(`POST ${url}/documents/handbook/shares  {"email":"ada@example.com","level":"editor"}`)
}
