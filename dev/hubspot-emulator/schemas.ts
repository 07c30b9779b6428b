import { z } from '@botpress/sdk'
import { DELIVERY_IDENTIFIER_TYPES, FILE_USAGE_TYPES } from './types'

/**
 * Request bodies, from the OpenAPI specs. Ids typed string in the spec also accept numbers (HubSpot's
 * JSON binding coerces them); `null` on an optional field counts as absent.
 */
const idLike = z.union([z.string().min(1), z.number().int()]).transform(String)
const optionalString = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined)

export const deliveryIdentifierSchema = z.object({ type: z.enum(DELIVERY_IDENTIFIER_TYPES), value: z.string().min(1) })

const channelFields = {
  name: z.string().min(1),
  capabilities: z.record(z.unknown()),
  webhookUrl: optionalString,
  channelDescription: optionalString,
  channelLogoUrl: optionalString,
  channelAccountConnectionRedirectUrl: optionalString,
}
export const channelCreateSchema = z.object(channelFields).passthrough()
export const channelPatchSchema = z.object(channelFields).partial().passthrough()

export const accountEggSchema = z
  .object({ inboxId: idLike, name: z.string().min(1), authorized: z.boolean(), deliveryIdentifier: deliveryIdentifierSchema.nullish() })
  .passthrough()
export const accountPatchSchema = z.object({ name: z.string().min(1).optional(), authorized: z.boolean().optional() }).passthrough()

const participantSchema = z
  .object({ deliveryIdentifier: deliveryIdentifierSchema, name: optionalString, senderActorId: optionalString })
  .passthrough()

const attachmentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('FILE'), fileId: idLike, fileUsageType: z.enum(FILE_USAGE_TYPES).nullish() }).passthrough(),
  z.object({ type: z.literal('LOCATION'), latitude: z.number(), longitude: z.number() }).passthrough(),
  z.object({ type: z.literal('CONTACT'), contactProfile: z.record(z.unknown()) }).passthrough(),
  z.object({ type: z.literal('UNSUPPORTED_CONTENT') }).passthrough(),
  z.object({ type: z.literal('MESSAGE_HEADER'), fileId: z.number().int().nullish(), text: optionalString }).passthrough(),
  z
    .object({
      type: z.literal('QUICK_REPLIES'),
      quickReplies: z.array(z.object({ value: z.string(), valueType: z.enum(['TEXT', 'URL']), label: optionalString }).passthrough()),
    })
    .passthrough(),
  z.object({ type: z.literal('SOCIAL_MEDIA_METADATA'), socialMetadata: z.object({ mediaType: z.string() }).passthrough() }).passthrough(),
])
export type AttachmentEgg = z.infer<typeof attachmentSchema>

const dateTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an ISO-8601 date-time' })

/** ChannelIntegrationMessageEgg; recipients, timestamp and attachments tolerated when absent, as HubSpot does. */
export const messageEggSchema = z
  .object({
    channelAccountId: idLike,
    messageDirection: z.enum(['INCOMING', 'OUTGOING']),
    text: z.string(),
    richText: optionalString,
    senders: z.array(participantSchema).min(1),
    recipients: z.array(participantSchema).nullish(),
    timestamp: dateTime.nullish(),
    attachments: z.array(attachmentSchema).nullish(),
    integrationThreadId: optionalString,
    integrationIdempotencyId: optionalString,
    inReplyToId: optionalString,
    associateWithContactId: z
      .union([z.number().int().positive(), z.string().regex(/^\d+$/)])
      .transform(String)
      .nullish(),
    preResolvedContacts: z
      .object({ contacts: z.array(z.object({ contactVid: z.number().int(), contactPropertiesLeadingToMatch: z.array(z.string()) }).passthrough()) })
      .nullish(),
  })
  .passthrough()
export type MessageEgg = z.infer<typeof messageEggSchema>

export const messageStatusPatchSchema = z.object({ statusType: z.enum(['SENT', 'FAILED', 'READ']), errorMessage: optionalString }).passthrough()

export const threadPatchSchema = z.object({ status: z.enum(['OPEN', 'CLOSED']).optional(), archived: z.boolean().optional() }).passthrough()

export const batchInputSchema = z.object({ inputs: z.array(z.string()) }).passthrough()

export const SEARCH_OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String)
const filterSchema = z
  .object({
    propertyName: z.string().min(1),
    operator: z.enum(SEARCH_OPERATORS),
    value: scalar.nullish(),
    values: z.array(scalar).nullish(),
    highValue: scalar.nullish(),
  })
  .passthrough()
export type SearchFilter = z.infer<typeof filterSchema>

export const contactSearchSchema = z
  .object({
    filterGroups: z
      .array(z.object({ filters: z.array(filterSchema) }))
      .max(6)
      .nullish(),
    properties: z.array(z.string()).nullish(),
    limit: z.number().int().min(0).max(200).nullish(),
    after: z.union([z.string(), z.number()]).transform(String).nullish(),
    sorts: z.array(z.unknown()).nullish(),
    query: z.string().max(3000).nullish(),
  })
  .passthrough()

export const contactCreateSchema = z
  .object({
    properties: z.record(z.union([z.string(), z.number(), z.boolean(), z.null()])),
    associations: z.array(z.unknown()).nullish(),
  })
  .passthrough()

/** `SimplePublicObjectInput`: property values are strings. */
export const ticketPatchSchema = z.object({ properties: z.record(z.string()) }).passthrough()

/** `PublicThreadAssignRequest`. */
export const assignRequestSchema = z.object({ actorId: z.string() }).passthrough()

/** `PublicCommentEgg` (`attachments` is required by the spec; the emulator accepts an empty list only). */
export const commentEggSchema = z
  .object({ type: z.string(), text: z.string(), richText: z.string().optional(), attachments: z.array(z.unknown()).max(0) })
  .passthrough()
