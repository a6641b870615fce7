/** The CLI's README states what the command does: its exit-code table is the one `--help` prints. */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { ExitCode } from "@unishare/cli"

const readme = Fs.readFileSync(Path.resolve(import.meta.dirname, "..", "README.md"), "utf8")

describe("packages/cli/README.md", () => {
  it("lists every exit code exactly as --help does", () => {
    for (const line of ExitCode.table.split("\n")) expect(readme).toContain(line)
  })
})
