import * as fs from 'node:fs'
import * as path from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startStack, type Stack } from '../../dev/sandbox/stack'
import { startWebServer } from '../../dev/sandbox/web'
import integration from '../../src/index'
import { httpTuning } from '../../src/hubspot'
import { setupTuning } from '../../src/setup/register'
import { ticketTuning } from '../../src/tickets/tuning'
import { launchLoopbackBrowser, type LoopbackBrowser } from '../helpers/loopback-browser'

/**
 * The sandbox page (`npm start`) in headless Chromium, against the real integration on 127.0.0.1:
 * the end user chats with the bot and escalates, a HubSpot agent takes the thread, replies with an
 * attachment and closes it; each side is checked on what the page actually shows: who the end user
 * is, the ticket and its priority, agent-only notes, delivery statuses (a reply after the end is NOT
 * delivered), errors next to the action that failed, nothing typed lost, reset, a 390 px phone.
 *
 * The browser is found by tests/helpers/browser.ts: CHROMIUM_PATH/CHROME_PATH, else a system Chromium, else the one
 * shipped in the @sparticuz/chromium devDependency (no browser download, no apt step).
 */
const SCREENSHOT = path.join(__dirname, '..', '..', 'test-results', 'sandbox.png')
const WAIT_MS = 10_000

let stack: Stack | undefined
let web: Awaited<ReturnType<typeof startWebServer>> | undefined
let context: BrowserContext | undefined
let browserSession: LoopbackBrowser | undefined
let page: Page
let pageErrors: string[] = []
const startupInfo: string[] = []

/** A message bubble in one pane's list that contains `text`. */
const bubble = (list: '#user-messages' | '#agent-messages', cls: string, text: string | RegExp) =>
  page.locator(`${list} li.${cls}`, { hasText: text })

beforeAll(async () => {
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [10, 10, 10]
  ticketTuning.quickTryDelaysMs = [100, 200]
  const info = vi.spyOn(console, 'info')
  // A help desk (tickets) next to the default plain inbox, a custom ticket property the bot sets, as in a real account.
  stack = await startStack({ integration, emulator: { ticketDelayMs: 50, customTicketProperties: ['order_number'] } })
  web = await startWebServer(stack, 0, {
    hitlSession: { category: 'PRODUCT_ISSUE', customProperties: [{ name: 'order_number', value: '42' }] },
  })
  startupInfo.push(...info.mock.calls.map((c) => c.join(' ')))
  info.mockRestore()

  // Only the sandbox and its siblings on the loopback: anything else is a bug in the page.
  browserSession = await launchLoopbackBrowser({ profilePrefix: 'sandbox-chromium-', waitMs: WAIT_MS })
  ;({ context, page, pageErrors } = browserSession)
}, 60_000)

afterAll(async () => {
  await browserSession?.close()
  await web?.close()
  await stack?.close()
})

/** The publish of an INCOMING message (what opens a thread in HubSpot). */
const isPublish = (method: string, p: string) => method === 'POST' && /^\/conversations\/custom-channels\/2026-09\/[^/]+\/messages$/.test(p)
/** The key controls a phone user needs, by id. */
const KEY_CONTROLS = [
  'reset',
  'user-input',
  'user-send',
  'user-email',
  'priority',
  'escalate',
  'end-session',
  'agent-input',
  'agent-send',
  'assign',
  'close-thread',
]

/** The browser logs each request a test made fail on purpose: take exactly that line out of the errors (it must be there). */
const expectConsoleError = async (text: string) => {
  const line = `console error: ${text}`
  await expect.poll(() => pageErrors.includes(line)).toBe(true)
  pageErrors.splice(pageErrors.indexOf(line), 1)
}

describe('sandbox page in Chromium', () => {
  it('starts without "Listening on port 0" noise', () => {
    expect(startupInfo.filter((l) => /Listening on port/.test(l))).toEqual([])
  })

  it('opens with the bot greeting and no conversation in the inbox', async () => {
    await page.goto(web!.url)
    await bubble('#user-messages', 'bot', 'I am the demo bot').waitFor()
    await page.locator('#no-thread').waitFor()
    // The thread detail (composer, Assign, Close) only shows once there is a thread.
    await page.locator('#thread-detail').waitFor({ state: 'hidden' })
    expect(await page.locator('#send-image').isDisabled()).toBe(true)
    expect(await page.locator('#user-name').textContent()).toBe('Sandbox User')
  })

  it('the bot answers a typed message', async () => {
    await page.locator('#user-input').fill('Where is my order 42?')
    await page.locator('#user-send').click()
    await bubble('#user-messages', 'me', 'Where is my order 42?').waitFor()
    await bubble('#user-messages', 'bot', 'You said "Where is my order 42?"').waitFor()
    expect(await page.locator('#user-input').inputValue()).toBe('')
  })

  it('a message typed while the server is down stays in the box with the reason, and is sent on retry', async () => {
    // The server unreachable for this one request, as when `npm start` was stopped.
    await context!.route('**/api/user/message', (route) => route.abort('connectionrefused'))
    await page.locator('#user-input').fill('It arrived broken')
    await page.locator('#user-send').click()
    await page.locator('#user-error', { hasText: 'Not sent' }).waitFor()
    expect(await page.locator('#user-input').inputValue()).toBe('It arrived broken')
    expect(await bubble('#user-messages', 'me', 'It arrived broken').count()).toBe(0)
    await expectConsoleError('Failed to load resource: net::ERR_CONNECTION_REFUSED')

    await context!.unroute('**/api/user/message')
    await page.locator('#user-send').click()
    await bubble('#user-messages', 'me', 'It arrived broken').waitFor()
    await page.locator('#user-error').waitFor({ state: 'hidden' })
    expect(await page.locator('#user-input').inputValue()).toBe('')
  })

  it('a failed escalation shows its error next to the button, and no "Escalating…" is left behind', async () => {
    // The email first: the plugin creates the end user's HubSpot identity on the first try and keeps it.
    await page.locator('#user-email').fill('ada@example.com')
    stack!.emulator.faults.failNext(1, {
      status: 400,
      body: { status: 'error', category: 'VALIDATION_ERROR', message: 'Emulated refusal' },
      match: isPublish,
    })
    await page.locator('#escalate').click()
    const status = page.locator('#user-action-status[data-kind=error]')
    await status.waitFor()
    expect(await status.textContent()).not.toContain('Escalating')
    expect(await status.textContent()).toContain('Emulated refusal')
    await bubble('#user-messages', 'system', 'The escalation failed').waitFor()
    await expectConsoleError('Failed to load resource: the server responded with a status of 400 (Bad Request)')
    await page.waitForFunction(() => !(document.getElementById('escalate') as HTMLButtonElement).disabled)
    expect(await page.locator('#user-status').textContent()).toBe('Talking to the bot')
    expect(await page.getByText('Escalating…').count()).toBe(0)
    expect(stack!.emulator.state.threads.size).toBe(0)
    await page.locator('#no-thread').waitFor()
  })

  it('escalating with a priority opens a help-desk thread: end user, ticket fields, agent-only summary', async () => {
    expect(await page.locator('#user-email').inputValue()).toBe('ada@example.com')
    await page.locator('#priority').selectOption('HIGH')
    // An impatient double click must still open one thread (checked at the end, once all settled).
    await page.locator('#escalate').dblclick()
    await bubble('#user-messages', 'system', 'You are in the queue').waitFor()
    await page.locator('#user-action-status').waitFor({ state: 'hidden' })
    await page.locator('#thread-list li.active').waitFor()
    await bubble('#agent-messages', 'bot', 'Where is my order 42?').waitFor()
    await page.locator('#thread-state', { hasText: 'OPEN' }).waitFor()
    expect(await page.locator('#escalate').isDisabled()).toBe(true)

    // Who the end user is, and when.
    const contact = [...stack!.emulator.state.contacts.values()].find((c) => c.properties.email === 'ada@example.com')!
    await page.locator('#contact', { hasText: 'ada@example.com' }).waitFor()
    expect(await page.locator('#contact').textContent()).toContain(`contact ${contact.id}`)
    expect(await page.locator('#thread-times time').first().getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(await page.locator('#thread-list li.active').textContent()).toContain('ada@example.com')
    expect(await page.locator('#thread-list li.active time').count()).toBe(1)
    expect(await page.locator('#agent-messages li.bot time').count()).toBeGreaterThan(0)
    expect(await page.locator('#thread-inbox').textContent()).toBe('Help Desk (help desk)')
    expect(await page.locator('#assignee').textContent()).toBe('Unassigned')

    // The ticket as the emulator's ticket store has it: the page's priority, the bot's other fields.
    await page.locator('#ticket .ticket-priority', { hasText: 'HIGH' }).waitFor()
    expect(await page.locator('#ticket .ticket-category').textContent()).toBe('PRODUCT_ISSUE')
    expect(await page.locator('#ticket .ticket-subject').textContent()).toBe('Sandbox escalation')
    expect(await page.locator('#ticket .ticket-pipeline').textContent()).toBe('Support Pipeline')
    expect(await page.locator('#ticket .ticket-stage').textContent()).toBe('New')
    expect(await page.locator('#ticket dt', { hasText: 'order_number' }).count()).toBe(1)
    expect(await page.locator('#ticket .ticket-custom').textContent()).toBe('42')
    const [ticket] = [...stack!.emulator.state.tickets.values()]
    expect(await page.locator('#ticket-id').textContent()).toBe(`#${ticket!.id}`)

    // The escalation summary is an agent-only note, styled as one; the end user never sees it.
    const note = page.locator('#agent-messages li.note', { hasText: 'HIGH' })
    await note.waitFor()
    expect(await note.locator('.name').textContent()).toContain('only agents see this')
    expect(await bubble('#user-messages', 'bot', 'HIGH').count()).toBe(0)
  })

  it('an image from the user shows as an image in the agent inbox', async () => {
    await page.waitForFunction(() => !(document.getElementById('send-image') as HTMLButtonElement).disabled)
    await page.locator('#send-image').click()
    await page.locator('#user-messages li.me img').waitFor()
    await page.locator('#agent-messages li img:not(.avatar)').waitFor()
    // Served by the HubSpot emulator's file store, and actually decoded by the browser.
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#agent-messages li > img')
      return Boolean(img && img.complete && img.naturalWidth > 0)
    })
  })

  it('assigning the thread tells the user an agent joined, and the agent view shows the assignee with an avatar', async () => {
    await page.locator('#assign').click()
    // The plugin's fixed text; the agent's name is only status information (as webchat shows it).
    await bubble('#user-messages', 'bot', 'A human agent has joined the conversation.').waitFor()
    await page.locator('#user-status', { hasText: 'Talking to Maya' }).waitFor()
    await page.locator('#assignee', { hasText: 'Maya' }).waitFor()
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#assignee img.avatar')
      return Boolean(img && img.complete && img.naturalWidth > 0)
    })
  })

  it('an agent reply with an attachment reaches the user, shows as sent, and the file keeps its "—"', async () => {
    await page.locator('#agent-input').fill('Here is your return label.')
    await page.locator('#agent-attach').check()
    await page.locator('#agent-send').click()
    const reply = bubble('#agent-messages', 'agent', 'Here is your return label.')
    await reply.locator('.delivery.sent').waitFor()
    expect(await reply.locator('.delivery').textContent()).toBe('sent')
    expect(await reply.locator('img.avatar').count()).toBe(1)
    expect(await reply.locator('time').count()).toBe(1)
    await bubble('#user-messages', 'agent', 'Here is your return label.').waitFor()
    const link = page.locator('#user-messages li.agent a.file', { hasText: 'return-label.txt' })
    await link.waitFor()
    const href = await link.getAttribute('href')
    expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)
    expect(await page.locator('#agent-attach').isChecked()).toBe(false)

    // What a browser shows when the link is opened: the dash, not "â€”".
    const filePage = await context!.newPage()
    try {
      const res = await filePage.goto(href!)
      expect(res!.headers()['content-type']).toMatch(/charset=utf-8/i)
      expect(await filePage.locator('body').innerText()).toContain('Order #42 — return label')
    } finally {
      await filePage.close()
    }
    // The page's own files say their charset too.
    for (const file of ['/', '/app.js', '/app.css']) expect((await fetch(`${web!.url}${file}`)).headers.get('content-type')).toMatch(/charset=utf-8/)
  })

  it('after the user ends the session, an agent reply shows as NOT delivered and the thread is closed', async () => {
    await page.locator('#end-session').click()
    await bubble('#user-messages', 'bot', 'You have ended the session with the human agent').waitFor()
    await page.locator('#thread-state.closed').waitFor()
    // The plugin's notice to the agent arrives as an agent-only "Bot: …" note.
    await page.locator('#agent-messages li.note', { hasText: 'Bot: ( The user has ended the session. )' }).waitFor()

    await page.locator('#agent-input').fill('Anything else I can do?')
    await page.locator('#agent-send').click()
    const reply = bubble('#agent-messages', 'agent', 'Anything else I can do?')
    await reply.locator('.delivery.failed').waitFor()
    expect(await reply.locator('.delivery').textContent()).toBe('not delivered')
    expect(await reply.locator('.delivery-error').textContent()).toContain('session with the bot has ended')
    expect(await reply.getAttribute('class')).toContain('failed')
    // HubSpot reopens a thread an agent replies in; the integration closes it again: nothing looks live.
    await page.locator('#thread-state.closed').waitFor()
    await page.locator('#thread-list li.active .badge.closed').waitFor()
    expect(await bubble('#user-messages', 'agent', 'Anything else I can do?').count()).toBe(0)
    // The list follows its newest line (although the ticket panel above it shrank it meanwhile).
    await expect.poll(() => withinList('#agent-messages', reply)).toBe(true)
  })

  it('reset starts a new end user in a new bot conversation; the old thread stays, closed', async () => {
    await page.locator('#user-email').fill('leftover@example.com')
    await page.locator('#reset').click()
    await page.locator('#user-name', { hasText: 'Sandbox User 2' }).waitFor()
    await page.waitForFunction(() => document.querySelectorAll('#user-messages li.me').length === 0)
    await bubble('#user-messages', 'bot', 'I am the demo bot').waitFor()
    expect(await page.locator('#user-email').inputValue()).toBe('')
    expect(await page.locator('#priority').inputValue()).toBe('')
    expect(await page.locator('#user-status').textContent()).toBe('Talking to the bot')
    expect(await page.locator('#thread-list li').count()).toBe(1)
    expect(web!.bot.userName).toBe('Sandbox User 2')

    // The new end user escalates (by phone this time): a second thread, told apart in the list.
    await page.locator('#user-email').fill('+14155550123')
    await page.locator('#escalate').click()
    await bubble('#user-messages', 'system', 'You are in the queue').waitFor()
    await page.waitForFunction(() => document.querySelectorAll('#thread-list li').length === 2)
    const items = page.locator('#thread-list li')
    // Newest first; each says who, how to reach them, when and in which state.
    expect(await items.nth(0).getAttribute('class')).toBe('active')
    expect(await items.nth(0).textContent()).toContain('+14155550123')
    expect(await items.nth(0).locator('.badge').textContent()).toBe('open')
    expect(await items.nth(1).textContent()).toContain('ada@example.com')
    expect(await items.nth(1).locator('.badge').textContent()).toBe('closed')
    await page.locator('#contact', { hasText: '+14155550123' }).waitFor()
  })

  it('closing the thread tells the user and hands them back to the bot', async () => {
    await page.locator('#close-thread').click()
    await bubble('#user-messages', 'bot', 'The human agent closed the conversation').waitFor()
    await bubble('#user-messages', 'bot', 'I am back').waitFor()
    await page.locator('#thread-state.closed').waitFor()
    await page.locator('#user-status', { hasText: 'Talking to the bot' }).waitFor()
    expect(await page.locator('#log').textContent()).toBe('')
  })

  it('the page looks right and raised no errors', async () => {
    // Let the last poll render and every image decode before the picture is taken.
    await page.waitForFunction(() => Array.from(document.images).every((img) => img.complete))
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })

    // No message bubble overlaps the next one in either pane.
    const overlaps = await page.evaluate(() =>
      ['#user-messages', '#agent-messages'].flatMap((list) => {
        const rects = Array.from(document.querySelectorAll(`${list} > li`)).map((li) => li.getBoundingClientRect())
        return rects.slice(1).flatMap((r, i) => (r.top < rects[i]!.bottom - 0.5 ? [`${list} #${i + 1}`] : []))
      })
    )
    expect(overlaps).toEqual([])
    expect(await outsideTheirPane()).toEqual([])
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    expect(pageErrors).toEqual([])
    expect(await page.locator('#thread-list li').count()).toBe(2)
    expect(stack!.emulator.state.threads.size).toBe(2)
  })

  it('is usable 390 px wide: no horizontal scroll, every key control on screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.locator('#thread-list li').nth(1).click() // the older thread: its ticket and notes are the longest
    await page.locator('#ticket').waitFor()
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-390.png'), fullPage: true })
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    for (const id of KEY_CONTROLS) {
      const control = page.locator(`#${id}`)
      await control.scrollIntoViewIfNeeded()
      expect(await control.isVisible(), id).toBe(true)
      const box = (await control.boundingBox())!
      expect(box.x, id).toBeGreaterThanOrEqual(0)
      expect(box.x + box.width, id).toBeLessThanOrEqual(390)
      expect(box.width, id).toBeGreaterThanOrEqual(24)
    }
    expect(await outsideTheirPane()).toEqual([])
    expect(pageErrors).toEqual([])
  })

  it('takes another port and says which when the preferred one is busy', async () => {
    const busy = await startWebServer(stack!, 0)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const port = Number(new URL(busy.url).port)
    const second = await startWebServer(stack!, port)
    try {
      const taken = Number(new URL(second.url).port)
      expect(taken).not.toBe(port)
      expect(warn.mock.calls.map((c) => c.join(' '))).toEqual([`Port ${port} is busy: the sandbox took port ${taken} instead.`])
    } finally {
      warn.mockRestore()
      await second.close()
      await busy.close()
    }
  })
})

/** The element is scrolled into its message list's visible area (not hidden above or below). */
const withinList = async (list: string, item: ReturnType<typeof bubble>) => {
  const [outer, inner] = await Promise.all([page.locator(list).boundingBox(), item.boundingBox()])
  return Boolean(outer && inner && inner.y >= outer.y - 0.5 && inner.y + inner.height <= outer.y + outer.height + 0.5)
}

/** Elements that stick out of their pane (headings, status lines, controls, thread list, ticket, messages). */
const outsideTheirPane = () =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('.pane')).flatMap((pane) => {
      const box = pane.getBoundingClientRect()
      return Array.from(
        pane.querySelectorAll<HTMLElement>(
          'h2, .status, .thread-head *, .thread-info, .ticket, .composer *, .actions *, #thread-list li, .messages, .error'
        )
      )
        .filter((e) => e.offsetParent !== null)
        .filter((e) => {
          const r = e.getBoundingClientRect()
          return r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5
        })
        .map((e) => `${pane.id}: ${e.id || e.className || e.tagName.toLowerCase()}`)
    })
  )
