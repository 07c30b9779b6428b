import * as sdk from '@botpress/sdk'
import type { SetupState, StoredChannelAccount } from '../../definitions/states'
import { createHubspotClient, isHubspotStatus, type HubspotClient } from '../hubspot'
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

  const inboxNames = await verifyInboxes(hs)
  const previous = await loadSetupState(props)
  const { channel, createdByUs } = await findOrCreateChannel(hs, webhookUrl, previous)
  if (createdByUs) {
    // Saved before the accounts, so a failure below never leaves a channel nobody remembers.
    await saveSetupState(props, { webhookUrl, channelId: channel.id, channelCreatedByUs: true, channelAccounts: {} })
    await waitUntilVisible(hs, channel.id)
  }

  const accounts = await connectInboxes(hs, channel.id, inboxNames)
  await saveSetupState(props, { webhookUrl, channelId: channel.id, channelCreatedByUs: true, channelAccounts: accounts })
  log.info(
    `HubSpot channel ${channel.id} ${createdByUs ? 'created' : 'reused'}; connected to inbox(es) ${Object.keys(accounts).join(', ')}`
  )
}

/** Checks the OAuth credentials and every configured inbox, before anything is created. */
const verifyInboxes = async (hs: HubspotClient): Promise<Map<string, string>> => {
  const names = new Map<string, string>()
  for (const inboxId of hs.config.inboxIds) {
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
): Promise<{ channel: HubspotChannel; createdByUs: boolean }> => {
  const channels = await hs.channels.list()
  const existing =
    channels.find((c) => c.id === previous?.channelId && c.webhookUrl === webhookUrl) ?? channels.find((c) => c.webhookUrl === webhookUrl)
  // Our webhook URL is unique to this installation, so a channel pointing at it is ours (an earlier
  // run created it, perhaps losing HubSpot's answer) and is stored as such: unregister deletes it.
  if (existing) return { channel: existing, createdByUs: false }
  if (previous?.channelId && previous.channelCreatedByUs && previous.webhookUrl === webhookUrl) {
    // An earlier run created it and stopped before HubSpot listed it: wait for that one, never a
    // second. Only a channel HubSpot says is gone (deleted by hand) is replaced.
    if (await isEventuallyVisible(hs, previous.channelId)) return { channel: { id: previous.channelId }, createdByUs: false }
    if (await hs.channels.get(previous.channelId)) throw notVisibleYet(previous.channelId)
  }
  const channel = await hs.channels.create({
    name: hs.config.channelName,
    webhookUrl,
    capabilities: CHANNEL_CAPABILITIES,
    channelDescription: hs.config.channelDescription,
    channelLogoUrl: hs.config.channelLogoUrl,
  })
  return { channel, createdByUs: true }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const isEventuallyVisible = async (hs: HubspotClient, channelId: string): Promise<boolean> => {
  for (const delay of [0, ...setupTuning.visibilityDelaysMs]) {
    if (delay) await sleep(delay)
    const channels = await hs.channels.list()
    if (channels.some((c) => c.id === channelId)) return true
  }
  return false
}

const notVisibleYet = (channelId: string) =>
  new sdk.RuntimeError(
    `HubSpot created channel ${channelId} but it is not visible yet. This can take over a minute: save the configuration again shortly (nothing will be created twice).`
  )

const waitUntilVisible = async (hs: HubspotClient, channelId: string): Promise<void> => {
  if (await isEventuallyVisible(hs, channelId)) return
  throw notVisibleYet(channelId)
}

const connectInboxes = async (
  hs: HubspotClient,
  channelId: string,
  inboxNames: Map<string, string>
): Promise<Record<string, StoredChannelAccount>> => {
  const existing = await hs.channels.listAccounts(channelId)
  const accounts: Record<string, StoredChannelAccount> = {}
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
