import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { seedEndUser, seedHitlConversation, seedSetup, SETUP } from '../../tests/helpers/hitl-fixtures'
import { hubspot, nockTokenRefresh } from '../../tests/helpers/nock-hubspot'
import { baseConfig, makeProps, SECRETS } from '../../tests/helpers/props'
import { signedRequest } from '../../tests/helpers/sign'
import { agentReply, propertyChange as change } from '../../tests/helpers/webhook-events'
import { resetCaches } from '../cache'
import { endpoints } from '../hubspot/endpoints'
import { credentialsFingerprint } from '../hubspot/token-manager'
import { patchConnection } from '../connect/connection-state'
import { httpTuning } from '../hubspot'
import { handler } from './handler'
import { BINDING_RECHECK_MS, mismatchOf } from './installation'
import { fakeChannelMessage } from '../../tests/helpers/hubspot-fakes'

const OUR_PORTAL = '243842089' // the portal of tests/helpers/webhook-events.ts
const CONNECTION = 'integration:int_1:connection'
const SETUP_KEY = 'integration:int_1:setup'

/** An installation made with Connect (no configured refresh token), whose connection names our portal unless told otherwise. */
const setup = async (opts: { connected?: boolean; hubId?: string } = {}) => {
  const props = opts.connected === false ? makeProps() : makeProps({ configuration: { refreshToken: undefined } })
  seedSetup(props.fake)
  if (opts.connected !== false) props.fake.states.set(CONNECTION, { refreshToken: 'stored-refresh', hubId: opts.hubId ?? OUR_PORTAL })
  const user = await seedEndUser(props.fake)
  const conversation = await seedHitlConversation(props.fake, user.id)
  const deliver = async (body: unknown) => (await handler({ ...props, req: signedRequest(body) }))?.status
  const stopped = () => props.fake.events.filter((e) => e.type === 'hitlStopped').length
  const stateReads = () => props.fake.calls.filter((c) => c === 'getState').length
  const debug = () => props.lines.filter((l) => l.level === 'debug').map((l) => l.message)
  return { props, conversation, deliver, stopped, stateReads, debug }
}

const close = (overrides: Record<string, unknown> = {}, eventId = 5) => ({ ...change(eventId, 'status', 'CLOSED'), ...overrides })

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
})
afterEach(() => {
  vi.useRealTimers()
  nock.cleanAll()
})

describe('the binding rule', () => {
  it('a claim that differs is a mismatch; an absent field, on either side, is not', () => {
    const ours = { channelId: 'ch1', hubId: '555', appId: '42' }
    expect(mismatchOf(ours, {})).toBeUndefined()
    expect(mismatchOf(ours, { channelIds: ['ch1', undefined], portalId: '555', appId: '42' })).toBeUndefined()
    expect(mismatchOf(ours, { channelIds: ['ch1', 'ch2'] })).toMatchObject({ field: 'channel', value: 'ch2' })
    expect(mismatchOf(ours, { portalId: '999' })).toMatchObject({ field: 'portal', value: '999' })
    expect(mismatchOf(ours, { appId: '7' })).toMatchObject({ field: 'app', value: '7' })
    expect(mismatchOf({}, { channelIds: ['x'], portalId: '1', appId: '2' })).toBeUndefined()
    expect(mismatchOf({ hubId: null }, { portalId: '1' })).toBeUndefined()
  })
})

describe('app-webhook batches: portal and app', () => {
  it('an event naming another portal (our account known from Connect) is ignored with a debug line; ours still acts', async () => {
    const { deliver, stopped, debug } = await setup()
    expect(await deliver([close({ portalId: 999 })])).toBe(200)
    expect(stopped()).toBe(0)
    expect(debug().some((m) => /another installation \(HubSpot account 999, while this bot is connected to 243842089\)/.test(m))).toBe(true)
    expect(await deliver([close({ portalId: 999 }, 6), close({}, 7)])).toBe(200)
    expect(stopped()).toBe(1)
  })

  it('an event naming another app than the configured one is ignored; absent portal and app are not a mismatch', async () => {
    const { deliver, stopped } = await setup()
    expect(await deliver([close({ appId: 777 })])).toBe(200)
    expect(stopped()).toBe(0)
    const { portalId: _p, appId: _a, ...bare } = close({}, 8)
    expect(await deliver([bare])).toBe(200)
    expect(stopped()).toBe(1)
  })

  it('before any account is known (not connected yet, or a configured token whose account HubSpot never named), the portal is not compared', async () => {
    const notYet = await setup({ connected: true, hubId: '' })
    notYet.props.fake.states.set(CONNECTION, { refreshToken: 'stored-refresh' })
    expect(await notYet.deliver([close({ portalId: 999 })])).toBe(200)
    expect(notYet.stopped()).toBe(1)

    resetCaches()
    // A configured token wins over the Connect flow's, so a hubId an earlier Connect left behind says nothing.
    const configured = await setup({ connected: false })
    configured.props.fake.states.set(CONNECTION, { refreshToken: 'stored-refresh', hubId: '555' })
    expect(await configured.deliver([close({ portalId: 999 })])).toBe(200)
    expect(configured.stopped()).toBe(1)
    expect(configured.props.fake.calls).not.toContain('getOrSetState')
  })
})

describe('portal binding with a configured refresh token (issue 17, point 4)', () => {
  const OAUTH = 'integration:int_1:oauth'
  /** The cached token was issued for the configured client id and refresh token. */
  const OURS = credentialsFingerprint(baseConfig.clientId, SECRETS.refreshToken)

  it("the token's account (hub_id, kept with the cached token) binds: an agent message and a close from portal 99999 do nothing", async () => {
    const { props, deliver, stopped, debug, stateReads } = await setup({ connected: false })
    props.fake.states.set(OAUTH, { accessToken: 'at-cached-123456', expiresAt: Date.now() + 3_600_000, fingerprint: OURS, hubId: OUR_PORTAL })
    expect(await deliver({ ...agentReply('m1'), portalId: '99999' })).toBe(200)
    expect(props.fake.messages.size).toBe(0)
    expect(await deliver([close({ portalId: 99999 })])).toBe(200)
    expect(stopped()).toBe(0)
    expect(debug().filter((m) => /HubSpot account 99999, while this bot is connected to 243842089/.test(m))).toHaveLength(2)
    // Cold start: the token's account is read once (the oauth state), then kept in memory.
    const reads = stateReads()
    expect(await deliver([close({ portalId: 99999 }, 9)])).toBe(200)
    expect(stateReads()).toBe(reads) // warm: the setup and the account are in memory
    expect(await deliver([close({}, 10)])).toBe(200)
    expect(stopped()).toBe(1)
  })

  it('a token cached for other credentials (an earlier refresh token, or the Connect flow’s) names another grant’s account: it binds nothing', async () => {
    // The bot builder replaced the refresh token with one of account 243842089; the cache still holds account 555's token.
    const { props, deliver, stopped } = await setup({ connected: false })
    props.fake.states.set(OAUTH, { accessToken: 'at-old-account-1', expiresAt: Date.now() + 3_600_000, fingerprint: 'other-grant', hubId: '555' })
    expect(await deliver([close({ portalId: Number(OUR_PORTAL) })])).toBe(200)
    // Not dropped as another account's: unknown until the next refresh records this token's account, nothing is compared.
    expect(stopped()).toBe(1)
  })

  it('with a configured token, a mismatch re-reads the cached token’s account (another instance refreshed it), not the connection', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const { props, deliver, stopped } = await setup({ connected: false })
      props.fake.states.set(OAUTH, { accessToken: 'at-cached-123456', expiresAt: Date.now() + 3_600_000, fingerprint: OURS, hubId: '555' })
      await seedHitlConversation(props.fake, 'user_x', '9002')
      expect(await deliver([close({ portalId: Number(OUR_PORTAL) })])).toBe(200)
      expect(stopped()).toBe(0) // 555 recorded: our portal's event looks foreign; the re-read found the same
      vi.setSystemTime(Date.now() + BINDING_RECHECK_MS)
      props.fake.states.set(OAUTH, { accessToken: 'at-fresh-7654321', expiresAt: Date.now() + 3_600_000, fingerprint: OURS, hubId: OUR_PORTAL })
      expect(await deliver([close({ portalId: Number(OUR_PORTAL), objectId: 9002 }, 2)])).toBe(200)
      expect(stopped()).toBe(1)
    } finally {
      vi.useRealTimers()
    }
  })

  it('a refresh records hub_id of the token response with the cached token, and binds from then on', async () => {
    const { props, deliver, stopped } = await setup({ connected: false })
    hubspot()
      .post('/oauth/2026-03/token', (body: Record<string, string>) => body.grant_type === 'refresh_token')
      .reply(200, {
        access_token: 'at-fresh-1234567',
        refresh_token: 'rt',
        expires_in: 1800,
        token_type: 'bearer',
        token_use: 'access_token',
        hub_id: 243842089,
      })
    // Any OAuth call will do: the owners list is one (an empty page, as HubSpot answers an account without owners).
    hubspot().get(endpoints.owners.owners()).reply(200, { results: [] })
    const { createHubspotClient } = await import('../hubspot')
    const { z } = await import('@botpress/sdk')
    await createHubspotClient(props).http.request({
      method: 'GET',
      path: endpoints.owners.owners(),
      auth: 'oauth',
      schema: z.unknown(),
      operation: 'test',
    })
    expect(props.fake.states.get(OAUTH)).toMatchObject({ hubId: OUR_PORTAL })
    expect(await deliver([close({ portalId: 99999 })])).toBe(200)
    expect(stopped()).toBe(0)
    expect(nock.isDone()).toBe(true)
  })
})

describe('app-webhook batches: the configuration as typed, mixed batches', () => {
  const typed = async (configuration: Record<string, unknown>) => {
    const props = makeProps({ configuration })
    seedSetup(props.fake)
    props.fake.states.set(CONNECTION, { refreshToken: 'stored-refresh', hubId: OUR_PORTAL })
    await seedHitlConversation(props.fake, (await seedEndUser(props.fake)).id)
    const deliver = async (body: unknown) => (await handler({ ...props, req: signedRequest(body) }))?.status
    return { deliver, stopped: () => props.fake.events.filter((e) => e.type === 'hitlStopped').length }
  }

  it('an app id typed with spaces still binds our app; a blank refresh token is no configured token (the portal is compared)', async () => {
    const { deliver, stopped } = await typed({ appId: ' 424242 ', refreshToken: '   ' })
    expect(await deliver([close({ portalId: 999 })])).toBe(200)
    expect(stopped()).toBe(0)
    expect(await deliver([close({}, 6)])).toBe(200)
    expect(stopped()).toBe(1)
  })

  it('cold, a batch where only some events name a portal still reads our account and ignores the foreign one', async () => {
    const { props, deliver, stopped } = await setup()
    await seedHitlConversation(props.fake, 'user_x', '9002')
    const { portalId: _p, ...bare } = close({ objectId: 9002 }, 1)
    expect(await deliver([bare, close({ portalId: 999 }, 2)])).toBe(200)
    expect(stopped()).toBe(1) // 9002 only
  })

  it('our account bound again elsewhere: a batch where only one event names the new account still re-reads, and acts on it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { props, deliver, stopped } = await setup({ hubId: '555' })
    expect(await deliver([change(1, 'status', 'OPEN', 7001)])).toBe(200) // identity cached with account 555, re-read used
    vi.setSystemTime(Date.now() + BINDING_RECHECK_MS)
    props.fake.states.set(CONNECTION, { refreshToken: 'stored-refresh', hubId: OUR_PORTAL })
    const { portalId: _p, ...bare } = change(3, 'status', 'OPEN', 7002) // names no account: never a mismatch
    expect(await deliver([close({}, 2), bare])).toBe(200)
    expect(stopped()).toBe(1)
  })

  it('concurrent deliveries waiting on one re-read all use what it found', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { props, deliver, stopped } = await setup({ hubId: '555' })
    for (const thread of ['9002', '9003']) await seedHitlConversation(props.fake, `user_${thread}`, thread)
    expect(await deliver([change(1, 'status', 'OPEN', 7001)])).toBe(200) // identity cached with 555, re-read used
    vi.setSystemTime(Date.now() + BINDING_RECHECK_MS)
    props.fake.states.set(CONNECTION, { refreshToken: 'stored-refresh', hubId: OUR_PORTAL })
    const statuses = await Promise.all([9001, 9002, 9003].map((thread, i) => deliver([close({ objectId: thread }, 10 + i)])))
    expect(statuses).toEqual([200, 200, 200])
    expect(stopped()).toBe(3)
  })
})

describe('custom-channel events: channel and portal', () => {
  it('an agent reply naming another channel, at the top level or in the message, posts nothing and calls nobody', async () => {
    const { props, deliver, debug } = await setup({ connected: false })
    expect(await deliver({ ...agentReply('m2'), channelId: 'ch-other' })).toBe(200)
    expect(await deliver(agentReply('m3', { channelId: 'ch-other' }))).toBe(200)
    expect(props.fake.messages.size).toBe(0)
    expect(props.fake.calls).not.toContain('listConversations')
    expect(
      debug().filter((m) => /Ignored OUTGOING_CHANNEL_MESSAGE_CREATED: it names custom channel ch-other, while this installation's is ch1/.test(m))
    ).toHaveLength(2)
  })

  it('an agent reply naming another portal is ignored; one of ours is delivered', async () => {
    const { props, deliver } = await setup({ hubId: '555' })
    expect(await deliver(agentReply('m1'))).toBe(200) // portal 243842089 ≠ 555
    expect(props.fake.messages.size).toBe(0)
    hubspot()
      .post('/oauth/2026-03/token')
      .reply(200, { access_token: 'at', refresh_token: 'rt', expires_in: 1800, token_type: 'bearer', token_use: 'access_token' })
    hubspot().get('/conversations/conversations/2026-09/actors/A-77').reply(200, { id: 'A-77', type: 'AGENT', name: 'Maya' })
    hubspot()
      .patch('/conversations/custom-channels/2026-09/ch1/messages/m2')
      .reply(200, fakeChannelMessage({ id: 'm2', direction: 'OUTGOING' }))
    expect(await deliver({ ...agentReply('m2'), portalId: '555' })).toBe(200)
    expect(props.fake.messages.size).toBe(1)
    expect(nock.isDone()).toBe(true)
  })

  it('an agent reply without any channel or portal field is not a mismatch', async () => {
    const { props, deliver } = await setup({ connected: false })
    nockTokenRefresh()
    hubspot().get('/conversations/conversations/2026-09/actors/A-77').reply(200, { id: 'A-77', type: 'AGENT', name: 'Maya' })
    const { channelId: _c, portalId: _p, ...event } = agentReply('m1', { channelId: undefined })
    expect(await deliver(event)).toBe(200)
    expect(props.fake.messages.size).toBe(1)
  })
})

describe('cost: in memory on the warm path, one re-read per minute on a mismatch', () => {
  it('warm: a second delivery reads no state; cold: at most one read more than the setup read (the connection)', async () => {
    const { props, deliver, stateReads } = await setup()
    expect(await deliver([close({}, 1)])).toBe(200)
    // setup (signature + channel), connection (our account), the hitl state
    expect(stateReads()).toBe(3)
    props.fake.calls.length = 0
    expect(await deliver([change(2, 'status', 'OPEN')])).toBe(200)
    expect(props.fake.calls).toEqual([])
  })

  it('a flood of events naming another portal costs one re-read, then none until a minute has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { props, deliver, stateReads, stopped } = await setup()
    expect(await deliver([close({}, 1)])).toBe(200)
    props.fake.calls.length = 0
    const warm = stateReads()
    for (let i = 0; i < 200; i++) expect(await deliver([close({ portalId: 999 }, 10 + i)])).toBe(200)
    expect(stateReads()).toBe(warm + 1)
    // A batch of 500 foreign events at once: still nothing more.
    expect(await deliver(Array.from({ length: 500 }, (_, i) => close({ portalId: 1000 + i, objectId: 50_000 + i }, 1000 + i)))).toBe(200)
    expect(stateReads()).toBe(warm + 1)
    vi.setSystemTime(Date.now() + BINDING_RECHECK_MS)
    expect(await deliver([close({ portalId: 999 }, 9)])).toBe(200)
    expect(stateReads()).toBe(warm + 2)
    expect(stopped()).toBe(1)
    expect(props.fake.calls.filter((c) => c !== 'getState')).toEqual([])
  })

  it('concurrent mismatching deliveries share one re-read', async () => {
    const { deliver, stateReads } = await setup()
    expect(await deliver([close({}, 1)])).toBe(200)
    const warm = stateReads()
    await Promise.all(Array.from({ length: 20 }, (_, i) => deliver([close({ portalId: 999 }, 100 + i)])))
    expect(stateReads()).toBe(warm + 1)
  })

  it('the channel re-created by register on another instance: the first event of the new channel re-reads and is delivered', async () => {
    const { props, deliver } = await setup({ connected: false })
    expect(await deliver([change(1, 'status', 'OPEN')])).toBe(200) // identity cached with ch1
    props.fake.states.set(SETUP_KEY, { ...SETUP, channelId: 'ch9' })
    nockTokenRefresh()
    hubspot().get('/conversations/conversations/2026-09/actors/A-77').reply(200, { id: 'A-77', type: 'AGENT', name: 'Maya' })
    hubspot()
      .patch('/conversations/custom-channels/2026-09/ch9/messages/m1')
      .reply(200, fakeChannelMessage({ id: 'm1', channelId: 'ch9', direction: 'OUTGOING' }))
    const reply = agentReply('m1', { channelId: 'ch9' })
    expect(await deliver({ ...reply, channelId: 'ch9' })).toBe(200)
    expect(props.fake.messages.size).toBe(1)
    expect(nock.isDone()).toBe(true)
  })

  it('a re-read that fails answers 500 and does not use up the minute: the redelivery re-reads and is delivered', async () => {
    const { props, deliver } = await setup({ connected: false })
    expect(await deliver([change(1, 'status', 'OPEN')])).toBe(200) // identity cached with ch1
    props.fake.states.set(SETUP_KEY, { ...SETUP, channelId: 'ch9' })
    const reply = { ...agentReply('m1', { channelId: 'ch9' }), channelId: 'ch9' }
    props.fake.failNext = { method: 'getState', error: new Error('Botpress 503') }
    expect(await deliver(reply)).toBe(500)
    expect(props.fake.messages.size).toBe(0)
    nockTokenRefresh()
    hubspot().get('/conversations/conversations/2026-09/actors/A-77').reply(200, { id: 'A-77', type: 'AGENT', name: 'Maya' })
    hubspot()
      .patch('/conversations/custom-channels/2026-09/ch9/messages/m1')
      .reply(200, fakeChannelMessage({ id: 'm1', channelId: 'ch9', direction: 'OUTGOING' }))
    expect(await deliver(reply)).toBe(200)
    expect(props.fake.messages.size).toBe(1)
    expect(nock.isDone()).toBe(true)
  })

  it('a re-read of the setup (a foreign channel) does not use up the re-read of the connection (our account bound again elsewhere)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { props, deliver, stopped } = await setup({ hubId: '555' })
    expect(await deliver([change(1, 'status', 'OPEN')])).toBe(200) // identity cached: ch1, account 555 (this event's portal differs: re-read once)
    vi.setSystemTime(Date.now() + BINDING_RECHECK_MS)
    // A reply naming another channel: the setup is re-read (and still says ch1).
    expect(await deliver({ ...agentReply('m1', { channelId: 'ch-other' }), channelId: 'ch-other' })).toBe(200)
    // Meanwhile Connect bound our portal on another instance: its close must re-read the connection and act.
    props.fake.states.set(CONNECTION, { refreshToken: 'stored-refresh', hubId: OUR_PORTAL })
    expect(await deliver([close({}, 2)])).toBe(200)
    expect(stopped()).toBe(1)
  })

  it('another account bound by Connect in this process is known at once, without a read', async () => {
    const { props, deliver, stateReads, stopped } = await setup({ hubId: '555' })
    expect(await deliver([close({}, 1)])).toBe(200) // portal 243842089 ≠ 555: ignored (and re-read once)
    expect(stopped()).toBe(0)
    await patchConnection(props, { refreshToken: 'stored-refresh', hubId: '555' }, { hubId: OUR_PORTAL })
    const reads = stateReads()
    expect(await deliver([close({}, 2)])).toBe(200)
    expect(stopped()).toBe(1)
    expect(stateReads()).toBe(reads + 1) // the hitl state only
  })
})
