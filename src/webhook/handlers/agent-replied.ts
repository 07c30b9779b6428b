import { isSessionActive, waitForActivation } from '../../hitl/activation'
import { getAgentUserId, normaliseActorId } from '../../hitl/agent-users'
import { releaseHeldAssignment } from '../../hitl/assignment'
import { cachedThread, findThreadForMessage, type ThreadEntry } from '../../hitl/conversation-tags'
import { loadHitlState, saveHitlState } from '../../hitl/hitl-state'
import { checkPassableUrl } from '../../hitl/url-guard'
import { isPermanentHubspotFailure } from '../../hubspot/errors'
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

/** Shown to the agent on a message with nothing the bot's chat can show. */
export const NOTHING_TO_SHOW_REASON =
  'Not delivered: this message has no text, and its attachments (such as a location or quick replies) cannot be shown in the bot chat. Send it as text or as a file.'

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
    // The first piece posted is keyed by the message id, or, without text, `<id>:<index>` of the
    // first attachment that is posted (one Botpress cannot show is skipped and has no message).
    const firstShown = message.attachments.findIndex((a) => a.kind !== 'unsupported')
    const firstKey = agentMessageText(message) || firstShown < 0 ? message.id : `${message.id}:${firstShown}`
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
  let shown = 0
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
    shown += text ? 1 : 0
    for (const [index, attachment] of message.attachments.entries()) {
      const key = `${message.id}:${index}`
      const outcome = await toMedia(ec, attachment, message.id)
      if (outcome.kind === 'media') await create(key, outcome.media)
      if (outcome.kind === 'dropped') await reportDropped(ec, { conversationId, threadId: message.conversationsThreadId, key, create }, outcome)
      shown += outcome.kind === 'skipped' ? 0 : 1
    }
  } catch (err) {
    if (channelId) await reportStatus(ec, channelId, message.id, 'FAILED', 'The message could not be delivered to the bot user; it will be retried.')
    throw err
  }
  // No text and only attachments Botpress cannot show (a location, quick replies): nothing was
  // posted, so the end user sees nothing and SENT would be a lie (and the plugin assigned nobody).
  if (shown === 0) {
    logger.debug(`Message ${message.id} has nothing the end user can be shown (no text; attachments of types without a Botpress equivalent).`)
    if (channelId) await reportStatus(ec, channelId, message.id, 'FAILED', NOTHING_TO_SHOW_REASON)
    return
  }
  if (channelId) await reportStatus(ec, channelId, message.id, 'SENT')
  // The plugin assigns the author of the first agent message itself (when nobody is assigned):
  // remember them, so HubSpot's `assignedTo` for the same agent does not announce them twice. The
  // reply's time is not recorded as an assignment change (lastChangeAt): HubSpot's own assignment
  // made before it but delivered after it is still HubSpot's truth and must apply.
  if (active && !state.assigneeActorId && actorId !== 'A-unknown') {
    await saveHitlState(client, conversationId, { ...state, status: 'open', assigneeActorId: actorId })
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

type AttachmentOutcome =
  | { kind: 'media'; media: MediaItem }
  /** A type Botpress cannot show (LOCATION, CONTACT, …): skipped, as it always was. */
  | { kind: 'skipped' }
  /** A file that cannot be passed on: the end user and the agent are told (reportDropped); `detail` is for the log. */
  | { kind: 'dropped'; title: string; why: string; detail?: string }

/**
 * The Botpress media item for an agent's attachment. Its link goes to the end user's browser, so
 * only an http(s) link to a public host is passed on (checkPassableUrl; names are not resolved, the
 * integration never fetches it). A refused or missing link is replaced by a HubSpot signed link,
 * checked the same way. A HubSpot failure a retry cannot fix drops the attachment instead of failing
 * the whole delivery (HubSpot would redeliver it forever); a transient one still throws.
 */
const toMedia = async (ec: EventContext, attachment: AgentAttachment, messageId: string): Promise<AttachmentOutcome> => {
  if (attachment.kind === 'unsupported') {
    ec.logger.debug(`Skipping a HubSpot attachment of type ${String(attachment.type)}: no Botpress equivalent.`)
    return { kind: 'skipped' }
  }
  // Empty strings count as absent, like missing fields.
  const title = attachment.name || 'attachment'
  const media = (url: URL): AttachmentOutcome => ({
    kind: 'media',
    media: mediaItem(mediaKindOf(attachment.fileUsageType || undefined, title), url.href, title),
  })
  if (attachment.url) {
    const given = checkPassableUrl(attachment.url)
    if ('url' in given) return media(given.url)
    // The reason names the scheme or host only: the rest may be a signature or a data: payload.
    ec.logger
      .forBot()
      .warn(
        `Not passing on the link HubSpot gave for attachment ${title} of message ${messageId}: ${given.reason}. Asking HubSpot for a signed link instead.`
      )
  }
  // Whether `url` is fetchable without auth is UNCONFIRMED; without one, ask for a signed link.
  let signed: string
  try {
    signed = await ec.hs.files.signedUrl(attachment.fileId)
  } catch (err) {
    if (!isPermanentHubspotFailure(err)) throw err
    return { kind: 'dropped', title, why: `HubSpot refused a download link for it (HTTP ${err.status})`, detail: err.message }
  }
  const checked = checkPassableUrl(signed)
  return 'url' in checked ? media(checked.url) : { kind: 'dropped', title, why: `HubSpot's download link for it was refused: ${checked.reason}` }
}

/** Shown to the end user, from the agent, in place of an attachment that could not be passed on. */
export const attachmentDroppedNotice = (title: string): string =>
  `The agent sent you an attachment (${title}) that could not be delivered here. They have been told and may send it another way.`

/** Posted on the HubSpot thread (a COMMENT, agents only) about an attachment the end user did not get. */
export const attachmentDroppedNote = (title: string, why: string): string =>
  `Bot: your attachment ${title} could not be passed on to the customer: ${why}. They were told it could not be delivered; please send it another way (for example as a link or by email).`

type DropTarget = {
  conversationId: string
  threadId: string
  /** The attachment's own tag (`<message id>:<index>`), so a redelivery finds the notice and posts nothing twice. */
  key: string
  create: (key: string, content: { type: 'text'; payload: { text: string } }) => Promise<unknown>
}

/**
 * An attachment could not be passed on; the rest of the message is delivered and HubSpot gets 200
 * and SENT (the end user does see the message). The agent learns it from a COMMENT note on the
 * thread rather than from the receipt's errorMessage: HubSpot shows that with FAILED messages, and
 * whether it shows it on a SENT one is UNCONFIRMED. The note goes first: if it fails transiently the
 * delivery throws and the redelivery tries both again; a redelivery after the notice exists posts
 * neither (one Botpress read, on this failure path only).
 */
const reportDropped = async (ec: EventContext, target: DropTarget, dropped: { title: string; why: string; detail?: string }): Promise<void> => {
  const { client, hs, logger } = ec
  const { messages } = await client.listMessages({ conversationId: target.conversationId, tags: { hubspotMessageId: target.key } })
  if (messages.length > 0) return
  logger
    .forBot()
    .warn(
      `Agent attachment ${dropped.title} (${target.key}) was not passed on to the end user: ${dropped.detail ?? dropped.why}. Telling the end user and the agent.`
    )
  try {
    await hs.conversations.addComment(target.threadId, { text: attachmentDroppedNote(dropped.title, dropped.why) })
  } catch (err) {
    if (!isPermanentHubspotFailure(err)) throw err
    logger
      .forBot()
      .warn(`Could not tell the agent on HubSpot thread ${target.threadId} that attachment ${dropped.title} was not delivered: ${err.message}`)
  }
  await target.create(target.key, { type: 'text', payload: { text: attachmentDroppedNotice(dropped.title) } })
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
