import { randomBytes } from 'node:crypto'
import { unauthenticated, type ApiError } from './errors'

type IssuedToken = { expiresAt: number; revoked: boolean; scopes: string[] }

/** OAuth access tokens issued by POST /oauth/v1/token, and the state of the one refresh token. */
export class TokenRegistry {
  private readonly _tokens = new Map<string, IssuedToken>()
  private _refreshRevoked = false

  public constructor(
    private readonly _ttlSeconds: number,
    private readonly _now: () => number
  ) {}

  public get ttlSeconds(): number {
    return this._ttlSeconds
  }

  public get refreshRevoked(): boolean {
    return this._refreshRevoked
  }

  public issue(scopes: string[]): string {
    // HubSpot access tokens are opaque, a few hundred characters at most; shape is irrelevant to clients.
    const token = `emu-${randomBytes(24).toString('base64url')}`
    this._tokens.set(token, { expiresAt: this._now() + this._ttlSeconds * 1000, revoked: false, scopes })
    return token
  }

  public scopesOf(token: string): string[] {
    return this._tokens.get(token)?.scopes ?? []
  }

  public expireAll(): void {
    for (const t of this._tokens.values()) t.revoked = true
  }

  public revokeRefresh(): void {
    this._refreshRevoked = true
  }

  public restoreRefresh(): void {
    this._refreshRevoked = false
  }

  public expiresInSeconds(token: string): number | undefined {
    const t = this._tokens.get(token)
    return t ? Math.max(0, Math.round((t.expiresAt - this._now()) / 1000)) : undefined
  }

  /** undefined when the Authorization header carries a live token; otherwise the 401 to answer. */
  public check(authorization: string | undefined): ApiError | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')
    if (!match?.[1]) {
      return unauthenticated(
        'Authentication credentials not found. This API supports OAuth 2.0 authentication: send "Authorization: Bearer <access token>".'
      )
    }
    const t = this._tokens.get(match[1])
    if (!t) return unauthenticated('The OAuth token used to make this call is not valid.')
    const expiredFor = this._now() - t.expiresAt
    if (t.revoked || expiredFor >= 0) {
      const ago = Math.max(0, Math.round(expiredFor / 1000))
      return unauthenticated(`The OAuth token used to make this call expired ${ago} second(s) ago.`, 'EXPIRED_AUTHENTICATION')
    }
    return undefined
  }
}
