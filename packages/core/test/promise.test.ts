import { Grantee, MemoryProvider } from "@unishare/core"
import { Errors, SharingClient } from "@unishare/core/promise"
import { describe, expect, it } from "vitest"

const doc = { provider: "memory", kind: "doc", id: "d1" }

describe("Promise facade", () => {
  it("runs the operations and rejects with the tagged error classes", async () => {
    const client = SharingClient.fromProvider(MemoryProvider.make({ resources: [doc] }))
    try {
      const share = await client.grant(doc, { grantee: Grantee.group("7"), level: "editor" })
      const owner = await client
        .grantWithFidelity(doc, { grantee: Grantee.group("8"), level: "owner", onLossy: "round-down" })
        .catch((e: unknown) => e)
      expect(owner).toBeInstanceOf(Errors.Unsupported)
      const same = await client.grantWithFidelity(doc, { grantee: Grantee.group("7"), level: "editor" })
      expect([same.share.id, same.fidelity, same.warnings]).toEqual([share.id, "exact", []])
      expect(share.level).toBe("editor")
      expect((await client.list(doc)).map((s) => s.id)).toEqual([share.id])
      const seen: Array<string> = []
      for await (const s of client.iterate(doc)) seen.push(s.id)
      expect(seen).toEqual([share.id])
      const result = await client.sync(doc, [{ grantee: Grantee.user({ email: "ada@example.com" }), level: "viewer" }])
      expect(result.verified).toBe(true)
      expect(result.plan.operations.map((o) => o._tag).sort()).toEqual(["Grant", "Revoke"])
      const missing = await client.get(doc, "nope").catch((e: unknown) => e)
      expect(missing).toBeInstanceOf(Errors.NotFound)
      const bad = await client.grant(doc, { grantee: { _tag: "User" }, level: "viewer" }).catch((e: unknown) => e)
      expect(bad).toBeInstanceOf(Errors.InvalidInput)
    } finally {
      await client.close()
    }
  })

  it("an aborted call rejects", async () => {
    const client = SharingClient.fromProvider(MemoryProvider.make({ resources: [doc] }))
    const controller = new AbortController()
    controller.abort()
    await expect(client.list(doc, { signal: controller.signal })).rejects.toBeDefined()
    await client.close()
  })
})
