import type { Core } from './core'
import type { Channel, ChannelAccount, Contact, DeliveryIdentifier, Thread } from './types'

/** A thread closed for less than this reopens on a new message with the same key; after it, a new thread starts. */
export const REOPEN_WINDOW_MS = 24 * 60 * 60 * 1000

export type ThreadingModel = 'INTEGRATION_THREAD_ID' | 'DELIVERY_IDENTIFIER'

export const threadingModelOf = (channel: Channel): ThreadingModel =>
  channel.capabilities.threadingModel === 'DELIVERY_IDENTIFIER' ? 'DELIVERY_IDENTIFIER' : 'INTEGRATION_THREAD_ID'

export type ThreadInput = {
  channel: Channel
  account: ChannelAccount
  integrationThreadId?: string
  /** The end user's identifier: the sender of an INCOMING message, the recipient of an OUTGOING one. */
  endUser?: DeliveryIdentifier
  endUserName?: string
  contact?: Contact
}

/** The key messages are grouped by, or a reason why the message cannot be threaded. */
export const threadKeyOf = (input: ThreadInput): { key: string } | { error: string } => {
  if (threadingModelOf(input.channel) === 'DELIVERY_IDENTIFIER') {
    if (!input.endUser) return { error: 'The channel threads by delivery identifier, but the message names no end user.' }
    return { key: `${input.account.id}:di:${input.endUser.type}:${input.endUser.value}` }
  }
  if (!input.integrationThreadId) return { error: 'integrationThreadId is required: the channel threadingModel is INTEGRATION_THREAD_ID.' }
  return { key: `${input.channel.id}:itid:${input.integrationThreadId}` }
}

/** Finds the thread a new message belongs to: the open one, a recently closed one (reopened), or a new one. */
export const resolveThread = (core: Core, input: ThreadInput, key: string): Thread => {
  const { store } = core
  const now = core.now()
  const latestId = store.threadsByKey.get(key)
  const latest = latestId ? store.state.threads.get(latestId) : undefined
  if (latest && !latest.archived) {
    if (latest.status === 'OPEN') return attachContact(core, latest, input.contact)
    if (latest.closedAt !== undefined && now - latest.closedAt < REOPEN_WINDOW_MS) {
      latest.status = 'OPEN'
      delete latest.closedAt
      return attachContact(core, latest, input.contact)
    }
  }

  const contact = input.contact ?? (input.endUser ? store.findContactByIdentifier(input.endUser) : undefined)
  let visitorId: string
  if (contact) {
    visitorId = contact.id
  } else {
    visitorId = store.nextId('visitor')
    store.state.visitors.set(visitorId, {
      id: visitorId,
      ...(input.endUserName ? { name: input.endUserName } : {}),
      ...(input.endUser ? { deliveryIdentifier: input.endUser } : {}),
    })
  }
  const thread: Thread = {
    id: store.nextId('thread'),
    inboxId: input.account.inboxId,
    status: 'OPEN',
    associatedContactId: visitorId,
    visitorActorId: `V-${visitorId}`,
    originalChannelId: input.channel.id,
    originalChannelAccountId: input.account.id,
    createdAt: now,
    archived: false,
    threadKey: key,
    ...(input.endUser ? { visitorIdentifier: input.endUser } : {}),
    ...(input.endUserName ? { visitorName: input.endUserName } : {}),
    ...(input.integrationThreadId ? { integrationThreadId: input.integrationThreadId } : {}),
  }
  store.state.threads.set(thread.id, thread)
  store.threadsByKey.set(key, thread.id)
  return thread
}

/** A contact named on a later message replaces the anonymous visitor. */
const attachContact = (core: Core, thread: Thread, contact: Contact | undefined): Thread => {
  if (contact && core.store.state.visitors.has(thread.associatedContactId)) {
    thread.associatedContactId = contact.id
    thread.visitorActorId = `V-${contact.id}`
  }
  return thread
}
