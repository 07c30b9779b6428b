import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { EmulatorOptions, HubspotEmulator } from './api'
import type { Core } from './core'
import { esc, htmlPage } from './html'
import { startEmulatorWithCore } from './start'
import type { Channel, DeliveryRecord, InboxType } from './types'

/**
 * One HubSpot app installed in several accounts (portals), as a publisher-owned app is.
 *
 * What belongs to whom follows HubSpot: the custom channels belong to the APP (created with the
 * developer key + appId, one registry, the same ids in every portal); channel accounts, inboxes,
 * threads, contacts, tickets, owners and OAuth tokens belong to a PORTAL, and a token sees only its
 * own portal's data. Each portal is a whole single-portal emulator (index.ts, unchanged) on its own
 * port; the app's URL is a front that sends each request to the portal it concerns:
 * - a Bearer token, an authorization code, a refresh token or a token to introspect → the portal
 *   that issued it (an unknown one goes to the first portal, which answers it as HubSpot does: 401/400);
 * - the consent page (`/oauth/authorize`) → an account picker (HubSpot shows one to a user with
 *   several accounts); each choice is that portal's own consent page;
 * - anything else (the developer-key custom-channel API) → the first portal, whose channel registry
 *   every portal shares.
 * App webhooks of every portal go to the app's one target URL, each event with its own `portalId`,
 * signed with the app's client secret; `mixedBatch` sends events of several portals in one batch.
 * Custom-channel events go to the channel's webhookUrl with the portal they concern (`portalId`).
 */

export type AppPortalOptions = {
  portalId: number
  /** A refresh token that works from the start in this portal (the app installed by hand there). */
  refreshToken?: string
  /** Default: a Support inbox and a Help Desk with ids no other portal has. */
  inboxes?: { id: string; name: string; type: InboxType }[]
  agents?: { id: string; name: string; email: string; avatar?: string }[]
}

export type HubspotAppOptions = Omit<EmulatorOptions, 'port' | 'portalId' | 'refreshToken' | 'inboxes' | 'agents'> & {
  /** The app's URL port (default: ephemeral). Portals always take ephemeral ports. */
  port?: number
  portals: AppPortalOptions[]
}

/** One portal: its own emulator handle (agent simulator, state, requests), reached directly at `url`. */
export type AppPortal = HubspotEmulator & { portalId: number }

export type HubspotApp = {
  /** The app's API URL (what the integration's apiBaseUrl points to). */
  url: string
  /** The account picker, then the chosen portal's consent page. */
  authorizeUrl: string
  portals: AppPortal[]
  portal(portalId: number): AppPortal
  /** The app's one custom-channel registry, shared by every portal. */
  channels: Map<string, Channel>
  setAppWebhookUrl(url: string): void
  setRedirectUrls(urls: string[] | undefined): void
  /**
   * Runs `fn` (agent actions of any portals) holding back their app webhooks, then sends them all as
   * ONE batch to the app's target URL, in the order they happened; returns the receiver's status.
   */
  mixedBatch(fn: () => Promise<unknown>): Promise<{ status: number; events: unknown[] }>
  /** Every webhook attempt of every portal, oldest first. */
  deliveries(): DeliveryRecord[]
  /** Requests the front received, with the portal it sent each to. */
  routed: { method: string; path: string; portalId: number }[]
  close(): Promise<void>
}

/** Far apart, so an id tells which portal made it (HubSpot's ids are unique across accounts). */
const ID_OFFSET_PER_PORTAL = 100_000

const defaultInboxes = (index: number) => [
  { id: String(1001 + index * 100), name: 'Support', type: 'INBOX' as const },
  { id: String(1002 + index * 100), name: 'Help Desk', type: 'HELP_DESK' as const },
]

type Backend = { portal: AppPortal; core: Core }

const readBody = (req: http.IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })

const ownsToken = (core: Core, token: string): boolean => core.tokens.expiresInSeconds(token) !== undefined
const ownsRefreshToken = (core: Core, token: string): boolean => core.grants.refreshTokens.has(token) || core.opts.refreshToken === token

/** The portal a request concerns, by what it carries; undefined when nothing names one. */
const ownerOf = (backends: Backend[], req: http.IncomingMessage, url: URL, body: Buffer): Backend | undefined => {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1]
  if (bearer) return backends.find((b) => ownsToken(b.core, bearer))
  if (!url.pathname.startsWith('/oauth/')) return undefined
  const pathToken = /\/(access-tokens|refresh-tokens)\/([^/]+)$/.exec(url.pathname)
  if (pathToken?.[2]) {
    const t = decodeURIComponent(pathToken[2])
    return backends.find((b) => (pathToken[1] === 'access-tokens' ? ownsToken(b.core, t) : ownsRefreshToken(b.core, t)))
  }
  const form = new URLSearchParams(body.toString('utf8'))
  for (const [key, value] of url.searchParams) if (!form.has(key)) form.set(key, value)
  const code = form.get('code')
  if (code) return backends.find((b) => b.core.grants.codes.has(code))
  const refresh = form.get('refresh_token')
  if (refresh) return backends.find((b) => ownsRefreshToken(b.core, refresh))
  const token = form.get('token')
  if (token) return backends.find((b) => ownsToken(b.core, token) || ownsRefreshToken(b.core, token))
  return undefined
}

const accountPicker = (backends: Backend[], url: URL): string => {
  const items = backends
    .map(({ portal }) => `<li><a href="${esc(`${portal.url}${url.pathname}${url.search}`)}">Account ${esc(portal.portalId)}</a></li>`)
    .join('')
  const page = htmlPage(200, 'Choose an account', `<p>Choose the HubSpot account to install the app in.</p><ul>${items}</ul>`)
  return page.raw?.body.toString('utf8') ?? ''
}

const forward = (target: string, req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    const { host: _host, ...headers } = req.headers
    const out = http.request(target, { method: req.method, headers: { ...headers, 'content-length': String(body.length) } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
      answer.on('end', () => resolve())
    })
    out.on('error', () => {
      if (!res.headersSent) res.writeHead(502)
      res.end()
      resolve()
    })
    out.end(body)
  })

/** Starts one app with the given portals: the app's front URL plus one emulator per portal, all on 127.0.0.1. */
export async function startHubspotApp(opts: HubspotAppOptions): Promise<HubspotApp> {
  if (!opts.portals.length) throw new Error('startHubspotApp: give at least one portal')
  if (new Set(opts.portals.map((p) => p.portalId)).size !== opts.portals.length) throw new Error('startHubspotApp: portal ids must differ')
  const { portals: portalOpts, port, ...appOpts } = opts
  const backends: Backend[] = []
  for (const [index, p] of portalOpts.entries()) {
    const { emulator, core } = await startEmulatorWithCore(
      {
        ...appOpts,
        portalId: p.portalId,
        inboxes: p.inboxes ?? defaultInboxes(index),
        ...(p.refreshToken ? { refreshToken: p.refreshToken } : {}),
        ...(p.agents ? { agents: p.agents } : {}),
      },
      { idOffset: index * ID_OFFSET_PER_PORTAL }
    )
    backends.push({ portal: Object.assign(emulator, { portalId: p.portalId }), core })
  }
  const first = backends[0] as Backend
  // The app's one channel registry: every portal's handlers read and write this map, and take channel
  // and event ids from the first portal's sequences (store.ts), wherever the request arrived.
  const channels = first.core.store.state.channels
  for (const b of backends) {
    b.core.store.state.channels = channels
    if (b !== first) b.core.store.shareAppSequencesWith(first.core.store)
  }

  const routed: HubspotApp['routed'] = []
  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req)
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      if (req.method === 'GET' && url.pathname === '/oauth/authorize') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
        res.end(accountPicker(backends, url))
        return
      }
      const target = ownerOf(backends, req, url, body) ?? first
      routed.push({ method: req.method ?? 'GET', path: url.pathname, portalId: target.portal.portalId })
      await forward(`${target.portal.url}${url.pathname}${url.search}`, req, body, res)
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port ?? 0, '127.0.0.1', () => resolve())
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  let appWebhookUrl = opts.appWebhookUrl

  return {
    url,
    authorizeUrl: `${url}/oauth/authorize`,
    portals: backends.map((b) => b.portal),
    portal: (portalId) => {
      const found = backends.find((b) => b.portal.portalId === portalId)
      if (!found) throw new Error(`hubspot app: no portal ${portalId}`)
      return found.portal
    },
    channels,
    setAppWebhookUrl: (target) => {
      appWebhookUrl = target
      for (const b of backends) b.portal.setAppWebhookUrl(target)
    },
    setRedirectUrls: (urls) => {
      for (const b of backends) b.portal.setRedirectUrls(urls)
    },
    mixedBatch: async (fn) => {
      const held: unknown[] = []
      for (const b of backends) b.core.heldAppEvents = held
      try {
        await fn()
      } finally {
        for (const b of backends) delete b.core.heldAppEvents
      }
      if (!appWebhookUrl) throw new Error('hubspot app: mixedBatch needs the app webhook URL (setAppWebhookUrl)')
      return { status: await first.core.webhooks.deliver('app', appWebhookUrl, held), events: held }
    },
    deliveries: () => [...backends.flatMap((b) => b.portal.deliveries)].sort((a, b) => a.at - b.at),
    routed,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
      for (const b of backends) await b.portal.close()
    },
  }
}
