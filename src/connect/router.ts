import { appUrlsOf } from '../app-urls'
import { secretsOf } from '../config'
import { credentialsOf } from '../credentials'
import { redact, registerSecret } from '../hubspot/redact'
import { NotConnectedError } from '../hubspot/token-manager'
import { webhookUrlOf } from '../webhook/public-url'
import { handleConnect } from './connect-endpoint'
import type { ConnectContext } from './context'
import { messagePage, type Reply } from './html'
import { handleOAuthCallback, handleOAuthStart } from './oauth-flow'
import { handleSetupGet, handleSetupPost } from './setup-page'
import type * as bp from '.botpress'

type Route = Partial<Record<'GET' | 'POST', (c: ConnectContext) => Promise<Reply>>>

/** The Connect pages served under the webhook URL; HubSpot's webhooks keep POST on the root. */
const ROUTES = new Map<string, Route>([
  ['/oauth/start', { GET: handleOAuthStart }],
  ['/oauth/callback', { GET: handleOAuthCallback }],
  // Botpress's global OAuth route (a publisher app's redirect URL, {BP_WEBHOOK_URL}/oauth) hands the
  // callback over as "/oauth", as Botpress's own integrations read it; "/oauth/callback" is also
  // served, in case it maps it to that (UNCONFIRMED, docs/hubspot.md "Publisher app").
  ['/oauth', { GET: handleOAuthCallback }],
  ['/setup', { GET: handleSetupGet, POST: handleSetupPost }],
  ['/connect', { GET: handleConnect }],
])

/**
 * The runtime gives the sub-path after the webhook id ("/setup"); tolerate a trailing slash. A Map,
 * not an object: a path such as "toString" must not find a prototype member.
 */
const routeOf = (path: string): Route | undefined => ROUTES.get((path || '/').replace(/\/+$/, '') || '/')

/** Answers a Connect page request, or undefined when the request is not for one (a HubSpot webhook). */
export const routeConnectRequest = async (props: bp.HandlerProps): Promise<Reply | undefined> => {
  const { req } = props
  const route = routeOf(req.path)
  if (!route) return undefined
  const method = req.method.toUpperCase()
  const run = method === 'GET' || method === 'POST' ? route[method] : undefined
  if (!run) {
    const reply = messagePage(405, 'Method not allowed', `Use ${Object.keys(route).join(' or ')} here.`)
    return { ...reply, headers: { ...reply.headers, allow: Object.keys(route).join(', ') } }
  }
  // The installation's own URL: the Connect pages live under it in every mode (not the integration-level URL).
  const webhookUrl = await webhookUrlOf(props)
  if (!webhookUrl) {
    return messagePage(409, 'Not installed yet', 'Save the integration configuration in Botpress first, then open this page again.')
  }
  let config
  let urls
  try {
    config = credentialsOf(props.ctx)
    urls = appUrlsOf(props, webhookUrl)
  } catch (err) {
    // The message names the fields, never their values.
    return messagePage(409, 'Configuration incomplete', err instanceof Error ? err.message : 'The integration configuration is invalid.')
  }
  // Some pages call HubSpot without createHubspotClient (the code exchange): redaction must know the secrets first.
  for (const secret of secretsOf(config)) registerSecret(secret)
  const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]))
  const c: ConnectContext = {
    props,
    webhookUrl,
    urls,
    config,
    query: new URLSearchParams(req.query ?? ''),
    headers,
    now: Date.now(),
  }
  try {
    return await run(c)
  } catch (err) {
    const reason = redact(err instanceof Error ? err.message : String(err))
    if (err instanceof NotConnectedError) return messagePage(409, 'HubSpot is not connected', reason)
    props.logger.forBot().error(`The HubSpot Connect page ${req.path} failed: ${reason}`)
    return messagePage(502, 'Something failed', `${reason} Reload the page to try again.`)
  }
}
