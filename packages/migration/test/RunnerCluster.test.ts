import { isIP } from "node:net"
import { RunnerCluster } from "@unishare/migration"
import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

describe("RunnerCluster.parseAddress", () => {
  it("accepts host:port for IPv4, host names and [IPv6]", () => {
    expect(RunnerCluster.parseAddress("127.0.0.1:34431")).toEqual(Result.succeed({ host: "127.0.0.1", port: 34431 }))
    expect(RunnerCluster.parseAddress("runner-1.internal.example.com:1")).toEqual(
      Result.succeed({ host: "runner-1.internal.example.com", port: 1 })
    )
    expect(RunnerCluster.parseAddress("localhost:65535")).toEqual(Result.succeed({ host: "localhost", port: 65535 }))
    expect(RunnerCluster.parseAddress("[::1]:34431")).toEqual(Result.succeed({ host: "::1", port: 34431 }))
    expect(RunnerCluster.formatAddress({ host: "::1", port: 34431 })).toBe("[::1]:34431")
    expect(RunnerCluster.formatAddress({ host: "10.0.0.5", port: 80 })).toBe("10.0.0.5:80")
  })

  it("refuses ports out of range and hostile strings, saying why", () => {
    const refused: ReadonlyArray<readonly [string, string]> = [
      ["127.0.0.1:0", "from 1 to 65535"],
      ["127.0.0.1:65536", "from 1 to 65535"],
      ["127.0.0.1:99999", "from 1 to 65535"],
      ["127.0.0.1:123456", "host:port"],
      ["127.0.0.1", "host:port"],
      ["nohost", "host:port"],
      [":34431", "host:port"],
      ["127.0.0.1:", "host:port"],
      ["127.0.0.1:-1", "host:port"],
      ["127.0.0.1:1e3", "host:port"],
      ["127.0.0.1: 80", "host:port"],
      ["::1:34431", "host:port"],
      ["[zz::1]:80", "host:port"],
      ["[1.2.3.4]:80", "not an IPv6 address"],
      ["999.1.1.1:80", "not an IPv4 address"],
      ["1.2.3:80", "not an IPv4 address"],
      ["http://h:80", "host:port"],
      ["user@h:80", "host name"],
      ["h/../x:80", "host name"],
      ["a b:80", "host name"],
      ["$(touch x):80", "host name"],
      ["h;rm -rf:80", "host name"],
      ["-h:80", "host name"],
      ["h-:80", "host name"],
      ["h..x:80", "host name"],
      ["été:80", "host name"],
      ["h\u0000:80", "host name"],
      ["h\n:80", "host name"],
      [`${"a".repeat(64)}:80`, "host name"],
      [`${"a.".repeat(127)}a:80`, "host name"]
    ]
    for (const [text, reason] of refused) {
      const parsed = RunnerCluster.parseAddress(text)
      expect(Result.isFailure(parsed), text).toBe(true)
      if (Result.isFailure(parsed)) expect(parsed.failure, text).toContain(reason)
    }
  })

  it("property: any string is either refused or a safe host with a port from 1 to 65535 that round-trips", () => {
    const pieces = fc.oneof(
      fc.string(),
      fc.constantFrom("127.0.0.1", "[::1]", "localhost", "a-b.c", ":", "[", "]", "%", "\u0000", " ", "..", "65536")
    )
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 4 }), (parts) => {
        const text = parts.join("")
        const parsed = RunnerCluster.parseAddress(text)
        if (Result.isFailure(parsed)) return
        const { host, port } = parsed.success
        expect(Number.isInteger(port) && port >= 1 && port <= 65535).toBe(true)
        expect(isIP(host) !== 0 || /^[A-Za-z0-9.-]+$/.test(host)).toBe(true)
        expect(RunnerCluster.formatAddress(parsed.success)).toBe(text.replace(/:0+(?=\d+$)/, ":"))
      }),
      { numRuns: 2000 }
    )
  })
})
