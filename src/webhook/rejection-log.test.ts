import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { seedSetup } from '../../tests/helpers/hitl-fixtures'
import { makeProps, SECRETS } from '../../tests/helpers/props'
import { signedRequest } from '../../tests/helpers/sign'
import { agentReply, propertyChange as change } from '../../tests/helpers/webhook-events'
import { resetCaches } from '../cache'
import { handler } from './handler'
import { captureLogger } from '../../tests/helpers/props'
import { logRejection, REJECTION_LOG_WINDOW_MS } from './rejection-log'
import type * as bp from '.botpress'

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
})
afterEach(() => {
  vi.useRealTimers()
  nock.cleanAll()
})

const rejections = (lines: { level: string; message: string }[]) => lines.filter((l) => /Rejected/.test(l.message))

describe('rejected webhook requests: one warning per bot per minute, with a count', () => {
  it('the first rejection is logged at once; the rest of the minute is counted and reported, by reason, with the next one after the window', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2026-11-30T12:00:01Z'))
    const props = makeProps()
    seedSetup(props.fake)
    const send = (req: ReturnType<typeof signedRequest>) => handler({ ...props, req })
    const good = signedRequest([change(1, 'status', 'OPEN')])
    expect((await send({ ...good, body: good.body.replace('OPEN', 'CLOSED') }))?.status).toBe(401)
    expect(rejections(props.lines)).toEqual([{ level: 'warn', message: 'Rejected a webhook request: mismatch.' }])

    for (let i = 0; i < 1990; i++) expect((await send({ ...good, body: `${good.body} ` }))?.status).toBe(401)
    for (let i = 0; i < 9; i++) expect((await send(signedRequest([], { timestamp: Date.now() - 6 * 60_000 })))?.status).toBe(401)
    const v1Only = signedRequest(agentReply('m1'), { v1: true })
    delete v1Only.headers['x-hubspot-signature-v3']
    expect((await send(v1Only))?.status).toBe(401)
    expect(rejections(props.lines)).toHaveLength(1)

    vi.setSystemTime(Date.now() + REJECTION_LOG_WINDOW_MS)
    expect((await send(signedRequest([], { secret: 'wrong' })))?.status).toBe(401)
    expect(rejections(props.lines).map((l) => l.message)).toEqual([
      'Rejected a webhook request: mismatch.',
      'Rejected a webhook request: mismatch. Rejected 2000 more webhook request(s) since 12:00:01 UTC (mismatch: 1990, stale-timestamp: 9, custom-channel event signed v1, v3 required: 1).',
    ])
    const text = props.lines.map((l) => l.message).join('\n')
    expect(text).not.toContain(SECRETS.clientSecret)
    expect(text).not.toContain(good.headers['x-hubspot-signature-v3'])
  })

  it('counts per bot: another bot’s flood does not silence this bot’s first warning', async () => {
    const a = makeProps()
    const b = makeProps()
    seedSetup(a.fake)
    seedSetup(b.fake)
    const ctxB = { ...b.ctx, botId: 'bot_2' } as bp.Context
    for (let i = 0; i < 50; i++) await handler({ ...a, req: signedRequest([], { secret: 'wrong' }) })
    await handler({ ...b, ctx: ctxB, req: signedRequest([], { secret: 'wrong' }) })
    expect(rejections(a.lines)).toHaveLength(1)
    expect(rejections(b.lines)).toHaveLength(1)
  })

  it('an installation without setup state logs "integration not installed" the same way', async () => {
    const props = makeProps()
    for (let i = 0; i < 5; i++) expect((await handler({ ...props, req: signedRequest([]) }))?.status).toBe(401)
    expect(rejections(props.lines).map((l) => l.message)).toEqual(['Rejected a webhook request: integration not installed.'])
  })

  it('the count line lists reasons most frequent first, whatever came first; a quiet window adds no count', () => {
    const { logger, lines } = captureLogger()
    const t0 = Date.parse('2026-11-30T12:00:00Z')
    logRejection(logger, 'bot_9', 'mismatch', t0)
    logRejection(logger, 'bot_9', 'missing-signature', t0 + 1)
    for (let i = 0; i < 2; i++) logRejection(logger, 'bot_9', 'stale-timestamp', t0 + 2)
    for (let i = 0; i < 3; i++) logRejection(logger, 'bot_9', 'mismatch', t0 + 3)
    logRejection(logger, 'bot_9', 'mismatch', t0 + REJECTION_LOG_WINDOW_MS)
    logRejection(logger, 'bot_9', 'mismatch', t0 + 2 * REJECTION_LOG_WINDOW_MS)
    expect(lines).toEqual([
      { level: 'warn', message: 'Rejected a webhook request: mismatch.' },
      {
        level: 'warn',
        message:
          'Rejected a webhook request: mismatch. Rejected 6 more webhook request(s) since 12:00:00 UTC (mismatch: 3, stale-timestamp: 2, missing-signature: 1).',
      },
      { level: 'warn', message: 'Rejected a webhook request: mismatch.' },
    ])
  })
})
