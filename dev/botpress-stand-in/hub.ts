import * as http from 'node:http'
import { StandInApiError } from './api-error'
import { extractIdentifier } from './extract-identifier'
import { closeServer, flattenRawHeaders, listen, readBody, sendJson } from './http'
import { newId } from './ids'
import { createInstallation, type Installation } from './installation'
import type { BotpressHub, BotpressStandIn, HubOptions, InstallationOptions } from './types'
import { deliverWebhook, forwardWebhook } from './webhook-proxy'

const HOST = '127.0.0.1'
const DEFAULT_NAME = 'hubspot-hitl'

/** `/prefix` itself or anything under `/prefix/`. */
const under = (pathname: string, prefix: string): boolean => pathname === prefix || pathname.startsWith(`${prefix}/`)

const notFound = (req: http.IncomingMessage, res: http.ServerResponse, message: string): void => {
  req.resume()
  sendJson(res, 404, { message })
}

/**
 * Botpress with one integration (one deployed integration server) installed in several bots, each
 * with its own bot id, webhook id, configuration and data. Besides each installation's own webhook
 * URL it serves the two routes Botpress routes itself (both UNCONFIRMED in detail, docs/hubspot.md
 * "Botpress routing in the stand-in"):
 *
 * - the integration-level URL `{url}/integration/global/<name>[/sub/path]`: delivered to the
 *   installation whose identifier extract.vrl yields (extract-identifier.ts), exactly as a request
 *   to that installation's own webhook URL (same headers, body and sub-path); no match → 404,
 *   nothing delivered;
 * - the global OAuth route `{url}/oauth[...]?code&state`: delivered to the installation whose
 *   webhook id is `state`, with the whole path (`/oauth…`); unknown or missing state → 404.
 */
export const startBotpressHub = async (opts: HubOptions): Promise<BotpressHub> => {
  const integrationId = opts.integrationId ?? newId('integration')
  const integrationName = opts.integrationName ?? DEFAULT_NAME
  const integrationUrl = new URL(opts.integrationUrl)
  const agent = new http.Agent({ keepAlive: false })

  const byWebhookId = new Map<string, Installation>()
  /** identifier → webhook id of the installation holding it: the one table of who holds what. */
  const identifiers = new Map<string, string>()
  const identifierOf = (webhookId: string): string | null => {
    for (const [identifier, holder] of identifiers) if (holder === webhookId) return identifier
    return null
  }
  const release = (webhookId: string): void => {
    const held = identifierOf(webhookId)
    if (held !== null) identifiers.delete(held)
  }
  const installationOfBot = (botId: string): Installation | undefined => [...byWebhookId.values()].find((i) => i.face.botId === botId)

  const globalPrefix = `/integration/global/${integrationName}`

  const routeByIdentifier = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const raw = await readBody(req)
    const identifier = extractIdentifier(raw.toString('utf8'))
    const holder = identifier ? identifiers.get(identifier) : undefined
    const target = holder !== undefined ? byWebhookId.get(holder) : undefined
    if (!target) {
      // UNCONFIRMED what Botpress answers here (a fallbackHandlerScript, an error status): modelled as 404, nothing delivered.
      sendJson(res, 404, {
        message:
          identifier === undefined ? 'The identifier extract script failed on this request' : `No installation holds identifier "${identifier}"`,
      })
      return
    }
    const incoming = {
      method: req.method ?? 'GET',
      subPath: url.pathname.slice(globalPrefix.length),
      query: url.search.replace(/^\?/, ''),
      rawHeaders: req.rawHeaders,
    }
    await deliverWebhook(incoming, raw, res, target.caller)
  }

  const routeOAuth = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const state = url.searchParams.get('state')
    const target = state ? byWebhookId.get(state) : undefined
    if (!target) return notFound(req, res, state ? `No installation has webhook id "${state}"` : 'The OAuth route needs state=<webhook id>')
    await forwardWebhook(req, res, url.pathname, url.search.replace(/^\?/, ''), target.caller)
  }

  const routeApi = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> => {
    const botId = flattenRawHeaders(req.rawHeaders)['x-bot-id']
    const target = botId ? installationOfBot(botId) : undefined
    if (target) return target.handleApi(req, res, url)
    await readBody(req)
    const err = new StandInApiError('Unauthorized', botId ? `Unknown bot "${botId}"` : 'Missing x-bot-id header')
    sendJson(res, err.code, err.toBody())
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`)
    const done = (p: Promise<void>) =>
      p.catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { message: err instanceof Error ? err.message : String(err) })
        else res.destroy()
      })
    const webhookId = /^\/webhooks\/([^/]+)/.exec(url.pathname)?.[1]
    const own = webhookId !== undefined ? byWebhookId.get(webhookId) : undefined
    if (url.pathname === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
    } else if (own) {
      void done(forwardWebhook(req, res, url.pathname.slice(own.webhookPrefix.length), url.search.replace(/^\?/, ''), own.caller))
    } else if (under(url.pathname, globalPrefix)) {
      void done(routeByIdentifier(req, res, url))
    } else if (under(url.pathname, '/oauth')) {
      void done(routeOAuth(req, res, url))
    } else if (url.pathname.startsWith('/v1/')) {
      void done(routeApi(req, res, url))
    } else {
      notFound(req, res, `Nothing at ${url.pathname}`)
    }
  })
  const port = await listen(server, opts.port ?? 0, HOST)
  const url = `http://${HOST}:${port}`

  const faces = new Map<string, BotpressStandIn>()

  const install = (installOpts: InstallationOptions): BotpressStandIn => {
    if (installOpts.webhookId !== undefined && byWebhookId.has(installOpts.webhookId)) throw new Error(`Webhook id ${installOpts.webhookId} is taken`)
    if (installOpts.botId !== undefined && installationOfBot(installOpts.botId)) {
      throw new Error(`Bot ${installOpts.botId} already has this integration installed (the hub models one installation per bot)`)
    }
    let webhookId = ''
    const installation = createInstallation(installOpts, {
      url,
      integrationUrl,
      integrationId,
      agent,
      operationTimeoutMs: opts.operationTimeoutMs,
      identifierOf: () => identifierOf(webhookId),
      configure: (identifier) => {
        if (identifier === null) return release(webhookId)
        const holder = identifiers.get(identifier)
        if (holder === webhookId) return
        // UNCONFIRMED (docs/hubspot.md): a second claim is refused; the first holder keeps it until it clears it or is uninstalled.
        if (holder !== undefined)
          throw new StandInApiError('AlreadyExists', `Identifier "${identifier}" is already used by another installation of this integration`)
        release(webhookId)
        identifiers.set(identifier, webhookId)
      },
    })
    webhookId = installation.face.webhookId
    byWebhookId.set(webhookId, installation)
    const face: BotpressStandIn = {
      ...installation.face,
      close: async () => {
        release(webhookId)
        byWebhookId.delete(webhookId)
        faces.delete(webhookId)
      },
    }
    faces.set(webhookId, face)
    return face
  }

  return {
    url,
    integrationId,
    integrationWebhookUrl: `${url}${globalPrefix}`,
    oauthUrl: `${url}/oauth`,
    install,
    installations: () => [...faces.values()],
    installationFor: (identifier) => {
      const holder = identifiers.get(identifier)
      return holder !== undefined ? faces.get(holder) : undefined
    },
    close: async () => {
      await closeServer(server)
      agent.destroy()
    },
  }
}
