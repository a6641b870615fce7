/**
 * The HTML plan report in a real headless Chromium (Debian's `chromium`, installed when missing):
 * the file opens with no network, filters by outcome, resource and principal, and sorts.
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { type Browser, chromium } from "playwright-core"
import { exportAndPlan, ids, type Sims, startSims, tempDir } from "./helpers.ts"

const candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"]
const findChromium = () => candidates.find((c) => Fs.existsSync(c))

/** Installs Debian's chromium when it is missing (the test machine is root; only Debian's mirror is used). */
const ensureChromium = (): string => {
  const found = findChromium()
  if (found !== undefined) return found
  execFileSync("apt-get", ["update"], { stdio: "ignore", timeout: 600_000 })
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], {
    stdio: "ignore",
    timeout: 900_000,
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  })
  const installed = findChromium()
  if (installed === undefined) throw new Error("chromium is not installed and apt-get could not install it")
  return installed
}

describe("plan --report: the HTML report in Chromium", () => {
  let sims: Sims
  let dir: string
  let browser: Browser
  let html: string
  let plan: string
  beforeAll(async () => {
    const executablePath = ensureChromium()
    sims = await startSims()
    dir = tempDir()
    html = Path.join(dir, "plan.html")
    const made = await exportAndPlan(sims, dir, ["--report", html])
    expect(made.planned.code, made.planned.stderr).toBe(0)
    plan = made.plan
    browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] })
  })
  afterAll(async () => {
    await browser?.close()
    await sims?.close()
    if (dir !== undefined) Fs.rmSync(dir, { recursive: true, force: true })
  })

  it("opens without network, filters to unresolved, by resource and principal, and sorts", async () => {
    const page = await browser.newPage()
    const external: Array<string> = []
    await page.route("**/*", (route) => {
      const url = route.request().url()
      if (url.startsWith("file:")) return route.continue()
      external.push(url)
      return route.abort()
    })
    const errors: Array<string> = []
    page.on("pageerror", (e) => errors.push(e.message))
    await page.goto(`file://${html}`)

    const written = JSON.parse(Fs.readFileSync(plan, "utf8"))
    const entries: Array<{ outcome: string }> = written.items.flatMap((i: { entries: Array<unknown> }) => i.entries)
    const visible = () =>
      page.$$eval("#shares tbody tr", (trs) =>
        trs
          .filter((tr) => !(tr as HTMLElement).hidden && (tr as HTMLElement).offsetParent !== null)
          .map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? ""))
      )
    expect((await visible()).length).toBe(entries.length)

    await page.selectOption("#outcome", "unresolved")
    const unresolved = await visible()
    expect(unresolved.length).toBe(entries.filter((e) => e.outcome === "unresolved").length)
    expect(unresolved.length).toBeGreaterThan(0)
    // the unmapped ghost user (no EnergyCAP account) is the unresolved share; its outcome column says so
    expect(unresolved).toEqual([
      [
        `smartsheet:sheet:${ids.sheet1}`,
        "eci:list:42",
        "user:ghost@example.com",
        "viewer",
        "",
        "",
        "unresolved",
        expect.stringContaining("does not exist on eci")
      ]
    ])
    expect(await page.textContent("#count")).toBe(`1 of ${entries.length} shares`)

    await page.selectOption("#outcome", "")
    await page.fill("#resource", ids.sheet2)
    const sheet2 = await visible()
    expect(sheet2.length).toBe(written.items[1].entries.length)
    for (const row of sheet2) expect(row[0]).toBe(`smartsheet:sheet:${ids.sheet2}`)

    await page.fill("#resource", "")
    await page.fill("#principal", "ada@")
    expect((await visible()).map((r) => r[2])).toEqual(["user:ada@example.com"])

    await page.fill("#principal", "")
    await page.click('th[data-key="principal"]')
    const sorted = (await visible()).map((r) => r[2])
    expect(sorted).toEqual([...sorted].sort())
    await page.click('th[data-key="principal"]')
    const reversed = (await visible()).map((r) => r[2])
    expect(reversed).toEqual([...sorted].reverse())

    expect(external).toEqual([])
    expect(errors).toEqual([])
    await page.close()
  })

  it("allows only its own script and style (CSP hashes, no 'unsafe-inline'): an injected inline script never runs", async () => {
    const original = Fs.readFileSync(html, "utf8")
    expect(original).not.toContain("unsafe-inline")
    // what an escaping slip would let through: inline script and style the report did not write
    const tampered = Path.join(dir, "tampered.html")
    Fs.writeFileSync(
      tampered,
      original.replace(
        "</body>",
        '<script>document.title = "injected"</script><style>body { display: none }</style></body>'
      )
    )
    const page = await browser.newPage()
    const violations: Array<string> = []
    page.on("console", (m) => {
      if (m.text().includes("Content Security Policy")) violations.push(m.text())
    })
    await page.goto(`file://${tampered}`)
    // the report's own script ran (the table is filled), the injected one did not
    expect(await page.$$eval("#shares tbody tr", (trs) => trs.length)).toBeGreaterThan(0)
    expect(await page.title()).not.toBe("injected")
    expect(await page.isVisible("#shares")).toBe(true)
    expect(violations.length).toBeGreaterThan(0)
    await page.close()
  })
})
