import * as http from 'node:http'
import { Client, isApiError, type Message } from '@botpress/client'
import * as sdk from '@botpress/sdk'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { IntegrationOperationError, startBotpressStandIn, startIntegrationOnLoopback, type BotpressStandIn, type RunningIntegration } from './index'
import { MESSAGE_PAGE_SIZE } from './store'

// ---------------------------------------------------------------------------------------------
// A tiny probe integration, run by the SDK's real HTTP server, that reports what reached it.
// ---------------------------------------------------------------------------------------------

type ProbeCtx = {
  botId: string
  botUserId: string
  integrationId: string
  integrationAlias: string
  webhookId: string
  configurationType: string | null
  configuration: { greeting: string }
}

type TI = sdk.DefaultIntegration<{
  name: 'stand-in-probe'
  version: '0.0.1'
  configuration: { greeting: string }
  actions: {
    ping: { input: { text: string }; output: { echo: string; ctx: ProbeCtx } }
    ensureUser: { input: { key: string; name: string }; output: { userId: string } }
    openConversation: { input: { thread: string }; output: { conversationId: string } }
    saveMemo: { input: { note: string }; output: { note: string } }
    readMemo: { input: Record<string, never>; output: { note?: string; errorType?: string } }
    assign: { input: { conversationId: string; userId: string }; output: { eventId: string } }
    fail: { input: { reason: string }; output: Record<string, never> }
  }
  channels: {
    hitl: {
      messages: { text: { text: string } }
      message: { tags: { remoteId: '' } }
      conversation: { tags: { thread: '' } }
    }
  }
  events: { hitlAssigned: { conversationId: string; userId: string } }
  states: { memo: { type: 'integration'; payload: { note: string } } }
  user: { tags: { extKey: '' } }
}>

type SeenWebhook = { method: string; path: string; query: string; headers: Record<string, string | undefined>; body?: string }
type SeenMessage = { type: string; payload: { text: string }; messageId: string; conversationId: string; userId: string }
const seen: { register: string[]; unregister: string[]; webhooks: SeenWebhook[]; messages: SeenMessage[] } = {
  register: [],
  unregister: [],
  webhooks: [],
  messages: [],
}

type AgentReply = { conversationId: string; userId: string; remoteId: string; text: string }
const isAgentReply = (v: unknown): v is AgentReply =>
  typeof v === 'object' && v !== null && 'remoteId' in v && 'conversationId' in v && 'userId' in v && 'text' in v

const probe = new sdk.Integration<TI>({
  register: async ({ webhookUrl, ctx }) => {
    if (ctx.configuration.greeting === 'reject') throw new sdk.RuntimeError('The greeting was rejected')
    seen.register.push(webhookUrl)
  },
  unregister: async ({ webhookUrl }) => {
    seen.unregister.push(webhookUrl)
  },
  handler: async ({ req, client }) => {
    seen.webhooks.push({ method: req.method, path: req.path, query: req.query, headers: req.headers, body: req.body })
    let parsed: unknown
    try {
      parsed = JSON.parse(req.body ?? '')
    } catch {
      parsed = undefined
    }
    if (isAgentReply(parsed)) {
      await client.getOrCreateMessage({
        conversationId: parsed.conversationId,
        userId: parsed.userId,
        type: 'text',
        payload: { text: parsed.text },
        tags: { remoteId: parsed.remoteId },
        discriminateByTags: ['remoteId'],
      })
    }
    return {
      status: 202,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-probe': 'handled' },
      body: `echo:${req.body ?? ''}`,
    }
  },
  actions: {
    ping: async ({ input, ctx }) => ({
      echo: input.text,
      ctx: {
        botId: ctx.botId,
        botUserId: ctx.botUserId,
        integrationId: ctx.integrationId,
        integrationAlias: ctx.integrationAlias,
        webhookId: ctx.webhookId,
        configurationType: ctx.configurationType,
        configuration: ctx.configuration,
      },
    }),
    ensureUser: async ({ input, client }) => {
      const { user } = await client.getOrCreateUser({
        name: input.name,
        tags: { extKey: input.key },
        discriminateByTags: ['extKey'],
      })
      return { userId: user.id }
    },
    openConversation: async ({ input, client }) => {
      const { conversation } = await client.getOrCreateConversation({
        channel: 'hitl',
        tags: { thread: input.thread },
        discriminateByTags: ['thread'],
      })
      return { conversationId: conversation.id }
    },
    saveMemo: async ({ input, client, ctx }) => {
      await client.setState({ type: 'integration', name: 'memo', id: ctx.integrationId, payload: { note: input.note } })
      const { state } = await client.getState({ type: 'integration', name: 'memo', id: ctx.integrationId })
      return { note: state.payload.note }
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
    assign: async ({ input, client }) => {
      const { event } = await client.createEvent({
        type: 'hitlAssigned',
        payload: { conversationId: input.conversationId, userId: input.userId },
        conversationId: input.conversationId,
      })
      return { eventId: event.id }
    },
    fail: async ({ input }) => {
      throw new sdk.RuntimeError(`Refused: ${input.reason}`)
    },
  },
  channels: {
    hitl: {
      messages: {
        text: async ({ payload, message, conversation, user, ack }) => {
          if (payload.text === 'boom') throw new sdk.RuntimeError('HubSpot refused the message')
          seen.messages.push({
            type: message.type,
            payload,
            messageId: message.id,
            conversationId: conversation.id,
            userId: user.id,
          })
          await ack({ tags: { remoteId: `remote-${message.id}` } })
        },
      },
    },
  },
})

// ---------------------------------------------------------------------------------------------

const CONFIG = { greeting: 'héllo' }
let integration: RunningIntegration
let bp: BotpressStandIn
let previousApiUrl: string | undefined

/** A bot-side client, as a bot or the sandbox would use against the stand-in. */
const botClient = (): Client => new Client({ apiUrl: bp.url, botId: bp.botId })

const post = (url: string, body: Buffer, headers: Record<string, string> = {}) =>
  new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })

beforeAll(async () => {
  vi.spyOn(console, 'info').mockImplementation(() => undefined) // the SDK's integration logger
  integration = await startIntegrationOnLoopback(probe)
  bp = await startBotpressStandIn({ integrationUrl: integration.url, configuration: CONFIG, botId: 'bot_probe' })
  previousApiUrl = process.env.BP_API_URL
  process.env.BP_API_URL = bp.url // the SDK builds its client per request from env
})

afterAll(async () => {
  if (previousApiUrl === undefined) delete process.env.BP_API_URL
  else process.env.BP_API_URL = previousApiUrl
  await bp?.close()
  await integration?.close()
  vi.restoreAllMocks()
})

afterEach(() => {
  bp.setConfiguration(CONFIG)
})

describe('operations sent to the integration', () => {
  it('binds to loopback and exposes the webhook URL under its own base URL', () => {
    expect(bp.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(bp.webhookUrl).toBe(`${bp.url}/webhooks/${bp.webhookId}`)
    expect(integration.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('register and unregister reach the integration with the webhook URL', async () => {
    await bp.register()
    await bp.unregister()
    expect(seen.register).toContain(bp.webhookUrl)
    expect(seen.unregister).toContain(bp.webhookUrl)
  })

  it('register throws the integration error message on a non-2xx answer', async () => {
    bp.setConfiguration({ greeting: 'reject' })
    const err = await bp.register().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(IntegrationOperationError)
    expect(err).toMatchObject({ message: 'The greeting was rejected', status: 400, type: 'Runtime', operation: 'register' })
  })

  it('an action gets its output and the context the SDK built from the headers', async () => {
    const out = await bp.callAction<{ echo: string; ctx: ProbeCtx }>('ping', { text: 'ñandú 🦤' })
    expect(out.echo).toBe('ñandú 🦤')
    expect(out.ctx).toEqual({
      botId: 'bot_probe',
      botUserId: expect.stringMatching(/^user_/),
      integrationId: bp.integrationId,
      integrationAlias: 'hubspot-hitl',
      webhookId: bp.webhookId,
      configurationType: null,
      configuration: CONFIG,
    })
  })

  it('setConfiguration changes ctx.configuration of later operations', async () => {
    bp.setConfiguration({ greeting: 'bonjour' })
    const out = await bp.callAction<{ ctx: ProbeCtx }>('ping', { text: 'x' })
    expect(out.ctx.configuration).toEqual({ greeting: 'bonjour' })
  })

  it('a failing action throws an Error carrying the RuntimeError message', async () => {
    await expect(bp.callAction('fail', { reason: 'no channel' })).rejects.toThrow('Refused: no channel')
  })
})

describe("the integration's client calls hit the stand-in", () => {
  it('getOrCreateUser with discriminateByTags twice gives the same user', async () => {
    bp.resetRequestLog()
    const a = await bp.callAction<{ userId: string }>('ensureUser', { key: 'k-1', name: 'Ana' })
    const b = await bp.callAction<{ userId: string }>('ensureUser', { key: 'k-1', name: 'Ana again' })
    const c = await bp.callAction<{ userId: string }>('ensureUser', { key: 'k-2', name: 'Bo' })
    expect(a.userId).toMatch(/^user_/)
    expect(b.userId).toBe(a.userId)
    expect(c.userId).not.toBe(a.userId)
    expect(bp.store.users.get(a.userId)).toMatchObject({ name: 'Ana', tags: { extKey: 'k-1' } })
    expect(bp.requests.map((r) => `${r.method} ${r.path}`)).toEqual(Array(3).fill('POST /v1/chat/users/get-or-create'))
  })

  it('getState on a missing state is a ResourceNotFound API error; setState then getState round-trips', async () => {
    expect(await bp.callAction('readMemo', {})).toEqual({ errorType: 'ResourceNotFound' })
    expect(await bp.callAction('saveMemo', { note: 'nötig ✓' })).toEqual({ note: 'nötig ✓' })
    expect(await bp.callAction('readMemo', {})).toEqual({ note: 'nötig ✓' })
    const state = bp.store.states.get(`integration/${bp.integrationId}/memo`)
    expect(state).toMatchObject({ type: 'integration', name: 'memo', botId: 'bot_probe', payload: { note: 'nötig ✓' } })
  })

  it('createEvent stores the short event name, payload and conversation, and notifies', async () => {
    const { conversationId } = await bp.callAction<{ conversationId: string }>('openConversation', { thread: 't-ev' })
    const { userId } = await bp.callAction<{ userId: string }>('ensureUser', { key: 'agent-1', name: 'Agent' })
    const notified: string[] = []
    bp.onEvent((e) => notified.push(e.id))
    const { eventId } = await bp.callAction<{ eventId: string }>('assign', { conversationId, userId })
    expect(bp.eventsOf('hitlAssigned')).toEqual([
      expect.objectContaining({ id: eventId, type: 'hitlAssigned', conversationId, payload: { conversationId, userId } }),
    ])
    expect(eventId).toMatch(/^evt_/)
    expect(notified).toEqual([eventId])
  })
})

describe('webhooks', () => {
  it('forwards the raw body byte for byte and relays the handler status, headers and body', async () => {
    // large enough to be split into several TCP chunks on both hops; odd spacing must survive too
    const text = `{ "note" :  "Grüße — 你好 — 🎉👩🏽‍💻 — e\u0301 — \\u00e9",\n"pad": "${'ü🙂'.repeat(40_000)}" }`
    const raw = Buffer.from(text, 'utf8')
    const res = await post(`${bp.webhookUrl}/sub/path?b=2&a=%201`, raw, {
      'Content-Type': 'application/json',
      'X-HubSpot-Signature-v3': 'sig==',
    })
    const got = seen.webhooks.at(-1)
    expect(got?.body).toBe(text)
    expect(Buffer.from(got?.body ?? '', 'utf8').equals(raw)).toBe(true)
    expect(got).toMatchObject({ method: 'POST', path: '/sub/path', query: 'b=2&a=%201' })
    expect(got?.headers['x-hubspot-signature-v3']).toBe('sig==')
    expect(got?.headers['content-type']).toBe('application/json')
    expect(res.status).toBe(202)
    expect(res.headers['x-probe']).toBe('handled')
    expect(res.body.equals(Buffer.from(`echo:${text}`, 'utf8'))).toBe(true)
  })

  it('the webhook URL itself is forwarded with path "/" and an empty query', async () => {
    await post(bp.webhookUrl, Buffer.from('{}'))
    expect(seen.webhooks.at(-1)).toMatchObject({ path: '/', query: '', body: '{}' })
  })

  it('a redelivered webhook does not duplicate the message it creates (getOrCreateMessage by tags)', async () => {
    const { conversationId } = await bp.callAction<{ conversationId: string }>('openConversation', { thread: 't-wh' })
    const { userId } = await bp.callAction<{ userId: string }>('ensureUser', { key: 'agent-wh', name: 'Agent' })
    const created: Message[] = []
    bp.onMessage((m) => created.push(m))
    const delivery = Buffer.from(JSON.stringify({ conversationId, userId, remoteId: 'hs-42', text: 'Hola 👋' }))
    await Promise.all([post(bp.webhookUrl, delivery), post(bp.webhookUrl, delivery)])
    await post(bp.webhookUrl, delivery)
    const msgs = bp.messagesIn(conversationId)
    expect(msgs).toHaveLength(1)
    expect(msgs[0]).toMatchObject({ direction: 'incoming', userId, type: 'text', payload: { text: 'Hola 👋' }, tags: { remoteId: 'hs-42' } })
    expect(created.map((m) => m.id)).toEqual([msgs[0]?.id])
  })

  it('another webhook id is not forwarded', async () => {
    const before = seen.webhooks.length
    const res = await post(`${bp.url}/webhooks/not-mine`, Buffer.from('{}'))
    expect(res.status).toBe(404)
    expect(seen.webhooks).toHaveLength(before)
  })
})

describe('message_created', () => {
  it('reaches the channel handler, and ack({tags}) updates the stored message', async () => {
    const { conversationId } = await bp.callAction<{ conversationId: string }>('openConversation', { thread: 't-msg' })
    const { userId } = await bp.callAction<{ userId: string }>('ensureUser', { key: 'end-user', name: 'Zoë' })
    const notified: string[] = []
    bp.onMessage((m) => notified.push(m.id))
    const { messageId } = await bp.sendMessage({ conversationId, userId, type: 'text', payload: { text: 'Ça va ? 🤔' } })
    expect(seen.messages.at(-1)).toEqual({ type: 'text', payload: { text: 'Ça va ? 🤔' }, messageId, conversationId, userId })
    expect(bp.store.messages.get(messageId)).toMatchObject({
      direction: 'outgoing',
      tags: { remoteId: `remote-${messageId}` },
    })
    expect(notified).not.toContain(messageId) // only messages the integration creates are notified
  })

  it('sendMessage throws the channel handler error message', async () => {
    const { conversationId } = await bp.callAction<{ conversationId: string }>('openConversation', { thread: 't-msg' })
    const { userId } = await bp.callAction<{ userId: string }>('ensureUser', { key: 'end-user', name: 'Zoë' })
    await expect(bp.sendMessage({ conversationId, userId, type: 'text', payload: { text: 'boom' } })).rejects.toThrow('HubSpot refused the message')
  })

  it('sendMessage into an unknown conversation fails before calling the integration', async () => {
    const before = seen.messages.length
    await expect(bp.sendMessage({ conversationId: 'conv_nope', userId: 'user_nope', type: 'text', payload: { text: 'x' } })).rejects.toThrow(
      /conv_nope/
    )
    expect(seen.messages).toHaveLength(before)
  })
})

describe('chat API semantics (through @botpress/client)', () => {
  it('refuses a request without the bot header', async () => {
    const err = await new Client({ apiUrl: bp.url }).getUser({ id: 'user_x' }).catch((e: unknown) => e)
    expect(isApiError(err) && err.type).toBe('Unauthorized')
  })

  it('getState / getUser / getConversation / getMessage on missing ids are ResourceNotFound', async () => {
    const c = botClient()
    const attempts = [
      c.getState({ type: 'conversation', id: 'conv_missing', name: 'hitl' }),
      c.getUser({ id: 'user_missing' }),
      c.getConversation({ id: 'conv_missing' }),
      c.getMessage({ id: 'msg_missing' }),
      c.getEvent({ id: 'evt_missing' }),
    ]
    for (const attempt of attempts) {
      const err = await attempt.catch((e: unknown) => e)
      expect(isApiError(err) && err.type).toBe('ResourceNotFound')
    }
  })

  it('merges tags on update and unsets a tag given an empty value', async () => {
    const c = botClient()
    const { user } = await c.createUser({ tags: { a: '1', b: '2' }, name: 'T' })
    const { user: updated } = await c.updateUser({ id: user.id, tags: { b: '', c: '3' } })
    expect(updated.tags).toEqual({ a: '1', c: '3' })
    expect(updated.name).toBe('T')
    const { conversation } = await c.createConversation({ channel: 'hitl', tags: { x: '1' } })
    const { conversation: conv2 } = await c.updateConversation({ id: conversation.id, tags: { y: '2' } })
    expect(conv2.tags).toEqual({ x: '1', y: '2' })
    expect(conv2.integration).toBe('hubspot-hitl')
  })

  it('lists filter by all given tags, channel and conversation, with meta {}', async () => {
    const c = botClient()
    const { conversation: one } = await c.createConversation({ channel: 'hitl', tags: { team: 'red', tier: 'gold' } })
    await c.createConversation({ channel: 'hitl', tags: { team: 'red', tier: 'silver' } })
    await c.createConversation({ channel: 'other', tags: { team: 'red', tier: 'gold' } })
    const listed = await c.listConversations({ channel: 'hitl', tags: { team: 'red', tier: 'gold' } })
    expect(listed.conversations.map((x) => x.id)).toEqual([one.id])
    expect(listed.meta).toEqual({})

    const { user: u1 } = await c.createUser({ tags: { role: 'agent', org: 'o1' } })
    await c.createUser({ tags: { role: 'agent', org: 'o2' } })
    expect((await c.listUsers({ tags: { role: 'agent', org: 'o1' } })).users.map((u) => u.id)).toEqual([u1.id])

    const { message: m1 } = await c.createMessage({ conversationId: one.id, userId: u1.id, type: 'text', payload: { text: '1' }, tags: { k: 'v' } })
    await c.createMessage({ conversationId: one.id, userId: u1.id, type: 'text', payload: { text: '2' }, tags: {} })
    // Newest first, as the real API lists them.
    expect((await c.listMessages({ conversationId: one.id })).messages.map((m) => m.payload.text)).toEqual(['2', '1'])
    expect((await c.listMessages({ conversationId: one.id, tags: { k: 'v' } })).messages.map((m) => m.id)).toEqual([m1.id])
    expect((await c.listUsers({ conversationId: one.id })).users.map((u) => u.id)).toEqual([u1.id])
  })

  it('listMessages pages newest first with nextToken, as the real API does', async () => {
    const c = botClient()
    const { conversation } = await c.createConversation({ channel: 'hitl', tags: {} })
    const { user } = await c.createUser({ tags: {} })
    const texts = Array.from({ length: MESSAGE_PAGE_SIZE + 5 }, (_, i) => `m${i}`)
    for (const text of texts) await c.createMessage({ conversationId: conversation.id, userId: user.id, type: 'text', payload: { text }, tags: {} })

    const first = await c.listMessages({ conversationId: conversation.id })
    expect(first.messages.map((m) => m.payload.text)).toEqual(texts.slice(5).reverse())
    expect(first.meta.nextToken).toEqual(expect.any(String))
    const second = await c.listMessages({ conversationId: conversation.id, nextToken: first.meta.nextToken })
    expect(second.messages.map((m) => m.payload.text)).toEqual(texts.slice(0, 5).reverse())
    expect(second.meta.nextToken).toBeUndefined()
    // The client's own paginator walks every page, newest first.
    const all = await c.list.messages({ conversationId: conversation.id }).collect()
    expect(all.map((m) => m.payload.text)).toEqual([...texts].reverse())
    await expect(c.listMessages({ conversationId: conversation.id, nextToken: 'forged' })).rejects.toMatchObject({ type: 'InvalidPayload' })
  })

  it('getOrCreateConversation finds by the discriminating tags within the channel', async () => {
    const c = botClient()
    const first = await c.getOrCreateConversation({ channel: 'hitl', tags: { thread: 'T1', extra: 'a' }, discriminateByTags: ['thread'] })
    const again = await c.getOrCreateConversation({ channel: 'hitl', tags: { thread: 'T1', extra: 'b' }, discriminateByTags: ['thread'] })
    const elsewhere = await c.getOrCreateConversation({ channel: 'other', tags: { thread: 'T1' }, discriminateByTags: ['thread'] })
    expect(again.conversation.id).toBe(first.conversation.id)
    expect(again.conversation.tags.extra).toBe('a')
    expect(elsewhere.conversation.id).not.toBe(first.conversation.id)
  })

  it('states: getOrSetState, patchState, delete with null payload, idle expiry', async () => {
    const c = botClient()
    const key = { type: 'user' as const, id: 'user_s', name: 'prefs' }
    const first = await c.getOrSetState({ ...key, payload: { a: 1 } })
    const second = await c.getOrSetState({ ...key, payload: { a: 2 } })
    expect(first.state.payload).toEqual({ a: 1 })
    expect(second.state.payload).toEqual({ a: 1 })
    expect(second.state.userId).toBe('user_s')
    const patched = await c.patchState({ ...key, payload: { b: 2 } })
    expect(patched.state.payload).toEqual({ a: 1, b: 2 })
    await c.setState({ ...key, payload: null })
    await expect(c.getState(key)).rejects.toMatchObject({ type: 'ResourceNotFound' })

    await c.setState({ ...key, payload: { short: true }, expiry: 500 })
    expect((await c.getState(key)).state.payload).toEqual({ short: true })
    await new Promise((r) => setTimeout(r, 650))
    await expect(c.getState(key)).rejects.toMatchObject({ type: 'ResourceNotFound' })
  })

  it('addParticipant and listEvents by type', async () => {
    const c = botClient()
    const { conversation } = await c.createConversation({ channel: 'hitl', tags: {} })
    const { user } = await c.createUser({ tags: {} })
    const { participant } = await c.addParticipant({ id: conversation.id, userId: user.id })
    expect(participant.id).toBe(user.id)
    await c.createEvent({ type: 'hitlStopped', payload: { conversationId: conversation.id }, conversationId: conversation.id })
    const { events } = await c.listEvents({ type: 'hitlStopped', conversationId: conversation.id })
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ status: 'pending', failureReason: null })
  })

  it('logs every API call with method and path, and resets the log', async () => {
    bp.resetRequestLog()
    expect(bp.requests).toEqual([])
    await botClient().listUsers({ tags: { role: 'agent' } })
    expect(bp.requests).toEqual([{ method: 'GET', path: '/v1/chat/users', at: expect.any(Number) }])
  })
})
