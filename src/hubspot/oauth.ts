import * as sdk from '@botpress/sdk'
import { endpoints } from './endpoints'
import { HubspotApiError } from './errors'
import type { HubspotHttp } from './http'
import { tokenInfoSchema, tokenResponseSchema } from './schemas'
import type { RefreshedToken } from './token-manager'

export type OAuthCredentials = { clientId: string; clientSecret: string; refreshToken: string }

/** Exchanges the refresh token for an access token (the token endpoint, form-encoded). */
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
      path: endpoints.oauth.token(),
      body,
      auth: 'none',
      schema: tokenResponseSchema,
      operation: 'refresh the OAuth access token',
      // Refreshing twice is harmless: HubSpot keeps the same refresh token.
      idempotent: true,
    })
    // hub_id binds the installation to its account also with a configured refresh token (webhook/installation.ts);
    // both the v1 and the 2026-03 token responses list it (docs/hubspot.md, OAuth).
    const hubId = res.hub_id === undefined || res.hub_id === null ? undefined : String(res.hub_id)
    return { accessToken: res.access_token, expiresInSeconds: res.expires_in, ...(hubId ? { hubId } : {}) }
  } catch (err) {
    if (err instanceof HubspotApiError && (err.status === 400 || err.status === 401)) {
      throw new sdk.RuntimeError(
        http.appOwner === 'publisher'
          ? // The bot builder has no credential fields with the publisher's app: Connect is what they can redo.
            "HubSpot rejected this bot's connection (access revoked, for example by uninstalling the app in HubSpot, or expired). " +
              "Connect again: open the integration webhook URL (shown in Botpress) followed by /oauth/start. If it keeps failing, ask the integration's publisher to check the app's client ID and secret."
          : 'HubSpot rejected the OAuth credentials (refresh token revoked or expired, or wrong client ID/secret). ' +
              'Re-authorize the HubSpot app: update "Refresh token" (and the client ID/secret) in the integration configuration, or, without a configured refresh token, open the integration webhook URL (shown in Botpress) followed by /oauth/start to connect again.'
      )
    }
    throw err
  }
}

export type ExchangedCode = RefreshedToken & { refreshToken: string; hubId?: string }

/**
 * Exchanges an authorization code (the token endpoint, grant_type=authorization_code). Never
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
    path: endpoints.oauth.token(),
    body,
    auth: 'none',
    schema: tokenResponseSchema,
    operation: 'exchange the OAuth authorization code',
  })
  if (!res.refresh_token) throw new sdk.RuntimeError('HubSpot issued no refresh token for the authorization code; connect again.')
  const hubId = res.hub_id === undefined || res.hub_id === null ? undefined : String(res.hub_id)
  return { accessToken: res.access_token, expiresInSeconds: res.expires_in, refreshToken: res.refresh_token, hubId }
}

const TOKEN_INFO_OPERATION = 'read which HubSpot account the new token belongs to'

/**
 * The account (hub id and domain) an access token belongs to, from token introspection (the dated
 * successor of v1's `GET /oauth/v1/access-tokens/{token}`): a form-encoded POST that names the app,
 * so the token travels in the body, not in the URL. An inactive token is an error, like v1's 404.
 */
export const getAccessTokenInfo = async (
  http: HubspotHttp,
  args: { clientId: string; clientSecret: string; accessToken: string }
): Promise<{ hubId: string; hubDomain?: string }> => {
  const body = new URLSearchParams({
    client_id: args.clientId,
    client_secret: args.clientSecret,
    token: args.accessToken,
    token_type_hint: 'access_token',
  })
  const res = await http.request({
    method: 'POST',
    path: endpoints.oauth.introspect(),
    body,
    auth: 'none',
    schema: tokenInfoSchema,
    operation: TOKEN_INFO_OPERATION,
    // A read: asking again changes nothing.
    idempotent: true,
  })
  if (res.active === false || res.hub_id === undefined) {
    throw new HubspotApiError({
      operation: TOKEN_INFO_OPERATION,
      status: 200,
      hubspotMessage: res.active === false ? 'HubSpot reports the token as inactive' : 'unexpected response (hub_id: Required)',
    })
  }
  return { hubId: String(res.hub_id), hubDomain: res.hub_domain ?? undefined }
}
