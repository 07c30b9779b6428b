import { modeOf } from '../credentials'
import { createHubspotClient, isHubspotStatus } from '../hubspot'
import { endpoints } from '../hubspot/endpoints'
import { stopRoutingByPortal } from './routing-identifier'
import { loadSetupState, saveSetupState } from './setup-state'
import type * as bp from '.botpress'

/**
 * Removes what `register` created. Uninstalling must always succeed on the Botpress side, so
 * failures are logged for the bot builder (with what to clean up by hand) and not thrown.
 */
export const unregister: bp.IntegrationProps['unregister'] = async (props) => {
  const log = props.logger.forBot()
  await stopRoutingByPortal(props, modeOf(props.ctx))
  let shared = false
  try {
    const state = await loadSetupState(props)
    if (!state?.channelId) {
      log.info('No HubSpot channel was set up; nothing to remove.')
      return
    }
    // Known before anything can fail: the advice on failure must never be to delete the channel other bots use.
    shared = state.channelWebhookUrl !== undefined
    const hs = createHubspotClient(props)
    if (shared) {
      // The publisher app's channel: every installation of the app uses it, so it stays. Only this
      // installation's channel accounts are switched off, with its own HubSpot account's token.
      const own = Object.values(state.channelAccounts).filter((a) => a.authorized)
      for (const account of own) await hs.channels.updateAccount(state.channelId, account.id, { authorized: false })
      const which =
        own.length > 0 ? `its channel account(s) ${own.map((a) => a.id).join(', ')} were de-authorized` : 'it had no channel accounts to de-authorize'
      log.info(`HubSpot channel ${state.channelId} kept: it is the app's, shared by every installation; ${which}.`)
    } else if (state.channelCreatedByUs !== false) {
      // Only states saved by earlier versions can say the channel is not ours (they reused one).
      try {
        await hs.channels.delete(state.channelId)
      } catch (err) {
        if (!isHubspotStatus(err, 404)) throw err
      }
      log.info(`HubSpot channel ${state.channelId} deleted.`)
    } else {
      // Not ours to delete: switch off our connections instead (HubSpot has no account DELETE).
      for (const account of Object.values(state.channelAccounts)) {
        await hs.channels.updateAccount(state.channelId, account.id, { authorized: false })
      }
      log.info(`HubSpot channel ${state.channelId} kept; its channel accounts were de-authorized.`)
    }
    const { channelCreatedByUs: _legacy, ...rest } = state
    await saveSetupState(props, { ...rest, channelId: '', channelAccounts: {} })
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'unknown error'
    if (shared) {
      log.error(
        `Could not de-authorize this bot's HubSpot channel accounts: ${reason}. Disconnect the channel from this bot's inboxes in HubSpot (Settings › Inbox & Help Desk › Channels); do not delete the channel itself: other bots use it.`
      )
      return
    }
    log.error(
      `Could not remove the HubSpot custom channel: ${reason}. Remove it by hand (DELETE ${endpoints.customChannels.channels()}/{channelId} with your developer API key).`
    )
  }
}
