import { InternalError } from '@botpress/client'
import * as sdk from '@botpress/sdk'
import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { httpTuning } from '../hubspot'
import { publishedMessage, seedEndUser, seedSetup, SETUP } from '../../tests/helpers/hitl-fixtures'
import { hubspot, nockTokenRefresh } from '../../tests/helpers/nock-hubspot'
import { makeProps, SECRETS } from '../../tests/helpers/props'
import { resetCaches } from '../cache'
import { startHitl } from './start-hitl'
import { fakeError } from '../../tests/helpers/hubspot-fakes'

type Egg = Record<string, unknown> & { senders: { deliveryIdentifier: { type: string; value: string } }[] }

const run = (props: ReturnType<typeof makeProps>, input: unknown) =>
  startHitl({ ...props, input: input as never, type: 'startHitl', metadata: { setCost: () => {} } })

/** Field-by-field facts of ChannelIntegrationMessageEgg (HubSpot custom channels v3 OpenAPI). */
const assertValidEgg = (egg: Egg) => {
  expect(typeof egg.channelAccountId).toBe('string')
  expect(egg.messageDirection).toBe('INCOMING')
  expect(typeof egg.text).toBe('string')
  expect(Array.isArray(egg.attachments)).toBe(true)
  expect(Number.isNaN(Date.parse(String(egg.timestamp)))).toBe(false)
  expect(egg.senders.length).toBeGreaterThan(0)
  for (const p of [...egg.senders, ...(egg.recipients as Egg['senders'])]) {
    expect(['HS_EMAIL_ADDRESS', 'HS_PHONE_NUMBER', 'CHANNEL_SPECIFIC_OPAQUE_ID']).toContain(p.deliveryIdentifier.type)
    expect(typeof p.deliveryIdentifier.value).toBe('string')
  }
  const allowed = [
    'channelAccountId',
    'messageDirection',
    'text',
    'richText',
    'senders',
    'recipients',
    'timestamp',
    'attachments',
    'integrationThreadId',
    'integrationIdempotencyId',
    'inReplyToId',
    'associateWithContactId',
    'preResolvedContacts',
  ]
  for (const key of Object.keys(egg)) expect(allowed).toContain(key)
}

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
})
afterEach(() => nock.cleanAll())

describe('startHitl', () => {
  it('with no inbox connected yet, the error names the real setup page to open (not a placeholder), and nothing is created', async () => {
    // A blank optional field in Studio means "not set" (src/config.ts).
    const props = makeProps({ configuration: { inboxId: '' } })
    seedSetup(props.fake, { ...SETUP, channelAccounts: {} })
    const user = await seedEndUser(props.fake)
    const before = props.fake.calls.length
    const err = await run(props, { userId: user.id, title: 'Help', messageHistory: [] }).catch((e: Error) => e)
    expect((err as Error).message).toContain(`no HubSpot inbox is connected yet: choose inboxes on the setup page (${SETUP.webhookUrl}/setup)`)
    expect((err as Error).message).not.toContain('{webhookUrl}')
    expect(props.fake.calls.slice(before).filter((c) => !c.startsWith('get'))).toEqual([])
  })

  it('shows the agent the contact an anonymous visitor typed (carried on the user by createUser), with no extra call', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const { user } = await props.fake.api.createUser({
      name: 'Visitor',
      tags: { deliveryIdentifierType: 'CHANNEL_SPECIFIC_OPAQUE_ID', deliveryIdentifierValue: 'botpress-x', typedContact: 'ada at example dot com' },
    })
    let egg: Egg | undefined
    nockTokenRefresh()
    hubspot()
      .post('/conversations/custom-channels/2026-09/ch1/messages', (b: Egg) => ((egg = b), true))
      .reply(201, publishedMessage('m-1'))
    props.fake.calls.length = 0
    await run(props, { userId: user.id, title: 'Help', messageHistory: [] })
    expect(egg!.text).toContain('Contact given by the user (not a valid email or phone): ada at example dot com')
    expect(egg!.richText).toContain('ada at example dot com')
    expect(egg!.senders[0]!.deliveryIdentifier).toEqual({ type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: 'botpress-x' })
    // The user is read once, as before: the typed contact came with it.
    expect(props.fake.calls.filter((c) => c === 'getUser' || c === 'listUsers')).toEqual(['getUser'])
  })

  it('opens the thread with the transcript and returns a tagged hitl conversation', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    let egg: Egg | undefined
    nockTokenRefresh()
    hubspot()
      .post('/conversations/custom-channels/2026-09/ch1/messages', (b: Egg) => ((egg = b), true))
      .reply(201, publishedMessage('m-1'))

    const { conversationId } = await run(props, {
      userId: user.id,
      title: 'Refund request',
      description: 'Wants a refund for order 42',
      messageHistory: [
        { source: { type: 'user', userId: user.id }, type: 'text', payload: { text: 'I want my money back' } },
        { source: { type: 'bot' }, type: 'text', payload: { text: 'Let me get a human' } },
      ],
    })

    assertValidEgg(egg!)
    expect(egg!.attachments).toEqual([])
    expect(egg).toMatchObject({
      channelAccountId: 'acc1',
      senders: [{ deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'ada@example.com' }, name: 'Ada Lovelace' }],
      recipients: [{ deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: 'botpress-1001' } }],
      associateWithContactId: 501,
    })
    expect(egg!.text).toContain('Refund request')
    expect(egg!.text).toContain('Wants a refund for order 42')
    expect(egg!.text).toContain('I want my money back')
    expect(egg!.richText).toContain('Let me get a human')
    expect(egg!.integrationIdempotencyId).toBe(`start-${egg!.integrationThreadId}`)

    const conversation = props.fake.conversations.get(conversationId)
    expect(conversation?.channel).toBe('hitl')
    expect(conversation?.tags).toEqual({
      hubspotThreadId: '9001',
      integrationThreadId: egg!.integrationThreadId,
      channelId: 'ch1',
      channelAccountId: 'acc1',
      inboxId: '1001',
      userId: user.id,
      senderIdentifierType: 'HS_EMAIL_ADDRESS',
      senderIdentifierValue: 'ada@example.com',
      senderName: 'Ada Lovelace',
      contactId: '501',
      openedAt: expect.stringMatching(/^\d{13}$/),
    })
  })

  it('opens a new conversation for each escalation of the same user (never reuses the previous one)', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    nockTokenRefresh()
    hubspot().post('/conversations/custom-channels/2026-09/ch1/messages').reply(201, publishedMessage('m-1', '9001'))
    hubspot().post('/conversations/custom-channels/2026-09/ch1/messages').reply(201, publishedMessage('m-2', '9002'))
    const first = await run(props, { userId: user.id, messageHistory: [] })
    const second = await run(props, { userId: user.id, messageHistory: [] })
    expect(second.conversationId).not.toBe(first.conversationId)
    expect(props.fake.conversations.get(first.conversationId)?.tags.hubspotThreadId).toBe('9001')
    expect(props.fake.conversations.get(second.conversationId)?.tags.hubspotThreadId).toBe('9002')
  })

  it('accepts an empty history and routes to another configured inbox', async () => {
    const props = makeProps({ configuration: { additionalInboxIds: ['1002'] } })
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    nockTokenRefresh()
    const publish = hubspot()
      .post('/conversations/custom-channels/2026-09/ch1/messages', (b: Egg) => b.channelAccountId === 'acc2')
      .reply(201, publishedMessage('m-1', '9002'))
    const { conversationId } = await run(props, { userId: user.id, messageHistory: [], hitlSession: { inboxId: '1002' } })
    expect(publish.isDone()).toBe(true)
    expect(props.fake.conversations.get(conversationId)?.tags.inboxId).toBe('1002')
  })

  it('refuses an inbox that is not configured, or whose channel account was de-authorized', async () => {
    const props = makeProps()
    seedSetup(props.fake, { ...SETUP, channelAccounts: { '1001': { ...SETUP.channelAccounts['1001'], authorized: false } } })
    const user = await seedEndUser(props.fake)
    await expect(run(props, { userId: user.id, messageHistory: [], hitlSession: { inboxId: '3003' } })).rejects.toThrow(
      'startHitl: inbox 3003 is not configured; use one of 1001.'
    )
    await expect(run(props, { userId: user.id, messageHistory: [] })).rejects.toThrow(/no longer authorized .* inbox 1001/)
    expect(props.fake.conversations.size).toBe(0)
  })

  it('validates input against the interface schema', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    await expect(run(props, { userId: 'u' })).rejects.toThrow(/startHitl: invalid input \(messageHistory/)
    await expect(run(props, { userId: 'u', messageHistory: [{ source: { type: 'bot' }, type: 'sticker', payload: {} }] })).rejects.toThrow(
      /invalid input/
    )
  })

  it('refuses a user that createUser did not make', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const { user } = await props.fake.api.createUser({ name: 'x', tags: {} })
    await expect(run(props, { userId: user.id, messageHistory: [] })).rejects.toThrow(/call createUser before startHitl/)
    // The fake's own ResourceNotFound text also says "does not exist": assert ours, which says what to pass instead.
    await expect(run(props, { userId: 'user_nope', messageHistory: [] })).rejects.toThrow(
      'startHitl: user user_nope does not exist; pass the userId returned by createUser.'
    )
  })

  it('throws a RuntimeError and creates no conversation when HubSpot fails: never a fake id', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    nockTokenRefresh()
    hubspot()
      .post('/conversations/custom-channels/2026-09/ch1/messages')
      .reply(400, { status: 'error', message: 'Channel account is not authorized', category: 'VALIDATION_ERROR', correlationId: 'c-5' })
    await expect(run(props, { userId: user.id, messageHistory: [] })).rejects.toThrow(
      /publish the message to the HubSpot inbox \[400 VALIDATION_ERROR\].*not authorized.*c-5/
    )
    expect(props.fake.conversations.size).toBe(0)
  })

  it('removes the conversation it made when the first publish fails, and the bot builder sees the HubSpot failure', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    nockTokenRefresh()
    hubspot()
      .post('/conversations/custom-channels/2026-09/ch1/messages')
      .reply(403, fakeError({ message: 'Forbidden', category: 'FORBIDDEN' }))
    const err = await run(props, { userId: user.id, messageHistory: [] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(sdk.RuntimeError)
    expect((err as Error).message).toMatch(/publish the message to the HubSpot inbox \[403 FORBIDDEN\]/)
    expect(props.fake.calls.filter((c) => c.endsWith('Conversation'))).toEqual(['getOrCreateConversation', 'deleteConversation'])
    expect(props.fake.conversations.size).toBe(0)
    expect(props.lines).toEqual([])
  })

  it('still reports the HubSpot failure when removing the unused conversation fails too, and logs the leftover conversation', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    nockTokenRefresh()
    hubspot()
      .post('/conversations/custom-channels/2026-09/ch1/messages')
      .reply(403, fakeError({ message: 'Forbidden', category: 'FORBIDDEN' }))
    props.fake.failNext = { method: 'deleteConversation', error: new InternalError('Botpress is briefly unavailable') }
    const err = await run(props, { userId: user.id, messageHistory: [] }).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(/publish the message to the HubSpot inbox \[403 FORBIDDEN\]/)
    expect((err as Error).message).not.toContain('Botpress is briefly unavailable')
    const [leftover] = [...props.fake.conversations.keys()]
    expect(leftover).toBeDefined()
    expect(props.lines).toEqual([
      {
        level: 'warn',
        message: expect.stringMatching(new RegExp(`^Could not remove the unused HITL conversation ${leftover}: .*Botpress is briefly unavailable`)),
      },
    ])
  })

  it('reports a Botpress failure reading the user as that failure (not "does not exist"), and creates nothing', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    props.fake.failNext = { method: 'getUser', error: new InternalError('database unavailable') }
    const err = await run(props, { userId: user.id, messageHistory: [] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(sdk.RuntimeError)
    expect((err as Error).message).toBe(
      `startHitl: Botpress could not return user ${user.id} (database unavailable); nothing was sent to HubSpot, try the escalation again.`
    )
    expect(props.fake.conversations.size).toBe(0)
  })

  it('quotes that Botpress failure without any credential it may carry', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    const token = 'CNbXoc-access-token-quoted-by-botpress'
    props.fake.failNext = {
      method: 'getUser',
      error: new InternalError(`upstream said Authorization: Bearer ${token}, refresh_token=${SECRETS.refreshToken}`),
    }
    const err = (await run(props, { userId: user.id, messageHistory: [] }).catch((e: unknown) => e)) as Error
    expect(err.message).toMatch(/^startHitl: Botpress could not return user .*\[REDACTED\].*try the escalation again\.$/)
    expect(err.message).not.toContain(token)
    expect(err.message).not.toContain(SECRETS.refreshToken)
  })

  it('tells the bot builder to reconnect a channel that HubSpot de-authorized or never connected, before any HubSpot call', async () => {
    const props = makeProps({ configuration: { additionalInboxIds: ['1002'] } })
    // 1001: the admin disconnected the channel in HubSpot; 1002: configured, but no channel account was ever made.
    seedSetup(props.fake, { ...SETUP, channelAccounts: { '1001': { ...SETUP.channelAccounts['1001'], authorized: false } } })
    const user = await seedEndUser(props.fake)
    const errorOf = (inboxId: string) => run(props, { userId: user.id, messageHistory: [], hitlSession: { inboxId } }).catch((e: unknown) => e)
    const reconnect = '(disconnected or removed there). Save the integration configuration again to reconnect it.'
    const deauthorized = await errorOf('1001')
    const neverConnected = await errorOf('1002')
    expect(deauthorized).toBeInstanceOf(sdk.RuntimeError)
    expect(neverConnected).toBeInstanceOf(sdk.RuntimeError)
    expect((deauthorized as Error).message).toBe(`startHitl: the channel is no longer authorized in HubSpot inbox 1001 ${reconnect}`)
    expect((neverConnected as Error).message).toBe(`startHitl: the channel is not connected in HubSpot inbox 1002 ${reconnect}`)
    expect(((await errorOf('3003')) as Error).message).toBe('startHitl: inbox 3003 is not configured; use one of 1001, 1002.')
    expect(props.fake.conversations.size).toBe(0)
  })

  it('retries a 503 with the same idempotency key', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    const keys: string[] = []
    nockTokenRefresh()
    hubspot()
      .post('/conversations/custom-channels/2026-09/ch1/messages', (b: Egg) => (keys.push(String(b.integrationIdempotencyId)), true))
      .reply(503, { status: 'error', message: 'unavailable', correlationId: 'c' })
    hubspot()
      .post('/conversations/custom-channels/2026-09/ch1/messages', (b: Egg) => (keys.push(String(b.integrationIdempotencyId)), true))
      .reply(201, publishedMessage('m-1'))
    await run(props, { userId: user.id, messageHistory: [] })
    expect(keys).toHaveLength(2)
    expect(keys[0]).toBe(keys[1])
  })

  it('fails clearly when the integration was never installed', async () => {
    const props = makeProps()
    const user = await seedEndUser(props.fake)
    await expect(run(props, { userId: user.id, messageHistory: [] })).rejects.toThrow(/not set up yet/)
  })
})
