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

/** One answer the client received. */
export type Answer = RecordedAnswers.Answer

/** A fetch `HttpClient` layer that records every answer in `answers`. */
export const recording = (answers: Array<Answer>) => RecordedAnswers.recording(answers)

/**
 * Asserts that every recorded answer decodes with the package's Wire schema for it (a list page, a
 * permission, Google's error envelope, or the empty body of a delete) and returns how many there were.
 */
export const assertAnswersDecode = (answers: ReadonlyArray<Answer>): number =>
  RecordedAnswers.assertDecode(answers, (a) =>
    a.status >= 400
      ? Wire.ErrorBody
      : a.method === "GET" && a.path.endsWith("/permissions")
        ? Wire.PermissionList
        : Wire.Permission
  )

/** The matrix seed's ids (beside `Simulator.demoIds`). */
export const matrix = {
  /** My Drive file of owner@example.com with a direct grant of every kind, role and expiry. */
  file: "1MatrixFileGGGGGGGGGGGGGGGGGGGGGGGG",
  /** My Drive folder with direct grants; `inner` below it inherits them (My Drive: source not named). */
  folder: "1MatrixFolderHHHHHHHHHHHHHHHHHHHHHH",
  inner: "1MatrixInnerIIIIIIIIIIIIIIIIIIIIIII",
  /** A shared drive whose members hold every member role. */
  drive: "0AMatrixDriveUk9PVAA",
  /** A folder in it with direct grants, and a file below inheriting from both. */
  driveFolder: "1MatrixDriveFolderJJJJJJJJJJJJJJJJJ",
  driveFile: "1MatrixDriveFileKKKKKKKKKKKKKKKKKKKK"
} as const

/** `n` users u1@example.com … of the example.com organization (ids 3000…). */
export const member = (i: number) => `u${i}@example.com`
export const memberId = (i: number) => `3${String(i).padStart(19, "0")}`
/** Groups team1@example.com … team8@example.com ("Team 1" …). */
export const team = (i: number) => `team${i}@example.com`
export const teams = [team(1), team(2), team(3)] as const

/** An expiry `days` ahead, to the second. */
export const inDays = (days: number) => `${new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 19)}Z`

/** The demo seed plus the matrix; `soon` is the expiry of its expiring grants. */
export const matrixSeed = (soon: string = inDays(30)): Simulator.Seed => {
  const demo = Simulator.demoSeed
  return {
    users: [
      ...(demo.users ?? []),
      ...Array.from({ length: 40 }, (_, k) => ({
        id: memberId(k + 1),
        email: member(k + 1),
        name: `Member ${k + 1}`,
        organization: "example.com"
      }))
    ],
    groups: [
      ...(demo.groups ?? []),
      ...Array.from({ length: 8 }, (_, k) => ({
        id: `4${String(k + 1).padStart(19, "0")}`,
        email: team(k + 1),
        name: `Team ${k + 1}`
      }))
    ],
    tokens: demo.tokens,
    drives: [
      ...(demo.drives ?? []),
      {
        id: matrix.drive,
        name: "Matrix",
        organization: "example.com",
        members: [
          { email: "owner@example.com", role: "organizer" },
          { email: member(1), role: "fileOrganizer" },
          { email: member(2), role: "writer" },
          { email: member(3), role: "commenter" },
          { email: member(4), role: "reader" },
          { email: teams[0], role: "reader" }
        ]
      }
    ],
    files: [
      ...(demo.files ?? []),
      { id: matrix.file, name: "Matrix", owner: "owner@example.com" },
      { id: matrix.folder, name: "Matrix folder", folder: true, owner: "owner@example.com" },
      { id: matrix.inner, name: "Inner", parent: matrix.folder },
      { id: matrix.driveFolder, name: "Drive folder", folder: true, drive: matrix.drive },
      { id: matrix.driveFile, name: "Drive file", parent: matrix.driveFolder }
    ],
    permissions: [
      ...(demo.permissions ?? []),
      // My Drive file: users and groups at every role, with and without expiry; domains; anyone
      { file: matrix.file, type: "user", role: "reader", emailAddress: member(5) },
      { file: matrix.file, type: "user", role: "reader", emailAddress: member(6), expirationTime: soon },
      { file: matrix.file, type: "user", role: "commenter", emailAddress: member(7) },
      { file: matrix.file, type: "user", role: "commenter", emailAddress: member(8), expirationTime: soon },
      { file: matrix.file, type: "user", role: "writer", emailAddress: member(9) },
      { file: matrix.file, type: "user", role: "writer", emailAddress: member(10), expirationTime: soon },
      { file: matrix.file, type: "group", role: "reader", emailAddress: teams[0], expirationTime: soon },
      { file: matrix.file, type: "group", role: "commenter", emailAddress: teams[1] },
      { file: matrix.file, type: "group", role: "writer", emailAddress: teams[2] },
      { file: matrix.file, type: "domain", role: "reader", domain: "example.com", allowFileDiscovery: true },
      { file: matrix.file, type: "domain", role: "commenter", domain: "partner.example", allowFileDiscovery: false },
      { file: matrix.file, type: "anyone", role: "reader", allowFileDiscovery: false },
      { file: matrix.file, type: "anyone", role: "commenter", allowFileDiscovery: true },
      // My Drive folder: what `inner` inherits without a named source
      { file: matrix.folder, type: "user", role: "writer", emailAddress: member(11) },
      { file: matrix.folder, type: "user", role: "commenter", emailAddress: member(12), expirationTime: soon },
      { file: matrix.folder, type: "group", role: "reader", emailAddress: teams[1] },
      { file: matrix.folder, type: "domain", role: "reader", domain: "example.com", allowFileDiscovery: false },
      { file: matrix.folder, type: "anyone", role: "reader", allowFileDiscovery: false },
      // shared-drive folder: direct grants (fileOrganizer is a folder role), inherited by `driveFile`
      { file: matrix.driveFolder, type: "user", role: "fileOrganizer", emailAddress: member(13) },
      { file: matrix.driveFolder, type: "user", role: "writer", emailAddress: member(14), expirationTime: soon },
      { file: matrix.driveFolder, type: "group", role: "commenter", emailAddress: teams[2] },
      { file: matrix.driveFolder, type: "domain", role: "reader", domain: "example.com", allowFileDiscovery: true },
      { file: matrix.driveFolder, type: "anyone", role: "reader", allowFileDiscovery: false },
      // granted here and inherited from the drive's membership at a higher role
      { file: matrix.driveFolder, type: "user", role: "commenter", emailAddress: member(2) }
    ]
  }
}

/** A provider fixture: the simulator, the provider, a native client beside it, the recorded answers. */
export interface DriveFixture {
  readonly sim: Simulator.Simulator
  readonly provider: SharingProvider.Shape
  readonly client: Client.Client
  readonly answers: Array<Answer>
  /** The expiry of the matrix seed's expiring grants. */
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

/** A fresh simulator (`matrixSeed` by default), a fresh token for `user` (owner@example.com) and a recording provider. */
export const driveFixture = (
  options: { readonly seed?: Simulator.Seed; readonly user?: string; readonly provider?: Provider.Options } = {}
): Effect.Effect<DriveFixture, never, Scope.Scope> =>
  Effect.gen(function* () {
    const soon = inDays(30)
    const sim = yield* Simulator.serve({ seed: options.seed ?? matrixSeed(soon) })
    const token = `drive-provider-${randomUUID()}`
    sim.addToken({ token, user: options.user ?? "owner@example.com" })
    const answers: Array<Answer> = []
    // whatever a test asserts, every answer it received must decode: checked when its scope closes
    yield* Effect.addFinalizer(() => Effect.sync(() => assertAnswersDecode(answers)))
    const client = yield* Client.make({
      credentials: Redacted.make(token),
      baseUrl: sim.url,
      retry: { baseMillis: 5, maxMillis: 20 }
    }).pipe(Effect.provide(recording(answers)), Effect.orDie)
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
