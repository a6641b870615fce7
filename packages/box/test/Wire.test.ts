/**
 * The Wire schemas agree with Box's documentation. The documented fields are written here as
 * facts (from Box's OpenAPI description of the collaboration endpoints): names, types, which are
 * nullable, which are required, and enum values. Each schema must declare exactly those fields,
 * accept every documented value, refuse wrong types, accept `null` exactly where documented (plus
 * the tolerances listed below with their reasons) and ignore unknown fields.
 */
import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as Wire from "../src/Wire.ts"

type Kind =
  | { readonly kind: "string" }
  | { readonly kind: "date-time" }
  | { readonly kind: "integer" }
  | { readonly kind: "boolean" }
  | { readonly kind: "enum"; readonly values: ReadonlyArray<string> }
  | { readonly kind: "object"; readonly sample: unknown; readonly wrong: unknown }
  | { readonly kind: "array"; readonly sample: unknown }

interface Fact {
  readonly type: Kind
  readonly nullable?: boolean
  readonly required?: boolean
}

const roles = [
  "editor",
  "viewer",
  "previewer",
  "uploader",
  "previewer uploader",
  "viewer uploader",
  "co-owner",
  "owner"
]
const userCollaborations = { type: "user", id: "33", name: "Ada", login: "ada@example.com", is_active: true }

/** Box's `Collaboration` (required: id, type). */
const collaboration: Readonly<Record<string, Fact>> = {
  id: { type: { kind: "string" }, required: true },
  type: { type: { kind: "enum", values: ["collaboration"] }, required: true },
  item: {
    type: { kind: "object", sample: { type: "folder", id: "11446498", name: "Contracts", etag: "1" }, wrong: "folder" },
    nullable: true
  },
  app_item: {
    type: { kind: "object", sample: { type: "app_item", id: "12345", application_type: "hubs" }, wrong: 1 },
    nullable: true
  },
  accessible_by: { type: { kind: "object", sample: userCollaborations, wrong: "user" } },
  invite_email: { type: { kind: "string" }, nullable: true },
  role: { type: { kind: "enum", values: roles } },
  expires_at: { type: { kind: "date-time" }, nullable: true },
  is_access_only: { type: { kind: "boolean" } },
  status: { type: { kind: "enum", values: ["accepted", "pending", "rejected"] } },
  acknowledged_at: { type: { kind: "date-time" } },
  created_by: { type: { kind: "object", sample: userCollaborations, wrong: [] } },
  created_at: { type: { kind: "date-time" } },
  modified_at: { type: { kind: "date-time" } },
  acceptance_requirements_status: {
    type: {
      kind: "object",
      sample: {
        terms_of_service_requirement: {
          is_accepted: true,
          terms_of_service: { type: "terms_of_service", id: "11446498" }
        },
        strong_password_requirement: {
          enterprise_has_strong_password_required_for_external_users: true,
          user_has_strong_password: true
        },
        two_factor_authentication_requirement: {
          enterprise_has_two_factor_auth_enabled: true,
          user_has_two_factor_authentication_enabled: true
        }
      },
      wrong: true
    }
  }
}

/**
 * Where the schema accepts `null` although the field is not documented as nullable, and why.
 */
const toleratedNull: Readonly<Record<string, string>> = {
  accessible_by: "an invitation to an email without a Box account has no grantee (invite_email names it)",
  acknowledged_at: "a pending invitation has not been acknowledged"
}

/** `User--Collaborations` (required: id, type) and `Group--Mini` (required: id, type). */
const user: Readonly<Record<string, Fact>> = {
  id: { type: { kind: "string" }, required: true },
  type: { type: { kind: "enum", values: ["user"] }, required: true },
  name: { type: { kind: "string" } },
  login: { type: { kind: "string" } },
  is_active: { type: { kind: "boolean" } }
}
const group: Readonly<Record<string, Fact>> = {
  id: { type: { kind: "string" }, required: true },
  type: { type: { kind: "enum", values: ["group"] }, required: true },
  name: { type: { kind: "string" } },
  group_type: { type: { kind: "enum", values: ["managed_group", "all_users_group"] } }
}
/** `AppItem` (all three required). */
const appItem: Readonly<Record<string, Fact>> = {
  id: { type: { kind: "string" }, required: true },
  type: { type: { kind: "enum", values: ["app_item"] }, required: true },
  application_type: { type: { kind: "string" }, required: true }
}
/** `Collaborations` (marker paged) and `CollaborationsOffsetPaginated`. */
const markerList: Readonly<Record<string, Fact>> = {
  limit: { type: { kind: "integer" } },
  next_marker: { type: { kind: "string" }, nullable: true },
  prev_marker: { type: { kind: "string" }, nullable: true },
  entries: { type: { kind: "array", sample: [{ type: "collaboration", id: "1" }] }, required: true }
}
const offsetList: Readonly<Record<string, Fact>> = {
  total_count: { type: { kind: "integer" } },
  limit: { type: { kind: "integer" } },
  offset: { type: { kind: "integer" } },
  entries: { type: { kind: "array", sample: [{ type: "collaboration", id: "1" }] }, required: true }
}
/** `ClientError`. `code` is read as any string (see Wire's docs); its documented values are `Wire.errorCodes`. */
const clientError: Readonly<Record<string, Fact>> = {
  type: { type: { kind: "enum", values: ["error"] } },
  status: { type: { kind: "integer" } },
  code: { type: { kind: "string" } },
  message: { type: { kind: "string" } },
  context_info: {
    type: { kind: "object", sample: { errors: [{ reason: "invalid_parameter" }] }, wrong: "x" },
    nullable: true
  },
  help_url: { type: { kind: "string" } },
  request_id: { type: { kind: "string" } }
}
/** The create body (required: item, accessible_by, role; no owner) and the update body (nothing required). */
const createBody: Readonly<Record<string, Fact>> = {
  item: { type: { kind: "object", sample: { type: "file", id: "11446498" }, wrong: "file" }, required: true },
  accessible_by: { type: { kind: "object", sample: { type: "user", id: "23522323" }, wrong: 1 }, required: true },
  role: { type: { kind: "enum", values: roles.filter((r) => r !== "owner") }, required: true },
  is_access_only: { type: { kind: "boolean" } },
  can_view_path: { type: { kind: "boolean" } },
  expires_at: { type: { kind: "date-time" } }
}
const updateBody: Readonly<Record<string, Fact>> = {
  role: { type: { kind: "enum", values: roles } },
  status: { type: { kind: "enum", values: ["pending", "accepted", "rejected"] } },
  expires_at: { type: { kind: "date-time" } },
  can_view_path: { type: { kind: "boolean" } }
}

const sampleOf = (t: Kind): ReadonlyArray<unknown> => {
  switch (t.kind) {
    case "string":
      return ["11446498"]
    case "date-time":
      return ["2019-08-29T23:59:00-07:00", "2026-01-01T00:00:00Z"]
    case "integer":
      return [1000]
    case "boolean":
      return [true, false]
    case "enum":
      return t.values
    case "object":
    case "array":
      return [t.sample]
  }
}
const wrongOf = (t: Kind): ReadonlyArray<unknown> => {
  switch (t.kind) {
    case "string":
    case "date-time":
      return [42, true]
    case "integer":
      return ["1000", 1.5]
    case "boolean":
      return ["true", 1]
    case "enum":
      return ["not-documented", 1]
    case "object":
      return [t.wrong]
    case "array":
      return [{}]
  }
}

const check = (
  name: string,
  schema: Schema.Top & { readonly fields: Readonly<Record<string, unknown>>; readonly DecodingServices: never },
  facts: Readonly<Record<string, Fact>>,
  base: Record<string, unknown>,
  tolerated: Readonly<Record<string, string>> = {}
) => {
  const codec = schema as unknown as Schema.Codec<unknown>
  const is = Schema.is(codec)
  const decode = Schema.decodeUnknownSync(codec)
  assert.deepStrictEqual(Object.keys(schema.fields).sort(), Object.keys(facts).sort(), `${name}: the documented fields`)
  assert.isTrue(is(base), `${name}: the base value`)
  for (const [field, fact] of Object.entries(facts)) {
    const without = { ...base }
    delete without[field]
    assert.strictEqual(is(without), fact.required !== true, `${name}.${field}: required ${fact.required === true}`)
    for (const value of sampleOf(fact.type)) {
      const decoded = decode({ ...base, [field]: value }) as Record<string, unknown>
      assert.deepStrictEqual(decoded[field], value, `${name}.${field} = ${JSON.stringify(value)}`)
    }
    for (const value of wrongOf(fact.type)) {
      assert.isFalse(is({ ...base, [field]: value }), `${name}.${field} refuses ${JSON.stringify(value)}`)
    }
    const nullable = fact.nullable === true || field in tolerated
    assert.strictEqual(is({ ...base, [field]: null }), nullable, `${name}.${field}: null ${nullable}`)
  }
  // unknown fields are ignored
  const decoded = decode({ ...base, somethingNew: { x: 1 } }) as Record<string, unknown>
  assert.isFalse("somethingNew" in decoded, `${name}: unknown fields are dropped`)
}

describe("Wire agrees with the documented fields", () => {
  it("Collaboration", () => {
    check("Collaboration", Wire.Collaboration, collaboration, { id: "1", type: "collaboration" }, toleratedNull)
    for (const [field, reason] of Object.entries(toleratedNull)) {
      assert.isFalse(collaboration[field]?.nullable === true, `${field} is listed as tolerated: ${reason}`)
    }
    // the role and status enums are exactly the documented ones
    assert.deepStrictEqual([...Wire.Role.literals], roles)
    assert.deepStrictEqual([...Wire.Status.literals].sort(), ["accepted", "pending", "rejected"])
    // can_view_path is a request field only: not part of the object
    assert.isFalse("can_view_path" in Wire.Collaboration.fields)
  })

  it("the grantee, item and app item variants", () => {
    check("User--Collaborations", Wire.CollaborationUser, user, { type: "user", id: "1" })
    check("Group--Mini", Wire.GroupMini, group, { type: "group", id: "1" })
    check("AppItem", Wire.AppItem, appItem, { type: "app_item", id: "1", application_type: "hubs" })
    const decode = Schema.decodeUnknownSync(Wire.Collaboration)
    for (const type of ["file", "folder", "web_link"]) {
      assert.strictEqual(decode({ type: "collaboration", id: "1", item: { type, id: "2" } }).item?.type, type)
    }
    assert.throws(() => decode({ type: "collaboration", id: "1", item: { type: "hub", id: "2" } }))
    assert.throws(() => decode({ type: "collaboration", id: "1", accessible_by: { type: "enterprise", id: "2" } }))
  })

  it("the two list shapes and the error object", () => {
    check("Collaborations", Wire.Collaborations, markerList, { entries: [] })
    check("CollaborationsOffsetPaginated", Wire.CollaborationsOffsetPaginated, offsetList, { entries: [] })
    check("ClientError", Wire.ClientError, clientError, {})
    // codes are read even when garbled; the documented ones are listed
    assert.isTrue(Schema.is(Wire.ClientError)({ type: "error", status: 400, code: "---uest" }))
    for (const code of ["user_already_collaborator", "invalid_status", "rate_limit_exceeded", "not_found"]) {
      assert.include(Wire.errorCodes as ReadonlyArray<string>, code)
    }
  })

  it("the create and update bodies", () => {
    check("create body", Wire.CreateCollaborationRequest, createBody, {
      item: { type: "folder", id: "11446498" },
      accessible_by: { type: "user", login: "john@example.com" },
      role: "editor"
    })
    check("update body", Wire.UpdateCollaborationRequest, updateBody, { role: "viewer", status: "accepted" })
    assert.deepStrictEqual(
      [...Wire.CreateRole.literals],
      roles.filter((r) => r !== "owner")
    )
    assert.deepStrictEqual(Object.keys(Wire.CreateItem.fields).sort(), ["id", "type"])
    assert.deepStrictEqual(Object.keys(Wire.CreateAccessibleBy.fields).sort(), ["id", "login", "type"])
    assert.deepStrictEqual([...Wire.CreateItem.fields.type.literals], ["file", "folder"])
    assert.deepStrictEqual([...Wire.CreateAccessibleBy.fields.type.literals], ["user", "group"])
  })
})
