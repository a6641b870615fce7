/**
 * The wire schemas against the documented resource. The facts below are written from the research
 * notes' table of the `Permission` resource (§2, from the Drive v3 discovery document): every
 * field, its JSON type, whether it is output-only; they are not read from the OpenAPI extract. The
 * test checks that `Wire.Permission` declares exactly these fields, that each accepts its
 * documented type and refuses another, that request bodies hold only writable fields, and that the
 * `fields` selectors ask for every field the client decodes.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Client from "../src/Client.ts"
import * as Wire from "../src/Wire.ts"
import { fixture, ids } from "./support.ts"

type JsonType = "string" | "boolean" | "array"

interface Fact {
  readonly type: JsonType
  /** Output only ("out" in the notes' R/W column). */
  readonly readOnly: boolean
  readonly deprecated?: true
  /** Documented values, when the notes list a closed set. */
  readonly values?: ReadonlyArray<string>
  /** Items of an array field: its own fields and their types. */
  readonly items?: Readonly<Record<string, "string" | "boolean">>
}

/** The documented `Permission` fields (research notes §2). */
const documented: Readonly<Record<string, Fact>> = {
  kind: { type: "string", readOnly: true },
  id: { type: "string", readOnly: true },
  type: { type: "string", readOnly: false, values: ["user", "group", "domain", "anyone"] },
  role: { type: "string", readOnly: false },
  emailAddress: { type: "string", readOnly: false },
  domain: { type: "string", readOnly: false },
  displayName: { type: "string", readOnly: true },
  photoLink: { type: "string", readOnly: true },
  allowFileDiscovery: { type: "boolean", readOnly: false },
  expirationTime: { type: "string", readOnly: false },
  deleted: { type: "boolean", readOnly: true },
  pendingOwner: { type: "boolean", readOnly: false },
  permissionDetails: {
    type: "array",
    readOnly: true,
    items: { permissionType: "string", role: "string", inheritedFrom: "string", inherited: "boolean" }
  },
  teamDrivePermissionDetails: {
    type: "array",
    readOnly: true,
    deprecated: true,
    items: { teamDrivePermissionType: "string", role: "string", inheritedFrom: "string", inherited: "boolean" }
  },
  view: { type: "string", readOnly: true },
  inheritedPermissionsDisabled: { type: "boolean", readOnly: false }
}

/** The six documented roles (DISC, via the notes), and the PermissionList fields. */
const documentedRoles = ["owner", "organizer", "fileOrganizer", "writer", "commenter", "reader"]
const documentedList = { kind: "string", nextPageToken: "string", permissions: "array" } as const
/** What the notes say update changes, and the writable fields create takes. */
const documentedPatch = ["role", "expirationTime", "pendingOwner"]

const sample = { string: "x", boolean: true } as const
const wrong = { string: 1, boolean: "true" } as const
const minimal = { id: "p1", type: "user", role: "reader" }
const decodes = (u: unknown) => Option.isSome(Schema.decodeUnknownOption(Wire.Permission)(u))

describe("Wire.Permission agrees with the documented resource", () => {
  it("declares exactly the documented fields", () => {
    assert.deepStrictEqual(Object.keys(Wire.Permission.fields).sort(), Object.keys(documented).sort())
  })

  it("each field accepts its documented type and refuses another", () => {
    for (const [name, fact] of Object.entries(documented)) {
      if (fact.type === "array") {
        const item = Object.fromEntries(Object.entries(fact.items ?? {}).map(([k, t]) => [k, sample[t]]))
        assert.isTrue(decodes({ ...minimal, [name]: [item] }), `${name}: array of documented items`)
        assert.isFalse(decodes({ ...minimal, [name]: "not an array" }), `${name}: not an array`)
        for (const [k, t] of Object.entries(fact.items ?? {})) {
          assert.isFalse(decodes({ ...minimal, [name]: [{ ...item, [k]: wrong[t] }] }), `${name}[].${k}: wrong type`)
        }
        continue
      }
      const good = fact.values?.[1] ?? (name === "role" ? "writer" : sample[fact.type])
      assert.isTrue(decodes({ ...minimal, [name]: good }), `${name}: ${String(good)}`)
      assert.isFalse(decodes({ ...minimal, [name]: wrong[fact.type] }), `${name}: wrong type`)
    }
  })

  it("type is the documented closed set; role is open (DISC: more may be added), the six typed", () => {
    for (const value of documented.type?.values ?? []) assert.isTrue(decodes({ ...minimal, type: value }), value)
    assert.isFalse(decodes({ ...minimal, type: "robot" }))
    assert.deepStrictEqual([...Wire.roles], documentedRoles)
    assert.isTrue(decodes({ ...minimal, role: "contentManager" }))
    assert.isFalse(Wire.isKnownRole("contentManager"))
    assert.isFalse(decodes({ ...minimal, role: "" }))
  })

  it("the deprecated details, views and unknown fields are tolerated; id, type and role are required", () => {
    const full = Schema.decodeUnknownSync(Wire.Permission)({
      ...minimal,
      view: "metadata",
      permissionDetails: [{ permissionType: "somethingNew", role: "reader", inherited: false, futureFlag: 1 }],
      futureField: { nested: true }
    })
    assert.deepStrictEqual(full, {
      ...minimal,
      view: "metadata",
      permissionDetails: [{ permissionType: "somethingNew", role: "reader", inherited: false }]
    } as never)
    for (const key of ["id", "type", "role"]) {
      const { [key]: _, ...rest } = minimal as Record<string, string>
      assert.isFalse(decodes(rest), key)
    }
    // notes: `inherited` is always present in permissionDetails
    assert.isFalse(decodes({ ...minimal, permissionDetails: [{ permissionType: "file", role: "reader" }] }))
  })

  it("PermissionList: the documented fields; a body without permissions is an empty page", () => {
    assert.deepStrictEqual(Object.keys(Wire.PermissionList.fields).sort(), Object.keys(documentedList).sort())
    const page = Schema.decodeUnknownSync(Wire.PermissionList)({ kind: "drive#permissionList", nextPageToken: "t" })
    assert.deepStrictEqual(page, { kind: "drive#permissionList", nextPageToken: "t", permissions: [] })
  })

  it("request bodies hold only writable fields; create requires type and role", () => {
    const writable = Object.entries(documented)
      .filter(([, f]) => !f.readOnly)
      .map(([k]) => k)
    for (const field of Object.keys(Wire.CreatePermissionBody.fields)) assert.include(writable, field, field)
    assert.deepStrictEqual(Object.keys(Wire.UpdatePermissionBody.fields), documentedPatch)
    assert.isFalse(Schema.is(Wire.CreatePermissionBody)({ type: "user" }))
    assert.isFalse(Schema.is(Wire.CreatePermissionBody)({ role: "reader" }))
    assert.isFalse(Schema.is(Wire.CreatePermissionBody)({ type: "user", role: "contentManager" }))
  })

  it("the fields selectors ask for every decoded field but the deprecated one", () => {
    const asked = Wire.permissionSelector.split(",")
    const expected = Object.entries(documented)
      .filter(([, f]) => f.deprecated !== true)
      .map(([k]) => k)
    assert.deepStrictEqual([...asked].sort(), [...expected].sort())
    assert.strictEqual(Wire.listSelector, `kind,nextPageToken,permissions(${Wire.permissionSelector})`)
  })

  it("the error envelope: code and message required, everything else optional and open", () => {
    const e = Schema.decodeUnknownSync(Wire.ErrorBody)({
      error: {
        code: 400,
        message: "Bad Request",
        errors: [
          { domain: "global", reason: "badRequest", message: "Bad Request", location: "q", locationType: "parameter" }
        ],
        status: "INVALID_ARGUMENT",
        details: [{}]
      }
    })
    assert.strictEqual(e.error.errors?.[0]?.locationType, "parameter")
    assert.isFalse(Schema.is(Wire.ErrorBody)({ error: { message: "no code" } }))
  })
})

describe("the simulator serves what the schemas and selectors describe", () => {
  it.live(
    "every selector is accepted; an unknown field is 400 invalidParameter (so the client never asks for one)",
    () =>
      Effect.gen(function* () {
        const { sim, token, client } = yield* fixture()
        yield* client.listPermissionsPage(ids.budget)
        yield* client.getPermission(ids.budget, "anyoneWithLink")
        assert.isTrue(sim.log().every((r) => r.status === 200))
        const raw = (fields: string) =>
          Effect.promise(async () => {
            const res = await fetch(
              `${sim.url}/files/${ids.budget}/permissions?supportsAllDrives=true&fields=${encodeURIComponent(fields)}`,
              { headers: { authorization: `Bearer ${token}` } }
            )
            return { status: res.status, body: (await res.json()) as Record<string, unknown> }
          })
        const bad = yield* raw("permissions(id,notAField)")
        assert.strictEqual(bad.status, 400)
        assert.deepStrictEqual(
          (bad.body as { error: { errors: Array<{ reason: string }> } }).error.errors[0]?.reason,
          "invalidParameter"
        )
        const narrow = yield* raw("permissions(id,role)")
        assert.deepStrictEqual(Object.keys(narrow.body), ["permissions"])
        assert.deepStrictEqual(Object.keys((narrow.body.permissions as Array<object>)[0] ?? {}), ["id", "role"])
        // every answer the simulator gives decodes with the client's schema
        for (const p of sim.permissions(ids.q3)) assert.isTrue(Schema.is(Wire.Permission)(p))
        assert.strictEqual(Client.maxPageSize, 100)
      }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
