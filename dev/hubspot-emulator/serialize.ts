import { iso, type Core } from './core'
import type { Reply } from './http/context'
import type { VersionOf } from './versions'
import type { Channel, ChannelAccount, Contact, FileRecord, Inbox, Message, MessageAttachment, Thread } from './types'

/** Records → the public JSON of the OpenAPI specs (ISO dates, string ids, optional keys left out). */

type Json = Record<string, unknown>

const defined = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

export const publicChannel = (c: Channel): Json =>
  defined({
    id: c.id,
    name: c.name,
    capabilities: c.capabilities,
    webhookUrl: c.webhookUrl,
    channelDescription: c.channelDescription,
    channelLogoUrl: c.channelLogoUrl,
    channelAccountConnectionRedirectUrl: c.channelAccountConnectionRedirectUrl,
    createdAt: iso(c.createdAt),
  })

export const publicAccount = (a: ChannelAccount): Json =>
  defined({
    id: a.id,
    channelId: a.channelId,
    inboxId: a.inboxId,
    name: a.name,
    active: a.authorized && !a.archived,
    authorized: a.authorized,
    archived: a.archived,
    archivedAt: a.archivedAt === undefined ? undefined : iso(a.archivedAt),
    createdAt: iso(a.createdAt),
    deliveryIdentifier: a.deliveryIdentifier,
  })

export const publicInbox = (i: Inbox): Json => ({
  id: i.id,
  name: i.name,
  type: i.type,
  createdAt: iso(i.createdAt),
  updatedAt: iso(i.createdAt),
  archived: false,
})

const optionalIso = (ms: number | undefined) => (ms === undefined ? undefined : iso(ms))

export const publicThread = (t: Thread): Json =>
  defined({
    id: t.id,
    inboxId: t.inboxId,
    status: t.status,
    assignedTo: t.assignedTo === undefined ? undefined : `A-${t.assignedTo}`,
    associatedContactId: t.associatedContactId,
    originalChannelId: t.originalChannelId,
    originalChannelAccountId: t.originalChannelAccountId,
    createdAt: iso(t.createdAt),
    closedAt: optionalIso(t.closedAt),
    latestMessageTimestamp: optionalIso(t.latestMessageTimestamp),
    latestMessageSentTimestamp: optionalIso(t.latestMessageSentTimestamp),
    latestMessageReceivedTimestamp: optionalIso(t.latestMessageReceivedTimestamp),
    spam: false,
    archived: t.archived,
  })

export const fileUrl = (core: Core, f: FileRecord): string => `${core.baseUrl()}/_files/${f.id}/${encodeURIComponent(fullName(f))}`

export const fullName = (f: FileRecord): string => (f.extension ? `${f.name}.${f.extension}` : f.name)

export const publicFile = (core: Core, f: FileRecord): Json =>
  defined({
    id: f.id,
    name: f.name,
    extension: f.extension,
    type: f.type,
    size: f.size,
    url: fileUrl(core, f),
    defaultHostingUrl: fileUrl(core, f),
    access: f.access,
    path: f.folderPath === undefined ? undefined : `${f.folderPath.replace(/\/$/, '')}/${fullName(f)}`,
    parentFolderId: f.parentFolderId,
    fileMd5: f.md5,
    encoding: f.mimeType.startsWith('text/') ? 'utf-8' : undefined,
    isUsableInContent: true,
    createdAt: iso(f.createdAt),
    updatedAt: iso(f.updatedAt),
    archived: f.archived,
  })

const publicAttachment = (a: MessageAttachment): Json =>
  a.type === 'FILE'
    ? defined({ type: 'FILE', fileId: a.fileId, fileUsageType: a.fileUsageType, name: a.name, url: a.url })
    : { ...a.fields, type: a.type }

export const publicMessage = (core: Core, m: Message): Json =>
  defined({
    id: m.id,
    type: 'MESSAGE',
    conversationsThreadId: m.threadId,
    channelId: m.channelId,
    channelAccountId: m.channelAccountId,
    direction: m.direction,
    text: m.text,
    richText: m.richText,
    createdAt: iso(m.createdAt),
    updatedAt: iso(m.updatedAt),
    createdBy: m.createdBy,
    client: m.clientType === 'INTEGRATION' ? { clientType: 'INTEGRATION', integrationAppId: Number(core.opts.appId) } : { clientType: 'HUBSPOT' },
    senders: m.senders.map((s) => defined({ ...s })),
    recipients: m.recipients.map((r) => defined({ ...r })),
    attachments: m.attachments.map(publicAttachment),
    status: defined({
      statusType: m.status.statusType,
      failureDetails: m.status.errorMessage === undefined ? undefined : { errorMessage: m.status.errorMessage, errorMessageTokens: {} },
    }),
    inReplyToId: m.inReplyToId,
    truncationStatus: 'NOT_TRUNCATED',
    archived: false,
  })

const DEFAULT_CONTACT_PROPERTIES = ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname']

/** CRM objects answer only the requested properties (a default set when none are asked for). */
export const publicContact = (c: Contact, wanted?: string[]): Json => {
  const names = wanted?.length ? wanted : DEFAULT_CONTACT_PROPERTIES
  const properties: Record<string, string | null> = {}
  for (const name of names) properties[name] = c.properties[name] ?? null
  return { id: c.id, properties, createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt), archived: c.archived }
}

type ActorBatch = { results: Json[]; missing: string[]; startedAt: number; completedAt: number }

/**
 * POST …/actors/batch/read. v3 answers 207 `BatchResponsePublicActorWithErrors` when some ids are
 * unknown; 2026-09 has no 207: 200 `BatchResponsePublicActor`, which gained `numErrors` and `errors`.
 */
export const publicActorBatch = (version: VersionOf<'conversations'>, b: ActorBatch): Reply => {
  const body = { status: 'COMPLETE', results: b.results, startedAt: iso(b.startedAt), completedAt: iso(b.completedAt) }
  if (!b.missing.length) return { status: 200, json: body }
  const error = {
    status: 'error',
    category: 'OBJECT_NOT_FOUND',
    message: `Actors not found: ${b.missing.join(', ')}`,
    context: { ids: b.missing },
    errors: [],
    links: {},
  }
  return { status: version === 'v3' ? 207 : 200, json: { ...body, numErrors: b.missing.length, errors: [error] } }
}
