import nock from 'nock'
import { HUBSPOT, SECRETS } from './props'
import { fakeChannel, fakePage } from './hubspot-fakes'

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

/**
 * A token introspection answer for an active access token, with every field the OAuth 2026-03 spec
 * requires (`POST /oauth/2026-03/token/introspect`, access-token variant).
 */
export const introspectionOf = (token: string, hubId: number | string, domain = 'acme.hubspot.com') => ({
  active: true,
  token,
  token_type: 'bearer',
  token_use: 'access_token',
  client_id: 'client-id-1234',
  app_id: 424242,
  hub_id: Number(hubId),
  hub_domain: domain,
  user_id: 1,
  expires_in: 1800,
  is_private_distribution: false,
  scopes: ['conversations.read'],
  signed_access_token: {
    appId: 424242,
    appInstallId: 'install-1',
    audience: 'hubspot',
    expiresAt: 1_900_000_000_000,
    hubId: Number(hubId),
    hublet: 'na1',
    installingUserId: 1,
    isPrivateDistribution: false,
    isServiceAccount: false,
    isUserLevel: false,
    newSignature: 'sig',
    scopeToScopeGroupPks: '',
    scopes: '',
    signature: 'sig',
    trialScopeToScopeGroupPks: '',
    trialScopes: '',
    userId: 1,
  },
})

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

/** Lists these channels (completed to HubSpot's shape: tests name only what the code reads). */
export const nockListChannels = (results: { id: string; [k: string]: unknown }[], times = 1) =>
  hubspot()
    .get(channelsPath)
    .query(devKeyQuery())
    .times(times)
    .reply(200, fakePage(results.map((r) => fakeChannel(r))))

export const nockListAccounts = (channelId: string, results: object[]) =>
  hubspot().get(`${channelsPath}/${channelId}/channel-accounts`).query(true).reply(200, { results, total: results.length })
