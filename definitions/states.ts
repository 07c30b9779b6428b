import * as sdk from '@botpress/sdk'

const { z } = sdk

export const storedChannelAccountSchema = z.object({
  id: z.string().title('Channel account ID').describe('HubSpot channel account id'),
  inboxId: z.string().title('Inbox ID').describe('HubSpot inbox the account is connected to'),
  name: z.string().title('Name').describe('Channel account name'),
  authorized: z.boolean().title('Authorized').describe('False once HubSpot de-authorised or removed the account'),
})
export type StoredChannelAccount = sdk.z.infer<typeof storedChannelAccountSchema>

export const setupStateSchema = z.object({
  webhookUrl: z.string().title('Webhook URL').describe('Public URL HubSpot calls; part of every v3 signature'),
  channelId: z.string().title('Channel ID').describe('HubSpot custom channel id'),
  // No longer written: a channel pointing at this installation's webhook URL is this installation's,
  // and uninstalling deletes it. Kept readable for states saved by earlier versions.
  channelCreatedByUs: z
    .boolean()
    .optional()
    .title('Created by us (legacy)')
    .describe('Written by earlier versions only: false for a channel they reused, which uninstalling keeps (its accounts are de-authorized)'),
  channelWebhookUrl: z
    .string()
    .optional()
    .title('Channel webhook URL')
    .describe(
      "Set when the channel is the publisher app's, shared by every installation (its webhookUrl is the integration-level URL): uninstalling keeps it and de-authorizes only this installation's channel accounts"
    ),
  channelAccounts: z
    .record(storedChannelAccountSchema)
    .title('Channel accounts')
    .describe('One channel account per configured inbox, keyed by inbox id'),
  // --- Connect flow (issue 10) ---
  inboxChoice: z
    .object({
      inboxIds: z.array(z.string()).title('Inbox IDs').describe('Inboxes chosen on the setup page, the default first'),
    })
    .optional()
    .title('Inboxes chosen on the setup page')
    .describe('Used when the configuration names no inbox'),
  connectWindowUntil: z
    .number()
    .optional()
    .title('Connect window end')
    .describe('Until then (ms since epoch), the Connect flow may bind another HubSpot account or change inboxes; opened by saving the configuration'),
})
export type SetupState = sdk.z.infer<typeof setupStateSchema>

export const oauthStateSchema = z.object({
  accessToken: z.string().secret().title('Access token').describe('Cached HubSpot access token'),
  expiresAt: z.number().title('Expires at').describe('Expiry, in ms since epoch'),
  fingerprint: z
    .string()
    .title('Credentials fingerprint')
    .describe('Hash of the client id and refresh token the token was issued for; a config change invalidates it'),
  hubId: z.string().optional().title('HubSpot account id').describe('Account (portal) the token was issued for, from the token response'),
})

// --- Connect flow (issue 10): the OAuth connection made at {webhookUrl}/oauth/start ---
export const connectionStateSchema = z.object({
  refreshToken: z.string().secret().optional().title('Refresh token').describe('Refresh token obtained by the Connect flow (never shown)'),
  hubId: z.string().optional().title('HubSpot account id').describe('Account (portal) the refresh token belongs to'),
  hubDomain: z.string().optional().title('HubSpot account domain').describe('Shown on the setup page'),
  identifier: z
    .string()
    .optional()
    .title('Installation identifier')
    .describe('Publisher mode: the portal id last set as the installation identifier (Botpress routes the integration-level URL by it)'),
  connectedAt: z.number().optional().title('Connected at').describe('ms since epoch'),
  // Kept only so payloads stored before states became self-verifying still validate; no longer read
  // or written (the next full save of the connection drops it).
  flows: z.record(z.number()).optional().title('Pending OAuth flows (legacy)').describe('No longer used: OAuth states are now self-verifying'),
  spentStates: z
    .record(z.number())
    .optional()
    .title('Spent OAuth states')
    .describe('SHA-256 of the nonce of each OAuth state already used at the callback, with its expiry (ms since epoch): single use'),
  sessions: z
    .record(z.number())
    .optional()
    .title('Setup sessions')
    .describe('SHA-256 of each setup-page session cookie issued by a successful callback, with its expiry'),
})
export type ConnectionState = sdk.z.infer<typeof connectionStateSchema>

export const hitlStateSchema = z.object({
  status: z.enum(['open', 'stopped']).title('Status').describe('Whether hitlStopped was already emitted'),
  assigneeActorId: z
    .string()
    .optional()
    .title('Assignee')
    .describe('HubSpot actor last reported with hitlAssigned, or whose reply made the HITL plugin assign them'),
  pendingAssigneeActorId: z
    .string()
    .optional()
    .title('Pending assignee')
    .describe('HubSpot actor assigned before the HITL plugin had activated the session; announced on the next occasion'),
  pendingAgentUserId: z.string().optional().title('Pending agent user').describe('Botpress user of the pending assignee'),
  lastChangeAt: z
    .number()
    .optional()
    .title('Last change at')
    .describe("When the last applied assignment change happened (HubSpot's occurredAt), ms since epoch; older assignment events are ignored"),
})
export type HitlState = sdk.z.infer<typeof hitlStateSchema>

/**
 * Ticket fields still to set because HubSpot had not created the thread's ticket when startHitl
 * returned. Read only when the conversation carries the `ticketPending` tag, so the normal path
 * never reads it.
 */
export const ticketStateSchema = z.object({
  threadId: z.string().title('Thread ID').describe('HubSpot thread whose ticket gets the properties'),
  properties: z.record(z.string()).title('Properties').describe('Ticket properties to set, by internal name'),
  since: z.number().title('Since').describe('When startHitl gave up waiting, ms since epoch; bounds how long later occasions look'),
  attempts: z.number().title('Attempts').describe('Later occasions that looked for the ticket and did not find it'),
  done: z.boolean().title('Done').describe('True once the properties were set or the search gave up; later occasions do nothing'),
})
export type TicketState = sdk.z.infer<typeof ticketStateSchema>

export const states = {
  setup: { type: 'integration', schema: setupStateSchema },
  oauth: { type: 'integration', schema: oauthStateSchema },
  connection: { type: 'integration', schema: connectionStateSchema },
  hitl: { type: 'conversation', schema: hitlStateSchema },
  ticket: { type: 'conversation', schema: ticketStateSchema },
} as const satisfies sdk.IntegrationDefinitionProps['states']
