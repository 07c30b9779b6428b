import type { Core } from './core'

/** Sends a custom-channel event to the channel's current webhookUrl; [] when it has none. */
export const notifyChannel = async (core: Core, channelId: string, payload: unknown): Promise<number[]> => {
  const url = core.store.state.channels.get(channelId)?.webhookUrl
  if (!url) return []
  return [await core.webhooks.deliver('channel', url, payload)]
}

/** Sends a batch of conversation events to the app's target URL; [] when none is set. */
export const notifyApp = async (core: Core, events: unknown[]): Promise<number[]> => {
  if (core.heldAppEvents) {
    core.heldAppEvents.push(...events)
    return []
  }
  const url = core.appWebhookUrl()
  if (!url) return []
  return [await core.webhooks.deliver('app', url, events)]
}
