import { Grantee } from "@unishare/core"
import { SharingClient } from "@unishare/core/promise"
import * as Eci from "@unishare/eci"
import * as EciSimulator from "@unishare/eci/simulator"
import { Redacted } from "effect"

// a local EnergyCAP API with demo users, groups and lists (its README lists them)
const simulator = await EciSimulator.start({ seed: EciSimulator.demoSeed })
const energycap = SharingClient.create(
  Eci.make({ baseUrl: simulator.url, apiKey: Redacted.make(EciSimulator.demoCredentials.admin) })
)
try {
  const list = Eci.list(1004) // "Sites without a budget": not shared yet
  const ada = await energycap.grant(list, {
    grantee: Grantee.user({ email: "ada.lovelace@energy.example" }), // resolved to her user id
    level: "viewer"
  })
  await energycap.grant(list, { grantee: Grantee.group("12"), level: "viewer" })
  for (const share of await energycap.list(list)) {
    console.log(`${Grantee.describe(share.grantee)}: ${share.level}`)
  }
  await energycap.revoke(list, ada.id)
  console.log(`after revoking Ada: ${(await energycap.list(list)).length} share(s)`)
} finally {
  await energycap.close()
  await simulator.close()
}
