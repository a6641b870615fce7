// Consumer check (ES modules): imports every entry of every installed @unishare package, starts and
// closes each simulator, then grants and lists through the Promise facade against the EnergyCAP
// simulator. Prints one JSON line with what it did; exits non-zero on any failure.
import * as Assert from "node:assert/strict"
import { Grantee } from "@unishare/core"
import { SharingClient } from "@unishare/core/promise"
import * as Eci from "@unishare/eci"
import * as EciSimulator from "@unishare/eci/simulator"
import { Redacted } from "effect"
import { entries } from "./entries.mjs"

const imported = []
const simulators = []
for (const specifier of entries(process.cwd())) {
  const module = await import(specifier)
  Assert.ok(Object.keys(module).length > 0, `${specifier} exports nothing`)
  imported.push(specifier)
  if (specifier.endsWith("/simulator")) {
    const simulator = await module.start()
    Assert.match(simulator.url, /^http:\/\/127\.0\.0\.1:\d+/)
    await simulator.close()
    simulators.push(specifier)
  }
}

const simulator = await EciSimulator.start({ seed: EciSimulator.demoSeed })
const client = SharingClient.create(
  Eci.make({ apiKey: Redacted.make(EciSimulator.demoKeys.admin), baseUrl: simulator.url })
)
try {
  const list = Eci.list(1004)
  const share = await client.grant(list, { grantee: Grantee.user({ id: "4" }), level: "viewer" })
  const shares = await client.list(list)
  Assert.deepEqual(
    shares.map((s) => s.id),
    [share.id]
  )
  console.log(JSON.stringify({ node: process.version, imported, simulators, granted: share.id, listed: shares.length }))
} finally {
  await client.close()
  await simulator.close()
}
