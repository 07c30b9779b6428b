import * as sdk from '@botpress/sdk'
import { HubspotApiError } from './errors'
import type { HubspotHttp } from './http'
import { tokenResponseSchema } from './schemas'
import type { RefreshedToken } from './token-manager'

export type OAuthCredentials = { clientId: string; clientSecret: string; refreshToken: string }

/** Exchanges the refresh token for an access token (POST /oauth/v1/token, form-encoded). */
export const refreshAccessToken = async (http: HubspotHttp, creds: OAuthCredentials): Promise<RefreshedToken> => {
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: creds.clientId,
    client_secret: creds.clientSecret,
    refresh_token: creds.refreshToken,
  })
  try {
    const res = await http.request({
      method: 'POST',
      path: '/oauth/v1/token',
      body,
      auth: 'none',
      schema: tokenResponseSchema,
      operation: 'refresh the OAuth access token',
      // Refreshing twice is harmless: HubSpot keeps the same refresh token.
      idempotent: true,
    })
    return { accessToken: res.access_token, expiresInSeconds: res.expires_in }
  } catch (err) {
    if (err instanceof HubspotApiError && (err.status === 400 || err.status === 401)) {
      throw new sdk.RuntimeError(
        'HubSpot rejected the OAuth credentials (refresh token revoked or expired, or wrong client ID/secret). ' +
          'Re-authorize the HubSpot app and update "Refresh token" (and the client ID/secret) in the integration configuration.'
      )
    }
    throw err
  }
}
