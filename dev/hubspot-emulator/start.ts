import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAgentSimulator, purgeChannelAccount } from './agent'
import type { EmulatorOptions, HubspotEmulator } from './api'
import { DEFAULT_PORTAL_ID, type Core } from './core'
import { FaultQueue } from './faults'
import { Grants } from './grants'
import { adminRoutes, connectChannel, SETTINGS_PATH } from './handlers/admin'
import { assigneeRoutes } from './handlers/assignee'
import { AUTHORIZE_PATH, authorizeRoutes } from './handlers/authorize'
import { channelAccountRoutes } from './handlers/channel-accounts'
import { channelRoutes } from './handlers/channels'
import { commentRoutes, threadComments } from './handlers/comments'
import { contactRoutes, createContact } from './handlers/contacts'
import { conversationRoutes } from './handlers/conversations'
import { fileRoutes } from './handlers/files'
import { messageRoutes } from './handlers/messages'
import { oauthRoutes } from './handlers/oauth'
import { ownerRoutes } from './handlers/owners'
import { stagingTokenRoutes } from './handlers/staging-tokens'
import { ensureTicket, ticketRoutes } from './handlers/tickets'
import { Router } from './http/router'
import { createPipeline } from './http/server'
import { Store } from './store'
import { applySunset, registerRequestLog, sunsetOf } from './sunset'
import { TokenRegistry } from './tokens'
import type { RequestLogEntry } from './types'
import { WebhookDispatcher } from './webhooks'

/** An inbox and a help desk (plus a second inbox), so inbox pickers have something to pick from. */
const DEFAULT_INBOXES = [
  { id: '1001', name: 'Support', type: 'INBOX' as const },
  { id: '1002', name: 'Help Desk', type: 'HELP_DESK' as const },
  { id: '1003', name: 'Sales', type: 'INBOX' as const },
]

const requireOption = (opts: EmulatorOptions, key: 'clientId' | 'clientSecret' | 'developerApiKey' | 'appId') => {
  if (!opts[key]) throw new Error(`startHubspotEmulator: option "${key}" is required`)
}

/** Starts an in-memory HubSpot (OAuth, custom channels, conversations, files, contacts) on 127.0.0.1. */
export async function startHubspotEmulator(opts: EmulatorOptions): Promise<HubspotEmulator> {
  return (await startEmulatorWithCore(opts)).emulator
}

/** Internal to the emulator: the one-app, many-portals layer (app.ts) reads each portal's core. */
export type EmulatorInternals = { emulator: HubspotEmulator; core: Core }
export type InternalOptions = { idOffset?: number }

export async function startEmulatorWithCore(opts: EmulatorOptions, internal: InternalOptions = {}): Promise<EmulatorInternals> {
  for (const key of ['clientId', 'clientSecret', 'developerApiKey', 'appId'] as const) requireOption(opts, key)
  const now = opts.now ?? Date.now
  const store = new Store(
    (opts.inboxes ?? DEFAULT_INBOXES).map((i) => ({ ...i, createdAt: now() })),
    internal.idOffset
  )
  for (const agent of opts.agents ?? []) store.state.agents.set(agent.id, { ...agent })
  const webhooks = new WebhookDispatcher({
    clientSecret: opts.clientSecret,
    signatureNow: opts.signatureNow ?? Date.now,
    now,
    timeoutMs: opts.webhookTimeoutMs ?? 10_000,
  })
  let baseUrl = ''
  let appWebhookUrl = opts.appWebhookUrl
  let redirectUrls = opts.redirectUrls
  const core: Core = {
    opts,
    portalId: opts.portalId ?? DEFAULT_PORTAL_ID,
    store,
    tokens: new TokenRegistry(opts.accessTokenTtlSeconds ?? 1800, now),
    grants: new Grants(now),
    redirectUrls: () => redirectUrls,
    webhooks,
    now,
    baseUrl: () => baseUrl,
    appWebhookUrl: () => appWebhookUrl,
  }
  const faults = new FaultQueue()
  const requests: RequestLogEntry[] = []
  registerRequestLog(requests)
  // The install and "Connect a channel" flows (consent page, settings page, staging tokens).
  const connectRoutes = [...authorizeRoutes, ...adminRoutes, ...stagingTokenRoutes]
  // Help Desk: tickets, owners, assignment and agent-only notes.
  const helpDeskRoutes = [...ticketRoutes, ...ownerRoutes, ...assigneeRoutes, ...commentRoutes]
  // The sunset switch (sunset.ts) is read once, here: v1–v3 routes answer as a retired version.
  const router = new Router(
    applySunset(
      [
        ...oauthRoutes,
        ...channelRoutes,
        ...channelAccountRoutes,
        ...messageRoutes,
        ...conversationRoutes,
        ...fileRoutes,
        ...contactRoutes,
        ...connectRoutes,
        ...helpDeskRoutes,
      ],
      sunsetOf(opts.sunset)
    )
  )
  const pipeline = createPipeline({ core, router, faults, log: requests })

  const server = http.createServer((req, res) => {
    pipeline(req, res).catch((err: unknown) => {
      console.error('[hubspot-emulator] request failed:', err)
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const emulator: HubspotEmulator = {
    url: baseUrl,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
      await webhooks.settle()
    },
    setAppWebhookUrl: (url) => {
      appWebhookUrl = url
    },
    setRedirectUrls: (urls) => {
      redirectUrls = urls
    },
    authorizeUrl: `${baseUrl}${AUTHORIZE_PATH}`,
    settingsUrl: `${baseUrl}${SETTINGS_PATH}`,
    connectChannel: (channelId, inboxId) => connectChannel(core, channelId, inboxId),
    agent: createAgentSimulator(core),
    purgeChannelAccount: (id) => purgeChannelAccount(core, id),
    addContact: (properties) => createContact(core, properties),
    redeliverLast: () => webhooks.redeliverLast(),
    deliverRaw: (target, body, o) => webhooks.deliverRaw(target, body, o?.sign ?? true, o?.headers ?? {}),
    deliveries: webhooks.log,
    settle: () => webhooks.settle(),
    faults: {
      failNext: (n, spec) => faults.failNext(n, spec),
      resetConnectionNext: (n, match, o) => faults.resetNext(n, match, o?.afterProcessing ?? false),
      delayNext: (n, ms, match) => faults.delayNext(n, ms, match),
      expireAccessTokens: () => core.tokens.expireAll(),
      revokeRefreshToken: () => core.tokens.revokeRefresh(),
      clear: () => {
        faults.clear()
        core.tokens.restoreRefresh()
      },
    },
    requests,
    resetRequestLog: () => {
      requests.length = 0
    },
    state: store.state,
    threadMessages: (threadId) => store.threadMessages(threadId),
    threadComments: (threadId) => threadComments(core, threadId),
    ticketOfThread: (threadId) => {
      const thread = store.state.threads.get(threadId)
      return thread && ensureTicket(core, thread)
    },
  }
  return { emulator, core }
}
