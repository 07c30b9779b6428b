// Sandbox page: polls the sandbox server for both sides' state and posts user and agent actions.
// Layout of this file: helpers, rendering (user pane, thread list, thread detail), actions (one
// table at the end: an action is a button, its request, and where its error shows).
'use strict'
const $ = (id) => document.getElementById(id)
let selectedThread = null
let lastState = null
const busy = new Set() // ids of the buttons whose request is in flight
const knownThreads = new Set()
const OFFLINE = 'Lost contact with the sandbox server: is `npm start` still running?'

// ---- helpers ----

const post = async (path, body) => {
  let res
  try {
    res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) })
  } catch {
    throw new Error('the sandbox server did not answer (is `npm start` still running?)')
  }
  const data = await res.json().catch(() => ({}))
  if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`)
  return data
}

const el = (tag, props, ...children) => {
  const node = document.createElement(tag)
  Object.assign(node, props || {})
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c)
  return node
}

/** Shows `text` in a status/error line next to an action (hidden when empty). */
const say = (id, text, cls) => {
  const line = $(id)
  line.textContent = text || ''
  line.hidden = !text
  if (cls !== undefined) line.dataset.kind = cls
}

const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
const timeEl = (iso) => el('time', { dateTime: iso, textContent: clock(iso), title: new Date(iso).toLocaleString() })

/** An agent's picture, or their initials when there is none (or it does not load). */
const avatar = (author) => {
  const initials = el('span', { className: 'avatar initials', textContent: author.initials, title: author.name })
  if (!author.avatar) return initials
  const img = el('img', { className: 'avatar', src: author.avatar, alt: author.name, title: author.name })
  img.onerror = () => img.replaceWith(initials)
  return img
}

// Rebuilds a list only when what it shows changed: rebuilding on every poll would drop text
// selections and clicks that land between two polls.
const shown = new WeakMap()
const changed = (node, value) => {
  const key = JSON.stringify(value)
  if (shown.get(node) === key) return false
  shown.set(node, key)
  return true
}

// ---- rendering ----

const DELIVERY = { SENT: 'sent', FAILED: 'not delivered', RECEIVED: 'received', READ: 'read' }

const renderMessage = (m) => {
  const li = el('li', { className: m.cls })
  const who = el('span', { className: 'who' })
  if (m.author) who.append(avatar(m.author))
  who.append(el('span', { className: 'name', textContent: m.cls === 'note' ? 'Internal note · only agents see this' : m.who }))
  if (m.at) who.append(timeEl(m.at))
  if (m.delivery) {
    const status = m.delivery.status
    who.append(el('span', { className: `delivery ${status.toLowerCase()}`, textContent: DELIVERY[status] || status.toLowerCase() }))
  }
  li.append(who, document.createTextNode(m.text || ''))
  for (const a of m.attachments || []) {
    if (a.kind === 'image') li.append(el('img', { src: a.url, alt: a.name || 'image' }))
    else li.append(el('a', { className: 'file', href: a.url, textContent: a.name || a.kind, target: '_blank', rel: 'noopener' }))
  }
  if (m.delivery && m.delivery.error) li.append(el('span', { className: 'delivery-error', textContent: m.delivery.error }))
  if (m.delivery && m.delivery.status === 'FAILED') li.classList.add('failed')
  return li
}

// A list follows its newest message unless the reader scrolled up. Tracked on scroll rather than
// measured at render time: a panel appearing above a list (the ticket) shrinks it without a scroll.
const unpinned = new WeakSet()
const toBottom = (list) => {
  if (!unpinned.has(list)) list.scrollTop = list.scrollHeight
}
for (const list of document.querySelectorAll('.messages')) {
  list.addEventListener('scroll', () => {
    if (list.scrollTop + list.clientHeight >= list.scrollHeight - 10) unpinned.delete(list)
    else unpinned.add(list)
  })
  new ResizeObserver(() => toBottom(list)).observe(list)
}

const fill = (list, messages) => {
  if (!changed(list, messages)) return
  list.replaceChildren(...messages.map(renderMessage))
  toBottom(list)
  // Images take their height when they load: stay pinned to the newest message.
  for (const img of list.querySelectorAll('img')) if (!img.complete) img.addEventListener('load', () => toBottom(list), { once: true })
}

const renderUser = (u) => {
  $('user-name').textContent = u.name
  $('user-status').textContent = u.status
  fill($('user-messages'), u.messages)
  // A button with its request in flight stays disabled until the request ends.
  if (!busy.has('escalate')) $('escalate').disabled = u.escalated
  if (!busy.has('send-image')) $('send-image').disabled = !u.escalated
  if (!busy.has('end-session')) $('end-session').disabled = !u.escalated
}

/** How the end user is known in HubSpot: email or phone, and the contact (or anonymous visitor) id. */
const identity = (u) => [u.email, u.phone, u.identifier].filter(Boolean).join(' · ')

const renderThreadList = (threads) => {
  const list = $('thread-list')
  if (!changed(list, { selectedThread, threads: threads.map((t) => [t.id, t.title, t.status, t.endUser, t.lastActivityAt]) })) return
  // Newest first, as HubSpot's inbox lists them.
  const items = [...threads].reverse().map((t) => {
    const li = el(
      'li',
      { className: t.id === selectedThread ? 'active' : '' },
      el('span', { className: 'thread-name', textContent: t.title }),
      el('span', { className: `badge small ${t.status === 'CLOSED' ? 'closed' : ''}`, textContent: t.status.toLowerCase() }),
      el('span', { className: 'thread-sub', textContent: identity(t.endUser) || `visitor ${t.endUser.contactId}` }),
      el('span', { className: 'thread-sub' }, timeEl(t.lastActivityAt))
    )
    li.dataset.threadId = t.id
    li.onclick = () => {
      if (selectedThread !== t.id) unpinned.delete($('agent-messages')) // another thread opens at its newest message
      selectedThread = t.id
      render(lastState)
    }
    return li
  })
  list.replaceChildren(...items)
}

const TICKET_FIELDS = [
  ['priority', 'Priority'],
  ['subject', 'Subject'],
  ['category', 'Category'],
  ['pipeline', 'Pipeline'],
  ['stage', 'Stage'],
  ['owner', 'Ticket owner'],
]

const renderTicket = (ticket) => {
  $('ticket').hidden = !ticket
  if (!ticket || !changed($('ticket'), ticket)) return
  $('ticket-id').textContent = `#${ticket.id}`
  const rows = [
    ...TICKET_FIELDS.filter(([k]) => ticket[k]).map(([k, label]) => [label, ticket[k], k]),
    ...Object.entries(ticket.custom).map(([k, v]) => [k, v, 'custom']),
  ]
  $('ticket-fields').replaceChildren(
    ...rows.flatMap(([label, value, key]) => [el('dt', { textContent: label }), el('dd', { textContent: value, className: `ticket-${key}` })])
  )
}

const renderThread = (t) => {
  $('thread-title').textContent = `${t.title} · thread ${t.id}`
  $('thread-title').title = $('thread-title').textContent
  $('thread-state').textContent = t.status
  $('thread-state').className = t.status === 'CLOSED' ? 'badge closed' : 'badge'
  $('thread-detail').classList.toggle('closed', t.status === 'CLOSED')
  const u = t.endUser
  if (changed($('contact'), [u, t.assignee, t.inbox, t.createdAt, t.closedAt])) {
    $('contact').replaceChildren(
      el('strong', { textContent: u.name }),
      identity(u) ? ` · ${identity(u)}` : '',
      el('span', { className: 'contact-id', textContent: ` · ${u.isContact ? 'contact' : 'visitor'} ${u.contactId}` })
    )
    $('assignee').replaceChildren(...(t.assignee ? [avatar(t.assignee), ` ${t.assignee.name}`] : ['Unassigned']))
    $('thread-inbox').textContent = `${t.inbox.name} (${t.inbox.type === 'HELP_DESK' ? 'help desk' : 'inbox'})`
    $('thread-times').replaceChildren(timeEl(t.createdAt), ...(t.closedAt ? [' · closed ', timeEl(t.closedAt)] : []))
  }
  renderTicket(t.ticket)
  $('agent-input').placeholder = t.status === 'CLOSED' ? 'Closed: a reply reopens it in HubSpot…' : 'Reply as the agent…'
  if (!busy.has('close-thread')) $('close-thread').disabled = t.status === 'CLOSED'
  fill($('agent-messages'), t.messages)
}

const render = (state) => {
  lastState = state
  renderUser(state.user)
  const threads = state.agent.threads
  // Follow a newly escalated conversation, as HubSpot's inbox surfaces new threads.
  const fresh = threads.filter((x) => !knownThreads.has(x.id))
  for (const x of fresh) knownThreads.add(x.id)
  if (fresh.length || !threads.some((x) => x.id === selectedThread)) selectedThread = threads.length ? threads[threads.length - 1].id : null
  renderThreadList(threads)
  const t = threads.find((x) => x.id === selectedThread)
  $('no-thread').hidden = Boolean(t)
  $('thread-detail').hidden = !t
  if (t) renderThread(t)
}

const refresh = async () => {
  try {
    const res = await fetch('/api/state')
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    render(await res.json())
    if ($('log').textContent === OFFLINE) $('log').textContent = ''
  } catch {
    $('log').textContent = OFFLINE
  }
}

// ---- actions ----

/**
 * Runs a user or agent action. Its button stays disabled while the request is in flight (a double
 * click cannot, say, escalate twice); `pending` shows next to it meanwhile; an error shows in the
 * action's own line, where the user looks, and stays until the next try of that action.
 */
const act = (buttonId, statusId, fn, pending) => async (ev) => {
  if (ev) ev.preventDefault()
  const button = $(buttonId)
  if (busy.has(buttonId) || button.disabled) return
  busy.add(buttonId)
  button.disabled = true
  say(statusId, pending || '', 'pending')
  try {
    await fn()
    say(statusId, '')
  } catch (err) {
    say(statusId, err.message, 'error')
  } finally {
    busy.delete(buttonId)
    button.disabled = false
    await refresh()
  }
}

/** Sends what is in a text box; the text stays there until the server took it, so nothing typed is lost. */
const sendFrom = (inputId, fn) => async () => {
  const input = $(inputId)
  const text = input.value.trim()
  try {
    await fn(text)
  } catch (err) {
    throw new Error(`Not sent: ${err.message}. Your message is still in the box: press the button again to retry.`, { cause: err })
  }
  if (input.value.trim() === text) input.value = ''
}

const actions = [
  [
    'user-send',
    'user-error',
    sendFrom('user-input', async (text) => {
      if (text) await post('/api/user/message', { text })
    }),
  ],
  [
    'escalate',
    'user-action-status',
    () => post('/api/user/escalate', { email: $('user-email').value.trim() || undefined, priority: $('priority').value }),
    'Escalating…',
  ],
  ['send-image', 'user-action-status', () => post('/api/user/image')],
  ['end-session', 'user-action-status', () => post('/api/user/end')],
  [
    'agent-send',
    'agent-error',
    sendFrom('agent-input', async (text) => {
      const attach = $('agent-attach').checked
      if (!text && !attach) return
      await post('/api/agent/reply', { threadId: selectedThread, text, attach })
      $('agent-attach').checked = false
    }),
  ],
  ['assign', 'agent-action-error', () => post('/api/agent/assign', { threadId: selectedThread })],
  ['close-thread', 'agent-action-error', () => post('/api/agent/close', { threadId: selectedThread })],
  [
    'reset',
    'reset-status',
    async () => {
      await post('/api/reset')
      $('user-email').value = ''
      $('user-input').value = ''
      $('priority').value = ''
      for (const id of ['user-error', 'user-action-status', 'agent-error', 'agent-action-error']) say(id, '')
    },
    'Resetting…',
  ],
]
for (const [buttonId, statusId, fn, pending] of actions) {
  const handler = act(buttonId, statusId, fn, pending)
  const form = $(buttonId).form
  if (form && $(buttonId).type === 'submit') form.onsubmit = handler
  else $(buttonId).onclick = handler
}

refresh()
setInterval(refresh, 500)
