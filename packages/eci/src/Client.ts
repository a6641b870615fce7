/**
 * The native typed client of the EnergyCAP API (the `ECI-ApiKey` API) for list sharing: one
 * function per endpoint, paginated endpoints as `Stream`s (constant memory, `pageNumber` /
 * `pageSize`, stopping at the `TotalPages` response header), input validated before any request.
 *
 * Every request carries `ECI-ApiKey` (from a `Redacted` key) and `Content-Type: application/json`
 * (EnergyCAP requires it on every request, GET included).
 *
 * @since 0.1.0
 */
import { type Capabilities, Errors, HttpApi, Ids, Input, Translation } from "@unishare/core"
import { Effect, Option, type Redacted, Schema, Stream } from "effect"
import type { HttpClient } from "effect/http"
import * as EciErrors from "./Errors.ts"
import * as Filter from "./Filter.ts"
import * as Wire from "./Wire.ts"

/**
 * The EnergyCAP environments and their hosts: US East production (`app`), US West (`wce`), EU
 * production (`app-eu`), FedRAMP (`fed`) and Implementation (`implement`). An API key works only on
 * the environment (and datasource) where it was created.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/eci"
 * Client.environments["app-eu"] // "app-eu.energycap.com"
 * ```
 */
export const environments = {
  app: "app.energycap.com",
  wce: "wce.energycap.com",
  "app-eu": "app-eu.energycap.com",
  fed: "app.fed-energycap.com",
  implement: "implement.energycap.com"
} as const

/** An EnergyCAP environment name. @example const env: Client.Environment = "implement" */
export type Environment = keyof typeof environments

/**
 * Client configuration. `baseUrl` (origin only, e.g. a simulator or an alias host) wins over
 * `environment` (default `app`); `apiVersion` defaults to `v3` (date versions like `v202407` are
 * accepted too).
 *
 * @example
 * ```ts
 * import { Redacted } from "effect"
 * import type { Client } from "@unishare/eci"
 * const config: Client.Config = { apiKey: Redacted.make("…"), environment: "app-eu" }
 * ```
 */
export interface Config {
  readonly apiKey: Redacted.Redacted<string>
  readonly environment?: Environment | undefined
  readonly baseUrl?: string | undefined
  readonly apiVersion?: string | undefined
  readonly timeoutMillis?: number | undefined
  readonly retry?: Partial<HttpApi.RetryPolicy> | undefined
  /** A client-side request budget per key. EnergyCAP documents none, so there is no default. */
  readonly rateLimit?: Capabilities.RateLimit | undefined
}

/**
 * One page of a paginated operation with the totals EnergyCAP sends in headers.
 *
 * @example
 * ```ts
 * import type { Client, Wire } from "@unishare/eci"
 * const page: Client.Page<Wire.UserGroupResponse> = { items: [], pageNumber: 1, pageSize: 250, totalNumberOfRecords: 0, totalPages: 0 }
 * ```
 */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly pageNumber: number
  readonly pageSize: number
  readonly totalNumberOfRecords: number | undefined
  readonly totalPages: number | undefined
}

/**
 * Options of paginated operations: `pageSize` (1 … 1000, default 250) and an EnergyCAP `filter`.
 *
 * @example
 * ```ts
 * import { Filter, type Client } from "@unishare/eci"
 * const opts: Client.PageOptions = { pageSize: 1000, filter: Filter.equals("userGroupName", "Finance") }
 * ```
 */
export interface PageOptions {
  readonly pageSize?: number | undefined
  readonly filter?: Filter.Filter | undefined
}

/**
 * The native client.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import type { Client } from "@unishare/eci"
 * const shareOf = (client: Client.Client) => client.getListShare(42)
 * ```
 */
export interface Client {
  /** The API origin plus `/api/{version}`, e.g. `https://app.energycap.com/api/v3`. */
  readonly apiUrl: string
  /** `GET /api/{v}/list/{listId}/share` (GetListShareV3). */
  readonly getListShare: (listId: number) => Effect.Effect<Wire.ShareResponse, Errors.SharingError>
  /** `PUT /api/{v}/list/{listId}/share` (EditListShareV3): replaces the whole share state. */
  readonly editListShare: (
    listId: number,
    request: Wire.ShareRequest
  ) => Effect.Effect<Wire.ShareResponse, Errors.SharingError>
  /** `GET /api/{v}/list[?listTypeId=]` (GetListsV3): lists the caller created or can access. */
  readonly getLists: (options?: {
    readonly listTypeId?: number | undefined
  }) => Effect.Effect<ReadonlyArray<Wire.ListCreateResponse>, Errors.SharingError>
  /** `GET /api/{v}/user[?filter=]` (GetUsersV3). */
  readonly getUsers: (options?: {
    readonly filter?: Filter.Filter | undefined
  }) => Effect.Effect<ReadonlyArray<Wire.UserResponse>, Errors.SharingError>
  /** `GET /api/{v}/user?filter=email equals '…'`: the users with this email (normally 0 or 1). */
  readonly usersByEmail: (email: string) => Effect.Effect<ReadonlyArray<Wire.UserResponse>, Errors.SharingError>
  /** `GET /api/{v}/user?filter=systemUserCode equals '…'`: the users with this login name. */
  readonly usersByCode: (userCode: string) => Effect.Effect<ReadonlyArray<Wire.UserResponse>, Errors.SharingError>
  /** `GET /api/{v}/user/{userId}` (GetUserV3). */
  readonly getUser: (userId: number) => Effect.Effect<Wire.UserResponse, Errors.SharingError>
  /** One page of `GET /api/{v}/userGroup` (GetUserGroupsV3). */
  readonly getUserGroupsPage: (
    pageNumber: number,
    options?: PageOptions
  ) => Effect.Effect<Page<Wire.UserGroupResponse>, Errors.SharingError>
  /** Every user group, page by page. */
  readonly getUserGroups: (options?: PageOptions) => Stream.Stream<Wire.UserGroupResponse, Errors.SharingError>
  /** `GET /api/{v}/userGroup/{userGroupId}` (GetUserGroupV3). */
  readonly getUserGroup: (userGroupId: number) => Effect.Effect<Wire.UserGroupResponse, Errors.SharingError>
  /**
   * `GET /api/{v}/userGroup/{userGroupId}/member` (GetUserGroupMembersV3): every member in one
   * answer. The operation is not paginated (no `pageNumber` / `pageSize`, no page headers).
   */
  readonly getUserGroupMembers: (
    userGroupId: number
  ) => Effect.Effect<ReadonlyArray<Wire.UserChild>, Errors.SharingError>
  /**
   * `POST /api/{v}/list` (CreateDefaultListV3): creates a list owned by the key's user. Not
   * retried blindly: after an answer that leaves it unclear whether the list was created, the lists
   * of that type are read and a list with the same name is taken as the one created.
   */
  readonly createList: (request: Wire.ListCreate) => Effect.Effect<Wire.ListCreateResponse, Errors.SharingError>
  /**
   * `PUT /api/{v}/list/{listId}/visible` (EditListShareVisibilityV3): shows or hides a list for the
   * calling user only; sharing is unchanged.
   */
  readonly editListVisibility: (
    listId: number,
    visible: boolean
  ) => Effect.Effect<Wire.ListCreateResponse, Errors.SharingError>
  /** One page of `GET /api/v202512/user/paginated` (the paginated GetUsers variant). */
  readonly getUsersPaginatedPage: (
    pageNumber: number,
    options?: PageOptions
  ) => Effect.Effect<Page<Wire.UserResponse>, Errors.SharingError>
  /** Every user matching the filter, page by page (`GET /api/v202512/user/paginated`). */
  readonly getUsersPaginated: (options?: PageOptions) => Stream.Stream<Wire.UserResponse, Errors.SharingError>
}

/** The API version of the paginated user endpoint, fixed by EnergyCAP whatever `apiVersion` says. */
const paginatedUserPath = "/api/v202512/user/paginated"

const provider = EciErrors.provider
const ops = EciErrors.operations

/**
 * The request body our client accepts: like `Wire.ShareRequest` but every id must be a positive int32.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Client } from "@unishare/eci"
 * Schema.is(Client.ShareRequestInput)({ sharedUserGroupIds: [], sharedUserIds: [2 ** 31], sharedWithEveryone: false }) // false
 * ```
 */
export const ShareRequestInput = Schema.Struct({
  sharedUserGroupIds: Schema.Array(Wire.Id),
  sharedUserIds: Schema.Array(Wire.Id),
  sharedWithEveryone: Schema.Boolean
})

const PageSize = Schema.Number.check(
  Schema.isInt(),
  Schema.isBetween(
    { minimum: 1, maximum: Wire.maxPageSize },
    { message: `must be an integer in 1 … ${Wire.maxPageSize}` }
  )
)
const PageNumber = Wire.Id
const Version = Schema.String.check(
  Schema.isPattern(/^v\d+$/, { message: 'must look like "v3" or a date version such as "v202407"' })
)

/**
 * Validates an id before any request: a positive int32, else `InvalidInput` naming `path`.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/eci"
 * Client.checkId(2 ** 31, "getListShare", "listId") // fails: listId must be a positive int32
 * ```
 */
export const checkId = (id: unknown, operation: string, path: string): Effect.Effect<number, Errors.InvalidInput> =>
  Translation.validate(Wire.Id, id, { provider, operation, path })

/**
 * Validates a `ShareRequest` before it is sent: all three fields present, ids positive int32s, and
 * no ids while `sharedWithEveryone` is `true` (EnergyCAP: the lists "should be []").
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/eci"
 * Client.checkShareRequest({ sharedUserGroupIds: [], sharedUserIds: [1], sharedWithEveryone: true }, "editListShare")
 * // fails: request.sharedUserIds must be [] when sharedWithEveryone is true
 * ```
 */
export const checkShareRequest = (
  request: unknown,
  operation: string
): Effect.Effect<Wire.ShareRequest, Errors.InvalidInput> =>
  Effect.flatMap(Translation.validate(ShareRequestInput, request, { provider, operation, path: "request" }), (r) => {
    if (!r.sharedWithEveryone) return Effect.succeed(r)
    const issues: Array<Errors.Issue> = []
    if (r.sharedUserIds.length > 0)
      issues.push({ path: "request.sharedUserIds", message: "must be [] when sharedWithEveryone is true" })
    if (r.sharedUserGroupIds.length > 0)
      issues.push({ path: "request.sharedUserGroupIds", message: "must be [] when sharedWithEveryone is true" })
    return issues.length === 0
      ? Effect.succeed(r)
      : Effect.fail(new Errors.InvalidInput({ provider, operation, issues }))
  })

/**
 * Resolves the API origin from a config: `baseUrl` when given, else the environment's host.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/eci"
 * Client.originOf({ environment: "fed" }) // "https://app.fed-energycap.com"
 * ```
 */
export const originOf = (config: Pick<Config, "baseUrl" | "environment">): string =>
  config.baseUrl ?? `https://${environments[config.environment ?? "app"]}`

/** Whether a list's share state is exactly the one a `ShareRequest` asked for. */
const showsRequest = (share: Wire.ShareResponse, request: Wire.ShareRequest): boolean => {
  const same = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => {
    const set = new Set(a)
    return set.size === new Set(b).size && b.every((x) => set.has(x))
  }
  return (
    share.sharedWithEveryone === request.sharedWithEveryone &&
    same(
      share.sharedUsers.map((u) => u.userId),
      request.sharedUserIds
    ) &&
    same(
      share.sharedUserGroups.map((g) => g.userGroupId),
      request.sharedUserGroupIds
    )
  )
}

const headerInt = (headers: Readonly<Record<string, string>>, name: string): number | undefined => {
  const value = headers[name.toLowerCase()]
  if (value === undefined) return undefined
  const n = Number(value)
  return Number.isInteger(n) ? n : undefined
}

const ConfigShape = Schema.Struct({
  ...Input.httpSettings,
  environment: Schema.optional(Schema.Literals(Object.keys(environments) as ReadonlyArray<Environment>)),
  apiVersion: Schema.optional(Schema.String)
})

/**
 * Decodes a configuration before anything is built: the `Redacted` API key (its value is never
 * shown), environment, base URL, API version, timeout, retry and rate limit.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/eci"
 * Client.decodeConfig({ apiKey: "in clear" } as never) // fails at apiKey, without showing it
 * ```
 */
export const decodeConfig = <C extends Config>(config: C): Effect.Effect<C, Errors.InvalidInput> =>
  Input.config(provider, config, ConfigShape, (c) => [["apiKey", c.apiKey]])

const int32 = (path: string, what: string) => (input: string) =>
  Input.issues(Ids.Int32Text, input, path).map((i) => ({ ...i, message: `${what}: ${i.message}` }))

/**
 * The neutral provider's input rules (`Input.Rules`): a resource is a list with an int32 id, a
 * share id is `user:<id>`, `group:<id>` or `everyone`, grantee ids are int32 user and user group
 * ids and an email is exactly one address.
 *
 * @example
 * ```ts
 * import { Client } from "@unishare/eci"
 * Client.inputRules.shareId?.("user:NaN") // [{ path: "shareId", … }]
 * ```
 */
export const inputRules: Input.Rules = {
  resource: (r) =>
    r.kind !== "list"
      ? [{ path: "resource.kind", message: `EnergyCAP shares lists only; got kind ${JSON.stringify(r.kind)}` }]
      : int32("resource.id", "an EnergyCAP list id")(r.id),
  shareId: (id) => {
    if (id === "everyone") return []
    const m = /^(user|group):(.*)$/s.exec(id)
    return m === null
      ? [{ path: "shareId", message: "must be an EnergyCAP share id: user:<userId>, group:<userGroupId> or everyone" }]
      : int32("shareId", `the ${m[1]} id of an EnergyCAP share id`)(m[2] ?? "")
  },
  grantee: (g, path) =>
    g._tag === "User"
      ? [
          ...(g.id !== undefined ? int32(`${path}.id`, "an EnergyCAP userId")(g.id) : []),
          ...(g.email !== undefined ? Input.issues(Ids.Email, g.email, `${path}.email`) : [])
        ]
      : g._tag === "Group"
        ? int32(`${path}.id`, "an EnergyCAP userGroupId")(g.id)
        : []
}

/**
 * Builds the native client on the `HttpClient` in context. Fails with `InvalidInput` for a bad
 * `baseUrl` (https required except on loopback), environment or API version.
 *
 * @example
 * ```ts
 * import { Effect, Redacted } from "effect"
 * import { FetchHttpClient } from "effect/http"
 * import { Client } from "@unishare/eci"
 * const program = Effect.gen(function* () {
 *   const client = yield* Client.make({ apiKey: Redacted.make(process.env.ECI_API_KEY ?? "") })
 *   return yield* client.getListShare(42)
 * }).pipe(Effect.provide(FetchHttpClient.layer))
 * ```
 */
export const make = (config: Config): Effect.Effect<Client, Errors.InvalidInput, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    yield* decodeConfig(config)
    if (config.baseUrl === undefined && config.environment !== undefined && !(config.environment in environments)) {
      return yield* Errors.invalid(
        provider,
        "configure",
        "environment",
        `unknown EnergyCAP environment ${JSON.stringify(config.environment)}; expected one of ${Object.keys(environments).join(", ")}`
      )
    }
    const version = yield* Translation.validate(Version, config.apiVersion ?? "v3", {
      provider,
      operation: "configure",
      path: "apiVersion"
    })
    const api = yield* HttpApi.make({
      provider,
      baseUrl: originOf(config),
      auth: HttpApi.headers({ "ECI-ApiKey": config.apiKey }, { "ECI-ApiKey": "apiKey" }),
      headers: { "content-type": "application/json" },
      timeoutMillis: config.timeoutMillis,
      retry: config.retry,
      rateLimit: config.rateLimit,
      classify: EciErrors.classify,
      isTransient: EciErrors.isTransient
    })
    const prefix = `/api/${version}`

    const getListShare = (listId: number) =>
      Effect.flatMap(checkId(listId, ops.getListShare, "listId"), (id) =>
        api.json({
          operation: ops.getListShare,
          method: "GET",
          path: prefix + HttpApi.path`/list/${id}/share`,
          response: Wire.ShareResponse
        })
      )

    const editListShare = (listId: number, request: Wire.ShareRequest) =>
      Effect.gen(function* () {
        const id = yield* checkId(listId, ops.editListShare, "listId")
        const body = yield* checkShareRequest(request, ops.editListShare)
        // An ambiguous answer to the PUT is settled by reading the list's share back.
        return yield* HttpApi.confirmWrite({
          write: api.json({
            operation: ops.editListShare,
            method: "PUT",
            path: prefix + HttpApi.path`/list/${id}/share`,
            body: {
              sharedUserGroupIds: body.sharedUserGroupIds,
              sharedUserIds: body.sharedUserIds,
              sharedWithEveryone: body.sharedWithEveryone
            },
            response: Wire.ShareResponse
          }),
          check: Effect.map(getListShare(id), (now) => (showsRequest(now, body) ? Option.some(now) : Option.none()))
        })
      })

    const getLists = (options: { readonly listTypeId?: number | undefined } = {}) =>
      Effect.gen(function* () {
        const listTypeId =
          options.listTypeId === undefined
            ? undefined
            : yield* Translation.validate(Wire.Int32, options.listTypeId, {
                provider,
                operation: ops.getLists,
                path: "listTypeId"
              })
        return yield* api.json({
          operation: ops.getLists,
          method: "GET",
          path: `${prefix}/list`,
          query: { listTypeId },
          response: Schema.Array(Wire.ListCreateResponse)
        })
      })

    const getUsers = (options: { readonly filter?: Filter.Filter | undefined } = {}) =>
      api.json({
        operation: ops.getUsers,
        method: "GET",
        path: `${prefix}/user`,
        query: { filter: options.filter },
        response: Schema.Array(Wire.UserResponse)
      })

    const nonEmpty = (value: string, path: string) =>
      value.trim() === ""
        ? Effect.fail(Errors.invalid(provider, ops.getUsers, path, "must not be empty"))
        : Effect.succeed(value)

    // exactly one address: a list or a lone surrogate (sent as U+FFFD) would find another user
    const usersByEmail = (email: string) =>
      Effect.flatMap(
        Translation.validate(Ids.Email, typeof email === "string" ? email.trim() : email, {
          provider,
          operation: ops.getUsers,
          path: "email"
        }),
        (e) => getUsers({ filter: Filter.equals("email", e) })
      )
    const usersByCode = (userCode: string) =>
      Effect.flatMap(nonEmpty(userCode, "userCode"), (c) => getUsers({ filter: Filter.equals("systemUserCode", c) }))

    const getUser = (userId: number) =>
      Effect.flatMap(checkId(userId, ops.getUser, "userId"), (id) =>
        api.json({
          operation: ops.getUser,
          method: "GET",
          path: prefix + HttpApi.path`/user/${id}`,
          response: Wire.UserResponse
        })
      )

    const page = <S extends Schema.Top & { readonly DecodingServices: never }>(
      operation: string,
      path: string,
      item: S,
      pageNumber: number,
      options: PageOptions
    ): Effect.Effect<Page<S["Type"]>, Errors.SharingError> =>
      Effect.gen(function* () {
        const number = yield* Translation.validate(PageNumber, pageNumber, { provider, operation, path: "pageNumber" })
        const size = yield* Translation.validate(PageSize, options.pageSize ?? Wire.defaultPageSize, {
          provider,
          operation,
          path: "pageSize"
        })
        const response = yield* api.request({
          operation,
          method: "GET",
          path,
          query: { filter: options.filter, pageNumber: number, pageSize: size },
          response: Schema.Array(item)
        })
        return {
          items: response.body as ReadonlyArray<S["Type"]>,
          pageNumber: headerInt(response.headers, Wire.pageHeaders.pageNumber) ?? number,
          pageSize: headerInt(response.headers, Wire.pageHeaders.pageSize) ?? size,
          totalNumberOfRecords: headerInt(response.headers, Wire.pageHeaders.totalNumberOfRecords),
          totalPages: headerInt(response.headers, Wire.pageHeaders.totalPages)
        }
      })

    // Stop at TotalPages; without the header (or on an empty page) there is nothing more to read.
    const pages = <A>(
      fetch: (pageNumber: number) => Effect.Effect<Page<A>, Errors.SharingError>
    ): Stream.Stream<A, Errors.SharingError> =>
      Stream.paginate(1, (n: number) =>
        Effect.map(fetch(n), (p) => {
          const more = p.totalPages !== undefined && p.items.length > 0 && p.pageNumber < p.totalPages
          return [p.items, more ? Option.some(p.pageNumber + 1) : Option.none()] as const
        })
      )

    const getUserGroupsPage = (pageNumber: number, options: PageOptions = {}) =>
      page(ops.getUserGroups, `${prefix}/userGroup`, Wire.UserGroupResponse, pageNumber, options)

    const getUserGroup = (userGroupId: number) =>
      Effect.flatMap(checkId(userGroupId, ops.getUserGroup, "userGroupId"), (id) =>
        api.json({
          operation: ops.getUserGroup,
          method: "GET",
          path: prefix + HttpApi.path`/userGroup/${id}`,
          response: Wire.UserGroupResponse
        })
      )

    const getUserGroupMembers = (userGroupId: number) =>
      Effect.flatMap(checkId(userGroupId, ops.getUserGroupMembers, "userGroupId"), (id) =>
        api.json({
          operation: ops.getUserGroupMembers,
          method: "GET",
          path: prefix + HttpApi.path`/userGroup/${id}/member`,
          response: Schema.Array(Wire.UserChild)
        })
      )

    const createList = (request: Wire.ListCreate) =>
      Effect.gen(function* () {
        const body = yield* Translation.validate(Wire.ListCreate, request, {
          provider,
          operation: ops.createList,
          path: "request"
        })
        const find = Effect.map(getLists({ listTypeId: body.listTypeId }), (lists) =>
          Option.fromNullishOr(lists.find((l) => l.listInfo === body.listInfo))
        )
        return yield* HttpApi.createOnce({
          create: api.json({
            operation: ops.createList,
            method: "POST",
            path: `${prefix}/list`,
            body: {
              listInfo: body.listInfo,
              ...(body.listDescription !== undefined ? { listDescription: body.listDescription } : {}),
              listTypeId: body.listTypeId
            },
            response: Wire.ListCreateResponse
          }),
          check: find
        })
      })

    const editListVisibility = (listId: number, visible: boolean) =>
      Effect.gen(function* () {
        const id = yield* checkId(listId, ops.editListVisibility, "listId")
        const body = yield* Translation.validate(
          Wire.ToggleVisible,
          { visible },
          { provider, operation: ops.editListVisibility, path: "request" }
        )
        return yield* api.json({
          operation: ops.editListVisibility,
          method: "PUT",
          path: prefix + HttpApi.path`/list/${id}/visible`,
          body: { visible: body.visible },
          response: Wire.ListCreateResponse
        })
      })

    const getUsersPaginatedPage = (pageNumber: number, options: PageOptions = {}) =>
      page(ops.getUsersPaginated, paginatedUserPath, Wire.UserResponse, pageNumber, options)

    return {
      apiUrl: `${api.baseUrl}${prefix}`,
      getListShare,
      editListShare,
      getLists,
      getUsers,
      usersByEmail,
      usersByCode,
      getUser,
      getUserGroupsPage,
      getUserGroups: (options = {}) => pages((n) => getUserGroupsPage(n, options)),
      getUserGroup,
      getUserGroupMembers,
      createList,
      editListVisibility,
      getUsersPaginatedPage,
      getUsersPaginated: (options = {}) => pages((n) => getUsersPaginatedPage(n, options))
    } satisfies Client
  })
