/**
 * The tenant `pnpm bench:migration` migrates, Smartsheet → EnergyCAP, of any size: `sheets` sheets,
 * each shared with `usersPerSheet` of `users` people (user `u` is `user<u>@example.com`; sheet `i`
 * shares with users `(i × usersPerSheet + k) mod users`, so every user has shares and no sheet
 * names one twice) at a mix of levels, plus its owner's share. Every user exists on EnergyCAP too
 * (the owner is the API key's user, who creates every list), so `plan` resolves every email; sheet
 * `i` maps to list `i`. Nothing is held as a whole: the simulators are seeded one record (or a
 * small batch) at a time, the resource map is written as it is generated, and the request minimums
 * are computed from each adapter's documented `requestBounds`.
 */
import { randomUUID } from "node:crypto"
import * as Fs from "node:fs"
import type { RequestBounds } from "@unishare/core"
import * as Eci from "@unishare/eci"
import * as EciSim from "@unishare/eci/simulator"
import * as Smartsheet from "@unishare/smartsheet"
import * as SmartsheetSim from "@unishare/smartsheet/simulator"

/**
 * The shape of a tenant.
 *
 * @example
 * ```ts
 * import type { Tenant } from "./migrationData.ts"
 * const small: Tenant = { sheets: 10, usersPerSheet: 20, users: 50 }
 * ```
 */
export interface Tenant {
  readonly sheets: number
  readonly usersPerSheet: number
  readonly users: number
}

/**
 * The two sizes of the benchmark, by the `--size` that selects them: 21,000 shares (1,000 sheets ×
 * 20 users of 5,000, and the owner's) and about a million (50,000 sheets × 20 users of 50,000).
 *
 * @example
 * ```ts
 * import { tenants } from "./migrationData.ts"
 * tenants["21000"].sheets // 1000
 * ```
 */
export const tenants = {
  "21000": { sheets: 1_000, usersPerSheet: 20, users: 5_000 },
  "1000000": { sheets: 50_000, usersPerSheet: 20, users: 50_000 }
} as const satisfies Record<string, Tenant>

/** The owner of every sheet, and EnergyCAP's API key user (id 1, the creator of every list). */
export const owner = "owner@example.com"

/**
 * The email of user `u`.
 *
 * @example
 * ```ts
 * import { email } from "./migrationData.ts"
 * email(7) // "user7@example.com"
 * ```
 */
export const email = (u: number): string => `user${u}@example.com`

/**
 * The Smartsheet id of sheet `i` (a 16-digit int64, like real sheet ids).
 *
 * @example
 * ```ts
 * import { sheetId } from "./migrationData.ts"
 * sheetId(0) // "4000000000000001"
 * ```
 */
export const sheetId = (i: number): string => String(4_000_000_000_000_001 + i)

/**
 * The EnergyCAP list sheet `i` migrates to.
 *
 * @example
 * ```ts
 * import { listId } from "./migrationData.ts"
 * listId(0) // 100000
 * ```
 */
export const listId = (i: number): number => 100_000 + i

/** EnergyCAP user id of user `u` (the owner is 1). */
const userId = (u: number) => 1_000 + u

const levels = ["VIEWER", "VIEWER", "EDITOR", "COMMENTER", "EDITOR_SHARE"] as const

/** The users sheet `i` is shared with, and at which level. */
const sharesOf = function* (tenant: Tenant, i: number) {
  for (let k = 0; k < tenant.usersPerSheet; k++) {
    yield { user: (i * tenant.usersPerSheet + k) % tenant.users, level: levels[k % levels.length] ?? "VIEWER" }
  }
}

/**
 * Shares in the tenant: every sheet's users and its owner.
 *
 * @example
 * ```ts
 * import { shareCount, tenants } from "./migrationData.ts"
 * shareCount(tenants["21000"]) // 21000
 * ```
 */
export const shareCount = (tenant: Tenant): number => tenant.sheets * (tenant.usersPerSheet + 1)

/**
 * Distinct emails among the shares (the owner's included): what `plan` looks up on EnergyCAP.
 *
 * @example
 * ```ts
 * import { distinctEmails, tenants } from "./migrationData.ts"
 * distinctEmails(tenants["21000"]) // 5001
 * ```
 */
export const distinctEmails = (tenant: Tenant): number => {
  const seen = new Uint8Array(tenant.users)
  let count = 0
  for (let i = 0; i < tenant.sheets; i++) {
    for (const { user } of sharesOf(tenant, i)) {
      if (seen[user] === 0) {
        seen[user] = 1
        count++
      }
    }
  }
  return count + 1
}

const noChange: RequestBounds.SyncCase = {
  before: 0,
  after: 0,
  add: 0,
  remove: 0,
  upgrade: 0,
  downgrade: 0,
  emails: 0
}

/**
 * The fewest requests each step needs by the adapters' documented bounds (`requestBounds`):
 *
 * - export: Smartsheet lists no sheets (each is named), so one listing per sheet of `⌈shares / 100⌉` pages;
 * - plan: EnergyCAP `email one of` look-ups for the distinct emails (`⌈emails / 200⌉`: the email
 *   part of a no-change `sync`) and one read of each list;
 * - apply: per list one full-replace PUT and the documented re-read (`replace`: E + 2, E = 0 as the
 *   plan carries EnergyCAP user ids);
 * - verify: one read per list.
 *
 * @example
 * ```ts
 * import { minimums, tenants } from "./migrationData.ts"
 * minimums(tenants["21000"]).plan // 1026
 * ```
 */
export const minimums = (tenant: Tenant) => {
  const eci = Eci.Provider.requestBounds
  const lookups = eci.sync({ ...noChange, emails: distinctEmails(tenant) }) - eci.sync(noChange)
  return {
    export: tenant.sheets * Smartsheet.Provider.requestBounds.list(tenant.usersPerSheet + 1),
    plan: lookups + tenant.sheets * eci.list(0),
    lookups,
    apply: tenant.sheets * 2,
    verify: tenant.sheets * eci.list(tenant.usersPerSheet + 1)
  }
}

/**
 * The running simulators of a tenant and the credentials to reach them.
 *
 * @example
 * ```ts
 * import type { Seeded } from "./migrationData.ts"
 * const urls = (s: Seeded) => [s.smartsheet.url, s.eci.url]
 * ```
 */
export interface Seeded {
  readonly smartsheet: SmartsheetSim.Simulator
  readonly eci: EciSim.Simulator
  readonly smartsheetToken: string
  readonly eciKey: string
  readonly close: () => Promise<void>
}

/**
 * Starts both simulators on loopback, rate limits off, and seeds the tenant into them record by
 * record (EnergyCAP in batches of 1,000).
 *
 * @example
 * ```ts
 * import { seed, tenants } from "./migrationData.ts"
 * const sims = await seed(tenants["21000"])
 * await sims.close()
 * ```
 */
export const seed = async (tenant: Tenant): Promise<Seeded> => {
  const smartsheetToken = `bench-${randomUUID()}`
  const eciKey = `bench-${randomUUID()}`
  const smartsheet = await SmartsheetSim.start({ rateLimit: false })
  const eci = await EciSim.start({})
  try {
    smartsheet.addUser({ email: owner, name: "Owner" })
    smartsheet.addToken({ token: smartsheetToken, user: owner })
    for (let u = 0; u < tenant.users; u++) smartsheet.addUser({ email: email(u) })
    for (let i = 0; i < tenant.sheets; i++) {
      const id = sheetId(i)
      smartsheet.addAsset({ type: "sheet", id, name: `Sheet ${i}`, owner })
      for (const share of sharesOf(tenant, i)) {
        smartsheet.addShare({ assetType: "sheet", assetId: id, email: email(share.user), accessLevel: share.level })
      }
    }
    eci.seed({
      users: [{ userId: 1, userCode: "owner", fullName: "Owner", email: owner }],
      apiKeys: [{ key: eciKey, userId: 1, permissions: EciSim.allPermissions }]
    })
    const batch = 1_000
    for (let from = 0; from < tenant.users; from += batch) {
      const users: Array<EciSim.UserSeed> = []
      for (let u = from; u < Math.min(from + batch, tenant.users); u++)
        users.push({ userId: userId(u), userCode: `u${u}`, email: email(u) })
      eci.seed({ users })
    }
    for (let from = 0; from < tenant.sheets; from += batch) {
      const lists: Array<EciSim.ListSeed> = []
      for (let i = from; i < Math.min(from + batch, tenant.sheets); i++)
        lists.push({ listId: listId(i), name: `Sheet ${i}`, kind: "bill", creatorId: 1 })
      eci.seed({ lists })
    }
  } catch (error) {
    await Promise.all([smartsheet.close(), eci.close()])
    throw error
  }
  return {
    smartsheet,
    eci,
    smartsheetToken,
    eciKey,
    close: async () => {
      await Promise.all([smartsheet.close(), eci.close()])
    }
  }
}

/**
 * Writes the sheets `0 … count - 1` for `export --resources-from`, one `smartsheet:sheet:<id>` per
 * line, in chunks (50,000 sheets are a few MB).
 *
 * @example
 * ```ts
 * import { writeResourceList } from "./migrationData.ts"
 * writeResourceList("/tmp/sheets.txt", 1_000)
 * ```
 */
export const writeResourceList = (path: string, count: number): void => {
  const fd = Fs.openSync(path, "w")
  try {
    let chunk = ""
    for (let i = 0; i < count; i++) {
      chunk += `smartsheet:sheet:${sheetId(i)}\n`
      if (chunk.length > 1 << 20) {
        Fs.writeSync(fd, chunk)
        chunk = ""
      }
    }
    Fs.writeSync(fd, chunk)
  } finally {
    Fs.closeSync(fd)
  }
}

/**
 * Writes the resource map (`plan --resources`): sheet `i` → list `i`, one entry at a time.
 *
 * @example
 * ```ts
 * import { tenants, writeResourceMap } from "./migrationData.ts"
 * writeResourceMap(tenants["21000"], "/tmp/resources.json")
 * ```
 */
export const writeResourceMap = (tenant: Tenant, path: string): void => {
  const fd = Fs.openSync(path, "w")
  try {
    let chunk = "["
    for (let i = 0; i < tenant.sheets; i++) {
      chunk += `${i === 0 ? "" : ","}\n{"source":"smartsheet:sheet:${sheetId(i)}","target":"eci:list:${listId(i)}"}`
      if (chunk.length > 1 << 16) {
        Fs.writeSync(fd, chunk)
        chunk = ""
      }
    }
    Fs.writeSync(fd, `${chunk}\n]\n`)
  } finally {
    Fs.closeSync(fd)
  }
}
