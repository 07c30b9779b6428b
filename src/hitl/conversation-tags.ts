import * as sdk from '@botpress/sdk'
import type * as bp from '.botpress'

export type HitlTags = {
  hubspotThreadId: string
  integrationThreadId: string
  channelId: string
  channelAccountId: string
  inboxId: string
  userId: string
}

const REQUIRED: (keyof HitlTags)[] = ['hubspotThreadId', 'integrationThreadId', 'channelId', 'channelAccountId']

/** Reads the ids a HITL conversation carries; a conversation without them was not opened by startHitl. */
export const readHitlTags = (conversation: { id: string; channel?: string; tags: Partial<Record<string, string>> }): HitlTags => {
  const missing = REQUIRED.filter((k) => !conversation.tags[k])
  if ((conversation.channel !== undefined && conversation.channel !== 'hitl') || missing.length > 0) {
    throw new sdk.RuntimeError(
      `Conversation ${conversation.id} is not a HubSpot HITL conversation (missing ${missing.join(', ') || 'hitl channel'}); pass the conversationId returned by startHitl.`
    )
  }
  const t = conversation.tags
  return {
    hubspotThreadId: t.hubspotThreadId ?? '',
    integrationThreadId: t.integrationThreadId ?? '',
    channelId: t.channelId ?? '',
    channelAccountId: t.channelAccountId ?? '',
    inboxId: t.inboxId ?? '',
    userId: t.userId ?? '',
  }
}

/**
 * Thread id → Botpress conversation id never changes once made, so it is kept in memory. One
 * runtime process serves many bots, hence the bot id in the key.
 */
const conversationByThread = new Map<string, string>()
const MAX_CACHED_THREADS = 10_000

export const rememberThread = (botId: string, threadId: string, conversationId: string): void => {
  if (conversationByThread.size >= MAX_CACHED_THREADS) conversationByThread.clear()
  conversationByThread.set(`${botId}:${threadId}`, conversationId)
}

export const forgetThreads = (): void => conversationByThread.clear()

/** The Botpress conversation for a HubSpot thread, or undefined when this integration did not open it. */
export const findConversationByThread = async (
  client: bp.Client,
  botId: string,
  threadId: string
): Promise<string | undefined> => {
  const cached = conversationByThread.get(`${botId}:${threadId}`)
  if (cached) return cached
  const { conversations } = await client.listConversations({ channel: 'hitl', tags: { hubspotThreadId: threadId } })
  const found = conversations[0]?.id
  if (found) rememberThread(botId, threadId, found)
  return found
}

/**
 * The conversation an agent message belongs to: by HubSpot thread, else by our own threading key
 * (HubSpot moves a conversation to a new thread when the old one was closed long ago), in which
 * case the conversation is re-tagged with the new thread.
 */
export const findConversationForMessage = async (
  client: bp.Client,
  botId: string,
  threadId: string,
  integrationThreadIds: string[]
): Promise<string | undefined> => {
  const byThread = await findConversationByThread(client, botId, threadId)
  if (byThread) return byThread
  for (const integrationThreadId of integrationThreadIds) {
    const { conversations } = await client.listConversations({ channel: 'hitl', tags: { integrationThreadId } })
    const found = conversations[0]?.id
    if (!found) continue
    await client.updateConversation({ id: found, tags: { hubspotThreadId: threadId } })
    rememberThread(botId, threadId, found)
    return found
  }
  return undefined
}
