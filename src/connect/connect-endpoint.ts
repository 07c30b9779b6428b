import { createHash } from 'node:crypto'
import { createHubspotClient } from '../hubspot'
import { loadSetupState } from '../setup/setup-state'
import type { ConnectContext } from './context'
import { html, messagePage, redirect, type Reply } from './html'
import { isAllowedHubspotRedirect } from './urls'

/**
 * GET /connect: HubSpot sends an admin here after they picked our channel in Inbox / Help Desk
 * connect settings (the channel's channelAccountConnectionRedirectUrl). We complete the staging
 * token; HubSpot then creates the channel account and tells us with CHANNEL_ACCOUNT_CREATED.
 *
 * The query names (accountToken, channelId, redirectUrl; sometimes inboxId) are UNCONFIRMED by
 * HubSpot's docs (seen in working third-party bridges): their absence gets a clear 400 page.
 * A stranger gains nothing here: only a staging token HubSpot issued for our channel completes.
 * Cost: Botpress 1 read (+1 when cold), HubSpot 1 PATCH (+1 refresh when cold).
 */
export const handleConnect = async (c: ConnectContext): Promise<Reply> => {
  const accountToken = c.query.get('accountToken')
  const channelId = c.query.get('channelId')
  const redirectUrl = c.query.get('redirectUrl')
  if (!accountToken || !channelId) {
    return messagePage(
      400,
      'Missing parameters',
      'This address is opened by HubSpot when an admin connects the channel from Inbox or Help Desk settings; it needs "accountToken" and "channelId". Start from HubSpot (Settings › Inbox & Help Desk › Connect a channel). Nothing was changed.'
    )
  }
  // Checked before anything happens: never an open redirect, never a half-done connection.
  if (redirectUrl && !isAllowedHubspotRedirect(redirectUrl, c.config.apiBaseUrl)) {
    return messagePage(400, 'Unexpected return address', 'The return address is not a HubSpot page. Start again from HubSpot. Nothing was changed.')
  }
  const setup = await loadSetupState(c.props)
  if (!setup?.channelId || setup.channelId !== channelId) {
    return messagePage(404, 'Unknown channel', 'That channel does not belong to this Botpress integration. Nothing was changed.')
  }
  const hs = createHubspotClient(c.props)
  const inboxHint = c.query.get('inboxId')
  // Our delivery identifier names the connection; without the (unconfirmed) inboxId, a hash of the
  // token keeps it unique and stable across a reload.
  const suffix = inboxHint && /^\d{1,20}$/.test(inboxHint) ? inboxHint : createHash('sha256').update(accountToken).digest('hex').slice(0, 16)
  const result = await hs.channels.completeStagingToken(channelId, accountToken, {
    accountName: hs.config.channelName,
    deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: `botpress-${suffix}` },
  })
  c.props.logger
    .forBot()
    .info(
      `HubSpot channel connection ${result.alreadyDone ? 'was already completed' : 'completed'}${result.inboxId ? ` for inbox ${result.inboxId}` : ''}.`
    )
  if (redirectUrl) return redirect(302, redirectUrl)
  return messagePage(200, 'Channel connected', 'The Botpress channel is connected. You can close this page and go back to HubSpot.', html``)
}
