import { afterEach, describe, expect, it } from 'vitest'
import { startHubspotEmulator, type HubspotEmulator, type Message, type Thread } from '../hubspot-emulator'
import { ownerIdOf } from '../hubspot-emulator/handlers/owners'
import { agentView } from './agent-view'

const CREDS = { clientId: 'c', clientSecret: 'client-secret-0123', developerApiKey: 'dev-key-0123', appId: '4242' }
const T0 = Date.parse('2026-11-30T10:00:00Z')
const MAYA = { id: '7001', name: 'Maya Lopez', email: 'maya@example.com', avatar: 'http://127.0.0.1:1/maya.svg' }

let emulator: HubspotEmulator | undefined
afterEach(async () => {
  await emulator?.close()
  emulator = undefined
})

const thread = (id: string, extra: Partial<Thread>): Thread => ({
  id,
  inboxId: '1002',
  status: 'OPEN',
  associatedContactId: '500001',
  visitorActorId: 'V-500001',
  originalChannelId: '2000001',
  originalChannelAccountId: '3000001',
  createdAt: T0,
  archived: false,
  ...extra,
})

const message = (id: string, threadId: string, at: number, extra: Partial<Message>): Message => {
  const status = extra.status ?? { statusType: 'RECEIVED' as const, at }
  return {
    id,
    threadId,
    channelId: '2000001',
    channelAccountId: '3000001',
    direction: 'INCOMING',
    text: id,
    senders: [],
    recipients: [],
    attachments: [],
    createdAt: at,
    updatedAt: at,
    createdBy: 'V-500001',
    clientType: 'INTEGRATION',
    status,
    statusHistory: [status],
    ...extra,
  }
}

/** The emulator's records written directly: what the view reads, without the HTTP that usually fills them. */
const seeded = async () => {
  const emu = await startHubspotEmulator({
    ...CREDS,
    now: () => T0 + 60_000,
    inboxes: [
      { id: '1001', name: 'Support', type: 'INBOX' },
      { id: '1002', name: 'Help Desk', type: 'HELP_DESK' },
    ],
    agents: [MAYA],
  })
  emulator = emu
  const { state } = emu
  state.contacts.set('500001', {
    id: '500001',
    properties: { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@example.com' },
    createdAt: T0,
    updatedAt: T0,
    archived: false,
  })
  state.threads.set('8001', thread('8001', { assignedTo: MAYA.id, status: 'CLOSED', closedAt: T0 + 5000, latestMessageTimestamp: T0 + 4000 }))
  state.threads.set(
    '8002',
    thread('8002', {
      inboxId: '1001',
      associatedContactId: '900000001',
      visitorActorId: 'V-900000001',
      visitorIdentifier: { type: 'HS_PHONE_NUMBER', value: '+14155550123' },
      visitorName: 'Bob',
    })
  )
  state.messages.set('m1', message('m1', '8001', T0 + 1000, {}))
  state.messages.set(
    'm2',
    message('m2', '8001', T0 + 2000, {
      direction: 'OUTGOING',
      senders: [{ actorId: `A-${MAYA.id}`, name: 'Maya' }],
      status: { statusType: 'SENT', at: T0 + 2000 },
    })
  )
  state.messages.set(
    'm3',
    message('m3', '8001', T0 + 4000, {
      direction: 'OUTGOING',
      senders: [{ actorId: `A-${MAYA.id}`, name: 'Maya' }],
      status: { statusType: 'FAILED', errorMessage: 'Not delivered: the session ended.', at: T0 + 4000 },
    })
  )
  // A note written in the same millisecond as the first message: it stays after it.
  state.comments.set('c1', { id: 'c1', threadId: '8001', text: 'Escalated by the bot', createdBy: 'I-4242', createdAt: T0 + 1000 })
  state.tickets.set('t1', {
    id: 't1',
    threadId: '8001',
    properties: {
      subject: 'Broken screen',
      hs_ticket_priority: 'HIGH',
      hs_ticket_category: 'PRODUCT_ISSUE',
      hs_pipeline: '0',
      hs_pipeline_stage: '3',
      hubspot_owner_id: ownerIdOf(MAYA),
      source_type: 'CHAT',
      content: 'first message',
      order_number: '42',
    },
    createdAt: T0,
    updatedAt: T0,
    archived: false,
  })
  return emu
}

describe('agentView', () => {
  it('shows who the end user is, the assignee, the ticket and every line in order, with delivery statuses', async () => {
    const [closed] = agentView(await seeded())
    expect(closed).toMatchObject({
      id: '8001',
      title: 'Ada Lovelace',
      status: 'CLOSED',
      inbox: { id: '1002', name: 'Help Desk', type: 'HELP_DESK' },
      createdAt: '2026-11-30T10:00:00.000Z',
      closedAt: '2026-11-30T10:00:05.000Z',
      lastActivityAt: '2026-11-30T10:00:04.000Z',
      endUser: { name: 'Ada Lovelace', email: 'ada@example.com', contactId: '500001', isContact: true },
      assignee: { name: 'Maya Lopez', initials: 'ML', avatar: MAYA.avatar, email: MAYA.email },
      ticket: {
        id: 't1',
        subject: 'Broken screen',
        priority: 'HIGH',
        category: 'PRODUCT_ISSUE',
        pipeline: 'Support Pipeline',
        stage: 'Waiting on us',
        owner: 'Maya Lopez',
        custom: { order_number: '42' },
      },
    })
    expect(closed!.messages.map((m) => [m.cls, m.text, m.delivery?.status])).toEqual([
      ['bot', 'm1', undefined],
      ['note', 'Escalated by the bot', undefined],
      ['agent', 'm2', 'SENT'],
      ['agent', 'm3', 'FAILED'],
    ])
    expect(closed!.messages[0]!.author.name).toBe('Ada Lovelace')
    expect(closed!.messages[2]!.author).toEqual({ name: 'Maya Lopez', initials: 'ML', avatar: MAYA.avatar })
    expect(closed!.messages[3]!.delivery).toEqual({ status: 'FAILED', error: 'Not delivered: the session ended.' })
    expect(closed!.messages[3]!.at).toBe('2026-11-30T10:00:04.000Z')
  })

  it('an anonymous visitor on a plain inbox: phone and visitor id, no ticket, nobody assigned', async () => {
    const [, visitor] = agentView(await seeded())
    expect(visitor).toMatchObject({ title: 'Bob', endUser: { name: 'Bob', phone: '+14155550123', contactId: '900000001', isContact: false } })
    expect(visitor!.ticket).toBeUndefined()
    expect(visitor!.assignee).toBeUndefined()
    expect(visitor!.closedAt).toBeUndefined()
  })
})
