import * as sdk from '@botpress/sdk'
import { releaseOnRelay } from '../hitl/assignment'
import { readHitlTags, rememberThread, threadEntryOf } from '../hitl/conversation-tags'
import { resolveSender } from '../hitl/participants'
import { createHubspotClient } from '../hubspot'
import { mediaFallbackText, toOutgoingParts } from '../render/outgoing'
import { occasionContext, onTicketOccasion } from '../tickets/pending'
import { withKeyLock } from '../webhook/concurrency'
import { forwardParts } from './forward-message'
import type * as bp from '.botpress'

type MessageType = keyof bp.channels.hitl.Messages
type AnyMessageProps = bp.MessageProps['hitl'][MessageType]

/**
 * End user → agent. Every id comes from the conversation and user tags, so the warm path is one
 * HubSpot publish plus the ack. Botpress's HITL plugin relays the end user's messages as the bot
 * (with `payload.userId` naming the end user), so the sender is resolved from the conversation.
 */
const forward = async (props: AnyMessageProps): Promise<void> => {
  const { conversation, user, message, client, logger } = props
  const tags = readHitlTags(conversation)
  if (isBotNote(user.id, conversation.tags, props.payload)) return postBotNote(props, tags.hubspotThreadId)
  const sender = resolveSender(user, conversation.tags)
  if (!sender) {
    throw new sdk.RuntimeError(
      `Conversation ${conversation.id} carries no end-user identity; it must be opened by startHitl with a user from createUser.`
    )
  }
  const hs = createHubspotClient(props)
  const parts = toOutgoingParts({ type: props.type, payload: props.payload })
  const published = await forwardParts({ hs, tags, sender, messageId: message.id, logWarning: (m) => logger.forBot().warn(m) }, parts)
  const last = published[published.length - 1]
  if (!last) return

  // HubSpot starts a new thread when the old one was closed over 24 h ago: follow it.
  if (last.conversationsThreadId !== tags.hubspotThreadId) {
    await client.updateConversation({ id: conversation.id, tags: { hubspotThreadId: last.conversationsThreadId } })
    rememberThread(props.ctx.botId, last.conversationsThreadId, threadEntryOf(conversation))
  }
  await props.ack({ tags: { hubspotMessageId: published.map((m) => m.id).join(',') } })
  // The plugin relays end-user messages only while the session is active, so an assignment held
  // back during its activation can be announced now. Only flagged conversations pay for this.
  if (conversation.tags.assignmentPending === 'true') {
    await withKeyLock(conversation.id, () => releaseOnRelay(client, conversation.id))
  }
  // Free unless ticket fields wait for HubSpot's ticket (the tag says so).
  await onTicketOccasion(occasionContext({ ...props, hs }), conversation.id, conversation.tags)
}

/**
 * The HITL plugin relays the end user's words as the bot WITH `payload.userId`; its own notes
 * ("( The user has ended the session. )", "Something went wrong…", unsupported-type notices) are
 * bot-authored WITHOUT it. Those must not reach the agent as if the customer wrote them. Decided
 * from what the handler already has, so forwarding an end-user message costs nothing more.
 */
const isBotNote = (authorId: string, conversationTags: Partial<Record<string, string>>, payload: unknown): boolean => {
  const relayedFor = (payload as { userId?: unknown } | undefined)?.userId
  return !relayedFor && authorId !== conversationTags.userId
}

const BOT_NOTE_PREFIX = 'Bot: '

/**
 * An agent-only note (HubSpot COMMENT): visible in the inbox, never sent to the customer, clearly
 * from the bot. Not idempotent on HubSpot's side; Botpress redelivers only when this handler
 * failed, so the note is posted before the ack and a failed post is retried as a whole.
 */
const postBotNote = async (props: AnyMessageProps, threadId: string): Promise<void> => {
  const parts = toOutgoingParts({ type: props.type, payload: props.payload })
  const body = parts.map((p) => (p.kind === 'text' ? p.text : mediaFallbackText(p))).join('\n')
  const hs = createHubspotClient(props)
  const note = await hs.conversations.addComment(threadId, { text: `${BOT_NOTE_PREFIX}${body}` })
  await props.ack({ tags: { hubspotMessageId: note.id } })
}

export const channels = {
  hitl: {
    messages: {
      text: forward,
      image: forward,
      audio: forward,
      video: forward,
      file: forward,
      bloc: forward,
    },
  },
} satisfies bp.IntegrationProps['channels']
