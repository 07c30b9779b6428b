/**
 * Faults on the HubSpot side (the emulator, configured as `apiBaseUrl`): 429 storms, 5xx bursts,
 * timeouts, connection resets before and after processing, tokens expiring mid-conversation and
 * HubSpot unreachable. Every scenario ends with the suite's invariants (harness.assertInvariants).
 */
import * as sdk from '@botpress/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resetCaches } from '../../src/cache'
import { httpTuning } from '../../src/hubspot'
import { startMediaServer, type MediaServer } from '../helpers/media-server'
import {
  assertInstalledOnce,
  assertInvariants,
  assertNoHandlerFailures,
  assertRetryBudgets,
  closedPort,
  escalate,
  eventsOf,
  install,
  loopsFor,
  requestsTo,
  route,
  usePolicy,
  useWorld,
  waitFor,
  type World,
} from './harness'

const env = useWorld()

const publishLoops = () => loopsFor(env.inst, 'POST', '/messages')
const lastPublishLoop = () => publishLoops().at(-1)!
const publishRequests = (w: World) => requestsTo(w.emu, route.publish)

const rateLimitBody = (extra: Record<string, unknown> = {}) => ({
  status: 'error',
  message: 'You have reached your secondly limit.',
  errorType: 'RATE_LIMIT',
  correlationId: 'c-429',
  ...extra,
})

describe('429 storms', () => {
  it('TEN_SECONDLY_ROLLING without Retry-After: waits the window out twice, then delivers once', async () => {
    const { w, conversationId } = await env.ready()
    w.emu.faults.failNext(2, { status: 429, match: route.publish }) // HubSpot's TEN_SECONDLY_ROLLING body
    const before = publishRequests(w).length
    const s = await w.send(conversationId, 'msg_ts', 'Hello?')
    expect(s.ok).toBe(true)
    expect(lastPublishLoop().delays).toEqual([env.inst.policy.tenSecondlyWaitMs, env.inst.policy.tenSecondlyWaitMs])
    expect(
      publishRequests(w)
        .slice(before)
        .map((r) => r.status)
    ).toEqual([429, 429, 201])
    assertInvariants(w, env.inst, [conversationId])
  })

  it('an endless TEN_SECONDLY_ROLLING storm ends within the time budget with a clear RuntimeError, nothing published', async () => {
    const { w, conversationId } = await env.ready()
    w.emu.faults.failNext(100, { status: 429, match: route.publish })
    const before = publishRequests(w).length
    const s = await w.send(conversationId, 'msg_storm', 'Anyone?')
    expect(s.ok).toBe(false)
    expect(s.error).toBeInstanceOf(sdk.RuntimeError)
    expect((s.error as Error).message).toMatch(/HubSpot could not publish the message.*429.*rate limit/i)
    const loop = lastPublishLoop()
    // 10 s windows until the next one would cross the 30 s budget (the request time counts too).
    expect(loop.delays.length).toBeGreaterThanOrEqual(2)
    expect(loop.delays.every((d) => d === env.inst.policy.tenSecondlyWaitMs)).toBe(true)
    expect(publishRequests(w).length - before).toBe(loop.delays.length + 1)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('a Retry-After header is honoured (seconds), whatever the body says', async () => {
    const { w, conversationId } = await env.ready()
    w.emu.faults.failNext(2, { status: 429, headers: { 'Retry-After': '3' }, body: rateLimitBody(), match: route.publish })
    const s = await w.send(conversationId, 'msg_ra', 'Retry-After')
    expect(s.ok).toBe(true)
    expect(lastPublishLoop().delays).toEqual([3000, 3000])
    assertInvariants(w, env.inst, [conversationId])
  })

  it('a Retry-After longer than the budget gives up at once (no futile wait) with a clear error', async () => {
    const { w, conversationId } = await env.ready()
    w.emu.faults.failNext(1, { status: 429, headers: { 'Retry-After': '120' }, body: rateLimitBody(), match: route.publish })
    const s = await w.send(conversationId, 'msg_ra_long', 'later')
    expect(s.error).toBeInstanceOf(sdk.RuntimeError)
    expect(lastPublishLoop().delays).toEqual([])
    assertInvariants(w, env.inst, [conversationId])
  })

  it('429s without Retry-After or policy back off exponentially (with jitter) and deliver once', async () => {
    const { w, conversationId } = await env.ready()
    w.emu.faults.failNext(4, { status: 429, body: rateLimitBody(), match: route.publish })
    const s = await w.send(conversationId, 'msg_exp', 'backoff')
    expect(s.ok).toBe(true)
    const { baseDelayMs } = env.inst.policy
    const delays = lastPublishLoop().delays
    expect(delays).toHaveLength(4)
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(Math.floor(baseDelayMs * 2 ** i * 0.75))
      expect(d).toBeLessThanOrEqual(Math.ceil(baseDelayMs * 2 ** i * 1.25))
    })
    assertInvariants(w, env.inst, [conversationId])
  })

  it('a DAILY limit is not retried', async () => {
    const { w, conversationId } = await env.ready()
    w.emu.faults.failNext(1, { status: 429, body: rateLimitBody({ policyName: 'DAILY' }), match: route.publish })
    const s = await w.send(conversationId, 'msg_daily', 'daily')
    expect(s.error).toBeInstanceOf(sdk.RuntimeError)
    expect(lastPublishLoop().delays).toEqual([])
    assertInvariants(w, env.inst, [conversationId])
  })

  it('register rides out 429s on the OAuth refresh, the inbox check and the developer-key channel list', async () => {
    const world = await env.start()
    world.emu.faults.failNext(2, { status: 429, match: route.token })
    world.emu.faults.failNext(2, { status: 429, headers: { 'Retry-After': '1' }, body: rateLimitBody(), match: route.inbox })
    world.emu.faults.failNext(2, { status: 429, match: route.listChannels })
    await install(world)
    assertInstalledOnce(world)
    expect(loopsFor(env.inst, 'POST', '/oauth/2026-03/token')[0]?.delays).toHaveLength(2)
    expect(loopsFor(env.inst, 'GET', '/inboxes/')[0]?.delays).toEqual([1000, 1000])
    expect(loopsFor(env.inst, 'GET', '/custom-channels')[0]?.delays).toEqual([10_000, 10_000])
    assertInvariants(world, env.inst, [])
  })
})

describe('retry budgets', () => {
  const TIGHT = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 400, maxTotalMs: 1_000, tenSecondlyWaitMs: 10_000 }

  it('a tighter policy is honoured: a 10 s window does not fit a 1 s budget, backoff stays within it', async () => {
    const { w, conversationId } = await env.ready()
    usePolicy(env.inst, TIGHT)
    w.emu.faults.failNext(1, { status: 429, match: route.publish }) // TEN_SECONDLY_ROLLING
    const gaveUp = await w.send(conversationId, 'msg_tight_1', 'one')
    expect(gaveUp.error).toBeInstanceOf(sdk.RuntimeError)
    expect(lastPublishLoop().delays).toEqual([])
    w.emu.faults.failNext(100, { status: 502, match: route.publish })
    const exhausted = await w.send(conversationId, 'msg_tight_2', 'two')
    expect(exhausted.error).toBeInstanceOf(sdk.RuntimeError)
    const { delays } = lastPublishLoop()
    expect(delays.length).toBeGreaterThan(0)
    expect(delays.length).toBeLessThanOrEqual(TIGHT.maxRetries)
    w.emu.faults.clear()
    expect((await w.send(conversationId, 'msg_tight_3', 'three')).ok).toBe(true)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('the budget check itself fails on an overrun or too many retries (control)', () => {
    const loop = { operation: 'publish', method: 'POST', path: '/x', delays: [10_000, 10_000, 10_001] }
    expect(() => assertRetryBudgets({ ...env.inst, loops: [loop] })).toThrow(/slept 10000\+10000\+10001 ms/)
    const many = { ...loop, delays: Array<number>(env.inst.policy.maxRetries + 1).fill(1) }
    expect(() => assertRetryBudgets({ ...env.inst, loops: [many] })).toThrow()
    expect(() => assertRetryBudgets({ ...env.inst, loops: [], strayDelays: [5] })).toThrow(/outside any HubSpot request/)
  })
})

describe('5xx bursts', () => {
  it('a burst of 502/500/503 on a publish is retried (the key makes it safe) and delivered once', async () => {
    const { w, conversationId } = await env.ready()
    w.emu.faults.failNext(2, { status: 502, match: route.publish })
    w.emu.faults.failNext(1, { status: 500, match: route.publish })
    w.emu.faults.failNext(1, { status: 503, match: route.publish })
    const before = publishRequests(w).length
    const s = await w.send(conversationId, 'msg_5xx', 'through the storm')
    expect(s.ok).toBe(true)
    expect(
      publishRequests(w)
        .slice(before)
        .map((r) => r.status)
    ).toEqual([502, 502, 500, 503, 201])
    expect(lastPublishLoop().delays).toHaveLength(4)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('HubSpot down for good: gives up within the budget, after at most maxRetries retries, with a clear error', async () => {
    const { w, conversationId } = await env.ready()
    w.emu.faults.failNext(100, { status: 503, match: route.publish })
    const before = publishRequests(w).length
    const s = await w.send(conversationId, 'msg_down', 'hello?')
    expect(s.error).toBeInstanceOf(sdk.RuntimeError)
    expect((s.error as Error).message).toMatch(/\[503 INTERNAL_ERROR\].*HubSpot is unavailable/)
    expect(publishRequests(w).length - before).toBe(env.inst.policy.maxRetries + 1)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('a 5xx on a non-idempotent POST (channel account) is not resent; running register again connects it once', async () => {
    const world = await env.start()
    world.emu.faults.failNext(1, { status: 500, match: route.createAccount })
    await expect(world.register()).rejects.toThrow(/connect the channel to inbox 1001 \[500/)
    expect(requestsTo(world.emu, route.createAccount)).toHaveLength(1)
    await install(world)
    assertInstalledOnce(world)
    // Ours, so uninstalling deletes it (only states of earlier versions could say otherwise).
    expect(world.fake.setupState('int_1')).not.toMatchObject({ channelCreatedByUs: false })
    assertInvariants(world, env.inst, [])
  })

  it('5xx on agent-side calls (actor lookup, delivery receipt) never lose or duplicate an agent reply', async () => {
    const { w, conversationId, threadId } = await env.ready()
    w.emu.faults.failNext(100, { status: 500, match: route.actor })
    w.emu.faults.failNext(100, { status: 503, match: route.statusPatch })
    expect(await w.emu.agent.assign(threadId, { id: '555', name: 'Sam' })).toEqual([200])
    expect((await w.emu.agent.reply(threadId, { text: 'Hello from Sam' })).statuses).toEqual([200])
    w.emu.faults.clear()
    expect(eventsOf(w, conversationId, 'hitlAssigned')).toHaveLength(1)
    expect(w.lines.some((l) => l.level === 'warn' && /Could not report delivery status/.test(l.message))).toBe(true)
    assertNoHandlerFailures(w)
    assertInvariants(w, env.inst, [conversationId])
  })
})

describe('timeouts', () => {
  const TIMEOUT_MS = 150
  const LATE_MS = 450

  it('a publish answered after the client gave up is retried and still published once', async () => {
    const { w, conversationId } = await env.ready()
    httpTuning.timeoutMs = TIMEOUT_MS
    w.emu.faults.delayNext(1, LATE_MS, route.publish)
    const before = publishRequests(w).length
    const s = await w.send(conversationId, 'msg_slow', 'slow HubSpot')
    expect(s.ok).toBe(true)
    expect(lastPublishLoop().delays).toHaveLength(1)
    // The abandoned request still lands later (HubSpot processed it): it must find the key and create nothing.
    await waitFor(() => publishRequests(w).length - before === 2, 'the late publish to land')
    expect(
      publishRequests(w)
        .slice(before)
        .map((r) => r.status)
        .sort()
    ).toEqual([201, 201])
    assertInvariants(w, env.inst, [conversationId])
  })

  it('every attempt timing out ends with a clear error within the budget and at most one copy in HubSpot', async () => {
    const { w, conversationId } = await env.ready()
    httpTuning.timeoutMs = TIMEOUT_MS
    w.emu.faults.delayNext(env.inst.policy.maxRetries + 1, LATE_MS, route.publish)
    const before = publishRequests(w).length
    const s = await w.send(conversationId, 'msg_timeout', 'nobody answers')
    expect(s.error).toBeInstanceOf(sdk.RuntimeError)
    expect((s.error as Error).message).toMatch(/\[ETIMEDOUT\].*could not be reached/)
    expect(lastPublishLoop().delays).toHaveLength(env.inst.policy.maxRetries)
    await waitFor(() => publishRequests(w).length - before === env.inst.policy.maxRetries + 1, 'the late publishes to land')
    assertInvariants(w, env.inst, [conversationId])
  })

  it('a timed-out channel creation is not resent; the next register reuses the channel that HubSpot did create', async () => {
    const world = await env.start()
    httpTuning.timeoutMs = TIMEOUT_MS
    world.emu.faults.delayNext(1, LATE_MS, route.createChannel)
    await expect(world.register()).rejects.toThrow(/create the custom channel \[ETIMEDOUT\]/)
    expect(world.fake.setupState('int_1')).toBeUndefined()
    await waitFor(() => world.emu.state.channels.size === 1, 'the late channel creation to land')
    delete httpTuning.timeoutMs // the recovery runs with a normal timeout
    await install(world)
    assertInstalledOnce(world)
    assertInvariants(world, env.inst, [])
  })

  it('slow token refresh and inbox check during register are retried', async () => {
    const world = await env.start()
    httpTuning.timeoutMs = TIMEOUT_MS
    world.emu.faults.delayNext(1, LATE_MS, route.token)
    world.emu.faults.delayNext(1, LATE_MS, route.inbox)
    await install(world)
    assertInstalledOnce(world)
    // The abandoned requests land later (HubSpot answered them to nobody); then the invariants hold.
    await waitFor(
      () => requestsTo(world.emu, route.token).length === 2 && requestsTo(world.emu, route.inbox).length === 2,
      'the late requests to land'
    )
    assertInvariants(world, env.inst, [])
  })
})

describe('connection resets', () => {
  it('a reset before HubSpot processed the publish: retried, published once', async () => {
    const { w, conversationId } = await env.ready()
    w.emu.faults.resetConnectionNext(2, route.publish)
    const before = publishRequests(w).length
    const s = await w.send(conversationId, 'msg_reset', 'reset')
    expect(s.ok).toBe(true)
    expect(
      publishRequests(w)
        .slice(before)
        .map((r) => r.status)
    ).toEqual([0, 0, 201])
    assertInvariants(w, env.inst, [conversationId])
  })

  it('a reset AFTER HubSpot processed the publish (lost answer): the resend carries the same key, no duplicate', async () => {
    const { w, conversationId, threadId } = await env.ready()
    w.emu.faults.resetConnectionNext(1, route.publish, { afterProcessing: true })
    const before = publishRequests(w).length
    const s = await w.send(conversationId, 'msg_lost_answer', 'only once please')
    expect(s.ok).toBe(true)
    // First attempt created it (answer lost), the resend got the original back (201, the spec's status).
    expect(
      publishRequests(w)
        .slice(before)
        .map((r) => r.status)
    ).toEqual([0, 201])
    expect(w.emu.threadMessages(threadId).filter((m) => m.text === 'only once please')).toHaveLength(1)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('a lost answer on the startHitl publish opens one thread with one transcript', async () => {
    const world = await env.start()
    await install(world)
    world.emu.faults.resetConnectionNext(1, route.publish, { afterProcessing: true })
    const { conversationId, threadId } = await escalate(world)
    expect(world.emu.state.threads.size).toBe(1)
    expect(world.emu.threadMessages(threadId)).toHaveLength(1)
    const s = await world.send(conversationId, 'msg_after', 'after the lost answer')
    expect(s.ok).toBe(true)
    assertInvariants(world, env.inst, [conversationId])
  })

  it('resets on the OAuth refresh (before and after processing) are retried', async () => {
    const world = await env.start()
    world.emu.faults.resetConnectionNext(1, route.token)
    world.emu.faults.resetConnectionNext(1, route.token, { afterProcessing: true })
    await install(world)
    assertInstalledOnce(world)
    expect(requestsTo(world.emu, route.token).map((r) => r.status)).toEqual([0, 0, 200])
    assertInvariants(world, env.inst, [])
  })

  it('a lost answer on a non-idempotent POST (channel account) is not resent; register again finds the account', async () => {
    const world = await env.start()
    world.emu.faults.resetConnectionNext(1, route.createAccount, { afterProcessing: true })
    await expect(world.register()).rejects.toThrow(/connect the channel to inbox 1001 \[ECONNRESET\].*could not be reached/)
    await world.emu.settle()
    await install(world)
    assertInstalledOnce(world)
    assertInvariants(world, env.inst, [])
  })

  it('a lost answer on contact creation: createUser finds the contact it created instead of failing or duplicating', async () => {
    const world = await env.start()
    await install(world)
    world.emu.faults.resetConnectionNext(1, route.createContact, { afterProcessing: true })
    const { conversationId } = await escalate(world, 'Grace Hopper', 'grace@example.com')
    expect([...world.emu.state.contacts.values()].filter((c) => c.properties.email === 'grace@example.com')).toHaveLength(1)
    assertInvariants(world, env.inst, [conversationId])
  })

  it('resets on the delivery receipt of an agent reply do not duplicate the reply', async () => {
    const { w, conversationId, threadId } = await env.ready()
    w.emu.faults.resetConnectionNext(1, route.statusPatch, { afterProcessing: true })
    w.emu.faults.resetConnectionNext(1, route.statusPatch)
    const { messageId, statuses } = await w.emu.agent.reply(threadId, { text: 'receipt resets', agentId: '555' })
    expect(statuses).toEqual([200])
    expect(w.emu.state.messages.get(messageId)?.statusHistory.map((s) => s.statusType)).toContain('SENT')
    assertNoHandlerFailures(w)
    assertInvariants(w, env.inst, [conversationId])
  })
})

describe('access token expiring mid-conversation', () => {
  const refreshes = (w: World) => requestsTo(w.emu, route.token).filter((r) => r.status === 200).length

  it('the next publish gets a 401, refreshes once and is delivered once', async () => {
    const { w, conversationId } = await env.ready()
    expect((await w.send(conversationId, 'msg_before', 'before expiry')).ok).toBe(true)
    const before = refreshes(w)
    w.emu.faults.expireAccessTokens()
    const s = await w.send(conversationId, 'msg_after', 'after expiry')
    expect(s.ok).toBe(true)
    expect(refreshes(w) - before).toBe(1)
    expect(
      publishRequests(w)
        .slice(-2)
        .map((r) => r.status)
    ).toEqual([401, 201])
    assertInvariants(w, env.inst, [conversationId])
  })

  it('concurrent messages after expiry share one refresh and are each delivered once', async () => {
    const { w, conversationId } = await env.ready()
    await w.send(conversationId, 'msg_0', 'warm')
    const before = refreshes(w)
    w.emu.faults.expireAccessTokens()
    const sends = await Promise.all(Array.from({ length: 6 }, (_, i) => w.send(conversationId, `msg_c${i}`, `concurrent ${i}`)))
    expect(sends.every((s) => s.ok)).toBe(true)
    expect(refreshes(w) - before).toBe(1)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('another runtime instance loads the dead token from state, gets a 401 and refreshes once', async () => {
    const { w, conversationId } = await env.ready()
    w.emu.faults.expireAccessTokens()
    resetCaches() // a fresh process: only the (now dead) token in integration state
    const before = refreshes(w)
    expect((await w.send(conversationId, 'msg_other_instance', 'hi')).ok).toBe(true)
    expect(refreshes(w) - before).toBe(1)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('expiry between an assignment and the agent replies: every reply arrives once, the assignment once', async () => {
    const { w, conversationId, threadId } = await env.ready()
    expect(await w.emu.agent.assign(threadId, { id: '555', name: 'Sam' })).toEqual([200])
    w.emu.faults.expireAccessTokens()
    for (const text of ['one', 'two', 'three']) expect((await w.emu.agent.reply(threadId, { text })).statuses).toEqual([200])
    const sent = await w.send(conversationId, 'msg_answer', 'thanks')
    expect(sent.ok).toBe(true)
    expect(eventsOf(w, conversationId, 'hitlAssigned')).toHaveLength(1)
    // Receipts went through after one refresh: every reply is marked SENT by the integration.
    const patches = requestsTo(w.emu, route.statusPatch)
    expect(patches.filter((r) => r.status === 200)).toHaveLength(3)
    assertNoHandlerFailures(w)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('a revoked refresh token fails the message with a re-authorize RuntimeError; after re-authorizing it is delivered once', async () => {
    const { w, conversationId } = await env.ready()
    w.emu.faults.revokeRefreshToken()
    w.emu.faults.expireAccessTokens()
    const failed = await w.send(conversationId, 'msg_revoked', 'are you there?')
    expect(failed.error).toBeInstanceOf(sdk.RuntimeError)
    expect((failed.error as Error).message).toMatch(/HubSpot rejected the OAuth credentials.*Re-authorize/)
    w.emu.faults.clear() // the app is re-authorized
    const retried = await w.send(conversationId, 'msg_revoked', 'are you there?')
    expect(retried.ok).toBe(true)
    // The failed attempt is in `sent` too: it allowed at most one copy, the retry exactly one.
    assertInvariants(w, env.inst, [conversationId])
  })
})

describe('HubSpot unreachable', () => {
  it('register against a closed port fails with a clear RuntimeError and stores nothing', async () => {
    const port = await closedPort()
    const world = await env.start({ apiBaseUrl: `http://127.0.0.1:${port}` })
    const err = await world.register().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(sdk.RuntimeError)
    expect((err as Error).message).toMatch(/HubSpot could not .*\[ECONNREFUSED\].*HubSpot could not be reached/)
    expect(world.fake.states.size).toBe(0)
    expect(world.fake.calls).not.toContain('setState')
    // ECONNREFUSED means nothing was sent: retried with backoff, within the budget.
    const refresh = loopsFor(env.inst, 'POST', '/oauth/2026-03/token')
    expect(refresh).toHaveLength(1)
    expect(refresh[0]?.delays).toHaveLength(env.inst.policy.maxRetries)
    assertInvariants(world, env.inst, [])
  })

  it('HubSpot going away mid-conversation: the message fails with a clear RuntimeError and is not acked', async () => {
    const { w, conversationId } = await env.ready()
    expect((await w.send(conversationId, 'msg_up', 'still up')).ok).toBe(true)
    await w.emu.close()
    const s = await w.send(conversationId, 'msg_gone', 'gone')
    expect(s.error).toBeInstanceOf(sdk.RuntimeError)
    expect((s.error as Error).message).toMatch(/could not be reached/)
    expect(s.acks).toEqual([])
    assertInvariants(w, env.inst, [conversationId])
  })
})

describe('multi-part messages, media and session control under faults', () => {
  /** End-user media served on 127.0.0.1, as Botpress's file URLs would be. */
  let media: MediaServer
  let mediaBase = ''
  beforeAll(async () => {
    media = await startMediaServer(() => Buffer.from('png-bytes'))
    mediaBase = media.url
  })
  afterAll(() => media.close())

  const uploads = (w: World) => requestsTo(w.emu, (m, p) => m === 'POST' && p === '/files/2026-03/files')

  it('a bloc whose second part hits a 503 storm fails clearly; resent, every part is in HubSpot exactly once', async () => {
    const { w, conversationId } = await env.ready()
    const bloc = {
      type: 'bloc' as const,
      payload: {
        items: [
          { type: 'text', payload: { text: 'Part one' } },
          { type: 'image', payload: { imageUrl: `${mediaBase}/screen.png` } },
          { type: 'location', payload: { latitude: 45.5, longitude: -73.6, address: '1 Main St' } },
        ],
      },
    }
    let publishes = 0
    w.emu.faults.failNext(env.inst.policy.maxRetries + 1, { status: 503, match: (m, p) => route.publish(m, p) && ++publishes >= 2 })
    const failed = await w.send(conversationId, 'msg_bloc', bloc)
    expect(failed.error).toBeInstanceOf(sdk.RuntimeError)
    expect(w.emu.threadMessages(w.threadOf(conversationId)).filter((m) => m.integrationIdempotencyId?.startsWith('msg_bloc'))).toHaveLength(1)
    const retried = await w.send(conversationId, 'msg_bloc', bloc) // Botpress retries the message
    expect(retried.ok).toBe(true)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('an image whose upload fails (503, then a lost answer) is sent once as a link, never lost', async () => {
    const { w, conversationId } = await env.ready()
    w.emu.faults.failNext(1, { status: 503, match: (m, p) => m === 'POST' && p === '/files/2026-03/files' })
    const viaLink = await w.send(conversationId, 'msg_img_503', { type: 'image', payload: { imageUrl: `${mediaBase}/a.png` } })
    expect(viaLink.ok).toBe(true)
    w.emu.faults.resetConnectionNext(1, (m, p) => m === 'POST' && p === '/files/2026-03/files', { afterProcessing: true })
    const viaLink2 = await w.send(conversationId, 'msg_img_reset', { type: 'image', payload: { imageUrl: `${mediaBase}/b.png` } })
    expect(viaLink2.ok).toBe(true)
    const texts = w.emu.threadMessages(w.threadOf(conversationId)).filter((m) => m.integrationIdempotencyId?.startsWith('msg_img'))
    expect(texts.map((m) => [m.attachments.length, m.text.includes(mediaBase)])).toEqual([
      [0, true],
      [0, true],
    ])
    expect(uploads(w)).toHaveLength(2) // a non-idempotent upload is never resent
    assertInvariants(w, env.inst, [conversationId])
  })

  it('an image whose publish loses its answer is attached once, in one message', async () => {
    const { w, conversationId } = await env.ready()
    w.emu.faults.resetConnectionNext(1, route.publish, { afterProcessing: true })
    const s = await w.send(conversationId, 'msg_img', { type: 'image', payload: { imageUrl: `${mediaBase}/c.png` } })
    expect(s.ok).toBe(true)
    const [message] = w.emu.threadMessages(w.threadOf(conversationId)).filter((m) => m.integrationIdempotencyId === 'msg_img')
    expect(message?.attachments).toHaveLength(1)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('stopHitl during a 503 storm fails clearly and stops nothing: an agent close is still reported, once', async () => {
    const { w, conversationId, threadId } = await env.ready()
    w.emu.faults.failNext(100, { status: 503, match: route.threadPatch })
    await expect(w.stopHitl(conversationId)).rejects.toThrow(/close thread .*\[503/)
    expect(w.emu.state.threads.get(threadId)?.status).toBe('OPEN')
    w.emu.faults.clear()
    // The session is still on: the agent closing it in HubSpot must reach the bot.
    await w.emu.agent.close(threadId)
    expect(eventsOf(w, conversationId).map((e) => e.type)).toEqual(['hitlStopped'])
    await w.stopHitl(conversationId) // the bot retries its stop: harmless now
    await w.emu.redeliverLast()
    expect(eventsOf(w, conversationId).map((e) => e.type)).toEqual(['hitlStopped'])
    assertInvariants(w, env.inst, [conversationId])
  })

  it('stopHitl after a 503 burst closes the thread, and HubSpot’s close webhook is not reported back', async () => {
    const { w, conversationId, threadId } = await env.ready()
    w.emu.faults.failNext(2, { status: 503, match: route.threadPatch })
    await w.stopHitl(conversationId)
    expect(w.emu.state.threads.get(threadId)?.status).toBe('CLOSED')
    expect(loopsFor(env.inst, 'PATCH', '/threads/').at(-1)?.delays).toHaveLength(2)
    await w.emu.agent.close(threadId) // the webhook HubSpot sends for that close
    expect(eventsOf(w, conversationId)).toEqual([])
    assertInvariants(w, env.inst, [conversationId])
  })

  it('two inboxes: a lost answer on the second account creation, then register again: each inbox connected once', async () => {
    const world = await env.start({
      emulator: {
        inboxes: [
          { id: '1001', name: 'Support', type: 'INBOX' },
          { id: '1002', name: 'Sales', type: 'HELP_DESK' },
        ],
      },
      configuration: { additionalInboxIds: ['1002'] },
    })
    let creations = 0
    world.emu.faults.resetConnectionNext(1, (m, p) => route.createAccount(m, p) && ++creations === 2, { afterProcessing: true })
    await expect(world.register()).rejects.toThrow(/connect the channel to inbox 1002 \[ECONNRESET\]/)
    await world.emu.settle()
    await install(world)
    const accounts = [...world.emu.state.channelAccounts.values()]
    expect(accounts.map((a) => a.inboxId).sort()).toEqual(['1001', '1002'])
    expect(Object.keys((world.fake.setupState('int_1') as { channelAccounts: object }).channelAccounts).sort()).toEqual(['1001', '1002'])
    assertInvariants(world, env.inst, [])
  })
})
