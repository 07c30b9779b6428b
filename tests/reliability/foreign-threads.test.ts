/**
 * HubSpot sends the app's webhooks for every thread of the portal: email, chat and ticket threads
 * the bot never opened. Each such thread may cost a Botpress lookup twice (once, then once more a
 * window later), never more, however often HubSpot sends or redelivers its events; our own thread's
 * events in the same batches keep working. The window is the real bound of our tag write
 * (src/hitl/conversation-tags.ts); the memory's clock is injected and moved by the window.
 */
import { describe, expect, it, vi } from 'vitest'
import { resetCaches } from '../../src/cache'
import { FOREIGN_THREAD_AFTER_MS, isForeignThread, threadMemoryClock } from '../../src/hitl/conversation-tags'
import { assertInvariants, assertNoHandlerFailures, eventsOf, useWorld, type World } from './harness'

const env = useWorld()

const FOREIGN_THREADS = 100
const EVENTS_PER_DELIVERY = 200

/** The portal and app ids HubSpot puts on this installation's events, read from a delivery of the emulator. */
const identityOf = (w: World): { portalId: number; appId: number } => {
  const batch = w.bridge.deliveries.map((d) => JSON.parse(d.body) as unknown).find(Array.isArray) as { portalId: number; appId: number }[] | undefined
  const first = batch?.[0]
  if (!first) throw new Error('no app-webhook delivery seen yet')
  return { portalId: first.portalId, appId: first.appId }
}

type AppEvent = Record<string, unknown>
let eventId = 90_000_000
const appEvent = (id: { portalId: number; appId: number }, threadId: number, fields: AppEvent): AppEvent => ({
  eventId: eventId++,
  subscriptionId: 1,
  portalId: id.portalId,
  appId: id.appId,
  occurredAt: Date.now(),
  subscriptionType: 'conversation.propertyChange',
  attemptNumber: 0,
  objectId: threadId,
  changeSource: 'AGENT',
  ...fields,
})

/** 200 events on 100 foreign threads: each an assignment then a close (or an archive). */
const foreignBatch = (id: { portalId: number; appId: number }): AppEvent[] =>
  Array.from({ length: FOREIGN_THREADS }, (_, i) => {
    const threadId = 70_000_000 + i
    return [
      appEvent(id, threadId, { propertyName: 'assignedTo', propertyValue: String(100 + (i % 7)) }),
      i % 10 === 0
        ? appEvent(id, threadId, { subscriptionType: 'conversation.deletion' })
        : appEvent(id, threadId, { propertyName: 'status', propertyValue: 'CLOSED' }),
    ]
  }).flat()

describe('foreign threads under a flood of app webhooks', () => {
  it('a 200-event batch of foreign threads delivered three times, a window apart, costs at most 2 lookups per thread; our thread keeps working', async () => {
    let now = 1_000_000
    vi.spyOn(threadMemoryClock, 'now').mockImplementation(() => now)
    const { w, conversationId, threadId } = await env.ready()
    const lookups = () => w.fake.calls.filter((c) => c === 'listConversations').length

    // Our thread first: assigned in HubSpot, found by one lookup, announced.
    expect(await w.emu.agent.assign(threadId, { id: '555', name: 'Sam' })).toEqual([200])
    expect(eventsOf(w, conversationId, 'hitlAssigned')).toHaveLength(1)
    const id = identityOf(w)
    const batch = foreignBatch(id)
    expect(batch).toHaveLength(EVENTS_PER_DELIVERY)

    const perDelivery: number[] = []
    const hubspotPerDelivery: number[] = []
    for (let delivery = 0; delivery < 3; delivery++) {
      const before = lookups()
      w.emu.resetRequestLog()
      // Our thread rides in the same batch: an agent reply in between, then our close in the last delivery.
      const ours = delivery === 2 ? [appEvent(id, Number(threadId), { propertyName: 'status', propertyValue: 'CLOSED' })] : []
      expect(await w.emu.deliverRaw(w.bridge.url, JSON.stringify([...batch, ...ours]))).toBe(200)
      perDelivery.push(lookups() - before)
      hubspotPerDelivery.push(w.emu.requests.length)
      if (delivery === 0) expect((await w.emu.agent.reply(threadId, { text: 'Still here', agentId: '555' })).statuses).toEqual([200])
      now += FOREIGN_THREAD_AFTER_MS
    }

    // One lookup per foreign thread in each of the first two deliveries (our thread is in memory), none in the third.
    expect(perDelivery).toEqual([FOREIGN_THREADS, FOREIGN_THREADS, 0])
    expect(perDelivery.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2 * FOREIGN_THREADS)
    for (let i = 0; i < FOREIGN_THREADS; i++) expect(isForeignThread('bot_1', String(70_000_000 + i))).toBe(true)
    // Foreign events never reach HubSpot; the last delivery's only HubSpot work is none (a close makes no HubSpot call).
    expect(hubspotPerDelivery).toEqual([0, 0, 0])

    // Our thread: assigned once, the reply delivered, the close in the third delivery ended the session; never marked.
    expect(eventsOf(w, conversationId).map((e) => e.type)).toEqual(['hitlAssigned', 'hitlStopped'])
    expect(isForeignThread('bot_1', threadId)).toBe(false)
    assertNoHandlerFailures(w)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('redeliveries inside the window do not mark a thread foreign: a thread whose tag lands late is still ours when it closes', async () => {
    let now = 1_000_000
    vi.spyOn(threadMemoryClock, 'now').mockImplementation(() => now)
    const { w, conversationId, threadId } = await env.ready()
    expect(await w.emu.agent.assign(threadId, { id: '555', name: 'Sam' })).toEqual([200])
    const id = identityOf(w)
    const conversation = w.fake.conversations.get(conversationId)
    if (!conversation) throw new Error('no conversation')
    // As seen by another instance, before startHitl's tag write there: the thread is not tagged yet.
    const { hubspotThreadId: _t, ...untagged } = conversation.tags
    conversation.tags = untagged
    resetCaches('threads')
    const close = () =>
      w.emu.deliverRaw(w.bridge.url, JSON.stringify([appEvent(id, Number(threadId), { propertyName: 'status', propertyValue: 'CLOSED' })]))
    expect(await close()).toBe(200)
    now += FOREIGN_THREAD_AFTER_MS - 1
    expect(await close()).toBe(200)
    expect(isForeignThread('bot_1', threadId)).toBe(false)
    conversation.tags = { ...untagged, hubspotThreadId: threadId } // the tag lands, within the bound
    now += 1
    expect(await close()).toBe(200)
    expect(eventsOf(w, conversationId).map((e) => e.type)).toEqual(['hitlAssigned', 'hitlStopped'])
    expect(isForeignThread('bot_1', threadId)).toBe(false)
    assertNoHandlerFailures(w)
  })
})
