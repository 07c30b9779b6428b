// Sandbox page, Connect part (issue 10): the "Connect HubSpot" banner and the agent view's
// "Connect channel" (HubSpot's admin-initiated connection). Polls /api/connect; self-contained.
'use strict'
;(() => {
  const $ = (id) => document.getElementById(id)
  let view = null

  const inboxLabel = (i) => `${i.name}${i.isDefault ? ' (default)' : ''}`

  const link = (text, href, id) => {
    const a = document.createElement('a')
    a.textContent = text
    a.href = href
    a.target = '_blank'
    a.rel = 'noopener'
    if (id) a.id = id
    return a
  }

  const renderBanner = (v) => {
    const banner = $('connect-banner')
    // Started pre-connected (SANDBOX_CONNECTED=1): nothing to do, the page looks as it always did.
    banner.hidden = v.configured
    if (v.configured) return
    const text = $('connect-text')
    const actions = $('connect-actions')
    const routable = v.inboxes.filter((i) => i.connected)
    let key
    // Publisher sandbox: two bots share one HubSpot app, each page is one bot and its own HubSpot account.
    const who = v.publisher ? `${v.publisher.botLabel}: ` : ''
    if (v.publisher) document.title = `${v.publisher.botLabel} · HubSpot HITL sandbox`
    if (!v.hubspotConnected) {
      key = 'start'
      banner.className = 'connect-banner todo'
      text.textContent = v.publisher
        ? `${who}HubSpot is not connected yet. Click "Connect HubSpot", choose account ${v.publisher.portalId} (the other bot connects the other one), allow the app, then pick the inboxes that receive escalations.`
        : 'HubSpot is not connected yet. Click "Connect HubSpot": you allow the app on HubSpot\'s consent page, then pick the inboxes that receive escalations. Then chat and escalate.'
    } else if (v.publisher && v.hubId && v.hubId !== String(v.publisher.portalId)) {
      // The account picker lists both sandbox accounts: this bot took the other bot's, whose agent view is the other page.
      key = 'start'
      banner.className = 'connect-banner todo'
      text.textContent = `${who}connected to HubSpot account ${v.hubId}, the other bot's account in this sandbox, so its escalations show on the other page. Click "Connect HubSpot" again and choose account ${v.publisher.portalId}.`
    } else if (routable.length === 0) {
      key = 'setup'
      banner.className = 'connect-banner todo'
      text.textContent = `${who}HubSpot account ${v.hubId || ''} is connected. Choose the inboxes that receive escalations on the setup page.`
    } else {
      key = 'ready'
      banner.className = 'connect-banner ok'
      text.textContent = `${who}Connected to HubSpot account ${v.hubId || ''}. Escalations go to ${routable.map(inboxLabel).join(', ')}.`
    }
    // Rebuilt only when the step changes, so a click never lands on a replaced link.
    if (actions.dataset.step === key) return
    actions.dataset.step = key
    if (key === 'start') actions.replaceChildren(link('Connect HubSpot', v.startUrl, 'connect-hubspot'))
    else if (key === 'setup') actions.replaceChildren(link('Choose inboxes', v.setupUrl, 'open-setup'))
    else actions.replaceChildren(link('Setup page', v.setupUrl, 'open-setup'))
    for (const a of actions.querySelectorAll('a')) a.className = key === 'ready' ? '' : 'button'
  }

  const renderChannelAction = (v) => {
    const box = $('connect-channel')
    // HubSpot offers an app's channel in "Connect a channel" only once the app is installed in the account.
    // The publisher app's shared channel has no connection redirect URL: the setup page connects inboxes.
    const candidates = v.channelId && v.hubspotConnected && !v.publisher ? v.inboxes.filter((i) => !i.connected) : []
    box.hidden = candidates.length === 0
    const select = $('connect-inbox')
    const key = JSON.stringify(candidates.map((i) => [i.id, i.name]))
    if (select.dataset.shown !== key) {
      const keep = select.value
      select.dataset.shown = key
      select.replaceChildren(
        ...candidates.map((i) => {
          const o = document.createElement('option')
          o.value = i.id
          o.textContent = `${i.name} (${i.type === 'HELP_DESK' ? 'help desk' : 'inbox'} ${i.id})`
          return o
        })
      )
      if (candidates.some((i) => i.id === keep)) select.value = keep
    }
    $('hubspot-settings').href = v.settingsUrl
  }

  const refresh = async () => {
    try {
      const res = await fetch('/api/connect')
      if (!res.ok) return
      view = await res.json()
      renderBanner(view)
      renderChannelAction(view)
    } catch {
      // app.js reports a lost sandbox server.
    }
  }

  // HubSpot's "Connect a channel": the emulator answers where it sends the admin (the integration's
  // /connect with a staging token, then back to HubSpot's settings). The tab is opened within the
  // click so no popup blocker stops it, and pointed there once the answer arrives.
  $('connect-channel-button').onclick = async () => {
    const button = $('connect-channel-button')
    if (button.disabled) return
    button.disabled = true
    $('log').textContent = ''
    const tab = window.open('about:blank', '_blank')
    try {
      const res = await fetch('/api/agent/connect-channel', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inboxId: $('connect-inbox').value }),
      })
      const data = await res.json().catch(() => ({}))
      if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`)
      if (tab) tab.location.href = data.url
      else window.location.href = data.url
    } catch (err) {
      if (tab) tab.close()
      $('log').textContent = err.message
    } finally {
      button.disabled = false
      await refresh()
    }
  }

  refresh()
  setInterval(refresh, 1000)
})()
