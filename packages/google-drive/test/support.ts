/**
 * Shared fixtures: a simulator with the demo seed per test, a fresh token per test (so the
 * process-wide rate limiter and lock table never mix tests), a client on it, and the log without
 * time stamps for exact comparisons.
 */
import { randomUUID } from "node:crypto"
import { Effect, Redacted, type Scope } from "effect"
import type { HttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Simulator from "../src/Simulator.ts"
import * as Wire from "../src/Wire.ts"

export const ids = Simulator.demoIds

export const users = {
  owner: "10000000000000000001",
  ada: "10000000000000000002",
  grace: "10000000000000000003",
  admin: "10000000000000000004",
  linus: "10000000000000000005",
  alice: "10000000000000000006",
  bob: "10000000000000000007",
  finance: "20000000000000000001"
} as const

export interface Fixture {
  readonly sim: Simulator.Simulator
  readonly client: Client.Client
  readonly token: string
  /** A client acting as another demo user (a fresh token for them). */
  readonly as: (email: string) => Effect.Effect<Client.Client, never, HttpClient.HttpClient>
}

/** A fresh simulator with the demo data, a token for Olivia Owner unique to this test, and a client. */
export const fixture = (
  options: {
    readonly simulator?: Simulator.Options
    readonly client?: Partial<Client.Config>
    readonly user?: string
  } = {}
): Effect.Effect<Fixture, never, Scope.Scope | HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const sim = yield* Simulator.serve({ seed: Simulator.demoSeed, ...options.simulator })
    const tokenFor = (email: string) => {
      const token = `drive-secret-${randomUUID()}`
      sim.addToken({ token, user: email })
      return token
    }
    const token = tokenFor(options.user ?? "owner@example.com")
    const make = (t: string, extra: Partial<Client.Config> = {}) =>
      Client.make({
        credentials: Redacted.make(t),
        baseUrl: sim.url,
        retry: { baseMillis: 5, maxMillis: 20 },
        ...extra
      }).pipe(Effect.orDie)
    const client = yield* make(token, options.client)
    return { sim, client, token, as: (email: string) => make(tokenFor(email)) }
  })

/** Log entries without the time stamp and principal, for exact comparisons. */
export const requests = (sim: Simulator.Simulator) =>
  sim.log().map((r) => ({ method: r.method, path: r.path, query: r.query, body: r.body, status: r.status }))

/** The query string the client sends, in its order. */
export const query = (entries: ReadonlyArray<readonly [string, string | number | boolean]>) =>
  `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`

export const permissionFields = Wire.permissionSelector
export const listFields = Wire.listSelector

/** The README's tables of the demo seed, rendered from it. */
const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")
}
const code = (text: string) => `\`${text}\``

/** The README lists these tables exactly (checked by Simulator.test.ts). */
export const seedTables = (): string => {
  const seed = Simulator.demoSeed
  const grants = (file: string) =>
    (seed.permissions ?? [])
      .filter((p) => p.file === file)
      .map((p) =>
        p.type === "anyone"
          ? `anyone ${p.allowFileDiscovery === true ? "(public)" : "with the link"} ${p.role}`
          : `${p.emailAddress ?? p.domain} ${p.role}`
      )
  const rows = [
    ...(seed.users ?? []).map((u) => [
      "user",
      code(u.id ?? ""),
      u.name ?? "",
      [
        code(u.email),
        u.organization !== undefined ? `organization ${code(u.organization)}` : "consumer account",
        ...(u.admin === true ? ["Workspace admin"] : [])
      ].join(", ")
    ]),
    ...(seed.groups ?? []).map((g) => [
      "group",
      code(g.id ?? ""),
      g.name ?? "",
      `${code(g.email)}, members ${(g.members ?? []).join(", ")}`
    ]),
    ...(seed.drives ?? []).map((d) => [
      "shared drive",
      code(d.id ?? ""),
      d.name,
      `organization ${code(d.organization)}; members ${(d.members ?? []).map((m) => `${m.email} ${m.role}`).join(", ")}`
    ]),
    ...(seed.files ?? []).map((f) => {
      const where =
        f.drive !== undefined
          ? `in shared drive ${code(f.drive)}`
          : f.parent !== undefined
            ? `in ${code(f.parent)}`
            : `owner ${f.owner}`
      const direct = grants(f.id ?? "")
      return [
        f.folder === true ? "folder" : "file",
        code(f.id ?? ""),
        f.name,
        [where, ...(direct.length > 0 ? [`shared: ${direct.join(", ")}`] : [])].join("; ")
      ]
    })
  ]
  const tokens = seed.tokens ?? []
  return [
    table(["seeded", "id", "name", "details"], rows),
    "",
    table(
      ["`demoCredentials`", "value", "acts as"],
      Object.entries(Simulator.demoCredentials).map(([name, value]) => [
        code(name),
        code(value),
        tokens.find((t) => t.token === value)?.user ?? ""
      ])
    )
  ].join("\n")
}
