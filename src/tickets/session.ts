import * as sdk from '@botpress/sdk'
import type { TicketSession } from '../../definitions/entities'

/**
 * Rules across hitlSession fields that the entity schema cannot state (it must stay a plain object
 * for Studio). Checked at startHitl, before anything is created, because the answer is known in
 * advance; a value HubSpot may refuse later (an unknown category) is not checked here.
 */
export const checkTicketSession = (session: TicketSession | undefined): void => {
  if (!session) return
  if (session.pipelineStageId !== undefined && session.pipelineId === undefined) {
    throw new sdk.RuntimeError(
      'startHitl: hitlSession.pipelineStageId needs hitlSession.pipelineId (stage ids belong to one pipeline); pass both, or neither.'
    )
  }
  if (session.pipelineId !== undefined && session.pipelineStageId === undefined) {
    throw new sdk.RuntimeError(
      'startHitl: hitlSession.pipelineId needs hitlSession.pipelineStageId (a ticket moved to another pipeline must get one of its stages); pass both, or neither.'
    )
  }
  const seen = new Set<string>()
  for (const { name } of session.customProperties ?? []) {
    if (STANDARD_FIELD_OF[name]) {
      throw new sdk.RuntimeError(`startHitl: custom ticket property ${name} has its own field; use hitlSession.${STANDARD_FIELD_OF[name]} instead.`)
    }
    if (seen.has(name)) throw new sdk.RuntimeError(`startHitl: custom ticket property ${name} is given twice; give each name once.`)
    seen.add(name)
  }
}

/** HubSpot's standard ticket properties and the hitlSession field that sets each, in the order a fallback keeps them. */
const STANDARD_FIELD_OF: Record<string, string> = {
  subject: 'subject',
  hs_ticket_priority: 'priority',
  hs_ticket_category: 'category',
  hs_pipeline: 'pipelineId',
  hs_pipeline_stage: 'pipelineStageId',
}

/** Whether the bot asked for anything on the ticket; without it no ticket work is done (startHitl costs what it did). */
export const wantsTicketFields = (session: TicketSession | undefined): boolean =>
  !!session &&
  (session.priority !== undefined ||
    session.subject !== undefined ||
    session.category !== undefined ||
    session.pipelineId !== undefined ||
    (session.customProperties?.length ?? 0) > 0)

/**
 * The ticket properties to set, by HubSpot internal name; undefined when the bot set no ticket
 * field. The subject defaults to the escalation title (HubSpot's own default is less telling).
 */
export const ticketPropertiesOf = (session: TicketSession | undefined, title: string | undefined): Record<string, string> | undefined => {
  if (!session || !wantsTicketFields(session)) return undefined
  const props: Record<string, string> = {}
  const subject = session.subject ?? title?.trim()
  if (subject) props.subject = subject
  if (session.priority) props.hs_ticket_priority = session.priority
  if (session.category) props.hs_ticket_category = session.category
  if (session.pipelineId) props.hs_pipeline = session.pipelineId
  if (session.pipelineStageId) props.hs_pipeline_stage = session.pipelineStageId
  for (const { name, value } of session.customProperties ?? []) props[name] = value
  return props
}

/** The standard fields, in the order a fallback keeps them: the ones whose values are most likely valid first. */
export const STANDARD_PROPERTY_NAMES = Object.keys(STANDARD_FIELD_OF)
/** What is left when HubSpot's error names nothing: values that are valid in every account. */
export const SAFEST_PROPERTY_NAMES = ['subject', 'hs_ticket_priority']
