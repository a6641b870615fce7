/**
 * SDK-level client cost: CPU of this process to list 10,000 Smartsheet shares and 10,000
 * Cloudflare recipients, unishare's clients against the official SDKs, interleaved, from the same
 * simulators (in a child process, so only client CPU is counted). The unishare clients run on
 * `FetchTransport.layer`, the `HttpClient` `HttpApi` drives with `fetch` directly.
 */
import { spawn } from "node:child_process"
import * as Readline from "node:readline"
import * as CloudflareClient from "@unishare/cloudflare/Client"
import { FetchTransport } from "@unishare/core"
import * as SmartsheetClient from "@unishare/smartsheet/Client"
import Cloudflare from "cloudflare"
import { Effect, Redacted, Stream } from "effect"
import * as SmartsheetSdk from "smartsheet"
import { cpuMillis, interleaved, ratioRow, type Suite } from "./harness.ts"

interface Coordinates {
  readonly smartsheet: { url: string; token: string; sheetId: string; shares: number }
  readonly cloudflare: { url: string; token: string; accountId: string; shareId: string; recipients: number }
}

const startServer = async (n: number) => {
  const child = spawn(process.execPath, [new URL("./server.ts", import.meta.url).pathname, String(n)], {
    stdio: ["ignore", "pipe", "inherit"]
  })
  const lines = Readline.createInterface({ input: child.stdout })
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve)
    child.once("exit", (code) => reject(new Error(`bench server exited with ${code}`)))
  })
  return { coordinates: JSON.parse(first) as Coordinates, stop: () => child.kill("SIGTERM") }
}

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(effect)

export const listing = (options: { readonly n: number; readonly rounds: number }): Suite => ({
  name: `listing ${options.n.toLocaleString("en")} shares / recipients (client CPU, median of ${options.rounds} interleaved per-round ratios)`,
  run: async () => {
    const { coordinates, stop } = await startServer(options.n)
    try {
      const ss = coordinates.smartsheet
      const unishareSmartsheet = await run(
        SmartsheetClient.make({
          token: Redacted.make(ss.token),
          baseUrl: ss.url,
          // the budget is not what is measured here: a huge one that never waits
          rateLimit: { requests: 1_000_000, windowMillis: 1 }
        }).pipe(Effect.provide(FetchTransport.layer))
      )
      const asset = { assetType: "sheet", assetId: ss.sheetId } as const
      const sdk = SmartsheetSdk.createClient({ accessToken: ss.token, baseUrl: `${ss.url}/`, logLevel: "error" })
      const expectCount = (what: string, got: number, want: number) => {
        if (got !== want) throw new Error(`${what}: listed ${got}, expected ${want}`)
      }
      const smartsheet = await interleaved(
        options.rounds,
        () =>
          cpuMillis(async () => {
            const items = await run(
              Stream.runCollect(unishareSmartsheet.listShares(asset)).pipe(Effect.provide(FetchTransport.layer))
            )
            expectCount("unishare smartsheet", items.length, ss.shares)
          }),
        () =>
          cpuMillis(async () => {
            const items: Array<unknown> = []
            let lastKey: string | undefined
            do {
              const page = await sdk.sharing.listAssetShares({
                queryParameters: {
                  assetType: SmartsheetSdk.AssetType.SHEET,
                  assetId: ss.sheetId,
                  ...(lastKey !== undefined ? { lastKey } : {})
                }
              })
              items.push(...page.items)
              lastKey = page.items.length > 0 && page.lastKey ? page.lastKey : undefined
            } while (lastKey !== undefined)
            expectCount("smartsheet SDK", items.length, ss.shares)
          })
      )

      const cf = coordinates.cloudflare
      const unishareCloudflare = await run(
        CloudflareClient.make({
          credentials: CloudflareClient.apiToken(Redacted.make(cf.token)),
          baseUrl: cf.url,
          rateLimit: false
        }).pipe(Effect.provide(FetchTransport.layer))
      )
      const cfSdk = new Cloudflare({ apiToken: cf.token, baseURL: cf.url, maxRetries: 0 })
      const cloudflare = await interleaved(
        options.rounds,
        () =>
          cpuMillis(async () => {
            const items = await run(
              Stream.runCollect(unishareCloudflare.listRecipients(cf.accountId, cf.shareId)).pipe(
                Effect.provide(FetchTransport.layer)
              )
            )
            expectCount("unishare cloudflare", items.length, cf.recipients)
          }),
        () =>
          cpuMillis(async () => {
            let count = 0
            for await (const _ of cfSdk.resourceSharing.recipients.list(cf.shareId, {
              account_id: cf.accountId,
              per_page: 100
            })) {
              count++
            }
            expectCount("cloudflare SDK", count, cf.recipients)
          })
      )
      return [
        ratioRow(
          "Smartsheet: list 10,000 shares, unishare / SDK loop",
          smartsheet.ratio,
          1,
          `${smartsheet.a.toFixed(0)} / ${smartsheet.b.toFixed(0)} ms`
        ),
        ratioRow(
          "Cloudflare: list 10,000 recipients, unishare / SDK auto-pagination",
          cloudflare.ratio,
          1,
          `${cloudflare.a.toFixed(0)} / ${cloudflare.b.toFixed(0)} ms`
        )
      ]
    } finally {
      stop()
    }
  }
})
