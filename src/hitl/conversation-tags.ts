import * as sdk from '@botpress/sdk'
import { cacheOf } from '../cache'
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
 * Thread id → Botpress conversation id never changes once made, so it is kept in memory, with when
 * startHitl returned (`openedAt`, see ./activation) so an early assignment can wait for the HITL
 * plugin without reading the conversation. One runtime process serves many bots, hence the bot id.
 */
export type ThreadEntry = {
  conversationId: string
  /** ms epoch at which startHitl returned; undefined for conversations opened before this was recorded. */
  openedAt?: number
  /** startHitl published the thread on this instance but has not returned yet. */
  opening?: boolean
}
const conversationByThread = cacheOf<ThreadEntry>('threads')

export const rememberThread = (botId: string, threadId: string, entry: ThreadEntry): void => {
  conversationByThread.set(`${botId}:${threadId}`, entry)
  unknownThreads.delete(`${botId}:${threadId}`)
}

/**
 * Threads a lookup just found no conversation for, until when (ms epoch): HubSpot sends every
 * portal's events to the app's one webhook URL, so without this each event about a foreign thread
 * costs a Botpress request, again on every redelivery.
 *
 * A negative entry may be wrong: another runtime instance may open thread T (HubSpot publishes the
 * thread before startHitl writes the `hubspotThreadId` tag), and an event for T that reaches this
 * instance in between is recorded here as unknown. Hence three rules: the TTL is short (tens of
 * seconds, not the lifetime of a session); an entry is dropped when this process opens the thread
 * (rememberThread); and only an assignment or unassignment may trust it (a missed assignment is
 * repaired by the agent's first reply, which the HITL plugin assigns). Session-ending events
 * (closed, archived) and agent replies (findThreadForMessage) always look: losing a close would
 * leave the session open for good, and losing a reply would lose what the agent wrote.
 */
export const UNKNOWN_THREAD_TTL_MS = 30_000
const unknownThreads = cacheOf<number>('unknownThreads')

/** True while a recent lookup found no conversation for the thread (see the rules above). */
export const isRecentlyUnknown = (botId: string, threadId: string, now = Date.now()): boolean => {
  const until = unknownThreads.get(`${botId}:${threadId}`)
  if (until === undefined) return false
  if (until > now) return true
  unknownThreads.delete(`${botId}:${threadId}`)
  return false
}

/** The entry as it is now (startHitl may complete it while an early assignment waits). */
export const cachedThread = (botId: string, threadId: string): ThreadEntry | undefined => conversationByThread.get(`${botId}:${threadId}`)

/** What a conversation's tags say about the thread entry (no call: callers already hold the tags). */
export const threadEntryOf = (conversation: { id: string; tags: Partial<Record<string, string>> }): ThreadEntry => {
  const openedAt = Number(conversation.tags.openedAt)
  return { conversationId: conversation.id, ...(Number.isFinite(openedAt) && openedAt > 0 ? { openedAt } : {}) }
}

/** The Botpress conversation for a HubSpot thread, or undefined when this integration did not open it. */
export const findThread = async (client: bp.Client, botId: string, threadId: string): Promise<ThreadEntry | undefined> => {
  const cached = cachedThread(botId, threadId)
  if (cached) return cached
  const { conversations } = await client.listConversations({ channel: 'hitl', tags: { hubspotThreadId: threadId } })
  const found = conversations[0]
  if (!found) {
    // startHitl on this instance may have published the thread while the lookup ran (its tag is
    // written after): it is ours, and an "unknown" recorded now would outlive rememberThread.
    const opened = cachedThread(botId, threadId)
    if (opened) return opened
    unknownThreads.set(`${botId}:${threadId}`, Date.now() + UNKNOWN_THREAD_TTL_MS)
    return undefined
  }
  const entry = threadEntryOf(found)
  rememberThread(botId, threadId, entry)
  return entry
}

/**
 * The conversation an agent message belongs to: by HubSpot thread, else by our own threading key
 * (HubSpot moves a conversation to a new thread when the old one was closed long ago), in which
 * case the conversation is re-tagged with the new thread.
 */
export const findThreadForMessage = async (
  client: bp.Client,
  botId: string,
  threadId: string,
  integrationThreadIds: string[]
): Promise<ThreadEntry | undefined> => {
  const byThread = await findThread(client, botId, threadId)
  if (byThread) return byThread
  for (const integrationThreadId of integrationThreadIds) {
    const { conversations } = await client.listConversations({ channel: 'hitl', tags: { integrationThreadId } })
    const found = conversations[0]
    if (!found) continue
    await client.updateConversation({ id: found.id, tags: { hubspotThreadId: threadId } })
    const entry = threadEntryOf(found)
    rememberThread(botId, threadId, entry)
    return entry
  }
  return undefined
}
