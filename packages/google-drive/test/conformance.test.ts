/**
 * The core conformance kit against the simulator: a folder in a shared drive (where every level of
 * a file, the fileOrganizer role and expiring user grants all exist). The drive's members are
 * inherited there: the kit takes them as the baseline. Every answer the simulator gives decodes
 * with the package's Wire schemas.
 */
import { randomUUID } from "node:crypto"
import { Grantee } from "@unishare/core"
import { Conformance } from "@unishare/core/testing"
import { Effect, Redacted } from "effect"
import * as Client from "../src/Client.ts"
import { file } from "../src/index.ts"
import * as Provider from "../src/Provider.ts"
import * as Simulator from "../src/Simulator.ts"
import { type Answer, assertAnswersDecode, recording } from "./providerSupport.ts"

const driveId = "0AConformanceDriveAA"
const folderId = "1ConformanceFolderAAAAAAAAAAAAAAAA"

const setup = Effect.gen(function* () {
  const token = `drive-conformance-${randomUUID()}`
  const sim = yield* Simulator.serve({
    seed: {
      users: [
        { email: "admin@example.com", name: "Drive Admin", organization: "example.com" },
        { email: "ada@example.com", name: "Ada Lovelace", organization: "example.com" },
        { email: "grace@example.com", name: "Grace Hopper", organization: "example.com" }
      ],
      groups: [{ email: "finance@example.com", name: "Finance" }],
      tokens: [{ token, user: "admin@example.com" }],
      drives: [
        {
          id: driveId,
          name: "Conformance",
          organization: "example.com",
          members: [{ email: "admin@example.com", role: "organizer" }]
        }
      ],
      files: [{ id: folderId, name: "Conformance folder", folder: true, drive: driveId }]
    }
  })
  // every answer of every conformance test decodes with the Wire schemas (checked at scope close)
  const answers: Array<Answer> = []
  yield* Effect.addFinalizer(() => Effect.sync(() => assertAnswersDecode(answers)))
  const client = yield* Client.make({ credentials: Redacted.make(token), baseUrl: sim.url }).pipe(
    Effect.provide(recording(answers)),
    Effect.orDie
  )
  return {
    provider: Provider.fromClient(client),
    resource: file(folderId),
    grantees: [
      Grantee.user({ email: "ada@example.com" }),
      Grantee.user({ email: "grace@example.com" }),
      Grantee.group("finance@example.com", "Finance")
    ] as const,
    missingResource: file("1MissingFolderZZZZZZZZZZZZZZZZZZZZZ")
  }
})

Conformance.run({ name: "google-drive folder in a shared drive", setup })
