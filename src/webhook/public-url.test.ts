import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { seedEndUser, seedHitlConversation, seedSetup, SETUP } from '../../tests/helpers/hitl-fixtures'
import { makeProps, makePublisherConfigProps, usePublisherSecrets, WEBHOOK_URL } from '../../tests/helpers/props'
import { signedRequest } from '../../tests/helpers/sign'
import { propertyChange as change } from '../../tests/helpers/webhook-events'
import { FakeBotpress } from '../../tests/helpers/fake-botpress'
import { resetCaches } from '../cache'
import { handler } from './handler'
import type * as bp from '.botpress'

/**
 * What the runtime hands the integration for a HubSpot call. The SDK server (@botpress/sdk 5.4.3)
 * passes `req.path` and `req.query` verbatim from the runtime's webhook_received body; the runtime
 * gives the part of the public URL after the webhook id, as a URL's pathname and search (without
 * "?"): `{webhookUrl}` → "" (or "/": UNCONFIRMED, both modelled), `{webhookUrl}/` → "/",
 * `{webhookUrl}/?a=b` → "/" and "a=b".
 */
const called = (signedFor: string, runtime: { path: string; query: string }, body: unknown) => ({
  ...signedRequest(body, { url: signedFor }),
  ...runtime,
})

const closeBatch = [change(5, 'status', 'CLOSED')]

const setup = async (bp?: FakeBotpress, webhookId = 'wh_123', mode: 'ownApp' | 'publisher' = 'ownApp') => {
  const props = mode === 'publisher' ? makePublisherConfigProps({ bp }) : makeProps({ bp })
  const ctx = { ...props.ctx, webhookId } as bp.Context
  seedSetup(props.fake)
  const user = await seedEndUser(props.fake)
  await seedHitlConversation(props.fake, user.id)
  const stopped = () => props.fake.events.filter((e) => e.type === 'hitlStopped').length
  return { props, deliver: (req: ReturnType<typeof called>) => handler({ ...props, ctx, req }), stopped }
}

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
})
afterEach(() => nock.cleanAll())

describe('webhook URL: the app target with and without a trailing slash', () => {
  it('an event signed for the target with a trailing slash (runtime path "/") is verified and acted on', async () => {
    const { deliver, stopped } = await setup()
    const res = await deliver(called(`${WEBHOOK_URL}/`, { path: '/', query: '' }, closeBatch))
    expect(res?.status).toBe(200)
    expect(stopped()).toBe(1)
  })

  it('both forms, with the runtime path "" or "/" and with a query string, verify', async () => {
    const cases: [string, { path: string; query: string }][] = [
      [WEBHOOK_URL, { path: '', query: '' }],
      [WEBHOOK_URL, { path: '/', query: '' }],
      [`${WEBHOOK_URL}/`, { path: '/', query: '' }],
      [`${WEBHOOK_URL}?portal=1`, { path: '', query: 'portal=1' }],
      [`${WEBHOOK_URL}?portal=1`, { path: '/', query: 'portal=1' }],
      [`${WEBHOOK_URL}/?portal=1`, { path: '/', query: 'portal=1' }],
    ]
    const { deliver } = await setup()
    for (const [url, runtime] of cases) expect((await deliver(called(url, runtime, [change(1, 'status', 'OPEN')])))?.status, url).toBe(200)
  })

  it('a stored webhook URL with a trailing slash accepts both forms too', async () => {
    const fake = new FakeBotpress()
    const { deliver } = await setup(fake)
    seedSetup(fake, { ...SETUP, webhookUrl: `${WEBHOOK_URL}/` })
    resetCaches()
    expect((await deliver(called(WEBHOOK_URL, { path: '/', query: '' }, closeBatch)))?.status).toBe(200)
    expect((await deliver(called(`${WEBHOOK_URL}/`, { path: '/', query: '' }, closeBatch)))?.status).toBe(200)
  })

  it('a sub-path is verified as called; a query verifies with or without the runtime\'s leading "?", and a "?" inside it is kept', async () => {
    const { deliver } = await setup()
    const accepted: [string, { path: string; query: string }][] = [
      [`${WEBHOOK_URL}/events`, { path: '/events', query: '' }],
      [`${WEBHOOK_URL}/events?a=1`, { path: '/events', query: 'a=1' }],
      [`${WEBHOOK_URL}?portal=1`, { path: '', query: '?portal=1' }],
      [`${WEBHOOK_URL}?next=/x?y=1`, { path: '', query: 'next=/x?y=1' }],
    ]
    for (const [url, runtime] of accepted) expect((await deliver(called(url, runtime, [change(1, 'status', 'OPEN')])))?.status, url).toBe(200)
  })

  it('nothing looser: signed for another path, a double slash, another host or another query → 401, nothing done', async () => {
    const { deliver, stopped } = await setup()
    const forged: [string, { path: string; query: string }][] = [
      [`${WEBHOOK_URL}/other`, { path: '/', query: '' }],
      [`${WEBHOOK_URL}//`, { path: '/', query: '' }],
      [`${WEBHOOK_URL}/`, { path: '/other', query: '' }],
      ['https://elsewhere.test/wh_123', { path: '/', query: '' }],
      ['https://webhook.botpress.test/wh_999/', { path: '/', query: '' }],
      [`${WEBHOOK_URL}/?a=1`, { path: '/', query: 'a=2' }],
      [`${WEBHOOK_URL}/`, { path: '/', query: 'a=1' }],
    ]
    for (const [url, runtime] of forged) expect((await deliver(called(url, runtime, closeBatch)))?.status, url).toBe(401)
    expect(stopped()).toBe(0)
  })
})

describe('webhook URL cache: one entry per bot and webhook', () => {
  it('two bots with different webhook URLs in one process each verify with their own URL, read once each', async () => {
    const a = makeProps()
    const b = makeProps()
    seedSetup(a.fake)
    seedSetup(b.fake, { ...SETUP, webhookUrl: 'https://webhook.botpress.test/wh_456' })
    // Same webhook id on purpose: the bot id alone must keep the entries apart.
    const ctxB = { ...b.ctx, botId: 'bot_2' } as bp.Context
    const toA = (url: string) => handler({ ...a, req: called(url, { path: '/', query: '' }, [change(1, 'status', 'OPEN')]) })
    const toB = (url: string) => handler({ ...b, ctx: ctxB, req: called(url, { path: '/', query: '' }, [change(1, 'status', 'OPEN')]) })
    expect((await toA(WEBHOOK_URL))?.status).toBe(200)
    expect((await toB('https://webhook.botpress.test/wh_456'))?.status).toBe(200)
    // Each bot's URL stays its own, whatever was cached first.
    expect((await toA('https://webhook.botpress.test/wh_456'))?.status).toBe(401)
    expect((await toB(WEBHOOK_URL))?.status).toBe(401)
    expect((await toA(WEBHOOK_URL))?.status).toBe(200)
    expect((await toB('https://webhook.botpress.test/wh_456'))?.status).toBe(200)
    // Once each: the setup state, and (a configured refresh token, events naming a portal) the token's account.
    expect(a.fake.calls.filter((c) => c === 'getState')).toHaveLength(2)
    expect(b.fake.calls.filter((c) => c === 'getState')).toHaveLength(2)
  })

  it('the same bot with two webhooks (two installations) keeps two entries', async () => {
    const a = makeProps()
    seedSetup(a.fake)
    const other = { ...a.ctx, webhookId: 'wh_456' } as bp.Context
    expect((await handler({ ...a, req: called(WEBHOOK_URL, { path: '/', query: '' }, [change(1, 'status', 'OPEN')]) }))?.status).toBe(200)
    a.fake.states.set('integration:int_1:setup', { ...SETUP, webhookUrl: 'https://webhook.botpress.test/wh_456' })
    const req = called('https://webhook.botpress.test/wh_456', { path: '/', query: '' }, [change(1, 'status', 'OPEN')])
    expect((await handler({ ...a, ctx: other, req }))?.status).toBe(200)
  })
})

/**
 * Publisher app: HubSpot calls the integration-level URL (the shared channel's webhookUrl and the
 * app's webhook target) and signs that; Botpress delivers the request to the installation whose
 * identifier the extract script returned. Which path the integration then sees is UNCONFIRMED
 * (docs/hubspot.md, "Publisher app"): both readings are modelled.
 */
describe('publisher app: signatures over the integration-level URL', () => {
  const INTEGRATION_URL = 'https://webhook.botpress.test/integration/global/acme/hubspot-hitl'
  const OWN_PATH = '/integration/global/acme/hubspot-hitl'
  let restoreSecrets: () => void = () => {}
  beforeEach(() => {
    restoreSecrets = usePublisherSecrets(INTEGRATION_URL)
  })
  afterEach(() => restoreSecrets())

  it('reading 1, the path after the integration-level URL ("" or "/" at the root): verified and acted on', async () => {
    const { deliver, stopped } = await setup(undefined, 'wh_123', 'publisher')
    const cases: [string, { path: string; query: string }][] = [
      [INTEGRATION_URL, { path: '', query: '' }],
      [INTEGRATION_URL, { path: '/', query: '' }],
      [`${INTEGRATION_URL}/`, { path: '/', query: '' }],
      [`${INTEGRATION_URL}?portal=1`, { path: '', query: 'portal=1' }],
      [`${INTEGRATION_URL}/events`, { path: '/events', query: '' }],
    ]
    for (const [url, runtime] of cases) expect((await deliver(called(url, runtime, [change(1, 'status', 'OPEN')])))?.status, url).toBe(200)
    expect((await deliver(called(INTEGRATION_URL, { path: '', query: '' }, closeBatch)))?.status).toBe(200)
    expect(stopped()).toBe(1)
  })

  it('reading 2, the whole path HubSpot called: verified and acted on', async () => {
    const { deliver, stopped } = await setup(undefined, 'wh_123', 'publisher')
    const cases: [string, { path: string; query: string }][] = [
      [INTEGRATION_URL, { path: OWN_PATH, query: '' }],
      [`${INTEGRATION_URL}/`, { path: `${OWN_PATH}/`, query: '' }],
      [INTEGRATION_URL, { path: `${OWN_PATH}/`, query: '' }],
      [`${INTEGRATION_URL}?portal=1`, { path: OWN_PATH, query: 'portal=1' }],
      [`${INTEGRATION_URL}/events`, { path: `${OWN_PATH}/events`, query: '' }],
    ]
    for (const [url, runtime] of cases) expect((await deliver(called(url, runtime, [change(1, 'status', 'OPEN')])))?.status, url).toBe(200)
    expect((await deliver(called(INTEGRATION_URL, { path: OWN_PATH, query: '' }, closeBatch)))?.status).toBe(200)
    expect(stopped()).toBe(1)
  })

  it("nothing looser: the installation's own URL, another integration's URL, another path or query → 401, nothing done", async () => {
    const { deliver, stopped } = await setup(undefined, 'wh_123', 'publisher')
    const forged: [string, { path: string; query: string }][] = [
      // HubSpot never calls the installation's URL in this mode: a signature over it proves nothing here.
      [WEBHOOK_URL, { path: '', query: '' }],
      [`${WEBHOOK_URL}/`, { path: '/', query: '' }],
      ['https://webhook.botpress.test/integration/global/acme/other', { path: '', query: '' }],
      ['https://webhook.botpress.test/integration/global/acme/other', { path: '/integration/global/acme/other', query: '' }],
      [`${INTEGRATION_URL}/other`, { path: '/', query: '' }],
      [`${INTEGRATION_URL}/other`, { path: OWN_PATH, query: '' }],
      [INTEGRATION_URL, { path: `${OWN_PATH}-2`, query: '' }],
      [`${INTEGRATION_URL}?a=1`, { path: OWN_PATH, query: 'a=2' }],
      ['https://elsewhere.test/integration/global/acme/hubspot-hitl', { path: OWN_PATH, query: '' }],
    ]
    for (const [url, runtime] of forged) expect((await deliver(called(url, runtime, closeBatch)))?.status, `${url} ${runtime.path}`).toBe(401)
    expect(stopped()).toBe(0)
  })

  it('a malformed secret verifies nothing: 401, nothing done (register names the secret)', async () => {
    process.env.SECRET_INTEGRATION_WEBHOOK_URL = 'not a url'
    const { deliver, stopped } = await setup(undefined, 'wh_123', 'publisher')
    expect((await deliver(called(WEBHOOK_URL, { path: '', query: '' }, closeBatch)))?.status).toBe(401)
    expect(
      (await deliver(called('https://webhook.botpress.test/integration/global/acme/hubspot-hitl', { path: '', query: '' }, closeBatch)))?.status
    ).toBe(401)
    expect(stopped()).toBe(0)
  })
})
