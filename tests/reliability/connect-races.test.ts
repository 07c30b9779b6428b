/**
 * The Connect pages under concurrency, over 127.0.0.1. /oauth/start and /oauth/callback are open to
 * anyone who knows the webhook URL: /oauth/start writes nothing, and what a stranger's callback writes
 * (its own state, spent) must never undo what the admin's callback running at the same time stored
 * (the refresh token just obtained, the setup session).
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

/** Holds the next write of the connection state (set, get-or-set or patch) until released. */
const holdNextConnectionWrite = (w: World) => {
  let held = false
  let release = () => {}
  const gate = new Promise<void>((resolve) => (release = resolve))
  let armed = true
  for (const method of ['setState', 'getOrSetState', 'patchState'] as const) {
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
  it('a stranger’s start and callback racing the admin’s callback never erase the refresh token or the session it stored', async () => {
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

    const gate = holdNextConnectionWrite(w)
    // Someone else opens /oauth/start: it writes nothing (its state verifies itself)…
    const strangerStart = await get(`${base}/oauth/start`)
    expect(strangerStart.status).toBe(302)
    expect(gate.held()).toBe(false)
    // …then brings its own state back with a made-up code: it has read the connection state and is
    // about to record that state as spent…
    const strangerState = new URL(strangerStart.location).searchParams.get('state') ?? ''
    const other = get(`${base}/oauth/callback?${new URLSearchParams({ code: 'made-up-code', state: strangerState })}`, strangerStart.cookie)
    while (!gate.held()) await new Promise((resolve) => setTimeout(resolve, 5))
    // …while the admin's callback stores the refresh token and opens a setup session.
    const callback = await get(callbackUrl, start.cookie)
    expect(callback.status).toBe(303)
    const stored = connectionOf(w)
    expect(stored.refreshToken).toBeDefined()
    gate.release()
    // The made-up code is refused by HubSpot (the emulator): a clear page, nothing connected by it.
    expect((await other).status).toBe(400)

    const after = connectionOf(w)
    // Compared as a boolean: a failure message must not print the token.
    expect(after.refreshToken === stored.refreshToken, 'refresh token kept after the racing start').toBe(true)
    expect(after.hubId).toBe(stored.hubId)
    expect(after.sessions).toEqual(stored.sessions)
    // The setup page still opens for the admin.
    expect((await get(`${base}/setup`, callback.cookie)).status).toBe(200)
  })
})
