/**
 * Planner inputs of any size: `n` current shares against `n` desired grants — 90% of the current
 * kept (a third of them at another level), 10% dropped, 10% new. Users by email and groups.
 */
import { Capabilities, type Share, ShareStatus } from "@unishare/core"

export const capabilities = Capabilities.make({
  provider: "memory",
  granteeKinds: ["User", "Group"],
  levels: ["viewer", "commenter", "editor", "sharer", "admin"]
})

export const plannerInput = (n: number) => {
  const resource = { provider: "memory", kind: "doc", id: "d1" }
  const levels = capabilities.levels
  const current: Array<Share.Share> = Array.from({ length: n }, (_, i) => ({
    id: `s${i}`,
    resource,
    grantee: i % 2 === 0 ? { _tag: "User", email: `user${i}@example.com` } : { _tag: "Group", id: `g${i}` },
    level: levels[i % levels.length] ?? "viewer",
    status: ShareStatus.active,
    inherited: false
  }))
  const desired: Array<Share.Grant> = []
  for (let i = 0; i < n; i++) {
    if (i % 10 === 0) continue
    const share = current[i]
    if (share === undefined) continue
    desired.push({
      grantee: share.grantee,
      level: i % 3 === 0 ? (levels[(i + 1) % levels.length] ?? "viewer") : share.level
    })
  }
  for (let i = 0; i < n / 10; i++)
    desired.push({ grantee: { _tag: "User", email: `new${i}@example.com` }, level: "viewer" })
  return { current, desired }
}
