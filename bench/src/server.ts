/**
 * The listing server, run in a child process so that its CPU is not counted with the client's:
 * a Smartsheet simulator with one sheet of 10,000 shares and a Cloudflare simulator with one share
 * of 10,000 recipients, both without a rate limit. Prints their coordinates as one JSON line.
 */
import * as CloudflareSim from "@unishare/cloudflare/simulator"
import * as SmartsheetSim from "@unishare/smartsheet/simulator"

const N = Number(process.argv[2] ?? 10_000)
const owner = "owner@example.com"
const token = "bench-token"
const sheetId = "1000000000000001"
const users = Array.from({ length: N }, (_, i) => ({ email: `user${i}@example.com`, name: `User ${i}` }))
const smartsheet = await SmartsheetSim.start({
  rateLimit: false,
  seed: {
    users: [{ email: owner, name: "Owner" }, ...users],
    tokens: [{ token, user: owner }],
    assets: [{ type: "sheet", id: sheetId, name: "Big sheet", owner }],
    shares: users.map((u, i) => ({
      assetType: "sheet" as const,
      assetId: sheetId,
      email: u.email,
      accessLevel: i % 3 === 0 ? ("EDITOR" as const) : ("VIEWER" as const)
    }))
  }
})

const account = "023e105f4ecef8ad9ca31a8372d0c353"
const cloudflare = await CloudflareSim.start({
  rateLimit: false,
  credentials: [{ token, principal: "bench" }],
  seed: { accounts: [{ id: account, name: "Owner account", organization_id: "4ae96b85c43850f2c0a7b9101a0eeb18" }] }
})
const share = cloudflare.seedShare({
  account_id: account,
  name: "Big share",
  resources: [{ resource_id: "0123456789abcdef0123456789abcdef", resource_type: "custom-ruleset" }]
})
for (let i = 0; i < N; i++) {
  cloudflare.seedRecipient(share.id, {
    account_id: i.toString(16).padStart(32, "0"),
    association_status: "associated"
  })
}

console.log(
  JSON.stringify({
    smartsheet: { url: smartsheet.url, token, sheetId, shares: N + 1 },
    cloudflare: { url: cloudflare.url, token, accountId: account, shareId: share.id, recipients: N }
  })
)
process.on("SIGTERM", () => {
  void Promise.all([smartsheet.close(), cloudflare.close()]).then(() => process.exit(0))
})
