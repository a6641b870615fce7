/**
 * Warnings attached to translations, plans and reports: nothing lossy happens without one.
 *
 * @since 0.1.0
 */
import { Effect, Schema } from "effect"
import { AccessLevel } from "./AccessLevel.ts"

/**
 * Something about the access could not be kept as asked: `direction` says whether access went
 * down or up. `aspect` says what was lost: the `level` (the default when absent), a provider's
 * own `role` (granted as its floor), or an `expiry` that was dropped (access for longer: widened).
 * `from` and `to` are the levels before and after.
 *
 * @example
 * ```ts
 * import { Warning } from "@unishare/core"
 * Warning.Lossy.make({ from: "editor", to: "viewer", direction: "narrowed", message: "eci has one level" })
 * ```
 */
export const Lossy = Schema.TaggedStruct("Lossy", {
  from: AccessLevel,
  to: AccessLevel,
  direction: Schema.Literals(["narrowed", "widened"]),
  message: Schema.String,
  aspect: Schema.optionalKey(Schema.Literals(["level", "role", "expiry"]))
})

/** Something asked for is not supported and was left out or refused. @example Warning.Unsupported.make({ feature: "notify", message: "…" }) */
export const Unsupported = Schema.TaggedStruct("Unsupported", { feature: Schema.String, message: Schema.String })
/** A deprecated input was accepted. @example Warning.Deprecated.make({ message: "account_id is deprecated" }) */
export const Deprecated = Schema.TaggedStruct("Deprecated", { message: Schema.String })
/** Anything else worth telling. @example Warning.Note.make({ message: "share is inherited from the workspace" }) */
export const Note = Schema.TaggedStruct("Note", { message: Schema.String })

/**
 * Any warning.
 *
 * @example
 * ```ts
 * import type { Warning } from "@unishare/core"
 * const w: Warning.Warning = { _tag: "Note", message: "hello" }
 * ```
 */
export const Warning = Schema.Union([Lossy, Unsupported, Deprecated, Note])
/** @example const ws: ReadonlyArray<Warning.Warning> = [] */
export type Warning = typeof Warning.Type

/**
 * One line of text for a warning.
 *
 * @example
 * ```ts
 * import { Warning } from "@unishare/core"
 * Warning.format({ _tag: "Deprecated", message: "x" }) // "deprecated: x"
 * ```
 */
export const format = (w: Warning): string => {
  switch (w._tag) {
    case "Lossy":
      return w.aspect === "expiry" || w.aspect === "role"
        ? `${w.direction} (${w.aspect}): ${w.message}`
        : `${w.direction} ${w.from} → ${w.to}: ${w.message}`
    case "Unsupported":
      return `unsupported ${w.feature}: ${w.message}`
    case "Deprecated":
      return `deprecated: ${w.message}`
    case "Note":
      return w.message
  }
}

/**
 * Logs warnings at warning level, annotated with `unishare.warning` (the tag), `unishare.provider`,
 * `unishare.operation` and, when given, `unishare.resource`. The neutral adapters return their
 * warnings (`Granting.grant`, the planner) and call this only when asked to (`logWarnings: true`);
 * the Cloudflare native client calls it for a deprecated input it rewrote.
 *
 * @example
 * ```ts
 * import { Warning } from "@unishare/core"
 * Warning.log([{ _tag: "Deprecated", message: "account_id is deprecated" }], { provider: "cloudflare", operation: "createRecipient" })
 * ```
 */
export const log = (
  warnings: ReadonlyArray<Warning>,
  context: { readonly provider: string; readonly operation: string; readonly resource?: string | undefined }
): Effect.Effect<void> =>
  Effect.forEach(
    warnings,
    (w) =>
      Effect.logWarning(
        `${context.provider} ${context.operation}${context.resource !== undefined ? ` ${context.resource}` : ""}: ${format(w)}`
      ).pipe(
        Effect.annotateLogs({
          "unishare.warning": w._tag,
          "unishare.provider": context.provider,
          "unishare.operation": context.operation,
          ...(context.resource !== undefined ? { "unishare.resource": context.resource } : {})
        })
      ),
    { discard: true }
  )
