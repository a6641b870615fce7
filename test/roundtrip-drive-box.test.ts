/**
 * Google Drive → Box → Google Drive over seeded simulators covering every grantee type (user,
 * group, domain, the public, an owner), role (reader, commenter, writer, organizer,
 * fileOrganizer, and Box's own roles on the way back), expiry, pending invitation and inherited
 * case. Each leg's fidelity report lists every live source share as exact, narrowed, unsupported
 * or skipped (inherited): nothing is dropped silently and nothing is widened, since no leg opts in
 * to widening. At the end, no grantee holds more on Drive than it did at the start, and every
 * expiry that survived is the same instant.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Box from "@unishare/box"
import * as BoxSimulator from "@unishare/box/simulator"
import { AccessLevel, Grantee, type Share, type SharingProvider } from "@unishare/core"
import * as GoogleDrive from "@unishare/google-drive"
import * as DriveSimulator from "@unishare/google-drive/simulator"
import { IdentityMap, Migration, ResourceMap, Snapshot } from "@unishare/migration"
import { Effect, Redacted, Stream } from "effect"
import { FetchHttpClient } from "effect/http"

const until = `${new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10)}T00:00:00Z`

const DRIVE = {
  projects: "1ProjectsRoundTripAAAAAAAAAAAAAAA",
  plan: "1PlanRoundTripBBBBBBBBBBBBBBBBBBBB",
  shared: "0ASharedRoundTripUk9PVA",
  reports: "1ReportsRoundTripCCCCCCCCCCCCCCCCC",
  back1: "1BackProjectsDDDDDDDDDDDDDDDDDDDDD",
  back2: "1BackReportsEEEEEEEEEEEEEEEEEEEEEE"
} as const

const driveSeed: DriveSimulator.Seed = {
  users: [
    { id: "10000000000000000001", email: "owner@example.com", name: "Olivia Owner", organization: "example.com" },
    { id: "10000000000000000002", email: "ada@example.com", name: "Ada", organization: "example.com" },
    { id: "10000000000000000003", email: "grace@example.com", name: "Grace", organization: "example.com" },
    { id: "10000000000000000004", email: "hedy@example.com", name: "Hedy", organization: "example.com" },
    { id: "10000000000000000005", email: "linus@partner.example", name: "Linus", organization: "partner.example" },
    { id: "10000000000000000006", email: "ida@example.com", name: "Ida", organization: "example.com" }
  ],
  groups: [{ id: "20000000000000000001", email: "finance@example.com", name: "Finance", members: ["ada@example.com"] }],
  tokens: [{ token: "drive-roundtrip-owner", user: "owner@example.com" }],
  drives: [
    {
      id: DRIVE.shared,
      name: "Shared",
      organization: "example.com",
      members: [
        { email: "owner@example.com", role: "organizer" },
        { email: "hedy@example.com", role: "commenter" }
      ]
    }
  ],
  files: [
    { id: DRIVE.projects, name: "Projects", folder: true, owner: "owner@example.com" },
    { id: DRIVE.plan, name: "Plan", parent: DRIVE.projects },
    { id: DRIVE.reports, name: "Reports", folder: true, drive: DRIVE.shared },
    { id: DRIVE.back1, name: "Projects (back)", folder: true, owner: "owner@example.com" },
    { id: DRIVE.back2, name: "Reports (back)", folder: true, owner: "owner@example.com" }
  ],
  permissions: [
    // Drive allows no expiring writer on a My Drive folder: the expiring grant is a reader's
    { file: DRIVE.projects, type: "user", role: "reader", emailAddress: "ada@example.com", expirationTime: until },
    { file: DRIVE.projects, type: "user", role: "writer", emailAddress: "hedy@example.com" },
    { file: DRIVE.projects, type: "user", role: "commenter", emailAddress: "grace@example.com" },
    { file: DRIVE.projects, type: "user", role: "reader", emailAddress: "linus@partner.example" },
    { file: DRIVE.projects, type: "group", role: "reader", emailAddress: "finance@example.com" },
    { file: DRIVE.projects, type: "domain", role: "reader", domain: "example.com", allowFileDiscovery: false },
    { file: DRIVE.projects, type: "anyone", role: "reader", allowFileDiscovery: false },
    { file: DRIVE.plan, type: "user", role: "writer", emailAddress: "grace@example.com" },
    { file: DRIVE.reports, type: "user", role: "fileOrganizer", emailAddress: "ada@example.com" },
    { file: DRIVE.reports, type: "user", role: "organizer", emailAddress: "grace@example.com" }
  ]
}

const BOX = { projects: "3101", reports: "3102" } as const

const boxSeed: BoxSimulator.Seed = {
  users: [
    { id: "1001", login: "owner@example.com", name: "Olivia Owner" },
    { id: "1002", login: "ada@example.com", name: "Ada" },
    { id: "1003", login: "grace@example.com", name: "Grace" },
    { id: "1004", login: "hedy@example.com", name: "Hedy" },
    { id: "1005", login: "ida@example.com", name: "Ida" }
  ],
  groups: [{ id: "2001", name: "Finance", members: ["1002"] }],
  tokens: [{ token: "box-roundtrip-owner", user: "1001" }],
  folders: [
    { id: BOX.projects, name: "Projects", owner: "1001" },
    { id: BOX.reports, name: "Reports", owner: "1001" }
  ],
  // Box's own roles and a pending invitation, kept by the merge and carried back to Drive
  collaborations: [
    { item: { type: "folder", id: BOX.reports }, user: "1004", role: "uploader" },
    { item: { type: "folder", id: BOX.reports }, user: "1005", role: "viewer uploader" },
    {
      item: { type: "folder", id: BOX.reports },
      email: "new.partner@partner.example",
      role: "viewer",
      status: "pending"
    }
  ],
  settings: { collaborationExpiry: { enabledAt: "2020-01-01T00:00:00Z" }, allowedDomains: ["partner.example"] }
}

const driveFile = (id: string) => GoogleDrive.file(id)

/** One leg: export the source resources, plan onto the target, apply, verify. */
const leg = (input: {
  readonly source: SharingProvider.Shape
  readonly target: SharingProvider.Shape
  readonly resources: ReadonlyArray<{
    readonly source: Share.Share["resource"]
    readonly target: Share.Share["resource"]
  }>
  readonly identities: IdentityMap.IdentityMap
}) =>
  Effect.gen(function* () {
    const snapshot = yield* Snapshot.exportSnapshot(input.source, { resources: input.resources.map((r) => r.source) })
    const plan = yield* Migration.plan({
      snapshot,
      target: input.target,
      identities: input.identities,
      resources: ResourceMap.fromEntries(input.resources)
    })
    const applied = yield* Migration.apply(plan, input.target)
    assert.strictEqual(applied.failed, 0, JSON.stringify(applied.units.filter((u) => u.outcome === "failed")))
    const verified = yield* Migration.verify(plan, input.target)
    assert.isTrue(verified.ok, JSON.stringify(verified))
    // every live source share has exactly one fidelity entry, and none is widened
    for (const resource of snapshot.resources) {
      const item = plan.items.find((i) => i.source.id === resource.resource.id)
      assert.isDefined(item, `no plan item for ${resource.resource.id}`)
      const live = resource.shares.filter((s) => s.status._tag === "active" || s.status._tag === "pending")
      assert.sameMembers(
        item!.entries.map((e) => e.sourceShareId),
        live.map((s) => s.id),
        `entries of ${resource.resource.id}`
      )
    }
    const entries = plan.items.flatMap((i) => i.entries)
    assert.deepStrictEqual(
      entries.filter((e) => e.outcome === "widened" || e.outcome === "unresolved"),
      [],
      "no widening, nothing unresolved"
    )
    return { snapshot, plan, entries }
  })

const outcomeOf = (entries: ReadonlyArray<Migration.FidelityEntry>, grantee: Grantee.Grantee) =>
  entries.filter((e) => Grantee.same(e.source, grantee)).map((e) => e.outcome)

describe("Google Drive → Box → Google Drive", () => {
  it.live(
    "every case is exact, narrowed, unsupported or skipped; nothing dropped silently, nothing widened",
    () =>
      Effect.gen(function* () {
        const driveSim = yield* DriveSimulator.serve({ seed: driveSeed })
        const boxSim = yield* BoxSimulator.serve({ seed: boxSeed })
        const drive = yield* GoogleDrive.make({
          credentials: Redacted.make("drive-roundtrip-owner"),
          baseUrl: driveSim.url
        })
        const box = yield* Box.make({ token: Redacted.make("box-roundtrip-owner"), baseUrl: boxSim.url })
        const before = new Map<string, ReadonlyArray<Share.Share>>()
        for (const id of [DRIVE.projects, DRIVE.reports])
          before.set(id, yield* Stream.runCollect(drive.list(driveFile(id))))

        // Drive → Box: groups by an explicit map, users by email
        const there = yield* leg({
          source: drive,
          target: box,
          resources: [
            { source: driveFile(DRIVE.projects), target: Box.folder(BOX.projects) },
            { source: driveFile(DRIVE.reports), target: Box.folder(BOX.reports) }
          ],
          identities: IdentityMap.fromEntries([
            { source: Grantee.group("finance@example.com"), target: Grantee.group("2001") }
          ])
        })
        const e1 = there.entries
        assert.deepStrictEqual(outcomeOf(e1, Grantee.user({ email: "ada@example.com" })), ["exact", "narrowed"])
        assert.includeMembers(outcomeOf(e1, Grantee.user({ email: "grace@example.com" })), ["narrowed"])
        assert.deepStrictEqual(outcomeOf(e1, Grantee.domain("example.com")), ["unsupported"])
        assert.deepStrictEqual(outcomeOf(e1, Grantee.anyone()), ["unsupported"])
        assert.include(outcomeOf(e1, Grantee.user({ email: "owner@example.com" })), "unsupported")
        assert.isTrue(
          e1.some((e) => e.outcome === "skipped"),
          "the shared drive's members are inherited on its folder: skipped, with a note"
        )
        const boxAda = (yield* Stream.runCollect(box.list(Box.folder(BOX.projects)))).find((s) =>
          Grantee.same(s.grantee, Grantee.user({ email: "ada@example.com" }))
        )
        assert.isTrue(boxAda?.expiresAt !== undefined && Date.parse(boxAda.expiresAt) === Date.parse(until))
        assert.strictEqual(
          (yield* Stream.runCollect(box.list(Box.folder(BOX.projects)))).find((s) => s.status._tag === "pending")
            ?.grantee._tag,
          "User",
          "linus has no Box account: a pending invitation"
        )

        // Box → Drive, onto fresh folders
        const back = yield* leg({
          source: box,
          target: drive,
          resources: [
            { source: Box.folder(BOX.projects), target: driveFile(DRIVE.back1) },
            { source: Box.folder(BOX.reports), target: driveFile(DRIVE.back2) }
          ],
          identities: IdentityMap.fromEntries([
            { source: Grantee.group("2001"), target: Grantee.group("finance@example.com") }
          ])
        })
        const e2 = back.entries
        assert.includeMembers(outcomeOf(e2, Grantee.user({ email: "hedy@example.com" })), ["unsupported"])
        assert.isTrue(
          e2.some((e) => e.outcome === "unsupported" && (e.note ?? "").includes("pending invitation")),
          "a pending invitation is not granted where access would start at once"
        )
        assert.isTrue(e2.some((e) => e.outcome === "narrowed" && (e.note ?? "").includes("viewer uploader")))

        // nobody holds more on Drive than at the start; a surviving expiry is the same instant
        const original = [...before.values()].flat()
        const final = [
          ...(yield* Stream.runCollect(drive.list(driveFile(DRIVE.back1)))),
          ...(yield* Stream.runCollect(drive.list(driveFile(DRIVE.back2))))
        ].filter((s) => !s.inherited && s.level !== "owner")
        // Ida's access comes from Box (its own "viewer uploader", narrowed to viewer on the way back)
        const ida = Grantee.user({ email: "ida@example.com" })
        assert.strictEqual(final.find((s) => Grantee.same(s.grantee, ida))?.level, "viewer")
        for (const share of final.filter((s) => !Grantee.same(s.grantee, ida))) {
          const was = original.filter((o) => Grantee.same(o.grantee, share.grantee))
          assert.isAbove(was.length, 0, `${Grantee.describe(share.grantee)} had no access at the start`)
          const most = was.map((o) => o.level).reduce(AccessLevel.max)
          assert.isTrue(
            AccessLevel.isAtLeast(most, share.level),
            `${Grantee.describe(share.grantee)}: ${most} → ${share.level}`
          )
          if (share.expiresAt !== undefined) {
            assert.isTrue(
              was.some((o) => o.expiresAt !== undefined && Date.parse(o.expiresAt) === Date.parse(share.expiresAt!))
            )
          }
        }
        const adaBack = final.find(
          (s) => Grantee.same(s.grantee, Grantee.user({ email: "ada@example.com" })) && s.expiresAt !== undefined
        )
        assert.isDefined(adaBack, "Ada's expiring grant came back with its expiry")
      }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer)),
    60_000
  )
})
