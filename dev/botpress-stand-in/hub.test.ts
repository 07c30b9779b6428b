import * as http from 'node:http'
import { Client, isApiError } from '@botpress/client'
import * as sdk from '@botpress/sdk'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { startBotpressHub, startIntegrationOnLoopback, type BotpressHub, type BotpressStandIn, type RunningIntegration } from './index'

// ---------------------------------------------------------------------------------------------
// One probe integration (one server, as one deployed integration) installed in several bots.
// ---------------------------------------------------------------------------------------------

type Who = {
  botId: string
  webhookId: string
  integrationId: string
  configurationType: string | null
  configuration: { label: string }
  clientId?: string
}

type TI = sdk.DefaultIntegration<{
  name: 'hub-probe'
  version: '0.0.1'
  configuration: { label: string }
  actions: {
    whoami: { input: Record<string, never>; output: Who }
    claim: { input: { identifier: string | null }; output: { errorType?: string; status?: number } }
    ensureUser: { input: { key: string }; output: { userId: string } }
    saveMemo: { input: { note: string }; output: Record<string, never> }
    readMemo: { input: Record<string, never>; output: { note?: string; errorType?: string } }
  }
  states: { memo: { type: 'integration'; payload: { note: string } } }
  user: { tags: { extKey: '' } }
}>

type Delivery = {
  botId: string
  webhookId: string
  method: string
  path: string
  query: string
  headers: Record<string, string | undefined>
  body?: string
}
const deliveries: Delivery[] = []

const whoOf = (ctx: {
  botId: string
  webhookId: string
  integrationId: string
  configurationType: string | null
  configuration: { label: string }
}): Who => ({
  botId: ctx.botId,
  webhookId: ctx.webhookId,
  integrationId: ctx.integrationId,
  configurationType: ctx.configurationType,
  configuration: ctx.configuration,
  ...(process.env.SECRET_CLIENT_ID !== undefined ? { clientId: process.env.SECRET_CLIENT_ID } : {}),
})

const probe = new sdk.Integration<TI>({
  register: async () => undefined,
  unregister: async () => undefined,
  handler: async ({ req, ctx }) => {
    deliveries.push({
      botId: ctx.botId,
      webhookId: ctx.webhookId,
      method: req.method,
      path: req.path,
      query: req.query,
      headers: req.headers,
      body: req.body,
    })
    return { status: 200, headers: { 'content-type': 'text/plain' }, body: `for:${ctx.botId}` }
  },
  actions: {
    whoami: async ({ ctx }) => whoOf(ctx),
    claim: async ({ input, client }) => {
      try {
        await client.configureIntegration({ identifier: input.identifier })
        return {}
      } catch (err) {
        if (isApiError(err)) return { errorType: err.type, status: err.code }
        throw err
      }
    },
    ensureUser: async ({ input, client }) => {
      const { user } = await client.getOrCreateUser({ tags: { extKey: input.key }, discriminateByTags: ['extKey'] })
      return { userId: user.id }
    },
    saveMemo: async ({ input, client, ctx }) => {
      await client.setState({ type: 'integration', name: 'memo', id: ctx.integrationId, payload: { note: input.note } })
      return {}
    },
    readMemo: async ({ client, ctx }) => {
      try {
        const { state } = await client.getState({ type: 'integration', name: 'memo', id: ctx.integrationId })
        return { note: state.payload.note }
      } catch (err) {
        if (isApiError(err)) return { errorType: err.type }
        throw err
      }
    },
  },
  channels: {},
})

// ---------------------------------------------------------------------------------------------

const SECRETS = { CLIENT_ID: 'publisher-client-id', CLIENT_SECRET: 'publisher-client-secret' }
let integration: RunningIntegration
let hub: BotpressHub
let alpha: BotpressStandIn
let beta: BotpressStandIn
let previousApiUrl: string | undefined

const request = (url: string, method: string, body?: string, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const raw = body === undefined ? undefined : Buffer.from(body, 'utf8')
    const req = http.request(url, { method, headers: { ...headers, ...(raw ? { 'content-length': raw.length } : {}) } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(raw)
  })
const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  request(url, 'POST', body, { 'content-type': 'application/json', ...headers })

beforeAll(async () => {
  vi.spyOn(console, 'info').mockImplementation(() => undefined) // the SDK's integration logger
  integration = await startIntegrationOnLoopback(probe, { secrets: SECRETS })
  hub = await startBotpressHub({ integrationUrl: integration.url, integrationName: 'acme/hubspot-hitl' })
  previousApiUrl = process.env.BP_API_URL
  process.env.BP_API_URL = hub.url // one Botpress API for every bot, as in the cloud
  alpha = hub.install({ botId: 'bot_alpha', configuration: { label: 'publisher' } })
  beta = hub.install({ botId: 'bot_beta', configuration: { label: 'own' }, configurationType: 'ownApp' })
})

afterAll(async () => {
  if (previousApiUrl === undefined) delete process.env.BP_API_URL
  else process.env.BP_API_URL = previousApiUrl
  await hub?.close()
  await integration?.close()
  vi.restoreAllMocks()
})

beforeEach(async () => {
  deliveries.length = 0
  await alpha.callAction('claim', { identifier: null })
  await beta.callAction('claim', { identifier: null })
})

describe('several bots with one installation each, one integration server', () => {
  it('each installation has its own bot id, webhook id, configuration and configuration type; the integration id is shared', async () => {
    const a = await alpha.callAction<Who>('whoami', {})
    const b = await beta.callAction<Who>('whoami', {})
    expect(a).toMatchObject({ botId: 'bot_alpha', webhookId: alpha.webhookId, configurationType: null, configuration: { label: 'publisher' } })
    expect(b).toMatchObject({ botId: 'bot_beta', webhookId: beta.webhookId, configurationType: 'ownApp', configuration: { label: 'own' } })
    expect(alpha.webhookId).not.toBe(beta.webhookId)
    expect(a.integrationId).toBe(hub.integrationId)
    expect(b.integrationId).toBe(hub.integrationId)
    expect(hub.installations().map((i) => i.botId)).toEqual(['bot_alpha', 'bot_beta'])
  })

  it('setConfiguration with a type switches the header; null goes back to the default configuration', async () => {
    alpha.setConfiguration({ label: 'byo' }, 'ownApp')
    expect(await alpha.callAction<Who>('whoami', {})).toMatchObject({ configurationType: 'ownApp', configuration: { label: 'byo' } })
    alpha.setConfiguration({ label: 'publisher' }, null)
    expect(await alpha.callAction<Who>('whoami', {})).toMatchObject({ configurationType: null, configuration: { label: 'publisher' } })
  })

  it('the secrets reach the integration as SECRET_* env', async () => {
    expect((await alpha.callAction<Who>('whoami', {})).clientId).toBe('publisher-client-id')
    expect(process.env.SECRET_CLIENT_SECRET).toBe('publisher-client-secret')
  })

  it('states and users are per bot, though both installations use the same integration id', async () => {
    await alpha.callAction('saveMemo', { note: 'alpha only' })
    expect(await alpha.callAction('readMemo', {})).toEqual({ note: 'alpha only' })
    expect(await beta.callAction('readMemo', {})).toEqual({ errorType: 'ResourceNotFound' })
    const ua = await alpha.callAction<{ userId: string }>('ensureUser', { key: 'same-key' })
    const ub = await beta.callAction<{ userId: string }>('ensureUser', { key: 'same-key' })
    expect(ua.userId).not.toBe(ub.userId)
    expect(alpha.store.users.has(ua.userId)).toBe(true)
    expect(beta.store.users.has(ua.userId)).toBe(false)
    // A bot's client cannot read another bot's records; an unknown bot is refused.
    const err = await new Client({ apiUrl: hub.url, botId: 'bot_beta' }).getUser({ id: ua.userId }).catch((e: unknown) => e)
    expect(isApiError(err) && err.type).toBe('ResourceNotFound')
    const stranger = await new Client({ apiUrl: hub.url, botId: 'bot_nobody' }).getUser({ id: ua.userId }).catch((e: unknown) => e)
    expect(isApiError(stranger) && stranger.type).toBe('Unauthorized')
  })

  it('each webhook URL reaches its own installation only', async () => {
    await post(`${alpha.webhookUrl}/x`, '{}')
    await post(beta.webhookUrl, '{}')
    expect(deliveries.map((d) => [d.botId, d.path])).toEqual([
      ['bot_alpha', '/x'],
      ['bot_beta', '/'],
    ])
  })
})

describe('configureIntegration (POST /v1/chat/integrations/configure)', () => {
  it('sets the calling installation’s identifier, re-sets it, and null clears it; one request each', async () => {
    alpha.resetRequestLog()
    expect(await alpha.callAction('claim', { identifier: '111' })).toEqual({})
    expect(alpha.identifier()).toBe('111')
    expect(beta.identifier()).toBeNull()
    expect(hub.installationFor('111')?.botId).toBe('bot_alpha')
    await alpha.callAction('claim', { identifier: '112' })
    expect(alpha.identifier()).toBe('112')
    expect(hub.installationFor('111')).toBeUndefined()
    await alpha.callAction('claim', { identifier: null })
    expect(alpha.identifier()).toBeNull()
    expect(hub.installationFor('112')).toBeUndefined()
    expect(alpha.requests.map((r) => `${r.method} ${r.path}`)).toEqual(Array(3).fill('POST /v1/chat/integrations/configure'))
  })

  it('a second installation claiming a held identifier is refused (409 AlreadyExists); the holder keeps it', async () => {
    await alpha.callAction('claim', { identifier: '222' })
    expect(await beta.callAction('claim', { identifier: '222' })).toEqual({ errorType: 'AlreadyExists', status: 409 })
    expect(alpha.identifier()).toBe('222')
    expect(beta.identifier()).toBeNull()
    await alpha.callAction('claim', { identifier: null })
    expect(await beta.callAction('claim', { identifier: '222' })).toEqual({})
    expect(hub.installationFor('222')?.botId).toBe('bot_beta')
  })

  it('refuses an empty identifier, and a call without x-integration-id or of another integration', async () => {
    expect(await alpha.callAction('claim', { identifier: '' })).toEqual({ errorType: 'InvalidPayload', status: 400 })
    const noIntegration = await new Client({ apiUrl: hub.url, botId: 'bot_alpha' }).configureIntegration({ identifier: '9' }).catch((e: unknown) => e)
    expect(isApiError(noIntegration) && noIntegration.type).toBe('Unauthorized')
    const other = await new Client({ apiUrl: hub.url, botId: 'bot_alpha', integrationId: 'integration_other' })
      .configureIntegration({ identifier: '9' })
      .catch((e: unknown) => e)
    expect(isApiError(other) && other.type).toBe('Unauthorized')
    expect(alpha.identifier()).toBeNull()
  })

  it('an uninstalled bot (close) frees its identifier and its URLs', async () => {
    const gamma = hub.install({ botId: 'bot_gamma', configuration: { label: 'g' } })
    await gamma.callAction('claim', { identifier: '333' })
    await gamma.close()
    expect(hub.installationFor('333')).toBeUndefined()
    expect(await beta.callAction('claim', { identifier: '333' })).toEqual({})
    expect((await post(gamma.webhookUrl, '{}')).status).toBe(404)
    expect(deliveries).toEqual([])
  })
})

describe('the integration-level webhook URL, routed by the identifier extract.vrl yields', () => {
  it('is {url}/integration/global/<name>', () => {
    expect(hub.integrationWebhookUrl).toBe(`${hub.url}/integration/global/acme/hubspot-hitl`)
  })

  it('routes an app batch (JSON array) by body[0].portalId and an object by portalId, number or string', async () => {
    await alpha.callAction('claim', { identifier: '1001' })
    await beta.callAction('claim', { identifier: '2002' })
    await post(
      hub.integrationWebhookUrl,
      JSON.stringify([
        { portalId: 2002, eventId: 1 },
        { portalId: 1001, eventId: 2 },
      ])
    )
    await post(
      hub.integrationWebhookUrl,
      JSON.stringify([
        { portalId: 1001, eventId: 3 },
        { portalId: 2002, eventId: 4 },
      ])
    )
    await post(hub.integrationWebhookUrl, JSON.stringify({ type: 'OUTGOING_CHANNEL_MESSAGE_CREATED', portalId: 1001 }))
    await post(hub.integrationWebhookUrl, JSON.stringify({ type: 'OUTGOING_CHANNEL_MESSAGE_CREATED', portalId: '2002' }))
    expect(deliveries.map((d) => d.botId)).toEqual(['bot_beta', 'bot_alpha', 'bot_alpha', 'bot_beta'])
  })

  it('delivers exactly what a request to the installation’s own webhook URL delivers: method, headers, body, sub-path, query', async () => {
    await beta.callAction('claim', { identifier: '2002' })
    const body = `[ {"portalId": 2002, "note": "Grüße 🎉"} ]`
    const headers = { 'X-HubSpot-Signature-v3': 'sig==', 'X-HubSpot-Request-Timestamp': '1700000000000' }
    const viaGlobal = await post(`${hub.integrationWebhookUrl}/sub/path?b=2&a=%201`, body, headers)
    const viaOwn = await post(`${beta.webhookUrl}/sub/path?b=2&a=%201`, body, headers)
    expect(viaGlobal).toEqual({ status: 200, body: 'for:bot_beta' })
    expect(viaOwn).toEqual(viaGlobal)
    const [global, own] = deliveries
    expect(global).toMatchObject({ botId: 'bot_beta', method: 'POST', path: '/sub/path', query: 'b=2&a=%201', body })
    expect(global?.headers['x-hubspot-signature-v3']).toBe('sig==')
    expect({ ...global, headers: { ...global?.headers, host: '' } }).toEqual({ ...own, headers: { ...own?.headers, host: '' } })
    await post(hub.integrationWebhookUrl, body)
    expect(deliveries.at(-1)?.path).toBe('/')
  })

  it('an identifier no installation holds, a body without portalId, and a body that is not JSON: 404, nothing delivered', async () => {
    await alpha.callAction('claim', { identifier: '1001' })
    const answers = await Promise.all([
      post(hub.integrationWebhookUrl, JSON.stringify([{ portalId: 9999 }, { portalId: 1001 }])),
      post(hub.integrationWebhookUrl, JSON.stringify({ portalId: 9999 })),
      post(hub.integrationWebhookUrl, JSON.stringify([{ eventId: 1 }])),
      post(hub.integrationWebhookUrl, JSON.stringify([])),
      post(hub.integrationWebhookUrl, 'not json'),
    ])
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404, 404])
    expect(deliveries).toEqual([])
  })

  it('after the identifier is cleared, the portal’s events reach nobody', async () => {
    await alpha.callAction('claim', { identifier: '1001' })
    expect((await post(hub.integrationWebhookUrl, JSON.stringify({ portalId: 1001 }))).status).toBe(200)
    await alpha.callAction('claim', { identifier: null })
    expect((await post(hub.integrationWebhookUrl, JSON.stringify({ portalId: 1001 }))).status).toBe(404)
    expect(deliveries).toHaveLength(1)
  })

  it('another integration name under /integration/global is not this integration’s URL', async () => {
    await alpha.callAction('claim', { identifier: '1001' })
    expect((await post(`${hub.url}/integration/global/acme/other`, JSON.stringify({ portalId: 1001 }))).status).toBe(404)
    expect((await post(`${hub.integrationWebhookUrl}-x`, JSON.stringify({ portalId: 1001 }))).status).toBe(404)
    expect(deliveries).toEqual([])
  })
})

describe("Botpress's global OAuth route, routed by state = webhook id", () => {
  it('is {url}/oauth and delivers GET /oauth?code&state to that installation, at path /oauth with the whole query', async () => {
    expect(hub.oauthUrl).toBe(`${hub.url}/oauth`)
    const res = await request(`${hub.oauthUrl}?code=abc&state=${beta.webhookId}`, 'GET')
    expect(res).toEqual({ status: 200, body: 'for:bot_beta' })
    expect(deliveries).toEqual([
      expect.objectContaining({ botId: 'bot_beta', method: 'GET', path: '/oauth', query: `code=abc&state=${beta.webhookId}` }),
    ])
    expect(deliveries[0]?.body).toBeUndefined()
    await request(`${hub.oauthUrl}?state=${alpha.webhookId}&code=x`, 'GET')
    expect(deliveries.at(-1)).toMatchObject({ botId: 'bot_alpha', path: '/oauth' })
  })

  it('an unknown or missing state: 404, nothing delivered', async () => {
    expect((await request(`${hub.oauthUrl}?code=abc&state=webhook_nobody`, 'GET')).status).toBe(404)
    expect((await request(`${hub.oauthUrl}?code=abc`, 'GET')).status).toBe(404)
    expect((await request(`${hub.url}/oauthx?state=${alpha.webhookId}`, 'GET')).status).toBe(404)
    expect(deliveries).toEqual([])
  })
})

describe('startIntegrationOnLoopback secrets', () => {
  it('are set while it runs and put back on close', async () => {
    const before = process.env.SECRET_APP_ID
    const running = await startIntegrationOnLoopback(probe, { secrets: { APP_ID: 'app-7' } })
    expect(process.env.SECRET_APP_ID).toBe('app-7')
    await running.close()
    expect(process.env.SECRET_APP_ID).toBe(before)
  })
})
