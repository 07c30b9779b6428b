import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'

/**
 * Which Chromium the browser tests drive, so that `npm test` passes on a machine with only Node and npm.
 *
 * Order (first hit wins):
 * 1. `CHROMIUM_PATH` or `CHROME_PATH`: an explicit choice; an error if it points at nothing, never a silent fallback.
 * 2. A system Chromium or Chrome on PATH or at a well-known path (Debian's `apt-get install chromium`, Ubuntu, Google Chrome).
 * 3. The headless Chromium shipped inside the `@sparticuz/chromium` devDependency (a brotli-compressed binary in the npm
 *    package: nothing is downloaded). It is unpacked once into node_modules/.cache and reused.
 *
 * `BROWSER_SOURCE=package` skips 2 (how CI-like runs check the packaged browser on a machine that has a system one).
 */
export type Browser = {
  executablePath: string
  /** Where it came from, for the test's log line and error messages. */
  source: 'env' | 'system' | 'package'
}

const ENV_VARS = ['CHROMIUM_PATH', 'CHROME_PATH'] as const
const SYSTEM_COMMANDS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']
const SYSTEM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/bin/google-chrome', '/opt/google/chrome/chrome']

const isExecutable = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/** `which`, done by hand so it needs no package and no shell. */
const onPath = (command: string, searchPath = process.env.PATH ?? ''): string | undefined => {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue
    const candidate = path.join(dir, command)
    if (isExecutable(candidate)) return fs.realpathSync(candidate)
  }
  return undefined
}

export const findSystemBrowser = (searchPath?: string): string | undefined => {
  for (const command of SYSTEM_COMMANDS) {
    const found = onPath(command, searchPath)
    if (found) return found
  }
  return SYSTEM_PATHS.find(isExecutable)
}

const PROJECT_ROOT = path.join(__dirname, '..', '..')

/**
 * Unpacks @sparticuz/chromium into node_modules/.cache/packaged-chromium/<version>.
 *
 * The package unpacks into `os.tmpdir()` and returns an existing `<tmpdir>/chromium` as-is, so a half-written file
 * from an interrupted run (or another checkout unpacking at the same moment) would be used. Instead it unpacks into a
 * private staging directory (TMPDIR pointed there for the call) and renames it into place, which is atomic: a cache
 * directory that exists is complete.
 */
const unpackPackagedBrowser = async (): Promise<string> => {
  let version: string
  try {
    // The package's exports hide package.json: find it from its entry point (…/@sparticuz/chromium/build/cjs/index.cjs).
    const entry = createRequire(path.join(PROJECT_ROOT, 'package.json')).resolve('@sparticuz/chromium')
    const manifest = path.join(entry, '..', '..', '..', 'package.json')
    version = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version
  } catch {
    throw new Error(
      'No Chromium found: set CHROMIUM_PATH, install one (Debian: apt-get install chromium), or run `npm ci` so the ' +
        '@sparticuz/chromium devDependency is present.'
    )
  }
  const cacheRoot = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'packaged-chromium')
  const target = path.join(cacheRoot, version)
  const binary = path.join(target, 'chromium')
  if (isExecutable(binary)) return binary

  fs.mkdirSync(cacheRoot, { recursive: true })
  const staging = fs.mkdtempSync(path.join(cacheRoot, '.staging-'))
  const savedTmpdir = process.env.TMPDIR
  try {
    process.env.TMPDIR = staging
    // Loaded lazily: it is only needed when no other browser is found.
    const packaged = (await import('@sparticuz/chromium')).default
    const unpacked = await packaged.executablePath()
    if (path.dirname(unpacked) !== staging) throw new Error(`@sparticuz/chromium unpacked to ${unpacked}, not into ${staging}`)
  } finally {
    if (savedTmpdir === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = savedTmpdir
  }
  try {
    fs.renameSync(staging, target)
  } catch (err) {
    // Another run finished first: its copy is complete, use it.
    fs.rmSync(staging, { recursive: true, force: true })
    if (!isExecutable(binary)) throw err
  }
  return binary
}

export const findBrowser = async (env: NodeJS.ProcessEnv = process.env): Promise<Browser> => {
  for (const name of ENV_VARS) {
    const value = env[name]
    if (!value) continue
    if (!isExecutable(value)) throw new Error(`${name}=${value} is not an executable file; unset it to let the tests find a browser`)
    return { executablePath: value, source: 'env' }
  }
  if (env.BROWSER_SOURCE !== 'package') {
    const system = findSystemBrowser(env.PATH)
    if (system) return { executablePath: system, source: 'system' }
  }
  return { executablePath: await unpackPackagedBrowser(), source: 'package' }
}

/** The browser's own `--version` line: proves the binary runs on this machine before Playwright tries it. */
export const browserVersion = (executablePath: string): string =>
  execFileSync(executablePath, ['--version', '--no-sandbox', '--headless'], { encoding: 'utf8', timeout: 30_000 }).trim()
