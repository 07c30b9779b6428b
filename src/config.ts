import * as sdk from '@botpress/sdk'
import { ownAppConfigurationSchema as configurationSchema } from '../definitions/configuration'

export const DEFAULT_API_BASE_URL = 'https://api.hubapi.com'
export const DEFAULT_CHANNEL_NAME = 'Botpress'

export type HubspotConfig = {
  developerApiKey: string
  appId: string
  clientId: string
  clientSecret: string
  /** Configured refresh token; undefined when the Connect flow supplies it (stored in the `connection` state). */
  refreshToken?: string
  /** Configured inboxes, the default (`inboxId`) first, without duplicates; empty when chosen on the setup page instead. */
  inboxIds: string[]
  channelName: string
  channelDescription?: string
  channelLogoUrl?: string
  createMissingContacts: boolean
  apiBaseUrl: string
}

const fieldTitle = (key: string): string => {
  const shape = configurationSchema.shape as Record<string, sdk.z.ZodTypeAny | undefined>
  const title = shape[key]?.ui?.title
  return typeof title === 'string' ? `"${title}" (${key})` : key
}

/**
 * An optional field left blank in the Studio arrives as "" (or null); that means "not set", not
 * "invalid": without this, a cleared "Channel logo URL" or "API base URL" fails `.url()`.
 */
const withoutBlankOptionals = (raw: unknown): unknown => {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw
  const shape = configurationSchema.shape as Record<string, sdk.z.ZodTypeAny | undefined>
  const out: Record<string, unknown> = { ...(raw as Record<string, unknown>) }
  for (const [key, value] of Object.entries(out)) {
    const blank = value === null || (typeof value === 'string' && value.trim() === '')
    if (blank && shape[key]?.isOptional()) delete out[key]
  }
  return out
}

/**
 * The runtime hands `ctx.configuration` over as raw JSON (no defaults applied, no validation on
 * every path), so every entry point parses it here. Messages name the field, never its value:
 * several fields are secrets.
 */
export const parseConfiguration = (raw: unknown): HubspotConfig => {
  const parsed = configurationSchema.safeParse(withoutBlankOptionals(raw ?? {}))
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? 'configuration')
      const reason = issue.code === 'invalid_type' && issue.received === 'undefined' ? 'is required' : issue.message
      return `${fieldTitle(key)} ${reason}`
    })
    throw new sdk.RuntimeError(`Invalid HubSpot HITL configuration: ${problems.join('; ')}.`)
  }
  const c = parsed.data
  const inboxIds = [...new Set([...(c.inboxId ? [c.inboxId] : []), ...(c.additionalInboxIds ?? [])])]
  return {
    developerApiKey: c.developerApiKey,
    appId: c.appId,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    refreshToken: c.refreshToken || undefined,
    inboxIds,
    channelName: c.channelName ?? DEFAULT_CHANNEL_NAME,
    channelDescription: c.channelDescription || undefined,
    channelLogoUrl: c.channelLogoUrl || undefined,
    createMissingContacts: c.createMissingContacts ?? true,
    apiBaseUrl: checkedBaseUrl(c.apiBaseUrl || process.env.HUBSPOT_API_BASE_URL || DEFAULT_API_BASE_URL),
  }
}

/**
 * The client secret, refresh token and developer key are sent to this URL, so plain http is only
 * accepted for this machine (emulators, tests); anything else must be https.
 */
const checkedBaseUrl = (raw: string): string => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new sdk.RuntimeError(`Invalid HubSpot HITL configuration: ${fieldTitle('apiBaseUrl')} is not a URL.`)
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new sdk.RuntimeError(`Invalid HubSpot HITL configuration: ${fieldTitle('apiBaseUrl')} must use https (plain http only for 127.0.0.1).`)
  }
  return raw.replace(/\/+$/, '')
}

/** Every secret of a configuration, for redaction. */
export const secretsOf = (config: HubspotConfig): string[] =>
  [config.developerApiKey, config.clientSecret, config.refreshToken].filter((s): s is string => !!s)
