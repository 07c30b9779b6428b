import type { SetupState, StoredChannelAccount } from '../../../definitions/states'
import type { ChannelAccountEvent, NormalisedChannelAccountEvent } from '../event-schemas'
import { normaliseChannelAccountEvent } from '../event-schemas'
import { loadSetupState, saveSetupState } from '../../setup/setup-state'
import { loadConnection } from '../../connect/connection-state'
import { describeMismatch, mismatchOf } from '../installation'
import type { EventContext } from './context'

/**
 * Keeps the stored channel accounts true to HubSpot, so that startHitl refuses an inbox whose
 * connection was de-authorised or removed instead of posting into the void, and routes to an inbox
 * an admin connected from HubSpot's own settings (CHANNEL_ACCOUNT_CREATED).
 */
export const handleChannelAccountChanged = async (ec: EventContext, raw: ChannelAccountEvent): Promise<void> => {
  const event = normaliseChannelAccountEvent(raw)
  const props = { ctx: ec.ctx, client: ec.client }
  const setup = await loadSetupState(props)
  if (!setup?.channelId) return
  // The same rule as every event's (webhook/installation.ts), against the state just read.
  const other = mismatchOf({ channelId: setup.channelId }, { channelIds: [event.channelId] })
  if (other) {
    ec.logger.debug(
      `Ignoring ${event.type} for channel account ${event.channelAccountId}: it names ${describeMismatch(other)}, not this installation's.`
    )
    return
  }

  const entry = Object.entries(setup.channelAccounts).find(([, a]) => a.id === event.channelAccountId)
  if (!entry) {
    // A publisher app's channel is shared: an account this installation did not create is another
    // installation's (its register saves its own; HubSpot's admin path is off for that channel).
    if (setup.channelWebhookUrl !== undefined) {
      ec.logger.debug(
        `Ignoring ${event.type} for channel account ${event.channelAccountId}: not one of this installation's on the app's shared channel.`
      )
      return
    }
    if (event.type === 'CHANNEL_ACCOUNT_CREATED' && (await fromConnectedAccount(ec, raw.portalId))) await addAccount(ec, setup, event)
    else ec.logger.debug(`Ignoring ${event.type} for channel account ${event.channelAccountId}: not one of ours.`)
    return
  }
  // Known accounts: events only update what they know, so an echo of register's own work can never
  // overwrite its final state with a partial one.
  const [inboxId, current] = entry
  const authorized = event.type === 'CHANNEL_ACCOUNT_PURGED' ? false : (event.authorized ?? current.authorized)
  const name = event.type === 'CHANNEL_ACCOUNT_UPDATED' && event.name ? event.name : current.name
  if (current.authorized === authorized && current.name === name) return

  setup.channelAccounts[inboxId] = { ...current, name, authorized }
  await saveSetupState(props, setup)
  const verb = authorized ? 'is connected' : 'was disconnected'
  ec.logger.forBot().info(`HubSpot channel account ${event.channelAccountId} (inbox ${inboxId}) ${verb}.`)
}

/**
 * A custom channel belongs to the app, so every HubSpot account that installed the app can connect
 * it to its own inboxes. Only the account the Connect flow bound is ours: another account's inbox
 * must never receive this bot's escalations. Read only for a new account (rare). With a configured
 * refresh token the account is not recorded, so nothing can be compared (as before).
 */
const fromConnectedAccount = async (ec: EventContext, portalId: string | undefined): Promise<boolean> => {
  if (!portalId) return true
  const { hubId } = await loadConnection({ ctx: ec.ctx, client: ec.client })
  if (!mismatchOf({ hubId }, { portalId })) return true
  ec.logger
    .forBot()
    .warn(
      `Ignored a channel account created in HubSpot account ${portalId}: this bot is connected to ${hubId}; escalations never go to another account.`
    )
  return false
}

/**
 * A new account on our channel (an admin connected it from HubSpot, or register's own creation
 * echoed before register saved it). The event's shape is UNCONFIRMED: when it does not say which
 * channel and inbox, HubSpot's account list (our channel only) is asked, and nothing is stored for
 * an account that list does not have.
 */
const addAccount = async (ec: EventContext, setup: SetupState, event: NormalisedChannelAccountEvent): Promise<void> => {
  let account: StoredChannelAccount | undefined
  if (event.channelId === setup.channelId && event.inboxId) {
    account = { id: event.channelAccountId, inboxId: event.inboxId, name: event.name ?? event.inboxId, authorized: event.authorized ?? true }
  } else {
    const listed = (await ec.hs.channels.listAccounts(setup.channelId)).find((a) => a.id === event.channelAccountId && !a.archived)
    if (listed?.inboxId) {
      account = { id: listed.id, inboxId: listed.inboxId, name: listed.name ?? event.name ?? listed.inboxId, authorized: listed.authorized !== false }
    }
  }
  if (!account) {
    ec.logger.debug(`Ignoring CHANNEL_ACCOUNT_CREATED for ${event.channelAccountId}: not an account of channel ${setup.channelId}.`)
    return
  }
  // One account per inbox is routed to: an authorized one already there stays.
  if (setup.channelAccounts[account.inboxId]?.authorized) return
  setup.channelAccounts[account.inboxId] = account
  await saveSetupState({ ctx: ec.ctx, client: ec.client }, setup)
  ec.logger.forBot().info(`HubSpot inbox ${account.inboxId} connected the channel (account ${account.id}); escalations can now be routed to it.`)
}
