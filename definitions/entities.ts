import * as sdk from '@botpress/sdk'

const { z } = sdk

/**
 * HubSpot internal property names: lowercase letters, digits and underscores, starting with a
 * letter (the label shown in HubSpot is not the internal name). Checked here because it is known
 * in advance; whether the property exists in the account is only known when HubSpot answers.
 */
export const PROPERTY_NAME = /^[a-z][a-z0-9_]{0,99}$/

export const TICKET_PRIORITIES = ['LOW', 'MEDIUM', 'HIGH', 'URGENT'] as const

const customPropertySchema = z.object({
  name: z
    .string()
    .regex(PROPERTY_NAME, 'must be a HubSpot internal property name (lowercase letters, digits and _, starting with a letter), e.g. order_number')
    .title('Internal name')
    .describe('Internal name of a ticket property in HubSpot (Settings → Properties → Ticket properties), e.g. order_number'),
  value: z.string().max(65_536).title('Value').describe('The value to set; for a dropdown, the option’s internal value'),
})

/** Integration-specific parameters of a HITL session (the interface's `hitlSession`). */
export const ticketSchema = z.object({
  inboxId: z
    .string()
    .regex(/^\d+$/)
    .optional()
    .title('Inbox ID')
    .describe('One of the configured inboxes to route this escalation to; defaults to the main inbox'),
  priority: z
    .enum(TICKET_PRIORITIES)
    .optional()
    .title('Priority')
    .describe('Ticket priority in Help Desk (LOW, MEDIUM, HIGH or URGENT); routing and SLA rules act on it'),
  subject: z
    .string()
    .min(1)
    .max(1000)
    .optional()
    .title('Ticket subject')
    .describe('Subject of the Help Desk ticket; defaults to the escalation title when any ticket field is set'),
  category: z
    .string()
    .min(1)
    .max(255)
    .optional()
    .title('Ticket category')
    .describe('Internal value of the ticket category (hs_ticket_category), e.g. PRODUCT_ISSUE; the allowed values are set per HubSpot account'),
  pipelineId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be a HubSpot pipeline id, e.g. 0')
    .optional()
    .title('Ticket pipeline ID')
    .describe('Ticket pipeline to put the ticket in (hs_pipeline); give pipelineStageId with it'),
  pipelineStageId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be a HubSpot pipeline stage id, e.g. 1')
    .optional()
    .title('Ticket pipeline stage ID')
    .describe('Stage of that pipeline (hs_pipeline_stage); stage ids belong to one pipeline, so pipelineId is required with it'),
  assigneeEmail: z
    .string()
    .email('must be an email address')
    .optional()
    .title('Assignee email')
    .describe('Email of the HubSpot user to assign the conversation to; an unknown email leaves it unassigned (and is logged)'),
  customProperties: z
    .array(customPropertySchema)
    .max(50)
    .optional()
    .title('Custom ticket properties')
    .describe('More ticket properties to set, by internal name; a property HubSpot refuses is logged and skipped, never fails the escalation'),
})
// Cross-field rules (pipelineStageId needs pipelineId, no duplicate names) are checked by startHitl
// (src/tickets/session.ts): an entity schema must stay a plain object for Studio.

export type TicketSession = sdk.z.infer<typeof ticketSchema>

export const entities = {
  ticket: {
    title: 'Escalation',
    description: 'Where and how a conversation is escalated in HubSpot: inbox, ticket fields and the agent to assign',
    schema: ticketSchema,
  },
} as const satisfies sdk.IntegrationDefinitionProps['entities']
