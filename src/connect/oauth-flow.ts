import { saveSetupState, loadSetupState } from '../setup/setup-state'
import { appOwnerOf, httpTuning } from '../hubspot'
import { HubspotHttp } from '../hubspot/http'
import { exchangeAuthorizationCode, getAccessTokenInfo, type ExchangedCode } from '../hubspot/oauth'
import { redact, registerSecret } from '../hubspot/redact'
import { rememberAccessToken, rememberStoredRefreshToken } from '../hubspot/token-manager'
import {
  FLOW_TTL_MS,
  FORBIDDEN_HELP,
  hashToken,
  isConnected,
  issueOAuthState,
  MAX_SESSIONS,
  MAX_SPENT_STATES,
  mayBind,
  randomToken,
  sameSecret,
  SESSION_TTL_MS,
  verifyOAuthState,
} from './access'
import { connectionScope, loadConnection, patchConnection, pruneExpiring, saveConnection } from './connection-state'
import type { ConnectContext } from './context'
import { connectCookie, readConnectCookie } from './cookies'
import { html, messagePage, redirect, type Reply } from './html'
import { authorizeUrlOf, oauthStartUrlOf, setupUrlOf } from './urls'

/**
 * What a state is bound to: this installation (one HubSpot app, so one client secret, serves many
 * bots; the webhook URL names the installation, the ids make it explicit).
 */
const installationOf = (c: ConnectContext): string => `${c.props.ctx.botId}\u0000${c.props.ctx.integrationId}\u0000${c.webhookUrl}`

/**
 * GET /oauth/start: a fresh self-verifying token (src/connect/access.ts: nonce, expiry, MAC), set in
 * this browser's flow cookie, then off to HubSpot's consent page. With the app's redirect URL under
 * the webhook URL, the token is also the OAuth `state`. With Botpress's global OAuth route (a
 * publisher app) the `state` must be the webhook id, by which Botpress finds this installation; the
 * token then rides in the cookie only, scoped to that route's path so the browser sends it back
 * there (the global route is on the webhook host, as every webhook URL is).
 * Anyone who knows the webhook URL may call this as often as they like, so it stores nothing: no
 * cost to the bot, and no admin's flow in progress can be pushed out.
 * Cost: no Botpress write, no HubSpot call; Botpress reads only the webhook URL (router, once per instance).
 */
export const handleOAuthStart = async (c: ConnectContext): Promise<Reply> => {
  const { state: token } = issueOAuthState({ clientSecret: c.config.clientSecret, installation: installationOf(c), now: c.now })
  const state = c.urls.oauthRoute === 'global' ? c.props.ctx.webhookId : token
  const location = authorizeUrlOf({ apiBaseUrl: c.config.apiBaseUrl, clientId: c.config.clientId, redirectUri: c.urls.oauthRedirectUrl, state })
  return redirect(302, location, connectCookie(flowCookieScopeOf(c), { kind: 'flow', value: token }, FLOW_TTL_MS / 1000))
}

/** The URL whose path the flow cookie is scoped to: where HubSpot's redirect brings the browser back. */
const flowCookieScopeOf = (c: ConnectContext): string => (c.urls.oauthRoute === 'global' ? c.urls.oauthRedirectUrl : c.webhookUrl)

/**
 * Does this callback belong to the flow this browser's cookie holds? Returns that flow's token.
 * `webhook`: the state HubSpot echoed is the token itself. `global`: it is the webhook id Botpress
 * routed by, verbatim (the token is in the cookie only). Constant-time comparisons either way.
 */
const flowTokenOf = (c: ConnectContext, state: string): string | undefined => {
  const cookie = readConnectCookie(c.headers)
  if (cookie?.kind !== 'flow') return undefined
  const expected = c.urls.oauthRoute === 'global' ? c.props.ctx.webhookId : cookie.value
  return sameSecret(state, expected) ? cookie.value : undefined
}

const restart = (webhookUrl: string) => html`<p><a class="button" href="${oauthStartUrlOf(webhookUrl)}">Start again</a></p>`

/**
 * GET /oauth/callback?code&state (or /oauth, through Botpress's global OAuth route). The flow token
 * (the state, or with the global route the cookie's token next to a state naming this installation)
 * must be the one this browser's cookie holds, carry a valid MAC for this installation, be unexpired
 * and not spent yet; it is recorded as spent before the code is exchanged, so it works once at most.
 * Then the account the code belongs to must be one this installation may bind (src/connect/access.ts).
 * With the global route, a state no longer ties HubSpot's redirect to the browser's flow: a browser
 * holding a live flow cookie (its own start, under 10 minutes old) could be sent a stranger's code.
 * What a stranger can bind that way is still limited by the same rules (nothing connected yet, the
 * window a configuration save opens, or the same account), and the setup page shows the account.
 * Cost: Botpress 2 reads + 2 writes (+1 write when the account changed); HubSpot 2 (exchange, token info).
 * A refused state costs nothing but the connection read when only its single use is in question.
 */
export const handleOAuthCallback = async (c: ConnectContext): Promise<Reply> => {
  const denied = c.query.get('error')
  if (denied) {
    // Anyone can link here with any text: only an OAuth error code (access_denied…) is shown, never
    // prose someone else wrote on a page of the bot's webhook host.
    const shown = /^[a-z_]{1,40}$/.test(denied) ? denied : 'an error'
    return messagePage(400, 'HubSpot did not connect', `HubSpot answered: ${shown}. Nothing was changed.`, restart(c.webhookUrl))
  }
  const code = c.query.get('code')
  const state = c.query.get('state')
  if (!code || !state) {
    return messagePage(
      400,
      'Missing parameters',
      'This address expects the "code" and "state" HubSpot adds when it sends you back. Nothing was changed.',
      restart(c.webhookUrl)
    )
  }
  const token = flowTokenOf(c, state)
  if (token === undefined) {
    return messagePage(
      400,
      'Connection not started here',
      'This sign-in was not started in this browser (or it was already used). Start the connection again from the same browser. Nothing was changed.',
      restart(c.webhookUrl)
    )
  }
  const expired = () =>
    messagePage(400, 'Link expired', 'This sign-in link expired or was already used. Start again. Nothing was changed.', restart(c.webhookUrl))
  // Checked before any read: a forged, altered, expired or other installation's state costs nothing.
  const verified = verifyOAuthState(token, { clientSecret: c.config.clientSecret, installation: installationOf(c), now: c.now })
  if (!verified) return expired()
  const conn = await loadConnection(c.props)
  const key = hashToken(verified.nonce)
  const spentUntil = conn.spentStates?.[key]
  if (spentUntil !== undefined && spentUntil > c.now) return expired()
  // HubSpot (or a proxy) may quote the code or the state in an error, which is logged: scrubbed like
  // any secret. Only once the state proved ours, and only a token-like code (no spaces), so a stranger
  // can neither fill the list of known secrets nor make ordinary words disappear from the logs.
  if (/^\S+$/.test(code)) registerSecret(code)
  registerSecret(token)
  // Spent before anything else: a replay of this callback finds it. Only unexpired entries are kept
  // (an expired state is refused by its MAC'd expiry already), soonest-expiring dropped first past the bound.
  const spentStates = pruneExpiring(conn.spentStates, c.now, MAX_SPENT_STATES - 1)
  spentStates[key] = verified.expiresAt
  // A patch, not a whole write: strangers can reach this point with states of their own, and a write
  // from this (possibly stale) read must not erase a refresh token or session stored in between.
  // The patch replaces the list whole, so two callbacks at the same instant may drop each other's
  // entry; replaying that state still needs its browser's cookie, and HubSpot's code is single use.
  await patchConnection(c.props, conn, { spentStates })

  const http = new HubspotHttp({ baseUrl: c.config.apiBaseUrl, appOwner: appOwnerOf(c.config), ...httpTuning })
  let exchanged: ExchangedCode
  let info: { hubId: string; hubDomain?: string } | undefined
  try {
    exchanged = await exchangeAuthorizationCode(http, {
      clientId: c.config.clientId,
      clientSecret: c.config.clientSecret,
      redirectUri: c.urls.oauthRedirectUrl,
      code,
    })
    registerSecret(exchanged.refreshToken)
    registerSecret(exchanged.accessToken)
    // The token response carries hub_id; the token info adds the account's domain for the page.
    // When the info call fails but hub_id is known, connecting goes on without the domain.
    const tokenOwner = { clientId: c.config.clientId, clientSecret: c.config.clientSecret, accessToken: exchanged.accessToken }
    info = await getAccessTokenInfo(http, tokenOwner).catch((err: unknown) => {
      if (!exchanged?.hubId) throw err
      return undefined
    })
  } catch (err) {
    c.props.logger.forBot().warn(`The HubSpot Connect flow failed at the code exchange: ${redact(err instanceof Error ? err.message : String(err))}`)
    return messagePage(
      400,
      'HubSpot refused the connection',
      c.config.mode === 'publisher'
        ? "HubSpot did not accept the authorization (the code expired, or the app's credentials deployed by the integration's publisher do not match the app). Start again; if it keeps failing, ask the integration's publisher. Nothing was changed."
        : 'HubSpot did not accept the authorization (the code expired, or the client ID/secret in the configuration do not match the app). Check them, then start again. Nothing was changed.',
      restart(c.webhookUrl)
    )
  }
  const hubId = exchanged.hubId ?? info?.hubId ?? ''
  const setup = await loadSetupState(c.props)
  if (!mayBind({ connected: isConnected(c.config.refreshToken, conn), setup, currentHubId: conn.hubId, newHubId: hubId, now: c.now })) {
    c.props.logger.forBot().warn(`Refused to connect HubSpot account ${hubId}: another account is connected and the Connect window is closed.`)
    return messagePage(403, 'Not allowed', FORBIDDEN_HELP)
  }

  const accountChanged = conn.hubId !== undefined && conn.hubId !== hubId
  const sessionId = randomToken()
  // Sessions opened for the previous account end with it: they were granted for that account.
  const sessions = accountChanged ? {} : pruneExpiring(conn.sessions, c.now, MAX_SESSIONS - 1)
  sessions[hashToken(sessionId)] = c.now + SESSION_TTL_MS
  const routed = await routeByPortal(c, hubId)
  if (routed.refused) {
    c.props.logger.forBot().error(routed.refused)
    return messagePage(409, 'HubSpot events cannot reach this bot', routed.refused, restart(c.webhookUrl))
  }
  const { identifier } = routed
  await saveConnection(c.props, {
    refreshToken: exchanged.refreshToken,
    hubId,
    ...(identifier ? { identifier } : {}),
    hubDomain: info?.hubDomain ?? (accountChanged ? undefined : conn.hubDomain),
    connectedAt: c.now,
    spentStates,
    sessions,
  })
  if (accountChanged && setup) {
    // Inboxes and channel accounts belong to the previous account: start the choice afresh.
    await saveSetupState(c.props, { ...setup, channelAccounts: {}, inboxChoice: undefined })
  }
  rememberStoredRefreshToken(connectionScope(c.props.ctx), exchanged.refreshToken, c.now)
  rememberAccessToken(c.config.clientId, exchanged.refreshToken, exchanged, c.now)
  c.props.logger.forBot().info(`Connected HubSpot account ${hubId}${info?.hubDomain ? ` (${info.hubDomain})` : ''}.`)
  const toSetup = redirect(303, setupUrlOf(c.webhookUrl), connectCookie(c.webhookUrl, { kind: 'session', value: sessionId }, SESSION_TTL_MS / 1000))
  // Botpress's global OAuth route may answer the browser with its own page instead of this redirect;
  // Botpress's integrations send this header on every redirect of theirs to keep it (UNCONFIRMED,
  // docs/hubspot.md "Publisher app"). Through the webhook URL it means nothing.
  if (c.urls.oauthRoute === 'global') return { ...toSetup, headers: { ...toSetup.headers, 'x-bp-disable-interstitial': 'true' } }
  return toSetup
}

/**
 * Publisher mode: Botpress routes the app's webhooks (sent to the integration-level URL) to the installation whose
 * identifier the definition's extract.vrl returns, the HubSpot portal id. Claimed on every successful callback, even
 * for the account already recorded (one Botpress call per Connect, which is rare): the connection state's record
 * of it may outlive the routing itself (an uninstall cleared it and the states survived, or Botpress dropped it), and
 * reconnecting must restore it. A refusal is returned, not thrown: nothing is stored, and the page says what to do.
 */
const routeByPortal = async (c: ConnectContext, hubId: string): Promise<{ identifier?: string; refused?: string }> => {
  if (c.config.mode !== 'publisher' || !hubId) return {}
  try {
    await c.props.client.configureIntegration({ identifier: hubId })
  } catch (err) {
    // Whether Botpress refuses an identifier another installation holds is UNCONFIRMED (docs/hubspot.md, Publisher app).
    const reason = redact(err instanceof Error ? err.message : String(err))
    return {
      refused:
        `Botpress did not route HubSpot account ${hubId}'s events to this bot (${reason}), so nothing was connected. ` +
        `Check that no other bot is connected to HubSpot account ${hubId} through this integration (disconnect it there, or connect another account here), then start again.`,
    }
  }
  return { identifier: hubId }
}
