import { startBotpressStandIn, startIntegrationOnLoopback, type BotpressStandIn, type StartableIntegration } from '../botpress-stand-in'
import { startHubspotEmulator, type EmulatorOptions, type HubspotEmulator } from '../hubspot-emulator'

/** Credentials of the emulated HubSpot app: fake, local, and never used anywhere else. */
export const SANDBOX_APP = {
  clientId: 'sandbox-client-id',
  clientSecret: 'sandbox-client-secret-0123456789',
  refreshToken: 'sandbox-refresh-token-0123456789',
  developerApiKey: 'sandbox-developer-key-0123456789',
  appId: '4242',
}

export type Startable = StartableIntegration

export type Stack = {
  emulator: HubspotEmulator
  standIn: BotpressStandIn
  integrationUrl: string
  configuration: Record<string, unknown>
  close: () => Promise<void>
}

export type StackOptions = {
  /** The integration implementation (the built bundle for the sandbox, src for tests). */
  integration: Startable
  latencyMs?: number
  inboxes?: { id: string; name: string; type: 'INBOX' | 'HELP_DESK' }[]
  configuration?: Record<string, unknown>
  register?: boolean
  /** More emulator options (ticket delay, owners, custom ticket properties…). */
  emulator?: Partial<EmulatorOptions>
}

/**
 * Everything on 127.0.0.1: the HubSpot emulator, the real integration through the SDK's own
 * HTTP server, and the Botpress API stand-in that calls it as the cloud would.
 */
export const startStack = async (opts: StackOptions): Promise<Stack> => {
  const inboxes = opts.inboxes ?? [
    { id: '1001', name: 'Support', type: 'INBOX' as const },
    { id: '1002', name: 'Help Desk', type: 'HELP_DESK' as const },
  ]
  const emulator = await startHubspotEmulator({ ...SANDBOX_APP, inboxes, latencyMs: opts.latencyMs, ...opts.emulator })
  const running = await startIntegrationOnLoopback(opts.integration)
  const integrationUrl = running.url
  const configuration = {
    ...SANDBOX_APP,
    inboxId: inboxes[0]!.id,
    additionalInboxIds: inboxes.slice(1).map((i) => i.id),
    channelName: 'Botpress sandbox',
    apiBaseUrl: emulator.url,
    ...opts.configuration,
  }
  const standIn = await startBotpressStandIn({ integrationUrl, configuration })
  // The SDK builds its Botpress client per request from these.
  process.env.BP_API_URL = standIn.url
  process.env.BP_TOKEN = 'sandbox-bot-token'
  // End-user media is served from 127.0.0.1 here, which the integration refuses to fetch otherwise (SSRF guard).
  process.env.HUBSPOT_HITL_ALLOW_PRIVATE_MEDIA = 'true'
  emulator.setAppWebhookUrl(standIn.webhookUrl)
  if (opts.register !== false) await standIn.register()

  return {
    emulator,
    standIn,
    integrationUrl,
    configuration,
    close: async () => {
      await standIn.close()
      await running.close()
      await emulator.close()
    },
  }
}
