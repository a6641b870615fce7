/**
 * The exit codes of the `unishare` command: one per failure class, so scripts can branch on them.
 *
 * @since 0.1.0
 */
import type { Errors } from "@unishare/core"

/**
 * Every exit code the command uses.
 *
 * @example
 * ```ts
 * import { ExitCode } from "@unishare/cli"
 * ExitCode.codes.accessDenied // 3
 * ```
 */
export const codes = {
  /** Everything worked (and `verify` found no drift). */
  ok: 0,
  /** An unexpected internal error (a bug: please report it). */
  internal: 1,
  /**
   * Invalid input or usage: a bad flag, file, notation or missing credential; a run store that
   * refuses the credentials or has no such database; an unsupported request. Nothing was written.
   */
  invalid: 2,
  /** The provider refused the credential or its permissions. */
  accessDenied: 3,
  /** A resource or share does not exist (or is not visible to the credential). */
  notFound: 4,
  /** The provider is unreachable, kept failing, or rate limited us past our retries. */
  unavailable: 5,
  /** The provider rejected the request: a conflict, a provider-specific refusal, or an answer we could not understand. */
  rejected: 6,
  /** Partial failure: units of an apply failed with different classes of error, or verification found drift. */
  partial: 7,
  /** The plan has problems (unmapped or unreadable resources): `plan` wrote it, `apply` refuses it without `--allow-problems`. */
  problems: 8,
  /** Interrupted (SIGINT / SIGTERM). */
  interrupted: 130
} as const

/** @example const code: ExitCode.Code = 0 */
export type Code = (typeof codes)[keyof typeof codes]

/**
 * The exit code of a sharing error.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * import { ExitCode } from "@unishare/cli"
 * ExitCode.ofError(new Errors.NotFound({ provider: "eci", operation: "list", message: "list 9 not found" })) // 4
 * ```
 */
export const ofError = (error: Errors.SharingError): Code => {
  switch (error._tag) {
    case "InvalidInput":
    case "Unsupported":
      return codes.invalid
    case "AccessDenied":
      return codes.accessDenied
    case "NotFound":
      return codes.notFound
    case "Unavailable":
    case "RateLimited":
      return codes.unavailable
    case "Conflict":
    case "Rejected":
    case "ProtocolError":
      return codes.rejected
  }
}

/**
 * The exit code of a run whose units failed with `errors`: the class's code when every failure has
 * the same class, `partial` (7) for a mix, `ok` for none.
 *
 * @example
 * ```ts
 * import { Errors } from "@unishare/core"
 * import { ExitCode } from "@unishare/cli"
 * ExitCode.ofFailures([new Errors.NotFound({ provider: "eci", operation: "list", message: "no list 9" })]) // 4
 * ```
 */
export const ofFailures = (errors: ReadonlyArray<Errors.SharingError>): Code => {
  const classes = new Set(errors.map(ofError))
  if (classes.size === 0) return codes.ok
  return classes.size === 1 ? [...classes][0]! : codes.partial
}

/**
 * The exit-code table as shown in `--help` and the README.
 *
 * @example
 * ```ts
 * import { ExitCode } from "@unishare/cli"
 * console.log(ExitCode.table)
 * ```
 */
export const table = [
  "Exit codes:",
  "  0    success (verify: no drift)",
  "  1    internal error (a bug)",
  "  2    invalid input or usage (bad flag, file, notation, missing credential, run store credentials refused or no such database, unsupported request); nothing written",
  "  3    access denied by the provider (the run stops at the first refusal)",
  "  4    resource or share not found",
  "  5    provider unavailable or rate limited after retries (the run stops)",
  "  6    conflict, rejected by the provider, or protocol error",
  "  7    partial failure (failures of different classes) or verification drift",
  "  8    the plan has problems (plan: written anyway; apply: refused without --allow-problems)",
  "  130  interrupted"
].join("\n")
