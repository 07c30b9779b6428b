import * as sdk from '@botpress/sdk'
import type { SetupState, StoredChannelAccount } from '../../definitions/states'
import { appUrlsOf, type AppUrls } from '../app-urls'
import { loadConnection } from '../connect/connection-state'
import { CONNECT_WINDOW_MS, oauthStartUrlOf } from '../connect/urls'
import { createHubspotClient, isHubspotStatus, type HubspotClient } from '../hubspot'
import { endpoints } from '../hubspot/endpoints'
import { redact } from '../hubspot/redact'
import type { HubspotChannel, HubspotChannelAccount } from '../hubspot/schemas'
import { CHANNEL_CAPABILITIES } from './capabilities'
import { syncRoutingIdentifier } from './routing-identifier'
import { loadSetupState, saveSetupState } from './setup-state'
import type * as bp from '.botpress'

/** How long to wait for a new channel to show up in HubSpot's list (known lag, often near a minute). */
export const setupTuning = { visibilityDelaysMs: [1_000, 2_000, 4_000, 8_000, 16_000, 32_000] }

export const register: bp.IntegrationProps['register'] = async (props) => {
  const { logger, webhookUrl } = props
  const hs = createHubspotClient(props)
  const log = logger.forBot()
  const urls = appUrlsOf(props, webhookUrl)

  const previous = await loadSetupState(props)
  // Saving the configuration opens the window in which the Connect flow may bind another HubSpot
  // account or change inboxes (see src/connect/access.ts). Stored with the setup state, which
  // register writes anyway: no extra Botpress call.
  const connectWindowUntil = Date.now() + CONNECT_WINDOW_MS
  const kept = {
    inboxChoice: previous?.inboxChoice,
    connectWindowUntil,
    ...(urls.sharedChannel ? { channelWebhookUrl: urls.channelWebhookUrl } : {}),
  }
  const stateWith = (channelId: string, channelAccounts: Record<string, StoredChannelAccount>): SetupState => ({
    webhookUrl,
    channelId,
    channelAccounts,
    ...kept,
  })
  // Read in every mode: the Connect flow may have stored a refresh token, and the routing identifier follows it.
  const connection = await loadConnection(props)
  await syncRoutingIdentifier(props, hs.config.mode, connection)
  const connected = hs.config.refreshToken !== undefined || connection.refreshToken !== undefined
  const inboxIds = hs.config.inboxIds.length > 0 ? hs.config.inboxIds : (previous?.inboxChoice?.inboxIds ?? [])

  if (!connected) {
    // The channel needs only the developer key, so it is created now and shows in HubSpot's connect
    // settings; everything needing OAuth waits for the Connect flow. The install must not fail.
    // A shared channel is settled now all the same (the first installs of a publisher app are unconnected).
    const { channel } = await ensureChannel({
      hs,
      urls,
      previous,
      log,
      wait: urls.sharedChannel,
      save: (id) => saveSetupState(props, stateWith(id, {})),
    })
    const sameChannel = previous?.channelId === channel.id
    await saveSetupState(props, stateWith(channel.id, sameChannel ? previous.channelAccounts : {}))
    await ensureConnectRedirect(hs, channel, urls, log)
    // The publisher configuration has no refresh token or inbox fields: Connect is the only way there.
    const byHand = urls.sharedChannel ? '' : ' (or fill "Refresh token" and "Inbox ID")'
    log.warn(`HubSpot is not connected yet: open ${oauthStartUrlOf(webhookUrl)} to connect HubSpot and choose inboxes${byHand}.`)
    return
  }

  const inboxNames = await verifyInboxes(hs, inboxIds)
  // Saved before the accounts, so a failure below never leaves a channel nobody remembers.
  const { channel, createdNow } = await ensureChannel({ hs, urls, previous, log, wait: true, save: (id) => saveSetupState(props, stateWith(id, {})) })
  await ensureConnectRedirect(hs, channel, urls, log)

  const accounts = await connectInboxes(hs, channel.id, inboxNames, { sharedChannel: urls.sharedChannel })
  await saveSetupState(props, stateWith(channel.id, accounts))
  if (inboxIds.length === 0) {
    log.warn(`HubSpot is connected but no inbox is chosen: open ${webhookUrl}/setup (after ${oauthStartUrlOf(webhookUrl)}) to choose inboxes.`)
    return
  }
  const shared = urls.sharedChannel ? " (the app's channel, shared by its installations)" : ''
  log.info(`HubSpot channel ${channel.id}${shared} ${createdNow ? 'created' : 'reused'}; connected to inbox(es) ${Object.keys(accounts).join(', ')}`)
}

/**
 * The channel this installation uses: found, or created and (when `wait`) saved, waited for until
 * HubSpot lists it and, for a shared channel, settled against a concurrent first install.
 */
const ensureChannel = async (args: {
  hs: HubspotClient
  urls: AppUrls
  previous: SetupState | undefined
  log: bp.Logger
  wait: boolean
  save: (channelId: string) => Promise<void>
}): Promise<{ channel: HubspotChannel; createdNow: boolean }> => {
  const found = await findOrCreateChannel(args.hs, args.urls, args.previous)
  if (!found.createdNow || !args.wait) return found
  await args.save(found.channel.id)
  const listed = await listedWith(args.hs, found.channel.id)
  if (!listed) throw notVisibleYet(found.channel.id)
  return args.urls.sharedChannel ? keepOldest(args.hs, args.urls, found.channel, listed, args.log) : found
}

/**
 * Two installations of a publisher app registering at once may each find no channel and create
 * one. Once ours is listed, the oldest channel at the shared URL wins: every installation that
 * created a younger one deletes its own (never another's) and uses the winner, so both converge on
 * one. What stays: HubSpot's list lags a new channel (setupTuning), so two creates close enough that
 * neither is listed when the other's own channel appears both win; each still works (both point at
 * the shared URL, and events route by portal), and HubSpot's "Connect a channel" shows two.
 */
const keepOldest = async (
  hs: HubspotClient,
  urls: AppUrls,
  created: HubspotChannel,
  listed: HubspotChannel[],
  log: bp.Logger
): Promise<{ channel: HubspotChannel; createdNow: boolean }> => {
  const winner = oldestFirst(listed.filter((c) => c.webhookUrl === urls.channelWebhookUrl))[0]
  if (!winner || winner.id === created.id) return { channel: created, createdNow: true }
  try {
    await hs.channels.delete(created.id)
    log.info(`HubSpot channel ${created.id} deleted: another installation of the app created channel ${winner.id} first; using that one.`)
  } catch (err) {
    if (!isHubspotStatus(err, 404)) {
      log.warn(
        `Another installation of the app created HubSpot channel ${winner.id} first; using it, but channel ${created.id} could not be deleted (${redact(String(err))}): delete it by hand (DELETE ${endpoints.customChannels.channel(created.id)} with the developer API key).`
      )
    }
  }
  return { channel: winner, createdNow: false }
}

/** Oldest first: by `createdAt`, then by id (HubSpot's ids grow; numeric when both are digits). */
export const oldestFirst = (channels: HubspotChannel[]): HubspotChannel[] =>
  [...channels].sort((a, b) => {
    if (a.createdAt && b.createdAt && a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1
    if (/^\d+$/.test(a.id) && /^\d+$/.test(b.id) && a.id.length !== b.id.length) return a.id.length - b.id.length
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  })

/**
 * Points HubSpot's "connect a channel" settings at {webhookUrl}/connect (admin-initiated connection).
 * Set at creation; an older channel is PATCHed once. A failure here only disables that path, so it
 * is logged, not thrown: escalations work without it. A shared channel has none (src/app-urls.ts).
 */
const ensureConnectRedirect = async (hs: HubspotClient, channel: HubspotChannel, urls: AppUrls, log: bp.Logger): Promise<void> => {
  const wanted = urls.connectRedirectUrl
  if (!wanted || channel.channelAccountConnectionRedirectUrl === wanted) return
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
  urls: AppUrls,
  previous: SetupState | undefined
): Promise<{ channel: HubspotChannel; createdNow: boolean }> => {
  const url = urls.channelWebhookUrl
  const channels = await hs.channels.list()
  // Own app: the webhook URL is unique to this installation, so a channel pointing at it is ours (an
  // earlier run created it, perhaps losing HubSpot's answer): unregister deletes it. Publisher app: a
  // channel at the integration-level URL is the app's; the oldest is the one every installation uses.
  const atUrl = urls.sharedChannel ? oldestFirst(channels.filter((c) => c.webhookUrl === url)) : channels.filter((c) => c.webhookUrl === url)
  const existing = atUrl.find((c) => c.id === previous?.channelId) ?? atUrl[0]
  if (existing) return { channel: existing, createdNow: false }
  // `channelCreatedByUs: false` is only in states of earlier versions (a channel they reused).
  if (previous?.channelId && previous.channelCreatedByUs !== false && (previous.channelWebhookUrl ?? previous.webhookUrl) === url) {
    // An earlier run created it and stopped before HubSpot listed it: wait for that one, never a
    // second. Only a channel HubSpot says is gone (deleted by hand) is replaced.
    const seen = (await listedWith(hs, previous.channelId))?.find((c) => c.id === previous.channelId)
    if (seen) return { channel: seen, createdNow: false }
    if (await hs.channels.get(previous.channelId)) throw notVisibleYet(previous.channelId)
  }
  const channel = await hs.channels.create({
    name: hs.config.channelName,
    webhookUrl: url,
    capabilities: CHANNEL_CAPABILITIES,
    channelDescription: hs.config.channelDescription,
    channelLogoUrl: hs.config.channelLogoUrl,
    channelAccountConnectionRedirectUrl: urls.connectRedirectUrl,
  })
  return { channel, createdNow: true }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** HubSpot's channel list once it includes `channelId`, polled with setupTuning's delays; undefined if it never does. */
const listedWith = async (hs: HubspotClient, channelId: string): Promise<HubspotChannel[] | undefined> => {
  for (const delay of [0, ...setupTuning.visibilityDelaysMs]) {
    if (delay) await sleep(delay)
    const channels = await hs.channels.list()
    if (channels.some((c) => c.id === channelId)) return channels
  }
  return undefined
}

const notVisibleYet = (channelId: string) =>
  new sdk.RuntimeError(
    `HubSpot created channel ${channelId} but it is not visible yet. This can take over a minute: save the configuration again shortly (nothing will be created twice).`
  )

/**
 * Makes sure each inbox has an authorized channel account. The result also keeps every other live
 * account of the channel (connected by an admin from HubSpot's settings), so those stay routable;
 * not on a shared channel, where other accounts are other installations' (its admin path is off).
 */
export const connectInboxes = async (
  hs: HubspotClient,
  channelId: string,
  inboxNames: Map<string, string>,
  opts: { sharedChannel?: boolean } = {}
): Promise<Record<string, StoredChannelAccount>> => {
  const existing = await hs.channels.listAccounts(channelId)
  const accounts: Record<string, StoredChannelAccount> = {}
  for (const a of opts.sharedChannel ? [] : existing) {
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
