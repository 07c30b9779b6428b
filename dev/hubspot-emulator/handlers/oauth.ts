import { randomUUID } from 'node:crypto'
import { notFound } from '../errors'
import { INSTALLER } from '../grants'
import { header, param, type Reply, type RequestContext, type Route } from '../http/context'

export const HUB_DOMAIN = 'emulator.hubspot.test'

/** Scopes of the configured refresh token (an app installed by hand). */
export const SCOPES = [
  'conversations.custom_channels.read',
  'conversations.custom_channels.write',
  'conversations.read',
  'conversations.write',
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'files',
  'oauth',
]

/** OAuth errors use their own shape: `status` is the error code, not "error". */
const oauthError = (status: string, message: string): Reply => ({
  status: 400,
  json: { status, message, correlationId: randomUUID(), requestId: randomUUID() },
})

/** Form fields from the x-www-form-urlencoded body; the spec also allows two of them in the query. */
const formOf = (ctx: RequestContext): URLSearchParams => {
  const form = /application\/x-www-form-urlencoded/i.test(header(ctx, 'content-type') ?? '')
    ? new URLSearchParams(ctx.body.toString('utf8'))
    : new URLSearchParams()
  for (const key of ['client_secret', 'refresh_token']) {
    const q = ctx.query.get(key)
    if (q !== null && !form.has(key)) form.set(key, q)
  }
  return form
}

const tokenResponse = (ctx: RequestContext, refreshToken: string, scopes: string[], userId: number): Reply => ({
  status: 200,
  json: {
    token_type: 'bearer',
    token_use: 'access_token',
    access_token: ctx.core.tokens.issue(scopes),
    // HubSpot keeps the refresh token the same across refreshes.
    refresh_token: refreshToken,
    expires_in: ctx.core.tokens.ttlSeconds,
    hub_id: ctx.core.portalId,
    user_id: userId,
    scopes,
  },
})

/** grant_type=authorization_code: a code from the consent page, once, with the redirect_uri it was issued for. */
const exchangeCode = (ctx: RequestContext, form: URLSearchParams): Reply => {
  const { grants, now } = ctx.core
  const code = grants.codes.get(form.get('code') ?? '')
  if (!code || code.used || code.expiresAt <= now()) return oauthError('BAD_AUTH_CODE', 'missing or unknown auth code')
  if (form.get('redirect_uri') !== code.redirectUri)
    return oauthError('BAD_REDIRECT_URI', 'redirect_uri does not match the one of the authorization request')
  code.used = true
  const refreshToken = grants.issueRefreshToken(code.scopes)
  return tokenResponse(ctx, refreshToken, code.scopes, INSTALLER.userId)
}

const token = (ctx: RequestContext): Reply => {
  const { opts, tokens, grants } = ctx.core
  const form = formOf(ctx)
  const grant = form.get('grant_type')
  if (grant !== 'refresh_token' && grant !== 'authorization_code') return oauthError('BAD_GRANT_TYPE', `unsupported grant_type "${grant ?? ''}"`)
  if (form.get('client_id') !== opts.clientId) return oauthError('BAD_CLIENT_ID', 'missing or unknown client id')
  if (form.get('client_secret') !== opts.clientSecret) return oauthError('BAD_CLIENT_SECRET', 'missing or invalid client secret')
  if (grant === 'authorization_code') return exchangeCode(ctx, form)
  const given = form.get('refresh_token') ?? ''
  const issued = grants.refreshTokens.get(given)
  const configured = opts.refreshToken !== undefined && given === opts.refreshToken
  if ((!issued && !configured) || tokens.refreshRevoked) return oauthError('BAD_REFRESH_TOKEN', 'missing or unknown refresh token')
  return tokenResponse(ctx, given, issued?.scopes ?? SCOPES, issued?.userId ?? INSTALLER.userId)
}

const accessTokenInfo = (ctx: RequestContext): Reply => {
  const t = param(ctx, 'token')
  const expiresIn = ctx.core.tokens.expiresInSeconds(t)
  if (expiresIn === undefined || ctx.core.tokens.check(`Bearer ${t}`)) throw notFound('Token not found or expired.')
  return {
    status: 200,
    json: {
      token: t,
      token_type: 'access',
      user: INSTALLER.email,
      user_id: INSTALLER.userId,
      hub_id: ctx.core.portalId,
      hub_domain: HUB_DOMAIN,
      app_id: Number(ctx.core.opts.appId),
      scopes: ctx.core.tokens.scopesOf(t),
      expires_in: expiresIn,
      is_private_distribution: true,
    },
  }
}

const refreshTokenInfo = (ctx: RequestContext): Reply => {
  const t = param(ctx, 'token')
  const { opts, grants, tokens } = ctx.core
  const issued = grants.refreshTokens.get(t)
  if ((!issued && t !== opts.refreshToken) || tokens.refreshRevoked) throw notFound('Refresh token not found.')
  return {
    status: 200,
    json: {
      token: t,
      token_type: 'refresh',
      client_id: opts.clientId,
      user: INSTALLER.email,
      user_id: INSTALLER.userId,
      hub_id: ctx.core.portalId,
      hub_domain: HUB_DOMAIN,
      scopes: issued?.scopes ?? SCOPES,
    },
  }
}

export const oauthRoutes: Route[] = [
  { method: 'POST', pattern: '/oauth/v1/token', auth: 'none', handle: token },
  { method: 'GET', pattern: '/oauth/v1/access-tokens/:token', auth: 'none', handle: accessTokenInfo },
  { method: 'GET', pattern: '/oauth/v1/refresh-tokens/:token', auth: 'none', handle: refreshTokenInfo },
]
