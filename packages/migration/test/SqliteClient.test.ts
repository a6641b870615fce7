import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { SqliteClient } from "@unishare/migration"
import { Effect, Exit, Layer } from "effect"
import { SqlClient } from "effect/sql"

const tempFile = () => Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-sqlite-")), "plan.unishare.db")

describe("SqliteClient (node:sqlite)", () => {
  it.live("runs statements, parameters and transactions; data survives reopening", () =>
    Effect.gen(function* () {
      const filename = tempFile()
      yield* Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE units (id TEXT PRIMARY KEY, n INTEGER, ok BOOLEAN)`
        yield* sql`INSERT INTO units ${sql.insert([
          { id: "a", n: 1, ok: true },
          { id: "b", n: 2, ok: false }
        ])}`
        const failed = yield* Effect.exit(
          sql.withTransaction(
            Effect.andThen(sql`INSERT INTO units (id, n) VALUES ('c', 3)`, Effect.fail("abort" as const))
          )
        )
        assert.isTrue(Exit.isFailure(failed))
        const rows = yield* sql<{ id: string; n: number; ok: number }>`SELECT id, n, ok FROM units ORDER BY id`
        assert.deepStrictEqual(
          rows.map((r) => ({ ...r })),
          [
            { id: "a", n: 1, ok: 1 },
            { id: "b", n: 2, ok: 0 }
          ]
        )
      }).pipe(Effect.provide(SqliteClient.layer({ filename })))
      const again = yield* Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{ n: number }>`SELECT count(*) AS n FROM units`
      }).pipe(Effect.provide(SqliteClient.layer({ filename })))
      assert.strictEqual(again[0]?.n, 2)
    })
  )

  it.live("a second process on the same file fails with DatabaseBusy and a clear message", () =>
    Effect.gen(function* () {
      const filename = tempFile()
      const context = yield* Layer.build(SqliteClient.layer({ filename }))
      yield* Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE t (x INTEGER)`
      }).pipe(Effect.provideContext(context))
      const script = `
        import { DatabaseSync } from "node:sqlite"
        const db = new DatabaseSync(${JSON.stringify(filename)}, { timeout: 200 })
        try { db.exec("PRAGMA locking_mode = EXCLUSIVE"); db.exec("BEGIN EXCLUSIVE; COMMIT"); console.log("opened") }
        catch (e) { console.log("refused: " + e.message) }`
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" })
      assert.match(out, /refused: database is locked/)
      // the same check through the client, in this process: a second client on the file is refused
      const second = yield* Effect.exit(
        Layer.build(SqliteClient.layer({ filename, busyTimeoutMillis: 100 })).pipe(Effect.scoped)
      )
      assert.isTrue(Exit.isFailure(second))
      const reason = Exit.isFailure(second) ? second.cause.reasons[0] : undefined
      const error = reason?._tag === "Fail" ? reason.error : undefined
      assert.instanceOf(error, SqliteClient.DatabaseBusy)
      assert.match((error as SqliteClient.DatabaseBusy).message, /in use by another unishare process/)
    }).pipe(Effect.scoped)
  )
})
