/**
 * @unishare/migration — move sharing from one provider to another: snapshot the source, map
 * identities and resources, plan, apply (resumable), verify and report. A backend that only grants
 * and lists needs `@unishare/core` alone.
 *
 * @example
 * ```ts
 * import { IdentityMap, Migration, ResourceMap, Snapshot } from "@unishare/migration"
 * ```
 * @since 0.1.0
 */
export * as DurableApply from "./DurableApply.ts"
export * as FileFormat from "./FileFormat.ts"
export * as IdentityMap from "./IdentityMap.ts"
export * as Migration from "./Migration.ts"
export * as Report from "./Report.ts"
export * as ResourceMap from "./ResourceMap.ts"
export * as RunnerAuth from "./RunnerAuth.ts"
export * as RunnerCluster from "./RunnerCluster.ts"
export * as Snapshot from "./Snapshot.ts"
export * as SqliteClient from "./SqliteClient.ts"
