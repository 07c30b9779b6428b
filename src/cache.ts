/**
 * Every in-process cache of the integration, named and bounded in this one table. Botpress runs the
 * integration as short-lived instances, each serving many bots, so memory only holds what can be
 * rebuilt from Botpress state or HubSpot (ARCHITECTURE.md, "Where state lives"): losing an entry
 * costs requests, never correctness. A cache that reaches its bound is emptied and starts again
 * (simple, and rare: entries are per installation, per agent or per live thread).
 */
const CACHES = {
  /** Credentials fingerprint → access token (hubspot/token-manager.ts); the integration state `oauth` is the durable copy. */
  accessTokens: { max: 1_000 },
  /** Credentials fingerprint → the token refresh in flight, so concurrent callers share one (settles by itself). */
  tokenRefreshes: { max: 1_000 },
  /** Installation → refresh token the Connect flow stored (hubspot/token-manager.ts), re-read after a TTL. */
  storedRefreshTokens: { max: 1_000 },
  /** Bot + HubSpot thread id → Botpress conversation and when startHitl returned (hitl/conversation-tags.ts). */
  threads: { max: 10_000 },
  /**
   * Bot + HubSpot thread id → when the first lookup that found no conversation for it started, and until when that
   * answer is trusted by assignments (hitl/conversation-tags.ts, short TTL).
   */
  unknownThreads: { max: 10_000 },
  /**
   * Bot + HubSpot thread id of threads that can never become ours (found unknown twice, far enough apart:
   * hitl/conversation-tags.ts). Every email, chat and ticket thread of the portal may land here, hence the larger bound.
   */
  foreignThreads: { max: 50_000 },
  /** Bot + HubSpot actor id → Botpress user id of that agent (hitl/agent-users.ts). */
  agentUsers: { max: 5_000 },
  /**
   * Bot + webhook id → the installation's identity: the public webhook URL HubSpot signs, the custom channel id and
   * the connected HubSpot account (installation-identity.ts); the setup and connection states are the durable copies.
   */
  installations: { max: 1_000 },
  /** Bot → when a rejected webhook request was last logged and what was counted since (webhook/rejection-log.ts). */
  rejectionLogs: { max: 1_000 },
  /** Conversations whose ticket fields are pending (tickets/pending.ts); the conversation tag is the durable marker. */
  pendingTickets: { max: 10_000 },
} as const satisfies Record<string, { max: number }>

export type CacheName = keyof typeof CACHES

/** A Map that empties itself instead of growing past `max` entries. */
export class BoundedMap<V> {
  private readonly _entries = new Map<string, V>()

  public constructor(
    public readonly name: CacheName,
    public readonly max: number
  ) {}

  public get(key: string): V | undefined {
    return this._entries.get(key)
  }

  public has(key: string): boolean {
    return this._entries.has(key)
  }

  public set(key: string, value: V): void {
    if (!this._entries.has(key) && this._entries.size >= this.max) this._entries.clear()
    this._entries.set(key, value)
  }

  public delete(key: string): void {
    this._entries.delete(key)
  }

  public clear(): void {
    this._entries.clear()
  }

  public get size(): number {
    return this._entries.size
  }
}

const instances = new Map<CacheName, BoundedMap<unknown>>()

/** The one cache of that name (each is used by one module, which says what it holds). */
export const cacheOf = <V>(name: CacheName): BoundedMap<V> => {
  let cache = instances.get(name)
  if (!cache) {
    cache = new BoundedMap<unknown>(name, CACHES[name].max)
    instances.set(name, cache)
  }
  return cache as BoundedMap<V>
}

/** Tests: empty the named caches, or all of them (a fresh runtime instance). */
export const resetCaches = (...names: CacheName[]): void => {
  for (const name of names.length > 0 ? names : (Object.keys(CACHES) as CacheName[])) instances.get(name)?.clear()
}
