/**
 * Shared machinery of the reliability suite: a HubSpot emulator configured as the integration's
 * `apiBaseUrl`, a webhook bridge on 127.0.0.1 that feeds HubSpot's deliveries to the real
 * `handler`, FakeBotpress, a virtual clock for retry waits, per-request retry-loop accounting,
 * and a secret watch over everything the integration says (logs, errors, console, webhook answers).
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import * as diagnostics from 'node:diagnostics_channel'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { format, inspect } from 'node:util'
import * as sdk from '@botpress/sdk'
import nock from 'nock'
import { afterEach, beforeEach, expect, vi } from 'vitest'
import { startHubspotEmulator, type EmulatorOptions, type HubspotEmulator, type Message } from '../../dev/hubspot-emulator'
import { actions } from '../../src/actions'
import { resetCaches } from '../../src/cache'
import { channels } from '../../src/channels/hitl-channel'
import { activationTiming } from '../../src/hitl/activation'
import { SESSION_ENDED_REASON } from '../../src/webhook/handlers/agent-replied'
import { httpTuning } from '../../src/hubspot'
import { HubspotHttp, type HubspotRequest } from '../../src/hubspot/http'
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../src/hubspot/retry'
import { register, setupTuning } from '../../src/setup/register'
import { unregister } from '../../src/setup/unregister'
import { handler } from '../../src/webhook/handler'
import { FakeBotpress } from '../helpers/fake-botpress'
import { baseConfig, captureLogger, SECRETS, type LogLine } from '../helpers/props'
import type * as bp from '.botpress'

export const WEBHOOK_ID = 'wh_123'
export const INBOX_ID = '1001'
export const CREDENTIALS = {
  clientId: baseConfig.clientId,
  clientSecret: SECRETS.clientSecret,
  refreshToken: SECRETS.refreshToken,
  developerApiKey: SECRETS.developerApiKey,
  appId: baseConfig.appId,
}

export const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls until `cond` holds (real time; only for work the emulator finishes in the background). */
export const waitFor = async (cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleepReal(10)
  }
}

// ---------------------------------------------------------------------------------------------
// Secret watch: every text the integration produces in a scenario, checked against every secret.
// ---------------------------------------------------------------------------------------------

export type Said = { where: string; text: string }

export class SecretWatch {
  public readonly said: Said[] = []
  /** Access tokens seen anywhere: on the wire (Authorization headers) and in the OAuth state cache. */
  public readonly accessTokens = new Set<string>()
  /** The subset of `accessTokens` seen in Authorization headers of outgoing requests. */
  public readonly wireTokens = new Set<string>()
  /** More values a scenario learns along the way (a refresh token HubSpot issued, an OAuth code or state). */
  public readonly extra: { name: string; value: string }[] = []
  private readonly _logSources: LogLine[][] = []

  public add(where: string, text: string): void {
    this.said.push({ where, text })
  }

  /** Message, stack and every own property (details, cause…) of something thrown. */
  public addError(where: string, err: unknown): void {
    if (err instanceof Error) this.add(where, `${err.message}\n${err.stack ?? ''}\n${inspect(err, { depth: 6 })}`)
    else this.add(where, inspect(err, { depth: 6 }))
  }

  public watchLogLines(lines: LogLine[]): void {
    this._logSources.push(lines)
  }

  public secrets(): { name: string; value: string }[] {
    return [
      { name: 'client secret', value: SECRETS.clientSecret },
      { name: 'refresh token', value: SECRETS.refreshToken },
      { name: 'developer API key', value: SECRETS.developerApiKey },
      ...[...this.accessTokens].map((value) => ({ name: 'access token', value })),
      ...this.extra,
    ]
  }

  public everything(): Said[] {
    const logs = this._logSources.flatMap((lines) => lines.map((l) => ({ where: `log.${l.level}`, text: l.message })))
    return [...this.said, ...logs]
  }

  /** Throws (naming where and which secret, never the secret itself) if anything said contains a secret. */
  public assertClean(): void {
    const leaks: string[] = []
    for (const { where, text } of this.everything()) {
      for (const { name, value } of this.secrets()) {
        if (value && text.includes(value)) leaks.push(`${name} in ${where}`)
      }
    }
    if (leaks.length > 0) throw new Error(`secret leak(s): ${[...new Set(leaks)].join('; ')}`)
  }
}

// ---------------------------------------------------------------------------------------------
// Virtual clock and retry-loop accounting.
// ---------------------------------------------------------------------------------------------

/**
 * One `HubspotHttp.request` call: its operation and every delay it asked to sleep between attempts.
 * Nested calls (the OAuth refresh inside a request) are loops of their own.
 */
export type RetryLoop = { operation: string; method: string; path: string; delays: number[] }

export type Instrumentation = {
  watch: SecretWatch
  loops: RetryLoop[]
  /** Sleeps requested outside any HubSpot request (should stay empty). */
  strayDelays: number[]
  policy: RetryPolicy
  restore(): void
}

const authorizationOf = (request: { getHeader(name: string): unknown }): string | undefined => {
  const value = request.getHeader('authorization')
  return typeof value === 'string' ? value : undefined
}

/**
 * Installs, for one test: the retry policy; a sleep that advances a virtual clock (Date.now) instead
 * of waiting, so the retry code's own elapsed-time budget stays real; per-request retry loops; a
 * console spy; the wire tap that collects every access token sent.
 */
export const instrument = (opts: { policy?: RetryPolicy; timeoutMs?: number } = {}): Instrumentation => {
  const policy = opts.policy ?? DEFAULT_RETRY_POLICY
  const watch = new SecretWatch()
  const loops: RetryLoop[] = []
  const strayDelays: number[] = []
  const current = new AsyncLocalStorage<RetryLoop>()
  let offset = 0

  const realNow = Date.now.bind(Date)
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offset)

  const original = HubspotHttp.prototype.request
  vi.spyOn(HubspotHttp.prototype, 'request').mockImplementation(function (this: HubspotHttp, req: HubspotRequest<unknown>) {
    const loop: RetryLoop = { operation: req.operation, method: req.method, path: req.path, delays: [] }
    loops.push(loop)
    return current.run(loop, () => original.call(this, req))
  } as typeof original)

  httpTuning.retryPolicy = policy
  httpTuning.timeoutMs = opts.timeoutMs ?? 2_000
  httpTuning.sleep = async (ms: number) => {
    const loop = current.getStore()
    if (loop) loop.delays.push(ms)
    else strayDelays.push(ms)
    offset += ms
    await new Promise<void>((resolve) => setImmediate(resolve))
  }
  const visibilityDelays = setupTuning.visibilityDelaysMs
  setupTuning.visibilityDelaysMs = [1, 1, 1, 1]
  // No HITL plugin runs here, so there is no activation to wait for after startHitl (the waiting
  // itself is unit-tested in src/webhook/handlers/session-lifecycle.test.ts).
  const activationGrace = activationTiming.graceMs
  activationTiming.graceMs = 0

  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => watch.add(`console.${method}`, format(...args)))
  }

  const onRequest = (message: unknown) => {
    const request = (message as { request?: { getHeader(name: string): unknown } }).request
    const auth = request ? authorizationOf(request) : undefined
    const token = auth && /^Bearer\s+(\S+)$/i.exec(auth)?.[1]
    if (token) {
      watch.accessTokens.add(token)
      watch.wireTokens.add(token)
    }
  }
  diagnostics.subscribe('http.client.request.start', onRequest)

  resetCaches()

  return {
    watch,
    loops,
    strayDelays,
    policy,
    restore: () => {
      diagnostics.unsubscribe('http.client.request.start', onRequest)
      vi.restoreAllMocks()
      delete httpTuning.retryPolicy
      delete httpTuning.timeoutMs
      delete httpTuning.sleep
      setupTuning.visibilityDelaysMs = visibilityDelays
      activationTiming.graceMs = activationGrace
      resetCaches()
    },
  }
}

/** Switches the retry policy for the rest of a test (clients created from now on use it; budgets are checked against it). */
export const usePolicy = (inst: Instrumentation, policy: RetryPolicy): void => {
  inst.policy = policy
  httpTuning.retryPolicy = policy
}

/** No retry loop slept longer in total than the policy's budget, nor retried more than allowed. */
export const assertRetryBudgets = (inst: Instrumentation): void => {
  for (const loop of inst.loops) {
    const total = loop.delays.reduce((a, b) => a + b, 0)
    const where = `${loop.method} ${loop.path} (${loop.operation}) slept ${loop.delays.join('+') || 0} ms`
    expect(total, where).toBeLessThanOrEqual(inst.policy.maxTotalMs)
    expect(loop.delays.length, where).toBeLessThanOrEqual(inst.policy.maxRetries)
    for (const d of loop.delays) expect(d, where).toBeGreaterThanOrEqual(0)
  }
  expect(inst.strayDelays, 'sleeps outside any HubSpot request').toEqual([])
}

export const loopsFor = (inst: Instrumentation, method: string, pathPart: string): RetryLoop[] =>
  inst.loops.filter((l) => l.method === method && l.path.includes(pathPart))

// ---------------------------------------------------------------------------------------------
// Webhook bridge: HubSpot (the emulator) → 127.0.0.1 → the real handler.
// ---------------------------------------------------------------------------------------------

export type BridgeDelivery = { body: string; status: number; responseBody?: string; threw?: unknown }

type Hold = { match: (body: string) => boolean; gate: Promise<void>; release: () => void; held: number }

export type Bridge = {
  url: string
  deliveries: BridgeDelivery[]
  /** Deliveries whose body matches wait (unanswered) until the returned release is called. */
  hold(match: (body: string) => boolean): { release(): void; held(): number }
  close(): Promise<void>
}

export const startBridge = async (propsOf: () => { ctx: bp.Context; client: bp.Client; logger: bp.Logger }, watch: SecretWatch): Promise<Bridge> => {
  const deliveries: BridgeDelivery[] = []
  const holds: Hold[] = []
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8')
        const delivery: BridgeDelivery = { body, status: 0 }
        deliveries.push(delivery)
        for (const hold of holds) {
          if (hold.match(body)) {
            hold.held++
            await hold.gate
          }
        }
        const url = new URL(req.url ?? '/', 'http://127.0.0.1')
        const headers: Record<string, string> = {}
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v
        try {
          const answer = await handler({
            ...propsOf(),
            req: {
              method: req.method ?? 'POST',
              path: url.pathname.replace(new RegExp(`^/${WEBHOOK_ID}`), ''),
              query: url.search.replace(/^\?/, ''),
              headers,
              body,
            },
          })
          delivery.status = answer?.status ?? 200
          delivery.responseBody = answer?.body
          if (answer?.body) watch.add('webhook response', answer.body)
          res.writeHead(delivery.status, answer?.headers ?? {})
          res.end(answer?.body)
        } catch (err) {
          delivery.threw = err
          watch.addError('handler threw', err)
          delivery.status = 599
          res.writeHead(500)
          res.end()
        }
      })()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/${WEBHOOK_ID}`,
    deliveries,
    hold: (match) => {
      let release = () => {}
      const gate = new Promise<void>((resolve) => (release = resolve))
      const hold: Hold = { match, gate, release, held: 0 }
      holds.push(hold)
      return {
        release: () => {
          holds.splice(holds.indexOf(hold), 1)
          release()
        },
        held: () => hold.held,
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

// ---------------------------------------------------------------------------------------------
// A world: emulator + bridge + FakeBotpress + the integration's entry points.
// ---------------------------------------------------------------------------------------------

/** An end-user message of any hitl type (text, image, bloc, …). */
export type Content = { type: 'text' | 'image' | 'audio' | 'video' | 'file' | 'bloc'; payload: Record<string, unknown> }

/** What happened to one end-user message the bot sent. */
export type Sent = { messageId: string; conversationId: string; ok: boolean; error?: unknown; acks: Record<string, string>[] }

export type World = {
  emu: HubspotEmulator
  bridge: Bridge
  fake: FakeBotpress
  lines: LogLine[]
  props: { ctx: bp.Context; client: bp.Client; logger: bp.Logger; webhookUrl: string }
  sent: Sent[]
  register(): Promise<void>
  unregister(): Promise<void>
  createUser(name: string, email?: string): Promise<string>
  startHitl(userId: string, title?: string): Promise<{ conversationId: string; threadId: string }>
  stopHitl(conversationId: string): Promise<void>
  /** The end user writes (a text, or any hitl message); never throws: the outcome is recorded in `sent`. */
  send(conversationId: string, messageId: string, content: string | Content): Promise<Sent>
  threadOf(conversationId: string): string
  /** Runs an entry point, recording (and rethrowing) whatever it throws for the secret watch. */
  run<T>(what: string, fn: () => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** What a scenario may change in its world: the emulator's options, the configuration, another `apiBaseUrl`. */
export type WorldOptions = { emulator?: Partial<EmulatorOptions>; configuration?: Record<string, unknown>; apiBaseUrl?: string }

export const startWorld = async (inst: Instrumentation, opts: WorldOptions = {}): Promise<World> => {
  const emu = await startHubspotEmulator({ ...CREDENTIALS, ...opts.emulator })
  const fake = new FakeBotpress()
  // Every access token the integration caches is a secret to look for.
  const setState = fake.api.setState
  fake.api.setState = async (x) => {
    if (x.name === 'oauth') {
      const token = (x.payload as { accessToken?: unknown }).accessToken
      if (typeof token === 'string') inst.watch.accessTokens.add(token)
    }
    return setState(x)
  }
  const { logger, lines } = captureLogger()
  inst.watch.watchLogLines(lines)
  const ctx = {
    botId: 'bot_1',
    botUserId: 'botuser_1',
    integrationId: 'int_1',
    integrationAlias: 'hubspot-hitl',
    webhookId: WEBHOOK_ID,
    operation: 'test',
    configurationType: null,
    configuration: { ...baseConfig, apiBaseUrl: opts.apiBaseUrl ?? emu.url, ...opts.configuration },
  } as unknown as bp.Context
  const base = { ctx, client: fake.client, logger }
  const bridge = await startBridge(() => base, inst.watch)
  const props = { ...base, webhookUrl: bridge.url }
  emu.setAppWebhookUrl(bridge.url)
  const sent: Sent[] = []

  const run = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (err) {
      inst.watch.addError(what, err)
      throw err
    }
  }
  const action = <K extends keyof typeof actions>(type: K, input: unknown) =>
    run(type, () => (actions[type] as (p: unknown) => Promise<unknown>)({ ...base, type, input, metadata: { setCost: () => {} } }))

  const threadOf = (conversationId: string): string => {
    const threadId = fake.conversations.get(conversationId)?.tags.hubspotThreadId
    if (!threadId) throw new Error(`no thread for ${conversationId}`)
    return threadId
  }

  return {
    emu,
    bridge,
    fake,
    lines,
    props,
    sent,
    register: () => run('register', () => register({ ...props } as unknown as Parameters<bp.IntegrationProps['register']>[0])),
    unregister: () => run('unregister', () => unregister({ ...props } as unknown as Parameters<bp.IntegrationProps['unregister']>[0])),
    createUser: async (name, email) => ((await action('createUser', { name, ...(email ? { email } : {}) })) as { userId: string }).userId,
    startHitl: async (userId, title = 'Help needed') => {
      const { conversationId } = (await action('startHitl', { userId, title, description: 'From the reliability suite', messageHistory: [] })) as {
        conversationId: string
      }
      return { conversationId, threadId: threadOf(conversationId) }
    },
    stopHitl: async (conversationId) => {
      await action('stopHitl', { conversationId })
    },
    send: async (conversationId, messageId, content) => {
      const conversation = fake.conversations.get(conversationId)
      if (!conversation) throw new Error(`no conversation ${conversationId}`)
      const user = fake.users.get(conversation.tags.userId ?? '')
      if (!user) throw new Error(`no user for ${conversationId}`)
      const { type, payload }: Content = typeof content === 'string' ? { type: 'text', payload: { text: content } } : content
      const outcome: Sent = { messageId, conversationId, ok: false, acks: [] }
      sent.push(outcome)
      try {
        await run(`send ${messageId}`, () =>
          (channels.hitl.messages[type] as (p: unknown) => Promise<void>)({
            ...base,
            type,
            payload,
            conversation: { ...conversation, tags: { ...conversation.tags } },
            user,
            message: { id: messageId, conversationId, userId: user.id, type, payload, tags: {} },
            ack: async ({ tags }: { tags: Record<string, string> }) => {
              outcome.acks.push(tags)
            },
          })
        )
        outcome.ok = true
      } catch (err) {
        outcome.error = err
      }
      return outcome
    },
    threadOf,
    run,
    close: async () => {
      await emu.settle()
      await emu.close()
      await bridge.close()
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Invariants.
// ---------------------------------------------------------------------------------------------

/** The INCOMING messages published for one Botpress message: key `id`, or `id:0`, `id:1`… for its parts. */
const incomingFor = (emu: HubspotEmulator, messageId: string): Message[] =>
  [...emu.state.messages.values()].filter(
    (m) => m.direction === 'INCOMING' && (m.integrationIdempotencyId === messageId || m.integrationIdempotencyId?.startsWith(`${messageId}:`))
  )

const partIndex = (key: string | undefined): number => Number(key?.split(':').at(-1) ?? 0)

/**
 * Every end-user message reached HubSpot exactly once (each of its parts once, all parts there, in
 * the conversation's thread, acked with those HubSpot messages), or the bot got a clear RuntimeError
 * for it and HubSpot has each part at most once.
 */
export const assertEndUserMessagesDelivered = (world: World): void => {
  for (const s of world.sent) {
    const copies = incomingFor(world.emu, s.messageId)
    const keys = copies.map((m) => m.integrationIdempotencyId)
    expect(new Set(keys).size, `copies of ${s.messageId} in HubSpot: ${keys.join(', ')}`).toBe(keys.length)
    if (s.ok) {
      const parts = [...copies].sort((a, b) => partIndex(a.integrationIdempotencyId) - partIndex(b.integrationIdempotencyId))
      const expectedKeys =
        parts.length === 1 && parts[0]?.integrationIdempotencyId === s.messageId ? [s.messageId] : parts.map((_, i) => `${s.messageId}:${i}`)
      expect(parts.length, `message ${s.messageId} in HubSpot`).toBeGreaterThan(0)
      expect(
        parts.map((m) => m.integrationIdempotencyId),
        `parts of ${s.messageId}`
      ).toEqual(expectedKeys)
      for (const m of parts) expect(m.threadId, `thread of ${m.integrationIdempotencyId}`).toBe(world.threadOf(s.conversationId))
      expect(s.acks, `acks of ${s.messageId}`).toEqual([{ hubspotMessageId: parts.map((m) => m.id).join(',') }])
    } else {
      expect(s.error, `error of ${s.messageId}`).toBeInstanceOf(sdk.RuntimeError)
      expect((s.error as Error).message, `error of ${s.messageId}`).toMatch(/HubSpot/)
      expect(s.acks, `acks of failed ${s.messageId}`).toEqual([])
    }
  }
}

/** Every agent reply HubSpot holds for these threads is in the Botpress conversation exactly once, as the agent. */
export const assertAgentRepliesDelivered = (world: World, conversationIds: string[]): void => {
  for (const conversationId of conversationIds) {
    const threadId = world.threadOf(conversationId)
    const replies = world.emu.threadMessages(threadId).filter((m) => m.direction === 'OUTGOING')
    const inBotpress = [...world.fake.messages.values()].filter((m) => m.conversationId === conversationId)
    const delivered = replies.filter((r) => !refusedAfterSessionEnded(world, r.id))
    for (const reply of delivered) {
      const copies = inBotpress.filter((m) => m.tags.hubspotMessageId === reply.id)
      expect(copies, `agent reply ${reply.id} in Botpress`).toHaveLength(1)
      const author = world.fake.users.get(copies[0]!.userId)
      expect(author?.tags.hubspotActorId, `author of ${reply.id}`).toBe(reply.createdBy)
      expect(copies[0]?.payload, `text of ${reply.id}`).toEqual({ text: reply.text })
    }
    // Nothing in the conversation that HubSpot does not have: each reply, and each of its file attachments
    // (the file, or the notice that it could not be passed on), keyed `<reply id>:<index>`.
    const expected = delivered.flatMap((r) => [r.id, ...(r.attachments ?? []).map((_, i) => `${r.id}:${i}`)])
    expect(inBotpress.map((m) => m.tags.hubspotMessageId).sort()).toEqual(expected.sort())
  }
}

/** A reply after the session ended is not posted in Botpress: HubSpot shows it FAILED, with why. */
export const refusedAfterSessionEnded = (world: World, messageId: string): boolean => {
  const status = world.emu.state.messages.get(messageId)?.status
  return status?.statusType === 'FAILED' && status.errorMessage === SESSION_ENDED_REASON
}

export const eventsOf = (world: World, conversationId: string, type?: string) =>
  world.fake.events.filter((e) => e.conversationId === conversationId && (!type || e.type === type))

/** No webhook made the handler throw or answer 5xx, unless the test expected it. */
export const assertNoHandlerFailures = (world: World): void => {
  for (const d of world.bridge.deliveries) {
    expect(d.threw, 'handler threw').toBeUndefined()
    expect(d.status, `webhook answered ${d.status}: ${d.responseBody ?? ''}`).toBeLessThan(500)
  }
}

/** The end-of-scenario checks every scenario runs. */
export const assertInvariants = (world: World, inst: Instrumentation, conversationIds: string[]): void => {
  assertEndUserMessagesDelivered(world)
  assertAgentRepliesDelivered(world, conversationIds)
  assertRetryBudgets(inst)
  inst.watch.assertClean()
}

/** A 127.0.0.1 port nothing listens on. */
export const closedPort = async (): Promise<number> => {
  const server = http.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

// ---------------------------------------------------------------------------------------------
// Scenario helpers.
// ---------------------------------------------------------------------------------------------

type Matcher = (method: string, path: string) => boolean

/** Request matchers for the emulator's fault queue and request log. */
export const route = {
  token: ((m, p) => m === 'POST' && p === '/oauth/2026-03/token') as Matcher,
  inbox: ((m, p) => m === 'GET' && p.startsWith('/conversations/conversations/2026-09/inboxes/')) as Matcher,
  listChannels: ((m, p) => m === 'GET' && p === '/conversations/custom-channels/2026-09') as Matcher,
  createChannel: ((m, p) => m === 'POST' && p === '/conversations/custom-channels/2026-09') as Matcher,
  createAccount: ((m, p) => m === 'POST' && /^\/conversations\/custom-channels\/2026-09\/[^/]+\/channel-accounts$/.test(p)) as Matcher,
  publish: ((m, p) => m === 'POST' && /^\/conversations\/custom-channels\/2026-09\/[^/]+\/messages$/.test(p)) as Matcher,
  statusPatch: ((m, p) => m === 'PATCH' && /^\/conversations\/custom-channels\/2026-09\/[^/]+\/messages\/[^/]+$/.test(p)) as Matcher,
  actor: ((m, p) => m === 'GET' && p.startsWith('/conversations/conversations/2026-09/actors/')) as Matcher,
  threadPatch: ((m, p) => m === 'PATCH' && p.startsWith('/conversations/conversations/2026-09/threads/')) as Matcher,
  searchContacts: ((m, p) => m === 'POST' && p === '/crm/objects/2026-03/contacts/search') as Matcher,
  createContact: ((m, p) => m === 'POST' && p === '/crm/objects/2026-03/contacts') as Matcher,
}

export const requestsTo = (emu: HubspotEmulator, matcher: Matcher) => emu.requests.filter((r) => matcher(r.method, r.path))

/** register, then wait for the channel-account webhooks HubSpot sends afterwards. */
export const install = async (world: World): Promise<void> => {
  await world.register()
  await world.emu.settle()
}

/** createUser + startHitl for one end user. */
export const escalate = async (world: World, name = 'Ada Lovelace', email = 'ada@example.com') => {
  const userId = await world.createUser(name, email)
  return world.startHitl(userId)
}

/** Exactly one channel with our webhook URL and one live account per configured inbox, in HubSpot. */
export const assertInstalledOnce = (world: World): void => {
  const ours = [...world.emu.state.channels.values()].filter((c) => c.webhookUrl === world.props.webhookUrl)
  expect(ours, 'channels with our webhook URL').toHaveLength(1)
  const accounts = [...world.emu.state.channelAccounts.values()].filter((a) => a.channelId === ours[0]?.id && !a.archived)
  expect(
    accounts.map((a) => a.inboxId),
    'channel accounts'
  ).toEqual([INBOX_ID])
  expect(world.fake.setupState('int_1')).toMatchObject({
    webhookUrl: world.props.webhookUrl,
    channelId: ours[0]?.id,
    channelAccounts: { [INBOX_ID]: { id: accounts[0]?.id, authorized: true } },
  })
}

// ---------------------------------------------------------------------------------------------
// Per-test lifecycle shared by every reliability file.
// ---------------------------------------------------------------------------------------------

/** beforeEach: no network but 127.0.0.1 (the emulator, the bridge) unless `offline`; fresh instrumentation. */
export const begin = (opts: { offline?: boolean; policy?: RetryPolicy } = {}): Instrumentation => {
  nock.cleanAll()
  nock.disableNetConnect()
  if (!opts.offline) nock.enableNetConnect('127.0.0.1')
  return instrument(opts.policy ? { policy: opts.policy } : {})
}

/**
 * afterEach: closes the world (letting HubSpot's background webhooks finish), then checks, whatever
 * the test asserted itself, that no retry loop overran its budget and nothing said leaked a secret.
 */
export const finish = async (inst: Instrumentation, world: World | undefined): Promise<void> => {
  try {
    await world?.close()
    assertRetryBudgets(inst)
    inst.watch.assertClean()
  } finally {
    inst.restore()
    nock.cleanAll()
    nock.enableNetConnect()
  }
}

/** The per-test lifecycle of a reliability file, from `useWorld`. */
export type WorldHooks = {
  /** This test's instrumentation (policy, retry loops, secret watch); only inside a test or its hooks. */
  readonly inst: Instrumentation
  /** Starts this test's world, which the afterEach closes and checks (at most one per test). */
  start(opts?: WorldOptions): Promise<World>
  /** start + install + escalate: an installed integration and one escalated conversation. */
  ready(opts?: WorldOptions): Promise<{ w: World; conversationId: string; threadId: string }>
}

/**
 * Registers, in the calling file (or describe), a beforeEach that `begin`s fresh instrumentation and
 * an afterEach that `finish`es it with the world the test started, if any (closing it, then checking
 * retry budgets and secrets); the next test starts with no world, even if that check failed.
 * Worlds started with `startWorld` directly are not tracked: whoever starts them closes them.
 */
export const useWorld = (opts: { offline?: boolean; policy?: RetryPolicy } = {}): WorldHooks => {
  let inst: Instrumentation | undefined
  let world: World | undefined

  beforeEach(() => {
    inst = begin(opts)
  })
  afterEach(async () => {
    const started = world
    world = undefined
    await finish(current(), started)
  })

  const current = (): Instrumentation => {
    if (!inst) throw new Error('useWorld: the instrumentation exists only inside a test (after its beforeEach)')
    return inst
  }
  const start = async (worldOpts?: WorldOptions): Promise<World> => {
    if (world) throw new Error('useWorld: this test already started a world')
    world = await startWorld(current(), worldOpts)
    return world
  }

  return {
    get inst() {
      return current()
    },
    start,
    ready: async (worldOpts) => {
      const w = await start(worldOpts)
      await install(w)
      const conv = await escalate(w)
      return { w, ...conv }
    },
  }
}
