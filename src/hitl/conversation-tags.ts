import * as sdk from '@botpress/sdk'
import { cacheOf } from '../cache'
import { DEFAULT_TIMEOUT_MS } from '../hubspot/http'
import { DEFAULT_RETRY_POLICY } from '../hubspot/retry'
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
  // A thread this process opens (or finds by its integration thread id) is ours, whatever was guessed before.
  unknownThreads.delete(`${botId}:${threadId}`)
  foreignThreads.delete(`${botId}:${threadId}`)
}

/**
 * The clock of the unknown/foreign memory below. Monotonic, so a wall-clock step (NTP) cannot make the
 * foreign window look elapsed when it is not; tests and the bench inject theirs.
 */
export const threadMemoryClock = { now: (): number => performance.timeOrigin + performance.now() }

/**
 * Threads a lookup found no conversation for: HubSpot sends every portal's events to the app's one
 * webhook URL, so without this each event about a foreign thread costs a Botpress request, again
 * on every redelivery.
 *
 * A negative answer may be wrong for a while: another runtime instance may be opening thread T
 * (HubSpot creates the thread before startHitl writes the `hubspotThreadId` tag), and an event for
 * T that reaches this instance in between finds nothing. Hence two memories:
 *
 * - "recently unknown" (`until`, UNKNOWN_THREAD_TTL_MS): trusted only by an assignment or
 *   unassignment (a missed assignment is repaired by the agent's first reply, which the HITL plugin
 *   assigns). Session-ending events (closed, archived) and agent replies look again.
 * - "foreign" (the `foreignThreads` cache): a thread found unknown by a lookup that STARTED at
 *   least FOREIGN_THREAD_AFTER_MS after the start of the first lookup that found it unknown. Every
 *   event of a thread comes after HubSpot created it, so the thread existed before that first
 *   lookup started; had we created it, our tag was written at most TAG_WRITE_BOUND_MS after, hence
 *   before the later lookup started, which would then have found it. Such a thread can never become
 *   ours: its later events, closes and archives included, cost nothing (agent replies: see
 *   findThreadForMessage). Lookups inside the window only refresh the short memory.
 *
 * Both are dropped when this process opens the thread (rememberThread), and a lookup that finds
 * nothing while this process is opening the thread records nothing (findThread). A cold instance
 * has neither memory and looks up as it did before: it can only cost requests, never mark wrongly.
 */
export const UNKNOWN_THREAD_TTL_MS = 30_000
type UnknownThread = { since: number; until: number }
const unknownThreads = cacheOf<UnknownThread>('unknownThreads')
const foreignThreads = cacheOf<true>('foreignThreads')

/**
 * The longest one Botpress API call can take: @botpress/client's default timeout (60 s), which the
 * SDK's integration client keeps (it sets retries, not a timeout), and which axios-retry's retries
 * stay within (`shouldResetTimeout: false`: a retry gets only what is left of it).
 */
export const BOTPRESS_CALL_MAX_MS = 60_000

/**
 * The longest one HubSpot request can take with the production tuning (hubspot/http.ts): no retry
 * starts later than `maxTotalMs` after the first attempt, and an attempt is cut after `timeoutMs`
 * without an answer (axios: the connect phase and then socket silence; an answer that trickles in
 * slower than that is not bounded, which the margin below does not claim to cover).
 */
const HUBSPOT_ATTEMPTS_MAX_MS = DEFAULT_RETRY_POLICY.maxTotalMs + DEFAULT_TIMEOUT_MS
/**
 * A 401 adds one token refresh and one more attempt (hubspot/token-manager.ts): re-reading the
 * stored refresh token, the shared read of the cached access token that a caller may have joined,
 * the refresh itself, and saving the new token (three Botpress calls and one HubSpot request).
 */
const TOKEN_REFRESH_MAX_MS = 3 * BOTPRESS_CALL_MAX_MS + HUBSPOT_ATTEMPTS_MAX_MS
/**
 * The real upper bound of the time between HubSpot creating a thread for us and our
 * `hubspotThreadId` tag being written. startHitl (actions/start-hitl.ts) publishes the first
 * message, which creates the thread during one of the publish's attempts, then writes the tag in one
 * updateConversation (the ticket work runs after it, so it does not count): the whole publish
 * request after its first attempt started, with one 401 refresh, plus one Botpress call.
 * The end user's channel follows a thread HubSpot moved (channels/hitl-channel.ts) and writes the
 * new thread's tag after publishing all parts of the message; an agent reply there is found by its
 * integration thread id regardless (findThreadForMessage), see docs/hubspot.md, "Foreign threads".
 */
export const TAG_WRITE_BOUND_MS = HUBSPOT_ATTEMPTS_MAX_MS + TOKEN_REFRESH_MAX_MS + DEFAULT_TIMEOUT_MS + BOTPRESS_CALL_MAX_MS
/**
 * How soon after its tag was written a conversation is found by a tag search: UNCONFIRMED
 * (docs/hubspot.md, "Foreign threads"); the fake and the stand-in answer at once, Botpress's search
 * index may lag. A minute of margin, on a path where the only price of a longer window is one more lookup.
 */
const TAG_SEARCH_LAG_MARGIN_MS = 60_000
/** A thread found unknown again this long after it was first found unknown is foreign (≈ 6.75 min). */
export const FOREIGN_THREAD_AFTER_MS = TAG_WRITE_BOUND_MS + TAG_SEARCH_LAG_MARGIN_MS

/** True while a recent lookup found no conversation for the thread (see the rules above). */
export const isRecentlyUnknown = (botId: string, threadId: string, now = threadMemoryClock.now()): boolean => {
  const seen = unknownThreads.get(`${botId}:${threadId}`)
  return seen !== undefined && seen.until > now
}

/** True once the thread can never become ours (see the rules above). */
export const isForeignThread = (botId: string, threadId: string): boolean => foreignThreads.has(`${botId}:${threadId}`)

/** A lookup that started at `startedAt` found no conversation: remember it, or mark the thread foreign. */
const noteUnknown = (key: string, startedAt: number): void => {
  const since = Math.min(unknownThreads.get(key)?.since ?? startedAt, startedAt)
  if (startedAt - since >= FOREIGN_THREAD_AFTER_MS) {
    foreignThreads.set(key, true)
    unknownThreads.delete(key)
    return
  }
  unknownThreads.set(key, { since, until: threadMemoryClock.now() + UNKNOWN_THREAD_TTL_MS })
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
  if (isForeignThread(botId, threadId)) return undefined
  // The start, not the answer: only a lookup that began after our tag write is sure to see it.
  const startedAt = threadMemoryClock.now()
  const { conversations } = await client.listConversations({ channel: 'hitl', tags: { hubspotThreadId: threadId } })
  const found = conversations[0]
  if (!found) {
    // startHitl on this instance may have published the thread while the lookup ran (its tag is
    // written after): it is ours, and an "unknown" recorded now would outlive rememberThread.
    const opened = cachedThread(botId, threadId)
    if (opened) return opened
    noteUnknown(`${botId}:${threadId}`, startedAt)
    return undefined
  }
  const entry = threadEntryOf(found)
  rememberThread(botId, threadId, entry)
  return entry
}

/**
 * The conversation an agent message belongs to: by HubSpot thread, else by our own threading key
 * (HubSpot moves a conversation to a new thread when the old one was closed long ago), in which
 * case the conversation is re-tagged with the new thread. A thread marked foreign costs no lookup
 * by thread; the integration thread ids the reply carries are still looked up: that tag is written
 * before HubSpot creates the thread (startHitl), so a lookup by it cannot be early, and a reply
 * wrongly taken for a foreign thread's is still delivered. Replies come only on our custom channel
 * (another bot's threads there, when bots share one app), never for the portal's email or chat threads.
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
