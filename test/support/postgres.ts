/**
 * A throwaway PostgreSQL for tests and benchmarks: Debian's `postgresql` package (installed with
 * apt-get when missing, which needs root), a fresh cluster made by `initdb` in a temporary
 * directory, listening on a free loopback port, stopped and deleted by `stop()`. Trust
 * authentication on loopback only, except for the role `passwordRole`, which must give its password
 * (for the tests of refused credentials); fsync off (the data is thrown away).
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"

/**
 * The one role the server authenticates by password (SCRAM): a test creates it with the password it
 * wants (`CREATE ROLE … LOGIN PASSWORD …`); every other role is trusted.
 */
export const passwordRole = "unishare_password"

/** A running throwaway server. */
export interface Postgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string
  readonly stop: () => void
}

const binDir = (): string | undefined => {
  const root = "/usr/lib/postgresql"
  if (!Fs.existsSync(root)) return undefined
  const versions = Fs.readdirSync(root)
    .filter((v) => Fs.existsSync(Path.join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] === undefined ? undefined : Path.join(root, versions[0], "bin")
}

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0

const install = (): string => {
  const found = binDir()
  if (found !== undefined) return found
  if (!isRoot()) {
    throw new Error("PostgreSQL is not installed: run `apt-get update && apt-get install -y postgresql` as root")
  }
  execFileSync("apt-get", ["update"], { stdio: "ignore" })
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "postgresql"], {
    stdio: "ignore",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  })
  const installed = binDir()
  if (installed === undefined) throw new Error("apt-get installed postgresql but no initdb was found")
  return installed
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = Net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject()))
    })
  })

/** Starts a fresh server; call `stop()` when done. */
export const start = async (): Promise<Postgres> => {
  const bin = install()
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "unishare-pg-"))
  const data = Path.join(dir, "data")
  // initdb and postgres refuse to run as root: run them as the package's `postgres` user
  const asPostgres = (command: string, args: ReadonlyArray<string>) => {
    const [file, argv] = isRoot() ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, [...args]]
    execFileSync(file, argv, { stdio: "pipe", cwd: dir })
  }
  if (isRoot()) execFileSync("chown", ["postgres:postgres", dir])
  asPostgres(Path.join(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
  // the first matching line wins: `passwordRole` must give its password over TCP, the rest is trusted
  const hba = Path.join(data, "pg_hba.conf")
  Fs.writeFileSync(hba, `host all ${passwordRole} 127.0.0.1/32 scram-sha-256\n${Fs.readFileSync(hba, "utf8")}`)
  const port = await freePort()
  const options = `-p ${port} -h 127.0.0.1 -k ${dir} -F -c max_connections=300 -c shared_buffers=32MB`
  asPostgres(Path.join(bin, "pg_ctl"), [
    "-D",
    data,
    "-o",
    options,
    "-l",
    Path.join(dir, "log"),
    "-w",
    "-t",
    "60",
    "start"
  ])
  let stopped = false
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      if (stopped) return
      stopped = true
      try {
        asPostgres(Path.join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"])
      } finally {
        Fs.rmSync(dir, { recursive: true, force: true })
      }
    }
  }
}
