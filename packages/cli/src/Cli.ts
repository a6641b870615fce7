/**
 * Runs the `unishare` command line: parses the arguments, runs the command and turns every outcome
 * into an exit code (see `ExitCode`). With `--json`, parse errors are one JSON document on stdout too.
 *
 * @since 0.1.0
 */
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect, Layer } from "effect"
import { CliError, CliOutput, Command } from "effect/cli"
import * as Commands from "./Commands.ts"
import * as ExitCode from "./ExitCode.ts"
import * as Output from "./Output.ts"

/**
 * The version printed by `--version`.
 *
 * @example
 * ```ts
 * import { Cli } from "@unishare/cli"
 * Cli.version // "0.1.0"
 * ```
 */
export const version = "0.1.0"

/**
 * Help goes to stdout only when asked for; invalid invocations go to stderr (stdout stays
 * JSON-clean): the error first and a pointer to `--help`, not the whole help page.
 */
const presenter = (asJson: boolean, args: ReadonlyArray<string>) =>
  CliOutput.layerPresenter({
    present: (event) =>
      event._tag === "InvalidInvocation" || (event._tag === "Help" && event.reason === "Implicit")
        ? Effect.gen(function* () {
            const formatter = yield* CliOutput.Formatter
            const errors = event._tag === "InvalidInvocation" ? event.errors : []
            if (errors.length > 0) {
              yield* Output.note(formatter.formatErrors(errors))
              const command = args.find((a) => (Commands.names as ReadonlyArray<string>).includes(a))
              yield* Output.note(`Run "unishare${command !== undefined ? ` ${command}` : ""} --help" for usage.`)
            } else if (!asJson) yield* Output.note(formatter.formatHelpDoc(event.helpDoc))
          })
        : CliOutput.defaultPresenter.present(event)
  })

const usageJson = (error: CliError.CliError) => {
  const errors = error._tag === "ShowHelp" ? error.errors : [error]
  return {
    ok: false,
    error: {
      _tag: "UsageError",
      exitCode: ExitCode.codes.invalid,
      message: errors.length > 0 ? errors.map((e) => e.message).join("; ") : "a command is required",
      issues: errors.map((e) => ({
        path:
          "option" in e && typeof e.option === "string"
            ? e.option.startsWith("-")
              ? e.option
              : `--${e.option}`
            : "argument" in e && typeof e.argument === "string"
              ? e.argument
              : "subcommand" in e && typeof e.subcommand === "string"
                ? e.subcommand
                : "command",
        message: e.message
      }))
    }
  }
}

/**
 * Runs the command line on `args` (without the node and script paths) and returns the exit code.
 * Never fails: errors are reported on stderr (and stdout with `--json`).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Cli } from "@unishare/cli"
 * const code = Effect.runPromise(Cli.run(["--help"]))
 * ```
 */
export const run = (args: ReadonlyArray<string>): Effect.Effect<number> => {
  const asJson = args.includes("--json")
  return Command.runWith(Commands.root, { version, renderErrors: !asJson })(args).pipe(
    Effect.as<number>(ExitCode.codes.ok),
    Effect.catch((e: unknown) => {
      if (e instanceof Output.Exit) return Effect.succeed(e.code)
      if (CliError.isCliError(e)) {
        return Effect.as(
          asJson
            ? Effect.andThen(
                Output.document(JSON.stringify(usageJson(e), null, 2)),
                Output.note(usageJson(e).error.message)
              )
            : Effect.void,
          ExitCode.codes.invalid
        )
      }
      return Effect.as(Output.note(`internal error: ${String(e)}`), ExitCode.codes.internal)
    }),
    Effect.catchDefect((defect) =>
      Effect.as(Output.note(`internal error: ${String(defect)}`), ExitCode.codes.internal)
    ),
    Effect.provide(Layer.mergeAll(NodeServices.layer, presenter(asJson, args)))
  )
}
