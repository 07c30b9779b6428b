import { loadConnection } from '../connect/connection-state'
import { tryCredentialsOf } from '../credentials'
import { isNotFound } from '../botpress-errors'
import { credentialsFingerprint } from '../hubspot/token-manager'
import { cachedIdentity, identityEntry, observeTokenHubId, tokenAccountOf, type InstallationIdentity } from '../installation-identity'
import { loadSetupState } from '../setup/setup-state'
import type * as bp from '.botpress'

/**
 * Binding events to this installation. HubSpot signs every event of the app with the app's one
 * client secret, whichever HubSpot account (portal) it comes from, and a custom channel belongs to
 * the app: a validly signed event may still name another portal, another app or another channel.
 * Such an event must not act on our conversation just because a thread id matches.
 */

/** What an event says about where it comes from; a field HubSpot left out is undefined. */
export type EventClaims = { channelIds?: (string | undefined)[]; portalId?: string; appId?: string }

/** What the installation is: its channel (setup state), its HubSpot account once Connect bound one, its app (configuration). */
export type OurIdentity = { channelId?: string; hubId?: string | null; appId?: string }

export type Mismatch = { field: 'channel' | 'portal' | 'app'; value: string; ours: string }

/**
 * The one rule, for every kind of event: a claim that differs from what we know is a mismatch. A
 * field that is absent, on either side, is not: HubSpot's event shapes are partly UNCONFIRMED
 * (which events carry portalId, appId, a top-level or nested channelId), and a configured refresh
 * token records no account.
 */
export const mismatchOf = (ours: OurIdentity, claims: EventClaims): Mismatch | undefined => {
  const channel = ours.channelId ? claims.channelIds?.find((c) => c && c !== ours.channelId) : undefined
  if (channel && ours.channelId) return { field: 'channel', value: channel, ours: ours.channelId }
  if (ours.hubId && claims.portalId && claims.portalId !== ours.hubId) return { field: 'portal', value: claims.portalId, ours: ours.hubId }
  if (ours.appId && claims.appId && claims.appId !== ours.appId) return { field: 'app', value: claims.appId, ours: ours.appId }
  return undefined
}

/** Ids only (no secret, nothing the sender wrote beyond an id). */
export const describeMismatch = (m: Mismatch): string =>
  m.field === 'channel'
    ? `custom channel ${m.value}, while this installation's is ${m.ours}`
    : m.field === 'portal'
      ? `HubSpot account ${m.value}, while this bot is connected to ${m.ours}`
      : `HubSpot app ${m.value}, while the configured app is ${m.ours}`

/** A mismatch of channel or account re-reads the state at most this often per installation. */
export const BINDING_RECHECK_MS = 60_000

type Props = { ctx: bp.Context; client: bp.Client }

type BindingConfig = { appId?: string; configuredToken: boolean; tokenFingerprint?: string }

/** Only what binding needs from the credentials; incomplete ones bind nothing (the signature check already passed). */
const bindingConfigOf = (ctx: bp.Context): BindingConfig => {
  const credentials = tryCredentialsOf(ctx)
  const refreshToken = credentials?.refreshToken
  return {
    appId: credentials?.appId || undefined,
    configuredToken: !!refreshToken,
    ...(credentials && refreshToken ? { tokenFingerprint: credentialsFingerprint(credentials.clientId, refreshToken) } : {}),
  }
}

/**
 * A configured refresh token wins over the Connect flow's (hubspot/index.ts): a hubId left in the connection state
 * by an earlier Connect may then be another account's, so the account is the token's own (`hub_id` of the token
 * response, kept with the cached token in the `oauth` state). When HubSpot's token response omitted it (the specs
 * make it optional, docs/hubspot.md) nothing is compared, as before.
 */
const oursOf = (identity: InstallationIdentity | undefined, config: BindingConfig): OurIdentity => ({
  channelId: identity?.channelId,
  hubId: config.configuredToken ? identity?.tokenHubId : identity?.hubId,
  appId: config.appId,
})

/**
 * The account of the cached access token, on a cold process with a configured refresh token (one Botpress read).
 * Only a token issued for the configured credentials counts (tokenAccountOf): one cached for an earlier refresh token
 * or the Connect flow's names another grant's account, and binds nothing until the next refresh records this one's.
 */
const loadTokenHubId = async ({ ctx, client }: Props, fingerprint: string | undefined): Promise<void> => {
  try {
    const { state } = await client.getState({ type: 'integration', name: 'oauth', id: ctx.integrationId })
    observeTokenHubId(ctx, tokenAccountOf(state.payload, fingerprint))
  } catch (err) {
    if (!isNotFound(err)) throw err
    observeTokenHubId(ctx, undefined)
  }
}

/**
 * Splits items (one custom-channel event, or a batch's events) into ours and not ours.
 *
 * Cost: the warm path reads nothing (the identity is in memory). A cold process reads the setup
 * state (already read to verify the signature) and, when an event names a portal, the connection
 * state once. The channel may have been re-created by register on another instance, or another
 * account bound by Connect there, so a mismatch re-reads what mismatched, but at most once per
 * minute per state (setup, connection) and installation (concurrent events wait for that one read): a flood of foreign events
 * cannot make us read per request. The app id comes from the configuration, always current.
 */
export const partitionByInstallation = async <T>(
  props: Props,
  items: T[],
  claimsOf: (item: T) => EventClaims,
  now = Date.now()
): Promise<{ ours: T[]; foreign: { item: T; mismatch: Mismatch }[] }> => {
  const config = bindingConfigOf(props.ctx)
  const claims = items.map(claimsOf)
  if (!cachedIdentity(props.ctx)?.webhookUrl) await loadSetupState(props)
  const namesPortal = claims.some((c) => c.portalId)
  if (!config.configuredToken && cachedIdentity(props.ctx)?.hubId === undefined && namesPortal) await loadConnection(props)
  if (config.configuredToken && cachedIdentity(props.ctx)?.tokenHubId === undefined && namesPortal)
    await loadTokenHubId(props, config.tokenFingerprint)

  let verdicts = claims.map((c) => mismatchOf(oursOf(cachedIdentity(props.ctx), config), c))
  const channelOff = verdicts.some((v) => v?.field === 'channel')
  const portalOff = verdicts.some((v) => v?.field === 'portal')
  if ((channelOff || portalOff) && (await recheck(props, config, { setup: channelOff, connection: portalOff }, now))) {
    verdicts = claims.map((c) => mismatchOf(oursOf(cachedIdentity(props.ctx), config), c))
  }
  const ours: T[] = []
  const foreign: { item: T; mismatch: Mismatch }[] = []
  items.forEach((item, i) => {
    const mismatch = verdicts[i]
    if (mismatch) foreign.push({ item, mismatch })
    else ours.push(item)
  })
  return { ours, foreign }
}

/**
 * Re-reads each mismatching state unless that was done within the minute; true when the identity may have changed.
 * The account is the connection's, or with a configured refresh token the cached token's (`oauth` state), which
 * another instance's refresh may have rewritten.
 */
const recheck = async (props: Props, config: BindingConfig, what: { setup: boolean; connection: boolean }, now: number): Promise<boolean> => {
  const entry = identityEntry(props.ctx)
  const account = () => (config.configuredToken ? loadTokenHubId(props, config.tokenFingerprint) : loadConnection(props))
  const reads = await Promise.all([
    what.setup ? recheckOne(entry, 'setup', () => loadSetupState(props), now) : false,
    what.connection ? recheckOne(entry, 'connection', account, now) : false,
  ])
  return reads.some(Boolean)
}

const recheckOne = async (entry: InstallationIdentity, name: 'setup' | 'connection', read: () => Promise<unknown>, now: number): Promise<boolean> => {
  const slot = (entry.rechecks[name] ??= { at: 0 })
  if (slot.running) {
    await slot.running
    return true
  }
  if (slot.at !== 0 && now - slot.at < BINDING_RECHECK_MS) return false
  slot.at = now
  slot.running = read()
    .then(() => undefined)
    .catch((err: unknown) => {
      // A failed read learned nothing: the redelivery (this delivery answers 500) may read again.
      slot.at = 0
      throw err
    })
    .finally(() => {
      slot.running = undefined
    })
  await slot.running
  return true
}
