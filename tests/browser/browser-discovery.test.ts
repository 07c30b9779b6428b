import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserVersion, findBrowser } from '../helpers/browser'

/**
 * The order tests/helpers/browser.ts finds a browser in, and that the packaged fallback really runs here: the
 * guarantee that `npm test` passes on a machine with only Node and npm.
 */
let dir: string
let fakeChromium: string
const NO_SYSTEM_PATH = '/nonexistent-bin'
const hasWellKnownSystemBrowser = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/bin/google-chrome'].some((p) =>
  fs.existsSync(p)
)

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-discovery-'))
  fakeChromium = path.join(dir, 'chromium')
  fs.writeFileSync(fakeChromium, '#!/bin/sh\necho "Fake Chromium 1.0"\n', { mode: 0o755 })
})

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('findBrowser', () => {
  it('takes CHROMIUM_PATH first, then CHROME_PATH', async () => {
    expect(await findBrowser({ CHROMIUM_PATH: fakeChromium, CHROME_PATH: '/nope', PATH: NO_SYSTEM_PATH })).toEqual({
      executablePath: fakeChromium,
      source: 'env',
    })
    expect(await findBrowser({ CHROME_PATH: fakeChromium, PATH: NO_SYSTEM_PATH })).toEqual({ executablePath: fakeChromium, source: 'env' })
  })

  it('refuses an env var that points at nothing instead of quietly using another browser', async () => {
    await expect(findBrowser({ CHROMIUM_PATH: path.join(dir, 'missing'), PATH: dir })).rejects.toThrow(/CHROMIUM_PATH=.*missing is not an executable/)
  })

  it('finds a chromium on PATH', async () => {
    expect(await findBrowser({ PATH: `${NO_SYSTEM_PATH}${path.delimiter}${dir}` })).toEqual({ executablePath: fakeChromium, source: 'system' })
  })

  it('falls back to the Chromium shipped in @sparticuz/chromium, and it runs on this machine', async () => {
    // With no env var and nothing on PATH it can only be a well-known path or the package; force the package to be sure.
    const packaged = await findBrowser({ PATH: NO_SYSTEM_PATH, BROWSER_SOURCE: 'package' })
    expect(packaged.source).toBe('package')
    expect(packaged.executablePath).toContain(path.join('node_modules', '.cache', 'packaged-chromium'))
    expect(browserVersion(packaged.executablePath)).toMatch(/^Chromium \d+\./)
    if (!hasWellKnownSystemBrowser) expect(await findBrowser({ PATH: NO_SYSTEM_PATH })).toEqual(packaged)
  }, 120_000)
})
