/**
 * `HttpApi` per-request overhead against plain `fetch`: sequential GETs of a small JSON document
 * from a loopback server in a child process, in interleaved rounds (plain fetch, `HttpApi.json` on
 * `FetchTransport.layer`, which it drives with `fetch` directly, `HttpApi.json` on effect's
 * `FetchHttpClient.layer` as any other `HttpClient`, and that `HttpClient` alone; all keep-alive),
 * so machine load hits all alike. The figure is the
 * client's CPU time per request (user + system, this process only: the server runs elsewhere),
 * which other processes on a busy machine do not inflate; wall time is printed beside it. Prints
 * the medians and their ratio; exits non-zero when the CPU ratio exceeds the target (1.3).
 *
 * Each round runs the clients back to back (alternating which goes first), and the figure is the
 * median of the per-round ratios, so a load change on a shared machine shifts both sides of a
 * ratio alike instead of one median. `pnpm bench` shows it as a row of its table.
 *
 *   pnpm bench:http [--requests 250] [--rounds 31]
 */
import { spawn } from "node:child_process"
import { parseArgs } from "node:util"
import { FetchTransport, HttpApi } from "@unishare/core"
import { Effect, Redacted, Schema } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { ratioRow, type Suite } from "./harness.ts"

/** Options of the measurement. */
export interface HttpOverheadOptions {
  readonly requests: number
  readonly rounds: number
}

/** Median CPU and wall microseconds per request of each client, and the CPU ratio `httpApi / fetch`. */
export interface HttpOverheadResult {
  readonly fetchMicros: number
  readonly httpApiMicros: number
  readonly fetchWallMicros: number
  readonly httpApiWallMicros: number
  readonly ratio: number
  readonly target: number
  /** The floor under `HttpApi`: effect's own `HttpClient` (client span off, as `HttpApi` runs it) over plain fetch. */
  readonly effectClientRatio: number
  /** `HttpApi.json` over effect's `FetchHttpClient.layer` (a generic `HttpClient`) over plain fetch. */
  readonly genericRatio: number
}

const Share = Schema.Struct({
  sharedUserGroups: Schema.Array(Schema.Struct({ userGroupId: Schema.Number, userGroupName: Schema.String })),
  sharedUsers: Schema.Array(Schema.Struct({ userId: Schema.Number, fullName: Schema.String })),
  sharedWithEveryone: Schema.Boolean
})

const document = JSON.stringify({
  sharedUserGroups: [{ userGroupId: 7, userGroupName: "Finance" }],
  sharedUsers: [
    { userId: 10, fullName: "Ada Lovelace" },
    { userId: 11, fullName: "Grace Hopper" }
  ],
  sharedWithEveryone: false
})

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/**
 * Measures the overhead; the target is 1.3× plain fetch.
 *
 * @example
 * ```ts
 * const { ratio } = await measureHttpOverhead({ requests: 500, rounds: 3 })
 * ```
 */
export const measureHttpOverhead = async (options: HttpOverheadOptions): Promise<HttpOverheadResult> => {
  const server = spawn(
    process.execPath,
    [
      "-e",
      `const s = require("node:http").createServer((q, r) => { r.writeHead(200, { "content-type": "application/json; charset=utf-8" }); r.end(${JSON.stringify(document)}) });
       s.keepAliveTimeout = 30000; s.listen(0, "127.0.0.1", () => process.send(s.address().port))`
    ],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] }
  )
  const port = await new Promise<number>((resolve) => server.once("message", (m) => resolve(Number(m))))
  const baseUrl = `http://127.0.0.1:${port}`
  const key = "bench-api-key-0123456789"
  try {
    const config: HttpApi.Config = {
      provider: "bench",
      baseUrl,
      auth: HttpApi.headers({ "ECI-ApiKey": Redacted.make(key) })
    }
    const api = await Effect.runPromise(HttpApi.make(config).pipe(Effect.provide(FetchTransport.layer)))
    const generic = await Effect.runPromise(HttpApi.make(config).pipe(Effect.provide(FetchHttpClient.layer)))
    const spec: HttpApi.RequestSpec<typeof Share> = {
      operation: "getListShare",
      method: "GET",
      path: HttpApi.path`/api/v3/list/${42}/share`,
      response: Share
    }
    const viaHttpApi = Effect.gen(function* () {
      for (let i = 0; i < options.requests; i++) yield* api.json(spec)
    })
    const viaGeneric = Effect.gen(function* () {
      for (let i = 0; i < options.requests; i++) yield* generic.json(spec)
    })
    const viaFetch = async () => {
      for (let i = 0; i < options.requests; i++) {
        const response = await fetch(`${baseUrl}/api/v3/list/42/share`, {
          headers: { accept: "application/json", "ECI-ApiKey": key, "user-agent": "bench" }
        })
        JSON.parse(await response.text())
      }
    }
    const viaEffectClient = Effect.gen(function* () {
      const client = yield* HttpClient.HttpClient
      for (let i = 0; i < options.requests; i++) {
        const response = yield* client.execute(
          HttpClientRequest.get(`${baseUrl}/api/v3/list/42/share`, {
            headers: { accept: "application/json", "ECI-ApiKey": key, "user-agent": "bench" }
          })
        )
        JSON.parse(yield* response.text)
      }
    }).pipe(
      Effect.provideService(HttpClient.TracerDisabledWhen, () => true),
      Effect.provide(FetchHttpClient.layer)
    )
    // warm up all three (JIT, connection pool)
    await viaFetch()
    await Effect.runPromise(viaHttpApi)
    await Effect.runPromise(viaEffectClient)
    await Effect.runPromise(viaGeneric)
    type Client = "fetch" | "api" | "client" | "generic"
    const cpu: Record<Client, Array<number>> = { fetch: [], api: [], client: [], generic: [] }
    const wall: Record<Client, Array<number>> = { fetch: [], api: [], client: [], generic: [] }
    const timed = async (run: () => Promise<unknown>, into: Client) => {
      const c = process.cpuUsage()
      const t = performance.now()
      await run()
      const used = process.cpuUsage(c)
      wall[into].push(((performance.now() - t) * 1000) / options.requests)
      cpu[into].push((used.user + used.system) / options.requests)
    }
    const ratios: Array<number> = []
    const clientRatios: Array<number> = []
    const genericRatios: Array<number> = []
    for (let round = 0; round < options.rounds; round++) {
      // alternate which goes first, so a load change mid-round hits both orders alike
      if (round % 2 === 0) {
        await timed(viaFetch, "fetch")
        await timed(() => Effect.runPromise(viaHttpApi), "api")
        await timed(() => Effect.runPromise(viaEffectClient), "client")
        await timed(() => Effect.runPromise(viaGeneric), "generic")
      } else {
        await timed(() => Effect.runPromise(viaGeneric), "generic")
        await timed(() => Effect.runPromise(viaEffectClient), "client")
        await timed(() => Effect.runPromise(viaHttpApi), "api")
        await timed(viaFetch, "fetch")
      }
      ratios.push((cpu.api[round] ?? Number.NaN) / (cpu.fetch[round] ?? Number.NaN))
      clientRatios.push((cpu.client[round] ?? Number.NaN) / (cpu.fetch[round] ?? Number.NaN))
      genericRatios.push((cpu.generic[round] ?? Number.NaN) / (cpu.fetch[round] ?? Number.NaN))
    }
    return {
      fetchMicros: median(cpu.fetch),
      httpApiMicros: median(cpu.api),
      fetchWallMicros: median(wall.fetch),
      httpApiWallMicros: median(wall.api),
      // the median of the per-round ratios: each pair ran back to back under the same load
      ratio: median(ratios),
      target: 1.3,
      effectClientRatio: median(clientRatios),
      genericRatio: median(genericRatios)
    }
  } finally {
    server.kill()
  }
}

/**
 * The suite of `pnpm bench`: `HttpApi.json` CPU per request over plain `fetch` (the target), and
 * effect's own `HttpClient` over plain `fetch` beside it (the transport's share of the overhead).
 *
 * @example
 * ```ts
 * const rows = await httpOverhead({ requests: 250, rounds: 31 }).run()
 * ```
 */
export const httpOverhead = (options: HttpOverheadOptions): Suite => ({
  name: `HttpApi per-request overhead (client CPU, ${options.requests} sequential GETs × ${options.rounds} interleaved rounds, median of per-round ratios)`,
  run: async () => {
    const r = await measureHttpOverhead(options)
    return [
      ratioRow(
        "HttpApi.json (on FetchTransport.layer) / plain fetch, CPU per request",
        r.ratio,
        r.target,
        `${r.httpApiMicros.toFixed(0)} / ${r.fetchMicros.toFixed(0)} µs; wall ${r.httpApiWallMicros.toFixed(0)} / ${r.fetchWallMicros.toFixed(0)} µs`
      ),
      {
        name: "effect HttpClient alone / plain fetch (the transport HttpApi runs on; information)",
        value: `${r.effectClientRatio.toFixed(2)}×`,
        target: "—",
        ok: undefined
      },
      {
        name: "HttpApi.json on effect's FetchHttpClient.layer (a generic HttpClient) / plain fetch (information)",
        value: `${r.genericRatio.toFixed(2)}×`,
        target: "—",
        ok: undefined
      }
    ]
  }
})

if (import.meta.main) {
  const { values } = parseArgs({
    options: { requests: { type: "string", default: "250" }, rounds: { type: "string", default: "31" } }
  })
  const result = await measureHttpOverhead({ requests: Number(values.requests), rounds: Number(values.rounds) })
  console.log(
    [
      `HttpApi.json vs plain fetch, ${values.requests} sequential GETs × ${values.rounds} interleaved rounds (median per request)`,
      `  plain fetch   ${result.fetchMicros.toFixed(0)} µs CPU (${result.fetchWallMicros.toFixed(0)} µs wall)`,
      `  HttpApi.json  ${result.httpApiMicros.toFixed(0)} µs CPU (${result.httpApiWallMicros.toFixed(0)} µs wall)`,
      `  effect HttpClient alone  ${result.effectClientRatio.toFixed(2)}× CPU of plain fetch`,
      `  HttpApi.json on FetchHttpClient.layer  ${result.genericRatio.toFixed(2)}× CPU of plain fetch`,
      `  ratio         ${result.ratio.toFixed(2)}× CPU (target ≤ ${result.target}×), ${(result.httpApiWallMicros / result.fetchWallMicros).toFixed(2)}× wall`
    ].join("\n")
  )
  if (result.ratio > result.target) process.exitCode = 1
}
