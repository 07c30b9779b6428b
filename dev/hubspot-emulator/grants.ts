import { randomBytes } from 'node:crypto'
import type { DeliveryIdentifier } from './types'

/**
 * What the install (OAuth authorization code) flow and HubSpot's "Connect a channel" flow leave
 * behind: consent requests shown to the admin, authorization codes, the refresh tokens they
 * became, and channel-account staging tokens.
 */

/** HubSpot does not document an auth-code lifetime; ten minutes is the usual OAuth figure. */
export const AUTH_CODE_TTL_MS = 10 * 60_000

/** The HubSpot user who clicks "Grant access" / "Connect a channel" in the emulator. */
export const INSTALLER = { userId: 70001, email: 'admin@emulator.hubspot.test', name: 'Emulated Super Admin' } as const

export type ConsentRequest = { id: string; clientId: string; redirectUri: string; scopes: string[]; state?: string; createdAt: number }
export type AuthCode = { code: string; clientId: string; redirectUri: string; scopes: string[]; expiresAt: number; used: boolean }
export type RefreshGrant = { scopes: string[]; userId: number }
export type StagingToken = {
  accountToken: string
  channelId: string
  inboxId: string
  userId: number
  createdAt: number
  /** Set once the integration completed the token with PATCH: the channel account it created. */
  channelAccountId?: string
  accountName?: string
  deliveryIdentifier?: DeliveryIdentifier
}

const opaque = (prefix: string, bytes = 24) => `${prefix}${randomBytes(bytes).toString('base64url')}`

export class Grants {
  public readonly consents = new Map<string, ConsentRequest>()
  public readonly codes = new Map<string, AuthCode>()
  public readonly refreshTokens = new Map<string, RefreshGrant>()
  public readonly stagingTokens = new Map<string, StagingToken>()

  public constructor(private readonly _now: () => number) {}

  public openConsent(c: Omit<ConsentRequest, 'id' | 'createdAt'>): ConsentRequest {
    const consent: ConsentRequest = { ...c, id: opaque('consent-', 16), createdAt: this._now() }
    this.consents.set(consent.id, consent)
    return consent
  }

  /** A consent answers once: a replayed or forged form finds nothing. */
  public takeConsent(id: string): ConsentRequest | undefined {
    const consent = this.consents.get(id)
    this.consents.delete(id)
    return consent
  }

  public issueCode(c: ConsentRequest): AuthCode {
    const code: AuthCode = {
      code: opaque('code-'),
      clientId: c.clientId,
      redirectUri: c.redirectUri,
      scopes: c.scopes,
      expiresAt: this._now() + AUTH_CODE_TTL_MS,
      used: false,
    }
    this.codes.set(code.code, code)
    return code
  }

  public issueRefreshToken(scopes: string[]): string {
    // HubSpot refresh tokens look like UUIDs ("na1-…"); their shape does not matter to clients.
    const token = opaque('emu-refresh-')
    this.refreshTokens.set(token, { scopes, userId: INSTALLER.userId })
    return token
  }

  public openStagingToken(channelId: string, inboxId: string): StagingToken {
    const token: StagingToken = { accountToken: opaque('staging-', 18), channelId, inboxId, userId: INSTALLER.userId, createdAt: this._now() }
    this.stagingTokens.set(token.accountToken, token)
    return token
  }
}
