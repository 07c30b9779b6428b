/** HubSpot webhook payloads as tests send them (shapes from tests/fixtures/webhooks and docs/hubspot.md). */

/** An app webhook: a thread property changed in HubSpot (assignedTo, status…), as one element of a batch. */
export const propertyChange = (eventId: number, propertyName: string, propertyValue: string, threadId = 9001) => ({
  eventId,
  subscriptionId: 1,
  portalId: 243842089,
  appId: 424242,
  occurredAt: 1763719200000 + eventId,
  subscriptionType: 'conversation.propertyChange',
  attemptNumber: 0,
  objectId: threadId,
  propertyName,
  propertyValue,
  changeSource: 'AGENT',
})

/** A custom-channel webhook: agent Maya replied on the thread; `message` fields can be overridden. */
export const agentReply = (id: string, overrides: Record<string, unknown> = {}, threadId = '9001') => ({
  type: 'OUTGOING_CHANNEL_MESSAGE_CREATED',
  portalId: '243842089',
  channelId: 'ch1',
  eventId: `evt-${id}`,
  eventTimestamp: '2026-11-21T10:00:00Z',
  channelIntegrationThreadIds: ['it-1'],
  message: {
    id,
    type: 'MESSAGE',
    conversationsThreadId: threadId,
    channelId: 'ch1',
    channelAccountId: 'acc1',
    createdAt: '2026-11-21T10:00:00Z',
    createdBy: 'A-77',
    direction: 'OUTGOING',
    senders: [{ actorId: 'A-77', name: 'Maya Agent' }],
    recipients: [{ actorId: 'V-501', deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'ada@example.com' } }],
    text: 'Hi, I am Maya',
    richText: '<p>Hi, I am <b>Maya</b></p>',
    attachments: [],
    ...overrides,
  },
})
