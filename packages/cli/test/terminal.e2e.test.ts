/**
 * Names come from whoever controls a provider's data. Seeded with names holding ESC sequences (clear
 * screen, colours), an OSC title, a carriage return that would overwrite a line, C1 controls, DEL
 * and bidi overrides, the human output of every command shows them escaped (no raw control byte
 * reaches the terminal), while `--json` keeps them exact.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Output } from "@unishare/cli"
import { eciSeed, exportAndPlan, ids, runCli, type Sims, smartsheetSeed, startSims, tempDir } from "./helpers.ts"

/** Everything a terminal acts on: ESC, OSC title, CR, C1 (CSI), DEL, bidi override and isolate. */
const hostile = "\u001b[2J\u001b]0;pwned\u0007\rFAKE: all good\u009b31m\u007f\u202egnp.exe\u2066"
/** Control characters a terminal acts on (newline and tab excepted). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose
const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/

describe("terminal output is safe from provider-controlled names", () => {
  let sims: Sims
  let dir: string
  let plan: string
  beforeAll(async () => {
    sims = await startSims({
      smartsheet: {
        ...smartsheetSeed,
        users: (smartsheetSeed.users ?? []).map((u) => ({ ...u, name: `User ${hostile}` })),
        groups: (smartsheetSeed.groups ?? []).map((g) => ({ ...g, name: `Finance ${hostile}` })),
        assets: (smartsheetSeed.assets ?? []).map((a) => ({ ...a, name: `${a.name} ${hostile}` }))
      },
      eci: {
        ...eciSeed,
        groups: (eciSeed.groups ?? []).map((g) => ({ ...g, userGroupName: `Finance ${hostile}` })),
        lists: (eciSeed.lists ?? []).map((l) => ({ ...l, name: `${l.name} ${hostile}` }))
      }
    })
    dir = tempDir()
    const made = await exportAndPlan(sims, dir)
    expect(made.planned.code, made.planned.stderr).toBe(0)
    plan = made.plan
    // the files (JSON) keep the names exact
    expect(
      JSON.stringify(
        Fs.readFileSync(made.snapshot, "utf8")
          .trimEnd()
          .split("\n")
          .map((line) => JSON.parse(line))
      )
    ).toContain(JSON.stringify(hostile).slice(1, -1))
  })
  afterAll(async () => {
    await sims?.close()
    if (dir !== undefined) Fs.rmSync(dir, { recursive: true, force: true })
  })

  it("escapes every control character in the human output of export, plan, apply, verify and status", async () => {
    const out = (name: string) => Path.join(dir, name)
    // EnergyCAP lists are exported with their names: plan them onto each other (42 → 43, 43 → 42)
    const resources = out("eci-resources.json")
    Fs.writeFileSync(
      resources,
      JSON.stringify([
        { source: "eci:list:42", target: "eci:list:43" },
        { source: "eci:list:43", target: "eci:list:42" }
      ])
    )
    const eciPlan = out("eci-plan.json")
    sims.eci.setShare(42, { sharedUserIds: [2], sharedUserGroupIds: [10], sharedWithEveryone: false })
    const runs = {
      export: await runCli(
        ["export", "--provider", "smartsheet", "--resource", `smartsheet:sheet:${ids.sheet1}`, "--out", out("s.json")],
        sims.env
      ),
      exportEci: await runCli(["export", "--provider", "eci", "--out", out("e.json")], sims.env),
      plan: await runCli(
        [
          "plan",
          "--snapshot",
          out("e.json"),
          "--target",
          "eci",
          "--resources",
          resources,
          "--out",
          eciPlan,
          "--details"
        ],
        sims.env
      ),
      applyEci: await runCli(["apply", "--plan", eciPlan], sims.env),
      apply: await runCli(["apply", "--plan", plan], sims.env),
      verify: await runCli(["verify", "--plan", plan], sims.env),
      status: await runCli(["status", "--plan", eciPlan], sims.env)
    }
    const shown = Object.values(runs)
      .map((r) => r.stdout + r.stderr)
      .join("\n")
    for (const [command, run] of Object.entries(runs)) {
      expect(run.code, `${command}: ${run.stderr}`).toBe(0)
      const text = run.stdout + run.stderr
      const found = raw.exec(text)
      expect(found === null ? null : `U+${found[0].charCodeAt(0).toString(16)} at ${found.index}`, command).toBeNull()
    }
    // the names did reach the output (tables may clip them), escaped
    expect(shown).toContain("Budget bills \\x1b[2J\\x1b]0")
    expect(shown).toContain("exe\\u2066")
  })

  it("terminalSafe shows each control character as a visible escape and keeps newlines, tabs and text", () => {
    expect(Output.terminalSafe("a\u001b[2Jb\rc\u009bd\u007fe\u202ef\tg\nh — ü")).toBe(
      "a\\x1b[2Jb\\rc\\x9bd\\x7fe\\u202ef\tg\nh — ü"
    )
    expect(raw.test(Output.terminalSafe(hostile))).toBe(false)
  })
})
