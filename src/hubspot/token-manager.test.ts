import * as sdk from '@botpress/sdk'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type * as bp from '.botpress'
import { HubspotHttp } from './http'
import { createHubspotClient, httpTuning } from './index'
import { refreshAccessToken } from './oauth'
import { DEFAULT_RETRY_POLICY } from './retry'
import {
  credentialsFingerprint,
  NotConnectedError,
  rememberStoredRefreshToken,
  TokenManager,
  type CachedToken,
  type TokenStore,
} from './token-manager'
import { FakeBotpress } from '../../tests/helpers/fake-botpress'
import { captureLogger } from '../../tests/helpers/props'
import { expectAllInterceptorsUsed, renderings, until } from '../../tests/helpers/nock-guard'
import { isNotFound } from '../botpress-errors'
import { resetCaches } from '../cache'
import { fakeError, fakeInbox } from '../../tests/helpers/hubspot-fakes'

const BASE = 'https://api.hubapi.com'
const CREDS = { clientId: 'client-id-1234', clientSecret: 'client-secret-aa11bb22cc33dd44', refreshToken: 'refresh-token-9a8b7c6d5e4f3a2b' }
const FINGERPRINT = credentialsFingerprint(CREDS.clientId, CREDS.refreshToken)
const T0 = 1_700_000_000_000
const HOUR = 3_600_000
/** The brief: tokens within 5 minutes of expiry are refreshed (a literal, not the module's constant). */
const FIVE_MIN = 5 * 60 * 1000

const tokenBody = (access: string, expiresIn = 1800) => ({
  access_token: access,
  refresh_token: CREDS.refreshToken,
  expires_in: expiresIn,
  token_type: 'bearer',
  token_use: 'access_token',
})

/** The OAuth refresh, matched on the exact form-encoded body. */
const nockRefresh = (access: string, expiresIn = 1800, creds = CREDS) =>
  nock(BASE)
    .post('/oauth/2026-03/token', {
      grant_type: 'refresh_token',
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
      refresh_token: creds.refreshToken,
    })
    .matchHeader('content-type', /^application\/x-www-form-urlencoded/)
    .reply(200, tokenBody(access, expiresIn))

/** A state store backed by a variable, counting calls. */
const memoryStore = (initial?: CachedToken) => {
  const s = { value: initial, loads: 0, saves: 0 }
  const store: TokenStore = {
    load: async () => {
      s.loads++
      return s.value
    },
    save: async (t) => {
      s.saves++
      s.value = t
    },
  }
  return { s, store }
}

const makeManager = (opts: { store?: TokenStore; now?: () => number; creds?: typeof CREDS; onCacheError?: (message: string) => void } = {}) => {
  const creds = opts.creds ?? CREDS
  const http = new HubspotHttp({ baseUrl: BASE, sleep: async () => {}, retryPolicy: { ...DEFAULT_RETRY_POLICY } })
  const counter = { refreshes: 0 }
  const manager = new TokenManager({
    clientId: creds.clientId,
    refreshToken: creds.refreshToken,
    store: opts.store ?? memoryStore().store,
    refresh: () => {
      counter.refreshes++
      return refreshAccessToken(http, creds)
    },
    now: opts.now,
    onCacheError: opts.onCacheError,
  })
  return { manager, counter }
}

/**
 * A manager whose first `gated` refreshes wait until the test opens their gate (in call order), then
 * go to HubSpot (nock) as usual; later ones go straight through.
 */
const gatedManager = (gated: number, store: TokenStore = memoryStore().store) => {
  const http = new HubspotHttp({ baseUrl: BASE, sleep: async () => {}, retryPolicy: { ...DEFAULT_RETRY_POLICY } })
  const gates: (() => void)[] = []
  const counter = { refreshes: 0 }
  const manager = new TokenManager({
    clientId: CREDS.clientId,
    refreshToken: CREDS.refreshToken,
    store,
    refresh: async () => {
      if (++counter.refreshes <= gated) await new Promise<void>((open) => gates.push(open))
      return refreshAccessToken(http, CREDS)
    },
  })
  return { manager, gates, counter }
}

beforeAll(() => nock.disableNetConnect())
afterAll(() => nock.enableNetConnect())
beforeEach(() => resetCaches())
afterEach(() => {
  expectAllInterceptorsUsed()
})

describe('TokenManager', () => {
  it('refreshes on first use with a form-encoded refresh_token grant, and stores the token', async () => {
    const scope = nockRefresh('access-A-0001')
    const { s, store } = memoryStore()
    const { manager } = makeManager({ store, now: () => T0 })
    expect(await manager.getAccessToken()).toBe('access-A-0001')
    expect(scope.isDone()).toBe(true)
    expect(s.value).toEqual({ accessToken: 'access-A-0001', expiresAt: T0 + 1800 * 1000, fingerprint: FINGERPRINT })
  })

  it('serves later calls from memory: no token call, no state read', async () => {
    nockRefresh('access-A-0001')
    const { s, store } = memoryStore()
    const { manager, counter } = makeManager({ store })
    await manager.getAccessToken()
    const loadsAfterFirst = s.loads
    // Another manager with the same credentials (a later request in the same process).
    const again = makeManager({ store }).manager
    expect(await manager.getAccessToken()).toBe('access-A-0001')
    expect(await again.getAccessToken()).toBe('access-A-0001')
    expect(counter.refreshes).toBe(1)
    expect(s.loads).toBe(loadsAfterFirst)
  })

  it('uses a valid token from state without refreshing', async () => {
    const { s, store } = memoryStore({ accessToken: 'from-state-0001', expiresAt: T0 + HOUR, fingerprint: FINGERPRINT })
    const { manager, counter } = makeManager({ store, now: () => T0 })
    expect(await manager.getAccessToken()).toBe('from-state-0001')
    expect(await manager.getAccessToken()).toBe('from-state-0001')
    expect(counter.refreshes).toBe(0)
    expect(s.loads).toBe(1)
    expect(s.saves).toBe(0)
  })

  it('refreshes a state token within 5 minutes of expiry', async () => {
    nockRefresh('access-new-0001')
    const { store } = memoryStore({ accessToken: 'old-state-0001', expiresAt: T0 + FIVE_MIN - 1, fingerprint: FINGERPRINT })
    const { manager, counter } = makeManager({ store, now: () => T0 })
    expect(await manager.getAccessToken()).toBe('access-new-0001')
    expect(counter.refreshes).toBe(1)
  })

  it('keeps a state token that has just over 5 minutes left', async () => {
    const { store } = memoryStore({ accessToken: 'state-ok-0001', expiresAt: T0 + FIVE_MIN + 1000, fingerprint: FINGERPRINT })
    const { manager, counter } = makeManager({ store, now: () => T0 })
    expect(await manager.getAccessToken()).toBe('state-ok-0001')
    expect(counter.refreshes).toBe(0)
  })

  it('refreshes a memory token as it nears expiry', async () => {
    const clock = { t: T0 }
    nockRefresh('access-A-0001', 1800)
    const { manager, counter } = makeManager({ now: () => clock.t })
    expect(await manager.getAccessToken()).toBe('access-A-0001')
    clock.t = T0 + 1800 * 1000 - FIVE_MIN - 1000
    expect(await manager.getAccessToken()).toBe('access-A-0001')
    clock.t = T0 + 1800 * 1000 - FIVE_MIN + 1000
    nockRefresh('access-B-0002', 1800)
    expect(await manager.getAccessToken()).toBe('access-B-0002')
    expect(counter.refreshes).toBe(2)
  })

  it('refreshes a state token issued for other credentials (config changed)', async () => {
    const other = credentialsFingerprint(CREDS.clientId, 'an-older-refresh-token')
    nockRefresh('access-new-0001')
    const { s, store } = memoryStore({ accessToken: 'other-creds-0001', expiresAt: T0 + HOUR, fingerprint: other })
    const { manager, counter } = makeManager({ store, now: () => T0 })
    expect(await manager.getAccessToken()).toBe('access-new-0001')
    expect(counter.refreshes).toBe(1)
    expect(s.value?.fingerprint).toBe(FINGERPRINT)
  })

  it('keeps the memory caches of different credentials apart', async () => {
    const creds2 = { ...CREDS, refreshToken: 'refresh-token-second-install' }
    nockRefresh('access-one-0001')
    nockRefresh('access-two-0002', 1800, creds2)
    expect(await makeManager().manager.getAccessToken()).toBe('access-one-0001')
    expect(await makeManager({ creds: creds2 }).manager.getAccessToken()).toBe('access-two-0002')
  })

  it('shares one refresh between 10 concurrent callers', async () => {
    const scope = nockRefresh('access-A-0001')
    const { s, store } = memoryStore()
    const { manager, counter } = makeManager({ store })
    const managers = [manager, ...Array.from({ length: 4 }, () => makeManager({ store }).manager)]
    const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => managers[i % managers.length]!.getAccessToken()))
    expect(new Set(tokens)).toEqual(new Set(['access-A-0001']))
    expect(scope.isDone()).toBe(true)
    expect(counter.refreshes).toBe(1)
    expect(s.loads).toBe(1)
    expect(s.saves).toBe(1)
  })

  it('refreshes once for a rejected token, however many callers report it', async () => {
    nockRefresh('access-A-0001')
    const { manager, counter } = makeManager()
    const a = await manager.getAccessToken()
    nockRefresh('access-B-0002')
    const tokens = await Promise.all(Array.from({ length: 10 }, () => manager.getAccessToken({ rejected: a })))
    expect(new Set(tokens)).toEqual(new Set(['access-B-0002']))
    // A caller that saw the 401 late gets the new token without another refresh.
    expect(await manager.getAccessToken({ rejected: a })).toBe('access-B-0002')
    expect(counter.refreshes).toBe(2)
  })

  it('does not hand back the rejected token when it joined a state load that returned it', async () => {
    let release!: (t: CachedToken) => void
    const stateToken: CachedToken = { accessToken: 'state-token-rejected', expiresAt: Date.now() + HOUR, fingerprint: FINGERPRINT }
    const store: TokenStore = { load: () => new Promise<CachedToken>((r) => (release = r)), save: async () => {} }
    const { manager, counter } = makeManager({ store })
    const plain = manager.getAccessToken()
    const afterReject = manager.getAccessToken({ rejected: 'state-token-rejected' })
    nockRefresh('access-fresh-0001')
    release(stateToken)
    expect(await plain).toBe('state-token-rejected')
    expect(await afterReject).toBe('access-fresh-0001')
    expect(counter.refreshes).toBe(1)
  })

  it('keeps a newer refresh in flight when an older one settles after it started: a later caller joins it, no third refresh', async () => {
    const { manager, gates, counter } = gatedManager(2)
    const first = manager.getAccessToken()
    await until(() => gates.length === 1)
    // The in-flight table is bounded (src/cache.ts): another installation's refresh can empty it while this one runs.
    resetCaches('tokenRefreshes')
    const second = manager.getAccessToken()
    await until(() => gates.length === 2)
    nockRefresh('access-old-0001')
    gates[0]!()
    expect(await first).toBe('access-old-0001')
    // A request that HubSpot refused with the older token must share the refresh still in flight.
    const third = manager.getAccessToken({ rejected: 'access-old-0001' })
    nockRefresh('access-new-0002')
    gates[1]!()
    expect(await second).toBe('access-new-0002')
    expect(await third).toBe('access-new-0002')
    expect(counter.refreshes).toBe(2)
  })

  it('stops after one more refresh when HubSpot hands back the rejected token again (no endless refreshing)', async () => {
    nockRefresh('access-same-0001')
    const { manager, counter } = makeManager()
    const rejected = await manager.getAccessToken()
    // Only two more answers: a third refresh would find no interceptor and fail the call.
    nockRefresh('access-same-0001')
    nockRefresh('access-same-0001')
    expect(await manager.getAccessToken({ rejected })).toBe('access-same-0001')
    expect(counter.refreshes).toBe(3)
  })

  it('uses the refreshed token when the state write fails, says so without the token, and does not refresh again', async () => {
    nockRefresh('access-write-fail-0001')
    const warnings: string[] = []
    const s = { loads: 0, saves: 0 }
    const store: TokenStore = {
      load: async () => void s.loads++,
      save: async (token) => {
        s.saves++
        // Botpress may echo the payload it refused: the warning must not carry the token.
        throw new Error(`setState failed for payload ${JSON.stringify(token)}`)
      },
    }
    const { manager, counter } = makeManager({ store, onCacheError: (m) => warnings.push(m) })
    expect(await manager.getAccessToken()).toBe('access-write-fail-0001')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^Could not write the cached HubSpot access token \(setState failed for payload .*\); the new token is used anyway/)
    expect(warnings[0]).toContain('[REDACTED]')
    expect(warnings[0]).not.toContain('access-write-fail-0001')
    // The token stays in memory: the next call needs neither HubSpot nor Botpress.
    expect(await manager.getAccessToken()).toBe('access-write-fail-0001')
    expect(counter.refreshes).toBe(1)
    expect(s).toEqual({ loads: 1, saves: 1 })
  })

  it('says a failed state read costs a refresh, and refreshes', async () => {
    nockRefresh('access-read-fail-0001')
    const warnings: string[] = []
    const store: TokenStore = {
      load: async () => {
        throw new Error('Botpress API unavailable')
      },
      save: async () => {},
    }
    const { manager } = makeManager({ store, onCacheError: (m) => warnings.push(m) })
    expect(await manager.getAccessToken()).toBe('access-read-fail-0001')
    expect(warnings).toEqual(['Could not read the cached HubSpot access token (Botpress API unavailable); refreshing instead.'])
  })

  it('tells the bot builder how to connect when no refresh token is configured nor stored, and asks HubSpot nothing', async () => {
    const hint = "Open the integration's webhook URL (shown in Botpress) followed by /oauth/start to connect HubSpot."
    const manager = new TokenManager({
      clientId: CREDS.clientId,
      refreshToken: { scope: 'bot_1:int_1', load: async () => undefined, notConnectedHint: hint },
      store: memoryStore().store,
      refresh: () => Promise.reject(new Error('must not refresh')),
    })
    const err = await manager.getAccessToken().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(NotConnectedError)
    expect(err).toBeInstanceOf(sdk.RuntimeError)
    expect((err as Error).message).toBe(`HubSpot is not connected: no "Refresh token" is configured and none was obtained yet. ${hint}`)
  })

  it('re-reads a stored refresh token once it is 5 minutes old, and a disconnect on this instance takes effect at once', async () => {
    const clock = { t: T0 }
    const stored = { value: CREDS.refreshToken as string | undefined, loads: 0 }
    const manager = new TokenManager({
      clientId: CREDS.clientId,
      refreshToken: { scope: 'bot_1:int_1', load: async () => (stored.loads++, stored.value), notConnectedHint: 'Connect it.' },
      store: memoryStore().store,
      refresh: () => refreshAccessToken(new HubspotHttp({ baseUrl: BASE, sleep: async () => {} }), CREDS),
      now: () => clock.t,
    })
    nockRefresh('access-A-0001')
    expect(await manager.getAccessToken()).toBe('access-A-0001')
    clock.t = T0 + FIVE_MIN - 1
    expect(await manager.getAccessToken()).toBe('access-A-0001')
    expect(stored.loads).toBe(1)
    clock.t = T0 + FIVE_MIN
    expect(await manager.getAccessToken()).toBe('access-A-0001')
    expect(stored.loads).toBe(2)
    // The Connect flow on this instance removed the connection: no stale copy is used, even within the 5 minutes.
    stored.value = undefined
    rememberStoredRefreshToken('bot_1:int_1', undefined, clock.t)
    await expect(manager.getAccessToken()).rejects.toThrow(NotConnectedError)
    expect(stored.loads).toBe(3)
  })

  it('refreshes when the state cannot be read, and still returns a token when it cannot be saved', async () => {
    nockRefresh('access-A-0001')
    const store: TokenStore = {
      load: async () => {
        throw new Error('Botpress API unavailable')
      },
      save: async () => {
        throw new Error('Botpress API unavailable')
      },
    }
    const { manager } = makeManager({ store })
    expect(await manager.getAccessToken()).toBe('access-A-0001')
  })

  it('tells the user to re-authorize when the refresh token is revoked, without any secret', async () => {
    nock(BASE)
      .post('/oauth/2026-03/token')
      .reply(400, {
        status: 'BAD_REFRESH_TOKEN',
        message: `missing or unknown refresh token ${CREDS.refreshToken}`,
        correlationId: 'corr-oauth-1',
      })
    const { manager, counter } = makeManager()
    const err = await manager.getAccessToken().then(
      () => undefined,
      (e: Error) => e
    )
    expect(err).toBeInstanceOf(sdk.RuntimeError)
    expect(err!.message).toMatch(/re-authorize/i)
    expect(err!.message).toContain('Refresh token')
    for (const text of renderings(err!)) {
      for (const secret of [CREDS.refreshToken, CREDS.clientSecret]) expect(text).not.toContain(secret)
    }
    expect(counter.refreshes).toBe(1)
  })

  it('tells the user to check the credentials on a 401 from the token endpoint (wrong client secret)', async () => {
    nock(BASE).post('/oauth/2026-03/token').reply(401, { status: 'BAD_CLIENT_SECRET', message: 'invalid client secret' })
    const err = await makeManager()
      .manager.getAccessToken()
      .catch((e: Error) => e)
    expect(err).toBeInstanceOf(sdk.RuntimeError)
    expect((err as Error).message).toContain('client ID/secret')
  })

  it('retries the refresh on a 5xx (refreshing twice is harmless)', async () => {
    nock(BASE).post('/oauth/2026-03/token').reply(502, 'Bad Gateway')
    nockRefresh('access-A-0001')
    expect(await makeManager().manager.getAccessToken()).toBe('access-A-0001')
  })

  it('rejects a token response without access_token as unexpected', async () => {
    nock(BASE).post('/oauth/2026-03/token').reply(200, { token_type: 'bearer', expires_in: 1800 })
    const err = await makeManager()
      .manager.getAccessToken()
      .catch((e: Error) => e)
    expect((err as Error).message).toContain('unexpected response')
  })

  it('lets a later caller try again after a failed refresh', async () => {
    nock(BASE).post('/oauth/2026-03/token').reply(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token' })
    const { manager } = makeManager()
    await expect(manager.getAccessToken()).rejects.toThrow(/re-authorize/i)
    nockRefresh('access-A-0001')
    expect(await manager.getAccessToken()).toBe('access-A-0001')
  })
})

describe('createHubspotClient (token stored in integration state "oauth")', () => {
  const CONFIG = { ...CREDS, developerApiKey: 'dev-key-0f9e8d7c6b5a4321', appId: '424242', inboxId: '1001' }
  const INBOX = '/conversations/conversations/2026-09/inboxes/1001'

  /** Botpress: the one model of its API (the stand-in's store, in process). */
  const fakeBotpress = () => new FakeBotpress()
  const ctxWith = (configuration: Record<string, unknown>) => ({ integrationId: 'int_1', configuration }) as unknown as bp.Context

  beforeEach(() => {
    httpTuning.sleep = async () => {}
  })
  afterEach(() => {
    delete httpTuning.sleep
  })

  it('checks that the fake raises what the SDK recognises as ResourceNotFound', async () => {
    const err: unknown = await fakeBotpress()
      .api.getState({ type: 'integration', id: 'int_1', name: 'oauth' })
      .catch((e: unknown) => e)
    expect(isNotFound(err)).toBe(true)
  })

  it('refreshes on a cold start, saves the token to state, and a new instance reuses it', async () => {
    const fake = fakeBotpress()
    nockRefresh('access-A-0001')
    nock(BASE).get(INBOX).matchHeader('authorization', 'Bearer access-A-0001').times(2).reply(200, { id: '1001', name: 'Support' })

    const first = createHubspotClient({ ctx: ctxWith(CONFIG), client: fake.client })
    expect(await first.conversations.getInbox('1001')).toMatchObject({ id: '1001', name: 'Support' })
    expect(fake.calls).toEqual(['getState', 'setState'])
    expect(fake.states.get('integration:int_1:oauth')).toMatchObject({ accessToken: 'access-A-0001', fingerprint: FINGERPRINT })

    // Another runtime instance: empty memory, same state. No refresh (nock would refuse one).
    resetCaches()
    const second = createHubspotClient({ ctx: ctxWith(CONFIG), client: fake.client })
    await second.conversations.getInbox('1001')
    expect(fake.calls.slice(2)).toEqual(['getState'])
  })

  it('refreshes when the configuration changed the refresh token', async () => {
    const fake = fakeBotpress()
    fake.states.set('integration:int_1:oauth', { accessToken: 'stale-creds-token', expiresAt: Date.now() + HOUR, fingerprint: FINGERPRINT })
    const newCreds = { ...CREDS, refreshToken: 'refresh-token-after-reinstall' }
    nockRefresh('access-new-0001', 1800, newCreds)
    nock(BASE)
      .get(INBOX)
      .matchHeader('authorization', 'Bearer access-new-0001')
      .reply(200, fakeInbox({ id: '1001' }))
    const client = createHubspotClient({ ctx: ctxWith({ ...CONFIG, refreshToken: newCreds.refreshToken }), client: fake.client })
    await client.conversations.getInbox('1001')
    expect(fake.states.get('integration:int_1:oauth')).toMatchObject({ accessToken: 'access-new-0001' })
  })

  it('surfaces a revoked refresh token on a 401 retry as a re-authorize error without secrets', async () => {
    const fake = fakeBotpress()
    fake.states.set('integration:int_1:oauth', { accessToken: 'revoked-access-token', expiresAt: Date.now() + HOUR, fingerprint: FINGERPRINT })
    nock(BASE)
      .get(INBOX)
      .matchHeader('authorization', 'Bearer revoked-access-token')
      .reply(401, fakeError({ message: 'expired' }))
    nock(BASE).post('/oauth/2026-03/token').reply(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token' })
    const client = createHubspotClient({ ctx: ctxWith(CONFIG), client: fake.client })
    const err = await client.conversations.getInbox('1001').catch((e: Error) => e)
    expect(err).toBeInstanceOf(sdk.RuntimeError)
    expect((err as Error).message).toMatch(/re-authorize/i)
    for (const text of renderings(err as Error)) {
      for (const secret of [CONFIG.refreshToken, CONFIG.clientSecret, CONFIG.developerApiKey, 'revoked-access-token'])
        expect(text).not.toContain(secret)
    }
  })

  it('treats a Botpress state read error other than ResourceNotFound as a cache miss, not a failure', async () => {
    const fake = fakeBotpress()
    fake.failNext = { method: 'getState', error: new Error('Botpress 503') }
    nockRefresh('access-A-0001')
    nock(BASE)
      .get(INBOX)
      .reply(200, fakeInbox({ id: '1001' }))
    await expect(createHubspotClient({ ctx: ctxWith(CONFIG), client: fake.client }).conversations.getInbox('1001')).resolves.toMatchObject({
      id: '1001',
    })
    expect(fake.calls).toEqual(['getState', 'setState'])
  })

  it('warns the bot when the token cannot be saved to state, and the HubSpot call still succeeds with it', async () => {
    const fake = fakeBotpress()
    fake.failNext = { method: 'setState', error: new Error('Botpress 503') }
    nockRefresh('access-A-0001')
    nock(BASE)
      .get(INBOX)
      .matchHeader('authorization', 'Bearer access-A-0001')
      .reply(200, fakeInbox({ id: '1001' }))
    const { logger, lines } = captureLogger()
    await expect(createHubspotClient({ ctx: ctxWith(CONFIG), client: fake.client, logger }).conversations.getInbox('1001')).resolves.toMatchObject({
      id: '1001',
    })
    expect(lines).toEqual([
      {
        level: 'warn',
        message:
          'Could not write the cached HubSpot access token (Botpress 503); the new token is used anyway, and other runtime instances refresh their own.',
      },
    ])
    expect(fake.states.has('integration:int_1:oauth')).toBe(false)
  })

  it('uses the configured API base URL and httpTuning', async () => {
    const fake = fakeBotpress()
    const delays: number[] = []
    httpTuning.sleep = async (ms) => void delays.push(ms)
    nock('https://hubspot.local:4010').post('/oauth/2026-03/token').reply(200, tokenBody('access-local-0001'))
    nock('https://hubspot.local:4010')
      .get(INBOX)
      .reply(429, { status: 'error', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' })
      .get(INBOX)
      .reply(200, fakeInbox({ id: '1001' }))
    const client = createHubspotClient({ ctx: ctxWith({ ...CONFIG, apiBaseUrl: 'https://hubspot.local:4010/' }), client: fake.client })
    await client.conversations.getInbox('1001')
    expect(delays).toEqual([10_000])
  })

  it('keeps a path prefix of the configured API base URL (a proxy in front of HubSpot) before every dated path', async () => {
    const fake = fakeBotpress()
    const proxy = nock('https://hubspot.local:4010')
      .post('/hubspot-proxy/oauth/2026-03/token')
      .reply(200, tokenBody('access-proxied-0001'))
      .get('/hubspot-proxy/conversations/conversations/2026-09/inboxes/1001')
      .matchHeader('authorization', 'Bearer access-proxied-0001')
      .reply(200, fakeInbox({ id: '1001' }))
    const client = createHubspotClient({ ctx: ctxWith({ ...CONFIG, apiBaseUrl: 'https://hubspot.local:4010/hubspot-proxy' }), client: fake.client })
    await expect(client.conversations.getInbox('1001')).resolves.toMatchObject({ id: '1001' })
    expect(proxy.isDone()).toBe(true)
  })

  it('rejects an invalid configuration before any call', () => {
    const fake = fakeBotpress()
    expect(() => createHubspotClient({ ctx: ctxWith({ ...CONFIG, appId: 'abc' }), client: fake.client })).toThrow(sdk.RuntimeError)
    expect(fake.calls).toEqual([])
  })
})
