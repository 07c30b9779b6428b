/** Records kept by the emulator. Times are epoch milliseconds; public JSON turns them into ISO strings. */

export const DELIVERY_IDENTIFIER_TYPES = ['CHANNEL_SPECIFIC_OPAQUE_ID', 'HS_EMAIL_ADDRESS', 'HS_PHONE_NUMBER', 'HS_SHORT_CODE'] as const
export type DeliveryIdentifierType = (typeof DELIVERY_IDENTIFIER_TYPES)[number]
export type DeliveryIdentifier = { type: DeliveryIdentifierType; value: string }

export type InboxType = 'INBOX' | 'HELP_DESK'
export type Inbox = { id: string; name: string; type: InboxType; createdAt: number }

export type Channel = {
  id: string
  name: string
  capabilities: Record<string, unknown>
  webhookUrl?: string
  channelDescription?: string
  channelLogoUrl?: string
  channelAccountConnectionRedirectUrl?: string
  createdAt: number
  /** GET-list calls that still leave this channel out (HubSpot's eventual consistency after create). */
  hiddenForListCalls: number
}

export type ChannelAccount = {
  id: string
  channelId: string
  inboxId: string
  name: string
  authorized: boolean
  archived: boolean
  archivedAt?: number
  createdAt: number
  deliveryIdentifier?: DeliveryIdentifier
}

export type ThreadStatus = 'OPEN' | 'CLOSED'
export type Thread = {
  id: string
  inboxId: string
  status: ThreadStatus
  /** Bare agent id (no "A-" prefix). */
  assignedTo?: string
  /** CRM contact id, or a visitor id while no contact matches (as HubSpot documents). */
  associatedContactId: string
  /** "V-…" actor standing for the end user. */
  visitorActorId: string
  /** The end user's delivery identifier, used as recipient of agent replies. */
  visitorIdentifier?: DeliveryIdentifier
  visitorName?: string
  originalChannelId: string
  originalChannelAccountId: string
  integrationThreadId?: string
  threadKey?: string
  createdAt: number
  closedAt?: number
  latestMessageTimestamp?: number
  latestMessageSentTimestamp?: number
  latestMessageReceivedTimestamp?: number
  archived: boolean
}

export const FILE_USAGE_TYPES = ['AUDIO', 'IMAGE', 'OTHER', 'STICKER', 'VOICE_RECORDING'] as const
export type FileUsageType = (typeof FILE_USAGE_TYPES)[number]
export const OTHER_ATTACHMENT_TYPES = [
  'LOCATION',
  'CONTACT',
  'UNSUPPORTED_CONTENT',
  'MESSAGE_HEADER',
  'QUICK_REPLIES',
  'SOCIAL_MEDIA_METADATA',
] as const
export type OtherAttachmentType = (typeof OTHER_ATTACHMENT_TYPES)[number]

export type MessageAttachment =
  | { type: 'FILE'; fileId: string; fileUsageType: FileUsageType; name?: string; url?: string }
  | { type: OtherAttachmentType; fields: Record<string, unknown> }

export type MessageSender = { actorId?: string; name?: string; deliveryIdentifier?: DeliveryIdentifier; senderField?: string }
export type MessageRecipient = { actorId?: string; name?: string; deliveryIdentifier: DeliveryIdentifier; recipientField?: string }

export type MessageStatusType = 'RECEIVED' | 'SENT' | 'FAILED' | 'READ'
export type MessageStatus = { statusType: MessageStatusType; errorMessage?: string; at: number }

export type Message = {
  id: string
  threadId: string
  channelId: string
  channelAccountId: string
  direction: 'INCOMING' | 'OUTGOING'
  text: string
  richText?: string
  senders: MessageSender[]
  recipients: MessageRecipient[]
  attachments: MessageAttachment[]
  createdAt: number
  updatedAt: number
  createdBy: string
  clientType: 'HUBSPOT' | 'INTEGRATION'
  status: MessageStatus
  /** Every status the message went through, oldest first (PATCHes by the integration included). */
  statusHistory: MessageStatus[]
  integrationIdempotencyId?: string
  integrationThreadId?: string
  inReplyToId?: string
}

export type FileType = 'IMG' | 'DOCUMENT' | 'AUDIO' | 'MOVIE' | 'OTHER'
export type FileRecord = {
  id: string
  /** Without the extension, as HubSpot's File object has it. */
  name: string
  extension: string
  type: FileType
  mimeType: string
  size: number
  access: string
  folderPath?: string
  parentFolderId?: string
  content: Buffer
  md5: string
  createdAt: number
  updatedAt: number
  archived: boolean
}

export type Contact = { id: string; properties: Record<string, string>; createdAt: number; updatedAt: number; archived: boolean }
export type Agent = { id: string; name: string; email: string; avatar?: string }
export type Visitor = { id: string; name?: string; deliveryIdentifier?: DeliveryIdentifier }

/** A Help Desk ticket; `properties` holds HubSpot internal names → string values, as the CRM API shows them. */
export type Ticket = { id: string; threadId: string; properties: Record<string, string>; createdAt: number; updatedAt: number; archived: boolean }
export type PipelineStage = { id: string; label: string; displayOrder: number; ticketState: 'OPEN' | 'CLOSED' }
export type TicketPipeline = { id: string; label: string; displayOrder: number; stages: PipelineStage[] }
/** An agent-only note (COMMENT) on a thread: shown to agents, never delivered to the channel. */
export type Comment = { id: string; threadId: string; text: string; richText?: string; createdBy: string; createdAt: number }

export type EmulatorState = {
  channels: Map<string, Channel>
  channelAccounts: Map<string, ChannelAccount>
  threads: Map<string, Thread>
  messages: Map<string, Message>
  files: Map<string, FileRecord>
  contacts: Map<string, Contact>
  inboxes: Map<string, Inbox>
  agents: Map<string, Agent>
  visitors: Map<string, Visitor>
  tickets: Map<string, Ticket>
  comments: Map<string, Comment>
}

export type RequestAuth = 'bearer' | 'hapikey' | 'none'
export type RequestLogEntry = { method: string; path: string; query: Record<string, string>; auth: RequestAuth; status: number; at: number }

export type DeliveryKind = 'channel' | 'app' | 'raw'
export type DeliveryRecord = {
  kind: DeliveryKind
  target: string
  body: string
  headers: Record<string, string>
  /** HTTP status the receiver answered; 0 when it could not be reached or timed out. */
  status: number
  error?: string
  at: number
}
