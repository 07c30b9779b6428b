/**
 * HubSpot does not promise delivery order. Webhooks are held at the bridge (unanswered, as a slow
 * network would) so later events overtake them; a property test then replays a real session's
 * webhooks in random orders with duplicates.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { startWebhookReceiver } from '../../dev/hubspot-emulator/test-receiver'
import { resetCaches } from '../../src/cache'
import { handler } from '../../src/webhook/handler'
import { FakeBotpress } from '../helpers/fake-botpress'
import { signedRequest } from '../helpers/sign'
import { assertInvariants, assertNoHandlerFailures, eventsOf, refusedAfterSessionEnded, sleepReal, useWorld, waitFor, type World } from './harness'

const env = useWorld()

const isAssignment = (body: string) => body.includes('"propertyName":"assignedTo"')
const isReplyWith = (text: string) => (body: string) =>
  body.includes('OUTGOING_CHANNEL_MESSAGE_CREATED') && body.includes(JSON.stringify(text).slice(1, -1))

const agentUsers = (w: World, actorId: string) => [...w.fake.users.values()].filter((u) => u.tags.hubspotActorId === actorId)

describe('agent reply before the assignment', () => {
  it.each([
    ['same runtime instance', false],
    ['another runtime instance (no in-memory agent cache)', true],
  ])(
    "the reply arrives once; the HITL plugin assigns its author, so the same agent's assignment announces nothing more (%s)",
    async (_, otherInstance) => {
      const { w, conversationId, threadId } = await env.ready()
      const held = w.bridge.hold(isAssignment)
      const assigned = w.emu.agent.assign(threadId, { id: '555', name: 'Sam Agent' })
      await waitFor(() => held.held() === 1, 'the assignment webhook to be held')
      const { statuses } = await w.emu.agent.reply(threadId, { text: 'Hi, Sam here', agentId: '555' })
      expect(statuses).toEqual([200])
      if (otherInstance) {
        resetCaches('agentUsers', 'threads')
      }
      held.release()
      expect(await assigned).toEqual([200])

      expect([...w.fake.messages.values()]).toHaveLength(1)
      expect(eventsOf(w, conversationId, 'hitlAssigned')).toHaveLength(0)
      expect(agentUsers(w, 'A-555')).toHaveLength(1)

      // A different agent taking over is still announced.
      await w.emu.agent.assign(threadId, { id: '556', name: 'Kim Agent' })
      const assignedEvents = eventsOf(w, conversationId, 'hitlAssigned')
      expect(assignedEvents).toHaveLength(1)
      expect(assignedEvents[0]?.payload).toEqual({ conversationId, userId: agentUsers(w, 'A-556')[0]?.id })
      assertNoHandlerFailures(w)
      assertInvariants(w, env.inst, [conversationId])
    }
  )

  it('replies from an agent who is never assigned still arrive, once each', async () => {
    const { w, conversationId, threadId } = await env.ready()
    for (const text of ['first', 'second']) await w.emu.agent.reply(threadId, { text, agentId: '777' })
    expect(eventsOf(w, conversationId, 'hitlAssigned')).toHaveLength(0)
    expect(agentUsers(w, 'A-777')).toHaveLength(1)
    assertNoHandlerFailures(w)
    assertInvariants(w, env.inst, [conversationId])
  })
})

describe('close before the last reply', () => {
  it('the last reply, overtaken by the close, is not posted: HubSpot shows it FAILED with why, the thread stays closed; hitlStopped once', async () => {
    const { w, conversationId, threadId } = await env.ready()
    await w.emu.agent.assign(threadId, { id: '555', name: 'Sam Agent' })
    await w.emu.agent.reply(threadId, { text: 'Let me check' })
    const held = w.bridge.hold(isReplyWith('All done, bye'))
    const last = w.emu.agent.reply(threadId, { text: 'All done, bye' })
    await waitFor(() => held.held() === 1, 'the last reply to be held')
    expect(await w.emu.agent.close(threadId)).toEqual([200])
    expect(eventsOf(w, conversationId, 'hitlStopped')).toHaveLength(1)
    held.release()
    const { statuses, messageId } = await last
    expect(statuses).toEqual([200])

    expect(eventsOf(w, conversationId).map((e) => e.type)).toEqual(['hitlAssigned', 'hitlStopped'])
    expect([...w.fake.messages.values()].map((m) => (m.payload as { text: string }).text)).toEqual(['Let me check'])
    expect(refusedAfterSessionEnded(w, messageId)).toBe(true)
    expect(w.emu.state.threads.get(threadId)?.status).toBe('CLOSED')
    // HubSpot sends the refused reply again: still nothing posted, still one hitlStopped.
    expect(await w.emu.redeliverLast()).toBe(200)
    expect([...w.fake.messages.values()]).toHaveLength(1)
    expect(eventsOf(w, conversationId, 'hitlStopped')).toHaveLength(1)
    assertNoHandlerFailures(w)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('an assignment overtaken by the close emits nothing after hitlStopped', async () => {
    const { w, conversationId, threadId } = await env.ready()
    const held = w.bridge.hold(isAssignment)
    const assigned = w.emu.agent.assign(threadId, { id: '555', name: 'Sam Agent' })
    await waitFor(() => held.held() === 1, 'the assignment to be held')
    await w.emu.agent.close(threadId)
    held.release()
    expect(await assigned).toEqual([200])
    expect(eventsOf(w, conversationId).map((e) => e.type)).toEqual(['hitlStopped'])
    assertInvariants(w, env.inst, [conversationId])
  })

  it('after the bot stops the session, HubSpot’s close webhook is not reported back, and a late reply is reported FAILED, not posted', async () => {
    const { w, conversationId, threadId } = await env.ready()
    const held = w.bridge.hold(isReplyWith('one more thing'))
    const late = w.emu.agent.reply(threadId, { text: 'one more thing', agentId: '555' })
    await waitFor(() => held.held() === 1, 'the reply to be held')
    await w.stopHitl(conversationId)
    expect(w.emu.state.threads.get(threadId)?.status).toBe('CLOSED')
    await w.emu.agent.close(threadId) // the webhook HubSpot sends for the close
    held.release()
    const { messageId } = await late
    expect(eventsOf(w, conversationId)).toEqual([])
    expect([...w.fake.messages.values()]).toHaveLength(0)
    expect(refusedAfterSessionEnded(w, messageId)).toBe(true)
    assertInvariants(w, env.inst, [conversationId])
  })
})

describe('stale assignments (HubSpot occurredAt)', () => {
  const isAssignmentOf = (agentId: string) => (body: string) => isAssignment(body) && body.includes(`"propertyValue":"${agentId}"`)
  const assignedAgents = (w: World, conversationId: string) =>
    eventsOf(w, conversationId, 'hitlAssigned').map((e) => w.fake.users.get((e.payload as { userId: string }).userId)?.tags.hubspotActorId)

  it('a captured assignment batch replayed after a newer assignment (its own signatures, then freshly signed) announces nobody again', async () => {
    const { w, conversationId, threadId } = await env.ready()
    await w.emu.agent.assign(threadId, { id: '555', name: 'Sam Agent' })
    const captured = w.emu.deliveries.find((d) => d.kind === 'app' && isAssignmentOf('555')(d.body))!
    await sleepReal(5) // HubSpot's occurredAt has millisecond resolution
    await w.emu.agent.assign(threadId, { id: '556', name: 'Kim Agent' })
    expect(assignedAgents(w, conversationId)).toEqual(['A-555', 'A-556'])

    // Within v3's 5-minute window its captured headers still verify (v1 has no timestamp at all).
    expect(await w.emu.deliverRaw(captured.target, captured.body, { sign: false, headers: captured.headers })).toBe(200)
    expect(await w.emu.deliverRaw(captured.target, captured.body)).toBe(200)
    expect(assignedAgents(w, conversationId)).toEqual(['A-555', 'A-556'])
    expect(w.fake.states.get(`conversation:${conversationId}:hitl`)).toMatchObject({ assigneeActorId: 'A-556' })
    assertNoHandlerFailures(w)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('an assignment overtaken by a newer one is not announced when it finally arrives', async () => {
    const { w, conversationId, threadId } = await env.ready()
    const held = w.bridge.hold(isAssignmentOf('555'))
    const older = w.emu.agent.assign(threadId, { id: '555', name: 'Sam Agent' })
    await waitFor(() => held.held() === 1, 'the older assignment to be held')
    await sleepReal(5)
    expect(await w.emu.agent.assign(threadId, { id: '556', name: 'Kim Agent' })).toEqual([200])
    held.release()
    expect(await older).toEqual([200])
    expect(assignedAgents(w, conversationId)).toEqual(['A-556'])
    assertNoHandlerFailures(w)
    assertInvariants(w, env.inst, [conversationId])
  })
})

describe('random delivery orders with duplicates (property)', () => {
  it('any order and any redelivery of a real session keeps every invariant', async () => {
    const { w, conversationId, threadId } = await env.ready()

    // Record a real session's webhooks at a side receiver instead of the integration.
    const receiver = await startWebhookReceiver('/capture')
    const channel = [...w.emu.state.channels.values()][0]!
    const realUrl = channel.webhookUrl
    channel.webhookUrl = receiver.url
    w.emu.setAppWebhookUrl(receiver.url)
    await w.emu.agent.assign(threadId, { id: '555', name: 'Sam Agent' })
    const replies: string[] = []
    for (const text of ['r1', 'r2', 'r3']) replies.push((await w.emu.agent.reply(threadId, { text })).messageId)
    await w.emu.agent.close(threadId)
    channel.webhookUrl = realUrl
    w.emu.setAppWebhookUrl(realUrl!)
    await receiver.close()
    const bodies = receiver.received.map((r) => r.body)
    expect(bodies).toHaveLength(5) // assign, r1, r2, r3, close
    const ASSIGN = 0
    const CLOSE = 4

    const setup = w.fake.setupState('int_1')
    const conversation = w.fake.conversations.get(conversationId)!
    const order = fc
      .array(fc.integer({ min: 1, max: 3 }), { minLength: bodies.length, maxLength: bodies.length })
      .map((counts) => counts.flatMap((c, i) => Array<number>(c).fill(i)))
      .chain((items) => fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }))

    let runs = 0
    await fc.assert(
      fc.asyncProperty(order, async (sequence) => {
        runs++
        // A fresh Botpress side for each order; HubSpot (the emulator) stays the same.
        const fake = new FakeBotpress()
        fake.states.set('integration:int_1:setup', setup)
        fake.conversations.set(conversation.id, { ...conversation, tags: { ...conversation.tags } })
        resetCaches()
        const props = { ctx: w.props.ctx, client: fake.client, logger: w.props.logger }
        for (const index of sequence) {
          const res = await handler({ ...props, req: signedRequest(bodies[index]!, { url: realUrl }) })
          expect(res?.status).toBe(200)
        }
        // A reply first delivered after the close is refused (FAILED in HubSpot), never posted;
        // one delivered before it is posted once, whatever redeliveries follow.
        const closedAt = sequence.indexOf(CLOSE)
        const postedBeforeClose = replies.filter((_, i) => sequence.indexOf(i + 1) < closedAt)
        for (const [i, id] of replies.entries()) {
          const copies = [...fake.messages.values()].filter((m) => m.tags.hubspotMessageId === id)
          expect(copies).toHaveLength(sequence.indexOf(i + 1) < closedAt ? 1 : 0)
          if (copies[0]) expect(fake.users.get(copies[0].userId)?.tags.hubspotActorId).toBe('A-555')
        }
        expect(fake.messages.size).toBe(postedBeforeClose.length)
        expect([...fake.users.values()].filter((u) => u.tags.hubspotActorId === 'A-555').length).toBeLessThanOrEqual(1)
        // The first reply before any assignment makes the plugin assign its author: the same
        // agent's assignment afterwards announces nothing more.
        const types = fake.events.map((e) => e.type)
        const firstReply = Math.min(...[1, 2, 3].map((i) => sequence.indexOf(i)).filter((at) => at < closedAt))
        const assignedFirst = sequence.indexOf(ASSIGN) < closedAt && sequence.indexOf(ASSIGN) < firstReply
        expect(types).toEqual(assignedFirst ? ['hitlAssigned', 'hitlStopped'] : ['hitlStopped'])
      }),
      { numRuns: 40 }
    )
    expect(runs).toBe(40)
    env.inst.watch.assertClean()
  })
})
