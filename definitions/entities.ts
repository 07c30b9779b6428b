import * as sdk from '@botpress/sdk'

const { z } = sdk

/** Integration-specific parameters of a HITL session (the interface's `hitlSession`). */
export const ticketSchema = z.object({
  inboxId: z
    .string()
    .regex(/^\d+$/)
    .optional()
    .title('Inbox ID')
    .describe('One of the configured inboxes to route this escalation to; defaults to the main inbox'),
})

export const entities = {
  ticket: {
    title: 'Escalation',
    description: 'Where and how a conversation is escalated in HubSpot',
    schema: ticketSchema,
  },
} as const satisfies sdk.IntegrationDefinitionProps['entities']
