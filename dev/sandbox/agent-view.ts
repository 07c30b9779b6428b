import type { HubspotEmulator, Message } from '../hubspot-emulator'
import type { ChatLine } from './bot'

export type ThreadView = { id: string; title: string; status: string; assignee?: string; messages: ChatLine[] }

const SANDBOX_AGENT = { id: '7001', name: 'Maya (HubSpot agent)', email: 'maya@example.com' }
export const sandboxAgent = SANDBOX_AGENT

const toLine = (emulator: HubspotEmulator, m: Message): ChatLine => {
  const incoming = m.direction === 'INCOMING'
  const attachments = m.attachments.flatMap((a) =>
    a.type === 'FILE'
      ? [{ kind: a.fileUsageType === 'IMAGE' ? 'image' : 'file', url: a.url ?? `${emulator.url}/_files/${a.fileId}`, name: a.name }]
      : []
  )
  const status = incoming ? '' : ` · ${m.status.statusType.toLowerCase()}`
  return {
    cls: incoming ? 'bot' : 'agent',
    who: `${m.senders[0]?.name ?? (incoming ? 'Visitor' : 'Agent')}${status}`,
    text: m.text,
    attachments,
  }
}

/** What a HubSpot agent sees: the inbox's threads and their messages, from the emulator's state. */
export const agentView = (emulator: HubspotEmulator): ThreadView[] =>
  [...emulator.state.threads.values()].map((t) => ({
    id: t.id,
    title: t.visitorName ?? 'Visitor',
    status: t.status,
    assignee: t.assignedTo ? (emulator.state.agents.get(t.assignedTo)?.name ?? `agent ${t.assignedTo}`) : undefined,
    messages: emulator.threadMessages(t.id).map((m) => toLine(emulator, m)),
  }))
