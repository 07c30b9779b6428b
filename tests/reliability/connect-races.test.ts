/**
 * The Connect pages under concurrency, over 127.0.0.1. /oauth/start is open to anyone who knows
 * the webhook URL, so whatever it writes must never undo what a callback running at the same time
 * stored (the refresh token just obtained, the setup session).
 */
import { describe, expect, it } from 'vitest'
import type { ConnectionState } from '../../definitions/states'
import { install, useWorld, type World } from './harness'

const env = useWorld()

const connectionOf = (w: World): ConnectionState => (w.fake.states.get('integration:int_1:connection') ?? {}) as ConnectionState

type Answer = { status: number; location: string; cookie: string }
const get = async (url: string, cookie?: string): Promise<Answer> => {
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} })
  await res.text()
  return { status: res.status, location: res.headers.get('location') ?? '', cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '' }
}

/** Holds the next write of the connection state (set or patch) until released. */
const holdNextConnectionWrite = (w: World) => {
  let held = false
  let release = () => {}
  const gate = new Promise<void>((resolve) => (release = resolve))
  let armed = true
  for (const method of ['setState', 'patchState'] as const) {
    const original = w.fake.api[method] as (x: { name: string }) => Promise<unknown>
    ;(w.fake.api as unknown as Record<string, unknown>)[method] = async (x: { name: string }) => {
      if (armed && x.name === 'connection') {
        armed = false
        held = true
        await gate
      }
      return original(x)
    }
  }
  return { held: () => held, release }
}

describe('Connect under concurrency', () => {
  it('a /oauth/start racing the callback never erases the refresh token or the session the callback stored', async () => {
    const w = await env.start({ emulator: { refreshToken: undefined }, configuration: { refreshToken: '', inboxId: '' } })
    await install(w)
    const base = w.bridge.url
    const start = await get(`${base}/oauth/start`)
    const consentPage = await (await fetch(start.location)).text()
    const consent = /name="consent" value="([^"]+)"/.exec(consentPage)?.[1] ?? ''
    const granted = await fetch(w.emu.authorizeUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ consent, decision: 'grant' }).toString(),
    })
    const callbackUrl = granted.headers.get('location') ?? ''

    // Someone else opens /oauth/start: it has read the connection state and is about to write it…
    const gate = holdNextConnectionWrite(w)
    const other = get(`${base}/oauth/start`)
    while (!gate.held()) await new Promise((resolve) => setTimeout(resolve, 5))
    // …while the admin's callback stores the refresh token and opens a setup session.
    const callback = await get(callbackUrl, start.cookie)
    expect(callback.status).toBe(303)
    const stored = connectionOf(w)
    expect(stored.refreshToken).toBeDefined()
    gate.release()
    expect((await other).status).toBe(302)

    const after = connectionOf(w)
    // Compared as a boolean: a failure message must not print the token.
    expect(after.refreshToken === stored.refreshToken, 'refresh token kept after the racing start').toBe(true)
    expect(after.hubId).toBe(stored.hubId)
    expect(after.sessions).toEqual(stored.sessions)
    // The setup page still opens for the admin.
    expect((await get(`${base}/setup`, callback.cookie)).status).toBe(200)
  })
})
