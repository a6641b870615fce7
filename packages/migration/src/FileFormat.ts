/**
 * The files of snapshots and plans, written and read one line at a time (JSON Lines), so neither a
 * million-share snapshot nor its plan ever becomes one string.
 *
 * Format version 3 (always written):
 *
 * - line 1, the header: `Snapshot.SnapshotHeader` (`{"format":"unishare/snapshot","version":3,
 *   "provider":…,"exportedAt":…}`) or `Migration.PlanHeader` (format `unishare/migration-plan`,
 *   version 3, id, createdAt, snapshot, source and target provider, options);
 * - then one line per record: a `Snapshot.SnapshotResource` (a resource with its shares) or a
 *   `Migration.Item` (a line is as long as one resource's shares);
 * - last, the trailer: `Snapshot.SnapshotTrailer` (`resources`, `shares`, `digest`) or
 *   `Migration.PlanTrailer` (`items`, `problems`, `summary`, `digest`). The trailer is the only line
 *   with a `digest` key; a file without it was cut short and is refused.
 *
 * Each line is the canonical JSON of its record (`Snapshot.canonicalJson`: keys sorted, no
 * whitespace; U+2028 and U+2029 escaped, as `readline` ends a line at them). The digest is SHA-256 (hex) over, in order, the canonical JSON plus `"\n"` of the
 * header, of each record, and of the trailer without its `digest` key — computed while writing and
 * again while reading (`Snapshot.digestOf`, `Migration.digestOf` compute the same over a value in
 * memory). A reader recomputes it from each line's parsed JSON and refuses a file whose digest does
 * not match (`InvalidInput` at `snapshot.digest` / `plan.digest`): an edited line is refused, as
 * `Migration.checkDigest` refuses a plan changed after planning.
 *
 * Files of versions 1 and 2 (one JSON document, `Snapshot.Snapshot` / `Migration.MigrationPlan`) are
 * still read, up to the longest string Node holds (`maxDocumentBytes`). Writes are atomic (a
 * temporary file in the same directory, then a hard link — or a rename with `force` — so a crash
 * never leaves half a file) and never replace an existing file without `force`. Every error is an
 * `InvalidInput` naming the file, and the line (`file:line`) when one is at fault.
 *
 * @since 0.1.0
 */
import { constants as bufferConstants } from "node:buffer"
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Readline from "node:readline"
import * as Errors from "@unishare/core/Errors"
import { Effect, Schema, Stream } from "effect"
import * as Migration from "./Migration.ts"
import * as Snapshot from "./Snapshot.ts"

/**
 * Write options: `force` replaces an existing file (otherwise an existing file is refused).
 *
 * @example
 * ```ts
 * import type { FileFormat } from "@unishare/migration"
 * const o: FileFormat.WriteOptions = { force: true }
 * ```
 */
export interface WriteOptions {
  readonly force?: boolean | undefined
}

/**
 * The largest version 1 or 2 file (one JSON document) that is read: Node's longest string
 * (`buffer.constants.MAX_STRING_LENGTH` characters; a file of at most that many bytes always fits).
 * Version 3 files have no such limit.
 *
 * @example
 * ```ts
 * import { FileFormat } from "@unishare/migration"
 * FileFormat.maxDocumentBytes > 500_000_000 // true
 * ```
 */
export const maxDocumentBytes: number = bufferConstants.MAX_STRING_LENGTH

const alreadyExists = (path: string) => `${path} already exists: pass --force to replace it, or choose another file`

const writeError = (path: string, e: unknown): Errors.InvalidInput =>
  e instanceof Errors.InvalidInput
    ? e
    : Errors.invalid(
        "unishare",
        "write file",
        path,
        (e as NodeJS.ErrnoException).code === "EEXIST" ? alreadyExists(path) : `cannot write ${path}: ${String(e)}`
      )

/** A file being written: lines go to a temporary file beside it, batched, until `commit`. */
class LineFile {
  readonly path: string
  readonly temp: string
  private fd: number | undefined
  private chunks: Array<string> = []
  private size = 0
  constructor(path: string) {
    this.path = path
    Fs.mkdirSync(Path.dirname(path), { recursive: true })
    this.temp = Path.join(Path.dirname(path), `.${Path.basename(path)}.${process.pid}.${Date.now()}.tmp`)
    this.fd = Fs.openSync(this.temp, "wx")
  }
  line(json: string): void {
    // U+2028 and U+2029 are valid raw in JSON strings but end a line for `readline` (and editors): escaped
    const text = json.replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
    this.chunks.push(text, "\n")
    this.size += text.length + 1
    if (this.size >= 1_048_576) this.flush()
  }
  private flush(): void {
    if (this.chunks.length === 0 || this.fd === undefined) return
    Fs.writeSync(this.fd, this.chunks.join(""))
    this.chunks = []
    this.size = 0
  }
  commit(force: boolean): void {
    this.flush()
    if (this.fd !== undefined) Fs.closeSync(this.fd)
    this.fd = undefined
    if (force) Fs.renameSync(this.temp, this.path)
    else Fs.linkSync(this.temp, this.path)
  }
  /** Removes the temporary file (after `commit`, the name left behind by the hard link). */
  discard(): void {
    if (this.fd !== undefined) Fs.closeSync(this.fd)
    this.fd = undefined
    if (Fs.existsSync(this.temp)) Fs.unlinkSync(this.temp)
  }
}

/**
 * Writes `header`, every record of `records` as it arrives, then the trailer that `trailer` makes
 * from the digest so far; atomically, refusing an existing file unless `force`.
 */
const writeLines = <A, T, E, R>(
  path: string,
  options: WriteOptions,
  header: unknown,
  records: Stream.Stream<A, E, R>,
  encode: (a: A) => unknown,
  trailer: (digest: Snapshot.Digest) => T
): Effect.Effect<T, E | Errors.InvalidInput, R> => {
  const force = options.force === true
  if (!force && Fs.existsSync(path))
    return Effect.fail(Errors.invalid("unishare", "write file", path, alreadyExists(path)))
  return Effect.acquireUseRelease(
    Effect.try({ try: () => new LineFile(path), catch: (e) => writeError(path, e) }),
    (file) => {
      const digest = Snapshot.makeDigest()
      const write = (f: () => void) => Effect.try({ try: f, catch: (e) => writeError(path, e) })
      return write(() => file.line(digest.add(header))).pipe(
        Effect.andThen(Stream.runForEach(records, (a) => write(() => file.line(digest.add(encode(a)))))),
        Effect.andThen(
          Effect.try({
            try: () => {
              const end = trailer(digest)
              file.line(Snapshot.canonicalJson(end))
              file.commit(force)
              return end
            },
            catch: (e) => writeError(path, e)
          })
        )
      )
    },
    (file) => Effect.sync(() => file.discard())
  )
}

const encodeSnapshotHeader = Schema.encodeSync(Snapshot.SnapshotHeader)
const encodeResource = Schema.encodeSync(Snapshot.SnapshotResource)

/**
 * Writes a snapshot file (format version 3): the header, each resource as `resources` emits it (so a
 * streamed export is written as it is read, never held whole), then the trailer, which it returns.
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import { FileFormat } from "@unishare/migration"
 * const write = FileFormat.writeSnapshot("snapshot.json", { provider: "eci", exportedAt: new Date().toISOString() }, Stream.empty)
 * ```
 */
export const writeSnapshot = <E, R>(
  path: string,
  header: { readonly provider: string; readonly exportedAt: string },
  resources: Stream.Stream<Snapshot.SnapshotResource, E, R>,
  options: WriteOptions = {}
): Effect.Effect<Snapshot.SnapshotTrailer, E | Errors.InvalidInput, R> =>
  Effect.suspend(() => {
    let count = 0
    let shares = 0
    return writeLines(
      path,
      options,
      encodeSnapshotHeader(Snapshot.headerOf(header)),
      resources,
      (r) => {
        count++
        shares += r.shares.length
        return encodeResource(r)
      },
      (digest) => {
        const body = { resources: count, shares }
        digest.add(body)
        return { ...body, digest: digest.hex() }
      }
    )
  })

const encodePlanHeader = Schema.encodeSync(Migration.PlanHeader)
const encodeItem = Schema.encodeSync(Migration.Item)
const encodeProblem = Schema.encodeSync(Migration.Problem)
const encodeSummary = Schema.encodeSync(Migration.Summary)

/**
 * Writes a plan file (format version 3): the header, one line per item, then the trailer. The digest
 * computed while writing must be the plan's own (`Migration.digestOf`): a plan changed in memory
 * after planning is refused, not written with a new digest.
 *
 * @example
 * ```ts
 * import { FileFormat, type Migration } from "@unishare/migration"
 * const write = (plan: Migration.MigrationPlan) => FileFormat.writePlan("plan.json", plan)
 * ```
 */
export const writePlan = (
  path: string,
  plan: Migration.MigrationPlan,
  options: WriteOptions = {}
): Effect.Effect<void, Errors.InvalidInput> =>
  writeLines(
    path,
    options,
    encodePlanHeader(Migration.headerOf(plan)),
    Stream.fromIterable(plan.items),
    encodeItem,
    (digest) => {
      const body = {
        items: plan.items.length,
        problems: plan.problems.map((p) => encodeProblem(p)),
        summary: encodeSummary(plan.summary)
      }
      digest.add(body)
      const hex = digest.hex()
      if (hex !== plan.digest) {
        throw Errors.invalid(
          "unishare",
          "write plan",
          "plan.digest",
          "the plan was changed after it was made (its digest does not match its content): plan again"
        )
      }
      return { ...body, digest: hex }
    }
  )

/** A problem at one line of a file being read. */
class LineProblem {
  readonly line: number
  readonly path: string | undefined
  readonly message: string
  constructor(line: number, message: string, path?: string) {
    this.line = line
    this.message = message
    this.path = path
  }
}

const isObject = (u: unknown): u is Record<string, unknown> => u !== null && typeof u === "object" && !Array.isArray(u)

const parseLine = (text: string, line: number): unknown => {
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new LineProblem(line, "not valid JSON (the file was cut short or edited)")
  }
}

const decodeAt = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  json: unknown,
  line: number
): S["Type"] => {
  try {
    return Schema.decodeUnknownSync(schema)(json, { errors: "all" }) as S["Type"]
  } catch (e) {
    throw new LineProblem(line, e instanceof Error ? e.message : String(e))
  }
}

interface Spec<H, A, T> {
  /** "snapshot" or "plan": names the operation and the digest's field. */
  readonly what: "snapshot" | "plan"
  readonly format: string
  /** The key of the records array in a version 1 or 2 document (`resources`, `items`). */
  readonly documentKey: string
  readonly header: Schema.Codec<H, unknown, never, never>
  readonly record: Schema.Codec<A, unknown, never, never>
  readonly trailer: Schema.Codec<T, unknown, never, never>
}

interface Lines<H, A, T> {
  readonly header: H
  readonly records: ReadonlyArray<A>
  readonly trailer: T
  readonly digest: string
}

/**
 * Reads a JSON Lines file line by line, checking its digest; `"document"` when its first line is not
 * a version 3 header (a version 1 or 2 file, read whole instead).
 */
const readLines = async <H, A, T>(path: string, spec: Spec<H, A, T>): Promise<Lines<H, A, T> | "document"> => {
  const input = Fs.createReadStream(path, { encoding: "utf8" })
  const opened = new Promise<void>((resolve, reject) => {
    input.once("open", () => resolve())
    input.once("error", reject)
  })
  await opened
  const lines = Readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
  const digest = Snapshot.makeDigest()
  const records: Array<A> = []
  let n = 0
  let header: H | undefined
  let trailer: T | undefined
  try {
    for await (const text of lines) {
      n++
      if (n === 1) {
        let first: unknown
        try {
          first = JSON.parse(text)
        } catch {
          return "document"
        }
        if (
          !isObject(first) ||
          first.format !== spec.format ||
          first.version === 1 ||
          first.version === 2 ||
          spec.documentKey in first
        ) {
          return "document"
        }
        header = decodeAt(spec.header, first, n)
        digest.add(first)
        continue
      }
      if (trailer !== undefined)
        throw new LineProblem(n, "a line after the trailer (the last line): the file was edited")
      if (text.trim() === "") throw new LineProblem(n, "an empty line: the file was edited")
      const json = parseLine(text, n)
      if (isObject(json) && "digest" in json) {
        trailer = decodeAt(spec.trailer, json, n)
        const { digest: _, ...body } = json
        digest.add(body)
      } else {
        records.push(decodeAt(spec.record, json, n))
        digest.add(json)
      }
    }
  } finally {
    lines.close()
    input.destroy()
  }
  if (header === undefined) throw new LineProblem(1, `the file is empty: not a ${spec.what} file`)
  if (trailer === undefined) {
    throw new LineProblem(
      n,
      `the file ends without its trailer line (the last line, with the counts and the digest): it was cut short — was the ${spec.what === "snapshot" ? "export" : "plan"} interrupted? Run it again`
    )
  }
  return { header, records, trailer, digest: digest.hex() }
}

const readFailure = (path: string, what: string, e: unknown): Errors.InvalidInput => {
  if (e instanceof Errors.InvalidInput) return e
  if (e instanceof LineProblem)
    return Errors.invalid("unishare", `read ${what}`, e.path ?? `${path}:${e.line}`, e.message)
  const code = (e as NodeJS.ErrnoException).code
  return Errors.invalid(
    "unishare",
    `read ${what}`,
    path,
    code === "ENOENT" ? `no such file: ${path}` : `cannot read ${path}: ${String(e)}`
  )
}

/** Reads a whole file as one string, refusing (with the limit) one past the longest string Node holds. */
const readDocument = (path: string, what: string): Effect.Effect<string, Errors.InvalidInput> =>
  Effect.try({
    try: () => {
      const size = Fs.statSync(path).size
      if (size > maxDocumentBytes) {
        throw Errors.invalid(
          "unishare",
          `read ${what}`,
          path,
          `${path} is ${megabytes(size)}: a ${what} file of version 1 or 2 is one JSON document, read whole, and at most ${megabytes(maxDocumentBytes)} fits (the longest string Node.js holds)`
        )
      }
      return Fs.readFileSync(path, "utf8")
    },
    catch: (e) => readFailure(path, what, e)
  })

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(0)} MiB`

const changed = (path: string, what: "snapshot" | "plan") =>
  Errors.invalid(
    "unishare",
    `read ${what}`,
    `${what}.digest`,
    what === "plan"
      ? `${path}: the plan was changed after it was written (its digest does not match its content): plan again instead of editing the file`
      : `${path}: the snapshot was changed after it was exported (its digest does not match its content): export again instead of editing the file`
  )

const countsDiffer = (path: string, what: string, expected: number, found: number) =>
  Errors.invalid(
    "unishare",
    `read ${what}`,
    path,
    `its trailer counts ${expected} but the file holds ${found}: the file was edited or cut short`
  )

const snapshotSpec: Spec<Snapshot.SnapshotHeader, Snapshot.SnapshotResource, Snapshot.SnapshotTrailer> = {
  what: "snapshot",
  format: "unishare/snapshot",
  documentKey: "resources",
  header: Snapshot.SnapshotHeader,
  record: Snapshot.SnapshotResource,
  trailer: Snapshot.SnapshotTrailer
}

/**
 * Reads a snapshot file: format version 3 line by line (its digest and counts checked), or a version
 * 1 or 2 document whole. The value keeps the content's version (`Snapshot.versionOf`: 1 or 2).
 *
 * @example
 * ```ts
 * import { FileFormat } from "@unishare/migration"
 * const snapshot = FileFormat.readSnapshot("snapshot.json")
 * ```
 */
export const readSnapshot = (path: string): Effect.Effect<Snapshot.Snapshot, Errors.InvalidInput> =>
  Effect.tryPromise({ try: () => readLines(path, snapshotSpec), catch: (e) => readFailure(path, "snapshot", e) }).pipe(
    Effect.flatMap((read) => {
      if (read === "document") return Effect.flatMap(readDocument(path, "snapshot"), Snapshot.parse)
      const shares = read.records.reduce((n, r) => n + r.shares.length, 0)
      if (read.trailer.resources !== read.records.length) {
        return Effect.fail(countsDiffer(path, "snapshot", read.trailer.resources, read.records.length))
      }
      if (read.trailer.shares !== shares)
        return Effect.fail(countsDiffer(path, "snapshot", read.trailer.shares, shares))
      if (read.trailer.digest !== read.digest) return Effect.fail(changed(path, "snapshot"))
      return Effect.succeed<Snapshot.Snapshot>({
        format: "unishare/snapshot",
        version: Snapshot.versionOf(read.records),
        provider: read.header.provider,
        exportedAt: read.header.exportedAt,
        resources: read.records
      })
    })
  )

const planSpec: Spec<Migration.PlanHeader, Migration.Item, Migration.PlanTrailer> = {
  what: "plan",
  format: "unishare/migration-plan",
  documentKey: "items",
  header: Migration.PlanHeader,
  record: Migration.Item,
  trailer: Migration.PlanTrailer
}

/**
 * Reads a plan file: format version 3 line by line (its digest and counts checked: an edited line is
 * refused at `plan.digest`), or a version 1 or 2 document whole (its digest is checked by
 * `Migration.checkDigest`, as before). The value keeps the content's version (`Migration.versionOf`).
 *
 * @example
 * ```ts
 * import { FileFormat } from "@unishare/migration"
 * const plan = FileFormat.readPlan("plan.json")
 * ```
 */
export const readPlan = (path: string): Effect.Effect<Migration.MigrationPlan, Errors.InvalidInput> =>
  Effect.tryPromise({ try: () => readLines(path, planSpec), catch: (e) => readFailure(path, "plan", e) }).pipe(
    Effect.flatMap((read) => {
      if (read === "document") {
        return Effect.flatMap(readDocument(path, "plan"), (text) =>
          Snapshot.parseJson(text, Migration.MigrationPlan, "plan")
        )
      }
      if (read.trailer.items !== read.records.length) {
        return Effect.fail(countsDiffer(path, "plan", read.trailer.items, read.records.length))
      }
      if (read.trailer.digest !== read.digest) return Effect.fail(changed(path, "plan"))
      const { format: _, version: __, ...header } = read.header
      return Effect.succeed<Migration.MigrationPlan>({
        format: "unishare/migration-plan",
        version: Migration.versionOf(read.records),
        ...header,
        digest: read.trailer.digest,
        items: read.records,
        problems: read.trailer.problems,
        summary: read.trailer.summary
      })
    })
  )
