import type * as http from 'node:http'
import { once } from 'node:events'
import { closeServer } from './http'

/** What `new sdk.Integration(...)` offers: `start(port)` resolves with the node server it created. */
export type StartableIntegration = { start(port?: number): Promise<http.Server> }

export type RunningIntegration = { url: string; server: http.Server; close(): Promise<void> }

export type LoopbackOptions = {
  /**
   * The integration's secrets, as Botpress gives a deployed integration (`bp deploy --secrets
   * NAME=value`): set as env `SECRET_<NAME>` for as long as it runs (the SDK and the integration
   * read them from there), restored on close. Names are given without the `SECRET_` prefix.
   */
  secrets?: Record<string, string>
}

/**
 * Runs the SDK's own integration HTTP server (`integration.start`) and moves it to 127.0.0.1 on a
 * free port: sdk 5.4.3's `start(port)` listens on every interface, so it is closed and re-bound to
 * loopback before any request reaches it. The request handling stays the SDK's own.
 */
export const startIntegrationOnLoopback = async (integration: StartableIntegration, opts: LoopbackOptions = {}): Promise<RunningIntegration> => {
  // The SDK announces "Listening on port 0" with console.info for this first, throw-away listen: drop exactly that line.
  const info = console.info
  console.info = (...args: unknown[]) => {
    if (args.length === 1 && typeof args[0] === 'string' && /^Listening on port \d+$/.test(args[0])) return
    info(...args)
  }
  let server: http.Server
  try {
    server = await integration.start(0)
    if (!server.listening) await once(server, 'listening')
    // `listening` turns true before the event (and the SDK's log) fires on the next tick: let it pass.
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    console.info = info
  }
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (!address || typeof address !== 'object') throw new Error('The integration server has no TCP address')
  // Set once the server runs (a failed start leaves env untouched); the SDK reads them per request.
  const restoreEnv = setSecrets(opts.secrets ?? {})
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    close: async () => {
      await closeServer(server)
      restoreEnv()
    },
  }
}

/** Sets `SECRET_<NAME>` for each secret; the returned function puts back what was there before. */
const setSecrets = (secrets: Record<string, string>): (() => void) => {
  const before = new Map<string, string | undefined>()
  for (const [name, value] of Object.entries(secrets)) {
    const key = `SECRET_${name.replace(/^SECRET_/, '')}`
    if (!before.has(key)) before.set(key, process.env[key])
    process.env[key] = value
  }
  return () => {
    for (const [key, value] of before) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}
