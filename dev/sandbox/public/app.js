// Sandbox page: polls the sandbox server for both sides' state and posts user and agent actions.
'use strict'
const $ = (id) => document.getElementById(id)
let selectedThread = null
let lastState = null

const post = async (path, body) => {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) })
  const data = await res.json().catch(() => ({}))
  if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`)
  return data
}

const act = (fn) => async (ev) => {
  if (ev) ev.preventDefault()
  $('log').textContent = ''
  try {
    await fn()
    await refresh()
  } catch (err) {
    $('log').textContent = err.message
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
      link.href = a.url
      link.textContent = ` 📎 ${a.name || a.kind}`
      link.target = '_blank'
      li.appendChild(link)
    }
  }
  return li
}

const fill = (list, messages) => {
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 10
  list.replaceChildren(...messages.map(renderMessage))
  if (atBottom) list.scrollTop = list.scrollHeight
}

const render = (state) => {
  lastState = state
  const u = state.user
  $('user-status').textContent = u.status
  fill($('user-messages'), u.messages)
  $('escalate').disabled = u.escalated
  $('send-image').disabled = !u.escalated
  $('end-session').disabled = !u.escalated

  const threads = state.agent.threads
  if (!selectedThread && threads.length) selectedThread = threads[threads.length - 1].id
  $('thread-list').replaceChildren(
    ...threads.map((t) => {
      const li = document.createElement('li')
      li.textContent = `${t.title} (${t.status.toLowerCase()})`
      li.dataset.threadId = t.id
      if (t.id === selectedThread) li.className = 'active'
      li.onclick = () => { selectedThread = t.id; render(lastState) }
      return li
    })
  )
  const t = threads.find((x) => x.id === selectedThread)
  $('no-thread').hidden = Boolean(t)
  $('thread-detail').hidden = !t
  if (!t) return
  $('thread-title').textContent = `${t.title} · thread ${t.id}`
  $('thread-state').textContent = t.assignee ? `${t.status} · ${t.assignee}` : t.status
  $('thread-state').className = t.status === 'CLOSED' ? 'badge closed' : 'badge'
  fill($('agent-messages'), t.messages)
}

const refresh = async () => {
  const res = await fetch('/api/state')
  if (res.ok) render(await res.json())
}

$('user-form').onsubmit = act(async () => {
  const text = $('user-input').value.trim()
  if (!text) return
  $('user-input').value = ''
  await post('/api/user/message', { text })
})
$('escalate').onclick = act(() => post('/api/user/escalate', { email: $('user-email').value.trim() || undefined }))
$('send-image').onclick = act(() => post('/api/user/image'))
$('end-session').onclick = act(() => post('/api/user/end'))
$('agent-form').onsubmit = act(async () => {
  const text = $('agent-input').value.trim()
  const attach = $('agent-attach').checked
  if (!text && !attach) return
  $('agent-input').value = ''
  $('agent-attach').checked = false
  await post('/api/agent/reply', { threadId: selectedThread, text, attach })
})
$('assign').onclick = act(() => post('/api/agent/assign', { threadId: selectedThread }))
$('close-thread').onclick = act(() => post('/api/agent/close', { threadId: selectedThread }))

refresh()
setInterval(refresh, 500)
