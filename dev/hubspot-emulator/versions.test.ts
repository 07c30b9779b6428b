import { afterEach, describe, expect, it } from 'vitest'
import { isRetiredCall, retiredCalls, startHubspotEmulator, type EmulatorOptions, type HubspotEmulator } from './index'
import { sunsetOf } from './sunset'
import { API_ROOTS } from './versions'

/** The date-versioned paths (versions.ts) and the sunset switch (sunset.ts); emulator.test.ts covers v1–v3 with the switch off. */

const CREDS = {
  clientId: 'client-id-1',
  clientSecret: 'client-secret-1',
  refreshToken: 'refresh-token-1',
  developerApiKey: 'dev-key-1',
  appId: '424242',
}
const SAM = { id: '555', name: 'Sam Agent', email: 'sam@example.com' }
const CAPABILITIES = { deliveryIdentifierTypes: ['HS_EMAIL_ADDRESS'], threadingModel: 'INTEGRATION_THREAD_ID', allowOutgoingMessages: true }
const CC = API_ROOTS.customChannels['2026-09']
const CONV = API_ROOTS.conversations['2026-09']
const CRM = API_ROOTS.crmObjects['2026-03']

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

const start = async (extra: Partial<EmulatorOptions> = {}): Promise<HubspotEmulator> => {
  const emu = await startHubspotEmulator({
    ...CREDS,
    agents: [SAM],
    inboxes: [{ id: '1002', name: 'Help Desk', type: 'HELP_DESK' }],
    ticketDelayMs: 0,
    ...extra,
  })
  cleanups.push(() => emu.close())
  return emu
}

type Res = { status: number; body: Record<string, unknown>; headers: Headers }
type CallOpts = { token?: string; body?: unknown; query?: Record<string, string>; developer?: boolean }

const call = async (emu: HubspotEmulator, method: string, path: string, o: CallOpts = {}): Promise<Res> => {
  const url = new URL(path, emu.url)
  if (o.developer) {
    url.searchParams.set('hapikey', CREDS.developerApiKey)
    url.searchParams.set('appId', CREDS.appId)
  }
  for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v)
  const headers: Record<string, string> = {}
  if (o.token) headers.Authorization = `Bearer ${o.token}`
  if (o.body !== undefined) headers['Content-Type'] = 'application/json'
  const res = await fetch(url, { method, headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers }
}

const form = (emu: HubspotEmulator, path: string, fields: Record<string, string>, query: Record<string, string> = {}) => {
  const url = new URL(path, emu.url)
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v)
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) })
}

const datedToken = async (emu: HubspotEmulator): Promise<string> => {
  const res = await form(emu, '/oauth/2026-03/token', {
    grant_type: 'refresh_token',
    client_id: CREDS.clientId,
    client_secret: CREDS.clientSecret,
    refresh_token: CREDS.refreshToken,
  })
  expect(res.status).toBe(200)
  const body = (await res.json()) as { access_token: string; hub_id: number; token_use: string }
  expect(body).toMatchObject({ hub_id: 12345678, token_use: 'access_token' })
  return body.access_token
}

/** A channel, an account in the help desk and one incoming message, all on the 2026-09 custom-channel paths. */
const escalated = async (emu: HubspotEmulator) => {
  const token = await datedToken(emu)
  const channel = await call(emu, 'POST', CC, { developer: true, body: { name: 'Botpress', capabilities: CAPABILITIES } })
  expect(channel.status).toBe(201)
  const channelId = String(channel.body.id)
  expect(channel.headers.get('location')).toBe(`${emu.url}${CC}/${channelId}`)
  const account = await call(emu, 'POST', `${CC}/${channelId}/channel-accounts`, {
    token,
    body: { inboxId: '1002', name: 'Botpress', authorized: true },
  })
  expect(account.status).toBe(201)
  const channelAccountId = String(account.body.id)
  const message = await call(emu, 'POST', `${CC}/${channelId}/messages`, {
    token,
    body: {
      channelAccountId,
      messageDirection: 'INCOMING',
      text: 'Help!',
      senders: [{ deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'eve@example.com' }, name: 'Eve' }],
      recipients: [],
      integrationThreadId: 'conv-1',
    },
  })
  expect(message.status).toBe(201)
  expect(message.headers.get('location')).toBe(`${emu.url}${CC}/${channelId}/messages/${String(message.body.id)}`)
  return { token, channelId, channelAccountId, threadId: String(message.body.conversationsThreadId) }
}

describe('date-versioned paths', () => {
  it('serve a whole escalation: custom channels 2026-09, conversations 2026-09 (tickets, assignee, notes), CRM 2026-03', async () => {
    const emu = await start()
    const { token, channelId, threadId } = await escalated(emu)

    expect((await call(emu, 'GET', CC, { developer: true })).body).toMatchObject({ total: 1, results: [{ id: channelId }] })
    expect((await call(emu, 'GET', `${CONV}/inboxes/1002`, { token })).body).toMatchObject({ id: '1002', type: 'HELP_DESK' })
    const thread = await call(emu, 'GET', `${CONV}/threads/${threadId}`, { token, query: { association: 'TICKET' } })
    expect(thread.status).toBe(200)
    const ticketId = (thread.body.threadAssociations as { associatedTicketId: string }).associatedTicketId
    expect(ticketId).toMatch(/^\d+$/)

    const patched = await call(emu, 'PATCH', `${CRM}/tickets/${ticketId}`, { token, body: { properties: { hs_ticket_priority: 'HIGH' } } })
    expect(patched.body).toMatchObject({ id: ticketId, properties: { hs_ticket_priority: 'HIGH' } })

    const owners = await call(emu, 'GET', API_ROOTS.owners['2026-03'], { token, query: { email: SAM.email } })
    expect(owners.body).toMatchObject({ results: [{ email: SAM.email, userId: 555 }] })
    expect((await call(emu, 'PUT', `${CONV}/threads/${threadId}/assignee`, { token, body: { actorId: 'A-555' } })).body).toMatchObject({
      assignedTo: 'A-555',
    })

    const note = await call(emu, 'POST', `${CONV}/threads/${threadId}/messages`, {
      token,
      body: { type: 'COMMENT', text: 'Bot: hi', attachments: [] },
    })
    expect(note.status).toBe(201)
    expect(note.headers.get('location')).toBe(`${emu.url}${CONV}/threads/${threadId}/messages/${String(note.body.id)}`)
    const listed = await call(emu, 'GET', `${CONV}/threads/${threadId}/messages`, { token })
    expect((listed.body.results as { type: string }[]).map((m) => m.type)).toEqual(['MESSAGE', 'COMMENT'])

    expect((await call(emu, 'PATCH', `${CONV}/threads/${threadId}`, { token, body: { status: 'CLOSED' } })).body).toMatchObject({ status: 'CLOSED' })

    const created = await call(emu, 'POST', `${CRM}/contacts`, { token, body: { properties: { email: 'ann@example.com' } } })
    expect(created.status).toBe(201)
    const found = await call(emu, 'POST', `${CRM}/contacts/search`, {
      token,
      body: { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'ann@example.com' }] }] },
    })
    expect(found.body).toMatchObject({ total: 1, results: [{ id: created.body.id }] })
    expect(emu.requests.filter((r) => /\/v[1-3]\//.test(r.path))).toEqual([])
  })

  it('actors batch: 2026-09 answers unknown ids with 200 and numErrors, v3 with 207', async () => {
    const emu = await start()
    const { token } = await escalated(emu)
    const inputs = { inputs: ['A-555', 'A-999'] }
    const dated = await call(emu, 'POST', `${CONV}/actors/batch/read`, { token, body: inputs })
    const v3 = await call(emu, 'POST', `${API_ROOTS.conversations.v3}/actors/batch/read`, { token, body: inputs })
    expect([dated.status, v3.status]).toEqual([200, 207])
    for (const res of [dated, v3]) expect(res.body).toMatchObject({ status: 'COMPLETE', numErrors: 1, results: [{ id: 'A-555', type: 'AGENT' }] })
    const known = await call(emu, 'POST', `${CONV}/actors/batch/read`, { token, body: { inputs: ['A-555'] } })
    expect(known.status).toBe(200)
    expect(known.body.numErrors).toBeUndefined()
  })

  it('2026-09 ignores senderActorId (dropped from its message egg); v3 still records it', async () => {
    const emu = await start()
    const { token, channelId, channelAccountId, threadId } = await escalated(emu)
    const reply = (root: string) =>
      call(emu, 'POST', `${root}/${channelId}/messages`, {
        token,
        body: {
          channelAccountId,
          messageDirection: 'OUTGOING',
          text: 'From an agent',
          senders: [{ deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'bot@example.com' }, senderActorId: 'A-555' }],
          recipients: [{ deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'eve@example.com' } }],
          integrationThreadId: 'conv-1',
        },
      })
    const dated = await reply(CC)
    const v3 = await reply(API_ROOTS.customChannels.v3)
    expect(dated.body.conversationsThreadId).toBe(threadId)
    expect((dated.body.senders as { actorId: string }[])[0]?.actorId).toBe(`I-${CREDS.appId}`)
    expect((v3.body.senders as { actorId: string }[])[0]?.actorId).toBe('A-555')
  })

  it('files 2026-03: upload, read, signed URL, Location on the dated root', async () => {
    const emu = await start()
    const token = await datedToken(emu)
    const body = new FormData()
    body.set('file', new Blob([Buffer.from('hello')], { type: 'text/plain' }), 'hello.txt')
    body.set('folderPath', '/botpress')
    body.set('options', JSON.stringify({ access: 'PRIVATE' }))
    const root = API_ROOTS.files['2026-03']
    const res = await fetch(`${emu.url}${root}`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body })
    expect(res.status).toBe(201)
    const id = String(((await res.json()) as { id: string }).id)
    expect(res.headers.get('location')).toBe(`${emu.url}${root}/${id}`)
    expect((await call(emu, 'GET', `${root}/${id}`, { token })).body).toMatchObject({ id, name: 'hello', extension: 'txt' })
    expect((await call(emu, 'GET', `${root}/${id}/signed-url`, { token })).body.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_files\//)
  })

  it('OAuth 2026-03: the token endpoint reads the body only and answers errors with a category; introspection describes both tokens', async () => {
    const emu = await start()
    const creds = { client_id: CREDS.clientId, client_secret: CREDS.clientSecret }
    // v1 also takes client_secret and refresh_token from the query; 2026-03 does not.
    const query = { client_secret: CREDS.clientSecret, refresh_token: CREDS.refreshToken }
    expect((await form(emu, '/oauth/v1/token', { grant_type: 'refresh_token', client_id: CREDS.clientId }, query)).status).toBe(200)
    const dated = await form(emu, '/oauth/2026-03/token', { grant_type: 'refresh_token', client_id: CREDS.clientId }, query)
    expect(dated.status).toBe(400)
    expect(await dated.json()).toMatchObject({ status: 'BAD_CLIENT_SECRET', category: 'BAD_CLIENT_SECRET' })
    const v1Error = (await (await form(emu, '/oauth/v1/token', { grant_type: 'refresh_token', ...creds, refresh_token: 'nope' })).json()) as object
    expect(v1Error).toMatchObject({ status: 'BAD_REFRESH_TOKEN' })
    expect(v1Error).not.toHaveProperty('category')

    const token = await datedToken(emu)
    const access = await form(emu, '/oauth/2026-03/token/introspect', { ...creds, token, token_type_hint: 'access_token' })
    expect(access.status).toBe(200)
    expect(await access.json()).toMatchObject({
      active: true,
      token_use: 'access_token',
      hub_id: 12345678,
      hub_domain: 'emulator.hubspot.test',
      app_id: Number(CREDS.appId),
      client_id: CREDS.clientId,
      signed_access_token: { hubId: 12345678 },
    })
    const refresh = await form(emu, '/oauth/2026-03/token/introspect', { ...creds, token: CREDS.refreshToken })
    expect(await refresh.json()).toMatchObject({ active: true, token_use: 'refresh_token', hub_id: 12345678 })
    // A refresh token is not an access token: the hint is honoured.
    expect(
      (await form(emu, '/oauth/2026-03/token/introspect', { ...creds, token: CREDS.refreshToken, token_type_hint: 'access_token' })).status
    ).toBe(400)
    expect((await form(emu, '/oauth/2026-03/token/introspect', { ...creds, token: 'unknown' })).status).toBe(400)
    expect((await form(emu, '/oauth/2026-03/token/introspect', { ...creds, client_secret: 'wrong', token })).status).toBe(400)
    // v1's token-info GETs have no 2026-03 path of the same form.
    expect((await call(emu, 'GET', `/oauth/2026-03/access-tokens/${token}`)).status).toBe(404)
    expect((await call(emu, 'GET', `/oauth/v1/access-tokens/${token}`)).status).toBe(200)
  })
})

describe('sunset switch', () => {
  it('answers every v1-v3 API route with the retired-version error before any auth check, naming the dated successor', async () => {
    const emu = await start({ sunset: true })
    for (const [method, path] of [
      ['POST', '/oauth/v1/token'],
      ['GET', '/oauth/v1/access-tokens/t'],
      ['GET', '/conversations/v3/custom-channels'],
      ['POST', '/conversations/v3/custom-channels/1/messages'],
      ['GET', '/conversations/v3/conversations/threads/7'],
      ['PUT', '/conversations/conversations/v3/threads/7/assignee'],
      ['POST', '/crm/v3/objects/contacts/search'],
      ['PATCH', '/crm/v3/objects/tickets/9'],
      ['GET', '/crm/v3/owners'],
      ['POST', '/files/v3/files'],
    ] as const) {
      const res = await call(emu, method, path)
      expect(res.status, `${method} ${path}`).toBe(410)
      expect(res.body).toMatchObject({ status: 'error', category: 'API_VERSION_UNSUPPORTED' })
      expect(typeof res.body.correlationId).toBe('string')
    }
    const msg = String((await call(emu, 'GET', '/crm/v3/owners')).body.message)
    expect(msg).toContain('no longer supported')
    expect(msg).toContain('/crm/owners/2026-03')
    expect(String((await call(emu, 'GET', '/conversations/v3/conversations/inboxes/1')).body.message)).toContain(
      '/conversations/conversations/2026-09/inboxes/1'
    )
  })

  it('leaves the dated paths, the calls without a dated successor and the browser pages working', async () => {
    const emu = await start({ sunset: true })
    const { token, threadId } = await escalated(emu)
    expect((await call(emu, 'GET', `${CONV}/threads/${threadId}`, { token })).status).toBe(200)
    const pipelines = await call(emu, 'GET', '/crm/v3/pipelines/tickets', { token })
    expect(pipelines.status).toBe(200)
    expect(pipelines.body).toMatchObject({ results: [{ id: '0' }] })
    expect((await fetch(emu.settingsUrl)).status).toBe(200)
    const consent = new URL(emu.authorizeUrl)
    consent.search = new URLSearchParams({ client_id: CREDS.clientId, redirect_uri: 'http://127.0.0.1/cb', scope: 'oauth', state: 's' }).toString()
    expect((await fetch(consent)).status).toBe(200)
    expect(retiredCalls(emu.requests)).toEqual([])
    await call(emu, 'GET', '/crm/v3/owners', { token })
    expect(retiredCalls(emu.requests).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /crm/v3/owners 410'])
  })

  it('answers 404 on request, and is off when the option says so, whatever the environment', async () => {
    const notFound = await start({ sunset: { status: 404 } })
    expect((await call(notFound, 'GET', '/crm/v3/owners')).status).toBe(404)
    expect((await call(notFound, 'GET', '/crm/v3/owners')).body).toMatchObject({ category: 'OBJECT_NOT_FOUND' })
    const off = await start({ sunset: false })
    const token = await datedToken(off)
    expect((await call(off, 'GET', '/crm/v3/owners', { token })).status).toBe(200)
  })

  it('reads HUBSPOT_EMULATOR_SUNSET when no option is given', () => {
    expect(sunsetOf(undefined, undefined)).toEqual({ on: false })
    expect(sunsetOf(undefined, '0')).toEqual({ on: false })
    expect(sunsetOf(undefined, '1')).toEqual({ on: true, status: 410 })
    expect(sunsetOf(undefined, 'true')).toEqual({ on: true, status: 410 })
    expect(sunsetOf(undefined, '404')).toEqual({ on: true, status: 404 })
    expect(sunsetOf(false, '1')).toEqual({ on: false })
    expect(sunsetOf(true, undefined)).toEqual({ on: true, status: 410 })
    expect(() => sunsetOf(undefined, 'yes please')).toThrow(/HUBSPOT_EMULATOR_SUNSET/)
  })

  it('classifies calls: v1-v3 retired, dated and kept ones not', () => {
    expect(isRetiredCall('POST', '/oauth/v1/token')).toBe(true)
    expect(isRetiredCall('GET', '/conversations/conversations/v3/threads/1/assignee')).toBe(true)
    expect(isRetiredCall('GET', '/crm/v2/anything')).toBe(true)
    expect(isRetiredCall('GET', '/crm/v3/pipelines/tickets')).toBe(false)
    expect(isRetiredCall('POST', '/crm/v3/pipelines/tickets')).toBe(true)
    expect(isRetiredCall('POST', '/oauth/2026-03/token')).toBe(false)
    expect(isRetiredCall('GET', '/conversations/custom-channels/2026-09/1')).toBe(false)
    expect(isRetiredCall('GET', '/_emulator/settings')).toBe(false)
  })
})
