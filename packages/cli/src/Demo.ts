/**
 * `unishare demo` (what `pnpm demo` runs): starts the simulators in-process with the demo dataset,
 * migrates Smartsheet sharing to EnergyCAP lists, Cloudflare shares from a legacy account to a
 * platform account, and Google Drive permissions to Box collaborations (export → plan with the
 * fidelity report → apply with progress → verify → re-apply to show it issues no write), and writes
 * every artifact under the output directory. Succeeds only if every verification passes and no
 * re-apply writes.
 *
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { Errors, SharingProvider, SimulatorKit } from "@unishare/core"
import { Migration, Report } from "@unishare/migration"
import { Effect, Stream } from "effect"
import * as ExitCode from "./ExitCode.ts"
import * as Files from "./Files.ts"
import * as Notation from "./Notation.ts"
import * as Output from "./Output.ts"
import * as Providers from "./Providers.ts"
import * as Simulate from "./Simulate.ts"
import * as Workflow from "./Workflow.ts"

const isWrite = (e: SimulatorKit.LoggedRequest) => e.method !== "GET" && e.method !== "HEAD"

/** Counts of fidelity outcomes, and level translations per outcome (e.g. "sharer → viewer"). */
const fidelityCounts = (plan: Migration.MigrationPlan) => {
  const byTranslation = new Map<string, number>()
  for (const item of plan.items) {
    for (const e of item.entries) {
      const key = `${e.outcome}: ${e.sourceLevel} → ${e.targetLevel ?? "—"}${e.via === "fallback" ? " (fallback)" : ""}`
      byTranslation.set(key, (byTranslation.get(key) ?? 0) + 1)
    }
  }
  return [...byTranslation.entries()].sort((a, b) => b[1] - a[1])
}

/** A resource in notation with long ids shortened (display only). */
const short = (ref: { provider: string; kind: string; id: string; parent?: string }) =>
  Notation.formatResource(ref).replace(/[0-9a-f]{32}/g, (id) => `${id.slice(0, 8)}…`)

/** The planned grants that carry an end date, in notation. */
const expiringGrants = (plan: Migration.MigrationPlan) =>
  plan.items.flatMap((item) =>
    item.plan.operations.flatMap((op) =>
      op._tag === "Grant" && op.expiresAt !== undefined
        ? [
            {
              target: Notation.formatResource(item.target),
              grantee: Notation.formatGrantee(op.grantee),
              level: op.level,
              expiresAt: op.expiresAt
            }
          ]
        : []
    )
  )

const condensedPlan = (plan: Migration.MigrationPlan, file: string, rows = 8): string => {
  const s = plan.summary
  const table = Report.table(
    ["source", "target", "grant", "update", "revoke", "unchanged", "not exact"],
    plan.items.slice(0, rows).map((item) => {
      const count = (tag: string) => item.plan.operations.filter((op) => op._tag === tag).length
      return [
        item.name ?? short(item.source),
        short(item.target),
        String(count("Grant")),
        String(count("Update")),
        String(count("Revoke")),
        String(item.plan.unchanged.length),
        String(item.entries.filter((e) => e.outcome !== "exact").length)
      ]
    })
  )
  const notable = Workflow.fidelityRows(plan).filter(
    (r) => r.outcome === "unresolved" || r.outcome === "unsupported" || r.via === "fallback"
  )
  const expiries = expiringGrants(plan)
  const revokes = plan.items.flatMap((item) =>
    item.plan.operations
      .filter((op) => op._tag === "Revoke")
      .map((op) => `  ${Notation.formatResource(item.target)}: revoke ${Notation.formatGrantee(op.grantee)}`)
  )
  return [
    `Plan ${plan.id}: ${plan.sourceProvider} → ${plan.targetProvider} (${plan.options.mode}, onLossy ${plan.options.onLossy}${plan.options.includeInherited ? ", inherited shares flattened" : ""})`,
    table,
    plan.items.length > rows ? `  … and ${plan.items.length - rows} more resources (full plan: ${file})` : "",
    `Operations: ${s.operations} (${s.grants} grant, ${s.updates} update, ${s.revokes} revoke) on ${s.resources} resources`,
    "",
    `Fidelity: ${s.shares} source shares — ${s.exact} exact, ${s.narrowed} narrowed, ${s.widened} widened, ${s.unsupported} unsupported, ${s.unresolved} unresolved, ${s.skipped} skipped${s.fallback > 0 ? `, ${s.fallback} to the fallback` : ""}`,
    ...fidelityCounts(plan).map(([k, n]) => `  ${String(n).padStart(5)}  ${k}`),
    ...(notable.length > 0
      ? [
          "",
          "Not migrated or redirected (reported, never dropped silently):",
          Report.table(
            ["source resource", "grantee", "level", "outcome", "note"],
            notable.map((r) => [r.source, r.grantee, r.level, r.outcome, r.note ?? ""])
          )
        ]
      : []),
    ...(expiries.length > 0
      ? [
          "",
          "End dates kept (the grant expires on the target too):",
          ...expiries.map((e) => `  ${e.target}: ${e.grantee} ${e.level} until ${e.expiresAt}`)
        ]
      : []),
    ...(revokes.length > 0 ? ["", "Revocations on the target:", ...revokes] : []),
    ...(plan.problems.length > 0
      ? ["", "Problems:", ...plan.problems.map((p) => `  ${Notation.formatResource(p.source)}: ${p.message}`)]
      : [])
  ]
    .filter((l, i, all) => !(l === "" && all[i - 1] === ""))
    .join("\n")
}

interface MigrationResult {
  readonly name: string
  readonly export: ReturnType<typeof Workflow.exportSummary>
  readonly plan: Omit<ReturnType<typeof Workflow.planSummary>, "fidelity"> & {
    readonly fidelityCounts: Record<string, number>
    readonly notExact: number
    /** The shares not migrated, by grantee kind and level (e.g. "anyone viewer"), with the reason. */
    readonly unsupported: ReadonlyArray<{ readonly grantee: string; readonly level: string; readonly note: string }>
    /** The grants with an end date, and the end date read back from the target after apply. */
    readonly expiries: ReadonlyArray<{
      readonly target: string
      readonly grantee: string
      readonly level: string
      readonly expiresAt: string
      readonly readBack: string | null
    }>
  }
  readonly apply: ReturnType<typeof Workflow.applySummary> & { readonly writeRequests: number }
  readonly reapply: ReturnType<typeof Workflow.applySummary> & { readonly writeRequests: number }
  readonly verify: ReturnType<typeof Workflow.verifySummary>
}

const migrate = (options: {
  readonly name: string
  readonly title: string
  readonly source: SharingProvider.Shape
  readonly target: SharingProvider.Shape
  readonly targetSim: SimulatorKit.Running
  readonly resources?: ReadonlyArray<SharingProvider.ResourceInfo> | undefined
  readonly identitiesCsv: string
  readonly resourcesJson: string
  readonly includeInherited: boolean
  readonly outDir: string
  readonly json: boolean
}): Effect.Effect<MigrationResult, Errors.SharingError> =>
  Effect.gen(function* () {
    const say = (text: string) => (options.json ? Effect.void : Output.line(text))
    const file = (name: string) => Path.join(options.outDir, `${options.name}-${name}`)
    yield* say(`\n=== ${options.title} ===`)

    const snapshotFile = file("snapshot.json")
    const snapshot = yield* Workflow.exportTo(options.source, { resources: options.resources, out: snapshotFile })
    const exported = Workflow.exportSummary(snapshot, snapshotFile)
    yield* say(
      `Export: ${exported.shares} shares (${exported.shares - exported.inherited} direct, owners included, and ${exported.inherited} inherited) on ${exported.resources} ${exported.provider} resources → ${snapshotFile}`
    )

    const identitiesFile = file("identities.csv")
    const resourcesFile = file("resources.json")
    yield* Files.writeText(identitiesFile, `${options.identitiesCsv}\n`, "--out-dir")
    yield* Files.writeText(resourcesFile, `${options.resourcesJson}\n`, "--out-dir")
    const identities = yield* Files.readIdentities(identitiesFile, "--identities")
    const resources = yield* Files.readResourceMap(resourcesFile, "--resources")
    const planFile = file("plan.json")
    const plan = yield* Workflow.planTo(snapshot, options.target, {
      identities,
      resources,
      out: planFile,
      flags: {
        onLossy: "round-down",
        allowEveryone: false,
        includeInherited: options.includeInherited,
        mode: "merge"
      }
    })
    yield* Files.writeText(file("plan.txt"), `${Report.renderPlan(plan)}\n`, "--out-dir")
    yield* say(`\n${condensedPlan(plan, file("plan.txt"))}`)

    const store = Files.storePathFor(planFile)
    const before = options.targetSim.log().filter(isWrite).length
    const applied = yield* Workflow.applyPlan(plan, options.target, {
      store,
      dryRun: false,
      concurrency: 4,
      progress: "Applying"
    })
    const afterFirst = options.targetSim.log().filter(isWrite).length
    yield* say(`\n${Report.renderApply(applied)} — ${afterFirst - before} write request(s)`)

    const verified = yield* Migration.verify(plan, options.target)
    yield* say(Report.renderVerify(verified))

    // the end dates as the target reports them after apply (each expiring grant's resource read once)
    const planned = expiringGrants(plan)
    const readBack = yield* Effect.forEach(
      [...new Set(planned.map((e) => e.target))],
      (target) => {
        const item = plan.items.find((i) => Notation.formatResource(i.target) === target)!
        return Effect.map(Stream.runCollect(options.target.list(item.target)), (shares) => [target, shares] as const)
      },
      { concurrency: 4 }
    )
    const expiries = planned.map((e) => {
      const shares = readBack.find(([t]) => t === e.target)?.[1] ?? []
      const share = shares.find((s) => !s.inherited && Notation.formatGrantee(s.grantee) === e.grantee)
      return { ...e, readBack: share?.expiresAt ?? null }
    })
    if (expiries.length > 0) {
      yield* say(
        expiries
          .map(
            (e) =>
              `End date on ${e.target} for ${e.grantee}: planned ${e.expiresAt}, read back ${e.readBack ?? "none (not kept)"}`
          )
          .join("\n")
      )
    }

    const again = yield* Workflow.applyPlan(plan, options.target, {
      store,
      dryRun: false,
      concurrency: 4,
      progress: "Re-applying"
    })
    const afterSecond = options.targetSim.log().filter(isWrite).length
    yield* say(
      `Re-apply (same plan, same run store): ${again.applied} unit(s) written, ${again.alreadyApplied} already applied — ${afterSecond - afterFirst} write request(s)`
    )

    const { fidelity, ...planRest } = Workflow.planSummary(plan, planFile)
    return {
      name: options.name,
      export: exported,
      plan: {
        ...planRest,
        notExact: fidelity.length,
        fidelityCounts: Object.fromEntries(fidelityCounts(plan)),
        unsupported: fidelity
          .filter((r) => r.outcome === "unsupported")
          .map((r) => ({ grantee: r.grantee, level: r.level, note: r.note ?? "" })),
        expiries
      },
      apply: { ...Workflow.applySummary(applied, store), writeRequests: afterFirst - before },
      reapply: { ...Workflow.applySummary(again, store), writeRequests: afterSecond - afterFirst },
      verify: Workflow.verifySummary(verified)
    }
  })

/**
 * Runs the demo; fails with `Output.Exit` (code 7) when a verification fails.
 *
 * @example
 * ```ts
 * import { Demo } from "@unishare/cli"
 * const program = Demo.run({ outDir: ".unishare/demo", json: false })
 * ```
 */
export const run = (options: {
  readonly outDir: string
  readonly json: boolean
}): Effect.Effect<void, Errors.SharingError | Output.Exit> =>
  Effect.scoped(
    Effect.gen(function* () {
      const started = Date.now()
      yield* Effect.sync(() => Fs.rmSync(options.outDir, { recursive: true, force: true }))
      const sims = yield* Simulate.start()
      const say = (text: string) => (options.json ? Effect.void : Output.line(text))
      const d = sims.data
      // what the export counts as direct shares: the grants on the exported assets plus each asset's
      // owner (workspace grants reach the assets as inherited shares)
      const directShares =
        (d.smartsheet.seed.shares ?? []).filter((s) => s.assetType !== "workspace").length +
        d.smartsheet.resources.length
      yield* say(
        [
          "unishare demo: the simulators run in this process",
          `  smartsheet  ${sims.smartsheet.url}   (${d.smartsheet.resources.length} sheets, reports and dashboards; ${directShares} direct shares, owners included; 4 workspaces shared with groups)`,
          `  eci         ${sims.eci.url}   (${d.eci.seed.users?.length ?? 0} users, ${d.eci.seed.groups?.length ?? 0} groups, ${d.eci.seed.lists?.length ?? 0} lists; one shared with Everyone)`,
          `  cloudflare  ${sims.cloudflare.url}   (${d.cloudflare.seed.accounts.length} accounts, ${d.cloudflare.seed.shares?.length ?? 0} shares)`,
          `  google-drive ${sims.googleDrive.url}   (${d.googleDrive.resources.length} files and folders exported; shared with users, a group, a domain and anyone with the link; one share ends ${d.googleDrive.expiresAt})`,
          `  box         ${sims.box.url}   (${d.box.seed.users?.length ?? 0} users, ${d.box.seed.groups?.length ?? 0} groups, ${d.box.seed.folders?.length ?? 0} folders; collaboration expiry on)`,
          `Artifacts: ${options.outDir}`
        ].join("\n")
      )
      const smartsheet = yield* Providers.make(sims.configs.smartsheet)
      const eci = yield* Providers.make(sims.configs.eci)
      const cloudflare = yield* Providers.make(sims.configs.cloudflare)
      const googleDrive = yield* Providers.make(sims.configs.googleDrive)
      const box = yield* Providers.make(sims.configs.box)

      const energycap = yield* migrate({
        name: "energycap",
        title: "1/3  Smartsheet sharing → EnergyCAP lists",
        source: smartsheet,
        target: eci,
        targetSim: sims.eci,
        resources: d.smartsheet.named,
        identitiesCsv: d.energycap.identitiesCsv,
        resourcesJson: d.energycap.resourcesJson,
        includeInherited: true,
        outDir: options.outDir,
        json: options.json
      })
      const accounts = yield* migrate({
        name: "cloudflare",
        title: "2/3  Cloudflare shares: legacy account → platform account (recipient accounts kept)",
        source: cloudflare,
        target: cloudflare,
        targetSim: sims.cloudflare,
        identitiesCsv: d.accounts.identitiesCsv,
        resourcesJson: d.accounts.resourcesJson,
        includeInherited: false,
        outDir: options.outDir,
        json: options.json
      })
      const driveToBox = yield* migrate({
        name: "box",
        title: "3/3  Google Drive permissions → Box collaborations",
        source: googleDrive,
        target: box,
        targetSim: sims.box,
        resources: d.googleDrive.named,
        identitiesCsv: d.driveToBox.identitiesCsv,
        resourcesJson: d.driveToBox.resourcesJson,
        includeInherited: false,
        outDir: options.outDir,
        json: options.json
      })
      const migrations = [energycap, accounts, driveToBox]
      const ok = migrations.every((m) => m.verify.ok && m.reapply.writeRequests === 0)
      const seconds = (Date.now() - started) / 1000
      const report = {
        command: "demo" as const,
        ok,
        outDir: options.outDir,
        seconds,
        dataset: { smartsheet: { resources: d.smartsheet.resources.length, directShares } },
        migrations
      }
      const reportFile = Path.join(options.outDir, "report.json")
      yield* Files.writeText(reportFile, `${JSON.stringify(Report.toJson(report), null, 2)}\n`, "--out-dir")
      yield* Output.result(options.json, report, () =>
        [
          "",
          `Report: ${reportFile}`,
          ok
            ? `Demo passed in ${seconds.toFixed(1)} s: all ${migrations.length} migrations verified by read-back; re-applying issued no write.`
            : `Demo FAILED in ${seconds.toFixed(1)} s: verification found drift (see ${reportFile}).`
        ].join("\n")
      )
      if (!ok) return yield* new Output.Exit({ code: ExitCode.codes.partial, reason: "demo verification failed" })
    })
  )
