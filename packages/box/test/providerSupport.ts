/**
 * Fixtures of the neutral provider tests: a simulator (the demo seed plus the matrix seed below), a
 * provider on it whose HTTP client records every answer, and the check that each recorded answer
 * decodes with the package's own Wire schemas — strictly: a field the schemas do not declare fails.
 * The fixture runs that check when the test's scope closes, so no test can skip it.
 */
import { randomUUID } from "node:crypto"
import type { SharingProvider } from "@unishare/core"
import { RecordedAnswers } from "@unishare/core/testing"
import { Effect, Redacted, type Scope } from "effect"
import * as Client from "../src/Client.ts"
import * as Provider from "../src/Provider.ts"
import * as Simulator from "../src/Simulator.ts"
import * as Wire from "../src/Wire.ts"
import { fastRetry, ids } from "./support.ts"

/** One answer the client received. */
export type Answer = RecordedAnswers.Answer

/** A fetch `HttpClient` layer that records every answer in `answers`. */
export const recording = (answers: Array<Answer>) => RecordedAnswers.recording(answers)

/**
 * Asserts that every recorded answer decodes with the Wire schema for it (a folder or file list
 * page, a pending or group list page, a file or folder with its path, one collaboration, Box's
 * error object, or the empty body of a 204) and returns how many there were.
 */
export const assertAnswersDecode = (answers: ReadonlyArray<Answer>): number =>
  RecordedAnswers.assertDecode(answers, (a) =>
    a.status >= 400
      ? Wire.ClientError
      : a.method === "GET" && /\/(folders|files)\/\d+\/collaborations$/.test(a.path)
        ? Wire.Collaborations
        : a.method === "GET" && /\/(folders|files)\/\d+$/.test(a.path)
          ? Wire.ItemDetails
          : a.method === "GET" && (/\/groups\/\d+\/collaborations$/.test(a.path) || a.path.endsWith("/collaborations"))
            ? Wire.CollaborationsOffsetPaginated
            : Wire.Collaboration
  )

/** An expiry `days` ahead, to the second. */
export const inDays = (days: number) => `${new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 19)}Z`

/** The matrix seed's ids (beside the demo seed's `ids`). */
export const matrix = {
  /** A folder of the owner with a collaboration of every grantee kind, role, expiry and status. */
  folder: "6001",
  /** A folder below it: it inherits (waterfall) but lists only its own collaboration. */
  inner: "6002",
  /** A file in `inner` with its own collaborations. */
  file: "6003",
  /** An empty folder of the owner (grants start here). */
  empty: "6004",
  /** Users of the enterprise: ids 7001 …, logins m1@example.com …. */
  member: (i: number) => `m${i}@example.com`,
  memberId: (i: number) => String(7000 + i),
  /** An external user (pending until accepted). */
  partner: "7100",
  partnerLogin: "pat@partner.example",
  /** A second managed group. */
  team: "2003"
} as const

/** The demo seed plus the matrix; `soon` is the expiry of its expiring collaborations. */
export const matrixSeed = (soon: string = inDays(30)): Simulator.Seed => {
  const demo = Simulator.demoSeed
  const m = matrix.memberId
  const on = (id: string) => ({ type: "folder", id }) as const
  return {
    users: [
      ...(demo.users ?? []),
      ...Array.from({ length: 20 }, (_, k) => ({ id: m(k + 1), login: matrix.member(k + 1), name: `Member ${k + 1}` })),
      { id: matrix.partner, login: matrix.partnerLogin, name: "Pat Partner", enterprise: false }
    ],
    groups: [...(demo.groups ?? []), { id: matrix.team, name: "Team", members: [m(1), m(2)] }],
    tokens: demo.tokens,
    folders: [
      ...(demo.folders ?? []),
      { id: matrix.folder, name: "Matrix", owner: ids.owner },
      { id: matrix.inner, name: "Inner", parent: matrix.folder },
      { id: matrix.empty, name: "Empty", owner: ids.owner }
    ],
    files: [...(demo.files ?? []), { id: matrix.file, name: "matrix.txt", parent: matrix.inner }],
    collaborations: [
      ...(demo.collaborations ?? []),
      // every role, for a user of the enterprise (accepted at once)
      { id: "8001", item: on(matrix.folder), user: m(1), role: "viewer" },
      { id: "8002", item: on(matrix.folder), user: m(2), role: "editor" },
      { id: "8003", item: on(matrix.folder), user: m(3), role: "co-owner" },
      { id: "8004", item: on(matrix.folder), user: m(4), role: "previewer" },
      { id: "8005", item: on(matrix.folder), user: m(5), role: "uploader" },
      { id: "8006", item: on(matrix.folder), user: m(6), role: "previewer uploader" },
      { id: "8007", item: on(matrix.folder), user: m(7), role: "viewer uploader" },
      // with an expiry
      { id: "8008", item: on(matrix.folder), user: m(8), role: "editor", expiresAt: soon },
      { id: "8009", item: on(matrix.folder), group: matrix.team, role: "viewer", expiresAt: soon },
      // groups: a managed one, the all-users group
      { id: "8010", item: on(matrix.folder), group: ids.finance, role: "editor" },
      { id: "8011", item: on(matrix.folder), group: ids.allUsers, role: "viewer" },
      // pending: an external user, an email without an account (with an expiry)
      { id: "8012", item: on(matrix.folder), user: matrix.partner, role: "viewer uploader" },
      { id: "8013", item: on(matrix.folder), email: "newcomer@partner.example", role: "editor", expiresAt: soon },
      // rejected: left out of lists
      { id: "8014", item: on(matrix.folder), user: m(9), role: "viewer", status: "rejected" },
      // below: the inner folder's own, and the file's
      { id: "8015", item: on(matrix.inner), user: m(10), role: "editor" },
      { id: "8016", item: { type: "file", id: matrix.file }, user: m(11), role: "viewer" },
      { id: "8017", item: { type: "file", id: matrix.file }, group: matrix.team, role: "previewer", expiresAt: soon }
    ],
    settings: { ...demo.settings, collaborationExpiry: { enabledAt: "2020-01-01T00:00:00Z" } }
  }
}

/** A provider fixture: the simulator, the provider, a native client beside it, the recorded answers. */
export interface BoxFixture {
  readonly sim: Simulator.Simulator
  readonly provider: SharingProvider.Shape
  readonly client: Client.Client
  readonly answers: Array<Answer>
  /** The expiry of the matrix seed's expiring collaborations. */
  readonly soon: string
  /** Runs `effect` on an empty log and returns its value with the requests it sent. */
  readonly count: <A, E>(
    effect: Effect.Effect<A, E>
  ) => Effect.Effect<{ readonly value: A; readonly requests: number; readonly log: ReadonlyArray<string> }, E>
  /** The log as method + path + query + body, for exact comparisons. */
  readonly requests: () => ReadonlyArray<{
    readonly method: string
    readonly path: string
    readonly query: string
    readonly body: unknown
  }>
}

/** A fresh simulator (`matrixSeed` by default), a fresh token for `user` (the owner) and a recording provider. */
export const boxFixture = (
  options: { readonly seed?: Simulator.Seed; readonly user?: string; readonly provider?: Provider.Options } = {}
): Effect.Effect<BoxFixture, never, Scope.Scope> =>
  Effect.gen(function* () {
    const soon = inDays(30)
    const sim = yield* Simulator.serve({ seed: options.seed ?? matrixSeed(soon) })
    const token = `box-provider-${randomUUID()}`
    sim.addToken({ token, user: options.user ?? ids.owner, label: "provider" })
    const answers: Array<Answer> = []
    // whatever a test asserts, every answer it received must decode: checked when its scope closes
    yield* Effect.addFinalizer(() => Effect.sync(() => assertAnswersDecode(answers)))
    const client = yield* Client.make({ token: Redacted.make(token), baseUrl: sim.url, retry: fastRetry }).pipe(
      Effect.provide(recording(answers)),
      Effect.orDie
    )
    const provider = Provider.fromClient(client, options.provider)
    const count = <A, E>(effect: Effect.Effect<A, E>) =>
      Effect.gen(function* () {
        sim.clearLog()
        const value = yield* effect
        return { value, requests: sim.log().length, log: sim.log().map((r) => `${r.method} ${r.path}`) }
      })
    const requests = () => sim.log().map((r) => ({ method: r.method, path: r.path, query: r.query, body: r.body }))
    return { sim, provider, client, answers, soon, count, requests }
  })
