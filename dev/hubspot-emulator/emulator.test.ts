import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { startHubspotEmulator, type EmulatorOptions, type HubspotEmulator } from './index'
import { signV1, signV3 } from './signing'
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from './test-receiver'

const CREDS = {
  clientId: 'client-id-1',
  clientSecret: 'client-secret-1',
  refreshToken: 'refresh-token-1',
  developerApiKey: 'dev-key-1',
  appId: '424242',
} as const

const HOUR = 3_600_000
const CAPABILITIES = {
  deliveryIdentifierTypes: ['HS_EMAIL_ADDRESS', 'HS_PHONE_NUMBER', 'CHANNEL_SPECIFIC_OPAQUE_ID'],
  threadingModel: 'INTEGRATION_THREAD_ID',
  allowOutgoingMessages: true,
  outgoingAttachmentTypes: ['FILE'],
}

// ---------- helpers ----------

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

/** Reads a dotted path ("a.b.0.c") out of parsed JSON. */
const at = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value)
const str = (value: unknown, path: string): string => {
  const v = at(value, path)
  if (typeof v !== 'string') throw new Error(`expected a string at ${path}, got ${JSON.stringify(v)}`)
  return v
}

const jsonOf = async (res: Response): Promise<unknown> => (await res.json()) as unknown

type Res = { status: number; body: unknown; headers: Headers }
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
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, headers: res.headers }
}

const refresh = (emu: HubspotEmulator, fields: Record<string, string> = {}) =>
  fetch(`${emu.url}/oauth/v1/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: CREDS.clientId,
      client_secret: CREDS.clientSecret,
      refresh_token: CREDS.refreshToken,
      ...fields,
    }),
  })

const accessToken = async (emu: HubspotEmulator): Promise<string> => str(await jsonOf(await refresh(emu)), 'access_token')

/** Independent v3 check (not the emulator's code): base64 HMAC-SHA256 over method + URL + body + timestamp. */
const verifyV3 = (r: ReceivedRequest, url: string): boolean => {
  const sig = r.headers['x-hubspot-signature-v3']
  const ts = r.headers['x-hubspot-request-timestamp']
  if (typeof sig !== 'string' || typeof ts !== 'string') return false
  if (Math.abs(Date.now() - Number(ts)) > 5 * 60_000) return false
  const expected = createHmac('sha256', CREDS.clientSecret).update(`POST${url}${r.body}${ts}`).digest()
  const given = Buffer.from(sig, 'base64')
  return given.length === expected.length && timingSafeEqual(given, expected)
}
const verifyV1 = (r: ReceivedRequest): boolean =>
  r.headers['x-hubspot-signature-version'] === 'v1' &&
  r.headers['x-hubspot-signature'] ===
    createHash('sha256')
      .update(CREDS.clientSecret + r.body)
      .digest('hex')

type Setup = { emu: HubspotEmulator; token: string; hook: WebhookReceiver; channelId: string; accountId: string }

/** Channel (with webhookUrl) + one authorized account on inbox 1001. */
const setup = async (extra: Partial<EmulatorOptions> = {}): Promise<Setup> => {
  const emu = await start(extra)
  const hook = await receiver()
  const token = await accessToken(emu)
  const channel = await call(emu, 'POST', '/conversations/v3/custom-channels', {
    developer: true,
    body: { name: 'Botpress', webhookUrl: hook.url, capabilities: CAPABILITIES },
  })
  const channelId = str(channel.body, 'id')
  const account = await call(emu, 'POST', `/conversations/v3/custom-channels/${channelId}/channel-accounts`, {
    token,
    body: { inboxId: '1001', name: 'Support', authorized: true, deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: 'botpress-1001' } },
  })
  await emu.settle()
  return { emu, token, hook, channelId, accountId: str(account.body, 'id') }
}

const publish = (s: Setup, extra: Record<string, unknown> = {}) =>
  call(s.emu, 'POST', `/conversations/v3/custom-channels/${s.channelId}/messages`, {
    token: s.token,
    body: {
      channelAccountId: s.accountId,
      messageDirection: 'INCOMING',
      text: 'Hello, I need a human',
      integrationThreadId: 'bp-conv-1',
      senders: [{ deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'jane@example.com' }, name: 'Jane' }],
      ...extra,
    },
  })

// ---------- tests ----------

describe('signing', () => {
  it('matches the reference test vectors (v1 from HubSpot docs, v3 recomputed)', () => {
    const secret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy'
    const v1Body =
      '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]'
    expect(signV1(secret, v1Body)).toBe('232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de')
    expect(signV3(secret, 'POST', 'https://www.example.com/webhook_uri', '{"example_field":"example_value"}', 1700000000000)).toBe(
      'rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o='
    )
  })

  it('decodes the escapes HubSpot decodes before signing the URI', () => {
    expect(signV3('s', 'POST', 'https://x.test/a%3Ab?q=%40', '', 1)).toBe(signV3('s', 'POST', 'https://x.test/a:b?q=@', '', 1))
  })
})

describe('OAuth', () => {
  it('refreshes with the right credentials and issues a fresh access token each time', async () => {
    const emu = await start({ accessTokenTtlSeconds: 600 })
    const first = await refresh(emu)
    expect(first.status).toBe(200)
    const body = await jsonOf(first)
    expect(body).toMatchObject({ token_type: 'bearer', refresh_token: CREDS.refreshToken, expires_in: 600 })
    const second = await jsonOf(await refresh(emu))
    expect(str(second, 'access_token')).not.toBe(str(body, 'access_token'))
  })

  it('answers 400 with HubSpot OAuth error codes for wrong credentials and a revoked refresh token', async () => {
    const emu = await start()
    const wrongSecret = await refresh(emu, { client_secret: 'nope' })
    expect(wrongSecret.status).toBe(400)
    expect(await jsonOf(wrongSecret)).toMatchObject({ status: 'BAD_CLIENT_SECRET', correlationId: expect.any(String) })
    expect(await jsonOf(await refresh(emu, { client_id: 'nope' }))).toMatchObject({ status: 'BAD_CLIENT_ID' })
    expect(await jsonOf(await refresh(emu, { refresh_token: 'nope' }))).toMatchObject({ status: 'BAD_REFRESH_TOKEN' })
    emu.faults.revokeRefreshToken()
    const revoked = await refresh(emu)
    expect(revoked.status).toBe(400)
    expect(await jsonOf(revoked)).toMatchObject({ status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token' })
    emu.faults.clear()
    expect((await refresh(emu)).status).toBe(200)
  })

  it('rejects missing, unknown, force-expired and naturally expired bearer tokens with 401', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z')
    const emu = await start({ now: () => now, accessTokenTtlSeconds: 60 })
    const inboxes = '/conversations/v3/conversations/inboxes'
    const missing = await call(emu, 'GET', inboxes)
    expect(missing.status).toBe(401)
    expect(missing.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION', correlationId: expect.any(String) })
    expect((await call(emu, 'GET', inboxes, { token: 'bogus' })).status).toBe(401)

    const token = await accessToken(emu)
    expect((await call(emu, 'GET', inboxes, { token })).status).toBe(200)
    now += 61_000
    expect((await call(emu, 'GET', inboxes, { token })).body).toMatchObject({ category: 'EXPIRED_AUTHENTICATION' })

    const fresh = await accessToken(emu)
    emu.faults.expireAccessTokens()
    expect((await call(emu, 'GET', inboxes, { token: fresh })).status).toBe(401)
    expect((await call(emu, 'GET', inboxes, { token: await accessToken(emu) })).status).toBe(200)
  })
})

describe('custom channels (developer API key)', () => {
  it('creates with 201 + Location, lists, gets, patches and deletes', async () => {
    const emu = await start()
    const created = await call(emu, 'POST', '/conversations/v3/custom-channels/', {
      developer: true,
      body: { name: 'Botpress', capabilities: CAPABILITIES },
    })
    expect(created.status).toBe(201)
    const id = str(created.body, 'id')
    expect(created.headers.get('location')).toBe(`${emu.url}/conversations/v3/custom-channels/${id}`)
    expect(created.body).toMatchObject({ name: 'Botpress', capabilities: CAPABILITIES, createdAt: expect.any(String) })

    const list = await call(emu, 'GET', '/conversations/v3/custom-channels', { developer: true })
    expect(list.body).toMatchObject({ total: 1, results: [{ id }] })

    const patched = await call(emu, 'PATCH', `/conversations/v3/custom-channels/${id}`, {
      developer: true,
      body: { webhookUrl: 'https://x.test/hook' },
    })
    expect(patched.body).toMatchObject({ id, name: 'Botpress', webhookUrl: 'https://x.test/hook' })

    expect((await call(emu, 'DELETE', `/conversations/v3/custom-channels/${id}`, { developer: true })).status).toBe(204)
    const gone = await call(emu, 'GET', `/conversations/v3/custom-channels/${id}`, { developer: true })
    expect(gone.status).toBe(404)
    expect(gone.body).toMatchObject({ category: 'OBJECT_NOT_FOUND' })
  })

  it('requires a valid hapikey (401) and an appId (400)', async () => {
    const emu = await start()
    const bad = await call(emu, 'GET', '/conversations/v3/custom-channels', { query: { hapikey: 'wrong', appId: CREDS.appId } })
    expect(bad.status).toBe(401)
    expect(bad.body).toMatchObject({ category: 'INVALID_AUTHENTICATION' })
    const token = await accessToken(emu)
    expect((await call(emu, 'GET', '/conversations/v3/custom-channels', { token })).status).toBe(401)
    expect((await call(emu, 'GET', '/conversations/v3/custom-channels', { query: { hapikey: CREDS.developerApiKey } })).status).toBe(400)
    expect(emu.requests[0]).toMatchObject({ auth: 'hapikey', status: 401, query: { hapikey: '[redacted]' } })
  })

  it('rejects non-string or unknown deliveryIdentifierTypes with INVALID_CHANNEL_CAPABILITY_VALUES', async () => {
    const emu = await start()
    const res = await call(emu, 'POST', '/conversations/v3/custom-channels', {
      developer: true,
      body: { name: 'x', capabilities: { deliveryIdentifierTypes: [{ type: 'HS_EMAIL_ADDRESS' }, 'EMAIL'] } },
    })
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({
      status: 'error',
      category: 'VALIDATION_ERROR',
      subCategory: 'CustomChannelsError.INVALID_CHANNEL_CAPABILITY_VALUES',
      errors: [expect.objectContaining({ message: expect.any(String) })],
    })
    const noName = await call(emu, 'POST', '/conversations/v3/custom-channels', { developer: true, body: { capabilities: {} } })
    expect(noName.status).toBe(400)
    expect(at(noName.body, 'errors.0.in')).toBe('name')
  })

  it('hides a new channel from the first N list calls, and pages with after/limit', async () => {
    const emu = await start({ channelVisibleAfterListCalls: 2 })
    for (const name of ['a', 'b', 'c']) {
      await call(emu, 'POST', '/conversations/v3/custom-channels', { developer: true, body: { name, capabilities: {} } })
    }
    const list = () => call(emu, 'GET', '/conversations/v3/custom-channels', { developer: true, query: { limit: '2' } })
    expect(at((await list()).body, 'total')).toBe(0)
    expect(at((await list()).body, 'total')).toBe(0)
    const visible = await list()
    expect(visible.body).toMatchObject({ total: 3, results: [{ name: 'a' }, { name: 'b' }], paging: { next: { after: '2' } } })
    const rest = await call(emu, 'GET', '/conversations/v3/custom-channels', { developer: true, query: { limit: '2', after: '2' } })
    expect(rest.body).toMatchObject({ total: 3, results: [{ name: 'c' }] })
    expect(at(rest.body, 'paging')).toBeUndefined()
  })
})

describe('channel accounts', () => {
  it('sends CHANNEL_ACCOUNT_CREATED / _UPDATED / _PURGED to the channel webhookUrl, signed v3', async () => {
    const s = await setup()
    expect(s.hook.received).toHaveLength(1)
    const created = s.hook.received[0]
    if (!created) throw new Error('no delivery')
    expect(verifyV3(created, s.hook.url)).toBe(true)
    expect(created.headers['x-hubspot-signature']).toBeUndefined()
    expect(JSON.parse(created.body)).toMatchObject({
      type: 'CHANNEL_ACCOUNT_CREATED',
      portalId: expect.any(String),
      channelId: s.channelId,
      channelAccountId: s.accountId,
      inboxId: '1001',
      authorized: true,
      eventTimestamp: expect.any(String),
    })

    const base = `/conversations/v3/custom-channels/${s.channelId}/channel-accounts`
    const patched = await call(s.emu, 'PATCH', `${base}/${s.accountId}`, { token: s.token, body: { authorized: false } })
    expect(patched.body).toMatchObject({ id: s.accountId, authorized: false, active: false, archived: false })
    await s.emu.settle()
    expect(JSON.parse(s.hook.received[1]?.body ?? '{}')).toMatchObject({ type: 'CHANNEL_ACCOUNT_UPDATED', authorized: false })

    expect(await s.emu.purgeChannelAccount(s.accountId)).toEqual([200])
    expect(JSON.parse(s.hook.received[2]?.body ?? '{}')).toMatchObject({ type: 'CHANNEL_ACCOUNT_PURGED', channelAccountId: s.accountId })
    expect((await call(s.emu, 'GET', base, { token: s.token })).body).toMatchObject({ total: 0, results: [] })
    expect((await call(s.emu, 'GET', base, { token: s.token, query: { archived: 'true' } })).body).toMatchObject({ total: 1 })
    expect((await call(s.emu, 'GET', `${base}/${s.accountId}`, { token: s.token })).status).toBe(404)
  })

  it('validates the egg and the inbox', async () => {
    const s = await setup()
    const base = `/conversations/v3/custom-channels/${s.channelId}/channel-accounts`
    expect((await call(s.emu, 'POST', base, { token: s.token, body: { inboxId: '1001', name: 'x' } })).status).toBe(400)
    expect((await call(s.emu, 'POST', base, { token: s.token, body: { inboxId: '9', name: 'x', authorized: true } })).status).toBe(400)
    expect((await call(s.emu, 'POST', '/conversations/v3/custom-channels/999/channel-accounts', { token: s.token, body: {} })).status).toBe(404)
  })
})

describe('publishing messages', () => {
  it('publishes an INCOMING message into a new thread of the account inbox, tolerating omitted fields', async () => {
    const s = await setup()
    const contact = s.emu.addContact({ email: 'jane@example.com', firstname: 'Jane' })
    const res = await publish(s)
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      type: 'MESSAGE',
      direction: 'INCOMING',
      text: 'Hello, I need a human',
      channelId: s.channelId,
      channelAccountId: s.accountId,
      conversationsThreadId: expect.any(String),
      senders: [{ actorId: `V-${contact.id}`, deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'jane@example.com' } }],
      recipients: [],
      attachments: [],
      client: { clientType: 'INTEGRATION', integrationAppId: 424242 },
      status: { statusType: 'RECEIVED' },
    })
    const threadId = str(res.body, 'conversationsThreadId')
    expect(res.headers.get('location')).toContain(`/messages/${str(res.body, 'id')}`)
    const thread = await call(s.emu, 'GET', `/conversations/v3/conversations/threads/${threadId}`, { token: s.token })
    expect(thread.body).toMatchObject({
      id: threadId,
      inboxId: '1001',
      status: 'OPEN',
      associatedContactId: contact.id,
      originalChannelId: s.channelId,
    })
  })

  it('is idempotent on integrationIdempotencyId: the retry returns the original and creates nothing', async () => {
    const s = await setup()
    const first = await publish(s, { integrationIdempotencyId: 'bp-msg-1' })
    const again = await publish(s, { integrationIdempotencyId: 'bp-msg-1', text: 'different text' })
    expect(first.status).toBe(201)
    expect(again.status).toBe(201)
    expect(str(again.body, 'id')).toBe(str(first.body, 'id'))
    expect(at(again.body, 'text')).toBe('Hello, I need a human')
    expect(s.emu.state.messages.size).toBe(1)
    expect(str((await publish(s, { integrationIdempotencyId: 'bp-msg-2' })).body, 'id')).not.toBe(str(first.body, 'id'))
  })

  it('associates the thread with associateWithContactId', async () => {
    const s = await setup()
    const contact = s.emu.addContact({ email: 'other@example.com' })
    const res = await publish(s, { associateWithContactId: Number(contact.id), integrationThreadId: 'c2' })
    expect(s.emu.state.threads.get(str(res.body, 'conversationsThreadId'))?.associatedContactId).toBe(contact.id)
    expect((await publish(s, { associateWithContactId: 1, integrationThreadId: 'c3' })).status).toBe(400)
  })

  it('rejects malformed eggs, foreign or unauthorized accounts and unknown files with VALIDATION_ERROR', async () => {
    const s = await setup()
    const noSenders = await publish(s, { senders: [] })
    expect(noSenders.status).toBe(400)
    expect(noSenders.body).toMatchObject({ category: 'VALIDATION_ERROR', errors: [expect.objectContaining({ in: 'senders' })] })
    expect((await publish(s, { messageDirection: 'SIDEWAYS' })).status).toBe(400)
    expect((await publish(s, { text: 42 })).status).toBe(400)
    expect((await publish(s, { senders: [{ deliveryIdentifier: { type: 'EMAIL', value: 'x' } }] })).status).toBe(400)
    expect((await publish(s, { channelAccountId: '1' })).status).toBe(400)
    expect((await publish(s, { attachments: [{ type: 'FILE', fileId: '123' }] })).status).toBe(400)
    expect((await publish(s, { integrationThreadId: undefined })).status).toBe(400)
    await call(s.emu, 'PATCH', `/conversations/v3/custom-channels/${s.channelId}/channel-accounts/${s.accountId}`, {
      token: s.token,
      body: { authorized: false },
    })
    expect((await publish(s)).status).toBe(400)
    const bad = await fetch(`${s.emu.url}/conversations/v3/custom-channels/${s.channelId}/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
      body: '{not json',
    })
    expect(bad.status).toBe(400)
    expect(s.emu.state.messages.size).toBe(0)
  })

  it('reads a message back and records delivery-status PATCHes (SENT/FAILED/READ only)', async () => {
    const s = await setup()
    const id = str((await publish(s)).body, 'id')
    const path = `/conversations/v3/custom-channels/${s.channelId}/messages/${id}`
    expect((await call(s.emu, 'GET', path, { token: s.token })).body).toMatchObject({ id })
    const failed = await call(s.emu, 'PATCH', path, { token: s.token, body: { statusType: 'FAILED', errorMessage: 'bot offline' } })
    expect(failed.body).toMatchObject({ status: { statusType: 'FAILED', failureDetails: { errorMessage: 'bot offline' } } })
    expect((await call(s.emu, 'PATCH', path, { token: s.token, body: { statusType: 'RECEIVED' } })).status).toBe(400)
    expect(s.emu.state.messages.get(id)?.statusHistory.map((h) => h.statusType)).toEqual(['RECEIVED', 'FAILED'])
    expect((await call(s.emu, 'GET', `/conversations/v3/custom-channels/${s.channelId}/messages/nope`, { token: s.token })).status).toBe(404)
  })
})

describe('threading (INTEGRATION_THREAD_ID)', () => {
  it('keeps an open thread, reopens one closed < 24 h, and starts a new one after 24 h', async () => {
    let now = Date.parse('2026-03-01T09:00:00Z')
    const s = await setup({ now: () => now })
    const threadOf = async () => str((await publish(s)).body, 'conversationsThreadId')
    const close = (threadId: string) =>
      call(s.emu, 'PATCH', `/conversations/v3/conversations/threads/${threadId}`, { token: s.token, body: { status: 'CLOSED' } })

    const t1 = await threadOf()
    expect(await threadOf()).toBe(t1)
    expect(await threadOf()).not.toBe(await (async () => str((await publish(s, { integrationThreadId: 'other' })).body, 'conversationsThreadId'))())

    const closed = await close(t1)
    expect(closed.body).toMatchObject({ status: 'CLOSED', closedAt: new Date(now).toISOString() })
    now += 23 * HOUR
    // Access tokens live 30 minutes on the injected clock too.
    s.token = await accessToken(s.emu)
    expect(await threadOf()).toBe(t1)
    expect(s.emu.state.threads.get(t1)?.status).toBe('OPEN')

    await close(t1)
    now += 24 * HOUR
    s.token = await accessToken(s.emu)
    const t2 = await threadOf()
    expect(t2).not.toBe(t1)
    expect(s.emu.state.threads.get(t2)).toMatchObject({ status: 'OPEN', inboxId: '1001', integrationThreadId: 'bp-conv-1' })
    expect(s.emu.threadMessages(t1)).toHaveLength(4)
    expect(s.emu.threadMessages(t2)).toHaveLength(1)
  })

  it('starts a new thread after the thread was archived', async () => {
    const s = await setup()
    s.emu.setAppWebhookUrl((await receiver('/app')).url)
    const t1 = str((await publish(s)).body, 'conversationsThreadId')
    await s.emu.agent.archive(t1)
    expect((await call(s.emu, 'GET', `/conversations/v3/conversations/threads/${t1}`, { token: s.token })).status).toBe(404)
    expect(str((await publish(s)).body, 'conversationsThreadId')).not.toBe(t1)
  })
})

describe('agent simulation', () => {
  it('assign / unassign / close send signed conversation.propertyChange batches to the app URL', async () => {
    const s = await setup()
    const app = await receiver('/app?token=abc%3A1')
    s.emu.setAppWebhookUrl(app.url)
    const threadId = str((await publish(s)).body, 'conversationsThreadId')

    expect(await s.emu.agent.assign(threadId, { id: '555', name: 'Sam Agent', email: 'sam@example.com' })).toEqual([200])
    const delivery = app.received[0]
    if (!delivery) throw new Error('no delivery')
    // v3 is computed over the URI with the listed escapes decoded.
    expect(verifyV3(delivery, app.url.replace('%3A', ':'))).toBe(true)
    expect(verifyV1(delivery)).toBe(true)
    const events: unknown = JSON.parse(delivery.body)
    expect(Array.isArray(events)).toBe(true)
    expect(events).toMatchObject([
      {
        subscriptionType: 'conversation.propertyChange',
        objectId: Number(threadId),
        propertyName: 'assignedTo',
        propertyValue: '555',
        changeSource: 'AGENT',
        attemptNumber: 0,
        appId: 424242,
        portalId: expect.any(Number),
        eventId: expect.any(Number),
        subscriptionId: expect.any(Number),
        occurredAt: expect.any(Number),
      },
    ])
    const thread = await call(s.emu, 'GET', `/conversations/v3/conversations/threads/${threadId}`, { token: s.token })
    expect(at(thread.body, 'assignedTo')).toBe('A-555')
    const actor = await call(s.emu, 'GET', '/conversations/v3/conversations/actors/A-555', { token: s.token })
    expect(actor.body).toEqual({ type: 'AGENT', id: 'A-555', name: 'Sam Agent', email: 'sam@example.com' })

    await s.emu.agent.unassign(threadId)
    expect(JSON.parse(app.received[1]?.body ?? '[]')).toMatchObject([{ propertyName: 'assignedTo', propertyValue: '' }])
    app.respondWith(500)
    expect(await s.emu.agent.close(threadId)).toEqual([500])
    expect(JSON.parse(app.received[2]?.body ?? '[]')).toMatchObject([{ propertyName: 'status', propertyValue: 'CLOSED' }])
    expect(s.emu.state.threads.get(threadId)?.status).toBe('CLOSED')
  })

  it('reply sends OUTGOING_CHANNEL_MESSAGE_CREATED with agent sender, visitor recipient and a fetchable attachment', async () => {
    const s = await setup()
    const threadId = str((await publish(s)).body, 'conversationsThreadId')
    await s.emu.agent.assign(threadId, { id: '777', name: 'Riley' })
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])
    const { messageId, statuses } = await s.emu.agent.reply(threadId, {
      text: 'Hi Jane <3',
      attachments: [{ name: 'shot.png', mimeType: 'image/png', content: png }],
    })
    expect(statuses).toEqual([200])
    const delivery = s.hook.received.at(-1)
    if (!delivery) throw new Error('no delivery')
    expect(verifyV3(delivery, s.hook.url)).toBe(true)
    const event: unknown = JSON.parse(delivery.body)
    expect(event).toMatchObject({
      type: 'OUTGOING_CHANNEL_MESSAGE_CREATED',
      portalId: expect.any(String),
      channelId: s.channelId,
      eventId: expect.any(String),
      eventTimestamp: expect.any(String),
      channelIntegrationThreadIds: ['bp-conv-1'],
      message: {
        id: messageId,
        direction: 'OUTGOING',
        conversationsThreadId: threadId,
        channelId: s.channelId,
        channelAccountId: s.accountId,
        text: 'Hi Jane <3',
        richText: '<p>Hi Jane &lt;3</p>',
        senders: [{ actorId: 'A-777', name: 'Riley', deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: 'botpress-1001' } }],
        recipients: [{ actorId: expect.stringMatching(/^V-\d+$/), deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'jane@example.com' } }],
        attachments: [{ type: 'FILE', fileId: expect.any(String), name: 'shot.png', fileUsageType: 'IMAGE', url: expect.any(String) }],
      },
    })
    const bytes = Buffer.from(await (await fetch(str(event, 'message.attachments.0.url'))).arrayBuffer())
    expect(bytes.equals(png)).toBe(true)
    expect(s.emu.threadMessages(threadId).map((m) => m.direction)).toEqual(['INCOMING', 'OUTGOING'])
  })

  it('redelivers the last webhook with the same body and a fresh valid signature; deliverRaw can skip signing', async () => {
    const s = await setup()
    const threadId = str((await publish(s)).body, 'conversationsThreadId')
    await s.emu.agent.reply(threadId, { text: 'one' })
    expect(await s.emu.redeliverLast()).toBe(200)
    const [orig, again] = s.hook.received.slice(-2)
    if (!orig || !again) throw new Error('missing deliveries')
    expect(again.body).toBe(orig.body)
    expect(verifyV3(again, s.hook.url)).toBe(true)

    expect(await s.emu.deliverRaw(s.hook.url, '{"type":"X"}', { sign: false })).toBe(200)
    expect(s.hook.received.at(-1)?.headers['x-hubspot-signature-v3']).toBeUndefined()
    expect(await s.emu.deliverRaw(s.hook.url, '[]', { headers: { 'X-HubSpot-Request-Timestamp': '1' } })).toBe(200)
    expect(s.hook.received.at(-1)?.headers['x-hubspot-request-timestamp']).toBe('1')
    expect(await s.emu.deliverRaw('http://127.0.0.1:1/nothing', '{}')).toBe(0)
    expect(s.emu.deliveries.at(-1)).toMatchObject({ kind: 'raw', status: 0, error: expect.any(String) })
  })
})

describe('conversations API', () => {
  it('lists inboxes, reads threads, thread messages and actors (batch answers 207 on unknown ids)', async () => {
    const s = await setup({
      inboxes: [
        { id: '1001', name: 'Support', type: 'INBOX' },
        { id: '2002', name: 'Desk', type: 'HELP_DESK' },
      ],
    })
    expect((await call(s.emu, 'GET', '/conversations/v3/conversations/inboxes', { token: s.token })).body).toMatchObject({
      total: 2,
      results: [
        { id: '1001', type: 'INBOX' },
        { id: '2002', type: 'HELP_DESK', archived: false },
      ],
    })
    expect((await call(s.emu, 'GET', '/conversations/v3/conversations/inboxes/2002', { token: s.token })).body).toMatchObject({ name: 'Desk' })
    expect((await call(s.emu, 'GET', '/conversations/v3/conversations/inboxes/3', { token: s.token })).status).toBe(404)

    const msg = await publish(s)
    const threadId = str(msg.body, 'conversationsThreadId')
    const visitor = str(msg.body, 'senders.0.actorId')
    const list = await call(s.emu, 'GET', `/conversations/v3/conversations/threads/${threadId}/messages`, { token: s.token })
    expect(list.body).toMatchObject({ results: [{ id: str(msg.body, 'id'), text: 'Hello, I need a human' }] })
    expect((await call(s.emu, 'GET', `/conversations/v3/conversations/actors/${visitor}`, { token: s.token })).body).toMatchObject({
      type: 'VISITOR',
      name: 'Jane',
      email: 'jane@example.com',
    })
    const batch = await call(s.emu, 'POST', '/conversations/v3/conversations/actors/batch/read', {
      token: s.token,
      body: { inputs: [visitor, 'A-999'] },
    })
    expect(batch.status).toBe(207)
    expect(batch.body).toMatchObject({ status: 'COMPLETE', numErrors: 1, results: [{ id: visitor }] })
  })
})

describe('files', () => {
  it('uploads multipart (201 File), serves the bytes, and gives a signed URL', async () => {
    const emu = await start()
    const token = await accessToken(emu)
    const content = Buffer.from('%PDF-1.4 fake')
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(content)], { type: 'application/pdf' }), 'Report Q1.pdf')
    form.append('fileName', 'Report Q1.pdf')
    form.append('folderPath', '/botpress-hitl')
    form.append('options', JSON.stringify({ access: 'PRIVATE', overwrite: false, duplicateValidationStrategy: 'NONE' }))
    const res = await fetch(`${emu.url}/files/v3/files`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form })
    expect(res.status).toBe(201)
    const file = await jsonOf(res)
    expect(file).toMatchObject({ name: 'Report Q1', extension: 'pdf', type: 'DOCUMENT', size: content.length, access: 'PRIVATE', archived: false })
    const id = str(file, 'id')
    expect(res.headers.get('location')).toBe(`${emu.url}/files/v3/files/${id}`)
    expect((await call(emu, 'GET', `/files/v3/files/${id}`, { token })).body).toMatchObject({ id, url: str(file, 'url') })
    expect(Buffer.from(await (await fetch(str(file, 'url'))).arrayBuffer()).equals(content)).toBe(true)
    const signed = await call(emu, 'GET', `/files/v3/files/${id}/signed-url`, { token, query: { expirationSeconds: '60' } })
    expect(signed.body).toMatchObject({ name: 'Report Q1', extension: 'pdf', size: content.length, expiresAt: expect.any(String) })
    expect((await fetch(str(signed.body, 'url'))).status).toBe(200)

    const again = await fetch(`${emu.url}/files/v3/files`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form })
    expect(await jsonOf(again)).toMatchObject({ name: 'Report Q1-1' })
  })

  it('rejects uploads without options, folder or file part', async () => {
    const emu = await start()
    const token = await accessToken(emu)
    const form = new FormData()
    form.append('file', new Blob(['x']), 'a.txt')
    form.append('folderPath', '/x')
    const res = await fetch(`${emu.url}/files/v3/files`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form })
    expect(res.status).toBe(400)
    expect(await jsonOf(res)).toMatchObject({ category: 'VALIDATION_ERROR' })
    expect((await call(emu, 'POST', '/files/v3/files', { token, body: { not: 'multipart' } })).status).toBe(400)
    expect((await call(emu, 'GET', '/files/v3/files/1', { token })).status).toBe(404)
  })
})

describe('CRM contacts', () => {
  it('creates (409 on a duplicate email) and searches by email or phone OR mobilephone', async () => {
    const emu = await start()
    const token = await accessToken(emu)
    const created = await call(emu, 'POST', '/crm/v3/objects/contacts', {
      token,
      body: { properties: { email: 'Ann@Example.com', firstname: 'Ann' } },
    })
    expect(created.status).toBe(201)
    const id = str(created.body, 'id')
    expect(created.body).toMatchObject({ properties: { email: 'Ann@Example.com', hs_object_id: id }, archived: false })
    const dup = await call(emu, 'POST', '/crm/v3/objects/contacts', { token, body: { properties: { email: 'ann@example.com' } } })
    expect(dup.status).toBe(409)
    expect(dup.body).toMatchObject({ category: 'CONFLICT', message: `Contact already exists. Existing ID: ${id}` })
    expect((await call(emu, 'POST', '/crm/v3/objects/contacts', { token, body: { properties: { email: 'not-an-email' } } })).status).toBe(400)

    const mobile = emu.addContact({ mobilephone: '+15551234567', firstname: 'Mo' })
    const search = (body: unknown) => call(emu, 'POST', '/crm/v3/objects/contacts/search', { token, body })
    const byEmail = await search({
      filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'ANN@example.com' }] }],
      properties: ['email'],
      limit: 1,
    })
    expect(byEmail.body).toEqual({
      total: 1,
      results: [{ id, properties: { email: 'Ann@Example.com' }, createdAt: expect.any(String), updatedAt: expect.any(String), archived: false }],
    })
    const byPhone = await search({
      filterGroups: ['phone', 'mobilephone'].map((propertyName) => ({ filters: [{ propertyName, operator: 'EQ', value: '+15551234567' }] })),
    })
    expect(byPhone.body).toMatchObject({ total: 1, results: [{ id: mobile.id, properties: { firstname: 'Mo' } }] })
    expect((await search({ filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'nobody@x.io' }] }] })).body).toMatchObject({
      total: 0,
      results: [],
    })
    expect((await search({ filterGroups: [{ filters: [{ propertyName: 'email', operator: 'LIKE', value: 'x' }] }] })).status).toBe(400)
  })
})

describe('fault injection', () => {
  it('injects 429 with the HubSpot rate-limit body, then 5xx only on matching paths, in order', async () => {
    const emu = await start()
    const token = await accessToken(emu)
    emu.faults.failNext(1, { status: 429 })
    emu.faults.failNext(2, { status: 503, match: (_m, p) => p.includes('/inboxes') })
    const path = '/conversations/v3/conversations/inboxes'
    const limited = await call(emu, 'GET', path, { token })
    expect(limited.status).toBe(429)
    expect(limited.body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: expect.any(String),
      policyName: 'TEN_SECONDLY_ROLLING',
    })
    expect((await call(emu, 'GET', '/files/v3/files/1', { token })).status).toBe(404)
    expect((await call(emu, 'GET', path, { token })).status).toBe(503)
    expect((await call(emu, 'GET', path, { token })).status).toBe(503)
    const ok = await call(emu, 'GET', path, { token })
    expect(ok.status).toBe(200)
    expect(ok.headers.get('x-hubspot-ratelimit-max')).toBe('100')
    expect(Number(ok.headers.get('x-hubspot-ratelimit-remaining'))).toBeLessThan(100)
    expect(emu.requests.map((r) => r.status)).toEqual([200, 429, 404, 503, 503, 200])

    emu.faults.failNext(1, { status: 502, body: { custom: true }, headers: { 'Retry-After': '1' } })
    const custom = await call(emu, 'GET', path, { token })
    expect(custom.body).toEqual({ custom: true })
    expect(custom.headers.get('retry-after')).toBe('1')
  })

  it('resets connections (optionally after the request took effect) and delays answers past client timeouts', async () => {
    const s = await setup()
    const isPublish = (m: string, p: string) => m === 'POST' && p.endsWith('/messages')
    s.emu.faults.resetConnectionNext(1, isPublish)
    await expect(publish(s)).rejects.toThrow()
    expect(s.emu.state.messages.size).toBe(0)

    s.emu.faults.resetConnectionNext(1, isPublish, { afterProcessing: true })
    await expect(publish(s, { integrationIdempotencyId: 'k1' })).rejects.toThrow()
    expect(s.emu.state.messages.size).toBe(1)
    const retry = await publish(s, { integrationIdempotencyId: 'k1' })
    expect(retry.status).toBe(201)
    expect(s.emu.state.messages.size).toBe(1)

    s.emu.faults.delayNext(1, 300, isPublish)
    const url = `${s.emu.url}/conversations/v3/custom-channels/${s.channelId}/messages`
    const body = JSON.stringify({
      channelAccountId: s.accountId,
      messageDirection: 'INCOMING',
      text: 'late',
      integrationThreadId: 'bp-conv-1',
      senders: [{ deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'jane@example.com' } }],
    })
    const headers = { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' }
    await expect(fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(50) })).rejects.toThrow()
    await new Promise((r) => setTimeout(r, 400))
    expect([...s.emu.state.messages.values()].some((m) => m.text === 'late')).toBe(true)
    expect(s.emu.requests.filter((r) => r.status === 0)).toHaveLength(2)
  })

  it('adds latency and enforces a real rate limit when configured', async () => {
    const emu = await start({ latencyMs: 60, rateLimitPerTenSeconds: 2 })
    const token = await accessToken(emu)
    const t0 = Date.now()
    expect((await call(emu, 'GET', '/conversations/v3/conversations/inboxes', { token })).status).toBe(200)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55)
    const limited = await call(emu, 'GET', '/conversations/v3/conversations/inboxes', { token })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0')
  })
})
