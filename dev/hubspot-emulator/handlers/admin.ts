import type { Core } from '../core'
import { ApiError, apiError, errorBody, notFound } from '../errors'
import { errorPage, esc, formFields, htmlPage, redirect, wantsJson } from '../html'
import type { Reply, RequestContext, Route } from '../http/context'

/**
 * The admin's side of HubSpot in a browser: the Inbox / Help Desk settings page with each inbox's
 * channel accounts, and "Connect a channel", which sends the admin to the channel's
 * channelAccountConnectionRedirectUrl with a staging token. The query names HubSpot appends
 * (accountToken, channelId, redirectUrl) are the ones third-party bridges read: UNCONFIRMED
 * (docs/hubspot.md, "Channel accounts"), so the emulator sends only those three.
 */

export const SETTINGS_PATH = '/_emulator/settings'
export const CONNECT_CHANNEL_PATH = '/_emulator/connect-channel'

export const connectChannel = (core: Core, channelId: string, inboxId: string): { url: string; accountToken: string } => {
  const channel = core.store.state.channels.get(channelId)
  if (!channel) throw notFound(`Channel ${channelId} was not found.`)
  if (!core.store.state.inboxes.has(inboxId)) throw notFound(`Inbox ${inboxId} was not found.`)
  const target = channel.channelAccountConnectionRedirectUrl
  if (!target) {
    throw apiError(409, 'CONFLICT', `Channel ${channelId} has no channelAccountConnectionRedirectUrl: HubSpot has nowhere to send the admin.`)
  }
  const token = core.grants.openStagingToken(channel.id, inboxId)
  const back = new URL(`${core.baseUrl()}${SETTINGS_PATH}`)
  back.searchParams.set('staging', token.accountToken)
  const url = new URL(target)
  url.searchParams.set('accountToken', token.accountToken)
  url.searchParams.set('channelId', channel.id)
  url.searchParams.set('redirectUrl', back.toString())
  return { url: url.toString(), accountToken: token.accountToken }
}

/** JSON in, JSON out (for tests and the sandbox page); a form post is answered with the redirect. */
const connectAction = (ctx: RequestContext): Reply => {
  const json = wantsJson(ctx)
  let channelId: string | undefined
  let inboxId: string | undefined
  if (json) {
    try {
      const body = JSON.parse(ctx.body.toString('utf8')) as { channelId?: unknown; inboxId?: unknown }
      channelId = body.channelId === undefined ? undefined : String(body.channelId)
      inboxId = body.inboxId === undefined ? undefined : String(body.inboxId)
    } catch {
      return { status: 400, json: errorBody('VALIDATION_ERROR', 'The body is not valid JSON.') }
    }
  } else {
    const form = formFields(ctx)
    channelId = form.get('channelId') ?? undefined
    inboxId = form.get('inboxId') ?? undefined
  }
  if (!channelId || !inboxId) {
    const message = 'Both channelId and inboxId are required.'
    return json ? { status: 400, json: errorBody('VALIDATION_ERROR', message) } : errorPage(400, 'Connect a channel', message)
  }
  try {
    const connected = connectChannel(ctx.core, channelId, inboxId)
    return json ? { status: 200, json: connected } : redirect(connected.url)
  } catch (err) {
    if (!(err instanceof ApiError)) throw err
    return json ? { status: err.status, json: err.body } : errorPage(err.status, 'Connect a channel', err.message)
  }
}

const stagingBanner = (core: Core, tokenValue: string | null): string => {
  if (!tokenValue) return ''
  const token = core.grants.stagingTokens.get(tokenValue)
  if (!token) return `<p class="error">Unknown connection request.</p>`
  const inbox = core.store.state.inboxes.get(token.inboxId)
  const channel = core.store.state.channels.get(token.channelId)
  const where = `${esc(channel?.name ?? token.channelId)} → ${esc(inbox?.name ?? token.inboxId)}`
  return token.channelAccountId
    ? `<p class="ok" id="connection-result">Connected: ${where} (channel account ${esc(token.channelAccountId)}).</p>`
    : `<p class="error" id="connection-result">Not connected: ${where}. The app did not complete the connection.</p>`
}

const settingsPage = (ctx: RequestContext): Reply => {
  const { state } = ctx.core.store
  const connectable = [...state.channels.values()].filter((c) => c.channelAccountConnectionRedirectUrl)
  const rows = [...state.inboxes.values()].map((inbox) => {
    const accounts = [...state.channelAccounts.values()].filter((a) => a.inboxId === inbox.id && !a.archived)
    const list = accounts.length
      ? `<ul>${accounts
          .map(
            (a) =>
              `<li>${esc(state.channels.get(a.channelId)?.name ?? a.channelId)}: ${esc(a.name)} (${a.authorized ? 'connected' : 'disabled'})</li>`
          )
          .join('')}</ul>`
      : 'No channels connected.'
    const form = connectable.length
      ? `<form method="post" action="${CONNECT_CHANNEL_PATH}"><input type="hidden" name="inboxId" value="${esc(inbox.id)}">
<select name="channelId" aria-label="Channel for ${esc(inbox.name)}">${connectable.map((c) => `<option value="${esc(c.id)}">${esc(c.name)}</option>`).join('')}</select>
<button type="submit">Connect a channel</button></form>`
      : ''
    const type = inbox.type === 'HELP_DESK' ? 'Help Desk' : 'Inbox'
    return `<tr data-inbox-id="${esc(inbox.id)}"><td>${esc(inbox.name)}<br><small>${type} ${esc(inbox.id)}</small></td><td>${list}</td><td>${form}</td></tr>`
  })
  const body = `${stagingBanner(ctx.core, ctx.query.get('staging'))}
<table><thead><tr><th>Inbox</th><th>Channels</th><th></th></tr></thead><tbody>${rows.join('')}</tbody></table>
${connectable.length ? '' : '<p>No custom channel offers a connection URL (channelAccountConnectionRedirectUrl) yet.</p>'}`
  return htmlPage(200, 'Inbox & Help Desk settings', body)
}

export const adminRoutes: Route[] = [
  { method: 'GET', pattern: SETTINGS_PATH, auth: 'none', handle: settingsPage },
  { method: 'POST', pattern: CONNECT_CHANNEL_PATH, auth: 'none', handle: connectAction },
]
