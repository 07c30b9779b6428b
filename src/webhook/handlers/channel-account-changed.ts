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

  const entry = Object.entries(setup.channelAccounts).find(([, a]) => a.id === event.channelAccountId)
  const inboxId = entry?.[0] ?? event.inboxId
  if (!inboxId || !ec.hs.config.inboxIds.includes(inboxId)) {
    ec.logger.debug(`Ignoring ${event.type} for channel account ${event.channelAccountId}: inbox not configured.`)
    return
  }
  const current = entry?.[1]
  const authorized = event.type === 'CHANNEL_ACCOUNT_PURGED' ? false : event.authorized ?? current?.authorized ?? true
  // register usually stored it already; a redelivered or echoed event must not rewrite it.
  if (current && current.id === event.channelAccountId && current.authorized === authorized) return

  setup.channelAccounts[inboxId] = {
    id: event.channelAccountId,
    inboxId,
    name: event.name ?? current?.name ?? inboxId,
    authorized,
  }
  await saveSetupState(props, setup)
  const verb = authorized ? 'is connected' : 'was disconnected'
  ec.logger.forBot().info(`HubSpot channel account ${event.channelAccountId} (inbox ${inboxId}) ${verb}.`)
}
