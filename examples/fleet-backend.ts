/**
 * Example: a backend that runs several instances against one EnergyCAP tenant. Every instance
 * builds its provider under `Fleet.layer`, so grants on one list are serialized across instances
 * (EnergyCAP replaces a list's whole share set on each write: unserialized writers lose updates),
 * and all instances together stay within one request budget per API key.
 *
 * Run: `UNISHARE_DATABASE_URL=postgres://… ECI_API_KEY=… ECI_BASE_URL=… pnpm exec node examples/fleet-backend.ts 42 ada@example.com`
 */
import { Grantee } from "@unishare/core"
import * as Eci from "@unishare/eci"
import { Fleet } from "@unishare/fleet"
import { Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"

/** Everything an instance needs: the shared lock and budget on the database, and an HTTP client. */
export const FleetLive = (database: Redacted.Redacted<string>) =>
  Layer.mergeAll(Fleet.layer({ database }), FetchHttpClient.layer)

/** Grants viewer access on a list, from any instance of the fleet. */
export const grantViewer = (config: Eci.Config, listId: number, email: string) =>
  Effect.gen(function* () {
    // made under the fleet layer: takes the shared lock and budget from it
    const energycap = yield* Eci.make({
      ...config,
      rateLimit: config.rateLimit ?? { requests: 600, windowMillis: 60_000 }
    })
    return yield* energycap.grant(Eci.list(listId), { grantee: Grantee.user({ email }), level: "viewer" })
  })

if (import.meta.main) {
  const [listId, email] = process.argv.slice(2)
  const env = (name: string) => {
    const value = process.env[name]
    if (value === undefined || value === "") throw new Error(`${name} is not set`)
    return value
  }
  const share = await Effect.runPromise(
    grantViewer(
      {
        apiKey: Redacted.make(env("ECI_API_KEY")),
        ...(process.env.ECI_BASE_URL ? { baseUrl: process.env.ECI_BASE_URL } : {})
      },
      Number(listId),
      email ?? ""
    ).pipe(Effect.provide(FleetLive(Redacted.make(env("UNISHARE_DATABASE_URL")))))
  )
  console.log(`${share.grantee._tag} ${share.id} can now view list ${listId}`)
}
