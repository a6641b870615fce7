/**
 * @unishare/cli — the `unishare` command: export, plan, apply, verify, sync, simulate and demo.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Cli } from "@unishare/cli"
 * Effect.runPromise(Cli.run(["--help"]))
 * ```
 * @since 0.1.0
 */
export * as Cli from "./Cli.ts"
export * as Commands from "./Commands.ts"
export * as Demo from "./Demo.ts"
export * as DemoData from "./DemoData.ts"
export * as ExitCode from "./ExitCode.ts"
export * as Files from "./Files.ts"
export * as Handlers from "./Handlers.ts"
export * as HtmlReport from "./HtmlReport.ts"
export * as HttpLog from "./HttpLog.ts"
export * as Notation from "./Notation.ts"
export * as Output from "./Output.ts"
export * as Progress from "./Progress.ts"
export * as ProviderNames from "./ProviderNames.ts"
export * as Providers from "./Providers.ts"
export * as RunStore from "./RunStore.ts"
export * as Simulate from "./Simulate.ts"
export * as Workflow from "./Workflow.ts"
