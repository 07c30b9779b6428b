import { isSessionActive, waitForActivation } from '../../hitl/activation'
import { getAgentUserId, normaliseActorId } from '../../hitl/agent-users'
import { recordReplyAssignment, releaseHeldAssignment } from '../../hitl/assignment'
import { cachedThread, findThreadForMessage, type ThreadEntry } from '../../hitl/conversation-tags'
import { loadHitlState } from '../../hitl/hitl-state'
import { withKeyLock } from '../concurrency'
import { mediaItem, mediaKindOf, type MediaItem } from '../../media-kinds'
import { agentMessageText } from '../../render/agent-html'
import { occasionContext, onTicketOccasion } from '../../tickets/pending'
import { integrationThreadIdsOf, type AgentAttachment, type OutgoingMessageEvent } from '../event-schemas'
import type { EventContext } from './context'

/**
 * An agent replied in HubSpot: post it in the HITL conversation as the agent's Botpress user,
 * then tell HubSpot it was delivered. Each piece is keyed by the HubSpot message id, so a
 * redelivered webhook finds the message already there and creates nothing.
 */
export const handleAgentReplied = async (ec: EventContext, event: OutgoingMessageEvent): Promise<void> => {
  const { client, logger, ctx } = ec
  const { message } = event
  const threadId = message.conversationsThreadId
  const entry = await findThreadForMessage(client, ctx.botId, threadId, integrationThreadIdsOf(event))
  if (!entry) {
    logger.debug(`Ignoring message ${message.id}: thread ${threadId} was not opened by this bot.`)
    return
  }
  // Same lock as thread changes: a close or an early assignment of this thread applies in order.
  await withKeyLock(entry.conversationId, () => deliver(ec, event, entry))
  await onTicketOccasion(occasionContext(ec), entry.conversationId)
}

/** Shown to the agent on the message in HubSpot when the end user can no longer receive it. */
export const SESSION_ENDED_REASON =
  "Not delivered: the customer's chat session with the bot has ended, so they will not see this reply. Reach them another way (for example by email), or wait for them to write again."

/** Shown to the agent on a reply that came while the escalation was still being opened. */
export const SESSION_STARTING_REASON =
  "Not delivered: the customer's chat session with the bot was still starting, so they would not see this reply. Send it again in a moment."

const deliver = async (ec: EventContext, event: OutgoingMessageEvent, entry: ThreadEntry): Promise<void> => {
  const { client, hs, ctx, logger } = ec
  const { message } = event
  const { conversationId } = entry
  const channelId = message.channelId ?? event.channelId
  // One state read per reply: after the session ended (agent closed, stopHitl, the plugin's
  // timeout: all end in `stopped`) the HITL plugin drops agent messages, so SENT would be a lie.
  let state = await loadHitlState(client, conversationId)
  if (state.status === 'stopped') {
    // A redelivery of a reply that was delivered before the session ended must not turn FAILED.
    // The first piece posted is keyed by the message id, or `<id>:0` for attachments without text.
    const firstKey = agentMessageText(message) || !message.attachments?.length ? message.id : `${message.id}:0`
    const { messages } = await client.listMessages({ conversationId, tags: { hubspotMessageId: firstKey } })
    if (messages.length > 0) return
    return refuseAfterEnd(ec, channelId, message.id, message.conversationsThreadId)
  }

  const sender = message.senders?.[0]
  const actorId = normaliseActorId(sender?.actorId ?? 'A-unknown')
  const warn = (m: string) => logger.forBot().warn(m)
  // A reply in the instants after startHitl returned would be dropped by the plugin: let it activate.
  const active = isSessionActive(entry) || (await waitForActivation(ctx.botId, message.conversationsThreadId, entry))
  // startHitl has still not returned on this instance after the bounded wait: the plugin has surely
  // not activated the session and would drop the reply, so SENT would be a lie. (Another instance
  // only has the openedAt tag, cannot be sure, and posts.)
  if (!active && cachedThread(ctx.botId, message.conversationsThreadId)?.opening) {
    if (channelId) await reportStatus(ec, channelId, message.id, 'FAILED', SESSION_STARTING_REASON)
    return
  }
  try {
    const userId = await getAgentUserId({ client, hs, botId: ctx.botId, warn }, actorId, { name: sender?.name })
    // An assignment held during activation goes first, so the plugin announces it before the reply.
    if (active) state = await releaseHeldAssignment(client, conversationId, state)
    const create = (key: string, content: MediaItem | { type: 'text'; payload: { text: string } }) =>
      client.getOrCreateMessage({
        conversationId,
        userId,
        ...content,
        tags: { hubspotMessageId: key },
        discriminateByTags: ['hubspotMessageId'],
      })

    const text = agentMessageText(message)
    if (text) await create(message.id, { type: 'text', payload: { text } })
    for (const [index, attachment] of message.attachments.entries()) {
      const media = await toMedia(ec, attachment)
      if (media) await create(`${message.id}:${index}`, media)
    }
  } catch (err) {
    if (channelId) await reportStatus(ec, channelId, message.id, 'FAILED', 'The message could not be delivered to the bot user; it will be retried.')
    throw err
  }
  if (channelId) await reportStatus(ec, channelId, message.id, 'SENT')
  // The plugin assigns the author of the first agent message itself (when nobody is assigned):
  // remember them, so HubSpot's `assignedTo` for the same agent does not announce them twice.
  if (active && !state.assigneeActorId && actorId !== 'A-unknown') {
    await recordReplyAssignment(client, conversationId, state, actorId)
  }
}

/**
 * The session ended: nothing is posted in Botpress, the agent sees why on the message, and the
 * thread is closed again (HubSpot may reopen a thread an agent replies in; whether it always does
 * is UNCONFIRMED, and closing a closed thread is harmless). A redelivered webhook repeats the same
 * two idempotent writes, nothing more.
 */
const refuseAfterEnd = async (ec: EventContext, channelId: string | undefined, messageId: string, threadId: string): Promise<void> => {
  if (channelId) await reportStatus(ec, channelId, messageId, 'FAILED', SESSION_ENDED_REASON)
  try {
    await ec.hs.conversations.setThreadStatus(threadId, 'CLOSED')
  } catch (err) {
    ec.logger
      .forBot()
      .warn(
        `Could not close HubSpot thread ${threadId} again after a reply to an ended session: ${err instanceof Error ? err.message : 'unknown error'}`
      )
  }
}

const toMedia = async (ec: EventContext, attachment: AgentAttachment): Promise<MediaItem | undefined> => {
  if (attachment.kind === 'unsupported') {
    ec.logger.debug(`Skipping a HubSpot attachment of type ${String(attachment.type)}: no Botpress equivalent.`)
    return undefined
  }
  // Empty strings count as absent, like missing fields.
  const title = attachment.name || 'attachment'
  // Whether `url` is fetchable without auth is UNCONFIRMED; without one, ask for a signed link.
  const url = attachment.url || (await ec.hs.files.signedUrl(attachment.fileId))
  return mediaItem(mediaKindOf(attachment.fileUsageType || undefined, title), url, title)
}

const reportStatus = async (
  ec: EventContext,
  channelId: string,
  messageId: string,
  statusType: 'SENT' | 'FAILED',
  errorMessage?: string
): Promise<void> => {
  try {
    await ec.hs.messages.updateStatus(channelId, messageId, { statusType, ...(errorMessage ? { errorMessage } : {}) })
  } catch (err) {
    // The receipt is informative; the message itself is already delivered (or will be retried).
    ec.logger
      .forBot()
      .warn(`Could not report delivery status of message ${messageId} to HubSpot: ${err instanceof Error ? err.message : 'unknown error'}`)
  }
}
