import type * as http from 'node:http'
import type { Event, Message } from '@botpress/client'
import { createApiHandler, type ApiLogEntry } from './api-server'
import { newId } from './ids'
import { IntegrationCaller } from './integration-caller'
import { isRecord } from './json'
import { StandInStore } from './store'
import type { BotpressStandIn, InstallationOptions, SendMessageArgs } from './types'

const DEFAULT_ALIAS = 'hubspot-hitl'

/** What the hub's server needs of an installation besides its public face. */
export type Installation = {
  /** The public face, without `close` (the hub owns the server). */
  face: Omit<BotpressStandIn, 'close'>
  caller: IntegrationCaller
  /** Serves `/v1/...` for this bot (the hub picks the installation by `x-bot-id`). */
  handleApi: (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>
  webhookPrefix: string
}

export type InstallationContext = {
  /** The hub's base URL (http://127.0.0.1:PORT). */
  url: string
  integrationUrl: URL
  /** The integration's id: one deployed integration, so the same in every bot (as in Botpress). */
  integrationId: string
  agent: http.Agent
  operationTimeoutMs?: number
  /** The identifier this installation holds (Botpress keeps it per installation). */
  identifierOf: () => string | null
  /** `client.configureIntegration({ identifier })` of this installation; throws a StandInApiError when refused. */
  configure: (identifier: string | null) => void
}

/**
 * One bot's installation of the integration: its own bot id, webhook id, configuration and
 * configuration type, and its own Botpress data (users, conversations, messages, events, states),
 * which no other bot can read. Operations go to the one integration server all bots share.
 */
export const createInstallation = (opts: InstallationOptions, hub: InstallationContext): Installation => {
  const botId = opts.botId ?? newId('bot')
  const integrationAlias = opts.integrationAlias ?? DEFAULT_ALIAS
  const webhookId = opts.webhookId ?? newId('webhook').toLowerCase()
  let configuration = opts.configuration
  let configurationType = opts.configurationType

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

  const caller = new IntegrationCaller(
    hub.integrationUrl,
    { botId, botUserId: opts.botUserId ?? newId('user'), integrationId: hub.integrationId, integrationAlias, webhookId },
    () => ({ configuration, configurationType }),
    hub.agent,
    hub.operationTimeoutMs
  )

  const handleApi = createApiHandler({
    store,
    botId,
    log: (entry) => requests.push(entry),
    notify: { message: (m) => emit(messageListeners, m), event: (e) => emit(eventListeners, e) },
    integrationName: (req) => req.headers['x-integration-alias'] || integrationAlias,
    configure: { integrationId: hub.integrationId, apply: hub.configure },
  })

  const webhookPrefix = `/webhooks/${webhookId}`
  const webhookUrl = `${hub.url}${webhookPrefix}`

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

  const face: Omit<BotpressStandIn, 'close'> = {
    url: hub.url,
    webhookUrl,
    botId,
    integrationId: hub.integrationId,
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
    setConfiguration: (c, type) => {
      configuration = c
      if (type !== undefined) configurationType = type ?? undefined
    },
    identifier: () => hub.identifierOf(),
  }
  return { face, caller, handleApi, webhookPrefix }
}
