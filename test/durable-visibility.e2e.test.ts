/**
 * What a migration engineer running many machines sees: a submission to a store without a live
 * runner is refused at once (nothing stored, nothing sent); a submitter says on stderr when every
 * runner is gone mid-run and when one is back; `status` shows the live members of a PostgreSQL
 * store (from our own tables only) and nothing of the kind on SQLite.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Simulator from "@unishare/eci/simulator"
import { DurableApply } from "@unishare/migration"
import { Effect, Exit, Layer, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import {
  type Child,
  cli as run,
  running,
  start,
  startRunner,
  statusJson as status,
  stopAll,
  until
} from "./support/cli.ts"
import { freshDatabase, tablesOf } from "./support/database.ts"
import { apiKey, holdWrites, seedFor, tempDir, writePlan } from "./support/eciPlan.ts"

const env = { PATH: process.env.PATH ?? "", ECI_API_KEY: apiKey }
const cli = (args: ReadonlyArray<string>) => run(args, env)
const statusJson = (plan: string, database: string) => status(plan, database, env)

/** Starts a runner and waits until it is ready; returns it with its port and process id. */
const runner = async (children: Array<Child>, database: string, simUrl: string, expirationSeconds: number) => {
  const { child, port, ready } = await startRunner(children, {
    database,
    eciUrl: simUrl,
    env,
    args: ["--shard-lock-expiration", String(expirationSeconds)]
  })
  expect(ready, child.output()).toBeDefined()
  return { child, port, process: ready?.process ?? "" }
}

describe("apply --submit needs a live runner", () => {
  it("with no live runner the submission is refused at once (exit 2, pointing to `unishare runner`): nothing stored, nothing sent", async () => {
    const listIds = [5100, 5101]
    const database = await freshDatabase("norunner")
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("visibility")
    try {
      const plan = await writePlan(sim, dir, listIds)
      sim.clearLog()
      for (const json of [true, false]) {
        const args = ["apply", "--plan", plan, "--database", database, "--submit", "--eci-url", sim.url]
        const refused = await cli(json ? [...args, "--json"] : args)
        expect(refused.code, refused.stdout + refused.stderr).toBe(2)
        expect(refused.stderr).toContain("no runner is live on this store")
        expect(refused.stderr).toContain("unishare runner --database")
        if (json) expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, error: { exitCode: 2 } })
      }
      // the library's submitter layer refuses the same way, with a typed error
      const built = await Effect.runPromiseExit(
        Layer.build(DurableApply.layerSubmitter({ database: Redacted.make(database) })).pipe(Effect.scoped)
      )
      expect(Exit.isFailure(built) && JSON.stringify(built.cause)).toContain('"_tag":"NoLiveRunner"')
      // the refusal rolled back everything the submitter would have recorded: no table at all
      expect(await tablesOf(database)).toEqual([])
      expect(sim.log()).toEqual([])
    } finally {
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("a submitter whose runners vanish mid-run", () => {
  it("says so on stderr once their registrations expire (not in --json stdout), says when a runner is back, then finishes; it sends nothing to the target itself", async () => {
    const listIds = Array.from({ length: 6 }, (_, i) => 5200 + i)
    const database = await freshDatabase("vanish")
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    // the submitter's own --eci-url: any request it sent would land here
    const decoy = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("visibility")
    const children: Array<Child> = []
    try {
      const plan = await writePlan(sim, dir, listIds)
      sim.clearLog()
      decoy.clearLog()
      // the runners' writes stay in flight until the test has seen what it needs
      const writes = holdWrites(sim)
      const startedAt = Date.now()
      // the shortest lifetime the command accepts: the test waits it out after the kill
      const first = await runner(children, database, sim.url, 2)

      // status shows the live runner: address, process id, last heartbeat (from our own tables); a
      // registration not renewed within its lifetime (a starved process) is left out until renewed
      const shown = async () => {
        const json = await statusJson(plan, database)
        const text = await cli(["status", "--plan", plan, "--database", database])
        return { json, text }
      }
      let watched: Awaited<ReturnType<typeof shown>> | undefined
      await until("status to show the live runner", async () => {
        const now = await shown()
        if (now.json.members?.length === 1 && now.text.stdout.includes("Live on this store:")) watched = now
        return watched !== undefined
      })
      if (watched === undefined) throw new Error("unreachable")
      const member = watched.json.members?.[0]
      expect(member).toMatchObject({ role: "runner", address: `127.0.0.1:${first.port}`, process: first.process })
      // renewed after the runner started, before status answered (one clock: this machine's)
      const heartbeat = Date.parse(member?.lastHeartbeat ?? "")
      expect(heartbeat).toBeGreaterThanOrEqual(startedAt)
      expect(heartbeat).toBeLessThanOrEqual(Date.now())
      expect(member?.expiresInSeconds).toBeGreaterThan(0)
      expect(member?.expiresInSeconds).toBeLessThanOrEqual(2)
      expect(watched.text.code, watched.text.stderr).toBe(0)
      expect(watched.text.stdout).toContain(`runner 127.0.0.1:${first.port}: process ${first.process}, last heartbeat `)

      const submitter = start(
        [
          "apply",
          "--plan",
          plan,
          "--database",
          database,
          "--submit",
          "--eci-url",
          decoy.url,
          "--concurrency",
          "2",
          "--json"
        ],
        env
      )
      children.push(submitter)
      // a unit the runner started cannot finish: its write is held
      await until(
        "the runner to start a unit",
        async () =>
          !running(submitter) ||
          (await statusJson(plan, database)).resources.some((r) => r.running.some((u) => u.process === first.process))
      )
      expect(running(submitter), submitter.output()).toBe(true)
      first.child.process.kill("SIGKILL")
      await first.child.exited
      // what the submitter says from now on
      const said = submitter.stderr().length
      const since = () => submitter.stderr().slice(said)
      await until(
        "the submitter to say no runner is live",
        () => since().includes("no runner is live") || !running(submitter)
      )
      expect(running(submitter), submitter.output()).toBe(true)
      expect(since()).toContain("Start `unishare runner` on it to continue")
      expect((await statusJson(plan, database)).members).toEqual([])

      const second = await runner(children, database, sim.url, 2)
      const back = `runner(s) live again on`
      await until(
        "the submitter to say the second runner is back",
        () => (since().includes(back) && since().includes(`127.0.0.1:${second.port}`)) || !running(submitter)
      )
      expect(since()).toContain(back)
      expect(since()).toContain(`127.0.0.1:${second.port}`)
      writes.release()
      const ended = await submitter.exited
      expect(ended.code, submitter.output()).toBe(0)
      // stdout is the JSON report alone
      const report = JSON.parse(submitter.stdout()) as { readonly applied: number; readonly failed: number }
      expect(report).toMatchObject({ applied: listIds.length, failed: 0 })
      expect(submitter.stdout()).not.toContain("runner")
      for (const id of listIds) expect([...(sim.share(id)?.sharedUserIds ?? [])].sort()).toEqual([11, 12, 13])
      expect(decoy.log()).toEqual([])
    } finally {
      await stopAll(children)
      await sim.close()
      await decoy.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("status shows a store's live members", () => {
  it("an apply running in its own process on PostgreSQL is shown (no address); a SQLite store has no members section", async () => {
    const listIds = [5300, 5301, 5302]
    const database = await freshDatabase("members")
    const sim = await Simulator.start({ seed: seedFor(listIds) })
    const dir = tempDir("visibility")
    const children: Array<Child> = []
    try {
      const plan = await writePlan(sim, dir, listIds)
      const empty = await statusJson(plan, database)
      expect(empty.members).toEqual([])
      expect((await cli(["status", "--plan", plan, "--database", database])).stdout).toContain(
        "No runner and no apply is live on this store."
      )
      // the apply's writes stay in flight until status has been read
      const writes = holdWrites(sim)
      const applying = start(
        ["apply", "--plan", plan, "--database", database, "--eci-url", sim.url, "--concurrency", "1", "--json"],
        env
      )
      children.push(applying)
      await until("the apply to write", () => sim.held() > 0 || !running(applying))
      expect(running(applying), applying.output()).toBe(true)
      const live = await statusJson(plan, database)
      expect(live.members).toHaveLength(1)
      expect(live.members?.[0]).toMatchObject({ role: "in-process", address: null })
      const text = await cli(["status", "--plan", plan, "--database", database])
      expect(text.stdout).toContain(`apply (in its own process): process ${live.members?.[0]?.process}`)
      writes.release()
      expect((await applying.exited).code, applying.output()).toBe(0)

      // the embedded store: no members, in JSON or text
      sim.clearFaults()
      const sqlite = Path.join(dir, "plan.run.db")
      const applied = await cli(["apply", "--plan", plan, "--database", sqlite, "--eci-url", sim.url, "--json"])
      expect(applied.code, applied.stdout + applied.stderr).toBe(0)
      const embedded = await statusJson(plan, sqlite)
      expect(embedded).not.toHaveProperty("members")
      const embeddedText = await cli(["status", "--plan", plan, "--database", sqlite])
      expect(embeddedText.stdout).not.toContain("live on this store")
      expect(embeddedText.stdout).not.toContain("Live on this store")
    } finally {
      await stopAll(children)
      await sim.close()
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
