/**
 * Secret hygiene and forgery resistance of the Connect pages served at the webhook URL, over
 * 127.0.0.1: a browser (fetch, a one-cookie jar) goes through the whole flow against the HubSpot
 * emulator (consent page, real code exchange, setup GET/POST, HubSpot's "Connect a channel"), and
 * every page, redirect (Location, Set-Cookie) and log line is checked for the client secret, the
 * developer API key, refresh and access tokens, the OAuth code and the OAuth state. Then forged
 * and cross-site requests are sent and must change nothing, in Botpress or in HubSpot.
 */
import { describe, expect, it } from 'vitest'
import type { ConnectionState, SetupState } from '../../definitions/states'
import { SECRETS } from '../helpers/props'
import { install, route, useWorld, type World } from './harness'

const env = useWorld()

type Seen = { what: string; status: number; headers: Record<string, string>; body: string }

/** A browser with one cookie (the Connect pages set only one), recording every answer of the webhook host. */
const browserFor = (w: World) => {
  const origin = new URL(w.bridge.url).origin
  const seen: Seen[] = []
  let cookie: string | undefined
  const go = async (
    what: string,
    url: string,
    opts: { form?: Record<string, string>; headers?: Record<string, string>; cookie?: string | null } = {}
  ): Promise<Seen & { location: string; setCookie: string }> => {
    const sendCookie = opts.cookie === null ? undefined : (opts.cookie ?? cookie)
    const res = await fetch(url, {
      method: opts.form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        ...(opts.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(sendCookie ? { cookie: sendCookie } : {}),
        ...opts.headers,
      },
      ...(opts.form ? { body: new URLSearchParams(opts.form).toString() } : {}),
    })
    const headers: Record<string, string> = {}
    res.headers.forEach((v, k) => (headers[k] = v))
    const answer = { what, status: res.status, headers, body: await res.text() }
    if (url.startsWith(origin)) seen.push(answer)
    const setCookie = headers['set-cookie'] ?? ''
    // The jar keeps what a browser would: the cookie is set by the webhook host only.
    if (setCookie && url.startsWith(origin) && opts.cookie === undefined) cookie = setCookie.split(';')[0]
    return { ...answer, location: headers.location ?? '', setCookie }
  }
  return { go, seen, origin, cookie: () => cookie }
}

const connectionOf = (w: World): ConnectionState => (w.fake.states.get('integration:int_1:connection') ?? {}) as ConnectionState
const setupOf = (w: World): SetupState => w.fake.states.get('integration:int_1:setup') as SetupState
const csrfOf = (page: string): string => /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? ''

describe('the Connect flow over HTTP: no secret in any page, redirect or log; forgeries change nothing', () => {
  it('start, consent, code exchange, setup GET/POST, connect from HubSpot, then forged and cross-site requests', async () => {
    const w = await env.start({
      // No refresh token anywhere: the only one is the one HubSpot issues for the code.
      emulator: {
        refreshToken: undefined,
        inboxes: [
          { id: '1001', name: 'Support', type: 'INBOX' },
          { id: '1002', name: 'EU desk', type: 'HELP_DESK' },
        ],
      },
      configuration: { refreshToken: '', inboxId: '' },
    })
    const watch = env.inst.watch
    await install(w)
    const b = browserFor(w)
    const base = w.bridge.url

    // 1. /oauth/start → HubSpot's consent page, with the state bound to this browser's cookie.
    const start = await b.go('start', `${base}/oauth/start`)
    expect(start.status).toBe(302)
    const state = new URL(start.location).searchParams.get('state') ?? ''
    expect(state.length).toBeGreaterThanOrEqual(40)
    watch.extra.push({ name: 'OAuth state', value: state })
    expect(start.setCookie).toMatch(/^hubspot_hitl_connect=flow\.[\w-]+; Path=\/wh_123; Max-Age=600; HttpOnly; SameSite=Lax$/)
    const flowCookie = b.cookie() ?? ''

    // 2. The admin grants access on HubSpot's page; HubSpot sends the browser back with a code.
    const consentPage = await b.go('consent page', start.location)
    const consent = /name="consent" value="([^"]+)"/.exec(consentPage.body)?.[1] ?? ''
    const granted = await b.go('grant', w.emu.authorizeUrl, { form: { consent, decision: 'grant' } })
    const back = new URL(granted.location)
    expect(`${back.origin}${back.pathname}`).toBe(`${base}/oauth/callback`)
    const code = back.searchParams.get('code') ?? ''
    expect(code).not.toBe('')
    watch.extra.push({ name: 'OAuth code', value: code })

    // 3. The callback exchanges the code for real, then opens the setup page with a session.
    const callback = await b.go('callback', granted.location)
    expect(callback.status).toBe(303)
    expect(callback.location).toBe(`${base}/setup`)
    expect(callback.setCookie).toMatch(/^hubspot_hitl_connect=session\.[\w-]+; Path=\/wh_123; Max-Age=3600; HttpOnly; SameSite=Lax$/)
    const issued = connectionOf(w).refreshToken ?? ''
    expect(w.emu.requests.some((r) => r.method === 'POST' && r.path === '/oauth/2026-03/token')).toBe(true)
    expect(issued).not.toBe('')
    watch.extra.push({ name: 'issued refresh token', value: issued })
    // The flow cookie is replaced by a new session (never the state value again).
    const sessionCookie = b.cookie() ?? ''
    expect(sessionCookie).toMatch(/^hubspot_hitl_connect=session\./)
    expect(sessionCookie).not.toContain(state)

    // 4. The setup page, then the choice of inboxes (with the page's CSRF token, from its origin).
    const setupPage = await b.go('setup GET', `${base}/setup`)
    expect(setupPage.status).toBe(200)
    expect(setupPage.body).toContain('EU desk')
    const csrf = csrfOf(setupPage.body)
    expect(csrf).not.toBe('')
    const saved = await b.go('setup POST', `${base}/setup`, {
      form: { csrf, inbox: '1001', default: '1001' },
      headers: { origin: b.origin, 'sec-fetch-site': 'same-origin' },
    })
    expect(saved.status).toBe(303)
    await w.emu.settle()
    expect(setupOf(w).inboxChoice).toEqual({ inboxIds: ['1001'] })
    expect(setupOf(w).channelAccounts['1001']?.authorized).toBe(true)
    expect((await b.go('setup GET after save', `${base}/setup`)).body).toContain('Every chosen inbox is connected')

    // 5. An admin connects the channel to the help desk from HubSpot's settings.
    const { url: connectUrl } = w.emu.connectChannel(setupOf(w).channelId, '1002')
    const connected = await b.go('connect', connectUrl)
    expect(connected.status).toBe(302)
    expect(new URL(connected.location).origin).toBe(w.emu.url)
    await w.emu.settle()
    expect(setupOf(w).channelAccounts['1002']?.authorized).toBe(true)

    // 6. Forgeries: nothing may change in Botpress or in HubSpot. The Connect window is closed.
    w.fake.states.set('integration:int_1:setup', { ...setupOf(w), connectWindowUntil: 0 })
    const before = JSON.stringify([connectionOf(w), setupOf(w)])
    const hubspotCalls = w.emu.requests.length
    const evil = { origin: 'https://evil.example.test', 'sec-fetch-site': 'cross-site' }
    const forged: [string, Promise<{ status: number; body: string }>, number][] = [
      ['callback replayed with the spent flow cookie', b.go('replay', granted.location, { cookie: flowCookie }), 400],
      ['callback replayed with the session cookie', b.go('replay 2', granted.location), 400],
      ['callback with the code but a forged state', b.go('forged state', `${base}/oauth/callback?code=${code}&state=${'A'.repeat(43)}`), 400],
      ['setup GET by a stranger', b.go('stranger GET', `${base}/setup`, { cookie: null }), 403],
      ['setup POST by a stranger', b.go('stranger POST', `${base}/setup`, { cookie: null, form: { csrf, inbox: '1002', default: '1002' } }), 403],
      ['setup POST without the CSRF token', b.go('no csrf', `${base}/setup`, { form: { inbox: '1002', default: '1002' } }), 403],
      ['setup POST from another site', b.go('cross-site', `${base}/setup`, { form: { csrf, inbox: '1002', default: '1002' }, headers: evil }), 403],
      [
        'setup POST as JSON',
        b.go('json', `${base}/setup`, {
          form: { csrf, inbox: '1002', default: '1002' },
          headers: { 'content-type': 'application/json' },
        }),
        403,
      ],
      [
        'connect to a non-HubSpot return address',
        b.go('open redirect', `${base}/connect?accountToken=tok-123&channelId=${setupOf(w).channelId}&redirectUrl=https://evil.example.test/`),
        400,
      ],
      [
        'connect with a protocol-relative return address',
        b.go('open redirect 2', `${base}/connect?accountToken=tok-123&channelId=${setupOf(w).channelId}&redirectUrl=//evil.example.test/`),
        400,
      ],
      ['connect for a channel that is not ours', b.go('other channel', `${base}/connect?accountToken=tok-123&channelId=999999`), 404],
    ]
    for (const [what, answer, status] of forged) {
      const res = await answer
      expect(res.status, what).toBe(status)
      // A refusal shows nothing of the installation.
      for (const detail of ['Support', 'EU desk', '12345678']) expect(res.body, what).not.toContain(detail)
    }
    expect(JSON.stringify([connectionOf(w), setupOf(w)])).toBe(before)
    expect(
      w.emu.requests.slice(hubspotCalls).map((r) => `${r.method} ${r.path}`),
      'HubSpot calls made by forged requests'
    ).toEqual([])

    // 7. Every answer of the webhook host: no secret, code or state in status, headers or body
    //    (the state goes out once, to HubSpot, in the start redirect and its cookie).
    const secrets = [...watch.secrets(), { name: 'configured refresh token', value: SECRETS.refreshToken }]
    expect(b.seen.length).toBeGreaterThanOrEqual(15)
    for (const s of b.seen) {
      const text = `${s.status}\n${JSON.stringify(s.headers)}\n${s.body}`
      for (const { name, value } of secrets) {
        if (s.what === 'start' && name === 'OAuth state') continue
        expect(text.includes(value), `${name} in the answer to ${s.what}`).toBe(false)
      }
    }
    // The logs said what happened (the afterEach checks them, and console and errors, for every secret above).
    expect(w.lines.some((l) => /Connected HubSpot account 12345678/.test(l.message))).toBe(true)
  })

  it('a refused code exchange where HubSpot quotes the code and the client secret: neither reaches the page or the logs', async () => {
    const w = await env.start({ emulator: { refreshToken: undefined }, configuration: { refreshToken: '', inboxId: '' } })
    const watch = env.inst.watch
    await install(w)
    const b = browserFor(w)
    const start = await b.go('start', `${w.bridge.url}/oauth/start`)
    const state = new URL(start.location).searchParams.get('state') ?? ''
    watch.extra.push({ name: 'OAuth state', value: state })
    const consentPage = await b.go('consent page', start.location)
    const consent = /name="consent" value="([^"]+)"/.exec(consentPage.body)?.[1] ?? ''
    const granted = await b.go('grant', w.emu.authorizeUrl, { form: { consent, decision: 'grant' } })
    const code = new URL(granted.location).searchParams.get('code') ?? ''
    watch.extra.push({ name: 'OAuth code', value: code })
    // The way a verbose API (or a proxy) might answer: the code as a bare word, the secret as a field.
    w.emu.faults.failNext(1, {
      status: 400,
      body: { status: 'BAD_AUTH_CODE', message: `auth code ${code} expired (state ${state}); client_secret=${SECRETS.clientSecret}` },
      match: route.token,
    })
    const callback = await b.go('callback', granted.location)
    expect(callback.status).toBe(400)
    expect(callback.body).toContain('HubSpot refused the connection')
    expect(connectionOf(w).refreshToken).toBeUndefined()
    expect(w.lines.some((l) => l.level === 'warn' && /failed at the code exchange/.test(l.message))).toBe(true)
    for (const s of b.seen.filter((x) => x.what !== 'start')) {
      for (const { name, value } of watch.secrets())
        expect(`${JSON.stringify(s.headers)}\n${s.body}`.includes(value), `${name} in ${s.what}`).toBe(false)
    }
    // The afterEach's watch checks the logs for the code, the state and the client secret.
  })
})
