import { randomUUID } from 'node:crypto'
import { iso, type Core } from './core'
import { publicMessage } from './serialize'
import type { ChannelAccount, Message, Thread } from './types'

/**
 * Webhook payloads. Custom-channel events (one JSON object to the channel's webhookUrl) follow the
 * shapes working integrations read (docs/hubspot.md#channel-webhooks); conversation events (a JSON array to the app's
 * target URL) follow the Webhooks API format (docs/hubspot.md#conversation-webhooks).
 */

export type ChannelAccountEventType = 'CHANNEL_ACCOUNT_CREATED' | 'CHANNEL_ACCOUNT_UPDATED' | 'CHANNEL_ACCOUNT_PURGED'

/** Subscription ids are per app and event type; fixed numbers are enough here. */
const SUBSCRIPTION_IDS = { 'conversation.propertyChange': 4_100_001, 'conversation.deletion': 4_100_002 } as const
type SubscriptionType = keyof typeof SUBSCRIPTION_IDS

// portalId arrives as a string in the one real custom-channel event on record (docs/hubspot.md#channel-webhooks).
const channelEventBase = (core: Core, type: string, channelId: string) => ({
  type,
  portalId: String(core.portalId),
  channelId,
  eventId: randomUUID(),
  eventTimestamp: iso(core.now()),
})

export const channelAccountEvent = (core: Core, type: ChannelAccountEventType, a: ChannelAccount) => ({
  ...channelEventBase(core, type, a.channelId),
  channelAccountId: a.id,
  inboxId: a.inboxId,
  authorized: type === 'CHANNEL_ACCOUNT_PURGED' ? false : a.authorized,
  ...(a.deliveryIdentifier ? { channelAccountDeliveryIdentifier: a.deliveryIdentifier } : {}),
})

export const outgoingMessageEvent = (core: Core, m: Message, thread: Thread) => ({
  ...channelEventBase(core, 'OUTGOING_CHANNEL_MESSAGE_CREATED', m.channelId),
  channelIntegrationThreadIds: thread.integrationThreadId ? [thread.integrationThreadId] : [],
  message: publicMessage(core, m),
})

type BatchExtra = { propertyName?: string; propertyValue?: string }

export const conversationEvent = (core: Core, subscriptionType: SubscriptionType, thread: Thread, extra: BatchExtra = {}) => ({
  eventId: core.store.nextNumber('event'),
  subscriptionId: SUBSCRIPTION_IDS[subscriptionType],
  portalId: core.portalId,
  appId: Number(core.opts.appId),
  occurredAt: core.now(),
  subscriptionType,
  attemptNumber: 0,
  objectId: Number(thread.id),
  ...extra,
  changeSource: 'AGENT',
})
