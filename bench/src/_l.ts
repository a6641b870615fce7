import { listing } from "./listing.ts"
import { print } from "./harness.ts"
const s = listing({ n: 10_000, rounds: 3 })
print([{ name: s.name, rows: await s.run() }])
