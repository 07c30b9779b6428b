import { cachedIdentity } from '../installation-identity'
import { loadSetupState } from '../setup/setup-state'
import type * as bp from '.botpress'

/**
 * The public webhook URL of this installation, or undefined before register. The URL register saw
 * never changes for an installation, so it is read once per process (the installation identity).
 */
export const webhookUrlOf = async (props: { ctx: bp.Context; client: bp.Client }): Promise<string | undefined> =>
  cachedIdentity(props.ctx)?.webhookUrl ?? ((await loadSetupState(props))?.webhookUrl || undefined)

/**
 * HubSpot signs the URL it called. That is the public webhook URL (stored at register), plus any
 * sub-path and query string of this request, never the internal URL the runtime saw.
 */
export const publicUrlOf = async (props: { ctx: bp.Context; client: bp.Client }, req: { path: string; query: string }): Promise<string | undefined> =>
  (await publicUrlCandidates(props, req))?.[0]

/**
 * Every URL HubSpot may have called for this request, the first being the canonical one. The
 * runtime hands over only the part after the webhook id: the SDK server passes `req.path` and
 * `req.query` verbatim from the runtime (checked on @botpress/sdk 5.4.3), and a URL's path gives
 * "" or "/" for `{webhookUrl}` and "/" for `{webhookUrl}/` (query "a=b" without "?" either way).
 * Whether the runtime sends "" or "/" for the bare URL is UNCONFIRMED, so a root request cannot
 * tell the two targets apart: both are tried. An admin may type either as the app's webhook
 * target, and HubSpot signs exactly what it called. Nothing looser: other paths keep one form.
 */
export const publicUrlCandidates = async (
  props: { ctx: bp.Context; client: bp.Client },
  req: { path: string; query: string }
): Promise<string[] | undefined> => {
  const base = await webhookUrlOf(props)
  if (!base) return undefined
  const root = base.replace(/\/+$/, '')
  const query = req.query ? `?${req.query.replace(/^\?/, '')}` : ''
  if (!req.path || req.path === '/') return [`${root}${query}`, `${root}/${query}`]
  return [`${root}${req.path}${query}`]
}
