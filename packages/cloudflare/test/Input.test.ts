/**
 * Hostile ids and arguments: every id is a 32-hex Cloudflare id before any request. A dot segment,
 * whitespace or a lone surrogate used to reach the path (`..` as a recipient id deleted the whole
 * share: `DELETE /accounts/{a}/shares/{s}/`), or to throw a `URIError`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Errors, Grantee, Sync } from "@unishare/core"
import { SharingClient } from "@unishare/core/promise"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import * as Cloudflare from "../src/index.ts"
import { environment, OWNER, R1, R2, ruleset } from "./support.ts"

const paths = (e: unknown) => (e instanceof Errors.InvalidInput ? e.issues.map((i) => i.path) : [])

const hostile = [
  "..",
  ".",
  "",
  " ",
  `${R1} `,
  ` ${R1}`,
  "a/b",
  "\uD800",
  `${R1.slice(0, 31)}\uDC00`,
  "NaN",
  R1.toUpperCase()
]

describe("native client: malformed ids never reach a path", () => {
  it.live("deleteRecipient(account, share, '..') is InvalidInput, zero requests, and the share stays", () =>
    Effect.gen(function* () {
      const { sim, client } = yield* environment()
      const seeded = sim.seedShare({
        account_id: OWNER,
        name: "WAF",
        resources: [ruleset],
        recipients: [{ account_id: R1 }]
      })
      for (const id of hostile) {
        const error = yield* Effect.flip(client.deleteRecipient(OWNER, seeded.id, id))
        assert.strictEqual(error._tag, "InvalidInput", JSON.stringify(id))
        assert.deepStrictEqual(paths(error), ["recipient_id"])
        const onShare = yield* Effect.flip(client.deleteShare(OWNER, id))
        assert.deepStrictEqual(paths(onShare), ["share_id"])
        const onAccount = yield* Effect.flip(Stream.runCollect(client.listShares(id)))
        assert.deepStrictEqual(paths(onAccount), ["account_id"])
        const inBody = yield* Effect.flip(client.createRecipient(OWNER, seeded.id, { recipient_account_id: id }))
        assert.deepStrictEqual(paths(inBody), ["body.recipient_account_id"])
      }
      assert.deepStrictEqual(sim.log(), [])
      const state = sim.state().shares.find((s) => s.share.id === seeded.id)
      assert.strictEqual(state?.share.status, "active")
      assert.strictEqual(state?.recipients.length, 1)
    }).pipe(Effect.scoped)
  )
})

describe("neutral provider: ids checked at the entry point", () => {
  it.live(
    "an account id with whitespace, a dot-segment share id, a surrogate grantee id: InvalidInput, no request",
    () =>
      Effect.gen(function* () {
        const { sim, client } = yield* environment()
        const seeded = sim.seedShare({ account_id: OWNER, name: "WAF", resources: [ruleset] })
        const provider = Cloudflare.Provider.fromClient(client)
        const share = Cloudflare.share(OWNER, seeded.id)
        const cases: ReadonlyArray<readonly [Effect.Effect<unknown, Errors.SharingError>, string]> = [
          [provider.revoke(share, ".."), "shareId"],
          [provider.get(share, `${R1}\n`), "shareId"],
          [
            provider.grant(Cloudflare.share(` ${OWNER}`, seeded.id), { grantee: Grantee.account(R1), level: "viewer" }),
            "resource.parent"
          ],
          [provider.grant(share, { grantee: Grantee.account(`${R1} `), level: "viewer" }), "grantee.id"],
          [provider.grant(share, { grantee: { _tag: "Organization", id: "\uD800" }, level: "viewer" }), "grantee.id"],
          [
            provider.replace!(share, [{ grantee: Grantee.account(R2) }, { grantee: Grantee.account("..") }] as never),
            "desired.0.level"
          ],
          [provider.replace!(share, [{ grantee: Grantee.account(".."), level: "viewer" }]), "desired.0.grantee.id"],
          [
            Effect.suspend(() =>
              Stream.runCollect(provider.list({ provider: "cloudflare", kind: "share", id: seeded.id }))
            ),
            "resource.parent"
          ],
          [
            Sync.sync(provider, share, [{ grantee: Grantee.account(`${R2}\t`), level: "viewer" }]),
            "desired.0.grantee.id"
          ],
          [Sync.sync(provider, share, {} as never), "desired"]
        ]
        for (const [effect, path] of cases) {
          const error = yield* Effect.flip(effect)
          assert.strictEqual(error._tag, "InvalidInput", path)
          assert.include(paths(error), path)
        }
        assert.deepStrictEqual(sim.log(), [])
      }).pipe(Effect.scoped)
  )

  it.live("through the Promise facade: a resource without an id, null arguments, a lone surrogate", () =>
    Effect.gen(function* () {
      const { sim, token } = yield* environment()
      const seeded = sim.seedShare({
        account_id: OWNER,
        name: "WAF",
        resources: [ruleset],
        recipients: [{ account_id: R1 }]
      })
      const client = SharingClient.create(
        Cloudflare.make({
          credentials: Cloudflare.Client.apiToken(Redacted.make(token)),
          baseUrl: sim.url,
          retry: { times: 0 }
        })
      )
      const share = Cloudflare.share(OWNER, seeded.id)
      const outcomes = yield* Effect.promise(() =>
        Promise.all(
          [
            client.list({ provider: "cloudflare", kind: "share", parent: OWNER } as never),
            client.list(null as never),
            client.revoke(share, "\uDBFF"),
            client.sync(share, null as never),
            client.sync(share, undefined as never),
            client.grant(share, { grantee: { _tag: "Account" }, level: "viewer" } as never)
          ].map((p) =>
            p.then(
              () => "resolved",
              (e: unknown) => e
            )
          )
        )
      )
      yield* Effect.promise(() => client.close())
      for (const e of outcomes) assert.isTrue(e instanceof Errors.InvalidInput, String(e))
      assert.deepStrictEqual(sim.log(), [])
      assert.strictEqual(sim.state().shares[0]?.recipients[0]?.association_status !== "disassociating", true)
    }).pipe(Effect.scoped)
  )

  it.effect("a configuration with a secret in clear text is InvalidInput that does not show it", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Cloudflare.make({ credentials: { _tag: "ApiToken", token: "cf-secret-value" as never } })
      )
      assert.deepStrictEqual(paths(error), ["credentials.token"])
      assert.notInclude(JSON.stringify(error), "cf-secret-value")
      assert.notInclude(error.message, "cf-secret-value")
      const accounts = yield* Effect.flip(
        Cloudflare.make({
          credentials: Cloudflare.Client.apiToken(Redacted.make("t")),
          accounts: [" 023e105f4ecef8ad9ca31a8372d0c353"]
        })
      )
      assert.deepStrictEqual(paths(accounts), ["accounts.0"])
      const nothing = yield* Effect.flip(Cloudflare.make(null as never))
      assert.deepStrictEqual(paths(nothing), ["config"])
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
