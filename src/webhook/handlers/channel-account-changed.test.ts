import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SetupState } from '../../../definitions/states'
import { seedSetup, SETUP } from '../../../tests/helpers/hitl-fixtures'
import { channelsPath, hubspot, nockTokenRefresh } from '../../../tests/helpers/nock-hubspot'
import { makeProps } from '../../../tests/helpers/props'
import { signedRequest } from '../../../tests/helpers/sign'
import { resetCaches } from '../../cache'
import { createHubspotClient, httpTuning } from '../../hubspot'
import { channelAccountEventSchema } from '../event-schemas'
import { handler } from '../handler'
import { handleChannelAccountChanged } from './channel-account-changed'

const SETUP_KEY = 'integration:int_1:setup'
const CONNECTION_KEY = 'integration:int_1:connection'

/** The handler itself, called as routes.ts calls it (the webhook's own checks are tested through `handler` below). */
const setup = (opts: { setup?: object | null; hubId?: string } = {}) => {
  const props = makeProps()
  if (opts.setup !== null) seedSetup(props.fake, opts.setup ?? SETUP)
  if (opts.hubId !== undefined) props.fake.states.set(CONNECTION_KEY, { hubId: opts.hubId })
  const ec = { ctx: props.ctx, client: props.client, logger: props.logger, hs: createHubspotClient(props) }
  const send = (event: Record<string, unknown>) => handleChannelAccountChanged(ec, channelAccountEventSchema.parse(event))
  const stored = () => props.fake.states.get(SETUP_KEY) as SetupState
  const writes = () => props.fake.calls.filter((c) => c === 'setState').length
  const said = (level: string) => props.lines.filter((l) => l.level === level).map((l) => l.message)
  return { props, send, stored, writes, said }
}

const listed = (results: object[]) => hubspot().get(`${channelsPath}/ch1/channel-accounts`).query(true).reply(200, { results, total: results.length })

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
})
afterEach(() => nock.cleanAll())

describe('channel-account events that are not ours', () => {
  it('nothing happens before register stored a channel (no setup state, or none with a channel id)', async () => {
    for (const state of [null, { ...SETUP, channelId: '' }]) {
      const { send, writes, props } = setup({ setup: state })
      await send({ type: 'CHANNEL_ACCOUNT_PURGED', channelId: 'ch1', channelAccountId: 'acc1' })
      expect(writes()).toBe(0)
      expect(props.fake.calls).toEqual(['getState'])
    }
  })

  it('another channel id: ignored (debug), nothing written, HubSpot not asked', async () => {
    const { send, stored, writes, said } = setup()
    await send({ type: 'CHANNEL_ACCOUNT_PURGED', channelId: 'ch-other', channelAccountId: 'acc1' })
    await send({ type: 'CHANNEL_ACCOUNT_CREATED', channelAccount: { id: 'acc-x', channelId: 'ch-other', inboxId: '7007' } })
    expect(writes()).toBe(0)
    expect(stored()).toEqual(SETUP)
    expect(said('debug').filter((m) => /names custom channel ch-other, while this installation's is ch1/.test(m))).toHaveLength(2)
  })

  it('an update of an account that is not ours is ignored (debug), even naming our channel', async () => {
    const { send, writes, said } = setup()
    await send({ type: 'CHANNEL_ACCOUNT_UPDATED', channelId: 'ch1', channelAccountId: 'acc-unknown', authorized: false, name: 'x' })
    await send({ type: 'CHANNEL_ACCOUNT_PURGED', channelId: 'ch1', channelAccountId: 'acc-unknown' })
    expect(writes()).toBe(0)
    expect(said('debug').filter((m) => /for channel account acc-unknown: not one of ours/.test(m))).toHaveLength(2)
  })

  it('an account created in another portal, our account known: refused with a warning, the connection read once', async () => {
    const { send, stored, writes, said, props } = setup({ hubId: '555' })
    await send({ type: 'CHANNEL_ACCOUNT_CREATED', portalId: 999, channelId: 'ch1', channelAccountId: 'acc-f', inboxId: '9009' })
    expect(writes()).toBe(0)
    expect(stored().channelAccounts['9009']).toBeUndefined()
    expect(said('warn')).toEqual([expect.stringMatching(/HubSpot account 999: this bot is connected to 555/)])
    expect(props.fake.calls).toEqual(['getState', 'getState'])
  })

  it("on a publisher app's shared channel, an account this installation did not create is another's: ignored, HubSpot not asked", async () => {
    const { send, stored, writes, said, props } = setup({
      setup: { ...SETUP, channelWebhookUrl: 'https://webhook.botpress.test/integration/global/acme/hubspot-hitl' },
    })
    await send({ type: 'CHANNEL_ACCOUNT_CREATED', channelId: 'ch1', channelAccountId: 'acc-other-bot', inboxId: '3003' })
    await send({ type: 'CHANNEL_ACCOUNT_CREATED', channelId: 'ch1', channelAccountId: 'acc-other-bot-2' })
    expect(writes()).toBe(0)
    expect(stored().channelAccounts['3003']).toBeUndefined()
    expect(said('debug').filter((m) => /not one of this installation's on the app's shared channel/.test(m))).toHaveLength(2)
    expect(props.fake.calls).toEqual(['getState', 'getState'])
  })

  it('an account created in another portal before any account is known (configured token, or not connected): added', async () => {
    const { send, stored } = setup()
    await send({ type: 'CHANNEL_ACCOUNT_CREATED', portalId: 999, channelId: 'ch1', channelAccountId: 'acc-n', inboxId: '3003' })
    expect(stored().channelAccounts['3003']).toEqual({ id: 'acc-n', inboxId: '3003', name: '3003', authorized: true })
  })

  it('an account created in our own portal is added; without a portal id the connection is not even read', async () => {
    const ours = setup({ hubId: '555' })
    await ours.send({ type: 'CHANNEL_ACCOUNT_CREATED', portalId: 555, channelId: 'ch1', channelAccountId: 'acc-n', inboxId: '3003', name: 'EU' })
    expect(ours.stored().channelAccounts['3003']).toEqual({ id: 'acc-n', inboxId: '3003', name: 'EU', authorized: true })
    const bare = setup({ hubId: '555' })
    await bare.send({ type: 'CHANNEL_ACCOUNT_CREATED', channelId: 'ch1', channelAccountId: 'acc-n', inboxId: '3003', authorized: false })
    expect(bare.stored().channelAccounts['3003']).toEqual({ id: 'acc-n', inboxId: '3003', name: '3003', authorized: false })
    expect(bare.props.fake.calls).toEqual(['getState', 'setState'])
  })
})

describe('channel-account events about our accounts', () => {
  it('a purge of a known account marks it not authorized (logged for the bot); a redelivery writes nothing', async () => {
    const { send, stored, writes, said } = setup()
    await send({ type: 'CHANNEL_ACCOUNT_PURGED', channelAccountId: 'acc2' })
    expect(stored().channelAccounts['1002']).toEqual({ ...SETUP.channelAccounts['1002'], authorized: false })
    expect(stored().channelAccounts['1001']).toEqual(SETUP.channelAccounts['1001'])
    expect(said('info')).toEqual(['HubSpot channel account acc2 (inbox 1002) was disconnected.'])
    await send({ type: 'CHANNEL_ACCOUNT_PURGED', channelAccountId: 'acc2', authorized: true })
    expect(writes()).toBe(1)
  })

  it('an update changes the name and the authorization it names, and keeps what it does not', async () => {
    const { send, stored, writes, said } = setup()
    await send({ type: 'CHANNEL_ACCOUNT_UPDATED', channelId: 'ch1', channelAccountId: 'acc1', name: 'Renamed' })
    expect(stored().channelAccounts['1001']).toEqual({ ...SETUP.channelAccounts['1001'], name: 'Renamed' })
    await send({ type: 'CHANNEL_ACCOUNT_UPDATED', channelAccount: { channelAccountId: 'acc1', authorized: 'false' } })
    expect(stored().channelAccounts['1001']).toEqual({ ...SETUP.channelAccounts['1001'], name: 'Renamed', authorized: false })
    await send({ type: 'CHANNEL_ACCOUNT_UPDATED', channelAccountId: 'acc1', authorized: true, name: '' })
    expect(stored().channelAccounts['1001']).toEqual({ ...SETUP.channelAccounts['1001'], name: 'Renamed', authorized: true })
    expect(said('info')).toEqual([
      'HubSpot channel account acc1 (inbox 1001) is connected.',
      'HubSpot channel account acc1 (inbox 1001) was disconnected.',
      'HubSpot channel account acc1 (inbox 1001) is connected.',
    ])
    // Nothing new: no write.
    await send({ type: 'CHANNEL_ACCOUNT_UPDATED', channelAccountId: 'acc1', authorized: true, name: 'Renamed' })
    expect(writes()).toBe(3)
  })

  it('a CREATED echo of a known account never renames it (only UPDATED does) and changes nothing when it agrees', async () => {
    const { send, stored, writes } = setup()
    await send({ type: 'CHANNEL_ACCOUNT_CREATED', channelId: 'ch1', channelAccountId: 'acc1', inboxId: '1001', name: 'Partial name' })
    expect(stored()).toEqual(SETUP)
    expect(writes()).toBe(0)
  })
})

describe('a new account whose event lacks the channel or the inbox: HubSpot’s list of our channel decides', () => {
  it('listed (not archived, with an inbox): stored with HubSpot’s name and authorization', async () => {
    const { send, stored } = setup()
    nockTokenRefresh()
    listed([{ id: 'acc-l', inboxId: '6006', name: 'APAC', authorized: false }])
    await send({ type: 'CHANNEL_ACCOUNT_CREATED', channelAccountId: 'acc-l', name: 'event name' })
    expect(stored().channelAccounts['6006']).toEqual({ id: 'acc-l', inboxId: '6006', name: 'APAC', authorized: false })
    expect(nock.isDone()).toBe(true)
  })

  it('listed without a name: the event’s name, else the inbox id; our channel but no inbox in the event also asks', async () => {
    const named = setup()
    nockTokenRefresh()
    listed([{ id: 'acc-l', inboxId: '6006' }])
    await named.send({ type: 'CHANNEL_ACCOUNT_CREATED', channelId: 'ch1', channelAccountId: 'acc-l', name: 'From event' })
    expect(named.stored().channelAccounts['6006']).toEqual({ id: 'acc-l', inboxId: '6006', name: 'From event', authorized: true })
    resetCaches()
    const bare = setup()
    nockTokenRefresh()
    listed([{ id: 'acc-l', inboxId: '6006' }])
    await bare.send({ type: 'CHANNEL_ACCOUNT_CREATED', channelAccountId: 'acc-l' })
    expect(bare.stored().channelAccounts['6006']).toEqual({ id: 'acc-l', inboxId: '6006', name: '6006', authorized: true })
    // An inbox but no channel: the event alone does not prove the account is on our channel.
    resetCaches()
    const noChannel = setup()
    nockTokenRefresh()
    listed([])
    await noChannel.send({ type: 'CHANNEL_ACCOUNT_CREATED', channelAccountId: 'acc-q', inboxId: '8008' })
    expect(noChannel.stored()).toEqual(SETUP)
    expect(nock.isDone()).toBe(true)
  })

  it('not listed, archived or without an inbox: nothing stored (debug)', async () => {
    const { send, stored, said } = setup()
    nockTokenRefresh()
    listed([{ id: 'acc-other', inboxId: '1' }])
    listed([{ id: 'acc-l', inboxId: '6006', archived: true }])
    listed([{ id: 'acc-l' }])
    for (let i = 0; i < 3; i++) await send({ type: 'CHANNEL_ACCOUNT_CREATED', channelAccountId: 'acc-l' })
    expect(stored()).toEqual(SETUP) // (the only write is the access token's cache)
    expect(said('debug').filter((m) => /CHANNEL_ACCOUNT_CREATED for acc-l: not an account of channel ch1/.test(m))).toHaveLength(3)
    expect(nock.isDone()).toBe(true)
  })

  it('one account per inbox: an authorized account already there stays; an unauthorized one is replaced', async () => {
    const { send, stored, writes } = setup()
    await send({ type: 'CHANNEL_ACCOUNT_CREATED', channelId: 'ch1', channelAccountId: 'acc-dup', inboxId: '1001' })
    expect(stored().channelAccounts['1001']).toEqual(SETUP.channelAccounts['1001'])
    expect(writes()).toBe(0)
    await send({ type: 'CHANNEL_ACCOUNT_PURGED', channelAccountId: 'acc1' })
    await send({ type: 'CHANNEL_ACCOUNT_CREATED', channelId: 'ch1', channelAccountId: 'acc-new', inboxId: '1001', name: 'Support 2' })
    expect(stored().channelAccounts['1001']).toEqual({ id: 'acc-new', inboxId: '1001', name: 'Support 2', authorized: true })
  })
})

describe('through the webhook: the installation binding comes first', () => {
  it('a purge or update of a known account naming another portal (our account known) changes nothing', async () => {
    const props = makeProps({ configuration: { refreshToken: undefined } })
    seedSetup(props.fake)
    props.fake.states.set(CONNECTION_KEY, { refreshToken: 'stored', hubId: '555' })
    const deliver = async (body: object) => (await handler({ ...props, req: signedRequest(body) }))?.status
    expect(await deliver({ type: 'CHANNEL_ACCOUNT_PURGED', portalId: 999, channelId: 'ch1', channelAccountId: 'acc1' })).toBe(200)
    expect(await deliver({ type: 'CHANNEL_ACCOUNT_UPDATED', portalId: 999, channelId: 'ch1', channelAccountId: 'acc1', authorized: false })).toBe(200)
    expect(props.fake.states.get(SETUP_KEY)).toEqual(SETUP)
    expect(await deliver({ type: 'CHANNEL_ACCOUNT_PURGED', portalId: 555, channelId: 'ch1', channelAccountId: 'acc1' })).toBe(200)
    expect((props.fake.states.get(SETUP_KEY) as SetupState).channelAccounts['1001']?.authorized).toBe(false)
  })
})
