import { afterEach, describe, expect, it } from 'vitest'
import { startHubspotEmulator, type EmulatorOptions, type HubspotEmulator } from './index'
import { startWebhookReceiver, type WebhookReceiver } from './test-receiver'

const CREDS = {
  clientId: 'client-id-1',
  clientSecret: 'client-secret-1',
  refreshToken: 'refresh-token-1',
  developerApiKey: 'dev-key-1',
  appId: '424242',
}
const SAM = { id: '555', name: 'Sam Agent', email: 'sam@example.com' }

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

type Res = { status: number; body: Record<string, unknown> }

const call = async (emu: HubspotEmulator, token: string, method: string, path: string, body?: unknown): Promise<Res> => {
  const res = await fetch(new URL(path, emu.url), {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

type World = {
  emu: HubspotEmulator
  token: string
  hook: WebhookReceiver
  clock: { now: number }
  threadOf: (inboxId: string, integrationThreadId?: string) => Promise<string>
}

/** An emulator with a plain inbox (1001) and a help desk (1002), a channel with an account on each, and a hand-moved clock. */
const world = async (extra: Partial<EmulatorOptions> = {}): Promise<World> => {
  const clock = { now: Date.parse('2026-11-30T10:00:00Z') }
  const emu = await startHubspotEmulator({
    ...CREDS,
    now: () => clock.now,
    inboxes: [
      { id: '1001', name: 'Support', type: 'INBOX' },
      { id: '1002', name: 'Help desk', type: 'HELP_DESK' },
    ],
    agents: [SAM],
    ticketDelayMs: 1000,
    customTicketProperties: ['order_number'],
    ...extra,
  })
  const hook = await startWebhookReceiver()
  cleanups.push(
    () => emu.close(),
    () => hook.close()
  )
  emu.setAppWebhookUrl(hook.url)
  const tokenRes = await fetch(`${emu.url}/oauth/v1/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: CREDS.clientId,
      client_secret: CREDS.clientSecret,
      refresh_token: CREDS.refreshToken,
    }),
  })
  const token = String(((await tokenRes.json()) as { access_token: string }).access_token)
  const channel = await fetch(`${emu.url}/conversations/v3/custom-channels?hapikey=${CREDS.developerApiKey}&appId=${CREDS.appId}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name: 'Botpress',
      webhookUrl: hook.url,
      capabilities: { deliveryIdentifierTypes: ['HS_EMAIL_ADDRESS', 'CHANNEL_SPECIFIC_OPAQUE_ID'], threadingModel: 'INTEGRATION_THREAD_ID' },
    }),
  })
  const channelId = String(((await channel.json()) as { id: string }).id)
  const accounts: Record<string, string> = {}
  for (const inboxId of ['1001', '1002']) {
    const acc = await call(emu, token, 'POST', `/conversations/v3/custom-channels/${channelId}/channel-accounts`, {
      inboxId,
      name: `Botpress ${inboxId}`,
      authorized: true,
      deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: `botpress-${inboxId}` },
    })
    accounts[inboxId] = String(acc.body.id)
  }
  await emu.settle()
  const threadOf = async (inboxId: string, integrationThreadId = `it-${inboxId}-${Math.random()}`) => {
    const msg = await call(emu, token, 'POST', `/conversations/v3/custom-channels/${channelId}/messages`, {
      channelAccountId: accounts[inboxId],
      messageDirection: 'INCOMING',
      text: 'Hello, I need a human',
      integrationThreadId,
      senders: [{ deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'jane@example.com' }, name: 'Jane' }],
      recipients: [{ deliveryIdentifier: { type: 'CHANNEL_SPECIFIC_OPAQUE_ID', value: `botpress-${inboxId}` } }],
      attachments: [],
    })
    expect(msg.status).toBe(201)
    return String(msg.body.conversationsThreadId)
  }
  return { emu, token, hook, clock, threadOf }
}

const ticketIdOf = async (w: World, threadId: string): Promise<string | undefined> => {
  const res = await call(w.emu, w.token, 'GET', `/conversations/v3/conversations/threads/${threadId}?association=TICKET`)
  expect(res.status).toBe(200)
  const assoc = res.body.threadAssociations as { associatedTicketId?: string } | undefined
  expect(assoc).toBeDefined()
  return assoc?.associatedTicketId
}

describe('tickets', () => {
  it('a help-desk thread gets its ticket after the delay; a plain inbox thread never does; no association without the query', async () => {
    const w = await world()
    const desk = await w.threadOf('1002')
    const plain = await w.threadOf('1001')
    expect(await ticketIdOf(w, desk)).toBeUndefined()
    w.clock.now += 1000
    const ticketId = await ticketIdOf(w, desk)
    expect(ticketId).toMatch(/^\d+$/)
    expect(await ticketIdOf(w, desk)).toBe(ticketId)
    expect(await ticketIdOf(w, plain)).toBeUndefined()
    const bare = await call(w.emu, w.token, 'GET', `/conversations/v3/conversations/threads/${desk}`)
    expect(bare.body).not.toHaveProperty('threadAssociations')
    const ticket = await call(w.emu, w.token, 'GET', `/crm/v3/objects/tickets/${ticketId}`)
    expect(ticket.body.properties).toMatchObject({ hs_pipeline: '0', hs_pipeline_stage: '1', content: 'Hello, I need a human' })
  })

  it('PATCH sets known properties; refuses unknown names and options all-or-nothing with HubSpot’s error body', async () => {
    const w = await world({ ticketDelayMs: 0 })
    const ticketId = await ticketIdOf(w, await w.threadOf('1002'))
    const ok = await call(w.emu, w.token, 'PATCH', `/crm/v3/objects/tickets/${ticketId}`, {
      properties: {
        subject: 'Refund',
        hs_ticket_priority: 'HIGH',
        hs_ticket_category: 'BILLING_ISSUE',
        hs_pipeline: '0',
        hs_pipeline_stage: '3',
        order_number: '42',
      },
    })
    expect(ok.status).toBe(200)
    expect(ok.body.properties).toMatchObject({ subject: 'Refund', hs_ticket_priority: 'HIGH', order_number: '42', hs_pipeline_stage: '3' })

    const bad = await call(w.emu, w.token, 'PATCH', `/crm/v3/objects/tickets/${ticketId}`, {
      properties: { subject: 'Changed', nope_prop: 'x', hs_ticket_category: 'WHATEVER', hs_ticket_priority: 'BLOCKER' },
    })
    expect(bad.status).toBe(400)
    expect(bad.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', correlationId: expect.any(String) })
    const embedded = JSON.parse(String(bad.body.message).replace(/^Property values were not valid: /, '')) as { name: string; error: string }[]
    expect(embedded.map((e) => [e.name, e.error])).toEqual([
      ['nope_prop', 'PROPERTY_DOESNT_EXIST'],
      ['hs_ticket_priority', 'INVALID_OPTION'],
      ['hs_ticket_category', 'INVALID_OPTION'],
    ])
    expect(w.emu.ticketOfThread([...w.emu.state.tickets.values()][0]!.threadId)?.properties.subject).toBe('Refund')

    const stage = await call(w.emu, w.token, 'PATCH', `/crm/v3/objects/tickets/${ticketId}`, {
      properties: { hs_pipeline: '0', hs_pipeline_stage: '99' },
    })
    expect(stage.status).toBe(400)
    expect(String(stage.body.message)).toContain('hs_pipeline_stage')
    expect((await call(w.emu, w.token, 'PATCH', '/crm/v3/objects/tickets/1', { properties: {} })).status).toBe(404)
  })

  it('lists the ticket pipelines with their stages', async () => {
    const w = await world()
    const res = await call(w.emu, w.token, 'GET', '/crm/v3/pipelines/tickets')
    expect(res.status).toBe(200)
    const [pipeline] = res.body.results as { id: string; stages: { id: string; metadata: { ticketState: string } }[] }[]
    expect(pipeline?.id).toBe('0')
    expect(pipeline?.stages.map((s) => [s.id, s.metadata.ticketState])).toEqual([
      ['1', 'OPEN'],
      ['2', 'OPEN'],
      ['3', 'OPEN'],
      ['4', 'CLOSED'],
    ])
  })
})

describe('owners and assignment', () => {
  it('finds an owner by email (any case) with the userId behind A-<userId>; unknown email → no results', async () => {
    const w = await world()
    const found = await call(w.emu, w.token, 'GET', '/crm/v3/owners?email=SAM@example.com')
    expect(found.body.results).toEqual([
      expect.objectContaining({ email: 'sam@example.com', userId: 555, firstName: 'Sam', lastName: 'Agent', type: 'PERSON' }),
    ])
    expect((found.body.results as { id: string }[])[0]?.id).not.toBe('555')
    expect((await call(w.emu, w.token, 'GET', '/crm/v3/owners?email=nobody@example.com')).body.results).toEqual([])
  })

  it('PUT assignee sets assignedTo and sends the assignedTo webhook once; DELETE unassigns', async () => {
    const w = await world()
    const threadId = await w.threadOf('1001')
    const put = await call(w.emu, w.token, 'PUT', `/conversations/conversations/v3/threads/${threadId}/assignee`, { actorId: 'A-555' })
    expect(put.status).toBe(200)
    expect(put.body.assignedTo).toBe('A-555')
    await call(w.emu, w.token, 'PUT', `/conversations/conversations/v3/threads/${threadId}/assignee`, { actorId: 'A-555' })
    await w.emu.settle()
    const events = () =>
      w.hook.received
        .filter((r) => r.body.startsWith('['))
        .flatMap((r) => JSON.parse(r.body) as { propertyName?: string; propertyValue?: string; objectId: number }[])
    await expect.poll(() => events().length).toBe(1)
    expect(events()[0]).toMatchObject({ propertyName: 'assignedTo', propertyValue: '555', objectId: Number(threadId) })
    expect((await call(w.emu, w.token, 'PUT', `/conversations/conversations/v3/threads/${threadId}/assignee`, { actorId: 'A-999' })).status).toBe(404)
    expect((await call(w.emu, w.token, 'PUT', `/conversations/conversations/v3/threads/${threadId}/assignee`, { actorId: '555' })).status).toBe(400)
    expect((await call(w.emu, w.token, 'DELETE', `/conversations/conversations/v3/threads/${threadId}/assignee`)).status).toBe(204)
    await expect.poll(() => events().length).toBe(2)
    expect(w.emu.state.threads.get(threadId)?.assignedTo).toBeUndefined()
  })

  it('assignNewThreadsTo: routing assigns each new thread as it opens and reports it at once; a later message in it assigns nothing', async () => {
    const w = await world({ assignNewThreadsTo: { id: '777', name: 'Rita Router' } })
    const events = () =>
      w.hook.received
        .filter((r) => r.body.startsWith('['))
        .flatMap((r) => JSON.parse(r.body) as { propertyName?: string; propertyValue?: string; objectId: number }[])
    const threadId = await w.threadOf('1001', 'it-routed')
    // Assigned before the publish was even answered; the webhook follows the answer.
    expect(w.emu.state.threads.get(threadId)?.assignedTo).toBe('777')
    expect(w.emu.state.agents.get('777')?.name).toBe('Rita Router')
    await expect.poll(() => events().length).toBe(1)
    expect(events()[0]).toMatchObject({ propertyName: 'assignedTo', propertyValue: '777', objectId: Number(threadId) })
    expect(await w.threadOf('1001', 'it-routed')).toBe(threadId)
    const other = await w.threadOf('1002')
    await expect.poll(() => events().length).toBe(2)
    expect(events()[1]).toMatchObject({ propertyValue: '777', objectId: Number(other) })
    await w.emu.settle()
    expect(events()).toHaveLength(2)
  })
})

describe('comments', () => {
  it('stores a COMMENT for agents, lists it among the thread messages, never sends it to the channel', async () => {
    const w = await world()
    const threadId = await w.threadOf('1001')
    const before = w.hook.received.length
    const res = await call(w.emu, w.token, 'POST', `/conversations/v3/conversations/threads/${threadId}/messages`, {
      type: 'COMMENT',
      text: 'Escalated by the bot',
      richText: '<p>Escalated by the bot</p>',
      attachments: [],
    })
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({
      type: 'COMMENT',
      conversationsThreadId: threadId,
      text: 'Escalated by the bot',
      client: { clientType: 'INTEGRATION' },
    })
    expect(w.emu.threadComments(threadId).map((c) => c.text)).toEqual(['Escalated by the bot'])
    const list = await call(w.emu, w.token, 'GET', `/conversations/v3/conversations/threads/${threadId}/messages`)
    expect((list.body.results as { type?: string }[]).map((m) => m.type)).toContain('COMMENT')
    await w.emu.settle()
    expect(w.hook.received.length).toBe(before)
    expect(w.emu.threadMessages(threadId).some((m) => m.text.includes('Escalated'))).toBe(false)
    const notComment = await call(w.emu, w.token, 'POST', `/conversations/v3/conversations/threads/${threadId}/messages`, {
      type: 'MESSAGE',
      text: 'x',
      attachments: [],
    })
    expect(notComment.status).toBe(400)
  })
})
