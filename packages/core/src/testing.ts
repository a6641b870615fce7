/**
 * `@unishare/core/testing`: test helpers for adapters and for users' own tests.
 *
 * @example
 * ```ts
 * import { Conformance } from "@unishare/core/testing"
 * ```
 * @since 0.1.0
 */
export * as Conformance from "./Conformance.ts"
export * as RecordedAnswers from "./RecordedAnswers.ts"
export * as VirtualTime from "./VirtualTime.ts"
