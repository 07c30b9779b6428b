import { z } from '@botpress/sdk'

/**
 * Parsing: what HubSpot POSTs to the one webhook URL: single custom-channel events (an object with a
 * string `type`) and app-webhook batches (an array). Objects pass unknown fields through and ids
 * may be numbers or strings, so additive or loosely typed HubSpot changes do not break parsing.
 * What an app event means is classify.ts's business; which handler acts on what, routes.ts's.
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

const fileAttachmentSchema = z
  .object({ type: z.literal('FILE'), fileId: id, name: optStr, url: optStr, fileUsageType: optStr })
  .passthrough()
  .transform((a) => ({ ...a, kind: 'file' as const }))
/** LOCATION, CONTACT, QUICK_REPLIES, … and FILE items without a usable fileId, kept as they came. */
const unsupportedAttachmentSchema = z
  .object({ type: z.string().optional() })
  .passthrough()
  .transform((a) => ({ ...a, kind: 'unsupported' as const }))
/** An agent's attachment, told apart by `kind`: a HubSpot file Botpress can show, or anything else. */
export const agentAttachmentSchema = z.union([fileAttachmentSchema, unsupportedAttachmentSchema])
export type AgentAttachment = z.output<typeof agentAttachmentSchema>

/** The agent's message inside OUTGOING_CHANNEL_MESSAGE_CREATED (not HubSpot's API answer: that is hubspot/schemas.ts). */
const agentMessageSchema = z
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
    attachments: listOf(agentAttachmentSchema),
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
    message: agentMessageSchema,
  })
  .passthrough()
export type OutgoingMessageEvent = z.infer<typeof outgoingMessageEventSchema>

/** The integration thread ids of an agent message, wherever HubSpot put them, without duplicates. */
export const integrationThreadIdsOf = (event: OutgoingMessageEvent): string[] => [
  ...new Set([...event.channelIntegrationThreadIds, ...event.message.channelIntegrationThreadIds]),
]

const CHANNEL_ACCOUNT_EVENT_TYPES = ['CHANNEL_ACCOUNT_CREATED', 'CHANNEL_ACCOUNT_UPDATED', 'CHANNEL_ACCOUNT_PURGED'] as const
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
    // When the change happened (ms epoch); orders assignment changes (handlers/conversation-event.ts).
    // Documented as a number; a numeric string is read too, anything else counts as absent: a
    // signed event we can act on is not dropped for an odd or missing timestamp.
    // An ISO 8601 string is read too (the webhooks journal's form; whether a pushed 2026.03 delivery uses it is
    // UNCONFIRMED, docs/hubspot.md "Conversation webhooks").
    occurredAt: z
      .union([
        z.number().finite(),
        z
          .string()
          .regex(/^\d{1,16}$/)
          .transform(Number),
        z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}T/)
          .transform((v) => Date.parse(v))
          .pipe(z.number().finite()),
      ])
      .optional()
      .catch(undefined),
    // Compared with this installation's account and app when both sides are known (webhook/installation.ts);
    // a signed event we can act on is not dropped for lacking them.
    portalId: optId,
    appId: optId,
    // Informative only: a string or an odd value must not cost the event.
    attemptNumber: z
      .union([
        z.number(),
        z
          .string()
          .regex(/^\d{1,9}$/)
          .transform(Number),
      ])
      .optional()
      .catch(undefined),
    changeFlag: optStr,
    // Sent by the developer platform's generic `object.*` subscriptions ("0-1" contacts…); kept for the log and
    // classify.ts, never required: conversation events of a 2026.03 project app may or may not carry it.
    objectTypeId: optId,
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

export const MAX_BATCH_EVENTS = 1000

/**
 * Every custom-channel event type the integration reads, with its schema. routes.ts must give each
 * a handler (its mapped type fails to compile otherwise); any other type is answered 200 and ignored.
 */
export const CHANNEL_EVENT_SCHEMAS = {
  OUTGOING_CHANNEL_MESSAGE_CREATED: outgoingMessageEventSchema,
  CHANNEL_ACCOUNT_CREATED: channelAccountEventSchema,
  CHANNEL_ACCOUNT_UPDATED: channelAccountEventSchema,
  CHANNEL_ACCOUNT_PURGED: channelAccountEventSchema,
} as const satisfies Record<string, z.ZodTypeAny>
export type ChannelEventType = keyof typeof CHANNEL_EVENT_SCHEMAS
export type ChannelEventOf<T extends ChannelEventType> = z.output<(typeof CHANNEL_EVENT_SCHEMAS)[T]>
export type ChannelEvent = ChannelEventOf<ChannelEventType>
const isChannelEventType = (type: string): type is ChannelEventType => Object.hasOwn(CHANNEL_EVENT_SCHEMAS, type)

export type WebhookPayload =
  | { kind: 'channel'; event: ChannelEvent }
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
  // One app event that is not wrapped in an array: UNCONFIRMED for project apps (docs/hubspot.md, "Conversation
  // webhooks"); read as a batch of one. It has `subscriptionType` and no `type`, so no channel event is mistaken for it;
  // the handler requires v3 for it, as for every non-array body.
  if (isLoneAppEvent(json)) {
    const parsed = conversationEventSchema.safeParse(json)
    return parsed.success ? { kind: 'batch', events: [parsed.data], invalid: 0 } : { kind: 'invalid', issues: describeIssues(parsed.error) }
  }
  if (typeof json !== 'object' || json === null || typeof (json as { type?: unknown }).type !== 'string') {
    return { kind: 'invalid', issues: 'expected an event object with a string `type`, or an array of events' }
  }
  const type = (json as { type: string }).type
  if (!isChannelEventType(type)) return { kind: 'channel-unknown', type }
  const parsed = CHANNEL_EVENT_SCHEMAS[type].safeParse(json)
  return parsed.success ? { kind: 'channel', event: parsed.data } : { kind: 'invalid', issues: describeIssues(parsed.error) }
}

const isLoneAppEvent = (json: unknown): boolean =>
  typeof json === 'object' &&
  json !== null &&
  !Array.isArray(json) &&
  (json as { type?: unknown }).type === undefined &&
  typeof (json as { subscriptionType?: unknown }).subscriptionType === 'string'

/** Paths and messages only: never the offending values, which may be personal data. */
const describeIssues = (error: z.ZodError): string => error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')
