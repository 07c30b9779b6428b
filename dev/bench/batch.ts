import { BATCH_CONCURRENCY } from '../../src/webhook/handler'
import { baseConfig } from '../../tests/helpers/props'
import { createUser, install, startHarness, startHitl, type Harness } from './harness'
import { median, msSince, round } from './stats'

export const LATENCY_MS = 50
const BATCH_SIZE = 100
/** Known agents: CPU-bound and sub-millisecond, so JIT warm-up first, then interleaved rounds. */
const KNOWN_WARMUP_ROUNDS = 5
const KNOWN_ROUNDS = 9
/** New agents: latency-bound (each event waits on HubSpot), so few runs are stable. */
const NEW_SINGLE_RUNS = 5
const NEW_BATCH_RUNS = 2

export type BatchScenario = {
  id: string
  label: string
  /** HubSpot API requests per event the integration made (emulator log). */
  hubspotRequestsPerEvent: number
  botpressRequestsPerEvent: number
  singleMs: { median: number; samples: number[] }
  batchMs: { median: number; samples: number[] }
  ratio: number
  /** What processing the events one by one would cost: batchSize × single. */
  sequentialEstimateMs: number
  /** Best case with BATCH_CONCURRENCY lanes when each event waits on I/O: ceil(100 / lanes). */
  ratioFloorIfLatencyBound: number
  target?: { text: string; pass: boolean }
}
export type BatchResult = { latencyMs: number; concurrency: number; batchSize: number; scenarios: BatchScenario[] }

const assignment = (eventId: number, threadId: string, agentId: string) => ({
  eventId,
  subscriptionId: 4_100_001,
  portalId: 12_345_678,
  appId: Number(baseConfig.appId),
  occurredAt: Date.now(),
  subscriptionType: 'conversation.propertyChange',
  attemptNumber: 0,
  objectId: Number(threadId),
  propertyName: 'assignedTo',
  propertyValue: agentId,
  changeSource: 'AGENT',
})

let nextEventId = 1
type Delivery = { ms: number; hubspot: number; botpress: number; hitlAssigned: number }

/** One signed app-webhook delivery (v3 + v1, like HubSpot) through HTTP into the handler; wall time. */
const deliver = async (h: Harness, events: { threadId: string; agentId: string }[]): Promise<Delivery> => {
  const body = JSON.stringify(events.map((e) => assignment(nextEventId++, e.threadId, e.agentId)))
  h.hs.resetRequestLog()
  const mark = h.meter.mark()
  const assignedBefore = h.meter.fake.events.filter((e) => e.type === 'hitlAssigned').length
  const t = process.hrtime.bigint()
  const status = await h.hs.deliverRaw(h.webhookUrl, body)
  const ms = msSince(t)
  if (status !== 200) throw new Error(`batch of ${events.length} answered ${status} ${String(h.receiver.errors[h.receiver.errors.length - 1] ?? '')}`)
  const hitlAssigned = h.meter.fake.events.filter((e) => e.type === 'hitlAssigned').length - assignedBefore
  // Every event must have done its work, or the timing means nothing.
  if (hitlAssigned !== events.length) throw new Error(`expected ${events.length} hitlAssigned, got ${hitlAssigned}`)
  return { ms, hubspot: h.hs.requests.length, botpress: h.meter.mark() - mark, hitlAssigned }
}

const addAgent = (h: Harness, id: string) => h.hs.state.agents.set(id, { id, name: `Agent ${id}`, email: `agent.${id}@example.com` })

/** Part 3: a batch of 100 assignments on 100 threads vs one, with HubSpot answering in 50 ms. */
export const measureBatch = async (): Promise<BatchResult> => {
  const h = await startHarness({ latencyMs: LATENCY_MS })
  try {
    await install(h)
    await h.hs.settle()
    const userId = await createUser(h, { name: 'Ada Lovelace', email: 'ada@example.com' })
    // 1 warm-up thread, 1 for single events, 100 for the batch; opened side by side.
    const threads = await Promise.all(
      Array.from({ length: BATCH_SIZE + 2 }, (_, i) =>
        startHitl(h, { userId, title: `Case ${i}`, messageHistory: [{ source: { type: 'user', userId }, type: 'text', payload: { text: `Help ${i}` } }] }).then((t) => t.threadId)
      )
    )
    const [warmThread, singleThread, ...batchThreads] = threads as [string, string, ...string[]]

    // Known agents: looked up once (here), then served from memory.
    for (const id of ['201', '202']) addAgent(h, id)
    await deliver(h, [{ threadId: warmThread, agentId: '201' }])
    await deliver(h, [{ threadId: warmThread, agentId: '202' }])
    const knownAgent = (run: number) => (run % 2 ? '202' : '201')

    // Each round moves every thread to the other known agent, so every event does its full work.
    const known = { single: [] as Delivery[], batch: [] as Delivery[] }
    for (let r = 0; r < KNOWN_WARMUP_ROUNDS + KNOWN_ROUNDS; r++) {
      const batch = await deliver(h, batchThreads.map((threadId) => ({ threadId, agentId: knownAgent(r) })))
      const single = await deliver(h, [{ threadId: singleThread, agentId: knownAgent(r) }])
      if (r < KNOWN_WARMUP_ROUNDS) continue
      known.batch.push(batch)
      known.single.push(single)
    }

    // Agents never seen before: each assignment waits on one HubSpot actor lookup (50 ms).
    let agentSeq = 7000
    const freshAgent = () => {
      const id = String(agentSeq++)
      addAgent(h, id)
      return id
    }
    const unknown = { single: [] as Delivery[], batch: [] as Delivery[] }
    for (let r = 0; r < NEW_SINGLE_RUNS; r++) unknown.single.push(await deliver(h, [{ threadId: singleThread, agentId: freshAgent() }]))
    for (let r = 0; r < NEW_BATCH_RUNS; r++) unknown.batch.push(await deliver(h, batchThreads.map((threadId) => ({ threadId, agentId: freshAgent() }))))

    const floor = Math.ceil(BATCH_SIZE / BATCH_CONCURRENCY)
    const scenario = (id: string, label: string, runs: { single: Delivery[]; batch: Delivery[] }): BatchScenario => {
      const single = runs.single.map((d) => round(d.ms, 2))
      const batch = runs.batch.map((d) => round(d.ms, 2))
      const last = runs.batch[runs.batch.length - 1] as Delivery
      return {
        id,
        label,
        hubspotRequestsPerEvent: round(last.hubspot / BATCH_SIZE, 2),
        botpressRequestsPerEvent: round(last.botpress / BATCH_SIZE, 2),
        singleMs: { median: round(median(single), 2), samples: single },
        batchMs: { median: round(median(batch), 2), samples: batch },
        ratio: round(median(batch) / median(single), 2),
        sequentialEstimateMs: round(BATCH_SIZE * median(single), 1),
        ratioFloorIfLatencyBound: floor,
      }
    }
    const knownScenario = scenario('knownAgent', 'known agent: no HubSpot call, CPU-bound', known)
    knownScenario.target = { text: 'batch < 10× single', pass: knownScenario.ratio < 10 }
    const unknownScenario = scenario('newAgents', 'new agents: 1 actor lookup (50 ms) per event', unknown)
    return { latencyMs: LATENCY_MS, concurrency: BATCH_CONCURRENCY, batchSize: BATCH_SIZE, scenarios: [knownScenario, unknownScenario] }
  } finally {
    await h.close()
  }
}
