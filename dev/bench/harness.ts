import { resetCaches } from '../../src/cache'
import integration from '../../src/index'
import { baseConfig, makeProps, type LogLine } from '../../tests/helpers/props'
import { startHubspotEmulator, type HubspotEmulator } from '../hubspot-emulator'
import { BotpressMeter } from './meter'
import { startReceiver, type Receiver } from './receiver'
import type * as bp from '.botpress'

export { integration }

/** What a new runtime instance starts without: tokens, thread → conversation, agent users, webhook URL. */
export const forgetProcessCaches = (): void => {
  resetCaches()
}

export type Harness = {
  hs: HubspotEmulator
  meter: BotpressMeter
  receiver: Receiver
  ctx: bp.Context
  logger: bp.Logger
  lines: LogLine[]
  webhookUrl: string
  /** Props for an action or channel handler, with the operation's (counted) client. */
  base: () => { ctx: bp.Context; client: bp.Client; logger: bp.Logger }
  close: () => Promise<void>
}

/**
 * One bot with the integration installed against a fresh HubSpot emulator: the integration runs
 * in-process with an in-memory Botpress (FakeBotpress); HubSpot's webhooks reach it through a
 * 127.0.0.1 receiver whose URL is the one register stores, so v3 signatures verify.
 */
export const startHarness = async (opts: { latencyMs?: number } = {}): Promise<Harness> => {
  forgetProcessCaches()
  const hs = await startHubspotEmulator({
    clientId: baseConfig.clientId,
    clientSecret: baseConfig.clientSecret,
    refreshToken: baseConfig.refreshToken,
    developerApiKey: baseConfig.developerApiKey,
    appId: baseConfig.appId,
    // HubSpot after September 2027 (dev/hubspot-emulator/sunset.ts): a v1–v3 call fails, and run.ts counts it.
    sunset: true,
    ...(opts.latencyMs ? { latencyMs: opts.latencyMs } : {}),
  })
  const meter = new BotpressMeter()
  const { ctx, logger, lines } = makeProps({ configuration: { apiBaseUrl: hs.url }, bp: meter.fake })
  const webhookClient = meter.client('webhook')
  const receiver = await startReceiver(ctx.webhookId, async (req) => integration.webhook({ ctx, client: webhookClient, logger, req }))
  hs.setAppWebhookUrl(receiver.webhookUrl)
  const operationClient = meter.client('operation')
  return {
    hs,
    meter,
    receiver,
    ctx,
    logger,
    lines,
    webhookUrl: receiver.webhookUrl,
    base: () => ({ ctx, client: operationClient, logger }),
    close: async () => {
      await hs.close()
      await receiver.close()
    },
  }
}

/** register as Botpress runs it when the configuration is saved. */
export const install = async (h: Harness): Promise<void> => {
  await integration.register({ ...h.base(), webhookUrl: h.webhookUrl })
}

export const createUser = async (h: Harness, input: { name: string; email?: string }): Promise<string> => {
  const { userId } = await integration.actions.createUser({ ...h.base(), type: 'createUser', input, metadata: { setCost: () => {} } })
  return userId
}

type StartHitlInput = Parameters<typeof integration.actions.startHitl>[0]['input']

/** startHitl; returns the Botpress conversation and the HubSpot thread it is tagged with. */
export const startHitl = async (h: Harness, input: StartHitlInput): Promise<{ conversationId: string; threadId: string }> => {
  const { conversationId } = await integration.actions.startHitl({ ...h.base(), type: 'startHitl', input, metadata: { setCost: () => {} } })
  const threadId = h.meter.fake.conversations.get(conversationId)?.tags.hubspotThreadId
  if (!threadId) throw new Error(`startHitl returned ${conversationId}, which carries no hubspotThreadId`)
  return { conversationId, threadId }
}

type HitlMessages = typeof integration.channels.hitl.messages
type MessageProps = Parameters<HitlMessages['text']>[0]

/** An end-user message on the hitl channel, as the SDK delivers it (ack = one updateMessage call). */
export const sendUserMessage = async (
  h: Harness,
  conversationId: string,
  messageId: string,
  message: { type: 'text'; payload: { text: string } } | { type: 'image'; payload: { imageUrl: string; title?: string } }
): Promise<void> => {
  const conversation = h.meter.fake.conversations.get(conversationId)
  const user = conversation && h.meter.fake.users.get(conversation.tags.userId ?? '')
  if (!conversation || !user) throw new Error(`no conversation ${conversationId} or its user`)
  const props = {
    ...h.base(),
    type: message.type,
    payload: message.payload,
    conversation,
    user,
    message: { id: messageId, tags: {} },
    ack: async () => h.meter.record('operation', 'updateMessage (ack)'),
  } as unknown as MessageProps
  const run = integration.channels.hitl.messages[message.type] as (p: MessageProps) => Promise<void>
  await run(props)
}

/** Every webhook an agent action sent must have been answered 200 by the integration. */
export const expectDelivered = (what: string, statuses: number[], h: Harness): void => {
  if (statuses.length === 0 || statuses.some((s) => s !== 200)) {
    const cause = h.receiver.errors[h.receiver.errors.length - 1]
    throw new Error(`${what}: webhook answered ${JSON.stringify(statuses)}${cause ? ` (${String(cause)})` : ''}`)
  }
}
