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
 * from the digest so far (once every record is written); atomically, refusing an existing file
 * unless `force`.
 */
const writeLines = <A, T, E, R>(
  path: string,
  options: WriteOptions,
  header: unknown,
  records: Stream.Stream<A, E, R>,
  encode: (a: A) => unknown,
  trailer: (digest: Snapshot.Digest) => Effect.Effect<T, Errors.InvalidInput>
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
        Effect.andThen(Effect.suspend(() => trailer(digest))),
        Effect.tap((end) =>
          write(() => {
            file.line(Snapshot.canonicalJson(end))
            file.commit(force)
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
      (digest) =>
        Effect.sync(() => {
          const body = { resources: count, shares }
          digest.add(body)
          return { ...body, digest: digest.hex() }
        })
    )
  })

const encodePlanHeader = Schema.encodeSync(Migration.PlanHeader)
const encodeItem = Schema.encodeSync(Migration.Item)
const encodeProblem = Schema.encodeSync(Migration.Problem)
const encodeSummary = Schema.encodeSync(Migration.Summary)

/** The trailer of a plan file: its body (encoded) added to the digest, and the digest. */
const trailerOf = (digest: Snapshot.Digest, end: Omit<Migration.PlanTrailer, "digest">): Migration.PlanTrailer => {
  const body = {
    items: end.items,
    problems: end.problems.map((p) => encodeProblem(p)),
    summary: encodeSummary(end.summary)
  }
  digest.add(body)
  return { ...body, digest: digest.hex() }
}

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
      const end = trailerOf(digest, { items: plan.items.length, problems: plan.problems, summary: plan.summary })
      return end.digest === plan.digest
        ? Effect.succeed(end)
        : Effect.fail(
            Errors.invalid(
              "unishare",
              "write plan",
              "plan.digest",
              "the plan was changed after it was made (its digest does not match its content): plan again"
            )
          )
    }
  ).pipe(Effect.asVoid)

/**
 * Writes a plan as it is made (`Migration.planStream`) to a plan file of the same format as
 * `writePlan`'s (format version 3): the header first, each item as the plan emits it (never all of
 * them at once), then the trailer from the problems and summary counted on the way, with the
 * digest computed while writing — the plan's digest (`Migration.digestOf` of the same plan in
 * memory). Returns the trailer. Atomic, and an existing file is refused unless `force`; a plan that
 * fails part way leaves no file.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FileFormat, Migration } from "@unishare/migration"
 * const write = (input: Migration.PlanStreamInput) =>
 *   Effect.flatMap(Migration.planStream(input), (plan) => FileFormat.writePlanStream("plan.json", plan))
 * ```
 */
export const writePlanStream = <E>(
  path: string,
  plan: Migration.PlanInProgress<E>,
  options: WriteOptions = {}
): Effect.Effect<Migration.PlanTrailer, Errors.SharingError | E> =>
  writeLines(path, options, encodePlanHeader(plan.header), plan.items, encodeItem, (digest) =>
    Effect.map(plan.end, (end) => trailerOf(digest, end))
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

/** A version 3 file opened: its header, its trailer (read from the end first), and where the records begin. */
interface Opened<H, T> {
  readonly header: H
  readonly headerJson: unknown
  readonly trailer: T
  readonly trailerLine: string
}

/** The first line of a file, read in blocks up to its first newline: `undefined` for an empty file. */
const firstLine = (fd: number): string | undefined => {
  const chunks: Array<Buffer> = []
  let position = 0
  for (;;) {
    const buffer = Buffer.alloc(65_536)
    const read = Fs.readSync(fd, buffer, 0, buffer.length, position)
    if (read === 0) break
    const chunk = buffer.subarray(0, read)
    const end = chunk.indexOf(10)
    if (end >= 0) {
      chunks.push(chunk.subarray(0, end))
      break
    }
    chunks.push(chunk)
    position += read
  }
  const text = Buffer.concat(chunks).toString("utf8").replace(/\r$/, "")
  return position === 0 && text === "" ? undefined : text
}

/** The last line of a file (a final newline ends it), read backwards from the end in blocks. */
const lastLine = (fd: number, size: number): string => {
  const chunks: Array<Buffer> = []
  let end = size
  // a final newline ends the last line, it does not start an empty one
  const tail = Buffer.alloc(1)
  if (size > 0 && Fs.readSync(fd, tail, 0, 1, size - 1) === 1 && tail[0] === 10) end--
  let position = end
  while (position > 0) {
    const length = Math.min(65_536, position)
    position -= length
    const buffer = Buffer.alloc(length)
    Fs.readSync(fd, buffer, 0, length, position)
    const newline = buffer.lastIndexOf(10)
    if (newline >= 0) {
      chunks.unshift(buffer.subarray(newline + 1))
      break
    }
    chunks.unshift(buffer)
  }
  return Buffer.concat(chunks).toString("utf8").replace(/\r$/, "")
}

/** How many lines a file has (a last line without a newline counts). */
const lineCount = (fd: number, size: number): number => {
  const buffer = Buffer.alloc(1_048_576)
  let lines = 0
  let lastByte = 10
  for (let position = 0; position < size; ) {
    const read = Fs.readSync(fd, buffer, 0, buffer.length, position)
    if (read === 0) break
    for (let at = buffer.indexOf(10, 0); at >= 0 && at < read; at = buffer.indexOf(10, at + 1)) lines++
    lastByte = buffer[read - 1]!
    position += read
  }
  return lastByte === 10 ? lines : lines + 1
}

/**
 * Opens a JSON Lines file: its header (the first line) and its trailer (the last line, read from
 * the end, so a file cut short is refused before any record is read); `"document"` when its first
 * line is not a version 3 header (a version 1 or 2 file, read whole instead).
 */
const openLines = <H, A, T>(path: string, spec: Spec<H, A, T>): Opened<H, T> | "document" => {
  const fd = Fs.openSync(path, "r")
  try {
    const size = Fs.fstatSync(fd).size
    const text = firstLine(fd)
    if (text === undefined) throw new LineProblem(1, `the file is empty: not a ${spec.what} file`)
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
    const header = decodeAt(spec.header, first, 1)
    const trailerLine = lastLine(fd, size)
    // only on the way to an error: which line the last one is (a scan of the file, no parsing)
    const last = () => lineCount(fd, size)
    let json: unknown
    try {
      json = JSON.parse(trailerLine)
    } catch {
      throw new LineProblem(last(), "not valid JSON (the file was cut short or edited)")
    }
    if (trailerLine === text || !isObject(json) || !("digest" in json)) {
      throw new LineProblem(
        last(),
        `the file ends without its trailer line (the last line, with the counts and the digest): it was cut short — was the ${spec.what === "snapshot" ? "export" : "plan"} interrupted? Run it again`
      )
    }
    const trailer = decodeAt(spec.trailer, json, last())
    return { header, headerJson: first, trailer, trailerLine }
  } finally {
    Fs.closeSync(fd)
  }
}

/**
 * The records of an opened file, read one line at a time each time the stream runs: each line is
 * decoded as it is read, and the end checks that the trailer is the one opened, that there are
 * `count(trailer)` records and that the digest matches (else `changed`). A consumer that must not act
 * on an edited file acts only once the stream has ended.
 */
const recordsOf = <H, A, T>(
  path: string,
  spec: Spec<H, A, T>,
  opened: Opened<H, T>,
  count: (trailer: T, records: number) => Errors.InvalidInput | undefined
): Stream.Stream<A, Errors.InvalidInput> =>
  // a new reader each time the stream runs: the file is read again, its checks made again
  Stream.suspend(() =>
    Stream.fromAsyncIterable(
      (async function* () {
        const input = Fs.createReadStream(path, { encoding: "utf8" })
        const lines = Readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
        // A file this module wrote holds each record's canonical JSON as its line (U+2028 and U+2029
        // escaped), so the lines as they are hash to the digest: no record is serialized again. Only
        // when that does not match (a file re-formatted by another tool, or edited) is the digest
        // computed from each record's canonical JSON, in a second pass, before the file is refused.
        const raw = Snapshot.makeDigest()
        let n = 0
        let records = 0
        let ended = false
        try {
          for await (const text of lines) {
            n++
            if (n === 1) {
              const json = parseLine(text, n)
              if (Snapshot.canonicalJson(json) !== Snapshot.canonicalJson(opened.headerJson))
                throw changed(path, spec.what)
              raw.add(json)
              continue
            }
            if (ended) throw new LineProblem(n, "a line after the trailer (the last line): the file was edited")
            if (text.trim() === "") throw new LineProblem(n, "an empty line: the file was edited")
            const json = parseLine(text, n)
            if (isObject(json) && "digest" in json) {
              if (text !== opened.trailerLine) throw changed(path, spec.what)
              const { digest: _, ...body } = json
              raw.add(body)
              ended = true
            } else {
              const record = decodeAt(spec.record, json, n)
              raw.addLine(unescapeSeparators(text))
              records++
              yield record
            }
          }
        } finally {
          lines.close()
          input.destroy()
        }
        if (!ended) throw changed(path, spec.what)
        const wrong = count(opened.trailer, records)
        if (wrong !== undefined) throw wrong
        const expected = (opened.trailer as { readonly digest: string }).digest
        if (expected !== raw.hex() && expected !== (await canonicalDigest(path))) throw changed(path, spec.what)
      })(),
      (e) => readFailure(path, spec.what, e)
    )
  )

/** A line as written, with the U+2028 and U+2029 the writer escaped put back (as in the canonical JSON). */
const unescapeSeparators = (text: string) =>
  text.includes("\\u202")
    ? text.replace(/\\u(2028|2029)/g, (_, code: string) => String.fromCharCode(Number.parseInt(code, 16)))
    : text

/** The digest of a file computed from each line's canonical JSON (the trailer without its digest). */
const canonicalDigest = async (path: string): Promise<string> => {
  const input = Fs.createReadStream(path, { encoding: "utf8" })
  const lines = Readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
  const digest = Snapshot.makeDigest()
  try {
    for await (const text of lines) {
      const json = JSON.parse(text) as unknown
      if (isObject(json) && "digest" in json) {
        const { digest: _, ...body } = json
        digest.add(body)
      } else digest.add(json)
    }
  } finally {
    lines.close()
    input.destroy()
  }
  return digest.hex()
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
 * A snapshot file opened for streaming (a `Migration.SnapshotSource`): the header's fields and the trailer's counts and digest,
 * known before any resource is read, and `resources`, read from the file one line at a time each
 * time the stream runs (its end checks the counts and the digest: an edited file fails there, after
 * the records before it were emitted).
 *
 * @example
 * ```ts
 * import { Stream } from "effect"
 * import type { FileFormat } from "@unishare/migration"
 * const names = (s: FileFormat.SnapshotStream) => Stream.map(s.resources, (r) => r.name)
 * ```
 */
export type SnapshotStream = Migration.SnapshotSource<Errors.InvalidInput>

const snapshotCounts = (path: string) => (trailer: Snapshot.SnapshotTrailer, records: number) =>
  trailer.resources !== records ? countsDiffer(path, "snapshot", trailer.resources, records) : undefined

/**
 * Opens a snapshot file without reading it whole: version 3 files stream their resources (the
 * trailer, read first from the end, refuses a file cut short at once); a version 1 or 2 document
 * is read whole and streamed from memory.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { FileFormat } from "@unishare/migration"
 * const count = Effect.flatMap(FileFormat.openSnapshot("snapshot.json"), (s) => Stream.runCount(s.resources))
 * ```
 */
export const openSnapshot = (path: string): Effect.Effect<SnapshotStream, Errors.InvalidInput> =>
  Effect.try({ try: () => openLines(path, snapshotSpec), catch: (e) => readFailure(path, "snapshot", e) }).pipe(
    Effect.flatMap((opened) => {
      if (opened === "document") {
        return Effect.map(
          Effect.flatMap(readDocument(path, "snapshot"), Snapshot.parse),
          (snapshot): SnapshotStream => Migration.sourceOf(snapshot)
        )
      }
      let shares = 0
      const counted = recordsOf(path, snapshotSpec, opened, (trailer, records) => {
        const wrong = snapshotCounts(path)(trailer, records)
        if (wrong !== undefined) return wrong
        return trailer.shares !== shares ? countsDiffer(path, "snapshot", trailer.shares, shares) : undefined
      })
      return Effect.succeed<SnapshotStream>({
        provider: opened.header.provider,
        exportedAt: opened.header.exportedAt,
        trailer: opened.trailer,
        resources: Stream.suspend(() => {
          shares = 0
          return Stream.tap(counted, (r) =>
            Effect.sync(() => {
              shares += r.shares.length
            })
          )
        })
      })
    })
  )

/**
 * Reads a snapshot file whole: format version 3 line by line (its digest and counts checked), or a
 * version 1 or 2 document. The value keeps the content's version (`Snapshot.versionOf`: 1 or 2).
 * For a file too large to hold, use `openSnapshot`.
 *
 * @example
 * ```ts
 * import { FileFormat } from "@unishare/migration"
 * const snapshot = FileFormat.readSnapshot("snapshot.json")
 * ```
 */
export const readSnapshot = (path: string): Effect.Effect<Snapshot.Snapshot, Errors.InvalidInput> =>
  Effect.flatMap(openSnapshot(path), (opened) =>
    Effect.map(
      Stream.runCollect(opened.resources),
      (resources): Snapshot.Snapshot => ({
        format: "unishare/snapshot",
        version: Snapshot.versionOf(resources),
        provider: opened.provider,
        exportedAt: opened.exportedAt,
        resources
      })
    )
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
 * Opens a plan file without reading it whole (`Migration.PlanStream`): the header and the trailer
 * (problems, summary, digest) are read first — a file cut short is refused at once — and the items
 * are read one line at a time each time `items` runs; the stream's end checks the count and the
 * digest (an edited plan fails there at `plan.digest`). A version 1 or 2 document is read whole, its
 * digest checked (`Migration.checkDigest`), and streamed from memory.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { FileFormat } from "@unishare/migration"
 * const writes = Effect.flatMap(FileFormat.openPlan("plan.json"), (plan) =>
 *   Stream.runFold(plan.items, () => 0, (n, item) => n + item.plan.operations.length)
 * )
 * ```
 */
export const openPlan = (path: string): Effect.Effect<Migration.PlanStream, Errors.InvalidInput> =>
  Effect.try({ try: () => openLines(path, planSpec), catch: (e) => readFailure(path, "plan", e) }).pipe(
    Effect.flatMap((opened) => {
      if (opened === "document") {
        return readDocument(path, "plan").pipe(
          Effect.flatMap((text) => Snapshot.parseJson(text, Migration.MigrationPlan, "plan")),
          Effect.tap(Migration.checkDigest),
          Effect.map(Migration.streamOf)
        )
      }
      const { format: _, version: __, ...header } = opened.header
      return Effect.succeed<Migration.PlanStream>({
        ...header,
        digest: opened.trailer.digest,
        itemCount: opened.trailer.items,
        problems: opened.trailer.problems,
        summary: opened.trailer.summary,
        items: recordsOf(path, planSpec, opened, (trailer, records) =>
          trailer.items !== records ? countsDiffer(path, "plan", trailer.items, records) : undefined
        )
      })
    })
  )

/**
 * Reads a plan file whole: format version 3 line by line (its digest and counts checked: an edited
 * line is refused at `plan.digest`), or a version 1 or 2 document (its digest is checked by
 * `Migration.checkDigest`, as before). The value keeps the content's version (`Migration.versionOf`).
 * For a plan too large to hold, use `openPlan`.
 *
 * @example
 * ```ts
 * import { FileFormat } from "@unishare/migration"
 * const plan = FileFormat.readPlan("plan.json")
 * ```
 */
export const readPlan = (path: string): Effect.Effect<Migration.MigrationPlan, Errors.InvalidInput> =>
  Effect.flatMap(openPlan(path), Migration.collectPlan)
