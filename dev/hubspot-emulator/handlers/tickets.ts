import { iso, type Core } from '../core'
import { apiError, notFound } from '../errors'
import { jsonBody, param, type Reply, type RequestContext, type Route } from '../http/context'
import { ticketPatchSchema } from '../schemas'
import type { Thread, Ticket, TicketPipeline } from '../types'
import { versionedRoutes } from '../versions'

/** HubSpot's default ticket pipeline ("Support Pipeline", id 0) and its four stages. */
export const DEFAULT_TICKET_PIPELINES: TicketPipeline[] = [
  {
    id: '0',
    label: 'Support Pipeline',
    displayOrder: 0,
    stages: [
      { id: '1', label: 'New', displayOrder: 0, ticketState: 'OPEN' },
      { id: '2', label: 'Waiting on contact', displayOrder: 1, ticketState: 'OPEN' },
      { id: '3', label: 'Waiting on us', displayOrder: 2, ticketState: 'OPEN' },
      { id: '4', label: 'Closed', displayOrder: 3, ticketState: 'CLOSED' },
    ],
  },
]
export const DEFAULT_TICKET_CATEGORIES = ['PRODUCT_ISSUE', 'BILLING_ISSUE', 'FEATURE_REQUEST', 'GENERAL_INQUIRY']
export const TICKET_PRIORITIES = ['LOW', 'MEDIUM', 'HIGH', 'URGENT']
const DEFAULT_TICKET_DELAY_MS = 300
/** Ticket properties every account has (the ones this emulator models). */
export const STANDARD_TICKET_PROPERTIES = [
  'subject',
  'content',
  'hs_ticket_priority',
  'hs_ticket_category',
  'hs_pipeline',
  'hs_pipeline_stage',
  'hubspot_owner_id',
  'source_type',
]

export const pipelinesOf = (core: Core): TicketPipeline[] => core.opts.ticketPipelines ?? DEFAULT_TICKET_PIPELINES

const ticketOfThreadId = (core: Core, threadId: string): Ticket | undefined =>
  [...core.store.state.tickets.values()].find((t) => t.threadId === threadId && !t.archived)

/**
 * Help Desk creates a ticket for each conversation of a channel connected to it, asynchronously
 * after the first message; a plain Inbox creates none. Modelled lazily: the ticket comes into
 * being the first time anything looks once `ticketDelayMs` has passed (on the emulator's clock).
 */
export const ensureTicket = (core: Core, thread: Thread): Ticket | undefined => {
  const existing = ticketOfThreadId(core, thread.id)
  if (existing) return existing
  if (core.store.state.inboxes.get(thread.inboxId)?.type !== 'HELP_DESK') return undefined
  const now = core.now()
  if (now - thread.createdAt < (core.opts.ticketDelayMs ?? DEFAULT_TICKET_DELAY_MS)) return undefined
  const [pipeline] = pipelinesOf(core)
  const firstText = core.store.threadMessages(thread.id)[0]?.text ?? ''
  const ticket: Ticket = {
    id: core.store.nextId('ticket'),
    threadId: thread.id,
    properties: {
      subject: thread.visitorName ? `Conversation with ${thread.visitorName}` : 'New conversation',
      content: firstText.slice(0, 1000),
      source_type: 'CHAT',
      ...(pipeline ? { hs_pipeline: pipeline.id, hs_pipeline_stage: pipeline.stages[0]?.id ?? '' } : {}),
    },
    createdAt: now,
    updatedAt: now,
    archived: false,
  }
  core.store.state.tickets.set(ticket.id, ticket)
  return ticket
}

/** `?association=TICKET` on GET thread adds `threadAssociations` (SPEC-CONV PublicThreadAssociations). */
export const threadAssociationsOf = (ctx: RequestContext, thread: Thread): Record<string, unknown> => {
  if (!ctx.query.getAll('association').includes('TICKET')) return {}
  const ticket = ensureTicket(ctx.core, thread)
  return { threadAssociations: ticket ? { associatedTicketId: ticket.id } : {} }
}

const publicTicket = (t: Ticket) => ({
  id: t.id,
  properties: { ...t.properties, createdate: iso(t.createdAt), hs_lastmodifieddate: iso(t.updatedAt), hs_object_id: t.id },
  createdAt: iso(t.createdAt),
  updatedAt: iso(t.updatedAt),
  archived: t.archived,
})

type Invalid = { name: string; error: 'PROPERTY_DOESNT_EXIST' | 'INVALID_OPTION'; message: string }

const checkProperties = (core: Core, ticket: Ticket, props: Record<string, string>): Invalid[] => {
  const known = new Set([...STANDARD_TICKET_PROPERTIES, ...(core.opts.customTicketProperties ?? [])])
  const invalid: Invalid[] = []
  const option = (name: string, value: string, allowed: string[]) => {
    if (value !== '' && !allowed.includes(value)) {
      invalid.push({ name, error: 'INVALID_OPTION', message: `${value} was not one of the allowed options: [${allowed.join(', ')}]` })
    }
  }
  for (const name of Object.keys(props)) {
    if (!known.has(name)) invalid.push({ name, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` })
  }
  if (props.hs_ticket_priority !== undefined) option('hs_ticket_priority', props.hs_ticket_priority, TICKET_PRIORITIES)
  if (props.hs_ticket_category !== undefined)
    option('hs_ticket_category', props.hs_ticket_category, core.opts.ticketCategories ?? DEFAULT_TICKET_CATEGORIES)
  const pipelines = pipelinesOf(core)
  if (props.hs_pipeline !== undefined)
    option(
      'hs_pipeline',
      props.hs_pipeline,
      pipelines.map((p) => p.id)
    )
  const pipelineId = props.hs_pipeline ?? ticket.properties.hs_pipeline
  const pipeline = pipelines.find((p) => p.id === pipelineId)
  if (pipeline && (props.hs_pipeline_stage !== undefined || props.hs_pipeline !== undefined)) {
    const stage = props.hs_pipeline_stage ?? ticket.properties.hs_pipeline_stage ?? ''
    option(
      'hs_pipeline_stage',
      stage,
      pipeline.stages.map((s) => s.id)
    )
  }
  return invalid
}

/**
 * PATCH /crm/v3/objects/tickets/{id}: all or nothing, like HubSpot; a refused value answers 400
 * VALIDATION_ERROR whose message embeds the per-property list HubSpot sends
 * (`Property values were not valid: [{"isValid":false,"message":…,"error":…,"name":…}]`).
 */
const patchTicket = (ctx: RequestContext): Reply => {
  const id = param(ctx, 'ticketId')
  const ticket = ctx.core.store.state.tickets.get(id)
  if (!ticket || ticket.archived) throw notFound(`Object not found.  objectId are usually numeric.`)
  const { properties } = jsonBody(ctx, ticketPatchSchema)
  const invalid = checkProperties(ctx.core, ticket, properties)
  if (invalid.length > 0) {
    const list = invalid.map((i) => ({ isValid: false, message: i.message, error: i.error, name: i.name, localizedErrorMessage: i.message }))
    throw apiError(400, 'VALIDATION_ERROR', `Property values were not valid: ${JSON.stringify(list)}`, {
      errors: invalid.map((i) => ({ message: i.message, code: i.error, context: { propertyName: [i.name] } })),
    })
  }
  Object.assign(ticket.properties, properties)
  ticket.updatedAt = ctx.core.now()
  return { status: 200, json: publicTicket(ticket) }
}

const getTicket = (ctx: RequestContext): Reply => {
  const ticket = ctx.core.store.state.tickets.get(param(ctx, 'ticketId'))
  if (!ticket || ticket.archived) throw notFound('Object not found.')
  return { status: 200, json: publicTicket(ticket) }
}

const listPipelines = (ctx: RequestContext): Reply => {
  if (param(ctx, 'objectType') !== 'tickets') throw notFound(`The emulator models ticket pipelines only.`)
  const at = iso(0) // HubSpot's default pipelines have createdAt 0
  const results = pipelinesOf(ctx.core).map((p) => ({
    id: p.id,
    label: p.label,
    displayOrder: p.displayOrder,
    createdAt: at,
    updatedAt: at,
    archived: false,
    stages: p.stages.map((s) => ({
      id: s.id,
      label: s.label,
      displayOrder: s.displayOrder,
      metadata: { ticketState: s.ticketState },
      createdAt: at,
      updatedAt: at,
      archived: false,
    })),
  }))
  return { status: 200, json: { results } }
}

export const ticketRoutes: Route[] = [
  ...versionedRoutes('crmObjects', [
    { method: 'GET', path: '/tickets/:ticketId', auth: 'bearer', handle: getTicket },
    { method: 'PATCH', path: '/tickets/:ticketId', auth: 'bearer', handle: patchTicket },
  ]),
  ...versionedRoutes('crmPipelines', [{ method: 'GET', path: '/:objectType', auth: 'bearer', handle: listPipelines }]),
]
