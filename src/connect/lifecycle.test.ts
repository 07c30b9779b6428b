import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SetupState } from '../../definitions/states'
import { startHitl } from '../actions/start-hitl'
import { createHubspotClient, httpTuning } from '../hubspot'
import { rememberStoredRefreshToken, STORED_REFRESH_TOKEN_TTL_MS } from '../hubspot/token-manager'
import { register, setupTuning } from '../setup/register'
import { handler } from '../webhook/handler'
import { publishedMessage, seedEndUser } from '../../tests/helpers/hitl-fixtures'
import { channelsPath, devKeyQuery, hubspot, nockTokenRefresh } from '../../tests/helpers/nock-hubspot'
import { makeProps, SECRETS, WEBHOOK_URL } from '../../tests/helpers/props'
import { signedRequest } from '../../tests/helpers/sign'
import { resetCaches } from '../cache'
import { fakeInbox, fakeChannel, fakeChannelAccount, fakePage } from '../../tests/helpers/hubspot-fakes'

const STORED_REFRESH = 'refresh-stored-by-connect-4455'
const STORED_ACCESS = 'access-for-stored-refresh-6677'
const CONNECT_URL = `${WEBHOOK_URL}/connect`

type Props = ReturnType<typeof makeProps>
const setupOf = (props: Props) => props.fake.states.get('integration:int_1:setup') as SetupState
const withoutConfiguredToken = (configuration: Record<string, unknown> = {}) =>
  makeProps({ configuration: { refreshToken: undefined, inboxId: undefined, ...configuration } })
const storeConnection = (props: Props) => props.fake.states.set('integration:int_1:connection', { refreshToken: STORED_REFRESH, hubId: '555' })
const nockStoredRefresh = () =>
  hubspot()
    .post('/oauth/2026-03/token', (b: Record<string, string>) => b.grant_type === 'refresh_token' && b.refresh_token === STORED_REFRESH)
    .reply(200, { access_token: STORED_ACCESS, refresh_token: STORED_REFRESH, expires_in: 1800, token_type: 'bearer', token_use: 'access_token' })

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [1, 1, 1]
})
afterEach(() => nock.cleanAll())

describe('register without a refresh token', () => {
  it('does not fail: creates the channel (developer key only) pointing HubSpot at /connect, opens the window, says where to connect', async () => {
    const props = withoutConfiguredToken()
    let created: Record<string, unknown> | undefined
    hubspot().get(channelsPath).query(devKeyQuery()).reply(200, fakePage([]))
    hubspot()
      .post(channelsPath, (b: Record<string, unknown>) => ((created = b), true))
      .query(devKeyQuery())
      .reply(201, { id: 'ch1', webhookUrl: WEBHOOK_URL, channelAccountConnectionRedirectUrl: CONNECT_URL })
    await register(props)
    expect(nock.isDone()).toBe(true) // no OAuth call at all (nock would have refused it)
    expect(created?.channelAccountConnectionRedirectUrl).toBe(CONNECT_URL)
    const setup = setupOf(props)
    expect(setup).toMatchObject({ webhookUrl: WEBHOOK_URL, channelId: 'ch1', channelAccounts: {} })
    expect(setup.connectWindowUntil).toBeGreaterThan(Date.now() + 14 * 60_000)
    expect(props.lines.map((l) => l.message).join('\n')).toContain(`open ${WEBHOOK_URL}/oauth/start`)
  })

  it('with a refresh token stored by the Connect flow, connects the inboxes chosen on the setup page', async () => {
    const props = withoutConfiguredToken()
    storeConnection(props)
    props.fake.states.set('integration:int_1:setup', {
      webhookUrl: WEBHOOK_URL,
      channelId: 'ch1',
      channelCreatedByUs: true,
      channelAccounts: {},
      inboxChoice: { inboxIds: ['2002'] },
    })
    nockStoredRefresh()
    hubspot()
      .get('/conversations/conversations/2026-09/inboxes/2002')
      .matchHeader('authorization', `Bearer ${STORED_ACCESS}`)
      .reply(200, fakeInbox({ id: '2002', name: 'EU desk' }))
    hubspot()
      .get(channelsPath)
      .query(devKeyQuery())
      .reply(200, fakePage([fakeChannel({ id: 'ch1', webhookUrl: WEBHOOK_URL, channelAccountConnectionRedirectUrl: CONNECT_URL })]))
    hubspot()
      .get(`${channelsPath}/ch1/channel-accounts`)
      .query(true)
      .reply(200, fakePage([fakeChannelAccount({ id: 'acc-admin', inboxId: '3003', name: 'Connected in HubSpot' })]))
    hubspot()
      .post(`${channelsPath}/ch1/channel-accounts`, (b: Record<string, unknown>) => b.inboxId === '2002')
      .reply(201, fakeChannelAccount({ id: 'acc2', inboxId: '2002' }))
    await register(props)
    expect(nock.isDone()).toBe(true)
    // The chosen inbox, and the one an admin connected from HubSpot, are both kept.
    expect(setupOf(props).channelAccounts).toMatchObject({ '2002': { id: 'acc2', authorized: true }, '3003': { id: 'acc-admin', authorized: true } })
    expect(setupOf(props).inboxChoice).toEqual({ inboxIds: ['2002'] })
  })

  it('PATCHes an existing channel whose connection redirect URL differs, once', async () => {
    const props = makeProps()
    const patch = hubspot()
      .patch(`${channelsPath}/ch1`, { channelAccountConnectionRedirectUrl: CONNECT_URL })
      .query(devKeyQuery())
      .reply(200, fakeChannel({ id: 'ch1', webhookUrl: WEBHOOK_URL, channelAccountConnectionRedirectUrl: CONNECT_URL }))
    nockTokenRefresh()
    hubspot()
      .get('/conversations/conversations/2026-09/inboxes/1001')
      .reply(200, fakeInbox({ id: '1001', name: 'Support' }))
    hubspot()
      .get(channelsPath)
      .query(devKeyQuery())
      .reply(200, fakePage([fakeChannel({ id: 'ch1', webhookUrl: WEBHOOK_URL })]))
    hubspot()
      .get(`${channelsPath}/ch1/channel-accounts`)
      .query(true)
      .reply(200, fakePage([fakeChannelAccount({ id: 'acc1', inboxId: '1001' })]))
    await register(props)
    expect(patch.isDone()).toBe(true)
    expect(nock.isDone()).toBe(true)
  })
})

describe('the stored refresh token', () => {
  it('is read from state once, then the warm path costs no Botpress call', async () => {
    const props = withoutConfiguredToken()
    storeConnection(props)
    nockStoredRefresh()
    hubspot()
      .get('/conversations/conversations/2026-09/inboxes/1')
      .times(2)
      .matchHeader('authorization', `Bearer ${STORED_ACCESS}`)
      .reply(200, fakeInbox({ id: '1' }))
    await createHubspotClient(props).conversations.getInbox('1')
    expect(props.fake.calls).toEqual(['getState', 'getState', 'setState']) // connection, oauth cache, cache save
    props.fake.calls.length = 0
    await createHubspotClient(props).conversations.getInbox('1')
    expect(props.fake.calls).toEqual([])
    expect(nock.isDone()).toBe(true)
  })

  it('is re-read after a while, so an instance notices a reconnection made elsewhere', async () => {
    const props = withoutConfiguredToken()
    storeConnection(props)
    rememberStoredRefreshToken('bot_1:int_1', 'refresh-before-reconnect-0000', Date.now() - STORED_REFRESH_TOKEN_TTL_MS - 1)
    nockStoredRefresh()
    hubspot()
      .get('/conversations/conversations/2026-09/inboxes/1')
      .matchHeader('authorization', `Bearer ${STORED_ACCESS}`)
      .reply(200, fakeInbox({ id: '1' }))
    await createHubspotClient(props).conversations.getInbox('1')
    expect(nock.isDone()).toBe(true)
  })

  it('a configured refresh token still wins and the connection state is never read', async () => {
    const props = makeProps()
    storeConnection(props)
    nockTokenRefresh()
    hubspot()
      .get('/conversations/conversations/2026-09/inboxes/1')
      .reply(200, fakeInbox({ id: '1' }))
    await createHubspotClient(props).conversations.getInbox('1')
    expect(props.fake.calls).toEqual(['getState', 'setState']) // the oauth cache only
  })

  it('without any refresh token, an OAuth call fails with a message saying where to connect', async () => {
    const props = withoutConfiguredToken()
    await expect(createHubspotClient(props).conversations.getInbox('1')).rejects.toThrow(/not connected.*\/oauth\/start/)
  })
})

describe('CHANNEL_ACCOUNT_CREATED: an inbox connected from HubSpot becomes routable', () => {
  const seed = (props: Props) =>
    props.fake.states.set('integration:int_1:setup', {
      webhookUrl: WEBHOOK_URL,
      channelId: 'ch1',
      channelCreatedByUs: true,
      channelAccounts: { '1001': { id: 'acc1', inboxId: '1001', name: 'Botpress – Support', authorized: true } },
    })
  const deliver = (props: Props, body: object) => handler({ ...props, req: signedRequest(body) } as never)

  it('stores the account, startHitl routes to it, UPDATED/PURGED keep it true', async () => {
    const props = makeProps()
    seed(props)
    const res = await deliver(props, {
      type: 'CHANNEL_ACCOUNT_CREATED',
      portalId: 555,
      channelId: 'ch1',
      channelAccountId: 'acc-new',
      inboxId: '2002',
      name: 'EU desk',
      authorized: true,
    })
    expect(res).toMatchObject({ status: 200 })
    expect(setupOf(props).channelAccounts['2002']).toEqual({ id: 'acc-new', inboxId: '2002', name: 'EU desk', authorized: true })
    // Redelivery changes nothing.
    const writes = props.fake.calls.filter((c) => c === 'setState').length
    await deliver(props, {
      type: 'CHANNEL_ACCOUNT_CREATED',
      portalId: 555,
      channelId: 'ch1',
      channelAccountId: 'acc-new',
      inboxId: '2002',
      name: 'EU desk',
      authorized: true,
    })
    expect(props.fake.calls.filter((c) => c === 'setState').length).toBe(writes)

    const user = await seedEndUser(props.fake)
    nockTokenRefresh()
    const publish = hubspot()
      .post(`${channelsPath}/ch1/messages`, (b: Record<string, unknown>) => b.channelAccountId === 'acc-new')
      .reply(201, publishedMessage('m-1', '9002'))
    await startHitl({
      ...props,
      input: { userId: user.id, messageHistory: [], hitlSession: { inboxId: '2002' } },
      type: 'startHitl',
      metadata: { setCost: () => {} },
    } as never)
    expect(publish.isDone()).toBe(true)

    await deliver(props, { type: 'CHANNEL_ACCOUNT_UPDATED', portalId: 555, channelId: 'ch1', channelAccountId: 'acc-new', authorized: false })
    expect(setupOf(props).channelAccounts['2002']?.authorized).toBe(false)
    await deliver(props, { type: 'CHANNEL_ACCOUNT_UPDATED', portalId: 555, channelId: 'ch1', channelAccountId: 'acc-new', authorized: true })
    expect(setupOf(props).channelAccounts['2002']?.authorized).toBe(true)
    await deliver(props, { type: 'CHANNEL_ACCOUNT_PURGED', portalId: 555, channelId: 'ch1', channelAccountId: 'acc-new' })
    expect(setupOf(props).channelAccounts['2002']?.authorized).toBe(false)
    await expect(
      startHitl({
        ...props,
        input: { userId: user.id, messageHistory: [], hitlSession: { inboxId: '2002' } },
        type: 'startHitl',
        metadata: { setCost: () => {} },
      } as never)
    ).rejects.toThrow(/no longer authorized/)
  })

  it('ignores an account created in another HubSpot account than the connected one (an app installed in several accounts)', async () => {
    const props = withoutConfiguredToken()
    seed(props)
    storeConnection(props) // connected to account 555
    await deliver(props, {
      type: 'CHANNEL_ACCOUNT_CREATED',
      portalId: 999,
      channelId: 'ch1',
      channelAccountId: 'acc-foreign',
      inboxId: '9009',
      name: 'Someone else’s inbox',
      authorized: true,
    })
    expect(Object.keys(setupOf(props).channelAccounts)).toEqual(['1001'])
    expect(props.lines.some((l) => l.level === 'warn' && /account 999.*connected to 555/.test(l.message))).toBe(true)
    // The connected account's own inboxes still become routable.
    await deliver(props, {
      type: 'CHANNEL_ACCOUNT_CREATED',
      portalId: 555,
      channelId: 'ch1',
      channelAccountId: 'acc-2',
      inboxId: '2002',
      authorized: true,
    })
    expect(Object.keys(setupOf(props).channelAccounts).sort()).toEqual(['1001', '2002'])
  })

  it('ignores another channel’s account; without channel or inbox in the event, asks HubSpot which account it is', async () => {
    const props = makeProps()
    seed(props)
    await deliver(props, { type: 'CHANNEL_ACCOUNT_CREATED', portalId: 555, channelId: 'ch-other', channelAccountId: 'acc-x', inboxId: '4004' })
    expect(Object.keys(setupOf(props).channelAccounts)).toEqual(['1001'])

    nockTokenRefresh()
    hubspot()
      .get(`${channelsPath}/ch1/channel-accounts`)
      .query(true)
      .reply(200, fakePage([fakeChannelAccount({ id: 'acc-y', inboxId: '5005', name: 'APAC' })]))
    await deliver(props, { type: 'CHANNEL_ACCOUNT_CREATED', portalId: 555, channelAccountId: 'acc-y' })
    expect(setupOf(props).channelAccounts['5005']).toEqual({ id: 'acc-y', inboxId: '5005', name: 'APAC', authorized: true })

    // Not in our channel's list: nothing stored.
    hubspot().get(`${channelsPath}/ch1/channel-accounts`).query(true).reply(200, fakePage([]))
    await deliver(props, { type: 'CHANNEL_ACCOUNT_CREATED', portalId: 555, channelAccountId: 'acc-z' })
    expect(Object.keys(setupOf(props).channelAccounts).sort()).toEqual(['1001', '5005'])
    expect(nock.isDone()).toBe(true)
    expect(JSON.stringify(props.lines)).not.toContain(SECRETS.refreshToken)
  })
})
