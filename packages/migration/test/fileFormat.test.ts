/**
 * The JSON Lines files of snapshots and plans (format version 3): a round trip gives the same value
 * and digest, an edited line or a cut-short file is refused with `InvalidInput` naming the file, and
 * the single-document files of versions 1 and 2 still read.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Errors, Grantee, MemoryProvider, ShareStatus } from "@unishare/core"
import { FileFormat, IdentityMap, Migration, ResourceMap, Snapshot } from "@unishare/migration"
import { Effect, Exit, Schema, Stream } from "effect"

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-fileformat-"))
afterAll(() => Fs.rmSync(dir, { recursive: true, force: true }))
let n = 0
const fresh = (name: string) => Path.join(dir, `${n++}-${name}`)

const file = (id: string) => ({ provider: "drive-like", kind: "file", id })
const doc = (id: string) => ({ provider: "target", kind: "doc", id })
const until = "2027-06-30T00:00:00Z"

/** Three resources: an expiring grant and a name with characters JSON must escape (newline included). */
const source = () => {
  const memory = MemoryProvider.make({
    name: "drive-like",
    capabilities: { granteeKinds: ["User", "Group"], expiringGranteeKinds: ["User", "Group"] }
  })
  memory.control.addResource(file("f1"), [
    {
      grantee: Grantee.user({ email: "ada@x.io" }),
      level: "editor",
      status: ShareStatus.active,
      inherited: false,
      expiresAt: until
    },
    { grantee: Grantee.group('g\n"7\u2028'), level: "viewer", status: ShareStatus.active, inherited: false }
  ])
  memory.control.addResource(file("f2"), [])
  memory.control.addResource(file("f3"), [
    { grantee: Grantee.user({ email: "bob@x.io" }), level: "viewer", status: ShareStatus.active, inherited: false }
  ])
  return memory
}

const target = () =>
  MemoryProvider.make({
    name: "target",
    resources: [doc("d1"), doc("d3")],
    capabilities: { granteeKinds: ["User", "Group"], expiringGranteeKinds: ["User", "Group"] }
  })

const exported = Snapshot.exportSnapshot(source(), { resources: [file("f1"), file("f2"), file("f3")] })

const planned = Effect.flatMap(exported, (snapshot) =>
  Migration.plan({
    snapshot,
    target: target(),
    identities: IdentityMap.fromEntries([{ source: Grantee.group('g\n"7\u2028'), target: Grantee.group("7") }]),
    // f2 has no target: a problem, so the trailer's problems are exercised too
    resources: ResourceMap.fromEntries([
      { source: file("f1"), target: doc("d1") },
      { source: file("f3"), target: doc("d3") }
    ])
  })
)

const writeSnapshot = (path: string, snapshot: Snapshot.Snapshot) =>
  FileFormat.writeSnapshot(path, snapshot, Stream.fromIterable(snapshot.resources))

/** The InvalidInput a failed effect ended with (fails the test otherwise). */
const invalid = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.exit(effect), (exit) => {
    assert.isTrue(Exit.isFailure(exit), "expected a failure")
    const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail")?.error : undefined
    assert.instanceOf(error, Errors.InvalidInput)
    return error as unknown as Errors.InvalidInput
  })

const lines = (path: string) => Fs.readFileSync(path, "utf8").split("\n").slice(0, -1)

describe("snapshot files (JSON Lines)", () => {
  it.effect("round trip: the same value, a header, one line per resource, a trailer with the digest", () =>
    Effect.gen(function* () {
      const snapshot = yield* exported
      const path = fresh("snapshot.json")
      const trailer = yield* writeSnapshot(path, snapshot)
      const text = lines(path)
      assert.strictEqual(text.length, 1 + 3 + 1)
      assert.include(text[1], "\\u2028", "a line separator in a name is escaped: it would end the line")
      assert.deepStrictEqual(JSON.parse(text[0]!), {
        exportedAt: snapshot.exportedAt,
        format: "unishare/snapshot",
        provider: "drive-like",
        version: 3
      })
      assert.deepStrictEqual(trailer, { resources: 3, shares: 3, digest: Snapshot.digestOf(snapshot) })
      assert.deepStrictEqual(JSON.parse(text[4]!), trailer)
      const read = yield* FileFormat.readSnapshot(path)
      assert.deepStrictEqual(read, snapshot)
      assert.strictEqual(read.version, 2, "the content's version is kept (an expiry: 2)")
      assert.strictEqual(Snapshot.digestOf(read), trailer.digest)
    })
  )

  it.effect("a streamed write writes each resource as it arrives, and a failed stream leaves no file", () =>
    Effect.gen(function* () {
      const path = fresh("partial.json")
      const failing = Stream.concat(
        Snapshot.exportResources(source(), { resources: [file("f1")] }),
        Stream.fail(
          new Errors.Unavailable({ provider: "drive-like", operation: "list", message: "down", maybeApplied: false })
        )
      )
      const exit = yield* Effect.exit(
        FileFormat.writeSnapshot(path, { provider: "drive-like", exportedAt: "" }, failing)
      )
      assert.isTrue(Exit.isFailure(exit))
      assert.isFalse(Fs.existsSync(path))
      assert.deepStrictEqual(
        Fs.readdirSync(dir).filter((f) => f.includes("partial")),
        [],
        "no temporary file left"
      )
    })
  )

  it.effect("an edited line is refused by the digest", () =>
    Effect.gen(function* () {
      const path = fresh("tampered.json")
      yield* writeSnapshot(path, yield* exported)
      const text = lines(path)
      text[1] = text[1]!.replace('"editor"', '"owner"')
      Fs.writeFileSync(path, `${text.join("\n")}\n`)
      const error = yield* invalid(FileFormat.readSnapshot(path))
      assert.strictEqual(error.issues[0]?.path, "snapshot.digest")
      assert.include(error.issues[0]?.message, path)
      assert.include(error.issues[0]?.message, "changed after it was exported")
    })
  )

  it.effect("a file cut short at a line end (no trailer) is refused, naming the file and its last line", () =>
    Effect.gen(function* () {
      const path = fresh("truncated.json")
      yield* writeSnapshot(path, yield* exported)
      Fs.writeFileSync(path, `${lines(path).slice(0, 3).join("\n")}\n`)
      const error = yield* invalid(FileFormat.readSnapshot(path))
      assert.strictEqual(error.issues[0]?.path, `${path}:3`)
      assert.match(error.issues[0]?.message ?? "", /without its trailer line.*cut short/)
    })
  )

  it.effect("a file cut inside a line is refused at that line; a bad record names its line", () =>
    Effect.gen(function* () {
      const path = fresh("cut.json")
      yield* writeSnapshot(path, yield* exported)
      const text = Fs.readFileSync(path, "utf8")
      Fs.writeFileSync(path, text.slice(0, text.indexOf("\n", text.indexOf("\n") + 1) + 20))
      const cut = yield* invalid(FileFormat.readSnapshot(path))
      assert.strictEqual(cut.issues[0]?.path, `${path}:3`)
      assert.include(cut.issues[0]?.message, "not valid JSON")

      const bad = fresh("bad.json")
      yield* writeSnapshot(bad, yield* exported)
      const rows = lines(bad)
      rows[2] = JSON.stringify({ resource: { provider: "x" }, shares: [] })
      Fs.writeFileSync(bad, `${rows.join("\n")}\n`)
      const error = yield* invalid(FileFormat.readSnapshot(bad))
      assert.strictEqual(error.issues[0]?.path, `${bad}:3`)
      assert.include(error.issues[0]?.message, "kind")
    })
  )

  it.effect("versions 1 and 2 (one JSON document, indented or not) still read", () =>
    Effect.gen(function* () {
      const snapshot = yield* exported
      const encoded = Schema.encodeSync(Snapshot.Snapshot)(snapshot)
      const v2 = fresh("v2.json")
      Fs.writeFileSync(v2, `${JSON.stringify(encoded, null, 2)}\n`)
      assert.deepStrictEqual(yield* FileFormat.readSnapshot(v2), snapshot)
      const v1 = fresh("v1.json")
      const old: Snapshot.Snapshot = {
        format: "unishare/snapshot",
        version: 1,
        provider: "eci",
        exportedAt: "",
        resources: []
      }
      Fs.writeFileSync(v1, JSON.stringify(old))
      assert.deepStrictEqual(yield* FileFormat.readSnapshot(v1), old)
      const missing = yield* invalid(FileFormat.readSnapshot(fresh("missing.json")))
      assert.include(missing.issues[0]?.message, "no such file")
    })
  )

  it.effect("never replaces an existing file without force", () =>
    Effect.gen(function* () {
      const snapshot = yield* exported
      const path = fresh("exists.json")
      Fs.writeFileSync(path, "keep")
      const error = yield* invalid(writeSnapshot(path, snapshot))
      assert.include(error.issues[0]?.message, "already exists")
      assert.strictEqual(Fs.readFileSync(path, "utf8"), "keep")
      yield* FileFormat.writeSnapshot(path, snapshot, Stream.fromIterable(snapshot.resources), { force: true })
      assert.deepStrictEqual(yield* FileFormat.readSnapshot(path), snapshot)
    })
  )
})

describe("plan files (JSON Lines)", () => {
  it.effect("round trip: the same value and digest; the digest is the plan's own", () =>
    Effect.gen(function* () {
      const plan = yield* planned
      assert.strictEqual(plan.items.length, 2)
      assert.strictEqual(plan.problems.length, 1)
      const path = fresh("plan.json")
      yield* FileFormat.writePlan(path, plan)
      const text = lines(path)
      assert.strictEqual(text.length, 1 + 2 + 1)
      const header = JSON.parse(text[0]!)
      assert.strictEqual(header.version, 3)
      assert.strictEqual(header.id, plan.id)
      const trailer = JSON.parse(text[3]!)
      assert.strictEqual(trailer.digest, plan.digest)
      assert.deepStrictEqual(trailer.summary, plan.summary)
      const read = yield* FileFormat.readPlan(path)
      assert.deepStrictEqual(read, plan)
      assert.strictEqual(read.version, 2)
      yield* Migration.checkDigest(read)
    })
  )

  it.effect("an edited item line is refused by the digest; so is an edited trailer or header", () =>
    Effect.gen(function* () {
      const plan = yield* planned
      for (const [at, edit] of [
        [1, (l: string) => l.replace('"viewer"', '"editor"')],
        [0, (l: string) => l.replace('"mode":"merge"', '"mode":"mirror"')],
        [3, (l: string) => l.replace(/"problems":\[[^\]]*\]/, '"problems":[]')]
      ] as const) {
        const path = fresh("tampered-plan.json")
        yield* FileFormat.writePlan(path, plan)
        const text = lines(path)
        const edited = edit(text[at]!)
        assert.notStrictEqual(edited, text[at], "the edit changes the line")
        text[at] = edited
        Fs.writeFileSync(path, `${text.join("\n")}\n`)
        const error = yield* invalid(FileFormat.readPlan(path))
        assert.strictEqual(error.issues[0]?.path, "plan.digest", `line ${at + 1}`)
        assert.include(error.issues[0]?.message, "changed after it was written")
      }
    })
  )

  it.effect(
    "an item line re-formatted by another tool (keys reordered, spaces) with the same content still reads: the digest is over canonical JSON",
    () =>
      Effect.gen(function* () {
        const plan = yield* planned
        const path = fresh("reformatted-plan.json")
        yield* FileFormat.writePlan(path, plan)
        const text = lines(path)
        const item = JSON.parse(text[1]!) as Record<string, unknown>
        const reordered = Object.fromEntries(Object.entries(item).reverse())
        // (a line separator in a string stays escaped: it would end the line)
        text[1] = JSON.stringify(reordered, null, 1)
          .replace(/\n/g, " ")
          .replace(/\u2028/g, "\\u2028")
        assert.notStrictEqual(text[1], lines(path)[1])
        Fs.writeFileSync(path, `${text.join("\n")}\n`)
        const read = yield* FileFormat.readPlan(path)
        assert.strictEqual(read.digest, plan.digest)
        assert.deepStrictEqual(read.items, plan.items)
      })
  )

  it.effect(
    "an opened plan's items can be read more than once: each run reads the file again and checks it again",
    () =>
      Effect.gen(function* () {
        const plan = yield* planned
        const path = fresh("twice-plan.json")
        yield* FileFormat.writePlan(path, plan)
        const opened = yield* FileFormat.openPlan(path)
        assert.deepStrictEqual(yield* Stream.runCollect(opened.items), plan.items)
        assert.deepStrictEqual(yield* Stream.runCollect(opened.items), plan.items)
        // edited between the two runs: the second run is refused
        const text = lines(path)
        text[1] = text[1]!.replace('"viewer"', '"editor"')
        Fs.writeFileSync(path, `${text.join("\n")}\n`)
        const error = yield* Effect.flip(Stream.runCollect(opened.items))
        assert.strictEqual(error.issues[0]?.path, "plan.digest")
      })
  )

  it.effect("a plan with no trailer or a dropped item is refused", () =>
    Effect.gen(function* () {
      const plan = yield* planned
      const path = fresh("truncated-plan.json")
      yield* FileFormat.writePlan(path, plan)
      const text = lines(path)
      Fs.writeFileSync(path, `${text.slice(0, 3).join("\n")}\n`)
      const error = yield* invalid(FileFormat.readPlan(path))
      assert.strictEqual(error.issues[0]?.path, `${path}:3`)
      assert.include(error.issues[0]?.message, "without its trailer line")
      Fs.writeFileSync(path, `${[text[0], text[2], text[3]].join("\n")}\n`)
      const dropped = yield* invalid(FileFormat.readPlan(path))
      assert.include(dropped.issues[0]?.message, "trailer counts 2 but the file holds 1")
    })
  )

  it.effect("a plan changed in memory after planning is not written", () =>
    Effect.gen(function* () {
      const plan = yield* planned
      const path = fresh("changed-plan.json")
      const error = yield* invalid(
        FileFormat.writePlan(path, { ...plan, options: { ...plan.options, allowEveryone: true } })
      )
      assert.strictEqual(error.issues[0]?.path, "plan.digest")
      assert.isFalse(Fs.existsSync(path))
    })
  )

  it.effect(
    "a version 1 or 2 plan (one document, its digest over the whole plan) still reads and passes checkDigest",
    () =>
      Effect.gen(function* () {
        const plan = yield* planned
        // a plan as earlier versions wrote it: the digest over the canonical JSON of every other field
        const { digest: _, ...rest } = Schema.encodeSync(Migration.MigrationPlan)(plan)
        const legacy = { ...rest, digest: "" }
        const { createHash } = yield* Effect.promise(() => import("node:crypto"))
        legacy.digest = createHash("sha256").update(Snapshot.canonicalJson(rest)).digest("hex")
        const path = fresh("v2-plan.json")
        Fs.writeFileSync(path, `${JSON.stringify(legacy, null, 2)}\n`)
        const read = yield* FileFormat.readPlan(path)
        assert.deepStrictEqual(read, { ...plan, digest: legacy.digest })
        yield* Migration.checkDigest(read)
        // and an edit to it is still refused
        const edited = { ...read, options: { ...read.options, allowEveryone: true } }
        const error = yield* invalid(Migration.checkDigest(edited))
        assert.strictEqual(error.issues[0]?.path, "plan.digest")
      })
  )
})
