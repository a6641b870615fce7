/**
 * The HTML plan report in a real headless Chromium (Debian's `chromium`, installed when missing):
 * with JavaScript off (as when printing or saving as PDF without scripts) the summary, options,
 * snapshot, creation time, full digest and every row are there; with JavaScript it filters by
 * outcome (a share given to the fallback is "unresolved"), resource and principal, and sorts; it
 * opens with no network, runs only its own script and style, and shows a hostile group name as text.
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { FileFormat, Migration, Snapshot } from "@unishare/migration"
import { Effect, Schema } from "effect"
import { type Browser, chromium, type Page } from "playwright-core"
import { exportAndPlan, ids, type Json, type Sims, smartsheetSeed, startSims, tempDir } from "./helpers.ts"

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

/**
 * The Finance group's name as a hostile Smartsheet account could set it: markup with an event
 * handler, both quotes, an escape sequence and a right-to-left override.
 */
const hostile = `Fin<img src=x onerror="document.title='pwned'">'"\u001b[2J\u202eecnaniF`
/** What the report shows for it: every character as text, the control characters as visible escapes. */
const hostileShown = `Fin<img src=x onerror="document.title='pwned'">'"\\x1b[2J\\u202eecnaniF`

const seed = {
  ...smartsheetSeed,
  groups: smartsheetSeed.groups?.map((g) => (g.id === ids.finance ? { ...g, name: hostile } : g))
}

interface Report {
  readonly html: string
  readonly plan: Json
  readonly snapshot: string
  readonly entries: ReadonlyArray<Json>
}

/** The visible rows of the share table, as cell texts. */
const visible = (page: Page) =>
  page.$$eval("#shares tbody tr", (trs) =>
    trs
      .filter((tr) => (tr as HTMLElement).offsetParent !== null)
      .map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? ""))
  )

describe("plan --report: the HTML report in Chromium", () => {
  let sims: Sims
  const dirs: Array<string> = []
  let browser: Browser
  /** No fallback: the ghost user (no EnergyCAP account) is unresolved and gets no grant. */
  let plain: Report
  /** --fallback user:it@example.com: the ghost user's share goes to the IT help desk instead. */
  let fallback: Report

  const planReport = async (extra: ReadonlyArray<string>): Promise<Report> => {
    const dir = tempDir()
    dirs.push(dir)
    const html = Path.join(dir, "plan.html")
    const made = await exportAndPlan(sims, dir, ["--report", html, ...extra])
    expect(made.planned.code, made.planned.stderr).toBe(0)
    // the plan as its file holds it, in JSON form (the file is JSON Lines: read it with the library)
    const plan = JSON.parse(
      JSON.stringify(
        Schema.encodeSync(Migration.MigrationPlan)(await Effect.runPromise(FileFormat.readPlan(made.plan)))
      )
    )
    return {
      html,
      plan,
      snapshot: made.snapshot,
      entries: plan.items.flatMap((i: { entries: Array<unknown> }) => i.entries)
    }
  }

  beforeAll(async () => {
    const executablePath = ensureChromium()
    sims = await startSims({ smartsheet: seed })
    plain = await planReport([])
    fallback = await planReport(["--fallback", "user:it@example.com"])
    browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] })
  })
  afterAll(async () => {
    await browser?.close()
    await sims?.close()
    for (const dir of dirs) Fs.rmSync(dir, { recursive: true, force: true })
  })

  /** A page that may load nothing but the file, recording requests elsewhere and script errors. */
  const open = async (file: string, options: { readonly javaScriptEnabled: boolean }) => {
    const context = await browser.newContext({ javaScriptEnabled: options.javaScriptEnabled })
    const page = await context.newPage()
    const external: Array<string> = []
    await page.route("**/*", (route) => {
      const url = route.request().url()
      if (url.startsWith("file:")) return route.continue()
      external.push(url)
      return route.abort()
    })
    const errors: Array<string> = []
    page.on("pageerror", (e) => errors.push(e.message))
    page.on("dialog", (d) => {
      errors.push(`dialog: ${d.message()}`)
      return d.dismiss()
    })
    await page.goto(`file://${file}`)
    return { page, context, external, errors }
  }

  it("without JavaScript: summary, options, snapshot, time, full digest and every row are in the page, and it prints", async () => {
    const { plan, entries } = fallback
    const { page, context, external, errors } = await open(fallback.html, { javaScriptEnabled: false })
    const text = (selector: string) => page.textContent(selector).then((t) => (t ?? "").replace(/\s+/g, " ").trim())

    // the plan's identity: id, full digest, when it was made and from which snapshot
    expect(plan.digest).toMatch(/^[0-9a-f]{64}$/)
    expect(await text("#plan-digest")).toBe(plan.digest)
    expect(await text("#summary")).toContain(plan.id)
    expect(await text("#created")).toBe(plan.createdAt)
    expect(await page.getAttribute("#created", "datetime")).toBe(plan.createdAt)
    const snapshot = await Effect.runPromise(FileFormat.readSnapshot(fallback.snapshot))
    expect(plan.snapshot).toEqual({
      provider: "smartsheet",
      exportedAt: snapshot.exportedAt,
      digest: Snapshot.digestOf(snapshot),
      resources: 2,
      shares: snapshot.resources.reduce((n, r) => n + r.shares.length, 0)
    })
    expect(await text("#snapshot-digest")).toBe(plan.snapshot.digest)
    expect(await text("#summary")).toContain(`smartsheet, exported ${snapshot.exportedAt}; 2 resources`)

    // the options, each by its flag
    const option = (name: string) => text(`#options tr[data-option="${name}"] td`)
    expect(await option("mode")).toMatch(/^merge — /)
    expect(await option("on-lossy")).toMatch(/^round-down — /)
    expect(await option("include-inherited")).toMatch(/^no — /)
    expect(await option("fallback")).toMatch(/^it@example\.com user:9 — /)
    expect(await option("allow-everyone")).toMatch(/^no — /)
    expect(await option("create-missing")).toBe("no")

    // the counts: the share given to the fallback is unresolved, not exact
    const fallbackEntries = entries.filter((e) => e.via === "fallback")
    expect(fallbackEntries.length).toBe(1)
    expect(fallbackEntries[0].outcome).toBe("exact")
    const count = (outcome: string) => text(`#outcomes tr[data-count="${outcome}"] td.n`)
    expect(await count("unresolved")).toBe("1")
    expect(await count("exact")).toBe(String(entries.filter((e) => e.outcome === "exact").length - 1))
    expect(await count("total")).toBe(String(entries.length))
    expect(await text("#unresolved-summary")).toBe(
      "1 principal, 1 share; 1 share given to the fallback it@example.com user:9 instead"
    )
    expect(
      await page.$$eval("#principal-table tbody tr", (trs) =>
        trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? ""))
      )
    ).toEqual([
      [
        `ghost@example.com user:${ids.ghost}`,
        "unresolved → fallback",
        "it@example.com user:9",
        "1",
        "1",
        expect.stringContaining("does not exist on eci")
      ]
    ])
    expect(await text("#problems")).toContain("None")
    expect(await page.$$eval("#write-table tbody tr", (trs) => trs.length)).toBe(
      plan.items.filter((i: Json) => i.plan.operations.length > 0).length
    )
    expect(await text("#write-table")).toContain("grant viewer to it@example.com user:9")

    // every row, visible; names beside ids; the filters (which need the script) are not shown
    const rows = await visible(page)
    expect(rows.length).toBe(entries.length)
    expect(await page.isVisible("#filters")).toBe(false)
    const ghost = rows.find((r) => r[2]?.includes("ghost@"))
    expect(ghost).toEqual([
      `smartsheet:sheet:${ids.sheet1}`,
      "eci:list:42",
      `ghost@example.com user:${ids.ghost}`,
      "viewer",
      "it@example.com user:9",
      "viewer",
      "unresolved → fallback",
      expect.stringContaining("given to the fallback")
    ])
    const finance = rows.find((r) => r[2]?.endsWith(`group:${ids.finance}`))
    expect(finance?.[2]).toBe(`${hostileShown} group:${ids.finance}`)
    expect(finance?.[4]).toBe("group:10")

    // the print stylesheet: every row and the sign-off block, on at least one page
    await page.emulateMedia({ media: "print" })
    expect((await visible(page)).length).toBe(entries.length)
    expect(await page.isVisible("#summary")).toBe(true)
    const pdf = await page.pdf({ printBackground: false })
    expect(pdf.subarray(0, 5).toString()).toBe("%PDF-")
    expect(pdf.length).toBeGreaterThan(20_000)

    expect(external).toEqual([])
    expect(errors).toEqual([])
    await context.close()
  })

  it("with JavaScript: filtering unresolved shows the fallback rows; printing shows every row again", async () => {
    const { entries } = fallback
    const { page, context, external, errors } = await open(fallback.html, { javaScriptEnabled: true })
    expect(await page.isVisible("#filters")).toBe(true)
    expect((await visible(page)).length).toBe(entries.length)

    await page.selectOption("#outcome", "unresolved")
    const unresolved = await visible(page)
    expect(unresolved.length).toBe(entries.filter((e) => e.via === "fallback" || e.outcome === "unresolved").length)
    expect(unresolved.map((r) => [r[2], r[4], r[6]])).toEqual([
      [`ghost@example.com user:${ids.ghost}`, "it@example.com user:9", "unresolved → fallback"]
    ])
    expect(await page.textContent("#count")).toBe(`1 of ${entries.length} shares`)
    // the level translation's outcome still finds it: it is exact as a level
    await page.selectOption("#outcome", "exact")
    expect((await visible(page)).some((r) => r[2]?.includes("ghost@"))).toBe(true)

    await page.selectOption("#outcome", "unresolved")
    await page.emulateMedia({ media: "print" })
    expect((await visible(page)).length).toBe(entries.length)
    expect(await page.isVisible("#filters")).toBe(false)

    expect(external).toEqual([])
    expect(errors).toEqual([])
    await context.close()
  })

  it("with JavaScript, without a fallback: filters to the unresolved share, by resource and principal, and sorts", async () => {
    const { plan, entries } = plain
    const { page, context, external, errors } = await open(plain.html, { javaScriptEnabled: true })
    expect((await visible(page)).length).toBe(entries.length)
    expect(await page.textContent("#unresolved-summary")).toBe("1 principal, 1 share; 1 share with no grant")

    await page.selectOption("#outcome", "unresolved")
    const unresolved = await visible(page)
    expect(unresolved.length).toBe(entries.filter((e) => e.outcome === "unresolved").length)
    // the unmapped ghost user (no EnergyCAP account) is the unresolved share; its outcome column says so
    expect(unresolved).toEqual([
      [
        `smartsheet:sheet:${ids.sheet1}`,
        "eci:list:42",
        `ghost@example.com user:${ids.ghost}`,
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
    const sheet2 = await visible(page)
    expect(sheet2.length).toBe(plan.items[1].entries.length)
    for (const row of sheet2) expect(row[0]).toBe(`smartsheet:sheet:${ids.sheet2}`)

    await page.fill("#resource", "")
    await page.fill("#principal", "ada@")
    expect((await visible(page)).map((r) => r[2])).toEqual([`ada@example.com user:${ids.ada}`])

    await page.fill("#principal", "")
    await page.click('th[data-key="principal"]')
    const sorted = (await visible(page)).map((r) => r[2])
    expect(sorted).toEqual([...sorted].sort())
    expect(await page.getAttribute('th[data-key="principal"]', "aria-sort")).toBe("ascending")
    await page.click('th[data-key="principal"]')
    const reversed = (await visible(page)).map((r) => r[2])
    expect(reversed).toEqual([...sorted].reverse())

    expect(external).toEqual([])
    expect(errors).toEqual([])
    await context.close()
  })

  it("shows a hostile group name as text: no element, no handler, control characters visible", async () => {
    const raw = Fs.readFileSync(fallback.html, "utf8")
    expect(raw).not.toContain("<img")
    expect(raw).not.toContain("\u001b")
    expect(raw).not.toContain("\u202e")
    const { page, context, errors } = await open(fallback.html, { javaScriptEnabled: true })
    expect(await page.$$eval("img", (imgs) => imgs.length)).toBe(0)
    expect(await page.title()).toBe(`Migration plan ${fallback.plan.id}: smartsheet → eci`)
    const cells = await page.$$eval("#shares td.principal .name", (tds) => tds.map((td) => td.textContent))
    expect(cells).toContain(hostileShown)
    await page.fill("#principal", "onerror")
    expect((await visible(page)).map((r) => r[2])).toEqual([`${hostileShown} group:${ids.finance}`])
    expect(errors).toEqual([])
    await context.close()
  })

  it("allows only its own script and style (CSP hashes, no 'unsafe-inline'): an injected inline script never runs", async () => {
    const original = Fs.readFileSync(plain.html, "utf8")
    expect(original).not.toContain("unsafe-inline")
    // what an escaping slip would let through: inline script and style the report did not write
    const tampered = Path.join(Path.dirname(plain.html), "tampered.html")
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
    // the report's own script ran (it shows the filters), the injected one did not
    expect(await page.isVisible("#filters")).toBe(true)
    expect(await page.title()).not.toBe("injected")
    expect(await page.isVisible("#shares")).toBe(true)
    expect(violations.length).toBeGreaterThan(0)
    await page.close()
  })
})
