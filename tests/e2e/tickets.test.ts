import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startStack, type Stack } from '../../dev/sandbox/stack'
import integration from '../../src/index'
import { httpTuning } from '../../src/hubspot'
import { setupTuning } from '../../src/setup/register'
import { ticketTuning } from '../../src/tickets/tuning'
import { waitFor } from '../helpers/plugin-bots'

/**
 * Ticket fields, assignment by email and the agent-only note, end to end over 127.0.0.1: the real
 * integration behind the SDK server, the Botpress stand-in and the HubSpot emulator (inbox 1001 is
 * a plain Inbox, 1002 a Help Desk whose tickets appear TICKET_DELAY_MS after the first message).
 */
const TICKET_DELAY_MS = 60_000
/** The emulator's clock runs this far ahead of the wall clock: tests move it instead of sleeping, so timing never decides. */
let clockOffset = 0
const advance = (ms: number) => {
  clockOffset += ms
}
const SAM = { id: '555', name: 'Sam Agent', email: 'sam@example.com' }
const defaults = { ...ticketTuning }

let stack: Stack
let userId = ''

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const startHitl = async (hitlSession: Record<string, unknown>, title = 'Broken screen') => {
  const { conversationId } = await stack.standIn.callAction<{ conversationId: string }>('startHitl', {
    userId,
    title,
    description: 'Order #42 arrived damaged',
    hitlSession,
    messageHistory: [{ source: { type: 'user', userId }, type: 'text', payload: { text: 'My screen is cracked' } }],
  })
  const tags = () => stack.standIn.store.conversations.get(conversationId)?.tags ?? {}
  return { conversationId, threadId: tags().hubspotThreadId ?? '', tags }
}
const say = (conversationId: string, text: string) => stack.standIn.sendMessage({ conversationId, userId, type: 'text', payload: { text } })
const requests = (method: string, path: RegExp) => stack.emulator.requests.filter((r) => r.method === method && path.test(r.path))
const ticketPatches = () => requests('PATCH', /^\/crm\/objects\/2026-03\/tickets\//)
const associationReads = (threadId: string) =>
  stack.emulator.requests.filter(
    (r) => r.method === 'GET' && r.path === `/conversations/conversations/2026-09/threads/${threadId}` && r.query.association === 'TICKET'
  )
const assignedEvents = (conversationId: string) =>
  stack.standIn.eventsOf('hitlAssigned').filter((e) => (e.payload as { conversationId: string }).conversationId === conversationId)

beforeAll(async () => {
  httpTuning.sleep = async () => {}
  setupTuning.visibilityDelaysMs = [10, 10, 10]
  stack = await startStack({
    integration,
    emulator: { ticketDelayMs: TICKET_DELAY_MS, customTicketProperties: ['order_number'], agents: [SAM], now: () => Date.now() + clockOffset },
  })
  ;({ userId } = await stack.standIn.callAction<{ userId: string }>('createUser', { name: 'Ada Lovelace', email: 'ada@example.com' }))
})
beforeEach(() => {
  // startHitl's waits between ticket looks pass on the emulator's clock.
  ticketTuning.sleep = async (ms) => advance(ms)
})
afterEach(() => {
  Object.assign(ticketTuning, defaults)
})
afterAll(async () => {
  await stack?.close()
})

describe('ticket fields, assignment and the agent-only note, end to end', () => {
  it('the ticket appears after startHitl returned: its fields are set exactly once, on the next end-user message', async () => {
    ticketTuning.quickTryDelaysMs = [0]
    const { conversationId, threadId, tags } = await startHitl({
      inboxId: '1002',
      priority: 'HIGH',
      category: 'BILLING_ISSUE',
      pipelineId: '0',
      pipelineStageId: '3',
      customProperties: [{ name: 'order_number', value: '42' }],
    })
    expect(tags().ticketPending).toBe('true')
    expect(associationReads(threadId)).toHaveLength(1)
    expect(ticketPatches()).toHaveLength(0)

    advance(TICKET_DELAY_MS)
    const patchesBefore = ticketPatches().length
    await say(conversationId, 'Are you there?')
    await say(conversationId, 'Hello?')
    expect(ticketPatches().length - patchesBefore).toBe(1)
    const ticket = stack.emulator.ticketOfThread(threadId)
    expect(ticket?.properties).toMatchObject({
      subject: 'Broken screen',
      hs_ticket_priority: 'HIGH',
      hs_ticket_category: 'BILLING_ISSUE',
      hs_pipeline: '0',
      hs_pipeline_stage: '3',
      order_number: '42',
    })
    expect(tags().ticketPending ?? '').toBe('')
    // Nothing pending any more: a further message costs its one publish, no ticket lookup.
    const reads = associationReads(threadId).length
    await say(conversationId, 'Thanks')
    expect(associationReads(threadId)).toHaveLength(reads)
    // Both user messages reached the agent; the note too, for agents only.
    expect(stack.emulator.threadMessages(threadId).map((m) => m.text)).toEqual(expect.arrayContaining(['Are you there?', 'Hello?', 'Thanks']))
    const [note] = stack.emulator.threadComments(threadId)
    expect(note?.text).toContain('Broken screen')
    expect(note?.text).toContain('HIGH')
    expect(note?.text).toContain('ada@example.com')
    expect(note?.text).toContain('order_number: 42')
  })

  it('values HubSpot refuses never fail the escalation: the rest is set and the agent is told', async () => {
    ticketTuning.quickTryDelaysMs = [0, TICKET_DELAY_MS]
    const { threadId, tags } = await startHitl({
      inboxId: '1002',
      priority: 'URGENT',
      category: 'NOT_A_CATEGORY',
      customProperties: [{ name: 'no_such_property', value: 'x' }],
    })
    expect(threadId).not.toBe('')
    expect(tags().ticketPending ?? '').toBe('')
    const ticket = stack.emulator.ticketOfThread(threadId)
    expect(ticket?.properties).toMatchObject({ subject: 'Broken screen', hs_ticket_priority: 'URGENT' })
    expect(ticket?.properties).not.toHaveProperty('no_such_property')
    expect(ticket?.properties.hs_ticket_category ?? '').toBe('')
    const [note] = stack.emulator.threadComments(threadId)
    expect(note?.text).toContain('refused by HubSpot')
    expect(note?.text).toContain('no_such_property')
    expect(note?.text).toContain('hs_ticket_category')
  })

  it('assignment by email: HubSpot assigns the thread and hitlAssigned reaches the bot once, even when redelivered', async () => {
    const { conversationId, threadId } = await startHitl({ assigneeEmail: 'SAM@example.com' })
    expect(stack.emulator.state.threads.get(threadId)?.assignedTo).toBe('555')
    await waitFor('hitlAssigned', () => assignedEvents(conversationId).length === 1)
    const [event] = assignedEvents(conversationId)
    expect(stack.standIn.store.users.get((event?.payload as { userId?: string } | undefined)?.userId ?? '')?.name).toBe('Sam Agent')
    expect(await stack.emulator.redeliverLast()).toBe(200)
    await sleep(100)
    expect(assignedEvents(conversationId)).toHaveLength(1)
    expect(stack.emulator.threadComments(threadId)[0]?.text).toContain('assigned to Sam Agent')
  })

  it('an unknown assignee email: the escalation proceeds unassigned, and the note says so', async () => {
    const { conversationId, threadId } = await startHitl({ assigneeEmail: 'nobody@example.com' })
    expect(conversationId).toBeTruthy()
    expect(stack.emulator.state.threads.get(threadId)?.assignedTo).toBeUndefined()
    expect(requests('PUT', new RegExp(`/threads/${threadId}/assignee$`))).toHaveLength(0)
    expect(stack.emulator.threadComments(threadId)[0]?.text).toContain('left unassigned')
    await sleep(100)
    expect(assignedEvents(conversationId)).toHaveLength(0)
  })

  it('a plain Inbox has no ticket: not an error; the search stops after the bounded number of occasions', async () => {
    ticketTuning.quickTryDelaysMs = [0]
    ticketTuning.maxLaterAttempts = 2
    const { conversationId, threadId, tags } = await startHitl({ inboxId: '1001', priority: 'LOW' })
    expect(tags().ticketPending).toBe('true')
    await say(conversationId, 'one')
    expect(tags().ticketPending).toBe('true')
    await say(conversationId, 'two')
    expect(tags().ticketPending ?? '').toBe('')
    await say(conversationId, 'three')
    expect(associationReads(threadId)).toHaveLength(3) // startHitl's look + the two bounded later looks
    expect(stack.emulator.threadMessages(threadId).filter((m) => m.direction === 'INCOMING')).toHaveLength(4)
  })

  it('redelivered webhooks create nothing twice: the agent reply is the occasion, and its redelivery changes nothing', async () => {
    ticketTuning.quickTryDelaysMs = [0]
    const { conversationId, threadId, tags } = await startHitl({ inboxId: '1002', priority: 'MEDIUM' })
    expect(tags().ticketPending).toBe('true')
    advance(TICKET_DELAY_MS)
    const patchesBefore = ticketPatches().length
    const agentMessages = () => stack.standIn.messagesIn(conversationId).filter((m) => m.userId !== userId)
    await stack.emulator.agent.reply(threadId, { text: 'Hi, Sam here', agentId: SAM.id })
    await waitFor('the ticket fields', () => ticketPatches().length === patchesBefore + 1)
    expect(await stack.emulator.redeliverLast()).toBe(200)
    await sleep(100)
    expect(ticketPatches().length - patchesBefore).toBe(1)
    expect(agentMessages()).toHaveLength(1)
    expect(stack.emulator.ticketOfThread(threadId)?.properties.hs_ticket_priority).toBe('MEDIUM')
    expect(tags().ticketPending ?? '').toBe('')
  })

  it('an assignment made in HubSpot is an occasion too (conversation.propertyChange webhook)', async () => {
    ticketTuning.quickTryDelaysMs = [0]
    const { conversationId, threadId, tags } = await startHitl({ inboxId: '1002', category: 'PRODUCT_ISSUE' })
    expect(tags().ticketPending).toBe('true')
    advance(TICKET_DELAY_MS)
    const patchesBefore = ticketPatches().length
    expect(await stack.emulator.agent.assign(threadId, { id: SAM.id })).toEqual([200])
    await waitFor('hitlAssigned', () => assignedEvents(conversationId).length === 1)
    expect(ticketPatches().length - patchesBefore).toBe(1)
    expect(stack.emulator.ticketOfThread(threadId)?.properties.hs_ticket_category).toBe('PRODUCT_ISSUE')
    expect(tags().ticketPending ?? '').toBe('')
  })
})
