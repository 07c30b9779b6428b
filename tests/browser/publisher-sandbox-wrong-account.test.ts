import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sandboxStackOf, startPublisherStack, type PublisherBot, type PublisherStack } from '../../dev/sandbox/publisher-stack'
import { startWebServer, type SandboxWeb } from '../../dev/sandbox/web'
import integration from '../../src/index'
import { httpTuning } from '../../src/hubspot'
import { setupTuning } from '../../src/setup/register'
import { launchLoopbackBrowser, type LoopbackBrowser } from '../helpers/loopback-browser'

/**
 * The two-bot sandbox's account picker lists both emulated accounts. A newcomer who picks the other
 * bot's account on Bot Alpha's page is told so on that page (its escalations would show on the
 * other page's agent view), with the account to choose instead.
 */
let stack: PublisherStack | undefined
let web: SandboxWeb | undefined
let session: LoopbackBrowser | undefined

beforeAll(async () => {
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [10, 10, 10]
  stack = await startPublisherStack({ integration })
  web = await startWebServer(sandboxStackOf(stack, stack.bots[0]!), 0)
  session = await launchLoopbackBrowser({ profilePrefix: 'sandbox-wrong-account-chromium-', waitMs: 10_000 })
}, 60_000)

afterAll(async () => {
  await session?.close()
  await web?.close()
  await stack?.close()
})

describe('the publisher sandbox, a bot connected to the other bot’s account', () => {
  it('says so on its page, and which account to choose instead', async () => {
    const [alpha, beta] = stack!.bots as [PublisherBot, PublisherBot]
    const { page } = session!
    await page.goto(web!.url)
    const tab = await session!.newTabFrom(() => page.locator('#connect-hubspot').click())
    await tab.locator('a', { hasText: `Account ${beta.portalId}` }).click()
    await tab.locator('button', { hasText: 'Grant access' }).click()
    await tab.waitForURL(alpha.connectUrls.setup)
    await tab.close()
    const banner = page.locator('#connect-banner.todo', { hasText: `connected to HubSpot account ${beta.portalId}, the other bot's account` })
    await banner.waitFor()
    expect(await banner.textContent()).toContain(`choose account ${alpha.portalId}`)
    expect(await page.locator('#connect-hubspot').getAttribute('href')).toBe(alpha.connectUrls.start)
    expect(session!.pageErrors).toEqual([])
  })
})
