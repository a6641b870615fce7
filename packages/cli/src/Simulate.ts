/**
 * Starts the five simulators (Smartsheet, EnergyCAP, Cloudflare, Google Drive, Box) on loopback with
 * the demo dataset, and tells how to point the command at them: base URLs and the environment (the
 * simulators' own credentials). Used by `unishare simulate` and `unishare demo`.
 *
 * @since 0.1.0
 */
import * as Path from "node:path"
import * as BoxSim from "@unishare/box/simulator"
import * as CloudflareSim from "@unishare/cloudflare/simulator"
import type { Errors } from "@unishare/core"
import * as EciSim from "@unishare/eci/simulator"
import * as GoogleDriveSim from "@unishare/google-drive/simulator"
import * as SmartsheetSim from "@unishare/smartsheet/simulator"
import { Effect, Redacted, type Scope } from "effect"
import * as DemoData from "./DemoData.ts"
import * as Files from "./Files.ts"
import * as Notation from "./Notation.ts"
import * as Output from "./Output.ts"
import type * as Providers from "./Providers.ts"

/**
 * The running simulators and how to reach them.
 *
 * @example
 * ```ts
 * import type { Simulate } from "@unishare/cli"
 * const url = (s: Simulate.Simulators) => s.smartsheet.url
 * ```
 */
export interface Simulators {
  readonly data: DemoData.Dataset
  readonly smartsheet: SmartsheetSim.Simulator
  readonly eci: EciSim.Simulator
  readonly cloudflare: CloudflareSim.CloudflareSimulator
  readonly googleDrive: GoogleDriveSim.Simulator
  readonly box: BoxSim.Simulator
  /** The environment that points the command at the simulators (credentials included). */
  readonly env: Readonly<Record<string, string>>
  /** Provider configurations for in-process use. */
  readonly configs: {
    readonly smartsheet: Providers.ProviderConfig
    readonly eci: Providers.ProviderConfig
    readonly cloudflare: Providers.ProviderConfig
    readonly googleDrive: Providers.ProviderConfig
    readonly box: Providers.ProviderConfig
  }
}

/**
 * Starts the simulators with the dataset (scoped: they stop with the scope). `port` is the first
 * of five consecutive ports (Smartsheet, EnergyCAP, Cloudflare, Google Drive, Box); free ports when
 * absent.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Simulate } from "@unishare/cli"
 * const urls = Effect.scoped(Effect.map(Simulate.start(), (s) => s.env))
 * ```
 */
export const start = (
  options: { readonly data?: DemoData.Dataset | undefined; readonly port?: number | undefined } = {}
): Effect.Effect<Simulators, never, Scope.Scope> =>
  Effect.gen(function* () {
    const data = options.data ?? DemoData.make()
    const port = (offset: number) => (options.port !== undefined ? { port: options.port + offset } : {})
    const smartsheet = yield* SmartsheetSim.serve({ seed: data.smartsheet.seed, ...port(0) })
    const eci = yield* EciSim.serve({ seed: data.eci.seed, ...port(1) })
    const cloudflare = yield* CloudflareSim.serve({
      seed: data.cloudflare.seed,
      credentials: [{ token: data.cloudflare.token }],
      transitions: { mode: "reads", reads: 1 },
      ...port(2)
    })
    const googleDrive = yield* GoogleDriveSim.serve({ seed: data.googleDrive.seed, ...port(3) })
    const box = yield* BoxSim.serve({ seed: data.box.seed, ...port(4) })
    const env = {
      SMARTSHEET_API_HOST: smartsheet.url,
      SMARTSHEET_ACCESS_TOKEN: data.smartsheet.token,
      ECI_BASE_URL: eci.url,
      ECI_API_KEY: data.eci.apiKey,
      CLOUDFLARE_BASE_URL: cloudflare.url,
      CLOUDFLARE_API_TOKEN: data.cloudflare.token,
      GOOGLE_DRIVE_BASE_URL: googleDrive.url,
      GOOGLE_DRIVE_ACCESS_TOKEN: data.googleDrive.token,
      BOX_BASE_URL: box.url,
      BOX_ACCESS_TOKEN: data.box.token
    }
    return {
      data,
      smartsheet,
      eci,
      cloudflare,
      googleDrive,
      box,
      env,
      configs: {
        smartsheet: {
          provider: "smartsheet",
          config: { token: Redacted.make(data.smartsheet.token), baseUrl: smartsheet.url }
        },
        eci: { provider: "eci", config: { apiKey: Redacted.make(data.eci.apiKey), baseUrl: eci.url } },
        cloudflare: {
          provider: "cloudflare",
          config: {
            credentials: { _tag: "ApiToken", token: Redacted.make(data.cloudflare.token) },
            baseUrl: cloudflare.url,
            accounts: [data.cloudflare.sourceAccount]
          }
        },
        googleDrive: {
          provider: "google-drive",
          config: { credentials: Redacted.make(data.googleDrive.token), baseUrl: googleDrive.url }
        },
        box: { provider: "box", config: { token: Redacted.make(data.box.token), baseUrl: box.url } }
      }
    } satisfies Simulators
  })

/**
 * Writes the dataset's identity and resource maps into `dir` and returns their paths. An existing
 * map is never replaced unless `force` (the files of an earlier `simulate` in the same directory).
 *
 * @example
 * ```ts
 * import { DemoData, Simulate } from "@unishare/cli"
 * const files = Simulate.writeMaps(DemoData.make(), ".unishare/simulate")
 * ```
 */
export const writeMaps = (
  data: DemoData.Dataset,
  dir: string,
  options: { readonly force?: boolean | undefined } = {}
): Effect.Effect<
  {
    readonly energycapIdentities: string
    readonly energycapResources: string
    readonly cloudflareIdentities: string
    readonly cloudflareResources: string
    readonly smartsheetResources: string
    readonly boxIdentities: string
    readonly boxResources: string
    readonly googleDriveResources: string
  },
  Errors.InvalidInput
> =>
  Effect.gen(function* () {
    const files = {
      energycapIdentities: Path.join(dir, "identities-energycap.csv"),
      energycapResources: Path.join(dir, "resources-energycap.json"),
      cloudflareIdentities: Path.join(dir, "identities-cloudflare.csv"),
      cloudflareResources: Path.join(dir, "resources-cloudflare.json"),
      smartsheetResources: Path.join(dir, "smartsheet-resources.txt"),
      boxIdentities: Path.join(dir, "identities-box.csv"),
      boxResources: Path.join(dir, "resources-box.json"),
      googleDriveResources: Path.join(dir, "google-drive-resources.txt")
    }
    yield* Files.writeText(files.energycapIdentities, `${data.energycap.identitiesCsv}\n`, "--out-dir", options)
    yield* Files.writeText(files.energycapResources, `${data.energycap.resourcesJson}\n`, "--out-dir", options)
    yield* Files.writeText(files.cloudflareIdentities, `${data.accounts.identitiesCsv}\n`, "--out-dir", options)
    yield* Files.writeText(files.cloudflareResources, `${data.accounts.resourcesJson}\n`, "--out-dir", options)
    yield* Files.writeText(
      files.smartsheetResources,
      `${data.smartsheet.resources.map((r) => `${r.provider}:${r.kind}:${r.id}`).join("\n")}\n`,
      "--out-dir",
      options
    )
    yield* Files.writeText(files.boxIdentities, `${data.driveToBox.identitiesCsv}\n`, "--out-dir", options)
    yield* Files.writeText(files.boxResources, `${data.driveToBox.resourcesJson}\n`, "--out-dir", options)
    yield* Files.writeText(
      files.googleDriveResources,
      `${data.googleDrive.resources.map(Notation.formatResource).join("\n")}\n`,
      "--out-dir",
      options
    )
    return files
  })

/**
 * `unishare simulate`: starts the simulators, writes the maps, prints URLs, environment and files,
 * and runs until interrupted (SIGINT / SIGTERM).
 *
 * @example
 * ```ts
 * import { Simulate } from "@unishare/cli"
 * const program = Simulate.run({ outDir: ".unishare/simulate", json: false })
 * ```
 */
export const run = (options: {
  readonly outDir: string
  readonly port?: number | undefined
  readonly json: boolean
  /** Replace the maps an earlier run wrote into `outDir`. */
  readonly force?: boolean | undefined
}): Effect.Effect<never, Errors.InvalidInput> =>
  Effect.scoped(
    Effect.gen(function* () {
      const sims = yield* start({ port: options.port })
      const files = yield* writeMaps(sims.data, options.outDir, { force: options.force })
      const info = {
        command: "simulate" as const,
        ok: true,
        simulators: {
          smartsheet: { url: sims.smartsheet.url, token: sims.data.smartsheet.token },
          eci: { url: sims.eci.url, apiKey: sims.data.eci.apiKey },
          cloudflare: {
            url: sims.cloudflare.url,
            token: sims.data.cloudflare.token,
            sourceAccount: sims.data.cloudflare.sourceAccount,
            targetAccount: sims.data.cloudflare.targetAccount
          },
          googleDrive: { url: sims.googleDrive.url, token: sims.data.googleDrive.token },
          box: { url: sims.box.url, token: sims.data.box.token }
        },
        env: sims.env,
        files
      }
      yield* Output.result(options.json, info, () =>
        [
          "Simulators running (Ctrl-C to stop):",
          `  smartsheet  ${sims.smartsheet.url}`,
          `  eci         ${sims.eci.url}`,
          `  cloudflare  ${sims.cloudflare.url}`,
          `  google-drive ${sims.googleDrive.url}`,
          `  box         ${sims.box.url}`,
          "",
          "Environment (simulator credentials, safe to show):",
          ...Object.entries(sims.env).map(([k, v]) => `  export ${k}=${v}`),
          "",
          `Cloudflare accounts: source ${sims.data.cloudflare.sourceAccount}, target ${sims.data.cloudflare.targetAccount}`,
          "Generated files:",
          ...Object.values(files).map((f) => `  ${f}`),
          "",
          "Try:",
          `  unishare export --provider smartsheet $(sed 's/^/--resource /' ${files.smartsheetResources} | tr '\\n' ' ') --out snapshot.json`,
          `  unishare plan --snapshot snapshot.json --target eci --identities ${files.energycapIdentities} --resources ${files.energycapResources} --include-inherited`,
          "  unishare apply --plan plan.json && unishare verify --plan plan.json",
          "Google Drive → Box:",
          `  unishare export --provider google-drive $(sed 's/^/--resource /' ${files.googleDriveResources} | tr '\\n' ' ') --out drive.json`,
          `  unishare plan --snapshot drive.json --target box --identities ${files.boxIdentities} --resources ${files.boxResources} --out drive-plan.json`,
          "  unishare apply --plan drive-plan.json && unishare verify --plan drive-plan.json"
        ].join("\n")
      )
      return yield* Effect.never
    })
  )
