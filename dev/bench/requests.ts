import { ticketTuning } from '../../src/tickets/tuning'
import type { MediaServer } from './media-server'
import { mixedHistory, historyTypes } from './history'
import { createUser, expectDelivered, forgetProcessCaches, install, sendUserMessage, startHitl, type Harness } from './harness'
import type { Origin } from './meter'

export type Counted = { count: number; requests: string[] }
export type Target = { text: string; pass: boolean }
export type OperationResult = {
  id: string
  label: string
  /** HubSpot API requests the emulator logged ("METHOD path → status"), delivery receipts excluded. */
  hubspot: Counted
  /** Delivery receipts (PATCH …/messages/{id} with SENT), reported apart: sent on every agent reply by design. */
  receipts?: Counted
  /** Botpress requests of the operation itself (FakeBotpress.calls). */
  botpress: Counted
  /** Botpress requests of the webhook HubSpot sent because of the operation (e.g. CHANNEL_ACCOUNT_CREATED). */
  followUp?: Counted
  /** Downloads from the local media server (the Botpress-hosted file). */
  mediaDownloads?: number
  warnings?: string[]
  note?: string
  target?: Target
}

/** A delivery receipt, at v3 or any date version of custom channels (the integration calls the one of src/hubspot/endpoints.ts). */
const RECEIPT = /^PATCH \/conversations\/(?:v3\/custom-channels|custom-channels\/\d{4}-\d{2})\/[^/]+\/messages\/[^/]+$/

type Spec = {
  id: string
  label: string
  /** 'action': the call is ours; webhook calls during it are follow-ups. 'webhook': HubSpot's webhook is the operation. */
  kind: 'action' | 'webhook'
  /** Agent replies: show the delivery receipt column even when it is 0. */
  receipts?: boolean
  note?: string
}

/**
 * Runs one operation and attributes what it cost: the emulator's request log for HubSpot, the
 * FakeBotpress call list for Botpress. Background webhooks are awaited (settle) on both sides so
 * nothing spills into the next operation.
 */
const measure = async (h: Harness, media: MediaServer, spec: Spec, run: () => Promise<void>): Promise<OperationResult> => {
  await h.hs.settle()
  h.hs.resetRequestLog()
  const mark = h.meter.mark()
  const mediaMark = media.hits()
  const linesMark = h.lines.length
  await run()
  await h.hs.settle()

  // Random ids (HubSpot message ids) become {id}, so runs compare line by line.
  const all = h.hs.requests.map((r) => {
    const p = r.path.replace(/\/[0-9a-f]{32}(?=\/|$)/g, '/{id}')
    return { key: `${r.method} ${p}`, text: `${r.method} ${p} → ${r.status}` }
  })
  const receipts = all.filter((r) => RECEIPT.test(r.key)).map((r) => r.text)
  const hubspot = all.filter((r) => !RECEIPT.test(r.key)).map((r) => r.text)
  const calls = h.meter.since(mark)
  const of = (origin: Origin) => calls.filter((c) => c.origin === origin).map((c) => c.method)
  const own = spec.kind === 'action' ? of('operation') : calls.map((c) => c.method)
  const followUp = spec.kind === 'action' ? of('webhook') : []
  const warnings = h.lines
    .slice(linesMark)
    .filter((l) => l.level === 'warn' || l.level === 'error')
    .map((l) => `${l.level}: ${l.message}`)
  const downloads = media.hits() - mediaMark

  return {
    id: spec.id,
    label: spec.label,
    hubspot: { count: hubspot.length, requests: hubspot },
    ...(receipts.length || spec.receipts ? { receipts: { count: receipts.length, requests: receipts } } : {}),
    botpress: { count: own.length, requests: own },
    ...(followUp.length ? { followUp: { count: followUp.length, requests: followUp } } : {}),
    ...(downloads ? { mediaDownloads: downloads } : {}),
    ...(warnings.length ? { warnings } : {}),
    ...(spec.note ? { note: spec.note } : {}),
  }
}

/** Part 1: requests per operation, through one escalation from install to close. */
export const measureRequests = async (h: Harness, media: MediaServer): Promise<OperationResult[]> => {
  const results: OperationResult[] = []
  const step = async (spec: Spec, run: () => Promise<void>) => {
    const result = await measure(h, media, spec, run)
    results.push(result)
    return result
  }

  await step({ id: 'install', label: 'install (register, fresh)', kind: 'action', note: 'includes the OAuth refresh of a fresh install' }, () =>
    install(h)
  )
  await step({ id: 'reinstall', label: 'install again (re-register)', kind: 'action' }, () => install(h))

  let userId = ''
  await step({ id: 'createUser', label: 'createUser (email, new contact)', kind: 'action' }, async () => {
    userId = await createUser(h, { name: 'Ada Lovelace', email: 'ada@example.com' })
  })
  h.hs.addContact({ email: 'grace@example.com', firstname: 'Grace', lastname: 'Hopper' })
  await step({ id: 'createUserExistingContact', label: 'createUser (email, existing contact)', kind: 'action' }, async () => {
    await createUser(h, { name: 'Grace Hopper', email: 'grace@example.com' })
  })
  await step({ id: 'createUserKnown', label: 'createUser (same person again)', kind: 'action' }, async () => {
    await createUser(h, { name: 'Ada Lovelace', email: 'ada@example.com' })
  })

  const history = mixedHistory(userId, 50)
  let conversationId = ''
  let threadId = ''
  await step(
    {
      id: 'startHitl',
      label: 'startHitl (50-message mixed history)',
      kind: 'action',
      note: `history types: ${Object.entries(historyTypes(history))
        .map(([k, v]) => `${k}×${v}`)
        .join(', ')}`,
    },
    async () => {
      ;({ conversationId, threadId } = await startHitl(h, {
        userId,
        title: 'Charged twice',
        description: 'Escalated by the bot',
        messageHistory: history,
      }))
    }
  )

  // A new runtime instance: every in-memory cache empty, the token only in Botpress state.
  forgetProcessCaches()
  await step({ id: 'forwardTextCold', label: 'forward user text (cold instance)', kind: 'action', note: 'in-memory caches emptied first' }, () =>
    sendUserMessage(h, conversationId, 'msg_cold', { type: 'text', payload: { text: 'Hello, anyone there?' } })
  )
  const warmText = await step({ id: 'forwardText', label: 'forward user text (warm)', kind: 'action' }, () =>
    sendUserMessage(h, conversationId, 'msg_warm', { type: 'text', payload: { text: 'I am still waiting.' } })
  )
  warmText.target = { text: 'HS = 1, BP ≤ 1', pass: warmText.hubspot.count === 1 && warmText.botpress.count <= 1 }
  await step({ id: 'forwardImage', label: 'forward user image (warm)', kind: 'action' }, () =>
    sendUserMessage(h, conversationId, 'msg_image', { type: 'image', payload: { imageUrl: media.url('screenshot.png'), title: 'Screenshot' } })
  )

  // Agent 301 has never written: the reply carries the agent's name, the instance is still cold for webhooks.
  await step(
    {
      id: 'agentReplyCold',
      label: 'agent reply (text, cold: new agent)',
      kind: 'webhook',
      receipts: true,
      note: 'first webhook of this instance; agent not cached',
    },
    async () => {
      const { statuses } = await h.hs.agent.reply(threadId, { text: 'Hi Ada, I am looking into it.', agentId: '301' })
      expectDelivered('agent reply', statuses, h)
    }
  )
  const warmReply = await step({ id: 'agentReply', label: 'agent reply (text, warm)', kind: 'webhook', receipts: true }, async () => {
    const { statuses } = await h.hs.agent.reply(threadId, { text: 'Found it: the second charge is a hold.', agentId: '301' })
    expectDelivered('agent reply', statuses, h)
  })
  warmReply.target = { text: 'HS = 0 (+receipt), BP ≤ 3', pass: warmReply.hubspot.count === 0 && warmReply.botpress.count <= 3 }

  await step({ id: 'assignCold', label: 'assignment (first time: actor lookup)', kind: 'webhook' }, async () => {
    expectDelivered('assign', await h.hs.agent.assign(threadId, { id: '201', name: 'Sam Supervisor', email: 'sam@example.com' }), h)
  })
  await step({ id: 'reassignKnown', label: 'reassignment (known agent)', kind: 'webhook' }, async () => {
    expectDelivered('reassign', await h.hs.agent.assign(threadId, { id: '301' }), h)
  })
  await step({ id: 'close', label: 'close (agent closes the thread)', kind: 'webhook' }, async () => {
    expectDelivered('close', await h.hs.agent.close(threadId), h)
  })

  const stopped = h.meter.fake.events.filter((e) => e.type === 'hitlStopped' && e.conversationId === conversationId)
  if (stopped.length !== 1) throw new Error(`expected one hitlStopped for ${conversationId}, got ${stopped.length}`)
  await measureTicketPaths(h, userId, step)
  return results
}

const TICKET_SESSION = {
  priority: 'HIGH',
  category: 'BILLING_ISSUE',
  assigneeEmail: 'sam@example.com',
} as const

/**
 * Part 1b: an escalation with ticket fields and an assignee, on a Help Desk inbox (the emulator
 * creates the ticket 300 ms after the first message). Once with the ticket found inside startHitl
 * (production look delays), once with it appearing later and set on the next end-user message.
 */
const measureTicketPaths = async (h: Harness, userId: string, step: (spec: Spec, run: () => Promise<void>) => Promise<OperationResult>) => {
  const inbox = h.hs.state.inboxes.get('1001')
  if (!inbox) throw new Error('bench: inbox 1001 missing')
  inbox.type = 'HELP_DESK'
  const saved = { ...ticketTuning }
  try {
    await step(
      {
        id: 'startHitlTicket',
        label: 'startHitl + ticket fields + assignee (ticket found in time)',
        kind: 'action',
        note: 'owner lookup + assign + ticket look + PATCH + agent-only note; follow-up = the assignedTo webhook (hitlAssigned)',
      },
      async () => {
        await startHitl(h, { userId, title: 'Charged twice', description: 'Ticket bench', hitlSession: TICKET_SESSION, messageHistory: [] })
      }
    )
    ticketTuning.quickTryDelaysMs = [0]
    let late = { conversationId: '', threadId: '' }
    await step(
      {
        id: 'startHitlTicketLate',
        label: 'startHitl + ticket fields (ticket not there yet → pending)',
        kind: 'action',
        note: 'one look, then state + ticketPending tag',
      },
      async () => {
        late = await startHitl(h, {
          userId,
          title: 'Charged twice',
          description: 'Ticket bench',
          hitlSession: { priority: 'URGENT' },
          messageHistory: [],
        })
      }
    )
    await new Promise((r) => setTimeout(r, 400))
    await step(
      {
        id: 'forwardTextTicketPending',
        label: 'forward user text, ticket pending (later occasion)',
        kind: 'action',
        note: 'publish + ticket look + PATCH; state read, done, tag cleared',
      },
      () => sendUserMessage(h, late.conversationId, 'msg_ticket_1', { type: 'text', payload: { text: 'Any news?' } })
    )
    const after = await step({ id: 'forwardTextAfterTicket', label: 'forward user text (warm, ticket done)', kind: 'action' }, () =>
      sendUserMessage(h, late.conversationId, 'msg_ticket_2', { type: 'text', payload: { text: 'Thanks' } })
    )
    after.target = { text: 'HS = 1, BP ≤ 1', pass: after.hubspot.count === 1 && after.botpress.count <= 1 }
  } finally {
    Object.assign(ticketTuning, saved)
    inbox.type = 'INBOX'
  }
}
