import type { ChannelAccountEvent } from '../event-schemas'
import { normaliseChannelAccountEvent } from '../event-schemas'
import { loadSetupState, saveSetupState } from '../../setup/setup-state'
import type { EventContext } from './context'

/**
 * Keeps the stored channel accounts true to HubSpot, so that startHitl refuses an inbox whose
 * connection was de-authorised or removed instead of posting into the void.
 */
export const handleChannelAccountChanged = async (ec: EventContext, raw: ChannelAccountEvent): Promise<void> => {
  const event = normaliseChannelAccountEvent(raw)
  const props = { ctx: ec.ctx, client: ec.client }
  const setup = await loadSetupState(props)
  if (!setup?.channelId || (event.channelId && event.channelId !== setup.channelId)) return

  // register owns which accounts exist (it creates them); events only update what they know,
  // so an echo of register's own work can never overwrite its final state with a partial one.
  const entry = Object.entries(setup.channelAccounts).find(([, a]) => a.id === event.channelAccountId)
  if (!entry) {
    ec.logger.debug(`Ignoring ${event.type} for channel account ${event.channelAccountId}: not one of ours.`)
    return
  }
  const [inboxId, current] = entry
  const authorized = event.type === 'CHANNEL_ACCOUNT_PURGED' ? false : event.authorized ?? current.authorized
  if (current.authorized === authorized) return

  setup.channelAccounts[inboxId] = { ...current, authorized }
  await saveSetupState(props, setup)
  const verb = authorized ? 'is connected' : 'was disconnected'
  ec.logger.forBot().info(`HubSpot channel account ${event.channelAccountId} (inbox ${inboxId}) ${verb}.`)
}
