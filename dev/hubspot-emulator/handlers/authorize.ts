import { INSTALLER } from '../grants'
import { errorPage, esc, formFields, htmlPage, redirect } from '../html'
import type { Reply, RequestContext, Route } from '../http/context'
import { HUB_DOMAIN } from './oauth'

/**
 * HubSpot's install screen (app.hubspot.com/oauth/authorize): which app, which account, which
 * scopes, and "Grant access". Problems with the app itself (client id, redirect URL, scopes) are
 * shown here and never sent to the redirect URL, as an OAuth server must not redirect to an
 * unverified URI; only the admin's refusal goes back as error=access_denied.
 */

export const AUTHORIZE_PATH = '/oauth/authorize'

const DEFAULT_APP_NAME = 'Botpress HITL'

const isHttpUrl = (s: string): boolean => {
  try {
    const u = new URL(s)
    return u.protocol === 'https:' || u.protocol === 'http:'
  } catch {
    return false
  }
}

const scopeList = (s: string | null): string[] => [...new Set((s ?? '').split(/[\s+]+/).filter(Boolean))]

/** Why this authorization request cannot be shown, or undefined. */
const problemWith = (ctx: RequestContext, clientId: string | null, redirectUri: string | null, scopes: string[]): string | undefined => {
  const { opts } = ctx.core
  if (!clientId) return 'The install URL has no client_id.'
  if (clientId !== opts.clientId) return `No app has the client id "${clientId}". Check the app's Auth tab for its client id.`
  if (!redirectUri || !isHttpUrl(redirectUri)) return 'The install URL has no valid redirect_uri.'
  const allowed = ctx.core.redirectUrls()
  if (allowed && !allowed.includes(redirectUri)) {
    return `The redirect URL ${redirectUri} is not one of this app's redirect URLs (${allowed.join(', ') || 'none'}).`
  }
  if (!scopes.length) return 'The install URL requests no scope.'
  if (opts.appScopes) {
    const missing = opts.appScopes.filter((s) => !scopes.includes(s))
    const extra = scopes.filter((s) => !opts.appScopes?.includes(s))
    if (missing.length || extra.length) {
      return `The scopes in the install URL do not match the app's scopes (missing: ${missing.join(', ') || 'none'}; not in the app: ${extra.join(', ') || 'none'}).`
    }
  }
  return undefined
}

const consentPage = (ctx: RequestContext): Reply => {
  const q = ctx.query
  const clientId = q.get('client_id')
  const redirectUri = q.get('redirect_uri')
  const scopes = scopeList(q.get('scope'))
  const problem = problemWith(ctx, clientId, redirectUri, scopes)
  if (problem || !clientId || !redirectUri) return errorPage(400, 'Authorization failed', problem ?? 'Invalid install URL.')
  const state = q.get('state') ?? undefined
  const consent = ctx.core.grants.openConsent({ clientId, redirectUri, scopes, ...(state !== undefined ? { state } : {}) })
  const appName = ctx.core.opts.appName ?? DEFAULT_APP_NAME
  const body = `
<p><strong>${esc(appName)}</strong> wants to connect to your HubSpot account
<strong>${esc(HUB_DOMAIN)}</strong> (account id <code>${esc(ctx.core.portalId)}</code>).</p>
<p>Signed in as ${esc(INSTALLER.name)} (${esc(INSTALLER.email)}), Super Admin.</p>
<p>It will be able to:</p>
<ul>${scopes.map((s) => `<li><code>${esc(s)}</code></li>`).join('')}</ul>
<p>After you choose, you go back to <code>${esc(new URL(redirectUri).origin)}</code>.</p>
<form method="post" action="${AUTHORIZE_PATH}">
<input type="hidden" name="consent" value="${esc(consent.id)}">
<button type="submit" name="decision" value="grant">Grant access</button>
<button type="submit" name="decision" value="deny" class="secondary">Cancel</button>
</form>`
  return htmlPage(200, `Connect ${appName} to HubSpot`, body)
}

const decide = (ctx: RequestContext): Reply => {
  const form = formFields(ctx)
  const consent = ctx.core.grants.takeConsent(form.get('consent') ?? '')
  if (!consent)
    return errorPage(400, 'Authorization failed', 'This authorization request is unknown or was already answered. Start the install again.')
  const target = new URL(consent.redirectUri)
  const decision = form.get('decision')
  if (decision === 'grant') {
    target.searchParams.set('code', ctx.core.grants.issueCode(consent).code)
  } else if (decision === 'deny') {
    target.searchParams.set('error', 'access_denied')
    target.searchParams.set('error_description', 'The user declined to install the app.')
  } else {
    return errorPage(400, 'Authorization failed', 'Choose "Grant access" or "Cancel".')
  }
  if (consent.state !== undefined) target.searchParams.set('state', consent.state)
  return redirect(target.toString())
}

export const authorizeRoutes: Route[] = [
  { method: 'GET', pattern: AUTHORIZE_PATH, auth: 'none', handle: consentPage },
  { method: 'POST', pattern: AUTHORIZE_PATH, auth: 'none', handle: decide },
]
