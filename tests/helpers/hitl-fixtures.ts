import type { FakeBotpress } from './fake-botpress'
import { WEBHOOK_URL } from './props'
import { fakeChannelMessage } from './hubspot-fakes'

export const SETUP = {
  webhookUrl: WEBHOOK_URL,
  channelId: 'ch1',
  channelCreatedByUs: true,
  channelAccounts: {
    '1001': { id: 'acc1', inboxId: '1001', name: 'Botpress – Support', authorized: true },
    '1002': { id: 'acc2', inboxId: '1002', name: 'Botpress – Sales', authorized: true },
  },
}

export const seedSetup = (fake: FakeBotpress, setup: object = SETUP) => fake.states.set('integration:int_1:setup', setup)

export const seedEndUser = async (fake: FakeBotpress, tags: Record<string, string> = {}) => {
  const { user } = await fake.api.createUser({
    name: 'Ada Lovelace',
    tags: { deliveryIdentifierType: 'HS_EMAIL_ADDRESS', deliveryIdentifierValue: 'ada@example.com', contactId: '501', ...tags },
  })
  return user
}

export const seedHitlConversation = async (fake: FakeBotpress, userId: string, threadId = '9001') => {
  const { conversation } = await fake.api.getOrCreateConversation({
    channel: 'hitl',
    tags: {
      hubspotThreadId: threadId,
      integrationThreadId: 'it-1',
      channelId: 'ch1',
      channelAccountId: 'acc1',
      inboxId: '1001',
      userId,
      senderIdentifierType: 'HS_EMAIL_ADDRESS',
      senderIdentifierValue: 'ada@example.com',
      senderName: 'Ada Lovelace',
      contactId: '501',
    },
  })
  return conversation
}

/** A HubSpot PublicConversationsMessage as the publish endpoint answers it. */
export const publishedMessage = (id: string, threadId = '9001') =>
  fakeChannelMessage({
    id,
    conversationsThreadId: threadId,
    channelId: 'ch1',
    channelAccountId: 'acc1',
    direction: 'INCOMING',
    text: 'x',
    createdAt: '2026-11-21T00:00:00Z',
    status: { statusType: 'RECEIVED' },
  })
