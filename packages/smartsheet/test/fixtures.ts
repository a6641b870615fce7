import { randomUUID } from "node:crypto"
import type { SharingProvider } from "@unishare/core"
import { Effect, Redacted, type Scope } from "effect"
import type { HttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Provider from "../src/Provider.ts"
import * as Simulator from "../src/Simulator.ts"

export const ids = {
  owner: "1000000000000001",
  ada: "1000000000000002",
  grace: "1000000000000003",
  linus: "1000000000000004",
  finance: "2000000000000001",
  auditors: "2000000000000002",
  workspace: "3000000000000001",
  budget: "4000000000000001",
  report: "4000000000000002",
  dashboard: "4000000000000003",
  roster: "4000000000000004"
} as const

export interface Fixture {
  readonly sim: Simulator.Simulator
  readonly client: Client.Client
  readonly provider: SharingProvider.Shape
  readonly token: string
}

/** A fresh simulator with the example data, a token unique to this test, a client and a provider. */
export const fixture = (
  options: { readonly simulator?: Simulator.Options; readonly client?: Partial<Client.Config> } = {}
): Effect.Effect<Fixture, never, Scope.Scope | HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const token = `ss-secret-${randomUUID()}`
    const sim = yield* Simulator.serve({ seed: Simulator.demoSeed, ...options.simulator })
    sim.addToken({ token, user: "owner@example.com" })
    const client = yield* Client.make({
      token: Redacted.make(token),
      baseUrl: sim.url,
      retry: { baseMillis: 5, maxMillis: 20 },
      ...options.client
    }).pipe(Effect.orDie)
    return { sim, client, provider: Provider.fromClient(client), token }
  })

/** Log entries without the time stamp, for exact comparisons. */
export const requests = (sim: Simulator.Simulator) =>
  sim.log().map((r) => ({ method: r.method, path: r.path, query: r.query, body: r.body, status: r.status }))
