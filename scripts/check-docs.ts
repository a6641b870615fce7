/**
 * Checks that every export of every package's public modules has a JSDoc comment with an example
 * (`@example`). Run by `pnpm lint`; prints the offenders and exits non-zero when there are any.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"

const root = Path.resolve(import.meta.dirname, "..")
const packages = Path.join(root, "packages")
const offenders: Array<string> = []
let checked = 0

const exportLine =
  /^export\s+(?:declare\s+)?(?:async\s+)?(const|function|class|interface|type|abstract class)\s+([A-Za-z0-9_$]+)/

for (const pkg of Fs.readdirSync(packages)) {
  const src = Path.join(packages, pkg, "src")
  if (!Fs.existsSync(src)) continue
  const files = Fs.readdirSync(src, { recursive: true, encoding: "utf8" }).filter(
    (f) => f.endsWith(".ts") && !f.split(Path.sep).includes("internal")
  )
  for (const file of files) {
    const lines = Fs.readFileSync(Path.join(src, file), "utf8").split("\n")
    lines.forEach((line, i) => {
      const m = exportLine.exec(line)
      if (m === null) return
      checked++
      // walk back to the comment that ends right above the export
      let j = i - 1
      while (j >= 0 && lines[j]!.trim() === "") j--
      const end = lines[j]?.trim() ?? ""
      let doc = ""
      if (end.endsWith("*/")) {
        let k = j
        while (k >= 0 && !lines[k]!.includes("/**")) k--
        doc = lines.slice(Math.max(k, 0), j + 1).join("\n")
      }
      if (!doc.includes("/**") || !doc.includes("@example")) {
        offenders.push(`packages/${pkg}/src/${file}:${i + 1} ${m[2]} (${doc === "" ? "no JSDoc" : "no @example"})`)
      }
    })
  }
}

if (offenders.length > 0) {
  console.error(`${offenders.length} of ${checked} exports lack a JSDoc example:\n${offenders.join("\n")}`)
  process.exit(1)
}
console.log(`docs: all ${checked} exports have a JSDoc example`)
