/**
 * The shared machinery of every provider simulator: a loopback HTTP server with a small router,
 * a request log, fault injection (status codes, delays, dropped connections, malformed bodies,
 * "applied then failed" writes) and a per-credential rate limit. Each adapter's `Simulator`
 * supplies the provider's routes, auth check, envelopes and state.
 *
 * @since 0.1.0
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, type Scope } from "effect"

/**
 * A request as a route handler sees it. `body` is the parsed JSON body (or `undefined`);
 * `params` holds the `:name` segments of the matched pattern, decoded.
 *
 * @example
 * ```ts
 * import type { SimulatorKit } from "@unishare/core"
 * const handle = (req: SimulatorKit.SimRequest) => ({ status: 200, body: { id: req.params.id } })
 * ```
 */
export interface SimRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  readonly headers: Readonly<Record<string, string>>
  readonly rawBody: string
  readonly body: unknown
  readonly bodyError: boolean
  readonly params: Readonly<Record<string, string>>
  /** Who the simulator's `authenticate` said is calling. */
  readonly principal: string
}

/**
 * A response: JSON `body`, or `rawBody` sent as is; no body at all for 204.
 *
 * @example
 * ```ts
 * import type { SimulatorKit } from "@unishare/core"
 * const noContent: SimulatorKit.SimResponse = { status: 204 }
 * ```
 */
export interface SimResponse {
  readonly status: number
  readonly body?: unknown
  readonly rawBody?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * One route: method, a pattern such as `/accounts/:account_id/shares`, and its handler.
 *
 * @example
 * ```ts
 * import type { SimulatorKit } from "@unishare/core"
 * const route: SimulatorKit.Route = { method: "GET", pattern: "/ping", handle: () => ({ status: 200, body: "pong" }) }
 * ```
 */
export interface Route {
  readonly method: string
  readonly pattern: string
  readonly handle: (request: SimRequest) => SimResponse
}

/**
 * A fault to inject into matching requests. `status` answers instead of the route; `delay` waits
 * first; `drop` closes the connection with no answer; `malformed` answers 200 with a broken body;
 * `applied-then-status` / `applied-then-drop` run the route (the write takes effect) and then fail
 * (`applied-then-drop` resets the connection); `applied-then-garbled` runs the route and answers
 * 200 with an unreadable body (`html`: an HTML page, `malformed`: broken JSON, `truncated`: the
 * real body cut in half, `wrong-content-type`: the real body labelled `text/plain`); `stall` runs
 * the route, sends the real status, headers and half the body, then nothing more (the connection
 * stays open until the simulator closes); `hold` keeps the request waiting, before the route runs,
 * until `until` settles (then it runs as usual), so a test can keep a write in flight for exactly
 * as long as it needs, whatever the machine's speed (`Running.held` counts the requests waiting).
 *
 * @example
 * ```ts
 * import type { SimulatorKit } from "@unishare/core"
 * const f: SimulatorKit.Fault = { kind: "status", status: 503, times: 2, method: "GET" }
 * ```
 */
export type Fault = (
  | {
      readonly kind: "status"
      readonly status: number
      readonly body?: unknown
      readonly headers?: Record<string, string>
    }
  | { readonly kind: "delay"; readonly millis: number }
  | { readonly kind: "drop" }
  | { readonly kind: "malformed" }
  | { readonly kind: "applied-then-status"; readonly status: number; readonly body?: unknown }
  | { readonly kind: "applied-then-drop" }
  | { readonly kind: "applied-then-garbled"; readonly style: GarbleStyle }
  | { readonly kind: "stall" }
  | { readonly kind: "hold"; readonly until: PromiseLike<unknown> }
) & {
  /** Only requests with this method (or one of these). */
  readonly method?: string | ReadonlyArray<string> | undefined
  /** Only requests whose path matches. */
  readonly path?: RegExp | string | undefined
  /** How many matching requests it hits (default 1; `Infinity` for all). */
  readonly times?: number | undefined
  /** Matching requests to let through before it starts. */
  readonly after?: number | undefined
}

/**
 * How `applied-then-garbled` spoils an answer.
 *
 * @example
 * ```ts
 * import type { SimulatorKit } from "@unishare/core"
 * const style: SimulatorKit.GarbleStyle = "html"
 * ```
 */
export type GarbleStyle = "html" | "malformed" | "truncated" | "wrong-content-type"

/**
 * Every fault kind, for suites that run each one.
 *
 * @example
 * ```ts
 * import { SimulatorKit } from "@unishare/core"
 * SimulatorKit.garbleStyles.length // 4
 * ```
 */
export const garbleStyles: ReadonlyArray<GarbleStyle> = ["html", "malformed", "truncated", "wrong-content-type"]

/**
 * One logged request, without credentials: `principal` says who authenticated, `auth` how.
 *
 * @example
 * ```ts
 * import type { SimulatorKit } from "@unishare/core"
 * const writes = (log: ReadonlyArray<SimulatorKit.LoggedRequest>) => log.filter((r) => r.method !== "GET")
 * ```
 */
export interface LoggedRequest {
  readonly at: number
  readonly method: string
  readonly path: string
  readonly query: string
  readonly body: unknown
  readonly status: number | "dropped"
  readonly principal: string
  readonly auth: string
  readonly fault?: Fault["kind"] | undefined
}

/**
 * The outcome of the provider's auth check: who is calling and by which scheme, or the
 * provider's own error answer.
 *
 * @example
 * ```ts
 * import type { SimulatorKit } from "@unishare/core"
 * const ok: SimulatorKit.AuthResult = { ok: true, principal: "user-1", scheme: "bearer" }
 * ```
 */
export type AuthResult =
  | { readonly ok: true; readonly principal: string; readonly scheme: string }
  | { readonly ok: false; readonly response: SimResponse }

/**
 * Rate limiting, counted by arrival as a provider does: at most `requests` accepted in any sliding
 * `windowMillis` per principal; past it a request is answered by `reject(retryAfterSeconds)` until
 * a slot frees (or, with `lockoutMillis`, until the lockout ends: every request in it is refused).
 * `headers` adds the provider's rate-limit headers to every answer (`remaining` after this request,
 * `resetSeconds` until the oldest counted request leaves the window).
 *
 * @example
 * ```ts
 * import type { SimulatorKit } from "@unishare/core"
 * const rl: SimulatorKit.RateLimitOptions = { requests: 300, windowMillis: 60_000,
 *   reject: (s) => ({ status: 429, body: { errorCode: 4003, message: "Rate limit exceeded." }, headers: { "retry-after": String(s) } }) }
 * ```
 */
export interface RateLimitOptions {
  readonly requests: number
  readonly windowMillis: number
  readonly lockoutMillis?: number | undefined
  readonly reject: (retryAfterSeconds: number) => SimResponse
  readonly headers?:
    | ((state: {
        readonly limit: number
        readonly remaining: number
        readonly resetSeconds: number
      }) => Record<string, string>)
    | undefined
}

/**
 * What a provider simulator passes to the kit.
 *
 * @example
 * ```ts
 * import type { SimulatorKit } from "@unishare/core"
 * const options: SimulatorKit.Options = {
 *   name: "demo", routes: [], authenticate: () => ({ ok: true, principal: "p", scheme: "none" }),
 *   notFound: (req) => ({ status: 404, body: { message: `no route ${req.path}` } })
 * }
 * ```
 */
export interface Options {
  readonly name: string
  readonly routes: ReadonlyArray<Route>
  readonly authenticate: (request: Omit<SimRequest, "params" | "principal">) => AuthResult
  readonly notFound: (request: Omit<SimRequest, "params" | "principal">) => SimResponse
  /** Answer for a body that is not valid JSON. */
  readonly badJson?: ((request: Omit<SimRequest, "params" | "principal">) => SimResponse) | undefined
  /** Path prefix of the API (e.g. `/client/v4`). */
  readonly basePath?: string | undefined
  readonly rateLimit?: RateLimitOptions | undefined
  readonly port?: number | undefined
  /** Clock used for the log and the rate limit (default `Date.now`). */
  readonly now?: (() => number) | undefined
}

/**
 * A running simulator.
 *
 * @example
 * ```ts
 * import type { SimulatorKit } from "@unishare/core"
 * const baseUrlOf = (sim: SimulatorKit.Running) => sim.url
 * ```
 */
export interface Running {
  /** Base URL, including `basePath`. */
  readonly url: string
  readonly port: number
  /** Every request received, oldest first. */
  readonly log: () => ReadonlyArray<LoggedRequest>
  readonly clearLog: () => void
  readonly inject: (fault: Fault) => void
  readonly clearFaults: () => void
  /** How many requests a `hold` fault keeps waiting right now. */
  readonly held: () => number
  readonly close: () => Promise<void>
}

interface Compiled {
  readonly route: Route
  readonly regex: RegExp
  readonly names: ReadonlyArray<string>
}

const compile = (route: Route): Compiled => {
  const names: Array<string> = []
  const source = route.pattern
    .split("/")
    .map((segment) => {
      if (segment.startsWith(":")) {
        names.push(segment.slice(1))
        return "([^/]+)"
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    })
    .join("/")
  return { route, regex: new RegExp(`^${source}/?$`), names }
}

const secretHeaders = new Set(["authorization", "x-auth-key", "x-auth-email", "eci-apikey", "x-auth-user-service-key"])

interface ActiveFault {
  readonly fault: Fault
  remaining: number
  skip: number
}

const matches = (fault: Fault, method: string, path: string): boolean =>
  (fault.method === undefined ||
    (typeof fault.method === "string" ? fault.method === method : fault.method.includes(method))) &&
  (fault.path === undefined || (typeof fault.path === "string" ? path.startsWith(fault.path) : fault.path.test(path)))

const garble = (style: GarbleStyle, response: SimResponse): SimResponse => {
  const real = response.rawBody ?? JSON.stringify(response.body ?? { ok: true })
  switch (style) {
    case "html":
      return {
        status: 200,
        rawBody: "<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>",
        headers: { "content-type": "text/html; charset=utf-8" }
      }
    case "malformed":
      return { status: 200, rawBody: '{"result": [1, 2,, }', headers: { "content-type": "application/json" } }
    case "truncated":
      return {
        status: 200,
        rawBody: real.slice(0, Math.max(1, Math.floor(real.length / 2))),
        headers: { "content-type": "application/json" }
      }
    case "wrong-content-type":
      return { status: 200, rawBody: real, headers: { "content-type": "text/plain; charset=utf-8" } }
  }
}

/**
 * Starts a simulator on loopback (a free port unless `port` is given).
 *
 * @example
 * ```ts
 * import { SimulatorKit } from "@unishare/core"
 * const sim = await SimulatorKit.start({ name: "ping", routes: [{ method: "GET", pattern: "/ping",
 *   handle: () => ({ status: 200, body: "pong" }) }], authenticate: () => ({ ok: true, principal: "p", scheme: "none" }),
 *   notFound: () => ({ status: 404 }) })
 * await sim.close()
 * ```
 */
export const start = async (options: Options): Promise<Running> => {
  const now = options.now ?? Date.now
  const basePath = (options.basePath ?? "").replace(/\/+$/, "")
  const compiled = options.routes.map(compile)
  const log: Array<LoggedRequest> = []
  const faults: Array<ActiveFault> = []
  const windows = new Map<string, { arrivals: Array<number>; head: number; blockedUntil: number }>()
  const timers = new Set<ReturnType<typeof setTimeout>>()
  const stalled = new Set<Http.ServerResponse>()
  const holds = new Set<Http.ServerResponse>()

  const takeFault = (method: string, path: string): Fault | undefined => {
    for (const active of faults) {
      if (active.remaining <= 0 || !matches(active.fault, method, path)) continue
      if (active.skip > 0) {
        active.skip--
        continue
      }
      active.remaining--
      return active.fault
    }
    return undefined
  }

  /** Counts the arrival; the rejection when over budget, and the rate-limit headers to send. */
  const limited = (
    principal: string
  ): { readonly reject?: SimResponse; readonly headers?: Record<string, string> } | undefined => {
    const rl = options.rateLimit
    if (rl === undefined) return undefined
    const t = now()
    let w = windows.get(principal)
    if (w === undefined) {
      w = { arrivals: [], head: 0, blockedUntil: 0 }
      windows.set(principal, w)
    }
    // a sliding log of accepted arrivals: drop those that left the window
    while (w.head < w.arrivals.length && (w.arrivals[w.head] ?? 0) <= t - rl.windowMillis) w.head++
    if (w.head > 1024 && w.head * 2 > w.arrivals.length) {
      w.arrivals = w.arrivals.slice(w.head)
      w.head = 0
    }
    const counted = w.arrivals.length - w.head
    const oldest = w.arrivals[w.head]
    const headers = (remaining: number) =>
      rl.headers?.({
        limit: rl.requests,
        remaining,
        resetSeconds: oldest === undefined ? 0 : Math.max(0, Math.ceil((oldest + rl.windowMillis - t) / 1000))
      })
    const rejectFor = (millis: number) => {
      const response = rl.reject(Math.max(1, Math.ceil(millis / 1000)))
      const extra = headers(0)
      return { reject: extra === undefined ? response : { ...response, headers: { ...response.headers, ...extra } } }
    }
    if (t < w.blockedUntil) return rejectFor(w.blockedUntil - t)
    if (counted >= rl.requests) {
      if (rl.lockoutMillis !== undefined) w.blockedUntil = t + rl.lockoutMillis
      return rejectFor(rl.lockoutMillis ?? (oldest ?? t) + rl.windowMillis - t)
    }
    w.arrivals.push(t)
    const extra = headers(rl.requests - counted - 1)
    return extra === undefined ? {} : { headers: extra }
  }

  const send = (res: Http.ServerResponse, response: SimResponse, extra?: Record<string, string>): undefined => {
    const headers: Record<string, string> = { ...response.headers, ...extra }
    let payload: string | undefined
    if (response.rawBody !== undefined) payload = response.rawBody
    else if (response.body !== undefined && response.status !== 204) payload = JSON.stringify(response.body)
    if (payload !== undefined && headers["content-type"] === undefined) headers["content-type"] = "application/json"
    res.writeHead(response.status, headers)
    res.end(payload)
    return undefined
  }

  const server = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://simulator")
      const method = (req.method ?? "GET").toUpperCase()
      const fullPath = url.pathname
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k.toLowerCase()] = v
      const rawBody = Buffer.concat(chunks).toString("utf8")
      let body: unknown
      let bodyError = false
      if (rawBody !== "") {
        try {
          body = JSON.parse(rawBody)
        } catch {
          bodyError = true
        }
      }
      const path = basePath !== "" && fullPath.startsWith(basePath) ? fullPath.slice(basePath.length) || "/" : fullPath
      const base = { method, path, query: url.searchParams, headers, rawBody, body, bodyError }
      const entry = (status: number | "dropped", principal: string, auth: string, fault?: Fault["kind"]) =>
        log.push({
          at: now(),
          method,
          path,
          query: url.search,
          body: bodyError ? rawBody : body,
          status,
          principal,
          auth,
          ...(fault !== undefined ? { fault } : {})
        })

      let rateHeaders: Record<string, string> | undefined
      const run = (): undefined => {
        if (basePath !== "" && !fullPath.startsWith(basePath)) {
          entry(404, "", "none")
          return send(res, options.notFound(base))
        }
        const auth = options.authenticate(base)
        if (!auth.ok) {
          entry(auth.response.status, "", "rejected")
          return send(res, auth.response)
        }
        const budget = limited(auth.principal)
        if (budget?.reject !== undefined) {
          entry(budget.reject.status, auth.principal, auth.scheme)
          return send(res, budget.reject)
        }
        rateHeaders = budget?.headers
        const fault = takeFault(method, path)
        if (fault !== undefined) {
          switch (fault.kind) {
            case "status":
              entry(fault.status, auth.principal, auth.scheme, fault.kind)
              return send(res, {
                status: fault.status,
                body: fault.body ?? { error: `injected ${fault.status}` },
                headers: fault.headers
              })
            case "drop":
              entry("dropped", auth.principal, auth.scheme, fault.kind)
              res.socket?.destroy()
              return
            case "malformed":
              entry(200, auth.principal, auth.scheme, fault.kind)
              return send(res, {
                status: 200,
                rawBody: '{"truncated": ',
                headers: { "content-type": "application/json" }
              })
            case "delay": {
              const timer = setTimeout(() => {
                timers.delete(timer)
                dispatch(auth, undefined)
              }, fault.millis)
              timers.add(timer)
              return
            }
            case "hold": {
              // like `delay`, the route runs when released even if the client has gone away (a
              // provider finishes a request whose caller stopped waiting)
              holds.add(res)
              // a closed simulator has dropped it: nothing runs
              const resume = () => (holds.delete(res) ? dispatch(auth, undefined) : undefined)
              Promise.resolve(fault.until).then(resume, resume)
              return
            }
            case "applied-then-status":
            case "applied-then-drop":
            case "applied-then-garbled":
            case "stall":
              return dispatch(auth, fault)
          }
        }
        return dispatch(auth, undefined)
      }

      const dispatch = (auth: { principal: string; scheme: string }, after: Fault | undefined): undefined => {
        if (bodyError && options.badJson !== undefined) {
          const response = options.badJson(base)
          entry(response.status, auth.principal, auth.scheme)
          return send(res, response, rateHeaders)
        }
        for (const c of compiled) {
          if (c.route.method !== method) continue
          const m = c.regex.exec(path)
          if (m === null) continue
          const params: Record<string, string> = {}
          c.names.forEach((name, i) => {
            params[name] = decodeURIComponent(m[i + 1] ?? "")
          })
          let response: SimResponse
          try {
            response = c.route.handle({ ...base, params, principal: auth.principal })
          } catch (error) {
            response = { status: 500, body: { error: String(error) } }
          }
          if (after?.kind === "applied-then-drop") {
            entry("dropped", auth.principal, auth.scheme, after.kind)
            const socket = res.socket
            if (socket !== null && "resetAndDestroy" in socket) socket.resetAndDestroy()
            else res.destroy()
            return
          }
          if (after?.kind === "applied-then-garbled") {
            entry(200, auth.principal, auth.scheme, after.kind)
            return send(res, garble(after.style, response))
          }
          if (after?.kind === "stall") {
            entry(response.status, auth.principal, auth.scheme, after.kind)
            const payload = response.rawBody ?? JSON.stringify(response.body ?? { stalled: true })
            res.writeHead(response.status === 204 ? 200 : response.status, {
              "content-type": "application/json",
              ...response.headers,
              "content-length": String(Buffer.byteLength(payload))
            })
            res.write(payload.slice(0, Math.max(1, Math.floor(payload.length / 2))))
            stalled.add(res)
            res.on("close", () => stalled.delete(res))
            return
          }
          if (after?.kind === "applied-then-status") {
            entry(after.status, auth.principal, auth.scheme, after.kind)
            return send(res, { status: after.status, body: after.body ?? { error: `injected ${after.status}` } })
          }
          entry(response.status, auth.principal, auth.scheme)
          return send(res, response, rateHeaders)
        }
        const response = options.notFound(base)
        entry(response.status, auth.principal, auth.scheme)
        return send(res, response, rateHeaders)
      }

      run()
    })
  })
  // as a provider keeps connections: a hint under fetch's 2 s threshold makes it close every connection
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    port,
    log: () => log.slice(),
    clearLog: () => {
      log.length = 0
    },
    inject: (fault) => faults.push({ fault, remaining: fault.times ?? 1, skip: fault.after ?? 0 }),
    clearFaults: () => {
      faults.length = 0
    },
    held: () => holds.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        for (const res of stalled) res.destroy()
        stalled.clear()
        for (const res of holds) res.destroy()
        holds.clear()
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/**
 * `start` as a scoped Effect: the server closes when the scope does.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { SimulatorKit } from "@unishare/core"
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const sim = yield* SimulatorKit.serve({ name: "x", routes: [], authenticate: () => ({ ok: true, principal: "p", scheme: "none" }),
 *     notFound: () => ({ status: 404 }) })
 *   return sim.url
 * }))
 * ```
 */
export const serve = (options: Options): Effect.Effect<Running, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => start(options)),
    (sim) => Effect.promise(() => sim.close())
  )

/**
 * Header names the kit treats as secrets (never logged).
 *
 * @example
 * ```ts
 * import { SimulatorKit } from "@unishare/core"
 * SimulatorKit.isSecretHeader("ECI-ApiKey") // true
 * ```
 */
export const isSecretHeader = (name: string): boolean => secretHeaders.has(name.toLowerCase())
