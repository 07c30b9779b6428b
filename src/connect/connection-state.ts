import type { ConnectionState } from '../../definitions/states'
import { isNotFound } from '../botpress-errors'
import { observeHubId } from '../installation-identity'
import type * as bp from '.botpress'

type Props = { ctx: bp.Context; client: bp.Client }

/** Keys the in-process copy of the stored refresh token: one per installation. */
export const connectionScope = (ctx: bp.Context): string => `${ctx.botId}:${ctx.integrationId}`

/** The OAuth connection made by the Connect flow (refresh token, account, spent OAuth states, sessions). */
export const loadConnection = async ({ ctx, client }: Props): Promise<ConnectionState> => {
  try {
    const { state } = await client.getState({ type: 'integration', name: 'connection', id: ctx.integrationId })
    observeHubId(ctx, state.payload?.hubId)
    return state.payload ?? {}
  } catch (err) {
    if (!isNotFound(err)) throw err
    observeHubId(ctx, undefined)
    return {}
  }
}

export const saveConnection = async ({ ctx, client }: Props, payload: ConnectionState): Promise<void> => {
  await client.setState({ type: 'integration', name: 'connection', id: ctx.integrationId, payload })
  observeHubId(ctx, payload.hubId)
}

/**
 * Writes only the given top-level fields over `current` (Botpress merges them into the stored
 * payload). For writes anyone can trigger (a callback spending a state of its own): a whole-payload
 * write from a stale read would erase a refresh token or session that another callback stored in
 * between. Nothing stored when read: created with these fields in one call, unless another callback
 * stored something since (then merged into it, one call more).
 */
export const patchConnection = async ({ ctx, client }: Props, current: ConnectionState, fields: Partial<ConnectionState>): Promise<void> => {
  // Only a patch that names the account changes it (a patch never removes a field).
  if ('hubId' in fields) observeHubId(ctx, fields.hubId)
  const key = { type: 'integration', name: 'connection', id: ctx.integrationId } as const
  if (Object.keys(current).length === 0) {
    const { meta } = await client.getOrSetState({ ...key, payload: fields })
    if (!meta.cached) return
  }
  try {
    await client.patchState({ ...key, payload: fields })
  } catch (err) {
    if (!isNotFound(err)) throw err
    await client.setState({ ...key, payload: fields })
  }
}

/** Drops expired entries (and keeps at most `max`, newest expiry first) so the state stays small. */
export const pruneExpiring = (entries: Record<string, number> | undefined, now: number, max: number): Record<string, number> =>
  Object.fromEntries(
    Object.entries(entries ?? {})
      .filter(([, until]) => until > now)
      .sort(([, a], [, b]) => b - a)
      .slice(0, max)
  )
