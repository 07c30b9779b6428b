import * as http from 'node:http'
import type { Event, Message } from '@botpress/client'
import { createApiHandler, type ApiLogEntry } from './api-server'
import { closeServer, listen, sendJson } from './http'
import { newId } from './ids'
import { IntegrationCaller } from './integration-caller'
import { isRecord } from './json'
import { StandInStore } from './store'
import type { BotpressStandIn, SendMessageArgs, StandInOptions } from './types'
import { forwardWebhook } from './webhook-proxy'

export type { BotpressStandIn, SendMessageArgs, StandInData, StandInOptions } from './types'
export type { ApiLogEntry } from './api-server'
export { IntegrationOperationError } from './integration-caller'
export { StandInStore } from './store'
export { startIntegrationOnLoopback, type RunningIntegration, type StartableIntegration } from './integration-server'

const HOST = '127.0.0.1'
const DEFAULT_ALIAS = 'hubspot-hitl'

/**
 * Starts a local, in-memory stand-in for the Botpress Cloud API on 127.0.0.1: it serves the chat API
 * the integration's client calls (give it `url` as BP_API_URL) and sends the runtime's operations
 * to the integration's HTTP server (`integration.start(port)`).
 */
export const startBotpressStandIn = async (opts: StandInOptions): Promise<BotpressStandIn> => {
  const botId = opts.botId ?? newId('bot')
  const integrationId = opts.integrationId ?? newId('integration')
  const integrationAlias = opts.integrationAlias ?? DEFAULT_ALIAS
  const webhookId = opts.webhookId ?? newId('webhook').toLowerCase()
  let configuration = opts.configuration

  const store = new StandInStore(botId)
  const requests: ApiLogEntry[] = []
  const messageListeners: ((m: Message) => void)[] = []
  const eventListeners: ((e: Event) => void)[] = []
  const emit = <T>(listeners: ((x: T) => void)[], value: T): void => {
    for (const cb of listeners) {
      try {
        cb(value)
      } catch (err) {
        console.error('[botpress-stand-in] a listener threw:', err)
      }
    }
  }

  const agent = new http.Agent({ keepAlive: false })
  const caller = new IntegrationCaller(
    new URL(opts.integrationUrl),
    { botId, botUserId: opts.botUserId ?? newId('user'), integrationId, integrationAlias, webhookId },
    () => ({ configuration, configurationType: opts.configurationType }),
    agent,
    opts.operationTimeoutMs
  )

  const handleApi = createApiHandler({
    store,
    botId,
    log: (entry) => requests.push(entry),
    notify: { message: (m) => emit(messageListeners, m), event: (e) => emit(eventListeners, e) },
    integrationName: (req) => req.headers['x-integration-alias'] || integrationAlias,
  })

  const webhookPrefix = `/webhooks/${webhookId}`
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`)
    const done = (p: Promise<void>) =>
      p.catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { message: err instanceof Error ? err.message : String(err) })
        else res.destroy()
      })
    if (url.pathname === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
    } else if (url.pathname === webhookPrefix || url.pathname.startsWith(`${webhookPrefix}/`)) {
      void done(forwardWebhook(req, res, url.pathname.slice(webhookPrefix.length), url.search.replace(/^\?/, ''), caller))
    } else if (url.pathname.startsWith('/v1/')) {
      void done(handleApi(req, res, url))
    } else {
      req.resume()
      sendJson(res, 404, { message: `Nothing at ${url.pathname}` })
    }
  })
  const port = await listen(server, opts.port ?? 0, HOST)
  const url = `http://${HOST}:${port}`
  const webhookUrl = `${url}${webhookPrefix}`

  const callAction = async <T = unknown>(type: string, input: unknown): Promise<T> => {
    const answer = await caller.call('action_triggered', { type, input })
    if (!isRecord(answer) || !('output' in answer)) throw new Error(`Action ${type}: the integration answered without output`)
    return answer.output as T // the caller names the output type, as the Botpress client does
  }

  const sendMessage = async (args: SendMessageArgs): Promise<{ messageId: string }> => {
    const conversation = store.getConversation(args.conversationId)
    const user = store.getUser(args.userId)
    const message = store.createMessage({
      conversationId: args.conversationId,
      userId: args.userId,
      type: args.type,
      payload: args.payload,
      tags: args.tags ?? {},
      direction: 'outgoing',
    })
    await caller.call('message_created', { conversation, user, message, type: args.type, payload: args.payload })
    return { messageId: message.id }
  }

  return {
    url,
    webhookUrl,
    botId,
    integrationId,
    integrationAlias,
    webhookId,
    register: async () => {
      await caller.call('register', { webhookUrl })
    },
    unregister: async () => {
      await caller.call('unregister', { webhookUrl })
    },
    callAction,
    sendMessage,
    store,
    messagesIn: (conversationId) => store.listMessages({ conversationId }).reverse(),
    eventsOf: (type) => store.events.filter((e) => e.type === type),
    requests,
    resetRequestLog: () => {
      requests.length = 0
    },
    onEvent: (cb) => {
      eventListeners.push(cb)
    },
    onMessage: (cb) => {
      messageListeners.push(cb)
    },
    setConfiguration: (c) => {
      configuration = c
    },
    close: async () => {
      await closeServer(server)
      agent.destroy()
    },
  }
}
