/**
 * Shared fixtures for the Cloudflare tests: a seeded organization, a simulator per test with a fresh
 * credential (so the process-wide client rate limiter never mixes tests), and clients on it.
 */
import { randomUUID } from "node:crypto"
import { Effect, Redacted, type Scope } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Provider from "../src/Provider.ts"
import * as Simulator from "../src/Simulator.ts"

export const ORG = "4ae96b85c43850f2c0a7b9101a0eeb18"
export const OTHER_ORG = "5bf07c96d54961030d8b0c2120b1fc29"
export const OWNER = "023e105f4ecef8ad9ca31a8372d0c353"
export const R1 = "1b2c3d4e5f60718293a4b5c6d7e8f901"
export const R2 = "2c3d4e5f60718293a4b5c6d7e8f90112"
export const R3 = "3d4e5f60718293a4b5c6d7e8f9011223"
export const OUTSIDER = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"

export const accounts: ReadonlyArray<Simulator.SeedAccount> = [
  { id: OWNER, name: "Acme Security", organization_id: ORG },
  { id: R1, name: "Acme Retail", organization_id: ORG },
  { id: R2, name: "Acme Media", organization_id: ORG },
  { id: R3, name: "Acme Labs", organization_id: ORG },
  { id: OUTSIDER, name: "Other Corp", organization_id: OTHER_ORG }
]

export const ruleset = {
  resource_id: "8ac8489932db6327334c9b6d58544cfe",
  resource_type: "custom-ruleset"
} as const

export interface Env {
  readonly sim: Simulator.CloudflareSimulator
  readonly token: string
  readonly client: Client.Client
}

/** A simulator with the seeded organization and a client on it, authenticated by a fresh API token. */
export const environment = (
  options: Omit<Simulator.Options, "credentials" | "seed"> & {
    readonly client?: Partial<Client.Config> | undefined
  } = {}
): Effect.Effect<Env, never, Scope.Scope> =>
  Effect.gen(function* () {
    const token = `cf-test-${randomUUID()}`
    const { client: clientOptions, ...simOptions } = options
    const sim = yield* Simulator.serve({
      ...simOptions,
      credentials: [{ token, principal: "tester" }],
      seed: { accounts }
    })
    const client = yield* Client.make({
      credentials: Client.apiToken(Redacted.make(token)),
      baseUrl: sim.url,
      retry: { times: 0 },
      ...clientOptions
    }).pipe(Effect.provide(FetchHttpClient.layer), Effect.orDie)
    return { sim, token, client }
  })

/** The conformance fixture: a fresh share owned by OWNER, no recipients, three member accounts as grantees. */
export const conformanceSetup = Effect.gen(function* () {
  const { sim, client } = yield* environment({ transitions: { mode: "reads", reads: 1 } })
  const seeded = sim.seedShare({ account_id: OWNER, name: "Conformance share", resources: [ruleset] })
  return {
    provider: Provider.fromClient(client, { accounts: [OWNER] }),
    resource: Provider.share(OWNER, seeded.id),
    grantees: [
      { _tag: "Account", id: R1 },
      { _tag: "Account", id: R2 },
      { _tag: "Account", id: R3 }
    ] as const,
    missingResource: Provider.share(OWNER, "0000000000000000000000000000beef")
  }
})
