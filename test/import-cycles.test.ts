/**
 * No package's modules import each other in a circle: every relative import of every `.ts` file
 * under `packages/<name>/src/` (static, `import type`, `export … from`, dynamic `import()` and
 * `import("…")` types alike) is an edge of one graph, and the test fails on any cycle in it,
 * listing the cycle each back edge of a depth-first search closes (`a.ts → b.ts → a.ts`: at least
 * one per tangle of modules; with it fixed, a run shows the next). A cycle, even of types only,
 * means two modules that cannot be read, split or loaded one without the other.
 *
 * Why by hand: neither `madge` nor `dpdm` is a dependency of the workspace, and the graph is small
 * enough for a depth-first search. The imports are read with the TypeScript compiler's parser (a
 * devDependency already), so comments and the JSDoc examples are not code, and imports spread over
 * several lines are read whole.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import ts from "typescript"
import { describe, expect, it } from "vitest"

const root = Path.resolve(import.meta.dirname, "..")
const packages = Path.join(root, "packages")

/**
 * Cycles that are known and not yet fixed, each as `a.ts → b.ts → a.ts` (paths from the repository
 * root, starting at the module that sorts first). Empty: there is none.
 */
const knownCycles: ReadonlyArray<string> = []

/** The relative module specifiers a module's source text imports, in any form. */
const specifiersIn = (text: string): Array<string> => {
  const source = ts.createSourceFile("module.ts", text, ts.ScriptTarget.Latest, false)
  const found: Array<string> = []
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text)
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push(node.moduleReference.expression.text)
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0].text)
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      found.push(node.argument.literal.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found.filter((s) => s.startsWith("./") || s.startsWith("../"))
}

/** The file a relative specifier names (`./X.ts`, `./X.js`, `./X` or `./X/index.ts`), if it exists. */
const resolve = (from: string, specifier: string): string | undefined => {
  const base = Path.resolve(Path.dirname(from), specifier)
  const candidates = [base, base.replace(/\.js$/, ".ts"), `${base}.ts`, Path.join(base, "index.ts")]
  return candidates.find((c) => c.endsWith(".ts") && Fs.existsSync(c) && Fs.statSync(c).isFile())
}

/** Every source file of every package, with the source files it imports. */
const graph = (): Map<string, ReadonlyArray<string>> => {
  const edges = new Map<string, ReadonlyArray<string>>()
  for (const pkg of Fs.readdirSync(packages).sort()) {
    const src = Path.join(packages, pkg, "src")
    if (!Fs.existsSync(src)) continue
    const files = Fs.readdirSync(src, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .sort()
    for (const f of files) {
      const file = Path.join(src, f)
      const targets = specifiersIn(Fs.readFileSync(file, "utf8")).flatMap((s) => resolve(file, s) ?? [])
      edges.set(file, [...new Set(targets)].sort())
    }
  }
  return edges
}

/**
 * The cycles of the graph: a depth-first search that reports each back edge as the cycle it
 * closes, rotated to start at its smallest path so that the same cycle reads the same way.
 */
const cyclesOf = (edges: ReadonlyMap<string, ReadonlyArray<string>>): Array<string> => {
  const state = new Map<string, "open" | "done">()
  const stack: Array<string> = []
  const cycles = new Set<string>()
  const name = (file: string) => Path.relative(root, file).split(Path.sep).join("/")
  const visit = (file: string): void => {
    state.set(file, "open")
    stack.push(file)
    for (const next of edges.get(file) ?? []) {
      const seen = state.get(next)
      if (seen === "open") {
        const cycle = stack.slice(stack.indexOf(next)).map(name)
        const first = cycle.indexOf([...cycle].sort()[0]!)
        const rotated = [...cycle.slice(first), ...cycle.slice(0, first)]
        cycles.add([...rotated, rotated[0]].join(" → "))
      } else if (seen === undefined) visit(next)
    }
    stack.pop()
    state.set(file, "done")
  }
  for (const file of edges.keys()) if (!state.has(file)) visit(file)
  return [...cycles].sort()
}

describe("import cycles", () => {
  const edges = graph()

  it("reads every form of relative import, and nothing in comments", () => {
    const text = [
      "/**",
      " * @example",
      " * ```ts",
      ' * import { Example } from "./InDocComment.ts"',
      " * ```",
      " */",
      'import * as Static from "./Static.ts"',
      'import type { OnlyType } from "./OnlyType.ts"',
      "import {",
      "  type Spread,",
      "  OverLines",
      '} from "./OverLines.ts"',
      'import "./SideEffect.ts"',
      'export { Again } from "./ReExport.ts"',
      'export type * as Types from "./ReExportType.ts"',
      'import * as Package from "effect"',
      '// import { Commented } from "./Commented.ts"',
      'const lazily = () => import("./Dynamic.ts")',
      'type Inline = import("./TypeQuery.ts").T'
    ].join("\n")
    expect(specifiersIn(text)).toEqual([
      "./Static.ts",
      "./OnlyType.ts",
      "./OverLines.ts",
      "./SideEffect.ts",
      "./ReExport.ts",
      "./ReExportType.ts",
      "./Dynamic.ts",
      "./TypeQuery.ts"
    ])
  })

  it("reads the packages' sources", () => {
    expect(edges.size).toBeGreaterThan(50)
    const file = (p: string) => Path.join(packages, ...p.split("/"))
    expect(edges.get(file("cli/src/Cli.ts"))).toContain(file("cli/src/Commands.ts"))
  })

  it("finds a cycle when there is one", () => {
    const a = Path.join(root, "a.ts")
    const b = Path.join(root, "b.ts")
    const c = Path.join(root, "c.ts")
    expect(
      cyclesOf(
        new Map([
          [b, [c]],
          [c, [a]],
          [a, [b]]
        ])
      )
    ).toEqual(["a.ts → b.ts → c.ts → a.ts"])
    expect(cyclesOf(new Map([[a, [a]]]))).toEqual(["a.ts → a.ts"])
    expect(
      cyclesOf(
        new Map([
          [a, [b, c]],
          [b, [c]]
        ])
      )
    ).toEqual([])
  })

  it("no module of a package imports itself through others (import type included)", () => {
    const cycles = cyclesOf(edges)
    expect(cycles.filter((c) => !knownCycles.includes(c))).toEqual([])
    // a known cycle that is gone is taken off the list
    expect(knownCycles.filter((c) => !cycles.includes(c))).toEqual([])
  })
})
