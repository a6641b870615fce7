/**
 * `pnpm bench:migration`: a whole Smartsheet → EnergyCAP migration through the built `unishare`
 * command, on the simulators, at 21,000 shares and at about a million (`--size 21000|1000000`,
 * default both; `--keep` keeps the temporary directory; `--bin <path>` runs an executable already
 * built, e.g. `packages/cli/dist/bin.js` after `pnpm build`, instead of bundling one;
 * `--step-timeout <minutes>` stops a step that runs longer, default 60; `--steps export,plan` runs
 * only the first steps, e.g. to measure `plan` at a million shares without the long `apply`: a
 * prefix of `export,plan,apply,verify`, default all, as each step needs the files of those before
 * it). One table per size, the target beside each figure; exit 1 when a target is missed.
 *
 * What runs. The executable is the published one: `packages/cli/scripts/bundle.ts` (the bundle
 * step of `pnpm build`) writes it into the temporary directory, so the run measures the sources
 * as they are, and never rewrites `dist/` under anyone. Each step (`export`, `plan`, `apply` with
 * default flags, `verify`) is one process of it, with `--json`, run as a user would:
 * credentials and base URLs in the environment, and `UNISHARE_SIMULATOR=1` so the command does not
 * pace itself by Smartsheet's 300 requests per minute against a simulator on loopback (the
 * simulators' own rate limits are off too). The tenant is `migrationData.ts`'s.
 *
 * Where the simulators run: in this process. Their request logs are read directly (no IPC), they
 * are seeded through their typed APIs one record at a time, and — the point — the CPU of a step's
 * process holds none of theirs: a process boundary separates the command from the providers it
 * talks to, as in production. Their CPU during a step is this process's CPU over the step (this
 * process does nothing else meanwhile but a sample of `/proc` twice a second), shown beside it.
 *
 * What is measured, per step:
 * - wall time: from spawning the process to its exit (start-up included: what the user waits);
 * - CPU time (user + system, every thread) and peak memory of the step's process: a one-line
 *   preload (`--require`) writes `process.resourceUsage()` and `VmHWM` (the process's own peak
 *   resident set; `maxRSS` would also count this large parent's image, copied at fork) when the
 *   process exits. A process killed by a signal or by V8 (out of memory) never gets there: then the
 *   figures are the last of the samples taken from `/proc/<pid>/stat` and `/status` every 500 ms
 *   (marked "sampled");
 * - requests per provider, from the simulators' logs, against the minimum the adapters document
 *   (`migrationData.minimums`);
 * - the run store (the SQLite file beside the plan, `-wal` and `-shm` included) after `apply`,
 *   per unit of the run (`apply --json`'s `units`: one full replace per list for EnergyCAP);
 * - apply's CPU per unit: the `apply` process's CPU minus what any command costs before it does
 *   anything (start-up and loading the command bodies: the median CPU of three
 *   `apply --plan <missing file>` runs, which exit 2 right after loading them), divided by the
 *   units. The simulators' share is already out of the `apply` process's CPU (see above): what
 *   remains is reading the plan, the engine and its store, the HTTP client and the JSON of each
 *   request and answer;
 * - engine CPU per unit: apply's CPU per unit minus the same plan's units written without the
 *   engine (`directApply.ts`, a process measured the same way, its own start-up subtracted alike,
 *   as many writes at once as apply — fewer requests per turn of the event loop cost more CPU
 *   each, so a baseline with more at once would flatter it):
 *   the same plan read, the same requests and answers, nothing stored — so what remains is what
 *   durability costs (storing the plan, the workflows, the unit records).
 *
 * Failures are results: a step that exits non-zero (or cannot start) is reported with its exit
 * code and the tail of its stderr, and the benchmark goes on with what it can still run (no plan
 * file: no `apply`, no `verify`). Smartsheet cannot list sheets, so `export` names them in a file
 * (`--resources-from`, one `smartsheet:sheet:<id>` per line): 50,000 `--resource` flags would
 * overflow the command line (`E2BIG`).
 *
 * Hand-written rather than `pnpm bench`'s `Suite`s alone: the steps are separate processes of the
 * bundled command, measured from outside, and one size can take many minutes, so each size prints
 * its own table (with the harness's `print`) as soon as it is done, with progress on stderr.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Sqlite from "node:sqlite"
import { Capabilities } from "@unishare/core"
import { Migration } from "@unishare/migration"
import { bundle } from "../../packages/cli/scripts/bundle.ts"
import { print, type Row } from "./harness.ts"
import * as Data from "./migrationData.ts"

// ---------------------------------------------------------------------------------------------
// options

const argv = process.argv.slice(2)
const optionValue = (name: string): string | undefined => {
  const at = argv.indexOf(name)
  return at >= 0 ? argv[at + 1] : undefined
}
const sizeOption = optionValue("--size")
if (sizeOption !== undefined && !(sizeOption in Data.tenants)) {
  console.error(`--size: one of ${Object.keys(Data.tenants).join(", ")} (default: both)`)
  process.exit(2)
}
const sizes = (sizeOption !== undefined ? [sizeOption] : Object.keys(Data.tenants)) as Array<keyof typeof Data.tenants>
const keep = argv.includes("--keep")
const prebuilt = optionValue("--bin")
const stepTimeoutMillis = Number(optionValue("--step-timeout") ?? 60) * 60_000
const allSteps = ["export", "plan", "apply", "verify"] as const
const stepsOption = optionValue("--steps")
const steps = new Set<string>(stepsOption !== undefined ? stepsOption.split(",").map((s) => s.trim()) : allSteps)
if (![...steps].every((s, i) => s === allSteps[i])) {
  console.error(
    `--steps: a prefix of ${allSteps.join(",")} (each step needs the files of those before it), e.g. --steps export,plan`
  )
  process.exit(2)
}
/** Extra Node.js options for every step (`UNISHARE_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=prof"`: a profile per step). */
const nodeArgs = (process.env.UNISHARE_BENCH_NODE_ARGS ?? "").split(/\s+/).filter((a) => a !== "")

// ---------------------------------------------------------------------------------------------
// targets

/** The engine's baseline: a plan's units written without it (see its module doc). */
const directScript = Path.join(import.meta.dirname, "directApply.ts")

const MB = 1024 * 1024
const targets = {
  peakBytes: 1024 * MB,
  planRatio: 1.05,
  applyMillis21k: 20_000,
  engineMillisPerUnit: 1,
  storeBytesPerUnit: 4096
}

// ---------------------------------------------------------------------------------------------
// formatting

const int = (n: number) => Math.round(n).toLocaleString("en")
const secs = (ms: number) => `${(ms / 1_000).toFixed(1)} s`
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`
/** A table cell: no pipes, no line breaks. */
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ⏎ ")
const log = (line: string) => process.stderr.write(`${line}\n`)

// ---------------------------------------------------------------------------------------------
// one measured process

/** CPU and peak memory of a finished process. */
interface Usage {
  readonly cpuMillis: number
  readonly peakBytes: number
  /** `exit`: written by the process as it exited; `sampled`: the last `/proc` sample (it died by a signal). */
  readonly source: "exit" | "sampled"
}

/** Requests one simulator received during a step. */
interface Requests {
  readonly total: number
  /** `METHOD /path` (ids as `:id`) → count, most frequent first. */
  readonly routes: ReadonlyArray<readonly [string, number]>
  /** Answers with status ≥ 400 or dropped. */
  readonly failed: number
}

/** One step's process and what it cost. */
interface Run {
  readonly exitCode: number | null
  readonly signal: string | null
  /** Set when the process could not start (e.g. `E2BIG`: its command line is too long). */
  readonly spawnError?: string | undefined
  readonly timedOut: boolean
  readonly wallMillis: number
  readonly usage: Usage | undefined
  readonly stdout: string
  readonly stderrTail: string
  readonly simulatorCpuMillis: number
  readonly requests: { readonly smartsheet: Requests; readonly eci: Requests }
}

const ok = (run: Run) => run.exitCode === 0 && run.spawnError === undefined

const clockTicksPerSecond = 100 // Linux's USER_HZ: the unit of utime and stime in /proc/<pid>/stat

/** The last `/proc` figures of a running process (Linux), or `undefined` elsewhere. */
const sampleProc = (pid: number): Usage | undefined => {
  try {
    const stat = Fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    const ticks = Number(fields[11]) + Number(fields[12])
    const hwm = /VmHWM:\s+(\d+) kB/.exec(Fs.readFileSync(`/proc/${pid}/status`, "utf8"))
    return {
      cpuMillis: (ticks * 1_000) / clockTicksPerSecond,
      peakBytes: Number(hwm?.[1] ?? 0) * 1024,
      source: "sampled"
    }
  } catch {
    return undefined
  }
}

const summarize = (entries: ReadonlyArray<{ method: string; path: string; status: number | "dropped" }>): Requests => {
  const routes = new Map<string, number>()
  let failed = 0
  for (const e of entries) {
    const route = `${e.method} ${e.path.replace(/\/\d+(?=\/|$)/g, "/:id")}`
    routes.set(route, (routes.get(route) ?? 0) + 1)
    if (e.status === "dropped" || e.status >= 400) failed++
  }
  return { total: entries.length, routes: [...routes].sort((a, b) => b[1] - a[1]), failed }
}

/** The workspace: where the executable, the preload and each size's files live. */
interface Workspace {
  readonly dir: string
  readonly bin: string
  readonly preload: string
}

const makePreload = (dir: string): string => {
  const preload = Path.join(dir, "usage.cjs")
  Fs.writeFileSync(
    preload,
    `process.on("exit", () => { const fs = require("node:fs"); const u = process.resourceUsage(); let peak = u.maxRSS * 1024; try { const m = /VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8")); if (m) peak = Number(m[1]) * 1024 } catch {} fs.writeFileSync(process.env.UNISHARE_BENCH_USAGE_FILE, JSON.stringify({ cpuMillis: (u.userCPUTime + u.systemCPUTime) / 1000, peakBytes: peak })) })\n`
  )
  return preload
}

/**
 * Runs `unishare <args>` in `cwd` with `env` (plus the usage file), measuring it; `sims` are the
 * simulators whose logs count its requests (and are cleared afterwards).
 */
const measure = (
  ws: Workspace,
  label: string,
  args: ReadonlyArray<string>,
  options: {
    readonly cwd: string
    readonly env: Record<string, string>
    readonly sims?: Data.Seeded | undefined
    /** Another script to run instead of the command (`directApply.ts`). */
    readonly script?: string | undefined
  }
): Promise<Run> =>
  new Promise((resolve) => {
    const usageFile = Path.join(options.cwd, `.usage-${process.pid}-${Date.now()}.json`)
    const cpuBefore = process.cpuUsage()
    const started = performance.now()
    let stdout = ""
    let stderr = ""
    let lastSample: Usage | undefined
    let timedOut = false
    let settled = false
    let child: ChildProcess
    const timers: Array<NodeJS.Timeout> = []
    const finish = (exitCode: number | null, signal: string | null, spawnError?: string) => {
      if (settled) return
      settled = true
      for (const t of timers) clearInterval(t)
      const wallMillis = performance.now() - started
      const cpu = process.cpuUsage(cpuBefore)
      let usage: Usage | undefined = lastSample
      try {
        const written = JSON.parse(Fs.readFileSync(usageFile, "utf8")) as { cpuMillis: number; peakBytes: number }
        usage = { ...written, source: "exit" }
        Fs.rmSync(usageFile)
      } catch {
        // no report: the process died before its exit handlers ran (or never started)
      }
      const empty = summarize([])
      const requests = {
        smartsheet: options.sims !== undefined ? summarize(options.sims.smartsheet.log()) : empty,
        eci: options.sims !== undefined ? summarize(options.sims.eci.log()) : empty
      }
      options.sims?.smartsheet.clearLog()
      options.sims?.eci.clearLog()
      resolve({
        exitCode,
        signal,
        spawnError,
        timedOut,
        wallMillis,
        usage,
        stdout,
        stderrTail: stderr,
        simulatorCpuMillis: (cpu.user + cpu.system) / 1_000,
        requests
      })
    }
    try {
      child = spawn(process.execPath, [...nodeArgs, "--require", ws.preload, options.script ?? ws.bin, ...args], {
        cwd: options.cwd,
        env: { ...options.env, UNISHARE_BENCH_USAGE_FILE: usageFile },
        stdio: ["ignore", "pipe", "pipe"]
      })
    } catch (error) {
      finish(null, null, (error as NodeJS.ErrnoException).code ?? String(error))
      return
    }
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) finish(null, null, error.code ?? error.message)
    })
    child.stdout?.setEncoding("utf8").on("data", (text: string) => {
      if (stdout.length < 16 * MB) stdout += text
    })
    child.stderr?.setEncoding("utf8").on("data", (text: string) => {
      stderr = (stderr + text).slice(-16_384)
    })
    child.on("close", (code, signal) => finish(code, signal))
    if (child.pid !== undefined) {
      const pid = child.pid
      timers.push(
        setInterval(() => {
          lastSample = sampleProc(pid) ?? lastSample
        }, 500)
      )
      timers.push(
        setInterval(() => {
          const requests =
            options.sims !== undefined
              ? ` — requests so far: Smartsheet ${int(options.sims.smartsheet.log().length)}, EnergyCAP ${int(options.sims.eci.log().length)}`
              : ""
          log(`  ${label}: ${secs(performance.now() - started)}${requests}`)
        }, 30_000)
      )
      timers.push(
        setTimeout(() => {
          timedOut = true
          log(`  ${label}: over --step-timeout, stopping it (SIGTERM, then SIGKILL after 10 s)`)
          child.kill("SIGTERM")
          setTimeout(() => child.kill("SIGKILL"), 10_000).unref()
        }, stepTimeoutMillis)
      )
    }
  })

/** The last few lines of a step's stderr. */
const tail = (run: Run, lines = 3) =>
  run.stderrTail
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .slice(-lines)
    .join("\n") || "(nothing on stderr)"

/** How a step ended, for a failed step's row. */
const ending = (run: Run) =>
  run.spawnError !== undefined
    ? `could not start: ${run.spawnError}`
    : run.timedOut
      ? `stopped after --step-timeout (${secs(run.wallMillis)}; ${run.signal !== null ? `killed by ${run.signal}` : `exit ${run.exitCode}`})`
      : run.signal !== null
        ? `killed by ${run.signal} after ${secs(run.wallMillis)}`
        : `exit ${run.exitCode} after ${secs(run.wallMillis)}`

const usageText = (usage: Usage | undefined) =>
  usage === undefined
    ? "CPU and peak not measured"
    : `CPU ${secs(usage.cpuMillis)}, peak ${mb(usage.peakBytes)}${usage.source === "sampled" ? " (sampled)" : ""}`

const parseJson = (text: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(text) as Record<string, unknown>
  } catch {
    return undefined
  }
}

const requestsText = (r: Requests) =>
  r.total === 0
    ? "0"
    : `${int(r.total)} (${r.routes.map(([route, n]) => `${route} ${int(n)}`).join(", ")}${r.failed > 0 ? `; ${int(r.failed)} failed` : ""})`

// ---------------------------------------------------------------------------------------------
// the steps of one size

/** A step's rows and, when it failed, the full stderr tail to print under the table. */
interface Reported {
  readonly rows: Array<Row>
  readonly failures: Array<{ readonly step: string; readonly run: Run }>
}

const stepRow = (step: string, run: Run, extra = ""): Row => ({
  name: step,
  value: cell(
    ok(run)
      ? `exit 0 in ${secs(run.wallMillis)} wall; ${usageText(run.usage)}; simulators' CPU ${secs(run.simulatorCpuMillis)}${extra}`
      : `${ending(run)}; ${usageText(run.usage)}; simulators' CPU ${secs(run.simulatorCpuMillis)}: ${tail(run)}`
  ),
  target: `exit 0, peak ≤ ${mb(targets.peakBytes)}`,
  ok: ok(run) && run.usage !== undefined && run.usage.peakBytes <= targets.peakBytes
})

const requestRow = (
  step: string,
  provider: "smartsheet" | "eci",
  run: Run,
  minimum: number,
  maxRatio?: number | undefined
): Row => {
  const names = { smartsheet: "Smartsheet", eci: "EnergyCAP" }
  const other = provider === "smartsheet" ? "eci" : "smartsheet"
  const actual = run.requests[provider].total
  const ratio = actual / minimum
  return {
    name: `${step}: requests`,
    value: cell(
      `${names[provider]} ${requestsText(run.requests[provider])} / minimum ${int(minimum)} = ${ratio.toFixed(2)}×; ${names[other]} ${requestsText(run.requests[other])}${ok(run) ? "" : " (up to the step's failure)"}`
    ),
    target:
      maxRatio !== undefined ? `≤ ${maxRatio.toFixed(2)} × ${int(minimum)}` : `minimum ${int(minimum)} (information)`,
    // a failed step is missed on its own row; its counts stop where it stopped
    ok: maxRatio !== undefined && ok(run) ? actual <= maxRatio * minimum && run.requests[other].total === 0 : undefined
  }
}

const notRun = (step: string, why: string): Row => ({
  name: step,
  value: cell(`not run: ${why}`),
  target: "exit 0",
  ok: false
})

/**
 * EnergyCAP's pause before the re-read that follows each PUT: 100–250 ms by default
 * (`Eci.Provider.Options.recheckDelay`, documented there), 175 ms on average; and `apply`'s
 * default `--concurrency`. Used only to say how much of `apply`'s wall time is that pause.
 */
const eciRecheckMeanMillis = 175
/** `apply`'s default concurrency on EnergyCAP, which documents no request budget. */
const applyConcurrency = Migration.defaultConcurrency(
  Capabilities.make({ provider: "eci", granteeKinds: ["User"], levels: ["viewer"] })
)

/**
 * Bytes of the `unishare_plans` table (the run's copy of the plan) in a SQLite store, from SQLite's
 * `dbstat` table; `undefined` when this SQLite lacks it or the store cannot be read.
 */
const storedPlanBytes = (file: string): number | undefined => {
  try {
    const db = new Sqlite.DatabaseSync(file, { readOnly: true })
    try {
      const row = db.prepare("SELECT sum(pgsize) AS bytes FROM dbstat WHERE name = 'unishare_plans'").get() as
        | { bytes: number | null }
        | undefined
      return row?.bytes ?? undefined
    } finally {
      db.close()
    }
  } catch {
    return undefined
  }
}

/** Runs one size end to end; returns its table section and failures. */
const runSize = async (
  ws: Workspace,
  size: keyof typeof Data.tenants,
  baselineCpuMillis: { readonly command: number; readonly direct: number }
): Promise<{ readonly name: string } & Reported> => {
  const tenant = Data.tenants[size]
  const shares = Data.shareCount(tenant)
  const label = `[${int(shares)} shares]`
  const name = `migration Smartsheet → EnergyCAP through the bundled unishare: ${int(shares)} shares (${int(tenant.sheets)} sheets × ${tenant.usersPerSheet} users of ${int(tenant.users)}, and the owner)`
  const rows: Array<Row> = []
  const failures: Reported["failures"] = []
  const dir = Path.join(ws.dir, size)
  Fs.mkdirSync(dir, { recursive: true })

  log(`${label} seeding the simulators`)
  const seedStarted = performance.now()
  const sims = await Data.seed(tenant)
  const seedMillis = performance.now() - seedStarted
  ;(globalThis as { gc?: () => void }).gc?.()
  const minimum = Data.minimums(tenant)
  Data.writeResourceMap(tenant, Path.join(dir, "resources.json"))
  rows.push({
    name: "setup (this process: both simulators, rate limits off)",
    value: cell(
      `${int(tenant.sheets)} sheets, ${int(shares)} shares, ${int(tenant.users + 1)} users on each side, ${int(tenant.sheets)} lists: seeded in ${secs(seedMillis)}; this process ${mb(process.memoryUsage().rss)} resident`
    ),
    target: "—",
    ok: undefined
  })
  log(`${label} seeded in ${secs(seedMillis)}`)

  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? ws.dir,
    TMPDIR: Os.tmpdir(),
    NODE_COMPILE_CACHE: Path.join(ws.dir, "compile-cache"),
    SMARTSHEET_ACCESS_TOKEN: sims.smartsheetToken,
    SMARTSHEET_API_HOST: sims.smartsheet.url,
    ECI_API_KEY: sims.eciKey,
    ECI_BASE_URL: sims.eci.url,
    UNISHARE_SIMULATOR: "1"
  }
  const step = async (stepName: string, args: ReadonlyArray<string>): Promise<Run> => {
    log(`${label} ${stepName}: started`)
    const run = await measure(ws, `${label} ${stepName}`, args, { cwd: dir, env, sims })
    log(`${label} ${stepName}: ${ok(run) ? `exit 0 in ${secs(run.wallMillis)}` : ending(run)}; ${usageText(run.usage)}`)
    if (!ok(run)) failures.push({ step: stepName, run })
    return run
  }

  try {
    // export: every sheet in one command, named in a file (--resources-from): Smartsheet lists no sheets
    const resourcesFile = Path.join(dir, "sheets.txt")
    Data.writeResourceList(resourcesFile, tenant.sheets)
    const exported = await step("export", [
      "export",
      "--provider",
      "smartsheet",
      "--resources-from",
      resourcesFile,
      "--out",
      "snapshot.json",
      "--json"
    ])
    const snapshotFile = Path.join(dir, "snapshot.json")
    rows.push(
      stepRow("export", exported, Fs.existsSync(snapshotFile) ? `; snapshot ${mb(Fs.statSync(snapshotFile).size)}` : "")
    )
    rows.push(requestRow("export", "smartsheet", exported, minimum.export))

    // plan
    if (!steps.has("plan")) return { name, rows, failures }
    if (!Fs.existsSync(Path.join(dir, "snapshot.json"))) {
      rows.push(notRun("plan", "no snapshot (export failed)"))
    } else {
      const planned = await step("plan", [
        "plan",
        "--snapshot",
        "snapshot.json",
        "--target",
        "eci",
        "--resources",
        "resources.json",
        "--out",
        "plan.json",
        "--json"
      ])
      const summary = parseJson(planned.stdout)
      const planFile = Path.join(dir, "plan.json")
      const counts = summary?.summary as Record<string, unknown> | undefined
      rows.push(
        stepRow(
          "plan",
          planned,
          `${Fs.existsSync(planFile) ? `; plan ${mb(Fs.statSync(planFile).size)}` : ""}${counts !== undefined ? `; ${int(Number(counts.shares ?? 0))} shares planned, ${int(Number(counts.unresolved ?? 0))} unresolved` : ""}`
        )
      )
      rows.push(requestRow("plan", "eci", planned, minimum.plan, targets.planRatio))
    }

    // apply, with default flags
    if (!steps.has("apply")) return { name, rows, failures }
    const planFile = Path.join(dir, "plan.json")
    if (!Fs.existsSync(planFile)) {
      rows.push(notRun("apply", "no plan file (plan failed)"))
      rows.push(notRun("verify", "no plan file (plan failed)"))
    } else {
      const applied = await step("apply", ["apply", "--plan", "plan.json", "--json"])
      const result = parseJson(applied.stdout)
      const units = typeof result?.units === "number" ? result.units : undefined
      rows.push(
        stepRow(
          `apply (default flags: --concurrency ${applyConcurrency} on EnergyCAP, SQLite store beside the plan)`,
          applied,
          result !== undefined
            ? `; ${int(Number(result.applied ?? 0))} of ${int(units ?? 0)} units applied, ${int(Number(result.failed ?? 0))} failed`
            : ""
        )
      )
      rows.push(requestRow("apply", "eci", applied, minimum.apply))
      if (size === "21000") {
        const pause = units !== undefined ? (units * eciRecheckMeanMillis) / applyConcurrency : undefined
        rows.push({
          name: "apply wall time (default flags; the target is for a quiet machine)",
          value: cell(
            `${secs(applied.wallMillis)}${ok(applied) ? "" : ` (${ending(applied)})`}${pause !== undefined ? `, of which about ${secs(pause)} is EnergyCAP's re-read pause (100–250 ms after each PUT, ${int(units ?? 0)} units / ${applyConcurrency} at once)` : ""}`
          ),
          target: `≤ ${secs(targets.applyMillis21k)}`,
          ok: ok(applied) && applied.wallMillis <= targets.applyMillis21k
        })
      }
      if (units !== undefined && units > 0 && applied.usage !== undefined) {
        const perUnit = (applied.usage.cpuMillis - baselineCpuMillis.command) / units
        rows.push({
          name: "apply CPU per unit (apply CPU − a command's start-up CPU, ÷ units; simulators in another process)",
          value: cell(
            `${perUnit.toFixed(2)} ms (${secs(applied.usage.cpuMillis)} − ${secs(baselineCpuMillis.command)}) / ${int(units)} units; simulators' CPU ${(applied.simulatorCpuMillis / units || 0).toFixed(2)} ms per unit`
          ),
          target: "information",
          ok: undefined
        })
        // the same writes without the engine: what apply costs beyond them is the engine's
        log(`${label} direct writes (the baseline): started`)
        const direct = await measure(ws, `${label} direct`, [planFile, String(applyConcurrency)], {
          cwd: dir,
          env,
          sims,
          script: directScript
        })
        log(
          `${label} direct writes: ${ok(direct) ? `exit 0 in ${secs(direct.wallMillis)}` : ending(direct)}; ${usageText(direct.usage)}`
        )
        if (!ok(direct)) failures.push({ step: "direct writes", run: direct })
        const directUnits = parseJson(direct.stdout)?.units
        if (ok(direct) && direct.usage !== undefined && directUnits === units) {
          const directPerUnit = (direct.usage.cpuMillis - baselineCpuMillis.direct) / units
          const engine = perUnit - directPerUnit
          rows.push({
            name: "engine CPU per unit (apply's CPU per unit − the same writes' without the engine: bench/src/directApply.ts, the plan's units written with the same requests, nothing recorded)",
            value: cell(
              `${engine.toFixed(2)} ms (${perUnit.toFixed(2)} − ${directPerUnit.toFixed(2)} ms: ${secs(direct.usage.cpuMillis)} − its start-up ${secs(baselineCpuMillis.direct)}, ${int(units)} units; requests ${requestsText(direct.requests.eci)})`
            ),
            target: `≤ ${targets.engineMillisPerUnit} ms`,
            ok: engine <= targets.engineMillisPerUnit
          })
        } else {
          rows.push({
            name: "engine CPU per unit",
            value: cell(`the baseline failed (${ending(direct)}, units ${String(directUnits)}): ${tail(direct)}`),
            target: `≤ ${targets.engineMillisPerUnit} ms`,
            ok: false
          })
        }
        const store = Fs.readdirSync(dir)
          .filter((f) => f.startsWith("plan.run.db"))
          .reduce((n, f) => n + Fs.statSync(Path.join(dir, f)).size, 0)
        const planCopy = storedPlanBytes(Path.join(dir, "plan.run.db"))
        rows.push({
          name: "run store per unit (plan.run.db beside the plan, -wal and -shm included)",
          value: cell(
            `${int(store / units)} B (${mb(store)} / ${int(units)} units)${planCopy !== undefined ? `; of which the plan's copy (unishare_plans) ${mb(planCopy)}, the rest ${int((store - planCopy) / units)} B per unit` : ""}`
          ),
          target: `≤ ${int(targets.storeBytesPerUnit)} B`,
          ok: store / units <= targets.storeBytesPerUnit
        })
      } else {
        rows.push(notRun("engine CPU and run store per unit", "apply reported no units"))
      }

      if (!steps.has("verify")) return { name, rows, failures }
      const verified = await step("verify", ["verify", "--plan", "plan.json", "--json"])
      const report = parseJson(verified.stdout)
      rows.push(
        stepRow(
          "verify",
          verified,
          report !== undefined
            ? `; ${int(Number(report.matching ?? 0))} of ${int(Number(report.resources ?? 0))} lists match the plan`
            : ""
        )
      )
      rows.push(requestRow("verify", "eci", verified, minimum.verify))
    }
  } finally {
    await sims.close()
  }
  return { name, rows, failures }
}

// ---------------------------------------------------------------------------------------------
// main

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-bench-migration-"))
let failed = false
try {
  log(`working directory: ${dir}${keep ? " (kept)" : ""}`)
  const bin = prebuilt !== undefined ? Path.resolve(prebuilt) : await bundle(Path.join(dir, "bin"))
  log(`unishare: ${bin}${prebuilt !== undefined ? "" : " (bundled from the sources, as pnpm build does)"}`)
  const ws: Workspace = { dir, bin, preload: makePreload(dir) }
  const baseEnv = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? dir,
    TMPDIR: Os.tmpdir(),
    NODE_COMPILE_CACHE: Path.join(dir, "compile-cache")
  }
  // a command's start-up: load the command bodies, then fail on the missing plan (exit 2); the
  // first run also fills the compile cache every later step starts from
  const baselines: Array<number> = []
  for (let i = 0; i <= 3; i++) {
    const run = await measure(ws, "start-up", ["apply", "--plan", "missing.json", "--json"], { cwd: dir, env: baseEnv })
    if (run.exitCode !== 2 || run.usage === undefined)
      throw new Error(`unishare apply --plan missing.json: expected exit 2, got ${ending(run)}: ${tail(run)}`)
    if (i > 0) baselines.push(run.usage.cpuMillis)
  }
  const directBaselines: Array<number> = []
  for (let i = 0; i <= 3; i++) {
    const run = await measure(ws, "start-up", ["missing.json"], { cwd: dir, env: baseEnv, script: directScript })
    if (run.exitCode !== 2 || run.usage === undefined)
      throw new Error(`directApply.ts missing.json: expected exit 2, got ${ending(run)}: ${tail(run)}`)
    if (i > 0) directBaselines.push(run.usage.cpuMillis)
  }
  const baselineCpuMillis = {
    command: [...baselines].sort((a, b) => a - b)[1] ?? 0,
    direct: [...directBaselines].sort((a, b) => a - b)[1] ?? 0
  }
  log(
    `start-up CPU (median of 3): the command ${secs(baselineCpuMillis.command)}, directApply.ts ${secs(baselineCpuMillis.direct)}`
  )

  for (const size of sizes) {
    const section = await runSize(ws, size, baselineCpuMillis)
    print([section])
    if (section.rows.some((r) => r.ok === false)) failed = true
    for (const { step, run } of section.failures) {
      console.log(`\n${section.name.split(":")[1]?.trim() ?? size} — ${step}: ${ending(run)}; stderr (last lines):`)
      console.log(`\n\`\`\`text\n${tail(run, 40)}\n\`\`\``)
    }
    console.log("")
  }
} catch (error) {
  failed = true
  console.error(`bench:migration failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
} finally {
  if (!keep) Fs.rmSync(dir, { recursive: true, force: true })
}
if (failed) {
  console.log("Some targets were missed.")
  process.exitCode = 1
}
