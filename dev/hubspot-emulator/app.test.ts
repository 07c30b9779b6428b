import { createHmac, timingSafeEqual } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { startHubspotApp, type HubspotApp, type HubspotAppOptions } from './app'
import type { EmulatorExchange } from './api'
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from './test-receiver'

/** One app, two portals: what belongs to the app (channels), what to a portal (everything else), over 127.0.0.1. */

const CREDS = { clientId: 'client-id-app', clientSecret: 'client-secret-app', developerApiKey: 'dev-key-app', appId: '515151' } as const
const A = 11_111_111
const B = 22_222_222
const CALLBACK = 'https://webhook.example.test/oauth'
const SCOPES = 'conversations.read oauth'
const CAPABILITIES = {
  deliveryIdentifierTypes: ['CHANNEL_SPECIFIC_OPAQUE_ID', 'HS_EMAIL_ADDRESS'],
  threadingModel: 'INTEGRATION_THREAD_ID',
  allowOutgoingMessages: true,
}

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

const startApp = async (extra: Partial<HubspotAppOptions> = {}): Promise<{ app: HubspotApp; hook: WebhookReceiver; appHook: WebhookReceiver }> => {
  const app = await startHubspotApp({
    ...CREDS,
    ...extra,
    portals: [
      { portalId: A, refreshToken: 'refresh-a' },
      { portalId: B, refreshToken: 'refresh-b' },
    ],
  })
  const hook = await startWebhookReceiver('/integration/global/hubspot-hitl')
  const appHook = await startWebhookReceiver('/integration/global/hubspot-hitl')
  cleanups.push(
    () => app.close(),
    () => hook.close(),
    () => appHook.close()
  )
  app.setAppWebhookUrl(appHook.url)
  return { app, hook, appHook }
}

type Answer = { status: number; json: unknown; text: string; location: string | null }
const send = async (url: string, init: RequestInit = {}): Promise<Answer> => {
  const res = await fetch(url, { redirect: 'manual', ...init })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text) as unknown
  } catch {
    json = undefined
  }
  return { status: res.status, json, text, location: res.headers.get('location') }
}
const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
})
const api = (app: HubspotApp, method: string, path: string, o: { token?: string; developer?: boolean; body?: unknown } = {}) => {
  const url = new URL(`${app.url}${path}`)
  if (o.developer) {
    url.searchParams.set('hapikey', CREDS.developerApiKey)
    url.searchParams.set('appId', CREDS.appId)
  }
  return send(url.toString(), {
    method,
    headers: { ...(o.token ? { Authorization: `Bearer ${o.token}` } : {}), ...(o.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
  })
}
const str = (v: unknown, key: string): string => {
  const x = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined
  if (typeof x !== 'string') throw new Error(`expected a string at ${key}: ${JSON.stringify(v)}`)
  return x
}
const refresh = (app: HubspotApp, refreshToken: string) =>
  send(
    `${app.url}/oauth/2026-03/token`,
    form({ grant_type: 'refresh_token', client_id: CREDS.clientId, client_secret: CREDS.clientSecret, refresh_token: refreshToken })
  )
const tokenOf = async (app: HubspotApp, refreshToken: string): Promise<string> => str((await refresh(app, refreshToken)).json, 'access_token')

const verifyV3 = (r: ReceivedRequest, url: string): boolean => {
  const sig = r.headers['x-hubspot-signature-v3']
  const ts = r.headers['x-hubspot-request-timestamp']
  if (typeof sig !== 'string' || typeof ts !== 'string') return false
  const expected = createHmac('sha256', CREDS.clientSecret).update(`POST${url}${r.body}${ts}`).digest()
  const given = Buffer.from(sig, 'base64')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

/** The app's channel at `hook`, one account per portal, and one thread per portal. */
const withThreads = async (app: HubspotApp, hook: WebhookReceiver) => {
  const channel = await api(app, 'POST', '/conversations/custom-channels/2026-09', {
    developer: true,
    body: { name: 'Botpress', webhookUrl: hook.url, capabilities: CAPABILITIES },
  })
  expect(channel.status).toBe(201)
  const channelId = str(channel.json, 'id')
  const threads: Record<number, { token: string; accountId: string; threadId: string; inboxId: string }> = {}
  for (const [portalId, rt] of [
    [A, 'refresh-a'],
    [B, 'refresh-b'],
  ] as const) {
    const token = await tokenOf(app, rt)
    const inboxes = await api(app, 'GET', '/conversations/conversations/2026-09/inboxes', { token })
    const inboxId = str((inboxes.json as { results: unknown[] }).results[0], 'id')
    const account = await api(app, 'POST', `/conversations/custom-channels/2026-09/${channelId}/channel-accounts`, {
      token,
      body: { inboxId, name: 'Support', authorized: true, deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: `bp-${portalId}` } },
    })
    expect(account.status).toBe(201)
    const accountId = str(account.json, 'id')
    const message = await api(app, 'POST', `/conversations/custom-channels/2026-09/${channelId}/messages`, {
      token,
      body: {
        channelAccountId: accountId,
        messageDirection: 'INCOMING',
        text: `hello from ${portalId}`,
        integrationThreadId: `conv-${portalId}`,
        senders: [{ deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: `user-${portalId}@example.com` } }],
      },
    })
    expect(message.status).toBe(201)
    threads[portalId] = { token, accountId, threadId: str(message.json, 'conversationsThreadId'), inboxId }
  }
  await Promise.all(app.portals.map((p) => p.settle()))
  return { channelId, threads: threads as Record<typeof A | typeof B, (typeof threads)[number]> }
}

describe('one app, several portals', () => {
  it('the consent page lets the user pick the account; the token response carries that account’s hub_id', async () => {
    const { app } = await startApp()
    const query = new URLSearchParams({ client_id: CREDS.clientId, redirect_uri: CALLBACK, scope: SCOPES, state: 'webhook-id-2' })
    const picker = await send(`${app.authorizeUrl}?${query.toString()}`)
    expect(picker.status).toBe(200)
    const links = [...picker.text.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] ?? '').replace(/&amp;/g, '&'))
    expect(links).toHaveLength(2)
    expect(picker.text).toContain(String(A))
    expect(picker.text).toContain(String(B))

    // Pick account B: its consent page, then Grant access.
    const chosen = links.find((l) => l.startsWith(app.portal(B).url)) ?? ''
    const consent = await send(chosen)
    expect(consent.text).toContain(String(B))
    const consentId = /name="consent" value="([^"]+)"/.exec(consent.text)?.[1] ?? ''
    const granted = await send(`${app.portal(B).url}/oauth/authorize`, form({ consent: consentId, decision: 'grant' }))
    const target = new URL(granted.location ?? '')
    expect(target.searchParams.get('state')).toBe('webhook-id-2')

    // The integration exchanges the code at the app's URL (it knows nothing of portals).
    const exchanged = await send(
      `${app.url}/oauth/2026-03/token`,
      form({
        grant_type: 'authorization_code',
        client_id: CREDS.clientId,
        client_secret: CREDS.clientSecret,
        redirect_uri: CALLBACK,
        code: target.searchParams.get('code') ?? '',
      })
    )
    expect(exchanged.status).toBe(200)
    expect(exchanged.json).toMatchObject({ hub_id: B })
    expect((await refresh(app, str(exchanged.json, 'refresh_token'))).json).toMatchObject({ hub_id: B })
    expect((await refresh(app, 'refresh-a')).json).toMatchObject({ hub_id: A })
    // Introspection answers for the portal that issued the token, whichever it is.
    const introspect = (token: string) =>
      send(`${app.url}/oauth/2026-03/token/introspect`, form({ client_id: CREDS.clientId, client_secret: CREDS.clientSecret, token }))
    expect((await introspect(str(exchanged.json, 'access_token'))).json).toMatchObject({ active: true, hub_id: B })
    expect((await introspect(await tokenOf(app, 'refresh-a'))).json).toMatchObject({ active: true, hub_id: A })
    expect(app.routed.filter((r) => r.path.startsWith('/oauth/')).map((r) => r.portalId)).toEqual([B, B, A, B, A, A])
  })

  it('channels belong to the app (one registry, the same ids in every portal); accounts, inboxes and threads to a portal', async () => {
    const { app, hook } = await startApp()
    const { channelId, threads } = await withThreads(app, hook)
    const listed = await api(app, 'GET', '/conversations/custom-channels/2026-09', { developer: true })
    expect((listed.json as { results: { id: string }[] }).results.map((c) => c.id)).toEqual([channelId])
    expect(app.portal(A).state.channels.get(channelId)).toBe(app.portal(B).state.channels.get(channelId))
    // A channel made at a portal's own URL joins the same registry with a new id.
    const direct = await send(`${app.portal(B).url}/conversations/custom-channels/2026-09?hapikey=${CREDS.developerApiKey}&appId=${CREDS.appId}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Second', webhookUrl: hook.url, capabilities: CAPABILITIES }),
    })
    expect(direct.status).toBe(201)
    expect(str(direct.json, 'id')).not.toBe(channelId)
    expect([...app.portal(A).state.channels.keys()]).toEqual([channelId, str(direct.json, 'id')])

    // Ids are unique across portals, as HubSpot's are.
    expect(threads[A].threadId).not.toBe(threads[B].threadId)
    expect(threads[A].accountId).not.toBe(threads[B].accountId)
    expect(threads[A].inboxId).not.toBe(threads[B].inboxId)
    expect([...app.portal(A).state.threads.keys()]).toEqual([threads[A].threadId])
    expect([...app.portal(B).state.channelAccounts.keys()]).toEqual([threads[B].accountId])

    // A token of portal A sees only A's data.
    const own = await api(app, 'GET', `/conversations/conversations/2026-09/threads/${threads[A].threadId}`, { token: threads[A].token })
    expect(own.status).toBe(200)
    const foreign = await api(app, 'GET', `/conversations/conversations/2026-09/threads/${threads[B].threadId}`, { token: threads[A].token })
    expect(foreign.status).toBe(404)
    const foreignAccount = await api(app, 'GET', `/conversations/custom-channels/2026-09/${channelId}/channel-accounts/${threads[B].accountId}`, {
      token: threads[A].token,
    })
    expect(foreignAccount.status).toBe(404)
    // Channel-account events name their portal.
    const created = hook.received.map((r) => JSON.parse(r.body) as { type: string; portalId: string; channelAccountId: string })
    expect(created.map((e) => [e.type, e.portalId, e.channelAccountId])).toEqual([
      ['CHANNEL_ACCOUNT_CREATED', String(A), threads[A].accountId],
      ['CHANNEL_ACCOUNT_CREATED', String(B), threads[B].accountId],
    ])
  })

  it('an agent reply goes to the channel’s webhookUrl naming its portal; app webhooks of every portal reach the one target', async () => {
    const { app, hook, appHook } = await startApp()
    const { threads } = await withThreads(app, hook)
    hook.received.length = 0
    const { statuses } = await app.portal(B).agent.reply(threads[B].threadId, { text: 'Hi from B' })
    expect(statuses).toEqual([200])
    const event = JSON.parse(hook.received[0]?.body ?? '{}') as { type: string; portalId: string; message: { conversationsThreadId: string } }
    expect(event).toMatchObject({ type: 'OUTGOING_CHANNEL_MESSAGE_CREATED', portalId: String(B) })
    expect(event.message.conversationsThreadId).toBe(threads[B].threadId)
    expect(verifyV3(hook.received[0] as ReceivedRequest, hook.url)).toBe(true)

    await app.portal(A).agent.close(threads[A].threadId)
    const batch = JSON.parse(appHook.received.at(-1)?.body ?? '[]') as { portalId: number; objectId: number; appId: number }[]
    expect(batch).toEqual([expect.objectContaining({ portalId: A, objectId: Number(threads[A].threadId), appId: Number(CREDS.appId) })])
  })

  it('mixedBatch sends events of several portals as one signed batch, in order, each with its own portalId', async () => {
    const { app, hook, appHook } = await startApp()
    const { threads } = await withThreads(app, hook)
    const before = appHook.received.length
    const { status, events } = await app.mixedBatch(async () => {
      await app.portal(A).agent.assign(threads[A].threadId)
      await app.portal(B).agent.close(threads[B].threadId)
      await app.portal(A).agent.close(threads[A].threadId)
    })
    expect(status).toBe(200)
    expect(appHook.received).toHaveLength(before + 1)
    const received = appHook.received.at(-1) as ReceivedRequest
    expect(verifyV3(received, appHook.url)).toBe(true)
    const batch = JSON.parse(received.body) as { portalId: number; objectId: number; propertyName: string }[]
    expect(batch).toEqual(events)
    expect(new Set(events.map((e) => (e as { eventId: number }).eventId)).size).toBe(events.length)
    expect(batch.map((e) => [e.portalId, e.objectId, e.propertyName])).toEqual([
      [A, Number(threads[A].threadId), 'assignedTo'],
      [B, Number(threads[B].threadId), 'status'],
      [A, Number(threads[A].threadId), 'status'],
    ])
    // Outside mixedBatch, events go out one delivery at a time again.
    await app.portal(B).agent.reply(threads[B].threadId, { text: 'reopened' })
    await app.portal(B).agent.close(threads[B].threadId)
    expect(appHook.received).toHaveLength(before + 2)
  })

  it('the sunset switch and the exchange tap apply to every portal', async () => {
    const exchanges: EmulatorExchange[] = []
    const { app } = await startApp({ sunset: true, onExchange: (ex) => exchanges.push(ex) })
    for (const rt of ['refresh-a', 'refresh-b']) {
      const token = await tokenOf(app, rt)
      expect((await api(app, 'GET', '/conversations/v3/conversations/inboxes', { token })).status).toBe(410)
      expect((await api(app, 'GET', '/conversations/conversations/2026-09/inboxes', { token })).status).toBe(200)
    }
    const inboxCalls = exchanges.filter((ex) => ex.path.endsWith('/inboxes')).map((ex) => ex.response.status)
    expect(inboxCalls).toEqual([410, 200, 410, 200])
    expect(app.routed.filter((r) => r.path.endsWith('/inboxes')).map((r) => r.portalId)).toEqual([A, A, B, B])
  })
})
