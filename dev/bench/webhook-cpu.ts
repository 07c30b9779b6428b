import { resetCaches } from '../../src/cache'
import { verifyHubspotSignature } from '../../src/webhook/signature'
import { parseWebhookPayload } from '../../src/webhook/event-schemas'
import { FakeBotpress } from '../../tests/helpers/fake-botpress'
import { baseConfig, makeProps } from '../../tests/helpers/props'
import { signatureHeaders } from '../hubspot-emulator/signing'
import { integration } from './harness'
import { mean, median, percentile, round } from './stats'
import type * as bp from '.botpress'

export type CpuResult = {
  id: string
  label: string
  iterations: number
  bodyBytes: number
  medianUs: number
  p99Us: number
  meanUs: number
  /** Median of each step on its own (verify + parse paths only). */
  stepsMedianUs?: { verify: number; jsonParse: number; parseWebhookPayload: number }
}

const WEBHOOK_URL = 'http://127.0.0.1:3000/wh_123'
const ITERATIONS = 10_000
const WARMUP = 2_000

type Signed = { method: string; path: string; query: string; headers: Record<string, string>; body: string }

/** Signed the way the emulator signs (its own implementation, independent of src/webhook/signature.ts). */
const sign = (payload: unknown, withV1: boolean): Signed => {
  const body = JSON.stringify(payload)
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  for (const [k, v] of Object.entries(signatureHeaders(baseConfig.clientSecret, WEBHOOK_URL, body, Date.now(), withV1))) headers[k.toLowerCase()] = v
  return { method: 'POST', path: '/', query: '', headers, body }
}

const agentMessage = (i: number) => ({
  type: 'OUTGOING_CHANNEL_MESSAGE_CREATED',
  portalId: '12345678',
  channelId: '1000001',
  eventId: `3f2c8a1e-0000-4000-8000-${String(i).padStart(12, '0')}`,
  eventTimestamp: new Date(1_763_719_200_000 + i).toISOString(),
  channelIntegrationThreadIds: ['7d0c5b7e-1111-4222-8333-444455556666'],
  message: {
    id: `m${100_000 + i}`,
    type: 'MESSAGE',
    conversationsThreadId: String(9_000_000 + i),
    channelId: '1000001',
    channelAccountId: '2000001',
    createdAt: new Date(1_763_719_200_000 + i).toISOString(),
    createdBy: 'A-301',
    direction: 'OUTGOING',
    senders: [{ actorId: 'A-301', name: 'Agent 301' }],
    recipients: [{ actorId: 'V-501', deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'ada@example.com' } }],
    text: `Reply number ${i}: the second charge is a hold and will drop off in a few days.`,
    richText: `<p>Reply number ${i}: the second charge is a <b>hold</b> and will drop off in a few days.</p>`,
    attachments: [],
    status: { statusType: 'SENT' },
  },
})

const assignment = (i: number) => [
  {
    eventId: 5_000_000 + i,
    subscriptionId: 4_100_001,
    portalId: 12_345_678,
    appId: Number(baseConfig.appId),
    occurredAt: 1_763_719_200_000 + i,
    subscriptionType: 'conversation.propertyChange',
    attemptNumber: 0,
    objectId: 9_000_000 + i,
    propertyName: 'assignedTo',
    propertyValue: '301',
    changeSource: 'AGENT',
  },
]

const summarise = (id: string, label: string, samplesNs: number[], bodyBytes: number): CpuResult => {
  const us = samplesNs.map((ns) => ns / 1000)
  return {
    id,
    label,
    iterations: us.length,
    bodyBytes,
    medianUs: round(median(us), 1),
    p99Us: round(percentile(us, 99), 1),
    meanUs: round(mean(us), 1),
  }
}

/** verify + JSON.parse + parseWebhookPayload, exactly the steps the handler runs before acting. */
const measureVerifyParse = (id: string, label: string, requests: Signed[], expectKind: string): CpuResult => {
  const steps = { verify: [] as number[], jsonParse: [] as number[], parseWebhookPayload: [] as number[] }
  const total: number[] = []
  const once = (r: Signed, record: boolean): void => {
    const t0 = process.hrtime.bigint()
    const verdict = verifyHubspotSignature({
      method: r.method,
      url: WEBHOOK_URL,
      rawBody: r.body,
      headers: r.headers,
      clientSecret: baseConfig.clientSecret,
    })
    const t1 = process.hrtime.bigint()
    const json: unknown = JSON.parse(r.body)
    const t2 = process.hrtime.bigint()
    const payload = parseWebhookPayload(json)
    const t3 = process.hrtime.bigint()
    if (!verdict.ok) throw new Error(`${id}: signature rejected (${verdict.reason})`)
    if (payload.kind !== expectKind) throw new Error(`${id}: parsed as ${payload.kind}, expected ${expectKind}`)
    if (!record) return
    total.push(Number(t3 - t0))
    steps.verify.push(Number(t1 - t0))
    steps.jsonParse.push(Number(t2 - t1))
    steps.parseWebhookPayload.push(Number(t3 - t2))
  }
  for (let i = 0; i < WARMUP; i++) once(requests[i % requests.length] as Signed, false)
  for (const r of requests) once(r, true)
  const us = (ns: number[]) => round(median(ns) / 1000, 1)
  return {
    ...summarise(id, label, total, Buffer.byteLength(requests[0]?.body ?? '')),
    stepsMedianUs: { verify: us(steps.verify), jsonParse: us(steps.jsonParse), parseWebhookPayload: us(steps.parseWebhookPayload) },
  }
}

const silentLogger = (): bp.Logger => {
  const self: Record<string, unknown> = {}
  for (const k of ['info', 'warn', 'error', 'debug']) self[k] = () => {}
  for (const k of ['forBot', 'forBotOnly', 'withUserId', 'withConversationId', 'withMessageId', 'withVisibleToBotOwners', 'with'])
    self[k] = () => self
  return self as unknown as bp.Logger
}

/** The whole webhook handler (configuration read, public URL, verify, parse) on an event type it ignores. */
const measureHandlerIgnored = async (requests: Signed[]): Promise<CpuResult> => {
  const fake = new FakeBotpress()
  fake.states.set('integration:int_1:setup', { webhookUrl: WEBHOOK_URL, channelId: '1000001', channelCreatedByUs: true, channelAccounts: {} })
  const { ctx } = makeProps({ bp: fake })
  const logger = silentLogger()
  resetCaches('installations')
  const once = async (r: Signed) => {
    const res = await integration.webhook({ ctx, client: fake.client, logger, req: r })
    if (res?.status !== 200) throw new Error(`handler answered ${res?.status} to an ignored event: ${res?.body}`)
  }
  for (let i = 0; i < WARMUP; i++) await once(requests[i % requests.length] as Signed)
  const samples: number[] = []
  for (const r of requests) {
    const t = process.hrtime.bigint()
    await once(r)
    samples.push(Number(process.hrtime.bigint() - t))
  }
  return summarise('handlerIgnored', 'whole handler, ignored event type', samples, Buffer.byteLength(requests[0]?.body ?? ''))
}

/** Part 2: in-process cost per verified webhook event (10,000 distinct, pre-signed events each). */
export const measureWebhookCpu = async (): Promise<CpuResult[]> => {
  const range = Array.from({ length: ITERATIONS }, (_, i) => i)
  const messages = range.map((i) => sign(agentMessage(i), false))
  const batches = range.map((i) => sign(assignment(i), true))
  const ignored = range.map((i) => sign({ type: 'CHANNEL_SOMETHING_NEW', portalId: '12345678', channelId: '1000001', eventId: `e-${i}` }, false))
  return [
    measureVerifyParse('agentMessage', 'verify + parse: agent message (channel event)', messages, 'channel'),
    measureVerifyParse('assignmentBatch', 'verify + parse: 1-event propertyChange batch', batches, 'batch'),
    await measureHandlerIgnored(ignored),
  ]
}
