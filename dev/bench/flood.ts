import { FOREIGN_THREAD_AFTER_MS, threadMemoryClock } from '../../src/hitl/conversation-tags'
import { baseConfig } from '../../tests/helpers/props'
import { createUser, install, startHarness, startHitl } from './harness'
import { msSince, round } from './stats'

const FOREIGN_THREADS = 100
const DELIVERIES = 3

export type FloodResult = {
  events: number
  threads: number
  /** Botpress conversation lookups (listConversations) each delivery made. */
  lookupsPerDelivery: number[]
  /** HubSpot requests each delivery made (emulator log). */
  hubspotPerDelivery: number[]
  msPerDelivery: number[]
  /** Our own thread's close, sent in the last delivery, ended its session. */
  ownThreadClosed: boolean
  target: { text: string; pass: boolean; measured: string }
}

let nextEventId = 50_000_000
const event = (threadId: number, fields: Record<string, unknown>) => ({
  eventId: nextEventId++,
  subscriptionId: 4_100_001,
  portalId: 12_345_678,
  appId: Number(baseConfig.appId),
  occurredAt: Date.now(),
  subscriptionType: 'conversation.propertyChange',
  attemptNumber: 0,
  objectId: threadId,
  changeSource: 'AGENT',
  ...fields,
})

/**
 * Part 5: HubSpot sends the app's webhooks for every thread of the portal. A batch of 200 events (an
 * assignment and a close on each of 100 threads the bot never opened) is delivered three times, each
 * a foreign-thread window after the previous one (the memory's clock is moved, not waited for); our
 * own thread's close rides in the last one. Target: at most 2 lookups per foreign thread in total.
 */
export const measureFlood = async (): Promise<FloodResult> => {
  const h = await startHarness()
  const clock = threadMemoryClock.now
  let now = 1_000_000
  threadMemoryClock.now = () => now
  try {
    await install(h)
    await h.hs.settle()
    const userId = await createUser(h, { name: 'Ada Lovelace', email: 'ada@example.com' })
    const own = await startHitl(h, { userId, title: 'Case', messageHistory: [] })
    const foreign = Array.from({ length: FOREIGN_THREADS }, (_, i) => 80_000_000 + i)
    const batch = foreign.flatMap((t) => [
      event(t, { propertyName: 'assignedTo', propertyValue: '201' }),
      event(t, { propertyName: 'status', propertyValue: 'CLOSED' }),
    ])
    const lookups = () => h.meter.fake.calls.filter((c) => c === 'listConversations').length
    const result: Pick<FloodResult, 'lookupsPerDelivery' | 'hubspotPerDelivery' | 'msPerDelivery'> = {
      lookupsPerDelivery: [],
      hubspotPerDelivery: [],
      msPerDelivery: [],
    }
    for (let d = 0; d < DELIVERIES; d++) {
      const ours = d === DELIVERIES - 1 ? [event(Number(own.threadId), { propertyName: 'status', propertyValue: 'CLOSED' })] : []
      const before = lookups()
      h.hs.resetRequestLog()
      const t = process.hrtime.bigint()
      const status = await h.hs.deliverRaw(h.webhookUrl, JSON.stringify([...batch, ...ours]))
      result.msPerDelivery.push(round(msSince(t), 1))
      if (status !== 200) throw new Error(`flood delivery ${d + 1} answered ${status}`)
      result.lookupsPerDelivery.push(lookups() - before)
      result.hubspotPerDelivery.push(h.hs.requests.length)
      now += FOREIGN_THREAD_AFTER_MS
    }
    const ownThreadClosed = h.meter.fake.events.some((e) => e.type === 'hitlStopped' && e.conversationId === own.conversationId)
    const total = result.lookupsPerDelivery.reduce((a, b) => a + b, 0)
    const hubspot = result.hubspotPerDelivery.reduce((a, b) => a + b, 0)
    const pass = total <= 2 * FOREIGN_THREADS && hubspot === 0 && ownThreadClosed
    return {
      events: batch.length,
      threads: FOREIGN_THREADS,
      ...result,
      ownThreadClosed,
      target: {
        text: `≤ ${2 * FOREIGN_THREADS} BP lookups in all (2 per thread), HS 0, our close applied`,
        measured: `BP lookups ${result.lookupsPerDelivery.join(' + ')} = ${total}, HS ${hubspot}, our close ${ownThreadClosed ? 'applied' : 'lost'}`,
        pass,
      },
    }
  } finally {
    threadMemoryClock.now = clock
    await h.close()
  }
}
