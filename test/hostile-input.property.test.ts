/**
 * Property: whatever a caller passes — arbitrary JSON, `null`/`undefined`, hostile strings (lone
 * surrogates, dot segments, whitespace, separators, `NaN`, numbers beyond int32/int64, email lists)
 * in every position — every public entry point ends in success or a typed `SharingError`, never a
 * defect (a thrown `TypeError`/`URIError`, a die), and input it rejects as `InvalidInput` sends no
 * request (checked against each simulator's request log).
 *
 * Covered: each adapter's `make`, and `list`/`get`/`grant`/`update`/`revoke`/`replace` of the
 * provider it builds plus `Sync.sync` on it; and every method of the Promise facade
 * (`SharingClient.create` / `fromProvider` and all calls) on each adapter. The generated arguments
 * mix well-formed values (so calls reach the provider's deeper checks and sometimes succeed) with
 * hostile ones at every level. The test prints how many calls it made and how they ended.
 */

import * as Box from "@unishare/box"
import * as BoxSimulator from "@unishare/box/simulator"
import * as Cloudflare from "@unishare/cloudflare"
import * as CloudflareSimulator from "@unishare/cloudflare/simulator"
import { Errors, type SharingProvider, Sync } from "@unishare/core"
import { SharingClient } from "@unishare/core/promise"
import * as Eci from "@unishare/eci"
import * as EciSimulator from "@unishare/eci/simulator"
import * as GoogleDrive from "@unishare/google-drive"
import * as GoogleDriveSimulator from "@unishare/google-drive/simulator"
import * as Smartsheet from "@unishare/smartsheet"
import * as SmartsheetSimulator from "@unishare/smartsheet/simulator"
import { Cause, Effect, Exit, Redacted, Scope, Stream } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

// ------------------------------------------------------------------------------------------------
// hostile values

const loneSurrogates = ["\uD800", "\uDBFF", "\uDC00", "\uDFFF", "a\uD800b", "\uDC00\uD800", "x\uDBFF"]
const hostileStrings = [
  ...loneSurrogates,
  "",
  " ",
  "\t",
  "\n",
  "\u0000",
  ".",
  "..",
  "../",
  "../..",
  "./x",
  "a/b",
  "%2e%2e",
  "?x=1",
  "#",
  "\\",
  "NaN",
  "Infinity",
  "-1",
  "0",
  "1e3",
  "1.5",
  " 42",
  "42 ",
  "2147483648",
  "9223372036854775808",
  "99999999999999999999999",
  "notanemail",
  "a@b.c,d@e.f",
  "a@b.c;d@e.f",
  "Ada <ada@example.com>",
  "ada@example.com\uD800",
  "user:NaN",
  "group:-1",
  "everyone ",
  "user:1\n",
  "toString",
  "__proto__",
  "constructor"
]
const hostileNumbers = [Number.NaN, Infinity, -Infinity, -0, -1, 0, 1.5, 2 ** 31, 2 ** 53 + 2, 1e308, Number.MIN_VALUE]

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...hostileStrings),
  fc.constantFrom(...hostileNumbers),
  fc.string({ unit: "binary", maxLength: 6 })
)
const anything: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  hostile,
  fc.constantFrom(null, undefined, {}, [], true, { length: 0 }),
  fc.anything({ maxDepth: 1 })
)
const maybe = <A>(valid: ReadonlyArray<A>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...valid) },
    { weight: 1, arbitrary: hostile },
    { weight: 1, arbitrary: anything }
  )

// ------------------------------------------------------------------------------------------------
// targets: one simulator, one provider per adapter

interface Target {
  readonly name: string
  readonly provider: SharingProvider.Shape
  readonly requests: () => number
  readonly make: (config: unknown) => Effect.Effect<SharingProvider.Shape, Errors.SharingError, HttpClient.HttpClient>
  readonly validConfig: unknown
  readonly kinds: ReadonlyArray<string>
  readonly resourceIds: ReadonlyArray<string>
  readonly parents: ReadonlyArray<string>
  readonly shareIds: ReadonlyArray<string>
  readonly granteeIds: ReadonlyArray<string>
  readonly emails: ReadonlyArray<string>
}

const targets: Array<Target> = []
let scope: Scope.Closeable

const CF = { owner: "023e105f4ecef8ad9ca31a8372d0c353", r1: "1b2c3d4e5f60718293a4b5c6d7e8f901" }

beforeAll(async () => {
  scope = await Effect.runPromise(Scope.make())
  const inScope = <A, E>(effect: Effect.Effect<A, E, Scope.Scope | HttpClient.HttpClient>) =>
    Effect.runPromise(effect.pipe(Scope.provide(scope), Effect.provide(FetchHttpClient.layer)))

  const cf = await inScope(
    CloudflareSimulator.serve({
      seed: CloudflareSimulator.demoSeed,
      rateLimit: false,
      transitions: { mode: "reads", reads: 1 }
    })
  )
  const cfConfig: Cloudflare.Provider.Config = {
    credentials: Cloudflare.Client.apiToken(Redacted.make(CloudflareSimulator.demoCredentials.apiToken)),
    baseUrl: cf.url,
    retry: { times: 0 },
    rateLimit: false
  }
  const cfShare = cf.state().shares[0]!
  targets.push({
    name: "cloudflare",
    provider: await inScope(Cloudflare.make(cfConfig)),
    requests: () => cf.log().length,
    make: (c) => Cloudflare.make(c as never),
    validConfig: cfConfig,
    kinds: ["share"],
    resourceIds: cf.state().shares.map((s) => s.share.id),
    parents: [CF.owner],
    shareIds: cfShare.recipients.map((r) => r.id),
    granteeIds: [CF.r1, "2c3d4e5f60718293a4b5c6d7e8f90112", "4ae96b85c43850f2c0a7b9101a0eeb18"],
    emails: []
  })

  const ss = await inScope(SmartsheetSimulator.serve({ seed: SmartsheetSimulator.demoSeed, rateLimit: false }))
  ss.addToken({ token: "ss-property-token", user: "owner@example.com" })
  const ssConfig: Smartsheet.SmartsheetConfig = {
    token: Redacted.make("ss-property-token"),
    baseUrl: ss.url,
    retry: { times: 0 },
    rateLimit: { requests: 1_000_000, windowMillis: 60_000 }
  }
  targets.push({
    name: "smartsheet",
    provider: await inScope(Smartsheet.make(ssConfig)),
    requests: () => ss.log().length,
    make: (c) => Smartsheet.make(c as never),
    validConfig: ssConfig,
    kinds: ["sheet", "report", "sight", "workspace", "collection", "file"],
    resourceIds: ["4000000000000001", "4000000000000004", "3000000000000001"],
    parents: [],
    shareIds: ss.shares("sheet", "4000000000000004").map((s) => s.id),
    granteeIds: ["2000000000000001", "2000000000000002", "1000000000000003"],
    emails: ["grace@example.com", "linus@example.com"]
  })

  const eci = await inScope(EciSimulator.serve({ seed: EciSimulator.demoSeed }))
  const eciConfig: Eci.Config = {
    apiKey: Redacted.make(EciSimulator.demoCredentials.admin),
    baseUrl: eci.url,
    retry: { times: 0 }
  }
  targets.push({
    name: "eci",
    provider: await inScope(Eci.make(eciConfig)),
    requests: () => eci.log().length,
    make: (c) => Eci.make(c as never),
    validConfig: eciConfig,
    kinds: ["list"],
    resourceIds: ["1001", "1002", "1004"],
    parents: [],
    shareIds: ["group:10", "user:2", "everyone"],
    granteeIds: ["2", "3", "10", "11"],
    emails: ["grace.hopper@energy.example"]
  })
  await addGoogleDrive(inScope)
  await addBox(inScope)
})

/** Adds the Google Drive target (its simulator's demo data: a My Drive folder and a shared drive). */
const addGoogleDrive = async (
  inScope: <A, E>(effect: Effect.Effect<A, E, Scope.Scope | HttpClient.HttpClient>) => Promise<A>
) => {
  const drive = await inScope(GoogleDriveSimulator.serve({ seed: GoogleDriveSimulator.demoSeed }))
  const ids = GoogleDriveSimulator.demoIds
  const driveConfig: GoogleDrive.Provider.Config = {
    credentials: Redacted.make(GoogleDriveSimulator.demoCredentials.owner),
    baseUrl: drive.url,
    retry: { times: 0 }
  }
  targets.push({
    name: "google-drive",
    provider: await inScope(GoogleDrive.make(driveConfig)),
    requests: () => drive.log().length,
    make: (c) => GoogleDrive.make(c as never),
    validConfig: driveConfig,
    kinds: ["file", "drive"],
    resourceIds: [ids.projects, ids.plan, ids.financeDrive, ids.reports],
    parents: [],
    shareIds: ["10000000000000000002", "anyoneWithLink", "01234567890123456789"],
    granteeIds: ["ada@example.com", "finance@example.com", "10000000000000000003"],
    emails: ["grace@example.com", "ada@example.com", "partner@partner.example"]
  })
}

/** Adds the Box target (its simulator's demo data: folders, a file, groups, a pending invitation). */
const addBox = async (
  inScope: <A, E>(effect: Effect.Effect<A, E, Scope.Scope | HttpClient.HttpClient>) => Promise<A>
) => {
  const sim = await inScope(BoxSimulator.serve({ seed: BoxSimulator.demoSeed }))
  const boxConfig: Box.Provider.Config = {
    token: Redacted.make(BoxSimulator.demoCredentials.owner),
    baseUrl: sim.url,
    retry: { times: 0 },
    everyoneGroupId: "2002"
  }
  targets.push({
    name: "box",
    provider: await inScope(Box.make(boxConfig)),
    requests: () => sim.log().length,
    make: (c) => Box.make(c as never),
    validConfig: boxConfig,
    kinds: ["folder", "file"],
    resourceIds: ["3001", "3002", "3003", "4001", "4002"],
    parents: [],
    shareIds: ["5001", "5002", "5003", "5005"],
    granteeIds: ["1002", "1003", "2001", "2002"],
    emails: ["ada@example.com", "erin@partner.example", "someone@else.example"]
  })
}

afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
})

// ------------------------------------------------------------------------------------------------
// argument generators per target

const levels = ["viewer", "commenter", "editor", "sharer", "admin", "owner"] as const
const tags = ["User", "Group", "Account", "Organization", "Everyone", "Domain", "Anyone"] as const
const instants = [
  "2027-03-01T00:00:00Z",
  "2020-01-01T00:00:00Z",
  "2099-12-31T23:59:59.999+02:00",
  "tomorrow",
  "2027-13-01T00:00:00Z"
]
const roles = fc.oneof(
  anything,
  fc.record(
    { name: maybe(["uploader", "fileOrganizer", "viewer uploader", ""]), floor: maybe(levels) },
    { requiredKeys: ["name"] }
  )
)

const resourceOf = (t: Target) =>
  fc.oneof(
    { weight: 1, arbitrary: anything },
    {
      weight: 4,
      arbitrary: fc.record(
        {
          provider: maybe([t.name]),
          kind: maybe(t.kinds),
          id: maybe(t.resourceIds),
          parent: t.parents.length > 0 ? maybe(t.parents) : hostile
        },
        { requiredKeys: t.parents.length > 0 ? ["provider", "kind", "id", "parent"] : ["provider", "kind", "id"] }
      )
    }
  )
const granteeOf = (t: Target) =>
  fc.oneof(
    { weight: 1, arbitrary: anything },
    {
      weight: 4,
      arbitrary: fc.record(
        {
          _tag: maybe(tags),
          id: maybe(t.granteeIds),
          email: t.emails.length > 0 ? maybe(t.emails) : hostile,
          name: anything,
          domain: maybe(["example.com", "EXAMPLE.com", "acme.example", "-bad.example"]),
          discoverable: maybe([true, false])
        },
        { requiredKeys: ["_tag"] }
      )
    }
  )
const translationOptions = fc.record(
  {
    onLossy: maybe(["fail", "round-down", "round-up"]),
    allowEveryone: maybe([true, false]),
    allowAnyone: maybe([true, false]),
    onExpiry: maybe(["fail", "drop"]),
    expiresAt: fc.oneof(maybe(instants), fc.constant(null)),
    providerRole: roles
  },
  { requiredKeys: [] }
)
const requestOf = (t: Target) =>
  fc.oneof(
    { weight: 1, arbitrary: anything },
    {
      weight: 4,
      arbitrary: fc.record(
        {
          grantee: granteeOf(t),
          level: maybe(levels),
          expiresAt: maybe(instants),
          providerRole: roles,
          onLossy: maybe(["fail", "round-down", "round-up"]),
          allowEveryone: maybe([true, false]),
          allowAnyone: maybe([true, false]),
          onExpiry: maybe(["fail", "drop"]),
          notify: fc.oneof(
            anything,
            fc.record({ subject: maybe(["Hello"]), ccMe: maybe([true]) }, { requiredKeys: [] })
          )
        },
        { requiredKeys: ["grantee", "level"] }
      )
    }
  )
const desiredOf = (t: Target) =>
  fc.oneof(
    { weight: 1, arbitrary: anything },
    {
      weight: 3,
      arbitrary: fc.array(
        fc.record(
          { grantee: granteeOf(t), level: maybe(levels), expiresAt: maybe(instants), providerRole: roles },
          { requiredKeys: ["grantee", "level"] }
        ),
        {
          maxLength: 3
        }
      )
    }
  )
const optionsOf = fc.oneof(
  fc.constant(undefined),
  anything,
  translationOptions,
  fc.record(
    {
      strategy: maybe(["auto", "operations", "replace"]),
      dryRun: maybe([true, false]),
      conflictRetries: maybe([0, 1]),
      onLossy: maybe(["fail", "round-down", "round-up"]),
      includeRevoked: maybe([true, false])
    },
    { requiredKeys: [] }
  )
)
const configOf = (t: Target) =>
  fc.oneof(
    anything,
    fc
      .record(
        {
          base: fc.constant(t.validConfig as Record<string, unknown>),
          token: fc.oneof(anything, fc.constant(Redacted.make(1 as never))),
          timeoutMillis: maybe([1_000]),
          retry: fc.oneof(anything, fc.record({ times: maybe([0]) }, { requiredKeys: [] })),
          region: maybe(["eu"]),
          environment: maybe(["app"])
        },
        { requiredKeys: ["base"] }
      )
      .map(({ base, ...over }) => ({ ...base, ...over }))
  )

// ------------------------------------------------------------------------------------------------
// outcome checks

const tally = { calls: 0, succeeded: 0, typed: 0, invalidInput: 0, requestsForInvalid: 0 }

/** Lookups that legitimately answer InvalidInput after a request (an email or principal that does not exist). */
const afterLookup = (e: Errors.InvalidInput) =>
  e.issues.some((i) => /does not exist|no EnergyCAP user has|users have the email/.test(i.message))

const record = (outcome: "success" | { readonly error: unknown }, before: number, after: number) => {
  tally.calls++
  if (outcome === "success") {
    tally.succeeded++
    return
  }
  const e = outcome.error
  if (!Errors.isSharingError(e))
    throw new Error(`untyped failure: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`)
  tally.typed++
  if (e._tag === "InvalidInput") {
    tally.invalidInput++
    if (after !== before && !afterLookup(e)) {
      tally.requestsForInvalid++
      throw new Error(`InvalidInput after ${after - before} request(s): ${e.message}`)
    }
  }
}

/** Runs one Effect-API call: a synchronous throw or any non-typed cause is a defect. */
const runEffect = async (t: Target, call: () => Effect.Effect<unknown, unknown, HttpClient.HttpClient>) => {
  const before = t.requests()
  let exit: Exit.Exit<unknown, unknown>
  try {
    exit = await Effect.runPromiseExit(call().pipe(Effect.provide(FetchHttpClient.layer)))
  } catch (thrown) {
    throw new Error(`threw instead of returning an Effect: ${String(thrown)}`)
  }
  if (Exit.isSuccess(exit)) return record("success", before, t.requests())
  const reasons = exit.cause.reasons
  const defect = reasons.find((r) => r._tag !== "Fail")
  if (defect !== undefined) throw new Error(`defect: ${Cause.pretty(exit.cause)}`)
  const failure = reasons[0]
  record({ error: failure?._tag === "Fail" ? failure.error : undefined }, before, t.requests())
}

/** Runs one Promise-facade call: it must resolve or reject with a typed error. */
const runPromise = async (t: Target, call: () => Promise<unknown>) => {
  const before = t.requests()
  let outcome: "success" | { readonly error: unknown }
  try {
    await call()
    outcome = "success"
  } catch (error) {
    outcome = { error }
  }
  record(outcome, before, t.requests())
}

const drain = async (iterable: AsyncIterable<unknown>) => {
  for await (const _ of iterable) void _
}

const runs = { numRuns: 100, endOnFailure: true } as const

// ------------------------------------------------------------------------------------------------

describe("hostile input never produces a defect, and rejected input sends no request", () => {
  for (const name of ["cloudflare", "smartsheet", "eci", "google-drive", "box"]) {
    const target = () => targets.find((t) => t.name === name)!

    it(`${name}: make / list / get / grant / update / revoke / replace and Sync.sync`, async () => {
      const t = target()
      const p = t.provider
      await fc.assert(
        fc.asyncProperty(configOf(t), async (config) => {
          // building sends nothing; bad configuration is InvalidInput
          await runEffect(t, () => t.make(config))
        }),
        runs
      )
      await fc.assert(
        fc.asyncProperty(resourceOf(t), optionsOf, async (r, o) => {
          await runEffect(t, () => Stream.runCollect(p.list(r as never, o as never)))
        }),
        runs
      )
      await fc.assert(
        fc.asyncProperty(resourceOf(t), maybe(t.shareIds), async (r, id) => {
          await runEffect(t, () => p.get(r as never, id as never))
          await runEffect(t, () => p.revoke(r as never, id as never))
        }),
        runs
      )
      await fc.assert(
        fc.asyncProperty(resourceOf(t), requestOf(t), async (r, request) => {
          await runEffect(t, () => p.grant(r as never, request as never))
        }),
        runs
      )
      await fc.assert(
        fc.asyncProperty(resourceOf(t), maybe(t.shareIds), maybe(levels), optionsOf, async (r, id, level, o) => {
          await runEffect(t, () => p.update(r as never, id as never, level as never, o as never))
        }),
        runs
      )
      await fc.assert(
        fc.asyncProperty(resourceOf(t), desiredOf(t), optionsOf, async (r, d, o) => {
          if (p.replace !== undefined) await runEffect(t, () => p.replace!(r as never, d as never, o as never))
          await runEffect(t, () => Sync.sync(p, r as never, d as never, o as never))
        }),
        runs
      )
    })

    it(`${name}: every method of the Promise facade`, async () => {
      const t = target()
      const client = SharingClient.fromProvider(t.provider)
      const built = SharingClient.create(t.make(t.validConfig))
      try {
        await fc.assert(
          fc.asyncProperty(
            resourceOf(t),
            maybe(t.shareIds),
            requestOf(t),
            maybe(levels),
            desiredOf(t),
            optionsOf,
            async (r, id, request, level, d, o) => {
              const c = id === "" ? built : client
              await runPromise(t, () => c.capabilities())
              await runPromise(t, () => c.list(r as never, o as never))
              await runPromise(t, () => drain(c.iterate(r as never, o as never)))
              await runPromise(t, () => c.get(r as never, id as never, o as never))
              await runPromise(t, () => c.grant(r as never, request as never, o as never))
              await runPromise(t, () => c.grantWithFidelity(r as never, request as never, o as never))
              await runPromise(t, () => c.update(r as never, id as never, level as never, o as never))
              await runPromise(t, () => c.revoke(r as never, id as never, o as never))
              await runPromise(t, () => c.sync(r as never, d as never, o as never))
              await runPromise(t, () => c.awaitSettled(r as never, id as never, o as never))
            }
          ),
          runs
        )
        await fc.assert(
          fc.asyncProperty(anything, resourceOf(t), async (notAProvider, r) => {
            for (const c of [
              SharingClient.create(notAProvider as never),
              SharingClient.fromProvider(notAProvider as never)
            ]) {
              await runPromise(t, () => c.list(r as never))
              await runPromise(t, () => c.capabilities())
              await c.close()
            }
          }),
          runs
        )
      } finally {
        await client.close()
        await built.close()
      }
    })
  }

  it("prints what the fuzzing did", () => {
    console.log(
      `hostile-input property: ${tally.calls} calls — ${tally.succeeded} succeeded, ${tally.typed} typed errors ` +
        `(${tally.invalidInput} InvalidInput, ${tally.requestsForInvalid} of them after a request), 0 defects`
    )
    expect(tally.requestsForInvalid).toBe(0)
  })
})
