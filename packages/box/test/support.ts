/**
 * Test fixtures: a simulator with the demo data, a token unique to the test, a client on it, and
 * the request log in a form tests compare exactly.
 */
import { randomUUID } from "node:crypto"
import { Effect, Redacted, type Scope } from "effect"
import type { HttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Simulator from "../src/Simulator.ts"

/** The demo seed's ids. */
export const ids = {
  owner: "1001",
  ada: "1002",
  grace: "1003",
  admin: "1004",
  erin: "1005",
  finance: "2001",
  allUsers: "2002",
  financeFolder: "3001",
  budgets: "3002",
  contracts: "3003",
  budgetFile: "4001",
  ndaFile: "4002",
  financeGroupCollab: "5001",
  graceCoOwner: "5002",
  adaPreviewer: "5003",
  erinPending: "5004",
  emailPending: "5005"
} as const

/** No real waiting between retries in tests that inject 5xx faults. */
export const fastRetry = { baseMillis: 1, maxMillis: 2 }

export interface Fixture {
  readonly sim: Simulator.Simulator
  readonly client: Client.Client
  /** The owner's token, unique to this test (so no budget or secret is shared between tests). */
  readonly token: string
  /** A client with another user's fresh token. */
  readonly clientAs: (user: string, config?: Partial<Client.Config>) => Effect.Effect<Client.Client>
}

/** A fresh simulator with the demo data plus `seed`, and a client with a fresh owner token. */
export const setup = (
  options: { readonly simulator?: Simulator.Options; readonly client?: Partial<Client.Config> } = {}
): Effect.Effect<Fixture, never, Scope.Scope | HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const sim = yield* Simulator.serve({ seed: Simulator.demoSeed, ...options.simulator })
    const clientAs = (user: string, config: Partial<Client.Config> = {}) => {
      const token = `box-secret-${randomUUID()}`
      sim.addToken({ token, user, label: `test-${user}` })
      return Client.make({ token: Redacted.make(token), baseUrl: sim.url, retry: fastRetry, ...config })
    }
    const token = `box-secret-${randomUUID()}`
    sim.addToken({ token, user: ids.owner, label: "test-owner" })
    const client = yield* Client.make({
      token: Redacted.make(token),
      baseUrl: sim.url,
      retry: fastRetry,
      ...options.client
    }).pipe(Effect.orDie)
    const http = yield* Effect.context<HttpClient.HttpClient>()
    return {
      sim,
      client,
      token,
      clientAs: (user, config) => clientAs(user, config).pipe(Effect.orDie, Effect.provide(http))
    }
  })

/** The request log without time stamps: method, path, query, body, status (and how it authenticated). */
export const requests = (sim: Simulator.Simulator) =>
  sim.log().map((r) => ({ method: r.method, path: r.path, query: r.query, body: r.body, status: r.status }))

/** `method path?query status` per request: a compact form for long logs. */
export const lines = (sim: Simulator.Simulator) => sim.log().map((r) => `${r.method} ${r.path}${r.query} ${r.status}`)

/** Adds `n` users `user<i>@example.com` (ids 10000 + i) and gives each a collaboration on an item. */
export const crowd = (
  sim: Simulator.Simulator,
  n: number,
  item: { readonly type: "file" | "folder"; readonly id: string },
  options: { readonly enterprise?: boolean; readonly from?: number } = {}
): ReadonlyArray<string> => {
  const from = options.from ?? 0
  const made: Array<string> = []
  for (let i = from; i < from + n; i++) {
    const id = String(10_000 + i)
    sim.addUser({ id, login: `user${i}@example.com`, enterprise: options.enterprise ?? true })
    made.push(sim.addCollaboration({ item, user: id, role: "viewer" }))
  }
  return made
}
