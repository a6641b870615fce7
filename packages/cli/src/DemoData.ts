/**
 * The demo dataset: deterministic, generated from a fixed seed, realistic enough to exercise every
 * rule of a migration. A facilities-and-utilities company ("Acme") moves its Smartsheet sharing to
 * EnergyCAP bill and records lists, and its Cloudflare shares from a legacy account to a platform
 * account.
 *
 * - Smartsheet: ~90 employees, 3 contractors, 12 groups, 4 workspaces (each shared with a group:
 *   inherited by the sheets inside), 150 sheets, reports and dashboards with 1–5 shares each at every
 *   level (VIEWER … ADMIN; EDITOR_SHARE and ADMIN do not exist on EnergyCAP).
 * - EnergyCAP: the same employees (matched by email), 11 of the 12 groups (the partner auditors group
 *   has no counterpart), one list per Smartsheet asset; some lists already shared with a group, one
 *   shared with Everyone.
 * - Cloudflare: one organization, a legacy account sending 16 shares to 8 recipient accounts, and a
 *   platform account holding the 16 replacement shares (one already has a recipient).
 * - Google Drive → Box: the Google Drive simulator's demo data (`@unishare/google-drive/simulator`'s
 *   `demoSeed`: a "Projects" folder with a "Plan", a "Budget" file shared with the Finance group as
 *   commenters and with anyone with the link, a "Finance" shared drive with "Reports" and a "Q3
 *   report"), plus on "Budget" a share with the example.com domain and Grace as a reader until an
 *   end date; and the Box simulator's demo data (`@unishare/box/simulator`'s `demoSeed`) plus the
 *   target folders and files ("Projects" with "Plan", "Budgets" with "Budget", "Reports" with "Q3
 *   report"), the partner Linus under another login, and collaboration expiry turned on. Users map
 *   by email; the Finance group and Linus through the identity map.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import * as BoxSim from "@unishare/box/simulator"
import * as CloudflareSim from "@unishare/cloudflare/simulator"
import type { ResourceRef, SharingProvider } from "@unishare/core"
import * as EciSim from "@unishare/eci/simulator"
import * as GoogleDriveSim from "@unishare/google-drive/simulator"
import type * as SmartsheetSim from "@unishare/smartsheet/simulator"
import * as Notation from "./Notation.ts"

/**
 * Everything the demo needs: the three seeds, their credentials, what to export and the generated
 * identity and resource maps (in the CLI's file formats).
 *
 * @example
 * ```ts
 * import { DemoData } from "@unishare/cli"
 * const data = DemoData.make()
 * data.smartsheet.resources.length // 150
 * ```
 */
export interface Dataset {
  readonly smartsheet: {
    readonly seed: SmartsheetSim.Seed
    readonly token: string
    readonly resources: ReadonlyArray<ResourceRef.ResourceRef>
    /** The same resources with their names (Smartsheet's sharing API does not return names). */
    readonly named: ReadonlyArray<SharingProvider.ResourceInfo>
    readonly shares: number
  }
  readonly eci: {
    readonly seed: EciSim.Seed
    readonly apiKey: string
  }
  readonly cloudflare: {
    readonly seed: CloudflareSim.Seed
    readonly token: string
    readonly sourceAccount: string
    readonly targetAccount: string
  }
  /** Smartsheet → EnergyCAP: identity map CSV (groups) and resource map JSON text. */
  readonly energycap: { readonly identitiesCsv: string; readonly resourcesJson: string }
  /** Cloudflare legacy → platform account: identity map CSV (accounts kept) and resource map JSON text. */
  readonly accounts: { readonly identitiesCsv: string; readonly resourcesJson: string }
  readonly googleDrive: {
    readonly seed: GoogleDriveSim.Seed
    /** The access token of Olivia Owner (owner of the My Drive items, organizer of the shared drive). */
    readonly token: string
    /** The Drive items the Drive → Box migration exports (Drive lists no resources: they are named). */
    readonly resources: ReadonlyArray<ResourceRef.ResourceRef>
    /** The same items with their names. */
    readonly named: ReadonlyArray<SharingProvider.ResourceInfo>
    /** The end date of Grace's share of "Budget" (kept on Box). */
    readonly expiresAt: string
  }
  readonly box: {
    readonly seed: BoxSim.Seed
    /** The access token of Olivia Owner, who owns the target folders. */
    readonly token: string
  }
  /** Google Drive → Box: identity map CSV (the group and the partner) and resource map JSON text. */
  readonly driveToBox: { readonly identitiesCsv: string; readonly resourcesJson: string }
}

/** A small deterministic PRNG (mulberry32). */
const prng = (seed: number) => {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[int(xs.length)]!
  const sample = <A>(xs: ReadonlyArray<A>, n: number): Array<A> => {
    const copy = xs.slice()
    const out: Array<A> = []
    while (out.length < n && copy.length > 0) out.push(copy.splice(int(copy.length), 1)[0]!)
    return out
  }
  return { next, int, pick, sample }
}

const firstNames = [
  "Ada",
  "Alan",
  "Grace",
  "Katherine",
  "Dorothy",
  "Mary",
  "Edsger",
  "Barbara",
  "Donald",
  "Frances",
  "John",
  "Margaret",
  "Radia",
  "Tim",
  "Vint",
  "Hedy",
  "Claude",
  "Lynn",
  "Ken",
  "Dennis"
]
const lastNames = [
  "Lovelace",
  "Turing",
  "Hopper",
  "Johnson",
  "Vaughan",
  "Jackson",
  "Dijkstra",
  "Liskov",
  "Knuth",
  "Allen"
]

const groupNames = [
  "Accounts Payable",
  "Energy Managers",
  "Facilities North",
  "Facilities South",
  "Facilities West",
  "Sustainability Office",
  "Utility Analysts",
  "Procurement",
  "Finance Leadership",
  "Site Leads",
  "Data Quality",
  "Partner Auditors"
]
/** The group with no EnergyCAP counterpart (its shares are reported unresolved). */
const unmappedGroup = "Partner Auditors"

const commodities = ["Electric", "Natural gas", "Water", "Steam", "Chilled water", "Diesel", "Solar"]
const subjects = ["bills", "meter readings", "budget", "accruals", "tariff review", "usage anomalies", "invoices"]
const regions = ["North", "South", "West", "Central", "Coastal"]

const md5 = (text: string) => createHash("md5").update(text).digest("hex")

type SmartsheetLevel = SmartsheetSim.ShareSeed["accessLevel"]

const dayMillis = 86_400_000

/**
 * Builds the dataset (always the same for the same `seed`; the one end date, of a Google Drive
 * share, is 90 days after the day of `now`, at midnight UTC: Drive takes end dates up to a year
 * ahead, Box whole seconds).
 *
 * @example
 * ```ts
 * import { DemoData } from "@unishare/cli"
 * DemoData.make().cloudflare.seed.accounts.length // 10
 * ```
 */
export const make = (seed = 20261123, now: number = Date.now()): Dataset => {
  const rnd = prng(seed)

  // --- people ----------------------------------------------------------------------------------
  const employees: Array<{ name: string; email: string; code: string }> = []
  for (const last of lastNames) {
    for (const first of firstNames) {
      if (employees.length >= 90) break
      if (rnd.next() < 0.45) continue
      employees.push({
        name: `${first} ${last}`,
        email: `${first.toLowerCase()}.${last.toLowerCase()}@acme.example`,
        code: `${first[0]!.toLowerCase()}${last.toLowerCase()}`.slice(0, 16)
      })
    }
  }
  const contractors = ["sam.rivera", "jo.chen", "alex.okafor"].map((n) => ({
    name: n.replace(".", " "),
    email: `${n}@partner.example`
  }))
  const admin = { name: "Sharing Admin", email: "sharing.admin@acme.example" }

  // --- Smartsheet --------------------------------------------------------------------------------
  const ssToken = "demo-smartsheet-token-7f3a"
  const ssUsers: Array<SmartsheetSim.UserSeed> = [
    { id: "1100000000000001", email: admin.email, name: admin.name },
    ...employees.map((e, i) => ({ id: String(1100000000000100 + i), email: e.email, name: e.name })),
    ...contractors.map((c, i) => ({ id: String(1100000000000900 + i), email: c.email, name: c.name }))
  ]
  const ssGroups: Array<SmartsheetSim.GroupSeed & { id: string }> = groupNames.map((name, i) => ({
    id: String(2100000000000001 + i),
    name,
    members:
      name === unmappedGroup
        ? contractors.map((c) => c.email)
        : rnd.sample(employees, 4 + rnd.int(8)).map((e) => e.email)
  }))
  const workspaces = ["Utilities", "Facilities", "Finance", "Sustainability"].map((name, i) => ({
    id: String(3100000000000001 + i),
    name,
    group: ssGroups[[0, 2, 8, 5][i]!]!,
    level: (["EDITOR", "VIEWER", "EDITOR_SHARE", "ADMIN"] as const)[i]!
  }))
  const assets: Array<SmartsheetSim.AssetSeed & { id: string; name: string }> = []
  const names = new Set<string>()
  const assetName = (suffix: string) => {
    for (;;) {
      const name = `${rnd.pick(commodities)} ${rnd.pick(subjects)} — ${rnd.pick(regions)} ${suffix}`
      if (!names.has(name)) {
        names.add(name)
        return name
      }
    }
  }
  let n = 0
  for (const ws of workspaces) {
    for (let i = 0; i < 15; i++) {
      const type: SmartsheetSim.AssetSeed["type"] = i < 12 ? "sheet" : i < 14 ? "report" : "sight"
      assets.push({
        type,
        id: String(4100000000000001 + n++),
        name: assetName(type === "sight" ? "dashboard" : type === "report" ? "report" : `FY26 #${n}`),
        workspace: ws.id
      })
    }
  }
  for (let i = 0; i < 90; i++) {
    assets.push({
      type: "sheet",
      id: String(4100000000000001 + n++),
      name: assetName(`site ${String(100 + i)}`),
      owner: admin.email
    })
  }
  const levelFor = (type: SmartsheetSim.AssetSeed["type"]): SmartsheetLevel => {
    const r = rnd.next()
    const level: SmartsheetLevel =
      r < 0.35 ? "VIEWER" : r < 0.5 ? "COMMENTER" : r < 0.8 ? "EDITOR" : r < 0.92 ? "EDITOR_SHARE" : "ADMIN"
    return type === "sight" && level === "EDITOR" ? "COMMENTER" : level
  }
  const ssShares: Array<SmartsheetSim.ShareSeed> = workspaces.map((ws) => ({
    assetType: "workspace",
    assetId: ws.id,
    groupId: ws.group.id,
    accessLevel: ws.level
  }))
  let contractorShares = 0
  for (const [i, asset] of assets.entries()) {
    const taken = new Set<string>()
    const count = asset.workspace !== undefined ? rnd.int(3) : 1 + rnd.int(5)
    for (let k = 0; k < count; k++) {
      if (rnd.next() < 0.3) {
        const g = rnd.pick(ssGroups.filter((g) => g.name !== unmappedGroup))
        if (taken.has(g.id)) continue
        taken.add(g.id)
        ssShares.push({ assetType: asset.type, assetId: asset.id, groupId: g.id, accessLevel: levelFor(asset.type) })
      } else {
        const e = rnd.pick(employees)
        if (taken.has(e.email)) continue
        taken.add(e.email)
        ssShares.push({ assetType: asset.type, assetId: asset.id, email: e.email, accessLevel: levelFor(asset.type) })
      }
    }
    // a few assets shared with contractors and the partner auditors: identities with no EnergyCAP counterpart
    if (i % 19 === 7) {
      const c = contractors[contractorShares++ % contractors.length]!
      ssShares.push({ assetType: asset.type, assetId: asset.id, email: c.email, accessLevel: "VIEWER" })
    }
    if (i % 37 === 11) {
      const g = ssGroups.find((g) => g.name === unmappedGroup)!
      ssShares.push({ assetType: asset.type, assetId: asset.id, groupId: g.id, accessLevel: "COMMENTER" })
    }
  }
  const smartsheetSeed: SmartsheetSim.Seed = {
    users: ssUsers,
    groups: ssGroups,
    tokens: [{ token: ssToken, user: admin.email }],
    assets: [
      ...workspaces.map((ws) => ({ type: "workspace" as const, id: ws.id, name: ws.name, owner: admin.email })),
      ...assets
    ],
    shares: ssShares
  }

  // --- EnergyCAP -----------------------------------------------------------------------------------
  const eciKey = EciSim.demoCredentials.admin
  const eciUsers: Array<EciSim.UserSeed> = [
    { userId: 1, userCode: "sharingadmin", fullName: admin.name, email: admin.email },
    ...employees.map((e, i) => ({ userId: 100 + i, userCode: e.code, fullName: e.name, email: e.email }))
  ]
  const eciUserByEmail = new Map(eciUsers.map((u) => [u.email ?? "", u.userId]))
  const mappedGroups = ssGroups.filter((g) => g.name !== unmappedGroup)
  const eciGroups: Array<EciSim.GroupSeed> = [
    {
      userGroupId: 1,
      userGroupName: "Everyone",
      description: "All users (built in)",
      members: eciUsers.map((u) => u.userId)
    },
    ...mappedGroups.map((g, i) => ({
      userGroupId: 20 + i,
      userGroupName: g.name,
      members: (g.members ?? []).map((m) => eciUserByEmail.get(m)).filter((id): id is number => id !== undefined)
    }))
  ]
  const eciGroupOf = new Map(mappedGroups.map((g, i) => [g.id, 20 + i]))
  const eciLists: Array<EciSim.ListSeed> = assets.map((a, i) => {
    const listId = 5001 + i
    const share: Partial<EciSim.ShareState> | undefined =
      i === 3
        ? { sharedWithEveryone: true }
        : i % 10 === 5
          ? { sharedUserGroupIds: [20 + (i % mappedGroups.length)] }
          : undefined
    return {
      listId,
      name: a.name,
      kind: /bills|invoices|accruals/.test(a.name) ? "bill" : "records",
      creatorId: 1,
      ...(share !== undefined ? { share } : {})
    }
  })
  const eciSeed: EciSim.Seed = {
    users: eciUsers,
    groups: eciGroups,
    lists: eciLists,
    apiKeys: [
      {
        key: eciKey,
        userId: 1,
        permissions: EciSim.allPermissions
      }
    ]
  }
  const smartsheetResources = assets.map((a) => ({ provider: "smartsheet", kind: a.type, id: a.id }))
  const energycap = {
    identitiesCsv: [
      "source,target",
      "# Smartsheet groups -> EnergyCAP user groups (users map by email without an entry)",
      ...mappedGroups.map((g) => `group:${g.id},group:${eciGroupOf.get(g.id)}`)
    ].join("\n"),
    resourcesJson: JSON.stringify(
      smartsheetResources.map((r, i) => ({ source: Notation.formatResource(r), target: `eci:list:${5001 + i}` })),
      null,
      2
    )
  }

  // --- Cloudflare ----------------------------------------------------------------------------------
  const org = md5("org:acme")
  const account = (name: string) => ({ id: md5(`account:${name}`), name: `Acme ${name}`, organization_id: org })
  const legacy = account("Legacy")
  const platform = account("Platform")
  const recipients = ["Retail EU", "Retail US", "Media", "Labs", "Payments", "Support", "Analytics", "Edge"].map(
    account
  )
  const shareNames = [
    "WAF managed rules",
    "Bot mitigation rules",
    "Rate limiting rules",
    "API shield rules",
    "Geo block rules",
    "Credential stuffing rules",
    "Gateway DNS policy",
    "Gateway HTTP policy",
    "Gateway egress IPs",
    "Block page branding",
    "Email matching",
    "IdP federation",
    "Admin panel rules",
    "Payments WAF rules",
    "Partner API rules",
    "Legacy origin rules"
  ]
  const typeOf = (name: string): string =>
    name.startsWith("Gateway DNS") || name.startsWith("Gateway HTTP")
      ? "gateway-policy"
      : name.startsWith("Gateway egress")
        ? "gateway-destination-ip"
        : name.startsWith("Block page")
          ? "gateway-block-page-settings"
          : name.startsWith("Email")
            ? "gateway-extended-email-matching"
            : name.startsWith("IdP")
              ? "idp-federation-grant"
              : "custom-ruleset"
  const sourceShares: Array<CloudflareSim.SeedShare & { id: string }> = shareNames.map((name) => ({
    id: md5(`share:legacy:${name}`),
    account_id: legacy.id,
    name,
    recipients: rnd
      .sample(recipients, 1 + rnd.int(4))
      .map((r) => ({ account_id: r.id, association_status: "associated" as const })),
    resources: [{ resource_id: md5(`resource:legacy:${name}`), resource_type: typeOf(name) }]
  }))
  const targetShares: Array<CloudflareSim.SeedShare & { id: string }> = shareNames.map((name, i) => ({
    id: md5(`share:platform:${name}`),
    account_id: platform.id,
    name,
    ...(i === 0 ? { recipients: [{ account_id: recipients[7]!.id, association_status: "associated" as const }] } : {}),
    resources: [{ resource_id: md5(`resource:platform:${name}`), resource_type: typeOf(name) }]
  }))
  const cloudflareSeed: CloudflareSim.Seed = {
    accounts: [legacy, platform, ...recipients],
    shares: [...sourceShares, ...targetShares]
  }
  const accounts = {
    identitiesCsv: [
      "source,target",
      "# recipient accounts stay the same",
      ...recipients.map((r) => `account:${r.id},account:${r.id}`)
    ].join("\n"),
    resourcesJson: JSON.stringify(
      sourceShares.map((s, i) => ({
        source: `cloudflare:share:${legacy.id}/${s.id}`,
        target: `cloudflare:share:${platform.id}/${targetShares[i]!.id}`
      })),
      null,
      2
    )
  }

  // --- Google Drive → Box ---------------------------------------------------------------------------
  const drive = GoogleDriveSim.demoIds
  const expiresAt = new Date((Math.floor(now / dayMillis) + 90) * dayMillis).toISOString().replace(".000Z", "Z")
  const driveSeed: GoogleDriveSim.Seed = {
    ...GoogleDriveSim.demoSeed,
    permissions: [
      ...(GoogleDriveSim.demoSeed.permissions ?? []),
      { file: drive.budget, type: "domain", role: "reader", domain: "example.com", allowFileDiscovery: false },
      { file: drive.budget, type: "user", role: "reader", emailAddress: "grace@example.com", expirationTime: expiresAt }
    ]
  }
  const driveItems: ReadonlyArray<{ readonly id: string; readonly name: string; readonly box: string }> = [
    { id: drive.projects, name: "Projects", box: "box:folder:3004" },
    { id: drive.plan, name: "Plan", box: "box:file:4003" },
    { id: drive.budget, name: "Budget", box: "box:file:4004" },
    { id: drive.reports, name: "Reports", box: "box:folder:3006" },
    { id: drive.q3, name: "Q3 report", box: "box:file:4005" }
  ]
  const driveResources = driveItems.map((i) => ({ provider: "google-drive", kind: "file", id: i.id }))
  const boxSeed: BoxSim.Seed = {
    ...BoxSim.demoSeed,
    users: [
      ...(BoxSim.demoSeed.users ?? []),
      { id: "1006", login: "linus.partner@partner.example", name: "Linus Partner", enterprise: false }
    ],
    folders: [
      ...(BoxSim.demoSeed.folders ?? []),
      { id: "3004", name: "Projects", owner: "1001" },
      { id: "3005", name: "Budgets", owner: "1001" },
      { id: "3006", name: "Reports", owner: "1001" }
    ],
    files: [
      ...(BoxSim.demoSeed.files ?? []),
      { id: "4003", name: "Plan", parent: "3004" },
      { id: "4004", name: "Budget", parent: "3005" },
      { id: "4005", name: "Q3 report", parent: "3006" }
    ],
    settings: {
      ...BoxSim.demoSeed.settings,
      collaborationExpiry: { enabledAt: "2025-01-01T00:00:00Z" }
    }
  }
  const driveToBox = {
    identitiesCsv: [
      "source,target",
      "# Google Drive groups are named by email, Box groups by id; Linus signs in to Box with another login",
      "# (users with the same email on both map by themselves)",
      "group:finance@example.com,group:2001",
      "user:linus@partner.example,user:linus.partner@partner.example"
    ].join("\n"),
    resourcesJson: JSON.stringify(
      driveItems.map((i) => ({ source: `google-drive:file:${i.id}`, target: i.box })),
      null,
      2
    )
  }

  return {
    smartsheet: {
      seed: smartsheetSeed,
      token: ssToken,
      resources: smartsheetResources,
      named: smartsheetResources.map((resource, i) => ({ resource, name: assets[i]!.name })),
      shares: ssShares.length
    },
    eci: { seed: eciSeed, apiKey: eciKey },
    cloudflare: {
      seed: cloudflareSeed,
      token: CloudflareSim.demoCredentials.apiToken,
      sourceAccount: legacy.id,
      targetAccount: platform.id
    },
    energycap,
    accounts,
    googleDrive: {
      seed: driveSeed,
      token: GoogleDriveSim.demoCredentials.owner,
      resources: driveResources,
      named: driveResources.map((resource, i) => ({ resource, name: driveItems[i]!.name })),
      expiresAt
    },
    box: { seed: boxSeed, token: BoxSim.demoCredentials.owner },
    driveToBox
  }
}
