import { createInProcessApi, type InProcessApi, type InProcessMethod } from '../../dev/botpress-stand-in/in-process-client'
import { STATE_TYPES, StandInStore, type StateKey, type StateType } from '../../dev/botpress-stand-in/store'
import type * as bp from '.botpress'

/** The bot id unit tests use (tests/helpers/props.ts ctx.botId). */
const BOT_ID = 'bot_1'

/**
 * Botpress for unit tests: the stand-in's store and route handlers (the one model of the Botpress
 * API, pinned by tests/contract/botpress-api.test.ts) called in process, without HTTP, so unit
 * tests stay fast. HubSpot is mocked with nock; the end-to-end tests run the same store behind the
 * stand-in's HTTP server. Counts every call, as each one is latency spent.
 */
export class FakeBotpress {
  public readonly store = new StandInStore(BOT_ID)
  /** Every client method called, in call order (recorded synchronously on entry). */
  public calls: string[] = []
  /** Makes the next call of `method` throw `error` (after it was counted). */
  public failNext: { method: string; error: Error } | undefined
  /** State payloads keyed `type:id:name` (a view of the store's states). */
  public readonly states = new StatePayloads(this.store)
  /** The client methods; replace one to observe or alter it (the `client` calls through this object). */
  public readonly api: InProcessApi

  public constructor() {
    const inner = createInProcessApi(this.store)
    const api: Record<string, unknown> = {}
    for (const [method, fn] of Object.entries(inner) as [InProcessMethod, (x: unknown) => Promise<unknown>][]) {
      api[method] = (input: unknown) => {
        this.calls.push(method)
        if (this.failNext?.method === method) {
          const { error } = this.failNext
          this.failNext = undefined
          return Promise.reject(error)
        }
        return fn(input)
      }
    }
    this.api = api as InProcessApi
  }

  public get users() {
    return this.store.users
  }

  public get conversations() {
    return this.store.conversations
  }

  public get messages() {
    return this.store.messages
  }

  public get events() {
    return this.store.events
  }

  /** The fake as the typed client handlers receive; only the stand-in's methods exist. */
  public get client(): bp.Client {
    return this.api as unknown as bp.Client
  }

  public setupState(integrationId: string): unknown {
    return this.states.get(`integration:${integrationId}:setup`)
  }
}

const parseKey = (key: string): StateKey => {
  const [type, id, name, ...rest] = key.split(':')
  const stateType = STATE_TYPES.find((t): t is StateType => t === type)
  if (!stateType || !id || !name || rest.length > 0) throw new Error(`State key "${key}" is not "type:id:name"`)
  return { type: stateType, id, name }
}
/** The store keys states `type/id/name`. */
const keyOf = (storeKey: string): string => storeKey.split('/').join(':')

/**
 * The payloads of the store's states as a Map keyed `type:id:name`, for tests to seed and read
 * (`states.get('conversation:conv_1:hitl')`). Writes go through the store, so expiry and the other
 * semantics stay the store's.
 */
export class StatePayloads {
  public constructor(private readonly _store: StandInStore) {}

  public get(key: string): unknown {
    return this._store.findState(parseKey(key))?.payload
  }

  public set(key: string, payload: unknown): this {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new Error(`State "${key}": a payload is a JSON object`)
    this._store.setState(parseKey(key), payload as Record<string, unknown>)
    return this
  }

  public has(key: string): boolean {
    return this._store.findState(parseKey(key)) !== undefined
  }

  public delete(key: string): boolean {
    const had = this.has(key)
    if (had) this._store.setState(parseKey(key), null)
    return had
  }

  public get size(): number {
    return this._store.states.size
  }

  public *entries(): IterableIterator<[string, unknown]> {
    for (const [storeKey, state] of this._store.states) yield [keyOf(storeKey), state.payload]
  }

  public [Symbol.iterator](): IterableIterator<[string, unknown]> {
    return this.entries()
  }
}

/**
 * Records the identifiers the integration sets with `client.configureIntegration` (publisher mode routes the app's
 * webhooks by it), counting each call like the others; returns the list it fills.
 */
export const recordIdentifiers = (fake: FakeBotpress): (string | null | undefined)[] => {
  const identifiers: (string | null | undefined)[] = []
  ;(fake.api as unknown as Record<string, unknown>).configureIntegration = async (input: { identifier?: string | null }) => {
    fake.calls.push('configureIntegration')
    if (fake.failNext?.method === 'configureIntegration') {
      const { error } = fake.failNext
      fake.failNext = undefined
      throw error
    }
    identifiers.push(input.identifier)
    return {}
  }
  return identifiers
}
