import { connectRedirectUrlOf, oauthCallbackUrlOf } from './connect/urls'
import { credentialsOf } from './credentials'
import type * as bp from '.botpress'

/**
 * The URLs HubSpot calls, and sends browsers to, for one installation. Two shapes:
 *
 * - own app (one HubSpot app per bot): everything lives under the installation's webhook URL, as
 *   before: the channel's `webhookUrl`, the app webhook target, `{webhookUrl}/oauth/callback`,
 *   `{webhookUrl}/connect`;
 * - publisher app (one HubSpot app for many bots): the custom channel belongs to the app and every
 *   installation shares it, so its `webhookUrl` is the integration-level URL Botpress routes by
 *   identifier (the HubSpot portal id), the same URL the app's webhooks target; the OAuth redirect
 *   is Botpress's global `{BP_WEBHOOK_URL}/oauth`, which Botpress routes by `state` (the webhook id).
 *   There is no connection redirect URL: see `connectRedirectUrl`.
 */
export type AppUrls = {
  /** True when the custom channel is the app's, shared by every installation (never deleted by one of them). */
  sharedChannel: boolean
  /** The custom channel's `webhookUrl`: where HubSpot posts agent messages and channel-account events. */
  channelWebhookUrl: string
  /** What HubSpot signs custom-channel events and app webhooks over (before the request's sub-path). */
  signedBaseUrl: string
  /** The OAuth `redirect_uri`, in the authorize URL and the code exchange alike. */
  oauthRedirectUrl: string
  /**
   * How HubSpot's redirect finds this installation. `webhook`: the redirect URL is under its webhook
   * URL, and `state` is free for the self-verifying token. `global`: Botpress's `/oauth` route finds
   * the installation by `state`, which must then be the webhook id (as every Botpress integration
   * sends it; whether Botpress would accept more in it is UNCONFIRMED), so the token rides in the
   * browser's flow cookie only (src/connect/oauth-flow.ts).
   */
  oauthRoute: 'webhook' | 'global'
  /**
   * The channel's `channelAccountConnectionRedirectUrl` (HubSpot's "Connect a channel"). Unset for a
   * shared channel: HubSpot opens that one URL for every account, with only its staging-token query
   * (no `state`, and a `portalId` that is UNCONFIRMED), so neither Botpress route can tell which
   * installation should complete it; pointing it at one bot would let that bot's token meet
   * another account's staging token. Admins connect inboxes through Connect's setup page instead.
   * See docs/hubspot.md, "Publisher app".
   */
  connectRedirectUrl?: string
}

const trimmed = (url: string): string => url.replace(/\/+$/, '')

/**
 * Botpress's webhook host (`https://webhook.botpress.cloud`): the runtime's `BP_WEBHOOK_URL`, which
 * Botpress's own integrations build their global OAuth redirect from; without it (a runtime that does
 * not set it, UNCONFIRMED), the origin of the installation's webhook URL, which lives on that host.
 */
export const botpressWebhookBaseOf = (webhookUrl: string): string => {
  const fromEnv = process.env.BP_WEBHOOK_URL?.trim()
  if (fromEnv) return trimmed(fromEnv)
  return new URL(webhookUrl).origin
}

/** Botpress's global OAuth route: it hands `?code&state` to the installation whose webhook id is `state`. */
export const globalOAuthUrlOf = (webhookUrl: string): string => `${botpressWebhookBaseOf(webhookUrl)}/oauth`

/** The URLs of an installation, given its webhook URL and, for a publisher app, the integration-level URL. */
export const appUrlsFor = (webhookUrl: string, publisher: { integrationWebhookUrl: string } | undefined): AppUrls => {
  if (publisher) {
    // Checked where the secret is read (src/credentials.ts): a plain https URL without query.
    const shared = trimmed(publisher.integrationWebhookUrl)
    return {
      sharedChannel: true,
      channelWebhookUrl: shared,
      signedBaseUrl: shared,
      oauthRedirectUrl: globalOAuthUrlOf(webhookUrl),
      oauthRoute: 'global',
    }
  }
  return {
    sharedChannel: false,
    // Exactly as register saw it (HubSpot signs what it calls; older channels were created with it).
    channelWebhookUrl: webhookUrl,
    signedBaseUrl: trimmed(webhookUrl),
    oauthRedirectUrl: oauthCallbackUrlOf(webhookUrl),
    oauthRoute: 'webhook',
    connectRedirectUrl: connectRedirectUrlOf(webhookUrl),
  }
}

/**
 * The publisher app's integration-level webhook URL when this installation runs on it, else undefined (own app).
 * Throws credentialsOf's RuntimeError (naming the missing secret or field) when the configuration is incomplete.
 */
export const publisherTargetOf = (props: { ctx: bp.Context }): { integrationWebhookUrl: string } | undefined => {
  const credentials = credentialsOf(props.ctx)
  return credentials.integrationWebhookUrl === undefined ? undefined : { integrationWebhookUrl: credentials.integrationWebhookUrl }
}

export const appUrlsOf = (props: { ctx: bp.Context }, webhookUrl: string): AppUrls => appUrlsFor(webhookUrl, publisherTargetOf(props))
