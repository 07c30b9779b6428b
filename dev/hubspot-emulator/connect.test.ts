import { createHmac, timingSafeEqual } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { startHubspotEmulator, type EmulatorOptions, type HubspotEmulator } from './index'
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from './test-receiver'

/** The install flow (consent page, code exchange) and HubSpot's "Connect a channel" (staging tokens), over 127.0.0.1. */

const CREDS = { clientId: 'client-id-1', clientSecret: 'client-secret-1', developerApiKey: 'dev-key-1', appId: '424242' } as const
const SCOPES = ['conversations.read', 'conversations.custom_channels.read', 'oauth']
const CALLBACK = 'https://bot.example.test/hook-1/oauth/callback'
const HOUR = 3_600_000

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

const start = async (extra: Partial<EmulatorOptions> = {}): Promise<HubspotEmulator> => {
  const emu = await startHubspotEmulator({ ...CREDS, ...extra })
  cleanups.push(() => emu.close())
  return emu
}

const receiver = async (path?: string): Promise<WebhookReceiver> => {
  const r = await startWebhookReceiver(path)
  cleanups.push(() => r.close())
  return r
}

type Res = { status: number; text: string; json: unknown; location: string | null; contentType: string | null }
const send = async (url: string, init: RequestInit = {}): Promise<Res> => {
  const res = await fetch(url, { redirect: 'manual', ...init })
  const text = await res.text()
  let json: unknown
  try {
    json = text ? (JSON.parse(text) as unknown) : undefined
  } catch {
    json = undefined
  }
  return { status: res.status, text, json, location: res.headers.get('location'), contentType: res.headers.get('content-type') }
}
const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
})
const jsonReq = (method: string, body: unknown, token?: string): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
})
const field = (value: unknown, key: string): unknown =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined
const str = (value: unknown, key: string): string => {
  const v = field(value, key)
  if (typeof v !== 'string') throw new Error(`expected a string at ${key}, got ${JSON.stringify(v)}`)
  return v
}

const authorizeUrl = (emu: HubspotEmulator, params: Record<string, string>) => `${emu.authorizeUrl}?${new URLSearchParams(params).toString()}`
const VALID = { client_id: CREDS.clientId, redirect_uri: CALLBACK, scope: SCOPES.join(' '), state: 'st-1' }

/** Opens the consent page and returns the hidden consent id of its form. */
const consentId = async (emu: HubspotEmulator, params: Record<string, string> = VALID): Promise<string> => {
  const page = await send(authorizeUrl(emu, params))
  expect(page.status).toBe(200)
  const m = /name="consent" value="([^"]+)"/.exec(page.text)
  if (!m?.[1]) throw new Error('no consent id on the page')
  return m[1]
}

const grant = async (emu: HubspotEmulator): Promise<URL> => {
  const answer = await send(emu.authorizeUrl, form({ consent: await consentId(emu), decision: 'grant' }))
  expect(answer.status).toBe(302)
  return new URL(answer.location ?? '')
}

const exchange = (emu: HubspotEmulator, fields: Record<string, string>) =>
  send(
    `${emu.url}/oauth/v1/token`,
    form({ grant_type: 'authorization_code', client_id: CREDS.clientId, client_secret: CREDS.clientSecret, redirect_uri: CALLBACK, ...fields })
  )

const installedToken = async (emu: HubspotEmulator): Promise<string> => {
  const code = (await grant(emu)).searchParams.get('code') ?? ''
  return str((await exchange(emu, { code })).json, 'access_token')
}

const verifyV3 = (r: ReceivedRequest, url: string): boolean => {
  const sig = r.headers['x-hubspot-signature-v3']
  const ts = r.headers['x-hubspot-request-timestamp']
  if (typeof sig !== 'string' || typeof ts !== 'string') return false
  const expected = createHmac('sha256', CREDS.clientSecret).update(`POST${url}${r.body}${ts}`).digest()
  const given = Buffer.from(sig, 'base64')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

describe('install flow: consent page and code exchange', () => {
  it('shows the app, account and scopes; Grant access redirects with a code and the state', async () => {
    const emu = await start({ appName: 'Botpress <HITL>' })
    const page = await send(authorizeUrl(emu, VALID))
    expect(page.status).toBe(200)
    expect(page.contentType).toMatch(/text\/html/)
    expect(page.text).toContain('Botpress &lt;HITL&gt;')
    expect(page.text).not.toContain('<HITL>')
    for (const s of SCOPES) expect(page.text).toContain(`<code>${s}</code>`)
    expect(page.text).toContain('12345678')
    expect(page.text).toContain('Grant access')
    expect(page.text).not.toContain(CREDS.clientSecret)

    const target = await grant(emu)
    expect(`${target.origin}${target.pathname}`).toBe(CALLBACK)
    expect(target.searchParams.get('state')).toBe('st-1')
    expect(target.searchParams.get('code')).toMatch(/^code-/)
  })

  it('exchanges a code once, only with its redirect_uri, for tokens that work and describe themselves', async () => {
    const emu = await start()
    const code = (await grant(emu)).searchParams.get('code') ?? ''

    const wrongRedirect = await exchange(emu, { code, redirect_uri: 'https://bot.example.test/other' })
    expect(wrongRedirect.status).toBe(400)
    expect(field(wrongRedirect.json, 'status')).toBe('BAD_REDIRECT_URI')
    expect((await exchange(emu, { code, client_secret: 'nope' })).json).toMatchObject({ status: 'BAD_CLIENT_SECRET' })

    const ok = await exchange(emu, { code })
    expect(ok.status).toBe(200)
    expect(ok.json).toMatchObject({ token_type: 'bearer', expires_in: 1800, hub_id: 12345678, user_id: 70001, scopes: SCOPES })
    const access = str(ok.json, 'access_token')
    const refresh = str(ok.json, 'refresh_token')

    const again = await exchange(emu, { code })
    expect(again.status).toBe(400)
    expect(field(again.json, 'status')).toBe('BAD_AUTH_CODE')

    const inboxes = await send(`${emu.url}/conversations/v3/conversations/inboxes`, { headers: { Authorization: `Bearer ${access}` } })
    expect(inboxes.status).toBe(200)
    expect((await send(`${emu.url}/oauth/v1/access-tokens/${access}`)).json).toMatchObject({ hub_id: 12345678, scopes: SCOPES, app_id: 424242 })
    expect((await send(`${emu.url}/oauth/v1/refresh-tokens/${refresh}`)).json).toMatchObject({
      hub_id: 12345678,
      scopes: SCOPES,
      client_id: CREDS.clientId,
    })

    const refreshed = await send(
      `${emu.url}/oauth/v1/token`,
      form({ grant_type: 'refresh_token', client_id: CREDS.clientId, client_secret: CREDS.clientSecret, refresh_token: refresh })
    )
    expect(refreshed.json).toMatchObject({ refresh_token: refresh, scopes: SCOPES })
    expect(str(refreshed.json, 'access_token')).not.toBe(access)

    emu.faults.revokeRefreshToken()
    const revoked = await send(
      `${emu.url}/oauth/v1/token`,
      form({ grant_type: 'refresh_token', client_id: CREDS.clientId, client_secret: CREDS.clientSecret, refresh_token: refresh })
    )
    expect(field(revoked.json, 'status')).toBe('BAD_REFRESH_TOKEN')
  })

  it('expires unused codes after ten minutes', async () => {
    let now = Date.now()
    const emu = await start({ now: () => now })
    const code = (await grant(emu)).searchParams.get('code') ?? ''
    now += 10 * 60_000 + 1
    expect(field((await exchange(emu, { code })).json, 'status')).toBe('BAD_AUTH_CODE')
  })

  it('sends Cancel back as error=access_denied with the state', async () => {
    const emu = await start()
    const answer = await send(emu.authorizeUrl, form({ consent: await consentId(emu), decision: 'deny' }))
    expect(answer.status).toBe(302)
    const target = new URL(answer.location ?? '')
    expect(target.searchParams.get('error')).toBe('access_denied')
    expect(target.searchParams.get('state')).toBe('st-1')
    expect(target.searchParams.has('code')).toBe(false)
  })

  it('answers app problems with an error page, never a redirect; a consent answers once', async () => {
    const emu = await start({ appScopes: SCOPES, redirectUrls: [CALLBACK] })
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...VALID, client_id: 'someone-else' }, /client id/],
      [{ ...VALID, redirect_uri: 'https://evil.example.test/cb' }, /not one of this app&#39;s redirect URLs/],
      [{ ...VALID, redirect_uri: 'javascript:alert(1)' }, /redirect_uri/],
      [{ ...VALID, scope: 'conversations.read oauth' }, /missing: conversations\.custom_channels\.read/],
      [{ ...VALID, scope: `${SCOPES.join(' ')} tickets` }, /not in the app: tickets/],
    ]
    for (const [params, message] of cases) {
      const page = await send(authorizeUrl(emu, params))
      expect(page.status, JSON.stringify(params)).toBe(400)
      expect(page.location).toBeNull()
      expect(page.text).toMatch(message)
    }
    const { client_id: _omitted, ...noClient } = VALID
    expect((await send(authorizeUrl(emu, noClient))).status).toBe(400)

    const id = await consentId(emu)
    expect((await send(emu.authorizeUrl, form({ consent: id, decision: 'grant' }))).status).toBe(302)
    const replay = await send(emu.authorizeUrl, form({ consent: id, decision: 'grant' }))
    expect(replay.status).toBe(400)
    expect(replay.location).toBeNull()
    expect((await send(emu.authorizeUrl, form({ consent: 'forged', decision: 'grant' }))).status).toBe(400)

    emu.setRedirectUrls(['https://evil.example.test/cb'])
    expect((await send(authorizeUrl(emu, { ...VALID, redirect_uri: 'https://evil.example.test/cb' }))).status).toBe(200)
  })

  it('starts without a configured refresh token: only installed ones work', async () => {
    const emu = await start()
    const unknown = await send(
      `${emu.url}/oauth/v1/token`,
      form({ grant_type: 'refresh_token', client_id: CREDS.clientId, client_secret: CREDS.clientSecret, refresh_token: 'undefined' })
    )
    expect(field(unknown.json, 'status')).toBe('BAD_REFRESH_TOKEN')
    expect(await installedToken(emu)).toMatch(/^emu-/)
  })
})

describe('inboxes', () => {
  it('has an inbox and a help desk by default, paged as the Conversations API pages', async () => {
    const emu = await start()
    const token = await installedToken(emu)
    const auth = { headers: { Authorization: `Bearer ${token}` } }
    const first = await send(`${emu.url}/conversations/v3/conversations/inboxes?limit=2`, auth)
    expect(first.json).toMatchObject({
      total: 3,
      results: [
        { id: '1001', type: 'INBOX' },
        { id: '1002', name: 'Help Desk', type: 'HELP_DESK' },
      ],
    })
    const after = str(field(field(first.json, 'paging'), 'next'), 'after')
    const second = await send(`${emu.url}/conversations/v3/conversations/inboxes?limit=2&after=${after}`, auth)
    expect(second.json).toMatchObject({ total: 3, results: [{ id: '1003', type: 'INBOX' }] })
    expect(field(second.json, 'paging')).toBeUndefined()
  })
})

describe('"Connect a channel" from HubSpot (staging tokens)', () => {
  const CAPS = { deliveryIdentifierTypes: ['CHANNEL_SPECIFIC_OPAQUE_ID'], allowOutgoingMessages: true }

  const setup = async () => {
    const emu = await start()
    const hook = await receiver('/hook')
    const token = await installedToken(emu)
    const dev = `hapikey=${CREDS.developerApiKey}&appId=${CREDS.appId}`
    const created = await send(
      `${emu.url}/conversations/v3/custom-channels?${dev}`,
      jsonReq('POST', { name: 'Bot <b>', webhookUrl: hook.url, capabilities: CAPS, channelAccountConnectionRedirectUrl: `${hook.url}/first` })
    )
    expect(created.status).toBe(201)
    const channelId = str(created.json, 'id')
    const patched = await send(
      `${emu.url}/conversations/v3/custom-channels/${channelId}?${dev}`,
      jsonReq('PATCH', { channelAccountConnectionRedirectUrl: `${hook.url}/connect` })
    )
    expect(field(patched.json, 'channelAccountConnectionRedirectUrl')).toBe(`${hook.url}/connect`)
    return { emu, hook, token, channelId, dev }
  }
  const stagingPath = (emu: HubspotEmulator, channelId: string, accountToken: string) =>
    `${emu.url}/conversations/v3/custom-channels/${channelId}/channel-account-staging-tokens/${encodeURIComponent(accountToken)}`
  const DI = { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: 'botpress-1002' }

  it('sends the admin to the connection URL; the PATCH creates the account in that inbox and CHANNEL_ACCOUNT_CREATED follows', async () => {
    const { emu, hook, token, channelId } = await setup()
    const started = await send(`${emu.url}/_emulator/connect-channel`, jsonReq('POST', { channelId, inboxId: '1002' }))
    expect(started.status).toBe(200)
    const url = new URL(str(started.json, 'url'))
    const accountToken = str(started.json, 'accountToken')
    expect(`${url.origin}${url.pathname}`).toBe(`${hook.url}/connect`)
    expect([...url.searchParams.keys()].sort()).toEqual(['accountToken', 'channelId', 'redirectUrl'])
    expect(url.searchParams.get('accountToken')).toBe(accountToken)
    expect(url.searchParams.get('channelId')).toBe(channelId)
    const back = url.searchParams.get('redirectUrl') ?? ''
    expect(back.startsWith(emu.settingsUrl)).toBe(true)
    expect((await send(back)).text).toContain('Not connected')

    expect(
      (await send(stagingPath(emu, channelId, accountToken), jsonReq('PATCH', { accountName: 'Help Desk', deliveryIdentifier: DI }))).status
    ).toBe(401)
    const noIdentifier = await send(stagingPath(emu, channelId, accountToken), jsonReq('PATCH', { accountName: 'Help Desk' }, token))
    expect(noIdentifier.status).toBe(400)
    expect(noIdentifier.json).toMatchObject({ category: 'VALIDATION_ERROR' })
    expect(
      (await send(stagingPath(emu, channelId, 'staging-unknown'), jsonReq('PATCH', { accountName: 'x', deliveryIdentifier: DI }, token))).status
    ).toBe(404)
    expect(
      (await send(stagingPath(emu, '2999999', accountToken), jsonReq('PATCH', { accountName: 'x', deliveryIdentifier: DI }, token))).status
    ).toBe(404)
    expect(emu.state.channelAccounts.size).toBe(0)

    const done = await send(stagingPath(emu, channelId, accountToken), jsonReq('PATCH', { accountName: 'Help Desk', deliveryIdentifier: DI }, token))
    expect(done.status).toBe(200)
    expect(done.json).toEqual({
      accountToken,
      createdAt: expect.any(String),
      genericChannelId: Number(channelId),
      inboxId: 1002,
      userId: 70001,
      accountName: 'Help Desk',
      deliveryIdentifier: DI,
    })
    const accounts = await send(`${emu.url}/conversations/v3/custom-channels/${channelId}/channel-accounts`, {
      headers: { Authorization: `Bearer ${token}` },
    })
    expect(accounts.json).toMatchObject({ total: 1, results: [{ inboxId: '1002', name: 'Help Desk', authorized: true, deliveryIdentifier: DI }] })

    await emu.settle()
    const events = hook.received.filter((r) => r.url === '/hook')
    expect(events).toHaveLength(1)
    expect(JSON.parse(events[0]!.body)).toMatchObject({
      type: 'CHANNEL_ACCOUNT_CREATED',
      channelId,
      inboxId: '1002',
      channelAccountDeliveryIdentifier: DI,
    })
    expect(verifyV3(events[0]!, hook.url)).toBe(true)

    const reused = await send(stagingPath(emu, channelId, accountToken), jsonReq('PATCH', { accountName: 'Again', deliveryIdentifier: DI }, token))
    expect(reused.status).toBe(409)
    expect(emu.state.channelAccounts.size).toBe(1)
    const settings = await send(back)
    expect(settings.text).toContain('Connected: Bot &lt;b&gt; → Help Desk')
  })

  it('the settings page lists inboxes with their accounts and a form post that redirects to the connection URL', async () => {
    const { emu, hook, channelId } = await setup()
    const page = await send(emu.settingsUrl)
    expect(page.status).toBe(200)
    expect(page.text).toContain('Help Desk')
    expect(page.text).toContain('Bot &lt;b&gt;')
    expect(page.text).not.toContain('Bot <b>')
    expect(page.text.match(/Connect a channel<\/button>/g)).toHaveLength(3)

    const clicked = await send(`${emu.url}/_emulator/connect-channel`, form({ channelId, inboxId: '1001' }))
    expect(clicked.status).toBe(302)
    expect(clicked.location?.startsWith(`${hook.url}/connect?accountToken=`)).toBe(true)
  })

  it('refuses what HubSpot could not do: unknown channel or inbox, no connection URL, missing fields', async () => {
    const { emu, hook, channelId, dev } = await setup()
    const bare = await send(
      `${emu.url}/conversations/v3/custom-channels?${dev}`,
      jsonReq('POST', { name: 'No URL', webhookUrl: hook.url, capabilities: CAPS })
    )
    const connect = (body: unknown) => send(`${emu.url}/_emulator/connect-channel`, jsonReq('POST', body))
    expect((await connect({ channelId: str(bare.json, 'id'), inboxId: '1001' })).status).toBe(409)
    expect((await connect({ channelId: '2999999', inboxId: '1001' })).status).toBe(404)
    expect((await connect({ channelId, inboxId: '999' })).status).toBe(404)
    expect((await connect({ channelId })).status).toBe(400)
    expect((await send(`${emu.url}/_emulator/connect-channel`, form({ inboxId: '1001' }))).status).toBe(400)
    expect(emu.connectChannel(channelId, '1003').url).toContain('accountToken=')
  })

  it('browser pages are not API calls: the rate limit does not count them', async () => {
    const emu = await start({ rateLimitPerTenSeconds: 1, now: () => Date.now() + HOUR })
    for (let i = 0; i < 3; i++) expect((await send(emu.settingsUrl)).status).toBe(200)
    for (let i = 0; i < 3; i++) expect((await send(authorizeUrl(emu, VALID))).status).toBe(200)
  })
})
