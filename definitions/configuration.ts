import * as sdk from '@botpress/sdk'

const { z } = sdk

const numericId = (title: string, description: string) =>
  z.string().trim().regex(/^\d+$/, `${title} must be a numeric HubSpot id`).title(title).describe(description)

/**
 * Keys shared with the existing HubSpot HITL integrations (developerApiKey, appId, clientId,
 * clientSecret, refreshToken, inboxId) keep their names so users can switch without re-learning.
 */
export const configurationSchema = z.object({
  developerApiKey: z
    .string()
    .trim()
    .min(1)
    .secret()
    .title('Developer API key')
    .describe('Developer API key of your HubSpot developer account; used only to create and remove the custom channel'),
  appId: numericId('App ID', 'ID of your HubSpot public app (Basic info tab of the app)'),
  clientId: z.string().trim().min(1).title('Client ID').describe("Your HubSpot app's client ID (Auth tab)"),
  clientSecret: z
    .string()
    .trim()
    .min(1)
    .secret()
    .title('Client secret')
    .describe("Your HubSpot app's client secret (Auth tab); also verifies HubSpot's webhook signatures"),
  refreshToken: z
    .string()
    .trim()
    .min(1)
    .secret()
    .optional()
    .title('Refresh token')
    .describe('OAuth refresh token of the installed app. Leave empty to connect with the Connect link ({webhookUrl}/oauth/start) instead'),
  inboxId: numericId(
    'Inbox ID',
    'Inbox or help desk that receives escalations by default (Settings > Inbox). Leave empty to choose inboxes on the setup page ({webhookUrl}/setup)'
  ).optional(),
  additionalInboxIds: z
    .array(z.string().trim().regex(/^\d+$/, 'every additional inbox id must be a numeric HubSpot id'))
    .optional()
    .title('Additional inbox IDs')
    .describe('More inboxes or help desks a bot can route to with startHitl hitlSession.inboxId'),
  channelName: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .optional()
    .title('Channel name')
    .describe('Name of the custom channel shown to agents in HubSpot (default "Botpress")'),
  channelDescription: z
    .string()
    .trim()
    .max(500)
    .optional()
    .title('Channel description')
    .describe('Shown under the channel in HubSpot connection settings'),
  channelLogoUrl: z
    .string()
    .trim()
    .url()
    .optional()
    .title('Channel logo URL')
    .describe('Public https URL of a logo shown for the channel in HubSpot'),
  createMissingContacts: z
    .boolean()
    .default(true)
    .title('Create missing contacts')
    .describe('Create a HubSpot contact when an escalating user with an email or phone is not found (default on)'),
  apiBaseUrl: z
    .string()
    .trim()
    .url()
    .optional()
    .title('HubSpot API base URL (advanced)')
    .describe('Override https://api.hubapi.com, for a local emulator or a proxy. Leave empty in production.'),
})

export type Configuration = sdk.z.infer<typeof configurationSchema>

export const configuration = {
  schema: configurationSchema,
  // Botpress shows a Connect link built by this VRL script ({webhookUrl}/oauth/start); the CLI reads the
  // file at deploy (sdk 5.4.3 ConfigurationDefinition.identifier.linkTemplateScript). No extractScript:
  // the flow stores its result in integration state, not as an identifier.
  identifier: { linkTemplateScript: 'linkTemplate.vrl' },
} as const satisfies sdk.IntegrationDefinitionProps['configuration']
