import type { Conversation, Event, Message, State, User } from '@botpress/client'
import type { ApiLogEntry } from './api-server'
import type { StandInStore } from './store'

export type { Conversation, Event, Message, State, User }

/** One bot's installation of the integration (see `startBotpressHub`). */
export type InstallationOptions = {
  botId?: string
  /** `ctx.integrationAlias` and the default `conversation.integration`; default `hubspot-hitl`. */
  integrationAlias?: string
  /** `ctx.botUserId`; default a generated `user_…` id. */
  botUserId?: string
  configuration: Record<string, unknown>
  /** Name of a non-default configuration (`ctx.configurationType`, header `x-bp-configuration-type`); absent = the default one. */
  configurationType?: string
  webhookId?: string
}

export type StandInOptions = InstallationOptions & {
  /** Port of the stand-in API; 0 or absent = any free port. Always bound to 127.0.0.1. */
  port?: number
  integrationId?: string
  /** http://127.0.0.1:PORT of the running integration server. */
  integrationUrl: string
  /** Time limit for one operation sent to the integration; default 60 s. */
  operationTimeoutMs?: number
}

export type HubOptions = {
  /** Port of the stand-in; 0 or absent = any free port. Always bound to 127.0.0.1. */
  port?: number
  /** http://127.0.0.1:PORT of the one running integration server every installation shares. */
  integrationUrl: string
  /** The integration's id, the same in every bot; default a generated `integration_…` id. */
  integrationId?: string
  /** `<name>` of the integration-level URL `{url}/integration/global/<name>`; default `hubspot-hitl`. */
  integrationName?: string
  operationTimeoutMs?: number
}

export type SendMessageArgs = {
  conversationId: string
  userId: string
  type: string
  payload: Record<string, unknown>
  tags?: Record<string, string>
}

/** The read side of the store, as the brief names it; the store object also has the API methods. */
export type StandInData = {
  users: Map<string, User>
  conversations: Map<string, Conversation>
  messages: Map<string, Message>
  events: Event[]
  states: Map<string, State>
}

export type BotpressStandIn = {
  /** Base URL to give the integration as BP_API_URL. */
  url: string
  /** `${url}/webhooks/${webhookId}`: what HubSpot calls; relayed to the integration as webhook_received. */
  webhookUrl: string
  botId: string
  integrationId: string
  /** The integration's alias: `conversation.integration` of the conversations it creates. */
  integrationAlias: string
  webhookId: string
  /** Operation `register` {webhookUrl}; throws with the integration's error message on non-2xx. */
  register(): Promise<void>
  unregister(): Promise<void>
  /** Operation `action_triggered` {type, input}; resolves with `output`, throws with the integration's message. */
  callAction<T = unknown>(type: string, input: unknown): Promise<T>
  /**
   * Stores a message the bot sends into a conversation (direction `outgoing`, as the HITL plugin does
   * on behalf of the end user), then sends operation `message_created`; resolves once the integration answered.
   */
  sendMessage(args: SendMessageArgs): Promise<{ messageId: string }>
  store: StandInStore
  /** Messages of a conversation, oldest first. */
  messagesIn(conversationId: string): Message[]
  eventsOf(type: string): Event[]
  /** Every API call made to the stand-in (path without query string). */
  requests: ApiLogEntry[]
  resetRequestLog(): void
  /** Called for each event the integration creates. */
  onEvent(cb: (e: Event) => void): void
  /** Called for each message the integration creates (not for those sent with sendMessage). */
  onMessage(cb: (m: Message) => void): void
  /**
   * Later operations carry this configuration; `type` (when given) switches the configuration type:
   * a name, or null for the default configuration.
   */
  setConfiguration(c: Record<string, unknown>, type?: string | null): void
  /** The identifier this installation holds (`client.configureIntegration`), null when none. */
  identifier(): string | null
  close(): Promise<void>
}

/** Botpress with one integration installed in several bots, on one 127.0.0.1 server. */
export type BotpressHub = {
  url: string
  integrationId: string
  /** `{url}/integration/global/<name>`: routed by the identifier extract.vrl yields (see extract-identifier.ts). */
  integrationWebhookUrl: string
  /** `{url}/oauth`: Botpress's global OAuth route, routed by `state` = the installation's webhook id. */
  oauthUrl: string
  /** Adds a bot with its own installation; its `close` removes it (and frees its identifier) without stopping the hub. */
  install(opts: InstallationOptions): BotpressStandIn
  installations(): BotpressStandIn[]
  /** The installation holding `identifier`, if any. */
  installationFor(identifier: string): BotpressStandIn | undefined
  close(): Promise<void>
}
