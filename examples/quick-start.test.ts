/**
 * The README's quick start runs as it is written: its block is `quick-start.ts` to the character
 * (so `pnpm typecheck` compiles it), and running it prints what the README says it prints.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterEach, describe, expect, it, vi } from "vitest"

const readme = Fs.readFileSync(Path.resolve(import.meta.dirname, "..", "README.md"), "utf8")

/** The fenced block of `language` that follows `after` in the README. */
const blockAfter = (after: string, language: string): string => {
  const start = readme.indexOf(after)
  expect(start, `the README has ${after}`).toBeGreaterThanOrEqual(0)
  const open = readme.indexOf(`\`\`\`${language}\n`, start)
  const body = open + language.length + 4
  return readme.slice(body, readme.indexOf("```\n", body))
}

afterEach(() => vi.restoreAllMocks())

describe("README quick start", () => {
  it("is examples/quick-start.ts, and prints what the README shows", async () => {
    const code = blockAfter("<!-- quick-start:", "ts")
    expect(code).toBe(Fs.readFileSync(Path.join(import.meta.dirname, "quick-start.ts"), "utf8"))
    const printed: Array<string> = []
    vi.spyOn(console, "log").mockImplementation((...args) => void printed.push(args.join(" ")))
    await import("./quick-start.ts")
    expect(`${printed.join("\n")}\n`).toBe(blockAfter("<!-- quick-start:", "text"))
  })
})
