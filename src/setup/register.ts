import * as sdk from '@botpress/sdk'
import type { SetupState, StoredChannelAccount } from '../../definitions/states'
import { loadConnection } from '../connect/connection-state'
import { CONNECT_WINDOW_MS, connectRedirectUrlOf, oauthStartUrlOf } from '../connect/urls'
import { createHubspotClient, isHubspotStatus, type HubspotClient } from '../hubspot'
import { redact } from '../hubspot/redact'
import type { HubspotChannel, HubspotChannelAccount } from '../hubspot/schemas'
import { CHANNEL_CAPABILITIES } from './capabilities'
import { loadSetupState, saveSetupState } from './setup-state'
import type * as bp from '.botpress'

/** How long to wait for a new channel to show up in HubSpot's list (known lag, often near a minute). */
export const setupTuning = { visibilityDelaysMs: [1_000, 2_000, 4_000, 8_000, 16_000, 32_000] }

export const register: bp.IntegrationProps['register'] = async (props) => {
  const { logger, webhookUrl } = props
  const hs = createHubspotClient(props)
  const log = logger.forBot()

  const previous = await loadSetupState(props)
  // Saving the configuration opens the window in which the Connect flow may bind another HubSpot
  // account or change inboxes (see src/connect/access.ts). Stored with the setup state, which
  // register writes anyway: no extra Botpress call.
  const connectWindowUntil = Date.now() + CONNECT_WINDOW_MS
  const kept = { inboxChoice: previous?.inboxChoice, connectWindowUntil }
  // A configured refresh token needs no state read; otherwise the Connect flow may have stored one.
  const connected = hs.config.refreshToken !== undefined || (await loadConnection(props)).refreshToken !== undefined
  const inboxIds = hs.config.inboxIds.length > 0 ? hs.config.inboxIds : (previous?.inboxChoice?.inboxIds ?? [])

  if (!connected) {
    // The channel needs only the developer key, so it is created now and shows in HubSpot's connect
    // settings; everything needing OAuth waits for the Connect flow. The install must not fail.
    const { channel } = await findOrCreateChannel(hs, webhookUrl, previous)
    const sameChannel = previous?.channelId === channel.id
    await saveSetupState(props, { webhookUrl, channelId: channel.id, channelAccounts: sameChannel ? previous.channelAccounts : {}, ...kept })
    await ensureConnectRedirect(hs, channel, webhookUrl, log)
    log.warn(
      `HubSpot is not connected yet: open ${oauthStartUrlOf(webhookUrl)} to connect HubSpot and choose inboxes (or fill "Refresh token" and "Inbox ID").`
    )
    return
  }

  const inboxNames = await verifyInboxes(hs, inboxIds)
  const { channel, createdNow } = await findOrCreateChannel(hs, webhookUrl, previous)
  if (createdNow) {
    // Saved before the accounts, so a failure below never leaves a channel nobody remembers.
    await saveSetupState(props, { webhookUrl, channelId: channel.id, channelAccounts: {}, ...kept })
    await waitUntilVisible(hs, channel.id)
  }
  await ensureConnectRedirect(hs, channel, webhookUrl, log)

  const accounts = await connectInboxes(hs, channel.id, inboxNames)
  await saveSetupState(props, { webhookUrl, channelId: channel.id, channelAccounts: accounts, ...kept })
  if (inboxIds.length === 0) {
    log.warn(`HubSpot is connected but no inbox is chosen: open ${webhookUrl}/setup (after ${oauthStartUrlOf(webhookUrl)}) to choose inboxes.`)
    return
  }
  log.info(`HubSpot channel ${channel.id} ${createdNow ? 'created' : 'reused'}; connected to inbox(es) ${Object.keys(accounts).join(', ')}`)
}

/**
 * Points HubSpot's "connect a channel" settings at {webhookUrl}/connect (admin-initiated connection).
 * Set at creation; an older channel is PATCHed once. A failure here only disables that path, so it
 * is logged, not thrown: escalations work without it.
 */
const ensureConnectRedirect = async (hs: HubspotClient, channel: HubspotChannel, webhookUrl: string, log: bp.Logger): Promise<void> => {
  const wanted = connectRedirectUrlOf(webhookUrl)
  if (channel.channelAccountConnectionRedirectUrl === wanted) return
  try {
    await hs.channels.update(channel.id, { channelAccountConnectionRedirectUrl: wanted })
  } catch (err) {
    log.warn(`Could not set the channel's connection redirect URL (connecting from HubSpot's settings will not work): ${redact(String(err))}`)
  }
}

/** Checks the OAuth credentials and every configured inbox, before anything is created. */
const verifyInboxes = async (hs: HubspotClient, inboxIds: string[]): Promise<Map<string, string>> => {
  const names = new Map<string, string>()
  for (const inboxId of inboxIds) {
    try {
      const inbox = await hs.conversations.getInbox(inboxId)
      if (inbox.archived) throw new sdk.RuntimeError(`HubSpot inbox ${inboxId} is archived: configure an active inbox or help desk.`)
      names.set(inboxId, inbox.name ?? inboxId)
    } catch (err) {
      if (isHubspotStatus(err, 404)) {
        throw new sdk.RuntimeError(
          `HubSpot inbox ${inboxId} was not found in this HubSpot account: check "Inbox ID" / "Additional inbox IDs" (Settings > Inbox & Help Desk).`
        )
      }
      throw err
    }
  }
  return names
}

const findOrCreateChannel = async (
  hs: HubspotClient,
  webhookUrl: string,
  previous: SetupState | undefined
): Promise<{ channel: HubspotChannel; createdNow: boolean }> => {
  const channels = await hs.channels.list()
  const existing =
    channels.find((c) => c.id === previous?.channelId && c.webhookUrl === webhookUrl) ?? channels.find((c) => c.webhookUrl === webhookUrl)
  // Our webhook URL is unique to this installation, so a channel pointing at it is ours (an earlier
  // run created it, perhaps losing HubSpot's answer): unregister deletes it.
  if (existing) return { channel: existing, createdNow: false }
  // `channelCreatedByUs: false` is only in states of earlier versions (a channel they reused).
  if (previous?.channelId && previous.channelCreatedByUs !== false && previous.webhookUrl === webhookUrl) {
    // An earlier run created it and stopped before HubSpot listed it: wait for that one, never a
    // second. Only a channel HubSpot says is gone (deleted by hand) is replaced.
    const seen = await eventuallyListed(hs, previous.channelId)
    if (seen) return { channel: seen, createdNow: false }
    if (await hs.channels.get(previous.channelId)) throw notVisibleYet(previous.channelId)
  }
  const channel = await hs.channels.create({
    name: hs.config.channelName,
    webhookUrl,
    capabilities: CHANNEL_CAPABILITIES,
    channelDescription: hs.config.channelDescription,
    channelLogoUrl: hs.config.channelLogoUrl,
    channelAccountConnectionRedirectUrl: connectRedirectUrlOf(webhookUrl),
  })
  return { channel, createdNow: true }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const eventuallyListed = async (hs: HubspotClient, channelId: string): Promise<HubspotChannel | undefined> => {
  for (const delay of [0, ...setupTuning.visibilityDelaysMs]) {
    if (delay) await sleep(delay)
    const channels = await hs.channels.list()
    const found = channels.find((c) => c.id === channelId)
    if (found) return found
  }
  return undefined
}

const notVisibleYet = (channelId: string) =>
  new sdk.RuntimeError(
    `HubSpot created channel ${channelId} but it is not visible yet. This can take over a minute: save the configuration again shortly (nothing will be created twice).`
  )

const waitUntilVisible = async (hs: HubspotClient, channelId: string): Promise<void> => {
  if (await eventuallyListed(hs, channelId)) return
  throw notVisibleYet(channelId)
}

/**
 * Makes sure each inbox has an authorized channel account. The result also keeps every other live
 * account of the channel (connected by an admin from HubSpot's settings), so those stay routable.
 */
export const connectInboxes = async (
  hs: HubspotClient,
  channelId: string,
  inboxNames: Map<string, string>
): Promise<Record<string, StoredChannelAccount>> => {
  const existing = await hs.channels.listAccounts(channelId)
  const accounts: Record<string, StoredChannelAccount> = {}
  for (const a of existing) {
    if (a.archived || !a.inboxId || inboxNames.has(a.inboxId)) continue
    const prior = accounts[a.inboxId]
    if (prior?.authorized) continue
    accounts[a.inboxId] = { id: a.id, inboxId: a.inboxId, name: a.name ?? a.inboxId, authorized: a.authorized !== false }
  }
  for (const [inboxId, inboxName] of inboxNames) {
    let account: HubspotChannelAccount | undefined = existing.find((a) => a.inboxId === inboxId && !a.archived)
    if (!account) {
      account = await hs.channels.createAccount(channelId, {
        inboxId,
        name: `${hs.config.channelName} – ${inboxName}`,
        authorized: true,
        deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: `botpress-${inboxId}` },
      })
    } else if (account.authorized === false) {
      // Re-running the installation is the way to bring a disabled connection back.
      account = await hs.channels.updateAccount(channelId, account.id, { authorized: true })
    }
    accounts[inboxId] = { id: account.id, inboxId, name: account.name ?? inboxName, authorized: account.authorized !== false }
  }
  return accounts
}
