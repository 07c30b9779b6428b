import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SetupState } from '../../definitions/states'
import { FakeBotpress } from '../../tests/helpers/fake-botpress'
import { accessTokenFor, FakeCustomChannels } from '../../tests/helpers/fake-custom-channels'
import { makePublisherConfigProps, usePublisherSecrets } from '../../tests/helpers/props'
import { resetCaches } from '../cache'
import { httpTuning } from '../hubspot'
import type { HubspotChannel } from '../hubspot/schemas'
import { oldestFirst, register, setupTuning } from './register'
import { unregister } from './unregister'
import type * as bp from '.botpress'

/**
 * A publisher app: one HubSpot app, one custom channel at the integration-level URL, shared by every
 * installation (issue 17, point 3). Two installations (two bots, each connected to its own HubSpot
 * account through Connect) register against one fake app (tests/helpers/fake-custom-channels.ts).
 */
const INTEGRATION_URL = 'https://webhook.botpress.test/integration/global/acme/hubspot-hitl'
const CHANNELS = '/conversations/custom-channels/2026-09'

let hubspot: FakeCustomChannels
let restoreSecrets: () => void = () => {}

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [1, 1, 1]
  restoreSecrets = usePublisherSecrets(INTEGRATION_URL)
  hubspot = new FakeCustomChannels()
  hubspot.install()
})
afterEach(() => {
  nock.cleanAll()
  restoreSecrets()
})

/**
 * One bot's installation, connected by Connect (refresh token in the connection state) with its
 * inboxes chosen on the setup page; no refresh token or inbox in the configuration.
 */
const installation = (n: number, inboxIds: string[]) => {
  const fake = new FakeBotpress()
  const base = makePublisherConfigProps({ bp: fake })
  const webhookUrl = `https://webhook.botpress.test/wh_${n}`
  const ctx = { ...base.ctx, botId: `bot_${n}`, webhookId: `wh_${n}` } as bp.Context
  const refreshToken = `refresh-of-portal-${n}`
  fake.states.set('integration:int_1:connection', { refreshToken, hubId: String(9000 + n), connectedAt: 1 })
  fake.states.set('integration:int_1:setup', { webhookUrl, channelId: '', channelAccounts: {}, inboxChoice: { inboxIds } })
  const props = { ...base, ctx, webhookUrl }
  return { props, token: accessTokenFor(refreshToken), setup: () => fake.states.get('integration:int_1:setup') as SetupState }
}

const run = (p: ReturnType<typeof installation>) => register(p.props as never)

/** Resolves once two channel creates have reached HubSpot (each held by `createGate`); fails after 5 s. */
const bothCreated = async (): Promise<void> => {
  const creates = () => hubspot.requests.filter((r) => r === `POST ${CHANNELS}`).length
  for (let waited = 0; creates() < 2 && waited < 5_000; waited += 5) await new Promise((r) => setTimeout(r, 5))
  expect(creates()).toBe(2)
}

describe('publisher app: one custom channel per app', () => {
  it('the first installation creates the channel at the integration-level URL, without a connection redirect URL; the next reuses it', async () => {
    const a = installation(1, ['1001'])
    const b = installation(2, ['2001'])
    await run(a)
    expect(hubspot.channels).toHaveLength(1)
    const channel = hubspot.channels[0]!
    expect(channel.webhookUrl).toBe(INTEGRATION_URL)
    // Not one bot's {webhookUrl}/connect: HubSpot opens it for every account (src/app-urls.ts).
    expect(channel.channelAccountConnectionRedirectUrl).toBeUndefined()
    expect(a.setup()).toMatchObject({ webhookUrl: 'https://webhook.botpress.test/wh_1', channelId: channel.id, channelWebhookUrl: INTEGRATION_URL })

    hubspot.requests = []
    await run(b)
    // Reused: one list, then only this installation's own account work, with its own token. No channel POST, no PATCH of the channel.
    expect(hubspot.requests).toEqual([
      `GET ${CHANNELS}`,
      `GET ${CHANNELS}/${channel.id}/channel-accounts ${b.token}`,
      `POST ${CHANNELS}/${channel.id}/channel-accounts ${b.token}`,
    ])
    expect(hubspot.channels).toHaveLength(1)
    expect(b.setup()).toMatchObject({ channelId: channel.id, channelWebhookUrl: INTEGRATION_URL, channelAccounts: { '2001': { authorized: true } } })
    expect(hubspot.accounts.map((x) => [x.inboxId, x.token])).toEqual([
      ['1001', a.token],
      ['2001', b.token],
    ])
  })

  it('two first installs at once leave one channel: the one that created the younger deletes its own and uses the oldest', async () => {
    const a = installation(1, ['1001'])
    const b = installation(2, ['2001'])
    // Both must find no channel before either create is answered.
    let release = () => {}
    hubspot.createGate = new Promise<void>((resolve) => (release = resolve))
    const both = Promise.all([run(a), run(b)])
    await bothCreated()
    expect(hubspot.requests.slice(0, 4)).toEqual([`GET ${CHANNELS}`, `GET ${CHANNELS}`, `POST ${CHANNELS}`, `POST ${CHANNELS}`])
    release()
    await both

    expect(hubspot.channels).toHaveLength(1)
    const [oldest, younger] = ['1000', '1001']
    expect(hubspot.channels[0]?.id).toBe(oldest)
    expect(hubspot.requests.filter((r) => r.startsWith('DELETE'))).toEqual([`DELETE ${CHANNELS}/${younger}`])
    expect(a.setup().channelId).toBe(oldest)
    expect(b.setup().channelId).toBe(oldest)
    // Every account is on the surviving channel, each made with its own installation's token.
    expect(hubspot.accounts.map((x) => [x.channelId, x.inboxId, x.token]).sort()).toEqual([
      [oldest, '1001', a.token],
      [oldest, '2001', b.token],
    ])
    const loser = [a, b].find((x) => x.props.lines.some((l) => l.message.includes(`channel ${younger} deleted`)))
    expect(loser).toBeDefined()
  })

  it('residual race: a channel another install just created that HubSpot does not list yet is not seen, so both stay (each still works)', async () => {
    // Another installation's create, answered but not yet listed (HubSpot's lag) while this one registers.
    hubspot.channels.push({ id: '999', name: 'Botpress', webhookUrl: INTEGRATION_URL, createdAt: '2026-11-30T00:00:00Z', hiddenFor: 1_000 })
    const a = installation(1, ['1001'])
    await run(a)
    expect(a.setup().channelId).toBe('1000')
    expect(hubspot.requests.some((r) => r.startsWith('DELETE'))).toBe(false)
    // Once listed, later installations converge on the oldest; the two first ones keep theirs.
    hubspot.channels[0]!.hiddenFor = 0
    const c = installation(3, ['3001'])
    await run(c)
    expect(c.setup().channelId).toBe('999')
    await run(a)
    expect(a.setup().channelId).toBe('1000')
  })

  it('a lost race whose delete fails still uses the oldest channel and says what to delete by hand', async () => {
    const a = installation(1, ['1001'])
    const b = installation(2, ['2001'])
    let release = () => {}
    hubspot.createGate = new Promise<void>((resolve) => (release = resolve))
    hubspot.failDeleteOf = '1001'
    httpTuning.sleep = async () => {}
    const both = Promise.all([run(a), run(b)])
    await bothCreated()
    release()
    await both
    expect(a.setup().channelId).toBe('1000')
    expect(b.setup().channelId).toBe('1000')
    const warning = [...a.props.lines, ...b.props.lines].find((l) => l.level === 'warn' && l.message.includes('could not be deleted'))
    expect(warning?.message).toMatch(/DELETE \/conversations\/custom-channels\/2026-09\/1001/)
  })

  it("does not adopt the shared channel's other accounts: only this installation's inboxes are routable", async () => {
    const a = installation(1, ['1001'])
    await run(a)
    const channelId = a.setup().channelId
    // Another bot of the same HubSpot account (same token) connected inbox 1002 to the app's channel.
    hubspot.accounts.push({ id: 'acc-other', channelId, inboxId: '1002', name: 'Other bot – 1002', authorized: true, token: a.token })
    await run(a)
    expect(Object.keys(a.setup().channelAccounts)).toEqual(['1001'])
  })

  it('uninstalling one installation keeps the channel and de-authorizes only its own accounts, with its own token, and says so', async () => {
    const a = installation(1, ['1001', '1002'])
    const b = installation(2, ['2001'])
    await run(a)
    await run(b)
    hubspot.requests = []
    await unregister(a.props as never)
    const channelId = b.setup().channelId
    const ownAccounts = hubspot.accounts.filter((x) => x.token === a.token).map((x) => x.id)
    expect(hubspot.requests).toEqual(ownAccounts.map((id) => `PATCH ${CHANNELS}/${channelId}/channel-accounts/${id} ${a.token}`))
    expect(hubspot.channels.map((c) => c.id)).toEqual([channelId])
    expect(hubspot.accounts.map((x) => [x.inboxId, x.authorized])).toEqual([
      ['1001', false],
      ['1002', false],
      ['2001', true],
    ])
    expect(a.setup()).toMatchObject({ channelId: '', channelAccounts: {} })
    const info = a.props.lines.find((l) => l.level === 'info' && l.message.includes('kept'))?.message
    expect(info).toMatch(
      new RegExp(
        `channel ${channelId} kept: it is the app's, shared by every installation; its channel account\\(s\\) ${ownAccounts.join(', ')} were de-authorized`
      )
    )
  })

  it('a failed de-authorization is logged with what to do, never "delete the channel", and does not throw', async () => {
    const a = installation(1, ['1001'])
    await run(a)
    hubspot.accounts = []
    await expect(unregister(a.props as never)).resolves.toBeUndefined()
    const error = a.props.lines.find((l) => l.level === 'error')?.message ?? ''
    expect(error).toMatch(/Could not de-authorize this bot's HubSpot channel accounts/)
    expect(error).toMatch(/do not delete the channel itself/)
  })
})

describe('publisher app: a malformed INTEGRATION_WEBHOOK_URL', () => {
  it.each(['not a url', 'ftp://webhook.botpress.test/x', 'https://webhook.botpress.test/integration/global/x?y=1', 'http://webhook.botpress.test/x'])(
    '%s: register fails naming the secret (never its value) before any HubSpot call; webhooks are refused',
    async (bad) => {
      process.env.SECRET_INTEGRATION_WEBHOOK_URL = bad
      const a = installation(1, ['1001'])
      const err = (await run(a).catch((e: unknown) => e)) as Error
      expect(err.message).toMatch(/secret SECRET_INTEGRATION_WEBHOOK_URL is not an https URL/)
      expect(err.message).not.toContain(bad)
      expect(hubspot.requests).toEqual([])
    }
  )
})

describe('oldestFirst', () => {
  const ch = (id: string, createdAt?: string): HubspotChannel => ({ id, ...(createdAt ? { createdAt } : {}) })
  it('orders by createdAt, then by id (numerically when both are digits)', () => {
    expect(oldestFirst([ch('5', '2026-01-02T00:00:00Z'), ch('9', '2026-01-01T00:00:00Z')]).map((c) => c.id)).toEqual(['9', '5'])
    expect(oldestFirst([ch('10', '2026-01-01T00:00:00Z'), ch('9', '2026-01-01T00:00:00Z')]).map((c) => c.id)).toEqual(['9', '10'])
    expect(oldestFirst([ch('10'), ch('9'), ch('b'), ch('a')]).map((c) => c.id)).toEqual(['9', '10', 'a', 'b'])
  })
})
