import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ConnectionState } from '../../definitions/states'
import { channelsPath, devKeyQuery, hubspot, introspectionOf } from '../../tests/helpers/nock-hubspot'
import { makePublisherConfigProps, SECRETS, usePublisherSecrets, WEBHOOK_URL } from '../../tests/helpers/props'
import { resetCaches } from '../cache'
import { httpTuning } from '../hubspot'
import { handler } from '../webhook/handler'
import { recordIdentifiers } from '../../tests/helpers/fake-botpress'
import { COOKIE_NAME } from './cookies'

/**
 * Connect with a publisher app (issue 17, point 3): one HubSpot app serves every bot, so its
 * redirect URL is Botpress's global `{BP_WEBHOOK_URL}/oauth`, which Botpress routes to the
 * installation whose webhook id is the `state`. The self-verifying token (src/connect/access.ts)
 * then rides in the flow cookie only; single use, the window and sessions stay as they were.
 */
const INTEGRATION_URL = 'https://webhook.botpress.test/integration/global/acme/hubspot-hitl'
const GLOBAL_OAUTH = 'https://webhook.botpress.test/oauth'
const NEW_REFRESH = 'refresh-from-connect-77aa88bb99cc'
const NEW_ACCESS = 'access-from-connect-11dd22ee33ff'

type Props = ReturnType<typeof makePublisherConfigProps>
type Res = { status: number; body?: string; headers?: Record<string, string> }

const saved = { bp: process.env.BP_WEBHOOK_URL }
let restoreSecrets: () => void = () => {}
beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
  restoreSecrets = usePublisherSecrets(INTEGRATION_URL)
  delete process.env.BP_WEBHOOK_URL
  delete process.env.HUBSPOT_APP_BASE_URL
})
afterEach(() => {
  nock.cleanAll()
  restoreSecrets()
  if (saved.bp === undefined) delete process.env.BP_WEBHOOK_URL
  else process.env.BP_WEBHOOK_URL = saved.bp
})

const unconnected = () => {
  const props = makePublisherConfigProps()
  recordIdentifiers(props.fake)
  props.fake.states.set('integration:int_1:setup', {
    webhookUrl: WEBHOOK_URL,
    channelId: 'ch1',
    channelWebhookUrl: INTEGRATION_URL,
    channelAccounts: {},
  })
  return props
}

const send = async (props: Props, path: string, opts: { query?: Record<string, string>; cookie?: string } = {}): Promise<Res> => {
  const headers: Record<string, string> = opts.cookie ? { cookie: opts.cookie } : {}
  const req = { method: 'GET', path, query: new URLSearchParams(opts.query ?? {}).toString(), headers, body: '' }
  return (await handler({ ...props, req } as never)) as Res
}

const cookieOf = (res: Res): string => (res.headers?.['set-cookie'] ?? '').split(';')[0] ?? ''
const connection = (props: Props): ConnectionState => (props.fake.states.get('integration:int_1:connection') ?? {}) as ConnectionState

const nockExchange = (redirectUri = GLOBAL_OAUTH, hubId = 555) =>
  hubspot()
    .post(
      '/oauth/2026-03/token',
      (b: Record<string, string>) =>
        b.grant_type === 'authorization_code' && b.code === 'code-1' && b.client_secret === SECRETS.clientSecret && b.redirect_uri === redirectUri
    )
    .reply(200, { access_token: NEW_ACCESS, refresh_token: NEW_REFRESH, expires_in: 1800, token_type: 'bearer', hub_id: hubId })
const nockTokenInfo = (hubId = 555) =>
  hubspot()
    .post('/oauth/2026-03/token/introspect', (b: Record<string, string>) => b.token === NEW_ACCESS && b.client_secret === SECRETS.clientSecret)
    .reply(200, introspectionOf(NEW_ACCESS, hubId))

describe('publisher app: Connect through Botpress’s global OAuth route', () => {
  it('/oauth/start: redirect URL {BP_WEBHOOK_URL}/oauth, state = the webhook id verbatim, the token in a cookie scoped to /oauth; nothing stored', async () => {
    const props = unconnected()
    const res = await send(props, '/oauth/start')
    expect(res.status).toBe(302)
    const url = new URL(res.headers?.location ?? '')
    // No BP_WEBHOOK_URL in this runtime: the origin of the webhook URL (Botpress's webhook host).
    expect(url.searchParams.get('redirect_uri')).toBe(GLOBAL_OAUTH)
    expect(url.searchParams.get('state')).toBe('wh_123')
    const cookie = res.headers?.['set-cookie'] ?? ''
    expect(cookie).toMatch(new RegExp(`^${COOKIE_NAME}=flow\\.[A-Za-z0-9_-]{75};`))
    for (const attr of ['Path=/oauth;', 'HttpOnly', 'Secure', 'SameSite=Lax', 'Max-Age=600']) expect(cookie).toContain(attr)
    expect(cookie).not.toContain('wh_123')
    expect(props.fake.calls).toEqual(['getState'])

    process.env.BP_WEBHOOK_URL = 'https://webhook.botpress.example/'
    const withEnv = new URL((await send(props, '/oauth/start')).headers?.location ?? '')
    expect(withEnv.searchParams.get('redirect_uri')).toBe('https://webhook.botpress.example/oauth')
  })

  it.each(['/oauth', '/oauth/callback'])(
    'the callback handed over as %s exchanges the code with the same redirect URL and opens the setup page (same cost as before)',
    async (path) => {
      const props = unconnected()
      const start = await send(props, '/oauth/start')
      nockExchange()
      nockTokenInfo()
      const res = await send(props, path, { query: { code: 'code-1', state: 'wh_123' }, cookie: cookieOf(start) })
      expect(res.status).toBe(303)
      expect(res.headers?.location).toBe(`${WEBHOOK_URL}/setup`)
      // The session belongs to the setup page, under the installation's own URL.
      expect(res.headers?.['set-cookie']).toMatch(new RegExp(`^${COOKIE_NAME}=session\\.[^;]+; Path=/wh_123;`))
      expect(res.headers?.['x-bp-disable-interstitial']).toBe('true')
      expect(connection(props)).toMatchObject({ refreshToken: NEW_REFRESH, hubId: '555' })
      expect(Object.keys(connection(props).spentStates ?? {})).toHaveLength(1)
      // Publisher mode adds one call to the flow: routing the app's webhooks by this account (issue 17, point 2).
      expect(props.fake.calls).toEqual(['getState', 'getState', 'getOrSetState', 'getState', 'configureIntegration', 'setState'])
      expect(nock.pendingMocks()).toEqual([])
    }
  )

  it('refuses without the flow cookie, with a state naming another installation, with the token as state, forged, replayed or expired: 400, no HubSpot call', async () => {
    const props = unconnected()
    const start = await send(props, '/oauth/start')
    const cookie = cookieOf(start)
    const token = cookie.split('flow.')[1] ?? ''
    const snapshot = () => JSON.stringify([...props.fake.states.entries()])
    const before = snapshot()
    const flipped = Buffer.from(token, 'base64url')
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1
    const cases: Array<[Record<string, string>, string | undefined, string]> = [
      [{ code: 'code-1', state: 'wh_123' }, undefined, 'not started in this browser'],
      [{ code: 'code-1', state: 'wh_999' }, cookie, 'not started in this browser'],
      // The own-app form (state = token) is not this installation's route any more.
      [{ code: 'code-1', state: token }, cookie, 'not started in this browser'],
      [{ code: 'code-1', state: 'wh_123' }, `${COOKIE_NAME}=flow.${flipped.toString('base64url')}`, 'expired or was already used'],
      [{ code: 'code-1', state: 'wh_123' }, `${COOKIE_NAME}=session.${token}`, 'not started in this browser'],
    ]
    for (const [query, c, text] of cases) {
      const res = await send(props, '/oauth', { query, cookie: c })
      expect(res.status, `${query.state} ${c}`).toBe(400)
      expect(res.body).toContain(text)
    }
    expect(snapshot()).toBe(before)

    nockExchange()
    nockTokenInfo()
    expect((await send(props, '/oauth', { query: { code: 'code-1', state: 'wh_123' }, cookie })).status).toBe(303)
    const replay = await send(props, '/oauth', { query: { code: 'code-1', state: 'wh_123' }, cookie })
    expect(replay.status).toBe(400)
    expect(replay.body).toContain('expired or was already used')

    const late = await send(props, '/oauth/start')
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10 * 60_000 + 1 })
    try {
      const expired = await send(props, '/oauth', { query: { code: 'code-1', state: 'wh_123' }, cookie: cookieOf(late) })
      expect(expired.status).toBe(400)
      expect(expired.body).toContain('expired or was already used')
    } finally {
      vi.useRealTimers()
    }
    expect(nock.pendingMocks()).toEqual([])
  })

  it('another installation’s flow cookie (same app, same client secret) does not work here', async () => {
    const other = makePublisherConfigProps()
    other.fake.states.set('integration:int_1:setup', { webhookUrl: 'https://webhook.botpress.test/wh_999', channelId: 'ch1', channelAccounts: {} })
    const theirs = cookieOf(await send(other, '/oauth/start'))
    resetCaches('installations')
    const props = unconnected()
    const res = await send(props, '/oauth', { query: { code: 'code-1', state: 'wh_123' }, cookie: theirs })
    expect(res.status).toBe(400)
    expect(res.body).toContain('expired or was already used')
  })

  it('a stranger’s code for another HubSpot account cannot replace the connected one outside the window', async () => {
    const props = unconnected()
    props.fake.states.set('integration:int_1:connection', { refreshToken: 'old-refresh-token-aa11', hubId: '555', connectedAt: 1 })
    const start = await send(props, '/oauth/start')
    nockExchange(GLOBAL_OAUTH, 666)
    nockTokenInfo(666)
    const res = await send(props, '/oauth', { query: { code: 'code-1', state: 'wh_123' }, cookie: cookieOf(start) })
    expect(res.status).toBe(403)
    expect(connection(props)).toMatchObject({ refreshToken: 'old-refresh-token-aa11', hubId: '555' })
  })

  it("the setup page connects the chosen inboxes on the app's shared channel without taking over another bot's account there", async () => {
    const props = unconnected()
    props.fake.states.set('integration:int_1:setup', {
      webhookUrl: WEBHOOK_URL,
      channelId: 'ch1',
      channelWebhookUrl: INTEGRATION_URL,
      channelAccounts: {},
      inboxChoice: { inboxIds: ['1001'] },
    })
    const start = await send(props, '/oauth/start')
    nockExchange()
    nockTokenInfo()
    const callback = await send(props, '/oauth', { query: { code: 'code-1', state: 'wh_123' }, cookie: cookieOf(start) })
    // A new account resets the choice (oauth-flow.ts): choose again, as the setup page's form would have.
    const setup = props.fake.states.get('integration:int_1:setup') as Record<string, unknown>
    props.fake.states.set('integration:int_1:setup', { ...setup, inboxChoice: { inboxIds: ['1001'] } })
    hubspot()
      .get('/conversations/conversations/2026-09/inboxes')
      .query(true)
      .reply(200, { results: [{ id: '1001', name: 'Support', type: 'INBOX', archived: false }], total: 1 })
    hubspot()
      .get(channelsPath)
      .query(devKeyQuery())
      .reply(200, { results: [{ id: 'ch1', webhookUrl: INTEGRATION_URL }], total: 1 })
    // Another bot of the same HubSpot account connected inbox 1002 to the shared channel.
    hubspot()
      .get(`${channelsPath}/ch1/channel-accounts`)
      .query(true)
      .reply(200, {
        results: [{ id: 'acc-other', channelId: 'ch1', inboxId: '1002', name: 'Other bot', authorized: true, archived: false }],
        total: 1,
      })
    hubspot()
      .post(`${channelsPath}/ch1/channel-accounts`, (b: Record<string, unknown>) => b.inboxId === '1001')
      .reply(201, { id: 'acc-mine', channelId: 'ch1', inboxId: '1001', name: 'Botpress – Support', authorized: true })
    const page = await send(props, '/setup', { cookie: cookieOf(callback) })
    expect(page.status).toBe(200)
    expect(Object.keys((props.fake.states.get('integration:int_1:setup') as { channelAccounts: object }).channelAccounts)).toEqual(['1001'])
    expect(nock.pendingMocks()).toEqual([])
  })

  it('a refused code exchange points to the publisher, not to configuration fields the bot builder does not have', async () => {
    const props = unconnected()
    const start = await send(props, '/oauth/start')
    hubspot().post('/oauth/2026-03/token').reply(400, { status: 'error', message: 'invalid code', category: 'BAD_AUTH_CODE', correlationId: 'c-1' })
    const res = await send(props, '/oauth', { query: { code: 'code-1', state: 'wh_123' }, cookie: cookieOf(start) })
    expect(res.status).toBe(400)
    expect(res.body).toContain('publisher')
    expect(res.body).not.toContain('in the configuration')
  })

  describe('routing by portal (issue 17, point 2)', () => {
    const connectAs = async (props: Props, hubId: number): Promise<Res> => {
      const start = await send(props, '/oauth/start')
      nockExchange(GLOBAL_OAUTH, hubId)
      nockTokenInfo(hubId)
      return send(props, '/oauth', { query: { code: 'code-1', state: 'wh_123' }, cookie: cookieOf(start) })
    }

    it('sets the identifier to the portal id after the callback; reconnecting the same account claims it again (one call), restoring a routing Botpress dropped', async () => {
      const props = unconnected()
      const identifiers = recordIdentifiers(props.fake)
      expect((await connectAs(props, 555)).status).toBe(303)
      expect(identifiers).toEqual(['555'])
      expect(connection(props)).toMatchObject({ hubId: '555', identifier: '555' })
      // The state still says 555, but an uninstall (whose states survived) or Botpress may have cleared the routing.
      expect((await connectAs(props, 555)).status).toBe(303)
      expect(identifiers).toEqual(['555', '555'])
    })

    it('re-sets it when another account connects', async () => {
      const props = unconnected()
      const identifiers = recordIdentifiers(props.fake)
      props.fake.states.set('integration:int_1:connection', { hubId: '555', identifier: '555' })
      expect((await connectAs(props, 777)).status).toBe(303)
      expect(identifiers).toEqual(['777'])
      expect(connection(props)).toMatchObject({ hubId: '777', identifier: '777' })
    })

    it('a refused identifier fails the callback with what to do, and records nothing', async () => {
      const props = unconnected()
      props.fake.failNext = { method: 'configureIntegration', error: new Error('identifier taken') }
      const res = await connectAs(props, 555)
      expect(res.status).toBe(409)
      expect(res.body).toContain('identifier taken')
      expect(res.body).toContain('no other bot is connected to HubSpot account 555')
      // A way out that works: a new flow (reloading this callback would only find its state spent).
      expect(res.body).toContain('/oauth/start')
      expect(res.body).not.toContain('Reload')
      expect(res.body).not.toContain(NEW_REFRESH)
      expect(connection(props).identifier).toBeUndefined()
      expect(connection(props).refreshToken).toBeUndefined()
      expect(props.lines.some((l) => l.level === 'error' && l.message.includes('did not route HubSpot account 555'))).toBe(true)
    })
  })
})
