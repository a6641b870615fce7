/**
 * Typed consumer code, compiled by the consumer test with `tsc --noEmit` (NodeNext and Bundler,
 * `skipLibCheck: false`) against the installed tarballs: the README's two styles (Effect and the
 * Promise facade), a simulator, and the CLI's library entry.
 */
import { Cli } from "@unishare/cli"
import * as Cloudflare from "@unishare/cloudflare"
import { Grantee, type Share, Sync } from "@unishare/core"
import { Errors, SharingClient } from "@unishare/core/promise"
import * as Eci from "@unishare/eci"
import * as EciSimulator from "@unishare/eci/simulator"
import * as Smartsheet from "@unishare/smartsheet"
import { Effect, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"

export const withEffect: Effect.Effect<boolean, unknown> = Effect.gen(function* () {
  const smartsheet = yield* Smartsheet.make({ token: Redacted.make("token") })
  const sheet = Smartsheet.asset("sheet", "4583173393803140")
  const result = yield* Sync.sync(smartsheet, sheet, [
    { grantee: Grantee.user({ email: "ada@example.com" }), level: "editor" }
  ])
  return result.verified
}).pipe(Effect.provide(FetchHttpClient.layer))

export const withPromises = async (): Promise<ReadonlyArray<Share.Share>> => {
  const simulator = await EciSimulator.start({ seed: EciSimulator.demoSeed })
  const client = SharingClient.create(
    Eci.make({ apiKey: Redacted.make(EciSimulator.demoCredentials.admin), baseUrl: simulator.url })
  )
  try {
    await client.grant(Eci.list(1004), { grantee: Grantee.group("12"), level: "viewer" })
    return await client.list(Eci.list(1004))
  } catch (error) {
    if (error instanceof Errors.AccessDenied) console.error(error.message)
    throw error
  } finally {
    await client.close()
    await simulator.close()
  }
}

export const cloudflareShare = Cloudflare.share("023e105f4ecef8ad9ca31a8372d0c353", "3fd85f74b32742f1bff64a85009dda07")
export const cliVersion: string = Cli.version
