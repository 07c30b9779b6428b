import { requiredScopes } from '../hubspot/scopes'

/** Saving the configuration in Botpress opens the Connect window for this long. */
export const CONNECT_WINDOW_MS = 15 * 60 * 1000

const base = (webhookUrl: string) => webhookUrl.replace(/\/+$/, '')
export const oauthStartUrlOf = (webhookUrl: string) => `${base(webhookUrl)}/oauth/start`
export const oauthCallbackUrlOf = (webhookUrl: string) => `${base(webhookUrl)}/oauth/callback`
export const setupUrlOf = (webhookUrl: string) => `${base(webhookUrl)}/setup`
export const connectRedirectUrlOf = (webhookUrl: string) => `${base(webhookUrl)}/connect`

export const DEFAULT_APP_BASE_URL = 'https://app.hubspot.com'

export const isLoopbackUrl = (raw: string): boolean => {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(raw).hostname)
  } catch {
    return false
  }
}

/**
 * Where the browser consents. HubSpot's is https://app.hubspot.com/oauth/authorize. For a local
 * emulator: HUBSPOT_APP_BASE_URL when set (any https URL, or http on 127.0.0.1), else, when the API
 * base URL is on this machine, the emulator itself serves /oauth/authorize beside its API. A
 * production API base URL (https, not loopback) always gets HubSpot's real consent page.
 */
export const appBaseUrlOf = (apiBaseUrl: string): string => {
  const fromEnv = process.env.HUBSPOT_APP_BASE_URL?.trim()
  if (fromEnv && (fromEnv.startsWith('https://') || isLoopbackUrl(fromEnv))) return base(fromEnv)
  return isLoopbackUrl(apiBaseUrl) ? base(apiBaseUrl) : DEFAULT_APP_BASE_URL
}

/** HubSpot's consent page for this app; `redirectUri` is the app's redirect URL for this installation (src/app-urls.ts). */
export const authorizeUrlOf = (args: { apiBaseUrl: string; clientId: string; redirectUri: string; state: string }): string => {
  const url = new URL(`${appBaseUrlOf(args.apiBaseUrl)}/oauth/authorize`)
  url.searchParams.set('client_id', args.clientId)
  url.searchParams.set('redirect_uri', args.redirectUri)
  // Space-separated, as HubSpot documents (URLSearchParams encodes the spaces).
  url.searchParams.set('scope', requiredScopes().join(' '))
  url.searchParams.set('state', args.state)
  return url.toString()
}

/**
 * HubSpot's /connect redirect target must be HubSpot's own UI (an open redirect on our webhook host
 * would let anyone bounce browsers through it): https on hubspot.com or a subdomain (app, app-eu1…).
 * Plain http://127.0.0.1 only while the API itself is the local emulator.
 */
export const isAllowedHubspotRedirect = (raw: string, apiBaseUrl: string): boolean => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return false
  }
  if (url.username || url.password) return false
  if (url.protocol === 'https:' && (url.hostname === 'hubspot.com' || url.hostname.endsWith('.hubspot.com'))) return true
  return url.protocol === 'http:' && url.hostname === '127.0.0.1' && isLoopbackUrl(apiBaseUrl)
}
