/**
 * Secret hygiene. Every reliability scenario already ends with `watch.assertClean()` (log lines,
 * errors thrown, console output, webhook answers, against the client secret, the refresh token,
 * the developer API key and every access token the emulator issued). These are the scenarios most
 * likely to leak: HubSpot echoing credentials in error bodies, failures on developer-key requests
 * (whose URL carries `hapikey`), Botpress errors quoting tokens, bad configuration.
 */
import { describe, expect, it } from 'vitest'
import { resetCaches } from '../../src/cache'
import { SECRETS } from '../helpers/props'
import { assertInvariants, install, requestsTo, route, useWorld, type World } from './harness'

const env = useWorld()

/** The access token the integration is using right now (as the emulator issued it). */
const currentToken = (w: World): string => {
  const token = (w.fake.states.get('integration:int_1:oauth') as { accessToken?: string } | undefined)?.accessToken
  if (!token) throw new Error('no cached access token')
  return token
}

/** An error body quoting every credential, the way a proxy or a verbose API might. */
const echoBody = (token: string) => ({
  status: 'error',
  category: 'VALIDATION_ERROR',
  correlationId: 'c-echo',
  message:
    `Rejected request ?hapikey=${SECRETS.developerApiKey}&appId=424242 with Authorization: Bearer ${token}; ` +
    `client_secret=${SECRETS.clientSecret} refresh_token: "${SECRETS.refreshToken}" raw ${SECRETS.developerApiKey} ${token}`,
})

describe('the watch itself', () => {
  it('sees tokens on the wire and in the OAuth cache, and catches a planted secret in each channel', async () => {
    const { w } = await env.ready()
    const token = currentToken(w)
    expect(env.inst.watch.wireTokens.has(token)).toBe(true)
    expect(env.inst.watch.accessTokens.has(token)).toBe(true)
    env.inst.watch.assertClean()

    const planted: [string, () => void][] = [
      ['log', () => w.props.logger.forBot().info(`token ${token}`)],
      ['console', () => console.error('dev key', SECRETS.developerApiKey)],
      ['error', () => env.inst.watch.addError('planted', new Error(`secret ${SECRETS.clientSecret}`))],
      ['webhook answer', () => env.inst.watch.add('webhook response', SECRETS.refreshToken)],
    ]
    for (const [where, plant] of planted) {
      const before = { said: env.inst.watch.said.length, lines: w.lines.length }
      plant()
      expect(() => env.inst.watch.assertClean(), where).toThrow(/secret leak/)
      env.inst.watch.said.length = before.said
      w.lines.length = before.lines
    }
    // The report names where and what, never the value.
    w.props.logger.forBot().warn(SECRETS.clientSecret)
    const message = (() => {
      try {
        env.inst.watch.assertClean()
        return ''
      } catch (err) {
        return (err as Error).message
      }
    })()
    expect(message).toMatch(/client secret in log\.warn/)
    expect(message).not.toContain(SECRETS.clientSecret)
    w.lines.pop()
  })
})

describe('HubSpot echoing credentials', () => {
  it('in the error body of a publish: the RuntimeError quotes HubSpot without any credential', async () => {
    const { w, conversationId } = await env.ready()
    const token = currentToken(w)
    w.emu.faults.failNext(1, { status: 400, body: echoBody(token), match: route.publish })
    const s = await w.send(conversationId, 'msg_echo', 'hello')
    expect((s.error as Error).message).toMatch(/\[400 VALIDATION_ERROR\]: Rejected request .*\[REDACTED\].*c-echo/)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('in a 401 that survives the refresh: neither the old nor the new token appears', async () => {
    const { w, conversationId } = await env.ready()
    const old = currentToken(w)
    w.emu.faults.failNext(1, { status: 401, body: echoBody(old), match: route.publish })
    // The resend with the fresh token is rejected again: the error is final, and still clean.
    w.emu.faults.failNext(1, { status: 401, body: { ...echoBody(old), message: 'still rejected' }, match: route.publish })
    const s = await w.send(conversationId, 'msg_401', 'hello')
    expect((s.error as Error).message).toMatch(/\[401/)
    expect(env.inst.watch.accessTokens.size).toBeGreaterThanOrEqual(2)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('on developer-key calls during register (403 echo, then a reset on the hapikey URL)', async () => {
    const world = await env.start()
    world.emu.faults.failNext(1, { status: 403, body: echoBody('none'), match: route.listChannels })
    await expect(world.register()).rejects.toThrow(/list the app's custom channels \[403/)
    world.emu.faults.resetConnectionNext(1, route.createChannel)
    await expect(world.register()).rejects.toThrow(/create the custom channel \[ECONNRESET\]/)
    await install(world)
    assertInvariants(world, env.inst, [])
  })

  it('on the OAuth refresh (5xx echo, then revoked): clear errors, no client secret or refresh token', async () => {
    const world = await env.start()
    world.emu.faults.failNext(100, { status: 500, body: echoBody('none'), match: route.token })
    await expect(world.register()).rejects.toThrow(/refresh the OAuth access token \[500/)
    world.emu.faults.clear()
    world.emu.faults.revokeRefreshToken()
    await expect(world.register()).rejects.toThrow(/Re-authorize/)
    expect(world.fake.states.has('integration:int_1:setup')).toBe(false)
    assertInvariants(world, env.inst, [])
  })

  it('on an agent attachment HubSpot refuses (signed link, then the note to the agent): the warnings quote HubSpot without any credential', async () => {
    const { w, conversationId, threadId } = await env.ready()
    const token = currentToken(w)
    w.emu.faults.failNext(1, {
      status: 403,
      body: echoBody(token),
      match: (m, p) => m === 'GET' && /^\/files\/2026-03\/files\/[^/]+\/signed-url$/.test(p),
    })
    w.emu.faults.failNext(1, {
      status: 403,
      body: echoBody(token),
      match: (m, p) => m === 'POST' && /^\/conversations\/conversations\/2026-09\/threads\/[^/]+\/messages$/.test(p),
    })
    const attachments = [{ name: 'label.pdf', mimeType: 'application/pdf', content: Buffer.from('%PDF-1.4') }]
    expect((await w.emu.agent.reply(threadId, { text: 'the label', attachments, agentId: '555' })).statuses).toEqual([200])
    const warned = w.lines.filter((l) => l.level === 'warn' && /label\.pdf/.test(l.message)).map((l) => l.message)
    expect(warned.some((m) => /was not passed on to the end user: .*\[403 VALIDATION_ERROR\].*\[REDACTED\]/.test(m))).toBe(true)
    expect(warned.some((m) => /Could not tell the agent .*\[403 VALIDATION_ERROR\].*\[REDACTED\]/.test(m))).toBe(true)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('on unregister: the logged error carries no developer key', async () => {
    const { w, conversationId } = await env.ready()
    w.emu.faults.failNext(1, {
      status: 403,
      body: echoBody(currentToken(w)),
      match: (m, p) => m === 'DELETE' && p.startsWith('/conversations/custom-channels/2026-09/'),
    })
    await w.unregister()
    expect(w.lines.some((l) => l.level === 'error' && /Could not remove the HubSpot custom channel.*403/.test(l.message))).toBe(true)
    await w.unregister()
    expect(w.emu.state.channels.size).toBe(0)
    assertInvariants(w, env.inst, [conversationId])
  })
})

describe('Botpress errors and bad configuration', () => {
  it('a Botpress failure quoting the token while an agent reply is processed: the 500 log is redacted', async () => {
    const { w, conversationId, threadId } = await env.ready()
    const token = currentToken(w)
    w.fake.failNext = { method: 'getOrCreateMessage', error: new Error(`upstream said Bearer ${token} / ${SECRETS.refreshToken}`) }
    expect((await w.emu.agent.reply(threadId, { text: 'redelivered later', agentId: '555' })).statuses).toEqual([500])
    expect(await w.emu.redeliverLast()).toBe(200)
    expect(w.lines.some((l) => l.level === 'error' && /\[REDACTED\]/.test(l.message))).toBe(true)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('the OAuth cache failing with an error quoting the refresh token: warned, redacted, call still made', async () => {
    const { w, conversationId } = await env.ready()
    resetCaches()
    w.fake.failNext = { method: 'getState', error: new Error(`state read failed for refresh_token=${SECRETS.refreshToken}`) }
    const s = await w.send(conversationId, 'msg_cache', 'via a fresh token')
    expect(s.ok).toBe(true)
    expect(w.lines.some((l) => l.level === 'warn' && /Could not read the cached HubSpot access token/.test(l.message))).toBe(true)
    assertInvariants(w, env.inst, [conversationId])
  })

  it('a secret pasted into the wrong field is never quoted back by the configuration error', async () => {
    const world = await env.start({
      configuration: { inboxId: SECRETS.clientSecret, appId: SECRETS.developerApiKey, apiBaseUrl: SECRETS.refreshToken },
    })
    const err = (await world.register().catch((e: unknown) => e)) as Error
    for (const field of [/"Inbox ID" \(inboxId\)/, /"App ID" \(appId\)/, /\(apiBaseUrl\) Invalid url/]) expect(err.message).toMatch(field)
    expect(requestsTo(world.emu, () => true)).toEqual([])
    assertInvariants(world, env.inst, [])
  })

  it('rejected webhooks (bad signatures) log the reason, never the secret or the expected signature', async () => {
    const { w, conversationId } = await env.ready()
    const attempts: Record<string, string>[] = [{}, { 'x-hubspot-signature-v3': 'AAAA', 'x-hubspot-request-timestamp': String(Date.now()) }]
    for (const headers of attempts) {
      expect(await w.emu.deliverRaw(w.props.webhookUrl, '{"type":"OUTGOING_CHANNEL_MESSAGE_CREATED"}', { sign: false, headers })).toBe(401)
    }
    // The second rejection within the minute is counted, not logged (src/webhook/rejection-log.ts).
    expect(w.lines.filter((l) => /Rejected a webhook request/.test(l.message))).toHaveLength(1)
    assertInvariants(w, env.inst, [conversationId])
  })
})
