import * as sdk from '@botpress/sdk'

const { z } = sdk

const numericId = (title: string, description: string) =>
  z.string().trim().regex(/^\d+$/, `${title} must be a numeric HubSpot id`).title(title).describe(description)

/**
 * Keys shared with the existing HubSpot HITL integrations (developerApiKey, appId, clientId,
 * clientSecret, refreshToken, inboxId) keep their names so users can switch without re-learning.
 */
export const ownAppConfigurationSchema = z.object({
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

export type OwnAppConfiguration = sdk.z.infer<typeof ownAppConfigurationSchema>

/**
 * The default configuration: the publisher owns the HubSpot app (its credentials are the integration's `secrets`,
 * below), so a bot builder fills nothing but how the channel looks and whether contacts are created, then clicks
 * Connect. The fields are the own-app configuration's, so a bot switching between the two keeps them.
 */
export const configurationSchema = ownAppConfigurationSchema.pick({
  channelName: true,
  channelDescription: true,
  channelLogoUrl: true,
  createMissingContacts: true,
})

export type Configuration = sdk.z.infer<typeof configurationSchema>

/** The name of the bring-your-own-app configuration (`ctx.configurationType`); the default is `null`. */
export const OWN_APP_CONFIGURATION = 'ownApp'

// Botpress shows a Connect link built by this VRL script ({webhookUrl}/oauth/start); the CLI reads the
// file at deploy (sdk 5.4.3 ConfigurationDefinition.identifier.linkTemplateScript).
const connectLink = { linkTemplateScript: 'linkTemplate.vrl' } as const

export const configuration = {
  schema: configurationSchema,
  identifier: connectLink,
} as const satisfies sdk.IntegrationDefinitionProps['configuration']

export const configurations = {
  [OWN_APP_CONFIGURATION]: {
    title: 'Your own HubSpot app',
    description: 'Use a HubSpot app you created yourself (client ID, client secret, app ID, developer API key), as before',
    schema: ownAppConfigurationSchema,
    identifier: connectLink,
  },
} as const satisfies NonNullable<sdk.IntegrationDefinitionProps['configurations']>

/**
 * The publisher's HubSpot app, given once at deploy (`bp deploy --secrets NAME=value`) and read at run time as
 * `SECRET_<NAME>` (src/credentials.ts). Optional for the CLI so that a deploy used only in the own-app
 * configuration needs none; publisher mode refuses to install without them, naming the missing one.
 */
export const secrets = {
  CLIENT_ID: { optional: true, description: "Client ID of the publisher's HubSpot app (Auth tab)" },
  CLIENT_SECRET: { optional: true, description: "Client secret of the publisher's HubSpot app; also verifies HubSpot's webhook signatures" },
  APP_ID: { optional: true, description: "ID of the publisher's HubSpot app" },
  DEVELOPER_API_KEY: { optional: true, description: "Developer API key of the developer account owning the publisher's app" },
  INTEGRATION_WEBHOOK_URL: {
    optional: true,
    description:
      "The integration-level webhook URL Botpress routes by identifier (https://webhook.botpress.cloud/integration/global/<integration name>): the app's webhook target and the custom channel's webhookUrl",
  },
} as const satisfies NonNullable<sdk.IntegrationDefinitionProps['secrets']>

export type SecretName = keyof typeof secrets

/**
 * Botpress runs this VRL script on every request to the integration-level URL to find the installation it is for
 * (the identifier set after Connect: the HubSpot portal id). Kept as small as possible; see the file for what each
 * HubSpot payload carries.
 */
export const identifier = { extractScript: 'extract.vrl' } as const satisfies NonNullable<sdk.IntegrationDefinitionProps['identifier']>
