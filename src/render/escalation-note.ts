import { blocksHtml, blocksText, clip, type Block, type Inline } from './common'

/**
 * The agent-only note (a HubSpot COMMENT) posted when an escalation opens: who the end user is and
 * everything the bot passed, so the agent does not have to dig. The end user never sees it; the
 * transcript message stays as it is.
 */
export type EscalationNoteInput = {
  title?: string
  description?: string
  endUser: {
    name?: string
    botpressUserId: string
    contactId?: string
    identifierType?: string
    identifierValue?: string
  }
  inboxId: string
  priority?: string
  subject?: string
  category?: string
  pipelineId?: string
  pipelineStageId?: string
  assigneeEmail?: string
  /** How the assignment went, in words (e.g. "assigned to Sam Agent", "no HubSpot user has this email"). */
  assignment?: string
  customProperties?: { name: string; value: string }[]
  /** Where the ticket fields stand: set, waiting for HubSpot's ticket, or no ticket fields asked. */
  ticket?: string
  refused?: { name: string; reason: string }[]
}

const MAX_VALUE_CHARS = 500
const IDENTIFIER_LABEL: Record<string, string> = {
  HS_EMAIL_ADDRESS: 'email',
  HS_PHONE_NUMBER: 'phone',
  CHANNEL_SPECIFIC_OPAQUE_ID: 'Botpress id',
}

const field = (label: string, value: string | undefined): Inline[][] => (value ? [[{ bold: `${label}: ` }, clip(value, MAX_VALUE_CHARS)]] : [])

export const renderEscalationNote = (input: EscalationNoteInput): { text: string; richText: string } => {
  const u = input.endUser
  const identity = u.identifierValue
    ? `${u.identifierValue} (${IDENTIFIER_LABEL[u.identifierType ?? ''] ?? u.identifierType ?? 'identifier'})`
    : undefined
  const who: Inline[][] = [
    ...field('Name', u.name),
    ...field('Identity', identity),
    ...field('HubSpot contact', u.contactId),
    ...field('Botpress user', u.botpressUserId),
  ]
  const passed: Inline[][] = [
    ...field('Inbox', input.inboxId),
    ...field('Subject', input.subject),
    ...field('Category', input.category),
    ...field('Pipeline', input.pipelineId),
    ...field('Pipeline stage', input.pipelineStageId),
    ...field('Assignee', input.assigneeEmail && (input.assignment ? `${input.assigneeEmail} (${input.assignment})` : input.assigneeEmail)),
    ...(input.customProperties ?? []).map((p): Inline[] => [{ bold: `${p.name}: ` }, clip(p.value, MAX_VALUE_CHARS)]),
  ]
  const blocks: Block[] = [
    { line: [{ bold: 'Escalated by the bot (note for agents; the customer does not see it)' }] },
    ...[...field('Title', input.title), ...field('Description', input.description), ...field('Priority', input.priority)].map((line) => ({ line })),
    { line: [{ bold: 'Customer' }] },
    { list: who },
    { line: [{ bold: 'Passed by the bot' }] },
    { list: passed },
  ]
  if (input.ticket) blocks.push({ line: [{ bold: 'Ticket: ' }, input.ticket] })
  if (input.refused?.length) {
    blocks.push({ line: [{ bold: 'Not set on the ticket (refused by HubSpot)' }] })
    blocks.push({ list: input.refused.map((r): Inline[] => [{ bold: `${r.name}: ` }, clip(r.reason, MAX_VALUE_CHARS)]) })
  }
  return { text: blocksText(blocks), richText: blocksHtml(blocks) }
}

/** A later note when HubSpot refused ticket properties after startHitl had returned. */
export const renderRefusedNote = (refused: { name: string; reason: string }[]): { text: string; richText: string } => {
  const blocks: Block[] = [
    { line: [{ bold: 'Ticket properties the bot asked for were refused by HubSpot' }] },
    { list: refused.map((r): Inline[] => [{ bold: `${r.name}: ` }, clip(r.reason, MAX_VALUE_CHARS)]) },
  ]
  return { text: blocksText(blocks), richText: blocksHtml(blocks) }
}
