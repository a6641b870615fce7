/**
 * @unishare/core — one neutral model of sharing across providers.
 *
 * @example
 * ```ts
 * import { AccessLevel, Grantee, Planner } from "@unishare/core"
 * ```
 * @since 0.1.0
 */
export * as AccessLevel from "./AccessLevel.ts"
export * as Apply from "./Apply.ts"
export * as Capabilities from "./Capabilities.ts"
export * as Errors from "./Errors.ts"
export * as FastDecode from "./FastDecode.ts"
export * as FetchTransport from "./FetchTransport.ts"
export * as Grantee from "./Grantee.ts"
export * as Granting from "./Granting.ts"
export * as HttpApi from "./HttpApi.ts"
export * as HttpPath from "./HttpPath.ts"
export * as Ids from "./Ids.ts"
export * as Input from "./Input.ts"
export * as KeyedLock from "./KeyedLock.ts"
export * as MemoryProvider from "./MemoryProvider.ts"
export * as Paging from "./Paging.ts"
export * as Planner from "./Planner.ts"
export * as RateLimiter from "./RateLimiter.ts"
export * as RequestBounds from "./RequestBounds.ts"
export * as ResourceRef from "./ResourceRef.ts"
export * as Settle from "./Settle.ts"
export * as Share from "./Share.ts"
export * as ShareStatus from "./ShareStatus.ts"
export * as SharingProvider from "./SharingProvider.ts"
export * as SimulatorKit from "./SimulatorKit.ts"
export * as Sync from "./Sync.ts"
export * as TokenSource from "./TokenSource.ts"
export * as Translation from "./Translation.ts"
export * as Warning from "./Warning.ts"
