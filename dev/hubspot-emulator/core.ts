import type { EmulatorOptions } from './api'
import type { Grants } from './grants'
import type { Store } from './store'
import type { TokenRegistry } from './tokens'
import type { WebhookDispatcher } from './webhooks'

export const DEFAULT_PORTAL_ID = 12345678

/** What every handler can reach: options, state, tokens, webhooks and the clock. */
export type Core = {
  opts: EmulatorOptions
  portalId: number
  store: Store
  tokens: TokenRegistry
  /** Consents, auth codes, issued refresh tokens and channel-account staging tokens. */
  grants: Grants
  /** The app's redirect URLs; undefined accepts any http(s) redirect_uri. */
  redirectUrls: () => string[] | undefined
  webhooks: WebhookDispatcher
  now: () => number
  /** http://127.0.0.1:PORT, known once the server listens. */
  baseUrl: () => string
  appWebhookUrl: () => string | undefined
  /** While set (app.ts `mixedBatch`), app events are collected here instead of being sent. */
  heldAppEvents?: unknown[]
}

export const iso = (ms: number): string => new Date(ms).toISOString()
