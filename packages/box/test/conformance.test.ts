/**
 * The core conformance kit against the simulator: an empty folder of the owner, granted to two
 * enterprise users (accepted at once) and a managed group, twice: with Box's expiry setting off
 * (its default) and the provider told so (`collaborationExpiry: false`), where the kit checks that
 * an expiry is refused before any write, or dropped only when asked; and with the setting on, where
 * it checks that an expiry is kept, listed and changed, and that its removal is refused (Box
 * cannot remove one: `expiryRemovable: false`). Every answer the simulator gives decodes with the
 * package's Wire schemas.
 */
import { randomUUID } from "node:crypto"
import { Grantee } from "@unishare/core"
import { Conformance } from "@unishare/core/testing"
import { Effect, Redacted } from "effect"
import * as Client from "../src/Client.ts"
import { folder } from "../src/index.ts"
import * as Provider from "../src/Provider.ts"
import * as Simulator from "../src/Simulator.ts"
import { type Answer, assertAnswersDecode, recording } from "./providerSupport.ts"

const setup = (expiries: boolean) =>
  Effect.gen(function* () {
    const token = `box-conformance-${randomUUID()}`
    const sim = yield* Simulator.serve({
      seed: {
        users: [
          { id: "1001", login: "owner@example.com", name: "Olivia Owner" },
          { id: "1002", login: "ada@example.com", name: "Ada Lovelace" },
          { id: "1003", login: "grace@example.com", name: "Grace Hopper" }
        ],
        groups: [{ id: "2001", name: "Finance", members: ["1002"] }],
        tokens: [{ token, user: "1001" }],
        folders: [{ id: "3001", name: "Conformance", owner: "1001" }],
        ...(expiries ? { settings: { collaborationExpiry: { enabledAt: "2020-01-01T00:00:00Z" } } } : {})
      }
    })
    // every answer of every conformance test decodes with the Wire schemas (checked at scope close)
    const answers: Array<Answer> = []
    yield* Effect.addFinalizer(() => Effect.sync(() => assertAnswersDecode(answers)))
    const client = yield* Client.make({ token: Redacted.make(token), baseUrl: sim.url }).pipe(
      Effect.provide(recording(answers)),
      Effect.orDie
    )
    return {
      provider: Provider.fromClient(client, { collaborationExpiry: expiries }),
      resource: folder("3001"),
      grantees: [
        Grantee.user({ email: "ada@example.com" }),
        Grantee.user({ id: "1003" }),
        Grantee.group("2001", "Finance")
      ] as const,
      missingResource: folder("3999"),
      unknownShareId: "9999999999"
    }
  })

Conformance.run({ name: "box folder (expiries off)", setup: setup(false) })
Conformance.run({ name: "box folder (expiries on)", setup: setup(true) })
