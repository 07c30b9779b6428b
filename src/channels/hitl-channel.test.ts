import nock from 'nock'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { httpTuning } from '../hubspot'
import { publishedMessage, seedEndUser, seedHitlConversation } from '../../tests/helpers/hitl-fixtures'
import { hubspot, nockTokenRefresh } from '../../tests/helpers/nock-hubspot'
import { startMediaServer, type MediaServer } from '../../tests/helpers/media-server'
import { makeProps } from '../../tests/helpers/props'
import { resetCaches } from '../cache'
import { mediaTuning } from '../hitl/media'
import { channels } from './hitl-channel'
import { fakeComment, fakeFile } from '../../tests/helpers/hubspot-fakes'

type Egg = Record<string, unknown> & { attachments: { type: string; fileId: string; fileUsageType: string }[] }
const PUBLISH = '/conversations/custom-channels/2026-09/ch1/messages'

let media: MediaServer
let mediaBase = ''
beforeAll(async () => {
  media = await startMediaServer()
  mediaBase = media.url
})
afterAll(() => media.close())

beforeEach(() => {
  nock.disableNetConnect()
  nock.enableNetConnect('127.0.0.1')
  resetCaches()
  httpTuning.sleep = async () => {}
})
afterEach(() => nock.cleanAll())

const setup = async () => {
  const props = makeProps()
  const user = await seedEndUser(props.fake)
  const conversation = await seedHitlConversation(props.fake, user.id)
  const acks: Record<string, string>[] = []
  const send = <T extends keyof typeof channels.hitl.messages>(type: T, payload: Record<string, unknown>, messageId = 'msg_1') =>
    (channels.hitl.messages[type] as (p: unknown) => Promise<void>)({
      ...props,
      type,
      payload,
      conversation,
      user,
      message: { id: messageId, tags: {} },
      ack: async ({ tags }: { tags: Record<string, string> }) => {
        props.fake.calls.push('updateMessage(ack)')
        acks.push(tags)
      },
    })
  return { props, send, acks, conversation }
}

describe('hitl channel: end user → HubSpot', () => {
  it('a text is one INCOMING publish keyed by the Botpress message id, then acked with the HubSpot id', async () => {
    const { send, acks } = await setup()
    let egg: Egg | undefined
    nockTokenRefresh()
    hubspot()
      .post(PUBLISH, (b: Egg) => ((egg = b), true))
      .reply(201, publishedMessage('hs-1'))
    await send('text', { text: 'Hello agent' })
    expect(egg).toMatchObject({
      messageDirection: 'INCOMING',
      channelAccountId: 'acc1',
      integrationThreadId: 'it-1',
      integrationIdempotencyId: 'msg_1',
      text: 'Hello agent',
      attachments: [],
      senders: [{ deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'ada@example.com' } }],
      recipients: [{ deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: 'botpress-1001' } }],
    })
    expect(acks).toEqual([{ hubspotMessageId: 'hs-1' }])
  })

  it('a message the HITL plugin relays as the bot (payload.userId = end user) goes out as the end user', async () => {
    const { props, conversation } = await setup()
    const { user: botUser } = await props.fake.api.createUser({ name: 'My bot', tags: {} })
    let egg: Egg | undefined
    nockTokenRefresh()
    hubspot()
      .post(PUBLISH, (b: Egg) => ((egg = b), true))
      .reply(201, publishedMessage('hs-9'))
    await (channels.hitl.messages.text as (p: unknown) => Promise<void>)({
      ...props,
      type: 'text',
      payload: { text: 'relayed', userId: conversation.tags.userId },
      conversation,
      user: botUser,
      message: { id: 'msg_bot', tags: {} },
      ack: async () => {},
    })
    expect(egg).toMatchObject({
      text: 'relayed',
      senders: [{ deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'ada@example.com' }, name: 'Ada Lovelace' }],
      associateWithContactId: 501,
    })
  })

  it.each(['( The user has ended the session. )', 'Something went wrong, you are not connected to a human agent...'])(
    'a note the HITL plugin posts as the bot without payload.userId (%j) reaches the agent as an agent-only note, never as the end user',
    async (text) => {
      const { props, conversation } = await setup()
      const { user: botUser } = await props.fake.api.createUser({ name: 'My bot', tags: {} })
      let note: Record<string, unknown> | undefined
      const acks: Record<string, string>[] = []
      nockTokenRefresh()
      const comment = hubspot()
        .post('/conversations/conversations/2026-09/threads/9001/messages', (b: Record<string, unknown>) => ((note = b), true))
        .reply(201, fakeComment({ id: 'note-1', conversationsThreadId: '9001' }))
      // No interceptor for the custom-channel publish: publishing it as INCOMING would fail the test.
      await (channels.hitl.messages.text as (p: unknown) => Promise<void>)({
        ...props,
        type: 'text',
        payload: { text },
        conversation,
        user: botUser,
        message: { id: 'msg_note', tags: {} },
        ack: async ({ tags }: { tags: Record<string, string> }) => {
          acks.push(tags)
        },
      })
      expect(comment.isDone()).toBe(true)
      expect(note).toEqual({ type: 'COMMENT', text: `Bot: ${text}`, attachments: [] })
      expect(acks).toEqual([{ hubspotMessageId: 'note-1' }])
      expect(nock.pendingMocks()).toEqual([])
    }
  )

  it('a message the end user authored directly (no payload.userId) keeps the INCOMING path', async () => {
    const { send, acks } = await setup()
    nockTokenRefresh()
    const publish = hubspot().post(PUBLISH).reply(201, publishedMessage('hs-7'))
    await send('text', { text: 'typed by the user' })
    expect(publish.isDone()).toBe(true)
    expect(acks).toEqual([{ hubspotMessageId: 'hs-7' }])
  })

  it('refuses a conversation that carries no end-user identity, without calling HubSpot', async () => {
    const { props } = await setup()
    const { user: botUser } = await props.fake.api.createUser({ name: 'My bot', tags: {} })
    const { conversation: bare } = await props.fake.api.getOrCreateConversation({
      channel: 'hitl',
      tags: { hubspotThreadId: '42', integrationThreadId: 'it-x', channelId: 'ch1', channelAccountId: 'acc1', inboxId: '1001', userId: 'u' },
    })
    await expect(
      (channels.hitl.messages.text as (p: unknown) => Promise<void>)({
        ...props,
        type: 'text',
        payload: { text: 'x', userId: 'u' },
        conversation: bare,
        user: botUser,
        message: { id: 'msg_x', tags: {} },
        ack: async () => {},
      })
    ).rejects.toThrow(/carries no end-user identity/)
  })

  it('warm path: forwarding a text costs exactly 1 HubSpot request and 1 Botpress request', async () => {
    const { send, props } = await setup()
    nockTokenRefresh()
    hubspot().post(PUBLISH).reply(201, publishedMessage('hs-1'))
    await send('text', { text: 'warm-up' }, 'msg_0')

    // The only HubSpot interceptor left: any other HubSpot request would fail the send (no network).
    const publish = hubspot().post(PUBLISH).reply(201, publishedMessage('hs-2'))
    props.fake.calls.length = 0
    await send('text', { text: 'counted' }, 'msg_2')

    expect(publish.isDone()).toBe(true)
    expect(nock.pendingMocks()).toEqual([])
    expect(props.fake.calls).toEqual(['updateMessage(ack)'])
  })

  it.each([
    ['image', { imageUrl: '/pic.png' }, 'IMAGE'],
    ['audio', { audioUrl: '/voice.mp3' }, 'AUDIO'],
    ['video', { videoUrl: '/clip.mp4' }, 'OTHER'],
    ['file', { fileUrl: '/doc.pdf', title: 'Invoice' }, 'OTHER'],
  ] as const)('%s is uploaded to HubSpot Files and attached as FILE/%s', async (type, payload, usage) => {
    const { send, acks } = await setup()
    const url = Object.values(payload)[0]!
    const full = { ...payload, [Object.keys(payload)[0]!]: `${mediaBase}${url}` }
    let egg: Egg | undefined
    let uploadBody = ''
    nockTokenRefresh()
    hubspot()
      .post('/files/2026-03/files', (b: string) => ((uploadBody = b), true))
      .reply(201, fakeFile({ id: 'file-9', name: 'x', url: 'https://files.example/x', size: 10, type: 'IMG' }))
    hubspot()
      .post(PUBLISH, (b: Egg) => ((egg = b), true))
      .reply(201, publishedMessage('hs-3'))
    await send(type, full)
    expect(uploadBody).toContain('fake-bytes')
    expect(uploadBody).toContain('name="folderPath"')
    expect(egg?.attachments).toEqual([{ type: 'FILE', fileId: 'file-9', fileUsageType: usage }])
    // The title rides along as the message text; without one the attachment goes alone.
    expect(egg?.text).toBe('title' in payload ? payload.title : '')
    expect(acks).toEqual([{ hubspotMessageId: 'hs-3' }])
  })

  it('when the upload fails the link is sent as text instead of losing the message', async () => {
    const { send, props } = await setup()
    let egg: Egg | undefined
    nockTokenRefresh()
    hubspot()
      .post(PUBLISH, (b: Egg) => ((egg = b), true))
      .reply(201, publishedMessage('hs-4'))
    await send('image', { imageUrl: `${mediaBase}/missing/pic.png`, title: 'Broken screen' })
    expect(egg?.attachments).toEqual([])
    expect(String(egg?.text)).toContain(`${mediaBase}/missing/pic.png`)
    expect(String(egg?.text)).toContain('Broken screen')
    expect(props.lines.some((l) => l.level === 'warn' && /sending its link instead/.test(l.message))).toBe(true)
  })

  it('a media server that trickles its body past the download deadline: the link is sent as text instead', async () => {
    const { send, props, acks } = await setup()
    mediaTuning.downloadTimeoutMs = 300
    let egg: Egg | undefined
    nockTokenRefresh()
    hubspot()
      .post(PUBLISH, (b: Egg) => ((egg = b), true))
      .reply(201, publishedMessage('hs-5'))
    try {
      await send('image', { imageUrl: `${mediaBase}/trickle/pic.png` }) // the server trickles for 10 s
    } finally {
      mediaTuning.downloadTimeoutMs = 15_000
    }
    expect(egg?.attachments).toEqual([])
    expect(String(egg?.text)).toContain(`${mediaBase}/trickle/pic.png`)
    expect(acks).toEqual([{ hubspotMessageId: 'hs-5' }])
    expect(props.lines.some((l) => l.level === 'warn' && /took longer than 300 ms.*sending its link instead/.test(l.message))).toBe(true)
  })

  it('a bloc is forwarded in order, each part with its own idempotency key', async () => {
    const { send, acks } = await setup()
    const eggs: Egg[] = []
    nockTokenRefresh()
    hubspot()
      .post('/files/2026-03/files')
      .reply(201, fakeFile({ id: 'file-1', name: 'pic.png' }))
    hubspot()
      .post(PUBLISH, (b: Egg) => (eggs.push(b), true))
      .times(3)
      .reply(201, (_u, b) => publishedMessage(`hs-${(b as Egg).integrationIdempotencyId}`))
    await send('bloc', {
      items: [
        { type: 'text', payload: { text: 'First' } },
        { type: 'markdown', payload: { markdown: '**Second**' } },
        { type: 'image', payload: { imageUrl: `${mediaBase}/pic.png` } },
        { type: 'location', payload: { latitude: 45.5, longitude: -73.6, address: '1 Main St' } },
      ],
    })
    expect(eggs.map((e) => e.integrationIdempotencyId)).toEqual(['msg_1:0', 'msg_1:1', 'msg_1:2'])
    expect(String(eggs[0]?.text)).toMatch(/First[\s\S]*Second/)
    expect(eggs[1]?.attachments).toHaveLength(1)
    expect(String(eggs[2]?.text)).toContain('1 Main St')
    expect(acks).toEqual([{ hubspotMessageId: 'hs-msg_1:0,hs-msg_1:1,hs-msg_1:2' }])
  })

  it('a redelivered message reuses its idempotency key (HubSpot returns the original)', async () => {
    const { send } = await setup()
    const keys: unknown[] = []
    nockTokenRefresh()
    hubspot()
      .post(PUBLISH, (b: Egg) => (keys.push(b.integrationIdempotencyId), true))
      .twice()
      .reply(201, publishedMessage('hs-1'))
    await send('text', { text: 'once' }, 'msg_7')
    await send('text', { text: 'once' }, 'msg_7')
    expect(keys).toEqual(['msg_7', 'msg_7'])
  })

  it('follows HubSpot to a new thread when the old one was closed for over 24 h', async () => {
    const { send, props, conversation } = await setup()
    nockTokenRefresh()
    hubspot().post(PUBLISH).reply(201, publishedMessage('hs-5', '9999'))
    await send('text', { text: 'Are you there?' })
    expect(props.fake.conversations.get(conversation.id)?.tags.hubspotThreadId).toBe('9999')
  })

  it('a HubSpot failure surfaces as a RuntimeError and nothing is acked', async () => {
    const { send, acks } = await setup()
    nockTokenRefresh()
    hubspot().post(PUBLISH).reply(400, { status: 'error', message: 'Thread is archived', category: 'VALIDATION_ERROR', correlationId: 'c-1' })
    await expect(send('text', { text: 'x' })).rejects.toThrow(/publish the message to the HubSpot inbox \[400 VALIDATION_ERROR\]: Thread is archived/)
    expect(acks).toEqual([])
  })
})
