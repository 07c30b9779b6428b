/**
 * How HubSpot's thread events meet the HITL plugin's session: an assignment reported while the
 * plugin is still activating the session (point 6), an agent who replied before being assigned,
 * and replies after the session ended (point 7). Time is a fake clock in `activationTiming`: no
 * test sleeps for real.
 */
import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { activationTiming } from '../../hitl/activation'
import { rememberThread } from '../../hitl/conversation-tags'
import { httpTuning } from '../../hubspot'
import { channels } from '../../channels/hitl-channel'
import { publishedMessage, seedEndUser, seedHitlConversation, seedSetup } from '../../../tests/helpers/hitl-fixtures'
import { hubspot, nockTokenRefresh } from '../../../tests/helpers/nock-hubspot'
import { makeProps } from '../../../tests/helpers/props'
import { signedRequest } from '../../../tests/helpers/sign'
import { agentReply, propertyChange as change } from '../../../tests/helpers/webhook-events'
import { resetCaches } from '../../cache'
import { handler } from '../handler'
import { SESSION_ENDED_REASON, SESSION_STARTING_REASON } from './agent-replied'
import { fakeError, fakeThread, fakeChannelMessage } from '../../../tests/helpers/hubspot-fakes'

const GRACE = 2_000
/** When agentReply's messages were written (their createdAt). */
const REPLY_AT = Date.parse(agentReply('m0').message.createdAt)
const MAX_WAIT = 3_000
const saved = { ...activationTiming }
let clock = 0
let slept: number[] = []
let onSleep: (() => void) | undefined

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
  clock = 1_800_000_000_000
  slept = []
  onSleep = undefined
  Object.assign(activationTiming, {
    graceMs: GRACE,
    maxWaitMs: MAX_WAIT,
    pollMs: 50,
    now: () => clock,
    sleep: async (ms: number) => {
      slept.push(ms)
      clock += ms
      onSleep?.()
    },
  })
})
afterEach(() => {
  Object.assign(activationTiming, saved)
  nock.cleanAll()
})

/** A plain-text reply by `actor`, addressed to nobody in particular. */
const reply = (id: string, actor = 'A-77') =>
  agentReply(id, { createdBy: actor, senders: [{ actorId: actor, name: 'Maya Agent' }], recipients: [], text: `reply ${id}`, richText: undefined })

const nockActor = (id: string, name: string) =>
  hubspot().get(`/conversations/conversations/2026-09/actors/${id}`).reply(200, { id, type: 'AGENT', name })
const statusPatch = (messageId: string, check: (b: { statusType: string; errorMessage?: string }) => boolean) =>
  hubspot()
    .patch(`/conversations/custom-channels/2026-09/ch1/messages/${messageId}`, check)
    .reply(200, fakeChannelMessage({ id: messageId, direction: 'OUTGOING' }))

/** A reply that names no channel at all (both channel ids are optional in HubSpot's payload): there is nowhere to send a receipt. */
const withoutChannel = (body: ReturnType<typeof agentReply>) => {
  const { channelId: _top, ...rest } = body
  return { ...rest, message: { ...body.message, channelId: undefined } }
}
const receiptAttempts = (lines: { message: string }[]) => lines.filter((l) => l.message.startsWith('Could not report delivery status'))

/** An escalation whose startHitl returned `ageMs` ago (the `openedAt` tag startHitl writes). */
const setup = async (ageMs: number | 'opening') => {
  const props = makeProps()
  seedSetup(props.fake)
  const user = await seedEndUser(props.fake)
  const conversation = await seedHitlConversation(props.fake, user.id)
  if (ageMs === 'opening') {
    // startHitl published the thread on this instance and has not returned yet.
    rememberThread('bot_1', '9001', { conversationId: conversation.id, opening: true })
  } else {
    await props.client.updateConversation({ id: conversation.id, tags: { openedAt: String(clock - ageMs) } })
    conversation.tags.openedAt = String(clock - ageMs)
  }
  const deliver = (body: unknown) => handler({ ...props, req: signedRequest(body) })
  const hitlState = () => props.fake.states.get(`conversation:${conversation.id}:hitl`) as Record<string, string> | undefined
  const assigned = () => props.fake.events.filter((e) => e.type === 'hitlAssigned')
  /** The conversation as Botpress has it now: message props carry its current tags. */
  const current = () => props.fake.conversations.get(conversation.id)!
  const relay = (messageId: string) =>
    (channels.hitl.messages.text as (p: unknown) => Promise<void>)({
      ...props,
      type: 'text',
      payload: { text: `user says ${messageId}`, userId: user.id },
      conversation: current(),
      user: { id: 'bot_1', tags: {} },
      message: { id: messageId, tags: {} },
      ack: async () => {},
    })
  return { props, conversation, current, user, deliver, hitlState, assigned, relay }
}

describe('an assignment HubSpot reports while the HITL plugin activates the session', () => {
  it('the normal path (assigned long after startHitl returned) does not wait and costs what it did', async () => {
    const { deliver, assigned, props } = await setup(10 * 60_000)
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    props.fake.calls.length = 0
    expect((await deliver([change(1, 'assignedTo', '12')]))?.status).toBe(200)
    expect(slept).toEqual([])
    expect(assigned()).toHaveLength(1)
    // setup state (signature), the token's account (cold, configured refresh token: portal binding), thread lookup,
    // hitl state, token read + save (cold), agent user, event, hitl state; the tags came with the lookup.
    expect(props.fake.calls).toEqual([
      'getState',
      'getState',
      'listConversations',
      'getState',
      'getState',
      'setState',
      'getOrCreateUser',
      'createEvent',
      'setState',
    ])
  })

  it('an assignment within the activation grace waits until the grace has passed, then is announced once', async () => {
    const { deliver, assigned, conversation } = await setup(500)
    const openedAt = Number(conversation.tags.openedAt)
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    expect((await deliver([change(1, 'assignedTo', '12')]))?.status).toBe(200)
    const emittedAt = clock
    expect(assigned()).toHaveLength(1)
    expect(emittedAt).toBeGreaterThanOrEqual(openedAt + GRACE)
    expect(slept.reduce((a, b) => a + b, 0)).toBe(GRACE - 500)
    // Redelivered: nothing more.
    expect((await deliver([change(1, 'assignedTo', '12')]))?.status).toBe(200)
    expect(assigned()).toHaveLength(1)
  })

  it('an assignment before startHitl returned (same instance) waits for it, then for the grace, and is announced once', async () => {
    const { deliver, assigned, conversation, props } = await setup('opening')
    let returnedAt = 0
    onSleep = () => {
      // startHitl returns after 300 ms.
      if (!returnedAt && slept.reduce((a, b) => a + b, 0) >= 300) {
        returnedAt = clock
        rememberThread('bot_1', '9001', { conversationId: conversation.id, openedAt: clock })
      }
    }
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    expect((await deliver([change(1, 'assignedTo', '12')]))?.status).toBe(200)
    expect(returnedAt).toBeGreaterThan(0)
    expect(clock).toBeGreaterThanOrEqual(returnedAt + GRACE)
    expect(slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_WAIT)
    expect(assigned()).toHaveLength(1)
    expect(props.fake.calls).not.toContain('updateConversation')
  })

  it('when startHitl has still not returned after the bound, the assignment is held and the next relayed end-user message announces it, once', async () => {
    const { deliver, assigned, conversation, current, hitlState, relay, props } = await setup('opening')
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    expect((await deliver([change(1, 'assignedTo', '12')]))?.status).toBe(200)
    expect(slept.reduce((a, b) => a + b, 0)).toBe(MAX_WAIT)
    expect(assigned()).toHaveLength(0)
    expect(hitlState()).toMatchObject({ status: 'open', pendingAssigneeActorId: 'A-12' })
    expect(current().tags.assignmentPending).toBe('true')

    // The plugin relays end-user messages only once the session is active.
    rememberThread('bot_1', '9001', { conversationId: conversation.id, openedAt: clock })
    hubspot().post('/conversations/custom-channels/2026-09/ch1/messages').twice().reply(201, publishedMessage('hs-1'))
    await relay('msg_1')
    expect(assigned()).toHaveLength(1)
    const agentUserId = (assigned()[0]!.payload as { userId: string }).userId
    expect(props.fake.users.get(agentUserId)?.tags.hubspotActorId).toBe('A-12')
    // The held assignment's time (HubSpot's occurredAt) is kept when it is announced.
    expect(hitlState()).toEqual({ status: 'open', assigneeActorId: 'A-12', lastChangeAt: change(1, 'assignedTo', '12').occurredAt })
    expect(current().tags.assignmentPending).toBeUndefined()

    // The next relay reads nothing more (the tag is clear) and announces nothing.
    props.fake.calls.length = 0
    await relay('msg_2')
    expect(assigned()).toHaveLength(1)
    expect(props.fake.calls).toEqual([])
    // HubSpot redelivers the assignment: already announced.
    expect((await deliver([change(1, 'assignedTo', '12')]))?.status).toBe(200)
    expect(assigned()).toHaveLength(1)
  })

  it('a reply while the session is still not surely active (another instance, its opening time ahead of ours) is posted, but the held assignment stays held', async () => {
    const { deliver, assigned, conversation, hitlState, props } = await setup('opening')
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    await deliver([change(1, 'assignedTo', '12')])
    expect(hitlState()).toMatchObject({ pendingAssigneeActorId: 'A-12' })
    // Only the openedAt tag, from a clock ahead of ours by more than the wait bound: no "opening" flag to refuse on.
    rememberThread('bot_1', '9001', { conversationId: conversation.id, openedAt: clock + MAX_WAIT + GRACE })
    statusPatch('m1', (b) => b.statusType === 'SENT')
    expect((await deliver(reply('m1', 'A-12')))?.status).toBe(200)
    expect(props.fake.messages.size).toBe(1)
    expect(assigned()).toHaveLength(0)
    expect(hitlState()).toMatchObject({ pendingAssigneeActorId: 'A-12' })
  })

  it('a held assignment is announced by the next agent reply once the session is active, before the reply is posted', async () => {
    const { deliver, assigned, conversation, current, hitlState, props } = await setup('opening')
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    await deliver([change(1, 'assignedTo', '12')])
    expect(hitlState()).toMatchObject({ pendingAssigneeActorId: 'A-12' })
    rememberThread('bot_1', '9001', { conversationId: conversation.id, openedAt: clock - GRACE })
    statusPatch('m1', (b) => b.statusType === 'SENT')
    props.fake.calls.length = 0
    expect((await deliver(reply('m1', 'A-12')))?.status).toBe(200)
    expect(assigned()).toHaveLength(1)
    expect(props.fake.calls.indexOf('createEvent')).toBeLessThan(props.fake.calls.indexOf('getOrCreateMessage'))
    expect(hitlState()).toEqual({ status: 'open', assigneeActorId: 'A-12', lastChangeAt: change(1, 'assignedTo', '12').occurredAt })
    expect(current().tags.assignmentPending).toBeUndefined()
  })

  it('an unassignment drops a held assignment', async () => {
    const { deliver, assigned, hitlState } = await setup('opening')
    nockTokenRefresh()
    nockActor('A-12', 'Sam')
    await deliver([change(1, 'assignedTo', '12')])
    await deliver([change(2, 'assignedTo', '')])
    expect(hitlState()).toEqual({ status: 'open', lastChangeAt: change(2, 'assignedTo', '').occurredAt })
    expect(assigned()).toHaveLength(0)
  })
})

describe('an agent who replies before being assigned', () => {
  it("is recorded as the assignee (the plugin assigns the author itself): the same agent's assignment is not announced again, another agent's is", async () => {
    const { deliver, assigned, hitlState, props } = await setup(10 * 60_000)
    nockTokenRefresh()
    nockActor('A-77', 'Maya')
    nockActor('A-78', 'Kim')
    statusPatch('m1', (b) => b.statusType === 'SENT')
    expect((await deliver(reply('m1')))?.status).toBe(200)
    expect(props.fake.messages.size).toBe(1)
    expect(hitlState()).toEqual({ status: 'open', assigneeActorId: 'A-77' })
    expect((await deliver([change(1, 'assignedTo', '77')]))?.status).toBe(200)
    expect(assigned()).toHaveLength(0)
    expect((await deliver([{ ...change(2, 'assignedTo', '78'), occurredAt: REPLY_AT + 60_000 }]))?.status).toBe(200)
    expect(assigned()).toHaveLength(1)
  })

  it('a reply without a sender is posted (as an unknown agent) and records no assignee: the first assignment is still announced', async () => {
    const { deliver, assigned, hitlState, props } = await setup(10 * 60_000)
    nockTokenRefresh()
    nockActor('A-77', 'Maya')
    const sent = statusPatch('m1', (b) => b.statusType === 'SENT')
    expect((await deliver(agentReply('m1', { senders: undefined })))?.status).toBe(200)
    expect([...props.fake.messages.values()].map((m) => m.payload)).toEqual([{ text: 'Hi, I am **Maya**' }])
    expect(sent.isDone()).toBe(true)
    expect(hitlState()?.assigneeActorId).toBeUndefined()
    expect((await deliver([change(1, 'assignedTo', '77')]))?.status).toBe(200)
    expect(assigned()).toHaveLength(1)
  })

  it('a reply while startHitl has still not returned after the bound is not posted (the plugin would drop it): FAILED, send again', async () => {
    const { deliver, props, hitlState } = await setup('opening')
    nockTokenRefresh()
    const failed = statusPatch('m1', (b) => b.statusType === 'FAILED' && b.errorMessage === SESSION_STARTING_REASON)
    expect((await deliver(reply('m1')))?.status).toBe(200)
    expect(slept.reduce((a, b) => a + b, 0)).toBe(MAX_WAIT)
    expect(failed.isDone()).toBe(true)
    expect(props.fake.messages.size).toBe(0)
    expect(hitlState()).toBeUndefined()
    expect(nock.pendingMocks()).toEqual([])
  })

  it('a reply within the activation grace waits for the plugin, like an assignment', async () => {
    const { deliver, hitlState } = await setup(100)
    nockTokenRefresh()
    nockActor('A-77', 'Maya')
    statusPatch('m1', (b) => b.statusType === 'SENT')
    await deliver(reply('m1'))
    expect(slept.reduce((a, b) => a + b, 0)).toBe(GRACE - 100)
    expect(hitlState()).toEqual({ status: 'open', assigneeActorId: 'A-77' })
  })
})

describe('a reply after the session ended', () => {
  const ended = async () => {
    const s = await setup(10 * 60_000)
    s.props.fake.states.set(`conversation:${s.conversation.id}:hitl`, { status: 'stopped' })
    return s
  }

  it('is not posted in Botpress; HubSpot shows it FAILED with a reason the agent understands, and the thread is closed again', async () => {
    const { deliver, props } = await ended()
    nockTokenRefresh()
    const failed = statusPatch('m9', (b) => b.statusType === 'FAILED' && b.errorMessage === SESSION_ENDED_REASON)
    const close = hubspot()
      .patch('/conversations/conversations/2026-09/threads/9001', { status: 'CLOSED' })
      .reply(200, fakeThread({ id: '9001', status: 'CLOSED' }))
    expect((await deliver(reply('m9')))?.status).toBe(200)
    expect(failed.isDone()).toBe(true)
    expect(close.isDone()).toBe(true)
    expect(props.fake.messages.size).toBe(0)
    expect(props.fake.events).toHaveLength(0)
    expect(SESSION_ENDED_REASON).toMatch(/^Not delivered: .*session .*ended.*will not see this reply/)

    // Redelivered: the same two idempotent writes, still nothing posted.
    statusPatch('m9', (b) => b.statusType === 'FAILED')
    hubspot()
      .patch('/conversations/conversations/2026-09/threads/9001')
      .reply(200, fakeThread({ id: '9001', status: 'CLOSED' }))
    expect((await deliver(reply('m9')))?.status).toBe(200)
    expect(props.fake.messages.size).toBe(0)
    expect(nock.pendingMocks()).toEqual([])
  })

  it('a thread that cannot be closed again is logged, and the webhook still succeeds', async () => {
    const { deliver, props } = await ended()
    nockTokenRefresh()
    statusPatch('m9', (b) => b.statusType === 'FAILED')
    hubspot()
      .patch('/conversations/conversations/2026-09/threads/9001')
      .reply(403, fakeError({ message: 'no', category: 'MISSING_SCOPES' }))
    expect((await deliver(reply('m9')))?.status).toBe(200)
    expect(props.lines.some((l) => l.level === 'warn' && /Could not close HubSpot thread 9001/.test(l.message))).toBe(true)
  })

  it('a reply delivered before the session ended and redelivered after it stays as it was: no FAILED receipt, no close', async () => {
    const { deliver, props, conversation } = await setup(10 * 60_000)
    nockTokenRefresh()
    nockActor('A-77', 'Maya')
    statusPatch('m1', (b) => b.statusType === 'SENT')
    await deliver(reply('m1'))
    props.fake.states.set(`conversation:${conversation.id}:hitl`, { status: 'stopped' })
    // Both would only be warned about if they failed, so they are offered and must stay unused.
    const failed = statusPatch('m1', (b) => b.statusType === 'FAILED')
    const close = hubspot()
      .patch('/conversations/conversations/2026-09/threads/9001')
      .reply(200, fakeThread({ id: '9001', status: 'CLOSED' }))
    expect((await deliver(reply('m1')))?.status).toBe(200)
    expect(failed.isDone() || close.isDone()).toBe(false)
    expect(props.fake.messages.size).toBe(1)
  })

  it('a new reply after the end is refused even when earlier replies of the session were posted', async () => {
    const { deliver, props, conversation } = await setup(10 * 60_000)
    nockTokenRefresh()
    nockActor('A-77', 'Maya')
    statusPatch('m1', (b) => b.statusType === 'SENT')
    await deliver(reply('m1'))
    props.fake.states.set(`conversation:${conversation.id}:hitl`, { status: 'stopped' })
    const failed = statusPatch('m2', (b) => b.statusType === 'FAILED' && b.errorMessage === SESSION_ENDED_REASON)
    const close = hubspot()
      .patch('/conversations/conversations/2026-09/threads/9001')
      .reply(200, fakeThread({ id: '9001', status: 'CLOSED' }))
    expect((await deliver(reply('m2')))?.status).toBe(200)
    expect(failed.isDone() && close.isDone()).toBe(true)
    expect(props.fake.messages.size).toBe(1)
  })

  it('a reply naming no channel: no receipt is attempted (there is nowhere to send it), the thread is still closed', async () => {
    const { deliver, props } = await ended()
    nockTokenRefresh()
    const close = hubspot()
      .patch('/conversations/conversations/2026-09/threads/9001')
      .reply(200, fakeThread({ id: '9001', status: 'CLOSED' }))
    expect((await deliver(withoutChannel(reply('m9'))))?.status).toBe(200)
    expect(close.isDone()).toBe(true)
    expect(receiptAttempts(props.lines)).toEqual([])
    expect(props.fake.messages.size).toBe(0)
  })
})

describe('replies naming no channel', () => {
  it('delivered: posted, no receipt attempted', async () => {
    const { deliver, props } = await setup(10 * 60_000)
    nockTokenRefresh()
    nockActor('A-77', 'Maya')
    expect((await deliver(withoutChannel(reply('m1'))))?.status).toBe(200)
    expect(props.fake.messages.size).toBe(1)
    expect(receiptAttempts(props.lines)).toEqual([])
  })

  it('while startHitl has not returned: not posted, no receipt attempted', async () => {
    const { deliver, props } = await setup('opening')
    nockTokenRefresh()
    expect((await deliver(withoutChannel(reply('m1'))))?.status).toBe(200)
    expect(props.fake.messages.size).toBe(0)
    expect(receiptAttempts(props.lines)).toEqual([])
  })

  it('Botpress failing: 500 (redelivered), no receipt attempted', async () => {
    const { deliver, props } = await setup(10 * 60_000)
    nockTokenRefresh()
    nockActor('A-77', 'Maya')
    props.fake.failNext = { method: 'getOrCreateMessage', error: new Error('botpress down') }
    expect((await deliver(withoutChannel(reply('m1'))))?.status).toBe(500)
    expect(receiptAttempts(props.lines)).toEqual([])
  })
})
