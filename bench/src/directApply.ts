/**
 * The baseline of `pnpm bench:migration`'s engine figure: a plan file's units written without the
 * durable engine — no run store, no workflow, nothing recorded — with the very requests `apply`
 * sends (`Migration.unitsOf`, `Migration.writeUnit`), so that what `apply` costs beyond this is
 * what its engine costs. Run as a process of its own, measured like the command:
 * `node bench/src/directApply.ts <plan file> <concurrency>` with the target's credentials and base
 * URL in the environment (as `unishare` reads them); prints `{"units":n}`; exit 2 without a plan.
 *
 * The items stream from the file (`FileFormat.openPlan`), so memory stays flat at any size.
 */

import { ProviderNames, Providers } from "@unishare/cli"
import { FileFormat, Migration } from "@unishare/migration"
import { Effect, Stream } from "effect"

const [file, concurrencyText] = process.argv.slice(2)
const concurrency = Number(concurrencyText ?? 16)

const program = Effect.gen(function* () {
  const plan = yield* FileFormat.openPlan(file ?? "")
  const name = plan.targetProvider
  if (!ProviderNames.isProvider(name)) return yield* Effect.fail(`unknown target provider ${name}`)
  const target = yield* Providers.fromEnvironment(name)
  let units = 0
  yield* Stream.runDrain(
    Stream.mapEffect(
      plan.items,
      (item) =>
        Effect.forEach(Migration.unitsOf(item, target), (unit) =>
          Effect.map(Migration.writeUnit(plan, target, item.target, unit), () => {
            units++
          })
        ),
      { concurrency }
    )
  )
  return units
})

Effect.runPromise(Effect.result(program)).then((result) => {
  if (result._tag === "Success") {
    console.log(JSON.stringify({ units: result.success }))
    return
  }
  console.error(String(result.failure))
  process.exitCode = 2
})
