import nock from 'nock'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { publishedMessage, seedEndUser, seedHitlConversation, seedSetup } from '../../tests/helpers/hitl-fixtures'
import { expectAllInterceptorsUsed } from '../../tests/helpers/nock-guard'
import { ACCESS_TOKEN, hubspot, nockTokenRefresh } from '../../tests/helpers/nock-hubspot'
import { makeProps } from '../../tests/helpers/props'
import { startHitl } from '../actions/start-hitl'
import { resetCaches } from '../cache'
import { createHubspotClient, HubspotApiError, httpTuning } from '../hubspot'
import { renderEscalationNote } from '../render/escalation-note'
import { occasionContext, onTicketOccasion } from './pending'
import { refusedPropertiesOf } from './refusals'
import { setTicketProperties } from './set-properties'
import { ticketTuning } from './tuning'
import { fakeThread, fakeComment, fakeCrmObject, fakeOwner } from '../../tests/helpers/hubspot-fakes'

const THREAD = '/conversations/conversations/2026-09/threads/9001'
const TICKET = '/crm/objects/2026-03/tickets/777'
const defaults = { ...ticketTuning }
/** Requests no interceptor matched: the calls a test did not expect (they fail silently in the code). */
const unmatched: string[] = []
nock.emitter.on('no match', (req: { method?: string; path?: string }) => unmatched.push(`${req.method} ${req.path}`))

const run = (props: ReturnType<typeof makeProps>, input: unknown) =>
  startHitl({ ...props, input: input as never, type: 'startHitl', metadata: { setCost: () => {} } })

const validation = (message: string) => ({ status: 'error', message, correlationId: 'c-1', category: 'VALIDATION_ERROR' })
const doesntExist = (name: string) =>
  validation(
    `Property values were not valid: [{"isValid":false,"message":"Property \\"${name}\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"${name}","localizedErrorMessage":"Property \\"${name}\\" does not exist"}]`
  )
const threadBody = (ticketId?: string) => fakeThread({ id: '9001', ...(ticketId ? { threadAssociations: { associatedTicketId: ticketId } } : {}) })

beforeEach(() => {
  nock.disableNetConnect()
  resetCaches()
  unmatched.length = 0
  httpTuning.sleep = async () => {}
  Object.assign(ticketTuning, { quickTryDelaysMs: [0, 10], sleep: async () => {} })
})
afterEach(() => {
  nock.cleanAll()
  Object.assign(ticketTuning, defaults)
})

describe('refusedPropertiesOf', () => {
  const err = (body: { message: string }, status = 400) =>
    new HubspotApiError({ operation: 'x', status, category: 'VALIDATION_ERROR', hubspotMessage: body.message })

  it('reads the names from the JSON list HubSpot embeds in the message, keeping only names that were sent', () => {
    const e = err(doesntExist('order_nr'))
    expect(refusedPropertiesOf(e, ['order_nr', 'subject'])).toEqual([{ name: 'order_nr', reason: expect.stringContaining('PROPERTY_DOESNT_EXIST') }])
    expect(refusedPropertiesOf(e, ['subject'])).toEqual([])
  })

  it('reads an INVALID_OPTION entry and the prose-only form', () => {
    const option = err(
      validation(
        'Property values were not valid: [{"isValid":false,"message":"NOPE was not one of the allowed options","error":"INVALID_OPTION","name":"hs_ticket_category"}]'
      )
    )
    expect(refusedPropertiesOf(option, ['hs_ticket_category'])).toEqual([
      { name: 'hs_ticket_category', reason: 'INVALID_OPTION: NOPE was not one of the allowed options' },
    ])
    expect(refusedPropertiesOf(err(validation('Property "foo" does not exist')), ['foo'])).toHaveLength(1)
  })

  it('names nothing for other statuses or unparseable bodies', () => {
    expect(refusedPropertiesOf(err(doesntExist('foo'), 403), ['foo'])).toEqual([])
    expect(refusedPropertiesOf(err(validation('something is wrong')), ['foo'])).toEqual([])
    expect(refusedPropertiesOf(new Error('x'), ['foo'])).toEqual([])
  })
})

describe('setTicketProperties', () => {
  const hsOf = () => createHubspotClient(makeProps())

  it('retries without the property HubSpot names, and reports it', async () => {
    nockTokenRefresh()
    const bodies: unknown[] = []
    hubspot()
      .patch(TICKET, (b: unknown) => (bodies.push(b), true))
      .reply(400, doesntExist('order_nr'))
    hubspot()
      .patch(TICKET, (b: unknown) => (bodies.push(b), true))
      .reply(200, fakeCrmObject({ id: '777' }))
    const warnings: string[] = []
    const result = await setTicketProperties(hsOf(), '777', { subject: 'S', order_nr: '42' }, (m) => warnings.push(m))
    expect(bodies).toEqual([{ properties: { subject: 'S', order_nr: '42' } }, { properties: { subject: 'S' } }])
    expect(result.refused.map((r) => r.name)).toEqual(['order_nr'])
    expect(warnings.join('\n')).toMatch(/order_nr.*PROPERTY_DOESNT_EXIST/)
    expectAllInterceptorsUsed()
  })

  it('when the error names nothing: standard fields only, then subject and priority, then gives up', async () => {
    nockTokenRefresh()
    const bodies: { properties: Record<string, string> }[] = []
    hubspot()
      .patch(TICKET, (b: { properties: Record<string, string> }) => (bodies.push(b), true))
      .times(3)
      .reply(400, validation('Something went wrong'))
    const result = await setTicketProperties(
      hsOf(),
      '777',
      { subject: 'S', hs_ticket_priority: 'HIGH', hs_ticket_category: 'X', custom_a: '1' },
      () => {}
    )
    expect(bodies.map((b) => Object.keys(b.properties).sort())).toEqual([
      ['custom_a', 'hs_ticket_category', 'hs_ticket_priority', 'subject'],
      ['hs_ticket_category', 'hs_ticket_priority', 'subject'],
      ['hs_ticket_priority', 'subject'],
    ])
    expect(result.applied).toEqual({})
    expect(result.refused.map((r) => r.name).sort()).toEqual(['custom_a', 'hs_ticket_category'])
    expectAllInterceptorsUsed()
  })

  it('throws other failures (a missing scope) for the caller to log', async () => {
    nockTokenRefresh()
    hubspot().patch(TICKET).reply(403, { status: 'error', message: 'missing scopes', category: 'MISSING_SCOPES', correlationId: 'c' })
    await expect(setTicketProperties(hsOf(), '777', { subject: 'S' }, () => {})).rejects.toThrow(/403/)
  })
})

describe('startHitl with ticket fields, an assignee and the summary note', () => {
  const input = (userId: string, hitlSession: object) => ({ userId, title: 'Refund <now>', description: 'Order 42', hitlSession, messageHistory: [] })

  it('sets the ticket once, assigns the owner, and posts an agent-only note (no hitlAssigned emitted)', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    nockTokenRefresh()
    hubspot().post('/conversations/custom-channels/2026-09/ch1/messages').reply(201, publishedMessage('m-1'))
    hubspot()
      .get('/crm/owners/2026-03')
      .query({ email: 'sam@example.com', limit: '10' })
      .matchHeader('authorization', `Bearer ${ACCESS_TOKEN}`)
      .reply(200, { results: [fakeOwner({ id: '9', userId: 555, email: 'Sam@example.com', firstName: 'Sam', lastName: 'Agent' })] })
    let assignee: unknown
    hubspot()
      .put('/conversations/conversations/2026-09/threads/9001/assignee', (b: unknown) => ((assignee = b), true))
      .reply(200, fakeThread({ id: '9001', assignedTo: 'A-555' }))
    hubspot().get(THREAD).query({ association: 'TICKET' }).reply(200, threadBody('777'))
    let patch: unknown
    hubspot()
      .patch(TICKET, (b: unknown) => ((patch = b), true))
      .reply(200, fakeCrmObject({ id: '777' }))
    let note: { type: string; text: string; richText: string } | undefined
    hubspot()
      .post(`${THREAD}/messages`, (b: typeof note) => ((note = b), true))
      .reply(201, fakeComment({ id: 'n1', conversationsThreadId: '9001' }))

    await run(
      props,
      input(user.id, {
        priority: 'HIGH',
        category: 'BILLING_ISSUE',
        pipelineId: '0',
        pipelineStageId: '1',
        assigneeEmail: 'sam@example.com',
        customProperties: [{ name: 'order_number', value: '42' }],
      })
    )
    expect(assignee).toEqual({ actorId: 'A-555' })
    expect(patch).toEqual({
      properties: {
        subject: 'Refund <now>',
        hs_ticket_priority: 'HIGH',
        hs_ticket_category: 'BILLING_ISSUE',
        hs_pipeline: '0',
        hs_pipeline_stage: '1',
        order_number: '42',
      },
    })
    expect(note?.type).toBe('COMMENT')
    for (const s of ['Refund <now>', 'Order 42', 'HIGH', 'ada@example.com', '501', 'Ada Lovelace', 'order_number', 'assigned to Sam Agent'])
      expect(note?.text).toContain(s)
    expect(note?.richText).toContain('Refund &lt;now&gt;')
    expect(note?.richText).not.toContain('<now>')
    expect(props.fake.events).toEqual([])
    expect(unmatched).toEqual([])
    expectAllInterceptorsUsed()
  })

  it('the openedAt tag (when another instance may think the plugin active) is never before startHitl returns, even with slow refused PATCHes', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    nockTokenRefresh()
    hubspot().post('/conversations/custom-channels/2026-09/ch1/messages').reply(201, publishedMessage('m-1'))
    hubspot().get(THREAD).query({ association: 'TICKET' }).reply(200, threadBody('777'))
    // HubSpot refuses twice, naming nothing (each answer slow), then accepts the last fallback.
    hubspot().patch(TICKET).delay(450).reply(400, validation('Property values were not valid'))
    hubspot().patch(TICKET).delay(450).reply(400, validation('Property values were not valid'))
    hubspot()
      .patch(TICKET)
      .delay(450)
      .reply(200, fakeCrmObject({ id: '777' }))
    hubspot()
      .post(`${THREAD}/messages`)
      .reply(201, fakeComment({ id: 'n1', conversationsThreadId: '9001' }))
    const session = { priority: 'HIGH', category: 'NOT_A_CATEGORY', customProperties: [{ name: 'order_nr', value: '1' }] }
    const { conversationId } = await run(props, input(user.id, session))
    const returnedAt = Date.now()
    const openedAt = Number(props.fake.conversations.get(conversationId)?.tags.openedAt)
    expect(openedAt).toBeGreaterThanOrEqual(returnedAt)
    expectAllInterceptorsUsed()
  })

  it('without ticket fields or assignee: one publish and one note, no ticket lookups', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    nockTokenRefresh()
    hubspot().post('/conversations/custom-channels/2026-09/ch1/messages').reply(201, publishedMessage('m-1'))
    hubspot()
      .post(`${THREAD}/messages`)
      .reply(201, fakeComment({ id: 'n1', conversationsThreadId: '9001' }))
    await run(props, input(user.id, {}))
    expect(unmatched).toEqual([])
    expectAllInterceptorsUsed()
  })

  it('an unknown assignee email is logged and the escalation proceeds unassigned', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    nockTokenRefresh()
    hubspot().post('/conversations/custom-channels/2026-09/ch1/messages').reply(201, publishedMessage('m-1'))
    hubspot().get('/crm/owners/2026-03').query(true).reply(200, { results: [] })
    hubspot()
      .post(`${THREAD}/messages`)
      .reply(201, fakeComment({ id: 'n1', conversationsThreadId: '9001' }))
    const { conversationId } = await run(props, input(user.id, { assigneeEmail: 'nobody@example.com' }))
    expect(conversationId).toBeTruthy()
    expect(props.lines.some((l) => l.level === 'warn' && l.message.includes('nobody@example.com'))).toBe(true)
    expectAllInterceptorsUsed()
  })

  it('a failing note or assignment (403) is logged, not fatal', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    nockTokenRefresh()
    hubspot().post('/conversations/custom-channels/2026-09/ch1/messages').reply(201, publishedMessage('m-1'))
    hubspot()
      .get('/crm/owners/2026-03')
      .query(true)
      .reply(200, { results: [fakeOwner({ id: '9', userId: 555, email: 'sam@example.com' })] })
    hubspot()
      .put('/conversations/conversations/2026-09/threads/9001/assignee')
      .reply(403, { status: 'error', message: 'no', category: 'MISSING_SCOPES', correlationId: 'c' })
    hubspot().post(`${THREAD}/messages`).reply(500, { status: 'error', message: 'boom', category: 'INTERNAL_ERROR', correlationId: 'c' })
    await expect(run(props, input(user.id, { assigneeEmail: 'sam@example.com' }))).resolves.toHaveProperty('conversationId')
    const warnings = props.lines.filter((l) => l.level === 'warn').map((l) => l.message)
    expect(warnings.some((w) => w.includes('Could not assign'))).toBe(true)
    expect(warnings.some((w) => w.includes('summary note'))).toBe(true)
  })

  it('ticket not there yet: startHitl returns, the fields are kept and the conversation tagged ticketPending', async () => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    nockTokenRefresh()
    hubspot().post('/conversations/custom-channels/2026-09/ch1/messages').reply(201, publishedMessage('m-1'))
    hubspot().get(THREAD).query({ association: 'TICKET' }).times(2).reply(200, threadBody())
    hubspot()
      .post(`${THREAD}/messages`)
      .reply(201, fakeComment({ id: 'n1', conversationsThreadId: '9001' }))
    const { conversationId } = await run(props, input(user.id, { priority: 'URGENT' }))
    expect(props.fake.conversations.get(conversationId)?.tags.ticketPending).toBe('true')
    expect(props.fake.states.get(`conversation:${conversationId}:ticket`)).toMatchObject({
      threadId: '9001',
      properties: { subject: 'Refund <now>', hs_ticket_priority: 'URGENT' },
      attempts: 0,
      done: false,
    })
    expectAllInterceptorsUsed()
  })

  it.each([
    [{ pipelineStageId: '1' }, /pipelineStageId needs hitlSession.pipelineId/],
    [{ pipelineId: '0' }, /pipelineId needs hitlSession.pipelineStageId/],
    [{ assigneeEmail: 'not-an-email' }, /assigneeEmail: must be an email address/],
    [{ priority: 'BLOCKER' }, /priority/],
    [{ customProperties: [{ name: 'Order Number', value: '1' }] }, /internal property name/],
    [{ customProperties: [{ name: 'hs_ticket_priority', value: 'HIGH' }] }, /use hitlSession.priority/],
    [
      {
        customProperties: [
          { name: 'a', value: '1' },
          { name: 'a', value: '2' },
        ],
      },
      /given twice/,
    ],
  ])('refuses %j before anything is created', async (session, message) => {
    const props = makeProps()
    seedSetup(props.fake)
    const user = await seedEndUser(props.fake)
    const before = props.fake.calls.length
    await expect(run(props, input(user.id, session))).rejects.toThrow(message)
    expect(props.fake.calls.slice(before)).toEqual([])
    expect(nock.pendingMocks()).toEqual([])
  })
})

describe('onTicketOccasion', () => {
  const pending = async (props: ReturnType<typeof makeProps>, extra: object = {}) => {
    const user = await seedEndUser(props.fake)
    const conversation = await seedHitlConversation(props.fake, user.id)
    await props.client.updateConversation({ id: conversation.id, tags: { ticketPending: 'true' } })
    conversation.tags.ticketPending = 'true'
    props.fake.states.set(`conversation:${conversation.id}:ticket`, {
      threadId: '9001',
      properties: { subject: 'S', hs_ticket_priority: 'HIGH', order_nr: '42' },
      since: Date.now(),
      attempts: 0,
      done: false,
      ...extra,
    })
    return conversation
  }
  const occasion = (props: ReturnType<typeof makeProps>, c: { id: string; tags: Record<string, string> }) =>
    onTicketOccasion(occasionContext({ client: props.client, hs: createHubspotClient(props), logger: props.logger }), c.id, c.tags)

  it('costs nothing when nothing is pending', async () => {
    const props = makeProps()
    const user = await seedEndUser(props.fake)
    const conversation = await seedHitlConversation(props.fake, user.id)
    const before = props.fake.calls.length
    await occasion(props, conversation)
    expect(props.fake.calls.slice(before)).toEqual([])
    expect(unmatched).toEqual([])
  })

  it('sets the properties once the ticket exists, exactly once, and tells the agent what HubSpot refused', async () => {
    const props = makeProps()
    const conversation = await pending(props)
    const tagsThen = { ...conversation.tags }
    nockTokenRefresh()
    hubspot().get(THREAD).query({ association: 'TICKET' }).reply(200, threadBody('777'))
    const bodies: unknown[] = []
    hubspot()
      .patch(TICKET, (b: unknown) => (bodies.push(b), true))
      .reply(400, doesntExist('order_nr'))
    hubspot()
      .patch(TICKET, (b: unknown) => (bodies.push(b), true))
      .reply(200, fakeCrmObject({ id: '777' }))
    let note: { text: string } | undefined
    hubspot()
      .post(`${THREAD}/messages`, (b: typeof note) => ((note = b), true))
      .reply(201, fakeComment({ id: 'n2', conversationsThreadId: '9001' }))
    // Two occasions at once (a message and a redelivered webhook, with the tags they were sent with).
    await Promise.all([occasion(props, { id: conversation.id, tags: tagsThen }), occasion(props, { id: conversation.id, tags: tagsThen })])
    await occasion(props, { id: conversation.id, tags: tagsThen })
    expect(bodies).toHaveLength(2)
    expect(unmatched).toEqual([])
    expect(note?.text).toContain('order_nr')
    expect(props.fake.conversations.get(conversation.id)?.tags.ticketPending).toBeUndefined()
    expect(props.fake.states.get(`conversation:${conversation.id}:ticket`)).toMatchObject({ done: true })
    expect(props.lines.some((l) => l.level === 'warn' && /order_nr/.test(l.message))).toBe(true)
    expectAllInterceptorsUsed()
  })

  it('a plain inbox: gives up after the bounded number of looks, with a debug line, no error', async () => {
    ticketTuning.maxLaterAttempts = 2
    const props = makeProps()
    const conversation = await pending(props)
    const tags = { ...conversation.tags }
    nockTokenRefresh()
    hubspot().get(THREAD).query({ association: 'TICKET' }).times(2).reply(200, threadBody())
    await occasion(props, { id: conversation.id, tags })
    expect(props.fake.conversations.get(conversation.id)?.tags.ticketPending).toBe('true')
    await occasion(props, { id: conversation.id, tags })
    expect(props.fake.conversations.get(conversation.id)?.tags.ticketPending).toBeUndefined()
    await occasion(props, { id: conversation.id, tags: props.fake.conversations.get(conversation.id)!.tags })
    expect(props.lines.some((l) => l.level === 'debug' && l.message.includes('dropped'))).toBe(true)
    expect(props.lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([])
    expectAllInterceptorsUsed()
  })

  it('gives up at once when HubSpot answers 403 (scope tickets missing), never failing the occasion', async () => {
    const props = makeProps()
    const conversation = await pending(props)
    nockTokenRefresh()
    hubspot().get(THREAD).query({ association: 'TICKET' }).reply(200, threadBody('777'))
    hubspot().patch(TICKET).reply(403, { status: 'error', message: 'missing scopes', category: 'MISSING_SCOPES', correlationId: 'c' })
    await expect(occasion(props, conversation)).resolves.toBeUndefined()
    expect(props.fake.conversations.get(conversation.id)?.tags.ticketPending).toBeUndefined()
    expect(props.lines.some((l) => l.level === 'warn' && l.message.includes('Gave up'))).toBe(true)
    expectAllInterceptorsUsed()
  })
})

describe('renderEscalationNote', () => {
  it('escapes HTML everywhere in richText and keeps the text plain', () => {
    const note = renderEscalationNote({
      title: '<script>x</script>',
      endUser: { name: 'A & B', botpressUserId: 'u1', identifierType: 'HS_PHONE_NUMBER', identifierValue: '+15551234567' },
      inboxId: '1001',
      customProperties: [{ name: 'x', value: '"><img src=x>' }],
    })
    expect(note.richText).not.toMatch(/<script>|<img/)
    expect(note.richText).toContain('A &amp; B')
    expect(note.text).toContain('<script>x</script>')
    expect(note.text).toContain('+15551234567 (phone)')
  })
})
