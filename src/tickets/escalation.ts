import type { TicketSession } from '../../definitions/entities'
import { HubspotApiError, type HubspotClient } from '../hubspot'
import { renderEscalationNote } from '../render/escalation-note'
import { assignByEmail, type AssignmentOutcome } from './assign'
import { markTicketPending } from './pending'
import type { RefusedProperty } from './refusals'
import { ticketPropertiesOf } from './session'
import { MAX_PATCHES, setTicketProperties } from './set-properties'
import { ticketTuning } from './tuning'
import type * as bp from '.botpress'

export type ThreadOpened = {
  client: bp.Client
  hs: HubspotClient
  logger: bp.Logger
  conversationId: string
  threadId: string
  inboxId: string
  title?: string
  description?: string
  session?: TicketSession
  endUser: { id: string; name?: string; tags: Partial<Record<string, string>> }
}

type TicketOutcome = { kind: 'set'; refused: RefusedProperty[] } | { kind: 'pending' } | { kind: 'failed'; reason: string }

/**
 * What startHitl does once the thread exists: assign it (assigneeEmail), set the ticket fields if
 * HubSpot's ticket is already there (else leave them pending for a later occasion), and post the
 * agent-only summary. Nothing here fails the escalation: the agent has the conversation already.
 */
export const afterThreadOpened = async (t: ThreadOpened): Promise<void> => {
  const log = t.logger.forBot()
  const warn = (m: string) => log.warn(m)
  const properties = ticketPropertiesOf(t.session, t.title)
  const email = t.session?.assigneeEmail
  const [assignment, ticket] = await Promise.all([
    email ? assignByEmail(t.hs, t.threadId, email, { warn }) : undefined,
    properties ? quickTicket(t.hs, t.threadId, properties, warn) : undefined,
  ])

  const pending =
    properties && ticket?.kind === 'pending'
      ? markTicketPending(t.client, t.conversationId, t.threadId, properties).catch((err: unknown) => {
          warn(`Could not keep the ticket fields for later; they will not be set: ${err instanceof Error ? err.message : 'unknown error'}`)
        })
      : undefined
  const note = t.hs.conversations.addComment(t.threadId, renderEscalationNote(noteInput(t, assignment, ticket))).catch((err: unknown) => {
    warn(`Could not post the agent-only summary note on thread ${t.threadId}: ${err instanceof Error ? err.message : 'unknown error'}`)
  })
  await Promise.all([pending, note])
}

/** Allowance for the HubSpot round trips of assignment and note (they run side by side). */
const ROUND_TRIPS_ALLOWANCE_MS = 1_000
/** Allowance per ticket PATCH: a refused one is retried without the refused properties, up to MAX_PATCHES. */
const PATCH_ALLOWANCE_MS = 1_000

/**
 * The longest afterThreadOpened can keep startHitl from returning: when there are ticket fields,
 * the quick ticket looks and every PATCH a refusal can cost; plus the round trips of assignment
 * and note. The HITL plugin activates the session only after startHitl returns, so an early
 * assignment on another instance must wait at least this long (too long only means it is held
 * and announced with the next message, never lost).
 */
export const ticketWorkBudgetMs = (session: TicketSession | undefined): number => {
  if (!session || !ticketPropertiesOf(session, 'x')) return ROUND_TRIPS_ALLOWANCE_MS
  const looks = ticketTuning.quickTryDelaysMs.reduce((a, b) => a + b, 0)
  return looks + MAX_PATCHES * PATCH_ALLOWANCE_MS + ROUND_TRIPS_ALLOWANCE_MS
}

/** A couple of quick looks for the ticket (≈ 2 s in all); pending when it is not there yet. */
const quickTicket = async (
  hs: HubspotClient,
  threadId: string,
  properties: Record<string, string>,
  warn: (m: string) => void
): Promise<TicketOutcome> => {
  for (const delay of ticketTuning.quickTryDelaysMs) {
    if (delay > 0) await ticketTuning.sleep(delay)
    let ticketId: string | undefined
    try {
      ticketId = await hs.conversations.getTicketIdOfThread(threadId)
    } catch (err) {
      if (err instanceof HubspotApiError && err.status !== undefined && err.status < 500 && err.status !== 429) return failed(err, warn)
      continue // 5xx, 429, network: the later occasions try again
    }
    if (!ticketId) continue
    try {
      const result = await setTicketProperties(hs, ticketId, properties, warn)
      return { kind: 'set', refused: result.refused }
    } catch (err) {
      return failed(err, warn)
    }
  }
  return { kind: 'pending' }
}

const failed = (err: unknown, warn: (m: string) => void): TicketOutcome => {
  const reason = err instanceof Error ? err.message : 'unknown error'
  warn(`Could not set the ticket fields; the escalation goes on without them. ${reason}`)
  return { kind: 'failed', reason }
}

const assignmentWords = (a: AssignmentOutcome | undefined): string | undefined => {
  if (!a) return undefined
  if (a.kind === 'assigned') return `assigned to ${a.name}`
  if (a.kind === 'unknown-email') return 'no active HubSpot user has this email; left unassigned'
  return 'assignment failed; left unassigned'
}

const ticketWords = (o: TicketOutcome | undefined): string | undefined => {
  if (!o) return undefined
  if (o.kind === 'set') return o.refused.length ? 'fields set, except those listed below' : 'fields set'
  if (o.kind === 'pending') return 'HubSpot has not created the ticket yet; the fields are set when it appears'
  return 'the fields could not be set (see the bot logs)'
}

const noteInput = (t: ThreadOpened, assignment: AssignmentOutcome | undefined, ticket: TicketOutcome | undefined) => {
  const s = t.session
  const tags = t.endUser.tags
  return {
    title: t.title,
    description: t.description,
    endUser: {
      name: t.endUser.name,
      botpressUserId: t.endUser.id,
      contactId: tags.contactId,
      identifierType: tags.deliveryIdentifierType,
      identifierValue: tags.deliveryIdentifierValue,
    },
    inboxId: t.inboxId,
    priority: s?.priority,
    subject: s?.subject,
    category: s?.category,
    pipelineId: s?.pipelineId,
    pipelineStageId: s?.pipelineStageId,
    assigneeEmail: s?.assigneeEmail,
    assignment: assignmentWords(assignment),
    customProperties: s?.customProperties,
    ticket: ticketWords(ticket),
    refused: ticket?.kind === 'set' ? ticket.refused : [],
  }
}
