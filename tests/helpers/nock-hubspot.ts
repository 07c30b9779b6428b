import nock from 'nock'
import { HUBSPOT, SECRETS } from './props'

export const ACCESS_TOKEN = 'access-token-5f4e3d2c1b0a9988'

export const hubspot = () => nock(HUBSPOT)

/** The OAuth refresh every fresh process does on its first OAuth call. */
export const nockTokenRefresh = (token = ACCESS_TOKEN) =>
  hubspot()
    .post(
      '/oauth/2026-03/token',
      (body: Record<string, string>) => body.grant_type === 'refresh_token' && body.refresh_token === SECRETS.refreshToken
    )
    .reply(200, { access_token: token, refresh_token: SECRETS.refreshToken, expires_in: 1800, token_type: 'bearer', token_use: 'access_token' })

export const devKeyQuery =
  (extra: Record<string, string> = {}) =>
  (q: Record<string, string | string[] | undefined>) =>
    q.hapikey === SECRETS.developerApiKey && q.appId === '424242' && Object.entries(extra).every(([k, v]) => q[k] === v)

export const channelsPath = '/conversations/custom-channels/2026-09'

export const nockInbox = (id: string, name = `Inbox ${id}`) =>
  hubspot().get(`/conversations/conversations/2026-09/inboxes/${id}`).matchHeader('authorization', `Bearer ${ACCESS_TOKEN}`).reply(200, {
    id,
    name,
    type: 'INBOX',
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    archived: false,
  })

export const nockListChannels = (results: object[], times = 1) =>
  hubspot().get(channelsPath).query(devKeyQuery()).times(times).reply(200, { results, total: results.length })

export const nockListAccounts = (channelId: string, results: object[]) =>
  hubspot().get(`${channelsPath}/${channelId}/channel-accounts`).query(true).reply(200, { results, total: results.length })
