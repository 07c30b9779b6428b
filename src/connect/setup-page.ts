import type { ConnectionState, SetupState, StoredChannelAccount } from '../../definitions/states'
import { createHubspotClient, type HubspotClient } from '../hubspot'
import type { HubspotInbox } from '../hubspot/schemas'
import { connectInboxes } from '../setup/register'
import { loadSetupState, saveSetupState } from '../setup/setup-state'
import { csrfTokenFor, FORBIDDEN_HELP, isConnected, isSameOriginRequest, sameSecret, validSession, windowOpen } from './access'
import { loadConnection } from './connection-state'
import type { ConnectContext } from './context'
import { readConnectCookie } from './cookies'
import { html, messagePage, page, redirect, type Reply, type SafeHtml } from './html'
import { oauthStartUrlOf, setupUrlOf } from './urls'

/** While HubSpot has not listed the new channel yet, the page reloads itself this often. */
export const WAITING_REFRESH_SECONDS = 5
const MAX_CHOSEN_INBOXES = 50

type Progress = 'done' | 'waiting' | 'no-channel' | 'nothing-chosen'

type Access = { kind: 'session'; sessionId: string; conn: ConnectionState; setup: SetupState | undefined } | { kind: 'refused'; reply: Reply }

/** Only the browser holding a session from a successful callback sees or changes anything. */
const checkAccess = async (c: ConnectContext): Promise<Access> => {
  const [conn, setup] = await Promise.all([loadConnection(c.props), loadSetupState(c.props)])
  const sessionId = validSession(conn, readConnectCookie(c.headers), c.now)
  if (sessionId && isConnected(c.config.refreshToken, conn)) return { kind: 'session', sessionId, conn, setup }
  if (!isConnected(c.config.refreshToken, conn) || windowOpen(setup, c.now)) {
    // Nothing about the installation is shown: only the way in.
    const reply = page({
      status: 200,
      title: 'Connect HubSpot',
      body: html`<p>Sign in to HubSpot and allow the app, then choose the inboxes that receive escalations.</p>
<p><a class="button" href="${oauthStartUrlOf(c.webhookUrl)}">Connect HubSpot</a></p>`,
    })
    return { kind: 'refused', reply }
  }
  return { kind: 'refused', reply: messagePage(403, 'Not allowed', FORBIDDEN_HELP) }
}

/** The inboxes escalations go to: the configured ones win; else the ones chosen here, the default first. */
const chosenInboxes = (c: ConnectContext, setup: SetupState | undefined): { ids: string[]; configured: boolean } =>
  c.config.inboxIds.length > 0 ? { ids: c.config.inboxIds, configured: true } : { ids: setup?.inboxChoice?.inboxIds ?? [], configured: false }

/**
 * One bounded step towards "every chosen inbox has an authorized channel account": at most one
 * channel list, one account list and one create/update per pending inbox. HubSpot can take over a
 * minute to list a new channel; then this says 'waiting' and the page (meta refresh) asks again.
 */
const advance = async (hs: HubspotClient, c: ConnectContext, setup: SetupState | undefined, names: Map<string, string>): Promise<Progress> => {
  const { ids } = chosenInboxes(c, setup)
  if (ids.length === 0) return 'nothing-chosen'
  const pending = ids.filter((id) => !setup?.channelAccounts[id]?.authorized)
  if (pending.length === 0) return 'done'
  if (!setup?.channelId) return 'no-channel'
  const channels = await hs.channels.list()
  if (!channels.some((ch) => ch.id === setup.channelId)) return 'waiting'
  const accounts = await connectInboxes(hs, setup.channelId, new Map(pending.map((id) => [id, names.get(id) ?? id])), {
    sharedChannel: setup.channelWebhookUrl !== undefined,
  })
  setup.channelAccounts = { ...setup.channelAccounts, ...accounts }
  await saveSetupState(c.props, setup)
  return 'done'
}

/**
 * GET /setup. Cost with a session: Botpress 2 reads; HubSpot 1 inbox list per 100 inboxes (+1
 * refresh when cold); while connecting: + 1 channel list, 1 account list, 1 per new account, 1 write.
 */
export const handleSetupGet = async (c: ConnectContext): Promise<Reply> => {
  const access = await checkAccess(c)
  if (access.kind === 'refused') return access.reply
  const hs = createHubspotClient(c.props)
  const inboxes = await hs.conversations.listInboxes()
  const names = new Map(inboxes.map((i) => [i.id, i.name ?? i.id]))
  const progress = await advance(hs, c, access.setup, names)
  return renderSetup(c, { ...access, inboxes, progress })
}

const parseForm = (c: ConnectContext): URLSearchParams | undefined => {
  const type = (c.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded') return undefined
  return new URLSearchParams(typeof c.props.req.body === 'string' ? c.props.req.body : '')
}

/** POST /setup: saves the choice (default first), does the quick steps, then back to GET (no resubmission on reload). */
export const handleSetupPost = async (c: ConnectContext): Promise<Reply> => {
  const access = await checkAccess(c)
  if (access.kind === 'refused') return access.reply.status === 200 ? messagePage(403, 'Not allowed', 'Connect HubSpot first.') : access.reply
  const form = parseForm(c)
  const csrf = form?.get('csrf') ?? ''
  if (!form || !isSameOriginRequest(c.headers, c.webhookUrl) || !sameSecret(csrf, csrfTokenFor(access.sessionId, c.config.clientSecret))) {
    return messagePage(
      403,
      'Request refused',
      'This form must be sent from the setup page itself. Reload the setup page and try again. Nothing was changed.'
    )
  }
  if (chosenInboxes(c, access.setup).configured) {
    return messagePage(
      409,
      'Inboxes are configured',
      'The integration configuration names the inboxes ("Inbox ID"); clear it in Botpress to choose them here. Nothing was changed.'
    )
  }
  if (!access.setup?.channelId) {
    return messagePage(409, 'Not installed yet', 'Save the integration configuration in Botpress first, then reload this page. Nothing was changed.')
  }
  const picked = [...new Set(form.getAll('inbox'))]
  const fallbackDefault = picked.length === 1 ? picked[0] : undefined
  const defaultId = form.get('default') || fallbackDefault
  const problem =
    picked.length === 0
      ? 'Choose at least one inbox.'
      : picked.length > MAX_CHOSEN_INBOXES
        ? `Choose at most ${MAX_CHOSEN_INBOXES} inboxes.`
        : picked.some((id) => !/^\d{1,20}$/.test(id))
          ? 'An inbox id is not valid.'
          : !defaultId || !picked.includes(defaultId)
            ? 'Choose the default among the ticked inboxes.'
            : undefined
  if (problem || !defaultId) return messagePage(400, 'Check your choice', `${problem ?? ''} Nothing was changed.`, backLink(c))

  const hs = createHubspotClient(c.props)
  const inboxes = await hs.conversations.listInboxes()
  const unknown = picked.filter((id) => !inboxes.some((i) => i.id === id))
  if (unknown.length > 0)
    return messagePage(400, 'Unknown inbox', `HubSpot has no active inbox ${unknown.join(', ')} in this account. Nothing was changed.`, backLink(c))

  // An inbox that was chosen here before and is now unticked must stop receiving escalations: its
  // stored account goes (startHitl routes only to stored or configured inboxes). Accounts an admin
  // connected from HubSpot's settings were never in the choice and stay. The account itself stays
  // in HubSpot, so ticking the inbox again reuses it.
  const unticked = new Set((access.setup.inboxChoice?.inboxIds ?? []).filter((id) => !picked.includes(id)))
  const channelAccounts = Object.fromEntries(Object.entries(access.setup.channelAccounts).filter(([inboxId]) => !unticked.has(inboxId)))
  const setup = { ...access.setup, channelAccounts, inboxChoice: { inboxIds: [defaultId, ...picked.filter((id) => id !== defaultId)] } }
  await saveSetupState(c.props, setup)
  await advance(hs, c, setup, new Map(inboxes.map((i) => [i.id, i.name ?? i.id])))
  return redirect(303, setupUrlOf(c.webhookUrl))
}

const backLink = (c: ConnectContext) => html`<p><a href="${setupUrlOf(c.webhookUrl)}">Back to the setup page</a></p>`

const accountState = (a: StoredChannelAccount | undefined, progress: Progress): SafeHtml => {
  if (a?.authorized) return html`<span class="ok">connected</span>`
  if (a) return html`<span class="err">disconnected in HubSpot</span>`
  return progress === 'waiting' ? html`<span class="warn">waiting for HubSpot…</span>` : html`<span class="warn">not connected</span>`
}

const renderSetup = (
  c: ConnectContext,
  v: { sessionId: string; conn: ConnectionState; setup: SetupState | undefined; inboxes: HubspotInbox[]; progress: Progress }
): Reply => {
  const { ids, configured } = chosenInboxes(c, v.setup)
  const accounts = v.setup?.channelAccounts ?? {}
  const names = new Map(v.inboxes.map((i) => [i.id, i.name ?? i.id]))
  const fromHubspot = Object.values(accounts).filter((a) => !ids.includes(a.inboxId))
  const account = v.conn.hubId
    ? html`HubSpot account <b>${v.conn.hubId}</b>${v.conn.hubDomain ? html` (${v.conn.hubDomain})` : ''}`
    : html`the HubSpot account of the configured refresh token`
  const status: Record<Progress, SafeHtml> = {
    done: html`<p class="ok">Every chosen inbox is connected.</p>`,
    waiting: html`<p class="warn">Waiting for HubSpot… HubSpot can take over a minute to make a new channel visible. This page refreshes itself every ${WAITING_REFRESH_SECONDS} seconds.</p>`,
    'no-channel': html`<p class="warn">The channel is not created yet: save the integration configuration in Botpress, then reload this page.</p>`,
    'nothing-chosen': html`<p class="warn">Choose the inboxes or help desks that receive escalations.</p>`,
  }
  const rows = v.inboxes.map(
    (i) => html`<tr>
<td><input type="checkbox" name="inbox" value="${i.id}" id="inbox-${i.id}"${ids.includes(i.id) ? html` checked` : ''}${configured ? html` disabled` : ''}></td>
<td><input type="radio" name="default" value="${i.id}" aria-label="default"${ids[0] === i.id ? html` checked` : ''}${configured ? html` disabled` : ''}></td>
<td><label for="inbox-${i.id}">${i.name ?? i.id}</label></td><td>${i.type === 'HELP_DESK' ? 'Help desk' : 'Inbox'}</td><td>${i.id}</td>
<td>${ids.includes(i.id) ? accountState(accounts[i.id], v.progress) : ''}</td></tr>`
  )
  return page({
    status: 200,
    title: 'HubSpot HITL setup',
    refreshSeconds: v.progress === 'waiting' ? WAITING_REFRESH_SECONDS : undefined,
    body: html`<p>Connected to ${account}.</p>
<p>Channel: <b>${c.config.channelName}</b>${v.setup?.channelId ? html` (id ${v.setup.channelId})` : ' (not created yet)'}</p>
${status[v.progress]}
<form method="post" action="${setupUrlOf(c.webhookUrl)}">
<input type="hidden" name="csrf" value="${csrfTokenFor(v.sessionId, c.config.clientSecret)}">
<table><thead><tr><th>Use</th><th>Default</th><th>Name</th><th>Type</th><th>ID</th><th>State</th></tr></thead>
<tbody>${rows}</tbody></table>
${configured ? html`<p>The inboxes are set in the integration configuration ("Inbox ID").</p>` : html`<p><button type="submit">Save and connect</button></p>`}
</form>
${
  fromHubspot.length > 0
    ? html`<h2>Connected from HubSpot</h2><ul>${fromHubspot.map(
        (a) => html`<li>${names.get(a.inboxId) ?? a.inboxId} (inbox ${a.inboxId}): ${a.name} — ${accountState(a, 'done')}</li>`
      )}</ul>`
    : ''
}
<p><a href="${oauthStartUrlOf(c.webhookUrl)}">Reconnect HubSpot</a></p>`,
  })
}
