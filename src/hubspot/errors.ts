import * as sdk from '@botpress/sdk'
import { redact } from './redact'

const { z } = sdk

/** HubSpot's error body; every field optional, as HubSpot's docs advise. */
export const hubspotErrorBodySchema = z
  .object({
    status: z.string().optional(),
    message: z.string().optional(),
    category: z.string().optional(),
    subCategory: z.string().optional(),
    correlationId: z.string().optional(),
    policyName: z.string().optional(),
    errorType: z.string().optional(),
  })
  .passthrough()

export type HubspotErrorDetails = {
  operation: string
  status?: number
  category?: string
  subCategory?: string
  correlationId?: string
  hubspotMessage?: string
  networkCode?: string
  /** Which credential the call used, so a 401 hint names the right one. */
  auth?: 'oauth' | 'developer' | 'none'
  /** Whose HubSpot app it is: a hint must not send the bot builder to fields only the publisher has. */
  appOwner?: AppOwner
}

/**
 * `builder`: the bot builder's own app, its keys in the configuration. `publisher`: the integration publisher's app,
 * its keys deployed as the integration's secrets; the bot builder has only Connect.
 */
export type AppOwner = 'builder' | 'publisher'

const unauthorizedHint = (d: HubspotErrorDetails): string => {
  if (d.appOwner === 'publisher') {
    return d.auth === 'developer'
      ? "The HubSpot app's developer API key or app ID was refused: ask the integration's publisher to check the secrets DEVELOPER_API_KEY and APP_ID it deployed with."
      : "HubSpot refused this bot's connection: open Connect again (the integration's webhook URL followed by /oauth/start); if it keeps failing, ask the integration's publisher to check the app's secrets."
  }
  return d.auth === 'developer'
    ? 'Check the developer API key and the app ID.'
    : 'Check the client ID, client secret and refresh token, or reinstall the HubSpot app.'
}

const hintFor = (d: HubspotErrorDetails): string => {
  if (d.networkCode) return 'HubSpot could not be reached; try again later.'
  switch (d.status) {
    case 401:
      return unauthorizedHint(d)
    case 403:
      return d.appOwner === 'publisher'
        ? 'The HubSpot app lacks a required scope or plan feature: open Connect again so HubSpot asks for the scopes the app needs (custom channels need Sales Hub or Service Hub Professional or higher).'
        : 'The HubSpot app lacks a required scope or plan feature: reinstall it with the scopes listed in the integration README.'
    case 404:
      return 'Check that the id exists in this HubSpot account.'
    case 429:
      return 'HubSpot rate limit reached; try again later.'
    default:
      return d.status !== undefined && d.status >= 500 ? 'HubSpot is unavailable; try again later.' : ''
  }
}

/**
 * A failed HubSpot call. It is a RuntimeError so the bot builder sees the message; it carries
 * HubSpot's status, category and correlationId (what HubSpot support asks for), never a token.
 */
export class HubspotApiError extends sdk.RuntimeError {
  public readonly details: HubspotErrorDetails
  public constructor(details: HubspotErrorDetails) {
    const parts = [details.status !== undefined ? String(details.status) : details.networkCode, details.category, details.subCategory].filter(Boolean)
    const what = details.hubspotMessage ? `: ${details.hubspotMessage}` : ''
    const corr = details.correlationId ? ` (correlationId ${details.correlationId})` : ''
    const hint = hintFor(details)
    super(redact(`HubSpot could not ${details.operation} [${parts.join(' ')}]${what}${corr}.${hint ? ` ${hint}` : ''}`))
    this.details = { ...details, hubspotMessage: details.hubspotMessage && redact(details.hubspotMessage) }
  }
  public get status(): number | undefined {
    return this.details.status
  }
}

export const isHubspotStatus = (err: unknown, status: number): err is HubspotApiError => err instanceof HubspotApiError && err.status === status

/**
 * True for a HubSpot failure that asking again will not fix: a 4xx other than 408 and 429, or an
 * answer HubSpot gave in a shape that cannot be read. Network errors, 408, 429 and 5xx are
 * transient: HubspotHttp has retried them within its budget, and a later attempt may succeed.
 */
export const isPermanentHubspotFailure = (err: unknown): err is HubspotApiError =>
  err instanceof HubspotApiError && err.status !== undefined && err.status < 500 && err.status !== 408 && err.status !== 429
