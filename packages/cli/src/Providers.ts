/**
 * Provider selection: builds the neutral provider named on the command line, with credentials read
 * only from the environment (as `Redacted` values) and an optional base-URL override per provider.
 *
 * | provider     | credentials                                                  | base URL (flag / env)                              |
 * | ------------ | ------------------------------------------------------------ | -------------------------------------------------- |
 * | `cloudflare` | `CLOUDFLARE_API_TOKEN`, or `CLOUDFLARE_EMAIL` + `CLOUDFLARE_API_KEY` | `--cloudflare-url` / `CLOUDFLARE_BASE_URL` |
 * | `smartsheet` | `SMARTSHEET_ACCESS_TOKEN`                                    | `--smartsheet-url` / `SMARTSHEET_API_HOST`         |
 * | `eci`        | `ECI_API_KEY`                                                | `--eci-url` / `ECI_BASE_URL`                       |
 * | `google-drive` | `GOOGLE_DRIVE_ACCESS_TOKEN` (an OAuth access token)        | `--google-drive-url` / `GOOGLE_DRIVE_BASE_URL`     |
 * | `box`        | `BOX_ACCESS_TOKEN`                                           | `--box-url` / `BOX_BASE_URL`                       |
 *
 * Optional settings, also from the environment: `GOOGLE_DRIVE_EVERYONE_DOMAIN` (the Workspace
 * domain that stands for `Everyone` on Google Drive: the provider's `everyoneAsDomain`),
 * `BOX_EVERYONE_GROUP_ID` (the id of the enterprise's all-users group, which stands for `Everyone`
 * on Box: the provider's `everyoneGroupId`), `BOX_AS_USER` (a Box user id: every request is made
 * on that user's behalf with Box's `As-User` header; the token must be an admin's or a service
 * account's allowed to act as users) and `BOX_COLLABORATION_EXPIRY=0` (the enterprise does not let
 * owners give collaborations an end date: the provider's `collaborationExpiry: false`, so a plan
 * knows before any write that Box cannot keep an expiry; default on). Google Drive takes a bearer token only: a token that renews
 * itself (a service account, a refresh token) is the library's `credentials` function
 * (`@unishare/google-drive`), not something the command line builds; Box likewise
 * (`@unishare/box`'s `token` function).
 *
 * Simulators: with `UNISHARE_SIMULATOR=1` in the environment, a provider whose base URL is on this
 * machine (a loopback address: 127.0.0.0/8, `::1` or `localhost`) is built without the client-side
 * request budget its API documents (Smartsheet's 300 requests per minute, Cloudflare's), so a large
 * migration against the built-in simulators (`@unishare/<provider>/simulator`, rate limits off) is
 * not paced like one against the real service. The variable is ignored for every other base URL
 * (the default public endpoints included): a real provider is never sent more than its budget
 * because of it. Smartsheet's and Box's clients have no "off", so they get a budget no run reaches;
 * Google Drive's client has no budget by default (it relies on Drive's backoff answers).
 *
 * @since 0.1.0
 */
import * as Box from "@unishare/box"
import * as Cloudflare from "@unishare/cloudflare"
import { Errors, type SharingProvider } from "@unishare/core"
import * as Eci from "@unishare/eci"
import * as GoogleDrive from "@unishare/google-drive"
import { isLoopback } from "@unishare/migration/RunnerAuth"
import * as Smartsheet from "@unishare/smartsheet"
import { Config, Effect, Layer, Option, Redacted } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import * as HttpLog from "./HttpLog.ts"
import type { ProviderName } from "./Notation.ts"

/**
 * A fully resolved provider configuration (credentials included, as `Redacted`).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Providers } from "@unishare/cli"
 * const c: Providers.ProviderConfig = { provider: "eci", config: { apiKey: Redacted.make("k"), baseUrl: "http://127.0.0.1:9000" } }
 * ```
 */
export type ProviderConfig =
  | { readonly provider: "cloudflare"; readonly config: Cloudflare.Provider.Config }
  | { readonly provider: "smartsheet"; readonly config: Smartsheet.SmartsheetConfig }
  | { readonly provider: "eci"; readonly config: Eci.Config }
  | { readonly provider: "google-drive"; readonly config: GoogleDrive.Provider.Config }
  | {
      readonly provider: "box"
      readonly config: Box.Provider.Config
      /** `BOX_AS_USER`: every request carries `As-User: <id>` (acts on that user's behalf). */
      readonly asUser?: string | undefined
    }

/**
 * Base-URL overrides (from the `--<provider>-url` flags).
 *
 * @example
 * ```ts
 * import type { Providers } from "@unishare/cli"
 * const e: Providers.Endpoints = { eci: "http://127.0.0.1:9000" }
 * ```
 */
export interface Endpoints {
  readonly cloudflare?: string | undefined
  readonly smartsheet?: string | undefined
  readonly eci?: string | undefined
  readonly "google-drive"?: string | undefined
  readonly box?: string | undefined
}

/**
 * Options of `fromEnvironment`: base-URL overrides and the Cloudflare accounts whose shares
 * `export` enumerates when no resource is named.
 *
 * @example
 * ```ts
 * import type { Providers } from "@unishare/cli"
 * const o: Providers.Options = { endpoints: {}, cloudflareAccounts: ["023e105f4ecef8ad9ca31a8372d0c353"] }
 * ```
 */
export interface Options {
  readonly endpoints?: Endpoints | undefined
  readonly cloudflareAccounts?: ReadonlyArray<string> | undefined
}

/**
 * The environment variables holding each provider's credentials.
 *
 * @example
 * ```ts
 * import { Providers } from "@unishare/cli"
 * Providers.credentialVariables.eci // ["ECI_API_KEY"]
 * ```
 */
export const credentialVariables: Readonly<Record<ProviderName, ReadonlyArray<string>>> = {
  cloudflare: ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY"],
  smartsheet: ["SMARTSHEET_ACCESS_TOKEN"],
  eci: ["ECI_API_KEY"],
  "google-drive": ["GOOGLE_DRIVE_ACCESS_TOKEN"],
  box: ["BOX_ACCESS_TOKEN"]
}

const hints: Readonly<Record<ProviderName, string>> = {
  cloudflare: "set CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY)",
  smartsheet: "set SMARTSHEET_ACCESS_TOKEN",
  eci: "set ECI_API_KEY",
  "google-drive": "set GOOGLE_DRIVE_ACCESS_TOKEN (an OAuth access token for the Drive API)",
  box: "set BOX_ACCESS_TOKEN (a Box access token)"
}

const required: Readonly<Record<ProviderName, ReadonlyArray<string>>> = {
  cloudflare: ["CLOUDFLARE_API_TOKEN"],
  smartsheet: ["SMARTSHEET_ACCESS_TOKEN"],
  eci: ["ECI_API_KEY"],
  "google-drive": ["GOOGLE_DRIVE_ACCESS_TOKEN"],
  box: ["BOX_ACCESS_TOKEN"]
}

/** An optional setting: unset and empty are the same (absent). */
const optionalString = (name: string): Config.Config<string | undefined> =>
  Config.option(Config.String(name)).pipe(
    Config.map((value) => Option.getOrUndefined(Option.filter(value, (v) => v.trim() !== "")))
  )

/**
 * A token read from the environment must not be empty (an empty variable is reported as not set,
 * like a missing one).
 */
const nonEmptyToken = (
  name: ProviderName,
  variable: string,
  value: Redacted.Redacted<string>
): Effect.Effect<void, Errors.InvalidInput> =>
  Redacted.value(value).trim() === ""
    ? Effect.fail(
        Errors.invalid("unishare", `configure ${name}`, "environment", `${hints[name]} (not set: ${variable})`)
      )
    : Effect.void

/**
 * Google Drive's settings from the environment: `GOOGLE_DRIVE_ACCESS_TOKEN`, and the optional
 * `GOOGLE_DRIVE_BASE_URL` and `GOOGLE_DRIVE_EVERYONE_DOMAIN`.
 */
const googleDriveConfig = Config.all({
  credentials: Config.Redacted("GOOGLE_DRIVE_ACCESS_TOKEN"),
  baseUrl: optionalString("GOOGLE_DRIVE_BASE_URL"),
  everyoneAsDomain: optionalString("GOOGLE_DRIVE_EVERYONE_DOMAIN")
})

/**
 * Box's settings from the environment: `BOX_ACCESS_TOKEN`, and the optional `BOX_BASE_URL`,
 * `BOX_EVERYONE_GROUP_ID` and `BOX_AS_USER`.
 */
const boxConfig = Config.all({
  token: Config.Redacted("BOX_ACCESS_TOKEN"),
  baseUrl: optionalString("BOX_BASE_URL"),
  everyoneGroupId: optionalString("BOX_EVERYONE_GROUP_ID"),
  asUser: optionalString("BOX_AS_USER"),
  collaborationExpiry: optionalString("BOX_COLLABORATION_EXPIRY")
})

/** `BOX_COLLABORATION_EXPIRY`: `1`/`true` or `0`/`false`; unset is the provider's default (on). */
const boxCollaborationExpiry = (value: string | undefined): Effect.Effect<boolean | undefined, Errors.InvalidInput> => {
  if (value === undefined) return Effect.succeed(undefined)
  const v = value.trim().toLowerCase()
  if (v === "1" || v === "true") return Effect.succeed(true)
  if (v === "0" || v === "false") return Effect.succeed(false)
  return Effect.fail(
    Errors.invalid(
      "unishare",
      "configure box",
      "environment",
      `BOX_COLLABORATION_EXPIRY must be 1 (the enterprise lets owners give collaborations an end date) or 0, got ${JSON.stringify(value)}`
    )
  )
}

/** Box ids are decimal numbers. */
const boxId = /^[1-9][0-9]{0,19}$/

const checkBoxId = (variable: string, value: string | undefined): Effect.Effect<void, Errors.InvalidInput> =>
  value === undefined || boxId.test(value)
    ? Effect.void
    : Effect.fail(
        Errors.invalid(
          "unishare",
          "configure box",
          "environment",
          `${variable} must be a Box id (digits, e.g. 2002), got ${JSON.stringify(value)}`
        )
      )

const readConfig = <A>(name: ProviderName, config: Config.Config<A>): Effect.Effect<A, Errors.InvalidInput> =>
  Effect.mapError(config, (e) => {
    const missing = required[name].filter((v) => (process.env[v] ?? "") === "")
    return Errors.invalid(
      "unishare",
      `configure ${name}`,
      "environment",
      missing.length > 0
        ? `${hints[name]} (not set: ${missing.join(", ")})`
        : `${hints[name]}: ${e.message.split("\n")[0]}`
    )
  })

/**
 * The environment variable that marks the providers as simulators: `UNISHARE_SIMULATOR=1` turns the
 * client-side request budget off for a provider whose base URL is a loopback address, and is
 * ignored for any other.
 *
 * @example
 * ```ts
 * import { Providers } from "@unishare/cli"
 * Providers.simulatorVariable // "UNISHARE_SIMULATOR"
 * ```
 */
export const simulatorVariable = "UNISHARE_SIMULATOR"

/**
 * Whether a base URL points at this machine: its host is a loopback address (127.0.0.0/8, `::1`)
 * or `localhost`. A URL that does not parse is not.
 *
 * @example
 * ```ts
 * import { Providers } from "@unishare/cli"
 * Providers.isLoopbackUrl("http://127.0.0.1:8080/2.0") // true
 * Providers.isLoopbackUrl("https://api.smartsheet.com/2.0") // false
 * Providers.isLoopbackUrl("http://127.0.0.1.example.com") // false
 * ```
 */
export const isLoopbackUrl = (url: string): boolean => {
  let host: string
  try {
    host = new URL(url).hostname
  } catch {
    return false
  }
  return isLoopback(host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host)
}

/**
 * Smartsheet's client takes a budget, not "none": one that no run reaches (a billion requests per
 * millisecond) stands for none.
 */
const unreachableBudget = { requests: 1_000_000_000, windowMillis: 1 } as const

const simulatorFlag: Effect.Effect<boolean, Errors.InvalidInput> = Effect.mapError(
  Config.Boolean(simulatorVariable).pipe(Config.withDefault(false)),
  () =>
    Errors.invalid(
      "unishare",
      "configure providers",
      "environment",
      `${simulatorVariable} must be 1 (or true) to mark the providers as simulators on this machine, or 0`
    )
)

/**
 * Reads a provider's configuration from the environment and applies the overrides. With
 * `UNISHARE_SIMULATOR=1` and a loopback base URL, the client-side request budget is off (see the
 * module documentation).
 *
 * @example
 * ```ts
 * import { Providers } from "@unishare/cli"
 * const config = Providers.configFromEnvironment("smartsheet", { endpoints: { smartsheet: "http://127.0.0.1:8080/2.0" } })
 * ```
 */
export const configFromEnvironment = (
  name: ProviderName,
  options: Options = {}
): Effect.Effect<ProviderConfig, Errors.InvalidInput> => {
  const endpoints = options.endpoints ?? {}
  const configured: Effect.Effect<ProviderConfig, Errors.InvalidInput> = (() => {
    switch (name) {
      case "cloudflare":
        return Effect.map(readConfig(name, Cloudflare.config), (config) => ({
          provider: "cloudflare" as const,
          config: {
            ...config,
            ...(endpoints.cloudflare !== undefined ? { baseUrl: endpoints.cloudflare } : {}),
            ...(options.cloudflareAccounts !== undefined && options.cloudflareAccounts.length > 0
              ? { accounts: options.cloudflareAccounts }
              : {})
          }
        }))
      case "smartsheet":
        return Effect.map(readConfig(name, Smartsheet.config), (config) => ({
          provider: "smartsheet" as const,
          config: { ...config, ...(endpoints.smartsheet !== undefined ? { baseUrl: endpoints.smartsheet } : {}) }
        }))
      case "eci":
        return Effect.map(readConfig(name, Eci.config), (config) => ({
          provider: "eci" as const,
          config: { ...config, ...(endpoints.eci !== undefined ? { baseUrl: endpoints.eci } : {}) }
        }))
      case "google-drive": {
        return Effect.gen(function* () {
          const c = yield* readConfig(name, googleDriveConfig)
          yield* nonEmptyToken(name, "GOOGLE_DRIVE_ACCESS_TOKEN", c.credentials)
          const baseUrl = endpoints["google-drive"] ?? c.baseUrl
          return {
            provider: "google-drive" as const,
            config: {
              credentials: c.credentials,
              ...(baseUrl !== undefined ? { baseUrl } : {}),
              ...(c.everyoneAsDomain !== undefined ? { everyoneAsDomain: c.everyoneAsDomain } : {})
            }
          }
        })
      }
      case "box":
        return Effect.gen(function* () {
          const c = yield* readConfig(name, boxConfig)
          yield* nonEmptyToken(name, "BOX_ACCESS_TOKEN", c.token)
          yield* checkBoxId("BOX_EVERYONE_GROUP_ID", c.everyoneGroupId)
          yield* checkBoxId("BOX_AS_USER", c.asUser)
          const collaborationExpiry = yield* boxCollaborationExpiry(c.collaborationExpiry)
          const baseUrl = endpoints.box ?? c.baseUrl
          return {
            provider: "box" as const,
            config: {
              token: c.token,
              ...(baseUrl !== undefined ? { baseUrl } : {}),
              ...(c.everyoneGroupId !== undefined ? { everyoneGroupId: c.everyoneGroupId } : {}),
              ...(collaborationExpiry !== undefined ? { collaborationExpiry } : {})
            },
            ...(c.asUser !== undefined ? { asUser: c.asUser } : {})
          }
        })
    }
  })()
  return Effect.flatMap(configured, (resolved) =>
    Effect.map(simulatorFlag, (simulator) => (simulator ? withoutBudgetOnLoopback(resolved) : resolved))
  )
}

/**
 * The configuration without its client-side request budget when its base URL is a loopback
 * address; unchanged otherwise (no base URL means the provider's public endpoint).
 */
const withoutBudgetOnLoopback = (resolved: ProviderConfig): ProviderConfig => {
  const baseUrl = resolved.config.baseUrl
  if (baseUrl === undefined || !isLoopbackUrl(baseUrl)) return resolved
  switch (resolved.provider) {
    case "cloudflare":
      return { provider: "cloudflare", config: { ...resolved.config, rateLimit: false } }
    case "smartsheet":
      return { provider: "smartsheet", config: { ...resolved.config, rateLimit: unreachableBudget } }
    case "eci":
      return { provider: "eci", config: { ...resolved.config, rateLimit: undefined } }
    case "google-drive":
      return { provider: "google-drive", config: { ...resolved.config, rateLimit: undefined } }
    case "box":
      return { ...resolved, config: { ...resolved.config, rateLimit: unreachableBudget } }
  }
}

/**
 * The command's HTTP client, with Box's `As-User` header on every request when `BOX_AS_USER` is
 * set (a call that names its own `As-User` keeps it).
 */
const httpLayer = (config: ProviderConfig): Layer.Layer<HttpClient.HttpClient> => {
  if (config.provider !== "box" || config.asUser === undefined) return HttpLog.layer
  const asUser = config.asUser
  return Layer.effect(
    HttpClient.HttpClient,
    Effect.map(HttpClient.HttpClient, (client) =>
      HttpClient.mapRequest(client, (request) =>
        request.headers["as-user"] === undefined ? HttpClientRequest.setHeader(request, "as-user", asUser) : request
      )
    )
  ).pipe(Layer.provide(HttpLog.layer))
}

/**
 * Builds the neutral provider of a configuration (on the global `fetch`, with the debug HTTP log).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import { Providers } from "@unishare/cli"
 * const provider = Providers.make({ provider: "eci", config: { apiKey: Redacted.make("k"), baseUrl: "http://127.0.0.1:9000" } })
 * ```
 */
export const make = (config: ProviderConfig): Effect.Effect<SharingProvider.Shape, Errors.InvalidInput> => {
  const built = (() => {
    switch (config.provider) {
      case "cloudflare":
        return Cloudflare.make(config.config)
      case "smartsheet":
        return Smartsheet.make(config.config)
      case "eci":
        return Eci.make(config.config)
      case "google-drive":
        return GoogleDrive.make(config.config)
      case "box":
        return Box.make(config.config)
    }
  })()
  return Effect.provide(built, httpLayer(config))
}

/**
 * `configFromEnvironment` then `make`.
 *
 * @example
 * ```ts
 * import { Providers } from "@unishare/cli"
 * const target = Providers.fromEnvironment("eci", { endpoints: { eci: "http://127.0.0.1:9000" } })
 * ```
 */
export const fromEnvironment = (
  name: ProviderName,
  options: Options = {}
): Effect.Effect<SharingProvider.Shape, Errors.InvalidInput> =>
  Effect.flatMap(configFromEnvironment(name, options), make)
