import { Grantee } from "@unishare/core"
import { Conformance } from "@unishare/core/testing"
import { Effect } from "effect"
import * as Eci from "../src/index.ts"
import { setup } from "./support.ts"

Conformance.run({
  name: "eci (EnergyCAP simulator)",
  setup: Effect.map(setup(), ({ provider }) => ({
    provider,
    resource: Eci.list(42),
    grantees: [Grantee.user({ id: "11" }), Grantee.user({ id: "12" }), Grantee.group("8")] as const,
    missingResource: Eci.list(4242),
    unknownShareId: "user:2000000000"
  }))
})
