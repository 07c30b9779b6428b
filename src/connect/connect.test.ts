import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ConnectionState, SetupState } from '../../definitions/states'
import { httpTuning } from '../hubspot'
import { requiredScopes } from '../hubspot/scopes'
import { handler } from '../webhook/handler'
import { channelsPath, devKeyQuery, hubspot, introspectionOf } from '../../tests/helpers/nock-hubspot'
import { makeProps, SECRETS, WEBHOOK_URL } from '../../tests/helpers/props'
import { recordIdentifiers } from '../../tests/helpers/fake-botpress'
import { resetCaches } from '../cache'
import { parseConfiguration } from '../config'
import { routableInboxes } from '../setup/inboxes'
import { hashToken, MAX_SPENT_STATES } from './access'
import { COOKIE_NAME } from './cookies'
import { fakeInbox, fakeChannel, fakePage } from '../../tests/helpers/hubspot-fakes'

const NEW_REFRESH = 'refresh-from-connect-77aa88bb99cc'
const NEW_ACCESS = 'access-from-connect-11dd22ee33ff'
const HOUR = 3_600_000

type Props = ReturnType<typeof makeProps>
type Res = { status: number; body?: string; headers?: Record<string, string> }

/** An installation without a configured refresh token or inbox: the Connect flow supplies them. */
const unconnected = (setup: Partial<SetupState> = {}) => {
  const props = makeProps({ configuration: { refreshToken: undefined, inboxId: undefined } })
  props.fake.states.set('integration:int_1:setup', {
    webhookUrl: WEBHOOK_URL,
    channelId: 'ch1',
    channelCreatedByUs: true,
    channelAccounts: {},
    ...setup,
  })
  return props
}

const send = async (
  props: Props,
  method: string,
  path: string,
  opts: { query?: Record<string, string>; cookie?: string; headers?: Record<string, string>; body?: string } = {}
): Promise<Res> => {
  const headers: Record<string, string> = { ...opts.headers }
  if (opts.cookie) headers.cookie = opts.cookie
  const req = { method, path, query: new URLSearchParams(opts.query ?? {}).toString(), headers, body: opts.body ?? '' }
  return (await handler({ ...props, req } as never)) as Res
}

const stateOf = (res: Res): string => new URL(res.headers?.location ?? '').searchParams.get('state') ?? ''

const cookieOf = (res: Res): string => {
  const raw = res.headers?.['set-cookie'] ?? ''
  return raw.split(';')[0] ?? ''
}

const connection = (props: Props): ConnectionState => (props.fake.states.get('integration:int_1:connection') ?? {}) as ConnectionState
const setupOf = (props: Props): SetupState => props.fake.states.get('integration:int_1:setup') as SetupState

const nockExchange = (hubId: number | null = 555, code = 'code-1') =>
  hubspot()
    .post(
      '/oauth/2026-03/token',
      (b: Record<string, string>) =>
        b.grant_type === 'authorization_code' &&
        b.code === code &&
        b.client_id === 'client-id-1234' &&
        b.client_secret === SECRETS.clientSecret &&
        b.redirect_uri === `${WEBHOOK_URL}/oauth/callback`
    )
    .reply(200, {
      access_token: NEW_ACCESS,
      refresh_token: NEW_REFRESH,
      expires_in: 1800,
      token_type: 'bearer',
      token_use: 'access_token',
      ...(hubId ? { hub_id: hubId } : {}),
    })

/** Token introspection (OAuth 2026-03), matched on the exact form body; answers as the spec's access-token variant. */
const nockTokenInfo = (hubId = 555, domain = 'acme.hubspot.com', answer?: object) =>
  hubspot()
    .post(
      '/oauth/2026-03/token/introspect',
      (b: Record<string, string>) =>
        Object.keys(b).length === 4 &&
        b.client_id === 'client-id-1234' &&
        b.client_secret === SECRETS.clientSecret &&
        b.token === NEW_ACCESS &&
        b.token_type_hint === 'access_token'
    )
    .reply(200, answer ?? introspectionOf(NEW_ACCESS, hubId, domain))

const nockInboxes = (inboxes: { id: string }[]) =>
  hubspot()
    .get('/conversations/conversations/2026-09/inboxes')
    .query(true)
    .matchHeader('authorization', `Bearer ${NEW_ACCESS}`)
    .reply(200, fakePage(inboxes.map((i) => fakeInbox(i))))

const INBOXES = [
  { id: '1001', name: 'Support <script>alert(1)</script>', type: 'INBOX', archived: false },
  { id: '1002', name: 'Help desk "EU"', type: 'HELP_DESK', archived: false },
]

/** Runs start + callback; returns the session cookie. */
const connect = async (props: Props, hubId = 555): Promise<{ cookie: string; start: Res; callback: Res }> => {
  const start = await send(props, 'GET', '/oauth/start')
  const state = new URL(start.headers?.location ?? '').searchParams.get('state') ?? ''
  nockExchange(hubId)
  nockTokenInfo(hubId)
  const callback = await send(props, 'GET', '/oauth/callback', { query: { code: 'code-1', state }, cookie: cookieOf(start) })
  return { cookie: cookieOf(callback), start, callback }
}

const expectPageHeaders = (res: Res) => {
  expect(res.headers?.['content-security-policy']).toContain("frame-ancestors 'none'")
  expect(res.headers?.['x-frame-options']).toBe('DENY')
  expect(res.headers?.['cache-control']).toBe('no-store')
  // same-origin, not no-referrer: with no-referrer a browser posts the setup form with `Origin: null` (refused below).
  expect(res.headers?.['referrer-policy']).toBe('same-origin')
}

const SECRET_VALUES = [SECRETS.clientSecret, SECRETS.developerApiKey, NEW_REFRESH, NEW_ACCESS]
const expectNoSecrets = (text: string) => {
  for (const s of SECRET_VALUES) expect(text).not.toContain(s)
}

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
  delete process.env.HUBSPOT_APP_BASE_URL
})
afterEach(() => nock.cleanAll())

describe('GET /oauth/start', () => {
  it('redirects to HubSpot with client id, the scopes, our callback and a fresh state bound to an HttpOnly cookie', async () => {
    const props = unconnected()
    const res = await send(props, 'GET', '/oauth/start')
    expect(res.status).toBe(302)
    expectPageHeaders(res)
    const url = new URL(res.headers?.location ?? '')
    expect(`${url.origin}${url.pathname}`).toBe('https://app.hubspot.com/oauth/authorize')
    expect(url.searchParams.get('client_id')).toBe('client-id-1234')
    expect(url.searchParams.get('redirect_uri')).toBe(`${WEBHOOK_URL}/oauth/callback`)
    expect(url.searchParams.get('scope')).toBe(requiredScopes().join(' '))
    const state = url.searchParams.get('state') ?? ''
    expect(state.length).toBeGreaterThanOrEqual(40)
    const cookie = res.headers?.['set-cookie'] ?? ''
    expect(cookie).toContain(`${COOKIE_NAME}=flow.${state}`)
    for (const attr of ['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/wh_123', 'Max-Age=600']) expect(cookie).toContain(attr)
    // The state verifies itself: nothing is stored.
    expect(props.fake.states.has('integration:int_1:connection')).toBe(false)
    // Cost: Botpress = the setup read for the webhook URL (once per instance), no write (was + connection read + write);
    // HubSpot none (nock would throw).
    expect(props.fake.calls).toEqual(['getState'])
    // Each start issues a different state.
    const again = await send(props, 'GET', '/oauth/start')
    expect(new URL(again.headers?.location ?? '').searchParams.get('state')).not.toBe(state)
  })

  it('sends the browser to the local emulator when the API base URL is loopback, or to HUBSPOT_APP_BASE_URL', async () => {
    const props = makeProps({ configuration: { refreshToken: undefined, inboxId: undefined, apiBaseUrl: 'http://127.0.0.1:4010' } })
    props.fake.states.set('integration:int_1:setup', { webhookUrl: WEBHOOK_URL, channelId: 'ch1', channelCreatedByUs: true, channelAccounts: {} })
    const res = await send(props, 'GET', '/oauth/start')
    expect(res.headers?.location).toMatch(/^http:\/\/127\.0\.0\.1:4010\/oauth\/authorize\?/)
    process.env.HUBSPOT_APP_BASE_URL = 'https://app-eu1.hubspot.com'
    const eu = await send(unconnected(), 'GET', '/oauth/start')
    expect(eu.headers?.location).toMatch(/^https:\/\/app-eu1\.hubspot\.com\/oauth\/authorize\?/)
  })

  it('answers 405 to other methods and 409 before the integration was installed', async () => {
    const props = unconnected()
    expect((await send(props, 'POST', '/oauth/start')).status).toBe(405)
    expect((await send(props, 'PUT', '/setup')).headers?.allow).toBe('GET, POST')
    const fresh = makeProps({ configuration: { refreshToken: undefined, inboxId: undefined } })
    const res = await send(fresh, 'GET', '/oauth/start')
    expect(res.status).toBe(409)
    expect(res.body).toContain('Save the integration configuration in Botpress first')
  })
})

describe('GET /oauth/callback', () => {
  it('exchanges the code, stores the refresh token and account, and opens the setup page with a session (2 HubSpot requests)', async () => {
    const props = unconnected()
    const { start, callback, cookie } = await connect(props)
    // Cost: start = nothing but the setup read for the webhook URL, once per instance (was + connection read + write);
    // callback = connection read, write (state spent), setup read, connection write; HubSpot: exchange + token info.
    // Nothing was stored before the callback, so its spending write creates the state (get-or-set: never over another's write).
    expect(props.fake.calls).toEqual(['getState', 'getState', 'getOrSetState', 'getState', 'setState'])
    expect(callback.status).toBe(303)
    expect(callback.headers?.location).toBe(`${WEBHOOK_URL}/setup`)
    expect(cookie).toMatch(new RegExp(`^${COOKIE_NAME}=session\\.`))
    expect(callback.headers?.['set-cookie']).toContain('HttpOnly')
    const conn = connection(props)
    expect(conn).toMatchObject({ refreshToken: NEW_REFRESH, hubId: '555', hubDomain: 'acme.hubspot.com' })
    expect(Object.keys(conn.spentStates ?? {})).toHaveLength(1) // spent
    expect(JSON.stringify(conn)).not.toContain(new URL(start.headers?.location ?? '').searchParams.get('state') ?? '-')
    expect(Object.keys(conn.sessions ?? {})).toEqual([hashToken(cookie.split('session.')[1] ?? '')])
    expect(nock.isDone()).toBe(true)
    expectNoSecrets(JSON.stringify([start, callback]))
    expectNoSecrets(props.lines.map((l) => l.message).join('\n'))
  })

  it('works when the token response has no hub_id (read from the token info)', async () => {
    const props = unconnected()
    const start = await send(props, 'GET', '/oauth/start')
    const state = new URL(start.headers?.location ?? '').searchParams.get('state') ?? ''
    nockExchange(null)
    nockTokenInfo(777)
    const res = await send(props, 'GET', '/oauth/callback', { query: { code: 'code-1', state }, cookie: cookieOf(start) })
    expect(res.status).toBe(303)
    expect(connection(props).hubId).toBe('777')
  })

  // `{ active: false }` alone is off-spec on purpose (RFC 7662's answer; the spec requires hub_id): UNCONFIRMED which
  // HubSpot sends, docs/hubspot.md#date-versioned-apis.
  it('an inactive token in the introspection: connects on the hub_id of the token response, without a domain', async () => {
    const props = unconnected()
    const start = await send(props, 'GET', '/oauth/start')
    nockExchange(556)
    nockTokenInfo(556, '', { active: false })
    const res = await send(props, 'GET', '/oauth/callback', { query: { code: 'code-1', state: stateOf(start) }, cookie: cookieOf(start) })
    expect(res.status).toBe(303)
    expect(connection(props).hubId).toBe('556')
    expect(connection(props).hubDomain).toBeUndefined()
    expect(nock.isDone()).toBe(true)
  })

  it('an inactive token in the introspection and no hub_id in the token response: refused, nothing stored but the spent state', async () => {
    const props = unconnected()
    const start = await send(props, 'GET', '/oauth/start')
    nockExchange(null)
    nockTokenInfo(0, '', { active: false })
    const res = await send(props, 'GET', '/oauth/callback', { query: { code: 'code-1', state: stateOf(start) }, cookie: cookieOf(start) })
    expect(res.status).toBe(400)
    expect(res.body).toContain('HubSpot refused the connection')
    expect(connection(props).refreshToken).toBeUndefined()
    expect(props.lines.map((l) => l.message).join('\n')).toContain('HubSpot reports the token as inactive')
    expect(nock.isDone()).toBe(true)
  })

  it('a state is single use: replaying the callback changes nothing and calls HubSpot no more', async () => {
    const props = unconnected()
    const start = await send(props, 'GET', '/oauth/start')
    const state = new URL(start.headers?.location ?? '').searchParams.get('state') ?? ''
    nockExchange()
    nockTokenInfo()
    await send(props, 'GET', '/oauth/callback', { query: { code: 'code-1', state }, cookie: cookieOf(start) })
    const before = JSON.stringify(connection(props))
    const replay = await send(props, 'GET', '/oauth/callback', { query: { code: 'code-1', state }, cookie: cookieOf(start) })
    expect(replay.status).toBe(400)
    expect(replay.body).toContain('expired or was already used')
    expect(JSON.stringify(connection(props))).toBe(before)
  })

  it('refuses a state not bound to this browser, a forged or expired state, missing parameters and a HubSpot denial: 400, nothing changed', async () => {
    const props = unconnected()
    const start = await send(props, 'GET', '/oauth/start')
    const state = new URL(start.headers?.location ?? '').searchParams.get('state') ?? ''
    const snapshot = () => JSON.stringify([...props.fake.states.entries()])
    const before = snapshot()
    const cases: Array<[Record<string, string>, string | undefined, string]> = [
      [{ code: 'c', state }, undefined, 'not started in this browser'],
      [{ code: 'c', state }, `${COOKIE_NAME}=flow.${'x'.repeat(43)}`, 'not started in this browser'],
      [{ code: 'c', state: 'y'.repeat(43) }, `${COOKIE_NAME}=flow.${'y'.repeat(43)}`, 'expired or was already used'],
      [{ state }, cookieOf(start), 'Missing parameters'],
      [{ code: 'c' }, cookieOf(start), 'Missing parameters'],
      [{ error: 'access_denied', state }, cookieOf(start), 'HubSpot answered: access_denied.'],
      // Anyone can send a browser here with any text: prose is never shown as if HubSpot said it.
      [{ error: 'Your account is suspended. Call +1 555 0100 <b>now</b>', state }, undefined, 'HubSpot answered: an error.'],
    ]
    for (const [query, cookie, text] of cases) {
      const res = await send(props, 'GET', '/oauth/callback', { query, cookie })
      expect(res.status).toBe(400)
      expect(res.body).toContain(text)
      expect(res.body).not.toMatch(/suspended|555 0100|&lt;b&gt;/)
      expectPageHeaders(res)
    }
    expect(snapshot()).toBe(before)
  })

  it('/oauth/start writes nothing: 1000 calls make no Botpress write and leave an admin’s flow started before them working', async () => {
    const props = unconnected()
    const admin = await send(props, 'GET', '/oauth/start')
    const state = stateOf(admin)
    for (let i = 0; i < 1000; i++) expect((await send(props, 'GET', '/oauth/start')).status).toBe(302)
    // Not one write (nor any read after the webhook URL was cached): a stranger's calls cost the bot nothing.
    expect(props.fake.calls).toEqual(['getState'])
    expect(props.fake.states.has('integration:int_1:connection')).toBe(false)
    nockExchange()
    nockTokenInfo()
    const callback = await send(props, 'GET', '/oauth/callback', { query: { code: 'code-1', state }, cookie: cookieOf(admin) })
    expect(callback.status).toBe(303)
    expect(connection(props).refreshToken).toBe(NEW_REFRESH)
  })

  it('refuses forged states (bad MAC, altered expiry, another installation’s) and an expired one, with the matching cookie: 400, no call, nothing changed', async () => {
    // Another installation of the same HubSpot app (same client secret), at another webhook URL.
    const other = unconnected()
    other.fake.states.set('integration:int_1:setup', { ...setupOf(other), webhookUrl: 'https://webhook.botpress.test/wh_999' })
    const otherState = stateOf(await send(other, 'GET', '/oauth/start'))
    resetCaches('installations')
    const props = unconnected()
    const state = stateOf(await send(props, 'GET', '/oauth/start'))
    const raw = Buffer.from(state, 'base64url')
    expect(raw.length).toBe(16 + 8 + 32) // nonce, expiry, MAC
    const altered = (at: number, change: (byte: number) => number) => {
      const copy = Buffer.from(raw)
      copy[at] = change(copy[at] ?? 0)
      return copy.toString('base64url')
    }
    const expiryEnd = 16 + 7
    const forged = [
      altered(raw.length - 1, (b) => b ^ 1), // MAC flipped
      altered(3, (b) => b ^ 1), // nonce changed, MAC kept
      altered(expiryEnd, (b) => (b + 1) % 256), // expiry moved by a millisecond, MAC kept
      altered(16 + 4, (b) => (b + 1) % 256), // expiry pushed far out
      otherState,
    ]
    const snapshot = () => JSON.stringify([...props.fake.states.entries()])
    const before = snapshot()
    const calls = props.fake.calls.length
    for (const f of forged) {
      expect(f).not.toBe(state)
      const res = await send(props, 'GET', '/oauth/callback', { query: { code: 'code-1', state: f }, cookie: `${COOKIE_NAME}=flow.${f}` })
      expect(res.status).toBe(400)
      expect(res.body).toContain('expired or was already used')
    }
    // Refused on the MAC alone: not even a Botpress read (after the cached webhook URL), and no HubSpot call (nock would throw).
    expect(props.fake.calls.length).toBe(calls)
    expect(snapshot()).toBe(before)
    // Expired: the state's own (MAC'd) expiry has passed.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 + 1 })
    try {
      const expired = await send(props, 'GET', '/oauth/callback', { query: { code: 'code-1', state }, cookie: `${COOKIE_NAME}=flow.${state}` })
      expect(expired.status).toBe(400)
      expect(expired.body).toContain('expired or was already used')
    } finally {
      vi.useRealTimers()
    }
    expect(props.fake.calls.length).toBe(calls)
    expect(snapshot()).toBe(before)
    expect(nock.pendingMocks()).toEqual([])
  })

  it('a state whose first callback failed at the code exchange is spent too: the replay is refused without calling HubSpot', async () => {
    const props = unconnected()
    const start = await send(props, 'GET', '/oauth/start')
    const state = stateOf(start)
    hubspot().post('/oauth/2026-03/token').reply(400, { status: 'BAD_AUTH_CODE', message: 'bad code' })
    const first = await send(props, 'GET', '/oauth/callback', { query: { code: 'code-1', state }, cookie: cookieOf(start) })
    expect(first.body).toContain('HubSpot did not accept the authorization')
    const before = JSON.stringify([...props.fake.states.entries()])
    const calls = props.fake.calls.length
    const replay = await send(props, 'GET', '/oauth/callback', { query: { code: 'code-2', state }, cookie: cookieOf(start) })
    expect(replay.status).toBe(400)
    expect(replay.body).toContain('expired or was already used')
    // One read to find it spent, no write, no HubSpot call (nock would throw).
    expect(props.fake.calls.slice(calls)).toEqual(['getState'])
    expect(JSON.stringify([...props.fake.states.entries()])).toBe(before)
  })

  it('remembers only unexpired spent states, and at most a bounded number', async () => {
    const props = unconnected()
    const old = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`h${i}`, Date.now() + 60_000 + i]))
    props.fake.states.set('integration:int_1:connection', { spentStates: { ...old, gone: Date.now() - 1 } })
    hubspot().post('/oauth/2026-03/token').reply(400, { status: 'BAD_AUTH_CODE', message: 'bad code' })
    const start = await send(props, 'GET', '/oauth/start')
    await send(props, 'GET', '/oauth/callback', { query: { code: 'code-1', state: stateOf(start) }, cookie: cookieOf(start) })
    const spent = connection(props).spentStates ?? {}
    expect(Object.keys(spent)).toHaveLength(MAX_SPENT_STATES)
    expect(spent.gone).toBeUndefined()
    // The one just spent is kept (it expires last); the soonest-expiring others made room.
    expect(Math.max(...Object.values(spent))).toBeGreaterThan(Date.now() + 9 * 60_000)
    expect(spent.h0).toBeUndefined()
  })

  it('reads a connection stored before states were self-verifying (old pending flows) and drops them on the next connection', async () => {
    const props = unconnected()
    props.fake.states.set('integration:int_1:connection', { flows: { [hashToken('old-state')]: Date.now() + 60_000 } })
    const { callback } = await connect(props)
    expect(callback.status).toBe(303)
    expect(connection(props).flows).toBeUndefined()
  })

  it('a failed code exchange shows a clear page without secrets and stores nothing', async () => {
    const props = unconnected()
    const start = await send(props, 'GET', '/oauth/start')
    const state = new URL(start.headers?.location ?? '').searchParams.get('state') ?? ''
    hubspot()
      .post('/oauth/2026-03/token')
      .reply(400, { status: 'BAD_AUTH_CODE', message: `bad code, secret ${SECRETS.clientSecret}` })
    const res = await send(props, 'GET', '/oauth/callback', { query: { code: 'code-1', state }, cookie: cookieOf(start) })
    expect(res.status).toBe(400)
    expect(res.body).toContain('HubSpot did not accept the authorization')
    expect(connection(props).refreshToken).toBeUndefined()
    expectNoSecrets(`${res.body} ${props.lines.map((l) => l.message).join('\n')}`)
  })
})

describe('binding: a stranger with the webhook URL cannot take the bot over', () => {
  const connectedTo = (hubId: string, windowUntil = 0) => {
    const props = unconnected({
      connectWindowUntil: windowUntil,
      inboxChoice: { inboxIds: ['1001'] },
      channelAccounts: { '1001': { id: 'acc1', inboxId: '1001', name: 'Botpress', authorized: true } },
    })
    props.fake.states.set('integration:int_1:connection', { refreshToken: 'refresh-old-account-1234567', hubId })
    return props
  }

  it('refuses another HubSpot account outside the window: 403 page saying how to open it; nothing changes', async () => {
    const props = connectedTo('111')
    const { callback } = await connect(props, 222)
    expect(callback.status).toBe(403)
    expect(callback.body).toContain('save the integration configuration in Botpress, then click Connect within 15 minutes')
    expect(connection(props)).toMatchObject({ refreshToken: 'refresh-old-account-1234567', hubId: '111' })
    expect(callback.headers?.['set-cookie']).toBeUndefined()
    expect(setupOf(props).inboxChoice).toEqual({ inboxIds: ['1001'] })
  })

  it('accepts a re-consent for the same account outside the window', async () => {
    const props = connectedTo('111')
    const { callback } = await connect(props, 111)
    expect(callback.status).toBe(303)
    expect(connection(props)).toMatchObject({ refreshToken: NEW_REFRESH, hubId: '111' })
    expect(setupOf(props).inboxChoice).toEqual({ inboxIds: ['1001'] })
  })

  it('accepts another account within the window opened by saving the configuration, and forgets the old account’s inboxes', async () => {
    const props = connectedTo('111', Date.now() + 60_000)
    const earlier = `${COOKIE_NAME}=session.${'s'.repeat(43)}`
    props.fake.states.set('integration:int_1:connection', { ...connection(props), sessions: { [hashToken('s'.repeat(43))]: Date.now() + HOUR } })
    const { callback } = await connect(props, 222)
    expect(callback.status).toBe(303)
    // A session opened for the previous account does not carry over to the new one.
    props.fake.states.set('integration:int_1:setup', { ...setupOf(props), connectWindowUntil: 0 })
    expect((await send(props, 'GET', '/setup', { cookie: earlier })).status).toBe(403)
    expect(connection(props)).toMatchObject({ refreshToken: NEW_REFRESH, hubId: '222' })
    expect(setupOf(props).inboxChoice).toBeUndefined()
    expect(setupOf(props).channelAccounts).toEqual({})
  })

  it('shows nothing of a connected installation without a session: 403 outside the window, only a Connect link inside it', async () => {
    const props = connectedTo('111')
    const res = await send(props, 'GET', '/setup')
    expect(res.status).toBe(403)
    expect(res.body).toContain('Connect within 15 minutes')
    expect(res.body).not.toContain('111')
    expect(res.body).not.toContain('1001')
    // A made-up session cookie is no better.
    const forged = await send(props, 'GET', '/setup', { cookie: `${COOKIE_NAME}=session.${'z'.repeat(43)}` })
    expect(forged.status).toBe(403)
    const inWindow = connectedTo('111', Date.now() + 60_000)
    const invite = await send(inWindow, 'GET', '/setup')
    expect(invite.status).toBe(200)
    expect(invite.body).toContain(`${WEBHOOK_URL}/oauth/start`)
    expect(invite.body).not.toContain('111')
  })

  it('a stranger cannot change the inboxes: POST /setup without a session is refused and nothing changes', async () => {
    const props = connectedTo('111')
    const before = JSON.stringify(setupOf(props))
    const res = await send(props, 'POST', '/setup', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'inbox=1002&default=1002&csrf=whatever',
    })
    expect(res.status).toBe(403)
    expect(JSON.stringify(setupOf(props))).toBe(before)
  })
})

describe('/setup', () => {
  const form = (fields: Array<[string, string]>) => new URLSearchParams(fields).toString()
  const csrfOf = (body = '') => /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? ''
  const post = (props: Props, cookie: string, body: string, headers: Record<string, string> = {}) =>
    send(props, 'POST', '/setup', {
      cookie,
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://webhook.botpress.test', ...headers },
    })

  it('shows the account and its inboxes by name (escaped) as checkboxes and a default radio, with safe headers and no secret', async () => {
    const props = unconnected()
    const { cookie } = await connect(props)
    nockInboxes(INBOXES)
    props.fake.calls.length = 0
    const res = await send(props, 'GET', '/setup', { cookie })
    expect(res.status).toBe(200)
    expectPageHeaders(res)
    const body = res.body ?? ''
    expect(body).toContain('555')
    expect(body).toContain('acme.hubspot.com')
    expect(body).toContain('Support &lt;script&gt;alert(1)&lt;/script&gt;')
    expect(body).not.toContain('<script>')
    expect(body).toContain('Help desk &quot;EU&quot;')
    expect(body).toContain('type="checkbox" name="inbox" value="1001"')
    expect(body).toContain('type="radio" name="default" value="1002"')
    expect(body).toContain('Choose the inboxes')
    expectNoSecrets(body)
    // Cost: Botpress 2 reads (connection, setup); HubSpot 1 (inbox list; the token is warm from the exchange).
    expect(props.fake.calls).toEqual(['getState', 'getState'])
    expect(nock.isDone()).toBe(true)
  })

  it('saves the choice, then connects step by step while HubSpot is slow to list the channel, never blocking', async () => {
    const props = unconnected()
    const { cookie } = await connect(props)
    nockInboxes(INBOXES)
    const page = await send(props, 'GET', '/setup', { cookie })

    // POST: validate against HubSpot's list, save, one quick step (channel not listed yet), back to GET.
    nockInboxes(INBOXES)
    hubspot().get(channelsPath).query(devKeyQuery()).reply(200, { results: [], total: 0 })
    const saved = await post(
      props,
      cookie,
      form([
        ['csrf', csrfOf(page.body)],
        ['inbox', '1001'],
        ['inbox', '1002'],
        ['default', '1002'],
      ])
    )
    expect(saved.status).toBe(303)
    expect(saved.headers?.location).toBe(`${WEBHOOK_URL}/setup`)
    expect(setupOf(props).inboxChoice).toEqual({ inboxIds: ['1002', '1001'] })

    // GET while still invisible: "waiting for HubSpot…" and a meta refresh.
    nockInboxes(INBOXES)
    hubspot().get(channelsPath).query(devKeyQuery()).reply(200, { results: [], total: 0 })
    const waiting = await send(props, 'GET', '/setup', { cookie })
    expect(waiting.body).toContain('Waiting for HubSpot')
    expect(waiting.body).toContain('<meta http-equiv="refresh" content="5">')

    // GET once visible: the accounts are created, the page says connected.
    nockInboxes(INBOXES)
    hubspot()
      .get(channelsPath)
      .query(devKeyQuery())
      .reply(200, fakePage([fakeChannel({ id: 'ch1', webhookUrl: WEBHOOK_URL })]))
    hubspot().get(`${channelsPath}/ch1/channel-accounts`).query(true).reply(200, { results: [], total: 0 })
    for (const [inboxId, acc] of [
      ['1002', 'acc2'],
      ['1001', 'acc1'],
    ]) {
      hubspot()
        .post(`${channelsPath}/ch1/channel-accounts`, (b: Record<string, unknown>) => b.inboxId === inboxId && b.authorized === true)
        .reply(201, { id: acc, inboxId, name: `Botpress – ${inboxId}`, authorized: true })
    }
    const done = await send(props, 'GET', '/setup', { cookie })
    expect(done.body).toContain('Every chosen inbox is connected')
    expect(done.body).not.toContain('http-equiv="refresh"')
    expect(setupOf(props).channelAccounts).toMatchObject({ '1001': { id: 'acc1', authorized: true }, '1002': { id: 'acc2', authorized: true } })
    expect(nock.isDone()).toBe(true)

    // Unticking 1001 stops escalations going there: its stored account is dropped, so it is no longer
    // routable (1 inbox list to validate the choice; 1002 is connected already, so no channel call).
    nockInboxes(INBOXES)
    const narrowed = await post(
      props,
      cookie,
      form([
        ['csrf', csrfOf(done.body)],
        ['inbox', '1002'],
        ['default', '1002'],
      ])
    )
    expect(narrowed.status).toBe(303)
    expect(setupOf(props).inboxChoice).toEqual({ inboxIds: ['1002'] })
    expect(Object.keys(setupOf(props).channelAccounts)).toEqual(['1002'])
    expect(routableInboxes(parseConfiguration(props.ctx.configuration), setupOf(props))).toEqual(['1002'])
    expect(nock.isDone()).toBe(true)
  })

  it('POST is refused without the CSRF token, from another origin or site, and with a bad choice; nothing changes', async () => {
    const props = unconnected()
    const { cookie } = await connect(props)
    nockInboxes(INBOXES)
    const csrf = csrfOf((await send(props, 'GET', '/setup', { cookie })).body)
    const before = JSON.stringify(setupOf(props))
    const good = form([
      ['csrf', csrf],
      ['inbox', '1001'],
      ['default', '1001'],
    ])
    expect(
      (
        await post(
          props,
          cookie,
          form([
            ['inbox', '1001'],
            ['default', '1001'],
          ])
        )
      ).status
    ).toBe(403)
    expect(
      (
        await post(
          props,
          cookie,
          form([
            ['csrf', `${csrf}x`],
            ['inbox', '1001'],
          ])
        )
      ).status
    ).toBe(403)
    expect((await post(props, cookie, good, { origin: 'https://evil.example' })).status).toBe(403)
    expect((await post(props, cookie, good, { 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    // What a browser sends when the page's referrer policy hides its origin (a sandboxed frame, no-referrer): refused.
    expect((await post(props, cookie, good, { origin: 'null', 'sec-fetch-site': 'same-origin' })).status).toBe(403)
    expect((await post(props, cookie, good, { origin: undefined as never, referer: 'https://evil.example/x' })).status).toBe(403)
    expect((await post(props, cookie, good, { 'content-type': 'text/plain' })).status).toBe(403)
    // Another browser's session cannot use this CSRF token.
    const other = await connect(props)
    expect((await post(props, other.cookie, good)).status).toBe(403)
    // Bad choices: 400 with the reason.
    const bad: Array<[Array<[string, string]>, string]> = [
      [[['csrf', csrf]], 'Choose at least one inbox'],
      [
        [
          ['csrf', csrf],
          ['inbox', '1001'],
          ['inbox', '1002'],
          ['default', '1003'],
        ],
        'Choose the default',
      ],
      [
        [
          ['csrf', csrf],
          ['inbox', '10x1'],
          ['default', '10x1'],
        ],
        'not valid',
      ],
    ]
    for (const [fields, text] of bad) {
      const res = await post(props, cookie, form(fields))
      expect(res.status).toBe(400)
      expect(res.body).toContain(text)
    }
    nockInboxes(INBOXES)
    const unknown = await post(
      props,
      cookie,
      form([
        ['csrf', csrf],
        ['inbox', '9999'],
        ['default', '9999'],
      ])
    )
    expect(unknown.status).toBe(400)
    expect(unknown.body).toContain('no active inbox 9999')
    expect(JSON.stringify(setupOf(props))).toBe(before)
  })

  it('configured inbox ids keep working: the page shows them read-only and POST refuses to change them', async () => {
    const props = makeProps({ configuration: { refreshToken: undefined } })
    props.fake.states.set('integration:int_1:setup', {
      webhookUrl: WEBHOOK_URL,
      channelId: 'ch1',
      channelCreatedByUs: true,
      channelAccounts: { '1001': { id: 'acc1', inboxId: '1001', name: 'Botpress', authorized: true } },
    })
    const { cookie } = await connect(props)
    nockInboxes(INBOXES)
    const page = await send(props, 'GET', '/setup', { cookie })
    expect(page.body).toContain('set in the integration configuration')
    expect(page.body).toContain('value="1001" id="inbox-1001" checked disabled')
    const res = await post(
      props,
      cookie,
      form([
        ['csrf', csrfOf(page.body)],
        ['inbox', '1002'],
        ['default', '1002'],
      ])
    )
    expect(res.status).toBe(409)
  })
})

describe('GET /connect (admin connects the channel from HubSpot)', () => {
  const connected = () => {
    const props = unconnected()
    props.fake.states.set('integration:int_1:connection', { refreshToken: NEW_REFRESH, hubId: '555' })
    return props
  }
  const nockRefresh = () =>
    hubspot()
      .post('/oauth/2026-03/token', (b: Record<string, string>) => b.grant_type === 'refresh_token' && b.refresh_token === NEW_REFRESH)
      .reply(200, { access_token: NEW_ACCESS, refresh_token: NEW_REFRESH, expires_in: 1800, token_type: 'bearer', token_use: 'access_token' })
  const stagingPatch = (status: number) =>
    hubspot()
      .patch(
        `${channelsPath}/ch1/channel-account-staging-tokens/tok-1`,
        (b: { accountName?: string; deliveryIdentifier?: { type: string; value: string } }) =>
          b.accountName === 'Botpress' &&
          b.deliveryIdentifier?.type === 'CHANNEL_SPECIFIC_OPAQUE_ID' &&
          b.deliveryIdentifier.value === 'botpress-1002'
      )
      .matchHeader('authorization', `Bearer ${NEW_ACCESS}`)
      .reply(status, status === 200 ? { accountToken: 'tok-1', inboxId: 1002, genericChannelId: 5551 } : { status: 'CONFLICT', message: 'already' })

  it('completes the staging token with the stored OAuth token and returns to HubSpot (1 HubSpot request warm)', async () => {
    const props = connected()
    nockRefresh()
    stagingPatch(200)
    const redirectUrl = 'https://app.hubspot.com/live-messages-settings/555/inboxes'
    const res = await send(props, 'GET', '/connect', { query: { accountToken: 'tok-1', channelId: 'ch1', inboxId: '1002', redirectUrl } })
    expect(res.status).toBe(302)
    expect(res.headers?.location).toBe(redirectUrl)
    expect(nock.isDone()).toBe(true)
    // Cost cold: Botpress setup + connection (+ oauth cache) reads and the token save; warm: the setup read only.
    props.fake.calls.length = 0
    stagingPatch(409)
    const again = await send(props, 'GET', '/connect', { query: { accountToken: 'tok-1', channelId: 'ch1', inboxId: '1002', redirectUrl } })
    expect(again.status).toBe(302) // 409 = already done
    expect(props.fake.calls).toEqual(['getState'])
    expect(nock.isDone()).toBe(true)
  })

  it('refuses missing parameters, a channel that is not ours and a non-HubSpot return address: 4xx, no HubSpot call', async () => {
    const props = connected()
    const cases: Array<[Record<string, string>, number, string]> = [
      [{}, 400, 'Missing parameters'],
      [{ channelId: 'ch1' }, 400, 'accountToken'],
      [{ accountToken: 'tok-1' }, 400, 'channelId'],
      [{ accountToken: 'tok-1', channelId: 'ch-other' }, 404, 'does not belong'],
      [{ accountToken: 'tok-1', channelId: 'ch1', redirectUrl: 'https://evil.example/' }, 400, 'not a HubSpot page'],
      [{ accountToken: 'tok-1', channelId: 'ch1', redirectUrl: 'https://app.hubspot.com.evil.example/' }, 400, 'not a HubSpot page'],
      [{ accountToken: 'tok-1', channelId: 'ch1', redirectUrl: 'http://app.hubspot.com/' }, 400, 'not a HubSpot page'],
      [{ accountToken: 'tok-1', channelId: 'ch1', redirectUrl: 'http://127.0.0.1:3000/' }, 400, 'not a HubSpot page'],
    ]
    for (const [query, status, text] of cases) {
      const res = await send(props, 'GET', '/connect', { query })
      expect(res.status, JSON.stringify(query)).toBe(status)
      expect(res.body).toContain(text)
      expectPageHeaders(res)
    }
  })

  it('says to connect HubSpot first when no OAuth token exists', async () => {
    const props = unconnected()
    const res = await send(props, 'GET', '/connect', { query: { accountToken: 'tok-1', channelId: 'ch1' } })
    expect(res.status).toBe(409)
    expect(res.body).toContain('/oauth/start')
  })
})

describe('routing', () => {
  it('leaves every other path to the webhook handler, prototype names included', async () => {
    const props = unconnected()
    for (const path of ['toString', '/constructor', '/__proto__', '/oauth/other', '/oauthx', '/setup/x', '/', '']) {
      const res = await send(props, 'GET', path)
      expect(res.status, path).toBe(405)
      expect(res.headers?.['content-type']).toBe('application/json')
    }
    expect((await send(props, 'GET', '/setup/')).headers?.['content-type']).toContain('text/html')
    // Botpress's global OAuth route hands the callback over as "/oauth" (a publisher app's redirect URL).
    expect((await send(props, 'GET', '/oauth')).headers?.['content-type']).toContain('text/html')
  })
})

describe('publisher mode: the installation is routed by its HubSpot portal (issue 17, point 2)', () => {
  it('own-app mode sets no identifier', async () => {
    const props = unconnected()
    const identifiers = recordIdentifiers(props.fake)
    expect((await connect(props, 555)).callback.status).toBe(303)
    expect(identifiers).toEqual([])
    expect(connection(props).identifier).toBeUndefined()
  })
})
