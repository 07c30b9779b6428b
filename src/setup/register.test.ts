import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { httpTuning } from '../hubspot'
import {
  ACCESS_TOKEN,
  channelsPath,
  devKeyQuery,
  hubspot,
  nockInbox,
  nockListAccounts,
  nockListChannels,
  nockTokenRefresh,
} from '../../tests/helpers/nock-hubspot'
import { INTEGRATION_URL, makeProps, makePublisherConfigProps, makePublisherProps, SECRETS, WEBHOOK_URL } from '../../tests/helpers/props'
import { resetCaches } from '../cache'
import { CHANNEL_CAPABILITIES } from './capabilities'
import { register, setupTuning } from './register'
import { unregister } from './unregister'
import { fakeChannel, fakePage } from '../../tests/helpers/hubspot-fakes'

const account = (id: string, inboxId: string, extra: object = {}) => ({
  id,
  channelId: 'ch1',
  inboxId,
  name: `Botpress – Inbox ${inboxId}`,
  authorized: true,
  active: true,
  archived: false,
  createdAt: '2026-01-01T00:00:00Z',
  ...extra,
})

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [1, 1, 1]
})
afterEach(() => {
  nock.cleanAll()
})

describe('register', () => {
  it('creates the channel and one account per inbox on a fresh install, and stores their ids', async () => {
    const props = makeProps({ configuration: { additionalInboxIds: ['1002'] } })
    let createdBody: Record<string, unknown> | undefined
    const scopes = [
      nockTokenRefresh(),
      nockInbox('1001', 'Support'),
      nockInbox('1002', 'Sales'),
      nockListChannels([]),
      hubspot()
        .post(channelsPath, (body: Record<string, unknown>) => ((createdBody = body), true))
        .query(devKeyQuery())
        .reply(201, { id: 'ch1', name: 'Botpress', webhookUrl: WEBHOOK_URL, capabilities: {}, createdAt: '2026-01-01T00:00:00Z' }),
      nockListChannels([{ id: 'ch1', webhookUrl: WEBHOOK_URL }]),
      nockListAccounts('ch1', []),
      hubspot()
        .post(`${channelsPath}/ch1/channel-accounts`, {
          inboxId: '1001',
          name: 'Botpress – Support',
          authorized: true,
          deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: 'botpress-1001' },
        })
        .matchHeader('authorization', `Bearer ${ACCESS_TOKEN}`)
        .reply(201, account('acc1', '1001')),
      hubspot()
        .post(`${channelsPath}/ch1/channel-accounts`, (b: Record<string, unknown>) => b.inboxId === '1002')
        .reply(201, account('acc2', '1002')),
    ]

    await register(props)

    for (const scope of scopes) expect(scope.isDone()).toBe(true)
    expect(createdBody).toEqual({
      name: 'Botpress',
      webhookUrl: WEBHOOK_URL,
      capabilities: CHANNEL_CAPABILITIES,
      channelAccountConnectionRedirectUrl: `${WEBHOOK_URL}/connect`,
    })
    expect(props.fake.setupState('int_1')).toEqual({
      webhookUrl: WEBHOOK_URL,
      channelId: 'ch1',
      connectWindowUntil: expect.any(Number),
      channelAccounts: {
        '1001': { id: 'acc1', inboxId: '1001', name: 'Botpress – Inbox 1001', authorized: true },
        '1002': { id: 'acc2', inboxId: '1002', name: 'Botpress – Inbox 1002', authorized: true },
      },
    })
  })

  it('reuses the channel with our webhook URL and the existing account: nothing is created twice', async () => {
    const props = makeProps()
    nockTokenRefresh()
    for (let run = 0; run < 2; run++) {
      nockInbox('1001')
      nockListChannels([
        { id: 'other', webhookUrl: 'https://elsewhere.example/hook' },
        { id: 'ch1', webhookUrl: WEBHOOK_URL },
      ])
      nockListAccounts('ch1', [account('acc1', '1001')])
    }
    // Any POST (channel or account creation) would fail the test: nock has no interceptor for it.
    await register(props)
    await register(props)
    expect(nock.pendingMocks()).toEqual([])
    expect(props.fake.setupState('int_1')).toMatchObject({ channelId: 'ch1', channelAccounts: { '1001': { id: 'acc1' } } })
    // A channel pointing at our unique webhook URL is ours, so uninstalling removes it.
    const del = hubspot().delete(`${channelsPath}/ch1`).query(devKeyQuery()).reply(204)
    await unregister(props)
    expect(del.isDone()).toBe(true)
  })

  it('follows channel list paging to find our channel', async () => {
    const props = makeProps()
    nockTokenRefresh()
    nockInbox('1001')
    hubspot()
      .get(channelsPath)
      .query(devKeyQuery({ limit: '100' }))
      .reply(200, fakePage([fakeChannel({ id: 'x' })], 'p2'))
    hubspot()
      .get(channelsPath)
      .query(devKeyQuery({ after: 'p2' }))
      .reply(200, fakePage([fakeChannel({ id: 'ch1', webhookUrl: WEBHOOK_URL })]))
    nockListAccounts('ch1', [account('acc1', '1001')])
    await register(props)
    expect(nock.pendingMocks()).toEqual([])
  })

  it('fails with a message naming the inbox when it does not exist, and creates nothing', async () => {
    const props = makeProps({ configuration: { additionalInboxIds: ['999'] } })
    nockTokenRefresh()
    nockInbox('1001')
    hubspot()
      .get('/conversations/conversations/2026-09/inboxes/999')
      .reply(404, { status: 'error', message: 'Inbox not found', correlationId: 'c-1', category: 'OBJECT_NOT_FOUND' })
    await expect(register(props)).rejects.toThrow(/inbox 999 was not found/)
    expect(props.fake.setupState('int_1')).toBeUndefined()
  })

  it('rejects invalid configuration before any HubSpot call, naming the field', async () => {
    const props = makeProps({ configuration: { inboxId: 'support', appId: '' } })
    await expect(register(props)).rejects.toThrow(/"Inbox ID" \(inboxId\)/)
    await expect(register(props)).rejects.toThrow(/"App ID" \(appId\)/)
  })

  it('waits until a new channel is visible before connecting inboxes', async () => {
    const props = makeProps()
    nockTokenRefresh()
    nockInbox('1001')
    nockListChannels([])
    hubspot()
      .post(channelsPath)
      .query(devKeyQuery())
      .reply(201, fakeChannel({ id: 'ch1', webhookUrl: WEBHOOK_URL }))
    nockListChannels([], 2) // not visible for two polls
    nockListChannels([{ id: 'ch1', webhookUrl: WEBHOOK_URL }])
    nockListAccounts('ch1', [])
    hubspot().post(`${channelsPath}/ch1/channel-accounts`).reply(201, account('acc1', '1001'))
    await register(props)
    expect(nock.pendingMocks()).toEqual([])
    expect(props.fake.setupState('int_1')).toMatchObject({ channelAccounts: { '1001': { id: 'acc1' } } })
  })

  it('after a partial failure, a second run finishes without creating a second channel', async () => {
    const props = makeProps()
    nockTokenRefresh()
    nockInbox('1001')
    nockListChannels([])
    hubspot()
      .post(channelsPath)
      .query(devKeyQuery())
      .reply(201, fakeChannel({ id: 'ch1', webhookUrl: WEBHOOK_URL }))
    nockListChannels([{ id: 'ch1', webhookUrl: WEBHOOK_URL }])
    nockListAccounts('ch1', [])
    hubspot()
      .post(`${channelsPath}/ch1/channel-accounts`)
      .reply(400, { status: 'error', message: 'boom', correlationId: 'c-2', category: 'VALIDATION_ERROR' })
    await expect(register(props)).rejects.toThrow(/connect the channel to inbox 1001.*400 VALIDATION_ERROR.*boom.*c-2/)
    expect(props.fake.setupState('int_1')).toMatchObject({ channelId: 'ch1' })

    nockInbox('1001')
    nockListChannels([{ id: 'ch1', webhookUrl: WEBHOOK_URL }])
    nockListAccounts('ch1', [])
    hubspot().post(`${channelsPath}/ch1/channel-accounts`).reply(201, account('acc1', '1001'))
    await register(props)
    expect(nock.pendingMocks()).toEqual([])
    expect(props.fake.setupState('int_1')).toMatchObject({ channelId: 'ch1', channelAccounts: { '1001': { id: 'acc1' } } })
  })

  it('a channel created earlier but still invisible is waited for, not created again', async () => {
    const props = makeProps()
    await props.client.setState({
      type: 'integration',
      name: 'setup',
      id: 'int_1',
      payload: { webhookUrl: WEBHOOK_URL, channelId: 'ch1', channelCreatedByUs: true, channelAccounts: {} },
    })
    nockTokenRefresh()
    nockInbox('1001')
    nockListChannels([], 2)
    nockListChannels([{ id: 'ch1', webhookUrl: WEBHOOK_URL }])
    nockListAccounts('ch1', [])
    hubspot().post(`${channelsPath}/ch1/channel-accounts`).reply(201, account('acc1', '1001'))
    await register(props)
    expect(nock.pendingMocks()).toEqual([])
  })

  it('a channel created earlier that stays invisible but exists is never duplicated', async () => {
    const props = makeProps()
    await props.client.setState({
      type: 'integration',
      name: 'setup',
      id: 'int_1',
      payload: { webhookUrl: WEBHOOK_URL, channelId: 'ch1', channelCreatedByUs: true, channelAccounts: {} },
    })
    nockTokenRefresh()
    nockInbox('1001')
    nockListChannels([], 5) // first look + 4 polls
    hubspot()
      .get(`${channelsPath}/ch1`)
      .query(devKeyQuery())
      .reply(200, fakeChannel({ id: 'ch1', webhookUrl: WEBHOOK_URL }))
    await expect(register(props)).rejects.toThrow(/not visible yet.*nothing will be created twice/)
    expect(props.fake.setupState('int_1')).toMatchObject({ channelId: 'ch1' })
  })

  it('a channel created earlier and since deleted in HubSpot is replaced', async () => {
    const props = makeProps()
    await props.client.setState({
      type: 'integration',
      name: 'setup',
      id: 'int_1',
      payload: { webhookUrl: WEBHOOK_URL, channelId: 'gone', channelCreatedByUs: true, channelAccounts: {} },
    })
    nockTokenRefresh()
    nockInbox('1001')
    nockListChannels([], 5) // first look + 4 polls
    hubspot()
      .get(`${channelsPath}/gone`)
      .query(devKeyQuery())
      .reply(404, { status: 'error', message: 'not found', category: 'OBJECT_NOT_FOUND', correlationId: 'c' })
    hubspot()
      .post(channelsPath)
      .query(devKeyQuery())
      .reply(201, fakeChannel({ id: 'ch2', webhookUrl: WEBHOOK_URL }))
    nockListChannels([{ id: 'ch2', webhookUrl: WEBHOOK_URL }])
    nockListAccounts('ch2', [])
    hubspot().post(`${channelsPath}/ch2/channel-accounts`).reply(201, account('acc9', '1001'))
    await register(props)
    expect(props.fake.setupState('int_1')).toMatchObject({ channelId: 'ch2', channelAccounts: { '1001': { id: 'acc9' } } })
  })

  it('re-authorizes a de-authorized account instead of creating another', async () => {
    const props = makeProps()
    nockTokenRefresh()
    nockInbox('1001')
    nockListChannels([{ id: 'ch1', webhookUrl: WEBHOOK_URL }])
    nockListAccounts('ch1', [account('acc1', '1001', { authorized: false })])
    hubspot().patch(`${channelsPath}/ch1/channel-accounts/acc1`, { authorized: true }).reply(200, account('acc1', '1001'))
    await register(props)
    expect(nock.pendingMocks()).toEqual([])
    expect(props.fake.setupState('int_1')).toMatchObject({ channelAccounts: { '1001': { authorized: true } } })
  })

  it('a revoked refresh token fails with a re-authorize message that contains no secret', async () => {
    const props = makeProps()
    hubspot()
      .post('/oauth/2026-03/token')
      .reply(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token', correlationId: 'c-3' })
    const err = (await register(props).catch((e: unknown) => e)) as Error
    expect(err.message).toMatch(/Re-authorize/)
    for (const secret of Object.values(SECRETS)) expect(`${err.message} ${err.stack}`).not.toContain(secret)
  })
})

describe('unregister', () => {
  it.each([
    ['as saved now (no flag)', {}],
    ['as saved by earlier versions (channelCreatedByUs: true)', { channelCreatedByUs: true }],
  ])('deletes the channel it set up and forgets it, state %s', async (_, flag) => {
    const props = makeProps()
    await props.client.setState({
      type: 'integration',
      name: 'setup',
      id: 'int_1',
      payload: { webhookUrl: WEBHOOK_URL, channelId: 'ch1', ...flag, channelAccounts: {} },
    })
    const del = hubspot().delete(`${channelsPath}/ch1`).query(devKeyQuery()).reply(204)
    await unregister(props)
    expect(del.isDone()).toBe(true)
    expect(props.fake.setupState('int_1')).toMatchObject({ channelId: '' })
  })

  it('keeps a channel an earlier version saved as reused (channelCreatedByUs: false) but de-authorizes its accounts', async () => {
    const props = makeProps()
    await props.client.setState({
      type: 'integration',
      name: 'setup',
      id: 'int_1',
      payload: {
        webhookUrl: WEBHOOK_URL,
        channelId: 'ch1',
        channelCreatedByUs: false,
        channelAccounts: { '1001': { id: 'acc1', inboxId: '1001', name: 'x', authorized: true } },
      },
    })
    nockTokenRefresh()
    const patch = hubspot()
      .patch(`${channelsPath}/ch1/channel-accounts/acc1`, { authorized: false })
      .reply(200, account('acc1', '1001', { authorized: false }))
    await unregister(props)
    expect(patch.isDone()).toBe(true)
  })

  it('logs a clear error and does not throw when HubSpot fails, without leaking the developer key', async () => {
    const props = makeProps()
    await props.client.setState({
      type: 'integration',
      name: 'setup',
      id: 'int_1',
      payload: { webhookUrl: WEBHOOK_URL, channelId: 'ch1', channelCreatedByUs: true, channelAccounts: {} },
    })
    hubspot()
      .delete(`${channelsPath}/ch1`)
      .query(true)
      .reply(403, { status: 'error', message: 'forbidden', correlationId: 'c-4', category: 'MISSING_SCOPES' })
    await expect(unregister(props)).resolves.toBeUndefined()
    const errors = props.lines.filter((l) => l.level === 'error')
    expect(errors[0]?.message).toMatch(/Could not remove the HubSpot custom channel.*403/)
    // The clean-up by hand names the path the code itself calls.
    expect(errors[0]?.message).toContain('Remove it by hand (DELETE /conversations/custom-channels/2026-09/{channelId} with your developer API key).')
    expect(JSON.stringify(props.lines)).not.toContain(SECRETS.developerApiKey)
  })

  it('does nothing when nothing was installed', async () => {
    const props = makeProps()
    await expect(unregister(props)).resolves.toBeUndefined()
  })
})

describe('register before Connect: what the bot builder is told', () => {
  const createdChannel = (webhookUrl: string) =>
    hubspot()
      .post(channelsPath)
      .query(devKeyQuery())
      .reply(201, { id: 'ch9', name: 'Botpress', webhookUrl, capabilities: {}, createdAt: '2026-01-01T00:00:00Z' })
  const notConnectedWarning = (lines: { level: string; message: string }[]) =>
    lines.find((l) => l.level === 'warn' && l.message.startsWith('HubSpot is not connected yet'))?.message ?? ''

  it('own app: open Connect, or fill the refresh token and inbox in the configuration', async () => {
    const props = makeProps({ configuration: { refreshToken: undefined, inboxId: undefined } })
    nockListChannels([], 3)
    createdChannel(WEBHOOK_URL)
    await register(props)
    expect(notConnectedWarning(props.lines)).toBe(
      `HubSpot is not connected yet: open ${WEBHOOK_URL}/oauth/start to connect HubSpot and choose inboxes (or fill "Refresh token" and "Inbox ID").`
    )
  })

  it('publisher app: Connect only (its configuration has no refresh token or inbox fields to fill)', async () => {
    const { restore, ...props } = makePublisherProps()
    try {
      nockListChannels([])
      createdChannel(INTEGRATION_URL)
      nockListChannels([{ id: 'ch9', webhookUrl: INTEGRATION_URL, createdAt: '2026-01-01T00:00:00Z' }], 3)
      await register(props)
      expect(notConnectedWarning(props.lines)).toBe(
        `HubSpot is not connected yet: open ${WEBHOOK_URL}/oauth/start to connect HubSpot and choose inboxes.`
      )
    } finally {
      restore()
    }
  })
})

describe('unregister in publisher mode: the routing identifier (issue 17, point 2)', () => {
  const stub = (props: ReturnType<typeof makeProps>, fail?: Error) => {
    const identifiers: (string | null | undefined)[] = []
    ;(props.fake.api as unknown as Record<string, unknown>).configureIntegration = async (input: { identifier?: string | null }) => {
      identifiers.push(input.identifier)
      if (fail) throw fail
      return {}
    }
    return identifiers
  }

  it('clears it (identifier: null); a refusal is a warning and uninstalling goes on', async () => {
    const { restore, ...props } = makePublisherProps()
    try {
      const identifiers = stub(props)
      await unregister(props)
      expect(identifiers).toEqual([null])

      const refused = makePublisherProps()
      const tried = stub(refused, new Error('Forbidden: operation not allowed during unregister'))
      await expect(unregister(refused)).resolves.toBeUndefined()
      expect(tried).toEqual([null])
      expect(refused.lines.some((l) => l.level === 'warn' && /Could not clear this installation's HubSpot routing identifier/.test(l.message))).toBe(
        true
      )
      refused.restore()
    } finally {
      restore()
    }
  })

  it('a failure before any HubSpot call (the publisher deployed without a secret) never advises deleting the shared channel', async () => {
    const props = makePublisherConfigProps()
    stub(props)
    props.fake.states.set('integration:int_1:setup', {
      webhookUrl: WEBHOOK_URL,
      channelId: 'ch1',
      channelWebhookUrl: INTEGRATION_URL,
      channelAccounts: { '1001': { id: 'acc1', inboxId: '1001', name: 'Support', authorized: true } },
    })
    await expect(unregister(props)).resolves.toBeUndefined()
    const error = props.lines.find((l) => l.level === 'error')?.message ?? ''
    expect(error).toContain('do not delete the channel itself')
    expect(error).not.toContain('DELETE')
  })

  it('own-app mode leaves identifiers alone', async () => {
    const props = makeProps()
    const identifiers = stub(props)
    await unregister(props)
    expect(identifiers).toEqual([])
  })
})
