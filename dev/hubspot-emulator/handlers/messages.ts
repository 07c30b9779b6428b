import type { Core } from '../core'
import { notFound, validationError } from '../errors'
import { conversationEvent } from '../events'
import { jsonBody, param, type Reply, type RequestContext, type Route } from '../http/context'
import { messageEggSchema, messageStatusPatchSchema, type AttachmentEgg, type MessageEgg } from '../schemas'
import { notifyApp } from '../notify'
import { fileUrl, fullName, publicMessage } from '../serialize'
import { resolveThread, threadKeyOf } from '../threading'
import type { Channel, ChannelAccount, Contact, FileUsageType, Message, MessageAttachment, MessageStatus, Thread } from '../types'
import { rootOf, versionedRoutes, type VersionOf } from '../versions'
import { channelOr404 } from './lookups'

const BASE = '/:channelId/messages'

const usageOf = (mimeType: string): FileUsageType => (mimeType.startsWith('image/') ? 'IMAGE' : mimeType.startsWith('audio/') ? 'AUDIO' : 'OTHER')

const toAttachment = (core: Core, a: AttachmentEgg): MessageAttachment => {
  if (a.type !== 'FILE') {
    const { type, ...fields } = a
    return { type, fields }
  }
  const file = core.store.state.files.get(a.fileId)
  if (!file || file.archived) throw validationError(`File ${a.fileId} does not exist in HubSpot Files: upload it to HubSpot Files first.`)
  return { type: 'FILE', fileId: file.id, fileUsageType: a.fileUsageType ?? usageOf(file.mimeType), name: fullName(file), url: fileUrl(core, file) }
}

const usableAccount = (core: Core, channel: Channel, id: string): ChannelAccount => {
  const account = core.store.state.channelAccounts.get(id)
  if (!account || account.channelId !== channel.id || account.archived) {
    throw validationError(`Channel account ${id} does not exist on channel ${channel.id}.`)
  }
  if (!account.authorized) throw validationError(`Channel account ${id} is not authorized; PATCH it with authorized:true first.`)
  return account
}

/** Delivery identifiers must be of a kind the channel declared in capabilities.deliveryIdentifierTypes. */
const checkIdentifierTypes = (channel: Channel, egg: MessageEgg): void => {
  const declared = channel.capabilities.deliveryIdentifierTypes
  if (!Array.isArray(declared) || declared.length === 0) return
  for (const p of [...egg.senders, ...(egg.recipients ?? [])]) {
    if (!declared.includes(p.deliveryIdentifier.type)) {
      throw validationError(`Delivery identifier type ${p.deliveryIdentifier.type} is not among the channel's deliveryIdentifierTypes.`)
    }
  }
}

const contactOf = (core: Core, egg: MessageEgg): Contact | undefined => {
  const id = egg.associateWithContactId ?? egg.preResolvedContacts?.contacts[0]?.contactVid?.toString()
  if (id === undefined) return undefined
  const contact = core.store.state.contacts.get(id)
  if (!contact || contact.archived) throw validationError(`Contact ${id} does not exist.`)
  return contact
}

/** `assignNewThreadsTo`: routing assigns a new thread as it is created, and HubSpot reports it at once. */
const routeNewThread = (ctx: RequestContext, thread: Thread): void => {
  const routed = ctx.core.opts.assignNewThreadsTo
  if (!routed) return
  const { agents } = ctx.core.store.state
  if (!agents.has(routed.id)) agents.set(routed.id, { email: `agent.${routed.id}@example.com`, ...routed })
  thread.assignedTo = routed.id
  ctx.afterResponse(() =>
    notifyApp(ctx.core, [
      conversationEvent(ctx.core, 'conversation.propertyChange', thread, { propertyName: 'assignedTo', propertyValue: routed.id }),
    ])
  )
}

const create = (ctx: RequestContext, version: VersionOf<'customChannels'>): Reply => {
  const { core } = ctx
  const { store } = core
  const channel = channelOr404(ctx, param(ctx, 'channelId'))
  const egg = jsonBody(ctx, messageEggSchema)

  const idemKey = egg.integrationIdempotencyId ? `${channel.id}:${egg.integrationIdempotencyId}` : undefined
  const original = idemKey ? store.state.messages.get(store.idempotency.get(idemKey) ?? '') : undefined
  // The original again, with the specs' only success status for this operation (201, every version): what HubSpot
  // answers to a replayed key is UNCONFIRMED (docs/hubspot.md, "Messages"), and the integration accepts any 2xx.
  if (original) return { status: 201, json: publicMessage(core, original) }

  const account = usableAccount(core, channel, egg.channelAccountId)
  checkIdentifierTypes(channel, egg)
  const attachments = (egg.attachments ?? []).map((a) => toAttachment(core, a))
  const incoming = egg.messageDirection === 'INCOMING'
  const endUser = incoming ? egg.senders[0] : egg.recipients?.[0]
  const input = {
    channel,
    account,
    integrationThreadId: egg.integrationThreadId,
    endUser: endUser?.deliveryIdentifier,
    endUserName: endUser?.name,
    contact: contactOf(core, egg),
  }
  const key = threadKeyOf(input)
  if ('error' in key) throw validationError(key.error)
  const previousThreadId = store.threadsByKey.get(key.key)
  const thread = resolveThread(core, input, key.key)
  if (thread.id !== previousThreadId) routeNewThread(ctx, thread)

  const now = core.now()
  const status: MessageStatus = { statusType: incoming ? 'RECEIVED' : 'SENT', at: now }
  const integratorActor = `I-${core.opts.appId}`
  // 2026-09 dropped `senderActorId` from the message egg (docs/hubspot.md, "Date-versioned APIs"): ignored there.
  const actorOfSender = (s: MessageEgg['senders'][number]) => (version === '2026-09' ? integratorActor : (s.senderActorId ?? integratorActor))
  const message: Message = {
    id: store.messageId(),
    threadId: thread.id,
    channelId: channel.id,
    channelAccountId: account.id,
    direction: egg.messageDirection,
    text: egg.text,
    senders: egg.senders.map((s) => ({
      actorId: incoming ? thread.visitorActorId : actorOfSender(s),
      deliveryIdentifier: s.deliveryIdentifier,
      ...(s.name ? { name: s.name } : {}),
    })),
    recipients: (egg.recipients ?? []).map((r) => ({
      deliveryIdentifier: r.deliveryIdentifier,
      ...(incoming ? {} : { actorId: thread.visitorActorId }),
      ...(r.name ? { name: r.name } : {}),
    })),
    attachments,
    createdAt: egg.timestamp ? Date.parse(egg.timestamp) : now,
    updatedAt: now,
    createdBy: incoming ? thread.visitorActorId : integratorActor,
    clientType: 'INTEGRATION',
    status,
    statusHistory: [status],
    ...(egg.richText !== undefined ? { richText: egg.richText } : {}),
    ...(egg.integrationIdempotencyId ? { integrationIdempotencyId: egg.integrationIdempotencyId } : {}),
    ...(egg.integrationThreadId ? { integrationThreadId: egg.integrationThreadId } : {}),
    ...(egg.inReplyToId ? { inReplyToId: egg.inReplyToId } : {}),
  }
  store.state.messages.set(message.id, message)
  if (idemKey) store.idempotency.set(idemKey, message.id)
  thread.latestMessageTimestamp = now
  if (incoming) thread.latestMessageReceivedTimestamp = now
  else thread.latestMessageSentTimestamp = now

  return {
    status: 201,
    json: publicMessage(core, message),
    headers: { Location: `${core.baseUrl()}${rootOf('customChannels', version)}/${channel.id}/messages/${message.id}` },
  }
}

const messageOr404 = (ctx: RequestContext): Message => {
  const channel = channelOr404(ctx, param(ctx, 'channelId'))
  const id = param(ctx, 'messageId')
  const message = ctx.core.store.state.messages.get(id)
  if (!message || message.channelId !== channel.id) throw notFound(`Message ${id} was not found on channel ${channel.id}.`)
  return message
}

const getOne = (ctx: RequestContext): Reply => ({ status: 200, json: publicMessage(ctx.core, messageOr404(ctx)) })

const patchStatus = (ctx: RequestContext): Reply => {
  const message = messageOr404(ctx)
  const update = jsonBody(ctx, messageStatusPatchSchema)
  const now = ctx.core.now()
  const status: MessageStatus = { statusType: update.statusType, at: now, ...(update.errorMessage ? { errorMessage: update.errorMessage } : {}) }
  message.status = status
  message.statusHistory.push(status)
  message.updatedAt = now
  return { status: 200, json: publicMessage(ctx.core, message) }
}

export const messageRoutes: Route[] = versionedRoutes('customChannels', [
  { method: 'POST', path: BASE, auth: 'bearer', handle: create },
  { method: 'GET', path: `${BASE}/:messageId`, auth: 'bearer', handle: getOne },
  { method: 'PATCH', path: `${BASE}/:messageId`, auth: 'bearer', handle: patchStatus },
])
