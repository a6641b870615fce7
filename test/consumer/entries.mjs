// Shared by check.mjs and check.cjs (run inside the consumer project): the package specifiers to
// load — every explicit entry in the `exports` of every installed @unishare package.
import * as Fs from "node:fs"
import * as Path from "node:path"

export const entries = (projectDir) => {
  const manifest = JSON.parse(Fs.readFileSync(Path.join(projectDir, "package.json"), "utf8"))
  const names = Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith("@unishare/"))
  return names.flatMap((name) => {
    const installed = JSON.parse(Fs.readFileSync(Path.join(projectDir, "node_modules", name, "package.json"), "utf8"))
    return Object.entries(installed.exports ?? { ".": installed.main })
      .filter(([subpath, target]) => target !== null && !subpath.includes("*"))
      .map(([subpath]) => (subpath === "." ? name : `${name}/${subpath.slice(2)}`))
  })
}
