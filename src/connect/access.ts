import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ConnectionState, SetupState } from '../../definitions/states'
import type { ConnectCookie } from './cookies'

/** An OAuth `state` is usable this long after /oauth/start. */
export const FLOW_TTL_MS = 10 * 60 * 1000
/** A setup-page session (issued by a successful callback) lasts this long. */
export const SESSION_TTL_MS = 60 * 60 * 1000
export const MAX_SESSIONS = 10
/**
 * Spent states still unexpired (older ones are refused by their MAC'd expiry, so they need no
 * remembering). Each entry costs a caller a full start + callback with its own cookie, and a state
 * evicted early can only be replayed by whoever holds both it and its browser's cookie (HubSpot's
 * code is single use anyway): the bound keeps the stored state small under a flood.
 */
export const MAX_SPENT_STATES = 100

/** 32 random bytes, base64url: unguessable. */
export const randomToken = (): string => randomBytes(32).toString('base64url')

/** Only hashes are stored: a leaked state payload gives no usable state value or session. */
export const hashToken = (value: string): string => createHash('sha256').update(value).digest('hex')

export const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * A self-verifying OAuth `state`, so /oauth/start stores nothing (anyone who knows the webhook URL
 * may call it, as often as they like): 16 random bytes (the nonce), the expiry (ms since epoch, 8
 * bytes big-endian) and an HMAC-SHA256 over both, bound to this installation, in one base64url
 * string (75 characters: it fits the flow cookie's alphabet, no separator needed).
 */
const NONCE_BYTES = 16
const EXPIRY_BYTES = 8
const MAC_BYTES = 32
const STATE_LENGTH = Math.ceil(((NONCE_BYTES + EXPIRY_BYTES + MAC_BYTES) * 4) / 3)

/**
 * The MAC key is derived from the client secret (a purpose-specific key: the secret itself is never
 * used to sign anything sent out, and the setup CSRF tokens' MACs cannot stand in for a state's).
 */
const stateKeyOf = (clientSecret: string): Buffer => createHmac('sha256', clientSecret).update('hubspot-hitl oauth-state key v1').digest()

/**
 * `installation` names the installation the state was issued for (integration id and webhook URL):
 * one HubSpot app (one client secret) serves many bots, and a state issued by one must not work at another.
 */
const stateMacOf = (key: Buffer, nonce: Buffer, expiry: Buffer, installation: string): Buffer =>
  createHmac('sha256', key).update('oauth-state\u0000').update(nonce).update(expiry).update(`\u0000${installation}`).digest()

export const issueOAuthState = (args: { clientSecret: string; installation: string; now: number }): { state: string; expiresAt: number } => {
  const nonce = randomBytes(NONCE_BYTES)
  const expiresAt = args.now + FLOW_TTL_MS
  const expiry = Buffer.alloc(EXPIRY_BYTES)
  expiry.writeBigUInt64BE(BigInt(expiresAt))
  const mac = stateMacOf(stateKeyOf(args.clientSecret), nonce, expiry, args.installation)
  return { state: Buffer.concat([nonce, expiry, mac]).toString('base64url'), expiresAt }
}

/**
 * The state's nonce and expiry when this installation issued it and it has not expired; undefined
 * otherwise (forged, altered, another installation's, expired). The MAC is compared in constant time.
 */
export const verifyOAuthState = (
  state: string,
  args: { clientSecret: string; installation: string; now: number }
): { nonce: string; expiresAt: number } | undefined => {
  if (state.length !== STATE_LENGTH || !/^[A-Za-z0-9_-]+$/.test(state)) return undefined
  const raw = Buffer.from(state, 'base64url')
  if (raw.length !== NONCE_BYTES + EXPIRY_BYTES + MAC_BYTES) return undefined
  const nonce = raw.subarray(0, NONCE_BYTES)
  const expiry = raw.subarray(NONCE_BYTES, NONCE_BYTES + EXPIRY_BYTES)
  const mac = raw.subarray(NONCE_BYTES + EXPIRY_BYTES)
  if (!timingSafeEqual(mac, stateMacOf(stateKeyOf(args.clientSecret), nonce, expiry, args.installation))) return undefined
  const expiresAt = Number(expiry.readBigUInt64BE())
  if (expiresAt <= args.now) return undefined
  return { nonce: nonce.toString('base64url'), expiresAt }
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
