import { z } from '@botpress/sdk'
import { normaliseActorId } from '../hitl/agent-users'

/**
 * What HubSpot POSTs to the one webhook URL: single custom-channel events (an object with a
 * string `type`) and app-webhook batches (an array). Objects pass unknown fields through and ids
 * may be numbers or strings, so additive or loosely typed HubSpot changes do not break parsing.
 */

const id = z.union([z.string().min(1), z.number().finite()]).transform(String)
const optId = z
  .union([z.string(), z.number().finite()])
  .nullish()
  .transform((v) => (v === null || v === undefined || v === '' ? undefined : String(v)))
const optStr = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined)
const listOf = <T extends z.ZodTypeAny>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v) => v ?? [])
// Botpress keys on conversationsThreadId; a malformed list of these must not cost the message.
const idList = listOf(id).catch([])

const participantSchema = z
  .object({
    actorId: optId,
    name: optStr,
    // Not read here; an odd identifier must not cost the whole message.
    deliveryIdentifier: z.object({ type: z.string(), value: z.string() }).passthrough().nullish().catch(undefined),
  })
  .passthrough()

const fileAttachmentSchema = z.object({ type: z.literal('FILE'), fileId: id, name: optStr, url: optStr, fileUsageType: optStr }).passthrough()
/** LOCATION, CONTACT, QUICK_REPLIES, … and FILE items without a usable fileId, kept as they came. */
const otherAttachmentSchema = z.object({ type: z.string().optional() }).passthrough()

const messageSchema = z
  .object({
    id,
    conversationsThreadId: id,
    channelId: optId,
    channelAccountId: optId,
    type: optStr,
    direction: optStr,
    text: z
      .string()
      .nullish()
      .transform((v) => v ?? ''),
    richText: optStr,
    senders: listOf(participantSchema),
    recipients: listOf(participantSchema),
    attachments: listOf(z.union([fileAttachmentSchema, otherAttachmentSchema])),
    createdAt: optStr,
    createdBy: optStr,
    inReplyToId: optId,
    channelIntegrationThreadIds: idList,
  })
  .passthrough()

export const outgoingMessageEventSchema = z
  .object({
    type: z.literal('OUTGOING_CHANNEL_MESSAGE_CREATED'),
    portalId: optId,
    channelId: optId,
    eventId: optId,
    eventTimestamp: optId,
    // Observed at the top level in one real event and under `message` by another integration.
    channelIntegrationThreadIds: idList,
    message: messageSchema,
  })
  .passthrough()
export type OutgoingMessageEvent = z.infer<typeof outgoingMessageEventSchema>

/** The integration thread ids of an agent message, wherever HubSpot put them, without duplicates. */
export const integrationThreadIdsOf = (event: OutgoingMessageEvent): string[] => [
  ...new Set([...event.channelIntegrationThreadIds, ...event.message.channelIntegrationThreadIds]),
]

export const CHANNEL_ACCOUNT_EVENT_TYPES = ['CHANNEL_ACCOUNT_CREATED', 'CHANNEL_ACCOUNT_UPDATED', 'CHANNEL_ACCOUNT_PURGED'] as const
const optBool = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .nullish()
  .transform((v) => (v === null || v === undefined ? undefined : v === true || v === 'true'))
const accountFields = { channelId: optId, channelAccountId: optId, inboxId: optId, name: optStr, authorized: optBool }

/**
 * UNCONFIRMED shape: third-party handlers read the account fields at the top level, and the
 * account object itself may come nested as `channelAccount` (with `id` or `channelAccountId`).
 * Both readings are accepted; `normaliseChannelAccountEvent` merges them, top level first.
 */
export const channelAccountEventSchema = z
  .object({
    type: z.enum(CHANNEL_ACCOUNT_EVENT_TYPES),
    portalId: optId,
    eventId: optId,
    eventTimestamp: optId,
    ...accountFields,
    channelAccount: z
      .object({ id: optId, ...accountFields })
      .passthrough()
      .nullish(),
  })
  .passthrough()
  .refine((e) => e.channelAccountId ?? e.channelAccount?.channelAccountId ?? e.channelAccount?.id, {
    message: 'No channel account id (neither channelAccountId nor channelAccount.id)',
    path: ['channelAccountId'],
  })
export type ChannelAccountEvent = z.infer<typeof channelAccountEventSchema>

export type NormalisedChannelAccountEvent = {
  type: ChannelAccountEvent['type']
  channelId?: string
  channelAccountId: string
  inboxId?: string
  authorized?: boolean
  name?: string
}

export const normaliseChannelAccountEvent = (event: ChannelAccountEvent): NormalisedChannelAccountEvent => {
  const nested = event.channelAccount ?? undefined
  const pick = <K extends keyof typeof accountFields>(key: K) => event[key] ?? nested?.[key]
  return {
    type: event.type,
    channelId: pick('channelId'),
    // The schema's refinement guarantees one of these is present.
    channelAccountId: pick('channelAccountId') ?? nested?.id ?? '',
    inboxId: pick('inboxId'),
    authorized: pick('authorized'),
    name: pick('name'),
  }
}

export const conversationEventSchema = z
  .object({
    eventId: id,
    subscriptionType: z.string().min(1),
    objectId: id,
    // Informational only: a signed event we can act on is not dropped for lacking them.
    occurredAt: z.number().optional(),
    portalId: optId,
    appId: optId,
    attemptNumber: z.number().optional(),
    changeFlag: optStr,
    propertyName: optStr,
    propertyValue: z
      .union([z.string(), z.number(), z.boolean()])
      .nullish()
      .transform((v) => (v === null || v === undefined ? undefined : String(v))),
    messageId: optId,
    messageType: optStr,
  })
  .passthrough()
export type ConversationEvent = z.infer<typeof conversationEventSchema>

type ThreadEvent = { threadId: string; eventId: string }
export type ClassifiedEvent =
  | ({ kind: 'assigned'; actorId: string } & ThreadEvent)
  | ({ kind: 'unassigned' | 'closed' | 'reopened' | 'archived' } & ThreadEvent)
  | ({ kind: 'newMessage'; messageId: string; messageType?: string } & ThreadEvent)
  | { kind: 'ignored'; reason: string }

/**
 * The app-webhook subscriptions the handler acts on; hubspot-app/src/app/webhooks/webhooks-hsmeta.json
 * must subscribe to each (tests/hubspot-app checks). `isArchived` is read below only defensively:
 * HubSpot reports archiving as conversation.deletion, and an isArchived subscription is UNCONFIRMED.
 */
export const APP_WEBHOOK_SUBSCRIPTIONS = {
  assignment: { subscriptionType: 'conversation.propertyChange', propertyName: 'assignedTo' },
  status: { subscriptionType: 'conversation.propertyChange', propertyName: 'status' },
  deletion: { subscriptionType: 'conversation.deletion' },
  privacyDeletion: { subscriptionType: 'conversation.privacyDeletion' },
} as const
const SUBS = APP_WEBHOOK_SUBSCRIPTIONS

export const classifyConversationEvent = (e: ConversationEvent): ClassifiedEvent => {
  const base = { threadId: e.objectId, eventId: e.eventId }
  const value = e.propertyValue?.trim() ?? ''
  switch (e.subscriptionType) {
    case SUBS.deletion.subscriptionType:
    case SUBS.privacyDeletion.subscriptionType:
      return { kind: 'archived', ...base }
    case 'conversation.newMessage':
      if (!e.messageId) return { kind: 'ignored', reason: 'conversation.newMessage without messageId' }
      return { kind: 'newMessage', ...base, messageId: e.messageId, messageType: e.messageType }
    case SUBS.assignment.subscriptionType:
      break
    default:
      return { kind: 'ignored', reason: `subscription ${e.subscriptionType}` }
  }
  switch (e.propertyName) {
    case SUBS.assignment.propertyName:
      // Whether HubSpot sends "123" or "A-123" is UNCONFIRMED; both end up as "A-123".
      return value ? { kind: 'assigned', ...base, actorId: normaliseActorId(value) } : { kind: 'unassigned', ...base }
    case SUBS.status.propertyName:
      if (value.toUpperCase() === 'CLOSED') return { kind: 'closed', ...base }
      if (value.toUpperCase() === 'OPEN') return { kind: 'reopened', ...base }
      if (value.toUpperCase() === 'ARCHIVED') return { kind: 'archived', ...base }
      return { kind: 'ignored', reason: `status ${value || '(empty)'}` }
    case 'isArchived':
      if (value.toLowerCase() === 'true') return { kind: 'archived', ...base }
      return { kind: 'ignored', reason: 'thread restored (isArchived false)' }
    default:
      return { kind: 'ignored', reason: `property ${e.propertyName ?? '(none)'}` }
  }
}

export const MAX_BATCH_EVENTS = 1000

export type WebhookPayload =
  | { kind: 'channel'; event: OutgoingMessageEvent | ChannelAccountEvent }
  | { kind: 'channel-unknown'; type: string }
  | { kind: 'batch'; events: ConversationEvent[]; invalid: number }
  | { kind: 'invalid'; issues: string }

export const parseWebhookPayload = (json: unknown): WebhookPayload => {
  if (Array.isArray(json)) {
    if (json.length > MAX_BATCH_EVENTS) return { kind: 'invalid', issues: `batch of ${json.length} events (max ${MAX_BATCH_EVENTS})` }
    const events: ConversationEvent[] = []
    for (const item of json) {
      const parsed = conversationEventSchema.safeParse(item)
      if (parsed.success) events.push(parsed.data)
    }
    return { kind: 'batch', events, invalid: json.length - events.length }
  }
  if (typeof json !== 'object' || json === null || typeof (json as { type?: unknown }).type !== 'string') {
    return { kind: 'invalid', issues: 'expected an event object with a string `type`, or an array of events' }
  }
  const type = (json as { type: string }).type
  const schema =
    type === 'OUTGOING_CHANNEL_MESSAGE_CREATED'
      ? outgoingMessageEventSchema
      : (CHANNEL_ACCOUNT_EVENT_TYPES as readonly string[]).includes(type)
        ? channelAccountEventSchema
        : undefined
  if (!schema) return { kind: 'channel-unknown', type }
  const parsed = schema.safeParse(json)
  return parsed.success ? { kind: 'channel', event: parsed.data } : { kind: 'invalid', issues: describeIssues(parsed.error) }
}

/** Paths and messages only: never the offending values, which may be personal data. */
const describeIssues = (error: z.ZodError): string => error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
