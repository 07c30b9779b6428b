import * as sdk from '@botpress/sdk'
import { readHitlTags, rememberThread } from '../hitl/conversation-tags'
import { resolveSender } from '../hitl/participants'
import { createHubspotClient } from '../hubspot'
import { toOutgoingParts } from '../render/outgoing'
import { occasionContext, onTicketOccasion } from '../tickets/pending'
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
  const sender = resolveSender(user, conversation.tags)
  if (!sender) {
    throw new sdk.RuntimeError(
      `Conversation ${conversation.id} carries no end-user identity; it must be opened by startHitl with a user from createUser.`
    )
  }
  const hs = createHubspotClient(props)
  const parts = toOutgoingParts({ type: props.type, payload: props.payload })
  const published = await forwardParts(
    { hs, tags, sender, messageId: message.id, logWarning: (m) => logger.forBot().warn(m) },
    parts
  )
  const last = published[published.length - 1]
  if (!last) return

  // HubSpot starts a new thread when the old one was closed over 24 h ago: follow it.
  if (last.conversationsThreadId !== tags.hubspotThreadId) {
    await client.updateConversation({ id: conversation.id, tags: { hubspotThreadId: last.conversationsThreadId } })
    rememberThread(props.ctx.botId, last.conversationsThreadId, conversation.id)
  }
  await props.ack({ tags: { hubspotMessageId: published.map((m) => m.id).join(',') } })
  // Free unless ticket fields wait for HubSpot's ticket (the tag says so).
  await onTicketOccasion(occasionContext({ ...props, hs }), conversation.id, conversation.tags)
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
