import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { httpTuning } from '../hubspot'
import { seedEndUser, seedHitlConversation, seedSetup, SETUP } from '../../tests/helpers/hitl-fixtures'
import { hubspot, nockTokenRefresh } from '../../tests/helpers/nock-hubspot'
import { makeProps, SECRETS } from '../../tests/helpers/props'
import { signedRequest } from '../../tests/helpers/sign'
import { agentReply as outgoing, propertyChange as change } from '../../tests/helpers/webhook-events'
import { resetCaches } from '../cache'
import { handler } from './handler'
import { fakeError, fakeChannelMessage } from '../../tests/helpers/hubspot-fakes'

const setup = async () => {
  const props = makeProps()
  seedSetup(props.fake)
  const user = await seedEndUser(props.fake)
  const conversation = await seedHitlConversation(props.fake, user.id)
  const deliver = (req: ReturnType<typeof signedRequest>) => handler({ ...props, req })
  return { props, conversation, deliver }
}

const statusPatch = (messageId: string, statusType = 'SENT') =>
  hubspot()
    .patch(`/conversations/custom-channels/2026-09/ch1/messages/${messageId}`, (b: { statusType: string }) => b.statusType === statusType)
    .reply(200, fakeChannelMessage({ id: messageId, direction: 'OUTGOING', status: { statusType } }))

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
})
afterEach(() => nock.cleanAll())

describe('webhook: verification before anything else', () => {
  it('rejects an unsigned request with 401 and does nothing', async () => {
    const { deliver, props } = await setup()
    const req = signedRequest(outgoing('m1'))
    delete req.headers['x-hubspot-signature-v3']
    const res = await deliver(req)
    expect(res?.status).toBe(401)
    expect(props.fake.messages.size).toBe(0)
  })

  it('rejects a forged signature (wrong secret), a tampered body and a stale timestamp with 401', async () => {
    const { deliver, props } = await setup()
    expect((await deliver(signedRequest(outgoing('m1'), { secret: 'not-the-secret' })))?.status).toBe(401)
    const tampered = signedRequest(outgoing('m1'))
    tampered.body = tampered.body.replace('Maya', 'Eve')
    expect((await deliver(tampered))?.status).toBe(401)
    expect((await deliver(signedRequest(outgoing('m1'), { timestamp: Date.now() - 6 * 60_000 })))?.status).toBe(401)
    expect(props.fake.messages.size).toBe(0)
    expect(props.fake.events).toHaveLength(0)
  })

  it('the 401 body never echoes the expected signature or the secret', async () => {
    const { deliver } = await setup()
    const res = await deliver(signedRequest(outgoing('m1'), { secret: 'wrong' }))
    const good = signedRequest(outgoing('m1'))
    expect(res?.body).not.toContain(good.headers['x-hubspot-signature-v3'])
    expect(res?.body).not.toContain(SECRETS.clientSecret)
  })

  it('fails closed when the integration has no client secret', async () => {
    const props = makeProps({ configuration: { clientSecret: '' } })
    seedSetup(props.fake)
    const res = await handler({ ...props, req: signedRequest(outgoing('m1'), { secret: '' }) })
    expect(res?.status).toBe(401)
  })

  it('answers 400 to malformed JSON and to a body that is no HubSpot payload', async () => {
    const { deliver } = await setup()
    expect((await deliver(signedRequest('{"type": ')))?.status).toBe(400)
    expect((await deliver(signedRequest('"just a string"')))?.status).toBe(400)
  })

  it('ignores unknown event types with 200', async () => {
    const { deliver, props } = await setup()
    const res = await deliver(signedRequest({ type: 'SOMETHING_NEW', portalId: 1 }))
    expect(res?.status).toBe(200)
    expect(props.fake.messages.size).toBe(0)
  })

  it('refuses a custom-channel event signed only with v1 (no replay window): v3 is required', async () => {
    const { deliver, props } = await setup()
    const req = signedRequest(outgoing('m1'), { v1: true })
    delete req.headers['x-hubspot-signature-v3']
    delete req.headers['x-hubspot-request-timestamp']
    expect((await deliver(req))?.status).toBe(401)
    expect(props.fake.messages.size).toBe(0)
  })

  it('accepts a batch signed only with v1', async () => {
    const { deliver } = await setup()
    const req = signedRequest([change(1, 'status', 'OPEN')], { v1: true })
    delete req.headers['x-hubspot-signature-v3']
    delete req.headers['x-hubspot-request-timestamp']
    expect((await deliver(req))?.status).toBe(200)
  })
})

describe('webhook: agent replies', () => {
  it('posts the reply as the agent user, then reports SENT to HubSpot', async () => {
    const { deliver, props, conversation } = await setup()
    nockTokenRefresh()
    hubspot()
      .get('/conversations/conversations/2026-09/actors/A-77')
      .reply(200, { id: 'A-77', type: 'AGENT', name: 'Maya Lopez', email: 'maya@corp.example', avatar: 'https://a.example/maya.png' })
    const sent = statusPatch('m1')
    const res = await deliver(signedRequest(outgoing('m1')))
    expect(res?.status).toBe(200)
    const [message] = [...props.fake.messages.values()]
    expect(message).toMatchObject({
      conversationId: conversation.id,
      type: 'text',
      payload: { text: 'Hi, I am **Maya**' },
      tags: { hubspotMessageId: 'm1' },
    })
    const agent = props.fake.users.get(message!.userId)
    expect(agent).toMatchObject({ name: 'Maya Lopez', pictureUrl: 'https://a.example/maya.png', tags: { hubspotActorId: 'A-77' } })
    expect(sent.isDone()).toBe(true)
  })

  it('an unreadable agent profile falls back to the sender name, with a warning', async () => {
    const { deliver, props } = await setup()
    nockTokenRefresh()
    hubspot()
      .get('/conversations/conversations/2026-09/actors/A-77')
      .reply(403, { status: 'error', message: 'no scope', category: 'MISSING_SCOPES', correlationId: 'c' })
    statusPatch('m9')
    expect((await deliver(signedRequest(outgoing('m9'))))?.status).toBe(200)
    const [message] = [...props.fake.messages.values()]
    expect(props.fake.users.get(message!.userId)?.name).toBe('Maya Agent')
    expect(props.lines.some((l) => l.level === 'warn' && /Could not read HubSpot agent A-77/.test(l.message))).toBe(true)
  })

  it('a redelivered reply creates no second message', async () => {
    const { deliver, props } = await setup()
    nockTokenRefresh()
    statusPatch('m1')
    statusPatch('m1')
    await deliver(signedRequest(outgoing('m1')))
    await deliver(signedRequest(outgoing('m1')))
    expect(props.fake.messages.size).toBe(1)
  })

  it('each attachment becomes a message of its kind', async () => {
    const { deliver, props } = await setup()
    nockTokenRefresh()
    statusPatch('m2')
    hubspot().get('/files/2026-03/files/f3/signed-url').query(true).reply(200, { url: 'https://signed.example/f3' })
    await deliver(
      signedRequest(
        outgoing('m2', {
          text: '',
          richText: '',
          attachments: [
            { type: 'FILE', fileId: 'f1', name: 'screen.png', url: 'https://files.example/screen.png', fileUsageType: 'IMAGE' },
            { type: 'FILE', fileId: 'f2', name: 'note.ogg', url: 'https://files.example/note.ogg', fileUsageType: 'VOICE_RECORDING' },
            { type: 'FILE', fileId: 'f3', name: 'guide.pdf', fileUsageType: 'OTHER' },
            { type: 'FILE', fileId: 'f4', name: 'demo.mp4', url: 'https://files.example/demo.mp4', fileUsageType: 'OTHER' },
          ],
        })
      )
    )
    const messages = [...props.fake.messages.values()].map((m) => [m.type, m.payload, m.tags.hubspotMessageId])
    expect(messages).toEqual([
      ['image', { imageUrl: 'https://files.example/screen.png', title: 'screen.png' }, 'm2:0'],
      ['audio', { audioUrl: 'https://files.example/note.ogg', title: 'note.ogg' }, 'm2:1'],
      ['file', { fileUrl: 'https://signed.example/f3', title: 'guide.pdf' }, 'm2:2'],
      ['video', { videoUrl: 'https://files.example/demo.mp4', title: 'demo.mp4' }, 'm2:3'],
    ])
  })

  it('ignores replies on threads this bot did not open', async () => {
    const { deliver, props } = await setup()
    const res = await deliver(signedRequest({ ...outgoing('m3', {}, '5555'), channelIntegrationThreadIds: ['someone-else'] }))
    expect(res?.status).toBe(200)
    expect(props.fake.messages.size).toBe(0)
    expect(props.lines).toContainEqual({ level: 'debug', message: 'Ignoring message m3: thread 5555 was not opened by this bot.' })
  })

  it('finds the conversation by integration thread id when HubSpot moved it to a new thread', async () => {
    const { deliver, props, conversation } = await setup()
    nockTokenRefresh()
    statusPatch('m8')
    const res = await deliver(signedRequest(outgoing('m8', { channelIntegrationThreadIds: ['it-1'] }, '7777')))
    expect(res?.status).toBe(200)
    expect([...props.fake.messages.values()][0]?.conversationId).toBe(conversation.id)
    expect(props.fake.conversations.get(conversation.id)?.tags.hubspotThreadId).toBe('7777')
  })

  it('reports FAILED to HubSpot and answers 500 (so HubSpot redelivers) when Botpress fails', async () => {
    const { deliver, props } = await setup()
    nockTokenRefresh()
    const failed = statusPatch('m4', 'FAILED')
    props.fake.failNext = { method: 'getOrCreateMessage', error: new Error('botpress down') }
    const res = await deliver(signedRequest(outgoing('m4')))
    expect(res?.status).toBe(500)
    expect(failed.isDone()).toBe(true)
  })

  it('warm path: an agent reply costs 2 Botpress requests (is the session still on? then the message) and 1 HubSpot request (the delivery receipt)', async () => {
    const { deliver, props } = await setup()
    nockTokenRefresh()
    statusPatch('m5')
    await deliver(signedRequest(outgoing('m5')))
    const receipt = statusPatch('m6')
    props.fake.calls.length = 0
    await deliver(signedRequest(outgoing('m6')))
    // The state read is the price of never reporting SENT for a reply the end user will not see:
    // the session may have been stopped by another instance, and the webhook does not say so.
    expect(props.fake.calls).toEqual(['getState', 'getOrCreateMessage'])
    expect(receipt.isDone()).toBe(true)
    expect(nock.pendingMocks()).toEqual([])
  })
})

describe('webhook: assignment and closing', () => {
  const nockActor = (id: string, name: string) =>
    hubspot()
      .get(`/conversations/conversations/2026-09/actors/${id}`)
      .reply(200, { id, type: 'AGENT', name, email: `${name}@corp.example`, avatar: 'https://a.example/x.png' })

  it('emits hitlAssigned with the agent user, once per assignee; a reassignment emits again; unassign emits nothing', async () => {
    const { deliver, props, conversation } = await setup()
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    nockActor('A-13', 'Kim')
    await deliver(signedRequest([change(1, 'assignedTo', '12')]))
    await deliver(signedRequest([change(1, 'assignedTo', '12')])) // redelivered
    await deliver(signedRequest([change(2, 'assignedTo', 'A-13')])) // prefixed variant
    await deliver(signedRequest([change(3, 'assignedTo', '')]))
    const assigned = props.fake.events.filter((e) => e.type === 'hitlAssigned')
    expect(assigned).toHaveLength(2)
    const names = assigned.map((e) => props.fake.users.get((e.payload as { userId: string }).userId)?.name)
    expect(names).toEqual(['Sam', 'Kim'])
    expect(assigned[0]?.payload).toMatchObject({ conversationId: conversation.id })
  })

  it('the same assignment delivered three times at once emits hitlAssigned once', async () => {
    const { deliver, props } = await setup()
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    const statuses = await Promise.all([1, 2, 3].map(() => deliver(signedRequest([change(1, 'assignedTo', '12')]))))
    expect(statuses.map((r) => r?.status)).toEqual([200, 200, 200])
    expect(props.fake.events.filter((e) => e.type === 'hitlAssigned')).toHaveLength(1)
  })

  it('emits hitlStopped once for close, redelivered close and archive', async () => {
    const { deliver, props, conversation } = await setup()
    await deliver(signedRequest([change(5, 'status', 'CLOSED')]))
    await deliver(signedRequest([change(5, 'status', 'CLOSED')]))
    await deliver(signedRequest([{ ...change(6, 'isArchived', 'true'), subscriptionType: 'conversation.deletion' }]))
    expect(props.fake.events.filter((e) => e.type === 'hitlStopped')).toEqual([
      expect.objectContaining({ payload: { conversationId: conversation.id } }),
    ])
  })

  it('processes a batch of 100 mixed events, in order per thread', async () => {
    const { deliver, props } = await setup()
    const conversations = [await seedHitlConversation(props.fake, 'user_x', '9002'), await seedHitlConversation(props.fake, 'user_y', '9003')]
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    const batch = Array.from({ length: 100 }, (_, i) => {
      if (i === 10) return change(i, 'assignedTo', '12', 9002)
      if (i === 90) return change(i, 'status', 'CLOSED', 9002)
      if (i === 95) return change(i, 'status', 'CLOSED', 9003)
      return change(i, 'isArchived', 'false', 7000 + i) // unknown threads and no-op changes
    })
    const res = await deliver(signedRequest(batch))
    expect(res?.status).toBe(200)
    const typesOf = (id: string) =>
      props.fake.events.filter((e) => (e.payload as { conversationId: string }).conversationId === id).map((e) => e.type)
    // Threads run side by side, but each thread's events keep their order.
    expect(typesOf(conversations[0]!.id)).toEqual(['hitlAssigned', 'hitlStopped'])
    expect(typesOf(conversations[1]!.id)).toEqual(['hitlStopped'])
    expect(props.fake.events).toHaveLength(3)
  })
})

describe('webhook: channel accounts', () => {
  it('a de-authorized account is recorded, so startHitl refuses that inbox', async () => {
    const { deliver, props } = await setup()
    await deliver(signedRequest({ type: 'CHANNEL_ACCOUNT_UPDATED', portalId: 1, channelId: 'ch1', channelAccountId: 'acc1', authorized: false }))
    expect(props.fake.setupState('int_1')).toMatchObject({ channelAccounts: { '1001': { id: 'acc1', authorized: false } } })
  })

  it('a purged account is recorded as not authorized; events of other channels are ignored', async () => {
    const { deliver, props } = await setup()
    await deliver(signedRequest({ type: 'CHANNEL_ACCOUNT_PURGED', portalId: 1, channelId: 'other', channelAccountId: 'acc1' }))
    expect(props.fake.setupState('int_1')).toEqual(SETUP)
    await deliver(signedRequest({ type: 'CHANNEL_ACCOUNT_PURGED', portalId: 1, channelId: 'ch1', channelAccountId: 'acc1' }))
    expect(props.fake.setupState('int_1')).toMatchObject({ channelAccounts: { '1001': { authorized: false } } })
  })
})

describe('webhook: what HubSpot reads in the answer, and what the bot builder reads in the log', () => {
  const bodyOf = (res: { body?: string } | void | undefined) => JSON.parse(res?.body ?? '{}') as { message?: string }

  it('every answer is JSON with a message saying why (405, 401, 400, 200 ignored, 200 ok, 500)', async () => {
    const { deliver, props } = await setup()
    const answers: [number | undefined, string | undefined, string | undefined][] = []
    const note = (res: Awaited<ReturnType<typeof deliver>>) => answers.push([res?.status, res?.headers?.['content-type'], bodyOf(res).message])
    note(await deliver({ ...signedRequest(outgoing('m1')), method: 'GET', path: '/not-a-page' }))
    note(await deliver(signedRequest(outgoing('m1'), { secret: 'wrong' })))
    const v1Only = signedRequest(outgoing('m1'), { v1: true })
    delete v1Only.headers['x-hubspot-signature-v3']
    delete v1Only.headers['x-hubspot-request-timestamp']
    note(await deliver(v1Only))
    note(await deliver(signedRequest('{"type": ')))
    note(await deliver(signedRequest('"just a string"')))
    note(await deliver(signedRequest({ type: 'SOMETHING_NEW', portalId: 1 })))
    note(await deliver(signedRequest({ ...outgoing('m1'), channelId: 'other' })))
    note(await deliver(signedRequest([change(1, 'status', 'OPEN')])))
    nockTokenRefresh()
    statusPatch('m2')
    note(await deliver(signedRequest(outgoing('m2'))))
    statusPatch('m3', 'FAILED')
    props.fake.failNext = { method: 'getOrCreateMessage', error: new Error('botpress down') }
    note(await deliver(signedRequest(outgoing('m3'))))
    const json = 'application/json'
    expect(answers).toEqual([
      [405, json, 'Only POST is accepted.'],
      [401, json, 'Invalid or missing HubSpot signature.'],
      [401, json, 'Invalid or missing HubSpot signature.'],
      [400, json, 'Body is not valid JSON.'],
      [400, json, 'Body is not a HubSpot webhook payload.'],
      [200, json, 'ignored'],
      [200, json, 'ignored'],
      [200, json, 'ok'],
      [200, json, 'ok'],
      [500, json, 'Processing failed; retry later.'],
    ])
  })

  it('a request without a body is verified over the empty body: signed, it is malformed JSON (400), not a bad signature', async () => {
    const { deliver } = await setup()
    const req: Omit<ReturnType<typeof signedRequest>, 'body'> & { body?: string } = signedRequest('')
    delete req.body
    const res = await deliver(req as ReturnType<typeof signedRequest>)
    expect([res?.status, bodyOf(res).message]).toEqual([400, 'Body is not valid JSON.'])
  })

  it('a failure on a valid delivery is logged as an error that says HubSpot will redeliver it', async () => {
    const { deliver, props } = await setup()
    nockTokenRefresh()
    statusPatch('m4', 'FAILED')
    props.fake.failNext = { method: 'getOrCreateMessage', error: new Error('botpress down') }
    expect((await deliver(signedRequest(outgoing('m4'))))?.status).toBe(500)
    expect(props.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      'Processing a HubSpot webhook failed; HubSpot will redeliver it: botpress down',
    ])
  })

  it('debug lines name what was ignored: an unknown event type, malformed events of a batch, foreign events, threads not ours', async () => {
    const { deliver, props } = await setup()
    const debug = () => props.lines.filter((l) => l.level === 'debug').map((l) => l.message)
    await deliver(signedRequest({ type: 'SOMETHING_NEW', portalId: 1 }))
    expect(debug()).toContain('Ignoring HubSpot event of type SOMETHING_NEW')
    props.lines.length = 0
    await deliver(signedRequest([change(1, 'status', 'OPEN', 7001)]))
    expect(debug().filter((m) => m.includes('malformed'))).toEqual([]) // nothing skipped, nothing said
    await deliver(signedRequest([{ eventId: 'not an event' }, change(2, 'status', 'CLOSED', 7002)]))
    expect(debug()).toContain('Skipped 1 malformed event(s) in a HubSpot batch')
    expect(debug()).toContain('Ignoring closed for thread 7002: not opened by this bot.')
    props.lines.length = 0
    await deliver(signedRequest([{ ...change(3, 'status', 'CLOSED'), appId: 7 }]))
    await deliver(signedRequest([3, 4].map((i) => ({ ...change(i, 'status', 'CLOSED'), appId: 7 }))))
    const foreign = debug().filter((m) => m.includes('another installation'))
    expect(foreign).toHaveLength(2)
    expect(foreign[0]).toMatch(/\(HubSpot app 7, while the configured app is 424242\)\.$/)
    expect(foreign[1]).toMatch(/^Ignored 2 event\(s\) .*\(HubSpot app 7, while the configured app is 424242, …\)\.$/)
    expect(props.fake.events).toHaveLength(0)
  })
})

describe('webhook: agent replies, receipts and kinds', () => {
  const warnings = (lines: { level: string; message: string }[]) => lines.filter((l) => l.level === 'warn').map((l) => l.message)

  it('a message without its own channel id is reported on the channel the event names', async () => {
    const { deliver } = await setup()
    nockTokenRefresh()
    const sent = statusPatch('m7')
    expect((await deliver(signedRequest(outgoing('m7', { channelId: undefined }))))?.status).toBe(200)
    expect(sent.isDone()).toBe(true)
  })

  it('a receipt HubSpot refuses is a warning; the reply stays delivered and HubSpot gets 200', async () => {
    const { deliver, props } = await setup()
    nockTokenRefresh()
    hubspot()
      .patch('/conversations/custom-channels/2026-09/ch1/messages/m8')
      .reply(404, fakeError({ message: 'message not found', category: 'OBJECT_NOT_FOUND' }))
    expect((await deliver(signedRequest(outgoing('m8'))))?.status).toBe(200)
    expect(props.fake.messages.size).toBe(1)
    expect(warnings(props.lines).filter((m) => m.startsWith('Could not report delivery status of message m8 to HubSpot: '))).toHaveLength(1)
  })

  it('the FAILED receipt of a reply Botpress could not take tells the agent it will be retried', async () => {
    const { deliver, props } = await setup()
    nockTokenRefresh()
    const failed = hubspot()
      .patch(
        '/conversations/custom-channels/2026-09/ch1/messages/m4',
        (b: { statusType: string; errorMessage?: string }) =>
          b.statusType === 'FAILED' && b.errorMessage === 'The message could not be delivered to the bot user; it will be retried.'
      )
      .reply(200, {})
    props.fake.failNext = { method: 'getOrCreateMessage', error: new Error('botpress down') }
    expect((await deliver(signedRequest(outgoing('m4'))))?.status).toBe(500)
    expect(failed.isDone()).toBe(true)
  })

  it("HubSpot's file usage decides the kind when the name has no extension; a file without a link gets a signed one, without a warning", async () => {
    const { deliver, props } = await setup()
    nockTokenRefresh()
    statusPatch('m2')
    hubspot().get('/files/2026-03/files/f2/signed-url').query(true).reply(200, { url: 'https://signed.example/f2' })
    const attachments = [
      { type: 'FILE', fileId: 'f1', name: 'scan', url: 'https://files.example/scan', fileUsageType: 'IMAGE' },
      { type: 'FILE', fileId: 'f2', name: 'notes', fileUsageType: 'OTHER' },
    ]
    expect((await deliver(signedRequest(outgoing('m2', { text: '', richText: '', attachments }))))?.status).toBe(200)
    expect([...props.fake.messages.values()].map((m) => [m.type, m.payload])).toEqual([
      ['image', { imageUrl: 'https://files.example/scan', title: 'scan' }],
      ['file', { fileUrl: 'https://signed.example/f2', title: 'notes' }],
    ])
    expect(warnings(props.lines).filter((m) => m.startsWith('Not passing on'))).toEqual([])
  })
})

describe('webhook: one thread failing in a batch', () => {
  it("does not hold back another thread's events: the other thread is acted on, the batch answers 500, and the redelivery adds nothing twice", async () => {
    const { deliver, props } = await setup()
    await seedHitlConversation(props.fake, 'user_x', '9002')
    const stopped = () => props.fake.events.filter((e) => e.type === 'hitlStopped').length
    const batch = [change(1, 'status', 'CLOSED', 9001), change(2, 'status', 'CLOSED', 9002)]
    props.fake.failNext = { method: 'createEvent', error: new Error('botpress down') }
    expect((await deliver(signedRequest(batch)))?.status).toBe(500)
    expect(stopped()).toBe(1)
    expect((await deliver(signedRequest(batch)))?.status).toBe(200)
    expect(stopped()).toBe(2)
  })
})
