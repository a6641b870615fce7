/**
 * The command's files: snapshots, plans, identity maps (CSV or JSON), resource maps and
 * desired-state files, read and written with `InvalidInput` errors that name the flag and the field.
 * Snapshots and plans are JSON Lines (`FileFormat`, format version 3), written and read a line at a
 * time; their single-document files (versions 1 and 2) are still read.
 *
 * @since 0.1.0
 */
import { constants as bufferConstants } from "node:buffer"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { AccessLevel, Errors, Grantee, ResourceRef, Share } from "@unishare/core"
import { FileFormat, IdentityMap, type Migration, ResourceMap, Snapshot } from "@unishare/migration"
import { Effect, Schema, Stream } from "effect"
import * as Notation from "./Notation.ts"

/**
 * Reads a text file; a missing or unreadable file is `InvalidInput` at `field`.
 *
 * @example
 * ```ts
 * import { Files } from "@unishare/cli"
 * const text = Files.readText("plan.json", "--plan")
 * ```
 */
export const readText = (path: string, field: string): Effect.Effect<string, Errors.InvalidInput> =>
  Effect.try({
    try: () => {
      // a file is read whole into one string: past Node's longest string it cannot be, so say so
      // (with the limit) before trying instead of failing with an allocation error
      const size = Fs.statSync(path).size
      if (size > maxTextBytes) throw new TooLarge(size)
      return Fs.readFileSync(path, "utf8")
    },
    catch: (e) =>
      Errors.invalid(
        "unishare",
        "read file",
        field,
        e instanceof TooLarge
          ? `${path} is ${megabytes(e.size)}: a file is read whole, and at most ${megabytes(maxTextBytes)} fits (the longest string Node.js holds)`
          : (e as NodeJS.ErrnoException).code === "ENOENT"
            ? `no such file: ${path}`
            : `cannot read ${path}: ${String(e)}`
      )
  })

/**
 * The largest file `readText` reads: Node's longest string (`buffer.constants.MAX_STRING_LENGTH`
 * characters; a file of at most that many bytes always fits).
 *
 * @example
 * ```ts
 * import { Files } from "@unishare/cli"
 * Files.maxTextBytes > 500_000_000 // true
 * ```
 */
export const maxTextBytes: number = bufferConstants.MAX_STRING_LENGTH

class TooLarge {
  readonly size: number
  constructor(size: number) {
    this.size = size
  }
}

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MiB`

/**
 * Fails with `InvalidInput` at `field` when `path` exists and `force` is not set: the commands never
 * overwrite a file (a snapshot is the record of the source) unless told to. Checked before any
 * request, and again when writing.
 *
 * @example
 * ```ts
 * import { Files } from "@unishare/cli"
 * const check = Files.refuseOverwrite("snapshot.json", "--out", false)
 * ```
 */
export const refuseOverwrite = (
  path: string,
  field: string,
  force: boolean
): Effect.Effect<void, Errors.InvalidInput> =>
  !force && Fs.existsSync(path)
    ? Effect.fail(
        Errors.invalid(
          "unishare",
          "write file",
          field,
          `${path} already exists: pass --force to replace it, or choose another file`
        )
      )
    : Effect.void

/**
 * Writes a text file atomically (a temporary file in the same directory, then a rename, so a crash
 * never leaves half a file), creating its directory. Without `force` an existing file is never
 * replaced (the final step is a hard link, which fails if the name exists). Failure is
 * `InvalidInput` at `field`.
 *
 * @example
 * ```ts
 * import { Files } from "@unishare/cli"
 * const done = Files.writeText("out/plan.txt", "hello", "--out")
 * ```
 */
export const writeText = (
  path: string,
  text: string,
  field: string,
  options: { readonly force?: boolean | undefined } = {}
): Effect.Effect<void, Errors.InvalidInput> =>
  Effect.flatMap(refuseOverwrite(path, field, options.force === true), () =>
    Effect.try({
      try: () => {
        Fs.mkdirSync(Path.dirname(path), { recursive: true })
        const temp = Path.join(Path.dirname(path), `.${Path.basename(path)}.${process.pid}.${Date.now()}.tmp`)
        Fs.writeFileSync(temp, text)
        try {
          if (options.force === true) Fs.renameSync(temp, path)
          else Fs.linkSync(temp, path)
        } finally {
          if (Fs.existsSync(temp)) Fs.unlinkSync(temp)
        }
      },
      catch: (e) =>
        Errors.invalid(
          "unishare",
          "write file",
          field,
          (e as NodeJS.ErrnoException).code === "EEXIST"
            ? `${path} already exists: pass --force to replace it, or choose another file`
            : `cannot write ${path}: ${String(e)}`
        )
    })
  )

/** Renames the field of a core file-format error to the flag that named the file. */
const atFlag =
  (flag: string) =>
  (e: Errors.InvalidInput): Errors.InvalidInput =>
    new Errors.InvalidInput({
      provider: e.provider,
      operation: e.operation,
      issues: e.issues.map((i) => ({ path: `${flag}: ${i.path}`, message: i.message }))
    })

/** Names the flag instead of the file in an error about the whole file (the message names the file). */
const fileAt =
  (path: string, flag: string) =>
  (e: Errors.InvalidInput): Errors.InvalidInput =>
    new Errors.InvalidInput({
      provider: e.provider,
      operation: e.operation,
      issues: e.issues.map((i) => ({ path: i.path === path ? flag : `${flag}: ${i.path}`, message: i.message }))
    })

/**
 * Writes a snapshot file (JSON Lines, format version 3: `FileFormat`), atomically; an existing file
 * only with `force`.
 *
 * @example
 * ```ts
 * import { Files } from "@unishare/cli"
 * const write = Files.writeSnapshot("snapshot.json", { format: "unishare/snapshot", version: 1, provider: "eci", exportedAt: "", resources: [] }, "--out")
 * ```
 */
export const writeSnapshot = (
  path: string,
  snapshot: Snapshot.Snapshot,
  field: string,
  options: { readonly force?: boolean | undefined } = {}
): Effect.Effect<void, Errors.InvalidInput> =>
  Effect.asVoid(writeSnapshotStream(path, snapshot, Stream.fromIterable(snapshot.resources), field, options))

/**
 * Writes a snapshot file as its resources arrive (an export streamed to its file: memory does not
 * grow with the number of shares), returning its trailer (counts and digest). Nothing is left
 * behind when the stream fails.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import { Files } from "@unishare/cli"
 * const write = Files.writeSnapshotStream("snapshot.json", { provider: "eci", exportedAt: "" }, Stream.empty, "--out")
 * ```
 */
export const writeSnapshotStream = <E, R>(
  path: string,
  header: { readonly provider: string; readonly exportedAt: string },
  resources: Stream.Stream<Snapshot.SnapshotResource, E, R>,
  field: string,
  options: { readonly force?: boolean | undefined } = {}
): Effect.Effect<Snapshot.SnapshotTrailer, E | Errors.InvalidInput, R> =>
  Effect.mapError(FileFormat.writeSnapshot(path, header, resources, options), (e) =>
    e instanceof Errors.InvalidInput ? fileAt(path, field)(e) : e
  )

/**
 * Reads a snapshot file: JSON Lines (format version 3) line by line, or a single JSON document
 * (versions 1 and 2).
 *
 * @example
 * ```ts
 * import { Files } from "@unishare/cli"
 * const snapshot = Files.readSnapshot("snapshot.json", "--snapshot")
 * ```
 */
export const readSnapshot = (path: string, field: string): Effect.Effect<Snapshot.Snapshot, Errors.InvalidInput> =>
  Effect.tap(Effect.mapError(FileFormat.readSnapshot(path), fileAt(path, field)), (snapshot) =>
    knownProvider(snapshot.provider, field)
  )

/** A snapshot's provider must be one the command knows. */
const knownProvider = (provider: string, field: string): Effect.Effect<void, Errors.InvalidInput> =>
  Notation.isProvider(provider)
    ? Effect.void
    : Effect.fail(
        Errors.invalid(
          "unishare",
          "read snapshot",
          `${field}: provider`,
          `unknown provider ${JSON.stringify(provider)} (known: ${Notation.providers.join(", ")})`
        )
      )

/**
 * Opens a snapshot file as a stream (`FileFormat.openSnapshot`): its header and trailer read (a file
 * cut short refused at once, its provider checked), its resources read a line at a time each time
 * the stream runs — the file is read again for each run, and checked again: a file whose trailer is
 * no longer the one first opened, or whose digest fails, is refused at the stream's end — so a
 * million-share snapshot is never held whole. Errors name `field`, as `readSnapshot`'s do.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { Files } from "@unishare/cli"
 * const count = Effect.flatMap(Files.openSnapshot("snapshot.json", "--snapshot"), (s) => Stream.runCount(s.resources))
 * ```
 */
export const openSnapshot = (
  path: string,
  field: string
): Effect.Effect<Migration.SnapshotSource<Errors.InvalidInput>, Errors.InvalidInput> =>
  Effect.mapError(FileFormat.openSnapshot(path), fileAt(path, field)).pipe(
    Effect.tap((snapshot) => knownProvider(snapshot.provider, field)),
    Effect.map((snapshot) => ({ ...snapshot, resources: Stream.mapError(snapshot.resources, fileAt(path, field)) }))
  )

/**
 * Writes a plan file as the plan is made (`Migration.planStream`, `FileFormat.writePlanStream`):
 * never all of its items at once; atomically, an existing file only with `force`, nothing left
 * behind when planning fails. Returns the trailer. The file's own errors name `field`; the
 * planning's (the target's, the snapshot's) are as they are.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * import { Files } from "@unishare/cli"
 * const write = (plan: Migration.PlanInProgress) => Files.writePlanStream("plan.json", plan, "--out")
 * ```
 */
export const writePlanStream = <E>(
  path: string,
  plan: Migration.PlanInProgress<E>,
  field: string,
  options: { readonly force?: boolean | undefined } = {}
): Effect.Effect<Migration.PlanTrailer, Errors.SharingError | E> =>
  Effect.mapError(FileFormat.writePlanStream(path, plan, options), (e) =>
    e instanceof Errors.InvalidInput && e.operation === "write file" ? fileAt(path, field)(e) : e
  )

/**
 * Writes a plan file (JSON Lines, format version 3: `FileFormat`) line by line, atomically; an
 * existing file only with `force`.
 *
 * @example
 * ```ts
 * import type { Migration } from "@unishare/migration"
 * import { Files } from "@unishare/cli"
 * const write = (plan: Migration.MigrationPlan) => Files.writePlan("plan.json", plan, "--out")
 * ```
 */
export const writePlan = (
  path: string,
  plan: Migration.MigrationPlan,
  field: string,
  options: { readonly force?: boolean | undefined } = {}
): Effect.Effect<void, Errors.InvalidInput> =>
  Effect.mapError(FileFormat.writePlan(path, plan, options), fileAt(path, field))

/**
 * Reads a plan file: JSON Lines (format version 3) line by line, its digest checked, or a single
 * JSON document (versions 1 and 2). The plan is held in memory.
 *
 * @example
 * ```ts
 * import { Files } from "@unishare/cli"
 * const plan = Files.readPlan("plan.json", "--plan")
 * ```
 */
export const readPlan = (path: string, field: string): Effect.Effect<Migration.MigrationPlan, Errors.InvalidInput> =>
  Effect.mapError(FileFormat.readPlan(path), fileAt(path, field))

/**
 * Opens a plan file without reading it whole (`FileFormat.openPlan`): header and trailer read, the
 * items streamed when needed (their count and digest checked at the stream's end).
 *
 * @example
 * ```ts
 * import { Files } from "@unishare/cli"
 * const plan = Files.openPlan("plan.json", "--plan")
 * ```
 */
export const openPlan = (path: string, field: string): Effect.Effect<Migration.PlanStream, Errors.InvalidInput> =>
  Effect.map(Effect.mapError(FileFormat.openPlan(path), fileAt(path, field)), (plan) => ({
    ...plan,
    items: Stream.mapError(plan.items, fileAt(path, field))
  }))

/**
 * Reads an identity map: CSV (`source,target` in `kind:value` notation) or JSON (an array of
 * `{ source, target }` grantees), told apart by the extension, else by the first character.
 *
 * @example
 * ```ts
 * import { Files } from "@unishare/cli"
 * const identities = Files.readIdentities("identities.csv", "--identities")
 * ```
 */
export const readIdentities = (
  path: string,
  field: string
): Effect.Effect<IdentityMap.IdentityMap, Errors.InvalidInput> =>
  Effect.flatMap(readText(path, field), (text) => {
    const ext = Path.extname(path).toLowerCase()
    const json = ext === ".json" || (ext !== ".csv" && text.trimStart().startsWith("["))
    return Effect.mapError(json ? IdentityMap.parseJsonText(text) : IdentityMap.parseCsv(text), atFlag(field))
  })

const ResourceField = Schema.Union([Schema.String, ResourceRef.ResourceRef])
const ResourceMapFile = Schema.Array(Schema.Struct({ source: ResourceField, target: ResourceField }))

const toRef = (
  value: typeof ResourceField.Type,
  path: string,
  issues: Array<Errors.Issue>
): ResourceRef.ResourceRef | undefined => {
  if (typeof value !== "string") return value
  const r = Notation.parseResourceText(value)
  if (r.ok) return r.resource
  issues.push({ path, message: r.message })
  return undefined
}

/**
 * Parses resource-map text: a JSON array of `{ source, target }`, each either a resource in the
 * `provider:kind:id` notation or a `{ provider, kind, id, parent? }` object.
 *
 * @example
 * ```ts
 * import { Files } from "@unishare/cli"
 * const map = Files.parseResourceMap('[{"source":"smartsheet:sheet:1","target":"eci:list:42"}]', "--resources")
 * ```
 */
export const parseResourceMap = (
  text: string,
  field: string
): Effect.Effect<ResourceMap.ResourceMap, Errors.InvalidInput> =>
  Effect.flatMap(Effect.mapError(Snapshot.parseJson(text, ResourceMapFile, "resources"), atFlag(field)), (rows) => {
    const issues: Array<Errors.Issue> = []
    const entries: Array<ResourceMap.Entry> = []
    rows.forEach((row, i) => {
      const source = toRef(row.source, `${field}: [${i}].source`, issues)
      const target = toRef(row.target, `${field}: [${i}].target`, issues)
      if (source !== undefined && target !== undefined) entries.push({ source, target })
    })
    return issues.length > 0
      ? Effect.fail(new Errors.InvalidInput({ provider: "unishare", operation: "read resources", issues }))
      : Effect.succeed(ResourceMap.fromEntries(entries))
  })

/**
 * Reads a resource-map file (see `parseResourceMap`).
 *
 * @example
 * ```ts
 * import { Files } from "@unishare/cli"
 * const map = Files.readResourceMap("resources.json", "--resources")
 * ```
 */
export const readResourceMap = (
  path: string,
  field: string
): Effect.Effect<ResourceMap.ResourceMap, Errors.InvalidInput> =>
  Effect.flatMap(readText(path, field), (text) => parseResourceMap(text, field))

const GranteeField = Schema.Union([Schema.String, Grantee.Grantee])
const DesiredFile = Schema.Struct({
  resource: ResourceField,
  shares: Schema.Array(
    Schema.Struct({
      grantee: GranteeField,
      level: AccessLevel.AccessLevel,
      expiresAt: Schema.optionalKey(Share.Instant)
    })
  )
})

/**
 * A desired-state file for `sync`: one resource and the exact set of grants it should have.
 *
 * @example
 * ```ts
 * import type { Files } from "@unishare/cli"
 * const d: Files.DesiredState = { resource: { provider: "eci", kind: "list", id: "42" }, shares: [] }
 * ```
 */
export interface DesiredState {
  readonly resource: ResourceRef.ResourceRef
  readonly shares: ReadonlyArray<Share.Grant>
}

/**
 * Parses desired-state text: `{ "resource": "eci:list:42", "shares": [{ "grantee": "user:ada@example.com",
 * "level": "viewer" }] }` (resources and grantees in notation or as objects: `everyone`,
 * `domain:acme.example[:discoverable]`, `anyone` and `anyone:discoverable` included). A share may
 * end: `"expiresAt": "2027-03-01T00:00:00Z"` (an RFC 3339 instant).
 *
 * @example
 * ```ts
 * import { Files } from "@unishare/cli"
 * const desired = Files.parseDesiredState('{"resource":"eci:list:42","shares":[{"grantee":"group:7","level":"viewer"}]}', "--desired")
 * ```
 */
export const parseDesiredState = (text: string, field: string): Effect.Effect<DesiredState, Errors.InvalidInput> =>
  Effect.flatMap(Effect.mapError(Snapshot.parseJson(text, DesiredFile, "desired"), atFlag(field)), (file) => {
    const issues: Array<Errors.Issue> = []
    const resource = toRef(file.resource, `${field}: resource`, issues)
    const shares: Array<Share.Grant> = []
    file.shares.forEach((s, i) => {
      const expiry = s.expiresAt !== undefined ? { expiresAt: s.expiresAt } : {}
      if (typeof s.grantee !== "string") {
        shares.push({ grantee: s.grantee, level: s.level, ...expiry })
        return
      }
      const g = IdentityMap.parseGrantee(s.grantee)
      if (g.ok) shares.push({ grantee: g.grantee, level: s.level, ...expiry })
      else issues.push({ path: `${field}: shares[${i}].grantee`, message: g.message })
    })
    return issues.length > 0 || resource === undefined
      ? Effect.fail(new Errors.InvalidInput({ provider: "unishare", operation: "read desired state", issues }))
      : Effect.succeed({ resource, shares })
  })

/**
 * Reads a desired-state file (see `parseDesiredState`).
 *
 * @example
 * ```ts
 * import { Files } from "@unishare/cli"
 * const desired = Files.readDesiredState("desired.json", "--desired")
 * ```
 */
export const readDesiredState = (path: string, field: string): Effect.Effect<DesiredState, Errors.InvalidInput> =>
  Effect.flatMap(readText(path, field), (text) => parseDesiredState(text, field))

/**
 * The default run store of a plan file: an embedded SQLite file beside it, `<plan>.run.db` (where
 * `apply` keeps what it applied, the targets it created and the audit log of its writes).
 *
 * @example
 * ```ts
 * import { Files } from "@unishare/cli"
 * Files.storePathFor("out/plan.json") // "out/plan.run.db"
 * ```
 */
export const storePathFor = (planPath: string): string => {
  const ext = Path.extname(planPath)
  return `${ext === ".json" ? planPath.slice(0, -ext.length) : planPath}.run.db`
}
