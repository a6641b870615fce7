#!/usr/bin/env node
/**
 * The `unishare` executable: runs the command line on Node's runtime and exits with its code
 * (after stdout and stderr are flushed, so piped JSON is never cut short).
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Effect, Exit, Logger } from "effect"
import * as Cli from "./Cli.ts"
import { codes } from "./ExitCode.ts"

// `pnpm unishare …` runs from the workspace root: resolve relative paths against the caller's directory
if (process.env.npm_lifecycle_event === "unishare" && process.env.INIT_CWD !== undefined)
  process.chdir(process.env.INIT_CWD)

// every log line (ours, Effect's, the cluster's) goes to stderr at every level: stdout is the
// command's output alone (with --json, exactly one JSON document)
NodeRuntime.runMain(Cli.run(process.argv.slice(2)).pipe(Effect.provideService(Logger.LogToStderr, true)), {
  disableErrorReporting: true,
  teardown: (exit, onExit) => {
    const code = Exit.isSuccess(exit)
      ? (exit.value as number)
      : Cause.hasInterruptsOnly(exit.cause)
        ? codes.interrupted
        : codes.internal
    process.exitCode = code
    process.stdout.write("", () => process.stderr.write("", () => onExit(code)))
  }
})
