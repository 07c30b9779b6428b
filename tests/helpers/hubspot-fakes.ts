/**
 * HubSpot answers for nock, each with every field HubSpot's spec requires at the version the code
 * calls (src/hubspot/endpoints.ts; custom channels and conversations 2026-09, the rest 2026-03), so
 * a fake can never be something HubSpot would not send. Override what a test is about; the rest is
 * plausible filler. Ids are strings, as HubSpot sends them in bodies.
 */

const AT = '2026-01-01T00:00:00Z'

/** `Error`: category, correlationId (a UUID) and message are required. */
export const fakeError = (o: { message: string; category?: string; correlationId?: string; subCategory?: string; [k: string]: unknown }) => ({
  status: 'error',
  category: 'VALIDATION_ERROR',
  correlationId: '0b6e4c1a-8f3d-4e2b-9a7c-5d1e2f3a4b5c',
  ...o,
})

/** `PublicThread` (conversations 2026-09). */
export const fakeThread = (o: { id: string; [k: string]: unknown }) => ({
  status: 'OPEN',
  inboxId: '1001',
  associatedContactId: '901',
  originalChannelId: 'ch1',
  originalChannelAccountId: '777',
  archived: false,
  spam: false,
  createdAt: AT,
  ...o,
})

/** `PublicConversationsMessage` (custom channels 2026-09): a publish answers it, and so does a delivery status update. */
export const fakeChannelMessage = (o: { id: string; [k: string]: unknown }) => ({
  type: 'MESSAGE',
  conversationsThreadId: '123456',
  channelId: 'ch1',
  channelAccountId: '777',
  direction: 'INCOMING',
  text: '',
  senders: [],
  recipients: [],
  attachments: [],
  archived: false,
  client: { clientType: 'INTEGRATION', integrationAppId: 424242 },
  createdAt: AT,
  createdBy: 'I-424242',
  truncationStatus: 'NOT_TRUNCATED',
  ...o,
})

/** `PublicComment` (conversations 2026-09): what posting an agent-only note answers. */
export const fakeComment = (o: { id: string; [k: string]: unknown }) => ({
  type: 'COMMENT',
  conversationsThreadId: '123456',
  text: '',
  richText: '',
  senders: [],
  recipients: [],
  attachments: [],
  archived: false,
  client: { clientType: 'INTEGRATION', integrationAppId: 424242 },
  createdAt: AT,
  createdBy: 'I-424242',
  ...o,
})

/** `PublicInbox`. */
export const fakeInbox = (o: { id: string; [k: string]: unknown }) => ({
  name: `Inbox ${o.id}`,
  type: 'INBOX',
  archived: false,
  createdAt: AT,
  updatedAt: AT,
  ...o,
})

/** `PublicChannelIntegrationChannel`. */
export const fakeChannel = (o: { id: string; [k: string]: unknown }) => ({ name: 'Botpress', capabilities: {}, createdAt: AT, ...o })

/** `PublicChannelAccount`. */
export const fakeChannelAccount = (o: { id: string; [k: string]: unknown }) => ({
  channelId: 'ch1',
  inboxId: '1001',
  name: 'Botpress',
  authorized: true,
  active: true,
  archived: false,
  createdAt: AT,
  ...o,
})

/** `CollectionResponseWithTotal…`: the lists that carry a total (channels, channel accounts, inboxes, searches). */
export const fakePage = <T>(results: T[], after?: string) => ({ results, total: results.length, ...(after ? { paging: { next: { after } } } : {}) })

/** `File` (files 2026-03). */
export const fakeFile = (o: { id: string; [k: string]: unknown }) => ({ archived: false, createdAt: AT, updatedAt: AT, access: 'PRIVATE', ...o })

/** `SignedUrl` (files 2026-03). */
export const fakeSignedUrl = (url: string) => ({ url, expiresAt: '2026-01-08T00:00:00Z' })

/** `SimplePublicObject` (CRM 2026-03): a contact or a ticket. */
export const fakeCrmObject = (o: { id: string; properties?: Record<string, string | null>; [k: string]: unknown }) => ({
  archived: false,
  createdAt: AT,
  updatedAt: AT,
  ...o,
  properties: o.properties ?? {},
})

/** `PublicOwner` (owners 2026-03). */
export const fakeOwner = (o: { id: string; [k: string]: unknown }) => ({ type: 'PERSON', archived: false, createdAt: AT, updatedAt: AT, ...o })
