import { appUrlsOf } from '../app-urls'
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
 * HubSpot signs the URL it called. That is the public URL it was given (own app: the webhook URL
 * stored at register; publisher app: the integration-level URL, src/app-urls.ts), plus any sub-path
 * and query string of this request, never the internal URL the runtime saw.
 */
export const publicUrlOf = async (props: { ctx: bp.Context; client: bp.Client }, req: { path: string; query: string }): Promise<string | undefined> =>
  (await publicUrlCandidates(props, req))?.[0]

/**
 * Every URL HubSpot may have called for this request, the first being the canonical one; undefined
 * before register (nothing is ours to verify yet).
 */
export const publicUrlCandidates = async (
  props: { ctx: bp.Context; client: bp.Client },
  req: { path: string; query: string }
): Promise<string[] | undefined> => {
  const webhookUrl = await webhookUrlOf(props)
  if (!webhookUrl) return undefined
  let urls
  try {
    urls = appUrlsOf(props, webhookUrl)
  } catch {
    // A malformed publisher secret (register names it): nothing can be verified, so nothing is acted on (401).
    return []
  }
  return urls.sharedChannel ? integrationUrlCandidates(urls.signedBaseUrl, req) : candidatesUnder(urls.signedBaseUrl, req)
}

/**
 * The runtime hands over only the part after the webhook id: the SDK server passes `req.path` and
 * `req.query` verbatim from the runtime (checked on @botpress/sdk 5.4.3), and a URL's path gives
 * "" or "/" for `{webhookUrl}` and "/" for `{webhookUrl}/` (query "a=b" without "?" either way).
 * Whether the runtime sends "" or "/" for the bare URL is UNCONFIRMED, so a root request cannot
 * tell the two targets apart: both are tried. An admin may type either as the app's webhook
 * target, and HubSpot signs exactly what it called. Nothing looser: other paths keep one form.
 */
export const candidatesUnder = (base: string, req: { path: string; query: string }): string[] => {
  const root = base.replace(/\/+$/, '')
  const query = req.query ? `?${req.query.replace(/^\?/, '')}` : ''
  if (!req.path || req.path === '/') return [`${root}${query}`, `${root}/${query}`]
  return [`${root}${req.path}${query}`]
}

/**
 * A request HubSpot sent to the integration-level URL (`…/integration/global/<name>`), which
 * Botpress delivered to this installation by identifier. Which path the integration then sees is
 * UNCONFIRMED (docs/hubspot.md, "Publisher app"): the part after the integration-level URL, as for a
 * webhook id ("" or "/" for the root), or the whole path HubSpot called, as Botpress's global
 * `/oauth` route hands over `/oauth…`. Both readings map to the same URL HubSpot called; a path
 * that is neither (`/other`) is a sub-path of the integration-level URL. Each candidate is then
 * verified in full, so accepting both readings lets no other URL's signature through.
 */
export const integrationUrlCandidates = (integrationUrl: string, req: { path: string; query: string }): string[] => {
  const root = integrationUrl.replace(/\/+$/, '')
  const ownPath = new URL(root).pathname.replace(/\/+$/, '')
  const path = ownPath && (req.path === ownPath || req.path.startsWith(`${ownPath}/`)) ? req.path.slice(ownPath.length) : req.path
  return candidatesUnder(root, { path, query: req.query })
}
