import * as sdk from '@botpress/sdk'

const { z } = sdk

/**
 * Response schemas, from HubSpot's OpenAPI specs at the versions of src/hubspot/endpoints.ts (custom
 * channels and conversations 2026-09; files, CRM contacts/tickets/owners and OAuth 2026-03; each the same
 * as its v3/v1 predecessor for the fields read here: docs/hubspot.md#date-versioned-apis). Only what the integration reads is required; everything else is
 * optional and extra fields pass through, so additive HubSpot changes do not break parsing.
 */
const id = z.union([z.string(), z.number()]).transform(String)

export const tokenResponseSchema = z
  .object({
    access_token: z.string().min(1),
    expires_in: z.number().positive(),
    refresh_token: z.string().optional(),
    // The token response (OAuth v1 and 2026-03 alike) includes the account id (int32); read as string or number.
    hub_id: z.union([z.number(), z.string()]).nullish(),
  })
  .passthrough()

/**
 * Token introspection (OAuth 2026-03 `…/token/introspect`). The spec requires `active` and `hub_id`, but an
 * inactive token may come back as `{ active: false }` alone (RFC 7662's form): both are optional here and
 * getAccessTokenInfo decides (docs/hubspot.md#date-versioned-apis, UNCONFIRMED).
 */
export const tokenInfoSchema = z
  .object({ active: z.boolean().optional(), hub_id: z.union([z.number(), z.string()]).optional(), hub_domain: z.string().nullish() })
  .passthrough()

export const stagingTokenSchema = z
  .object({ accountToken: z.string().optional(), inboxId: z.union([z.string(), z.number()]).optional() })
  .passthrough()

export const channelSchema = z
  .object({
    id,
    name: z.string().optional(),
    webhookUrl: z.string().nullish(),
    channelAccountConnectionRedirectUrl: z.string().nullish(),
    capabilities: z.record(z.unknown()).optional(),
    createdAt: z.string().optional(),
  })
  .passthrough()
export type HubspotChannel = sdk.z.infer<typeof channelSchema>

const paging = z
  .object({ next: z.object({ after: z.string() }).passthrough().optional() })
  .passthrough()
  .optional()
export const pageOf = <T extends sdk.z.ZodTypeAny>(item: T) =>
  z.object({ results: z.array(item), paging, total: z.number().optional() }).passthrough()

export const deliveryIdentifierSchema = z.object({ type: z.string(), value: z.string() }).passthrough()

export const hubspotChannelAccountSchema = z
  .object({
    id,
    channelId: id.optional(),
    inboxId: id.optional(),
    name: z.string().optional(),
    authorized: z.boolean().optional(),
    active: z.boolean().optional(),
    archived: z.boolean().optional(),
    deliveryIdentifier: deliveryIdentifierSchema.nullish(),
  })
  .passthrough()
export type HubspotChannelAccount = sdk.z.infer<typeof hubspotChannelAccountSchema>

export const hubspotMessageSchema = z
  .object({
    id,
    conversationsThreadId: id,
    channelId: id.optional(),
    channelAccountId: id.optional(),
    direction: z.string().optional(),
    text: z.string().nullish(),
    richText: z.string().nullish(),
    createdAt: z.string().optional(),
  })
  .passthrough()
export type HubspotMessage = sdk.z.infer<typeof hubspotMessageSchema>

export const threadSchema = z
  .object({
    id,
    status: z.string().optional(),
    inboxId: id.optional(),
    assignedTo: z.string().nullish(),
    associatedContactId: id.nullish(),
    closedAt: z.string().nullish(),
    archived: z.boolean().optional(),
  })
  .passthrough()
export type HubspotThread = sdk.z.infer<typeof threadSchema>

/** A message read or written through the Conversations API (e.g. a COMMENT note). */
export const threadMessageSchema = z.object({ id, type: z.string().optional(), conversationsThreadId: id.optional() }).passthrough()
export type HubspotThreadMessage = sdk.z.infer<typeof threadMessageSchema>

export const actorSchema = z
  .object({
    id: z.string(),
    type: z.string().optional(),
    name: z.string().nullish(),
    email: z.string().nullish(),
    avatar: z.string().nullish(),
  })
  .passthrough()
export type HubspotActor = sdk.z.infer<typeof actorSchema>

export const inboxSchema = z.object({ id, name: z.string().optional(), type: z.string().optional(), archived: z.boolean().optional() }).passthrough()
export type HubspotInbox = sdk.z.infer<typeof inboxSchema>

export const fileSchema = z
  .object({ id, name: z.string().optional(), url: z.string().nullish(), size: z.number().optional(), type: z.string().optional() })
  .passthrough()
export type HubspotFile = sdk.z.infer<typeof fileSchema>

export const contactSchema = z.object({ id, properties: z.record(z.string().nullable()).optional() }).passthrough()
export type HubspotContact = sdk.z.infer<typeof contactSchema>

/** GET …/threads/{id}?association=TICKET adds `threadAssociations` (SPEC-CONV `PublicThreadAssociations`). */
export const threadWithAssociationsSchema = threadSchema.extend({
  threadAssociations: z.object({ associatedTicketId: id.nullish() }).passthrough().nullish(),
})
export type HubspotThreadWithAssociations = sdk.z.infer<typeof threadWithAssociationsSchema>

/** CRM object as a ticket PATCH answers it (`SimplePublicObject`). */
export const ticketSchema = z.object({ id, properties: z.record(z.string().nullable()).optional() }).passthrough()
export type HubspotTicket = sdk.z.infer<typeof ticketSchema>

/** `PublicOwner`: `userId` is absent for queues and deactivated users, who cannot be assigned. */
export const ownerSchema = z
  .object({
    id,
    email: z.string().nullish(),
    firstName: z.string().nullish(),
    lastName: z.string().nullish(),
    userId: id.nullish(),
    type: z.string().optional(),
    archived: z.boolean().optional(),
  })
  .passthrough()
export type HubspotOwner = sdk.z.infer<typeof ownerSchema>
