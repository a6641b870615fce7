// Consumer check (CommonJS): require()s every entry of every installed @unishare package (ES
// modules loaded through require, Node >= 22.12), then grants and lists through the Promise facade
// against the EnergyCAP simulator. Prints one JSON line with what it did.
const Assert = require("node:assert/strict")
const { Grantee } = require("@unishare/core")
const { SharingClient } = require("@unishare/core/promise")
const Eci = require("@unishare/eci")
const EciSimulator = require("@unishare/eci/simulator")
const { Redacted } = require("effect")

const main = async () => {
  const { entries } = await import("./entries.mjs")
  const required = []
  for (const specifier of entries(process.cwd())) {
    const module = require(specifier)
    Assert.ok(Object.keys(module).length > 0, `${specifier} exports nothing`)
    required.push(specifier)
  }
  const simulator = await EciSimulator.start({ seed: EciSimulator.demoSeed })
  const client = SharingClient.create(
    Eci.make({ apiKey: Redacted.make(EciSimulator.demoKeys.admin), baseUrl: simulator.url })
  )
  try {
    const list = Eci.list(1001)
    const share = await client.grant(list, { grantee: Grantee.group("12"), level: "viewer" })
    const shares = await client.list(list)
    Assert.ok(
      shares.some((s) => s.id === share.id),
      "the granted share is listed"
    )
    console.log(JSON.stringify({ node: process.version, required, granted: share.id, listed: shares.length }))
  } finally {
    await client.close()
    await simulator.close()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
