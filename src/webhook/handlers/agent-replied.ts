import { findConversationForMessage } from '../../hitl/conversation-tags'
import { getAgentUserId } from '../../hitl/agent-users'
import { agentMessageText } from '../../render/agent-html'
import { occasionContext, onTicketOccasion } from '../../tickets/pending'
import { integrationThreadIdsOf, type OutgoingMessageEvent } from '../event-schemas'
import type { EventContext } from './context'

type MediaType = 'image' | 'audio' | 'video' | 'file'
type Media =
  | { type: 'image'; payload: { imageUrl: string; title: string } }
  | { type: 'audio'; payload: { audioUrl: string; title: string } }
  | { type: 'video'; payload: { videoUrl: string; title: string } }
  | { type: 'file'; payload: { fileUrl: string; title: string } }
/** The attachment fields read here; the schema keeps unknown attachment kinds as they came. */
type AttachmentLike = { type?: unknown; fileId?: unknown; name?: unknown; url?: unknown; fileUsageType?: unknown }

const VIDEO_EXT = /\.(mp4|mov|webm|mkv|avi|m4v)$/i
const IMAGE_EXT = /\.(png|jpe?g|gif|webp|bmp|svg)$/i
const AUDIO_EXT = /\.(mp3|wav|ogg|m4a|aac|oga|opus)$/i

export const mediaTypeOf = (usage: string | undefined, name: string): MediaType => {
  if (usage === 'IMAGE' || usage === 'STICKER' || IMAGE_EXT.test(name)) return 'image'
  if (usage === 'AUDIO' || usage === 'VOICE_RECORDING' || AUDIO_EXT.test(name)) return 'audio'
  if (VIDEO_EXT.test(name)) return 'video'
  return 'file'
}

/**
 * An agent replied in HubSpot: post it in the HITL conversation as the agent's Botpress user,
 * then tell HubSpot it was delivered. Each piece is keyed by the HubSpot message id, so a
 * redelivered webhook finds the message already there and creates nothing.
 */
export const handleAgentReplied = async (ec: EventContext, event: OutgoingMessageEvent): Promise<void> => {
  const { client, logger, hs, ctx } = ec
  const { message } = event
  const conversationId = await findConversationForMessage(client, ctx.botId, message.conversationsThreadId, integrationThreadIdsOf(event))
  if (!conversationId) {
    logger.debug(`Ignoring message ${message.id}: thread ${message.conversationsThreadId} was not opened by this bot.`)
    return
  }
  const sender = message.senders?.[0]
  const warn = (m: string) => logger.forBot().warn(m)
  const channelId = message.channelId ?? event.channelId
  try {
    const userId = await getAgentUserId({ client, hs, botId: ctx.botId, warn }, sender?.actorId ?? 'A-unknown', { name: sender?.name })
    const create = (key: string, content: Media | { type: 'text'; payload: { text: string } }) =>
      client.getOrCreateMessage({
        conversationId,
        userId,
        ...content,
        tags: { hubspotMessageId: key },
        discriminateByTags: ['hubspotMessageId'],
      })

    const text = agentMessageText(message)
    if (text) await create(message.id, { type: 'text', payload: { text } })
    const attachments: AttachmentLike[] = message.attachments ?? []
    for (const [index, attachment] of attachments.entries()) {
      const media = await toMedia(ec, attachment)
      if (media) await create(`${message.id}:${index}`, media)
    }
  } catch (err) {
    if (channelId) await reportStatus(ec, channelId, message.id, 'FAILED', 'The message could not be delivered to the bot user; it will be retried.')
    throw err
  }
  if (channelId) await reportStatus(ec, channelId, message.id, 'SENT')
  await onTicketOccasion(occasionContext(ec), conversationId)
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined)

const toMedia = async (ec: EventContext, attachment: AttachmentLike): Promise<Media | undefined> => {
  const fileId = str(attachment.fileId)
  if (attachment.type !== 'FILE' || !fileId) {
    ec.logger.debug(`Skipping a HubSpot attachment of type ${String(attachment.type)}: no Botpress equivalent.`)
    return undefined
  }
  const title = str(attachment.name) ?? 'attachment'
  // Whether `url` is fetchable without auth is UNCONFIRMED; without one, ask for a signed link.
  const url = str(attachment.url) ?? (await ec.hs.files.signedUrl(fileId))
  switch (mediaTypeOf(str(attachment.fileUsageType), title)) {
    case 'image':
      return { type: 'image', payload: { imageUrl: url, title } }
    case 'audio':
      return { type: 'audio', payload: { audioUrl: url, title } }
    case 'video':
      return { type: 'video', payload: { videoUrl: url, title } }
    default:
      return { type: 'file', payload: { fileUrl: url, title } }
  }
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
    ec.logger.forBot().warn(`Could not report delivery status of message ${messageId} to HubSpot: ${err instanceof Error ? err.message : 'unknown error'}`)
  }
}
