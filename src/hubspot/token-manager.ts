import { createHash } from 'node:crypto'
import * as sdk from '@botpress/sdk'
import { cacheOf } from '../cache'
import { redact, registerSecret } from './redact'

/** `hubId`: the HubSpot account the token was issued for (`hub_id` of the token response), when HubSpot said. */
export type CachedToken = { accessToken: string; expiresAt: number; fingerprint: string; hubId?: string }

/** Durable storage of the access token (Botpress integration state), shared by every runtime instance. */
export type TokenStore = {
  load(): Promise<CachedToken | undefined>
  save(token: CachedToken): Promise<void>
}

export type RefreshedToken = { accessToken: string; expiresInSeconds: number; hubId?: string }

/**
 * Where the refresh token comes from when the configuration has none: the one the Connect flow
 * stored (integration state). `scope` keys the in-process copy (one per installation).
 */
export type StoredRefreshToken = { scope: string; load: () => Promise<string | undefined>; notConnectedHint: string }

export type TokenManagerOptions = {
  clientId: string
  refreshToken: string | StoredRefreshToken
  store: TokenStore
  refresh: (refreshToken: string) => Promise<RefreshedToken>
  now?: () => number
  /** Told when the state cache cannot be read or written (the call goes on: a refresh after a failed read, the new token after a failed write). */
  onCacheError?: (message: string) => void
}

/** Tokens are refreshed this long before HubSpot says they expire. */
export const EARLY_REFRESH_MS = 5 * 60 * 1000

const memory = cacheOf<CachedToken>('accessTokens')
const inflight = cacheOf<Promise<CachedToken>>('tokenRefreshes')

/**
 * Refresh tokens the Connect flow stored, kept in process so the warm path costs no Botpress call.
 * Re-read after this long, so that an instance notices a reconnection made on another instance.
 */
export const STORED_REFRESH_TOKEN_TTL_MS = 5 * 60 * 1000
const storedRefreshTokens = cacheOf<{ refreshToken: string; loadedAt: number }>('storedRefreshTokens')

/** Told by the Connect flow (same instance) that the stored refresh token changed or was removed. */
export const rememberStoredRefreshToken = (scope: string, refreshToken: string | undefined, now = Date.now()): void => {
  if (refreshToken) {
    registerSecret(refreshToken)
    storedRefreshTokens.set(scope, { refreshToken, loadedAt: now })
  } else storedRefreshTokens.delete(scope)
}

/** Puts a token HubSpot just issued (code exchange) in memory, so the next call needs no refresh. */
export const rememberAccessToken = (clientId: string, refreshToken: string, fresh: RefreshedToken, now = Date.now()): void => {
  registerSecret(fresh.accessToken)
  const fingerprint = credentialsFingerprint(clientId, refreshToken)
  memory.set(fingerprint, { accessToken: fresh.accessToken, expiresAt: now + fresh.expiresInSeconds * 1000, fingerprint })
}

/** HubSpot is not connected yet: no refresh token configured nor stored by the Connect flow. */
export class NotConnectedError extends sdk.RuntimeError {}

export const credentialsFingerprint = (clientId: string, refreshToken: string): string =>
  createHash('sha256').update(`${clientId}\u0000${refreshToken}`).digest('hex').slice(0, 32)

/**
 * Access tokens: memory first (free), then integration state (one Botpress call), then a refresh.
 * Concurrent callers share one refresh; a caller whose token HubSpot rejected passes it back so
 * that it is refreshed exactly once, however many requests saw the 401.
 */
export class TokenManager {
  private _key = ''
  private _refreshToken = ''
  private readonly _now: () => number

  public constructor(private readonly _opts: TokenManagerOptions) {
    this._now = _opts.now ?? Date.now
    if (typeof _opts.refreshToken === 'string') this._use(_opts.refreshToken)
  }

  private _use(refreshToken: string): void {
    registerSecret(refreshToken)
    this._refreshToken = refreshToken
    this._key = credentialsFingerprint(this._opts.clientId, refreshToken)
  }

  /** A configured refresh token is fixed; a stored one is read once per TTL (cold path only). */
  private async _resolveRefreshToken(): Promise<void> {
    const source = this._opts.refreshToken
    if (typeof source === 'string') return
    const known = storedRefreshTokens.get(source.scope)
    if (known && this._now() - known.loadedAt < STORED_REFRESH_TOKEN_TTL_MS) return this._use(known.refreshToken)
    const loaded = await source.load()
    if (!loaded) {
      storedRefreshTokens.delete(source.scope)
      throw new NotConnectedError(`HubSpot is not connected: no "Refresh token" is configured and none was obtained yet. ${source.notConnectedHint}`)
    }
    rememberStoredRefreshToken(source.scope, loaded, this._now())
    this._use(loaded)
  }

  public async getAccessToken(opts?: { rejected?: string }): Promise<string> {
    // No await for a configured token: callers arriving together must reach the shared resolve in order.
    if (typeof this._opts.refreshToken !== 'string') await this._resolveRefreshToken()
    const rejected = opts?.rejected
    for (let attempt = 0; ; attempt++) {
      const cached = memory.get(this._key)
      if (cached && this._usable(cached) && cached.accessToken !== rejected) return cached.accessToken
      const token = await this._join(rejected)
      // The shared resolve may have been a plain state load (started by a caller without
      // `rejected`) that returned the very token HubSpot just rejected: go round once more to refresh.
      if (token.accessToken !== rejected || attempt > 0) return token.accessToken
    }
  }

  private _join(rejected: string | undefined): Promise<CachedToken> {
    const existing = inflight.get(this._key)
    if (existing) return existing
    const pending: Promise<CachedToken> = this._resolve(rejected).finally(() => {
      if (inflight.get(this._key) === pending) inflight.delete(this._key)
    })
    inflight.set(this._key, pending)
    return pending
  }

  private _usable(token: CachedToken): boolean {
    return token.fingerprint === this._key && token.expiresAt - EARLY_REFRESH_MS > this._now()
  }

  private async _resolve(rejected: string | undefined): Promise<CachedToken> {
    if (!rejected) {
      // The state is only a cache: if Botpress cannot read it, refreshing still works.
      const stored = await this._opts.store.load().catch((err: unknown) => this._cacheError('read', err))
      if (stored && this._usable(stored)) {
        registerSecret(stored.accessToken)
        memory.set(this._key, stored)
        return stored
      }
    }
    const fresh = await this._opts.refresh(this._refreshToken)
    registerSecret(fresh.accessToken)
    const token: CachedToken = {
      accessToken: fresh.accessToken,
      expiresAt: this._now() + fresh.expiresInSeconds * 1000,
      fingerprint: this._key,
      ...(fresh.hubId ? { hubId: fresh.hubId } : {}),
    }
    memory.set(this._key, token)
    // A failed save must not fail the HubSpot call that needed the (valid) token; other instances refresh.
    await this._opts.store.save(token).catch((err: unknown) => this._cacheError('write', err))
    return token
  }

  private _cacheError(op: 'read' | 'write', err: unknown): undefined {
    const reason = err instanceof Error ? err.message : 'unknown error'
    // What happens next differs: a failed read costs a refresh now; a failed write costs other instances one each.
    const next = op === 'read' ? 'refreshing instead' : 'the new token is used anyway, and other runtime instances refresh their own'
    this._opts.onCacheError?.(`Could not ${op} the cached HubSpot access token (${redact(reason)}); ${next}.`)
    return undefined
  }
}
