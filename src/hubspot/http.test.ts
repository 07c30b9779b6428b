import * as sdk from '@botpress/sdk'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { HubspotApiError, isHubspotStatus } from './errors'
import { HubspotHttp, type AccessTokenProvider, type HubspotHttpOptions } from './http'
import { refreshAccessToken } from './oauth'
import { redact, registerSecret } from './redact'
import { DEFAULT_RETRY_POLICY } from './retry'
import { channelSchema } from './schemas'
import { TokenManager, type CachedToken } from './token-manager'
import { expectAllInterceptorsUsed, renderings } from '../../tests/helpers/nock-guard'
import { offSpec } from '../../tests/helpers/openapi/contract'
import { resetCaches } from '../cache'
import { fakeError, fakeThread } from '../../tests/helpers/hubspot-fakes'

const BASE = 'https://api.hubapi.com'
const DEV_KEY = 'devkey-7e1f0c2b-9a4d-4c0e-8f1a-5b6c7d8e9f00'
const APP_ID = '424242'
const TOKEN = 'CNbXoc-access-token-1111aaaa'
const PATH = '/conversations/conversations/2026-09/threads/77'
const HUBSPOT_ERROR = {
  status: 'error',
  message: 'Internal error',
  category: 'INTERNAL_ERROR',
  correlationId: 'c0ffee00-1111-2222-3333-444455556666',
}
const threadBody = fakeThread({ id: '77' })
const threadSchema = channelSchema // any object schema with an id

const staticTokens: AccessTokenProvider = { getAccessToken: async () => TOKEN }

type Harness = { http: HubspotHttp; delays: number[]; clock: { t: number } }

/** A transport whose sleeps are recorded and advance a fake clock (no real waiting). */
const makeHttp = (over: Partial<HubspotHttpOptions> = {}): Harness => {
  const delays: number[] = []
  const clock = { t: 1_700_000_000_000 }
  const http = new HubspotHttp({
    baseUrl: BASE,
    developerApiKey: DEV_KEY,
    appId: APP_ID,
    tokens: staticTokens,
    retryPolicy: { ...DEFAULT_RETRY_POLICY },
    sleep: async (ms) => {
      delays.push(ms)
      clock.t += ms
    },
    now: () => clock.t,
    ...over,
  })
  return { http, delays, clock }
}

const getThread = (http: HubspotHttp) => http.request({ method: 'GET', path: PATH, auth: 'oauth', schema: threadSchema, operation: 'read thread 77' })

const createContact = (http: HubspotHttp, idempotent?: boolean) =>
  http.request({
    method: 'POST',
    path: '/crm/objects/2026-03/contacts',
    body: { properties: { email: 'a@b.c' }, associations: [] },
    auth: 'oauth',
    schema: threadSchema,
    operation: 'create the HubSpot contact',
    idempotent,
  })

const listChannels = (http: HubspotHttp) =>
  http.request({
    method: 'GET',
    path: '/conversations/custom-channels/2026-09',
    query: { limit: 100 },
    auth: 'developer',
    operation: "list the app's custom channels",
  })

/**
 * A socket error as Node raises it. nock 14 only emits Error instances: a plain
 * `replyWithError({ code })` leaves the request hanging (nock/nock#2789, #2899).
 */
const netError = (code: string, message = 'socket hang up') => Object.assign(new Error(message), { code })

const caught = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a rejection')
}

beforeAll(() => nock.disableNetConnect())
afterAll(() => nock.enableNetConnect())
beforeEach(() => resetCaches())
afterEach(() => {
  vi.restoreAllMocks()
  expectAllInterceptorsUsed()
})

describe('authentication', () => {
  it('sends developer-key calls with hapikey and appId, and no bearer token', async () => {
    const scope = nock(BASE, { badheaders: ['authorization'] })
      .get('/conversations/custom-channels/2026-09')
      .query({ limit: '100', hapikey: DEV_KEY, appId: APP_ID })
      .reply(200, { results: [] })
    const { http } = makeHttp()
    await listChannels(http)
    expect(scope.isDone()).toBe(true)
  })

  it('sends OAuth calls with the bearer token and without the developer key', async () => {
    const scope = nock(BASE)
      .get(PATH)
      .query((q) => !('hapikey' in q) && !('appId' in q))
      .matchHeader('authorization', `Bearer ${TOKEN}`)
      .reply(200, threadBody)
    const { http } = makeHttp()
    expect(await getThread(http)).toMatchObject({ id: '77' })
    expect(scope.isDone()).toBe(true)
  })

  it('sends unauthenticated calls with neither credential', async () => {
    const scope = nock(BASE, { badheaders: ['authorization'] })
      .post('/oauth/2026-03/token')
      .query((q) => Object.keys(q).length === 0)
      .reply(200, { access_token: 'x'.repeat(20), refresh_token: 'rt', expires_in: 1800, token_type: 'bearer', token_use: 'access_token' })
    const { http } = makeHttp()
    await http.request({
      method: 'POST',
      path: '/oauth/2026-03/token',
      body: new URLSearchParams({ grant_type: 'refresh_token' }),
      auth: 'none',
      operation: 'refresh',
    })
    expect(scope.isDone()).toBe(true)
  })

  it('names the developer key, not the OAuth credentials, when a developer-key call gets 401', async () => {
    nock(BASE)
      .get('/conversations/custom-channels/2026-09')
      .query(true)
      .reply(401, fakeError({ message: 'The API key provided is invalid.', category: 'INVALID_AUTHENTICATION' }))
    const { http, delays } = makeHttp()
    const err = await caught(listChannels(http))
    expect(isHubspotStatus(err, 401)).toBe(true)
    expect(err.message).toContain('developer API key')
    expect(err.message).not.toContain('refresh token')
    expect(delays).toEqual([])
  })
})

describe('publisher app: hints name what the bot builder can do (they have no credential fields)', () => {
  it('a 401 on a developer-key call asks the publisher to check its deployed secrets', async () => {
    nock(BASE)
      .get('/conversations/custom-channels/2026-09')
      .query(true)
      .reply(401, fakeError({ message: 'The API key provided is invalid.', category: 'INVALID_AUTHENTICATION' }))
    const { http } = makeHttp({ appOwner: 'publisher' })
    const err = await caught(listChannels(http))
    expect(err).toBeInstanceOf(sdk.RuntimeError)
    expect(err.message).toContain("ask the integration's publisher")
    expect(err.message).toContain('DEVELOPER_API_KEY')
    expect(err.message).not.toContain('Check the developer API key')
  })

  it('a 401 on an OAuth call says to Connect again, and a 403 says Connect grants the scopes', async () => {
    nock(BASE)
      .get(PATH)
      .reply(401, fakeError({ message: 'expired', category: 'EXPIRED_AUTHENTICATION' }))
    nock(BASE)
      .get(PATH)
      .reply(403, fakeError({ message: 'missing scope', category: 'MISSING_SCOPES' }))
    const http = new HubspotHttp({ baseUrl: BASE, appOwner: 'publisher', sleep: async () => {} })
    const get = () => caught(http.request({ method: 'GET', path: PATH, auth: 'none', schema: threadSchema, operation: 'read the thread' }))
    const unauthorized = await get()
    expect(unauthorized.message).toContain('open Connect again')
    expect(unauthorized.message).not.toContain('client ID, client secret and refresh token')
    const forbidden = await get()
    expect(forbidden.message).toContain('open Connect again')
    expect(forbidden.message).not.toContain('README')
  })

  it('a refused token refresh says to Connect again, never to update a "Refresh token" field', async () => {
    nock(BASE)
      .post('/oauth/2026-03/token')
      .reply(400, fakeError({ message: 'BAD_REFRESH_TOKEN', category: 'BAD_REFRESH_TOKEN' }))
    const http = new HubspotHttp({ baseUrl: BASE, appOwner: 'publisher', sleep: async () => {} })
    const err = await caught(refreshAccessToken(http, { clientId: 'client-1', clientSecret: 'secret-1', refreshToken: 'refresh-1' }))
    expect(err).toBeInstanceOf(sdk.RuntimeError)
    expect(err.message).toContain('/oauth/start')
    expect(err.message).not.toContain('"Refresh token"')
  })
})

describe('developer key secrecy', () => {
  const assertNoKey = (err: Error, key = DEV_KEY) => {
    for (const text of renderings(err)) expect(text).not.toContain(key)
  }

  it('keeps the key out of a 400 error, even when HubSpot echoes the request URL', async () => {
    nock(BASE)
      .get('/conversations/custom-channels/2026-09')
      .query(true)
      .reply(400, {
        status: 'error',
        message: `Bad request for ${BASE}/conversations/custom-channels/2026-09?hapikey=${DEV_KEY}&appId=${APP_ID}`,
        category: 'VALIDATION_ERROR',
        correlationId: 'aaaa-bbbb',
        context: { hapikey: [DEV_KEY] },
      })
    const { http } = makeHttp()
    const err = await caught(listChannels(http))
    expect(err).toBeInstanceOf(HubspotApiError)
    expect(err).toBeInstanceOf(sdk.RuntimeError)
    expect(err.message).toContain('400 VALIDATION_ERROR')
    expect(err.message).toContain('[REDACTED]')
    assertNoKey(err)
  })

  it('scrubs the key when HubSpot echoes it bare (no hapikey= around it)', async () => {
    const key = 'devkey-only-in-this-test-0a1b2c3d4e5f'
    nock(BASE)
      .get('/conversations/custom-channels/2026-09')
      .query(true)
      .reply(400, fakeError({ message: `key ${key} is not valid for app ${APP_ID}`, category: 'VALIDATION_ERROR' }))
    const { http } = makeHttp({ developerApiKey: key })
    const err = await caught(listChannels(http))
    assertNoKey(err, key)
    expect((err as HubspotApiError).details.hubspotMessage).not.toContain(key)
  })

  it('keeps the key out of a network error (axios errors embed the URL)', async () => {
    nock(BASE)
      .get('/conversations/custom-channels/2026-09')
      .query(true)
      .times(2)
      .replyWithError(netError('ECONNRESET', `socket hang up ${DEV_KEY}`))
    const { http } = makeHttp({ retryPolicy: { ...DEFAULT_RETRY_POLICY, maxRetries: 1 } })
    const err = await caught(listChannels(http))
    expect(err).toBeInstanceOf(HubspotApiError)
    expect(err.message).toContain('ECONNRESET')
    assertNoKey(err)
    expect((err as HubspotApiError & { cause?: unknown }).cause).toBeUndefined()
  })

  it('keeps the bearer token out of errors', async () => {
    nock(BASE)
      .get(PATH)
      .reply(403, fakeError({ message: `token Bearer ${TOKEN} lacks scope conversations.read`, category: 'MISSING_SCOPES' }))
    const { http } = makeHttp()
    const err = await caught(getThread(http))
    for (const text of renderings(err)) expect(text).not.toContain(TOKEN)
    expect(err.message).toContain('403 MISSING_SCOPES')
    expect(err.message).toContain('scope')
  })
})

describe('redact', () => {
  it('scrubs registered secrets wherever they appear', () => {
    registerSecret('registered-secret-value-123')
    expect(redact('x registered-secret-value-123 y')).toBe('x [REDACTED] y')
    expect(redact('{"k":"registered-secret-value-123"}')).toBe('{"k":"[REDACTED]"}')
  })

  it('does not register (or scrub) short values that would hit ordinary words', () => {
    registerSecret('abc')
    registerSecret(undefined)
    expect(redact('abc def')).toBe('abc def')
  })

  it('scrubs the longer of two overlapping secrets entirely', () => {
    registerSecret('overlap-secret')
    registerSecret('overlap-secret-with-a-long-tail')
    expect(redact('v=overlap-secret-with-a-long-tail.')).toBe('v=[REDACTED].')
  })

  it('scrubs hapikey, access_token, refresh_token, client_secret and code query parameters', () => {
    const out = redact('GET https://api.hubapi.com/x?hapikey=unknownkey1&appId=1&access_token=at1&refresh_token=rt1&client_secret=cs1&code=oc1#f')
    for (const s of ['unknownkey1', 'at1', 'rt1', 'cs1', 'oc1']) expect(out).not.toContain(s)
    expect(out).toContain('appId=1')
  })

  it('scrubs hapikey outside a query string', () => {
    expect(redact('hapikey=unknownkey2 rejected')).not.toContain('unknownkey2')
    expect(redact('{"hapikey": "unknownkey3"}')).not.toContain('unknownkey3')
  })

  it('scrubs form bodies and JSON with refresh tokens and client secrets', () => {
    const form = redact('grant_type=refresh_token&client_id=cid&client_secret=cs-unknown&refresh_token=rt-unknown')
    expect(form).not.toMatch(/cs-unknown|rt-unknown/)
    expect(form).toContain('client_id=cid')
    const json = redact('{"refresh_token":"rt-json","access_token": "at-json", "client_secret":"cs-json"}')
    expect(json).not.toMatch(/rt-json|at-json|cs-json/)
  })

  it('scrubs bearer tokens', () => {
    const out = redact('Authorization: Bearer CJSP5qf1KhICAQEYs-gDIIGOBii1hQIyGQAf3xBKmlwHjX7OIpuIFEavB2-qYAGQsF4')
    expect(out).toBe('Authorization: Bearer [REDACTED]')
  })
})

describe('retries', () => {
  it('honours Retry-After on 429, then succeeds', async () => {
    const scope = nock(BASE)
      .get(PATH)
      .reply(429, { status: 'error', message: 'slow down', errorType: 'RATE_LIMIT' }, { 'Retry-After': '2' })
      .get(PATH)
      .reply(200, threadBody)
    const { http, delays } = makeHttp()
    expect(await getThread(http)).toMatchObject({ id: '77' })
    expect(delays).toEqual([2000])
    expect(scope.isDone()).toBe(true)
  })

  it('waits out the 10 s window on a TEN_SECONDLY_ROLLING 429 without Retry-After', async () => {
    nock(BASE)
      .get(PATH)
      .reply(429, {
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        policyName: 'TEN_SECONDLY_ROLLING',
      })
      .get(PATH)
      .reply(200, threadBody)
    const { http, delays } = makeHttp()
    await getThread(http)
    expect(delays).toEqual([10_000])
  })

  it('does not retry the DAILY limit and says so clearly', async () => {
    nock(BASE).get(PATH).reply(429, {
      status: 'error',
      message: 'You have reached your daily limit.',
      errorType: 'RATE_LIMIT',
      correlationId: 'daily-corr-1',
      policyName: 'DAILY',
    })
    const { http, delays } = makeHttp()
    const err = await caught(getThread(http))
    expect(isHubspotStatus(err, 429)).toBe(true)
    expect(err.message).toContain('You have reached your daily limit.')
    expect(err.message).toContain('daily-corr-1')
    expect(err.message).toContain('rate limit')
    expect(delays).toEqual([])
  })

  it('retries a GET after a 5xx with a jittered backoff', async () => {
    nock(BASE).get(PATH).reply(502, 'Bad Gateway').get(PATH).reply(503, HUBSPOT_ERROR).get(PATH).reply(200, threadBody)
    const { http, delays } = makeHttp()
    expect(await getThread(http)).toMatchObject({ id: '77' })
    expect(delays).toHaveLength(2)
    expect(delays[0]).toBeGreaterThanOrEqual(375)
    expect(delays[0]).toBeLessThanOrEqual(625)
    expect(delays[1]).toBeGreaterThanOrEqual(750)
    expect(delays[1]).toBeLessThanOrEqual(1250)
  })

  it('really waits between attempts when no sleep is injected (the production default), as long as the backoff says', async () => {
    const RETRY_MS = 20
    vi.spyOn(Math, 'random').mockReturnValue(0.5) // jitter factor exactly 1: the first retry waits baseDelayMs
    const first = nock(BASE).get(PATH).reply(503, HUBSPOT_ERROR)
    const second = nock(BASE).get(PATH).reply(200, threadBody)
    // Real timers (a 20 ms wait), observed: which waits were asked for, and whether the retry went out before one ended.
    const waits: { ms: number | undefined; retrySentBeforeItEnded: boolean }[] = []
    const realSetTimeout = globalThis.setTimeout
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      realSetTimeout(() => {
        if (first.isDone()) waits.push({ ms, retrySentBeforeItEnded: second.isDone() })
        callback(...args)
      }, ms)) as unknown as typeof setTimeout)
    const http = new HubspotHttp({ baseUrl: BASE, tokens: staticTokens, retryPolicy: { ...DEFAULT_RETRY_POLICY, baseDelayMs: RETRY_MS } })
    expect(await getThread(http)).toMatchObject({ id: '77' })
    expect(waits.filter((w) => w.ms === RETRY_MS)).toEqual([{ ms: RETRY_MS, retrySentBeforeItEnded: false }])
  })

  it('does not resend a plain POST after a 500 (it may have been processed)', async () => {
    nock(BASE).post('/crm/objects/2026-03/contacts').reply(500, HUBSPOT_ERROR)
    const { http, delays } = makeHttp()
    const err = await caught(createContact(http))
    expect(isHubspotStatus(err, 500)).toBe(true)
    expect(delays).toEqual([])
  })

  it('resends a plain POST after a 429 (it was not processed)', async () => {
    const scope = nock(BASE)
      .post('/crm/objects/2026-03/contacts', { properties: { email: 'a@b.c' }, associations: [] })
      .reply(429, { status: 'error', message: 'limit', errorType: 'RATE_LIMIT' }, { 'Retry-After': '1' })
      .post('/crm/objects/2026-03/contacts', { properties: { email: 'a@b.c' }, associations: [] })
      .reply(201, { id: '901' })
    const { http, delays } = makeHttp()
    expect(await createContact(http)).toMatchObject({ id: '901' })
    expect(delays).toEqual([1000])
    expect(scope.isDone()).toBe(true)
  })

  it('resends an idempotent POST after a 503', async () => {
    nock(BASE).post('/crm/objects/2026-03/contacts').reply(503, HUBSPOT_ERROR).post('/crm/objects/2026-03/contacts').reply(201, { id: '902' })
    const { http, delays } = makeHttp()
    expect(await createContact(http, true)).toMatchObject({ id: '902' })
    expect(delays).toHaveLength(1)
  })

  it('gives up after maxRetries with HubSpot status, category, correlationId, message and a hint', async () => {
    const scope = nock(BASE).get(PATH).times(6).reply(503, {
      status: 'error',
      message: 'Service temporarily unavailable',
      category: 'SERVICE_UNAVAILABLE',
      subCategory: 'Upstream.TIMEOUT',
      correlationId: 'corr-503-xyz',
    })
    const { http, delays } = makeHttp()
    const err = await caught(getThread(http))
    expect(scope.isDone()).toBe(true)
    expect(delays).toHaveLength(DEFAULT_RETRY_POLICY.maxRetries)
    expect(err).toBeInstanceOf(HubspotApiError)
    const e = err as HubspotApiError
    expect(e.status).toBe(503)
    expect(e.details).toMatchObject({
      status: 503,
      category: 'SERVICE_UNAVAILABLE',
      subCategory: 'Upstream.TIMEOUT',
      correlationId: 'corr-503-xyz',
      hubspotMessage: 'Service temporarily unavailable',
    })
    expect(e.message).toBe(
      'HubSpot could not read thread 77 [503 SERVICE_UNAVAILABLE Upstream.TIMEOUT]: Service temporarily unavailable (correlationId corr-503-xyz). HubSpot is unavailable; try again later.'
    )
  })

  it('gives up once the total time budget would be exceeded, before maxRetries', async () => {
    const scope = nock(BASE)
      .get(PATH)
      .times(3)
      .reply(
        429,
        { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: 'corr-429' },
        { 'Retry-After': '12' }
      )
    const { http, delays } = makeHttp()
    const err = await caught(getThread(http))
    expect(scope.isDone()).toBe(true)
    // 0 s, 12 s, 24 s: a third wait would end at 36 s > 30 s.
    expect(delays).toEqual([12_000, 12_000])
    expect(err.message).toContain('[429 RATE_LIMIT]')
    expect(err.message).toContain('corr-429')
    expect(err.message).toContain('You have reached your secondly limit.')
    expect(err.message).toContain('try again later')
  })

  it.each([
    [
      400,
      { status: 'error', message: 'Property values were not valid', category: 'VALIDATION_ERROR', correlationId: 'c-400' },
      'Property values were not valid',
    ],
    [404, { status: 'error', message: 'Thread not found', category: 'OBJECT_NOT_FOUND', correlationId: 'c-404' }, 'Check that the id exists'],
    [409, fakeError({ message: 'Conflict', category: 'CONFLICT' }), 'Conflict'],
  ])('does not retry a %i', async (status, body, expected) => {
    nock(BASE).get(PATH).reply(status, body)
    const { http, delays } = makeHttp()
    const err = await caught(getThread(http))
    expect(isHubspotStatus(err, status)).toBe(true)
    expect(err.message).toContain(expected)
    expect(delays).toEqual([])
  })

  it('retries ECONNRESET for a GET', async () => {
    nock(BASE).get(PATH).replyWithError(netError('ECONNRESET')).get(PATH).reply(200, threadBody)
    const { http, delays } = makeHttp()
    expect(await getThread(http)).toMatchObject({ id: '77' })
    expect(delays).toHaveLength(1)
  })

  it('does not retry ECONNRESET for a plain POST (HubSpot may have processed it)', async () => {
    nock(BASE).post('/crm/objects/2026-03/contacts').replyWithError(netError('ECONNRESET'))
    const { http, delays } = makeHttp()
    const err = await caught(createContact(http))
    expect(err).toBeInstanceOf(HubspotApiError)
    expect(err.message).toContain('[ECONNRESET]')
    expect(err.message).toContain('could not be reached')
    expect(delays).toEqual([])
  })

  it('times out a slow response, retries it, then fails with ETIMEDOUT', async () => {
    const scope = nock(BASE).get(PATH).times(2).delay(1_000).reply(200, threadBody)
    const { http, delays } = makeHttp({ timeoutMs: 50, retryPolicy: { ...DEFAULT_RETRY_POLICY, maxRetries: 1 } })
    const started = Date.now()
    const err = await caught(getThread(http))
    expect(Date.now() - started).toBeLessThan(900)
    expect(scope.isDone()).toBe(true)
    expect(delays).toHaveLength(1)
    expect(err).toBeInstanceOf(HubspotApiError)
    expect(err.message).toContain('ETIMEDOUT')
  })

  it('recovers when only the first attempt times out', async () => {
    nock(BASE).get(PATH).delay(1_000).reply(200, threadBody).get(PATH).reply(200, { id: '78' })
    const { http } = makeHttp({ timeoutMs: 50 })
    expect(await getThread(http)).toMatchObject({ id: '78' })
  })
})

describe('requests and statuses', () => {
  it('asks for JSON and sends a list query parameter repeated, without brackets', async () => {
    const scope = nock(BASE)
      .get(PATH)
      .matchHeader('accept', 'application/json')
      .query((q) => JSON.stringify(q) === JSON.stringify({ properties: ['email', 'phone'] }))
      .reply(200, threadBody, offSpec('a made-up list parameter: only the query encoding is under test'))
    const { http } = makeHttp()
    await http.request({ method: 'GET', path: PATH, query: { properties: ['email', 'phone'] }, auth: 'oauth', operation: 'read thread 77' })
    expect(scope.isDone()).toBe(true)
  })

  it('treats a 3xx as a failure (redirects are not followed), even when it has a body the schema accepts', async () => {
    nock(BASE).get(PATH).reply(300, threadBody).get(PATH).reply(302, threadBody, { Location: 'https://elsewhere.example/' })
    const { http } = makeHttp()
    expect(isHubspotStatus(await caught(getThread(http)), 300)).toBe(true)
    expect(isHubspotStatus(await caught(getThread(http)), 302)).toBe(true)
  })

  it('refuses an OAuth request when it was given no token provider (a wiring bug, before any request)', async () => {
    const { http } = makeHttp({ tokens: undefined })
    expect((await caught(getThread(http))).message).toBe('HubspotHttp: OAuth request without a token provider')
  })
})

describe('response parsing', () => {
  it('rejects a body that does not match the schema as an unexpected response', async () => {
    nock(BASE).get(PATH).reply(200, { name: 'no id here' })
    const { http, delays } = makeHttp()
    const err = await caught(getThread(http))
    expect(err).toBeInstanceOf(HubspotApiError)
    expect(err.message).toContain('unexpected response (id: Invalid input)')
    expect(delays).toEqual([])
  })

  it('names at most three bad fields, and the body itself when it is not an object', async () => {
    const schema = sdk.z.object({ a: sdk.z.string(), b: sdk.z.string(), c: sdk.z.string(), d: sdk.z.string() })
    const read = (http: HubspotHttp) => http.request({ method: 'GET', path: PATH, auth: 'oauth', schema, operation: 'read thread 77' })
    const why = offSpec('bodies the schema must reject')
    nock(BASE).get(PATH).reply(200, {}, why).get(PATH).reply(200, [], why)
    const { http } = makeHttp()
    expect((await caught(read(http))).message).toContain('unexpected response (a: Required; b: Required; c: Required)')
    expect((await caught(read(http))).message).toContain('unexpected response ((body): Expected object, received array)')
  })

  it('rejects a non-JSON success body', async () => {
    nock(BASE)
      .get(PATH)
      .reply(200, '<html>maintenance</html>', { 'Content-Type': 'text/html', ...offSpec('a body the client must reject') })
    const { http } = makeHttp()
    expect((await caught(getThread(http))).message).toContain('unexpected response')
  })

  it('tolerates extra fields and coerces numeric ids to strings', async () => {
    nock(BASE)
      .get(PATH)
      .reply(200, { id: 123456789, name: 'c', brandNewField: { nested: true } }, offSpec('a numeric id the schema must read as a string'))
    const { http } = makeHttp()
    const res = await getThread(http)
    expect(res.id).toBe('123456789')
    expect(res).toMatchObject({ brandNewField: { nested: true } })
  })

  it('returns undefined for a 204 without a schema', async () => {
    nock(BASE).delete('/x/1').reply(204, '', offSpec('a made-up path: only the HTTP layer is under test'))
    const { http } = makeHttp()
    await expect(http.request({ method: 'DELETE', path: '/x/1', auth: 'oauth', operation: 'delete x' })).resolves.toBeUndefined()
  })
})

describe('401 on OAuth calls', () => {
  const CLIENT = { clientId: 'client-id-1', clientSecret: 'client-secret-zz99yy88', refreshToken: 'refresh-token-aa11bb22' }

  /** A real TokenManager refreshing through /oauth/2026-03/token (nock); refreshes are counted. */
  const withTokenManager = () => {
    let saved: CachedToken | undefined
    let refreshes = 0
    const oauthHttp = makeHttp().http
    const tokens = new TokenManager({
      clientId: CLIENT.clientId,
      refreshToken: CLIENT.refreshToken,
      store: { load: async () => saved, save: async (t) => void (saved = t) },
      refresh: () => {
        refreshes++
        return refreshAccessToken(oauthHttp, CLIENT)
      },
    })
    const harness = makeHttp({ tokens })
    return { ...harness, tokens, refreshes: () => refreshes }
  }
  const nockRefresh = (token: string) =>
    nock(BASE)
      .post('/oauth/2026-03/token', (b: Record<string, string>) => b.grant_type === 'refresh_token')
      .reply(200, { access_token: token, refresh_token: CLIENT.refreshToken, expires_in: 1800, token_type: 'bearer', token_use: 'access_token' })

  it('refreshes once and retries once, then succeeds', async () => {
    nockRefresh('token-A-aaaaaaaa')
    const h = withTokenManager()
    await h.tokens.getAccessToken()
    nock(BASE)
      .get(PATH)
      .matchHeader('authorization', 'Bearer token-A-aaaaaaaa')
      .reply(401, fakeError({ message: 'expired', category: 'EXPIRED_AUTHENTICATION' }))
    nockRefresh('token-B-bbbbbbbb')
    nock(BASE).get(PATH).matchHeader('authorization', 'Bearer token-B-bbbbbbbb').reply(200, threadBody)
    expect(await getThread(h.http)).toMatchObject({ id: '77' })
    expect(h.refreshes()).toBe(2) // the first use, then the 401
    expect(h.delays).toEqual([]) // the 401 retry is immediate
  })

  it('does not count the 401 refresh as a retry: the retries and backoff that follow are the full ones', async () => {
    nockRefresh('token-A-aaaaaaaa')
    const h = withTokenManager()
    await h.tokens.getAccessToken()
    const http = makeHttp({ tokens: h.tokens, retryPolicy: { ...DEFAULT_RETRY_POLICY, maxRetries: 1 } })
    vi.spyOn(Math, 'random').mockReturnValue(0.5) // no jitter: the first retry waits baseDelayMs
    nock(BASE)
      .get(PATH)
      .reply(401, fakeError({ message: 'expired' }))
    nockRefresh('token-B-bbbbbbbb')
    nock(BASE).get(PATH).reply(503, HUBSPOT_ERROR).get(PATH).reply(200, threadBody)
    expect(await getThread(http.http)).toMatchObject({ id: '77' })
    expect(http.delays).toEqual([DEFAULT_RETRY_POLICY.baseDelayMs])
  })

  it('does not loop on a second 401', async () => {
    nockRefresh('token-A-aaaaaaaa')
    const h = withTokenManager()
    await h.tokens.getAccessToken()
    nock(BASE)
      .get(PATH)
      .matchHeader('authorization', 'Bearer token-A-aaaaaaaa')
      .reply(401, fakeError({ message: 'expired' }))
    nockRefresh('token-B-bbbbbbbb')
    nock(BASE)
      .get(PATH)
      .matchHeader('authorization', 'Bearer token-B-bbbbbbbb')
      .reply(401, { status: 'error', message: 'still no', correlationId: 'c-401' })
    const err = await caught(getThread(h.http))
    expect(isHubspotStatus(err, 401)).toBe(true)
    expect(err.message).toContain('c-401')
    expect(err.message).toContain('refresh token')
    expect(h.refreshes()).toBe(2)
  })

  it('refreshes once for 10 concurrent requests rejected with the same token', async () => {
    nockRefresh('token-A-aaaaaaaa')
    const h = withTokenManager()
    await h.tokens.getAccessToken()
    const rejected = nock(BASE)
      .get(PATH)
      .matchHeader('authorization', 'Bearer token-A-aaaaaaaa')
      .times(10)
      .reply(401, fakeError({ message: 'revoked' }))
    nockRefresh('token-B-bbbbbbbb')
    const accepted = nock(BASE).get(PATH).matchHeader('authorization', 'Bearer token-B-bbbbbbbb').times(10).reply(200, threadBody)
    const results = await Promise.all(Array.from({ length: 10 }, () => getThread(h.http)))
    expect(results).toHaveLength(10)
    expect(rejected.isDone() && accepted.isDone()).toBe(true)
    expect(h.refreshes()).toBe(2)
  })

  it('does not refresh on a 401 to a developer-key call', async () => {
    const tokens = { getAccessToken: vi.fn(async () => TOKEN) }
    nock(BASE)
      .get('/conversations/custom-channels/2026-09')
      .query(true)
      .reply(401, fakeError({ message: 'bad key' }))
    const { http } = makeHttp({ tokens })
    expect(isHubspotStatus(await caught(listChannels(http)), 401)).toBe(true)
    expect(tokens.getAccessToken).not.toHaveBeenCalled()
  })
})
