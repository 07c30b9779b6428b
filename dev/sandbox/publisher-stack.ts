import { startBotpressHub, startIntegrationOnLoopback, type BotpressHub, type BotpressStandIn, type StartableIntegration } from '../botpress-stand-in'
import { startHubspotApp, type HubspotApp } from '../hubspot-emulator'
import { requiredScopes } from '../../src/hubspot/scopes'
import { SANDBOX_APP, type Stack } from './stack'

/**
 * The publisher mode on 127.0.0.1 (issue 17): ONE HubSpot app (the publisher's) installed in two
 * HubSpot accounts, and ONE deployed integration installed in two bots, each bot connecting its own
 * account. What the cloud does between them is the stand-in hub's (dev/botpress-stand-in/hub.ts):
 * the integration-level URL routed by the portal id extract.vrl reads, the global `/oauth` route by
 * `state`. Nothing is connected at start: each bot goes through Connect, as a bot builder does.
 */

export type PublisherBot = {
  /** How the sandbox page names the bot. */
  label: string
  /** The bot's installation: its own webhook URL, data and request log. */
  standIn: BotpressStandIn
  /** The HubSpot account this bot is meant to connect (the sandbox's pairing; Connect lets the admin pick any). */
  portalId: number
  /** Its Connect pages, as a browser reaches them. */
  connectUrls: { start: string; setup: string }
}

export type PublisherStack = {
  app: HubspotApp
  hub: BotpressHub
  integrationUrl: string
  bots: PublisherBot[]
  /** The secrets the publisher deployed with (`bp deploy --secrets`), as set in env. */
  secrets: Record<string, string>
  close(): Promise<void>
}

export type PublisherStackOptions = {
  integration: StartableIntegration
  /** The two HubSpot accounts; default 11111111 and 22222222. */
  portalIds?: [number, number]
  latencyMs?: number
  /** Default true: HubSpot after September 2027 (dev/hubspot-emulator/sunset.ts). */
  sunset?: boolean
  /** Default true: both bots install (register) one after the other; false leaves it to the caller. */
  register?: boolean
}

/** What each bot builder fills in the default (publisher) configuration: nothing of the app's. */
const BOT_CONFIGURATION = { channelName: 'Botpress sandbox' }

/** The env the integration reads beside its secrets; put back on close. */
const setEnv = (values: Record<string, string>): (() => void) => {
  const before = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]))
  Object.assign(process.env, values)
  return () => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

export const startPublisherStack = async (opts: PublisherStackOptions): Promise<PublisherStack> => {
  const [first, second] = opts.portalIds ?? [11_111_111, 22_222_222]
  const app = await startHubspotApp({
    clientId: SANDBOX_APP.clientId,
    clientSecret: SANDBOX_APP.clientSecret,
    developerApiKey: SANDBOX_APP.developerApiKey,
    appId: SANDBOX_APP.appId,
    appName: 'Botpress HITL (publisher app)',
    appScopes: requiredScopes(),
    latencyMs: opts.latencyMs,
    sunset: opts.sunset ?? true,
    portals: [
      {
        portalId: first,
        inboxes: [
          { id: '1001', name: 'Support', type: 'INBOX' },
          { id: '1002', name: 'Help Desk', type: 'HELP_DESK' },
        ],
      },
      {
        portalId: second,
        inboxes: [
          { id: '2001', name: 'Customer care', type: 'INBOX' },
          { id: '2002', name: 'Service desk', type: 'HELP_DESK' },
        ],
      },
    ],
  })
  // Whatever started is stopped again if a later step fails (a register that throws, a busy port), env included.
  const undo: (() => Promise<void> | void)[] = [() => app.close()]
  const closeAll = async () => {
    while (undo.length) await undo.pop()?.()
  }
  try {
    const running = await startIntegrationOnLoopback(opts.integration)
    undo.push(() => running.close())
    const hub = await startBotpressHub({ integrationUrl: running.url })
    undo.push(() => hub.close())
    // What the publisher deploys with; INTEGRATION_WEBHOOK_URL is known only now that the hub listens,
    // and the integration reads its secrets per request.
    const secrets = {
      SECRET_CLIENT_ID: SANDBOX_APP.clientId,
      SECRET_CLIENT_SECRET: SANDBOX_APP.clientSecret,
      SECRET_APP_ID: SANDBOX_APP.appId,
      SECRET_DEVELOPER_API_KEY: SANDBOX_APP.developerApiKey,
      SECRET_INTEGRATION_WEBHOOK_URL: hub.integrationWebhookUrl,
    }
    undo.push(
      setEnv({
        ...secrets,
        // The SDK builds its Botpress client per request from these; the hub routes by x-bot-id.
        BP_API_URL: hub.url,
        BP_TOKEN: 'sandbox-bot-token',
        // Botpress's webhook host: the global OAuth route {BP_WEBHOOK_URL}/oauth (src/app-urls.ts).
        BP_WEBHOOK_URL: hub.url,
        // Publisher mode has no apiBaseUrl field: the emulator is given by env.
        HUBSPOT_API_BASE_URL: app.url,
        HUBSPOT_HITL_ALLOW_PRIVATE_MEDIA: 'true',
      })
    )
    // The app as the publisher configures it once: its webhook target and redirect URL are Botpress's global ones.
    app.setAppWebhookUrl(hub.integrationWebhookUrl)
    app.setRedirectUrls([hub.oauthUrl])

    const bots: PublisherBot[] = []
    for (const [index, portalId] of [first, second].entries()) {
      const name = index === 0 ? 'alpha' : 'beta'
      const standIn = hub.install({ botId: `bot_${name}`, configuration: BOT_CONFIGURATION })
      undo.push(() => standIn.close())
      if (opts.register !== false) await standIn.register()
      bots.push({
        label: `Bot ${name[0]!.toUpperCase()}${name.slice(1)}`,
        standIn,
        portalId,
        connectUrls: { start: `${standIn.webhookUrl}/oauth/start`, setup: `${standIn.webhookUrl}/setup` },
      })
    }
    return { app, hub, integrationUrl: running.url, bots, secrets, close: closeAll }
  } catch (err) {
    await closeAll()
    throw err
  }
}

/**
 * One bot of the publisher stack as the sandbox page sees a stack: its installation, and the HubSpot
 * account it connects as "the emulator" (its inboxes, threads and agents). Closing it closes nothing:
 * the publisher stack is shared and closed once.
 */
export const sandboxStackOf = (stack: PublisherStack, bot: PublisherBot): Stack => ({
  emulator: stack.app.portal(bot.portalId),
  standIn: bot.standIn,
  integrationUrl: stack.integrationUrl,
  configuration: BOT_CONFIGURATION,
  connected: false,
  connectUrls: bot.connectUrls,
  publisher: { botLabel: bot.label, portalId: bot.portalId },
  close: async () => {},
})
