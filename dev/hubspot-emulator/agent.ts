import type { AgentProfile, AgentReply, HubspotEmulator } from './api'
import type { Core } from './core'
import { channelAccountEvent, conversationEvent, outgoingMessageEvent } from './events'
import { storeFile } from './file-store'
import { notifyApp, notifyChannel } from './notify'
import { fileUrl, fullName } from './serialize'
import type { Agent, FileUsageType, Message, MessageAttachment, MessageStatus, Thread } from './types'

const DEFAULT_AGENT: Agent = { id: '12345', name: 'Alex Agent', email: 'alex.agent@example.com', avatar: 'https://avatars.example.com/alex.png' }

const threadOrThrow = (core: Core, threadId: string): Thread => {
  const thread = core.store.state.threads.get(threadId)
  if (!thread) throw new Error(`hubspot-emulator: no thread ${threadId}`)
  return thread
}

/** Creates or updates the agent; without an id, the thread's assignee or the default agent. */
const upsertAgent = (core: Core, profile: AgentProfile | undefined, fallbackId: string | undefined): Agent => {
  const { agents } = core.store.state
  const id = profile?.id ?? fallbackId ?? DEFAULT_AGENT.id
  const base = agents.get(id) ?? (id === DEFAULT_AGENT.id ? DEFAULT_AGENT : { id, name: `Agent ${id}`, email: `agent.${id}@example.com` })
  const agent: Agent = {
    id,
    name: profile?.name ?? base.name,
    email: profile?.email ?? base.email,
    ...((profile?.avatar ?? base.avatar) ? { avatar: profile?.avatar ?? base.avatar } : {}),
  }
  agents.set(id, agent)
  return agent
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** What HubSpot's composer sends along with the plain text. */
const richTextOf = (text: string): string =>
  text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('')

const usageOf = (mimeType: string): FileUsageType => (mimeType.startsWith('image/') ? 'IMAGE' : mimeType.startsWith('audio/') ? 'AUDIO' : 'OTHER')

const propertyChange = (core: Core, thread: Thread, propertyName: string, propertyValue: string) =>
  notifyApp(core, [conversationEvent(core, 'conversation.propertyChange', thread, { propertyName, propertyValue })])

const reply = async (core: Core, threadId: string, msg: AgentReply): Promise<{ messageId: string; statuses: number[] }> => {
  const { store } = core
  const thread = threadOrThrow(core, threadId)
  const channel = store.state.channels.get(thread.originalChannelId)
  if (!channel) throw new Error(`hubspot-emulator: channel ${thread.originalChannelId} of thread ${threadId} was deleted`)
  if (channel.capabilities.allowOutgoingMessages === false)
    throw new Error(`hubspot-emulator: channel ${channel.id} does not allow outgoing messages`)
  const account = store.state.channelAccounts.get(thread.originalChannelAccountId)
  const agent = upsertAgent(core, msg.agentId ? { id: msg.agentId } : undefined, thread.assignedTo)
  const now = core.now()
  if (thread.status === 'CLOSED') {
    // Replying from the inbox reopens a closed conversation.
    thread.status = 'OPEN'
    delete thread.closedAt
  }

  const attachments: MessageAttachment[] = (msg.attachments ?? []).map((a) => {
    const file = storeFile(core, { fileName: a.name, mimeType: a.mimeType, content: a.content, access: 'PRIVATE', folderPath: '/conversations' })
    return { type: 'FILE', fileId: file.id, fileUsageType: usageOf(a.mimeType), name: fullName(file), url: fileUrl(core, file) }
  })
  const status: MessageStatus = { statusType: 'SENT', at: now }
  const message: Message = {
    id: store.messageId(),
    threadId: thread.id,
    channelId: channel.id,
    channelAccountId: thread.originalChannelAccountId,
    direction: 'OUTGOING',
    text: msg.text,
    richText: msg.richText ?? richTextOf(msg.text),
    senders: [
      { actorId: `A-${agent.id}`, name: agent.name, ...(account?.deliveryIdentifier ? { deliveryIdentifier: account.deliveryIdentifier } : {}) },
    ],
    recipients: thread.visitorIdentifier
      ? [
          {
            actorId: thread.visitorActorId,
            deliveryIdentifier: thread.visitorIdentifier,
            ...(thread.visitorName ? { name: thread.visitorName } : {}),
          },
        ]
      : [],
    attachments,
    createdAt: now,
    updatedAt: now,
    createdBy: `A-${agent.id}`,
    clientType: 'HUBSPOT',
    status,
    statusHistory: [status],
  }
  store.state.messages.set(message.id, message)
  thread.latestMessageTimestamp = now
  thread.latestMessageSentTimestamp = now
  const statuses = await notifyChannel(core, channel.id, outgoingMessageEvent(core, message, thread))
  return { messageId: message.id, statuses }
}

export const createAgentSimulator = (core: Core): HubspotEmulator['agent'] => ({
  assign: async (threadId, profile) => {
    const thread = threadOrThrow(core, threadId)
    const agent = upsertAgent(core, profile, undefined)
    thread.assignedTo = agent.id
    return propertyChange(core, thread, 'assignedTo', agent.id)
  },
  unassign: async (threadId) => {
    const thread = threadOrThrow(core, threadId)
    delete thread.assignedTo
    return propertyChange(core, thread, 'assignedTo', '')
  },
  reply: (threadId, msg) => reply(core, threadId, msg),
  close: async (threadId) => {
    const thread = threadOrThrow(core, threadId)
    thread.status = 'CLOSED'
    thread.closedAt = core.now()
    return propertyChange(core, thread, 'status', 'CLOSED')
  },
  archive: async (threadId) => {
    const thread = threadOrThrow(core, threadId)
    thread.archived = true
    return notifyApp(core, [conversationEvent(core, 'conversation.deletion', thread)])
  },
})

export const purgeChannelAccount = async (core: Core, channelAccountId: string): Promise<number[]> => {
  const account = core.store.state.channelAccounts.get(channelAccountId)
  if (!account) throw new Error(`hubspot-emulator: no channel account ${channelAccountId}`)
  account.archived = true
  account.archivedAt = core.now()
  return notifyChannel(core, account.channelId, channelAccountEvent(core, 'CHANNEL_ACCOUNT_PURGED', account))
}
