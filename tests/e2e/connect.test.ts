import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, wantsConnectedSandbox, type Stack } from '../../dev/sandbox/stack'
import integration from '../../src/index'
import { httpTuning } from '../../src/hubspot'
import { setupTuning } from '../../src/setup/register'
import { createHttpBrowser, hiddenField } from '../helpers/http-browser'
import { connectionStateOf, setupStateOf } from '../helpers/installation-states'

/**
 * The Connect flow end to end over 127.0.0.1, as a newcomer's browser goes through it: the real
 * integration behind the SDK's own server (reached through the Botpress stand-in's webhook proxy,
 * as the cloud's webhook URL), the HubSpot emulator starting "not installed", and plain HTTP
 * requests carrying cookies and following redirects by hand the way a browser does. Then the
 * admin-initiated path (HubSpot's "Connect a channel"). Each step's cost in HubSpot and Botpress
 * requests is measured and held to a budget.
 */
let stack: Stack
let webhookOrigin = ''
const output: string[] = []
const restoreOutput: (() => void)[] = []

/** One browser: cookies kept per origin and path, redirects never followed (each hop is a step to look at). */
const browser = createHttpBrowser()
const { browse, pages } = browser
const hidden = hiddenField

/** HubSpot requests the integration made (the browser's own page loads at HubSpot are not its cost). */
const BROWSER_PAGES = /^\/(oauth\/authorize|_emulator\/)/
type Cost = { hubspot: string[]; botpress: string[] }
const measure = async <T>(step: () => Promise<T>): Promise<{ result: T; cost: Cost }> => {
  const hs = stack.emulator.requests.length
  const bp = stack.standIn.requests.length
  const result = await step()
  await stack.emulator.settle()
  return {
    result,
    cost: {
      hubspot: stack.emulator.requests
        .slice(hs)
        .filter((r) => !BROWSER_PAGES.test(r.path))
        .map((r) => `${r.method} ${r.path}`),
      botpress: stack.standIn.requests.slice(bp).map((r) => `${r.method} ${r.path}`),
    },
  }
}
const costs: Record<string, { hubspot: number; botpress: number }> = {}
const record = (name: string, cost: Cost, budget: { hubspot: number; botpress: number }) => {
  costs[name] = { hubspot: cost.hubspot.length, botpress: cost.botpress.length }
  expect(cost.hubspot.length, `${name}: HubSpot ${cost.hubspot.join(', ')}`).toBeLessThanOrEqual(budget.hubspot)
  expect(cost.botpress.length, `${name}: Botpress ${cost.botpress.join(', ')}`).toBeLessThanOrEqual(budget.botpress)
}

const connectionState = () => connectionStateOf(stack.standIn)
const setupState = () => setupStateOf(stack.standIn)

const escalate = async (name: string, hitlSession?: { inboxId: string }) => {
  const { userId } = await stack.standIn.callAction<{ userId: string }>('createUser', { name, email: `${name.toLowerCase()}@example.com` })
  const { conversationId } = await stack.standIn.callAction<{ conversationId: string }>('startHitl', {
    userId,
    title: `${name} needs help`,
    messageHistory: [{ source: { type: 'user', userId }, type: 'text', payload: { text: 'Hello' } }],
    ...(hitlSession ? { hitlSession } : {}),
  })
  const threadId = stack.standIn.store.conversations.get(conversationId)?.tags.hubspotThreadId ?? ''
  return stack.emulator.state.threads.get(threadId)
}

beforeAll(async () => {
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [10, 10, 10]
  // Everything the integration prints, to check no token ever shows.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream)
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      output.push(String(chunk))
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest)
    }) as typeof stream.write
    restoreOutput.push(() => (stream.write = write))
  }
  // The SDK's logger prints through console, which the test runner takes over before stdout.
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level]
    console[level] = (...args: unknown[]) => {
      output.push(args.map(String).join(' '))
      original(...args)
    }
    restoreOutput.push(() => (console[level] = original))
  }
  stack = await startStack({ integration, connected: false })
  webhookOrigin = new URL(stack.standIn.webhookUrl).origin
  await stack.emulator.settle()
})

afterAll(async () => {
  for (const restore of restoreOutput) restore()
  await stack?.close()
  if (Object.keys(costs).length) console.info(`Connect step costs (requests):\n${JSON.stringify(costs, null, 1)}`)
})

describe('the sandbox starts unconnected', () => {
  it('unless SANDBOX_CONNECTED=1 or --connected asks for the hand-installed app', () => {
    expect(wantsConnectedSandbox({}, ['node', 'main.ts'])).toBe(false)
    expect(wantsConnectedSandbox({ SANDBOX_CONNECTED: '0' }, [])).toBe(false)
    expect(wantsConnectedSandbox({ SANDBOX_CONNECTED: '1' }, [])).toBe(true)
    expect(wantsConnectedSandbox({ SANDBOX_CONNECTED: 'true' }, [])).toBe(true)
    expect(wantsConnectedSandbox({}, ['node', 'main.ts', '--connected'])).toBe(true)
  })

  it('register created the channel pointing HubSpot at /connect, with no refresh token anywhere', () => {
    expect(stack.connected).toBe(false)
    expect(stack.configuration.refreshToken).toBeUndefined()
    expect(stack.configuration.inboxId).toBeUndefined()
    const [channel] = [...stack.emulator.state.channels.values()]
    expect(channel?.channelAccountConnectionRedirectUrl).toBe(`${stack.standIn.webhookUrl}/connect`)
    expect(stack.emulator.state.channelAccounts.size).toBe(0)
    expect(connectionState()?.refreshToken).toBeUndefined()
    expect(output.join('')).toContain(stack.connectUrls.start)
  })

  it('an escalation before Connect fails with a message that says where to connect', async () => {
    await expect(escalate('Early')).rejects.toThrow(/oauth\/start/)
    expect(stack.emulator.state.threads.size).toBe(0)
  })
})

describe('Connect from Botpress: consent, then the inbox picker', () => {
  let callbackUrl = ''
  let setupHtml = ''

  it('GET /oauth/start sends the browser to the consent page with a state bound to a cookie', async () => {
    const { result: res, cost } = await measure(() => browse(stack.connectUrls.start))
    expect(res.status).toBe(302)
    const to = new URL(res.location ?? '')
    expect(`${to.origin}${to.pathname}`).toBe(stack.emulator.authorizeUrl)
    expect(to.searchParams.get('redirect_uri')).toBe(`${stack.standIn.webhookUrl}/oauth/callback`)
    expect(to.searchParams.get('state')).toMatch(/^[\w-]{40,}$/)
    expect(browser.cookieCount()).toBe(1)
    // Botpress: only the webhook URL (setup state, read once per process); the state verifies itself,
    // so nothing is written (was 3: + the pending flows' read and write).
    record('GET /oauth/start', cost, { hubspot: 0, botpress: 1 })
    expect(
      cost.botpress.every((call) => call.startsWith('GET ')),
      cost.botpress.join(', ')
    ).toBe(true)

    const consent = await browse(res.location!)
    expect(consent.status).toBe(200)
    expect(consent.text).toContain('Grant access')
    const granted = await browse(stack.emulator.authorizeUrl, {
      method: 'POST',
      form: new URLSearchParams({ consent: hidden(consent.text, 'consent'), decision: 'grant' }),
    })
    expect(granted.status).toBe(302)
    callbackUrl = granted.location ?? ''
    expect(callbackUrl.startsWith(`${stack.standIn.webhookUrl}/oauth/callback?`)).toBe(true)
    expect(new URL(callbackUrl).searchParams.get('state')).toBe(to.searchParams.get('state'))
  })

  it('the callback without this browser\u2019s cookie changes nothing', async () => {
    const res = await fetch(callbackUrl, { redirect: 'manual' })
    expect(res.status).toBe(400)
    expect(connectionState()?.refreshToken).toBeUndefined()
  })

  it('GET /oauth/callback exchanges the code, stores the refresh token and opens the setup page', async () => {
    const { result: res, cost } = await measure(() => browse(callbackUrl))
    expect(res.status).toBe(303)
    expect(res.location).toBe(stack.connectUrls.setup)
    expect(connectionState()?.refreshToken).toMatch(/.+/)
    expect(connectionState()?.hubId).toBe('12345678')
    // HubSpot: the code exchange and the token info (account domain). Botpress: connection read, state
    // spent (write), setup read (may this account bind?), connection write.
    record('GET /oauth/callback', cost, { hubspot: 2, botpress: 4 })
    expect(cost.hubspot).toContain('POST /oauth/2026-03/token')

    // The state was spent: the same callback again is refused, and nothing changes.
    const replay = await browse(callbackUrl)
    expect(replay.status).toBe(400)
  })

  it('GET /setup lists the account\u2019s inboxes and help desks by name, nothing chosen yet', async () => {
    const { result: res, cost } = await measure(() => browse(stack.connectUrls.setup))
    expect(res.status).toBe(200)
    setupHtml = res.text
    expect(setupHtml).toContain('12345678')
    for (const name of ['Support', 'Help Desk', 'Sales']) expect(setupHtml).toContain(`>${name}</label>`)
    expect(setupHtml).toContain('Choose the inboxes')
    record('GET /setup (nothing chosen)', cost, { hubspot: 1, botpress: 2 })
  })

  it('POST /setup from a foreign origin is refused, and changes nothing', async () => {
    const form = new URLSearchParams({ csrf: hidden(setupHtml, 'csrf'), inbox: '1001', default: '1001' })
    const res = await browse(stack.connectUrls.setup, { method: 'POST', form, origin: 'http://127.0.0.1:1' })
    expect(res.status).toBe(403)
    expect(setupState()?.inboxChoice).toBeUndefined()
  })

  it('POST /setup saves the choice (Help Desk the default) and connects both inboxes', async () => {
    const form = new URLSearchParams([
      ['csrf', hidden(setupHtml, 'csrf')],
      ['inbox', '1001'],
      ['inbox', '1002'],
      ['default', '1002'],
    ])
    const { result: res, cost } = await measure(() => browse(stack.connectUrls.setup, { method: 'POST', form, origin: webhookOrigin }))
    expect(res.status).toBe(303)
    expect(res.location).toBe(stack.connectUrls.setup)
    expect(setupState()?.inboxChoice?.inboxIds).toEqual(['1002', '1001'])
    const accounts = [...stack.emulator.state.channelAccounts.values()]
    expect(accounts.map((a) => a.inboxId).sort()).toEqual(['1001', '1002'])
    // HubSpot: 1 inbox list, then connecting: 1 channel list, 1 account list, 1 create per inbox. Botpress:
    // connection + setup reads, the choice and the accounts written, + 1 setup read per CHANNEL_ACCOUNT_CREATED
    // webhook HubSpot sends for the new accounts (already known: nothing written).
    record('POST /setup (2 inboxes)', cost, { hubspot: 5, botpress: 6 })

    const { result: after, cost: warm } = await measure(() => browse(stack.connectUrls.setup))
    expect(after.text).toContain('Every chosen inbox is connected.')
    record('GET /setup (connected)', warm, { hubspot: 1, botpress: 2 })
  })

  it('an escalation now goes to the default inbox chosen on the page', async () => {
    const thread = await escalate('Ada')
    expect(thread?.inboxId).toBe('1002')
    const other = await escalate('Grace', { inboxId: '1001' })
    expect(other?.inboxId).toBe('1001')
  })
})

describe('Connect from HubSpot (admin-initiated)', () => {
  let connectUrl = ''

  it('"Connect a channel" in HubSpot\u2019s settings sends the admin to our /connect with a staging token', async () => {
    const channelId = setupState()?.channelId ?? ''
    const res = await fetch(`${stack.emulator.url}/_emulator/connect-channel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channelId, inboxId: '1003' }),
    })
    expect(res.status).toBe(200)
    const { url } = (await res.json()) as { url: string }
    connectUrl = url
    expect(url.startsWith(`${stack.standIn.webhookUrl}/connect?`)).toBe(true)
    expect(new URL(url).searchParams.get('channelId')).toBe(channelId)
  })

  it('a /connect for another channel is refused, and nothing is connected', async () => {
    const forged = new URL(connectUrl)
    forged.searchParams.set('channelId', '999999')
    const res = await browse(forged.toString())
    expect(res.status).toBe(404)
    expect([...stack.emulator.state.channelAccounts.values()].some((a) => a.inboxId === '1003')).toBe(false)
  })

  it('GET /connect completes the staging token and returns the admin to HubSpot, which reports the connection', async () => {
    const { result: res, cost } = await measure(() => browse(connectUrl))
    expect(res.status).toBe(302)
    expect(res.location?.startsWith(stack.emulator.settingsUrl)).toBe(true)
    // HubSpot: the staging-token PATCH (token warm). Botpress: the setup read (is the channel ours?), then
    // CHANNEL_ACCOUNT_CREATED, which follows the PATCH (settled by measure): setup read, the connection read (a new
    // account must come from the connected HubSpot account, not another one that installed the app) and the write.
    record('GET /connect (+ CHANNEL_ACCOUNT_CREATED webhook)', cost, { hubspot: 1, botpress: 4 })
    expect(cost.hubspot).toEqual([expect.stringMatching(/^PATCH .*\/channel-account-staging-tokens\//)])
    const settings = await browse(res.location!)
    expect(settings.text).toMatch(/Connected: Botpress sandbox → Sales/)
    expect(setupState()?.channelAccounts['1003']?.authorized).toBe(true)

    // Reloading the same link: HubSpot's 409 "already used" counts as done.
    const again = await browse(connectUrl)
    expect(again.status).toBe(302)
    expect([...stack.emulator.state.channelAccounts.values()].filter((a) => a.inboxId === '1003')).toHaveLength(1)
  })

  it('the inbox connected from HubSpot is routable and shows on the setup page', async () => {
    const thread = await escalate('Linus', { inboxId: '1003' })
    expect(thread?.inboxId).toBe('1003')
    const setup = await browse(stack.connectUrls.setup)
    expect(setup.text).toContain('Connected from HubSpot')
    expect(setup.text).toMatch(/Sales \(inbox 1003\)/)
  })

  it('no page and no log line ever showed a token or secret', () => {
    const refreshToken = connectionState()?.refreshToken ?? ''
    expect(refreshToken).not.toBe('')
    const secrets = [refreshToken, String(stack.configuration.clientSecret), String(stack.configuration.developerApiKey)]
    const everything = [...pages, ...output].join('\n')
    for (const secret of secrets) expect(everything.includes(secret)).toBe(false)
  })
})
