import { z } from '@botpress/sdk'
import type { Stack } from './stack'

/**
 * The sandbox page's view of the Connect flow: whether HubSpot is connected and which inboxes
 * escalations can reach, read from what Botpress stores for the integration (its `connection` and
 * `setup` states) and from the emulator's inbox list. Only ids, names and booleans: never a token.
 */
export type InboxView = { id: string; name: string; type: string; chosen: boolean; isDefault: boolean; connected: boolean }
export type ConnectView = {
  /** The configuration carries the refresh token and inbox ids (SANDBOX_CONNECTED=1): nothing to connect. */
  configured: boolean
  /** HubSpot authorized the app (configured refresh token, or the Connect flow's code exchange). */
  hubspotConnected: boolean
  hubId?: string
  /** At least one inbox has a connected channel account: an escalation has somewhere to go. */
  ready: boolean
  channelId?: string
  startUrl: string
  setupUrl: string
  settingsUrl: string
  inboxes: InboxView[]
  /**
   * Publisher sandbox: which bot this page is and the HubSpot account it is meant to connect. Its
   * channel is the app's, shared, with no connection redirect URL: inboxes are connected on the
   * setup page only (src/app-urls.ts), so the page offers no "Connect channel".
   */
  publisher?: { botLabel: string; portalId: number }
}

// Read leniently: the sandbox only shows these, and a missing field means "not yet".
const connectionSchema = z.object({ refreshToken: z.string().optional(), hubId: z.string().optional() }).passthrough()
const setupSchema = z
  .object({
    channelId: z.string().optional(),
    channelAccounts: z.record(z.object({ authorized: z.boolean().optional() }).passthrough()).optional(),
    inboxChoice: z.object({ inboxIds: z.array(z.string()) }).optional(),
  })
  .passthrough()

const integrationState = <T>(stack: Stack, name: string, schema: z.ZodType<T>): T | undefined => {
  const state = stack.standIn.store.findState({ type: 'integration', id: stack.standIn.integrationId, name })
  const parsed = schema.safeParse(state?.payload)
  return parsed.success ? parsed.data : undefined
}

const configuredInboxIds = (configuration: Record<string, unknown>): string[] => {
  const first = typeof configuration.inboxId === 'string' && configuration.inboxId ? [configuration.inboxId] : []
  const more = Array.isArray(configuration.additionalInboxIds) ? configuration.additionalInboxIds.map(String) : []
  return [...first, ...more]
}

export const connectView = (stack: Stack): ConnectView => {
  const connection = integrationState(stack, 'connection', connectionSchema)
  const setup = integrationState(stack, 'setup', setupSchema)
  const configuredIds = configuredInboxIds(stack.configuration)
  const chosen = configuredIds.length > 0 ? configuredIds : (setup?.inboxChoice?.inboxIds ?? [])
  const accounts = setup?.channelAccounts ?? {}
  const inboxes = [...stack.emulator.state.inboxes.values()].map((i) => ({
    id: i.id,
    name: i.name,
    type: i.type,
    chosen: chosen.includes(i.id),
    isDefault: chosen[0] === i.id,
    connected: accounts[i.id]?.authorized === true,
  }))
  return {
    configured: stack.connected,
    hubspotConnected: typeof stack.configuration.refreshToken === 'string' || connection?.refreshToken !== undefined,
    ...(connection?.hubId ? { hubId: connection.hubId } : {}),
    ready: inboxes.some((i) => i.connected),
    ...(setup?.channelId ? { channelId: setup.channelId } : {}),
    startUrl: stack.connectUrls.start,
    setupUrl: stack.connectUrls.setup,
    settingsUrl: stack.emulator.settingsUrl,
    inboxes,
    ...(stack.publisher ? { publisher: stack.publisher } : {}),
  }
}

const connectAnswer = z.object({ url: z.string().url() })

/**
 * The admin's "Connect a channel" in HubSpot's settings, as the emulator serves it (POST
 * /_emulator/connect-channel): the answer is where HubSpot sends the admin's browser, the
 * integration's /connect with a staging token, which comes back to the emulator's settings page.
 */
export const startChannelConnection = async (stack: Stack, inboxId: unknown): Promise<{ url: string }> => {
  const view = connectView(stack)
  if (view.publisher) throw new Error("The publisher app's channel is shared by every bot: connect inboxes on the integration's setup page.")
  if (!view.channelId) throw new Error('The integration has not created its HubSpot channel yet (register first).')
  if (typeof inboxId !== 'string' || !view.inboxes.some((i) => i.id === inboxId)) throw new Error('Choose an inbox to connect.')
  const res = await fetch(`${stack.emulator.url}/_emulator/connect-channel`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channelId: view.channelId, inboxId }),
  })
  const body: unknown = await res.json().catch(() => undefined)
  if (!res.ok) {
    const message = z.object({ message: z.string() }).safeParse(body)
    throw new Error(`HubSpot refused to connect the channel: ${message.success ? message.data.message : `HTTP ${res.status}`}`)
  }
  return connectAnswer.parse(body)
}
