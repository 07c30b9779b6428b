import type { BotpressStandIn } from '../../dev/botpress-stand-in'
import type { ConnectionState, SetupState } from '../../definitions/states'

/** What a stand-in installation holds in the integration's `setup` state (channel, accounts, inbox choice). */
export const setupStateOf = (standIn: BotpressStandIn): SetupState | undefined =>
  standIn.store.findState({ type: 'integration', id: standIn.integrationId, name: 'setup' })?.payload as SetupState | undefined

/** What a stand-in installation holds in the integration's `connection` state (Connect's refresh token, account). */
export const connectionStateOf = (standIn: BotpressStandIn): ConnectionState | undefined =>
  standIn.store.findState({ type: 'integration', id: standIn.integrationId, name: 'connection' })?.payload as ConnectionState | undefined
