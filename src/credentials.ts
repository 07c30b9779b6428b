import * as sdk from '@botpress/sdk'
import { configurationSchema as publisherConfigurationSchema, OWN_APP_CONFIGURATION, type SecretName } from '../definitions/configuration'
import { parseConfiguration, type HubspotConfig } from './config'
import { isLoopbackUrl } from './connect/urls'

/**
 * Which HubSpot app an installation uses, decided here and nowhere else (nothing else reads `ctx.configurationType`):
 * - `publisher`: the default configuration; the app is the publisher's, its credentials are the integration's
 *   secrets (env `SECRET_<NAME>`, the names `bp gen`'s `secrets` module reads), one app for every bot;
 * - `ownApp`: the bring-your-own-app configuration (`configurations.ownApp`), every key and behaviour as before.
 * An installation saved before the two existed has `configurationType` null and the own-app keys in its
 * configuration: it stays own-app.
 */
export type CredentialsMode = 'publisher' | 'ownApp'

export type Credentials = HubspotConfig & {
  mode: CredentialsMode
  /**
   * Publisher mode: the integration-level webhook URL Botpress routes by identifier (secret
   * `INTEGRATION_WEBHOOK_URL`), which HubSpot calls for the app's webhooks and the shared custom channel;
   * undefined in own-app mode (each installation's own webhook URL is used there).
   */
  integrationWebhookUrl?: string
}

type ConfigContext = { configurationType?: string | null; configuration: unknown }

/** The secrets publisher mode cannot work without, with the field each fills. */
const REQUIRED_SECRETS = [
  ['CLIENT_ID', 'clientId'],
  ['CLIENT_SECRET', 'clientSecret'],
  ['APP_ID', 'appId'],
  ['DEVELOPER_API_KEY', 'developerApiKey'],
  ['INTEGRATION_WEBHOOK_URL', 'integrationWebhookUrl'],
] as const satisfies readonly (readonly [SecretName, string])[]

/** The env variable `bp deploy --secrets NAME=value` fills for a secret. */
export const secretEnvName = (name: SecretName): string => `SECRET_${name}`

const readSecret = (name: SecretName): string | undefined => {
  const value = process.env[secretEnvName(name)]?.trim()
  return value ? value : undefined
}

/** Keys only the own-app configuration has: one of them set on a default-configuration install means it predates publisher mode. */
const OWN_APP_KEYS = ['clientId', 'clientSecret', 'developerApiKey', 'appId', 'refreshToken'] as const

const hasOwnAppKeys = (raw: unknown): boolean => {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return false
  const record = raw as Record<string, unknown>
  return OWN_APP_KEYS.some((key) => {
    const value = record[key]
    return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '')
  })
}

export const modeOf = (ctx: ConfigContext): CredentialsMode => {
  if (ctx.configurationType === OWN_APP_CONFIGURATION) return 'ownApp'
  return hasOwnAppKeys(ctx.configuration) ? 'ownApp' : 'publisher'
}

/**
 * HubSpot is given this URL (the shared channel's webhookUrl, the app's webhook target) and signs over it, so it must
 * be a plain https URL without query or credentials (http only on this machine, for the sandbox and tests). A typo in
 * the secret fails with its name, never its value.
 */
const checkedWebhookUrl = (raw: string): string => {
  let url: URL | undefined
  try {
    url = new URL(raw)
  } catch {
    url = undefined
  }
  const secure = url?.protocol === 'https:' || (url?.protocol === 'http:' && isLoopbackUrl(raw))
  if (!url || !secure || url.search || url.hash || url.username || url.password) {
    throw new sdk.RuntimeError(
      `The integration's secret ${secretEnvName('INTEGRATION_WEBHOOK_URL')} is not an https URL without query: the publisher must deploy it as the integration-level webhook URL (bp deploy --secrets INTEGRATION_WEBHOOK_URL=https://webhook.botpress.cloud/integration/global/<integration name>).`
    )
  }
  return raw.replace(/\/+$/, '')
}

const publisherCredentials = (raw: unknown): Credentials => {
  const missing = REQUIRED_SECRETS.filter(([name]) => readSecret(name) === undefined).map(([name]) => secretEnvName(name))
  if (missing.length > 0) {
    // Names only, never a value. The bot builder cannot fix this: the publisher deployed without them.
    throw new sdk.RuntimeError(
      `The HubSpot HITL integration was deployed without the secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that its default (publisher app) configuration needs. ` +
        'Ask the integration\'s publisher to deploy it with bp deploy --secrets NAME=value, or choose the configuration "Your own HubSpot app" and fill in your app\'s values.'
    )
  }
  const appId = readSecret('APP_ID') ?? ''
  if (!/^\d+$/.test(appId)) {
    throw new sdk.RuntimeError(`The integration's secret ${secretEnvName('APP_ID')} must be the numeric id of the publisher's HubSpot app.`)
  }
  // The channel fields are the own-app ones, so one parser (with its blank-field handling and field-named
  // messages) reads both; the placeholders stand for the app's values, replaced just below.
  const record = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {}
  const channelOnly = Object.fromEntries(Object.entries(record).filter(([key]) => key in publisherConfigurationSchema.shape))
  const base = parseConfiguration({ ...channelOnly, developerApiKey: 'x', appId: '0', clientId: 'x', clientSecret: 'x' })
  return {
    mode: 'publisher',
    developerApiKey: readSecret('DEVELOPER_API_KEY') ?? '',
    appId,
    clientId: readSecret('CLIENT_ID') ?? '',
    clientSecret: readSecret('CLIENT_SECRET') ?? '',
    // Publisher mode always connects through Connect, and chooses inboxes on the setup page.
    refreshToken: undefined,
    inboxIds: [],
    channelName: base.channelName,
    channelDescription: base.channelDescription,
    channelLogoUrl: base.channelLogoUrl,
    createMissingContacts: base.createMissingContacts,
    // No configuration field: an emulator or proxy is given by env HUBSPOT_API_BASE_URL (checked by parseConfiguration).
    apiBaseUrl: base.apiBaseUrl,
    integrationWebhookUrl: checkedWebhookUrl(readSecret('INTEGRATION_WEBHOOK_URL') ?? ''),
  }
}

/**
 * The credentials and options that apply to this installation. Throws a RuntimeError that names the field or
 * secret at fault (never a value) when they are incomplete.
 */
export const credentialsOf = (ctx: ConfigContext): Credentials =>
  modeOf(ctx) === 'ownApp' ? { ...parseConfiguration(ctx.configuration), mode: 'ownApp' } : publisherCredentials(ctx.configuration)

/** The same, or undefined when incomplete: for the webhook edge, where a broken configuration must verify nothing rather than fail with a 500. */
export const tryCredentialsOf = (ctx: ConfigContext): Credentials | undefined => {
  try {
    return credentialsOf(ctx)
  } catch {
    return undefined
  }
}
