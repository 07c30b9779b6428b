import { startBotpressStandIn, startIntegrationOnLoopback, type BotpressStandIn, type StartableIntegration } from '../botpress-stand-in'
import { startHubspotEmulator, type EmulatorOptions, type HubspotEmulator } from '../hubspot-emulator'
import { requiredScopes } from '../../src/hubspot/scopes'

/** Credentials of the emulated HubSpot app: fake, local, and never used anywhere else. */
export const SANDBOX_APP = {
  clientId: 'sandbox-client-id',
  clientSecret: 'sandbox-client-secret-0123456789',
  refreshToken: 'sandbox-refresh-token-0123456789',
  developerApiKey: 'sandbox-developer-key-0123456789',
  appId: '4242',
}

/** The app before anyone installed it: no refresh token exists until the Connect flow's code exchange. */
const SANDBOX_APP_NOT_INSTALLED = {
  clientId: SANDBOX_APP.clientId,
  clientSecret: SANDBOX_APP.clientSecret,
  developerApiKey: SANDBOX_APP.developerApiKey,
  appId: SANDBOX_APP.appId,
}

export type Startable = StartableIntegration

type SandboxInbox = { id: string; name: string; type: 'INBOX' | 'HELP_DESK' }

export type Stack = {
  emulator: HubspotEmulator
  standIn: BotpressStandIn
  integrationUrl: string
  configuration: Record<string, unknown>
  /** false: the integration started without refreshToken/inboxId and waits for the Connect flow. */
  connected: boolean
  /** The integration's Connect pages, as the browser reaches them (through the stand-in's webhook proxy). */
  connectUrls: { start: string; setup: string }
  /**
   * Set when this is one bot of the publisher sandbox (dev/sandbox/publisher-stack.ts): the app is
   * the publisher's, shared with another bot, and `emulator` is the HubSpot account this bot connects.
   */
  publisher?: { botLabel: string; portalId: number }
  close: () => Promise<void>
}

export type StackOptions = {
  /** The integration implementation (the built bundle for the sandbox, src for tests). */
  integration: Startable
  latencyMs?: number
  inboxes?: SandboxInbox[]
  configuration?: Record<string, unknown>
  register?: boolean
  /**
   * Default true (what the e2e tests and `npm run demo` use): the app is installed by hand, the
   * configuration carries the refresh token and inbox ids. false: HubSpot starts "not installed"
   * and the configuration has neither, as for a newcomer who then clicks Connect.
   */
  connected?: boolean
  /** More emulator options (ticket delay, owners, custom ticket properties…). */
  emulator?: Partial<EmulatorOptions>
}

const CONNECTED_INBOXES: SandboxInbox[] = [
  { id: '1001', name: 'Support', type: 'INBOX' },
  { id: '1002', name: 'Help Desk', type: 'HELP_DESK' },
]
/** Unconnected, there is something to pick on the setup page and an inbox left to connect from HubSpot's settings. */
const UNCONNECTED_INBOXES: SandboxInbox[] = [...CONNECTED_INBOXES, { id: '1003', name: 'Sales', type: 'INBOX' }]

/** `npm start` starts unconnected unless SANDBOX_CONNECTED=1 (or `--connected`) asks for the hand-installed app. */
export const wantsConnectedSandbox = (env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv): boolean =>
  argv.includes('--connected') || ['1', 'true', 'yes'].includes((env.SANDBOX_CONNECTED ?? '').trim().toLowerCase())

/**
 * `npm start` runs the publisher mode (two bots sharing one HubSpot app, dev/sandbox/publisher-stack.ts)
 * unless `SANDBOX_MODE=own-app` (or `--own-app`) asks for one bot with its own app; a hand-installed
 * app (SANDBOX_CONNECTED=1) exists only in that mode, so it implies it.
 */
export const sandboxModeOf = (env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv): 'publisher' | 'own-app' => {
  const asked = (env.SANDBOX_MODE ?? '').trim().toLowerCase()
  if (asked && asked !== 'publisher' && asked !== 'own-app') throw new Error(`SANDBOX_MODE must be "publisher" or "own-app", not "${asked}"`)
  const ownApp = argv.includes('--own-app') || wantsConnectedSandbox(env, argv)
  if (asked === 'publisher' && ownApp) {
    throw new Error(
      'SANDBOX_MODE=publisher cannot start connected (SANDBOX_CONNECTED=1, --connected) or with --own-app: a publisher app is connected through Connect only.'
    )
  }
  return asked === 'own-app' || ownApp ? 'own-app' : 'publisher'
}

/**
 * Everything on 127.0.0.1: the HubSpot emulator, the real integration through the SDK's own
 * HTTP server, and the Botpress API stand-in that calls it as the cloud would.
 */
export const startStack = async (opts: StackOptions): Promise<Stack> => {
  const connected = opts.connected ?? true
  const inboxes = opts.inboxes ?? (connected ? CONNECTED_INBOXES : UNCONNECTED_INBOXES)
  const emulator = await startHubspotEmulator({
    ...(connected ? SANDBOX_APP : SANDBOX_APP_NOT_INSTALLED),
    inboxes,
    latencyMs: opts.latencyMs,
    // The app as hubspot-app/ defines it: exactly the scopes the code needs (the redirect URL is set below, once known).
    ...(connected ? {} : { appScopes: requiredScopes() }),
    // HubSpot after September 2027: v1–v3 paths answer as retired versions (dev/hubspot-emulator/sunset.ts).
    sunset: true,
    ...opts.emulator,
  })
  const running = await startIntegrationOnLoopback(opts.integration)
  const integrationUrl = running.url
  const configuration = connected
    ? {
        ...SANDBOX_APP,
        inboxId: inboxes[0]!.id,
        additionalInboxIds: inboxes.slice(1).map((i) => i.id),
        channelName: 'Botpress sandbox',
        apiBaseUrl: emulator.url,
        ...opts.configuration,
      }
    : { ...SANDBOX_APP_NOT_INSTALLED, channelName: 'Botpress sandbox', apiBaseUrl: emulator.url, ...opts.configuration }
  const standIn = await startBotpressStandIn({ integrationUrl, configuration })
  // The SDK builds its Botpress client per request from these.
  process.env.BP_API_URL = standIn.url
  process.env.BP_TOKEN = 'sandbox-bot-token'
  // End-user media is served from 127.0.0.1 here, which the integration refuses to fetch otherwise (SSRF guard).
  process.env.HUBSPOT_HITL_ALLOW_PRIVATE_MEDIA = 'true'
  emulator.setAppWebhookUrl(standIn.webhookUrl)
  const connectUrls = { start: `${standIn.webhookUrl}/oauth/start`, setup: `${standIn.webhookUrl}/setup` }
  // The app's redirect URL, as hubspot-app/'s profile sets it: the consent page refuses any other.
  if (!connected && !opts.emulator?.redirectUrls) emulator.setRedirectUrls([`${standIn.webhookUrl}/oauth/callback`])
  if (opts.register !== false) await standIn.register()

  return {
    emulator,
    standIn,
    integrationUrl,
    configuration,
    connected,
    connectUrls,
    close: async () => {
      await standIn.close()
      await running.close()
      await emulator.close()
    },
  }
}
