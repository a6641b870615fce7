/**
 * `pnpm docs`: the API reference covers every published entry and has no broken link; and the
 * check itself catches a broken `{@link}` and a broken local link.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { brokenLinks, buildDocs, publishedEntries } from "../scripts/docs.ts"

const here = Path.dirname(fileURLToPath(import.meta.url))
const temp = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-docs-"))
afterAll(() => Fs.rmSync(temp, { recursive: true, force: true }))

describe("API reference", () => {
  it("documents every published entry, with no TypeDoc warning and no broken link", async () => {
    const report = await buildDocs(Path.join(temp, "api"))
    expect(report.problems).toEqual([])
    const index = Fs.readFileSync(Path.join(temp, "api", "index.html"), "utf8")
    const specifiers = publishedEntries().map((e) => e.specifier)
    expect(specifiers).toEqual(
      expect.arrayContaining(["@unishare/core", "@unishare/core/promise", "@unishare/eci/simulator"])
    )
    for (const specifier of specifiers) expect(index, specifier).toContain(`>${specifier}<`)
    expect(report.pages).toBeGreaterThan(specifiers.length)
  })

  it("reports a {@link} to nothing", async () => {
    const report = await buildDocs(Path.join(temp, "broken"), [
      { specifier: "broken-link", file: Path.join(here, "docs", "broken-link.ts") }
    ])
    expect(report.problems.join("\n")).toContain("doesNotExist")
  })

  it("reports a local link to a missing page or anchor", () => {
    const dir = Path.join(temp, "links")
    Fs.mkdirSync(dir)
    Fs.writeFileSync(
      Path.join(dir, "a.html"),
      '<a href="b.html#here">ok</a><a href="b.html#gone">x</a><a href="c.html">y</a><a href="https://example.com">z</a>'
    )
    Fs.writeFileSync(Path.join(dir, "b.html"), '<h2 id="here">here</h2>')
    expect(brokenLinks(dir)).toEqual(["a.html: b.html#gone (no such anchor)", "a.html: c.html (no such file)"])
  })
})
