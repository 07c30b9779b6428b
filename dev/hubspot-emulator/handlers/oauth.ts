import { randomUUID } from 'node:crypto'
import { notFound } from '../errors'
import { header, param, type Reply, type RequestContext, type Route } from '../http/context'

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

const token = (ctx: RequestContext): Reply => {
  const { opts, tokens } = ctx.core
  const form = formOf(ctx)
  const grant = form.get('grant_type')
  if (grant === 'authorization_code') return oauthError('BAD_AUTH_CODE', 'missing or unknown auth code')
  if (grant !== 'refresh_token') return oauthError('BAD_GRANT_TYPE', `unsupported grant_type "${grant ?? ''}"`)
  if (form.get('client_id') !== opts.clientId) return oauthError('BAD_CLIENT_ID', 'missing or unknown client id')
  if (form.get('client_secret') !== opts.clientSecret) return oauthError('BAD_CLIENT_SECRET', 'missing or invalid client secret')
  if (form.get('refresh_token') !== opts.refreshToken || tokens.refreshRevoked) {
    return oauthError('BAD_REFRESH_TOKEN', 'missing or unknown refresh token')
  }
  return {
    status: 200,
    json: {
      token_type: 'bearer',
      token_use: 'access_token',
      access_token: tokens.issue(),
      // HubSpot keeps the refresh token the same across refreshes.
      refresh_token: opts.refreshToken,
      expires_in: tokens.ttlSeconds,
      hub_id: ctx.core.portalId,
      scopes: SCOPES,
    },
  }
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
      user: 'agent@example.com',
      user_id: 70001,
      hub_id: ctx.core.portalId,
      hub_domain: 'emulator.hubspot.test',
      app_id: Number(ctx.core.opts.appId),
      scopes: SCOPES,
      expires_in: expiresIn,
      is_private_distribution: false,
    },
  }
}

export const oauthRoutes: Route[] = [
  { method: 'POST', pattern: '/oauth/v1/token', auth: 'none', handle: token },
  { method: 'GET', pattern: '/oauth/v1/access-tokens/:token', auth: 'none', handle: accessTokenInfo },
]
