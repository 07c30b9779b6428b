import type { HubspotEmulator, Message, Thread, Ticket } from '../hubspot-emulator'
import { ownerIdOf } from '../hubspot-emulator/handlers/owners'
import { DEFAULT_TICKET_PIPELINES, STANDARD_TICKET_PROPERTIES } from '../hubspot-emulator/handlers/tickets'
import type { ChatLine } from './bot'

/** Who wrote a line in the agent view: what HubSpot's inbox shows next to a message. */
export type Author = { name: string; avatar?: string; initials: string }

/** One line of a thread as a HubSpot agent sees it: messages both ways and agent-only notes (COMMENT). */
export type AgentLine = Omit<ChatLine, 'cls'> & {
  /** `bot`: from the end user (INCOMING); `agent`: an agent's reply (OUTGOING); `note`: agent-only, never sent to the end user. */
  cls: 'bot' | 'agent' | 'note'
  author: Author
  /** ISO time the message was created. */
  at: string
  /** OUTGOING only: the delivery status HubSpot holds (the integration reports SENT or FAILED with a reason). */
  delivery?: { status: string; error?: string }
}

export type EndUser = { name: string; email?: string; phone?: string; contactId: string; isContact: boolean; identifier?: string }
export type TicketView = {
  id: string
  subject?: string
  priority?: string
  category?: string
  pipeline?: string
  stage?: string
  owner?: string
  /** Properties beyond HubSpot's standard ones (custom ticket properties), by internal name. */
  custom: Record<string, string>
}

export type ThreadView = {
  id: string
  title: string
  status: string
  inbox: { id: string; name: string; type: string }
  createdAt: string
  closedAt?: string
  lastActivityAt: string
  endUser: EndUser
  assignee?: Author & { email: string }
  ticket?: TicketView
  messages: AgentLine[]
}

const SANDBOX_AGENT = { id: '7001', name: 'Maya (HubSpot agent)', email: 'maya@example.com' }
export const sandboxAgent = SANDBOX_AGENT

/** Ticket properties the view shows in their own fields (or not at all); anything else is a custom property. */
const STANDARD_PROPERTIES = new Set(STANDARD_TICKET_PROPERTIES)

const iso = (ms: number) => new Date(ms).toISOString()

const initialsOf = (name: string): string =>
  name
    .replace(/\(.*?\)/g, '')
    .split(/[\s@.]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('') || '?'

const author = (name: string, avatar?: string): Author => ({ name, initials: initialsOf(name), ...(avatar ? { avatar } : {}) })

const endUserOf = (emulator: HubspotEmulator, t: Thread): EndUser => {
  const contact = emulator.state.contacts.get(t.associatedContactId)
  const p = contact?.properties ?? {}
  const fullName = [p.firstname, p.lastname].filter(Boolean).join(' ')
  const di = t.visitorIdentifier
  const email = p.email ?? (di?.type === 'HS_EMAIL_ADDRESS' ? di.value : undefined)
  const phone = p.phone ?? p.mobilephone ?? (di?.type === 'HS_PHONE_NUMBER' ? di.value : undefined)
  return {
    name: fullName || t.visitorName || email || phone || 'Visitor',
    contactId: t.associatedContactId,
    isContact: Boolean(contact),
    ...(email ? { email } : {}),
    ...(phone ? { phone } : {}),
    ...(di && di.type === 'CHANNEL_SPECIFIC_OPAQUE_ID' ? { identifier: di.value } : {}),
  }
}

const ticketView = (emulator: HubspotEmulator, ticket: Ticket): TicketView => {
  const p = ticket.properties
  // The sandbox runs the emulator's default pipelines; an unknown id is shown as the id itself.
  const pipeline = DEFAULT_TICKET_PIPELINES.find((x) => x.id === p.hs_pipeline)
  const stage = pipeline?.stages.find((s) => s.id === p.hs_pipeline_stage)
  const owner = p.hubspot_owner_id ? [...emulator.state.agents.values()].find((a) => ownerIdOf(a) === p.hubspot_owner_id) : undefined
  const custom = Object.fromEntries(Object.entries(p).filter(([k]) => !STANDARD_PROPERTIES.has(k)))
  return {
    id: ticket.id,
    ...(p.subject ? { subject: p.subject } : {}),
    ...(p.hs_ticket_priority ? { priority: p.hs_ticket_priority } : {}),
    ...(p.hs_ticket_category ? { category: p.hs_ticket_category } : {}),
    ...(p.hs_pipeline ? { pipeline: pipeline ? pipeline.label : p.hs_pipeline } : {}),
    ...(p.hs_pipeline_stage ? { stage: stage ? stage.label : p.hs_pipeline_stage } : {}),
    ...(p.hubspot_owner_id ? { owner: owner?.name ?? `owner ${p.hubspot_owner_id}` } : {}),
    custom,
  }
}

const messageLine = (emulator: HubspotEmulator, m: Message, endUser: EndUser): AgentLine => {
  const incoming = m.direction === 'INCOMING'
  const attachments = m.attachments.flatMap((a) =>
    a.type === 'FILE'
      ? [{ kind: a.fileUsageType === 'IMAGE' ? 'image' : 'file', url: a.url ?? `${emulator.url}/_files/${a.fileId}`, name: a.name }]
      : []
  )
  const sender = m.senders[0]
  const agent = !incoming && sender?.actorId?.startsWith('A-') ? emulator.state.agents.get(sender.actorId.slice(2)) : undefined
  const name = incoming ? endUser.name : (agent?.name ?? sender?.name ?? 'Agent')
  return {
    cls: incoming ? 'bot' : 'agent',
    who: name,
    author: author(name, agent?.avatar),
    at: iso(m.createdAt),
    text: m.text,
    attachments,
    ...(incoming ? {} : { delivery: { status: m.status.statusType, ...(m.status.errorMessage ? { error: m.status.errorMessage } : {}) } }),
  }
}

/** What a HubSpot agent sees: the inbox's threads, their end user, ticket, messages and agent-only notes, from the emulator's state. */
export const agentView = (emulator: HubspotEmulator): ThreadView[] =>
  [...emulator.state.threads.values()].map((t) => {
    const endUser = endUserOf(emulator, t)
    const inbox = emulator.state.inboxes.get(t.inboxId)
    const assignee = t.assignedTo ? emulator.state.agents.get(t.assignedTo) : undefined
    // Looking at the ticket is what makes it exist once its delay has passed (HubSpot creates it on its own anyway).
    const ticket = emulator.ticketOfThread(t.id)
    const lines = [
      ...emulator.threadMessages(t.id).map((m) => ({ createdAt: m.createdAt, line: messageLine(emulator, m, endUser) })),
      ...emulator.threadComments(t.id).map((c) => ({
        createdAt: c.createdAt,
        line: { cls: 'note' as const, who: 'Internal note', author: author('Botpress integration'), at: iso(c.createdAt), text: c.text },
      })),
    ]
    // Stable sort: a note written in the same millisecond as a message stays after it.
    lines.sort((a, b) => a.createdAt - b.createdAt)
    return {
      id: t.id,
      title: endUser.name,
      status: t.status,
      inbox: { id: t.inboxId, name: inbox?.name ?? `inbox ${t.inboxId}`, type: inbox?.type ?? 'INBOX' },
      createdAt: iso(t.createdAt),
      ...(t.closedAt !== undefined ? { closedAt: iso(t.closedAt) } : {}),
      lastActivityAt: iso(t.latestMessageTimestamp ?? t.createdAt),
      endUser,
      ...(t.assignedTo
        ? {
            assignee: {
              ...author(assignee?.name ?? `agent ${t.assignedTo}`, assignee?.avatar),
              email: assignee?.email ?? '',
            },
          }
        : {}),
      ...(ticket ? { ticket: ticketView(emulator, ticket) } : {}),
      messages: lines.map((l) => l.line),
    }
  })
