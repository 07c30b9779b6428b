import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPublisherStack, type PublisherBot, type PublisherStack } from '../../dev/sandbox/publisher-stack'
import integration from '../../src/index'
import { httpTuning } from '../../src/hubspot'
import { activationTiming } from '../../src/hitl/activation'
import { setupTuning } from '../../src/setup/register'
import { createHttpBrowser, hiddenField, type HttpBrowser } from '../helpers/http-browser'
import { connectionStateOf, setupStateOf } from '../helpers/installation-states'
import { waitFor } from '../helpers/plugin-bots'

/**
 * Issue 17 end to end over 127.0.0.1: ONE publisher-owned HubSpot app installed in two HubSpot
 * accounts, ONE deployed integration (the real one, behind the SDK's own server) installed in two
 * bots. Botpress's routing is the stand-in hub's: the integration-level URL by the portal id the
 * identifier script reads, the global /oauth route by state. Each bot connects its own account
 * through Connect, escalates, and must see only its own agents' events, in mixed batches too;
 * uninstalling one leaves the other, and the app's shared channel, untouched.
 */
let stack: PublisherStack
let alpha: PublisherBot
let beta: PublisherBot
const browsers = new Map<PublisherBot, HttpBrowser>()

const setupOf = (bot: PublisherBot) => setupStateOf(bot.standIn)
const portalOf = (bot: PublisherBot) => stack.app.portal(bot.portalId)

/** Requests per step, printed after the file (the closing note of issue 17 quotes them). */
const costs: Record<string, { hubspot: number; botpress: number }> = {}

/**
 * HubSpot requests (as the app's front routed them: the integration's calls, not the browser's page
 * loads, which go to a portal's own URL) and Botpress requests of `bot` while `step` runs, held to a
 * budget when one is given.
 */
const measure = async <T>(bot: PublisherBot, step: () => Promise<T>, name?: string, budget?: { hubspot: number; botpress: number }) => {
  const hs = stack.app.routed.length
  const bp = bot.standIn.requests.length
  const result = await step()
  for (const portal of stack.app.portals) await portal.settle()
  const hubspot = stack.app.routed.slice(hs).filter((r) => !r.path.startsWith('/_emulator/'))
  const botpress = bot.standIn.requests.slice(bp).map((r) => `${r.method} ${r.path}`)
  if (name) {
    costs[name] = { hubspot: hubspot.length, botpress: botpress.length }
    if (budget) {
      expect(hubspot.length, `${name}: HubSpot ${hubspot.map((r) => `${r.method} ${r.path}`).join(', ')}`).toBeLessThanOrEqual(budget.hubspot)
      expect(botpress.length, `${name}: Botpress ${botpress.join(', ')}`).toBeLessThanOrEqual(budget.botpress)
    }
  }
  return { result, hubspot, botpress }
}

/** A bot builder clicks Connect, picks their account, grants access and picks both inboxes (the Help Desk the default). */
const connect = async (bot: PublisherBot) => {
  const browser = createHttpBrowser()
  browsers.set(bot, browser)
  const { result: start } = await measure(bot, () => browser.browse(bot.connectUrls.start), `${bot.label}: GET /oauth/start`, {
    // Signed state, nothing stored: at most the webhook URL read on a cold instance.
    hubspot: 0,
    botpress: 1,
  })
  expect(start.status).toBe(302)
  const authorize = new URL(start.location ?? '')
  expect(authorize.searchParams.get('redirect_uri')).toBe(stack.hub.oauthUrl)
  // Botpress's global /oauth route finds the installation by state: it is the webhook id.
  expect(authorize.searchParams.get('state')).toBe(bot.standIn.webhookId)

  const picker = await browser.browse(authorize.toString())
  const link = new RegExp(`href="([^"]+)">Account ${bot.portalId}<`).exec(picker.text)?.[1]?.replace(/&amp;/g, '&')
  expect(link, picker.text).toBeDefined()
  const consent = await browser.browse(link!)
  expect(consent.text).toContain('Grant access')
  const granted = await browser.browse(`${portalOf(bot).url}/oauth/authorize`, {
    method: 'POST',
    form: new URLSearchParams({ consent: hiddenField(consent.text, 'consent'), decision: 'grant' }),
  })
  expect(granted.status).toBe(302)
  const callback = granted.location ?? ''
  expect(callback.startsWith(`${stack.hub.oauthUrl}?`)).toBe(true)

  const exchanged = await measure(bot, () => browser.browse(callback), `${bot.label}: GET /oauth (callback)`, {
    // HubSpot: the code exchange and the introspection. Botpress: as own-app (4), + configureIntegration.
    hubspot: 2,
    botpress: 5,
  })
  expect(exchanged.result.status).toBe(303)
  expect(exchanged.result.location).toBe(bot.connectUrls.setup)

  const setup = await browser.browse(bot.connectUrls.setup)
  expect(setup.status).toBe(200)
  const inboxes = [...portalOf(bot).state.inboxes.values()]
  const helpDesk = inboxes.find((i) => i.type === 'HELP_DESK')!
  const form = new URLSearchParams([['csrf', hiddenField(setup.text, 'csrf')], ...inboxes.map((i) => ['inbox', i.id]), ['default', helpDesk.id]])
  const { result: saved } = await measure(
    bot,
    () => browser.browse(bot.connectUrls.setup, { method: 'POST', form, origin: new URL(stack.hub.url).origin }),
    `${bot.label}: POST /setup (2 inboxes)`,
    // As own-app: 1 inbox list, 1 channel list, 1 account list, 1 create per inbox; Botpress reads and writes.
    { hubspot: 5, botpress: 6 }
  )
  expect(saved.status).toBe(303)
  return { callbackCost: exchanged }
}

const escalate = async (bot: PublisherBot, name: string) => {
  const { result: created } = await measure(
    bot,
    () => bot.standIn.callAction<{ userId: string }>('createUser', { name, email: `${name.toLowerCase()}@example.com` }),
    `${bot.label}: createUser`,
    { hubspot: 2, botpress: 2 }
  )
  const { userId } = created
  const { result: started } = await measure(
    bot,
    () =>
      bot.standIn.callAction<{ conversationId: string }>('startHitl', {
        userId,
        title: `${name} needs help`,
        messageHistory: [{ source: { type: 'user', userId }, type: 'text', payload: { text: 'Hello' } }],
      }),
    `${bot.label}: startHitl`,
    { hubspot: 2, botpress: 4 }
  )
  const { conversationId } = started
  const threadId = bot.standIn.store.conversations.get(conversationId)?.tags.hubspotThreadId ?? ''
  return { userId, conversationId, threadId }
}

/** What the integration posted into a bot's conversation on behalf of agents (not the end user's own messages). */
const agentTexts = (bot: PublisherBot, conversationId: string, userId: string) =>
  bot.standIn
    .messagesIn(conversationId)
    .filter((m) => m.userId !== userId)
    .map((m) => String((m.payload as { text?: unknown }).text ?? ''))
const eventsOf = (bot: PublisherBot, type: string) => bot.standIn.eventsOf(type)

beforeAll(async () => {
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [10, 10, 10]
  // An agent acting within this of startHitl waits for the HITL plugin's activation (src/hitl/activation.ts).
  activationTiming.graceMs = 150
  stack = await startPublisherStack({ integration, register: false })
  ;[alpha, beta] = stack.bots as [PublisherBot, PublisherBot]
})

afterAll(async () => {
  await stack?.close()
  if (Object.keys(costs).length) console.info(`Publisher-mode step costs (requests):\n${JSON.stringify(costs, null, 1)}`)
})

describe('one publisher app, two bots, two HubSpot accounts', () => {
  it('both installs share ONE custom channel, at the integration-level URL, with no per-bot connect URL', async () => {
    const first = await measure(alpha, () => alpha.standIn.register(), 'Bot Alpha: register (first install, creates the channel)', {
      // list, create, the re-list that sees it (convergence: it is the oldest, nothing deleted)
      hubspot: 3,
      botpress: 4,
    })
    expect(first.hubspot.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/conversations/custom-channels/2026-09'])
    const second = await measure(beta, () => beta.standIn.register(), 'Bot Beta: register (reuses the channel)', { hubspot: 1, botpress: 3 })
    // Reused: only the developer-key channel list (no account yet: nothing to connect before Connect).
    expect(second.hubspot.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /conversations/custom-channels/2026-09'])
    const channels = [...stack.app.channels.values()]
    expect(channels).toHaveLength(1)
    expect(channels[0]?.webhookUrl).toBe(stack.hub.integrationWebhookUrl)
    expect(channels[0]?.channelAccountConnectionRedirectUrl).toBeUndefined()
    expect(setupOf(alpha)?.channelId).toBe(channels[0]?.id)
    expect(setupOf(beta)?.channelId).toBe(channels[0]?.id)
    // Nobody connected yet: no identifier held, nothing routable.
    expect(alpha.standIn.identifier()).toBeNull()
    expect(beta.standIn.identifier()).toBeNull()
  })

  it('each bot connects its own account: its identifier becomes that portal id, its channel accounts live in that portal only', async () => {
    const first = await connect(alpha)
    await connect(beta)
    expect(alpha.standIn.identifier()).toBe(String(alpha.portalId))
    expect(beta.standIn.identifier()).toBe(String(beta.portalId))
    expect(stack.hub.installationFor(String(alpha.portalId))?.botId).toBe(alpha.standIn.botId)
    expect([...stack.app.channels.values()]).toHaveLength(1)
    for (const bot of [alpha, beta]) {
      const accounts = [...portalOf(bot).state.channelAccounts.values()]
      expect(accounts.map((a) => a.inboxId).sort()).toEqual([...portalOf(bot).state.inboxes.keys()].sort())
      expect(Object.keys(setupOf(bot)?.channelAccounts ?? {}).sort()).toEqual([...portalOf(bot).state.inboxes.keys()].sort())
    }
    // The callback: the code exchange and the token introspection, both at the account that consented.
    expect(first.callbackCost.hubspot.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /oauth/2026-03/token',
      'POST /oauth/2026-03/token/introspect',
    ])
    expect(first.callbackCost.hubspot.every((r) => r.portalId === alpha.portalId)).toBe(true)
    // Botpress: the configureIntegration that claims the portal id is among them.
    expect(first.callbackCost.botpress).toContain('POST /v1/chat/integrations/configure')
  })

  let a: Awaited<ReturnType<typeof escalate>>
  let b: Awaited<ReturnType<typeof escalate>>

  it('both escalate, each into its own account’s default inbox', async () => {
    a = await escalate(alpha, 'Ada')
    b = await escalate(beta, 'Bob')
    expect(portalOf(alpha).state.threads.get(a.threadId)?.inboxId).toBe('1002')
    expect(portalOf(beta).state.threads.get(b.threadId)?.inboxId).toBe('2002')
    expect(portalOf(alpha).state.threads.has(b.threadId)).toBe(false)
  })

  it('an end user’s text reaches only their own account’s thread', async () => {
    const { hubspot } = await measure(
      alpha,
      () => alpha.standIn.sendMessage({ conversationId: a.conversationId, userId: a.userId, type: 'text', payload: { text: 'Are you there?' } }),
      'Bot Alpha: end-user text',
      // The publish, with alpha's account token (the conversation's tags and the token are warm).
      { hubspot: 1, botpress: 1 }
    )
    expect(hubspot.map((r) => r.portalId)).toEqual([alpha.portalId])
    expect(
      portalOf(alpha)
        .threadMessages(a.threadId)
        .some((m) => m.direction === 'INCOMING' && m.text === 'Are you there?')
    ).toBe(true)
    expect(
      portalOf(beta)
        .threadMessages(b.threadId)
        .some((m) => m.text === 'Are you there?')
    ).toBe(false)
  })

  it('each agent’s reply reaches only their own bot’s end user', async () => {
    await measure(alpha, () => portalOf(alpha).agent.reply(a.threadId, { text: 'Hi Ada, agent of account one here' }), 'Bot Alpha: agent reply', {
      hubspot: 2,
      botpress: 4,
    })
    await portalOf(beta).agent.reply(b.threadId, { text: 'Hi Bob, agent of account two here' })
    expect(agentTexts(alpha, a.conversationId, a.userId)).toEqual(['Hi Ada, agent of account one here'])
    expect(agentTexts(beta, b.conversationId, b.userId)).toEqual(['Hi Bob, agent of account two here'])
    const everything = [...alpha.standIn.store.messages.values(), ...beta.standIn.store.messages.values()]
    expect(everything.filter((m) => String((m.payload as { text?: unknown }).text).startsWith('Hi Bob'))).toHaveLength(1)
  })

  it('a batch naming both accounts is acted on only for the account of the installation it reached', async () => {
    const assigned = (bot: PublisherBot) => eventsOf(bot, 'hitlAssigned').map((e) => (e.payload as { conversationId?: string }).conversationId)
    const before = { alpha: assigned(alpha).length, beta: assigned(beta).length }
    const batch = await stack.app.mixedBatch(async () => {
      await portalOf(beta).agent.assign(b.threadId, { id: '7002', name: 'Beatrice' })
      await portalOf(alpha).agent.assign(a.threadId, { id: '7001', name: 'Alan' })
    })
    expect(batch.status).toBe(200)
    const portals = batch.events.map((e) => (e as { portalId?: number }).portalId)
    expect(portals).toEqual([beta.portalId, alpha.portalId])
    // Routed by the first event's portal (the official script's rule) to beta, which acts on its own
    // event and ignores alpha's: no bot acts on another account's thread.
    await waitFor('beta’s hitlAssigned', () => assigned(beta).length === before.beta + 1)
    expect(assigned(beta).at(-1)).toBe(b.conversationId)
    // The price of that rule: alpha's event in this batch is lost for alpha (answered 200, HubSpot does not send it
    // again). Whether HubSpot ever mixes accounts in one batch is UNCONFIRMED (README, "One app, many bots").
    expect(assigned(alpha)).toHaveLength(before.alpha)

    // The next change of alpha's thread, in a batch of alpha's account, reaches alpha.
    await portalOf(alpha).agent.assign(a.threadId, { id: '7001', name: 'Alan' })
    await waitFor('alpha’s hitlAssigned', () => assigned(alpha).length === before.alpha + 1)
    expect(assigned(alpha).at(-1)).toBe(a.conversationId)
    expect(assigned(beta)).toHaveLength(before.beta + 1)
  })

  it('channel-account events reach only the installation of their account', async () => {
    const betaAccount = Object.values(setupOf(beta)?.channelAccounts ?? {}).find((x) => x.inboxId === '2001')
    expect(betaAccount).toBeDefined()
    const alphaBefore = JSON.stringify(setupOf(alpha)?.channelAccounts)
    const statuses = await portalOf(beta).purgeChannelAccount(betaAccount!.id)
    await portalOf(beta).settle()
    expect(statuses).toEqual([200])
    expect(setupOf(beta)?.channelAccounts['2001']?.authorized ?? false).toBe(false)
    expect(JSON.stringify(setupOf(alpha)?.channelAccounts)).toBe(alphaBefore)
  })

  it('an agent closing a thread ends only that bot’s session', async () => {
    await portalOf(alpha).agent.close(a.threadId)
    expect(eventsOf(alpha, 'hitlStopped').map((e) => (e.payload as { conversationId?: string }).conversationId)).toEqual([a.conversationId])
    expect(eventsOf(beta, 'hitlStopped')).toHaveLength(0)
  })

  it('uninstalling one bot frees its identifier, switches off only its own accounts and keeps the shared channel', async () => {
    const { hubspot } = await measure(alpha, () => alpha.standIn.unregister(), 'Bot Alpha: unregister (2 accounts)', { hubspot: 2, botpress: 3 })
    expect(alpha.standIn.identifier()).toBeNull()
    expect(stack.hub.installationFor(String(alpha.portalId))).toBeUndefined()
    expect(beta.standIn.identifier()).toBe(String(beta.portalId))
    // One PATCH per authorized account of alpha's, each with alpha's account token; no channel deleted.
    expect(hubspot.every((r) => r.method === 'PATCH' && r.portalId === alpha.portalId)).toBe(true)
    expect(hubspot).toHaveLength(2)
    expect([...stack.app.channels.values()]).toHaveLength(1)
    expect([...portalOf(alpha).state.channelAccounts.values()].every((x) => !x.authorized)).toBe(true)
    expect(
      Object.values(setupOf(beta)?.channelAccounts ?? {})
        .filter((x) => x.authorized)
        .map((x) => x.inboxId)
    ).toEqual(['2002'])
    expect([...portalOf(beta).state.channelAccounts.values()].filter((x) => x.authorized && !x.archived)).toHaveLength(1)
  })

  it('the other bot keeps working: a reply and a close reach it, and events of the uninstalled account reach nobody', async () => {
    await portalOf(beta).agent.reply(b.threadId, { text: 'Still here, Bob' })
    expect(agentTexts(beta, b.conversationId, b.userId)).toContain('Still here, Bob')
    const messages = () => alpha.standIn.store.messages.size + beta.standIn.store.messages.size
    const assignedEvents = () => eventsOf(alpha, 'hitlAssigned').length + eventsOf(beta, 'hitlAssigned').length
    const before = { messages: messages(), assigned: assignedEvents() }
    // Botpress holds no installation for that portal any more (the stand-in answers 404, UNCONFIRMED for the cloud).
    const reply = await portalOf(alpha).agent.reply(a.threadId, { text: 'Anyone there, Ada?' })
    expect(reply.statuses).toEqual([404])
    expect(await portalOf(alpha).agent.assign(a.threadId, { id: '7003', name: 'Alice' })).toEqual([404])
    expect(messages()).toBe(before.messages)
    expect(assignedEvents()).toBe(before.assigned)
    await portalOf(beta).agent.close(b.threadId)
    expect(eventsOf(beta, 'hitlStopped').map((e) => (e.payload as { conversationId?: string }).conversationId)).toEqual([b.conversationId])
  })

  it('no page showed a token or a secret', () => {
    const tokens = [alpha, beta].map((bot) => connectionStateOf(bot.standIn)?.refreshToken ?? '')
    expect(tokens.every((t) => t.length > 0)).toBe(true)
    const secrets = [stack.secrets.SECRET_CLIENT_SECRET, stack.secrets.SECRET_DEVELOPER_API_KEY, ...tokens]
    const pages = [...browsers.values()].flatMap((b) => b.pages).join('\n')
    for (const secret of secrets) expect(pages.includes(String(secret))).toBe(false)
  })
})
