import { randomUUID } from 'node:crypto'
import { errorBody, notFound } from '../errors'
import { INSTALLER } from '../grants'
import { header, param, type Reply, type RequestContext, type Route } from '../http/context'
import { versionedRoutes, type VersionOf } from '../versions'

type OAuthVersion = VersionOf<'oauth'>

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

/**
 * v1's OAuth errors use their own shape: `status` is the error code, not "error". The 2026-03 spec
 * answers its `Error` schema (category, correlationId and message required); what HubSpot puts in it is
 * UNCONFIRMED (docs/hubspot.md, "Date-versioned APIs"), so the dated body keeps v1's `status` code and
 * repeats it as `category`.
 */
const oauthError = (version: OAuthVersion, status: string, message: string): Reply => ({
  status: 400,
  json: { status, message, correlationId: randomUUID(), requestId: randomUUID(), ...(version === 'v1' ? {} : { category: status }) },
})

/** Form fields from the x-www-form-urlencoded body; v1's spec also allows two of them in the query, 2026-03's does not. */
const formOf = (ctx: RequestContext, version: OAuthVersion): URLSearchParams => {
  const form = /application\/x-www-form-urlencoded/i.test(header(ctx, 'content-type') ?? '')
    ? new URLSearchParams(ctx.body.toString('utf8'))
    : new URLSearchParams()
  if (version !== 'v1') return form
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
const exchangeCode = (ctx: RequestContext, form: URLSearchParams, version: OAuthVersion): Reply => {
  const { grants, now } = ctx.core
  const code = grants.codes.get(form.get('code') ?? '')
  if (!code || code.used || code.expiresAt <= now()) return oauthError(version, 'BAD_AUTH_CODE', 'missing or unknown auth code')
  if (form.get('redirect_uri') !== code.redirectUri)
    return oauthError(version, 'BAD_REDIRECT_URI', 'redirect_uri does not match the one of the authorization request')
  code.used = true
  const refreshToken = grants.issueRefreshToken(code.scopes)
  return tokenResponse(ctx, refreshToken, code.scopes, INSTALLER.userId)
}

/** The client credentials of a token or introspection call; undefined when they are right. */
const clientError = (ctx: RequestContext, form: URLSearchParams, version: OAuthVersion): Reply | undefined => {
  if (form.get('client_id') !== ctx.core.opts.clientId) return oauthError(version, 'BAD_CLIENT_ID', 'missing or unknown client id')
  if (form.get('client_secret') !== ctx.core.opts.clientSecret) return oauthError(version, 'BAD_CLIENT_SECRET', 'missing or invalid client secret')
  return undefined
}

const token = (ctx: RequestContext, version: OAuthVersion): Reply => {
  const { opts, tokens, grants } = ctx.core
  const form = formOf(ctx, version)
  const grant = form.get('grant_type')
  if (grant !== 'refresh_token' && grant !== 'authorization_code')
    return oauthError(version, 'BAD_GRANT_TYPE', `unsupported grant_type "${grant ?? ''}"`)
  const denied = clientError(ctx, form, version)
  if (denied) return denied
  if (grant === 'authorization_code') return exchangeCode(ctx, form, version)
  const given = form.get('refresh_token') ?? ''
  const issued = grants.refreshTokens.get(given)
  const configured = opts.refreshToken !== undefined && given === opts.refreshToken
  if ((!issued && !configured) || tokens.refreshRevoked) return oauthError(version, 'BAD_REFRESH_TOKEN', 'missing or unknown refresh token')
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

/** The issued refresh token's grant, or the configured one; undefined when unknown or revoked. */
const refreshGrantOf = (ctx: RequestContext, t: string): { scopes: string[]; userId: number } | undefined => {
  const { opts, grants, tokens } = ctx.core
  const issued = grants.refreshTokens.get(t)
  if ((!issued && t !== opts.refreshToken) || tokens.refreshRevoked) return undefined
  return { scopes: issued?.scopes ?? SCOPES, userId: issued?.userId ?? INSTALLER.userId }
}

/**
 * POST /oauth/2026-03/token/introspect (the dated successor of both GET …/access-tokens/{token} and
 * GET …/refresh-tokens/{token}): form `client_id`, `client_secret`, `token`, `token_type_hint`. An unknown
 * or expired token answers 400 with the `Error` body; whether HubSpot answers that or RFC 7662's
 * `200 {"active":false}` is UNCONFIRMED (docs/hubspot.md, "Date-versioned APIs"; the integration handles both).
 */
const introspect = (ctx: RequestContext, version: OAuthVersion): Reply => {
  const form = formOf(ctx, version)
  const denied = clientError(ctx, form, version)
  if (denied) return denied
  const { core } = ctx
  const t = form.get('token') ?? ''
  const hint = form.get('token_type_hint')
  const common = {
    active: true,
    token: t,
    app_id: Number(core.opts.appId),
    client_id: core.opts.clientId,
    hub_id: core.portalId,
    hub_domain: HUB_DOMAIN,
    user: INSTALLER.email,
    user_id: INSTALLER.userId,
  }
  const expiresIn = hint === 'refresh_token' ? undefined : core.tokens.expiresInSeconds(t)
  if (expiresIn !== undefined && !core.tokens.check(`Bearer ${t}`)) {
    const scopes = core.tokens.scopesOf(t)
    return {
      status: 200,
      json: {
        ...common,
        token_type: 'access',
        token_use: 'access_token',
        scopes,
        expires_in: expiresIn,
        is_private_distribution: true,
        signed_access_token: {
          appId: Number(core.opts.appId),
          appInstallId: `${core.portalId}-${core.opts.appId}`,
          audience: 'api.hubapi.com',
          expiresAt: core.now() + expiresIn * 1000,
          hubId: core.portalId,
          hublet: 'na1',
          installingUserId: INSTALLER.userId,
          isPrivateDistribution: true,
          isServiceAccount: false,
          isUserLevel: false,
          newSignature: 'emulator',
          scopeToScopeGroupPks: '',
          scopes: scopes.join(' '),
          signature: 'emulator',
          trialScopeToScopeGroupPks: '',
          trialScopes: '',
          userId: INSTALLER.userId,
        },
      },
    }
  }
  const refresh = hint === 'access_token' ? undefined : refreshGrantOf(ctx, t)
  if (refresh)
    return { status: 200, json: { ...common, token_type: 'refresh', token_use: 'refresh_token', scopes: refresh.scopes, user_id: refresh.userId } }
  return { status: 400, json: errorBody('VALIDATION_ERROR', 'Token not found or expired.') }
}

export const oauthRoutes: Route[] = versionedRoutes('oauth', [
  { method: 'POST', path: '/token', auth: 'none', handle: token },
  { method: 'POST', path: '/token/introspect', auth: 'none', versions: ['2026-03'], handle: introspect },
  { method: 'GET', path: '/access-tokens/:token', auth: 'none', versions: ['v1'], handle: accessTokenInfo },
  { method: 'GET', path: '/refresh-tokens/:token', auth: 'none', versions: ['v1'], handle: refreshTokenInfo },
])
