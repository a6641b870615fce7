/**
 * The real `unishare` command in child processes, for the durable-run tests: one-shot runs (`cli`),
 * long-running ones (`start`: runners, submitters, applies), runs killed on an event (`killWhen`),
 * `status --json` (`statusJson`) and waiting for what they print or store (`until`).
 *
 * Every process runs the bundled bin (`packages/cli/.test-bin/bin.js`, built once per test run by
 * the globalSetup `packages/cli/test/bundle.setup.ts` as the published `dist/bin.js` is, with Node's
 * compile cache): one parsed file instead of the TypeScript sources Node strips on every start.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import * as Net from "node:net"
import type { Workflow } from "@unishare/cli"
import { testBin } from "../../packages/cli/test/testBin.ts"
import { innerHangGuardMillis } from "./hangGuard.ts"

/** The real `unishare` command: the bundled bin. */
export const bin = testBin

/** A loopback port free at the time of the call. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = Net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/** A running `unishare` process. */
export interface Child {
  readonly process: ChildProcess
  /** stdout and stderr so far, interleaved. */
  readonly output: () => string
  /** stdout so far. */
  readonly stdout: () => string
  /** stderr so far. */
  readonly stderr: () => string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Whether `child` is still running. */
export const running = (child: Child): boolean => child.process.exitCode === null && child.process.signalCode === null

/** Starts `unishare args` with exactly the environment `env`. */
export const start = (args: ReadonlyArray<string>, env: Record<string, string>): Child => {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"], env })
  let output = ""
  let stdout = ""
  let stderr = ""
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString()
    stdout += d.toString()
  })
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString()
    stderr += d.toString()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal }))
  )
  return { process: child, output: () => output, stdout: () => stdout, stderr: () => stderr, exited }
}

/** Polls `condition` every 50 ms until it holds (or fails after `millis`, a hang guard). */
export const until = async (
  what: string,
  condition: () => boolean | Promise<boolean>,
  millis = innerHangGuardMillis
) => {
  const deadline = Date.now() + millis
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Runs `unishare args` to its end with exactly the environment `env`. */
export const cli = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [bin, ...args], { timeout: innerHangGuardMillis, env }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr })
    )
  )

/**
 * Starts `unishare args` and SIGKILLs it once `seen` holds; resolves once it died of the kill, and
 * rejects when it ended on its own first (what `seen` waits for must keep it running: a `stall` or
 * `hold` fault of the simulator).
 */
export const killWhen = async (
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  what: string,
  seen: () => boolean | Promise<boolean>
): Promise<void> => {
  const child = start(args, env)
  try {
    await until(what, async () => !running(child) || (await seen()))
  } finally {
    if (running(child)) child.process.kill("SIGKILL")
  }
  const { signal } = await child.exited
  if (signal !== "SIGKILL") throw new Error(`the command ended before ${what}: ${child.output()}`)
}

/** Stops every child still running (SIGTERM) and waits for all of them. */
export const stopAll = async (children: ReadonlyArray<Child>) => {
  for (const child of children) if (running(child)) child.process.kill("SIGTERM")
  await Promise.all(children.map((c) => c.exited))
}

/** What `unishare status --json` prints. */
export type StatusDocument = Workflow.StoreStatus & { readonly command: "status"; readonly ok: true }

/** `unishare status --plan plan --database database --json`, parsed (it must exit 0). */
export const statusJson = async (
  plan: string,
  database: string,
  env: Record<string, string>
): Promise<StatusDocument> => {
  const { code, stdout, stderr } = await cli(["status", "--plan", plan, "--database", database, "--json"], env)
  if (code !== 0) throw new Error(`status exited ${code}: ${stdout}\n${stderr}`)
  return JSON.parse(stdout) as StatusDocument
}

/** What `unishare runner --json` prints on stdout once it is ready. */
export interface RunnerReady {
  readonly command: "runner"
  readonly ok: boolean
  readonly ready: boolean
  readonly runnerAddress: string
  readonly process: string
  readonly target: string
  readonly shardsPerGroup: number
  readonly shardLockExpirationSeconds: number
}

/** The ready document a runner printed, if it has printed it yet. */
export const runnerReady = (child: Child): RunnerReady | undefined => {
  const lines = child.stdout().split("\n")
  lines.pop() // a line is read whole only once its newline came
  const line = lines.find((l) => l.startsWith('{"command":"runner"'))
  const document = line === undefined ? undefined : (JSON.parse(line) as RunnerReady)
  return document?.ready === true ? document : undefined
}

/**
 * Starts `unishare runner --json` writing to the EnergyCAP simulator `eciUrl` from the store
 * `database` at `127.0.0.1:port` (a free port unless given), adds it to `children`, and waits until
 * it is ready (`ready`) or has exited (`ready` undefined).
 */
export const startRunner = async (
  children: Array<Child>,
  options: {
    readonly database: string
    readonly eciUrl: string
    readonly env: Record<string, string>
    readonly args?: ReadonlyArray<string>
    readonly port?: number
  }
) => {
  const port = options.port ?? (await freePort())
  const child = start(
    [
      "runner",
      "--database",
      options.database,
      "--runner-address",
      `127.0.0.1:${port}`,
      "--target",
      "eci",
      "--eci-url",
      options.eciUrl,
      "--json",
      ...(options.args ?? [])
    ],
    options.env
  )
  children.push(child)
  await until("a runner to be ready or to exit", () => runnerReady(child) !== undefined || !running(child))
  return { child, port, ready: runnerReady(child) }
}
