import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../dev/sandbox/stack'
import { startWebServer } from '../../dev/sandbox/web'
import integration from '../../src/index'
import { httpTuning } from '../../src/hubspot'
import { setupTuning } from '../../src/setup/register'
import { launchLoopbackBrowser, type LoopbackBrowser } from '../helpers/loopback-browser'
import { connectionStateOf } from '../helpers/installation-states'

/**
 * `npm start` as a newcomer sees it, in headless Chromium: the sandbox starts with HubSpot not
 * connected; they click "Connect HubSpot", grant access on the (emulated) HubSpot consent page,
 * pick inboxes on the integration's /setup page, then chat and escalate. Then an admin connects
 * the channel to one more inbox from HubSpot's side ("Connect channel" in the agent view), which
 * goes through the integration's /connect and back to HubSpot's settings page.
 */
const SCREENSHOT = path.join(__dirname, '..', '..', 'test-results', 'sandbox-connect.png')
const WAIT_MS = 10_000

let stack: Stack | undefined
let web: Awaited<ReturnType<typeof startWebServer>> | undefined
let browserSession: LoopbackBrowser | undefined
let page: Page
let pageErrors: string[] = []
/** Every page the browser showed (sandbox, consent, setup, settings), to check none carries a secret. */
const seen: string[] = []

const newTabFrom = (click: () => Promise<void>): Promise<Page> => browserSession!.newTabFrom(click)
const keep = async (p: Page) => seen.push(await p.content())

beforeAll(async () => {
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [10, 10, 10]
  stack = await startStack({ integration, connected: false })
  web = await startWebServer(stack, 0)
  // Only the sandbox and its siblings on the loopback (the emulator's consent page included).
  browserSession = await launchLoopbackBrowser({ profilePrefix: 'sandbox-connect-chromium-', waitMs: WAIT_MS })
  ;({ page, pageErrors } = browserSession)
}, 60_000)

afterAll(async () => {
  await browserSession?.close()
  await web?.close()
  await stack?.close()
})

describe('Connect in the sandbox, in Chromium', () => {
  it('the page opens unconnected and says to click Connect HubSpot', async () => {
    await page.goto(web!.url)
    await page.locator('#connect-banner', { hasText: 'HubSpot is not connected yet' }).waitFor()
    const href = await page.locator('#connect-hubspot').getAttribute('href')
    expect(href).toBe(stack!.connectUrls.start)
    // The channel exists (register made it), but HubSpot offers it to admins only once the app is installed.
    expect(await page.locator('#connect-channel').isHidden()).toBe(true)
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true })
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-start.png') })
  })

  it('escalating before Connect says why it cannot, and the user stays with the bot', async () => {
    await page.locator('#escalate').click()
    // The integration's own answer (startHitl refused), shown next to the action that failed.
    await page.locator('#user-action-status[data-kind=error]', { hasText: 'no HubSpot inbox is connected yet' }).waitFor()
    await page.locator('#user-status', { hasText: 'Talking to the bot' }).waitFor()
    expect(stack!.emulator.state.threads.size).toBe(0)
    // Chromium logs the refused request itself (400) as a console error: expected here, and only that.
    const expected = pageErrors.filter((e) => /status of 400/.test(e))
    expect(expected).toHaveLength(pageErrors.length)
    pageErrors.length = 0
  })

  it('Connect HubSpot → consent → pick inboxes on the setup page', async () => {
    const tab = await newTabFrom(() => page.locator('#connect-hubspot').click())
    await tab.locator('button', { hasText: 'Grant access' }).waitFor()
    expect(new URL(tab.url()).origin).toBe(stack!.emulator.url)
    await keep(tab)
    await tab.locator('button', { hasText: 'Grant access' }).click()

    await tab.waitForURL(stack!.connectUrls.setup)
    await tab.locator('text=Choose the inboxes').waitFor()
    await keep(tab)
    await tab.locator('#inbox-1001').check()
    await tab.locator('#inbox-1002').check()
    await tab.locator('input[name="default"][value="1001"]').check()
    await tab.locator('button', { hasText: 'Save and connect' }).click()
    await tab.locator('text=Every chosen inbox is connected.').waitFor()
    await keep(tab)
    await tab.close()

    await page.locator('#connect-banner.ok', { hasText: 'Escalations go to Support (default), Help Desk.' }).waitFor()
    expect(await page.locator('#connect-banner').textContent()).toContain('12345678')
  })

  it('then the newcomer chats and escalates into the default inbox', async () => {
    await page.locator('#user-input').fill('My order 42 is late')
    await page.locator('#user-send').click()
    await page.locator('#escalate').click()
    await page.locator('#user-messages li.system', { hasText: 'You are in the queue' }).waitFor()
    await page.locator('#agent-messages li.bot', { hasText: 'My order 42 is late' }).waitFor()
    const [thread] = [...stack!.emulator.state.threads.values()]
    expect(thread?.inboxId).toBe('1001')
    await page.locator('#assign').click()
    await page.locator('#user-messages li.bot', { hasText: 'A human agent has joined the conversation.' }).waitFor()
  })

  it('Connect channel (admin, from HubSpot): goes through /connect and back to HubSpot, and the inbox becomes routable', async () => {
    await page.locator('#connect-channel').waitFor()
    expect(await page.locator('#connect-inbox option').allTextContents()).toEqual(['Sales (inbox 1003)'])
    const tab = await newTabFrom(() => page.locator('#connect-channel-button').click())
    await tab.waitForURL((u) => u.toString().startsWith(stack!.emulator.settingsUrl))
    await tab.locator('#connection-result', { hasText: 'Connected: Botpress sandbox → Sales' }).waitFor()
    await keep(tab)
    await tab.close()

    await page.locator('#connect-banner', { hasText: 'Support (default), Help Desk, Sales' }).waitFor()
    await page.locator('#connect-channel').waitFor({ state: 'hidden' })
    // Routable: an escalation naming that inbox lands there.
    const { userId } = await stack!.standIn.callAction<{ userId: string }>('createUser', { name: 'Sales lead' })
    const { conversationId } = await stack!.standIn.callAction<{ conversationId: string }>('startHitl', {
      userId,
      title: 'Pricing',
      hitlSession: { inboxId: '1003' },
      messageHistory: [],
    })
    const threadId = stack!.standIn.store.conversations.get(conversationId)?.tags.hubspotThreadId ?? ''
    expect(stack!.emulator.state.threads.get(threadId)?.inboxId).toBe('1003')
  })

  it('no page showed a token or secret, and the page raised no errors', async () => {
    await keep(page)
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
    const refreshToken = connectionStateOf(stack!.standIn)?.refreshToken ?? ''
    expect(refreshToken).not.toBe('')
    const everything = seen.join('\n')
    for (const secret of [refreshToken, String(stack!.configuration.clientSecret), String(stack!.configuration.developerApiKey)]) {
      expect(everything.includes(secret)).toBe(false)
    }
    expect(pageErrors).toEqual([])
    expect(await page.locator('#log').textContent()).toBe('')
  })
})
