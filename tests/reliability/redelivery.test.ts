/**
 * HubSpot redelivers a webhook it thinks failed (and sometimes one that did not): every webhook
 * here is delivered three times, in a row or at once, with and without a failure in between.
 */
import { DEFAULT_PORTAL_ID } from '../../dev/hubspot-emulator/core'
import { describe, expect, it } from 'vitest'
import { assertInvariants, assertNoHandlerFailures, escalate, eventsOf, requestsTo, route, useWorld } from './harness'

const env = useWorld()

describe('a webhook delivered 3 times', () => {
  it('an agent reply delivered 3 times in a row is one Botpress message, each delivery answered 200', async () => {
    const { w, conversationId, threadId } = await env.ready()
    const { messageId, statuses } = await w.emu.agent.reply(threadId, { text: 'Only once', agentId: '555' })
    expect(statuses).toEqual([200])
    expect(await w.emu.redeliverLast()).toBe(200)
    expect(await w.emu.redeliverLast()).toBe(200)
    expect(w.bridge.deliveries.filter((d) => d.body.includes(messageId))).toHaveLength(3)
    expect(w.fake.messages.size).toBe(1)
    assertNoHandlerFailures(w)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('an agent reply delivered 3 times at once is still one Botpress message', async () => {
    const { w, conversationId, threadId } = await env.ready()
    await w.emu.agent.reply(threadId, { text: 'warm-up', agentId: '555' }) // agent user known
    const { messageId } = await w.emu.agent.reply(threadId, { text: 'At once', agentId: '555' })
    expect(await Promise.all([w.emu.redeliverLast(), w.emu.redeliverLast(), w.emu.redeliverLast()])).toEqual([200, 200, 200])
    expect([...w.fake.messages.values()].filter((m) => m.tags.hubspotMessageId === messageId)).toHaveLength(1)
    assertNoHandlerFailures(w)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('an assignment and a close delivered 3 times each: one hitlAssigned, one hitlStopped', async () => {
    const { w, conversationId, threadId } = await env.ready()
    await w.emu.agent.assign(threadId, { id: '555', name: 'Sam' })
    await w.emu.redeliverLast()
    await w.emu.redeliverLast()
    await w.emu.agent.reply(threadId, { text: 'Closing now' })
    await w.emu.agent.close(threadId)
    await w.emu.redeliverLast()
    await w.emu.redeliverLast()
    expect(eventsOf(w, conversationId).map((e) => e.type)).toEqual(['hitlAssigned', 'hitlStopped'])
    assertNoHandlerFailures(w)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('a reply whose first delivery fails on the Botpress side: 500, FAILED receipt, then two redeliveries make it exactly once', async () => {
    const { w, conversationId, threadId } = await env.ready()
    w.fake.failNext = { method: 'getOrCreateMessage', error: new Error('Botpress is briefly unavailable') }
    const { messageId, statuses } = await w.emu.agent.reply(threadId, { text: 'Persistent', agentId: '555' })
    expect(statuses).toEqual([500])
    expect(w.fake.messages.size).toBe(0)
    expect(await w.emu.redeliverLast()).toBe(200)
    expect(await w.emu.redeliverLast()).toBe(200)
    expect(w.emu.state.messages.get(messageId)?.statusHistory.map((s) => s.statusType)).toEqual(['SENT', 'FAILED', 'SENT', 'SENT'])
    expect(w.lines.some((l) => l.level === 'error' && /HubSpot will redeliver it: Botpress is briefly unavailable/.test(l.message))).toBe(true)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('channel-account events delivered 3 times leave one connected account in the setup state', async () => {
    const { w, conversationId } = await env.ready()
    const accountId = [...w.emu.state.channelAccounts.keys()][0]!
    const setStates = () => w.fake.calls.filter((c) => c === 'setState').length
    const before = setStates()
    // A de-authorization delivered 3 times is recorded once; startHitl then refuses the inbox. It names the
    // emulator's portal: an event of any other portal is ignored (portal binding, issue 17 point 4).
    const body = JSON.stringify({
      type: 'CHANNEL_ACCOUNT_UPDATED',
      portalId: String(DEFAULT_PORTAL_ID),
      channelId: [...w.emu.state.channels.keys()][0],
      channelAccountId: accountId,
      authorized: false,
    })
    for (let i = 0; i < 3; i++) expect(await w.emu.deliverRaw(w.props.webhookUrl, body)).toBe(200)
    expect(setStates() - before).toBe(1)
    expect(w.fake.setupState('int_1')).toMatchObject({ channelAccounts: { '1001': { id: accountId, authorized: false } } })
    await expect(escalate(w, 'Late Visitor', 'late@example.com')).rejects.toThrow(/no longer authorized/)
    expect(requestsTo(w.emu, route.publish)).toHaveLength(1) // only the first escalation's transcript
    assertInvariants(w, env.inst, [conversationId])
  })
})
