// Sandbox page: polls the sandbox server for both sides' state and posts user and agent actions.
'use strict'
const $ = (id) => document.getElementById(id)
let selectedThread = null
let lastState = null
const busy = new Set() // ids of the buttons whose request is in flight
const knownThreads = new Set()
const OFFLINE = 'Lost contact with the sandbox server: is `npm start` still running?'

const post = async (path, body) => {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) })
  const data = await res.json().catch(() => ({}))
  if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`)
  return data
}

// Runs a user or agent action; its button stays disabled while the request is in flight, so a
// double click cannot, say, escalate twice.
const act = (buttonId, fn) => async (ev) => {
  if (ev) ev.preventDefault()
  const button = $(buttonId)
  if (busy.has(buttonId) || button.disabled) return
  busy.add(buttonId)
  button.disabled = true
  $('log').textContent = ''
  try {
    await fn()
  } catch (err) {
    $('log').textContent = err.message
  } finally {
    busy.delete(buttonId)
    button.disabled = false
    await refresh()
  }
}

const renderMessage = (m) => {
  const li = document.createElement('li')
  li.className = m.cls
  const who = document.createElement('span')
  who.className = 'who'
  who.textContent = m.who
  li.appendChild(who)
  li.appendChild(document.createTextNode(m.text || ''))
  for (const a of m.attachments || []) {
    if (a.kind === 'image') {
      const img = document.createElement('img')
      img.src = a.url
      img.alt = a.name || 'image'
      li.appendChild(img)
    } else {
      const link = document.createElement('a')
      link.className = 'file'
      link.href = a.url
      link.textContent = a.name || a.kind
      link.target = '_blank'
      link.rel = 'noopener'
      li.appendChild(link)
    }
  }
  return li
}

// Rebuilds a list only when what it shows changed: rebuilding on every poll would drop text
// selections and clicks that land between two polls.
const shown = new WeakMap()
const changed = (el, value) => {
  const key = JSON.stringify(value)
  if (shown.get(el) === key) return false
  shown.set(el, key)
  return true
}

const fill = (list, messages) => {
  if (!changed(list, messages)) return
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 10
  list.replaceChildren(...messages.map(renderMessage))
  if (!atBottom) return
  const toBottom = () => {
    list.scrollTop = list.scrollHeight
  }
  toBottom()
  // Images take their height when they load: stay pinned to the newest message.
  for (const img of list.querySelectorAll('img')) if (!img.complete) img.addEventListener('load', toBottom, { once: true })
}

const render = (state) => {
  lastState = state
  const u = state.user
  $('user-status').textContent = u.status
  fill($('user-messages'), u.messages)
  // A button with its request in flight stays disabled until the request ends.
  if (!busy.has('escalate')) $('escalate').disabled = u.escalated
  if (!busy.has('send-image')) $('send-image').disabled = !u.escalated
  if (!busy.has('end-session')) $('end-session').disabled = !u.escalated

  const threads = state.agent.threads
  // Follow a newly escalated conversation, as HubSpot's inbox surfaces new threads.
  const fresh = threads.filter((x) => !knownThreads.has(x.id))
  for (const x of fresh) knownThreads.add(x.id)
  if (fresh.length || !selectedThread) selectedThread = threads.length ? threads[threads.length - 1].id : null
  const list = $('thread-list')
  if (changed(list, { selectedThread, threads: threads.map((t) => [t.id, t.title, t.status]) }))
    list.replaceChildren(
      ...threads.map((t) => {
        const li = document.createElement('li')
        li.textContent = `${t.title} (${t.status.toLowerCase()})`
        li.dataset.threadId = t.id
        if (t.id === selectedThread) li.className = 'active'
        li.onclick = () => {
          selectedThread = t.id
          render(lastState)
        }
        return li
      })
    )
  const t = threads.find((x) => x.id === selectedThread)
  $('no-thread').hidden = Boolean(t)
  $('thread-detail').hidden = !t
  if (!t) return
  $('thread-title').textContent = `${t.title} · thread ${t.id}`
  $('thread-title').title = $('thread-title').textContent
  $('thread-state').textContent = t.assignee ? `${t.status} · ${t.assignee}` : t.status
  $('thread-state').className = t.status === 'CLOSED' ? 'badge closed' : 'badge'
  $('thread-state').title = $('thread-state').textContent
  if (!busy.has('close-thread')) $('close-thread').disabled = t.status === 'CLOSED'
  fill($('agent-messages'), t.messages)
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

$('user-form').onsubmit = act('user-send', async () => {
  const text = $('user-input').value.trim()
  if (!text) return
  $('user-input').value = ''
  await post('/api/user/message', { text })
})
$('escalate').onclick = act('escalate', () => post('/api/user/escalate', { email: $('user-email').value.trim() || undefined }))
$('send-image').onclick = act('send-image', () => post('/api/user/image'))
$('end-session').onclick = act('end-session', () => post('/api/user/end'))
$('agent-form').onsubmit = act('agent-send', async () => {
  const text = $('agent-input').value.trim()
  const attach = $('agent-attach').checked
  if (!text && !attach) return
  $('agent-input').value = ''
  $('agent-attach').checked = false
  await post('/api/agent/reply', { threadId: selectedThread, text, attach })
})
$('assign').onclick = act('assign', () => post('/api/agent/assign', { threadId: selectedThread }))
$('close-thread').onclick = act('close-thread', () => post('/api/agent/close', { threadId: selectedThread }))

refresh()
setInterval(refresh, 500)
