/**
 * What `apply --dry-run` prints (`Workflow.applySummary` for `--json`, `Workflow.renderApply` for
 * text): a report of up to `Migration.dryRunListedUnits` dry-run units whole, exactly as pinned
 * here; past that, the operations of the first units only and how many more units there are
 * (`operationsOmitted`, "… and N more unit(s)"), with exact counts and every failure.
 */
import { describe, expect, it } from "@effect/vitest"
import { Workflow } from "@unishare/cli"
import { Errors, Grantee, Planner } from "@unishare/core"
import { Migration } from "@unishare/migration"

const grant = (email: string) =>
  Planner.GrantOp.make({ grantee: Grantee.user({ email }), level: "viewer", requested: "viewer", fidelity: "exact" })
const list = (id: string) => ({ provider: "eci", kind: "list", id })
const replace = (id: string): Migration.UnitResult => ({
  unit: `eci:list:${id}|replace`,
  resource: list(id),
  operations: 2,
  outcome: "dry-run",
  planned: [grant("ada@example.com"), grant("bob@example.com")]
})
const notFound = new Errors.NotFound({ provider: "eci", operation: "list", message: "list 3 does not exist" })
const small: ReadonlyArray<Migration.UnitResult> = [
  replace("1"),
  { unit: "smartsheet:sheet:9|create", resource: list("9"), operations: 0, outcome: "dry-run", planned: [] },
  { unit: "eci:list:2|replace", resource: list("2"), operations: 1, outcome: "already-applied" },
  { unit: "eci:list:3|replace", resource: list("3"), operations: 1, outcome: "failed", error: notFound }
]
const failureJson = {
  unit: "eci:list:3|replace",
  resource: "eci:list:3",
  error: { _tag: "NotFound", message: "list 3 does not exist", provider: "eci", operation: "list" }
}

describe("apply --dry-run output", () => {
  it("a small dry run: every unit's operations, no omitted count", () => {
    const report = Migration.applyReport({ id: "p1" }, true, small, undefined)
    expect(Workflow.applySummary(report, "plan.run.db")).toStrictEqual({
      command: "apply",
      ok: false,
      planId: "p1",
      dryRun: true,
      units: 4,
      applied: 0,
      alreadyApplied: 1,
      wouldApply: 2,
      failed: 1,
      notRun: 0,
      writes: 0,
      operations: [
        {
          unit: "eci:list:1|replace",
          resource: "eci:list:1",
          operations: [
            { operation: "Grant", grantee: "user:ada@example.com", level: "viewer" },
            { operation: "Grant", grantee: "user:bob@example.com", level: "viewer" }
          ]
        },
        { unit: "smartsheet:sheet:9|create", resource: "eci:list:9", create: true, operations: [] }
      ],
      created: [],
      failures: [failureJson]
    })
    expect(Workflow.renderApply(report, "plan.run.db")).toBe(
      [
        "Dry run of plan p1: 3 write(s) on 2 resource(s) would be sent, 1 unit(s) already applied (run store); nothing was written",
        "  eci:list:1:",
        "    Grant user:ada@example.com viewer",
        "    Grant user:bob@example.com viewer",
        "  create a eci:list:9 target (for smartsheet:sheet:9)",
        "  failed eci:list:3|replace: list 3 does not exist"
      ].join("\n")
    )
  })

  it("past Migration.dryRunListedUnits units: the first ones' operations, the rest counted, counts exact", () => {
    const many = Array.from({ length: Migration.dryRunListedUnits + 5 }, (_, i) => replace(String(100 + i)))
    const report = Migration.applyReport({ id: "p2" }, true, [...many, ...small.slice(2)], undefined)
    const summary = Workflow.applySummary(report, "plan.run.db")
    expect(summary).toMatchObject({
      units: Migration.dryRunListedUnits + 7,
      alreadyApplied: 1,
      wouldApply: Migration.dryRunListedUnits + 5,
      failed: 1,
      operationsOmitted: 5,
      failures: [failureJson]
    })
    expect(summary.operations?.map((o) => o.resource)).toEqual(
      many.slice(0, Migration.dryRunListedUnits).map((u) => `eci:list:${u.resource.id}`)
    )
    const lines = Workflow.renderApply(report, "plan.run.db").split("\n")
    expect(lines[0]).toBe(
      `Dry run of plan p2: ${2 * (Migration.dryRunListedUnits + 5)} write(s) on ${Migration.dryRunListedUnits + 5} resource(s) would be sent, 1 unit(s) already applied (run store); nothing was written`
    )
    expect(lines.filter((l) => l.endsWith(":") && l.startsWith("  eci:list:"))).toHaveLength(
      Migration.dryRunListedUnits
    )
    expect(lines.slice(-2)).toEqual([
      "  … and 5 more unit(s) (see the plan file)",
      "  failed eci:list:3|replace: list 3 does not exist"
    ])
  })
})
