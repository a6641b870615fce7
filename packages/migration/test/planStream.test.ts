/**
 * Planning as a stream (`Migration.planStream`, `FileFormat.writePlanStream`): the plan file is
 * written while the snapshot is read — the writer has the first item long before the last resource
 * is read, and only a few resources are ever in flight — the file is the plan `Migration.plan`
 * makes of the same snapshot (read back, digest checked), an edited snapshot is refused before any
 * request, and a refused credential still costs one listing.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { type AccessLevel, Errors, Grantee, MemoryProvider, ShareStatus, type SharingProvider } from "@unishare/core"
import { FileFormat, IdentityMap, Migration, ResourceMap, type Snapshot } from "@unishare/migration"
import { Effect, Exit, Option, Stream } from "effect"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-planstream-"))
afterAll(() => Fs.rmSync(dir, { recursive: true, force: true }))
let n = 0
const fresh = (name: string) => Path.join(dir, `${n++}-${name}`)

const sheet = (id: string) => ({ provider: "source", kind: "sheet", id })
const list = (id: string) => ({ provider: "target", kind: "list", id })

const share = (id: string, grantee: Grantee.Grantee, level: AccessLevel.AccessLevel): Snapshot.SnapshotShare => ({
  id,
  grantee,
  level,
  status: ShareStatus.active,
  inherited: false
})

/** Resource `i` of a generated snapshot: three users, one of them shared with every resource, one unknown. */
const resourceAt = (i: number): Snapshot.SnapshotResource => ({
  resource: sheet(String(i)),
  name: `Sheet ${i}`,
  shares: [
    share(`${i}-a`, Grantee.user({ email: "ada@example.com" }), "editor"),
    share(`${i}-b`, Grantee.user({ email: `user${i % 50}@example.com` }), "viewer"),
    share(`${i}-c`, Grantee.user({ email: "ghost@example.com" }), "viewer")
  ]
})

/** A target that knows every user but the ghost; counts what it is asked. */
const makeTarget = (resources: number) => {
  const memory = MemoryProvider.make({
    name: "target",
    resources: Array.from({ length: resources }, (_, i) => list(String(i))),
    capabilities: { granteeKinds: ["User"], levels: ["viewer", "editor"] }
  })
  let resolved = 0
  const target: SharingProvider.Shape = {
    ...memory,
    resolveGrantee: (g) =>
      Effect.sync(() => {
        resolved++
        return g._tag === "User" && g.email === "ghost@example.com" ? Option.none() : Option.some(g)
      })
  }
  return { target, memory, resolved: () => resolved }
}

const mapAll = (resources: number) =>
  ResourceMap.fromEntries(
    Array.from({ length: resources }, (_, i) => ({ source: sheet(String(i)), target: list(String(i)) }))
  )

describe("Migration.planStream", () => {
  it.effect("the plan file is written as the snapshot is read: a few resources in flight, never the whole plan", () =>
    Effect.gen(function* () {
      const count = 3_000
      // the snapshot's resources one at a time, made as they are read; each run of the stream reads them again
      let runs = 0
      let read = 0
      const resources = Stream.suspend(() => {
        runs++
        read = 0
        return Stream.fromIterable(Array.from({ length: count }, (_, i) => i)).pipe(
          Stream.rechunk(1),
          Stream.map(resourceAt),
          Stream.tap(() =>
            Effect.sync(() => {
              read++
            })
          )
        )
      })
      const snapshot: Migration.SnapshotSource = {
        provider: "source",
        exportedAt: "2026-03-01T09:00:00.000Z",
        trailer: { resources: count, shares: 3 * count, digest: "d".repeat(64) },
        resources
      }
      const { target, resolved } = makeTarget(count)
      const planning = yield* Migration.planStream({
        snapshot,
        target,
        identities: IdentityMap.empty,
        resources: mapAll(count)
      })
      // the first pass read every resource once and asked the target about each distinct principal once
      assert.strictEqual(runs, 1)
      assert.strictEqual(resolved(), 52)
      let written = 0
      let readAtFirst = -1
      let inFlight = 0
      const watched: Migration.PlanInProgress = {
        ...planning,
        items: Stream.tap(planning.items, () =>
          Effect.sync(() => {
            if (written === 0) readAtFirst = read
            written++
            inFlight = Math.max(inFlight, read - written)
          })
        )
      }
      const path = fresh("plan.json")
      const trailer = yield* FileFormat.writePlanStream(path, watched)
      assert.strictEqual(runs, 2)
      assert.strictEqual(written, count)
      // the writer had the first item after a handful of resources were read, not after all of them
      assert.isAtLeast(readAtFirst, 1)
      assert.isAtMost(readAtFirst, 16)
      assert.isAtMost(inFlight, 16)
      assert.strictEqual(trailer.items, count)
      assert.deepStrictEqual(trailer.problems, [])
      assert.strictEqual(trailer.summary.shares, 3 * count)
      assert.strictEqual(trailer.summary.unresolved, count)
      assert.strictEqual(trailer.summary.grants, 2 * count)
      // the file is a plan file like any other: it reads back, its digest checked, items in the snapshot's order
      const back = yield* FileFormat.readPlan(path)
      assert.strictEqual(back.digest, trailer.digest)
      assert.strictEqual(back.id, planning.header.id)
      assert.deepStrictEqual(
        back.items.slice(0, 3).map((i) => i.source.id),
        ["0", "1", "2"]
      )
      assert.strictEqual(back.items[count - 1]?.source.id, String(count - 1))
    })
  )

  it.effect(
    "the streamed file holds what Migration.plan makes of the same snapshot, problems of both kinds included",
    () =>
      Effect.gen(function* () {
        const snapshot: Snapshot.Snapshot = {
          format: "unishare/snapshot",
          version: 1,
          provider: "source",
          exportedAt: "2026-03-01T09:00:00.000Z",
          resources: Array.from({ length: 12 }, (_, i) => resourceAt(i))
        }
        // resources 0–6 mapped, 7 mapped to a list the target does not have (it cannot be read), 8–11 unmapped
        const resources = ResourceMap.fromEntries([
          ...Array.from({ length: 7 }, (_, i) => ({ source: sheet(String(i)), target: list(String(i)) })),
          { source: sheet("7"), target: list("999") }
        ])
        const input = (t: SharingProvider.Shape) => ({
          target: t,
          identities: IdentityMap.fromEntries([
            { source: Grantee.user({ email: "user3@example.com" }), target: Grantee.user({ email: "ada@example.com" }) }
          ]),
          resources
        })
        const inMemory = yield* Migration.plan({ snapshot, ...input(makeTarget(12).target) })
        const planning = yield* Migration.planStream({
          snapshot: Migration.sourceOf(snapshot),
          ...input(makeTarget(12).target)
        })
        const path = fresh("plan.json")
        const trailer = yield* FileFormat.writePlanStream(path, planning)
        const back = yield* FileFormat.readPlan(path)
        assert.strictEqual(back.digest, trailer.digest)
        yield* Migration.checkDigest(back)
        assert.deepStrictEqual(back.items, inMemory.items)
        assert.deepStrictEqual(back.problems, inMemory.problems)
        // the unmapped first, in the snapshot's order, then those planning found
        assert.deepStrictEqual(
          back.problems.map((p) => p.source.id),
          ["8", "9", "10", "11", "7"]
        )
        assert.match(back.problems[4]?.message ?? "", /^cannot read target/)
        assert.deepStrictEqual(back.summary, inMemory.summary)
        assert.deepStrictEqual(back.snapshot, inMemory.snapshot)
        assert.deepStrictEqual(back.options, inMemory.options)
        assert.strictEqual(back.version, inMemory.version)
        // each planning run has its own id
        assert.notStrictEqual(back.id, inMemory.id)
      })
  )

  it.effect("an edited snapshot file is refused at its digest before any request to the target", () =>
    Effect.gen(function* () {
      const path = fresh("snapshot.json")
      yield* FileFormat.writeSnapshot(
        path,
        { provider: "source", exportedAt: "2026-03-01T09:00:00.000Z" },
        Stream.fromIterable(Array.from({ length: 5 }, (_, i) => resourceAt(i)))
      )
      const lines = Fs.readFileSync(path, "utf8").split("\n")
      lines[3] = lines[3]!.replace('"level":"viewer"', '"level":"editor"')
      Fs.writeFileSync(path, lines.join("\n"))
      const snapshot = yield* FileFormat.openSnapshot(path)
      const { target, memory, resolved } = makeTarget(5)
      const exit = yield* Effect.exit(
        Migration.planStream({ snapshot, target, identities: IdentityMap.empty, resources: mapAll(5) })
      )
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined
      assert.instanceOf(error, Errors.InvalidInput)
      assert.strictEqual((error as Errors.InvalidInput).issues[0]?.path, "snapshot.digest")
      assert.strictEqual(resolved(), 0)
      assert.strictEqual(memory.control.reads(), 0)
    })
  )

  it.effect("a snapshot stream that cannot be read twice is refused, not planned as nothing", () =>
    Effect.gen(function* () {
      const count = 4
      // one run only: the second gets nothing
      let runs = 0
      const resources = Stream.suspend(() =>
        runs++ === 0 ? Stream.fromIterable(Array.from({ length: count }, (_, i) => resourceAt(i))) : Stream.empty
      )
      const planning = yield* Migration.planStream({
        snapshot: {
          provider: "source",
          exportedAt: "2026-03-01T09:00:00.000Z",
          trailer: { resources: count, shares: 3 * count, digest: "d".repeat(64) },
          resources
        },
        target: makeTarget(count).target,
        identities: IdentityMap.empty,
        resources: mapAll(count)
      })
      const path = fresh("plan.json")
      const exit = yield* Effect.exit(FileFormat.writePlanStream(path, planning))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined
      assert.instanceOf(error, Errors.InvalidInput)
      assert.strictEqual((error as Errors.InvalidInput).issues[0]?.path, "snapshot")
      assert.isFalse(Fs.existsSync(path))
    })
  )

  it.effect("a refused credential on the first resource ends planning after one listing", () =>
    Effect.gen(function* () {
      const count = 10
      const { target: base } = makeTarget(count)
      let lists = 0
      const target: SharingProvider.Shape = {
        ...base,
        list: () =>
          Stream.fromEffect(
            Effect.suspend(() => {
              lists++
              return Effect.fail(new Errors.AccessDenied({ provider: "target", operation: "list", message: "401" }))
            })
          )
      }
      const planning = yield* Migration.planStream({
        snapshot: Migration.sourceOf({
          format: "unishare/snapshot",
          version: 1,
          provider: "source",
          exportedAt: "2026-03-01T09:00:00.000Z",
          resources: Array.from({ length: count }, (_, i) => resourceAt(i))
        }),
        target,
        identities: IdentityMap.empty,
        resources: mapAll(count)
      })
      const path = fresh("plan.json")
      const exit = yield* Effect.exit(FileFormat.writePlanStream(path, planning))
      assert.isTrue(Exit.isFailure(exit))
      assert.strictEqual(lists, 1)
      // nothing is left behind
      assert.isFalse(Fs.existsSync(path))
      assert.deepStrictEqual(
        Fs.readdirSync(dir).filter((f) => f.includes(Path.basename(path))),
        []
      )
    })
  )
})
