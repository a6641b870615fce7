/**
 * Compiles every JSDoc example (```ts blocks) of the packages' sources, and every ```ts block of
 * the packages' READMEs, so a documented example
 * that no longer matches the code fails `pnpm typecheck`. Examples are written to
 * `test/.examples/` (ignored by git; inside the test workspace so `@unishare/*` resolve) and
 * type-checked with the repository's compiler settings.
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")
const out = Path.join(root, "test", ".examples")
Fs.rmSync(out, { recursive: true, force: true })
Fs.mkdirSync(out, { recursive: true })

let count = 0
const origins = new Map<string, string>()
for (const pkg of Fs.readdirSync(Path.join(root, "packages"))) {
  const src = Path.join(root, "packages", pkg, "src")
  if (!Fs.existsSync(src)) continue
  for (const file of Fs.readdirSync(src, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".ts")) continue
    const text = Fs.readFileSync(Path.join(src, file), "utf8")
    for (const doc of text.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
      const line = text.slice(0, doc.index).split("\n").length
      for (const block of (doc[1] ?? "").matchAll(/```ts\n([\s\S]*?)```/g)) {
        const code = (block[1] ?? "")
          .split("\n")
          .map((l) => l.replace(/^\s*\* ?/, ""))
          .join("\n")
        const name = `example${++count}.ts`
        origins.set(name, `packages/${pkg}/src/${file}:${line}`)
        Fs.writeFileSync(Path.join(out, name), `${code}\nexport {}\n`)
      }
    }
  }
}
// the examples of each package's README (what npm shows) compile too
for (const pkg of Fs.readdirSync(Path.join(root, "packages"))) {
  const readme = Path.join(root, "packages", pkg, "README.md")
  if (!Fs.existsSync(readme)) continue
  const text = Fs.readFileSync(readme, "utf8")
  for (const block of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const line = text.slice(0, block.index).split("\n").length
    const name = `example${++count}.ts`
    origins.set(name, `packages/${pkg}/README.md:${line}`)
    Fs.writeFileSync(Path.join(out, name), `${block[1] ?? ""}\nexport {}\n`)
  }
}
Fs.writeFileSync(
  Path.join(out, "tsconfig.json"),
  JSON.stringify({
    extends: "../../tsconfig.base.json",
    compilerOptions: { noEmit: true, noUnusedLocals: false },
    include: ["*.ts"]
  })
)
try {
  execFileSync(process.execPath, [Path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", out], {
    encoding: "utf8",
    stdio: "pipe"
  })
  console.log(`examples: all ${count} JSDoc and README examples compile`)
} catch (error) {
  const output = String((error as { stdout?: string }).stdout ?? error)
  console.error(
    output.replace(/(?:^|\n)(?:test\/\.examples\/)?(example\d+\.ts)/g, (m, name: string) =>
      m.replace(name, `${origins.get(name) ?? name} (${name})`)
    )
  )
  process.exit(1)
}
