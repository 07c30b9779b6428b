import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../dev/sandbox/stack'
import integration from '../../src/index'
import { httpTuning } from '../../src/hubspot'
import { setupTuning } from '../../src/setup/register'
import { ALLOW_PRIVATE_MEDIA_ENV } from '../../src/hitl/url-guard'
import { attachmentDroppedNotice } from '../../src/webhook/handlers/agent-replied'
import { startMediaServer, type MediaServer } from '../helpers/media-server'
import { waitFor } from '../helpers/plugin-bots'
import { fakeError } from '../helpers/hubspot-fakes'

/**
 * End to end over real HTTP on 127.0.0.1: the real integration behind the SDK's own server, the
 * Botpress API stand-in calling it as the cloud does, and the HubSpot emulator. Assertions are on
 * what each side ends up seeing.
 */
let stack: Stack
let media: MediaServer
let mediaUrl = ''
let userId = ''
let conversationId = ''
let threadId = ''

const incoming = () => stack.emulator.threadMessages(threadId).filter((m) => m.direction === 'INCOMING')
const botpressMessages = () => stack.standIn.messagesIn(conversationId).filter((m) => m.userId !== userId)

beforeAll(async () => {
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [10, 10, 10]
  media = await startMediaServer((path) => Buffer.from(`bytes of ${path}`))
  mediaUrl = media.url
  stack = await startStack({ integration, register: false })
})

afterAll(async () => {
  await stack?.close()
  await media?.close()
})

describe('escalation end to end', () => {
  it('register twice: one channel, one account per inbox', async () => {
    await stack.standIn.register()
    await stack.standIn.register()
    await stack.emulator.settle()
    expect([...stack.emulator.state.channels.values()]).toHaveLength(1)
    const accounts = [...stack.emulator.state.channelAccounts.values()]
    expect(accounts.map((a) => a.inboxId).sort()).toEqual(['1001', '1002'])
  })

  it('createUser then startHitl open a HubSpot thread carrying the escalation context', async () => {
    ;({ userId } = await stack.standIn.callAction<{ userId: string }>('createUser', { name: 'Ada Lovelace', email: 'ada@example.com' }))
    ;({ conversationId } = await stack.standIn.callAction<{ conversationId: string }>('startHitl', {
      userId,
      title: 'Broken screen',
      description: 'Order #42 arrived damaged',
      messageHistory: [
        { source: { type: 'user', userId }, type: 'text', payload: { text: 'My screen is cracked' } },
        { source: { type: 'bot' }, type: 'choice', payload: { text: 'Do you want', options: [{ label: 'A refund', value: 'refund' }] } },
      ],
    }))
    threadId = stack.standIn.store.conversations.get(conversationId)?.tags.hubspotThreadId ?? ''
    expect(threadId).not.toBe('')
    const thread = stack.emulator.state.threads.get(threadId)
    expect(thread?.inboxId).toBe('1001')
    const [first] = incoming()
    expect(first?.text).toContain('Broken screen')
    expect(first?.text).toContain('Order #42 arrived damaged')
    expect(first?.text).toContain('My screen is cracked')
    expect(first?.text).toContain('A refund')
    expect(first?.senders[0]?.deliveryIdentifier).toEqual({ type: 'HS_EMAIL_ADDRESS', value: 'ada@example.com' })
    // createMissingContacts: the person now exists in the CRM and the thread is linked to them.
    const contact = [...stack.emulator.state.contacts.values()].find((c) => c.properties.email === 'ada@example.com')
    expect(thread?.associatedContactId).toBe(contact?.id)
  })

  it('every end-user message type reaches the agent, media as HubSpot file attachments', async () => {
    const send = (type: string, payload: Record<string, unknown>) => stack.standIn.sendMessage({ conversationId, userId, type, payload })
    await send('text', { text: 'Hello?' })
    await send('image', { imageUrl: `${mediaUrl}/photo.png` })
    await send('audio', { audioUrl: `${mediaUrl}/voice.mp3` })
    await send('video', { videoUrl: `${mediaUrl}/clip.mp4` })
    await send('file', { fileUrl: `${mediaUrl}/invoice.pdf`, title: 'Invoice' })
    await send('bloc', {
      items: [
        { type: 'text', payload: { text: 'Bloc text' } },
        { type: 'location', payload: { latitude: 48.85, longitude: 2.35, title: 'Store' } },
      ],
    })

    const messages = incoming().slice(1)
    expect(messages[0]?.text).toBe('Hello?')
    const usage = messages.slice(1, 5).map((m) => m.attachments[0]?.type === 'FILE' && m.attachments[0].fileUsageType)
    expect(usage).toEqual(['IMAGE', 'AUDIO', 'OTHER', 'OTHER'])
    expect(messages[5]?.text).toBe('Bloc text')
    expect(messages[6]?.text).toContain('Store')
    // The Botpress messages were acked with the HubSpot ids.
    const acked = stack.standIn.messagesIn(conversationId).filter((m) => m.userId === userId)
    expect(acked.every((m) => Boolean(m.tags.hubspotMessageId))).toBe(true)
  })

  it('assignment becomes hitlAssigned with the agent as a Botpress user', async () => {
    await stack.emulator.agent.assign(threadId, { id: '555', name: 'Sam Agent' })
    await waitFor('hitlAssigned', () => stack.standIn.eventsOf('hitlAssigned').length === 1)
    const [event] = stack.standIn.eventsOf('hitlAssigned')
    const payload = event?.payload as { conversationId: string; userId: string }
    expect(payload.conversationId).toBe(conversationId)
    expect(stack.standIn.store.users.get(payload.userId)?.name).toBe('Sam Agent')
  })

  it('an agent reply with an attachment reaches the conversation once, even when redelivered', async () => {
    const { messageId } = await stack.emulator.agent.reply(threadId, {
      text: 'Here is your <b>return label</b>',
      richText: '<p>Here is your <b>return label</b></p>',
      agentId: '555',
      attachments: [{ name: 'label.pdf', mimeType: 'application/pdf', content: Buffer.from('%PDF') }],
    })
    await waitFor('the reply', () => botpressMessages().length === 2)
    expect(await stack.emulator.redeliverLast()).toBe(200)
    const replies = botpressMessages()
    expect(replies).toHaveLength(2)
    expect(replies.map((m) => m.type)).toEqual(['text', 'file'])
    expect((replies[0]?.payload as { text: string } | undefined)?.text).toBe('Here is your **return label**')
    expect(stack.emulator.state.messages.get(messageId)?.status.statusType).toBe('SENT')
  })

  it('an agent attachment that cannot be passed on: the rest arrives, the end user and the agent are told, SENT, 200; a redelivery adds nothing', async () => {
    // Without the dev switch, the emulator's 127.0.0.1 file links are private addresses (as they would
    // be in production): the integration asks HubSpot for a signed link, and HubSpot answers 404.
    stack.emulator.faults.failNext(2, {
      status: 404,
      body: fakeError({ message: 'File not found', category: 'OBJECT_NOT_FOUND' }),
      match: (method, path) => method === 'GET' && path.includes('/signed-url'),
    })
    const before = botpressMessages().length
    const notes = stack.emulator.threadComments(threadId).length
    delete process.env[ALLOW_PRIVATE_MEDIA_ENV]
    let reply: { messageId: string; statuses: number[] }
    let redelivered: number
    try {
      reply = await stack.emulator.agent.reply(threadId, {
        text: 'And the signed contract',
        agentId: '555',
        attachments: [{ name: 'contract.pdf', mimeType: 'application/pdf', content: Buffer.from('%PDF') }],
      })
      redelivered = await stack.emulator.redeliverLast()
    } finally {
      process.env[ALLOW_PRIVATE_MEDIA_ENV] = 'true'
    }
    expect(reply.statuses).toEqual([200])
    expect(redelivered).toBe(200)
    const added = botpressMessages().slice(before)
    expect(added.map((m) => [m.type, (m.payload as { text?: string }).text])).toEqual([
      ['text', 'And the signed contract'],
      ['text', attachmentDroppedNotice('contract.pdf')],
    ])
    const newNotes = stack.emulator.threadComments(threadId).slice(notes)
    expect(newNotes).toHaveLength(1)
    expect(newNotes[0]?.text).toContain('contract.pdf could not be passed on to the customer')
    expect(stack.emulator.state.messages.get(reply.messageId)?.status.statusType).toBe('SENT')
  })

  it('a forged webhook is rejected with 401 and changes nothing', async () => {
    const before = stack.standIn.store.messages.size
    const body = JSON.stringify({
      type: 'OUTGOING_CHANNEL_MESSAGE_CREATED',
      message: { id: 'forged', conversationsThreadId: threadId, text: 'pay here' },
    })
    expect(await stack.emulator.deliverRaw(stack.standIn.webhookUrl, body, { sign: false })).toBe(401)
    expect(stack.standIn.store.messages.size).toBe(before)
  })

  it('the agent closing the thread ends the session with hitlStopped, once', async () => {
    await stack.emulator.agent.close(threadId)
    await waitFor('hitlStopped', () => stack.standIn.eventsOf('hitlStopped').length === 1)
    expect(await stack.emulator.redeliverLast()).toBe(200)
    expect(stack.standIn.eventsOf('hitlStopped')).toHaveLength(1)
  })

  it('stopHitl from the bot side closes the HubSpot thread', async () => {
    const { conversationId: second } = await stack.standIn.callAction<{ conversationId: string }>('startHitl', {
      userId,
      messageHistory: [],
      hitlSession: { inboxId: '1002' },
    })
    const secondThread = stack.standIn.store.conversations.get(second)?.tags.hubspotThreadId ?? ''
    expect(stack.emulator.state.threads.get(secondThread)?.inboxId).toBe('1002')
    await stack.standIn.callAction('stopHitl', { conversationId: second })
    expect(stack.emulator.state.threads.get(secondThread)?.status).toBe('CLOSED')
    await expect(stack.standIn.callAction('stopHitl', { conversationId: second })).resolves.toBeDefined()
  })

  it('bad action input comes back as a clear error, not a fake id', async () => {
    await expect(stack.standIn.callAction('startHitl', { userId })).rejects.toThrow(/messageHistory/)
    await expect(stack.standIn.callAction('createUser', { email: 'a@b.co' })).rejects.toThrow(/name/)
  })

  it('a contact that is neither an email nor a phone (the plugin passes what was typed) gives an anonymous visitor, not an error', async () => {
    const { userId: anonymous } = await stack.standIn.callAction<{ userId: string }>('createUser', { name: 'X', email: 'not valid' })
    expect(stack.standIn.store.users.get(anonymous)?.tags).toMatchObject({
      deliveryIdentifierType: 'CHANNEL_SPECIFIC_OPAQUE_ID',
      typedContact: 'not valid',
    })
  })
})
