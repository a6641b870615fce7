import { Conformance } from "@unishare/core/testing"
import { conformanceSetup } from "./support.ts"

Conformance.run({ name: "cloudflare (simulator, transitions after 1 read)", setup: conformanceSetup })
