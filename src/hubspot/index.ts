import { isNotFound } from '../botpress-errors'
import { connectionScope, loadConnection } from '../connect/connection-state'
import { secretsOf } from '../config'
import { observeTokenHubId, tokenAccountOf } from '../installation-identity'
import { credentialsOf, type Credentials } from '../credentials'
import type * as bp from '.botpress'
import { ChannelsApi } from './channels'
import { ContactsApi } from './contacts'
import { ConversationsApi } from './conversations'
import { FilesApi } from './files'
import { HubspotHttp, type HubspotHttpOptions } from './http'
import type { AppOwner } from './errors'
import { MessagesApi } from './messages'
import { refreshAccessToken } from './oauth'
import { OwnersApi } from './owners'
import { registerSecret } from './redact'
import { TicketsApi } from './tickets'
import { credentialsFingerprint, TokenManager, type CachedToken, type TokenStore } from './token-manager'

export { HubspotApiError, isHubspotStatus } from './errors'

export type HubspotClient = {
  config: Credentials
  http: HubspotHttp
  channels: ChannelsApi
  messages: MessagesApi
  conversations: ConversationsApi
  files: FilesApi
  contacts: ContactsApi
  tickets: TicketsApi
  owners: OwnersApi
}

/** Tunables that tests and the benchmark shorten (retry waits, timeouts); production uses the defaults. */
export const httpTuning: Pick<HubspotHttpOptions, 'retryPolicy' | 'timeoutMs' | 'sleep'> = {}

type Props = { ctx: bp.Context; client: bp.Client; logger?: bp.Logger }

/** `configuredFingerprint`: the configured credentials' fingerprint, whose token's account binds the installation. */
const stateTokenStore = ({ ctx, client }: Props, configuredFingerprint: string | undefined): TokenStore => ({
  async load(): Promise<CachedToken | undefined> {
    try {
      const { state } = await client.getState({ type: 'integration', name: 'oauth', id: ctx.integrationId })
      observeTokenHubId(ctx, tokenAccountOf(state.payload, configuredFingerprint))
      return state.payload
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
  },
  async save(token: CachedToken): Promise<void> {
    await client.setState({ type: 'integration', name: 'oauth', id: ctx.integrationId, payload: token })
    observeTokenHubId(ctx, token.hubId)
  },
})

/** Whose app the credentials are, for error hints (hubspot/errors.ts). */
export const appOwnerOf = (config: Pick<Credentials, 'mode'>): AppOwner => (config.mode === 'publisher' ? 'publisher' : 'builder')

export const createHubspotClient = (props: Props): HubspotClient => {
  const config = credentialsOf(props.ctx)
  for (const secret of secretsOf(config)) registerSecret(secret)

  const base = { baseUrl: config.apiBaseUrl, appOwner: appOwnerOf(config), ...httpTuning }
  const oauthHttp = new HubspotHttp(base)
  const tokens = new TokenManager({
    clientId: config.clientId,
    // A configured refresh token wins (existing installs); else the one the Connect flow stored,
    // read from state on the cold path only (kept in process afterwards).
    refreshToken: config.refreshToken ?? {
      scope: connectionScope(props.ctx),
      load: async () => (await loadConnection(props)).refreshToken,
      notConnectedHint: "Open the integration's webhook URL (shown in Botpress) followed by /oauth/start to connect HubSpot.",
    },
    store: stateTokenStore(props, config.refreshToken === undefined ? undefined : credentialsFingerprint(config.clientId, config.refreshToken)),
    refresh: (refreshToken) => refreshAccessToken(oauthHttp, { clientId: config.clientId, clientSecret: config.clientSecret, refreshToken }),
    onCacheError: (message) => props.logger?.forBot().warn(message),
  })
  const http = new HubspotHttp({ ...base, tokens, developerApiKey: config.developerApiKey, appId: config.appId })
  return {
    config,
    http,
    channels: new ChannelsApi(http),
    messages: new MessagesApi(http),
    conversations: new ConversationsApi(http),
    files: new FilesApi(http),
    contacts: new ContactsApi(http),
    tickets: new TicketsApi(http),
    owners: new OwnersApi(http),
  }
}
