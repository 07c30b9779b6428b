import { cacheOf } from './cache'

/**
 * What this process knows of an installation's identity: the public webhook URL HubSpot signs,
 * the custom channel, and the HubSpot account the Connect flow bound. Kept in memory (one entry
 * per bot + webhook id, in the cache table) so the warm path reads no state to verify and bind a
 * webhook. Every read or write of the setup or connection state in this process updates it
 * (setup/setup-state.ts, connect/connection-state.ts), so it is as fresh as this process's view;
 * other instances' changes arrive through those reads (the token manager re-reads the connection
 * every few minutes) or through a mismatch re-read (webhook/installation.ts).
 */
export type InstallationIdentity = {
  webhookUrl?: string
  channelId?: string
  /** undefined: the connection was not read in this process yet; null: read, no account recorded (configured refresh token). */
  hubId?: string | null
  /**
   * The account of the access token (`hub_id` of the token response, kept in the `oauth` state), which binds an
   * installation with a configured refresh token: undefined, not read in this process yet; null, read, none recorded.
   */
  tokenHubId?: string | null
  /**
   * Per state, when a mismatching event last made this process re-read it (ms epoch), and that
   * re-read while it runs, so concurrent events wait for it instead of reading again. Per state: a
   * re-read of the setup (a foreign channel) says nothing about the account, and must not use up
   * the minute of a re-read of the connection (our own account, bound again elsewhere).
   */
  rechecks: Partial<Record<'setup' | 'connection', { at: number; running?: Promise<void> }>>
}

type Scope = { botId: string; webhookId: string }

const installations = cacheOf<InstallationIdentity>('installations')

const keyOf = (ctx: Scope): string => `${ctx.botId}:${ctx.webhookId}`

export const cachedIdentity = (ctx: Scope): InstallationIdentity | undefined => installations.get(keyOf(ctx))

/** The entry, created empty when missing (so a re-read's bookkeeping has somewhere to live). */
export const identityEntry = (ctx: Scope): InstallationIdentity => {
  let entry = installations.get(keyOf(ctx))
  if (!entry) {
    entry = { rechecks: {} }
    installations.set(keyOf(ctx), entry)
  }
  return entry
}

/** The setup state as just read or written (register's webhook URL and channel). */
export const observeSetup = (ctx: Scope, setup: { webhookUrl?: string; channelId?: string } | undefined): void => {
  if (!setup?.webhookUrl) return
  const entry = identityEntry(ctx)
  entry.webhookUrl = setup.webhookUrl
  entry.channelId = setup.channelId || undefined
}

/** The connection state's account as just read or written (`null` when none is recorded). */
export const observeHubId = (ctx: Scope, hubId: string | undefined): void => {
  identityEntry(ctx).hubId = hubId || null
}

/** The `oauth` state's account as just read or written (`null` when none is recorded). */
export const observeTokenHubId = (ctx: Scope, hubId: string | undefined): void => {
  identityEntry(ctx).tokenHubId = hubId || null
}

/**
 * The account of a stored access token, if that token was issued for `fingerprint` (the configured credentials):
 * a token cached for other credentials (the Connect flow's, or a refresh token replaced in the configuration) names
 * another grant's account, which must not bind this one.
 */
export const tokenAccountOf = (token: { hubId?: string; fingerprint?: string } | undefined, fingerprint: string | undefined): string | undefined =>
  token && fingerprint !== undefined && token.fingerprint === fingerprint ? token.hubId : undefined
