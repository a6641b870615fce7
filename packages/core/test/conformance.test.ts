import { Grantee, MemoryProvider } from "@unishare/core"
import { Conformance } from "@unishare/core/testing"
import { Effect } from "effect"

const doc = { provider: "memory", kind: "doc", id: "d1" }
const grantees = [
  Grantee.user({ email: "ada@example.com" }),
  Grantee.group("finance"),
  Grantee.account("acct-1")
] as const

Conformance.run({
  name: "memory (synchronous)",
  setup: Effect.sync(() => ({
    provider: MemoryProvider.make({ resources: [doc] }),
    resource: doc,
    grantees,
    missingResource: { provider: "memory", kind: "doc", id: "missing" }
  }))
})

Conformance.run({
  name: "memory (asynchronous)",
  setup: Effect.sync(() => ({
    provider: MemoryProvider.make({ mode: "async", settleAfterReads: 3, resources: [doc] }),
    resource: doc,
    grantees,
    missingResource: { provider: "memory", kind: "doc", id: "missing" }
  }))
})

Conformance.run({
  name: "memory (single level, no replace)",
  setup: Effect.sync(() => ({
    provider: MemoryProvider.make({
      resources: [doc],
      capabilities: {
        levels: ["viewer"],
        readOnlyLevels: [],
        updateLevel: false,
        nativeReplace: false,
        granteeKinds: ["User", "Group", "Account"]
      }
    }),
    resource: doc,
    grantees
  }))
})
