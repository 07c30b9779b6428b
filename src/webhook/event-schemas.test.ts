import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { classifyConversationEvent } from './classify'
import {
  integrationThreadIdsOf,
  MAX_BATCH_EVENTS,
  normaliseChannelAccountEvent,
  parseWebhookPayload,
  type ChannelAccountEvent,
  type OutgoingMessageEvent,
  type WebhookPayload,
} from './event-schemas'

const FIXTURES = join(__dirname, '../../tests/fixtures/webhooks')
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'))

const outgoing = (payload: WebhookPayload): OutgoingMessageEvent => {
  if (payload.kind !== 'channel' || payload.event.type !== 'OUTGOING_CHANNEL_MESSAGE_CREATED')
    throw new Error(`not an agent message: ${JSON.stringify(payload)}`)
  return payload.event
}
const account = (payload: WebhookPayload) => {
  if (payload.kind !== 'channel' || payload.event.type === 'OUTGOING_CHANNEL_MESSAGE_CREATED')
    throw new Error(`not an account event: ${JSON.stringify(payload)}`)
  return normaliseChannelAccountEvent(payload.event)
}
const classified = (payload: WebhookPayload) => {
  if (payload.kind !== 'batch') throw new Error(`not a batch: ${JSON.stringify(payload)}`)
  return { events: payload.events.map(classifyConversationEvent), invalid: payload.invalid }
}

const THREAD = '7741038265'
const MAYA = { actorId: 'A-51890412', name: 'Maya Lindqvist' }

/** Every fixture and what it must parse to; a fixture missing here fails the suite. */
const EXPECTED: Record<string, (p: WebhookPayload) => void> = {
  'outgoing-message-text.json': (p) => {
    const event = outgoing(p)
    expect(event).toMatchObject({
      portalId: '243842089',
      channelId: '1007',
      eventId: 'b7c2f0a4-5d8e-4f61-9a1c-3e2d7b9f6a10',
      eventTimestamp: '2026-11-21T10:15:02.418Z',
    })
    expect(event.message).toMatchObject({
      id: 'a1f3c9e27b5d4e0f8c6b2a9d7e1f0c34',
      conversationsThreadId: THREAD,
      channelId: '1007',
      channelAccountId: '421733609',
      direction: 'OUTGOING',
      text: 'Hi Ada, I can see your order #1042. Let me check the delivery date.',
      richText: expect.stringContaining('<strong>#1042</strong>'),
      senders: [MAYA],
      recipients: [{ actorId: 'V-93011', deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'ada@example.com' } }],
      attachments: [],
      status: { statusType: 'SENT' }, // unknown fields pass through
    })
    expect(integrationThreadIdsOf(event)).toEqual(['bp-conv_01JD4K7ZQ3'])
  },
  'outgoing-message-attachment.json': (p) => {
    const { message } = outgoing(p)
    expect(message.richText).toBeUndefined()
    expect(message.attachments).toEqual([
      {
        kind: 'file',
        type: 'FILE',
        fileId: '188234519347',
        name: 'return-label.pdf',
        url: expect.stringContaining('/188234519347/'),
        fileUsageType: 'OTHER',
      },
      { kind: 'file', type: 'FILE', fileId: '188234519348', name: 'parcel.jpg', url: undefined, fileUsageType: 'IMAGE' },
      { kind: 'unsupported', type: 'LOCATION', latitude: 59.3293, longitude: 18.0686, name: 'Pickup point', address: 'Drottninggatan 1, Stockholm' },
      { kind: 'unsupported', type: 'QUICK_REPLIES', quickReplies: [{ value: 'yes', valueType: 'TEXT', label: 'Yes' }] },
    ])
  },
  'outgoing-message-thread-ids-under-message.json': (p) => {
    const event = outgoing(p)
    expect(event.eventId).toBeUndefined()
    expect(event.message).toMatchObject({ conversationsThreadId: THREAD, senders: [MAYA], text: 'Anything else I can help with?' })
    expect(integrationThreadIdsOf(event)).toEqual(['bp-conv_01JD4K7ZQ3'])
  },
  'outgoing-message-portal-string.json': (p) => {
    const event = outgoing(p)
    expect(event).toMatchObject({ portalId: '243842089', appId: 4242421 }) // unknown top-level fields pass through
    expect(event.message).toMatchObject({
      conversationsThreadId: THREAD,
      channelAccountId: '421733609',
      text: '',
      attachments: [],
      recipients: [],
      futureField: { nested: true },
    })
    expect(event.message.channelId).toBeUndefined()
    expect(event.message.senders).toEqual([{ actorId: 'A-60022', name: undefined, deliveryIdentifier: undefined }])
    expect(integrationThreadIdsOf(event)).toEqual([])
  },
  'outgoing-message-malformed.json': (p) => {
    expect(p.kind).toBe('invalid')
    if (p.kind !== 'invalid') return
    expect(p.issues).toContain('message.conversationsThreadId')
    expect(p.issues).toContain('message.id')
    expect(p.issues).not.toContain('ada@example.com')
  },
  'channel-account-created.json': (p) =>
    expect(account(p)).toEqual({
      type: 'CHANNEL_ACCOUNT_CREATED',
      channelId: '1007',
      channelAccountId: '421733609',
      inboxId: '1001',
      name: 'Botpress (Support inbox)',
      authorized: true,
    }),
  'channel-account-updated-deauthorized.json': (p) => {
    expect(account(p)).toEqual({ type: 'CHANNEL_ACCOUNT_UPDATED', channelId: '1007', channelAccountId: '421733609', authorized: false })
    expect(p).toMatchObject({ event: { channelAccountDeliveryIdentifier: 'botpress-1001' } })
  },
  'channel-account-updated-nested.json': (p) =>
    expect(account(p)).toEqual({
      type: 'CHANNEL_ACCOUNT_UPDATED',
      channelId: '1007',
      channelAccountId: '421733610',
      inboxId: '1002',
      name: 'Botpress (Sales inbox)',
      authorized: true,
    }),
  'channel-account-purged.json': (p) =>
    expect(account(p)).toEqual({ type: 'CHANNEL_ACCOUNT_PURGED', channelId: '1007', channelAccountId: '421733609' }),
  'channel-unknown-type.json': (p) => expect(p).toEqual({ kind: 'channel-unknown', type: 'CHANNEL_ACCOUNT_DELETED' }),
  'batch-assigned.json': (p) =>
    expect(classified(p)).toEqual({
      events: [{ kind: 'assigned', threadId: THREAD, actorId: 'A-51890412', eventId: '3911250871', occurredAt: 1763720100000 }],
      invalid: 0,
    }),
  'batch-assigned-prefixed.json': (p) =>
    expect(classified(p)).toEqual({
      events: [{ kind: 'assigned', threadId: THREAD, actorId: 'A-51890413', eventId: '3911250872', occurredAt: 1763720160000 }],
      invalid: 0,
    }),
  'batch-unassigned.json': (p) =>
    expect(classified(p)).toEqual({
      events: [{ kind: 'unassigned', threadId: THREAD, eventId: '3911250873', occurredAt: 1763720220000 }],
      invalid: 0,
    }),
  'batch-closed.json': (p) =>
    expect(classified(p)).toEqual({ events: [{ kind: 'closed', threadId: THREAD, eventId: '3911250874', occurredAt: 1763720400000 }], invalid: 0 }),
  'batch-reopened.json': (p) =>
    expect(classified(p)).toEqual({ events: [{ kind: 'reopened', threadId: THREAD, eventId: '3911250875', occurredAt: 1763720460000 }], invalid: 0 }),
  'batch-archived.json': (p) =>
    expect(classified(p)).toEqual({
      events: [
        { kind: 'archived', threadId: THREAD, eventId: '3911250876', occurredAt: 1763720520000 },
        { kind: 'archived', threadId: '7741038266', eventId: '3911250877', occurredAt: 1763720520001 },
        { kind: 'archived', threadId: '7741038267', eventId: '3911250878', occurredAt: 1763720580000 },
      ],
      invalid: 0,
    }),
  'batch-new-message.json': (p) =>
    expect(classified(p)).toEqual({
      events: [
        {
          kind: 'newMessage',
          threadId: THREAD,
          messageId: 'a1f3c9e27b5d4e0f8c6b2a9d7e1f0c34',
          messageType: 'MESSAGE',
          eventId: '3911250879',
          occurredAt: 1763720640000,
        },
      ],
      invalid: 0,
    }),
  'batch-mixed.json': (p) =>
    expect(classified(p)).toEqual({
      events: [
        { kind: 'ignored', reason: expect.stringContaining('conversation.creation') },
        { kind: 'assigned', threadId: '7741038300', actorId: 'A-51890412', eventId: '3911250881', occurredAt: 1763720700100 },
        {
          kind: 'newMessage',
          threadId: '7741038300',
          messageId: '9f8e7d6c5b4a39281706f5e4d3c2b1a0',
          messageType: 'COMMENT',
          eventId: '3911250882',
          occurredAt: 1763720700200,
        },
        { kind: 'ignored', reason: expect.stringContaining('isArchived false') },
        { kind: 'closed', threadId: '7741038300', eventId: '3911250885', occurredAt: 1763720700500 },
        { kind: 'ignored', reason: expect.stringContaining('contact.creation') },
      ],
      invalid: 3, // no eventId, a bare string, a null objectId
    }),
  // The 2026 developer platform (docs/hubspot.md, "Conversation webhooks"): a project app's batch with its extra fields.
  'batch-project-app.json': (p) => {
    expect(classified(p)).toEqual({
      events: [
        { kind: 'assigned', threadId: THREAD, actorId: 'A-51890412', eventId: '4102933001', occurredAt: 1763721000000 },
        { kind: 'closed', threadId: THREAD, eventId: '4102933002', occurredAt: 1763721060000 },
      ],
      invalid: 0,
    })
    expect(p).toMatchObject({ events: [{ sourceId: 'userId:51890412', portalId: '243842089', appId: '4242421' }, { changeFlag: 'UPDATED' }] })
  },
  // UNCONFIRMED readings: every id and count as a string, `occurredAt` as ISO 8601; an unreadable time or count is absent, not fatal.
  'batch-string-typed.json': (p) => {
    expect(classified(p)).toEqual({
      events: [
        { kind: 'assigned', threadId: THREAD, actorId: 'A-51890412', eventId: '4102933003', occurredAt: 1763721120000 },
        { kind: 'archived', threadId: THREAD, eventId: '4102933004' },
      ],
      invalid: 0,
    })
    expect(p).toMatchObject({
      events: [
        { attemptNumber: 1, portalId: '243842089' },
        { attemptNumber: undefined, occurredAt: undefined },
      ],
    })
  },
  // A generic `object.*` event (objectTypeId "0-5": a ticket) reaching the same URL is not a thread event.
  'batch-generic-object-event.json': (p) => {
    expect(classified(p)).toEqual({ events: [{ kind: 'ignored', reason: expect.stringContaining('object.propertyChange') }], invalid: 0 })
    expect(p).toMatchObject({ events: [{ objectTypeId: '0-5' }] })
  },
  // UNCONFIRMED: one app event not wrapped in an array is read as a batch of one (the handler requires v3 for it).
  'app-event-single.json': (p) =>
    expect(classified(p)).toEqual({ events: [{ kind: 'closed', threadId: THREAD, eventId: '4102933006', occurredAt: 1763721180000 }], invalid: 0 }),
}

describe('fixtures', () => {
  it('every fixture file has an expectation, and every expectation a file', () => {
    expect(readdirSync(FIXTURES).sort()).toEqual(Object.keys(EXPECTED).sort())
  })

  // oxlint-disable-next-line vitest/expect-expect -- each EXPECTED entry is a function of expect() calls
  it.each(Object.keys(EXPECTED))('%s parses to its normalised result', (name) => {
    EXPECTED[name]!(parseWebhookPayload(fixture(name)))
  })

  it('batch events keep their raw fields, ids as strings', () => {
    const payload = parseWebhookPayload(fixture('batch-assigned.json'))
    expect(payload).toMatchObject({
      kind: 'batch',
      events: [
        {
          eventId: '3911250871',
          objectId: THREAD,
          portalId: '243842089',
          appId: '4242421',
          occurredAt: 1763720100000,
          attemptNumber: 0,
          changeSource: 'AGENT',
        },
      ],
    })
  })
})

describe('parseWebhookPayload', () => {
  it.each([null, undefined, 42, 'a string', true, {}, { type: 5 }, { type: null }])('reports %j as invalid', (json) => {
    expect(parseWebhookPayload(json)).toMatchObject({ kind: 'invalid', issues: expect.any(String) })
  })

  it('reports unknown and differently cased types as channel-unknown', () => {
    expect(parseWebhookPayload({ type: 'SOMETHING_NEW', portalId: 1 })).toEqual({ kind: 'channel-unknown', type: 'SOMETHING_NEW' })
    expect(parseWebhookPayload({ type: 'outgoing_channel_message_created' })).toEqual({
      kind: 'channel-unknown',
      type: 'outgoing_channel_message_created',
    })
  })

  it('tolerates a malformed integration thread id list instead of losing the agent message', () => {
    const message = { id: 'm1', conversationsThreadId: '9', channelIntegrationThreadIds: 'it-1' }
    const payload = parseWebhookPayload({ type: 'OUTGOING_CHANNEL_MESSAGE_CREATED', channelIntegrationThreadIds: [{}], message })
    expect(integrationThreadIdsOf(outgoing(payload))).toEqual([])
  })

  it('tells attachments apart by kind: a FILE with a file id, or anything else kept as it came', () => {
    const message = {
      id: 'm1',
      conversationsThreadId: '9',
      attachments: [{ type: 'FILE', fileId: 42 }, { type: 'FILE', fileId: '' }, { type: 'FILE' }, { url: 'https://x' }, { type: 'CONTACT' }],
    }
    const { attachments } = outgoing(parseWebhookPayload({ type: 'OUTGOING_CHANNEL_MESSAGE_CREATED', message })).message
    expect(attachments.map((a) => a.kind)).toEqual(['file', 'unsupported', 'unsupported', 'unsupported', 'unsupported'])
    expect(attachments[0]).toMatchObject({ kind: 'file', fileId: '42' })
    expect(parseWebhookPayload({ type: 'OUTGOING_CHANNEL_MESSAGE_CREATED', message: { ...message, attachments: [{ type: 7 }] } })).toMatchObject({
      kind: 'invalid',
    })
  })

  it('rejects a known type whose body does not fit', () => {
    expect(parseWebhookPayload({ type: 'OUTGOING_CHANNEL_MESSAGE_CREATED', portalId: 1 })).toMatchObject({
      kind: 'invalid',
      issues: expect.stringContaining('message'),
    })
    const noAccount = parseWebhookPayload({ type: 'CHANNEL_ACCOUNT_UPDATED', channelId: '1007', channelAccount: { name: 'x' } })
    expect(noAccount).toMatchObject({ kind: 'invalid', issues: expect.stringContaining('channelAccountId') })
  })

  it('counts malformed batch items instead of failing the batch', () => {
    const good = {
      eventId: 1,
      subscriptionType: 'conversation.propertyChange',
      objectId: 9,
      occurredAt: 1,
      propertyName: 'status',
      propertyValue: 'CLOSED',
    }
    const result = parseWebhookPayload([
      good,
      null,
      7,
      [],
      { ...good, eventId: '' },
      { ...good, objectId: { id: 9 } },
      { ...good, subscriptionType: '' },
    ])
    expect(result).toMatchObject({ kind: 'batch', events: [{ eventId: '1', objectId: '9' }], invalid: 6 })
  })

  it(`accepts an empty batch and up to ${MAX_BATCH_EVENTS} events, not more`, () => {
    const event = { eventId: 1, subscriptionType: 'conversation.creation', objectId: 9 }
    expect(parseWebhookPayload([])).toEqual({ kind: 'batch', events: [], invalid: 0 })
    expect(parseWebhookPayload(Array(MAX_BATCH_EVENTS).fill(event))).toMatchObject({ kind: 'batch', invalid: 0 })
    expect(parseWebhookPayload(Array(MAX_BATCH_EVENTS + 1).fill(event))).toMatchObject({ kind: 'invalid' })
  })
})

describe('normaliseChannelAccountEvent', () => {
  it('prefers top-level fields over the nested account object', () => {
    const raw = parseWebhookPayload({
      type: 'CHANNEL_ACCOUNT_UPDATED',
      channelAccountId: 'top',
      authorized: false,
      channelAccount: { id: 'nested', channelId: 'ch-n', authorized: true, name: 'Nested' },
    })
    expect(account(raw)).toEqual({ type: 'CHANNEL_ACCOUNT_UPDATED', channelAccountId: 'top', channelId: 'ch-n', authorized: false, name: 'Nested' })
  })

  it('reads channelAccount.channelAccountId too', () => {
    const raw = { type: 'CHANNEL_ACCOUNT_CREATED', channelAccount: { channelAccountId: 77 } } as const
    const parsed = parseWebhookPayload(raw)
    expect(account(parsed).channelAccountId).toBe('77')
    expect((parsed as { event: ChannelAccountEvent }).event.channelAccount?.channelAccountId).toBe('77')
  })
})
