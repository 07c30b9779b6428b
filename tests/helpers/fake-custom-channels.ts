import nock from 'nock'
import { HUBSPOT, SECRETS } from './props'

const BASE = '/conversations/custom-channels/2026-09'

type Channel = { id: string; name: string; webhookUrl: string; createdAt: string; channelAccountConnectionRedirectUrl?: string; hiddenFor: number }
type Account = { id: string; channelId: string; inboxId: string; name: string; authorized: boolean; token: string }

/** The access token the fake issues for a refresh token: each installation (HubSpot account) has its own. */
export const accessTokenFor = (refreshToken: string): string => `access-for-${refreshToken}`

const parse = (body: unknown): Record<string, unknown> => {
  if (typeof body === 'string') return body ? (JSON.parse(body) as Record<string, unknown>) : {}
  return (body ?? {}) as Record<string, unknown>
}

/**
 * HubSpot's custom channels of one app, over nock, with state: what two installations of one
 * publisher app see when they register side by side. A new channel stays out of the list for
 * `lag` list calls (HubSpot's list lags a new channel); `createGate` holds every create's answer
 * until it resolves, so a test can make two installations both find nothing before either creates.
 * Channel-level calls need the developer key and app id; account calls an OAuth token, which says
 * whose account it is (each list shows only that HubSpot account's accounts, UNCONFIRMED but the
 * only reading in which one portal's token cannot touch another's).
 */
export class FakeCustomChannels {
  public channels: Channel[] = []
  public accounts: Account[] = []
  /** Every request, in arrival order: `METHOD path [token]`. */
  public requests: string[] = []
  public lag = 0
  public createGate: Promise<void> | undefined
  /** Makes the DELETE of this channel id fail with a 500. */
  public failDeleteOf: string | undefined
  private _nextId = 1000
  private _clock = Date.parse('2026-12-01T00:00:00Z')

  public install(): void {
    // nock gives a reply function the request (its Authorization header) as `this`, so those are
    // plain functions, and they reach the fake through this name.
    // oxlint-disable-next-line typescript/no-this-alias -- see above
    const fake = this
    const hs = nock(HUBSPOT).persist()
    const devKey = (q: Record<string, unknown>) => q.hapikey === SECRETS.developerApiKey && q.appId === '424242'
    hs.post('/oauth/2026-03/token').reply((_uri, body) => {
      const refreshToken = String(new URLSearchParams(String(body)).get('refresh_token') ?? parse(body).refresh_token)
      return [200, { access_token: accessTokenFor(refreshToken), refresh_token: refreshToken, expires_in: 1800, token_type: 'bearer' }]
    })
    hs.get(/\/conversations\/conversations\/2026-09\/inboxes\/\d+$/).reply((uri) => {
      const id = uri.split('/').pop() ?? ''
      return [200, { id, name: `Inbox ${id}`, type: 'INBOX', archived: false, createdAt: '2026-01-01T00:00:00Z' }]
    })
    hs.get(BASE)
      .query(devKey)
      .reply(() => {
        this.requests.push(`GET ${BASE}`)
        const visible = this.channels.filter((c) => c.hiddenFor === 0)
        for (const c of this.channels) if (c.hiddenFor > 0) c.hiddenFor--
        return [200, { results: visible.map(({ hiddenFor: _h, ...c }) => c), total: visible.length }]
      })
    hs.post(BASE)
      .query(devKey)
      .reply(async (_uri, body) => {
        this.requests.push(`POST ${BASE}`)
        const egg = parse(body)
        const channel: Channel = {
          id: String(this._nextId++),
          name: String(egg.name),
          webhookUrl: String(egg.webhookUrl),
          createdAt: new Date((this._clock += 1000)).toISOString(),
          ...(egg.channelAccountConnectionRedirectUrl
            ? { channelAccountConnectionRedirectUrl: String(egg.channelAccountConnectionRedirectUrl) }
            : {}),
          hiddenFor: this.lag,
        }
        this.channels.push(channel)
        if (this.createGate) await this.createGate
        const { hiddenFor: _h, ...shown } = channel
        return [201, shown]
      })
    hs.delete(/\/conversations\/custom-channels\/2026-09\/\d+$/)
      .query(devKey)
      .reply((uri) => {
        const id = new URL(uri, HUBSPOT).pathname.split('/').pop() ?? ''
        this.requests.push(`DELETE ${BASE}/${id}`)
        if (this.failDeleteOf === id) return [500, { status: 'error', message: 'boom', category: 'INTERNAL_ERROR' }]
        this.channels = this.channels.filter((c) => c.id !== id)
        return [204, '']
      })
    hs.get(/\/channel-accounts/)
      .query(true)
      .reply(function (this: nock.ReplyFnContext, uri) {
        return fake.listAccounts(uri, tokenOf(this.req.headers.authorization))
      })
    hs.post(/\/channel-accounts$/).reply(function (this: nock.ReplyFnContext, uri, body) {
      return fake.createAccount(uri, tokenOf(this.req.headers.authorization), parse(body))
    })
    hs.patch(/\/channel-accounts\/[^/]+$/).reply(function (this: nock.ReplyFnContext, uri, body) {
      return fake.patchAccount(uri, tokenOf(this.req.headers.authorization), parse(body))
    })
  }

  public channelsAt(url: string): Channel[] {
    return this.channels.filter((c) => c.webhookUrl === url)
  }

  private listAccounts(uri: string, token: string): nock.ReplyFnResult {
    const channelId = channelIdOf(uri)
    this.requests.push(`GET ${BASE}/${channelId}/channel-accounts ${token}`)
    const results = this.accounts
      .filter((a) => a.channelId === channelId && a.token === token)
      .map(({ token: _t, ...a }) => ({ ...a, archived: false }))
    return [200, { results, total: results.length }]
  }

  private createAccount(uri: string, token: string, egg: Record<string, unknown>): nock.ReplyFnResult {
    const channelId = channelIdOf(uri)
    this.requests.push(`POST ${BASE}/${channelId}/channel-accounts ${token}`)
    if (!this.channels.some((c) => c.id === channelId)) return [404, { status: 'error', message: 'no such channel', category: 'OBJECT_NOT_FOUND' }]
    const account: Account = {
      id: `acc${this._nextId++}`,
      channelId,
      inboxId: String(egg.inboxId),
      name: String(egg.name),
      authorized: egg.authorized !== false,
      token,
    }
    this.accounts.push(account)
    const { token: _t, ...shown } = account
    return [201, { ...shown, archived: false }]
  }

  private patchAccount(uri: string, token: string, patch: Record<string, unknown>): nock.ReplyFnResult {
    const [channelId, accountId] = [channelIdOf(uri), uri.split('/').pop() ?? '']
    this.requests.push(`PATCH ${BASE}/${channelId}/channel-accounts/${accountId} ${token}`)
    const account = this.accounts.find((a) => a.id === accountId && a.channelId === channelId && a.token === token)
    if (!account) return [404, { status: 'error', message: 'no such account', category: 'OBJECT_NOT_FOUND' }]
    if (typeof patch.authorized === 'boolean') account.authorized = patch.authorized
    const { token: _t, ...shown } = account
    return [200, { ...shown, archived: false }]
  }
}

const channelIdOf = (uri: string): string => /custom-channels\/2026-09\/(\d+)\/channel-accounts/.exec(uri)?.[1] ?? ''
const tokenOf = (header: string | string[] | undefined): string => String(Array.isArray(header) ? header[0] : (header ?? '')).replace(/^Bearer /, '')
