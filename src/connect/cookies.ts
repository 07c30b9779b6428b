/**
 * One cookie carries the browser's part of the Connect flow, because the runtime's reply takes one
 * value per header (one Set-Cookie per response): `flow.<state>` between /oauth/start and the
 * callback, then `session.<id>` for the setup page.
 */
export const COOKIE_NAME = 'hubspot_hitl_connect'

export type ConnectCookie = { kind: 'flow' | 'session'; value: string }

export const readConnectCookie = (headers: Record<string, string | undefined>): ConnectCookie | undefined => {
  const header = headers.cookie ?? headers.Cookie ?? ''
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0 || part.slice(0, eq).trim() !== COOKIE_NAME) continue
    const match = /^(flow|session)\.([A-Za-z0-9_-]{20,100})$/.exec(part.slice(eq + 1).trim())
    if (match) return { kind: match[1] as ConnectCookie['kind'], value: match[2] as string }
  }
  return undefined
}

/**
 * HttpOnly (no script reads it), SameSite=Lax (sent on HubSpot's top-level redirect back, not on
 * cross-site POSTs), Path = the given URL's path, Secure whenever it is https. The webhook host serves
 * many integrations, so the path keeps the cookie from the others: under the installation's webhook
 * URL (the own-app flow and every session cookie), it reaches only this installation. The publisher
 * app's flow cookie is scoped to Botpress's global `/oauth` route, which every integration's OAuth
 * callback shares: it reaches those callbacks too, for its 10 minutes (the reply can carry one
 * Set-Cookie, the session's, so the callback cannot also clear it). What it holds is only worth
 * something at this installation's callback, with a HubSpot code for this app (docs/hubspot.md,
 * "Publisher app", what the state no longer does).
 */
export const connectCookie = (webhookUrl: string, cookie: ConnectCookie, maxAgeSeconds: number): string => {
  const url = new URL(webhookUrl)
  const path = url.pathname.replace(/\/+$/, '') || '/'
  const secure = url.protocol === 'https:' ? '; Secure' : ''
  return `${COOKIE_NAME}=${cookie.kind}.${cookie.value}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`
}
