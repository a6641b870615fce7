/**
 * The providers the command line knows, by name. A module of its own, with no imports, so the
 * command definitions (`Commands`) can list them without loading the notation parsers; `Notation`
 * re-exports them.
 *
 * @since 0.1.0
 */
/**
 * The providers the command knows.
 *
 * @example
 * ```ts
 * import { ProviderNames } from "@unishare/cli"
 * ProviderNames.providers.includes("google-drive") // true
 * ```
 */
export const providers = ["cloudflare", "smartsheet", "eci", "google-drive", "box"] as const

/** @example const p: ProviderNames.ProviderName = "smartsheet" */
export type ProviderName = (typeof providers)[number]

/**
 * `true` for a provider name the command knows.
 *
 * @example
 * ```ts
 * import { ProviderNames } from "@unishare/cli"
 * ProviderNames.isProvider("eci") // true
 * ```
 */
export const isProvider = (name: string): name is ProviderName => (providers as ReadonlyArray<string>).includes(name)
