/**
 * Hostile input at the core entry points: `Sync.sync`, `Granting.grant`, the provider guard, the
 * Promise facade and the shared id formats. Each case is bad input that used to be read as
 * something else (a non-array desired set as "no shares") or to throw a plain `TypeError`/`URIError`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Errors, Grantee, Granting, Ids, Input, MemoryProvider, Sync } from "@unishare/core"
import { Errors as PromiseErrors, SharingClient } from "@unishare/core/promise"
import { Effect, Exit, Schema, Stream } from "effect"
import fc from "fast-check"

const doc = { provider: "memory", kind: "doc", id: "d1" }
const seeded = () => {
  const memory = MemoryProvider.make({ resources: [doc] })
  return memory
}
const requests = (memory: ReturnType<typeof MemoryProvider.make>) => memory.control.reads() + memory.control.writes()

const paths = (e: unknown) => (e instanceof Errors.InvalidInput ? e.issues.map((i) => i.path) : [])

describe("Sync.sync refuses a desired set that is not an array", () => {
  for (const [label, desired] of [
    ["an object", {}],
    ["null", null],
    ["undefined", undefined],
    ["a string", "[]"],
    ["an array-like object", { length: 0 }]
  ] as const) {
    it.effect(`${label} is InvalidInput at desired, with zero requests, and the shares stay`, () =>
      Effect.gen(function* () {
        const memory = seeded()
        yield* memory.grant(doc, { grantee: Grantee.group("7"), level: "editor" })
        const before = requests(memory)
        const error = yield* Effect.flip(Sync.sync(memory, doc, desired as never))
        assert.strictEqual(error._tag, "InvalidInput")
        assert.deepStrictEqual(paths(error), ["desired"])
        assert.strictEqual(requests(memory), before)
        assert.strictEqual(memory.control.snapshot(doc).length, 1)
      })
    )
  }

  it.effect("an empty array is still a deliberate revoke-all", () =>
    Effect.gen(function* () {
      const memory = seeded()
      yield* memory.grant(doc, { grantee: Grantee.group("7"), level: "editor" })
      const result = yield* Sync.sync(memory, doc, [])
      assert.isTrue(result.verified)
      assert.deepStrictEqual(yield* Stream.runCollect(memory.list(doc)), [])
    })
  )

  it.effect("a malformed item, a null resource and unknown options name their field, zero requests", () =>
    Effect.gen(function* () {
      const memory = seeded()
      const bad = yield* Effect.flip(Sync.sync(memory, doc, [{ grantee: { _tag: "Group", id: "" }, level: "viewer" }]))
      assert.deepStrictEqual(paths(bad), ["desired.0.grantee.id"])
      const noResource = yield* Effect.flip(Sync.sync(memory, null as never, []))
      assert.deepStrictEqual(paths(noResource), ["resource"])
      const badOptions = yield* Effect.flip(Sync.sync(memory, doc, [], { strategy: "sideways" as never }))
      assert.deepStrictEqual(paths(badOptions), ["options.strategy"])
      const nullOptions = yield* Effect.flip(Sync.sync(memory, doc, [], null as never))
      assert.deepStrictEqual(paths(nullOptions), ["options"])
      assert.strictEqual(requests(memory), 0)
    })
  )
})

describe("the provider guard decodes every argument before the provider runs", () => {
  it.effect("null, lone surrogates, dot segments and unknown options are InvalidInput naming the field", () =>
    Effect.gen(function* () {
      const memory = seeded()
      const guarded = Input.guard(memory)
      const cases: ReadonlyArray<readonly [Effect.Effect<unknown, Errors.SharingError>, string]> = [
        [guarded.get(doc, "\uD800"), "shareId"],
        [guarded.revoke(doc, ".."), "shareId"],
        [guarded.revoke(null as never, "s1"), "resource"],
        [guarded.grant(doc, null as never), "request"],
        [guarded.grant(doc, { grantee: Grantee.group("7"), level: "viewer", onLossy: "up" as never }), "onLossy"],
        [guarded.grant({ ...doc, id: "d\uDC001" }, { grantee: Grantee.group("7"), level: "viewer" }), "resource.id"],
        [
          guarded.grant({ ...doc, provider: "eci" }, { grantee: Grantee.group("7"), level: "viewer" }),
          "resource.provider"
        ],
        [guarded.update(doc, "s1", "boss" as never), "level"],
        [guarded.update(doc, "s1", "viewer", { onLossy: 3 } as never), "options.onLossy"],
        [guarded.replace!(doc, {} as never), "desired"]
      ]
      for (const [effect, path] of cases) {
        const error = yield* Effect.flip(effect)
        assert.strictEqual(error._tag, "InvalidInput", path)
        assert.include(paths(error), path)
      }
      assert.strictEqual(requests(memory), 0)
    })
  )

  it.effect("Granting.grant decodes before it translates (a null request used to throw a TypeError)", () =>
    Effect.gen(function* () {
      const memory = seeded()
      const error = yield* Effect.flip(Granting.grant(memory, doc, null as never))
      assert.deepStrictEqual(paths(error), ["request"])
      const noGrantee = yield* Effect.flip(Granting.grant(memory, doc, { level: "viewer" } as never))
      assert.deepStrictEqual(paths(noGrantee), ["grantee"])
    })
  )

  it.effect("the bulk methods (grantAll, resolveGrantees) are checked element by element", () =>
    Effect.gen(function* () {
      let calls = 0
      const memory = seeded()
      const bulk = {
        ...memory,
        grantAll: () => Effect.sync(() => void calls++).pipe(Effect.as([])),
        resolveGrantees: () => Effect.sync(() => void calls++).pipe(Effect.as([]))
      }
      const guarded = Input.guard(bulk, {
        grantee: (g, path) => (g._tag === "Group" && g.id === "bad" ? [{ path: `${path}.id`, message: "bad id" }] : [])
      })
      const cases: ReadonlyArray<readonly [Effect.Effect<unknown, Errors.SharingError>, string]> = [
        [guarded.grantAll!(doc, {} as never), "requests"],
        [guarded.grantAll!(doc, [{ grantee: Grantee.group("7"), level: "viewer" }, null as never]), "requests.1"],
        [guarded.grantAll!(doc, [{ grantee: Grantee.group("bad"), level: "viewer" }]), "requests.0.grantee.id"],
        [guarded.grantAll!({ ...doc, id: ".." }, []), "resource.id"],
        [guarded.resolveGrantees!("g" as never), "grantees"],
        [guarded.resolveGrantees!([Grantee.group("7"), Grantee.group("bad")]), "grantees.1.id"]
      ]
      for (const [effect, path] of cases) {
        const error = yield* Effect.flip(effect)
        assert.strictEqual(error._tag, "InvalidInput", path)
        assert.include(paths(error), path)
      }
      assert.strictEqual(calls, 0)
      yield* guarded.grantAll!(doc, [{ grantee: Grantee.group("7"), level: "viewer" }])
      yield* guarded.resolveGrantees!([Grantee.group("7")])
      assert.strictEqual(calls, 2)
    })
  )

  it.effect("rules see only the grantee kinds the provider supports (others stay Unsupported)", () =>
    Effect.gen(function* () {
      const memory = MemoryProvider.make({ resources: [doc], capabilities: { granteeKinds: ["Group"] } })
      const guarded = Input.guard(memory, { grantee: (g, path) => [{ path: `${path}.id`, message: `no ${g._tag}` }] })
      const unsupported = yield* Effect.flip(guarded.grant(doc, { grantee: Grantee.account("a"), level: "viewer" }))
      assert.strictEqual(unsupported._tag, "Unsupported")
      const ruled = yield* Effect.flip(guarded.grant(doc, { grantee: Grantee.group("7"), level: "viewer" }))
      assert.deepStrictEqual(paths(ruled), ["grantee.id"])
    })
  )
})

describe("Promise facade: every rejection is a typed error", () => {
  const typed = async (p: Promise<unknown>) => {
    const e = await p.then(
      () => undefined,
      (e: unknown) => e
    )
    assert.isTrue(Errors.isSharingError(e), `expected a typed error, got ${String(e)}`)
    return e as Errors.SharingError
  }

  it("null / undefined resource, request and desired set; unknown onLossy; lone surrogate ids", async () => {
    const memory = seeded()
    const client = SharingClient.fromProvider(memory)
    try {
      await client.grant(doc, { grantee: Grantee.group("7"), level: "editor" })
      const before = requests(memory)
      const rejected = [
        client.list(null as never),
        client.list(undefined as never),
        client.get(doc, "\uDFFF"),
        client.grant(null as never, { grantee: Grantee.group("7"), level: "viewer" }),
        client.grant(doc, undefined as never),
        client.grantWithFidelity(doc, null as never),
        client.update(doc, "s1", "viewer", { onLossy: "sideways" as never }),
        client.revoke(doc, "..\uD800"),
        client.sync(doc, null as never),
        client.sync(doc, undefined as never),
        client.sync(doc, {} as never),
        client.awaitSettled(undefined as never, "s1"),
        client.list(doc, { signal: "stop" as never }),
        client.list(doc, 42 as never)
      ]
      for (const p of rejected) {
        const e = await typed(p)
        assert.strictEqual(e._tag, "InvalidInput")
        assert.instanceOf(e, PromiseErrors.InvalidInput)
      }
      const iterated = await (async () => {
        for await (const _ of client.iterate(null as never)) return undefined
        return undefined
      })().catch((e: unknown) => e)
      assert.isTrue(Errors.isSharingError(iterated))
      assert.strictEqual(requests(memory), before)
      assert.strictEqual(memory.control.snapshot(doc).length, 1)
    } finally {
      await client.close()
    }
  })

  it("create and fromProvider reject what is not a provider", async () => {
    for (const client of [
      SharingClient.create(null as never),
      SharingClient.create({ capabilities: {} } as never),
      SharingClient.fromProvider(undefined as never),
      SharingClient.fromProvider({} as never)
    ]) {
      const e = await typed(client.list(doc))
      assert.strictEqual(e._tag, "InvalidInput")
      await typed(client.capabilities())
      await client.close()
    }
  })
})

describe("Ids: the shared formats", () => {
  it("emails are exactly one address; lone surrogates never pass", () => {
    const ok = ["ada@example.com", "A.B+c@sub.example.co.uk", "d.o'brien@energy.test", "é@exämple.de", "a@b.c"]
    const bad = [
      "notanemail",
      "a@b.c,d@e.f",
      "a@b.c;d@e.f",
      "Ada <a@b.c>",
      " a@b.c",
      "a b@c.d",
      "a\uD800@x.io",
      "a@x.io\uDC00",
      "a@b",
      "@x.io",
      "a@.io",
      "a..b@x.io",
      ".a@x.io",
      "a@x..io",
      "a@@x.io",
      "a@x.io\n",
      ""
    ]
    for (const e of ok) assert.isUndefined(Ids.emailProblem(e), e)
    for (const e of bad) assert.isString(Ids.emailProblem(e), JSON.stringify(e))
  })

  it("numeric ids: no whitespace, signs, exponents, NaN, leading zeros or overflow", () => {
    const int32 = Schema.is(Ids.Int32Text)
    assert.isTrue(int32("1") && int32("2147483647"))
    for (const s of ["0", "-1", " 1", "1 ", "1e3", "NaN", "01", "2147483648", "1.0", "../1", ""])
      assert.isFalse(int32(s), s)
    const int64 = Schema.is(Ids.Int64Text)
    assert.isTrue(int64("9223372036854775807"))
    for (const s of ["9223372036854775808", "NaN", " 4583173393803140", "4583173393803140/.."])
      assert.isFalse(int64(s), s)
    assert.strictEqual(Ids.parseInt32(2 ** 31), undefined)
    assert.strictEqual(Ids.parseInt32(Number.NaN), undefined)
  })

  it("opaque, hex and alphanumeric ids refuse dot segments, separators and surrogates", () => {
    for (const s of ["", ".", "..", "a/b", "a\\b", "a b", "a?b", "a#b", "\uD800", "a\u0000"])
      assert.isFalse(Schema.is(Ids.OpaqueId)(s), JSON.stringify(s))
    assert.isFalse(Schema.is(Ids.Hex32)("023E105F4ECEF8AD9CA31A8372D0C353"))
    assert.isFalse(Schema.is(Ids.Hex32)("023e105f4ecef8ad9ca31a8372d0c353 "))
    assert.isFalse(Schema.is(Ids.Alphanumeric)("AAA.."))
  })
})

describe("Input.desired accepts exactly what the Grant schema accepts", () => {
  it("its fast path never lets through what the schema refuses (and refuses nothing it accepts)", () => {
    const memory = MemoryProvider.make()
    const text = fc.oneof(
      fc.constantFrom("", "7", "a@x.io", "\uD800", "x\uDC00"),
      fc.string({ unit: "binary", maxLength: 4 })
    )
    const field = fc.oneof(text, fc.constantFrom(undefined, null, 7))
    const grantee = fc.oneof(
      fc.record(
        {
          _tag: fc.constantFrom("User", "Group", "Account", "Organization", "Everyone", "Robot"),
          id: field,
          email: field,
          name: field
        },
        { requiredKeys: ["_tag"] }
      ),
      fc.jsonValue({ maxDepth: 1 })
    )
    const grant = fc.oneof(
      fc.record({ grantee, level: fc.constantFrom("viewer", "owner", "boss", undefined) }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 1 })
    )
    fc.assert(
      fc.property(fc.array(grant, { maxLength: 4 }), (desired) => {
        const accepted = Exit.isSuccess(Effect.runSyncExit(Input.desired(memory, desired, "sync")))
        assert.strictEqual(accepted, Schema.is(Input.Desired)(desired))
      }),
      { numRuns: 2_000 }
    )
  })
})
