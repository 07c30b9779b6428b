import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { browserVersion, findBrowser } from './browser'

/**
 * The flags the machine's notes say headless Chromium needs here (no sandbox as root, no background
 * networking: the closed network refuses those connections by the dozen).
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
]

export type LoopbackBrowser = {
  context: BrowserContext
  page: Page
  /** Page errors and console errors, in order; a test removes the ones it expects and asserts the rest is empty. */
  pageErrors: string[]
  /** The tab `click` opens (a link with target=_blank, window.open); its page errors join `pageErrors`. */
  newTabFrom: (click: () => Promise<void>) => Promise<Page>
  close: () => Promise<void>
}

/**
 * Headless Chromium in a fresh profile that may reach only 127.0.0.1 (anything else is a bug in the
 * page under test, and is aborted), with page and console errors collected.
 */
export const launchLoopbackBrowser = async (opts: { profilePrefix: string; waitMs: number }): Promise<LoopbackBrowser> => {
  const browser = await findBrowser()
  // Fails here, with the binary's own words, when it cannot run on this machine (a missing shared library, say).
  console.info(`browser test: ${browserVersion(browser.executablePath)} (${browser.source}: ${browser.executablePath})`)
  // A fresh profile each run; Playwright takes it as the persistent context's --user-data-dir.
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), opts.profilePrefix))
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: browser.executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  })
  context.setDefaultTimeout(opts.waitMs)
  await context.route(/^(?!https?:\/\/127\.0\.0\.1[:/]|data:|about:)/, (route) => route.abort())
  const page = context.pages()[0] ?? (await context.newPage())
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(`page error: ${err.message}`))
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`console error: ${msg.text()}`)
  })
  return {
    context,
    page,
    pageErrors,
    newTabFrom: async (click) => {
      const [tab] = await Promise.all([context.waitForEvent('page'), click()])
      tab.on('pageerror', (err) => pageErrors.push(`tab error: ${err.message}`))
      return tab
    },
    close: async () => {
      await context.close().catch(() => undefined)
      fs.rmSync(profileDir, { recursive: true, force: true })
    },
  }
}
