/**
 * `@unishare/core/promise`: the same operations for code that does not use Effect. Every method
 * returns a Promise that rejects with the tagged error classes of `Errors` (`instanceof` works).
 * Arguments are decoded before anything runs (the provider is wrapped with `Input.guard`, and the
 * per-call options are checked here): whatever a JavaScript caller passes, a call rejects with a
 * typed error, never a `TypeError` or `URIError`, and bad input sends no request.
 *
 * @since 0.1.0
 */
import { Effect, type Layer, ManagedRuntime, Stream } from "effect"
import type { HttpClient } from "effect/http"
import type { AccessLevel } from "./AccessLevel.ts"
import type { SharingError } from "./Errors.ts"
import * as CoreErrors from "./Errors.ts"
import * as FetchTransport from "./FetchTransport.ts"
import * as Granting from "./Granting.ts"
import * as Input from "./Input.ts"
import type { ResourceRef } from "./ResourceRef.ts"
import * as Settle from "./Settle.ts"
import type { Grant, Share } from "./Share.ts"
import type { GrantRequest, ListOptions, Shape } from "./SharingProvider.ts"
import * as Sync from "./Sync.ts"
import type * as Translation from "./Translation.ts"

export * as Errors from "./Errors.ts"

/**
 * Per-call options: an `AbortSignal` interrupts the operation and rejects the promise.
 *
 * @example
 * ```ts
 * import type { CallOptions } from "@unishare/core/promise"
 * const opts: CallOptions = { signal: AbortSignal.timeout(5_000) }
 * ```
 */
export interface CallOptions {
  readonly signal?: AbortSignal | undefined
}

const notAProvider = (message: string) => CoreErrors.invalid("unknown", "create", "provider", message)

/** The per-call options must be an object (or absent) whose `signal`, if any, is an `AbortSignal`. */
const callOptionsProblem = (provider: Shape, options: unknown): CoreErrors.InvalidInput | undefined => {
  if (options === undefined) return undefined
  const name = provider.capabilities.provider
  if (typeof options !== "object" || options === null) {
    return CoreErrors.invalid(name, "call", "options", "must be an object when given")
  }
  const signal = (options as { signal?: unknown }).signal
  return signal === undefined || signal instanceof AbortSignal
    ? undefined
    : CoreErrors.invalid(name, "call", "options.signal", "must be an AbortSignal when given")
}

/**
 * A provider behind Promises.
 *
 * @example
 * ```ts
 * import { MemoryProvider } from "@unishare/core"
 * import { SharingClient } from "@unishare/core/promise"
 * const client = SharingClient.fromProvider(MemoryProvider.make({ resources: [{ provider: "memory", kind: "doc", id: "d1" }] }))
 * const shares = await client.list({ provider: "memory", kind: "doc", id: "d1" })
 * await client.close()
 * ```
 */
export class SharingClient {
  readonly #runtime: ManagedRuntime.ManagedRuntime<HttpClient.HttpClient, SharingError>
  readonly #provider: Promise<Shape>

  private constructor(build: Effect.Effect<Shape, SharingError, HttpClient.HttpClient>) {
    this.#runtime = ManagedRuntime.make(FetchTransport.layer as Layer.Layer<HttpClient.HttpClient, SharingError>)
    this.#provider = Effect.isEffect(build)
      ? this.#runtime.runPromise(
          Effect.flatMap(build, (provider) =>
            Input.isProvider(provider)
              ? Effect.succeed(Input.guard(provider))
              : Effect.fail(notAProvider("the effect did not produce a provider"))
          )
        )
      : Promise.reject(notAProvider("expected an Effect building a provider (an adapter's make(config))"))
    this.#provider.catch(() => undefined)
  }

  /**
   * Wraps a provider built by an adapter's `make` (which needs an `HttpClient`: fetch is used).
   *
   * @example
   * ```ts
   * import { Redacted } from "effect"
   * import * as Eci from "@unishare/eci"
   * import { SharingClient } from "@unishare/core/promise"
   * const client = SharingClient.create(Eci.make({ apiKey: Redacted.make(process.env.ECI_API_KEY ?? "") }))
   * ```
   */
  static create(build: Effect.Effect<Shape, SharingError, HttpClient.HttpClient>): SharingClient {
    return new SharingClient(build)
  }

  /**
   * Wraps a provider value (the memory provider, or one you built with Effect).
   *
   * @example
   * ```ts
   * import { MemoryProvider } from "@unishare/core"
   * import { SharingClient } from "@unishare/core/promise"
   * const client = SharingClient.fromProvider(MemoryProvider.make())
   * ```
   */
  static fromProvider(provider: Shape): SharingClient {
    return new SharingClient(
      Input.isProvider(provider)
        ? Effect.succeed(provider)
        : Effect.fail(notAProvider("expected a provider (capabilities and the port's functions)"))
    )
  }

  #run<A>(f: (provider: Shape) => Effect.Effect<A, SharingError>, options?: CallOptions): Promise<A> {
    return this.#provider.then((provider) => {
      const problem = callOptionsProblem(provider, options)
      if (problem !== undefined) return Promise.reject(problem)
      const signal = options?.signal
      if (signal?.aborted) return Promise.reject(signal.reason)
      return this.#runtime.runPromise(f(provider), { signal })
    })
  }

  /** Capabilities of the provider. @example const caps = await client.capabilities() */
  capabilities(): Promise<Shape["capabilities"]> {
    return this.#provider.then((p) => p.capabilities)
  }

  /** All shares of a resource. @example const shares = await client.list(resource) */
  list(resource: ResourceRef, options?: ListOptions & CallOptions): Promise<ReadonlyArray<Share>> {
    return this.#run((p) => Stream.runCollect(p.list(resource, options)), options)
  }

  /**
   * Shares one at a time, with constant memory.
   *
   * @example
   * ```ts
   * import { MemoryProvider } from "@unishare/core"
   * import { SharingClient } from "@unishare/core/promise"
   * const resource = { provider: "memory", kind: "doc", id: "d1" }
   * const client = SharingClient.fromProvider(MemoryProvider.make({ resources: [resource] }))
   * for await (const share of client.iterate(resource)) console.log(share.id)
   * ```
   */
  async *iterate(resource: ResourceRef, options?: ListOptions): AsyncIterable<Share> {
    const provider = await this.#provider
    const problem = callOptionsProblem(provider, options)
    if (problem !== undefined) throw problem
    const iterable = Stream.toAsyncIterableWith(provider.list(resource, options), await this.#runtime.context())
    for await (const share of iterable) yield share
  }

  /** One share. @example await client.get(resource, "s1") */
  get(resource: ResourceRef, shareId: string, options?: CallOptions): Promise<Share> {
    return this.#run((p) => p.get(resource, shareId), options)
  }

  /** Idempotent grant. @example await client.grant(resource, { grantee: { _tag: "Group", id: "7" }, level: "editor" }) */
  grant(resource: ResourceRef, request: GrantRequest, options?: CallOptions): Promise<Share> {
    return this.#run((p) => p.grant(resource, request), options)
  }

  /**
   * Idempotent grant that also says how faithfully the level was kept (`fidelity`, `warnings`).
   *
   * @example
   * ```ts
   * import { Grantee, MemoryProvider } from "@unishare/core"
   * import { SharingClient } from "@unishare/core/promise"
   * const doc = { provider: "memory", kind: "doc", id: "d1" }
   * const client = SharingClient.fromProvider(MemoryProvider.make({ resources: [doc] }))
   * const { share, fidelity } = await client.grantWithFidelity(doc, { grantee: Grantee.group("7"), level: "editor" })
   * ```
   */
  grantWithFidelity(resource: ResourceRef, request: GrantRequest, options?: CallOptions): Promise<Granting.Granted> {
    return this.#run((p) => Granting.grant(p, resource, request), options)
  }

  /** Change a share's level. @example await client.update(resource, "s1", "viewer") */
  update(
    resource: ResourceRef,
    shareId: string,
    level: AccessLevel,
    options?: Translation.Options & CallOptions
  ): Promise<Share> {
    return this.#run((p) => p.update(resource, shareId, level, options), options)
  }

  /** Remove a share (succeeds when already removed). @example await client.revoke(resource, "s1") */
  revoke(resource: ResourceRef, shareId: string, options?: CallOptions): Promise<void> {
    return this.#run((p) => p.revoke(resource, shareId), options)
  }

  /** Make the shares equal `desired` (list, plan, write, verify). @example const r = await client.sync(resource, desired) */
  sync(
    resource: ResourceRef,
    desired: ReadonlyArray<Grant>,
    options?: Sync.Options & CallOptions
  ): Promise<Sync.SyncResult> {
    return this.#run((p) => Sync.sync(p, resource, desired, options), options)
  }

  /** Wait until a share's status is final. @example await client.awaitSettled(resource, share.id) */
  awaitSettled(resource: ResourceRef, shareId: string, options?: CallOptions): Promise<Share> {
    return this.#run((p) => Settle.awaitSettled(p, resource, shareId), options)
  }

  /** Release the runtime. @example await client.close() */
  close(): Promise<void> {
    return this.#runtime.dispose()
  }
}
