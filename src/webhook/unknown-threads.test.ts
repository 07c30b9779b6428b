import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { seedEndUser, seedHitlConversation, seedSetup } from '../../tests/helpers/hitl-fixtures'
import { hubspot, nockTokenRefresh } from '../../tests/helpers/nock-hubspot'
import { makeProps } from '../../tests/helpers/props'
import { signedRequest } from '../../tests/helpers/sign'
import { agentReply, propertyChange as change } from '../../tests/helpers/webhook-events'
import { resetCaches } from '../cache'
import { rememberThread, UNKNOWN_THREAD_TTL_MS } from '../hitl/conversation-tags'
import { httpTuning } from '../hubspot'
import { handler } from './handler'
import { fakeChannelMessage } from '../../tests/helpers/hubspot-fakes'

const setup = async () => {
  const props = makeProps()
  seedSetup(props.fake)
  const user = await seedEndUser(props.fake)
  const deliver = async (body: unknown) => (await handler({ ...props, req: signedRequest(body) }))?.status
  const lookups = () => props.fake.calls.filter((c) => c === 'listConversations').length
  const stopped = () => props.fake.events.filter((e) => e.type === 'hitlStopped').length
  return { props, user, deliver, lookups, stopped }
}

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
})
afterEach(() => {
  vi.useRealTimers()
  nock.cleanAll()
})

describe('unknown threads: remembered briefly, trusted only by assignments', () => {
  it('a 1000-event batch of assignments for unknown threads costs 1000 lookups once, none when sent again', async () => {
    const { deliver, lookups } = await setup()
    const batch = Array.from({ length: 1000 }, (_, i) => change(i, 'assignedTo', i % 2 ? '' : '12', 500_000 + i))
    expect(await deliver(batch)).toBe(200)
    expect(lookups()).toBe(1000)
    expect(await deliver(batch)).toBe(200)
    expect(lookups()).toBe(1000)
  })

  it('within one batch the same unknown thread costs one lookup, whatever its events (close included)', async () => {
    const { deliver, lookups } = await setup()
    const events = [
      change(1, 'assignedTo', '12', 777),
      change(2, 'assignedTo', '', 777),
      change(3, 'status', 'CLOSED', 777),
      change(4, 'assignedTo', '13', 777),
    ]
    expect(await deliver(events)).toBe(200)
    expect(lookups()).toBe(1)
  })

  it('events that change nothing (reopened) cost no lookup, and do not spoil the trust of the assignments beside them', async () => {
    const { deliver, lookups } = await setup()
    expect(await deliver([change(1, 'status', 'OPEN', 778), change(2, 'status', 'OPEN', 779)])).toBe(200)
    expect(lookups()).toBe(0)
    expect(await deliver([change(3, 'assignedTo', '12', 777)])).toBe(200) // recorded as unknown
    expect(lookups()).toBe(1)
    expect(await deliver([change(4, 'status', 'OPEN', 777), change(5, 'assignedTo', '13', 777)])).toBe(200)
    expect(lookups()).toBe(1)
  })

  it('two deletions of one unknown thread in a batch cost one lookup', async () => {
    const { deliver, lookups } = await setup()
    const deletion = (id: number) => ({ ...change(id, 'isArchived', 'true', 780), subscriptionType: 'conversation.deletion' })
    expect(await deliver([deletion(1), change(2, 'isArchived', 'true', 780), deletion(3)])).toBe(200)
    expect(lookups()).toBe(1)
  })

  it('a close never trusts "unknown": another instance may have opened the thread since (its tag written after the first event)', async () => {
    const { props, user, deliver, lookups, stopped } = await setup()
    expect(await deliver([change(1, 'assignedTo', '', 9001)])).toBe(200) // recorded as unknown
    await seedHitlConversation(props.fake, user.id, '9001') // the other instance's startHitl writes its tags
    expect(await deliver([change(2, 'assignedTo', '', 9001)])).toBe(200) // trusted: no lookup
    expect(lookups()).toBe(1)
    expect(await deliver([change(3, 'status', 'CLOSED', 9001)])).toBe(200)
    expect(lookups()).toBe(2)
    expect(stopped()).toBe(1)
  })

  it('an archive (deletion) does not trust it either', async () => {
    const { props, user, deliver, stopped } = await setup()
    expect(await deliver([change(1, 'assignedTo', '', 9001)])).toBe(200)
    await seedHitlConversation(props.fake, user.id, '9001')
    expect(await deliver([{ ...change(2, 'isArchived', 'true', 9001), subscriptionType: 'conversation.deletion' }])).toBe(200)
    expect(stopped()).toBe(1)
  })

  it('an agent reply does not trust it: the reply is delivered', async () => {
    const { props, user, deliver } = await setup()
    expect(await deliver([change(1, 'assignedTo', '', 9001)])).toBe(200)
    await seedHitlConversation(props.fake, user.id, '9001')
    nockTokenRefresh()
    hubspot().get('/conversations/conversations/2026-09/actors/A-77').reply(200, { id: 'A-77', type: 'AGENT', name: 'Maya' })
    hubspot()
      .patch('/conversations/custom-channels/2026-09/ch1/messages/m1')
      .reply(200, fakeChannelMessage({ id: 'm1', direction: 'OUTGOING' }))
    expect(await deliver(agentReply('m1'))).toBe(200)
    expect([...props.fake.messages.values()].map((m) => m.payload)).toEqual([expect.objectContaining({ text: expect.stringContaining('Maya') })])
  })

  it('the entry expires after its TTL: an assignment then looks again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { props, user, deliver, lookups } = await setup()
    expect(await deliver([change(1, 'assignedTo', '', 9001)])).toBe(200)
    await seedHitlConversation(props.fake, user.id, '9001')
    vi.setSystemTime(Date.now() + UNKNOWN_THREAD_TTL_MS - 1)
    expect(await deliver([change(2, 'assignedTo', '', 9001)])).toBe(200)
    expect(lookups()).toBe(1)
    vi.setSystemTime(Date.now() + 1)
    expect(await deliver([change(3, 'assignedTo', '', 9001)])).toBe(200)
    expect(lookups()).toBe(2)
  })

  it('opening the thread in this process (startHitl → rememberThread) drops the entry at once', async () => {
    const { props, user, deliver, lookups } = await setup()
    expect(await deliver([change(1, 'assignedTo', '', 9001)])).toBe(200)
    const conversation = await seedHitlConversation(props.fake, user.id, '9001')
    rememberThread(props.ctx.botId, '9001', { conversationId: conversation.id, openedAt: Date.now() - 60_000 })
    nockTokenRefresh()
    hubspot().get('/conversations/conversations/2026-09/actors/A-12').reply(200, { id: 'A-12', type: 'AGENT', name: 'Sam' })
    expect(await deliver([change(2, 'assignedTo', '12', 9001)])).toBe(200)
    expect(lookups()).toBe(1)
    expect(props.fake.events.filter((e) => e.type === 'hitlAssigned')).toHaveLength(1)
  })

  it('a lookup that finds nothing while this process opens the thread records no "unknown" (later assignments are not lost)', async () => {
    const { props, user, deliver, lookups } = await setup()
    const conversation = await seedHitlConversation(props.fake, user.id, '9001')
    const list = props.fake.api.listConversations
    // startHitl publishes the thread, then tags the conversation: the lookup runs in between and
    // finds no tag, while startHitl (this process) remembers the thread before the lookup answers.
    props.fake.api.listConversations = async (input) => {
      props.fake.api.listConversations = list
      rememberThread(props.ctx.botId, '9001', { conversationId: conversation.id, openedAt: Date.now() - 60_000 })
      return { ...(await list(input)), conversations: [] }
    }
    expect(await deliver([change(1, 'assignedTo', '', 9001)])).toBe(200)
    expect(lookups()).toBe(1)
    nockTokenRefresh()
    hubspot().get('/conversations/conversations/2026-09/actors/A-12').reply(200, { id: 'A-12', type: 'AGENT', name: 'Sam' })
    expect(await deliver([change(2, 'assignedTo', '12', 9001)])).toBe(200)
    expect(props.fake.events.filter((e) => e.type === 'hitlAssigned')).toHaveLength(1)
  })

  it('a thread of this bot costs no more than before: found once, then from memory', async () => {
    const { props, user, deliver, lookups } = await setup()
    await seedHitlConversation(props.fake, user.id, '9001')
    expect(await deliver([change(1, 'assignedTo', '', 9001), change(2, 'status', 'OPEN', 9001)])).toBe(200)
    expect(await deliver([change(3, 'assignedTo', '', 9001)])).toBe(200)
    expect(lookups()).toBe(1)
  })
})
