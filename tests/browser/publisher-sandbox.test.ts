import * as fs from 'node:fs'
import * as path from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sandboxStackOf, startPublisherStack, type PublisherBot, type PublisherStack } from '../../dev/sandbox/publisher-stack'
import { sandboxModeOf } from '../../dev/sandbox/stack'
import { startWebServer, type SandboxWeb } from '../../dev/sandbox/web'
import integration from '../../src/index'
import { httpTuning } from '../../src/hubspot'
import { activationTiming } from '../../src/hitl/activation'
import { setupTuning } from '../../src/setup/register'
import { launchLoopbackBrowser, type LoopbackBrowser } from '../helpers/loopback-browser'
import { connectionStateOf } from '../helpers/installation-states'

/**
 * `npm start`'s default in headless Chromium (issue 17, point 6): one publisher HubSpot app, two
 * bots, each with its own sandbox page and its own HubSpot account. Each bot builder clicks Connect
 * HubSpot, picks their account on HubSpot's account picker, allows the app and picks inboxes; both
 * escalate; each account's agent reaches only their own bot's end user.
 */
const SCREENSHOT = path.join(__dirname, '..', '..', 'test-results', 'sandbox-publisher.png')
const WAIT_MS = 10_000

let stack: PublisherStack | undefined
const webs: SandboxWeb[] = []
let context: BrowserContext | undefined
let browserSession: LoopbackBrowser | undefined
let pageErrors: string[] = []
/** Every page the browser showed, to check none carries a secret. */
const seen: string[] = []
type Side = { bot: PublisherBot; web: SandboxWeb; page: Page }
const sides: Side[] = []

const newTabFrom = (click: () => Promise<void>): Promise<Page> => browserSession!.newTabFrom(click)
const keep = async (p: Page) => seen.push(await p.content())

beforeAll(async () => {
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [10, 10, 10]
  activationTiming.graceMs = 150
  stack = await startPublisherStack({ integration })
  browserSession = await launchLoopbackBrowser({ profilePrefix: 'sandbox-publisher-chromium-', waitMs: WAIT_MS })
  ;({ context, pageErrors } = browserSession)
  for (const bot of stack.bots) {
    const web = await startWebServer(sandboxStackOf(stack, bot), 0)
    webs.push(web)
    const page = sides.length === 0 ? browserSession.page : await context.newPage()
    sides.push({ bot, web, page })
  }
}, 60_000)

afterAll(async () => {
  await browserSession?.close()
  for (const web of webs) await web.close()
  await stack?.close()
})

describe('npm start: two bots sharing one publisher HubSpot app, in Chromium', () => {
  it('is the default mode; SANDBOX_MODE=own-app, --own-app or SANDBOX_CONNECTED=1 pick the own-app sandbox', () => {
    expect(sandboxModeOf({}, ['node', 'main.ts'])).toBe('publisher')
    expect(sandboxModeOf({ SANDBOX_MODE: 'own-app' }, [])).toBe('own-app')
    expect(sandboxModeOf({}, ['node', 'main.ts', '--own-app'])).toBe('own-app')
    expect(sandboxModeOf({ SANDBOX_CONNECTED: '1' }, [])).toBe('own-app')
    expect(() => sandboxModeOf({ SANDBOX_MODE: 'shared' }, [])).toThrow(/publisher" or "own-app/)
    expect(() => sandboxModeOf({ SANDBOX_MODE: 'publisher', SANDBOX_CONNECTED: '1' }, [])).toThrow(/Connect only/)
    expect(sandboxModeOf({ SANDBOX_MODE: 'publisher' }, [])).toBe('publisher')
  })

  it('each page names its bot and the account to pick, and offers no "Connect channel" (the shared channel has no connect URL)', async () => {
    for (const { bot, web, page } of sides) {
      await page.goto(web.url)
      await page.locator('#connect-banner', { hasText: `${bot.label}: HubSpot is not connected yet` }).waitFor()
      expect(await page.locator('#connect-banner').textContent()).toContain(`choose account ${bot.portalId}`)
      expect(await page.locator('#connect-hubspot').getAttribute('href')).toBe(bot.connectUrls.start)
      expect(await page.title()).toContain(bot.label)
      expect(await page.locator('#connect-channel').isHidden()).toBe(true)
    }
  })

  it('each bot builder connects: Connect HubSpot → account picker → consent → setup page', async () => {
    for (const { bot, page } of sides) {
      const tab = await newTabFrom(() => page.locator('#connect-hubspot').click())
      await tab.locator('a', { hasText: `Account ${bot.portalId}` }).click()
      await tab.locator('button', { hasText: 'Grant access' }).click()
      // Back through Botpress's global /oauth route, which found this bot's installation by state.
      await tab.waitForURL(bot.connectUrls.setup)
      await tab.locator('text=Choose the inboxes').waitFor()
      await keep(tab)
      const inboxes = [...stack!.app.portal(bot.portalId).state.inboxes.values()]
      for (const inbox of inboxes) await tab.locator(`#inbox-${inbox.id}`).check()
      await tab.locator(`input[name="default"][value="${inboxes[0]!.id}"]`).check()
      await tab.locator('button', { hasText: 'Save and connect' }).click()
      await tab.locator('text=Every chosen inbox is connected.').waitFor()
      await keep(tab)
      await tab.close()
      await page.locator('#connect-banner.ok', { hasText: `${bot.label}: Connected to HubSpot account ${bot.portalId}` }).waitFor()
    }
    expect([...stack!.app.channels.values()]).toHaveLength(1)
  })

  it('both escalate; each agent view shows only its own account’s thread', async () => {
    for (const { bot, page } of sides) {
      await page.locator('#user-input').fill(`Hello from ${bot.label}`)
      await page.locator('#user-send').click()
      await page.locator('#escalate').click()
      await page.locator('#user-messages li.system', { hasText: 'You are in the queue' }).waitFor()
      await page.locator('#agent-messages li.bot', { hasText: `Hello from ${bot.label}` }).waitFor()
    }
    for (const { bot, page } of sides) {
      const other = sides.find((s) => s.bot !== bot)!.bot
      // What HubSpot holds, not only what a page polled last: one thread per account, with only its own bot's text.
      const threads = [...stack!.app.portal(bot.portalId).state.threads.values()]
      expect(threads).toHaveLength(1)
      const texts = stack!.app
        .portal(bot.portalId)
        .threadMessages(threads[0]!.id)
        .map((m) => m.text ?? '')
      expect(texts.some((t) => t.includes(`Hello from ${bot.label}`))).toBe(true)
      expect(texts.some((t) => t.includes(`Hello from ${other.label}`))).toBe(false)
      expect(await page.locator('#agent-messages li', { hasText: `Hello from ${other.label}` }).count()).toBe(0)
    }
  })

  it('each agent takes their thread and replies: the reply reaches only their bot’s end user', async () => {
    for (const { bot, page } of sides) {
      await page.locator('#assign').click()
      await page.locator('#user-messages li.bot', { hasText: 'A human agent has joined the conversation.' }).waitFor()
      await page.locator('#agent-input').fill(`Agent of account ${bot.portalId} here`)
      await page.locator('#agent-send').click()
      await page.locator('#user-messages li', { hasText: `Agent of account ${bot.portalId} here` }).waitFor()
    }
    for (const { bot, page } of sides) {
      const other = sides.find((s) => s.bot !== bot)!.bot
      // What Botpress holds for this bot (the replies were delivered before the agent's send returned).
      const texts = [...bot.standIn.store.messages.values()].map((m) => String((m.payload as { text?: unknown }).text ?? ''))
      expect(texts).toContain(`Agent of account ${bot.portalId} here`)
      expect(texts).not.toContain(`Agent of account ${other.portalId} here`)
      expect(await page.locator('#user-messages li', { hasText: `Agent of account ${other.portalId} here` }).count()).toBe(0)
    }
  })

  it('no page showed a token or secret, and the pages raised no errors', async () => {
    for (const { page } of sides) await keep(page)
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true })
    await sides[0]!.page.screenshot({ path: SCREENSHOT, fullPage: true })
    const tokens = sides.map(({ bot }) => connectionStateOf(bot.standIn)?.refreshToken ?? '')
    expect(tokens.every((t) => t !== '')).toBe(true)
    const everything = seen.join('\n')
    for (const secret of [...tokens, stack!.secrets.SECRET_CLIENT_SECRET, stack!.secrets.SECRET_DEVELOPER_API_KEY]) {
      expect(everything.includes(String(secret))).toBe(false)
    }
    expect(pageErrors).toEqual([])
    for (const { page } of sides) expect(await page.locator('#log').textContent()).toBe('')
  })
})
