import * as sdk from '@botpress/sdk'
import { HubspotApiError } from './errors'
import type { HubspotHttp } from './http'
import { tokenInfoSchema, tokenResponseSchema } from './schemas'
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
          'Re-authorize the HubSpot app: update "Refresh token" (and the client ID/secret) in the integration configuration, or, without a configured refresh token, open the integration webhook URL (shown in Botpress) followed by /oauth/start to connect again.'
      )
    }
    throw err
  }
}

export type ExchangedCode = RefreshedToken & { refreshToken: string; hubId?: string }

/**
 * Exchanges an authorization code (POST /oauth/v1/token, grant_type=authorization_code). Never
 * retried: a code is single use, so a second attempt after a lost answer could only fail.
 */
export const exchangeAuthorizationCode = async (
  http: HubspotHttp,
  args: { clientId: string; clientSecret: string; redirectUri: string; code: string }
): Promise<ExchangedCode> => {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: args.clientId,
    client_secret: args.clientSecret,
    redirect_uri: args.redirectUri,
    code: args.code,
  })
  const res = await http.request({
    method: 'POST',
    path: '/oauth/v1/token',
    body,
    auth: 'none',
    schema: tokenResponseSchema,
    operation: 'exchange the OAuth authorization code',
  })
  if (!res.refresh_token) throw new sdk.RuntimeError('HubSpot issued no refresh token for the authorization code; connect again.')
  const hubId = res.hub_id === undefined || res.hub_id === null ? undefined : String(res.hub_id)
  return { accessToken: res.access_token, expiresInSeconds: res.expires_in, refreshToken: res.refresh_token, hubId }
}

/** GET /oauth/v1/access-tokens/{token}: the account (hub id and domain) an access token belongs to. */
export const getAccessTokenInfo = async (http: HubspotHttp, accessToken: string): Promise<{ hubId: string; hubDomain?: string }> => {
  const res = await http.request({
    method: 'GET',
    path: `/oauth/v1/access-tokens/${encodeURIComponent(accessToken)}`,
    auth: 'none',
    schema: tokenInfoSchema,
    operation: 'read which HubSpot account the new token belongs to',
  })
  return { hubId: String(res.hub_id), hubDomain: res.hub_domain ?? undefined }
}
