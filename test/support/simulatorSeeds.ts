/**
 * What each adapter README's Simulator section lists of its simulator's `demoSeed` and
 * `demoCredentials`, rendered from them (Markdown tables), so that the tables cannot drift from
 * the data: `test/simulator-readmes.test.ts` checks that every README holds its table as rendered
 * here. After changing a seed, print the new tables with
 * `pnpm exec node test/support/simulatorSeeds.ts` and paste them into the READMEs.
 */
import * as CloudflareSimulator from "@unishare/cloudflare/simulator"
import * as EciSimulator from "@unishare/eci/simulator"
import * as SmartsheetSimulator from "@unishare/smartsheet/simulator"

/** A Markdown table, its columns padded to their widest cell. */
const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n")
}

const code = (text: string | number) => `\`${text}\``
const list = (items: ReadonlyArray<string | number>) => items.map(code).join(", ")

/** `@unishare/cloudflare/simulator`: accounts and shares, then the credentials. */
const cloudflare = (): string => {
  const seed = CloudflareSimulator.demoSeed
  const credentials = CloudflareSimulator.demoCredentials
  const shares = (seed.shares ?? []).map((s) => {
    const recipients = (s.recipients ?? []).map(
      (r) => `${code(r.account_id)} (${r.association_status ?? "associating"})`
    )
    const details = [
      `owner ${code(s.account_id)}`,
      s.target_type === "organization" ? "organization-targeted" : "account-targeted",
      ...(recipients.length > 0 ? [`recipients ${recipients.join(", ")}`] : []),
      ...((s.excluded ?? []).length > 0 ? [`excluded ${list(s.excluded ?? [])}`] : []),
      `resources ${(s.resources ?? []).map((r) => `${code(r.resource_id)} (${r.resource_type})`).join(", ")}`
    ]
    return ["share", code(s.id ?? ""), s.name, details.join("; ")]
  })
  return [
    table(
      ["seeded", "id", "name", "details"],
      [
        ...seed.accounts.map((a) => ["account", code(a.id), a.name ?? "", `organization ${code(a.organization_id)}`]),
        ...shares
      ]
    ),
    "",
    table(
      ["`demoCredentials`", "value", "use"],
      [
        ["`apiToken`", code(credentials.apiToken), "`Client.apiToken(Redacted.make(…))`"],
        [
          "`globalKey`",
          `${code(credentials.globalKey.email)} / ${code(credentials.globalKey.key)}`,
          "`Client.globalKey(Redacted.make(email), Redacted.make(key))`"
        ]
      ]
    )
  ].join("\n")
}

const levelNames: Record<string, string> = {
  VIEWER: "viewer",
  COMMENTER: "commenter",
  EDITOR: "editor",
  EDITOR_SHARE: "sharer",
  ADMIN: "admin"
}

/** `@unishare/smartsheet/simulator`: users, groups, assets with their shares, then the token. */
const smartsheet = (): string => {
  const seed = SmartsheetSimulator.demoSeed
  const sharesOf = (type: string, id: string) =>
    (seed.shares ?? [])
      .filter((s) => s.assetType === type && s.assetId === id)
      .map((s) => `${s.email ?? `group ${code(s.groupId ?? "")}`} ${levelNames[s.accessLevel] ?? s.accessLevel}`)
  const tokens = seed.tokens ?? []
  return [
    table(
      ["seeded", "id", "name", "details"],
      [
        ...(seed.users ?? []).map((u) => [
          "user",
          code(u.id ?? ""),
          u.name ?? "",
          [u.email, ...(u.alternateEmails ?? []).map((e) => `${e} (alternate)`)].join(", ")
        ]),
        ...(seed.groups ?? []).map((g) => [
          "group",
          code(g.id ?? ""),
          g.name,
          `members ${(g.members ?? []).join(", ")}`
        ]),
        ...(seed.assets ?? []).map((a) => {
          const shares = sharesOf(a.type, a.id ?? "")
          return [
            a.type,
            code(a.id ?? ""),
            a.name ?? "",
            [
              a.workspace !== undefined ? `in workspace ${code(a.workspace)}` : `owner ${a.owner ?? ""}`,
              ...(shares.length > 0 ? [`shared with ${shares.join(", ")}`] : [])
            ].join("; ")
          ]
        })
      ]
    ),
    "",
    table(
      ["`demoCredentials`", "value", "user"],
      Object.entries(SmartsheetSimulator.demoCredentials).map(([name, token]) => [
        code(name),
        code(token),
        tokens.find((t) => t.token === token)?.user ?? ""
      ])
    )
  ].join("\n")
}

/** `@unishare/eci/simulator`: users, groups, lists with their shares, then the API keys. */
const eci = (): string => {
  const seed = EciSimulator.demoSeed
  const shareOf = (share: Partial<EciSimulator.ShareState> | undefined) => {
    if (share === undefined) return "not shared"
    if (share.sharedWithEveryone === true) return "shared with Everyone"
    const parts = [
      ...((share.sharedUserIds ?? []).length > 0 ? [`users ${list(share.sharedUserIds ?? [])}`] : []),
      ...((share.sharedUserGroupIds ?? []).length > 0 ? [`groups ${list(share.sharedUserGroupIds ?? [])}`] : [])
    ]
    return parts.length > 0 ? `shared with ${parts.join(", ")}` : "not shared"
  }
  return [
    table(
      ["seeded", "id", "name", "details"],
      [
        ...(seed.users ?? []).map((u) => [
          "user",
          code(u.userId),
          `${u.fullName ?? ""} (${code(u.userCode)})`,
          [u.email ?? "", ...(u.active === false ? ["inactive"] : [])].join(", ")
        ]),
        ...(seed.groups ?? []).map((g) => [
          "group",
          code(g.userGroupId),
          g.userGroupName,
          `members ${list(g.members ?? [])}`
        ]),
        ...(seed.lists ?? []).map((l) => [
          `${l.kind ?? "bill"} list`,
          code(l.listId),
          l.name,
          `creator ${code(l.creatorId)}; ${shareOf(l.share)}`
        ])
      ]
    ),
    "",
    table(
      ["`demoCredentials`", "API key", "user", "permissions"],
      Object.entries(EciSimulator.demoCredentials).map(([name, key]) => {
        const seeded = (seed.apiKeys ?? []).find((k) => k.key === key)
        return [
          code(name),
          code(key),
          seeded === undefined ? "" : code(seeded.userId),
          seeded === undefined || seeded.permissions.length === 0 ? "none" : seeded.permissions.join(", ")
        ]
      })
    )
  ].join("\n")
}

/** The tables of each adapter README, by package directory. */
export const seedTables = (): Readonly<Record<"cloudflare" | "smartsheet" | "eci", string>> => ({
  cloudflare: cloudflare(),
  smartsheet: smartsheet(),
  eci: eci()
})

if (import.meta.main) {
  for (const [pkg, text] of Object.entries(seedTables())) console.log(`packages/${pkg}/README.md:\n\n${text}\n`)
}
