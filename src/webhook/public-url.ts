import { cacheOf } from '../cache'
import { loadSetupState } from '../setup/setup-state'
import type * as bp from '.botpress'

/** The webhook URL register saw never changes for an installation, so it is kept in memory once read. */
const webhookUrls = cacheOf<string>('webhookUrls')

const keyOf = (ctx: bp.Context): string => `${ctx.botId}:${ctx.webhookId}`

/**
 * HubSpot signs the URL it called. That is the public webhook URL (stored at register), plus any
 * sub-path and query string of this request, never the internal URL the runtime saw.
 */
export const publicUrlOf = async (
  props: { ctx: bp.Context; client: bp.Client },
  req: { path: string; query: string }
): Promise<string | undefined> => {
  const key = keyOf(props.ctx)
  let base = webhookUrls.get(key)
  if (!base) {
    base = (await loadSetupState(props))?.webhookUrl || undefined
    if (!base) return undefined
    webhookUrls.set(key, base)
  }
  const path = req.path && req.path !== '/' ? req.path : ''
  const query = req.query ? `?${req.query.replace(/^\?/, '')}` : ''
  return `${base.replace(/\/+$/, '')}${path}${query}`
}
