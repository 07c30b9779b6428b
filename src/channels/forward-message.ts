import type { FileAttachment, IncomingMessageEgg } from '../hubspot/messages'
import type { HubspotClient } from '../hubspot'
import type { HubspotMessage } from '../hubspot/schemas'
import type { HitlTags } from '../hitl/conversation-tags'
import { downloadMedia } from '../hitl/media'
import { inboxRecipient, type Sender } from '../hitl/participants'
import { fileUsageTypeFor, mediaFallbackText, type OutgoingPart } from '../render/outgoing'

export type ForwardContext = {
  hs: HubspotClient
  tags: HitlTags
  sender: Sender
  /** The Botpress message id: HubSpot's idempotency key, so a redelivered message is never posted twice. */
  messageId: string
  logWarning: (msg: string) => void
}

/** Publishes the parts of one end-user message, in order; returns what HubSpot created. */
export const forwardParts = async (ctx: ForwardContext, parts: OutgoingPart[]): Promise<HubspotMessage[]> => {
  const published: HubspotMessage[] = []
  for (const [index, part] of parts.entries()) {
    const key = parts.length === 1 ? ctx.messageId : `${ctx.messageId}:${index}`
    published.push(await publishPart(ctx, part, key))
  }
  return published
}

const publishPart = async (ctx: ForwardContext, part: OutgoingPart, key: string): Promise<HubspotMessage> => {
  if (part.kind === 'text') return publish(ctx, key, { text: part.text, richText: part.richText, attachments: [] })
  const attachment = await uploadAttachment(ctx, part)
  if (!attachment) return publish(ctx, key, { text: mediaFallbackText(part), attachments: [] })
  return publish(ctx, key, { text: part.title ?? '', attachments: [attachment] })
}

/** Uploads media to HubSpot Files; undefined (and a warning) when that is impossible, never an exception. */
const uploadAttachment = async (ctx: ForwardContext, part: Extract<OutgoingPart, { kind: 'media' }>): Promise<FileAttachment | undefined> => {
  try {
    const media = await downloadMedia(part.url, part.media, part.title)
    const file = await ctx.hs.files.upload(media)
    return { type: 'FILE', fileId: file.id, fileUsageType: fileUsageTypeFor(part.media, media.mimeType) }
  } catch (err) {
    const reason = err instanceof Error ? err.message : 'unknown error'
    ctx.logWarning(`Could not attach the ${part.media} to the HubSpot message (${reason}); sending its link instead.`)
    return undefined
  }
}

const publish = async (
  ctx: ForwardContext,
  key: string,
  content: Pick<IncomingMessageEgg, 'text' | 'richText' | 'attachments'>
): Promise<HubspotMessage> =>
  ctx.hs.messages.publishIncoming(ctx.tags.channelId, {
    channelAccountId: ctx.tags.channelAccountId,
    integrationThreadId: ctx.tags.integrationThreadId,
    integrationIdempotencyId: key,
    ...content,
    senders: [ctx.sender.participant],
    recipients: [inboxRecipient(ctx.tags.inboxId)],
    timestamp: new Date().toISOString(),
    associateWithContactId: ctx.sender.contactId,
  })
