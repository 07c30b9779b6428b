import type { ChannelCapabilities } from '../hubspot/channels'

/** Per-file limit for attachments in either direction; larger end-user media are sent as links. */
export const MAX_ATTACHMENT_BYTES = 10_000_000

/**
 * What the channel really supports, so HubSpot's composer offers agents nothing we would drop:
 * senders by email, phone or an opaque id (anonymous visitors); formatting we can turn into
 * markdown; file attachments, one Botpress message each. Agents do not start conversations with
 * bot users, and a thread has one end user.
 */
export const CHANNEL_CAPABILITIES: ChannelCapabilities = {
  deliveryIdentifierTypes: ['HS_EMAIL_ADDRESS', 'HS_PHONE_NUMBER', 'CHANNEL_SPECIFIC_OPAQUE_ID'],
  richText: ['HYPERLINK', 'BOLD', 'ITALIC', 'LISTS', 'BLOCKQUOTE'],
  threadingModel: 'INTEGRATION_THREAD_ID',
  allowInlineImages: false,
  allowOutgoingMessages: true,
  allowConversationStart: false,
  allowMultipleRecipients: false,
  outgoingAttachmentTypes: ['FILE'],
  allowedFileAttachmentMimeTypes: ['image/*', 'audio/*', 'video/*', 'application/*', 'text/*'],
  maxFileAttachmentCount: 5,
  maxFileAttachmentSizeBytes: MAX_ATTACHMENT_BYTES,
  maxTotalFileAttachmentSizeBytes: 5 * MAX_ATTACHMENT_BYTES,
}
