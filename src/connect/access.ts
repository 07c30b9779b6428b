import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ConnectionState, SetupState } from '../../definitions/states'
import type { ConnectCookie } from './cookies'

/** An OAuth `state` is usable this long after /oauth/start. */
export const FLOW_TTL_MS = 10 * 60 * 1000
/** A setup-page session (issued by a successful callback) lasts this long. */
export const SESSION_TTL_MS = 60 * 60 * 1000
export const MAX_PENDING_FLOWS = 20
export const MAX_SESSIONS = 10

/** 32 random bytes, base64url: unguessable. */
export const randomToken = (): string => randomBytes(32).toString('base64url')

/** Only hashes are stored: a leaked state payload gives no usable state value or session. */
export const hashToken = (value: string): string => createHash('sha256').update(value).digest('hex')

export const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** The setup session this browser holds, if valid. */
export const validSession = (conn: ConnectionState, cookie: ConnectCookie | undefined, now: number): string | undefined => {
  if (cookie?.kind !== 'session') return undefined
  const until = conn.sessions?.[hashToken(cookie.value)]
  return until !== undefined && until > now ? cookie.value : undefined
}

/** CSRF token for the setup form: bound to the session cookie, keyed by the app's client secret. */
export const csrfTokenFor = (sessionId: string, clientSecret: string): string =>
  createHmac('sha256', clientSecret).update(`setup-csrf\u0000${sessionId}`).digest('base64url')

export const isConnected = (configuredRefreshToken: string | undefined, conn: ConnectionState): boolean =>
  configuredRefreshToken !== undefined || conn.refreshToken !== undefined

export const windowOpen = (setup: SetupState | undefined, now: number): boolean => (setup?.connectWindowUntil ?? 0) > now

/**
 * Who may bind the installation to a HubSpot account: anyone while nothing is connected, anyone
 * within the window opened by saving the configuration in Botpress (only the bot's builders can do
 * that), and otherwise only a re-consent for the very account already connected.
 */
export const mayBind = (args: { connected: boolean; setup: SetupState | undefined; currentHubId?: string; newHubId: string; now: number }): boolean =>
  !args.connected || windowOpen(args.setup, args.now) || (args.currentHubId !== undefined && args.currentHubId === args.newHubId)

/**
 * Cross-site request check for POST /setup, on top of the CSRF token: when the browser says where
 * the request comes from (Sec-Fetch-Site, Origin, Referer), it must be this page's own origin.
 */
export const isSameOriginRequest = (headers: Record<string, string | undefined>, webhookUrl: string): boolean => {
  const h = (name: string) => headers[name] ?? headers[name.toLowerCase()]
  const origin = new URL(webhookUrl).origin
  const site = h('sec-fetch-site')
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false
  const from = h('origin')
  if (from !== undefined && from !== 'null') return from === origin
  if (from === 'null') return false
  const referer = h('referer')
  if (referer !== undefined) {
    try {
      return new URL(referer).origin === origin
    } catch {
      return false
    }
  }
  return true
}

export const FORBIDDEN_HELP =
  'This integration is already connected to HubSpot. To change it, save the integration configuration in Botpress, then click Connect within 15 minutes.'
